"""Checks for lesson 05 (measuring the gap): a sweep that trains each supervisor once, a paired
bootstrap interval for PGR, PGR's sensitivity to small errors, and early stopping."""

from __future__ import annotations

import itertools
import math
from typing import Callable

import numpy as np

from . import checked_call, close, passed

_run = checked_call

__all__ = ["check_sweep", "check_bootstrap_pgr_ci", "check_pgr_sensitivity", "check_early_stop"]


# ------------------------------------------------------------------------------------------ sweep
def check_sweep(fn: Callable) -> None:
    """``sweep(weak_models, strong_models, train_weak, train_student) -> {(weak, strong): result}``."""
    weak_models, strong_models = ["w-small", "w-mid", "w-big"], ["s-a", "s-b"]
    calls = {"weak": [], "student": []}

    def train_weak(name):
        calls["weak"].append(name)
        return f"labels from {name}"

    def train_student(strong, labels):
        calls["student"].append((strong, labels))
        return {"strong": strong, "labels": labels}

    out = _run(fn, weak_models, strong_models, train_weak, train_student, exercise="sweep", what="sweep(...)")
    if not isinstance(out, dict):
        raise AssertionError(f"sweep returned {type(out).__name__}; expected a dict keyed by (weak, strong) pairs.")
    want = set(itertools.product(weak_models, strong_models))
    if set(out) != want:
        raise AssertionError(f"sweep returned keys {sorted(out)}; expected every (weak, strong) pair: {sorted(want)}.")
    for (weak, strong), result in out.items():
        if result != {"strong": strong, "labels": f"labels from {weak}"}:
            raise AssertionError(f"the result for ({weak!r}, {strong!r}) is {result!r}: the student {strong!r} must be "
                                 f"trained on the labels of {weak!r}.")
    if sorted(calls["weak"]) != sorted(weak_models):
        counts = {w: calls["weak"].count(w) for w in weak_models}
        raise AssertionError(f"train_weak was called {len(calls['weak'])} times ({counts}); each supervisor must train "
                             "once and label data for every student (train it in the outer loop, or cache it).")
    if len(calls["student"]) != len(want):
        raise AssertionError(f"train_student was called {len(calls['student'])} times; expected once per pair "
                             f"({len(want)}).")
    passed("sweep", 4)


