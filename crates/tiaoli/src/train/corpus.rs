//! Labelled corpora: JSONL files in the format of ANNOTATION.md.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::label::Label;

/// One labelled paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The paragraph.
    pub text: String,
    /// Its section type.
    pub label: Label,
    /// The source document (`doc`; the file's name when the row has none).
    pub doc: String,
    /// The cross-validation group: `group`, falling back to `doc`. Rows of one report, and
    /// copies of it on other pages, share a group.
    pub group: String,
    /// The sector the report comes from (`sector`), if the row says.
    pub sector: Option<String>,
    /// The kind of report (`genre`: weekly, year-review, …), if the row says.
    pub genre: Option<String>,
    /// Where the row is: corpus file and 1-based line, for messages.
    pub source: (PathBuf, usize),
}

/// A labelled corpus, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Corpus {
    examples: Vec<Example>,
}

impl Corpus {
    /// Build a corpus from examples.
    pub fn from_examples(examples: Vec<Example>) -> Corpus {
        Corpus { examples }
    }

    /// Read labelled JSONL from files and directories. A directory stands for every `*.jsonl`
    /// file below it, in name order. Fails on the first bad row, naming file and line, and
    /// when nothing labelled was read.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Corpus> {
        let mut files = Vec::new();
        for path in paths {
            let path = path.as_ref();
            if path.is_dir() {
                let before = files.len();
                collect_jsonl(path, &mut files)?;
                if files.len() == before {
                    return Err(Error::NoCorpusFiles { path: path.to_owned() });
                }
            } else {
                files.push(path.to_owned());
            }
        }
        let mut corpus = Corpus::default();
        let mut claims = Claims::new();
        for file in &files {
            let bytes = std::fs::read(file).map_err(|source| Error::Io { path: file.clone(), source })?;
            let text = crate::decode_utf8(&bytes, file)?;
            corpus.read_jsonl(file, text, &mut claims)?;
        }
        if corpus.is_empty() {
            let sources = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
            return Err(Error::EmptyCorpus { sources: if sources.is_empty() { "the input".into() } else { sources } });
        }
        Ok(corpus)
    }

    /// Parse JSONL `text` that came from `path` and append its rows. Blank lines are skipped.
    ///
    /// Two rows with the same `doc` and `line` label the same paragraph twice: an error naming
    /// both. The same text elsewhere is fine, even with another label: headings and stock
    /// phrases recur across reports, and the context pass tells them apart by where they stand.
    pub fn extend_from_jsonl(&mut self, path: &Path, text: &str) -> Result<()> {
        self.read_jsonl(path, text, &mut Claims::new())
    }

    /// [`Corpus::extend_from_jsonl`], with the paragraphs claimed by earlier files.
    fn read_jsonl(&mut self, path: &Path, text: &str, claims: &mut Claims) -> Result<()> {
        let default_doc =
            path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned());
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let value: Value = serde_json::from_str(line).map_err(|e| Error::Json {
                path: path.to_owned(),
                line: line_no,
                message: e.to_string(),
            })?;
            let Value::Object(row) = value else {
                return Err(Error::Json { path: path.to_owned(), line: line_no, message: "expected an object".into() });
            };
            let field = RowFields { path, line: line_no, row: &row };
            let text = field.required_str("text")?;
            if text.trim().is_empty() {
                return Err(field.bad("text", "is empty"));
            }
            let label_name = field.required_str("label")?;
            let label = label_name.parse::<Label>().map_err(|source| Error::UnknownLabel {
                path: path.to_owned(),
                line: line_no,
                source,
            })?;
            let doc = field.optional_str("doc")?.map_or_else(|| default_doc.clone(), str::to_owned);
            let group = field.optional_str("group")?.map_or_else(|| doc.clone(), str::to_owned);
            let sector = field.optional_str("sector")?.map(str::to_owned);
            let genre = field.optional_str("genre")?.map(str::to_owned);
            if let Some(doc_line) = field.optional_line()? {
                match claims.entry((doc.clone(), doc_line)) {
                    Entry::Vacant(slot) => {
                        slot.insert((path.to_owned(), line_no));
                    }
                    Entry::Occupied(first) => {
                        let (first_path, first_line) = first.get().clone();
                        return Err(Error::DuplicateRow {
                            path: path.to_owned(),
                            line: line_no,
                            doc,
                            doc_line,
                            first_path,
                            first_line,
                        });
                    }
                }
            }
            self.examples.push(Example {
                text: text.trim().to_owned(),
                label,
                doc,
                group,
                sector,
                genre,
                source: (path.to_owned(), line_no),
            });
        }
        Ok(())
    }

    /// The rows.
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// Rows per label.
    pub fn label_counts(&self) -> BTreeMap<Label, usize> {
        let mut counts = BTreeMap::new();
        for e in &self.examples {
            *counts.entry(e.label).or_insert(0) += 1;
        }
        counts
    }

    /// Number of distinct groups.
    pub fn group_count(&self) -> usize {
        self.examples.iter().map(|e| e.group.as_str()).collect::<std::collections::BTreeSet<_>>().len()
    }

    /// A subset, by row index.
    pub fn select(&self, rows: &[usize]) -> Corpus {
        Corpus { examples: rows.iter().map(|&i| self.examples[i].clone()).collect() }
    }

    /// Append the rows of `other`.
    pub fn extend(&mut self, other: &Corpus) {
        self.examples.extend_from_slice(&other.examples);
    }

    /// SHA-256 of the rows' text, label and group, in order: what a model was trained on.
    pub fn sha256(&self) -> String {
        let mut hasher = Sha256::new();
        for e in &self.examples {
            for part in [e.text.as_str(), e.label.as_str(), e.group.as_str()] {
                hasher.update((part.len() as u64).to_le_bytes());
                hasher.update(part.as_bytes());
            }
        }
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn collect_jsonl(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let io = |source| Error::Io { path: dir.to_owned(), source };
    let mut entries =
        std::fs::read_dir(dir).map_err(io)?.map(|e| e.map(|e| e.path())).collect::<Result<Vec<_>, _>>().map_err(io)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_jsonl(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "jsonl") {
            out.push(path);
        }
    }
    Ok(())
}

