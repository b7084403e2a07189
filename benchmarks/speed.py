"""Where the main job's time and memory go, phase by phase, from a cold cache.

    python benchmarks/speed.py                     # the default main job (3 seeds, 9 models)
    python benchmarks/speed.py --preset quick      # `w2s-edu run --quick`
    python benchmarks/speed.py --preset showcase   # `w2s-edu run --preset showcase` (reward pairs)
    python benchmarks/speed.py --no-cli            # skip the end-to-end `w2s-edu run` timing
    python benchmarks/speed.py --one-process-too   # also end to end with W2S_EDU_WORKERS=1

Everything runs against a fresh, empty cache folder (``W2S_EDU_CACHE`` in a temporary directory), so
every model trains and every text is encoded, as on a learner's first run. It measures:

1. **End to end**: ``w2s-edu run`` started as a user starts it, in a new process (imports included),
   with the default executor (on a Linux CPU with two or more cores, models train side by side in
   worker processes: :class:`w2s_edu.train.executor.ParallelExecutor`); ``--one-process-too`` also
   times it with ``W2S_EDU_WORKERS=1`` (one model at a time), the gain of the workers.
2. **Phase by phase**, the same job in this process, one model at a time, through
   :func:`w2s_edu.experiment.run_w2s` (:func:`w2s_edu.experiment.run_reward_w2s` for a reward preset), with
   each stage timed where the pipeline calls it (task generation, splits, loading a model, encoding
   its texts, each model's training and prediction, metrics) and the peak resident memory of the
   process during each phase (sampled every 10 ms).
3. **Raw**: the first strong student's training redone as a plain eager PyTorch loop (the same
   classifier, inputs, batches, number of steps and soft-label cross-entropy; AdamW, no schedule,
   clipping or progress bar). ``pipeline / raw`` is the figure that carries across machines.
4. **FLOP/s**: the finetunes' estimated FLOPs (forward 2 x trained parameters x tokens, training
   3x that) over their time, against this machine's fp32 matrix-multiply rate measured here (a
   practical peak, not the vendor's figure).

Writes ``benchmarks/results/speed-<preset>.json`` and ``.md`` (``--out`` elsewhere). There are no
timing assertions in the tests: this is a benchmark; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------------------ memory
def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return 0.0


class PeakMemory:
    """A background sampler of resident memory: ``reset()`` starts a phase, ``peak`` is its maximum."""

    def __init__(self, every: float = 0.01):
        self.every, self.peak, self._stop = every, rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, rss_mb())

    def reset(self) -> None:
        self.peak = rss_mb()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class Phases:
    """Timed phases in order: ``with phases("train ceiling seed 0"): ...`` records seconds and peak MB."""

    def __init__(self):
        self.rows: list[dict] = []
        self.memory = PeakMemory()

    @contextlib.contextmanager
    def __call__(self, name: str, group: str, **extra):
        self.memory.reset()
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.rows.append({"phase": name, "group": group, "seconds": time.perf_counter() - t0,
                              "peak_rss_mb": self.memory.peak, **extra})


# ------------------------------------------------------------------------------------------ the parts
def end_to_end(preset: str, cache_dir: str, workers: str | None = None) -> dict:
    """``w2s-edu run --preset <preset>`` in a new process, cold cache: the wall time a user waits
    (``workers``: a ``W2S_EDU_WORKERS`` setting; None: the default executor)."""
    env = os.environ | {"W2S_EDU_CACHE": cache_dir, "HF_HUB_OFFLINE": "1", "W2S_EDU_PROGRESS": "off"}
    env.pop("W2S_EDU_WORKERS", None)
    if workers is not None:
        env["W2S_EDU_WORKERS"] = workers
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "w2s_edu.cli.main", "run", "--preset", preset, "--out", out]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"`{' '.join(cmd[2:])}` failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    prefix = f"W2S_EDU_WORKERS={workers} " if workers is not None else ""
    return {"command": f"{prefix}w2s-edu run --preset {preset}", "seconds": seconds}


def import_seconds() -> float:
    """Seconds a new process takes to import the package's experiment layer (torch, transformers...)."""
    code = ("import time; t = time.perf_counter(); import w2s_edu.experiment.pipeline, w2s_edu.models.backbones, "
            "transformers.modeling_utils; print(time.perf_counter() - t)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def matmul_peak(n: int = 2048, repeats: int = 8) -> float:
    """This machine's fp32 matrix-multiply rate in GFLOP/s, with torch's current thread count."""
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - t0) / 1e9


def trained_layer_params(model) -> int:
    """Parameters the forward pass multiplies tokens through and training updates (embeddings left out)."""
    return sum(p.numel() for name, p in model.named_parameters() if p.requires_grad and "embeddings" not in name)


def tokens_of(inputs) -> int:
    """Tokens a forward pass over ``inputs`` reads (both texts of each pair for reward models)."""
    if hasattr(inputs, "base"):  # PairInputs
        lengths = inputs.base.lengths()
        return int(lengths[inputs.a].sum() + lengths[inputs.b].sum())
    return int(inputs.lengths().sum())


