"""The exercise checkers accept the reference answers and reject stubs and plausible mistakes.

Also here, for every lesson: each checker accepts the reference solution taken from ``solutions/NN_*.py``,
shows the exception and the exercise's hint when the learner's code crashes, and (with ``hypothesis``)
the references a checker compares against agree with the lessons' solutions on random inputs."""

from __future__ import annotations

import ast
import functools
import importlib
import math
import re
from pathlib import Path

import numpy as np
import pytest

import w2s_edu.checks
from w2s_edu.checks import checked_call
from w2s_edu.checks.lesson00 import HINTS, check_pgr, expected_pgr
from w2s_edu.experiment.metrics import pgr as reference_pgr

try:  # property-based cases; hypothesis belongs to the test extra
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover - without it the property tests are skipped
    given = None

CHECKS_DIR = Path(w2s_edu.checks.__file__).parent
ROOT = Path(__file__).resolve().parents[1]
# The lessons whose checkers this file covers (lesson 06 has its own tests).
LESSONS = {"00": "00_welcome", "01": "01_limits_of_rlhf", "02": "02_weak_supervision",
           "03": "03_small_teacher_large_student", "04": "04_confidence_losses", "05": "05_measuring_the_gap",
           "07": "07_chess_and_bootstrapping", "08": "08_scaling_up", "09": "09_open_problems"}
CHECK_CALL = re.compile(r"^(?:checks\.)?(check_\w+)\((\w+)\)\s*$", re.M)


