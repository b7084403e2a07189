# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 07: Chess puzzles and bootstrapping
#
# The text tasks of the earlier lessons ask what a model *knows*. Chess asks what a model can
# *work out*, and it has a property the text tasks lack: we can check every answer exactly. A
# chess engine (Stockfish) or an exhaustive search tells us the right move, so we can build a
# weak supervisor, a strong student and a ceiling, and know precisely where each one is wrong.
# Burns et al. (2023) used chess puzzles as one of their three settings, with GPT-4-sized students.
# Here the "models" are small chess encoders that ship with the package, pretrained ahead of time on
# positions labelled by Stockfish: a ladder by size, and a ladder by *pretraining compute* (one
# encoder kept at several points of its training), the paper's own x-axis.
#
# The lesson also tries the paper's **bootstrapping** idea: instead of letting the weak model label
# data for the strongest model directly, go in steps (weak -> medium -> strong), each model labelling
# data for the next one. Most of it is about weak-to-strong: which supervisor, which chain, which
# mistakes the student fixes and which it copies, and how PGR on chess compares with text.
#
# **Learning objectives.** By the end you can
#
# 1. write a chess position and a candidate move as text a language model can read (FEN + UCI), and
#    verify a puzzle's answer with python-chess, saying why a proof beats a label;
# 2. score a puzzle classifier two ways: binary accuracy and multiple-choice accuracy;
# 3. read a model ladder honestly: by size and by pretraining compute, with its acceptance rule;
# 4. implement the bootstrapping chain and compare it with direct supervision over seeds, with a
#    paired difference, reading the spread before the mean;
# 5. sort the supervisor's mistakes into those the student fixed and those it copied, and look at
#    the boards;
# 6. put an interval on PGR from per-seed results, and compare PGR by gap on chess and on text.
#
# **Estimated time:** 75 to 90 minutes (in full mode the experiments take about 7 minutes on a
# 2-core CPU; SMOKE mode takes seconds).
#
# **Prerequisites:** Lessons 00 and 02 (splits, soft labels, PGR). You do not need to play chess:
# the lesson explains the little notation it uses. Stockfish is *not* needed: the puzzles and the
# models ship with the package.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/w2s-edu/w2s-edu/blob/main/lessons/07_chess_and_bootstrapping.ipynb)

# %%
import sys

if "google.colab" in sys.modules:
    from IPython import get_ipython

    get_ipython().run_line_magic("pip", 'install -q "w2s-edu @ git+https://github.com/w2s-edu/w2s-edu"')

# %% tags=["parameters"]
import os

SMOKE = os.environ.get("W2S_SMOKE") == "1"  # tiny sizes, so CI can run the whole notebook in seconds

# %%
import chess
import chess.svg
import numpy as np
from IPython.display import SVG, display

from w2s_edu.chess.engine import find_stockfish

print("Stockfish:", find_stockfish() or "not installed (fine: this lesson does not need it)")

# %% [markdown]
# ## 1. A position and a move, as text
#
# A chess position is written as a **FEN** string: the board rank by rank from Black's side (rank 8)
# to White's (rank 1), `/` between ranks, a letter per piece (upper case White, lower case Black:
# **K**ing, **Q**ueen, **R**ook, **B**ishop, k**N**ight, **P**awn), a digit for a run of empty
# squares; then whose turn it is (`w`/`b`), the castling rights, the en-passant square, and two move
# counters. A move in **UCI** notation is the from-square and the to-square, e.g. `f1b5`, plus a
# promotion piece if any (`a7a8q`).
#
# Our task's text is simply the FEN, a space, and the candidate move: any language model can read
# it, and the shipped chess models have a tokenizer that turns it into one token per square.

# %%
board = chess.Board("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3")
print(board.fen())
display(SVG(chess.svg.board(board, arrows=[chess.svg.Arrow(chess.F1, chess.B5)], size=260)))

# %% [markdown]
# The task's text for a position and a candidate move is the FEN, one space and the move
# (`w2s_edu.tasks.chess.task.position_text`). Only legal moves ever become rows: a task built from
# illegal moves would teach a model nonsense.

# %%
from w2s_edu.tasks.chess.task import position_text

move = chess.Move.from_uci("f1b5")
assert move in board.legal_moves  # legal_moves, not pseudo_legal_moves: those may leave the king in check
print(position_text(board.fen(), move.uci()))

# %% [markdown]
# ## 2. Puzzles with a proof
#
# A puzzle is a position with one right move. The simplest puzzles need no engine at all: a
# **mate in one** is a move after which the opponent is checkmated, and python-chess can check that
# exactly. A mate in two needs a little search (a move such that *every* reply allows a mate in one),
# still exact. Labels like these are *proofs*: no labeller can be wrong about them, which is what
# makes chess a clean laboratory for weak supervision.

