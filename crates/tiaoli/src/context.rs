//! Context: tagging a paragraph by where it stands, not only by its words.
//!
//! A bag of words cannot tell "一、加强队伍建设" under "四、明年打算" (plans) from the same
//! line under "二、主要工作" (work), nor a short unpunctuated title from a heading, nor page
//! junk at the edges of a page. The second pass sees, for every paragraph:
//!
//! - its own first-pass (TF-IDF) probabilities, and those of the paragraphs before and after;
//! - the first-pass probabilities and the marker of the heading it sits under;
//! - layout no bag of words sees: heading marker (一、 / (一) / 1、 / 1. / 第一 / ① / # …),
//!   trailing punctuation, length, position in the text and in its report (between the
//!   titles around it), distance from the last and the next title-like line;
//! - the first-pass probabilities of its *section heading*: the last heading of the highest
//!   outline level in the report so far, so an item under "(二)…" under "四、今后打算" is read
//!   as part of the plans.
//!
//! It runs in rounds: the first reads the first-pass scores; the second reads the same
//! layout with the first round's scores in their place, so what a heading was finally
//! taken for reaches the items under it.
//!
//! # Why stacking, and what was measured
//!
//! Each round is a multinomial logistic regression over about a hundred features, fitted on
//! *out-of-fold* scores: each training paragraph's scores come from a model that did not see
//! its report (training on in-sample scores would teach a round to trust the one before far
//! more than it deserves). It is cheap at inference, needs nothing but the model file, and it
//! can say which features decided a paragraph.
//!
//! Macro-F1, 5-fold cross-validation grouped by report. "Seed folds" are the folds of
//! `../shared/corpus` (451 paragraphs from real report pages), each fold also training on
//! all of `data/corpus` (`tiaoli cv --data ../shared/corpus --train-also data/corpus`);
//! "both" puts both corpora in the folds (1,663 paragraphs); "sectors" holds out one sector
//! at a time (`--by sector`, both corpora).
//!
//! | | seed folds | both | sectors |
//! |---|---|---|---|
//! | per paragraph (`--context off`) | 0.645 | 0.814 | |
//! | one round, as shipped before (α 1.0) | 0.777 | 0.908 | |
//! | + section heading, position in the report | 0.791 | 0.911 | 0.896 |
//! | same, α 0.3 | 0.796 | 0.911 | 0.886 |
//! | two rounds, α 1.0 | 0.782 | 0.895 | |
//! | **two rounds, α 0.3 (the default)** | **0.803** | 0.892 | 0.877 |
//! | first pass + Viterbi over learned transitions, λ 0.5 | 0.750 | 0.913 | |
//! | first pass + Viterbi, λ 1.0 | 0.670 | 0.919 | |
//! | one round + Viterbi, λ 0.3 / 0.6 / 1.0 | 0.780 / 0.759 / 0.735 | 0.910 / 0.909 / 0.907 | |
//!
//! The default is chosen on the seed folds, the only real report pages we have: there the
//! second round lifts `plans` from 0.46 to 0.55 F1 and `problems` from 0.74 to 0.79, because a
//! plans heading's final reading reaches the items under it. On the project's own corpus,
//! written to the annotation guide by one team, one round does about 0.02 better; a model
//! for that kind of text can be trained with `--context-rounds 1 --context-alpha 1`.
//!
//! Sequence decoding (Viterbi with label-transition log-probabilities learned from the
//! training reports, weighted by λ, over the per-paragraph or the context probabilities)
//! was measured and dropped: over the first pass it does as well as stacking on the
//! project's corpus but much worse on the seed folds (it cannot see layout or headings, and
//! its transitions, learned mostly from one team's reports, overrule the evidence); over the
//! context pass it counts the neighbours twice and only lowers scores.
//!
//! Drafts are prefixes of reports: the pass also learns from each document cut after a third
//! and after two thirds. Balancing the pass's classes again (the first-pass scores are
//! balanced already) lowered macro-F1 on the seed corpus from 0.546 to 0.468.

use crate::label::Label;

