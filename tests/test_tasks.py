"""Tests for w2s_edu.tasks.registry: offline task generation, hf: loading and validation."""

import datasets
import huggingface_hub.constants
import pytest

from w2s_edu.tasks import registry as tasks
from w2s_edu.tasks.registry import DEFAULT_TASK, describe_tasks, get_task, list_tasks, validate_task_dataset

ALL_TASKS = list_tasks()


def test_registry_lists_the_offline_tasks():
    assert {"cities", "continents", "capitals", "borders"} <= set(ALL_TASKS)
    assert ALL_TASKS == sorted(ALL_TASKS)
    assert DEFAULT_TASK in ALL_TASKS
    descriptions = describe_tasks()
    assert set(descriptions) == set(ALL_TASKS)
    for name, line in descriptions.items():
        assert f"({len(get_task(name))} examples)" in line
        assert "\n" not in line


@pytest.mark.parametrize("name", ALL_TASKS)
def test_task_builds_balanced_binary_dataset(name):
    ds = get_task(name)
    assert isinstance(ds, datasets.Dataset)
    assert {"text", "label"} <= set(ds.column_names)
    assert len(ds) >= 100
    labels = ds["label"]
    assert set(labels) == {0, 1}
    assert abs(2 * sum(labels) - len(labels)) <= 1  # balanced to within one example
    assert all(isinstance(t, str) and t.strip() for t in ds["text"])
    assert len(set(ds["text"])) == len(ds)  # no duplicate statements


@pytest.mark.parametrize("name", ALL_TASKS)
def test_task_is_deterministic_for_a_seed(name):
    # Build directly (bypassing the cache) to check that generation itself is deterministic.
    builder = tasks._REGISTRY[name].builder
    assert builder(3)["text"] == builder(3)["text"]
    assert get_task(name, seed=0)["text"] != get_task(name, seed=1)["text"]


def test_cities_subjects_appear_once():
    ds = get_task("cities")
    assert len(set(ds["subject"])) == len(ds)  # so no city is in a true and a false statement
    assert 10_000 <= len(ds) <= 12_000
    row = ds[0]
    assert row["text"] == f"The city of {row['subject']} is in {row['object']}."


def test_statements_look_right():
    # Over a few seeds France gets a true and a false capital statement.
    seen = set()
    for seed in range(10):
        ds = get_task("capitals", seed=seed)
        (row,) = [r for r in ds if r["subject"] == "France"]
        if row["label"] == 1:
            assert row["text"] == "Paris is the capital of France."
        else:
            assert row["object"] != "Paris" and row["text"].endswith("is the capital of France.")
        seen.add(row["label"])
    assert seen == {0, 1}

    borders = get_task("borders")
    assert {"France borders Spain.", "Spain borders France."} & set(borders.filter(
        lambda r: r["label"] == 1)["text"])
    continents = set(get_task("continents")["object"])
    assert continents == {"Africa", "Asia", "Europe", "North America", "Oceania", "South America"}


def test_unknown_task_lists_available_tasks():
    with pytest.raises(ValueError) as err:
        get_task("no-such-task")
    message = str(err.value)
    assert all(name in message for name in ALL_TASKS)
    assert "hf:" in message


def test_hf_local_saved_dataset_with_renamed_columns(tmp_path):
    path = tmp_path / "saved"
    rows = [{"sentence": "The sky is green.", "label": 0}, {"sentence": "Water is wet.", "label": 1}]
    datasets.Dataset.from_list(rows).save_to_disk(str(path))
    ds = get_task(f"hf:{path}", text_column="sentence")
    assert ds["text"] == ["The sky is green.", "Water is wet."]
    assert ds["label"] == [0, 1]
    assert "sentence" not in ds.column_names


def test_hf_local_dataset_dict_split_selection(tmp_path):
    path = tmp_path / "saved_dict"
    dd = datasets.DatasetDict({
        "train": datasets.Dataset.from_list([{"text": "a", "y": 1}, {"text": "b", "y": 0}]),
        "validation": datasets.Dataset.from_list([{"text": "c", "y": 1.0}]),
    })
    dd.save_to_disk(str(path))
    ds = get_task(f"hf:{path}", label_column="y", split="validation")
    assert ds["text"] == ["c"]
    assert ds["label"] == [1] and ds.features["label"].dtype == "int64"  # 1.0 -> 1
    with pytest.raises(ValueError, match="validation"):
        get_task(f"hf:{path}", label_column="y", split="test")


@pytest.mark.parametrize("rows, expected", [
    ([{"text": "a", "y": 1}], "missing column"),
    ([{"text": "a", "label": 1}, {"text": "b", "label": None}], "no label"),
    ([{"text": "a", "label": 0}, {"text": "b", "label": 1}, {"text": "c", "label": 2}],
     r"labels must be 0/1 \(binary\); found \[0, 1, 2\]"),
    ([{"text": "a", "label": 0.0}, {"text": "b", "label": 0.5}], r"found \[0.0, 0.5\]"),
    ([{"text": "a", "label": 1}, {"text": "  ", "label": 0}], "empty"),
])
def test_validation_errors(rows, expected):
    with pytest.raises(ValueError, match=expected):
        validate_task_dataset(datasets.Dataset.from_list(rows), "toy")


def test_validation_applies_to_hf_tasks(tmp_path):
    path = tmp_path / "bad"
    datasets.Dataset.from_list([{"text": "a", "label": 3}]).save_to_disk(str(path))
    with pytest.raises(ValueError, match="0/1"):
        get_task(f"hf:{path}")


def test_hub_unreachable_when_offline(monkeypatch):
    # `datasets` reads HF_HUB_OFFLINE when it is imported, so set its copy as well:
    # in offline mode it fails at once instead of retrying the network.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(RuntimeError) as err:
        get_task("hf:someone/nonexistent-dataset")
    assert "unreachable" in str(err.value)
    assert all(name in str(err.value) for name in ALL_TASKS)
