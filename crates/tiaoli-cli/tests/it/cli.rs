//! The `tiaoli` command, end to end.

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;
use tempfile::TempDir;

use crate::helpers::{mini_corpus_path, mini_model_bytes, row, sample_report_path, tiaoli, write};

fn jsonl(stdout: &[u8]) -> Vec<Value> {
    std::str::from_utf8(stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn tag_prints_one_json_object_per_paragraph_in_order() {
    let out = tiaoli().arg("tag").arg(sample_report_path()).assert().success().get_output().stdout.clone();
    let rows = jsonl(&out);
    let text = std::fs::read_to_string(sample_report_path()).unwrap();
    let expected: Vec<(usize, &str)> =
        text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, l)| (i + 1, l.trim())).collect();
    assert_eq!(rows.len(), expected.len());
    for raw in std::str::from_utf8(&out).unwrap().lines() {
        let at: Vec<usize> = ["\"line\":", "\"label\":", "\"confidence\":", "\"scores\":", "\"text\":"]
            .iter()
            .map(|key| raw.find(key).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "keys out of the documented order: {raw}");
    }
    for (row, (line, para)) in rows.iter().zip(expected) {
        assert_eq!(row["line"], line);
        assert_eq!(row["text"], para);
        let scores = row["scores"].as_object().unwrap();
        assert_eq!(scores.len(), 8);
        let sum: f64 = scores.values().map(|v| v.as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-3);
        let label = row["label"].as_str().unwrap();
        assert_eq!(row["confidence"], scores[label]);
    }
    assert_eq!(rows[1]["label"], "title");
}

#[test]
fn every_command_takes_one_format_flag() {
    let report = sample_report_path();
    let lines = jsonl(&tiaoli().args(["tag", "--format", "jsonl"]).arg(&report).assert().success().get_output().stdout);
    let array: Value = serde_json::from_slice(
        &tiaoli().args(["tag", "-f", "json"]).arg(&report).assert().success().get_output().stdout,
    )
    .unwrap();
    assert_eq!(array, Value::Array(lines));
    // Tables are the default of the commands that print one result.
    let table = tiaoli().args(["inspect", "--top", "2"]).assert().success().get_output().stdout.clone();
    assert!(serde_json::from_slice::<Value>(&table).is_err() && String::from_utf8(table).unwrap().contains("title"));
    // A line per result means nothing for a single result: refused, with the values there are.
    tiaoli()
        .args(["eval", "--format", "jsonl", "--data"])
        .arg(mini_corpus_path())
        .assert()
        .failure()
        .stderr(contains("invalid value 'jsonl' for '--format <FORMAT>'").and(contains("table, json")));
}

#[test]
fn tag_reads_standard_input() {
    let input = "2023年度安全生产工作总结\n一、加强隐患排查\n";
    let a = tiaoli().arg("tag").write_stdin(input).assert().success().get_output().stdout.clone();
    let b = tiaoli().args(["tag", "-"]).write_stdin(input).assert().success().get_output().stdout.clone();
    assert_eq!(a, b);
    let rows = jsonl(&a);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["line"], 2);
}

#[test]
fn tag_explains_its_choices() {
    let out = tiaoli().args(["tag", "--explain"]).arg(sample_report_path()).assert().success();
    let rows = jsonl(&out.get_output().stdout);
    for row in &rows {
        let words = row["explain"]["words"].as_array().unwrap();
        let context = row["explain"]["context"].as_array().unwrap();
        assert!(words.len() <= 4 && !context.is_empty() && context.len() <= 4, "{row}");
        for c in words.iter().chain(context) {
            assert!(c["feature"].is_string() && c["weight"].as_f64().unwrap() > 0.0, "{c}");
        }
    }
    let plain = tiaoli().arg("tag").arg(sample_report_path()).assert().success();
    assert!(jsonl(&plain.get_output().stdout).iter().all(|r| r.get("explain").is_none()));
    tiaoli()
        .args(["tag", "--explain", "--format", "table"])
        .arg(sample_report_path())
        .assert()
        .success()
        .stdout(contains("words: ").and(contains("context: ")));
}

