"""Reference baseline for `tiaoli cv`: scikit-learn TF-IDF + logistic regression on the same folds.

Reads a labelled JSONL corpus the way tiaoli does (every *.jsonl below each --data directory,
or the file itself, sorted by path, rows in file order, blank lines skipped, group -> doc ->
file stem) and the fold assignment printed by `tiaoli cv --format json`: the fold of each row is
`predictions[].fold` (rows matched by file name and 1-based line), or, in older output
without it, the fold whose `folds[i].groups` holds the row's group. Fold i is tested on its
rows and trained on all other rows, plus every row below --train-also (if given: those rows
are never tested). The pipeline is a FeatureUnion of a jieba word 1-2-gram
TF-IDF and a character 1-3-gram TF-IDF (both sublinear), followed by
LogisticRegression(C=10, class_weight="balanced", max_iter=2000). Held-out predictions of
all folds are pooled for per-label precision/recall/F1, macro-F1 and accuracy.

The JSON output also has, as `tiaoli cv --format json` does: `predictions` (file, line, doc, fold,
gold, predicted, confidence = the highest class probability), `calibration` (ECE over 15
equal-width confidence bins, and the share of all paragraphs that are wrong with confidence
>= 0.9) and `drafts`: the first 3, 5, 8, 12 and 20 rows of every document longer than that,
pooled and scored. A per-paragraph model tags a line the same in any prefix, so the drafts
score is the held-out predictions re-pooled over the prefix lines.

Usage:
    python3 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements.txt
    tiaoli cv --data /work/shared/corpus --folds 5 --format json > /tmp/folds.json
    bench/.venv/bin/python bench/sklearn_cv.py --data /work/shared/corpus \
        --folds-json /tmp/folds.json [--train-also data/corpus ...] [--json]
"""

import argparse
import json
import logging
import math
import os
import sys
import time
from pathlib import Path

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.pipeline import FeatureUnion, make_pipeline

LABELS = ["title", "opening", "work", "experience", "problems", "plans", "closing", "boilerplate"]
CUTS = [3, 5, 8, 12, 20]  # the drafts: first c rows of every document with more than c rows
BINS, THRESHOLD = 15, 0.9  # calibration: equal-width confidence bins; "confidently wrong" from here


def jsonl_files(data_dir):
    path = Path(data_dir)
    found = [path] if path.is_file() else sorted(path.rglob("*.jsonl"))
    if not found:
        sys.exit(f"error: no *.jsonl files below {data_dir}")
    return found


def load_corpus(data_dirs):
    """Every row as a dict (text, label, group, doc, file, line) in tiaoli's order: directories
    as given, files sorted; `line` is the 1-based line in its file."""
    rows = []
    for path in (p for d in data_dirs for p in jsonl_files(d)):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            try:
                text, label = row["text"].strip(), row["label"]
            except KeyError as e:
                sys.exit(f"error: {path}:{line_no}: missing field {e}")
            doc = row.get("doc") if row.get("doc") is not None else path.stem
            group = row.get("group") if row.get("group") is not None else doc
            rows.append({"text": text, "label": label, "group": group, "doc": doc, "file": str(path),
                         "line": line_no})
    return rows


def load_rows(data_dirs):
    """Return (texts, labels, groups) in tiaoli's order: directories as given, files sorted."""
    rows = load_corpus(data_dirs)
    return [r["text"] for r in rows], [r["label"] for r in rows], [r["group"] for r in rows]