/// The heading marker a paragraph starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    /// 一、 二. 十一、
    CnNumber,
    /// (一) （二）
    ParenCn,
    /// 1、
    ArabicComma,
    /// 1. 1．
    ArabicDot,
    /// (1) （2）
    ParenArabic,
    /// 第一 第二部分
    Ordinal,
    /// ① ②
    Circled,
    /// 一是 二是 首先 其次
    Enumerated,
    /// # ## - * 【
    Markup,
}

const MARKERS: [Marker; 9] = [
    Marker::CnNumber,
    Marker::ParenCn,
    Marker::ArabicComma,
    Marker::ArabicDot,
    Marker::ParenArabic,
    Marker::Ordinal,
    Marker::Circled,
    Marker::Enumerated,
    Marker::Markup,
];

impl Marker {
    fn name(self) -> &'static str {
        match self {
            Marker::CnNumber => "一、",
            Marker::ParenCn => "(一)",
            Marker::ArabicComma => "1、",
            Marker::ArabicDot => "1.",
            Marker::ParenArabic => "(1)",
            Marker::Ordinal => "第一",
            Marker::Circled => "①",
            Marker::Enumerated => "一是",
            Marker::Markup => "#/-/【】",
        }
    }
}

fn is_cn_digit(c: char) -> bool {
    matches!(c, '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' | '零' | '〇')
}

/// The marker `text` starts with, if any.
pub(crate) fn marker(text: &str) -> Option<Marker> {
    let chars: Vec<char> = text.chars().take(8).collect();
    let first = *chars.first()?;
    let after = |pred: fn(char) -> bool, from: usize| chars[from..].iter().position(|&c| !pred(c)).map(|i| i + from);
    if matches!(first, '#' | '【' | '-' | '*' | '•' | '·') {
        return Some(Marker::Markup);
    }
    if ('①'..='⑳').contains(&first) {
        return Some(Marker::Circled);
    }
    if first == '第' && chars.get(1).is_some_and(|&c| is_cn_digit(c)) {
        return Some(Marker::Ordinal);
    }
    if is_cn_digit(first) {
        let end = after(is_cn_digit, 0)?;
        return match chars[end] {
            '、' | '.' | '．' | ',' | '，' => Some(Marker::CnNumber),
            '是' => Some(Marker::Enumerated),
            _ => None,
        };
    }
    if first.is_ascii_digit() {
        let end = after(|c| c.is_ascii_digit(), 0)?;
        return match (chars[end], chars.get(end + 1)) {
            ('、', _) => Some(Marker::ArabicComma),
            ('.' | '．', Some(c)) if !c.is_ascii_digit() => Some(Marker::ArabicDot),
            _ => None,
        };
    }
    if matches!(first, '(' | '（') {
        let inner = chars.get(1).copied()?;
        if is_cn_digit(inner) {
            return Some(Marker::ParenCn);
        }
        if inner.is_ascii_digit() {
            return Some(Marker::ParenArabic);
        }
    }
    if text.starts_with("首先") || text.starts_with("其次") || text.starts_with("再次") {
        return Some(Marker::Enumerated);
    }
    None
}

/// How a paragraph ends.
fn ending(text: &str) -> usize {
    match text.chars().last() {
        Some(':' | '：') => 0,
        Some('。' | '.' | '!' | '！' | '?' | '？' | '…') => 1,
        Some(';' | '；' | ',' | '，' | '、') => 2,
        Some(c) if c.is_alphanumeric() => 3,
        _ => 4,
    }
}
const ENDINGS: [&str; 5] =
    ["ends with a colon", "ends a sentence", "ends with ;/,", "no final punctuation", "ends with a bracket or symbol"];

fn length_bucket(chars: usize) -> usize {
    match chars {
        0..=8 => 0,
        9..=15 => 1,
        16..=30 => 2,
        31..=60 => 3,
        61..=120 => 4,
        _ => 5,
    }
}
const LENGTHS: [&str; 6] = ["≤8 chars", "9–15 chars", "16–30 chars", "31–60 chars", "61–120 chars", ">120 chars"];

/// Whether a paragraph reads as a heading: a marker or a final colon, short, not a sentence.
#[cfg(test)]
fn is_heading(text: &str, chars: usize) -> bool {
    reads_as_heading(text, chars, marker(text), ending(text))
}

