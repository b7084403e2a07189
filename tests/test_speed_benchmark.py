"""benchmarks/speed.py on tiny settings: the phases of a text task and of a reward task are timed where
the pipeline calls them, with the same numbers as a plain run, and the report is written. (No timing
assertions: it is a benchmark.)"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from w2s_edu.config import W2SConfig
from w2s_edu.experiment.pipeline import run_w2s

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("speed", ROOT / "benchmarks" / "speed.py")
speed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(speed)

TINY = dict(seeds=[0], n_train_weak=32, n_train_strong=32, n_test=32, show_progress=False, weak="minilm-l1",
            strong="minilm-l2", mode="finetune", train_layers=1, epochs=1.0, batch_size=16)


def groups(phases) -> dict:
    return {g["group"]: g for g in speed.summarize(phases.rows, peak_gflops=100.0)}


def test_a_reward_preset_is_timed_phase_by_phase_with_its_own_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / "cold"))  # cold, as the benchmark runs: every model trains
    cfg = W2SConfig(**TINY, task="reward:categories")
    phases = speed.Phases()
    result, captured = speed.phase_by_phase(cfg, phases)
    phases.memory.stop()
    assert result.ceiling_acc == run_w2s(cfg).ceiling_acc  # timing changes nothing
    g = groups(phases)
    assert {"task", "load", "encode", "train probe", "train finetune", "predict finetune", "metrics"} <= set(g)
    assert g["train finetune"]["count"] == 2 and g["train finetune"]["gflops"] > 0
    assert "raw" in captured and speed.raw_training(captured["raw"]) > 0
    pair = next(r for r in phases.rows if r["group"] == "train finetune")
    assert pair["tokens"] > 2 * pair["examples"]  # both replies of every pair are counted


def test_the_benchmark_writes_its_json_and_table(tmp_path):
    assert speed.main(["--preset", "smoke", "--no-cli", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "speed-smoke.json").read_text())
    assert report["raw"]["ratio"] > 0 and report["groups"]
    table = (tmp_path / "speed-smoke.md").read_text()
    assert "pipeline / raw" in table and "| train finetune |" in table
