"""The chess ladder: the pretraining command (smoke-sized, offline) and the shipped checkpoints."""

import json

import pytest
import torch

from w2s_edu.chess import build as chess_build
from w2s_edu.chess.pretrain import DEFAULT_LADDER, main, parse_sizes

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
