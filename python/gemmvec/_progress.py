"""Training progress in Python: a tqdm bar when tqdm is installed (a notebook widget in Jupyter),
and the user's callback, which gets each sample as the metrics log writes it (seconds, epoch,
progress, words, words_per_sec, pairs, lr, loss)."""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, Optional

Callback = Callable[[Dict[str, Any]], Any]


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class Progress:
    """Receives the core's samples (metrics JSON text, final flag) while it trains."""

    def __init__(self, callback: Optional[Callback], show: bool) -> None:
        self.callback = callback
        tqdm = _tqdm() if show else None
        self.bar = tqdm(total=100.0, unit="%", bar_format="{l_bar}{bar}| {n:.1f}% [{elapsed}<{remaining}{postfix}]",
                        desc="gemmvec") if tqdm else None
        # Without a bar the core prints its usual progress line when asked to show progress.
        self.terminal_line = show and self.bar is None

    @property
    def active(self) -> bool:
        return self.callback is not None or self.bar is not None

    def __call__(self, metrics_json: str, final: bool) -> None:
        sample = json.loads(metrics_json)
        if self.bar is not None:
            self.bar.n = round(100.0 * sample["progress"], 1)
            self.bar.set_postfix(epoch=sample["epoch"] + 1, words_per_sec=f"{sample['words_per_sec']:.0f}",
                                 loss=f"{sample['loss']:.4f}", refresh=False)
            self.bar.refresh()
        if self.callback is not None:
            self.callback(sample)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
