//! The library's public API: the shipped model, training, the model file, cross-validation.

use tiaoli::{
    assign_folds, cross_validate, ClassBalance, Corpus, Drafts, Error, Example, FittedTagger, Label, ModelError, Split,
    TaggerParams, DRAFT_CUTS, FORMAT_VERSION,
};

use crate::helpers::{crc32, mini_corpus, mini_model, mini_model_bytes, mini_params, root, sample_report_path};

fn sample_report() -> String {
    std::fs::read_to_string(sample_report_path()).unwrap()
}

#[test]
fn default_model_tags_the_clear_cases_of_the_sample_report() {
    let tagger = FittedTagger::default_model();
    let text = sample_report();
    let tagged = tagger.tag(&text);
    assert_eq!(tagged.len(), text.lines().filter(|l| !l.trim().is_empty()).count());
    let label_of = |start: &str| {
        tagged
            .iter()
            .find(|t| t.paragraph.text.starts_with(start))
            .unwrap_or_else(|| panic!("no paragraph starts with {start}"))
            .prediction
            .label
    };
    assert_eq!(label_of("市图书馆2024年度工作总结"), Label::Title);
    assert_eq!(label_of("(一)持续开展全民阅读活动"), Label::Work);
    assert_eq!(label_of("(三)加强基层服务网点建设"), Label::Work);
    assert_eq!(label_of("2024年,市图书馆在"), Label::Opening);
    assert_eq!(label_of("三、存在的问题"), Label::Problems);
    assert_eq!(label_of("四、2025年工作打算"), Label::Plans);
    // Only where it stands makes these two: a 体会 heading, and the signature at the end.
    assert_eq!(label_of("二、几点体会"), Label::Experience);
    assert_eq!(label_of("2024年12月20日"), Label::Closing);
    for t in &tagged {
        let sum: f32 = t.prediction.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-4, "probabilities of line {} sum to {sum}", t.paragraph.line);
        let max = t.prediction.probabilities.iter().copied().fold(0.0, f32::max);
        assert_eq!(t.prediction.confidence, max);
    }
}

#[test]
fn scores_pair_every_label_with_its_probability_and_serialise_as_one_object() {
    let tagger = FittedTagger::default_model();
    let report = sample_report();
    for t in &tagger.tag(&report) {
        let scores = tagger.scores(&t.prediction);
        let pairs: Vec<(Label, f32)> = scores.iter().collect();
        let expected: Vec<(Label, f32)> =
            tagger.labels().iter().copied().zip(t.prediction.probabilities.iter().copied()).collect();
        assert_eq!(pairs, expected);
        let json = serde_json::to_value(scores).unwrap();
        let object = json.as_object().unwrap();
        assert_eq!(object.len(), tagger.labels().len());
        let best = t.prediction.label.as_str();
        assert_eq!(object[best].as_f64().unwrap() as f32, t.prediction.confidence, "{json}");
    }
    assert_eq!(serde_json::to_value(Label::Plans).unwrap(), "plans");
}

#[test]
fn default_model_records_its_training() {
    let info = FittedTagger::default_model().info();
    assert_eq!(info.format_version, FORMAT_VERSION);
    assert_eq!(info.labels, Label::ALL.to_vec(), "the shipped model knows all eight types");
    assert!(info.metadata.get("corpus_sha256").is_some_and(|h| h.len() == 64));
    assert!(info.metadata["corpus_rows"].parse::<usize>().unwrap() >= 400);
    assert!(info.dictionary_size > 100, "the model carries its segmentation dictionary");
}

#[test]
fn paragraph_offsets_slice_the_input() {
    let text = "\u{feff}标题\r\n\r\n  一、做法 \r二、问题\n";
    let tagged = mini_model().tag(text);
    let got: Vec<(usize, &str)> =
        tagged.iter().map(|t| (t.paragraph.line, &text[t.paragraph.start..t.paragraph.end])).collect();
    assert_eq!(got, vec![(1, "标题"), (3, "一、做法"), (4, "二、问题")]);
}

#[test]
fn a_model_learns_its_corpus() {
    let corpus = mini_corpus();
    let scored = tiaoli::evaluate(mini_model(), &corpus);
    assert!(scored.evaluation.accuracy > 0.9, "training accuracy {}", scored.evaluation.accuracy);
    assert_eq!(scored.calibration.total, corpus.len());
    assert_eq!(mini_model().predict("2022年度工会工作总结").label, Label::Title);
}

