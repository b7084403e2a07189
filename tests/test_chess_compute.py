"""The compute ladder: checkpoints of one pretraining run measured as supervisors and student
(a tiny run built here, offline), and the shipped record's acceptance."""

import numpy as np
import pytest

from w2s_edu.chess.build import main as build_main
from w2s_edu.chess.compute import format_compute_ladder, measure_compute_ladder
from w2s_edu.models.registry import chess_checkpoint


def _tiny_ladder(tmp_path):
    from w2s_edu.chess.pretrain_data import write_positions
    from w2s_edu.chess.selfplay import MaterialEngine, SelfPlayConfig, play_game

    cfg = SelfPlayConfig(depth=1, multipv=4, max_plies=30, min_ply=4)
    rows = [r | {"game": g * 10 + 1} for g in range(2) for r in play_game(MaterialEngine(), cfg, g)]
    rows += [r | {"game": 20} for r in play_game(MaterialEngine(), cfg, 5)]  # game 20 is held out for validation
    path = write_positions(rows, tmp_path / "pos.jsonl.gz")
    assert build_main(["--positions", str(path), "--out", str(tmp_path / "out"), "--sizes", "chess-c:1x16",
                       "--steps", "8", "--batch-size", "8", "--snapshots", "0,25,50"]) == 0
    return str(tmp_path / "out" / "chess-c")


def test_compute_ladder_measurement_end_to_end(tmp_path):
    rung = _tiny_ladder(tmp_path)
    record = measure_compute_ladder(percents=(0, 25, 50, 100), rung=rung, dev_seeds=(0,), fresh_seeds=(1, 2),
                                    recipes=(("probe", {}), ("finetune", {"lr": 1e-3})), choose_above=-1.0,
                                    n_train_weak=40, n_train_strong=60, n_test=40, epochs=1.0, probe_epochs=3.0,
                                    show_progress=False)
    names = [chess_checkpoint(rung, p) for p in (0, 25, 50, 100)]
    assert record["checkpoints"] == names
    # the choices were made on the development seed's validation split, never on the test puzzles
    assert set(record["ceiling_recipe"]["validation"]) == {f"{names[-1]} (probe)", f"{names[-1]} (finetune, lr 0.001)"}
    for res in [*record["ceiling_recipe"]["validation"].values(), *record["supervisor_choice"]["validation"].values()]:
        assert [p["seed"] for p in res["per_seed"]] == [0] and "multiple_choice" not in res
    assert f"{names[0]} (probe)" not in record["supervisor_choice"]["validation"]  # 0%: a reference, never chosen
    assert record["weak"] == f"{names[1]} (probe)"  # least compute (every candidate qualifies here)
    # the report is on fresh seeds, every checkpoint as a probe plus the chosen ceiling
    for key, res in record["rungs"].items():
        assert [p["seed"] for p in res["per_seed"]] == [1, 2]
        assert res["binary"]["mean"] == pytest.approx(np.mean([p["binary"] for p in res["per_seed"]]))
    weak, strong = record["rungs"][record["weak"]], record["rungs"][record["strong"]]
    assert strong["model"] == names[-1] and record["ceiling_recipe"]["chosen"] in (record["strong"],
                                                                                   f"{names[-1]} (probe)")
    assert record["gap"] == pytest.approx(strong["binary"]["mean"] - weak["binary"]["mean"])
    assert record["accepted"] is bool(record["gap"] >= 0.08 and weak["binary"]["mean"] - 0.5 >= 0.03)
    boot = record["bootstrap"]
    assert boot["chain"] == names[1:] and len(boot["per_seed"]) == 2
    diff = boot["bootstrap_minus_direct"]
    per_seed = [p["bootstrap"] - p["direct"] for p in boot["per_seed"]]
    assert diff["per_seed"] == pytest.approx(per_seed) and diff["acc_ci"][0] <= diff["acc_diff"] <= diff["acc_ci"][1]
    by_sup = record["pgr_by_supervisor"]
    assert list(by_sup) == names[1:-1]  # every checkpoint with some compute, below the student
    for r in by_sup.values():
        assert len(r["weak"]) == len(r["student"]) == len(r["ceiling"]) == 2
        assert r["gap"] == pytest.approx(np.mean(r["ceiling"]) - np.mean(r["weak"]))
        assert len(r["pgr"]["per_seed"]) == 2 and len(r["pgr"]["ci"]) == 2
    text = format_compute_ladder(record)
    assert "bootstrap - direct" in text and ("ACCEPTED" in text or "NOT accepted" in text)


