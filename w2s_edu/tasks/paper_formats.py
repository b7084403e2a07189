"""The definitions of the paper's datasets: one :class:`~.paper.PaperDataset` per dataset, each registered
as task ``paper:<name>`` (:func:`~.paper.register_paper_dataset`).

Each definition gives the hub id, config and splits, the hub columns the formatter reads (with their
types), the template (``render``), the label or the answers, the item (``group``) and a generator of
fake rows with random content (``fake``, for :mod:`.leaks`). :mod:`.paper` explains the three kinds
(``binary``, ``candidates``, ``choice``) and does the formatting and loading.

**Dataset ids** (where several exist we chose the canonical, maintained copy): ``allenai/sciq``,
``google/boolq``, ``allenai/cosmos_qa``, ``fancyzhx/amazon_polarity``, ``Anthropic/hh-rlhf``,
``dataset-org/dream``, ``hendrycks/ethics`` (configs justice, deontology, virtue, utilitarianism;
its ``test`` split is the paper's adversarially filtered "hard" test), ``facebook/anli`` (round 2),
``nyu-mll/glue`` (cola), ``stanfordnlp/sst2``, ``Rowan/hellaswag``, ``CogComp/mc_taco``,
``allenai/openbookqa`` (main), ``google-research-datasets/paws`` (labeled_final),
``textmachinelab/quail``, ``ybisk/piqa``, ``allenai/quartz``, ``allenai/social_i_qa``,
``aps/super_glue`` (multirc, wic), ``EleutherAI/twitter-sentiment``. Where a hub test split has no
labels (GLUE, SuperGLUE, HellaSwag, PIQA, ...) the labelled validation split is our test split.
Some of these repositories still hold a loading script, which ``datasets`` 4 and later refuse to
run; the loader then retries the hub's automatic Parquet conversion (``refs/convert/parquet``).

To add a dataset: write its ``_binary(...)`` or ``_choice(...)`` call here, then check its template
with :func:`w2s_edu.tasks.leaks.format_leak_score` (``tests/test_hub_datasets.py`` runs it on every one).
"""

from __future__ import annotations

import random
from typing import Callable

from datasets import ClassLabel, Features, Sequence, Value

from .pairs import split_hh_pair
from .paper import PaperDataset, register_paper_dataset

_SYLLABLES = ("ba", "ko", "ri", "mu", "te", "sa", "lo", "ne", "vi", "da", "po", "ga", "fe", "zu", "chi", "tor")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))


def _words(rng: random.Random, lo: int, hi: int) -> str:
    """Random pseudo-words: fake content with no meaning, for the leak detector."""
    return " ".join(_word(rng) for _ in range(rng.randint(lo, hi)))


S = Value("string")
I32 = Value("int32")


def _choice(name, hub_id, splits, features, render, answers, fake, *, config=None, group=None, prepare=None,
            description=""):
    register_paper_dataset(PaperDataset(name, hub_id, config, splits, "choice", Features(features), render, fake,
                                        answers=answers, group=group or (lambda row, i: i), prepare=prepare,
                                        description=description))


def _binary(name, hub_id, splits, features, render, label, fake, *, config=None, group=None, kind="binary",
            description=""):
    register_paper_dataset(PaperDataset(name, hub_id, config, splits, kind, Features(features), render, fake,
                                        label=label, group=group or (lambda row, i: i), description=description))


def _labelled(column: str) -> Callable[[dict], int | None]:
    """0/1 from an int/bool/ClassLabel column; -1 (the hub's "no label", e.g. GLUE test) skips the row."""
    def label(row):
        value = row[column]
        return None if value is None or int(value) < 0 else int(value)
    return label


# SciQ: four-way science questions; the support paragraph is left out (as in the paper's SciQ).
_choice(
    "sciq", "allenai/sciq", {"train": "train", "test": "test"},
    {"question": S, "distractor3": S, "distractor1": S, "distractor2": S, "correct_answer": S, "support": S},
    lambda row, a: f"Q: {row['question']}\nA: {a}",
    lambda row: (row["correct_answer"], [row["distractor1"], row["distractor2"], row["distractor3"]]),
    lambda rng: {"question": _words(rng, 5, 15), "distractor3": _words(rng, 1, 3), "distractor1": _words(rng, 1, 3),
                 "distractor2": _words(rng, 1, 3), "correct_answer": _words(rng, 1, 3), "support": _words(rng, 0, 30)},
    description="a science question with one of its four answers")

