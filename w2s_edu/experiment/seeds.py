"""The data side of an experiment, per seed, and the one seed loop that every experiment runs.

:func:`prepare_seeds` splits a task once per seed (``train_weak`` / ``train_strong`` / ``test``, and
the student's validation slice when ``val_size`` is set), collects every text any seed needs (each
encoded once by each model, whatever the number of seeds) and gives each split as *rows*: positions
into those texts. :func:`seed_loop` then runs one function per seed under one progress bar that
counts models (and, for the experiment panel, a ``progress(done, total, what)`` callback).

``run_w2s``, the reward-model pipeline, bootstrapping chains and the chess ladder's measurements all
go through these two functions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import datasets
import numpy as np
from tqdm.auto import tqdm

from ..config import W2SConfig
from ..tasks.splits import split_task


@dataclass
class SeedSplits:
    """One seed's parts: dataset row indices (``idx``), positions into the experiment's texts
    (``rows``, what the models' inputs are indexed by) and labels (``y``), by split name."""

    seed: int
    idx: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]
    y: dict[str, np.ndarray]


@dataclass
class ExperimentData:
    """Every text the experiment's seeds use (``texts[p]`` is dataset row ``needed[p]``), and the seeds."""

    texts: list[str]
    needed: np.ndarray
    seeds: list[SeedSplits] = field(default_factory=list)


def prepare_seeds(ds: datasets.Dataset, cfg: W2SConfig, splitter: Callable | None = None,
                  val_size: int = 0) -> ExperimentData:
    """Split ``ds`` for every seed of ``cfg`` with ``splitter`` (default :func:`w2s_edu.tasks.split_task`,
    same signature); with ``val_size`` the last ``val_size`` examples of ``train_strong`` become ``val``."""
    splitter = splitter or split_task
    splits = {s: splitter(ds, cfg.n_train_weak, cfg.n_train_strong, cfg.n_test, seed=s) for s in cfg.seeds}
    labels = np.asarray(ds["label"])
    needed = np.unique(np.concatenate([np.asarray(sp[n]["idx"]) for sp in splits.values() for n in sp]))
    position = {int(i): p for p, i in enumerate(needed)}
    data = ExperimentData(texts=list(ds.select(needed)["text"]), needed=needed)
    for seed in cfg.seeds:
        idx = {name: np.asarray(part["idx"]) for name, part in splits[seed].items()}
        if val_size:  # the student's validation examples come out of train_strong
            idx["val"] = idx["train_strong"][-val_size:]
            idx["train_strong"] = idx["train_strong"][:-val_size]
        rows = {name: np.asarray([position[int(i)] for i in v]) for name, v in idx.items()}
        data.seeds.append(SeedSplits(seed, idx, rows, {name: labels[v] for name, v in idx.items()}))
    return data


class Stages:
    """Progress over the models of an experiment: ``start(what)`` before a model trains, ``done()``
    after. Drives the tqdm bar and the optional ``progress(done, total, what)`` callback."""

    def __init__(self, bar, total: int, progress: Callable[[int, int, str], None] | None):
        self.bar, self.total, self.progress, self.count = bar, total, progress, 0
        self._lock = threading.Lock()  # done() may come from an executor's thread as a worker finishes

    def start(self, what: str) -> None:
        self.bar.set_postfix_str(what)
        if self.progress is not None:
            self.progress(self.count, self.total, what)

    def done(self) -> None:
        with self._lock:
            self.bar.update()
            self.count += 1  # (a disabled tqdm bar does not count)


def seed_loop(cfg: W2SConfig, data: ExperimentData, run_seed: Callable[[SeedSplits, Stages], dict | Callable],
              models_per_seed: int, desc: str,
              progress: Callable[[int, int, str], None] | None = None) -> list[dict]:
    """``[run_seed(seed_splits, stages) for each seed]`` under one progress bar over every model.

    ``run_seed`` may instead return a function of no arguments that gives its result (its models were
    submitted to an executor's workers, :mod:`w2s_edu.train.executor`): every seed's work is submitted
    first, then the results are collected in seed order."""
    total = len(data.seeds) * models_per_seed
    with tqdm(total=total, desc=desc, unit="model", disable=not cfg.show_progress) as bar:
        stages = Stages(bar, total, progress)
        out = [run_seed(s, stages) for s in data.seeds]
        out = [o() if callable(o) else o for o in out]
        stages.start("done")
    return out
