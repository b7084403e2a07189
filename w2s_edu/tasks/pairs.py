"""Pairwise preference data for reward modeling: Anthropic HH transcripts, the offline WordNet pairs, and
their presentation as replies A and B.

A pair is one conversation (``prompt``) with a ``chosen`` and a ``rejected`` reply. :func:`order_pairs` shows
each pair as replies A and B in a seeded random order (``label`` 1 when A is the chosen one);
:func:`reward_text` is what a reward model scores of one reply: the last human turn and the reply, so that
the reply survives a short ``max_length``. The experiment on these pairs is
:func:`w2s_edu.experiment.reward.run_reward_w2s`.

The pair datasets are registered tasks of kind ``pairs``: ``reward:categories`` (offline) and
``reward:anthropic_hh`` (the hub, or ``reward:anthropic_hh@<folder>`` for a ``save_to_disk`` copy).
They are not text/label tasks, so :func:`w2s_edu.tasks.get_task` refuses them: load them with
:func:`load_reward_pairs`.
"""

from __future__ import annotations

import random
import re

import datasets

from .paper import paper_dataset, read_hub, read_local
from .registry import list_tasks, register_task, task_spec
from .rows import FieldError, MalformedRowError, SkipLog, SkipRow, check_row
from .statements import article, other_choice
from .words import wordnet_nouns

# --------------------------------------------------------------------------- HH transcripts

_TURN = re.compile(r"\n\n(Human|Assistant):[ \t]?")


def parse_hh_transcript(text: str) -> list[tuple[str, str]]:
    """Split an HH transcript ``"\\n\\nHuman: ...\\n\\nAssistant: ..."`` into ``[(role, message), ...]``.

    The leading blank line is optional. Raises ``ValueError`` if there is text before the first
    turn or no turn at all.
    """
    if not isinstance(text, str):
        raise ValueError(f"an HH transcript must be a string, got {type(text).__name__}")
    if text.startswith(("Human:", "Assistant:")):
        text = "\n\n" + text
    parts = _TURN.split(text)
    if parts[0].strip() or len(parts) < 3:
        raise ValueError(f"not an HH transcript (expected '\\n\\nHuman: ...\\n\\nAssistant: ...'): {text[:80]!r}")
    return [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts), 2)]


def format_turns(turns: list[tuple[str, str]]) -> str:
    """The inverse of :func:`parse_hh_transcript`, without the leading blank line."""
    return "\n\n".join(f"{role}: {message}" for role, message in turns)


def split_hh_pair(chosen: str, rejected: str) -> tuple[str, str, str]:
    """``(prompt, chosen reply, rejected reply)`` of an HH row: the shared conversation and the two
    final Assistant replies. Raises ``ValueError`` when the transcripts do not end in an Assistant
    reply or differ before it (a few hh-rlhf rows do; loaders skip them)."""
    c, r = parse_hh_transcript(chosen), parse_hh_transcript(rejected)
    if c[-1][0] != "Assistant" or r[-1][0] != "Assistant":
        raise ValueError("both transcripts must end with an Assistant reply")
    if c[:-1] != r[:-1]:
        raise ValueError("the chosen and rejected transcripts differ before their last reply")
    return format_turns(c[:-1]), c[-1][1], r[-1][1]


def reward_text(prompt: str, response: str) -> str:
    """What the reward model scores: the prompt's last human turn and the reply."""
    turns = parse_hh_transcript(prompt) if prompt.strip() else []
    human = [t for t in turns if t[0] == "Human"]
    head = f"Human: {human[-1][1]}\n\n" if human else ""
    return f"{head}Assistant: {response}"


def pair_text(prompt: str, a: str, b: str) -> str:
    """A human-readable pair (also the ``text`` column of :func:`order_pairs`)."""
    return f"{prompt}\n\nResponse A: {a}\n\nResponse B: {b}\n\nIs response A better than response B?"


# --------------------------------------------------------------------------- pair datasets

_PAIR_FEATURES = datasets.Features({k: datasets.Value("string") for k in ("prompt", "chosen", "rejected", "group")})


def categories_pairs(seed: int = 0) -> datasets.Dataset:
    """The offline pairwise task: a category question about each WordNet noun, the right category as
    the chosen reply and a wrong one (drawn as often as each category is right) as the rejected."""
    rng = random.Random(seed)
    nouns = wordnet_nouns()
    options = [c for _, c in nouns]
    rows = {k: [] for k in _PAIR_FEATURES}
    for noun, category in nouns:
        wrong = other_choice(rng, options, category)
        art = article(noun)
        rows["prompt"].append(f"Human: What kind of thing is {art.lower()} {noun}?")
        rows["chosen"].append(f"{art} {noun} is a kind of {category}.")
        rows["rejected"].append(f"{art} {noun} is a kind of {wrong}.")
        rows["group"].append(noun)
    return datasets.Dataset.from_dict(rows, features=_PAIR_FEATURES)


