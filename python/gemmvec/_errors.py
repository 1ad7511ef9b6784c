"""The exceptions gemmvec raises besides Python's own (ValueError for config and usage, OSError and
its kinds for files, MemoryError for memory): the core's translator raises these by name."""
from __future__ import annotations

from typing import Optional


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on SIGINT (Ctrl-C) or SIGTERM after writing its checkpoint:
    ``gemmvec.resume(e.checkpoint)`` (or ``gemmvec train --resume``) continues it."""

    def __init__(self, message: str, checkpoint: Optional[str] = None, signal: int = 0) -> None:
        super().__init__(message)
        #: The checkpoint written, or None when the run kept none (output.path a device, no
        #: output.checkpoint; or the signal came while scoring, after the vectors were written).
        self.checkpoint = checkpoint or None
        self.signal = signal


class DeviceError(RuntimeError):
    """The GPU cannot be used or failed: no device, no driver, a CUDA or cuBLAS call that failed."""


class TrainingDiverged(ArithmeticError):
    """The loss or the vectors became NaN or infinite: no vectors were written."""
