"""Turning texts into what a classifier eats, and caching the frozen part on disk.

Three input kinds, one per way of training (see :mod:`w2s_edu.models.backbones`):

* ``features``: the pooled output of the whole frozen backbone, one vector per text (``probe``);
* ``hidden``: per-token hidden states after the frozen lower blocks of a BERT-style encoder,
  fed to the trainable top blocks (``finetune`` with ``train_layers=k``: the fast path);
* ``tokens``: token ids, fed to a whole trainable backbone (``finetune``, any architecture).

The frozen part never changes, so its output is computed once per (model, depth, texts) and stored
on disk: sweeps, reruns and every seed reuse it. Inference runs in length-sorted batches, so a
batch of short texts is not padded to the length of the longest text in the data set.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from .. import cache
from .registry import ModelSpec, weights_key
from .backbones import (backbone_kind, can_cache_trunk, load_backbone, load_tokenizer, run_bert_layers,
                        transformer_layers)
from .classifiers import pool, position_ids_from_mask


@dataclass
class Inputs:
    """Classifier inputs for N texts, stored flat so that caching and slicing are cheap.

    ``data`` is (N, H) for features; for tokens/hidden it is the concatenation of every text's
    rows (ids, or (T, H) states) with ``offsets`` marking where each text starts and ends.
    """

    kind: str
    data: torch.Tensor
    offsets: torch.Tensor | None = None
    pad_id: int = 0
    # Which texts the store holds (a hash): with the row numbers it names the examples exactly, so
    # the pipeline's result cache can never mix two datasets whose splits have the same layout.
    fingerprint: str | None = None

    def __len__(self) -> int:
        return self.data.shape[0] if self.offsets is None else len(self.offsets) - 1

    def lengths(self) -> torch.Tensor:
        if self.offsets is None:
            return torch.ones(len(self), dtype=torch.long)
        return self.offsets[1:] - self.offsets[:-1]

    def subset(self, idx) -> "Inputs":
        """The examples ``idx`` (in that order) as a new :class:`Inputs`."""
        idx = torch.as_tensor(idx, dtype=torch.long)
        if self.offsets is None:
            return Inputs(self.kind, self.data[idx], None, self.pad_id)
        rows = [self.data[s:e] for s, e in zip(self.offsets[idx].tolist(), self.offsets[idx + 1].tolist())]
        return _ragged(rows, self.kind, self.pad_id)

    def batch(self, idx, padding_side: str = "right") -> dict:
        """Collate the examples ``idx`` into a padded batch (dynamic padding: the batch's own max)."""
        idx = torch.as_tensor(idx, dtype=torch.long)
        if self.offsets is None:
            return {"features": self.data[idx]}
        starts, ends = self.offsets[idx], self.offsets[idx + 1]
        width = int((ends - starts).max())
        tail = self.data.shape[1:]
        fill = self.pad_id if self.kind == "tokens" else 0
        out = torch.full((len(idx), width, *tail), fill, dtype=self.data.dtype)
        mask = torch.zeros(len(idx), width, dtype=torch.long)
        for row, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
            cols = slice(0, e - s) if padding_side == "right" else slice(width - (e - s), width)
            out[row, cols] = self.data[s:e]
            mask[row, cols] = 1
        key = "input_ids" if self.kind == "tokens" else "hidden"
        return {key: out, "attention_mask": mask}


def _ragged(rows: list[torch.Tensor], kind: str, pad_id: int = 0) -> Inputs:
    offsets = torch.zeros(len(rows) + 1, dtype=torch.long)
    offsets[1:] = torch.cumsum(torch.tensor([len(r) for r in rows]), 0)
    return Inputs(kind, torch.cat(rows), offsets, pad_id)


def tokenize(tokenizer, texts: list[str], max_length: int) -> Inputs:
    """Token ids of each text (no padding yet: batches pad themselves)."""
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=False)
    rows = [torch.tensor(ids, dtype=torch.long) for ids in enc["input_ids"]]
    return _ragged(rows, "tokens", pad_id=tokenizer.pad_token_id or 0)


def length_sorted_batches(lengths: torch.Tensor, batch_size: int) -> list[torch.Tensor]:
    """Index batches of similar length (longest first), for inference without wasted padding."""
    order = torch.argsort(lengths, descending=True, stable=True)
    return list(order.split(batch_size))


