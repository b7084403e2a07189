"""The whole pipeline on small settings: every architecture, caching, resuming, determinism, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from w2s_edu.experiment import pipeline, roles
from w2s_edu.train import executor
from w2s_edu.config import PRESETS, W2SConfig
from w2s_edu.experiment.metrics import PGRUndefinedWarning
from w2s_edu.experiment.pipeline import run_w2s

SMALL = dict(seeds=[0], n_train_weak=48, n_train_strong=48, n_test=48, show_progress=False)


def small(**kw) -> W2SConfig:
    return W2SConfig(**{**SMALL, "weak": "minilm-l1", "strong": "minilm-l2", "mode": "probe", **kw})


@pytest.fixture()
def statements_dataset(tmp_path):
    """A saved dataset in the format a user would bring: a 'sentence' column and 0/1 labels."""
    from datasets import Dataset

    rows = [{"sentence": f"The city of {c} is in {k}.", "label": int(i % 2)}
            for i, (c, k) in enumerate((c, k) for c in ("Lyon", "Osaka", "Lima", "Accra", "Paris", "Quito",
                                                         "Turin", "Kobe", "Cusco", "Kumasi", "Nice", "Nara")
                                       for k in ("France", "Japan", "Peru", "Ghana", "Chile", "Italy"))]
    path = tmp_path / "statements"
    Dataset.from_list(rows).save_to_disk(str(path))
    return str(path)


def test_result_has_the_pinned_fields_and_sane_numbers():
    r = run_w2s(small(losses=["xent", "logconf", "product"], seeds=[0, 1]))
    d = r.to_dict()
    for key in ("config", "seeds", "weak_acc", "ceiling_acc", "w2s_acc", "pgr", "seconds"):
        assert key in d
    assert d["seeds"] == [0, 1] and len(d["weak_acc"]) == 2 and len(d["ceiling_acc"]) == 2
    assert set(d["w2s_acc"]) == {"xent", "logconf", "product"}
    for loss, p in d["pgr"].items():
        assert set(p) >= {"mean", "ci"} and len(p["ci"]) == 2
        assert len(d["w2s_acc"][loss]) == 2
    assert all(0.0 <= a <= 1.0 for a in d["weak_acc"] + d["ceiling_acc"])
    agree = r.per_seed[0]["agreement"]["xent"]
    assert set(agree) == {"overall", "supervisor_right", "supervisor_wrong"}
    assert "PGR" in r.table() and "strong ceiling" in r.table()
    json.dumps(d, allow_nan=False)  # strict JSON: undefined numbers are null, not NaN


@pytest.mark.parametrize("arch", ["bert", "gpt2", "gpt_neox", "qwen2"])
def test_hub_architectures_run_through_the_same_pipeline(tiny_models, statements_dataset, arch):
    cfg = W2SConfig(**{**SMALL, "n_train_weak": 24, "n_train_strong": 24, "n_test": 24},
                    task=f"hf:{statements_dataset}", text_column="sentence", weak="minilm-l1",
                    strong=tiny_models[arch],
                    mode="finetune", epochs=1.0, batch_size=8, losses=["xent", "logconf"])
    r = run_w2s(cfg)
    assert len(r.w2s_acc["logconf"]) == 1 and 0.0 <= r.ceiling_acc[0] <= 1.0


def test_finetune_fast_path_and_micro_batches_run(statements_dataset):
    r = run_w2s(small(task=f"hf:{statements_dataset}", text_column="sentence", mode="finetune",
                      train_layers=1, epochs=1.0, batch_size=16, micro_batch_size=8, losses=["logconf"],
                      n_train_weak=24, n_train_strong=24, n_test=24))
    assert 0.0 <= r.w2s_acc["logconf"][0] <= 1.0


def test_same_config_same_numbers_even_without_the_cache(tmp_path, monkeypatch):
    cfg = small(mode="finetune", train_layers=1, epochs=1.0, losses=["xent"])
    first = run_w2s(cfg)
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "fresh"))  # recompute everything
    second = run_w2s(cfg)
    assert first.weak_acc == second.weak_acc
    assert first.ceiling_acc == second.ceiling_acc
    assert first.w2s_acc == second.w2s_acc


def test_rerun_uses_the_cache_and_resumes_after_a_lost_piece(monkeypatch, tmp_path):
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "cache"))
    calls = []
    real = executor.train_classifier
    monkeypatch.setattr(executor, "train_classifier", lambda *a, **k: calls.append(k["desc"]) or real(*a, **k))
    cfg = small(losses=["xent", "logconf"])
    first = run_w2s(cfg)
    assert len(calls) == 4  # weak, ceiling, two students
    calls.clear()
    assert run_w2s(cfg).w2s_acc == first.w2s_acc and calls == []
    runs = sorted((tmp_path / "cache" / "runs").glob("*.npz"))
    runs[0].unlink()  # as if the run had been interrupted before this piece was written
    run_w2s(cfg)
    assert len(calls) == 1


def test_sweep_trains_each_weak_model_once(monkeypatch, tmp_path):
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "cache"))
    calls = []
    real = executor.train_classifier
    monkeypatch.setattr(executor, "train_classifier", lambda *a, **k: calls.append(k["desc"]) or real(*a, **k))
    results = pipeline.run_sweep(small(), ["minilm-l1"], ["minilm-l2", "minilm-l3"])
    assert set(results) == {("minilm-l1", "minilm-l2"), ("minilm-l1", "minilm-l3")}
    assert sum("weak" in c for c in calls) == 1


def test_an_interrupted_write_leaves_no_file(monkeypatch, tmp_path):
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "cache"))

    def boom(file, **arrays):
        file.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(roles.np, "savez", boom)
    with pytest.raises(KeyboardInterrupt):
        run_w2s(small())
    assert list((tmp_path / "cache" / "runs").iterdir()) == []


def test_weak_equal_to_strong_runs_but_says_pgr_is_undefined():
    with pytest.warns(PGRUndefinedWarning, match="undefined"):
        r = run_w2s(small(strong="minilm-l1"))
    assert r.weak_acc == r.ceiling_acc
    assert math.isnan(r.pgr["xent"]["mean"])
    assert r.to_dict()["pgr"]["xent"]["mean"] is None


def test_bad_inputs_say_what_is_allowed(statements_dataset, tmp_path):
    with pytest.raises(ValueError, match="cities"):
        run_w2s(small(task="no-such-task"))
    with pytest.raises(RuntimeError, match="minilm-l1"):
        run_w2s(small(strong="nobody/no-such-model-w2s"))
    with pytest.raises(ValueError, match="smaller sizes"):
        run_w2s(small(task=f"hf:{statements_dataset}", text_column="sentence", n_train_weak=1000))
    with pytest.raises(ValueError, match="xent, logconf, product"):
        small(losses=["xent", "hinge"])
    with pytest.raises(ValueError, match="probe, finetune"):
        small(mode="lora")
    from datasets import Dataset

    bad = tmp_path / "three-classes"
    Dataset.from_list([{"text": f"s{i}", "label": i % 3} for i in range(30)]).save_to_disk(str(bad))
    with pytest.raises(ValueError, match="binary"):
        run_w2s(small(task=f"hf:{bad}"))


def test_presets_are_valid_configs():
    for name in PRESETS:
        cfg = W2SConfig.from_preset(name)
        assert cfg.seeds and cfg.losses
    with pytest.raises(ValueError, match="default"):
        W2SConfig.from_preset("fast")
    with pytest.raises(ValueError, match="epochs"):
        W2SConfig.from_preset("default", epoch=3)


def test_student_validation_and_early_stopping(monkeypatch):
    seen = []
    real = executor.train_classifier

    def spy(model, inputs, targets, cfg, **kw):
        seen.append((kw["desc"], len(inputs), kw.get("val")))
        return real(model, inputs, targets, cfg, **kw)

    monkeypatch.setattr(executor, "train_classifier", spy)
    cfg = small(val_size=16, eval_every=5, patience=2, probe_epochs=10.0)
    results = {kind: run_w2s(cfg.replace(val_labels=kind)) for kind in ("weak", "ground_truth")}
    students = [s for s in seen if "w2s" in s[0]]
    assert len(students) == 2  # the weak model and the ceiling were trained once and then reused
    for desc, n, val in students:
        assert n == 48 - 16 and val is not None and len(val[0]) == 16  # held out, not trained on
    weak_val, truth_val = students[0][2][1], students[1][2][1]
    assert not np.array_equal(weak_val, truth_val)  # the weak supervisor gets some of them wrong
    for r in results.values():
        curve = r.per_seed[0]["val_curves"]["xent"]
        assert curve["step"] and len(curve["step"]) == len(curve["acc"])
        assert all(0.0 <= a <= 1.0 for a in curve["acc"])
    with pytest.raises(ValueError, match="val_size"):
        small(val_size=48)
    with pytest.raises(ValueError, match="val_labels"):
        small(val_size=8, val_labels="oracle")


def test_cached_results_never_cross_datasets_with_the_same_layout(tmp_path, monkeypatch):
    """Two datasets of the same size and label layout but different texts: the second run must train
    its own models, not read the first one's predictions (row numbers alone would collide)."""
    import datasets

    from w2s_edu.config import W2SConfig
    from w2s_edu.experiment.pipeline import run_w2s

    import random

    rng = random.Random(0)
    words = ["apple", "river", "stone", "cloud", "tiger", "maple", "piano", "glass", "ocean", "candle"]
    for folder in ("learnable", "noise"):  # same size, same labels, so the same split layout
        rows = [{"text": (f"Example {i}: the answer is {'yes' if i % 2 else 'no'}." if folder == "learnable" else
                          f"Example {i}: the {rng.choice(words)} and the {rng.choice(words)}."), "label": i % 2}
                for i in range(120)]
        datasets.Dataset.from_list(rows).save_to_disk(str(tmp_path / folder))
    base = dict(weak="minilm-l1", strong="minilm-l2", mode="probe", seeds=[0], n_train_weak=32,
                n_train_strong=32, n_test=32, probe_epochs=30.0, show_progress=False)
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "shared-cache"))
    first = run_w2s(W2SConfig(task=f"hf:{tmp_path / 'learnable'}", **base))
    assert first.ceiling_acc[0] > 0.9  # the first dataset is easy: its cached predictions are nearly all right
    warm = run_w2s(W2SConfig(task=f"hf:{tmp_path / 'noise'}", **base))
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "fresh-cache"))
    cold = run_w2s(W2SConfig(task=f"hf:{tmp_path / 'noise'}", **base))
    assert warm.correct == cold.correct
