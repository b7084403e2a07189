"""Backbones: loading a pretrained model (hub id, local folder, or the shipped offline ladder) and the
operations on its blocks that training needs.

* :func:`load_backbone` loads ``(model, tokenizer)`` for a :class:`w2s_edu.models.registry.ModelSpec`
  once per process (``AutoModel`` / ``AutoTokenizer``), for frozen use; :func:`fresh_backbone` gives a
  trainable copy (read from disk unless the pretrained one is already in memory), :func:`load_tokenizer`
  the tokenizer alone and :func:`backbone_skeleton` the architecture without weights (meta device).
  transformers' load report (printed when layers are dropped) and its progress bars are silenced for
  the load only, and the previous verbosity is restored afterwards.
* :func:`backbone_kind` tells an encoder from a causal LM; :func:`transformer_layers` finds the blocks of
  any architecture; :func:`freeze_lower_layers`, :func:`apply_lora` and
  :func:`enable_gradient_checkpointing` prepare a backbone for training; :func:`run_bert_layers` runs a
  slice of a BERT-style encoder (the cached-trunk fast path of :mod:`w2s_edu.models.features`).
"""

from __future__ import annotations

import contextlib
import copy
import os
import warnings
from functools import lru_cache

import torch
from torch import nn

from .params import LORA_TARGETS
from .registry import OFFLINE_LADDER, ModelSpec, resolve_model


@contextlib.contextmanager
def quiet_transformers():
    """Inside the block, transformers prints no load report (it prints one when layers are dropped)
    and no progress bars; afterwards its verbosity and progress bars are as they were."""
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


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


def _config(spec: ModelSpec):
    from transformers import AutoConfig

    kwargs = {} if spec.num_layers is None else {"num_hidden_layers": spec.num_layers}
    with quiet_transformers():
        return AutoConfig.from_pretrained(spec.path, **kwargs)


@lru_cache(maxsize=8)
def _load_tokenizer(spec: ModelSpec):
    from transformers import AutoTokenizer

    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(spec.path)
    except (OSError, ValueError) as err:
        raise _hub_error(spec, err) from err
    if tokenizer.pad_token is None:  # GPT-2 style tokenizers have no pad token
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return tokenizer


def _read_model(spec: ModelSpec):
    """A new instance of the pretrained model, read from its files (the disk cache of the hub, or a folder)."""
    from transformers import AutoModel

    load = {} if spec.dtype is None else {_dtype_kwarg(): getattr(torch, spec.dtype)}
    try:
        config = _config(spec)
        with quiet_transformers():
            model = AutoModel.from_pretrained(spec.path, config=config, **load)
    except (OSError, ValueError) as err:
        raise _hub_error(spec, err) from err
    return model.eval()


# The pretrained models this process holds in memory, for inference on frozen weights (features, the
# cached trunk); at most _KEEP of them, the least recently used leaving first.
_PRETRAINED: dict[ModelSpec, object] = {}
_KEEP = 8


def load_backbone(spec: ModelSpec | str):
    """Load ``(model, tokenizer)`` for a spec or name. The pretrained weights are loaded once per
    process and shared: never train this model; :func:`fresh_backbone` gives a trainable one."""
    spec = resolve_model(spec) if isinstance(spec, str) else spec
    model = _PRETRAINED.pop(spec, None)
    if model is None:
        model = _read_model(spec)
        while len(_PRETRAINED) >= _KEEP:
            _PRETRAINED.pop(next(iter(_PRETRAINED)))
    _PRETRAINED[spec] = model  # (re)inserted last: the most recently used
    return model, _load_tokenizer(spec)


def load_tokenizer(spec: ModelSpec | str):
    """The tokenizer alone (a pad token set), without loading any weights."""
    return _load_tokenizer(resolve_model(spec) if isinstance(spec, str) else spec)


def fresh_backbone(spec: ModelSpec | str):
    """A trainable copy of the pretrained backbone. When this process already holds the pretrained model
    (it encoded texts with it) the copy is made in memory; otherwise it is read from the model's files and
    not kept, so that finetuning a whole model holds one copy of its weights in RAM, not two."""
    spec = resolve_model(spec) if isinstance(spec, str) else spec
    if spec in _PRETRAINED:
        return copy.deepcopy(_PRETRAINED[spec]), _load_tokenizer(spec)
    return _read_model(spec), _load_tokenizer(spec)


@lru_cache(maxsize=16)
def backbone_skeleton(spec: ModelSpec | str):
    """The model's architecture on PyTorch's meta device: its modules and config without any weights
    (no memory, no file reads beyond the config), for questions about its structure: its depth
    (:func:`transformer_layers`), its kind (:func:`backbone_kind`, :func:`can_cache_trunk`), its width."""
    from transformers import AutoModel

    spec = resolve_model(spec) if isinstance(spec, str) else spec
    try:
        config = _config(spec)
    except (OSError, ValueError) as err:
        raise _hub_error(spec, err) from err
    with torch.device("meta"), quiet_transformers():
        return AutoModel.from_config(config)


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
