"""How one model of an experiment trains, and the cached unit of work: train one classifier, predict.

A :class:`ModelRole` is one (model, mode) pair of an experiment: it knows what its classifiers read
(``features`` for a probe, ``hidden`` for the cached-trunk fast path, ``tokens`` otherwise), builds
fresh classifiers (the one builder, LoRA and gradient checkpointing included), encodes texts, and
turns the experiment config into a :class:`w2s_edu.train.TrainConfig`.

:func:`train_and_predict` trains one classifier of a role and returns its class probabilities on the
splits asked for. Every result is cached on disk under a key built from everything that determined it
(model, mode, hyperparameters, seed, the exact training examples and texts, where the labels came
from), written atomically: a rerun resumes where an interrupted one stopped, and a sweep trains each
weak model once.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from .. import cache
from ..config import W2SConfig
from ..models.backbones import (
    apply_lora,
    backbone_skeleton,
    can_cache_trunk,
    enable_gradient_checkpointing,
    fresh_backbone,
    load_backbone,
    transformer_layers,
)
from ..models.classifiers import LinearProbe, TopLayersClassifier, TransformerClassifier
from ..models.features import Inputs, frozen_inputs
from ..models.registry import resolve_model, weights_key
from ..losses import loss_name
from ..train.callable_loss import loss_cache_key
from ..train.executor import LocalExecutor
from ..train.loop import TrainConfig, pick_device, resolve_precision

HALF_DTYPES = {"bf16": "bfloat16", "fp16": "float16"}


class ModelRole:
    """One (model, mode) pair: knows its input kind, builds fresh classifiers, encodes texts."""

    def __init__(self, name: str, mode: str, cfg: W2SConfig):
        self.name, self.mode, self.cfg = name, mode, cfg
        self.spec = resolve_model(name)
        device = pick_device(cfg.device)
        self.precision = resolve_precision(cfg.precision, device)
        self.lora = mode == "finetune" and cfg.lora_r is not None
        if self.precision in HALF_DTYPES and device.startswith("cuda") and (mode == "probe" or self.lora):
            # frozen weights need no fp32 master copy: half the memory (w2s_edu.scale.memory)
            self.spec = dataclasses.replace(self.spec, dtype=HALF_DTYPES[self.precision])
        skeleton = backbone_skeleton(self.spec)  # the architecture without weights: nothing loads yet
        self.hidden_size = skeleton.config.hidden_size
        # train_layers=k: the top k blocks train (at most all of them; the embeddings stay frozen);
        # None: everything trains. BERT-style encoders run their frozen part once (cached).
        depth = len(transformer_layers(skeleton))
        k = None if cfg.train_layers is None or mode == "probe" or self.lora else min(cfg.train_layers, depth)
        if mode == "probe":
            self.kind = "features"
        elif k is not None and can_cache_trunk(skeleton):
            self.kind = "hidden"
        else:
            self.kind = "tokens"
        self.train_layers = k

    def key(self) -> dict:
        key = {"model": weights_key(self.spec), "layers": self.spec.num_layers, "mode": self.mode,
               "train_layers": self.train_layers, "max_length": self.cfg.max_length}
        if self.spec.dtype:  # only when set, so that runs cached before these options keep their keys
            key["dtype"] = self.spec.dtype
        if self.lora:
            c = self.cfg
            key["lora"] = [c.lora_r, c.lora_alpha, c.lora_dropout, c.lora_target_modules]
        return key

    def inputs(self, texts: list[str]) -> Inputs:
        return frozen_inputs(self.spec, texts, kind=self.kind, train_layers=self.train_layers,
                             max_length=self.cfg.max_length, device=pick_device(self.cfg.device))

    def new_classifier(self, seed: int, num_classes: int = 2):
        """A fresh classifier of this role (seeded): the one builder for every role, so LoRA and
        gradient checkpointing apply wherever they are set (reward models use ``num_classes=1``)."""
        torch.manual_seed(seed)
        if self.kind == "features":
            return LinearProbe(self.hidden_size, num_classes=num_classes)
        c = self.cfg
        if self.kind == "hidden":  # the top blocks are copied from the pretrained model that encoded the rest
            backbone, _ = load_backbone(self.spec)
            return TopLayersClassifier(backbone, self.train_layers, num_classes=num_classes,
                                       gradient_checkpointing=c.gradient_checkpointing)
        backbone = fresh_backbone(self.spec)[0]
        if c.gradient_checkpointing:
            enable_gradient_checkpointing(backbone)
        if self.lora:
            backbone = apply_lora(backbone, c.lora_r, c.lora_alpha, c.lora_dropout, c.lora_target_modules)
        return TransformerClassifier(backbone, self.train_layers, num_classes=num_classes)

    def train_config(self, loss, seed: int, validate: bool = False) -> TrainConfig:
        c, options = self.cfg, self.cfg.loss_kwargs[loss_name(loss)]
        if validate:
            return self.train_config(loss, seed).replace(eval_every=c.eval_every, patience=c.patience)
        if self.mode == "probe":
            return TrainConfig(epochs=c.probe_epochs, lr=c.probe_lr, batch_size=c.probe_batch_size,
                               weight_decay=c.probe_weight_decay, loss=loss,
                               loss_kwargs=options, seed=seed, device=c.device, precision=self.precision)
        return TrainConfig(epochs=c.epochs, lr=c.lr, batch_size=c.batch_size,
                           micro_batch_size=c.micro_batch_size, loss=loss,
                           loss_kwargs=options, seed=seed, device=c.device, precision=self.precision)


def validation_labels(cfg: W2SConfig, weak: dict, y: dict) -> tuple | None:
    """The students' validation slice as ``train_and_predict`` takes it: ``("val", labels, source)``
    with the weak model's labels or ground truth (``cfg.val_labels``), or None without ``val_size``."""
    if not cfg.val_size:
        return None
    if cfg.val_labels == "weak":
        return ("val", weak["val"].argmax(1), weak["key"])
    return ("val", y["val"], "ground_truth")


