"""The reference and the cases behind lesson 05's ``check_does_it_help``: the paired test of whether one
method beats another (a mean difference, a bootstrap interval that resamples seeds and test examples with
the same indices for both students, a count of wins, and a verdict read from the interval)."""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np

from ..experiment.metrics import paired_difference
from . import close, passed

__all__ = ["VERDICTS", "check", "reference"]

def _show(value) -> str:
    """A returned number as the learner would print it (np.float64(0.5) shows as 0.5)."""
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return repr(value)


VERDICTS = ("helps", "hurts", "no detectable difference")
_DIH_KEYS = ("diff", "ci", "wins", "verdict")


def _verdict(ci) -> str:
    low, high = ci
    return "helps" if low > 0 else "hurts" if high < 0 else "no detectable difference"


def _students(n_test: int, base_acc, flips, seed: int):
    """0/1 correctness of two students a and b, shape (n_seeds, n_test): per seed, a is right on a share
    ``base_acc[s]`` of the examples, and b is a copy of a that fixes ``flips[s][0]`` of a's mistakes and
    breaks ``flips[s][1]`` of its right answers (so the per-seed difference is (fix - break) / n_test)."""
    rng = np.random.default_rng(seed)
    a = np.zeros((len(flips), n_test), dtype=int)
    for s, acc in enumerate(base_acc):
        a[s, rng.permutation(n_test)[: round(acc * n_test)]] = 1
    b = a.copy()
    for s, (fix, brk) in enumerate(flips):
        wrong, right = rng.permutation(np.flatnonzero(a[s] == 0)), rng.permutation(np.flatnonzero(a[s] == 1))
        b[s, wrong[:fix]] = 1
        b[s, right[:brk]] = 0
    return a, b


def _helps_case():
    """Four seeds that disagree (b ahead by 10, 0, 6 and 8 points; one seed tied): the seeds carry most of
    the uncertainty, and the interval still excludes 0."""
    return _students(400, (0.7, 0.7, 0.7, 0.7), ((44, 4), (10, 10), (28, 4), (36, 4)), seed=3)


def _unclear_case():
    """Three seeds, each with b ahead by 2 examples in 300 (b wins every seed), while a's own accuracy moves
    a lot from seed to seed (0.6, 0.7, 0.8): the mean is positive, the paired interval straddles 0."""
    return _students(300, (0.6, 0.7, 0.8), ((8, 6), (8, 6), (8, 6)), seed=4)


def _replicates(a, b, n_boot: int = 100_000, seed: int = 7, mode: str = "paired") -> np.ndarray:
    """Replicate mean differences of a bootstrap over seeds and test examples. A resample is a pair of
    count vectors (how often each seed and each example was drawn), so the mean difference of a replicate
    is ``c_seeds @ D @ c_examples / (n_seeds * n_test)``: many replicates cost almost nothing. ``mode``
    also gives three usual mistakes, to recognise them: ``examples`` (the seeds are not resampled),
    ``seeds`` (the examples are not) and ``unpaired`` (independent indices for a and b)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n_seeds, n_test = a.shape
    rng = np.random.default_rng(seed)
    out = []
    for chunk in np.array_split(np.arange(n_boot), max(1, n_boot // 5000)):
        m = len(chunk)

        def counts(n):  # how often each of n items is drawn, in m resamples of n with replacement
            drawn = rng.integers(0, n, (m, n)) + n * np.arange(m)[:, None]
            return np.bincount(drawn.ravel(), minlength=m * n).reshape(m, n).astype(float)

        cs = counts(n_seeds) if mode != "examples" else np.ones((m, n_seeds))
        ce = counts(n_test) if mode != "seeds" else np.ones((m, n_test))
        if mode == "unpaired":
            mean_b = ((cs @ b) * ce).sum(axis=1)
            mean_a = ((counts(n_seeds) @ a) * counts(n_test)).sum(axis=1)
            out.append((mean_b - mean_a) / (n_seeds * n_test))
        else:
            out.append(((cs @ (b - a)) * ce).sum(axis=1) / (n_seeds * n_test))
    return np.concatenate(out)


def reference(a, b) -> dict:
    """What :func:`w2s_edu.experiment.metrics.paired_difference` says about b against a (its weak and
    ceiling arguments do not enter the accuracy difference), with its 95% interval pinned down by many
    replicates, and the interval's spread (for the tolerance)."""
    a, b = np.asarray(a, int), np.asarray(b, int)
    ref = paired_difference(np.zeros_like(a), a, b, np.ones_like(a), n_boot=1)
    reps = _replicates(a, b)
    low, high = np.percentile(reps, [2.5, 97.5])
    return {"diff": ref["acc_diff"], "wins": ref["wins"], "per_seed": ref["per_seed"], "ci": (float(low), float(high)),
            "spread": float(reps.std()), "verdict": _verdict((low, high))}


