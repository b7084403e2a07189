"""Training throughput, peak memory and model FLOPs utilisation of probe, LoRA and full finetuning.

    python benchmarks/gpu_benchmark.py --model qwen2.5-0.5b                    # the three modes, bf16 on a GPU
    python benchmarks/gpu_benchmark.py --model qwen2.5-7b --modes probe,lora --gradient-checkpointing
    python benchmarks/gpu_benchmark.py --model gpt2-xl --seq-len 256 --batch-size 16 --json gpt2xl.json
    python benchmarks/gpu_benchmark.py --model tiny --steps 2 --seq-len 16      # seconds on a CPU (the test)

Nothing is downloaded: each model is built with *random* weights from its ladder config
(:mod:`w2s_edu.models.registry`: gpt2 ... gpt2-xl, pythia-*, qwen2.5-0.5b ... qwen2.5-32b), directly on the
device, in the dtype the pipeline would load it in (bf16/fp16 for the frozen weights of a probe or a
LoRA student under mixed precision, fp32 otherwise). Speed does not depend on the weights' values.

Each mode runs what the package runs for it, on random token ids (micro-batch ``--batch-size`` x
``--seq-len``, no padding), ``--warmup`` untimed steps then ``--steps`` timed ones:

* ``probe``: the frozen backbone's forward pass without gradients (feature extraction; the linear
  head then trains on cached features in seconds);
* ``lora``: LoRA adapters (``--lora-r``) on :data:`w2s_edu.models.backbones.LORA_TARGETS`, forward, backward,
  AdamW step;
* ``finetune``: every weight trains, AdamW.

Model FLOPs per token (PaLM, Chowdhery et al. 2022, appendix B; N = parameters without embeddings,
L layers, h hidden size, s tokens per sequence): training ``6 N + 12 L h s``; LoRA ``4 N + 12 L h s``
(the backward pass computes gradients of the activations, not of the frozen weights; the adapters'
own FLOPs are negligible); probe (forward only) ``2 N + 4 L h s``. Gradient checkpointing recomputes
the forward pass, which is *not* counted (it is overhead, as in MFU's definition). MFU = model FLOPs
per second / the GPU's peak dense FLOPs for the precision (table below: H100, H200, A100; other
devices, CPUs included, get no MFU unless ``--peak-tflops`` says). Peak memory is
``torch.cuda.max_memory_allocated`` on a GPU and the process's peak resident memory on a CPU (which
includes Python and torch themselves); the estimate column is :func:`w2s_edu.scale.memory.estimate_memory`.

Prints a markdown table and writes every number to ``--json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import sys
import time
from pathlib import Path

import torch

from w2s_edu.models import params
from w2s_edu.models.registry import format_params, get_rung
from w2s_edu.scale import memory
from w2s_edu.models.classifiers import TransformerClassifier
from w2s_edu.models.backbones import _dtype_kwarg, apply_lora, enable_gradient_checkpointing, trainable_parameters
from w2s_edu.train.loop import autocast, resolve_precision

# Peak dense tensor-core TFLOPS (bf16 = fp16) and plain fp32 (torch does not use TF32 for matmuls unless
# told to), from NVIDIA's datasheets (their "with sparsity" figures halved). Matched in this order.
PEAK_TFLOPS = [
    ("H200", {"bf16": 989.0, "fp16": 989.0, "fp32": 67.0}),
    ("H100 NVL", {"bf16": 835.0, "fp16": 835.0, "fp32": 60.0}),
    ("H100 PCIe", {"bf16": 756.0, "fp16": 756.0, "fp32": 51.0}),
    ("H100", {"bf16": 989.0, "fp16": 989.0, "fp32": 67.0}),  # SXM ("NVIDIA H100 80GB HBM3")
    ("A100", {"bf16": 312.0, "fp16": 312.0, "fp32": 19.5}),
]
MODES = ("probe", "lora", "finetune")
TINY = {"model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 1000, "max_position_embeddings": 512}


def peak_tflops(device_name: str, precision: str) -> float | None:
    """The table's peak for a device name such as 'NVIDIA H100 80GB HBM3', or None when unknown."""
    for key, peaks in PEAK_TFLOPS:
        if all(part.lower() in device_name.lower() for part in key.split()):
            return peaks[precision]
    return None


def model_config(name: str):
    from transformers import AutoConfig

    if name == "tiny":
        arch = dict(TINY)
        return AutoConfig.for_model(arch.pop("model_type"), **arch)
    return get_rung(name).config()


def flops_per_token(config, mode: str, seq_len: int) -> float:
    s = params.Shape.of(config)
    n = params.param_count(config, include_embeddings=False)
    attention = s.layers * s.hidden * seq_len
    return {"finetune": 6 * n + 12 * attention, "lora": 4 * n + 12 * attention, "probe": 2 * n + 4 * attention}[mode]


def _peak_memory_bytes(device: str) -> int:
    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports kilobytes


def _build(config, mode: str, precision: str, device: str, args):
    """The classifier the pipeline would train in ``mode``, with random weights, on ``device``."""
    from transformers import AutoModel

    half = precision != "fp32" and device.startswith("cuda") and mode in ("probe", "lora")
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision) if half else torch.float32
    with torch.device(device):
        backbone = AutoModel.from_config(config, **{_dtype_kwarg(): dtype})
        if args.gradient_checkpointing and mode != "probe":
            enable_gradient_checkpointing(backbone)
        if mode == "lora":
            backbone = apply_lora(backbone, r=args.lora_r)
        model = TransformerClassifier(backbone)
        if mode == "probe":  # the backbone only encodes; the head trains later on cached features
            backbone.requires_grad_(False)
    return model


