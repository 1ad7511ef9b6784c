#!/usr/bin/env bash
# gemmvec: run THERE, on a lent GPU machine, from the repo root: bash scripts/gpu-check.sh gpu-pack
# (gpu-pack/ made here by scripts/gpu-pack.sh). Writes under $OUT: gpu-check.json (the summary),
# gpu-check.log, nvidia-smi.txt, the GPU tests' log and JSON, and each training run's log,
# report JSON and metrics. Steps, each under `timeout`, the whole in about 8 minutes:
#   1. what the machine has (nvidia-smi, nvcc, cuBLAS/cuRAND, ldd of the binary)
#   2. the `gpu` tests (CUDA step vs host build draw for draw, the GEMM and the fused step; an
#      epoch whose fused step replays as a CUDA graph vs launch by launch; a short training
#      cuda/cuda-host/cpu) and the Philox/cuRAND and pipeline CPU tests
#   3. quality: the 16.8M-word corpus, 5 epochs, analogy and WS353, at the backend defaults
#      (skip-gram, CBOW) and with train.step: fused (skip-gram)
#   4. throughput: d 100 (PHASE check) and d 300 (PHASE grid), skip-gram and CBOW, GEMM and fused
#      step, the 16.8M-word corpus for 60 epochs (about 1B words), each run cut at 25-30 s;
#      words/s from its metrics log. PHASE grid also scores fused skip-gram at d 300.
#   5. (PHASE scale) real-corpus scale: scripts/zipf-corpus.sh makes a synthetic Zipf corpus of
#      1B words over 1.5M (ZIPF_TOKENS, ZIPF_VOCAB) with the shipped binary, then skip-gram d 100
#      trains one epoch on it with each step, cut at 120 s: words/s, device memory and the
#      corpus's making
# Every step is also cut at a deadline of CHECK_DEADLINE seconds (default 500) from the start.
# Without a GPU it records why and skips steps 3-5 and exits 0 (unless the pack is missing). On a
# GPU it sets GEMMVEC_REQUIRE_GPU=1, so a gpu test that cannot run fails instead of skipping, and
# it exits 1 when a test or a quality run failed (the JSON is written either way).
# Rehearsal without a GPU: CHECK_RUNS=1 CHECK_BACKEND=cuda-host CHECK_LIMIT=20 runs steps 3-4
# anyway, on that backend, each cut at CHECK_LIMIT seconds (step 5: add ZIPF_TOKENS=2000000
# ZIPF_VOCAB=50000 and the argument scale).
set -uo pipefail
PACK=${1:-gpu-pack}
# check: tests, quality at the defaults, d 100 throughput. grid: the group/batch/K grid that
# chooses the defaults, and d 300 throughput. scale: the Zipf corpus and its epoch (step 5).
# Two calls on one warm machine share /tmp.
PHASE=${2:-check}
ROOT=$(pwd)
OUT=${OUT:-$ROOT/gpu-check-out}
mkdir -p "$OUT"
T0=$(date +%s)
LOG="$OUT/gpu-check.log"
: >"$LOG"
log() { echo "[gpu-check $(($(date +%s) - T0))s] $*" | tee -a "$LOG" >&2; }
if [ ! -d "$PACK/bin" ]; then
  log "no $PACK/bin: run scripts/gpu-pack.sh here first and carry $PACK"
  exit 2
fi

