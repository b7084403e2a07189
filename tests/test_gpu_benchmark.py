"""The GPU benchmark script runs on a CPU with a tiny config: every mode, honest MFU, sane numbers."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from w2s_edu.models import params

pytest.importorskip("peft")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("gpu_benchmark", ROOT / "benchmarks" / "gpu_benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_run_measures_every_mode_and_writes_json(bench, tmp_path, capsys):
    out = tmp_path / "bench.json"
    result = bench.main(["--model", "tiny", "--steps", "2", "--warmup", "1", "--seq-len", "16", "--batch-size", "2",
                         "--device", "cpu", "--json", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    rows = {r["mode"]: r for r in result["rows"]}
    assert list(rows) == ["probe", "lora", "finetune"] and all(r["status"] == "ok" for r in rows.values())
    config = bench.model_config("tiny")
    n = params.param_count(config)
    head = 2 * config.hidden_size + 2
    assert rows["finetune"]["params"] == rows["finetune"]["trainable"] == n + head
    assert rows["lora"]["trainable"] == params.lora_param_count(config, 8) + head
    assert rows["probe"]["trainable"] == head
    for r in rows.values():
        assert r["tokens_per_s"] > 0 and r["step_s"] > 0 and r["peak_memory_gib"] > 0
        assert r["tokens_per_s"] == pytest.approx(2 * 16 / r["step_s"])
        assert r["mfu"] is None  # a CPU has no entry in the peak table: no made-up utilisation
    printed = capsys.readouterr().out
    assert "| probe |" in printed and "unknown peak" in printed and "(RSS)" in printed


def test_mfu_uses_the_given_peak(bench, tmp_path):
    result = bench.main(["--model", "tiny", "--modes", "finetune", "--steps", "1", "--warmup", "0", "--seq-len", "8",
                         "--batch-size", "2", "--device", "cpu", "--peak-tflops", "0.5",
                         "--json", str(tmp_path / "b.json")])
    row = result["rows"][0]
    assert row["mfu"] == pytest.approx(row["flops_per_token"] * row["tokens_per_s"] / 0.5e12)


def test_flops_and_peak_tables(bench):
    config = bench.model_config("tiny")  # 2 layers, h=64, i=128, gated MLP, kv heads 2 of 4
    n = 2 * (64 * 64 + 64 + 2 * (64 * 32 + 32) + 64 * 64 + 3 * 64 * 128 + 2 * 64) + 64
    assert params.param_count(config, include_embeddings=False) == n
    assert bench.flops_per_token(config, "finetune", 16) == 6 * n + 12 * 2 * 64 * 16
    assert bench.flops_per_token(config, "lora", 16) == 4 * n + 12 * 2 * 64 * 16
    assert bench.flops_per_token(config, "probe", 16) == 2 * n + 4 * 2 * 64 * 16
    assert bench.peak_tflops("NVIDIA H100 80GB HBM3", "bf16") == 989.0
    assert bench.peak_tflops("NVIDIA H100 PCIe", "bf16") == 756.0
    assert bench.peak_tflops("NVIDIA H200", "fp32") == 67.0
    assert bench.peak_tflops("NVIDIA A100-SXM4-80GB", "fp16") == 312.0
    assert bench.peak_tflops("NVIDIA GeForce RTX 4090", "bf16") is None
    assert bench.model_config("qwen2.5-7b").hidden_size == 3584  # real shapes, no download


def test_bad_mode_is_refused(bench, tmp_path):
    with pytest.raises(SystemExit):
        bench.main(["--model", "tiny", "--modes", "pretrain", "--json", str(tmp_path / "x.json")])
