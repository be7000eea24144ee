"""Reference baseline for `tiaoli cv`: scikit-learn TF-IDF + logistic regression on the same folds.

Reads a labelled JSONL corpus the way tiaoli does (every *.jsonl below --data, sorted by path,
rows in file order, blank lines skipped, group -> doc -> file stem) and the fold assignment
printed by `tiaoli cv --json`. Fold i is tested on the rows whose group is in folds[i].groups
and trained on all other rows, plus every row below --train-also (if given: those rows are
never tested). The pipeline is a FeatureUnion of a jieba word 1-2-gram
TF-IDF and a character 1-3-gram TF-IDF (both sublinear), followed by
LogisticRegression(C=10, class_weight="balanced", max_iter=2000). Held-out predictions of
all folds are pooled for per-label precision/recall/F1, macro-F1 and accuracy.

Usage:
    python3 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements.txt
    tiaoli cv --data /work/shared/corpus --folds 5 --json > /tmp/folds.json
    bench/.venv/bin/python bench/sklearn_cv.py --data /work/shared/corpus \
        --folds-json /tmp/folds.json [--train-also data/corpus] [--json]
"""

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import jieba
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.pipeline import FeatureUnion, make_pipeline

LABELS = ["title", "opening", "work", "experience", "problems", "plans", "closing", "boilerplate"]


def load_rows(data_dirs):
    """Return (texts, labels, groups) in tiaoli's order: directories as given, files sorted."""
    files = []
    for data_dir in data_dirs:
        found = sorted(Path(data_dir).rglob("*.jsonl"))
        if not found:
            sys.exit(f"error: no *.jsonl files below {data_dir}")
        files += found
    texts, labels, groups = [], [], []
    for path in files:
        for line_no, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            try:
                texts.append(row["text"].strip())
                labels.append(row["label"])
            except KeyError as e:
                sys.exit(f"error: {path}:{line_no}: missing field {e}")
            doc = row.get("doc") if row.get("doc") is not None else path.stem
            groups.append(row.get("group") if row.get("group") is not None else doc)
    return texts, labels, groups


def load_folds(folds_json, groups):
    """Map each row to its fold index using the groups listed in `tiaoli cv --json` output."""
    with open(folds_json, encoding="utf-8") as f:
        folds = json.load(f)["folds"]
    fold_of_group = {g: i for i, fold in enumerate(folds) for g in fold["groups"]}
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


def cross_validate(texts, labels, fold_of_row, n_folds, make=None, extra=((), ())):
    """Pooled held-out scores over the folds. `make()` returns an unfitted model with
    fit(texts, labels) and predict(texts); `extra` = (texts, labels) joins every training set."""
    make = make or make_model
    extra_texts, extra_labels = list(extra[0]), list(extra[1])
    pred = [None] * len(texts)
    folds = []
    start = time.perf_counter()
    for k in range(n_folds):
        test = [i for i, f in enumerate(fold_of_row) if f == k]
        train = [i for i, f in enumerate(fold_of_row) if f != k]
        if not test:
            continue
        model = make().fit([texts[i] for i in train] + extra_texts, [labels[i] for i in train] + extra_labels)
        for i, y in zip(test, model.predict([texts[i] for i in test])):
            pred[i] = y
        fold = scores([labels[i] for i in test], [pred[i] for i in test])
        folds.append({"macro_f1": fold["macro_f1"], "accuracy": fold["accuracy"],
                      "train_rows": len(train) + len(extra_texts)})
    seconds = time.perf_counter() - start
    result = scores(labels, pred)
    result.update(folds=folds, seconds=seconds, rows=len(texts))
    return result


def print_table(result):
    print(f"{'label':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}")
    for label, m in result["per_class"].items():
        print(f"{label:<12} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>7.3f} {m['support']:>8}")
    print(f"\nmacro-F1 {result['macro_f1']:.4f}   accuracy {result['accuracy']:.4f}")
    print("per-fold macro-F1: " + " ".join(f"{f['macro_f1']:.3f}" for f in result["folds"]))
    print(f"fit+predict of all folds: {result['seconds']:.1f} s")


def run(description, make):
    """The command line shared by the baselines: parse, load, cross-validate, print."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--data", required=True, nargs="+", help="directories of labelled JSONL files")
    ap.add_argument("--folds-json", required=True, help="output of `tiaoli cv --json`")
    ap.add_argument("--train-also", nargs="+", default=[], metavar="DIR",
                    help="also train every fold on all rows below DIR (never tested)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # load the dictionary up front, outside the timed part
    texts, labels, groups = load_rows(args.data)
    fold_of_row, n_folds = load_folds(args.folds_json, groups)
    extra = load_rows(args.train_also)[:2] if args.train_also else ((), ())
    result = cross_validate(texts, labels, fold_of_row, n_folds, make=make, extra=extra)
    result["train_also"] = args.train_also
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)


def main():
    run(__doc__.split("\n\n")[0], make_model)


if __name__ == "__main__":
    main()
