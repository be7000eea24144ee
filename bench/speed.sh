#!/usr/bin/env bash
# Training time on the labelled corpus and tagging throughput of the `tiaoli` command
# (whole process: start, model load, tagging, output). Prints figures; gates nothing.
# Usage: bench/speed.sh [CORPUS_DIR]   (run via `make bench-speed`)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus}
bin=target/release/tiaoli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

best() { sort -n | head -1; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }

echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
if [ -d "$corpus" ]; then
  rows=$(cat "$corpus"/*.jsonl | grep -c .)
  t=$(for _ in 1 2 3; do seconds "$bin" train --data "$corpus" --out "$tmp/m.tiaoli"; done | best)
  printf 'train: %d paragraphs in %.2f s (best of 3)\n' "$rows" "$t"
else
  echo "train: skipped ($corpus not found)"
fi
for _ in $(seq 2000); do cat examples/report.txt; done > "$tmp/big.txt"
n=$(grep -c . "$tmp/big.txt")
t=$(for _ in 1 2 3 4 5; do seconds "$bin" tag "$tmp/big.txt"; done | best)
printf 'tag:   %d paragraphs in %.3f s = %.0f paragraphs/s (best of 5, one core, process start and model load included)\n' "$n" "$t" "$(awk -v n="$n" -v t="$t" 'BEGIN { print n / t }')"
printf 'model: %d bytes (crates/tiaoli/models/default.tiaoli)\n' "$(stat -c %s crates/tiaoli/models/default.tiaoli)"
