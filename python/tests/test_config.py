"""config: a YAML file or a dict (nested or dotted keys), keywords (sections, dotted keys, gensim's
and word2vec.c's names); bad keys and values are ValueErrors with the CLI's did-you-mean message,
raised before any corpus is read."""
from __future__ import annotations

import pytest

import gemmvec
from conftest import QUICK


def resolved(*args, **kwargs) -> dict:
    """{"section.key": "value text"} of the resolved config's YAML."""
    out, section = {}, ""
    for line in gemmvec.resolve_config(*args, **kwargs).splitlines():
        if not line.startswith(" ") and line.endswith(":"):
            section = line[:-1]
        elif line.strip():
            key, _, value = line.strip().partition(": ")
            out[f"{section}.{key}"] = value
    return out


def test_nested_dotted_and_keyword_forms_agree():
    nested = resolved({"model": {"dim": 30, "window": 3}, "train": {"epochs": 2}})
    dotted = resolved({"model.dim": 30, "model.window": 3, "train.epochs": 2})
    keywords = resolved(model={"dim": 30, "window": 3}, **{"train.epochs": 2})
    aliases = resolved(vector_size=30, window=3, iter=2)
    assert nested == dotted == keywords == aliases
    assert nested["model.dim"] == "30" and nested["model.window"] == "3" and nested["train.epochs"] == "2"


def test_gensim_and_word2vec_names():
    r = resolved(size=40, negative=7, sample=1e-3, min_count=2, epochs=3, sg=0, hs=0, workers=1, seed=9, alpha=0.03)
    assert (r["model.dim"], r["model.negative"], r["model.sample"], r["vocab.min_count"]) == ("40", "7", "0.001", "2")
    assert (r["train.epochs"], r["model.type"], r["train.threads"], r["train.seed"]) == ("3", "cbow", "1", "9")
    assert r["model.alpha"] == "0.03"
    assert resolved(sg=1)["model.type"] == "skipgram" and resolved(threads=3)["train.threads"] == "3"


def test_keywords_override_the_config_dict():
    assert resolved({"model": {"dim": 30}}, vector_size=50)["model.dim"] == "50"


def test_yaml_config_file(corpus_file, tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text(f"data:\n  corpus: [{corpus_file}]\nmodel:\n  dim: 24\noutput:\n  path: out/vectors.bin\n")
    model = gemmvec.train(config=config, progress=False, epochs=1, workers=2)
    assert model.dim == 24
    written = gemmvec.load(tmp_path / "out" / "vectors.bin")
    assert written.words == model.words and written.vectors.tobytes() == model.vectors.tobytes()
    assert (tmp_path / "out" / "vectors.bin.yaml").exists()  # the CLI's outputs, as configured


def test_yaml_paths_are_the_files_folder_and_dict_paths_the_current_one(corpus_file, tmp_path, monkeypatch):
    exp, data = tmp_path / "exp", tmp_path / "data"
    exp.mkdir()
    data.mkdir()
    (data / "c.txt").write_bytes(corpus_file.read_bytes())
    (exp / "run.yaml").write_text("data:\n  corpus: [../data/c.txt]\n  cache_dir: cache\noutput:\n  path: v.bin\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    gemmvec.train(config=exp / "run.yaml", progress=False, epochs=1, workers=2)
    assert (exp / "v.bin").exists() and (exp / "cache").is_dir()
    assert not (elsewhere / "v.bin").exists()
    r = resolved({"data": {"corpus": ["c.txt"]}, "output": {"path": "out/v.bin"}})
    assert (r["data.corpus"], r["output.path"]) == ("[c.txt]", "out/v.bin")  # as given: the current folder's


@pytest.mark.parametrize("kwargs, message", [
    ({"model.dimm": 5}, "keyword: unknown key 'model.dimm' (did you mean 'model.dim'?)"),
    ({"vector_sise": 5}, "keyword: unknown key 'vector_sise' (did you mean 'vector_size'?)"),
    ({"dim": 5}, "keyword: unknown key 'dim' (did you mean 'model.dim'?)"),
    ({"modle": {"dim": 5}}, "keyword: unknown key 'modle' (did you mean 'model'?)"),
])
def test_bad_keys_say_what_was_meant(kwargs, message, corpus_file):
    with pytest.raises(ValueError) as e:
        gemmvec.train(corpus_file, progress=False, **kwargs)
    assert str(e.value) == message


def test_bad_key_in_config_dict():
    with pytest.raises(ValueError, match=r"^config: unknown key 'train.epoch' \(did you mean 'train.epochs'\?\)$"):
        gemmvec.train("unused.txt", config={"train": {"epoch": 3}}, progress=False)


def test_bad_values():
    with pytest.raises(ValueError, match="model.dim"):
        gemmvec.resolve_config(vector_size=0)
    with pytest.raises(ValueError, match="hierarchical softmax.*not supported"):
        gemmvec.resolve_config(hs=1)
    with pytest.raises(ValueError, match="sg expects 0 or 1"):
        gemmvec.resolve_config(sg=2)


def test_config_is_checked_before_the_corpus(tmp_path):
    # The corpus does not exist, but the bad key is what is reported.
    with pytest.raises(ValueError, match="did you mean 'model.window'"):
        gemmvec.train(tmp_path / "missing.txt", progress=False, **{"model.windo": 3})


def test_config_of_wrong_type():
    with pytest.raises(TypeError, match="YAML file path or a dict"):
        gemmvec.train("x.txt", config=42, progress=False)
    with pytest.raises(TypeError, match="setting is a bool, number, string, path or list"):
        gemmvec.resolve_config(vector_size=object())


def test_trains_with_dict_config(corpus_file):
    model = gemmvec.train(corpus_file, config={"model": {"dim": 20}, "vocab.min_count": 20}, progress=False,
                          epochs=1)
    assert model.dim == 20
    assert len(model) < len(gemmvec.train(corpus_file, progress=False, **dict(QUICK, epochs=1)))  # min_count 5