def test_a_supervisor_must_beat_chance_on_validation(tmp_path):
    rung = _tiny_ladder(tmp_path)
    with pytest.raises(RuntimeError, match="beats chance"):
        measure_compute_ladder(percents=(0, 25, 100), rung=rung, dev_seeds=(0,), fresh_seeds=(1,),
                               recipes=(("probe", {}),), choose_above=0.6, n_train_weak=20, n_train_strong=20,
                               n_test=20, probe_epochs=2.0, show_progress=False)


def test_the_shipped_compute_ladder_record_follows_its_protocol():
    """compute_ladder.json is the measurement of the shipped chess-c checkpoints: choices made on
    development seeds, the report on at least 5 fresh ones, and ``accepted`` follows from its numbers.
    (The CPU-pretrained ladder measured a 5.1-point gap, below the 8 required: it is recorded as NOT
    accepted, and this test holds the record to that.)"""
    from w2s_edu.chess.compute import MIN_ABOVE_CHANCE, compute_ladder_metadata
    from w2s_edu.models.registry import CHESS_COMPUTE_LADDER, rung_metadata

    record = compute_ladder_metadata()
    assert record["checkpoints"] == list(CHESS_COMPUTE_LADDER)
    assert len(record["fresh_seeds"]) >= 5 and not set(record["fresh_seeds"]) & set(record["dev_seeds"])
    assert record["config"]["seeds"] == record["fresh_seeds"]
    for section in ("ceiling_recipe", "supervisor_choice"):
        for res in record[section]["validation"].values():
            assert [p["seed"] for p in res["per_seed"]] == record["dev_seeds"]
    recipes = record["ceiling_recipe"]["validation"]
    assert record["ceiling_recipe"]["chosen"] == max(recipes, key=lambda k: recipes[k]["binary"]["mean"])
    weak, strong = record["rungs"][record["weak"]], record["rungs"][record["strong"]]
    assert record["weak"] == record["supervisor_choice"]["chosen"] and strong["model"] == CHESS_COMPUTE_LADDER[-1]
    for res in record["rungs"].values():
        assert [p["seed"] for p in res["per_seed"]] == record["fresh_seeds"]
        assert res["binary"]["mean"] == pytest.approx(np.mean([p["binary"] for p in res["per_seed"]]))
        assert 0.0 <= res["multiple_choice"]["mean"] <= 1.0
    assert record["gap"] == pytest.approx(strong["binary"]["mean"] - weak["binary"]["mean"])
    assert record["above_chance"] == pytest.approx(weak["binary"]["mean"] - 0.5)
    assert record["min_gap"] == 0.08 and record["min_above_chance"] == MIN_ABOVE_CHANCE == 0.03
    assert record["accepted"] is bool(record["gap"] >= 0.08 and record["above_chance"] >= 0.03)
    assert record["gap"] > 0 and record["above_chance"] >= 0.03  # the student's ceiling is above its supervisor
    supervisors = record["supervisor_choice"]["validation"]
    chosen = supervisors[record["supervisor_choice"]["chosen"]]["binary"]["mean"]
    order = record["checkpoints"].index
    assert chosen >= 0.545  # the least compute at 4.5 points above chance on validation
    assert all(v["binary"]["mean"] < 0.545 for v in supervisors.values() if order(v["model"]) < order(weak["model"]))
    probes = [record["rungs"][f"{n} (probe)"]["binary"]["mean"] for n in CHESS_COMPUTE_LADDER]
    assert probes[-1] - probes[1] > 0.08  # more pretraining compute, a better probe: the ladder's premise
    # each checkpoint is one run's encoder at a share of its steps
    metas = [rung_metadata(n) for n in CHESS_COMPUTE_LADDER]
    assert [m["compute_fraction"] for m in metas] == [p / 100 for p in record["percents"]]
    assert len({m["parameters"] for m in metas}) == 1 and metas[-1]["seconds"] > 0
    boot = record["bootstrap"]
    assert boot["chain"][0] == weak["model"] and boot["chain"][-1] == strong["model"] and len(boot["chain"]) >= 3
    diff = boot["bootstrap_minus_direct"]
    assert diff["per_seed"] == pytest.approx([p["bootstrap"] - p["direct"] for p in boot["per_seed"]])
    assert len(diff["per_seed"]) == len(record["fresh_seeds"])
    assert diff["acc_ci"][0] <= diff["acc_diff"] <= diff["acc_ci"][1]
    for name, r in record["pgr_by_supervisor"].items():
        assert len(r["weak"]) == len(record["fresh_seeds"])
        assert r["pgr"]["mean"] == pytest.approx((np.mean(r["student"]) - np.mean(r["weak"])) / r["gap"])


