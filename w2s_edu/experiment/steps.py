"""Steps 2-6 of the weak-to-strong experiment for any pair of roles, and the per-seed metrics.

:func:`run_roles` trains, for every seed, the **weak** supervisor on ``train_weak`` ground truth, the
strong role's **ceiling** on the same ground truth, and its **students** on the supervisor's soft
labels of ``train_strong`` (one per loss), each as a job of an executor
(:mod:`w2s_edu.train.executor`), and measures them on ``test`` (:func:`seed_metrics`);
:func:`summarize_seeds` turns the seeds into a :class:`w2s_edu.experiment.results.W2SResult`.
:func:`w2s_edu.experiment.pipeline.run_w2s` (text/label tasks), :func:`w2s_edu.experiment.reward.run_reward_w2s`
(pairs) and the chess compute ladder all run through them.
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

from ..config import SMALL_TEST, W2SConfig
from ..losses import loss_name, one_hot
from ..train.executor import LocalExecutor, default_executor
from .metrics import PGRUndefinedWarning, accuracy, agreement_by_supervisor, auroc, bootstrap_pgr_ci, pgr
from .results import W2SResult
from .roles import ModelRole, train_and_predict, validation_labels
from .seeds import ExperimentData, SeedSplits, Stages, seed_loop


def run_roles(cfg: W2SConfig, data: ExperimentData, roles: tuple[ModelRole, ModelRole], inputs: tuple, *,
              executor: LocalExecutor | None = None, progress: Callable | None = None, what: str = "",
              desc: str = "weak-to-strong") -> list[dict]:
    """Steps 2-6 for every seed: the weak role, the strong role's ceiling and its students (one per
    loss), on ``inputs`` (the two roles' encoded texts). Returns :func:`seed_metrics` per seed.
    ``what`` names the models in progress lines (e.g. ``"RM "`` for reward models).

    Every model is a job of ``executor`` (default :func:`w2s_edu.train.executor.default_executor`): the
    ceiling does not wait for the supervisor, the students wait only for their supervisor's labels, so
    a :class:`w2s_edu.train.executor.ParallelExecutor` trains them side by side; the results are the same."""
    weak, strong = 0, 1  # jobs name their role by position: only small arguments go to a worker
    ex = executor or default_executor(cfg.device)

    def job(role, seed_index, split, targets, loss_index, labels_from, label, predict_on, val):
        s = data.seeds[seed_index]
        loss = "xent" if loss_index is None else cfg.losses[loss_index]  # by position: a function stays here
        return train_and_predict(roles[role], inputs[role], s.rows, split, targets, loss, s.seed, labels_from,
                                 f"seed {s.seed} {label}", predict_on, val=val, executor=ex)

    position = {id(s): i for i, s in enumerate(data.seeds)}
    failed: list = []  # a job that raised: the next submission raises it, rather than the end of the run

    def finished(future, stages: Stages) -> None:
        stages.done()
        if future.exception() is not None:
            failed.append(future)

    with ex.jobs(job) as submit:
        def one_seed(s: SeedSplits, stages: Stages):
            tag, y, i = f"seed {s.seed}", s.y, position[id(s)]

            def fit(role, split, targets, loss_index, labels_from, label, predict_on=("test",), val=None):
                if failed:
                    failed[0].result()
                stages.start(f"{tag}: {label}")
                future = submit(role, i, split, targets, loss_index, labels_from, label, predict_on, val)
                future.add_done_callback(lambda f: finished(f, stages))
                return future

            w = fit(weak, "train_weak", one_hot(y["train_weak"]), None, "ground_truth", f"weak {what}{cfg.weak}",
                    ("train_strong", "test") + (("val",) if cfg.val_size else ()))
            c = fit(strong, "train_weak", one_hot(y["train_weak"]), None, "ground_truth",
                    f"ceiling {what}{cfg.strong}")
            weak_out = w.result()  # the students learn from the supervisor's labels
            val = validation_labels(cfg, weak_out, y)
            students = {loss_name(loss): fit(strong, "train_strong", weak_out["train_strong"], k, weak_out["key"],
                                             f"w2s {what}{loss_name(loss)}", val=val)
                        for k, loss in enumerate(cfg.losses)}  # a registered name, or a loss function
            return lambda: seed_metrics(s.seed, y, weak_out, c.result(),
                                        {name: f.result() for name, f in students.items()})

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
