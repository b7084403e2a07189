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


def test_the_showcase_record_measures_the_preset_on_fresh_seeds_and_meets_the_target():
    # benchmarks/showcase.py writes it; the preset was chosen on seeds 0-2, so these seeds are fresh
    from w2s_edu.config import PRESETS
    from w2s_edu.experiment.metrics import pgr

    record = measured("showcase")
    assert record["preset"] == PRESETS["showcase"], "the record measured another setting: rerun benchmarks/showcase.py"
    seeds = record["seeds"]
    assert len(seeds) >= 5 and not set(seeds) & {0, 1, 2}, "at least 5 seeds, none of the development seeds"
    mean = lambda v: sum(v) / len(v)  # noqa: E731
    weak, ceiling = mean(record["weak_acc"]), mean(record["ceiling_acc"])
    assert ceiling - weak >= 0.10, "the target: a gap of at least 10 points"
    xent = next(r for r in record["rows"] if r["loss"] == "xent")
    assert len(xent["w2s_acc"]) == len(xent["pgr"]["per_seed"]) == len(seeds)
    assert math.isclose(xent["pgr"]["mean"], pgr(weak, mean(xent["w2s_acc"]), ceiling), abs_tol=1e-9)
    low, high = xent["pgr"]["ci"]
    assert low <= xent["pgr"]["mean"] <= high
    assert xent["pgr"]["mean"] >= 0.35 and low >= 0.15, "the target: PGR at least 0.35, its interval above 0.15"
    for row in record["rows"]:
        if row["loss"] != "xent":
            d = row["vs_xent"]
            assert d["acc_ci"][0] <= d["acc_diff"] <= d["acc_ci"][1]
            assert math.isclose(d["acc_diff"], mean(row["w2s_acc"]) - mean(xent["w2s_acc"]), abs_tol=1e-9)
    from w2s_edu.experiment.results import W2SResult

    shown = W2SResult.from_dict(record["result"])  # what lesson 00 prints and plots
    assert shown.weak_acc == record["weak_acc"] and shown.w2s_acc["xent"] == xent["w2s_acc"]
    assert shown.config["task"] == PRESETS["showcase"]["task"] and shown.seeds == seeds
    assert "showcase" in shown.table() or "reward" in shown.table()