#[test]
fn training_is_deterministic() {
    let again = mini_params().fit(&mini_corpus()).unwrap().to_bytes();
    assert!(again == mini_model_bytes(), "same data and settings must give the same bytes");
}

#[test]
fn model_files_round_trip() {
    let loaded = FittedTagger::from_bytes(mini_model_bytes()).unwrap();
    assert!(loaded.to_bytes() == mini_model_bytes());
    let text = sample_report();
    let a: Vec<_> = mini_model().tag(&text).into_iter().map(|t| t.prediction).collect();
    let b: Vec<_> = loaded.tag(&text).into_iter().map(|t| t.prediction).collect();
    assert_eq!(a, b);
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = mini_model_bytes();
    for len in 0..bytes.len() {
        let err = FittedTagger::from_bytes(&bytes[..len]).unwrap_err();
        assert!(matches!(err, ModelError::Truncated { .. } | ModelError::Checksum { .. }), "cut at {len}: {err}");
    }
}

#[test]
fn flipped_bytes_are_errors() {
    let bytes = mini_model_bytes();
    for pos in (0..bytes.len()).step_by(7) {
        let mut damaged = bytes.to_vec();
        damaged[pos] ^= 0x20;
        assert!(FittedTagger::from_bytes(&damaged).is_err(), "flip at byte {pos} went unnoticed");
    }
}

