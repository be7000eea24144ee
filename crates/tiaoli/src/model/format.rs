//! The model file: writing a [`FittedTagger`] and reading one back, every format version
//! this build loads.
//!
//! # File format (version 5)
//!
//! All integers little-endian.
//!
//! | bytes | contents |
//! |---|---|
//! | 8 | magic `TIAOLI\x1a\n` |
//! | 4 | format version (`5`) |
//! | 8 | payload length |
//! | n | payload |
//! | 4 | CRC-32 of the payload |
//!
//! The payload holds, in order:
//! - metadata (string pairs), labels (names), n-gram settings;
//! - the segmentation dictionary: its size, the words front-coded (sorted, each as the bytes
//!   it shares with the word before and the rest), their frequencies as varints;
//! - the vocabulary: its size, every term's kind, the terms front-coded, then a byte saying
//!   how its idfs are stored: `1`, the paragraphs it was counted on (u32) and each term's
//!   document frequency (varints), from which the idfs are computed as training computed
//!   them; or `0`, one f32 per term (a model first read from an older file);
//! - the first pass's weights, one row of `labels` per term, as 8-bit integers with one
//!   power-of-two scale per label (the scales' exponents first), then one f32 bias per label;
//! - the context pass: a byte saying whether there is one, then its feature count, its
//!   number of rounds, each round's weights (one row of `labels` per feature, 16-bit
//!   integers with a power-of-two scale per label) and f32 biases, and the temperature its
//!   final probabilities are calibrated with.
//!
//! Strings are a u32 byte length and UTF-8; varints are LEB128.
//!
//! Training rounds its weights to what the file stores, so a model just trained and the same
//! model read back are the same, and saving it again gives the same bytes. Scales are powers
//! of two so that dividing a stored weight by its scale gives its integer exactly.
//!
//! # Why this format
//!
//! Version 4 stored f32 weights and every string in full: 339 KB, 228 KB gzipped, two thirds
//! of what the page downloaded. Measured on the shipped model (gzip -9 sizes):
//!
//! | part | version 4 | version 5 |
//! |---|---|---|
//! | first-pass weights (5,000 terms × 8 types) | 148 KB, f32 | 28 KB, 8 bits (16-bit floats: 73 KB) |
//! | dictionary (6,833 words) | 42 KB | 31 KB, front-coded, varint frequencies |
//! | vocabulary | 28 KB, terms and f32 idfs | 15 KB, front-coded, document frequencies |
//! | context pass | 9 KB, f32 | 5 KB, 16 bits |
//! | whole file | 228 KB (339 KB raw) | 84 KB (133 KB raw) |
//!
//! 8 bits per weight moved no cross-validation by more than 0.005 macro-F1 (`tiaoli cv`,
//! the other two corpora in every training fold): real reports by author 0.548 → 0.549
//! (drafts 0.521 → 0.520), leave one genre out 0.449 → 0.448, the seed pages 0.568 → 0.573,
//! the project's corpus 0.873 → 0.873. The context pass's weights multiply unnormalised
//! features (flags, probabilities) and are few, so they keep 16 bits.
//!
//! Storing document frequencies rather than idfs needs the idfs computed the same way
//! everywhere: `features::idf` takes its logarithm from basic arithmetic, not the platform's
//! libm. Dropping the dictionary words no vocabulary term needs would save another 30 KB,
//! but changes how text is cut: the seed pages fell from 0.573 to 0.537, so every word the
//! corpus's segmentation uses stays.
//!
//! Versions 1 (no context pass) and 4 (f32 weights, strings in full) still load, and are
//! saved again as version 5. Versions 2 and 3 had context passes over other feature sets,
//! which this build no longer computes: they are refused with a version error that says to
//! retrain.

use std::collections::BTreeMap;

use super::codec::{Reader, Width, Writer};
use super::context::{self, ContextModel, Round};
use super::FittedTagger;
use crate::error::{ModelError, Result};
use crate::features::{idf, Analyzer, DictEntry, DocCounts, Lexicon, Ngrams, TermKind, Vocabulary};
use crate::label::Label;

const MAGIC: &[u8; 8] = b"TIAOLI\x1a\n";

/// The model format version this build writes.
pub const FORMAT_VERSION: u32 = 5;
/// The oldest model format version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8;
const MAX_NGRAM: u8 = 8;
/// The first pass's weights take a byte each: 5,000 terms × 8 types are most of a model,
/// and 8 bits per weight changed no cross-validated score by more than noise (see the
/// module docs).
pub(crate) const FIRST_PASS_WIDTH: Width = Width::I8;
/// The context pass has a few thousand weights, each read for every paragraph: 16 bits.
pub(crate) const CONTEXT_WIDTH: Width = Width::I16;
/// How a version 5 file stores the idfs: the paragraphs counted and each term's document
/// frequency (a trained model), or the floats (a model first read from an older file).
const IDF_FROM_COUNTS: u8 = 1;
const IDF_AS_FLOATS: u8 = 0;

