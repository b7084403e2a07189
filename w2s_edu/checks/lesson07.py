"""Checks for lesson 07 (chess and bootstrapping): verifying a mate in one, multiple-choice accuracy, the
bootstrapping chain loop, sorting the supervisor's errors into fixed and copied, and PGR with a paired
bootstrap interval over seeds."""

from __future__ import annotations

from typing import Callable

import chess
import numpy as np

from . import checked_call, close, passed, record_checks

__all__ = ["check_is_mate_in_one", "check_multiple_choice_accuracy", "check_bootstrap_chain", "check_error_outcomes",
           "check_pgr_with_interval", "HINTS"]

MATE_FEN = "k7/8/1K6/8/8/8/8/7R w - - 1 2"  # Rh8 mates; Rh7 does not; Kb7 walks into check
# Rd8 would be a back-rank mate, but the rook is pinned: moving it off the first rank exposes Ka1 to Qh1
PINNED_MATE = "6k1/5ppp/8/8/8/8/8/K2R3q w - - 0 1"

# One nudge per exercise, shown when the learner's code crashes (the lesson's hints have more).
HINTS = {
    "is_mate_in_one": "a move can only mate if it is legal (board.push does not check that); after pushing it, "
                      "ask the board whether the side to move is checkmated.",
    "multiple_choice_accuracy": "loop over the distinct group ids, select each group's rows with a mask (they "
                                "need not be next to each other), and look at the label of its highest p_true.",
    "bootstrap_chain": "keep a `teacher` that starts as the weak predictions; at step k the model chain[k + 1] "
                       "trains on chunks[k] with the teacher's predictions there, predicts the test split and every "
                       "later chunk, and becomes the next teacher.",
    "error_outcomes": "compute two boolean arrays, supervisor right and student right (argmax over axis 1 against "
                      "the labels); each outcome is one combination of them, and np.flatnonzero gives its rows.",
    "pgr_with_interval": "PGR of the means; then draw seed positions with rng.integers(0, n, size=(n_boot, n)), index "
                         "all three arrays with the same positions, drop resamples whose gap is not positive, and take "
                         "the 2.5th and 97.5th percentiles.",
}


def _run(fn: Callable, *args, exercise: str, what: str):
    return checked_call(fn, *args, exercise=exercise, what=what, hint=HINTS[exercise])


_PSEUDO_HINT = (" It is pseudo-legal (the piece can move that way) but leaves the king in check: test "
                "`move in board.legal_moves`, not board.pseudo_legal_moves or board.is_pseudo_legal.")


# ------------------------------------------------------------------------------------------ exercise 1
def check_is_mate_in_one(fn: Callable) -> None:
    """``is_mate_in_one(fen, uci)``: True exactly when the move is legal and checkmates."""
    cases = [
        (MATE_FEN, "h1h8", True),
        (MATE_FEN, "h1h7", False),  # a quiet move
        ("k7/8/2K5/8/8/8/8/7R w - - 0 1", "h1h8", False),  # check, but the king escapes to a7
        ("k7/8/2K5/8/8/8/8/7R w - - 0 1", "h1a2", False),  # illegal move
        ("7k/6pp/8/8/3B4/8/8/3R2K1 w - - 0 1", "d1d8", False),  # would mate, but the rook cannot jump the bishop
        ("7k/8/5KQ1/8/8/8/8/8 w - - 0 1", "g6g7", True),  # queen mate, protected by the king
        ("7k/8/6Q1/5K2/8/8/8/8 w - - 0 1", "g6g7", False),  # the same queen move, unprotected: Kxg7
        ("k7/8/1Q6/8/8/8/8/7K w - - 0 1", "b6c7", False),  # stalemate is not mate
        ("6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1", "d1d8", True),  # back-rank mate
        (PINNED_MATE, "d1d8", False),  # a back-rank mate, but the rook is pinned: illegal
    ]
    for fen, uci, want in cases:
        board_before = chess.Board(fen)
        got = _run(fn, fen, uci, exercise="is_mate_in_one", what=f"is_mate_in_one({fen!r}, {uci!r})")
        if not isinstance(got, (bool, np.bool_)):
            raise AssertionError(f"is_mate_in_one returned {type(got).__name__}; return True or False.")
        if bool(got) != want:
            if fen == PINNED_MATE:
                raise AssertionError(f"is_mate_in_one({fen!r}, {uci!r}) returned {got}; expected False: the rook on d1 "
                                     "is pinned against its king by the queen on h1, so Rd8 is illegal although it "
                                     f"would mate.{_PSEUDO_HINT}")
            why = {("h1h8", False): " A check is not a mate: use board.is_checkmate() after pushing the move.",
                   ("h1a2", False): " That move is illegal: check `move in board.legal_moves` first.",
                   ("d1d8", False): " That move is illegal (the rook would jump over its own bishop): check "
                                    "`move in board.legal_moves` before pushing; push() does not check.",
                   ("b6c7", False): " Black has no legal move but is not in check: that is stalemate.",
                   ("g6g7", False): " The king can capture the unprotected queen."}.get((uci, want), "")
            raise AssertionError(f"is_mate_in_one({fen!r}, {uci!r}) returned {got}; expected {want}.{why}")
        if chess.Board(fen) != board_before:
            raise AssertionError("is_mate_in_one changed a board it did not own.")
    passed("is_mate_in_one", len(cases))


