"""Chess puzzles as a weak-to-strong classification task: "position + candidate move -> best move?"

Each puzzle becomes a *group* of candidate rows that share its ``group`` id: the solution (label 1)
and ``negatives`` other legal moves (label 0), drawn at random with a seed from the moves that do not
also solve it (no checkmating move is ever a negative: :func:`draw_negatives`). With one negative per
puzzle the task is exactly balanced. The text is what any language model can read: the FEN and the
move in UCI, e.g. ``"6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1 d1d8"``.

Two ways to score a classifier on it:

* **binary accuracy**: every row on its own (is P(true) > 0.5 right?), what the pipeline reports;
* **multiple-choice accuracy**: per puzzle, pick the candidate with the highest P(true); right
  when that is the solution (chance: 1 / candidates). It asks the question a player asks.

Splits: :func:`w2s_edu.tasks.splits.split_by_group` keeps a puzzle's rows in one part (used by
:mod:`w2s_edu.chess.evaluate` and the lesson's :func:`w2s_edu.experiment.bootstrap.run_bootstrap`).
``run_w2s`` uses the shared row splitter (:func:`w2s_edu.tasks.splits.split_task`), so there a
puzzle's solution and its wrong move can land in different parts (the same position seen in
training and test, with another move).

Registered task (``w2s_edu.tasks.get_task``, kind ``chess``):

* ``chess-puzzles``: the shipped engine-tactics set (``w2s_edu/data/chess/puzzles.csv``, Lichess
  format): positions from noisy Stockfish self-play where the best move beats the second best by a
  clear margin at a deeper search, *minus* every puzzle a capture-or-mate rule solves.

Forced mates (:func:`cached_mate_puzzles`: mate in 1 and 2 by exhaustive search, cached on disk)
become the same kind of dataset with ``puzzles_to_dataset(cached_mate_puzzles(seed))``. They are
not a registered task: the search takes about a minute for 50 puzzles (``1.3 puzzles/s`` here).

python-chess is imported inside the functions that need it, so registering the task (importing
:mod:`w2s_edu.tasks`) does not need it.
"""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING

import datasets
import numpy as np

from ... import cache
from ...data import CHESS_DIR
from ..registry import register_task

if TYPE_CHECKING:
    from .puzzles import Puzzle

SHIPPED_PUZZLES = CHESS_DIR / "puzzles.csv"


def position_text(fen: str, move: str) -> str:
    """The task's text for a position and a candidate move: FEN, a space, the move in UCI."""
    return f"{fen} {move}"


def draw_negatives(fen: str, best: str, k: int, rng: random.Random) -> list[str]:
    """``k`` distinct legal moves that do not solve the puzzle (fewer if the position has fewer), in UCI.

    Excluded: ``best`` and every move that checkmates. A mate is never a wrong move: where the solution
    mates, Lichess accepts any mate (puzzle 00DPQ has two mates in one), and where it does not, a mating
    move would be better than the solution. In the shipped puzzles no position has a mating move, so
    their negatives are the same as before this rule.
    """
    import chess

    board = chess.Board(fen)
    others = sorted(m.uci() for m in board.legal_moves if m.uci() != best and not _mates(board, m))
    return rng.sample(others, min(k, len(others)))


def _mates(board, move) -> bool:
    if not board.gives_check(move):
        return False
    board.push(move)
    mate = board.is_checkmate()
    board.pop()
    return mate


