"""Checks for lesson 05 (measuring the gap): a sweep that trains each supervisor once, a paired
bootstrap interval for PGR, PGR's sensitivity to small errors, early stopping, and the paired test of
whether one method beats another."""

from __future__ import annotations

import itertools
import math
from typing import Callable

import numpy as np

from . import checked_call, close, paired_test, passed, rounded, record_checks

__all__ = ["check_sweep", "check_bootstrap_pgr_ci", "check_pgr_sensitivity", "check_early_stop", "check_does_it_help",
           "HINTS"]

# One nudge per exercise, shown when the learner's code crashes (the lesson's hints have more).
HINTS = {
    "sweep": "loop over the supervisors on the outside: train each once, then reuse its labels for every student.",
    "bootstrap_pgr_ci": "draw every replicate's indices from one generator built from `seed`, use the same indices "
                        "for all three models, skip a replicate whose ceiling is not above the weak accuracy, and "
                        "take the 2.5th and 97.5th percentiles of the PGRs you kept.",
    "pgr_sensitivity": "first ask whether the gap can close: if the lowest ceiling is at or below the highest weak "
                       "accuracy, the answer is (-inf, inf), a gap of exactly zero included; otherwise PGR's extremes "
                       "sit at the 8 corners of the box.",
    "early_stop": "keep the best accuracy so far, its step, and a counter of evaluations without a strict "
                  "improvement; stop at the evaluation where the counter reaches the patience.",
    "does_it_help": "work with arrays of shape (n_seeds, n_test); in each replicate draw seed indices and example "
                    "indices with replacement from one generator built from `seed`, apply the same ones to both "
                    "students, and decide the verdict from whether the interval excludes 0, not from the mean.",
}


def _show(value) -> str:
    """A returned number as the learner would print it (np.float64(0.5) shows as 0.5)."""
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return repr(value)


def _run(fn: Callable, *args, exercise: str, what: str, hint: str | None = None):
    return checked_call(fn, *args, exercise=exercise, what=what, hint=hint or HINTS[exercise])


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


def _interval(fn: Callable, weak, w2s, ceiling, n_boot: int, seed: int, what: str,
              hint: str | None = None) -> tuple[float, float]:
    out = _run(fn, weak.copy(), w2s.copy(), ceiling.copy(), n_boot, seed, exercise="bootstrap_pgr_ci",
               what=what, hint=hint)
    try:
        low, high = (float(v) for v in out)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} returned {out!r}; expected a pair (low, high) of floats.") from None
    return low, high


def _reference_percentiles(n_boot: int = 200_000, seed: int = 99) -> tuple[float, float, float]:
    """The paired bootstrap's 2.5th and 97.5th percentiles on :func:`_paired_data`, and its spread.

    The data hold four kinds of example (right for all three; wrong for the weak model only; right for the
    ceiling only; wrong for all), so a resample is a multinomial draw of their counts: 200,000 replicates cost
    almost nothing and pin the percentiles down far more tightly than any learner's run."""
    n = 400
    counts = np.random.default_rng(seed).multinomial(n, [0.6, 0.1, 0.1, 0.2], size=n_boot)
    values = counts[:, 1] / (counts[:, 1] + counts[:, 2])  # (w2s - weak) / (ceiling - weak), the n cancels
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high), float(values.std())


def _undefined_data(n: int = 200, seed: int = 0):
    """A gap so small that about 1 replicate in 5 has ceiling <= weak (1 in 12 exactly equal).

    Six examples only the ceiling gets right, three only the weak model and its student get right, four
    only the student gets right: per replicate PGR = K_student / (K_ceiling - K_weak), never negative where
    it is defined (K_ceiling > K_weak)."""
    weak, w2s, ceiling = (np.zeros(n, dtype=int) for _ in range(3))
    order = np.random.default_rng(seed).permutation(n)
    everyone, ceiling_only, weak_only, student_only = order[:100], order[100:106], order[106:109], order[109:113]
    for arr in (weak, w2s, ceiling):
        arr[everyone] = 1
    ceiling[ceiling_only] = 1
    weak[weak_only] = w2s[weak_only] = 1
    w2s[student_only] = 1
    return weak, w2s, ceiling


