//! Training: corpus → vocabulary → TF-IDF rows → multinomial logistic regression, then the
//! context pass (see `model::context`). The one module behind the `train` feature; it owns
//! the parameters and the fitting (here), the corpus reader (`corpus`), folds of whole report
//! groups (`folds`), the sparse solver (`sparse`), restyled copies of reports (`augment`),
//! and evaluation (`cv`, `metrics`).
//!
//! The regressions are fitted by [`sparse`]: linfa-logistic's objective and optimiser
//! over sparse rows, because a dense design matrix made training time and memory grow with
//! rows × vocabulary (100 times the seed corpus took minutes and 0.9 GB for the matrix
//! alone). The corpus is segmented and cut into terms once per run; the shipped first pass
//! and the inner models behind the context pass's out-of-fold scores are then fitted side by
//! side, one per core.
//!
//! # Class imbalance
//!
//! `work` is about 60% of a report and `closing` a few lines. The loss is a plain sum over
//! rows, so repeating a row `r` times is exactly a weight of `r`: [`ClassBalance::Oversample`]
//! repeats each row of a rare class `round(n_largest / n_class)` times, at most
//! [`TaggerParams::max_oversample`] times — the integer version of scikit-learn's
//! `class_weight="balanced"` up to a constant factor, which only rescales the regularisation.
//!
//! [`ClassBalance::LogitAdjust`] leaves the rows alone and subtracts each class's log prior
//! from its bias after fitting (post-hoc logit adjustment, Menon et al. 2021): the fitted
//! model estimates p(type | text) under the corpus's priors, and this is the same model under
//! uniform priors. It costs nothing, but it cannot change the weights of the words.
//!
//! # Calibration
//!
//! A confidence should be right as often as it says: the page marks what is under 50 %. The
//! context pass's probabilities are raised to `1 / T` and renormalised, with `T` fitted at
//! training time by maximum likelihood on out-of-fold predictions of *whole* models: the
//! corpus split in [`TaggerParams::inner_folds`] grouped folds, a full model (first pass,
//! context pass) trained on the rest of each and scoring its fold's reports and their drafts.
//! That costs a training run per fold. The cheaper choices were measured on the real reports'
//! folds and fell short: no temperature left an expected calibration error of 0.062 (3.8 % of
//! paragraphs wrong at confidence ≥ 0.9); a temperature fitted on the context pass's own
//! out-of-fold scores, which come from models trained on two thirds of the data, made the
//! model underconfident (0.066–0.081); fitted on the last round's in-sample scores,
//! overconfident (0.072, 4.4 % wrong at ≥ 0.9). Whole models' folds give 0.02–0.03 and 1 %.
//!
//! # Augmentation
//!
//! With [`Augmentation::Restyle`] (the default) every report is also trained on as people
//! type it: restyled and as a skeleton (see the `augment` module and the `context` module's
//! measurements). The copies are fitted on; the dictionary and the vocabulary's document
//! frequencies count the corpus's own paragraphs only, so the copies add no words of their own.
//!
//! # Optimiser failures
//!
//! An L-BFGS line search can fail, or panic, on badly conditioned input (linfa issue #334
//! is one case, in linfa-logistic, whose optimiser the sparse solver shares). A failed fit
//! is retried with ten times the regularisation, which makes the problem better
//! conditioned; after the last try the error is returned.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use jieba_rs::Jieba;
use rustc_hash::FxHashMap;

mod augment;
mod corpus;
mod cv;
mod folds;
mod metrics;
mod sparse;

pub use corpus::{Corpus, Example};
pub use cv::{
    cross_validate, evaluate, fold_count, predict, predict_drafts, CrossValidation, Drafts, Fold, Scored, Split,
    NO_GENRE, NO_SECTOR,
};
pub use folds::assign_folds;
pub use metrics::{Calibration, ClassMetrics, Evaluation};

use crate::error::{Error, Result};
use crate::features::{
    idf, normalise_into, tfidf, Analyzer, DictEntry, DocCounts, Lexicon, Ngrams, Scratch, TermKind, Vocabulary,
};
use crate::label::Label;
use crate::model::codec::quantise;
use crate::model::context::{self, ContextModel, Round};
use crate::model::linear::Linear;
use crate::model::{FittedTagger, CONTEXT_WIDTH, FIRST_PASS_WIDTH};
use folds::documents;
use sparse::{Problem, SparseRows};

/// How training makes up for rare types (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ClassBalance {
    /// Correct the biases for the types' priors after fitting.
    LogitAdjust,
    /// Repeat rows of rare types, like class_weight="balanced".
    Oversample,
    /// Train on the corpus as it is.
    None,
}

impl ClassBalance {
    /// The name used in model metadata and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ClassBalance::None => "none",
            ClassBalance::Oversample => "oversample",
            ClassBalance::LogitAdjust => "logit-adjust",
        }
    }
}

/// Whether a model tags paragraphs in the context of their document (see the `context`
/// module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ContextPass {
    /// A second pass over layout, neighbours and headings.
    Stacked,
    /// Each paragraph on its own words.
    Off,
}

impl ContextPass {
    /// The name used in model metadata and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ContextPass::Off => "off",
            ContextPass::Stacked => "stacked",
        }
    }
}

/// Whether training also learns from restyled copies of its reports (see the `augment`
/// module).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Augmentation {
    /// Every report also in Markdown, bare or emphasised style.
    Restyle,
    /// The corpus as it is.
    None,
}

impl Augmentation {
    /// The name used in model metadata and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Augmentation::None => "none",
            Augmentation::Restyle => "restyle",
        }
    }
}