# %% [markdown]
# ### Exercise 1: `is_mate_in_one`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `is_mate_in_one(fen, uci)`: `True` exactly when the move is legal and checkmates. Three traps
# wait in the checker: a check that is not a mate, a stalemate (no legal move but no check either),
# and an illegal move that would mate if it were allowed.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Two questions, in this order: is the move legal at all, and is the opponent checkmated once it is
# played? A board's `push` method plays a move *without* checking that it is legal.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Let python-chess parse both: a board is built from the FEN string, and a move from its UCI text (the
# `Move` class has a constructor for that). An illegal move can never mate: return `False` for it
# before playing anything. Otherwise play the move on the board and ask the board whether the
# side now to move is checkmated: `Board.is_checkmate` is the method you want (`Board.is_check` is
# true for a check the king can escape, and `Board.is_game_over` also for stalemate).
# The worked answer is in [the solution notebook](../solutions/07_chess_and_bootstrapping.ipynb).
#
# </details>

# %%
def is_mate_in_one(fen, uci):
    """True when the UCI move is legal in the position and checkmates."""
    ### BEGIN SOLUTION
    board = chess.Board(fen)
    move = chess.Move.from_uci(uci)
    if move not in board.legal_moves:
        return False
    board.push(move)
    return board.is_checkmate()
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson07 import check_is_mate_in_one

check_is_mate_in_one(is_mate_in_one)

# %% [markdown]
# The package's `mate_puzzles` plays random games, stops at random moments and searches every
# position exhaustively for a *unique* mate in one or two. Forced mates are rare in random positions,
# so it looks at many of them:

# %%
from w2s_edu.tasks.chess.puzzles import capture_or_mate_rule, mate_puzzles

mates = mate_puzzles(seed=0, n_positions=300 if SMOKE else 3000, mate_in_two=not SMOKE)
print(f"{len(mates)} forced mates found;", sum("mateIn2" in p.themes for p in mates), "of them mate in 2")
assert all(is_mate_in_one(p.fen, p.best) for p in mates if "mateIn1" in p.themes)
if mates:
    p = mates[0]
    move = chess.Move.from_uci(p.best)
    display(SVG(chess.svg.board(p.board, arrows=[chess.svg.Arrow(move.from_square, move.to_square)], size=260)))

# %% [markdown]
# A **mate in two** needs a search two moves deep: a move such that *whatever* the opponent replies,
# there is a mating answer (an *all* outside, an *any* inside; a move that mates or stalemates at once
# is not one). `w2s_edu.tasks.chess.puzzles.mate_in_two_moves` is that search, and your
# `is_mate_in_one` answers its inner question. Check the search with it: after each proved mate in two,
# every reply must leave a mate in one. (In SMOKE mode the search skips mates in two.)

# %%
from w2s_edu.tasks.chess.puzzles import mate_in_two_moves

twos = [p for p in mates if "mateIn2" in p.themes]
proved = 0
for p in twos:
    board = p.board
    assert chess.Move.from_uci(p.best) in mate_in_two_moves(board)
    board.push_uci(p.best)
    replies = list(board.legal_moves)
    answered = 0
    for reply in replies:
        board.push(reply)
        answered += any(is_mate_in_one(board.fen(), answer.uci()) for answer in board.legal_moves)
        board.pop()
    proved += bool(replies) and answered == len(replies)
print(f"your is_mate_in_one confirms {proved} of the {len(twos)} mates in two: every reply allows a mate")

# %% [markdown]
# ## 3. Harder puzzles, and a rule that must not solve them
#
# Mates are too easy to teach with: the simple rule "mate in one if there is one, else take the most
# valuable piece you can, with your cheapest piece" solves every mate in one. Puzzles cut from random
# positions are mostly of that kind ("take the hanging piece"), and a model of any size can score
# well on them by learning that rule and nothing more.
#
# The shipped task `chess-puzzles` is harder. Its positions come from noisy Stockfish self-play
# (positions that look like games), a puzzle is kept only when the engine's best move beats the
# second best by at least 150 centipawns (1.5 pawns) at a deeper search, and every puzzle that the
# rule above solves was dropped. It is stored in the public Lichess puzzle format
# (`w2s_edu.tasks.chess.lichess.read_lichess_csv` reads a real Lichess download the same way).

# %%
from w2s_edu.tasks.chess.task import shipped_puzzles

puzzles = shipped_puzzles()
rule_solves = np.mean([capture_or_mate_rule(p.board) == chess.Move.from_uci(p.best) for p in puzzles])
print(f"{len(puzzles)} puzzles; the capture-or-mate rule solves {rule_solves:.0%} of them (dropped by design)")
print(f"solutions that capture: {np.mean(['capture' in p.themes for p in puzzles]):.0%}, "
      f"that give check: {np.mean(['check' in p.themes for p in puzzles]):.0%}")
for theme in ("mateIn1", "mateIn2"):
    found = [p for p in mates if theme in p.themes]
    if found:
        solved = np.mean([capture_or_mate_rule(p.board) == chess.Move.from_uci(p.best) for p in found])
        print(f"on the {len(found)} {theme} puzzles above, the rule solves {solved:.0%}")

