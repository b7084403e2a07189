# %% [markdown]
# # Lesson 00: Welcome, and a tour of weak-to-strong generalization
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/w2s-edu/w2s-edu/blob/main/lessons/00_welcome.ipynb)
#
# **Learning objectives.** By the end of this lesson you can
#
# - say why supervising a model that is smarter than its judges is a real problem for alignment,
# - describe the stand-in experiment: a weak model labels data, a strong model learns from those labels,
# - compute the *performance gap recovered* (PGR) and say when it is undefined,
# - run the whole experiment with one function call and read its table and plot.
#
# **Estimated time:** about 30 minutes, plus about 5 minutes of waiting for the full run on a 2-core CPU.
#
# **Prerequisites:** comfortable Python (functions, dictionaries) and the idea that a classifier learns
# from labelled examples. No GPU and no internet connection are needed: the models and data ship with
# the `w2s-edu` package.

# %%
import sys

# On Google Colab only: install the course package (Colab already has PyTorch). Elsewhere, install it
# yourself once, as the README explains.
if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "git+https://github.com/w2s-edu/w2s-edu"],
                   check=True)

# %% tags=["parameters"]
import os

# SMOKE = True shrinks every experiment to a few seconds (the course's automatic tests set W2S_SMOKE=1).
# Its numbers mean nothing; leave it False when you are here to learn.
SMOKE = os.environ.get("W2S_SMOKE") == "1"

# %% [markdown]
# ## 1. The story in plain words
#
# **How models are aligned today.** Chat assistants are tuned with *reinforcement learning from human
# feedback* (RLHF): people read pairs of answers and say which one is better, a reward model learns to
# predict their verdicts, and the assistant is trained to write answers the reward model likes. Every
# step rests on one quiet assumption: **the judge can tell a good answer from a bad one.**
#
# **Where that breaks.** Imagine a model that writes a hundred thousand lines of code, or a proof
# that no reviewer can follow to the end. Its human judges will miss subtle bugs and reward answers
# that merely *look* right. The better the model gets, the less its judges can check, and eventually
# every judge we have is weaker than the thing being judged. Training on such verdicts could teach the
# model to please its judges instead of being right.
#
# **A stand-in we can run today.** We have no superhuman models to study, but we can build the same
# *shape* of problem with models we do have. Burns et al. (2023) let a **small model play the human**
# and a **large model play the superhuman system**:
#
# 1. Train the weak model (the *supervisor*) on ground-truth labels.
# 2. Let it label a fresh batch of data. Its labels are cheap, plentiful and sometimes wrong.
# 3. Train the strong model (the *student*) on those weak labels only.
# 4. For reference, also train the strong model on the ground-truth labels: the *ceiling*.
#
# Think of a third grader grading a twelfth grader's homework. The older student could simply learn to
# repeat the younger one's mistakes. Or, because the older student already knows a lot, the imperfect
# feedback might be enough to point at the task, and the older student does it well, better than the
# grader could. Which one happens, and how much, is the question of this course.
#
# **One number for the answer.** The three models give three test accuracies, and the
# *performance gap recovered* says how much of the distance from the supervisor to the ceiling the
# student covered:
#
# $$\mathrm{PGR} = \frac{\text{acc}_{\text{w2s}} - \text{acc}_{\text{weak}}}{\text{acc}_{\text{ceiling}} - \text{acc}_{\text{weak}}}$$
#
# PGR = 0: the student is no better than its supervisor. PGR = 1: weak labels were as good as the
# truth. A made-up example: supervisor 70%, ceiling 80%, student 76%; the student covered 6 of the 10
# points, so PGR = 0.6.
#
# **In this course** the models are small enough for a laptop. The supervisor is a linear probe on the
# first 2 layers of the sentence encoder all-MiniLM-L6-v2; the student and the ceiling are the full
# 6-layer encoder, finetuned. The task is `categories`: is a sentence such as "A rutabaga is a kind of
# food." true or false?

# %% [markdown]
# ## 2. Check your environment
#
# `report()` lists what this machine can run. Lines marked `[ok]` work. Lines marked `[--]` are
# problems or optional extras: for this lesson you need `python`, `torch`, `transformers`,
# `offline model` and `offline tasks` to be `[ok]`; the chess engine, the Hugging Face hub and the
# `lab`/`gpu` extras are only needed later, if at all.

# %%
from w2s_edu.cli.doctor import report

