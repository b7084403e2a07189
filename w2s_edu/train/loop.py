"""The training loop, for any classifier of :mod:`w2s_edu.models` and for one process or several.

One loop serves the weak model, the strong ceiling and the weak-to-strong student: AdamW with a
linear warmup then cosine decay (``transformers.get_cosine_schedule_with_warmup``), batches split
into micro-batches when memory is short (gradient accumulation), optional periodic evaluation on a
validation split with early stopping, a progress bar, and a history of what happened. Also here: the
config of a run (:class:`TrainConfig`), inference (:func:`predict_proba`), the device and precision
helpers, and :class:`ValidationTracker`.

Micro-batching keeps the batch semantics of the confidence loss: its threshold is a quantile over
the *whole* batch. Every loss here is a cross-entropy against a (detached) target built from the
batch's predictions, so we first compute the whole batch's logits without gradients, build the
targets once, then run the micro-batches with gradients against those targets.

What differs between one process and several (the device, autocast, gradient scaling, the backward
pass, gathering the whole batch, clipping, whether the optimizer stepped) is a small strategy object:
:class:`OneProcessSteps` here, :class:`w2s_edu.train.accelerate_steps.AccelerateSteps` when
:func:`train_classifier` is given an ``accelerator``. The schedule, the batch order, the micro-batch
loss, the history, validation, early stopping and the finite-loss check are written once, below.
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
from ..losses import loss_name, loss_targets, xent_loss
from .accelerate_steps import AccelerateSteps
from .callable_loss import call_loss


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
    loss: str = "xent"  # or a function (w2s_edu.train.callable_loss): one process, no micro-batches
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
    """The training history with its validation curve: records each evaluation, remembers the best
    step, keeps a copy of the best weights when ``patience`` is set, and says when to stop early."""

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


def check_finite(loss: float, step: int, total: int, cfg: TrainConfig) -> None:
    """Stop training with a ``FloatingPointError`` that names the step and a lower learning rate to try,
    unless ``loss`` (the batch's mean loss) is finite."""
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"The training loss became {loss} at step {step + 1} of {total} (loss={loss_name(cfg.loss)}, "
            f"lr={cfg.lr}). Training stopped. Try a lower learning rate (for example lr={cfg.lr / 10:g}) "
            "or check the inputs for NaNs."
        )


