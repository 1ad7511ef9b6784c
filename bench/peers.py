#!/usr/bin/python3
"""gemmvec against the tools users know, side by side on one corpus and one machine.

Runs gemmvec (CPU), gensim 4 (corpus_file mode) and fastText (-minn 0 -maxn 0) with the same
settings, times each whole process, reads its peak RSS, scores every tool's vectors with the
same scorer (`gemmvec eval`), and writes results.json and a Markdown table.

Words/s = raw corpus words * epochs / wall seconds of the whole process (parsing included),
the same definition for every tool.

`gemmvec bench` (configs/bench-*.yaml) runs the same commands over a grid, asking this script
for each one: /usr/bin/python3 bench/peers.py command --tool gensim --model sg ... (prints JSON).

  /usr/bin/python3 bench/peers.py --corpus ../shared/data/corpus/enwiki2015_100m.txt.xz \
      --model sg --out runs/peers-sg
"""
import argparse
import importlib.util
import json
import lzma
import os
import platform
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def plain_corpus(path, workdir):
    """Peers read plain text: decompress once, outside every timing."""
    if not path.endswith(".xz"):
        return path
    out = os.path.join(workdir, os.path.basename(path)[:-3])
    if not os.path.exists(out):
        with lzma.open(path, "rb") as src, open(out + ".tmp", "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 24)
        os.replace(out + ".tmp", out)
    return out


def count_words(path):
    n = 0
    with open(path, "rb") as f:
        for line in f:
            n += len(line.split())
    return n


def timed(cmd, log):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS in MB)."""
    t0 = time.monotonic()
    with open(log, "w") as lf:
        rc = subprocess.call(["/usr/bin/time", "-v"] + cmd, stdout=lf, stderr=subprocess.STDOUT)
    wall = time.monotonic() - t0
    text = open(log).read()
    if rc != 0:
        raise RuntimeError(f"{cmd[0]} failed (exit {rc}); see {log}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return wall, (int(m.group(1)) / 1024 if m else None)


GENSIM = """
import sys, logging
from gensim.models import Word2Vec
corpus, out, sg, dim, window, neg, sample, minc, epochs, workers, alpha = sys.argv[1:]
m = Word2Vec(corpus_file=corpus, vector_size=int(dim), window=int(window), negative=int(neg), hs=0,
             sample=float(sample), min_count=int(minc), epochs=int(epochs), workers=int(workers),
             sg=int(sg), alpha=float(alpha), seed=1)