# %% [markdown]
# A classifier needs examples of both classes. For each puzzle the task makes two rows: the solution
# with label 1 and one other legal move, drawn at random (seeded), with label 0. Both rows share the
# puzzle's `group`, so that splits keep a puzzle's rows together and we can ask "which of these
# candidates is the best?" (`w2s_edu.tasks.chess.task.puzzles_to_dataset`; `get_task("chess-puzzles")`
# returns it).

# %%
from w2s_edu import get_task

ds = get_task("chess-puzzles")
print(ds)
print(ds[0]["text"], "->", ds[0]["label"], "  group", ds[0]["group"])
print(ds[1]["text"], "->", ds[1]["label"], "  group", ds[1]["group"])

# %% [markdown]
# ## 4. Two ways to score
#
# *Binary accuracy* scores every row on its own: is P(true) above 0.5 exactly for the solutions?
# *Multiple-choice accuracy* asks what a player asks: among a puzzle's candidates, does the model
# rank the solution first? With two candidates per puzzle chance is 50% for both, but they measure
# different things: a model can be badly calibrated (every P(true) below 0.5) and still rank well.
#
# ### Exercise 2: `multiple_choice_accuracy`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `multiple_choice_accuracy(p_true, labels, groups)`: for each group, find the row with the
# highest `p_true`; the score is the fraction of groups where that row has label 1. The rows of a
# group need not be next to each other.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Work group by group: `np.unique` lists the distinct group ids, and a boolean mask selects the rows
# of one group wherever they are in the arrays.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Convert the three inputs to arrays. For each group id: select the group's `p_true` and `labels`
# with the same mask, find the position of the largest `p_true` within the group (`np.argmax` on the
# selected values, so the position counts within the group, not within the whole array), and record
# whether the label at that position is 1. The score is the mean of those records, as a float.
# The worked answer is in [the solution notebook](../solutions/07_chess_and_bootstrapping.ipynb).
#
# </details>

# %%
def multiple_choice_accuracy(p_true, labels, groups):
    """Fraction of groups whose highest-P(true) row is a solution (label 1)."""
    ### BEGIN SOLUTION
    p_true, labels, groups = np.asarray(p_true), np.asarray(labels), np.asarray(groups)
    hits = [labels[groups == g][np.argmax(p_true[groups == g])] == 1 for g in np.unique(groups)]
    return float(np.mean(hits))
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson07 import check_multiple_choice_accuracy

check_multiple_choice_accuracy(multiple_choice_accuracy)

# %% [markdown]
# ## 5. The model ladder
#
# `chess-s`, `chess-m` and `chess-l` are small BERT encoders trained from scratch on positions
# labelled by Stockfish (is this move the engine's best? how good is it? how good is the
# position?). That pretraining *is* the latent knowledge a weak-to-strong experiment tries to bring
# out. The rungs differ in size and in training compute; `w2s-edu chess-pretrain` rebuilds
# them, and each folder records its recipe. The record `ladder.json` holds the measurement of the
# ladder: each rung trained on ground truth of the puzzle task, over three seeds.
#
# **Read it honestly.** The ladder comes with an acceptance rule, fixed before it was built: accept it
# only if the weak rung (a probe on `chess-s`, as the pipeline trains a supervisor) and the ceiling
# (`chess-l` finetuned) differ by at least 8 points. They do not. The rungs learnt from 210,320
# positions of Stockfish self-play (399,408 examples with their colour-mirrored twins), trained on one
# H100 GPU: `chess-s` for 76 s, `chess-m` for 100 s, `chess-l` for 114 s (2,532 steps, the fewest of
# the three). On the 8,053 puzzles (2,000 test rows, three seeds) `chess-s`
# as a probe scored 0.591 ± 0.006, `chess-m` finetuned 0.625 ± 0.010 and `chess-l` finetuned
# 0.608 ± 0.027: a gap of 1.8 points, so the record says `accepted: False`. Two things to notice in the
# table below. The biggest rung is not the best: it had the fewest steps, and size without training
# compute does not make a stronger model. And for every rung a linear probe on frozen features beats
# finetuning with these settings (learning rate 1e-3, five epochs), so "finetuned ceiling" is not a
# free upper bound. Every rung is weak in absolute terms: these puzzles were made hard on purpose.
# %%
from w2s_edu.models.registry import CHESS_LADDER, rung_metadata
from w2s_edu.chess.evaluate import ladder_metadata

record = ladder_metadata()
for name in CHESS_LADDER:
    meta = rung_metadata(name)
    r = meta["rung"]
    print(f"{name}: {r['layers']} layer(s) x {r['hidden']}, {meta['parameters']:,} parameters, "
          f"{r['steps']:,} steps of {r['batch_size']} positions ({meta['seconds']:.0f} s on {meta['device_name']})")
