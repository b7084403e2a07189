"""Lesson 07 (chess and bootstrapping): each checker accepts the reference and rejects stubs and mistakes;
the lesson runs without Stockfish."""

from __future__ import annotations

import itertools
import random

import chess
import numpy as np
import pytest

from w2s_edu.checks import lesson07 as checks


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here, then delete this line.")


def rejects(check, fn, match: str):
    with pytest.raises(AssertionError, match=match):
        check(fn)


# ------------------------------------------------------------------------------ references
def candidate_text(fen, uci):
    board = chess.Board(fen)
    move = chess.Move.from_uci(uci)
    if move not in board.legal_moves:
        raise ValueError(f"{uci} is not legal in {fen}")
    return f"{board.fen()} {move.uci()}"


def is_mate_in_one(fen, uci):
    board = chess.Board(fen)
    move = chess.Move.from_uci(uci)
    if move not in board.legal_moves:
        return False
    board.push(move)
    return board.is_checkmate()


def balanced_candidates(puzzles, seed):
    rng = random.Random(seed)
    rows = []
    for i, (fen, best) in enumerate(puzzles):
        others = sorted(m.uci() for m in chess.Board(fen).legal_moves if m.uci() != best)
        rows.append({"text": f"{fen} {best}", "label": 1, "group": i})
        rows.append({"text": f"{fen} {rng.choice(others)}", "label": 0, "group": i})
    return rows


def multiple_choice_accuracy(p_true, labels, groups):
    p_true, labels, groups = map(np.asarray, (p_true, labels, groups))
    hits = [labels[groups == g][np.argmax(p_true[groups == g])] == 1 for g in np.unique(groups)]
    return float(np.mean(hits))


def bootstrap_chain(chain, chunks, weak_preds, fit):
    teacher, outs = weak_preds, []
    for k, model in enumerate(chain[1:]):
        out = fit(model, chunks[k], teacher[chunks[k]], ("test", *chunks[k + 1:]))
        outs.append(out)
        teacher = out
    return outs


# ------------------------------------------------------------------------------ the checks
def test_references_pass():
    checks.check_candidate_text(candidate_text)
    checks.check_is_mate_in_one(is_mate_in_one)
    checks.check_balanced_candidates(balanced_candidates)
    checks.check_multiple_choice_accuracy(multiple_choice_accuracy)
    checks.check_bootstrap_chain(bootstrap_chain)


@pytest.mark.parametrize("check", [checks.check_candidate_text, checks.check_is_mate_in_one,
                                   checks.check_balanced_candidates, checks.check_multiple_choice_accuracy,
                                   checks.check_bootstrap_chain])
def test_stubs_are_rejected(check):
    rejects(check, stub, "NotImplementedError")


def test_candidate_text_mutants():
    def san(fen, uci):
        b = chess.Board(fen)
        return f"{fen} {b.san(chess.Move.from_uci(uci))}"

    def epd(fen, uci):
        candidate_text(fen, uci)
        return f"{chess.Board(fen).epd()} {uci}"

    def no_check(fen, uci):
        return f"{fen} {uci}"

    def pseudo_legal(fen, uci):  # a move that leaves the king in check passes as legal
        board = chess.Board(fen)
        move = chess.Move.from_uci(uci)
        if move not in board.pseudo_legal_moves:
            raise ValueError(f"{uci} is not legal in {fen}")
        return f"{board.fen()} {move.uci()}"

    rejects(checks.check_candidate_text, san, "UCI")
    rejects(checks.check_candidate_text, epd, "counters")
    rejects(checks.check_candidate_text, no_check, "illegal")
    rejects(checks.check_candidate_text, pseudo_legal, "b6b7.*pseudo-legal .*leaves the king in check")


