//! Shared fixtures. All text here and in `tests/data` was written for these tests.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tiaoli::{Corpus, FittedTagger, TaggerParams};

/// The workspace root (this package is `crates/tiaoli-cli`).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().and_then(Path::parent).unwrap()
}

/// A small labelled corpus of four invented reports (clinic, school, bank, personal).
pub fn mini_corpus_path() -> PathBuf {
    root().join("tests/data/mini.jsonl")
}

/// The sample report shown in the README.
pub fn sample_report_path() -> PathBuf {
    root().join("examples/report.txt")
}

pub fn mini_corpus() -> Corpus {
    Corpus::load(&[mini_corpus_path()]).unwrap()
}

/// Settings for a model of the mini corpus: every term counts, few iterations.
pub fn mini_params() -> TaggerParams {
    TaggerParams::default().min_df(1).max_iterations(50)
}

/// A model trained on the mini corpus, trained once per test run.
pub fn mini_model() -> &'static FittedTagger {
    static MODEL: OnceLock<FittedTagger> = OnceLock::new();
    MODEL.get_or_init(|| mini_params().fit(&mini_corpus()).unwrap())
}

/// The bytes of [`mini_model`].
pub fn mini_model_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| mini_model().to_bytes())
}

/// The `tiaoli` binary of this checkout, which cargo builds before these tests.
pub fn tiaoli() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_tiaoli"));
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// Write `contents` to `name` inside `dir`, returning the path.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// A labelled JSONL row.
pub fn row(text: &str, label: &str, group: &str) -> String {
    serde_json::json!({"text": text, "label": label, "group": group}).to_string()
}

/// CRC-32 (IEEE), bit by bit: an independent check of the file format's checksum.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