def load_folds(folds_json, rows):
    """The fold index of each row and the number of folds, from `tiaoli cv --format json` output:
    `predictions[].fold` where present (matched by file name and line), else `folds[].groups`."""
    with open(folds_json, encoding="utf-8") as f:
        cv = json.load(f)
    if "error" in cv and "folds" not in cv:
        sys.exit(f"error: {folds_json} holds no folds: {cv['error']}")
    folds = cv.get("folds") or []
    preds = cv.get("predictions") or []
    if preds and all("fold" in p for p in preds):
        key = lambda file, line: (os.path.basename(file), int(line))  # noqa: E731
        if len(preds) == len(rows) and all(key(p["file"], p["line"]) == key(r["file"], r["line"])
                                           for p, r in zip(preds, rows)):
            fold_of_row = [int(p["fold"]) for p in preds]
        else:
            fold_of_key = {key(p["file"], p["line"]): int(p["fold"]) for p in preds}
            missing = [r for r in rows if key(r["file"], r["line"]) not in fold_of_key]
            if missing:
                sys.exit(f"error: {len(missing)} row(s) are in no fold of {folds_json}, e.g. "
                         + ", ".join(f"{os.path.basename(r['file'])}:{r['line']}" for r in missing[:5]))
            fold_of_row = [fold_of_key[key(r["file"], r["line"])] for r in rows]
        return fold_of_row, max(len(folds), max(fold_of_row, default=-1) + 1)
    fold_of_group = {g: i for i, fold in enumerate(folds) for g in fold["groups"]}
    groups = [r["group"] for r in rows]
    missing = sorted(set(groups) - fold_of_group.keys())
    if missing:
        sys.exit(f"error: {len(missing)} group(s) are in no fold of {folds_json}, e.g. {missing[:5]}")
    return [fold_of_group[g] for g in groups], len(folds)


def jieba_words(text):
    """jieba's default cut (a module-level function, so that a fitted pipeline pickles small)."""
    return jieba.lcut(text)


def make_model():
    words = TfidfVectorizer(sublinear_tf=True, tokenizer=jieba_words, token_pattern=None,
                            lowercase=False, ngram_range=(1, 2))
    chars = TfidfVectorizer(sublinear_tf=True, analyzer="char", ngram_range=(1, 3))
    return make_pipeline(FeatureUnion([("words", words), ("chars", chars)]),
                         LogisticRegression(C=10, class_weight="balanced", max_iter=2000))


def ordered_labels(gold, pred):
    present = set(gold) | set(pred)
    return [l for l in LABELS if l in present] + sorted(present - set(LABELS))


def scores(gold, pred):
    labels = ordered_labels(gold, pred)
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    per_class = {l: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                     "support": int(s[i])} for i, l in enumerate(labels)}
    return {"macro_f1": float(f.mean()), "accuracy": float(accuracy_score(gold, pred)),
            "per_class": per_class}


def predict_confident(model, texts):
    """(labels, confidences): the most probable class of each text and its probability.
    `model` has predict_proba(texts) and classes_, as scikit-learn classifiers do."""
    probs = np.asarray(model.predict_proba(texts), dtype=float)
    classes = list(model.classes_)
    best = probs.argmax(axis=1)
    return [classes[j] for j in best], [float(probs[i, j]) for i, j in enumerate(best)]


def calibration(gold, pred, conf):
    """ECE over BINS equal-width bins of confidence on [0, 1] (bin = min(floor(conf * BINS),
    BINS - 1)), weighted by bin size; and the share of all rows wrong with confidence >= THRESHOLD."""
    n = len(gold)
    count, right, total = [0] * BINS, [0] * BINS, [0.0] * BINS
    wrong_confident = 0
    for g, p, c in zip(gold, pred, conf):
        b = max(0, min(math.floor(c * BINS), BINS - 1))
        count[b] += 1
        right[b] += g == p
        total[b] += c
        wrong_confident += g != p and c >= THRESHOLD
    ece = sum(abs(right[b] - total[b]) / n for b in range(BINS) if count[b]) if n else 0.0
    return {"ece": ece, "wrong_confident": wrong_confident / n if n else 0.0, "threshold": THRESHOLD,
            "bins": BINS}


