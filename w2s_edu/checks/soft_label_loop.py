"""The reference and the cases behind lesson 03's ``check_train_on_soft_labels``: a whole training loop on
soft labels (AdamW, a linear warmup-then-decay schedule stepped per batch, shuffled minibatches, the
soft-label cross-entropy, and accuracy on separate evaluation examples after every epoch)."""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

__all__ = ["Examples", "reference_loop", "check"]


class Examples:
    """Examples as the training loop sees them: ``len(examples)`` and ``examples.batch(idx)`` -> a batch
    dict for the rows ``idx`` (a 1-D tensor of indices); here the batch is ``{"features": (B, D)}``."""

    def __init__(self, features: torch.Tensor):
        self.features = features

    def __len__(self) -> int:
        return len(self.features)

    def batch(self, idx) -> dict:
        return {"features": self.features[torch.as_tensor(idx, dtype=torch.long)]}


class _Spy(nn.Module):
    """A linear model that records, for every forward pass, the rows it saw, its mode and grad mode."""

    def __init__(self, seed: int, dim: int, train_x: torch.Tensor, eval_x: torch.Tensor):
        super().__init__()
        torch.manual_seed(seed)
        self.head = nn.Linear(dim, 2)
        self.train_x, self.eval_x, self.calls = train_x, eval_x, []

    def forward(self, batch):
        x = batch["features"]

        def rows(pool):
            return [int(i) for row in x for i in torch.nonzero((pool == row).all(1)).flatten()[:1]]

        self.calls.append({"train_rows": rows(self.train_x), "eval_rows": rows(self.eval_x), "n": len(x),
                           "training": self.training, "grad": torch.is_grad_enabled()})
        return self.head(x)


def reference_loop(model, train, targets, evaluate_on, epochs, batch_size, lr, warmup_frac=0.1, seed=0):
    from transformers import get_linear_schedule_with_warmup

    gen = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    total = epochs * math.ceil(len(train) / batch_size)
    schedule = get_linear_schedule_with_warmup(optimizer, int(warmup_frac * total), total)
    history = {"loss": [], "lr": [], "eval_acc": []}
    examples, labels = evaluate_on
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(train), generator=gen).split(batch_size):
            history["lr"].append(optimizer.param_groups[0]["lr"])
            optimizer.zero_grad()
            loss = -(targets[idx] * torch.log_softmax(model(train.batch(idx)), -1)).sum(-1).mean()
            loss.backward()
            optimizer.step()
            schedule.step()
            history["loss"].append(loss.item())
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(examples.batch(i)) for i in torch.arange(len(examples)).split(batch_size)])
        history["eval_acc"].append(float((logits.argmax(-1) == torch.as_tensor(labels)).float().mean()))
    return history


def _loop_problem(seed: int = 0, n: int = 24, n_eval: int = 20, dim: int = 3):
    """Training examples whose soft labels are confident (0.9) on a rule, and separate evaluation data."""
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(dim, generator=g)
    x, x_eval = torch.randn(n, dim, generator=g), torch.randn(n_eval, dim, generator=g) + 0.5
    p1 = torch.where(x @ w > 0, 0.9, 0.1)
    targets = torch.stack([1 - p1, p1], 1)
    labels = (x_eval @ w > 0).long()
    return x, targets, x_eval, labels


def _history(out, what: str) -> dict:
    if out is None:
        raise AssertionError(f"{what} returned None: return the history dict "
                             '{"loss": [...], "lr": [...], "eval_acc": [...]}.')
    if not isinstance(out, dict) or not {"loss", "lr", "eval_acc"} <= set(out):
        got = sorted(out) if isinstance(out, dict) else type(out).__name__
        raise AssertionError(f"{what} returned {got}; expected a dict with the lists 'loss' (one per step), 'lr' "
                             "(the learning rate of each step) and 'eval_acc' (one per epoch).")
    return {k: [float(v) for v in out[k]] for k in ("loss", "lr", "eval_acc")}


def _first_difference(got: list, want: list, tol: float):
    return next((i for i, (a, b) in enumerate(zip(got, want)) if abs(a - b) > tol), None)


def _compare_lr(got: list, want: list, lr: float, case: str) -> None:
    step = _first_difference(got, want, 1e-9)
    if step is None:
        return
    scale = [g / w for g, w in zip(got, want) if w]
    if all(abs(v - lr) < 1e-12 for v in got):
        hint = (" It is constant: the learning rate must warm up linearly from 0, then decay linearly to 0 "
                "(transformers.get_linear_schedule_with_warmup), with the scheduler stepped after every optimizer "
                "step.")
    elif scale and max(scale) - min(scale) < 1e-6:
        hint = f" The shape is right, scaled by {scale[0]:.3g}: give AdamW the lr argument, not a number of your own."
    else:
        hint = (" Record optimizer.param_groups[0]['lr'] before the scheduler steps, step the scheduler once per "
                "batch (not per epoch), and use int(warmup_frac * total_steps) warmup steps.")
    raise AssertionError(f"{case}: the learning rate of step {step + 1} is {got[step]:.6g}, expected "
                         f"{want[step]:.6g}.{hint}")


