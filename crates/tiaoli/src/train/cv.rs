//! Cross-validation grouped by report, author, sector or genre; evaluation of a model on a
//! corpus; the drafts score and calibration of the held-out predictions.
//!
//! # Drafts
//!
//! A writer sees tags while typing, so a report is also scored as the drafts it went
//! through: each held-out document cut after [`DRAFT_CUTS`] paragraphs (the cuts shorter
//! than the document), each prefix tagged alone, every line of every prefix scored against
//! its label. A tagger that reads the last lines of a draft as a page's end, or a short text
//! as a table of contents, scores well on whole reports and badly here.

use super::corpus::Corpus;
use super::folds::{assign_folds, documents};
use super::metrics::{Calibration, Evaluation};
use super::{Stage, TaggerParams, DRAFT_CUTS};
use crate::error::{Error, Result};
use crate::label::Label;
use crate::model::{FittedTagger, Prediction};

/// The sector of rows that name none.
pub const NO_SECTOR: &str = "(no sector)";
/// The genre of rows that name none.
pub const NO_GENRE: &str = "(no genre)";

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
    /// How well the held-out confidences match accuracy.
    pub calibration: Calibration,
    /// The held-out prediction for every row of the corpus, in corpus order.
    pub predictions: Vec<Prediction>,
    /// The fold that held out every row (an index into `folds`), in corpus order.
    pub fold_of: Vec<usize>,
    /// The drafts score, when asked for (see the module docs).
    pub drafts: Option<Scored>,
}

/// Scores of a set of predictions: labels and confidences. Serialised (with the `serde`
/// feature) as the evaluation's fields and `calibration`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Scored {
    /// Precision, recall and F1.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub evaluation: Evaluation,
    /// Confidence against accuracy.
    pub calibration: Calibration,
}

impl Scored {
    /// Score `predicted` against `gold`.
    pub fn new(gold: &[Label], predicted: &[Prediction]) -> Scored {
        let labels: Vec<Label> = predicted.iter().map(|p| p.label).collect();
        Scored {
            evaluation: Evaluation::new(gold, &labels),
            calibration: Calibration::new(gold.iter().zip(predicted).map(|(g, p)| (*g == p.label, p.confidence))),
        }
    }
}

/// Whether [`cross_validate`] also scores the held-out reports as drafts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drafts {
    /// Score whole documents only.
    Skip,
    /// Also tag every held-out document's prefixes (see the module docs).
    Score,
}

/// Score `tagger` on every row of `corpus`, each document (`doc`) tagged as a whole.
pub fn evaluate(tagger: &FittedTagger, corpus: &Corpus) -> Scored {
    let gold: Vec<Label> = corpus.examples().iter().map(|e| e.label).collect();
    Scored::new(&gold, &predict(tagger, corpus))
}

/// The prediction for every row, each document tagged as a whole with its rows in order.
pub fn predict(tagger: &FittedTagger, corpus: &Corpus) -> Vec<Prediction> {
    let mut out: Vec<Option<Prediction>> = vec![None; corpus.len()];
    for rows in documents(corpus) {
        let texts: Vec<&str> = rows.iter().map(|&i| corpus.examples()[i].text.as_str()).collect();
        for (&i, p) in rows.iter().zip(tagger.classify(&texts)) {
            out[i] = Some(p);
        }
    }
    // Every row is in exactly one document.
    out.into_iter().flatten().collect()
}

/// The drafts of every document of `corpus` (see the module docs): each prefix's rows tagged
/// alone, as (row, prediction) pairs, prefix after prefix.
pub fn predict_drafts(tagger: &FittedTagger, corpus: &Corpus) -> Vec<(usize, Prediction)> {
    let mut out = Vec::new();
    for rows in documents(corpus) {
        let texts: Vec<&str> = rows.iter().map(|&i| corpus.examples()[i].text.as_str()).collect();
        for &cut in DRAFT_CUTS.iter().filter(|&&cut| cut < rows.len()) {
            out.extend(rows[..cut].iter().copied().zip(tagger.classify(&texts[..cut])));
        }
    }
    out
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
    /// One fold per genre ([`Example::genre`](crate::Example::genre); rows without one are
    /// the genre [`NO_GENRE`]), in genre name order: how a model does on a kind of report
    /// (weekly, probation, government …) it never saw.
    Genres,
}

