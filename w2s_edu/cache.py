"""On-disk caching: one folder, content-addressed keys, atomic writes, and a cache that heals.

Everything expensive (encoded features, trained models' predictions) is stored under a key that
hashes *everything* that determined it, so a cache hit is always safe to reuse and a changed
setting never returns a stale result. The folder is ``$W2S_EDU_CACHE``, else ``~/.cache/w2s-edu``;
``w2s-edu cache`` shows what it holds and clears it (all of it, one kind, or one model's files).

* **Writes are atomic and durable**: :func:`atomic_write` writes a temporary file in the same folder,
  flushes it to disk (``fsync``) and renames it into place, so an interrupted run or a power cut
  leaves no half-written file: the next run simply redoes that piece and skips what is complete.
  Temporary files a killed process left behind (``.*.tmp`` older than an hour) are removed the first
  time a process opens their folder. A full disk is a :class:`CacheError` that says so.
* **Reads heal**: every cached file is read through :func:`load_or_none`. A file that fails to load
  (truncated, empty, garbled) is moved to ``<cache>/damaged/`` with one :class:`CacheWarning` naming
  it, and the caller recomputes it as if it had never been there.
* **Clear errors**: a cache folder that is a file, cannot be created or is not writable raises a
  :class:`CacheError` naming ``W2S_EDU_CACHE`` and what to do.
* **Which model wrote what**: beside a cached file, a small JSON sidecar ``<file>.meta.json``
  (:func:`write_meta`) names the model it belongs to, so ``w2s-edu cache --clear-model NAME`` can
  find them; the keys themselves stay pure hashes. Files cached before sidecars existed have none.

**Sharing one cache in a class** (one server, many users): files are created readable by the group
and others and folders writable as the umask allows (``0o666`` / ``0o777`` minus the umask), so::

    sudo groupadd w2s && sudo usermod -aG w2s alice      # every student in one group (then log in again)
    sudo mkdir -p /srv/w2s-cache && sudo chgrp w2s /srv/w2s-cache
    sudo chmod 2775 /srv/w2s-cache    # setgid: what is made inside belongs to the group w2s
    # every user, e.g. in ~/.bashrc:
    export W2S_EDU_CACHE=/srv/w2s-cache
    umask 002                          # new files and folders group-writable

Each user then reuses the features and runs any other user computed. Do not set the sticky bit
(``chmod +t``): it would stop one user from replacing or moving aside another user's damaged file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable, TypeVar

ENV_VAR = "W2S_EDU_CACHE"
DEFAULT_DIR = "~/.cache/w2s-edu"
META_SUFFIX = ".meta.json"  # the sidecar beside a cached file: which model it belongs to
DAMAGED = "damaged"  # the subfolder where files that failed to load are moved
STALE_TMP_SECONDS = 3600  # a temporary file older than this has no live writer

T = TypeVar("T")
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NO_ACCESS = {errno.EACCES, errno.EPERM, errno.EROFS}
# What torch's zip writer says instead of ENOSPC when the disk fills up under torch.save
_TORCH_WRITE_FAILED = ("unexpected pos", "file write failed", "PytorchStreamWriter failed")
_swept: set[str] = set()  # folders whose stale temporary files this process has already removed


class CacheError(RuntimeError):
    """The cache cannot be used (its folder is a file, is not writable, the disk is full): the
    message names the path and ``W2S_EDU_CACHE`` and says what to do."""


class CacheWarning(UserWarning):
    """A cached file was damaged: it has been moved aside and is recomputed."""


# ------------------------------------------------------------------------------------------- the folder
def cache_root() -> Path:
    """The cache folder (``$W2S_EDU_CACHE``, else ``~/.cache/w2s-edu``), without creating it."""
    return Path(os.environ.get(ENV_VAR) or Path(DEFAULT_DIR).expanduser())


def setting() -> str:
    """Where the cache folder comes from, for messages: ``W2S_EDU_CACHE=...`` or the default."""
    value = os.environ.get(ENV_VAR)
    if value:
        return f"{ENV_VAR}={value}"
    return f"the default {DEFAULT_DIR}, as {ENV_VAR} is not set"


def cache_dir(sub: str = "") -> Path:
    """The cache folder, or its subfolder ``sub``, created on demand and checked to be writable.

    The first time a process opens a folder, temporary files that a killed writer left there are
    removed (:func:`sweep_stale`). Raises :class:`CacheError` when the folder cannot be used."""
    root = cache_root()
    _ensure_folder(root)
    path = root / sub if sub else root
    if sub:
        _ensure_folder(path)
    if str(path) not in _swept:
        _swept.add(str(path))
        sweep_stale(path)
    return path


def _ensure_folder(path: Path) -> None:
    fix = (f"point {ENV_VAR} at a folder you can write to (it is created if missing), "
           f"e.g. `export {ENV_VAR}=$HOME/w2s-cache`")
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise CacheError(
                f"The cache folder {path} is not writable by this user ({setting()}). Make it writable "
                "(a cache shared by a class: one common group, `chmod 2775` on the folder and `umask 002` "
                f"for every user; see `help(w2s_edu.cache)`), or {fix}.")
        return
    if path.exists() and not path.is_dir():  # (is_dir again: another process may have just made it)
        raise CacheError(f"The cache folder {path} is a file, not a folder ({setting()}). Move the file away, "
                         f"or {fix}.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker else (err.strerror or str(err))
        raise CacheError(f"The cache folder {path} cannot be created: {why} ({setting()}). "
                         f"{fix[0].upper()}{fix[1:]}.") from err


def sweep_stale(folder: Path | str, max_age: float = STALE_TMP_SECONDS) -> list[Path]:
    """Remove the temporary files (``.*.tmp``) in ``folder`` older than ``max_age`` seconds: a killed
    writer left them (a live one keeps its file fresh). Returns what was removed."""
    now, removed = time.time(), []
    for tmp in Path(folder).glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > max_age:
                tmp.unlink()
                removed.append(tmp)
    return removed


# --------------------------------------------------------------------------------------------- keys
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


# ------------------------------------------------------------------------------------------- writing
def atomic_write(path: Path | str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)``, flush the file to disk, then rename it onto ``path`` in one step.

    The file is created readable by the group and others (``0o666`` minus the umask). On any error
    the temporary file is removed; a full disk or a folder one may not write to is a
    :class:`CacheError` naming the path (and ``W2S_EDU_CACHE`` when the path is in the cache)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as err:
        clear = _write_error(path, err)
        if clear is None:
            raise
        raise clear from err
    try:
        write(tmp)
        _fsync(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, Exception) and (clear := _write_error(path, err)) is not None:
            raise clear from err
        raise
    _fsync_dir(path.parent)


def _fsync(file: str) -> None:
    try:
        fd = os.open(file, os.O_RDONLY)
    except OSError:  # a platform where fsync needs a writable descriptor
        fd = os.open(file, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable, where the platform can open a folder (not Windows)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/self/status") as f:  # Linux: read it without changing it
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_error(path: Path, err: BaseException) -> CacheError | None:
    """A :class:`CacheError` for a write that failed for lack of space or permission, else None."""
    codes = set()
    e: BaseException | None = err
    while e is not None:
        if isinstance(e, OSError) and e.errno is not None:
            codes.add(e.errno)
        e = e.__cause__ or e.__context__
    in_cache = _inside(path, cache_root())
    elsewhere = (f"point {ENV_VAR} at a folder on a disk with room (now {setting()})" if in_cache
                 else "write to a folder on another disk")
    no_space, torch_failed = codes & _NO_SPACE, any(s in str(err) for s in _TORCH_WRITE_FAILED)
    if no_space or torch_failed:
        lines = str(err).strip().splitlines()
        detail = lines[-1].strip()[:200] if lines else type(err).__name__
        what = (f"No space left to write {path} ({detail})." if no_space else
                f"Writing {path} failed ({detail}): most likely the disk is full or over its quota.")
        hint = " (`w2s-edu cache` shows what the cache holds; `w2s-edu cache --clear features` frees most)" \
            if in_cache else ""
        return CacheError(f"{what} Free space on that disk{hint}, or {elsewhere}.")
    if codes & _NO_ACCESS:
        return CacheError(f"Cannot write {path}: permission denied. Make its folder writable by this user, "
                          f"or {elsewhere.replace('on a disk with room', 'of your own')}.")
    return None


def _inside(path: Path, folder: Path) -> bool:
    with contextlib.suppress(OSError, ValueError):
        Path(path).resolve().relative_to(Path(folder).resolve())
        return True
    return False


def json_writer(obj: Any) -> Callable[[str], None]:
    """A ``write(tmp_path)`` for :func:`atomic_write` (or an executor's ``write``) that dumps ``obj``."""
    def write(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2, default=_json_default)

    return write


def write_json(path: Path | str, obj: Any) -> None:
    atomic_write(path, json_writer(obj))


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


# ------------------------------------------------------------------------------------------- reading
def load_or_none(path: Path | str, loader: Callable[[Path], T]) -> T | None:
    """``loader(path)``, or None when the file is missing or fails to load: the one way to read a
    cached file. A damaged file is moved to ``<cache>/damaged/`` (or renamed ``<name>.damaged``
    outside the cache) with one :class:`CacheWarning` that names it; the caller then recomputes it
    as on a miss. Put every check of the content in ``loader``: whatever it raises marks the file damaged."""
    path = Path(path)
    try:
        return loader(path)
    except FileNotFoundError:
        return None
    except PermissionError as err:
        warnings.warn(f"Cannot read the cached file {path} ({err.strerror}): another user wrote it with "
                      "private permissions. It will be recomputed; `chmod a+r` it or clear it to share it.",
                      CacheWarning, stacklevel=2)
        return None
    except MemoryError:
        raise
    except Exception as err:
        reason = _why_damaged(path, err)
        warnings.warn(f"The cached file {path} is damaged ({reason}); {_move_aside(path)}. "
                      "It will be recomputed.", CacheWarning, stacklevel=2)
        return None


def _why_damaged(path: Path, err: Exception) -> str:
    with contextlib.suppress(OSError):
        if path.stat().st_size == 0:
            return "the file is empty"
    text = str(err).strip().splitlines()
    first = text[0].split(". ")[0][:200] if text else ""
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def _move_aside(path: Path) -> str:
    root = cache_root()
    dest = path.with_name(path.name + ".damaged")
    if _inside(path, root) and not _inside(path, root / DAMAGED):
        with contextlib.suppress(CacheError, OSError, ValueError):
            rel = path.resolve().relative_to(root.resolve())
            dest = cache_dir(DAMAGED) / "-".join(rel.parts)
    try:
        os.replace(path, dest)
        return f"moved it to {dest} (`w2s-edu cache --clear {DAMAGED}` deletes it)"
    except FileNotFoundError:
        return "another process already moved it away"
    except OSError as err:
        try:
            os.unlink(path)
            return f"deleted it (it could not be moved: {err.strerror})"
        except OSError as err2:
            return f"it could not be moved or deleted ({err2.strerror}), so it is recomputed on every run"


# ---------------------------------------------------------------------------------- model sidecars
def meta_path(path: Path | str) -> Path:
    """The sidecar of a cached file: ``<file>.meta.json``."""
    path = Path(path)
    return path.with_name(path.name + META_SUFFIX)


def write_meta(path: Path | str, meta: dict) -> None:
    """Write the sidecar of the cached file ``path`` (e.g. ``{"model": "minilm-l1", ...}``)."""
    write_json(meta_path(path), meta)


def read_meta(path: Path | str) -> dict | None:
    """The sidecar of the cached file ``path``, or None when it has none (written before sidecars
    existed) or it is unreadable (a sidecar is only an index: it is never worth a warning)."""
    with contextlib.suppress(OSError, ValueError):
        meta = read_json(meta_path(path))
        return meta if isinstance(meta, dict) else None
    return None


def disk_free(path: Path | str) -> int | None:
    """Free bytes on the disk holding ``path`` (its nearest existing folder), or None if unknown."""
    path = Path(path)
    for folder in (path, *path.parents):
        if folder.exists():
            with contextlib.suppress(OSError):
                return shutil.disk_usage(folder).free
            return None
    return None
