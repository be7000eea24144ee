#!/usr/bin/env bash
# Fuzz tiaoli with cargo-fuzz (libFuzzer): each target in fuzz/fuzz_targets for FUZZ_SECONDS
# seconds (default 30), then print its executions, coverage and findings.
#
#   scripts/fuzz.sh                          # every target, 30 s each (`make fuzz`, part of `make test`)
#   FUZZ_SECONDS=600 scripts/fuzz.sh         # the long run (`make fuzz-long`)
#   scripts/fuzz.sh tag_text model_bytes     # some targets only
#   FUZZ_SEED=1 scripts/fuzz.sh              # libFuzzer's seed fixed (`make fuzz` sets 1)
#
# Stable Rust only: RUSTC_BOOTSTRAP=1 lets stable rustc take the -Z flags cargo-fuzz passes
# (sanitizer and coverage instrumentation). Seed corpora are made afresh in a temporary
# directory, and libFuzzer writes its corpus and any crash input there too, never into the
# working tree. The directory is removed after a clean run and kept, with its path printed,
# when a target crashes: the crash input is what the regression test needs.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
# FUZZ_SEED fixes libFuzzer's random seed, so a run that fails fails again with the same
# command (`make fuzz`, which `make test` runs, sets 1); unset, every run explores anew.
seed_args=()
[ -z "${FUZZ_SEED:-}" ] || seed_args=(-seed="$FUZZ_SEED")
# One thread: a long input is otherwise split over threads, and the coverage libFuzzer steers
# by would depend on the scheduler.
export TIAOLI_THREADS=1
sanitizer=${FUZZ_SANITIZER:-address}
if [ $# -gt 0 ]; then targets=("$@"); else targets=(model_bytes tag_text paragraphs corpus_jsonl); fi
export RUSTC_BOOTSTRAP=1

if ! command -v cargo-fuzz >/dev/null; then
  echo "error: cargo-fuzz is not installed: run scripts/setup.sh (make setup)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tiaoli-fuzz.XXXXXX")
keep=0
trap '[ "$keep" = 1 ] || rm -rf "$work"' EXIT

cargo fuzz build -O --sanitizer "$sanitizer" >/dev/null 2>"$work/build.log" || {
  cat "$work/build.log" >&2
  exit 1
}

# ---------------------------------------------------------------- seeds (text written for tiaoli)
seeds=$work/seeds
mkdir -p "$seeds/text" "$seeds/model" "$seeds/jsonl"
cp examples/report.txt "$seeds/text/report.txt"
sed 's/$/\r/' examples/report.txt >"$seeds/text/report-crlf.txt"
tr '\n' '\r' <examples/report.txt >"$seeds/text/report-cr.txt"
printf '\xef\xbb\xbf2024年度工作总结\n\n\t一、主要工作\x00\n\xe3\x80\x80(一)加强队伍建设。\n' >"$seeds/text/bom-nul.txt"
printf '<html><body><h1>工作总结</h1><script>alert(1)</script>\n<p>一、主要工作</p></body></html>\n' >"$seeds/text/html.txt"
printf 'Annual report 2024\nWe did a lot of work. 😀👨‍👩‍👧\n\xf0\xa0\x80\x80\xf0\xaa\x9b\x96 二、存在的问题\n' >"$seeds/text/mixed.txt"
printf '%s' "$(head -c 3000 examples/report.txt | tr -d '\n')" >"$seeds/text/one-line.txt"
# Small models, trained here: they load in well under a millisecond, the shipped 147 KB model in
# tens (crates/tiaoli-cli/tests/it covers that one byte by byte), and libFuzzer mutates small inputs best.
# TIAOLI=path/to/tiaoli uses that binary instead of building the command; it must be built
# from this checkout, or the seeds may be in a model format the targets refuse.
tiaoli() {
  if [ -n "${TIAOLI:-}" ]; then "$TIAOLI" "$@"; else cargo run -q --release -p tiaoli-cli -- "$@"; fi
}
mini=tests/data/mini.jsonl
tiaoli train --data "$mini" --min-df 2 --max-features 60 --max-iterations 20 --out "$seeds/model/mini.tiaoli" >/dev/null
tiaoli train --data "$mini" --min-df 2 --max-features 30 --max-iterations 20 --context off --word-ngrams none \
  --out "$seeds/model/mini-no-context.tiaoli" >/dev/null
# Older format versions, which still load (written by earlier builds: tests/data).
cp tests/data/mini-v4.tiaoli tests/data/mini-v1.tiaoli "$seeds/model/"
for model in "$seeds"/model/mini*.tiaoli; do
  tiaoli inspect --model "$model" >/dev/null || { echo "error: seed $model does not load" >&2; exit 1; }
done
head -c 200 "$seeds/model/mini.tiaoli" >"$seeds/model/truncated.tiaoli"
head -n 12 "$mini" >"$seeds/jsonl/mini.jsonl"
printf '{"text":"甲","label":"work"}\n{"text": 3}\n\n{"label":"plans","text":"  乙 ","doc":null,"group":"g","sector":"s"}\n[1]\n' >"$seeds/jsonl/mixed.jsonl"

seed_dir() {
  case $1 in
    model_bytes) echo model ;;
    corpus_jsonl) echo jsonl ;;
    *) echo text ;;
  esac
}
# Seed models are about 10 KB, seed reports a few KB.
max_len() { echo 65536; }

# ---------------------------------------------------------------- runs
status=0
summary=()
findings=()
for target in "${targets[@]}"; do
  corpus=$work/corpus/$target
  artifacts=$work/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  cp "$seeds/$(seed_dir "$target")"/* "$corpus/"
  log=$work/$target.log
  echo "fuzzing $target for ${seconds}s ($sanitizer sanitizer${FUZZ_SEED:+, seed $FUZZ_SEED})"
  if cargo fuzz run -O --sanitizer "$sanitizer" "$target" "$corpus" -- "${seed_args[@]}" \
    -max_total_time="$seconds" -max_len="$(max_len "$target")" -rss_limit_mb=2048 -timeout=20 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1; then
    verdict="no findings"
  else
    verdict="FAILED: see $log, inputs in $artifacts/"
    status=1
    keep=1
    tail -40 "$log" >&2
    # What failed, kept for the summary: CI shows the end of the output, and the log's tail is
    # libFuzzer's statistics, not the panic.
    findings+=("$target: $(grep -m1 -A2 -E 'panicked at|ERROR: (AddressSanitizer|libFuzzer)' "$log" | tr '\n' ' ')")
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  units=$(find "$corpus" -type f | wc -l)
  line=$(printf '%-14s %10s executions  cov %-5s ft %-6s corpus %-5s peak RSS %5s MB  %s' \
    "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$units" "${rss:-?}" "$verdict")
  echo "$line"
  summary+=("$line")
done

echo
echo "fuzzing summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
if [ "${#findings[@]}" -gt 0 ]; then
  echo "findings:"
  printf '  %s\n' "${findings[@]}"
fi
[ "$keep" = 0 ] || echo "kept $work for the failing inputs"
exit "$status"
