"""The paper's datasets whose rows carry their label: ``binary`` (BoolQ, CoLA, SST-2, ...) and ``candidates``
(MC-TACO, MultiRC), one :class:`~.paper.PaperDataset` each (the ``choice`` datasets are in :mod:`.paper_formats`,
whose docstring lists every hub id).

Labels are read strictly (:mod:`.rows`): BoolQ's ``answer`` must be a bool (the string ``"False"`` is an
error, not a true label), a 0/1 label column an int 0 or 1, and ``-1`` (the hub's "no label", e.g. GLUE
test rows) skips the row, counted in the one warning of :func:`~.paper.format_rows`.
"""

from __future__ import annotations

from typing import Callable

from datasets import ClassLabel, Features, Value

from .paper import PaperDataset, register_paper_dataset
from .rows import FieldError, binary_label, fake_word, fake_words, label_index

S = Value("string")
I32 = Value("int32")


def _binary(name, hub_id, splits, features, render, label, fake, *, config=None, group=None, kind="binary",
            description=""):
    register_paper_dataset(PaperDataset(name, hub_id, config, splits, kind, Features(features), render, fake,
                                        label=label, group=group or (lambda row, i: i), description=description))


def _labelled(column: str) -> Callable[[dict], int]:
    """0/1 from an int/bool/ClassLabel column (-1, the hub's "no label", skips the row)."""
    return lambda row: binary_label(row, column)


_binary(
    "boolq", "google/boolq", {"train": "train", "test": "validation"},
    {"question": S, "answer": Value("bool"), "passage": S},
    lambda row: f"Passage: {row['passage']}\nQuestion: {row['question']}?",
    _labelled("answer"),
    lambda rng: {"question": fake_words(rng, 4, 10), "answer": rng.random() < 0.5, "passage": fake_words(rng, 20, 60)},
    description="a passage and a yes/no question; true = the answer is yes")

_binary(
    "amazon_polarity", "fancyzhx/amazon_polarity", {"train": "train", "test": "test"},
    {"label": ClassLabel(names=["negative", "positive"]), "title": S, "content": S},
    lambda row: f"Title: {row['title']}\nReview: {row['content']}",
    _labelled("label"),
    lambda rng: {"label": rng.randrange(2), "title": fake_words(rng, 1, 6), "content": fake_words(rng, 10, 50)},
    description="a product review; true = positive")

_binary(
    "ethics_justice", "hendrycks/ethics", {"train": "train", "test": "test"},
    {"label": I32, "scenario": S},
    lambda row: f"Statement: {row['scenario']}\nIs this claim reasonable?",
    _labelled("label"),
    lambda rng: {"label": rng.randrange(2), "scenario": fake_words(rng, 8, 25)},
    config="justice", description="a claim about what someone deserves; true = reasonable")

_binary(
    "ethics_deontology", "hendrycks/ethics", {"train": "train", "test": "test"},
    {"label": I32, "scenario": S, "excuse": S},
    lambda row: f"Request: {row['scenario']}\nReply: {row['excuse']}\nIs this a reasonable exemption?",
    _labelled("label"),
    lambda rng: {"label": rng.randrange(2), "scenario": fake_words(rng, 5, 15), "excuse": fake_words(rng, 5, 15)},
    config="deontology", group=lambda row, i: row["scenario"],
    description="a request and an excuse; true = the excuse is reasonable")


def _virtue_parts(scenario: str) -> tuple[str, str]:
    """``(scenario, trait)`` of a hub value ``"scenario [SEP] trait"``."""
    text, sep, trait = scenario.rpartition("[SEP]")
    if not sep or not text.strip() or not trait.strip():
        raise FieldError("scenario", f"expected 'scenario [SEP] trait', got {scenario[:60]!r}")
    return text.strip(), trait.strip()


_binary(
    "ethics_virtue", "hendrycks/ethics", {"train": "train", "test": "test"},
    {"label": I32, "scenario": S},
    lambda row: "Scenario: {}\nTrait: {}\nDoes the behaviour show this trait?".format(*_virtue_parts(row["scenario"])),
    lambda row: _virtue_parts(row["scenario"]) and binary_label(row, "label"),
    lambda rng: {"label": rng.randrange(2), "scenario": f"{fake_words(rng, 8, 25)} [SEP] {fake_word(rng)}"},
    config="virtue", group=lambda row, i: _virtue_parts(row["scenario"])[0],
    description="a scenario and a character trait (hub format 'scenario [SEP] trait'); true = it shows the trait")

_binary(
    "anli_r2", "facebook/anli", {"train": "train_r2", "test": "test_r2"},
    {"uid": S, "premise": S, "hypothesis": S, "label": ClassLabel(names=["entailment", "neutral", "contradiction"])},
    lambda row: f"Premise: {row['premise']}\nHypothesis: {row['hypothesis']}\nDoes the premise entail the hypothesis?",
    lambda row: int(label_index(row["label"], "label", 3) == 0),
    lambda rng: {"uid": fake_word(rng), "premise": fake_words(rng, 15, 50), "hypothesis": fake_words(rng, 4, 12),
                 "label": rng.randrange(3)},
    group=lambda row, i: row["premise"],
    description="a premise and a hypothesis (round 2); true = entailment, false = neutral or contradiction")

