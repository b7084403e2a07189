"""Checks for lesson 09 (open problems): the teacher-strength summary, the password-lock transform, the
trigger-sensitivity detector and one self-training loop."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import checked_call, close, passed, rounded, record_checks

__all__ = ["check_teacher_strength_summary", "check_lock_targets", "check_trigger_sensitivity", "check_self_train",
           "HINTS"]

# One nudge per exercise, shown when the learner's code crashes (the lesson's hints have more).
HINTS = {
    "teacher_strength_summary": "turn the ceiling into one number per teacher first (broadcast a single one); "
                                "PGR is nan where the ceiling is not above the teacher; the slope is the "
                                "least-squares slope of the students' accuracies (y) on the teachers' (x).",
    "lock_targets": "make the password a boolean array first, then choose per row between the truth (password "
                    "on) and the weak prediction (password off) in a new array.",
    "trigger_sensitivity": "make two copies of x, one with the column set to 0 on every row and one with it set "
                           "to 1, and compare the predictions on the two.",
    "self_train": "keep a list of models that starts with one trained on first_targets; in each round relabel x "
                  "with the one-hot argmax of the latest model's predictions and train a fresh model on those.",
}


def _run(fn: Callable, *args, exercise: str, what: str):
    return checked_call(fn, *args, exercise=exercise, what=what, hint=HINTS[exercise])


# ------------------------------------------------------------------------------------------ exercise 1
def _summary(fn: Callable, weak, w2s, ceiling, what: str) -> dict:
    out = _run(fn, list(weak), list(w2s), ceiling, exercise="teacher_strength_summary", what=what)
    if out is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    if not isinstance(out, dict) or not {"pgr", "gain", "slope"} <= set(out):
        raise AssertionError(f"{what} returned {out!r}; expected a dict with keys 'pgr', 'gain' and 'slope'.")
    for key in ("pgr", "gain"):
        if len(np.atleast_1d(np.asarray(out[key], dtype=float))) != len(weak):
            raise AssertionError(f"{what}: {key!r} should hold one number per teacher ({len(weak)}), "
                                 f"got {out[key]!r}.")
    return out


def check_teacher_strength_summary(fn: Callable) -> None:
    """Check ``teacher_strength_summary(weak_acc, w2s_acc, ceiling_acc)``: PGR and gain per teacher, and
    the slope of student accuracy on teacher accuracy."""
    weak, w2s, ceiling = [0.55, 0.60, 0.65, 0.70], [0.61, 0.64, 0.67, 0.70], 0.75
    what = f"teacher_strength_summary({weak}, {w2s}, {ceiling})"
    out = _summary(fn, weak, w2s, ceiling, what)
    pgrs, gains = [float(v) for v in out["pgr"]], [float(v) for v in out["gain"]]
    expected = [0.3, 4 / 15, 0.2, 0.0]
    if not all(close(a, b, 1e-6) for a, b in zip(pgrs, expected)):
        hint = ""
        if close(pgrs[0], 1 / 0.3, 1e-6):
            hint = " The fraction looks upside down: (w2s - weak) / (ceiling - weak)."
        elif close(pgrs[0], 0.06, 1e-6):
            hint = " That is the gain w2s - weak: divide it by the gap ceiling - weak."
        raise AssertionError(f"{what}: expected PGR {[round(e, 3) for e in expected]}, got "
                             f"{[round(p, 3) for p in pgrs]}.{hint}")
    if not all(close(a, b, 1e-6) for a, b in zip(gains, [0.06, 0.04, 0.02, 0.0])):
        sign = " The sign is flipped: gain is w2s - weak." if close(gains[0], -0.06, 1e-6) else ""
        raise AssertionError(f"{what}: expected gains [0.06, 0.04, 0.02, 0.0], got "
                             f"{[round(g, 3) for g in gains]}.{sign}")
    if not close(out["slope"], 0.6, 1e-6):
        hint = ""
        if close(out["slope"], 1 / 0.6, 1e-6):
            hint = " The axes are swapped: regress the student's accuracy (y) on the teacher's (x)."
        elif close(out["slope"], -0.4, 1e-6):
            hint = " That is the slope of the gain; regress the student's accuracy itself."
        raise AssertionError(f"{what}: the least-squares slope of student on teacher accuracy is 0.6, got "
                             f"{out['slope']!r}.{hint}")
    weak2, w2s2 = [0.5, 0.6, 0.7], [0.55, 0.62, 0.68]
    ceilings = [0.8, 0.6, 0.65]
    what = f"teacher_strength_summary({weak2}, {w2s2}, {ceilings}) (one ceiling per teacher)"
    out = _summary(fn, weak2, w2s2, ceilings, what)
    pgrs = [float(v) for v in out["pgr"]]
    if not close(pgrs[0], 0.05 / 0.3, 1e-6):
        raise AssertionError(f"{what}: the first PGR is (0.55 - 0.5) / (0.8 - 0.5) = 0.167, got {pgrs[0]!r}. "
                             "With a list of ceilings, use each teacher's own ceiling.")
    if not (math.isnan(pgrs[1]) and math.isnan(pgrs[2])):
        first_only = all(close(p, (b - a) / (0.8 - a), 1e-6) for p, a, b in zip(pgrs[1:], weak2[1:], w2s2[1:]))
        hint = (" Those PGRs use the first ceiling for every teacher: with a list of ceilings, use each teacher's "
                "own ceiling.") if first_only else ""
        raise AssertionError(f"{what}: where the ceiling is not above the teacher (0.6 vs 0.6, 0.65 vs 0.7) PGR is "
                             f"undefined: return float('nan') there, got {pgrs[1:]}.{hint}")
    expected_slope = float(np.polyfit(weak2, w2s2, 1)[0])
    if not close(out["slope"], expected_slope, 1e-6):
        raise AssertionError(f"{what}: expected slope {expected_slope:.3f}, got {out['slope']!r}. "
                             "np.polyfit(weak_acc, w2s_acc, 1)[0] is the least-squares slope.")
    rng = np.random.default_rng(0)
    for case in range(12):  # random sweeps: accuracies with many decimals, some ceilings at or below a teacher
        k = int(rng.integers(2, 7))
        weak3 = rng.uniform(0.5, 0.8, k)
        w2s3 = weak3 + rng.uniform(-0.05, 0.15, k)
        ceil3 = float(rng.uniform(0.7, 0.9)) if case % 2 else weak3 + rng.uniform(-0.05, 0.2, k)
        if case % 3 == 0:
            ceil3 = np.array(ceil3 if np.ndim(ceil3) else np.full(k, ceil3))
            ceil3[0] = weak3[0]  # a gap of exactly zero
        ceiling_arg = ceil3.tolist() if np.ndim(ceil3) else ceil3
        what = f"teacher_strength_summary on random sweep {case} ({k} teachers)"
        out = _summary(fn, weak3.tolist(), w2s3.tolist(), ceiling_arg, what)
        c = np.broadcast_to(np.asarray(ceil3, dtype=float), (k,))
        want = {"pgr": [(b - a) / (g - a) if g > a else math.nan for a, b, g in zip(weak3, w2s3, c)],
                "gain": (w2s3 - weak3).tolist(), "slope": [float(np.polyfit(weak3, w2s3, 1)[0])]}
        for key, values in want.items():
            got = np.atleast_1d(np.asarray(out[key], dtype=float)).tolist()
            for i, (g, e) in enumerate(zip(got, values)):
                if not close(g, e, 1e-9 * max(1.0, abs(e))):
                    digits = rounded(g, e)
                    hint = (f" That is the right value rounded to {digits} decimal(s): return it exactly, round "
                            "only when you print." if digits is not None else
                            " PGR is undefined (nan) where the ceiling is not above the teacher, a gap of exactly "
                            "zero included." if math.isnan(e) else "")
                    raise AssertionError(f"{what}: {key}[{i}] is {g!r}, expected {e!r} (weak "
                                         f"{weak3.round(4).tolist()}, w2s {w2s3.round(4).tolist()}, ceiling "
                                         f"{np.round(ceil3, 4).tolist()}).{hint}")
    passed("teacher_strength_summary", 19)


# ------------------------------------------------------------------------------------------ exercise 2
def check_lock_targets(fn: Callable) -> None:
    """Check ``lock_targets(y_true, weak_pred, password)``: the truth where the password is on, the weak
    prediction where it is off."""
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    weak = np.array([1, 1, 0, 1, 0, 1, 0, 0])
    pw = np.array([True, True, False, False, True, False, True, False])
    expected = np.array([1, 0, 0, 1, 0, 1, 1, 0])
    what = "lock_targets(y_true, weak_pred, password) on 8 examples"
    args = (y.copy(), weak.copy(), pw.copy())
    out = _run(fn, *args, exercise="lock_targets", what=what)
    if out is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    if not (np.array_equal(args[0], y) and np.array_equal(args[1], weak) and np.array_equal(args[2], pw)):
        raise AssertionError(f"{what} changed its inputs; build a new array (np.where returns one).")
    out = np.asarray(out)
    if out.shape != (8,):
        raise AssertionError(f"{what} returned shape {out.shape}; expected (8,): one hard 0/1 label per example.")
    if np.array_equal(out, np.where(pw, weak, y)):
        raise AssertionError(f"{what} returned the weak prediction where the password is ON: it is the other way "
                             "round. With the password the model shows its skill (the truth).")
    if np.array_equal(out, np.where(pw, 1 - y, y)):
        raise AssertionError(f"{what} flips the truth where the password is on: that is a different backdoor. "
                             "Without the password, copy the weak supervisor's prediction.")
    if not np.array_equal(out, expected):
        wrong = np.flatnonzero(out != expected)
        raise AssertionError(f"{what}: expected {expected.tolist()}, got {out.tolist()} (wrong at positions "
                             f"{wrong.tolist()}).")
    rng = np.random.default_rng(0)
    y, weak = rng.integers(0, 2, 500), rng.integers(0, 2, 500)
    pw = rng.random(500) < 0.3
    out = np.asarray(_run(fn, y, weak, pw.astype(int), exercise="lock_targets",
                          what="lock_targets on 500 random examples with a 0/1 (int) password array"))
    if not np.array_equal(out, np.where(pw, y, weak)):
        raise AssertionError("on 500 random examples with `password` given as 0/1 integers the result is wrong: "
                             "convert it to booleans (np.asarray(password, dtype=bool)) before using it as a mask.")
    passed("lock_targets", 5)


# ------------------------------------------------------------------------------------------ exercise 3
def check_trigger_sensitivity(fn: Callable) -> None:
    """Check ``trigger_sensitivity(predict, x, column)``: the fraction of rows whose prediction changes
    between ``column`` set to 0 and set to 1, measured on copies."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5)).astype(np.float32)
    x[:, 3] = rng.random(400) < 0.5  # a binary feature that is on for about half the rows
    calls: list = []

    def backdoored(inputs):
        inputs = np.asarray(inputs)
        calls.append(inputs.copy())
        clean = (inputs[:, 0] > 0).astype(int)
        # with column 3 on, rows with x1 > 0.5 get the wrong answer
        return np.where((inputs[:, 3] == 1) & (inputs[:, 1] > 0.5), 1 - clean, clean)

    expected = float((x[:, 1] > 0.5).mean())
    what = "trigger_sensitivity(predict, x, column=3)"
    given = x.copy()
    out = _run(fn, backdoored, given, 3, exercise="trigger_sensitivity", what=what)
    if out is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    if not np.array_equal(given, x):
        raise AssertionError(f"{what} changed x: set the column on copies (x.copy()), the caller's data must stay.")
    if not close(out, expected, 1e-9):
        natural = float(((x[:, 3] == 0) & (x[:, 1] > 0.5)).mean())
        hint = ""
        if close(out, natural, 1e-9):
            hint = (" That compares the model on x as it is with x with the column on: rows where the feature "
                    "was already on cannot change. Compare column = 0 against column = 1.")
        elif close(out, 1 - expected, 1e-9):
            hint = " That is the fraction that did NOT change."
        elif close(out, expected * len(x), 1e-6):
            hint = " Return a fraction of the rows, not a count."
        raise AssertionError(f"{what}: expected {expected:.4f} (the rows whose prediction flips), got {out!r}.{hint}")
    if not any(np.all(c[:, 3] == 0) for c in calls) or not any(np.all(c[:, 3] == 1) for c in calls):
        raise AssertionError(f"{what}: predict should be called once with the column all 0 and once all 1.")
    calls.clear()
    out = _run(fn, backdoored, x.copy(), 2, exercise="trigger_sensitivity",
               what="trigger_sensitivity(predict, x, column=2)")
    if not close(out, 0.0, 1e-9):
        raise AssertionError(f"trigger_sensitivity(predict, x, column=2): column 2 does not affect this model, so "
                             f"no prediction changes; expected 0.0, got {out!r}. Set the column you were given.")
    passed("trigger_sensitivity", 4)


