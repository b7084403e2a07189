"""Lesson 06 (why weak-to-strong can work): checkers accept correct answers and reject stubs and common
mistakes; the misfit inequality holds exactly where the theory says and fails where it says it may; the
coverage world shows correction and expansion; the capacity sweep shows imitation; the source's shape."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import numpy as np
import pytest

from w2s_edu.checks import lesson06 as checks
from w2s_edu.toys import theory

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "solutions" / "06_why_it_works.py"
EXERCISES = ["least_squares_student", "misfit_and_gain", "knn_student", "fixed_and_copied"]


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here, then delete this line.")


def rejects(check, fn, match: str):
    with pytest.raises(AssertionError, match=match):
        check(fn)


# ------------------------------------------------------------------------------------ least_squares_student
def ls_pinv(features, weak):
    return np.linalg.pinv(features) @ weak


def ls_sklearn_no_intercept(features, weak):
    from sklearn.linear_model import LinearRegression

    return LinearRegression(fit_intercept=False).fit(features, weak).coef_


def ls_sklearn_default(features, weak):
    from sklearn.linear_model import LinearRegression

    return LinearRegression().fit(features, weak).coef_


def ls_ridge(features, weak):
    return np.linalg.solve(features.T @ features + np.eye(features.shape[1]), features.T @ weak)


def ls_normal_equations(features, weak):
    return np.linalg.inv(features.T @ features) @ features.T @ weak


def ls_predictions(features, weak):
    return features @ np.linalg.lstsq(features, weak, rcond=None)[0]


def test_check_least_squares_student_accepts_correct_answers():
    for fn in (theory.least_squares_student, ls_pinv, ls_sklearn_no_intercept):
        checks.check_least_squares_student(fn)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (ls_sklearn_default, "fit_intercept=False"),
    (ls_ridge, "not orthogonal"),
    (ls_normal_equations, "identical columns"),
    (ls_predictions, "look like predictions"),
])
def test_check_least_squares_student_rejects(fn, match):
    rejects(checks.check_least_squares_student, fn, match)


# ------------------------------------------------------------------------------------ misfit_and_gain
def _mg(student, weak, target, dist=lambda a, b: np.mean((a - b) ** 2), flat=True):
    s, w, t = (np.asarray(a, dtype=float) for a in (student, weak, target))
    if flat:
        s, w, t = s.ravel(), w.ravel(), t.ravel()
    ew, es, m = dist(w, t), dist(s, t), dist(s, w)
    return {"err_weak": ew, "err_student": es, "misfit": m, "gain": ew - es, "slack": ew - es - m}


def mg_sum(student, weak, target):
    return _mg(student, weak, target, dist=lambda a, b: np.sum((a - b) ** 2))


def mg_rmse(student, weak, target):
    return _mg(student, weak, target, dist=lambda a, b: np.sqrt(np.mean((a - b) ** 2)))


def mg_misfit_to_target(student, weak, target):
    out = _mg(student, weak, target)
    out["misfit"] = out["err_student"]
    out["slack"] = out["gain"] - out["misfit"]
    return out


def mg_gain_flipped(student, weak, target):
    out = _mg(student, weak, target)
    out["gain"], out["slack"] = -out["gain"], -out["gain"] - out["misfit"]
    return out


def mg_no_ravel(student, weak, target):
    return _mg(student, weak, target, flat=False)


def test_check_misfit_and_gain_accepts_the_reference():
    checks.check_misfit_and_gain(theory.misfit_and_gain)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (mg_sum, "sum of squared"),
    (mg_rmse, "no square root"),
    (mg_misfit_to_target, "compares the student with its supervisor"),
    (mg_gain_flipped, "sign is flipped"),
    (mg_no_ravel, "broadcasts"),
])
def test_check_misfit_and_gain_rejects(fn, match):
    rejects(checks.check_misfit_and_gain, fn, match)


# ------------------------------------------------------------------------------------ knn_student
def _neighbours(train_x, query_x, k, farthest=False):
    d = ((np.asarray(query_x)[:, None, :] - np.asarray(train_x)[None]) ** 2).sum(-1)
    return np.argsort(-d if farthest else d, axis=1)[:, :k]


def knn_sklearn(train_x, train_labels, query_x, k):
    from sklearn.neighbors import KNeighborsClassifier

    keep = train_labels >= 0
    return KNeighborsClassifier(n_neighbors=k).fit(train_x[keep], train_labels[keep]).predict(query_x)


def knn_counts_abstentions(train_x, train_labels, query_x, k):
    return (train_labels[_neighbours(train_x, query_x, k)].mean(axis=1) > 0.5).astype(int)


def knn_farthest(train_x, train_labels, query_x, k):
    keep = train_labels >= 0
    labels = train_labels[keep]
    return (2 * labels[_neighbours(train_x[keep], query_x, k, farthest=True)].sum(1) > k).astype(int)


def knn_vote_share(train_x, train_labels, query_x, k):
    keep = train_labels >= 0
    return train_labels[keep][_neighbours(train_x[keep], query_x, k)].mean(axis=1)


def knn_k_plus_one(train_x, train_labels, query_x, k):
    return theory.knn_student(train_x, train_labels, query_x, k + 1)


def knn_drops_in_place(train_x, train_labels, query_x, k):
    train_labels[train_labels < 0] = 0  # "no label" read as class 0, in the caller's array
    return theory.knn_student(train_x, train_labels, query_x, k)


def test_check_knn_student_accepts_correct_answers():
    checks.check_knn_student(theory.knn_student)
    checks.check_knn_student(knn_sklearn)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (knn_counts_abstentions, "abstention"),
    (knn_farthest, "farthest"),
    (knn_vote_share, "vote shares"),
    (knn_k_plus_one, r"k \+ 1"),
    (knn_drops_in_place, "changed its input"),
])
def test_check_knn_student_rejects(fn, match):
    rejects(checks.check_knn_student, fn, match)


def test_the_hand_made_knn_answers_are_the_brute_force_ones():
    for k, want in checks._WANT.items():
        assert theory.knn_student(checks._LINE_X, checks._LINE_LABELS, checks._QUERIES, k).tolist() == want


# ------------------------------------------------------------------------------------ fixed_and_copied
def fc_share_as_fixed(weak_correct, student_correct):
    out = theory.fixed_and_copied(weak_correct, student_correct)
    out["fixed"] = out["fixed_share"]
    return out


def fc_swapped(weak_correct, student_correct):
    out = theory.fixed_and_copied(weak_correct, student_correct)
    out["copied"], out["broken"] = out["broken"], out["copied"]
    return out


def fc_zero_share(weak_correct, student_correct):
    out = theory.fixed_and_copied(weak_correct, student_correct)
    if math.isnan(out["fixed_share"]):
        out["fixed_share"] = 0.0
    return out


def fc_rows_as_examples(weak_correct, student_correct):
    w, s = np.asarray(weak_correct).astype(bool), np.asarray(student_correct).astype(bool)
    out = theory.fixed_and_copied(w, s)
    out["fixed"] = float((~w & s).sum() / len(w))  # len() of a 2-D array counts rows, not entries
    return out


def fc_disagreement_both_right(weak_correct, student_correct):
    out = theory.fixed_and_copied(weak_correct, student_correct)
    w, s = np.asarray(weak_correct).astype(bool), np.asarray(student_correct).astype(bool)
    out["disagreement"] = float(np.mean(w & s))
    return out


def test_check_fixed_and_copied_accepts_the_reference():
    checks.check_fixed_and_copied(theory.fixed_and_copied)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (fc_share_as_fixed, r"fraction of \*all\* examples"),
    (fc_swapped, "look swapped"),
    (fc_zero_share, "undefined"),
    (fc_rows_as_examples, "all entries"),
    (fc_disagreement_both_right, "exactly one"),
])
def test_check_fixed_and_copied_rejects(fn, match):
    rejects(checks.check_fixed_and_copied, fn, match)


def test_fixed_and_copied_identities_and_errors():
    rng = np.random.default_rng(0)
    w, s = rng.integers(0, 2, (3, 50)), rng.integers(0, 2, (3, 50))
    out = theory.fixed_and_copied(w, s)
    assert out["n"] == 150
    assert math.isclose(out["gain"], out["fixed"] - out["broken"], abs_tol=1e-12)
    assert math.isclose(out["disagreement"], out["fixed"] + out["broken"], abs_tol=1e-12)
    assert out["gain"] <= out["disagreement"] + 1e-12
    with pytest.raises(ValueError, match="shape"):
        theory.fixed_and_copied([1, 0], [1, 0, 1])


# ------------------------------------------------------------------------------------ the misfit world
@pytest.mark.parametrize("view, noise, seed", [(1, 0.0, 0), (3, 0.5, 1), (6, 1.0, 2), (2, 2.0, 3)])
def test_pythagoras_is_exact_on_the_fitted_sample_and_close_on_fresh_data(view, noise, seed):
    run = theory.misfit_run(theory.regression_world(weak_view=view, weak_noise=noise, seed=seed))
    assert abs(run["train"]["slack"]) < 1e-9, run["train"]
    assert math.isclose(run["train"]["gain"], run["train"]["misfit"], abs_tol=1e-9)
    assert abs(run["test"]["slack"]) < 0.05 and run["test"]["gain"] > 0, run["test"]


def test_the_inequality_is_strict_for_a_convex_cone():
    for seed in range(3):
        run = theory.misfit_run(theory.regression_world(seed=seed), student=theory.nonnegative_student)
        assert run["train"]["slack"] > 1e-3, run["train"]


def test_the_guarantee_fails_when_the_supervisor_knows_what_the_student_cannot_represent():
    run = theory.misfit_run(theory.regression_world(realisable=False, weak_knows_private=True))
    assert run["train"]["slack"] < -0.1 and run["train"]["gain"] < 0, run["train"]
    w = theory.regression_world(realisable=False, weak_knows_private=True)["train"]
    f = w["features"]

    def outside(v):
        return v - f @ theory.least_squares_student(f, v)

    assert math.isclose(run["train"]["slack"], -2 * np.mean(outside(w["weak"]) * outside(w["target"])), abs_tol=1e-9)


def test_the_misfit_sweep_lies_on_the_line():
    rows = theory.misfit_sweep(views=(1, 4), noises=(0.0, 1.0))
    assert len(rows) == 4 and all(abs(r["train"]["slack"]) < 1e-9 for r in rows)
    assert max(r["train"]["misfit"] for r in rows) > 0.05


def test_the_worlds_validate_their_arguments():
    with pytest.raises(ValueError, match="weak_view"):
        theory.regression_world(weak_view=7)
    with pytest.raises(ValueError, match="errors"):
        theory.coverage_world(100, errors="adversarial")
    with pytest.raises(ValueError, match="k must be"):
        theory.knn_student(np.zeros((3, 2)), np.array([0, -1, 1]), np.zeros((1, 2)), 3)


def test_pythagoras_holds_for_any_world_property_based():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=25, deadline=None)
    @hypothesis.given(view=st.integers(1, 6), noise=st.floats(0.0, 2.0), seed=st.integers(0, 10_000),
                      n=st.integers(40, 400), realisable=st.booleans())
    def holds(view, noise, seed, n, realisable):
        world = theory.regression_world(n_train=n, n_test=n, weak_view=view, weak_noise=noise,
                                        realisable=realisable, seed=seed)
        train = theory.misfit_run(world)["train"]
        if realisable:
            assert abs(train["slack"]) < 1e-8 * max(1.0, train["err_weak"])
        cone = theory.misfit_run(world, student=theory.nonnegative_student)["train"]
        if realisable:
            assert cone["slack"] > -1e-8

    holds()


# ------------------------------------------------------------------------------------ the coverage world
def test_random_errors_are_corrected_and_coverage_expands():
    for seed in (0, 1):
        r = theory.coverage_experiment("random", k=31, seed=seed)
        assert 0.7 < r["covered"]["weak_acc"] < 0.8
        assert r["covered"]["fixed_share"] > 0.9 and r["covered"]["broken"] < 0.03, r
        assert r["uncovered_acc"] > 0.9 and r["support"] > 0.6, r


def test_clustered_errors_are_copied():
    r = theory.coverage_experiment("clustered", k=31, seed=0)
    assert 0.7 < r["covered"]["weak_acc"] < 0.8
    assert r["covered"]["fixed_share"] < 0.1 and r["support"] < 0.1, r
    assert r["covered"]["gain"] < 0.02


def test_capacity_sweep_shows_imitation_at_high_capacity():
    rows = theory.capacity_sweep(ks=(1, 31), errors="random", seeds=(0, 1, 2))
    by_k = {k: [r for r in rows if r["k"] == k] for k in (1, 31)}
    gain = {k: np.mean([r["covered"]["gain"] for r in rs]) for k, rs in by_k.items()}
    assert all(r["train_agreement"] == 1.0 for r in by_k[1])  # k = 1 fits every weak label
    assert np.mean([r["train_agreement"] for r in by_k[31]]) < 0.8
    assert gain[31] > 0.2 and gain[1] < 0.25 * gain[31], gain


def test_coverage_world_is_seeded_and_has_the_stated_error_rate():
    a, b = theory.coverage_world(500, seed=4), theory.coverage_world(500, seed=4)
    assert all(np.array_equal(a[key], b[key]) for key in a)
    cov = a["covered"]
    assert set(np.unique(a["weak"][~cov])) == {-1}
    assert math.isclose(np.mean(a["weak"][cov] != a["y"][cov]), 0.25, abs_tol=0.002)
    assert len(theory.wrong_clusters(0.25)) == 2


# ------------------------------------------------------------------------------------ the lesson's own solutions
def _solutions() -> dict:
    """The functions ``solutions/06_why_it_works.py`` defines at top level (its imports included), without
    running the lesson's experiments."""
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    keep = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef))]
    namespace: dict = {"__name__": "solution_06"}
    exec(compile(ast.Module(keep, []), str(SOURCE), "exec"), namespace)
    return namespace


