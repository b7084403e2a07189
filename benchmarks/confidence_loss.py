"""The confidence loss where the paper says it helps: xent against logconf (several ``aux_coef``) and
(with ``--product``) the product loss, at a large and a small capability gap, over fresh seeds, with paired intervals.

    python benchmarks/confidence_loss.py                        # three gaps, seeds 10-14 (~30 min on 2 cores)
    python benchmarks/confidence_loss.py --gaps large --seeds 10,11

The large gap uses the weakest supervisor that still beats chance (``minilm-l1``), the small one a
supervisor close to the student (``minilm-l4``), and ``default`` the default's (``minilm-l2``, only
the first ``--aux`` value and no product loss: it is also the default's fresh-seed report);
everything else is the default config. Every loss
trains on the same weak labels, seeds and test examples as xent, so each comparison is paired
(:func:`w2s_edu.experiment.metrics.paired_difference`). Prints a Markdown table and writes the rows, with
the command, date and machine, to ``--out`` (by default the file lesson 04 reads, ``w2s_edu.data.measured``).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from w2s_edu.config import W2SConfig
from w2s_edu.data import provenance
from w2s_edu.experiment.metrics import paired_difference, summarize
from w2s_edu.experiment.pipeline import run_w2s

GAPS = {"large": "minilm-l1", "default": "minilm-l2", "small": "minilm-l4"}
AUX = (0.25, 0.75)


def write(out: str, rows: list[dict]) -> None:
    """``rows`` with where they come from (the command, the date, the machine), as lessons quote them."""
    record = {**provenance(), "rows": rows}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(record, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gaps", default="default,large,small")
    parser.add_argument("--seeds", default="10,11,12,13,14")
    parser.add_argument("--aux", default=",".join(map(str, AUX)))
    parser.add_argument("--product", action="store_true", help="also the product loss (once per gap, first --aux)")
    parser.add_argument("--out", default="w2s_edu/data/measured/confidence_loss.json")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    print("| gap | weak | ceiling | loss | w2s | PGR [95% CI] | minus xent: accuracy [paired 95% CI] | PGR "
          "| seeds won |\n|---|---|---|---|---|---|---|---|---|", flush=True)
    for gap in args.gaps.split(","):
        for i, aux in enumerate(float(a) for a in args.aux.split(",")):
            if gap == "default" and i:
                break
            # xent and the product loss once per gap (xent is read back from the cache after the first run)
            losses = ["xent", "logconf"] + (["product"] if args.product and i == 0 and gap != "default" else [])
            cfg = W2SConfig(weak=GAPS[gap], seeds=seeds, losses=losses, aux_coef=aux, show_progress=False)
            t0 = time.time()
            r = run_w2s(cfg)
            for loss in losses[1:] if i else losses:
                name = f"logconf aux {aux:g}" if loss == "logconf" else loss
                row = {"gap": gap, "weak": cfg.weak, "loss": name, "seeds": seeds, "seconds": time.time() - t0,
                       "weak_acc": r.weak_acc, "ceiling_acc": r.ceiling_acc, "w2s_acc": r.w2s_acc[loss],
                       "pgr": r.pgr[loss]}
                if loss != "xent":
                    correct = (np.asarray(r.correct[k]) for k in ("weak", "xent", loss, "ceiling"))
                    row["vs_xent"] = paired_difference(*correct)
                rows.append(row)
                d = row.get("vs_xent")
                diff = (f"{d['acc_diff']:+.3f} [{d['acc_ci'][0]:+.3f}, {d['acc_ci'][1]:+.3f}] | {d['pgr_diff']:+.2f} "
                        f"[{d['pgr_ci'][0]:+.2f}, {d['pgr_ci'][1]:+.2f}] | {d['wins']}/{len(seeds)}") if d else "| |"
                s = lambda v: f"{summarize(v)['mean']:.3f} ± {summarize(v)['std']:.3f}"  # noqa: E731
                print(f"| {gap} | {s(r.weak_acc)} | {s(r.ceiling_acc)} | {name} | {s(r.w2s_acc[loss])} | "
                      f"{r.pgr[loss]['mean']:.2f} [{r.pgr[loss]['ci'][0]:.2f}, {r.pgr[loss]['ci'][1]:.2f}] | {diff} |",
                      flush=True)
            write(args.out, rows)


if __name__ == "__main__":
    main()
