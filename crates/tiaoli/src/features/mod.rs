//! Text → TF-IDF features: jieba word n-grams and character n-grams.
//!
//! # Why not linfa-preprocessing's `TfIdfVectorizer`
//!
//! It was evaluated first. It cannot serve here because:
//! - it splits text with a regular expression, and Chinese has no spaces: words come from
//!   jieba, and character n-grams need their own analyser;
//! - it has no sublinear tf and no l2 normalisation of the rows, which the classifier needs;
//! - its vocabulary lives in a `HashMap` with serde as the only way out, while inference needs
//!   a compact, versioned, checksummed model file that a wasm page can load, and the same
//!   bytes for the same data;
//! - it pulls `regex`, `sprs` and linfa into the inference build, which must stay small for
//!   the browser.
//!
//! So this module implements the few lines of TF-IDF itself: smooth idf
//! (`ln((1 + n) / (1 + df)) + 1`), sublinear tf (`1 + ln tf`), l2-normalised rows.
//!
//! # Segmentation without jieba's 5 MB dictionary
//!
//! A model carries the dictionary entries (word and frequency) of the words jieba's full
//! dictionary finds in its training corpus. Training segments its corpus with that same
//! reduced dictionary, so training and inference see identical words, and inference never
//! needs jieba's default dictionary (which the wasm build does not have). Both segment with
//! [`Lexicon`], which cuts as jieba-rs does (see its module docs), so inference needs no
//! jieba-rs at all.

pub(crate) mod lexicon;
mod terms;

pub(crate) use lexicon::Lexicon;
pub use terms::{DictEntry, Ngrams, TermKind};

use lexicon::Cut;

/// [`tfidf_into`] a new vector, as training builds them.
#[cfg(any(test, feature = "train"))]
pub(crate) fn tfidf(counts: impl IntoIterator<Item = (u32, usize)>, idf: &[f32]) -> Vec<(u32, f32)> {
    let mut out = Vec::new();
    tfidf_into(counts, idf, &mut out);
    out
}

/// Sublinear TF-IDF (`(1 + ln tf) × idf`), l2-normalised, from (term id, count) pairs in
/// ascending id order, into `out` (tagging reuses one buffer from paragraph to paragraph). The
/// one place the formula lives, so training and inference cannot drift apart.
fn tfidf_into(counts: impl IntoIterator<Item = (u32, usize)>, idf: &[f32], out: &mut Vec<(u32, f32)>) {
    out.clear();
    out.extend(counts.into_iter().map(|(id, n)| (id, sublinear_tf(n) * idf[id as usize])));
    let norm = out.iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, v) in out.iter_mut() {
            *v /= norm;
        }
    }
}

/// `1 + ln n`, from a table for the small counts nearly every term has: the logarithm was a
/// fiftieth of tagging. The table holds the same expression's values, so the bits agree.
fn sublinear_tf(n: usize) -> f32 {
    const SMALL: usize = 32;
    static TABLE: std::sync::OnceLock<[f32; SMALL]> = std::sync::OnceLock::new();
    match n {
        1 => 1.0,
        n if n < SMALL => TABLE.get_or_init(|| std::array::from_fn(|n| 1.0 + (n as f32).ln()))[n],
        n => 1.0 + (n as f32).ln(),
    }
}

/// Map a paragraph to the form features are taken from: full-width ASCII to half-width,
/// ASCII lower case, every digit to `0` (dates and counts vary, their presence matters),
/// white space runs to one space. Writes into `out`, framed by `^` and `$`.
#[cfg(any(test, feature = "train"))]
pub(crate) fn normalise_into(text: &str, out: &mut String) {
    out.clear();
    normalise_each(text, |c| out.push(c));
}

/// [`normalise_into`], handing over the characters one by one.
#[inline]
fn normalise_each(text: &str, mut push: impl FnMut(char)) {
    push('^');
    let mut space = false;
    for c in text.chars() {
        // Nearly every character of a report is an ideograph, which no rule below touches.
        if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            if space {
                push(' ');
                space = false;
            }
            push(c);
            continue;
        }
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            _ => c,
        };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            push(' ');
            space = false;
        }
        push(match c {
            '0'..='9' => '0',
            c => c.to_ascii_lowercase(),
        });
    }
    push('$');
}