def check_bootstrap_pgr_ci(fn: Callable) -> None:
    """``bootstrap_pgr_ci(weak_correct, w2s_correct, ceiling_correct, n_boot, seed) -> (low, high)``."""
    weak, w2s, ceiling = _paired_data()
    point = (w2s.mean() - weak.mean()) / (ceiling.mean() - weak.mean())
    low, high = _interval(fn, weak, w2s, ceiling, 1000, 0, "bootstrap_pgr_ci(..., n_boot=1000, seed=0)")
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise AssertionError(f"bootstrap_pgr_ci returned ({low}, {high}); expected finite low < high.")
    if not low < point < high:
        raise AssertionError(f"the interval ({low:.3f}, {high:.3f}) does not contain the PGR of the data itself "
                             f"({point:.3f}).")
    again = _interval(fn, weak, w2s, ceiling, 1000, 0, "bootstrap_pgr_ci(..., n_boot=1000, seed=0)")
    if again != (low, high):
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

    other = _interval(fn, weak, w2s, ceiling, 1000, 1, "bootstrap_pgr_ci(..., n_boot=1000, seed=1)")
    if other == (low, high):
        raise AssertionError(f"seed=0 and seed=1 gave the same interval ({low:.4f}, {high:.4f}): the seed is "
                             "ignored. Build the generator from the `seed` argument, np.random.default_rng(seed), "
                             "not from a fixed number.")
    many = _interval(fn, weak, w2s, ceiling, 10_000, 0, "bootstrap_pgr_ci(..., n_boot=10000, seed=0)")
    if many == (low, high):
        raise AssertionError("n_boot=1000 and n_boot=10000 gave the same interval: draw `n_boot` replicates, not "
                             "a fixed number of them.")
    ref_low, ref_high, spread = _reference_percentiles()
    tol = 0.2 * spread  # about 7 Monte Carlo standard errors of a percentile at n_boot = 10000
    if not (abs(many[0] - ref_low) <= tol and abs(many[1] - ref_high) <= tol):
        narrower = many[1] - many[0] < ref_high - ref_low
        hint = (" Your interval is too narrow: is it the 2.5th and 97.5th *percentiles* (a 95% interval), "
                "np.percentile(values, [2.5, 97.5])?" if narrower else
                " Your interval is too wide: the 2.5th and 97.5th percentiles of the replicates' PGRs.")
        raise AssertionError(f"with n_boot=10000 your interval is ({many[0]:.4f}, {many[1]:.4f}); the paired "
                             f"bootstrap's 2.5th and 97.5th percentiles here are ({ref_low:.4f}, {ref_high:.4f}) "
                             f"(within {tol:.3f} for any seed).{hint}")

    weak, w2s, ceiling = _undefined_data()
    what = "bootstrap_pgr_ci on a gap of 3 examples in 200 (about 1 replicate in 5 has ceiling <= weak)"
    skip = ("about 1 replicate in 5 has a ceiling at or below the weak accuracy here, where PGR is undefined: "
            "skip those replicates (if ceiling_mean > weak_mean) and take the percentiles of the others.")
    low, high = _interval(fn, weak, w2s, ceiling, 1000, 0, what, hint=skip)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise AssertionError(f"{what} returned ({low}, {high}): dividing by a zero gap gave inf or nan. In about 1 "
                             "replicate in 12 the ceiling equals the weak accuracy and PGR is undefined: skip the "
                             "replicates where the ceiling is not above the weak accuracy.")
    if low < 0:
        raise AssertionError(f"{what} returned ({low:.3f}, {high:.3f}); every replicate where PGR is defined has "
                             "PGR >= 0 here, so the interval cannot reach below 0. The negative values come from "
                             "replicates with the ceiling *below* the weak accuracy: skip those too (ceiling <= "
                             "weak, not only ceiling == weak).")
    if not low < high:
        raise AssertionError(f"{what} returned ({low}, {high}); expected low < high.")
    passed("bootstrap_pgr_ci", 10)


# ------------------------------------------------------------------------------------------ sensitivity
def _sensitivity(weak, w2s, ceiling, eps):
    if (ceiling - eps) - (weak + eps) <= 0:
        return -math.inf, math.inf
    values = [(b - a) / (c - a) for a, b, c in itertools.product(*[(x - eps, x + eps) for x in (weak, w2s, ceiling)])]
    return min(values), max(values)


