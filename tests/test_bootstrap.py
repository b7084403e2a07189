"""Bootstrapping (w2s_edu.experiment.bootstrap): chunks of train_strong, the chain, the direct baseline, PGR."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from w2s_edu.experiment.bootstrap import chunk_rows, format_bootstrap, run_bootstrap
from w2s_edu.config import W2SConfig
from w2s_edu.experiment.metrics import pgr


def test_chunk_rows():
    parts = chunk_rows(np.arange(10), 3)
    assert [p.tolist() for p in parts] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert np.array_equal(np.concatenate(chunk_rows(np.arange(7), 2)), np.arange(7))
    with pytest.raises(ValueError, match="chunks"):
        chunk_rows(np.arange(2), 3)
    with pytest.raises(ValueError, match="chunks"):
        chunk_rows(np.arange(5), 0)


@pytest.fixture(scope="module")
def chess_ladder(tmp_path_factory):
    """Three tiny chess encoders of growing size (random weights) and a small puzzle task on disk."""
    import chess
    from transformers import BertModel

    from w2s_edu.chess.pretrain import RungConfig
    from w2s_edu.tasks.chess.puzzles import Puzzle
    from w2s_edu.tasks.chess.task import puzzles_to_dataset
    from w2s_edu.chess.tokenizer import build_tokenizer

    root = tmp_path_factory.mktemp("chess")
    tok = build_tokenizer()
    names = []
    for i, (layers, hidden) in enumerate([(1, 16), (1, 32), (2, 32)]):
        torch.manual_seed(i)
        model = BertModel(RungConfig(f"r{i}", layers, hidden, 2, 1).bert_config(len(tok)), add_pooling_layer=False)
        model.save_pretrained(root / f"r{i}")
        tok.save_pretrained(root / f"r{i}")
        names.append(str(root / f"r{i}"))
    board, puzzles = chess.Board(), []
    rng = np.random.default_rng(0)
    while len(puzzles) < 70:
        moves = sorted(board.legal_moves, key=lambda m: m.uci())
        if board.is_game_over() or len(moves) < 2:
            board = chess.Board()
            continue
        puzzles.append(Puzzle(board.fen(), [moves[0].uci()]))
        board.push(moves[int(rng.integers(len(moves)))])
    puzzles_to_dataset(puzzles, seed=0).save_to_disk(str(root / "task"))
    return names, f"hf:{root / 'task'}"


def _config(task, **kw):
    base = dict(task=task, seeds=[0, 1], n_train_weak=40, n_train_strong=40, n_test=40, max_length=72,
                probe_epochs=3.0, epochs=1.0, lr=1e-3, show_progress=False, mode="probe")
    return W2SConfig(**{**base, **kw})


def test_run_bootstrap_chain_and_direct(chess_ladder):
    from w2s_edu.tasks.splits import split_by_group

    names, task = chess_ladder
    result = run_bootstrap(_config(task), names, splitter=split_by_group, keep_predictions=True,
                           extra_metrics=lambda probs, rows: float(len(rows)))
    assert result["chain"] == names and len(result["per_seed"]) == 2
    for p in result["per_seed"]:
        assert p["chunk_sizes"] == [20, 20]
        assert len(p["chain"]) == 2 and p["bootstrap"] == p["chain"][-1]
        for key in ("weak", "ceiling", "direct", "bootstrap"):
            assert 0.0 <= p[key] <= 1.0
            assert p["test_probs"][key].shape == (40, 2)
            assert p["extra"][key] == 40.0
        expected = pgr(p["weak"], p["direct"], p["ceiling"])
        assert (math.isnan(expected) and math.isnan(p["pgr_direct"])) or p["pgr_direct"] == pytest.approx(expected)
        assert len(p["test_idx"]) == 40
    s = result["summary"]
    assert s["weak"]["n"] == 2 and s["weak"]["mean"] == pytest.approx(np.mean([p["weak"] for p in result["per_seed"]]))
    assert "PGR direct" in format_bootstrap(result)
    # cached: a rerun gives the same numbers
    again = run_bootstrap(_config(task), names, splitter=split_by_group)
    assert [p["direct"] for p in again["per_seed"]] == [p["direct"] for p in result["per_seed"]]
    assert [p["bootstrap"] for p in again["per_seed"]] == [p["bootstrap"] for p in result["per_seed"]]


def test_who_trains_on_what(chess_ladder, monkeypatch):
    """Each rung trains on its own chunk labelled by the rung before; direct uses the last chunk, weak labels."""
    import w2s_edu.experiment.bootstrap as bootstrap

    names, task = chess_ladder
    calls = []
    real = bootstrap.train_and_predict

    def spy(role, inputs, rows, train_split, targets, loss, seed, labels_from, desc, predict_on=("test",), **kwargs):
        out = real(role, inputs, rows, train_split, targets, loss, seed, labels_from, desc, predict_on, **kwargs)
        calls.append({"model": role.name, "split": train_split, "from": labels_from, "key": out["key"],
                      "predict_on": predict_on, "targets": np.asarray(targets), "rows": rows[train_split]})
        return out

    monkeypatch.setattr(bootstrap, "train_and_predict", spy)
    run_bootstrap(_config(task, seeds=[0]), names)
    weak, ceiling, step1, step2, direct = calls
    assert (weak["model"], weak["split"], weak["from"]) == (names[0], "train_weak", "ground_truth")
    assert (ceiling["model"], ceiling["split"]) == (names[2], "train_weak")
    assert (step1["model"], step1["split"], step1["from"]) == (names[1], "chunk0", weak["key"])
    assert (step2["model"], step2["split"], step2["from"]) == (names[2], "chunk1", step1["key"])
    assert (direct["model"], direct["split"], direct["from"]) == (names[2], "chunk1", weak["key"])
    assert np.array_equal(step2["rows"], direct["rows"]) and not set(step1["rows"]) & set(step2["rows"])
    assert set(weak["predict_on"]) == {"test", "chunk0", "chunk1"} and "chunk1" in step1["predict_on"]
    assert not np.allclose(step2["targets"], direct["targets"])  # same examples, different teachers


def test_chain_needs_three_models(chess_ladder):
    names, task = chess_ladder
    with pytest.raises(ValueError, match="at least 3"):
        run_bootstrap(_config(task), names[:2])


def test_format_bootstrap_reports_pgr_over_the_seeds_where_it_is_defined():
    from w2s_edu.experiment.bootstrap import _pgr_over_seeds

    assert _pgr_over_seeds([0.1, 0.3]) == "0.20 +- 0.14"
    assert _pgr_over_seeds([float("nan"), 0.5]).startswith("0.50 +- 0.00   (over 1 of 2 seeds;")
    assert _pgr_over_seeds([float("nan")]).startswith("undefined on every seed")
