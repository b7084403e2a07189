"""Lesson 09's experiments on open problems: how the teacher's strength changes weak-to-strong
results, and whether a student gains by relabelling its own data (self-training).

* **Teacher strength** runs the real pipeline (:func:`w2s_edu.experiment.pipeline.run_sweep`) with one student
  and a ladder of teachers, and summarises it per teacher: accuracies, PGR with its bootstrap
  interval. Every model is cached on disk by the pipeline and every result in memory
  (:func:`w2s_edu.experiment.memo.remembered`), so the
  widget redraws instantly for a teacher that has run once.
* **Self-training** uses Lesson 02's synthetic world (:mod:`w2s_edu.toys.synthetic`): the student trained
  on weak labels relabels ``train_strong`` with its own predictions and a fresh student trains on
  those, for a few rounds.

The hidden-behaviour experiments live in :mod:`w2s_edu.toys.hidden_behaviour`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..config import W2SConfig
from ..experiment.memo import remembered
from ..experiment.metrics import PGRUndefinedWarning, accuracy, pgr
from ..experiment.pipeline import run_w2s
from ..ui.widgets import plot_panel
from . import synthetic

TEACHERS = tuple(f"minilm-l{k}" for k in range(1, 6))
STUDENT = "minilm-l6"


def lesson_config(smoke: bool) -> W2SConfig:
    """The config of Lesson 09's teacher sweep: the tiny ``smoke`` preset, or the ``quick`` preset (probe
    teachers, MiniLM-L6's top two blocks finetuned, 1,000 examples per split) with three seeds: five
    teachers and their students in a few minutes on a laptop."""
    if smoke:
        return W2SConfig.from_preset("smoke", show_progress=False)
    return W2SConfig.from_preset("quick", seeds=[0, 1, 2])


def run_teacher(config: W2SConfig, teacher: str, student: str = STUDENT):
    """One teacher -> student run, from memory when it ran before in this session (else the pipeline,
    whose disk cache makes a rerun of the same config fast too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PGRUndefinedWarning)
        return remembered(config.replace(weak=teacher, strong=student), run_w2s)[0]


def teacher_sweep(config: W2SConfig, teachers=TEACHERS, student: str = STUDENT) -> dict:
    """``{teacher: W2SResult}`` for every teacher supervising the same ``student``."""
    teachers = list(teachers)
    if not teachers:
        raise ValueError("teacher_sweep needs at least one teacher, e.g. teachers=['minilm-l1', 'minilm-l2'].")
    return {teacher: run_teacher(config, teacher, student) for teacher in teachers}


def teacher_rows(results: dict, loss: str = "xent") -> list[dict]:
    """One row per teacher: mean accuracies over seeds, PGR (nan when undefined) and its 95% interval."""
    rows = []
    for teacher, r in results.items():
        p = r.pgr[loss]
        rows.append({"teacher": teacher, "weak_acc": float(np.mean(r.weak_acc)),
                     "w2s_acc": float(np.mean(r.w2s_acc[loss])), "ceiling_acc": float(np.mean(r.ceiling_acc)),
                     "pgr": _num(p["mean"]), "ci": (_num(p["ci"][0]), _num(p["ci"][1])), "seeds": len(r.seeds)})
    return rows


def _num(x) -> float:
    return float("nan") if x is None else float(x)


def format_teacher_rows(rows: list[dict]) -> str:
    """The rows of :func:`teacher_rows` as an aligned table."""
    lines = [f"{'teacher':<11}{'teacher acc':>12}{'student acc':>13}{'ceiling':>9}{'PGR':>8}{'95% CI':>18}"]
    for r in rows:
        p = "undef" if math.isnan(r["pgr"]) else f"{r['pgr']:.2f}"
        ci = "" if math.isnan(r["ci"][0]) else f"[{r['ci'][0]:.2f}, {r['ci'][1]:.2f}]"
        lines.append(f"{r['teacher']:<11}{r['weak_acc']:>12.3f}{r['w2s_acc']:>13.3f}{r['ceiling_acc']:>9.3f}"
                     f"{p:>8}{ci:>18}")
    return "\n".join(lines)