/// Reusable buffers, so tagging a long report allocates once.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// The normalised paragraph, as characters.
    symbols: Vec<u32>,
    /// The same as text (training).
    #[cfg(any(test, feature = "train"))]
    normalised: String,
    cut: Cut,
    /// Byte offsets of the characters of `normalised`, and its length (training).
    #[cfg(any(test, feature = "train"))]
    char_starts: Vec<usize>,
    /// The term being built (training).
    #[cfg(any(test, feature = "train"))]
    term: String,
    /// Bit set of the vocabulary ids in the paragraph being vectorised; all zero between
    /// paragraphs.
    seen: Vec<u64>,
    /// Occurrences of each vocabulary id in the paragraph being vectorised; all zero between
    /// paragraphs.
    counts: Vec<u32>,
    /// The (id, count) pairs of the paragraph being vectorised.
    ids: Vec<(u32, usize)>,
    /// The TF-IDF vector of the paragraph being tagged.
    pub(crate) vector: Vec<(u32, f32)>,
}

/// Extracts the terms of a paragraph.
#[derive(Debug)]
pub(crate) struct Analyzer {
    pub(crate) lexicon: Lexicon,
    pub(crate) ngrams: Ngrams,
}

impl Analyzer {
    /// Normalise `text` into `scratch.symbols`, segment it if the model has word n-grams,
    /// and report the ids of its known character n-grams to `found`.
    fn analyse(&self, text: &str, scratch: &mut Scratch, found: impl FnMut(u32)) {
        let symbols = &mut scratch.symbols;
        symbols.clear();
        normalise_each(crate::text::analysed(text), |c| symbols.push(u32::from(c)));
        self.lexicon.analyse(&scratch.symbols, self.ngrams, &mut scratch.cut, found);
    }

    /// Call `emit` with every term of `text`, as (kind, term) pairs; a term repeats as often
    /// as it occurs. Training reads paragraphs this way; inference finds only the terms a
    /// model knows, as ids ([`Vocabulary::vectorise`]).
    #[cfg(any(test, feature = "train"))]
    pub(crate) fn for_each_term(&self, text: &str, scratch: &mut Scratch, mut emit: impl FnMut(TermKind, &str)) {
        self.analyse(text, scratch, |_| {});
        // Training needs the terms as text; tagging never builds it.
        scratch.normalised.clear();
        scratch.normalised.extend(scratch.symbols.iter().filter_map(|&c| char::from_u32(c)));
        let norm = scratch.normalised.as_str();
        scratch.char_starts.clear();
        scratch.char_starts.extend(norm.char_indices().map(|(i, _)| i));
        scratch.char_starts.push(norm.len());
        let starts = &scratch.char_starts;

        if let Some((lo, hi)) = self.ngrams.words {
            let words = &scratch.cut.words;
            for n in lo as usize..=hi as usize {
                for window in words.windows(n) {
                    scratch.term.clear();
                    for (i, &(s, e, _)) in window.iter().enumerate() {
                        if i > 0 {
                            scratch.term.push(' ');
                        }
                        scratch.term.push_str(&norm[starts[s as usize]..starts[e as usize]]);
                    }
                    emit(TermKind::Word, &scratch.term);
                }
            }
        }

        if let Some((lo, hi)) = self.ngrams.chars {
            let n_chars = starts.len() - 1;
            for n in lo as usize..=hi as usize {
                for i in 0..(n_chars + 1).saturating_sub(n) {
                    let gram = &norm[starts[i]..starts[i + n]];
                    // The frame markers alone say nothing.
                    if gram != "^" && gram != "$" {
                        emit(TermKind::Char, gram);
                    }
                }
            }
        }
    }
}

