"""Helpers that every statement task shares: balanced true/false statements about (subject, object) pairs.

The offline tasks (:mod:`.geo`, :mod:`.words`) and the offline reward pairs (:mod:`.pairs`) build their
data with these, so the generation rules live in one place: deterministic for a ``random.Random``,
exactly half true, each subject in one statement only, and wrong objects drawn as often as each
object is the true one (so the object alone gives nothing away).
"""

from __future__ import annotations

import random
from typing import Callable

import datasets

STATEMENT_COLUMNS = ("text", "label", "subject", "object")


def other_choice(rng: random.Random, options: list[str], exclude: str) -> str:
    """A random element of ``options`` (repeats weight the draw) that is not ``exclude``."""
    while (choice := rng.choice(options)) == exclude:
        pass
    return choice


def to_dataset(rows: list[dict], rng: random.Random) -> datasets.Dataset:
    """Shuffle the rows and turn them into a Dataset with the columns :data:`STATEMENT_COLUMNS`."""
    rng.shuffle(rows)
    return datasets.Dataset.from_dict({col: [row[col] for row in rows] for col in STATEMENT_COLUMNS})


def half_true(items: list, rng: random.Random) -> list[tuple[object, int]]:
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
    for (subject, obj), label in half_true(pairs, rng):
        stated = obj if label else other_choice(rng, options, obj)
        rows.append(dict(text=render(subject, stated), label=label, subject=subject, object=stated))
    return to_dataset(rows, rng)


def article(word: str) -> str:
    """The indefinite article of ``word``, capitalised: ``"An"`` before a vowel, else ``"A"``."""
    return "An" if word[0] in "aeiou" else "A"