for key, res in record["rungs"].items():
    print(f"  {key:<20} binary {res['binary']['mean']:.3f} ± {res['binary']['std']:.3f}   "
          f"multiple choice {res['multiple_choice']['mean']:.3f}")
print(f"weak-to-ceiling gap {record['gap']:+.3f} (accepted: {record['accepted']})")

# %% [markdown]
# The ladder's record also holds a full weak-to-strong run on it (three seeds, 2,000 rows per split):
# the weak supervisor (`chess-s`, a probe), the ceiling (`chess-l` finetuned), the **direct** student
# (`chess-l` on `chess-s`'s labels) and a **bootstrapped** one (`chess-m` learns from `chess-s`, then
# `chess-l` from `chess-m`).

# %%
shipped = record["bootstrap"]
for p in shipped["per_seed"]:
    print(f"seed {p['seed']}: weak {p['weak']:.3f}  direct {p['direct']:.3f}  bootstrap {p['bootstrap']:.3f}  "
          f"ceiling {p['ceiling']:.3f}   PGR direct {p['pgr_direct']:.2f}, bootstrap {p['pgr_bootstrap']:.2f}")
print("means: " + ", ".join(f"{k} {shipped['summary'][k]['mean']:.3f} ± {shipped['summary'][k]['std']:.3f}"
                            for k in ("weak", "direct", "bootstrap", "ceiling")))

# %% [markdown]
# **Read it before the next section.** The direct student matches its supervisor (0.591 against
# 0.591): it recovered nothing. The bootstrapped student is ahead on all three seeds, by 0.1, 1.2 and
# 0.2 points, less than the seed-to-seed spread of the ceiling. On seed 0 the ceiling (0.577) fell
# *below* the supervisor (0.587), so PGR is undefined there (`nan`), and on the other seeds it swings
# widely. The ladder leaves almost nothing to recover: PGR divides the student's gain by a gap the
# size of the noise between seeds. A ladder that teaches needs rungs far apart, which is what the next
# section builds.

# %% [markdown]
# ## 6. A ladder by pretraining compute, and bootstrapping through it
#
# Burns et al. put the supervisor on an axis of *pretraining compute*: the fraction of GPT-4's
# compute behind each GPT-4-family model. The same idea works at our scale, and it is cheap. Train
# one chess encoder once and keep it along the way: the checkpoints are models of the same
# architecture with less and less compute behind them. An early checkpoint is a weak supervisor, the
# last one is the strong student, and the ones in between are the steps of a bootstrapping chain.
#
# `chess-c` is a 2-layer, 64-wide encoder pretrained on the same Stockfish-labelled positions as the
# size ladder, kept at 0% (untrained), 1%, 3%, 10%, 30% and 100% of its steps (`w2s-edu
# chess-pretrain --snapshots 0,1,3,10,30`). Two choices were made on development seeds, on a
# validation split of the *training* puzzles, and the numbers below come from fresh seeds (10-14) on
# the test puzzles: the ceiling's recipe (a frozen probe against finetuning at several learning rates
# and lengths) and the supervisor (the checkpoint with the least compute whose probe beats chance by
# 4.5 points on validation).
#
# **Predict before you look.** Does accuracy grow smoothly with compute, or stay at chance and then
# jump? Which checkpoint will be the supervisor, and how far below the ceiling will it be?

# %%
import matplotlib.pyplot as plt

from w2s_edu.chess.compute import compute_ladder_metadata, format_compute_ladder
from w2s_edu.report import plot_compute_ladder

compute = compute_ladder_metadata()
print(format_compute_ladder(compute))
plot_compute_ladder(compute)
plt.show()

# %% [markdown]
# <details><summary>Answer: accuracy by compute</summary>
#
# Neither smoothly nor in one jump. The untrained encoder and the 1% checkpoint are barely above
# chance (0.514 and 0.515 binary accuracy), 3% and 10% climb slowly (0.534, 0.556), most of the gain
# comes between 10% and 30% (0.605), and the last 70% of the compute adds 1.5 points (0.620). In the
# pretraining log the value head learns the position's score between those two checkpoints. The rule
# picks the 10% checkpoint as the supervisor, 5.1 points below the ceiling: more than the size ladder's
# 1.8, less than the 8 points the acceptance rule asks for, so the record says `accepted: False`.
#
# *The ceiling.* The recipe chosen on validation (finetuning at 1e-3 for 10 epochs, ahead of the
# frozen probe there by half a point) is 1.3 points *below* the probe on the test puzzles: at this
# scale a probe and a finetune are within noise of each other, and the ceiling is not a clear upper
# bound. What would widen the gap is more pretraining compute at the top.
#
# </details>

