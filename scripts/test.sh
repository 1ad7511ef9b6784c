#!/usr/bin/env bash
# gemmvec: builds and runs the tests (GPU tests, label `gpu`, skip when no device is present),
# then the Python package's (scripts/test-python.sh: pip install . into build-python/venv, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
# The gensim interop tests in ctest run with the venv's Python, which has gensim.
bash scripts/python-env.sh
export GEMMVEC_TEST_PYTHON="$PWD/build-python/venv/bin/python"
(cd build && ctest --no-tests=error --output-on-failure -j"$(nproc)" "$@")
bash scripts/test-python.sh