m.wv.save_word2vec_format(out, binary=True)
"""


def default_alpha(model):
    return 0.025 if model == "sg" else 0.05


def tool_command(tool, a, corpus, out):
    """The command line that trains `tool` at the settings in `a` on `corpus`, writing vectors
    at the prefix `out`; returns (argv, vectors path). `gemmvec bench` runs these itself."""
    sg = a.model == "sg"
    alpha = str(a.alpha or default_alpha(a.model))
    if tool == "gemmvec":
        cache = out + "-cache"
        cmd = [a.gemmvec, "-train", corpus, "-output", out + ".bin", "-size", str(a.dim),
               "-window", str(a.window), "-negative", str(a.negative), "-sample", str(a.sample),
               "-min-count", str(a.min_count), "-iter", str(a.epochs), "-threads", str(a.threads),
               "-binary", "1", "-cbow", "0" if sg else "1", "--set", f"data.cache_dir={cache}",
               "--set", "train.backend=cpu"] + sum((["--set", s] for s in a.set), [])
        return cmd, out + ".bin"
    if tool == "gensim":
        cmd = ["/usr/bin/python3", "-c", GENSIM, corpus, out + ".bin", "1" if sg else "0",
               *[str(v) for v in (a.dim, a.window, a.negative, a.sample, a.min_count, a.epochs, a.threads)], alpha]
        return cmd, out + ".bin"
    if tool == "fasttext":
        cmd = ["fasttext", "skipgram" if sg else "cbow", "-input", corpus, "-output", out,
               "-dim", str(a.dim), "-ws", str(a.window), "-neg", str(a.negative), "-t", str(a.sample),
               "-minCount", str(a.min_count), "-epoch", str(a.epochs), "-thread", str(a.threads),
               "-minn", "0", "-maxn", "0", "-lr", alpha, "-verbose", "0"]
        return cmd, out + ".vec"
    raise ValueError(f"unknown tool {tool}")


def missing(tool):
    """Why `tool` cannot run here (one line), or None."""
    if tool == "gensim" and importlib.util.find_spec("gensim") is None:
        return "gensim not installed (Debian python3-gensim, for /usr/bin/python3)"
    if tool == "fasttext" and not shutil.which("fasttext"):
        return "fasttext not installed (Debian fasttext)"
    return None


def version(tool):
    package = {"gensim": "python3-gensim", "fasttext": "fasttext"}.get(tool)
    if not package:
        return None
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return out.stdout.strip() or None


def run_tool(tool, a, corpus, workdir):
    out = os.path.join(workdir, f"{tool}-{a.model}")
    if tool == "gemmvec":
        shutil.rmtree(out + "-cache", ignore_errors=True)  # parsing is part of the whole-process time
    cmd, vectors = tool_command(tool, a, corpus, out)
    log = out + ".log"
    wall, rss = timed(cmd, log)
    return {"tool": tool, "wall_seconds": wall, "peak_rss_mb": rss, "vectors": vectors, "log": log}


def score(a, vectors):
    out = subprocess.run([a.gemmvec, "eval", vectors, "--analogy", a.analogy, "--similarity",
                          a.similarity, "--top-n", "30000", "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"gemmvec eval {vectors} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def add_settings(p):
    p.add_argument("--model", choices=["sg", "cbow"], default="sg")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-4)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--alpha", type=float, default=None, help="default 0.025 for sg, 0.05 for cbow")
    p.add_argument("--set", action="append", default=[], help="extra gemmvec --set key=value")
    p.add_argument("--gemmvec", default=os.path.join(ROOT, "build/bin/gemmvec"))


def command_main(argv):
    """`peers.py command --tool T [settings] --corpus TEXT --out PREFIX`: prints one JSON object,
    {"argv": [...], "vectors": PATH, "version": V} or {"skipped": REASON}, and runs nothing."""
    p = argparse.ArgumentParser(prog="peers.py command", description=command_main.__doc__)
    p.add_argument("--tool", choices=["gemmvec", "gensim", "fasttext"], required=True)
    p.add_argument("--corpus", required=True, help="plain text (gemmvec bench decompresses it once)")
    p.add_argument("--out", required=True, help="prefix of the vectors file")
    add_settings(p)
    a = p.parse_args(argv)
    why = missing(a.tool)
    if why:
        print(json.dumps({"skipped": why}))
        return
    cmd, vectors = tool_command(a.tool, a, a.corpus, a.out)
    print(json.dumps({"argv": cmd, "vectors": vectors, "version": version(a.tool)}))


def main():
    if sys.argv[1:2] == ["command"]:
        command_main(sys.argv[2:])
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=os.path.join(ROOT, "../shared/data/corpus/enwiki2015_100m.txt.xz"))
    p.add_argument("--analogy", default=os.path.join(ROOT, "data/eval/questions-words.txt"))
    p.add_argument("--similarity", default=os.path.join(ROOT, "data/eval/wordsim353.tsv"))
    p.add_argument("--tools", default="gemmvec,gensim,fasttext")
    add_settings(p)
    p.add_argument("--out", default=os.path.join(ROOT, "runs/peers"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    workdir = os.path.abspath(a.out)
    corpus = plain_corpus(a.corpus, workdir)
    words = count_words(corpus)
    results = []
    for tool in a.tools.split(","):
        why = missing(tool)
        if why:
            results.append({"tool": tool, "status": "skipped", "reason": why})
            continue
        try:
            r = run_tool(tool, a, corpus, workdir)
            r["words_per_sec"] = words * a.epochs / r["wall_seconds"]
            r["scores"] = score(a, r["vectors"])
            r["status"] = "ok"
        except Exception as e:  # reported, and the run fails at the end
            r = {"tool": tool, "status": "failed", "error": str(e)}
        results.append(r)
        print(json.dumps(r), flush=True)
    report = {"corpus": a.corpus, "raw_words": words, "settings": vars(a),
              "machine": f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
              "results": results}
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(report, f, indent=2)
    base = next((r for r in results if r["tool"] == "gensim" and r["status"] == "ok"), None)
    lines = ["| tool | model | wall s | words/s | vs gensim | analogy top-30k | semantic | syntactic | WS353 | peak RSS MB |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r["status"] != "ok":
            lines.append(f"| {r['tool']} | {a.model} | {r['status']}: {r.get('reason', r.get('error'))} | | | | | | | |")
            continue
        an = r["scores"]["analogy"][0]
        sim = r["scores"]["similarity"][0]
        ratio = f"{r['words_per_sec'] / base['words_per_sec']:.2f}x" if base else "-"
        lines.append(f"| {r['tool']} | {a.model} | {r['wall_seconds']:.1f} | {r['words_per_sec']:,.0f} | {ratio} | "
                     f"{an['total']:.2f}% | {an['semantic']:.2f}% | {an['syntactic']:.2f}% | {sim['spearman']:.3f} | "
                     f"{r['peak_rss_mb']:.0f} |")
    table = "\n".join(lines)
    open(os.path.join(a.out, "table.md"), "w").write(table + "\n")
    print(table)
    sys.exit(0 if all(r["status"] != "failed" for r in results) else 1)


if __name__ == "__main__":
    main()
