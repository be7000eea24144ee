//! The fitted tagger: inference, and the model file format.
//!
//! # File format (version 4)
//!
//! All integers little-endian.
//!
//! | bytes | contents |
//! |---|---|
//! | 8 | magic `TIAOLI\x1a\n` |
//! | 4 | format version (`4`) |
//! | 8 | payload length |
//! | n | payload |
//! | 4 | CRC-32 of the payload |
//!
//! The payload holds, in order: metadata (string pairs), labels (names), n-gram settings,
//! the segmentation dictionary (the entries' total frequency, a check, then word/frequency
//! pairs),
//! the vocabulary (kind, term, idf), the weights (one row of `labels` floats per term) and
//! one bias per label, then the context pass: a byte saying whether there is one, then its
//! feature count, its number of rounds, each round's weights (one row of `labels` floats
//! per feature) and biases, and the temperature its final probabilities are calibrated with.
//! Strings are a u32 byte length and UTF-8.
//!
//! Version 1 files (no context pass) still load. Versions 2 and 3 had context passes over
//! other feature sets, which this build no longer computes: they are refused with a version
//! error that says to retrain.

use std::collections::BTreeMap;

use crate::codec::{Reader, Writer};
use crate::context::{self, argmax, softmax, ContextModel, Round};
use crate::error::{ModelError, Result};
use crate::features::{Analyzer, DictEntry, Ngrams, Scratch, TermKind, Vocabulary};
use crate::label::Label;
use crate::lexicon::Lexicon;
use crate::paragraph::{paragraphs, Paragraph};
use crate::parallel;

const MAGIC: &[u8; 8] = b"TIAOLI\x1a\n";

/// The model format version this build writes.
pub const FORMAT_VERSION: u32 = 4;
/// The oldest model format version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8;
const MAX_NGRAM: u8 = 8;

/// A trained tagger: everything inference needs, loaded from a model file or returned by
/// training.
#[derive(Debug)]
pub struct FittedTagger {
    pub(crate) labels: Vec<Label>,
    pub(crate) analyzer: Analyzer,
    pub(crate) dict: Vec<DictEntry>,
    pub(crate) vocab: Vocabulary,
    /// `vocab.len() × labels.len()`, row-major by term.
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
    /// The second pass over the document, if the model has one.
    pub(crate) context: Option<ContextModel>,
    pub(crate) metadata: BTreeMap<String, String>,
}

/// Why a paragraph got its type: the features that pushed it there most.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// Words and character n-grams of the paragraph, with their contribution.
    pub words: Vec<(String, f32)>,
    /// Layout and context features, with their contribution (empty for a model without a
    /// context pass).
    pub context: Vec<(String, f32)>,
}

/// What the model says about one paragraph.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// The most probable type.
    pub label: Label,
    /// Its probability.
    pub confidence: f32,
    /// The probability of every label of the model, in the order of
    /// [`FittedTagger::labels`].
    pub probabilities: Vec<f32>,
}

/// A paragraph with its prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct Tagged<'a> {
    /// Where the paragraph is in the input.
    pub paragraph: Paragraph<'a>,
    /// What the model says about it.
    pub prediction: Prediction,
}

/// A term that pushes towards a type, for [`FittedTagger::top_features`].
#[derive(Clone, Debug, PartialEq)]
pub struct Feature<'a> {
    /// Word or character n-gram.
    pub kind: TermKind,
    /// The n-gram as the model sees it (normalised; `^`/`$` mark paragraph edges).
    pub term: &'a str,
    /// Its weight for the type.
    pub weight: f32,
}

/// A summary of a model, for `tiaoli inspect` and the wasm `info()`.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelInfo {
    /// The model file format version.
    pub format_version: u32,
    /// The labels the model predicts.
    pub labels: Vec<Label>,
    /// Word and character n-gram lengths.
    pub ngrams: Ngrams,
    /// Terms in the vocabulary.
    pub vocabulary_size: usize,
    /// Word n-grams among them.
    pub word_features: usize,
    /// Character n-grams among them.
    pub char_features: usize,
    /// Entries in the model's segmentation dictionary.
    pub dictionary_size: usize,
    /// Whether the model has a context pass.
    pub context: bool,
    /// Training settings and corpus facts recorded at training time.
    pub metadata: BTreeMap<String, String>,
}

