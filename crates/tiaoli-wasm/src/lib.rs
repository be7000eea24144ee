//! tiaoli for JavaScript: one class, [`Tagger`], wrapping the core model.
//!
//! ```js
//! import init, { Tagger } from "./tiaoli_wasm.js";
//! await init();
//! const tagger = new Tagger();                 // the built-in model
//! for (const p of tagger.tag(text)) console.log(p.line, p.label, p.confidence);
//! const why = tagger.explain(text, 2);         // the paragraph on line 2, and why
//! ```
//!
//! Every method that can fail returns `Result<_, JsError>`, so JavaScript sees a thrown
//! `Error` with a clear message, and the module stays usable: nothing here panics on input.

use serde::Serialize;
use tiaoli::{FittedTagger, Label, Scores};
use wasm_bindgen::prelude::*;

/// The largest text `tag` accepts, in UTF-8 bytes (8 MiB: about 2.8 million Chinese
/// characters, hundreds of reports). Larger input is refused with an error rather than
/// tying up the page. `explain` has the same limit.
pub const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

/// How many words, and how many layout and context features, `explain` gives by default.
pub const EXPLAIN_TOP: u32 = 5;
/// The most of each `explain` gives, whatever `top` asks for.
pub const MAX_EXPLAIN_TOP: u32 = 20;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** A section type. */
export type Label = "title" | "opening" | "work" | "experience" | "problems" | "plans" | "closing" | "boilerplate";

/** One tagged paragraph (a non-empty line of the input). */
export interface TaggedParagraph {
  /** 1-based line number in the input. */
  line: number;
  /**
   * UTF-16 offset of the paragraph's first character: `input.slice(start, end) === text`
   * (a lone surrogate in the input is read as U+FFFD, so then
   * `input.slice(start, end).toWellFormed() === text`).
   */
  start: number;
  /** UTF-16 offset just past the paragraph's last character. */
  end: number;
  /** The line without surrounding white space. */
  text: string;
  /** The most probable type. */
  label: Label;
  /** Its probability. */
  confidence: number;
  /** The probability of every type the model knows. */
  scores: Partial<Record<Label, number>>;
}

/** What a model is and how it was trained. */
export interface ModelInfo {
  formatVersion: number;
  labels: Label[];
  vocabularySize: number;
  wordFeatures: number;
  charFeatures: number;
  dictionarySize: number;
  /** Whether paragraphs are tagged in the context of their document. */
  context: boolean;
  wordNgrams: [number, number] | null;
  charNgrams: [number, number] | null;
  metadata: Record<string, string>;
}

/** One feature that pushed a paragraph towards its type. */
export interface ExplainedFeature {
  /**
   * A word or character n-gram of the paragraph (character n-grams in 「」, with ⟨start⟩ and
   * ⟨end⟩ marking the paragraph's edges), or a layout or context feature in English, such as
   * "starts with 一、" or "its heading looks like plans".
   */
  feature: string;
  /** How much it pushed towards the type (always positive; the list is largest first). */
  weight: number;
}

/** Why one paragraph got its type: what `tag` says about it, and the features behind that. */
export interface Explanation {
  /** 1-based line number in the input. */
  line: number;
  /** The type, as `tag` gives it for this line. */
  label: Label;
  /** Its probability, as `tag` gives it for this line. */
  confidence: number;
  /** The paragraph's words and character n-grams that pushed it most towards `label`. */
  words: ExplainedFeature[];
  /** The layout and context features that did (empty for a model without a context pass). */
  context: ExplainedFeature[];
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "TaggedParagraph[]")]
    pub type TaggedParagraphs;
    #[wasm_bindgen(typescript_type = "Label[]")]
    pub type Labels;
    #[wasm_bindgen(typescript_type = "ModelInfo")]
    pub type JsModelInfo;
    #[wasm_bindgen(typescript_type = "Record<Label, string>")]
    pub type LabelNames;
    #[wasm_bindgen(typescript_type = "Explanation")]
    pub type JsExplanation;
}

/// Tags the paragraphs of Chinese work reports.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Tagger {
    model: FittedTagger,
}

#[derive(Serialize)]
struct TaggedParagraph<'a> {
    line: usize,
    start: usize,
    end: usize,
    text: &'a str,
    label: Label,
    confidence: f32,
    scores: Scores<'a>,
}

#[derive(Serialize)]
struct Explanation<'a> {
    line: usize,
    label: Label,
    confidence: f32,
    words: Vec<ExplainedFeature<'a>>,
    context: Vec<ExplainedFeature<'a>>,
}

#[derive(Serialize)]
struct ExplainedFeature<'a> {
    feature: &'a str,
    weight: f32,
}

impl<'a> ExplainedFeature<'a> {
    fn list(features: &'a [(String, f32)]) -> Vec<Self> {
        features.iter().map(|(feature, weight)| ExplainedFeature { feature, weight: *weight }).collect()
    }
}

/// `tiaoli::ModelInfo` in JavaScript's camelCase: the core serialises it as the command line
/// prints it (snake_case, n-gram ranges flattened), and the JS API's names are its own.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelInfo {
    format_version: u32,
    labels: Vec<&'static str>,
    vocabulary_size: usize,
    word_features: usize,
    char_features: usize,
    dictionary_size: usize,
    context: bool,
    word_ngrams: Option<(u8, u8)>,
    char_ngrams: Option<(u8, u8)>,
    metadata: std::collections::BTreeMap<String, String>,
}

/// Rust values to plain JS objects (maps as objects, not `Map`s).
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    Ok(value.serialize(&serializer)?)
}

