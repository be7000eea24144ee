//! Drafts as people type them (`tests/data/drafts`, written for the project and labelled by
//! the annotation guide): skeletons, weekly reports, Markdown, unnumbered headings, no
//! opening, plans before problems, texts cut off mid-way. The shipped model before the real
//! reports and the restyled training copies got 52 of their 152 lines wrong.

use std::collections::BTreeMap;

use tiaoli::{Corpus, FittedTagger, Label};

use crate::helpers::root;

/// Drafts the shipped model does not get entirely right yet, with what it misses. Each is
/// still held to most of its lines below, and its misses are in the README's weak spots.
const NOT_YET_RIGHT: [&str; 6] = [
    // Two bare one-line items under a heading read as page junk.
    "03_school_skeleton",
    // "下周计划:" reads as junk, its "1." items as this week's work, "遇到的问题:" as work.
    "04_backend_weekly",
    // A "- " lesson that says 问题 reads as a problem.
    "06_engineer_markdown_review",
    // A "- " problem item that says 延迟 reads as a plan.
    "07_datateam_markdown",
    // Dated "- " plan items read as work done.
    "08_quality_markdown",
    // A plans section before the problems, its heading 工作思路: read as work.
    "12_tax_plans_before_problems",
];

/// Every draft, by name: its lines and their labels, in order.
fn drafts() -> BTreeMap<String, Vec<(String, Label)>> {
    let corpus = Corpus::load(&[root().join("tests/data/drafts")]).unwrap();
    let mut out: BTreeMap<String, Vec<(String, Label)>> = BTreeMap::new();
    for e in corpus.examples() {
        out.entry(e.doc.clone()).or_default().push((e.text.clone(), e.label));
    }
    out
}

/// The lines of `draft` the shipped model gets wrong: (line, gold, predicted).
fn misses(tagger: &FittedTagger, draft: &[(String, Label)]) -> Vec<(usize, Label, Label)> {
    let texts: Vec<&str> = draft.iter().map(|(t, _)| t.as_str()).collect();
    draft
        .iter()
        .zip(tagger.classify(&texts))
        .enumerate()
        .filter(|(_, ((_, gold), p))| p.label != *gold)
        .map(|(i, ((_, gold), p))| (i + 1, *gold, p.label))
        .collect()
}

#[test]
fn the_draft_from_the_bug_report_is_tagged_right() {
    let tagger = FittedTagger::default_model();
    let text = "市图书馆2024年度工作总结\n一、主要工作\n全年举办读书分享会32场。\n二、存在的问题\n馆舍面积不足。\n三、明年打算\n推进新馆建设。";
    let labels: Vec<Label> = tagger.tag(text).iter().map(|t| t.prediction.label).collect();
    use Label::*;
    assert_eq!(labels, [Title, Work, Work, Problems, Problems, Plans, Plans]);
}

#[test]
fn drafts_are_tagged_right() {
    let tagger = FittedTagger::default_model();
    let drafts = drafts();
    assert_eq!(drafts.len(), 14, "{:?}", drafts.keys());
    for (name, draft) in &drafts {
        let missed = misses(&tagger, draft);
        if NOT_YET_RIGHT.contains(&name.as_str()) {
            assert!(missed.len() * 2 < draft.len(), "{name}: most lines should be right, missed {missed:?}");
        } else {
            assert!(missed.is_empty(), "{name}: (line, gold, predicted) {missed:?}");
        }
    }
}
