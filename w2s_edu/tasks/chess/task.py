"""Chess puzzles as a weak-to-strong classification task: "position + candidate move -> best move?"

Each puzzle becomes a *group* of candidate rows that share its ``group`` id: the solution (label 1)
and ``negatives`` other legal moves (label 0), drawn at random with a seed. With one negative per
puzzle the task is exactly balanced. The text is what any language model can read: the FEN and the
move in UCI, e.g. ``"6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1 d1d8"``.

Two ways to score a classifier on it:

* **binary accuracy**: every row on its own (is P(true) > 0.5 right?), what the pipeline reports;
* **multiple-choice accuracy**: per puzzle, pick the candidate with the highest P(true); right
  when that is the solution (chance: 1 / candidates). It asks the question a player asks.

Splits: :func:`split_by_group` keeps a puzzle's rows in one part (used by :mod:`.evaluate` and
the lesson's :func:`w2s_edu.experiment.bootstrap.run_bootstrap`). ``run_w2s`` uses the shared row splitter
(:func:`w2s_edu.tasks.splits.split_task`), so there a puzzle's solution and its wrong move can land in
different parts (the same position seen in training and test, with another move).

Registered task (``w2s_edu.tasks.registry.get_task``):

* ``chess-puzzles``: the shipped engine-tactics set (``w2s_edu/data/chess/puzzles.csv``, Lichess
  format): positions from noisy Stockfish self-play where the best move beats the second best by a
  clear margin at a deeper search, *minus* every puzzle a capture-or-mate rule solves.

Forced mates (:func:`cached_mate_puzzles`: mate in 1 and 2 by exhaustive search, cached on disk)
become the same kind of dataset with ``puzzles_to_dataset(cached_mate_puzzles(seed))``. They are
not a registered task: the search takes about a minute for 50 puzzles (``1.3 puzzles/s`` here).
"""

from __future__ import annotations

import json
import random

from ...data import CHESS_DIR as DATA_DIR

import chess
import datasets
import numpy as np

from ... import cache
from .lichess import read_lichess_csv
from .puzzles import Puzzle, mate_puzzles

SHIPPED_PUZZLES = DATA_DIR / "puzzles.csv"


def position_text(fen: str, move: str) -> str:
    """The task's text for a position and a candidate move: FEN, a space, the move in UCI."""
    return f"{fen} {move}"


def draw_negatives(fen: str, best: str, k: int, rng: random.Random) -> list[str]:
    """``k`` distinct legal moves other than ``best`` (fewer if the position has fewer), in UCI."""
    others = sorted(m.uci() for m in chess.Board(fen).legal_moves if m.uci() != best)
    return rng.sample(others, min(k, len(others)))


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
    if not SHIPPED_PUZZLES.exists():
        raise FileNotFoundError(f"The shipped puzzle file {SHIPPED_PUZZLES} is missing; rebuild it with "
                                "`python -m w2s_edu.chess.pretrain` (needs Stockfish) or reinstall the package.")
    return read_lichess_csv(SHIPPED_PUZZLES)


def cached_mate_puzzles(seed: int = 0, n_positions: int = 5000) -> list[Puzzle]:
    """:func:`.puzzles.mate_puzzles`, stored as JSON in the cache (5,000 positions: about 50 puzzles,
    40 s on one core)."""
    path = cache.cache_dir("chess") / f"mates-seed{seed}-n{n_positions}.json"
    if path.exists():
        return [Puzzle(**p) for p in cache.read_json(path)]
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


def split_by_group(ds: datasets.Dataset, n_train_weak: int | None, n_train_strong: int | None, n_test: int | None,
                   seed: int = 0) -> datasets.DatasetDict:
    """Like :func:`w2s_edu.tasks.splits.split_task` (same parts, an ``idx`` column), but by whole groups
    (rows sharing a ``group`` value): no group is cut across parts, so no puzzle is in two parts.

    Groups are shuffled with ``seed`` and dealt to the parts in order until each part has at least
    its size in rows (a part can exceed its size by less than one group; ``None`` shares the rest
    equally). Balance comes from the groups: tasks with a ``group`` column build each group with
    as many label-1 as label-0 rows (chess: one solution and one wrong move per puzzle).
    """
    from ..splits import SPLIT_NAMES  # (lazy: w2s_edu.tasks.registry imports this module)

    sizes = (n_train_weak, n_train_strong, n_test)
    if "idx" not in ds.column_names:
        ds = ds.add_column("idx", list(range(len(ds))))
    members: dict = {}
    for row, group in enumerate(ds["group"]):
        members.setdefault(group, []).append(row)
    groups = list(members)
    random.Random(seed).shuffle(groups)
    total = len(ds)
    fixed = sum(int(n) for n in sizes if n is not None)
    if fixed > total:
        raise ValueError(f"asked for {fixed} rows in total but the dataset has {total} (in {len(groups)} "
                         "groups); ask for smaller sizes.")
    n_free = sum(n is None for n in sizes)
    share = (total - fixed) // n_free if n_free else 0
    parts, start = {}, 0
    for name, n in zip(SPLIT_NAMES, sizes):
        want = share if n is None else int(n)
        rows = []
        while len(rows) < want:
            if start >= len(groups):
                raise ValueError(f"not enough groups left for {name} ({want} rows): the dataset has "
                                 f"{total} rows in {len(groups)} groups; ask for smaller sizes.")
            rows.extend(members[groups[start]])
            start += 1
        parts[name] = ds.select(rows)
    return datasets.DatasetDict(parts)


def register() -> None:
    """Register the chess tasks with :mod:`w2s_edu.tasks.registry` (called when that module is imported)."""
    from ..registry import _REGISTRY, register_task

    if "chess-puzzles" in _REGISTRY:
        return
    register_task("chess-puzzles", "chess: is this move the best? Engine tactics without easy captures/mates "
                  "(FEN + UCI; group = puzzle)")(_puzzles_task)


def _puzzles_task(seed: int) -> datasets.Dataset:
    return puzzles_to_dataset(shipped_puzzles(), seed)



def describe_puzzles(puzzles: list[Puzzle]) -> dict:
    themes: dict[str, int] = {}
    for p in puzzles:
        for t in p.themes:
            themes[t] = themes.get(t, 0) + 1
    margins = [p.margin_cp for p in puzzles if p.margin_cp is not None]  # (the Lichess CSV does not store them)
    return {"puzzles": len(puzzles), "themes": dict(sorted(themes.items())),
            "margin_cp_median": float(np.median(margins)) if margins else None}


def to_json(puzzles: list[Puzzle]) -> str:
    return json.dumps([p.__dict__ for p in puzzles])