def check(fn: Callable, run: Callable) -> None:
    """Raise AssertionError unless ``fn`` trains like :func:`reference_loop`; ``run(fn, *args, what=...)``
    calls it (the lesson's checker turns a crash into a message with its hint)."""
    x, targets, x_eval, labels = _loop_problem()
    what = "train_on_soft_labels(...)"
    # 1. one batch per epoch (batch_size >= N): the order of the rows cannot matter, so the weights, the losses
    #    and the learning rates must match the reference's
    for epochs, lr, warmup in ((6, 0.05, 0.34), (4, 0.2, 0.0)):
        mine, ref = (_Spy(0, 3, x, x_eval) for _ in range(2))
        args = (Examples(x), targets.clone(), (Examples(x_eval), labels.clone()), epochs, 32, lr, warmup, 0)
        got = _history(run(fn, mine, *args, what=what), what)
        want = reference_loop(ref, *args)
        case = f"(epochs={epochs}, batch_size=32 > N=24, lr={lr}, warmup_frac={warmup})"
        if len(got["lr"]) != len(want["lr"]) or len(got["loss"]) != len(want["loss"]):
            raise AssertionError(f"{case}: the history has {len(got['loss'])} losses and {len(got['lr'])} learning "
                                 f"rates; expected {len(want['loss'])} of each, one per optimizer step "
                                 f"(epochs x ceil(N / batch_size)).")
        _compare_lr(got["lr"], want["lr"], lr, case)
        if not torch.allclose(mine.head.weight, ref.head.weight, atol=1e-5):
            hard = -(_hard(targets) * torch.log_softmax(_Spy(0, 3, x, x_eval)(Examples(x).batch(
                torch.arange(24))), -1)).sum(-1).mean().item()
            hint = (" The first loss is the cross-entropy against the *hard* labels (argmax): train against the soft "
                    "targets themselves." if abs(got["loss"][0] - hard) < 1e-4 else
                    " The first loss is right: after it the weights drift. Call optimizer.zero_grad() before every "
                    "backward pass, pass lr to AdamW, and let the schedule set the learning rate."
                    if abs(got["loss"][0] - want["loss"][0]) < 1e-5 else
                    " Even the first loss differs: the loss is -(targets * log_softmax(logits)).sum(-1).mean() over "
                    "the batch's rows of the targets.")
            raise AssertionError(f"{case}: after training the weights differ from the reference's (AdamW, the "
                                 f"schedule, soft-label cross-entropy).{hint}")
        if _first_difference(got["eval_acc"], want["eval_acc"], 1e-6) is not None or len(got["eval_acc"]) != epochs:
            raise AssertionError(f"{case}: eval_acc is {[round(a, 3) for a in got['eval_acc']]}, expected "
                                 f"{[round(a, 3) for a in want['eval_acc']]}: one accuracy per epoch, on the "
                                 "evaluation examples against their labels, after that epoch's training.")
    # 2. minibatches: every example once per epoch, batches of batch_size, evaluation in eval mode, no gradient
    spy = _Spy(1, 3, x, x_eval)
    args = (Examples(x), targets, (Examples(x_eval), labels), 3, 5, 0.05, 0.2, 7)
    got = _history(run(fn, spy, *args, what=what), what)
    if len(got["lr"]) == 15:
        _compare_lr(got["lr"], reference_loop(_Spy(1, 3, x, x_eval), *args)["lr"], 0.05,
                    "(epochs=3, batch_size=5, N=24: 5 batches per epoch, lr=0.05, warmup_frac=0.2)")
    train_calls = [c for c in spy.calls if c["train_rows"] and not c["eval_rows"]]
    eval_calls = [c for c in spy.calls if c["eval_rows"]]
    sizes = [c["n"] for c in train_calls if c["training"]]
    if len(sizes) != 3 * 5 or max(sizes) > 5:
        raise AssertionError(f"with N=24, batch_size=5 and 3 epochs there should be 3 x 5 = 15 training batches of "
                             f"at most 5 rows; the model saw {len(sizes)} training batches of sizes {sizes}.")
    for epoch in range(3):
        seen = sorted(r for c in train_calls[5 * epoch:5 * epoch + 5] for r in c["train_rows"])
        if seen != list(range(24)):
            raise AssertionError(f"epoch {epoch + 1} did not show every training example exactly once: shuffle "
                                 "the row indices each epoch (torch.randperm) and split them into batches.")
    if not eval_calls:
        raise AssertionError("the model never saw the evaluation examples: measure eval_acc on evaluate_on, not on "
                             "the training examples.")
    if any(c["training"] or c["grad"] for c in eval_calls):
        raise AssertionError("evaluation ran in train mode or with gradients on: call model.eval() and evaluate "
                             "under torch.no_grad(), then model.train() before the next epoch's training.")
    if any(not c["training"] for c in train_calls):
        raise AssertionError("a training batch ran in eval mode: call model.train() at the start of each epoch.")
    if len(got["eval_acc"]) != 3:
        raise AssertionError(f"eval_acc has {len(got['eval_acc'])} entries; expected one per epoch (3).")


def _hard(targets: torch.Tensor) -> torch.Tensor:
    """One-hot of the argmax: what a learner who trains on hard labels uses."""
    return torch.nn.functional.one_hot(targets.argmax(-1), 2).float()
