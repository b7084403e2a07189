"""The chess task: rows and groups, the group split, multiple-choice accuracy, the chess tokenizer."""

import chess
import numpy as np
import pytest

from w2s_edu.tasks.chess.puzzles import Puzzle
from w2s_edu.tasks.chess.task import (
    draw_negatives,
    multiple_choice_accuracy,
    position_text,
    puzzles_to_dataset,
)
from w2s_edu.tasks.splits import split_by_group
from w2s_edu.chess.tokenizer import board_squares, build_tokenizer

MATE = Puzzle("k7/8/1K6/8/8/8/8/7R w - - 1 2", ["h1h8"], ["mateIn1"])


def _puzzles(n=40):
    board, out = chess.Board(), []
    for i in range(n):  # distinct positions along one game, each with an arbitrary "solution"
        moves = sorted(board.legal_moves, key=lambda m: m.uci())
        out.append(Puzzle(board.fen(), [moves[0].uci()]))
        board.push(moves[i % len(moves)])
    return out


def test_rows_are_balanced_groups_of_the_solution_and_legal_negatives():
    ds = puzzles_to_dataset([MATE, *_puzzles(20)], seed=0, negatives=1)
    assert sum(ds["label"]) * 2 == len(ds) == 42
    by_group = {}
    for row in ds:
        by_group.setdefault(row["group"], []).append(row)
        assert row["text"] == position_text(row["fen"], row["move"])
        assert chess.Move.from_uci(row["move"]) in chess.Board(row["fen"]).legal_moves
    assert all(sorted(r["label"] for r in rows) == [0, 1] for rows in by_group.values())
    assert ds["text"] == puzzles_to_dataset([MATE, *_puzzles(20)], seed=0)["text"]
    assert ds["text"] != puzzles_to_dataset([MATE, *_puzzles(20)], seed=1)["text"]
    three = puzzles_to_dataset([MATE], negatives=3)
    assert three["label"] == [1, 0, 0, 0] and len(set(three["move"])) == 4


def test_draw_negatives_never_returns_the_solution():
    import random

    negs = draw_negatives(MATE.fen, "h1h8", 100, random.Random(0))
    assert "h1h8" not in negs and len(negs) == chess.Board(MATE.fen).legal_moves.count() - 1


# Two rooks, a back-rank king: Ra8# and Rb8# both mate (like Lichess puzzle 00DPQ, which has two mates in one;
# Lichess accepts any mate as the last move of a solution).
TWO_MATES = Puzzle("7k/5ppp/8/8/8/8/8/RR4K1 w - - 0 1", ["a1a8"], ["mateIn1"], puzzle_id="two-mates")


def _mating(fen, uci):
    board = chess.Board(fen)
    board.push_uci(uci)
    return board.is_checkmate()


def test_a_negative_is_never_another_mate():
    import random

    legal = [m.uci() for m in chess.Board(TWO_MATES.fen).legal_moves]
    assert sorted(m for m in legal if _mating(TWO_MATES.fen, m)) == ["a1a8", "b1b8"]
    for seed in range(20):
        negs = draw_negatives(TWO_MATES.fen, "a1a8", 100, random.Random(seed))
        assert sorted(negs) == sorted(m for m in legal if m not in ("a1a8", "b1b8"))
        assert draw_negatives(TWO_MATES.fen, "a1a8", 1, random.Random(seed)) != ["b1b8"]
    ds = puzzles_to_dataset([TWO_MATES], seed=0, negatives=len(legal) - 2)
    assert ds["label"].count(1) == 1 and not any(_mating(TWO_MATES.fen, m) for m, y in zip(ds["move"], ds["label"])
                                                  if y == 0)
    # a longer puzzle whose first move does not mate never gets a mate in one as its wrong move either
    negs = draw_negatives(TWO_MATES.fen, "g1f2", 100, random.Random(0))
    assert "a1a8" not in negs and "b1b8" not in negs


