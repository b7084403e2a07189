"""Split a task into the three disjoint, class-balanced parts of a weak-to-strong experiment.

* ``train_weak``:   ground-truth labels, used to train the weak model (the
  "weak supervisor") and the strong ceiling model;
* ``train_strong``: the weak model labels these, and the strong model is trained
  on those weak labels;
* ``test``:         held-out ground truth for everybody.

Example::

    from .registry import get_task
    from .splits import split_task, describe_splits

    dd = split_task(get_task("cities"), n_train_weak=1000, n_train_strong=1000, n_test=500)
    print(describe_splits(dd))
"""

from __future__ import annotations

import numbers
import random

import datasets

from .registry import validate_task_dataset

SPLIT_NAMES = ("train_weak", "train_strong", "test")


def split_task(ds: datasets.Dataset, n_train_weak: int | None = None,
               n_train_strong: int | None = None, n_test: int | None = None,
               seed: int = 0) -> datasets.DatasetDict:
    """Split ``ds`` into a DatasetDict with keys ``SPLIT_NAMES``.

    The parts are disjoint by row and by text (duplicate texts are dropped first,
    keeping the first occurrence), and class-balanced: a part of size ``n`` has
    ``n // 2`` examples of class 0 and ``n - n // 2`` of class 1, in shuffled
    order. A size of ``None`` means "an equal share of what is left": with all
    three sizes ``None`` the balanced data is cut into thirds. The same ``seed``
    always gives the same splits. A column ``idx`` holds each row's index in ``ds``
    (kept if ``ds`` already has one).
    """
    validate_task_dataset(ds, "split_task input")
    if "idx" not in ds.column_names:
        ds = ds.add_column("idx", list(range(len(ds))))

    # Row indices of each class, without duplicate texts (first occurrence wins).
    by_class: dict[int, list[int]] = {0: [], 1: []}
    seen_texts = set()
    for row, (text, label) in enumerate(zip(ds["text"], ds["label"])):
        if text not in seen_texts:
            seen_texts.add(text)
            by_class[int(label)].append(row)

    sizes = _resolve_sizes((n_train_weak, n_train_strong, n_test), by_class)

    rng = random.Random(seed)
    for rows in by_class.values():
        rng.shuffle(rows)
    parts = {}
    start = {0: 0, 1: 0}  # how many rows of each class earlier parts have taken
    for name, n in zip(SPLIT_NAMES, sizes):
        need = {0: n // 2, 1: n - n // 2}
        rows = [r for c in (0, 1) for r in by_class[c][start[c]: start[c] + need[c]]]
        for c in (0, 1):
            start[c] += need[c]
        rng.shuffle(rows)  # mix the two classes
        parts[name] = ds.select(rows)
    return datasets.DatasetDict(parts)


def _resolve_sizes(sizes: tuple, by_class: dict[int, list[int]]) -> list[int]:
    """Check the requested sizes and replace each ``None`` by an equal share of the rest."""
    for name, n in zip(SPLIT_NAMES, sizes):
        if n is not None and (not isinstance(n, numbers.Integral) or isinstance(n, bool) or n <= 0):
            raise ValueError(f"n_{name} must be a positive int or None; got {n!r}")
    have = {c: len(rows) for c, rows in by_class.items()}
    fixed = [int(n) for n in sizes if n is not None]
    need = {0: sum(n // 2 for n in fixed), 1: sum(n - n // 2 for n in fixed)}
    if need[0] > have[0] or need[1] > have[1]:
        asked = ", ".join(f"n_{name}={n}" for name, n in zip(SPLIT_NAMES, sizes) if n is not None)
        raise ValueError(
            f"asked for {asked}, which needs {need[0]} examples of class 0 and {need[1]} of "
            f"class 1, but the dataset (after removing duplicate texts) has {have[0]} of "
            f"class 0 and {have[1]} of class 1. Ask for smaller sizes (at most "
            f"{2 * min(have.values())} in total for balanced parts), or pass None to share the rest."
        )
    n_free = sum(n is None for n in sizes)
    if n_free == 0:
        return fixed
    # Each free part gets the same number of examples of each class.
    per_class = min(have[c] - need[c] for c in (0, 1)) // n_free
    if per_class == 0:
        raise ValueError(
            f"not enough data left for the parts given as None: the dataset has {have[0]} "
            f"examples of class 0 and {have[1]} of class 1 (after removing duplicate texts); "
            "give smaller sizes for the other parts"
        )
    return [2 * per_class if n is None else int(n) for n in sizes]


def describe_splits(dd: datasets.DatasetDict) -> str:
    """One line per split with its size and fraction of positive (label 1) examples."""
    lines = []
    for name, part in dd.items():
        n = len(part)
        rate = sum(part["label"]) / n if n else float("nan")
        lines.append(f"{name:>12}: {n:6d} examples, {rate:.1%} positive")
    return "\n".join(lines)
