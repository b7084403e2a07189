"""The weak-to-strong pipeline: weak model -> weak labels -> strong student, beside the ceiling.

For each seed:

1. split the task into ``train_weak``, ``train_strong`` and ``test`` (disjoint, balanced);
2. train the **weak** supervisor on ``train_weak`` ground truth;
3. label ``train_strong`` with the weak model's *soft* predictions (probabilities);
4. train the **strong ceiling** on ``train_weak`` ground truth (what the strong model can do);
5. train the **strong student** on the weak labels, once per loss (xent, logconf, product);
6. measure everything on ``test``: accuracies, PGR, agreement with the supervisor.

Every trained model's predictions are cached on disk under a key built from everything that
determined them (model, mode, hyperparameters, seed, the exact training examples, where the labels
came from), written atomically. A rerun resumes where an interrupted one stopped, and a sweep over
many weak x strong pairs trains each weak model once.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import time
import warnings
from typing import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

from .. import cache
from ..config import W2SConfig
from ..models.features import Inputs, frozen_inputs
from .metrics import PGRUndefinedWarning, accuracy, agreement_by_supervisor, auroc, bootstrap_pgr_ci, pgr
from ..models.backbones import (
    LinearProbe,
    TopLayersClassifier,
    TransformerClassifier,
    apply_lora,
    can_cache_trunk,
    enable_gradient_checkpointing,
    fresh_backbone,
    load_backbone,
    resolve_model,
    transformer_layers,
    weights_key,
)
from .results import W2SResult
from ..tasks.splits import split_task
from ..tasks.registry import get_task
from ..train.loop import TrainConfig, pick_device, predict_proba, resolve_precision, train_classifier

HALF_DTYPES = {"bf16": "bfloat16", "fp16": "float16"}


class LocalExecutor:
    """How :func:`train_and_predict` trains, predicts and shares cached results: here, in this one
    process. :mod:`w2s_edu.train.distributed` swaps in one for several processes (:func:`executor`)."""

    def train(self, model, inputs: Inputs, targets, cfg: TrainConfig, **kwargs) -> dict:
        return train_classifier(model, inputs, targets, cfg, **kwargs)

    def predict(self, model, inputs: Inputs, cfg: TrainConfig) -> np.ndarray:
        return predict_proba(model, inputs, device=cfg.device, precision=cfg.precision)

    def cached(self, path) -> bool:
        return path.exists()

    def write(self, path, write: Callable[[str], None]) -> None:
        cache.atomic_write(path, write)


_EXECUTOR: contextvars.ContextVar = contextvars.ContextVar("w2s_executor", default=LocalExecutor())


@contextlib.contextmanager
def executor(ex):
    """Run the pipeline's training through ``ex`` inside the ``with`` block."""
    token = _EXECUTOR.set(ex)
    try:
        yield ex
    finally:
        _EXECUTOR.reset(token)


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
        backbone, _ = load_backbone(self.spec)
        self.hidden_size = backbone.config.hidden_size
        # train_layers=k: the top k blocks train (at most all of them; the embeddings stay frozen);
        # None: everything trains. BERT-style encoders run their frozen part once (cached).
        depth = len(transformer_layers(backbone))
        k = None if cfg.train_layers is None or mode == "probe" or self.lora else min(cfg.train_layers, depth)
        if mode == "probe":
            self.kind = "features"
        elif k is not None and can_cache_trunk(backbone):
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

    def new_classifier(self, seed: int):
        torch.manual_seed(seed)
        if self.kind == "features":
            return LinearProbe(self.hidden_size)
        backbone, _ = load_backbone(self.spec)
        c = self.cfg
        if self.kind == "hidden":
            return TopLayersClassifier(backbone, self.train_layers, gradient_checkpointing=c.gradient_checkpointing)
        backbone = fresh_backbone(self.spec)[0]
        if c.gradient_checkpointing:
            enable_gradient_checkpointing(backbone)
        if self.lora:
            backbone = apply_lora(backbone, c.lora_r, c.lora_alpha, c.lora_dropout, c.lora_target_modules)
        return TransformerClassifier(backbone, self.train_layers)

    def train_config(self, loss: str, seed: int, validate: bool = False) -> TrainConfig:
        c = self.cfg
        if validate:
            return self.train_config(loss, seed).replace(eval_every=c.eval_every, patience=c.patience)
        if self.mode == "probe":
            return TrainConfig(epochs=c.probe_epochs, lr=c.probe_lr, batch_size=c.probe_batch_size,
                               weight_decay=c.probe_weight_decay, loss=loss,
                               loss_kwargs=c.loss_kwargs[loss], seed=seed, device=c.device, precision=self.precision)
        return TrainConfig(epochs=c.epochs, lr=c.lr, batch_size=c.batch_size,
                           micro_batch_size=c.micro_batch_size, loss=loss,
                           loss_kwargs=c.loss_kwargs[loss], seed=seed, device=c.device, precision=self.precision)


