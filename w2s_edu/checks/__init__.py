"""Checkers for the course exercises: ``from w2s_edu.checks.lesson00 import check_pgr``.

A checker ``check_<exercise>(fn)`` calls the learner's function on known inputs, prints one short
line when everything passes, and raises :class:`AssertionError` with a hint when something does not.
Checkers know the expected answers and properties; they never import the lesson solutions.

Each lesson's module keeps a ``HINTS`` dict: one nudge per exercise, in the spirit of the hint under the
exercise (never its solution code). When the learner's code crashes, :func:`checked_call` turns the
exception into one short message: the call that failed, the exception's type and message, the line of the
learner's code that raised it, and that hint, without the traceback through the checker.

**Progress.** Every ``check_*`` function of a ``lessonNN`` module records its result (passed, or failed
with the first line of its message) in a small JSON file, which ``w2s-edu progress`` reads: the latest
result per (lesson, exercise), the number of attempts and passes, and when it first passed. The file is
``$W2S_EDU_PROGRESS`` when set (``W2S_EDU_PROGRESS=off`` records nothing), else ``progress.json`` in the
user's data folder (``$XDG_DATA_HOME/w2s-edu``, ``~/.local/share/w2s-edu``; on macOS
``~/Library/Application Support/w2s-edu``; on Windows ``%LOCALAPPDATA%\\w2s-edu``). Recording never breaks
a check: a file that cannot be read or written costs one :class:`ProgressWarning` per process. Each
lesson module ends with ``record_checks(globals())``, which wraps its ``check_*`` functions; lesson 02's
``check_pgr`` (lesson 00's) records as lesson 02.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import math
import os
import re
import sys
import sysconfig
import traceback
import warnings
from datetime import datetime
from pathlib import Path
from typing import Callable

__all__ = ["call", "checked_call", "close", "crash_message", "passed", "PROGRESS_ENV", "ProgressError",
           "ProgressWarning", "exercises", "load_progress", "progress_path", "record", "save_progress"]

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


# ------------------------------------------------------------------------------------------ progress
PROGRESS_ENV = "W2S_EDU_PROGRESS"
PROGRESS_VERSION = 1
_OFF = ("off", "0", "false", "no", "none")
_LESSON_MODULE = re.compile(re.escape(__name__) + r"\.lesson(\d\d)")
_warned = False  # one ProgressWarning per process


class ProgressError(ValueError):
    """The progress file cannot be read, or is not one this package writes; the message names the file."""


class ProgressWarning(UserWarning):
    """A check's result could not be recorded; the check itself ran and reported as usual."""


def data_dir() -> Path:
    """The user's data folder, as platformdirs would say: ``%LOCALAPPDATA%`` on Windows, ``~/Library/
    Application Support`` on macOS, else ``$XDG_DATA_HOME`` (when absolute) or ``~/.local/share``."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    return Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"


def progress_path() -> Path | None:
    """The file check results go to: ``$W2S_EDU_PROGRESS`` (a path; ``off`` gives None: nothing is
    recorded), else ``<data folder>/w2s-edu/progress.json``."""
    value = os.environ.get(PROGRESS_ENV, "").strip()
    if value.lower() in _OFF:
        return None
    return Path(value).expanduser() if value else data_dir() / "w2s-edu" / "progress.json"


def load_progress(path: Path | str) -> dict | None:
    """``{lesson: {exercise: entry}}`` from the progress file ``path``; None when there is no such file.
    Raises :class:`ProgressError` when it cannot be read or is not a progress file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise ProgressError(f"cannot read the progress file {path}: {getattr(err, 'strerror', None) or err}") \
            from err
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ProgressError(f"{path} is not a w2s-edu progress file (not JSON: {err}); fix it, or start "
                            f"over with `w2s-edu progress --reset`.") from err
    results = data.get("results") if isinstance(data, dict) else None
    ok = isinstance(results, dict) and all(
        isinstance(exs, dict) and all(isinstance(e, dict) and isinstance(e.get("passed"), bool)
                                      and isinstance(e.get("attempts", 0), int) for e in exs.values())
        for exs in results.values())
    if not ok:
        raise ProgressError(f"{path} is not a w2s-edu progress file (no 'results' by lesson and exercise); "
                            f"fix it, or start over with `w2s-edu progress --reset`.")
    return results


