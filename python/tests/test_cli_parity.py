"""The same core as the CLI: scores equal `gemmvec eval`'s, and a deterministic run gives the CLI's
vectors bit for bit."""
from __future__ import annotations

import json
import subprocess

import pytest

import gemmvec
from conftest import ANALOGY, QUICK, SIMILARITY

DETERMINISTIC = {"model.dim": 32, "train.epochs": 1, "vocab.min_count": 5, "train.deterministic": True}


def test_scores_equal_the_clis(cli, corpus_file, tmp_path):
    model = gemmvec.train(corpus_file, progress=False, **QUICK)
    model.save(tmp_path / "v.bin")
    report = json.loads(subprocess.run(
        [cli, "eval", str(tmp_path / "v.bin"), "--analogy", str(ANALOGY), "--similarity", str(SIMILARITY), "--json"],
        check=True, capture_output=True, text=True).stdout)
    scores = model.evaluate(analogy=ANALOGY, similarity=[SIMILARITY])
    assert scores["analogy"][0]["coverage"] > 10 and scores["similarity"][0]["pairs_used"] > 100
    assert scores == {k: report[k] for k in ("analogy_top_n", "analogy", "similarity")}
    top_all = model.evaluate(analogy=str(ANALOGY), top_n=0)
    assert top_all["analogy_top_n"] == 0 and top_all["similarity"] == []


def test_evaluate_errors(corpus_file, tmp_path):
    model = gemmvec.train(corpus_file, progress=False, **dict(QUICK, epochs=1))
    with pytest.raises(FileNotFoundError, match="no such file"):
        model.evaluate(analogy=tmp_path / "none.txt")
    with pytest.raises(ValueError, match="analogy= or similarity="):
        model.evaluate()


@pytest.mark.parametrize("backend", ["cpu", "cuda-host"])
def test_deterministic_run_is_bit_identical_to_the_clis(cli, small_file, tmp_path, backend):
    corpus_file = small_file
    settings = dict(DETERMINISTIC, **{"train.backend": backend})
    command = [cli, "train", "/dev/null", "--quiet", "--set", f"data.corpus=[{corpus_file}]",
               "--set", f"output.path={tmp_path / 'cli.bin'}"]
    for key, value in settings.items():
        command += ["--set", f"{key}={json.dumps(value)}"]
    subprocess.run(command, check=True, capture_output=True)
    model = gemmvec.train(corpus_file, progress=False, output={"path": str(tmp_path / "py.bin")}, **settings)
    cli_bytes = (tmp_path / "cli.bin").read_bytes()
    assert (tmp_path / "py.bin").read_bytes() == cli_bytes
    from_cli = gemmvec.load(tmp_path / "cli.bin")
    assert model.summary["backend"] == backend
    assert model.words == from_cli.words and model.vectors.tobytes() == from_cli.vectors.tobytes()