def test_split_by_group_keeps_puzzles_whole():
    ds = puzzles_to_dataset(_puzzles(40), seed=0)
    parts = split_by_group(ds, 20, 20, 30, seed=0)
    groups = {name: set(part["group"]) for name, part in parts.items()}
    assert not groups["train_weak"] & groups["test"] and not groups["train_strong"] & groups["test"]
    assert [len(parts[n]) for n in ("train_weak", "train_strong", "test")] == [20, 20, 30]
    assert all(sum(p["label"]) * 2 == len(p) for p in parts.values())
    assert split_by_group(ds, 20, 20, 30, seed=1)["test"]["group"] != parts["test"]["group"]
    with pytest.raises(ValueError, match="smaller"):
        split_by_group(ds, 40, 40, 40)


def test_multiple_choice_accuracy():
    groups = ["a", "a", "b", "b", "c", "c"]
    labels = [1, 0, 0, 1, 1, 0]
    assert multiple_choice_accuracy([0.9, 0.1, 0.2, 0.8, 0.6, 0.4], labels, groups) == 1.0
    assert multiple_choice_accuracy([0.9, 0.95, 0.2, 0.8, 0.6, 0.4], labels, groups) == pytest.approx(2 / 3)
    # only the ranking inside a group counts, not the 0.5 threshold
    assert multiple_choice_accuracy([0.4, 0.3, 0.1, 0.2, 0.3, 0.1], labels, groups) == 1.0
    probs2 = np.stack([1 - np.array([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]), [0.9, 0.1, 0.2, 0.8, 0.6, 0.4]], 1)
    assert multiple_choice_accuracy(probs2, labels, groups) == 1.0
    with pytest.raises(ValueError, match="No complete groups"):
        multiple_choice_accuracy([0.5], [1], ["a"])


def test_tokenizer_reads_fen_and_uci_one_token_per_square():
    tok = build_tokenizer()
    enc = tok(position_text("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3", "f1b5"))
    tokens = tok.convert_ids_to_tokens(enc["input_ids"])
    assert len(tokens) == 69 and tok.unk_token_id not in enc["input_ids"]
    assert "".join(tokens[:8]) == "r.bqkbnr" and tokens[64:] == ["w", "KQkq", "-", "f1", "b5"]
    board = chess.Board("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3")
    for square_name, token in zip(board_squares(), tokens[:64]):  # slot i is the i-th square in FEN order
        piece = board.piece_at(chess.parse_square(square_name))
        assert token == (piece.symbol() if piece else ".")
    promo = tok.convert_ids_to_tokens(tok("8/P7/8/8/8/8/k6K/8 w - - 0 60 a7a8q")["input_ids"])
    assert promo[-3:] == ["a7", "a8", "q"] and promo[65:67] == ["-", "-"]
    ep = tok.convert_ids_to_tokens(tok("rnbqkbnr/pppp1ppp/8/4p3/4P3/8/PPPP1PPP/RNBQKBNR b Kq e3 0 1 g8f6")["input_ids"])
    assert ep[64:] == ["b", "Kq", "e3", "g8", "f6"]


def test_tokenizer_round_trips_through_save_pretrained(tmp_path):
    from transformers import AutoTokenizer

    tok = build_tokenizer()
    tok.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    text = position_text(MATE.fen, "h1h8")
    assert again(text)["input_ids"] == tok(text)["input_ids"]


def test_cached_mate_puzzles_round_trip_through_the_cache():
    from w2s_edu.tasks.chess.task import cached_mate_puzzles

    first = cached_mate_puzzles(seed=2, n_positions=300)
    again = cached_mate_puzzles(seed=2, n_positions=300)  # read back from the JSON cache
    assert [(p.fen, p.moves, p.themes) for p in first] == [(p.fen, p.moves, p.themes) for p in again]
    assert all(chess.Move.from_uci(p.best) in p.board.legal_moves for p in again)


def test_a_damaged_mate_puzzle_cache_is_recomputed_with_a_warning():
    from w2s_edu import cache
    from w2s_edu.tasks.chess.task import cached_mate_puzzles

    first = cached_mate_puzzles(seed=2, n_positions=300)
    path = cache.cache_dir("chess") / "mates-seed2-n300.json"
    path.write_text(path.read_text()[: len(path.read_text()) // 2])  # a run killed mid-write, say
    with pytest.warns(cache.CacheWarning, match="mates-seed2-n300.json"):
        again = cached_mate_puzzles(seed=2, n_positions=300)
    assert [p.fen for p in again] == [p.fen for p in first]
