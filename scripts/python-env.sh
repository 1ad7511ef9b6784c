#!/usr/bin/env bash
# gemmvec: the virtual environment the tests use, build-python/venv: what `pip install .` needs
# to build the module (nanobind, scikit-build-core), numpy, pytest and gensim (for the interop
# tests, C++ and Python). GEMMVEC_TEST_GENSIM=0 leaves gensim out. Prints nothing when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build-python/venv
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
extras=(); [ "${GEMMVEC_TEST_GENSIM:-1}" = 0 ] || extras+=(gensim)
"$venv/bin/python" -m pip -q --disable-pip-version-check install nanobind scikit-build-core numpy pytest "${extras[@]}"