def save_progress(path: Path | str, results: dict) -> None:
    """Write ``results`` to ``path`` atomically (a temporary file renamed into place)."""
    from ..cache import write_json

    write_json(path, {"w2s_edu_progress": PROGRESS_VERSION, "results": results})


def _first_line(err: BaseException) -> str:
    text = next((line.strip() for line in str(err).splitlines() if line.strip()), "")
    if not isinstance(err, AssertionError) or not text:
        text = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return text if len(text) <= 300 else text[:299] + "…"


def record(lesson: str, exercise: str, ok: bool, error: BaseException | None = None) -> None:
    """Record one check's result in :func:`progress_path` (nothing when it is off). Never raises: a file
    that cannot be read or written gives one :class:`ProgressWarning` per process."""
    global _warned
    path = None
    try:
        path = progress_path()
        if path is None:
            return
        results = load_progress(path) or {}
        old = results.setdefault(lesson, {}).get(exercise, {})
        now = datetime.now().astimezone().isoformat(timespec="seconds")
        results[lesson][exercise] = {
            "lesson": lesson, "exercise": exercise, "passed": ok, "when": now,
            "message": None if ok or error is None else _first_line(error),
            "attempts": old.get("attempts", 0) + 1, "passes": old.get("passes", 0) + ok,
            "first_passed": old.get("first_passed") or (now if ok else None)}
        save_progress(path, results)
    except Exception as err:  # recording is a convenience: the check itself must not fail for it
        if not _warned:
            _warned = True
            try:
                warnings.warn(f"this check's result was not recorded in {path} ({err}); `w2s-edu progress` will "
                              f"not show it. Set {PROGRESS_ENV} to a file you can write, or to off.",
                              ProgressWarning, stacklevel=3)
            except Exception:  # warnings turned into errors
                pass


def _recorded(fn: Callable, lesson: str, exercise: str) -> Callable:
    """``fn`` (a checker) that also records its result: passed when it returns, failed when it raises."""
    @functools.wraps(fn)
    def checker(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841 - pytest and IPython leave this frame out of tracebacks
        try:
            result = fn(*args, **kwargs)
        except Exception as err:
            record(lesson, exercise, False, err)
            raise
        record(lesson, exercise, True)
        return result

    checker.__w2s_unrecorded__ = fn
    return checker


def record_checks(namespace: dict) -> None:
    """Wrap every ``check_*`` function in a lesson module's ``namespace`` (its ``globals()``) with
    :func:`_recorded`; each lesson module calls it on its last line. A checker imported from another
    lesson (lesson 02's ``check_pgr``) is wrapped afresh, so it records under this lesson."""
    lesson = _LESSON_MODULE.fullmatch(namespace["__name__"]).group(1)
    for name, value in list(namespace.items()):
        fn = getattr(value, "__w2s_unrecorded__", value)
        if name.startswith("check_") and inspect.isfunction(fn):
            namespace[name] = _recorded(fn, lesson, name[len("check_"):])


def exercises() -> dict[str, list[str]]:
    """``{"00": ["pgr"], "01": [...], ...}``: each lesson's exercises, one per ``check_*`` function of its
    module, in the order of its ``__all__``. Read from the source, so no lesson module (torch, chess) loads."""
    out = {}
    for path in sorted(Path(_CHECKS_DIR).glob("lesson[0-9][0-9].py")):
        listed, present = [], []
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                listed = list(ast.literal_eval(node.value))
            elif isinstance(node, ast.FunctionDef):
                present.append(node.name)
            elif isinstance(node, ast.ImportFrom):
                present += [a.asname or a.name for a in node.names]
        checks = [n for n in listed if n in present] + [n for n in present if n not in listed]
        out[path.stem[len("lesson"):]] = [n[len("check_"):] for n in checks if n.startswith("check_")]
    return out

