//! What the commands print: tables for people, JSON for programs.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use tiaoli::{
    Calibration, Corpus, CrossValidation, Evaluation, Explanation, Feature, FittedTagger, Label, ModelInfo, Paragraph,
    Prediction, Scored, Scores,
};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A tagged paragraph, with its explanation when `--explain` asked for one.
pub struct Row<'a> {
    pub paragraph: &'a Paragraph<'a>,
    pub prediction: Prediction,
    pub explanation: Option<Explanation>,
}

/// One line of `tag --format jsonl`, with keys in the documented order.
#[derive(Serialize)]
struct TagLine<'a> {
    line: usize,
    label: Label,
    confidence: f32,
    scores: Scores<'a>,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<ExplainJson<'a>>,
}

#[derive(Serialize)]
struct ExplainJson<'a> {
    words: Vec<Contribution<'a>>,
    context: Vec<Contribution<'a>>,
}

#[derive(Serialize)]
struct Contribution<'a> {
    feature: &'a str,
    weight: f32,
}

fn contributions(list: &[(String, f32)]) -> Vec<Contribution<'_>> {
    list.iter().map(|(feature, weight)| Contribution { feature, weight: *weight }).collect()
}

pub fn write_jsonl(out: &mut impl Write, tagger: &FittedTagger, tagged: &[Row<'_>]) -> io::Result<()> {
    for line in tag_lines(tagger, tagged) {
        serde_json::to_writer(&mut *out, &line)?;
        writeln!(out)?;
    }
    Ok(())
}

/// The same objects as [`write_jsonl`], as one JSON array.
pub fn write_json(out: &mut impl Write, tagger: &FittedTagger, tagged: &[Row<'_>]) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &tag_lines(tagger, tagged).collect::<Vec<_>>())?;
    writeln!(out)
}

fn tag_lines<'a>(tagger: &'a FittedTagger, tagged: &'a [Row<'a>]) -> impl Iterator<Item = TagLine<'a>> {
    tagged.iter().map(|t| TagLine {
        line: t.paragraph.line,
        label: t.prediction.label,
        confidence: t.prediction.confidence,
        scores: tagger.scores(&t.prediction),
        text: t.paragraph.text,
        explain: t
            .explanation
            .as_ref()
            .map(|e| ExplainJson { words: contributions(&e.words), context: contributions(&e.context) }),
    })
}