def test_the_plots_of_the_compute_ladder_and_of_pgr_by_gap(tmp_path):
    """A hand-made record draws; the text side comes from the shipped measurements, with their intervals."""
    import matplotlib

    matplotlib.use("Agg")
    from w2s_edu.chess.compute import chess_pgr_points, text_pgr_points
    from w2s_edu.report import plot_compute_ladder, plot_pgr_by_gap, save_figure

    names = [chess_checkpoint("chess-c", p) for p in (0, 3, 100)]

    def rung(name, mode, accs):
        return {"model": name, "mode": mode, "per_seed": [{"seed": s, "binary": a} for s, a in enumerate(accs)],
                "binary": {"mean": float(np.mean(accs)), "std": float(np.std(accs, ddof=1)), "n": len(accs)}}

    rungs = {f"{n} (probe)": rung(n, "probe", accs) for n, accs in zip(names, ([.5, .52], [.55, .56], [.62, .64]))}
    rungs[f"{names[-1]} (finetune)"] = rung(names[-1], "finetune", [.66, .65])
    pgr = {"mean": 0.4, "ci": [0.1, 0.7], "per_seed": [0.3, 0.5]}
    record = {"rung": "chess-c", "percents": [0, 3, 100], "checkpoints": names, "rungs": rungs,
              "weak": f"{names[1]} (probe)", "strong": f"{names[-1]} (finetune)", "fresh_seeds": [10, 11],
              "pgr_by_supervisor": {names[1]: {"weak": [.55, .56], "gap": 0.1, "pgr": pgr}}}
    fig = plot_compute_ladder(record)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0%", "3%", "100%"]
    save_figure(fig, tmp_path / "ladder.png")
    text = text_pgr_points()
    assert text[0]["label"] == "showcase" and text[0]["seeds"] >= 5 and len(text) >= 2
    assert all(p["ci"][0] <= p["pgr"] <= p["ci"][1] for p in text)
    points = chess_pgr_points(record) + text
    assert points[0] == {"setting": "chess", "label": "3pct", "gap": 0.1, "pgr": 0.4, "ci": [0.1, 0.7], "seeds": 2}
    fig = plot_pgr_by_gap(points)
    assert {t.get_text() for t in fig.axes[0].get_legend().get_texts()} == {"chess", "text"}
    save_figure(fig, tmp_path / "pgr.png")
    assert (tmp_path / "ladder.png").stat().st_size > 1000 and (tmp_path / "pgr.png").stat().st_size > 1000
