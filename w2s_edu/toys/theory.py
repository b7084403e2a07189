"""Lesson 06's small worlds: why weak-to-strong generalization can work, and when it cannot.

* **The misfit world** (Charikar, Pabbaraju and Shiragur, 2024). Six latent factors ``x``; the strong
  representation is a fixed random feature map ``phi(x)`` (a constant and 30 ``tanh`` features) and
  the target is *linear* in it, ``f*(x) = phi(x) @ w*`` with ``w* >= 0``, so it lies in the strong
  class (linear heads on ``phi``) and in the convex cone of nonnegative heads. The weak supervisor is
  a quadratic regression on a few factors, seen through noise, trained on ground truth: it is not
  in the strong class. The student fits ``phi`` to the weak predictions by least squares
  (:func:`least_squares_student`) or by nonnegative least squares (:func:`nonnegative_student`).
  With ``realisable=False`` the target gains a term the strong features cannot represent, which the
  supervisor may know (``weak_knows_private``).
* **The coverage world** (Lang, Sontag and Vijayaraghavan, 2024). Points of a 2-D strong
  representation in eight clusters around a circle, each cluster one label (alternating). The
  supervisor labels only a random part of the points (its *coverage*) and abstains (-1) on the rest;
  a share ``weak_error`` of its labels is wrong, either scattered at random over the covered points
  or concentrated on whole clusters. The student is a k-nearest-neighbour vote over the labelled
  points (:func:`knn_student`); ``k`` sets its capacity (``k = 1`` fits every weak label exactly).

Everything is numpy (and scipy's NNLS), seeded, and runs in well under a second per call.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

N_LATENT, N_FEATURES, WORLD_SEED = 6, 30, 1234
_RNG = np.random.default_rng(WORLD_SEED)
_A = _RNG.normal(size=(N_LATENT, N_FEATURES)) * 1.5 / np.sqrt(N_LATENT)
_B = _RNG.normal(size=N_FEATURES) * 0.5
W_STAR = np.r_[0.0, np.abs(_RNG.normal(size=N_FEATURES)) * 2 / np.sqrt(N_FEATURES)]  # f* = phi @ W_STAR
PRIVATE_SCALE = 0.8

N_CLUSTERS, RADIUS, SPREAD = 8, 4.0, 0.6
CENTRES = RADIUS * np.c_[np.cos(2 * np.pi * np.arange(N_CLUSTERS) / N_CLUSTERS),
                         np.sin(2 * np.pi * np.arange(N_CLUSTERS) / N_CLUSTERS)]
ERROR_KINDS = ("random", "clustered")


# ------------------------------------------------------------------------------------ the misfit world
def strong_features(x) -> np.ndarray:
    """The strong representation ``phi(x)``: a constant column and 30 fixed random ``tanh`` features."""
    x = np.asarray(x, dtype=float)
    return np.c_[np.ones(len(x)), np.tanh(x @ _A + _B)]


def private_term(x) -> np.ndarray:
    """``sign(x0 * x1)``: a function of the factors that the strong features represent poorly."""
    x = np.asarray(x, dtype=float)
    return np.sign(x[:, 0] * x[:, 1])


def target_function(x, realisable: bool = True) -> np.ndarray:
    """``f*(x) = phi(x) @ W_STAR``, plus ``PRIVATE_SCALE * private_term(x)`` when not realisable."""
    f = strong_features(x) @ W_STAR
    return f if realisable else f + PRIVATE_SCALE * private_term(x)


def _weak_inputs(x, view: int, noise: float, rng, private: bool) -> np.ndarray:
    v = x[:, :view] + noise * rng.normal(size=(len(x), view))
    cols = [np.ones(len(x)), v, v ** 2] + ([private_term(x)] if private else [])
    return np.column_stack(cols)


def regression_world(n_train: int = 2000, n_test: int = 2000, n_weak: int = 300, weak_view: int = 3,
                     weak_noise: float = 0.5, realisable: bool = True, weak_knows_private: bool = False,
                     seed: int = 0) -> dict:
    """Draw the misfit world: ``{"train": {...}, "test": {...}, "weak_r2": float}``.

    Each part holds ``x`` (n, 6), ``features`` (n, 31, the strong representation), ``target`` (n,)
    and ``weak`` (n,): the supervisor's predictions. The supervisor is a least-squares fit of
    ``[1, v, v**2]`` (``v`` = the first ``weak_view`` factors plus Gaussian noise of size
    ``weak_noise``, fresh for every example; with ``weak_knows_private`` also :func:`private_term`)
    to the target on ``n_weak`` separate examples. ``weak_r2`` is its R^2 on the test part.
    """
    if not 1 <= weak_view <= N_LATENT:
        raise ValueError(f"weak_view must be between 1 and {N_LATENT}, got {weak_view}")
    rng = np.random.default_rng(seed)
    x_weak, x_train, x_test = (rng.normal(size=(n, N_LATENT)) for n in (n_weak, n_train, n_test))
    inputs = _weak_inputs(x_weak, weak_view, weak_noise, rng, weak_knows_private)
    coef = np.linalg.lstsq(inputs, target_function(x_weak, realisable), rcond=None)[0]
    world = {}
    for name, x in (("train", x_train), ("test", x_test)):
        world[name] = {"x": x, "features": strong_features(x), "target": target_function(x, realisable),
                       "weak": _weak_inputs(x, weak_view, weak_noise, rng, weak_knows_private) @ coef}
    t = world["test"]
    world["weak_r2"] = float(1 - np.mean((t["weak"] - t["target"]) ** 2) / np.var(t["target"]))
    return world


def least_squares_student(features, weak) -> np.ndarray:
    """The coefficients ``w`` minimising ``||features @ w - weak||^2`` (the minimum-norm one if several do)."""
    return np.linalg.lstsq(np.asarray(features, dtype=float), np.asarray(weak, dtype=float).ravel(), rcond=None)[0]


def nonnegative_student(features, weak) -> np.ndarray:
    """Least squares over ``w >= 0``: the projection onto a convex cone that is not a subspace."""
    return nnls(np.asarray(features, dtype=float), np.asarray(weak, dtype=float).ravel())[0]


def misfit_and_gain(student, weak, target) -> dict:
    """Mean squared distances on one sample: ``err_weak`` (weak to target), ``err_student``, ``misfit``
    (student to weak), ``gain = err_weak - err_student`` and ``slack = gain - misfit``."""
    s, w, t = (np.asarray(a, dtype=float).ravel() for a in (student, weak, target))
    err_weak, err_student, misfit = (float(np.mean((a - b) ** 2)) for a, b in ((w, t), (s, t), (s, w)))
    gain = err_weak - err_student
    return {"err_weak": err_weak, "err_student": err_student, "misfit": misfit, "gain": gain,
            "slack": gain - misfit}


def misfit_run(world: dict, student=least_squares_student, measure=misfit_and_gain) -> dict:
    """Fit ``student(features, weak)`` on the world's train part; ``measure(student, weak, target)``
    (:func:`misfit_and_gain`) on the train and the test parts: ``{"train": ..., "test": ...}``."""
    coef = student(world["train"]["features"], world["train"]["weak"])
    return {part: measure(world[part]["features"] @ coef, world[part]["weak"], world[part]["target"])
            for part in ("train", "test")}


def misfit_sweep(views=(1, 2, 3, 4, 5, 6), noises=(0.0, 0.5, 1.0), seed: int = 0, student=least_squares_student,
                 measure=misfit_and_gain, **world_kwargs) -> list[dict]:
    """One row per supervisor (``weak_view`` x ``weak_noise``): its settings and :func:`misfit_run`."""
    return [{"view": v, "noise": z, **misfit_run(regression_world(weak_view=v, weak_noise=z, seed=seed,
                                                                  **world_kwargs), student, measure)}
            for v in views for z in noises]


# ------------------------------------------------------------------------------------ the coverage world
def wrong_clusters(weak_error: float) -> np.ndarray:
    """The clusters a ``clustered`` supervisor gets wrong: ``round(weak_error * 8)`` of them, spread out."""
    m = int(round(weak_error * N_CLUSTERS))
    return np.sort(np.random.default_rng(WORLD_SEED).permutation(N_CLUSTERS)[:m])


def coverage_world(n: int, coverage: float = 0.6, weak_error: float = 0.25, errors: str = "random",
                   seed: int = 0) -> dict:
    """Draw ``n`` points: ``{"x": (n, 2), "y", "cluster", "covered" (bool), "weak"}``.

    ``weak`` is the supervisor's label: -1 (it abstains) where not covered; on covered points the
    true label, except on a share ``weak_error`` of them: a random subset (``errors="random"``), or
    every covered point of :func:`wrong_clusters` (``"clustered"``, the same share on average).
    """
    if errors not in ERROR_KINDS:
        raise ValueError(f"errors must be one of {ERROR_KINDS}, got {errors!r}")
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, N_CLUSTERS, n)
    x = CENTRES[cluster] + SPREAD * rng.normal(size=(n, 2))
    y = cluster % 2
    covered = rng.random(n) < coverage
    weak = np.where(covered, y, -1)
    idx = np.flatnonzero(covered)
    if errors == "random":
        wrong = rng.choice(idx, size=int(round(weak_error * len(idx))), replace=False)
    else:
        wrong = idx[np.isin(cluster[idx], wrong_clusters(weak_error))]
    weak[wrong] = 1 - weak[wrong]
    return {"x": x, "y": y, "cluster": cluster, "covered": covered, "weak": weak}


def knn_student(train_x, train_labels, query_x, k: int) -> np.ndarray:
    """0/1 predictions: the majority label of the ``k`` nearest training points whose label is not -1."""
    train_x, labels, query_x = np.asarray(train_x, float), np.asarray(train_labels), np.asarray(query_x, float)
    keep = labels >= 0
    train_x, labels = train_x[keep], labels[keep]
    if not 1 <= k <= len(labels):
        raise ValueError(f"k must be between 1 and the number of labelled points ({len(labels)}), got {k}")
    out = np.empty(len(query_x), dtype=np.int64)
    for start in range(0, len(query_x), 512):  # chunks keep the distance matrix small
        q = query_x[start: start + 512]
        d = ((q[:, None, :] - train_x[None, :, :]) ** 2).sum(axis=-1)
        nearest = np.argpartition(d, k - 1, axis=1)[:, :k]
        out[start: start + 512] = (2 * labels[nearest].sum(axis=1) > k).astype(np.int64)
    return out


def neighbour_support(train_x, weak, y, k: int = 15) -> float:
    """Lang et al.'s intuition, measured: over the wrong weak labels, the mean share of their ``k``
    nearest *other* labelled points whose weak label is right (above 0.5: a vote outnumbers the mistake)."""
    train_x, weak, y = np.asarray(train_x, float), np.asarray(weak), np.asarray(y)
    lab = np.flatnonzero(weak >= 0)
    wrong = lab[weak[lab] != y[lab]]
    if not len(wrong):
        return float("nan")
    d = ((train_x[wrong][:, None, :] - train_x[lab][None, :, :]) ** 2).sum(axis=-1)
    d[np.arange(len(wrong)), np.searchsorted(lab, wrong)] = np.inf  # not its own vote
    nearest = lab[np.argpartition(d, k - 1, axis=1)[:, :k]]
    return float((weak[nearest] == y[nearest]).mean())


def fixed_and_copied(weak_correct, student_correct) -> dict:
    """What the student did with its supervisor's answers, from 0/1 correctness arrays of one shape.

    Fractions of all entries: ``fixed`` (supervisor wrong, student right), ``copied`` (both wrong),
    ``broken`` (supervisor right, student wrong); ``gain = student_acc - weak_acc = fixed - broken``;
    ``disagreement = fixed + broken`` (binary labels); ``fixed_share = fixed / (fixed + copied)``, the
    share of the supervisor's mistakes that the student fixed (nan when it made none)."""
    w, s = np.asarray(weak_correct).astype(bool), np.asarray(student_correct).astype(bool)
    if w.shape != s.shape or w.size == 0:
        raise ValueError(f"weak_correct and student_correct need one non-empty shape, got {w.shape} and {s.shape}")
    fixed, copied, broken = float(np.mean(~w & s)), float(np.mean(~w & ~s)), float(np.mean(w & ~s))
    return {"n": int(w.size), "weak_acc": float(w.mean()), "student_acc": float(s.mean()),
            "gain": float(s.mean() - w.mean()), "disagreement": float(np.mean(w != s)), "fixed": fixed,
            "copied": copied, "broken": broken,
            "fixed_share": fixed / (fixed + copied) if fixed + copied > 0 else float("nan")}


