"""How a training step runs when accelerate shares every batch among several processes (DDP or FSDP):
the strategy that :func:`w2s_edu.train.loop.train_classifier` uses when it is given an ``accelerator``.

**Same results as one process.** The loop takes the same batches of ``batch_size`` examples, in the
same order, as in one process. accelerate splits each one into equal, contiguous shards, one per
process (``split_batches``); a short last batch is padded with rows of weight 0, so every process
gets as many rows and the loss is exactly the mean over the real examples. DDP averages the
processes' gradients, which gives the gradient of the whole batch's mean loss. The confidence losses
(logconf, product) build their targets from the logits of the *whole* batch, gathered from every
process, so their threshold is a quantile over the whole batch, as in one process. Updates then
match one process up to floating-point rounding (tests/test_distributed.py).

The accelerator itself comes from :func:`w2s_edu.train.distributed.make_accelerator`; this module
never imports accelerate (the loop hands it an accelerator that exists already).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from ..losses import loss_targets
from ..models.features import Inputs

ACCELERATE_PRECISION = {"fp32": "no", "bf16": "bf16", "fp16": "fp16"}  # the package's name -> accelerate's
PAD = -1  # index of a padding row in a batch (weight 0)


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


@dataclass(frozen=True)
class Shard:
    """This process's rows of one batch (or of one micro-batch of it)."""

    rows: torch.Tensor  # row indices into the inputs; a padding row points at row 0
    weights: torch.Tensor  # 1.0 for a real row, 0.0 for padding
    n_real: int  # real rows in the whole batch, over every process

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, part: slice) -> "Shard":
        return Shard(self.rows[part], self.weights[part], self.n_real)


def _weighted_xent(logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``sum_i w_i * cross_entropy_i`` (the caller divides by the number of real rows)."""
    return -(weights[:, None] * targets * torch.log_softmax(logits, dim=1)).sum()


class AccelerateSteps:
    """The accelerate side of :func:`w2s_edu.train.loop.train_classifier` (see its ``OneProcessSteps``
    for the methods): batches dealt out by a prepared DataLoader, forward passes in
    ``accelerator.autocast()``, whole-batch targets gathered from every process, gradients
    exchanged once per batch (``no_sync`` during the micro-batches), clipping and skipped fp16 steps
    as accelerate does them. ``cfg.micro_batch_size`` is per process."""

    def __init__(self, accelerator, cfg):
        self.acc = accelerator
        self.procs, self.rank = accelerator.num_processes, accelerator.process_index
        if cfg.batch_size % self.procs:
            raise ValueError(f"batch_size ({cfg.batch_size}) must be divisible by the number of processes "
                             f"({self.procs}): each process takes an equal share of every batch.")
        self.batch_size, self.local, self.seed = cfg.batch_size, cfg.batch_size // self.procs, cfg.seed
        self.device, self.precision = accelerator.device, precision_of(accelerator)
        self.is_main = accelerator.is_local_main_process
        self._loss = torch.zeros((), device=self.device)

    def prepare(self, model):
        model.train()
        return self.acc.prepare(model)  # FSDP shards the model first; the optimizer then sees the sharded weights

    def prepare_optimizer(self, opt):
        return self.acc.prepare(opt)

    def batches(self, batches: list[torch.Tensor], n: int):
        from torch.utils.data import DataLoader

        # its own generator: iterating a DataLoader otherwise draws a seed from the global RNG, and the
        # dropout masks would no longer match one process's
        loader = DataLoader(_Rows(n), batch_sampler=_FixedBatches(batches, self.batch_size), collate_fn=torch.tensor,
                            generator=torch.Generator().manual_seed(self.seed))
        for step, shard in enumerate(self.acc.prepare(loader)):
            shard = shard.cpu()
            rows = torch.where(shard == PAD, torch.zeros_like(shard), shard)  # padding rows compute on row 0
            yield Shard(rows, (shard != PAD).float(), len(batches[step]))

    def targets(self, targets: torch.Tensor, shard: Shard) -> torch.Tensor:
        return targets[shard.rows]

    def chunks(self, shard: Shard, micro: int) -> list[Shard]:
        micro = min(micro, self.local)
        return [shard[s:s + micro] for s in range(0, len(shard), micro)]

    def forward(self, model, inputs: Inputs, shard: Shard) -> torch.Tensor:
        batch = {k: v.to(self.device) for k, v in inputs.batch(shard.rows).items()}
        with self.acc.autocast():
            return model(batch).float()

    def batch_targets(self, cfg, logits: torch.Tensor, targets: torch.Tensor, step_frac: float,
                      shard: Shard) -> torch.Tensor:
        """This process's rows of the targets that the loss builds from the whole batch's logits."""
        n_real, local = shard.n_real, self.local
        whole = self.acc.gather(logits.detach().to(self.device).contiguous()).cpu()[:n_real]
        whole_t = self.acc.gather(targets.to(self.device).contiguous()).cpu()[:n_real]
        built = loss_targets(cfg.loss, whole, whole_t, step_frac, **cfg.loss_kwargs)
        padded = torch.cat([built, whole_t.new_zeros(self.procs * local - n_real, 2)])
        return padded[self.rank * local:(self.rank + 1) * local]

    def accumulating(self, model, last: bool):
        """Gradients are exchanged once, after the last micro-batch."""
        return contextlib.nullcontext() if last else self.acc.no_sync(model)

    def backward(self, logits: torch.Tensor, targets: torch.Tensor, chunk: Shard, shard: Shard) -> None:
        part = _weighted_xent(logits, targets.to(self.device), chunk.weights.to(self.device)) / shard.n_real
        self.acc.backward(part * self.procs)  # DDP averages over processes: x procs gives the batch mean
        self._loss += part.detach()

    def batch_loss(self) -> float:
        """The whole batch's mean loss, the same in every process."""
        loss, self._loss = self.acc.reduce(self._loss, reduction="sum"), torch.zeros((), device=self.device)
        return float(loss)

    def clip(self, opt, params: list, max_norm: float) -> None:
        self.acc.clip_grad_norm_(params, max_norm)

    def step(self, opt) -> bool:
        opt.step()
        return not self.acc.optimizer_step_was_skipped

    def unwrap(self, model):
        return self.acc.unwrap_model(model)

    def close(self) -> None:
        self.acc.free_memory()  # the accelerator forgets this model, optimizer and loader (the pipeline trains many)