def _random_sensitivity_cases(n: int = 40, seed: int = 0) -> list[tuple[float, float, float, float]]:
    """Seeded random (weak, w2s, ceiling, eps), none within 0.005 of the boundary where the gap closes."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < n:
        weak = float(rng.uniform(0.5, 0.8))
        ceiling = weak + float(rng.uniform(0.005, 0.2))
        eps = float(rng.uniform(0.0, 0.04))
        if abs((ceiling - eps) - (weak + eps)) >= 0.005:
            cases.append((weak, float(rng.uniform(weak - 0.05, ceiling + 0.05)), ceiling, eps))
    return cases


def check_pgr_sensitivity(fn: Callable) -> None:
    """``pgr_sensitivity(weak, w2s, ceiling, eps) -> (min, max)`` PGR when each accuracy may move by +-eps."""
    cases = [(0.60, 0.65, 0.80, 0.01), (0.60, 0.65, 0.80, 0.0), (0.70, 0.72, 0.74, 0.01), (0.58, 0.61, 0.70, 0.02),
             (0.70, 0.71, 0.71, 0.01), (0.62, 0.50, 0.75, 0.01),
             (0.5, 0.5625, 0.75, 0.125),  # exact in binary: the gap closes to exactly zero at the worst corner
             (0.5, 0.5625, 0.75, 0.0625)] + _random_sensitivity_cases()
    for args in cases:
        out = _run(fn, *args, exercise="pgr_sensitivity", what=f"pgr_sensitivity{args}")
        try:
            low, high = (float(v) for v in out)
        except (TypeError, ValueError):
            raise AssertionError(f"pgr_sensitivity{args} returned {out!r}; expected a pair (min, max).") from None
        want = _sensitivity(*args)
        if math.isinf(want[0]):
            if not (low == -math.inf and high == math.inf):
                zero = (args[2] - args[3]) - (args[0] + args[3]) == 0
                raise AssertionError(f"pgr_sensitivity{args}: within +-{args[3]} the ceiling can fall "
                                     f"{'exactly to' if zero else 'to or below'} the supervisor, so PGR can be "
                                     f"anything: return (-inf, inf), got ({low}, {high})."
                                     + (" A gap of exactly zero counts: test <= 0, not < 0." if zero else ""))
            continue
        tol = 1e-9 * max(1.0, abs(want[0]), abs(want[1]))
        if not (close(low, want[0], tol) and close(high, want[1], tol)):
            narrow = (high - low) < (want[1] - want[0]) - tol
            digits = rounded(low, want[0]) if not close(low, want[0], tol) else rounded(high, want[1])
            hint = (f" That looks rounded to {digits} decimal(s): return the exact values." if digits is not None
                    else " Your range is too narrow: each of the three accuracies may move by +-eps on its own, "
                    "so try all 8 corners." if narrow else "")
            raise AssertionError(f"pgr_sensitivity{args} returned ({low:.4f}, {high:.4f}), expected "
                                 f"({want[0]:.4f}, {want[1]:.4f}).{hint}")
    passed("pgr_sensitivity", len(cases))


# ------------------------------------------------------------------------------------------ early stopping
def _early_stop(steps, accs, patience, ties_improve: bool = False, late: bool = False):
    """The reference; ``ties_improve`` and ``late`` (stop one evaluation after the count reaches the
    patience) are two usual mistakes, to recognise them."""
    best, best_step, waited = -math.inf, None, 0
    for step, acc in zip(steps, accs):
        if acc > best or (ties_improve and acc == best):
            best, best_step, waited = acc, step, 0
        else:
            waited += 1
            if patience is not None and waited >= patience + late:
                return best_step, step
    return best_step, steps[-1]


def _random_early_stop_cases(n: int = 40, seed: int = 0) -> list[tuple[list[int], list[float], int | None]]:
    """Seeded random curves with uneven steps, many ties (accuracies on a coarse grid) and any patience."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        length = int(rng.integers(1, 12))
        steps = np.cumsum(rng.integers(1, 40, length)).tolist()
        accs = (rng.integers(50, 58, length) / 100).tolist()
        patience = [None, 1, 2, 3, 4, 6, 20][int(rng.integers(0, 7))]
        cases.append((steps, accs, patience))
    return cases


def check_early_stop(fn: Callable) -> None:
    """``early_stop(eval_steps, eval_acc, patience) -> (best_step, stop_step)``."""
    steps = [25, 50, 75, 100, 125, 150, 175, 200]
    cases = [([.60, .65, .70, .69, .68, .71, .66, .65], 2), ([.60, .65, .70, .69, .68, .71, .66, .65], 3),
             ([.60, .65, .70, .69, .68, .71, .66, .65], None), ([.60, .62, .62, .61, .60, .59, .58, .57], 2),
             ([.70, .69, .68, .67, .66, .65, .64, .63], 1), ([.5, .6, .7, .8, .81, .82, .83, .84], 2),
             ([.60, .70, .70, .70, .70, .70, .70, .70], 7),  # ties all the way: the counter reaches 6, never 7
             ([.60, .70, .70, .70, .70, .70, .70, .70], 6),  # ... and reaches 6 at the last evaluation
             ([.60, .70, .70, .70, .70, .70, .70, .70], 8)]
    cases = [(steps, accs, patience) for accs, patience in cases] + _random_early_stop_cases()
    for steps, accs, patience in cases:
        out = _run(fn, steps, accs, patience, exercise="early_stop", what=f"early_stop(steps, {accs}, {patience})")
        want = _early_stop(steps, accs, patience)
        try:
            out = tuple(out)
        except TypeError:
            raise AssertionError(f"early_stop returned {out!r}; expected a pair (best_step, stop_step).") from None
        if out != want:
            hint = ""
            if out == _early_stop(steps, accs, patience, ties_improve=True):
                hint = " A tie is not an improvement: keep the earlier best."
            elif patience is not None and out == _early_stop(steps, accs, patience, late=True):
                hint = (f" You stopped one evaluation late: stop at the evaluation where the count of evaluations "
                        f"without improvement *reaches* {patience}.")
            elif patience is None:
                hint = " With patience None training never stops early: stop_step is the last evaluation."
            raise AssertionError(f"early_stop(steps={steps}, accs={accs}, patience={patience}) returned {out}, "
                                 f"expected {want}.{hint}")
    passed("early_stop", len(cases))


# ------------------------------------------------------------------------------------------ does it help?
def check_does_it_help(fn: Callable) -> None:
    """``does_it_help(a_correct, b_correct, n_boot, seed) -> {"diff", "ci", "wins", "verdict"}``: does b beat a?
    (:mod:`w2s_edu.checks.paired_test` holds the reference and the cases)."""
    paired_test.check(fn, lambda *args, what: _run(*args, exercise="does_it_help", what=what))


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
