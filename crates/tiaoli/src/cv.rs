//! Cross-validation grouped by report, and evaluation of a model on a corpus.

use std::collections::BTreeMap;

use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::label::Label;
use crate::metrics::Evaluation;
use crate::model::FittedTagger;
use crate::train::{documents, Stage, TaggerParams};

/// The sector of rows that name none.
pub const NO_SECTOR: &str = "(no sector)";

/// The result of one fold.
#[derive(Clone, Debug)]
pub struct Fold {
    /// What was held out: `fold N`, or the sector.
    pub held_out: String,
    /// The report groups held out.
    pub groups: Vec<String>,
    /// Rows trained on.
    pub train_rows: usize,
    /// Scores on the held-out rows.
    pub evaluation: Evaluation,
}

/// The result of [`cross_validate`].
#[derive(Clone, Debug)]
pub struct CrossValidation {
    /// Each fold, in order.
    pub folds: Vec<Fold>,
    /// Scores over the pooled held-out predictions of all folds.
    pub overall: Evaluation,
    /// The held-out prediction for every row of the corpus, in corpus order.
    pub predictions: Vec<Label>,
}

/// Score `tagger` on every row of `corpus`, each document (`doc`) tagged as a whole.
pub fn evaluate(tagger: &FittedTagger, corpus: &Corpus) -> Evaluation {
    let gold: Vec<Label> = corpus.examples().iter().map(|e| e.label).collect();
    Evaluation::new(&gold, &predict(tagger, corpus))
}

/// The predicted label of every row, each document tagged as a whole with its rows in order.
pub fn predict(tagger: &FittedTagger, corpus: &Corpus) -> Vec<Label> {
    let mut out = vec![Label::Work; corpus.len()];
    for rows in documents(corpus) {
        let texts: Vec<&str> = rows.iter().map(|&i| corpus.examples()[i].text.as_str()).collect();
        for (&i, p) in rows.iter().zip(tagger.classify(&texts)) {
            out[i] = p.label;
        }
    }
    out
}

/// Assign each group to one of `k` folds: groups in order of size (largest first; ties in an
/// order shuffled by `seed`), each to the fold with the fewest rows so far (ties to the lower
/// fold) — scikit-learn's `GroupKFold` with a seeded tie-break. Returns the fold of every
/// group, by name.
pub fn assign_folds(corpus: &Corpus, k: usize, seed: u64) -> Result<BTreeMap<String, usize>> {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for e in corpus.examples() {
        *sizes.entry(e.group.as_str()).or_insert(0) += 1;
    }
    if k < 2 {
        return Err(Error::InvalidParam {
            name: "folds",
            reason: format!("{k} folds: cross-validation needs at least 2"),
        });
    }
    if k > sizes.len() {
        return Err(Error::TooFewGroups { folds: k, groups: sizes.len() });
    }
    let mut groups: Vec<(&str, usize, u64)> =
        sizes.into_iter().map(|(g, n)| (g, n, splitmix64(seed ^ fnv1a(g.as_bytes())))).collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(b.0)));
    let mut load = vec![0usize; k];
    let mut out = BTreeMap::new();
    for (group, size, _) in groups {
        let fold = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        load[fold] += size;
        out.insert(group.to_owned(), fold);
    }
    Ok(out)
}

/// How [`cross_validate`] splits a corpus into folds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Split {
    /// `folds` folds of whole report groups ([`Example::group`](crate::Example::group)), so a
    /// report and its copies are never split between training and test; `seed` orders
    /// equal-sized groups (see [`assign_folds`]).
    Reports {
        /// Number of folds, at least 2.
        folds: usize,
        /// Seed for the order of equal-sized groups.
        seed: u64,
    },
    /// One fold per sector ([`Example::sector`](crate::Example::sector); rows without one are
    /// the sector [`NO_SECTOR`]), in sector name order: how a model does on a sector it never
    /// saw.
    Sectors,
}

