#!/usr/bin/env python3
"""Print tiaoli's and scikit-learn's grouped cross-validation side by side.

Usage: compare.py TIAOLI_CV.json SKLEARN_CV.json
(the outputs of `tiaoli cv --format json` and `bench/sklearn_cv.py --json` on the same folds;
`make compare` runs all three).
"""
import json
import sys

LABELS = ["title", "opening", "work", "experience", "problems", "plans", "closing", "boilerplate"]


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs = {}
    for name, path in zip(["tiaoli", "scikit-learn"], sys.argv[1:]):
        with open(path, encoding="utf-8") as f:
            runs[name] = json.load(f)
    print(f"{'':14}" + "".join(f"{n:>14}" for n in runs))
    for key in ["macro_f1", "accuracy"]:
        print(f"{key:14}" + "".join(f"{r[key]:>14.3f}" for r in runs.values()))
    print(f"{'seconds':14}" + "".join(f"{r['seconds']:>14.1f}" for r in runs.values()))
    print("\nF1 per type")
    for label in LABELS:
        cells = [r["per_class"].get(label, {}).get("f1") for r in runs.values()]
        print(f"{label:14}" + "".join(f"{c:>14.3f}" if c is not None else f"{'-':>14}" for c in cells))
    print("\nmacro-F1 per fold (held out)")
    tiaoli, sklearn = runs.values()
    for ours, theirs in zip(tiaoli["folds"], sklearn["folds"]):
        name = ours.get("held_out", "")
        print(f"{name[:18]:18}" + "".join(f"{f['macro_f1']:>14.3f}" for f in (ours, theirs))[4:])


if __name__ == "__main__":
    main()
