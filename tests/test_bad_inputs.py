"""Bad input, table-driven: every case ends in a clear message that names the option, field or path at
fault, before anything trains, with no Python traceback and no results.json left behind.

The command line is called in-process (``w2s_edu.cli.main.main``) and must return 2 (argparse's own usage
errors exit 2 too); the Python API must raise the named exception type; the experiment panel must show
the error or keep the value, never clamp it silently.
"""

from __future__ import annotations

import pytest

from w2s_edu.cli.main import main
from w2s_edu.config import ConfigError, W2SConfig

TINY = ["--preset", "smoke", "--weak", "minilm-l1", "--strong", "minilm-l1", "--mode", "probe"]

# (what the user passes after `w2s-edu run`, text the error must contain)
CLI_CASES = [
    (["--set", "n_test=abc"], "--set n_test: expected an integer, got 'abc'"),
    (["--set", "gradient_checkpointing=ture"], "--set gradient_checkpointing: expected true or false"),
    (["--set", "epochs=0"], "'epochs': expected a finite number > 0"),
    (["--set", "epochs=-1"], "'epochs'"),
    (["--set", "lr=nan"], "'lr': expected a finite number > 0, got nan"),
    (["--set", "lr=inf"], "'lr'"),
    (["--set", "lr=-1e-4"], "'lr': expected a finite number > 0, got -0.0001"),
    (["--set", "probe_lr=0"], "'probe_lr'"),
    (["--set", "probe_epochs=0"], "'probe_epochs'"),
    (["--set", "seeds=0,0"], "'seeds': expected distinct seeds"),
    (["--set", "seeds="], "--set seeds: expected a comma-separated list"),
    (["--set", "seeds=0,,1"], "--set seeds"),
    (["--set", "seeds=-1"], "'seeds'"),
    (["--seeds", "0"], "'seeds'"),
    (["--set", "losses="], "--set losses"),
    (["--set", "losses=xent,xent"], "'losses': expected each loss once"),
    (["--loss", "xent,nope"], "'nope'"),
    (["--set", "n_test=1"], "'n_test': expected at least 20"),
    (["--set", "n_train_weak=1"], "'n_train_weak'"),
    (["--set", "micro_batch_size=5"], "'micro_batch_size': expected a divisor of batch_size (32)"),
    (["--set", "batch_size=0"], "'batch_size'"),
    (["--set", "max_length=0"], "'max_length'"),
    (["--set", "train_layers=-2"], "'train_layers': expected an integer >= 1 or None"),
    (["--set", "train_layers=0"], "'train_layers'"),
    (["--set", "val_size=10", "--set", "eval_every=0"], "'eval_every': expected at least 1 step"),
    (["--set", "val_size=64"], "'val_size'"),
    (["--set", "patience=3"], "'patience': expected None unless val_size > 0"),
    (["--set", "aux_coef=2.0"], "'aux_coef': expected a number in [0, 1]"),
    (["--set", "aux_coef=-0.1"], "'aux_coef'"),
    (["--set", "logconf_warmup_frac=2"], "'logconf_warmup_frac'"),
    (["--set", "product_beta=-1"], "'product_beta'"),
    (["--set", "mode=probes"], "'mode': expected one of probe, finetune"),
    (["--set", "weak_mode=linear"], "'weak_mode'"),
    (["--set", "precision=fp8"], "'precision': expected one of fp32, bf16, fp16, auto"),
    (["--set", "val_labels=truth"], "'val_labels'"),
    (["--set", "lora_r=0"], "'lora_r'"),
    (["--set", "lora_dropout=1.5"], "'lora_dropout'"),
    (["--set", "lora_target_modules="], "--set lora_target_modules"),
    (["--set", "device=tpu"], "'device'"),
    (["--set", "task_seed=-1"], "'task_seed'"),
    (["--set", "task=none"], "--set task: this field cannot be none"),
    (["--set", "lrr=1e-4"], "--set lrr: not a W2SConfig field. Did you mean lr"),
    (["--set", "lr"], "--set expects key=value"),
    (["--task", "nope"], "unknown task 'nope'"),
    (["--task", "reward:nope"], "unknown reward task 'nope'"),  # reward tasks run (the showcase); a wrong one is named
    (["--task", "hf:"], "hf:"),
    (["--weak", "minilm-l9"], "Unknown offline model 'minilm-l9'"),
    (["--set", "n_train_weak=60000"], "n_train_weak=60000"),
]


