"""Reading source rows strictly: typed fields, malformed rows named, skipped rows counted once.

Every value a paper dataset's formatter reads is checked against the hub type its definition declares
(:func:`check_row`): a string column holds a ``str``, a ``bool`` column a ``bool`` (never the string
``"False"``, which ``bool()`` would call true), an int or ClassLabel column an ``int`` in range, a list
column a list. What happens to a row that does not fit:

* a value of the wrong type or out of range, a column missing from the row, an answer that is none of the
  choices: :class:`MalformedRowError` (a ``ValueError``), whose message names the dataset, the split, the
  row (its index in the rows given) and the field. Such rows are usually a conversion gone wrong for the
  whole column, so they stop the load rather than silently change labels;
* a missing value (``None``), an unlabelled row (``-1``/``""``, the hub's "no label"), an empty answer, a
  transcript that does not parse: the row is skipped, and the load warns once
  (:class:`SkippedRowsWarning`) with how many rows were skipped, why, and the first few of them.

Formatters raise :class:`FieldError` (or :class:`SkipRow`) about one field; :func:`w2s_edu.tasks.paper.format_rows`
adds the dataset, split and row. :func:`answer_key` and :func:`is_generic_answer` are how choice datasets
compare answers (see :mod:`.paper`). The Lichess CSV reader (:mod:`.chess.lichess`) uses the same error.
"""

from __future__ import annotations

import numbers
import random
import re
import warnings
from collections import Counter
from typing import Any, Mapping

from datasets import ClassLabel, Value


class MalformedRowError(ValueError):
    """A row that cannot be read: ``dataset``, ``split`` (``None`` where there is none), ``row``, ``field``."""

    def __init__(self, dataset: str, split: str | None, row: int | str, field: str | None, problem: str):
        self.dataset, self.split, self.row, self.field, self.problem = dataset, split, row, field, problem
        where = dataset + (f" (split {split!r})" if split is not None else "")
        super().__init__(f"{where}, row {row}, field {field!r}: {problem}")


class FieldError(ValueError):
    """Raised by a formatter about one ``field`` of its row; the caller turns it into a :class:`MalformedRowError`."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"field {field!r}: {problem}")


class SkipRow(FieldError):
    """A row to skip (missing value, no label, ...): counted, and reported in one :class:`SkippedRowsWarning`."""


class SkippedRowsWarning(UserWarning):
    """Some source rows were skipped; the message says how many, why, and which (dataset, split, row, field)."""


class SkipLog:
    """The rows skipped while formatting one split, reported in a single warning."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str]] = []

    def add(self, row: int, skip: SkipRow) -> None:
        self.rows.append((row, skip.field, skip.problem))

    def summary(self, total: int) -> str:
        reasons = Counter(problem for _, _, problem in self.rows)
        why = "; ".join(f"{n} x {problem}" for problem, n in reasons.most_common())
        first = ", ".join(f"row {row} field {field!r}" for row, field, _ in self.rows[:5])
        return f"skipped {len(self.rows)} of {total} row(s) ({why}); first: {first}"

    def warn(self, dataset: str, split: str, total: int) -> None:
        if self.rows:
            warnings.warn(f"{dataset} (split {split!r}): {self.summary(total)}", SkippedRowsWarning, stacklevel=3)


# --------------------------------------------------------------------------- typed fields

def _show(value: Any) -> str:
    text = repr(value)
    return f"{text[:60]}{'...' if len(text) > 60 else ''} ({type(value).__name__})"


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy's bool


def check_row(row: Any, features: Mapping) -> None:
    """Raise :class:`FieldError` unless every column of ``features`` is in ``row`` with its declared type
    (:class:`SkipRow` for a missing value)."""
    if not isinstance(row, Mapping):
        raise FieldError("(row)", f"expected a dict of columns, got {_show(row)}")
    for name, feature in features.items():
        if name not in row:
            raise FieldError(name, f"the column is missing from this row (the rows need {list(features)})")
        check_value(row[name], feature, name)


