"""Config settings from Python: a dict with the YAML's keys (nested or dotted) and gensim's or
word2vec.c's keyword names, turned into (key, value text, where) triples for the core, which
parses, checks and explains them exactly as it does `--set key=value`."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Iterator, List, Tuple

from . import _core

Setting = Tuple[str, str, str]

SECTIONS = ("data", "vocab", "model", "train", "output", "eval")

# gensim's Word2Vec(...) and word2vec.c's names for gemmvec's keys.
ALIASES = {
    "vector_size": "model.dim",
    "size": "model.dim",
    "window": "model.window",
    "negative": "model.negative",
    "sample": "model.sample",
    "alpha": "model.alpha",
    "ns_exponent": "model.ns_exponent",
    "min_count": "vocab.min_count",
    "max_final_vocab": "vocab.max_size",
    "epochs": "train.epochs",
    "iter": "train.epochs",
    "workers": "train.threads",
    "threads": "train.threads",
    "seed": "train.seed",
}
# Keywords whose value is translated, not passed on: sg (1 skip-gram, 0 CBOW) and hs (0 only).
SWITCHES = ("sg", "hs")


def value_text(value: Any) -> str:
    """A Python value as the text `--set key=value` would carry (YAML flow for lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value)
        # Text starting like YAML flow ([ { " ') is quoted so it stays one string.
        return json.dumps(text) if text[:1] in "[{\"'" else text
    if isinstance(value, (list, tuple)):
        return json.dumps([os.fspath(v) if isinstance(v, os.PathLike) else v for v in value])
    raise TypeError(f"a setting is a bool, number, string, path or list, got {type(value).__name__}")


def _switch(name: str, value: Any, where: str) -> Iterator[Setting]:
    if value not in (0, 1):
        raise ValueError(f"{where}: {name} expects 0 or 1, got {value!r}")
    if name == "sg":
        yield ("model.type", "skipgram" if value else "cbow", where)
    elif value:
        raise ValueError(f"{where}: hs=1 (hierarchical softmax) is not supported: gemmvec trains with negative "
                         "sampling (hs=0, negative=N)")


def _unknown_bare_key(name: str, where: str) -> None:
    """A key with no section that is no alias: the core explains a known leaf ('dim' -> 'model.dim');
    anything else gets the closest alias, section or key."""
    keys = _core.config_keys()
    if any(k.split(".", 1)[1] == name for k in keys):
        return
    candidates = list(ALIASES) + list(SWITCHES) + list(SECTIONS) + keys
    raise ValueError(f"{where}: unknown key '{name}' (did you mean '{_core.closest_match(name, candidates)}'?)")


def settings(mapping: Mapping[str, Any], where: str) -> List[Setting]:
    """(key, text, where) for every entry: sections given as dicts ({"model": {"dim": 50}}), dotted
    keys ("model.dim"), aliases (vector_size=50) and switches (sg=1, hs=0)."""
    out: List[Setting] = []
    for name, value in mapping.items():
        if not isinstance(name, str):
            raise TypeError(f"{where}: keys are strings, got {name!r}")
        if name in SECTIONS and isinstance(value, Mapping):
            for leaf, v in value.items():
                out.append((f"{name}.{leaf}", value_text(v), where))
        elif name in SWITCHES:
            out.extend(_switch(name, value, where))
        elif "." in name or name not in ALIASES:
            if "." not in name:
                _unknown_bare_key(name, where)
            out.append((name, value_text(value), where))
        else:
            out.append((ALIASES[name], value_text(value), where))
    return out


def keys_set(items: List[Setting]) -> set:
    return {key for key, _, _ in items}