def _width(reps) -> float:
    return float(np.subtract(*np.percentile(reps, [97.5, 2.5])))


_CASES = {"helps": _helps_case, "unclear": _unclear_case}


@functools.lru_cache(maxsize=None)
def _case_reference(name: str) -> dict:
    return reference(*_CASES[name]())


@functools.lru_cache(maxsize=None)
def _mistake_width(name: str, mode: str) -> float:
    return _width(_replicates(*_CASES[name](), n_boot=20_000, mode=mode))


def _answer(run: Callable, fn: Callable, a, b, n_boot: int, seed: int, what: str) -> dict:
    a_in, b_in = (x.copy() if isinstance(x, np.ndarray) else [list(r) for r in x] for x in (a, b))
    out = run(fn, a_in, b_in, n_boot, seed, what=what)
    if not (np.array_equal(np.asarray(a_in), np.asarray(a)) and np.array_equal(np.asarray(b_in), np.asarray(b))):
        raise AssertionError(f"{what} changed its input arrays; leave them as they are (work on copies).")
    if not isinstance(out, dict) or not set(_DIH_KEYS) <= set(out):
        keys = sorted(out) if isinstance(out, dict) else type(out).__name__
        raise AssertionError(f"{what} returned {keys}; expected a dict with the keys {list(_DIH_KEYS)}.")
    try:
        low, high = (float(v) for v in out["ci"])
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: 'ci' is {out['ci']!r}; expected a pair (low, high) of floats.") from None
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):
        raise AssertionError(f"{what}: 'ci' is ({low}, {high}); expected finite numbers with low <= high.")
    if out["verdict"] not in VERDICTS:
        raise AssertionError(f"{what}: 'verdict' is {out['verdict']!r}; expected one of {list(VERDICTS)}.")
    return {**out, "ci": (low, high)}


_MISTAKES = {
    "examples": "it looks like only the test examples were resampled: resample the seeds too (n_seeds indices with "
                "replacement per replicate), since a method that wins on one seed can lose on the next.",
    "seeds": "it looks like only the seeds were resampled: resample the test examples too (n_test indices with "
             "replacement per replicate).",
    "unpaired": "it looks like a and b were resampled with different indices: draw the seed and example indices "
                "once per replicate and use them for both students (the difference they share then cancels).",
}


def _interval_hint(cases) -> str:
    """Which usual mistake the intervals look like, if any: ``cases`` holds (case name, learner's ci) for each
    data set; a mistake is named when the learner's widths match its widths on all of them."""
    for mode, message in _MISTAKES.items():
        if all(abs((ci[1] - ci[0]) - _mistake_width(name, mode))
               <= 0.15 * np.subtract(*_case_reference(name)["ci"][::-1]) for name, ci in cases):
            return " " + message
    name, ci = cases[0]
    ref = _case_reference(name)
    if ci[1] - ci[0] < ref["ci"][1] - ref["ci"][0]:
        return (" Your interval is too narrow: a 95% interval runs from the 2.5th to the 97.5th percentile of the "
                "replicate differences (np.percentile takes percents, not fractions).")
    return " Your interval is too wide: a 95% interval runs from the 2.5th to the 97.5th percentile of the replicates."