/// The stages of training, reported to a progress callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Loading jieba's dictionary.
    Loading,
    /// Segmenting, choosing the vocabulary and fitting the per-paragraph models (the slow
    /// part).
    Fitting,
    /// Fitting the context pass on out-of-fold scores.
    Context,
    /// Calibrating the confidence on whole models' out-of-fold predictions.
    Calibration,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 4] = [Stage::Loading, Stage::Fitting, Stage::Context, Stage::Calibration];

    /// A short description for progress displays.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Loading => "loading the dictionary",
            Stage::Fitting => "fitting the per-paragraph models",
            Stage::Context => "fitting the context pass",
            Stage::Calibration => "calibrating the confidence",
        }
    }
}

/// Training settings. Every setter documents its default; [`TaggerParams::fit`] validates
/// them all in one place.
///
/// ```
/// use tiaoli::{Corpus, Example, Label, TaggerParams};
/// let row = |text: &str, label| Example {
///     text: text.into(), label, doc: "d".into(), group: "g".into(), sector: None, genre: None, source: ("-".into(), 1),
/// };
/// let corpus = Corpus::from_examples(vec![
///     row("2023年财务科工作总结", Label::Title),
///     row("一是完成了全年预算编制。", Label::Work),
///     row("二是组织了三次业务培训。", Label::Work),
///     row("2024年社区工作总结", Label::Title),
/// ]);
/// let tagger = TaggerParams::default().min_df(1).fit(&corpus)?;
/// assert_eq!(tagger.predict("2025年后勤工作总结").label, Label::Title);
/// # Ok::<(), tiaoli::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TaggerParams {
    ngrams: Ngrams,
    min_df: usize,
    max_features: usize,
    alpha: f64,
    max_iterations: u64,
    class_balance: ClassBalance,
    max_oversample: usize,
    context: ContextPass,
    context_alpha: f64,
    context_rounds: usize,
    inner_folds: usize,
    augmentation: Augmentation,
}

impl Default for TaggerParams {
    fn default() -> Self {
        TaggerParams {
            ngrams: Ngrams { words: Some(Self::DEFAULT_WORD_NGRAMS), chars: Some(Self::DEFAULT_CHAR_NGRAMS) },
            min_df: Self::DEFAULT_MIN_DF,
            max_features: Self::DEFAULT_MAX_FEATURES,
            alpha: Self::DEFAULT_ALPHA,
            max_iterations: Self::DEFAULT_MAX_ITERATIONS,
            class_balance: Self::DEFAULT_CLASS_BALANCE,
            max_oversample: Self::DEFAULT_MAX_OVERSAMPLE,
            context: Self::DEFAULT_CONTEXT,
            context_alpha: Self::DEFAULT_CONTEXT_ALPHA,
            context_rounds: Self::DEFAULT_CONTEXT_ROUNDS,
            inner_folds: Self::DEFAULT_INNER_FOLDS,
            augmentation: Self::DEFAULT_AUGMENTATION,
        }
    }
}

/// The defaults, chosen by 5-fold cross-validation grouped by report on the project's corpus
/// (see the README for the figures).
impl TaggerParams {
    /// Default word n-gram lengths.
    pub const DEFAULT_WORD_NGRAMS: (u8, u8) = (1, 2);
    /// Default character n-gram lengths.
    pub const DEFAULT_CHAR_NGRAMS: (u8, u8) = (1, 3);
    /// Default minimum document frequency.
    pub const DEFAULT_MIN_DF: usize = 2;
    /// Default vocabulary bound.
    pub const DEFAULT_MAX_FEATURES: usize = 5000;
    /// Default regularisation: 0.1 beat 0.001–0.03 and 0.3–1 in cross-validation.
    pub const DEFAULT_ALPHA: f64 = 0.1;
    /// Default iteration bound; the optimiser converges in fewer on the project's corpus.
    pub const DEFAULT_MAX_ITERATIONS: u64 = 100;
    /// Default class balance: logit adjustment beat oversampling (macro-F1 0.54 against
    /// 0.45) and trains three times faster.
    pub const DEFAULT_CLASS_BALANCE: ClassBalance = ClassBalance::LogitAdjust;
    /// Default oversampling cap.
    pub const DEFAULT_MAX_OVERSAMPLE: usize = 10;
    /// Default context: the stacked second pass.
    pub const DEFAULT_CONTEXT: ContextPass = ContextPass::Stacked;
    /// Default regularisation of the context pass (see the `context` module docs): 1 beat
    /// 0.3 and 3 on the real reports' folds.
    pub const DEFAULT_CONTEXT_ALPHA: f64 = 1.0;
    /// Default number of context rounds (see the `context` module docs).
    pub const DEFAULT_CONTEXT_ROUNDS: usize = 2;
    /// Default number of grouped folds for the out-of-fold scores the context pass learns from:
    /// 3 scored 0.915 macro-F1 in grouped CV against 0.921 for 4, and each fold costs a full fit.
    pub const DEFAULT_INNER_FOLDS: usize = 3;
    /// Default augmentation: restyled copies (see the `context` module docs for what they
    /// did on drafts and on real reports).
    pub const DEFAULT_AUGMENTATION: Augmentation = Augmentation::Restyle;
}

impl TaggerParams {
    /// Word n-gram lengths, or `None` for no word features. Default [`Self::DEFAULT_WORD_NGRAMS`].
    pub fn word_ngrams(mut self, range: Option<(u8, u8)>) -> Self {
        self.ngrams.words = range;
        self
    }

    /// Character n-gram lengths, or `None` for none. Default [`Self::DEFAULT_CHAR_NGRAMS`].
    pub fn char_ngrams(mut self, range: Option<(u8, u8)>) -> Self {
        self.ngrams.chars = range;
        self
    }

    /// Keep only terms found in at least this many paragraphs. Default [`Self::DEFAULT_MIN_DF`].
    pub fn min_df(mut self, min_df: usize) -> Self {
        self.min_df = min_df;
        self
    }