# ------------------------------------------------------------------------------------------ exercise 2
def check_multiple_choice_accuracy(fn: Callable) -> None:
    """``multiple_choice_accuracy(p_true, labels, groups)``: per group, is the top P(true) the solution?"""
    groups = np.array(["a", "a", "b", "b", "b", "c", "c"])
    labels = np.array([1, 0, 0, 1, 0, 0, 1])
    cases = [
        (np.array([0.9, 0.1, 0.2, 0.8, 0.1, 0.3, 0.7]), 1.0, "every group ranks its solution first"),
        (np.array([0.4, 0.3, 0.1, 0.2, 0.05, 0.45, 0.4]), 2 / 3, "low P(true) everywhere: only the ranking counts"),
        (np.array([0.2, 0.9, 0.2, 0.8, 0.9, 0.3, 0.7]), 1 / 3, "groups a and b pick a wrong move"),
    ]
    for p, want, what in cases:
        got = _run(fn, p, labels, groups, exercise="multiple_choice_accuracy", what="multiple_choice_accuracy(...)")
        if not close(got, want, 1e-9):
            hint = ""
            if close(got, float(((p > 0.5) == labels).mean()), 1e-9):
                hint = " That is the binary accuracy (threshold 0.5); compare candidates *within* each group instead."
            raise AssertionError(f"multiple_choice_accuracy gave {got} for a case where {what}; "
                                 f"expected {want:.4f}.{hint}")
    shuffled = np.random.default_rng(0).permutation(len(labels))
    p = cases[2][0]
    got = _run(fn, p[shuffled], labels[shuffled], groups[shuffled], exercise="multiple_choice_accuracy",
               what="multiple_choice_accuracy(shuffled rows)")
    if not close(got, 1 / 3, 1e-9):
        raise AssertionError(f"with the rows in another order the answer changed ({got}); groups need not be "
                             "contiguous: collect each group's rows by its id.")
    for seed in range(3):
        p, labels, groups = _interleaved_groups(seed)
        want = _reference_mc(p, labels, groups)
        got = _run(fn, p.copy(), labels.copy(), groups.copy(), exercise="multiple_choice_accuracy",
                   what="multiple_choice_accuracy(interleaved groups)")
        if not close(got, want, 1e-9):
            runs = _reference_mc(p, labels, _runs(groups))
            hint = (" That is the score of each *run* of equal consecutive ids: the rows of a group are spread "
                    "over the array, so select them with a mask (groups == g), not by position."
                    if close(got, runs, 1e-9) else "")
            raise AssertionError(f"multiple_choice_accuracy on {len(np.unique(groups))} groups of 1 to 5 candidates, "
                                 f"their rows interleaved (group ids {groups[:8].tolist()}...), gave {got!r}; "
                                 f"expected {want!r}.{hint}")
    passed("multiple_choice_accuracy", len(cases) + 4)


def _reference_mc(p_true, labels, groups) -> float:
    hits = [labels[groups == g][np.argmax(p_true[groups == g])] == 1 for g in np.unique(groups)]
    return float(np.mean(hits))


def _runs(groups) -> np.ndarray:
    """A new id for every run of equal consecutive ids: what code that assumes contiguous groups sees."""
    return np.cumsum(np.r_[True, groups[1:] != groups[:-1]])


