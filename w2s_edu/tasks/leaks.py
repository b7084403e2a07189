"""The leak detectors: does a paper dataset's template, or its pool of answers, give the label away?

Two checks, both in :func:`format_leak_score`:

* **template** (:class:`LeakReport`): fake rows of the dataset's schema whose content is random words
  (answers, distractors and answer indices all random; :func:`synthetic_rows`, from the definition's
  ``fake``) are formatted with :func:`w2s_edu.tasks.paper.format_rows`, and a character n-gram + length
  classifier (of the whole text and of its last line, where choice templates put the answer) trained on
  half the items predicts the label of the other half. Content carries no signal by
  construction, so accuracy above chance means the *template* gives the label away.
* **answer only** (:class:`AnswerLeakReport`, :func:`answer_leak_score`, ``choice`` datasets): the answer
  text alone, from the dataset's own answer pool (real rows with ``rows=``, else the fake rows, which
  imitate each dataset's recurring answers such as CosmosQA's "None of the above choices ."). It fits the
  best "answer string -> label" rule on half the items and scores it on the others. A phrase offered in
  many items that is drawn only as a wrong answer (or only as a right one) scores well above 0.5; the rule
  is: no answer text may appear only as a wrong answer or only as a right one.

scikit-learn and scipy are imported only when the template check runs.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from .paper import format_rows, paper_dataset
from .rows import answer_key


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
    #: The answer-only check on the same dataset (``None`` for binary and candidates datasets).
    answer: AnswerLeakReport | None = None

    @property
    def chance_sd(self) -> float:
        """Standard deviation of a coin-flip classifier's accuracy on ``n_test`` examples."""
        return 0.5 / self.n_test ** 0.5

    @property
    def z(self) -> float:
        """How many chance standard deviations the accuracy is above 0.5."""
        return (self.accuracy - 0.5) / self.chance_sd

    def __str__(self) -> str:
        line = (f"{self.name}: format-only accuracy {self.accuracy:.3f} on {self.n_test} held-out examples "
                f"(chance 0.5 +- {self.chance_sd:.3f}, z = {self.z:+.1f})")
        return line + (f"; {self.answer}" if self.answer is not None else "")


@dataclass
class AnswerLeakReport(LeakReport):
    """Held-out accuracy of the best "answer string -> label" rule (0.5 = no leak). ``one_sided`` lists the
    recurring answers of the training half with their (true, false) counts, most lopsided first."""

    one_sided: list[tuple[str, int, int]] = field(default_factory=list)

    def __str__(self) -> str:
        worst = ", ".join(f"{a!r}: {t} true / {f} false" for a, t, f in self.one_sided[:3])
        return (f"answer-only accuracy {self.accuracy:.3f} on {self.n_test} held-out examples "
                f"(chance 0.5 +- {self.chance_sd:.3f}, z = {self.z:+.1f})" + (f"; recurring: {worst}" if worst else ""))


def _answer_id(answer: Any) -> str:
    return answer_key(answer) if isinstance(answer, str) else " | ".join(map(_answer_id, answer))