/// The terms a model knows, with their idf. The analyser's [`Lexicon`] finds them in text.
#[derive(Clone, Debug, Default)]
pub(crate) struct Vocabulary {
    pub(crate) terms: Vec<(TermKind, Box<str>)>,
    pub(crate) idf: Vec<f32>,
    /// What the idfs were computed from, so a model file can store these small integers
    /// rather than the floats; `None` for a model read from a file that stores the floats.
    pub(crate) counts: Option<DocCounts>,
}

/// The paragraphs a vocabulary was counted on, and each term's document frequency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DocCounts {
    pub(crate) docs: u32,
    pub(crate) df: Vec<u32>,
}

/// Smooth idf, as scikit-learn computes it (`ln((1 + n) / (1 + df)) + 1`), so numbers
/// compare; the same bits on every platform (see [`ln`]).
pub(crate) fn idf(docs: u32, df: u32) -> f32 {
    (ln((1.0 + f64::from(docs)) / (1.0 + f64::from(df))) + 1.0) as f32
}

/// The natural logarithm of a positive normal `x`, from additions, multiplications and
/// divisions alone, which IEEE 754 rounds the same everywhere. `f64::ln` calls the
/// platform's libm (glibc natively, a port of musl's in wasm), whose last bits may differ:
/// the idfs a model file's counts give must be the ones training computed.
fn ln(x: f64) -> f64 {
    // x = m · 2^e, m in [1, 2); ln m = 2 atanh(s) = 2 (s + s³/3 + s⁵/5 + …), s = (m − 1)/(m + 1)
    // below 1/3: after 30 terms the rest is below 3^-60, far under the last bit, and the
    // result is within a few ulps of the true logarithm, in the same bits everywhere.
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32 - 1023;
    let m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let (mut power, mut sum) = (s, 0.0);
    for k in 0..30 {
        sum += power / f64::from(2 * k + 1);
        power *= s2;
    }
    2.0 * sum + f64::from(e) * std::f64::consts::LN_2
}

impl Vocabulary {
    pub(crate) fn len(&self) -> usize {
        self.terms.len()
    }

    /// The l2-normalised, sublinear TF-IDF vector of `text`, as (term id, value) pairs
    /// sorted by id. Terms outside the vocabulary are ignored. `analyzer` must have been built
    /// with this vocabulary ([`Lexicon::with_vocabulary`]).
    pub(crate) fn vectorise(&self, analyzer: &Analyzer, text: &str, scratch: &mut Scratch) -> Vec<(u32, f32)> {
        let mut out = Vec::new();
        self.vectorise_into(analyzer, text, scratch, &mut out);
        out
    }