def _interleaved_groups(seed: int):
    """40 groups of 1 to 5 rows, exactly one solution each, ids not 0..n-1, rows shuffled; no ties."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(1000, 40, replace=False)
    sizes = rng.integers(1, 6, 40)
    groups = np.repeat(ids, sizes)
    labels = np.concatenate([np.eye(k, dtype=int)[rng.integers(0, k)] for k in sizes])
    p = rng.permutation(len(groups)) / len(groups) + 0.5 / len(groups)  # distinct values in (0, 1)
    order = rng.permutation(len(groups))
    return p[order], labels[order], groups[order]


# ------------------------------------------------------------------------------------------ exercise 3
def check_bootstrap_chain(fn: Callable) -> None:
    """``bootstrap_chain(chain, chunks, weak_preds, fit)``: each rung trains on the previous rung's labels."""
    rng = np.random.default_rng(0)
    chain = ["weak", "m1", "m2", "strong"]
    chunks = ["chunk0", "chunk1", "chunk2"]
    weak_preds = {c: rng.random((5, 2)) for c in chunks} | {"test": rng.random((5, 2))}
    calls = []

    def fit(model, chunk, targets, predict_on):
        calls.append((model, chunk, np.asarray(targets).copy(), tuple(predict_on)))
        return {split: np.full((5, 2), float(len(calls))) for split in predict_on}

    outs = _run(fn, chain, chunks, weak_preds, fit, exercise="bootstrap_chain", what="bootstrap_chain(...)")
    if len(calls) != len(chain) - 1:
        raise AssertionError(f"fit was called {len(calls)} times for a chain of {len(chain)} models; expected "
                             f"{len(chain) - 1} (one per rung after the weak one).")
    for k, (model, chunk, targets, predict_on) in enumerate(calls):
        if model != chain[k + 1]:
            raise AssertionError(f"step {k + 1} trained {model!r}; expected {chain[k + 1]!r} (the rungs in order).")
        if chunk != chunks[k]:
            raise AssertionError(f"step {k + 1} trained on {chunk!r}; expected {chunks[k]!r}: each step gets its own "
                                 "chunk, so every teacher labels examples it has not trained on.")
        want = weak_preds[chunk] if k == 0 else np.full((5, 2), float(k))
        if not np.allclose(targets, want):
            who = "the weak model's" if k == 0 else f"step {k}'s model's"
            raise AssertionError(f"step {k + 1} was trained on the wrong labels; expected {who} predictions on "
                                 f"{chunk!r}. Keep the latest student as the next teacher.")
        if "test" not in predict_on or any(c not in predict_on for c in chunks[k + 1:]):
            raise AssertionError(f"step {k + 1} asked fit for predictions on {predict_on}; it must predict 'test' and "
                                 f"every later chunk {chunks[k + 1:]} (the next teacher labels those).")
    if not isinstance(outs, list) or len(outs) != len(chain) - 1:
        raise AssertionError("return the list of every step's fit output, in order.")
    if not np.allclose(outs[-1]["test"], float(len(calls))):
        raise AssertionError("the last element should be the strongest model's output.")
    passed("bootstrap_chain", 4 * len(calls) + 2)


# ------------------------------------------------------------------------------------------ exercise 4
def _reference_outcomes(weak_probs, student_probs, labels) -> dict:
    weak_right = np.asarray(weak_probs).argmax(1) == labels
    student_right = np.asarray(student_probs).argmax(1) == labels
    return {"fixed": np.flatnonzero(~weak_right & student_right),
            "copied": np.flatnonzero(~weak_right & ~student_right),
            "broken": np.flatnonzero(weak_right & ~student_right),
            "kept": np.flatnonzero(weak_right & student_right)}


def _probs(p_true) -> np.ndarray:
    p_true = np.asarray(p_true, dtype=float)
    return np.stack([1 - p_true, p_true], axis=1)


OUTCOMES = ("fixed", "copied", "broken", "kept")


