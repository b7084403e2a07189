"""Pairs of texts for reward models: inputs that hold each text once, and the Bradley-Terry head.

:class:`PairInputs` gives the training loop the ``len``/``lengths``/``subset``/``batch`` interface of
:class:`w2s_edu.models.features.Inputs` over pairs of encoded texts. :class:`BradleyTerryModel` wraps a
scorer with one output and returns the two logits ``[0, r(A) - r(B)]``, so every loss and metric applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .features import Inputs

# --------------------------------------------------------------------------- model and inputs

@dataclass
class PairInputs:
    """N pairs of texts for the training loop: ``base`` holds each distinct text once (encoded), and
    ``a``/``b`` are the positions of each pair's two texts in it. Same interface as
    :class:`w2s_edu.models.features.Inputs` (``len``, ``lengths``, ``subset``, ``batch``)."""

    base: Inputs
    a: torch.Tensor
    b: torch.Tensor

    def __post_init__(self):
        self.a = torch.as_tensor(self.a, dtype=torch.long)
        self.b = torch.as_tensor(self.b, dtype=torch.long)
        if self.a.shape != self.b.shape or self.a.dim() != 1:
            raise ValueError(f"a and b must be 1-D and the same length, got {tuple(self.a.shape)} and "
                             f"{tuple(self.b.shape)}")

    @property
    def kind(self) -> str:
        return self.base.kind

    def __len__(self) -> int:
        return len(self.a)

    def lengths(self) -> torch.Tensor:
        lengths = self.base.lengths()
        return torch.maximum(lengths[self.a], lengths[self.b])

    def subset(self, idx) -> "PairInputs":
        idx = torch.as_tensor(idx, dtype=torch.long)
        return PairInputs(self.base, self.a[idx], self.b[idx])

    def swapped(self) -> "PairInputs":
        """The same pairs with A and B exchanged."""
        return PairInputs(self.base, self.b, self.a)

    def batch(self, idx, padding_side: str = "right") -> dict:
        """A flat dict (the training loop moves each value to the device): ``a/<key>`` and ``b/<key>``
        hold the two texts' batches, e.g. ``a/features`` or ``a/input_ids`` + ``a/attention_mask``."""
        idx = torch.as_tensor(idx, dtype=torch.long)
        out = {}
        for side, pos in (("a", self.a), ("b", self.b)):
            out.update({f"{side}/{k}": v for k, v in self.base.batch(pos[idx], padding_side).items()})
        return out


def _side(batch: dict, side: str) -> dict:
    prefix = f"{side}/"
    return {k[len(prefix):]: v for k, v in batch.items() if k.startswith(prefix)}


class BradleyTerryModel(nn.Module):
    """Two logits ``[0, r(A) - r(B)]`` from a scorer with one output ``r``: softmax gives
    ``P(A better) = sigmoid(r(A) - r(B))`` (Bradley-Terry), and swapping A and B gives ``1 - P``."""

    def __init__(self, scorer: nn.Module):
        super().__init__()
        self.scorer = scorer
        self.input_kind = getattr(scorer, "input_kind", None)

    def reward(self, batch: dict) -> torch.Tensor:
        """Scores (B,) of one side's batch (keys without the ``a/``/``b/`` prefix)."""
        out = self.scorer(batch)
        if out.dim() != 2 or out.shape[1] != 1:
            raise ValueError(f"the scorer must return one score per example, shape (B, 1); got {tuple(out.shape)}. "
                             "Build it with num_classes=1.")
        return out[:, 0]

    def forward(self, batch: dict) -> torch.Tensor:
        diff = self.reward(_side(batch, "a")) - self.reward(_side(batch, "b"))
        return torch.stack([torch.zeros_like(diff), diff], dim=1)


def bradley_terry_prob(reward_a, reward_b) -> torch.Tensor:
    """P(A better than B) = sigmoid(r(A) - r(B))."""
    return torch.sigmoid(torch.as_tensor(reward_a) - torch.as_tensor(reward_b))


