"""Pretrain the chess model ladder (``chess-s``, ``chess-m``, ``chess-l``) on engine-labelled positions.

The pretraining *is* the latent knowledge the weak-to-strong experiment tries to elicit. Each rung
is a small BERT encoder (``transformers.BertModel``, trained from scratch) that reads the task's
own text, "FEN + UCI move" (:mod:`.tokenizer`), and learns three things from Stockfish's labels
on the mean-pooled output (the same pooling the pipeline's classifiers use):

* ``best``: is this move the engine's best move in this position? (binary; negatives are other
  top moves that are clearly worse, and random legal moves);
* ``q``: the expected score after this move (known for the engine's top moves);
* ``value``: the expected score of the position for the side to move (a value target beside the
  best move).

Only the backbone is saved (``save_pretrained``), with the tokenizer and a ``w2s_chess.json``
that records the config, seed, data recipe, timings and measured accuracies, so anyone can
rebuild a rung. Rungs differ in size *and* training compute (steps), which is what separates them
at this budget. Run ``python -m w2s_edu.chess.pretrain --help`` (or ``w2s-edu chess-pretrain``).

GPU / more compute: the same command scales (``--games``, ``--steps``, ``--sizes``, ``--device
cuda``); a ladder with more games, deeper labels and 10-100x the steps is what separates rungs on
harder puzzles. See :data:`GPU_RECIPE`.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .engine import win_prob
from .tokenizer import MAX_TOKENS, build_tokenizer

LADDER_DIR = Path(__file__).resolve().parent.parent / "data" / "chess"
META_FILE = "w2s_chess.json"
GPU_RECIPE = ("python -m w2s_edu.chess.pretrain --games 20000 --steps 200000 --batch-size 1024 --device cuda "
              "--sizes chess-s:2x64,chess-m:4x128,chess-l:8x256 --out ./chess-ladder")


@dataclass
class RungConfig:
    """One rung: encoder size and training compute."""

    name: str
    layers: int
    hidden: int
    heads: int
    steps: int
    batch_size: int = 64
    lr: float = 1e-3
    warmup_frac: float = 0.05
    weight_decay: float = 0.01
    q_coef: float = 1.0
    value_coef: float = 0.5
    tie_square_init: bool = True
    seed: int = 0

    def bert_config(self, vocab_size: int):
        from transformers import BertConfig

        return BertConfig(vocab_size=vocab_size, hidden_size=self.hidden, num_hidden_layers=self.layers,
                          num_attention_heads=self.heads, intermediate_size=4 * self.hidden,
                          max_position_embeddings=MAX_TOKENS + 8, type_vocab_size=1, pad_token_id=0,
                          hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


# The shipped ladder (see w2s_edu/data/chess/*/w2s_chess.json for what each one measured).
DEFAULT_LADDER = (
    RungConfig("chess-s", layers=1, hidden=32, heads=2, steps=100, lr=2e-3),
    RungConfig("chess-m", layers=2, hidden=48, heads=2, steps=400, lr=2e-3),
    RungConfig("chess-l", layers=3, hidden=64, heads=4, steps=1200),
)


# ----------------------------------------------------------------------------- data


@dataclass
class PretrainData:
    """Labelled positions as arrays: the top moves (UCI) with scores, and every legal move."""

    fens: list[str]
    top: list[list[tuple[str, int]]]
    legal: list[list[str]] = field(default_factory=list)

    @classmethod
    def from_positions(cls, rows: list[dict]) -> "PretrainData":
        import chess

        legal = [[m.uci() for m in chess.Board(r["fen"]).legal_moves] for r in rows]
        return cls([r["fen"] for r in rows], [[tuple(m) for m in r["moves"]] for r in rows], legal)

    def __len__(self) -> int:
        return len(self.fens)

    def sample(self, rng: random.Random, idx: list[int], near_cp: int = 30) -> dict:
        """Two examples per position: its best move, and a worse move (half the time another of the
        engine's top moves that is at least ``near_cp`` worse, else a random legal move outside the
        top moves). Returns texts and targets (``q`` is nan where the engine gave no score)."""
        texts, best, q, value = [], [], [], []
        for i in idx:
            fen, top = self.fens[i], self.top[i]
            v = win_prob(top[0][1])
            texts.append(f"{fen} {top[0][0]}")
            best.append(1.0)
            q.append(v)
            value.append(v)
            worse = [(m, cp) for m, cp in top[1:] if top[0][1] - cp >= near_cp]
            known = {m for m, _ in top}
            others = [m for m in self.legal[i] if m not in known]
            if worse and (not others or rng.random() < 0.5):
                m, cp = rng.choice(worse)
                texts.append(f"{fen} {m}")
                q.append(win_prob(cp))
            elif others:
                texts.append(f"{fen} {rng.choice(others)}")
                q.append(float("nan"))
            else:
                continue
            best.append(0.0)
            value.append(v)
        return {"texts": texts, "best": torch.tensor(best), "q": torch.tensor(q), "value": torch.tensor(value)}


# ----------------------------------------------------------------------------- model


@torch.no_grad()
def tie_square_embeddings(backbone, tokenizer) -> None:
    """Start the position embedding of each board slot equal to the token embedding of that square's
    name (slot 0 is a8, slot 63 is h1), so a move token like ``e4`` attends to the ``e4`` slot from
    the first step: small models otherwise spend most of their budget discovering that link."""
    from .tokenizer import board_squares

    emb = backbone.embeddings
    ids = tokenizer.convert_tokens_to_ids(board_squares())
    emb.position_embeddings.weight[: len(ids)] = emb.word_embeddings.weight[ids]


class ChessPretrainer(nn.Module):
    """BertModel + mean pooling + three small heads (best move, move value, position value)."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        h = backbone.config.hidden_size
        self.heads = nn.Linear(h, 3)

    def forward(self, input_ids, attention_mask):
        from ..models import mean_pool

        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.heads(mean_pool(hidden, attention_mask))