def check(fn: Callable, run: Callable) -> None:
    """``does_it_help(a_correct, b_correct, n_boot, seed) -> {"diff", "ci", "wins", "verdict"}``: does b beat a?
    ``run(fn, *args, what=...)`` calls the learner's function (a crash becomes a message with the hint)."""
    a, b = _helps_case()
    ref = _case_reference("helps")
    what = "does_it_help(a, b, n_boot=1000, seed=0) (4 seeds, 400 test examples)"
    out = _answer(run, fn, a, b, 1000, 0, what)
    if not close(out["diff"], ref["diff"]):
        flipped = " The sign is flipped: the difference is b minus a." if close(out["diff"], -ref["diff"]) else ""
        raise AssertionError(f"{what}: 'diff' should be {ref['diff']:.4f}, the mean accuracy of b minus that of a "
                             f"over all seeds and examples; got {_show(out['diff'])}.{flipped}")
    per_seed = [round(d, 4) for d in ref["per_seed"]]
    if out["wins"] != ref["wins"]:
        ties = sum(d >= 0 for d in ref["per_seed"])
        hint = (" A tied seed (difference exactly 0) is not a win: count the seeds where b is strictly better."
                if out["wins"] == ties else "")
        raise AssertionError(f"{what}: b's per-seed accuracy differences are {per_seed}, so 'wins' should be "
                             f"{ref['wins']}; got {out['wins']!r}.{hint}")
    again = _answer(run, fn, a, b, 1000, 0, what)
    if again["ci"] != out["ci"]:
        raise AssertionError("two calls with the same seed gave different intervals: draw every random number from "
                             "one generator built from the `seed` argument.")
    # Few replicates: their percentiles interpolate between replicates, so two different draws cannot tie
    # (with thousands, both intervals sit on the lattice of multiples of 1 / (n_seeds * n_test) and may).
    few = [_answer(run, fn, a, b, 5, seed, f"does_it_help(a, b, n_boot=5, seed={seed})")["ci"] for seed in (0, 1)]
    if few[0] == few[1]:
        raise AssertionError(f"seed=0 and seed=1 gave the same interval {few[0]} (n_boot=5): the seed is ignored. "
                             "Build the generator from the `seed` argument, not from a fixed number.")
    if few[0] == out["ci"]:
        raise AssertionError("n_boot=5 and n_boot=1000 gave the same interval: draw `n_boot` replicates, not a "
                             "fixed number of them.")
    many = _answer(run, fn, a, b, 10_000, 0, "does_it_help(a, b, n_boot=10000, seed=0)")
    cases = [("helps", many["ci"], ref, "4 seeds that disagree, 400 test examples")]
    x, y = _unclear_case()
    label = "3 seeds, 300 test examples, a's accuracy moving from seed to seed"
    cases.append(("unclear", _answer(run, fn, x, y, 10_000, 0, f"does_it_help on {label} (n_boot=10000)")["ci"],
                  _case_reference("unclear"), label))
    for _, ci, r, label in cases:
        tol = 0.2 * r["spread"]  # several Monte Carlo standard errors of a percentile at n_boot = 10000
        if not (abs(ci[0] - r["ci"][0]) <= tol and abs(ci[1] - r["ci"][1]) <= tol):
            raise AssertionError(f"on {label}, with n_boot=10000, your interval is ({ci[0]:+.4f}, {ci[1]:+.4f}); "
                                 f"the paired bootstrap over seeds and test examples gives ({r['ci'][0]:+.4f}, "
                                 f"{r['ci'][1]:+.4f}) (within {tol:.4f} for any seed)."
                                 f"{_interval_hint([c[:2] for c in cases])}")
    n_checks = 7
    x, y = _unclear_case()
    lists = (x.tolist(), y.tolist())
    what = "does_it_help(a, b, n_boot=1000, seed=0) on 3 seeds where b wins each by 2 examples in 300 (lists)"
    out = _answer(run, fn, *lists, 1000, 0, what)
    want = _verdict(out["ci"])
    if out["verdict"] != want:
        from_mean = "helps" if out["diff"] > 0 else "hurts" if out["diff"] < 0 else "no detectable difference"
        hint = (" That verdict follows the mean difference; decide from the interval: it must exclude 0."
                if out["verdict"] == from_mean else "")
        raise AssertionError(f"{what}: your interval ({out['ci'][0]:+.4f}, {out['ci'][1]:+.4f}) gives the verdict "
                             f"{want!r} ('helps' only when it lies above 0, 'hurts' only when below); got "
                             f"{out['verdict']!r}.{hint}")
    if want != "no detectable difference":
        raise AssertionError(f"{what}: your interval ({out['ci'][0]:+.4f}, {out['ci'][1]:+.4f}) excludes 0, but the "
                             f"paired bootstrap's ({cases[1][2]['ci'][0]:+.4f}, {cases[1][2]['ci'][1]:+.4f}) does not.")
    if out["wins"] != 3:
        raise AssertionError(f"{what}: b is ahead on every one of the 3 seeds, so 'wins' is 3; got {out['wins']!r}.")
    if again["verdict"] != "helps":
        raise AssertionError(f"on 4 seeds where b is ahead by {per_seed} your interval {again['ci']} excludes 0 "
                             f"(as the paired bootstrap's does): the verdict is 'helps', got {again['verdict']!r}.")
    what = "does_it_help(b, a, n_boot=1000, seed=0): the same students, swapped"
    swapped = _answer(run, fn, b, a, 1000, 0, what)
    if swapped["verdict"] != "hurts":
        raise AssertionError(f"{what}: the interval lies below 0, so the verdict is 'hurts'; got "
                             f"{swapped['verdict']!r}.")
    if not (close(swapped["diff"], -ref["diff"]) and swapped["wins"] == 0):
        raise AssertionError(f"{what}: the difference changes sign and the swapped b wins no seed (the tied seed is "
                             f"not a win); got diff {_show(swapped['diff'])}, wins {swapped['wins']!r}.")
    passed("does_it_help", n_checks + 4)
