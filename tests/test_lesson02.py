"""Lesson 02 (weak supervision): checkers accept the reference and reject stubs and common mistakes; the
experiment separates random noise from systematic errors; the widget redraws headlessly; the source runs."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from w2s_edu.experiment import metrics
from w2s_edu.toys import synthetic
from w2s_edu.checks import lesson02 as checks

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "solutions" / "02_weak_supervision.py"
EXERCISES = ["make_splits", "weak_soft_labels", "pgr", "flip_labels", "agreement_by_supervisor"]


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here, then delete this line.")


def rejects(check, fn, match: str):
    with pytest.raises(AssertionError, match=match):
        check(fn)


# ------------------------------------------------------------------------------------ make_splits
def _balanced(labels, sizes, seed, shift=0):
    """A correct split, or (shift=1) one whose later splits start one example too early."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    pools = {c: rng.permutation(np.flatnonzero(labels == c)) for c in (0, 1)}
    out, used = {}, {0: 0, 1: 0}
    for name, n in zip(checks.SPLIT_NAMES, sizes):
        halves = []
        for c, k in ((0, n // 2), (1, n - n // 2)):
            start = max(used[c] - shift, 0)
            halves.append(pools[c][start: start + k])
            used[c] = start + k
        out[name] = np.concatenate(halves)
    return out


def splits_overlap_by_one(labels, a, b, c, seed=0):
    return _balanced(labels, (a, b, c), seed, shift=1)


def splits_not_balanced(labels, a, b, c, seed=0):
    idx = np.random.default_rng(seed).permutation(len(labels))
    return {"train_weak": idx[:a], "train_strong": idx[a: a + b], "test": idx[a + b: a + b + c]}


def splits_unseeded(labels, a, b, c, seed=0):
    return _balanced(labels, (a, b, c), seed=None)


def splits_no_size_check(labels, a, b, c, seed=0):
    labels = np.asarray(labels)
    pools = {k: np.random.default_rng(seed).permutation(np.flatnonzero(labels == k)) for k in (0, 1)}
    out, used = {}, {0: 0, 1: 0}
    for name, n in zip(checks.SPLIT_NAMES, (a, b, c)):
        halves = []
        for k, m in ((0, n // 2), (1, n - n // 2)):
            halves.append(pools[k][used[k]: used[k] + m])
            used[k] += m
        out[name] = np.concatenate(halves)
    return out


def splits_as_masks(labels, a, b, c, seed=0):
    parts = synthetic.make_splits(labels, a, b, c, seed)
    return {k: np.isin(np.arange(len(labels)), v) for k, v in parts.items()}


def splits_refuse_an_exact_fit(labels, a, b, c, seed=0):  # <= instead of <: refuses to use a class up
    labels = np.asarray(labels)
    need_ones = a - a // 2 + b - b // 2 + c - c // 2
    if (labels == 1).sum() <= need_ones:
        raise ValueError("not enough examples of class 1")
    return synthetic.make_splits(labels, a, b, c, seed)


def test_check_make_splits_accepts_the_reference(capsys):
    checks.check_make_splits(synthetic.make_splits)
    assert "make_splits" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (splits_overlap_by_one, "share"),
    (splits_not_balanced, "balanced"),
    (splits_unseeded, "seed=0"),
    (splits_no_size_check, "instead of raising ValueError"),
    (splits_as_masks, "integer indices"),
    (splits_refuse_an_exact_fit, "exactly the 50 \\+ 50 \\+ 100 = 200 examples"),
])
def test_check_make_splits_rejects(fn, match):
    rejects(checks.check_make_splits, fn, match)


# ------------------------------------------------------------------------------------ weak_soft_labels
def _lr(x_train, y_train):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression().fit(x_train, y_train)


def soft_sklearn(x_train, y_train, x_label):
    return _lr(x_train, y_train).predict_proba(x_label)


def soft_hard_labels(x_train, y_train, x_label):
    return np.eye(2)[_lr(x_train, y_train).predict(x_label)]


def soft_one_column(x_train, y_train, x_label):
    return _lr(x_train, y_train).predict_proba(x_label)[:, 1]


def soft_on_train(x_train, y_train, x_label):
    return _lr(x_train, y_train).predict_proba(x_train)


def soft_swapped(x_train, y_train, x_label):
    return _lr(x_train, y_train).predict_proba(x_label)[:, ::-1]


def test_check_weak_soft_labels_accepts_the_reference_and_sklearn():
    checks.check_weak_soft_labels(synthetic.weak_soft_labels)
    checks.check_weak_soft_labels(soft_sklearn)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (soft_hard_labels, "hard labels"),
    (soft_one_column, r"shape \(250,\)"),
    (soft_on_train, "x_train"),
    (soft_swapped, "swapped"),
])
def test_check_weak_soft_labels_rejects(fn, match):
    rejects(checks.check_weak_soft_labels, fn, match)


# ------------------------------------------------------------------------------------ flip_labels
def flip_bernoulli(labels, rate, seed=0):
    labels = np.asarray(labels)
    mask = np.random.default_rng(seed).random(len(labels)) < rate
    return np.where(mask, 1 - labels, labels)


