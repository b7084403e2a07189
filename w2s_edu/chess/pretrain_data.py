"""Pretraining examples for the chess ladder: engine-labelled positions -> tokenized training batches.

:class:`PretrainData` holds positions as Stockfish labelled them (the top moves with scores) plus
every legal move; :meth:`PretrainData.sample` turns positions into "is this the best move?" pairs
with value targets. :class:`PairBatches` streams tokenized batches for a ``torch`` ``DataLoader``,
so worker processes can tokenize while the GPU trains (on a GPU the tokenizer, not the model, is
the bottleneck: about 10k texts per second per CPU core).

Colour mirroring doubles the data exactly: flipping the board top to bottom and swapping the
colours (``chess.Board.mirror``) gives a position whose best move is the mirrored move with the
same score for the side to move. (A left-right flip is not a symmetry: castling and the king's
file break it.)
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .engine import win_prob


def mirror_move(uci: str) -> str:
    """The move in the colour-mirrored position (``e2e4`` -> ``e7e5``; promotions keep their piece)."""
    import chess

    move = chess.Move.from_uci(uci)
    return chess.Move(chess.square_mirror(move.from_square), chess.square_mirror(move.to_square),
                      promotion=move.promotion).uci()


def _label_rows(rows: list[dict], mirror: bool) -> tuple[list, list, list]:
    import chess

    fens, top, legal = [], [], []
    for r in rows:
        board = chess.Board(r["fen"])
        fens.append(r["fen"])
        top.append([(m, int(cp)) for m, cp in r["moves"]])
        legal.append(" ".join(m.uci() for m in board.legal_moves))
        if mirror:
            twin = board.mirror()
            fens.append(twin.fen())
            top.append([(mirror_move(m), int(cp)) for m, cp in r["moves"]])
            legal.append(" ".join(m.uci() for m in twin.legal_moves))
    return fens, top, legal


@dataclass
class PretrainData:
    """Labelled positions as lists: the top moves (UCI) with scores, and every legal move (one
    space-separated string per position, which keeps 10^5-10^6 positions light in memory)."""

    fens: list[str]
    top: list[list[tuple[str, int]]]
    legal: list[str] = field(default_factory=list)

    @classmethod
    def from_positions(cls, rows: list[dict], mirror: bool = False, processes: int = 0) -> "PretrainData":
        """Positions as :func:`.selfplay.generate` writes them; ``mirror=True`` adds every position's
        colour-mirrored twin (twice the examples, same labels). ``processes`` > 1 lists legal moves
        in parallel (worth it from about 10^5 positions)."""
        if processes > 1 and len(rows) > 20_000:
            import multiprocessing as mp

            size = -(-len(rows) // processes)  # contiguous chunks: the same order as one process
            chunks = [rows[i:i + size] for i in range(0, len(rows), size)]
            with mp.get_context("spawn").Pool(processes) as pool:
                parts = pool.starmap(_label_rows, [(c, mirror) for c in chunks])
            return cls(*(sum((part[k] for part in parts), []) for k in range(3)))
        return cls(*_label_rows(rows, mirror))

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
            others = [m for m in self.legal[i].split() if m not in known]
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


class PairBatches(torch.utils.data.IterableDataset):
    """An endless stream of tokenized batches of ``batch_size`` positions (about twice as many texts).

    Each ``DataLoader`` worker walks its own shuffled order of the positions with its own seed
    (``seed``, worker id), so a run is reproducible for a fixed number of workers."""

    def __init__(self, data: PretrainData, tokenizer, batch_size: int, seed: int = 0):
        self.data, self.tokenizer, self.batch_size, self.seed = data, tokenizer, batch_size, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        rng = random.Random(self.seed * 1009 + (info.id if info else 0))
        order: list[int] = []
        while True:
            if len(order) < self.batch_size:
                fresh = list(range(len(self.data)))
                rng.shuffle(fresh)
                order.extend(fresh)
            idx, order = order[: self.batch_size], order[self.batch_size:]
            batch = self.data.sample(rng, idx)
            enc = self.tokenizer(batch.pop("texts"), padding=True, return_tensors="pt")
            yield {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], **batch}


def write_positions(rows: list[dict], path: str | Path) -> Path:
    """Save positions compactly (game, ply, FEN, top moves) as gzipped JSON lines, e.g. to carry
    self-play data to a GPU machine that has no Stockfish (:func:`.selfplay.read_positions` reads it)."""
    path = Path(path)
    with gzip.open(path, "wt") as f:
        for r in rows:
            f.write(json.dumps({k: r[k] for k in ("game", "ply", "fen", "moves")}) + "\n")
    return path

