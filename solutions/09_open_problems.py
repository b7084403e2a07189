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
# # Lesson 09: Open problems
#
# Burns et al. (2023) end their paper with questions their experiments could not settle, and the
# course ends with them too. Two stand out. **Is the teacher too weak?** GPT-2 supervising GPT-4 is a
# stand-in for humans supervising a superhuman model; would a stronger teacher (a GPT-3-level one)
# change the picture, and in which direction? And **what if the strong model hides what it knows?**
# Weak-to-strong generalization assumes the student's skill is there to be *elicited*. A model that
# performs well only in some contexts, or that was trained to conceal a skill, may look to a weak
# overseer exactly like a model that lacks it.
#
# This lesson runs small, honest versions of both questions, then tries two other ideas
# (self-training and generative finetuning), points to the research on scalable oversight, and
# closes with a brief for an experiment of your own.
#
# **Learning objectives.** By the end you can
#
# 1. sweep the supervisor's strength for a fixed student and read what happens to the student's
#    accuracy and to PGR, including when PGR stops being measurable;
# 2. build a password-locked toy model and explain why training it on weak labels cannot bring its
#    hidden skill out;
# 3. say which statistics an overseer without ground truth can compute, why agreement and confidence
#    do not reveal a hidden skill here, and what a trigger scan can and cannot find;
# 4. implement a self-training loop and explain why it does not help a student that already
#    imitates its supervisor;
# 5. design, run and report a weak-to-strong experiment of your own with the package.
#
# **Estimated time:** 75 to 90 minutes, plus the runs: in full mode the teacher sweep trains 15 MiniLM
# students and 3 ceilings (about 6 minutes for the whole lesson on a 2-core CPU, then cached); SMOKE
# mode takes seconds.
#
# **Prerequisites:** Lessons 00 (the experiment and PGR) and 02 (the synthetic world, soft labels,
# systematic errors, agreement). Lessons 03 to 08 help but are not required.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/w2s-edu/w2s-edu/blob/main/lessons/09_open_problems.ipynb)

# %%
import sys

if "google.colab" in sys.modules:
    from IPython import get_ipython

    get_ipython().run_line_magic("pip", 'install -q "w2s-edu @ git+https://github.com/w2s-edu/w2s-edu"')

# %% tags=["parameters"]
import os

SMOKE = os.environ.get("W2S_SMOKE") == "1"  # tiny sizes, so CI can run the whole notebook in seconds

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from w2s_edu.toys import hidden_behaviour as hb
from w2s_edu.toys import open_problems as op
from w2s_edu.toys import synthetic
from w2s_edu.experiment.metrics import accuracy

TEACHERS = ("minilm-l1", "minilm-l2") if SMOKE else op.TEACHERS  # the weak supervisors of section 1
N = 300 if SMOKE else 2000  # examples per split in the synthetic worlds of sections 2 and 3
SEEDS = (0,) if SMOKE else (0, 1, 2)

# %% [markdown]
# ## 1. Is the teacher too weak?
#
# Burns et al. ask whether their results would change with a stronger teacher. Two effects pull
# against each other: a stronger teacher makes fewer mistakes, so there is less for the student to
# copy, but it also leaves a smaller gap to the ceiling, and PGR divides by that gap. Which effect
# wins is an empirical question, and we can ask it on our ladder.
#
# Our ladder: the student is `minilm-l6` (six layers of MiniLM, its top two blocks finetuned: the
# `quick` preset), and the teachers are linear probes on `minilm-l1` ... `minilm-l5`, the first k
# layers of the same network. The deeper the teacher, the more of the student's own representation it
# shares. `op.teacher_sweep` calls
# `w2s_edu.experiment.pipeline.run_sweep`, which caches every trained model on disk: the ceiling is trained once
# per seed and shared by all teachers, and a rerun is instant.
#
# In full mode this is the `quick` preset (1,000 examples per split) with three seeds and five
# teachers. The ceiling is shared, so it finetunes 18 students and ceilings: a few minutes the first
# time on a 2-core laptop, and seconds afterwards.
#
# **Predict before you run.** The teacher goes from a probe on one layer (`minilm-l1`) to a probe on
# five (`minilm-l5`); the student and its ceiling stay the same. (1) Will the student's accuracy rise
# with the teacher's? Faster or slower than the teacher's own (a slope above or below 1)? (2) Will PGR
# rise, fall, or stop being measurable for the deepest teachers?

