"""The chess ladder: the pretraining command (smoke-sized, offline) and the shipped checkpoints."""

import json

import pytest
import torch

from w2s_edu.chess import build as chess_build
from w2s_edu.chess.build import main
from w2s_edu.chess.pretrain import DEFAULT_LADDER, parse_sizes

SIZES = "chess-s:1x16,chess-l:1x32"


def _check_rung_folder(path):
    from transformers import AutoModel, AutoTokenizer

    model, tok = AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    enc = tok(["k7/8/1K6/8/8/8/8/7R w - - 1 2 h1h8"], return_tensors="pt")
    assert enc["input_ids"].shape[1] == 69
    with torch.no_grad():
        out = model(**enc).last_hidden_state
    assert out.shape == (1, 69, model.config.hidden_size) and torch.isfinite(out).all()
    return json.loads((path / "w2s_chess.json").read_text())


def test_smoke_pretraining_without_stockfish(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(chess_build, "find_stockfish", lambda: None)
    assert main(["--smoke", "--out", str(tmp_path / "out"), "--work", str(tmp_path / "work"), "--workers", "1",
                 "--sizes", SIZES]) == 0
    assert "material-only stand-in" in capsys.readouterr().out
    metas = {name: _check_rung_folder(tmp_path / "out" / name) for name in ("chess-s", "chess-l")}
    assert metas["chess-s"]["parameters"] < metas["chess-l"]["parameters"]
    assert metas["chess-l"]["recipe"]["engine"] == "material" and metas["chess-l"]["rung"]["steps"] == 3
    assert (tmp_path / "out" / "puzzles.csv").read_text().startswith("PuzzleId,FEN,Moves")
    summary = json.loads((tmp_path / "out" / "build.json").read_text())
    assert summary["pretrain_data"]["positions"] > 0 and set(summary["rungs"]) == {"chess-s", "chess-l"}


def test_full_build_needs_stockfish(tmp_path, monkeypatch):
    monkeypatch.setattr(chess_build, "find_stockfish", lambda: None)
    with pytest.raises(RuntimeError, match="needs Stockfish"):
        chess_build.build_ladder(list(DEFAULT_LADDER), out=tmp_path)


@pytest.mark.skipif(chess_build.find_stockfish() is None, reason="Stockfish is not installed")
def test_smoke_pretraining_with_stockfish(tmp_path):
    assert main(["--smoke", "--out", str(tmp_path / "out"), "--work", str(tmp_path / "work"), "--workers", "1",
                 "--sizes", SIZES, "--steps", "2,3"]) == 0
    meta = _check_rung_folder(tmp_path / "out" / "chess-l")
    assert meta["recipe"]["engine"] == "stockfish" and meta["rung"]["steps"] == 3


def test_parse_sizes():
    rungs = parse_sizes("a:1x32,b:2x64", "10,20")
    assert [(r.name, r.layers, r.hidden, r.steps) for r in rungs] == [("a", 1, 32, 10), ("b", 2, 64, 20)]
    with pytest.raises(ValueError, match="LAYERSxHIDDEN"):
        parse_sizes("a:big")
    with pytest.raises(ValueError, match="one count per rung"):
        parse_sizes("a:1x32", "1,2")


def _material_positions(games=2):
    from w2s_edu.chess.selfplay import MaterialEngine, SelfPlayConfig, play_game

    cfg = SelfPlayConfig(depth=1, multipv=4, max_plies=30, min_ply=4)
    return [r for g in range(games) for r in play_game(MaterialEngine(), cfg, g)]


def test_mirror_move_and_mirrored_positions_keep_their_labels():
    import chess

    from w2s_edu.chess.pretrain_data import PretrainData, mirror_move

    assert mirror_move("e2e4") == "e7e5" and mirror_move("a7a8q") == "a2a1q" and mirror_move("e1g1") == "e8g8"
    rows = _material_positions()
    data = PretrainData.from_positions(rows, mirror=True)
    assert len(data) == 2 * len(rows)
    for i, row in enumerate(rows):
        fen, twin = data.fens[2 * i], data.fens[2 * i + 1]
        assert fen == row["fen"] and chess.Board(twin).turn != chess.Board(fen).turn
        assert [cp for _, cp in data.top[2 * i + 1]] == [cp for _, cp in data.top[2 * i]]  # same scores
        legal = set(data.legal[2 * i + 1].split())
        assert {m for m, _ in data.top[2 * i + 1]} <= legal  # every mirrored top move is legal there
        assert legal == {m.uci() for m in chess.Board(twin).legal_moves}


def test_pair_batches_are_tokenized_and_reproducible():
    import random

    from w2s_edu.chess.pretrain_data import PairBatches, PretrainData
    from w2s_edu.chess.tokenizer import build_tokenizer

    data = PretrainData.from_positions(_material_positions())
    tok = build_tokenizer()
    a, b = next(iter(PairBatches(data, tok, 4, seed=1))), next(iter(PairBatches(data, tok, 4, seed=1)))
    assert torch.equal(a["input_ids"], b["input_ids"]) and a["input_ids"].shape[1] in (69, 70)
    assert a["best"].tolist().count(1.0) == 4 and len(a["best"]) == a["input_ids"].shape[0]
    plain = data.sample(random.Random(0), [0, 1])
    assert plain["best"].tolist()[0] == 1.0 and plain["texts"][0].endswith(data.top[0][0][0])


def test_game_ranges():
    from w2s_edu.chess.build import game_ranges

    assert game_ranges([7, 0, 1, 2, 2]) == [[0, 3], [7, 8]] and game_ranges([]) == []


def test_pretraining_from_positions_with_a_time_cap(tmp_path):
    """The GPU path: positions played elsewhere (no Stockfish needed), loader workers, a time cap."""
    from w2s_edu.chess.pretrain_data import write_positions

    rows = [r | {"game": r["game"] * 10 + 1} for r in _material_positions()] + [
        r | {"game": 20} for r in _material_positions(1)]  # game 20 is held out for validation
    path = write_positions(rows, tmp_path / "pos.jsonl.gz")
    assert main(["--positions", str(path), "--out", str(tmp_path / "out"), "--sizes", SIZES, "--steps", "4,1000",
                 "--max-seconds", "60,1.5", "--batch-size", "4", "--loader-workers", "1"]) == 0
    summary = json.loads((tmp_path / "out" / "build.json").read_text())
    assert summary["recipe"]["pretrain_games"] == [[1, 2], [11, 12], [20, 21]]
    assert summary["recipe"]["mirror_augmentation"] and summary["train_examples"] == 2 * (summary["positions"] -
                                                                                          summary["val_positions"])
    s, big = (_check_rung_folder(tmp_path / "out" / n) for n in ("chess-s", "chess-l"))
    assert s["rung"]["steps"] == 4  # fits in 60 s: unchanged
    assert big["planned_steps"] == 1000 and 1 <= big["rung"]["steps"] < 1000  # cut to what fits in 1.5 s
    assert big["rung"]["steps"] == max(1, int(1.5 / big["timed_seconds_per_step"]))
    with pytest.raises(ValueError, match="one value per rung"):
        main(["--positions", str(path), "--sizes", SIZES, "--lr", "0.1"])


def test_a_rung_stops_when_its_timing_was_off(tmp_path, monkeypatch):
    """If the timed estimate was wrong, training stops at 1.5x the cap and keeps (and records) what it has."""
    from dataclasses import replace

    from w2s_edu.chess import pretrain
    from w2s_edu.chess.pretrain_data import PretrainData

    monkeypatch.setattr(pretrain, "affordable_steps", lambda *a, **k: (100_000, 1e-6))  # a wildly optimistic timing
    data = PretrainData.from_positions(_material_positions())
    cfg = replace(DEFAULT_LADDER[0], steps=100_000, batch_size=4, max_seconds=0.5)
    meta = pretrain.pretrain_rung(cfg, data, data, tmp_path / "rung", show_progress=False)
    assert meta["rung"]["steps"] == 100_000 and 1 <= meta["steps_run"] < 100_000
    assert 0.75 <= meta["seconds"] < 5 and (tmp_path / "rung" / "model.safetensors").exists()


def test_one_run_yields_a_ladder_by_pretraining_compute(tmp_path):
    """--snapshots keeps the rung at shares of its steps: each checkpoint loads, its metadata says how
    much compute it had, and the untrained one (0%) is the same architecture before any step."""
    from safetensors.torch import load_file

    from w2s_edu.chess.build import parse_percents
    from w2s_edu.chess.pretrain import snapshot_steps
    from w2s_edu.chess.pretrain_data import write_positions

    rows = [r | {"game": r["game"] * 10 + 1} for r in _material_positions()] + [
        r | {"game": 20} for r in _material_positions(1)]
    path = write_positions(rows, tmp_path / "pos.jsonl.gz")
    assert snapshot_steps(10, (0, 10, 50)) == {0: 0, 1: 10, 5: 50} and snapshot_steps(3, (1,)) == {1: 1}
    assert main(["--positions", str(path), "--out", str(tmp_path / "out"), "--sizes", "chess-c:1x16",
                 "--steps", "10", "--batch-size", "4", "--snapshots", "0,10,50"]) == 0
    names = ["chess-c-0pct", "chess-c-10pct", "chess-c-50pct", "chess-c-100pct"]
    metas = [_check_rung_folder(tmp_path / "out" / n) for n in names]
    assert [m["steps_run"] for m in metas] == [0, 1, 5, 10]
    assert [m["compute_fraction"] for m in metas] == [0.0, 0.1, 0.5, 1.0]
    assert [m["examples_seen"] for m in metas] == [0, 4, 20, 40]
    assert metas[0]["seconds"] <= metas[1]["seconds"] <= metas[2]["seconds"] <= metas[3]["seconds"]
    assert [s["steps_run"] for s in metas[3]["snapshots"]] == [0, 1, 5]
    assert len({m["parameters"] for m in metas}) == 1  # one architecture, different compute
    weights = [load_file(tmp_path / "out" / n / "model.safetensors") for n in names]
    key = next(k for k in weights[0] if "query.weight" in k)
    assert all(not torch.equal(a[key], b[key]) for a, b in zip(weights, weights[1:]))  # each step moved it
    summary = json.loads((tmp_path / "out" / "build.json").read_text())
    assert set(summary["rungs"]) == set(names) and not (tmp_path / "out" / "chess-c").exists()
    assert parse_percents("0, 3,10") == (0.0, 3.0, 10.0) and parse_percents(None) == ()
    for bad in ("3,ten", "150"):
        with pytest.raises(ValueError, match="--snapshots"):
            parse_percents(bad)
