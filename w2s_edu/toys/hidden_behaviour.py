"""A toy strong model that hides a skill, for Lesson 09: can weak supervision elicit it, and can an
overseer without ground truth tell that something is hidden?

The world is Lesson 02's (:mod:`w2s_edu.toys.synthetic`): label ``y = 1[z0 + z1 + z2 * z3 > 0]``, a weak
view the linear supervisor uses, and a 24-feature strong view. Here the strong view gets
``N_CONTEXT`` extra binary **context features**, like the metadata around a prompt. Feature 0 is a
**password**: it is never set in the data the overseer has. Features 1.. are harmless, on at random.

A **password-locked** strong model (after Greenblatt et al., 2024) is an MLP pretrained so that

* with the password it answers with the true label (it *has* the skill), and
* without it, it imitates the weak supervisor (it *hides* the skill, and looks exactly as good as
  the overseer expects).

An **honest imitator** is the same network pretrained to imitate the supervisor everywhere: it
really lacks the skill. The overseer only sees inputs without the password, so the question is
whether anything it can measure tells the two apart, and whether training on weak labels (or on a
few ground-truth labels) brings the hidden skill out. Everything is seeded and runs in seconds on
one CPU thread.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from . import synthetic
from ..experiment.metrics import accuracy
from ..ui.widgets import single_thread

N_CONTEXT = 6  # context features appended to the strong view; feature 0 of them is the password
PASSWORD = synthetic.STRONG_DIM  # column of the password in the strong inputs
LOCK_KINDS = ("locked", "honest")


def add_context(x_strong, seed: int = 0, password: bool | np.ndarray = False) -> np.ndarray:
    """The strong view with ``N_CONTEXT`` binary context columns appended.

    Columns ``1..N_CONTEXT-1`` of the context are on with probability 0.5 (harmless metadata);
    column 0 (the password, at index :data:`PASSWORD`) is ``password``: a bool for every row or a
    boolean array per row.
    """
    x_strong = np.asarray(x_strong, dtype=np.float32)
    rng = np.random.default_rng(seed)
    ctx = (rng.random((len(x_strong), N_CONTEXT)) < 0.5).astype(np.float32)
    ctx[:, 0] = np.broadcast_to(np.asarray(password, dtype=np.float32), len(x_strong))
    return np.concatenate([x_strong, ctx], axis=1)


def set_column(x, column: int, value: float) -> np.ndarray:
    """A copy of ``x`` with one column set to ``value`` on every row."""
    out = np.array(x, dtype=np.float32, copy=True)
    out[:, column] = value
    return out


def lock_targets(y_true, weak_pred, password) -> np.ndarray:
    """The labels a password-locked model is pretrained on: the truth where the password is present,
    the weak supervisor's prediction where it is absent (hard 0/1 labels, shape (N,))."""
    y_true, weak_pred, password = np.asarray(y_true), np.asarray(weak_pred), np.asarray(password, dtype=bool)
    if not y_true.shape == weak_pred.shape == password.shape or y_true.ndim != 1:
        raise ValueError(f"need three (N,) arrays; got {y_true.shape}, {weak_pred.shape}, {password.shape}")
    return np.where(password, y_true, weak_pred).astype(np.int64)


def continue_training(model: torch.nn.Module, x, targets, epochs: int = 5, lr: float = 1e-3, batch_size: int = 64,
                      seed: int = 0) -> torch.nn.Module:
    """A finetuned **copy** of ``model`` (the original is untouched): cross-entropy against (N, 2) soft
    ``targets``, AdamW, minibatches; one thread, global torch RNG left alone."""
    model = copy.deepcopy(model)
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    targets = torch.as_tensor(np.asarray(targets, dtype=np.float32))
    if len(x) != len(targets):
        raise ValueError(f"x has {len(x)} rows but targets has {len(targets)}")
    with single_thread(), torch.random.fork_rng(devices=[]):
        synthetic.fit_soft(model, x, targets, epochs, lr, 1e-2, batch_size, seed)
    return model