_binary(
    "boolq", "google/boolq", {"train": "train", "test": "validation"},
    {"question": S, "answer": Value("bool"), "passage": S},
    lambda row: f"Passage: {row['passage']}\nQuestion: {row['question']}?",
    lambda row: int(bool(row["answer"])),
    lambda rng: {"question": _words(rng, 4, 10), "answer": rng.random() < 0.5, "passage": _words(rng, 20, 60)},
    description="a passage and a yes/no question; true = the answer is yes")


def _cosmos_answers(row):
    correct = row[f"answer{int(row['label'])}"]
    if correct.strip().startswith("None of the above choices"):
        return None  # "none of the above" is only meaningful next to the choices, which we do not show
    return correct, [row[f"answer{i}"] for i in range(4) if i != int(row["label"])]


_choice(
    "cosmos_qa", "allenai/cosmos_qa", {"train": "train", "test": "validation"},
    {"id": S, "context": S, "question": S, "answer0": S, "answer1": S, "answer2": S, "answer3": S,
     "label": I32},
    lambda row, a: f"Context: {row['context']}\nQuestion: {row['question']}\nAnswer: {a}",
    _cosmos_answers,
    lambda rng: {"id": _word(rng), "context": _words(rng, 20, 60), "question": _words(rng, 4, 10),
                 **{f"answer{i}": _words(rng, 2, 8) for i in range(4)}, "label": rng.randrange(4)},
    group=lambda row, i: row["id"],
    description="a story, a question and one of four answers (items whose answer is 'None of the above' dropped)")

_binary(
    "amazon_polarity", "fancyzhx/amazon_polarity", {"train": "train", "test": "test"},
    {"label": ClassLabel(names=["negative", "positive"]), "title": S, "content": S},
    lambda row: f"Title: {row['title']}\nReview: {row['content']}",
    _labelled("label"),
    lambda rng: {"label": rng.randrange(2), "title": _words(rng, 1, 6), "content": _words(rng, 10, 50)},
    description="a product review; true = positive")


def _hh_prepare(row, rng):
    try:
        prompt, chosen, rejected = split_hh_pair(row["chosen"], row["rejected"])
    except ValueError:  # a few hh-rlhf rows differ before the last reply: skip them
        return {**row, "_skip": True}
    return {**row, "_prompt": prompt, "_chosen": chosen, "_rejected": rejected}


def _hh_render(row, order):
    first, second = order
    return (f"{row['_prompt']}\n\nResponse A: {first}\n\nResponse B: {second}\n\n"
            "Is response A better than response B?")


def _hh_answers(row):
    if row.get("_skip"):
        return None
    return (row["_chosen"], row["_rejected"]), [(row["_rejected"], row["_chosen"])]


def _hh_fake(rng):
    prompt = "".join(f"\n\nHuman: {_words(rng, 3, 12)}\n\nAssistant: {_words(rng, 3, 12)}"
                     for _ in range(rng.randint(0, 2))) + f"\n\nHuman: {_words(rng, 3, 12)}"
    return {"chosen": f"{prompt}\n\nAssistant: {_words(rng, 2, 20)}",
            "rejected": f"{prompt}\n\nAssistant: {_words(rng, 2, 20)}"}


_choice(
    "anthropic_hh", "Anthropic/hh-rlhf", {"train": "train", "test": "test"},
    {"chosen": S, "rejected": S},
    _hh_render,
    _hh_answers,
    _hh_fake, prepare=_hh_prepare,
    description="a conversation and two replies; true = reply A is the one people preferred "
                "(w2s_edu.experiment.reward trains the paper's pairwise reward model on the same data)")


def _dream_fake(rng):
    choice = [_words(rng, 1, 8) for _ in range(3)]
    dialogue = [f"{speaker}: {_words(rng, 3, 15)}" for speaker in rng.choices("MW", k=rng.randint(2, 6))]
    return {"id": rng.randrange(10**6), "dialogue_id": _word(rng), "dialogue": dialogue,
            "question": _words(rng, 4, 10), "choice": choice, "answer": rng.choice(choice)}


