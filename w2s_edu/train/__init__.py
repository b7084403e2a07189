"""Training: ONE loop for every classifier, the executors that the experiment layer trains through,
and training across processes with accelerate.

* :mod:`.loop`: :func:`train_classifier` (AdamW, warmup + cosine schedule, micro-batches, validation,
  early stopping; in one process, or across processes when given an ``accelerator``), its
  :class:`TrainConfig`, :func:`predict_proba`, and the device and precision helpers.
* :mod:`.accelerate_steps`: how a step is shared among processes (DDP, FSDP) with the same updates as one.
* :mod:`.executor`: :class:`LocalExecutor`, how the experiment trains, predicts and writes its cache.
* :mod:`.distributed`: :func:`make_accelerator`, :class:`AccelerateExecutor` and :func:`fsdp_config`
  (the command line is :mod:`w2s_edu.cli.distributed`).

The layer imports only :mod:`w2s_edu.cache`, :mod:`w2s_edu.losses`, :mod:`w2s_edu.config` and
:mod:`w2s_edu.models`; accelerate is imported only when an accelerator is made.
"""

from .accelerate_steps import ACCELERATE_PRECISION, AccelerateSteps, precision_of
from .distributed import AccelerateExecutor, fsdp_config, make_accelerator
from .executor import LocalExecutor
from .loop import (
    OneProcessSteps,
    TrainConfig,
    ValidationTracker,
    autocast,
    check_finite,
    pick_device,
    predict_proba,
    resolve_precision,
    train_classifier,
)

__all__ = [
    "train_classifier",
    "TrainConfig",
    "predict_proba",
    "pick_device",
    "resolve_precision",
    "autocast",
    "ValidationTracker",
    "check_finite",
    "OneProcessSteps",
    "AccelerateSteps",
    "LocalExecutor",
    "AccelerateExecutor",
    "make_accelerator",
    "precision_of",
    "fsdp_config",
    "ACCELERATE_PRECISION",
]
