"""The shipped chess ladder: checkpoints load, metadata records the recipe, the acceptance gap holds, and
the pipeline runs on the chess task with the chess models (offline, no Stockfish)."""

import chess
import numpy as np
import pytest

from w2s_edu.chess.evaluate import MIN_GAP, chess_config
from w2s_edu.models.registry import CHESS_LADDER, rung_metadata, rung_path
from w2s_edu.chess.evaluate import ladder_metadata
from w2s_edu.models.backbones import load_backbone
from w2s_edu.models.registry import resolve_model


def test_rungs_load_and_grow():
    params = []
    for name in CHESS_LADDER:
        spec = resolve_model(name)
        assert spec.path == str(rung_path(name)) and spec.offline
        model, tok = load_backbone(spec)
        assert tok("k7/8/1K6/8/8/8/8/7R w - - 1 2 h1h8")["input_ids"][-2:] == tok.convert_tokens_to_ids(["h1", "h8"])
        meta = rung_metadata(name)
        # AutoModel adds BERT's (unused, untrained) pooler; mean pooling never reads it
        assert meta["parameters"] == sum(p.numel() for n, p in model.named_parameters() if not n.startswith("pooler"))
        assert meta["recipe"]["selfplay"]["depth"] >= 1 and meta["recipe"]["pretrain_games"]
        assert meta["device_name"] and meta["seconds"] > 0 and meta["rung"]["steps"] > 0  # where and how long
        params.append(meta["parameters"])
    assert params == sorted(params) and len(set(params)) == len(params)
    with pytest.raises(ValueError, match="chess ladder"):
        rung_path("chess-xl")


def test_shipped_ladder_record_is_consistent():
    """ladder.json is the measurement of the shipped rungs; `accepted` must follow from the measured gap.
    (The shipped ladder measured a gap below 8 points, so it is recorded as NOT accepted: see the record.)"""
    record = ladder_metadata()
    assert record["min_gap"] == MIN_GAP == 0.08
    weak, strong = record["rungs"][record["weak"]], record["rungs"][record["strong"]]
    assert record["gap"] == pytest.approx(strong["binary"]["mean"] - weak["binary"]["mean"])
    assert record["accepted"] is bool(record["gap"] >= MIN_GAP)
    assert record["gap"] > 0  # the strongest rung is measurably better than the weakest
    for res in record["rungs"].values():
        assert len(res["per_seed"]) >= 3
        assert res["binary"]["mean"] == pytest.approx(np.mean([p["binary"] for p in res["per_seed"]]))
    assert weak["mode"] == "probe" and strong["mode"] == "finetune" and record["config"]["task"] == "chess-puzzles"
    boot = record["bootstrap"]["summary"]
    assert boot["pgr_direct"]["n"] >= 3 and boot["pgr_bootstrap"]["n"] >= 3


def test_chess_task_answers_are_legal():
    from w2s_edu.tasks.registry import get_task

    ds = get_task("chess-puzzles")
    assert sum(ds["label"]) * 2 == len(ds) and len(ds) >= 1000
    for row in ds.select(range(0, len(ds), 25)):
        assert chess.Move.from_uci(row["move"]) in chess.Board(row["fen"]).legal_moves


def test_pipeline_runs_on_chess():
    from w2s_edu.experiment.pipeline import run_w2s

    cfg = chess_config(seeds=[0], n_train_weak=40, n_train_strong=40, n_test=40, epochs=1.0, probe_epochs=3.0,
                       show_progress=False)
    result = run_w2s(cfg)
    assert 0 <= result.weak_acc[0] <= 1 and 0 <= result.ceiling_acc[0] <= 1
    assert np.isfinite(result.w2s_acc["xent"][0])