def phase_by_phase(cfg, phases: Phases) -> tuple:
    """The job of ``cfg`` (``run_w2s``, or ``run_reward_w2s`` for a ``reward:`` task) with each stage timed
    where the pipeline calls it; returns (result, captured), where ``captured`` holds what the raw loop
    needs to redo the first student's training."""
    from w2s_edu.experiment import pipeline, reward
    from w2s_edu.train.executor import LocalExecutor

    pairs = cfg.task.startswith("reward:")
    module = reward if pairs else pipeline
    role_name = "RewardRole" if pairs else "ModelRole"
    task_fn = "load_reward_pairs" if pairs else "get_task"
    captured: dict = {}
    real = {name: getattr(module, name) for name in (task_fn, "prepare_seeds", "summarize_seeds", role_name)}

    def timed(name, group, fn):
        def wrapper(*args, **kwargs):
            with phases(name, group):
                return fn(*args, **kwargs)
        return wrapper

    class TimedRole(real[role_name]):
        def __init__(self, name, mode, cfg, *rest):
            with phases(f"load {name} ({mode})", "load"):
                super().__init__(name, mode, cfg, *rest)
            captured.setdefault("roles", {})[name] = self

        def inputs(self, texts):
            with phases(f"encode {len(texts)} texts for {self.name} ({self.kind})", "encode"):
                return super().inputs(texts)

    class TimedExecutor(LocalExecutor):
        def train(self, model, inputs, targets, cfg, **kwargs):
            desc = kwargs.get("desc", "model")
            extra = {"examples": len(inputs), "epochs": cfg.epochs}
            if " w2s " in f" {desc} " and "raw" not in captured:
                import copy
                captured["raw"] = {"model": copy.deepcopy(model), "inputs": inputs, "targets": targets, "cfg": cfg}
            finetune = not is_probe(model)
            if finetune:
                extra |= {"tokens": tokens_of(inputs), "params": trained_layer_params(model)}
            with phases(f"train {desc}", "train finetune" if finetune else "train probe", **extra):
                history = super().train(model, inputs, targets, cfg, **kwargs)
            phases.rows[-1]["steps"] = len(history["loss"])
            return history

        def predict(self, model, inputs, cfg):
            finetune = not is_probe(model)
            extra = {"examples": len(inputs)}
            if finetune:
                extra |= {"tokens": tokens_of(inputs), "params": trained_layer_params(model)}
            with phases(f"predict {len(inputs)}", "predict finetune" if finetune else "predict probe", **extra):
                return super().predict(model, inputs, cfg)

    setattr(module, task_fn, timed("generate the task", "task", real[task_fn]))
    module.prepare_seeds = timed("split the seeds", "task", real["prepare_seeds"])
    module.summarize_seeds = timed("metrics and intervals", "metrics", real["summarize_seeds"])
    setattr(module, role_name, TimedRole)
    try:
        run = reward.run_reward_w2s if pairs else pipeline.run_w2s
        result = run(cfg, executor=TimedExecutor())
    finally:
        for name, fn in real.items():
            setattr(module, name, fn)
    return result, captured


def is_probe(model) -> bool:
    """A linear head on cached features (a reward model wraps its scorer)."""
    return type(getattr(model, "scorer", model)).__name__.startswith("LinearProbe")


def raw_training(raw: dict) -> float:
    """Seconds for the same training as a plain eager loop: same model, inputs, batches, step count."""
    import math

    import torch
    import torch.nn.functional as F

    model, inputs, cfg = raw["model"], raw["inputs"], raw["cfg"]
    targets = torch.as_tensor(raw["targets"], dtype=torch.float32)
    n = len(inputs)
    per_epoch = math.ceil(n / cfg.batch_size)
    total = max(1, round(cfg.epochs * per_epoch))
    gen = torch.Generator().manual_seed(cfg.seed)
    batches = [b for _ in range(math.ceil(total / per_epoch))
               for b in torch.randperm(n, generator=gen).split(cfg.batch_size)][:total]
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    t0 = time.perf_counter()
    for idx in batches:
        logits = model(inputs.batch(idx))
        loss = -(targets[idx] * F.log_softmax(logits, dim=-1)).sum(-1).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    return time.perf_counter() - t0


# ------------------------------------------------------------------------------------------ report
def summarize(rows: list[dict], peak_gflops: float) -> list[dict]:
    groups: dict[str, dict] = {}
    for r in rows:
        g = groups.setdefault(r["group"], {"group": r["group"], "count": 0, "seconds": 0.0, "peak_rss_mb": 0.0,
                                           "flop": 0.0})
        g["count"] += 1
        g["seconds"] += r["seconds"]
        g["peak_rss_mb"] = max(g["peak_rss_mb"], r["peak_rss_mb"])
        if "tokens" in r:  # forward: 2 FLOP per parameter per token; training: forward + backward (3x)
            per_pass = 2 * r["params"] * r["tokens"]
            g["flop"] += per_pass * (3 * r["epochs"] if r["group"].startswith("train") else 1)
    for g in groups.values():
        if g["flop"]:
            g["gflops"] = g["flop"] / g["seconds"] / 1e9
            g["of_peak"] = g["gflops"] / peak_gflops
    return list(groups.values())


