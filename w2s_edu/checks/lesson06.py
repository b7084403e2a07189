"""Checks for lesson 06 (why weak-to-strong can work, and when it cannot): the least-squares student,
misfit and gain, a k-nearest-neighbour student that respects abstentions, and the breakdown of the
supervisor's mistakes into fixed and copied ones."""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import checked_call, close, passed, record_checks

__all__ = ["check_least_squares_student", "check_misfit_and_gain", "check_knn_student", "check_fixed_and_copied",
           "HINTS"]

# One nudge per exercise, shown when the learner's code crashes (the lesson's hint has more).
HINTS = {
    "least_squares_student": "solve the least-squares problem exactly, without a penalty, with a solver that copes "
                             "with repeated columns, and return the coefficients (one per column), not predictions.",
    "misfit_and_gain": "flatten the three inputs first; every distance is a mean of squared differences, and the "
                       "gain and the slack are differences of those.",
    "knn_student": "drop the training points labelled -1 first; then, for each query, find the k nearest of the "
                   "rest and let their labels vote (1 when more than half are 1).",
    "fixed_and_copied": "turn both arrays into booleans; fixed, copied and broken are means of `&` combinations "
                        "over all entries, and fixed_share divides by the supervisor's mistakes (nan when none).",
}


def _run(fn: Callable, *args, exercise: str, what: str, hint: str | None = None):
    return checked_call(fn, *args, exercise=exercise, what=what, hint=hint or HINTS[exercise])


def _show(value) -> str:
    """A returned number as the learner would print it (np.float64(0.5) shows as 0.5)."""
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return repr(value)


def _returned(out, what: str):
    if out is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    return out