# %% [markdown]
# ### Exercise 3: `bootstrap_chain`
#
# Difficulty: 🔴🔴🔴⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# Write the loop at the heart of bootstrapping. `chain` lists the models, weakest first; `chunks`
# lists `len(chain) - 1` chunk names; `weak_preds[c]` holds the weak model's soft labels on chunk
# `c`. `fit(model, chunk, targets, predict_on)` trains `model` on `chunk` against `targets` and
# returns a dict of its predictions on each split in `predict_on`. Step `k` trains `chain[k + 1]` on
# `chunks[k]`, labelled by the previous model; it must predict `"test"` and every later chunk (the
# next model learns from those). Return the list of all steps' outputs.
#
# <details><summary>Hint 1: a nudge</summary>
#
# A loop over the students, `chain[1:]`, with a variable holding the current teacher's predictions:
# it starts as `weak_preds`, and after each step the student that was just trained takes its place.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Number the students with `enumerate` so that step `k` knows its chunk, `chunks[k]`. Each step calls
# `fit` once: the student model, its chunk, the current teacher's predictions *on that chunk* as
# targets, and a tuple of the splits to predict on: `"test"` followed by every chunk after `k` (a
# slice from `k + 1`; it is empty at the last step). Append what `fit` returns to the list of outputs,
# make it the new teacher, and return the list.
# The worked answer is in [the solution notebook](../solutions/07_chess_and_bootstrapping.ipynb).
#
# </details>

# %%
def bootstrap_chain(chain, chunks, weak_preds, fit):
    """Train chain[1], chain[2], ... each on its own chunk labelled by the model before it."""
    ### BEGIN SOLUTION
    teacher, outs = weak_preds, []
    for k, model in enumerate(chain[1:]):
        out = fit(model, chunks[k], teacher[chunks[k]], ("test", *chunks[k + 1:]))
        outs.append(out)
        teacher = out
    return outs
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson07 import check_bootstrap_chain

check_bootstrap_chain(bootstrap_chain)

# %% [markdown]
# `w2s_edu.experiment.bootstrap.run_bootstrap` runs this loop with the pipeline's cached training
# (`train_and_predict`), together with the weak model, the ceiling and the direct student. We run it
# on the compute ladder, on three of the record's fresh seeds, with the record's settings: the
# supervisor is the 10% checkpoint (a probe), the chain goes through 30% to 100%, and the ceiling is
# the 100% checkpoint finetuned with the chosen recipe. The `train_strong` split (3,000 rows) is cut
# into two chunks: the first is labelled by the supervisor for the 30% checkpoint, the second by the
# 30% checkpoint for the 100% one. The direct student trains on the *same* second chunk, labelled by the
# supervisor, so the two students differ only in who labelled their data. Splits keep each puzzle's
# two rows together.
#
# **Predict before you run.** The 30% checkpoint's probe is 4.9 points above the supervisor's and 1.5
# below the 100% one's. (1) Will the direct student beat its supervisor by a clear margin? (2) Will the
# chain beat direct supervision on every seed, and by more than the seed-to-seed spread?

# %%
from w2s_edu import W2SConfig, format_bootstrap, run_bootstrap
from w2s_edu.tasks.chess.task import multiple_choice_accuracy as package_mc
from w2s_edu.tasks.splits import split_by_group

SEEDS = compute["fresh_seeds"][:1] if SMOKE else compute["fresh_seeds"][:3]
sizes = dict(n_train_weak=60, n_train_strong=60, n_test=60, epochs=1.0, probe_epochs=5.0) if SMOKE else {}
chain = compute["bootstrap"]["chain"]
cfg = W2SConfig(**{**compute["config"], "seeds": SEEDS, "weak_mode": "probe", **sizes})
labels, groups = np.asarray(ds["label"]), np.asarray(ds["group"])
result = run_bootstrap(cfg, chain, splitter=split_by_group, keep_predictions=True,
                       extra_metrics=lambda probs, rows: package_mc(probs, labels[rows], groups[rows]))
print(format_bootstrap(result))
for p in result["per_seed"]:
    print(f"seed {p['seed']}: weak {p['weak']:.3f}  direct {p['direct']:.3f}  bootstrap {p['bootstrap']:.3f}  "
          f"ceiling {p['ceiling']:.3f}  (bootstrap - direct {p['bootstrap'] - p['direct']:+.3f})   multiple choice: "
          + ", ".join(f"{k} {v:.3f}" for k, v in p["extra"].items()))
record_seeds = {p["seed"]: p for p in compute["bootstrap"]["per_seed"]}
print("the record, same seeds: " + "; ".join(
    f"seed {s}: direct {record_seeds[s]['direct']:.3f}, bootstrap {record_seeds[s]['bootstrap']:.3f}" for s in SEEDS))
diff = compute["bootstrap"]["bootstrap_minus_direct"]
print(f"the record, all {len(record_seeds)} fresh seeds: bootstrap - direct {diff['acc_diff']:+.4f} "
      f"[{diff['acc_ci'][0]:+.4f}, {diff['acc_ci'][1]:+.4f}] (paired over seeds and test puzzles), "
      f"ahead on {diff['wins']} of {len(diff['per_seed'])} seeds")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# (1) Barely. Over these three seeds the supervisor averages 0.554 and the direct student 0.561, against
