"""The showcase setting, reported on fresh seeds: ``w2s-edu run --preset showcase`` over seeds it was not chosen on.

    python benchmarks/showcase.py                      # seeds 10-14, xent and logconf (~25 min on 2 cores)
    python benchmarks/showcase.py --seeds 10,11 --out /tmp/showcase.json

The preset (``w2s_edu.config.PRESETS["showcase"]``) was chosen on development seeds 0-2 with
``benchmarks/choose_default.py`` (README, "Choosing the default"); this script measures it on fresh
ones, with the confidence loss beside cross-entropy on the same weak labels, seeds and test pairs, so
the difference has a *paired* interval (:func:`w2s_edu.experiment.metrics.paired_difference`). It
writes the record that lessons and the README quote (``w2s_edu.data.measured("showcase")``), with the
command, the date, the machine and the preset it measured; ``tests/test_showcase.py`` checks the
record against the preset and the acceptance target.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from w2s_edu.config import PRESETS, W2SConfig
from w2s_edu.data import provenance
from w2s_edu.experiment.metrics import paired_difference, summarize
from w2s_edu.experiment.reward import run_reward_w2s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="10,11,12,13,14")
    parser.add_argument("--losses", default="xent,logconf")
    parser.add_argument("--out", default="w2s_edu/data/measured/showcase.json")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    seeds = [int(s) for s in args.seeds.split(",")]
    losses = args.losses.split(",")
    cfg = W2SConfig.from_preset("showcase", seeds=seeds, losses=losses, show_progress=False)
    t0 = time.time()
    r = run_reward_w2s(cfg)
    seconds = time.time() - t0
    rows = []
    for loss in losses:
        row = {"loss": loss, "w2s_acc": r.w2s_acc[loss], "pgr": r.pgr[loss]}
        if loss != losses[0]:
            correct = (np.asarray(r.correct[k]) for k in ("weak", losses[0], loss, "ceiling"))
            row["vs_" + losses[0]] = paired_difference(*correct)
        rows.append(row)
    record = {**provenance(),
              "preset": PRESETS["showcase"], "seeds": seeds, "seconds": seconds,
              "weak_acc": r.weak_acc, "ceiling_acc": r.ceiling_acc, "rows": rows,
              # the whole result but its per-seed details (loss curves): W2SResult.from_dict reads it back
              "result": {k: v for k, v in r.to_dict().items() if k != "per_seed"}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, separators=(",", ":")) + "\n")  # compact: 0/1 per test pair

    def ms(v):
        return f"{summarize(v)['mean']:.3f} ± {summarize(v)['std']:.3f}"

    print(f"seeds {seeds}: weak {ms(r.weak_acc)}, ceiling {ms(r.ceiling_acc)}, {seconds:.0f} s")
    for row in rows:
        p = row["pgr"]
        line = (f"  {row['loss']:<8} student {ms(row['w2s_acc'])}  PGR {p['mean']:.2f} [{p['ci'][0]:.2f}, "
                f"{p['ci'][1]:.2f}]  per seed {', '.join(f'{x:.2f}' for x in p['per_seed'])}")
        d = row.get("vs_" + losses[0])
        if d:
            line += (f"  minus {losses[0]}: {d['acc_diff']:+.3f} [{d['acc_ci'][0]:+.3f}, {d['acc_ci'][1]:+.3f}], "
                     f"better on {d['wins']}/{len(seeds)} seeds")
        print(line)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
