"""On-disk caching: one folder, content-addressed keys, atomic writes.

Everything expensive (encoded features, trained models' predictions) is stored under a key that
hashes *everything* that determined it, so a cache hit is always safe to reuse and a changed
setting never returns a stale result. Writes go to a temporary file in the same folder and are
renamed into place, so an interrupted run leaves no half-written file: the next run simply redoes
that piece and skips what is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

ENV_VAR = "W2S_EDU_CACHE"


def cache_dir(sub: str = "") -> Path:
    """The cache root (``$W2S_EDU_CACHE``, else ``~/.cache/w2s-edu``), created on demand."""
    root = Path(os.environ.get(ENV_VAR) or Path.home() / ".cache" / "w2s-edu")
    path = root / sub if sub else root
    path.mkdir(parents=True, exist_ok=True)
    return path


def stable_hash(obj: Any, length: int = 20) -> str:
    """A hash of a JSON-able object that is the same in every process and on every machine."""
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def texts_hash(texts) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode())
        h.update(b"\x00")
    return h.hexdigest()[:20]


def atomic_write(path: Path | str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)``, then rename the temporary file onto ``path`` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path: Path | str, obj: Any) -> None:
    def _write(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2, default=_json_default)

    atomic_write(path, _write)


def read_json(path: Path | str) -> Any:
    with open(path) as f:
        return json.load(f)


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"Cannot write {type(obj).__name__} to JSON")
