"""The weak-to-strong pipeline: weak model -> weak labels -> strong student, beside the ceiling.

For each seed (:func:`w2s_edu.experiment.seeds.seed_loop`):

1. split the task into ``train_weak``, ``train_strong`` and ``test`` (disjoint, balanced);
2. train the **weak** supervisor on ``train_weak`` ground truth;
3. label ``train_strong`` with the weak model's *soft* predictions (probabilities);
4. train the **strong ceiling** on ``train_weak`` ground truth (what the strong model can do);
5. train the **strong student** on the weak labels, once per loss (xent, logconf, product);
6. measure everything on ``test``: accuracies, PGR, agreement with the supervisor.

Every trained model is cached on disk (:func:`w2s_edu.experiment.roles.train_and_predict`): a rerun
resumes where an interrupted one stopped, and a sweep trains each weak model once. Steps 2-6 are
:func:`w2s_edu.experiment.steps.run_roles`, for any pair of roles; a reward task (``reward:...``, pairs
of replies) runs them on Bradley-Terry reward models (:mod:`w2s_edu.experiment.reward`), so
:func:`run_w2s` and :func:`run_sweep` take every task, the showcase preset included.
"""

from __future__ import annotations

import time
import warnings
from typing import Callable

from ..config import W2SConfig
from ..tasks.registry import get_task
from ..train.executor import LocalExecutor
from .metrics import PGRUndefinedWarning
from .results import W2SResult
from .reward import run_reward_w2s
from .roles import ModelRole
from .seeds import prepare_seeds
from .steps import run_roles, summarize_seeds


def run_w2s(config: W2SConfig | None = None, progress: Callable[[int, int, str], None] | None = None, *,
            executor: LocalExecutor | None = None, **overrides) -> W2SResult:
    """Run the whole experiment for every seed and loss; returns a :class:`W2SResult`.

    ``config.losses`` may hold your own loss functions beside registered names, e.g.
    ``run_w2s(cfg.replace(losses=["xent", my_loss]))``: the results name each by its ``__name__``, and a
    run is read from the cache only when the function's code is the same
    (:mod:`w2s_edu.train.callable_loss`).

    ``progress(done, total, what)``, if given, is called before each model trains and once at the end
    (the experiment panel drives its progress bar with it; the tqdm bar runs either way).
    ``executor`` trains and caches the models (default: :func:`w2s_edu.train.executor.default_executor`,
    side by side in worker processes on a Linux CPU, else in this process; see
    :class:`w2s_edu.train.distributed.AccelerateExecutor` for several)."""
    cfg = (config or W2SConfig()).replace(**overrides) if overrides else (config or W2SConfig())
    if cfg.task.startswith("reward:"):  # pairs of replies: the same steps on reward models
        return run_reward_w2s(cfg, progress=progress, executor=executor)
    start = time.time()
    ds = get_task(cfg.task, seed=cfg.task_seed, text_column=cfg.text_column, label_column=cfg.label_column)
    data = prepare_seeds(ds, cfg, val_size=cfg.val_size)
    weak = ModelRole(cfg.weak, cfg.weak_mode or cfg.mode, cfg)
    strong = ModelRole(cfg.strong, cfg.mode, cfg)
    if weak.key() == strong.key():
        warnings.warn("The weak and strong models are the same model in the same mode: the ceiling "
                      "cannot be above the supervisor, so PGR is undefined for this run.", PGRUndefinedWarning)
    inputs = (weak.inputs(data.texts), strong.inputs(data.texts))
    per_seed = run_roles(cfg, data, (weak, strong), inputs, executor=executor, progress=progress)
    return summarize_seeds(cfg, per_seed, time.time() - start)


def run_sweep(config: W2SConfig, weak_models: list[str], strong_models: list[str]) -> dict:
    """Every weak x strong pair (weak below strong in the list order is up to you); the cache
    makes each weak model and each encoded feature set train or encode once."""
    results = {}
    for weak in weak_models:
        for strong in strong_models:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PGRUndefinedWarning)
                results[(weak, strong)] = run_w2s(config.replace(weak=weak, strong=strong))
    return results
