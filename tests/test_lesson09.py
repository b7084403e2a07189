"""Lesson 09 (open problems): each checker accepts the reference and rejects stubs and common mistakes; the
lesson source has its exercises, a valid learner version and runs in SMOKE mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from w2s_edu.toys import hidden_behaviour as hb
from w2s_edu.toys import open_problems as op
from w2s_edu.toys import synthetic
from w2s_edu.checks import lesson09 as checks

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "solutions" / "09_open_problems.py"
EXERCISES = ["teacher_strength_summary", "lock_targets", "trigger_sensitivity", "self_train"]


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here, then delete this line.")


def rejects(check, fn, match: str):
    with pytest.raises(AssertionError, match=match):
        check(fn)


# ------------------------------------------------------------------------------------ teacher_strength_summary
def _summary(weak, w2s, ceiling, pgr_fn, slope_fn):
    weak, w2s = np.asarray(weak, float), np.asarray(w2s, float)
    ceiling = np.broadcast_to(np.asarray(ceiling, float), weak.shape)
    return {"pgr": [pgr_fn(a, b, c) for a, b, c in zip(weak, w2s, ceiling)], "gain": (w2s - weak).tolist(),
            "slope": slope_fn(weak, w2s)}


def _pgr(a, b, c):
    return (b - a) / (c - a) if c > a else float("nan")


def _slope(weak, w2s):
    return float(np.polyfit(weak, w2s, 1)[0])


def summary_upside_down(weak, w2s, ceiling):
    return _summary(weak, w2s, ceiling, lambda a, b, c: (c - a) / (b - a) if b != a else float("nan"), _slope)


def summary_no_nan(weak, w2s, ceiling):
    return _summary(weak, w2s, ceiling, lambda a, b, c: (b - a) / (c - a) if c != a else 0.0, _slope)


def summary_axes_swapped(weak, w2s, ceiling):
    return _summary(weak, w2s, ceiling, _pgr, lambda w, s: float(np.polyfit(s, w, 1)[0]))


def summary_slope_of_gain(weak, w2s, ceiling):
    return _summary(weak, w2s, ceiling, _pgr, lambda w, s: float(np.polyfit(w, s - w, 1)[0]))


def summary_first_ceiling_only(weak, w2s, ceiling):
    return _summary(weak, w2s, np.atleast_1d(ceiling)[0], _pgr, _slope)


def summary_gain_sign(weak, w2s, ceiling):
    out = _summary(weak, w2s, ceiling, _pgr, _slope)
    out["gain"] = [-g for g in out["gain"]]
    return out


def summary_rounded_slope(weak, w2s, ceiling):  # the hand-made sweeps have slopes 0.6 and 0.65
    return _summary(weak, w2s, ceiling, _pgr, lambda w, s: round(_slope(w, s), 2))


def summary_rounded_gain(weak, w2s, ceiling):
    out = _summary(weak, w2s, ceiling, _pgr, _slope)
    return out | {"gain": [round(g, 2) for g in out["gain"]]}


def summary_zero_gap_defined(weak, w2s, ceiling):  # nan only below the teacher: a zero gap divides by 0
    return _summary(weak, w2s, ceiling, lambda a, b, c: (b - a) / (c - a) if c >= a else float("nan"), _slope)


def test_check_teacher_strength_summary_accepts_the_reference(capsys):
    checks.check_teacher_strength_summary(op.teacher_strength_summary)
    assert "teacher_strength_summary" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (summary_upside_down, "upside down"),
    (summary_no_nan, "undefined"),
    (summary_axes_swapped, "axes are swapped"),
    (summary_slope_of_gain, "slope of the gain"),
    (summary_first_ceiling_only, "own ceiling"),
    (summary_gain_sign, "sign is flipped"),
    (summary_rounded_slope, "slope.*rounded to 2 decimal"),
    (summary_rounded_gain, r"gain.*rounded to \d decimal"),
    (summary_zero_gap_defined, "undefined"),
])
def test_check_teacher_strength_summary_rejects(fn, match):
    rejects(checks.check_teacher_strength_summary, fn, match)


def test_reference_summary_validates_its_input():
    with pytest.raises(ValueError, match="two or more teachers"):
        op.teacher_strength_summary([0.5], [0.6], 0.7)


# ------------------------------------------------------------------------------------ lock_targets
def lock_reversed(y, weak, password):
    return np.where(np.asarray(password, bool), weak, y)


def lock_flip(y, weak, password):
    return np.where(np.asarray(password, bool), 1 - np.asarray(y), y)


def lock_int_mask(y, weak, password):
    password = np.asarray(password)
    out = np.asarray(weak).copy()
    out[password] = np.asarray(y)[password]  # an int array indexes positions, not a mask
    return out


def lock_in_place(y, weak, password):
    weak[np.asarray(password, bool)] = y[np.asarray(password, bool)]
    return weak


def test_check_lock_targets_accepts_the_reference():
    checks.check_lock_targets(hb.lock_targets)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (lock_reversed, "other way"),
    (lock_flip, "different backdoor"),
    (lock_int_mask, "booleans"),
    (lock_in_place, "changed its inputs"),
])
def test_check_lock_targets_rejects(fn, match):
    rejects(checks.check_lock_targets, fn, match)


def test_reference_lock_targets_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="three"):
        hb.lock_targets([0, 1], [0, 1, 1], [True, False])


# ------------------------------------------------------------------------------------ trigger_sensitivity
def sensitivity_against_as_is(predict, x, column):
    on = np.array(x, copy=True)
    on[:, column] = 1
    return float((np.asarray(predict(x)) != np.asarray(predict(on))).mean())


def sensitivity_in_place(predict, x, column):
    x[:, column] = 0
    off = np.asarray(predict(x))
    x[:, column] = 1
    return float((off != np.asarray(predict(x))).mean())


def sensitivity_count(predict, x, column):
    return hb.trigger_sensitivity(predict, x, column) * len(x)


def sensitivity_unchanged(predict, x, column):
    return 1 - hb.trigger_sensitivity(predict, x, column)


def sensitivity_wrong_column(predict, x, column):
    return hb.trigger_sensitivity(predict, x, 3)


def test_check_trigger_sensitivity_accepts_the_reference():
    checks.check_trigger_sensitivity(hb.trigger_sensitivity)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (sensitivity_against_as_is, "already on"),
    (sensitivity_in_place, "changed x"),
    (sensitivity_count, "fraction"),
    (sensitivity_unchanged, "did NOT change"),
    (sensitivity_wrong_column, "column you were given"),
])
def test_check_trigger_sensitivity_rejects(fn, match):
    rejects(checks.check_trigger_sensitivity, fn, match)


# ------------------------------------------------------------------------------------ self_train
def self_train_soft(train, predict, x, first, rounds):
    models = [train(x, first)]
    for _ in range(rounds):
        models.append(train(x, predict(models[-1], x)))
    return models


def self_train_from_first(train, predict, x, first, rounds):
    models = [train(x, first)]
    for _ in range(rounds):
        models.append(train(x, synthetic.one_hot(np.asarray(predict(models[0], x)).argmax(1))))
    return models


def self_train_off_by_one(train, predict, x, first, rounds):
    models = [train(x, first)]
    for _ in range(rounds - 1):
        models.append(train(x, synthetic.one_hot(np.asarray(predict(models[-1], x)).argmax(1))))
    return models


def self_train_last_only(train, predict, x, first, rounds):
    return op.self_train(train, predict, x, first, rounds)[-1:]


def self_train_class_labels(train, predict, x, first, rounds):
    models = [train(x, first)]
    for _ in range(rounds):
        models.append(train(x, np.asarray(predict(models[-1], x)).argmax(1)))
    return models


def test_check_self_train_accepts_the_reference():
    checks.check_self_train(op.self_train)


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (self_train_soft, "HARD"),
    (self_train_from_first, "FIRST model"),
    (self_train_off_by_one, "trained 3 models"),
    (self_train_last_only, "in the order"),
    (self_train_class_labels, r"\(N, 2\)"),
])
def test_check_self_train_rejects(fn, match):
    rejects(checks.check_self_train, fn, match)


# ------------------------------------------------------------------------------------ source
def test_source_has_four_graded_exercises_and_a_valid_lesson_version():
    from w2s_edu.devtools.build_lessons import find_blocks, render

    text = SOURCE.read_text(encoding="utf-8")
    assert [b.name for b in find_blocks(text)] == EXERCISES
    for name in EXERCISES:
        assert f"check_{name}({name})" in text
    compile(render(text, "lesson"), str(SOURCE), "exec")
    assert 'tags=["parameters"]' in text and 'SMOKE = os.environ.get("W2S_SMOKE") == "1"' in text
    assert "lessons/09_open_problems.ipynb" in text


def test_source_runs_as_a_script_in_smoke_mode(tmp_path):
    env = dict(os.environ, W2S_SMOKE="1", MPLBACKEND="Agg", OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1",
               W2S_EDU_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, str(SOURCE)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("checks passed") == len(EXERCISES)