/// Cut `text` to at most `width` terminal columns, marking the cut with `…`.
fn clip(text: &str, width: usize) -> String {
    let text = printable(text);
    if text.width() <= width {
        return text;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `text` safe to print on a terminal: pasted text can hold escape sequences that would
/// retitle or redraw it, so C0 controls become their Control Pictures (␛ for ESC) and DEL and
/// C1 controls become U+FFFD.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}'..='\u{9f}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// `text` padded with spaces to `width` columns (CJK characters take two).
fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

pub fn write_table(out: &mut impl Write, tagged: &[Row<'_>]) -> io::Result<()> {
    writeln!(out, "{:>5}  {}  {:>5}  text", "line", pad("type", 22), "conf")?;
    for t in tagged {
        let label = t.prediction.label;
        let name = format!("{} {}", label.chinese(), label.as_str());
        let conf = t.prediction.confidence;
        writeln!(out, "{:>5}  {}  {:>5.2}  {}", t.paragraph.line, pad(&name, 22), conf, clip(t.paragraph.text, 48))?;
        if let Some(e) = &t.explanation {
            let list = |items: &[(String, f32)]| {
                items.iter().map(|(f, w)| format!("{f} +{w:.2}")).collect::<Vec<_>>().join(", ")
            };
            writeln!(out, "{:>37}words: {}", "", list(&e.words))?;
            if !e.context.is_empty() {
                writeln!(out, "{:>37}context: {}", "", list(&e.context))?;
            }
        }
    }
    Ok(())
}

pub fn write_scored(out: &mut impl Write, s: &Scored) -> io::Result<()> {
    write_evaluation(out, &s.evaluation)?;
    write_calibration(out, &s.calibration)
}

fn write_calibration(out: &mut impl Write, c: &Calibration) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "calibration: expected calibration error {:.3} ({} bins)", c.ece, Calibration::BINS)?;
    writeln!(
        out,
        "             wrong at confidence ≥ {}: {:.1}% of paragraphs",
        Calibration::CONFIDENT,
        100.0 * c.wrong_confident
    )
}

pub fn write_evaluation(out: &mut impl Write, e: &Evaluation) -> io::Result<()> {
    writeln!(out, "{}  {:>9}  {:>6}  {:>6}  {:>7}", pad("type", 22), "precision", "recall", "F1", "support")?;
    for c in &e.per_class {
        let name = format!("{} {}", c.label.chinese(), c.label.as_str());
        writeln!(out, "{}  {:>9.3}  {:>6.3}  {:>6.3}  {:>7}", pad(&name, 22), c.precision, c.recall, c.f1, c.support)?;
    }
    writeln!(out)?;
    writeln!(out, "macro-F1  {:.3}", e.macro_f1)?;
    writeln!(out, "accuracy  {:.3}  ({} paragraphs)", e.accuracy, e.total)?;
    writeln!(out)?;
    writeln!(out, "confusion (rows: true type, columns: predicted)")?;
    write!(out, "{}", pad("", 12))?;
    for l in &e.labels {
        write!(out, "{:>6}", &l.as_str()[..5.min(l.as_str().len())])?;
    }
    writeln!(out)?;
    for (l, row) in e.labels.iter().zip(&e.confusion) {
        write!(out, "{}", pad(l.as_str(), 12))?;
        for n in row {
            write!(out, "{n:>6}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `cv --format json`: the pooled evaluation's fields, then the folds, the drafts score and
/// every held-out prediction, row by row, so other tools can line up theirs with ours.
#[derive(Serialize)]
pub struct CvJson<'a> {
    #[serde(flatten)]
    overall: &'a Evaluation,
    calibration: &'a Calibration,
    #[serde(skip_serializing_if = "Option::is_none")]
    drafts: Option<DraftsJson<'a>>,
    folds: Vec<FoldJson<'a>>,
    seed: u64,
    rows: usize,
    groups: usize,
    train_also: &'a [PathBuf],
    predictions: Vec<PredictionJson<'a>>,
    seconds: f64,
}

#[derive(Serialize)]
struct DraftsJson<'a> {
    #[serde(flatten)]
    scored: &'a Scored,
    cuts: &'static [usize],
}

#[derive(Serialize)]
struct FoldJson<'a> {
    #[serde(flatten)]
    evaluation: &'a Evaluation,
    held_out: &'a str,
    groups: &'a [String],
    train_rows: usize,
}

#[derive(Serialize)]
struct PredictionJson<'a> {
    file: &'a std::path::Path,
    line: usize,
    doc: &'a str,
    fold: usize,
    gold: Label,
    predicted: Label,
    confidence: f32,
}

pub fn cv_json<'a>(
    cv: &'a CrossValidation,
    corpus: &'a Corpus,
    seed: u64,
    train_also: &'a [PathBuf],
    elapsed: Duration,
) -> CvJson<'a> {
    CvJson {
        overall: &cv.overall,
        calibration: &cv.calibration,
        drafts: cv.drafts.as_ref().map(|scored| DraftsJson { scored, cuts: &tiaoli::DRAFT_CUTS }),
        folds: cv
            .folds
            .iter()
            .map(|f| FoldJson {
                evaluation: &f.evaluation,
                held_out: &f.held_out,
                groups: &f.groups,
                train_rows: f.train_rows,
            })
            .collect(),
        seed,
        rows: corpus.len(),
        groups: corpus.group_count(),
        train_also,
        predictions: cv
            .predictions
            .iter()
            .zip(&cv.fold_of)
            .zip(corpus.examples())
            .map(|((p, &fold), e)| PredictionJson {
                file: &e.source.0,
                line: e.source.1,
                doc: &e.doc,
                fold,
                gold: e.label,
                predicted: p.label,
                confidence: p.confidence,
            })
            .collect(),
        seconds: elapsed.as_secs_f64(),
    }
}

