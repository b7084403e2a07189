"""Chess puzzles: forced mates found by exhaustive search, and engine-verified tactics.

A puzzle is a position and the one move that solves it. Two generators:

* **Forced mates** (no engine needed): positions reached by randomised play, searched
  exhaustively with python-chess. A mate in 1 is a move after which the opponent is checkmated; a
  mate in 2 is a move after which *every* reply allows a mate in 1. The search proves the answer.
* **Engine tactics** (Stockfish): positions from noisy engine self-play (:mod:`.selfplay`) where the
  engine's best move beats the second best by a clear margin at a deeper search. To make the set
  *hard*, we drop every puzzle that a one-line rule solves: "mate in 1 if there is one, else the
  biggest capture, made with the cheapest piece" (in random-play positions that rule solved 67%).

Every puzzle has a stable id (a hash of its position and answer), so the same puzzle keeps the same
id wherever it is generated.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

import chess

PIECE_VALUE = {chess.PAWN: 1, chess.KNIGHT: 3, chess.BISHOP: 3, chess.ROOK: 5, chess.QUEEN: 9, chess.KING: 0}


@dataclass
class Puzzle:
    """A position (``fen``, side to move solves it) and its solution ``moves`` (UCI, solver's first).

    ``prev_fen``/``prev_move`` are the position before and the opponent's move that led to ``fen``
    (the Lichess CSV stores puzzles that way); ``margin_cp`` is how much better the answer is than the
    second-best move (engine puzzles) and ``themes`` says what kind of puzzle it is.
    """

    fen: str
    moves: list[str]
    themes: list[str] = field(default_factory=list)
    rating: int = 1500
    margin_cp: int | None = None
    prev_fen: str | None = None
    prev_move: str | None = None
    puzzle_id: str = ""

    def __post_init__(self) -> None:
        if not self.puzzle_id:
            self.puzzle_id = hashlib.sha256(f"{self.fen}|{self.moves[0]}".encode()).hexdigest()[:10]

    @property
    def board(self) -> chess.Board:
        return chess.Board(self.fen)

    @property
    def best(self) -> str:
        return self.moves[0]


# ----------------------------------------------------------------------------- exact search


def mate_in_one_moves(board: chess.Board) -> list[chess.Move]:
    """Every legal move that checkmates at once (an exhaustive check of all legal moves)."""
    out = []
    for move in board.legal_moves:
        board.push(move)
        if board.is_checkmate():
            out.append(move)
        board.pop()
    return out


def is_mate_in_one(fen: str, uci: str) -> bool:
    """True when ``uci`` is legal in ``fen`` and checkmates."""
    board = chess.Board(fen)
    move = chess.Move.from_uci(uci)
    if move not in board.legal_moves:
        return False
    board.push(move)
    return board.is_checkmate()


def mate_in_two_moves(board: chess.Board) -> list[chess.Move]:
    """Moves that force mate on the next move against every defence (and do not mate at once)."""
    out = []
    for move in board.legal_moves:
        board.push(move)
        replies = list(board.legal_moves)
        forced = bool(replies) and not board.is_checkmate()
        for reply in replies if forced else ():
            board.push(reply)
            mates = any(_mates(board, m) for m in board.legal_moves)
            board.pop()
            if not mates:
                forced = False
                break
        board.pop()
        if forced:
            out.append(move)
    return out


def _mates(board: chess.Board, move: chess.Move) -> bool:
    board.push(move)
    mate = board.is_checkmate()
    board.pop()
    return mate


def capture_or_mate_rule(board: chess.Board) -> chess.Move | None:
    """The baseline that makes a puzzle "easy": mate in 1 if any, else the most valuable capture
    (ties: with the cheapest piece; then the first in UCI order), else None."""
    mates = mate_in_one_moves(board)
    if mates:
        return min(mates, key=lambda m: m.uci())
    best, best_key = None, None
    for move in board.legal_moves:
        if not board.is_capture(move):
            continue
        victim = chess.PAWN if board.is_en_passant(move) else board.piece_type_at(move.to_square)
        key = (-PIECE_VALUE[victim], PIECE_VALUE[board.piece_type_at(move.from_square)], move.uci())
        if best_key is None or key < best_key:
            best, best_key = move, key
    return best


# ----------------------------------------------------------------------------- forced mates


def random_positions(seed: int, n: int, min_plies: int = 10, max_plies: int = 60, capture_bias: float = 0.5):
    """``n`` (previous position, move, position) triples reached by randomised play, deterministic
    for ``seed``. Captures are preferred ``capture_bias`` of the time, which thins out the material
    and makes mates likelier."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        board = chess.Board()
        target = rng.randint(min_plies, max_plies)
        prev_fen, prev_move = None, None
        while board.ply() < target and not board.is_game_over():
            moves = list(board.legal_moves)
            captures = [m for m in moves if board.is_capture(m)]
            move = rng.choice(captures if captures and rng.random() < capture_bias else moves)
            prev_fen, prev_move = board.fen(), move.uci()
            board.push(move)
        if not board.is_game_over() and prev_fen is not None:
            out.append((prev_fen, prev_move, board.fen()))
    return out


def mate_puzzles(seed: int = 0, n_positions: int = 2000, mate_in_two: bool = True, show_progress: bool = False
                 ) -> list[Puzzle]:
    """Mate-in-1 and (optionally) mate-in-2 puzzles found by exhaustive search in random positions.

    A position becomes a puzzle only when its answer is unique (one mating move), so the puzzle has
    one right answer. About 0.5% of random positions have a mate in 1 and 0.2% a mate in 2.
    """
    from tqdm.auto import tqdm

    puzzles = []
    for prev_fen, prev_move, fen in tqdm(random_positions(seed, n_positions), desc="searching mates",
                                        disable=not show_progress, leave=False):
        board = chess.Board(fen)
        mates = mate_in_one_moves(board)
        if len(mates) == 1:
            puzzles.append(Puzzle(fen, [mates[0].uci()], ["mateIn1", "oneMove"], 600, None, prev_fen, prev_move))
            continue
        if mates or not mate_in_two:
            continue
        twos = mate_in_two_moves(board)
        if len(twos) == 1:
            board.push(twos[0])
            # the defender's reply and the mate complete the Lichess-style solution line
            reply = min(board.legal_moves, key=lambda m: m.uci())
            board.push(reply)
            finish = min(mate_in_one_moves(board), key=lambda m: m.uci())
            puzzles.append(Puzzle(fen, [twos[0].uci(), reply.uci(), finish.uci()], ["mateIn2"], 1200, None,
                                  prev_fen, prev_move))
    return puzzles


# ----------------------------------------------------------------------------- engine tactics


def engine_puzzles(positions: list[dict], min_margin_cp: int = 150, drop_easy: bool = True) -> list[Puzzle]:
    """Puzzles from self-play positions (see :func:`.selfplay.generate`) with a deeper verification.

    Kept: the deeper search (``verify``) puts its best move at least ``min_margin_cp`` above the
    second best and agrees with the shallow search on the best move; with ``drop_easy``, positions
    that :func:`capture_or_mate_rule` solves are dropped.
    """
    out = []
    for rec in positions:
        verify = rec.get("verify")
        if not verify or len(verify) < 2 or verify[0][0] != rec["moves"][0][0]:
            continue
        margin = verify[0][1] - verify[1][1]
        if margin < min_margin_cp:
            continue
        board = chess.Board(rec["fen"])
        rule = capture_or_mate_rule(board)
        best = verify[0][0]
        easy = rule is not None and rule.uci() == best
        if drop_easy and easy:
            continue
        themes = ["advantage"] + (["easy"] if easy else [])
        if board.is_capture(chess.Move.from_uci(best)):
            themes.append("capture")
        if board.gives_check(chess.Move.from_uci(best)):
            themes.append("check")
        out.append(Puzzle(rec["fen"], [best], themes, 1500, int(margin), rec.get("prev_fen"), rec.get("prev_move")))
    return out
