"""Evaluation metrics for weak-to-strong experiments.

The central number is the *performance gap recovered* (PGR, Burns et al., 2023)::

    PGR = (w2s_acc - weak_acc) / (ceiling_acc - weak_acc)

* ``weak_acc``    -- accuracy of the weak supervisor,
* ``w2s_acc``     -- accuracy of the strong student trained on weak labels,
* ``ceiling_acc`` -- accuracy of the strong model trained on true labels.

PGR = 0 means the student only matched its supervisor; PGR = 1 means it
reached the ceiling. Helpers here also measure whether the student copies
its supervisor's mistakes and put a bootstrap confidence interval on PGR.

All functions accept numpy arrays, Python lists or torch tensors.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import roc_auc_score

__all__ = [
    "PGRUndefinedWarning",
    "accuracy",
    "auroc",
    "pgr",
    "agreement_by_supervisor",
    "bootstrap_pgr_ci",
    "paired_difference",
    "summarize",
]


class PGRUndefinedWarning(UserWarning):
    """Warned when PGR cannot be computed because the ceiling is not above the weak model."""


def _to_numpy(x) -> np.ndarray:
    """Convert a list, numpy array or torch tensor to a numpy array."""
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _predictions(probs) -> np.ndarray:
    """Predicted classes: argmax of (N, C) scores, or ``p > 0.5`` for (N,) class-1 probabilities."""
    probs = _to_numpy(probs)
    if probs.ndim == 1:
        return (probs > 0.5).astype(int)
    if probs.ndim == 2:
        return probs.argmax(axis=1)
    raise ValueError(f"probs must have shape (N,) or (N, C); got {probs.shape}")


def _mean_or_nan(values: np.ndarray) -> float:
    """Mean of ``values`` as a float, or nan when there are none."""
    return float(values.mean()) if values.size else float("nan")


def accuracy(probs, labels) -> float:
    """Fraction of examples whose predicted class equals the label.

    Args:
        probs: (N, C) class probabilities or logits (prediction = argmax), or
            (N,) probabilities of class 1 (prediction = 1 when p > 0.5).
        labels: (N,) integer class labels.
    """
    preds = _predictions(probs)
    labels = _to_numpy(labels)
    if preds.shape != labels.shape or labels.size == 0:
        raise ValueError(f"need N >= 1 predictions and N labels; got {preds.shape} and {labels.shape}")
    return float((preds == labels).mean())


def auroc(probs, labels) -> float:
    """Area under the ROC curve for a binary task.

    The score of an example is its class-1 probability for (N,) input, or
    ``probs[:, 1] - probs[:, 0]`` for (N, 2) input (this ranks examples like
    the class-1 probability, and also works when given logits).
    Returns nan when ``labels`` contain only one class (AUROC is undefined).
    """
    probs = _to_numpy(probs).astype(float)
    labels = _to_numpy(labels)
    if probs.ndim == 2:
        if probs.shape[1] != 2:
            raise ValueError(f"auroc is for binary tasks; got {probs.shape[1]} classes")
        probs = probs[:, 1] - probs[:, 0]
    if probs.shape != labels.shape:
        raise ValueError(f"probs and labels disagree on N: {probs.shape} vs {labels.shape}")
    if np.unique(labels).size < 2:
        return float("nan")
    return float(roc_auc_score(labels, probs))


def pgr(weak_acc: float, w2s_acc: float, ceiling_acc: float) -> float:
    """Performance gap recovered: ``(w2s - weak) / (ceiling - weak)``.

    Can be negative (student worse than its supervisor) or above 1 (student
    better than the ceiling). When the ceiling is not above the weak model
    the gap is zero or negative, PGR is meaningless: a
    :class:`PGRUndefinedWarning` is issued and nan returned.
    """
    weak_acc, w2s_acc, ceiling_acc = float(weak_acc), float(w2s_acc), float(ceiling_acc)
    if not ceiling_acc > weak_acc:
        warnings.warn(
            "PGR is undefined because the strong ceiling is not above the weak supervisor "
            f"(ceiling_acc={ceiling_acc:.4g}, weak_acc={weak_acc:.4g}, w2s_acc={w2s_acc:.4g})",
            PGRUndefinedWarning,
            stacklevel=2,
        )
        return float("nan")
    return (w2s_acc - weak_acc) / (ceiling_acc - weak_acc)


def agreement_by_supervisor(student_pred, supervisor_pred, labels) -> dict:
    """How often the student agrees with its supervisor, split by whether the supervisor was right.

    High agreement where the supervisor is *wrong* means the student copies
    its supervisor's mistakes; low agreement there means it corrects them.

    Args:
        student_pred, supervisor_pred, labels: (N,) predicted / true classes.

    Returns:
        ``{"overall": float,
        "supervisor_right": {"n": int, "agreement": float},
        "supervisor_wrong": {"n": int, "agreement": float}}``;
        an agreement is nan when its group is empty.
    """
    student, supervisor, labels = (_to_numpy(a) for a in (student_pred, supervisor_pred, labels))
    if not student.shape == supervisor.shape == labels.shape or student.ndim != 1:
        raise ValueError(
            f"need three (N,) arrays; got {student.shape}, {supervisor.shape}, {labels.shape}"
        )
    agree = student == supervisor
    right = supervisor == labels
    return {
        "overall": _mean_or_nan(agree),
        "supervisor_right": {"n": int(right.sum()), "agreement": _mean_or_nan(agree[right])},
        "supervisor_wrong": {"n": int((~right).sum()), "agreement": _mean_or_nan(agree[~right])},
    }


def _paired_bootstrap(correct: tuple, n_boot: int, alpha: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate k 0/1 correctness arrays of one shape (n_seeds, n_test) and resample them *paired*: each
    replicate draws seeds and test examples with replacement, the same indices for every array.
    Returns ``(stacked, accs)``: the (k, n_seeds, n_test) data and the (n_boot, k) replicate accuracies."""
    arrays = [np.atleast_2d(_to_numpy(a)).astype(float) for a in correct]
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 2:
        raise ValueError(f"need {len(arrays)} arrays of equal shape (n_seeds, n_test); got {[a.shape for a in arrays]}")
    stacked = np.stack(arrays)
    if stacked.size == 0 or not np.isin(stacked, (0.0, 1.0)).all():
        raise ValueError("correctness arrays must be non-empty and contain only 0/1")
    if n_boot < 1 or not 0 < alpha < 1:
        raise ValueError(f"need n_boot >= 1 and 0 < alpha < 1; got n_boot={n_boot}, alpha={alpha}")
    _, n_seeds, n_test = stacked.shape
    rng = np.random.default_rng(seed)
    seed_idx = rng.integers(0, n_seeds, size=(n_boot, n_seeds))
    example_idx = rng.integers(0, n_test, size=(n_boot, n_test))
    accs = np.empty((n_boot, len(arrays)))
    for b in range(n_boot):
        accs[b] = stacked[:, seed_idx[b]][:, :, example_idx[b]].mean(axis=(1, 2))
    return stacked, accs


