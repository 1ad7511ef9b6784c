"""The trained (or loaded) word vectors: numpy access without copies, the CLI's queries and
scores (the core's code, not a second implementation), word2vec files and gensim."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

Neighbours = List[Tuple[str, float]]


def _paths(files: Union[None, str, "os.PathLike[str]", Sequence[Any]]) -> List[str]:
    if files is None:
        return []
    if isinstance(files, (str, os.PathLike)):
        return [os.fspath(files)]
    return [os.fspath(f) for f in files]


def _array(values: Any) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float32).reshape(-1)


class Model:
    """Word vectors: ``words`` in row order (most frequent first) and ``vectors``, a float32
    (len(words), dim) numpy array that *is* the model's memory (writes to it change the model).

    Queries look a word up exactly, else as ``gemmvec similar`` does (ASCII case folded). They use
    unit-normalised rows computed at the first query; after changing ``vectors`` in place call
    ``reindex()``.
    """

    def __init__(self, core: "_core.Vectors", summary: Optional[Dict[str, Any]] = None) -> None:
        self._core = core
        self._words: Optional[List[str]] = None
        self._ids: Optional[Dict[str, int]] = None
        #: For a trained model: backend, train_seconds, total_seconds, raw_words, words_per_second,
        #: final_loss (the last progress interval's mean loss per pair), mean_loss (over the whole run),
        #: as the run's OUT.json; None for a loaded one.
        self.summary = summary

    @property
    def words(self) -> List[str]:
        """The vocabulary, one word per row of ``vectors``."""
        if self._words is None:
            self._words = self._core.words
        return self._words

    @property
    def vectors(self) -> np.ndarray:
        """The (len(words), dim) float32 matrix, sharing the model's memory (no copy)."""
        return self._core.vectors

    @property
    def dim(self) -> int:
        """Values per word vector."""
        return self._core.dim

    def __len__(self) -> int:
        return len(self._core)

    def __contains__(self, word: str) -> bool:
        return word in self._key_to_index()

    def __getitem__(self, word: str) -> np.ndarray:
        """The row of a word (a view)."""
        return self.vectors[self.index(word)]

    def __repr__(self) -> str:
        return f"<gemmvec.Model: {len(self)} words, dim {self.dim}>"

    def _key_to_index(self) -> Dict[str, int]:
        if self._ids is None:
            self._ids = {w: i for i, w in enumerate(self.words)}
        return self._ids

    def index(self, word: str) -> int:
        """The row of exactly this word; KeyError if it is not in the vocabulary."""
        try:
            return self._key_to_index()[word]
        except KeyError:
            raise KeyError(f"'{word}' is not in the vocabulary") from None

    def _row(self, word: str) -> int:
        row = self._key_to_index().get(word)
        if row is None:
            row = self._core.find(word)
        if row < 0:
            raise KeyError(f"'{word}' is not in the vocabulary")
        return row

    def most_similar(self, word_or_vector: Union[str, "np.typing.ArrayLike"], topn: int = 10,
                     restrict_vocab: Optional[int] = None) -> Neighbours:
        """The topn words nearest by cosine to a word (itself left out) or to a vector, as
        (word, cosine) pairs, best first; restrict_vocab: only the N most frequent words."""
        if isinstance(word_or_vector, str):
            row = self._row(word_or_vector)
            return self._core.nearest(_array(self._core.unit_row(row)), topn, [row], restrict_vocab or 0)
        return self._core.nearest(_array(word_or_vector), topn, [], restrict_vocab or 0)

    def analogy(self, a: str, b: str, c: str, topn: int = 5) -> Neighbours:
        """a is to b as c is to ?: the topn words nearest to unit(b) - unit(a) + unit(c), a, b and c
        left out (``gemmvec analogy``)."""
        rows = [self._row(a), self._row(b), self._row(c)]
        return self._core.nearest(_array(self._core.analogy_query(*rows)), topn, rows)

    def evaluate(self, analogy: Union[None, str, Sequence[str]] = None,
                 similarity: Union[None, str, Sequence[str]] = None, top_n: int = 30000) -> Dict[str, Any]:
        """The scores ``gemmvec eval --json`` gives: analogy files (3CosAdd, top 1, among the top_n most
        frequent words; 0: all) and word-pair files (Spearman). Returns {"analogy_top_n", "analogy":
        [{file, semantic, syntactic, total, coverage, ...}], "similarity": [{file, spearman, ...}]}."""
        if analogy is None and similarity is None:
            raise ValueError("evaluate needs analogy= or similarity= (files, e.g. data/eval/questions-words.txt)")
        return json.loads(self._core.evaluate(_paths(analogy), _paths(similarity), top_n))

    def reindex(self) -> None:
        """Rebuild the query index from ``vectors`` (after changing them in place)."""
        self._core.reindex()

    def save(self, path: Union[str, "os.PathLike[str]"], binary: bool = True) -> None:
        """Writes word2vec.c's binary (default) or text format; gensim's load_word2vec_format reads both."""
        self._core.save(os.fspath(path), binary)

    def to_gensim(self):
        """A gensim.models.KeyedVectors over the same words and matrix (shared, not copied)."""
        try:
            from gensim.models import KeyedVectors
        except ImportError:
            raise ImportError("to_gensim() needs gensim (pip install gensim)") from None
        kv = KeyedVectors(vector_size=self.dim, count=0, dtype=np.float32)
        kv.index_to_key = list(self.words)
        kv.key_to_index = dict(self._key_to_index())
        kv.vectors = self.vectors
        return kv


def load(path: Union[str, "os.PathLike[str]"]) -> Model:
    """Reads word vectors in word2vec.c's binary or text format (detected from the content)."""
    return Model(_core.load(os.fspath(path)))
