"""The model: words and a numpy matrix that is the model's own memory, the CLI's queries, word2vec
files, gensim."""
from __future__ import annotations

import os

import numpy as np
import pytest

import gemmvec
from conftest import QUICK


@pytest.fixture(scope="module")
def model(tmp_path_factory, corpus_file):
    import os
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("model"))
    try:
        return gemmvec.train(corpus_file, progress=False, **QUICK)
    finally:
        os.chdir(here)


def test_words_and_matrix(model):
    v = model.vectors
    assert isinstance(v, np.ndarray) and v.dtype == np.float32 and v.flags.c_contiguous
    assert v.shape == (len(model.words), model.dim) == (len(model), 32)
    assert model.words[:3] == ["the", "of", "to"] or model.words[0] == "the"  # most frequent first
    assert model.index("the") == 0 and "the" in model and "zzzq" not in model
    with pytest.raises(KeyError, match="'zzzq' is not in the vocabulary"):
        model.index("zzzq")
    assert np.array_equal(model["king"], v[model.index("king")])


def test_vectors_share_the_models_memory(model, tmp_path):
    a, b = model.vectors, model.vectors
    assert not a.flags.owndata and np.shares_memory(a, b)
    row = model.index("music")
    saved = a[row].copy()
    try:
        a[row] = 0.25  # written through the first view ...
        assert np.all(b[row] == 0.25)  # ... seen by the second, and by the core's writer:
        model.save(tmp_path / "v.bin")
        assert np.all(gemmvec.load(tmp_path / "v.bin")["music"] == 0.25)
    finally:
        a[row] = saved
    assert model.vectors.__array_interface__["data"][0] == a.__array_interface__["data"][0]


def assert_same_neighbours(ours, theirs, tol=1e-5):
    """The same neighbours with the same cosines; two words whose cosines tie within float
    rounding may come in either order (this small model has such ties)."""
    assert len(ours) == len(theirs)
    np.testing.assert_allclose([c for _, c in theirs], [c for _, c in ours], atol=tol)
    # A word clearly above both lists' last cosine is in both. (Above the lower of the two was
    # wrong: a word tied with one list's last entry could sit just above the other's and be cut.)
    last = max(ours[-1][1], theirs[-1][1])
    assert {w for w, c in ours if c > last + tol} == {w for w, c in theirs if c > last + tol}
    for (a, ca), (b, cb) in zip(ours, theirs):
        assert a == b or abs(ca - cb) <= tol, (ours, theirs)


def test_most_similar_by_word_and_by_vector(model):
    by_word = model.most_similar("france", topn=8)
    assert len(by_word) == 8 and "france" not in [w for w, _ in by_word]
    cosines = [c for _, c in by_word]
    assert cosines == sorted(cosines, reverse=True) and -1 <= cosines[-1] <= cosines[0] <= 1
    by_vector = model.most_similar(model["france"], topn=9)
    assert by_vector[0][0] == "france" and by_vector[0][1] == pytest.approx(1, abs=1e-5)
    assert_same_neighbours(by_vector[1:], by_word)
    assert all(model.index(w) < 100 for w, _ in model.most_similar("france", topn=5, restrict_vocab=100))


def test_analogy_leaves_out_its_words(model):
    answers = model.analogy("man", "king", "woman", topn=5)
    assert len(answers) == 5 and not {"man", "king", "woman"} & {w for w, _ in answers}
    with pytest.raises(KeyError, match="not in the vocabulary"):
        model.analogy("man", "king", "zzzq")


def test_query_of_wrong_size(model):
    with pytest.raises(ValueError, match="the query has 3 values, the vectors 32"):
        model.most_similar([1.0, 2.0, 3.0])


def test_save_and_load_binary_and_text(model, tmp_path):
    model.save(tmp_path / "v.bin")
    model.save(tmp_path / "v.txt", binary=False)
    binary, text = gemmvec.load(tmp_path / "v.bin"), gemmvec.load(str(tmp_path / "v.txt"))
    assert binary.words == text.words == model.words
    assert binary.vectors.tobytes() == model.vectors.tobytes()
    np.testing.assert_allclose(text.vectors, model.vectors, atol=1e-6)
    assert binary.summary is None and model.summary["backend"] in ("cpu", "cuda", "cuda-host")


def test_load_errors(tmp_path):
    missing = tmp_path / "nothing.bin"
    with pytest.raises(FileNotFoundError, match="nothing.bin: no such file"):
        gemmvec.load(missing)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"3 4\nabc")
    with pytest.raises(OSError, match="bad.bin"):
        gemmvec.load(bad)


def test_to_gensim_gives_the_same_neighbours(model):
    if os.environ.get("GEMMVEC_REQUIRE_GENSIM") == "1":
        import gensim  # noqa: F401  (CI: the interop test must run, not skip)
    pytest.importorskip("gensim", reason="gensim is not installed (pip install gensim): to_gensim() not tested")
    kv = model.to_gensim()
    assert kv.index_to_key == model.words and np.shares_memory(kv.vectors, model.vectors)
    for word in ("king", "france", "music", "war"):
        ours = model.most_similar(word, topn=10)
        theirs = kv.most_similar(word, topn=10)
        assert_same_neighbours(ours, theirs)