def answer_only_accuracy(answers: list[str], labels: list[int], groups: list, seed: int = 0,
                         min_count: int = 3) -> tuple[float, int, int, list[tuple[str, int, int]]]:
    """The best "answer string -> label" rule, fitted on half the groups and scored on the other half.

    Answers are compared by :func:`w2s_edu.tasks.rows.answer_key`. The rule gives each answer seen at least
    ``min_count`` times in the training half its majority label there, and every other answer the majority
    label of those others (so "this phrase -> false, anything else -> true" is one such rule). Returns
    ``(accuracy, n_train, n_test, one_sided)`` (see :class:`AnswerLeakReport`).
    """
    keys = [_answer_id(a) for a in answers]
    items = sorted(set(groups), key=str)
    random.Random(seed).shuffle(items)
    train_items = set(items[: len(items) // 2])
    train = [i for i, g in enumerate(groups) if g in train_items]
    test = [i for i, g in enumerate(groups) if g not in train_items]
    counts: dict[str, Counter] = {}
    for i in train:
        counts.setdefault(keys[i], Counter())[labels[i]] += 1
    rule = {k: int(c[1] > c[0]) for k, c in counts.items() if sum(c.values()) >= min_count and c[0] != c[1]}
    rest = Counter(labels[i] for i in train if keys[i] not in rule)
    default = int(rest[1] > rest[0])
    right = sum(rule.get(keys[i], default) == labels[i] for i in test)
    recurring = sorted(((k, c[1], c[0]) for k, c in counts.items() if sum(c.values()) >= min_count),
                       key=lambda r: (-abs(r[1] - r[2]), r[0]))
    return right / max(len(test), 1), len(train), len(test), recurring


def answer_leak_score(name: str, n: int = 400, seed: int = 0, *, rows=None, per_item: str = "both",
                      min_count: int = 3) -> AnswerLeakReport | None:
    """The answer-only check of choice dataset ``name`` (``None`` for other kinds): format ``rows`` (a list of
    dicts or a Dataset of the hub schema, e.g. the real rows; default ``n`` fake rows) with the answer
    alone as the text, and score the best "answer string -> label" rule (:func:`answer_only_accuracy`)."""
    if paper_dataset(name).kind != "choice":
        return None
    split = "fake" if rows is None else "train"
    rows = synthetic_rows(name, n, seed) if rows is None else rows
    answers: list = []
    ds = format_rows(name, rows, split=split, seed=seed, per_item=per_item,
                     render=lambda row, answer: answers.append(answer) or str(len(answers) - 1))
    # the texts are indices into `answers`, so each example keeps its answer through format_rows' shuffle
    picked = [answers[int(t)] for t in ds["text"]]
    acc, n_train, n_test, recurring = answer_only_accuracy(picked, list(ds["label"]), list(ds["group"]), seed,
                                                           min_count)
    return AnswerLeakReport(name, acc, n_train, n_test, one_sided=recurring)


def format_leak_score(name: str, n: int = 400, seed: int = 0, *, render: Callable[..., str] | None = None,
                      per_item: str = "both", rows=None) -> LeakReport:
    """Does dataset ``name``'s template give the label away? Train a classifier on format alone.

    Writes ``n`` fake rows with random content (:func:`synthetic_rows`), formats them (with ``render``
    if given, to test another template), splits the *items* (groups) in half, fits character 1-4-gram
    TF-IDF of the text and of its last line + four length features + logistic regression on one half
    and returns its accuracy on the other. Random content carries no label information, so anything
    clearly above 0.5 (see :attr:`LeakReport.z`) is a leak in the template.

    The report's ``answer`` is the answer-only check (:func:`answer_leak_score`), on ``rows`` where
    given (as :func:`~.paper.load_paper_task` takes them: the real rows) and else on the same fake rows.
    The template check always runs on fake rows, since real content carries the label by design.
    """
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupShuffleSplit

    ds = format_rows(name, synthetic_rows(name, n, seed), split="fake", seed=seed, per_item=per_item, render=render)
    texts, y, groups = list(ds["text"]), np.asarray(ds["label"]), np.asarray(ds["group"])
    train, test = next(GroupShuffleSplit(n_splits=1, test_size=0.5, random_state=seed).split(texts, y, groups))
    # Case-sensitive: a capital letter is a format feature too ("A" as an answer letter). The last line is
    # read twice, on its own too: choice templates end with the answer, where a leak is likeliest.
    vec, last = (TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=2, sublinear_tf=True, lowercase=False,
                                 max_features=20000) for _ in range(2))
    tails = [t.rstrip().rpartition("\n")[2] for t in texts]

    def lengths(idx):
        rows = [[len(texts[i]), len(texts[i].split()), texts[i].count("\n"), len(tails[i])] for i in idx]
        return csr_matrix(np.log1p(np.asarray(rows, dtype=float)))

    x_train = hstack([vec.fit_transform([texts[i] for i in train]), last.fit_transform([tails[i] for i in train]),
                      lengths(train)]).tocsr()
    x_test = hstack([vec.transform([texts[i] for i in test]), last.transform([tails[i] for i in test]),
                     lengths(test)]).tocsr()
    clf = LogisticRegression(C=10.0, solver="liblinear").fit(x_train, y[train])
    acc = float((clf.predict(x_test) == y[test]).mean())
    answer = answer_leak_score(name, n, seed, rows=rows, per_item=per_item)
    return LeakReport(name, acc, len(train), len(test), answer)