#[test]
fn tag_table_shows_types_in_chinese_and_english() {
    tiaoli()
        .args(["tag", "--format", "table"])
        .arg(sample_report_path())
        .assert()
        .success()
        .stdout(contains("line").and(contains("标题 title")).and(contains("主要工作 work")));
}

#[test]
fn tag_rejects_invalid_utf8_with_its_line() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "bad.txt", b"\xe7\xac\xac\xe4\xb8\x80\xe8\xa1\x8c\nok\nbad \xff here\n");
    tiaoli()
        .arg("tag")
        .arg(&file)
        .assert()
        .failure()
        .stdout("")
        .stderr(contains("bad.txt:3: invalid UTF-8 (byte 5 of the line)"));
}

#[test]
fn tag_names_a_missing_file() {
    tiaoli().args(["tag", "no/such/report.txt"]).assert().failure().stderr(contains("cannot read no/such/report.txt"));
}

#[test]
fn tag_explains_unusable_models() {
    let dir = TempDir::new().unwrap();
    let bytes = mini_model_bytes();
    let truncated = write(dir.path(), "cut.tiaoli", &bytes[..bytes.len() / 2]);
    let other = write(dir.path(), "notes.txt", "这不是模型文件,只是一段说明文字。");
    let mut newer = bytes.to_vec();
    newer[8] = 9;
    let newer = write(dir.path(), "newer.tiaoli", newer);
    for (path, message) in [
        (truncated, "model file is truncated"),
        (other, "not a tiaoli model file"),
        (newer, "model format version 9 is not supported"),
        (dir.path().join("missing.tiaoli"), "cannot read model"),
    ] {
        tiaoli().args(["tag", "--model"]).arg(&path).write_stdin("标题\n").assert().failure().stderr(contains(message));
    }
}

#[test]
fn train_writes_a_model_that_tags_and_is_reproducible() {
    let dir = TempDir::new().unwrap();
    let (a, b) = (dir.path().join("a.tiaoli"), dir.path().join("b.tiaoli"));
    for out in [&a, &b] {
        tiaoli()
            .args(["train", "--min-df", "1", "--data"])
            .arg(mini_corpus_path())
            .arg("--out")
            .arg(out)
            .assert()
            .success()
            .stdout(contains("43 paragraphs"));
    }
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(), "same data, same bytes");
    let out = tiaoli().args(["tag", "--model"]).arg(&a).write_stdin("2025年办公室工作总结\n").assert().success();
    assert_eq!(jsonl(&out.get_output().stdout)[0]["label"], "title");
}