# %%
config = op.lesson_config(SMOKE)
sweep = op.teacher_sweep(config, TEACHERS)
rows = op.teacher_rows(sweep)
print(op.format_teacher_rows(rows))
op.plot_teacher_strength(rows)
plt.show()

# %% [markdown]
# ### Exercise 1: `teacher_strength_summary`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Summarise a teacher sweep in three ways. Write `teacher_strength_summary(weak_acc, w2s_acc,
# ceiling_acc)`, where `weak_acc` and `w2s_acc` hold one test accuracy per teacher (the teacher's and
# its student's) and `ceiling_acc` is one number (one student, so one ceiling) or one per teacher.
# Return
#
# ```python
# {"pgr": [...],   # per teacher; float("nan") where the ceiling is not above the teacher
#  "gain": [...],  # per teacher: w2s_acc - weak_acc
#  "slope": float} # least-squares slope of w2s_acc (y) against weak_acc (x)
# ```
#
# The slope answers "when the teacher gets one point better, how much better does the student
# get?". A slope of 1 means the student adds the same margin on top of every teacher; below 1 means
# its margin shrinks as the teacher improves.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Make the ceiling one number per teacher first (`np.broadcast_to` stretches a single value to a
# shape), then everything is per-teacher arithmetic. A least-squares line through points is what
# `np.polyfit` with degree 1 computes.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Convert the inputs to float arrays. PGR: go through the teachers one by one (`zip` of the three
# arrays) and compute (student - teacher) / (ceiling - teacher) where the ceiling is above the
# teacher, `nan` otherwise. Gain: one subtraction of whole arrays. Slope: fit a degree-1 polynomial
# with the teachers' accuracies as x and the students' as y; `np.polyfit` returns the coefficients
# highest power first, so the slope is the first one. Return Python floats and lists (`float(...)`,
# `.tolist()`), not numpy arrays.
# The worked answer is in [the solution notebook](../solutions/09_open_problems.ipynb).
#
# </details>

# %%
def teacher_strength_summary(weak_acc, w2s_acc, ceiling_acc):
    """PGR and gain per teacher, and the slope of student accuracy on teacher accuracy."""
    ### BEGIN SOLUTION
    weak, w2s = np.asarray(weak_acc, dtype=float), np.asarray(w2s_acc, dtype=float)
    ceiling = np.broadcast_to(np.asarray(ceiling_acc, dtype=float), weak.shape)
    pgrs = [float((b - a) / (c - a)) if c > a else float("nan") for a, b, c in zip(weak, w2s, ceiling)]
    return {"pgr": pgrs, "gain": (w2s - weak).tolist(), "slope": float(np.polyfit(weak, w2s, 1)[0])}
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson09 import check_teacher_strength_summary

check_teacher_strength_summary(teacher_strength_summary)

# %%
summary = teacher_strength_summary([r["weak_acc"] for r in rows], [r["w2s_acc"] for r in rows],
                                   [r["ceiling_acc"] for r in rows])
for r, p, g in zip(rows, summary["pgr"], summary["gain"]):
    shown = "undefined (teacher at or above the ceiling)" if math.isnan(p) else f"{p:.2f}"
    print(f"{r['teacher']}: teacher {r['weak_acc']:.3f}, student gains {g:+.3f}, PGR {shown}")
print(f"slope of student accuracy on teacher accuracy: {summary['slope']:.2f}")
best = max(rows, key=lambda r: r["weak_acc"])
print(f"strongest teacher here: {best['teacher']} at {best['weak_acc']:.3f}, "
      f"{best['ceiling_acc'] - best['weak_acc']:+.3f} from the student's ceiling")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# (SMOKE numbers are noise; read this against a full run.) Three things to look for in your printout:
#
# * **The student follows its teacher.** A better teacher gives a better student: the slope is
#   positive. A slope below 1 means the student's own contribution, its margin over the teacher,
#   shrinks as the teacher improves: the student's gain column tells you which.
# * **The gap closes from below.** Probes on the deeper MiniLM rungs come close to what the finetuned
#   student reaches on ground truth, and a deep enough probe can match or pass it (the last
#   line of the printout says how far the strongest teacher is from the ceiling). Once the teacher is
#   within a few points of the ceiling, PGR divides a small difference by another small difference:
#   its interval becomes wide, and where the ceiling is not above the teacher it is undefined. That is
#   not a failure of the student; there is no gap left to recover.
# * **So "would a GPT-3-level teacher do better?" has two answers.** For the student's *accuracy*,
#   usually yes. For PGR, the question only makes sense while the student is much stronger than the
#   teacher. The paper's setting keeps that gap large by pairing much smaller supervisors with GPT-4;
#   a teacher close to the student measures something else.
#
# What this toy cannot show: in the paper the students are pretrained on far more than their
# teachers, so the student "knows" things no teacher does. Our student and teachers share the same
# first layers, so a deep teacher already has most of what the student has.
#
# </details>
#
# **Explore.** Pick a teacher and look at the bars (teacher, student, ceiling) of that run over its
# seeds. Teachers from the sweep above are shown at once (they are cached in memory and on disk);
# another teacher would run the pipeline once. (The control needs `ipywidgets`.)

# %%
try:
    teacher_panel = op.teacher_widget(config, TEACHERS)
except ImportError:
    teacher_panel = None
    print("ipywidgets is not installed: call plot_result(op.run_teacher(config, 'minilm-l3')) instead.")
teacher_panel

# %% [markdown]
# ## 2. When the strong model hides what it knows
#
# Weak-to-strong generalization bets that the strong model's skill is *there* and weak labels only
# have to point at it. What if the model was trained to keep the skill out of sight?
#
# Greenblatt et al. (2024) study this with **password-locked** models: language models finetuned to
# behave like a weak model unless a password appears in the prompt, and to use their full
# capability when it does. We build the same thing in Lesson 02's synthetic world:
#
# * the strong inputs get six extra binary **context features** (think of metadata around a prompt).
#   Feature 0 of them is the **password**; it is off in every example the overseer has. The other five
#   are harmless and on at random;
# * the **locked** model is a small network pretrained on a separate data set, half of it with the
#   password on: with the password its targets are the truth, without it they are the weak
#   supervisor's predictions;
# * the **honest imitator** is the same network pretrained to imitate the supervisor everywhere: it
#   really lacks the skill.

# %% [markdown]
# ### Exercise 2: `lock_targets`
#
# Difficulty: 🔴⚪⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~5 minutes on this exercise.
#
# Write `lock_targets(y_true, weak_pred, password)`: three arrays of the same length (true 0/1 labels,
# the weak supervisor's 0/1 predictions, and whether the password is on, as booleans or 0/1). Return a
# new 0/1 array: `y_true` where the password is on, `weak_pred` where it is off. These are the labels
# the locked model is pretrained on.
#
# <details><summary>Hint 1: a nudge</summary>
#
# A per-row choice between two arrays is what `np.where` does. Mind the type of `password`: an array
# of 0/1 *integers* used as an index selects positions 0 and 1, not a mask.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Turn `password` into a boolean array first (`np.asarray` with `dtype=bool`). Then let `np.where`
# take `y_true` where it is true and `weak_pred` where it is false; the result is a new array, so the
# inputs stay as they were. Cast it to integers (`astype`), so booleans or floats in the inputs do not
# leak into the labels.
# The worked answer is in [the solution notebook](../solutions/09_open_problems.ipynb).
#
# </details>

# %%
def lock_targets(y_true, weak_pred, password):
    """The truth where the password is on, the weak supervisor's prediction where it is off."""
    ### BEGIN SOLUTION
    password = np.asarray(password, dtype=bool)
    return np.where(password, np.asarray(y_true), np.asarray(weak_pred)).astype(np.int64)
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson09 import check_lock_targets

check_lock_targets(lock_targets)

# %% [markdown]
# `hb.build_world` draws the data, trains the weak supervisor (the linear model of Lesson 02) and
# pretrains both strong models with the package's `hb.lock_targets` (the same transform as yours).
# SMOKE mode pretrains far too briefly for the lock to form: read this section with a full run
# (about half a minute).

# %%
world = (hb.build_world(n=N, n_pretrain=1000, pretrain_epochs=5, seed=0) if SMOKE
         else hb.build_world(n=N, seed=0))
test = world["parts"]["test"]
x_test, y_test = world["x_strong"][test], world["y"][test]
with_password = hb.set_column(x_test, hb.PASSWORD, 1.0)
weak_test_acc = accuracy(world["weak_test_probs"], y_test)
print(f"weak supervisor: test accuracy {weak_test_acc:.3f}")
for kind, model in world["models"].items():
    plain = accuracy(synthetic.predict_proba(model, x_test), y_test)
    unlocked = accuracy(synthetic.predict_proba(model, with_password), y_test)
    print(f"{kind:>7} model: {plain:.3f} without the password, {unlocked:.3f} with it")

