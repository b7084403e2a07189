"""The chess ladder by pretraining compute: one encoder's checkpoints as supervisors and student.

Burns et al. (2023) put the supervisor on an axis of *pretraining compute* (the fraction of GPT-4's).
The checkpoints of one pretraining run, kept at 0%, 1%, 3%, ... of its steps (``w2s-edu
chess-pretrain --snapshots``), are models of the same architecture with less compute behind them:
an early one is a weak supervisor, the last one the strong student, those in between the steps of
a bootstrapping chain.

:func:`measure_compute_ladder` makes the ladder's record, ``compute_ladder.json``, in three parts,
each on data it is allowed to see:

1. **the ceiling's recipe**, chosen on development seeds on a *validation* split of the training
   puzzles (train on ``train_weak`` ground truth, score on ``train_strong``), never on the test
   puzzles: a frozen probe against finetuning at several learning rates and lengths;
2. **the supervisor**, chosen on the same development seeds and validation split: the checkpoint
   with the least (non-zero) compute whose probe beats chance by :data:`CHOOSE_ABOVE_CHANCE` (the
   untrained 0% checkpoint is a reference: what the architecture gives before pretraining);
3. **the report**, on fresh seeds and the test puzzles: every checkpoint as a probe, the ceiling, and
   direct weak-to-strong against the bootstrapping chain through the checkpoints in between, with a
   paired interval of their difference, and PGR from every checkpoint as the supervisor. The ladder
   is accepted when the ceiling beats the supervisor by :data:`MIN_GAP` and the supervisor beats
   chance by :data:`MIN_ABOVE_CHANCE`.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import numpy as np

from ..config import W2SConfig
from ..data import CHESS_DIR
from ..experiment.bootstrap import run_bootstrap
from ..experiment.metrics import accuracy, paired_difference, summarize
from ..experiment.steps import run_roles, summarize_seeds
from ..experiment.roles import ModelRole, train_and_predict
from ..experiment.seeds import SeedSplits, Stages, prepare_seeds, seed_loop
from ..losses import one_hot
from ..models.registry import CHESS_COMPUTE_PERCENTS, chess_checkpoint
from ..tasks.chess.task import multiple_choice_accuracy
from ..tasks.registry import get_task
from ..tasks.splits import split_by_group
from .evaluate import MIN_GAP, chess_config

COMPUTE_LADDER_FILE = CHESS_DIR / "compute_ladder.json"
DEV_SEEDS = (0, 1, 2)
FRESH_SEEDS = (10, 11, 12, 13, 14)
MIN_ABOVE_CHANCE = 0.03  # the supervisor must beat chance (0.5) by this much on the test puzzles
CHOOSE_ABOVE_CHANCE = 0.045  # ... and by this much on validation to be chosen (a margin for seed noise)
# The ceiling's candidate recipes: (mode, overrides of the chess config)
CEILING_RECIPES = (
    ("probe", {}),
    ("finetune", {"lr": 3e-4}),
    ("finetune", {"lr": 1e-3}),
    ("finetune", {"lr": 3e-3}),
    ("finetune", {"lr": 1e-3, "epochs": 10.0}),
)


def compute_ladder_metadata() -> dict:
    """The compute ladder's record (``compute_ladder.json``), written by
    ``python -m w2s_edu.chess.measure --compute``."""
    if not COMPUTE_LADDER_FILE.exists():
        raise FileNotFoundError(f"{COMPUTE_LADDER_FILE} is missing: run `python -m w2s_edu.chess.measure "
                                "--compute` to measure the compute ladder.")
    return json.loads(COMPUTE_LADDER_FILE.read_text())


def _fit_all(cfg: W2SConfig, models: list[tuple[str, str, dict]], split: str, desc: str) -> dict:
    """Train each ``(model, mode, overrides)`` on ``train_weak`` ground truth for every seed of ``cfg``;
    score binary (and, on the test split, multiple-choice) accuracy on ``split``."""
    ds = get_task(cfg.task, seed=cfg.task_seed)
    groups = np.asarray(ds["group"])
    data = prepare_seeds(ds, cfg, split_by_group)
    out = {}
    for name, mode, overrides in models:
        role = ModelRole(name, mode, replace(cfg, **overrides))
        inputs = role.inputs(data.texts)
        label = f"{name} ({mode}{''.join(f', {k} {v:g}' for k, v in overrides.items())})"

        def one_seed(s: SeedSplits, stages: Stages) -> dict:
            stages.start(f"seed {s.seed}: {label}")
            res = train_and_predict(role, inputs, s.rows, "train_weak", one_hot(s.y["train_weak"]), "xent",
                                    s.seed, "ground_truth", f"seed {s.seed} {label}", predict_on=(split,))
            stages.done()
            row = {"seed": s.seed, "binary": accuracy(res[split], s.y[split])}
            if split == "test":
                row["multiple_choice"] = multiple_choice_accuracy(res[split], s.y[split], groups[s.idx[split]])
            return row

        per_seed = seed_loop(cfg, data, one_seed, 1, f"{desc}: {label}")
        out[label] = {"model": name, "mode": mode, "overrides": overrides, "per_seed": per_seed,
                      **{k: summarize([p[k] for p in per_seed]) for k in per_seed[0] if k != "seed"}}
    return out


def pgr_by_supervisor(cfg: W2SConfig, supervisors: list[str], strong: str) -> dict:
    """Weak-to-strong from each supervisor checkpoint (a probe) to ``strong`` (in ``cfg.mode``), with
    the pipeline's steps (:func:`w2s_edu.experiment.steps.run_roles`) on group splits: per
    supervisor its accuracy, the student's, the ceiling's, the gap and PGR with its interval."""
    ds = get_task(cfg.task, seed=cfg.task_seed)
    data = prepare_seeds(ds, cfg, split_by_group)
    student = ModelRole(strong, cfg.mode, cfg)
    student_inputs = student.inputs(data.texts)
    out = {}
    for name in supervisors:
        run_cfg = replace(cfg, weak=name, strong=strong, weak_mode="probe", losses=["xent"])
        weak = ModelRole(name, "probe", run_cfg)
        t = time.time()
        per_seed = run_roles(run_cfg, data, (weak, student), (weak.inputs(data.texts), student_inputs),
                             desc=f"{name} -> {strong}")
        res = summarize_seeds(run_cfg, per_seed, time.time() - t)
        out[name] = {"weak": res.weak_acc, "student": res.w2s_acc["xent"], "ceiling": res.ceiling_acc,
                     "gap": float(np.mean(res.ceiling_acc) - np.mean(res.weak_acc)), "pgr": res.pgr["xent"],
                     "seconds": round(res.seconds, 1)}
    return out


def _correct(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return (np.asarray(probs).argmax(axis=1) == np.asarray(labels)).astype(float)


def measure_compute_ladder(percents=CHESS_COMPUTE_PERCENTS, rung: str = "chess-c", dev_seeds=DEV_SEEDS,
                           fresh_seeds=FRESH_SEEDS, recipes=CEILING_RECIPES,
                           choose_above: float = CHOOSE_ABOVE_CHANCE, by_supervisor: bool = True,
                           **overrides) -> dict:
    """Choose the ceiling's recipe and the supervisor on development seeds (validation split), then
    report every checkpoint, the gap and direct-vs-bootstrapped weak-to-strong on fresh seeds."""
    start = time.time()
    names = [chess_checkpoint(rung, p) for p in percents]
    strong = names[-1]
    dev = chess_config(seeds=list(dev_seeds), **overrides)
    # 1. the ceiling's recipe, on validation
    ceiling_dev = _fit_all(dev, [(strong, mode, o) for mode, o in recipes], "train_strong", "ceiling recipe")
    best_label = max(ceiling_dev, key=lambda k: ceiling_dev[k]["binary"]["mean"])
    best = ceiling_dev[best_label]
    # 2. the supervisor, on validation: the least compute that beats chance by the margin
    candidates = [n for p, n in zip(percents, names[:-1]) if p > 0]  # 0%: untrained, a reference only
    supervisors_dev = _fit_all(dev, [(n, "probe", {}) for n in candidates], "train_strong", "supervisor")
    able = [k for k in supervisors_dev if supervisors_dev[k]["binary"]["mean"] >= 0.5 + choose_above]
    if not able:
        raise RuntimeError(f"No checkpoint's probe beats chance by {choose_above:.3f} on validation: "
                           f"{ {k: round(v['binary']['mean'], 3) for k, v in supervisors_dev.items()} }")
    weak_label = able[0]
    weak = supervisors_dev[weak_label]["model"]
    # 3. the report, on fresh seeds and the test puzzles
    fresh = replace(dev, seeds=list(fresh_seeds), mode=best["mode"], **best["overrides"])
    rungs = _fit_all(fresh, [(n, "probe", {}) for n in names], "test", "checkpoints")
    if best["mode"] != "probe":
        rungs |= _fit_all(fresh, [(strong, best["mode"], best["overrides"])], "test", "ceiling")
    ceiling_key = next(k for k, v in rungs.items() if v["model"] == strong and v["mode"] == best["mode"])
    weak_key = f"{weak} (probe)"
    gap = rungs[ceiling_key]["binary"]["mean"] - rungs[weak_key]["binary"]["mean"]
    above = rungs[weak_key]["binary"]["mean"] - 0.5
    chain = names[names.index(weak):]
    ds = get_task(fresh.task, seed=fresh.task_seed)
    labels, groups = np.asarray(ds["label"]), np.asarray(ds["group"])

    def mc(probs, rows):
        return multiple_choice_accuracy(probs, labels[rows], groups[rows])

    bootstrap = None
    if len(chain) >= 3:  # the supervisor, at least one checkpoint in between, the student
        boot = run_bootstrap(replace(fresh, weak_mode="probe"), chain, splitter=split_by_group, extra_metrics=mc,
                             keep_predictions=True)
        correct = {k: np.stack([_correct(p["test_probs"][k], labels[p["test_idx"]]) for p in boot["per_seed"]])
                   for k in ("weak", "direct", "bootstrap", "ceiling")}
        diff = paired_difference(correct["weak"], correct["direct"], correct["bootstrap"], correct["ceiling"])
        per_seed = [{k: v for k, v in p.items() if k not in ("test_probs", "test_idx")} for p in boot["per_seed"]]
        bootstrap = {"chain": chain, "per_seed": per_seed, "summary": boot["summary"],
                     "bootstrap_minus_direct": diff, "seconds": round(boot["seconds"], 1)}
    by_sup = pgr_by_supervisor(fresh, candidates, strong) if by_supervisor else None
    return {
        "pgr_by_supervisor": by_sup,
        "rung": rung, "percents": list(percents), "checkpoints": names,
        "config": fresh.to_dict(), "dev_seeds": list(dev_seeds), "fresh_seeds": list(fresh_seeds),
        "ceiling_recipe": {"validation": ceiling_dev, "chosen": best_label,
                           "protocol": "train on train_weak ground truth, score on train_strong (training "
                                       "puzzles), development seeds"},
        "supervisor_choice": {"validation": supervisors_dev, "chosen": weak_label,
                              "rule": f"least compute whose probe is >= {0.5 + choose_above:.3f} on validation"},
        "rungs": rungs, "weak": weak_key, "strong": ceiling_key, "gap": gap, "above_chance": above,
        "min_gap": MIN_GAP, "min_above_chance": MIN_ABOVE_CHANCE,
        "accepted": bool(gap >= MIN_GAP and above >= MIN_ABOVE_CHANCE),
        "bootstrap": bootstrap,
        "seconds": round(time.time() - start, 1),
    }


def chess_pgr_points(record: dict) -> list[dict]:
    """The record's PGR from each supervisor checkpoint, as points for
    :func:`w2s_edu.report.plot_pgr_by_gap` (setting ``"chess"``)."""
    return [{"setting": "chess", "label": name.rsplit("-", 1)[1], "gap": r["gap"], "pgr": r["pgr"]["mean"],
             "ci": r["pgr"]["ci"], "seeds": len(r["weak"])}
            for name, r in (record.get("pgr_by_supervisor") or {}).items()]


def text_pgr_points() -> list[dict]:
    """The text side of the comparison, from the shipped measurements (``w2s_edu.data.measured``): the
    showcase (reward pairs on WordNet categories, 5 fresh seeds) and the default categories task with
    three supervisors (3 fresh seeds), each with the plain cross-entropy student."""
    from ..data import measured

    points = []
    show = measured("showcase")
    xent = next(r for r in show["rows"] if r["loss"] == "xent")
    points.append({"setting": "text", "label": "showcase", "gap": float(np.mean(show["ceiling_acc"]) -
                                                                       np.mean(show["weak_acc"])),
                   "pgr": xent["pgr"]["mean"], "ci": xent["pgr"]["ci"], "seeds": len(show["seeds"])})
    for r in measured("confidence_loss")["rows"]:
        if r["loss"] == "xent":
            points.append({"setting": "text", "label": f"categories, {r['weak']}",
                           "gap": float(np.mean(r["ceiling_acc"]) - np.mean(r["weak_acc"])),
                           "pgr": r["pgr"]["mean"], "ci": r["pgr"]["ci"], "seeds": len(r["seeds"])})
    return points


def format_compute_ladder(record: dict) -> str:
    """The record as a few readable lines: checkpoints, the gap and the verdict, direct vs bootstrap."""
    lines = ["checkpoint (test, fresh seeds)          binary          multiple choice"]
    for key, r in record["rungs"].items():
        lines.append(f"{key:<38} {r['binary']['mean']:.3f} +- {r['binary']['std']:.3f}   "
                     f"{r['multiple_choice']['mean']:.3f} +- {r['multiple_choice']['std']:.3f}")
    verdict = "ACCEPTED" if record["accepted"] else "NOT accepted"
    lines.append(f"gap {record['weak']} -> {record['strong']}: {record['gap']:+.3f} (needs >= {record['min_gap']}); "
                 f"supervisor above chance {record['above_chance']:+.3f} (needs >= {record['min_above_chance']}): "
                 f"{verdict}")
    for name, r in (record.get("pgr_by_supervisor") or {}).items():
        p = r["pgr"]
        lines.append(f"supervisor {name:<16} gap {r['gap']:+.3f}  PGR {p['mean']:.2f} "
                     f"[{p['ci'][0]:.2f}, {p['ci'][1]:.2f}]")
    b = record["bootstrap"]
    if b is None:
        return "\n".join(lines + ["no checkpoint lies between the supervisor and the student: no chain to run"])
    d = b["bootstrap_minus_direct"]
    lines.append(f"chain {' -> '.join(b['chain'])}: direct {b['summary']['direct']['mean']:.3f}, bootstrap "
                 f"{b['summary']['bootstrap']['mean']:.3f}; bootstrap - direct {d['acc_diff']:+.3f} "
                 f"[{d['acc_ci'][0]:+.3f}, {d['acc_ci'][1]:+.3f}], better on {d['wins']} of {len(d['per_seed'])} seeds")
    return "\n".join(lines)
