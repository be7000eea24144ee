//! Arbitrary bytes as a model file: loading either fails with a `ModelError` or gives a model
//! that tags without panicking, with finite probabilities, and survives a save and reload.
//!
//! A random flip almost always fails the CRC-32 first, which would leave the payload parser
//! unexplored; so each input is also tried with its header's payload length and checksum
//! recomputed, as a careless or malicious writer would produce.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tiaoli::FittedTagger;

const HEADER_LEN: usize = 8 + 4 + 8;

fn check(bytes: &[u8]) {
    let Ok(model) = FittedTagger::from_bytes(bytes) else { return };
    let text = "2024年度工作总结\n一、主要工作\n存在的问题:人员不足。\n下一步,我们将继续努力。";
    let tagged = model.tag(text);
    assert_eq!(tagged.len(), 4);
    for t in &tagged {
        let p = &t.prediction;
        assert_eq!(p.probabilities.len(), model.labels().len());
        assert!(p.probabilities.iter().all(|v| v.is_finite()), "{:?}", p.probabilities);
    }
    let texts: Vec<&str> = tagged.iter().map(|t| t.paragraph.text).collect();
    let _ = model.explain(&texts, 3);
    let _ = model.info();
    for &label in model.labels() {
        let _ = model.top_features(label, 5);
    }
    // Whatever loads must save to a file that loads again. A file of today's format holds
    // quantised weights already, so it saves to the same bytes and tags the same way; an
    // older file's f32 weights are quantised when saved, which may move a close call.
    let saved = model.to_bytes();
    let reloaded = FittedTagger::from_bytes(&saved).expect("a loaded model's own bytes load");
    let again: Vec<_> = reloaded.tag(text).into_iter().map(|t| t.prediction).collect();
    assert!(again.iter().all(|p| p.probabilities.iter().all(|v| v.is_finite())));
    if model.info().format_version == tiaoli::FORMAT_VERSION {
        assert_eq!(reloaded.to_bytes(), saved);
        assert_eq!(
            again.iter().map(|p| p.label).collect::<Vec<_>>(),
            tagged.iter().map(|t| t.prediction.label).collect::<Vec<_>>()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if data.len() >= HEADER_LEN + 4 && data.starts_with(b"TIAOLI\x1a\n") {
        let mut fixed = data.to_vec();
        let payload_end = fixed.len() - 4;
        let crc = crc32fast::hash(&fixed[HEADER_LEN..payload_end]);
        fixed[12..20].copy_from_slice(&((payload_end - HEADER_LEN) as u64).to_le_bytes());
        fixed[payload_end..].copy_from_slice(&crc.to_le_bytes());
        check(&fixed);
    }
});