def validation_labels(cfg: W2SConfig, weak: dict, y: dict) -> tuple | None:
    """The students' validation slice as ``train_and_predict`` takes it: ``("val", labels, source)``
    with the weak model's labels or ground truth (``cfg.val_labels``), or None without ``val_size``."""
    if not cfg.val_size:
        return None
    if cfg.val_labels == "weak":
        return ("val", weak["val"].argmax(1), weak["key"])
    return ("val", y["val"], "ground_truth")


def train_and_predict(role: ModelRole, inputs: Inputs, rows: dict[str, np.ndarray], train_split: str,
                      targets: np.ndarray, loss: str, seed: int, labels_from: str, desc: str,
                      predict_on: tuple[str, ...] = ("test",), val: tuple | None = None) -> dict:
    """Train a classifier of ``role`` on ``rows[train_split]`` against ``targets`` and return its
    class probabilities on each split of ``predict_on`` (a dict), from the cache when present.

    ``val=(split, labels, labels_from)`` evaluates on ``rows[split]`` during training (early stopping
    when the config sets ``patience``); the returned ``eval_step``/``eval_acc`` are its curve."""
    tcfg = role.train_config(loss, seed, validate=val is not None)
    train_key = tcfg.to_dict() | {"device": None}
    if train_key["precision"] == "fp32":  # the runs cached before precision existed were fp32: same keys
        del train_key["precision"]
    ex = _EXECUTOR.get()
    key = cache.stable_hash({
        "role": role.key(), "train": train_key, "seed": seed,
        "train_rows": cache.stable_hash(rows[train_split].tolist()), "labels_from": labels_from,
        "eval_rows": {k: cache.stable_hash(rows[k].tolist()) for k in predict_on},
        "val": None if val is None else [cache.stable_hash(rows[val[0]].tolist()), val[2]], "v": 1,
        "texts": getattr(inputs, "fingerprint", None),  # rows are positions: which texts they point into
    })
    path = cache.cache_dir("runs") / f"{key}.npz"
    if ex.cached(path):
        with np.load(path) as saved:
            return {"key": key, **{k: saved[k] for k in saved.files}}
    model = role.new_classifier(seed)
    val_data = None if val is None else (inputs.subset(rows[val[0]]), val[1])
    history = ex.train(model, inputs.subset(rows[train_split]), targets, tcfg, val=val_data, desc=desc,
                       show_progress=role.cfg.show_progress)
    out = {split: ex.predict(model, inputs.subset(rows[split]), tcfg) for split in predict_on}
    out["loss_curve"] = np.asarray(history["loss"], dtype=np.float32)
    out["eval_step"] = np.asarray(history["eval_step"], dtype=np.int64)
    out["eval_acc"] = np.asarray(history["eval_acc"], dtype=np.float32)
    ex.write(path, lambda tmp: np.savez(open(tmp, "wb"), **out))
    return {"key": key, **out}


def _one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(2, dtype=np.float32)[labels]


def run_w2s(config: W2SConfig | None = None, progress: Callable[[int, int, str], None] | None = None,
            **overrides) -> W2SResult:
    """Run the whole experiment for every seed and loss; returns a :class:`W2SResult`.

    ``progress(done, total, what)``, if given, is called before each model trains and once at the end
    (the experiment panel drives its progress bar with it; the tqdm bar runs either way)."""
    cfg = (config or W2SConfig()).replace(**overrides) if overrides else (config or W2SConfig())
    start = time.time()
    ds = get_task(cfg.task, seed=cfg.task_seed, text_column=cfg.text_column, label_column=cfg.label_column)
    splits = {s: split_task(ds, cfg.n_train_weak, cfg.n_train_strong, cfg.n_test, seed=s) for s in cfg.seeds}
    labels = np.asarray(ds["label"])
    needed = np.unique(np.concatenate([np.asarray(sp[n]["idx"]) for sp in splits.values() for n in sp]))
    texts = list(ds.select(needed)["text"])
    position = {int(i): p for p, i in enumerate(needed)}

    weak = ModelRole(cfg.weak, cfg.weak_mode or cfg.mode, cfg)
    strong = ModelRole(cfg.strong, cfg.mode, cfg)
    if weak.key() == strong.key():
        warnings.warn("The weak and strong models are the same model in the same mode: the ceiling "
                      "cannot be above the supervisor, so PGR is undefined for this run.", PGRUndefinedWarning)
    weak_inputs, strong_inputs = weak.inputs(texts), strong.inputs(texts)

    per_seed = []
    stages = len(cfg.seeds) * (2 + len(cfg.losses))
    with tqdm(total=stages, desc="weak-to-strong", unit="model", disable=not cfg.show_progress) as bar:
        done = [0]  # models trained so far (a disabled tqdm bar does not count)

        def stage(what: str) -> None:
            bar.set_postfix_str(what)
            if progress is not None:
                progress(done[0], stages, what)

        def advance() -> None:
            bar.update()
            done[0] += 1

        for seed in cfg.seeds:
            sp = splits[seed]
            idx = {name: np.asarray(sp[name]["idx"]) for name in sp}
            if cfg.val_size:  # the student's validation examples come out of train_strong
                idx["val"] = idx["train_strong"][-cfg.val_size:]
                idx["train_strong"] = idx["train_strong"][:-cfg.val_size]
            rows = {name: np.asarray([position[int(i)] for i in v]) for name, v in idx.items()}
            y = {name: labels[v] for name, v in idx.items()}
            tag = f"seed {seed}"
            stage(f"{tag}: weak {cfg.weak}")
            w = train_and_predict(weak, weak_inputs, rows, "train_weak", _one_hot(y["train_weak"]), "xent",
                                  seed, "ground_truth", f"{tag} weak {cfg.weak}",
                                  ("train_strong", "test") + (("val",) if cfg.val_size else ()))
            advance()
            stage(f"{tag}: ceiling {cfg.strong}")
            c = train_and_predict(strong, strong_inputs, rows, "train_weak", _one_hot(y["train_weak"]), "xent",
                                  seed, "ground_truth", f"{tag} ceiling {cfg.strong}")
            advance()
            val = validation_labels(cfg, w, y)
            students = {}
            for loss in cfg.losses:
                stage(f"{tag}: {cfg.strong} on weak labels ({loss})")
                students[loss] = train_and_predict(strong, strong_inputs, rows, "train_strong",
                                                   w["train_strong"], loss, seed, w["key"],
                                                   f"{tag} w2s {loss}", val=val)
                advance()
            per_seed.append(_seed_metrics(seed, y, w, c, students))
        stage("done")
    return _summarize(cfg, per_seed, time.time() - start)