    /// Keep at most this many terms, the most frequent by document frequency. Default
    /// [`Self::DEFAULT_MAX_FEATURES`].
    /// This bounds the model (a weight per term and type) and the solver's work per pass;
    /// the rows are sparse, so training memory grows with the terms each paragraph has, not
    /// with this.
    pub fn max_features(mut self, max_features: usize) -> Self {
        self.max_features = max_features;
        self
    }

    /// L2 regularisation strength, against a loss summed over rows. Default [`Self::DEFAULT_ALPHA`].
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// L-BFGS iterations at most. Default [`Self::DEFAULT_MAX_ITERATIONS`].
    pub fn max_iterations(mut self, max_iterations: u64) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// How to make up for rare types. Default [`Self::DEFAULT_CLASS_BALANCE`].
    pub fn class_balance(mut self, class_balance: ClassBalance) -> Self {
        self.class_balance = class_balance;
        self
    }

    /// With [`ClassBalance::Oversample`], the most times one row is repeated. Default
    /// [`Self::DEFAULT_MAX_OVERSAMPLE`].
    pub fn max_oversample(mut self, max_oversample: usize) -> Self {
        self.max_oversample = max_oversample;
        self
    }

    /// Whether to add the context pass. Default [`Self::DEFAULT_CONTEXT`].
    pub fn context(mut self, context: ContextPass) -> Self {
        self.context = context;
        self
    }

    /// L2 regularisation of the context pass. Default [`Self::DEFAULT_CONTEXT_ALPHA`].
    pub fn context_alpha(mut self, alpha: f64) -> Self {
        self.context_alpha = alpha;
        self
    }

    /// Rounds of the context pass: each later round reads the previous round's scores of the
    /// neighbours and headings. Default [`Self::DEFAULT_CONTEXT_ROUNDS`].
    pub fn context_rounds(mut self, rounds: usize) -> Self {
        self.context_rounds = rounds;
        self
    }

    /// Grouped folds for the out-of-fold first-pass scores the context pass is fitted on
    /// (fewer if the corpus has fewer report groups). Default [`Self::DEFAULT_INNER_FOLDS`].
    pub fn inner_folds(mut self, folds: usize) -> Self {
        self.inner_folds = folds;
        self
    }

    /// Whether training also learns from restyled copies of its reports. Default
    /// [`Self::DEFAULT_AUGMENTATION`].
    pub fn augmentation(mut self, augmentation: Augmentation) -> Self {
        self.augmentation = augmentation;
        self
    }

    fn validate(&self) -> Result<()> {
        let bad = |name, reason: String| Err(Error::InvalidParam { name, reason });
        for (name, range) in [("word_ngrams", self.ngrams.words), ("char_ngrams", self.ngrams.chars)] {
            if let Some((lo, hi)) = range {
                if lo == 0 || lo > hi || hi > 8 {
                    return bad(name, format!("{lo}..={hi} is not a range within 1..=8"));
                }
            }
        }
        if self.ngrams.words.is_none() && self.ngrams.chars.is_none() {
            return bad("word_ngrams", "word and character n-grams are both off: there would be no features".into());
        }
        if self.min_df == 0 {
            return bad("min_df", "must be at least 1".into());
        }
        if self.max_features == 0 {
            return bad("max_features", "must be at least 1".into());
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return bad("alpha", format!("{} is not a positive number", self.alpha));
        }
        if !(self.context_alpha.is_finite() && self.context_alpha > 0.0) {
            return bad("context_alpha", format!("{} is not a positive number", self.context_alpha));
        }
        if !(1..=context::MAX_ROUNDS).contains(&self.context_rounds) {
            return bad("context_rounds", format!("{} is not within 1..={}", self.context_rounds, context::MAX_ROUNDS));
        }
        if self.inner_folds < 2 {
            return bad("inner_folds", "must be at least 2".into());
        }
        if self.max_iterations == 0 {
            return bad("max_iterations", "must be at least 1".into());
        }
        if self.max_oversample == 0 {
            return bad("max_oversample", "must be at least 1".into());
        }
        Ok(())
    }

    /// Train a tagger on `corpus`.
    pub fn fit(&self, corpus: &Corpus) -> Result<FittedTagger> {
        self.fit_with_progress(corpus, |_| {})
    }

    /// Train a tagger on `corpus`, calling `progress` as each stage starts.
    pub fn fit_with_progress(&self, corpus: &Corpus, mut progress: impl FnMut(Stage)) -> Result<FittedTagger> {
        self.validate()?;
        progress(Stage::Loading);
        // Loading jieba's full dictionary takes a noticeable share of a fit: once per run.
        let full = Jieba::new();
        let mut tagger = self.fit_uncalibrated(&full, corpus, &mut progress)?;
        if tagger.context.is_some() {
            progress(Stage::Calibration);
            let temperature = self.calibration_temperature(&full, corpus)?;
            tagger.metadata.insert("calibration_temperature".to_owned(), format!("{temperature:.3}"));
            if let Some(context) = &mut tagger.context {
                context.temperature = temperature;
            }
        }
        Ok(tagger)
    }

