"""Parameter arithmetic from a transformers config, with no model built and no download.

:class:`Shape` reads the sizes the arithmetic needs from any supported config (GPT-2, GPT-NeoX,
BERT, Llama-style); :func:`param_count` counts a backbone's parameters by formula (the tests check it
against models built from the same configs and against published counts); :func:`lora_param_count`
counts LoRA adapters. :data:`LORA_TARGETS` names the layers adapters go on, per architecture.
:mod:`w2s_edu.scale.memory` builds its memory estimates on these counts.
"""

from __future__ import annotations

from dataclasses import dataclass

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

GATED_MLP = ("qwen2", "llama", "mistral", "qwen3", "gemma", "gemma2")


def _get(config, *names, default=None):
    for name in names:
        value = getattr(config, name, None)
        if value is not None:
            return value
    return default


@dataclass(frozen=True)
class Shape:
    """The sizes the arithmetic needs, read from a transformers config."""

    model_type: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    intermediate: int
    vocab: int
    positions: int  # learned position embeddings (0 for rotary models)
    type_vocab: int  # BERT's token type embeddings

    @classmethod
    def of(cls, config) -> "Shape":
        model_type = getattr(config, "model_type", "")
        h = int(_get(config, "hidden_size", "n_embd", "d_model"))
        heads = int(_get(config, "num_attention_heads", "n_head"))
        inter = _get(config, "intermediate_size", "n_inner") or 4 * h
        learned_positions = model_type in ("gpt2", "bert")
        return cls(model_type=model_type, hidden=h, layers=int(_get(config, "num_hidden_layers", "n_layer")),
                   heads=heads, kv_heads=int(_get(config, "num_key_value_heads", default=heads)),
                   intermediate=int(inter), vocab=int(config.vocab_size),
                   positions=int(_get(config, "n_positions", "max_position_embeddings")) if learned_positions else 0,
                   type_vocab=int(_get(config, "type_vocab_size", default=2)) if model_type == "bert" else 0)

    @property
    def gated(self) -> bool:
        return self.model_type in GATED_MLP


def linear_shapes(config) -> dict[str, tuple[int, int]]:
    """(in, out) of each linear layer of one transformer block, keyed by its module name.

    Names are those of the transformers implementation, so they double as LoRA targets."""
    s = Shape.of(config)
    h, i, kv = s.hidden, s.intermediate, s.kv_heads * (s.hidden // s.heads)
    if s.model_type == "gpt2":  # "c_proj" is both the attention output and the MLP output
        return {"attn.c_attn": (h, 3 * h), "attn.c_proj": (h, h), "mlp.c_fc": (h, i), "mlp.c_proj": (i, h)}
    if s.model_type == "gpt_neox":
        return {"query_key_value": (h, 3 * h), "dense": (h, h), "dense_h_to_4h": (h, i), "dense_4h_to_h": (i, h)}
    if s.model_type == "bert":
        return {"query": (h, h), "key": (h, h), "value": (h, h), "attention.output.dense": (h, h),
                "intermediate.dense": (h, i), "output.dense": (i, h)}
    if s.gated:
        return {"q_proj": (h, h), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (h, h),
                "gate_proj": (h, i), "up_proj": (h, i), "down_proj": (i, h)}
    raise ValueError(f"No layer shapes for model type {s.model_type!r}; known: gpt2, gpt_neox, bert, "
                     f"{', '.join(GATED_MLP)}. Count parameters of a built model instead.")


def _parts(config) -> tuple[int, int, int]:
    """(one block, the final norm (+ BERT's pooler), the embeddings), in parameters."""
    s = Shape.of(config)
    h = s.hidden
    linears = linear_shapes(config)
    weights = sum(a * b for a, b in linears.values())
    if s.model_type in ("gpt2", "gpt_neox"):  # biases everywhere, two LayerNorms (weight + bias) per block
        block, final = weights + sum(b for _, b in linears.values()) + 4 * h, 2 * h
    elif s.model_type == "bert":  # biases everywhere, two LayerNorms per block; no final norm, a pooler
        block, final = weights + sum(b for _, b in linears.values()) + 4 * h, h * h + h
    else:  # Llama-style: RMSNorm weights only; Qwen2 has biases on q, k, v
        biases = sum(linears[k][1] for k in ("q_proj", "k_proj", "v_proj")) if s.model_type == "qwen2" else 0
        block, final = weights + biases + 2 * h, h
    embeddings = (s.vocab + s.positions + s.type_vocab) * h + (2 * h if s.model_type == "bert" else 0)
    return block, final, embeddings


def param_count(config, include_embeddings: bool = True) -> int:
    """Parameters of the ``AutoModel`` backbone built from ``config`` (no LM head), counted by formula.

    The tests check it against models built from the same configs, and against published counts."""
    block, final, embeddings = _parts(config)
    return Shape.of(config).layers * block + final + (embeddings if include_embeddings else 0)


def block_params(config) -> int:
    """Parameters of one transformer block (what ``train_layers=k`` trains per block)."""
    return _parts(config)[0]


def final_norm_params(config) -> int:
    """Parameters of the norm above the top block, which ``train_layers=k`` also trains (BERT: none)."""
    s = Shape.of(config)
    return 0 if s.model_type == "bert" else _parts(config)[1]


def lora_targets(config) -> list[str]:
    """The module names this package puts LoRA adapters on for ``config``'s architecture
    (:data:`LORA_TARGETS`)."""
    s = Shape.of(config)
    if s.model_type not in LORA_TARGETS:
        raise ValueError(f"No LoRA targets for model type {s.model_type!r}; known: {', '.join(LORA_TARGETS)}.")
    return list(LORA_TARGETS[s.model_type])


def lora_param_count(config, r: int, targets: list[str] | None = None) -> int:
    """Adapter parameters: ``r x (in + out)`` for every targeted linear layer of every block.

    A target matches a layer whose name ends with it (peft's rule): ``"c_proj"`` hits both GPT-2
    projections, ``"output.dense"`` both BERT output layers."""
    targets = lora_targets(config) if targets is None else list(targets)
    shapes = linear_shapes(config)
    per_block = sum(r * (a + b) for name, (a, b) in shapes.items()
                    if any(name == t or name.endswith("." + t) for t in targets))
    return Shape.of(config).layers * per_block
