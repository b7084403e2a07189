"""The w2s-edu command: run writes results.json and a plot; bad input exits 2 with a message."""

from __future__ import annotations

import json

import pytest

from w2s_edu.cli.args import parse_set
from w2s_edu.cli.main import main
from w2s_edu.config import W2SConfig

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


def test_none_overrides_reach_the_config_through_the_real_cli_path(tmp_path):
    """`--set train_layers=none` trains every layer: the value None must reach results.json (it once was
    dropped by W2SConfig.from_preset, so the README's full-finetune commands trained only the top blocks)."""
    out = tmp_path / "run"
    args = ["run", "--preset", "smoke", "--weak", "minilm-l1", "--strong", "minilm-l1", "--mode", "probe",
            "--set", "train_layers=none", "--set", "weak_mode=none", "--set", "patience=none",
            "--set", "n_train_weak=32", "--set", "n_train_strong=32", "--set", "n_test=32", "--out", str(out)]
    assert main(args) == 0
    saved = json.loads((out / "results.json").read_text())["config"]
    assert saved["train_layers"] is None and saved["weak_mode"] is None and saved["patience"] is None


def test_options_left_out_keep_the_presets_values():
    from w2s_edu.cli.args import config_from_args
    from w2s_edu.cli.main import build_parser

    args = build_parser().parse_args(["run", "--preset", "quick"])
    cfg = config_from_args(args, weak=args.weak, strong=args.strong)
    assert cfg == W2SConfig.from_preset("quick")


def test_tasks_lists_every_registered_task_and_models_every_registered_name(capsys):
    """`w2s-edu tasks` lists the paper: and reward: tasks too, `w2s-edu models` every name --weak/--strong
    accept by short name (the shipped MiniLM and chess rungs and the hub ladders), `w2s-edu losses` the
    losses with their options."""
    from w2s_edu.models.registry import all_rungs
    from w2s_edu.tasks import list_tasks

    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in list_tasks()) and "paper:sciq" in out and "reward:categories" in out
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert all(r.name in out for r in all_rungs()) and "chess-l" in out
    assert main(["losses"]) == 0
    assert "aux_coef=0.25" in capsys.readouterr().out


def test_run_with_a_reward_task_trains_reward_models_on_pairs(tmp_path):
    # the showcase preset is a reward task: `w2s-edu run` runs it as pairs instead of refusing the task
    out = tmp_path / "out"
    code = main(["run", "--preset", "showcase", "--seeds", "1", "--set", "n_train_weak=24", "--set",
                 "n_train_strong=24", "--set", "n_test=24", "--set", "epochs=1", "--set", "train_layers=1",
                 "--set", "probe_epochs=2", "--set", "show_progress=false", "--out", str(out)])
    assert code == 0
    data = json.loads((out / "results.json").read_text())
    assert data["config"]["task"] == "reward:categories" and data["seeds"] == [0]
    assert data["config"]["weak"] == "minilm-l1" and set(data["w2s_acc"]) == {"xent"}



def test_the_showcase_preset_is_asked_for_and_other_runs_start_from_the_default():
    # options merge into the preset: `--task cities` alone must not inherit the showcase's recipe
    from w2s_edu.cli.args import config_from_args
    from w2s_edu.cli.main import build_parser

    args = build_parser().parse_args(["run", "--preset", "showcase"])
    assert config_from_args(args, weak=args.weak, strong=args.strong) == W2SConfig.from_preset("showcase")
    args = build_parser().parse_args(["run", "--task", "cities"])
    assert config_from_args(args, weak=args.weak, strong=args.strong) == W2SConfig(task="cities")