    /// The temperature that calibrates the final probabilities (see `fit_temperature`),
    /// fitted on what whole models — first pass and context pass — say of the reports and
    /// drafts of groups they were not trained on, in [`Self::inner_folds`] grouped folds. The
    /// context pass's own out-of-fold scores will not do: they come from models trained on
    /// part of the data and a pass that learnt to read them, and a temperature fitted on them
    /// left real reports' confidence 0.08 too low (and none, 0.06 too high).
    fn calibration_temperature(&self, full: &Jieba, corpus: &Corpus) -> Result<f32> {
        let folds = assign_folds(corpus, self.inner_folds.min(corpus.group_count()), 0)?;
        let n_folds = folds.values().max().map_or(0, |m| m + 1);
        let mut pairs: Vec<(Vec<f32>, usize)> = Vec::new();
        for fold in 0..n_folds {
            let (held, train): (Vec<usize>, Vec<usize>) =
                (0..corpus.len()).partition(|&i| folds[&corpus.examples()[i].group] == fold);
            // A fold of a tiny corpus can lack all but one type; calibration then rests on the
            // other folds (and a temperature of 1 when none is left).
            let Ok(tagger) = self.fit_uncalibrated(full, &corpus.select(&train), &mut |_| {}) else {
                continue;
            };
            let held = corpus.select(&held);
            let whole = predict(&tagger, &held).into_iter().enumerate();
            for (i, p) in whole.chain(predict_drafts(&tagger, &held)) {
                // A type the fold never saw cannot be scored by its model.
                if let Some(y) = tagger.labels().iter().position(|&l| l == held.examples()[i].label) {
                    pairs.push((p.probabilities, y));
                }
            }
        }
        Ok(fit_temperature(pairs.iter().map(|(p, y)| (p.as_slice(), *y))))
    }

    /// [`Self::fit_with_progress`] without calibration: the context pass's temperature is 1.
    fn fit_uncalibrated(&self, full: &Jieba, corpus: &Corpus, progress: &mut dyn FnMut(Stage)) -> Result<FittedTagger> {
        let labels = labels_of(corpus)?;
        let original = corpus;
        let restyled;
        let corpus = match self.augmentation {
            Augmentation::None => corpus,
            Augmentation::Restyle => {
                restyled = Corpus::from_examples([corpus.examples(), &augment::variants(corpus)].concat());
                &restyled
            }
        };
        progress(Stage::Fitting);
        let texts: Vec<&str> = corpus.examples().iter().map(|e| e.text.as_str()).collect();
        // Restyled copies repeat their reports' words: the dictionary and the vocabulary's
        // document frequencies count each paragraph once, from the corpus as given.
        let dict = segmentation_dictionary(full, &texts[..original.len()], self.min_df.max(DICTIONARY_MIN_DF));
        let analyzer = Analyzer { lexicon: Lexicon::new(&dict), ngrams: self.ngrams };
        let analysed = Analysed::new(&analyzer, &texts, original.len());

        let groups = corpus.group_count();
        // Out-of-fold scores need at least two report groups.
        let stacked = self.context == ContextPass::Stacked && groups >= 2;
        let fold_of: Vec<usize> = if stacked {
            let folds = assign_folds(corpus, self.inner_folds.min(groups), 0)?;
            corpus.examples().iter().map(|e| folds[&e.group]).collect()
        } else {
            Vec::new()
        };
        let n_folds = fold_of.iter().max().map_or(0, |m| m + 1);

        // The shipped first pass and the inner models behind the out-of-fold scores are
        // independent fits: run them side by side. Each result lands in its job's slot, so
        // the model is the same whatever the number of threads. The inner models share the
        // whole corpus's segmentation (which knows no labels) and choose their own
        // vocabulary from their own rows.
        let jobs: Vec<Option<usize>> = std::iter::once(None).chain((0..n_folds).map(Some)).collect();
        let mut results = parallel_map(&jobs, |job| {
            let (train, held_out): (Vec<usize>, Vec<usize>) = match *job {
                None => ((0..corpus.len()).collect(), Vec::new()),
                Some(fold) => (0..corpus.len()).partition(|&i| fold_of[i] != fold),
            };
            let sub = corpus.select(&train);
            let sub_labels = labels_of(&sub)?;
            let first = self.fit_words(&analysed, &train, &sub, &sub_labels)?;
            Ok(match job {
                None => FirstPass::Whole(first),
                Some(_) => FirstPass::Held(first.scores(&analysed, &held_out, &sub_labels, &labels)),
            })
        })
        .into_iter();
        let mut tagger = match results.next() {
            Some(Ok(FirstPass::Whole(mut first))) => {
                // Stored as the file stores them, so a model is the same in memory and read back.
                quantise(&mut first.weights, labels.len(), FIRST_PASS_WIDTH);
                FittedTagger::new(labels.clone(), self.ngrams, dict, first.vocab, first.weights, first.bias)
            }
            Some(Err(e)) => return Err(e),
            _ => return Err(Error::Fit("the first-pass fit did not finish".into())),
        };
        if stacked {
            progress(Stage::Context);
            let mut first = vec![vec![0.0f32; labels.len()]; corpus.len()];
            for result in results {
                if let FirstPass::Held(scores) = result? {
                    for (i, p) in scores {
                        first[i] = p;
                    }
                }
            }
            tagger.context = Some(self.fit_context(corpus, &labels, &first, &fold_of)?);
        }
        tagger.metadata = self.metadata(original, groups, stacked.then_some(n_folds));
        Ok(tagger)
    }

    /// What a model records of its training: these settings, facts of the corpus as given
    /// (`corpus`, before any restyled copies; `groups` its report groups), and whether a
    /// context pass was fitted, on how many inner folds (`inner_folds`).
    fn metadata(&self, corpus: &Corpus, groups: usize, inner_folds: Option<usize>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut meta = |k: &str, v: String| out.insert(k.to_owned(), v);
        meta("tiaoli_version", env!("CARGO_PKG_VERSION").to_owned());
        meta("corpus_rows", corpus.len().to_string());
        meta("corpus_groups", groups.to_string());
        meta("corpus_sha256", corpus.sha256());
        meta("augmentation", self.augmentation.as_str().to_owned());
        meta("min_df", self.min_df.to_string());
        meta("max_features", self.max_features.to_string());
        meta("alpha", self.alpha.to_string());
        meta("max_iterations", self.max_iterations.to_string());
        meta("class_balance", self.class_balance.as_str().to_owned());
        if self.class_balance == ClassBalance::Oversample {
            meta("max_oversample", self.max_oversample.to_string());
        }
        match inner_folds {
            Some(folds) => {
                meta("context", format!("stacked ({folds} inner folds)"));
                meta("context_alpha", self.context_alpha.to_string());
                meta("context_rounds", self.context_rounds.to_string());
            }
            // Out-of-fold scores need at least two report groups.
            None if self.context == ContextPass::Stacked => {
                meta("context", "off (the corpus has a single report group)".to_owned());
            }
            None => {
                meta("context", "off".to_owned());
            }
        }
        out
    }