/// [`is_heading`] from the paragraph's marker and [`ending`], already found.
fn reads_as_heading(text: &str, chars: usize, marker: Option<Marker>, ending: usize) -> bool {
    let marked = marker.is_some_and(|m| m != Marker::Enumerated);
    text.starts_with('#') || (chars <= 30 && ending != 1 && ending != 2 && (marked || ending == 0))
}

fn distance_bucket(d: Option<usize>, edges: &[usize]) -> usize {
    match d {
        None => edges.len() + 1,
        Some(d) => edges.iter().position(|&e| d <= e).unwrap_or(edges.len()),
    }
}
const SINCE_TITLE_EDGES: [usize; 4] = [0, 1, 2, 5];
const SINCE_TITLE: [&str; 6] =
    ["is title-like", "1 after a title", "2 after a title", "3–5 after a title", "6+ after a title", "no title before"];
const TO_TITLE_EDGES: [usize; 3] = [1, 2, 4];
const TO_TITLE: [&str; 5] =
    ["1 before a title", "2 before a title", "3–4 before a title", "5+ before a title", "no title after"];

/// The layout of the second-pass feature vector, for a model with `k` labels.
#[derive(Clone, Copy, Debug)]
struct Layout {
    k: usize,
}

impl Layout {
    /// Blocks of first-pass scores: self, previous, next, heading, 2 before, 2 after, section
    /// heading.
    const SCORE_BLOCKS: usize = 7;

    fn scores(&self, block: usize) -> usize {
        block * self.k
    }
    fn flags(&self) -> usize {
        Self::SCORE_BLOCKS * self.k
    }
    // A table of contents is a run of headings with no body between them: whether the
    // neighbours read as headings tells it from the real ones.
    const FLAGS: [&'static str; 8] = [
        "first paragraph",
        "second paragraph",
        "last paragraph",
        "second to last",
        "under no heading",
        "heading-like",
        "the paragraph before is heading-like",
        "the paragraph after is heading-like",
    ];
    fn marker(&self) -> usize {
        self.flags() + Self::FLAGS.len()
    }
    fn heading_marker(&self) -> usize {
        self.marker() + MARKERS.len() + 1
    }
    fn ending(&self) -> usize {
        self.heading_marker() + MARKERS.len() + 1
    }
    fn length(&self) -> usize {
        self.ending() + ENDINGS.len()
    }
    fn since_title(&self) -> usize {
        self.length() + LENGTHS.len()
    }
    fn until_title(&self) -> usize {
        self.since_title() + SINCE_TITLE.len()
    }
    fn position(&self) -> usize {
        self.until_title() + TO_TITLE.len()
    }
    fn report_position(&self) -> usize {
        self.position() + 1
    }
    fn len(&self) -> usize {
        self.report_position() + 1
    }
}

/// The most rounds a context pass may have.
pub(crate) const MAX_ROUNDS: usize = 8;

/// Number of second-pass features for `k` labels.
pub(crate) fn feature_count(k: usize) -> usize {
    Layout { k }.len()
}

/// A readable name of second-pass feature `j`, for explanations.
pub(crate) fn feature_name(j: usize, labels: &[Label]) -> String {
    let l = Layout { k: labels.len() };
    let marker_name = |i: usize| MARKERS.get(i).map_or("no marker", |m| m.name());
    if j < l.flags() {
        let (block, label) = (j / l.k, labels[j % l.k]);
        return match block {
            0 => format!("its words say {label}"),
            1 => format!("the paragraph before looks like {label}"),
            2 => format!("the paragraph after looks like {label}"),
            3 => format!("its heading looks like {label}"),
            4 => format!("2 paragraphs before looks like {label}"),
            5 => format!("2 paragraphs after looks like {label}"),
            _ => format!("its section heading looks like {label}"),
        };
    }
    if j < l.marker() {
        return Layout::FLAGS[j - l.flags()].to_owned();
    }
    if j < l.heading_marker() {
        return format!("starts with {}", marker_name(j - l.marker()));
    }
    if j < l.ending() {
        return format!("under a heading starting with {}", marker_name(j - l.heading_marker()));
    }
    if j < l.length() {
        return ENDINGS[j - l.ending()].to_owned();
    }
    if j < l.since_title() {
        return LENGTHS[j - l.length()].to_owned();
    }
    if j < l.until_title() {
        return SINCE_TITLE[j - l.since_title()].to_owned();
    }
    if j < l.position() {
        return TO_TITLE[j - l.until_title()].to_owned();
    }
    if j == l.position() {
        return "position in the text".to_owned();
    }
    "position in its report".to_owned()
}