impl FittedTagger {
    /// The labels this model can predict, in the order of [`Prediction::probabilities`].
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// Classify one paragraph on its own words, without context. To tag a report, use
    /// [`FittedTagger::tag`] or [`FittedTagger::classify`], which see the whole document.
    pub fn predict(&self, paragraph: &str) -> Prediction {
        self.prediction(self.first_pass_one(paragraph, &mut Scratch::default()))
    }

    fn prediction(&self, probabilities: Vec<f32>) -> Prediction {
        let best = argmax(&probabilities);
        Prediction { label: self.labels[best], confidence: probabilities[best], probabilities }
    }

    fn first_pass_one(&self, paragraph: &str, scratch: &mut Scratch) -> Vec<f32> {
        let k = self.labels.len();
        let mut logits = self.bias.clone();
        let mut vector = std::mem::take(&mut scratch.vector);
        self.vocab.vectorise_into(&self.analyzer, paragraph, scratch, &mut vector);
        for &(id, value) in &vector {
            let row = &self.weights[id as usize * k..(id as usize + 1) * k];
            for (logit, w) in logits.iter_mut().zip(row) {
                *logit += value * w;
            }
        }
        scratch.vector = vector;
        softmax(&mut logits);
        logits
    }

    /// Per-paragraph probabilities of every paragraph, in the order of [`Self::labels`].
    /// Paragraphs are independent here, so a long input is split over the machine's cores.
    pub(crate) fn first_pass(&self, paragraphs: &[&str]) -> Vec<Vec<f32>> {
        parallel::split_map(paragraphs, |part| {
            let mut scratch = Scratch::default();
            part.iter().map(|p| self.first_pass_one(p, &mut scratch)).collect()
        })
    }

    /// Classify the paragraphs of one document, in order, each in the context of the others.
    pub fn classify(&self, paragraphs: &[&str]) -> Vec<Prediction> {
        self.passes(paragraphs).1.into_iter().map(|p| self.prediction(p)).collect()
    }

    /// The context features of a document (if the model has a context pass) and the final
    /// probabilities of its paragraphs.
    fn passes(&self, paragraphs: &[&str]) -> (Option<Vec<f32>>, Vec<Vec<f32>>) {
        let first = self.first_pass(paragraphs);
        match &self.context {
            Some(context) => {
                let (x, probabilities) = context.run(paragraphs, first, &self.labels);
                (Some(x), probabilities)
            }
            None => (None, first),
        }
    }

    /// Whether the model has a context pass (models trained with one in format version 4).
    pub fn has_context(&self) -> bool {
        self.context.is_some()
    }

    /// Classify the paragraphs of one document and say why: for each, the `top` words and
    /// the `top` layout and context features that pushed it most towards its type.
    pub fn explain(&self, paragraphs: &[&str], top: usize) -> Vec<(Prediction, Explanation)> {
        let (features, probabilities) = self.passes(paragraphs);
        let mut scratch = Scratch::default();
        probabilities
            .into_iter()
            .enumerate()
            .map(|(i, p)| self.explained(paragraphs, i, p, features.as_deref(), top, &mut scratch))
            .collect()
    }

    /// [`Self::explain`] for one paragraph: paragraph `index` of the document, classified in
    /// the context of all of them (the same prediction [`Self::classify`] gives it), and why.
    /// `None` if there is no paragraph `index`.
    pub fn explain_one(&self, paragraphs: &[&str], index: usize, top: usize) -> Option<(Prediction, Explanation)> {
        if index >= paragraphs.len() {
            return None;
        }
        let (features, mut probabilities) = self.passes(paragraphs);
        let p = probabilities.swap_remove(index);
        Some(self.explained(paragraphs, index, p, features.as_deref(), top, &mut Scratch::default()))
    }