impl FittedTagger {
    /// The model in its file format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(self.metadata.len() as u32);
        for (key, value) in &self.metadata {
            w.str(key);
            w.str(value);
        }
        w.u8(self.labels.len() as u8);
        for label in &self.labels {
            w.str(label.as_str());
        }
        for range in [self.analyzer.ngrams.words, self.analyzer.ngrams.chars] {
            let (lo, hi) = range.unwrap_or((0, 0));
            w.u8(lo);
            w.u8(hi);
        }
        w.u32(self.dict.len() as u32);
        w.front_coded(self.dict.iter().map(|e| e.word.as_str()));
        for entry in &self.dict {
            w.varint(u64::from(entry.freq));
        }
        w.u32(self.vocab.len() as u32);
        for (kind, _) in &self.vocab.terms {
            w.u8(kind.tag());
        }
        w.front_coded(self.vocab.terms.iter().map(|(_, term)| &**term));
        match &self.vocab.counts {
            Some(counts) => {
                w.u8(IDF_FROM_COUNTS);
                w.u32(counts.docs);
                for &df in &counts.df {
                    w.varint(u64::from(df));
                }
            }
            None => {
                w.u8(IDF_AS_FLOATS);
                for &idf in &self.vocab.idf {
                    w.f32(idf);
                }
            }
        }
        let k = self.labels.len();
        w.quantised(&self.weights, k, FIRST_PASS_WIDTH);
        for &v in &self.bias {
            w.f32(v);
        }
        match &self.context {
            None => w.u8(0),
            Some(c) => {
                w.u8(1);
                w.u32(context::feature_count(k) as u32);
                w.u32(c.rounds.len() as u32);
                for round in &c.rounds {
                    w.quantised(&round.weights, k, CONTEXT_WIDTH);
                    for &v in &round.bias {
                        w.f32(v);
                    }
                }
                w.f32(c.temperature);
            }
        }
        let payload = w.buf;