class OneProcessSteps:
    """How a training step runs in this one process, on ``cfg.device`` (else the best there is): forward
    passes in :func:`autocast`, a ``GradScaler`` in fp16, each micro-batch's mean loss weighted by its
    share of the batch. A batch here is a tensor of row indices.

    :func:`train_classifier` calls ``prepare(model)`` and ``prepare_optimizer(opt)`` once; then for each
    batch that ``batches(batches, n)`` yields: ``targets`` (the batch's rows of them), ``chunks`` (its
    micro-batches), ``forward`` on each, ``batch_targets`` (the loss's targets, built from the whole
    batch's logits), ``backward`` inside ``accumulating``, then ``batch_loss`` (the batch's mean loss),
    ``clip`` and ``step`` (False when the optimizer skipped the step); ``unwrap`` and ``close`` at the end.
    :class:`w2s_edu.train.accelerate_steps.AccelerateSteps` has the same methods."""

    def __init__(self, cfg: TrainConfig):
        self.device = pick_device(cfg.device)
        self.precision = resolve_precision(cfg.precision, self.device)
        self.is_main = True
        # fp16 gradients can underflow: scale the loss up, unscale before clipping, skip steps with inf/nan
        self.scaler = torch.amp.GradScaler(str(self.device).split(":")[0], enabled=self.precision == "fp16")
        self._loss = 0.0

    def prepare(self, model):
        return model.to(self.device).train()

    def prepare_optimizer(self, opt):
        return opt

    def batches(self, batches: list[torch.Tensor], n: int):
        return iter(batches)

    def targets(self, targets: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return targets[idx].to(self.device)

    def chunks(self, idx: torch.Tensor, micro: int) -> list[torch.Tensor]:
        return list(idx.split(micro))

    def forward(self, model, inputs: Inputs, idx: torch.Tensor) -> torch.Tensor:
        with autocast(self.device, self.precision):  # logits in fp32, whatever precision the model ran in
            return model(_to(inputs.batch(idx), self.device)).float()

    def batch_targets(self, cfg: TrainConfig, logits: torch.Tensor, targets: torch.Tensor, step_frac: float,
                      idx: torch.Tensor) -> torch.Tensor:
        return loss_targets(cfg.loss, logits, targets, step_frac, **cfg.loss_kwargs)

    def accumulating(self, model, last: bool):
        return contextlib.nullcontext()

    def backward(self, logits: torch.Tensor, targets: torch.Tensor, chunk: torch.Tensor, idx: torch.Tensor) -> None:
        part = xent_loss(logits, targets)
        # the whole batch in one piece backpropagates its mean loss itself: x * n / n is not always x
        self.scaler.scale(part if len(chunk) == len(idx) else part * len(chunk) / len(idx)).backward()
        self._loss += part.item() * len(chunk) / len(idx)

    def backward_value(self, loss: torch.Tensor) -> None:
        """Backpropagate a batch's mean loss computed by a loss function (``cfg.loss`` a callable)."""
        self.scaler.scale(loss).backward()
        self._loss += loss.item()

    def batch_loss(self) -> float:
        loss, self._loss = float(torch.tensor(self._loss)), 0.0  # rounded to float32, as the loss itself is
        return loss

    def clip(self, opt, params: list, max_norm: float) -> None:
        self.scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(params, max_norm)

    def step(self, opt) -> bool:
        scale = self.scaler.get_scale() if self.scaler.is_enabled() else None
        self.scaler.step(opt)
        self.scaler.update()
        return scale is None or self.scaler.get_scale() >= scale  # fp16: a skipped step lowers the scale

    def unwrap(self, model):
        return model

    def close(self) -> None:
        pass


def _accumulate_gradients(steps, model, inputs: Inputs, targets: torch.Tensor, batch, cfg: TrainConfig,
                          micro: int, step_frac: float, where: str = "") -> float:
    """The forward and backward passes of one batch, micro-batch by micro-batch; returns its mean loss."""
    batch_t = steps.targets(targets, batch)
    chunks = steps.chunks(batch, micro)
    if callable(cfg.loss):  # a loss function: the whole batch at once (train_classifier checks)
        logits = steps.forward(model, inputs, chunks[0])
        steps.backward_value(call_loss(cfg.loss, logits, batch_t, step_frac, cfg.loss_kwargs, where))
        return steps.batch_loss()
    if len(chunks) == 1:  # one forward pass, with gradients: the loss's targets come from its logits
        logits = steps.forward(model, inputs, chunks[0])
        if cfg.loss != "xent":
            batch_t = steps.batch_targets(cfg, logits.detach(), batch_t, step_frac, batch)
        steps.backward(logits, batch_t, chunks[0], batch)
        return steps.batch_loss()
    if cfg.loss != "xent":  # whole-batch targets first (the confidence threshold needs them)
        with torch.no_grad():
            logits = torch.cat([steps.forward(model, inputs, c) for c in chunks])
        batch_t = steps.batch_targets(cfg, logits, batch_t, step_frac, batch)
    start = 0
    for i, chunk in enumerate(chunks):
        with steps.accumulating(model, last=i == len(chunks) - 1):
            steps.backward(steps.forward(model, inputs, chunk), batch_t[start:start + len(chunk)], chunk, batch)
        start += len(chunk)
    return steps.batch_loss()


def train_classifier(model, inputs: Inputs, targets, cfg: TrainConfig, *, val: tuple | None = None,
                     desc: str = "training", show_progress: bool = True, accelerator=None) -> dict:
    """Train ``model`` in place on ``inputs`` against soft ``targets`` (N, 2) with ``cfg.loss``.

    ``val=(inputs, labels)`` enables evaluation every ``cfg.eval_every`` steps; with
    ``cfg.patience`` the run stops early and the best validation state is restored.
    Returns the history: per-step loss, and the steps and accuracies of each evaluation.

    ``accelerator`` (an ``accelerate.Accelerator`` from :func:`w2s_edu.train.distributed.make_accelerator`)
    shares every batch among its processes (DDP or FSDP) and takes the device and mixed precision from
    them; the batches, schedule, losses and history are the same, the updates those of one process up to
    rounding (:mod:`w2s_edu.train.accelerate_steps`). ``cfg.micro_batch_size`` is then per process, and
    with DDP the weights are identical in every process afterwards.
    """
    targets = torch.as_tensor(np.asarray(targets), dtype=torch.float32)
    n = len(inputs)
    if targets.shape != (n, 2):
        raise ValueError(f"targets must have shape ({n}, 2) to match the inputs, got {tuple(targets.shape)}.")
    micro = cfg.micro_batch_size or cfg.batch_size
    if micro > cfg.batch_size or cfg.batch_size % micro:
        raise ValueError(f"micro_batch_size ({micro}) must divide batch_size ({cfg.batch_size}).")
    if callable(cfg.loss) and (accelerator is not None or micro != cfg.batch_size):
        raise ValueError(f"the loss {loss_name(cfg.loss)!r} is a function: it trains in one process on whole "
                         "batches (no accelerator, micro_batch_size None); use a registered loss to share batches.")
    steps = OneProcessSteps(cfg) if accelerator is None else AccelerateSteps(accelerator, cfg)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total = max(1, round(cfg.epochs * steps_per_epoch))

    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    batches = [b for _ in range(math.ceil(total / steps_per_epoch))
               for b in torch.randperm(n, generator=gen).split(cfg.batch_size)][:total]
    model = steps.prepare(model)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = steps.prepare_optimizer(torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay))
    from transformers import get_cosine_schedule_with_warmup

    sched = get_cosine_schedule_with_warmup(opt, int(cfg.lr_warmup_frac * total), total)
    tracker = ValidationTracker(total, cfg.patience)
    history = tracker.history
    bar = tqdm(total=total, desc=desc, leave=False, unit="step", disable=not show_progress or not steps.is_main)
    for step, batch in enumerate(steps.batches(batches, n)):
        loss = _accumulate_gradients(steps, model, inputs, targets, batch, cfg, micro, step / total,
                                     f"at step {step + 1} of {total}")
        check_finite(loss, step, total, cfg)
        if cfg.max_grad_norm:
            steps.clip(opt, params, cfg.max_grad_norm)
        if steps.step(opt):  # the schedule advances only with the optimizer
            sched.step()
        opt.zero_grad(set_to_none=True)
        history["step"].append(step)
        history["loss"].append(loss)
        bar.update()
        bar.set_postfix(loss=f"{loss:.3f}")
        if val is not None and cfg.eval_every and ((step + 1) % cfg.eval_every == 0 or step + 1 == total):
            probs = predict_proba(model, val[0], device=str(steps.device), precision=steps.precision)
            acc = float((probs.argmax(1) == np.asarray(val[1])).mean())
            model.train()
            if tracker.update(step, acc, steps.unwrap(model)):
                break
    bar.close()
    tracker.restore_best(steps.unwrap(model))
    model.eval()
    steps.close()
    return history
