"""Shared fixtures: a slice of the bundled corpus (data/corpus), the bundled eval files, the CLI
binary of the same checkout (for the parity tests), and a run-anywhere working folder."""
from __future__ import annotations

import lzma
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS_XZ = REPO / "data" / "corpus" / "enwikinews.txt.xz"
ANALOGY = REPO / "data" / "eval" / "questions-words.txt"
SIMILARITY = REPO / "data" / "eval" / "wordsim353.tsv"
SLICE_LINES = 12000  # ~490k words: a second or so an epoch at dim 32 on one core

# Small and quick, yet trained enough that neighbours are not ties: every test's settings.
QUICK = {"vector_size": 32, "epochs": 2, "min_count": 5, "workers": 2}


@pytest.fixture(scope="session")
def corpus_lines():
    with lzma.open(CORPUS_XZ, "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(SLICE_LINES)]
    return lines


@pytest.fixture(scope="session")
def corpus_file(tmp_path_factory, corpus_lines):
    path = tmp_path_factory.mktemp("corpus") / "slice.txt"
    path.write_text("".join(corpus_lines), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_lines(corpus_lines):
    """A third of the slice: for the one-thread deterministic runs that compare two ways in."""
    return corpus_lines[:4000]


@pytest.fixture(scope="session")
def small_file(tmp_path_factory, small_lines):
    path = tmp_path_factory.mktemp("corpus") / "small.txt"
    path.write_text("".join(small_lines), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch):
    """Each test in its own folder (token caches, outputs) and its own temporary folder."""
    monkeypatch.chdir(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp_path


@pytest.fixture(scope="session")
def cli():
    """The gemmvec binary built from this checkout: $GEMMVEC_CLI, else build/bin/gemmvec."""
    path = os.path.abspath(os.environ.get("GEMMVEC_CLI") or REPO / "build" / "bin" / "gemmvec")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        found = shutil.which("gemmvec")
        if not found:
            pytest.skip(f"no gemmvec binary at {path} (build it with scripts/build.sh or set GEMMVEC_CLI)")
        path = found
    return path