def check_error_outcomes(fn: Callable) -> None:
    """``error_outcomes(weak_probs, student_probs, labels)``: rows where the student fixed, copied, broke or kept
    its supervisor's answer."""
    # six rows, one or two of each outcome; P(true) near 0.5 on both sides, so a threshold on the wrong column flips
    labels = np.array([1, 0, 1, 0, 1, 0])
    weak = _probs([0.3, 0.8, 0.9, 0.2, 0.45, 0.55])  # predictions 0 1 1 0 0 1: right on rows 2 and 3
    student = _probs([0.7, 0.6, 0.4, 0.1, 0.35, 0.45])  # predictions 1 1 0 0 0 0: right on rows 0, 3, 5
    want = _reference_outcomes(weak, student, labels)  # fixed 0, 5; copied 1, 4; broken 2; kept 3
    got = _run(fn, weak, student, labels, exercise="error_outcomes", what="error_outcomes(weak, student, labels)")
    if not isinstance(got, dict) or set(got) != set(OUTCOMES):
        raise AssertionError(f"error_outcomes should return a dict with exactly the keys {list(OUTCOMES)}; got "
                             f"{sorted(got) if isinstance(got, dict) else type(got).__name__}.")
    rows = {k: np.asarray(v).astype(int).tolist() for k, v in got.items()}
    for k in OUTCOMES:
        if rows[k] != want[k].tolist():
            hint = ""
            if rows["fixed"] == want["broken"].tolist() and rows["broken"] == want["fixed"].tolist():
                hint = " Did you swap the supervisor and the student? The first argument is the supervisor's."
            agree = np.asarray(weak).argmax(1) == np.asarray(student).argmax(1)
            if k == "kept" and rows[k] == np.flatnonzero(agree).tolist():
                hint = " That is where the two *agree*; 'kept' is where both are *right*."
            raise AssertionError(f"error_outcomes gave {k!r} = {rows[k]} on a six-row case; expected "
                                 f"{want[k].tolist()} (supervisor right on rows 2 and 3, student right on rows 0, 3 "
                                 f"and 5).{hint}")
    rng = np.random.default_rng(0)
    for trial in range(3):
        n = 200
        labels = rng.integers(0, 2, n)
        weak, student = _probs(rng.random(n)), _probs(rng.random(n))
        got = _run(fn, weak, student, labels, exercise="error_outcomes", what="error_outcomes(200 random rows)")
        seen = np.concatenate([np.asarray(got[k]).astype(int) for k in OUTCOMES])
        if len(seen) != n or len(np.unique(seen)) != n:
            raise AssertionError(f"on {n} random rows the four outcomes hold {len(seen)} positions "
                                 f"({len(np.unique(seen))} distinct); every row falls in exactly one outcome.")
        want = _reference_outcomes(weak, student, labels)
        for k in OUTCOMES:
            if np.asarray(got[k]).astype(int).tolist() != want[k].tolist():
                raise AssertionError(f"on {n} random rows {k!r} differs from the expected rows (first expected: "
                                     f"{want[k][:5].tolist()}, yours: {np.asarray(got[k])[:5].tolist()}); return "
                                     "sorted row positions, as np.flatnonzero gives them.")
    passed("error_outcomes", 4 + 3 * (len(OUTCOMES) + 1))


# ------------------------------------------------------------------------------------------ exercise 5
def _reference_pgr_interval(weak, student, ceiling, n_boot: int, seed: int, paired: bool = True):
    w, s, c = (np.asarray(x, dtype=float) for x in (weak, student, ceiling))
    rng = np.random.default_rng(seed)
    n = len(w)
    idx = [rng.integers(0, n, size=(n_boot, n)) for _ in range(1 if paired else 3)]
    W, S, C = w[idx[0]].mean(1), s[idx[-1 if paired else 1]].mean(1), c[idx[-1]].mean(1)
    ok = C - W > 0
    low, high = np.percentile((S[ok] - W[ok]) / (C[ok] - W[ok]), [2.5, 97.5])
    return (s.mean() - w.mean()) / (c.mean() - w.mean()), (low, high)


