"""The weak-to-strong experiment wired from the learner's own pieces (lesson 03).

Lesson 03 has the learner write the parts that matter: pooling, a classifier head on a backbone, a
training step against soft targets, and the weak labels. :func:`run_by_hand` plugs those functions
into a plain training loop on real pretrained transformers, so the experiment that runs is *their*
code; the data, the tokenizer and the batching come from the package. The package's own pipeline
(:func:`w2s_edu.experiment.pipeline.run_w2s`) runs the same recipe with its reference parts, faster, and the
lesson compares the two.

The roles, as in the paper:

* **weak supervisor**: the small model's backbone frozen, a linear head trained on ground truth of
  ``train_weak`` (a probe);
* **strong student**: the large model, every weight trained on the weak model's soft labels of
  ``train_strong``;
* **strong ceiling**: the same large model trained on ground truth of ``train_weak``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

from ..losses import one_hot
from ..models.features import Inputs, tokenize
from ..models.backbones import backbone_kind, fresh_backbone, load_backbone
from ..models.registry import resolve_model
from ..tasks.splits import split_task
from ..tasks.registry import get_task

# The ladders lesson 03 offers: one variable in its parameters cell picks (weak, strong).
LADDERS = {
    "offline": ("minilm-l2", "minilm-l6"),  # ships with the package: no download
    "gpt2": ("gpt2", "gpt2-medium"),  # 124M -> 355M; ~1.5 GB download, ~4x slower than offline on a CPU
    "pythia": ("EleutherAI/pythia-70m", "EleutherAI/pythia-410m"),  # ~1 GB download, ~3x slower
}


@dataclass
class HandmadeConfig:
    task: str = "categories"
    weak: str = "minilm-l2"
    strong: str = "minilm-l6"
    n_train_weak: int = 1000
    n_train_strong: int = 1000
    n_test: int = 1000
    max_length: int = 32
    batch_size: int = 32
    weak_epochs: int = 10  # the probe's head trains on a frozen backbone: cheap steps, more epochs
    weak_lr: float = 1e-2
    strong_epochs: int = 2
    strong_lr: float = 5e-5
    seed: int = 0


def _batches(n: int, batch_size: int, generator: torch.Generator | None = None) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    return list(order.split(batch_size))


def fit(model, train_step: Callable, inputs: Inputs, targets: np.ndarray, epochs: int, lr: float,
        batch_size: int, seed: int, desc: str) -> list[float]:
    """Train ``model`` with the learner's ``train_step(model, optimizer, batch, soft_targets) -> loss``."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError(f"{desc}: the model has no trainable parameters. Did the classifier register its head "
                         "as an nn.Module attribute (self.head = nn.Linear(...))?")
    optimizer = torch.optim.AdamW(params, lr=lr)
    targets = torch.as_tensor(np.asarray(targets), dtype=torch.float32)
    losses = []
    model.train()
    steps = [b for _ in range(epochs) for b in _batches(len(inputs), batch_size, gen)]
    for idx in tqdm(steps, desc=desc, unit="step", leave=False):
        loss = train_step(model, optimizer, inputs.batch(idx), targets[idx])
        value = float(loss)
        if not np.isfinite(value):
            raise FloatingPointError(f"{desc}: the loss became {value} at step {len(losses)}. Check train_step "
                                     "(log_softmax, not log(softmax)) or lower the learning rate.")
        losses.append(value)
    return losses


def fit_with_loop(train_loop: Callable, model, inputs: Inputs, targets: np.ndarray, evaluate_on: tuple,
                  epochs: int, lr: float, batch_size: int, seed: int, desc: str) -> tuple[list[float], list[float]]:
    """Train ``model`` with the learner's whole loop, ``train_loop(model, train, targets, evaluate_on, epochs,
    batch_size, lr, warmup_frac, seed) -> history``; returns its per-step losses and per-epoch accuracies."""
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError(f"{desc}: the model has no trainable parameters. Did the classifier register its head "
                         "as an nn.Module attribute (self.head = nn.Linear(...))?")
    torch.manual_seed(seed)
    print(f"{desc}: {epochs} epoch(s) with your train_on_soft_labels", flush=True)
    history = train_loop(model, inputs, torch.as_tensor(np.asarray(targets), dtype=torch.float32), evaluate_on,
                         epochs, batch_size, lr, 0.1, seed)
    if not isinstance(history, dict) or not {"loss", "eval_acc"} <= set(history):
        raise ValueError(f"{desc}: train_on_soft_labels returned {type(history).__name__}; expected its history "
                         "dict with 'loss', 'lr' and 'eval_acc'.")
    losses = [float(v) for v in history["loss"]]
    if not all(np.isfinite(losses)):
        raise FloatingPointError(f"{desc}: the loss became non-finite during training. Check the loss "
                                 "(log_softmax, not log(softmax)) or lower the learning rate.")
    return losses, [float(a) for a in history["eval_acc"]]


