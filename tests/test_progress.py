"""Check results are recorded (latest per exercise, attempts, passes, first pass) and ``w2s-edu progress``
shows them per lesson: not-tried exercises too, ``--lesson``, ``--json``, ``--file``, ``--reset``; a corrupt
file is one ``error:`` line (exit 2); an unwritable file never breaks a checker; ``off`` records nothing."""

from __future__ import annotations

import importlib
import json
import sys
import warnings
from pathlib import Path

import pytest

import w2s_edu.checks as checks
from w2s_edu.checks import ProgressWarning, exercises, load_progress, progress_path
from w2s_edu.checks.lesson00 import check_pgr
from w2s_edu.cli.main import main

NAN = float("nan")


def right(weak, w2s, ceiling):
    return (w2s - weak) / (ceiling - weak) if ceiling > weak else NAN


def wrong(weak, w2s, ceiling):  # the denominator a learner often writes
    return (w2s - weak) / (ceiling - w2s) if ceiling != w2s else NAN


def boom(*args):
    raise RuntimeError("boom from the learner's code")


@pytest.fixture
def progress(tmp_path, monkeypatch) -> Path:
    """A fresh progress file for this test (recording on, wherever the suite sets it)."""
    path = tmp_path / "data" / "progress.json"
    monkeypatch.setenv("W2S_EDU_PROGRESS", str(path))
    monkeypatch.setattr(checks, "_warned", False)
    return path


def fail(check, fn) -> AssertionError:
    with pytest.raises(AssertionError) as info:
        check(fn)
    return info.value


# ------------------------------------------------------------------------------------------ recording
def test_a_pass_and_a_failure_are_recorded(progress, capsys):
    check_pgr(right)
    assert "passed" in capsys.readouterr().out
    entry = load_progress(progress)["00"]["pgr"]
    assert entry["passed"] is True and entry["message"] is None
    assert entry["attempts"] == entry["passes"] == 1 and entry["first_passed"] == entry["when"]

    error = fail(check_pgr, wrong)
    entry = load_progress(progress)["00"]["pgr"]
    assert entry["passed"] is False and entry["attempts"] == 2 and entry["passes"] == 1
    assert entry["message"] == str(error).splitlines()[0] and entry["message"].startswith("pgr(")
    assert "\n" not in entry["message"]


def test_the_latest_result_wins_and_the_first_pass_is_kept(progress):
    fail(check_pgr, boom)
    entry = load_progress(progress)["00"]["pgr"]
    assert entry["first_passed"] is None and "raised RuntimeError: boom" in entry["message"]
    check_pgr(right)
    first = load_progress(progress)["00"]["pgr"]["when"]
    fail(check_pgr, wrong)
    check_pgr(right)
    entry = load_progress(progress)["00"]["pgr"]
    assert entry["passed"] is True and entry["message"] is None
    assert (entry["attempts"], entry["passes"], entry["first_passed"]) == (4, 2, first)
    assert json.loads(progress.read_text())["w2s_edu_progress"] == 1
    assert not list(progress.parent.glob(".*.tmp"))  # written through a temporary file, renamed into place


def test_a_checker_shared_by_two_lessons_records_under_the_lesson_it_was_imported_from(progress):
    lesson02 = importlib.import_module("w2s_edu.checks.lesson02")
    lesson02.check_pgr(right)
    assert set(load_progress(progress)) == {"02"}
    check_pgr(right)
    assert set(load_progress(progress)) == {"00", "02"}


def test_every_checker_of_every_lesson_records_and_is_listed():
    listed = exercises()
    assert sorted(listed) == [f"{n:02d}" for n in range(10)] and all(listed.values())
    for lesson, names in listed.items():
        module = importlib.import_module(f"w2s_edu.checks.lesson{lesson}")
        found = [n[len("check_"):] for n in vars(module) if n.startswith("check_")]
        assert sorted(found) == sorted(names), lesson
        for name in names:
            fn = getattr(module, f"check_{name}")
            assert hasattr(fn, "__w2s_unrecorded__") and fn.__name__ == f"check_{name}", (lesson, name)


def test_off_records_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("W2S_EDU_PROGRESS", "off")
    assert progress_path() is None
    check_pgr(right)
    fail(check_pgr, wrong)
    assert not list(tmp_path.rglob("*"))
    assert main(["progress"]) == 0
    assert "recording is off" in capsys.readouterr().out


def test_the_default_file_is_in_the_users_data_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("W2S_EDU_PROGRESS", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert progress_path() == tmp_path / "xdg" / "w2s-edu" / "progress.json"
    check_pgr(right)
    assert load_progress(tmp_path / "xdg" / "w2s-edu" / "progress.json")["00"]["pgr"]["passed"]
    assert main(["progress", "--lesson", "00"]) == 0
    assert "lesson 00: 1 of 1 exercises pass" in capsys.readouterr().out
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")  # the XDG spec: only absolute paths count
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress_path() == tmp_path / ".local" / "share" / "w2s-edu" / "progress.json"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert progress_path() == tmp_path / "Library" / "Application Support" / "w2s-edu" / "progress.json"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "AppData" / "Local"))
    assert progress_path() == tmp_path / "AppData" / "Local" / "w2s-edu" / "progress.json"