# a ceiling of 0.610: the student recovers about a tenth of the gap (PGR 0.11, 0.19 and 0.01 seed by
# seed). (2) No. The chain is ahead of direct supervision on seeds 10 and 12 (by 0.1 and 0.6 points)
# and behind on seed 11 (by 0.9 points). Over all five fresh seeds of the record, the paired difference
# is +0.06 points with an interval from -0.73 to +0.89: level.
#
# *Why.* Bootstrapping replaces one teacher-student gap by smaller ones, and it can only pass on what
# each step's student gains over its teacher. Here the first step's student (the 30% checkpoint trained
# on the supervisor's labels) ends within a point of the supervisor on these seeds (the record's `chain`
# entries: 0.571, 0.535 and 0.568, against 0.562, 0.536 and 0.565), so it has little to pass on: the chain's strength is its
# teachers' accuracy on the examples they label, not their probes' accuracy on ground truth. Burns et
# al. found bootstrapping helped on chess at large scale, where each step's student gained clearly.
#
# </details>

# %% [markdown]
# ## 7. Where the student beat its supervisor, and where it copied the error
#
# A mean accuracy hides what weak-to-strong is about: the supervisor's *mistakes*. On the test rows
# where the supervisor is wrong, a student that only imitates is wrong too (it **copied** the
# error); a student that generalizes is right there (it **fixed** it). Where the supervisor is right,
# the student can keep the answer or break it. Burns et al. measure the same thing as the student's
# agreement with its supervisor, split by whether the supervisor was right.
#
# ### Exercise 4: `error_outcomes`
#
# Difficulty: 🔴🔴🔴⚪⚪  Importance: 🔵🔵🔵🔵🔵
#
# You should spend up to ~15 minutes on this exercise.
#
# Write `error_outcomes(weak_probs, student_probs, labels)`. The first two are class probabilities of
# shape (N, 2) (column 1 is P(best move)), `labels` the N true labels. A model's prediction is its more
# probable class. Return a dict of four arrays of row positions (sorted, as `np.flatnonzero` gives
# them): `"fixed"` (supervisor wrong, student right), `"copied"` (both wrong), `"broken"` (supervisor
# right, student wrong) and `"kept"` (both right). Every row falls in exactly one.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Two boolean arrays answer everything: is the supervisor right on each row, is the student right on
# each row. The four outcomes are the four combinations of the two. Whether the student *agrees* with
# its supervisor is a different question from whether it is *right*: count correctness.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Take each model's prediction with `argmax` over axis 1 (not a threshold on column 0, which is
# P(not best)), compare it with `labels` to get `weak_right` and `student_right`, and build each
# outcome's mask from them with `&` and `~`; `np.flatnonzero` turns a mask into sorted positions.
# The worked answer is in [the solution notebook](../solutions/07_chess_and_bootstrapping.ipynb).
#
# </details>

# %%
def error_outcomes(weak_probs, student_probs, labels):
    """Row positions of the supervisor's errors the student fixed or copied, and of its right answers
    the student kept or broke."""
    ### BEGIN SOLUTION
    labels = np.asarray(labels)
    weak_right = np.asarray(weak_probs).argmax(1) == labels
    student_right = np.asarray(student_probs).argmax(1) == labels
    return {"fixed": np.flatnonzero(~weak_right & student_right),
            "copied": np.flatnonzero(~weak_right & ~student_right),
            "broken": np.flatnonzero(weak_right & ~student_right),
            "kept": np.flatnonzero(weak_right & student_right)}
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson07 import check_error_outcomes

check_error_outcomes(error_outcomes)

# %% [markdown]
# **Predict before you look.** On the first seed, of the rows the supervisor gets wrong, what share
# will the direct student fix: close to none (it imitates), about half, or most? And will the
# bootstrapped student fix more?

# %%
first = result["per_seed"][0]
test_idx, probs = first["test_idx"], first["test_probs"]
y = labels[test_idx]
for student in ("direct", "bootstrap"):
    out = error_outcomes(probs["weak"], probs[student], y)
    errors = len(out["fixed"]) + len(out["copied"])
    rights = len(out["kept"]) + len(out["broken"])
    print(f"{student:>9}: of the supervisor's {errors} errors it fixed {len(out['fixed'])} "
          f"({len(out['fixed']) / max(errors, 1):.0%}) and copied {len(out['copied'])}; "
          f"of its {rights} right answers it kept {len(out['kept'])} and broke {len(out['broken'])} "
          f"({len(out['broken']) / max(rights, 1):.0%})")
outcomes = error_outcomes(probs["weak"], probs["direct"], y)
print(f"the direct student calls {np.mean(probs['direct'].argmax(1) == 1):.0%} of all rows 'best move' "
      f"(the supervisor {np.mean(probs['weak'].argmax(1) == 1):.0%})")


