"""Checks for lesson 07 (chess and bootstrapping): text for a position and a move, verifying a mate in
one and a mate in two, balanced candidate moves, multiple-choice accuracy, and the bootstrapping chain
loop."""

from __future__ import annotations

from typing import Callable

import chess
import numpy as np

from . import call, checked_call, close, crash_message, passed, record_checks

__all__ = ["check_candidate_text", "check_is_mate_in_one", "check_is_mate_in_two", "check_balanced_candidates",
           "check_multiple_choice_accuracy", "check_bootstrap_chain", "HINTS"]

MATE_FEN = "k7/8/1K6/8/8/8/8/7R w - - 1 2"  # Rh8 mates; Rh7 does not; Kb7 walks into check
ITALIAN = "r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3"
# White is in check from the rook on e8: 32 pseudo-legal moves, of which only 3 are legal (Qe2, Kd2, Kf1)
IN_CHECK = "4r1k1/5ppp/8/8/8/8/PPP2PPP/R2QK2R w - - 0 1"
# Rd8 would be a back-rank mate, but the rook is pinned: moving it off the first rank exposes Ka1 to Qh1
PINNED_MATE = "6k1/5ppp/8/8/8/8/8/K2R3q w - - 0 1"

# One nudge per exercise, shown when the learner's code crashes (the lesson's hints have more).
HINTS = {
    "candidate_text": "parse the position and the move with python-chess, check the move against the position's "
                      "legal moves (not its pseudo-legal ones, which may leave the king in check), and keep the "
                      "whole FEN.",
    "is_mate_in_one": "a move can only mate if it is legal (board.push does not check that); after pushing it, "
                      "ask the board whether the side to move is checkmated.",
    "is_mate_in_two": "check that the move is legal and play it; if the opponent then has no legal reply the "
                      "move mated or stalemated at once (not a mate in two); otherwise every legal reply must "
                      "leave at least one mating answer. Undo each reply before trying the next.",
    "balanced_candidates": "one generator built from `seed` before the loop; per puzzle, draw the negative from the "
                           "sorted list of the other legal moves, and give both rows the puzzle's index as group.",
    "multiple_choice_accuracy": "loop over the distinct group ids, select each group's rows with a mask (they "
                                "need not be next to each other), and look at the label of its highest p_true.",
    "bootstrap_chain": "keep a `teacher` that starts as the weak predictions; at step k the model chain[k + 1] "
                       "trains on chunks[k] with the teacher's predictions there, predicts the test split and every "
                       "later chunk, and becomes the next teacher.",
}


def _run(fn: Callable, *args, exercise: str, what: str):
    return checked_call(fn, *args, exercise=exercise, what=what, hint=HINTS[exercise])


def _pseudo_legal_only(fen: str, uci: str) -> bool:
    """True for a move the pieces can make but that leaves the mover's king in check."""
    board, move = chess.Board(fen), chess.Move.from_uci(uci)
    return board.is_pseudo_legal(move) and not board.is_legal(move)


_PSEUDO_HINT = (" It is pseudo-legal (the piece can move that way) but leaves the king in check: test "
                "`move in board.legal_moves`, not board.pseudo_legal_moves or board.is_pseudo_legal.")


# ------------------------------------------------------------------------------------------ exercise 1
def check_candidate_text(fn: Callable) -> None:
    """``candidate_text(fen, uci)``: the full FEN, one space, the move in UCI; ValueError if illegal."""
    cases = [(ITALIAN, "f1b5"), (MATE_FEN, "h1h8"), ("8/P7/8/8/8/8/k6K/8 w - - 0 60", "a7a8q")]
    for fen, uci in cases:
        got = _run(fn, fen, uci, exercise="candidate_text", what=f"candidate_text({fen!r}, {uci!r})")
        want = f"{fen} {uci}"
        if not isinstance(got, str):
            raise AssertionError(f"candidate_text returned {type(got).__name__}; return a str.")
        if got != want:
            hint = ""
            if got.split()[-1] != uci:
                hint = (" The move must be in UCI (from-square, to-square, promotion piece), e.g. 'f1b5', "
                        "not SAN ('Bb5').")
            elif not got.startswith(fen):
                hint = " Keep the whole FEN, move counters included (board.fen(), not board.epd())."
            raise AssertionError(f"candidate_text({fen!r}, {uci!r}) returned {got!r}; expected {want!r}.{hint}")
    illegal = ((MATE_FEN, "h1a2"), (ITALIAN, "e1g1"),
               (MATE_FEN, "b6b7"),  # the king walks next to the other king
               (IN_CHECK, "a2a3"),  # a pawn move that leaves the king in check
               (PINNED_MATE, "d1d8"))  # a pinned rook leaves its rank
    for fen, uci in illegal:
        try:
            call(fn, fen, uci, exercise="candidate_text")
        except ValueError:
            continue
        except AssertionError:
            raise
        except Exception as err:
            raise AssertionError(crash_message(err, f"candidate_text({fen!r}, {uci!r}) (an illegal move)",
                                               "an illegal move should raise ValueError (say which move and "
                                               "position).")) from None
        hint = _PSEUDO_HINT if _pseudo_legal_only(fen, uci) else ""
        raise AssertionError(f"candidate_text({fen!r}, {uci!r}) accepted an illegal move: check "
                             f"`move in board.legal_moves` and raise ValueError otherwise.{hint}")
    passed("candidate_text", len(cases) + len(illegal))


