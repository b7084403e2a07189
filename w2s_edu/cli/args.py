"""The experiment options shared by ``w2s-edu run``, ``w2s-edu sweep`` and the distributed launcher
(:mod:`w2s_edu.cli.distributed`), and how they become a :class:`w2s_edu.config.W2SConfig`."""

from __future__ import annotations

import argparse
import dataclasses
import typing

from ..config import MODES, PRESETS, W2SConfig
from ..losses import LOSSES


def parse_set(items: list[str]) -> dict:
    """``key=value`` strings -> typed overrides, checked against the W2SConfig fields."""
    hints = typing.get_type_hints(W2SConfig)
    fields = {f.name for f in dataclasses.fields(W2SConfig)}
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or key not in fields:
            raise ValueError(f"--set expects key=value with key one of: {', '.join(sorted(fields))}; got {item!r}.")
        hint = str(hints[key])
        if raw.lower() == "none" and "None" in hint:
            out[key] = None
        elif "list" in hint:
            out[key] = [int(v) for v in raw.split(",")] if "int" in hint else raw.split(",")
        elif "bool" in hint:
            out[key] = raw.lower() in ("1", "true", "yes")
        elif "int" in hint:
            out[key] = int(raw)
        elif "float" in hint:
            out[key] = float(raw)
        else:
            out[key] = raw
    return out


def add_experiment_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="default", choices=sorted(PRESETS), help="starting config")
    p.add_argument("--quick", action="store_true", help="the 'quick' preset: probes, one seed, < 1 minute")
    p.add_argument("--task", help="task name (see `w2s-edu tasks`) or hf:<dataset id or folder>")
    p.add_argument("--loss", help="comma-separated losses: " + ", ".join(LOSSES) + " (options: w2s-edu losses)")
    p.add_argument("--seeds", type=int, help="number of seeds (0..N-1)")
    p.add_argument("--mode", choices=MODES, help="how the strong model trains (the weak model: --set weak_mode=...)")
    p.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any W2SConfig field")
    p.add_argument("--out", default="w2s-runs", help="output folder (default: ./w2s-runs)")


def config_from_args(args, **extra) -> W2SConfig:
    overrides = {"task": args.task, "losses": args.loss, "seeds": args.seeds, "mode": args.mode,
                 "device": args.device, **extra, **parse_set(args.set)}
    return W2SConfig.from_preset("quick" if args.quick else args.preset, **overrides)
