#!/usr/bin/env bash
# gemmvec: builds the libFuzzer targets in fuzz/ (clang, ASan+UBSan, CUDA off) into build-fuzz/,
# replays every input in fuzz/regressions/<target>/ (the crashes found before), then runs each
# target for SECONDS (default 60) from its seeds, as many targets at once as there are cores. Fails if any target crashes, leaks, trips a
# sanitizer or an invariant; the crashing input is left in build-fuzz/crashes/<target>/.
#   bash scripts/fuzz.sh [SECONDS]        FUZZ_TARGETS="vocab config" to run only some
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
BUILD=${BUILD:-build-fuzz}
# libFuzzer is in compiler-rt's package (libclang_rt.fuzzer); clang itself may be missing too.
bash scripts/setup.sh clang-14 libclang-rt-14-dev

TARGETS=(${FUZZ_TARGETS:-corpus_reader config vectors vocab token_cache checkpoint})
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DCMAKE_CXX_COMPILER=clang++-14 -DGEMMVEC_CUDA=OFF -DGEMMVEC_FUZZ=ON -DGEMMVEC_TESTS=OFF -DGEMMVEC_BENCH=OFF >/dev/null
ninja -C "$BUILD" -j"${JOBS:-$(nproc)}" gemmvec_fuzz_seeds "${TARGETS[@]/#/fuzz_}"

rm -rf "$BUILD/seeds"
"$BUILD/fuzz/gemmvec_fuzz_seeds" "$BUILD/seeds"

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# One target: its regressions, then SECONDS_EACH of fuzzing. Writes what it has to say to
# $BUILD/result-<target> and "ok" or "failed ..." to $BUILD/status-<target>.
fuzz_one() {
  local t=$1 bin="$BUILD/fuzz/fuzz_$1" log="$BUILD/fuzz-$1.log" status="$BUILD/status-$1" start runs cov
  echo "failed $t (did not finish)" >"$status"
  # 1. the crashes found before, one run per input
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    if ! timeout 600 "$bin" -runs=0 fuzz/regressions/"$t"/* >"$BUILD/regressions-$t.log" 2>&1; then
      echo "gemmvec fuzz: $t: a regression input fails again:"
      tail -40 "$BUILD/regressions-$t.log"
      echo "failed $t (regression)" >"$status"
      return
    fi
  fi
  # 2. fuzz: new inputs go to build-fuzz/corpus/<target> (kept between runs), seeds are read
  mkdir -p "$BUILD/corpus/$t" "$BUILD/crashes/$t"
  local seeds=("$BUILD/seeds/$t")
  [ -d "fuzz/corpus/$t" ] && seeds+=("fuzz/corpus/$t")
  start=$(date +%s)
  # libFuzzer stops itself after SECONDS_EACH (an input after 20 s); timeout is the outer limit.
  if timeout $((SECONDS_EACH + 120)) "$bin" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 \
       -max_len=4096 -artifact_prefix="$BUILD/crashes/$t/" -print_final_stats=1 \
       "$BUILD/corpus/$t" "${seeds[@]}" >"$log" 2>&1; then
    runs=$(grep -m1 -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" || echo "?")
    cov=$(grep -oP '#\d+\s+DONE\s+cov: \K\d+' "$log" | tail -1 || true)
    echo "gemmvec fuzz: $t: ok, $runs runs in $(( $(date +%s) - start )) s${cov:+, coverage $cov}"
    echo ok >"$status"
  else
    echo "gemmvec fuzz: $t: FAILED (input in $BUILD/crashes/$t/):"
    grep -E 'ERROR|SUMMARY|invariant failed|uncaught|what\(\)|deadly' "$log" | head -10 || true
    tail -30 "$log"
    echo "failed $t" >"$status"
  fi
}

# Each target is one process on one core: as many run at once as there are cores (JOBS).
parallel=${JOBS:-$(nproc)}
for t in "${TARGETS[@]}"; do rm -f "$BUILD/result-$t" "$BUILD/status-$t"; done
for t in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  fuzz_one "$t" >"$BUILD/result-$t" 2>&1 &
done
wait
failed=()
for t in "${TARGETS[@]}"; do
  cat "$BUILD/result-$t"
  status=$(cat "$BUILD/status-$t" 2>/dev/null || echo "failed $t (no status)")
  [ "$status" = ok ] || failed+=("${status#failed }")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "gemmvec fuzz: failed: ${failed[*]}"
  exit 1
fi
echo "gemmvec fuzz: all ${#TARGETS[@]} targets ran ${SECONDS_EACH} s each without a finding"
