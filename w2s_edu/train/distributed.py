"""Training on several GPUs (or CPU processes) with accelerate: data parallel (DDP), or sharded (FSDP)
for models whose weights, gradients and optimizer state do not fit on one GPU.

Start it with a launcher; the options are those of ``w2s-edu run``::

    accelerate launch --multi_gpu --num_processes 8 -m w2s_edu.train.distributed run \\
        --weak qwen2.5-0.5b --strong qwen2.5-7b --set train_layers=none --set lr=1e-5 --set precision=bf16
    torchrun --nproc_per_node 8 -m w2s_edu.train.distributed run ...          # the same, with torch's launcher
    python -m w2s_edu.train.distributed fsdp-config --num-processes 8 --out fsdp.yaml
    accelerate launch --config_file fsdp.yaml -m w2s_edu.train.distributed run --strong qwen2.5-14b ...
    accelerate launch --num_processes 2 -m w2s_edu.train.distributed check    # who is there: processes, devices

**Same results as one process.** Each step takes one batch of ``batch_size`` examples, as
:func:`w2s_edu.train.loop.train_classifier` does, in the same order. accelerate splits it into equal,
contiguous shards, one per process (``split_batches``); a short last batch is padded with rows of
weight 0, so every process gets as many rows and the loss is exactly the mean over the real
examples. DDP averages the processes' gradients, which gives the gradient of the whole batch's mean
loss. The confidence losses (logconf, product) build their targets from the logits of the *whole*
batch, gathered from every process, so their threshold is a quantile over the whole batch, as in one
process. Updates then match one process up to floating-point rounding (tests/test_distributed.py).

**Everything else runs in every process**: the splits, the weak probe, feature extraction and
inference are repeated identically, only training is shared. Results are cached as usual; the main
process writes them between barriers, so the cache folder (``W2S_EDU_CACHE``) must be one that every
process sees (on one machine it is). With FSDP every process must call the model together, which
inference does since all of them predict on the same data.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ..models.features import Inputs
from ..losses import loss_targets
from ..experiment.pipeline import LocalExecutor
from .loop import TrainConfig, ValidationTracker, _check_finite, predict_proba, resolve_precision

ACCELERATE_PRECISION = {"fp32": "no", "bf16": "bf16", "fp16": "fp16"}
PAD = -1  # index of a padding row in a batch (weight 0)


def make_accelerator(precision: str | None = None, cpu: bool | None = None):
    """An ``accelerate.Accelerator`` that splits each batch across processes (``split_batches``).

    ``precision`` (fp32, bf16, fp16, auto) sets mixed precision; None keeps what the launcher says
    (``accelerate launch --mixed_precision bf16``), else fp32."""
    from accelerate import Accelerator, DataLoaderConfiguration

    kwargs = {}
    if cpu is None and not torch.cuda.is_available() and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        cpu = True  # several processes and no GPU: accelerate would otherwise run each one alone
    if precision is not None:
        device = "cuda" if torch.cuda.is_available() and not cpu else "cpu"
        kwargs["mixed_precision"] = ACCELERATE_PRECISION[resolve_precision(precision, device)]
    if cpu is not None:
        kwargs["cpu"] = cpu
    return Accelerator(dataloader_config=DataLoaderConfiguration(split_batches=True), **kwargs)


def precision_of(accelerator) -> str:
    """The package's name (fp32, bf16, fp16) for an accelerator's mixed precision."""
    return {v: k for k, v in ACCELERATE_PRECISION.items()}.get(str(accelerator.mixed_precision), "fp32")


class _Rows(torch.utils.data.Dataset):
    """Item i is the row index i: the loader deals out indices, the training loop builds the batch."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        return i


class _FixedBatches(torch.utils.data.Sampler):
    """Yields the given batches of row indices, each padded with ``PAD`` to ``batch_size``."""

    def __init__(self, batches: list[torch.Tensor], batch_size: int):
        self.batches, self.batch_size, self.drop_last = batches, batch_size, False

    def __iter__(self):
        for b in self.batches:
            yield b.tolist() + [PAD] * (self.batch_size - len(b))

    def __len__(self) -> int:
        return len(self.batches)