#[test]
fn other_files_and_versions_are_named() {
    let err = FittedTagger::from_bytes(b"\x89PNG\r\n\x1a\n0000000000000000").unwrap_err();
    assert_eq!(err, ModelError::BadMagic);

    let mut next = mini_model_bytes().to_vec();
    next[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = FittedTagger::from_bytes(&next).unwrap_err();
    assert_eq!(err, ModelError::UnsupportedVersion { found: FORMAT_VERSION + 1, supported: FORMAT_VERSION });
    assert!(err.to_string().contains(&format!("format version {} is not supported", FORMAT_VERSION + 1)), "{err}");

    // The context passes of versions 2 and 3 are no longer computed: such a file asks to be
    // retrained.
    for version in [2u32, 3] {
        let mut old = mini_model_bytes().to_vec();
        old[8..12].copy_from_slice(&version.to_le_bytes());
        let err = FittedTagger::from_bytes(&old).unwrap_err();
        assert_eq!(err, ModelError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
        assert!(err.to_string().contains("retrain the model"), "{err}");
    }
}

#[test]
fn context_rounds_are_validated_and_recorded() {
    let err = mini_params().context_rounds(0).fit(&mini_corpus()).unwrap_err();
    assert!(matches!(err, Error::InvalidParam { name: "context_rounds", .. }), "{err}");
    let one = mini_params().context_rounds(1).fit(&mini_corpus()).unwrap();
    let two = mini_params().context_rounds(2).fit(&mini_corpus()).unwrap();
    assert_eq!(one.info().metadata["context_rounds"], "1");
    assert_eq!(two.info().metadata["context_rounds"], "2");
    // The second round is stored, so the file grows by one round of weights.
    assert!(two.to_bytes().len() > one.to_bytes().len());
    let reloaded = FittedTagger::from_bytes(&two.to_bytes()).unwrap();
    let text = sample_report();
    let labels = |m: &FittedTagger| m.tag(&text).into_iter().map(|t| t.prediction.label).collect::<Vec<_>>();
    assert_eq!(labels(&reloaded), labels(&two));
}

/// Models written by an earlier build (`tests/data/mini-v4.tiaoli`: the mini corpus with
/// `--min-df 1 --max-iterations 50 --max-features 300`; `mini-v1.tiaoli`: the same without
/// the context pass, in format version 1) still load, say which version they are, and tag
/// as they did once saved again in today's format.
#[test]
fn older_format_versions_still_load() {
    let text = sample_report();
    let labels = |m: &FittedTagger| m.tag(&text).into_iter().map(|t| t.prediction.label).collect::<Vec<_>>();
    for (file, version, context) in [("mini-v4.tiaoli", 4, true), ("mini-v1.tiaoli", 1, false)] {
        let bytes = std::fs::read(root().join("tests/data").join(file)).unwrap();
        let old = FittedTagger::from_bytes(&bytes).unwrap();
        assert_eq!(old.info().format_version, version, "{file}");
        assert_eq!(old.has_context(), context, "{file}");
        let saved = old.to_bytes();
        assert!(saved.len() < bytes.len() / 2, "{file}: {} bytes saved again, {} before", saved.len(), bytes.len());
        let again = FittedTagger::from_bytes(&saved).unwrap();
        assert_eq!(again.info().format_version, FORMAT_VERSION);
        assert_eq!(labels(&again), labels(&old), "{file}");
        // Quantised once, a model is saved the same byte for byte.
        assert_eq!(again.to_bytes(), saved, "{file}");
    }
}

#[test]
fn context_tells_the_same_words_apart_by_their_heading() {
    let report = "财务科2024年度工作总结\n\
        今年以来,财务科在局党组的领导下,认真履行职责,较好地完成了各项任务。现总结如下:\n\
        一、主要工作\n\
        (一)加强预算管理。全年编制预算12项,严格执行支出审批制度。\n\
        (二)加强队伍建设,组织业务培训4次,提升服务能力。\n\
        二、存在的问题\n\
        人员少,任务重,信息化水平不高。\n\
        三、明年工作打算\n\
        (一)加强队伍建设,提升服务能力。\n\
        (二)推进财务信息化建设。\n";
    let tagger = FittedTagger::default_model();
    assert!(tagger.has_context());
    let labels: Vec<Label> = tagger.tag(report).into_iter().map(|t| t.prediction.label).collect();
    assert_eq!(labels[4], Label::Work, "队伍建设 under the work heading");
    assert_eq!(labels[8], Label::Plans, "队伍建设 under the plans heading");
    let texts: Vec<&str> = report.lines().collect();
    let explained = tagger.explain(&texts, 3);
    assert_eq!(explained.len(), texts.len());
    for (prediction, why) in &explained {
        assert!(why.words.len() <= 3 && why.context.len() <= 3);
        assert!(why.context.iter().all(|(_, c)| *c > 0.0), "{:?} {why:?}", prediction.label);
    }
    // Its words are those of line 5, a work item: what decides line 9 is where it stands.
    let strongest = &explained[8].1.context[0].0;
    assert!(!strongest.starts_with("its words"), "{:?}", explained[8].1);
}

#[test]
fn the_context_pass_survives_the_model_file() {
    assert!(mini_model().has_context(), "the mini corpus has four report groups: enough for the context pass");
    let loaded = FittedTagger::from_bytes(mini_model_bytes()).unwrap();
    assert!(loaded.has_context());
    // Training stores its weights as the file does: what is read back is what was trained.
    assert_eq!(loaded.to_bytes(), mini_model_bytes());
    let text = sample_report();
    let scores = |m: &FittedTagger| m.tag(&text).into_iter().map(|t| t.prediction.probabilities).collect::<Vec<_>>();
    assert_eq!(scores(&loaded), scores(mini_model()));
    assert_eq!(mini_model().info().metadata["context"], "stacked (3 inner folds)");
}

#[test]
fn a_valid_checksum_does_not_hide_an_unknown_label() {
    let mut bytes = mini_model_bytes().to_vec();
    let needle = b"\x05\x00\x00\x00title";
    let at = bytes.windows(needle.len()).position(|w| w == needle).unwrap() + 4;
    bytes[at..at + 5].copy_from_slice(b"tytle");
    let end = bytes.len() - 4;
    let crc = crc32(&bytes[20..end]);
    bytes[end..].copy_from_slice(&crc.to_le_bytes());
    let err = FittedTagger::from_bytes(&bytes).unwrap_err();
    assert!(matches!(err, ModelError::Invalid { .. }), "{err}");
    assert!(err.to_string().contains("unknown label \"tytle\""), "{err}");
}

fn example(text: &str, label: Label, group: &str) -> Example {
    Example {
        text: text.into(),
        label,
        doc: group.into(),
        group: group.into(),
        sector: None,
        genre: None,
        source: ("test".into(), 1),
    }
}

#[test]
fn training_refuses_unusable_data_and_settings() {
    let one_label = Corpus::from_examples(vec![example("甲", Label::Work, "a"), example("乙", Label::Work, "b")]);
    assert!(matches!(TaggerParams::default().fit(&one_label), Err(Error::SingleClass { label: Label::Work })));
    assert!(matches!(TaggerParams::default().fit(&Corpus::default()), Err(Error::EmptyCorpus { .. })));

    let corpus = mini_corpus();
    let cases: [(TaggerParams, &str); 5] = [
        (TaggerParams::default().alpha(0.0), "alpha"),
        (TaggerParams::default().alpha(f64::NAN), "alpha"),
        (TaggerParams::default().word_ngrams(Some((2, 1))), "word_ngrams"),
        (TaggerParams::default().word_ngrams(None).char_ngrams(None), "word_ngrams"),
        (TaggerParams::default().max_features(0), "max_features"),
    ];
    for (params, name) in cases {
        match params.fit(&corpus) {
            Err(Error::InvalidParam { name: got, .. }) => assert_eq!(got, name),
            other => panic!("expected an invalid `{name}`, got {other:?}"),
        }
    }
}

#[test]
fn class_balance_changes_the_model() {
    let corpus = mini_corpus();
    let none = mini_params().class_balance(ClassBalance::None).fit(&corpus).unwrap();
    let adjusted = mini_params().class_balance(ClassBalance::LogitAdjust).fit(&corpus).unwrap();
    // Logit adjustment raises the rare types relative to `work` for the same text.
    let text = "三是开展了一些活动。";
    let share =
        |m: &FittedTagger, l: Label| m.predict(text).probabilities[m.labels().iter().position(|&x| x == l).unwrap()];
    assert!(
        share(&adjusted, Label::Closing) / share(&adjusted, Label::Work)
            > share(&none, Label::Closing) / share(&none, Label::Work)
    );
    assert_eq!(adjusted.info().metadata["class_balance"], "logit-adjust");
}

#[test]
fn cross_validation_keeps_reports_whole() {
    let corpus = mini_corpus();
    let folds = assign_folds(&corpus, 2, 0).unwrap();
    assert_eq!(folds.len(), 4, "one fold per group, for the four reports");
    let split = Split::Reports { folds: 2, seed: 0 };
    let cv = cross_validate(&mini_params(), &corpus, &split, None, Drafts::Score, |_, _| {}).unwrap();
    assert_eq!(cv.predictions.len(), corpus.len());
    assert_eq!(cv.fold_of.len(), corpus.len());
    // Each held-out report, cut after 3, 5, 8, … paragraphs while it is longer than the cut.
    let mut lengths: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in corpus.examples() {
        *lengths.entry(e.doc.as_str()).or_default() += 1;
    }
    let draft_rows: usize = lengths.values().map(|&n| DRAFT_CUTS.iter().filter(|&&c| c < n).sum::<usize>()).sum();
    let drafts = cv.drafts.as_ref().expect("drafts were asked for");
    assert_eq!(drafts.evaluation.total, draft_rows);
    assert_eq!(drafts.calibration.total, draft_rows);
    assert!((0.0..=1.0).contains(&cv.calibration.ece));
    assert_eq!(cv.folds.iter().map(|f| f.evaluation.total).sum::<usize>(), corpus.len());
    for f in &cv.folds {
        assert_eq!(f.train_rows + f.evaluation.total, corpus.len());
    }
    let mut groups: Vec<&String> = cv.folds.iter().flat_map(|f| &f.groups).collect();
    groups.sort();
    assert_eq!(groups, vec!["bank", "clinic", "personal", "school"]);
}

#[test]
fn cross_validation_can_train_on_more_data_but_tests_only_its_own() {
    let all = mini_corpus();
    let (own, extra): (Vec<usize>, Vec<usize>) =
        (0..all.len()).partition(|&i| ["bank", "school"].contains(&all.examples()[i].group.as_str()));
    let (own, extra) = (all.select(&own), all.select(&extra));
    let split = Split::Reports { folds: 2, seed: 0 };
    let cv = cross_validate(&mini_params(), &own, &split, Some(&extra), Drafts::Skip, |_, _| {}).unwrap();
    assert!(cv.drafts.is_none());
    assert_eq!(cv.predictions.len(), own.len());
    for f in &cv.folds {
        assert_eq!(f.train_rows, own.len() - f.evaluation.total + extra.len());
        assert!(f.groups.iter().all(|g| g == "bank" || g == "school"), "{:?}", f.groups);
    }
    let alone = cross_validate(&mini_params(), &own, &split, None, Drafts::Skip, |_, _| {}).unwrap();
    assert_eq!(alone.folds[0].train_rows, own.len() - alone.folds[0].evaluation.total);
}
