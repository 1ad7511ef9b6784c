"""The folder of one Python run: the streamed sentences, their token cache and the checkpoint when
the run writes no vectors file of its own. It is removed when the run ends, and kept when a
signal stopped it, so that the checkpoint inside it can be resumed (it needs those sentences)."""
from __future__ import annotations

import os
import shutil
import tempfile

MARKER = ".gemmvec-run"


class RunDir:
    def __init__(self) -> None:
        self.path = tempfile.mkdtemp(prefix="gemmvec-run-")
        open(os.path.join(self.path, MARKER), "w").close()
        self.keep = False

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def __enter__(self) -> "RunDir":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


def remove_if_run_dir(checkpoint: str) -> None:
    """After a resumed run completes: its run folder (if the checkpoint was in one) is done with."""
    folder = os.path.dirname(os.path.abspath(checkpoint))
    if os.path.exists(os.path.join(folder, MARKER)):
        shutil.rmtree(folder, ignore_errors=True)