def _weighted_xent(logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``sum_i w_i * cross_entropy_i`` (the caller divides by the number of real rows)."""
    return -(weights[:, None] * targets * torch.log_softmax(logits, dim=1)).sum()


def _gather_rows(acc, x: torch.Tensor) -> torch.Tensor:
    """The whole batch's rows, in batch order (every shard has the same length)."""
    return acc.gather(x.contiguous())


def train_accelerate(model, inputs: Inputs, targets, cfg: TrainConfig, *, accelerator=None, val: tuple | None = None,
                     desc: str = "training", show_progress: bool = True) -> dict:
    """:func:`w2s_edu.train.loop.train_classifier` through accelerate: the same batches, schedule, clipping,
    losses, micro-batches, validation and history, with each batch shared by every process.

    ``model`` is trained in place (with DDP its weights are identical in every process afterwards).
    ``accelerator``: None builds one with :func:`make_accelerator` (mixed precision from
    ``cfg.precision``). ``cfg.micro_batch_size`` is per process."""
    from torch.utils.data import DataLoader
    from transformers import get_cosine_schedule_with_warmup

    acc = accelerator or make_accelerator(cfg.precision)
    procs, rank = acc.num_processes, acc.process_index
    targets = torch.as_tensor(np.asarray(targets), dtype=torch.float32)
    n = len(inputs)
    if targets.shape != (n, 2):
        raise ValueError(f"targets must have shape ({n}, 2) to match the inputs, got {tuple(targets.shape)}.")
    if cfg.batch_size % procs:
        raise ValueError(f"batch_size ({cfg.batch_size}) must be divisible by the number of processes ({procs}): "
                         "each process takes an equal share of every batch.")
    local = cfg.batch_size // procs
    micro = min(cfg.micro_batch_size or cfg.batch_size, local)
    if (cfg.micro_batch_size or cfg.batch_size) > cfg.batch_size or cfg.batch_size % (cfg.micro_batch_size or 1):
        raise ValueError(f"micro_batch_size ({cfg.micro_batch_size}) must divide batch_size ({cfg.batch_size}).")
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total = max(1, round(cfg.epochs * steps_per_epoch))

    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    batches = [b for _ in range(math.ceil(total / steps_per_epoch))
               for b in torch.randperm(n, generator=gen).split(cfg.batch_size)][:total]
    # its own generator: iterating a DataLoader otherwise draws a seed from the global RNG, and the dropout
    # masks would no longer match train_classifier's
    loader = DataLoader(_Rows(n), batch_sampler=_FixedBatches(batches, cfg.batch_size), collate_fn=torch.tensor,
                        generator=torch.Generator().manual_seed(cfg.seed))

    model.train()
    model = acc.prepare(model)  # FSDP shards the model first; the optimizer then sees the sharded weights
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    opt, loader = acc.prepare(opt, loader)
    sched = get_cosine_schedule_with_warmup(opt, int(cfg.lr_warmup_frac * total), total)
    device = acc.device
    precision = precision_of(acc)

    def forward(rows: torch.Tensor) -> torch.Tensor:
        batch = {k: v.to(device) for k, v in inputs.batch(rows).items()}
        with acc.autocast():
            return model(batch).float()

    tracker = ValidationTracker(total, cfg.patience)
    history = tracker.history
    bar = tqdm(total=total, desc=desc, leave=False, unit="step",
               disable=not show_progress or not acc.is_local_main_process)
    for step, shard in enumerate(loader):
        shard = shard.cpu()
        weights = (shard != PAD).float()
        rows = torch.where(shard == PAD, torch.zeros_like(shard), shard)  # padding rows compute on row 0
        n_real = len(batches[step])
        batch_t = targets[rows]
        chunks = list(range(0, len(rows), micro))

        def whole_batch_targets(logits: torch.Tensor) -> torch.Tensor:
            """This process's rows of the targets that the loss builds from the whole batch's logits."""
            whole = _gather_rows(acc, logits.detach().to(device)).cpu()[:n_real]
            whole_t = _gather_rows(acc, batch_t.to(device)).cpu()[:n_real]
            built = loss_targets(cfg.loss, whole, whole_t, step / total, **cfg.loss_kwargs)
            return torch.cat([built, whole_t.new_zeros(procs * local - n_real, 2)])[rank * local:(rank + 1) * local]

        loss_sum = torch.zeros((), device=device)
        if len(chunks) == 1:  # one forward pass, as train_classifier does (same dropout draws)
            logits = forward(rows)
            if cfg.loss != "xent":
                batch_t = whole_batch_targets(logits.cpu())
            part = _weighted_xent(logits, batch_t.to(device), weights.to(device)) / n_real
            acc.backward(part * procs)  # DDP averages over processes: x procs gives the batch mean
            loss_sum += part.detach()
        else:
            if cfg.loss != "xent":  # targets from the whole batch's logits (the confidence threshold needs them)
                with torch.no_grad():
                    batch_t = whole_batch_targets(torch.cat([forward(rows[s:s + micro]).cpu() for s in chunks]))
            for i, s in enumerate(chunks):
                sync = contextlib.nullcontext() if i == len(chunks) - 1 else acc.no_sync(model)
                with sync:  # gradients are exchanged once, after the last micro-batch
                    part = _weighted_xent(forward(rows[s:s + micro]), batch_t[s:s + micro].to(device),
                                          weights[s:s + micro].to(device)) / n_real
                    acc.backward(part * procs)
                loss_sum += part.detach()
        loss = acc.reduce(loss_sum, reduction="sum")  # the whole batch's mean loss, in every process
        _check_finite(loss, step, total, cfg)
        if cfg.max_grad_norm:
            acc.clip_grad_norm_(params, cfg.max_grad_norm)
        opt.step()
        if not acc.optimizer_step_was_skipped:
            sched.step()
        opt.zero_grad(set_to_none=True)
        history["step"].append(step)
        history["loss"].append(float(loss))
        bar.update()
        bar.set_postfix(loss=f"{float(loss):.3f}")
        if val is not None and cfg.eval_every and ((step + 1) % cfg.eval_every == 0 or step + 1 == total):
            probs = predict_proba(model, val[0], device=str(device), precision=precision)
            acc_val = float((probs.argmax(1) == np.asarray(val[1])).mean())
            model.train()
            if tracker.update(step, acc_val, acc.unwrap_model(model)):
                break
    bar.close()
    tracker.restore_best(acc.unwrap_model(model))
    model.eval()
    acc.free_memory()  # the accelerator forgets this model, optimizer and loader (the pipeline trains many)
    return history


class AccelerateExecutor(LocalExecutor):
    """The pipeline's training through :func:`train_accelerate`; the main process writes the cache.

    ``cached`` and ``write`` are barriers: between two of them no process writes, so every process
    sees the same cache and takes the same branch (a process that trained while another read a cached
    result would wait forever for the others in the next collective call)."""

    def __init__(self, accelerator):
        self.acc = accelerator

    def train(self, model, inputs: Inputs, targets, cfg: TrainConfig, **kwargs) -> dict:
        return train_accelerate(model, inputs, targets, cfg, accelerator=self.acc, **kwargs)

    def predict(self, model, inputs: Inputs, cfg: TrainConfig) -> np.ndarray:
        return predict_proba(model, inputs, device=str(self.acc.device), precision=precision_of(self.acc))

    def cached(self, path) -> bool:
        self.acc.wait_for_everyone()
        return Path(path).exists()

    def write(self, path, write) -> None:
        if self.acc.is_main_process:
            super().write(path, write)
        self.acc.wait_for_everyone()


# ------------------------------------------------------------------------------------------ FSDP config
def fsdp_config(num_processes: int = 8, precision: str = "bf16", activation_checkpointing: bool = False,
                offload_params: bool = False) -> str:
    """An ``accelerate launch --config_file`` YAML for FSDP (version 2) on one machine.

    Each transformer block becomes one FSDP unit (accelerate finds the block class from the model's
    ``_no_split_modules``); weights, gradients and AdamW state are sharded over the processes, so a
    full finetune needs about 18 bytes per parameter / ``num_processes`` per GPU, plus activations
    (``w2s_edu.scale.memory``). ``offload_params`` keeps the shards in CPU memory (slow, for the largest models)."""
    if precision not in ACCELERATE_PRECISION:
        raise ValueError(f"precision must be one of {', '.join(ACCELERATE_PRECISION)}; got {precision!r}.")
    if num_processes < 1:
        raise ValueError(f"num_processes must be at least 1, got {num_processes}.")
    flag = {True: "true", False: "false"}
    return "\n".join([
        "# accelerate launch --config_file <this file> -m w2s_edu.train.distributed run ...",
        "compute_environment: LOCAL_MACHINE",
        "distributed_type: FSDP",
        f"mixed_precision: {ACCELERATE_PRECISION[precision]}",
        "num_machines: 1",
        f"num_processes: {num_processes}",
        "machine_rank: 0",
        "use_cpu: false",
        "fsdp_config:",
        "  fsdp_version: 2",
        "  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP",
        "  fsdp_reshard_after_forward: true",
        "  fsdp_state_dict_type: SHARDED_STATE_DICT",
        f"  fsdp_offload_params: {flag[offload_params]}",
        f"  fsdp_activation_checkpointing: {flag[activation_checkpointing]}",
        "  fsdp_cpu_ram_efficient_loading: false",
        "",
    ])


# ------------------------------------------------------------------------------------------ command line
def cmd_run(args) -> int:
    from ..cli.main import _config
    from ..experiment.pipeline import executor, run_w2s
    from ..experiment.results import check_out_dir

    cfg = _config(args, weak=args.weak, strong=args.strong)
    acc = make_accelerator(None if cfg.precision == "fp32" else cfg.precision, cpu=args.cpu or None)
    cfg = cfg.replace(precision=precision_of(acc), show_progress=cfg.show_progress and acc.is_local_main_process)
    out = check_out_dir(args.out) if acc.is_main_process else None
    if acc.is_main_process:
        print(f"Running {cfg.task} on {acc.num_processes} process(es) ({acc.distributed_type}, {acc.device}, "
              f"precision {cfg.precision}): {cfg.weak} ({cfg.weak_mode or cfg.mode}) supervises {cfg.strong} "
              f"({cfg.mode})", flush=True)
    with executor(AccelerateExecutor(acc)):
        result = run_w2s(cfg)
    if acc.is_main_process:
        path = result.save(out)
        print(result.table())
        print(f"\nwrote {path} and {out / 'results.png'}")
    acc.wait_for_everyone()
    acc.end_training()
    return 0


def cmd_check(args) -> int:
    acc = make_accelerator(cpu=args.cpu or None)
    print(f"process {acc.process_index} of {acc.num_processes}: {acc.distributed_type}, device {acc.device}, "
          f"mixed precision {acc.mixed_precision}", flush=True)
    acc.wait_for_everyone()
    return 0


def cmd_fsdp_config(args) -> int:
    text = fsdp_config(args.num_processes, args.precision, args.activation_checkpointing, args.offload_params)
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}: accelerate launch --config_file {args.out} -m w2s_edu.train.distributed run ...")
    else:
        print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from ..cli.main import _add_experiment_args

    parser = argparse.ArgumentParser(prog="python -m w2s_edu.train.distributed",
                                     description="w2s-edu on several GPUs or processes (start it with "
                                                 "accelerate launch or torchrun).")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="one experiment, every model trained across all processes")
    _add_experiment_args(run)
    run.add_argument("--weak", help="weak supervisor model (minilm-l1..l6, a ladder name, hub id or folder)")
    run.add_argument("--strong", help="strong student model")
    run.add_argument("--cpu", action="store_true", help="use CPU processes (gloo) even when GPUs are present")
    run.set_defaults(func=cmd_run)
    check = sub.add_parser("check", help="each process prints its rank, device and precision")
    check.add_argument("--cpu", action="store_true", help="CPU processes (gloo)")
    check.set_defaults(func=cmd_check)
    fsdp = sub.add_parser("fsdp-config", help="write an accelerate config file for FSDP")
    fsdp.add_argument("--num-processes", type=int, default=8, help="GPUs on this machine (default 8)")
    fsdp.add_argument("--precision", default="bf16", choices=sorted(ACCELERATE_PRECISION))
    fsdp.add_argument("--activation-checkpointing", action="store_true")
    fsdp.add_argument("--offload-params", action="store_true")
    fsdp.add_argument("--out", help="file to write (default: print it)")
    fsdp.set_defaults(func=cmd_fsdp_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except (ValueError, RuntimeError, FileNotFoundError, FloatingPointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
