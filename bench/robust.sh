#!/usr/bin/env bash
# Time and peak memory of `tiaoli tag` on large and hostile input, so that linearity can be read
# off: 1, 5 and 20 MB single lines, 50,000 and 200,000 short lines, and a 20 MB line of
# single-byte characters (the most terms per byte). Prints figures; asserts nothing.
#
#   bench/robust.sh                 # builds the release command first
#   TIAOLI=path/to/tiaoli bench/robust.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TIAOLI:-}" ]; then
  cargo build -q --release --locked -p tiaoli-cli
  TIAOLI=target/release/tiaoli
fi
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tiaoli-robust.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
MB = 1024 * 1024
sentence = "今年以来,我们认真贯彻落实上级部署,扎实推进各项工作,取得了明显成效。".encode()
for mb in (1, 5, 20):
    with open(f"{work}/line-{mb}mb.txt", "wb") as f:
        f.write(sentence * (mb * MB // len(sentence)))
lines = ["一、加强制度建设,完善工作流程。", "全年办理来文860件。", "", "二、存在的问题", "下一步,我们将继续努力。"]
for n in (50_000, 200_000):
    with open(f"{work}/lines-{n // 1000}k.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(lines[i % len(lines)] for i in range(n)) + "\n")
with open(f"{work}/ascii-20mb.txt", "wb") as f:
    f.write(b"a1 <b>" * (20 * MB // 6))
PY

printf '%-16s %10s %10s %10s %12s\n' input bytes seconds "MB/s" "peak RSS MB"
for name in line-1mb line-5mb line-20mb lines-50k lines-200k ascii-20mb; do
  file=$work/$name.txt
  bytes=$(stat -c %s "$file")
  /usr/bin/time -f '%e %M' -o "$work/time" "$TIAOLI" tag --format jsonl "$file" >/dev/null
  read -r seconds kb <"$work/time"
  awk -v n="$name" -v b="$bytes" -v s="$seconds" -v kb="$kb" \
    'BEGIN { printf "%-16s %10d %10.2f %10.1f %12.1f\n", n, b, s, (s > 0 ? b / 1048576 / s : 0), kb / 1024 }'
done
