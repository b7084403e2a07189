"""The w2s-edu command: run writes results.json and a plot; bad input exits 2 with a message."""

from __future__ import annotations

import json

import pytest

from w2s_edu.cli.args import parse_set
from w2s_edu.cli.main import main

TINY = ["--preset", "smoke", "--set", "mode=probe", "--set", "n_train_weak=40", "--set", "n_train_strong=40",
        "--set", "n_test=40", "--set", "show_progress=false"]


def test_run_writes_results_json_and_plot(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", *TINY, "--task", "categories", "--weak", "minilm-l1", "--strong", "minilm-l2",
                 "--loss", "xent,logconf", "--seeds", "2", "--out", str(out)])
    assert code == 0
    data = json.loads((out / "results.json").read_text())
    assert data["seeds"] == [0, 1] and set(data["w2s_acc"]) == {"xent", "logconf"}
    assert data["config"]["task"] == "categories" and data["config"]["mode"] == "probe"
    assert (out / "results.png").read_bytes()[:4] == b"\x89PNG"
    printed = capsys.readouterr().out
    assert "weak supervisor" in printed and "strong ceiling" in printed and "PGR" in printed


def test_out_that_is_a_file_fails_before_training(tmp_path, capsys):
    f = tmp_path / "results"
    f.write_text("not a folder")
    assert main(["run", *TINY, "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert f.read_text() == "not a folder"


@pytest.mark.parametrize("args,message", [
    (["--task", "atlantis"], "cities"),
    (["--loss", "xent,hinge"], "xent, logconf, product"),
    (["--set", "lr"], "key=value"),
    (["--set", "learning_rate=1"], "lr"),
])
def test_bad_options_exit_2_and_leave_no_files(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert main(["run", *TINY, *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not (out / "results.json").exists()


def test_listing_commands(capsys):
    assert main(["tasks"]) == 0
    assert "categories" in capsys.readouterr().out
    assert main(["models"]) == 0
    assert "minilm-l6" in capsys.readouterr().out
    assert main(["doctor"]) == 0
    report = capsys.readouterr().out
    assert "torch" in report and "offline model" in report and "hub" in report


def test_set_parses_types():
    assert parse_set(["lr=1e-4", "seeds=0,3", "train_layers=none", "epochs=2", "weak_mode=probe"]) == {
        "lr": 1e-4, "seeds": [0, 3], "train_layers": None, "epochs": 2.0, "weak_mode": "probe"}


def test_sweep_writes_heatmap(tmp_path):
    out = tmp_path / "sweep"
    assert main(["sweep", *TINY, "--weak", "minilm-l1", "--strong", "minilm-l2,minilm-l3", "--out", str(out)]) == 0
    assert (out / "pgr_heatmap.png").exists() and (out / "accuracy_vs_size.png").exists()
    assert len(json.loads((out / "sweep.json").read_text())) == 2