# ------------------------------------------------------------------------------------------ exercise 2
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


# ------------------------------------------------------------------------------------------ exercise 3
# Black to move: Nf5 forces mate next move against each of White's replies (found by exhaustive search)
MATE_IN_TWO = "1rb5/pppp2k1/7p/2P5/7K/1N4nP/6r1/8 b - - 1 26"
# White to move: Qe8 forces mate next move
MATE_IN_TWO_WHITE = "6Q1/2p5/3kP3/6Rp/7P/2P2P2/5K2/5B2 w - - 1 31"
STALEMATE = "k7/8/1Q6/8/8/8/8/7K w - - 0 1"  # Qc7 leaves Black without a move, not in check
MATE_IN_TWO_CASES = [  # (fen, uci, expected, what the case is about, what to fix when it goes wrong)
    (MATE_IN_TWO, "g3f5", True, "a forced mate in two",
     " Every legal reply must be tried (legal_moves, not pseudo_legal_moves: a reply that leaves the king in "
     "check is no defence), each answer too, and every move you push must be popped again before the next try."),
    (MATE_IN_TWO_WHITE, "g8e8", True, "a forced mate in two for White",
     " Every legal reply must be tried (legal_moves, not pseudo_legal_moves), and every move you push must be "
     "popped again before the next try."),
    (MATE_IN_TWO, "a7a5", False, "after a5 the answers to some replies give check but never mate",
     " A check is not a mate: the answer must checkmate (is_checkmate, or your is_mate_in_one)."),
    (MATE_IN_TWO, "g7g6", False, "after Kg6 some replies allow a mate, but not all of them",
     " A mate in two must work against EVERY reply: the outer test is all(...), not any(...)."),
    (MATE_IN_TWO_WHITE, "g8d8", False, "after Qd8 some replies allow a mate, but not all of them",
     " A mate in two must work against EVERY legal reply: try them all, and stop early only on one that has no "
     "mating answer."),
    (MATE_FEN, "h1h8", False, "Rh8 mates at once: that is a mate in one, not in two",
     " After a mating move the opponent has no reply, and 'every reply allows a mate' is then vacuously true: "
     "return False when there is no legal reply."),
    (STALEMATE, "b6c7", False, "Qc7 stalemates: the game ends in a draw",
     " After a stalemating move the opponent has no reply, and 'every reply allows a mate' is then vacuously "
     "true: return False when there is no legal reply."),
    (MATE_FEN, "h1d2", False, "a rook cannot move like a knight: the move is illegal",
     " Check `move in board.legal_moves` before pushing: push() plays any move, legal or not."),
    (MATE_FEN, "h1h7", True, "Rh7 gives no check, yet Black's only move, Kb8, allows Rh8 mate",
     " A mate in two need not start with a check: try every legal reply, and for each one every answer."),
]


def check_is_mate_in_two(fn: Callable) -> None:
    """``is_mate_in_two(fen, uci)``: True exactly when the move is legal, does not end the game at once, and every
    legal reply leaves a mating answer."""
    for fen, uci, want, why, fix in MATE_IN_TWO_CASES:
        what = f"is_mate_in_two({fen!r}, {uci!r})"
        try:
            got = _run(fn, fen, uci, exercise="is_mate_in_two", what=what)
        except AssertionError as err:
            if "push() expects" not in str(err):
                raise
            # python-chess's own assert: a move was played on a board where it cannot be played
            raise AssertionError(f"{what} crashed in python-chess: {err} This happens when a board still holds a "
                                 "move from an earlier try: pop() each reply (and each answer you push) before "
                                 "trying the next one.") from None
        if not isinstance(got, (bool, np.bool_)):
            raise AssertionError(f"{what} returned {type(got).__name__}; return True or False.")
        if bool(got) != want:
            raise AssertionError(f"{what} returned {got}; expected {want} ({why}).{fix}")
    passed("is_mate_in_two", len(MATE_IN_TWO_CASES))


