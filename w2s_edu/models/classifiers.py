"""Classifiers: backbone + pooling + linear head, in the three ways this package trains them.

* pooling turns per-token hidden states into one vector per example, from the attention mask: the
  mean over real tokens for encoders, the last real token for causal LMs (which only "see" the whole
  text at the end). Padding may be on either side;
* :class:`LinearProbe`: a linear head on frozen pooled features (``mode="probe"``);
* :class:`TopLayersClassifier`: the top k blocks of a BERT-style encoder + pooling + head, fed cached
  hidden states of the frozen lower blocks (``mode="finetune"`` with ``train_layers=k``: the fast path);
* :class:`TransformerClassifier`: a whole backbone + pooling + head on token ids (any architecture).

Each has a head with ``num_classes`` outputs (2 for true/false; 1 for a reward model's score).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from .backbones import backbone_kind, freeze_lower_layers, run_bert_layers, transformer_layers


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
