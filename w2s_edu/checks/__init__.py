"""Checkers for the course exercises: ``from w2s_edu.checks.lesson00 import check_pgr``.

A checker ``check_<exercise>(fn)`` calls the learner's function on known inputs, prints one short
line when everything passes, and raises :class:`AssertionError` with a hint when something does not.
Checkers know the expected answers and properties; they never import the lesson solutions.

Each lesson's module keeps a ``HINTS`` dict: one nudge per exercise, in the spirit of the hint under the
exercise (never its solution code). When the learner's code crashes, :func:`checked_call` turns the
exception into one short message: the call that failed, the exception's type and message, the line of the
learner's code that raised it, and that hint, without the traceback through the checker.
"""

from __future__ import annotations

import math
import os
import sysconfig
import traceback
import warnings
from typing import Callable

__all__ = ["call", "checked_call", "close", "crash_message", "passed"]

_CHECKS_DIR = os.path.dirname(os.path.abspath(__file__))


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


def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {os.path.dirname(_CHECKS_DIR)} | {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")
                                              if paths.get(k)}
    return tuple(os.path.abspath(d) + os.sep for d in dirs)


def _where(err: BaseException) -> str:
    """' (line 4 of pgr: `return a / b`)': the line of the learner's code that raised, if it can be found:
    the deepest frame outside this package, the standard library and the installed packages (failing
    that, the deepest frame outside the checkers)."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if not os.path.abspath(f.filename).startswith(_CHECKS_DIR + os.sep)]
    libraries = _library_dirs()
    own = [f for f in frames if not os.path.abspath(f.filename).startswith(libraries)]
    frame = (own or frames or [None])[-1]
    if frame is None:
        return ""
    line = f": `{frame.line.strip()}`" if frame.line and frame.line.strip() else ""
    return f" (line {frame.lineno} of {frame.name}{line})"


def crash_message(err: BaseException, what: str, hint: str | None = None) -> str:
    """The message of a crash of the learner's code: the call, the exception, its line, and the hint."""
    text = str(err).strip()
    message = f"{what} raised {type(err).__name__}" + (f": {text}" if text else "") + _where(err) + "."
    if hint:
        message += f" Hint: {hint.strip()}"
    return message


def checked_call(fn: Callable, *args, exercise: str, what: str, hint: str | None = None):
    """``fn(*args)`` for a checker: a stub, or a crash of the learner's code, becomes an AssertionError
    that says which call failed (``what``), the exception's type and message, where in the learner's code
    it was raised, and ``hint`` (the exercise's nudge; see each lesson's ``HINTS``). The traceback through
    the checker is left out; the original exception stays reachable as ``.learner_error``. An
    AssertionError passes through unchanged (a checker's own message, or the learner's own assert)."""
    try:
        return call(fn, *args, exercise=exercise)
    except AssertionError:
        raise
    except Exception as err:
        failure = AssertionError(crash_message(err, what, hint))
        failure.learner_error = err
        raise failure from None


def close(actual, expected: float, tol: float = 1e-9) -> bool:
    """True when ``actual`` is a real number within ``tol`` of ``expected`` (nan matches nan, and an
    infinity only the same infinity)."""
    try:
        actual = float(actual)
    except (TypeError, ValueError):
        return False
    if math.isnan(expected):
        return math.isnan(actual)
    if math.isinf(expected) or math.isinf(actual):
        return actual == expected
    return math.isclose(actual, expected, rel_tol=0.0, abs_tol=tol)


def rounded(actual, expected: float, tol: float = 1e-12) -> int | None:
    """The number of decimals ``actual`` looks rounded to (0 to 4), when it equals ``expected`` rounded
    but not ``expected`` itself; else None. Checkers use it to say "do not round"."""
    try:
        actual = float(actual)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(actual) and math.isfinite(expected)) or math.isclose(actual, expected, abs_tol=1e-9):
        return None
    for digits in range(5):
        if math.isclose(actual, round(expected, digits), rel_tol=0.0, abs_tol=tol):
            return digits
    return None


def passed(exercise: str, n_checks: int) -> None:
    print(f"✅ {exercise}: all {n_checks} checks passed.")