@functools.lru_cache(maxsize=None)
def solution_namespace(lesson: str) -> dict:
    """The functions and classes that ``solutions/<lesson>.py`` defines at top level, with the imports they
    use: the reference solutions, without running the lesson's experiments."""
    source = (ROOT / "solutions" / f"{LESSONS[lesson]}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    defs = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    used = {n.id for d in defs for n in ast.walk(d) if isinstance(n, ast.Name)}
    namespace: dict = {"__name__": f"solution_{lesson}"}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound = {(a.asname or a.name).split(".")[0] for a in node.names}
            if bound & used:
                exec(compile(ast.Module([node], []), f"solutions/{LESSONS[lesson]}.py", "exec"), namespace)
    exec(compile(ast.Module(defs, []), str(ROOT / "solutions" / f"{LESSONS[lesson]}.py"), "exec"), namespace)
    return namespace


def solution_checks(lesson: str) -> list[tuple[str, str]]:
    """(checker name, solution name) for every check cell of the lesson, in order."""
    source = (ROOT / "solutions" / f"{LESSONS[lesson]}.py").read_text(encoding="utf-8")
    return CHECK_CALL.findall(source)


ALL_CHECKS = [(lesson, check, name) for lesson in LESSONS for check, name in solution_checks(lesson)]


def _boom(*args, **kwargs):
    raise RuntimeError("boom from the learner's code")


def test_every_lesson_has_its_checks():
    assert {lesson for lesson, _, _ in ALL_CHECKS} == set(LESSONS)
    assert all(n >= 3 for n in map([le for le, _, _ in ALL_CHECKS].count, set(LESSONS) - {"00"})), ALL_CHECKS


@pytest.mark.parametrize("lesson, check, name", ALL_CHECKS, ids=[f"{le}-{n}" for le, _, n in ALL_CHECKS])
def test_checker_accepts_the_lesson_solution(lesson, check, name, capsys):
    checker = getattr(importlib.import_module(f"w2s_edu.checks.lesson{lesson}"), check)
    checker(solution_namespace(lesson)[name])
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("lesson, check, name", ALL_CHECKS, ids=[f"{le}-{n}" for le, _, n in ALL_CHECKS])
def test_a_crash_shows_the_exception_and_the_hint(lesson, check, name, capsys):
    module = importlib.import_module(f"w2s_edu.checks.lesson{lesson}")
    with pytest.raises(AssertionError) as info:
        getattr(module, check)(_boom)
    message = str(info.value)
    assert "raised RuntimeError: boom from the learner's code" in message, message
    assert "(line " in message and "_boom" in message, message  # where in the learner's code
    assert " Hint: " in message and any(h.strip() in message for h in module.HINTS.values()), message
    assert "Traceback" not in message and info.value.__cause__ is None and info.value.__suppress_context__
    assert isinstance(info.value.learner_error, RuntimeError)
    assert "passed" not in capsys.readouterr().out


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_hints_nudge_and_never_hold_a_line_of_the_solution(lesson):
    from w2s_edu.devtools.build_lessons import find_blocks

    module = importlib.import_module(f"w2s_edu.checks.lesson{lesson}")
    source = (ROOT / "solutions" / f"{LESSONS[lesson]}.py").read_text(encoding="utf-8")
    names = [b.name for b in find_blocks(source)]
    assert set(names) <= set(module.HINTS) | {"classifier_logits"}, (names, sorted(module.HINTS))
    lines = {re.sub(r"\s+", "", line) for b in find_blocks(source) for line in b.lines}
    lines = {line for line in lines if len(line) >= 12 and not line.startswith("#")}
    for exercise, hint in module.HINTS.items():
        squeezed = re.sub(r"\s+", "", hint)
        assert not [line for line in lines if line in squeezed], (exercise, hint)


# ------------------------------------------------------------------------------------ checked_call
def test_checked_call_shows_type_message_line_and_hint_without_the_traceback():
    def learner(a, b):
        ratio = a / b
        return ratio

    with pytest.raises(AssertionError) as info:
        checked_call(learner, 1.0, 0.0, exercise="ratio", what="ratio(1.0, 0.0)", hint="check b before dividing.")
    message = str(info.value)
    assert message.startswith("ratio(1.0, 0.0) raised ZeroDivisionError: float division by zero (line ")
    assert "of learner: `ratio = a / b`)." in message
    assert message.endswith("Hint: check b before dividing.")
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert isinstance(info.value.learner_error, ZeroDivisionError)


def test_checked_call_points_at_the_learners_line_not_the_library_one():
    def learner(x):
        return np.asarray(x).reshape(5)  # the error is raised inside numpy

    with pytest.raises(AssertionError) as info:
        checked_call(learner, [1, 2, 3], exercise="shape", what="shape([1, 2, 3])")
    message = str(info.value)
    assert "raised ValueError: cannot reshape array of size 3" in message
    assert "of learner: `return np.asarray(x).reshape(5)" in message
    assert "Hint" not in message  # no hint given, none shown


def test_checked_call_passes_results_stubs_and_assertions_through():
    assert checked_call(lambda a: a + 1, 1, exercise="inc", what="inc(1)", hint="h") == 2

    def stub(a):
        raise NotImplementedError("write your code")

    with pytest.raises(AssertionError, match="inc still raises NotImplementedError"):
        checked_call(stub, 1, exercise="inc", what="inc(1)", hint="h")

    def asserts(a):
        raise AssertionError("the learner's own assert")

    with pytest.raises(AssertionError, match="^the learner's own assert$"):
        checked_call(asserts, 1, exercise="inc", what="inc(1)", hint="h")

    def empty(a):
        raise KeyError

    with pytest.raises(AssertionError, match=r"^inc\(1\) raised KeyError \(line"):
        checked_call(empty, 1, exercise="inc", what="inc(1)")


def test_check_pgr_shows_the_hint_when_the_learners_code_crashes():
    def pgr(weak_acc, w2s_acc, ceiling_acc):
        return (w2s_acc - weak_acc) / (ceiling_acc - weak_acc).item()  # floats have no .item()

    with pytest.raises(AssertionError) as info:
        check_pgr(pgr)
    assert "raised AttributeError" in str(info.value) and "'float' object has no attribute 'item'" in str(info.value)
    assert HINTS["pgr"] in str(info.value)


def test_checkers_never_import_the_solutions():
    for path in CHECKS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any("solution" in n for n in names), f"{path.name} imports {names}"


# ------------------------------------------------------------------------------------ lesson 00: pgr
def test_check_pgr_accepts_the_reference(capsys):
    check_pgr(reference_pgr)
    assert "pgr" in capsys.readouterr().out


def test_check_pgr_accepts_another_correct_answer(capsys):
    def pgr(weak_acc, w2s_acc, ceiling_acc):
        if ceiling_acc <= weak_acc:
            return float("nan")
        return (w2s_acc - weak_acc) / (ceiling_acc - weak_acc)

    check_pgr(pgr)


def _stub(weak_acc, w2s_acc, ceiling_acc):
    # YOUR CODE HERE
    raise NotImplementedError("Exercise pgr: write your code here, then delete this line.")


def _swapped(weak_acc, w2s_acc, ceiling_acc):
    if ceiling_acc <= weak_acc:
        return float("nan")
    return (ceiling_acc - weak_acc) / (w2s_acc - weak_acc)


def _no_undefined_case(weak_acc, w2s_acc, ceiling_acc):
    return (w2s_acc - weak_acc) / (ceiling_acc - weak_acc)


def _only_zero_gap_is_undefined(weak_acc, w2s_acc, ceiling_acc):
    if ceiling_acc == weak_acc:
        return float("nan")
    return (w2s_acc - weak_acc) / (ceiling_acc - weak_acc)


def _floor_division(weak_acc, w2s_acc, ceiling_acc):
    if ceiling_acc <= weak_acc:
        return float("nan")
    return (w2s_acc - weak_acc) // (ceiling_acc - weak_acc)


def _python2_style_integer_division(weak_acc, w2s_acc, ceiling_acc):
    if ceiling_acc <= weak_acc:
        return float("nan")
    return int(w2s_acc - weak_acc) // int(ceiling_acc - weak_acc) if isinstance(weak_acc, int) \
        else (w2s_acc - weak_acc) / (ceiling_acc - weak_acc)


def _clipped(weak_acc, w2s_acc, ceiling_acc):
    if ceiling_acc <= weak_acc:
        return float("nan")
    return min(1.0, max(0.0, (w2s_acc - weak_acc) / (ceiling_acc - weak_acc)))


def _zero_when_undefined(weak_acc, w2s_acc, ceiling_acc):
    if ceiling_acc <= weak_acc:
        return 0.0
    return (w2s_acc - weak_acc) / (ceiling_acc - weak_acc)


def _wrong_denominator(weak_acc, w2s_acc, ceiling_acc):
    if ceiling_acc <= weak_acc:
        return float("nan")
    return (w2s_acc - weak_acc) / (ceiling_acc - w2s_acc) if ceiling_acc != w2s_acc else float("inf")


def _forgot_return(weak_acc, w2s_acc, ceiling_acc):
    (w2s_acc - weak_acc) / (ceiling_acc - weak_acc)


def _rounded_two_decimals(weak_acc, w2s_acc, ceiling_acc):
    if ceiling_acc <= weak_acc:
        return float("nan")
    return round((w2s_acc - weak_acc) / (ceiling_acc - weak_acc), 2)


def _rounded_four_decimals(weak_acc, w2s_acc, ceiling_acc):
    return round(expected_pgr(weak_acc, w2s_acc, ceiling_acc), 4)


def _right_only_on_the_listed_cases(weak_acc, w2s_acc, ceiling_acc):  # a lookup table of the hand-made cases
    from w2s_edu.checks.lesson00 import PGR_CASES, UNDEFINED_CASES

    table = {args: expected for args, expected, _ in PGR_CASES} | {args: float("nan") for args, _ in UNDEFINED_CASES}
    return table.get((weak_acc, w2s_acc, ceiling_acc), 0.5)


def _nan_only_below_the_supervisor(weak_acc, w2s_acc, ceiling_acc):  # a zero gap slips through as inf
    if ceiling_acc < weak_acc:
        return float("nan")
    gap = ceiling_acc - weak_acc
    return (w2s_acc - weak_acc) / gap if gap else float("inf")


@pytest.mark.parametrize("wrong, hint", [
    (_stub, "NotImplementedError"),
    (_swapped, "swapped"),
    (_no_undefined_case, "ZeroDivisionError"),
    (_only_zero_gap_is_undefined, "expected nan"),
    (_floor_division, "floor division"),
    (_python2_style_integer_division, "floor division"),
    (_clipped, "do not clip"),
    (_zero_when_undefined, "expected nan"),
    (_wrong_denominator, "ceiling - weak"),
    (_forgot_return, "return"),
    (_rounded_two_decimals, "rounded to 2 decimal"),
    (_rounded_four_decimals, "rounded to 4 decimal"),
    (_right_only_on_the_listed_cases, "random accuracies"),
    (_nan_only_below_the_supervisor, "expected nan"),
])
def test_check_pgr_rejects_plausible_mistakes(wrong, hint, capsys):
    with pytest.raises(AssertionError) as err:
        check_pgr(wrong)
    assert hint in str(err.value)
    assert "passed" not in capsys.readouterr().out


# ------------------------------------------------------------------------------------ property-based cases
# The references the checkers compare against agree with the lessons' solutions on random inputs, and the
# checkers' tolerances never reject a correct answer. Deterministic: derandomize, a modest max_examples.
needs_hypothesis = pytest.mark.skipif(given is None, reason="hypothesis is not installed")
if given is not None:
    PROPERTY = settings(derandomize=True, max_examples=60, deadline=None)
    accuracy = st.floats(0.0, 1.0, allow_nan=False)

    @needs_hypothesis
    @PROPERTY
    @given(accuracy, accuracy, accuracy)
    def test_pgr_reference_matches_the_lessons(weak, w2s, ceiling):
        want = expected_pgr(weak, w2s, ceiling)
        for lesson in ("00", "02"):
            got = solution_namespace(lesson)["pgr"](weak, w2s, ceiling)
            assert (math.isnan(want) and math.isnan(got)) or got == want
        package = reference_pgr(weak, w2s, ceiling) if ceiling > weak else float("nan")
        assert (math.isnan(want) and math.isnan(package)) or math.isclose(package, want, rel_tol=1e-12)

    @needs_hypothesis
    @settings(derandomize=True, max_examples=8, deadline=None)
    @given(st.integers(1, 4))
    def test_check_pgr_rejects_rounding_to_any_number_of_decimals(digits):
        with pytest.raises(AssertionError, match=f"rounded to {digits} decimal"):
            check_pgr(lambda a, b, c: round(expected_pgr(a, b, c), digits))

    @needs_hypothesis
    @PROPERTY
    @given(st.floats(0.0, 1.0), st.integers(1, 400), st.integers(0, 2**31))
    def test_flip_labels_flips_exactly_the_rounded_count(rate, n, seed):
        labels = np.arange(n) % 2
        flipped = solution_namespace("02")["flip_labels"](labels, rate, seed)
        assert int((flipped != labels).sum()) == round(rate * n)

    @needs_hypothesis
    @PROPERTY
    @given(st.lists(st.integers(0, 1), min_size=1, max_size=60), st.integers(0, 2**31))
    def test_agreement_matches_the_package(labels, seed):
        from w2s_edu.experiment.metrics import agreement_by_supervisor

        rng = np.random.default_rng(seed)
        labels = np.array(labels)
        student, supervisor = rng.integers(0, 2, len(labels)), rng.integers(0, 2, len(labels))
        mine = solution_namespace("02")["agreement_by_supervisor"](student, supervisor, labels)
        theirs = agreement_by_supervisor(student, supervisor, labels)
        for group in ("supervisor_right", "supervisor_wrong"):
            assert mine[group]["n"] == theirs[group]["n"]
            a, b = mine[group]["agreement"], theirs[group]["agreement"]
            assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b)

    @needs_hypothesis
    @PROPERTY
    @given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
    def test_logconf_coef_reference_matches_the_lesson(step_frac, aux_coef, warmup_frac):
        from w2s_edu import losses

        mine = solution_namespace("04")["logconf_coef"](step_frac, aux_coef, warmup_frac)
        assert math.isclose(mine, losses.logconf_coef(step_frac, aux_coef, warmup_frac), rel_tol=1e-12,
                            abs_tol=1e-15)

    @needs_hypothesis
    @PROPERTY
    @given(accuracy, accuracy, accuracy, st.floats(0.0, 0.1))
    def test_pgr_sensitivity_reference_matches_the_lesson(weak, w2s, ceiling, eps):
        from w2s_edu.checks.lesson05 import _sensitivity

        assert solution_namespace("05")["pgr_sensitivity"](weak, w2s, ceiling, eps) == _sensitivity(
            weak, w2s, ceiling, eps)

    @needs_hypothesis
    @PROPERTY
    @given(st.lists(st.integers(50, 56), min_size=1, max_size=15),
           st.one_of(st.none(), st.integers(1, 16)))
    def test_early_stop_reference_matches_the_lesson(accs, patience):
        from w2s_edu.checks.lesson05 import _early_stop

        accs = [a / 100 for a in accs]
        steps = [10 * (i + 1) for i in range(len(accs))]
        assert solution_namespace("05")["early_stop"](steps, accs, patience) == _early_stop(steps, accs, patience)

    @needs_hypothesis
    @settings(derandomize=True, max_examples=25, deadline=None)
    @given(st.integers(0, 2**31))
    def test_bootstrap_tolerance_accepts_a_correct_interval_for_any_seed(seed):
        """The checker compares a 10,000-replicate interval with the exact percentiles: a correct paired
        bootstrap passes whatever its seed (here vectorised, with the generator used another way)."""
        from w2s_edu.checks.lesson05 import _paired_data, _reference_percentiles

        weak, w2s, ceiling = _paired_data()
        idx = np.random.default_rng(seed).choice(len(weak), (10_000, len(weak)))
        a, b, c = weak[idx].mean(1), w2s[idx].mean(1), ceiling[idx].mean(1)
        low, high = np.percentile((b - a)[c > a] / (c - a)[c > a], [2.5, 97.5])
        ref_low, ref_high, spread = _reference_percentiles()
        assert abs(low - ref_low) < 0.1 * spread and abs(high - ref_high) < 0.1 * spread  # half the tolerance

    @needs_hypothesis
    @PROPERTY
    @given(st.integers(0, 2**31), st.integers(1, 30))
    def test_multiple_choice_reference_matches_the_lesson_on_interleaved_groups(seed, n_groups):
        from w2s_edu.checks.lesson07 import _reference_mc

        rng = np.random.default_rng(seed)
        groups = rng.permutation(np.repeat(rng.choice(10**6, n_groups, replace=False), rng.integers(1, 5, n_groups)))
        labels, p = rng.integers(0, 2, len(groups)), rng.random(len(groups))
        assert solution_namespace("07")["multiple_choice_accuracy"](p, labels, groups) == _reference_mc(
            p, labels, groups)

    @needs_hypothesis
    @PROPERTY
    @given(st.integers(1, 10**12), st.data())
    def test_training_bytes_reference_matches_the_lesson(n, data):
        t = data.draw(st.integers(0, n))
        fb, mixed = data.draw(st.sampled_from([2, 4])), data.draw(st.booleans())
        assert solution_namespace("08")["training_bytes"](n, t, fb, mixed) == (n - t) * fb + t * (16 + 2 * mixed)

    @needs_hypothesis
    @PROPERTY
    @given(st.lists(st.tuples(*[st.integers(0, 1000)] * 3), min_size=2, max_size=8))
    def test_teacher_strength_summary_matches_the_package(rows):
        from w2s_edu.toys.open_problems import teacher_strength_summary

        weak, w2s, ceiling = ([v / 1000 for v in c] for c in zip(*rows))
        if np.std(weak) < 0.01:  # the slope needs teachers of different strengths
            return
        mine = solution_namespace("09")["teacher_strength_summary"](weak, w2s, ceiling)
        theirs = teacher_strength_summary(weak, w2s, ceiling)
        assert np.allclose(mine["pgr"], theirs["pgr"], equal_nan=True) and np.allclose(mine["gain"], theirs["gain"])
        assert math.isclose(mine["slope"], theirs["slope"], rel_tol=1e-9, abs_tol=1e-9)