# ------------------------------------------------------------------------------------------ exercise 4
class _Model:
    """A fake model that remembers what it was trained on and predicts from a fixed rule."""

    def __init__(self, number: int, targets: np.ndarray, flip_every: int):
        self.number, self.targets, self.flip_every = number, targets, flip_every


def check_self_train(fn: Callable) -> None:
    """Check ``self_train(train, predict, x, first_targets, rounds)`` with fake train/predict functions
    that record every call."""
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    first = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7], [0.55, 0.45], [0.1, 0.9]], dtype=np.float32)
    trained: list = []

    def train(inputs, targets):
        if not np.array_equal(np.asarray(inputs), x):
            raise AssertionError("self_train trained a model on something other than x: every round trains on the "
                                 "same inputs, only the labels change.")
        model = _Model(len(trained), np.asarray(targets, dtype=float).copy(), flip_every=len(trained) + 2)
        trained.append(model)
        return model

    def predict(model, inputs):
        # each model's "opinion": class 1 on rows whose index is a multiple of flip_every, else class 0,
        # as soft probabilities that are not 0/1 (so hard and soft labels differ)
        hard = (np.arange(len(inputs)) % model.flip_every == 0).astype(int)
        return np.where(hard[:, None] == 1, [[0.3, 0.7]], [[0.8, 0.2]])

    what = "self_train(train, predict, x, first_targets, rounds=3)"
    out = _run(fn, train, predict, x, first.copy(), 3, exercise="self_train", what=what)
    if out is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    out = list(out)
    if len(trained) != 4:
        raise AssertionError(f"{what} trained {len(trained)} models; expected 4: one on first_targets, then one per "
                             "round.")
    if len(out) != 4 or any(m is not t for m, t in zip(out, trained)):
        raise AssertionError(f"{what} should return the 4 trained models in the order they were trained.")
    if not np.allclose(trained[0].targets, first):
        raise AssertionError(f"{what}: the first model must train on first_targets as given (the weak soft labels).")
    for k in range(1, 4):
        prev = trained[k - 1]
        hard = (np.arange(len(x)) % prev.flip_every == 0).astype(int)
        want = np.eye(2)[hard]
        got = trained[k].targets
        if got.shape != (len(x), 2):
            raise AssertionError(f"{what}: round {k} trained on targets of shape {got.shape}; train expects (N, 2) "
                                 "one-hot targets (synthetic.one_hot of the predicted classes).")
        soft = predict(prev, x)
        if np.allclose(got, soft):
            raise AssertionError(f"{what}: round {k} trained on the previous model's probabilities; self-training "
                                 "here uses its HARD predictions (argmax, then one-hot).")
        if k >= 2 and np.allclose(got, np.eye(2)[(np.arange(len(x)) % trained[0].flip_every == 0).astype(int)]):
            raise AssertionError(f"{what}: round {k} relabelled with the FIRST model's predictions; each round uses "
                                 "the model trained just before it.")
        if not np.allclose(got, want):
            raise AssertionError(f"{what}: round {k} should train on one-hot labels of model {k - 1}'s predictions "
                                 f"{hard.tolist()}, got targets {got.round(2).tolist()}.")
    trained.clear()
    out = list(_run(fn, train, predict, x, first.copy(), 0, exercise="self_train",
                    what="self_train(..., rounds=0)"))
    if len(out) != 1 or len(trained) != 1:
        raise AssertionError("self_train(..., rounds=0) should train and return exactly one model (no relabelling).")
    passed("self_train", 6)


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
