"""The experiment options shared by ``w2s-edu run``, ``w2s-edu sweep`` and the distributed launcher
(:mod:`w2s_edu.cli.distributed`), and how they become a :class:`w2s_edu.config.W2SConfig`."""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import typing

from ..config import MODES, PRESETS, W2SConfig
from ..losses import LOSSES


#: What a user's mistake raises (options, data, files, the environment): one ``error:`` line, exit code 2.
USER_ERRORS = (ValueError, RuntimeError, OSError, FloatingPointError, ImportError)
TRUE, FALSE, NONE = ("true", "1", "yes", "on"), ("false", "0", "no", "off"), ("none", "null")


class SetError(ValueError):
    """A ``--set KEY=VALUE`` that cannot become a config value; the message names the key."""


def _parse_value(key: str, raw: str, hint):
    """``raw`` as the type ``hint`` of config field ``key``; a clear error naming ``--set key`` otherwise."""
    args = typing.get_args(hint)
    if type(None) in args:
        if raw.strip().lower() in NONE:
            return None
        hint = next(a for a in args if a is not type(None))
    elif raw.strip().lower() in NONE:
        raise SetError(f"--set {key}: this field cannot be none; give a value.")
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        parts = [p.strip() for p in raw.split(",")]
        if not raw.strip() or any(not p for p in parts):
            raise SetError(f"--set {key}: expected a comma-separated list of {item.__name__} values with no empty "
                           f"items, got {raw!r}.")
        return [_parse_value(key, p, item) for p in parts]
    word = raw.strip()
    if hint is bool:
        if word.lower() in TRUE:
            return True
        if word.lower() in FALSE:
            return False
        raise SetError(f"--set {key}: expected true or false (also 1/0, yes/no, on/off), got {raw!r}.")
    if hint is int:
        try:
            return int(word)
        except ValueError:
            raise SetError(f"--set {key}: expected an integer, got {raw!r}.") from None
    if hint is float:
        try:
            return float(word)
        except ValueError:
            raise SetError(f"--set {key}: expected a number, got {raw!r}.") from None
    if not word:
        raise SetError(f"--set {key}: expected a value, got nothing.")
    return word


def parse_set(items: list[str]) -> dict:
    """``key=value`` strings -> typed overrides, checked against the W2SConfig fields.

    ``none`` (or ``null``) sets an optional field to None (``train_layers=none`` trains every layer);
    booleans are true/false, 1/0, yes/no, on/off; lists are comma-separated and never empty."""
    hints = typing.get_type_hints(W2SConfig)
    fields = {f.name for f in dataclasses.fields(W2SConfig)}
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep:
            raise SetError(f"--set expects key=value (e.g. --set lr=1e-4), got {item!r}.")
        if key not in fields:
            close = difflib.get_close_matches(key, fields, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else f" Fields: {', '.join(sorted(fields))}."
            raise SetError(f"--set {key}: not a W2SConfig field.{hint}")
        out[key] = _parse_value(key, raw, hints[key])
    return out


def add_experiment_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="default", choices=sorted(PRESETS), help="starting config")
    p.add_argument("--quick", action="store_true", help="the 'quick' preset: one seed, 1,000 examples per split "
                                                           "(under a minute)")
    p.add_argument("--task", help="task name (see `w2s-edu tasks`) or hf:<dataset id or folder>")
    p.add_argument("--loss", help="comma-separated losses: " + ", ".join(LOSSES) + " (options: w2s-edu losses)")
    p.add_argument("--seeds", type=int, help="number of seeds (0..N-1)")
    p.add_argument("--mode", choices=MODES, help="how the strong model trains (the weak model: --set weak_mode=...)")
    p.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any W2SConfig field")
    p.add_argument("--out", default="w2s-runs", help="output folder (default: ./w2s-runs)")


def add_run_args(p: argparse.ArgumentParser) -> None:
    """The options of one experiment: :func:`add_experiment_args` and the two models."""
    add_experiment_args(p)
    p.add_argument("--weak", help="weak supervisor model (minilm-l1..l6, a ladder name, hub id or folder; "
                                  "w2s-edu models lists them)")
    p.add_argument("--strong", help="strong student model")


def config_from_args(args, **extra) -> W2SConfig:
    """The config the options ask for: the preset, then the options given (an option left out keeps the
    preset's value), then ``--set`` (which wins over an option that sets the same field). ``None`` given
    through ``--set KEY=none`` is a value and reaches the config."""
    given = {"task": args.task, "losses": args.loss, "seeds": args.seeds, "mode": args.mode,
             "device": args.device, **extra}
    overrides = {k: v for k, v in given.items() if v is not None}
    return W2SConfig.from_preset("quick" if args.quick else args.preset, **{**overrides, **parse_set(args.set)})
