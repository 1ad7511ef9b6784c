#!/usr/bin/env python3
# gemmvec: what one GEMM-pipeline batch touches, for docs/performance-model.md: kept words, and
# the distinct rows the fused step applies (input rows: distinct kept words; output rows:
# distinct kept words and group negatives), by simulation of subsampling and negative draws on
# the first WORDS words of a corpus. Needs numpy.
#   python3 scripts/batch-shape.py ../shared/data/corpus/enwiki2015_100m.txt.xz [WORDS] [BATCH] [GROUP] [K]
import collections
import lzma
import sys

import numpy as np

path = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 6_000_000
batch, group, K = (int(a) for a in (sys.argv[3:6] + ["16384", "8", "16"][len(sys.argv[3:6]):]))
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
    kept = ids[b:b + batch][rng.random(batch) < keep[ids[b:b + batch]]]
    negatives = rng.choice(len(vocab), size=(batch // group) * K, p=q)
    rows.append((len(kept), len(np.unique(kept)), len(np.unique(np.concatenate([kept, negatives])))))
kept, rows_in, rows_out = np.array(rows).mean(0)
print(f"vocab {len(vocab)}, {len(rows)} batches of {batch} words (group {group}, K {K}): "
      f"kept {kept:.0f}, distinct input rows {rows_in:.0f}, distinct output rows {rows_out:.0f}")
