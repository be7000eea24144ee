//! The vocabulary's leaf types: which n-grams a model extracts, the two kinds of term, and
//! the segmentation dictionary's entries. Everything else in `features` builds on them.

/// Which word and character n-grams a model extracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Ngrams {
    /// Word n-gram lengths `(min, max)`, or `None` for no word features.
    #[cfg_attr(feature = "serde", serde(rename = "word_ngrams"))]
    pub words: Option<(u8, u8)>,
    /// Character n-gram lengths `(min, max)`, or `None` for no character features.
    #[cfg_attr(feature = "serde", serde(rename = "char_ngrams"))]
    pub chars: Option<(u8, u8)>,
}

/// The two kinds of feature, kept in separate namespaces so a one-character word and the
/// same character never share a weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "lowercase"))]
pub enum TermKind {
    /// A jieba word n-gram; words joined by a space.
    Word,
    /// A character n-gram; `^` and `$` mark the paragraph's start and end.
    Char,
}

impl TermKind {
    /// `"word"` or `"char"`, as `tiaoli inspect` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::Word => "word",
            TermKind::Char => "char",
        }
    }

    pub(crate) fn tag(self) -> u8 {
        match self {
            TermKind::Word => b'w',
            TermKind::Char => b'c',
        }
    }

    pub(crate) fn from_tag(tag: u8) -> Option<TermKind> {
        match tag {
            b'w' => Some(TermKind::Word),
            b'c' => Some(TermKind::Char),
            _ => None,
        }
    }
}

/// One segmentation-dictionary entry a model carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictEntry {
    /// The word.
    pub word: String,
    /// Its frequency in jieba's dictionary.
    pub freq: u32,
}
