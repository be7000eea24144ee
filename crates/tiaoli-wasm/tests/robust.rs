//! The catalogue of bad input (issue 5) through the JavaScript API, in Node:
//! `cargo test -p tiaoli-wasm --target wasm32-unknown-unknown`.
//!
//! Strings reach `Tagger.tag` the way wasm-bindgen passes every JS string to Rust: encoded to
//! UTF-8, with each lone surrogate (a UTF-16 code unit no valid string has) replaced by U+FFFD.
//! Both are one UTF-16 unit long, so `start` and `end` are UTF-16 offsets into the string as
//! given, and `text` is `input.slice(start, end)` with any lone surrogate made U+FFFD
//! (`input.slice(start, end).toWellFormed() === text`); for a well-formed string, exactly the
//! slice. The tests below build their strings in JS, code unit by code unit, and convert them
//! with that same glue.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::panic)]

use tiaoli_wasm::{Tagger, MAX_INPUT_BYTES};
use wasm_bindgen_test::wasm_bindgen_test;

mod common;
use common::{message, tag, Paragraph};

fn labels(out: &[Paragraph]) -> Vec<(usize, &str)> {
    out.iter().map(|p| (p.line, p.label.as_str())).collect()
}

/// `text` as a JS string, and each paragraph's `start..end` sliced from it.
fn js_slices(text: &str, out: &[Paragraph]) -> Vec<String> {
    let js = js_sys::JsString::from(text);
    out.iter().map(|p| String::from(js.slice(p.start as u32, p.end as u32))).collect()
}

const REPORT: [&str; 6] = [
    "区气象局2024年度工作总结",
    "2024年,区气象局在区委、区政府的正确领导下,紧紧围绕防灾减灾中心任务,较好地完成了全年各项工作。现总结如下:",
    "一、主要工作",
    "全年发布预警信号86次,组织应急演练5次,无一漏报。",
    "二、存在的问题",
    "一是观测站点偏少;二是专业技术人员不足。",
];

#[wasm_bindgen_test]
fn empty_and_blank_text_has_no_paragraphs() {
    let tagger = Tagger::new();
    for text in ["", "\n", "\r\n\r", " \u{3000}\t\u{feff}\n\u{a0}"] {
        assert!(tag(&tagger, text).is_empty(), "{text:?}");
    }
}

#[wasm_bindgen_test]
fn crlf_lone_cr_and_bom_give_the_same_tags_with_exact_offsets() {
    let tagger = Tagger::new();
    let plain = REPORT.join("\n");
    let expected: Vec<(usize, String)> = tag(&tagger, &plain).into_iter().map(|p| (p.line, p.label)).collect();
    assert_eq!(expected.len(), 6);
    assert_eq!(expected[0].1, "title");
    for text in [REPORT.join("\r\n"), REPORT.join("\r"), format!("\u{feff}{}\r\n", REPORT.join("\r\n"))] {
        let out = tag(&tagger, &text);
        let got: Vec<(usize, String)> = out.iter().map(|p| (p.line, p.label.clone())).collect();
        assert_eq!(got, expected, "{text:?}");
        assert_eq!(js_slices(&text, &out), REPORT);
    }
    let bom = format!("\u{feff}{plain}");
    assert_eq!(tag(&tagger, &bom)[0].start, 1, "the BOM is one UTF-16 unit before the title");
}

#[wasm_bindgen_test]
fn nul_emoji_rare_cjk_html_and_other_languages() {
    let tagger = Tagger::new();
    let text = format!(
        "\0\n{}\0\n😀👨\u{200d}👩\u{200d}👧\u{20000}\u{2a6d6}\u{30000}\n<script>alert(1)</script>\nAnnual report 2024\nРабочий отчёт\n{}",
        REPORT[0],
        REPORT[1..].join("\n")
    );
    let out = tag(&tagger, &text);
    assert_eq!(out.iter().map(|p| p.line).collect::<Vec<_>>(), (1..=11).collect::<Vec<_>>());
    let texts: Vec<&str> = out.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(js_slices(&text, &out), texts);
    assert_eq!(texts[0], "\0");
    assert_eq!(texts[2], "😀👨\u{200d}👩\u{200d}👧\u{20000}\u{2a6d6}\u{30000}");
    assert_eq!(texts[3], "<script>alert(1)</script>");
    assert_eq!(out[1].label, "title", "a trailing NUL leaves the title a title");
    assert_eq!(out[3].label, "boilerplate");
}

#[wasm_bindgen_test]
fn the_limit_is_exact_and_a_long_line_just_under_it_is_one_paragraph() {
    let tagger = Tagger::new();
    let at_limit = "a".repeat(MAX_INPUT_BYTES);
    let out = tag(&tagger, &at_limit);
    assert_eq!((out.len(), out[0].start, out[0].end), (1, 0, MAX_INPUT_BYTES));
    let over = "a".repeat(MAX_INPUT_BYTES + 1);
    let Err(err) = tagger.tag(&over) else { panic!("{} bytes were accepted", over.len()) };
    let message = message(err);
    assert!(message.contains(&format!("{} bytes", MAX_INPUT_BYTES + 1)), "{message}");
    assert!(message.contains("the limit is 8388608 bytes (8 MiB)"), "{message}");
    // UTF-8 bytes count, not characters: 3 bytes per Chinese character.
    let chinese = "总".repeat(MAX_INPUT_BYTES / 3 + 1);
    assert!(tagger.tag(&chinese).is_err());
    // The module still works.
    assert_eq!(tag(&tagger, REPORT[0])[0].label, "title");
}

