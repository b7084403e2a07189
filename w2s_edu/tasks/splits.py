"""Split a task into the three disjoint parts of a weak-to-strong experiment, by row or by group.

* ``train_weak``:   ground-truth labels, used to train the weak model (the
  "weak supervisor") and the strong ceiling model;
* ``train_strong``: the weak model labels these, and the strong model is trained
  on those weak labels;
* ``test``:         held-out ground truth for everybody.

:func:`split_task` splits by row (class-balanced parts, disjoint by text); :func:`split_by_group`
keeps the rows of one ``group`` (a chess puzzle, a multiple-choice item) in one part;
:func:`straddling_groups` counts the examples a row split separates from the rest of their group.

Example::

    from w2s_edu.tasks import describe_splits, get_task, split_task

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


def split_by_group(ds: datasets.Dataset, n_train_weak: int | None, n_train_strong: int | None, n_test: int | None,
                   seed: int = 0) -> datasets.DatasetDict:
    """Like :func:`split_task` (same parts, an ``idx`` column), but by whole groups (rows sharing a
    ``group`` value): no group is cut across parts, so no item (e.g. chess puzzle) is in two parts.

    Groups are shuffled with ``seed`` and dealt to the parts in order until each part has at least
    its size in rows (a part can exceed its size by less than one group; ``None`` shares the rest
    equally). Balance comes from the groups: tasks with a ``group`` column build each group with
    as many label-1 as label-0 rows (chess: one solution and one wrong move per puzzle).
    """
    sizes = (n_train_weak, n_train_strong, n_test)
    if "group" not in ds.column_names:
        raise ValueError(f"split_by_group needs a 'group' column; columns: {ds.column_names}. "
                         "Use split_task for a dataset without groups.")
    if "idx" not in ds.column_names:
        ds = ds.add_column("idx", list(range(len(ds))))
    members: dict = {}
    for row, group in enumerate(ds["group"]):
        members.setdefault(group, []).append(row)
    groups = list(members)
    random.Random(seed).shuffle(groups)
    total = len(ds)
    fixed = sum(int(n) for n in sizes if n is not None)
    if fixed > total:
        raise ValueError(f"asked for {fixed} rows in total but the dataset has {total} (in {len(groups)} "
                         "groups); ask for smaller sizes.")
    n_free = sum(n is None for n in sizes)
    share = (total - fixed) // n_free if n_free else 0
    parts, start = {}, 0
    for name, n in zip(SPLIT_NAMES, sizes):
        want = share if n is None else int(n)
        rows = []
        while len(rows) < want:
            if start >= len(groups):
                raise ValueError(f"not enough groups left for {name} ({want} rows): the dataset has "
                                 f"{total} rows in {len(groups)} groups; ask for smaller sizes.")
            rows.extend(members[groups[start]])
            start += 1
        parts[name] = ds.select(rows)
    return datasets.DatasetDict(parts)


def straddling_groups(parts: dict) -> dict[str, int]:
    """How many examples of each part share a ``group`` with an example of another part.

    ``parts`` maps a part name to a Dataset (or anything with a ``group`` column), e.g. the
    DatasetDict of :func:`split_task`. Non-zero counts mean items straddle parts.
    """
    groups = {name: list(part["group"]) for name, part in parts.items()}
    out = {}
    for name, mine in groups.items():
        others = set().union(*(set(g) for other, g in groups.items() if other != name))
        out[name] = sum(g in others for g in mine)
    return out