def markdown(report: dict) -> str:
    lines = [f"# Speed: `{report['command']}`, cold cache", "",
             f"{report['machine']['cpus']} CPU cores, {report['machine']['torch_threads']} torch threads, torch "
             f"{report['machine']['torch']}, {report['machine']['platform']}; {report['date']}.", ""]
    if report.get("end_to_end"):
        lines += [f"**End to end** (`{report['end_to_end']['command']}`, a new process): "
                  f"**{report['end_to_end']['seconds']:.0f} s**.", ""]
    if report.get("end_to_end_one_process"):
        one = report["end_to_end_one_process"]
        lines += [f"End to end, one model at a time (`{one['command']}`): {one['seconds']:.0f} s.", ""]
    lines += [f"Phase by phase, in one process ({report['in_process_seconds']:.0f} s in all; imports in a new "
              f"process: {report['import_seconds']:.1f} s):", "",
              "| phase | count | seconds | share | peak RSS (MB) | GFLOP/s | of peak |",
              "|---|---|---|---|---|---|---|"]
    total = report["in_process_seconds"]
    for g in report["groups"]:
        flops = f"{g['gflops']:.1f} | {g['of_peak']:.0%}" if "gflops" in g else "- | -"
        lines.append(f"| {g['group']} | {g['count']} | {g['seconds']:.1f} | {g['seconds'] / total:.0%} | "
                     f"{g['peak_rss_mb']:.0f} | {flops} |")
    raw = report.get("raw")
    if raw:
        lines += ["", f"The first student's training: pipeline {raw['pipeline_seconds']:.1f} s, plain eager loop "
                      f"{raw['raw_seconds']:.1f} s, **pipeline / raw = {raw['ratio']:.2f}**.",
                  f"fp32 matrix-multiply rate measured here (the 'peak'): {report['peak_gflops']:.0f} GFLOP/s."]
    lines += ["", "Every model:", "", "| phase | seconds | peak RSS (MB) |", "|---|---|---|"]
    lines += [f"| {r['phase']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} |" for r in report["phases"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="default", choices=["default", "quick", "showcase", "smoke"])
    p.add_argument("--one-process-too", action="store_true",
                   help="also time the end-to-end run with W2S_EDU_WORKERS=1 (one model at a time)")
    p.add_argument("--no-cli", action="store_true", help="skip the end-to-end `w2s-edu run` timing")
    p.add_argument("--no-raw", action="store_true", help="skip the plain-PyTorch comparison")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    report: dict = {"command": f"python benchmarks/speed.py --preset {args.preset}",
                    "date": time.strftime("%Y-%m-%d %H:%M"), "import_seconds": import_seconds()}
    if not args.no_cli:
        with tempfile.TemporaryDirectory() as cold:
            report["end_to_end"] = end_to_end(args.preset, cold)
            print(f"end to end: {report['end_to_end']['seconds']:.1f} s", flush=True)
        if args.one_process_too:
            with tempfile.TemporaryDirectory() as cold:
                report["end_to_end_one_process"] = end_to_end(args.preset, cold, workers="1")
                print(f"end to end, one process: {report['end_to_end_one_process']['seconds']:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as cold:
        os.environ["W2S_EDU_CACHE"] = cold
        import torch

        from w2s_edu.config import W2SConfig

        cfg = W2SConfig.from_preset(args.preset, show_progress=False)
        phases = Phases()
        t0 = time.perf_counter()
        result, captured = phase_by_phase(cfg, phases)
        report["in_process_seconds"] = time.perf_counter() - t0
        phases.memory.stop()
        report["peak_gflops"] = matmul_peak()
        report["machine"] = {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                             "torch": torch.__version__, "platform": platform.platform(),
                             "process_peak_rss_mb": phases.memory.peak}
        report["phases"] = phases.rows
        report["groups"] = summarize(phases.rows, report["peak_gflops"])
        report["result"] = {"weak_acc": result.weak_acc, "ceiling_acc": result.ceiling_acc, "w2s_acc": result.w2s_acc}
        if not args.no_raw and "raw" in captured:
            first = next(r for r in phases.rows if r["phase"].startswith("train") and " w2s " in r["phase"])
            raw_s = raw_training(captured["raw"])
            report["raw"] = {"pipeline_seconds": first["seconds"], "raw_seconds": raw_s,
                             "ratio": first["seconds"] / raw_s}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"speed-{args.preset}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    print(f"wrote {stem}.json and {stem}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
