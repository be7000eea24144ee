//! The fitted tagger and what it returns: inference over a paragraph's words (the first
//! pass), the context pass over the whole document (`context`), both scored by one linear
//! layer (`linear`), explanations of either, and the model file (`format`, over `codec`).

pub(crate) mod codec;
pub(crate) mod context;
mod format;
pub(crate) mod linear;

#[cfg(feature = "train")]
pub(crate) use format::{CONTEXT_WIDTH, FIRST_PASS_WIDTH};
pub use format::{FORMAT_VERSION, OLDEST_FORMAT_VERSION};

use std::collections::BTreeMap;

use context::ContextModel;
use linear::{argmax, Linear};

#[cfg(feature = "train")]
use crate::features::Lexicon;
use crate::features::{Analyzer, DictEntry, Ngrams, Scratch, TermKind, Vocabulary};
use crate::label::Label;
use crate::parallel;
use crate::text::{paragraphs, Paragraph};

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
    /// The format version of the file the model was read from; [`FORMAT_VERSION`] for a
    /// model just trained, which is what [`FittedTagger::to_bytes`] always writes.
    pub(crate) format_version: u32,
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
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ModelInfo {
    /// The format version of the file the model was read from ([`FORMAT_VERSION`] for a
    /// model just trained).
    pub format_version: u32,
    /// The labels the model predicts.
    pub labels: Vec<Label>,
    /// Word and character n-gram lengths (serialised as `word_ngrams` and `char_ngrams`).
    #[cfg_attr(feature = "serde", serde(flatten))]
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

/// A prediction's probabilities keyed by label, in the model's label order: what
/// [`FittedTagger::scores`] gives, serialised (with the `serde` feature) as one object,
/// `{"title": 0.01, "opening": 0.02, …}`.
#[derive(Clone, Copy, Debug)]
pub struct Scores<'a> {
    labels: &'a [Label],
    probabilities: &'a [f32],
}

impl<'a> Scores<'a> {
    /// Each label with its probability.
    pub fn iter(&self) -> impl Iterator<Item = (Label, f32)> + 'a {
        self.labels.iter().copied().zip(self.probabilities.iter().copied())
    }
}

/// Written as a struct, not a map: serde-wasm-bindgen makes a struct's `&'static str` field
/// names into JS strings once and reuses them, where a map's keys are decoded from UTF-8 on
/// every paragraph. Those decodes took about half of the page's `tag` on a 10,000-character
/// report. serde_json writes either as the same object.
#[cfg(feature = "serde")]
impl serde::Serialize for Scores<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut object = serializer.serialize_struct("Scores", self.labels.len())?;
        for (label, p) in self.labels.iter().zip(self.probabilities) {
            object.serialize_field(label.as_str(), p)?;
        }
        object.end()
    }
}

impl FittedTagger {
    /// `prediction`'s probabilities keyed by this model's labels.
    pub fn scores<'a>(&'a self, prediction: &'a Prediction) -> Scores<'a> {
        Scores { labels: &self.labels, probabilities: &prediction.probabilities }
    }

    /// A model of what training fitted: the first pass (labels, n-gram settings,
    /// segmentation dictionary, vocabulary, weights as the file stores them, biases), with
    /// the context pass and the metadata training adds next. The lexicon it segments with
    /// comes from the dictionary and the vocabulary, as the loader makes it.
    #[cfg(feature = "train")]
    pub(crate) fn new(
        labels: Vec<Label>,
        ngrams: Ngrams,
        dict: Vec<DictEntry>,
        vocab: Vocabulary,
        weights: Vec<f32>,
        bias: Vec<f32>,
    ) -> FittedTagger {
        let analyzer = Analyzer { lexicon: Lexicon::with_vocabulary(&dict, &vocab.terms), ngrams };
        FittedTagger {
            labels,
            analyzer,
            dict,
            vocab,
            weights,
            bias,
            context: None,
            metadata: BTreeMap::new(),
            format_version: FORMAT_VERSION,
        }
    }

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
        let mut vector = std::mem::take(&mut scratch.vector);
        self.vocab.vectorise_into(&self.analyzer, paragraph, scratch, &mut vector);
        let p = self.layer().probabilities(vector.iter().map(|&(id, value)| (id as usize, value)));
        scratch.vector = vector;
        p
    }

    /// The first pass's layer: one row of weights per vocabulary term.
    fn layer(&self) -> Linear<'_> {
        Linear::new(&self.weights, &self.bias)
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

    /// Whether the model has a context pass (models trained with one, in format version 4 or later).
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
        let prediction = self.prediction(p);
        let col = self.labels.iter().position(|&l| l == prediction.label).unwrap_or(0);
        let mut words: Vec<(String, f32)> = self
            .vocab
            .vectorise(&self.analyzer, paragraphs[i], scratch)
            .into_iter()
            .map(|(id, v)| {
                let (kind, term) = &self.vocab.terms[id as usize];
                (display_term(*kind, term), self.layer().contribution(id as usize, v, col))
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
            format_version: self.format_version,
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
    /// The model shipped with tiaoli (`crates/tiaoli/models/default.tiaoli`), trained on the project's
    /// labelled corpus.
    pub fn default_model() -> FittedTagger {
        static BYTES: &[u8] = include_bytes!("../../models/default.tiaoli");
        // The bytes are fixed at compile time and checked by this crate's tests, so a failure
        // here is a build defect, not bad input.
        #[allow(clippy::expect_used)]
        FittedTagger::from_bytes(BYTES).expect("the built-in model is valid")
    }
}