print(report())

# %% [markdown]
# ## 3. Warm-up exercise: compute PGR
#
# Difficulty: 🔴⚪⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# PGR is the number every later lesson reports, so it is worth writing yourself once. Implement
# `pgr(weak_acc, w2s_acc, ceiling_acc)`:
#
# - it returns the formula above as a Python `float`, for accuracies given as fractions (0.8) or as
#   percentages (80);
# - a negative result (the student did worse than its supervisor) or one above 1 (the student beat
#   the ceiling) is a real finding: return it as it is, without clipping;
# - when the ceiling is **not above** the supervisor (`ceiling_acc <= weak_acc`) there is no gap to
#   recover and PGR means nothing: return `float("nan")` instead of dividing.
#
# <details><summary>Hint 1: a nudge</summary>
#
# PGR compares two distances, both measured upwards from the supervisor's accuracy: how far the
# student got, and how far the ceiling is. Deal with the case where the second distance is not
# positive before you divide by it.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Three steps: compute the gap (the ceiling's accuracy minus the supervisor's); if that gap is zero or
# negative, return `float("nan")` at once; otherwise return the student's gain over its supervisor
# divided by the gap. In Python 3 the `/` operator always gives a float, while `//` rounds down to a
# whole number, so `1 // 4` is 0. Do not round and do not clip: a PGR of -0.5 or 1.5 is a result.
# The worked answer is in [the solution notebook](../solutions/00_welcome.ipynb).
#
# </details>
#
# <details><summary>Why nan and not an error?</summary>
#
# In small experiments the ceiling sometimes lands at or below the supervisor by chance. A table of
# results should still print, with that entry marked as undefined, rather than crash halfway.
#
# </details>

# %%
def pgr(weak_acc: float, w2s_acc: float, ceiling_acc: float) -> float:
    """Performance gap recovered: the fraction of the supervisor-to-ceiling gap the student closed."""
    ### BEGIN SOLUTION
    gap = ceiling_acc - weak_acc
    if not gap > 0:
        return float("nan")  # no gap to recover: PGR is undefined
    return (w2s_acc - weak_acc) / gap
    ### END SOLUTION


# %% [markdown]
# Run the check. It calls your function on inputs whose answers are known and tells you what to fix if
# something is off.

# %%
from w2s_edu.checks.lesson00 import check_pgr

check_pgr(pgr)

# %% [markdown]
# The package has the same function, `w2s_edu.experiment.metrics.pgr`, which the experiment below uses. It also
# warns when PGR is undefined. Your version and the package's should agree on the made-up example:

# %%
from w2s_edu.experiment.metrics import pgr as reference_pgr

print(f"yours: {pgr(0.70, 0.76, 0.80):.3f}   package: {reference_pgr(0.70, 0.76, 0.80):.3f}")

# %% [markdown]
# ## 4. The whole experiment in one call
#
# `run_w2s` does the four steps of section 1 for every seed: it draws three disjoint, class-balanced
# parts of the task (`train_weak` with true labels for the supervisor and the ceiling, `train_strong`
# for the weak labels, and `test`), trains the three models and measures them on `test`. The `default`
# preset is the experiment this course is built around: three seeds, a few thousand sentences.
#
# **How long:** the full default run takes about 5 minutes on a 2-core CPU the first time.
# Everything expensive is cached (under `~/.cache/w2s-edu`), so running the cell again returns
# at once. With `SMOKE = True` the run uses the tiny `smoke` preset instead and finishes in seconds,
# but its numbers come from a few dozen examples and say nothing about weak-to-strong generalization.
#
# **Predict before you run.** Write your guesses down, then run the cell. (1) Where will the student
# land: at its supervisor's accuracy (PGR near 0), at the ceiling (PGR near 1), or in between, and if
# in between, nearer which end? (2) Will the 95% interval for PGR exclude 0, so that we can say the
# student really beat its supervisor? (3) On test examples where the supervisor is wrong, will the
# student copy its wrong answer most of the time, or rarely?

# %%
from w2s_edu import W2SConfig, plot_result, run_w2s

config = W2SConfig.from_preset("smoke" if SMOKE else "default")
result = run_w2s(config)
print(result.table())