@pytest.mark.parametrize("args,message", CLI_CASES, ids=[" ".join(a) for a, _ in CLI_CASES])
def test_the_command_line_names_what_is_wrong(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    code = main(["run", *TINY, *args, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err, err
    assert "error:" in err and "Traceback" not in err
    assert not (out / "results.json").exists()


def test_cli_cases_are_many_and_distinct():
    assert len(CLI_CASES) >= 40 and len({tuple(a) for a, _ in CLI_CASES}) == len(CLI_CASES)


@pytest.mark.parametrize("out_kind", ["a file", "below a file"])
def test_an_output_folder_that_cannot_be_used_names_out(tmp_path, capsys, out_kind):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    out = blocker if out_kind == "a file" else blocker / "sub"
    assert main(["run", *TINY, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and str(out) in err and "Traceback" not in err


def test_argparse_usage_errors_exit_2_without_a_traceback(capsys):
    for args in (["run", "--preset", "nope"], ["run", "--mode", "bogus"], ["run", "--seeds", "two"], ["nope"]):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 2
        assert "Traceback" not in capsys.readouterr().err


def test_debug_shows_the_traceback_instead(capsys):
    with pytest.raises(ConfigError, match="epochs"):
        main(["run", *TINY, "--set", "epochs=0", "--debug"])


def test_ctrl_c_says_a_rerun_resumes_and_exits_130(monkeypatch, capsys, tmp_path):
    from w2s_edu.experiment import pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "run_w2s", interrupted)
    assert main(["run", *TINY, "--out", str(tmp_path / "out")]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "resumes" in err and "cached" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "results.json").exists()


# ------------------------------------------------------------------------------------------ Python API

API_CASES = [
    (dict(seeds=[]), "seeds"),
    (dict(seeds=0), "seeds"),
    (dict(losses=[]), "losses"),
    (dict(losses="xent,bogus"), "losses"),
    (dict(n_test="2000"), "n_test"),
    (dict(n_test=2000.5), "n_test"),
    (dict(lr="1e-4"), "lr"),
    (dict(show_progress="yes"), "show_progress"),
    (dict(weak=""), "weak"),
    (dict(task=3), "task"),
    (dict(seeds=["0"]), "seeds[0]"),
    (dict(lora_alpha=0), "lora_alpha"),
    (dict(probe_weight_decay=-1), "probe_weight_decay"),
]


@pytest.mark.parametrize("fields,name", API_CASES, ids=[str(f) for f, _ in API_CASES])
def test_the_config_names_the_field_at_fault(fields, name):
    with pytest.raises(ConfigError) as info:
        W2SConfig(**fields)
    assert info.value.field == name and f"'{name}'" in str(info.value)


def test_presets_and_unknown_fields_are_named():
    with pytest.raises(ValueError, match="preset 'nope'"):
        W2SConfig.from_preset("nope")
    with pytest.raises(ValueError, match="bogus"):
        W2SConfig.from_preset("default", bogus=1)
    assert W2SConfig.from_preset("default", train_layers=None).train_layers is None  # None is a value


def test_replace_validates_too():
    with pytest.raises(ConfigError, match="epochs"):
        W2SConfig().replace(epochs=0)


def test_a_small_test_set_is_accepted_with_a_note():
    from w2s_edu.experiment.pipeline import run_w2s

    result = run_w2s(W2SConfig.from_preset("smoke", weak="minilm-l1", strong="minilm-l1", mode="probe",
                                           n_train_weak=32, n_train_strong=32, n_test=32, show_progress=False))
    assert any("n_test=32" in note and "smoke test" in note for note in result.notes)
    assert "note: n_test=32" in result.table()


# ------------------------------------------------------------------------------------------ the panel


def test_the_panel_keeps_a_starting_config_its_sliders_would_clamp():
    pytest.importorskip("ipywidgets")
    from w2s_edu.ui import experiment_panel

    panel = experiment_panel(preset="smoke", seeds=10)
    assert panel.controls["seeds"].value == 10  # not silently 5


def test_the_panel_refuses_a_value_out_of_range_with_the_fields_name():
    pytest.importorskip("ipywidgets")
    from w2s_edu.ui import experiment_panel

    with pytest.raises(ConfigError, match="aux_coef"):
        experiment_panel(preset="smoke", aux_coef=2.0)
    with pytest.raises(ValueError, match="bogus"):
        experiment_panel(preset="smoke", bogus=1)


@pytest.mark.parametrize("where", ["a file", "below a file"])
def test_a_cache_folder_that_cannot_be_used_names_the_variable(tmp_path, monkeypatch, capsys, where):
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("W2S_EDU_CACHE", str(blocker if where == "a file" else blocker / "sub"))
    assert main(["run", *TINY, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "W2S_EDU_CACHE" in err and str(blocker) in err and "Traceback" not in err
    assert not (tmp_path / "out" / "results.json").exists()