# ------------------------------------------------------------------------------------------ exercise 1
def _features(n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.c_[np.ones(n), np.tanh(rng.normal(size=(n, d - 1)) @ rng.normal(size=(d - 1, d - 1)))]


def _coef(fn: Callable, features, weak, what: str, hint: str | None = None) -> np.ndarray:
    f, w = features.copy(), weak.copy()
    out = _returned(_run(fn, f, w, exercise="least_squares_student", what=what, hint=hint), what)
    if not (np.array_equal(f, features) and np.array_equal(w, weak)):
        raise AssertionError(f"{what} changed its input arrays; leave them as they are.")
    coef = np.asarray(out, dtype=float)
    if coef.shape == (len(features),) and coef.shape != (features.shape[1],):
        raise AssertionError(f"{what} returned {coef.shape[0]} numbers, one per example: those look like "
                             f"predictions. Return the {features.shape[1]} coefficients w "
                             "(the predictions are features @ w).")
    if coef.shape != (features.shape[1],):
        raise AssertionError(f"{what} returned shape {coef.shape}; expected ({features.shape[1]},): one coefficient "
                             "per column of `features`.")
    return coef


def _projection_hint(features, weak, coef) -> str:
    best = features @ np.linalg.lstsq(features, weak, rcond=None)[0]
    pred = features @ coef
    if np.allclose(pred - pred.mean() + weak.mean(), best, atol=1e-6):
        return (" Your predictions are the projection shifted by a constant: if you used scikit-learn's "
                "LinearRegression, its intercept is not in coef_; pass fit_intercept=False (the features "
                "already hold a constant column).")
    if not np.allclose(features.T @ (pred - weak), 0, atol=1e-6 * len(weak)):
        return (" The residual features @ w - weak is not orthogonal to the columns of `features`, which every "
                "least-squares solution satisfies: a penalty (ridge, weight decay) or an unfinished iterative "
                "fit moves the student off the projection. Solve the problem exactly.")
    return ""


def check_least_squares_student(fn: Callable) -> None:
    """``least_squares_student(features, weak)`` -> the coefficients of the least-squares fit."""
    ex, n_checks = "least_squares_student", 0
    for n, d, seed in [(40, 4, 0), (200, 9, 1), (25, 25, 2), (60, 3, 3)]:
        features = _features(n, d, seed)
        rng = np.random.default_rng(100 + seed)
        weak = np.sin(3 * features[:, 1]) + 0.7 + 0.3 * rng.normal(size=n)  # not in the span, mean not zero
        what = f"least_squares_student(features ({n} x {d}), weak)"
        coef = _coef(fn, features, weak, what)
        want = np.linalg.lstsq(features, weak, rcond=None)[0]
        if not np.allclose(coef, want, atol=1e-6, rtol=1e-6):
            raise AssertionError(f"{what}: your coefficients are not the least-squares ones (largest difference "
                                 f"{np.abs(coef - want).max():.3g}).{_projection_hint(features, weak, coef)}")
        n_checks += 1
    features = _features(50, 5, 7)
    c = np.array([0.3, -1.2, 0.45, 2.0, -0.05])
    coef = _coef(fn, features, features @ c, "least_squares_student(features, weak) with weak = features @ c")
    if not np.allclose(coef, c, atol=1e-6):
        raise AssertionError(f"when the weak predictions are exactly features @ c the student should recover c = "
                             f"{c.tolist()} (misfit zero); got {np.round(coef, 4).tolist()}.")
    n_checks += 1
    features = _features(80, 4, 8)
    features = np.c_[features, features[:, 1]]  # a repeated column: many coefficient vectors fit equally well
    weak = np.cos(2 * features[:, 2]) + 0.2
    what = "least_squares_student(features with two identical columns, weak)"
    coef = _coef(fn, features, weak, what, hint="with two identical columns the normal equations features.T @ "
                 "features have no inverse: np.linalg.lstsq (or np.linalg.pinv) handles this case.")
    best = features @ np.linalg.lstsq(features, weak, rcond=None)[0]
    if not np.all(np.isfinite(coef)) or not np.allclose(features @ coef, best, atol=1e-5):
        raise AssertionError(f"{what}: the predictions features @ w are not the least-squares ones. Inverting "
                             "features.T @ features fails when columns repeat (it is singular): use np.linalg.lstsq.")
    n_checks += 1
    passed(ex, n_checks)


# ------------------------------------------------------------------------------------------ exercise 2
_KEYS = ("err_weak", "err_student", "misfit", "gain", "slack")
_S = np.array([0.9, 2.3, -0.4, 1.1, 0.2, -1.3])
_W = np.array([1.4, 1.6, 0.3, 0.8, -0.5, -0.6])
_T = np.array([0.7, 2.6, -0.2, 1.5, 0.4, -1.1])


def _measure(fn: Callable, student, weak, target, what: str) -> dict:
    args = [np.array(a, dtype=float) if not isinstance(a, list) else list(a) for a in (student, weak, target)]
    out = _returned(_run(fn, *args, exercise="misfit_and_gain", what=what), what)
    if not isinstance(out, dict) or not set(_KEYS) <= set(out):
        keys = sorted(out) if isinstance(out, dict) else type(out).__name__
        raise AssertionError(f"{what} returned {keys}; expected a dict with the keys {list(_KEYS)}.")
    return out


def _expected(s, w, t) -> dict:
    ew, es, m = np.mean((w - t) ** 2), np.mean((s - t) ** 2), np.mean((s - w) ** 2)
    return {"err_weak": ew, "err_student": es, "misfit": m, "gain": ew - es, "slack": ew - es - m}


def _value_hint(key: str, got, exp: dict, s, w, t) -> str:
    sq = {"err_weak": (w, t), "err_student": (s, t), "misfit": (s, w)}
    if key in sq:
        a, b = sq[key]
        if close(got, float(np.sum((a - b) ** 2)), 1e-6):
            return " That is the sum of squared differences: average over the examples."
        if close(got, float(np.sqrt(np.mean((a - b) ** 2))), 1e-6):
            return " That is the root of the mean squared distance: keep it squared (no square root)."
        if close(got, float(np.mean(np.abs(a - b))), 1e-6):
            return " That is a mean absolute difference: square the differences."
        if key == "misfit" and close(got, exp["err_student"], 1e-6):
            return " That is the student's distance to the target: the misfit compares the student with its supervisor."
    if key == "gain" and close(got, -exp["gain"], 1e-6):
        return " The sign is flipped: the gain is err_weak - err_student (positive when the student is closer)."
    if key == "slack" and close(got, -exp["slack"], 1e-6):
        return " The sign is flipped: slack = gain - misfit (the theorem says it is >= 0)."
    return ""


def check_misfit_and_gain(fn: Callable) -> None:
    """``misfit_and_gain(student, weak, target)`` -> mean squared distances, the gain and the slack."""
    what = "misfit_and_gain(student, weak, target) on 6 hand-made examples"
    out, exp = _measure(fn, _S, _W, _T, what), _expected(_S, _W, _T)
    for key in _KEYS:
        if not close(out[key], float(exp[key]), 1e-9):
            raise AssertionError(f"{what}: {key} should be {exp[key]:.6g}, got {_show(out[key])}."
                                 f"{_value_hint(key, out[key], exp, _S, _W, _T)}")
    col = _measure(fn, _S[:, None], _W, _T, "misfit_and_gain(student as a (6, 1) column, weak, target)")
    if not close(col["misfit"], float(exp["misfit"]), 1e-9):
        raise AssertionError("with the student's predictions passed as a (6, 1) column (as `features @ w` gives for a "
                             f"(d, 1) w) the misfit should still be {exp['misfit']:.6g}, got {_show(col['misfit'])}: a "
                             "(6, 1) column minus a (6,) row broadcasts to a (6, 6) matrix. Flatten your inputs "
                             "(np.ravel) first.")
    same = _measure(fn, list(_W), list(_W), list(_T), "misfit_and_gain(weak, weak, target) (lists)")
    want = float(np.mean((_W - _T) ** 2))
    if not (close(same["misfit"], 0.0) and close(same["gain"], 0.0) and close(same["slack"], 0.0)
            and close(same["err_student"], want, 1e-9)):
        raise AssertionError("a student that copies its supervisor exactly has misfit 0, gain 0 and slack 0, and its "
                             f"error equals the supervisor's ({want:.6g}); got {same!r}. Accept lists as well as "
                             "arrays.")
    rng = np.random.default_rng(6)
    for case in range(20):  # random cases: the three distances and the two identities
        n = int(rng.integers(1, 40))
        s, w, t = (rng.normal(size=n) * rng.uniform(0.1, 3) for _ in range(3))
        got, exp = _measure(fn, s, w, t, f"misfit_and_gain on random case {case}"), _expected(s, w, t)
        bad = [k for k in _KEYS if not close(got[k], float(exp[k]), 1e-9 * max(1.0, abs(exp[k])))]
        if bad:
            raise AssertionError(f"misfit_and_gain on a random case with {n} examples: {bad[0]} should be "
                                 f"{exp[bad[0]]:.6g}, got {_show(got[bad[0]])}.")
    passed("misfit_and_gain", 23)


# ------------------------------------------------------------------------------------------ exercise 3
_LINE_X = np.c_[np.arange(10, dtype=float), np.zeros(10)]  # ten points on a line, one unit apart
_LINE_LABELS = np.array([0, 0, 1, 1, -1, -1, 1, 0, 0, 0])
# Queries at x = 3.4, 4.6, 8.9, 0.2 and 6.4. Their nearest labelled points, in order: 3 2 1 6 0 | 6 3 7 2 8 |
# 9 8 7 6 3 | 0 1 2 3 6 | 6 7 8 9 3, so k = 1, 3, 5 give the majorities below. The abstaining points 4 and 5
# are the nearest of all to the first two queries: counted as votes, they change the answer.
_QUERIES = np.c_[[3.4, 4.6, 8.9, 0.2, 6.4], np.zeros(5)]
_WANT = {1: [1, 1, 0, 0, 1], 3: [1, 1, 0, 0, 0], 5: [1, 1, 0, 1, 0]}


def _predict(fn: Callable, train_x, labels, query_x, k: int, what: str) -> np.ndarray:
    tx, tl, qx = train_x.copy(), labels.copy(), query_x.copy()
    out = _returned(_run(fn, tx, tl, qx, k, exercise="knn_student", what=what), what)
    if not (np.array_equal(tx, train_x) and np.array_equal(tl, labels) and np.array_equal(qx, query_x)):
        raise AssertionError(f"{what} changed its input arrays (did you drop the -1 labels in place?); work on a copy.")
    pred = np.asarray(out)
    if pred.shape != (len(query_x),):
        raise AssertionError(f"{what} returned shape {pred.shape}; expected ({len(query_x)},): one label per query.")
    if not np.isin(pred, (0, 1)).all():
        raise AssertionError(f"{what} returned values {np.unique(pred)[:6].tolist()}; return 0/1 labels (the majority "
                             "vote), not vote shares, and never -1 (-1 marks an abstention: it is not a vote).")
    return pred.astype(int)


def _brute_knn(train_x, labels, query_x, k):
    keep = labels >= 0
    tx, tl = train_x[keep], labels[keep]
    d = ((query_x[:, None, :] - tx[None]) ** 2).sum(-1)
    return (2 * tl[np.argsort(d, axis=1)[:, :k]].sum(1) > k).astype(int)


def check_knn_student(fn: Callable) -> None:
    """``knn_student(train_x, train_labels, query_x, k)`` -> 0/1 majority of the k nearest labelled points."""
    n_checks = 0
    for k, want in _WANT.items():
        what = f"knn_student(10 points on a line, labels {_LINE_LABELS.tolist()}, 5 queries, k={k})"
        pred = _predict(fn, _LINE_X, _LINE_LABELS, _QUERIES, k, what)
        if not np.array_equal(pred, want):
            hint = ""
            with_abstain = np.c_[np.arange(10.0), np.zeros(10)]
            d = ((_QUERIES[:, None, :] - with_abstain[None]) ** 2).sum(-1)
            near = _LINE_LABELS[np.argsort(d, axis=1)[:, :k]]
            counted = [(near.mean(1) > 0.5).astype(int), (near.sum(1) > 0).astype(int)]
            if any(np.array_equal(pred, c) for c in counted):
                hint = (" Points labelled -1 are abstentions, not votes: drop them before looking for the nearest "
                        "neighbours (the k nearest *labelled* points vote).")
            elif np.array_equal(pred, _brute_knn(_LINE_X, _LINE_LABELS, _QUERIES, k + 1)):
                hint = " It looks like k + 1 neighbours voted: take exactly k."
            else:
                far = np.argsort(-((_QUERIES[:, None, :] - _LINE_X[_LINE_LABELS >= 0][None]) ** 2).sum(-1), axis=1)
                if np.array_equal(pred, (2 * _LINE_LABELS[_LINE_LABELS >= 0][far[:, :k]].sum(1) > k).astype(int)):
                    hint = " Those are the k *farthest* points: sort distances in increasing order."
            raise AssertionError(f"{what} returned {pred.tolist()}; expected {want}.{hint}")
        n_checks += 1
    rng = np.random.default_rng(11)
    for case in range(6):
        n, m, k = int(rng.integers(30, 90)), int(rng.integers(5, 30)), int(rng.choice([1, 3, 5, 9]))
        train_x, query_x = rng.normal(size=(n, 2)), rng.normal(size=(m, 2))
        labels = rng.choice([-1, 0, 1], size=n, p=[0.3, 0.35, 0.35])
        labels[:k] = 1 - labels[k: 2 * k].clip(0, 1)  # at least k labelled points
        what = f"knn_student on random case {case} ({n} training points, k={k})"
        pred, want = _predict(fn, train_x, labels, query_x, k, what), _brute_knn(train_x, labels, query_x, k)
        if not np.array_equal(pred, want):
            raise AssertionError(f"{what}: {int((pred != want).sum())} of {m} predictions differ from the majority of "
                                 "the k nearest labelled training points (squared Euclidean distance).")
        n_checks += 1
    labelled = _LINE_LABELS >= 0
    what = "knn_student(train_x, labels, the labelled training points themselves, k=1)"
    pred = _predict(fn, _LINE_X, _LINE_LABELS, _LINE_X[labelled], 1, what)
    if not np.array_equal(pred, _LINE_LABELS[labelled]):
        raise AssertionError(f"{what} returned {pred.tolist()}: with k=1 each training point's nearest labelled point "
                             f"is itself, so the student reproduces its labels {_LINE_LABELS[labelled].tolist()}.")
    passed("knn_student", n_checks + 1)


# ------------------------------------------------------------------------------------------ exercise 4
# 12 examples: the supervisor is right on 7 (the student breaks 1 of them) and wrong on 5 (the student
# fixes 3 and copies 2).
_WC = np.array([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
_SC = np.array([1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1])
_FIELDS = ("n", "weak_acc", "student_acc", "gain", "disagreement", "fixed", "copied", "broken", "fixed_share")


def _breakdown(fn: Callable, weak_correct, student_correct, what: str) -> dict:
    w, s = weak_correct.copy(), student_correct.copy()
    out = _returned(_run(fn, w, s, exercise="fixed_and_copied", what=what), what)
    if not isinstance(out, dict) or not set(_FIELDS) <= set(out):
        keys = sorted(out) if isinstance(out, dict) else type(out).__name__
        raise AssertionError(f"{what} returned {keys}; expected a dict with the keys {list(_FIELDS)}.")
    return out


def _fraction_hint(key: str, got) -> str:
    if key == "fixed" and close(got, 3 / 5):
        return (" 3/5 is the share of the supervisor's mistakes: `fixed` is a fraction of *all* examples (that "
                "share is fixed_share).")
    if key in ("copied", "broken") and close(got, {"copied": 1 / 12, "broken": 2 / 12}[key]):
        return " `copied` and `broken` look swapped: copied = both wrong, broken = supervisor right and student wrong."
    if key == "copied" and close(got, 2 / 5):
        return " 2/5 is a share of the supervisor's mistakes: `copied` is a fraction of all examples."
    if key == "disagreement" and close(got, 8 / 12):
        return " That is the agreement: disagreement is where exactly one of the two is right."
    if key == "disagreement" and close(got, 6 / 12):
        return " That is the fraction where both are right: disagreement is where exactly one of the two is right."
    if key == "gain" and close(got, -2 / 12):
        return " The sign is flipped: gain = student_acc - weak_acc."
    if key == "fixed_share" and close(got, 3 / 12):
        return " That is `fixed` again: divide by the supervisor's mistakes (fixed + copied), not by all examples."
    return ""


def check_fixed_and_copied(fn: Callable) -> None:
    """``fixed_and_copied(weak_correct, student_correct)`` -> what the student did with each kind of answer."""
    what = "fixed_and_copied(weak_correct, student_correct) on 12 examples"
    out = _breakdown(fn, _WC, _SC, what)
    want = {"n": 12, "weak_acc": 7 / 12, "student_acc": 9 / 12, "gain": 2 / 12, "disagreement": 4 / 12,
            "fixed": 3 / 12, "copied": 2 / 12, "broken": 1 / 12, "fixed_share": 3 / 5}
    for key, value in want.items():
        if not close(out[key], value):
            raise AssertionError(f"{what}: the supervisor is right on 7, the student fixes 3 of its 5 mistakes, copies "
                                 f"2 and breaks 1 right answer, so {key} should be {value:.4g}; got {_show(out[key])}."
                                 f"{_fraction_hint(key, out[key])}")
    seeds = _breakdown(fn, _WC.reshape(2, 6), _SC.reshape(2, 6), "fixed_and_copied on the same 12 as a (2, 6) array")
    if not all(close(seeds[k], v) for k, v in want.items()):
        raise AssertionError("the same 12 examples given as a (2, 6) array (one row per seed) should give the same "
                             f"fractions over all entries; got {seeds!r}. Use .mean() over the whole array and .size.")
    bools = _breakdown(fn, _WC.astype(bool), _SC.astype(bool), "fixed_and_copied with boolean arrays")
    if not close(bools["fixed"], 3 / 12):
        raise AssertionError(f"with boolean arrays fixed should still be 3/12; got {_show(bools['fixed'])}. "
                             "Convert with .astype(bool) and combine with & and ~, rather than subtracting booleans.")
    right = np.array([1, 1, 0, 1, 1])
    perfect = _breakdown(fn, np.ones(5, dtype=int), right, "fixed_and_copied where the supervisor is never wrong")
    if not close(perfect["fixed_share"], float("nan")):
        raise AssertionError("when the supervisor makes no mistake there is nothing to fix: fixed_share is undefined, "
                             f"return float('nan'); got {_show(perfect['fixed_share'])}.")
    if not (close(perfect["broken"], 0.2) and close(perfect["gain"], -0.2)):
        raise AssertionError(f"a perfect supervisor and a student wrong on 1 of 5: broken 0.2, gain -0.2; "
                             f"got {perfect!r}.")
    copy = _breakdown(fn, _SC, _SC.copy(), "fixed_and_copied where the student answers exactly as its supervisor")
    if not (close(copy["gain"], 0.0) and close(copy["disagreement"], 0.0) and close(copy["fixed"], 0.0)
            and close(copy["copied"], 3 / 12) and close(copy["fixed_share"], 0.0)):
        raise AssertionError("a student that copies its supervisor has gain 0, disagreement 0, fixed 0, copied = the "
                             f"supervisor's error (3/12) and fixed_share 0; got {copy!r}.")
    rng = np.random.default_rng(5)
    for case in range(10):  # the identities that hold for any 0/1 arrays
        n = int(rng.integers(1, 60))
        w, s = rng.integers(0, 2, n), rng.integers(0, 2, n)
        got = _breakdown(fn, w, s, f"fixed_and_copied on random case {case}")
        ok = (close(got["gain"], got["fixed"] - got["broken"])
              and close(got["disagreement"], got["fixed"] + got["broken"])
              and close(got["fixed"] + got["copied"], 1 - float(w.mean()))
              and close(got["student_acc"], float(s.mean())))
        if not ok:
            raise AssertionError(f"on random 0/1 arrays (case {case}, {n} examples) the identities "
                                 "gain = fixed - broken, disagreement = fixed + broken and "
                                 "fixed + copied = 1 - weak_acc fail: "
                                 f"{ {k: got[k] for k in _FIELDS} }.")
    passed("fixed_and_copied", 15)


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
