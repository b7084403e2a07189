"""``w2s-edu cache``: what the disk cache holds, and clearing it.

    w2s-edu cache                        # the folder, its total size, each kind (features, runs, ...)
    w2s-edu cache --clear all            # everything in it (the folder itself, its group and mode stay)
    w2s-edu cache --clear features       # one kind: features, runs, chess, damaged
    w2s-edu cache --clear-model minilm-l1   # one model's cached features and runs

Which model a cached file belongs to is read from the sidecar beside it (``<file>.meta.json``,
:func:`w2s_edu.cache.write_meta`); files cached before sidecars existed have none and are not
attributed to any model (``--clear features`` / ``--clear runs`` removes them).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import cache

KINDS = ("features", "runs", "chess", cache.DAMAGED)  # the subfolders the package writes
BY_MODEL = ("features", "runs")  # the kinds whose files carry a model sidecar


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--clear", metavar="KIND",
                      help=f"remove cached files: all, or one kind ({', '.join(KINDS)}, or any subfolder listed)")
    what.add_argument("--clear-model", metavar="NAME",
                      help="remove the cached features and runs of one model (short name, hub id or folder)")


def run_from_args(args: argparse.Namespace) -> int:
    try:
        if getattr(args, "clear", None):
            return clear_kind(args.clear)
        if getattr(args, "clear_model", None):
            return clear_model(args.clear_model)
        print(summary())
        return 0
    except cache.CacheError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


# ----------------------------------------------------------------------------------------- looking
def human(n: float) -> str:
    """A size in bytes as people read it: 812 B, 3.4 KiB, 1.2 GiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else [folder]


def _size(files) -> int:
    total = 0
    for f in files:
        try:
            total += f.stat().st_size
        except OSError:  # removed meanwhile by another process
            pass
    return total


def _entries(files) -> list[Path]:
    """The cached files themselves: not their sidecars, not temporary files."""
    return [f for f in files if not f.name.endswith(cache.META_SUFFIX) and not f.name.endswith(".tmp")]


def _stats(files) -> str:
    n = len(_entries(files))
    return f"{human(_size(files)):>10}  {n:>6} file{'s' if n != 1 else ' '}"


def _root() -> Path:
    root = cache.cache_root()
    if root.exists() and not root.is_dir():
        cache.cache_dir()  # raises the CacheError that says what to do
    return root


def summary() -> str:
    """The cache folder, its total size, and each subfolder's size and file count; then by model."""
    root = _root()
    lines = [f"cache: {root}  ({cache.setting()})"]
    if not root.exists():
        return "\n".join(lines + ["empty: the folder does not exist yet (the first run creates it)"])
    children = sorted(root.iterdir())
    everything = [f for c in children for f in _files(c)]
    lines.append(f"total: {human(_size(everything))} in {len(_entries(everything))} files"
                 + (f"; {human(free)} free on its disk" if (free := cache.disk_free(root)) is not None else ""))
    for child in children:
        name = child.name + ("/" if child.is_dir() else "")
        lines.append(f"  {name:<16}{_stats(_files(child))}")
    models, unattributed = _by_model(root)
    if models:
        lines.append("by model (w2s-edu cache --clear-model NAME):")
        for model, files in sorted(models.items()):
            kinds = ", ".join(f"{k} {sum(f.parent.name == k for f in _entries(files))}" for k in BY_MODEL)
            lines.append(f"  {model:<24}{human(_size(files)):>10}  ({kinds})")
    if unattributed:
        lines.append(f"  {len(unattributed)} file(s) ({human(_size(unattributed))}) are not attributed to a model: "
                     "cached before the cache recorded models (`--clear features` / `--clear runs` removes them)")
    lines.append("clear: w2s-edu cache --clear all | --clear KIND | --clear-model NAME")
    return "\n".join(lines)


