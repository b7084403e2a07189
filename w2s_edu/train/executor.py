"""Executors: how the experiment layer trains, predicts and shares cached results, passed to it
explicitly (``run_w2s(cfg, executor=...)``).

:class:`LocalExecutor` does all of it here, in this one process, one model after another. Its subclass
:class:`ParallelExecutor` trains independent models at once, one per worker process, each worker on
its share of the cores: the ceiling and the students of a seed do not wait for one another, and on a
CPU small models train faster side by side, one thread each, than one at a time on every thread.
:class:`w2s_edu.train.distributed.AccelerateExecutor` trains each model across the processes of an
accelerate launch and lets only the main process write the cache. :func:`default_executor` picks one.

The experiment layer runs its jobs through :meth:`LocalExecutor.jobs`: ``with executor.jobs(fn) as
submit:`` then ``submit(*args)`` returns a :class:`concurrent.futures.Future` of ``fn(*args)``. Here
``fn`` runs at once; a :class:`ParallelExecutor` forks its workers *after* it has ``fn``, so ``fn`` may
be a closure over anything (encoded inputs, a learner's loss function): the workers inherit it with the
process's memory and only ``args`` and results (small arrays) are sent between processes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..cache import atomic_write
from ..models.features import Inputs
from .loop import TrainConfig, pick_device, predict_proba, train_classifier

WORKERS_ENV = "W2S_EDU_WORKERS"
MAX_DEFAULT_WORKERS = 4  # each worker holds a model and its optimizer state


class LocalExecutor:
    """Training, inference and cache writes in this one process, one model after another."""

    workers = 1

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

    @contextlib.contextmanager
    def jobs(self, fn: Callable) -> Iterator[Callable[..., Future]]:
        """A context in which ``submit(*args)`` returns a future of ``fn(*args)``; here it runs at once
        (an exception is raised by ``result()``, as from a worker)."""

        def submit(*args) -> Future:
            future: Future = Future()
            try:
                future.set_result(fn(*args))
            except Exception as err:  # noqa: BLE001 - handed to the caller through the future
                future.set_exception(err)
            return future

        yield submit


# ------------------------------------------------------------------------------------------ processes
_JOBS: dict[int, Callable] = {}  # what the forked workers run, keyed by the executor that forked them


def _start_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle


def _run_job(token: int, args: tuple):
    try:
        return _JOBS[token](*args)
    except Exception as err:
        try:  # an exception must survive the trip back; one that cannot becomes its nearest built-in kind
            pickle.loads(pickle.dumps(err))
        except Exception:  # noqa: BLE001
            base = next(c for c in type(err).__mro__ if c.__module__ == "builtins")
            raise base(str(err)) from None
        raise


class ParallelExecutor(LocalExecutor):
    """Independent models trained at once in ``workers`` forked processes of ``threads`` torch threads
    each (default: this process's threads shared among them). Each model's result is the one it
    would have in one process (every model seeds its own generators), up to the rounding of a
    different thread count.

    Forking is Linux's and a CPU's: on CUDA or mps, and on macOS or Windows, use :class:`LocalExecutor`
    (:func:`default_executor` does). Per-step progress bars are off in the workers; the experiment's
    bar counts the models as they finish."""

    def __init__(self, workers: int = 2, threads: int | None = None):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}.")
        if not hasattr(os, "fork"):
            raise RuntimeError("ParallelExecutor forks its workers, which this platform cannot; use LocalExecutor.")
        import torch

        self.workers = int(workers)
        self.threads = int(threads) if threads else max(1, torch.get_num_threads() // self.workers)

    def train(self, model, inputs: Inputs, targets, cfg: TrainConfig, **kwargs) -> dict:
        return super().train(model, inputs, targets, cfg, **{**kwargs, "show_progress": False})

    @contextlib.contextmanager
    def jobs(self, fn: Callable) -> Iterator[Callable[..., Future]]:
        token = id(self)
        _JOBS[token] = fn
        before = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_start_worker, initargs=(self.threads,))
        try:
            yield lambda *args: pool.submit(_run_job, token, args)
        except BaseException:
            # an error or Ctrl-C: stop now rather than wait for the models still training
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in set(multiprocessing.active_children()) - before:
                proc.terminate()
            raise
        else:
            pool.shutdown(wait=True)
        finally:
            _JOBS.pop(token, None)


def default_executor(device: str | None = None) -> LocalExecutor:
    """The executor an experiment uses when none is given: :class:`ParallelExecutor` on a Linux CPU with
    at least two cores (one worker per core, at most four), else :class:`LocalExecutor`.
    ``W2S_EDU_WORKERS=N`` sets the number of workers (1: one model at a time, in this process)."""
    setting = os.environ.get(WORKERS_ENV, "").strip()
    if setting:
        try:
            workers = int(setting)
        except ValueError:
            raise ValueError(f"{WORKERS_ENV} must be a whole number of worker processes (1: none), "
                             f"got {setting!r}.") from None
    else:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        workers = min(cores, MAX_DEFAULT_WORKERS)
    if workers <= 1 or not sys.platform.startswith("linux") or pick_device(device) != "cpu":
        return LocalExecutor()
    return ParallelExecutor(workers)
