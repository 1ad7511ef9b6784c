"""Ctrl-C: SIGINT sent to a process training from Python writes the checkpoint and raises
TrainingInterrupted (a KeyboardInterrupt) naming it; resume() finishes the run. A callback that
raises stops the run the same way. Errors map to Python's exception types."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import gemmvec
from conftest import QUICK

CHILD = textwrap.dedent("""
    import json, sys
    import gemmvec
    def started(sample):
        print("sample", flush=True)  # the parent sends SIGINT when it reads this
    try:
        gemmvec.train(sys.argv[1], progress=False, callback=started, vector_size=32, epochs=6, workers=1,
                      **{"train.progress_seconds": 0.05})
        print(json.dumps({"finished": True}))
    except KeyboardInterrupt as e:
        print(json.dumps({"type": type(e).__name__, "checkpoint": e.checkpoint, "signal": e.signal,
                          "message": str(e)}), flush=True)
""")


def test_sigint_writes_a_checkpoint_and_raises(corpus_file, tmp_path):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(corpus_file)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert child.stdout.readline().strip() == "sample"
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=120)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["type"] == "TrainingInterrupted" and result["signal"] == signal.SIGINT
    checkpoint = result["checkpoint"]
    assert os.path.isfile(checkpoint) and checkpoint in result["message"]
    assert os.path.dirname(checkpoint).startswith(str(tmp_path / "gemmvec-run-"))
    # The checkpoint holds the run: resume() finishes it, and the run folder goes once it has.
    model = gemmvec.resume(checkpoint, progress=False)
    assert model.dim == 32 and len(model) > 1000
    assert not os.path.exists(os.path.dirname(checkpoint))


SCORING_CHILD = textwrap.dedent("""
    import json, sys
    import gemmvec
    try:
        gemmvec.train(sys.argv[1], progress=False, vector_size=32, epochs=1, workers=1, min_count=1,
                      **{"eval.heldout": [sys.argv[1]], "eval.heldout_pairs": 200000})
        print(json.dumps({"finished": True}))
    except KeyboardInterrupt as e:
        print(json.dumps({"type": type(e).__name__, "checkpoint": e.checkpoint, "message": str(e)}), flush=True)
""")


def test_sigint_while_scoring_raises_without_a_checkpoint(corpus_file, tmp_path):
    # The held-out text scored by the full softmax over every word: many seconds uninterrupted.
    child = subprocess.Popen([sys.executable, "-c", SCORING_CHILD, str(corpus_file)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=dict(os.environ, TMPDIR=str(tmp_path)))
    for line in child.stderr:  # the parent sends SIGINT when scoring starts
        if "gemmvec: scoring the vectors" in line:
            break
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=60)
    result = json.loads(out.strip().splitlines()[-1])
    # The vectors were written and the run's checkpoint removed: nothing to resume.
    assert result["type"] == "TrainingInterrupted" and result["checkpoint"] is None
    assert "while scoring" in result["message"]


def test_callback_exception_stops_the_run(corpus_lines):
    class Stop(Exception):
        pass

    def callback(sample):
        raise Stop(f"stop at {sample['progress']:.2f}")

    with pytest.raises(Stop) as e:
        gemmvec.train([line.split() for line in corpus_lines], progress=False, callback=callback,
                      **dict(QUICK, epochs=50, **{"train.progress_seconds": 0.05}))
    notes = getattr(e.value, "__notes__", [""])
    if sys.version_info >= (3, 11):
        assert notes[0].startswith("gemmvec: training stopped; checkpoint written to ")
        assert os.path.isfile(notes[0].rsplit(" ", 1)[1])


def test_callback_gets_the_metrics_logs_fields(corpus_file, tmp_path):
    samples = []
    gemmvec.train(corpus_file, progress=False, callback=samples.append,
                  **dict(QUICK, **{"output.metrics": str(tmp_path / "m.jsonl"), "train.progress_seconds": 0.1}))
    logged = [json.loads(line) for line in open(tmp_path / "m.jsonl")]
    assert samples and len(samples) == len(logged)
    assert samples == logged  # the same samples, field for field
    assert set(samples[-1]) == {"seconds", "epoch", "progress", "words", "words_per_sec", "pairs", "lr", "loss"}
    assert samples[-1]["progress"] == 1.0


MEMORY_CHILD = textwrap.dedent("""
    import resource, sys
    import gemmvec
    limit = 600 << 20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        gemmvec.train(sys.argv[1], progress=False, vector_size=10000, epochs=1, workers=1)
    except MemoryError as e:
        print("MemoryError:", e)
""")


def test_memory_budget_is_memory_error(corpus_file):
    out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(corpus_file)], capture_output=True, text=True,
                         timeout=120).stdout
    assert out.startswith("MemoryError: not enough memory: model.dim 10000 x vocab"), out