def run_by_hand(pool: Callable, classifier: Callable, train_step: Callable, weak_labels: Callable,
                config: HandmadeConfig | None = None, train_loop: Callable | None = None, **overrides) -> dict:
    """Run weak -> strong with the learner's pieces; returns test probabilities, labels and timings.

    * ``pool(hidden, mask) -> (B, H)``: the pooling, for this backbone kind (mean for encoders,
      last real token for causal LMs);
    * ``classifier(backbone, pool) -> nn.Module`` whose ``forward(batch)`` takes
      ``{"input_ids", "attention_mask"}`` and returns logits (B, 2);
    * ``train_step(model, optimizer, batch, soft_targets) -> loss``: one optimisation step;
    * ``weak_labels(model, batches) -> np.ndarray (N, 2)``: probabilities on ``train_strong``;
    * ``train_loop`` (optional), the learner's whole loop (lesson 03's ``train_on_soft_labels``): it then
      trains every model instead of :func:`fit`, evaluating on the first 256 test examples after each
      epoch (``out["eval_curves"]``).
    """
    cfg = config or HandmadeConfig()
    if overrides:
        cfg = HandmadeConfig(**{**asdict(cfg), **overrides})
    start = time.time()
    ds = get_task(cfg.task)
    split = split_task(ds, cfg.n_train_weak, cfg.n_train_strong, cfg.n_test, seed=cfg.seed)
    texts = {name: list(split[name]["text"]) for name in split}
    labels = {name: np.asarray(split[name]["label"]) for name in split}
    truth = {name: one_hot(y) for name, y in labels.items()}  # ground-truth targets

    def prepare(name: str, fresh: bool):
        spec = resolve_model(name)
        backbone, tokenizer = fresh_backbone(spec) if fresh else load_backbone(spec)
        inputs = {s: tokenize(tokenizer, t, cfg.max_length) for s, t in texts.items()}
        return backbone, inputs

    def predict(model, inputs: Inputs) -> np.ndarray:
        batches = [inputs.batch(idx) for idx in _batches(len(inputs), 128)]
        probs = np.asarray(weak_labels(model, batches), dtype=np.float64)
        if probs.shape != (len(inputs), 2):
            raise ValueError(f"weak_labels returned shape {probs.shape}; expected ({len(inputs)}, 2).")
        return probs

    out = {"labels": labels["test"], "config": asdict(cfg), "loss_curves": {}, "eval_curves": {}}

    def train(role, model, inputs, split_name, targets, epochs, lr, desc):
        if train_loop is None:
            out["loss_curves"][role] = fit(model, train_step, inputs[split_name], targets, epochs, lr,
                                           cfg.batch_size, cfg.seed, desc)
            return
        n_eval = min(256, len(labels["test"]))
        evaluate_on = (inputs["test"].subset(np.arange(n_eval)), torch.as_tensor(labels["test"][:n_eval]))
        out["loss_curves"][role], out["eval_curves"][role] = fit_with_loop(
            train_loop, model, inputs[split_name], targets, evaluate_on, epochs, lr, cfg.batch_size, cfg.seed, desc)

    # weak supervisor: frozen small backbone + a trained head
    backbone, inputs = prepare(cfg.weak, fresh=True)
    for p in backbone.parameters():
        p.requires_grad_(False)
    weak = classifier(backbone, pool)
    train("weak", weak, inputs, "train_weak", truth["train_weak"], cfg.weak_epochs, cfg.weak_lr,
          f"weak {cfg.weak} (probe)")
    soft = predict(weak, inputs["train_strong"])
    out["weak_labels"], out["weak_label_truth"] = soft, labels["train_strong"]
    out["weak"] = predict(weak, inputs["test"])
    del weak, backbone
    # strong ceiling (ground truth) and strong student (weak labels), each from the pretrained weights
    for role, split_name, targets in (("ceiling", "train_weak", truth["train_weak"]),
                                      ("student", "train_strong", soft)):
        backbone, inputs = prepare(cfg.strong, fresh=True)
        model = classifier(backbone, pool)
        train(role, model, inputs, split_name, targets, cfg.strong_epochs, cfg.strong_lr, f"{role} {cfg.strong}")
        out[role] = predict(model, inputs["test"])
        del model, backbone
    out["seconds"] = time.time() - start
    return out


def pooling_kind(name: str) -> str:
    """"mean" for an encoder backbone, "last_token" for a causal LM (which pooling lesson 03 uses)."""
    backbone, _ = load_backbone(resolve_model(name))
    return "last_token" if backbone_kind(backbone) == "causal" else "mean"
