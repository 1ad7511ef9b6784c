"""The API documents itself: docstrings on everything public (help(gemmvec.train)), type stubs
for the extension module installed beside it, and py.typed."""
from __future__ import annotations

import inspect
import os

import gemmvec
from gemmvec import _core


def test_public_names_have_docstrings():
    for name in gemmvec.__all__:
        obj = getattr(gemmvec, name)
        assert inspect.getdoc(obj), f"gemmvec.{name} has no docstring"
    for name, member in inspect.getmembers(gemmvec.Model):
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property)):
            assert inspect.getdoc(member), f"gemmvec.Model.{name} has no docstring"
    assert "vector_size" in inspect.getdoc(gemmvec.train) and "KeyboardInterrupt" in inspect.getdoc(gemmvec.train)


def test_stubs_cover_the_extension_module():
    folder = os.path.dirname(gemmvec.__file__)
    assert os.path.exists(os.path.join(folder, "py.typed"))
    with open(os.path.join(folder, "_core.pyi"), encoding="utf-8") as f:
        stubs = f.read()
    public = [n for n in dir(_core) if not n.startswith("_")]
    assert public and all(f"def {n}(" in stubs or f"class {n}" in stubs for n in public)
    for name in ("words", "vectors", "nearest", "evaluate", "save"):
        assert f"def {name}(" in stubs
