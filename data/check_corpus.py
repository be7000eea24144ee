#!/usr/bin/env python3
"""Check data/corpus: every JSONL row matches its raw page, fields and labels are valid.

Usage: python3 data/check_corpus.py [data/corpus]
For each data/corpus/<doc>.jsonl there must be data/corpus/raw/<doc>.txt; the JSONL holds
every non-empty line of the raw text, in order, with `line` its 1-based line number and
`text` the line stripped of surrounding white space. Prints a summary per sector and label.
"""
import collections
import json
import sys
from pathlib import Path

LABELS = ["title", "opening", "work", "experience", "problems", "plans", "closing", "boilerplate"]
FIELDS = ["doc", "line", "text", "label", "sector", "group"]


def check(root: Path) -> list[str]:
    errors = []
    by_label, by_sector, groups = collections.Counter(), collections.Counter(), collections.defaultdict(set)
    files = sorted(root.glob("*.jsonl"))
    for path in files:
        raw_path = root / "raw" / (path.stem + ".txt")
        if not raw_path.exists():
            errors.append(f"{path}: no {raw_path}")
            continue
        raw = raw_path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        expected = [(i + 1, l.strip()) for i, l in enumerate(raw) if l.strip()]
        rows = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{path}:{n}: {e}")
                continue
            for field in FIELDS:
                if field not in row:
                    errors.append(f"{path}:{n}: missing field {field}")
            if row.get("label") not in LABELS:
                errors.append(f"{path}:{n}: bad label {row.get('label')!r}")
            if row.get("doc") != path.stem:
                errors.append(f"{path}:{n}: doc {row.get('doc')!r} is not the file name {path.stem!r}")
            rows.append(row)
            by_label[row.get("label")] += 1
            by_sector[row.get("sector")] += 1
            groups[row.get("sector")].add(row.get("group"))
        got = [(r.get("line"), r.get("text")) for r in rows]
        if got != expected:
            for i, (a, b) in enumerate(zip(got, expected)):
                if a != b:
                    errors.append(f"{path}: row {i + 1} is {a}, raw line gives {b}")
                    break
            else:
                errors.append(f"{path}: {len(got)} rows, raw has {len(expected)} non-empty lines")
    print(f"{len(files)} files, {sum(by_label.values())} paragraphs, {sum(len(g) for g in groups.values())} reports")
    print("labels:", dict(by_label.most_common()))
    print("sectors:", {s: f"{by_sector[s]} paragraphs / {len(groups[s])} reports" for s in sorted(by_sector)})
    return errors


if __name__ == "__main__":
    errors = check(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "corpus"))
    for e in errors:
        print("error:", e)
    sys.exit(1 if errors else 0)