def teacher_strength_summary(weak_acc, w2s_acc, ceiling_acc) -> dict:
    """Per teacher: PGR (nan where the ceiling is not above the teacher) and the student's gain over its
    teacher (``w2s - weak``); across teachers: the least-squares slope of student accuracy on teacher
    accuracy (1: the student gains the same over every teacher; below 1: gains shrink as teachers improve).

    ``weak_acc`` and ``w2s_acc`` are sequences (one entry per teacher); ``ceiling_acc`` is one number
    (the same student) or a sequence.
    """
    weak, w2s = np.asarray(weak_acc, dtype=float), np.asarray(w2s_acc, dtype=float)
    ceiling = np.broadcast_to(np.asarray(ceiling_acc, dtype=float), weak.shape)
    if weak.shape != w2s.shape or weak.ndim != 1 or len(weak) < 2:
        raise ValueError(f"need two or more teachers with one accuracy each; got {weak.shape} and {w2s.shape}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PGRUndefinedWarning)
        pgrs = [pgr(a, b, c) for a, b, c in zip(weak, w2s, ceiling)]
    return {"pgr": pgrs, "gain": (w2s - weak).tolist(), "slope": float(np.polyfit(weak, w2s, 1)[0])}


def plot_teacher_strength(rows: list[dict], axes=None):
    """Left: teacher, student and ceiling accuracy against the teacher's depth (layers). Right: PGR
    with its 95% interval (missing where undefined). Returns the figure."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    left, right = axes
    depth = [int(r["teacher"].rsplit("l", 1)[-1]) if r["teacher"].startswith("minilm-l") else i + 1
             for i, r in enumerate(rows)]
    left.plot(depth, [r["weak_acc"] for r in rows], "o-", color="#9e9e9e", label="teacher (weak supervisor)")
    left.plot(depth, [r["w2s_acc"] for r in rows], "o-", color="#e07b39", label="student on its labels")
    left.plot(depth, [r["ceiling_acc"] for r in rows], "k--", label="student ceiling (ground truth)")
    left.set(xlabel="teacher depth (MiniLM layers)", ylabel="test accuracy", xticks=depth)
    left.legend(fontsize=8)
    ok = [i for i, r in enumerate(rows) if not math.isnan(r["pgr"])]
    for i in ok:
        r = rows[i]
        lo, hi = r["ci"]
        err = None if math.isnan(lo) else [[r["pgr"] - lo], [hi - r["pgr"]]]
        right.errorbar(depth[i], r["pgr"], yerr=err, fmt="o", color="#e07b39", capsize=4)
    for i in set(range(len(rows))) - set(ok):
        right.annotate("undefined", (depth[i], 0), ha="center", fontsize=8, color="grey")
    right.axhline(0, color="grey", linewidth=0.8)
    right.set(xlabel="teacher depth (MiniLM layers)", ylabel="PGR (95% CI)", xticks=depth,
              title="PGR per teacher")
    fig = left.figure
    fig.tight_layout()
    return fig


def teacher_widget(config: W2SConfig, teachers=TEACHERS, student: str = STUDENT):
    """Pick a teacher; the panel shows that run's bars (teacher, student, ceiling) and PGR. A teacher
    that already ran is drawn from memory; a new one runs the pipeline once (seconds in SMOKE mode,
    about a minute per seed in full mode). Errors appear in the panel."""
    import ipywidgets as widgets
    from matplotlib.figure import Figure

    from ..report.plots import plot_result

    controls = {"teacher": widgets.ToggleButtons(options=list(teachers), value=list(teachers)[0],
                                                 description="teacher")}

    def draw(values):
        result = run_teacher(config, values["teacher"], student)
        fig = Figure(figsize=(5.5, 3.8))
        plot_result(result, ax=fig.subplots())
        return fig, result.table()

    return plot_panel(controls, draw, button="Show")


# ------------------------------------------------------------------------------------------ self-training
def self_train(train, predict, x, first_targets, rounds: int) -> list:
    """Self-training: train on ``first_targets``, then ``rounds`` times relabel ``x`` with the latest
    model's own hard predictions and train a fresh model on them. ``train(x, targets) -> model`` with
    (N, 2) targets; ``predict(model, x) -> (N, 2)`` probabilities. Returns the ``rounds + 1`` models."""
    models = [train(x, first_targets)]
    for _ in range(rounds):
        own = synthetic.one_hot(np.asarray(predict(models[-1], x)).argmax(axis=1))
        models.append(train(x, own))
    return models


def run_self_training(rounds: int = 3, n: int = 2000, weak_noise: float = 0.25, seed: int = 0) -> dict:
    """Lesson 02's world: a student on weak soft labels, then ``rounds`` of self-training.

    Returns ``{"weak_acc", "ceiling_acc", "student_acc": [per round], "pgr": [per round],
    "disagree": [per round, how often the model's prediction on train_strong differs from the hard
    version of the labels it was trained on]}``.
    """
    data = synthetic.make_task(int(1.3 * 3 * n) + 100, weak_noise=weak_noise, seed=seed)
    parts = synthetic.make_splits(data["y"], n, n, n, seed=seed)
    xw, xs, y = data["x_weak"], data["x_strong"], data["y"]
    tw, ts, te = parts["train_weak"], parts["train_strong"], parts["test"]
    weak_probs = synthetic.weak_soft_labels(xw[tw], y[tw], xw[ts], seed=seed)
    weak_acc = accuracy(synthetic.weak_soft_labels(xw[tw], y[tw], xw[te], seed=seed), y[te])
    ceiling = synthetic.train_classifier(xs[tw], synthetic.one_hot(y[tw]), seed=seed + 1)
    ceiling_acc = accuracy(synthetic.predict_proba(ceiling, xs[te]), y[te])

    def train(x, targets):
        return synthetic.train_classifier(x, targets, seed=seed + 2)

    models = self_train(train, synthetic.predict_proba, xs[ts], weak_probs, rounds)
    labels = [weak_probs.argmax(1)] + [synthetic.predict_proba(m, xs[ts]).argmax(1) for m in models]
    accs = [accuracy(synthetic.predict_proba(m, xs[te]), y[te]) for m in models]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PGRUndefinedWarning)
        pgrs = [pgr(weak_acc, a, ceiling_acc) for a in accs]
    return {"weak_acc": weak_acc, "ceiling_acc": ceiling_acc, "student_acc": accs, "pgr": pgrs,
            "disagree": [float((a != b).mean()) for a, b in zip(labels[:-1], labels[1:])]}
