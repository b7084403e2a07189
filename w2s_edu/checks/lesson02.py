"""Checks for lesson 02 (weak supervision): the three splits, the weak supervisor's soft labels, random
label noise, PGR and the student-supervisor agreement."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import call, checked_call, close, passed, rounded, record_checks
from .lesson00 import HINTS as _LESSON00_HINTS
from .lesson00 import check_pgr  # the same PGR as in lesson 00, with the same checks


__all__ = ["check_make_splits", "check_weak_soft_labels", "check_flip_labels", "check_pgr",
           "check_agreement_by_supervisor", "HINTS"]

SPLIT_NAMES = ("train_weak", "train_strong", "test")

# One nudge per exercise, shown when the learner's code crashes (the lesson's hint has more).
HINTS = {
    "make_splits": "work class by class: shuffle the positions of each class once with a generator built from "
                   "`seed`, and hand out consecutive slices of them to the three splits in turn; check the class "
                   "counts before you start.",
    "weak_soft_labels": "fit the logistic regression on the training split only, then ask it for the "
                        "probabilities of both classes on the other split.",
    "pgr": _LESSON00_HINTS["pgr"],
    "flip_labels": "the number of flips is round(rate * len(labels)); draw that many distinct positions with a "
                   "generator built from `seed`, and flip them in a copy.",
    "agreement_by_supervisor": "build one boolean mask for 'the student agrees with the supervisor' and one for "
                               "'the supervisor is right'; each group's agreement is a mean over its rows only, "
                               "and an empty group has agreement float('nan').",
}


def _run(fn: Callable, *args, exercise: str, what: str):
    return checked_call(fn, *args, exercise=exercise, what=what, hint=HINTS[exercise])


# ------------------------------------------------------------------------------------------ exercise 1
def _splits(fn: Callable, labels, sizes, seed) -> dict:
    what = f"make_splits(labels, {', '.join(map(str, sizes))}, seed={seed})"
    out = _run(fn, labels, *sizes, seed, exercise="make_splits", what=what)
    if out is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    if not isinstance(out, dict) or set(out) != set(SPLIT_NAMES):
        keys = sorted(out) if isinstance(out, dict) else "-"
        raise AssertionError(f"{what} returned {type(out).__name__} with keys {keys}; "
                             f"expected a dict with exactly the keys {list(SPLIT_NAMES)}.")
    arrays = {}
    for name in SPLIT_NAMES:
        a = np.asarray(out[name])
        if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
            raise AssertionError(f"{what}[{name!r}] has shape {a.shape} and dtype {a.dtype}; expected a 1-D array of "
                                 "integer indices into `labels` (a boolean mask becomes indices with np.flatnonzero).")
        arrays[name] = a
    return arrays


def check_make_splits(fn: Callable) -> None:
    """Check ``make_splits(labels, n_train_weak, n_train_strong, n_test, seed)``: disjoint, balanced, seeded."""
    labels = np.random.default_rng(7).permutation(np.r_[np.zeros(300, np.int64), np.ones(200, np.int64)])
    sizes = (100, 120, 81)
    given = labels.copy()
    parts = _splits(fn, given, sizes, 0)
    if not np.array_equal(given, labels):
        raise AssertionError("make_splits changed the `labels` array it was given: work on indices and leave "
                             "the labels alone.")
    for name, n in zip(SPLIT_NAMES, sizes):
        idx = parts[name]
        if len(idx) != n:
            raise AssertionError(f"split {name!r} has {len(idx)} indices, expected {n}. Slices are half-open: "
                                 "a[start:start + k] holds k items.")
        if idx.min() < 0 or idx.max() >= len(labels):
            raise AssertionError(f"split {name!r} holds indices outside 0..{len(labels) - 1}: return positions in "
                                 "`labels`, not labels or positions within one class.")
        if len(np.unique(idx)) != n:
            raise AssertionError(f"split {name!r} holds the same example more than once: draw without replacement "
                                 "(shuffle, then slice).")
        ones = int(labels[idx].sum())
        if ones not in (n // 2, n - n // 2):
            raise AssertionError(f"split {name!r} ({n} examples) has {ones} of class 1 and {n - ones} of class 0; "
                                 f"a balanced split has {n // 2} of one class and {n - n // 2} of the other. "
                                 "The labels here are 60% class 0: draw each split's two halves from the two "
                                 "classes separately.")
    for i, a in enumerate(SPLIT_NAMES):
        for b in SPLIT_NAMES[i + 1:]:
            shared = np.intersect1d(parts[a], parts[b])
            if shared.size:
                raise AssertionError(f"{a!r} and {b!r} share {shared.size} example(s) (e.g. index {shared[0]}): the "
                                     "splits must be disjoint. Does each split start where the previous one ended?")
    again = _splits(fn, labels.copy(), sizes, 0)
    if not all(np.array_equal(parts[k], again[k]) for k in SPLIT_NAMES):
        raise AssertionError("two calls with seed=0 gave different splits: make every random choice with a generator "
                             "built from `seed`, e.g. rng = np.random.default_rng(seed).")
    other = _splits(fn, labels.copy(), sizes, 1)
    if all(np.array_equal(np.sort(parts[k]), np.sort(other[k])) for k in SPLIT_NAMES):
        raise AssertionError("seed=0 and seed=1 gave the same splits: the seed should change which examples go where.")
    few = np.r_[np.zeros(300, np.int64), np.ones(200, np.int64)]
    try:  # class 1 used up exactly: that fits
        exact = _splits(fn, few.copy(), (100, 100, 200), 0)
    except AssertionError as err:
        if isinstance(getattr(err, "learner_error", None), ValueError):
            raise AssertionError(f"make_splits(labels, 100, 100, 200) raised ValueError ({err.learner_error}), but "
                                 "class 1 has exactly the 50 + 50 + 100 = 200 examples these sizes need: that "
                                 "fits. Raise only when a class has *fewer* examples than needed (<, not <=)."
                                 ) from None
        raise
    used = np.concatenate([exact[k] for k in SPLIT_NAMES])
    if [len(exact[k]) for k in SPLIT_NAMES] != [100, 100, 200] or len(np.unique(used)) != len(used):
        raise AssertionError("make_splits(labels, 100, 100, 200) on 300 zeros and 200 ones (class 1 used up "
                             "exactly) should return three disjoint splits of 100, 100 and 200 indices, got sizes "
                             f"{[len(exact[k]) for k in SPLIT_NAMES]} with {len(used) - len(np.unique(used))} "
                             "repeated indices.")
    try:
        result = call(fn, few, 150, 150, 150, 0, exercise="make_splits")
    except ValueError:
        pass
    except AssertionError:
        raise
    except Exception as err:
        raise AssertionError(f"asking for 150 + 150 + 150 examples when class 1 has only 200 (balanced splits need "
                             f"225) raised {type(err).__name__}: {err}; raise a ValueError that says so.") from None
    else:
        got = {k: len(np.asarray(v)) for k, v in result.items()} if isinstance(result, dict) else result
        raise AssertionError(f"asking for 150 + 150 + 150 examples when class 1 has only 200 (balanced splits need "
                             f"225) returned {got} instead of raising ValueError: check the class counts first.")
    passed("make_splits", 10)


# ------------------------------------------------------------------------------------------ exercise 2
def _toy_task(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.8 * rng.normal(size=n) > 0).astype(np.int64)
    return x, y


def check_weak_soft_labels(fn: Callable) -> None:
    """Check ``weak_soft_labels(x_train, y_train, x_label)``: (N_label, 2) probabilities from a trained model."""
    ex = "weak_soft_labels"
    x_train, y_train = _toy_task(400, 1)
    x_label, y_label = _toy_task(250, 2)
    what = "weak_soft_labels(x_train (400 x 3), y_train, x_label (250 x 3))"

    def labels(y):
        xt, yt, xl = x_train.copy(), y.copy(), x_label.copy()
        out = _run(fn, xt, yt, xl, exercise=ex, what=what)
        if out is None:
            raise AssertionError(f"{what} returned None: did you forget `return`?")
        if not (np.array_equal(xt, x_train) and np.array_equal(yt, y) and np.array_equal(xl, x_label)):
            raise AssertionError(f"{what} changed its input arrays; leave them as they are.")
        return np.asarray(out, dtype=float)

    p = labels(y_train)
    if p.shape == (400, 2):
        raise AssertionError(f"{what} returned shape (400, 2): those are probabilities for x_train. The weak labels "
                             "are for the *other* split: predict on x_label.")
    if p.shape == (250,):
        raise AssertionError(f"{what} returned shape (250,); return both columns, shape (250, 2) (P(class 0), "
                             "P(class 1)), as predict_proba does.")
    if p.shape != (250, 2):
        raise AssertionError(f"{what} returned shape {p.shape}; expected (250, 2): one row per row of x_label.")
    if not np.isfinite(p).all() or p.min() < 0 or p.max() > 1 or not np.allclose(p.sum(axis=1), 1, atol=1e-4):
        raise AssertionError("each row should be a probability distribution (entries in [0, 1] summing to 1); got "
                             f"e.g. {p[0].round(4).tolist()}. Use predict_proba, not decision_function or logits.")
    acc = float((p.argmax(axis=1) == y_label).mean())
    if acc < 0.3:
        raise AssertionError(f"argmax of your probabilities matches the true labels of x_label only {acc:.0%} of the "
                             "time: the columns look swapped. Column 1 must be P(class 1).")
    if acc < 0.7:
        raise AssertionError(f"argmax of your probabilities matches the true labels of x_label {acc:.0%} of the time; "
                             "a logistic regression trained on (x_train, y_train) gets about 80%. Is it trained?")
    if float((p.max(axis=1) < 0.9).mean()) < 0.2:
        raise AssertionError("almost every row is (nearly) 0/1: those are hard labels. Soft labels keep the weak "
                             "model's uncertainty: return its probabilities, not one-hot predictions.")
    if not np.allclose(labels(y_train), p, atol=1e-6):
        raise AssertionError("two calls on the same data gave different probabilities: seed anything random.")
    if float((labels(1 - y_train).argmax(axis=1) == y_label).mean()) > 0.3:
        raise AssertionError("with the training labels flipped (1 - y_train) the predictions did not flip: train "
                             "the model on y_train.")
    passed(ex, 7)


# ------------------------------------------------------------------------------------------ exercise 3
def check_flip_labels(fn: Callable) -> None:
    """Check ``flip_labels(labels, rate, seed)``: exactly round(rate * N) labels, chosen at random, flipped."""
    ex = "flip_labels"
    labels = np.r_[np.zeros(600, np.int64), np.ones(400, np.int64)]  # sorted on purpose

    def flip(rate, seed=0, lab=labels):
        given = lab.copy()
        what = f"flip_labels(labels, rate={rate}, seed={seed})"
        out = _run(fn, given, rate, seed, exercise=ex, what=what)
        if out is None:
            raise AssertionError(f"{what} returned None: did you forget `return`?")
        if not np.array_equal(given, lab):
            raise AssertionError(f"{what} changed the array it was given: flip a copy (labels.copy()).")
        out = np.asarray(out)
        if out.shape != lab.shape or not np.isin(out, (0, 1)).all():
            raise AssertionError(f"{what} returned shape {out.shape} with values {np.unique(out)[:5]}; expected 0/1 "
                                 f"labels of shape {lab.shape}.")
        return out, what

    # (rate, n, k): the last cases make a truncation (int(0.29 * 100) is 28) or a ceiling miss the count
    for rate, n, k in [(0.2, 1000, 200), (0.0, 1000, 0), (1.0, 1000, 1000), (0.05, 1000, 50), (0.3, 7, 2),
                       (0.29, 100, 29), (0.4, 7, 3), (0.58, 100, 58), (0.07, 1000, 70)]:
        out, what = flip(rate, lab=labels[:n] if n < len(labels) else labels)
        changed = int((out != labels[:n]).sum())
        if changed != k:
            if changed == int(rate * n) or changed == math.floor(rate * n):
                hint = (f" That is int({rate} * {n}) = {int(rate * n)}: int() truncates ({rate} * {n} is "
                        f"{rate * n!r} in floating point). Use round(rate * len(labels)).")
            elif changed == math.ceil(rate * n):
                hint = f" That is math.ceil({rate} * {n}); use round(rate * len(labels))."
            else:
                hint = (" Flipping each label with probability `rate` only hits the rate on average: choose "
                        "exactly k positions without replacement instead.")
            raise AssertionError(f"{what} on {n} labels flipped {changed}; expected exactly round({rate} * {n}) = "
                                 f"{k}.{hint}")
    out, _ = flip(0.2)
    mask = out != labels
    in_zeros = int(mask[:600].sum())
    if not 80 <= in_zeros <= 160:
        raise AssertionError(f"on sorted labels (600 zeros, then 400 ones) {in_zeros} of the 200 flips hit the zeros; "
                             "uniformly random positions would put about 120 there. Flipping the first k (or last k) "
                             "labels is systematic, not random noise: pick positions at random.")
    again, _ = flip(0.2)
    if not np.array_equal(out, again):
        raise AssertionError("two calls with seed=0 flipped different labels: use a generator built from `seed`.")
    other, _ = flip(0.2, seed=1)
    if np.array_equal(out, other):
        raise AssertionError("seed=0 and seed=1 flipped the same labels: the seed should change which labels flip.")
    passed(ex, 12)


# ------------------------------------------------------------------------------------------ exercise 5
# labels, supervisor and student: the supervisor is right on 6 examples (the student agrees with it on 4)
# and wrong on 4 (the student agrees with it on 3): overall agreement 7 / 10.
_LABELS = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
_SUPERVISOR = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 1])
_STUDENT = np.array([1, 1, 0, 1, 0, 1, 0, 1, 1, 1])


def _agreement(fn: Callable, student, supervisor, labels, what: str) -> dict:
    out = _run(fn, student.copy(), supervisor.copy(), labels.copy(), exercise="agreement_by_supervisor", what=what)
    if out is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    shape_hint = ('{"overall": float, "supervisor_right": {"n": int, "agreement": float}, '
                  '"supervisor_wrong": {"n": int, "agreement": float}}')
    groups = ("supervisor_right", "supervisor_wrong")
    ok = isinstance(out, dict) and "overall" in out and all(
        isinstance(out.get(g), dict) and {"n", "agreement"} <= set(out[g]) for g in groups)
    if not ok:
        raise AssertionError(f"{what} returned {out!r}; expected a dict shaped like {shape_hint}.")
    return out


def check_agreement_by_supervisor(fn: Callable) -> None:
    """Check ``agreement_by_supervisor(student_pred, supervisor_pred, labels)`` on hand-made and random examples."""
    what = "agreement_by_supervisor(student, supervisor, labels) on the 10-example case"
    out = _agreement(fn, _STUDENT, _SUPERVISOR, _LABELS, what)
    right, wrong = out["supervisor_right"], out["supervisor_wrong"]
    if (right["n"], wrong["n"]) != (6, 4):
        raise AssertionError(f"{what}: the supervisor is right on 6 examples and wrong on 4, but you report n = "
                             f"{right['n']} and {wrong['n']}. Group by supervisor_pred == labels.")
    if not close(out["overall"], 0.7):
        hint = " That is the student's accuracy: compare with the supervisor." if close(out["overall"], 0.5) else ""
        raise AssertionError(f"{what}: overall agreement should be 7/10 = 0.7 (student_pred == supervisor_pred), "
                             f"got {out['overall']!r}.{hint}")
    got = (right["agreement"], wrong["agreement"])
    if not (close(got[0], 4 / 6) and close(got[1], 0.75)):
        hint = ""
        if close(got[0], 0.7) and close(got[1], 0.7):
            hint = " Both equal the overall agreement: average within each group only."
        elif close(got[0], 0.75) and close(got[1], 4 / 6):
            hint = " The two groups look swapped."
        elif close(got[1], 0.25):
            hint = (" 0.25 is the student's accuracy where the supervisor is wrong: measure agreement with the "
                    "supervisor, not with the labels.")
        elif close(got[0], 4 / 10) or close(got[1], 3 / 10):
            hint = " Divide by the size of the group, not by all N examples."
        elif rounded(got[0], 4 / 6) is not None:
            hint = (f" 4/6 looks rounded to {rounded(got[0], 4 / 6)} decimal(s): return the exact fraction, round "
                    "only when you print it.")
        raise AssertionError(f"{what}: expected agreement 4/6 = 0.667 where the supervisor is right and 3/4 = 0.75 "
                             f"where it is wrong, got {got}.{hint}")
    always = np.array([0, 1, 1, 0])
    what = "agreement_by_supervisor on a case where the supervisor is never wrong"
    out = _agreement(fn, np.array([0, 1, 0, 0]), always, always, what)
    if out["supervisor_wrong"]["n"] != 0 or not close(out["supervisor_wrong"]["agreement"], float("nan")):
        raise AssertionError(f"{what}: the 'supervisor_wrong' group is empty, so its agreement is undefined: return "
                             f"n = 0 and agreement float('nan'); got {out['supervisor_wrong']!r}.")
    if not close(out["supervisor_right"]["agreement"], 0.75):
        raise AssertionError(f"{what}: expected 'supervisor_right' agreement 0.75, got {out['supervisor_right']!r}.")
    what = "agreement_by_supervisor on a case where the supervisor is always wrong"
    out = _agreement(fn, np.array([1, 0, 0, 1, 1]), np.array([1, 0, 1, 1, 0]), np.array([0, 1, 0, 0, 1]), what)
    if out["supervisor_right"]["n"] != 0 or not close(out["supervisor_right"]["agreement"], float("nan")):
        raise AssertionError(f"{what}: the 'supervisor_right' group is empty, so its agreement is undefined: return "
                             f"n = 0 and agreement float('nan'); got {out['supervisor_right']!r}.")
    if out["supervisor_wrong"]["n"] != 5 or not close(out["supervisor_wrong"]["agreement"], 0.6):
        raise AssertionError(f"{what}: expected 'supervisor_wrong' n = 5 and agreement 3/5 = 0.6, got "
                             f"{out['supervisor_wrong']!r}.")
    rng = np.random.default_rng(0)
    y, sup, stu = (rng.integers(0, 2, 200) for _ in range(3))
    out = _agreement(fn, stu, sup, y, "agreement_by_supervisor on 200 random examples")
    agree, ok = stu == sup, sup == y
    for key, mask in (("supervisor_right", ok), ("supervisor_wrong", ~ok)):
        if not (out[key]["n"] == mask.sum() and math.isclose(float(out[key]["agreement"]), agree[mask].mean())):
            digits = rounded(out[key]["agreement"], float(agree[mask].mean()))
            hint = f" It looks rounded to {digits} decimal(s): return the exact value." if digits is not None else ""
            raise AssertionError(f"on 200 random examples {key} should be n = {mask.sum()}, agreement "
                                 f"{agree[mask].mean()!r}; got {out[key]!r}.{hint}")
    passed("agreement_by_supervisor", 10)


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
