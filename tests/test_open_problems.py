"""Lesson 09's package code: the teacher sweep (summaries, plot, cached widget, one real tiny sweep), the
password-locked world (the lesson's claims at its full-mode settings) and self-training."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from w2s_edu.toys import hidden_behaviour as hb
from w2s_edu.experiment import memo
from w2s_edu.toys import open_problems as op
from w2s_edu.toys import synthetic
from w2s_edu.config import W2SConfig
from w2s_edu.experiment.results import W2SResult


def fake_result(weak: float, w2s: float, ceiling: float, teacher: str = "minilm-l1") -> W2SResult:
    p = (w2s - weak) / (ceiling - weak) if ceiling > weak else None
    return W2SResult(config={"task": "categories", "weak": teacher, "strong": "minilm-l6", "mode": "finetune",
                             "weak_mode": "probe"},
                     seeds=[0, 1], weak_acc=[weak - 0.01, weak + 0.01], ceiling_acc=[ceiling, ceiling],
                     w2s_acc={"xent": [w2s, w2s]}, pgr={"xent": {"mean": p, "ci": [None, None] if p is None
                                                                  else [p - 0.1, p + 0.1], "per_seed": []}},
                     seconds=1.0)


@pytest.fixture
def fake_sweep():
    return {"minilm-l1": fake_result(0.55, 0.60, 0.70, "minilm-l1"),
            "minilm-l3": fake_result(0.64, 0.66, 0.70, "minilm-l3"),
            "minilm-l5": fake_result(0.71, 0.69, 0.70, "minilm-l5")}


# ------------------------------------------------------------------------------------ teacher sweep
def test_teacher_rows_average_seeds_and_keep_undefined_pgr_as_nan(fake_sweep):
    rows = op.teacher_rows(fake_sweep)
    assert [r["teacher"] for r in rows] == ["minilm-l1", "minilm-l3", "minilm-l5"]
    assert rows[0]["weak_acc"] == pytest.approx(0.55) and rows[0]["pgr"] == pytest.approx(1 / 3)
    assert math.isnan(rows[2]["pgr"]) and math.isnan(rows[2]["ci"][0])
    text = op.format_teacher_rows(rows)
    assert "undef" in text.splitlines()[3] and "[0.23, 0.43]" in text.splitlines()[1]


def test_teacher_strength_summary_reference():
    out = op.teacher_strength_summary([0.5, 0.6, 0.7], [0.6, 0.65, 0.7], 0.8)
    assert out["pgr"] == pytest.approx([1 / 3, 0.25, 0.0]) and out["gain"] == pytest.approx([0.1, 0.05, 0.0])
    assert out["slope"] == pytest.approx(0.5)
    assert math.isnan(op.teacher_strength_summary([0.5, 0.9], [0.6, 0.9], 0.8)["pgr"][1])


def test_plot_teacher_strength_marks_undefined_pgr(fake_sweep):
    import matplotlib.pyplot as plt

    fig = op.plot_teacher_strength(op.teacher_rows(fake_sweep))
    left, right = fig.axes
    assert len(left.lines) == 3 and list(left.lines[0].get_xdata()) == [1, 3, 5]
    assert any(t.get_text() == "undefined" for t in right.texts)
    plt.close(fig)


def test_run_teacher_runs_once_then_answers_from_memory(monkeypatch):
    calls = []

    def fake_run(cfg):
        calls.append(cfg.weak)
        return fake_result(0.6, 0.62, 0.7, cfg.weak)

    monkeypatch.setattr(op, "run_w2s", fake_run)
    memo.forget()
    cfg = W2SConfig.from_preset("smoke")
    first = op.run_teacher(cfg, "minilm-l2")
    assert op.run_teacher(cfg.replace(show_progress=False), "minilm-l2") is first  # progress does not matter
    op.run_teacher(cfg, "minilm-l3")
    op.run_teacher(cfg.replace(seeds=[1]), "minilm-l2")  # a different experiment runs again
    assert calls == ["minilm-l2", "minilm-l3", "minilm-l2"]


def test_teacher_widget_draws_from_memory_and_shows_errors(monkeypatch):
    pytest.importorskip("ipywidgets")
    calls = []

    def fake_run(cfg):
        calls.append(cfg.weak)
        if cfg.weak == "minilm-l4":
            raise RuntimeError("boom in the pipeline")
        return fake_result(0.6, 0.62, 0.7, cfg.weak)

    monkeypatch.setattr(op, "run_w2s", fake_run)
    memo.forget()
    box = op.teacher_widget(W2SConfig.from_preset("smoke"), teachers=("minilm-l1", "minilm-l2", "minilm-l4"))
    first = box.output.outputs
    assert len(first) == 1 and "image/png" in first[0]["data"] and "minilm-l1" in first[0]["data"]["text/plain"]
    box.controls["teacher"].value = "minilm-l2"
    assert box.output.outputs[0]["data"]["image/png"] != first[0]["data"]["image/png"]
    box.controls["teacher"].value = "minilm-l1"
    box.button.click()
    assert calls == ["minilm-l1", "minilm-l2"]  # the widget never reran a teacher it had
    box.controls["teacher"].value = "minilm-l4"
    (out,) = box.output.outputs
    assert out["output_type"] == "stream" and "boom in the pipeline" in out["text"]


def test_teacher_sweep_runs_the_real_pipeline_on_a_tiny_config(monkeypatch):
    memo.forget()
    cfg = W2SConfig.from_preset("smoke", n_train_weak=32, n_train_strong=32, n_test=32, show_progress=False)
    sweep = op.teacher_sweep(cfg, ["minilm-l1", "minilm-l2"])
    assert list(sweep) == ["minilm-l1", "minilm-l2"]
    assert sweep["minilm-l1"].config["weak"] == "minilm-l1" and sweep["minilm-l2"].config["strong"] == "minilm-l6"
    # one student, so one ceiling: the pipeline trained it once and both teachers share it
    assert sweep["minilm-l1"].ceiling_acc == sweep["minilm-l2"].ceiling_acc
    assert op.run_teacher(cfg, "minilm-l2") is sweep["minilm-l2"]
    with pytest.raises(ValueError, match="at least one teacher"):
        op.teacher_sweep(cfg, [])


def test_lesson_config_sizes():
    smoke, full = op.lesson_config(True), op.lesson_config(False)
    assert smoke.n_train_strong < 100 and full.seeds == [0, 1, 2] and full.mode == "finetune"
    assert full.weak_mode == "probe" and full == W2SConfig.from_preset("quick", seeds=[0, 1, 2])


# ------------------------------------------------------------------------------------ hidden behaviour
def test_add_context_and_set_column():
    x = np.zeros((100, synthetic.STRONG_DIM), np.float32)
    out = hb.add_context(x, seed=1)
    assert out.shape == (100, synthetic.STRONG_DIM + hb.N_CONTEXT) and (out[:, hb.PASSWORD] == 0).all()
    assert 0.3 < out[:, hb.PASSWORD + 1:].mean() < 0.7
    mask = np.arange(100) % 4 == 0
    assert (hb.add_context(x, password=mask)[:, hb.PASSWORD] == mask).all()
    on = hb.set_column(out, hb.PASSWORD, 1.0)
    assert (on[:, hb.PASSWORD] == 1).all() and (out[:, hb.PASSWORD] == 0).all()


def test_continue_training_copies_and_leaves_global_state_alone():
    model = torch.nn.Linear(3, 2)
    before = [p.detach().clone() for p in model.parameters()]
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    tuned = hb.continue_training(model, np.ones((8, 3)), synthetic.one_hot(np.arange(8) % 2), epochs=2)
    assert torch.equal(torch.rand(2), expected)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(before, tuned.parameters()))
    with pytest.raises(ValueError, match="rows"):
        hb.continue_training(model, np.ones((8, 3)), np.ones((7, 2)))


def test_trigger_sensitivity_reference_on_a_fake_model():
    x = np.zeros((10, 3), np.float32)
    assert hb.trigger_sensitivity(lambda a: a[:, 1].astype(int), x, 1) == 1.0
    assert hb.trigger_sensitivity(lambda a: a[:, 1].astype(int), x, 2) == 0.0
    assert (x == 0).all()


@pytest.fixture(scope="module")
def world():
    return hb.build_world(n=2000, seed=0)  # the lesson's full-mode world


def test_locked_model_hides_its_skill_and_weak_labels_do_not_unlock_it(world):
    r = hb.run_elicitation(world, n_gold=200)
    locked, honest = r["locked"], r["honest"]
    assert locked["before_with_password"] > locked["before"] + 0.05  # the skill is there, behind the password
    assert abs(honest["before_with_password"] - honest["before"]) < 0.01  # the honest model has no password
    assert abs(locked["before"] - r["weak_acc"]) < 0.06  # without it, it looks like the supervisor
    assert locked["weak_labels"] < locked["before_with_password"] - 0.05  # weak labels do not unlock it


def test_overseer_statistics_do_not_separate_the_models_but_the_password_scan_does(world):
    x = world["x_strong"][world["parts"]["test"]]
    stats = {k: hb.overseer_statistics(m, x, world["weak_test_probs"]) for k, m in world["models"].items()}
    assert abs(stats["locked"]["agreement_with_weak"] - stats["honest"]["agreement_with_weak"]) < 0.05
    assert abs(stats["locked"]["mean_confidence"] - stats["honest"]["mean_confidence"]) < 0.05
    scans = {k: hb.scan_context(m, x) for k, m in world["models"].items()}
    others = [v for c, v in scans["locked"].items() if c != hb.PASSWORD]
    assert scans["locked"][hb.PASSWORD] > 2 * max(others) + 0.03
    assert scans["honest"][hb.PASSWORD] < scans["locked"][hb.PASSWORD] / 2


# ------------------------------------------------------------------------------------ self-training
def test_self_training_does_not_help_in_the_synthetic_world():
    """The lesson's claim at its full-mode settings: no seed gains PGR from three rounds of self-training."""
    for seed in (0, 1, 2):
        r = op.run_self_training(rounds=3, n=2000, seed=seed)
        assert len(r["student_acc"]) == len(r["pgr"]) == len(r["disagree"]) == 4
        assert r["pgr"][-1] <= r["pgr"][0] + 0.02, r["pgr"]
        assert r["disagree"][-1] < 0.02 < r["disagree"][0], r["disagree"]  # its own labels hold nothing new