    /// The prediction for paragraph `i` from its final probabilities `p`, and its `top` words and
    /// context features (`features`: the document's context features, if the model has a pass).
    fn explained(
        &self,
        paragraphs: &[&str],
        i: usize,
        p: Vec<f32>,
        features: Option<&[f32]>,
        top: usize,
        scratch: &mut Scratch,
    ) -> (Prediction, Explanation) {
        let k = self.labels.len();
        let prediction = self.prediction(p);
        let col = self.labels.iter().position(|&l| l == prediction.label).unwrap_or(0);
        let mut words: Vec<(String, f32)> = self
            .vocab
            .vectorise(&self.analyzer, paragraphs[i], scratch)
            .into_iter()
            .map(|(id, v)| {
                let w = &self.weights[id as usize * k..(id as usize + 1) * k];
                let (kind, term) = &self.vocab.terms[id as usize];
                (display_term(*kind, term), v * (w[col] - w.iter().sum::<f32>() / k as f32))
            })
            .filter(|(_, c)| *c > 0.0)
            .collect();
        words.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        words.truncate(top);
        let context = match (&self.context, features) {
            (Some(model), Some(x)) => model.explain(x, &self.labels, i, col, top),
            _ => Vec::new(),
        };
        (prediction, Explanation { words, context })
    }

