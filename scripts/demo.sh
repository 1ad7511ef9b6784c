#!/usr/bin/env bash
# gemmvec: installs what is missing, builds, trains on the bundled corpus, then prints
# nearest neighbours and the evaluation scores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh gemmvec
build/bin/gemmvec train configs/default.yaml "$@"
echo "gemmvec: the binary is $(pwd)/build/bin/gemmvec" >&2
