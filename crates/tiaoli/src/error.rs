//! The one error type of the library.

use std::path::PathBuf;

use crate::label::{Label, UnknownLabel};

/// Everything that can go wrong in tiaoli. Errors about input carry where the problem is:
/// file and line for corpora and text, byte offset for model files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A corpus line is not valid JSON, or not a JSON object.
    #[error("{}:{line}: malformed JSON: {message}", path.display())]
    Json {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line in that file.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// A corpus row lacks a required field.
    #[error("{}:{line}: missing field `{field}`", path.display())]
    MissingField {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line in that file.
        line: usize,
        /// The field's name.
        field: &'static str,
    },
    /// A corpus field has the wrong type or an unusable value.
    #[error("{}:{line}: field `{field}` {problem}", path.display())]
    BadField {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line in that file.
        line: usize,
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A corpus row's `label` is not one of the eight types.
    #[error("{}:{line}: field `label`: {source}", path.display())]
    UnknownLabel {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line in that file.
        line: usize,
        /// The unknown name.
        #[source]
        source: UnknownLabel,
    },
    /// A directory given as training data holds no `*.jsonl` file.
    #[error("{}: no *.jsonl files in this directory", path.display())]
    NoCorpusFiles {
        /// The directory.
        path: PathBuf,
    },
    /// The training data holds no labelled paragraph.
    #[error("the corpus is empty: {sources} has no labelled paragraphs")]
    EmptyCorpus {
        /// The files that were read, for the message.
        sources: String,
    },
    /// Every training paragraph has the same label.
    #[error("every paragraph of the corpus is labelled `{label}`: a classifier needs at least two labels")]
    SingleClass {
        /// The only label.
        label: Label,
    },
    /// Text given for tagging is not UTF-8.
    #[error("{}:{line}: invalid UTF-8 (byte {column} of the line); tiaoli reads UTF-8 text only", path.display())]
    InvalidUtf8 {
        /// The input's name.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based byte column of the first invalid byte.
        column: usize,
    },
    /// Text given for tagging is UTF-16 (it starts with a UTF-16 byte-order mark), as Windows
    /// tools sometimes save "Unicode" text.
    #[error("{}: the text is UTF-16 (it starts with a UTF-16 byte-order mark); tiaoli reads UTF-8 text only: save it as UTF-8", path.display())]
    Utf16 {
        /// The input's name.
        path: PathBuf,
    },
    /// Two corpus rows label the same paragraph: the same `doc` and `line`. Usually a file
    /// given twice (a directory and a file inside it) or a row pasted twice.
    #[error("{}:{line}: duplicate row: doc `{doc}` line {doc_line} is already labelled at {}:{first_line}", path.display(), first_path.display())]
    DuplicateRow {
        /// The corpus file of the second row.
        path: PathBuf,
        /// Its 1-based line in that file.
        line: usize,
        /// The `doc` both rows name.
        doc: String,
        /// The `line` both rows name.
        doc_line: u64,
        /// The corpus file of the first row.
        first_path: PathBuf,
        /// Its 1-based line in that file.
        first_line: usize,
    },
    /// A training or evaluation setting is out of range.
    #[error("invalid setting `{name}`: {reason}")]
    InvalidParam {
        /// The setting.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// Cross-validation asked for more folds than there are groups.
    #[error("cannot make {folds} folds from {groups} report groups: ask for {groups} folds or fewer")]
    TooFewGroups {
        /// Folds asked for.
        folds: usize,
        /// Distinct groups in the corpus.
        groups: usize,
    },
    /// A model file is unusable.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The optimiser failed even after retrying with stronger regularisation.
    #[error("training failed: {0}")]
    Fit(String),
}

/// Why a model file cannot be loaded. Offsets are byte offsets into the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The file does not start with tiaoli's magic bytes.
    #[error("not a tiaoli model file (it does not start with the magic bytes \"TIAOLI\")")]
    BadMagic,
    /// The file was written in a format version this build does not read.
    #[error("model format version {found} is not supported: this build of tiaoli reads version {supported}; retrain the model with this version or use a matching tiaoli")]
    UnsupportedVersion {
        /// The file's version.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The file ends before its contents do.
    #[error("model file is truncated: {what} at byte {offset} needs {needed} bytes, but the file ends at byte {len}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where.
        offset: usize,
        /// How many bytes it needs.
        needed: usize,
        /// The file's length.
        len: usize,
    },
    /// The payload does not match its checksum.
    #[error("model file is corrupt: checksum mismatch (stored {stored:08x}, computed {computed:08x})")]
    Checksum {
        /// The checksum in the file.
        stored: u32,
        /// The checksum of the bytes read.
        computed: u32,
    },
    /// The contents are inconsistent.
    #[error("model file is corrupt at byte {offset}: {what}")]
    Invalid {
        /// Where.
        offset: usize,
        /// What is wrong.
        what: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
