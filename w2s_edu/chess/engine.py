"""Finding Stockfish and turning its scores into numbers a model can learn.

Stockfish is optional: every part of the package that needs it calls :func:`find_stockfish` and
says plainly what it skips when the engine is missing (the shipped puzzles and checkpoints work
without it). Install it with ``apt-get install stockfish`` (Debian/Ubuntu) or ``brew install
stockfish`` (macOS), or point ``$STOCKFISH_PATH`` at a binary.
"""

from __future__ import annotations

import math
import os
import shutil
import warnings

import chess
import chess.engine

DEFAULT_PATHS = ("/usr/games/stockfish", "/usr/bin/stockfish", "/usr/local/bin/stockfish")
MATE_CP = 10_000  # a mate counts as this many centipawns (minus its distance), so it outranks material
INSTALL_HINT = ("Install Stockfish (apt-get install stockfish, brew install stockfish) or set "
                "$STOCKFISH_PATH to its binary.")


ENV_VAR = "STOCKFISH_PATH"  # the one variable; the doctor's old $STOCKFISH is read with a deprecation note
OLD_ENV_VAR = "STOCKFISH"


def find_stockfish() -> str | None:
    """Path of a Stockfish binary (``$STOCKFISH_PATH``, ``PATH``, then the usual places), or None.

    A ``$STOCKFISH_PATH`` that names no file is reported (a warning) rather than silently passed over;
    the old ``$STOCKFISH`` still works, with a note to rename it."""
    env = os.environ.get(ENV_VAR)
    if not env and os.environ.get(OLD_ENV_VAR):
        env = os.environ[OLD_ENV_VAR]
        warnings.warn(f"${OLD_ENV_VAR} is deprecated: set ${ENV_VAR}={env} instead (w2s-edu reads only "
                      f"${ENV_VAR} in a later version).", DeprecationWarning, stacklevel=2)
    if env:
        if os.path.exists(env):
            return env
        warnings.warn(f"${ENV_VAR}={env} names no file; looking for stockfish on PATH instead.", stacklevel=2)
    found = shutil.which("stockfish")
    if found:
        return found
    return next((p for p in DEFAULT_PATHS if os.path.exists(p) and os.access(p, os.X_OK)), None)


def require_stockfish() -> str:
    path = find_stockfish()
    if path is None:
        raise RuntimeError(f"This step needs the Stockfish chess engine, which was not found. {INSTALL_HINT}")
    return path


def open_engine(threads: int = 1, hash_mb: int = 16) -> chess.engine.SimpleEngine:
    """A Stockfish process with one thread (deterministic for a fixed depth and a cleared hash)."""
    engine = chess.engine.SimpleEngine.popen_uci(require_stockfish())
    engine.configure({"Threads": threads, "Hash": hash_mb})
    return engine


def score_cp(score: chess.engine.PovScore, color: chess.Color) -> int:
    """Centipawns from ``color``'s point of view; mate in n becomes +-(MATE_CP - n)."""
    return int(score.pov(color).score(mate_score=MATE_CP))


def win_prob(cp: float) -> float:
    """Expected score (0..1) for a centipawn evaluation: Lichess's logistic fit, used for value targets."""
    return 1.0 / (1.0 + math.exp(-0.00368208 * max(-2000.0, min(2000.0, cp))))


def analyse_moves(engine: chess.engine.SimpleEngine, board: chess.Board, depth: int, multipv: int
                  ) -> list[tuple[str, int]]:
    """The engine's top ``multipv`` moves with their scores (side to move's view), best first.

    The hash is cleared first, so the answer for a position does not depend on what came before.
    """
    engine.configure({"Clear Hash": None})
    infos = engine.analyse(board, chess.engine.Limit(depth=depth), multipv=multipv, game=object())
    out = []
    for info in infos:
        if "pv" in info and info["pv"]:
            out.append((info["pv"][0].uci(), score_cp(info["score"], board.turn)))
    return sorted(out, key=lambda m: -m[1])
