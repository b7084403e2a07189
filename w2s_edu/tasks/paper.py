"""The NLP datasets of Burns et al. (2023) as balanced true/false tasks, and a detector of label leaks.

The paper turned 22 NLP datasets into binary classification (its appendix; the public reproductions
``openai/weak-to-strong`` and ``EleutherAI/w2s`` did the same). This module is that registry for
w2s-edu: for each dataset, which Hugging Face id and config to load, which splits to use, how a row
becomes one or more ``(text, label)`` examples, and a generator of fake rows of the same schema for
the leak detector. ``list_paper_tasks()`` names them; ``load_paper_task(name)`` loads one (needs the
internet the first time); ``get_task("paper:sciq")`` (see :mod:`w2s_edu.tasks.registry`) runs one through the
pipeline: ``W2SConfig(task="paper:sciq")``. ``paper:sciq@./folder`` reads a copy saved with
``save_to_disk`` instead of the hub.

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
  a single example per item instead (half the items true, half false, seeded).

Every output is a :class:`datasets.Dataset` with ``text`` (str), ``label`` (0/1) and ``group`` (the
source item, e.g. ``"sciq:train:17"``). The same name, split and seed always give the same dataset,
so the test set is fixed per seed.

**Splits and groups.** :func:`w2s_edu.tasks.splits.split_task` splits by row, not by group: the true and
false example of one item can land in different parts (one in ``train_weak``, its partner in
``test``). A model that memorised "the answer to this question is X" in training then knows its
partner in the test set is false. For SciQ (11,679 training items) with the default sizes
(1,500 / 1,500 / 2,000) that is 12-13% of the test examples (seeds 0-2; :func:`straddling_groups`
counts them); ``per_item="one"`` removes the risk at the cost of half the examples. The pipeline
draws all three parts from the hub's *train* split; ``load_paper_task(name, split="test")`` is the
hub's held-out split, for an evaluation of your own.

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

**The leak detector.** :func:`format_leak_score` writes fake rows of a dataset's schema whose
content is random words (answers, distractors and answer indices all random), formats them, and
trains a character n-gram + length classifier on half the items to predict the label of the other
half. Content carries no signal by construction, so accuracy above chance means the *template*
gives the label away.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import datasets
from datasets import ClassLabel, Features, Sequence, Value

KINDS = ("binary", "candidates", "choice")
PER_ITEM = ("both", "one")


@dataclass(frozen=True)
class PaperDataset:
    """How one hub dataset becomes a true/false task.

    ``features`` are the hub columns the formatter reads, with their hub types (rows carry more
    columns; we ignore those). For ``binary``/``candidates`` datasets ``render(row)`` writes the
    text and ``label(row)`` returns 0/1 (``None`` skips the row, e.g. an unlabelled test row). For
    ``choice`` datasets ``answers(row)`` returns ``(correct, [wrong, ...])`` (``None`` skips the
    item) and ``render(row, answer)`` writes the text for any one answer. ``prepare(row, rng)``, if
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
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}, got {self.kind!r}")
        needs = "answers" if self.kind == "choice" else "label"
        if getattr(self, needs) is None:
            raise ValueError(f"{self.name}: a {self.kind!r} dataset needs {needs}=...")


_REGISTRY: dict[str, PaperDataset] = {}


