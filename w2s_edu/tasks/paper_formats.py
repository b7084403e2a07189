"""The definitions of the paper's datasets: one :class:`~.paper.PaperDataset` per dataset, each registered
as task ``paper:<name>`` (:func:`~.paper.register_paper_dataset`). This module holds the ``choice``
datasets; those whose rows carry their label (``binary``, ``candidates``) are in :mod:`.paper_labels`.

Each definition gives the hub id, config and splits, the hub columns the formatter reads (with their
types), the template (``render``), the label or the answers, the item (``group``) and a generator of
fake rows with random content (``fake``, for :mod:`.leaks`). :mod:`.paper` explains the three kinds
(``binary``, ``candidates``, ``choice``) and does the formatting and loading; :mod:`.rows` reads each
field strictly (a malformed row is an error naming the dataset, split, row and field).

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

**Generic answers.** CosmosQA offers "None of the above choices ." in most items and QuAIL "not enough
information" in every one; each is the right answer in a minority of items. Drawn as a wrong answer
like any other, the phrase alone would predict the label (on CosmosQA's validation set "that phrase ->
false, else true" scored about 0.62, on QuAIL 0.59). :func:`~.paper.format_rows` therefore drops every
item whose right answer is such a phrase and never draws one as a wrong answer, for every choice dataset
(:func:`~.rows.is_generic_answer`); :func:`w2s_edu.tasks.leaks.answer_leak_score` checks the result.

To add a dataset: write its ``_choice(...)`` call here (or ``_binary(...)`` in :mod:`.paper_labels`), then
check it with :func:`w2s_edu.tasks.leaks.format_leak_score` (``tests/test_hub_datasets.py`` runs it on
every one).
"""

from __future__ import annotations

from datasets import Features, Sequence, Value

from .pairs import split_hh_pair
from .paper import PaperDataset, register_paper_dataset
from .rows import (FieldError, SkipRow, answer_key, answer_text, fake_id, fake_word, fake_words, label_index,
                   normalize)

S = Value("string")
I32 = Value("int32")


def _choice(name, hub_id, splits, features, render, answers, fake, *, config=None, group=None, prepare=None,
            description=""):
    register_paper_dataset(PaperDataset(name, hub_id, config, splits, "choice", Features(features), render, fake,
                                        answers=answers, group=group or (lambda row, i: i), prepare=prepare,
                                        description=description))


def _pick(options: list[str], at: int, field: str) -> tuple[str, list[str]]:
    """``(options[at], the other options)``, the right answer's text checked (``field`` names it)."""
    return answer_text(options[at], field), [o for k, o in enumerate(options) if k != at]


# SciQ: four-way science questions; the support paragraph is left out (as in the paper's SciQ).
_choice(
    "sciq", "allenai/sciq", {"train": "train", "test": "test"},
    {"question": S, "distractor3": S, "distractor1": S, "distractor2": S, "correct_answer": S, "support": S},
    lambda row, a: f"Q: {row['question']}\nA: {a}",
    lambda row: (answer_text(row["correct_answer"], "correct_answer"),
                 [row["distractor1"], row["distractor2"], row["distractor3"]]),
    lambda rng: {"question": fake_words(rng, 5, 15), "distractor3": fake_words(rng, 1, 3),
                 "distractor1": fake_words(rng, 1, 3), "distractor2": fake_words(rng, 1, 3),
                 "correct_answer": fake_words(rng, 1, 3), "support": fake_words(rng, 0, 30)},
    description="a science question with one of its four answers")

_NONE_OF_THE_ABOVE = "None of the above choices ."


def _cosmos_answers(row):
    at = label_index(row["label"], "label", 4)
    return _pick([row[f"answer{k}"] for k in range(4)], at, f"answer{at}")


def _cosmos_fake(rng):
    """Like the hub: most items offer "None of the above choices ." and in some it is the right answer."""
    answers, label = [fake_words(rng, 2, 8) for _ in range(4)], rng.randrange(4)
    if rng.random() < 0.7:
        answers[label if rng.random() < 0.12 else rng.choice([k for k in range(4) if k != label])] = _NONE_OF_THE_ABOVE
    return {"id": fake_id(rng), "context": fake_words(rng, 20, 60), "question": fake_words(rng, 4, 10),
            **{f"answer{i}": a for i, a in enumerate(answers)}, "label": label}


_choice(
    "cosmos_qa", "allenai/cosmos_qa", {"train": "train", "test": "validation"},
    {"id": S, "context": S, "question": S, "answer0": S, "answer1": S, "answer2": S, "answer3": S,
     "label": I32},
    lambda row, a: f"Context: {row['context']}\nQuestion: {row['question']}\nAnswer: {a}",
    _cosmos_answers, _cosmos_fake,
    group=lambda row, i: row["id"],
    description="a story, a question and one of four answers ('None of the above choices .' is never used: its "
                "items are dropped and it is never the wrong answer, since alone it would give the label away)")


