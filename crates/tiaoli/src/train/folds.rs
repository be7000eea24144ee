//! How a corpus divides: into documents (the paragraphs that see each other in context) and
//! into folds of whole report groups, for cross-validation and the context pass's
//! out-of-fold scores.

use std::collections::BTreeMap;

use super::corpus::Corpus;
use crate::error::{Error, Result};

/// The rows of each document (`doc`), in corpus order: the unit whose paragraphs see each
/// other in context.
pub(crate) fn documents(corpus: &Corpus) -> Vec<Vec<usize>> {
    let mut order: Vec<&str> = Vec::new();
    let mut rows: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in corpus.examples().iter().enumerate() {
        let entry = rows.entry(e.doc.as_str()).or_default();
        if entry.is_empty() {
            order.push(&e.doc);
        }
        entry.push(i);
    }
    order.into_iter().filter_map(|doc| rows.remove(doc)).collect()
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

/// FNV-1a: a stable hash of a name, for choices that must not change between runs.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
