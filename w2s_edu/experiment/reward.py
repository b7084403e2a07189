"""Pairwise reward modeling, the paper's third setting: which of two replies is better?

A reward model gives a reply a scalar score r(x). Burns et al. (2023) trained it on *pairs*
(Anthropic HH-style data: one conversation, a chosen and a rejected reply) with the Bradley-Terry
model: P(A better than B) = sigmoid(r(A) - r(B)). Scoring single replies as "good"/"bad" instead
leaves every model near chance, because whether a reply is good depends on what it competes with.

Here a pair is shown in a random (seeded) order as replies A and B; its label is 1 when A is the
chosen one. :class:`BradleyTerryModel` wraps any classifier of :mod:`w2s_edu.models.backbones` built with one
output (the score) and returns the two logits ``[0, r(A) - r(B)]``: a softmax over them is exactly
``[1 - P, P]`` with ``P = sigmoid(r(A) - r(B))``. So the losses of :mod:`w2s_edu.losses` (xent,
logconf, product), the training loop and the metrics work unchanged, and swapping A and B turns P
into 1 - P exactly. :class:`PairInputs` gives the training loop the ``subset``/``batch`` interface
of :class:`w2s_edu.models.features.Inputs` over pairs of encoded texts, each text encoded once.

:func:`run_reward_w2s` is the weak-to-strong experiment on pairs: a weak reward model trained on
ground-truth preferences labels the student's pairs with its soft preferences; PGR is measured on
pairwise accuracy. Offline default (``task="categories"``): the conversation asks "What kind of
thing is a rutabaga?", the chosen reply gives the noun's WordNet category and the rejected one a
wrong category (drawn as often as each category is right, so the category alone says nothing).
``task="anthropic_hh"`` uses ``Anthropic/hh-rlhf`` (internet, or ``"anthropic_hh@folder"`` for a
``save_to_disk`` copy).

What the scorer reads: the last human turn and the reply ("Human: ...\\n\\nAssistant: ..."), not
the whole conversation, so that the reply survives a short ``max_length``; raise ``max_length``
and write your own ``reward_text`` for long contexts.
"""

from __future__ import annotations

import random
import re
import time
import warnings
from dataclasses import dataclass

import datasets
import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .. import cache
from ..config import W2SConfig
from ..models.features import Inputs
from .metrics import PGRUndefinedWarning
from ..models.backbones import LinearProbe, TopLayersClassifier, TransformerClassifier, fresh_backbone, load_backbone
from .pipeline import ModelRole, _one_hot, _seed_metrics, _summarize, train_and_predict, validation_labels
from .results import W2SResult
from ..tasks.splits import split_task

REWARD_TASKS = ("categories", "anthropic_hh")

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
    from ..tasks.registry import _other
    from ..tasks.words import _article, wordnet_nouns

    rng = random.Random(seed)
    nouns = wordnet_nouns()
    options = [c for _, c in nouns]
    rows = {k: [] for k in _PAIR_FEATURES}
    for noun, category in nouns:
        wrong = _other(rng, options, category)
        art = _article(noun)
        rows["prompt"].append(f"Human: What kind of thing is {art.lower()} {noun}?")
        rows["chosen"].append(f"{art} {noun} is a kind of {category}.")
        rows["rejected"].append(f"{art} {noun} is a kind of {wrong}.")
        rows["group"].append(noun)
    return datasets.Dataset.from_dict(rows, features=_PAIR_FEATURES)


def hh_pairs(rows) -> datasets.Dataset:
    """Prompt/chosen/rejected pairs from HH rows (``chosen``/``rejected`` transcripts); rows whose
    transcripts do not parse or whose two replies are identical are skipped, with a warning."""
    out = {k: [] for k in _PAIR_FEATURES}
    skipped = 0
    for i, row in enumerate(rows):
        try:
            prompt, chosen, rejected = split_hh_pair(row["chosen"], row["rejected"])
        except ValueError:
            skipped += 1
            continue
        if chosen == rejected:
            skipped += 1
            continue
        for key, value in zip(_PAIR_FEATURES, (prompt, chosen, rejected, str(i))):
            out[key].append(value)
    if skipped:
        warnings.warn(f"skipped {skipped} HH row(s) that do not parse as one conversation with two different "
                      "final replies", stacklevel=2)
    if not out["prompt"]:
        raise ValueError("no usable HH pairs: every row failed to parse (see split_hh_pair)")
    return datasets.Dataset.from_dict(out, features=_PAIR_FEATURES)


def load_reward_pairs(task: str = "categories", seed: int = 0, *, rows=None, split: str = "train",
                      max_items: int | None = None) -> datasets.Dataset:
    """Pairs for ``task``: ``"categories"`` (offline), ``"anthropic_hh"`` (the hub; ``rows=`` gives
    the rows, no network) or ``"anthropic_hh@folder"`` (a ``save_to_disk`` copy)."""
    name, _, path = task.removeprefix("reward:").partition("@")
    if name == "categories":
        pairs = categories_pairs(seed)
    elif name == "anthropic_hh":
        from ..tasks.paper import _read_hub, _read_local, paper_dataset

        spec = paper_dataset("anthropic_hh")
        if rows is None:
            rows = _read_local(spec, split, path) if path else _read_hub(spec, split, None)
        pairs = hh_pairs(rows)
    else:
        raise ValueError(f"unknown reward task {task!r}; choose from {', '.join(REWARD_TASKS)} "
                         "(anthropic_hh@<folder> reads a save_to_disk copy)")
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


