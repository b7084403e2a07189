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
rebuild a rung. Rungs differ in size *and* training compute (steps). Run ``python -m
w2s_edu.chess.build --help`` (or ``w2s-edu chess-pretrain``).

Where the shipped rungs came from: 210,320 positions from 2,116 self-play games (Stockfish 15.1 on
this project's 2-core CPU machine), colour-mirrored to 399,408 training examples, then trained on
one H100 with 12 DataLoader workers tokenizing (:data:`GPU_RECIPE`,
``benchmarks/chess/gpu_pretrain.sh``). On a CPU the same command works but is far too slow for
these sizes (a chess-l step at batch 512 takes seconds on two cores): pass ``--batch-size 64`` and
fewer steps, and expect a weaker ladder.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .pretrain_data import PairBatches, PretrainData
from .tokenizer import MAX_TOKENS, build_tokenizer

__all__ = ["RungConfig", "DEFAULT_LADDER", "PretrainData", "pretrain_rung", "snapshot_steps"]

META_FILE = "w2s_chess.json"
PREFETCH = 4  # batches each loader worker prepares ahead
GPU_RECIPE = ("python -m w2s_edu.chess.build --positions benchmarks/chess/pretrain-positions.jsonl.gz "
              "--device cuda --loader-workers 12 --threads 4 --batch-size 512 "
              "--sizes chess-s:1x32,chess-m:4x96,chess-l:8x128 --lr 2e-3,1e-3,5e-4 "
              "--steps 3419,4550,2532 --out ./chess-ladder")


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
    max_seconds: float | None = None  # cap: fewer steps if `steps` would take longer (timed first)

    def bert_config(self, vocab_size: int):
        from transformers import BertConfig

        return BertConfig(vocab_size=vocab_size, hidden_size=self.hidden, num_hidden_layers=self.layers,
                          num_attention_heads=self.heads, intermediate_size=4 * self.hidden,
                          max_position_embeddings=MAX_TOKENS + 8, type_vocab_size=1, pad_token_id=0,
                          hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


# The shipped ladder (see w2s_edu/data/chess/*/w2s_chess.json for what each one measured): trained on
# one H100 at batch 512, each for the steps that fitted its time cap. chess-l got 2,532 steps because
# the session's GPU time ran out (a run planned at 6,550 steps was cut off just before the end).
DEFAULT_LADDER = (
    RungConfig("chess-s", layers=1, hidden=32, heads=2, steps=3419, batch_size=512, lr=2e-3),
    RungConfig("chess-m", layers=4, hidden=96, heads=3, steps=4550, batch_size=512, lr=1e-3),
    RungConfig("chess-l", layers=8, hidden=128, heads=4, steps=2532, batch_size=512, lr=5e-4),
)


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
        from ..models.classifiers import mean_pool

        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.heads(mean_pool(hidden, attention_mask))


def losses(out: torch.Tensor, batch: dict, cfg: RungConfig) -> dict:
    f = nn.functional
    best = f.binary_cross_entropy_with_logits(out[:, 0], batch["best"])
    known = ~torch.isnan(batch["q"])  # masked, not indexed: no GPU sync per step
    q_err = (torch.sigmoid(out[:, 1]) - torch.nan_to_num(batch["q"])) ** 2
    q = (q_err * known).sum() / known.sum().clamp(min=1)
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


def _build(cfg: RungConfig, tokenizer, device: str):
    from transformers import BertModel

    torch.manual_seed(cfg.seed)
    backbone = BertModel(cfg.bert_config(len(tokenizer)), add_pooling_layer=False)
    if cfg.tie_square_init:
        tie_square_embeddings(backbone, tokenizer)
    model = ChessPretrainer(backbone).to(device)
    return model, torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)


def _step(model, opt, batch: dict, cfg: RungConfig, device: str) -> dict:
    batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
    out = model(batch["input_ids"], batch["attention_mask"])
    parts = losses(out, batch, cfg)
    parts["total"].backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return parts


def _batches(train: PretrainData, tokenizer, cfg: RungConfig, workers: int, device: str):
    data = PairBatches(train, tokenizer, cfg.batch_size, seed=cfg.seed)
    pin = workers > 0 and device.startswith("cuda")
    loader = torch.utils.data.DataLoader(data, batch_size=None, num_workers=workers, pin_memory=pin,
                                         persistent_workers=False, prefetch_factor=PREFETCH if workers else None)
    return iter(loader)


def affordable_steps(cfg: RungConfig, train: PretrainData, device: str = "cpu", workers: int = 0,
                     probe_steps: int = 100, probe_seconds: float = 5.0) -> tuple[int, float]:
    """How many steps fit in ``cfg.max_seconds``: times up to ``probe_steps`` steps (at most about
    ``probe_seconds``) of a throwaway copy once the loader's queued batches are used up (a first
    version timed only queued batches and planned twice too many steps); returns (steps, seconds per step)."""
    tokenizer = build_tokenizer()
    model, opt = _build(cfg, tokenizer, device)
    batches = _batches(train, tokenizer, cfg, workers, device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    for _ in range(3 + PREFETCH * workers):  # drain the batches the loader queued ahead: time the steady state
        _step(model, opt, next(batches), cfg, device)
    sync()
    start, done = time.time(), 0
    while done < probe_steps and time.time() - start < probe_seconds:
        _step(model, opt, next(batches), cfg, device)
        sync()
        done += 1
    per_step = (time.time() - start) / done
    return max(1, min(cfg.steps, int(cfg.max_seconds / per_step))), per_step


def snapshot_steps(steps: int, percents) -> dict[int, float]:
    """Steps at which to keep a checkpoint, ``{step: percent}``, for percents of a run of ``steps``
    steps (0 is the untrained encoder, any other percent at least step 1, 100 the final step)."""
    return {(0 if p == 0 else max(1, round(steps * p / 100))): p for p in percents}


def save_rung(model: ChessPretrainer, tokenizer, out_dir: Path, meta: dict) -> None:
    """Write the backbone (safetensors), the tokenizer and the ``w2s_chess.json`` metadata."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.backbone.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2))


def pretrain_rung(cfg: RungConfig, train: PretrainData, val: PretrainData, out_dir: Path | None,
                  device: str = "cpu", recipe: dict | None = None, show_progress: bool = True,
                  snapshots: dict[int, Path] | None = None, workers: int = 0) -> dict:
    """Train one rung from scratch and save its backbone + tokenizer + metadata to ``out_dir``.

    ``snapshots`` maps a step to a folder: the model as it is after that step is saved there, with
    its own metadata (steps, examples seen, share of the run's compute, held-out metrics), so one
    run yields a ladder by pretraining compute. ``workers`` DataLoader processes sample and tokenize
    batches (use several on a GPU machine). With ``cfg.max_seconds`` set, the step count is first
    cut to what fits in that time (the metadata records the steps actually run and the measured
    seconds per step)."""
    from tqdm.auto import tqdm
    from transformers import get_cosine_schedule_with_warmup

    planned = cfg.steps
    per_step = None
    if cfg.max_seconds:
        steps, per_step = affordable_steps(cfg, train, device, workers)
        cfg = replace(cfg, steps=steps)
    tokenizer = build_tokenizer()
    model, opt = _build(cfg, tokenizer, device)
    sched = get_cosine_schedule_with_warmup(opt, int(cfg.warmup_frac * cfg.steps), cfg.steps)
    batches = _batches(train, tokenizer, cfg, workers, device)
    snapshots = snapshots or {}
    snapshot_log: list[dict] = []
    log: list[dict] = []

    def describe(steps_run: int, seconds: float, metrics: dict) -> dict:
        return {"rung": asdict(cfg), "planned_steps": planned, "timed_seconds_per_step": per_step,
                "steps_run": steps_run, "examples_seen": steps_run * cfg.batch_size,
                "compute_fraction": round(steps_run / cfg.steps, 4),
                "parameters": sum(p.numel() for p in model.backbone.parameters()),
                "seconds": round(seconds, 1), "threads": torch.get_num_threads(), "device": device,
                "device_name": torch.cuda.get_device_name() if device.startswith("cuda") else "cpu",
                "loader_workers": workers, "val": metrics, "train_positions": len(train), "val_positions": len(val),
                "log": list(log), "recipe": recipe or {}}

    evaluating = 0.0  # seconds spent on held-out metrics at snapshots: not training time

    def snapshot(steps_run: int) -> None:
        nonlocal evaluating
        trained, t0 = time.time() - start - evaluating, time.time()
        snap = describe(steps_run, trained, evaluate(model, tokenizer, val, device))
        evaluating += time.time() - t0
        save_rung(model, tokenizer, snapshots[steps_run], snap)
        snapshot_log.append({k: snap[k] for k in ("steps_run", "compute_fraction", "seconds", "val")})

    start = time.time()
    if 0 in snapshots:  # the untrained encoder: what the architecture gives before any pretraining
        snapshot(0)
    bar = tqdm(range(cfg.steps), desc=f"pretraining {cfg.name}", unit="step", disable=not show_progress,
               mininterval=2.0)
    deadline = start + 1.5 * cfg.max_seconds if cfg.max_seconds else None
    steps_run = 0
    for step in bar:
        parts = _step(model, opt, next(batches), cfg, device)
        sched.step()
        steps_run = step + 1
        if deadline and time.time() > deadline and step < cfg.steps - 1:  # the timing was off: stop, keep it
            print(f"{cfg.name}: stopped at step {steps_run} of {cfg.steps}, 1.5x over its time cap")
            break
        if step + 1 in snapshots and step + 1 < cfg.steps:  # intermediate compute: a rung of the compute ladder
            snapshot(step + 1)
        if step % 50 == 0 or step == cfg.steps - 1:
            log.append({"step": step, **{k: round(float(v.detach()), 4) for k, v in parts.items()}})
            bar.set_postfix(loss=f"{float(parts['total'].detach()):.3f}")
    meta = describe(steps_run, time.time() - start - evaluating, evaluate(model, tokenizer, val, device))
    if snapshot_log:
        meta["snapshots"] = snapshot_log
    if out_dir is not None:
        save_rung(model, tokenizer, out_dir, meta)
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
