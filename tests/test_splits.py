"""Tests for w2s_edu.tasks.splits: disjoint, balanced, seeded weak-to-strong splits."""

import datasets
import pytest

from w2s_edu.tasks.splits import SPLIT_NAMES, describe_splits, split_by_group, split_task
from w2s_edu.tasks.registry import get_task


def toy_dataset(n_pos=60, n_neg=40, n_duplicates=5):
    """A small task with unequal classes and a few duplicated texts."""
    rows = [{"text": f"true statement {i}", "label": 1} for i in range(n_pos)]
    rows += [{"text": f"false statement {i}", "label": 0} for i in range(n_neg)]
    rows += [{"text": f"true statement {i}", "label": 1} for i in range(n_duplicates)]
    return datasets.Dataset.from_list(rows)


def check_parts(dd, sizes):
    assert tuple(dd) == SPLIT_NAMES
    for name, n in zip(SPLIT_NAMES, sizes):
        part = dd[name]
        assert len(part) == n
        assert part["label"].count(0) == n // 2 and part["label"].count(1) == n - n // 2
    idx = [set(dd[name]["idx"]) for name in SPLIT_NAMES]
    texts = [set(dd[name]["text"]) for name in SPLIT_NAMES]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not idx[i] & idx[j]
            assert not texts[i] & texts[j]
    for name in SPLIT_NAMES:  # no duplicate texts inside a part either
        assert len(texts[SPLIT_NAMES.index(name)]) == len(dd[name])


def test_sizes_exact_balanced_and_disjoint():
    ds = toy_dataset()
    dd = split_task(ds, n_train_weak=20, n_train_strong=31, n_test=10, seed=0)
    check_parts(dd, (20, 31, 10))
    for name in SPLIT_NAMES:  # idx points back at the original row
        for row in dd[name]:
            assert ds[row["idx"]]["text"] == row["text"]


def test_real_task_split():
    dd = split_task(get_task("cities"), 1000, 1000, 500, seed=1)
    check_parts(dd, (1000, 1000, 500))
    assert "positive" in describe_splits(dd) and "train_weak" in describe_splits(dd)


def test_rows_are_shuffled_within_parts():
    labels = split_task(toy_dataset(), 30, 30, 20)["train_weak"]["label"]
    assert labels != sorted(labels) and labels != sorted(labels, reverse=True)


def test_same_seed_same_splits_other_seed_differs():
    ds = toy_dataset()
    a = split_task(ds, 20, 20, 20, seed=7)
    b = split_task(ds, 20, 20, 20, seed=7)
    c = split_task(ds, 20, 20, 20, seed=8)
    for name in SPLIT_NAMES:
        assert a[name]["idx"] == b[name]["idx"]
    assert any(a[name]["idx"] != c[name]["idx"] for name in SPLIT_NAMES)


def test_none_sizes_use_thirds():
    dd = split_task(toy_dataset(n_pos=60, n_neg=40))
    # 40 negatives limit balanced parts to 13 per class each: 3 parts of 26.
    check_parts(dd, (26, 26, 26))
    dd = split_task(toy_dataset(n_pos=60, n_neg=40), n_test=20)  # the rest is shared
    check_parts(dd, (30, 30, 20))


def test_too_large_sizes_raise_with_counts():
    with pytest.raises(ValueError) as err:
        split_task(toy_dataset(n_pos=60, n_neg=40), 40, 40, 10)
    message = str(err.value)
    assert "needs 45 examples of class 0" in message
    assert "40 of class 0 and 60 of class 1" in message  # available
    assert "smaller" in message


@pytest.mark.parametrize("bad", [0, -5, 2.5, "10", True])
def test_non_positive_or_non_int_sizes_raise(bad):
    with pytest.raises(ValueError, match="positive int"):
        split_task(toy_dataset(), n_train_weak=bad, n_train_strong=10, n_test=10)


def test_existing_idx_column_is_kept():
    ds = toy_dataset().map(lambda row, i: {"idx": 1000 + i}, with_indices=True)
    dd = split_task(ds, 10, 10, 10)
    assert min(dd["test"]["idx"]) >= 1000


def test_split_by_group_needs_a_group_column():
    with pytest.raises(ValueError, match="'group' column"):
        split_by_group(toy_dataset(), 10, 10, 10)
