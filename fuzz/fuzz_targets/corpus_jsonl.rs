//! Arbitrary text as a JSONL corpus file: parsing either succeeds with non-empty, trimmed rows
//! or fails with an error that names the file and a line.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tiaoli::Corpus;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut corpus = Corpus::default();
    match corpus.extend_from_jsonl(Path::new("fuzz.jsonl"), text) {
        Ok(()) => {
            for e in corpus.examples() {
                assert!(!e.text.is_empty() && e.text == e.text.trim());
                assert!(e.source.1 >= 1 && e.source.1 <= text.lines().count());
            }
        }
        Err(err) => {
            let message = err.to_string();
            assert!(message.starts_with("fuzz.jsonl:"), "{message}");
        }
    }
});
