#!/usr/bin/env bash
# Accuracy of tiaoli next to scikit-learn and fastText on the same folds of four corpora (see
# bench/accuracy.py for the cases A-D). tiaoli runs first; the peers then read its folds from its
# JSON (predictions[].fold). Prints markdown tables (and writes them to --out FILE); the JSON goes
# to a temporary directory, or to --json-dir DIR (kept: `python3 bench/accuracy.py --dir DIR`
# rebuilds the tables). A step that fails is reported in the tables instead of stopping the run.
# Usage: bench/accuracy.sh [TIAOLI [SHARED]] [--out FILE] [--json-dir DIR] [--cases ABCD]
#   TIAOLI: the tiaoli binary (default target/release/tiaoli); SHARED: the directory holding
#   corpus/ and real/corpus/ (default ../shared). Relative paths are taken from where you call it.
#   PYTHON (env): the interpreter with bench/requirements.txt (default bench/.venv/bin/python).
set -uo pipefail
caller=$PWD
cd "$(dirname "$0")/.."
root=$PWD

# from_caller PATH: PATH as seen from the repository's root (PATH is relative to the caller).
from_caller() {
  case $1 in
    /*) echo "$1" ;;
    *) realpath -m --relative-to="$root" "$caller/$1" ;;
  esac
}

args=() out="" dir="" cases=ABCD
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$(from_caller "$2"); shift 2 ;;
    --out=*) out=$(from_caller "${1#*=}"); shift ;;
    --json-dir) dir=$(from_caller "$2"); shift 2 ;;
    --json-dir=*) dir=$(from_caller "${1#*=}"); shift ;;
    --cases) cases=$2; shift 2 ;;
    --cases=*) cases=${1#*=}; shift ;;
    -h | --help) sed -n '2,10p' "$0" | cut -c3-; exit 0 ;;
    -*) echo "error: unknown option $1" >&2; exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
tiaoli=target/release/tiaoli
[ ${#args[@]} -ge 1 ] && { case ${args[0]} in */*) tiaoli=$(from_caller "${args[0]}") ;; *) tiaoli=${args[0]} ;; esac; }
shared=../shared
[ ${#args[@]} -ge 2 ] && shared=$(from_caller "${args[1]}")
py=${PYTHON:-bench/.venv/bin/python}

real=$shared/real/corpus seed=$shared/corpus own=data/corpus
for d in "$real" "$seed" "$own"; do
  [ -d "$d" ] || { echo "error: $d not found" >&2; exit 1; }
done
command -v "$tiaoli" > /dev/null || { echo "error: $tiaoli not found (cargo build --release)" >&2; exit 1; }
[ -x "$py" ] || command -v "$py" > /dev/null ||
  { echo "error: $py not found (python3 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements.txt)" >&2; exit 1; }

if [ -n "$dir" ]; then
  mkdir -p "$dir" && rm -f "$dir"/[ABCD]-*.json "$dir/commands.txt"
else
  dir=$(mktemp -d -t tiaoli-accuracy.XXXXXX)
  trap 'rm -rf "$dir"' EXIT
fi
: > "$dir/commands.txt"

log() { echo "[accuracy] $*" >&2; }
# run OUT CMD...: run_in (bench/lib.sh), then how long it took.
. bench/lib.sh
run() {
  local out=$1 start=$SECONDS
  run_in "$dir" "$@"
  log "$(basename "$out"): $((SECONDS - start)) s"
}

# measure CASE DATA "CV FLAGS" TRAIN_ALSO...: tiaoli, then the peers on tiaoli's folds.
measure() {
  local case=$1 data=$2 flags=$3; shift 3
  local folds=$dir/$case-tiaoli.json
  # shellcheck disable=SC2086 # flags are words without spaces
  run "$folds" "$tiaoli" cv --data "$data" $flags --train-also "$@" --format json
  if [ "$case" = A ]; then
    # shellcheck disable=SC2086
    run "$dir/$case-tiaoli-paragraph.json" "$tiaoli" cv --data "$data" $flags --train-also "$@" --context off --format json
  fi
  for peer in sklearn fasttext; do
    if python3 -c 'import json, sys; sys.exit("error" in json.load(open(sys.argv[1])))' "$folds" 2> /dev/null; then
      run "$dir/$case-$peer.json" "$py" "bench/${peer}_cv.py" --data "$data" --folds-json "$folds" \
        --train-also "$@" --json
    else
      echo '{"error": "no folds: tiaoli cv failed"}' > "$dir/$case-$peer.json"
    fi
  done
}

[[ $cases == *A* ]] && measure A "$real" "--folds 5 --drafts" "$seed" "$own"
[[ $cases == *B* ]] && measure B "$real" "--by genre" "$seed" "$own"
[[ $cases == *C* ]] && measure C "$seed" "--folds 5 --drafts" "$real" "$own"
[[ $cases == *D* ]] && measure D "$own" "--folds 5 --drafts" "$seed" "$real"
rm -f "$dir/stderr"

python3 bench/accuracy.py --dir "$dir" ${out:+--out "$out"}