# %% [markdown]
# **Reading the table.** The first line repeats the setup: the task, the weak model and how it was
# trained (`probe`: frozen encoder, linear head), the strong model (`finetune`), the number of seeds and
# the wall-clock time. Then one row per model, each with its test accuracy as the mean `+-` the standard
# deviation over seeds:
#
# - **weak supervisor**: the small model trained on true labels. Its mistakes are the noise in the
#   student's training labels.
# - **strong on weak labels (xent)**: the student, trained with plain cross-entropy (`xent`) on the
#   supervisor's predictions. Its row also carries the PGR and a 95% confidence interval for it,
#   from resampling both the seeds and the test examples.
# - **strong ceiling**: the big model trained on true labels, the best the student could hope for.
#
# Look at your run's numbers and ask: is the student's accuracy closer to the supervisor's or to the
# ceiling's? Does the interval for PGR include 0, or 1? `undef` means the ceiling was not above the
# supervisor, so PGR is undefined (the `note:` lines say so); that is common in SMOKE mode.
#
# The same numbers are in the result object: `result.weak_acc`, `result.w2s_acc["xent"]` and
# `result.ceiling_acc` (one accuracy per seed), `result.pgr["xent"]` (mean, interval, per seed), and
# `result.per_seed` (everything measured for each seed).

# %%
fig = plot_result(result)

# %% [markdown]
# The bars are mean test accuracies (error bars: standard deviation over seeds; dots: single seeds),
# and the student's bar is labelled with its PGR.
#
# **Does the student copy its supervisor's mistakes?** One number already hints at how the student
# learns: on test examples where the supervisor is *wrong*, how often does the student give the same
# wrong answer? Close to 1 means it imitates; much lower means it corrects its teacher.

# %%
for seed_result in result.per_seed:
    agreement = seed_result["agreement"]["xent"]
    wrong = agreement["supervisor_wrong"]
    print(f"seed {seed_result['seed']}: supervisor's labels for the student were "
          f"{seed_result['weak_label_acc']:.1%} correct; where the supervisor is wrong on test "
          f"({wrong['n']} examples) the student agrees with it {wrong['agreement']:.1%} of the time")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# In a full run the student lands **between** its supervisor and the ceiling, and nearer the
# supervisor: it recovers part of the gap, far from all of it. (Check this against your table; in
# SMOKE mode anything can happen.)
#
# *Why above the supervisor.* The student is a pretrained six-layer encoder that already represents
# much of what "a rutabaga is a kind of food" means. The weak labels do not have to teach it the
# concept, only point at it, and where the labels are wrong at random-looking places, the student's
# own representation outvotes them.
#
# *Why far below the ceiling.* Finetuning rewards the student for matching its labels. The
# supervisor's mistakes are not random: a two-layer probe errs on the same *kinds* of sentence again
# and again, and a student that can represent what the probe computes can also learn to reproduce
# those mistakes. The agreement printed above measures this directly: where the supervisor is wrong,
# the student often gives the same wrong answer, much more often than a student that ignored its
# supervisor's errors would.
#
# *The interval.* Three seeds and a few thousand test sentences leave PGR uncertain: it is a ratio of
# two small differences of accuracies, so a point of noise in either one moves it a lot. Whether the
# interval excludes 0 is exactly the question to ask of any PGR you report; if yours straddles 0, the
# honest statement is "no clear gain at this scale". Lesson 05 is about this uncertainty.
#
# </details>

# %% [markdown]
# ## 5. A setting where it clearly works
#
# The run above is the setting the course's exercises are built on, and at this small scale its effect
# is small. The package ships a second setting, the `showcase` preset, in which weak-to-strong
# generalization is plain to see. Two things change:
#
# - **The task is a comparison.** Each example is a question, "What kind of thing is a rutabaga?", with
#   two replies, one naming the noun's right category and one a wrong category. The models are
#   *reward models*: each gives a reply a score, and the one with the higher score is preferred
#   (lesson 01 builds this Bradley-Terry model). Accuracy is how often the right reply wins.
# - **The supervisor is weaker:** a probe on the *first* layer of MiniLM instead of the first two. The
#   student is MiniLM-L6 with its top three blocks finetuned.
#
# This setting was chosen among several on seeds 0-2 and then measured on five fresh seeds (10-14), so
# the choice cannot flatter the result. The cell below shows that fresh-seed measurement, which ships
# with the package. To run it yourself (about 6 minutes on a 2-core CPU), type
# `w2s-edu run --preset showcase` in a terminal, or call
# `run_reward_w2s(W2SConfig.from_preset("showcase"))`.
#
# **Predict before you look.** The supervisor here is weaker than the one above. Will the student
# recover a smaller share of the gap than in your run, a similar one, or a larger one? And will the
# interval for PGR exclude 0?

