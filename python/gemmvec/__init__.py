"""gemmvec: word2vec (skip-gram and CBOW with negative sampling) trained by the gemmvec C++ core,
on a GPU or on CPU threads, from Python.

    import gemmvec
    model = gemmvec.train("corpus.txt.xz", vector_size=100, window=5, epochs=5)
    model.most_similar("king")
    model.analogy("man", "king", "woman")
    model.evaluate(analogy="questions-words.txt", similarity="wordsim353.tsv")
    model.save("vectors.bin")
    kv = model.to_gensim()

docs/python.md in the repository has the whole tour.
"""
from ._errors import DeviceError, TrainingDiverged, TrainingInterrupted
from ._model import Model, load
from ._training import resolve_config, resume, train

__all__ = ["train", "resume", "load", "resolve_config", "Model", "TrainingInterrupted", "DeviceError",
           "TrainingDiverged"]
__version__ = "0.1.0"
