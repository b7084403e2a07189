"""`w2s-edu doctor` and the chess code look for Stockfish in the same place: one variable."""

from __future__ import annotations

import stat

import pytest

from w2s_edu.chess import engine
from w2s_edu.cli import doctor


@pytest.fixture
def fake_stockfish(tmp_path, monkeypatch):
    binary = tmp_path / "my-stockfish"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    monkeypatch.setattr(engine, "DEFAULT_PATHS", ())
    monkeypatch.delenv("STOCKFISH_PATH", raising=False)
    monkeypatch.delenv("STOCKFISH", raising=False)
    return str(binary)


def test_doctor_and_the_chess_code_read_stockfish_path(fake_stockfish, monkeypatch):
    monkeypatch.setenv("STOCKFISH_PATH", fake_stockfish)
    assert engine.find_stockfish() == doctor.stockfish_path() == fake_stockfish


def test_the_old_variable_still_works_with_a_deprecation_note(fake_stockfish, monkeypatch):
    monkeypatch.setenv("STOCKFISH", fake_stockfish)
    with pytest.warns(DeprecationWarning, match="STOCKFISH_PATH"):
        assert engine.find_stockfish() == fake_stockfish
    with pytest.warns(DeprecationWarning):
        assert doctor.stockfish_path() == fake_stockfish


def test_a_variable_that_names_no_file_is_reported(fake_stockfish, monkeypatch):
    monkeypatch.setenv("STOCKFISH_PATH", "/nonexistent/stockfish")
    with pytest.warns(UserWarning, match="STOCKFISH_PATH=/nonexistent/stockfish names no file"):
        assert engine.find_stockfish() is None
