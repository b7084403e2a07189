"""The disk cache heals: a damaged file is moved aside and recomputed with one warning; writes are
durable (fsync), shareable (the umask decides) and leave no stale temporary files; a cache folder that
cannot be used and a full disk are clear errors; ``w2s-edu cache`` shows and clears the cache."""

from __future__ import annotations

import argparse
import errno
import os
import re
import stat
import sys
import time
import warnings

import numpy as np
import pytest
import torch

from w2s_edu import cache
from w2s_edu.cache import CacheError, CacheWarning
from w2s_edu.cli import cache as cache_cli
from w2s_edu.config import W2SConfig
from w2s_edu.experiment import roles
from w2s_edu.experiment.pipeline import run_w2s
from w2s_edu.models import features
from w2s_edu.train import executor


def tiny() -> W2SConfig:
    return W2SConfig.from_preset("smoke", weak="minilm-l1", strong="minilm-l2", mode="probe", n_train_weak=32,
                                 n_train_strong=32, n_test=32, show_progress=False)


@pytest.fixture()
def root(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("W2S_EDU_CACHE", str(path))
    return path


@pytest.fixture()
def calls(monkeypatch):
    """How many classifiers were trained and how many feature stores encoded."""
    counts = {"train": 0, "encode": 0}
    real_train, real_encode = executor.train_classifier, features._encode

    def train(*a, **k):
        counts["train"] += 1
        return real_train(*a, **k)

    def encode(*a, **k):
        counts["encode"] += 1
        return real_encode(*a, **k)

    monkeypatch.setattr(executor, "train_classifier", train)
    monkeypatch.setattr(features, "_encode", encode)
    return counts


def numbers(result) -> tuple:
    return result.weak_acc, result.ceiling_acc, result.w2s_acc


def snapshot(root) -> dict:
    """Every cached array, by file name."""
    out = {}
    for f in sorted((root / "runs").glob("*.npz")):
        with np.load(f) as saved:
            out[f.name] = {k: saved[k] for k in saved.files}
    for f in sorted((root / "features").glob("*.pt")):
        out[f.name] = torch.load(f, weights_only=True)
    return out


def same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for name in a:
        if a[name].keys() != b[name].keys():
            return False
        for k in a[name]:
            x, y = np.asarray(a[name][k]), np.asarray(b[name][k])
            if x.shape != y.shape or not np.array_equal(x, y):
                return False
    return True


# --------------------------------------------------------------------------------- damaged files heal
@pytest.mark.parametrize("how", ["truncated", "empty"])
@pytest.mark.parametrize("kind", ["runs", "features"])
def test_a_damaged_cache_file_is_moved_aside_recomputed_and_warned_about_once(root, calls, kind, how):
    first = run_w2s(tiny())  # a clean run
    before = snapshot(root)
    victim = sorted((root / kind).glob("*.npz" if kind == "runs" else "*.pt"))[0]
    data = victim.read_bytes()
    damaged = data[: len(data) // 2] if how == "truncated" else b""
    victim.write_bytes(damaged)
    calls.update(train=0, encode=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        second = run_w2s(tiny())
    ours = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(ours) == 1, ours
    assert str(victim) in ours[0] and "damaged" in ours[0] and "recomputed" in ours[0]
    assert ("empty" in ours[0]) == (how == "empty")
    # recomputed: one classifier trained again (a run) or one store encoded again (features), no more
    assert calls == ({"train": 1, "encode": 0} if kind == "runs" else {"train": 0, "encode": 1})
    assert numbers(second) == numbers(first)
    assert same(snapshot(root), before)  # the healed file holds exactly what the clean run wrote
    aside = root / cache.DAMAGED / f"{kind}-{victim.name}"
    assert aside.read_bytes() == damaged


def test_a_damaged_json_file_is_moved_aside_and_a_missing_one_is_a_miss(root, tmp_path):
    path = cache.cache_dir("chess") / "mates-seed0-n10.json"
    assert cache.load_or_none(path, cache.read_json) is None  # missing: silently None
    cache.write_json(path, [{"fen": "x", "label": 1}])
    assert cache.load_or_none(path, cache.read_json) == [{"fen": "x", "label": 1}]
    path.write_text('[{"fen": "x", "lab')
    with pytest.warns(CacheWarning, match=re.escape(str(path))) as record:
        assert cache.load_or_none(path, cache.read_json) is None
    assert len(record) == 1 and "JSONDecodeError" in str(record[0].message)
    assert not path.exists() and (root / cache.DAMAGED / "chess-mates-seed0-n10.json").exists()
    outside = tmp_path / "elsewhere.json"  # a file outside the cache is renamed beside itself
    outside.write_text("{")
    with pytest.warns(CacheWarning, match="elsewhere.json"):
        assert cache.load_or_none(outside, cache.read_json) is None
    assert (tmp_path / "elsewhere.json.damaged").exists()


def test_a_loader_that_rejects_the_content_marks_the_file_damaged(root):
    path = cache.cache_dir("features") / "abc.pt"
    torch.save({"not data": torch.zeros(2)}, path)  # loads, but is not a feature store
    with pytest.warns(CacheWarning, match="KeyError"):
        assert cache.load_or_none(path, lambda p: features._read_inputs(p, "features")) is None


# ------------------------------------------------------------------------------ durable, shared writes
@pytest.mark.parametrize("mask", [0o002, 0o022, 0o077])
def test_new_files_and_folders_are_as_open_as_the_umask_allows(root, mask):
    old = os.umask(mask)
    try:
        folder = cache.cache_dir("runs")
        cache.write_json(folder / "x.json", {"a": 1})
        cache.atomic_write(folder / "y.npz", lambda tmp: np.savez(tmp, a=np.zeros(2)))
    finally:
        os.umask(old)
    for f in ("x.json", "y.npz"):
        assert stat.S_IMODE((folder / f).stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE(root.stat().st_mode) == 0o777 & ~mask


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="setgid inheritance is Linux behaviour")
def test_a_setgid_class_cache_passes_the_bit_to_new_folders(root):
    root.mkdir()
    root.chmod(0o2775)
    old = os.umask(0o002)
    try:
        folder = cache.cache_dir("features")
    finally:
        os.umask(old)
    assert folder.stat().st_mode & stat.S_ISGID and stat.S_IMODE(folder.stat().st_mode) == 0o2775


def test_writes_are_flushed_to_disk_before_the_rename_and_the_folder_after(root, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        return real_fsync(fd)

    def replace(src, dst):
        events.append("replace")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    cache.write_json(cache.cache_dir("runs") / "x.json", {"a": 1})
    assert events == ["fsync file", "replace", "fsync folder"]


def test_stale_temporary_files_are_removed_when_a_folder_is_opened(root):
    runs = root / "runs"
    runs.mkdir(parents=True)
    old, fresh, kept = runs / ".abc.npz.k1.tmp", runs / ".abc.npz.k2.tmp", runs / "abc.npz"
    for p in (old, fresh, kept):
        p.write_bytes(b"x")
    two_hours_ago = time.time() - 2 * 3600
    for p in (old, kept):
        os.utime(p, (two_hours_ago, two_hours_ago))
    cache.cache_dir("runs")
    assert not old.exists() and fresh.exists() and kept.exists()  # a live writer's file stays


# ------------------------------------------------------------------------------------- clear errors
def test_a_file_as_the_cache_folder_is_a_clear_error(tmp_path, monkeypatch):
    file = tmp_path / "not-a-folder"
    file.write_text("x")
    monkeypatch.setenv("W2S_EDU_CACHE", str(file))
    with pytest.raises(CacheError, match=re.escape(f"W2S_EDU_CACHE={file}")) as err:
        cache.cache_dir("runs")
    assert "is a file, not a folder" in str(err.value) and "export W2S_EDU_CACHE=" in str(err.value)
    monkeypatch.setenv("W2S_EDU_CACHE", str(file / "sub"))
    with pytest.raises(CacheError, match=f"cannot be created: {re.escape(str(file))} is a file"):
        cache.cache_dir()
    with pytest.raises(CacheError, match="W2S_EDU_CACHE"):
        run_w2s(tiny())


def test_a_folder_another_process_makes_at_the_same_moment_is_not_mistaken_for_a_file(root, monkeypatch):
    """Two workers open the cache at once: one sees no folder, the other makes it before the first looks again."""
    import pathlib

    runs, real_is_dir, looked = root / "runs", pathlib.Path.is_dir, []

    def is_dir(self):
        if self == runs and not looked:
            looked.append(self)
            runs.mkdir(parents=True)  # the other worker, between this worker's two looks
            return False
        return real_is_dir(self)

    monkeypatch.setattr(pathlib.Path, "is_dir", is_dir)
    assert cache.cache_dir("runs") == runs and looked


def test_the_default_folder_is_named_when_the_variable_is_unset(tmp_path, monkeypatch):
    monkeypatch.delenv("W2S_EDU_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".cache").write_text("x")  # ~/.cache is a file
    with pytest.raises(CacheError, match=re.escape("~/.cache/w2s-edu, as W2S_EDU_CACHE is not set")):
        cache.cache_dir()


def test_a_folder_one_cannot_write_is_a_clear_error(root, monkeypatch):
    cache.cache_dir("runs")
    monkeypatch.setattr(cache.os, "access", lambda path, mode: False)  # as a user without write permission
    with pytest.raises(CacheError, match="not writable") as err:
        cache.cache_dir("runs")
    assert "W2S_EDU_CACHE=" in str(err.value) and "umask 002" in str(err.value)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes through chmod")
def test_a_read_only_folder_is_a_clear_error(root):
    root.mkdir()
    root.chmod(0o555)
    try:
        with pytest.raises(CacheError, match="not writable"):
            cache.cache_dir("runs")
    finally:
        root.chmod(0o755)


def test_a_full_disk_is_a_clear_error_and_leaves_no_temporary_file(root, monkeypatch):
    def full(file, **arrays):
        file.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(roles.np, "savez", full)
    with pytest.raises(CacheError, match="No space left to write") as err:
        run_w2s(tiny())
    message = str(err.value)
    assert str(root / "runs") in message and "W2S_EDU_CACHE" in message and "Free space" in message
    assert list((root / "runs").iterdir()) == []


def test_torchs_full_disk_message_becomes_the_same_clear_error(root, monkeypatch):
    def full(obj, f, *a, **k):
        with open(f, "wb") as out:
            out.write(b"PK")
        raise RuntimeError("[enforce fail at inline_container.cc:603] . unexpected pos 896 vs 790")

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(CacheError, match="most likely the disk is full") as err:
        run_w2s(tiny())
    assert str(root / "features") in str(err.value) and "W2S_EDU_CACHE" in str(err.value)
    assert list((root / "features").iterdir()) == []


def test_other_write_errors_pass_through_and_outputs_outside_the_cache_do_not_blame_it(root, tmp_path):
    def broken(tmp):
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        cache.atomic_write(cache.cache_dir("runs") / "x.npz", broken)
    assert list((root / "runs").iterdir()) == []

    def full(tmp):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(CacheError, match="No space left") as err:
        cache.atomic_write(tmp_path / "out" / "results.json", full)
    assert "W2S_EDU_CACHE" not in str(err.value) and list((tmp_path / "out").iterdir()) == []


# ------------------------------------------------------------------------------------- w2s-edu cache
def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="w2s-edu cache")
    cache_cli.add_arguments(parser)
    return cache_cli.run_from_args(parser.parse_args(list(argv)))


def test_the_cache_command_shows_the_cache_and_clears_one_kind_or_all(root, capsys):
    assert cli() == 0
    assert "does not exist yet" in capsys.readouterr().out
    run_w2s(tiny())
    (root / "runs" / "0123old.npz").write_bytes(b"x" * 2048)  # cached before sidecars existed
    assert cli() == 0
    out = capsys.readouterr().out
    assert f"cache: {root}" in out and "total:" in out and "free on its disk" in out
    assert re.search(r"features/\s+[\d.]+ KiB\s+2 files", out), out
    assert re.search(r"runs/\s+[\d.]+ KiB\s+4 files", out), out
    assert re.search(r"minilm-l1\s+[\d.]+ KiB\s+\(features 1, runs 1\)", out), out
    assert re.search(r"minilm-l2\s+[\d.]+ KiB\s+\(features 1, runs 2\)", out), out
    assert "1 file(s) (2.0 KiB) are not attributed to a model" in out

    assert cli("--clear", "runs") == 0
    out = capsys.readouterr().out
    assert "removed runs/: 4 file(s)" in out
    assert not (root / "runs").exists() and len(list((root / "features").glob("*.pt"))) == 2
    assert cli("--clear", "nonsense") == 2
    assert "choose all or one of" in capsys.readouterr().err
    assert cli("--clear", "all") == 0
    out = capsys.readouterr().out
    assert "removed features/: 2 file(s)" in out and "the folder itself stays" in out
    assert root.is_dir() and list(root.iterdir()) == []


def test_clear_model_removes_that_models_features_and_runs_only(root, capsys, calls):
    first = run_w2s(tiny())
    (root / "runs" / "0123old.npz").write_bytes(b"x")
    assert cli("--clear-model", "minilm-l1") == 0
    out = capsys.readouterr().out
    assert "removed 2 cached file(s) of minilm-l1" in out and "features 1, runs 1" in out
    assert "not attributed to any model and were kept" in out
    left = {cache.read_meta(f)["model"] for kind in ("features", "runs") for f in (root / kind).glob("*.*[zt]")
            if cache.read_meta(f)}
    assert left == {"minilm-l2"}
    sidecars = list(root.rglob(f"*{cache.META_SUFFIX}"))
    assert all(s.with_name(s.name[: -len(cache.META_SUFFIX)]).exists() for s in sidecars)  # no orphans left
    calls.update(train=0, encode=0)
    second = run_w2s(tiny())
    assert calls == {"train": 1, "encode": 1}  # minilm-l1 again: its features and the weak model; the rest hit
    assert numbers(second) == numbers(first)
    assert cli("--clear-model", "minilm-l5") == 0
    assert "no cached features or runs of minilm-l5 (models in the cache: minilm-l1, minilm-l2)" in \
        capsys.readouterr().out


def test_the_cache_command_says_what_is_wrong_with_the_folder(tmp_path, monkeypatch, capsys):
    file = tmp_path / "file"
    file.write_text("x")
    monkeypatch.setenv("W2S_EDU_CACHE", str(file))
    assert cli() == 2
    assert "is a file, not a folder" in capsys.readouterr().err
