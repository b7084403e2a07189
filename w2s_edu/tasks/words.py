"""Offline word-knowledge task from WordNet noun categories, shipped with the package.

``categories``: "A rutabaga is a kind of food." is true; the same noun with another category is
false. The nouns and their categories come from WordNet 3.0 (``w2s_edu/data``, rebuilt by
``python -m w2s_edu.devtools.build_wordnet_data``; WordNet 3.0 Copyright 2006 by Princeton
University, license in ``w2s_edu/data/WORDNET_LICENSE``). Knowing what a word means is exactly the
kind of knowledge a deeper pretrained model has more of, which makes this a good weak-to-strong
task: a shallow model mostly guesses from spelling, a deep one knows.
"""

from __future__ import annotations

import csv
import functools
import gzip
import random
from importlib import resources

import datasets

from .registry import register_task
from .statements import article, true_false_statements

DATA_FILE = "wordnet_categories.tsv.gz"


@functools.lru_cache(maxsize=None)
def wordnet_nouns() -> list[tuple[str, str]]:
    """(noun, category) pairs, sorted."""
    with resources.files("w2s_edu.data").joinpath(DATA_FILE).open("rb") as raw:
        with gzip.open(raw, "rt", encoding="utf-8") as f:
            return sorted((row["word"], row["category"]) for row in csv.DictReader(f, delimiter="\t"))


@register_task("categories", "What kind of thing a noun names: 'A rutabaga is a kind of food.' (WordNet)")
def build_categories(seed: int) -> datasets.Dataset:
    rng = random.Random(seed)
    # Wrong categories are drawn as often as each category is true: the category alone says nothing.
    return true_false_statements(wordnet_nouns(), lambda w, c: f"{article(w)} {w} is a kind of {c}.", rng)