def coverage_experiment(errors: str = "random", k: int = 31, n: int = 2000, coverage: float = 0.6,
                        weak_error: float = 0.25, seed: int = 0, student=knn_student,
                        breakdown=fixed_and_copied) -> dict:
    """Train the k-NN ``student`` on a world's labelled points; measure it on a fresh test world.

    Returns ``covered`` (``breakdown``, :func:`fixed_and_copied`, on covered test points), ``uncovered_acc`` (the
    student's accuracy where the supervisor abstained), ``train_agreement`` (how often the student
    reproduces its own training labels) and ``support`` (:func:`neighbour_support` on the train world).
    """
    train = coverage_world(n, coverage, weak_error, errors, seed=seed)
    test = coverage_world(n, coverage, weak_error, errors, seed=seed + 10_000)
    pred = np.asarray(student(train["x"], train["weak"], test["x"], k))
    lab = train["weak"] >= 0
    fit = np.asarray(student(train["x"], train["weak"], train["x"][lab], k))
    cov = test["covered"]
    return {"errors": errors, "k": k,
            "covered": breakdown(test["weak"][cov] == test["y"][cov], pred[cov] == test["y"][cov]),
            "uncovered_acc": float(np.mean(pred[~cov] == test["y"][~cov])),
            "train_agreement": float(np.mean(fit == train["weak"][lab])),
            "support": neighbour_support(train["x"], train["weak"], train["y"])}


def capacity_sweep(ks=(1, 3, 7, 15, 31, 63, 127, 255), errors=ERROR_KINDS, seeds=(0,), **kwargs) -> list[dict]:
    """:func:`coverage_experiment` for every ``k``, kind of error and seed (one row each)."""
    errors = (errors,) if isinstance(errors, str) else tuple(errors)
    return [coverage_experiment(e, k, seed=s, **kwargs) for e in errors for k in ks for s in seeds]