def show(row, title):
    fen, move = ds[int(row)]["fen"], chess.Move.from_uci(ds[int(row)]["move"])
    print(title, f"({ds[int(row)]['text']}, label {ds[int(row)]['label']})")
    display(SVG(chess.svg.board(chess.Board(fen), arrows=[chess.svg.Arrow(move.from_square, move.to_square)],
                                size=260)))


for name, title in (("fixed", "the student fixed its supervisor's error:"),
                    ("copied", "the student copied the error:")):
    solutions = [i for i in outcomes[name] if y[i] == 1]  # a solution: the arrow is the best move
    if solutions:
        show(test_idx[solutions[0]], title)

# %% [markdown]
# <details><summary>Answer: fixed or copied</summary>
#
# Close to none. On seed 10 the direct student fixed 138 of its supervisor's 875 errors (16%) and
# copied the other 737; it also broke 128 of the supervisor's 1,125 right answers (11%), so its accuracy
# is only half a point above its supervisor's. The chain's student fixes a little more (19%) and breaks
# a little more (13%). A student that only imitated would fix none and break none; one that ignored its
# supervisor and guessed would fix and break about half of each. Ours mostly imitates, and its few
# disagreements are barely better than coin flips: the supervisor's errors are not ones the student's
# representation can tell apart. Weak-to-strong generalization would show as many fixes and few breaks
# (the showcase's student, in lesson 00, is one). The boards are worth a look: in the one it fixed, is
# the solution a move a rule could find (a check, a capture), or a quiet one?
#
# </details>

# %% [markdown]
# ## 8. PGR by gap, chess beside text
#
# Burns et al. found PGR on chess low when the gap between supervisor and student is large, higher
# for small gaps, and higher on their NLP tasks. Our compute ladder gives chess supervisors at several
# gaps (each checkpoint supervising the 100% one, five fresh seeds each), and the course's text
# settings give points to compare with. To compare them honestly, each PGR needs an interval.
#
# ### Exercise 5: `pgr_with_interval`
#
# Difficulty: 🔴🔴🔴🔴⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~20 minutes on this exercise.
#
# Write `pgr_with_interval(weak, student, ceiling, n_boot=2000, seed=0)`. Each argument lists one
# accuracy per seed (the same seeds, in the same order). Return `(pgr, (low, high))`: the PGR of the
# *means*, (mean student - mean weak) / (mean ceiling - mean weak), and a 95% percentile interval from
# `n_boot` bootstrap resamples of the seeds (drawn with `np.random.default_rng(seed)`). Two rules: a
# resample takes the **same** seeds for all three lists (a seed that was hard for the supervisor was
# hard for its student too: the three are paired), and a resample whose gap (mean ceiling - mean weak)
# is not positive has no PGR, so it is left out of the percentiles.
#
# <details><summary>Hint 1: a nudge</summary>
#
# PGR of the means is not the mean of the per-seed PGRs: a seed with a tiny gap gives a huge per-seed
# PGR and would dominate the mean. Resample *positions* (seed indices), once per resample, and index
# all three arrays with them.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Convert the lists to float arrays. `rng.integers(0, n, size=(n_boot, n))` draws every resample's seed
# positions at once; indexing an array with that matrix and taking `.mean(axis=1)` gives each
# resample's mean for that list. Compute the gaps, keep the resamples whose gap is above zero, compute
# their PGRs, and take `np.percentile(..., [2.5, 97.5])`. Return plain floats.
# The worked answer is in [the solution notebook](../solutions/07_chess_and_bootstrapping.ipynb).
#
# </details>

# %%
def pgr_with_interval(weak, student, ceiling, n_boot=2000, seed=0):
    """PGR of the per-seed means, and a 95% paired bootstrap interval over seeds."""
    ### BEGIN SOLUTION
    w, s, c = (np.asarray(x, dtype=float) for x in (weak, student, ceiling))
    point = (s.mean() - w.mean()) / (c.mean() - w.mean())
    idx = np.random.default_rng(seed).integers(0, len(w), size=(n_boot, len(w)))
    W, S, C = w[idx].mean(1), s[idx].mean(1), c[idx].mean(1)
    ok = C - W > 0
    low, high = np.percentile((S[ok] - W[ok]) / (C[ok] - W[ok]), [2.5, 97.5])
    return float(point), (float(low), float(high))
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson07 import check_pgr_with_interval

check_pgr_with_interval(pgr_with_interval)

# %% [markdown]
# Now the points: every chess supervisor checkpoint, the showcase (pairs of replies, 5 fresh seeds) and
# the categories task with three supervisors (5 fresh seeds each), all from the shipped records, with
# your intervals. Beside each, the package's interval, which also resamples the test examples within
# each seed.
#
# **Predict before you look.** Which supervisor leaves the chess student the most to recover, and
# which gives the highest PGR: the weakest useful checkpoint or the strongest? Are the chess points
# below the text points at comparable gaps? And will your interval be wider or narrower than the
# package's?

# %%
from w2s_edu.chess.compute import chess_pgr_points, text_pgr_points
from w2s_edu.data import measured
from w2s_edu.report import plot_pgr_by_gap

