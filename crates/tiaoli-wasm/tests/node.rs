//! The JavaScript API, run in Node by wasm-bindgen-test:
//! `cargo test -p tiaoli-wasm --target wasm32-unknown-unknown`.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use tiaoli_wasm::{label_names, Tagger, MAX_INPUT_BYTES};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

mod common;
use common::{message, tag};

const REPORT: &str = "2024年度综合科工作总结\n\n\
    今年以来,综合科在局党组的领导下,认真履行职责,现将全年工作总结如下:\n\
    一、认真做好日常文秘工作\n\
    全年起草各类文稿120篇,办理来文860件。\n\
    三、存在的问题和不足\n\
    一是人员偏少;二是信息化水平不高。\n";

#[wasm_bindgen_test]
fn tags_every_paragraph_with_lines_and_scores() {
    let tagger = Tagger::new();
    let out = tag(&tagger, REPORT);
    assert_eq!(out.iter().map(|p| p.line).collect::<Vec<_>>(), vec![1, 3, 4, 5, 6, 7]);
    let labels: Vec<&str> = out.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(labels, ["title", "opening", "work", "work", "problems", "problems"]);
    for p in &out {
        assert_eq!(p.scores.len(), 8);
        assert!((p.scores.values().sum::<f64>() - 1.0).abs() < 1e-3);
        assert_eq!(p.scores[&p.label], p.confidence);
    }
}

#[wasm_bindgen_test]
fn results_are_plain_objects_with_scores_in_label_order() {
    let tagger = Tagger::new();
    let out: JsValue = tagger.tag(REPORT).map_err(JsValue::from).unwrap().into();
    let order: Vec<String> =
        serde_wasm_bindgen::from_value(tagger.labels().map_err(JsValue::from).unwrap().into()).unwrap();
    let paragraphs = js_sys::Array::from(&out);
    assert_eq!(paragraphs.length(), 6);
    for p in paragraphs.iter() {
        let scores = js_sys::Reflect::get(&p, &"scores".into()).unwrap();
        // An object, as JSON would give it, not a `Map`.
        assert!(!scores.has_type::<js_sys::Map>());
        let keys: Vec<String> = js_sys::Object::keys(&scores.into()).iter().map(|k| k.as_string().unwrap()).collect();
        assert_eq!(keys, order);
        let label = js_sys::Reflect::get(&p, &"label".into()).unwrap();
        assert!(order.contains(&label.as_string().expect("the label is a string")));
    }
}

#[wasm_bindgen_test]
fn offsets_are_utf16_and_slice_the_js_string() {
    let text = "😀前言🎉\r\n\u{20000}𠀀 二、主要做法\n";
    let js = js_sys::JsString::from(text);
    let out = tag(&Tagger::new(), text);
    assert_eq!(out.len(), 2);
    for p in &out {
        let slice: String = js.slice(p.start as u32, p.end as u32).into();
        assert_eq!(slice, p.text);
    }
    assert_eq!((out[0].start, out[0].end), (0, 6));
}

#[wasm_bindgen_test]
fn matches_the_native_library() {
    let native = tiaoli::FittedTagger::default_model();
    let out = tag(&Tagger::new(), REPORT);
    let expected: Vec<String> = native.tag(REPORT).iter().map(|t| t.prediction.label.as_str().to_owned()).collect();
    assert_eq!(out.iter().map(|p| p.label.clone()).collect::<Vec<_>>(), expected);
}

#[wasm_bindgen_test]
fn bad_model_bytes_throw_and_leave_the_module_usable() {
    let err = Tagger::from_bytes(b"<html>not a model</html>").unwrap_err();
    assert!(message(err).contains("not a tiaoli model file"));
    let err = Tagger::from_bytes(&[]).unwrap_err();
    assert!(message(err).contains("truncated"));
    assert_eq!(tag(&Tagger::new(), "2023年工作总结").len(), 1);
}

#[wasm_bindgen_test]
fn oversized_input_is_refused_and_large_input_works() {
    let tagger = Tagger::new();
    let huge = "一".repeat(MAX_INPUT_BYTES / 3 + 1);
    let Err(err) = tagger.tag(&huge) else { panic!("{} bytes were accepted", huge.len()) };
    assert!(message(err).contains("too large"));
    let big = "一、加强制度建设,完善工作流程。\n".repeat(20_000);
    assert_eq!(tag(&tagger, &big).len(), 20_000);
}

#[wasm_bindgen_test]
fn labels_info_and_names_describe_the_model() {
    let tagger = Tagger::new();
    let labels: Vec<String> =
        serde_wasm_bindgen::from_value(tagger.labels().map_err(JsValue::from).unwrap().into()).unwrap();
    assert_eq!(labels.len(), 8);
    let info: JsValue = tagger.info().map_err(JsValue::from).unwrap().into();
    let version = js_sys::Reflect::get(&info, &"formatVersion".into()).unwrap();
    assert_eq!(version.as_f64(), Some(f64::from(tiaoli::FORMAT_VERSION)));
    let metadata = js_sys::Reflect::get(&info, &"metadata".into()).unwrap();
    assert!(js_sys::Reflect::get(&metadata, &"corpus_sha256".into()).unwrap().is_string());
    // Objects, not `Map`s: the page posts them between threads and reads them as they are.
    assert!(!metadata.has_type::<js_sys::Map>());
    let names: JsValue = label_names().map_err(JsValue::from).unwrap().into();
    assert!(!names.has_type::<js_sys::Map>());
    let names: BTreeMap<String, String> = serde_wasm_bindgen::from_value(names).unwrap();
    assert_eq!(names["problems"], "存在问题");
}