pub fn write_cv(
    out: &mut impl Write,
    cv: &CrossValidation,
    corpus: &Corpus,
    train_also: Option<&Corpus>,
) -> io::Result<()> {
    writeln!(out, "{} paragraphs in {} groups, {} folds", corpus.len(), corpus.group_count(), cv.folds.len())?;
    if let Some(also) = train_also {
        writeln!(out, "every fold also trains on {} more paragraphs in {} groups", also.len(), also.group_count())?;
    }
    writeln!(out)?;
    writeln!(out, "{}  groups  train  test  macro-F1  accuracy", pad("held out", 18))?;
    for f in &cv.folds {
        let e = &f.evaluation;
        let name = pad(&f.held_out, 18);
        let (groups, train) = (f.groups.len(), f.train_rows);
        writeln!(out, "{name}  {groups:>6}  {train:>5}  {:>4}  {:>8.3}  {:>8.3}", e.total, e.macro_f1, e.accuracy)?;
    }
    writeln!(out, "\noverall (pooled held-out predictions):\n")?;
    write_evaluation(out, &cv.overall)?;
    write_calibration(out, &cv.calibration)?;
    if let Some(drafts) = &cv.drafts {
        let cuts: Vec<String> = tiaoli::DRAFT_CUTS.iter().map(usize::to_string).collect();
        writeln!(
            out,
            "\ndrafts (every held-out report cut after {} paragraphs, each tagged alone):\n",
            cuts.join(", ")
        )?;
        write_scored(out, drafts)?;
    }
    Ok(())
}

/// `inspect --format json`: the model's summary and each type's strongest terms.
#[derive(Serialize)]
pub struct InspectJson<'a> {
    #[serde(flatten)]
    info: ModelInfo,
    top_features: BTreeMap<Label, Vec<Feature<'a>>>,
}

pub fn inspect_json(tagger: &FittedTagger, top: usize) -> InspectJson<'_> {
    let info = tagger.info();
    let top_features = info.labels.iter().map(|&l| (l, tagger.top_features(l, top))).collect();
    InspectJson { info, top_features }
}

pub fn write_inspect(out: &mut impl Write, tagger: &FittedTagger, top: usize) -> io::Result<()> {
    let info = tagger.info();
    let range = |r: Option<(u8, u8)>| r.map_or("none".to_owned(), |(a, b)| format!("{a}-{b}"));
    writeln!(out, "format version   {}", info.format_version)?;
    writeln!(out, "labels           {}", info.labels.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", "))?;
    writeln!(
        out,
        "vocabulary       {} terms ({} word n-grams {}, {} character n-grams {})",
        info.vocabulary_size,
        info.word_features,
        range(info.ngrams.words),
        info.char_features,
        range(info.ngrams.chars)
    )?;
    writeln!(out, "dictionary       {} jieba entries", info.dictionary_size)?;
    let context =
        if info.context { "yes: layout, neighbours and headings" } else { "no: each paragraph on its own words" };
    writeln!(out, "context pass     {context}")?;
    for (key, value) in &info.metadata {
        // A key as long as the column still gets a space before its value.
        writeln!(out, "{} {value}", pad(key, 16))?;
    }
    for &label in &info.labels {
        writeln!(out, "\n{} {} — strongest features:", label.chinese(), label.as_str())?;
        for f in tagger.top_features(label, top) {
            writeln!(out, "  {:>7.3}  {} {}", f.weight, f.kind.as_str(), f.term)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let shown = clip("标题\u{1b}]0;pwned\u{7}\u{9b}2J", 80);
        assert_eq!(shown, "标题␛]0;pwned␇\u{fffd}2J");
        assert!(!shown.chars().any(char::is_control));
        // Clipping still counts columns on the printable form.
        assert_eq!(clip("\u{1b}\u{1b}\u{1b}\u{1b}", 3), "␛␛…");
    }
}