def test_is_mate_in_one_mutants():
    def check_only(fen, uci):
        b = chess.Board(fen)
        m = chess.Move.from_uci(uci)
        if m not in b.legal_moves:
            return False
        b.push(m)
        return b.is_check()

    def no_legality(fen, uci):
        b = chess.Board(fen)
        b.push(chess.Move.from_uci(uci))
        return b.is_checkmate()

    def game_over(fen, uci):
        b = chess.Board(fen)
        m = chess.Move.from_uci(uci)
        if m not in b.legal_moves:
            return False
        b.push(m)
        return b.is_game_over()

    def pseudo_legal(fen, uci):  # a pinned piece that "mates" passes as a mate
        b = chess.Board(fen)
        m = chess.Move.from_uci(uci)
        if not b.is_pseudo_legal(m):
            return False
        b.push(m)
        return b.is_checkmate()

    rejects(checks.check_is_mate_in_one, check_only, "not a mate")
    rejects(checks.check_is_mate_in_one, no_legality, "illegal")
    rejects(checks.check_is_mate_in_one, game_over, "stalemate")
    rejects(checks.check_is_mate_in_one, pseudo_legal, "pinned.*pseudo-legal")


def test_balanced_candidates_mutants():
    def may_pick_best(puzzles, seed):
        rng = random.Random(seed)
        rows = []
        for i, (fen, best) in enumerate(puzzles):
            rows += [{"text": f"{fen} {best}", "label": 1, "group": i},
                     {"text": f"{fen} {best}", "label": 0, "group": i}]
        del rng
        return rows

    def global_random(puzzles, seed):
        rows = []
        for i, (fen, best) in enumerate(puzzles):
            others = [m.uci() for m in chess.Board(fen).legal_moves if m.uci() != best]
            rows += [{"text": f"{fen} {best}", "label": 1, "group": i},
                     {"text": f"{fen} {random.choice(others)}", "label": 0, "group": i}]
        return rows

    def fixed_negative(puzzles, seed):
        rows = []
        for i, (fen, best) in enumerate(puzzles):
            others = sorted(m.uci() for m in chess.Board(fen).legal_moves if m.uci() != best)
            rows += [{"text": f"{fen} {best}", "label": 1, "group": i},
                     {"text": f"{fen} {others[0]}", "label": 0, "group": i}]
        return rows

    def one_group(puzzles, seed):
        return [dict(r, group=0) for r in balanced_candidates(puzzles, seed)]

    def pseudo_legal(puzzles, seed):
        rng = random.Random(seed)
        rows = []
        for i, (fen, best) in enumerate(puzzles):
            b = chess.Board(fen)
            others = sorted(m.uci() for m in b.pseudo_legal_moves if m not in b.legal_moves) or ["a1a1"]
            rows += [{"text": f"{fen} {best}", "label": 1, "group": i},
                     {"text": f"{fen} {rng.choice(others)}", "label": 0, "group": i}]
        return rows

    rejects(checks.check_balanced_candidates, may_pick_best, "negative")
    rejects(checks.check_balanced_candidates, global_random, "same seed")
    rejects(checks.check_balanced_candidates, fixed_negative, "seeds 0 to 3")
    rejects(checks.check_balanced_candidates, one_group, "share a group")
    def from_pseudo_legal_moves(puzzles, seed):  # legal moves among them, but also moves into check
        rng = random.Random(seed)
        rows = []
        for i, (fen, best) in enumerate(puzzles):
            others = sorted(m.uci() for m in chess.Board(fen).pseudo_legal_moves if m.uci() != best)
            rows += [{"text": f"{fen} {best}", "label": 1, "group": i},
                     {"text": f"{fen} {rng.choice(others)}", "label": 0, "group": i}]
        return rows

    rejects(checks.check_balanced_candidates, pseudo_legal, "not legal")
    rejects(checks.check_balanced_candidates, from_pseudo_legal_moves, "not legal.*pseudo-legal")


