"""Chess puzzles: exhaustive mate search, the capture-or-mate baseline, engine tactics (with Stockfish)."""

import chess
import pytest

from w2s_edu.chess import engine as chess_engine
from w2s_edu.tasks.chess.puzzles import (
    capture_or_mate_rule,
    engine_puzzles,
    is_mate_in_one,
    mate_in_one_moves,
    mate_in_two_moves,
    mate_puzzles,
)

needs_stockfish = pytest.mark.skipif(chess_engine.find_stockfish() is None, reason="Stockfish is not installed")


def test_mate_in_one_found_and_verified():
    board = chess.Board("k7/8/1K6/8/8/8/8/7R w - - 0 1")
    assert [m.uci() for m in mate_in_one_moves(board)] == ["h1h8"]
    assert is_mate_in_one(board.fen(), "h1h8")
    assert not is_mate_in_one(board.fen(), "h1h7")
    assert not is_mate_in_one(board.fen(), "h1a2")  # illegal move: not a mate
    assert mate_in_one_moves(chess.Board()) == []


def test_mate_in_two_is_exhaustive():
    board = chess.Board("k7/8/2K5/8/8/8/8/7R w - - 0 1")
    twos = {m.uci() for m in mate_in_two_moves(board)}
    assert "c6b6" in twos and "h1h8" not in twos  # Rh8+ lets the king out to a7
    assert not mate_in_one_moves(board)
    for uci in twos:  # every defence allows a mate in one
        b = chess.Board(board.fen())
        b.push_uci(uci)
        assert not b.is_checkmate()
        for reply in list(b.legal_moves):
            b.push(reply)
            assert mate_in_one_moves(b), (uci, reply.uci())
            b.pop()


def test_capture_or_mate_rule():
    assert capture_or_mate_rule(chess.Board("k7/8/1K6/8/8/8/8/7R w - - 0 1")).uci() == "h1h8"
    # queen or pawn can both take the rook: the cheapest attacker takes the most valuable piece
    board = chess.Board("4k3/8/8/3r4/2P1Q3/8/8/4K3 w - - 0 1")
    assert capture_or_mate_rule(board).uci() == "c4d5"
    assert capture_or_mate_rule(chess.Board()) is None


def test_generated_mate_puzzles_are_correct_and_deterministic():
    puzzles = mate_puzzles(seed=3, n_positions=400)
    again = mate_puzzles(seed=3, n_positions=400)
    assert [p.puzzle_id for p in puzzles] == [p.puzzle_id for p in again]
    assert puzzles, "400 random positions should contain at least one forced mate"
    for p in puzzles:
        board = p.board
        assert chess.Move.from_uci(p.best) in board.legal_moves
        if "mateIn1" in p.themes:
            assert [m.uci() for m in mate_in_one_moves(board)] == [p.best]
        else:
            assert [m.uci() for m in mate_in_two_moves(board)] == [p.best]
            line = chess.Board(p.fen)
            for move in p.moves:
                line.push_uci(move)
            assert line.is_checkmate()
        prev = chess.Board(p.prev_fen)
        prev.push_uci(p.prev_move)
        assert prev.fen() == p.fen


def test_engine_puzzles_filter_margin_disagreement_and_easy_ones():
    fen = "4k3/8/8/3r4/2P1Q3/8/8/4K3 w - - 0 1"  # the rule's capture c4d5 solves it
    rec = {"fen": fen, "moves": [["c4d5", 500], ["e4d5", 400]], "verify": [["c4d5", 600], ["e4d5", 300]]}
    assert engine_puzzles([rec]) == []
    assert len(engine_puzzles([rec], drop_easy=False)) == 1
    quiet = {"fen": chess.STARTING_FEN, "moves": [["e2e4", 300], ["d2d4", 0]], "verify": [["e2e4", 300], ["d2d4", 0]]}
    assert [p.best for p in engine_puzzles([quiet])] == ["e2e4"]
    assert engine_puzzles([quiet], min_margin_cp=301) == []
    disagree = dict(quiet, verify=[["d2d4", 300], ["e2e4", 0]])  # deeper search picks another move
    assert engine_puzzles([disagree]) == []


def test_find_stockfish_respects_missing(monkeypatch):
    monkeypatch.setenv("STOCKFISH_PATH", "/nonexistent/stockfish")
    monkeypatch.setattr(chess_engine.shutil, "which", lambda name: None)
    monkeypatch.setattr(chess_engine, "DEFAULT_PATHS", ())
    assert chess_engine.find_stockfish() is None
    with pytest.raises(RuntimeError, match="Stockfish"):
        chess_engine.require_stockfish()


@needs_stockfish
def test_selfplay_puzzles_agree_with_a_deeper_engine(tmp_path):
    from w2s_edu.chess.selfplay import SelfPlayConfig, generate, read_positions

    cfg = SelfPlayConfig(depth=4, verify_depth=8, max_plies=60, candidate_margin_cp=100)
    generate(cfg, range(2), tmp_path / "p.jsonl", show_progress=False)
    rows = read_positions([tmp_path / "p.jsonl"])
    assert rows and all(r["moves"] == sorted(r["moves"], key=lambda m: -m[1]) for r in rows)
    again = tmp_path / "q.jsonl"
    generate(cfg, range(1), again, show_progress=False)
    assert [r["fen"] for r in read_positions([again])] == [r["fen"] for r in rows if r["game"] == 0]
    puzzles = engine_puzzles(rows, min_margin_cp=100, drop_easy=False)
    eng = chess_engine.open_engine()
    try:
        for p in puzzles[:5]:
            top = chess_engine.analyse_moves(eng, p.board, 12, 2)
            assert top[0][0] == p.best, p
    finally:
        eng.quit()


@needs_stockfish
def test_shipped_puzzles_engine_agrees():
    from w2s_edu.tasks.chess.task import shipped_puzzles

    puzzles = shipped_puzzles()
    eng = chess_engine.open_engine()
    try:
        agree = 0
        for p in puzzles[:10]:
            top = chess_engine.analyse_moves(eng, p.board, 10, 2)
            agree += top[0][0] == p.best
            assert p.margin_cp is None or p.margin_cp >= 150
    finally:
        eng.quit()
    assert agree == 10
