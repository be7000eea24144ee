//! Training-time variants of labelled reports: the same report as people also write it.
//!
//! The labelled corpora are mostly reports as published: numbered headings (一、 (二) 3.),
//! full sentences. Drafts typed into the page are often Markdown (`## 下一步`, `- 修复…`),
//! bare (headings without numbers, items without a full stop) or numbered another way. A
//! model that saw none of those reads a `- ` item as page junk and a bare heading as a title.
//! So training adds, for every report, two copies with the same labels:
//! - one restyled: its headings and items rewritten in another style, chosen by the report's
//!   name so the same corpus always gives the same copies, between a line of page markup at
//!   each edge (boilerplate);
//! - its skeleton, as a first draft reads: the headings, and under each at most
//!   [`SKELETON_ITEMS`] paragraphs, each cut to its first clause.
//!
//! A copy keeps its report's group, so it never lands on the other side of a fold from the
//! report it came from.

use super::corpus::{Corpus, Example};
use super::folds::{documents, fnv1a};
use crate::label::Label;
use crate::model::context::{outline, strip_marker};

/// The styles a report is restyled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `# title`, `## heading`, `### subheading`, `- item`.
    Markdown,
    /// Headings and items without markers; short items without a full stop.
    Bare,
    /// `**heading**` and `1. item`.
    Emphasis,
}

const STYLES: [Style; 3] = [Style::Markdown, Style::Bare, Style::Emphasis];

/// Paragraphs a skeleton keeps under each heading.
const SKELETON_ITEMS: usize = 2;

/// Items this short are list items, which a restyled report marks as such; longer paragraphs
/// stay as they are.
const ITEM_CHARS: usize = 60;

/// A restyled copy and the skeleton of every document of `corpus` (see the module docs), as
/// rows of new documents named `<doc>#<style>` and `<doc>#skeleton`.
pub(crate) fn variants(corpus: &Corpus) -> Vec<Example> {
    let mut out = Vec::new();
    // Page markup is boilerplate: a corpus without that type gets no markup lines, so a model
    // trained on it still predicts only its own types.
    let markup = corpus.label_counts().contains_key(&Label::Boilerplate);
    for rows in documents(corpus) {
        let examples: Vec<&Example> = rows.iter().map(|&i| &corpus.examples()[i]).collect();
        let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
        let ranks = outline(&texts);
        restyle(&examples, &ranks, markup, &mut out);
        skeleton(&examples, &ranks, &mut out);
    }
    out
}

/// `rows` of a report split at its top-level headings (`ranks` from
/// [`crate::model::context::outline`]): what comes before the first, and each section from its
/// heading on.
pub(crate) fn sections<'a>(rows: &'a [usize], ranks: &[Option<usize>]) -> (&'a [usize], Vec<&'a [usize]>) {
    let Some(top) = ranks.iter().flatten().min() else {
        return (rows, Vec::new());
    };
    let starts: Vec<usize> = (0..rows.len()).filter(|&i| ranks[i] == Some(*top)).collect();
    let bounds = starts.iter().copied().zip(starts.iter().skip(1).copied().chain([rows.len()]));
    (&rows[..starts[0]], bounds.map(|(a, b)| &rows[a..b]).collect())
}

/// The skeleton of a report: see the module docs. Only a report with headings has one: the
/// first clauses of a report of bare paragraphs read as nothing in particular.
fn skeleton(examples: &[&Example], ranks: &[Option<usize>], out: &mut Vec<Example>) {
    if ranks.iter().flatten().count() < 2 {
        return;
    }
    let mut under: Option<usize> = None;
    for (e, rank) in examples.iter().zip(ranks) {
        let text = if rank.is_some() || e.label == Label::Title {
            under = rank.map(|_| 0);
            e.text.clone()
        } else {
            match &mut under {
                // Before the first heading: the opening, as it is.
                None => e.text.clone(),
                Some(n) => {
                    *n += 1;
                    if *n > SKELETON_ITEMS {
                        continue;
                    }
                    first_clause(&e.text)
                }
            }
        };
        out.push(Example { text, doc: format!("{}#skeleton", e.doc), ..(*e).clone() });
    }
}

