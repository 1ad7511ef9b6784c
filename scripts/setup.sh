#!/usr/bin/env bash
# gemmvec: installs the Debian packages the build and tests need, if any are missing; extra
# package names given as arguments are installed too (scripts/fuzz.sh: clang and libFuzzer).
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config libyaml-cpp-dev libfmt-dev nlohmann-json3-dev
      libopenblas-dev zlib1g-dev liblzma-dev libgtest-dev libbenchmark-dev xz-utils
      python3-dev python3-venv)  # the last two: pip install . (the Python package) with Debian's python3
pkgs+=("$@")
# Thrust for the cuda-host backend when there is no CUDA toolkit.
[ -d /usr/local/cuda/include/cccl/thrust ] || [ -d /usr/local/cuda/include/thrust ] || pkgs+=(libthrust-dev libcub-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "gemmvec: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