def hh_pairs(rows, split: str = "train") -> datasets.Dataset:
    """Prompt/chosen/rejected pairs from HH rows (``chosen``/``rejected`` transcripts). A value that is not a
    string, or a missing column, is a :class:`~.rows.MalformedRowError` naming the split, row and field; rows
    whose transcripts do not parse or whose two replies are identical are skipped, counted in one
    :class:`~.rows.SkippedRowsWarning`."""
    out = {k: [] for k in _PAIR_FEATURES}
    rows, skipped, features = list(rows), SkipLog(), paper_dataset("anthropic_hh").features
    for i, row in enumerate(rows):
        try:
            check_row(row, features)
            prompt, chosen, rejected = split_hh_pair(row["chosen"], row["rejected"])
            if chosen == rejected:
                raise SkipRow("rejected", "the chosen and the rejected reply are the same")
        except SkipRow as skip:
            skipped.add(i, skip)
            continue
        except FieldError as err:
            raise MalformedRowError("anthropic_hh", split, i, err.field, err.problem) from err
        except ValueError as err:
            skipped.add(i, SkipRow("rejected", f"the transcripts are not one conversation with two final "
                                               f"replies ({err})"))
            continue
        for key, value in zip(_PAIR_FEATURES, (prompt, chosen, rejected, str(i))):
            out[key].append(value)
    skipped.warn("anthropic_hh", split, len(rows))
    if not out["prompt"]:
        raise ValueError(f"no usable HH pairs in the {len(rows)} row(s) of split {split!r}: every row failed to "
                         "parse (see split_hh_pair)")
    return datasets.Dataset.from_dict(out, features=_PAIR_FEATURES)


@register_task("reward:categories", "pairs: 'What kind of thing is a rutabaga?' with the right WordNet category "
               "as the chosen reply and a wrong one as the rejected (offline)", kind="pairs")
def _build_categories_pairs(seed: int, *, rows=None, split: str = "train", path: str | None = None):
    if rows is not None or path:
        raise ValueError("reward:categories is generated offline: it takes no rows= and no '@<folder>'")
    return categories_pairs(seed)


@register_task("reward:anthropic_hh", "pairs: Anthropic/hh-rlhf conversations with the chosen and the rejected "
               "reply (the hub; reward:anthropic_hh@<folder> reads a save_to_disk copy)", kind="pairs")
def _build_hh_pairs(seed: int, *, rows=None, split: str = "train", path: str | None = None):
    if rows is None:
        spec = paper_dataset("anthropic_hh")
        rows = read_local(spec, split, path) if path else read_hub(spec, split)
    return hh_pairs(rows, split)


def load_reward_pairs(task: str = "categories", seed: int = 0, *, rows=None, split: str = "train",
                      max_items: int | None = None) -> datasets.Dataset:
    """Pairs (prompt/chosen/rejected/group) of the registered ``pairs`` task ``task``, the ``reward:``
    prefix optional: ``"categories"`` (offline), ``"anthropic_hh"`` (the hub; ``rows=`` gives the
    rows, no network) or ``"anthropic_hh@folder"`` (a ``save_to_disk`` copy). ``max_items`` keeps
    that many pairs, drawn with ``seed``."""
    name = task if task.startswith("reward:") else f"reward:{task}"
    base, _, path = name.partition("@")
    if base not in list_tasks("pairs"):
        raise ValueError(f"unknown reward task {task!r}; choose from {', '.join(list_tasks('pairs'))} "
                         "(the 'reward:' prefix is optional; anthropic_hh@<folder> reads a save_to_disk copy)")
    pairs = task_spec(base).builder(seed, rows=rows, split=split, path=path or None)
    if max_items is not None and max_items < len(pairs):
        pairs = pairs.select(sorted(random.Random(seed).sample(range(len(pairs)), max_items)))
    return pairs


def order_pairs(pairs: datasets.Dataset, seed: int = 0) -> datasets.Dataset:
    """Show each pair as replies A and B in a seeded random order; ``label`` = 1 when A is the chosen.

    Exactly half the pairs (rounded up) get label 1, so neither position is more often right.
    Adds columns ``a``, ``b``, ``label`` and ``text`` (:func:`pair_text`).
    """
    n = len(pairs)
    labels = [int(i < (n + 1) // 2) for i in range(n)]
    random.Random(seed).shuffle(labels)
    chosen, rejected, prompts = pairs["chosen"], pairs["rejected"], pairs["prompt"]
    a = [c if y else r for c, r, y in zip(chosen, rejected, labels)]
    b = [r if y else c for c, r, y in zip(chosen, rejected, labels)]
    return (pairs.add_column("a", a).add_column("b", b).add_column("label", labels)
            .add_column("text", [pair_text(p, x, z) for p, x, z in zip(prompts, a, b)]))
