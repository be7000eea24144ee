//! `Tagger.explain`, run in Node by wasm-bindgen-test:
//! `cargo test -p tiaoli-wasm --target wasm32-unknown-unknown --test explain`.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::panic)]

use serde::Deserialize;
use tiaoli_wasm::{Tagger, MAX_EXPLAIN_TOP, MAX_INPUT_BYTES};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

mod common;
use common::{message, tag};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Explanation {
    line: usize,
    label: String,
    confidence: f64,
    words: Vec<Feature>,
    context: Vec<Feature>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Feature {
    feature: String,
    weight: f64,
}

fn explain(tagger: &Tagger, text: &str, line: u32, top: Option<u32>) -> Option<Explanation> {
    let value = tagger.explain(text, line, top).map_err(JsValue::from).unwrap()?;
    Some(serde_wasm_bindgen::from_value(value.into()).unwrap())
}

// Written for these tests. Line 2 is blank, line 7 is indented, and line 11 is a problems
// heading placed after the plans heading, where only its marker and place can mislead.
const REPORT: &str = "区卫生健康局2024年度工作总结\n\
    \n\
    2024年,我局在区委、区政府的坚强领导下,围绕群众看病就医需求,扎实推进各项工作,现将一年来的工作总结如下:\n\
    一、主要工作\n\
    (一)完善基层医疗服务。新建标准化村卫生室12个,家庭医生签约服务覆盖率达到78%。\n\
    (二)加强公共卫生防控。全年开展健康讲座140场,免费体检老年人2.3万人次。\n\
    \u{3000}\u{3000}(三)推进智慧医疗建设。上线预约挂号平台,群众平均候诊时间缩短20分钟。\n\
    二、存在的问题\n\
    一是基层医务人员流失较多,专业人才引进难;二是部分医疗设备老化,更新资金不足。\n\
    四、下一步工作计划\n\
    三、存在的问题\n\
    2025年,我们将着力引进紧缺人才,计划新招录医学毕业生40名,并分批更新基层医疗设备。\n\
    总之,我们将以更加务实的作风,推动全区卫生健康事业高质量发展。\n\
    区卫生健康局\n\
    2024年12月28日\n";

fn assert_well_formed(list: &[Feature], top: usize, what: &str) {
    assert!(list.len() <= top, "{what}: {} features, asked for {top}", list.len());
    for f in list {
        assert!(!f.feature.is_empty(), "{what}: an empty feature name");
        assert!(f.weight > 0.0 && f.weight.is_finite(), "{what}: weight {} of {:?}", f.weight, f.feature);
    }
    assert!(list.windows(2).all(|w| w[0].weight >= w[1].weight), "{what}: not sorted, largest first: {list:?}");
}

#[wasm_bindgen_test]
fn explain_agrees_with_tag_on_every_line() {
    let tagger = Tagger::new();
    let tagged = tag(&tagger, REPORT);
    assert_eq!(tagged.len(), 14);
    let mut with_words = 0;
    for p in &tagged {
        let why = explain(&tagger, REPORT, p.line as u32, None).unwrap_or_else(|| panic!("line {}: none", p.line));
        assert_eq!(why.line, p.line);
        assert_eq!(why.label, p.label, "line {}", p.line);
        assert_eq!(why.confidence, p.confidence, "line {}", p.line);
        assert_well_formed(&why.words, 5, &format!("line {} words", p.line));
        assert_well_formed(&why.context, 5, &format!("line {} context", p.line));
        assert!(!why.context.is_empty(), "line {}: the built-in model has a context pass", p.line);
        with_words += usize::from(!why.words.is_empty());
    }
    assert!(with_words >= tagged.len() - 2, "most paragraphs have words that pushed them: {with_words}");
}

#[wasm_bindgen_test]
fn explain_matches_the_native_library() {
    let native = tiaoli::FittedTagger::default_model();
    let texts: Vec<&str> = tiaoli::paragraphs(REPORT).map(|p| p.text).collect();
    let expected = native.explain(&texts, 5);
    let lines: Vec<usize> = tiaoli::paragraphs(REPORT).map(|p| p.line).collect();
    let tagger = Tagger::new();
    for (line, (prediction, why)) in lines.iter().zip(&expected) {
        let got = explain(&tagger, REPORT, *line as u32, None).unwrap();
        assert_eq!(got.label, prediction.label.as_str());
        let names = |list: &[Feature]| list.iter().map(|f| f.feature.clone()).collect::<Vec<_>>();
        let native_names = |list: &[(String, f32)]| list.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>();
        assert_eq!(names(&got.words), native_names(&why.words), "line {line}");
        assert_eq!(names(&got.context), native_names(&why.context), "line {line}");
    }
}

#[wasm_bindgen_test]
fn no_paragraph_on_the_line_gives_undefined() {
    let tagger = Tagger::new();
    let value = tagger.explain(REPORT, 2, None).map_err(JsValue::from).unwrap();
    assert!(value.is_none(), "line 2 is blank");
    for line in [0, 16, 17, 1000, u32::MAX] {
        assert!(explain(&tagger, REPORT, line, None).is_none(), "line {line}");
    }
    assert!(explain(&tagger, "", 1, None).is_none());
    assert!(explain(&tagger, " \u{3000}\n\n", 1, None).is_none());
    // Through JavaScript, undefined it is (not null).
    let js: JsValue =
        tagger.explain(REPORT, 2, None).map_err(JsValue::from).unwrap().map_or(JsValue::UNDEFINED, Into::into);
    assert!(js.is_undefined());
}

#[wasm_bindgen_test]
fn a_misplaced_heading_is_explained_by_its_marker_or_heading() {
    let tagger = Tagger::new();
    let why = explain(&tagger, REPORT, 11, None).unwrap();
    assert_eq!(why.line, 11);
    assert!(
        why.context
            .iter()
            .any(|f| f.feature.contains("heading") || f.feature.contains("marker") || f.feature.contains('、')),
        "line 11 ({}): {:?}",
        why.label,
        why.context
    );
    // Its words are its own: n-grams of 三、存在的问题 (character n-grams in 「」, words
    // separated by spaces, ⟨start⟩ and ⟨end⟩ marking its edges).
    assert!(!why.words.is_empty());
    for f in &why.words {
        let bare: String = f.feature.replace("⟨start⟩", "").replace("⟨end⟩", "").replace(['「', '」', ' '], "");
        assert!("三、存在的问题".contains(&bare), "{:?} is not from line 11", f.feature);
    }
    // The paragraph under 二、存在的问题 is explained by the heading it sits under.
    let under = explain(&tagger, REPORT, 9, None).unwrap();
    assert!(
        under.context.iter().any(|f| f.feature.contains("heading")),
        "line 9 ({}): {:?}",
        under.label,
        under.context
    );
}

#[wasm_bindgen_test]
fn top_sets_how_many_and_is_capped() {
    let tagger = Tagger::new();
    let one = explain(&tagger, REPORT, 3, Some(1)).unwrap();
    assert_eq!((one.words.len(), one.context.len()), (1, 1));
    let five = explain(&tagger, REPORT, 3, None).unwrap();
    assert_eq!(five.words[0].feature, one.words[0].feature);
    assert_eq!(five.context[0].feature, one.context[0].feature);
    let many = explain(&tagger, REPORT, 3, Some(1000)).unwrap();
    assert!(many.words.len() <= MAX_EXPLAIN_TOP as usize && many.words.len() > 5, "{}", many.words.len());
    assert!(many.context.len() <= MAX_EXPLAIN_TOP as usize);
    assert_well_formed(&many.words, MAX_EXPLAIN_TOP as usize, "top 1000 words");
    let none = explain(&tagger, REPORT, 3, Some(0)).unwrap();
    assert!(none.words.is_empty() && none.context.is_empty());
    assert_eq!(none.label, one.label);
}

#[wasm_bindgen_test]
fn line_breaks_and_a_model_file_work_too() {
    let text = "2024年工作总结\r\n\r\n一、存在的问题\r二、明年打算";
    let tagger = Tagger::new();
    let tagged = tag(&tagger, text);
    assert_eq!(tagged.iter().map(|p| p.line).collect::<Vec<_>>(), [1, 3, 4]);
    for p in &tagged {
        assert_eq!(explain(&tagger, text, p.line as u32, None).unwrap().label, p.label);
    }
    let bytes = tiaoli::FittedTagger::default_model().to_bytes();
    let from_file = Tagger::from_bytes(&bytes).map_err(JsValue::from).unwrap();
    assert_eq!(explain(&from_file, text, 3, None).unwrap().label, tagged[1].label);
}

#[wasm_bindgen_test]
fn oversized_input_is_refused_like_tag() {
    let tagger = Tagger::new();
    let huge = "一".repeat(MAX_INPUT_BYTES / 3 + 1);
    let Err(err) = tagger.explain(&huge, 1, None) else { panic!("{} bytes were accepted", huge.len()) };
    let Err(tag_err) = tagger.tag(&huge) else { panic!("tag accepted {} bytes", huge.len()) };
    let msg = message(err);
    assert!(msg.contains("too large"), "{msg}");
    assert_eq!(msg, message(tag_err));
    // The module stays usable.
    assert_eq!(explain(&tagger, REPORT, 1, None).unwrap().line, 1);
}
