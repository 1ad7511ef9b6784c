#!/usr/bin/env bash
# gemmvec: run HERE. Builds the CLI and the test executables for Hopper (sm_90) in build-h100/
# and packs what a lent GPU machine lacks into gpu-pack/ (git-ignored): bin/ (the binaries),
# lib/ (the non-CUDA shared libraries they load: fmt, yaml-cpp, OpenBLAS, gfortran, ...; never
# cuBLAS, cuRAND or cudart, which the machine has), data/ (the 16.8M-word corpus and the eval
# sets). Files over 1 MB are xz-compressed to stay within the 64 MiB a run may carry;
# scripts/gpu-check.sh unpacks them there. Then: run with carry ["gpu-pack"] and the command
# `bash scripts/gpu-check.sh gpu-pack` (PHASE check; `... gpu-pack scale` draws the 1B-word Zipf
# corpus there with bin/gemmvec and scripts/zipf-corpus.sh, nothing else from the pack).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-h100}
PACK=${PACK:-gpu-pack}
SHARED=${SHARED:-$(cd .. && pwd)/shared}
[ -d "$SHARED/data" ] || SHARED=/work/shared
if [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGEMMVEC_CUDA=ON \
  -DGEMMVEC_CUDA_ARCHITECTURES=90 -DGEMMVEC_TESTS=ON -DGEMMVEC_BENCH=ON >/dev/null
ninja -C "$BUILD" -j"$(nproc)" gemmvec gemmvec_tests gemmvec_gpu_tests
ninja -C "$BUILD" -j"$(nproc)" gemmvec_gpu_bench || echo "gpu-pack: no gemmvec_gpu_bench (Google Benchmark missing?)"

rm -rf "$PACK"
mkdir -p "$PACK/bin" "$PACK/lib" "$PACK/data/corpus" "$PACK/data/eval"
cp "$BUILD/bin/gemmvec" "$BUILD/tests/gemmvec_tests" "$BUILD/tests/gpu/gemmvec_gpu_tests" "$PACK/bin/"
[ -x "$BUILD/bench/gemmvec_gpu_bench" ] && cp "$BUILD/bench/gemmvec_gpu_bench" "$PACK/bin/"
strip --strip-unneeded "$PACK"/bin/* 2>/dev/null || true

# Shared libraries: all that ldd resolves, but glibc's own (the machine's must be used) and
# CUDA's (the machine's match its driver; cuBLASLt alone is 540 MB).
for b in "$PACK"/bin/*; do ldd "$b"; done | awk '/=> \// {print $3}' | sort -u | while read -r lib; do
  name=$(basename "$lib")
  case "$name" in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libresolv.so*|libutil.so*) continue ;;
    libcublas*|libcurand*|libcudart*|libcuda.so*|libnvidia*|libnvJitLink*) continue ;;
  esac
  cp -L "$lib" "$PACK/lib/$name"
done

cp "$SHARED/data/corpus/enwiki2015_100m.txt.xz" "$PACK/data/corpus/"
cp "$SHARED/data/eval/questions-words.txt" "$SHARED/data/eval/wordsim353.tsv" "$PACK/data/eval/"
find "$PACK/bin" "$PACK/lib" -type f -size +1M -exec xz -T0 -6 {} +

echo "gemmvec: $PACK/ holds:"
(cd "$PACK" && find . -type f -printf '%10s  %p\n' | sort -k2)
du -sh "$PACK"
size=$(du -sb "$PACK" | cut -f1)
if [ "$size" -gt $((60 * 1024 * 1024)) ]; then
  echo "gemmvec: warning: $PACK is $size bytes; with the repo it may exceed the 64 MiB a run carries" >&2
fi
