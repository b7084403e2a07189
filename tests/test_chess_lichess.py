"""The Lichess puzzle CSV loader: the FEN is the position before the opponent's move (Moves[0])."""

import chess
import pytest

from w2s_edu.tasks.chess.lichess import COLUMNS, read_lichess_csv, write_lichess_csv
from w2s_edu.tasks.chess.puzzles import Puzzle
from w2s_edu.tasks.chess.task import puzzles_to_dataset
from w2s_edu.tasks.rows import MalformedRowError

HEADER = ",".join(COLUMNS)
# Black plays ...Kb8 (Moves[0]); White then mates with Rh8 (the solution, Moves[1]).
ROW = "00008,k7/8/1K6/8/8/8/8/7R b - - 0 1,a8b8 h1h8,812,75,95,4187,mate mateIn1 oneMove,https://lichess.org/x,"


def _write(tmp_path, *rows):
    path = tmp_path / "puzzles.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def test_loader_plays_the_opponent_move_first(tmp_path):
    puzzles = read_lichess_csv(_write(tmp_path, ROW))
    assert puzzles[0].prev_move == "a8b8" and puzzles[0].best == "h1h8" and puzzles[0].puzzle_id == "00008"
    assert puzzles[0].fen.startswith("1k6/8/1K6") and puzzles[0].rating == 812
    # a file whose FEN is already the solver's position (the usual mistake) is rejected
    wrong = "x,1k6/8/1K6/8/8/8/8/7R w - - 1 2,a8b8 h1h8,812,75,95,4187,mate,,"
    with pytest.raises(ValueError, match="not legal"):
        read_lichess_csv(_write(tmp_path, wrong))


def test_loader_on_a_valid_file(tmp_path):
    # Before: black to move, king b8; Moves[0] = b8a8, then the solution h1h8 mates.
    rows = [
        "p1,1k6/8/1K6/8/8/8/8/7R b - - 0 1,b8a8 h1h8,900,75,95,10,mate mateIn1,https://lichess.org/a,",
        "p2,r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3,f1c4 g8f6 d2d3,1400,80,90,5,opening,,"
        "Italian",
    ]
    puzzles = read_lichess_csv(_write(tmp_path, *rows))
    assert [p.puzzle_id for p in puzzles] == ["p1", "p2"]
    p1 = puzzles[0]
    assert p1.fen == "k7/8/1K6/8/8/8/8/7R w - - 1 2" and p1.moves == ["h1h8"] and p1.prev_move == "b8a8"
    board = p1.board
    board.push_uci(p1.best)
    assert board.is_checkmate()
    assert puzzles[1].moves == ["g8f6", "d2d3"] and chess.Board(puzzles[1].fen).turn == chess.BLACK
    assert puzzles[1].rating == 1400 and puzzles[1].themes == ["opening"]
    assert [p.puzzle_id for p in read_lichess_csv(_write(tmp_path, *rows), themes={"mateIn1"})] == ["p1"]
    assert len(read_lichess_csv(_write(tmp_path, *rows), limit=1)) == 1


def test_loader_rejects_bad_rows(tmp_path):
    with pytest.raises(ValueError, match="solution move"):
        read_lichess_csv(_write(tmp_path, "p,1k6/8/1K6/8/8/8/8/7R b - - 0 1,b8a8 h1g2,900,0,0,0,,,"))
    with pytest.raises(ValueError, match="solution move"):
        read_lichess_csv(_write(tmp_path, "p,1k6/8/1K6/8/8/8/8/7R b - - 0 1,b8a8 h1a2,900,0,0,0,,,"))
    with pytest.raises(ValueError, match="UCI moves"):
        read_lichess_csv(_write(tmp_path, "p,1k6/8/1K6/8/8/8/8/7R b - - 0 1,b8a8 h1h9,900,0,0,0,,,"))
    with pytest.raises(ValueError, match="Moves needs"):
        read_lichess_csv(_write(tmp_path, "p,1k6/8/1K6/8/8/8/8/7R b - - 0 1,b8a8,900,0,0,0,,,"))
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("id,fen\n1,x\n")
    with pytest.raises(ValueError, match="missing column"):
        read_lichess_csv(bad_header)


@pytest.mark.parametrize("row, field", [
    ("p3,1k6/8/1K6/8/8/8/8/7R b - - 0 1", "Moves"),  # cut short: no Moves (was AttributeError on None)
    ("p3,,b8a8 h1h8,900,0,0,0,,,", "FEN"),
    ("p3,1k6/8/1K6/8/8/8/8/9R b - - 0 1,b8a8 h1h8,900,0,0,0,,,", "FEN"),
    ("p3,1k6/8/1K6/8/8/8/8/7R b - - 0 1,b8a8 h1h8,strong,0,0,0,,,", "Rating"),
    ("p3,1k6/8/1K6/8/8/8/8/7R b - - 0 1,b8a8 h1h8 zz,900,0,0,0,,,", "Moves"),
    ("p3,1k6/8/1K6/8/8/8/8/7R b - - 0 1,b8a8 h1h8,900,0,0,0,,,,x", "(extra fields)"),
])
def test_a_bad_row_names_the_file_row_puzzle_and_field(tmp_path, row, field):
    good = "p1,1k6/8/1K6/8/8/8/8/7R b - - 0 1,b8a8 h1h8,900,75,95,10,mate mateIn1,,"
    path = _write(tmp_path, good, good.replace("p1", "p2"), row)
    with pytest.raises(MalformedRowError) as err:
        read_lichess_csv(path)
    assert err.value.field == field and err.value.dataset == str(path)
    for part in (str(path), "row 2", "line 4", "'p3'", f"field {field!r}"):
        assert part in str(err.value), (part, str(err.value))


def test_two_mates_in_one_give_no_mating_negative(tmp_path):
    # Black plays ...Kg8-h8; then Ra8# and Rb8# both mate. The file says a1a8; b1b8 must never be a wrong move.
    puzzles = read_lichess_csv(_write(tmp_path, "two,6k1/5ppp/8/8/8/8/8/RR4K1 b - - 0 1,g8h8 a1a8,900,0,0,0,mate,,"))
    n_legal = chess.Board(puzzles[0].fen).legal_moves.count()
    ds = puzzles_to_dataset(puzzles, seed=0, negatives=n_legal - 2)
    assert ds["label"].count(0) == n_legal - 2 and "b1b8" not in ds["move"]


def test_round_trip(tmp_path):
    p = Puzzle("k7/8/1K6/8/8/8/8/7R w - - 1 2", ["h1h8"], ["mateIn1"], 900, None, "1k6/8/1K6/8/8/8/8/7R b - - 0 1",
               "b8a8")
    back = read_lichess_csv(write_lichess_csv([p], tmp_path / "out.csv"))
    assert [(q.fen, q.moves, q.themes, q.puzzle_id, q.prev_move) for q in back] == [
        (p.fen, p.moves, p.themes, p.puzzle_id, p.prev_move)]
    with pytest.raises(ValueError, match="prev_fen"):
        write_lichess_csv([Puzzle(p.fen, p.moves)], tmp_path / "x.csv")
