"""The exercise checkers accept the reference answers and reject stubs and plausible mistakes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import w2s_edu.checks
from w2s_edu.checks.lesson00 import check_pgr
from w2s_edu.experiment.metrics import pgr as reference_pgr

CHECKS_DIR = Path(w2s_edu.checks.__file__).parent


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
])
def test_check_pgr_rejects_plausible_mistakes(wrong, hint, capsys):
    with pytest.raises(AssertionError) as err:
        check_pgr(wrong)
    assert hint in str(err.value)
    assert "passed" not in capsys.readouterr().out