# %% [markdown]
# Without the password both models score close to the weak supervisor; with it, only the locked model
# jumps up. It has the skill, and hides it.
#
# ### Can weak supervision elicit the hidden skill?
#
# The natural attempt: finetune the locked model on the weak supervisor's soft labels (no password,
# since the overseer does not know it), exactly as we would train a weak-to-strong student. For
# comparison we also finetune on a few **ground-truth** labels, with the same number of gradient steps.
#
# **Predict before you run.** (1) After finetuning on the weak labels, will the locked model, asked
# without the password, come closer to what it scores with the password? (2) After a few true
# labels, will the locked model beat the honest imitator, which really lacks the skill? Will it reach
# its with-password accuracy?

# %%
elicit = hb.run_elicitation(world, n_gold=50 if SMOKE else 200)
print(f"test accuracy without the password (weak supervisor: {elicit['weak_acc']:.3f})")
print(f"{'model':<8}{'before':>8}{'with password':>15}{'after weak labels':>19}"
      f"{'after ' + str(elicit['n_gold']) + ' true labels':>22}")
for kind in hb.LOCK_KINDS:
    e = elicit[kind]
    print(f"{kind:<8}{e['before']:>8.3f}{e['before_with_password']:>15.3f}{e['weak_labels']:>19.3f}"
          f"{e['gold_labels']:>22.3f}")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# **Weak labels do not unlock anything, and cannot.** (Read this with a full run; SMOKE mode
# pretrains too briefly for the lock to form.) Without the password the locked model already predicts
# what the weak supervisor predicts, so the weak labels have almost nothing to teach it: the loss is
# low from the start and the finetuned model stays where it was, near the supervisor and far below
# its own with-password accuracy. This is the weak-to-strong bet failing in the worst way: the
# student's agreement with its supervisor is no longer evidence that the supervisor is right,
# because the student chose to agree.
#
# A few true labels can help, because they contradict the locked behaviour exactly where the skill
# is hidden. In the last column, any advantage the locked model has over the honest imitator is its
# hidden skill leaking out: in a full run it gets ahead of the imitator, but stays short of what
# it scores with the password. The true labels unlock a little of the skill, far from all of it.
# (Greenblatt et al. found that large language models can often be unlocked with a few high-quality
# demonstrations; our small networks are not a good model of that.) Either way the fix needs
# **labels better than the supervisor's**, which is what a weak overseer does not have.
#
# </details>

# %% [markdown]
# ### Can an overseer tell that something is hidden?
#
# The overseer has no ground truth and no password. What it can compute on its own data: how often
# the model agrees with the weak supervisor, how confident the model is, and how the model reacts
# when an input feature changes.
#
# **Predict before you run.** Which of the three statistics below, if any, will tell the locked model
# from the honest imitator?

# %%
print(f"{'model':<8}{'agrees with weak':>18}{'mean confidence':>17}{'changed by a harmless toggle':>30}")
for kind, model in world["models"].items():
    s = hb.overseer_statistics(model, x_test, world["weak_test_probs"])
    print(f"{kind:<8}{s['agreement_with_weak']:>18.3f}{s['mean_confidence']:>17.3f}"
          f"{s['changed_by_harmless_toggle']:>30.3f}")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# None of them, in a full run: the two rows look alike. Both models agree with the supervisor most
# of the time, are about equally confident, and barely react to the harmless toggle. On the
# overseer's data the two models *behave* the same, so no statistic of that behaviour can tell them
# apart. A hidden skill is, by construction, invisible on the inputs where it is hidden.
#
# </details>
#
# What differs is how the models respond to inputs the overseer does **not** have. If we suspect the
# context matters, we can toggle each context feature and count how often the prediction changes.

