"""The NLP datasets of Burns et al. (2023) as balanced true/false tasks: the spec, formatting, loading.

The paper turned 22 NLP datasets into binary classification (its appendix; the public reproductions
``openai/weak-to-strong`` and ``EleutherAI/w2s`` did the same). A :class:`PaperDataset` says, for one
dataset, which Hugging Face id and config to load, which splits to use, how a row becomes one or more
``(text, label)`` examples, and how to write fake rows of the same schema (for the leak detector,
:mod:`.leaks`). The definitions are in :mod:`.paper_formats` (choice) and :mod:`.paper_labels` (binary,
candidates); each is registered in the one task
registry (:mod:`.registry`) as task ``paper:<name>`` (kind ``paper``): ``list_tasks("paper")`` names
them, ``describe_tasks("paper")`` describes them without downloading anything.
``load_paper_task(name)`` loads one (needs the internet the first time); ``get_task("paper:sciq")``
runs one through the pipeline: ``W2SConfig(task="paper:sciq")``. ``paper:sciq@./folder`` reads a copy
saved with ``save_to_disk`` instead of the hub.

Three kinds of dataset:

* ``binary``: each row already has a yes/no label (BoolQ, CoLA, SST-2, ...). The text never depends
  on the label. Classes are balanced by dropping random rows of the larger class (seeded).
* ``candidates``: each row is one candidate answer with a yes/no label, several rows per question
  (MC-TACO, MultiRC). Balanced like ``binary``; ``group`` is the question, so all candidates of one
  question share a group.
* ``choice``: each row is a multiple-choice item (SciQ, OpenBookQA, ...). The item gives one true
  example (the correct answer) and one false example (a wrong answer drawn with the seeded rng), so
  the classes are exactly balanced. Both are written by the *same* ``render(row, answer)`` call:
  the template cannot tell them apart except through the answer itself. (The bug this prevents:
  an OpenBookQA formatter that wrote the answer *letter* for true examples and the answer *text*
  for false ones, so "is the answer one letter long?" solved the task.) ``per_item="one"`` keeps
  a single example per item instead (half the items true, half false, seeded). Answers are written
  with their whitespace collapsed and compared with case and final punctuation ignored too (a wrong
  answer equal to the right one is never drawn). A generic phrase such as "None of the above choices ."
  or "not enough information" (:func:`.rows.is_generic_answer`) is never used: its items are dropped
  and it is never drawn as the wrong answer, since a phrase offered in many items and right in few
  gives the label away by itself (:func:`.leaks.answer_leak_score` checks this).

**Malformed rows** (:mod:`.rows`): a value of the wrong type or out of range is a
:class:`~.rows.MalformedRowError` naming the dataset, split, row and field; a missing value or an
unlabelled row is skipped and counted in one :class:`~.rows.SkippedRowsWarning`.

Every output is a :class:`datasets.Dataset` with ``text`` (str), ``label`` (0/1) and ``group`` (the
source item, e.g. ``"sciq:train:17"``). The same name, split and seed always give the same dataset,
so the test set is fixed per seed.

**Splits and groups.** :func:`w2s_edu.tasks.splits.split_task` splits by row, not by group: the true and
false example of one item can land in different parts (one in ``train_weak``, its partner in
``test``). A model that memorised "the answer to this question is X" in training then knows its
partner in the test set is false. For SciQ (11,679 training items) with the default sizes
(1,500 / 1,500 / 2,000) that is 12-13% of the test examples (seeds 0-2;
:func:`w2s_edu.tasks.splits.straddling_groups` counts them); ``per_item="one"`` removes the risk at
the cost of half the examples, and :func:`w2s_edu.tasks.splits.split_by_group` keeps items whole. The
pipeline draws all three parts from the hub's *train* split; ``load_paper_task(name, split="test")``
is the hub's held-out split, for an evaluation of your own.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import datasets
from datasets import Features, Value

from .registry import OFFLINE_KINDS, list_tasks, register_task, task_spec
from .rows import (FieldError, MalformedRowError, SkipLog, SkipRow, answer_key, answer_text, check_row,
                   is_generic_answer, normalize)

#: How a paper dataset's rows become examples (see the module docstring).
PAPER_KINDS = ("binary", "candidates", "choice")
PER_ITEM = ("both", "one")


@dataclass(frozen=True)
class PaperDataset:
    """How one hub dataset becomes a true/false task.

    ``features`` are the hub columns the formatter reads, with their hub types (rows carry more
    columns; we ignore those). For ``binary``/``candidates`` datasets ``render(row)`` writes the
    text and ``label(row)`` returns 0/1. For ``choice`` datasets ``answers(row)`` returns
    ``(correct, [wrong, ...])`` (``None`` skips the item by design) and ``render(row, answer)`` writes
    the text for any one answer. Rows are checked against ``features`` before these run; the
    functions raise :class:`~.rows.FieldError` for a bad value and :class:`~.rows.SkipRow` for a row
    to skip (e.g. an unlabelled test row), which :func:`format_rows` names and counts. ``prepare(row, rng)``, if
    given, runs first (e.g. to fix a random order shared by the item's true and false example).
    ``fake(rng)`` writes one row of this schema with random content, for the leak detector.
    """

    name: str
    hub_id: str
    config: str | None
    splits: dict[str, str]
    kind: str
    features: Features
    render: Callable[..., str]
    fake: Callable[[random.Random], dict]
    label: Callable[[dict], int | None] | None = None
    answers: Callable[[dict], tuple[Any, list] | None] | None = None
    group: Callable[[dict, int], Any] = field(default=lambda row, i: i)
    prepare: Callable[[dict, random.Random], dict] | None = None
    description: str = ""

    def __post_init__(self):
        if self.kind not in PAPER_KINDS:
            raise ValueError(f"{self.name}: kind must be one of {PAPER_KINDS}, got {self.kind!r}")
        needs = "answers" if self.kind == "choice" else "label"
        if getattr(self, needs) is None:
            raise ValueError(f"{self.name}: a {self.kind!r} dataset needs {needs}=...")

    @property
    def summary(self) -> str:
        """One line: hub id (config), kind, and what a true example says."""
        hub = self.hub_id + (f" ({self.config})" if self.config else "")
        return f"{hub}; {self.kind}; {self.description}"


def register_paper_dataset(spec: PaperDataset) -> PaperDataset:
    """Register ``spec`` in the task registry as task ``paper:<name>`` (kind ``paper``)."""

    def build(seed: int, *, split: str = "train", path: str | None = None) -> datasets.Dataset:
        return load_paper_task(spec.name, split=split, seed=seed, path=path)

    register_task(f"paper:{spec.name}", spec.summary, kind="paper", definition=spec)(build)
    return spec


def paper_dataset(name: str) -> PaperDataset:
    """The :class:`PaperDataset` of ``name`` (without ``paper:``; raises a ``ValueError`` naming the valid ones)."""
    if f"paper:{name}" not in list_tasks("paper"):
        names = [n.removeprefix("paper:") for n in list_tasks("paper")]
        raise ValueError(f"unknown paper dataset {name!r}; available: {', '.join(names)}")
    return task_spec(f"paper:{name}").definition


# --------------------------------------------------------------------------- formatting

def format_rows(name: str, rows: Iterable[dict], *, split: str = "train", seed: int = 0,
                per_item: str = "both", render: Callable[..., str] | None = None) -> datasets.Dataset:
    """Turn source rows of dataset ``name`` into a balanced ``text``/``label``/``group`` Dataset.

    ``rows`` is a list of dicts or a :class:`datasets.Dataset` with the hub schema. ``render``
    overrides the dataset's template (the leak tests use it to plant a leak). Deterministic for
    ``seed``: one ``random.Random(seed)`` draws the wrong answers, the balancing and the order.
    Every field is read strictly (:mod:`.rows`): a malformed row raises
    :class:`~.rows.MalformedRowError` naming the dataset, ``split``, row and field, or is skipped and
    counted in one :class:`~.rows.SkippedRowsWarning`; a split that gives no example of a class is a
    ``ValueError`` that says so.
    """
    spec = paper_dataset(name)
    if per_item not in PER_ITEM:
        raise ValueError(f"per_item must be one of {PER_ITEM}, got {per_item!r}")
    render = render or spec.render
    rows = list(rows)
    _check_columns(spec, rows)
    rng = random.Random(seed)
    skipped = SkipLog()
    texts, labels, groups = [], [], []
    if spec.kind == "choice":
        items = []
        for i, row in enumerate(rows):
            item = _read(spec, split, i, skipped, lambda: _choice_item(spec, row, i, rng, split))
            if item is not None:
                items.append((i, *item))
        if per_item == "one":
            truth = [int(k < (len(items) + 1) // 2) for k in range(len(items))]
            rng.shuffle(truth)
        for k, (i, row, correct, wrong, group) in enumerate(items):
            keep = (1, 0) if per_item == "both" else (truth[k],)
            for label in keep:
                texts.append(_read(spec, split, i, skipped, lambda: render(row, correct if label else wrong)))
                labels.append(label)
                groups.append(group)
    else:
        for i, row in enumerate(rows):
            example = _read(spec, split, i, skipped, lambda: _binary_example(spec, row, i, render, split))
            if example is not None:
                for column, value in zip((texts, labels, groups), example):
                    column.append(value)
    skipped.warn(name, split, len(rows))
    if not (0 in labels and 1 in labels):
        why = f" ({skipped.summary(len(rows))})" if skipped.rows else ""
        raise ValueError(f"{name} (split {split!r}): the {len(rows)} row(s) give {labels.count(1)} true and "
                         f"{labels.count(0)} false example(s){why}; a task needs both classes (is the split "
                         "unlabelled, or of one class only?)")
    if spec.kind != "choice":
        keep = _balanced_rows(labels, rng)
        texts, labels, groups = ([x[i] for i in keep] for x in (texts, labels, groups))
    order = list(range(len(texts)))
    rng.shuffle(order)
    features = Features({"text": Value("string"), "label": Value("int64"), "group": Value("string")})
    return datasets.Dataset.from_dict({"text": [texts[i] for i in order], "label": [labels[i] for i in order],
                                       "group": [groups[i] for i in order]}, features=features)


def _read(spec: PaperDataset, split: str, i: int, skipped: SkipLog, read: Callable[[], Any]):
    """``read()`` for row ``i``, its errors named (dataset, split, row, field); ``None`` for a skipped row."""
    try:
        return read()
    except MalformedRowError:
        raise
    except SkipRow as skip:
        skipped.add(i, skip)
        return None
    except FieldError as err:
        raise MalformedRowError(spec.name, split, i, err.field, err.problem) from err
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as err:
        field = str(err.args[0]) if isinstance(err, KeyError) and err.args else None
        raise MalformedRowError(spec.name, split, i, field, f"{type(err).__name__}: {err} (the row does not fit "
                                f"the {spec.hub_id} schema: {dict(spec.features)})") from err


def _answer_id(answer: Any) -> Any:
    """What makes two answers the same answer (see :func:`.rows.answer_key`)."""
    return answer_key(answer) if isinstance(answer, str) else tuple(_answer_id(a) for a in answer)


def _choice_item(spec: PaperDataset, row: dict, i: int, rng: random.Random, split: str):
    """``(row, correct, wrong, group)`` of one choice item (the wrong answer drawn with ``rng``), or ``None``."""
    check_row(row, spec.features)
    row = spec.prepare(row, rng) if spec.prepare else row
    got = spec.answers(row)
    if got is None:
        return None
    correct, wrong = got
    if isinstance(correct, str):
        correct = answer_text(correct, "(answer)")
        if is_generic_answer(correct):
            return None  # a generic phrase ("None of the above") is neither a right nor a wrong answer here
        wrong = [normalize(w) for w in wrong if not is_generic_answer(w)]
    seen, pool = {_answer_id(correct)}, []
    for w in wrong:
        if w and _answer_id(w) not in seen:
            seen.add(_answer_id(w))
            pool.append(w)
    if not pool:
        raise SkipRow("(answers)", "no wrong answer that differs from the right one")
    return row, correct, rng.choice(pool), f"{spec.name}:{split}:{spec.group(row, i)}"


def _binary_example(spec: PaperDataset, row: dict, i: int, render: Callable[..., str], split: str):
    """``(text, label, group)`` of one binary/candidates row, or ``None`` (no label)."""
    check_row(row, spec.features)
    label = spec.label(row)
    if label is None:
        return None
    if label not in (0, 1):
        raise FieldError("(label)", f"the label must be 0 or 1, got {label!r}")
    return render(row), int(label), f"{spec.name}:{split}:{spec.group(row, i)}"


def _balanced_rows(labels: list[int], rng: random.Random) -> list[int]:
    """Indices of all rows of the smaller class and as many random rows of the larger, in order."""
    by_class = {c: [i for i, y in enumerate(labels) if y == c] for c in (0, 1)}
    n = min(len(v) for v in by_class.values())
    keep = by_class[0][:] if len(by_class[0]) == n else sorted(rng.sample(by_class[0], n))
    keep += by_class[1][:] if len(by_class[1]) == n else sorted(rng.sample(by_class[1], n))
    return sorted(keep)


def _check_columns(spec: PaperDataset, rows: list[dict]) -> None:
    if not rows:
        raise ValueError(f"{spec.name}: no rows to format")
    missing = [c for c in spec.features if c not in rows[0]] if isinstance(rows[0], dict) else []
    if missing:
        raise ValueError(f"{spec.name}: the rows lack column(s) {missing}; {spec.hub_id} rows have "
                         f"{list(spec.features)} (found {sorted(rows[0])}). Pass rows of the hub schema.")


# --------------------------------------------------------------------------- loading

def load_paper_task(name: str, split: str = "train", seed: int = 0, *, rows=None, path: str | None = None,
                    max_items: int | None = None, per_item: str = "both",
                    revision: str | None = None) -> datasets.Dataset:
    """Load dataset ``name`` and format it as a balanced true/false task (see :func:`format_rows`).

    Where the rows come from, first match wins: ``rows`` (a list of dicts or a Dataset, no
    network), ``path`` (a folder written by ``save_to_disk``: a Dataset, or a DatasetDict with the
    hub split names or ``train``/``test``: see :func:`local_split`), else the Hugging Face hub
    (``datasets.load_dataset``; needs internet the first time, then the ``datasets`` cache). ``split``
    is ``"train"`` or ``"test"``, mapped to the hub split the registry names (for the hub and for a
    folder that is a copy of it). ``max_items`` keeps that many source rows,
    drawn with ``seed``, before formatting (a quick look at a large dataset).
    """
    spec = paper_dataset(name)
    if split not in spec.splits:
        raise ValueError(f"split must be one of {sorted(spec.splits)}, got {split!r}")
    if rows is None:
        rows = read_local(spec, split, path) if path is not None else read_hub(spec, split, revision)
    if max_items is not None and max_items < len(rows):
        keep = sorted(random.Random(seed).sample(range(len(rows)), max_items))
        rows = rows.select(keep) if isinstance(rows, datasets.Dataset) else [rows[i] for i in keep]
    return format_rows(name, rows, split=split, seed=seed, per_item=per_item)


def read_local(spec: PaperDataset, split: str, path: str):
    """The source rows of ``spec``'s ``split`` (``"train"``/``"test"``) from a ``save_to_disk`` folder."""
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path!r} is not a folder; pass the folder that save_to_disk wrote for {spec.name}.")
    ds = datasets.load_from_disk(path)
    if isinstance(ds, datasets.DatasetDict):
        key = local_split(spec, split, list(ds))
        if key is None:
            raise ValueError(f"{path!r} has splits {list(ds)}; {spec.name} needs {spec.splits[split]!r} "
                             f"(or {split!r}) for its {split} split.")
        return ds[key]
    return ds