impl Default for Tagger {
    fn default() -> Self {
        Tagger::new()
    }
}

#[wasm_bindgen]
impl Tagger {
    /// A tagger with the model built into the package.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Tagger {
        Tagger { model: FittedTagger::default_model() }
    }

    /// A tagger with a model file written by `tiaoli train`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<Tagger, JsError> {
        Ok(Tagger { model: FittedTagger::from_bytes(bytes)? })
    }

    /// Tag every paragraph (non-empty line) of `text`. Throws an `Error` if `text` is over
    /// `maxInputBytes()` (8 MiB of UTF-8).
    pub fn tag(&self, text: &str) -> Result<TaggedParagraphs, JsError> {
        check_size(text)?;
        let mut offsets = Utf16Offsets::new(text);
        let tagged = self.model.tag(text);
        let rows: Vec<TaggedParagraph<'_>> = tagged
            .iter()
            .map(|t| TaggedParagraph {
                line: t.paragraph.line,
                start: offsets.at(t.paragraph.start),
                end: offsets.at(t.paragraph.end),
                text: t.paragraph.text,
                label: t.prediction.label,
                confidence: t.prediction.confidence,
                scores: self.model.scores(&t.prediction),
            })
            .collect();
        Ok(to_js(&rows)?.unchecked_into())
    }

    /// Why the paragraph on 1-based line `line` of `text` has its type: its label and
    /// confidence (tagged in the context of the whole text, exactly as `tag` does), the `top`
    /// words and the `top` layout and context features that pushed it there most (5 if `top` is
    /// not given, at most 20). `undefined` if no paragraph is on that line.
    pub fn explain(&self, text: &str, line: u32, top: Option<u32>) -> Result<Option<JsExplanation>, JsError> {
        check_size(text)?;
        let found: Vec<tiaoli::Paragraph<'_>> = tiaoli::paragraphs(text).collect();
        let Some(index) = found.iter().position(|p| p.line == line as usize) else {
            return Ok(None);
        };
        let texts: Vec<&str> = found.iter().map(|p| p.text).collect();
        let top = top.unwrap_or(EXPLAIN_TOP).min(MAX_EXPLAIN_TOP) as usize;
        let Some((prediction, why)) = self.model.explain_one(&texts, index, top) else {
            return Ok(None);
        };
        let value = Explanation {
            line: found[index].line,
            label: prediction.label,
            confidence: prediction.confidence,
            words: ExplainedFeature::list(&why.words),
            context: ExplainedFeature::list(&why.context),
        };
        Ok(Some(to_js(&value)?.unchecked_into()))
    }

    /// The types this model predicts.
    pub fn labels(&self) -> Result<Labels, JsError> {
        let labels: Vec<&str> = self.model.labels().iter().map(|l| l.as_str()).collect();
        Ok(to_js(&labels)?.unchecked_into())
    }

    /// What the model is and how it was trained.
    pub fn info(&self) -> Result<JsModelInfo, JsError> {
        let info = self.model.info();
        let value = ModelInfo {
            format_version: info.format_version,
            labels: info.labels.iter().map(|l| l.as_str()).collect(),
            vocabulary_size: info.vocabulary_size,
            word_features: info.word_features,
            char_features: info.char_features,
            dictionary_size: info.dictionary_size,
            context: info.context,
            word_ngrams: info.ngrams.words,
            char_ngrams: info.ngrams.chars,
            metadata: info.metadata,
        };
        Ok(to_js(&value)?.unchecked_into())
    }
}

/// The Chinese name of every type.
#[wasm_bindgen(js_name = labelNames)]
pub fn label_names() -> Result<LabelNames, JsError> {
    let names: std::collections::BTreeMap<&str, &str> = Label::ALL.iter().map(|l| (l.as_str(), l.chinese())).collect();
    Ok(to_js(&names)?.unchecked_into())
}

/// Refuses input over [`MAX_INPUT_BYTES`].
fn check_size(text: &str) -> Result<(), JsError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(JsError::new(&format!(
            "the text is too large to tag: {} bytes of UTF-8, the limit is {MAX_INPUT_BYTES} bytes (8 MiB)",
            text.len()
        )));
    }
    Ok(())
}

/// The largest input `tag` and `explain` accept, in UTF-8 bytes.
#[wasm_bindgen(js_name = maxInputBytes)]
pub fn max_input_bytes() -> usize {
    MAX_INPUT_BYTES
}

/// Converts increasing UTF-8 byte offsets of one string to UTF-16 offsets in one pass.
struct Utf16Offsets<'a> {
    text: &'a str,
    byte: usize,
    utf16: usize,
}

impl<'a> Utf16Offsets<'a> {
    fn new(text: &'a str) -> Self {
        Utf16Offsets { text, byte: 0, utf16: 0 }
    }

    /// The UTF-16 offset of byte offset `byte`, which must not be less than the last one asked
    /// for and must be a character boundary.
    fn at(&mut self, byte: usize) -> usize {
        self.utf16 += self.text.get(self.byte..byte).map_or(0, |s| s.chars().map(char::len_utf16).sum());
        self.byte = byte;
        self.utf16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_count_surrogate_pairs() {
        let text = "a😀总\n结";
        let mut o = Utf16Offsets::new(text);
        assert_eq!(o.at(1), 1);
        assert_eq!(o.at(5), 3);
        assert_eq!(o.at(text.len()), 6);
        assert_eq!(text.encode_utf16().count(), 6);
    }
}