# ---- unpack ------------------------------------------------------------------------------------
WORK=/tmp/gemmvec-gpu-work
rm -rf "$WORK/bin" "$WORK/lib"
mkdir -p "$WORK"
cp -r "$PACK/bin" "$PACK/lib" "$WORK/"
unxz_all() {
  for f in "$WORK"/bin/*.xz "$WORK"/lib/*.xz; do
    [ -e "$f" ] || continue
    if command -v xz >/dev/null; then xz -d "$f"
    else python3 -c "import lzma,sys,shutil; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[1][:-3],'wb'))" "$f" && rm "$f"
    fi
  done
}
unxz_all
chmod +x "$WORK"/bin/*
BIN="$WORK/bin"

# CUDA libraries of the machine: the toolkit's, else the ones beside PyTorch.
CUDA_LIBS=""
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  [ -e "$d/libcublas.so.13" ] && CUDA_LIBS="$d" && break
done
if [ -z "$CUDA_LIBS" ]; then
  c=$(ldconfig -p 2>/dev/null | awk '/libcublas\.so\.13 / {print $NF; exit}')
  [ -n "$c" ] && CUDA_LIBS=$(dirname "$c")
fi
if [ -z "$CUDA_LIBS" ] && command -v python3 >/dev/null; then
  CUDA_LIBS=$(python3 - <<'EOF' 2>/dev/null
import glob, os, site
dirs = []
for s in site.getsitepackages():
    for lib in ("cublas", "curand", "cuda_runtime"):
        dirs += [os.path.dirname(p) for p in glob.glob(os.path.join(s, "nvidia", lib, "lib", "lib*.so*"))]
print(":".join(sorted(set(dirs))))
EOF
)
fi
export LD_LIBRARY_PATH="$WORK/lib${CUDA_LIBS:+:$CUDA_LIBS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GEMMVEC_SOURCE_DIR="$ROOT"
log "unpacked into $WORK; CUDA libraries from ${CUDA_LIBS:-nowhere found}"

# ---- 1. the machine ----------------------------------------------------------------------------
GPU=0
if command -v nvidia-smi >/dev/null && timeout 30 nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1; then
  GPU=1
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >"$OUT/gpu.txt" 2>/dev/null
  log "GPU: $(cat "$OUT/gpu.txt")"
  export GEMMVEC_REQUIRE_GPU=1
else
  log "nvidia-smi failed or missing: no GPU here"
fi
{
  echo "== nvcc"; (command -v nvcc && nvcc --version) 2>&1 || echo "no nvcc"
  echo "== cuBLAS/cuRAND (ldconfig)"; ldconfig -p 2>/dev/null | grep -E 'cublas|curand' || echo "none in ldconfig"
  echo "== ldd gemmvec"; ldd "$BIN/gemmvec"
  echo "== ldd gemmvec_tests"; ldd "$BIN/gemmvec_tests"
  echo "== gemmvec info"; timeout 30 "$BIN/gemmvec" info
} >"$OUT/machine.txt" 2>&1
log "gemmvec info: $(grep -A0 '^cuda' "$OUT/machine.txt" | head -1)"
if ldd "$BIN/gemmvec" | grep -q "not found"; then
  log "missing libraries: $(ldd "$BIN/gemmvec" | grep 'not found' | tr -s ' \n' ' ')"
fi

# ---- 2. tests ----------------------------------------------------------------------------------
DEADLINE=${CHECK_DEADLINE:-500}
# The smaller of $1 and the seconds left before the deadline (0: no time left).
budget() {
  local left=$((DEADLINE - ($(date +%s) - T0)))
  [ "$left" -lt 0 ] && left=0
  [ "$1" -lt "$left" ] && echo "$1" || echo "$left"
}
GPU_TESTS_RC=-1
CPU_TESTS_RC=-1
FAILURES=()
if [ "$PHASE" = check ]; then
log "gpu tests"
timeout "$(budget 100)" "$BIN/gemmvec_gpu_tests" --gtest_output="json:$OUT/gpu-tests.json" >"$OUT/gpu-tests.log" 2>&1
GPU_TESTS_RC=$?
[ "$GPU_TESTS_RC" = 0 ] || FAILURES+=("gpu tests (exit $GPU_TESTS_RC)")
log "gpu tests: exit $GPU_TESTS_RC; $(grep -E '^\[  (PASSED|FAILED|SKIPPED) +\] [0-9]+ test' "$OUT/gpu-tests.log" | tr '\n' ' ')"
log "Philox/cuRAND and pipeline CPU tests"
timeout "$(budget 60)" "$BIN/gemmvec_tests" --gtest_filter='Philox*:Pipeline*:Fused*' --gtest_output="json:$OUT/cpu-tests.json" \
  >"$OUT/cpu-tests.log" 2>&1
CPU_TESTS_RC=$?
[ "$CPU_TESTS_RC" = 0 ] || FAILURES+=("cpu tests (exit $CPU_TESTS_RC)")
log "cpu tests: exit $CPU_TESTS_RC; $(grep -E '^\[  (PASSED|FAILED|SKIPPED) +\] [0-9]+ test' "$OUT/cpu-tests.log" | tr '\n' ' ')"
fi
# Kernel microbenchmarks beside their cuBLAS/Thrust baselines (bench/gpu_kernels_bench.cu).
if [ "$PHASE" = check ] && [ -x "$BIN/gemmvec_gpu_bench" ]; then
  timeout "$(budget 40)" "$BIN/gemmvec_gpu_bench" --benchmark_min_time=0.2 --benchmark_format=json \
    >"$OUT/gpu-bench.json" 2>"$OUT/gpu-bench.log"
  log "gpu bench: exit $?"
fi

# ---- 3-4. training runs ------------------------------------------------------------------------
DATA="$WORK/data"
mkdir -p "$DATA"
RUNS="$OUT/runs"
mkdir -p "$RUNS"
# One training run: NAME TIMEOUT_S then --set overrides. Samples device memory once a second.
train_run() {
  local name=$1 limit
  limit=$(budget "$2")
  shift 2
  if [ "$limit" -lt 10 ]; then
    log "run $name: skipped, the deadline is near"
    return
  fi
  local smi_pid=""
  if [ "$GPU" = 1 ]; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -l 1 >"$RUNS/$name.memory.csv" 2>/dev/null &
    smi_pid=$!
  fi
  local t=$(date +%s)
  timeout "$limit" "$BIN/gemmvec" train "$DATA/base.yaml" --set output.path="$RUNS/$name.bin" \
    --set output.metrics="$RUNS/$name.metrics.jsonl" "$@" >"$RUNS/$name.log" 2>&1
  local rc=$?
  [ -n "$smi_pid" ] && kill "$smi_pid" 2>/dev/null
  echo "$rc $(($(date +%s) - t))" >"$RUNS/$name.rc"
  # A quality run must finish; a speed run is cut by its timeout on purpose (124).
  if [ "$rc" != 0 ] && { [[ "$name" == quality-* ]] || [ "$rc" != 124 ]; }; then FAILURES+=("run $name (exit $rc)"); fi
  log "run $name: exit $rc after $(($(date +%s) - t)) s: $(grep -E '^gemmvec: (wrote|backend)|^analogy |^similarity |rror|CUDA graph' "$RUNS/$name.log" | tr '\n' ' ' | cut -c1-400)"
  rm -f "$RUNS/$name.bin" "$RUNS/$name.bin.ckpt"  # a run cut by its timeout checkpoints on SIGTERM
}

BACKEND=${CHECK_BACKEND:-cuda}
limit() { echo "${CHECK_LIMIT:-$1}"; }
if [ "$GPU" = 1 ] || [ "${CHECK_RUNS:-0}" = 1 ]; then
  COMMON=(--set data.tokens="$DATA/enwiki" --set train.backend="$BACKEND" --set train.progress_seconds=2)
  EVAL=(--set "eval.analogy=[$PACK/data/eval/questions-words.txt]"
        --set "eval.similarity=[$PACK/data/eval/wordsim353.tsv]")
  if [ "$PHASE" != scale ] && [ ! -s "$DATA/enwiki.tokens" ]; then
    log "unpacking the corpus"
    timeout 120 xz -dc "$PACK/data/corpus/enwiki2015_100m.txt.xz" >"$DATA/enwiki.txt"
    log "prepare (token cache of the 16.8M-word corpus)"
    timeout 150 "$BIN/gemmvec" prepare "$DATA/enwiki.txt" --out "$DATA/enwiki" >"$RUNS/prepare.log" 2>&1 ||
      log "prepare failed: $(tail -2 "$RUNS/prepare.log")"
    rm -f "$DATA/enwiki.txt"
  fi
  timeout 30 "$BIN/gemmvec" init >"$DATA/base.yaml" 2>/dev/null
  if [ "$PHASE" = check ]; then
    # 3. quality at the defaults (5 epochs, d 100), skip-gram and CBOW; the fused step's skip-gram
    train_run quality-sg-default "$(limit 90)" "${COMMON[@]}" "${EVAL[@]}"
    train_run quality-cbow-default "$(limit 60)" "${COMMON[@]}" "${EVAL[@]}" --set model.type=cbow
    train_run quality-sg-fused "$(limit 90)" "${COMMON[@]}" "${EVAL[@]}" --set train.step=fused
    # 4. throughput at d 100: ~1B words (60 epochs of 16.8M), cut at 25 s; GEMM step, then fused
    for step in gemm fused; do
      for type in skipgram cbow; do
        train_run "speed-$type-d100-$step" "$(limit 25)" "${COMMON[@]}" --set model.type=$type --set train.epochs=60 \
          --set train.step=$step
      done
    done
  elif [ "$PHASE" = scale ]; then
    # 5. a 1B-word corpus's vocab and length, drawn here (kept in /tmp for a second call)
    ZIPF_TOKENS=${ZIPF_TOKENS:-1000000000}
    ZIPF_VOCAB=${ZIPF_VOCAB:-1500000}
    ZIPF="$DATA/zipf-$ZIPF_TOKENS-$ZIPF_VOCAB"
    if [ -s "$ZIPF/zipf.tokens" ]; then
      log "zipf corpus: reusing $ZIPF"
    elif [ "$(budget 180)" -lt 30 ]; then
      log "zipf corpus: skipped, the deadline is near"
    else
      log "zipf corpus: $ZIPF_TOKENS words over $ZIPF_VOCAB ranks"
      t=$(date +%s%N)
      GEMMVEC="$BIN/gemmvec" timeout "$(budget 180)" bash scripts/zipf-corpus.sh "$ZIPF" "$ZIPF_TOKENS" "$ZIPF_VOCAB" \
        >"$RUNS/zipf-corpus.log" 2>&1
      rc=$?
      echo "$rc $(($(date +%s%N) - t)) $ZIPF_TOKENS $ZIPF_VOCAB" >"$OUT/zipf-corpus.txt"
      [ "$rc" = 0 ] || FAILURES+=("zipf corpus (exit $rc)")
      log "zipf corpus: exit $rc: $(tail -1 "$RUNS/zipf-corpus.log")"
    fi
    if [ -s "$ZIPF/zipf.tokens" ]; then
      for step in gemm fused; do
        train_run "scale-sg-d100-$step" "$(limit 120)" --set data.tokens="$ZIPF/zipf" --set train.backend="$BACKEND" \
          --set train.progress_seconds=2 --set model.type=skipgram --set model.dim=100 --set train.epochs=1 \
          --set train.step=$step
      done
    fi
  else
    # The grid that chooses the GEMM pipeline's defaults: batch words x group positions x K.
    for point in skipgram:4096:64:16:8 skipgram:16384:64:16:8 skipgram:4096:64:16:2 skipgram:4096:64:16:32 \
                 cbow:4096:64:16:8 skipgram:65536:64:16:8 skipgram:16384:8:5:4 cbow:16384:64:16:8 \
                 skipgram:65536:64:16:2; do
      IFS=: read -r type b g k cap <<<"$point"
      train_run "grid-$type-b$b-g$g-k$k-cap$cap" "$(limit 40)" "${COMMON[@]}" "${EVAL[@]}" --set model.type=$type \
        --set train.batch_words=$b --set train.group_size=$g --set train.group_negatives=$k \
        --set train.max_row_updates=$cap
    done
    for step in gemm fused; do
      for type in skipgram cbow; do
        train_run "speed-$type-d300-$step" "$(limit 30)" "${COMMON[@]}" --set model.type=$type --set model.dim=300 \
          --set train.epochs=10 --set train.step=$step
      done
    done
    # d 300 at the defaults, scored: does it train? (the d 300 speed run in docs/gpu-results.md went NaN)
    train_run quality-sg-d300-fused "$(limit 120)" "${COMMON[@]}" "${EVAL[@]}" --set model.dim=300 --set train.step=fused
  fi
else
  log "no GPU: training runs skipped"
fi

# ---- summary -----------------------------------------------------------------------------------
python3 - "$OUT" "$GPU" "$GPU_TESTS_RC" "$CPU_TESTS_RC" <<'EOF' || log "summary failed (python3?)"
import glob, json, os, sys
out, gpu, gpu_rc, cpu_rc = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), int(sys.argv[4])
def read(p, default=""):
    try:
        return open(p).read().strip()
    except OSError:
        return default
def tests(p):
    try:
        j = json.load(open(p))
    except (OSError, ValueError):
        return None
    r = {"tests": j.get("tests"), "failures": j.get("failures"), "skipped": 0, "failed": []}
    for s in j.get("testsuites", []):
        for t in s.get("testsuite", []):
            if t.get("result") == "SKIPPED" or t.get("status") == "NOTRUN":
                r["skipped"] += 1
            if t.get("failures"):
                r["failed"].append(s["name"] + "." + t["name"])
    return r
summary = {"gpu": gpu, "device": read(os.path.join(out, "gpu.txt")), "gpu_tests_exit": gpu_rc,
           "gpu_tests": tests(os.path.join(out, "gpu-tests.json")), "cpu_tests_exit": cpu_rc,
           "cpu_tests": tests(os.path.join(out, "cpu-tests.json")), "runs": {}}
for rc_file in sorted(glob.glob(os.path.join(out, "runs", "*.rc"))):
    name = os.path.basename(rc_file)[:-3]
    rc, secs = (read(rc_file).split() + ["", ""])[:2]
    run = {"exit": int(rc) if rc else None, "wall_seconds": int(secs) if secs else None,
           "timed_out": rc in ("124", "137")}
    report = os.path.join(out, "runs", name + ".bin.json")
    if os.path.exists(report):
        j = json.load(open(report))
        run.update({k: j.get(k) for k in ("words_per_second", "train_seconds", "total_seconds", "final_loss", "mean_loss",
                                           "vocab", "dim", "epochs", "group_size", "group_negatives",
                                           "batch_words", "device_memory_mb", "scores")})
    metrics = []
    for l in read(os.path.join(out, "runs", name + ".metrics.jsonl")).splitlines():
        try:
            metrics.append(json.loads(l))
        except ValueError:  # the last line of a run cut by timeout
            pass
    if metrics:
        last = metrics[-1]
        run["last_metrics"] = last
        run.setdefault("words_per_second", last.get("words_per_sec"))
    mem = [int(x) for x in read(os.path.join(out, "runs", name + ".memory.csv")).split() if x.isdigit()]
    if mem:
        run["device_memory_max_mib"] = max(mem)
    summary["runs"][name] = run
zipf = read(os.path.join(out, "zipf-corpus.txt")).split()
if len(zipf) == 4:
    summary["zipf_corpus"] = {"exit": int(zipf[0]), "seconds": round(int(zipf[1]) / 1e9, 2), "tokens": int(zipf[2]),
                              "ranks": int(zipf[3]), "log": read(os.path.join(out, "runs", "zipf-corpus.log")).splitlines()[-1:]}
json.dump(summary, open(os.path.join(out, "gpu-check.json"), "w"), indent=2)
print(json.dumps({k: summary[k] for k in ("gpu", "device", "gpu_tests_exit", "cpu_tests_exit")}))
if "zipf_corpus" in summary:
    print("zipf_corpus", summary["zipf_corpus"])
for name, run in summary["runs"].items():
    sc = run.get("scores") or {}
    an = [round(v["total"], 2) for v in (sc.get("analogy") or [])]
    ws = [round(v["spearman"], 3) for v in (sc.get("similarity") or [])]
    print(name, {k: run.get(k) for k in ("exit", "words_per_second", "final_loss", "device_memory_max_mib", "device_memory_mb")},
          "analogy", an, "ws353", ws)
EOF
log "done in $(($(date +%s) - T0)) s; results in $OUT"
if [ "${#FAILURES[@]}" -gt 0 ]; then
  log "FAILED: ${FAILURES[*]}"
  exit 1
fi
exit 0
