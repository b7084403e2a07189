"""The experiment panel (lessons 03-05), driven headlessly: a run fills the table and the plot, the
progress bar moves, a repeated setting is instant, and errors show in the panel."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("ipywidgets")

from w2s_edu.ui import experiment_panel  # noqa: E402


def _png(panel) -> bool:
    return any("image/png" in o.get("data", {}) for o in panel.output.outputs)


def _small(panel):
    c = panel.controls
    c["weak"].value, c["strong"].value, c["mode"].value = "minilm-l1", "minilm-l2", "probe"
    c["losses"].value = ("xent", "logconf")
    c["n_train"].value, c["seeds"].value = 64, 1


def test_panel_runs_a_setting_and_shows_table_plot_and_progress():
    panel = experiment_panel(preset="smoke")
    assert set(panel.controls) == {"task", "weak", "strong", "mode", "losses", "aux_coef", "n_train", "seeds"}
    _small(panel)
    seen = []
    panel.progress.observe(lambda change: seen.append(change["new"]), names="value")
    panel.button.click()
    assert "Failed" not in panel.status.value, panel.status.value
    assert _png(panel)
    assert panel.table.value.count("<tr>") == 1 + 2  # header + one row per loss
    assert "minilm-l1 &rarr; minilm-l2" in panel.table.value and "logconf (0.25)" in panel.table.value
    assert panel.progress.value == panel.progress.max == 4  # weak, ceiling, two students
    assert seen == [1, 2, 3, 4]  # it moved model by model, not just at the end
    assert panel.progress.bar_style == "success" and not panel.button.disabled
    assert len(panel.history) == 1 and not panel.history[0]["cached"]


def test_rerunning_a_setting_is_instant_and_gives_the_same_numbers():
    panel = experiment_panel(preset="smoke")
    _small(panel)
    panel.run()
    first = panel.history[-1]["result"]
    start = time.time()
    panel.run()
    assert time.time() - start < 2.0
    assert panel.history[-1]["cached"] and "cached" in panel.status.value
    assert panel.history[-1]["result"].w2s_acc == first.w2s_acc
    assert panel.table.value.count("<tr>") == 1 + 4  # both runs listed


def test_a_changed_control_runs_a_new_config():
    calls = []

    def fake_run(cfg, progress=None):
        calls.append(cfg)
        from w2s_edu.experiment.results import W2SResult

        return W2SResult(config=cfg.to_dict(), seeds=cfg.seeds, weak_acc=[0.6] * len(cfg.seeds),
                         ceiling_acc=[0.8] * len(cfg.seeds),
                         w2s_acc={loss: [0.7] * len(cfg.seeds) for loss in cfg.losses},
                         pgr={loss: {"mean": 0.5, "ci": [0.4, 0.6], "per_seed": [0.5]} for loss in cfg.losses},
                         seconds=0.0)

    panel = experiment_panel(preset="smoke", run=fake_run)
    panel.controls["aux_coef"].value = 0.5
    panel.controls["seeds"].value = 3
    panel.controls["n_train"].value = 250
    panel.controls["mode"].value = "probe"
    panel.run()
    cfg = calls[-1]
    assert (cfg.aux_coef, cfg.seeds, cfg.n_train_weak, cfg.n_train_strong, cfg.mode) == (0.5, [0, 1, 2], 250, 250,
                                                                                         "probe")
    assert not cfg.show_progress  # the panel has its own progress bar
    panel.controls["aux_coef"].value = 0.75
    panel.run()
    assert len(calls) == 2 and calls[-1].aux_coef == 0.75


def test_errors_show_in_the_panel_and_the_button_comes_back():
    def broken(cfg, progress=None):
        progress(0, 3, "seed 0: weak")
        raise RuntimeError("the weak model ran out of memory")

    panel = experiment_panel(preset="smoke", run=broken)
    panel.button.click()
    assert "Failed" in panel.status.value and "ran out of memory" in panel.status.value
    text = "".join(o.get("text", "") for o in panel.output.outputs)
    assert "RuntimeError: the weak model ran out of memory" in text and "Traceback" in text
    assert panel.progress.bar_style == "danger"
    assert not panel.button.disabled and panel.button.description == "Run"
    assert panel.history == []


def test_a_bad_setting_is_an_error_in_the_panel_not_a_crash():
    panel = experiment_panel(preset="smoke")
    panel.controls["losses"].value = ()  # no loss selected
    panel.run()
    assert "Failed" in panel.status.value and "loss" in panel.status.value
    assert not panel.button.disabled