/// How high a heading with this marker sits in a report's outline: 0 for the top level
/// (一、 / 第一 / #), larger further down. A heading without a marker (ended by a colon) sits
/// with the 1、 level.
fn rank(m: Option<Marker>) -> usize {
    match m {
        Some(Marker::CnNumber | Marker::Ordinal | Marker::Markup) => 0,
        Some(Marker::ParenCn) => 1,
        Some(Marker::ArabicComma | Marker::ArabicDot) | None => 2,
        Some(Marker::ParenArabic) => 3,
        Some(Marker::Circled) => 4,
        Some(Marker::Enumerated) => 5,
    }
}

/// What the context features read from one paragraph's own text.
struct Facts {
    chars: usize,
    marker: Option<Marker>,
    ending: usize,
    heading: bool,
}

impl Facts {
    fn of(text: &str) -> Facts {
        let (chars, marker, ending) = (text.chars().count(), marker(text), ending(text));
        Facts { chars, marker, ending, heading: reads_as_heading(text, chars, marker, ending) }
    }

    /// The marker's one-hot index, [`MARKERS`]`.len()` for none.
    fn marker_index(&self) -> usize {
        self.marker.and_then(|m| MARKERS.iter().position(|&x| x == m)).unwrap_or(MARKERS.len())
    }
}

/// Second-pass features of a document: `texts` are its paragraphs in order, `first` their
/// first-pass probabilities (`labels` order). Returns `texts.len() × feature_count` values,
/// row-major.
pub(crate) fn features(texts: &[&str], first: &[Vec<f32>], labels: &[Label]) -> Vec<f32> {
    let k = labels.len();
    let l = Layout { k };
    let d = l.len();
    let n = texts.len();
    let mut out = vec![0.0f32; n * d];
    let title = labels.iter().position(|&x| x == Label::Title);
    let title_like: Vec<bool> = first.iter().map(|p| Some(argmax(p)) == title).collect();
    // What each paragraph says on its own, on all cores for a long input; the loop below only
    // looks things up.
    let facts: Vec<Facts> = crate::parallel::split_map(texts, |part| part.iter().map(|t| Facts::of(t)).collect());
    let headings: Vec<bool> = facts.iter().map(|f| f.heading).collect();

    let mut last_heading: Option<usize> = None;
    // The last heading of the highest outline level seen in this report: an item under
    // "(二)…" under "四、今后打算" belongs to the plans, whatever "(二)" says.
    let mut section: Option<(usize, usize)> = None;
    let mut last_title: Option<usize> = None;
    let mut next_title: Vec<Option<usize>> = vec![None; n];
    let mut upcoming = None;
    for i in (0..n).rev() {
        next_title[i] = upcoming;
        if title_like[i] {
            upcoming = Some(i);
        }
    }
    for i in 0..n {
        let row = &mut out[i * d..(i + 1) * d];
        let mut put_scores = |block: usize, j: Option<usize>| {
            if let Some(j) = j {
                row[l.scores(block)..l.scores(block) + k].copy_from_slice(&first[j]);
            }
        };
        put_scores(0, Some(i));
        put_scores(1, i.checked_sub(1));
        put_scores(2, (i + 1 < n).then_some(i + 1));
        put_scores(3, last_heading);
        put_scores(4, i.checked_sub(2));
        put_scores(5, (i + 2 < n).then_some(i + 2));
        put_scores(6, section.map(|(h, _)| h));
        let f = l.flags();
        row[f] = f32::from(i == 0);
        row[f + 1] = f32::from(i == 1);
        row[f + 2] = f32::from(i + 1 == n);
        row[f + 3] = f32::from(i + 2 == n);
        row[f + 4] = f32::from(last_heading.is_none());
        row[f + 5] = f32::from(headings[i]);
        row[f + 6] = f32::from(i > 0 && headings[i - 1]);
        row[f + 7] = f32::from(i + 1 < n && headings[i + 1]);
        row[l.marker() + facts[i].marker_index()] = 1.0;
        row[l.heading_marker() + last_heading.map_or(MARKERS.len(), |h| facts[h].marker_index())] = 1.0;
        row[l.ending() + facts[i].ending] = 1.0;
        row[l.length() + length_bucket(facts[i].chars)] = 1.0;
        let since = if title_like[i] { Some(0) } else { last_title.map(|t| i - t) };
        row[l.since_title() + distance_bucket(since, &SINCE_TITLE_EDGES)] = 1.0;
        row[l.until_title() + distance_bucket(next_title[i].map(|t| t - i), &TO_TITLE_EDGES)] = 1.0;
        row[l.position()] = if n > 1 { i as f32 / (n - 1) as f32 } else { 0.0 };
        // Pages hold several reports: where the paragraph stands between the titles around it.
        let start = last_title.map_or(0, |t| t + 1).min(i);
        let end = next_title[i].map_or(n, |t| t);
        row[l.report_position()] = if end > start + 1 { (i - start) as f32 / (end - 1 - start) as f32 } else { 0.0 };

        if headings[i] {
            last_heading = Some(i);
            let r = rank(facts[i].marker);
            if section.is_none_or(|(_, best)| r <= best) {
                section = Some((i, r));
            }
        }
        if title_like[i] {
            last_title = Some(i);
            // A new report starts: its headings are not the last report's.
            last_heading = None;
            section = None;
        }
    }
    out
}

