"""Build the chess ladder end to end: self-play data -> puzzles -> pretrained rungs (one command).

The games are split by index into two disjoint sets so the test puzzles never appear in
pretraining: ``pretrain_games`` label the positions the rungs learn from (every 20th game is held
out for validation), ``puzzle_games`` supply the puzzles of the ``chess-puzzles`` task. Each game
has its own seed (:mod:`.selfplay`), so the data depend only on the recipe, not on how many
processes played them. At most two processes play (this process and one extra worker).

The shipped ladder was built from :data:`SHIPPED_PRETRAIN_GAMES` and :data:`SHIPPED_PUZZLE_GAMES` (see
``w2s_edu/data/chess/build.json`` and ``ladder.json``
for the measured times and accuracies); ``w2s-edu chess-pretrain`` (or ``python -m w2s_edu.chess.build``)
reruns it: :func:`main` is that command.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch

from .. import cache
from ..models.registry import chess_checkpoint
from .engine import find_stockfish
from .pretrain import GPU_RECIPE, RungConfig, default_sizes, default_steps, parse_sizes

# Game ranges of the shipped run (two workers, each played its own ranges).
SHIPPED_PRETRAIN_GAMES = ((0, 58), (1000, 1058), (2000, 3000), (3000, 4000))
SHIPPED_PUZZLE_GAMES = ((58, 269), (1058, 1099), (5000, 6049), (7000, 8068))
PUZZLE_MARGIN_CP = 150


def _play(args) -> dict:
    from .selfplay import generate

    cfg, ranges, out, engine = args
    stats = {"positions": 0, "seconds": 0.0, "games": 0}
    for lo, hi in ranges:
        s = generate(cfg, range(lo, hi), Path(out), show_progress=True, engine=engine)
        for k in stats:
            stats[k] += s[k]
    return stats


def play_games(cfg, ranges: list[tuple[int, int]], work: Path, tag: str, workers: int = 2,
               engine: str = "stockfish") -> tuple[list[Path], dict]:
    """Play the games of ``ranges`` into ``work/<tag>-<i>.jsonl`` with 1 or 2 processes (reused if present)."""
    work.mkdir(parents=True, exist_ok=True)
    chunks = [list(ranges[i::workers]) for i in range(workers)] if len(ranges) >= workers else [list(ranges)]
    outs = [work / f"{tag}-{i}.jsonl" for i in range(len(chunks))]
    done = work / f"{tag}.done.json"
    if done.exists():
        return outs, json.loads(done.read_text())
    for out in outs:
        out.unlink(missing_ok=True)
    start = time.time()
    jobs = [(cfg, chunk, str(out), engine) for chunk, out in zip(chunks, outs)]
    if len(jobs) == 1:
        results = [_play(jobs[0])]
    else:  # this process plays one half, one extra worker the other
        with mp.get_context("spawn").Pool(1) as pool:
            pending = pool.apply_async(_play, (jobs[1],))
            results = [_play(jobs[0]), pending.get()]
    stats = {"positions": sum(r["positions"] for r in results), "games": sum(r["games"] for r in results),
             "wall_seconds": round(time.time() - start, 1)}
    stats["positions_per_second"] = round(stats["positions"] / max(stats["wall_seconds"], 1e-9), 1)
    done.write_text(json.dumps(stats))
    return outs, stats


def build_ladder(rungs, *, out: str | Path | None = None, work: str | Path | None = None,
                 pretrain_games=SHIPPED_PRETRAIN_GAMES, puzzle_games=SHIPPED_PUZZLE_GAMES, games: int | None = None,
                 workers: int = 2, device: str = "cpu", seed: int = 0, smoke: bool = False,
                 loader_workers: int = 0, mirror: bool = True, snapshots: tuple[float, ...] = ()) -> dict:
    """Play the games, write ``puzzles.csv`` (Lichess format) and pretrain every rung into ``out``.

    ``games=N`` replaces the shipped game ranges by ``N`` games: the first 10% (at least one) for
    puzzles, the rest for pretraining. ``smoke=True`` shrinks everything to seconds and, when
    Stockfish is missing, labels with :class:`.selfplay.MaterialEngine` (tests run anywhere).
    """
    from ..tasks.chess.lichess import write_lichess_csv
    from ..data import CHESS_DIR as LADDER_DIR
    from ..tasks.chess.puzzles import engine_puzzles
    from .selfplay import SelfPlayConfig, read_positions
    from ..tasks.chess.task import describe_puzzles

    engine = "stockfish"
    cfg = SelfPlayConfig(seed=seed)
    if smoke:
        cfg = replace(cfg, depth=2, verify_depth=3, max_plies=40, min_ply=4, candidate_margin_cp=50)
        rungs = [replace(r, steps=min(r.steps, 3), batch_size=8) for r in rungs]
        games = games or 3
        if find_stockfish() is None:
            engine = "material"
            print("Stockfish not found: the smoke run labels positions with a material-only stand-in.")
    elif find_stockfish() is None:
        raise RuntimeError("Building the chess ladder needs Stockfish to label positions; it was not found. "
                           "Install it (apt-get install stockfish / brew install stockfish) or set $STOCKFISH_PATH. "
                           "The shipped ladder (chess-s, chess-m, chess-l) works without it.")
    if games is not None:
        n_puzzle = max(1, games // 10)
        puzzle_games, pretrain_games = ((0, n_puzzle),), ((n_puzzle, games),)
    out = Path(out) if out else LADDER_DIR
    work = Path(work) if work else cache.cache_dir("chess") / f"build-{cache.stable_hash([asdict(cfg), engine])}"
    pre_files, pre_stats = play_games(cfg, list(pretrain_games), work, "pretrain", workers, engine)
    puz_files, puz_stats = play_games(cfg, list(puzzle_games), work, "puzzles", workers, engine)

    puzzles = engine_puzzles(read_positions(puz_files), min_margin_cp=PUZZLE_MARGIN_CP if not smoke else 50)
    out.mkdir(parents=True, exist_ok=True)
    write_lichess_csv(puzzles, out / "puzzles.csv")
    recipe = {"selfplay": asdict(cfg), "engine": engine, "pretrain_games": [list(g) for g in pretrain_games],
              "puzzle_games": [list(g) for g in puzzle_games], "val_games": "game % 20 == 0",
              "puzzle_margin_cp": PUZZLE_MARGIN_CP, "seed": seed}
    summary = pretrain_ladder(rungs, read_positions(pre_files), out, recipe, device=device, smoke=smoke,
                              loader_workers=loader_workers, mirror=mirror, snapshots=snapshots)
    summary.update(pretrain_data=pre_stats, puzzle_data=puz_stats, puzzles=describe_puzzles(puzzles))
    (out / "build.json").write_text(json.dumps(summary, indent=2))
    return summary


def pretrain_ladder(rungs, rows: list[dict], out: str | Path, recipe: dict, *, device: str = "cpu",
                    smoke: bool = False, loader_workers: int = 0, mirror: bool = True,
                    snapshots: tuple[float, ...] = ()) -> dict:
    """Pretrain every rung on labelled positions ``rows`` (every 20th game held out for validation;
    ``mirror`` adds colour-mirrored twins of the training positions) and write ``out/build.json``.

    ``snapshots`` (percents of each rung's steps, e.g. ``(1, 3, 10, 30)``) also keeps the rung as
    it was at those shares of its compute, as ``<rung>-<p>pct`` folders beside ``<rung>-100pct``:
    a ladder by pretraining compute from one run.

    This is the step a GPU machine runs: it needs no Stockfish, only positions played elsewhere
    (``w2s-edu chess-pretrain --positions FILE``)."""
    from .pretrain import PretrainData, pretrain_rung, snapshot_steps

    out = Path(out)
    train = PretrainData.from_positions([r for r in rows if r["game"] % 20 != 0 or smoke], mirror=mirror,
                                        processes=loader_workers)
    val = PretrainData.from_positions([r for r in rows if r["game"] % 20 == 0 or smoke])
    recipe = {**recipe, "mirror_augmentation": mirror}
    metas = {}
    for rung in rungs:
        percents = [p for p in snapshots if p < 100]
        steps = snapshot_steps(rung.steps, percents)
        final = chess_checkpoint(rung.name, 100) if percents else rung.name
        meta = pretrain_rung(rung, train, val, out / final, device=device, recipe=recipe, show_progress=True,
                             workers=loader_workers,
                             snapshots={n: out / chess_checkpoint(rung.name, p) for n, p in steps.items()})
        metas[final] = {k: meta[k] for k in ("parameters", "seconds", "val", "device_name")} | {
            "steps": meta["rung"]["steps"]}
        for snap in meta.get("snapshots", []):
            metas[chess_checkpoint(rung.name, steps[snap["steps_run"]])] = snap
    summary = {"recipe": recipe, "positions": len(rows), "train_examples": len(train), "val_positions": len(val),
               "rungs": metas}
    out.mkdir(parents=True, exist_ok=True)
    (out / "build.json").write_text(json.dumps(summary, indent=2))
    return summary


# ----------------------------------------------------------------------------- the command


def per_rung(text: str | None, rungs: list[RungConfig], field_name: str, cast) -> list[RungConfig]:
    if not text:
        return rungs
    values = [cast(v) for v in text.split(",")]
    if len(values) != len(rungs):
        raise ValueError(f"--{field_name.replace('_', '-')} needs one value per rung ({len(rungs)}), got {text!r}.")
    return [replace(r, **{field_name: v}) for r, v in zip(rungs, values)]


def game_ranges(games) -> list[list[int]]:
    """Sorted game numbers as [first, last + 1] runs, for the recipe: [0, 1, 2, 7] -> [[0, 3], [7, 8]]."""
    runs: list[list[int]] = []
    for g in sorted(set(games)):
        if runs and runs[-1][1] == g:
            runs[-1][1] = g + 1
        else:
            runs.append([g, g + 1])
    return runs


def parse_percents(text: str | None) -> tuple[float, ...]:
    """``--snapshots "0,1,3,10,30"`` -> (0.0, 1.0, 3.0, 10.0, 30.0); a clear error for anything else."""
    if not text:
        return ()
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"--snapshots expects percents of the run, comma-separated (e.g. 0,1,3,10,30); got {text!r}.")
    if any(not 0 <= v <= 100 for v in values):
        raise ValueError(f"--snapshots percents must lie between 0 and 100; got {text!r}.")
    return values


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="w2s-edu chess-pretrain", description=__doc__.split("\n\n")[0],
                                epilog=f"GPU run, for example: {GPU_RECIPE}")
    p.add_argument("--out", default="chess-ladder",
                   help="folder for the rungs (default: ./chess-ladder). Use the rungs as models by folder, e.g. "
                        "--strong chess-ladder/chess-l (results are cached by folder: use a new folder per rebuild)")
    p.add_argument("--work", default=None, help="folder for self-play data (default: the w2s-edu cache)")
    p.add_argument("--games", type=int, default=None,
                   help="self-play games, 10%% of them for puzzles (default: the shipped game ranges)")
    p.add_argument("--positions", nargs="+", default=None,
                   help="pretrain on positions already played (.jsonl or .jsonl.gz from self-play); skips "
                        "self-play and puzzles, so no Stockfish is needed (e.g. on a GPU machine)")
    p.add_argument("--sizes", default=default_sizes(), help="rungs as name:LAYERSxHIDDEN, comma-separated")
    p.add_argument("--steps", default=None,
                   help=f"training steps per rung, comma-separated (default {default_steps()})")
    p.add_argument("--lr", default=None, help="learning rate per rung, comma-separated")
    p.add_argument("--max-seconds", default=None,
                   help="time cap per rung, comma-separated: steps are cut to what fits (timed first)")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--snapshots", default=None,
                   help="also keep each rung at these percents of its steps, comma-separated (e.g. 0,1,3,10,30): "
                        "a ladder by pretraining compute, saved as <rung>-<p>pct beside <rung>-100pct")
    p.add_argument("--workers", type=int, default=2, choices=(1, 2), help="self-play processes (1 or 2)")
    p.add_argument("--loader-workers", type=int, default=0,
                   help="DataLoader processes that tokenize batches (several on a GPU machine)")
    p.add_argument("--no-mirror", action="store_true", help="no colour-mirrored copies of training positions")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1 on a shared machine)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="a seconds-long run for tests (tiny everything)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    rungs = parse_sizes(args.sizes, args.steps)
    rungs = per_rung(args.lr, rungs, "lr", float)
    rungs = per_rung(args.max_seconds, rungs, "max_seconds", float)
    if args.batch_size:
        rungs = [replace(r, batch_size=args.batch_size) for r in rungs]
    if args.positions:
        from .selfplay import SelfPlayConfig, read_positions

        rows = read_positions(args.positions)
        recipe = {"selfplay": asdict(SelfPlayConfig(seed=args.seed)), "engine": "stockfish",
                  "pretrain_games": game_ranges(r["game"] for r in rows), "val_games": "game % 20 == 0",
                  "positions_files": [Path(f).name for f in args.positions], "seed": args.seed}
        summary = pretrain_ladder(rungs, rows, args.out, recipe, device=args.device, smoke=args.smoke,
                                  loader_workers=args.loader_workers, mirror=not args.no_mirror,
                                  snapshots=parse_percents(args.snapshots))
    else:
        summary = build_ladder(rungs, games=args.games, out=args.out, work=args.work, workers=args.workers,
                               device=args.device, seed=args.seed, smoke=args.smoke,
                               loader_workers=args.loader_workers, mirror=not args.no_mirror,
                               snapshots=parse_percents(args.snapshots))
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