/// `text` up to its first clause's end (，。；), ended with a full stop.
fn first_clause(text: &str) -> String {
    // Past a few characters, so a marker such as "1、" or a short lead does not end the clause.
    let start = text.char_indices().nth(4).map_or(text.len(), |(i, _)| i);
    match text[start..].find(['，', '。', '；', ',', ';']) {
        Some(end) => format!("{}。", &text[..start + end]),
        None => text.to_owned(),
    }
}

/// One copy of a report in another style: see the module docs.
fn restyle(examples: &[&Example], ranks: &[Option<usize>], markup: bool, out: &mut Vec<Example>) {
    let hash = fnv1a(examples[0].doc.as_bytes());
    let style = STYLES[(hash % STYLES.len() as u64) as usize];
    let doc = format!("{}#{style:?}", examples[0].doc);
    // Page markup at both edges, as a report copied with its page's source carries it.
    let junk = |text: String| Example { text, label: Label::Boilerplate, doc: doc.clone(), ..examples[0].clone() };
    let title = examples.iter().find(|e| e.label == Label::Title).map_or("", |e| e.text.as_str());
    let head = match hash >> 8 & 3 {
        0 => format!("<!DOCTYPE html><html><head><title>{title}</title></head><body>"),
        1 => format!("<div class=\"crumb\"><a href=\"/\">首页</a> &gt; <a href=\"/list/\">{title}</a></div>"),
        2 => "<script type=\"text/javascript\" src=\"/static/js/common.js\"></script>".to_owned(),
        _ => "<meta name=\"viewport\" content=\"width=device-width\">".to_owned(),
    };
    let tail = match hash >> 12 & 3 {
        0 => "</div></body></html>".to_owned(),
        1 => "<script>var _hmt = _hmt || [];</script>".to_owned(),
        2 => "<div class=\"footer\">Copyright &copy; 版权所有</div>".to_owned(),
        _ => "</p></div>".to_owned(),
    };
    if markup {
        out.push(junk(head));
    }
    let mut item = 0;
    for (e, rank) in examples.iter().zip(ranks) {
        let body = strip_marker(&e.text);
        let short = e.text.chars().count() <= ITEM_CHARS;
        let text = match (style, rank) {
            _ if e.label == Label::Boilerplate => e.text.clone(),
            (Style::Markdown, _) if e.label == Label::Title => format!("# {}", e.text),
            (Style::Markdown, Some(0)) => format!("## {body}"),
            (Style::Markdown, Some(_)) => format!("### {body}"),
            (Style::Emphasis, Some(_)) => {
                item = 0;
                format!("**{body}**")
            }
            (Style::Bare, Some(_)) => body.to_owned(),
            (_, None) if !short || e.label == Label::Title => e.text.clone(),
            (Style::Markdown, None) => format!("- {body}"),
            (Style::Emphasis, None) => {
                item += 1;
                format!("{item}. {body}")
            }
            (Style::Bare, None) => body.trim_end_matches(['。', '；', ';']).to_owned(),
        };
        if text.trim().is_empty() {
            continue;
        }
        out.push(Example { text, doc: doc.clone(), ..(*e).clone() });
    }
    if markup {
        out.push(junk(tail));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(doc: &str, rows: &[(&str, Label)]) -> Vec<Example> {
        rows.iter()
            .enumerate()
            .map(|(i, &(text, label))| Example {
                text: text.into(),
                label,
                doc: doc.into(),
                group: "g".into(),
                sector: None,
                genre: None,
                source: ("t".into(), i + 1),
            })
            .collect()
    }

    #[test]
    fn every_report_gets_one_restyled_copy_with_its_labels_and_group() {
        let rows = [
            ("区档案馆2024年工作总结", Label::Title),
            ("一、主要工作", Label::Work),
            ("完成馆藏数字化3万卷。", Label::Work),
            ("二、存在的问题", Label::Problems),
            ("库房面积不足。", Label::Problems),
            ("首页 > 工作总结", Label::Boilerplate),
        ];
        // Enough reports that every style comes up.
        let docs: Vec<Example> = (0..12).flat_map(|d| report(&format!("doc{d}"), &rows)).collect();
        let all = variants(&Corpus::from_examples(docs));
        let (skeletons, copies): (Vec<&Example>, Vec<&Example>) =
            all.iter().partition(|c| c.doc.ends_with("#skeleton"));
        assert_eq!(skeletons.len(), 12 * rows.len(), "a heading with two items at most: nothing to leave out");
        // Each restyled copy is framed by a line of page markup, which is boilerplate.
        let framed = rows.len() + 2;
        assert_eq!(copies.len(), 12 * framed);
        for copy in copies.chunks(framed) {
            assert!(copy.iter().all(|c| c.group == "g"));
            for edge in [copy[0], copy[framed - 1]] {
                assert!(edge.text.starts_with('<') && edge.label == Label::Boilerplate, "{edge:?}");
            }
            assert!(copy[1..=rows.len()].iter().zip(&rows).all(|(c, r)| c.label == r.1));
        }
        let texts: Vec<&str> = copies.iter().map(|c| c.text.as_str()).collect();
        for expected in [
            "## 主要工作",
            "- 完成馆藏数字化3万卷。",
            "**存在的问题**",
            "1. 库房面积不足。",
            "存在的问题",
            "库房面积不足",
        ] {
            assert!(texts.contains(&expected), "no {expected:?} in {texts:?}");
        }
        assert!(copies.iter().all(|c| c.doc.contains('#')));
    }

    #[test]
    fn a_corpus_without_boilerplate_gets_no_markup_lines() {
        let rows = [("一、主要工作", Label::Work), ("完成年度计划。", Label::Work), ("二、打算", Label::Plans)];
        let copies = variants(&Corpus::from_examples(report("d", &rows)));
        assert!(copies.iter().all(|c| c.label != Label::Boilerplate && !c.text.starts_with('<')), "{copies:?}");
    }

    #[test]
    fn a_skeleton_keeps_headings_and_the_first_clauses_of_their_first_items() {
        let rows = [
            ("一、主要工作", Label::Work),
            ("全年举办讲座12场，参加群众两千余人次。", Label::Work),
            ("完成馆舍改造。", Label::Work),
            ("新增借阅点3个，覆盖全部乡镇。", Label::Work),
            ("二、明年打算", Label::Plans),
            ("推进新馆建设", Label::Plans),
        ];
        let mut out = Vec::new();
        let examples = report("d", &rows);
        let refs: Vec<&Example> = examples.iter().collect();
        let texts: Vec<&str> = rows.iter().map(|r| r.0).collect();
        skeleton(&refs, &outline(&texts), &mut out);
        let got: Vec<(&str, Label)> = out.iter().map(|e| (e.text.as_str(), e.label)).collect();
        assert_eq!(
            got,
            [
                ("一、主要工作", Label::Work),
                ("全年举办讲座12场。", Label::Work),
                ("完成馆舍改造。", Label::Work),
                ("二、明年打算", Label::Plans),
                ("推进新馆建设", Label::Plans),
            ]
        );
    }

    #[test]
    fn a_report_splits_at_its_top_level_headings() {
        let texts = [
            "区档案馆2024年工作总结。",
            "一年来，我馆扎实推进各项工作。",
            "一、主要工作",
            "（一）数字化",
            "完成3万卷。",
            "二、存在的问题",
            "库房不足。",
        ];
        let rows: Vec<usize> = (10..17).collect();
        let (head, parts) = sections(&rows, &outline(&texts));
        assert_eq!(head, [10, 11]);
        assert_eq!(parts, [&[12, 13, 14][..], &[15, 16][..]]);
        let (all, none) = sections(&rows[..2], &outline(&texts[..2]));
        assert_eq!((all, none.len()), (&rows[..2], 0));
    }

    #[test]
    fn markers_come_off() {
        for (text, bare) in [
            ("一、主要工作", "主要工作"),
            ("（二）加强学习", "加强学习"),
            ("3. 做好服务", "做好服务"),
            ("12、其他", "其他"),
            ("## 下一步", "下一步"),
            ("- 修复登录超时", "修复登录超时"),
            ("**问题**", "问题"),
            ("【本周】", "本周"),
            ("②完善制度", "完善制度"),
            ("二是加强培训", "二是加强培训"),
            ("全年无事故。", "全年无事故。"),
        ] {
            assert_eq!(strip_marker(text), bare, "{text}");
        }
    }
}
