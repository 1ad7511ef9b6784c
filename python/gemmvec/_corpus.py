"""What to train on: file paths as they are, or an iterable of token lists (gensim's `sentences`)
streamed in one pass into a text file of the run's folder, which the core then reads like any
corpus file (one sentence a line, into its token cache)."""
from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, List, Union

PathLike = Union[str, "os.PathLike[str]"]
SENTENCES_FILE = "sentences.txt"


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


def corpus_paths(corpus: Any) -> Union[List[str], None]:
    """The file paths of a path or a list of paths; None when the corpus is sentences."""
    if _is_path(corpus):
        return [os.fspath(corpus)]
    if isinstance(corpus, (list, tuple)) and corpus and all(_is_path(p) for p in corpus):
        return [os.fspath(p) for p in corpus]
    return None


def check_restartable(corpus: Any) -> None:
    if not isinstance(corpus, Iterable):
        raise TypeError(f"corpus is a path, a list of paths or an iterable of token lists, got {type(corpus).__name__}")
    if iter(corpus) is corpus:
        raise TypeError(
            f"corpus is an iterator ({type(corpus).__name__}), which can be read only once: pass a list of token "
            "lists, an object whose __iter__ starts over on each call (gensim's `sentences` convention), or file paths")


def write_sentences(sentences: Iterable, path: str) -> int:
    """Writes one line per sentence, tokens separated by spaces (a token holding whitespace becomes
    several); returns the number of sentences. Holds one sentence at a time."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        for n, sentence in enumerate(sentences, 1):
            if isinstance(sentence, (str, bytes)):
                raise TypeError(f"sentence {n} is a {type(sentence).__name__}: each sentence is a list of tokens "
                                "(a list of paths is a list of str; sentences are lists of lists)")
            try:
                out.write(" ".join(sentence))
            except TypeError:
                raise TypeError(f"sentence {n} is not a list of str tokens: {str(sentence)[:80]}") from None
            out.write("\n")
    return n