_choice(
    "dream", "dataset-org/dream", {"train": "train", "test": "test"},
    {"id": I32, "dialogue_id": S, "dialogue": Sequence(S), "question": S, "choice": Sequence(S), "answer": S},
    lambda row, a: "Dialogue:\n" + "\n".join(row["dialogue"]) + f"\n\nQuestion: {row['question']}\nAnswer: {a}",
    lambda row: (row["answer"], [c for c in row["choice"] if c != row["answer"]]),
    _dream_fake,
    group=lambda row, i: f"{row['dialogue_id']}/{row['id']}",
    description="a dialogue, a question and one of three answers")

_binary(
    "ethics_justice", "hendrycks/ethics", {"train": "train", "test": "test"},
    {"label": I32, "scenario": S},
    lambda row: f"Statement: {row['scenario']}\nIs this claim reasonable?",
    _labelled("label"),
    lambda rng: {"label": rng.randrange(2), "scenario": _words(rng, 8, 25)},
    config="justice", description="a claim about what someone deserves; true = reasonable")

_binary(
    "ethics_deontology", "hendrycks/ethics", {"train": "train", "test": "test"},
    {"label": I32, "scenario": S, "excuse": S},
    lambda row: f"Request: {row['scenario']}\nReply: {row['excuse']}\nIs this a reasonable exemption?",
    _labelled("label"),
    lambda rng: {"label": rng.randrange(2), "scenario": _words(rng, 5, 15), "excuse": _words(rng, 5, 15)},
    config="deontology", group=lambda row, i: row["scenario"],
    description="a request and an excuse; true = the excuse is reasonable")


def _virtue_parts(scenario: str) -> tuple[str, str]:
    text, _, trait = scenario.rpartition("[SEP]")
    return (text.strip(), trait.strip()) if text else (scenario.strip(), "")


_binary(
    "ethics_virtue", "hendrycks/ethics", {"train": "train", "test": "test"},
    {"label": I32, "scenario": S},
    lambda row: "Scenario: {}\nTrait: {}\nDoes the behaviour show this trait?".format(*_virtue_parts(row["scenario"])),
    _labelled("label"),
    lambda rng: {"label": rng.randrange(2), "scenario": f"{_words(rng, 8, 25)} [SEP] {_word(rng)}"},
    config="virtue", group=lambda row, i: _virtue_parts(row["scenario"])[0],
    description="a scenario and a character trait (hub format 'scenario [SEP] trait'); true = it shows the trait")


def _util_prepare(row, rng):
    first_is_baseline = rng.random() < 0.5
    pair = (row["baseline"], row["less_pleasant"]) if first_is_baseline else (row["less_pleasant"], row["baseline"])
    return {**row, "_pair": pair, "_baseline_at": "1" if first_is_baseline else "2"}


_choice(
    "ethics_utilitarianism", "hendrycks/ethics", {"train": "train", "test": "test"},
    {"baseline": S, "less_pleasant": S},
    lambda row, a: f"Which is more pleasant?\n1) {row['_pair'][0]}\n2) {row['_pair'][1]}\nAnswer: {a}",
    lambda row: (row["_baseline_at"], ["2" if row["_baseline_at"] == "1" else "1"]),
    lambda rng: {"baseline": _words(rng, 6, 20), "less_pleasant": _words(rng, 6, 20)},
    config="utilitarianism", prepare=_util_prepare,
    description="two scenarios in random order; true = the answer names the more pleasant one "
                "(the hub's 'baseline' column)")

_binary(
    "anli_r2", "facebook/anli", {"train": "train_r2", "test": "test_r2"},
    {"uid": S, "premise": S, "hypothesis": S, "label": ClassLabel(names=["entailment", "neutral", "contradiction"])},
    lambda row: f"Premise: {row['premise']}\nHypothesis: {row['hypothesis']}\nDoes the premise entail the hypothesis?",
    lambda row: None if int(row["label"]) < 0 else int(int(row["label"]) == 0),
    lambda rng: {"uid": _word(rng), "premise": _words(rng, 15, 50), "hypothesis": _words(rng, 4, 12),
                 "label": rng.randrange(3)},
    group=lambda row, i: row["premise"],
    description="a premise and a hypothesis (round 2); true = entailment, false = neutral or contradiction")

