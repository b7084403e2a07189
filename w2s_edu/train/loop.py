"""Training and inference for any classifier of :mod:`w2s_edu.models.backbones`.

One loop serves the weak model, the strong ceiling and the weak-to-strong student: AdamW with a
linear warmup then cosine decay (``transformers.get_cosine_schedule_with_warmup``), batches split
into micro-batches when memory is short (gradient accumulation), optional periodic evaluation on a
validation split with early stopping, a progress bar, and a history of what happened.

Micro-batching keeps the batch semantics of the confidence loss: its threshold is a quantile over
the *whole* batch. Every loss here is a cross-entropy against a (detached) target built from the
batch's predictions, so we first compute the whole batch's logits without gradients, build the
targets once, then run the micro-batches with gradients against those targets.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from ..config import PRECISIONS
from ..models.features import Inputs, length_sorted_batches
from ..losses import compute_loss, loss_targets, xent_loss


def pick_device(preference: str | None = None) -> str:
    """``preference`` if given, else cuda, then Apple's mps, then cpu."""
    if preference:
        return preference
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


_AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_precision(precision: str, device: str) -> str:
    """``"auto"`` -> bf16 on a GPU that supports it, else fp16 on a GPU (with a GradScaler), fp32 on
    CPU and mps; any other choice is returned unchanged (bf16 autocast also runs on CPU, slowly)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}.")
    if precision != "auto":
        return precision
    if str(device).startswith("cuda"):
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "fp32"


def autocast(device: str, precision: str):
    """``torch.autocast`` in bf16/fp16 for ``precision``, or a no-op context for fp32: matrix
    multiplications run in half precision while the weights (and the optimizer) stay fp32."""
    precision = resolve_precision(precision, device)
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=str(device).split(":")[0], dtype=_AUTOCAST_DTYPES[precision])


@dataclass
class TrainConfig:
    """Hyperparameters of one training run. CPU-friendly defaults; see README for GPU settings."""

    epochs: float = 2.0
    lr: float = 5e-5
    batch_size: int = 32
    micro_batch_size: int | None = None  # None: the whole batch at once
    weight_decay: float = 0.0
    lr_warmup_frac: float = 0.1  # of all steps, for the learning-rate schedule
    max_grad_norm: float | None = 1.0
    loss: str = "xent"
    loss_kwargs: dict = field(default_factory=dict)  # e.g. {"aux_coef": 0.25, "warmup_frac": 0.2}
    eval_every: int | None = None  # steps between validation evaluations (None: never)
    patience: int | None = None  # evaluations without improvement before stopping early
    seed: int = 0
    device: str | None = None
    precision: str = "fp32"  # fp32, bf16, fp16 (autocast; fp16 with a GradScaler) or auto

    def to_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


def _to(batch: dict, device: str) -> dict:
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}


@torch.no_grad()
def predict_proba(model, inputs: Inputs, batch_size: int = 256, device: str | None = None,
                  precision: str = "fp32") -> np.ndarray:
    """Class probabilities (N, 2) for every example, computed in length-sorted batches."""
    device = pick_device(device)
    model.to(device).eval()
    out = torch.empty(len(inputs), 2)
    for idx in length_sorted_batches(inputs.lengths(), batch_size):
        with autocast(device, precision):
            logits = model(_to(inputs.batch(idx), device))
        out[idx] = torch.softmax(logits.float(), dim=-1).cpu()
    return out.numpy()


class ValidationTracker:
    """The training history with its validation curve, shared by the one-process loop here and the
    ``accelerate`` loop (:mod:`.distributed`): records each evaluation, remembers the best step,
    keeps a copy of the best weights when ``patience`` is set, and says when to stop early."""

    def __init__(self, total_steps: int, patience: int | None):
        self.history = {"step": [], "loss": [], "eval_step": [], "eval_acc": [], "stopped_early": False,
                        "best_step": None, "steps": total_steps}
        self.patience, self.best_acc, self.best_state, self.waited = patience, -1.0, None, 0

    def update(self, step: int, acc: float, model: torch.nn.Module) -> bool:
        """Record validation accuracy ``acc`` after ``step``; True when training should stop."""
        h = self.history
        h["eval_step"].append(step + 1)
        h["eval_acc"].append(acc)
        if acc > self.best_acc:
            self.best_acc, self.waited, h["best_step"] = acc, 0, step + 1
            if self.patience is not None:
                self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.waited += 1
        if self.patience is not None and self.waited >= self.patience:
            h["stopped_early"] = True
            return True
        return False

    def restore_best(self, model: torch.nn.Module) -> None:
        """Load the best weights back (only kept when early stopping was on)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


