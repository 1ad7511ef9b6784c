#!/usr/bin/env bash
# gemmvec: every output layer (model.loss) side by side on one corpus: words/s, analogy, WS353
# and the held-out log-likelihood (the last 5% of the lines held out, trained on the rest), on
# the cpu backend, nce and softmax also on cuda-host, and gensim's hs=1 negative=0 as the peer
# of hs when a Python with gensim is given (GENSIM_PYTHON). docs/losses.md has the results.
#
#   bash scripts/compare-losses.sh CORPUS OUT_DIR [EPOCHS]
#
# CORPUS: plain text, .gz or .xz, a sentence per line. Settings: d 100, window 5, sample 1e-4,
# min_count 5, 2 threads. Each run's OUT.json and log land in OUT_DIR; OUT_DIR/table.md sums
# them up. ONLY=REGEX runs only the runs whose names match (the table still lists them all).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 CORPUS OUT_DIR [EPOCHS]" >&2; exit 2; }
corpus=$1 out=$2 epochs=${3:-5}
bin=build/bin/gemmvec
eval_dir=data/eval
[ -x "$bin" ] || { echo "$0: $bin not built (bash scripts/build.sh)" >&2; exit 1; }
mkdir -p "$out"

# The split: the first 95% of the lines to train on, the rest held out.
case "$corpus" in
  *.xz) cat_cmd=(xz -dc) ;;
  *.gz) cat_cmd=(gzip -dc) ;;
  *) cat_cmd=(cat) ;;
esac
if [ ! -s "$out/train.txt" ]; then
  "${cat_cmd[@]}" "$corpus" > "$out/all.txt"
  lines=$(wc -l < "$out/all.txt")
  head -n $((lines * 95 / 100)) "$out/all.txt" > "$out/train.txt"
  tail -n +$((lines * 95 / 100 + 1)) "$out/all.txt" > "$out/heldout.txt"
  rm "$out/all.txt"
fi

common=(--set "data.corpus=[$out/train.txt]" --set data.cache_dir="$out/cache" --set model.dim=100
        --set model.window=5 --set model.sample=1e-4 --set vocab.min_count=5 --set train.threads=2
        --set train.epochs="$epochs" --set "eval.analogy=[$eval_dir/questions-words.txt]"
        --set "eval.similarity=[$eval_dir/wordsim353.tsv]" --set "eval.heldout=[$out/heldout.txt]"
        --set eval.heldout_pairs=20000 --set output.save_config=false --set train.checkpoint_minutes=0)

run() {  # NAME BACKEND TYPE LOSS [more --set ...]
  local name=$1 backend=$2 type=$3 loss=$4
  shift 4
  [[ $name =~ ${ONLY:-.} ]] || return 0
  echo "== $name" >&2
  timeout 3600 "$bin" train configs/template.yaml "${common[@]}" --set train.backend="$backend" \
    --set model.type="$type" --set model.loss="$loss" --set output.path="$out/$name.bin" "$@" \
    > "$out/$name.log" 2>&1 || { echo "$name failed: see $out/$name.log" >&2; return 1; }
}

for type in skipgram cbow; do
  run "$type-neg" cpu "$type" neg
  run "$type-nce" cpu "$type" nce --set model.output_bias=true
  run "$type-softmax" cpu "$type" softmax --set model.output_bias=true
  run "$type-hs" cpu "$type" hs
done
for loss in nce softmax; do
  extra=(--set model.output_bias=true)
  run "skipgram-$loss-cuda-host" cuda-host skipgram "$loss" "${extra[@]}"
done

# gensim, hs=1 negative=0, the same settings; scored by gemmvec eval like the rest.
if [ -n "${GENSIM_PYTHON:-}" ]; then
  for sg in 1 0; do
    name=$([ $sg = 1 ] && echo skipgram || echo cbow)-gensim-hs
    [[ $name =~ ${ONLY:-.} ]] || continue
    echo "== $name" >&2
    timeout 3600 "$GENSIM_PYTHON" - "$out/train.txt" "$out/$name.bin" "$sg" "$epochs" > "$out/$name.gensim.json" <<'EOF'
import json, sys, time
from gensim.models import Word2Vec
corpus, path, sg, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
words = sum(len(line.split()) for line in open(corpus, encoding="utf-8"))
t = time.time()
m = Word2Vec(corpus_file=corpus, vector_size=100, window=5, sample=1e-4, min_count=5, workers=2, sg=sg,
             hs=1, negative=0, epochs=epochs)
seconds = time.time() - t
m.wv.save_word2vec_format(path, binary=True)
print(json.dumps({"train_seconds": seconds, "words_per_second": words * epochs / seconds}))
EOF
    "$bin" eval "$out/$name.bin" --analogy "$eval_dir/questions-words.txt" --similarity "$eval_dir/wordsim353.tsv" \
      --json > "$out/$name.scores.json"
  done
fi

python3 - "$out" <<'EOF' > "$out/table.md"
import glob, json, os, sys
out = sys.argv[1]
print("| run | words/s | analogy % | WS353 | held-out log-lik | perplexity | mean log Z |")
print("|---|---|---|---|---|---|---|")
for path in sorted(glob.glob(os.path.join(out, "*.bin.json"))):
    r = json.load(open(path))
    s = r["scores"]
    ll = (s.get("log_likelihood") or [{}])[0]
    a = s["analogy"][0]["total"] if s.get("analogy") else float("nan")
    w = s["similarity"][0]["spearman"] if s.get("similarity") else float("nan")
    print(f"| {os.path.basename(path)[:-9]} | {r['words_per_second']:.0f} | {a:.2f} | {w:.3f} | "
          f"{ll.get('log_likelihood', float('nan')):.3f} | {ll.get('perplexity', float('nan')):.0f} | "
          f"{ll.get('mean_log_z', float('nan')):.3f} |")
for path in sorted(glob.glob(os.path.join(out, "*-gensim-hs.gensim.json"))):
    name = os.path.basename(path)[:-12]
    g = json.load(open(path))
    s = json.load(open(os.path.join(out, name + ".scores.json")))
    a = s["analogy"][0]["total"] if s.get("analogy") else float("nan")
    w = s["similarity"][0]["spearman"] if s.get("similarity") else float("nan")
    print(f"| {name} | {g['words_per_second']:.0f} | {a:.2f} | {w:.3f} | | | |")
EOF
cat "$out/table.md"