_binary(
    "cola", "nyu-mll/glue", {"train": "train", "test": "validation"},
    {"sentence": S, "label": ClassLabel(names=["unacceptable", "acceptable"]), "idx": I32},
    lambda row: f"Sentence: {row['sentence']}\nIs this sentence grammatical?",
    _labelled("label"),
    lambda rng: {"sentence": _words(rng, 3, 15), "label": rng.randrange(2), "idx": rng.randrange(10**6)},
    config="cola", description="a sentence; true = grammatically acceptable")

_binary(
    "sst2", "stanfordnlp/sst2", {"train": "train", "test": "validation"},
    {"idx": I32, "sentence": S, "label": ClassLabel(names=["negative", "positive"])},
    lambda row: f"Review: {row['sentence']}",
    _labelled("label"),
    lambda rng: {"idx": rng.randrange(10**6), "sentence": _words(rng, 3, 25), "label": rng.randrange(2)},
    description="a movie review sentence; true = positive")

_choice(
    "hellaswag", "Rowan/hellaswag", {"train": "train", "test": "validation"},
    {"ind": I32, "activity_label": S, "ctx": S, "endings": Sequence(S), "label": S},
    lambda row, a: f"Context: {row['ctx']}\nContinuation: {a}",
    lambda row: None if str(row["label"]).strip() == "" else
    (row["endings"][int(row["label"])], [e for k, e in enumerate(row["endings"]) if k != int(row["label"])]),
    lambda rng: {"ind": rng.randrange(10**6), "activity_label": _words(rng, 1, 3), "ctx": _words(rng, 10, 40),
                 "endings": [_words(rng, 4, 20) for _ in range(4)], "label": str(rng.randrange(4))},
    group=lambda row, i: row["ind"],
    description="a context and one of four endings; true = the real ending")

_binary(
    "mc_taco", "CogComp/mc_taco", {"train": "test", "test": "validation"},
    {"sentence": S, "question": S, "answer": S, "label": ClassLabel(names=["no", "yes"])},
    lambda row: f"{row['sentence']}\nQuestion: {row['question']}\nProposed answer: {row['answer']}\nIs it plausible?",
    _labelled("label"),
    lambda rng: {"sentence": _words(rng, 8, 25), "question": _words(rng, 4, 10), "answer": _words(rng, 1, 4),
                 "label": rng.randrange(2)},
    kind="candidates", group=lambda row, i: f"{row['sentence']}|{row['question']}",
    description="a sentence, a temporal question and a candidate answer; true = plausible "
                "(hub 'test' is the larger split, so it is our train split, as in EleutherAI/w2s)")


def _obqa_render(row, a):
    choices = "\n".join(f"{k}) {t}" for k, t in zip(row["choices"]["label"], row["choices"]["text"]))
    return f"Question: {row['question_stem']}\nChoices:\n{choices}\nAnswer: {a}"


def _obqa_answers(row):
    labels, texts = row["choices"]["label"], row["choices"]["text"]
    at = labels.index(row["answerKey"])
    return texts[at], [t for k, t in enumerate(texts) if k != at]


def _lettered_fake(rng, letters, **extra):
    texts = [_words(rng, 1, 6) for _ in letters]
    return {"choices": {"text": texts, "label": list(letters)}, "answerKey": rng.choice(letters), **extra}


_choice(
    "openbookqa", "allenai/openbookqa", {"train": "train", "test": "test"},
    {"id": S, "question_stem": S, "choices": {"text": Sequence(S), "label": Sequence(S)}, "answerKey": S},
    _obqa_render, _obqa_answers,
    lambda rng: _lettered_fake(rng, "ABCD", id=_word(rng), question_stem=_words(rng, 4, 15)),
    config="main", group=lambda row, i: row["id"],
    description="a question, its four choices, and one choice's text as the answer (text for true and false alike)")

_binary(
    "paws", "google-research-datasets/paws", {"train": "train", "test": "test"},
    {"id": I32, "sentence1": S, "sentence2": S, "label": ClassLabel(names=["0", "1"])},
    lambda row: f"Sentence 1: {row['sentence1']}\nSentence 2: {row['sentence2']}\nDo they mean the same thing?",
    _labelled("label"),
    lambda rng: {"id": rng.randrange(10**6), "sentence1": _words(rng, 8, 25), "sentence2": _words(rng, 8, 25),
                 "label": rng.randrange(2)},
    config="labeled_final", group=lambda row, i: row["id"],
    description="two sentences; true = paraphrases")

