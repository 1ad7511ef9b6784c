#!/usr/bin/env bash
# gemmvec: builds and runs the tests (GPU tests, label `gpu`, skip when no device is present),
# then the Python package's (scripts/test-python.sh: pip install . into build-python/venv, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
(cd build && ctest --no-tests=error --output-on-failure -j"$(nproc)" "$@")
bash scripts/test-python.sh