def check_value(value: Any, feature: Any, field: str) -> None:
    """Check one value against a ``datasets`` feature (Value, ClassLabel, a list or a dict of them)."""
    if value is None:
        raise SkipRow(field, "missing value (None)")
    if isinstance(feature, dict):
        if not isinstance(value, Mapping):
            raise FieldError(field, f"expected a dict with keys {list(feature)}, got {_show(value)}")
        for key, sub in feature.items():
            if key not in value:
                raise FieldError(f"{field}.{key}", f"missing key (the dict needs {list(feature)})")
            check_value(value[key], sub, f"{field}.{key}")
    elif hasattr(feature, "feature"):  # List / LargeList / Sequence
        if not isinstance(value, (list, tuple)):
            raise FieldError(field, f"expected a list, got {_show(value)}")
        for k, item in enumerate(value):
            check_value(item, feature.feature, f"{field}[{k}]")
    elif isinstance(feature, ClassLabel):
        if not _is_int(value) or not -1 <= value < feature.num_classes:
            raise FieldError(field, f"expected a class index 0..{feature.num_classes - 1} ({', '.join(feature.names)}; "
                                    f"-1: no label), got {_show(value)}")
    elif isinstance(feature, Value):
        dtype = feature.dtype
        if dtype in ("string", "large_string"):
            ok, want = isinstance(value, str), "a str"
        elif dtype == "bool":
            ok, want = _is_bool(value), "a bool (True/False, not a string)"
        elif dtype.startswith(("int", "uint")):
            ok, want = _is_int(value), "an int"
        else:
            ok, want = isinstance(value, numbers.Real) and not _is_bool(value), "a number"
        if not ok:
            raise FieldError(field, f"expected {want} (hub type {dtype}), got {_show(value)}")


def label_index(value: Any, field: str, n: int, first: int = 0) -> int:
    """The 0-based index of a label that counts from ``first`` (an int, or a str of digits such as ``"2"``)
    among ``n`` options; :class:`SkipRow` for the hub's "no label" (-1 or ``""``), :class:`FieldError` else."""
    if isinstance(value, str):
        if value.strip() == "":
            raise SkipRow(field, "no label ('', the hub's value for an unlabelled row)")
        if not value.strip().isdigit():
            raise FieldError(field, f"expected a label {first}..{first + n - 1} as a string, got {_show(value)}")
        index = int(value)
    elif value == -1 and _is_int(value):
        raise SkipRow(field, "no label (-1, the hub's value for an unlabelled row)")
    else:
        index = value
    if not _is_int(index) or not first <= index < first + n:
        raise FieldError(field, f"expected a label between {first} and {first + n - 1}, got {_show(value)}")
    return int(index) - first


def binary_label(row: Mapping, field: str) -> int:
    """A 0/1 label from an int, ClassLabel or bool column (-1: no label, the row is skipped)."""
    value = row[field]
    return int(value) if _is_bool(value) else label_index(value, field, 2)


def answer_text(value: str, field: str) -> str:
    """An answer with its whitespace normalised; :class:`SkipRow` when it is empty."""
    text = normalize(value)
    if not text:
        raise SkipRow(field, "empty answer text")
    return text


# --------------------------------------------------------------------------- comparing answers

def normalize(text: str) -> str:
    """Whitespace collapsed and stripped: how an answer is written and compared."""
    return " ".join(text.split())


def answer_key(text: str) -> str:
    """An answer as the leak check and :func:`is_generic_answer` compare it: lower case, whitespace
    collapsed, trailing punctuation dropped (``"None of the above choices ."`` -> ``"none of the above choices"``)."""
    return re.sub(r"[\s.!?,;:]+$", "", normalize(text).lower())


_GENERIC = re.compile(
    r"(?:none|all|neither|both) of (?:the )?(?:above|these|those|them|the choices|the options|the answers)"
    r"(?: choices| options| answers)?|not enough information|(?:cannot|can't|can not) be determined")


def is_generic_answer(text: str) -> bool:
    """A phrase that answers no question by itself ("None of the above choices .", "not enough information"):
    offered in many items of a dataset, so it would be right or wrong far more often than any other answer."""
    return _GENERIC.fullmatch(answer_key(text)) is not None


# --------------------------------------------------------------------------- fake content

_SYLLABLES = ("ba", "ko", "ri", "mu", "te", "sa", "lo", "ne", "vi", "da", "po", "ga", "fe", "zu", "chi", "tor")


def fake_word(rng: random.Random) -> str:
    """One random pseudo-word (1-3 syllables)."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))


def fake_words(rng: random.Random, lo: int, hi: int) -> str:
    """``lo``..``hi`` random pseudo-words: fake content with no meaning, for the leak detector."""
    return " ".join(fake_word(rng) for _ in range(rng.randint(lo, hi)))


def fake_id(rng: random.Random) -> str:
    """A random item id (8 hex digits): distinct items get distinct groups, as on the hub."""
    return f"{rng.randrange(16 ** 8):08x}"
