"""Lesson 01 (the limits of RLHF): checkers accept the reference and reject stubs and common mistakes; the
simulation shows reward overoptimisation; the widget redraws headlessly; the source runs as a script."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from w2s_edu.toys import rlhf
from w2s_edu.checks import lesson01 as checks

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "solutions" / "01_limits_of_rlhf.py"


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here, then delete this line.")


# ------------------------------------------------------------------------------ wrong implementations
def bt_sum(c, r):
    return -F.logsigmoid(c - r).sum()


def bt_swapped(c, r):
    return -F.logsigmoid(r - c).mean()


def bt_no_log(c, r):
    return -torch.sigmoid(c - r).mean()


def bt_naive_log(c, r):
    return -torch.log(torch.sigmoid(c - r)).mean()


def bt_detached(c, r):
    return torch.tensor(float(-F.logsigmoid(c - r).mean()))


def bt_per_pair(c, r):
    return -F.logsigmoid(c - r)


def _score(x, b, w_correct=None):
    wc = 1 - b if w_correct is None else w_correct
    return wc * x[..., 0] + x[..., 1] + b * (x[..., 2] + x[..., 3])


def judge_inverted(a, b, blind, temp=1.0):
    return torch.sigmoid((_score(a, 1 - blind) - _score(b, 1 - blind)) / temp)


def judge_no_temperature(a, b, blind, temp=1.0):
    return torch.sigmoid(_score(a, blind) - _score(b, blind))


def judge_times_temperature(a, b, blind, temp=1.0):
    return torch.sigmoid((_score(a, blind) - _score(b, blind)) * temp)


def judge_reversed(a, b, blind, temp=1.0):
    return torch.sigmoid((_score(b, blind) - _score(a, blind)) / temp)


def judge_no_sigmoid(a, b, blind, temp=1.0):
    return (_score(a, blind) - _score(b, blind)) / temp


def judge_sees_correctness(a, b, blind, temp=1.0):
    return torch.sigmoid((_score(a, blind, 1.0) - _score(b, blind, 1.0)) / temp)


def judge_temperature_on_a_only(a, b, blind, temp=1.0):  # right against a zero response, and at temperature 1
    return torch.sigmoid(_score(a, blind) / temp - _score(b, blind))


def step_swapped(model, opt, chosen, rejected):
    loss = rlhf.bradley_terry_loss(model(rejected), model(chosen))
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def step_sum(model, opt, chosen, rejected):
    loss = -F.logsigmoid(model(chosen) - model(rejected)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item() / len(chosen)


def step_no_zero_grad(model, opt, chosen, rejected):
    loss = rlhf.bradley_terry_loss(model(chosen), model(rejected))
    loss.backward()
    opt.step()
    return loss.item()


def step_zero_grad_too_late(model, opt, chosen, rejected):
    loss = rlhf.bradley_terry_loss(model(chosen), model(rejected))
    loss.backward()
    opt.zero_grad()
    opt.step()
    return loss.item()


def step_no_step(model, opt, chosen, rejected):
    loss = rlhf.bradley_terry_loss(model(chosen), model(rejected))
    opt.zero_grad()
    loss.backward()
    return loss.item()


def step_no_return(model, opt, chosen, rejected):
    rlhf.reward_model_step(model, opt, chosen, rejected)


def step_returns_loss_after(model, opt, chosen, rejected):
    rlhf.reward_model_step(model, opt, chosen, rejected)
    with torch.no_grad():
        return rlhf.bradley_terry_loss(model(chosen), model(rejected)).item()


def _pick(candidates, reward_fn, n, lo=0, hi=None, mode="max"):
    pool = candidates[:, lo:(n if hi is None else hi)]
    scores = reward_fn(pool)
    idx = scores.argmax(1) if mode == "max" else scores.argmin(1)
    return pool[torch.arange(len(pool)), idx]


def bon_argmin(c, f, n):
    return _pick(c, f, n, mode="min")


def bon_one_too_many(c, f, n):
    return _pick(c, f, n, hi=n + 1)


def bon_one_too_few(c, f, n):
    return _pick(c, f, n, hi=n - 1)


def bon_ignores_n(c, f, n):
    return _pick(c, f, n, hi=c.shape[1])


def bon_returns_reward(c, f, n):
    return f(c[:, :n]).max(1).values


def bon_returns_index(c, f, n):
    return f(c[:, :n]).argmax(1)


def bon_global_argmax(c, f, n):
    flat = c[:, :n].reshape(-1, c.shape[-1])
    return flat[f(flat).argmax()].expand(c.shape[0], -1)


def curve_raw(c, f, ns):
    t = [float(rlhf.true_quality(rlhf.best_of_n(c, f, n)).mean()) for n in ns]
    p = [float(f(rlhf.best_of_n(c, f, n)).mean()) for n in ns]
    return np.array(t), np.array(p)


def curve_true_from_proxy(c, f, ns):
    _, p = rlhf.overoptimisation_curve(c, f, ns)
    return p, p


def curve_selected_stats(c, f, ns):
    out_t, out_p = [], []
    for n in ns:
        s = rlhf.best_of_n(c, f, n)
        t, p = rlhf.true_quality(s), f(s)
        out_t.append(float(((t - t.mean()) / (t.std() + 1e-9)).mean()))
        out_p.append(float(((p - p.mean()) / (p.std() + 1e-9)).mean()))
    return np.array(out_t), np.array(out_p)


def curve_sum(c, f, ns):
    t, p = rlhf.overoptimisation_curve(c, f, ns)
    return t * c.shape[0], p * c.shape[0]


def curve_argmin(c, f, ns):
    tp, pp = rlhf.true_quality(c), f(c)
    t = [float(((rlhf.true_quality(bon_argmin(c, f, n)) - tp.mean()) / tp.std()).mean()) for n in ns]
    p = [float(((f(bon_argmin(c, f, n)) - pp.mean()) / pp.std()).mean()) for n in ns]
    return np.array(t), np.array(p)


CASES = {
    "check_bradley_terry_loss": (rlhf.bradley_terry_loss,
                                 [bt_sum, bt_swapped, bt_no_log, bt_naive_log, bt_detached, bt_per_pair]),
    "check_judge_preference_prob": (rlhf.judge_preference_prob,
                                    [judge_inverted, judge_no_temperature, judge_times_temperature, judge_reversed,
                                     judge_no_sigmoid, judge_sees_correctness, judge_temperature_on_a_only]),
    "check_reward_model_step": (rlhf.reward_model_step,
                                [step_swapped, step_sum, step_no_zero_grad, step_zero_grad_too_late, step_no_step,
                                 step_no_return, step_returns_loss_after]),
    "check_best_of_n": (rlhf.best_of_n,
                        [bon_argmin, bon_one_too_many, bon_one_too_few, bon_ignores_n, bon_returns_reward,
                         bon_returns_index, bon_global_argmax]),
    "check_overoptimisation_curve": (rlhf.overoptimisation_curve,
                                     [curve_raw, curve_true_from_proxy, curve_selected_stats, curve_sum,
                                      curve_argmin]),
}
WRONG = [(name, wrong) for name, (_, wrongs) in CASES.items() for wrong in wrongs]


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_accepts_reference(name, capsys):
    getattr(checks, name)(CASES[name][0])
    assert "passed" in capsys.readouterr().out


def test_checkers_accept_other_correct_answers(capsys):
    def bt(c, r):  # log1p form, stable in its own way
        d = c - r
        return (torch.clamp(-d, min=0) + torch.log1p(torch.exp(-d.abs()))).mean()

    def judge(a, b, blind, temp=1.0):
        w = torch.tensor([1 - blind, 1.0, blind, blind])
        return 1 / (1 + torch.exp(-((a - b) @ w) / temp))

    def step(model, opt, chosen, rejected):
        opt.zero_grad()
        loss = -F.logsigmoid(model(chosen) - model(rejected)).mean()
        loss.backward()
        opt.step()
        return loss  # a 0-d tensor is fine too

    def bon(c, f, n):
        idx = f(c[:, :n]).argmax(1)
        return torch.stack([c[i, j] for i, j in enumerate(idx.tolist())])

    def curve(c, f, ns):
        t_all, r_all = rlhf.true_quality(c).numpy(), f(c).numpy()
        picks = [rlhf.best_of_n(c, f, n) for n in ns]
        return ([((rlhf.true_quality(p).numpy() - t_all.mean()) / t_all.std()).mean() for p in picks],
                [((f(p).numpy() - r_all.mean()) / r_all.std()).mean() for p in picks])

    checks.check_bradley_terry_loss(bt)
    checks.check_judge_preference_prob(judge)
    checks.check_reward_model_step(step)
    checks.check_best_of_n(bon)
    checks.check_overoptimisation_curve(curve)
    assert capsys.readouterr().out.count("passed") == 5


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_rejects_stub(name):
    with pytest.raises(AssertionError, match="NotImplementedError"):
        getattr(checks, name)(stub)


@pytest.mark.parametrize("name,wrong", WRONG, ids=[w.__name__ for _, w in WRONG])
def test_checker_rejects_wrong_implementation(name, wrong):
    with pytest.raises(AssertionError) as info:
        getattr(checks, name)(wrong)
    assert len(str(info.value)) > 30  # says what went wrong, not a bare assert


def test_checker_hints_name_the_mistake():
    for fn, check, words in [(bt_sum, checks.check_bradley_terry_loss, "mean"),
                             (bt_naive_log, checks.check_bradley_terry_loss, "logsigmoid"),
                             (judge_reversed, checks.check_judge_preference_prob, "P(b over a)"),
                             (judge_temperature_on_a_only, checks.check_judge_preference_prob,
                              "50 random pairs differs"),
                             (step_swapped, checks.check_reward_model_step, "swapped"),
                             (step_sum, checks.check_reward_model_step, "sum"),
                             (step_no_zero_grad, checks.check_reward_model_step, "zero_grad"),
                             (bon_argmin, checks.check_best_of_n, "argmin"),
                             (bon_one_too_many, checks.check_best_of_n, "first n"),
                             (curve_true_from_proxy, checks.check_overoptimisation_curve, "true_quality")]:
        with pytest.raises(AssertionError, match=words.replace("(", r"\(").replace(")", r"\)")):
            check(fn)


# ----------------------------------------------------------------------------------------- simulation
def test_bradley_terry_reference_values():
    assert math.isclose(float(rlhf.bradley_terry_loss(torch.zeros(3), torch.zeros(3))), math.log(2), rel_tol=1e-6)
    assert math.isclose(float(rlhf.bradley_terry_loss(torch.tensor([-200.0]), torch.tensor([0.0]))), 200.0,
                        rel_tol=1e-5)


def test_preferences_are_seeded_and_follow_the_judge():
    c1, r1 = rlhf.make_preferences(500, 0.5, seed=1)
    c2, r2 = rlhf.make_preferences(500, 0.5, seed=1)
    assert torch.equal(c1, c2) and torch.equal(r1, r2)
    assert (rlhf.judge_score(c1, 0.5) > rlhf.judge_score(r1, 0.5)).float().mean() > 0.7


def test_goodhart_gap_with_a_strong_blind_spot():
    r = rlhf.run_overoptimisation(blind_spot=0.9, exploit=1.0, max_n=256, n_pairs=1000, trials=300, steps=200)
    assert r.ns == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert np.all(np.diff(r.proxy) > 0)  # the learned reward keeps rising
    assert r.true[-1] < r.true.max() - 0.5  # true quality peaked and fell
    assert r.gap[-1] > 2.0
    assert r.weights["confidence"] > r.weights["correctness"]  # the reward model copied the blind spot


def test_no_gap_without_a_blind_spot():
    r = rlhf.run_overoptimisation(blind_spot=0.0, exploit=1.0, max_n=256, n_pairs=1000, trials=300, steps=200)
    assert np.abs(r.gap).max() < 0.1
    assert r.peak_n == 256 and r.true[-1] > 2.0
    assert np.allclose(r.true, r.oracle, atol=0.1)


def test_gap_widens_with_weaker_judge_and_stronger_policy():
    def gap(b, ex):
        return rlhf.run_overoptimisation(b, ex, max_n=128, n_pairs=800, trials=300, steps=200).gap[-1]

    assert gap(0.2, 1.0) < gap(0.5, 1.0) < gap(0.8, 1.0)
    assert gap(0.6, 0.3) < gap(0.6, 1.0) < gap(0.6, 1.6)


def test_plot_returns_a_figure():
    import matplotlib.pyplot as plt

    fig = rlhf.plot_overoptimisation(blind_spot=0.5, max_n=16, n_pairs=200, trials=50, steps=50)
    assert len(fig.axes[0].lines) >= 3
    plt.close(fig)


# --------------------------------------------------------------------------------------------- widget
def test_widget_redraws_headlessly():
    pytest.importorskip("ipywidgets")
    box = rlhf.overoptimisation_widget(n_pairs=200, trials=50, steps=50)
    controls, out = box.controls, box.output
    assert all(not c.continuous_update for c in controls.values())
    first = out.outputs
    assert len(first) == 1 and "image/png" in first[0]["data"]
    controls["blind_spot"].value = 0.1
    second = out.outputs
    assert second is not first and "image/png" in second[0]["data"]
    assert second[0]["data"]["image/png"] != first[0]["data"]["image/png"]
    controls["max_n"].value = 32
    controls["exploit"].value = 1.5
    assert out.outputs is not second and "image/png" in out.outputs[0]["data"]


def test_widget_shows_errors(monkeypatch):
    pytest.importorskip("ipywidgets")
    box = rlhf.overoptimisation_widget(n_pairs=200, trials=50, steps=50)

    def broken(**kwargs):
        raise RuntimeError("boom in the simulation")

    monkeypatch.setattr(rlhf, "plot_overoptimisation", broken)
    box.controls["blind_spot"].value = 0.3
    (output,) = box.output.outputs
    assert output["output_type"] == "stream" and "boom in the simulation" in output["text"]
    assert "Traceback" in output["text"]


# --------------------------------------------------------------------------------------------- source
def test_source_has_five_graded_exercises_and_a_valid_lesson_version():
    from w2s_edu.devtools.build_lessons import find_blocks, render

    text = SOURCE.read_text(encoding="utf-8")
    names = [b.name for b in find_blocks(text)]
    assert names == ["bradley_terry_loss", "judge_preference_prob", "reward_model_step", "best_of_n",
                     "overoptimisation_curve"]
    for name in names:
        assert f"check_{name}(" in text
    compile(render(text, "lesson"), str(SOURCE), "exec")  # the stubbed version is still valid Python
    assert 'tags=["parameters"]' in text and "W2S_SMOKE" in text


def test_source_runs_as_a_script_in_smoke_mode():
    env = dict(os.environ, W2S_SMOKE="1", MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(SOURCE)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("passed") == 5
