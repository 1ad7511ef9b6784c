#!/usr/bin/env bash
# gemmvec: the Python package's tests (python/tests): the virtual environment build-python/venv
# (scripts/python-env.sh), `pip install .` of this checkout (CUDA off, to keep it quick: the build folder
# build-python/wheel is kept between runs), then pytest, which compares with build/bin/gemmvec.
# scripts/test.sh runs it after ctest; arguments go to pytest. GEMMVEC_TEST_GENSIM=0 leaves gensim
# out (its to_gensim() test then skips, saying why).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build-python/venv
bash scripts/python-env.sh
pip=("$venv/bin/python" -m pip -q --disable-pip-version-check)
"${pip[@]}" install --no-build-isolation . -C build-dir=build-python/wheel -C cmake.define.GEMMVEC_CUDA=OFF
GEMMVEC_CLI="$PWD/build/bin/gemmvec" "$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests "$@"