def local_split(spec: PaperDataset, split: str, keys: list[str]) -> str | None:
    """Which split of a saved DatasetDict with ``keys`` is ``spec``'s ``split`` (``"train"``/``"test"``).

    A copy of the hub (it has every hub split the registry names, e.g. ``train`` and ``validation`` for
    BoolQ) is read through the hub mapping; any other folder is read by the requested name. So an MC-TACO
    folder saved with ``train``/``test`` gives its own train and test (the hub mapping, train -> ``test``,
    would read its test split twice), while a full hub copy of CosmosQA (whose ``test`` has no labels) still
    gives ``validation`` as our test split. A folder with only some hub splits falls back on the mapping
    when it lacks the requested name. ``None`` when nothing matches.
    """
    if all(hub in keys for hub in spec.splits.values()):
        return spec.splits[split]
    for key in (split, spec.splits[split]):
        if key in keys:
            return key
    return None


def read_hub(spec: PaperDataset, split: str, revision: str | None = None):
    """The source rows of ``spec``'s ``split`` from the Hugging Face hub, with a message that says what to do
    offline; a repository that still has a loading script is retried on its Parquet conversion."""
    hub_split = spec.splits[split]
    args = (spec.hub_id, spec.config) if spec.config else (spec.hub_id,)
    try:
        try:
            return datasets.load_dataset(*args, split=hub_split, revision=revision)
        except Exception as err:
            if revision is None and "script" in str(err).lower():  # a repository that still has a loading script
                return datasets.load_dataset(*args, split=hub_split, revision="refs/convert/parquet")
            raise
    except Exception as err:
        where = f"{spec.hub_id}" + (f" (config {spec.config})" if spec.config else "") + f", split {hub_split!r}"
        raise RuntimeError(
            f"Could not load {spec.name} from the Hugging Face hub ({where}): {type(err).__name__}: {err}\n"
            "Loading from the hub needs internet access to huggingface.co (the first time; later runs use the "
            "datasets cache). Without it, copy the data from a machine that has it:\n"
            f"    datasets.load_dataset({', '.join(repr(a) for a in args)}).save_to_disk('{spec.name}_copy')\n"
            f"and pass path='{spec.name}_copy' (tasks: 'paper:{spec.name}@{spec.name}_copy'), or pass the rows "
            f"yourself with rows=[...]. Offline tasks that always work: {', '.join(list_tasks(OFFLINE_KINDS))}."
        ) from err
