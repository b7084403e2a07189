"""Engine-labelled positions from noisy Stockfish self-play: the raw material of the chess ladder.

Why self-play and not random moves: positions reached by random play are full of hanging pieces,
so their "puzzles" are mostly "take the free piece" (a rule solved 67% of them in our first trial,
and every model size learnt that rule and nothing more). Noisy engine play gives positions that
look like games: the engine picks among its top moves (softmax over expected score), and now and
then a random move (``random_move_prob``) keeps the games diverse and creates real tactics.

One Stockfish analysis per ply serves twice: it picks the next move and it labels the position
(the top ``multipv`` moves with their scores at ``depth``). Positions whose best move is clearly
better than the second one are re-analysed deeper (``verify_depth``): those are puzzle candidates.

Each game is played from its own seed (``seed * 1_000_003 + game``), so a data set is the same for
the same seed and game range whatever the number of worker processes.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import chess

from .engine import analyse_moves, open_engine, win_prob


@dataclass(frozen=True)
class SelfPlayConfig:
    """The data recipe: every field is recorded next to the data and the checkpoints it made."""

    depth: int = 6  # labelling depth (top `multipv` moves)
    multipv: int = 4
    verify_depth: int = 10  # deeper re-analysis of puzzle candidates
    candidate_margin_cp: int = 100  # best vs second best at `depth` before verifying
    random_opening_plies: int = 4  # random moves that start each game (diversity)
    random_move_prob: float = 0.1  # later plies: a random legal move this often
    temperature: float = 0.04  # softmax over expected scores of the top moves
    max_plies: int = 160
    min_ply: int = 8  # positions before this ply are played but not recorded
    seed: int = 0


def _pick_move(rng: random.Random, board: chess.Board, top: list[tuple[str, int]], cfg: SelfPlayConfig) -> chess.Move:
    if not top or rng.random() < cfg.random_move_prob:
        return rng.choice(list(board.legal_moves))
    weights = [math.exp((win_prob(cp) - win_prob(top[0][1])) / cfg.temperature) for _, cp in top]
    uci = rng.choices([m for m, _ in top], weights=weights)[0]
    return chess.Move.from_uci(uci)


def _analyse(engine, board: chess.Board, depth: int, multipv: int) -> list[tuple[str, int]]:
    if isinstance(engine, MaterialEngine):
        return engine.analyse(board, depth, multipv)
    return analyse_moves(engine, board, depth, multipv)


def play_game(engine, cfg: SelfPlayConfig, game: int) -> list[dict]:
    """Play one noisy self-play game and return its labelled positions (one dict per ply).

    ``engine`` is a Stockfish process (:func:`.engine.open_engine`) or a :class:`MaterialEngine`."""
    rng = random.Random(cfg.seed * 1_000_003 + game)
    board = chess.Board()
    for _ in range(cfg.random_opening_plies):
        moves = list(board.legal_moves)
        if not moves:
            break
        board.push(rng.choice(moves))
    records = []
    prev_fen, prev_move = None, None
    while not board.is_game_over(claim_draw=True) and board.ply() < cfg.max_plies:
        top = _analyse(engine, board, cfg.depth, cfg.multipv)
        if board.ply() >= cfg.min_ply and top:
            rec = {"game": game, "ply": board.ply(), "fen": board.fen(), "prev_fen": prev_fen,
                   "prev_move": prev_move, "moves": top, "n_legal": board.legal_moves.count()}
            if len(top) >= 2 and top[0][1] - top[1][1] >= cfg.candidate_margin_cp:
                rec["verify"] = _analyse(engine, board, cfg.verify_depth, 2)
            records.append(rec)
        move = _pick_move(rng, board, top, cfg)
        prev_fen, prev_move = board.fen(), move.uci()
        board.push(move)
    return records


def generate(cfg: SelfPlayConfig, games: range, out: Path, show_progress: bool = True,
             engine: str = "stockfish") -> dict:
    """Play ``games`` and append their positions to ``out`` (JSON lines); returns timing stats.

    ``engine="material"`` uses :class:`MaterialEngine` instead of Stockfish (no install needed)."""
    from tqdm.auto import tqdm

    engine = MaterialEngine() if engine == "material" else open_engine()
    start, n = time.time(), 0
    try:
        with open(out, "a") as f:
            for game in tqdm(games, desc=f"self-play {out.name}", unit="game", disable=not show_progress):
                for rec in play_game(engine, cfg, game):
                    f.write(json.dumps(rec) + "\n")
                    n += 1
                f.flush()
    finally:
        engine.quit()
    return {"positions": n, "games": len(games), "seconds": time.time() - start, "config": asdict(cfg)}


def read_positions(paths) -> list[dict]:
    """Positions from JSON-lines files written by :func:`generate` (or gzipped, ``.jsonl.gz``),
    sorted by (game, ply)."""
    import gzip

    rows = []
    for path in paths:
        with (gzip.open if str(path).endswith(".gz") else open)(path, "rt") as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return sorted(rows, key=lambda r: (r["game"], r["ply"]))


class MaterialEngine:
    """A stand-in for Stockfish when it is not installed (tests, smoke runs): scores each legal move
    by the material balance after the opponent's best capture in reply (a two-ply search). It plays
    and labels like :func:`.engine.analyse_moves` but knows nothing beyond trading material."""

    def analyse(self, board: chess.Board, depth: int, multipv: int) -> list[tuple[str, int]]:
        from ..tasks.chess.puzzles import PIECE_VALUE

        def material(b: chess.Board, color: chess.Color) -> int:
            return sum(PIECE_VALUE[p.piece_type] * (1 if p.color == color else -1) for p in b.piece_map().values())

        me, scored = board.turn, []
        for move in board.legal_moves:
            board.push(move)
            if board.is_checkmate():
                value = 10_000
            else:
                value = 100 * material(board, me)
                replies = [100 * _after(board, r, me, material) for r in board.legal_moves if board.is_capture(r)]
                value = min([value, *replies])
            board.pop()
            scored.append((move.uci(), int(value)))
        return sorted(scored, key=lambda m: (-m[1], m[0]))[:multipv]

    def quit(self) -> None:
        pass


def _after(board: chess.Board, move: chess.Move, color: chess.Color, material) -> int:
    board.push(move)
    value = material(board, color)
    board.pop()
    return value
