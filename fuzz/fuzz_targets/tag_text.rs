//! The default model tags arbitrary text (bytes as lossy UTF-8): every paragraph slices the
//! input exactly and every prediction is a probability distribution.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tiaoli::FittedTagger;

fn model() -> &'static FittedTagger {
    static MODEL: OnceLock<FittedTagger> = OnceLock::new();
    MODEL.get_or_init(FittedTagger::default_model)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let model = model();
    let tagged = model.tag(&text);
    assert_eq!(tagged.len(), tiaoli::paragraphs(&text).count());
    let mut last_line = 0;
    for t in &tagged {
        let p = &t.paragraph;
        assert_eq!(&text[p.start..p.end], p.text);
        assert!(p.line > last_line);
        last_line = p.line;
        let probs = &t.prediction.probabilities;
        assert_eq!(probs.len(), model.labels().len());
        assert!(probs.iter().all(|v| v.is_finite() && *v >= 0.0), "{probs:?}");
        let sum: f32 = probs.iter().sum();
        assert!((sum - 1.0).abs() < 1e-3, "probabilities sum to {sum}");
        assert_eq!(t.prediction.confidence, probs.iter().copied().fold(f32::MIN, f32::max));
    }
    // Explaining must not panic either, and agrees with tagging.
    let texts: Vec<&str> = tagged.iter().map(|t| t.paragraph.text).collect();
    for ((prediction, _), t) in model.explain(&texts, 3).iter().zip(&tagged) {
        assert_eq!(prediction.label, t.prediction.label);
    }
});
