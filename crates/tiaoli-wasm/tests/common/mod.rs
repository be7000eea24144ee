//! What the wasm test binaries share: `Tagger.tag`'s output as Rust values, and the message of a
//! thrown error.

#![allow(dead_code, reason = "each test binary uses its own part of this module")]

use std::collections::BTreeMap;

use serde::Deserialize;
use tiaoli_wasm::Tagger;
use wasm_bindgen::{JsCast, JsValue};

/// One element of `Tagger.tag`'s array, as JavaScript sees it.
#[derive(Debug, Deserialize)]
pub struct Paragraph {
    pub line: usize,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub label: String,
    pub confidence: f64,
    pub scores: BTreeMap<String, f64>,
}

/// `tagger.tag(text)` through the JS value it returns; every paragraph's scores are finite and
/// sum to 1.
pub fn tag(tagger: &Tagger, text: &str) -> Vec<Paragraph> {
    let value: JsValue = tagger.tag(text).map_err(JsValue::from).unwrap().into();
    let out: Vec<Paragraph> = serde_wasm_bindgen::from_value(value).unwrap();
    for p in &out {
        assert!(p.scores.values().all(|v| v.is_finite()), "{:?}", p.scores);
        assert!((p.scores.values().sum::<f64>() - 1.0).abs() < 1e-3, "{:?}", p.scores);
    }
    out
}

/// The message of the `Error` JavaScript would see.
pub fn message(err: wasm_bindgen::JsError) -> String {
    JsValue::from(err).dyn_into::<js_sys::Error>().unwrap().message().into()
}
