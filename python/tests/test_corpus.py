"""train(corpus): a path, a list of plain/.gz/.xz paths, or a restartable iterable of token lists;
a one-shot iterator is refused with a clear error."""
from __future__ import annotations

import gzip
import lzma
import os
from pathlib import Path

import numpy as np
import pytest

import gemmvec
from conftest import QUICK

DETERMINISTIC = dict(QUICK, epochs=1, **{"train.deterministic": True})


def same_model(a: gemmvec.Model, b: gemmvec.Model) -> None:
    assert a.words == b.words
    assert a.vectors.tobytes() == b.vectors.tobytes()


def test_path_str_and_pathlike(small_file):
    a = gemmvec.train(str(small_file), progress=False, **DETERMINISTIC)
    b = gemmvec.train(Path(small_file), progress=False, **DETERMINISTIC)
    assert len(a) > 1000 and a.dim == 32
    assert a.summary["raw_words"] == sum(len(line.split()) for line in open(small_file, encoding="utf-8"))
    same_model(a, b)


def test_list_of_compressed_paths_is_one_corpus(small_file, small_lines, tmp_path):
    half = len(small_lines) // 2
    first, second = tmp_path / "a.txt.gz", tmp_path / "b.txt.xz"
    with gzip.open(first, "wt", encoding="utf-8") as f:
        f.writelines(small_lines[:half])
    with lzma.open(second, "wt", encoding="utf-8") as f:
        f.writelines(small_lines[half:])
    whole = gemmvec.train(small_file, progress=False, **DETERMINISTIC)
    parts = gemmvec.train([first, str(second)], progress=False, **DETERMINISTIC)
    same_model(whole, parts)


def test_list_of_token_lists_trains_like_the_file(small_file, small_lines):
    sentences = [line.split() for line in small_lines]
    from_file = gemmvec.train(small_file, progress=False, **DETERMINISTIC)
    from_list = gemmvec.train(sentences, progress=False, **DETERMINISTIC)
    same_model(from_file, from_list)


class Sentences:
    """gensim's convention: each iter() reads the file again, one sentence at a time."""

    def __init__(self, path):
        self.path = path
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                yield line.split()


def test_restartable_iterable_is_streamed_once(small_file):
    sentences = Sentences(small_file)
    model = gemmvec.train(sentences, progress=False, **DETERMINISTIC)
    assert sentences.passes == 1
    same_model(model, gemmvec.train(small_file, progress=False, **DETERMINISTIC))


def test_temporary_run_folder_is_removed(corpus_lines):
    gemmvec.train([line.split() for line in corpus_lines[:2000]], progress=False, **QUICK)
    assert not [p for p in os.listdir(os.environ["TMPDIR"]) if p.startswith("gemmvec-run-")]


def test_generator_is_refused(corpus_lines):
    with pytest.raises(TypeError, match="iterator.*read only once"):
        gemmvec.train((line.split() for line in corpus_lines), progress=False, **QUICK)


def test_sentence_given_as_string_is_refused():
    with pytest.raises(TypeError, match="each sentence is a list of tokens"):
        gemmvec.train([["a", "b"], "c d"], progress=False, **QUICK)


def test_missing_file_is_file_not_found(tmp_path):
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError) as e:
        gemmvec.train(missing, progress=False, **QUICK)
    assert str(e.value) == f"{missing}: no such file (check data.corpus in the config or the path given)"


def test_empty_iterable_is_refused():
    with pytest.raises(ValueError, match="yielded no sentences"):
        gemmvec.train([], progress=False, **QUICK)


def test_sentences_without_words_are_the_cores_input_error():
    with pytest.raises(OSError, match="the corpus has no words"):
        gemmvec.train([[], []], progress=False, **QUICK)