# %%
from w2s_edu import W2SResult
from w2s_edu.data import measured

record = measured("showcase")
showcase = W2SResult.from_dict(record["result"])
print(f"{record['command']}  ({record['date']}, {record['machine']})")
print(showcase.table())

# %%
fig = plot_result(showcase)

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# The student recovers a **larger** share of the gap than in the run above, and the interval for PGR
# lies well above 0 (the table shows the numbers, and the plot the per-seed dots): a supervisor that is
# right about 70% of the time trains a student that is right clearly more often, though still short of
# the ceiling. The logconf row, the confidence loss of lesson 04, lands within a fraction of a point of
# plain cross-entropy: at this gap it neither helps nor hurts.
#
# *Why a weaker supervisor need not mean a worse student.* What the student learns depends not only on
# how accurate its supervisor is but on whether the supervisor's mistakes are ones the student can
# easily copy (lesson 02 shows both kinds of mistake). In a comparison, the two replies share the noun
# and the sentence; only the category differs, so the score has to capture how well a category fits a
# noun, which the six-layer model represents far better than a one-layer probe. This is a hypothesis, not a measurement: lesson 06 gives
# the conditions under which a student can beat its supervisor, and lesson 09's teacher sweep asks
# whether a stronger teacher helps.
#
# </details>

# %% [markdown]
# ## 6. Map of the course
#
# | lesson | topic |
# |---|---|
# | 00 | **Welcome and tour** (this lesson): the problem, PGR, the experiment in one call |
# | 01 | The limits of RLHF: a judge with a blind spot, a reward model, best-of-n overoptimisation |
# | 02 | Weak supervision: splits, soft labels and PGR by hand; random noise is recovered, systematic errors imitated |
# | 03 | A small teacher, a larger student: pooling, heads and soft-label training, written by you and run on MiniLM |
# | 04 | Confidence losses: letting the student disagree with its teacher, measured at a large and a small gap |
# | 05 | Measuring the gap: sweeps, paired intervals, when PGR is noise, early stopping |
# | 06 | Why weak-to-strong can work, and when it cannot: misfit, correction and coverage, imitation |
# | 07 | Chess and bootstrapping: a harder task, and supervising through a ladder of models |
# | 08 | Scaling up on a GPU: Hugging Face models and datasets with the same code |
# | 09 | Open problems: teacher strength, hidden skills, self-training, and a capstone |
#
# `lessons/README.md` gives each lesson's time and difficulty. Each lesson has a learner's notebook in `lessons/`
# with exercises to fill in, and a complete one in `solutions/`.

# %% [markdown]
# ## Recap
#
# - Aligning a model with feedback assumes the judge can tell good from bad; for models smarter than
#   every judge, that assumption fails, and supervision comes from someone weaker.
# - The stand-in experiment: a weak model trained on true labels labels new data, a strong model learns
#   from those labels, and the strong model trained on true labels marks the ceiling.
# - PGR = (w2s - weak) / (ceiling - weak) is the share of the gap the student recovers: 0 means it only
#   matched its supervisor, 1 means it reached the ceiling, and it is undefined when the ceiling is not
#   above the supervisor.
# - `run_w2s(W2SConfig.from_preset("default"))` runs the whole experiment; `result.table()` and
#   `plot_result(result)` show it.
# - The effect depends on the setting: in the `showcase` preset (pairs of replies, a one-layer
#   supervisor) the student recovers a clear share of the gap on seeds the setting was not chosen on.
#
# ## Further reading
#
# - Burns et al. (2023), *Weak-to-Strong Generalization: Eliciting Strong Capabilities With Weak
#   Supervision*, [arXiv:2312.09390](https://arxiv.org/abs/2312.09390): the paper this course follows.
# - OpenAI's blog post introducing the work:
#   [Weak-to-strong generalization](https://openai.com/index/weak-to-strong-generalization/).
# - The paper's reference code: [github.com/openai/weak-to-strong](https://github.com/openai/weak-to-strong).
# - Background on RLHF: Christiano et al. (2017), [arXiv:1706.03741](https://arxiv.org/abs/1706.03741),
#   and Ouyang et al. (2022), [arXiv:2203.02155](https://arxiv.org/abs/2203.02155).