def check_pgr_with_interval(fn: Callable) -> None:
    """``pgr_with_interval(weak, student, ceiling, n_boot, seed)``: PGR of the means and a paired percentile
    bootstrap interval over seeds, leaving out resamples whose gap is not positive."""
    # one seed with a tiny gap: its per-seed PGR is huge, so the mean of per-seed PGRs is far from the PGR of means
    weak, student = [0.60, 0.62, 0.58, 0.61, 0.70], [0.65, 0.66, 0.63, 0.66, 0.709]
    ceiling = [0.70, 0.72, 0.68, 0.71, 0.71]
    want, _ = _reference_pgr_interval(weak, student, ceiling, 2000, 0)
    got = _run(fn, weak, student, ceiling, 2000, 0, exercise="pgr_with_interval",
               what="pgr_with_interval(weak, student, ceiling, 2000, 0)")
    if not (isinstance(got, tuple) and len(got) == 2 and len(got[1]) == 2):
        raise AssertionError("pgr_with_interval should return (pgr, (low, high)).")
    value, (low, high) = float(got[0]), (float(got[1][0]), float(got[1][1]))
    if not close(value, want, 1e-9):
        per_seed = float(np.mean([(s - w) / (c - w) for w, s, c in zip(weak, student, ceiling)]))
        hint = (" That is the mean of the per-seed PGRs: the last seed's gap is 1 point, so its PGR (0.9) and any "
                "noise there weigh as much as a seed with a 10-point gap. Take the PGR of the means."
                if close(value, per_seed, 1e-6) else "")
        raise AssertionError(f"the PGR was {value:.4f}; expected {want:.4f}, (mean student - mean weak) / "
                             f"(mean ceiling - mean weak).{hint}")
    # paired: the three lists move together from seed to seed, so pairing makes the interval much narrower
    rng = np.random.default_rng(1)
    level = rng.normal(0, 0.04, 8)  # how easy each seed's split is, shared by the three models
    weak = 0.60 + level + rng.normal(0, 0.003, 8)
    student = 0.65 + level + rng.normal(0, 0.003, 8)
    ceiling = 0.70 + level + rng.normal(0, 0.003, 8)
    refs = [_reference_pgr_interval(weak, student, ceiling, 4000, s)[1] for s in range(5)]
    unpaired = _reference_pgr_interval(weak, student, ceiling, 4000, 0, paired=False)[1]
    got = _run(fn, weak.tolist(), student.tolist(), ceiling.tolist(), 4000, 3, exercise="pgr_with_interval",
               what="pgr_with_interval(8 seeds that share a level, n_boot=4000)")
    low, high = float(got[1][0]), float(got[1][1])
    tol = 3 * max(max(abs(r[0] - refs[0][0]), abs(r[1] - refs[0][1])) for r in refs) + 0.01
    want_low, want_high = np.mean([r[0] for r in refs]), np.mean([r[1] for r in refs])
    if abs(low - want_low) > tol or abs(high - want_high) > tol:
        hint = ""
        if high - low > 2 * (want_high - want_low):
            hint = (f" Your interval is wide, like one that resamples each list on its own "
                    f"([{unpaired[0]:.2f}, {unpaired[1]:.2f}]): resample the *same* seed positions for all three "
                    "lists, since a seed that is easy for one model is easy for all.")
        raise AssertionError(f"on 8 seeds whose three accuracies rise and fall together the interval was "
                             f"[{low:.3f}, {high:.3f}]; expected about [{want_low:.3f}, {want_high:.3f}] "
                             f"(within {tol:.3f}).{hint}")
    # resamples with no positive gap have no PGR and are left out
    weak, student, ceiling = [0.60, 0.60, 0.60, 0.60], [0.61, 0.60, 0.62, 0.59], [0.62, 0.58, 0.64, 0.59]
    got = _run(fn, weak, student, ceiling, 3000, 0, exercise="pgr_with_interval",
               what="pgr_with_interval(a gap that is zero or negative in some resamples)")
    low, high = float(got[1][0]), float(got[1][1])
    if not (np.isfinite(low) and np.isfinite(high)):
        raise AssertionError(f"with a gap that is zero or negative in some resamples the interval was [{low}, {high}]; "
                             "leave those resamples out before taking the percentiles (their PGR is undefined).")
    refs = [_reference_pgr_interval(weak, student, ceiling, 3000, s)[1] for s in range(5)]
    lo_range = (min(r[0] for r in refs) - 0.25, max(r[0] for r in refs) + 0.25)
    hi_range = (min(r[1] for r in refs) - 0.25, max(r[1] for r in refs) + 0.25)
    if not (lo_range[0] <= low <= lo_range[1] and hi_range[0] <= high <= hi_range[1]):
        raise AssertionError(f"with a gap that is zero or negative in some resamples the interval was "
                             f"[{low:.2f}, {high:.2f}]; expected about [{refs[0][0]:.2f}, {refs[0][1]:.2f}]. Keep only "
                             "the resamples whose gap (mean ceiling - mean weak) is above zero; a negative gap flips "
                             "the sign of PGR.")
    passed("pgr_with_interval", 4)


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