# ------------------------------------------------------------------------------------------ bootstrap
def _paired_data(n: int = 400, seed: int = 0):
    """Weak right on 60%, ceiling on 80%, the student = weak plus 10% more: strongly paired models."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    weak, w2s, ceiling = (np.zeros(n, dtype=int) for _ in range(3))
    weak[order[: int(0.6 * n)]] = 1
    w2s[order[: int(0.7 * n)]] = 1
    ceiling[order[: int(0.8 * n)]] = 1
    return weak, w2s, ceiling


def _widths(weak, w2s, ceiling, n_boot: int = 2000, seed: int = 123) -> tuple[float, float]:
    """Interval widths of the paired bootstrap and of a wrong, independent one."""
    rng = np.random.default_rng(seed)
    n = len(weak)
    paired, independent = [], []
    for _ in range(n_boot):
        i = rng.integers(0, n, n)
        paired.append((w2s[i].mean() - weak[i].mean()) / (ceiling[i].mean() - weak[i].mean()))
        a, b, c = (x[rng.integers(0, n, n)].mean() for x in (weak, w2s, ceiling))
        if c > a:
            independent.append((b - a) / (c - a))
    width = [float(np.subtract(*np.percentile(v, [97.5, 2.5]))) for v in (paired, independent)]
    return width[0], width[1]


def check_bootstrap_pgr_ci(fn: Callable) -> None:
    """``bootstrap_pgr_ci(weak_correct, w2s_correct, ceiling_correct, n_boot, seed) -> (low, high)``."""
    weak, w2s, ceiling = _paired_data()
    point = (w2s.mean() - weak.mean()) / (ceiling.mean() - weak.mean())
    out = _run(fn, weak, w2s, ceiling, 1000, 0, exercise="bootstrap_pgr_ci", what="bootstrap_pgr_ci(...)")
    try:
        low, high = (float(v) for v in out)
    except (TypeError, ValueError):
        raise AssertionError(f"bootstrap_pgr_ci returned {out!r}; expected a pair (low, high) of floats.") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise AssertionError(f"bootstrap_pgr_ci returned ({low}, {high}); expected finite low < high.")
    if not low < point < high:
        raise AssertionError(f"the interval ({low:.3f}, {high:.3f}) does not contain the PGR of the data itself "
                             f"({point:.3f}).")
    again = _run(fn, weak, w2s, ceiling, 1000, 0, exercise="bootstrap_pgr_ci", what="bootstrap_pgr_ci(...)")
    if tuple(float(v) for v in again) != (low, high):
        raise AssertionError("two calls with the same seed gave different intervals: draw every random number from "
                             "np.random.default_rng(seed).")
    paired, independent = _widths(weak, w2s, ceiling)
    width = high - low
    if width > (paired + independent) / 2:
        raise AssertionError(f"the interval is {width:.3f} wide; a paired bootstrap gives about {paired:.3f} here, "
                             f"resampling each model separately about {independent:.3f}. The three models were "
                             "scored on the same test examples: resample the example *indices* once per replicate "
                             "and use them for all three.")
    if width < 0.6 * paired:
        raise AssertionError(f"the interval is only {width:.3f} wide (a paired bootstrap gives about {paired:.3f}): "
                             "resample n indices *with replacement* (rng.integers(0, n, n)), not a permutation.")
    passed("bootstrap_pgr_ci", 5)


# ------------------------------------------------------------------------------------------ sensitivity
def _sensitivity(weak, w2s, ceiling, eps):
    if (ceiling - eps) - (weak + eps) <= 0:
        return -math.inf, math.inf
    values = [(b - a) / (c - a) for a, b, c in itertools.product(*[(x - eps, x + eps) for x in (weak, w2s, ceiling)])]
    return min(values), max(values)


def check_pgr_sensitivity(fn: Callable) -> None:
    """``pgr_sensitivity(weak, w2s, ceiling, eps) -> (min, max)`` PGR when each accuracy may move by +-eps."""
    cases = [(0.60, 0.65, 0.80, 0.01), (0.60, 0.65, 0.80, 0.0), (0.70, 0.72, 0.74, 0.01), (0.58, 0.61, 0.70, 0.02),
             (0.70, 0.71, 0.71, 0.01), (0.62, 0.50, 0.75, 0.01)]
    for args in cases:
        out = _run(fn, *args, exercise="pgr_sensitivity", what=f"pgr_sensitivity{args}")
        try:
            low, high = (float(v) for v in out)
        except (TypeError, ValueError):
            raise AssertionError(f"pgr_sensitivity{args} returned {out!r}; expected a pair (min, max).") from None
        want = _sensitivity(*args)
        if math.isinf(want[0]):
            if not (low == -math.inf and high == math.inf):
                raise AssertionError(f"pgr_sensitivity{args}: within +-{args[3]} the ceiling can fall to or below the "
                                     f"supervisor, so PGR can be anything: return (-inf, inf), got ({low}, {high}).")
            continue
        if not (close(low, want[0], 1e-9) and close(high, want[1], 1e-9)):
            narrow = (high - low) < (want[1] - want[0]) - 1e-9
            hint = (" Your range is too narrow: each of the three accuracies may move by +-eps on its own, "
                    "so try all 8 corners." if narrow else "")
            raise AssertionError(f"pgr_sensitivity{args} returned ({low:.4f}, {high:.4f}), expected "
                                 f"({want[0]:.4f}, {want[1]:.4f}).{hint}")
    passed("pgr_sensitivity", len(cases))


# ------------------------------------------------------------------------------------------ early stopping
def _early_stop(steps, accs, patience):
    best, best_step, waited = -math.inf, None, 0
    for step, acc in zip(steps, accs):
        if acc > best:
            best, best_step, waited = acc, step, 0
        else:
            waited += 1
            if patience is not None and waited >= patience:
                return best_step, step
    return best_step, steps[-1]


def check_early_stop(fn: Callable) -> None:
    """``early_stop(eval_steps, eval_acc, patience) -> (best_step, stop_step)``."""
    steps = [25, 50, 75, 100, 125, 150, 175, 200]
    cases = [([.60, .65, .70, .69, .68, .71, .66, .65], 2), ([.60, .65, .70, .69, .68, .71, .66, .65], 3),
             ([.60, .65, .70, .69, .68, .71, .66, .65], None), ([.60, .62, .62, .61, .60, .59, .58, .57], 2),
             ([.70, .69, .68, .67, .66, .65, .64, .63], 1), ([.5, .6, .7, .8, .81, .82, .83, .84], 2)]
    for accs, patience in cases:
        out = _run(fn, steps, accs, patience, exercise="early_stop", what=f"early_stop(steps, {accs}, {patience})")
        want = _early_stop(steps, accs, patience)
        if tuple(out) != want:
            hint = ""
            if accs[2] == accs[1] and tuple(out)[0] == 75:
                hint = " A tie is not an improvement: keep the earlier best."
            elif patience is None:
                hint = " With patience None training never stops early: stop_step is the last evaluation."
            raise AssertionError(f"early_stop(steps={steps}, accs={accs}, patience={patience}) returned {tuple(out)}, "
                                 f"expected {want}.{hint}")
    passed("early_stop", len(cases))
