"""Measure candidate settings for the embedded default (README, "Choosing the default").

    python benchmarks/choose_default.py --only A,B --seeds 0,1,2          # development seeds
    python benchmarks/choose_default.py --only A --seeds 10,11,12,13,14   # fresh seeds, for the report

Each candidate is a full pipeline run. With ``--cold`` it gets its own empty cache folder, so the
seconds are what a new user waits; without it, candidates share one cache (a weak model or ceiling
another candidate already trained is read back, so compare seconds only between cold runs). Every
run appends one JSON line (config, per-seed accuracies, PGR and its interval, seconds) to
``--out`` and prints a Markdown row. Choose on development seeds, report on fresh ones.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

from w2s_edu.config import W2SConfig
from w2s_edu.experiment.metrics import summarize
from w2s_edu.experiment.pipeline import run_w2s
from w2s_edu.experiment.reward import run_reward_w2s

BIG = dict(n_train_weak=3000, n_train_strong=3000, n_test=2000)
QUICK = dict(n_train_weak=1000, n_train_strong=1000, n_test=1000)
PAIRS = dict(reward=True, n_train_weak=1000, n_train_strong=1000, n_test=1000)  # sizes count pairs
CANDIDATES = {  # overrides of W2SConfig's defaults (categories, minilm-l2 probe -> minilm-l6). A-H: the
    # first search (README); I-N: more data per split, a weaker supervisor, a larger learning rate
    "A": dict(n_train_weak=1500, n_train_strong=1500, epochs=2.0),  # the default
    "B": dict(train_layers=4),
    "C": dict(train_layers=None),
    "D": dict(lr=3e-5),
    "E": dict(train_layers=3, lr=5e-4),
    "F": dict(weak="minilm-l3"),
    "G": dict(task="cities"),
    "H": dict(mode="probe"),
    "I": dict(BIG, epochs=1.0),
    "J": dict(BIG, epochs=2.0),
    "K": dict(BIG, epochs=1.0, weak="minilm-l1"),
    "L": dict(BIG, epochs=1.0, lr=1e-4),
    "M": dict(n_train_weak=3000, n_train_strong=4500, n_test=2000, epochs=1.0),
    "N": dict(BIG, epochs=1.0, weak="minilm-l1", weak_mode="finetune"),
    # O-: a finetuned supervisor. A probe on the student's own first layers is a rule the student can
    # read off its residual stream (the ladder is one checkpoint, truncated); a finetuned shallow model
    # has rewritten those layers, so its mistakes are not a copy of the student's internals
    "O": dict(weak="minilm-l1", weak_mode="finetune"),
    "P": dict(weak="minilm-l2", weak_mode="finetune"),
    # R-: the pairwise reward-model task (run_reward_w2s: "which reply names the right category?"),
    # a probe supervisor and a finetuned student, 1,000 pairs per split
    "R1": dict(PAIRS, weak="minilm-l1"),
    "R2": dict(PAIRS, weak="minilm-l2"),
    # R1 with less work per model, for the main job's time budget
    "R3": dict(PAIRS, weak="minilm-l1", train_layers=3),
    "R4": dict(PAIRS, weak="minilm-l1", epochs=1.0),
    "R5": dict(PAIRS, weak="minilm-l1", train_layers=3, lr=1e-4),
    # Q-: the quick preset (the lessons' base), lighter: fewer trained blocks (the lower ones run once
    # and cached) or fewer steps. Rule, fixed before measuring: the fastest candidate whose mean ceiling
    # and mean student accuracy are both within 0.015 of Q0's on development seeds 0-2
    "Q0": dict(QUICK),  # the quick preset before this search: top 6 blocks, lr 5e-5, 2 epochs
    "Q1": dict(QUICK, train_layers=3),
    "Q2": dict(QUICK, train_layers=3, lr=1e-4),
    "Q3": dict(QUICK, train_layers=3, lr=2e-4),
    "Q4": dict(QUICK, train_layers=2, lr=2e-4),
    "Q5": dict(QUICK, epochs=1.0, lr=1e-4),
    # the default's sizes with quick's lighter recipe, measured for the main job's time budget
    "A2": dict(train_layers=2, lr=2e-4),
}


def ms(values) -> str:
    s = summarize(values)
    return f"{s['mean']:.3f} ± {s['std']:.3f}"


def describe(overrides: dict) -> str:
    cfg = W2SConfig(**{k: v for k, v in overrides.items() if k not in ("losses", "reward")})
    mode = f"{cfg.weak_mode or cfg.mode} -> {cfg.mode}"
    if cfg.mode == "finetune":
        mode += f", {f'top {cfg.train_layers} blocks' if cfg.train_layers else 'all weights'}, lr {cfg.lr:g}"
    task = f"reward pairs ({cfg.task})" if overrides.get("reward") else cfg.task
    return (f"{task}: {cfg.weak} -> {cfg.strong} ({mode}); {cfg.n_train_weak}/{cfg.n_train_strong}/{cfg.n_test} "
            f"examples, {cfg.epochs:g} epochs")


def print_table(path: str) -> None:
    print("| id | setting | seeds | weak | w2s xent | ceiling | gap | PGR xent [95% CI] | PGR logconf [95% CI] "
          "| seconds |\n|---|---|---|---|---|---|---|---|---|---|")
    for line in open(path):
        r = json.loads(line)
        gap = summarize(r["ceiling_acc"])["mean"] - summarize(r["weak_acc"])["mean"]
        pg = [f"{r['pgr'][k]['mean']:.2f} [{r['pgr'][k]['ci'][0]:.2f}, {r['pgr'][k]['ci'][1]:.2f}]" if k in r["pgr"]
              else "" for k in ("xent", "logconf")]
        s = r["seeds"]
        seeds = f"{s[0]}-{s[-1]}" if s == list(range(s[0], s[-1] + 1)) else ",".join(map(str, s))
        seconds = f"{r['seconds']:.0f}{'' if r['cold'] else '*'}"
        print(f"| {r['id']} | {describe(r['overrides'])} | {seeds} | {ms(r['weak_acc'])} | {ms(r['w2s_acc']['xent'])} "
              f"| {ms(r['ceiling_acc'])} | {gap:.3f} | {pg[0]} | {pg[1]} | {seconds} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=",".join(CANDIDATES))
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--losses", default="xent")
    parser.add_argument("--set", action="append", default=[], help="extra field=value (JSON value) for every run")
    parser.add_argument("--cold", action="store_true", help="an empty cache folder per candidate")
    parser.add_argument("--out", default="benchmarks/results/choose_default.jsonl")
    parser.add_argument("--table", action="store_true", help="print the table of every run in --out, run nothing")
    args = parser.parse_args()
    if args.table:
        return print_table(args.out)
    warnings.simplefilter("ignore")
    extra = {k: json.loads(v) for k, v in (s.split("=", 1) for s in args.set)}
    seeds = [int(s) for s in args.seeds.split(",")]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    print("| id | weak | w2s (per loss) | ceiling | PGR [95% CI] (per loss) | seconds |\n|---|---|---|---|---|---|",
          flush=True)
    for cid in args.only.split(","):
        if args.cold:
            os.environ["W2S_EDU_CACHE"] = tempfile.mkdtemp(prefix="w2s-cold-")
        fields = {k: v for k, v in {**CANDIDATES[cid], **extra}.items() if k != "reward"}
        cfg = W2SConfig(**{"show_progress": False, **fields, "seeds": seeds, "losses": args.losses})
        t0 = time.time()
        r = (run_reward_w2s if CANDIDATES[cid].get("reward") else run_w2s)(cfg)
        seconds = time.time() - t0
        w2s = "; ".join(f"{k} {ms(v)}" for k, v in r.w2s_acc.items())
        pg = "; ".join(f"{k} {p['mean']:.2f} [{p['ci'][0]:.2f}, {p['ci'][1]:.2f}]" for k, p in r.pgr.items())
        print(f"| {cid} | {ms(r.weak_acc)} | {w2s} | {ms(r.ceiling_acc)} | {pg} | {seconds:.0f} |", flush=True)
        row = {"id": cid, "overrides": {**CANDIDATES[cid], **extra}, "seeds": seeds, "cold": args.cold,
               "weak_acc": r.weak_acc, "w2s_acc": r.w2s_acc, "ceiling_acc": r.ceiling_acc, "pgr": r.pgr,
               "seconds": seconds, "correct": r.correct,
               "loss_curves": [p["loss_curves"] for p in r.per_seed]}
        with open(args.out, "a") as f:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
