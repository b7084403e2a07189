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


def is_mate_in_two(fen, uci, replies_of=lambda b: b.legal_moves, outer=all, answer_mates=None, no_reply=False,
                   legality=True, pop=True, first_only=False):
    """The reference; its keyword arguments make the mutants below."""
    board = chess.Board(fen)
    move = chess.Move.from_uci(uci)
    if legality and move not in board.legal_moves:
        return False
    board.push(move)
    replies = list(replies_of(board))
    if not replies:
        return no_reply
    results = []
    for reply in replies[:1] if first_only else replies:
        board.push(reply)
        if answer_mates is None:
            results.append(any(is_mate_in_one(board.fen(), a.uci()) for a in board.legal_moves))
        else:
            results.append(answer_mates(board))
        if pop:
            board.pop()
    return outer(results)


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
    checks.check_is_mate_in_two(is_mate_in_two)
    checks.check_balanced_candidates(balanced_candidates)
    checks.check_multiple_choice_accuracy(multiple_choice_accuracy)
    checks.check_bootstrap_chain(bootstrap_chain)


@pytest.mark.parametrize("check", [checks.check_candidate_text, checks.check_is_mate_in_one,
                                   checks.check_is_mate_in_two, checks.check_balanced_candidates,
                                   checks.check_multiple_choice_accuracy, checks.check_bootstrap_chain])
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


def test_is_mate_in_two_reference_agrees_with_the_package_search():
    from w2s_edu.tasks.chess.puzzles import mate_in_two_moves

    for fen in (checks.MATE_IN_TWO, checks.MATE_IN_TWO_WHITE, checks.STALEMATE, checks.MATE_FEN):
        board = chess.Board(fen)
        found = {m.uci() for m in mate_in_two_moves(board)}
        assert {m.uci() for m in board.legal_moves if is_mate_in_two(fen, m.uci())} == found
    for fen, uci, want, *_ in checks.MATE_IN_TWO_CASES:
        assert is_mate_in_two(fen, uci) == want, (fen, uci)


def _checks_only(board):
    """An answer that gives check counts as a mate (the mutant's mistake)."""
    for answer in list(board.legal_moves):
        board.push(answer)
        check = board.is_check()
        board.pop()
        if check:
            return True
    return False


def test_is_mate_in_two_mutants():
    def mates_at_once_count(fen, uci):  # "mate in one or two"
        board = chess.Board(fen)
        move = chess.Move.from_uci(uci)
        if move not in board.legal_moves:
            return False
        board.push(move)
        if board.is_checkmate():
            return True
        return is_mate_in_two(fen, uci)

    def stalemate_counts(fen, uci):  # rules out a mate at once, forgets stalemate
        board = chess.Board(fen)
        move = chess.Move.from_uci(uci)
        if move not in board.legal_moves:
            return False
        board.push(move)
        if board.is_checkmate():
            return False
        return is_mate_in_two(fen, uci, no_reply=True)

    def returns_a_count(fen, uci):
        return int(is_mate_in_two(fen, uci))

    check = checks.check_is_mate_in_two
    rejects(check, lambda f, u: is_mate_in_two(f, u, outer=any), "g7g6.*EVERY reply")
    rejects(check, lambda f, u: is_mate_in_two(f, u, answer_mates=_checks_only), "a7a5.*check is not a mate")
    rejects(check, lambda f, u: is_mate_in_two(f, u, no_reply=True), "h1h8.*vacuously")
    rejects(check, mates_at_once_count, "h1h8.*mate in one")
    rejects(check, stalemate_counts, "b6c7.*stalemates")
    rejects(check, lambda f, u: is_mate_in_two(f, u, legality=False), "h1d2.*illegal")
    rejects(check, lambda f, u: is_mate_in_two(f, u, replies_of=lambda b: b.pseudo_legal_moves),
            "g3f5.*pseudo_legal_moves")
    rejects(check, lambda f, u: is_mate_in_two(f, u, pop=False), r"pop\(\) each reply")
    rejects(check, lambda f, u: is_mate_in_two(f, u, first_only=True), "g8d8.*EVERY legal reply: try them all")
    rejects(check, returns_a_count, "return True or False")


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