/// The paragraphs rows have labelled so far, (`doc`, `line`), with the corpus file and line
/// of the row that did.
type Claims = BTreeMap<(String, u64), (PathBuf, usize)>;

struct RowFields<'a> {
    path: &'a Path,
    line: usize,
    row: &'a Map<String, Value>,
}

impl<'a> RowFields<'a> {
    fn bad(&self, field: &'static str, problem: impl Into<String>) -> Error {
        Error::BadField { path: self.path.to_owned(), line: self.line, field, problem: problem.into() }
    }

    fn optional_str(&self, field: &'static str) -> Result<Option<&'a str>> {
        match self.row.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.bad(field, format!("must be a string, found {}", json_type(other)))),
        }
    }

    /// The row's `line`: where the paragraph is in its document (optional).
    fn optional_line(&self) -> Result<Option<u64>> {
        match self.row.get("line") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => {
                n.as_u64().map(Some).ok_or_else(|| self.bad("line", format!("must be a whole number, found {n}")))
            }
            Some(other) => Err(self.bad("line", format!("must be a number, found {}", json_type(other)))),
        }
    }

    fn required_str(&self, field: &'static str) -> Result<&'a str> {
        self.optional_str(field)?.ok_or_else(|| Error::MissingField {
            path: self.path.to_owned(),
            line: self.line,
            field,
        })
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Corpus> {
        let mut c = Corpus::default();
        c.extend_from_jsonl(Path::new("data/x.jsonl"), text)?;
        Ok(c)
    }

    #[test]
    fn reads_rows_and_falls_back_for_doc_and_group() {
        let c = parse(
            "{\"doc\":\"a\",\"text\":\" 一、主要工作 \",\"label\":\"work\",\"group\":\"g1\"}\n\n{\"text\":\"感谢大家。\",\"label\":\"closing\"}\n",
        )
        .unwrap();
        let e = c.examples();
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].text.as_str(), e[0].label, e[0].group.as_str()), ("一、主要工作", Label::Work, "g1"));
        assert_eq!((e[1].doc.as_str(), e[1].group.as_str()), ("x", "x"));
        assert_eq!(e[1].source.1, 3);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let cases = [
            ("{\"text\":\"甲\",\"label\":\"work\"}\n{\"text\":\"乙\"}", "data/x.jsonl:2: missing field `label`"),
            ("{\"text\": 3, \"label\":\"work\"}", "data/x.jsonl:1: field `text` must be a string, found a number"),
            ("{\"text\":\"甲\",\"label\":\"summary\"}", "data/x.jsonl:1: field `label`: unknown label \"summary\""),
            ("{\"text\":\"甲\",", "data/x.jsonl:1: malformed JSON"),
            ("[1,2]", "data/x.jsonl:1: malformed JSON: expected an object"),
            ("{\"text\":\"  \",\"label\":\"work\"}", "data/x.jsonl:1: field `text` is empty"),
            ("{\"text\":\"甲\",\"label\":\"work\",\"line\":\"3\"}", "data/x.jsonl:1: field `line` must be a number, found a string"),
            ("{\"text\":\"甲\",\"label\":\"work\",\"line\":-1}", "data/x.jsonl:1: field `line` must be a whole number, found -1"),
            (
                "{\"doc\":\"d\",\"line\":3,\"text\":\"甲\",\"label\":\"work\"}\n\n{\"doc\":\"d\",\"line\":3,\"text\":\"甲\",\"label\":\"plans\"}",
                "data/x.jsonl:3: duplicate row: doc `d` line 3 is already labelled at data/x.jsonl:1",
            ),
        ];
        for (input, expected) in cases {
            let message = parse(input).unwrap_err().to_string();
            assert!(message.starts_with(expected), "{message:?} should start with {expected:?}");
        }
    }

    #[test]
    fn the_same_text_may_recur_with_any_label() {
        let c = parse(concat!(
            "{\"doc\":\"a\",\"line\":2,\"text\":\"一、主要工作\",\"label\":\"work\"}\n",
            "{\"doc\":\"b\",\"line\":2,\"text\":\"一、主要工作\",\"label\":\"work\"}\n",
            "{\"doc\":\"a\",\"line\":7,\"text\":\"(一)加强队伍建设。\",\"label\":\"work\"}\n",
            "{\"doc\":\"a\",\"line\":9,\"text\":\"(一)加强队伍建设。\",\"label\":\"plans\"}\n",
            "{\"text\":\"感谢大家。\",\"label\":\"closing\"}\n{\"text\":\"感谢大家。\",\"label\":\"closing\"}\n",
        ))
        .unwrap();
        assert_eq!(c.len(), 6);
    }

    #[test]
    fn a_file_given_twice_is_a_duplicate_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.jsonl");
        std::fs::write(&file, "{\"doc\":\"a\",\"line\":1,\"text\":\"甲\",\"label\":\"work\"}\n").unwrap();
        let err = Corpus::load(&[dir.path().to_path_buf(), file.clone()]).unwrap_err();
        let expected = format!("{0}:1: duplicate row: doc `a` line 1 is already labelled at {0}:1", file.display());
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn hash_changes_with_any_label() {
        let a = parse("{\"text\":\"甲\",\"label\":\"work\"}").unwrap();
        let b = parse("{\"text\":\"甲\",\"label\":\"plans\"}").unwrap();
        assert_ne!(a.sha256(), b.sha256());
        assert_eq!(a.sha256(), parse("{\"text\":\"甲\",\"label\":\"work\"}").unwrap().sha256());
        assert_eq!(a.sha256().len(), 64);
    }
}
