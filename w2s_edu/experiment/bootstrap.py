"""Bootstrapping: supervise a strong model through a chain of ever stronger intermediate models.

Burns et al. (2023, section 4.3.1) suggest that instead of asking a weak supervisor to label data
for a much stronger student directly, we could go in steps: the weak model labels data for a
slightly stronger model, *that* model labels data for the next, and so on up to the strongest.
Each step bridges a smaller gap, so each student may copy fewer of its teacher's mistakes.

How the data are used (per seed, splits as in :mod:`w2s_edu.experiment.pipeline`):

* ``train_weak`` (ground truth) trains the weak model (``cfg.weak_mode``) and the ceiling;
* ``train_strong`` is cut into ``len(chain) - 1`` disjoint, equal *chunks*. Step ``k`` trains rung
  ``k + 1`` on chunk ``k``, labelled by rung ``k``'s soft predictions. Every rung therefore labels
  examples it has never trained on, just as the weak model does;
* the **direct** baseline trains the strongest model on the *last* chunk labelled by the weak model,
  so the two final students see the same examples and differ only in who labelled them;
* ``test`` scores everyone. PGR uses the weak model and the ceiling of the strongest rung.

Every training run goes through :func:`w2s_edu.experiment.roles.train_and_predict`, so it is cached on disk
like the pipeline's runs (a rerun, or a pipeline run with the same pieces, reuses them).
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from ..config import W2SConfig
from ..losses import one_hot
from ..tasks.registry import get_task
from ..train.executor import LocalExecutor
from .metrics import accuracy, pgr, summarize
from .roles import ModelRole, train_and_predict
from .seeds import SeedSplits, Stages, prepare_seeds, seed_loop


def chunk_rows(rows: np.ndarray, n_chunks: int) -> list[np.ndarray]:
    """Cut ``rows`` into ``n_chunks`` disjoint, (nearly) equal consecutive parts, in order."""
    if n_chunks < 1 or n_chunks > len(rows):
        raise ValueError(f"cannot cut {len(rows)} examples into {n_chunks} chunks: a chain of k models needs "
                         "k - 1 chunks of train_strong, each with at least one example.")
    return [np.asarray(part) for part in np.array_split(np.asarray(rows), n_chunks)]


def run_bootstrap(config: W2SConfig, chain: list[str], splitter: Callable | None = None,
                  extra_metrics: Callable | None = None, keep_predictions: bool = False,
                  executor: LocalExecutor | None = None) -> dict:
    """Run the chain ``weak -> chain[1] -> ... -> chain[-1]`` and the direct ``weak -> chain[-1]``.

    ``config.weak``/``config.strong`` are ignored (the chain names the models); the weak model trains
    in ``config.weak_mode``, every later rung in ``config.mode``. ``splitter`` replaces
    :func:`w2s_edu.tasks.splits.split_task` (same signature), e.g. :func:`w2s_edu.tasks.splits.split_by_group`.
    ``extra_metrics(probs, test_rows)`` adds numbers per model (e.g. multiple-choice accuracy).
    ``keep_predictions`` adds each model's test probabilities and the test rows' dataset indices
    (``test_idx``) to every seed's entry, to look at individual examples.
    Returns per-seed accuracies and PGRs and their mean and spread over seeds.
    """
    if len(chain) < 3:
        raise ValueError(f"a bootstrapping chain needs at least 3 models (weak, intermediate..., strong); "
                         f"got {chain}. With 2 models it is the ordinary weak-to-strong run (run_w2s).")
    cfg = config
    start = time.time()
    ds = get_task(cfg.task, seed=cfg.task_seed, text_column=cfg.text_column, label_column=cfg.label_column)
    data = prepare_seeds(ds, cfg, splitter)
    roles = [ModelRole(chain[0], cfg.weak_mode or cfg.mode, cfg)] + [ModelRole(m, cfg.mode, cfg) for m in chain[1:]]
    inputs = {}
    for role in roles:
        key = (role.name, role.mode)
        if key not in inputs:
            inputs[key] = role.inputs(data.texts)

    def one_seed(s: SeedSplits, stages: Stages) -> dict:
        rows, y = dict(s.rows), s.y
        chunks = chunk_rows(np.arange(len(rows["train_strong"])), len(chain) - 1)
        for k, c in enumerate(chunks):
            rows[f"chunk{k}"] = rows["train_strong"][c]
        last = f"chunk{len(chunks) - 1}"
        names = tuple(f"chunk{k}" for k in range(len(chunks)))

        def fit(role, split, targets, labels_from, desc, predict_on=("test",)):
            stages.start(f"seed {s.seed}: {desc}")
            out = train_and_predict(role, inputs[(role.name, role.mode)], rows, split, targets, "xent", s.seed,
                                    labels_from, f"seed {s.seed} {desc}", predict_on, executor=executor)
            stages.done()
            return out

        weak = fit(roles[0], "train_weak", one_hot(y["train_weak"]), "ground_truth", f"weak {chain[0]}",
                   ("test",) + names)
        ceiling = fit(roles[-1], "train_weak", one_hot(y["train_weak"]), "ground_truth", f"ceiling {chain[-1]}")
        teacher, chain_accs = weak, []
        for k, role in enumerate(roles[1:]):
            split = f"chunk{k}"
            later = tuple(f"chunk{j}" for j in range(k + 1, len(chunks)))
            teacher = fit(role, split, teacher[split], teacher["key"], f"chain step {k + 1}: {role.name}",
                          ("test",) + later)
            chain_accs.append(accuracy(teacher["test"], y["test"]))
        direct = fit(roles[-1], last, weak[last], weak["key"], f"direct {chain[0]} -> {chain[-1]}")
        acc = {"weak": accuracy(weak["test"], y["test"]), "ceiling": accuracy(ceiling["test"], y["test"]),
               "direct": accuracy(direct["test"], y["test"]), "bootstrap": chain_accs[-1], "chain": chain_accs}
        out = {"seed": s.seed, **acc,
               "pgr_direct": pgr(acc["weak"], acc["direct"], acc["ceiling"]),
               "pgr_bootstrap": pgr(acc["weak"], acc["bootstrap"], acc["ceiling"]),
               "chunk_sizes": [len(c) for c in chunks]}
        if extra_metrics is not None:
            test_rows = np.asarray(s.idx["test"])
            out["extra"] = {name: extra_metrics(p["test"], test_rows)
                            for name, p in (("weak", weak), ("ceiling", ceiling), ("direct", direct),
                                            ("bootstrap", teacher))}
        if keep_predictions:
            out["test_idx"] = np.asarray(s.idx["test"])
            out["test_probs"] = {"weak": weak["test"], "ceiling": ceiling["test"], "direct": direct["test"],
                                 "bootstrap": teacher["test"]}
        return out

    per_seed = seed_loop(cfg, data, one_seed, len(chain) + 2, "bootstrapping")
    summary = {k: summarize([p[k] for p in per_seed]) for k in
               ("weak", "ceiling", "direct", "bootstrap", "pgr_direct", "pgr_bootstrap")}
    return {"chain": list(chain), "config": cfg.to_dict(), "per_seed": per_seed, "summary": summary,
            "seconds": time.time() - start}


def format_bootstrap(result: dict) -> str:
    """A small table: mean +- std over seeds of each model's accuracy and the two PGRs."""
    s = result["summary"]
    lines = [f"chain: {' -> '.join(result['chain'])}   seeds: {len(result['per_seed'])}"]
    for key, label in (("weak", "weak supervisor"), ("direct", "direct weak -> strong"),
                       ("bootstrap", "bootstrapped (chain)"), ("ceiling", "strong ceiling")):
        lines.append(f"{label:<24} {s[key]['mean']:.3f} +- {s[key]['std']:.3f}")
    for key, label in (("pgr_direct", "PGR direct"), ("pgr_bootstrap", "PGR bootstrapped")):
        lines.append(f"{label:<24} {_pgr_over_seeds([p[key] for p in result['per_seed']])}")
    return "\n".join(lines)


def _pgr_over_seeds(values: list[float]) -> str:
    """Mean +- std of the seeds where PGR is defined, saying how many seeds had none (there the
    ceiling was not above the supervisor, so there was no gap to recover)."""
    defined = [v for v in values if np.isfinite(v)]
    if not defined:
        return "undefined on every seed (the ceiling never beat the supervisor)"
    text = f"{np.mean(defined):.2f} +- {np.std(defined, ddof=1) if len(defined) > 1 else 0.0:.2f}"
    if len(defined) < len(values):
        text += (f"   (over {len(defined)} of {len(values)} seeds; "
                 "undefined where the ceiling did not beat the supervisor)")
    return text
