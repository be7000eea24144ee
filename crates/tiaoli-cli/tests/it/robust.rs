//! The catalogue of bad input (issue 5): what users paste and what travels as a model or a
//! corpus, through the core API and the `tiaoli` command. Each case ends in correct tags or a
//! clear error that names the problem and where it is. Speed and memory are measured by
//! `bench/robust.sh`, never asserted here.

use std::path::Path;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;
use tempfile::TempDir;
use tiaoli::{decode_utf8, Error, FittedTagger, Label, ModelError, Tagged};

use crate::helpers::{crc32, mini_corpus_path, mini_model_bytes, row, tiaoli, write};

/// A short report written for these tests, with one clear case of each main type.
const REPORT: [&str; 8] = [
    "市档案馆2024年度工作总结",
    "2024年,市档案馆在市委办公室的正确领导下,围绕中心、服务大局,较好地完成了全年各项工作任务。现将有关情况总结如下:",
    "一、主要工作",
    "(一)推进档案数字化。全年完成馆藏档案数字化扫描120万页,建成档案检索平台。",
    "二、存在的问题",
    "一是库房面积不足,部分档案只能临时存放;二是专业人员偏少,年龄结构老化。",
    "三、2025年工作打算",
    "下一步,我们将重点推进新库房建设,计划引进档案专业人才3名。",
];

/// Lines of [`REPORT`] whose type the shipped model gets right by a wide margin.
const CLEAR: [(usize, Label); 4] = [(0, Label::Title), (1, Label::Opening), (5, Label::Problems), (7, Label::Plans)];

fn model() -> FittedTagger {
    FittedTagger::default_model()
}