def bootstrap_pgr_ci(
    weak_correct,
    w2s_correct,
    ceiling_correct,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval for PGR.

    Each argument holds 0/1 correctness per example, shape (n_seeds, n_test)
    (a 1-D array is one seed). The three models are paired: same seeds, same
    test examples. Each replicate resamples seeds with replacement and test
    examples with replacement, using the *same* indices for all three models,
    then computes the three mean accuracies and their PGR. Replicates where
    the ceiling is not above the weak model (PGR undefined) are dropped.

    Returns:
        ``(low, high)``: the ``alpha/2`` and ``1 - alpha/2`` percentiles of the
        finite replicate PGRs, or ``(nan, nan)`` with a
        :class:`PGRUndefinedWarning` when fewer than half are finite.
    """
    _, accs = _paired_bootstrap((weak_correct, w2s_correct, ceiling_correct), n_boot, alpha, seed)
    weak, w2s, ceiling = accs.T
    gap = ceiling - weak
    defined = gap > 0
    pgrs = (w2s[defined] - weak[defined]) / gap[defined]
    if pgrs.size < n_boot / 2:
        warnings.warn(
            f"PGR is undefined in {n_boot - pgrs.size} of {n_boot} bootstrap replicates "
            "(the strong ceiling is not above the weak supervisor); returning (nan, nan)",
            PGRUndefinedWarning,
            stacklevel=2,
        )
        return float("nan"), float("nan")
    low, high = np.percentile(pgrs, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(low), float(high)


def paired_difference(
    weak_correct,
    a_correct,
    b_correct,
    ceiling_correct,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> dict:
    """How much method ``b`` beats method ``a``, with a *paired* percentile bootstrap interval.

    The four arguments are 0/1 correctness of shape (n_seeds, n_test), as in :func:`bootstrap_pgr_ci`:
    two students trained on the same weak labels (``a`` and ``b``, e.g. xent and logconf), their
    supervisor and their ceiling, on the same seeds and test examples. Each replicate resamples seeds
    and test examples with the same indices for all four, so the differences that two methods share
    (a hard seed, an easy test set) cancel; an unpaired interval would be several times wider.

    Returns a dict: ``acc_diff`` (mean accuracy of b minus a), ``acc_ci``, ``pgr_diff`` (PGR of b minus
    PGR of a, which is ``acc_diff`` over the gap), ``pgr_ci`` (replicates whose gap is not positive are
    dropped), ``per_seed`` (accuracy differences), and ``wins`` (seeds where b beat a).
    """
    stacked, accs = _paired_bootstrap((weak_correct, a_correct, b_correct, ceiling_correct), n_boot, alpha, seed)
    weak, a, b_, ceiling = accs.T
    gap = ceiling - weak
    defined = gap > 0
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    mean = stacked.mean(axis=(1, 2))
    full_gap = mean[3] - mean[0]
    pgr_ci = (tuple(float(v) for v in np.percentile((b_ - a)[defined] / gap[defined], q))
              if defined.sum() >= n_boot / 2 else (float("nan"), float("nan")))
    per_seed = (stacked[2].mean(axis=1) - stacked[1].mean(axis=1)).tolist()
    return {
        "acc_diff": float(mean[2] - mean[1]),
        "acc_ci": tuple(float(v) for v in np.percentile(b_ - a, q)),
        "pgr_diff": float((mean[2] - mean[1]) / full_gap) if full_gap > 0 else float("nan"),
        "pgr_ci": pgr_ci,
        "per_seed": per_seed,
        "wins": int(sum(d > 0 for d in per_seed)),
    }


def summarize(values) -> dict:
    """Mean, standard deviation and count of per-seed values (e.g. accuracies).

    The standard deviation uses ``ddof=1`` (sample std) when there are at
    least two values, and is 0 for a single value.
    """
    values = _to_numpy(values).astype(float).ravel()
    if values.size == 0:
        raise ValueError("summarize needs at least one value")
    std = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return {"mean": float(values.mean()), "std": std, "n": int(values.size)}