/// The fitted context pass: one or more rounds. The first reads the first-pass scores; each
/// later round reads the same layout with the previous round's scores in place of the first
/// pass's, so what a heading was finally taken for reaches the items under it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ContextModel {
    pub(crate) rounds: Vec<Round>,
}

/// One round of the context pass: a multinomial logistic regression over [`features`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Round {
    /// `feature_count(k) × k`, row-major by feature.
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
}

impl ContextModel {
    /// Run every round over a document: its paragraphs `texts`, their first-pass
    /// probabilities `first`. Returns the last round's features and the final probabilities.
    pub(crate) fn run(&self, texts: &[&str], first: Vec<Vec<f32>>, labels: &[Label]) -> (Vec<f32>, Vec<Vec<f32>>) {
        let mut scores = first;
        let mut x = Vec::new();
        for round in &self.rounds {
            x = features(texts, &scores, labels);
            scores = round.predict(&x, labels.len());
        }
        (x, scores)
    }

    /// The `top` features of the last round that pushed paragraph `i` most towards label
    /// index `label` (see [`Round::explain`]); `x` is the last round's features, from
    /// [`Self::run`].
    pub(crate) fn explain(
        &self,
        x: &[f32],
        labels: &[Label],
        i: usize,
        label: usize,
        top: usize,
    ) -> Vec<(String, f32)> {
        self.rounds.last().map_or_else(Vec::new, |round| round.explain(x, labels, i, label, top))
    }
}

impl Round {
    /// Probabilities of every paragraph of a document, from its [`features`] for a model
    /// with `k` labels.
    pub(crate) fn predict(&self, x: &[f32], k: usize) -> Vec<Vec<f32>> {
        let rows: Vec<&[f32]> = x.chunks_exact(feature_count(k)).collect();
        // Rows are independent given the features, so a long input is split over the cores.
        crate::parallel::split_map(&rows, |part| part.iter().map(|row| self.predict_row(row, k)).collect())
    }

    fn predict_row(&self, row: &[f32], k: usize) -> Vec<f32> {
        let mut logits = self.bias.clone();
        for (j, &v) in row.iter().enumerate() {
            if v != 0.0 {
                for (logit, w) in logits.iter_mut().zip(&self.weights[j * k..(j + 1) * k]) {
                    *logit += v * w;
                }
            }
        }
        softmax(&mut logits);
        logits
    }