    /// Split `text` into paragraphs and classify each.
    ///
    /// ```
    /// let tagger = tiaoli::FittedTagger::default_model();
    /// let tagged = tagger.tag("2024年度工作总结\n一、存在的问题和不足\n");
    /// assert_eq!(tagged.len(), 2);
    /// assert_eq!(tagged[1].paragraph.line, 2);
    /// ```
    pub fn tag<'a>(&self, text: &'a str) -> Vec<Tagged<'a>> {
        let found: Vec<Paragraph<'a>> = paragraphs(text).collect();
        let texts: Vec<&str> = found.iter().map(|p| p.text).collect();
        found
            .into_iter()
            .zip(self.classify(&texts))
            .map(|(paragraph, prediction)| Tagged { paragraph, prediction })
            .collect()
    }

    /// The `n` terms with the largest positive weight for `label` (none if the model does not
    /// know the label).
    pub fn top_features(&self, label: Label, n: usize) -> Vec<Feature<'_>> {
        let Some(col) = self.labels.iter().position(|&l| l == label) else {
            return Vec::new();
        };
        let k = self.labels.len();
        let mut features: Vec<Feature<'_>> = self
            .vocab
            .terms
            .iter()
            .enumerate()
            .map(|(id, (kind, term))| Feature { kind: *kind, term, weight: self.weights[id * k + col] })
            .filter(|f| f.weight > 0.0)
            .collect();
        features.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.term.cmp(b.term)));
        features.truncate(n);
        features
    }

    /// A summary of the model.
    pub fn info(&self) -> ModelInfo {
        let word_features = self.vocab.terms.iter().filter(|(k, _)| *k == TermKind::Word).count();
        ModelInfo {
            format_version: FORMAT_VERSION,
            labels: self.labels.clone(),
            ngrams: self.analyzer.ngrams,
            vocabulary_size: self.vocab.len(),
            word_features,
            char_features: self.vocab.len() - word_features,
            dictionary_size: self.dict.len(),
            context: self.context.is_some(),
            metadata: self.metadata.clone(),
        }
    }

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
        w.u64(self.dict.iter().map(|e| u64::from(e.freq)).sum());
        w.u32(self.dict.len() as u32);
        for entry in &self.dict {
            w.str(&entry.word);
            w.u32(entry.freq);
        }
        w.u32(self.vocab.len() as u32);
        for ((kind, term), idf) in self.vocab.terms.iter().zip(&self.vocab.idf) {
            w.u8(kind.tag());
            w.str(term);
            w.f32(*idf);
        }
        for &v in self.weights.iter().chain(&self.bias) {
            w.f32(v);
        }
        match &self.context {
            None => w.u8(0),
            Some(c) => {
                w.u8(1);
                w.u32(context::feature_count(self.labels.len()) as u32);
                w.u32(c.rounds.len() as u32);
                for round in &c.rounds {
                    for &v in round.weights.iter().chain(&round.bias) {
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

        let dict_at = r.offset();
        let dict_total = r.u64("dictionary total")?;
        let n_dict = r.count(8, "dictionary size")?;
        let mut dict = Vec::with_capacity(n_dict);
        for _ in 0..n_dict {
            let word = r.str("dictionary word")?.to_owned();
            let freq = r.u32("dictionary frequency")?;
            dict.push(DictEntry { word, freq });
        }

        let n_terms = r.count(9, "vocabulary size")?;
        let mut terms = Vec::with_capacity(n_terms);
        let mut idf = Vec::with_capacity(n_terms);
        for _ in 0..n_terms {
            let at = r.offset();
            let kind = TermKind::from_tag(r.u8("term kind")?)
                .ok_or_else(|| ModelError::Invalid { offset: at, what: "unknown term kind".into() })?;
            let term: Box<str> = r.str("term")?.into();
            let value = r.f32("idf")?;
            if term.is_empty() || value <= 0.0 {
                return Err(ModelError::Invalid {
                    offset: at,
                    what: format!("vocabulary entry {term:?} with idf {value}"),
                });
            }
            terms.push((kind, term));
            idf.push(value);
        }
        let vocab_at = r.offset();

        let n_weights = n_terms * labels.len();
        let at = r.offset();
        let block = r.take((n_weights + labels.len()) * 4, "weights")?;
        let mut floats = Reader::new(block, at, at + block.len());
        let weights = (0..n_weights).map(|_| floats.f32("weight")).collect::<Result<Vec<_>, _>>()?;
        let bias = (0..labels.len()).map(|_| floats.f32("bias")).collect::<Result<Vec<_>, _>>()?;
        let context = if version >= 4 { Self::read_context(r, labels.len())? } else { None };
        if r.remaining() > 0 {
            return Err(r.invalid(format!("{} unexpected bytes after the weights", r.remaining())));
        }

        let sum: u64 = dict.iter().map(|e| u64::from(e.freq)).sum();
        if sum != dict_total {
            return Err(ModelError::Invalid {
                offset: dict_at,
                what: format!("dictionary total {dict_total} is not the sum of its entries ({sum})"),
            });
        }
        let lexicon = Lexicon::with_vocabulary(&dict, &terms);
        if lexicon.distinct() != terms.len() {
            return Err(ModelError::Invalid { offset: vocab_at, what: "the vocabulary lists a term twice".into() });
        }
        let analyzer = Analyzer { lexicon, ngrams };
        Ok(FittedTagger { labels, analyzer, dict, vocab: Vocabulary { terms, idf }, weights, bias, context, metadata })
    }

    fn read_context(r: &mut Reader<'_>, k: usize) -> Result<Option<ContextModel>, ModelError> {
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
            let at = r.offset();
            let block = r.take((d + 1) * k * 4, "context weights")?;
            let mut floats = Reader::new(block, at, at + block.len());
            let weights = (0..d * k).map(|_| floats.f32("context weight")).collect::<Result<Vec<_>, _>>()?;
            let bias = (0..k).map(|_| floats.f32("context bias")).collect::<Result<Vec<_>, _>>()?;
            rounds.push(Round { weights, bias });
        }
        let at = r.offset();
        let temperature = r.f32("calibration temperature")?;
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(ModelError::Invalid { offset: at, what: format!("calibration temperature {temperature}") });
        }
        Ok(Some(ContextModel { rounds, temperature }))
    }
}

/// A term as a writer reads it: words as they are, character n-grams in 「」 (so "存在" the word
/// and "存在" the characters are told apart), with the edge marks spelled out and spaces shown.
fn display_term(kind: TermKind, term: &str) -> String {
    let term = term.replace(' ', "␣");
    match kind {
        TermKind::Word => term.replace('␣', " "),
        TermKind::Char => {
            let (start, rest) = term.strip_prefix('^').map_or(("", term.as_str()), |r| ("⟨start⟩", r));
            let (body, end) = rest.strip_suffix('$').map_or((rest, ""), |r| (r, "⟨end⟩"));
            format!("「{start}{body}{end}」")
        }
    }
}

#[cfg(feature = "default-model")]
impl FittedTagger {
    /// The model shipped with tiaoli (`models/default.tiaoli`), trained on the project's
    /// labelled corpus.
    pub fn default_model() -> FittedTagger {
        static BYTES: &[u8] = include_bytes!("../../../models/default.tiaoli");
        // The bytes are fixed at compile time and checked by this crate's tests, so a failure
        // here is a build defect, not bad input.
        #[allow(clippy::expect_used)]
        FittedTagger::from_bytes(BYTES).expect("the built-in model is valid")
    }
}
