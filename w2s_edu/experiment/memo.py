"""Results remembered in memory for the widgets: the one in-process memo above the disk cache.

The disk cache (:func:`w2s_edu.experiment.roles.train_and_predict`) keeps every trained model, so a
rerun trains nothing; it still rebuilds the splits and reads the predictions back. A widget that
redraws on every click wants the finished result at once: :func:`remembered` runs an experiment once
per process for each config (``show_progress`` aside) and answers later calls from memory.
"""

from __future__ import annotations

from typing import Callable

from .. import cache
from ..config import W2SConfig
from ..train.callable_loss import loss_cache_key
from .results import W2SResult

_REMEMBERED: dict[tuple, W2SResult] = {}


def remembered(config: W2SConfig, run: Callable[..., W2SResult], **kwargs) -> tuple[W2SResult, bool]:
    """``(run(config, **kwargs), False)`` the first time, ``(the same result, True)`` after that, for
    an equal config and the same ``run`` function (a test's fake run never answers for the real one). A
    loss given as a function counts by its code's fingerprint; one without a fingerprint is never remembered."""
    losses = [loss_cache_key(loss) for loss in config.losses]
    if None in losses:
        return run(config, **kwargs), False
    key = (run, cache.stable_hash(config.replace(show_progress=False).to_dict() | {"losses": losses}))
    if key in _REMEMBERED:
        return _REMEMBERED[key], True
    result = run(config, **kwargs)
    _REMEMBERED[key] = result
    return result, False


def forget() -> None:
    """Drop every remembered result (the disk cache stays)."""
    _REMEMBERED.clear()