def _by_model(root: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """{model name: its files (sidecars included)} and the files without a sidecar."""
    models: dict[str, list[Path]] = {}
    unattributed: list[Path] = []
    for kind in BY_MODEL:
        folder = root / kind
        if not folder.is_dir():
            continue
        for f in _entries(p for p in folder.iterdir() if p.is_file()):
            meta = cache.read_meta(f)
            if meta is None or not meta.get("model"):
                unattributed.append(f)
            else:
                sidecar = cache.meta_path(f)
                models.setdefault(str(meta["model"]), []).extend([f, sidecar])
    return models, unattributed


# ---------------------------------------------------------------------------------------- clearing
def _remove(paths) -> tuple[int, int, list[str]]:
    """Remove files and folders (each file on its own, so one that cannot go does not stop the rest);
    returns (bytes freed, cached files removed, errors)."""
    size = count = 0
    errors: list[str] = []
    for path in paths:
        for f in _files(path):
            try:
                n = f.stat().st_size
                f.unlink()
            except FileNotFoundError:
                continue
            except OSError as err:
                errors.append(f"{f}: {err.strerror or err}")
                continue
            size += n
            count += not (f.name.endswith(cache.META_SUFFIX) or f.name.endswith(".tmp"))
        if path.is_dir():
            for folder in sorted((p for p in path.rglob("*") if p.is_dir()), reverse=True) + [path]:
                try:
                    folder.rmdir()
                except OSError:  # not empty: a file above could not be removed
                    pass
    return size, count, errors


def _report_errors(errors: list[str]) -> int:
    if not errors:
        return 0
    print(f"could not remove {len(errors)} path(s), e.g. {errors[0]}\n(files another user wrote: ask them, "
          "or the folder's owner; a shared cache needs `umask 002`, see `help(w2s_edu.cache)`)", file=sys.stderr)
    return 1


def clear_kind(kind: str) -> int:
    """Remove everything (``all``) or one subfolder of the cache; prints what was removed."""
    root = _root()
    if kind == "all":
        targets = sorted(root.iterdir()) if root.is_dir() else []
    else:
        if "/" in kind or kind in ("", ".", ".."):
            print(f"error: --clear takes all or a kind ({', '.join(KINDS)}), not {kind!r}", file=sys.stderr)
            return 2
        existing = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
        if kind not in KINDS and kind not in existing:
            print(f"error: the cache has no {kind!r}; choose all or one of {', '.join(sorted({*KINDS, *existing}))}",
                  file=sys.stderr)
            return 2
        targets = [root / kind] if (root / kind).exists() else []
    if not targets:
        print(f"nothing to remove: {root / kind if kind != 'all' else root} holds nothing")
        return 0
    total_size = total_count = 0
    errors: list[str] = []
    for target in targets:
        label = target.name + ("/" if target.is_dir() else "")
        size, count, errs = _remove([target])
        total_size, total_count = total_size + size, total_count + count
        errors += errs
        print(f"removed {label}: {count} file(s), {human(size)}")
    print(f"removed {total_count} file(s), {human(total_size)} from {root}"
          + (" (the folder itself stays, with its group and permissions)" if kind == "all" else ""))
    return _report_errors(errors)


def _names_of(name: str) -> tuple[set[str], str | None]:
    """The names a model's sidecars may carry, and its weights' path when that names it alone (not
    for the offline ladder, whose rungs share one folder)."""
    names = {name}
    try:
        from ..models.registry import resolve_model

        spec = resolve_model(name)
    except (ValueError, RuntimeError, OSError):
        return names, None
    names.add(spec.name)
    return names, None if spec.offline else spec.path


def clear_model(name: str) -> int:
    """Remove the cached features and runs whose sidecar names the model ``name``."""
    root = _root()
    names, path = _names_of(name)
    mine: list[Path] = []
    for kind in BY_MODEL:
        folder = root / kind
        for sidecar in sorted(folder.glob(f"*{cache.META_SUFFIX}")) if folder.is_dir() else ():
            target = sidecar.with_name(sidecar.name[: -len(cache.META_SUFFIX)])
            meta = cache.read_meta(target) or {}
            if meta.get("model") in names or (path is not None and meta.get("path") == path):
                mine += [target, sidecar]  # a sidecar whose file was deleted by hand goes too
    counts = {k: sum(f.parent.name == k and f.exists() for f in _entries(mine)) for k in BY_MODEL}
    size, count, errors = _remove(mine)
    models, unattributed = _by_model(root) if root.is_dir() else ({}, [])
    if count:
        print(f"removed {count} cached file(s) of {name} ({human(size)}): "
              + ", ".join(f"{k} {n}" for k, n in counts.items()))
    else:
        print(f"no cached features or runs of {name} (models in the cache: {', '.join(sorted(models)) or 'none'})")
    if unattributed:
        print(f"{len(unattributed)} cached file(s) ({human(_size(unattributed))}) carry no model name (cached before "
              "the cache recorded models): they are not attributed to any model and were kept; "
              "`w2s-edu cache --clear features` / `--clear runs` removes them")
    return _report_errors(errors)
