"""The leak detector: does a paper dataset's template give the label away?

:func:`format_leak_score` writes fake rows of a dataset's schema whose content is random words
(answers, distractors and answer indices all random; :func:`synthetic_rows`, from the definition's
``fake``), formats them with :func:`w2s_edu.tasks.paper.format_rows`, and trains a character n-gram +
length classifier on half the items to predict the label of the other half. Content carries no
signal by construction, so accuracy above chance means the *template* gives the label away.
scikit-learn and scipy are imported only when the detector runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from .paper import format_rows, paper_dataset


def synthetic_rows(name: str, n: int, seed: int = 0) -> list[dict]:
    """``n`` fake rows of dataset ``name``'s schema with random content (random words, random answers)."""
    rng = random.Random(seed)
    fake = paper_dataset(name).fake
    return [fake(rng) for _ in range(n)]


@dataclass
class LeakReport:
    """Held-out accuracy of a format-only classifier on random-content rows (0.5 = no leak)."""

    name: str
    accuracy: float
    n_train: int
    n_test: int

    @property
    def chance_sd(self) -> float:
        """Standard deviation of a coin-flip classifier's accuracy on ``n_test`` examples."""
        return 0.5 / self.n_test ** 0.5

    @property
    def z(self) -> float:
        """How many chance standard deviations the accuracy is above 0.5."""
        return (self.accuracy - 0.5) / self.chance_sd

    def __str__(self) -> str:
        return (f"{self.name}: format-only accuracy {self.accuracy:.3f} on {self.n_test} held-out examples "
                f"(chance 0.5 +- {self.chance_sd:.3f}, z = {self.z:+.1f})")


def format_leak_score(name: str, n: int = 400, seed: int = 0, *, render: Callable[..., str] | None = None,
                      per_item: str = "both") -> LeakReport:
    """Does dataset ``name``'s template give the label away? Train a classifier on format alone.

    Writes ``n`` fake rows with random content (:func:`synthetic_rows`), formats them (with
    ``render`` if given, to test another template), splits the *items* (groups) in half, fits
    character 1-4-gram TF-IDF + three length features + logistic regression on one half and
    returns its accuracy on the other. Random content carries no label information, so anything
    clearly above 0.5 (see :attr:`LeakReport.z`) is a leak in the template.
    """
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupShuffleSplit

    ds = format_rows(name, synthetic_rows(name, n, seed), split="fake", seed=seed, per_item=per_item, render=render)
    texts, y, groups = list(ds["text"]), np.asarray(ds["label"]), np.asarray(ds["group"])
    train, test = next(GroupShuffleSplit(n_splits=1, test_size=0.5, random_state=seed).split(texts, y, groups))
    # Case-sensitive: a capital letter is a format feature too ("A" as an answer letter).
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=2, sublinear_tf=True, lowercase=False,
                          max_features=20000)

    def lengths(idx):
        rows = [[len(texts[i]), len(texts[i].split()), texts[i].count("\n")] for i in idx]
        return csr_matrix(np.log1p(np.asarray(rows, dtype=float)))

    x_train = hstack([vec.fit_transform([texts[i] for i in train]), lengths(train)]).tocsr()
    x_test = hstack([vec.transform([texts[i] for i in test]), lengths(test)]).tocsr()
    clf = LogisticRegression(C=10.0, solver="liblinear").fit(x_train, y[train])
    acc = float((clf.predict(x_test) == y[test]).mean())
    return LeakReport(name, acc, len(train), len(test))
