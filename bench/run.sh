#!/usr/bin/env bash
# `make bench`: tiaoli next to scikit-learn, fastText, jieba-wasm and fasttext.wasm, side by side in
# one run on the same data; writes bench/results/<date>.md and its charts. Gates nothing.
# Expects the release CLI, web/pkg (make wasm) and bench/.venv (the Makefile builds them).
# A step that fails is reported in the results instead of stopping the run.
# Usage: bench/run.sh [CORPUS_DIR [EXTRA_TRAINING_DIR]]
# (bench/accuracy.sh also reads the real reports from CORPUS_DIR/../real/corpus.)
set -uo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus}
also=${2:-data/corpus}
tiaoli=target/release/tiaoli
ceiling=target/release/examples/segment_ceiling
py=bench/.venv/bin/python
date=$(date +%Y-%m-%d)
results=bench/results
tmp=$(mktemp -d -t tiaoli-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[ -d "$corpus" ] || { echo "error: $corpus not found (the labelled corpus lives beside the repository)" >&2; exit 1; }
[ -x "$tiaoli" ] && [ -f web/pkg/tiaoli_wasm_bg.wasm ] && [ -x "$py" ] ||
  { echo "error: run via 'make bench' (needs $tiaoli, web/pkg and $py)" >&2; exit 1; }

log() { echo "[bench] $*" >&2; }
# run OUT CMD...: see run_in in bench/lib.sh.
. bench/lib.sh
run() { run_in "$tmp" "$@"; }

# The segmentation ceiling and the npm peers (locked by bench/node/package-lock.json).
log "building the segment_ceiling example"
nice cargo build --release --locked -p tiaoli --features train --example segment_ceiling >&2 || true
if [ ! -d bench/node/node_modules ] || [ bench/node/package-lock.json -nt bench/node/node_modules ]; then
  (cd bench/node && npm ci --no-audit --no-fund >&2) && touch bench/node/node_modules
fi

# The text every tagger tags: the seed corpus's paragraphs, repeated to 30,000+ (never stored).
python3 - "$corpus" > "$tmp/text.txt" <<'EOF'
import json, sys
from pathlib import Path
paras = [json.loads(l)["text"].strip() for p in sorted(Path(sys.argv[1]).rglob("*.jsonl"))
         for l in p.read_text(encoding="utf-8").split("\n") if l.strip()]
out = []
while len(out) < 30_000:
    out += paras
print("\n".join(out))
EOF

# Accuracy: tiaoli's folds for everyone; (a) seed folds only, (b) + data/corpus in every training set.
run "$tmp/cv-seed-tiaoli-context.json" "$tiaoli" cv --data "$corpus" --folds 5 --format json
run "$tmp/cv-seed-tiaoli-paragraph.json" "$tiaoli" cv --data "$corpus" --folds 5 --context off --format json
folds=$tmp/cv-seed-tiaoli-context.json
run "$tmp/cv-seed-sklearn.json" "$py" bench/sklearn_cv.py --data "$corpus" --folds-json "$folds" --json
run "$tmp/cv-seed-fasttext.json" "$py" bench/fasttext_cv.py --data "$corpus" --folds-json "$folds" --json
run "$tmp/cv-both-tiaoli-context.json" "$tiaoli" cv --data "$corpus" --folds 5 --train-also "$also" --format json
run "$tmp/cv-both-tiaoli-paragraph.json" "$tiaoli" cv --data "$corpus" --folds 5 --train-also "$also" --context off --format json
run "$tmp/cv-both-sklearn.json" "$py" bench/sklearn_cv.py --data "$corpus" --folds-json "$folds" --train-also "$also" --json
run "$tmp/cv-both-fasttext.json" "$py" bench/fasttext_cv.py --data "$corpus" --folds-json "$folds" --train-also "$also" --json

# Accuracy on the real reports (beside the seed corpus: $shared/real/corpus), by author, by genre, on
# drafts, and on each corpus with the other two in training; its JSON in $tmp/accuracy for report.py.
shared=$(dirname "$corpus")
echo "bench/accuracy.sh $tiaoli $shared --json-dir accuracy" >> "$tmp/commands.txt"
log "bench/accuracy.sh $tiaoli $shared"
bench/accuracy.sh "$tiaoli" "$shared" --json-dir "$tmp/accuracy" 2>&1 > /dev/null | tee "$tmp/accuracy.log" >&2
[ "${PIPESTATUS[0]}" = 0 ] || tail -1 "$tmp/accuracy.log" > "$tmp/accuracy-error.txt"

# Training, scaling and native tagging (native.py measures each in its own process).
run "$tmp/native.log" "$py" bench/native.py --tiaoli "$tiaoli" --ceiling "$ceiling" --corpus "$corpus" \
  --also "$also" --text "$tmp/text.txt" --tmp "$tmp/native" --ftz "$tmp/fasttext.ftz" --out "$tmp/native.json"
[ -s "$tmp/native.json" ] || cp "$tmp/native.log" "$tmp/native.json"

# The browser packages in Node and headless Chromium.
run "$tmp/web.log" node bench/web_peers.mjs --text "$tmp/text.txt" --fasttext-model "$tmp/fasttext.ftz" \
  --out "$tmp/web.json"
[ -s "$tmp/web.json" ] || cp "$tmp/web.log" "$tmp/web.json"

# Machine and versions.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
"$py" - "$tmp/env.json" <<EOF
import json, sys, importlib.metadata as md, platform
def v(p):
    try: return md.version(p)
    except md.PackageNotFoundError: return "not installed"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
env = {
    "date": "$date",
    "machine": f"$(nproc) cores ({cpu}), {mem / 2**20:.0f} GiB RAM, {platform.system()} {platform.machine()}",
    "tiaoli": "commit $commit, $($tiaoli --version 2>/dev/null | head -1)",
    "rustc": "$(rustc --version 2>/dev/null)",
    "jieba-rs": "$(cargo tree -p tiaoli --locked -e normal --depth 1 2>/dev/null | grep -o 'jieba-rs v[0-9.]*' | head -1 | cut -c11-)",
    "python": platform.python_version(),
    "scikit-learn": v("scikit-learn"), "fasttext-numpy2": v("fasttext-numpy2"), "jieba (Python)": v("jieba"),
    "numpy": v("numpy"), "matplotlib": v("matplotlib"),
    "node": "$(node --version)",
    "chromium": "$(/usr/bin/chromium --version 2>/dev/null | head -1)",
}
json.dump(env, open(sys.argv[1], "w"), ensure_ascii=False)
EOF

mkdir -p "$results"
rm -f "$results/$date".md "$results/$date"-*.svg
"$py" bench/report.py --dir "$tmp" --out "$results/$date.md"