    /// A per-paragraph model (TF-IDF and logistic regression, no context) on the rows
    /// `rows` of the analysed corpus, which make up `corpus` and carry the labels `labels`.
    fn fit_words(&self, analysed: &Analysed, rows: &[usize], corpus: &Corpus, labels: &[Label]) -> Result<FirstModel> {
        let (vocab, docs) = self.vocabulary(analysed, rows);
        let y = class_indices(corpus, labels);
        let (weights, bias) = self.fit_balanced(&docs, &y, labels, &corpus.label_counts(), vocab.len())?;
        Ok(FirstModel { vocab, remap: Vec::new(), weights, bias }.with_remap(analysed))
    }

    /// The context pass, fitted on `first`: first-pass scores that each come from a model that
    /// did not see the paragraph's report. `fold_of` gives each row's inner fold.
    fn fit_context(
        &self,
        corpus: &Corpus,
        labels: &[Label],
        first: &[Vec<f32>],
        fold_of: &[usize],
    ) -> Result<ContextModel> {
        let k = labels.len();
        let classes = class_indices(corpus, labels);
        // Drafts are prefixes of reports: a page typed so far can stop anywhere, so the pass
        // also learns from each document cut after the first few paragraphs. Without that, a
        // heading the writer has just typed reads like the junk that ends many pages.
        // Sections come in any order, and any can be missing: the pass also sees each report
        // with its first section left out and with its sections in reverse order, so that a
        // heading's own words, not its place, say what it heads.
        let mut units: Vec<Vec<usize>> = Vec::new();
        for rows in documents(corpus) {
            let n = rows.len();
            units.extend(DRAFT_CUTS.iter().filter(|&&cut| cut < n).map(|&cut| rows[..cut].to_vec()));
            let texts: Vec<&str> = rows.iter().map(|&i| corpus.examples()[i].text.as_str()).collect();
            let (head, sections) = augment::sections(&rows, &context::outline(&texts));
            if sections.len() >= 2 {
                units.push([head].into_iter().chain(sections[1..].iter().copied()).flatten().copied().collect());
                units.push([head].into_iter().chain(sections.iter().rev().copied()).flatten().copied().collect());
            }
            units.push(rows);
        }
        let texts_of =
            |unit: &[usize]| -> Vec<&str> { unit.iter().map(|&i| corpus.examples()[i].text.as_str()).collect() };
        // Scores each unit's rows start from.
        let mut scores: Vec<Vec<Vec<f32>>> =
            units.iter().map(|u| u.iter().map(|&i| first[i].clone()).collect()).collect();
        let rounds = self.context_rounds;
        let mut models: Vec<Round> = Vec::new();
        let d = context::feature_count(k);
        let n_folds = fold_of.iter().max().map_or(0, |m| m + 1);
        for round in 0..rounds {
            let xs: Vec<Vec<f32>> =
                units.iter().zip(&scores).map(|(u, s)| context::features(&texts_of(u), s, labels)).collect();
            let fit_on = |keep: &dyn Fn(usize) -> bool| -> Result<Round> {
                let kept: Vec<usize> = (0..units.len()).filter(|&ui| keep(ui)).collect();
                // Fitted as sparse rows: most layout features are one-hot.
                let rows: Vec<Vec<(u32, f32)>> = kept
                    .iter()
                    .flat_map(|&ui| xs[ui].chunks_exact(d))
                    .map(|row| (0u32..).zip(row.iter().copied()).filter(|&(_, v)| v != 0.0).collect())
                    .collect();
                let x = SparseRows::from_rows(rows.iter().map(Vec::as_slice));
                let y: Vec<usize> = kept.iter().flat_map(|&ui| units[ui].iter().map(|&i| classes[i])).collect();
                // The first-pass scores it reads are balanced already; balancing again would
                // count the priors twice.
                let (weights, bias) = self.fit_sparse(&x, &y, d, k, self.context_alpha)?;
                Ok(Round { weights, bias })
            };
            // The round on every unit and, unless it is the last, the models behind the
            // out-of-fold scores the next round learns from, side by side.
            let jobs: Vec<Option<usize>> = if round + 1 < rounds {
                std::iter::once(None).chain((0..n_folds).map(Some)).collect()
            } else {
                vec![None]
            };
            let fitted = parallel_map(&jobs, |job| match *job {
                None => fit_on(&|_| true),
                Some(fold) => fit_on(&|ui| fold_of[units[ui][0]] != fold),
            });
            let mut fitted = fitted.into_iter();
            models.push(fitted.next().unwrap_or_else(|| Err(Error::Fit("a context fit did not finish".into())))?);
            let held: Vec<Round> = fitted.collect::<Result<_>>()?;
            if !held.is_empty() {
                scores = units.iter().zip(&xs).map(|(u, x)| held[fold_of[u[0]]].predict(x, k)).collect();
            }
        }
        // Stored as the file stores them, so a model is the same in memory and read back.
        for round in &mut models {
            quantise(&mut round.weights, k, CONTEXT_WIDTH);
        }
        // Calibrated by the caller, on what whole models say of reports they did not see.
        Ok(ContextModel { rounds: models, temperature: 1.0 })
    }

