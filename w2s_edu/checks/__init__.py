"""Checkers for the course exercises: ``from w2s_edu.checks.lesson00 import check_pgr``.

A checker ``check_<exercise>(fn)`` calls the learner's function on known inputs, prints one short
line when everything passes, and raises :class:`AssertionError` with a hint when something does not.
Checkers know the expected answers and properties; they never import the lesson solutions.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable

__all__ = ["call", "checked_call", "close", "passed"]


def call(fn: Callable, *args, exercise: str | None = None):
    """``fn(*args)`` with warnings silenced; a leftover stub becomes a friendly AssertionError."""
    name = exercise or getattr(fn, "__name__", "your function")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args)
    except NotImplementedError:
        raise AssertionError(f"{name} still raises NotImplementedError: replace the '# YOUR CODE HERE' "
                             "and 'raise NotImplementedError(...)' lines with your code, run that cell, "
                             "then run this check again.") from None


def checked_call(fn: Callable, *args, exercise: str, what: str):
    """``fn(*args)`` for a checker: a stub, or a crash of the learner's code, becomes an AssertionError
    that says which call failed (``what``); an AssertionError passes through unchanged."""
    try:
        return call(fn, *args, exercise=exercise)
    except AssertionError:
        raise
    except Exception as err:
        raise AssertionError(f"{what} raised {type(err).__name__}: {err}") from err


def close(actual, expected: float, tol: float = 1e-9) -> bool:
    """True when ``actual`` is a real number within ``tol`` of ``expected`` (nan matches nan)."""
    try:
        actual = float(actual)
    except (TypeError, ValueError):
        return False
    if math.isnan(expected):
        return math.isnan(actual)
    return math.isclose(actual, expected, rel_tol=0.0, abs_tol=tol)


def passed(exercise: str, n_checks: int) -> None:
    print(f"✅ {exercise}: all {n_checks} checks passed.")