def test_an_unwritable_file_never_breaks_a_checker_and_warns_once(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("W2S_EDU_PROGRESS", str(blocker / "progress.json"))
    monkeypatch.setattr(checks, "_warned", False)
    with pytest.warns(ProgressWarning, match="not recorded") as caught:
        check_pgr(right)
        error = fail(check_pgr, boom)
        check_pgr(right)
    assert len(caught) == 1 and "W2S_EDU_PROGRESS" in str(caught[0].message)
    assert capsys.readouterr().out.count("passed") == 2
    assert "raised RuntimeError: boom" in str(error) and error.__cause__ is None  # the failure is unchanged


def test_a_corrupt_file_is_left_alone_by_the_checkers(progress):
    progress.parent.mkdir(parents=True)
    progress.write_text("{ not json")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_pgr(right)
    assert progress.read_text() == "{ not json" and [w.category for w in caught] == [ProgressWarning]


# ------------------------------------------------------------------------------------------ the command
def test_progress_shows_each_lesson_with_the_exercises_not_tried(progress, capsys):
    check_pgr(right)
    fail(importlib.import_module("w2s_edu.checks.lesson02").check_pgr, wrong)
    capsys.readouterr()
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert str(progress) in out and "lesson 00: 1 of 1 exercises pass" in out
    assert "lesson 02: 0 of 5 exercises pass" in out and "last message: pgr(" in out
    assert all(f"lesson {le}:" in out for le in exercises())
    row = next(line for line in out.splitlines() if line.split()[:1] == ["bradley_terry_loss"])
    assert "not tried" in row and " 0 " in row
    total = sum(map(len, exercises().values()))
    assert f"all lessons: 1 of {total} exercises pass" in out


def test_lesson_shows_one_lesson(progress, capsys):
    check_pgr(right)
    assert main(["progress", "--lesson", "0"]) == 0
    out = capsys.readouterr().out
    assert "lesson 00: 1 of 1 exercises pass" in out and "lesson 01" not in out and "all lessons" not in out
    assert main(["progress", "--lesson", "lesson03"]) == 0
    assert "lesson 03: 0 of 7 exercises pass" in capsys.readouterr().out
    assert main(["progress", "--lesson", "42"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --lesson 42") and "00, 01" in err[0]


def test_json_lists_every_exercise_for_a_tutor(progress, capsys):
    check_pgr(right)
    fail(check_pgr, wrong)
    check_pgr(right)
    capsys.readouterr()
    assert main(["progress", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["file"] == str(progress) and report["found"] and report["passing"] == 1
    assert [le["lesson"] for le in report["lessons"]] == list(exercises())
    (pgr,) = report["lessons"][0]["exercises"]
    assert (pgr["exercise"], pgr["status"], pgr["attempts"], pgr["passes"]) == ("pgr", "passed", 3, 2)
    assert pgr["last_attempt"] and pgr["first_passed"] and pgr["message"] is None
    statuses = {r["status"] for le in report["lessons"][1:] for r in le["exercises"]}
    assert statuses == {"not tried"}
    assert main(["progress", "--json", "--lesson", "02"]) == 0
    assert [le["lesson"] for le in json.loads(capsys.readouterr().out)["lessons"]] == ["02"]


def test_file_reads_someone_elses_progress(progress, tmp_path, capsys):
    check_pgr(right)
    other = tmp_path / "alice.json"
    progress.rename(other)
    capsys.readouterr()
    assert main(["progress", "--file", str(other), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lessons"][0]["passing"] == 1


def test_a_missing_file_is_a_friendly_line(progress, capsys):
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no checks recorded yet") and "run a lesson's check cells" in out
    assert main(["progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["found"] is False


@pytest.mark.parametrize("text", ["{ not json", '{"results": [1, 2]}', '{"results": {"00": {"pgr": {}}}}', "[]"])
def test_a_corrupt_file_is_one_error_line_and_exit_2(tmp_path, capsys, text):
    bad = tmp_path / "progress.json"
    bad.write_text(text)
    assert main(["progress", "--file", str(bad)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and str(bad) in err[0], err
    assert "--reset" in err[0] and not captured.out


def test_reset_removes_everything_or_one_lesson_and_says_what(progress, capsys):
    check_pgr(right)
    importlib.import_module("w2s_edu.checks.lesson02").check_pgr(right)
    capsys.readouterr()
    assert main(["progress", "--reset", "--lesson", "02"]) == 0
    assert "removed lesson 02" in capsys.readouterr().out and set(load_progress(progress)) == {"00"}
    assert main(["progress", "--reset", "--lesson", "02"]) == 0
    assert "nothing to reset" in capsys.readouterr().out
    assert main(["progress", "--reset"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"removed {progress}") and "lesson 00: 1 exercise (pgr)" in out
    assert not progress.exists()
    assert main(["progress", "--reset"]) == 0
    assert "nothing to reset" in capsys.readouterr().out


def test_reset_removes_a_corrupt_file_whole(progress, capsys):
    progress.parent.mkdir(parents=True)
    progress.write_text("garbage")
    assert main(["progress", "--reset", "--lesson", "00"]) == 2  # cannot forget part of what it cannot read
    assert progress.exists() and capsys.readouterr().err.startswith("error: ")
    assert main(["progress", "--reset"]) == 0
    assert "not a readable progress file" in capsys.readouterr().out and not progress.exists()