def flip_first_k(labels, rate, seed=0):
    out = np.array(labels, copy=True)
    k = int(round(rate * len(out)))
    out[:k] = 1 - out[:k]
    return out


def flip_in_place(labels, rate, seed=0):
    idx = np.random.default_rng(seed).choice(len(labels), int(round(rate * len(labels))), replace=False)
    labels[idx] = 1 - labels[idx]
    return labels


def flip_unseeded(labels, rate, seed=0):
    return synthetic.flip_labels(labels, rate, seed=np.random.default_rng().integers(1 << 30))


def flip_truncated(labels, rate, seed=0):  # int() truncates: int(0.29 * 100) is 28
    labels = np.asarray(labels)
    idx = np.random.default_rng(seed).choice(len(labels), int(rate * len(labels)), replace=False)
    out = labels.copy()
    out[idx] = 1 - out[idx]
    return out


def flip_ceiling(labels, rate, seed=0):
    labels = np.asarray(labels)
    idx = np.random.default_rng(seed).choice(len(labels), math.ceil(rate * len(labels)), replace=False)
    out = labels.copy()
    out[idx] = 1 - out[idx]
    return out


def test_check_flip_labels_accepts_the_reference():
    checks.check_flip_labels(synthetic.flip_labels)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (flip_bernoulli, "exactly"),
    (flip_first_k, "systematic"),
    (flip_in_place, "changed the array"),
    (flip_unseeded, "seed=0"),
    (flip_truncated, r"int\(0.29 \* 100\) = 28: int\(\) truncates"),
    (flip_ceiling, r"math.ceil\(0.3 \* 7\)"),
])
def test_check_flip_labels_rejects(fn, match):
    rejects(checks.check_flip_labels, fn, match)


# ------------------------------------------------------------------------------------ pgr
def pgr_swapped(weak_acc, w2s_acc, ceiling_acc):
    if ceiling_acc <= weak_acc:
        return float("nan")
    return (ceiling_acc - weak_acc) / (w2s_acc - weak_acc)


def pgr_never_nan(weak_acc, w2s_acc, ceiling_acc):
    return (w2s_acc - weak_acc) / (ceiling_acc - weak_acc) if ceiling_acc != weak_acc else 0.0


def test_check_pgr_accepts_the_reference():
    checks.check_pgr(metrics.pgr)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"), (pgr_swapped, "swapped"), (pgr_never_nan, "expected nan"),
])
def test_check_pgr_rejects(fn, match):
    rejects(checks.check_pgr, fn, match)


# ------------------------------------------------------------------------------------ agreement_by_supervisor
def _groups(agree, groups, right):
    def mean(x):
        return float(x.mean()) if x.size else float("nan")

    return {"overall": mean(agree),
            "supervisor_right": {"n": int(right.sum()), "agreement": mean(groups[0])},
            "supervisor_wrong": {"n": int((~right).sum()), "agreement": mean(groups[1])}}


def agreement_over_all(student, supervisor, labels):
    agree, right = student == supervisor, supervisor == labels
    return _groups(agree, (agree, agree), right)


def agreement_with_labels(student, supervisor, labels):
    agree, right = student == labels, supervisor == labels
    return _groups(student == supervisor, (agree[right], agree[~right]), right)


def agreement_groups_swapped(student, supervisor, labels):
    agree, right = student == supervisor, supervisor == labels
    return _groups(agree, (agree[~right], agree[right]), right)


def agreement_zero_when_empty(student, supervisor, labels):
    out = metrics.agreement_by_supervisor(student, supervisor, labels)
    for group in ("supervisor_right", "supervisor_wrong"):
        if math.isnan(out[group]["agreement"]):
            out[group]["agreement"] = 0.0
    return out


def agreement_rounded(student, supervisor, labels):
    out = metrics.agreement_by_supervisor(student, supervisor, labels)
    for group in ("supervisor_right", "supervisor_wrong"):
        out[group]["agreement"] = round(out[group]["agreement"], 2)
    return out | {"overall": round(out["overall"], 2)}


def agreement_zero_when_nobody_is_right(student, supervisor, labels):  # guards only the 'wrong' group
    out = metrics.agreement_by_supervisor(student, supervisor, labels)
    if out["supervisor_right"]["n"] == 0:
        out["supervisor_right"]["agreement"] = 0.0
    return out


def test_check_agreement_accepts_the_reference():
    checks.check_agreement_by_supervisor(metrics.agreement_by_supervisor)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (agreement_over_all, "average within each group"),
    (agreement_with_labels, "not with the labels"),
    (agreement_groups_swapped, "swapped"),
    (agreement_zero_when_empty, "undefined"),
    (agreement_rounded, "rounded to 2 decimal"),
    (agreement_zero_when_nobody_is_right, "'supervisor_right' group is empty"),
])
def test_check_agreement_rejects(fn, match):
    rejects(checks.check_agreement_by_supervisor, fn, match)


