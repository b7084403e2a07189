"""Building and measuring the chess ladder (lesson 07). The puzzles and the ``chess-puzzles`` task
themselves are a task like any other: :mod:`w2s_edu.tasks.chess`; the rungs are registered models
(:mod:`w2s_edu.models.registry`).

* :mod:`.engine`, :mod:`.selfplay`: noisy Stockfish self-play that labels positions (optional engine);
* :mod:`.tokenizer`, :mod:`.pretrain_data`, :mod:`.pretrain`: pretraining one chess encoder;
* :mod:`.build`: the whole ladder end to end, and its command (``w2s-edu chess-pretrain``);
* :mod:`.evaluate`, :mod:`.measure`: the rungs on the puzzle task, the acceptance record ``ladder.json``;
* :mod:`.compute`: the ladder by pretraining compute (one run's checkpoints, ``chess-c-<p>pct``): recipe
  and supervisor chosen on development seeds, direct against bootstrapped, ``compute_ladder.json``.
"""