def _hh_prepare(row, rng):
    try:
        prompt, chosen, rejected = split_hh_pair(row["chosen"], row["rejected"])
    except ValueError as err:  # a few hh-rlhf rows differ before the last reply: skip them (counted)
        raise SkipRow("rejected", f"the transcripts are not one conversation with two final replies ({err})") from err
    if normalize(chosen) == normalize(rejected):
        raise SkipRow("rejected", "the chosen and the rejected reply are the same")
    return {**row, "_prompt": prompt, "_chosen": chosen, "_rejected": rejected}


def _hh_render(row, order):
    first, second = order
    return (f"{row['_prompt']}\n\nResponse A: {first}\n\nResponse B: {second}\n\n"
            "Is response A better than response B?")


def _hh_fake(rng):
    prompt = "".join(f"\n\nHuman: {fake_words(rng, 3, 12)}\n\nAssistant: {fake_words(rng, 3, 12)}"
                     for _ in range(rng.randint(0, 2))) + f"\n\nHuman: {fake_words(rng, 3, 12)}"
    return {"chosen": f"{prompt}\n\nAssistant: {fake_words(rng, 2, 20)}",
            "rejected": f"{prompt}\n\nAssistant: {fake_words(rng, 2, 20)}"}


_choice(
    "anthropic_hh", "Anthropic/hh-rlhf", {"train": "train", "test": "test"},
    {"chosen": S, "rejected": S},
    _hh_render,
    lambda row: ((row["_chosen"], row["_rejected"]), [(row["_rejected"], row["_chosen"])]),
    _hh_fake, prepare=_hh_prepare,
    description="a conversation and two replies; true = reply A is the one people preferred "
                "(w2s_edu.experiment.reward trains the paper's pairwise reward model on the same data)")


def _dream_answers(row):
    """The answer is one of the choices up to whitespace, case and a final full stop; its text is the choice's."""
    matches = [k for k, c in enumerate(row["choice"]) if answer_key(c) == answer_key(row["answer"])]
    if not matches:
        raise FieldError("answer", f"{row['answer']!r} is none of the choices {row['choice']!r}")
    return answer_text(row["choice"][matches[0]], f"choice[{matches[0]}]"), list(row["choice"])


def _dream_fake(rng):
    choice = [fake_words(rng, 1, 8) for _ in range(3)]
    dialogue = [f"{speaker}: {fake_words(rng, 3, 15)}" for speaker in rng.choices("MW", k=rng.randint(2, 6))]
    return {"id": rng.randrange(10**6), "dialogue_id": fake_word(rng), "dialogue": dialogue,
            "question": fake_words(rng, 4, 10), "choice": choice, "answer": rng.choice(choice)}


_choice(
    "dream", "dataset-org/dream", {"train": "train", "test": "test"},
    {"id": I32, "dialogue_id": S, "dialogue": Sequence(S), "question": S, "choice": Sequence(S), "answer": S},
    lambda row, a: "Dialogue:\n" + "\n".join(row["dialogue"]) + f"\n\nQuestion: {row['question']}\nAnswer: {a}",
    _dream_answers, _dream_fake,
    group=lambda row, i: f"{row['dialogue_id']}/{row['id']}",
    description="a dialogue, a question and one of three answers")


def _util_prepare(row, rng):
    if normalize(row["baseline"]) == normalize(row["less_pleasant"]):
        raise SkipRow("less_pleasant", "the same scenario as baseline")
    first_is_baseline = rng.random() < 0.5
    pair = (row["baseline"], row["less_pleasant"]) if first_is_baseline else (row["less_pleasant"], row["baseline"])
    return {**row, "_pair": pair, "_baseline_at": "1" if first_is_baseline else "2"}


_choice(
    "ethics_utilitarianism", "hendrycks/ethics", {"train": "train", "test": "test"},
    {"baseline": S, "less_pleasant": S},
    lambda row, a: f"Which is more pleasant?\n1) {row['_pair'][0]}\n2) {row['_pair'][1]}\nAnswer: {a}",
    lambda row: (row["_baseline_at"], ["2" if row["_baseline_at"] == "1" else "1"]),
    lambda rng: {"baseline": fake_words(rng, 6, 20), "less_pleasant": fake_words(rng, 6, 20)},
    config="utilitarianism", prepare=_util_prepare,
    description="two scenarios in random order; true = the answer names the more pleasant one "
                "(the hub's 'baseline' column)")


def _hellaswag_answers(row):
    at = label_index(row["label"], "label", len(row["endings"]))  # "" (test rows: no label) skips the row
    return _pick(row["endings"], at, f"endings[{at}]")


_choice(
    "hellaswag", "Rowan/hellaswag", {"train": "train", "test": "validation"},
    {"ind": I32, "activity_label": S, "ctx": S, "endings": Sequence(S), "label": S},
    lambda row, a: f"Context: {row['ctx']}\nContinuation: {a}",
    _hellaswag_answers,
    lambda rng: {"ind": rng.randrange(10**6), "activity_label": fake_words(rng, 1, 3), "ctx": fake_words(rng, 10, 40),
                 "endings": [fake_words(rng, 4, 20) for _ in range(4)], "label": str(rng.randrange(4))},
    group=lambda row, i: row["ind"],
    description="a context and one of four endings; true = the real ending")


