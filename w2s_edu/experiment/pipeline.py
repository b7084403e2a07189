"""The weak-to-strong pipeline: weak model -> weak labels -> strong student, beside the ceiling.

For each seed (:func:`w2s_edu.experiment.seeds.seed_loop`):

1. split the task into ``train_weak``, ``train_strong`` and ``test`` (disjoint, balanced);
2. train the **weak** supervisor on ``train_weak`` ground truth;
3. label ``train_strong`` with the weak model's *soft* predictions (probabilities);
4. train the **strong ceiling** on ``train_weak`` ground truth (what the strong model can do);
5. train the **strong student** on the weak labels, once per loss (xent, logconf, product);
6. measure everything on ``test``: accuracies, PGR, agreement with the supervisor.

Every trained model is cached on disk (:func:`w2s_edu.experiment.roles.train_and_predict`): a rerun
resumes where an interrupted one stopped, and a sweep trains each weak model once.
:func:`run_roles` is steps 2-6 for any pair of roles; :mod:`w2s_edu.experiment.reward` runs it on pairs.
"""

from __future__ import annotations

import time
import warnings
from typing import Callable

import numpy as np

from ..config import SMALL_TEST, W2SConfig
from ..losses import loss_name, one_hot
from ..tasks.registry import get_task
from ..train.executor import LocalExecutor
from .metrics import PGRUndefinedWarning, accuracy, agreement_by_supervisor, auroc, bootstrap_pgr_ci, pgr
from .results import W2SResult
from .roles import ModelRole, train_and_predict, validation_labels
from .seeds import ExperimentData, SeedSplits, Stages, prepare_seeds, seed_loop


def run_w2s(config: W2SConfig | None = None, progress: Callable[[int, int, str], None] | None = None, *,
            executor: LocalExecutor | None = None, **overrides) -> W2SResult:
    """Run the whole experiment for every seed and loss; returns a :class:`W2SResult`.

    ``config.losses`` may hold your own loss functions beside registered names, e.g.
    ``run_w2s(cfg.replace(losses=["xent", my_loss]))``: the results name each by its ``__name__``, and a
    run is read from the cache only when the function's code is the same
    (:mod:`w2s_edu.train.callable_loss`).

    ``progress(done, total, what)``, if given, is called before each model trains and once at the end
    (the experiment panel drives its progress bar with it; the tqdm bar runs either way).
    ``executor`` trains and caches the models (default: this process; see
    :class:`w2s_edu.train.distributed.AccelerateExecutor` for several)."""
    cfg = (config or W2SConfig()).replace(**overrides) if overrides else (config or W2SConfig())
    start = time.time()
    ds = get_task(cfg.task, seed=cfg.task_seed, text_column=cfg.text_column, label_column=cfg.label_column)
    data = prepare_seeds(ds, cfg, val_size=cfg.val_size)
    weak = ModelRole(cfg.weak, cfg.weak_mode or cfg.mode, cfg)
    strong = ModelRole(cfg.strong, cfg.mode, cfg)
    if weak.key() == strong.key():
        warnings.warn("The weak and strong models are the same model in the same mode: the ceiling "
                      "cannot be above the supervisor, so PGR is undefined for this run.", PGRUndefinedWarning)
    inputs = (weak.inputs(data.texts), strong.inputs(data.texts))
    per_seed = run_roles(cfg, data, (weak, strong), inputs, executor=executor, progress=progress)
    return summarize_seeds(cfg, per_seed, time.time() - start)


def run_roles(cfg: W2SConfig, data: ExperimentData, roles: tuple[ModelRole, ModelRole], inputs: tuple, *,
              executor: LocalExecutor | None = None, progress: Callable | None = None, what: str = "",
              desc: str = "weak-to-strong") -> list[dict]:
    """Steps 2-6 for every seed: the weak role, the strong role's ceiling and its students (one per
    loss), on ``inputs`` (the two roles' encoded texts). Returns :func:`seed_metrics` per seed.
    ``what`` names the models in progress lines (e.g. ``"RM "`` for reward models)."""
    weak, strong = roles
    weak_inputs, strong_inputs = inputs

    def one_seed(s: SeedSplits, stages: Stages) -> dict:
        tag, y = f"seed {s.seed}", s.y

        def fit(role, role_inputs, split, targets, loss, labels_from, label, predict_on=("test",), val=None):
            out = train_and_predict(role, role_inputs, s.rows, split, targets, loss, s.seed, labels_from,
                                    f"{tag} {label}", predict_on, val=val, executor=executor)
            stages.done()
            return out

        stages.start(f"{tag}: weak {cfg.weak}")
        w = fit(weak, weak_inputs, "train_weak", one_hot(y["train_weak"]), "xent", "ground_truth",
                f"weak {what}{cfg.weak}", ("train_strong", "test") + (("val",) if cfg.val_size else ()))
        stages.start(f"{tag}: ceiling {cfg.strong}")
        c = fit(strong, strong_inputs, "train_weak", one_hot(y["train_weak"]), "xent", "ground_truth",
                f"ceiling {what}{cfg.strong}")
        val = validation_labels(cfg, w, y)
        students = {}
        for loss in cfg.losses:  # a registered name, or a loss function (results name it by __name__)
            name = loss_name(loss)
            stages.start(f"{tag}: {cfg.strong} on weak labels ({name})")
            students[name] = fit(strong, strong_inputs, "train_strong", w["train_strong"], loss, w["key"],
                                 f"w2s {what}{name}", val=val)
        return seed_metrics(s.seed, y, w, c, students)

    return seed_loop(cfg, data, one_seed, 2 + len(cfg.losses), desc, progress)


def seed_metrics(seed: int, y: dict, weak: dict, ceiling: dict, students: dict) -> dict:
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


def summarize_seeds(cfg: W2SConfig, per_seed: list[dict], seconds: float) -> W2SResult:
    weak = [p["weak_acc"] for p in per_seed]
    ceiling = [p["ceiling_acc"] for p in per_seed]
    names = [loss_name(loss) for loss in cfg.losses]
    w2s = {loss: [p["w2s_acc"][loss] for p in per_seed] for loss in names}
    pgrs = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PGRUndefinedWarning)
        for loss in names:
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
    if cfg.n_test < SMALL_TEST:
        notes.append(f"n_test={cfg.n_test}: a test accuracy's standard error is about {(0.25 / cfg.n_test) ** 0.5:.2f} "
                     f"here, so read these numbers as a smoke test, not a result (use n_test >= {SMALL_TEST}).")
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