fn labels(tagged: &[Tagged<'_>]) -> Vec<Label> {
    tagged.iter().map(|t| t.prediction.label).collect()
}

/// What every tagging must satisfy: paragraphs slice the input, lines rise, probabilities are a
/// distribution.
fn check_invariants(text: &str, tagged: &[Tagged<'_>]) {
    let mut last = 0;
    for t in tagged {
        let p = &t.paragraph;
        assert_eq!(&text[p.start..p.end], p.text);
        assert!(p.line > last, "lines must rise: {} after {last}", p.line);
        last = p.line;
        let probs = &t.prediction.probabilities;
        assert!(probs.iter().all(|v| v.is_finite() && *v >= 0.0), "{probs:?}");
        assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-3, "{probs:?}");
    }
}

fn jsonl(stdout: &[u8]) -> Vec<Value> {
    std::str::from_utf8(stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// `tiaoli tag --format jsonl` of `input` on standard input: the JSON objects it prints.
fn cli_tag(input: impl Into<Vec<u8>>) -> Vec<Value> {
    let out = tiaoli().args(["tag", "--format", "jsonl"]).write_stdin(input.into()).assert().success();
    jsonl(&out.get_output().stdout)
}

fn cli_labels(rows: &[Value]) -> Vec<(u64, String)> {
    rows.iter().map(|r| (r["line"].as_u64().unwrap(), r["label"].as_str().unwrap().to_owned())).collect()
}

// ------------------------------------------------------------------ core API: text

#[test]
fn empty_and_blank_input_has_no_paragraphs() {
    let tagger = model();
    for text in ["", "\n", "\r\n\r\n", "\r", " \t\u{3000}\u{a0}\n\u{feff}\n\u{2028}"] {
        assert!(tagger.tag(text).is_empty(), "{text:?}");
    }
    assert!(tagger.classify(&[]).is_empty());
    assert!(tagger.explain(&[], 3).is_empty());
}

#[test]
fn the_clear_cases_are_right_before_anything_else_is_tested() {
    let tagged = labels(&model().tag(&REPORT.join("\n")));
    for (i, label) in CLEAR {
        assert_eq!(tagged[i], label, "line {}: {}", i + 1, REPORT[i]);
    }
}

#[test]
fn line_endings_and_a_bom_change_nothing_but_offsets() {
    let tagger = model();
    let plain = REPORT.join("\n");
    let expected = labels(&tagger.tag(&plain));
    let variants = [
        ("CRLF", REPORT.join("\r\n")),
        ("lone CR", REPORT.join("\r")),
        ("mixed", REPORT.iter().enumerate().map(|(i, l)| format!("{l}{}", ["\r\n", "\r", "\n"][i % 3])).collect()),
        ("BOM", format!("\u{feff}{plain}")),
        ("BOM and CRLF, trailing break", format!("\u{feff}{}\r\n", REPORT.join("\r\n"))),
        ("indented with full-width spaces", REPORT.map(|l| format!("\u{3000}\u{3000}{l}\u{3000}")).join("\n")),
    ];
    for (name, text) in &variants {
        let tagged = tagger.tag(text);
        check_invariants(text, &tagged);
        assert_eq!(tagged.iter().map(|t| t.paragraph.line).collect::<Vec<_>>(), (1..=8).collect::<Vec<_>>(), "{name}");
        assert_eq!(tagged.iter().map(|t| t.paragraph.text).collect::<Vec<_>>(), REPORT, "{name}");
        assert_eq!(labels(&tagged), expected, "{name}");
    }
    // Blank lines count: a paragraph keeps the line number an editor shows.
    let spaced = REPORT.join("\r\n\r\n");
    assert_eq!(tagger.tag(&spaced).iter().map(|t| t.paragraph.line).collect::<Vec<_>>(), [1, 3, 5, 7, 9, 11, 13, 15]);
}

#[test]
fn nul_bytes_are_text_not_an_end() {
    let tagger = model();
    let text = format!("{}\n\0\0\n{}\0\n{}", REPORT[0], REPORT[1], REPORT[2..].join("\n"));
    let tagged = tagger.tag(&text);
    check_invariants(&text, &tagged);
    assert_eq!(tagged.len(), 9, "a line of NULs is a (meaningless) paragraph, not a blank one");
    assert_eq!(tagged[1].paragraph.text, "\0\0");
    assert_eq!(tagged[2].paragraph.text, format!("{}\0", REPORT[1]));
    assert_eq!(tagged.last().unwrap().paragraph.line, 9);
    assert_eq!(tagged[0].prediction.label, Label::Title);
    assert_eq!(tagged[2].prediction.label, Label::Opening, "a trailing NUL does not change the words");
}

#[test]
fn invalid_utf8_names_line_and_byte_and_utf16_is_recognised() {
    let cases: [(&[u8], &str); 4] = [
        (b"\xe6\x80\xbb\xe7\xbb\x93\nok\r\nbad \xff", "r.txt:3: invalid UTF-8 (byte 5 of the line)"),
        (b"a\rb\r\xc3", "r.txt:3: invalid UTF-8 (byte 1 of the line)"),
        // GBK, what Chinese Windows saves by default: 总结 is CE DC BD E1 there.
        (b"\xd7\xdc\xbd\xe1", "r.txt:1: invalid UTF-8 (byte 1 of the line)"),
        (b"\xff\xfe\xbbf\xd3~", "r.txt: the text is UTF-16"),
    ];
    for (bytes, expected) in cases {
        let message = decode_utf8(bytes, "r.txt").unwrap_err().to_string();
        assert!(message.starts_with(expected), "{message:?} should start with {expected:?}");
    }
    assert!(matches!(decode_utf8(b"\xff\xfe", "x"), Err(Error::Utf16 { .. })));
}

#[test]
fn emoji_and_rare_cjk_keep_offsets_and_tags() {
    let tagger = model();
    // U+20000 and U+2A6D6 (CJK Extension B), U+30000 (Extension G), a ZWJ family, a flag.
    let text = format!(
        "🎉{}🎉\n\u{20000}\u{2a6d6}\u{30000}\n👨\u{200d}👩\u{200d}👧 🇨🇳\n{}",
        REPORT[0],
        REPORT[1..].join("\n")
    );
    let tagged = tagger.tag(&text);
    check_invariants(&text, &tagged);
    assert_eq!(tagged.len(), 10);
    assert_eq!(tagged[1].paragraph.text, "\u{20000}\u{2a6d6}\u{30000}");
    assert_eq!(tagged[2].paragraph.text, "👨\u{200d}👩\u{200d}👧 🇨🇳");
    assert_eq!(tagged[0].prediction.label, Label::Title, "emoji around a title leave it a title");
    let rest = labels(&tagged[3..]);
    let plain = labels(&tagger.tag(&REPORT[1..].join("\n")));
    let agree = rest.iter().zip(&plain).filter(|(a, b)| a == b).count();
    assert!(agree >= 6, "two lines of symbols above the body change at most one of its 7 tags: {rest:?} vs {plain:?}");
}

#[test]
fn a_huge_single_line_is_one_paragraph_tagged_by_its_start() {
    let tagger = model();
    let sentence = "今年以来,我们认真落实各项部署,扎实推进重点工作,取得了明显成效。";
    let huge = sentence.repeat(20 * 1024 * 1024 / sentence.len() + 1); // over 20 MB, no break
    let tagged = tagger.tag(&huge);
    assert_eq!(tagged.len(), 1);
    assert_eq!((tagged[0].paragraph.start, tagged[0].paragraph.end, tagged[0].paragraph.line), (0, huge.len(), 1));
    check_invariants(&huge, &tagged);
    // The model reads a paragraph's first 64 KiB (tiaoli's MAX_ANALYSED_BYTES): beyond it, more
    // of the same changes nothing, which is what keeps time and memory in check.
    let start = sentence.repeat(64 * 1024 / sentence.len() + 2);
    assert_eq!(tagger.predict(&huge), tagger.predict(&start));
}

#[test]
fn two_hundred_thousand_short_lines() {
    let tagger = model();
    let lines = ["一、加强制度建设", "全年办理来文860件。", "", "二、存在的问题", "下一步,我们将继续努力。"];
    let text: String = (0..200_000).map(|i| lines[i % lines.len()]).collect::<Vec<_>>().join("\n");
    let tagged = tagger.tag(&text);
    assert_eq!(tagged.len(), 160_000);
    assert_eq!(tagged.last().unwrap().paragraph.line, 200_000);
    check_invariants(&text, &tagged);
    assert!(tagged.iter().all(|t| !t.paragraph.text.is_empty()));
}

#[test]
fn html_and_script_are_text_and_markup_is_boilerplate() {
    let tagger = model();
    let text = format!(
        "<!DOCTYPE html><html><head><meta charset=\"gbk\"><script>document.write('x')</script></head><body>\n\
         <div class=\"nav\"><a href=\"/\">首页</a> &gt; <a href=\"/fw/\">范文</a></div>\n\
         {}\n{}\n</div></body></html>",
        REPORT[0],
        REPORT[1..].join("\n"),
    );
    let tagged = tagger.tag(&text);
    check_invariants(&text, &tagged);
    assert_eq!(tagged.len(), 11);
    assert!(tagged[0].paragraph.text.contains("<script>document.write('x')</script>"));
    for i in [0, 1, 10] {
        assert_eq!(
            tagged[i].prediction.label,
            Label::Boilerplate,
            "markup line {}: {}",
            i + 1,
            tagged[i].paragraph.text
        );
    }
    assert_eq!(tagged[2].prediction.label, Label::Title);
}

#[test]
fn other_languages_are_tagged_without_fuss() {
    let tagger = model();
    let english = "Annual Work Report 2024\nI. Main work\nWe held 36 reading events and trained 120 volunteers.\n\
                   II. Problems\nThe building is too small.\nIII. Plans for 2025\nNext year we will open two branches.";
    let others = "Рабочий отчёт за 2024 год\nتقرير العمل السنوي\n2024年度業務報告書\n2024년 업무 보고서\nΕτήσια έκθεση";
    for text in [english, others] {
        let tagged = tagger.tag(text);
        check_invariants(text, &tagged);
        assert_eq!(tagged.len(), text.lines().count());
    }
    // The model knows Chinese reports. Engineers' real reports mix in English, so English
    // lines are not junk to it, but it is unsure of them: its calibrated confidence says so.
    let tagged = tagger.tag(english);
    let mean = tagged.iter().map(|t| t.prediction.confidence).sum::<f32>() / tagged.len() as f32;
    assert!(mean < 0.8, "mean confidence {mean} on English: {:?}", labels(&tagged));
}

// ------------------------------------------------------------------ core API: models

#[test]
fn a_model_with_another_label_set_loads_and_predicts_only_its_labels() {
    // A corpus with three of the eight types is a valid model of those three.
    let rows: Vec<String> = [
        ("2023年度工作总结", "title", "a"),
        ("一、主要工作", "work", "a"),
        ("全年完成任务120项。", "work", "a"),
        ("二、存在的问题", "problems", "a"),
        ("人员不足,经费紧张。", "problems", "a"),
        ("2024年上半年工作总结", "title", "b"),
        ("加强队伍建设,组织培训4次。", "work", "b"),
        ("存在的不足:信息化水平不高。", "problems", "b"),
    ]
    .iter()
    .map(|(t, l, g)| row(t, l, g))
    .collect();
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "three.jsonl", rows.join("\n"));
    let corpus = tiaoli::Corpus::load(&[data]).unwrap();
    let three = tiaoli::TaggerParams::default().min_df(1).max_iterations(30).fit(&corpus).unwrap();
    let loaded = FittedTagger::from_bytes(&three.to_bytes()).unwrap();
    assert_eq!(loaded.labels(), [Label::Title, Label::Work, Label::Problems]);
    for t in loaded.tag(&REPORT.join("\n")) {
        assert_eq!(t.prediction.probabilities.len(), 3);
        assert!(loaded.labels().contains(&t.prediction.label));
    }
}

#[test]
fn every_single_bit_flip_of_a_model_is_named_for_what_it_hit() {
    // library.rs flips every 7th byte; here every byte, at every bit position in turn, and
    // the error must say what the flip broke.
    let bytes = mini_model_bytes();
    for pos in 0..bytes.len() {
        let mut damaged = bytes.to_vec();
        damaged[pos] ^= 1 << (pos % 8);
        let err = FittedTagger::from_bytes(&damaged).unwrap_err();
        let ok = match pos {
            0..=7 => err == ModelError::BadMagic,
            // A flip can turn the version into an older one this build reads: then the payload
            // does not parse as that version's.
            8..=11 => match u32::from_le_bytes(damaged[8..12].try_into().unwrap()) {
                1 | 4 => matches!(err, ModelError::Truncated { .. } | ModelError::Invalid { .. }),
                _ => matches!(err, ModelError::UnsupportedVersion { .. }),
            },
            12..=19 => {
                matches!(err, ModelError::Truncated { .. } | ModelError::Invalid { .. } | ModelError::Checksum { .. })
            }
            _ => matches!(err, ModelError::Checksum { .. }),
        };
        assert!(ok, "flip at byte {pos}: {err}");
    }
}

/// Regression for the `model_bytes` fuzz target's finding: every weight finite, but two near
/// `f32::MAX` summed to infinity and the tagger returned NaN probabilities. Weights are
/// integers with bounded scales now, and biases and the temperature bounded floats: the
/// context pass's bytes (the end of the payload) set to their largest values, four at a
/// time, are refused as out of range or tag finitely.
#[test]
fn huge_but_finite_weights_are_refused_and_whatever_loads_tags_finitely() {
    let bytes = mini_model_bytes();
    let end = bytes.len() - 4;
    let (mut refused, mut loaded) = (0, 0);
    for at in (end.saturating_sub(6000)..end - 4).step_by(3) {
        let mut damaged = bytes.to_vec();
        // 0x7f: the largest i8, the high byte of a large i16, a scale exponent of 2^127 and,
        // four of them, a float of 3.4e38.
        damaged[at..at + 4].fill(0x7f);
        let crc = crc32(&damaged[20..end]);
        damaged[end..].copy_from_slice(&crc.to_le_bytes());
        match FittedTagger::from_bytes(&damaged) {
            Ok(model) => {
                loaded += 1;
                for t in model.tag(&REPORT.join("\n")) {
                    assert!(t.prediction.probabilities.iter().all(|p| p.is_finite()), "bytes at {at}");
                }
            }
            Err(err) if err.to_string().contains("out of range") => refused += 1,
            Err(_) => {}
        }
    }
    assert!(refused >= 10 && loaded > 1000, "{refused} refused, {loaded} loaded");
}

/// Regression for the `model_bytes` fuzz target's second finding: a calibration temperature
/// of 1e-45, positive and finite, divided every log-probability into minus infinity, and the
/// tagger returned NaN. The temperature is the payload's last float; training fits it within
/// 0.1..=10, and the loader takes nothing else.
#[test]
fn a_calibration_temperature_outside_what_training_fits_is_refused() {
    let bytes = mini_model_bytes();
    let end = bytes.len() - 4;
    let with_temperature = |t: f32| {
        let mut damaged = bytes.to_vec();
        damaged[end - 4..end].copy_from_slice(&t.to_le_bytes());
        let crc = crc32(&damaged[20..end]);
        damaged[end..].copy_from_slice(&crc.to_le_bytes());
        FittedTagger::from_bytes(&damaged)
    };
    for t in [f32::from_bits(1), 1e-6, 0.09, 10.5, 1e6] {
        let err = with_temperature(t).unwrap_err();
        assert!(
            matches!(&err, ModelError::Invalid { offset, .. } if *offset == end - 4)
                && err.to_string().contains("calibration temperature is outside 0.1..=10"),
            "temperature {t}: {err}"
        );
    }
    for t in [0.1, 1.0, 10.0] {
        let model = with_temperature(t).unwrap_or_else(|err| panic!("temperature {t}: {err}"));
        for tagged in model.tag(&REPORT.join("\n")) {
            let p = &tagged.prediction.probabilities;
            assert!(p.iter().all(|v| v.is_finite()) && (p.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{t}: {p:?}");
        }
    }
}

#[test]
fn a_claimed_huge_payload_is_refused_without_allocating() {
    let mut bytes = mini_model_bytes().to_vec();
    bytes[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
    let err = FittedTagger::from_bytes(&bytes).unwrap_err();
    assert!(matches!(err, ModelError::Truncated { what: "payload", .. }), "{err}");
    // Extra bytes after the checksum are damage too, not ignored.
    let mut longer = mini_model_bytes().to_vec();
    longer.extend_from_slice(b"\n");
    assert!(FittedTagger::from_bytes(&longer)
        .unwrap_err()
        .to_string()
        .contains("1 unexpected bytes after the checksum"));
}

// ------------------------------------------------------------------ the command: text

#[test]
fn cli_empty_and_blank_input_print_nothing() {
    for input in ["", "\n\n", "\u{feff}\r\n \t\r\n"] {
        tiaoli().args(["tag", "--format", "jsonl"]).write_stdin(input).assert().success().stdout("");
        tiaoli().args(["tag", "--format", "table"]).write_stdin(input).assert().success();
    }
}

#[test]
fn cli_line_endings_and_bom_give_the_same_tags_and_lines() {
    let plain = cli_labels(&cli_tag(REPORT.join("\n")));
    assert_eq!(plain.len(), 8);
    for text in [REPORT.join("\r\n"), REPORT.join("\r"), format!("\u{feff}{}\r\n", REPORT.join("\r\n"))] {
        let rows = cli_tag(text);
        assert_eq!(cli_labels(&rows), plain);
        assert_eq!(rows[0]["text"], REPORT[0], "no BOM or CR in the text");
    }
}

#[test]
fn cli_nul_bytes_are_escaped_in_json() {
    let rows = cli_tag(format!("{}\n\0\n甲\0乙\n", REPORT[0]).into_bytes());
    assert_eq!(cli_labels(&rows).iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(rows[1]["text"], "\0");
    assert_eq!(rows[2]["text"], "甲\0乙");
    tiaoli().args(["tag", "--format", "table"]).write_stdin("甲\0乙\n").assert().success().stdout(contains("甲"));
}

#[test]
fn cli_names_invalid_utf8_and_utf16_and_prints_nothing() {
    let dir = TempDir::new().unwrap();
    let gbk = write(dir.path(), "gbk.txt", b"2024\r\n\xd7\xdc\xbd\xe1\r\n");
    tiaoli()
        .arg("tag")
        .arg(&gbk)
        .assert()
        .failure()
        .stdout("")
        .stderr(contains("gbk.txt:2: invalid UTF-8 (byte 1 of the line); tiaoli reads UTF-8 text only"));
    let utf16: Vec<u8> = "\u{feff}总结\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16 = write(dir.path(), "unicode.txt", utf16);
    tiaoli()
        .arg("tag")
        .arg(&utf16)
        .assert()
        .failure()
        .stdout("")
        .stderr(contains("unicode.txt: the text is UTF-16").and(contains("save it as UTF-8")));
    tiaoli().args(["tag", "-"]).write_stdin(b"ok\r\xff".to_vec()).assert().failure().stderr(contains("<stdin>:2:"));
}

#[test]
fn cli_tags_a_huge_single_line_and_many_short_lines() {
    let sentence = "今年以来,我们认真落实各项部署,扎实推进重点工作。";
    let huge = sentence.repeat(20 * 1024 * 1024 / sentence.len() + 1);
    let rows = cli_tag(huge.as_bytes());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["line"], 1);
    assert_eq!(rows[0]["text"].as_str().unwrap().len(), huge.len());

    let text: String =
        (0..200_000).map(|i| if i % 2 == 0 { "一、加强制度建设\n" } else { "全年办理来文860件。\n" }).collect();
    let rows = cli_tag(text);
    assert_eq!(rows.len(), 200_000);
    assert_eq!(rows[199_999]["line"], 200_000);
    assert_eq!(rows[199_999]["text"], "全年办理来文860件。");
}

#[test]
fn cli_prints_html_and_script_as_data() {
    let text = "<script>alert('x')</script>\n<p onclick=\"evil()\">一、主要工作</p>\n\"引号\"\\反斜杠\n";
    let rows = cli_tag(text);
    let texts: Vec<&str> = rows.iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["<script>alert('x')</script>", "<p onclick=\"evil()\">一、主要工作</p>", "\"引号\"\\反斜杠"]);
    assert_eq!(rows[0]["label"], "boilerplate");
}

#[test]
fn cli_a_truncated_or_foreign_model_is_named_and_nothing_is_tagged() {
    let dir = TempDir::new().unwrap();
    let bytes = mini_model_bytes();
    let mut flipped = bytes.to_vec();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let cases = [
        (write(dir.path(), "empty.tiaoli", b""), "model file is truncated"),
        (write(dir.path(), "header.tiaoli", &bytes[..20]), "model file is truncated: payload"),
        (write(dir.path(), "flipped.tiaoli", flipped), "checksum mismatch"),
        (write(dir.path(), "model.html", "<!doctype html><title>404</title>"), "not a tiaoli model file"),
    ];
    for (path, message) in cases {
        tiaoli()
            .args(["tag", "--model"])
            .arg(&path)
            .write_stdin(REPORT.join("\n"))
            .assert()
            .failure()
            .stdout("")
            .stderr(contains(message));
    }
}

// ------------------------------------------------------------------ the command: training data

/// `tiaoli train` on `data` into `dir/model.tiaoli`: it must fail with `message`, and leave
/// no model and no temporary file.
fn train_fails(dir: &Path, data: &Path, message: &str) {
    let out = dir.join("model.tiaoli");
    tiaoli().args(["train", "--data"]).arg(data).arg("--out").arg(&out).assert().failure().stderr(contains(message));
    assert!(!out.exists(), "a failed run must not leave a model");
}

#[test]
fn train_refuses_rows_that_label_one_paragraph_twice_naming_both() {
    let dir = TempDir::new().unwrap();
    let rows = [
        r#"{"doc":"clinic","line":1,"text":"2024年卫生院工作总结","label":"title"}"#,
        r#"{"doc":"clinic","line":2,"text":"一、主要工作","label":"work"}"#,
        r#"{"doc":"clinic","line":2,"text":"一、主要工作","label":"plans"}"#,
    ];
    let data = write(dir.path(), "clinic.jsonl", rows.join("\n"));
    train_fails(dir.path(), &data, "clinic.jsonl:3: duplicate row: doc `clinic` line 2 is already labelled at");
    // The same file twice: once through its directory, once by name.
    let sub = dir.path().join("corpus");
    std::fs::create_dir(&sub).unwrap();
    let once = write(&sub, "a.jsonl", rows[..2].join("\n"));
    let out = dir.path().join("model.tiaoli");
    tiaoli().args(["train", "--data"]).arg(&sub).arg(&once).arg("--out").arg(&out).assert().failure().stderr(
        contains("a.jsonl:1: duplicate row: doc `clinic` line 1 is already labelled at").and(contains("a.jsonl:1\n")),
    );
    assert!(!out.exists());
}

#[test]
fn train_accepts_repeated_text_in_different_places() {
    // Stock headings recur across reports, and one phrase can be work under one heading and a
    // plan under another: neither is a duplicate.
    let dir = TempDir::new().unwrap();
    let corpus = std::fs::read_to_string(mini_corpus_path()).unwrap();
    let extra = [
        r#"{"doc":"extra","line":1,"text":"一、主要工作","label":"work"}"#,
        r#"{"doc":"extra","line":2,"text":"(一)加强队伍建设。","label":"work"}"#,
        r#"{"doc":"extra","line":5,"text":"(一)加强队伍建设。","label":"plans"}"#,
        r#"{"doc":"extra","line":6,"text":"一、主要工作","label":"work"}"#,
    ];
    let data = write(dir.path(), "data.jsonl", format!("{corpus}\n{}\n", extra.join("\n")));
    let out = dir.path().join("m.tiaoli");
    tiaoli().args(["train", "--min-df", "1", "--data"]).arg(&data).arg("--out").arg(&out).assert().success();
    assert!(FittedTagger::from_bytes(&std::fs::read(&out).unwrap()).is_ok());
}

#[test]
fn train_names_bad_field_types_and_encodings() {
    let dir = TempDir::new().unwrap();
    let good = row("一、主要工作", "work", "g");
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "label-type.jsonl",
            format!("{good}\n{{\"text\":\"甲\",\"label\":3}}\n").into(),
            "label-type.jsonl:2: field `label` must be a string, found a number",
        ),
        (
            "group-type.jsonl",
            format!("{good}\n{{\"text\":\"甲\",\"label\":\"work\",\"group\":[1]}}\n").into(),
            "group-type.jsonl:2: field `group` must be a string, found an array",
        ),
        (
            "line-type.jsonl",
            format!("{good}\n{{\"text\":\"甲\",\"label\":\"work\",\"line\":1.5}}\n").into(),
            "line-type.jsonl:2: field `line` must be a whole number",
        ),
        (
            "not-object.jsonl",
            format!("{good}\n\"一行文字\"\n").into(),
            "not-object.jsonl:2: malformed JSON: expected an object",
        ),
        (
            "gbk.jsonl",
            [good.as_bytes(), b"\n{\"text\":\"\xd7\xdc\",\"label\":\"work\"}\n"].concat(),
            "gbk.jsonl:2: invalid UTF-8",
        ),
        ("nul.jsonl", format!("{good}\n\0\n").into(), "nul.jsonl:2: malformed JSON"),
    ];
    for (name, contents, message) in cases {
        let data = write(dir.path(), name, contents);
        train_fails(dir.path(), &data, message);
    }
}

#[test]
fn train_into_an_unwritable_place_fails_clearly_and_keeps_no_temporary_file() {
    let dir = TempDir::new().unwrap();
    // The output is a directory: the rename onto it fails.
    let taken = dir.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    tiaoli()
        .args(["train", "--min-df", "1", "--data"])
        .arg(mini_corpus_path())
        .arg("--out")
        .arg(&taken)
        .assert()
        .failure()
        .stderr(contains(format!("cannot write {}", taken.display())));
    assert!(taken.is_dir());
    // The output's parent is a file.
    let file = write(dir.path(), "notes.txt", "说明");
    tiaoli()
        .args(["train", "--data"])
        .arg(mini_corpus_path())
        .arg("--out")
        .arg(file.join("m.tiaoli"))
        .assert()
        .failure()
        .stderr(contains("notes.txt"));
    let mut left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    left.sort();
    assert_eq!(left, ["notes.txt", "taken"], "no temporary model file is left behind");
    assert_eq!(std::fs::read_dir(&taken).unwrap().count(), 0);
}