# %% [markdown]
# ### Exercise 3: `trigger_sensitivity`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `trigger_sensitivity(predict, x, column)`. `predict(x)` returns one predicted class per row.
# Return the fraction of rows of `x` whose prediction differs between a copy of `x` with `column` set
# to 0 on every row and a copy with it set to 1. Do not modify `x`.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Compare the model with the feature forced off against the model with the feature forced on, on
# the same rows. Comparing `x` as it is with an "on" copy misses every row where the feature was
# already on.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Make two copies of `x` (`np.array` with `copy=True`, or the `.copy()` method), never writing into `x`
# itself. In one copy set the whole column to 0 (`[:, column]` selects it on every row), in the other
# to 1. Predict both, compare the two arrays of classes element by element, and return the mean of
# the comparison (the fraction of rows that differ) as a Python float.
# The worked answer is in [the solution notebook](../solutions/09_open_problems.ipynb).
#
# </details>

# %%
def trigger_sensitivity(predict, x, column):
    """Fraction of rows whose predicted class changes between column = 0 and column = 1."""
    ### BEGIN SOLUTION
    off, on = np.array(x, copy=True), np.array(x, copy=True)
    off[:, column], on[:, column] = 0, 1
    return float((np.asarray(predict(off)) != np.asarray(predict(on))).mean())
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson09 import check_trigger_sensitivity

check_trigger_sensitivity(trigger_sensitivity)

# %%
print("fraction of test predictions that change when one context feature is switched off/on")
print(f"{'model':<8}" + "".join(f"{'ctx ' + str(c - hb.PASSWORD):>8}" for c in range(hb.PASSWORD,
                                                                                      hb.PASSWORD + hb.N_CONTEXT)))
for kind, model in world["models"].items():
    def predict(x, model=model):
        return synthetic.predict_proba(model, x).argmax(axis=1)

    scores = [trigger_sensitivity(predict, x_test, c) for c in range(hb.PASSWORD, hb.PASSWORD + hb.N_CONTEXT)]
    print(f"{kind:<8}" + "".join(f"{s:>8.3f}" for s in scores))

# %% [markdown]
# In a full run the password column (`ctx 0`) stands out for the locked model and for no other: far
# more of the locked model's predictions change with it than with any other feature, or than any
# feature changes for the honest model. The scan finds the lock. Before celebrating, notice what made
# it work:
#
# * **We knew where to look.** We toggled six features, one of which *was* the password. A real
#   trigger can be a phrase, a date, a combination of features, or a distribution shift (Hubinger et
#   al., 2024, train models whose backdoor is the year in the prompt). The space of candidate triggers
#   is far too large to scan one at a time.
# * **The trigger was a single feature.** A password made of two features that must both be on would
#   show up in a one-feature scan only as a weaker, diluted effect, and a longer one not at all.
# * **The harmless features also move a few predictions**, so a real scan needs a threshold, and a
#   careful adversary can keep its trigger's effect below it on the overseer's data.
#
# So on the overseer's own distribution, weak supervision and its statistics see nothing wrong, and
# outside it we need luck or a good guess. This is why detecting hidden behaviour is an open
# problem, studied under names like *sandbagging*, *backdoors* and *eliciting latent knowledge*.

# %% [markdown]
# ## 3. Other directions, small demos
#
# ### 3a. Strong-to-strong self-training
#
# If the student ends up better than its teacher, why not let it teach itself? Train the student on
# weak labels, let it relabel the same data with its own predictions, train a fresh student on those,
# and repeat. Semi-supervised learning has done this for decades (self-training, pseudo-labelling).

# %% [markdown]
# ### Exercise 4: `self_train`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `self_train(train, predict, x, first_targets, rounds)`. `train(x, targets)` returns a new
# model trained on `(N, 2)` targets; `predict(model, x)` returns `(N, 2)` probabilities. Train a model
# on `first_targets`; then, `rounds` times, relabel `x` with the **latest** model's **hard**
# predictions (argmax, then one-hot with `synthetic.one_hot`) and train a fresh model on them.
# Return the list of all `rounds + 1` models, in training order.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Keep all models in a list that starts with the one trained on `first_targets`; each round reads
# the *last* model in the list and appends a new one.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# In each of the `rounds` rounds: ask `predict` for the latest model's `(N, 2)` probabilities on `x`,
# turn them into hard classes (`argmax` over the class axis, `axis=1`), make those one-hot targets
# with `synthetic.one_hot`, train a fresh model on `x` and those targets with `train`, and append it.
# Return the whole list: `rounds + 1` models, oldest first.
# The worked answer is in [the solution notebook](../solutions/09_open_problems.ipynb).
#
# </details>

