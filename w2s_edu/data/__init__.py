"""Data shipped with the package: the WordNet noun list, the chess puzzles, rungs and records, and the
measurements the lessons quote.

Every module finds these files through the constants here, so the data layout has one home.
"""

import json
import os
import sys
import time
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
CHESS_DIR = DATA_DIR / "chess"  # puzzles.csv, the chess-s/m/l and chess-c-<p>pct rung folders, their records
#: Results of the benchmarks under ``benchmarks/`` that lessons and the README quote: each file says
#: which command produced it, when and where, so a stated number can be traced to its run.
MEASURED_DIR = DATA_DIR / "measured"


def measured(name: str) -> dict:
    """The shipped measurement ``name`` (e.g. ``"confidence_loss"``): a dict with ``command``, ``date``,
    ``machine`` and ``rows``."""
    path = MEASURED_DIR / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in MEASURED_DIR.glob("*.json"))
        raise FileNotFoundError(f"no shipped measurement {name!r} in {MEASURED_DIR}; shipped: {', '.join(known)}")
    return json.loads(path.read_text())


def provenance(argv: list[str] | None = None) -> dict:
    """Where a measurement comes from, as every shipped record states it: ``command`` (this process's,
    or ``python`` + ``argv``), ``date`` and ``machine`` (cores, torch version, GPU or none)."""
    import torch

    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    return {"command": "python " + " ".join(sys.argv if argv is None else argv), "date": time.strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} CPU cores, torch {torch.__version__}, {gpu}"}