# --------------------------------------------------------------------------- model and inputs

@dataclass
class PairInputs:
    """N pairs of texts for the training loop: ``base`` holds each distinct text once (encoded), and
    ``a``/``b`` are the positions of each pair's two texts in it. Same interface as
    :class:`w2s_edu.models.features.Inputs` (``len``, ``lengths``, ``subset``, ``batch``)."""

    base: Inputs
    a: torch.Tensor
    b: torch.Tensor

    def __post_init__(self):
        self.a = torch.as_tensor(self.a, dtype=torch.long)
        self.b = torch.as_tensor(self.b, dtype=torch.long)
        if self.a.shape != self.b.shape or self.a.dim() != 1:
            raise ValueError(f"a and b must be 1-D and the same length, got {tuple(self.a.shape)} and "
                             f"{tuple(self.b.shape)}")

    @property
    def kind(self) -> str:
        return self.base.kind

    def __len__(self) -> int:
        return len(self.a)

    def lengths(self) -> torch.Tensor:
        lengths = self.base.lengths()
        return torch.maximum(lengths[self.a], lengths[self.b])

    def subset(self, idx) -> "PairInputs":
        idx = torch.as_tensor(idx, dtype=torch.long)
        return PairInputs(self.base, self.a[idx], self.b[idx])

    def swapped(self) -> "PairInputs":
        """The same pairs with A and B exchanged."""
        return PairInputs(self.base, self.b, self.a)

    def batch(self, idx, padding_side: str = "right") -> dict:
        """A flat dict (the training loop moves each value to the device): ``a/<key>`` and ``b/<key>``
        hold the two texts' batches, e.g. ``a/features`` or ``a/input_ids`` + ``a/attention_mask``."""
        idx = torch.as_tensor(idx, dtype=torch.long)
        out = {}
        for side, pos in (("a", self.a), ("b", self.b)):
            out.update({f"{side}/{k}": v for k, v in self.base.batch(pos[idx], padding_side).items()})
        return out


def _side(batch: dict, side: str) -> dict:
    prefix = f"{side}/"
    return {k[len(prefix):]: v for k, v in batch.items() if k.startswith(prefix)}


class BradleyTerryModel(nn.Module):
    """Two logits ``[0, r(A) - r(B)]`` from a scorer with one output ``r``: softmax gives
    ``P(A better) = sigmoid(r(A) - r(B))`` (Bradley-Terry), and swapping A and B gives ``1 - P``."""

    def __init__(self, scorer: nn.Module):
        super().__init__()
        self.scorer = scorer
        self.input_kind = getattr(scorer, "input_kind", None)

    def reward(self, batch: dict) -> torch.Tensor:
        """Scores (B,) of one side's batch (keys without the ``a/``/``b/`` prefix)."""
        out = self.scorer(batch)
        if out.dim() != 2 or out.shape[1] != 1:
            raise ValueError(f"the scorer must return one score per example, shape (B, 1); got {tuple(out.shape)}. "
                             "Build it with num_classes=1.")
        return out[:, 0]

    def forward(self, batch: dict) -> torch.Tensor:
        diff = self.reward(_side(batch, "a")) - self.reward(_side(batch, "b"))
        return torch.stack([torch.zeros_like(diff), diff], dim=1)


def bradley_terry_prob(reward_a, reward_b) -> torch.Tensor:
    """P(A better than B) = sigmoid(r(A) - r(B))."""
    return torch.sigmoid(torch.as_tensor(reward_a) - torch.as_tensor(reward_b))


class RewardRole(ModelRole):
    """A :class:`w2s_edu.experiment.pipeline.ModelRole` whose classifiers are Bradley-Terry reward models.

    ``data_key`` (a hash of the pairs and their labels) goes into the cache key, so predictions
    cached for one pair set are never reused for another with the same row positions."""

    def __init__(self, name: str, mode: str, cfg: W2SConfig, data_key: str):
        super().__init__(name, mode, cfg)
        self.data_key = data_key

    def key(self) -> dict:
        return super().key() | {"objective": "bradley-terry", "data": self.data_key}

    def new_classifier(self, seed: int) -> BradleyTerryModel:
        torch.manual_seed(seed)
        if self.kind == "features":
            scorer = LinearProbe(self.hidden_size, num_classes=1)
        elif self.kind == "hidden":
            scorer = TopLayersClassifier(load_backbone(self.spec)[0], self.train_layers, num_classes=1)
        else:
            scorer = TransformerClassifier(fresh_backbone(self.spec)[0], self.train_layers, num_classes=1)
        return BradleyTerryModel(scorer)


