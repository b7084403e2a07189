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

    rejects(checks.check_pgr_sensitivity, together, "8 corners")
    rejects(checks.check_pgr_sensitivity, no_inf, "-inf, inf")
    rejects(checks.check_pgr_sensitivity, only_student, "expected")


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

    checks.check_early_stop(good)
    rejects(checks.check_early_stop, stub, "NotImplementedError")
    rejects(checks.check_early_stop, ties_improve, "tie")
    rejects(checks.check_early_stop, argmax_only, "expected")
    rejects(checks.check_early_stop, off_by_one, "expected")