@torch.no_grad()
def _encode(model, tokens: Inputs, kind: str, depth: int | None, batch_size: int,
            device: str, desc: str) -> Inputs:
    """Run the frozen part of ``model`` over every text (length-sorted batches)."""
    model = model.to(device)
    arch = backbone_kind(model)
    n = len(tokens)
    pooled: torch.Tensor | None = None
    per_text: list[torch.Tensor | None] = [None] * n
    batches = length_sorted_batches(tokens.lengths(), batch_size)
    for idx in tqdm(batches, desc=desc, leave=False, unit="batch"):
        batch = {k: v.to(device) for k, v in tokens.batch(idx).items()}
        mask = batch["attention_mask"]
        if kind == "features":
            kwargs = dict(batch)
            if arch == "causal":
                kwargs["position_ids"] = position_ids_from_mask(mask)
            out = pool(model(**kwargs).last_hidden_state, mask, arch).float().cpu()
            if pooled is None:
                pooled = torch.empty(n, out.shape[1])
            pooled[idx] = out
        else:  # per-token states after the first `depth` blocks
            hidden = model.embeddings(input_ids=batch["input_ids"])
            hidden = run_bert_layers(model, transformer_layers(model)[:depth], hidden, mask)
            hidden = hidden.float().cpu()
            for row, i in enumerate(idx.tolist()):
                per_text[i] = hidden[row, : int(mask[row].sum())]
    if kind == "features":
        return Inputs("features", pooled if pooled is not None else torch.empty(0, 0))
    return _ragged(per_text, "hidden")


def frozen_inputs(spec: ModelSpec, texts: list[str], *, kind: str, train_layers: int | None = None,
                  max_length: int = 64, batch_size: int = 64, device: str = "cpu",
                  use_cache: bool = True) -> Inputs:
    """Classifier inputs of ``kind`` for ``texts``; the frozen part is read from / written to disk.

    ``kind="features"`` (probe) pools the whole backbone; ``kind="hidden"`` stops below the top
    ``train_layers`` blocks; ``kind="tokens"`` only tokenizes.
    """
    inputs = _frozen_inputs(spec, texts, kind, train_layers, max_length, batch_size, device, use_cache)
    inputs.fingerprint = cache.texts_hash(texts)
    return inputs


def _frozen_inputs(spec, texts, kind, train_layers, max_length, batch_size, device, use_cache) -> Inputs:
    if kind == "tokens":  # a whole backbone trains on them: no pretrained copy is needed in memory
        return tokenize(load_tokenizer(spec), texts, max_length)
    model, tokenizer = load_backbone(spec)
    depth = None
    if kind == "hidden":
        if not can_cache_trunk(model):
            raise ValueError(f"Cached lower layers need a BERT-style encoder; {spec.name} is not one.")
        depth = len(transformer_layers(model)) - int(train_layers)
    key = cache.stable_hash({
        "model": weights_key(spec), "layers": spec.num_layers, "kind": kind, "depth": depth,
        "max_length": max_length, "texts": cache.texts_hash(texts), "v": 1,
        **({"dtype": spec.dtype} if spec.dtype else {}),  # weights loaded in half precision (GPU)
    })
    path = cache.cache_dir("features") / f"{key}.pt"
    saved = cache.load_or_none(path, lambda p: _read_inputs(p, kind)) if use_cache else None
    if saved is not None:
        return saved
    part = {None: "", 0: " (embeddings)"}.get(depth, f" (embeddings + first {depth} blocks)")
    desc = f"encoding {len(texts)} texts with {spec.name}{part}"
    inputs = _encode(model, tokenize(tokenizer, texts, max_length), kind, depth, batch_size, device, desc)
    if use_cache:
        payload = {"data": inputs.data, **({"offsets": inputs.offsets} if inputs.offsets is not None else {})}
        cache.atomic_write(path, lambda tmp: torch.save(payload, tmp))
        cache.write_meta(path, {"model": spec.name, "path": spec.path, "layers": spec.num_layers, "kind": kind,
                                "depth": depth, "texts": len(texts)})  # for `w2s-edu cache --clear-model`
    return inputs


def _read_inputs(path, kind: str) -> Inputs:
    """A cached store (``{"data": ..., "offsets": ...}``); raises on a damaged file."""
    saved = torch.load(path, weights_only=True)
    return Inputs(kind, saved["data"], saved.get("offsets"))