def _register(spec: PaperDataset) -> None:
    if spec.name in _REGISTRY:
        raise ValueError(f"paper dataset {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec


def list_paper_tasks() -> list[str]:
    """Names of the paper's datasets, sorted (use them as ``paper:<name>`` tasks)."""
    return sorted(_REGISTRY)


def describe_paper_tasks() -> dict[str, str]:
    """Map name -> one line: hub id (config), kind, and what a true example says."""
    out = {}
    for name in list_paper_tasks():
        s = _REGISTRY[name]
        hub = s.hub_id + (f" ({s.config})" if s.config else "")
        out[name] = f"{hub}; {s.kind}; {s.description}"
    return out


def paper_dataset(name: str) -> PaperDataset:
    """The registry entry of ``name`` (raises a ``ValueError`` naming the valid ones)."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown paper dataset {name!r}; available: {', '.join(list_paper_tasks())}")
    return _REGISTRY[name]


# --------------------------------------------------------------------------- formatting

def format_rows(name: str, rows: Iterable[dict], *, split: str = "train", seed: int = 0,
                per_item: str = "both", render: Callable[..., str] | None = None) -> datasets.Dataset:
    """Turn source rows of dataset ``name`` into a balanced ``text``/``label``/``group`` Dataset.

    ``rows`` is a list of dicts or a :class:`datasets.Dataset` with the hub schema. ``render``
    overrides the dataset's template (the leak tests use it to plant a leak). Deterministic for
    ``seed``: one ``random.Random(seed)`` draws the wrong answers, the balancing and the order.
    """
    spec = paper_dataset(name)
    if per_item not in PER_ITEM:
        raise ValueError(f"per_item must be one of {PER_ITEM}, got {per_item!r}")
    render = render or spec.render
    rows = list(rows)
    _check_columns(spec, rows)
    rng = random.Random(seed)
    texts, labels, groups = [], [], []
    if spec.kind == "choice":
        items = []
        for i, row in enumerate(rows):
            row = spec.prepare(row, rng) if spec.prepare else row
            got = spec.answers(row)
            if got is None:
                continue
            correct, wrong = got
            wrong = [w for w in wrong if w != correct]
            if not wrong:
                continue
            items.append((row, correct, rng.choice(wrong), f"{name}:{split}:{spec.group(row, i)}"))
        if per_item == "one":
            truth = [int(k < (len(items) + 1) // 2) for k in range(len(items))]
            rng.shuffle(truth)
        for k, (row, correct, wrong, group) in enumerate(items):
            keep = (1, 0) if per_item == "both" else (truth[k],)
            for label in keep:
                texts.append(render(row, correct if label else wrong))
                labels.append(label)
                groups.append(group)
    else:
        for i, row in enumerate(rows):
            label = spec.label(row)
            if label is None:
                continue
            texts.append(render(row))
            labels.append(int(label))
            groups.append(f"{name}:{split}:{spec.group(row, i)}")
        keep = _balanced_rows(labels, rng)
        texts, labels, groups = ([x[i] for i in keep] for x in (texts, labels, groups))
    order = list(range(len(texts)))
    rng.shuffle(order)
    features = Features({"text": Value("string"), "label": Value("int64"), "group": Value("string")})
    return datasets.Dataset.from_dict({"text": [texts[i] for i in order], "label": [labels[i] for i in order],
                                       "group": [groups[i] for i in order]}, features=features)


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
    missing = [c for c in spec.features if c not in rows[0]]
    if missing:
        raise ValueError(f"{spec.name}: the rows lack column(s) {missing}; {spec.hub_id} rows have "
                         f"{list(spec.features)} (found {sorted(rows[0])}). Pass rows of the hub schema.")


def straddling_groups(parts: dict) -> dict[str, int]:
    """How many examples of each part share a ``group`` with an example of another part.

    ``parts`` maps a part name to a Dataset (or anything with a ``group`` column), e.g. the
    DatasetDict of :func:`w2s_edu.tasks.splits.split_task`. Non-zero counts mean items straddle parts.
    """
    groups = {name: list(part["group"]) for name, part in parts.items()}
    out = {}
    for name, mine in groups.items():
        others = set().union(*(set(g) for other, g in groups.items() if other != name))
        out[name] = sum(g in others for g in mine)
    return out


# --------------------------------------------------------------------------- loading

def load_paper_task(name: str, split: str = "train", seed: int = 0, *, rows=None, path: str | None = None,
                    max_items: int | None = None, per_item: str = "both",
                    revision: str | None = None) -> datasets.Dataset:
    """Load dataset ``name`` and format it as a balanced true/false task (see :func:`format_rows`).

    Where the rows come from, first match wins: ``rows`` (a list of dicts or a Dataset, no
    network), ``path`` (a folder written by ``save_to_disk``: a Dataset, or a DatasetDict with the
    hub split names or ``train``/``test``), else the Hugging Face hub (``datasets.load_dataset``;
    needs internet the first time, then the ``datasets`` cache). ``split`` is ``"train"`` or
    ``"test"``, mapped to the hub split the registry names. ``max_items`` keeps that many source rows,
    drawn with ``seed``, before formatting (a quick look at a large dataset).
    """
    spec = paper_dataset(name)
    if split not in spec.splits:
        raise ValueError(f"split must be one of {sorted(spec.splits)}, got {split!r}")
    if rows is None:
        rows = _read_local(spec, split, path) if path is not None else _read_hub(spec, split, revision)
    if max_items is not None and max_items < len(rows):
        keep = sorted(random.Random(seed).sample(range(len(rows)), max_items))
        rows = rows.select(keep) if isinstance(rows, datasets.Dataset) else [rows[i] for i in keep]
    return format_rows(name, rows, split=split, seed=seed, per_item=per_item)


def _read_local(spec: PaperDataset, split: str, path: str):
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path!r} is not a folder; pass the folder that save_to_disk wrote for {spec.name}.")
    ds = datasets.load_from_disk(path)
    if isinstance(ds, datasets.DatasetDict):
        for key in (spec.splits[split], split):
            if key in ds:
                return ds[key]
        raise ValueError(f"{path!r} has splits {list(ds)}; {spec.name} needs {spec.splits[split]!r} "
                         f"(or {split!r}) for its {split} split.")
    return ds


def _read_hub(spec: PaperDataset, split: str, revision: str | None):
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
            "yourself with rows=[...]. Offline tasks that always work: see w2s_edu.tasks.registry.list_tasks()."
        ) from err


# --------------------------------------------------------------------------- templates and schemas

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
    _register(PaperDataset(name, hub_id, config, splits, "choice", Features(features), render, fake,
                           answers=answers, group=group or (lambda row, i: i), prepare=prepare,
                           description=description))


def _binary(name, hub_id, splits, features, render, label, fake, *, config=None, group=None, kind="binary",
            description=""):
    _register(PaperDataset(name, hub_id, config, splits, kind, Features(features), render, fake, label=label,
                           group=group or (lambda row, i: i), description=description))


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
    from .pairs import split_hh_pair

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


# --------------------------------------------------------------------------- the leak detector

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
