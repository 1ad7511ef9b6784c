#!/usr/bin/env bash
# gemmvec: makes the synthetic Zipf corpus where it runs (gemmvec prepare --zipf): DIR/zipf.vocab
# and DIR/zipf.tokens, TOKENS words over VOCAB ranks, P(rank i) ~ 1/(i+1)^EXPONENT. The defaults,
# 1e9 words over 1.5M, stand for a 1B-word Wikipedia-plus-news corpus at min_count 5 (every one
# of the 1.5M words is drawn ~45 times or more). Prints the time taken and the size; then train
# with data.tokens: DIR/zipf.
#   bash scripts/zipf-corpus.sh [DIR] [TOKENS] [VOCAB] [EXPONENT]    (zipf-corpus 1000000000 1500000 1)
# GEMMVEC names the binary (default build/bin/gemmvec), ZIPF_SEED the seed (1), ZIPF_THREADS the
# threads (0: all); the bytes depend on the seed only.
set -euo pipefail
DIR=${1:-zipf-corpus}
TOKENS=${2:-1000000000}
VOCAB=${3:-1500000}
EXPONENT=${4:-1}
GEMMVEC=${GEMMVEC:-$(cd "$(dirname "$0")/.." && pwd)/build/bin/gemmvec}
if [ ! -x "$GEMMVEC" ]; then
  echo "zipf-corpus: no binary at $GEMMVEC (bash scripts/build.sh, or set GEMMVEC)" >&2
  exit 2
fi
mkdir -p "$DIR"
t0=$(date +%s%N)
"$GEMMVEC" prepare --zipf "$TOKENS:$VOCAB:$EXPONENT" --out "$DIR/zipf" --seed "${ZIPF_SEED:-1}" \
  --threads "${ZIPF_THREADS:-0}"
t1=$(date +%s%N)
bytes=$(($(stat -c %s "$DIR/zipf.tokens") + $(stat -c %s "$DIR/zipf.vocab")))
words=$(wc -l <"$DIR/zipf.vocab")
awk -v ns=$((t1 - t0)) -v b="$bytes" -v t="$TOKENS" -v v="$VOCAB" -v w="$words" -v d="$DIR" -v c="$(nproc)" 'BEGIN {
  s = ns / 1e9
  printf "zipf-corpus: %d words over %d ranks in %.1f s (%.1f M words/s, %d CPUs): vocab %d words, %.2f GB in %s/zipf.{vocab,tokens}\n",
         t, v, s, t / s / 1e6, c, w, b / 1e9, d
}'
