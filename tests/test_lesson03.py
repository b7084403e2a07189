"""Lesson 03 (small teacher, larger student): each checker accepts a correct answer and rejects stubs and
the common mistakes; run_by_hand reports learner bugs clearly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from w2s_edu import models
from w2s_edu.checks import lesson03 as checks
from w2s_edu.experiment.metrics import pgr


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here, then delete this line.")


def rejects(check, fn, match: str):
    with pytest.raises(AssertionError, match=match):
        check(fn)


# ------------------------------------------------------------------------------------------ pooling
def test_mean_pool():
    checks.check_mean_pool(models.mean_pool)
    rejects(checks.check_mean_pool, stub, "NotImplementedError")
    rejects(checks.check_mean_pool, lambda h, m: h.mean(1), "all\\* positions|padding")
    rejects(checks.check_mean_pool, lambda h, m: (h * m.unsqueeze(-1)).sum(1) / h.shape[1], "not their mean")
    rejects(checks.check_mean_pool, lambda h, m: None, "None")


def test_last_token_pool():
    checks.check_last_token_pool(models.last_token_pool)
    rejects(checks.check_last_token_pool, stub, "NotImplementedError")
    rejects(checks.check_last_token_pool, lambda h, m: h[:, -1], "last position of the row")
    rejects(checks.check_last_token_pool, lambda h, m: h[torch.arange(h.shape[0]), m.sum(1) - 1],
            "left padding")


# ------------------------------------------------------------------------------------------ classifier
class Good(nn.Module):
    def __init__(self, backbone, pool):
        super().__init__()
        self.backbone, self.pool = backbone, pool
        self.head = nn.Linear(backbone.config.hidden_size, 2)

    def forward(self, batch):
        out = self.backbone(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        return self.head(self.pool(out.last_hidden_state, batch["attention_mask"]))


class NoMask(Good):
    def forward(self, batch):
        out = self.backbone(input_ids=batch["input_ids"])
        return self.head(self.pool(out.last_hidden_state, batch["attention_mask"]))


class FirstToken(Good):
    def forward(self, batch):
        out = self.backbone(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        return self.head(out.last_hidden_state[:, 0])


class NoGrad(Good):
    def forward(self, batch):
        with torch.no_grad():
            out = self.backbone(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        return self.head(self.pool(out.last_hidden_state, batch["attention_mask"]))


class TwoLayers(Good):
    def __init__(self, backbone, pool):
        super().__init__(backbone, pool)
        self.head = nn.Sequential(nn.Linear(backbone.config.hidden_size, 8), nn.Linear(8, 2))


def test_classifier():
    checks.check_classifier(Good)
    rejects(checks.check_classifier, stub, "NotImplementedError")
    rejects(checks.check_classifier, NoMask, "attention_mask")
    rejects(checks.check_classifier, FirstToken, "never called the `pool`")
    rejects(checks.check_classifier, NoGrad, "no gradient reached the backbone")
    rejects(checks.check_classifier, TwoLayers, "exactly one new layer")


# ------------------------------------------------------------------------------------------ train step
def good_step(model, optimizer, batch, soft_targets):
    optimizer.zero_grad()
    loss = -(soft_targets * torch.log_softmax(model(batch), -1)).sum(-1).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


def hard_step(model, optimizer, batch, soft_targets):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(batch), soft_targets.argmax(-1))
    loss.backward()
    optimizer.step()
    return loss.item()


def no_zero_grad(model, optimizer, batch, soft_targets):
    loss = -(soft_targets * torch.log_softmax(model(batch), -1)).sum(-1).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


def loss_after_step(model, optimizer, batch, soft_targets):
    good_step(model, optimizer, batch, soft_targets)
    return -(soft_targets * torch.log_softmax(model(batch), -1)).sum(-1).mean().item()


def no_step(model, optimizer, batch, soft_targets):
    return -(soft_targets * torch.log_softmax(model(batch), -1)).sum(-1).mean().item()


def test_train_step():
    checks.check_train_step(good_step)
    rejects(checks.check_train_step, stub, "NotImplementedError")
    rejects(checks.check_train_step, hard_step, "hard")
    rejects(checks.check_train_step, no_zero_grad, "zero_grad")
    rejects(checks.check_train_step, loss_after_step, "before")
    rejects(checks.check_train_step, no_step, "optimizer.step")
    rejects(checks.check_train_step, lambda *a: None, "None")


# ------------------------------------------------------------------------------------------ weak labels
def good_labels(model, batches):
    model.eval()
    with torch.no_grad():
        return torch.cat([torch.softmax(model(b), -1) for b in batches]).numpy()


def test_weak_labels():
    checks.check_weak_labels(good_labels)
    rejects(checks.check_weak_labels, stub, "NotImplementedError")

    def train_mode(model, batches):
        with torch.no_grad():
            return torch.cat([torch.softmax(model(b), -1) for b in batches]).numpy()

    def hard(model, batches):
        p = good_labels(model, batches)
        return np.eye(2)[p.argmax(1)]

    def logits(model, batches):
        model.eval()
        with torch.no_grad():
            return torch.cat([model(b) for b in batches]).numpy()

    def with_grad(model, batches):
        model.eval()
        return torch.cat([torch.softmax(model(b), -1) for b in batches])

    def first_batch(model, batches):
        return good_labels(model, batches[:1])

    rejects(checks.check_weak_labels, train_mode, "eval")
    rejects(checks.check_weak_labels, hard, "hard 0/1")
    rejects(checks.check_weak_labels, logits, "sum to 1")
    rejects(checks.check_weak_labels, with_grad, "requires grad")
    rejects(checks.check_weak_labels, first_batch, "shape")


# ------------------------------------------------------------------------------------------ summary
def good_summary(labels, weak, student, ceiling):
    acc = {k: float((np.asarray(p).argmax(1) == labels).mean())
           for k, p in (("weak_acc", weak), ("w2s_acc", student), ("ceiling_acc", ceiling))}
    return acc | {"pgr": pgr(acc["weak_acc"], acc["w2s_acc"], acc["ceiling_acc"])}


def test_w2s_summary():
    checks.check_w2s_summary(good_summary)
    rejects(checks.check_w2s_summary, stub, "NotImplementedError")

    def argmin(labels, weak, student, ceiling):
        return good_summary(labels, 1 - np.asarray(weak), 1 - np.asarray(student), 1 - np.asarray(ceiling))

    def bad_pgr(labels, weak, student, ceiling):
        out = good_summary(labels, weak, student, ceiling)
        return out | {"pgr": (out["w2s_acc"] - out["weak_acc"]) / out["ceiling_acc"]}

    def no_nan(labels, weak, student, ceiling):
        out = good_summary(labels, weak, student, ceiling)
        return out | {"pgr": 0.0 if out["pgr"] != out["pgr"] else out["pgr"]}

    def rounded(labels, weak, student, ceiling):  # every expected value of the 10-example case is round
        return {k: round(v, 2) for k, v in good_summary(labels, weak, student, ceiling).items()}

    def rounded_accuracies(labels, weak, student, ceiling):  # PGR exact, the accuracies rounded
        out = good_summary(labels, weak, student, ceiling)
        return out | {k: round(out[k], 2) for k in ("weak_acc", "w2s_acc", "ceiling_acc")}

    def nan_only_for_a_zero_gap(labels, weak, student, ceiling):  # a negative gap gives a number
        out = good_summary(labels, weak, student, ceiling)
        gap = out["ceiling_acc"] - out["weak_acc"]
        return out | {"pgr": (out["w2s_acc"] - out["weak_acc"]) / gap if gap else float("nan")}

    rejects(checks.check_w2s_summary, argmin, "one minus")
    rejects(checks.check_w2s_summary, bad_pgr, "pgr is")
    rejects(checks.check_w2s_summary, no_nan, "undefined")
    rejects(checks.check_w2s_summary, lambda *a: {"weak_acc": 0.6}, "keys")
    rejects(checks.check_w2s_summary, rounded, "looks rounded")
    rejects(checks.check_w2s_summary, rounded_accuracies, "weak_acc is 0.38, expected 0.384.*looks rounded to 2")
    rejects(checks.check_w2s_summary, nan_only_for_a_zero_gap, "below the weak model")


# ------------------------------------------------------------------------------------------ run_by_hand
def test_run_by_hand_names_a_head_that_is_not_registered():
    from w2s_edu.toys.handmade import run_by_hand

    class Unregistered(nn.Module):  # the head is hidden in a list, so the frozen probe has nothing to train
        def __init__(self, backbone, pool):
            super().__init__()
            self.backbone, self.pool, self.parts = backbone, pool, [nn.Linear(backbone.config.hidden_size, 2)]

        def forward(self, batch):
            hidden = self.backbone(**batch).last_hidden_state
            return self.parts[0](self.pool(hidden, batch["attention_mask"]))

    with pytest.raises(ValueError, match="no trainable parameters"):
        run_by_hand(models.mean_pool, Unregistered, good_step, good_labels, weak="minilm-l1", strong="minilm-l1",
                    n_train_weak=16, n_train_strong=16, n_test=16)


def test_run_by_hand_on_local_causal_and_encoder_models(tiny_models):
    """The hub-ladder path of lesson 03 (gpt2 / Pythia) on tiny local models: last-token pooling for the
    causal LM, mean pooling for the encoder, finite probabilities for every role."""
    from w2s_edu.toys.handmade import pooling_kind, run_by_hand

    assert pooling_kind(tiny_models["gpt2"]) == "last_token"
    assert pooling_kind(tiny_models["bert"]) == "mean"
    out = run_by_hand(models.last_token_pool, Good, good_step, good_labels, weak=tiny_models["gpt_neox"],
                      strong=tiny_models["gpt2"], n_train_weak=32, n_train_strong=32, n_test=32, weak_epochs=1,
                      strong_epochs=1)
    for role in ("weak", "student", "ceiling"):
        assert out[role].shape == (32, 2) and np.allclose(out[role].sum(1), 1.0)
    assert out["weak_labels"].shape == (32, 2) and len(out["loss_curves"]["student"]) == 1


# ------------------------------------------------------------------------------------------ training loop
def loop(model, train, targets, evaluate_on, epochs, batch_size, lr, warmup_frac=0.1, seed=0, *, hard=False,
         zero_grad=True, eval_on_train=False, fixed_lr=None, schedule="linear", eval_mode=True, sgd=False):
    """The soft-label training loop, with the learner mistakes the checker must catch as switches."""
    import math

    from transformers import get_constant_schedule, get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

    gen = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    rate = fixed_lr or lr
    optimizer = torch.optim.SGD(params, lr=rate) if sgd else torch.optim.AdamW(params, lr=rate)
    per_epoch = math.ceil(len(train) / batch_size)
    total = epochs * per_epoch
    make = {"linear": get_linear_schedule_with_warmup, "cosine": get_cosine_schedule_with_warmup}
    if schedule in make:
        sched = make[schedule](optimizer, int(warmup_frac * total), total)
    elif schedule == "per_epoch":
        sched = get_linear_schedule_with_warmup(optimizer, int(warmup_frac * epochs), epochs)
    else:
        sched = get_constant_schedule(optimizer)
    history = {"loss": [], "lr": [], "eval_acc": []}
    examples, labels = evaluate_on
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(train), generator=gen).split(batch_size):
            history["lr"].append(optimizer.param_groups[0]["lr"])
            if zero_grad:
                optimizer.zero_grad()
            t = nn.functional.one_hot(targets[idx].argmax(-1), 2).float() if hard else targets[idx]
            loss = -(t * torch.log_softmax(model(train.batch(idx)), -1)).sum(-1).mean()
            loss.backward()
            optimizer.step()
            if schedule != "per_epoch":
                sched.step()
            history["loss"].append(loss.item())
        if schedule == "per_epoch":
            sched.step()
        if eval_mode:
            model.eval()
        with torch.no_grad():
            if eval_on_train:
                logits, y = model(train.batch(torch.arange(len(train)))), targets.argmax(-1)
            else:
                logits, y = model(examples.batch(torch.arange(len(examples)))), torch.as_tensor(labels)
        history["eval_acc"].append(float((logits.argmax(-1) == y).float().mean()))
    return history


def test_train_on_soft_labels():
    import functools

    from w2s_edu.checks.soft_label_loop import reference_loop

    checks.check_train_on_soft_labels(reference_loop)
    checks.check_train_on_soft_labels(loop)
    rejects(checks.check_train_on_soft_labels, stub, "NotImplementedError")
    rejects(checks.check_train_on_soft_labels, lambda *a: None, "returned None")
    rejects(checks.check_train_on_soft_labels, lambda *a: {"loss": []}, "expected a dict with the lists")
    mutants = {
        "hard": ({"hard": True}, r"\*hard\* labels"),
        "no_zero_grad": ({"zero_grad": False}, "zero_grad"),
        "eval_on_train": ({"eval_on_train": True}, "eval_acc is|never saw the evaluation examples"),
        "ignores_lr": ({"fixed_lr": 1e-3}, "learning rate of step|weights differ"),
        "constant_lr": ({"schedule": "constant"}, "It is constant"),
        "cosine": ({"schedule": "cosine"}, "learning rate of step"),
        "per_epoch": ({"schedule": "per_epoch"}, "once per batch"),
        "eval_in_train_mode": ({"eval_mode": False}, "train mode"),
        "sgd": ({"sgd": True}, "weights differ"),
    }
    for name, (flaw, match) in mutants.items():
        rejects(checks.check_train_on_soft_labels, functools.partial(loop, **flaw), match)

    def one_epoch_too_many(model, train, targets, evaluate_on, epochs, *args):
        return loop(model, train, targets, evaluate_on, epochs + 1, *args)

    def no_shuffle_repeats_the_first_batch(model, train, targets, evaluate_on, epochs, batch_size, *args):
        class First:  # every batch is the first batch_size rows
            def __len__(self):
                return len(train)

            def batch(self, idx):
                return train.batch(torch.arange(len(idx)))
        return loop(model, First(), targets, evaluate_on, epochs, batch_size, *args)

    rejects(checks.check_train_on_soft_labels, one_epoch_too_many, "one per optimizer step")
    rejects(checks.check_train_on_soft_labels, no_shuffle_repeats_the_first_batch, "weights differ|exactly once")