def drafts(rows, pred, conf, cuts=CUTS):
    """Scores over drafts: for every document (rows sharing `doc`, in corpus order) and every cut
    c < its number of rows, its first c rows; all their lines pooled. A per-paragraph model tags
    a line alike in any prefix, so each line keeps its held-out prediction and confidence."""
    by_doc = {}
    for i, r in enumerate(rows):
        by_doc.setdefault(r["doc"], []).append(i)
    lines = [i for ids in by_doc.values() for c in cuts if c < len(ids) for i in ids[:c]]
    result = {"cuts": list(cuts), "total": len(lines)}
    if not lines:
        return {**result, "macro_f1": None, "accuracy": None, "per_class": {}, "calibration": None}
    gold = [rows[i]["label"] for i in lines]
    result.update(scores(gold, [pred[i] for i in lines]))
    result["calibration"] = calibration(gold, [pred[i] for i in lines], [conf[i] for i in lines])
    return result


def cross_validate(rows, fold_of_row, n_folds, make=None, extra=((), ())):
    """Pooled held-out scores over the folds. `make()` returns an unfitted model with
    fit(texts, labels), predict_proba(texts) and classes_; `extra` = (texts, labels) joins
    every training set."""
    make = make or make_model
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    extra_texts, extra_labels = list(extra[0]), list(extra[1])
    pred, conf = [None] * len(texts), [None] * len(texts)
    folds = []
    start = time.perf_counter()
    for k in range(n_folds):
        test = [i for i, f in enumerate(fold_of_row) if f == k]
        train = [i for i, f in enumerate(fold_of_row) if f != k]
        if not test:
            continue
        model = make().fit([texts[i] for i in train] + extra_texts, [labels[i] for i in train] + extra_labels)
        for i, y, c in zip(test, *predict_confident(model, [texts[i] for i in test])):
            pred[i], conf[i] = y, c
        fold = scores([labels[i] for i in test], [pred[i] for i in test])
        folds.append({"fold": k, "macro_f1": fold["macro_f1"], "accuracy": fold["accuracy"], "total": len(test),
                      "train_rows": len(train) + len(extra_texts)})
    seconds = time.perf_counter() - start
    result = scores(labels, pred)
    result.update(total=len(texts), calibration=calibration(labels, pred, conf), drafts=drafts(rows, pred, conf),
                  folds=folds, seconds=seconds, rows=len(texts))
    result["predictions"] = [{"file": r["file"], "line": r["line"], "doc": r["doc"], "fold": f, "gold": r["label"],
                              "predicted": p, "confidence": c}
                             for r, f, p, c in zip(rows, fold_of_row, pred, conf)]
    return result


def f3(x):
    return "-" if x is None else f"{x:.3f}"


def print_table(result):
    print(f"{'label':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}")
    for label, m in result["per_class"].items():
        print(f"{label:<12} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>7.3f} {m['support']:>8}")
    print(f"\nmacro-F1 {result['macro_f1']:.4f}   accuracy {result['accuracy']:.4f}")
    cal, dr = result["calibration"], result["drafts"]
    print(f"ECE {cal['ece']:.4f}   wrong with confidence >= {cal['threshold']}: {cal['wrong_confident']:.4f}")
    print(f"drafts (first {', '.join(map(str, dr['cuts']))} rows; {dr['total']} lines): macro-F1 "
          f"{f3(dr['macro_f1'])}   accuracy {f3(dr['accuracy'])}")
    print("per-fold macro-F1: " + " ".join(f"{f['macro_f1']:.3f}" for f in result["folds"]))
    print(f"fit+predict of all folds: {result['seconds']:.1f} s")


def run(description, make):
    """The command line shared by the baselines: parse, load, cross-validate, print."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--data", required=True, nargs="+", help="labelled JSONL files or directories of them")
    ap.add_argument("--folds-json", required=True, help="output of `tiaoli cv --format json`")
    ap.add_argument("--train-also", nargs="+", default=[], metavar="DIR",
                    help="also train every fold on all rows below DIR (never tested)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # load the dictionary up front, outside the timed part
    rows = load_corpus(args.data)
    fold_of_row, n_folds = load_folds(args.folds_json, rows)
    extra = load_rows(args.train_also)[:2] if args.train_also else ((), ())
    result = cross_validate(rows, fold_of_row, n_folds, make=make, extra=extra)
    result["train_also"] = args.train_also
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)


def main():
    run(__doc__.split("\n\n")[0], make_model)


if __name__ == "__main__":
    main()