_choice(
    "quail", "textmachinelab/quail", {"train": "train", "test": "validation"},
    {"id": S, "context": S, "question": S, "answers": Sequence(S), "correct_answer_id": I32},
    lambda row, a: f"Passage: {row['context']}\nQuestion: {row['question']}\nAnswer: {a}",
    lambda row: (row["answers"][int(row["correct_answer_id"])],
                 [t for k, t in enumerate(row["answers"]) if k != int(row["correct_answer_id"])]),
    lambda rng: {"id": _word(rng), "context": _words(rng, 30, 80), "question": _words(rng, 4, 12),
                 "answers": [_words(rng, 1, 8) for _ in range(4)], "correct_answer_id": rng.randrange(4)},
    group=lambda row, i: row["id"],
    description="a passage, a question and one of four answers")

_choice(
    "piqa", "ybisk/piqa", {"train": "train", "test": "validation"},
    {"goal": S, "sol1": S, "sol2": S, "label": I32},
    lambda row, a: f"Goal: {row['goal']}\nSolution: {a}",
    lambda row: None if int(row["label"]) < 0 else
    ((row["sol1"], [row["sol2"]]) if int(row["label"]) == 0 else (row["sol2"], [row["sol1"]])),
    lambda rng: {"goal": _words(rng, 4, 12), "sol1": _words(rng, 4, 20), "sol2": _words(rng, 4, 20),
                 "label": rng.randrange(2)},
    description="a goal and one of two solutions; true = the one that works")

_choice(
    "quartz", "allenai/quartz", {"train": "train", "test": "test"},
    {"id": S, "question": S, "choices": {"text": Sequence(S), "label": Sequence(S)}, "answerKey": S, "para": S},
    lambda row, a: f"Passage: {row['para']}\nQuestion: {row['question']}\nAnswer: {a}",
    _obqa_answers,
    lambda rng: _lettered_fake(rng, "AB", id=_word(rng), question=_words(rng, 6, 20), para=_words(rng, 10, 30)),
    group=lambda row, i: row["id"],
    description="a passage about a qualitative relation, a question and one of two answers")

_choice(
    "social_i_qa", "allenai/social_i_qa", {"train": "train", "test": "validation"},
    {"context": S, "question": S, "answerA": S, "answerB": S, "answerC": S, "label": S},
    lambda row, a: f"Context: {row['context']}\nQuestion: {row['question']}\nAnswer: {a}",
    lambda row: (lambda answers, at: (answers[at], [x for k, x in enumerate(answers) if k != at]))(
        [row["answerA"], row["answerB"], row["answerC"]], int(row["label"]) - 1),
    lambda rng: {"context": _words(rng, 6, 20), "question": _words(rng, 3, 8), "answerA": _words(rng, 1, 6),
                 "answerB": _words(rng, 1, 6), "answerC": _words(rng, 1, 6), "label": str(rng.randint(1, 3))},
    description="a social situation, a question and one of three answers (hub label '1'..'3')")

_binary(
    "multirc", "aps/super_glue", {"train": "train", "test": "validation"},
    {"paragraph": S, "question": S, "answer": S,
     "idx": {"paragraph": I32, "question": I32, "answer": I32}, "label": ClassLabel(names=["False", "True"])},
    lambda row: f"Passage: {row['paragraph']}\nQuestion: {row['question']}\nProposed answer: {row['answer']}",
    _labelled("label"),
    lambda rng: {"paragraph": _words(rng, 30, 80), "question": _words(rng, 4, 12), "answer": _words(rng, 1, 8),
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
    lambda rng: {"word": _word(rng), "sentence1": _words(rng, 5, 20), "sentence2": _words(rng, 5, 20),
                 "idx": rng.randrange(10**6), "label": rng.randrange(2)},
    config="wic", description="a word in two sentences; true = same meaning")

_binary(
    "twitter_sentiment", "EleutherAI/twitter-sentiment", {"train": "train", "test": "test"},
    {"text": S, "label": Value("int64")},
    lambda row: f"Tweet: {row['text']}",
    _labelled("label"),
    lambda rng: {"text": _words(rng, 3, 25), "label": rng.randrange(2)},
    description="a tweet; true = positive")