        let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out
    }

    /// Load a model file.
    ///
    /// Any damage — another file type, another format version, truncation, a flipped byte —
    /// gives a [`ModelError`] that says what and where; nothing panics.
    pub fn from_bytes(bytes: &[u8]) -> Result<FittedTagger, ModelError> {
        let len = bytes.len();
        let mut header = Reader::new(bytes, 0, len);
        let magic = header.take(MAGIC.len().min(len), "magic bytes")?;
        if magic != &MAGIC[..magic.len()] {
            return Err(ModelError::BadMagic);
        }
        if magic.len() < MAGIC.len() {
            return Err(ModelError::Truncated { what: "magic bytes", offset: 0, needed: MAGIC.len(), len });
        }
        let version = header.u32("format version")?;
        // The context passes of versions 2 and 3 are no longer computed (see the module docs).
        if matches!(version, 2 | 3) || !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(ModelError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
        }
        let payload_len = header.u64("payload length")?;
        let payload_len = usize::try_from(payload_len).unwrap_or(usize::MAX);
        let payload = header.take(payload_len, "payload")?;
        let stored = header.u32("checksum")?;
        if header.remaining() > 0 {
            return Err(header.invalid(format!("{} unexpected bytes after the checksum", header.remaining())));
        }
        let computed = crc32fast::hash(payload);
        if stored != computed {
            return Err(ModelError::Checksum { stored, computed });
        }
        Self::read_payload(&mut Reader::new(payload, HEADER_LEN, len), version)
    }

    fn read_payload(r: &mut Reader<'_>, version: u32) -> Result<FittedTagger, ModelError> {
        let n_meta = r.count(8, "metadata count")?;
        let mut metadata = BTreeMap::new();
        for _ in 0..n_meta {
            let key = r.str("metadata key")?.to_owned();
            let value = r.str("metadata value")?.to_owned();
            metadata.insert(key, value);
        }

        let at = r.offset();
        let n_labels = r.u8("label count")? as usize;
        let mut labels = Vec::with_capacity(n_labels);
        for _ in 0..n_labels {
            let at = r.offset();
            let name = r.str("label")?;
            let label: Label = name.parse().map_err(|e| ModelError::Invalid { offset: at, what: format!("{e}") })?;
            if labels.contains(&label) {
                return Err(ModelError::Invalid { offset: at, what: format!("label `{label}` appears twice") });
            }
            labels.push(label);
        }
        if labels.len() < 2 {
            return Err(ModelError::Invalid {
                offset: at,
                what: format!("a model needs at least 2 labels, this one has {}", labels.len()),
            });
        }

        let mut ranges = [None, None];
        for range in &mut ranges {
            let at = r.offset();
            let (lo, hi) = (r.u8("n-gram range")?, r.u8("n-gram range")?);
            *range = match (lo, hi) {
                (0, 0) => None,
                (lo, hi) if 1 <= lo && lo <= hi && hi <= MAX_NGRAM => Some((lo, hi)),
                _ => return Err(ModelError::Invalid { offset: at, what: format!("n-gram range {lo}..={hi}") }),
            };
        }
        let ngrams = Ngrams { words: ranges[0], chars: ranges[1] };
        if ngrams.words.is_none() && ngrams.chars.is_none() {
            return Err(r.invalid("the model extracts no features"));
        }

        let k = labels.len();
        let compact = version >= 5;
        let dict = if compact { Self::read_dict(r)? } else { Self::read_dict_v4(r)? };
        let vocab_at = r.offset();
        let vocab = if compact { Self::read_vocab(r)? } else { Self::read_vocab_v4(r)? };
        let n_weights = vocab.len() * k;
        let (weights, bias) = if compact {
            let weights = r.quantised(n_weights, k, FIRST_PASS_WIDTH, "weights")?;
            (weights, r.f32s(k, "bias")?)
        } else {
            (r.f32s(n_weights, "weights")?, r.f32s(k, "bias")?)
        };
        let context = match version {
            1 => None,
            4 => Self::read_context(r, k, None)?,
            _ => Self::read_context(r, k, Some(CONTEXT_WIDTH))?,
        };
        if r.remaining() > 0 {
            return Err(r.invalid(format!("{} unexpected bytes after the weights", r.remaining())));
        }

        let lexicon = Lexicon::with_vocabulary(&dict, &vocab.terms);
        if lexicon.distinct() != vocab.len() {
            return Err(ModelError::Invalid { offset: vocab_at, what: "the vocabulary lists a term twice".into() });
        }
        let analyzer = Analyzer { lexicon, ngrams };
        Ok(FittedTagger { labels, analyzer, dict, vocab, weights, bias, context, metadata, format_version: version })
    }

    /// The dictionary of version 5: a count, the words front-coded, their frequencies.
    fn read_dict(r: &mut Reader<'_>) -> Result<Vec<DictEntry>, ModelError> {
        // Each entry takes at least 3 bytes: two for its word's coding, one for its frequency.
        let n = r.count(3, "dictionary size")?;
        let words = r.front_coded(n, "dictionary word")?;
        words
            .into_iter()
            .map(|word| {
                let at = r.offset();
                let freq = u32::try_from(r.varint("dictionary frequency")?).map_err(|_| ModelError::Invalid {
                    offset: at,
                    what: format!("frequency of {word:?} is larger than {}", u32::MAX),
                })?;
                Ok(DictEntry { word, freq })
            })
            .collect()
    }

    /// The dictionary of versions 1 to 4: the entries' total frequency, a check, then
    /// word/frequency pairs.
    fn read_dict_v4(r: &mut Reader<'_>) -> Result<Vec<DictEntry>, ModelError> {
        let dict_at = r.offset();
        let dict_total = r.u64("dictionary total")?;
        let n_dict = r.count(8, "dictionary size")?;
        let mut dict = Vec::with_capacity(n_dict);
        for _ in 0..n_dict {
            let word = r.str("dictionary word")?.to_owned();
            let freq = r.u32("dictionary frequency")?;
            dict.push(DictEntry { word, freq });
        }
        let sum: u64 = dict.iter().map(|e| u64::from(e.freq)).sum();
        if sum != dict_total {
            return Err(ModelError::Invalid {
                offset: dict_at,
                what: format!("dictionary total {dict_total} is not the sum of its entries ({sum})"),
            });
        }
        Ok(dict)
    }

    /// The vocabulary of version 5: a count, every term's kind, the terms front-coded, then
    /// the idfs: the paragraphs counted and every term's document frequency, or (a model
    /// first read from an older file) the floats.
    fn read_vocab(r: &mut Reader<'_>) -> Result<Vocabulary, ModelError> {
        // Each term takes at least 4 bytes: its kind, two for its coding, one for its idf.
        let n = r.count(4, "vocabulary size")?;
        let mut kinds = Vec::with_capacity(n);
        for _ in 0..n {
            let at = r.offset();
            kinds.push(
                TermKind::from_tag(r.u8("term kind")?)
                    .ok_or_else(|| ModelError::Invalid { offset: at, what: "unknown term kind".into() })?,
            );
        }
        let terms = r.front_coded(n, "term")?;
        if let Some(at) = terms.iter().position(String::is_empty) {
            return Err(r.invalid(format!("vocabulary term {at} is empty")));
        }
        let at = r.offset();
        let (idf, counts) = match r.u8("idf form")? {
            IDF_FROM_COUNTS => {
                let docs = r.u32("vocabulary paragraphs")?;
                let mut df = Vec::with_capacity(n);
                for _ in 0..n {
                    df.push(r.varint_at_most(docs as usize, "document frequency")? as u32);
                }
                if let Some(at) = df.iter().position(|&d| d == 0) {
                    return Err(r.invalid(format!("vocabulary term {at} is found in no paragraph")));
                }
                (df.iter().map(|&d| idf(docs, d)).collect(), Some(DocCounts { docs, df }))
            }
            IDF_AS_FLOATS => {
                let mut idf = Vec::with_capacity(n);
                for term in &terms {
                    idf.push(Self::idf(r, term)?);
                }
                (idf, None)
            }
            other => return Err(ModelError::Invalid { offset: at, what: format!("idf form {other}") }),
        };
        let terms = kinds.into_iter().zip(terms).map(|(kind, term)| (kind, term.into_boxed_str())).collect();
        Ok(Vocabulary { terms, idf, counts })
    }

    /// The vocabulary of versions 1 to 4: kind, term and idf of every term.
    fn read_vocab_v4(r: &mut Reader<'_>) -> Result<Vocabulary, ModelError> {
        let n_terms = r.count(9, "vocabulary size")?;
        let mut terms = Vec::with_capacity(n_terms);
        let mut idf = Vec::with_capacity(n_terms);
        for _ in 0..n_terms {
            let at = r.offset();
            let kind = TermKind::from_tag(r.u8("term kind")?)
                .ok_or_else(|| ModelError::Invalid { offset: at, what: "unknown term kind".into() })?;
            let term: Box<str> = r.str("term")?.into();
            idf.push(Self::idf(r, &term)?);
            terms.push((kind, term));
        }
        Ok(Vocabulary { terms, idf, counts: None })
    }

    /// A term's idf, checked: a term is never empty, and its idf is positive.
    fn idf(r: &mut Reader<'_>, term: &str) -> Result<f32, ModelError> {
        let at = r.offset();
        let value = r.f32("idf")?;
        if term.is_empty() || value <= 0.0 {
            return Err(ModelError::Invalid {
                offset: at,
                what: format!("vocabulary entry {term:?}: an empty term or an idf that is not positive"),
            });
        }
        Ok(value)
    }

    /// The context pass: its weights quantised to `width`, or f32 (`None`, version 4).
    fn read_context(r: &mut Reader<'_>, k: usize, width: Option<Width>) -> Result<Option<ContextModel>, ModelError> {
        let at = r.offset();
        match r.u8("context flag")? {
            0 => return Ok(None),
            1 => {}
            other => return Err(ModelError::Invalid { offset: at, what: format!("context flag {other}") }),
        }
        let at = r.offset();
        let d = r.u32("context feature count")? as usize;
        if d != context::feature_count(k) {
            return Err(ModelError::Invalid {
                offset: at,
                what: format!("{d} context features, this build computes {}", context::feature_count(k)),
            });
        }
        let at = r.offset();
        let n_rounds = r.u32("context rounds")? as usize;
        if !(1..=context::MAX_ROUNDS).contains(&n_rounds) {
            return Err(ModelError::Invalid {
                offset: at,
                what: format!("{n_rounds} context rounds (1 to {} are possible)", context::MAX_ROUNDS),
            });
        }
        let mut rounds = Vec::with_capacity(n_rounds);
        for _ in 0..n_rounds {
            let weights = match width {
                Some(width) => r.quantised(d * k, k, width, "context weights")?,
                None => r.f32s(d * k, "context weights")?,
            };
            let bias = r.f32s(k, "context bias")?;
            rounds.push(Round { weights, bias });
        }
        let at = r.offset();
        let temperature = r.f32("calibration temperature")?;
        if !context::TEMPERATURES.contains(&f64::from(temperature)) {
            return Err(ModelError::Invalid {
                offset: at,
                // Not formatted from the range: float formatting would add 10 KB to the page.
                what: "calibration temperature is outside 0.1..=10".into(),
            });
        }
        Ok(Some(ContextModel { rounds, temperature }))
    }
}
