#!/usr/bin/env python3
"""Agreement between data/corpus labels and an independent second labelling pass.

Usage: python3 data/agreement.py SECOND_PASS_DIR
SECOND_PASS_DIR holds <doc>.jsonl files of {"line": n, "label": "..."} for the documents of
data/corpus. Prints observed agreement, Cohen's kappa, per-label agreement and the confusion
of the two passes (rows: data/corpus, columns: second pass).
"""
import collections
import json
import sys
from pathlib import Path

LABELS = ["title", "opening", "work", "experience", "problems", "plans", "closing", "boilerplate"]


def main() -> None:
    corpus = Path(__file__).parent / "corpus"
    second = Path(sys.argv[1])
    pairs, by_sector = [], collections.defaultdict(list)
    for path in sorted(corpus.glob("*.jsonl")):
        first = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
        other = {r["line"]: r["label"] for r in map(json.loads, (second / path.name).read_text(encoding="utf-8").splitlines())}
        for row in first:
            pair = (row["label"], other[row["line"]])
            pairs.append(pair)
            by_sector[row["sector"]].append(pair)
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    ca, cb = collections.Counter(a for a, _ in pairs), collections.Counter(b for _, b in pairs)
    expected = sum(ca[l] * cb[l] for l in LABELS) / n / n
    kappa = (observed - expected) / (1 - expected)
    print(f"{n} paragraphs: observed agreement {observed:.3f}, Cohen's kappa {kappa:.3f}")
    print("\nper label (first pass count, second pass count, agreement = both / either):")
    for l in LABELS:
        both = sum(a == b == l for a, b in pairs)
        either = sum(a == l or b == l for a, b in pairs)
        print(f"  {l:12} {ca[l]:4} {cb[l]:4}  {both / either if either else 1:.2f}")
    print("\nper sector:")
    for s, ps in sorted(by_sector.items()):
        print(f"  {s:18} {len(ps):4} paragraphs  {sum(a == b for a, b in ps) / len(ps):.3f}")
    print("\nconfusion (rows: first pass, columns: second pass)")
    print(" " * 12 + "".join(f"{l[:5]:>6}" for l in LABELS))
    conf = collections.Counter(pairs)
    for a in LABELS:
        print(f"{a:12}" + "".join(f"{conf[(a, b)]:>6}" for b in LABELS))


if __name__ == "__main__":
    main()
