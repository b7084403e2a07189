"""Models: every model name (:mod:`.registry`), parameter arithmetic (:mod:`.params`), loading backbones
(:mod:`.backbones`), the classifiers built on them (:mod:`.classifiers`), what they read
(:mod:`.features`: tokens, cached frozen features) and pairs for reward models (:mod:`.pairs`).

A classifier in this course is *backbone + pooling + linear head*. Add a model family by adding its
rungs to :data:`.registry.LADDERS`; any hub id or ``save_pretrained`` folder works without that.
"""

from .backbones import (
    apply_lora,
    backbone_kind,
    enable_gradient_checkpointing,
    fresh_backbone,
    load_backbone,
    trainable_parameters,
    transformer_layers,
)
from .classifiers import LinearProbe, TopLayersClassifier, TransformerClassifier, last_token_pool, mean_pool, pool
from .features import Inputs, frozen_inputs, tokenize
from .pairs import BradleyTerryModel, PairInputs
from .params import LORA_TARGETS, param_count
from .registry import (
    CHESS_LADDER,
    LADDERS,
    OFFLINE_LADDER,
    ModelSpec,
    Rung,
    describe,
    get_rung,
    ladder,
    list_models,
    resolve_model,
)

__all__ = [
    "BradleyTerryModel", "CHESS_LADDER", "Inputs", "LADDERS", "LORA_TARGETS", "LinearProbe", "ModelSpec",
    "OFFLINE_LADDER", "PairInputs", "Rung", "TopLayersClassifier", "TransformerClassifier", "apply_lora",
    "backbone_kind", "describe", "enable_gradient_checkpointing", "fresh_backbone", "frozen_inputs", "get_rung",
    "ladder", "last_token_pool", "list_models", "load_backbone", "mean_pool", "param_count", "pool",
    "resolve_model", "tokenize", "trainable_parameters", "transformer_layers",
]
