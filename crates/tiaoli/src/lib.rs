//! tiaoli (条理) tags every paragraph of a Chinese work report (工作总结) with its section
//! type: title, opening, work, experience, problems, plans, closing or web-page boilerplate.
//!
//! The model is TF-IDF over jieba word n-grams and character n-grams with multinomial
//! logistic regression. Inference ([`FittedTagger`]) is plain Rust with no I/O, and builds
//! for `wasm32-unknown-unknown`; training ([`TaggerParams`], [`Corpus`], cross-validation)
//! sits behind the `train` feature.
//!
//! ```
//! use tiaoli::{FittedTagger, Label};
//!
//! let tagger = FittedTagger::default_model();
//! let report = "\
//! 信息中心2024年上半年工作总结
//! 上半年,在局党组的正确领导下,我中心围绕年度目标,扎实推进各项工作,现将有关情况总结如下:
//! 一、完成了机房改造和网络升级,全年系统运行稳定。
//! 二、存在的问题和不足
//! 下半年,我们将重点做好以下几项工作:";
//! for tagged in tagger.tag(report) {
//!     println!("{:>3} {:<12} {:.2} {}", tagged.paragraph.line, tagged.prediction.label,
//!              tagged.prediction.confidence, tagged.paragraph.text);
//! }
//! let first = &tagger.tag(report)[0];
//! assert_eq!(first.prediction.label, Label::Title);
//! ```
//!
//! # Features
//!
//! - `default-model`: [`FittedTagger::default_model`], the shipped model compiled in.
//! - `train`: training, the corpus reader, cross-validation and metrics (the `train`
//!   module; pulls in jieba-rs, argmin and ndarray).
//! - `serde`: `serde::Serialize` on what inference and evaluation return: labels by name,
//!   [`Scores`] as one object keyed by label, [`ModelInfo`], [`Feature`], and with `train`
//!   the evaluations, in the shapes `tiaoli --format json` prints.
//! - `clap`: `clap::ValueEnum` on the training settings' enums.

mod error;
mod features;
mod label;
mod model;
mod parallel;
mod text;
#[cfg(feature = "train")]
mod train;

pub use error::{Error, ModelError, Result};
pub use features::{Ngrams, TermKind};
pub use label::{Label, UnknownLabel};
pub use model::{
    Explanation, Feature, FittedTagger, ModelInfo, Prediction, Scores, Tagged, FORMAT_VERSION, OLDEST_FORMAT_VERSION,
};
pub use text::{decode_utf8, paragraphs, Paragraph, Paragraphs};
#[cfg(feature = "train")]
pub use train::{
    assign_folds, cross_validate, evaluate, fold_count, predict, predict_drafts, Augmentation, Calibration,
    ClassBalance, ClassMetrics, ContextPass, Corpus, CrossValidation, Drafts, Evaluation, Example, Fold, Scored, Split,
    Stage, TaggerParams, DRAFT_CUTS, NO_GENRE, NO_SECTOR,
};
