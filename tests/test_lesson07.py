"""Lesson 07 (chess and bootstrapping): each checker accepts the reference and rejects stubs and mistakes;
the lesson runs without Stockfish."""

from __future__ import annotations

import itertools

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
def is_mate_in_one(fen, uci):
    board = chess.Board(fen)
    move = chess.Move.from_uci(uci)
    if move not in board.legal_moves:
        return False
    board.push(move)
    return board.is_checkmate()


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


def error_outcomes(weak_probs, student_probs, labels, column=None):
    labels = np.asarray(labels)
    pred = (lambda p: (np.asarray(p)[:, 0] > 0.5).astype(int)) if column == 0 else (lambda p: np.asarray(p).argmax(1))
    weak_right, student_right = pred(weak_probs) == labels, pred(student_probs) == labels
    return {"fixed": np.flatnonzero(~weak_right & student_right),
            "copied": np.flatnonzero(~weak_right & ~student_right),
            "broken": np.flatnonzero(weak_right & ~student_right),
            "kept": np.flatnonzero(weak_right & student_right)}


def pgr_with_interval(weak, student, ceiling, n_boot=2000, seed=0, paired=True, mean_of_pgrs=False, keep_all=False):
    """The reference; its keyword arguments make the mutants below."""
    w, s, c = (np.asarray(x, dtype=float) for x in (weak, student, ceiling))
    point = np.mean((s - w) / (c - w)) if mean_of_pgrs else (s.mean() - w.mean()) / (c.mean() - w.mean())
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, len(w), size=(n_boot, len(w))) for _ in range(1 if paired else 3)]
    W, S, C = w[draws[0]].mean(1), s[draws[-1 if paired else 1]].mean(1), c[draws[-1]].mean(1)
    ok = np.ones(n_boot, bool) if keep_all else C - W > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = np.percentile((S[ok] - W[ok]) / (C[ok] - W[ok]), [2.5, 97.5])
    return float(point), (float(low), float(high))


# ------------------------------------------------------------------------------ the checks
def test_references_pass():
    checks.check_is_mate_in_one(is_mate_in_one)
    checks.check_multiple_choice_accuracy(multiple_choice_accuracy)
    checks.check_bootstrap_chain(bootstrap_chain)
    checks.check_error_outcomes(error_outcomes)
    checks.check_pgr_with_interval(pgr_with_interval)


@pytest.mark.parametrize("check", [checks.check_is_mate_in_one, checks.check_multiple_choice_accuracy,
                                   checks.check_bootstrap_chain, checks.check_error_outcomes,
                                   checks.check_pgr_with_interval])
def test_stubs_are_rejected(check):
    rejects(check, stub, "NotImplementedError")


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


def test_error_outcomes_mutants():
    def swapped(weak_probs, student_probs, labels):
        return error_outcomes(student_probs, weak_probs, labels)

    def agreement_as_kept(weak_probs, student_probs, labels):
        out = error_outcomes(weak_probs, student_probs, labels)
        agree = np.asarray(weak_probs).argmax(1) == np.asarray(student_probs).argmax(1)
        return {**out, "kept": np.flatnonzero(agree)}

    def masks(weak_probs, student_probs, labels):  # boolean masks, not row positions
        out = error_outcomes(weak_probs, student_probs, labels)
        n = len(labels)
        return {k: np.isin(np.arange(n), v) for k, v in out.items()}

    def no_broken(weak_probs, student_probs, labels):
        out = error_outcomes(weak_probs, student_probs, labels)
        return {k: v for k, v in out.items() if k != "broken"}

    rejects(checks.check_error_outcomes, lambda w, s, y: error_outcomes(w, s, y, column=0), "expected")
    rejects(checks.check_error_outcomes, swapped, "swap the supervisor and the student")
    rejects(checks.check_error_outcomes, agreement_as_kept, "agree")
    rejects(checks.check_error_outcomes, masks, "expected")
    rejects(checks.check_error_outcomes, no_broken, "exactly the keys")


def test_pgr_with_interval_mutants():
    check = checks.check_pgr_with_interval
    rejects(check, lambda *a: pgr_with_interval(*a, mean_of_pgrs=True), "mean of the per-seed")
    rejects(check, lambda *a: pgr_with_interval(*a, paired=False), "same\\* seed positions")
    rejects(check, lambda *a: pgr_with_interval(*a, keep_all=True), "leave those resamples out|Keep only the resamples")
    rejects(check, lambda w, s, c, n, seed: pgr_with_interval(w, s, c, 20, seed), "expected about")


def test_the_lessons_pgr_intervals_are_the_reference_on_the_shipped_records():
    """The lesson's answer quotes these: seed-bootstrap intervals narrower than the package's."""
    import json
    from pathlib import Path

    record = json.loads((Path(checks.__file__).parents[1] / "data" / "chess" / "compute_ladder.json").read_text())
    three = record["pgr_by_supervisor"]["chess-c-3pct"]
    value, (low, high) = pgr_with_interval(three["weak"], three["student"], three["ceiling"])
    assert round(value, 2) == 0.10 and low > 0 > three["pgr"]["ci"][0]  # yours excludes zero, the package's does not


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
    assert "Stockfish: not installed" in out and "bootstrap - direct" in out and "fixed" in out
