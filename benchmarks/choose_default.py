"""Measure candidate settings for the embedded default (README, "Choosing the default").

    python benchmarks/choose_default.py                 # all candidates, 3 seeds each (~30 min)
    python benchmarks/choose_default.py --only A,B --seeds 5

Each candidate is a full pipeline run from a cold cache (its own cache folder), so the time is
what a new user waits. Prints a Markdown table: weak, w2s and ceiling accuracy (mean +- std over
seeds), PGR with its bootstrap 95% interval, and seconds.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings


from w2s_edu.config import W2SConfig
from w2s_edu.experiment.metrics import summarize
from w2s_edu.experiment.pipeline import run_w2s

CANDIDATES = {  # overrides of the default W2SConfig (categories, minilm-l2 probe -> minilm-l6)
    "A (default)": dict(losses="xent,logconf"),
    "B": dict(train_layers=4),
    "C": dict(train_layers=None),
    "D": dict(lr=3e-5),
    "E": dict(train_layers=3, lr=5e-4),
    "F": dict(weak="minilm-l3"),
    "G": dict(task="cities"),
    "H": dict(mode="probe"),
}


def ms(values) -> str:
    s = summarize(values)
    return f"{s['mean']:.3f} ± {s['std']:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=",".join(c.split()[0] for c in CANDIDATES))
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print("| id | task | weak -> strong (mode) | weak | w2s xent | w2s logconf | ceiling | PGR xent [95% CI] "
          "| PGR logconf [95% CI] | seconds |\n|---|---|---|---|---|---|---|---|---|---|", flush=True)
    chosen = [c for c in CANDIDATES if c.split()[0] in args.only.split(",")]
    for cid in chosen:
        os.environ["W2S_EDU_CACHE"] = tempfile.mkdtemp(prefix="w2s-cold-")
        cfg = W2SConfig(**{"seeds": args.seeds, "show_progress": False, **CANDIDATES[cid]})
        t0 = time.time()
        r = run_w2s(cfg)
        cells = [ms(r.weak_acc)] + [ms(r.w2s_acc[k]) if k in r.w2s_acc else "" for k in ("xent", "logconf")]
        pg = [f"{r.pgr[k]['mean']:.2f} [{r.pgr[k]['ci'][0]:.2f}, {r.pgr[k]['ci'][1]:.2f}]" if k in r.pgr else ""
              for k in ("xent", "logconf")]
        mode = f"{cfg.weak_mode} -> {cfg.mode}"
        if cfg.mode == "finetune":
            mode += f", {f'top {cfg.train_layers} blocks' if cfg.train_layers else 'all weights'}, lr {cfg.lr:g}"
        print(f"| {cid} | {cfg.task} | {cfg.weak} -> {cfg.strong} ({mode}) | {cells[0]} | {cells[1]} | {cells[2]} "
              f"| {ms(r.ceiling_acc)} | {pg[0]} | {pg[1]} | {time.time() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    main()
