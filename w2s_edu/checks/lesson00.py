"""Checks for lesson 00 (welcome and tour): the PGR warm-up."""

from __future__ import annotations

from typing import Callable

from . import call, close, passed

__all__ = ["check_pgr"]

NAN = float("nan")

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
]
UNDEFINED_CASES = [
    ((0.8, 0.7, 0.8), "the ceiling equals the weak supervisor: the gap is zero"),
    ((0.8, 0.9, 0.7), "the ceiling is below the weak supervisor: the gap is negative"),
    ((0.8, 0.8, 0.8), "all three are equal"),
]


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
    return ""


def check_pgr(fn: Callable) -> None:
    """Check a learner's ``pgr(weak_acc, w2s_acc, ceiling_acc)``; prints one line if all is well."""
    for args, expected, why in PGR_CASES:
        got = call(fn, *args, exercise="pgr")
        if got is None:
            raise AssertionError(f"pgr{args} returned None: did you forget `return`?")
        if not close(got, expected):
            raise AssertionError(f"pgr{args} returned {got!r}, expected {expected} ({why})."
                                 + _diagnose(args, got))
    for args, why in UNDEFINED_CASES:
        try:
            got = call(fn, *args, exercise="pgr")
        except ZeroDivisionError:
            raise AssertionError(f"pgr{args} raised ZeroDivisionError ({why}). When ceiling_acc <= weak_acc "
                                 "PGR is undefined: check for that first and return float('nan').") from None
        if not close(got, NAN):
            raise AssertionError(f"pgr{args} returned {got!r}, expected nan ({why}). When ceiling_acc <= weak_acc "
                                 "there is no gap to recover: return float('nan') instead of a number.")
    passed("pgr", len(PGR_CASES) + len(UNDEFINED_CASES))
