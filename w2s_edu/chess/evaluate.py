"""Measure the chess ladder on the puzzle task: binary and multiple-choice accuracy per rung.

The ladder is *accepted* only when the weak rung and the strongest rung, each trained on ground
truth with the pipeline's protocol (the weak rung as a probe, the strong one finetuned, as
``run_w2s`` trains the supervisor and the ceiling), differ by at least :data:`MIN_GAP` in test
accuracy. Splits keep each puzzle's candidates together (:func:`.task.split_by_group`).
"""

from __future__ import annotations

import numpy as np

from ..config import W2SConfig
from ..experiment.metrics import accuracy, summarize
from ..experiment.pipeline import ModelRole, train_and_predict
from ..tasks.registry import get_task
from ..tasks.chess.task import multiple_choice_accuracy, split_by_group

MIN_GAP = 0.08


def chess_config(**overrides) -> W2SConfig:
    """The chess experiment's settings: the shipped ladder, puzzle sizes (rows; two per puzzle), and a
    learning rate for small models trained from scratch (MiniLM's 5e-5 barely moves them). Override
    any field."""
    base = dict(task="chess-puzzles", weak="chess-s", strong="chess-l", max_length=72, n_train_weak=2000,
                n_train_strong=2000, n_test=2000, lr=1e-3, epochs=5.0, train_layers=6, batch_size=32)
    return W2SConfig(**{**base, **overrides})


def evaluate_rungs(cfg: W2SConfig, rungs: list[tuple[str, str]]) -> dict:
    """Train each ``(model, mode)`` on ``train_weak`` ground truth for every seed of ``cfg``; return
    binary and multiple-choice test accuracy per rung (per seed, and mean/std)."""
    ds = get_task(cfg.task, seed=cfg.task_seed)
    labels, groups = np.asarray(ds["label"]), np.asarray(ds["group"])
    splits = {s: split_by_group(ds, cfg.n_train_weak, cfg.n_train_strong, cfg.n_test, seed=s) for s in cfg.seeds}
    needed = np.unique(np.concatenate([np.asarray(sp[n]["idx"]) for sp in splits.values() for n in sp]))
    texts = list(ds.select(needed)["text"])
    position = {int(i): p for p, i in enumerate(needed)}
    out = {}
    for name, mode in rungs:
        role = ModelRole(name, mode, cfg)
        inputs = role.inputs(texts)
        per_seed = []
        for seed in cfg.seeds:
            idx = {k: np.asarray(splits[seed][k]["idx"]) for k in ("train_weak", "test")}
            rows = {k: np.asarray([position[int(i)] for i in v]) for k, v in idx.items()}
            y = labels[idx["train_weak"]]
            res = train_and_predict(role, inputs, rows, "train_weak", np.eye(2, dtype=np.float32)[y], "xent", seed,
                                    "ground_truth", f"seed {seed} {name} ({mode})")
            test = idx["test"]
            per_seed.append({"seed": seed, "binary": accuracy(res["test"], labels[test]),
                             "multiple_choice": multiple_choice_accuracy(res["test"], labels[test], groups[test])})
        out[f"{name} ({mode})"] = {
            "model": name, "mode": mode, "per_seed": per_seed,
            "binary": summarize([p["binary"] for p in per_seed]),
            "multiple_choice": summarize([p["multiple_choice"] for p in per_seed])}
    return out


def ladder_gap(results: dict, weak: str, strong: str) -> float:
    """Mean binary test accuracy of ``strong`` minus that of ``weak`` (keys as in :func:`evaluate_rungs`)."""
    return results[strong]["binary"]["mean"] - results[weak]["binary"]["mean"]
