"""Checks for lesson 03 (a small teacher and a larger student): pooling over padded batches, a
classifier head on a backbone, a training step against soft targets, weak labels, and the summary."""

from __future__ import annotations

import copy
import math
from typing import Callable

import numpy as np
import torch
from torch import nn

from . import checked_call, close, passed, rounded, record_checks, soft_label_loop
from .soft_label_loop import Examples

__all__ = ["check_mean_pool", "check_last_token_pool", "check_classifier", "check_train_step",
           "check_train_on_soft_labels", "check_weak_labels", "check_w2s_summary", "tiny_encoder", "Examples",
           "HINTS"]

# One nudge per exercise, shown when the learner's code crashes (the lesson's hints have more).
HINTS = {
    "mean_pool": "give the mask a trailing dimension of size 1 (and the hidden states' dtype) so it broadcasts "
                 "against (B, L, H); sum the masked states over the positions and divide by the number of real "
                 "tokens.",
    "last_token_pool": "find, per row, the largest position where the mask is 1 (not the number of real tokens "
                       "minus one), then pick that position's hidden state in each row.",
    "PooledClassifier": "call the backbone with both input_ids and attention_mask, pool its last_hidden_state "
                        "with `pool` and the mask, and apply the head.",
    "train_step": "zero the gradients, compute the soft-label cross-entropy from log_softmax of the logits, "
                  "backpropagate, step, and return the loss as a float.",
    "train_on_soft_labels": "seed a torch.Generator for the shuffles; AdamW over the trainable parameters and "
                            "transformers' linear schedule with warmup, stepped once per batch; each epoch, "
                            "every example once in batches of batch_size, then accuracy on evaluate_on in eval "
                            "mode without gradients; return the history dict.",
    "weak_labels": "switch the model to eval mode, run every batch without gradients, turn logits into "
                   "probabilities with a softmax, and join the batches into one numpy array.",
    "w2s_summary": "an accuracy is the mean of (argmax of the probabilities == label); compute the three, then "
                   "PGR with the package's pgr.",
}


def _run(fn: Callable, *args, exercise: str, what: str):
    return checked_call(fn, *args, exercise=exercise, what=what, hint=HINTS[exercise])


def _padded(seed: int = 0):
    """Hidden states (3, 6, 4) and two masks of the same real lengths (4, 6, 2): right and left padding."""
    g = torch.Generator().manual_seed(seed)
    hidden = torch.randn(3, 6, 4, generator=g)
    lengths = [4, 6, 2]
    right = torch.tensor([[1] * n + [0] * (6 - n) for n in lengths])
    left = torch.tensor([[0] * (6 - n) + [1] * n for n in lengths])
    return hidden, right, left, lengths


def _tensor(out, what: str, shape: tuple) -> torch.Tensor:
    if out is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    if not isinstance(out, torch.Tensor):
        raise AssertionError(f"{what} returned {type(out).__name__}; expected a torch.Tensor.")
    if tuple(out.shape) != shape:
        raise AssertionError(f"{what} returned shape {tuple(out.shape)}; expected {shape} (one vector per example).")
    return out


# ------------------------------------------------------------------------------------------ pooling
def check_mean_pool(fn: Callable) -> None:
    """``mean_pool(hidden (B, L, H), mask (B, L)) -> (B, H)``: the mean over real tokens only."""
    hidden, right, left, lengths = _padded()
    for mask, side in ((right, "right"), (left, "left")):
        out = _tensor(_run(fn, hidden, mask, exercise="mean_pool", what=f"mean_pool ({side} padding)"),
                      f"mean_pool ({side} padding)", (3, 4))
        for i, n in enumerate(lengths):
            real = hidden[i][mask[i].bool()]
            if not torch.allclose(out[i], real.mean(0), atol=1e-5):
                full = hidden[i].mean(0)
                hint = (" It equals the mean over *all* positions: padding tokens must not count. Multiply by the "
                        "mask and divide by the number of real tokens." if torch.allclose(out[i], full, atol=1e-5)
                        else "")
                raise AssertionError(f"mean_pool ({side} padding): example {i} has {n} real tokens, but the result "
                                     f"is not their mean.{hint}")
    poisoned = hidden.clone()
    poisoned[~right.bool()] = 1e6
    out = _run(fn, poisoned, right, exercise="mean_pool", what="mean_pool")
    if not torch.allclose(out, _run(fn, hidden, right, exercise="mean_pool", what="mean_pool"), atol=1e-4):
        raise AssertionError("mean_pool changed when only the hidden states at *padding* positions changed: the "
                             "mask must zero them out before the sum.")
    if _run(fn, hidden, right.float(), exercise="mean_pool", what="mean_pool with a float mask") is None:
        raise AssertionError("mean_pool returned None for a float mask.")
    passed("mean_pool", 4)