def puzzles_to_dataset(puzzles: list[Puzzle], seed: int = 0, negatives: int = 1) -> datasets.Dataset:
    """One group of rows per puzzle: the solution (label 1) and ``negatives`` random legal moves
    (label 0). Puzzles with fewer legal alternatives than ``negatives`` are skipped, so every group
    has the same size. Rows keep ``group`` (puzzle id), ``fen``, ``move`` and ``themes``."""
    rng = random.Random(seed)
    cols = {"text": [], "label": [], "group": [], "fen": [], "move": [], "themes": []}
    for p in sorted(puzzles, key=lambda p: p.puzzle_id):
        negs = draw_negatives(p.fen, p.best, negatives, rng)
        if len(negs) < negatives:
            continue
        for move, label in [(p.best, 1), *((m, 0) for m in negs)]:
            cols["text"].append(position_text(p.fen, move))
            cols["label"].append(label)
            cols["group"].append(p.puzzle_id)
            cols["fen"].append(p.fen)
            cols["move"].append(move)
            cols["themes"].append(" ".join(p.themes))
    return datasets.Dataset.from_dict(cols)


def shipped_puzzles() -> list[Puzzle]:
    """The puzzles of ``chess-puzzles``: the shipped Lichess-format CSV (:data:`SHIPPED_PUZZLES`)."""
    from .lichess import read_lichess_csv

    if not SHIPPED_PUZZLES.exists():
        raise FileNotFoundError(f"The shipped puzzle file {SHIPPED_PUZZLES} is missing; rebuild it with "
                                "`w2s-edu chess-pretrain` (needs Stockfish) or reinstall the package.")
    return read_lichess_csv(SHIPPED_PUZZLES)


def cached_mate_puzzles(seed: int = 0, n_positions: int = 5000) -> list[Puzzle]:
    """:func:`.puzzles.mate_puzzles`, stored as JSON in the cache (5,000 positions: about 50 puzzles,
    40 s on one core)."""
    from .puzzles import Puzzle, mate_puzzles

    path = cache.cache_dir("chess") / f"mates-seed{seed}-n{n_positions}.json"
    saved = cache.load_or_none(path, lambda p: [Puzzle(**x) for x in cache.read_json(p)])
    if saved is not None:
        return saved
    puzzles = mate_puzzles(seed, n_positions, show_progress=True)
    cache.write_json(path, [p.__dict__ for p in puzzles])
    return puzzles


def multiple_choice_accuracy(p_true, labels, groups) -> float:
    """Fraction of groups whose highest-P(true) row has label 1 (groups missing a label-1 row or with
    a single row are skipped). ``p_true`` is (N,) or (N, 2) class probabilities."""
    p = np.asarray(p_true, dtype=float)
    p = p[:, 1] if p.ndim == 2 else p
    labels, groups = np.asarray(labels), np.asarray(groups)
    right = total = 0
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.r_[True, groups[order][1:] != groups[order][:-1], True])
    for s, e in zip(bounds[:-1], bounds[1:]):
        rows = order[s:e]
        if len(rows) < 2 or labels[rows].sum() != 1:
            continue
        total += 1
        right += int(labels[rows[np.argmax(p[rows])]] == 1)
    if total == 0:
        raise ValueError("No complete groups (one right answer and at least one wrong one) to score.")
    return right / total


@register_task("chess-puzzles", "chess: is this move the best? Engine tactics without easy captures/mates "
               "(FEN + UCI; group = puzzle)", kind="chess")
def build_chess_puzzles(seed: int) -> datasets.Dataset:
    """The ``chess-puzzles`` task: the shipped puzzles, one wrong move each (see :func:`puzzles_to_dataset`)."""
    return puzzles_to_dataset(shipped_puzzles(), seed)


def describe_puzzles(puzzles: list[Puzzle]) -> dict:
    """A summary of a puzzle set: how many, how often each theme, the median margin (where known)."""
    themes: dict[str, int] = {}
    for p in puzzles:
        for t in p.themes:
            themes[t] = themes.get(t, 0) + 1
    margins = [p.margin_cp for p in puzzles if p.margin_cp is not None]  # (the Lichess CSV does not store them)
    return {"puzzles": len(puzzles), "themes": dict(sorted(themes.items())),
            "margin_cp_median": float(np.median(margins)) if margins else None}


def to_json(puzzles: list[Puzzle]) -> str:
    """The puzzles as a JSON list of their fields."""
    return json.dumps([p.__dict__ for p in puzzles])