    /// Fit the first pass with the configured class balance: rows repeated for
    /// oversampling, biases moved by the log priors for logit adjustment.
    fn fit_balanced(
        &self,
        docs: &[Vec<(u32, f32)>],
        y: &[usize],
        labels: &[Label],
        counts: &BTreeMap<Label, usize>,
        n_features: usize,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let repeats = self.repeats(labels, counts);
        let rows: Vec<usize> = (0..y.len()).flat_map(|i| std::iter::repeat_n(i, repeats[y[i]])).collect();
        let x = SparseRows::from_rows(rows.iter().map(|&i| docs[i].as_slice()));
        let y: Vec<usize> = rows.iter().map(|&i| y[i]).collect();
        let (weights, mut bias) = self.fit_sparse(&x, &y, n_features, labels.len(), self.alpha)?;
        if self.class_balance == ClassBalance::LogitAdjust {
            let n = counts.values().sum::<usize>() as f64;
            for (b, label) in bias.iter_mut().zip(labels) {
                *b -= (counts[label] as f64 / n).ln() as f32;
            }
        }
        Ok((weights, bias))
    }

    /// Choose the vocabulary from the corpus's own rows among `rows` of the analysed corpus,
    /// and return the TF-IDF vector of each of `rows`.
    fn vocabulary(&self, analysed: &Analysed, rows: &[usize]) -> (Vocabulary, Vec<Vec<(u32, f32)>>) {
        let mut df = vec![0usize; analysed.terms.len()];
        let counted: Vec<usize> = rows.iter().copied().filter(|&row| row < analysed.own_rows).collect();
        for &row in &counted {
            for chunk in analysed.docs[row].chunk_by(|a, b| a == b) {
                df[chunk[0] as usize] += 1;
            }
        }
        let mut candidates: Vec<(&(TermKind, Box<str>), u32)> =
            analysed.terms.iter().zip(0u32..).filter(|&(_, id)| df[id as usize] >= self.min_df).collect();
        // Most frequent first; ties by kind and term, so the choice never depends on the
        // order terms were first seen in.
        candidates.sort_by(|a, b| df[b.1 as usize].cmp(&df[a.1 as usize]).then_with(|| a.0.cmp(b.0)));
        candidates.truncate(self.max_features);
        candidates.sort_by(|a, b| a.0.cmp(b.0));

        let mut remap = vec![u32::MAX; analysed.terms.len()];
        let mut terms = Vec::with_capacity(candidates.len());
        let mut dfs = Vec::with_capacity(candidates.len());
        for (new_id, (term, old_id)) in candidates.into_iter().enumerate() {
            remap[old_id as usize] = new_id as u32;
            terms.push(term.clone());
            dfs.push(df[old_id as usize] as u32);
        }
        let n = counted.len() as u32;
        let idfs: Vec<f32> = dfs.iter().map(|&df| idf(n, df)).collect();
        let docs = rows.iter().map(|&row| vector(&analysed.docs[row], &remap, &idfs)).collect();
        (Vocabulary { terms, idf: idfs, counts: Some(DocCounts { docs: n, df: dfs }) }, docs)
    }

    fn repeats(&self, labels: &[Label], counts: &BTreeMap<Label, usize>) -> Vec<usize> {
        let largest = counts.values().copied().max().unwrap_or(1);
        labels
            .iter()
            .map(|l| match self.class_balance {
                ClassBalance::Oversample => {
                    ((largest as f64 / counts[l] as f64).round() as usize).clamp(1, self.max_oversample)
                }
                ClassBalance::None | ClassBalance::LogitAdjust => 1,
            })
            .collect()
    }

    /// Fit multinomial logistic regression; returns weights (`features × classes`,
    /// row-major) and biases.
    fn fit_sparse(
        &self,
        x: &SparseRows,
        y: &[usize],
        n_features: usize,
        n_classes: usize,
        alpha: f64,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        retry_with_more_alpha(alpha, |alpha| {
            let problem = Problem { x, y, n_features, n_classes, alpha, max_iterations: self.max_iterations };
            sparse::fit(&problem).map(|f| (f.weights, f.bias)).map_err(|e| e.to_string())
        })
    }
}

/// The temperature that makes `(probabilities, gold class)` pairs most likely when each
/// probability vector is raised to `1 / T` and renormalised (Guo et al. 2017: one parameter,
/// so it moves confidence without changing any prediction). Found by golden-section search
/// over `ln T` across [`context::TEMPERATURES`]; 1 when there is nothing to fit.
fn fit_temperature<'a>(pairs: impl Iterator<Item = (&'a [f32], usize)>) -> f32 {
    // ln p, floored so a zero probability stays finite.
    let logs: Vec<(Vec<f64>, usize)> = pairs
        .map(|(p, y)| (p.iter().map(|&v| f64::from(v.max(context::PROBABILITY_FLOOR)).ln()).collect(), y))
        .collect();
    if logs.is_empty() {
        return 1.0;
    }
    let nll = |ln_t: f64| -> f64 {
        let inv = (-ln_t).exp();
        logs.iter()
            .map(|(l, y)| {
                let max = l.iter().copied().fold(f64::NEG_INFINITY, f64::max) * inv;
                let sum: f64 = l.iter().map(|v| (v * inv - max).exp()).sum();
                max + sum.ln() - l[*y] * inv
            })
            .sum()
    };
    let (mut a, mut b) = (context::TEMPERATURES.start().ln(), context::TEMPERATURES.end().ln());
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - ratio * (b - a), a + ratio * (b - a));
    let (mut fc, mut fd) = (nll(c), nll(d));
    for _ in 0..40 {
        if fc < fd {
            (b, d, fd) = (d, c, fc);
            c = b - ratio * (b - a);
            fc = nll(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + ratio * (b - a);
            fd = nll(d);
        }
    }
    ((a + b) / 2.0).exp() as f32
}

/// Where the context pass's training cuts each document to make drafts of it: the lengths
/// drafts are scored at (see [`cross_validate`]).
pub const DRAFT_CUTS: [usize; 5] = [3, 5, 8, 12, 20];