#[test]
fn train_reports_bad_data_with_file_and_line_and_leaves_no_model() {
    let dir = TempDir::new().unwrap();
    let good = row("一、主要工作", "work", "g");
    let cases: Vec<(&str, String, &str)> = vec![
        ("malformed.jsonl", format!("{good}\n{{\"text\": \"甲\", \n"), "malformed.jsonl:2: malformed JSON"),
        ("missing.jsonl", format!("{good}\n{{\"label\": \"work\"}}\n"), "missing.jsonl:2: missing field `text`"),
        (
            "unknown.jsonl",
            format!("{good}\n{}\n", row("甲", "summary", "g")),
            "unknown.jsonl:2: field `label`: unknown label \"summary\"",
        ),
        ("empty.jsonl", "\n\n".into(), "the corpus is empty"),
        (
            "single.jsonl",
            format!("{good}\n{}\n", row("二、主要做法", "work", "g")),
            "every paragraph of the corpus is labelled `work`",
        ),
    ];
    for (name, contents, message) in cases {
        let data = write(dir.path(), name, contents);
        let out = dir.path().join("model.tiaoli");
        tiaoli()
            .args(["train", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .assert()
            .failure()
            .stderr(contains(message));
        assert!(!out.exists(), "{name}: a failed run must not leave a model");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| !n.to_string_lossy().ends_with(".jsonl"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
}

#[test]
fn a_failed_train_keeps_the_previous_model() {
    let dir = TempDir::new().unwrap();
    let out = write(dir.path(), "model.tiaoli", mini_model_bytes());
    let data = write(dir.path(), "bad.jsonl", "{\"text\": 1}\n");
    tiaoli().args(["train", "--data"]).arg(&data).arg("--out").arg(&out).assert().failure();
    assert!(std::fs::read(&out).unwrap() == mini_model_bytes());
}

#[test]
fn train_names_missing_inputs_and_outputs() {
    let dir = TempDir::new().unwrap();
    tiaoli()
        .args(["train", "--data", "no/such.jsonl", "--out"])
        .arg(dir.path().join("m.tiaoli"))
        .assert()
        .failure()
        .stderr(contains("no/such.jsonl"));
    let empty_dir = dir.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    tiaoli()
        .args(["train", "--data"])
        .arg(&empty_dir)
        .arg("--out")
        .arg(dir.path().join("m.tiaoli"))
        .assert()
        .failure()
        .stderr(contains("no *.jsonl files in this directory"));
    tiaoli()
        .args(["train", "--data"])
        .arg(mini_corpus_path())
        .arg("--out")
        .arg(dir.path().join("no/such/dir/m.tiaoli"))
        .assert()
        .failure()
        .stderr(contains("does not exist"));
}

#[test]
fn train_validates_settings() {
    let dir = TempDir::new().unwrap();
    tiaoli()
        .args(["train", "--alpha=-1", "--data"])
        .arg(mini_corpus_path())
        .arg("--out")
        .arg(dir.path().join("m.tiaoli"))
        .assert()
        .failure()
        .stderr(contains("invalid setting `alpha`"));
    tiaoli()
        .args(["train", "--char-ngrams", "3-x", "--data"])
        .arg(mini_corpus_path())
        .arg("--out")
        .arg(dir.path().join("m.tiaoli"))
        .assert()
        .code(2)
        .stderr(contains("expected MIN-MAX"));
}

#[test]
fn eval_prints_metrics_as_json_and_tables() {
    let dir = TempDir::new().unwrap();
    let model = write(dir.path(), "m.tiaoli", mini_model_bytes());
    let out = tiaoli()
        .args(["eval", "--format", "json", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(mini_corpus_path())
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(v["accuracy"].as_f64().unwrap() > 0.9);
    assert!(v["macro_f1"].as_f64().unwrap() > 0.8);
    assert_eq!(v["total"], 43);
    assert_eq!(v["per_class"]["work"]["support"], 13);
    let matrix = v["confusion"]["matrix"].as_array().unwrap();
    assert_eq!(matrix.len(), v["confusion"]["labels"].as_array().unwrap().len());
    let total: u64 = matrix.iter().flat_map(|r| r.as_array().unwrap()).map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(total, 43);

    tiaoli()
        .args(["eval", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(mini_corpus_path())
        .assert()
        .success()
        .stdout(contains("macro-F1").and(contains("confusion")).and(contains("存在问题 problems")));
}

#[test]
fn cv_reports_folds_grouped_by_report() {
    let out = tiaoli()
        .args(["cv", "--folds", "2", "--format", "json", "--min-df", "1", "--max-iterations", "30", "--data"])
        .arg(mini_corpus_path())
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let folds = v["folds"].as_array().unwrap();
    assert_eq!(folds.len(), 2);
    let tested: u64 = folds.iter().map(|f| f["total"].as_u64().unwrap()).sum();
    assert_eq!(tested, 43);
    let mut groups: Vec<&str> =
        folds.iter().flat_map(|f| f["groups"].as_array().unwrap()).map(|g| g.as_str().unwrap()).collect();
    groups.sort();
    assert_eq!(groups, ["bank", "clinic", "personal", "school"]);
    assert!((0.0..=1.0).contains(&v["macro_f1"].as_f64().unwrap()));

    tiaoli()
        .args(["cv", "--folds", "5", "--data"])
        .arg(mini_corpus_path())
        .assert()
        .failure()
        .stderr(contains("cannot make 5 folds from 4 report groups: ask for 4 folds or fewer (--folds)"));
}

#[test]
fn cv_can_leave_one_sector_out() {
    let dir = TempDir::new().unwrap();
    let text = std::fs::read_to_string(mini_corpus_path()).unwrap();
    let mut rows = String::new();
    for line in text.lines() {
        let mut row: Value = serde_json::from_str(line).unwrap();
        let sector = if matches!(row["group"].as_str(), Some("clinic" | "school")) { "public" } else { "finance" };
        row["sector"] = sector.into();
        rows += &format!("{row}\n");
    }
    let data = write(dir.path(), "sectors.jsonl", rows);
    let out = tiaoli()
        .args(["cv", "--by", "sector", "--format", "json", "--min-df", "1", "--max-iterations", "30", "--data"])
        .arg(&data)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let folds = v["folds"].as_array().unwrap();
    let held_out: Vec<&str> = folds.iter().map(|f| f["held_out"].as_str().unwrap()).collect();
    assert_eq!(held_out, ["finance", "public"]);
    assert_eq!(folds[0]["groups"], serde_json::json!(["bank", "personal"]));
    assert_eq!(folds.iter().map(|f| f["total"].as_u64().unwrap()).sum::<u64>(), 43);

    tiaoli()
        .args(["cv", "--by", "sector", "--data"])
        .arg(mini_corpus_path())
        .assert()
        .failure()
        .stderr(contains("needs at least 2 sectors"));
}

#[test]
fn cv_can_train_on_more_data_than_it_tests() {
    let dir = TempDir::new().unwrap();
    let text = std::fs::read_to_string(mini_corpus_path()).unwrap();
    let (mut own, mut extra) = (String::new(), String::new());
    for line in text.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        let target = if matches!(row["group"].as_str(), Some("bank" | "school")) { &mut own } else { &mut extra };
        *target += &format!("{row}\n");
    }
    let own_path = write(dir.path(), "own.jsonl", &own);
    let extra_path = write(dir.path(), "extra.jsonl", &extra);
    let out = tiaoli()
        .args(["cv", "--format", "json", "--folds", "2", "--min-df", "1", "--max-iterations", "30", "--data"])
        .arg(&own_path)
        .arg("--train-also")
        .arg(&extra_path)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let (own_rows, extra_rows) = (own.lines().count() as u64, extra.lines().count() as u64);
    assert_eq!(v["rows"].as_u64(), Some(own_rows));
    assert_eq!(v["train_also"], serde_json::json!([extra_path]));
    assert_eq!(v["predictions"].as_array().unwrap().len() as u64, own_rows);
    for fold in v["folds"].as_array().unwrap() {
        assert_eq!(fold["train_rows"].as_u64().unwrap(), own_rows - fold["total"].as_u64().unwrap() + extra_rows);
    }
}

#[test]
fn inspect_shows_metadata_and_features() {
    tiaoli().arg("inspect").assert().success().stdout(
        contains(format!("format version   {}", tiaoli::FORMAT_VERSION))
            .and(contains("context pass     yes"))
            .and(contains("corpus_sha256    "))
            .and(predicates::str::is_match(r"(?m)^calibration_temperature \d").unwrap())
            .and(contains("存在问题 problems — strongest features")),
    );
    let out = tiaoli().args(["inspect", "--format", "json", "--top", "3"]).assert().success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["labels"].as_array().unwrap().len(), 8);
    assert!(v["vocabulary_size"].as_u64().unwrap() > 1000);
    for (label, list) in v["top_features"].as_object().unwrap() {
        assert_eq!(list.as_array().unwrap().len(), 3, "{label}");
    }
}