# ------------------------------------------------------------------------------------ the experiment
def test_random_noise_is_recovered_and_systematic_errors_are_imitated():
    """The lesson's claim, with its full-mode settings: every seed gives random noise the higher PGR."""
    runs = synthetic.noise_experiment_over_seeds(seeds=(0, 1, 2, 3, 4))["runs"]
    rand = np.array([r["random"]["pgr"] for r in runs])
    syst = np.array([r["systematic"]["pgr"] for r in runs])
    assert (rand > syst + 0.3).all(), (rand, syst)
    assert rand.mean() > 0.6 and syst.mean() < 0.3, (rand, syst)
    copied = [(r["random"]["agreement"]["supervisor_wrong"]["agreement"],
               r["systematic"]["agreement"]["supervisor_wrong"]["agreement"]) for r in runs]
    assert all(c_rand < 0.3 < 0.5 < c_syst for c_rand, c_syst in copied), copied
    for r in runs:  # both kinds of labels were wrong equally often on train_strong
        n_wrong = [r[kind]["agreement"]["supervisor_wrong"]["n"] for kind in ("random", "systematic")]
        assert n_wrong[0] == n_wrong[1], n_wrong


def test_experiment_is_seeded_and_validates_its_arguments():
    a = synthetic.run_noise_experiment(n=200, seed=3, kinds="random")
    b = synthetic.run_noise_experiment(n=200, seed=3, kinds="random")
    for key in ("weak_acc", "ceiling_acc", "error_rate"):
        assert a[key] == b[key]
    assert a["random"]["student_acc"] == b["random"]["student_acc"]
    assert "systematic" not in a
    with pytest.raises(ValueError, match="kinds"):
        synthetic.run_noise_experiment(n=200, kinds="adversarial")


def test_training_leaves_global_torch_state_alone():
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    synthetic.train_classifier(np.zeros((10, 3)), synthetic.one_hot(np.arange(10) % 2), hidden=4, epochs=1)
    assert torch.equal(torch.rand(3), expected) and torch.get_num_threads() == threads


def test_make_task_and_splits_shapes():
    data = synthetic.make_task(500, seed=1)
    assert data["x_weak"].shape == (500, 4) and data["x_strong"].shape == (500, 24) and data["z"].shape == (500, 6)
    assert 0.4 < data["y"].mean() < 0.6
    with pytest.raises(ValueError, match="class"):
        synthetic.make_splits(data["y"], 400, 400, 400)


def test_plot_noise_experiment_draws_one_panel_per_kind():
    import matplotlib.pyplot as plt

    result = synthetic.plot_noise_experiment(n=200)
    fig = plt.gcf()
    assert len(fig.axes) == 2 and "PGR" in fig.axes[0].get_title()
    assert set(synthetic.KINDS) <= set(result)
    plt.close(fig)


# ------------------------------------------------------------------------------------ widget
def test_widget_redraws_headlessly():
    pytest.importorskip("ipywidgets")
    box = synthetic.weak_supervision_widget(n=200)
    controls, out = box.controls, box.output
    sliders = [c for k, c in controls.items() if k != "kinds"]
    assert sliders and all(not c.continuous_update for c in sliders)
    first = out.outputs
    assert len(first) == 1 and "image/png" in first[0]["data"]
    controls["weak_noise"].value = 1.0
    second = out.outputs
    assert second is not first and second[0]["data"]["image/png"] != first[0]["data"]["image/png"]
    controls["kinds"].value = "random"
    controls["weak_hidden"].value = 4
    controls["student_hidden"].value = 2  # a weak "strong" model: PGR may be undefined, the widget must cope
    third = out.outputs
    assert third is not second and "image/png" in third[0]["data"]
    box.button.click()
    assert out.outputs is not third and "image/png" in out.outputs[0]["data"]


def test_widget_shows_errors(monkeypatch):
    pytest.importorskip("ipywidgets")
    box = synthetic.weak_supervision_widget(n=200)

    def broken(**kwargs):
        raise RuntimeError("boom in the experiment")

    monkeypatch.setattr(synthetic, "plot_noise_experiment", broken)
    box.controls["weak_noise"].value = 0.5
    (output,) = box.output.outputs
    assert output["output_type"] == "stream" and "boom in the experiment" in output["text"]
    assert "Traceback" in output["text"]


# ------------------------------------------------------------------------------------ source
def test_source_has_five_graded_exercises_and_a_valid_lesson_version():
    from w2s_edu.devtools.build_lessons import find_blocks, render

    text = SOURCE.read_text(encoding="utf-8")
    assert [b.name for b in find_blocks(text)] == EXERCISES
    for name in EXERCISES:
        assert f"check_{name}({name})" in text
    compile(render(text, "lesson"), str(SOURCE), "exec")  # the stubbed version is still valid Python
    assert 'tags=["parameters"]' in text and 'SMOKE = os.environ.get("W2S_SMOKE") == "1"' in text
    assert "lessons/02_weak_supervision.ipynb" in text


def test_source_runs_as_a_script_in_smoke_mode():
    env = dict(os.environ, W2S_SMOKE="1", MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(SOURCE)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("checks passed") == len(EXERCISES)