/// Cross-validate `params` on `corpus`, split as `split` says. Every fold trains on the rest
/// of `corpus` plus all of `train_also` (if given), and is tested on its held-out rows of
/// `corpus` only — so a small corpus can be scored on fixed folds while a larger one helps
/// training. `progress` is called with the fold number (from 0) and each training stage.
pub fn cross_validate(
    params: &TaggerParams,
    corpus: &Corpus,
    split: &Split,
    train_also: Option<&Corpus>,
    progress: impl FnMut(usize, Stage),
) -> Result<CrossValidation> {
    let (fold_of, names) = match *split {
        Split::Reports { folds, seed } => {
            let fold_of_group = assign_folds(corpus, folds, seed)?;
            let fold_of: Vec<usize> = corpus.examples().iter().map(|e| fold_of_group[&e.group]).collect();
            (fold_of, (1..=folds).map(|i| format!("fold {i}")).collect())
        }
        Split::Sectors => {
            let sector = |e: &crate::corpus::Example| e.sector.clone().unwrap_or_else(|| NO_SECTOR.to_owned());
            let sectors: Vec<String> =
                corpus.examples().iter().map(sector).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            if sectors.len() < 2 {
                return Err(Error::InvalidParam {
                    name: "by",
                    reason: format!(
                        "leaving one sector out needs at least 2 sectors, the corpus has {}",
                        sectors.len()
                    ),
                });
            }
            let fold_of: Vec<usize> =
                corpus.examples().iter().map(|e| sectors.binary_search(&sector(e)).unwrap_or(0)).collect();
            (fold_of, sectors)
        }
    };
    run_folds(params, corpus, train_also, &fold_of, names, progress)
}

fn run_folds(
    params: &TaggerParams,
    corpus: &Corpus,
    train_also: Option<&Corpus>,
    fold_of: &[usize],
    names: Vec<String>,
    mut progress: impl FnMut(usize, Stage),
) -> Result<CrossValidation> {
    let mut predictions = vec![Label::Work; corpus.len()];
    let mut folds = Vec::with_capacity(names.len());
    for (fold, name) in names.into_iter().enumerate() {
        let (test, train): (Vec<usize>, Vec<usize>) = (0..corpus.len()).partition(|&i| fold_of[i] == fold);
        let mut training = corpus.select(&train);
        if let Some(also) = train_also {
            training.extend(also);
        }
        let tagger = params.fit_with_progress(&training, |stage| progress(fold, stage))?;
        for (&i, label) in test.iter().zip(predict(&tagger, &corpus.select(&test))) {
            predictions[i] = label;
        }
        let gold: Vec<Label> = test.iter().map(|&i| corpus.examples()[i].label).collect();
        let predicted: Vec<Label> = test.iter().map(|&i| predictions[i]).collect();
        let groups: std::collections::BTreeSet<&str> =
            test.iter().map(|&i| corpus.examples()[i].group.as_str()).collect();
        folds.push(Fold {
            held_out: name,
            groups: groups.into_iter().map(str::to_owned).collect(),
            train_rows: training.len(),
            evaluation: Evaluation::new(&gold, &predicted),
        });
    }
    let gold: Vec<Label> = corpus.examples().iter().map(|e| e.label).collect();
    Ok(CrossValidation { folds, overall: Evaluation::new(&gold, &predictions), predictions })
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Example;

    fn corpus(groups: &[(&str, usize)]) -> Corpus {
        let mut rows = Vec::new();
        for &(g, n) in groups {
            for i in 0..n {
                rows.push(Example {
                    text: format!("{g}{i}"),
                    label: Label::Work,
                    doc: g.into(),
                    group: g.into(),
                    sector: None,
                    source: ("t".into(), i + 1),
                });
            }
        }
        Corpus::from_examples(rows)
    }

    #[test]
    fn folds_balance_rows_and_keep_groups_whole() {
        let c = corpus(&[("a", 10), ("b", 6), ("c", 4), ("d", 3), ("e", 1)]);
        let folds = assign_folds(&c, 2, 0).unwrap();
        let mut load = [0; 2];
        for e in c.examples() {
            load[folds[&e.group]] += 1;
        }
        // Greedy: a→0 (10), b→1 (6), c→1 (10), d→0 (13), e→1 (11).
        assert_eq!(load, [13, 11]);
        assert_eq!(folds.len(), 5);
    }

    #[test]
    fn same_seed_same_folds_and_ties_depend_on_seed() {
        let c = corpus(&[("a", 2), ("b", 2), ("c", 2), ("d", 2), ("e", 2), ("f", 2)]);
        assert_eq!(assign_folds(&c, 3, 7).unwrap(), assign_folds(&c, 3, 7).unwrap());
        let differs = (0..20).any(|s| assign_folds(&c, 3, s).unwrap() != assign_folds(&c, 3, 0).unwrap());
        assert!(differs, "the seed should reorder equal-sized groups");
    }

    #[test]
    fn too_many_folds_is_a_clear_error() {
        let c = corpus(&[("a", 2), ("b", 2)]);
        let err = assign_folds(&c, 3, 0).unwrap_err();
        assert_eq!(err.to_string(), "cannot make 3 folds from 2 report groups: use --folds 2 or fewer");
        assert!(assign_folds(&c, 1, 0).is_err());
    }
}
