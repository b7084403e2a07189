"""Checks for lesson 00 (welcome and tour): the PGR warm-up."""

from __future__ import annotations

import random
from typing import Callable

from . import call, checked_call, close, crash_message, passed, rounded, record_checks

__all__ = ["check_pgr", "HINTS"]

NAN = float("nan")

# One nudge per exercise, shown when the learner's code crashes (the lesson's hint has more).
HINTS = {
    "pgr": "compute the gap between the ceiling and the supervisor first; when it is zero or negative, PGR is "
           "undefined and you return float('nan') instead of dividing. Use true division (/), and do not round "
           "or clip the result.",
}

# (weak_acc, w2s_acc, ceiling_acc) -> expected PGR, with what each case is about.
PGR_CASES = [
    ((0.6, 0.7, 0.8), 0.5, "the student recovered half of the gap"),
    ((0.6, 0.6, 0.8), 0.0, "the student only matched its supervisor"),
    ((0.6, 0.8, 0.8), 1.0, "the student reached the ceiling"),
    ((0.6, 0.5, 0.8), -0.5, "the student fell below its supervisor: PGR is negative, do not clip it"),
    ((0.6, 0.9, 0.8), 1.5, "the student beat the ceiling: PGR is above 1, do not clip it"),
    ((0.70, 0.76, 0.80), 0.6, "a typical case"),
    ((1, 2, 5), 0.25, "whole numbers in, a fraction out: no integer division"),
    ((60, 70, 80), 0.5, "accuracies in percent give the same PGR"),
    ((0.6, 0.7, 0.9), 1 / 3, "a third of the gap: the exact fraction, not rounded"),
    ((0.512, 0.559, 0.641), 0.047 / 0.129, "a PGR with many decimals: do not round"),
    ((0.75, 0.7, 0.76), -5.0, "a tiny gap makes a large PGR: the student fell 5 gaps below its supervisor"),
]
UNDEFINED_CASES = [
    ((0.8, 0.7, 0.8), "the ceiling equals the weak supervisor: the gap is zero"),
    ((0.8, 0.9, 0.7), "the ceiling is below the weak supervisor: the gap is negative"),
    ((0.8, 0.8, 0.8), "all three are equal"),
    ((0.7, 0.75, 0.7), "the student beat both, but the ceiling equals the weak supervisor: the gap is zero"),
    ((65, 70, 65), "accuracies in percent, and a zero gap"),
]
N_RANDOM = 40  # random accuracies, each case compared with the formula


def random_cases(n: int = N_RANDOM, seed: int = 0) -> list[tuple[float, float, float]]:
    """``n`` seeded random (weak_acc, w2s_acc, ceiling_acc) with a positive gap of at least 0.01."""
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        weak = rng.uniform(0.3, 0.9)
        ceiling = weak + rng.uniform(0.01, 0.3)
        cases.append((weak, rng.uniform(weak - 0.2, ceiling + 0.2), ceiling))
    return cases


def expected_pgr(weak_acc: float, w2s_acc: float, ceiling_acc: float) -> float:
    """The reference PGR: (w2s - weak) / (ceiling - weak), nan when the ceiling is not above the weak model."""
    gap = ceiling_acc - weak_acc
    return (w2s_acc - weak_acc) / gap if gap > 0 else NAN


def _diagnose(args: tuple, got) -> str:
    """A hint for the usual mistakes, recognized from the wrong value."""
    weak, w2s, ceiling = (float(a) for a in args)
    gap, gained = ceiling - weak, w2s - weak
    guesses = [
        ((ceiling - weak) / gained if gained else None,
         "numerator and denominator look swapped: PGR = (w2s - weak) / (ceiling - weak)"),
        ((w2s - weak) / (ceiling - w2s) if ceiling != w2s else None,
         "the denominator should be the whole gap, ceiling - weak (not ceiling - w2s)"),
        ((weak - w2s) / gap, "the sign is flipped: subtract the weak accuracy from the student's"),
        (float((w2s - weak) // gap), "this looks like floor division (//); use true division (/)"),
        (min(max(gained / gap, 0.0), 1.0), "do not clip PGR to [0, 1]: return the raw ratio"),
        (w2s / ceiling, "PGR compares gaps above the weak accuracy: subtract weak_acc in both places"),
    ]
    for value, hint in guesses:
        if value is not None and close(got, value):
            return f" Hint: {hint}."
    digits = rounded(got, gained / gap)
    if digits is not None:
        return (f" Hint: that is the right PGR rounded to {digits} decimal(s); return the exact value, and round "
                "only when you print it (f\"{pgr:.2f}\").")
    return ""


def _call(fn: Callable, args: tuple, why: str | None = None):
    """``pgr(*args)``; a crash becomes an AssertionError with the hint. A ZeroDivisionError in an undefined
    case (``why`` given) gets its own explanation."""
    what = f"pgr{args}"
    if why is None:
        return checked_call(fn, *args, exercise="pgr", what=what, hint=HINTS["pgr"])
    try:
        return call(fn, *args, exercise="pgr")
    except AssertionError:
        raise
    except ZeroDivisionError:
        raise AssertionError(f"{what} raised ZeroDivisionError ({why}). When ceiling_acc <= weak_acc "
                             "PGR is undefined: check for that first and return float('nan').") from None
    except Exception as err:
        raise AssertionError(crash_message(err, what, HINTS["pgr"])) from None


def _expect(fn: Callable, args: tuple, expected: float, why: str) -> None:
    got = _call(fn, args)
    if got is None:
        raise AssertionError(f"pgr{args} returned None: did you forget `return`?")
    if not close(got, expected, 1e-9 * max(1.0, abs(expected))):
        raise AssertionError(f"pgr{args} returned {got!r}, expected {expected!r} ({why})." + _diagnose(args, got))


def check_pgr(fn: Callable) -> None:
    """Check a learner's ``pgr(weak_acc, w2s_acc, ceiling_acc)``; prints one line if all is well."""
    for args, expected, why in PGR_CASES:
        _expect(fn, args, expected, why)
    for args in random_cases():
        _expect(fn, args, expected_pgr(*args), "random accuracies, compared with (w2s - weak) / (ceiling - weak)")
    for args, why in UNDEFINED_CASES:
        got = _call(fn, args, why)
        if not close(got, NAN):
            raise AssertionError(f"pgr{args} returned {got!r}, expected nan ({why}). When ceiling_acc <= weak_acc "
                                 "there is no gap to recover: return float('nan') instead of a number.")
    passed("pgr", len(PGR_CASES) + N_RANDOM + len(UNDEFINED_CASES))


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