def train_classifier(model, inputs: Inputs, targets, cfg: TrainConfig, *, val: tuple | None = None,
                     desc: str = "training", show_progress: bool = True) -> dict:
    """Train ``model`` in place on ``inputs`` against soft ``targets`` (N, 2) with ``cfg.loss``.

    ``val=(inputs, labels)`` enables evaluation every ``cfg.eval_every`` steps; with
    ``cfg.patience`` the run stops early and the best validation state is restored.
    Returns the history: per-step loss, and the steps and accuracies of each evaluation.
    """
    device = pick_device(cfg.device)
    precision = resolve_precision(cfg.precision, device)
    targets = torch.as_tensor(np.asarray(targets), dtype=torch.float32)
    n = len(inputs)
    if targets.shape != (n, 2):
        raise ValueError(f"targets must have shape ({n}, 2) to match the inputs, got {tuple(targets.shape)}.")
    micro = cfg.micro_batch_size or cfg.batch_size
    if micro > cfg.batch_size or cfg.batch_size % micro:
        raise ValueError(f"micro_batch_size ({micro}) must divide batch_size ({cfg.batch_size}).")
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total = max(1, round(cfg.epochs * steps_per_epoch))

    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    from transformers import get_cosine_schedule_with_warmup

    sched = get_cosine_schedule_with_warmup(opt, int(cfg.lr_warmup_frac * total), total)
    # fp16 gradients can underflow: scale the loss up, unscale before clipping, skip steps with inf/nan
    scaler = torch.amp.GradScaler(str(device).split(":")[0], enabled=precision == "fp16")

    def forward(part):  # logits in fp32, whatever precision the model ran in
        with autocast(device, precision):
            return model(_to(inputs.batch(part), device)).float()
    tracker = ValidationTracker(total, cfg.patience)
    history = tracker.history
    batches = [b for _ in range(math.ceil(total / steps_per_epoch))
               for b in torch.randperm(n, generator=gen).split(cfg.batch_size)][:total]
    bar = tqdm(range(total), desc=desc, leave=False, unit="step", disable=not show_progress)
    for step in bar:
        idx = batches[step]
        step_frac = step / total
        batch_t = targets[idx].to(device)
        if micro >= len(idx):
            loss = compute_loss(cfg.loss, forward(idx), batch_t, step_frac, **cfg.loss_kwargs)
            _check_finite(loss, step, total, cfg)
            scaler.scale(loss).backward()
        else:
            chunks = idx.split(micro)
            if cfg.loss != "xent":  # whole-batch targets first (the confidence threshold needs them)
                with torch.no_grad():
                    logits = torch.cat([forward(c) for c in chunks])
                batch_t = loss_targets(cfg.loss, logits, batch_t, step_frac, **cfg.loss_kwargs)
            loss = 0.0
            for i, c in enumerate(chunks):
                part = xent_loss(forward(c), batch_t[i * micro: i * micro + len(c)])
                _check_finite(part, step, total, cfg)
                scaler.scale(part * len(c) / len(idx)).backward()
                loss += part.item() * len(c) / len(idx)
            loss = torch.tensor(loss)
        if cfg.max_grad_norm:
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
        scale = scaler.get_scale() if scaler.is_enabled() else None
        scaler.step(opt)
        scaler.update()
        if scale is None or scaler.get_scale() >= scale:  # fp16: a step skipped for inf gradients lowers the scale
            sched.step()
        opt.zero_grad(set_to_none=True)
        history["step"].append(step)
        loss = float(loss.detach())
        history["loss"].append(loss)
        bar.set_postfix(loss=f"{loss:.3f}")
        if val is not None and cfg.eval_every and ((step + 1) % cfg.eval_every == 0 or step + 1 == total):
            acc = float((predict_proba(model, val[0], device=device, precision=precision).argmax(1)
                         == np.asarray(val[1])).mean())
            model.train()
            if tracker.update(step, acc, model):
                break
    bar.close()
    tracker.restore_best(model)
    model.eval()
    return history


def _check_finite(loss: torch.Tensor, step: int, total: int, cfg: TrainConfig) -> None:
    if not torch.isfinite(loss):
        raise FloatingPointError(
            f"The training loss became {float(loss.detach())} at step {step + 1} of {total} (loss={cfg.loss}, "
            f"lr={cfg.lr}). Training stopped. Try a lower learning rate (for example lr={cfg.lr / 10:g}) "
            "or check the inputs for NaNs."
        )
