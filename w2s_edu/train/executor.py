"""Executors: how the experiment layer trains, predicts and shares cached results, passed to it
explicitly (``run_w2s(cfg, executor=...)``).

:class:`LocalExecutor` does all of it here, in this one process. Its subclass
:class:`w2s_edu.train.distributed.AccelerateExecutor` trains across the processes of an accelerate
launch and lets only the main process write the cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ..cache import atomic_write
from ..models.features import Inputs
from .loop import TrainConfig, predict_proba, train_classifier


class LocalExecutor:
    """Training, inference and cache writes in this one process."""

    def train(self, model, inputs: Inputs, targets, cfg: TrainConfig, **kwargs) -> dict:
        """Train ``model`` in place (:func:`w2s_edu.train.loop.train_classifier`); returns the history."""
        return train_classifier(model, inputs, targets, cfg, **kwargs)

    def predict(self, model, inputs: Inputs, cfg: TrainConfig) -> np.ndarray:
        """Class probabilities (N, 2) of ``model`` on ``inputs``, on ``cfg``'s device and precision."""
        return predict_proba(model, inputs, device=cfg.device, precision=cfg.precision)

    def cached(self, path) -> bool:
        """Whether a result is already in the cache at ``path``."""
        return Path(path).exists()

    def write(self, path, write_fn: Callable[[str], None]) -> None:
        """Write a result to ``path`` in one step: ``write_fn(tmp_path)``, then a rename."""
        atomic_write(path, write_fn)
