# Shared by the bench scripts (sourced). The caller defines log().
#
# run_in DIR OUT CMD...: record CMD in DIR/commands.txt, run it niced with its stdout in OUT;
# on failure OUT holds {"error": <the last line of its stderr>}, so the report names what
# failed and the other measurements still print.
run_in() {
  local dir=$1 out=$2; shift 2
  echo "$*${out:+ > $(basename "$out")}" | sed "s|$dir/||g" >> "$dir/commands.txt"
  log "$*"
  if ! nice "$@" > "$out" 2> "$dir/stderr"; then
    cat "$dir/stderr" >&2
    python3 -c 'import json, sys; print(json.dumps({"error": (sys.stdin.read().strip().splitlines() or ["failed"])[-1]}))' \
      < "$dir/stderr" > "$out"
  fi
}
