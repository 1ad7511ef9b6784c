#!/usr/bin/env python3
# gemmvec: what one GEMM-pipeline batch touches, for docs/performance-model.md: kept words, and
# the distinct rows the fused step applies (input rows: distinct kept words; output rows:
# distinct kept words and group negatives), and per group its skip-gram pairs and the distinct
# context positions they use (what the fused step's context tiles score once), by simulation of
# subsampling, window draws and negative draws on the first WORDS words of a corpus (sentence
# ends ignored). Needs numpy.
#   python3 scripts/batch-shape.py ../shared/data/corpus/enwiki2015_100m.txt.xz [WORDS] [BATCH] [GROUP] [K] [WINDOW]
import collections
import lzma
import sys

import numpy as np

path = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 6_000_000
batch, group, K, window = (int(a) for a in (sys.argv[3:7] + ["16384", "8", "16", "5"][len(sys.argv[3:7]):]))
words = []
with (lzma.open(path, "rt") if path.endswith(".xz") else open(path)) as f:
    for line in f:
        words.extend(line.split())
        if len(words) > limit:
            break
count = collections.Counter(words)
vocab = [w for w, c in count.items() if c >= 5]
index = {w: i for i, w in enumerate(vocab)}
ids = np.array([index[w] for w in words if w in index])
c = np.array([count[w] for w in vocab], dtype=np.float64)
t = 1e-4 * c.sum()
keep = np.minimum(1.0, (np.sqrt(c / t) + 1) * t / c)  # word2vec.c's keep probability
q = c ** 0.75
q /= q.sum()
rng = np.random.default_rng(1)
rows = []
for b in range(0, len(ids) - batch, batch * 7)[:20]:
    mask = rng.random(batch) < keep[ids[b:b + batch]]
    kept = ids[b:b + batch][mask]
    negatives = rng.choice(len(vocab), size=(batch // group) * K, p=q)
    # Windows over the kept positions; a group is `group` raw positions.
    m = len(kept)
    gid = np.flatnonzero(mask) // group
    span = rng.integers(1, window + 1, size=m)
    lo, hi = np.maximum(0, np.arange(m) - span), np.minimum(m - 1, np.arange(m) + span)
    groups = contexts = 0
    for g0, g1 in zip(np.r_[0, np.flatnonzero(np.diff(gid)) + 1], np.r_[np.flatnonzero(np.diff(gid)) + 1, m]):
        used = set()
        for k in range(g0, g1):
            used.update(x for x in range(lo[k], hi[k] + 1) if x != k)
        groups += 1
        contexts += len(used)
    pairs = int((hi - lo).sum())
    rows.append((m, len(np.unique(kept)), len(np.unique(np.concatenate([kept, negatives]))), pairs, groups, contexts))
kept, rows_in, rows_out, pairs, groups, contexts = np.array(rows, dtype=np.float64).mean(0)
print(f"vocab {len(vocab)}, {len(rows)} batches of {batch} words (group {group}, K {K}, window {window}): "
      f"kept {kept:.0f}, distinct input rows {rows_in:.0f}, distinct output rows {rows_out:.0f}")
print(f"skip-gram per batch: {pairs:.0f} pairs in {groups:.0f} groups ({pairs / groups:.1f} pairs, "
      f"{kept / groups:.1f} centers and {contexts / groups:.1f} distinct context positions a group: "
      f"{pairs / contexts:.2f} pairs a context)")
