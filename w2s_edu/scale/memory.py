"""Memory arithmetic: will this model train on that GPU, and how?

Training memory has five parts. Per parameter, in bytes:

==================  ====================================================================
weights             4 in fp32. Frozen weights of a probe or a LoRA student are loaded in
                    bf16/fp16 on a GPU under mixed precision (2 bytes); trainable weights
                    stay fp32: they are the *master weights* the optimizer updates.
weight copies       2 per trainable weight under mixed precision: ``torch.autocast`` keeps a
                    bf16/fp16 copy of each trainable weight for the forward pass.
gradients           4 per trainable weight (fp32, like the weights).
optimizer state     8 per trainable weight: AdamW's two moments (exp_avg, exp_avg_sq) in fp32.
activations         what the forward pass keeps for the backward pass; grows with
                    micro-batch size x sequence length (below).
==================  ====================================================================

So a full finetune costs 16 bytes per parameter in fp32 and 18 under bf16 autocast (the same 16,
plus the copies), *before* activations: a 7B model needs about 126 GB for weights, gradients and
AdamW alone, more than one 80 GB GPU holds. LoRA trains a few million adapter weights and freezes the
rest in bf16 (2 bytes per parameter); a probe trains only a linear head on frozen features.

Activations, per transformer layer that gradients flow through, per token (a rough count after
Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models", section
4.1, without dropout masks): ``8 h`` values for attention and the two norms (h = hidden size), plus
``2 i`` for a GELU MLP or ``3 i`` for a gated (SwiGLU) MLP (i = intermediate size), plus ``a s``
attention probabilities per token (a heads, s tokens) when attention is not fused ("eager");
fused kernels (SDPA, flash attention: the default on GPUs) keep no s x s matrix. Values take 2 bytes
under bf16/fp16 autocast and 4 in fp32. With gradient checkpointing a layer keeps only its input
(h values per token) and recomputes the rest during the backward pass, one layer at a time (so one
layer's full activations come back on top). A probe runs the backbone without gradients: only one
layer's activations exist at a time.

These are estimates, good to about a third; the GPU benchmark (``benchmarks/gpu_benchmark.py``)
prints each estimate next to the measured peak. :meth:`MemoryEstimate.fits` keeps 10% of the GPU free
for the CUDA context, the allocator's fragmentation and temporaries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..models.params import Shape, block_params, final_norm_params, lora_param_count, param_count

MODES = ("probe", "lora", "finetune")
PRECISIONS = ("fp32", "bf16", "fp16")
GIB = 2**30


def activation_values_per_token(config, attention: str = "sdpa", seq_len: int = 0) -> int:
    """Values one layer keeps per token for the backward pass (see the module docstring)."""
    s = Shape.of(config)
    values = 8 * s.hidden + (3 if s.gated else 2) * s.intermediate
    if attention == "eager":
        values += s.heads * seq_len
    return values


@dataclass
class MemoryEstimate:
    """Bytes of each part of training memory for one configuration; ``total`` is their sum."""

    mode: str
    precision: str
    params: int
    trainable: int
    weights: int
    weight_copies: int
    grads: int
    optimizer: int
    activations: int

    @property
    def total(self) -> int:
        return self.weights + self.weight_copies + self.grads + self.optimizer + self.activations

    @property
    def static(self) -> int:
        """Everything but activations: what the batch size cannot change."""
        return self.total - self.activations

    def gib(self, part: str = "total") -> float:
        return getattr(self, part) / GIB

    def fits(self, gpu_gb: float, headroom: float = 0.9) -> bool:
        """True when the total is at most ``headroom`` of ``gpu_gb`` GiB (80 for an "H100 80GB";
        ``torch.cuda.get_device_properties(0).total_memory / 2**30`` gives a card's exact size)."""
        return self.total <= headroom * gpu_gb * GIB

    def to_dict(self) -> dict:
        return asdict(self) | {"total": self.total}

    def table(self) -> str:
        rows = [("weights", self.weights), ("weight copies (autocast)", self.weight_copies),
                ("gradients", self.grads), ("optimizer (AdamW)", self.optimizer),
                ("activations", self.activations), ("total", self.total)]
        head = (f"{self.mode}, {self.precision}: {self.params / 1e6:,.1f}M parameters, "
                f"{self.trainable / 1e6:,.2f}M trainable")
        return "\n".join([head] + [f"  {name:<26} {value / GIB:9.2f} GiB" for name, value in rows])


def _config_and_params(model):
    """(config, parameter count) from a ladder name, a transformers config or a built model."""
    if isinstance(model, str):
        from ..models.registry import get_rung

        rung = get_rung(model)
        return rung.config(), rung.params
    if hasattr(model, "parameters") and hasattr(model, "config"):
        return model.config, sum(p.numel() for p in model.parameters())
    if hasattr(model, "to_dict") and hasattr(model, "vocab_size"):
        return model, param_count(model)
    raise TypeError(f"Expected a ladder name, a transformers config or a model, got {type(model).__name__}.")


def estimate_memory(model, mode: str = "finetune", *, precision: str = "bf16", micro_batch_size: int = 8,
                    seq_len: int = 512, gradient_checkpointing: bool = False, lora_r: int = 8,
                    lora_target_modules: list[str] | None = None, train_layers: int | None = None,
                    attention: str = "sdpa", num_classes: int = 2) -> MemoryEstimate:
    """Estimate the training memory of ``model`` (a ladder name such as ``"qwen2.5-7b"``, a
    transformers config, or a built model) as this package trains it.

    ``mode``: ``"probe"`` (frozen backbone, linear head), ``"lora"`` or ``"finetune"`` (with
    ``train_layers=k`` only the top k blocks train; None: everything). ``precision``: ``"fp32"``, or
    ``"bf16"``/``"fp16"`` mixed precision (autocast). ``micro_batch_size`` x ``seq_len`` tokens go
    through the model at once."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}.")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)} (resolve 'auto' first with "
                         f"w2s_edu.train.loop.resolve_precision); got {precision!r}.")
    if attention not in ("sdpa", "eager"):
        raise ValueError(f"attention must be 'sdpa' (fused kernels) or 'eager'; got {attention!r}.")
    config, n = _config_and_params(model)
    s = Shape.of(config)
    head = s.hidden * num_classes + num_classes
    mixed = precision != "fp32"
    act_bytes = 2 if mixed else 4
    per_token_layer = activation_values_per_token(config, attention, seq_len)
    tokens = micro_batch_size * seq_len

    if mode == "probe":
        trainable, frozen_bytes, grad_layers = head, (2 if mixed else 4), 0
    elif mode == "lora":
        trainable, frozen_bytes, grad_layers = lora_param_count(config, lora_r, lora_target_modules) + head, \
            (2 if mixed else 4), s.layers
    else:
        k = s.layers if train_layers is None else max(1, min(int(train_layers), s.layers))
        # train_layers=k: the top k blocks and the final norm train, the embeddings never (models.py)
        trainable = (n if train_layers is None else k * block_params(config) + final_norm_params(config)) + head
        frozen_bytes, grad_layers = 4, k
    frozen = max(0, n + head - trainable) if mode != "lora" else n
    weights = frozen * frozen_bytes + trainable * 4
    copies = trainable * 2 if mixed and mode != "probe" else 0

    if mode == "probe":
        activations = tokens * per_token_layer * act_bytes  # one layer at a time, nothing kept
    elif gradient_checkpointing:
        activations = (grad_layers * s.hidden + per_token_layer) * tokens * act_bytes
    else:
        activations = grad_layers * per_token_layer * tokens * act_bytes
    return MemoryEstimate(mode=mode, precision=precision, params=n, trainable=trainable, weights=weights,
                          weight_copies=copies, grads=trainable * 4, optimizer=trainable * 8,
                          activations=activations)


def largest_micro_batch(model, mode: str, gpu_gb: float, *, batch_size: int = 32, headroom: float = 0.9,
                        **kwargs) -> int | None:
    """The largest power-of-two micro-batch (at most ``batch_size``, dividing it) whose estimate fits
    ``gpu_gb``; None when not even a micro-batch of 1 fits."""
    size = 1
    while size * 2 <= batch_size and batch_size % (size * 2) == 0:
        size *= 2
    while size >= 1:
        if estimate_memory(model, mode, micro_batch_size=size, **kwargs).fits(gpu_gb, headroom):
            return size
        size //= 2
    return None
