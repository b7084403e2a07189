"""The shipped chess model ladder: ``chess-s`` < ``chess-m`` < ``chess-l``.

Each rung is a folder under ``w2s_edu/data/chess/`` written by ``save_pretrained`` (a small
``BertModel``, its chess tokenizer and ``w2s_chess.json`` with the config, seed, data recipe,
timing and measured accuracies), so ``W2SConfig(task="chess-puzzles", weak="chess-s",
strong="chess-l")`` runs through :func:`w2s_edu.experiment.pipeline.run_w2s` like any Hugging Face model.
Rebuild them with ``python -m w2s_edu.chess.pretrain`` (see :mod:`.pretrain`).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..data import CHESS_DIR as DATA_DIR

CHESS_LADDER = ("chess-s", "chess-m", "chess-l")
LADDER_FILE = DATA_DIR / "ladder.json"


def rung_path(name: str) -> Path:
    """Folder of a shipped rung; a clear error when the name or the folder is wrong."""
    if name not in CHESS_LADDER:
        raise ValueError(f"Unknown chess model {name!r}; the shipped chess ladder is {', '.join(CHESS_LADDER)}.")
    path = DATA_DIR / name
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"The chess model {name!r} is not in {path}; rebuild the ladder with "
                                "`python -m w2s_edu.chess.pretrain --out <folder>` and pass that folder, "
                                "or reinstall the package.")
    return path


def rung_metadata(name: str) -> dict:
    """What made a rung and what it measured (its ``w2s_chess.json``)."""
    return json.loads((rung_path(name) / "w2s_chess.json").read_text())


def ladder_metadata() -> dict:
    """The ladder's acceptance record (``ladder.json``): downstream accuracies and the weak-to-ceiling gap."""
    if not LADDER_FILE.exists():
        raise FileNotFoundError(f"{LADDER_FILE} is missing: run benchmarks/chess_ladder.py to measure the ladder.")
    return json.loads(LADDER_FILE.read_text())


def describe_ladder() -> dict[str, str]:
    out = {}
    for name in CHESS_LADDER:
        try:
            meta = rung_metadata(name)
        except (FileNotFoundError, ValueError):
            continue
        r = meta["rung"]
        out[name] = (f"chess encoder, {r['layers']} layer(s) x {r['hidden']} wide, {meta['parameters']:,} parameters, "
                     f"pretrained {r['steps']} steps on Stockfish-labelled positions (shipped)")
    return out
