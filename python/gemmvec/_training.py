"""gemmvec.train() and gemmvec.resume(): the arguments become one config (file, dict, keywords),
the corpus becomes files, and the core's run trains with the GIL released."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, List, Optional, Union

from . import _core
from ._errors import TrainingInterrupted
from ._corpus import SENTENCES_FILE, check_restartable, corpus_paths, write_sentences
from ._model import Model
from ._progress import Callback, Progress
from ._run_dir import RunDir, remove_if_run_dir
from ._settings import Setting, keys_set, settings


def _config_source(config: Any) -> "tuple[str, List[Setting]]":
    if config is None:
        return "", []
    if isinstance(config, (str, os.PathLike)):
        return os.fspath(config), []
    if isinstance(config, Mapping):
        return "", settings(config, "config")
    raise TypeError(f"config is a YAML file path or a dict, got {type(config).__name__}")


def _run(call, progress: Progress, run_dir: Optional[RunDir]) -> Model:
    try:
        vectors, summary = call(progress if progress.active else None, progress.terminal_line)
    except TrainingInterrupted as e:
        if run_dir is not None and e.checkpoint:
            run_dir.keep = True  # the checkpoint and the sentences it was trained on
        raise
    except BaseException as e:
        if run_dir is not None and getattr(e, "gemmvec_checkpoint", None):
            run_dir.keep = True  # a callback's exception stopped the run at a checkpoint
        raise
    finally:
        progress.close()
    return Model(vectors, summary)


def train(corpus: Any = None, config: Union[None, str, "os.PathLike[str]", Mapping[str, Any]] = None, *,
          callback: Optional[Callback] = None, progress: bool = True, **overrides: Any) -> Model:
    """Trains word vectors and returns them as a Model.

    corpus: a file path, a list of paths (plain, .gz or .xz; a line is a sentence), or a
        restartable iterable of token lists (gensim's ``sentences``: a list, or an object whose
        __iter__ starts over), streamed once to a temporary file; None to use data.corpus of config.
    config: a YAML file (as ``gemmvec train`` reads) or a dict with its keys, nested
        ({"model": {"dim": 300}}) or dotted ({"model.dim": 300}).
    overrides: more keys, applied after config: sections (model={"dim": 300}), dotted keys
        (**{"train.deterministic": True}), or gensim/word2vec.c names: vector_size/size, window,
        negative, sample, alpha, ns_exponent, min_count, max_final_vocab, epochs/iter, sg (1
        skip-gram, 0 CBOW), hs (0 only), workers/threads, seed. Defaults are gemmvec's (skip-gram).
    callback: called with each progress sample, a dict of the metrics log's fields (seconds, epoch,
        progress, words, words_per_sec, pairs, lr, loss); an exception from it stops the run (a
        checkpoint is written) and is raised.
    progress: show progress: a tqdm bar when tqdm is installed, else the CLI's progress line.

    Without a config file and output.path, nothing is written but a checkpoint in a temporary
    folder, removed when the run completes. Ctrl-C writes the checkpoint and raises
    TrainingInterrupted (a KeyboardInterrupt) whose ``checkpoint`` resume() takes. Errors carry the
    CLI's one-line message: ValueError (config, usage), FileNotFoundError and other OSError (files),
    MemoryError (the model does not fit), gemmvec.DeviceError, gemmvec.TrainingDiverged.
    """
    config_file, items = _config_source(config)
    items += settings(overrides, "keyword")
    _core.resolve_config(config_file, items)  # bad keys and values fail here, before any corpus is read
    paths = corpus_paths(corpus) if corpus is not None else None
    if corpus is not None and paths is None:
        check_restartable(corpus)
    with RunDir() as run_dir:
        if corpus is not None and paths is None:
            paths = [run_dir.file(SENTENCES_FILE)]
            if write_sentences(corpus, paths[0]) == 0:
                raise ValueError("corpus: the iterable yielded no sentences")
            items.append(("data.cache_dir", run_dir.path, "corpus"))
        if paths is not None:
            items.append(("data.corpus", json.dumps(paths), "corpus"))
        if not config_file and "output.path" not in keys_set(items):
            items.append(("output.path", os.devnull, "gemmvec.train"))
            if "output.checkpoint" not in keys_set(items):
                items.append(("output.checkpoint", run_dir.file("run.ckpt"), "gemmvec.train"))
        show = Progress(callback, progress)
        if show.bar is not None and "train.progress_seconds" not in keys_set(items):
            items.append(("train.progress_seconds", "0.5", "gemmvec.train"))
        return _run(lambda sink, line: _core.train(config_file, items, sink, line), show, run_dir)


def resume(checkpoint: Union[str, "os.PathLike[str]"], *, callback: Optional[Callback] = None,
           progress: bool = True) -> Model:
    """Continues a run from its checkpoint (TrainingInterrupted.checkpoint, or OUTPUT.ckpt of a
    CLI run) at the epoch, position and learning rate where it stopped, and returns the model."""
    path = os.fspath(checkpoint)
    model = _run(lambda sink, line: _core.resume(path, sink, line), Progress(callback, progress), None)
    remove_if_run_dir(path)
    return model


def resolve_config(config: Union[None, str, "os.PathLike[str]", Mapping[str, Any]] = None, **overrides: Any) -> str:
    """The config train() would use, every key resolved, as YAML (raises ValueError as train() would)."""
    config_file, items = _config_source(config)
    items += settings(overrides, "keyword")
    return _core.resolve_config(config_file, items)