def _boom(*args, **kwargs):
    raise RuntimeError("boom from the learner's code")


@pytest.mark.parametrize("name", EXERCISES)
def test_checker_accepts_the_lesson_solution(name, capsys):
    getattr(checks, f"check_{name}")(_solutions()[name])
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("name", EXERCISES)
def test_a_crash_shows_the_exception_and_the_hint(name):
    with pytest.raises(AssertionError) as info:
        getattr(checks, f"check_{name}")(_boom)
    message = str(info.value)
    assert "raised RuntimeError: boom from the learner's code" in message and "(line " in message, message
    assert f"Hint: {checks.HINTS[name]}" in message, message


def test_hints_nudge_and_never_hold_a_line_of_the_solution():
    from w2s_edu.devtools.build_lessons import find_blocks

    blocks = find_blocks(SOURCE.read_text(encoding="utf-8"))
    assert [b.name for b in blocks] == list(checks.HINTS)
    lines = {re.sub(r"\s+", "", line) for b in blocks for line in b.lines}
    lines = {line for line in lines if len(line) >= 12 and not line.startswith("#")}
    for exercise, hint in checks.HINTS.items():
        assert not [line for line in lines if line in re.sub(r"\s+", "", hint)], (exercise, hint)


# ------------------------------------------------------------------------------------ source
def test_source_has_the_graded_exercises_and_the_lesson_shape():
    from w2s_edu.devtools.build_lessons import find_blocks, render

    text = SOURCE.read_text(encoding="utf-8")
    assert [b.name for b in find_blocks(text)] == EXERCISES
    for name in EXERCISES:
        assert f"checks.check_{name}({name})" in text
    compile(render(text, "lesson"), str(SOURCE), "exec")  # the stubbed version is still valid Python
    assert 'tags=["parameters"]' in text and 'SMOKE = os.environ.get("W2S_SMOKE") == "1"' in text
    assert "lessons/06_why_it_works.ipynb" in text
    assert text.count("**Predict before you run.**") >= 6
    assert "Difficulty: 🔴🔴🔴🔴" in text  # at least one exercise at difficulty 4
    # the experiments run on the learner's own functions
    assert "theory.misfit_run(w, least_squares_student, misfit_and_gain)" in text
    assert "student=knn_student" in text and "breakdown=fixed_and_copied" in text
    assert "fixed_and_copied(w, s) for w, s in zip(r.correct[\"weak\"], r.correct[\"xent\"])" in text
    for paper in ("2405.15116", "2405.16043"):
        assert f"https://arxiv.org/abs/{paper}" in text