def losses(out: torch.Tensor, batch: dict, cfg: RungConfig) -> dict:
    f = nn.functional
    best = f.binary_cross_entropy_with_logits(out[:, 0], batch["best"])
    known = ~torch.isnan(batch["q"])
    q = f.mse_loss(torch.sigmoid(out[known, 1]), batch["q"][known]) if known.any() else out.sum() * 0
    value = f.mse_loss(torch.sigmoid(out[:, 2]), batch["value"])
    return {"total": best + cfg.q_coef * q + cfg.value_coef * value, "best": best, "q": q, "value": value}


@torch.no_grad()
def evaluate(model: ChessPretrainer, tokenizer, data: PretrainData, device: str = "cpu", batch: int = 256) -> dict:
    """Held-out pretraining metrics: best-vs-worse accuracy (fixed sample), value MSE."""
    model.eval()
    rng = random.Random(12345)
    correct = total = 0
    vmse = []
    for start in range(0, len(data), batch):
        b = data.sample(rng, list(range(start, min(len(data), start + batch))))
        enc = tokenizer(b["texts"], padding=True, return_tensors="pt")
        out = model(enc["input_ids"].to(device), enc["attention_mask"].to(device)).cpu()
        correct += int(((out[:, 0] > 0).float() == b["best"]).sum())
        total += len(b["best"])
        vmse.append(float(((torch.sigmoid(out[:, 2]) - b["value"]) ** 2).mean()))
    model.train()
    return {"best_acc": correct / max(total, 1), "value_mse": float(np.mean(vmse))}


