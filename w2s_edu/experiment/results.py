"""The result of an experiment: numbers per seed, summaries, a table and JSON (plots: :mod:`w2s_edu.report`).

``results.json`` is a stable format that other tools read. It holds at least: ``config``, ``seeds``,
``weak_acc`` (a list, one per seed), ``ceiling_acc`` (list), ``w2s_acc`` (loss -> list), ``pgr``
(loss -> {"mean", "ci": [low, high], "per_seed"}) and ``seconds``. Undefined numbers (a PGR whose
ceiling is not above the supervisor) are written as ``null``.
"""

from __future__ import annotations

import errno
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .. import cache
from .metrics import summarize


@dataclass
class W2SResult:
    config: dict
    seeds: list[int]
    weak_acc: list[float]
    ceiling_acc: list[float]
    w2s_acc: dict[str, list[float]]
    pgr: dict[str, dict]
    seconds: float
    per_seed: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # 0/1 per test example, per seed: "weak", "ceiling" and each loss -> [[seed 0 ...], [seed 1 ...]]
    # (what a bootstrap over test examples resamples; lesson 05)
    correct: dict[str, list[list[int]]] = field(default_factory=dict)

    # ------------------------------------------------------------------ summaries
    def table(self) -> str:
        """A plain-text table: accuracy mean +- std over seeds, and PGR with its 95% interval."""
        c = self.config
        width = max([28] + [len(f"strong on weak labels ({loss})") + 1 for loss in self.w2s_acc])  # own losses' names
        lines = [f"task={c['task']}  weak={c['weak']} ({c.get('weak_mode') or c['mode']})  "
                 f"strong={c['strong']} ({c['mode']})  seeds={len(self.seeds)}  time={self.seconds:.0f}s",
                 f"{'model':<{width}}{'test accuracy':>18}{'PGR':>9}{'95% CI':>20}"]

        def row(name, vals, p="", ci=""):
            return f"{name:<{width}}{_fmt_ms(vals):>18}{p:>9}{ci:>20}"

        lines.append(row("weak supervisor", self.weak_acc))
        for loss, vals in self.w2s_acc.items():
            g = self.pgr[loss]
            lines.append(row(f"strong on weak labels ({loss})", vals, _fmt(g["mean"]),
                             f"[{_fmt(g['ci'][0])}, {_fmt(g['ci'][1])}]"))
        lines.append(row("strong ceiling", self.ceiling_acc))
        lines.append("PGR = (w2s - weak) / (ceiling - weak): 0 = student only copies its supervisor, "
                     "1 = student reaches the ceiling.")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict:
        return _json_safe(asdict(self))

    def save(self, out_dir: str | Path) -> Path:
        """Write ``results.json`` into ``out_dir``; returns its path (:func:`w2s_edu.report.save_result`
        writes the plot beside it)."""
        out = check_out_dir(out_dir)
        cache.write_json(out / "results.json", self.to_dict())
        return out / "results.json"

    @classmethod
    def load(cls, path: str | Path) -> "W2SResult":
        path = Path(path)
        return cls.from_dict(cache.read_json(path / "results.json" if path.is_dir() else path))

    @classmethod
    def from_dict(cls, data: dict) -> "W2SResult":
        """The result :meth:`to_dict` wrote (a shipped measurement holds one: ``measured("showcase")["result"]``)."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def check_out_dir(out_dir: str | Path, option: str = "--out") -> Path:
    """The output folder, created if missing and checked writable now, so a run fails before hours of
    training rather than after. Errors name ``option`` (the command-line option or argument behind it)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{option} {str(out)!r} is a file, not a folder. Pass a folder path "
                                 "(it is created if missing), or move the file away.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".w2s-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        reason = {errno.ENOSPC: "no space is left on that disk", errno.EACCES: "it is not writable",
                  errno.EPERM: "it is not writable", errno.EROFS: "it is on a read-only file system",
                  errno.ENOTDIR: "a part of that path is a file"}.get(err.errno, err.strerror or str(err))
        raise OSError(f"{option} {str(out)!r} cannot hold the results: {reason}. Pass a folder you can "
                      f"write to, e.g. {option} ./w2s-runs") from None
    return out


def _fmt(x) -> str:
    return "undef" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def _fmt_ms(values) -> str:
    s = summarize(values)
    return f"{s['mean']:.3f} +- {s['std']:.3f}"


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.generic,)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