def _obqa_render(row, a):
    choices = "\n".join(f"{k}) {t}" for k, t in zip(row["choices"]["label"], row["choices"]["text"]))
    return f"Question: {row['question_stem']}\nChoices:\n{choices}\nAnswer: {a}"


def _obqa_answers(row):
    labels, texts = row["choices"]["label"], row["choices"]["text"]
    if len(labels) != len(texts):
        raise FieldError("choices", f"{len(texts)} texts but {len(labels)} labels")
    if row["answerKey"] not in labels:
        raise FieldError("answerKey", f"{row['answerKey']!r} is none of the choice labels {labels}")
    return _pick(texts, labels.index(row["answerKey"]), "choices.text")


def _lettered_fake(rng, letters, **extra):
    texts = [fake_words(rng, 1, 6) for _ in letters]
    return {"choices": {"text": texts, "label": list(letters)}, "answerKey": rng.choice(letters), **extra}


_choice(
    "openbookqa", "allenai/openbookqa", {"train": "train", "test": "test"},
    {"id": S, "question_stem": S, "choices": {"text": Sequence(S), "label": Sequence(S)}, "answerKey": S},
    _obqa_render, _obqa_answers,
    lambda rng: _lettered_fake(rng, "ABCD", id=fake_id(rng), question_stem=fake_words(rng, 4, 15)),
    config="main", group=lambda row, i: row["id"],
    description="a question, its four choices, and one choice's text as the answer (text for true and false alike)")

_NOT_ENOUGH_INFORMATION = "not enough information"


def _quail_fake(rng):
    """Like the hub: every question offers "not enough information", the right answer in about 11% of them."""
    answers, label, nei = [fake_words(rng, 1, 8) for _ in range(4)], rng.randrange(4), rng.randrange(4)
    answers[nei] = _NOT_ENOUGH_INFORMATION
    if (label == nei) != (rng.random() < 0.11):
        label = nei if label != nei else rng.choice([k for k in range(4) if k != nei])
    return {"id": fake_id(rng), "context": fake_words(rng, 30, 80), "question": fake_words(rng, 4, 12),
            "answers": answers, "correct_answer_id": label}


_choice(
    "quail", "textmachinelab/quail", {"train": "train", "test": "validation"},
    {"id": S, "context": S, "question": S, "answers": Sequence(S), "correct_answer_id": I32},
    lambda row, a: f"Passage: {row['context']}\nQuestion: {row['question']}\nAnswer: {a}",
    lambda row: (lambda at: _pick(row["answers"], at, f"answers[{at}]"))(
        label_index(row["correct_answer_id"], "correct_answer_id", len(row["answers"]))),
    _quail_fake,
    group=lambda row, i: row["id"],
    description="a passage, a question and one of four answers ('not enough information', offered in every "
                "question, is never used: its items are dropped and it is never the wrong answer)")

_choice(
    "piqa", "ybisk/piqa", {"train": "train", "test": "validation"},
    {"goal": S, "sol1": S, "sol2": S, "label": I32},
    lambda row, a: f"Goal: {row['goal']}\nSolution: {a}",
    lambda row: (lambda at: _pick([row["sol1"], row["sol2"]], at, f"sol{at + 1}"))(
        label_index(row["label"], "label", 2)),
    lambda rng: {"goal": fake_words(rng, 4, 12), "sol1": fake_words(rng, 4, 20), "sol2": fake_words(rng, 4, 20),
                 "label": rng.randrange(2)},
    description="a goal and one of two solutions; true = the one that works")

_choice(
    "quartz", "allenai/quartz", {"train": "train", "test": "test"},
    {"id": S, "question": S, "choices": {"text": Sequence(S), "label": Sequence(S)}, "answerKey": S, "para": S},
    lambda row, a: f"Passage: {row['para']}\nQuestion: {row['question']}\nAnswer: {a}",
    _obqa_answers,
    lambda rng: _lettered_fake(rng, "AB", id=fake_id(rng), question=fake_words(rng, 6, 20),
                               para=fake_words(rng, 10, 30)),
    group=lambda row, i: row["id"],
    description="a passage about a qualitative relation, a question and one of two answers")

_choice(
    "social_i_qa", "allenai/social_i_qa", {"train": "train", "test": "validation"},
    {"context": S, "question": S, "answerA": S, "answerB": S, "answerC": S, "label": S},
    lambda row, a: f"Context: {row['context']}\nQuestion: {row['question']}\nAnswer: {a}",
    lambda row: (lambda at: _pick([row["answerA"], row["answerB"], row["answerC"]], at, "answer" + "ABC"[at]))(
        label_index(row["label"], "label", 3, first=1)),
    lambda rng: {"context": fake_words(rng, 6, 20), "question": fake_words(rng, 3, 8),
                 "answerA": fake_words(rng, 1, 6), "answerB": fake_words(rng, 1, 6), "answerC": fake_words(rng, 1, 6),
                 "label": str(rng.randint(1, 3))},
    description="a social situation, a question and one of three answers (hub label '1'..'3')")