def test_multiple_choice_accuracy_mutants():
    def binary(p_true, labels, groups):
        return float(((np.asarray(p_true) > 0.5) == np.asarray(labels)).mean())

    def contiguous_pairs(p_true, labels, groups):  # assumes groups come in consecutive rows of equal size
        p, y = np.asarray(p_true), np.asarray(labels)
        return float(np.mean([y[i:i + 2][np.argmax(p[i:i + 2])] == 1 for i in range(0, len(p) - 1, 2)]))

    def argmin(p_true, labels, groups):
        p_true, labels, groups = map(np.asarray, (p_true, labels, groups))
        return float(np.mean([labels[groups == g][np.argmin(p_true[groups == g])] == 1 for g in np.unique(groups)]))

    def contiguous_runs(p_true, labels, groups):  # groups of any size, but assumed to sit in consecutive rows
        p, y = np.asarray(p_true), np.asarray(labels)
        runs = [list(rows) for _, rows in itertools.groupby(range(len(p)), key=lambda i: groups[i])]
        return float(np.mean([y[rows][np.argmax(p[rows])] == 1 for rows in runs]))

    def rounded(p_true, labels, groups):
        return round(multiple_choice_accuracy(p_true, labels, groups), 2)

    rejects(checks.check_multiple_choice_accuracy, binary, "binary accuracy")
    rejects(checks.check_multiple_choice_accuracy, contiguous_pairs, "expected")
    rejects(checks.check_multiple_choice_accuracy, argmin, "expected")
    rejects(checks.check_multiple_choice_accuracy, contiguous_runs, r"interleaved.*\*run\* of equal consecutive ids")
    rejects(checks.check_multiple_choice_accuracy, rounded, "expected 0.6667")


def test_bootstrap_chain_mutants():
    def always_weak(chain, chunks, weak_preds, fit):
        return [fit(m, chunks[k], weak_preds[chunks[k]], ("test", *chunks[k + 1:])) for k, m in enumerate(chain[1:])]

    def same_chunk(chain, chunks, weak_preds, fit):
        teacher, outs = weak_preds, []
        for model in chain[1:]:
            out = fit(model, chunks[0], teacher[chunks[0]], ("test", *chunks))
            outs.append(out)
            teacher = out
        return outs

    def no_later_predictions(chain, chunks, weak_preds, fit):
        teacher, outs = weak_preds, []
        for k, model in enumerate(chain[1:]):
            out = fit(model, chunks[k], teacher[chunks[k]], ("test",))
            outs.append(out)
            teacher = {**out, **{c: np.zeros((5, 2)) for c in chunks}}
        return outs

    def skips_weak(chain, chunks, weak_preds, fit):
        return bootstrap_chain(chain[1:], chunks[1:], weak_preds, fit)

    rejects(checks.check_bootstrap_chain, always_weak, "wrong labels")
    rejects(checks.check_bootstrap_chain, same_chunk, "its own")
    rejects(checks.check_bootstrap_chain, no_later_predictions, "later chunk")
    rejects(checks.check_bootstrap_chain, skips_weak, "called 2 times")


def test_lesson_runs_without_stockfish(monkeypatch, capsys):
    """The whole lesson (SMOKE sizes) runs on a machine without Stockfish: puzzles and models are shipped."""
    import runpy
    import shutil
    from pathlib import Path

    from w2s_edu.chess import build
    from w2s_edu.chess import engine

    monkeypatch.setenv("W2S_SMOKE", "1")
    monkeypatch.setenv("STOCKFISH_PATH", "")
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setattr(engine, "DEFAULT_PATHS", ())
    monkeypatch.setattr(build, "find_stockfish", lambda: None)
    assert engine.find_stockfish() is None
    source = Path(__file__).resolve().parents[1] / "solutions" / "07_chess_and_bootstrapping.py"
    runpy.run_path(str(source), run_name="__lesson__")
    out = capsys.readouterr().out
    assert "Stockfish: not installed" in out and "PGR direct" in out
