"""Lesson 05 (measuring the gap): each checker accepts a correct answer and rejects stubs and common mistakes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from w2s_edu.checks import lesson05 as checks
from w2s_edu.checks import paired_test


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


# ------------------------------------------------------------------------------------------ does_it_help
def _does_it_help(a_correct, b_correct, n_boot=2000, seed=0, mode="paired", quantiles=(2.5, 97.5),
                  fixed_seed=None, fixed_n_boot=None, ties_win=False, from_mean=False, sign=1):
    """A paired bootstrap over seeds and test examples, with a knob per mistake: ``mode`` (``paired``,
    ``examples`` or ``seeds`` only, ``unpaired``), the quantiles, a seed or n_boot that ignores the argument,
    ties counted as wins, the verdict from the mean, and the sign of the difference."""
    a, b = (np.atleast_2d(np.asarray(x, float)) for x in (a_correct, b_correct))
    rng = np.random.default_rng(seed if fixed_seed is None else fixed_seed)
    n_seeds, n_test = a.shape
    diffs = []
    for _ in range(n_boot if fixed_n_boot is None else fixed_n_boot):
        s = rng.integers(0, n_seeds, n_seeds) if mode != "examples" else np.arange(n_seeds)
        i = rng.integers(0, n_test, n_test) if mode != "seeds" else np.arange(n_test)
        if mode == "unpaired":
            s2, i2 = rng.integers(0, n_seeds, n_seeds), rng.integers(0, n_test, n_test)
            diffs.append(b[s][:, i].mean() - a[s2][:, i2].mean())
        else:
            diffs.append(b[s][:, i].mean() - a[s][:, i].mean())
    low, high = (sign * v for v in np.percentile(diffs, quantiles))
    low, high = min(low, high), max(low, high)
    per_seed = sign * (b.mean(axis=1) - a.mean(axis=1))
    diff = sign * float(b.mean() - a.mean())
    decide = (diff, diff) if from_mean else (low, high)
    verdict = "helps" if decide[0] > 0 else "hurts" if decide[1] < 0 else "no detectable difference"
    wins = int((per_seed >= 0).sum() if ties_win else (per_seed > 0).sum())
    return {"diff": diff, "ci": (float(low), float(high)), "wins": wins, "verdict": verdict}


def _vectorised(a_correct, b_correct, n_boot=2000, seed=0):
    """The same test drawn exactly as metrics.paired_difference draws: all seed indices, then all example
    indices, from one generator."""
    a, b = (np.atleast_2d(np.asarray(x, float)) for x in (a_correct, b_correct))
    n_seeds, n_test = a.shape
    rng = np.random.default_rng(seed)
    seeds, examples = rng.integers(0, n_seeds, (n_boot, n_seeds)), rng.integers(0, n_test, (n_boot, n_test))
    d = b - a
    diffs = np.array([d[s][:, i].mean() for s, i in zip(seeds, examples)])
    low, high = np.percentile(diffs, [2.5, 97.5])
    per_seed = d.mean(axis=1)
    verdict = "helps" if low > 0 else "hurts" if high < 0 else "no detectable difference"
    return {"diff": float(d.mean()), "ci": (float(low), float(high)), "wins": int((per_seed > 0).sum()),
            "verdict": verdict}


def test_does_it_help_accepts_correct_answers():
    checks.check_does_it_help(_does_it_help)
    checks.check_does_it_help(_vectorised)


def test_does_it_help_rejects_the_usual_mistakes():
    from functools import partial

    def knob(**kw):
        return partial(_does_it_help, **kw)

    rejects(checks.check_does_it_help, stub, "NotImplementedError")
    rejects(checks.check_does_it_help, knob(mode="unpaired"), "different indices")
    rejects(checks.check_does_it_help, knob(mode="examples"), "resample the seeds too")
    rejects(checks.check_does_it_help, knob(mode="seeds"), "resample the test examples too")
    rejects(checks.check_does_it_help, knob(fixed_seed=0), "the seed is ignored")
    rejects(checks.check_does_it_help, knob(fixed_n_boot=1000), "draw `n_boot` replicates")
    rejects(checks.check_does_it_help, knob(fixed_n_boot=5), "draw `n_boot` replicates")
    rejects(checks.check_does_it_help, knob(quantiles=(5, 95)), "too narrow.*2.5th to the 97.5th")
    rejects(checks.check_does_it_help, knob(quantiles=(0, 95)), "your interval is")
    rejects(checks.check_does_it_help, knob(quantiles=(5, 100)), "your interval is")
    rejects(checks.check_does_it_help, knob(quantiles=(0.025, 0.975)), "percents, not fractions")
    rejects(checks.check_does_it_help, knob(from_mean=True), "follows the mean difference")
    rejects(checks.check_does_it_help, knob(ties_win=True), "tied seed .* is not a win")
    rejects(checks.check_does_it_help, knob(sign=-1), "sign is flipped")

    def one_sided(a, b, n_boot=2000, seed=0):  # a one-sided 95% bound: (5th percentile, +inf)
        out = _does_it_help(a, b, n_boot, seed, quantiles=(5, 95))
        return {**out, "ci": (out["ci"][0], math.inf)}

    def bad_verdict_word(a, b, n_boot=2000, seed=0):
        out = _does_it_help(a, b, n_boot, seed)
        return {**out, "verdict": {"no detectable difference": "unclear"}.get(out["verdict"], out["verdict"])}

    def in_place(a, b, n_boot=2000, seed=0):
        if isinstance(a, np.ndarray):
            a[:] = 0
        return _does_it_help(a, b, n_boot, seed)

    rejects(checks.check_does_it_help, one_sided, "finite")
    rejects(checks.check_does_it_help, bad_verdict_word, "one of")
    rejects(checks.check_does_it_help, in_place, "changed its input")
    rejects(checks.check_does_it_help, lambda *args: None, "expected a dict")
    rejects(checks.check_does_it_help, lambda *args: (0.0, (0.0, 1.0)), "expected a dict")


def test_does_it_help_matches_paired_difference_property_based():
    """On random students the test drawn like the package's is the package's paired_difference, and the
    checker's reference (many replicates) agrees with it within the checker's tolerance."""
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    from w2s_edu.experiment.metrics import paired_difference

    @hypothesis.settings(max_examples=20, deadline=None, derandomize=True)
    @hypothesis.given(n_seeds=st.integers(1, 4), n_test=st.integers(20, 150), p_a=st.floats(0.3, 0.9),
                      flip=st.floats(0.0, 0.3), data_seed=st.integers(0, 10_000), seed=st.integers(0, 10_000))
    def agrees(n_seeds, n_test, p_a, flip, data_seed, seed):
        rng = np.random.default_rng(data_seed)
        a = (rng.random((n_seeds, n_test)) < p_a).astype(int)
        b = np.where(rng.random((n_seeds, n_test)) < flip, 1 - a, a)
        ref = paired_difference(np.zeros_like(a), a, b, np.ones_like(a), n_boot=1000, seed=seed)
        out = _vectorised(a, b, 1000, seed)
        assert math.isclose(out["diff"], ref["acc_diff"], abs_tol=1e-12) and out["wins"] == ref["wins"]
        assert out["ci"] == pytest.approx(ref["acc_ci"], abs=1e-12)
        pinned = paired_test.reference(a, b)
        assert pinned["wins"] == ref["wins"] and math.isclose(pinned["diff"], ref["acc_diff"], abs_tol=1e-12)
        tol = 0.5 * pinned["spread"] + 1.0 / (n_seeds * n_test)  # 1000 replicates, on a lattice of 1/(S*T)
        assert abs(pinned["ci"][0] - ref["acc_ci"][0]) <= tol and abs(pinned["ci"][1] - ref["acc_ci"][1]) <= tol

    agrees()


# ------------------------------------------------------------------------------------------ the lesson itself
def _solution(name: str):
    """A function the lesson source defines at top level (with the source's imports), without running the
    lesson's experiments."""
    import ast
    from pathlib import Path

    source = Path(__file__).resolve().parents[1] / "solutions" / "05_measuring_the_gap.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    keep = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef))]
    namespace: dict = {"__name__": "solution_05"}
    exec(compile(ast.Module(keep, []), str(source), "exec"), namespace)
    return namespace[name], source.read_text(encoding="utf-8")


def test_the_lesson_solution_passes_and_its_experiment_uses_the_learners_test(capsys):
    fn, text = _solution("does_it_help")
    checks.check_does_it_help(fn)
    assert "does_it_help: all" in capsys.readouterr().out
    assert "checks.check_does_it_help(does_it_help)" in text
    assert 'does_it_help(a.correct["xent"], b.correct["xent"])' in text  # the comparison runs on the learner's code
    assert "Difficulty: 🔴🔴🔴🔴⚪" in text


def test_a_crash_in_does_it_help_shows_the_hint():
    def boom(*args):
        raise RuntimeError("boom from the learner's code")

    with pytest.raises(AssertionError) as info:
        checks.check_does_it_help(boom)
    message = str(info.value)
    assert "raised RuntimeError: boom from the learner's code" in message and "(line " in message, message
    assert f"Hint: {checks.HINTS['does_it_help']}" in message, message
