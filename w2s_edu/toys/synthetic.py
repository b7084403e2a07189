"""A tiny synthetic weak-to-strong experiment for Lesson 02: random label noise versus systematic errors.

The world: each example has six latent factors ``z ~ N(0, I)`` and the label ``y = 1[z0 + z1 + z2 * z3 > 0]``.

* The **weak view** shows only ``z0 .. z3``, plus Gaussian noise of size ``weak_noise``. The weak
  supervisor is a small model on it (linear by default, so it cannot represent ``z2 * z3``).
* The **strong view** is a fixed random nonlinear mix of all six factors (24 features). The strong
  model is an MLP on it: it can represent the true rule *and* anything the weak model computes.

:func:`run_noise_experiment` trains the supervisor, the ceiling (strong model on ground truth) and a
strong student on labels with the *same error rate* as the supervisor's, of one or both kinds:
``"random"`` (ground truth with uniformly chosen labels flipped) or ``"systematic"`` (the weak
model's own soft labels). Everything is seeded, runs on one CPU thread, and takes about a second.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..losses import one_hot
from ..experiment.metrics import PGRUndefinedWarning, accuracy, agreement_by_supervisor, pgr, summarize
from ..ui.widgets import plot_panel, single_thread

N_LATENT, WEAK_FACTORS, STRONG_DIM, WORLD_SEED = 6, 4, 24, 1234
KINDS = ("random", "systematic")
_MIX = np.random.default_rng(WORLD_SEED).normal(size=(N_LATENT, STRONG_DIM)) * 1.2 / np.sqrt(N_LATENT)


def make_task(n: int, weak_noise: float = 0.25, seed: int = 0) -> dict:
    """Draw ``n`` examples: ``{"x_weak": (n, 4), "x_strong": (n, 24), "y": (n,), "z": (n, 6)}``.

    ``z`` holds the latent factors, for plots only: no model ever sees them directly.
    """
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, N_LATENT))
    y = (z[:, 0] + z[:, 1] + z[:, 2] * z[:, 3] > 0).astype(np.int64)
    x_strong = np.tanh(z @ _MIX) + 0.05 * rng.normal(size=(n, STRONG_DIM))
    x_weak = z[:, :WEAK_FACTORS] + weak_noise * rng.normal(size=(n, WEAK_FACTORS))
    return {"x_weak": x_weak.astype(np.float32), "x_strong": x_strong.astype(np.float32), "y": y, "z": z}


def make_splits(labels, n_train_weak: int, n_train_strong: int, n_test: int, seed: int = 0) -> dict:
    """Disjoint, class-balanced, seeded index arrays ``{"train_weak", "train_strong", "test"}``.

    A part of size ``n`` holds ``n // 2`` indices of class 0 and ``n - n // 2`` of class 1, shuffled.
    Raises ``ValueError`` when a class has too few examples.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    sizes = {"train_weak": n_train_weak, "train_strong": n_train_strong, "test": n_test}
    need = {0: sum(n // 2 for n in sizes.values()), 1: sum(n - n // 2 for n in sizes.values())}
    pools = {}
    for c in (0, 1):
        pools[c] = rng.permutation(np.flatnonzero(labels == c))
        if len(pools[c]) < need[c]:
            raise ValueError(f"need {need[c]} examples of class {c} but there are only {len(pools[c])}")
    splits, start = {}, {0: 0, 1: 0}
    for name, n in sizes.items():
        take = {0: n // 2, 1: n - n // 2}
        idx = np.concatenate([pools[c][start[c]: start[c] + take[c]] for c in (0, 1)])
        for c in (0, 1):
            start[c] += take[c]
        splits[name] = rng.permutation(idx)
    return splits


def flip_labels(labels, rate: float, seed: int = 0) -> np.ndarray:
    """A copy of 0/1 ``labels`` with exactly ``round(rate * N)`` labels, chosen uniformly at random, flipped."""
    labels = np.asarray(labels)
    flipped = labels.copy()
    idx = np.random.default_rng(seed).choice(len(labels), size=int(round(rate * len(labels))), replace=False)
    flipped[idx] = 1 - flipped[idx]
    return flipped


def train_classifier(x, targets, hidden: int = 64, epochs: int = 10, lr: float = 3e-3, batch_size: int = 64,
                     weight_decay: float = 1e-2, seed: int = 0) -> torch.nn.Module:
    """Train a 2-class model on (N, 2) soft ``targets`` with cross-entropy, AdamW and minibatches.

    ``hidden=0`` is a linear model (logistic regression); otherwise one hidden ReLU layer of that width.
    Training is short on purpose (a few epochs, as in the paper): long enough to learn the pattern in
    the labels, too short to memorise individual noisy labels. The global torch RNG is left untouched.
    """
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    targets = torch.as_tensor(np.asarray(targets, dtype=np.float32))
    with single_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        d = x.shape[1]
        model = (torch.nn.Linear(d, 2) if hidden == 0 else
                 torch.nn.Sequential(torch.nn.Linear(d, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 2)))
        fit_soft(model, x, targets, epochs, lr, weight_decay, batch_size, seed)
    return model


def fit_soft(model: torch.nn.Module, x: torch.Tensor, targets: torch.Tensor, epochs: int, lr: float,
             weight_decay: float, batch_size: int, seed: int) -> None:
    """Train ``model`` in place: soft-label cross-entropy, AdamW, minibatches in a seeded order."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    order = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=order)
        for start in range(0, len(x), batch_size):
            batch = perm[start: start + batch_size]
            loss = -(targets[batch] * torch.log_softmax(model(x[batch]), dim=1)).sum(dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()


def predict_proba(model: torch.nn.Module, x) -> np.ndarray:
    """Class probabilities, shape (N, 2)."""
    with torch.no_grad(), single_thread():
        return torch.softmax(model(torch.as_tensor(np.asarray(x, dtype=np.float32))), dim=1).numpy()


def weak_soft_labels(x_train, y_train, x_label, hidden: int = 0, seed: int = 0) -> np.ndarray:
    """Train the weak supervisor on ``(x_train, y_train)``; return its (N, 2) probabilities on ``x_label``."""
    model = train_classifier(x_train, one_hot(y_train), hidden=hidden, epochs=20, lr=1e-2, seed=seed)
    return predict_proba(model, x_label)


def run_noise_experiment(weak_noise: float = 0.25, weak_hidden: int = 0, student_hidden: int = 64,
                         kinds=KINDS, hard_weak_labels: bool = False, epochs: int = 10, n: int = 2000,
                         seed: int = 0) -> dict:
    """One seed of the random-versus-systematic comparison; ``n`` examples in each of the three splits.

    Returns ``{"weak_acc", "ceiling_acc", "error_rate", <kind>: {"student_acc", "pgr", "agreement"}}``.
    Accuracies are on the test split. ``error_rate`` is the supervisor's error on ``train_strong``;
    random noise flips exactly that fraction of the ground truth, so both kinds of labels are equally
    wrong. ``agreement`` (:func:`w2s_edu.experiment.metrics.agreement_by_supervisor`) compares, on ``train_strong``,
    the student's predictions with the labels it was trained on, split by whether those labels were right.
    ``hard_weak_labels=True`` gives the student the weak model's 0/1 labels instead of probabilities;
    ``epochs`` is how long the ceiling and the students train.
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    if not set(kinds) <= set(KINDS):
        raise ValueError(f"kinds must be among {KINDS}; got {kinds}")
    data = make_task(int(1.3 * 3 * n) + 100, weak_noise=weak_noise, seed=seed)
    parts = make_splits(data["y"], n, n, n, seed=seed)
    xw, xs, y = data["x_weak"], data["x_strong"], data["y"]
    tw, ts, te = parts["train_weak"], parts["train_strong"], parts["test"]

    weak = train_classifier(xw[tw], one_hot(y[tw]), hidden=weak_hidden, epochs=20, lr=1e-2, seed=seed)
    weak_probs = predict_proba(weak, xw[ts])
    weak_pred = weak_probs.argmax(axis=1)
    ceiling = train_classifier(xs[tw], one_hot(y[tw]), hidden=student_hidden, epochs=epochs, seed=seed + 1)
    out = {"weak_acc": accuracy(predict_proba(weak, xw[te]), y[te]),
           "ceiling_acc": accuracy(predict_proba(ceiling, xs[te]), y[te]),
           "error_rate": float((weak_pred != y[ts]).mean())}
    for kind in kinds:
        if kind == "random":
            given = flip_labels(y[ts], out["error_rate"], seed=seed + 3)
            targets = one_hot(given)
        else:
            given = weak_pred
            targets = one_hot(weak_pred) if hard_weak_labels else weak_probs
        student = train_classifier(xs[ts], targets, hidden=student_hidden, epochs=epochs, seed=seed + 2)
        student_acc = accuracy(predict_proba(student, xs[te]), y[te])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PGRUndefinedWarning)
            gap = pgr(out["weak_acc"], student_acc, out["ceiling_acc"])
        train_pred = predict_proba(student, xs[ts]).argmax(axis=1)
        out[kind] = {"student_acc": student_acc, "pgr": gap,
                     "agreement": agreement_by_supervisor(train_pred, given, y[ts])}
    return out


def noise_experiment_over_seeds(seeds=(0, 1, 2, 3, 4), **kwargs) -> dict:
    """Run :func:`run_noise_experiment` once per seed; returns ``{"runs": [...], "summary": {...}}``.

    ``summary`` maps ``"weak_acc"``, ``"ceiling_acc"``, ``"error_rate"`` and, per kind, ``"<kind>_acc"``,
    ``"<kind>_pgr"`` and ``"<kind>_copied"`` (agreement with wrong labels) to mean / std / n over seeds.
    """
    runs = [run_noise_experiment(seed=s, **kwargs) for s in seeds]
    summary = {key: summarize([r[key] for r in runs]) for key in ("weak_acc", "ceiling_acc", "error_rate")}
    for kind in [k for k in KINDS if k in runs[0]]:
        summary[f"{kind}_acc"] = summarize([r[kind]["student_acc"] for r in runs])
        summary[f"{kind}_pgr"] = summarize([r[kind]["pgr"] for r in runs])
        summary[f"{kind}_copied"] = summarize([r[kind]["agreement"]["supervisor_wrong"]["agreement"] for r in runs])
    return {"runs": runs, "summary": summary}


def format_summary(summary: dict) -> str:
    """The summary of :func:`noise_experiment_over_seeds` as an aligned text table (mean +- std)."""
    return "\n".join(f"{key:>17}: {s['mean']:+.3f} +- {s['std']:.3f}   (n={s['n']})" for key, s in summary.items())


def plot_noise_experiment(kinds=KINDS, weak_noise: float = 0.25, weak_hidden: int = 0, student_hidden: int = 64,
                          n: int = 2000, seed: int = 0, axes=None) -> dict:
    """Run one seed and draw, per kind, test accuracy bars (weak, student, ceiling) with PGR in the title."""
    import matplotlib.pyplot as plt

    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    result = run_noise_experiment(weak_noise=weak_noise, weak_hidden=weak_hidden, student_hidden=student_hidden,
                                  kinds=kinds, n=n, seed=seed)
    if axes is None:
        _, axes = plt.subplots(1, len(kinds), figsize=(4.2 * len(kinds), 3.2), squeeze=False)
        axes = axes[0]
    for ax, kind in zip(np.atleast_1d(axes), kinds):
        accs = [result["weak_acc"], result[kind]["student_acc"], result["ceiling_acc"]]
        bars = ax.bar(["weak", f"student\n({kind})", "ceiling"], accs, color=["#c44e52", "#4c72b0", "#55a868"])
        ax.bar_label(bars, fmt="%.3f")
        ax.set_ylim(0.4, 1.02)
        ax.set_ylabel("test accuracy")
        value = result[kind]["pgr"]
        shown = "undefined (ceiling <= weak)" if np.isnan(value) else f"{value:.2f}"
        ax.set_title(f"{kind} errors ({result['error_rate']:.0%} of labels)\nPGR = {shown}", fontsize=10)
    np.atleast_1d(axes)[0].figure.tight_layout()
    return result


def weak_supervision_widget(n: int = 2000, seed: int = 0):
    """Controls for noise kind, weak view noise, weak and student capacity; redraws bars and PGR on change.

    Each update makes one call to :func:`plot_noise_experiment` and puts the figure (or the error) in
    an Output widget. The returned box has ``.controls`` (dict of widgets), ``.button`` and ``.output``.
    """
    import ipywidgets as widgets
    from matplotlib.figure import Figure  # not pyplot: the widget's figures never show up elsewhere

    controls = {
        "kinds": widgets.ToggleButtons(options=list(KINDS), value="systematic", description="noise kind"),
        "weak_noise": widgets.FloatSlider(value=0.25, min=0.0, max=2.0, step=0.25, continuous_update=False,
                                          description="weak view noise"),
        "weak_hidden": widgets.SelectionSlider(options=[0, 2, 4, 16, 64], value=0, continuous_update=False,
                                               description="weak hidden"),
        "student_hidden": widgets.SelectionSlider(options=[2, 4, 8, 16, 64, 256], value=64,
                                                  continuous_update=False, description="student hidden"),
    }
    for control in controls.values():
        control.style.description_width = "110px"

    def draw(values):
        fig = Figure(figsize=(4.6, 3.4))
        result = plot_noise_experiment(axes=[fig.subplots()], n=n, seed=seed, **values)
        return fig, f"weak {result['weak_acc']:.3f}, ceiling {result['ceiling_acc']:.3f}"

    return plot_panel(controls, draw, button="Run again")