_binary(
    "cola", "nyu-mll/glue", {"train": "train", "test": "validation"},
    {"sentence": S, "label": ClassLabel(names=["unacceptable", "acceptable"]), "idx": I32},
    lambda row: f"Sentence: {row['sentence']}\nIs this sentence grammatical?",
    _labelled("label"),
    lambda rng: {"sentence": fake_words(rng, 3, 15), "label": rng.randrange(2), "idx": rng.randrange(10**6)},
    config="cola", description="a sentence; true = grammatically acceptable")

_binary(
    "sst2", "stanfordnlp/sst2", {"train": "train", "test": "validation"},
    {"idx": I32, "sentence": S, "label": ClassLabel(names=["negative", "positive"])},
    lambda row: f"Review: {row['sentence']}",
    _labelled("label"),
    lambda rng: {"idx": rng.randrange(10**6), "sentence": fake_words(rng, 3, 25), "label": rng.randrange(2)},
    description="a movie review sentence; true = positive")

_binary(
    "mc_taco", "CogComp/mc_taco", {"train": "test", "test": "validation"},
    {"sentence": S, "question": S, "answer": S, "label": ClassLabel(names=["no", "yes"])},
    lambda row: f"{row['sentence']}\nQuestion: {row['question']}\nProposed answer: {row['answer']}\nIs it plausible?",
    _labelled("label"),
    lambda rng: {"sentence": fake_words(rng, 8, 25), "question": fake_words(rng, 4, 10),
                 "answer": fake_words(rng, 1, 4), "label": rng.randrange(2)},
    kind="candidates", group=lambda row, i: f"{row['sentence']}|{row['question']}",
    description="a sentence, a temporal question and a candidate answer; true = plausible "
                "(hub 'test' is the larger split, so it is our train split, as in EleutherAI/w2s)")

_binary(
    "paws", "google-research-datasets/paws", {"train": "train", "test": "test"},
    {"id": I32, "sentence1": S, "sentence2": S, "label": ClassLabel(names=["0", "1"])},
    lambda row: f"Sentence 1: {row['sentence1']}\nSentence 2: {row['sentence2']}\nDo they mean the same thing?",
    _labelled("label"),
    lambda rng: {"id": rng.randrange(10**6), "sentence1": fake_words(rng, 8, 25), "sentence2": fake_words(rng, 8, 25),
                 "label": rng.randrange(2)},
    config="labeled_final", group=lambda row, i: row["id"],
    description="two sentences; true = paraphrases")

_binary(
    "multirc", "aps/super_glue", {"train": "train", "test": "validation"},
    {"paragraph": S, "question": S, "answer": S,
     "idx": {"paragraph": I32, "question": I32, "answer": I32}, "label": ClassLabel(names=["False", "True"])},
    lambda row: f"Passage: {row['paragraph']}\nQuestion: {row['question']}\nProposed answer: {row['answer']}",
    _labelled("label"),
    lambda rng: {"paragraph": fake_words(rng, 30, 80), "question": fake_words(rng, 4, 12),
                 "answer": fake_words(rng, 1, 8),
                 "idx": {"paragraph": rng.randrange(500), "question": rng.randrange(50), "answer": rng.randrange(20)},
                 "label": rng.randrange(2)},
    config="multirc", kind="candidates",
    group=lambda row, i: f"{row['idx']['paragraph']}/{row['idx']['question']}",
    description="a passage, a question and a candidate answer; true = correct")

_binary(
    "wic", "aps/super_glue", {"train": "train", "test": "validation"},
    {"word": S, "sentence1": S, "sentence2": S, "idx": I32, "label": ClassLabel(names=["False", "True"])},
    lambda row: (f"Sentence 1: {row['sentence1']}\nSentence 2: {row['sentence2']}\n"
                 f"Does '{row['word']}' mean the same in both sentences?"),
    _labelled("label"),
    lambda rng: {"word": fake_word(rng), "sentence1": fake_words(rng, 5, 20), "sentence2": fake_words(rng, 5, 20),
                 "idx": rng.randrange(10**6), "label": rng.randrange(2)},
    config="wic", description="a word in two sentences; true = same meaning")

_binary(
    "twitter_sentiment", "EleutherAI/twitter-sentiment", {"train": "train", "test": "test"},
    {"text": S, "label": Value("int64")},
    lambda row: f"Tweet: {row['text']}",
    _labelled("label"),
    lambda rng: {"text": fake_words(rng, 3, 25), "label": rng.randrange(2)},
    description="a tweet; true = positive")
