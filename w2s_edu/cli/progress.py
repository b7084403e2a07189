"""``w2s-edu progress``: where someone stands, per lesson, from what the check cells recorded.

    w2s-edu progress                  # every lesson: each exercise passed / failed / not tried
    w2s-edu progress --lesson 03      # one lesson
    w2s-edu progress --json           # machine-readable: a tutor collecting several learners' files
    w2s-edu progress --file PATH      # someone else's file (e.g. a learner's progress.json)
    w2s-edu progress --reset          # start over (no confirmation; prints what it removed)
    w2s-edu progress --reset --lesson 03   # forget one lesson's results only

Every ``check_*`` call records its result (:mod:`w2s_edu.checks`) in ``$W2S_EDU_PROGRESS``, else
``progress.json`` in the user's data folder (``~/.local/share/w2s-edu`` on Linux); ``W2S_EDU_PROGRESS=off``
records nothing. The exercises come from the checker modules, so the ones not tried yet are listed too.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from ..checks import PROGRESS_ENV, ProgressError, exercises, load_progress, progress_path, save_progress

NOT_TRIED = "not tried"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lesson", metavar="NN", help="one lesson only (00-09)")
    parser.add_argument("--file", metavar="PATH",
                        help=f"read this progress file (default: ${PROGRESS_ENV}, else the user's data folder)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--json", action="store_true", help="print JSON (every lesson, exercise and result)")
    what.add_argument("--reset", action="store_true",
                      help="remove the recorded results (all, or --lesson's), without asking; says what it removed")


def run_from_args(args: argparse.Namespace) -> int:
    try:
        lesson = _lesson(args.lesson) if args.lesson else None
        path = Path(args.file).expanduser() if args.file else progress_path()
        if args.reset:
            return reset(path, lesson)
        results = load_progress(path) if path is not None else None
        if args.json:
            print(json.dumps(report(results, lesson, path), indent=2))
        elif path is None:
            print(f"progress recording is off ({PROGRESS_ENV}=off): nothing is recorded or read. Unset it to "
                  "record, or read a file with --file PATH.")
        elif results is None:
            print(f"no checks recorded yet ({path} does not exist); run a lesson's check cells.")
        else:
            print(table(report(results, lesson, path)))
        return 0
    except ValueError as err:  # a ProgressError (the file), or a --lesson that is no lesson
        print(f"error: {err}", file=sys.stderr)
        return 2


def _lesson(text: str) -> str:
    """``3``, ``03`` or ``lesson03`` -> ``"03"``; a ValueError (exit 2) naming the lessons otherwise."""
    known = exercises()
    digits = text.strip().lower().removeprefix("lesson").strip()
    lesson = f"{int(digits):02d}" if digits.isdigit() else digits
    if lesson not in known:
        raise ValueError(f"--lesson {text}: no such lesson; the lessons are {', '.join(known)}.")
    return lesson


# ------------------------------------------------------------------------------------------ reading
def report(results: dict | None, lesson: str | None = None, path: Path | None = None) -> dict:
    """Every exercise of every lesson (or of ``lesson``) with its status, from ``results``
    (:func:`w2s_edu.checks.load_progress`). Exercises recorded but no longer in the checkers (an older
    course version) are kept, after the known ones."""
    found, results = results is not None, results or {}
    known = exercises()
    lessons = [lesson] if lesson else list(known) + sorted(set(results) - set(known))
    out = []
    for le in lessons:
        recorded = results.get(le, {})
        names = known.get(le, []) + sorted(set(recorded) - set(known.get(le, [])))
        rows = [_row(name, recorded.get(name)) for name in names]
        out.append({"lesson": le, "passing": sum(r["status"] == "passed" for r in rows), "total": len(rows),
                    "exercises": rows})
    return {"file": str(path) if path else None, "found": found,
            "passing": sum(le["passing"] for le in out), "total": sum(le["total"] for le in out), "lessons": out}


def _row(exercise: str, entry: dict | None) -> dict:
    if entry is None:
        return {"exercise": exercise, "status": NOT_TRIED, "attempts": 0, "passes": 0, "last_attempt": None,
                "first_passed": None, "message": None}
    return {"exercise": exercise, "status": "passed" if entry["passed"] else "failed",
            "attempts": entry.get("attempts", 1), "passes": entry.get("passes", int(entry["passed"])),
            "last_attempt": entry.get("when"), "first_passed": entry.get("first_passed"),
            "message": entry.get("message")}


def _when(stamp: str | None) -> str:
    """An ISO time as people read it, in this machine's time zone: ``2025-03-01 14:05``."""
    if not stamp:
        return "-"
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(stamp)


def table(rep: dict) -> str:
    """The report as text: per lesson a summary line, then one row per exercise (a failure's message
    below its row)."""
    lines = [f"progress recorded in {rep['file']}"]
    width = max([len(r["exercise"]) for le in rep["lessons"] for r in le["exercises"]] + [len("exercise")])
    for le in rep["lessons"]:
        lines += ["", f"lesson {le['lesson']}: {le['passing']} of {le['total']} exercises pass",
                  f"  {'exercise':<{width}}  {'status':<9}  {'attempts':>8}  last attempt"]
        for r in le["exercises"]:
            when = _when(r["last_attempt"])
            lines.append(f"  {r['exercise']:<{width}}  {r['status']:<9}  {r['attempts']:>8}  {when}")
            if r["status"] == "failed" and r["message"]:
                message = r["message"] if len(r["message"]) <= 100 else r["message"][:99] + "…"
                lines.append(f"    last message: {message}")
    if len(rep["lessons"]) > 1:
        lines += ["", f"all lessons: {rep['passing']} of {rep['total']} exercises pass"]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ reset
def reset(path: Path | None, lesson: str | None = None) -> int:
    """Remove the progress file (or only ``lesson``'s results in it) and say what was removed. A file
    that is not a progress file can be removed whole (that is how one starts over), not in part."""
    if path is None:
        print(f"progress recording is off ({PROGRESS_ENV}=off): there is nothing to reset.")
        return 0
    if lesson is not None:
        results = load_progress(path)
        removed = (results or {}).pop(lesson, None)
        if not removed:
            print(f"nothing to reset: no results recorded for lesson {lesson} in {path}.")
            return 0
        save_progress(path, results)
        print(f"removed lesson {lesson} from {path}: {_names(removed)}")
        return 0
    if not path.exists():
        print(f"nothing to reset: {path} does not exist.")
        return 0
    try:
        results = load_progress(path) or {}
        what = "; ".join(f"lesson {le}: {_names(exs)}" for le, exs in sorted(results.items()) if exs) or "no results"
    except ProgressError:
        what = "a file that was not a readable progress file"
    path.unlink()
    print(f"removed {path} ({what})")
    return 0


def _names(exercises_recorded: dict) -> str:
    n = len(exercises_recorded)
    return f"{n} exercise{'s' if n != 1 else ''} ({', '.join(exercises_recorded)})"