def _seed_metrics(seed: int, y: dict, weak: dict, ceiling: dict, students: dict) -> dict:
    test = y["test"]
    weak_pred = weak["test"].argmax(1)
    out = {
        "seed": seed,
        "weak_acc": accuracy(weak["test"], test),
        "weak_auroc": auroc(weak["test"], test),
        "weak_label_acc": accuracy(weak["train_strong"], y["train_strong"]),
        "ceiling_acc": accuracy(ceiling["test"], test),
        "ceiling_auroc": auroc(ceiling["test"], test),
        "w2s_acc": {}, "w2s_auroc": {}, "agreement": {},
        "_correct": {"weak": weak_pred == test, "ceiling": ceiling["test"].argmax(1) == test},
        "_loss_curves": {loss: s["loss_curve"].tolist() for loss, s in students.items()},
        "val_curves": {loss: {"step": s["eval_step"].tolist(), "acc": s["eval_acc"].tolist()}
                       for loss, s in students.items() if len(s.get("eval_step", ()))},
    }
    for loss, s in students.items():
        pred = s["test"].argmax(1)
        out["w2s_acc"][loss] = accuracy(s["test"], test)
        out["w2s_auroc"][loss] = auroc(s["test"], test)
        out["agreement"][loss] = agreement_by_supervisor(pred, weak_pred, test)
        out["_correct"][loss] = pred == test
    return out


def _summarize(cfg: W2SConfig, per_seed: list[dict], seconds: float) -> W2SResult:
    weak = [p["weak_acc"] for p in per_seed]
    ceiling = [p["ceiling_acc"] for p in per_seed]
    w2s = {loss: [p["w2s_acc"][loss] for p in per_seed] for loss in cfg.losses}
    pgrs = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PGRUndefinedWarning)
        for loss in cfg.losses:
            stacked = {k: np.stack([p["_correct"][k] for p in per_seed]).astype(int)
                       for k in ("weak", "ceiling", loss)}
            pgrs[loss] = {
                "mean": pgr(float(np.mean(weak)), float(np.mean(w2s[loss])), float(np.mean(ceiling))),
                "ci": list(bootstrap_pgr_ci(stacked["weak"], stacked[loss], stacked["ceiling"], seed=0)),
                "per_seed": [pgr(a, b, c) for a, b, c in zip(weak, w2s[loss], ceiling)],
            }
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, PGRUndefinedWarning)})
    for note in notes[:1]:
        warnings.warn(note, PGRUndefinedWarning, stacklevel=3)
    details = [{k: v for k, v in p.items() if not k.startswith("_")} | {"loss_curves": p["_loss_curves"]}
               for p in per_seed]
    return W2SResult(config=cfg.to_dict(), seeds=list(cfg.seeds), weak_acc=weak, ceiling_acc=ceiling,
                     w2s_acc=w2s, pgr=pgrs, seconds=seconds, per_seed=details, notes=notes,
                     correct={k: [p["_correct"][k].astype(int).tolist() for p in per_seed]
                              for k in per_seed[0]["_correct"]})


def run_sweep(config: W2SConfig, weak_models: list[str], strong_models: list[str]) -> dict:
    """Every weak x strong pair (weak below strong in the list order is up to you); the cache
    makes each weak model and each encoded feature set train or encode once."""
    results = {}
    for weak in weak_models:
        for strong in strong_models:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PGRUndefinedWarning)
                results[(weak, strong)] = run_w2s(config.replace(weak=weak, strong=strong))
    return results
