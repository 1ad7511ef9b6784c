#!/usr/bin/python3
"""gemmvec against the tools users know, side by side on one corpus and one machine.

Runs gemmvec (CPU), gensim 4 (corpus_file mode) and fastText (-minn 0 -maxn 0) with the same
settings, times each whole process, reads its peak RSS, scores every tool's vectors with the
same scorer (`gemmvec eval`), and writes results.json and a Markdown table.

Words/s = raw corpus words * epochs / wall seconds of the whole process (parsing included),
the same definition for every tool.

  /usr/bin/python3 bench/peers.py --corpus ../shared/data/corpus/enwiki2015_100m.txt.xz \
      --model sg --out runs/peers-sg
"""
import argparse
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
corpus, out, sg, dim, window, neg, sample, minc, epochs, workers = sys.argv[1:]
m = Word2Vec(corpus_file=corpus, vector_size=int(dim), window=int(window), negative=int(neg), hs=0,
             sample=float(sample), min_count=int(minc), epochs=int(epochs), workers=int(workers),
             sg=int(sg), alpha=0.025 if sg == '1' else 0.05, seed=1)
m.wv.save_word2vec_format(out, binary=True)
"""


def run_tool(tool, a, corpus, workdir):
    sg = a.model == "sg"
    out = os.path.join(workdir, f"{tool}-{a.model}")
    log = out + ".log"
    common = dict(dim=a.dim, window=a.window, neg=a.negative, sample=a.sample, minc=a.min_count,
                  epochs=a.epochs, threads=a.threads)
    if tool == "gemmvec":
        cache = os.path.join(workdir, "gemmvec-cache")
        shutil.rmtree(cache, ignore_errors=True)  # parsing is part of the whole-process time
        cmd = [a.gemmvec, "-train", corpus, "-output", out + ".bin", "-size", str(a.dim),
               "-window", str(a.window), "-negative", str(a.negative), "-sample", str(a.sample),
               "-min-count", str(a.min_count), "-iter", str(a.epochs), "-threads", str(a.threads),
               "-binary", "1", "-cbow", "0" if sg else "1", "--set", f"data.cache_dir={cache}",
               "--set", "train.backend=cpu"] + sum((["--set", s] for s in a.set), [])
        vectors = out + ".bin"
    elif tool == "gensim":
        cmd = ["/usr/bin/python3", "-c", GENSIM, corpus, out + ".bin", "1" if sg else "0",
               *[str(common[k]) for k in ("dim", "window", "neg", "sample", "minc", "epochs", "threads")]]
        vectors = out + ".bin"
    elif tool == "fasttext":
        cmd = ["fasttext", "skipgram" if sg else "cbow", "-input", corpus, "-output", out,
               "-dim", str(a.dim), "-ws", str(a.window), "-neg", str(a.negative), "-t", str(a.sample),
               "-minCount", str(a.min_count), "-epoch", str(a.epochs), "-thread", str(a.threads),
               "-minn", "0", "-maxn", "0", "-lr", "0.025" if sg else "0.05", "-verbose", "0"]
        vectors = out + ".vec"
    wall, rss = timed(cmd, log)
    return {"tool": tool, "wall_seconds": wall, "peak_rss_mb": rss, "vectors": vectors, "log": log}


def score(a, vectors):
    out = subprocess.run([a.gemmvec, "eval", vectors, "--analogy", a.analogy, "--similarity",
                          a.similarity, "--top-n", "30000", "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"gemmvec eval {vectors} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=os.path.join(ROOT, "../shared/data/corpus/enwiki2015_100m.txt.xz"))
    p.add_argument("--analogy", default=os.path.join(ROOT, "data/eval/questions-words.txt"))
    p.add_argument("--similarity", default=os.path.join(ROOT, "data/eval/wordsim353.tsv"))
    p.add_argument("--model", choices=["sg", "cbow"], default="sg")
    p.add_argument("--tools", default="gemmvec,gensim,fasttext")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-4)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--set", action="append", default=[], help="extra gemmvec --set key=value")
    p.add_argument("--gemmvec", default=os.path.join(ROOT, "build/src/gemmvec"))
    p.add_argument("--out", default=os.path.join(ROOT, "runs/peers"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    workdir = os.path.abspath(a.out)
    corpus = plain_corpus(a.corpus, workdir)
    words = count_words(corpus)
    results = []
    for tool in a.tools.split(","):
        if tool == "fasttext" and not shutil.which("fasttext"):
            results.append({"tool": tool, "status": "skipped", "reason": "fasttext not installed"})
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
