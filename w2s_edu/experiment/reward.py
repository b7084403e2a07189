"""Pairwise reward modeling, the paper's third setting: which of two replies is better?

A reward model gives a reply a scalar score r(x). Burns et al. (2023) trained it on *pairs*
(Anthropic HH-style data: one conversation, a chosen and a rejected reply) with the Bradley-Terry
model: P(A better than B) = sigmoid(r(A) - r(B)). Scoring single replies as "good"/"bad" instead
leaves every model near chance, because whether a reply is good depends on what it competes with.

Here a pair is shown in a random (seeded) order as replies A and B; its label is 1 when A is the
chosen one. :class:`BradleyTerryModel` wraps any classifier of :mod:`w2s_edu.models.backbones` built with one
output (the score) and returns the two logits ``[0, r(A) - r(B)]``: a softmax over them is exactly
``[1 - P, P]`` with ``P = sigmoid(r(A) - r(B))``. So the losses of :mod:`w2s_edu.losses` (xent,
logconf, product), the training loop and the metrics work unchanged, and swapping A and B turns P
into 1 - P exactly. :class:`PairInputs` gives the training loop the ``subset``/``batch`` interface
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
and write your own ``reward_text`` for long contexts.
"""
from __future__ import annotations

import time
import warnings

import datasets
import numpy as np
import torch
from tqdm.auto import tqdm

from .. import cache
from ..config import W2SConfig
from ..models.backbones import LinearProbe, TopLayersClassifier, TransformerClassifier, fresh_backbone, load_backbone
from ..models.pairs import BradleyTerryModel, PairInputs
from ..tasks.pairs import load_reward_pairs, order_pairs, reward_text
from ..tasks.splits import split_task
from .metrics import PGRUndefinedWarning
from .pipeline import ModelRole, _one_hot, _seed_metrics, _summarize, train_and_predict, validation_labels
from .results import W2SResult

class RewardRole(ModelRole):
    """A :class:`w2s_edu.experiment.pipeline.ModelRole` whose classifiers are Bradley-Terry reward models.

    ``data_key`` (a hash of the pairs and their labels) goes into the cache key, so predictions
    cached for one pair set are never reused for another with the same row positions."""

    def __init__(self, name: str, mode: str, cfg: W2SConfig, data_key: str):
        super().__init__(name, mode, cfg)
        self.data_key = data_key

    def key(self) -> dict:
        return super().key() | {"objective": "bradley-terry", "data": self.data_key}

    def new_classifier(self, seed: int) -> BradleyTerryModel:
        torch.manual_seed(seed)
        if self.kind == "features":
            scorer = LinearProbe(self.hidden_size, num_classes=1)
        elif self.kind == "hidden":
            scorer = TopLayersClassifier(load_backbone(self.spec)[0], self.train_layers, num_classes=1)
        else:
            scorer = TransformerClassifier(fresh_backbone(self.spec)[0], self.train_layers, num_classes=1)
        return BradleyTerryModel(scorer)


# --------------------------------------------------------------------------- the experiment

def run_reward_w2s(config: W2SConfig | None = None, *, pairs: datasets.Dataset | None = None,
                   **overrides) -> W2SResult:
    """Weak-to-strong on pairwise preferences; returns a :class:`w2s_edu.experiment.results.W2SResult` whose
    accuracies are *pairwise* accuracies (how often the model prefers the chosen reply).

    Uses every field of ``config`` as :func:`w2s_edu.experiment.pipeline.run_w2s` does (models, modes, sizes,
    seeds, losses, validation); ``config.task`` names the pairs (:func:`load_reward_pairs`, an
    optional ``reward:`` prefix is accepted), or pass ``pairs`` (prompt/chosen/rejected columns).
    Sizes count pairs. The pairs' A/B order is drawn with ``task_seed``; the split with each seed.
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
    splits = {s: split_task(ds.select_columns(["text", "label"]), cfg.n_train_weak, cfg.n_train_strong,
                            cfg.n_test, seed=s) for s in cfg.seeds}
    labels = np.asarray(ds["label"])
    needed = np.unique(np.concatenate([np.asarray(sp[n]["idx"]) for sp in splits.values() for n in sp]))
    position = {int(i): p for p, i in enumerate(needed)}
    sub = ds.select(needed)
    a_texts = [reward_text(p, r) for p, r in zip(sub["prompt"], sub["a"])]
    b_texts = [reward_text(p, r) for p, r in zip(sub["prompt"], sub["b"])]
    texts = sorted(set(a_texts) | set(b_texts))
    where = {t: i for i, t in enumerate(texts)}
    a_pos, b_pos = [where[t] for t in a_texts], [where[t] for t in b_texts]
    data_key = cache.stable_hash([cache.texts_hash(a_texts), cache.texts_hash(b_texts), labels[needed].tolist()])

    weak = RewardRole(cfg.weak, cfg.weak_mode or cfg.mode, cfg, data_key)
    strong = RewardRole(cfg.strong, cfg.mode, cfg, data_key)
    if weak.key() == strong.key():
        warnings.warn("The weak and strong reward models are the same model in the same mode: PGR is undefined.",
                      PGRUndefinedWarning)
    weak_inputs = PairInputs(weak.inputs(texts), a_pos, b_pos)
    strong_inputs = PairInputs(strong.inputs(texts), a_pos, b_pos)

    per_seed = []
    stages = len(cfg.seeds) * (2 + len(cfg.losses))
    with tqdm(total=stages, desc="weak-to-strong (pairs)", unit="model", disable=not cfg.show_progress) as bar:
        for seed in cfg.seeds:
            sp = splits[seed]
            idx = {name: np.asarray(sp[name]["idx"]) for name in sp}
            if cfg.val_size:
                idx["val"] = idx["train_strong"][-cfg.val_size:]
                idx["train_strong"] = idx["train_strong"][:-cfg.val_size]
            rows = {name: np.asarray([position[int(i)] for i in v]) for name, v in idx.items()}
            y = {name: labels[v] for name, v in idx.items()}
            tag = f"seed {seed}"
            bar.set_postfix_str(f"{tag}: weak {cfg.weak}")
            w = train_and_predict(weak, weak_inputs, rows, "train_weak", _one_hot(y["train_weak"]), "xent", seed,
                                  "ground_truth", f"{tag} weak RM {cfg.weak}",
                                  ("train_strong", "test") + (("val",) if cfg.val_size else ()))
            bar.update()
            bar.set_postfix_str(f"{tag}: ceiling {cfg.strong}")
            c = train_and_predict(strong, strong_inputs, rows, "train_weak", _one_hot(y["train_weak"]), "xent",
                                  seed, "ground_truth", f"{tag} ceiling RM {cfg.strong}")
            bar.update()
            val = validation_labels(cfg, w, y)
            students = {}
            for loss in cfg.losses:
                bar.set_postfix_str(f"{tag}: {cfg.strong} on weak preferences ({loss})")
                students[loss] = train_and_predict(strong, strong_inputs, rows, "train_strong", w["train_strong"],
                                                   loss, seed, w["key"], f"{tag} w2s RM {loss}", val=val)
                bar.update()
            per_seed.append(_seed_metrics(seed, y, w, c, students))
    return _summarize(cfg, per_seed, time.time() - start)