def train_and_predict(role: ModelRole, inputs: Inputs, rows: dict[str, np.ndarray], train_split: str,
                      targets: np.ndarray, loss, seed: int, labels_from: str, desc: str,
                      predict_on: tuple[str, ...] = ("test",), val: tuple | None = None,
                      executor: LocalExecutor | None = None) -> dict:
    """Train a classifier of ``role`` on ``rows[train_split]`` against ``targets`` and return its
    class probabilities on each split of ``predict_on`` (a dict), from the cache when present.

    ``val=(split, labels, labels_from)`` evaluates on ``rows[split]`` during training (early stopping
    when the config sets ``patience``); the returned ``eval_step``/``eval_acc`` are its curve.
    ``executor`` trains, predicts and shares the cache (:class:`w2s_edu.train.executor.LocalExecutor` by
    default; :class:`w2s_edu.train.distributed.AccelerateExecutor` for several processes)."""
    tcfg = role.train_config(loss, seed, validate=val is not None)
    loss_key = loss_cache_key(loss)  # None: a loss function whose code cannot be hashed is never cached
    train_key = tcfg.to_dict() | {"device": None, "loss": loss_key}
    if train_key["precision"] == "fp32":  # the runs cached before precision existed were fp32: same keys
        del train_key["precision"]
    ex = executor or LocalExecutor()
    key = cache.stable_hash({
        "role": role.key(), "train": train_key, "seed": seed,
        "train_rows": cache.stable_hash(rows[train_split].tolist()), "labels_from": labels_from,
        "eval_rows": {k: cache.stable_hash(rows[k].tolist()) for k in predict_on},
        "val": None if val is None else [cache.stable_hash(rows[val[0]].tolist()), val[2]], "v": 1,
        "texts": getattr(inputs, "fingerprint", None),  # rows are positions: which texts they point into
    })
    path = cache.cache_dir("runs") / f"{key}.npz"
    cached = loss_key is not None and ex.cached(path)
    saved = cache.load_or_none(path, _read_run) if cached else None  # None: missing or damaged
    if saved is not None:
        return {"key": key, **saved}
    model = role.new_classifier(seed)
    val_data = None if val is None else (inputs.subset(rows[val[0]]), val[1])
    history = ex.train(model, inputs.subset(rows[train_split]), targets, tcfg, val=val_data, desc=desc,
                       show_progress=role.cfg.show_progress)
    out = {split: ex.predict(model, inputs.subset(rows[split]), tcfg) for split in predict_on}
    out["loss_curve"] = np.asarray(history["loss"], dtype=np.float32)
    out["eval_step"] = np.asarray(history["eval_step"], dtype=np.int64)
    out["eval_acc"] = np.asarray(history["eval_acc"], dtype=np.float32)
    if loss_key is None:
        return {"key": key, **out}
    ex.write(path, lambda tmp: _write_run(tmp, out))
    # the sidecar names the model, for `w2s-edu cache --clear-model` (the key is a hash)
    ex.write(cache.meta_path(path), cache.json_writer({
        "model": role.spec.name, "path": role.spec.path, "layers": role.spec.num_layers, "mode": role.mode,
        "loss": loss_name(loss), "seed": seed, "desc": desc}))
    return {"key": key, **out}


def _read_run(path) -> dict:
    # every array is read here, so that a damaged member fails inside load_or_none; the file is ours to
    # close (np.load leaves it open when the zip is damaged, and an open file cannot be moved on Windows)
    with open(path, "rb") as f, np.load(f) as saved:
        return {k: saved[k] for k in saved.files}


def _write_run(tmp: str, out: dict) -> None:
    with open(tmp, "wb") as f:
        np.savez(f, **out)