    /// [`Self::vectorise`] into `out`.
    pub(crate) fn vectorise_into(
        &self,
        analyzer: &Analyzer,
        text: &str,
        scratch: &mut Scratch,
        out: &mut Vec<(u32, f32)>,
    ) {
        // Count into a table as long as the vocabulary and mark the ids seen in a bit set,
        // which lists them in order: sorting them was a sixteenth of tagging.
        let mut seen = std::mem::take(&mut scratch.seen);
        let mut counts = std::mem::take(&mut scratch.counts);
        seen.resize(self.terms.len().div_ceil(64), 0);
        counts.resize(self.terms.len(), 0);
        let mut count = |id: u32| {
            counts[id as usize] += 1;
            seen[id as usize / 64] |= 1 << (id % 64);
        };
        analyzer.analyse(text, scratch, &mut count);
        if let Some(range) = analyzer.ngrams.words {
            analyzer.lexicon.word_ngrams(&scratch.cut, range, &mut count);
        }
        // Ids in ascending order, clearing the bit set and the counts for the next paragraph.
        let mut ids = std::mem::take(&mut scratch.ids);
        for (block, bits) in seen.iter_mut().enumerate() {
            let mut rest = std::mem::take(bits);
            while rest != 0 {
                let id = block * 64 + rest.trailing_zeros() as usize;
                ids.push((id as u32, std::mem::take(&mut counts[id]) as usize));
                rest &= rest - 1;
            }
        }
        tfidf_into(ids.drain(..), &self.idf, out);
        scratch.ids = ids;
        scratch.seen = seen;
        scratch.counts = counts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_matches_the_platforms_to_within_rounding() {
        for x in [1.0, 1.5, 2.0, 3.0, 7.25, 1e3, 6463.0 / 2.0, 1e9, 1.0 + 1e-12] {
            let (mine, std) = (ln(x), x.ln());
            assert!((mine - std).abs() <= 4.0 * f64::EPSILON * std.abs().max(1.0), "{x}: {mine} against {std}");
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(idf(9, 9), 1.0);
        assert!((idf(3, 1) - (2.0f32.ln() + 1.0)).abs() < 1e-6);
        assert!(idf(100, 1) > idf(100, 50));
    }

    fn dict(entries: &[(&str, u32)]) -> Vec<DictEntry> {
        entries.iter().map(|&(w, f)| DictEntry { word: w.into(), freq: f }).collect()
    }

    fn analyzer(entries: &[(&str, u32)], ngrams: Ngrams) -> Analyzer {
        Analyzer { lexicon: Lexicon::new(&dict(entries)), ngrams }
    }

    /// An analyser and vocabulary as a loaded model has them.
    fn model(
        entries: &[(&str, u32)],
        ngrams: Ngrams,
        terms: Vec<(TermKind, Box<str>)>,
        idf: Vec<f32>,
    ) -> (Analyzer, Vocabulary) {
        let analyzer = Analyzer { lexicon: Lexicon::with_vocabulary(&dict(entries), &terms), ngrams };
        (analyzer, Vocabulary { terms, idf, counts: None })
    }

    fn terms(a: &Analyzer, text: &str) -> Vec<(TermKind, String)> {
        let mut out = Vec::new();
        a.for_each_term(text, &mut Scratch::default(), |k, t| out.push((k, t.to_owned())));
        out
    }

    #[test]
    fn normalisation_folds_width_case_digits_and_space() {
        let mut out = String::new();
        normalise_into("ＡＢｃ２０２４年  第1季度\u{3000}完成", &mut out);
        assert_eq!(out, "^abc0000年 第0季度 完成$");
    }

    #[test]
    fn word_ngrams_use_the_reduced_dictionary() {
        let a = analyzer(&[("工作", 5000), ("总结", 4000)], Ngrams { words: Some((1, 2)), chars: None });
        let got = terms(&a, "工作总结");
        assert_eq!(
            got,
            vec![
                (TermKind::Word, "工作".to_owned()),
                (TermKind::Word, "总结".to_owned()),
                (TermKind::Word, "工作 总结".to_owned()),
            ]
        );
    }

    #[test]
    fn char_ngrams_mark_the_edges() {
        let a = analyzer(&[], Ngrams { words: None, chars: Some((1, 2)) });
        let got: Vec<String> = terms(&a, "一、").into_iter().map(|(_, t)| t).collect();
        assert_eq!(got, vec!["一", "、", "^一", "一、", "、$"]);
    }

    #[test]
    fn vectors_are_unit_length_and_sorted() {
        let (a, vocab) = model(
            &[("工作", 5000)],
            Ngrams { words: Some((1, 1)), chars: Some((1, 1)) },
            vec![(TermKind::Word, "工作".into()), (TermKind::Char, "工".into()), (TermKind::Char, "作".into())],
            vec![1.0, 2.0, 3.0],
        );
        let v = vocab.vectorise(&a, "工作工作", &mut Scratch::default());
        assert_eq!(v.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1, 2]);
        let norm: f32 = v.iter().map(|p| p.1 * p.1).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        // Same tf everywhere, so the values keep the ratio of the idfs.
        assert!((v[2].1 / v[0].1 - 3.0).abs() < 1e-5);
    }

    #[test]
    fn unknown_text_gives_an_empty_vector() {
        let (a, vocab) =
            model(&[], Ngrams { words: None, chars: Some((1, 1)) }, vec![(TermKind::Char, "甲".into())], vec![1.0]);
        assert!(vocab.vectorise(&a, "乙丙", &mut Scratch::default()).is_empty());
    }
}