#[wasm_bindgen_test]
fn two_hundred_thousand_short_lines() {
    let tagger = Tagger::new();
    let text = "甲\n\n一、主要工作\r\n".repeat(200_000 / 3 + 1);
    let out = tag(&tagger, &text);
    let expected = (200_000 / 3 + 1) * 2;
    assert_eq!(out.len(), expected);
    assert_eq!(out.last().unwrap().line, (200_000 / 3 + 1) * 3);
    assert_eq!(out.last().unwrap().end, text.encode_utf16().count() - 2);
}

#[wasm_bindgen_test]
fn the_page_sees_the_same_labels_as_the_library() {
    let native = tiaoli::FittedTagger::default_model();
    let text = format!("\u{feff}{}\r\n\0\r\n", REPORT.join("\r"));
    let out = tag(&Tagger::new(), &text);
    let expected: Vec<(usize, &str)> =
        native.tag(&text).iter().map(|t| (t.paragraph.line, t.prediction.label.as_str())).collect();
    assert_eq!(labels(&out), expected);
}

// ------------------------------------------------------------------ UTF-16 offsets, property test

/// xorshift64*: a fixed-seed generator, so every run checks the same strings.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// UTF-16 pieces of pasted text: breaks, blanks, BMP and astral characters, and lone
/// surrogates (which no valid string has, but JS strings can).
const PIECES: &[&[u16]] = &[
    &[0x0a],
    &[0x0a],
    &[0x0d, 0x0a],
    &[0x0d],
    &[0x20],
    &[0x09],
    &[0x3000],
    &[0xfeff],
    &[0x603b],         // 总
    &[0x7ed3],         // 结
    &[0x61],           // a
    &[0x00],           // NUL
    &[0xd83d, 0xde00], // 😀
    &[0xd840, 0xdc00], // U+20000
    &[0xd800],         // lone high surrogate
    &[0xdc00],         // lone low surrogate
    &[0xdbff],         // lone high surrogate, the last one
    &[0xd83d, 0x61],   // a high surrogate followed by a letter
];

fn is_surrogate(u: u16) -> bool {
    (0xd800..0xe000).contains(&u)
}

/// The code units as the tagger receives them: each lone surrogate replaced by U+FFFD.
fn well_formed(units: &[u16]) -> Vec<u16> {
    char::decode_utf16(units.iter().copied())
        .flat_map(|c| {
            let mut buf = [0; 2];
            c.unwrap_or(char::REPLACEMENT_CHARACTER).encode_utf16(&mut buf).to_vec()
        })
        .collect()
}

/// The paragraphs of `units` as (line, start, end) in UTF-16 units, computed without tiaoli:
/// break at \r\n, \n or \r; trim white space and BOMs.
fn expected(units: &[u16]) -> Vec<(usize, usize, usize)> {
    let blank = |u: u16| matches!(u, 0x09 | 0x20 | 0x3000 | 0xfeff);
    let mut out = Vec::new();
    let (mut line, mut start, mut i) = (1, 0, 0);
    while i <= units.len() {
        let at_break = i == units.len() || units[i] == 0x0a || units[i] == 0x0d;
        if at_break {
            let (mut s, mut e) = (start, i);
            while s < e && blank(units[s]) {
                s += 1;
            }
            while e > s && blank(units[e - 1]) {
                e -= 1;
            }
            if s < e {
                out.push((line, s, e));
            }
            if i < units.len() && units[i] == 0x0d && units.get(i + 1) == Some(&0x0a) {
                i += 1;
            }
            line += 1;
            start = i + 1;
        }
        i += 1;
    }
    out
}

#[wasm_bindgen_test]
fn utf16_offsets_slice_random_js_strings_with_astral_chars_and_lone_surrogates() {
    let tagger = Tagger::new();
    let mut rng = Rng(0x7469_616f_6c69); // "tiaoli"
    let mut lone_seen = 0;
    for case in 0..400 {
        let units: Vec<u16> =
            (0..rng.below(40)).flat_map(|_| PIECES[rng.below(PIECES.len())].iter().copied()).collect();
        let js = js_sys::JsString::from_char_code(&units);
        // The same JS → Rust conversion as every exported method's string argument.
        let text = String::from(js.clone());
        let out = tag(&tagger, &text);
        let got: Vec<(usize, usize, usize)> = out.iter().map(|p| (p.line, p.start, p.end)).collect();
        assert_eq!(got, expected(&units), "case {case}: {units:x?}");
        for p in &out {
            let slice = &units[p.start..p.end];
            let text_units: Vec<u16> = p.text.encode_utf16().collect();
            assert_eq!(text_units, well_formed(slice), "case {case}: text is the slice, made well-formed");
            if slice.iter().any(|&u| is_surrogate(u)) && !js.slice(p.start as u32, p.end as u32).is_valid_utf16() {
                lone_seen += 1;
                assert!(p.text.contains(char::REPLACEMENT_CHARACTER));
            } else {
                assert_eq!(String::from(js.slice(p.start as u32, p.end as u32)), p.text, "case {case}");
            }
        }
    }
    assert!(lone_seen > 50, "the generator must produce paragraphs with lone surrogates ({lone_seen})");
}
