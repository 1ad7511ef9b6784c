#!/usr/bin/env bash
# gemmvec: builds build-sanitize/ with AddressSanitizer and UndefinedBehaviorSanitizer (g++, the
# CUDA backend off, the cuda-host pipeline on) and runs the `cpu` tests under them: any report
# (a leak included) fails the test that made it. Extra arguments go to ctest.
#   SANITIZE_BUILD_TYPE  RelWithDebInfo (at -O1, the default) or Debug (-O0)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD=${BUILD:-build-sanitize}
TYPE=${SANITIZE_BUILD_TYPE:-RelWithDebInfo}
# -O1 keeps the stacks readable and runs the training tests several times faster than -O0;
# -g1 (line tables: every frame of a report keeps its function, file and line) compiles about
# a quarter faster than -g.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE="$TYPE" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DGEMMVEC_CUDA=OFF -DGEMMVEC_SANITIZE=address,undefined -DGEMMVEC_BENCH=OFF >/dev/null
ninja -C "$BUILD" -j"${JOBS:-$(nproc)}" gemmvec gemmvec_tests

export ASAN_OPTIONS=exitcode=86:detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_init_order=1:check_initialization_order=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=exitcode=86:print_stacktrace=1:halt_on_error=1
# Left out for their time under ASan (they run in scripts/test.sh): whole trainings on the
# bundled 6M-word corpus, 745 s here for the first against about 60 s without sanitizers, and
# about ten times the 45 s of the hs one. The short whole runs (EndToEnd.OneThreadRuns..., the
# checkpoint and pipeline tests) stay in.
EXCLUDE=(EndToEnd.BundledCorpusReachesStatedQuality HsTraining.BundledCorpusLossFallsAndReachesStatedQuality)
exclude_regex=$(IFS='|'; echo "${EXCLUDE[*]:-}")
# The gensim interop tests use the venv scripts/test.sh made, where there is one.
venv_python="$PWD/build-python/venv/bin/python"
[ -x "$venv_python" ] && export GEMMVEC_TEST_PYTHON="$venv_python"
cd "$BUILD"
ctest --no-tests=error -L cpu ${exclude_regex:+-E "$exclude_regex"} --output-on-failure -j"$(nproc)" "$@"