def check_last_token_pool(fn: Callable) -> None:
    """``last_token_pool(hidden, mask) -> (B, H)``: the last real token, for left and right padding."""
    hidden, right, left, lengths = _padded(1)
    for mask, side in ((right, "right"), (left, "left")):
        out = _tensor(_run(fn, hidden, mask, exercise="last_token_pool", what=f"last_token_pool ({side} padding)"),
                      f"last_token_pool ({side} padding)", (3, 4))
        for i, n in enumerate(lengths):
            last = int(torch.nonzero(mask[i]).max())
            if not torch.allclose(out[i], hidden[i, last]):
                if side == "left" and torch.allclose(out[i], hidden[i, n - 1]):
                    hint = (" You took position (number of real tokens - 1): right for right padding, but with "
                            "left padding the real tokens sit at the end. Find the last position where the mask is 1.")
                elif torch.allclose(out[i], hidden[i, -1]):
                    hint = " You took the last position of the row, which is padding when the example is short."
                else:
                    hint = ""
                raise AssertionError(f"last_token_pool ({side} padding): example {i} (real tokens at positions "
                                     f"{torch.nonzero(mask[i]).flatten().tolist()}) should give hidden[{i}, {last}]."
                                     f"{hint}")
    ones = torch.ones(3, 6, dtype=torch.long)
    out = _run(fn, hidden, ones, exercise="last_token_pool", what="last_token_pool (no padding)")
    if not torch.allclose(out, hidden[:, -1]):
        raise AssertionError("last_token_pool with no padding should return hidden[:, -1].")
    passed("last_token_pool", 3)


