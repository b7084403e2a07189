"""Read and write puzzles in the public Lichess puzzle CSV format.

The Lichess database (https://database.lichess.org/#puzzles) ships puzzles as CSV with the columns
``PuzzleId, FEN, Moves, Rating, RatingDeviation, Popularity, NbPlays, Themes, GameUrl, OpeningTags``.
Careful: the ``FEN`` is the position *before* the opponent's move; ``Moves[0]`` is that opponent
move and ``Moves[1]`` is the first move of the solution (then the line alternates). Our
:class:`~.puzzles.Puzzle` stores the position the solver faces, so the loader plays ``Moves[0]``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import chess

from .puzzles import Puzzle

COLUMNS = ["PuzzleId", "FEN", "Moves", "Rating", "RatingDeviation", "Popularity", "NbPlays", "Themes",
           "GameUrl", "OpeningTags"]


def puzzle_from_row(row: dict) -> Puzzle:
    """One CSV row (a dict keyed by :data:`COLUMNS`) -> a :class:`Puzzle` at the solver's turn."""
    moves = row["Moves"].split()
    if len(moves) < 2:
        raise ValueError(f"puzzle {row.get('PuzzleId')!r}: Moves needs the opponent's move and at least one "
                         f"solution move, got {row['Moves']!r}")
    board = chess.Board(row["FEN"])
    try:
        first, answer = chess.Move.from_uci(moves[0]), chess.Move.from_uci(moves[1])
    except ValueError as err:
        raise ValueError(f"puzzle {row.get('PuzzleId')!r}: Moves must be UCI moves, got {row['Moves']!r}") from err
    if first not in board.legal_moves:
        raise ValueError(f"puzzle {row.get('PuzzleId')!r}: the opponent's move {moves[0]} is not legal in "
                         f"{row['FEN']} (is the FEN the position before Moves[0]?)")
    board.push(first)
    if answer not in board.legal_moves:
        raise ValueError(f"puzzle {row.get('PuzzleId')!r}: the solution move {moves[1]} is not legal after "
                         f"{moves[0]}")
    return Puzzle(board.fen(), moves[1:], row.get("Themes", "").split(), int(row.get("Rating") or 1500),
                  None, row["FEN"], moves[0], row.get("PuzzleId", ""))


def read_lichess_csv(path: str | Path, limit: int | None = None, themes: set[str] | None = None) -> list[Puzzle]:
    """Puzzles from a Lichess-format CSV (header row required); ``themes`` keeps puzzles with any of them."""
    out = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("FEN", "Moves") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; a Lichess puzzle CSV has the header "
                             f"{','.join(COLUMNS)}")
        for row in reader:
            puzzle = puzzle_from_row(row)
            if themes and not themes & set(puzzle.themes):
                continue
            out.append(puzzle)
            if limit and len(out) >= limit:
                break
    return out


def write_lichess_csv(puzzles: list[Puzzle], path: str | Path) -> Path:
    """Write puzzles in the Lichess format. Puzzles need ``prev_fen``/``prev_move`` (the opponent's move)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for p in puzzles:
            if p.prev_fen is None or p.prev_move is None:
                raise ValueError(f"puzzle {p.puzzle_id}: the Lichess format needs the position before the "
                                 "opponent's move (prev_fen) and that move (prev_move)")
            writer.writerow({"PuzzleId": p.puzzle_id, "FEN": p.prev_fen, "Moves": " ".join([p.prev_move, *p.moves]),
                             "Rating": p.rating, "RatingDeviation": 0, "Popularity": 0, "NbPlays": 0,
                             "Themes": " ".join(p.themes), "GameUrl": "", "OpeningTags": ""})
    return path
