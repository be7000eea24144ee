#!/usr/bin/env python3
"""Tables of bench/accuracy.sh: tiaoli, scikit-learn and fastText on the same folds of four corpora.

Usage: python3 bench/accuracy.py --dir JSON_DIR [--out FILE]
JSON_DIR holds what bench/accuracy.sh saved: {A,B,C,D}-{tiaoli,tiaoli-paragraph,sklearn,fasttext}.json
and commands.txt. Any file may be missing, hold {"error": ...} or lack a field (an older
`tiaoli cv`): its cells show "-". Standard library only; bench/report.py imports render().
"""

import argparse
import json
import sys
from pathlib import Path

LABELS = ["title", "opening", "work", "experience", "problems", "plans", "closing", "boilerplate"]
SYSTEMS = [("tiaoli", "tiaoli"), ("tiaoli-paragraph", "tiaoli per paragraph"), ("sklearn", "scikit-learn"),
           ("fasttext", "fastText")]
CASES = {
    "A": "real reports, 5 folds grouped by author (`group`); the seed corpus and data/corpus in every training set",
    "B": "real reports, leave one genre out (one fold per `genre`); the same extra training",
    "C": "seed corpus, 5 folds grouped by report; the real reports and data/corpus in every training set",
    "D": "data/corpus, 5 folds grouped by report; the seed corpus and the real reports in every training set",
}
PARAGRAPH_CASES = {"A"}  # where tiaoli --context off was run
# Table 1: (row name, case, path into the JSON, format)
MEASUREMENTS = [
    ("A macro-F1", "A", ("macro_f1",), "f3"),
    ("A accuracy", "A", ("accuracy",), "f3"),
    ("A drafts macro-F1", "A", ("drafts", "macro_f1"), "f3"),
    ("A ECE", "A", ("calibration", "ece"), "f3"),
    ("A wrong≥0.9", "A", ("calibration", "wrong_confident"), "f3"),
    ("B pooled macro-F1", "B", ("macro_f1",), "f3"),
    ("C macro-F1", "C", ("macro_f1",), "f3"),
    ("C drafts macro-F1", "C", ("drafts", "macro_f1"), "f3"),
    ("D macro-F1", "D", ("macro_f1",), "f3"),
    ("D drafts macro-F1", "D", ("drafts", "macro_f1"), "f3"),
    ("A cross-validation time, all folds", "A", ("seconds",), "s"),
]


