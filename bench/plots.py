#!/usr/bin/python3
"""Plots of a `gemmvec bench` run: reads DIR/results.json, writes DIR/*.png.

  /usr/bin/python3 bench/plots.py DIR/results.json --out DIR

words_per_second.png         words/s of every point, by backend (or tool) and threads (bars)
words_per_second_vs_dim.png  words/s against dim, one line per backend/tool, threads and model
accuracy_vs_speed.png        analogy accuracy and similarity against words/s, every point labelled
loss_curve.png               gemmvec's training loss against words trained (last repeat of each point)

Needs Debian's python3-matplotlib (Agg backend, no display); exits 3 with one line without it.
"""
import argparse
import json
import os
import sys

COLORS = {"cpu": "#1f77b4", "cuda": "#2ca02c", "cuda-host": "#17becf", "gensim": "#ff7f0e", "fasttext": "#d62728"}


def label(p, vary):
    """backend or tool, threads, and the model/dim where they vary across the run."""
    s = p["settings"]
    parts = [p["backend"], f"t{s['threads']}"]
    if "model" in vary:
        parts.append(s["model"])
    if "dim" in vary:
        parts.append(f"d{s['dim']}")
    return " ".join(parts)


def varying(points):
    return {k for k in ("model", "dim") if len({p["settings"][k] for p in points}) > 1}


def bars(plt, points, title, path):
    vary = varying(points)
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(points) + 2), 4.5))
    xs = range(len(points))
    wps = [p["words_per_second"] for p in points]
    ax.bar(xs, wps, color=[COLORS.get(p["backend"], "gray") for p in points])
    for x, w in zip(xs, wps):
        ax.annotate(f"{w / 1e6:.2f}M" if w >= 1e5 else f"{w / 1e3:.0f}k", (x, w), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([label(p, vary) for p in points], rotation=30, ha="right")
    ax.set_ylabel("words/s (whole process)")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def versus_dim(plt, points, title, path):
    series = {}
    for p in points:
        s = p["settings"]
        series.setdefault((p["backend"], s["threads"], s["model"]), []).append((s["dim"], p["words_per_second"]))
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for (backend, threads, model), xy in series.items():
        xy.sort()
        ax.plot([d for d, _ in xy], [w for _, w in xy], marker="o", color=COLORS.get(backend, "gray"),
                label=f"{backend} t{threads} {model}")
    ax.set_xlabel("dim")
    ax.set_ylabel("words/s (whole process)")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def accuracy(plt, points, results, title, path):
    panels = [("analogy", "analogy accuracy (%)", results["eval"]["analogy"]),
              ("similarity", "similarity (Spearman)", results["eval"]["similarity"])]
    panels = [pn for pn in panels if any(p.get(pn[0]) is not None for p in points)]
    if not panels:
        return False
    vary = varying(points)
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.8), squeeze=False)
    for ax, (key, ylabel, files) in zip(axes[0], panels):
        for p in points:
            if p.get(key) is None:
                continue
            ax.scatter(p["words_per_second"], p[key], color=COLORS.get(p["backend"], "gray"))
            ax.annotate(label(p, vary), (p["words_per_second"], p[key]), textcoords="offset points", xytext=(4, 4),
                        fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("words/s (whole process)")
        ax.set_ylabel(ylabel + (f"\n{os.path.basename(files[0])}" if files else ""))
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def loss(plt, points, title, path):
    curves = [p for p in points if p.get("loss_curve")]
    if not curves:
        return False
    vary = varying(points)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for p in curves:
        c = p["loss_curve"]
        ax.plot([e["words"] / 1e6 for e in c], [e["loss"] for e in c], marker="o" if len(c) < 20 else None,
                label=label(p, vary) + f" ({p['id']})" if "dim" in vary or "model" in vary else label(p, vary))
    ax.set_xlabel("corpus words trained (millions)")
    ax.set_ylabel("mean sampled loss since the last log line")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--out", help="folder for the PNGs (default: the results' folder)")
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no plots: matplotlib is not installed for /usr/bin/python3 (Debian python3-matplotlib); "
              "results.json and results.csv are written")
        sys.exit(3)
    results = json.load(open(a.results))
    out = a.out or os.path.dirname(os.path.abspath(a.results))
    points = [p for p in results["points"] if p["status"] == "ok" and p.get("words_per_second")]
    if not points:
        print("no plots: no point finished")
        return
    corpus = f"{results['corpus']['raw_words'] / 1e6:.1f}M words" if results["corpus"].get("raw_words") else "corpus"
    cpu = results["machine"]["cpu"]
    sub = f"{corpus}, {results['machine']['hardware_threads']} hw threads ({cpu})"
    wrote = []
    path = os.path.join(out, "words_per_second.png")
    bars(plt, points, f"words/s by backend and threads\n{sub}", path)
    wrote.append(path)
    path = os.path.join(out, "words_per_second_vs_dim.png")
    versus_dim(plt, points, f"words/s against dim\n{sub}", path)
    wrote.append(path)
    path = os.path.join(out, "accuracy_vs_speed.png")
    if accuracy(plt, points, results, f"accuracy against words/s\n{corpus}", path):
        wrote.append(path)
    path = os.path.join(out, "loss_curve.png")
    if loss(plt, points, f"gemmvec training loss (last repeat)\n{corpus}", path):
        wrote.append(path)
    print("wrote " + ", ".join(wrote))


if __name__ == "__main__":
    main()
