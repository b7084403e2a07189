"""Pairwise reward modeling, the paper's third setting: which of two replies is better?

A reward model gives a reply a scalar score r(x). Burns et al. (2023) trained it on *pairs*
(Anthropic HH-style data: one conversation, a chosen and a rejected reply) with the Bradley-Terry
model: P(A better than B) = sigmoid(r(A) - r(B)). Scoring single replies as "good"/"bad" instead
leaves every model near chance, because whether a reply is good depends on what it competes with.

Here a pair is shown in a random (seeded) order as replies A and B; its label is 1 when A is the
chosen one. :class:`w2s_edu.models.pairs.BradleyTerryModel` wraps any classifier of
:mod:`w2s_edu.models.classifiers` built with one output (the score) and returns the two logits
``[0, r(A) - r(B)]``: a softmax over them is exactly ``[1 - P, P]`` with ``P = sigmoid(r(A) - r(B))``.
So the losses of :mod:`w2s_edu.losses` (xent, logconf, product), the training loop and the metrics
work unchanged, and swapping A and B turns P into 1 - P exactly.
:class:`w2s_edu.models.pairs.PairInputs` gives the training loop the ``subset``/``batch`` interface
of :class:`w2s_edu.models.features.Inputs` over pairs of encoded texts, each text encoded once.

:func:`run_reward_w2s` is the weak-to-strong experiment on pairs: a weak reward model trained on
ground-truth preferences labels the student's pairs with its soft preferences; PGR is measured on
pairwise accuracy. Offline default (``task="categories"``): the conversation asks "What kind of
thing is a rutabaga?", the chosen reply gives the noun's WordNet category and the rejected one a
wrong category (drawn as often as each category is right, so the category alone says nothing).
``task="anthropic_hh"`` uses ``Anthropic/hh-rlhf`` (internet, or ``"anthropic_hh@folder"`` for a
``save_to_disk`` copy).

What the scorer reads: the last human turn and the reply ("Human: ...\\n\\nAssistant: ..."), not
the whole conversation, so that the reply survives a short ``max_length``; raise ``max_length``
and write your own :func:`w2s_edu.tasks.pairs.reward_text` for long contexts. The pair data live in
:mod:`w2s_edu.tasks.pairs`; the steps are the pipeline's (:func:`w2s_edu.experiment.steps.run_roles`);
:func:`w2s_edu.experiment.pipeline.run_w2s` runs a ``reward:`` task through here.
"""

from __future__ import annotations

import time
import warnings
from typing import Callable

import datasets
import numpy as np

from .. import cache
from ..config import W2SConfig
from ..models.pairs import BradleyTerryModel, PairInputs
from ..tasks.pairs import load_reward_pairs, order_pairs, reward_text
from ..train.executor import LocalExecutor
from .metrics import PGRUndefinedWarning
from .results import W2SResult
from .roles import ModelRole
from .seeds import prepare_seeds
from .steps import run_roles, summarize_seeds


class RewardRole(ModelRole):
    """A :class:`w2s_edu.experiment.roles.ModelRole` whose classifiers are Bradley-Terry reward models.

    ``data_key`` (a hash of the pairs and their labels) goes into the cache key, so predictions
    cached for one pair set are never reused for another with the same row positions."""

    def __init__(self, name: str, mode: str, cfg: W2SConfig, data_key: str):
        super().__init__(name, mode, cfg)
        self.data_key = data_key

    def key(self) -> dict:
        return super().key() | {"objective": "bradley-terry", "data": self.data_key}

    def new_classifier(self, seed: int) -> BradleyTerryModel:
        return BradleyTerryModel(super().new_classifier(seed, num_classes=1))


def run_reward_w2s(config: W2SConfig | None = None, *, pairs: datasets.Dataset | None = None,
                   executor: LocalExecutor | None = None, progress: Callable[[int, int, str], None] | None = None,
                   **overrides) -> W2SResult:
    """Weak-to-strong on pairwise preferences; returns a :class:`w2s_edu.experiment.results.W2SResult`
    whose accuracies are *pairwise* accuracies (how often the model prefers the chosen reply).

    Uses every field of ``config`` as :func:`w2s_edu.experiment.pipeline.run_w2s` does (models, modes,
    sizes, seeds, losses, validation); ``config.task`` names the pairs (:func:`w2s_edu.tasks.pairs.load_reward_pairs`,
    an optional ``reward:`` prefix is accepted), or pass ``pairs`` (prompt/chosen/rejected columns).
    Sizes count pairs. The pairs' A/B order is drawn with ``task_seed``; the split with each seed.
    ``progress`` and ``executor`` are :func:`w2s_edu.experiment.pipeline.run_w2s`'s.
    """
    cfg = (config or W2SConfig()).replace(**overrides) if overrides else (config or W2SConfig())
    start = time.time()
    task = cfg.task.removeprefix("reward:")
    if pairs is None:
        pairs = load_reward_pairs(task, seed=cfg.task_seed)
    missing = [c for c in ("prompt", "chosen", "rejected") if c not in pairs.column_names]
    if missing:
        raise ValueError(f"pairs lack column(s) {missing}; they need prompt, chosen and rejected")
    ds = order_pairs(pairs.select_columns(["prompt", "chosen", "rejected"]), seed=cfg.task_seed)
    cfg = cfg.replace(task=f"reward:{task}")
    data = prepare_seeds(ds.select_columns(["text", "label"]), cfg, val_size=cfg.val_size)
    sub = ds.select(data.needed)
    a_texts = [reward_text(p, r) for p, r in zip(sub["prompt"], sub["a"])]
    b_texts = [reward_text(p, r) for p, r in zip(sub["prompt"], sub["b"])]
    texts = sorted(set(a_texts) | set(b_texts))
    where = {t: i for i, t in enumerate(texts)}
    a_pos, b_pos = [where[t] for t in a_texts], [where[t] for t in b_texts]
    labels = np.asarray(ds["label"])
    data_key = cache.stable_hash([cache.texts_hash(a_texts), cache.texts_hash(b_texts),
                                  labels[data.needed].tolist()])

    weak = RewardRole(cfg.weak, cfg.weak_mode or cfg.mode, cfg, data_key)
    strong = RewardRole(cfg.strong, cfg.mode, cfg, data_key)
    if weak.key() == strong.key():
        warnings.warn("The weak and strong reward models are the same model in the same mode: PGR is undefined.",
                      PGRUndefinedWarning)
    inputs = (PairInputs(weak.inputs(texts), a_pos, b_pos), PairInputs(strong.inputs(texts), a_pos, b_pos))
    per_seed = run_roles(cfg, data, (weak, strong), inputs, executor=executor, progress=progress, what="RM ",
                         desc="weak-to-strong (pairs)")
    return summarize_seeds(cfg, per_seed, time.time() - start)
