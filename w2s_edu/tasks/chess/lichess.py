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

from ..rows import MalformedRowError
from .puzzles import Puzzle

COLUMNS = ["PuzzleId", "FEN", "Moves", "Rating", "RatingDeviation", "Popularity", "NbPlays", "Themes",
           "GameUrl", "OpeningTags"]


def puzzle_from_row(row: dict, where: str = "Lichess CSV", index: int | str = "?") -> Puzzle:
    """One CSV row (a dict keyed by :data:`COLUMNS`) -> a :class:`Puzzle` at the solver's turn.

    Every field is checked: a bad row raises :class:`~..rows.MalformedRowError` (a ``ValueError``) naming
    ``where`` (the file), the row ``index``, the puzzle and the field. ``FEN`` and ``Moves`` are required;
    an empty ``Rating`` is 1500 and empty ``Themes`` none.
    """
    pid = row.get("PuzzleId") or ""

    def bad(field: str, problem: str) -> MalformedRowError:
        return MalformedRowError(where, None, f"{index} (puzzle {pid!r})", field, problem)

    if None in row:
        raise bad("(extra fields)", f"the row has more fields than the header: {row[None]!r}")
    for field in ("FEN", "Moves"):
        if not isinstance(row.get(field), str) or not row[field].strip():
            raise bad(field, f"missing (got {row.get(field)!r}); is the row cut short?")
    moves = row["Moves"].split()
    if len(moves) < 2:
        raise bad("Moves", f"Moves needs the opponent's move and at least one solution move, got {row['Moves']!r}")
    try:
        board = chess.Board(row["FEN"])
    except ValueError as err:
        raise bad("FEN", f"not a FEN: {row['FEN']!r} ({err})") from err
    try:
        line = [chess.Move.from_uci(m) for m in moves]
    except ValueError as err:
        raise bad("Moves", f"Moves must be UCI moves, got {row['Moves']!r}") from err
    if line[0] not in board.legal_moves:
        raise bad("Moves", f"the opponent's move {moves[0]} is not legal in {row['FEN']} (is the FEN the position "
                           "before Moves[0]?)")
    board.push(line[0])
    if line[1] not in board.legal_moves:
        raise bad("Moves", f"the solution move {moves[1]} is not legal after {moves[0]}")
    rating = (row.get("Rating") or "").strip() or "1500"
    if not rating.lstrip("-").isdigit():
        raise bad("Rating", f"expected an integer, got {row['Rating']!r}")
    return Puzzle(board.fen(), moves[1:], (row.get("Themes") or "").split(), int(rating), None, row["FEN"],
                  moves[0], pid)


def read_lichess_csv(path: str | Path, limit: int | None = None, themes: set[str] | None = None) -> list[Puzzle]:
    """Puzzles from a Lichess-format CSV (header row required); ``themes`` keeps puzzles with any of them.
    A malformed row raises :class:`~..rows.MalformedRowError` naming the file, row, puzzle and field."""
    out = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("FEN", "Moves") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; a Lichess puzzle CSV has the header "
                             f"{','.join(COLUMNS)}")
        for i, row in enumerate(reader):
            puzzle = puzzle_from_row(row, str(path), f"{i} (line {reader.line_num})")
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