    /// The `top` features that pushed paragraph `i` most towards label index `label`, with
    /// their contribution (feature value × how much more the weight favours `label` than the
    /// average label). `x` is the document's [`features`].
    fn explain(&self, x: &[f32], labels: &[Label], i: usize, label: usize, top: usize) -> Vec<(String, f32)> {
        let k = labels.len();
        let d = feature_count(k);
        let mut out: Vec<(usize, f32)> = x[i * d..(i + 1) * d]
            .iter()
            .enumerate()
            .filter(|(_, &v)| v != 0.0)
            .map(|(j, &v)| {
                let w = &self.weights[j * k..(j + 1) * k];
                (j, v * (w[label] - w.iter().sum::<f32>() / k as f32))
            })
            .filter(|&(_, c)| c > 0.0)
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.truncate(top);
        out.into_iter().map(|(j, c)| (feature_name(j, labels), c)).collect()
    }
}

/// The index of the largest value; ties go to the earlier index, so a result never depends
/// on float noise in label order.
pub(crate) fn argmax(values: &[f32]) -> usize {
    (1..values.len()).fold(0, |best, i| if values[i] > values[best] { i } else { best })
}

pub(crate) fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in logits.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in logits.iter_mut() {
        *v /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_recognised() {
        let cases = [
            ("一、主要工作", Some(Marker::CnNumber)),
            ("十二.其他", Some(Marker::CnNumber)),
            ("(三)加强学习", Some(Marker::ParenCn)),
            ("（三）加强学习", Some(Marker::ParenCn)),
            ("2、做好服务", Some(Marker::ArabicComma)),
            ("3.做好服务", Some(Marker::ArabicDot)),
            ("3.5万元", None),
            ("(2)其他", Some(Marker::ParenArabic)),
            ("第二部分 打算", Some(Marker::Ordinal)),
            ("③完善制度", Some(Marker::Circled)),
            ("二是加强培训", Some(Marker::Enumerated)),
            ("## 问题", Some(Marker::Markup)),
            ("【本周】", Some(Marker::Markup)),
            ("2024年工作总结", None),
            ("一年来,我们", None),
        ];
        for (text, expected) in cases {
            assert_eq!(marker(text), expected, "{text}");
        }
    }

    #[test]
    fn headings_are_short_unfinished_or_marked() {
        assert!(is_heading("三、存在的问题", 7));
        assert!(is_heading("存在的问题:", 6));
        assert!(!is_heading("三、存在的问题。一是人员少,二是经费不足,三是制度不健全,影响了工作开展。", 38));
        assert!(!is_heading("一年来我们做了很多工作。", 12));
    }

    #[test]
    fn features_see_neighbours_headings_and_layout() {
        let labels = [Label::Title, Label::Work, Label::Plans];
        let texts = ["2024年工作总结", "三、明年打算", "一要加强学习。"];
        let first = vec![vec![0.9, 0.05, 0.05], vec![0.1, 0.3, 0.6], vec![0.1, 0.8, 0.1]];
        let x = features(&texts, &first, &labels);
        let d = feature_count(3);
        assert_eq!(x.len(), 3 * d);
        let l = Layout { k: 3 };
        let row = &x[2 * d..3 * d];
        assert_eq!(&row[0..3], &first[2][..], "own scores");
        assert_eq!(&row[l.scores(1)..l.scores(1) + 3], &first[1][..], "previous");
        assert_eq!(&row[l.scores(2)..l.scores(2) + 3], &[0.0; 3], "no next");
        assert_eq!(&row[l.scores(3)..l.scores(3) + 3], &first[1][..], "the heading it sits under");
        assert_eq!(row[l.flags() + 2], 1.0, "last paragraph");
        assert_eq!(row[l.heading_marker()], 1.0, "heading starts with 一、");
        assert_eq!(row[l.position()], 1.0);
        assert_eq!(x[l.since_title()], 1.0, "the title is title-like");
        for j in 0..d {
            assert!(!feature_name(j, &labels).is_empty());
        }
    }
}