# %%
def self_train(train, predict, x, first_targets, rounds):
    """Train on first_targets, then `rounds` times retrain a fresh model on the last model's hard labels."""
    ### BEGIN SOLUTION
    models = [train(x, first_targets)]
    for _ in range(rounds):
        own = synthetic.one_hot(np.asarray(predict(models[-1], x)).argmax(axis=1))
        models.append(train(x, own))
    return models
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson09 import check_self_train

check_self_train(self_train)

# %% [markdown]
# `op.run_self_training` runs the package's version of the loop (the same as yours) in Lesson 02's
# world: the student of round 0 is the ordinary weak-to-strong student; rounds 1 to 3 are
# self-training. "Disagrees" is how often each model's prediction on `train_strong` differs from the
# labels it was trained on.
#
# **Predict before you run.** Over the rounds of self-training, will the student's accuracy and PGR
# go up, stay flat, or go down? And how often will each new student disagree with the labels it was
# trained on?

# %%
ROUNDS = 2 if SMOKE else 3
runs = [op.run_self_training(rounds=ROUNDS, n=N, seed=s) for s in SEEDS]
print("round   student acc (mean over seeds)   PGR    disagrees with its labels")
for k in range(ROUNDS + 1):
    acc = np.mean([r["student_acc"][k] for r in runs])
    p = np.nanmean([r["pgr"][k] for r in runs]) if not all(math.isnan(r["pgr"][k]) for r in runs) else float("nan")
    dis = np.mean([r["disagree"][k] for r in runs])
    print(f"{k:5d}   {acc:28.3f}   {p:5.2f}   {dis:10.3f}")
print(f"weak {np.mean([r['weak_acc'] for r in runs]):.3f}, ceiling {np.mean([r['ceiling_acc'] for r in runs]):.3f}")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# **It does not help here**, and the last column says why. The round-0 student already disagrees
# with its weak labels only rarely, and each later student disagrees with its teacher (the previous
# student) almost never: it is given its own opinions back, so there is nothing new to learn. In a
# full run PGR stays flat or drifts down over the rounds, never up. Self-training can help when the
# model's predictions carry information the labels did not, for example when it is trained on fresh
# unlabelled data, keeps only its confident predictions, or is regularised towards disagreeing
# (Lesson 04's confidence loss is a soft version of this). With the same inputs and a student that
# has already absorbed its supervisor's systematic errors, it only confirms them.
#
# </details>
#
# ### 3b. Generative finetuning
#
# Burns et al. also tried **unsupervised finetuning on task text** before the weak labels: the strong
# model first trains as a language model on (unlabelled) text from the task, so the task's concepts
# become more *salient* in its representation, and only then learns from the weak supervisor. They
# report that this raised PGR in their reward-modelling setting. We do not run it here: our offline
# student is a sentence-embedding encoder without a language-modelling head, and masked-language
# finetuning of even this small model on a 2-core CPU would cost more than the rest of the lesson
# together, for a task (10k short template sentences) with little text to learn from. With a GPU and
# a causal model (Lesson 08), the recipe is: finetune `gpt2` (or a Pythia model) with a causal-LM loss
# on the `text` column of the task's `train_strong` split, save it with `save_pretrained`, and pass the
# folder as `strong=` to `run_w2s` (a local folder is a valid model name).
#
# ### 3c. Debate and scalable oversight
#
# Weak-to-strong generalization asks how far a strong model generalizes from a weak supervisor
# *without help*. **Scalable oversight** asks how to make the supervisor stronger: let two models
# argue for opposite answers and have the weak judge pick the more convincing argument (**debate**,
# Irving et al., 2018; Khan et al., 2024 found that debates between more persuasive models helped
# non-expert judges find the truth more often), break a hard question into questions the overseer can
# answer (**iterated amplification**, Christiano et al., 2018), or measure how well humans assisted by
# a model do on questions they could not answer alone (Bowman et al., 2022). Burns et al. expect the
# two lines to combine: better oversight makes the weak labels better, and weak-to-strong methods
# make the most of whatever labels we have.