per_seed = {f"chess {name.rsplit('-', 1)[1]}": (r["weak"], r["student"], r["ceiling"])
            for name, r in compute["pgr_by_supervisor"].items()}
show_record = measured("showcase")
show_xent = next(r for r in show_record["rows"] if r["loss"] == "xent")
per_seed["text showcase"] = (show_record["weak_acc"], show_xent["w2s_acc"], show_record["ceiling_acc"])
for r in measured("confidence_loss")["rows"]:
    if r["loss"] == "xent":
        per_seed[f"text categories, {r['weak']}"] = (r["weak_acc"], r["w2s_acc"], r["ceiling_acc"])
package = {f"{p['setting']} {p['label']}": p for p in chess_pgr_points(compute) + text_pgr_points()}
points = []
print(f"{'setting':<28} {'gap':>6} {'PGR':>6}   yours (seeds)        package (seeds and examples)")
for label, (w, s, c) in per_seed.items():
    value, (low, high) = pgr_with_interval(w, s, c)
    gap = float(np.mean(c) - np.mean(w))
    ref = package[label]
    print(f"{label:<28} {gap:6.3f} {value:6.2f}   [{low:6.2f}, {high:6.2f}]     "
          f"[{ref['ci'][0]:6.2f}, {ref['ci'][1]:6.2f}]")
    setting, name = label.split(" ", 1)
    points.append({"setting": setting, "label": name, "gap": gap, "pgr": value, "ci": [low, high], "seeds": len(w)})
plot_pgr_by_gap(points)
plt.title("PGR by gap (your intervals): chess supervisors by compute, text settings")
plt.show()

# %% [markdown]
# <details><summary>Answer: what the points say</summary>
#
# The weakest useful chess supervisor leaves the most to recover: from the 1% checkpoint the gap to
# the ceiling is 9.2 points, from 10% it is 5.1, from 30% 0.2 (within noise: its PGR, 0.63, means
# nothing, and the plot leaves it out). PGR is about 0.10 from 1%, 3% and 10% alike: the students
# recover little of any of these gaps. The text points are not one number either: the showcase
# recovers 0.44 of an 11.7-point gap, the categories task almost none of a 12.9- or 17.3-point gap and
# 0.79 of a 3.6-point one. So at comparable gaps the chess points sit between the text settings, and
# the intervals are too wide to rank chess against text; Burns et al.'s pattern (PGR higher for small
# gaps) shows on text here, not on chess.
#
# *Your intervals are narrower.* Resampling five seeds only sees how the five means vary; the package's
# interval also resamples the test puzzles within each seed, so it counts the test set's own noise. With
# five seeds the seed bootstrap is optimistic (for the 3% checkpoint, yours excludes zero and the
# package's does not): when you report a PGR, say what the interval resamples.
#
# </details>

# %% [markdown]
# ## Recap
#
# * Chess gives labels that can be **proved** (exhaustive search) or checked by an engine, and
#   a text form (FEN + UCI) any language model can read. The puzzle task here is hard on purpose: no
#   puzzle that "mate in one, else the biggest capture" solves.
# * A model ladder needs rungs far apart. The size ladder missed the 8-point weak-to-ceiling gap we
#   required (1.8 points; its largest rung got the fewest steps); the ladder by **pretraining compute**,
#   one run's checkpoints, climbs from 0.515 at 1% to 0.620 at 100%, and its chosen supervisor is 5.1
#   points below the ceiling: closer, still not accepted.
# * **Bootstrapping** replaces one large teacher-student gap by several small ones. It can only help
#   if each step's student is better than its teacher *on the examples it labels*; through the compute
#   ladder the chain and direct supervision ended level (paired difference +0.06 points [-0.73, +0.89]
#   over five seeds). Burns et al. found it helped on chess at large scale, where each step gained.
# * Sort the supervisor's mistakes: here the student copied most of them (it fixed 16%) and broke 11% of
#   the supervisor's right answers, which is imitation; many fixes and few breaks would be weak-to-strong
#   generalization.
# * Every PGR needs an interval, and an interval must say what it resamples: over seeds only it is
#   narrower than over seeds and test examples. From every chess supervisor the student recovered about a
#   tenth of the gap; text settings at comparable gaps ranged from none to 0.44 (and 0.79 at a small gap).
#
# ## Further reading
#
# * Burns et al. (2023), [Weak-to-Strong Generalization](https://arxiv.org/abs/2312.09390),
#   section 4.3.1 (bootstrapping) and the chess puzzle setting.
# * The [Lichess puzzle database](https://database.lichess.org/#puzzles): about four million rated
#   puzzles in the CSV format our loader reads.
# * Ruoss et al. (2024), [Grandmaster-Level Chess Without Search](https://arxiv.org/abs/2402.04494):
#   transformers trained on Stockfish action values, the recipe our small ladder follows at a tiny scale.
# * [python-chess documentation](https://python-chess.readthedocs.io/).