# ------------------------------------------------------------------------------------------ classifier
def tiny_encoder(seed: int = 0):
    """A 2-layer BERT with hidden size 16, built from a config (no download), in train mode."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0)
    return BertModel(config)


def _ref_mean_pool(hidden, mask):
    m = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1)


def check_classifier(cls: Callable) -> None:
    """``PooledClassifier(backbone, pool)``: ``forward(batch) -> logits (B, 2)`` from the pooled hidden states."""
    backbone = tiny_encoder()
    calls = []

    def spy_pool(hidden, mask):
        calls.append(tuple(hidden.shape))
        return _ref_mean_pool(hidden, mask)

    model = _run(cls, backbone, spy_pool, exercise="PooledClassifier", what="PooledClassifier(backbone, pool)")
    if not isinstance(model, nn.Module):
        raise AssertionError(f"PooledClassifier(...) built a {type(model).__name__}; make it a subclass of nn.Module.")
    ids = torch.tensor([[2, 7, 9, 11, 0, 0], [3, 5, 8, 13, 21, 34]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
    logits = _tensor(_run(model, {"input_ids": ids, "attention_mask": mask}, exercise="PooledClassifier",
                          what="model(batch)"), "model(batch)", (2, 2))
    if not calls:
        raise AssertionError("forward never called the `pool` function it was given: pool the backbone's "
                             "last_hidden_state with it (the lesson swaps pooling by backbone kind).")
    head_params = [p for n, p in model.named_parameters() if not any(p is q for q in backbone.parameters())]
    if not head_params or sum(p.numel() for p in head_params) != 16 * 2 + 2:
        raise AssertionError("the classifier should own exactly one new layer, nn.Linear(hidden_size, 2) "
                             f"(here 16*2 + 2 = 34 parameters), found {sum(p.numel() for p in head_params)}. Read the "
                             "size from backbone.config.hidden_size.")
    short = _run(model, {"input_ids": ids[:1, :4], "attention_mask": mask[:1, :4]}, exercise="PooledClassifier",
                 what="model(batch)")
    if not torch.allclose(short, logits[:1], atol=1e-5):
        raise AssertionError("the first example gave different logits with and without 2 padding tokens: pass "
                             "the attention_mask to the backbone (backbone(input_ids=..., attention_mask=...)) "
                             "and to pool.")
    logits.sum().backward()
    if backbone.embeddings.word_embeddings.weight.grad is None:
        raise AssertionError("no gradient reached the backbone: do not wrap the backbone call in torch.no_grad() "
                             "(the student finetunes every weight; the weak model freezes them from outside).")
    passed("PooledClassifier", 5)


# ------------------------------------------------------------------------------------------ train step
class _Linear(nn.Module):
    def __init__(self, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.head = nn.Linear(3, 2)

    def forward(self, batch):
        return self.head(batch["features"])


def _reference_step(model, optimizer, batch, soft_targets):
    optimizer.zero_grad()
    loss = -(soft_targets * torch.log_softmax(model(batch), dim=-1)).sum(-1).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


def check_train_step(fn: Callable) -> None:
    """``train_step(model, optimizer, batch, soft_targets) -> loss``: cross-entropy against soft targets, one step."""
    g = torch.Generator().manual_seed(0)
    batches = [{"features": torch.randn(8, 3, generator=g)} for _ in range(2)]
    targets = [torch.softmax(torch.randn(8, 2, generator=g) * 2, dim=-1) for _ in range(2)]
    mine, ref = _Linear(0), _Linear(0)
    opt_mine, opt_ref = (torch.optim.SGD(m.parameters(), lr=0.5) for m in (mine, ref))
    for step, (batch, target) in enumerate(zip(batches, targets)):
        expected = _reference_step(ref, opt_ref, batch, target)
        got = _run(fn, mine, opt_mine, batch, target.clone(), exercise="train_step", what="train_step(...)")
        if got is None:
            raise AssertionError("train_step returned None: return the loss (a float or a 0-d tensor).")
        value = float(got.detach()) if isinstance(got, torch.Tensor) else got
        if not close(value, expected, 1e-5):
            with torch.no_grad():  # the loss against hard labels, at the starting weights
                start = _Linear(0)(batch)
                hard = -(torch.nn.functional.one_hot(target.argmax(-1), 2) * torch.log_softmax(start, -1)).sum(-1)
            hard = float(hard.mean())
            hint = (" It looks like cross-entropy against the *hard* labels (argmax): the student must learn the weak "
                    "model's probabilities, so use -(soft_targets * log_softmax(logits)).sum(-1).mean()."
                    if step == 0 and close(value, float(hard), 1e-4) else
                    " Compute the loss *before* optimizer.step() and return that value.")
            raise AssertionError(f"step {step + 1}: train_step returned loss {value:.5f}, "
                                 f"expected {expected:.5f}.{hint}")
        for (name, p), q in zip(mine.named_parameters(), ref.parameters()):
            if not torch.allclose(p, q, atol=1e-5):
                hint = (" After two steps the weights differ: call optimizer.zero_grad() before backward, or the "
                        "gradients of earlier steps add up." if step == 1 else
                        " Call loss.backward() and then optimizer.step().")
                raise AssertionError(f"after step {step + 1} the parameter {name} is not where one optimizer step "
                                     f"should put it.{hint}")
    passed("train_step", 4)


# ------------------------------------------------------------------------------------------ training loop
def check_train_on_soft_labels(fn: Callable) -> None:
    """``train_on_soft_labels(model, train, targets, evaluate_on, epochs, batch_size, lr, warmup_frac, seed)``:
    AdamW, a linear warmup-then-decay schedule per step, soft-label cross-entropy in shuffled minibatches,
    and accuracy on the evaluation examples after every epoch; returns the history
    (:mod:`w2s_edu.checks.soft_label_loop` holds the reference and the cases)."""
    soft_label_loop.check(fn, lambda *args, what: _run(*args, exercise="train_on_soft_labels", what=what))
    passed("train_on_soft_labels", 9)


# ------------------------------------------------------------------------------------------ weak labels
class _Dropout(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.head = nn.Linear(3, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, batch):
        return self.head(self.drop(batch["features"])) * 3


def check_weak_labels(fn: Callable) -> None:
    """``weak_labels(model, batches) -> np.ndarray (N, 2)``: eval mode, no gradients, softmax probabilities."""
    g = torch.Generator().manual_seed(1)
    batches = [{"features": torch.randn(n, 3, generator=g)} for n in (5, 4, 3)]
    model = _Dropout()
    model.train()
    out = _run(fn, model, batches, exercise="weak_labels", what="weak_labels(model, batches)")
    if out is None:
        raise AssertionError("weak_labels returned None: did you forget `return`?")
    if isinstance(out, torch.Tensor) and out.requires_grad:
        raise AssertionError("weak_labels returned a tensor that requires grad: compute under torch.no_grad() and "
                             "return a numpy array (.numpy()).")
    probs = np.asarray(out.detach() if isinstance(out, torch.Tensor) else out, dtype=np.float64)
    if probs.shape != (12, 2):
        raise AssertionError(f"weak_labels returned shape {probs.shape}; expected (12, 2): one row per example of "
                             "every batch, in order (torch.cat the batches).")
    model.eval()
    with torch.no_grad():
        expected = torch.cat([torch.softmax(model(b), -1) for b in batches]).numpy()
    if np.allclose(probs, expected.round(), atol=1e-6) and not np.allclose(probs, expected, atol=1e-4):
        raise AssertionError("weak_labels returned hard 0/1 labels; the student learns from the weak model's "
                             "*probabilities* (soft labels): return softmax(logits).")
    if not np.allclose(probs.sum(1), 1.0, atol=1e-5):
        raise AssertionError("the rows do not sum to 1: return probabilities (torch.softmax(logits, dim=-1)), "
                             "not logits.")
    if not np.allclose(probs, expected, atol=1e-5):
        raise AssertionError("the probabilities differ from the model's in eval mode: call model.eval() first, so "
                             "dropout is off and the labels are deterministic.")
    passed("weak_labels", 4)


# ------------------------------------------------------------------------------------------ summary
def check_w2s_summary(fn: Callable) -> None:
    """``w2s_summary(labels, weak_probs, student_probs, ceiling_probs) -> dict``: accuracies and PGR."""
    labels = np.array([0, 1, 1, 0, 1, 0, 1, 1, 0, 0])
    onehot = np.eye(2)

    def probs(correct):
        pred = np.where(correct, labels, 1 - labels)
        return onehot[pred] * 0.6 + 0.2  # rows (0.8, 0.2) or (0.2, 0.8)

    weak = probs(np.arange(10) < 6)  # 0.6
    student = probs(np.arange(10) < 7)  # 0.7
    ceiling = probs(np.arange(10) < 9)  # 0.9
    out = _run(fn, labels, weak, student, ceiling, exercise="w2s_summary", what="w2s_summary(...)")
    if not isinstance(out, dict):
        raise AssertionError(f"w2s_summary returned {type(out).__name__}; expected a dict.")
    keys = {"weak_acc", "w2s_acc", "ceiling_acc", "pgr"}
    if set(out) != keys:
        raise AssertionError(f"w2s_summary returned keys {sorted(out)}; expected exactly {sorted(keys)}.")
    for key, want in (("weak_acc", 0.6), ("w2s_acc", 0.7), ("ceiling_acc", 0.9)):
        if close(out[key], 1 - want, 1e-9):
            raise AssertionError(f"{key} is {out[key]}, one minus the right value: the predicted class is "
                                 "probs.argmax(axis=1), the column with the larger probability.")
        if not close(out[key], want, 1e-9):
            raise AssertionError(f"{key} is {out[key]}, expected {want}.")
    if not close(out["pgr"], (0.7 - 0.6) / (0.9 - 0.6), 1e-9):
        digits = rounded(out["pgr"], (0.7 - 0.6) / (0.9 - 0.6))
        hint = (f" It looks rounded to {digits} decimal(s): return the exact value, round only when you print it."
                if digits is not None else "")
        raise AssertionError(f"pgr is {out['pgr']}, expected (0.7 - 0.6) / (0.9 - 0.6) = {1 / 3:.4f}.{hint}")
    same = _run(fn, labels, weak, student, copy.deepcopy(weak), exercise="w2s_summary", what="w2s_summary(...)")
    if not (isinstance(same.get("pgr"), float) and math.isnan(same["pgr"])):
        raise AssertionError("with a ceiling equal to the weak model the PGR is undefined: return float('nan') "
                             "(w2s_edu.experiment.metrics.pgr does, with a warning).")

    # 13 examples with soft probabilities: accuracies 5/13, 9/13, 12/13 are not round, nor is PGR 4/7
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 2, 13)

    def soft(n_right):
        right = rng.permutation(13) < n_right
        pred = np.where(right, labels, 1 - labels)
        top = rng.uniform(0.51, 0.99, 13)
        return np.where(pred[:, None] == 1, np.c_[1 - top, top], np.c_[top, 1 - top])

    weak, student, ceiling = soft(5), soft(9), soft(12)
    what = "w2s_summary on 13 examples with soft probabilities"
    out = _run(fn, labels, weak, student, ceiling, exercise="w2s_summary", what=what)
    for key, want in (("weak_acc", 5 / 13), ("w2s_acc", 9 / 13), ("ceiling_acc", 12 / 13), ("pgr", 4 / 7)):
        if not close(out.get(key), want, 1e-9):
            digits = rounded(out.get(key), want)
            hint = (f" It looks rounded to {digits} decimal(s): return the exact value, round only when you print it."
                    if digits is not None else "")
            raise AssertionError(f"{what}: {key} is {out.get(key)!r}, expected {want!r}.{hint}")
    below = _run(fn, labels, ceiling, student, weak, exercise="w2s_summary", what=what)
    if not (isinstance(below.get("pgr"), float) and math.isnan(below["pgr"])):
        raise AssertionError(f"{what}, with the ceiling (5/13) below the weak model (12/13): PGR is undefined, "
                             f"return float('nan'), got {below.get('pgr')!r}. The gap is negative, not only zero "
                             "when it is undefined.")
    passed("w2s_summary", 10)


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
