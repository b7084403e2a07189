"""Training on several GPUs (or CPU processes) with accelerate: data parallel (DDP), or sharded (FSDP)
for models whose weights, gradients and optimizer state do not fit on one GPU.

Here: :func:`make_accelerator` (the accelerator :func:`w2s_edu.train.loop.train_classifier` takes as
``accelerator=``), :class:`AccelerateExecutor` (the experiment's training through it) and
:func:`fsdp_config` (an accelerate config file for FSDP). How one step is shared among the processes,
and why the updates equal one process's, is in :mod:`w2s_edu.train.accelerate_steps`. The command line
is :mod:`w2s_edu.cli.distributed` (its docstring shows the launch commands).

**Everything else runs in every process**: the splits, the weak probe, feature extraction and
inference are repeated identically, only training is shared. Results are cached as usual; the main
process writes them between barriers, so the cache folder (``W2S_EDU_CACHE``) must be one that every
process sees (on one machine it is). With FSDP every process must call the model together, which
inference does since all of them predict on the same data.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ..models.features import Inputs
from .accelerate_steps import ACCELERATE_PRECISION, precision_of
from .executor import LocalExecutor
from .loop import TrainConfig, predict_proba, resolve_precision, train_classifier

__all__ = ["ACCELERATE_PRECISION", "AccelerateExecutor", "fsdp_config", "make_accelerator", "precision_of"]


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


class AccelerateExecutor(LocalExecutor):
    """The experiment's training through :func:`w2s_edu.train.loop.train_classifier` with ``accelerator``;
    the main process writes the cache.

    ``cached`` and ``write`` are barriers: between two of them no process writes, so every process
    sees the same cache and takes the same branch (a process that trained while another read a cached
    result would wait forever for the others in the next collective call)."""

    def __init__(self, accelerator):
        self.acc = accelerator

    def train(self, model, inputs: Inputs, targets, cfg: TrainConfig, **kwargs) -> dict:
        return train_classifier(model, inputs, targets, cfg, accelerator=self.acc, **kwargs)

    def predict(self, model, inputs: Inputs, cfg: TrainConfig) -> np.ndarray:
        return predict_proba(model, inputs, device=str(self.acc.device), precision=precision_of(self.acc))

    def cached(self, path) -> bool:
        self.acc.wait_for_everyone()
        return Path(path).exists()

    def write(self, path, write_fn) -> None:
        if self.acc.is_main_process:
            super().write(path, write_fn)
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
        "# accelerate launch --config_file <this file> -m w2s_edu.cli.distributed run ...",
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
