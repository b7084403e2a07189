"""Measure the chess ladder on the puzzle task and record the acceptance test in ``ladder.json``.

    python -m w2s_edu.chess.measure                 # 3 seeds, every rung as probe and finetuned
    python -m w2s_edu.chess.measure --bootstrap     # also direct vs bootstrapped weak-to-strong
    python -m w2s_edu.chess.measure --compute       # the ladder by pretraining compute (compute_ladder.json)

The ladder is accepted when the weak rung (probe, as the pipeline trains the supervisor) and the
strongest rung (finetuned, as the pipeline trains the ceiling) differ by at least 8 points of
binary test accuracy, averaged over seeds. The file records every number and the settings.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from .evaluate import MIN_GAP, chess_config, evaluate_rungs, ladder_gap
from ..models.registry import CHESS_LADDER
from .evaluate import LADDER_FILE


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m w2s_edu.chess.measure", description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--bootstrap", action="store_true", help="also run direct vs bootstrapped weak-to-strong")
    p.add_argument("--out", default=str(LADDER_FILE), help="where to write the record (default: the shipped one)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--compute", action="store_true",
                   help="measure the compute ladder (chess-c-<p>pct checkpoints) instead: recipe and supervisor "
                        "chosen on development seeds, reported on fresh ones (writes compute_ladder.json)")
    p.add_argument("--n-train-strong", type=int, default=None, help="with --compute: rows of train_strong")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.compute:
        return _measure_compute(args, argv)
    cfg = chess_config(seeds=list(range(args.seeds)))
    start = time.time()
    rungs = [(name, mode) for name in CHESS_LADDER for mode in ("probe", "finetune")]
    results = evaluate_rungs(cfg, rungs)
    weak, strong = f"{CHESS_LADDER[0]} (probe)", f"{CHESS_LADDER[-1]} (finetune)"
    gap = ladder_gap(results, weak, strong)
    record = {"config": cfg.to_dict(), "rungs": results, "weak": weak, "strong": strong, "gap": gap,
              "min_gap": MIN_GAP, "accepted": bool(gap >= MIN_GAP), "seconds": round(time.time() - start, 1),
              "threads": args.threads, "command": "python -m w2s_edu.chess.measure " + " ".join(argv or [])}
    for key, r in results.items():
        print(f"{key:<22} binary {r['binary']['mean']:.3f} +- {r['binary']['std']:.3f}   "
              f"multiple choice {r['multiple_choice']['mean']:.3f} +- {r['multiple_choice']['std']:.3f}")
    verdict = 'ACCEPTED' if gap >= MIN_GAP else 'NOT accepted'
    print(f"gap {weak} -> {strong}: {gap:+.3f} (needs >= {MIN_GAP}): {verdict}")
    if args.bootstrap:
        from ..experiment.bootstrap import format_bootstrap, run_bootstrap
        from ..tasks.chess.task import multiple_choice_accuracy
        from ..tasks.splits import split_by_group
        from ..tasks.registry import get_task

        ds = get_task(cfg.task, seed=cfg.task_seed)
        labels, groups = np.asarray(ds["label"]), np.asarray(ds["group"])

        def mc(probs, rows):
            return multiple_choice_accuracy(probs, labels[rows], groups[rows])

        t = time.time()
        boot = run_bootstrap(cfg, list(CHESS_LADDER), splitter=split_by_group, extra_metrics=mc)
        print(format_bootstrap(boot))
        record["bootstrap"] = {k: boot[k] for k in ("chain", "per_seed", "summary")} | {
            "seconds": round(time.time() - t, 1)}
    with open(args.out, "w") as f:
        json.dump(record, f, indent=2, default=float)
    return 0


def _measure_compute(args, argv) -> int:
    from ..data import provenance
    from .compute import COMPUTE_LADDER_FILE, format_compute_ladder, measure_compute_ladder

    overrides = {"n_train_strong": args.n_train_strong} if args.n_train_strong else {}
    record = measure_compute_ladder(**overrides)
    record |= provenance(["-m", "w2s_edu.chess.measure", *(argv or [])]) | {"threads": args.threads}
    print(format_compute_ladder(record))
    out = COMPUTE_LADDER_FILE if args.out == str(LADDER_FILE) else args.out
    with open(out, "w") as f:
        json.dump(record, f, indent=2, default=float)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