# ------------------------------------------------------------------------------------------ exercise 4
PUZZLES = [(MATE_FEN, "h1h8"), (ITALIAN, "f1b5"), ("k7/8/2K5/8/8/8/8/7R w - - 0 1", "c6b6"),
           ("6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1", "d1d8"),
           (IN_CHECK, "d1e2")]  # in check: 2 legal negatives among 31 pseudo-legal ones


def check_balanced_candidates(fn: Callable) -> None:
    """``balanced_candidates(puzzles, seed)``: per puzzle the solution (label 1) and one other legal move
    (label 0), as dicts with text/label/group; seeded."""
    rows = _run(fn, PUZZLES, 0, exercise="balanced_candidates", what="balanced_candidates(puzzles, 0)")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise AssertionError("balanced_candidates should return a list of dicts with keys text, label, group.")
    if len(rows) != 2 * len(PUZZLES):
        raise AssertionError(f"got {len(rows)} rows for {len(PUZZLES)} puzzles; expected two per puzzle (the "
                             "solution and one negative), so the classes are balanced.")
    for r in rows:
        if set(r) < {"text", "label", "group"}:
            raise AssertionError(f"row {r} lacks one of the keys text, label, group.")
    labels = [int(r["label"]) for r in rows]
    if sum(labels) != len(PUZZLES):
        raise AssertionError(f"{sum(labels)} of {len(rows)} rows have label 1; expected exactly one per puzzle.")
    for i, (fen, best) in enumerate(PUZZLES):
        mine = [r for r in rows if r["text"].startswith(fen + " ")]
        if [r["text"] for r in mine if int(r["label"]) == 1] != [f"{fen} {best}"]:
            raise AssertionError(f"puzzle {i}: expected exactly one row '{fen} {best}' with label 1 (the solution).")
        negs = [r["text"].split()[-1] for r in mine if int(r["label"]) == 0]
        if len(negs) != 1:
            raise AssertionError(f"puzzle {i}: {len(negs)} negative rows; expected one.")
        if negs[0] == best:
            raise AssertionError(f"puzzle {i}: the negative is the solution itself; draw from the *other* legal moves.")
        groups = {r["group"] for r in rows if r["text"].startswith(fen + " ")}
        if len(groups) != 1:
            raise AssertionError(f"puzzle {i}: its two rows have different groups {groups}; both rows of a puzzle "
                                 "share one group id (e.g. its index).")
    if len({r["group"] for r in rows}) != len(PUZZLES):
        raise AssertionError("different puzzles share a group id: give each puzzle its own.")
    again = _run(fn, PUZZLES, 0, exercise="balanced_candidates", what="balanced_candidates(puzzles, 0)")
    if [r["text"] for r in again] != [r["text"] for r in rows]:
        raise AssertionError("the same seed gave different rows: use random.Random(seed), not the global random.")
    other = [_run(fn, PUZZLES, s, exercise="balanced_candidates", what=f"balanced_candidates(puzzles, {s})")
             for s in (1, 2, 3)]
    for seed, drawn in enumerate([rows] + other):
        for r in drawn:
            fen, uci = r["text"].rsplit(" ", 1)
            if int(r["label"]) == 0 and chess.Move.from_uci(uci) not in chess.Board(fen).legal_moves:
                hint = _PSEUDO_HINT if _pseudo_legal_only(fen, uci) else ""
                raise AssertionError(f"with seed {seed} the negative {uci} in {fen!r} is not legal; draw from "
                                     f"board.legal_moves.{hint}")
    if all(sorted(r["text"] for r in o) == sorted(r["text"] for r in rows) for o in other):
        raise AssertionError("seeds 0 to 3 all drew the same negatives: draw them at random with the seed.")
    passed("balanced_candidates", 8)


# ------------------------------------------------------------------------------------------ exercise 5
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


# ------------------------------------------------------------------------------------------ exercise 6
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


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
