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

/// Decode `bytes` as UTF-8 text, or say where the first invalid byte is. Lines are counted as
/// [`crate::paragraphs`] counts them (`\n`, `\r\n` or a lone `\r` ends one), so the line named
/// is the one a tagged paragraph would carry.
///
/// ```
/// let err = tiaoli::decode_utf8(b"ok\nbad \xff", "report.txt").unwrap_err();
/// assert_eq!(err.to_string(), "report.txt:2: invalid UTF-8 (byte 5 of the line); tiaoli reads UTF-8 text only");
/// ```
pub fn decode_utf8(bytes: &[u8], name: impl Into<PathBuf>) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|e| {
        if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
            return Error::Utf16 { path: name.into() };
        }
        let valid = &bytes[..e.valid_up_to()];
        let mut line = 1;
        let mut line_start = 0;
        for (i, &b) in valid.iter().enumerate() {
            // A `\r` right before `\n` is half of one break: the `\n` counts it.
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                line += 1;
                line_start = i + 1;
            }
        }
        Error::InvalidUtf8 { path: name.into(), line, column: valid.len() - line_start + 1 }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn where_(bytes: &[u8]) -> (usize, usize) {
        match decode_utf8(bytes, "t") {
            Err(Error::InvalidUtf8 { line, column, .. }) => (line, column),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_count_as_the_splitter_counts_them() {
        assert_eq!(where_(b"\xff"), (1, 1));
        assert_eq!(where_(b"a\nbc\xff"), (2, 3));
        assert_eq!(where_(b"a\r\nb\r\n\xff"), (3, 1));
        assert_eq!(where_(b"a\rb\rcd\xff"), (3, 3));
        assert_eq!(where_(b"a\r\xff"), (2, 1));
        assert_eq!(where_(b"\n\n\r\r\n  \xe6\x80"), (5, 3), "a character cut short");
    }

    #[test]
    fn utf16_is_named() {
        let utf16: Vec<u8> = [0xfeff_u16, 0x603b, 0x7ed3].iter().flat_map(|u| u.to_le_bytes()).collect();
        let err = decode_utf8(&utf16, "export.txt").unwrap_err();
        assert!(matches!(err, Error::Utf16 { .. }));
        assert!(err.to_string().starts_with("export.txt: the text is UTF-16"), "{err}");
        let be: Vec<u8> = [0xfeff_u16, 0x603b].iter().flat_map(|u| u.to_be_bytes()).collect();
        assert!(matches!(decode_utf8(&be, "x"), Err(Error::Utf16 { .. })));
        // Valid UTF-8 that happens to start like nothing special is unaffected.
        assert_eq!(decode_utf8("总结".as_bytes(), "x").unwrap(), "总结");
    }
}
