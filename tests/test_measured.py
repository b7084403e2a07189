"""The measurements shipped with the package (w2s_edu.data.measured): where each comes from, and that
each one a lesson or the README quotes holds what they say it holds."""

import math

import pytest

from w2s_edu.data import MEASURED_DIR, measured


def test_every_measurement_says_where_it_comes_from():
    files = sorted(MEASURED_DIR.glob("*.json"))
    assert files, "no shipped measurements"
    for path in files:
        record = measured(path.stem)
        assert record["command"].startswith("python benchmarks/"), path.name
        assert record["date"] and record["machine"] and record["rows"], path.name


def test_unknown_measurement_names_the_shipped_ones():
    with pytest.raises(FileNotFoundError, match="confidence_loss"):
        measured("no_such_measurement")


def test_confidence_loss_measurement_is_paired_over_five_fresh_seeds():
    rows = measured("confidence_loss")["rows"]
    gaps = {row["gap"] for row in rows}
    assert {"large", "small", "default"} <= gaps
    for row in rows:
        assert len(row["seeds"]) >= 5 and min(row["seeds"]) >= 10, "report on fresh seeds, at least 5"
        assert len(row["w2s_acc"]) == len(row["weak_acc"]) == len(row["ceiling_acc"]) == len(row["seeds"])
        if row["loss"] == "xent":
            assert "vs_xent" not in row
            continue
        d = row["vs_xent"]
        low, high = d["acc_ci"]
        assert low <= d["acc_diff"] <= high
        xent = next(r for r in rows if r["gap"] == row["gap"] and r["loss"] == "xent")
        mean = lambda v: sum(v) / len(v)  # noqa: E731
        assert math.isclose(d["acc_diff"], mean(row["w2s_acc"]) - mean(xent["w2s_acc"]), abs_tol=1e-9)
        assert 0 <= d["wins"] <= len(row["seeds"])
    weak = {row["gap"]: sum(row["weak_acc"]) / len(row["weak_acc"]) for row in rows}
    ceiling = sum(rows[0]["ceiling_acc"]) / len(rows[0]["ceiling_acc"])
    assert ceiling - weak["large"] > ceiling - weak["default"] > ceiling - weak["small"], "gaps in the stated order"