/// Run a fit, retrying with ten times the regularisation when the optimiser fails or panics
/// (see the module docs); after the last try the error is returned.
fn retry_with_more_alpha<T>(alpha: f64, mut fit: impl FnMut(f64) -> std::result::Result<T, String>) -> Result<T> {
    const TRIES: usize = 3;
    let mut alpha = alpha;
    let mut last_error = String::new();
    for _ in 0..TRIES {
        match catch_unwind(AssertUnwindSafe(|| fit(alpha))) {
            Ok(Ok(fitted)) => return Ok(fitted),
            Ok(Err(e)) => last_error = e,
            Err(panic) => {
                last_error = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "the optimiser panicked".into());
            }
        }
        alpha *= 10.0;
    }
    Err(Error::Fit(format!("{last_error} (after {TRIES} tries, up to alpha {})", alpha / 10.0)))
}

/// Every paragraph of a corpus cut into terms once, for all the fits of a training run.
struct Analysed {
    /// Every distinct term, by id.
    terms: Vec<(TermKind, Box<str>)>,
    /// The term ids of each paragraph, sorted, with repeats.
    docs: Vec<Vec<u32>>,
    /// Rows before this one are the corpus's own; the rest are restyled copies (see
    /// [`Augmentation`]), fitted on but not counted when the vocabulary is chosen.
    own_rows: usize,
}

impl Analysed {
    /// Analyse `texts` in chunks on all cores, then merge the chunks' term tables in order. The
    /// first `own_rows` of `texts` are the corpus's own (see [`Analysed::own_rows`]).
    fn new(analyzer: &Analyzer, texts: &[&str], own_rows: usize) -> Analysed {
        const CHUNK: usize = 2048;
        let chunks: Vec<&[&str]> = texts.chunks(CHUNK).collect();
        let parts = parallel_map(&chunks, |chunk| {
            let mut local =
                Analysed { terms: Vec::new(), docs: Vec::with_capacity(chunk.len()), own_rows: chunk.len() };
            let mut index = TermIndex::default();
            let mut scratch = Scratch::default();
            for text in *chunk {
                let mut ids = Vec::new();
                analyzer.for_each_term(text, &mut scratch, |kind, term| {
                    ids.push(index.intern(&mut local.terms, kind, term));
                });
                local.docs.push(ids);
            }
            Ok(local)
        });
        let mut out = Analysed { terms: Vec::new(), docs: Vec::with_capacity(texts.len()), own_rows };
        let mut index = TermIndex::default();
        for part in parts.into_iter().flatten() {
            let global: Vec<u32> =
                part.terms.iter().map(|(kind, term)| index.intern(&mut out.terms, *kind, term)).collect();
            out.docs.extend(part.docs.into_iter().map(|ids| {
                let mut ids: Vec<u32> = ids.into_iter().map(|id| global[id as usize]).collect();
                ids.sort_unstable();
                ids
            }));
        }
        out
    }
}

/// Term ids by kind and text; looks a term up without allocating.
#[derive(Default)]
struct TermIndex {
    words: FxHashMap<Box<str>, u32>,
    chars: FxHashMap<Box<str>, u32>,
}

impl TermIndex {
    fn intern(&mut self, terms: &mut Vec<(TermKind, Box<str>)>, kind: TermKind, term: &str) -> u32 {
        let map = match kind {
            TermKind::Word => &mut self.words,
            TermKind::Char => &mut self.chars,
        };
        if let Some(&id) = map.get(term) {
            return id;
        }
        let id = terms.len() as u32;
        terms.push((kind, term.into()));
        map.insert(term.into(), id);
        id
    }
}

/// The TF-IDF vector of a paragraph from its sorted term ids, `remap` taking them to
/// vocabulary ids (`u32::MAX`: not in the vocabulary).
fn vector(ids: &[u32], remap: &[u32], idfs: &[f32]) -> Vec<(u32, f32)> {
    let mut counts: Vec<(u32, usize)> = ids
        .chunk_by(|a, b| a == b)
        .map(|run| (remap[run[0] as usize], run.len()))
        .filter(|&(id, _)| id != u32::MAX)
        .collect();
    counts.sort_unstable_by_key(|p| p.0);
    tfidf(counts, idfs)
}

/// A fitted per-paragraph model before it becomes a [`FittedTagger`].
struct FirstModel {
    vocab: Vocabulary,
    /// Analysed term id → vocabulary id (`u32::MAX` if not in it).
    remap: Vec<u32>,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl FirstModel {
    fn with_remap(mut self, analysed: &Analysed) -> FirstModel {
        let ids: FxHashMap<&(TermKind, Box<str>), u32> = self.vocab.terms.iter().zip(0..).collect();
        self.remap = analysed.terms.iter().map(|term| ids.get(term).copied().unwrap_or(u32::MAX)).collect();
        self
    }

    /// Probabilities for the rows `rows` of the analysed corpus, in the columns of `all`
    /// (a label the model never saw scores 0) — what [`FittedTagger::first_pass`] gives for
    /// the same text.
    fn scores(&self, analysed: &Analysed, rows: &[usize], own: &[Label], all: &[Label]) -> Vec<(usize, Vec<f32>)> {
        rows.iter()
            .map(|&row| {
                let logits = Linear::new(&self.weights, &self.bias).probabilities(
                    vector(&analysed.docs[row], &self.remap, &self.vocab.idf)
                        .into_iter()
                        .map(|(id, v)| (id as usize, v)),
                );
                let mut scores = vec![0.0f32; all.len()];
                for (label, p) in own.iter().zip(logits) {
                    if let Some(col) = all.iter().position(|l| l == label) {
                        scores[col] = p;
                    }
                }
                (row, scores)
            })
            .collect()
    }
}

/// What one of the parallel first-pass fits gives.
enum FirstPass {
    /// The model on the whole corpus.
    Whole(FirstModel),
    /// Out-of-fold scores for the rows of one inner fold.
    Held(Vec<(usize, Vec<f32>)>),
}

/// `f` of every item, in item order, computed on up to [`crate::parallel::threads`] threads.
/// A panic in `f` becomes an error.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> Result<R> + Sync) -> Vec<Result<R>> {
    crate::parallel::map(items, crate::parallel::threads(), f)
        .into_iter()
        .map(|slot| slot.unwrap_or_else(|| Err(Error::Fit("a training thread panicked".into()))))
        .collect()
}