# --------------------------------------------------------------------------- the experiment

def run_reward_w2s(config: W2SConfig | None = None, *, pairs: datasets.Dataset | None = None,
                   **overrides) -> W2SResult:
    """Weak-to-strong on pairwise preferences; returns a :class:`w2s_edu.experiment.results.W2SResult` whose
    accuracies are *pairwise* accuracies (how often the model prefers the chosen reply).

    Uses every field of ``config`` as :func:`w2s_edu.experiment.pipeline.run_w2s` does (models, modes, sizes,
    seeds, losses, validation); ``config.task`` names the pairs (:func:`load_reward_pairs`, an
    optional ``reward:`` prefix is accepted), or pass ``pairs`` (prompt/chosen/rejected columns).
    Sizes count pairs. The pairs' A/B order is drawn with ``task_seed``; the split with each seed.
    """
    cfg = (config or W2SConfig()).replace(**overrides) if overrides else (config or W2SConfig())
    start = time.time()
    task = cfg.task.removeprefix("reward:")
    if pairs is None:
        pairs = load_reward_pairs(task, seed=cfg.task_seed)
    missing = [c for c in ("prompt", "chosen", "rejected") if c not in pairs.column_names]
    if missing:
        raise ValueError(f"pairs lack column(s) {missing}; they need prompt, chosen and rejected")
    ds = order_pairs(pairs.select_columns(["prompt", "chosen", "rejected"]), seed=cfg.task_seed)
    cfg = cfg.replace(task=f"reward:{task}")
    splits = {s: split_task(ds.select_columns(["text", "label"]), cfg.n_train_weak, cfg.n_train_strong,
                            cfg.n_test, seed=s) for s in cfg.seeds}
    labels = np.asarray(ds["label"])
    needed = np.unique(np.concatenate([np.asarray(sp[n]["idx"]) for sp in splits.values() for n in sp]))
    position = {int(i): p for p, i in enumerate(needed)}
    sub = ds.select(needed)
    a_texts = [reward_text(p, r) for p, r in zip(sub["prompt"], sub["a"])]
    b_texts = [reward_text(p, r) for p, r in zip(sub["prompt"], sub["b"])]
    texts = sorted(set(a_texts) | set(b_texts))
    where = {t: i for i, t in enumerate(texts)}
    a_pos, b_pos = [where[t] for t in a_texts], [where[t] for t in b_texts]
    data_key = cache.stable_hash([cache.texts_hash(a_texts), cache.texts_hash(b_texts), labels[needed].tolist()])

    weak = RewardRole(cfg.weak, cfg.weak_mode or cfg.mode, cfg, data_key)
    strong = RewardRole(cfg.strong, cfg.mode, cfg, data_key)
    if weak.key() == strong.key():
        warnings.warn("The weak and strong reward models are the same model in the same mode: PGR is undefined.",
                      PGRUndefinedWarning)
    weak_inputs = PairInputs(weak.inputs(texts), a_pos, b_pos)
    strong_inputs = PairInputs(strong.inputs(texts), a_pos, b_pos)

    per_seed = []
    stages = len(cfg.seeds) * (2 + len(cfg.losses))
    with tqdm(total=stages, desc="weak-to-strong (pairs)", unit="model", disable=not cfg.show_progress) as bar:
        for seed in cfg.seeds:
            sp = splits[seed]
            idx = {name: np.asarray(sp[name]["idx"]) for name in sp}
            if cfg.val_size:
                idx["val"] = idx["train_strong"][-cfg.val_size:]
                idx["train_strong"] = idx["train_strong"][:-cfg.val_size]
            rows = {name: np.asarray([position[int(i)] for i in v]) for name, v in idx.items()}
            y = {name: labels[v] for name, v in idx.items()}
            tag = f"seed {seed}"
            bar.set_postfix_str(f"{tag}: weak {cfg.weak}")
            w = train_and_predict(weak, weak_inputs, rows, "train_weak", _one_hot(y["train_weak"]), "xent", seed,
                                  "ground_truth", f"{tag} weak RM {cfg.weak}",
                                  ("train_strong", "test") + (("val",) if cfg.val_size else ()))
            bar.update()
            bar.set_postfix_str(f"{tag}: ceiling {cfg.strong}")
            c = train_and_predict(strong, strong_inputs, rows, "train_weak", _one_hot(y["train_weak"]), "xent",
                                  seed, "ground_truth", f"{tag} ceiling RM {cfg.strong}")
            bar.update()
            val = validation_labels(cfg, w, y)
            students = {}
            for loss in cfg.losses:
                bar.set_postfix_str(f"{tag}: {cfg.strong} on weak preferences ({loss})")
                students[loss] = train_and_predict(strong, strong_inputs, rows, "train_strong", w["train_strong"],
                                                   loss, seed, w["key"], f"{tag} w2s RM {loss}", val=val)
                bar.update()
            per_seed.append(_seed_metrics(seed, y, w, c, students))
    return _summarize(cfg, per_seed, time.time() - start)