def run_mode(config, mode: str, precision: str, device: str, args) -> dict:
    """Time ``args.steps`` steps of ``mode`` after ``args.warmup``; returns one row of the table."""
    torch.manual_seed(args.seed)
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    model = _build(config, mode, precision, device, args)
    trainable, total = trainable_parameters(model)
    model.train(mode != "probe")
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5) if mode != "probe" else None
    scaler = torch.amp.GradScaler(device.split(":")[0], enabled=precision == "fp16" and mode != "probe")
    gen = torch.Generator().manual_seed(args.seed)
    ids = torch.randint(0, config.vocab_size, (args.batch_size, args.seq_len), generator=gen).to(device)
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    labels = torch.randint(0, 2, (args.batch_size,), generator=gen).to(device)

    def step():
        if mode == "probe":
            with torch.no_grad(), autocast(device, precision):
                model(batch)
            return
        with autocast(device, precision):
            logits = model(batch).float()
        scaler.scale(torch.nn.functional.cross_entropy(logits, labels)).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)

    def sync():
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    for _ in range(args.warmup):
        step()
    sync()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync()
    seconds = (time.perf_counter() - start) / args.steps
    tokens_per_s = args.batch_size * args.seq_len / seconds
    fpt = flops_per_token(config, mode, args.seq_len)
    peak = args.peak_tflops or peak_tflops(args.device_name, precision)
    est = memory.estimate_memory(config, mode, precision=precision, micro_batch_size=args.batch_size,
                                 seq_len=args.seq_len, gradient_checkpointing=args.gradient_checkpointing,
                                 lora_r=args.lora_r)
    row = {"mode": mode, "params": total, "trainable": trainable, "step_s": seconds, "tokens_per_s": tokens_per_s,
           "flops_per_token": fpt, "model_tflops": fpt * tokens_per_s / 1e12,
           "mfu": None if peak is None else fpt * tokens_per_s / (peak * 1e12),
           "peak_memory_gib": _peak_memory_bytes(device) / memory.GIB, "estimated_memory_gib": est.gib(),
           "status": "ok"}
    return row


def table(result: dict) -> str:
    lines = [f"**{result['model']}** on {result['device_name']} ({result['precision']}, micro-batch "
             f"{result['batch_size']} x {result['seq_len']} tokens, {result['steps']} timed steps"
             + (", gradient checkpointing" if result["gradient_checkpointing"] else "") + ")", "",
             "| mode | params | trainable | tokens/s | step (s) | model TFLOPS | MFU | peak memory (GiB) "
             "| estimate (GiB) |", "|---|---|---|---|---|---|---|---|---|"]
    memory_kind = "" if result["device"].startswith("cuda") else " (RSS)"
    for r in result["rows"]:
        if r["status"] != "ok":
            lines.append(f"| {r['mode']} | | | {r['status']} | | | | | {r.get('estimated_memory_gib', 0):.1f} |")
            continue
        mfu = "unknown peak" if r["mfu"] is None else f"{100 * r['mfu']:.1f}%"
        lines.append(f"| {r['mode']} | {format_params(r['params'])} | {format_params(r['trainable'])} "
                     f"| {r['tokens_per_s']:,.0f} | {r['step_s']:.3g} | {r['model_tflops']:.3g} | {mfu} "
                     f"| {r['peak_memory_gib']:.2f}{memory_kind} | {r['estimated_memory_gib']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="qwen2.5-0.5b", help="a ladder name (w2s-edu models) or 'tiny'")
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated: probe, lora, finetune")
    p.add_argument("--seq-len", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=8, help="micro-batch: sequences per forward pass")
    p.add_argument("--steps", type=int, default=10, help="timed steps")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"])
    p.add_argument("--gradient-checkpointing", action="store_true")
    p.add_argument("--lora-r", type=int, default=8)
    p.add_argument("--device", default=None, help="cuda or cpu (default: cuda when there is one)")
    p.add_argument("--peak-tflops", type=float, default=None, help="peak FLOPS of an unlisted device, in TFLOPS")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default="gpu_benchmark.json", help="where to write the numbers")
    args = p.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        p.error(f"unknown mode(s) {', '.join(bad) or '(none)'}; choose from {', '.join(MODES)}")
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    precision = resolve_precision(args.precision, device)
    args.device_name = torch.cuda.get_device_name(device) if device.startswith("cuda") else (
        f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)")
    config = model_config(args.model)
    result = {"model": args.model, "device": device, "device_name": args.device_name, "precision": precision,
              "torch": torch.__version__, "batch_size": args.batch_size, "seq_len": args.seq_len,
              "steps": args.steps, "warmup": args.warmup, "gradient_checkpointing": args.gradient_checkpointing,
              "lora_r": args.lora_r, "rows": []}
    for mode in modes:
        try:
            row = run_mode(config, mode, precision, device, args)
        except torch.cuda.OutOfMemoryError:
            est = memory.estimate_memory(config, mode, precision=precision, micro_batch_size=args.batch_size,
                                         seq_len=args.seq_len, gradient_checkpointing=args.gradient_checkpointing,
                                         lora_r=args.lora_r)
            row = {"mode": mode, "status": "out of memory", "estimated_memory_gib": est.gib()}
            gc.collect()
            torch.cuda.empty_cache()
        result["rows"].append(row)
        print(f"{mode}: done", file=sys.stderr, flush=True)
    print(table(result))
    Path(args.json).write_text(json.dumps(result, indent=2))
    print(f"\nwrote {args.json}")
    return result


if __name__ == "__main__":
    main()
