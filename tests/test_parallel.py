"""Experiments through worker processes (:class:`w2s_edu.train.executor.ParallelExecutor`): the same
results as one process, a learner's loss function and its errors carried across, progress counted,
and an interrupted run that stops its workers at once."""

from __future__ import annotations

import multiprocessing
import time

import numpy as np
import pytest

from w2s_edu.config import W2SConfig
from w2s_edu.experiment.pipeline import run_w2s
from w2s_edu.experiment.reward import run_reward_w2s
from w2s_edu.train.callable_loss import LossError
from w2s_edu.train.executor import LocalExecutor, ParallelExecutor, default_executor

SMALL = dict(seeds=[0, 1], n_train_weak=48, n_train_strong=48, n_test=48, show_progress=False,
             weak="minilm-l1", strong="minilm-l2", mode="finetune", train_layers=1, epochs=1.0, batch_size=16)


def same_numbers(a, b) -> None:
    assert a.weak_acc == b.weak_acc and a.ceiling_acc == b.ceiling_acc and a.w2s_acc == b.w2s_acc
    for loss in a.pgr:
        np.testing.assert_equal(a.pgr[loss]["per_seed"], b.pgr[loss]["per_seed"])  # (nan where a gap is 0)


def test_workers_give_the_results_of_one_process(tmp_path, monkeypatch):
    cfg = W2SConfig(**SMALL, losses=["xent", "logconf"])
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "one"))
    alone = run_w2s(cfg, executor=LocalExecutor())
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "two"))
    seen = []
    parallel = run_w2s(cfg, executor=ParallelExecutor(2), progress=lambda done, total, what: seen.append(done))
    same_numbers(alone, parallel)
    assert seen[-1] == 2 * 4  # two seeds of weak, ceiling and two students, counted as each finished
    assert len(list((tmp_path / "two" / "runs").glob("*.npz"))) == 8  # the workers wrote the cache
    again = run_w2s(cfg, executor=ParallelExecutor(2))  # and a rerun reads it
    same_numbers(parallel, again)


def test_reward_models_train_in_workers_too(tmp_path, monkeypatch):
    cfg = W2SConfig(**{**SMALL, "seeds": [0]}, task="reward:categories")
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "one"))
    alone = run_reward_w2s(cfg, executor=LocalExecutor())
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "two"))
    same_numbers(alone, run_reward_w2s(cfg, executor=ParallelExecutor(2)))


def test_a_learners_loss_function_runs_in_the_workers_and_its_error_comes_back():
    def halved_xent(logits, targets):
        import torch

        return -(targets * torch.log_softmax(logits, -1)).sum(-1).mean() / 2

    r = run_w2s(W2SConfig(**{**SMALL, "seeds": [0]}, losses=[halved_xent]), executor=ParallelExecutor(2))
    assert set(r.w2s_acc) == {"halved_xent"}

    def broken(logits, targets):
        return logits.sum() / undefined_name  # noqa: F821

    with pytest.raises(LossError, match="broken"):
        run_w2s(W2SConfig(**{**SMALL, "seeds": [0]}, losses=[broken]), executor=ParallelExecutor(2))


class ErrorWithTwoArguments(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")


def raise_two_argument_error(_):
    raise ErrorWithTwoArguments("lr", "must be positive")


def test_an_error_that_cannot_be_pickled_comes_back_as_its_builtin_kind():
    with ParallelExecutor(2).jobs(raise_two_argument_error) as submit:
        future = submit(0)
        with pytest.raises(ValueError, match="lr: must be positive"):
            future.result()


def test_an_interrupted_run_stops_its_workers_at_once():
    before = set(multiprocessing.active_children())
    start = time.time()
    with pytest.raises(KeyboardInterrupt):
        with ParallelExecutor(2).jobs(time.sleep) as submit:
            submit(60)
            submit(60)
            time.sleep(1)
            raise KeyboardInterrupt
    assert time.time() - start < 15
    time.sleep(0.5)
    assert not set(multiprocessing.active_children()) - before


def test_the_default_executor_follows_the_machine_and_the_setting(monkeypatch):
    monkeypatch.setenv("W2S_EDU_WORKERS", "1")
    assert type(default_executor()) is LocalExecutor
    monkeypatch.setenv("W2S_EDU_WORKERS", "2")
    ex = default_executor("cpu")
    assert isinstance(ex, ParallelExecutor) and ex.workers == 2 and ex.threads >= 1
    assert type(default_executor("cuda")) is LocalExecutor  # forked workers cannot share a GPU
    monkeypatch.setenv("W2S_EDU_WORKERS", "two")
    with pytest.raises(ValueError, match="W2S_EDU_WORKERS must be a whole number"):
        default_executor()
    with pytest.raises(ValueError, match="at least 1"):
        ParallelExecutor(0)


def test_one_process_jobs_run_at_once_and_keep_their_errors():
    with LocalExecutor().jobs(lambda x: 1 / x) as submit:
        assert submit(2).result() == 0.5
        failed = submit(0)
    assert isinstance(failed.exception(), ZeroDivisionError)