def load(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as e:
        return {"error": f"{Path(path).name}: {e}"}


def ok(d):
    return isinstance(d, dict) and "error" not in d


def get(d, *path):
    """d[path[0]][path[1]]... if every step exists and the end is a number, else None."""
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d if isinstance(d, (int, float)) and not isinstance(d, bool) else None


def fmt(x, how="f3"):
    if x is None:
        return "-"
    return f"{x:.1f} s" if how == "s" else f"{x:.3f}"


def fold_groups(d):
    folds = d.get("folds") if ok(d) else None
    if not isinstance(folds, list) or not all(isinstance(f, dict) and "groups" in f for f in folds):
        return None
    return [sorted(f["groups"]) for f in folds]


def fold_of_rows(d):
    preds = d.get("predictions") if ok(d) else None
    if not isinstance(preds, list) or not all(isinstance(p, dict) and "fold" in p for p in preds):
        return None
    return [p["fold"] for p in preds]


def render(run_dir, heading="##"):
    """The markdown (a list of lines) for the JSON files in run_dir."""
    d = Path(run_dir)
    res = {(c, k): load(d / f"{c}-{k}.json") for c in CASES for k, _ in SYSTEMS}
    commands = (d / "commands.txt").read_text(encoding="utf-8").strip() if (d / "commands.txt").exists() else ""
    L = []
    w = L.append
    w(f"{heading} Accuracy on real reports: tiaoli, scikit-learn and fastText on the same folds")
    w("")
    w("`bench/accuracy.sh`: every system is scored on the folds of `tiaoli cv` (the fold of each row from its "
      "`predictions[].fold`), with the same extra training data; held-out predictions are pooled over the folds.")
    w("")
    for c, what in CASES.items():
        t = res[(c, "tiaoli")]
        size = []
        if get(t, "total") is not None or get(t, "rows") is not None:
            size.append(f"{get(t, 'total') or get(t, 'rows'):,} paragraphs tested")
        if ok(t) and isinstance(t.get("folds"), list):
            size.append(f"{len(t['folds'])} folds")
        if get(t, "drafts", "total") is not None:
            size.append(f"{get(t, 'drafts', 'total'):,} draft lines")
        w(f"- **{c}**: {what}" + (f" ({', '.join(size)})" if size else "") + ".")
    w("- **drafts**: the first 3, 5, 8, 12 and 20 paragraphs of every report longer than that, each prefix "
      "tagged alone, all their lines pooled (a per-paragraph model tags a line alike in any prefix).")
    w("- **ECE**: expected calibration error of the confidence (the top probability) over 15 equal-width bins; "
      "**wrong≥0.9**: share of all paragraphs tagged wrong with confidence 0.9 or more. Lower is better for both.")
    w("- **tiaoli per paragraph**: `tiaoli cv --context off` (A only); scikit-learn: `bench/sklearn_cv.py`; "
      "fastText: `bench/fasttext_cv.py`.")
    w("")
    w("| measurement | " + " | ".join(name for _, name in SYSTEMS) + " |")
    w("|---|" + "---|" * len(SYSTEMS))
    for name, case, path, how in MEASUREMENTS:
        cells = []
        for k, _ in SYSTEMS:
            r = res[(case, k)]
            if k == "tiaoli-paragraph" and case not in PARAGRAPH_CASES:
                cells.append("")
            else:
                cells.append(fmt(get(r, *path), how))
        w(f"| {name} | " + " | ".join(cells) + " |")
    w("")

    w("F1 per type on A (real reports, 5 folds by author), support = paragraphs of the type:")
    w("")
    present = [(k, name) for k, name in SYSTEMS]
    w("| type | support | " + " | ".join(name for _, name in present) + " |")
    w("|---|---|" + "---|" * len(present))
    for label in LABELS:
        sup = next((get(res[("A", k)], "per_class", label, "support") for k, _ in present
                    if get(res[("A", k)], "per_class", label, "support") is not None), None)
        cells = [fmt(get(res[("A", k)], "per_class", label, "f1")) for k, _ in present]
        w(f"| {label} | {'-' if sup is None else sup} | " + " | ".join(cells) + " |")
    w("")

    notes = []
    for c in CASES:
        for k, name in SYSTEMS:
            r = res[(c, k)]
            if r is None:
                if k != "tiaoli-paragraph" or c in PARAGRAPH_CASES:
                    notes.append(f"- {c}, {name}: not run.")
            elif not ok(r):
                e = r.get("error") if isinstance(r, dict) else r
                notes.append(f"- {c}, {name}: could not run: `{' '.join(e) if isinstance(e, list) else e}`")
        ref = res[(c, "tiaoli")]
        for k, name in SYSTEMS[1:]:
            r = res[(c, k)]
            if not ok(ref) or not ok(r):
                continue
            a, b = fold_of_rows(ref), fold_of_rows(r)
            if a is not None and b is not None:
                differs = a != b
            else:
                a, b = fold_groups(ref), fold_groups(r)
                differs = a is not None and b is not None and a != b
            if differs:
                notes.append(f"- **Warning**: {c}, {name} used other folds than tiaoli.")
    if notes:
        L += notes + [""]
    w("Commands run (from the repository's root; `X.json` is the saved output):")
    w("")
    w("```sh")
    w(commands or "(commands.txt missing)")
    w("```")
    return L


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True, help="the JSON saved by bench/accuracy.sh")
    ap.add_argument("--out", help="also write the markdown here")
    args = ap.parse_args()
    if not Path(args.dir).is_dir():
        sys.exit(f"error: {args.dir} is not a directory")
    text = "\n".join(render(args.dir)) + "\n"
    sys.stdout.write(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