/// Cross-validate `params` on `corpus`, split as `split` says. Every fold trains on the rest
/// of `corpus` plus all of `train_also` (if given), and is tested on its held-out rows of
/// `corpus` only — so a small corpus can be scored on fixed folds while a larger one helps
/// training. With [`Drafts::Score`], the held-out documents are also scored as drafts (see
/// the module docs). `progress` is called with the fold number (from 0) and each training stage.
pub fn cross_validate(
    params: &TaggerParams,
    corpus: &Corpus,
    split: &Split,
    train_also: Option<&Corpus>,
    drafts: Drafts,
    progress: impl FnMut(usize, Stage),
) -> Result<CrossValidation> {
    let (fold_of, names) = match *split {
        Split::Reports { folds, seed } => {
            let fold_of_group = assign_folds(corpus, folds, seed)?;
            let fold_of: Vec<usize> = corpus.examples().iter().map(|e| fold_of_group[&e.group]).collect();
            (fold_of, (1..=folds).map(|i| format!("fold {i}")).collect())
        }
        Split::Sectors => by_field(corpus, "sector", NO_SECTOR, |e| e.sector.as_deref())?,
        Split::Genres => by_field(corpus, "genre", NO_GENRE, |e| e.genre.as_deref())?,
    };
    run_folds(params, corpus, train_also, drafts, &fold_of, names, progress)
}

/// One fold per value of a row's `field` (`missing` for rows without one), in name order:
/// the fold of every row, and the folds' names.
fn by_field(
    corpus: &Corpus,
    field: &str,
    missing: &str,
    value: impl Fn(&super::corpus::Example) -> Option<&str>,
) -> Result<(Vec<usize>, Vec<String>)> {
    let name = |e| value(e).unwrap_or(missing).to_owned();
    let names: Vec<String> =
        corpus.examples().iter().map(name).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    if names.len() < 2 {
        return Err(Error::InvalidParam {
            name: "by",
            reason: format!("leaving one {field} out needs at least 2 {field}s, the corpus has {}", names.len()),
        });
    }
    let fold_of = corpus.examples().iter().map(|e| names.binary_search(&name(e)).unwrap_or(0)).collect();
    Ok((fold_of, names))
}

/// How many folds `split` makes of `corpus`.
pub fn fold_count(corpus: &Corpus, split: &Split) -> usize {
    let distinct = |value: fn(&super::corpus::Example) -> Option<&str>| {
        corpus.examples().iter().map(value).collect::<std::collections::BTreeSet<_>>().len()
    };
    match *split {
        Split::Reports { folds, .. } => folds,
        Split::Sectors => distinct(|e| e.sector.as_deref()),
        Split::Genres => distinct(|e| e.genre.as_deref()),
    }
}

fn run_folds(
    params: &TaggerParams,
    corpus: &Corpus,
    train_also: Option<&Corpus>,
    drafts: Drafts,
    fold_of: &[usize],
    names: Vec<String>,
    mut progress: impl FnMut(usize, Stage),
) -> Result<CrossValidation> {
    let mut predictions: Vec<Option<Prediction>> = vec![None; corpus.len()];
    let mut draft_rows: Vec<(usize, Prediction)> = Vec::new();
    let mut folds = Vec::with_capacity(names.len());
    for (fold, name) in names.into_iter().enumerate() {
        let (test, train): (Vec<usize>, Vec<usize>) = (0..corpus.len()).partition(|&i| fold_of[i] == fold);
        let mut training = corpus.select(&train);
        if let Some(also) = train_also {
            training.extend(also);
        }
        let tagger = params.fit_with_progress(&training, |stage| progress(fold, stage))?;
        let held_out = corpus.select(&test);
        for (&i, p) in test.iter().zip(predict(&tagger, &held_out)) {
            predictions[i] = Some(p);
        }
        if drafts == Drafts::Score {
            draft_rows.extend(predict_drafts(&tagger, &held_out).into_iter().map(|(j, p)| (test[j], p)));
        }
        let gold: Vec<Label> = held_out.examples().iter().map(|e| e.label).collect();
        let predicted: Vec<Label> = test.iter().filter_map(|&i| predictions[i].as_ref().map(|p| p.label)).collect();
        let groups: std::collections::BTreeSet<&str> = held_out.examples().iter().map(|e| e.group.as_str()).collect();
        folds.push(Fold {
            held_out: name,
            groups: groups.into_iter().map(str::to_owned).collect(),
            train_rows: training.len(),
            evaluation: Evaluation::new(&gold, &predicted),
        });
    }
    // Every row is in one fold, and every fold was predicted.
    let predictions: Vec<Prediction> = predictions.into_iter().flatten().collect();
    let gold: Vec<Label> = corpus.examples().iter().map(|e| e.label).collect();
    let Scored { evaluation: overall, calibration } = Scored::new(&gold, &predictions);
    let drafts = (drafts == Drafts::Score).then(|| {
        let (gold, predicted): (Vec<Label>, Vec<Prediction>) =
            draft_rows.into_iter().map(|(i, p)| (corpus.examples()[i].label, p)).unzip();
        Scored::new(&gold, &predicted)
    });
    Ok(CrossValidation { folds, overall, calibration, predictions, fold_of: fold_of.to_vec(), drafts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::corpus::Example;

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
                    genre: None,
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
        assert_eq!(err.to_string(), "cannot make 3 folds from 2 report groups: ask for 2 folds or fewer");
        assert!(assign_folds(&c, 1, 0).is_err());
    }
}
