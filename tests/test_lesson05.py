"""Lesson 05 (measuring the gap): each checker accepts a correct answer and rejects stubs and common mistakes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from w2s_edu.checks import lesson05 as checks


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here, then delete this line.")


def rejects(check, fn, match: str):
    with pytest.raises(AssertionError, match=match):
        check(fn)


def test_sweep():
    def good(weak_models, strong_models, train_weak, train_student):
        out = {}
        for w in weak_models:
            labels = train_weak(w)
            for s in strong_models:
                out[(w, s)] = train_student(s, labels)
        return out

    def retrains(weak_models, strong_models, train_weak, train_student):
        return {(w, s): train_student(s, train_weak(w)) for w in weak_models for s in strong_models}

    def wrong_labels(weak_models, strong_models, train_weak, train_student):
        labels = train_weak(weak_models[0])
        for w in weak_models[1:]:
            train_weak(w)
        return {(w, s): train_student(s, labels) for w in weak_models for s in strong_models}

    def diagonal(weak_models, strong_models, train_weak, train_student):
        return {(w, s): train_student(s, train_weak(w)) for w, s in zip(weak_models, strong_models)}

    checks.check_sweep(good)
    rejects(checks.check_sweep, stub, "NotImplementedError")
    rejects(checks.check_sweep, retrains, "train_weak was called 6 times")
    rejects(checks.check_sweep, wrong_labels, "must be trained on the labels")
    rejects(checks.check_sweep, diagonal, "every \\(weak, strong\\) pair")


def _paired(weak, w2s, ceiling, n_boot=1000, seed=0):
    rng = np.random.default_rng(seed)
    weak, w2s, ceiling = (np.asarray(a, float) for a in (weak, w2s, ceiling))
    vals = []
    for _ in range(n_boot):
        i = rng.integers(0, len(weak), len(weak))
        if ceiling[i].mean() > weak[i].mean():
            vals.append((w2s[i].mean() - weak[i].mean()) / (ceiling[i].mean() - weak[i].mean()))
    return tuple(float(v) for v in np.percentile(vals, [2.5, 97.5]))


def test_bootstrap_pgr_ci():
    checks.check_bootstrap_pgr_ci(_paired)
    rejects(checks.check_bootstrap_pgr_ci, stub, "NotImplementedError")

    def independent(weak, w2s, ceiling, n_boot=1000, seed=0):
        rng = np.random.default_rng(seed)
        vals = []
        for _ in range(n_boot):
            a, b, c = (np.asarray(x)[rng.integers(0, len(x), len(x))].mean() for x in (weak, w2s, ceiling))
            if c > a:
                vals.append((b - a) / (c - a))
        return tuple(np.percentile(vals, [2.5, 97.5]))

    def permutation(weak, w2s, ceiling, n_boot=1000, seed=0):
        rng = np.random.default_rng(seed)
        vals = []
        for _ in range(n_boot):
            i = rng.permutation(len(weak))
            vals.append((w2s[i].mean() - weak[i].mean()) / (ceiling[i].mean() - weak[i].mean()))
        return float(np.percentile(vals, 2.5)) - 1e-9, float(np.percentile(vals, 97.5)) + 1e-9

    def unseeded(weak, w2s, ceiling, n_boot=1000, seed=0):
        return _paired(weak, w2s, ceiling, n_boot, seed=np.random.randint(1 << 30))

    rejects(checks.check_bootstrap_pgr_ci, independent, "resample the example \\*indices\\* once")
    rejects(checks.check_bootstrap_pgr_ci, permutation, "with replacement")
    rejects(checks.check_bootstrap_pgr_ci, unseeded, "same seed")
    rejects(checks.check_bootstrap_pgr_ci, lambda *a: 0.5, "pair")


def _bootstrap(weak, w2s, ceiling, n_boot=1000, seed=0, skip="<=", percentiles=(2.5, 97.5), as_float=False):
    """A paired bootstrap with a knob per mistake: which replicates to skip, which percentiles, and whether
    the means become Python floats (then 0 / 0 raises instead of giving nan)."""
    rng = np.random.default_rng(seed)
    weak, w2s, ceiling = (np.asarray(a, float) for a in (weak, w2s, ceiling))
    vals = []
    for _ in range(n_boot):
        i = rng.integers(0, len(weak), len(weak))
        a, b, c = weak[i].mean(), w2s[i].mean(), ceiling[i].mean()
        if as_float:
            a, b, c = float(a), float(b), float(c)
        if (skip == "<=" and c <= a) or (skip == "==" and c == a):
            continue
        vals.append((b - a) / (c - a))
    low, high = np.percentile(vals, percentiles)
    return float(low), float(high)


def test_bootstrap_pgr_ci_interval_mistakes():
    def fixed_seed(weak, w2s, ceiling, n_boot=1000, seed=0):  # the seed argument is never used
        return _bootstrap(weak, w2s, ceiling, n_boot, seed=0)

    def fixed_n_boot(weak, w2s, ceiling, n_boot=1000, seed=0):
        return _bootstrap(weak, w2s, ceiling, 1000, seed)

    def ninety_percent(weak, w2s, ceiling, n_boot=1000, seed=0):
        return _bootstrap(weak, w2s, ceiling, n_boot, seed, percentiles=(5, 95))

    def never_skips(weak, w2s, ceiling, n_boot=1000, seed=0):  # numpy: a zero gap gives nan and inf
        return _bootstrap(weak, w2s, ceiling, n_boot, seed, skip=None)

    def never_skips_floats(weak, w2s, ceiling, n_boot=1000, seed=0):  # Python floats: 0 / 0 raises
        return _bootstrap(weak, w2s, ceiling, n_boot, seed, skip=None, as_float=True)

    def skips_only_a_zero_gap(weak, w2s, ceiling, n_boot=1000, seed=0):
        return _bootstrap(weak, w2s, ceiling, n_boot, seed, skip="==")

    checks.check_bootstrap_pgr_ci(_bootstrap)
    rejects(checks.check_bootstrap_pgr_ci, fixed_seed, "seed=0 and seed=1 gave the same interval")
    rejects(checks.check_bootstrap_pgr_ci, fixed_n_boot, "draw `n_boot` replicates")
    rejects(checks.check_bootstrap_pgr_ci, ninety_percent, "too narrow.*2.5th and 97.5th")
    rejects(checks.check_bootstrap_pgr_ci, never_skips, "inf or nan.*skip the replicates")
    rejects(checks.check_bootstrap_pgr_ci, never_skips_floats,
            "raised ZeroDivisionError: float division by zero .*Hint: .*skip those replicates")
    rejects(checks.check_bootstrap_pgr_ci, skips_only_a_zero_gap, r"below 0.*ceiling <= weak, not only")


def _sens(weak, w2s, ceiling, eps):
    if ceiling - weak - 2 * eps <= 0:
        return -math.inf, math.inf
    v = [(b - a) / (c - a) for a, b, c in itertools.product(*[(x - eps, x + eps) for x in (weak, w2s, ceiling)])]
    return min(v), max(v)


def test_pgr_sensitivity():
    checks.check_pgr_sensitivity(_sens)
    rejects(checks.check_pgr_sensitivity, stub, "NotImplementedError")

    def together(weak, w2s, ceiling, eps):  # moves all three the same way: PGR never changes
        p = (w2s - weak) / (ceiling - weak)
        return p, p

    def no_inf(weak, w2s, ceiling, eps):
        v = [(b - a) / (c - a) for a, b, c in itertools.product(*[(x - eps, x + eps) for x in (weak, w2s, ceiling)])
             if c != a]
        return min(v), max(v)

    def only_student(weak, w2s, ceiling, eps):
        return (w2s - eps - weak) / (ceiling - weak), (w2s + eps - weak) / (ceiling - weak)

    def strict_gap_test(weak, w2s, ceiling, eps):  # < 0 instead of <= 0: a gap of exactly zero divides by 0
        if (ceiling - eps) - (weak + eps) < 0:
            return -math.inf, math.inf
        v = [(b - a) / (c - a) for a, b, c in itertools.product(*[(x - eps, x + eps) for x in (weak, w2s, ceiling)])]
        return min(v), max(v)

    def rounded(weak, w2s, ceiling, eps):
        low, high = _sens(weak, w2s, ceiling, eps)
        return (low, high) if math.isinf(low) else (round(low, 3), round(high, 3))

    rejects(checks.check_pgr_sensitivity, together, "8 corners")
    rejects(checks.check_pgr_sensitivity, no_inf, "-inf, inf")
    rejects(checks.check_pgr_sensitivity, only_student, "expected")
    rejects(checks.check_pgr_sensitivity, strict_gap_test, "raised ZeroDivisionError.*Hint: .*exactly zero included")
    rejects(checks.check_pgr_sensitivity, rounded, "rounded to 3 decimal")


def test_early_stop():
    def good(steps, accs, patience):
        best, best_step, waited = -math.inf, None, 0
        for s, a in zip(steps, accs):
            if a > best:
                best, best_step, waited = a, s, 0
            else:
                waited += 1
                if patience is not None and waited >= patience:
                    return best_step, s
        return best_step, steps[-1]

    def ties_improve(steps, accs, patience):
        best, best_step, waited = -math.inf, None, 0
        for s, a in zip(steps, accs):
            if a >= best:
                best, best_step, waited = a, s, 0
            else:
                waited += 1
                if patience is not None and waited >= patience:
                    return best_step, s
        return best_step, steps[-1]

    def argmax_only(steps, accs, patience):
        return steps[int(np.argmax(accs))], steps[-1]

    def off_by_one(steps, accs, patience):
        best, best_step, waited = -math.inf, None, 0
        for s, a in zip(steps, accs):
            if a > best:
                best, best_step, waited = a, s, 0
            else:
                waited += 1
                if patience is not None and waited > patience:
                    return best_step, s
        return best_step, steps[-1]

    def uses_positions(steps, accs, patience):  # returns indices scaled as if steps were 25, 50, 75, ...
        best, stop = good(list(range(1, len(steps) + 1)), accs, patience)
        return best * 25, stop * 25

    def counter_never_resets(steps, accs, patience):  # counts every evaluation without improvement, ever
        best, best_step, waited = -math.inf, None, 0
        for s, a in zip(steps, accs):
            if a > best:
                best, best_step = a, s
            else:
                waited += 1
                if patience is not None and waited >= patience:
                    return best_step, s
        return best_step, steps[-1]

    checks.check_early_stop(good)
    rejects(checks.check_early_stop, stub, "NotImplementedError")
    rejects(checks.check_early_stop, ties_improve, "tie")
    rejects(checks.check_early_stop, argmax_only, "expected")
    rejects(checks.check_early_stop, off_by_one, "one evaluation late")
    rejects(checks.check_early_stop, uses_positions, "expected")
    rejects(checks.check_early_stop, counter_never_resets, "expected")
    rejects(checks.check_early_stop, lambda *a: None, "pair")
