"""The ``w2s-edu`` command: run, sweep, tasks, models, losses, cache, doctor, progress, render, chess-pretrain.

    w2s-edu run                      # the embedded offline default, W2SConfig() (about 5 minutes on 2 cores)
    w2s-edu run --preset showcase    # where weak-to-strong clearly works: reward pairs (about 6 minutes)
    w2s-edu run --quick              # a first look in under a minute
    w2s-edu run --task capitals --weak minilm-l2 --strong minilm-l6 --loss xent,logconf --seeds 3
    w2s-edu run --set lr=1e-4 --set epochs=3   # any W2SConfig field
    w2s-edu sweep --weak minilm-l1,minilm-l2 --strong minilm-l4,minilm-l6
    w2s-edu cache                    # where the cache is, its size; --clear all|KIND, --clear-model NAME
    w2s-edu progress                 # which exercises pass, per lesson; --lesson NN, --json, --file, --reset
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from .args import USER_ERRORS, add_experiment_args, add_run_args, config_from_args


def cmd_run(args) -> int:
    from ..experiment.pipeline import run_w2s
    from ..experiment.results import check_out_dir
    from ..report.plots import save_result

    cfg = config_from_args(args, weak=args.weak, strong=args.strong)
    out = check_out_dir(args.out)  # fail before hours of training, not after
    print(f"Running {cfg.task}: {cfg.weak} ({cfg.weak_mode or cfg.mode}) supervises {cfg.strong} ({cfg.mode}), "
          f"losses {', '.join(cfg.losses)}, seeds {cfg.seeds}", flush=True)
    result = run_w2s(cfg)  # a reward task (the showcase's reward:categories) trains pairwise reward models
    path = save_result(result, out)
    print(result.table())
    print(f"\nwrote {path} and {out / 'results.png'}")
    return 0


def cmd_sweep(args) -> int:
    from ..cache import write_json
    from ..experiment.pipeline import run_sweep
    from ..report.plots import plot_accuracy_vs_size, plot_pgr_heatmap, save_figure
    from ..experiment.results import check_out_dir

    cfg = config_from_args(args)
    out = check_out_dir(args.out)
    weaks, strongs = args.weak.split(","), args.strong.split(",")
    results = run_sweep(cfg, weaks, strongs)
    loss = cfg.losses[0]
    write_json(out / "sweep.json", {f"{w}->{s}": r.to_dict() for (w, s), r in results.items()})
    save_figure(plot_pgr_heatmap(results, loss), out / "pgr_heatmap.png")
    sizes = {m: _param_count(m) for m in set(weaks) | set(strongs)}
    save_figure(plot_accuracy_vs_size(results, sizes, loss), out / "accuracy_vs_size.png")
    for (w, s), r in results.items():
        print(f"{w:>14} -> {s:<14} weak {sum(r.weak_acc) / len(r.weak_acc):.3f}  "
              f"w2s {sum(r.w2s_acc[loss]) / len(r.seeds):.3f}  ceiling {sum(r.ceiling_acc) / len(r.seeds):.3f}  "
              f"PGR {r.pgr[loss]['mean']:.2f}")
    print(f"\nwrote {out / 'sweep.json'}, {out / 'pgr_heatmap.png'}, {out / 'accuracy_vs_size.png'}")
    return 0


def _param_count(name: str) -> int:
    from ..models.backbones import load_backbone
    from ..models.registry import resolve_model

    model, _ = load_backbone(resolve_model(name))
    return sum(p.numel() for p in model.parameters())


def cmd_tasks(args) -> int:
    from ..tasks.registry import describe_tasks

    for name, desc in describe_tasks().items():
        print(f"{name:<28} {desc}")
    print("\nAny Hugging Face dataset or saved folder: --task hf:<id or path> (columns text, label).")
    return 0


def cmd_losses(args) -> int:
    from ..losses import describe_losses

    print(describe_losses())
    print("\nSet an option with --set FIELD=VALUE (e.g. --set aux_coef=0.5); choose losses with --loss xent,logconf.")
    return 0


def cmd_models(args) -> int:
    from ..models.registry import describe, list_models

    shipped = list_models(shipped_only=True)
    width = max(map(len, shipped)) + 1
    for name, desc in shipped.items():
        print(f"{name:<{width}} {desc}")
    print("\nEvery registered model (--weak/--strong take the short names; params: the backbone, without LM head; "
          "lr: a starting point for batch 32, see w2s_edu/models/registry.py for sources):\n")
    print(describe())
    print("\nAny Hugging Face hub id (e.g. gpt2, EleutherAI/pythia-70m, Qwen/Qwen2.5-0.5B) or a folder "
          "written by save_pretrained also works.")
    return 0


def cmd_doctor(args) -> int:
    from .doctor import report

    print(report())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="w2s-edu", description="Weak-to-strong generalization experiments. "
                                     "Add --debug anywhere to see a traceback instead of a one-line error.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="one experiment (no options: the embedded offline default; "
                                     "--preset showcase: where weak-to-strong clearly works)")
    add_run_args(run)
    run.set_defaults(func=cmd_run)
    sweep = sub.add_parser("sweep", help="every weak x strong pair; PGR heatmap and size plot")
    add_experiment_args(sweep)
    sweep.add_argument("--weak", default="minilm-l1,minilm-l2,minilm-l3", help="comma-separated weak models")
    sweep.add_argument("--strong", default="minilm-l4,minilm-l5,minilm-l6", help="comma-separated strong models")
    sweep.set_defaults(func=cmd_sweep)
    for name, func, text in (("tasks", cmd_tasks, "list the tasks"),
                             ("models", cmd_models, "list the shipped models and the named hub ladders"),
                             ("losses", cmd_losses, "list the losses and their options"),
                             ("doctor", cmd_doctor, "check this machine: torch, device, models, hub")):
        sub.add_parser(name, help=text).set_defaults(func=func)
    from . import cache as cache_cli

    cache_cmd = sub.add_parser("cache", help="the disk cache: where it is and its size; "
                                             "--clear all|features|runs|damaged, --clear-model NAME")
    cache_cli.add_arguments(cache_cmd)
    cache_cmd.set_defaults(func=cache_cli.run_from_args)
    from . import progress as progress_cli

    progress_cmd = sub.add_parser("progress", help="which exercises pass, per lesson, from what the check cells "
                                                   "recorded; --lesson NN, --json, --file PATH, --reset")
    progress_cli.add_arguments(progress_cmd)
    progress_cmd.set_defaults(func=progress_cli.run_from_args)
    from ..devtools import render_solutions  # argparse only; nbconvert is imported when it renders

    render = sub.add_parser("render", help="execute solutions/*.ipynb and write HTML pages and an index")
    render_solutions.add_arguments(render)
    render.set_defaults(func=render_solutions.run_from_args)
    chess_pretrain = sub.add_parser("chess-pretrain", add_help=False,
                                    help="rebuild the chess ladder (options: w2s-edu chess-pretrain --help)")
    chess_pretrain.add_argument("rest", nargs=argparse.REMAINDER)
    chess_pretrain.set_defaults(func=_cmd_chess_pretrain)
    return parser


def _cmd_chess_pretrain(args) -> int:
    from ..chess.build import main as chess_pretrain_main

    return chess_pretrain_main(args.rest)


DEBUG_ENV = "W2S_EDU_DEBUG"


def _interrupted() -> int:
    """Ctrl-C: say what is kept and how to go on, without a traceback (exit code 130, as shells do)."""
    from ..cache import cache_dir

    try:
        runs = cache_dir("runs")
        n = sum(1 for _ in runs.glob("*.npz"))
        kept = f"{n} trained model(s) are cached in {runs}"
    except Exception:  # the cache itself may be what failed
        kept = "the models trained so far are in the cache"
    print(f"\ninterrupted: {kept}; run the same command again and it resumes where it stopped "
          "(every finished model is reused).", file=sys.stderr)
    return 130


def main(argv: list[str] | None = None) -> int:
    """The ``w2s-edu`` command. A mistake in the options, the data or the environment ends with one
    ``error:`` line that says what to do, exit code 2; ``--debug`` (anywhere) or ``W2S_EDU_DEBUG=1``
    shows the traceback instead, for bug reports."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import matplotlib

    matplotlib.use("Agg")
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    argv = [a for a in argv if a != "--debug"]
    try:
        if argv[:1] == ["chess-pretrain"]:  # its own options (argparse cannot forward "--x" to a subcommand)
            return _cmd_chess_pretrain(argparse.Namespace(rest=argv[1:]))
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return args.func(args)
    except KeyboardInterrupt:
        if debug:
            raise
        return _interrupted()
    except USER_ERRORS as err:
        if debug:
            raise
        print(f"error: {err}", file=sys.stderr)
        print(f"(w2s-edu --debug ... or {DEBUG_ENV}=1 shows the traceback, for a bug report)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