def pretrain_rung(cfg: RungConfig, train: PretrainData, val: PretrainData, out_dir: Path | None,
                  device: str = "cpu", recipe: dict | None = None, show_progress: bool = True,
                  snapshots: tuple[int, ...] = ()) -> dict:
    """Train one rung from scratch and save its backbone + tokenizer + metadata to ``out_dir``."""
    from tqdm.auto import tqdm
    from transformers import BertModel, get_cosine_schedule_with_warmup

    tokenizer = build_tokenizer()
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    backbone = BertModel(cfg.bert_config(len(tokenizer)), add_pooling_layer=False)
    if cfg.tie_square_init:
        tie_square_embeddings(backbone, tokenizer)
    model = ChessPretrainer(backbone).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = get_cosine_schedule_with_warmup(opt, int(cfg.warmup_frac * cfg.steps), cfg.steps)
    order: list[int] = []
    start = time.time()
    log = []
    bar = tqdm(range(cfg.steps), desc=f"pretraining {cfg.name}", unit="step", disable=not show_progress)
    for step in bar:
        if len(order) < cfg.batch_size:
            fresh = list(range(len(train)))
            rng.shuffle(fresh)
            order.extend(fresh)
        idx, order = order[: cfg.batch_size], order[cfg.batch_size:]
        b = train.sample(rng, idx)
        enc = tokenizer(b["texts"], padding=True, return_tensors="pt")
        out = model(enc["input_ids"].to(device), enc["attention_mask"].to(device))
        parts = losses(out, {k: v.to(device) for k, v in b.items() if k != "texts"}, cfg)
        parts["total"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if out_dir is not None and step + 1 in snapshots:  # intermediate compute, e.g. for studies
            model.backbone.save_pretrained(Path(out_dir).with_name(f"{cfg.name}-step{step + 1}"))
            tokenizer.save_pretrained(Path(out_dir).with_name(f"{cfg.name}-step{step + 1}"))
        if step % 50 == 0 or step == cfg.steps - 1:
            log.append({"step": step, **{k: round(float(v.detach()), 4) for k, v in parts.items()}})
            bar.set_postfix(loss=f"{float(parts['total'].detach()):.3f}")
    seconds = time.time() - start
    metrics = evaluate(model, tokenizer, val, device)
    meta = {"rung": asdict(cfg), "parameters": sum(p.numel() for p in model.backbone.parameters()),
            "seconds": round(seconds, 1), "threads": torch.get_num_threads(), "device": device,
            "val": metrics, "train_positions": len(train), "val_positions": len(val), "log": log,
            "recipe": recipe or {}}
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        model.backbone.save_pretrained(out_dir, safe_serialization=True)
        tokenizer.save_pretrained(out_dir)
        (out_dir / META_FILE).write_text(json.dumps(meta, indent=2))
    return meta


def parse_sizes(spec: str, steps: str | None = None, base: tuple = DEFAULT_LADDER) -> list[RungConfig]:
    """``"chess-s:1x32,chess-m:2x64"`` (layers x hidden) -> rung configs; ``steps`` "150,1500"."""
    rungs = []
    for i, item in enumerate(s for s in spec.split(",") if s.strip()):
        name, _, shape = item.partition(":")
        layers, _, hidden = shape.partition("x")
        if not layers.isdigit() or not hidden.isdigit():
            raise ValueError(f"--sizes expects name:LAYERSxHIDDEN items, e.g. chess-s:1x32; got {item!r}.")
        by_name = {r.name: r for r in base}
        template = by_name.get(name.strip()) or base[min(i, len(base) - 1)]
        rungs.append(replace(template, name=name.strip(), layers=int(layers), hidden=int(hidden),
                             heads=max(1, int(hidden) // 32) if int(hidden) != template.hidden else template.heads))
    if steps:
        counts = [int(s) for s in steps.split(",")]
        if len(counts) != len(rungs):
            raise ValueError(f"--steps needs one count per rung ({len(rungs)}), got {steps!r}.")
        rungs = [replace(r, steps=n) for r, n in zip(rungs, counts)]
    return rungs


def default_sizes() -> str:
    return ",".join(f"{r.name}:{r.layers}x{r.hidden}" for r in DEFAULT_LADDER)


def default_steps() -> str:
    return ",".join(str(r.steps) for r in DEFAULT_LADDER)


def main(argv: list[str] | None = None) -> int:
    from .build import build_ladder

    p = argparse.ArgumentParser(prog="python -m w2s_edu.chess.pretrain", description=__doc__.split("\n\n")[0],
                                epilog=f"GPU run, for example: {GPU_RECIPE}")
    p.add_argument("--out", default="chess-ladder",
                   help="folder for the rungs (default: ./chess-ladder). Use the rungs as models by folder, e.g. "
                        "--strong chess-ladder/chess-l (results are cached by folder: use a new folder per rebuild)")
    p.add_argument("--work", default=None, help="folder for self-play data (default: the w2s-edu cache)")
    p.add_argument("--games", type=int, default=None,
                   help="self-play games, 10%% of them for puzzles (default: the shipped game ranges)")
    p.add_argument("--sizes", default=default_sizes(), help="rungs as name:LAYERSxHIDDEN, comma-separated")
    p.add_argument("--steps", default=None,
                   help=f"training steps per rung, comma-separated (default {default_steps()})")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--workers", type=int, default=2, choices=(1, 2), help="self-play processes (1 or 2)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1 on a shared machine)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="a seconds-long run for tests (tiny everything)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    rungs = parse_sizes(args.sizes, args.steps)
    if args.batch_size:
        rungs = [replace(r, batch_size=args.batch_size) for r in rungs]
    summary = build_ladder(rungs, games=args.games, out=args.out, work=args.work, workers=args.workers,
                           device=args.device, seed=args.seed, smoke=args.smoke)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