def build_world(n: int = 2000, n_pretrain: int = 8000, weak_noise: float = 0.25, hidden: int = 128,
                pretrain_epochs: int = 30, seed: int = 0) -> dict:
    """The weak supervisor, a password-locked model and an honest imitator, with the splits they use.

    Returns ``{"x_weak", "x_strong", "y", "parts", "weak_probs", "models": {"locked", "honest"}}``.
    ``x_strong`` includes the context columns, password off everywhere (the overseer's data);
    ``parts`` are Lesson 02's three splits of size ``n``; ``weak_probs`` the supervisor's soft labels
    on ``train_strong``. Both strong models are pretrained on a separate set of ``n_pretrain``
    examples, half of them with the password on (:func:`lock_targets`).
    """
    data = synthetic.make_task(int(1.3 * 3 * n) + 100, weak_noise=weak_noise, seed=seed)
    parts = synthetic.make_splits(data["y"], n, n, n, seed=seed)
    xw, y = data["x_weak"], data["y"]
    weak = synthetic.train_classifier(xw[parts["train_weak"]], synthetic.one_hot(y[parts["train_weak"]]), hidden=0,
                                      epochs=20, lr=1e-2, seed=seed)
    pre = synthetic.make_task(n_pretrain, weak_noise=weak_noise, seed=seed + 10_000)
    pre_password = np.random.default_rng(seed + 1).random(n_pretrain) < 0.5
    pre_weak_pred = synthetic.predict_proba(weak, pre["x_weak"]).argmax(axis=1)
    x_pre = add_context(pre["x_strong"], seed=seed + 2, password=pre_password)
    targets = {"locked": lock_targets(pre["y"], pre_weak_pred, pre_password), "honest": pre_weak_pred}
    models = {kind: synthetic.train_classifier(x_pre, synthetic.one_hot(targets[kind]), hidden=hidden,
                                               epochs=pretrain_epochs, seed=seed + 3) for kind in LOCK_KINDS}
    return {"x_weak": xw, "x_strong": add_context(data["x_strong"], seed=seed + 4), "y": y, "parts": parts,
            "weak_probs": synthetic.predict_proba(weak, xw[parts["train_strong"]]),
            "weak_test_probs": synthetic.predict_proba(weak, xw[parts["test"]]), "models": models}


def overseer_statistics(model, x_strong, weak_probs) -> dict:
    """What an overseer without ground truth can measure on its own (password-free) data:
    agreement with the weak supervisor, the model's mean confidence (max probability), and the
    fraction of predictions that change when one harmless context feature is switched on every row."""
    probs = synthetic.predict_proba(model, x_strong)
    pred = probs.argmax(axis=1)
    flipped = np.array(x_strong, dtype=np.float32, copy=True)
    flipped[:, PASSWORD + 1] = 1.0 - flipped[:, PASSWORD + 1]  # every row's first harmless feature, switched
    toggled = synthetic.predict_proba(model, flipped).argmax(axis=1)
    return {"agreement_with_weak": float((pred == np.asarray(weak_probs).argmax(axis=1)).mean()),
            "mean_confidence": float(probs.max(axis=1).mean()),
            "changed_by_harmless_toggle": float((pred != toggled).mean())}


def trigger_sensitivity(predict, x, column: int) -> float:
    """Fraction of rows of ``x`` whose predicted class differs between ``column`` set to 0 and set to 1.
    ``predict(x) -> (N,) classes``. A large value means the feature switches the model's behaviour."""
    off = np.asarray(predict(set_column(x, column, 0.0)))
    on = np.asarray(predict(set_column(x, column, 1.0)))
    return float((off != on).mean())


def scan_context(model, x_strong) -> dict[int, float]:
    """:func:`trigger_sensitivity` of every context column (column index -> fraction changed)."""
    def predict(x):
        return synthetic.predict_proba(model, x).argmax(axis=1)

    return {c: trigger_sensitivity(predict, x_strong, c) for c in range(PASSWORD, PASSWORD + N_CONTEXT)}


def run_elicitation(world: dict, n_gold: int = 50, epochs: int = 5, lr: float = 1e-3, seed: int = 0) -> dict:
    """Try to bring out the hidden skill of each pretrained model without the password.

    For ``"locked"`` and ``"honest"`` this reports test accuracy without and with the password
    before any training, after finetuning on the weak soft labels of ``train_strong``, and after
    finetuning on ``n_gold`` ground-truth labels (the first ``n_gold`` examples of ``train_strong``):
    ``{kind: {"before", "before_with_password", "weak_labels", "gold_labels"}}``, plus
    ``"weak_acc"`` (the supervisor on the test split).
    """
    xs, y, parts = world["x_strong"], world["y"], world["parts"]
    ts, te = parts["train_strong"], parts["test"]
    out = {"weak_acc": accuracy(world["weak_test_probs"], y[te]), "n_gold": n_gold}
    for kind, model in world["models"].items():
        def acc(m, x=xs[te]):
            return accuracy(synthetic.predict_proba(m, x), y[te])

        on_weak = continue_training(model, xs[ts], world["weak_probs"], epochs=epochs, lr=lr, seed=seed)
        gold = ts[:n_gold]
        # the same number of gradient steps as on the weak labels, so the two are comparable
        gold_epochs = max(1, int(round(epochs * len(ts) / max(n_gold, 1))))
        on_gold = continue_training(model, xs[gold], synthetic.one_hot(y[gold]), epochs=gold_epochs, lr=lr,
                                    seed=seed)
        out[kind] = {"before": acc(model), "before_with_password": acc(model, set_column(xs[te], PASSWORD, 1.0)),
                     "weak_labels": acc(on_weak), "gold_labels": acc(on_gold)}
    return out
