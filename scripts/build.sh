#!/usr/bin/env bash
# gemmvec: configures and builds into build/ (CUDA backend when the toolkit is present).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x /usr/local/cuda/bin/nvcc ] && ! command -v nvcc >/dev/null; then export PATH=/usr/local/cuda/bin:$PATH; fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGEMMVEC_CUDA="${GEMMVEC_CUDA:-AUTO}" >/dev/null
ninja -C build -j"$(nproc)" "$@"
