"""Measure the chess ladder on the puzzle task: binary and multiple-choice accuracy per rung.

The ladder is *accepted* only when the weak rung and the strongest rung, each trained on ground
truth with the pipeline's protocol (the weak rung as a probe, the strong one finetuned, as
``run_w2s`` trains the supervisor and the ceiling), differ by at least :data:`MIN_GAP` in test
accuracy. Splits keep each puzzle's candidates together (:func:`w2s_edu.tasks.splits.split_by_group`).
"""

from __future__ import annotations

import json

import numpy as np

from ..config import W2SConfig
from ..data import CHESS_DIR
from ..experiment.metrics import accuracy, summarize
from ..experiment.roles import ModelRole, train_and_predict
from ..experiment.seeds import SeedSplits, Stages, prepare_seeds, seed_loop
from ..losses import one_hot
from ..tasks.chess.task import multiple_choice_accuracy
from ..tasks.registry import get_task
from ..tasks.splits import split_by_group

MIN_GAP = 0.08
LADDER_FILE = CHESS_DIR / "ladder.json"  # the ladder's acceptance record, written by `python -m w2s_edu.chess.measure`


def ladder_metadata() -> dict:
    """The ladder's acceptance record (``ladder.json``): downstream accuracies and the weak-to-ceiling gap."""
    if not LADDER_FILE.exists():
        raise FileNotFoundError(f"{LADDER_FILE} is missing: run `python -m w2s_edu.chess.measure` to measure "
                                "the ladder.")
    return json.loads(LADDER_FILE.read_text())


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
    groups = np.asarray(ds["group"])
    data = prepare_seeds(ds, cfg, split_by_group)
    out = {}
    for name, mode in rungs:
        role = ModelRole(name, mode, cfg)
        inputs = role.inputs(data.texts)

        def one_seed(s: SeedSplits, stages: Stages) -> dict:
            stages.start(f"seed {s.seed}: {name} ({mode})")
            res = train_and_predict(role, inputs, s.rows, "train_weak", one_hot(s.y["train_weak"]), "xent", s.seed,
                                    "ground_truth", f"seed {s.seed} {name} ({mode})")
            stages.done()
            test = s.idx["test"]
            return {"seed": s.seed, "binary": accuracy(res["test"], s.y["test"]),
                    "multiple_choice": multiple_choice_accuracy(res["test"], s.y["test"], groups[test])}

        per_seed = seed_loop(cfg, data, one_seed, 1, f"{name} ({mode})")
        out[f"{name} ({mode})"] = {
            "model": name, "mode": mode, "per_seed": per_seed,
            "binary": summarize([p["binary"] for p in per_seed]),
            "multiple_choice": summarize([p["multiple_choice"] for p in per_seed])}
    return out


def ladder_gap(results: dict, weak: str, strong: str) -> float:
    """Mean binary test accuracy of ``strong`` minus that of ``weak`` (keys as in :func:`evaluate_rungs`)."""
    return results[strong]["binary"]["mean"] - results[weak]["binary"]["mean"]
