"""Chess for weak-to-strong experiments: puzzles, the Lichess format, a pretrained model ladder.

* :mod:`.puzzles`: forced mates by exhaustive search; engine tactics; the capture-or-mate baseline.
* :mod:`.lichess`: read/write the public Lichess puzzle CSV.
* :mod:`.task`: puzzles as the "position + move -> best?" task (binary and multiple-choice accuracy).
* :mod:`.selfplay`, :mod:`.engine`: noisy Stockfish self-play that labels positions (optional engine).
* :mod:`.tokenizer`, :mod:`.pretrain`, :mod:`.build`, :mod:`.ladder`: the shipped ``chess-s/m/l`` encoders and
  the command that rebuilds them.
"""