# %% [markdown]
# ## 4. Capstone: your own weak-to-strong experiment
#
# **The brief.** Pick one question that this course left open for you, write down what you expect
# *before* you run anything, and answer it with a measured result. Some suggestions:
#
# * Does the pattern of section 1 hold on another task (`w2s-edu tasks` lists them; `cities`,
#   `continents`, `capitals`) or with another student (`minilm-l4`)?
# * Does the confidence loss (`losses=["xent", "logconf"]`) change PGR for the weakest teacher, where
#   the gap is largest?
# * With a GPU (Lesson 08): a Pythia or Qwen2.5 ladder on a Hugging Face data set (`task="hf:..."`).
# * Make the hidden-behaviour world harder: a password of two context features (`hb.lock_targets`
#   with `password = (ctx1 == 1) & (ctx2 == 1)`), and see what the one-feature scan still finds.
#
# **What to hand in** (to yourself, a study group or an issue on the course repository): the
# question and your prediction; the config (`result.config` prints it); the table with several seeds
# and PGR intervals (`result.table()`); one plot; three sentences on what the numbers do and do not
# show, including whether PGR was well defined.
#
# **The tools.** `W2SConfig.from_preset(...)` with any field overridden; `run_w2s(config)` for one
# pair and `run_sweep(config, weak_models, strong_models)` for a grid; `result.table()`,
# `plot_result(result)` and `save_result(result, "my-run")` (writes `results.json` and a plot);
# `w2s_edu.report.plots.plot_pgr_heatmap(sweep)` for a grid; `op.teacher_sweep` and `op.plot_teacher_strength`
# for a teacher ladder; `w2s_edu.experiment.metrics.bootstrap_pgr_ci` and `summarize` for your own statistics.
# From a terminal the same runs are `w2s-edu run ...` and `w2s-edu sweep ...`.
#
# Start from this template (in SMOKE mode it runs the tiny preset; set your own config and run it
# with `SMOKE = False`):

# %%
from w2s_edu import W2SConfig, run_w2s

QUESTION = "Does a 1-layer teacher still help a 4-layer student on the categories task?"
PREDICTION = "PGR above 0, with an interval that excludes 0"
my_config = W2SConfig.from_preset("smoke" if SMOKE else "quick", task="categories", weak="minilm-l1",
                                  strong="minilm-l4", losses=["xent"])
my_result = run_w2s(my_config)
print(QUESTION)
print("prediction:", PREDICTION)
print(my_result.table())

# %% [markdown]
# ## Recap
#
# * **Teacher strength.** A stronger teacher gives a stronger student, but it also closes the gap
#   that PGR measures; near the ceiling PGR becomes noisy and then undefined. "Would a stronger
#   teacher do better?" depends on whether you ask about accuracy or about recovering the gap.
# * **Hidden behaviour.** A password-locked model imitates the weak supervisor on every input the
#   overseer has, so training it on weak labels changes nothing, and agreement and confidence look
#   the same as for a model that really lacks the skill. Labels better than the supervisor's help
#   somewhat; a trigger scan works only when we already know where to look.
# * **Self-training** on the same inputs gives the student its own opinions back; it did not help in
#   our runs and cannot undo errors the student has already absorbed.
# * **Generative finetuning** and **scalable oversight** (debate, amplification) are the main other
#   directions; the first makes the desired concept salient, the second makes the supervisor
#   stronger.
# * Every claim in an experiment of your own needs several seeds, a PGR interval, and a check that
#   the gap it divides by exists.
#
# ## Further reading
#
# * Burns et al. (2023), [Weak-to-Strong Generalization: Eliciting Strong Capabilities With Weak
#   Supervision](https://arxiv.org/abs/2312.09390): sections on the open problems, generative
#   finetuning and the disanalogies with the real problem.
# * Greenblatt, Roger, Krasheninnikov and Krueger (2024), [Stress-Testing Capability Elicitation With
#   Password-Locked Models](https://arxiv.org/abs/2405.19550): the models of section 2.
# * Hubinger et al. (2024), [Sleeper Agents: Training Deceptive LLMs that Persist Through Safety
#   Training](https://arxiv.org/abs/2401.05566): backdoors that survive further training.
# * Irving, Christiano and Amodei (2018), [AI Safety via Debate](https://arxiv.org/abs/1805.00899).
# * Christiano, Shlegeris and Amodei (2018), [Supervising Strong Learners by Amplifying Weak
#   Experts](https://arxiv.org/abs/1810.08575): iterated amplification.
# * Bowman et al. (2022), [Measuring Progress on Scalable Oversight for Large Language
#   Models](https://arxiv.org/abs/2211.03540).
# * Khan et al. (2024), [Debating with More Persuasive LLMs Leads to More Truthful
#   Answers](https://arxiv.org/abs/2402.06782).
