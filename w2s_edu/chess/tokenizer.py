"""A fixed chess vocabulary that reads "FEN + UCI move" text, saved as a Hugging Face fast tokenizer.

The task's text is what any language model can read: a standard FEN and a UCI move, e.g.
``"r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3 f1b5"``. Small models learn
far faster when every square has its own token at a fixed position, so the tokenizer (built only
from ``tokenizers`` components, so ``AutoTokenizer.from_pretrained`` loads it anywhere) normalises
the text first:

* the move counters are dropped (they say little about the best move);
* rank separators ``/`` are dropped and digit runs of empty squares become that many ``.``,
  so the board is always 64 one-character tokens, a8 first;
* then come the side to move (``w``/``b``), the castling rights as one token, the en-passant
  square (or ``-``) and the move as from-square, to-square and an optional promotion piece.

A position with a move is 69 or 70 tokens; no special tokens are added (mean pooling reads all).
"""

from __future__ import annotations

import itertools

from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

PAD, UNK = "[PAD]", "[UNK]"
PIECES = list("pnbrqkPNBRQK.")
SQUARES = [f + r for r in "12345678" for f in "abcdefgh"]
CASTLING = ["".join(c) for n in range(1, 5) for c in itertools.combinations("KQkq", n)]
MAX_TOKENS = 72  # 64 squares + side + castling + en passant + from + to + promotion, with room


def board_squares() -> list[str]:
    """Square names in the order the board tokens come: a8 ... h8, a7 ... h1 (FEN order)."""
    return [f + r for r in "87654321" for f in "abcdefgh"]


def vocabulary() -> dict[str, int]:
    tokens = [PAD, UNK, *PIECES, "w", "-", *CASTLING, *SQUARES]
    return {tok: i for i, tok in enumerate(dict.fromkeys(tokens))}


def build_tokenizer():
    """A ``PreTrainedTokenizerFast`` over the fixed chess vocabulary (see the module docstring)."""
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(vocab=vocabulary(), unk_token=UNK))
    expand = [normalizers.Replace(Regex(rf"{n}(?=[^ ]* [wb] )"), "." * n) for n in range(8, 0, -1)]
    tok.normalizer = normalizers.Sequence([
        normalizers.Strip(),
        normalizers.Replace(Regex(r" \d+ \d+(?= |$)"), ""),  # drop the move counters
        normalizers.Replace("/", ""),
        *expand,
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"(?<= [wb] )[KQkq]+|[a-h][1-8]|\S"), behavior="isolated"),
        pre_tokenizers.WhitespaceSplit(),
    ])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token=PAD, unk_token=UNK,
                                   model_max_length=MAX_TOKENS)
    return fast