/// The labels of `corpus`, in [`Label::ALL`] order; an error unless there are two or more.
fn labels_of(corpus: &Corpus) -> Result<Vec<Label>> {
    let labels: Vec<Label> = corpus.label_counts().into_keys().collect();
    match labels.as_slice() {
        [] => Err(Error::EmptyCorpus { sources: "the training data".into() }),
        [only] => Err(Error::SingleClass { label: *only }),
        _ => Ok(labels),
    }
}

fn class_indices(corpus: &Corpus, labels: &[Label]) -> Vec<usize> {
    corpus.examples().iter().map(|e| labels.iter().position(|&l| l == e.label).unwrap_or(0)).collect()
}

/// The fewest paragraphs a word must be found in for the model's dictionary to keep it (see
/// [`segmentation_dictionary`]): with the real reports in the corpus, 2 kept 9,506 entries
/// and 3 kept 6,833, 16 KB less of the page's download, and scored no worse (real reports'
/// folds: macro-F1 0.560 against 0.552, drafts 0.518 against 0.492).
const DICTIONARY_MIN_DF: usize = 3;

/// The dictionary entries of every word jieba's full dictionary finds in at least `min_df` of
/// `texts`. A rarer word is rarely a word feature; it mostly decides how the text around it
/// is cut, and the entries of a large corpus's rare words would be most of a model's size.
/// Training and inference cut with the same entries, so they see the same words either way.
fn segmentation_dictionary(full: &Jieba, texts: &[&str], min_df: usize) -> Vec<DictEntry> {
    let chunks: Vec<&[&str]> = texts.chunks(2048).collect();
    let mut df: BTreeMap<String, usize> = BTreeMap::new();
    for part in parallel_map(&chunks, |chunk| {
        let mut found: FxHashMap<String, usize> = FxHashMap::default();
        let mut norm = String::new();
        for text in *chunk {
            normalise_into(text, &mut norm);
            let mut seen: Vec<&str> = Vec::new();
            seen.extend(
                full.cut(&norm[1..norm.len() - 1], false).into_iter().map(|t| t.word).filter(|w| full.has_word(w)),
            );
            seen.sort_unstable();
            seen.dedup();
            for word in &seen {
                *found.entry((*word).to_owned()).or_insert(0) += 1;
            }
        }
        Ok(found)
    })
    .into_iter()
    .flatten()
    {
        for (word, n) in part {
            *df.entry(word).or_insert(0) += n;
        }
    }
    df.into_iter()
        .filter(|&(_, n)| n >= min_df)
        .map(|(word, _)| {
            // jieba-rs has no frequency getter; for a word the dictionary keeps whole, the
            // frequency it suggests is the word's own, give or take one.
            let freq = full.suggest_freq(&word).min(u32::MAX as usize) as u32;
            DictEntry { word, freq }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_softens_overconfidence_and_sharpens_underconfidence() {
        // Right 3 times in 4 at 0.99: too sure, so T > 1.
        let p = [0.99f32, 0.01];
        let over = fit_temperature([(&p[..], 0), (&p[..], 0), (&p[..], 0), (&p[..], 1)].into_iter());
        assert!(over > 1.5, "{over}");
        // Always right at 0.6: not sure enough, so T < 1.
        let q = [0.6f32, 0.4];
        let under = fit_temperature(std::iter::repeat_n((&q[..], 0), 10));
        assert!(under < 0.5, "{under}");
        assert_eq!(fit_temperature(std::iter::empty()), 1.0);
    }

    #[test]
    fn oversampling_repeats_rare_rows_up_to_the_cap() {
        let counts: BTreeMap<Label, usize> = [(Label::Work, 100), (Label::Plans, 30), (Label::Closing, 2)].into();
        let labels: Vec<Label> = counts.keys().copied().collect();
        let params = TaggerParams::default().class_balance(ClassBalance::Oversample).max_oversample(10);
        assert_eq!(params.repeats(&labels, &counts), vec![1, 3, 10]);
        let plain = TaggerParams::default().class_balance(ClassBalance::LogitAdjust);
        assert_eq!(plain.repeats(&labels, &counts), vec![1, 1, 1]);
    }

    #[test]
    fn the_reduced_dictionary_segments_training_text_as_the_full_one() {
        let texts = ["我们认真总结经验教训", "进一步加强队伍建设"];
        let entries = segmentation_dictionary(&Jieba::new(), &texts, 1);
        let full = Jieba::new();
        let reduced = crate::features::lexicon::reduced_jieba(&entries);
        // And tiaoli's own cutter, which inference uses, with the same entries.
        let words = Ngrams { words: Some((1, 1)), chars: None };
        let lexicon = Analyzer { lexicon: Lexicon::new(&entries), ngrams: words };
        for text in texts {
            let a: Vec<&str> = full.cut(text, false).iter().map(|t| t.word).collect();
            let b: Vec<&str> = reduced.cut(text, false).iter().map(|t| t.word).collect();
            assert_eq!(a, b);
            let mut c = Vec::new();
            lexicon.for_each_term(text, &mut Scratch::default(), |_, w| c.push(w.to_owned()));
            assert_eq!(a, c);
        }
    }
}
