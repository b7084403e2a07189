"""The multi-process command line: one experiment with every model trained across the processes of a
launch (DDP or FSDP, :mod:`w2s_edu.train.distributed`), a check of who is there, and an FSDP config file.

Start it with a launcher; the experiment options are those of ``w2s-edu run``::

    accelerate launch --multi_gpu --num_processes 8 -m w2s_edu.cli.distributed run \\
        --weak qwen2.5-0.5b --strong qwen2.5-7b --set train_layers=none --set lr=1e-5 --set precision=bf16
    torchrun --nproc_per_node 8 -m w2s_edu.cli.distributed run ...          # the same, with torch's launcher
    python -m w2s_edu.cli.distributed fsdp-config --num-processes 8 --out fsdp.yaml
    accelerate launch --config_file fsdp.yaml -m w2s_edu.cli.distributed run --strong qwen2.5-14b ...
    accelerate launch --num_processes 2 -m w2s_edu.cli.distributed check    # who is there: processes, devices
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..train.distributed import ACCELERATE_PRECISION, AccelerateExecutor, fsdp_config, make_accelerator, precision_of
from .args import USER_ERRORS, add_run_args, config_from_args

PROG = "python -m w2s_edu.cli.distributed"


def cmd_run(args) -> int:
    from ..experiment.pipeline import run_w2s
    from ..experiment.results import check_out_dir
    from ..report import save_result

    cfg = config_from_args(args, weak=args.weak, strong=args.strong)
    acc = make_accelerator(None if cfg.precision == "fp32" else cfg.precision, cpu=args.cpu or None)
    cfg = cfg.replace(precision=precision_of(acc), show_progress=cfg.show_progress and acc.is_local_main_process)
    out = check_out_dir(args.out) if acc.is_main_process else None  # fail before hours of training, not after
    if acc.is_main_process:
        print(f"Running {cfg.task} on {acc.num_processes} process(es) ({acc.distributed_type}, {acc.device}, "
              f"precision {cfg.precision}): {cfg.weak} ({cfg.weak_mode or cfg.mode}) supervises {cfg.strong} "
              f"({cfg.mode})", flush=True)
    result = run_w2s(cfg, executor=AccelerateExecutor(acc))
    if acc.is_main_process:
        path = save_result(result, out)
        print(result.table())
        print(f"\nwrote {path} and {out / 'results.png'}")
    acc.wait_for_everyone()
    acc.end_training()
    return 0


def cmd_check(args) -> int:
    acc = make_accelerator(cpu=args.cpu or None)
    print(f"process {acc.process_index} of {acc.num_processes}: {acc.distributed_type}, device {acc.device}, "
          f"mixed precision {acc.mixed_precision}", flush=True)
    acc.wait_for_everyone()
    return 0


def cmd_fsdp_config(args) -> int:
    text = fsdp_config(args.num_processes, args.precision, args.activation_checkpointing, args.offload_params)
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}: accelerate launch --config_file {args.out} -m w2s_edu.cli.distributed run ...")
    else:
        print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="w2s-edu on several GPUs or processes (start it with "
                                                            "accelerate launch or torchrun).")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="one experiment, every model trained across all processes")
    add_run_args(run)
    run.add_argument("--cpu", action="store_true", help="use CPU processes (gloo) even when GPUs are present")
    run.set_defaults(func=cmd_run)
    check = sub.add_parser("check", help="each process prints its rank, device and precision")
    check.add_argument("--cpu", action="store_true", help="CPU processes (gloo)")
    check.set_defaults(func=cmd_check)
    fsdp = sub.add_parser("fsdp-config", help="write an accelerate config file for FSDP")
    fsdp.add_argument("--num-processes", type=int, default=8, help="GPUs on this machine (default 8)")
    fsdp.add_argument("--precision", default="bf16", choices=sorted(ACCELERATE_PRECISION))
    fsdp.add_argument("--activation-checkpointing", action="store_true")
    fsdp.add_argument("--offload-params", action="store_true")
    fsdp.add_argument("--out", help="file to write (default: print it)")
    fsdp.set_defaults(func=cmd_fsdp_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except USER_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
