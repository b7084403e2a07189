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
# # Lesson 02: Weak supervision
#
# Lesson 00 ran the weak-to-strong experiment with one function call. This lesson takes the recipe
# apart and rebuilds it by hand, on a small synthetic world where every model trains in a fraction of
# a second. Then it asks the question the whole method depends on: a weak supervisor is *wrong* on
# some examples; **does the strong student learn the task, or learn the supervisor's mistakes?**
#
# The answer turns out to depend less on *how many* labels are wrong than on *which* ones. We will
# give the same student two sets of labels that are wrong equally often: once wrong at random, once
# wrong where a weak model is wrong. The results differ enormously, and the reason is the key idea
# behind weak-to-strong generalization.
#
# **Learning objectives.** By the end you can
#
# 1. build the three disjoint, class-balanced splits of a weak-to-strong experiment and say why each
#    one exists;
# 2. train a weak supervisor and turn it into *soft* labels for the student;
# 3. compute PGR, and tell when it is undefined;
# 4. tell **random label noise** from **systematic errors**, and explain why a strong student
#    recovers from the first but imitates the second, even at the same error rate;
# 5. measure imitation directly, as the student's agreement with its supervisor where the
#    supervisor is wrong, and report results over several seeds with their spread.
#
# **Estimated time:** 60 to 75 minutes (the experiments themselves take about a minute on a laptop CPU).
#
# **Prerequisites:** Lesson 00 (the weak-to-strong setup and PGR); numpy indexing; what a classifier,
# a training set and a test set are. The models are small PyTorch networks that the package trains
# for you; you will not need to write a training loop.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/w2s-edu/w2s-edu/blob/main/lessons/02_weak_supervision.ipynb)

# %%
import sys

if "google.colab" in sys.modules:
    from IPython import get_ipython

    get_ipython().run_line_magic("pip", 'install -q "w2s-edu @ git+https://github.com/w2s-edu/w2s-edu"')

# %% tags=["parameters"]
import os

SMOKE = os.environ.get("W2S_SMOKE") == "1"  # tiny sizes, so CI can run the whole notebook in seconds

# %%
import matplotlib.pyplot as plt
import numpy as np

from w2s_edu.toys import synthetic
from w2s_edu.experiment.metrics import accuracy

N = 300 if SMOKE else 2000  # examples in each of the three splits
SEEDS = (0, 1) if SMOKE else (0, 1, 2, 3, 4)  # independent repetitions of the whole experiment
SWEEP_SEEDS = (0,) if SMOKE else (0, 1, 2)  # fewer seeds for the sweeps in section 7

# %% [markdown]
# ## 1. Three roles, three splits
#
# A weak-to-strong experiment trains three models:
#
# | model | trained on | plays the part of |
# |---|---|---|
# | **weak supervisor** | ground truth of `train_weak` | today's human overseer |
# | **strong student** | the supervisor's labels on `train_strong` | a future, more capable model |
# | **strong ceiling** | ground truth of `train_weak` | the student, had we been able to supervise it perfectly |
#
# and scores all three on a held-out `test` split. Three rules make the comparison fair:
#
# * **Disjoint.** The supervisor must label examples it has *not* trained on. On its own training
#   data a model is better than it really is (it may have memorised some of it), so its labels there
#   would be unrealistically clean. And no model may ever see the test examples.
# * **Class-balanced.** Each split holds (almost) as many examples of class 0 as of class 1, so 50%
#   accuracy is chance level, and no model can look good by always predicting the majority class.
# * **Seeded.** The same seed must give the same splits, so a result can be reproduced, and different
#   seeds give different splits, so we can see how much a result varies.
#
# The package's `w2s_edu.tasks.splits.split_task` does this for text datasets. Here you write the same idea
# for a plain array of 0/1 labels.

# %% [markdown]
# ### Exercise 1: `make_splits`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# Write `make_splits(labels, n_train_weak, n_train_strong, n_test, seed=0)`. It returns a dict with
# the keys `"train_weak"`, `"train_strong"` and `"test"`, each a 1-D numpy array of integer
# **indices** into `labels`, such that
#
# * the split of size `n` holds `n // 2` examples of class 0 and `n - n // 2` of class 1;
# * no index appears twice, within a split or across splits;
# * the same `seed` gives the same splits, and a different seed gives different ones;
# * if a class has too few examples for the sizes asked, it raises a `ValueError` that says so.
#
# Do not modify `labels`.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Work class by class. Find the positions of each class (`np.flatnonzero` of a boolean mask), shuffle
# each list of positions **once** with one NumPy generator (`default_rng`) built from `seed`, and hand
# out pieces of the shuffled lists. Splits that take *different* pieces of the same shuffled list can
# never share an index.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Before handing anything out, count what the three splits need from each class (`n // 2` of class 0
# and `n - n // 2` of class 1 per split) and raise the `ValueError` if a class is short. Then go
# through the splits in order, keeping one running offset per class: each split takes the next
# `n // 2` shuffled positions of class 0 and the next `n - n // 2` of class 1, and the offsets move on.
# Join a split's two halves with `np.concatenate` and shuffle that too (`permutation`), so the
# classes are mixed. Never sort or reshuffle `labels` itself: you return positions into it.
# The worked answer is in [the solution notebook](../solutions/02_weak_supervision.ipynb).
#
# </details>

# %%
def make_splits(labels, n_train_weak, n_train_strong, n_test, seed=0):
    """Disjoint, class-balanced, seeded index arrays {"train_weak", "train_strong", "test"}."""
    ### BEGIN SOLUTION
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    sizes = {"train_weak": n_train_weak, "train_strong": n_train_strong, "test": n_test}
    pools = {c: rng.permutation(np.flatnonzero(labels == c)) for c in (0, 1)}
    need = {0: sum(n // 2 for n in sizes.values()), 1: sum(n - n // 2 for n in sizes.values())}
    for c in (0, 1):
        if len(pools[c]) < need[c]:
            raise ValueError(f"the splits need {need[c]} examples of class {c}, but there are {len(pools[c])}")
    splits, used = {}, {0: 0, 1: 0}
    for name, n in sizes.items():
        halves = []
        for c, k in ((0, n // 2), (1, n - n // 2)):
            halves.append(pools[c][used[c]: used[c] + k])
            used[c] += k
        splits[name] = rng.permutation(np.concatenate(halves))
    return splits
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson02 import check_make_splits

check_make_splits(make_splits)

# %% [markdown]
# ## 2. A world in which the student knows more
#
# To study weak supervision we need a task where we *know* the student is the more capable model, and
# where we can see why. Here is a small one, built from six hidden ("latent") factors
# $z_0, \dots, z_5$, each a standard normal number:
#
# * **The label** is $y = 1$ when $z_0 + z_1 + z_2 z_3 > 0$, else 0. Note the product $z_2 z_3$: the rule
#   is not linear.
# * **The weak view** shows the supervisor only $z_0, \dots, z_3$, each with some Gaussian noise added
#   (`weak_noise`, 0.25 by default). The supervisor is a *linear* model (logistic regression), so even a
#   perfect view would not let it represent $z_2 z_3$.
# * **The strong view** is 24 features: a fixed random nonlinear mixture of all six factors. The
#   student is a small neural network (one hidden layer of 64 units) that can represent the true rule,
#   and also anything the supervisor computes.
#
# That mirrors the situation Burns et al. care about: the strong model already has a better
# representation of the world, and the weak supervisor only has to *point* it at the task.

# %%
from w2s_edu.toys.synthetic import make_splits as make_splits_ref

data = synthetic.make_task(4 * N, weak_noise=0.25, seed=0)
parts = make_splits_ref(data["y"], N, N, N, seed=0)
xw, xs, y, z = data["x_weak"], data["x_strong"], data["y"], data["z"]
tw, ts, te = parts["train_weak"], parts["train_strong"], parts["test"]
print(f"weak view {xw.shape[1]} features, strong view {xs.shape[1]} features")
for name, idx in parts.items():
    print(f"{name:>12}: {len(idx)} examples, {y[idx].mean():.0%} of class 1")

# %% [markdown]
# ### Exercise 2: `weak_soft_labels`
#
# Difficulty: 🔴⚪⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `weak_soft_labels(x_train, y_train, x_label)`: fit a logistic regression (scikit-learn's
# `LogisticRegression`, default settings) on `(x_train, y_train)` and return its **probabilities** on
# `x_label`, a float array of shape `(len(x_label), 2)` whose columns are P(class 0) and P(class 1).
#
# These are the *soft* weak labels. Burns et al. train the student on them rather than on the
# supervisor's 0/1 predictions: a probability of 0.55 tells the student "I am not sure", while a hard
# label would say the same thing as 0.99.
#
# <details><summary>Hint 1: a nudge</summary>
#
# A scikit-learn model is trained with its `fit` method, which returns the model itself; the soft
# labels come from its `predict_proba` method (not `predict`, which gives hard 0/1 labels).
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Build a `LogisticRegression` with no arguments and fit it on the training pair only. Then ask the
# fitted model for probabilities on `x_label`, the split the supervisor has *not* seen: labelling its
# own training inputs would give unrealistically clean labels. The result already has shape
# `(len(x_label), 2)`, columns in the order of the classes 0 and 1.
# The worked answer is in [the solution notebook](../solutions/02_weak_supervision.ipynb).
#
# </details>

# %%
from sklearn.linear_model import LogisticRegression


def weak_soft_labels(x_train, y_train, x_label):
    """Fit the weak supervisor on (x_train, y_train); return its (N, 2) probabilities on x_label."""
    ### BEGIN SOLUTION
    model = LogisticRegression().fit(x_train, y_train)
    return model.predict_proba(x_label)
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson02 import check_weak_soft_labels

check_weak_soft_labels(weak_soft_labels)

# %% [markdown]
# Now let the package's supervisor (the same logistic regression, written as a one-layer PyTorch model)
# label `train_strong`, and look at **where** it is wrong. The plot uses the hidden factors, which no
# model sees: horizontally $z_0 + z_1$, vertically $z_2 z_3$. The true boundary is the diagonal line
# $z_0 + z_1 + z_2 z_3 = 0$.

# %%
from w2s_edu.toys.synthetic import weak_soft_labels as weak_soft_labels_ref

weak_probs = weak_soft_labels_ref(xw[tw], y[tw], xw[ts])  # soft labels for the student, shape (N, 2)
weak_wrong = weak_probs.argmax(axis=1) != y[ts]
weak_acc = accuracy(weak_soft_labels_ref(xw[tw], y[tw], xw[te]), y[te])
print(f"weak supervisor: test accuracy {weak_acc:.3f}; wrong on {weak_wrong.mean():.1%} of train_strong")

u, v = z[ts, 0] + z[ts, 1], z[ts, 2] * z[ts, 3]
fig, ax = plt.subplots(figsize=(5.5, 4))
ax.scatter(u[~weak_wrong], v[~weak_wrong], s=4, c="lightgrey", label="weak label right")
ax.scatter(u[weak_wrong], v[weak_wrong], s=6, c="#c44e52", label="weak label wrong")
ax.plot([-4, 4], [4, -4], "k--", linewidth=1, label="true boundary")
ax.axvline(0, color="#c44e52", linestyle=":", linewidth=1, label="$z_0 + z_1 = 0$")
ax.set(xlim=(-4, 4), ylim=(-4, 4), xlabel="$z_0 + z_1$", ylabel="$z_2 z_3$")
ax.legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# The mistakes are not scattered: most of them sit in two wedges, between the true diagonal
# boundary and the dotted vertical line $z_0 + z_1 = 0$, which is close to the best a linear model on
# these features can do. (The few others come from the noise on the weak view.)
# The supervisor is wrong *for a reason* (it cannot represent $z_2 z_3$), so it is wrong in the
# same way on every example of that kind. Errors like that are called **systematic**.

# %% [markdown]
# ## 3. The student, the ceiling, and PGR
#
# Train the strong student on the soft weak labels of `train_strong`, and the strong ceiling on the
# ground truth of `train_weak`: the same network, the same training recipe, only the labels differ.
# `synthetic.train_classifier` trains a small network with cross-entropy against (N, 2) targets;
# `synthetic.one_hot` turns 0/1 labels into such targets.

# %%
ceiling = synthetic.train_classifier(xs[tw], synthetic.one_hot(y[tw]), hidden=64, seed=1)
student = synthetic.train_classifier(xs[ts], weak_probs, hidden=64, seed=2)
ceiling_acc = accuracy(synthetic.predict_proba(ceiling, xs[te]), y[te])
student_acc = accuracy(synthetic.predict_proba(student, xs[te]), y[te])
print(f"test accuracy: weak {weak_acc:.3f}   student {student_acc:.3f}   ceiling {ceiling_acc:.3f}")

# %% [markdown]
# ### Exercise 3: `pgr`
#
# Difficulty: 🔴⚪⚪⚪⚪  Importance: 🔵🔵🔵🔵🔵
#
# You should spend up to ~5 minutes on this exercise.
#
# The *performance gap recovered* says how much of the distance from the supervisor to the ceiling
# the student covered:
#
# $$\mathrm{PGR} = \frac{a_\text{student} - a_\text{weak}}{a_\text{ceiling} - a_\text{weak}}$$
#
# where each $a$ is a test accuracy.
#
# Write `pgr(weak_acc, w2s_acc, ceiling_acc)` returning it as a float (accuracies may be fractions or
# percentages). Do not clip: below 0 (the student is worse than its supervisor) and above 1 (it beat
# the ceiling) are findings. When the ceiling is **not above** the supervisor there is no gap to
# recover: return `float("nan")`. If you did Lesson 00 you have written this before: write it again,
# it takes a minute.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Divide the student's gain over its supervisor by the supervisor's distance to the ceiling, but
# check that distance before you divide.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Compute the gap (ceiling minus supervisor) first. If it is zero or negative, return nan, the
# "not a number" float. Otherwise return the gain (student minus supervisor) over the gap, as a float, without rounding or
# clipping.
# The worked answer is in [the solution notebook](../solutions/02_weak_supervision.ipynb).
#
# </details>

# %%
def pgr(weak_acc, w2s_acc, ceiling_acc):
    """(w2s - weak) / (ceiling - weak), or nan when the ceiling is not above the weak model."""
    ### BEGIN SOLUTION
    gap = ceiling_acc - weak_acc
    if not gap > 0:
        return float("nan")
    return float((w2s_acc - weak_acc) / gap)
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson02 import check_pgr

check_pgr(pgr)

# %%
from w2s_edu.experiment.metrics import pgr as pgr_ref

print(f"PGR of the student trained on the weak model's labels: {pgr_ref(weak_acc, student_acc, ceiling_acc):.2f}")

# %% [markdown]
# (In SMOKE mode the sizes are tiny and this number can be anything.) With the full sizes the
# student ends up only a little better than its supervisor: a small PGR. Is that because 15-20% of
# its labels were wrong? Or because of *which* labels were wrong? To tell the two apart we need a
# control.

# %% [markdown]
# ## 4. Two ways to be wrong
#
# The control keeps the error rate and changes the kind of error. Take the **ground truth** of
# `train_strong` and flip a randomly chosen set of labels, exactly as many as the supervisor got
# wrong. The student then sees labels that are precisely as accurate as the supervisor's, but whose
# mistakes have no pattern: **random label noise**.
#
# |  | which labels are wrong | can the student predict the mistakes from its inputs? |
# |---|---|---|
# | random noise | a uniformly random subset | no: two identical inputs are equally likely to be flipped |
# | systematic errors | the supervisor's mistakes | yes: they follow a rule (here, "ignore $z_2 z_3$") |

# %% [markdown]
# ### Exercise 4: `flip_labels`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `flip_labels(labels, rate, seed=0)`: return a **copy** of the 0/1 array `labels` in which
# exactly `round(rate * len(labels))` labels, at positions chosen uniformly at random without
# repetition, are flipped (0 becomes 1 and 1 becomes 0). Same seed, same flips; different seed,
# different flips. Do not modify `labels`.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Decide *how many* labels to flip first, then *which*: a generator's `choice` method can draw
# distinct positions (`replace=False`). Flipping each label independently with probability `rate`
# would give the right rate only *on average*; we want the error rates to match exactly. And flipping
# the first labels would not be random at all if the data happened to be sorted.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Steps: k is `rate` times the number of labels, rounded to a whole number; draw k distinct positions
# with a generator built from `seed`; make a copy of the labels (`.copy()`: assigning to a slice of
# the original would change the caller's array); at the drawn positions replace each label by one
# minus itself. Return the copy.
# The worked answer is in [the solution notebook](../solutions/02_weak_supervision.ipynb).
#
# </details>

# %%
def flip_labels(labels, rate, seed=0):
    """A copy of 0/1 `labels` with exactly round(rate * N) labels, chosen uniformly at random, flipped."""
    ### BEGIN SOLUTION
    labels = np.asarray(labels)
    k = int(round(rate * len(labels)))
    idx = np.random.default_rng(seed).choice(len(labels), size=k, replace=False)
    flipped = labels.copy()
    flipped[idx] = 1 - flipped[idx]
    return flipped
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson02 import check_flip_labels

check_flip_labels(flip_labels)

# %% [markdown]
# Train a second student, identical to the first (same network, same initialisation seed), on
# randomly flipped ground truth with the supervisor's error rate.
#
# **Predict before you run.** The two students see labels that are wrong equally often; only *which*
# labels are wrong differs. Will their PGRs be about the same? If not, which one will be larger, and
# by a little or by a lot? Then section 5 repeats the comparison over several seeds: will every seed
# agree on which kind of label is worse?

# %%
from w2s_edu.toys.synthetic import flip_labels as flip_labels_ref

noisy = flip_labels_ref(y[ts], weak_wrong.mean(), seed=3)
print(f"random-noise labels are wrong on {(noisy != y[ts]).mean():.1%} of train_strong "
      f"(the weak labels on {weak_wrong.mean():.1%})")
random_student = synthetic.train_classifier(xs[ts], synthetic.one_hot(noisy), hidden=64, seed=2)
random_acc = accuracy(synthetic.predict_proba(random_student, xs[te]), y[te])
print(f"PGR with systematic errors: {pgr_ref(weak_acc, student_acc, ceiling_acc):.2f}")
print(f"PGR with random noise:      {pgr_ref(weak_acc, random_acc, ceiling_acc):.2f}")

# %% [markdown]
# ## 5. The experiment, over several seeds
#
# One run is one draw of the data, the splits and the initial weights: a single number can mislead.
# `synthetic.run_noise_experiment(seed=s)` repeats everything above for one seed and both kinds of
# labels, and `synthetic.noise_experiment_over_seeds` does it for several seeds and summarises each
# quantity as mean ± standard deviation across seeds.

# %%
results = synthetic.noise_experiment_over_seeds(seeds=SEEDS, n=N)
print("seed   weak  ceiling  error   random: acc   PGR    systematic: acc   PGR")
for seed, r in zip(SEEDS, results["runs"]):
    print(f"{seed:4d}  {r['weak_acc']:.3f}  {r['ceiling_acc']:.3f}   {r['error_rate']:.3f}"
          f"          {r['random']['student_acc']:.3f}  {r['random']['pgr']:5.2f}"
          f"              {r['systematic']['student_acc']:.3f}  {r['systematic']['pgr']:5.2f}")
print()
print(synthetic.format_summary(results["summary"]))

# %%
summary = results["summary"]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
names = ["weak", "student\nrandom", "student\nsystematic", "ceiling"]
keys = ["weak_acc", "random_acc", "systematic_acc", "ceiling_acc"]
axes[0].bar(names, [summary[k]["mean"] for k in keys], yerr=[summary[k]["std"] for k in keys], capsize=4,
            color=["#c44e52", "#4c72b0", "#dd8452", "#55a868"])
axes[0].set(ylim=(0.5, 1.0), ylabel="test accuracy", title=f"mean ± std over {len(SEEDS)} seeds")
for i, kind in enumerate(("random", "systematic")):
    values = [r[kind]["pgr"] for r in results["runs"]]
    axes[1].scatter([i] * len(values), values, color="black", zorder=3, s=14)
    axes[1].bar(i, np.mean(values), color=["#4c72b0", "#dd8452"][i], alpha=0.8)
axes[1].set_xticks([0, 1], ["random noise", "systematic errors"])
axes[1].axhline(0, color="grey", linewidth=0.8)
axes[1].set(ylabel="PGR", title="PGR per seed (dots) and mean (bars)")
fig.tight_layout()
plt.show()

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# At the same error rate the two students end up far apart. The random-noise student lands close to
# the ceiling, with a large PGR; the student of the weak model's labels barely beats its supervisor,
# with a PGR near 0. Look at the per-seed rows: in a full run every seed gives random noise the higher
# PGR (SMOKE mode is too small to show it reliably). The two kinds of labels were wrong equally often,
# so the difference lies entirely in *which* labels were wrong.
#
# **Why.** A neural network learns whatever *function of its inputs* best explains its labels.
#
# * Random flips are not a function of the input. Around any point of the input space most labels
#   are still right, so the function that best explains them is still the true rule; the flipped
#   labels only add noise that averages out over neighbouring examples. This is the classic result on
#   learning with random label noise: below 50% noise, the best classifier for the noisy labels is the
#   best classifier for the clean ones.
# * The supervisor's mistakes *are* a function of the input: "predict from $z_0 + z_1$ and ignore
#   $z_2 z_3$". The strong view contains everything the weak model uses, so for the student this
#   rule is just as easy to learn as the true one, and it is what the labels say. The student
#   learns it, mistakes included. Its greater capacity does not help: capacity lets it fit the
#   labels *better*, and these labels are wrong in a learnable way.
#
# So the same error rate can mean almost full recovery or almost none. For weak-to-strong
# generalization the question is never only "how accurate is the supervisor?" but "**can the
# student predict the supervisor's mistakes?**" Lang, Sontag and Vijayaraghavan (2024) put this into
# theory: a student generalizes past its teacher when it cannot fit the teacher's mistakes without
# also getting the surrounding correct examples wrong.
#
# </details>

# %% [markdown]
# ## 6. Did the student copy the mistakes?
#
# PGR measures the outcome on the test set. We can also look at imitation directly: on the examples
# the student was trained on, how often does it end up predicting the label it was given, **split by
# whether that label was right**? Where the label was right, a good student agrees. Where it was
# wrong, a student that learned the task *disagrees*, and a student that imitates agrees.

# %% [markdown]
# ### Exercise 5: `agreement_by_supervisor`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `agreement_by_supervisor(student_pred, supervisor_pred, labels)` for three 1-D arrays of 0/1
# predictions and true labels of the same length. Return
#
# ```python
# {"overall": float,                                   # fraction where student == supervisor
#  "supervisor_right": {"n": int, "agreement": float},  # among examples with supervisor == label
#  "supervisor_wrong": {"n": int, "agreement": float}}  # among examples with supervisor != label
# ```
#
# where `n` is the size of the group and `agreement` the fraction of the group in which the student
# agrees with the supervisor. An empty group has agreement `float("nan")`.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Everything here is a mean of a boolean array: build one mask saying where the student agrees with
# its supervisor and one saying where the supervisor is right, and select with them.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Convert the three inputs with `np.asarray` first. "Overall" is the mean of the agreement mask. For
# each group, select the agreement mask with the group's mask (the supervisor-right mask, or its
# negation `~`): the group's `n` is how many rows it has, its agreement the mean of the selected
# values. A small helper that returns nan for an empty selection (numpy would warn) keeps it tidy.
# Return plain Python `int` and `float` values, not numpy scalars.
# The worked answer is in [the solution notebook](../solutions/02_weak_supervision.ipynb).
#
# </details>

# %%
def agreement_by_supervisor(student_pred, supervisor_pred, labels):
    """Student-supervisor agreement overall, where the supervisor is right, and where it is wrong."""
    ### BEGIN SOLUTION
    student, supervisor, labels = (np.asarray(a) for a in (student_pred, supervisor_pred, labels))
    agree = student == supervisor
    right = supervisor == labels

    def mean_or_nan(values):
        return float(values.mean()) if values.size else float("nan")

    return {"overall": mean_or_nan(agree),
            "supervisor_right": {"n": int(right.sum()), "agreement": mean_or_nan(agree[right])},
            "supervisor_wrong": {"n": int((~right).sum()), "agreement": mean_or_nan(agree[~right])}}
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson02 import check_agreement_by_supervisor

check_agreement_by_supervisor(agreement_by_supervisor)

# %% [markdown]
# `run_noise_experiment` records this agreement (computed with the package's
# `w2s_edu.experiment.metrics.agreement_by_supervisor`) for each kind of label. "Copied" below is the agreement
# where the label was wrong: the fraction of wrong labels the student reproduced.

# %%
print("labels        agreement where right   copied (agreement where wrong)")
for kind in ("random", "systematic"):
    right = [r[kind]["agreement"]["supervisor_right"]["agreement"] for r in results["runs"]]
    wrong = [r[kind]["agreement"]["supervisor_wrong"]["agreement"] for r in results["runs"]]
    print(f"{kind:<12}  {np.mean(right):.3f} ± {np.std(right, ddof=1):.3f}          "
          f"{np.mean(wrong):.3f} ± {np.std(wrong, ddof=1):.3f}")

# %% [markdown]
# Compare the two rows. In a full run the random-noise student reproduces only a small share of its
# flipped labels, while the other student reproduces most of the supervisor's mistakes. The two
# students agree with the *right* labels almost equally often; the whole difference is in what they
# do with the wrong ones.

# %% [markdown]
# ## 7. Checking our own conclusion
#
# Before believing a result, try to break it. Three questions about our setup:
#
# **(a) Is it the soft labels?** The systematic student got probabilities, the random one got 0/1
# labels. Give the systematic student the weak model's hard 0/1 predictions instead, so the two
# conditions differ *only* in which labels are wrong.

# %%
hard = synthetic.noise_experiment_over_seeds(seeds=SEEDS, n=N, kinds="systematic", hard_weak_labels=True)
for name, s in (("soft weak labels", summary), ("hard weak labels", hard["summary"])):
    print(f"systematic, {name}: PGR {s['systematic_pgr']['mean']:.2f} ± {s['systematic_pgr']['std']:.2f}")

# %% [markdown]
# In a full run the two agree within their spread (compare the ± in your printout): the format of
# the labels is not what separates the two conditions.
#
# **(b) Does "systematic" mean "comes from a model"?** The supervisor's errors have two sources: its
# linear form (it cannot use $z_2 z_3$) and the noise on its view. The noise is random *with respect
# to the student*, which never sees it. Turn the weak view noise up and watch PGR for the weak labels.
#
# **Predict before you run.** As the noise on the weak view grows, the supervisor gets less accurate.
# Will the PGR of its student go down with it, stay where it is, or go up? And will it ever come
# close to the PGR with random noise?

# %%
levels = (0.0, 1.0) if SMOKE else (0.0, 0.5, 1.0, 2.0)
print("weak view noise   weak acc   error rate   PGR random   PGR systematic")
for level in levels:
    s = synthetic.noise_experiment_over_seeds(seeds=SWEEP_SEEDS, n=N, weak_noise=level)["summary"]
    print(f"{level:15.2f}   {s['weak_acc']['mean']:8.3f}   {s['error_rate']['mean']:10.3f}"
          f"   {s['random_pgr']['mean']:10.2f}   {s['systematic_pgr']['mean']:14.2f}")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# As the weak view gets noisier the supervisor gets *worse*, yet PGR with its labels goes *up*: in a
# full run it starts near zero (or below) with a clean view and, at the largest noise levels, comes
# close to the PGR with random noise (read the last two columns of your table). With a clean view all
# of the supervisor's mistakes come from the rule it cannot represent, and the student copies them;
# with a noisy view a growing share of its mistakes come from noise the student cannot see, and those
# behave like random noise. "Systematic" is relative to the student: what matters is whether the
# errors are predictable **from the student's inputs**. (PGR also divides by a larger gap when the
# supervisor is worse, which is one more reason not to read PGR alone: look at the accuracies too.)
#
# </details>
#
# **(c) Does the student really ignore random noise?** Only because it trains briefly (10 epochs).
# Neural networks first learn the patterns shared by many examples and only later memorise individual
# labels (Arpit et al., 2017); trained long enough, they can memorise even completely random labels
# (Zhang et al., 2017). Train ten times longer.
#
# **Predict before you run.** With 100 epochs instead of 10, which student will change more: the one
# trained on random noise or the one trained on the weak model's labels? In which direction will
# its PGR move?

# %%
for epochs in (10, 100):
    s = synthetic.noise_experiment_over_seeds(seeds=SWEEP_SEEDS[:2], n=N, epochs=epochs)["summary"]
    print(f"{epochs:3d} epochs: PGR random {s['random_pgr']['mean']:.2f} "
          f"(copied {s['random_copied']['mean']:.0%} of wrong labels), "
          f"PGR systematic {s['systematic_pgr']['mean']:.2f} (copied {s['systematic_copied']['mean']:.0%})")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# The random-noise student changes most: with 100 epochs it starts memorising its wrong labels (its
# "copied" share rises several-fold in a full run) and its PGR falls a long way. The systematic
# student changes little: it had been fitting its labels, mistakes included, all along, so there is
# little left for longer training to add. Networks learn the patterns shared by many examples first
# and memorise the exceptions later; random flips are exceptions, the supervisor's rule is a pattern.
# Random noise is "recovered" only by a student that generalizes instead of memorising, so how long
# and how hard we train is part of the experiment. Burns et al. report a similar effect with language
# models (students drift towards their supervisor's errors late in training) and train their
# students for only a few epochs.
#
# </details>

# %% [markdown]
# ## 8. Explore
#
# Each change of a control reruns one seed of the experiment (about a second) and redraws the test
# accuracies of the supervisor, the student and the ceiling, with PGR in the title. Things to try:
#
# * **systematic**, weak view noise 0: every mistake is the supervisor's blind spot. PGR?
# * **random**, any setting: does PGR ever drop far?
# * weak hidden 16: the supervisor can now represent $z_2 z_3$ and makes fewer systematic mistakes.
#   What happens to its accuracy, and to PGR?
# * student hidden 2: the student is no longer strong. Compare the ceiling with the supervisor; what
#   does PGR mean then?
#
# (The controls need `ipywidgets`: `pip install "w2s-edu[lab]"`. Colab has it.)

# %%
from w2s_edu.toys.synthetic import plot_noise_experiment, weak_supervision_widget

try:
    widget = weak_supervision_widget(n=N)
except ImportError:
    widget = None
    print("ipywidgets is not installed: use plot_noise_experiment(...) in the next cell instead.")
widget

# %% [markdown]
# No widgets (a static viewer, or a PDF)? Call the plot directly and change the arguments:

# %%
plot_noise_experiment(kinds=("random", "systematic"), weak_noise=0.25, weak_hidden=0, student_hidden=64, n=N)
plt.show()

# %% [markdown]
# ## 9. What this means for weak-to-strong generalization
#
# Human supervisors will be wrong in both ways. Some mistakes are slips: fatigue, ambiguous
# instructions, a misread answer. Those behave like random noise and a capable student can see
# past them. Others are misconceptions that a person makes again and again, on every example of a
# kind: those are systematic. And a strong model trained on human-written text may find human
# misconceptions especially easy to represent, since it has seen so many of them. Burns et al. call
# this worry **imitation saliency** and name it as one way their GPT-2 → GPT-4 setup may be easier
# than the real problem: a small model's mistakes may be harder for GPT-4 to imitate than ours.
#
# **Think about it** (answers below, open them after you have an answer of your own):
#
# 1. Our student copied the systematic errors because, for it, the supervisor's rule was as easy to
#    represent as the truth. What would have to be different about the student for it to prefer the
#    truth?
# 2. Without any ground truth, how might you guess whether your supervisor's mistakes are random or
#    systematic for a given student?
# 3. Lesson 04 adds an *auxiliary confidence loss* that lets the student confidently disagree with
#    its supervisor. From this lesson's results, when would you expect it to help most?
#
# <details><summary>Answers</summary>
#
# 1. The truth would have to be the *simpler* explanation of the labels for the student: for example
#    a student whose representation already holds the label's concept as one clean feature, while the
#    supervisor's mistakes need a complicated rule to reproduce. Then fitting the mistakes costs
#    extra, and a briefly trained or regularised student settles on the truth. That is what Burns et
#    al. hope pretrained models offer (they already "know" the concept), and what Lang et al.
#    formalise: errors the student cannot fit without also misfitting nearby correct labels get
#    corrected.
# 2. Train a strong student on the weak labels and measure how well it can fit them (how often it
#    ends up agreeing with them on held-out data, or its loss on them). If it fits them almost
#    perfectly, their errors are learnable and will be imitated. Charikar et al. (2024) make this
#    exact for a convex strong class trained with squared loss: err(student) <= err(weak) - misfit,
#    so the student's gain over its teacher is *at least* the misfit between them (a lower bound on
#    the gain, not a cap): a student that fits its teacher exactly is guaranteed nothing.
# 3. Where errors are systematic but the student's prior (its representation) favours the truth:
#    the loss rewards the student for trusting its own confident predictions. It cannot help much
#    where the student has no reason to prefer the truth over the supervisor's rule, as in our world,
#    where both rules are equally simple for it.
# </details>

# %% [markdown]
# ## Recap
#
# * A weak-to-strong experiment uses **three disjoint, class-balanced, seeded splits**: the
#   supervisor and the ceiling learn from `train_weak`, the supervisor labels `train_strong` for the
#   student, and everyone is scored on `test`.
# * The student learns from the supervisor's **soft labels** (probabilities), and success is measured
#   by **PGR**, which is undefined (nan) when the ceiling is not above the supervisor.
# * At the **same error rate**, random label noise is largely recovered (PGR about 0.8 in our runs) while
#   a weak model's **systematic errors are imitated** (PGR about 0.1): the student learns any pattern in
#   its labels that it can represent, including the supervisor's mistakes.
# * Whether errors are systematic is **relative to the student's inputs**; noise the student cannot
#   see behaves like random noise.
# * Recovery from random noise needs a student that **does not memorise** (short training); the
#   **agreement where the supervisor is wrong** measures imitation directly.
# * Always report **several seeds** with their spread, and run a **control** (here: random noise at a
#   matched rate) before interpreting a PGR.
#
# ## Further reading
#
# * Burns et al. (2023), [Weak-to-Strong Generalization: Eliciting Strong Capabilities With Weak
#   Supervision](https://arxiv.org/abs/2312.09390), especially the discussion of imitating the
#   supervisor's errors and of imitation saliency.
# * Lang, Sontag and Vijayaraghavan (2024), [Theoretical Analysis of Weak-to-Strong
#   Generalization](https://arxiv.org/abs/2405.16043): when a student corrects its teacher's labels.
# * Charikar, Pabbaraju and Shiragur (2024), [Quantifying the Gain in Weak-to-Strong
#   Generalization](https://arxiv.org/abs/2405.15116): the gain is measured by how badly the student
#   fits the weak labels.
# * Rolnick et al. (2017), [Deep Learning is Robust to Massive Label
#   Noise](https://arxiv.org/abs/1705.10694): random noise, and what it does (not) do to networks.
# * Arpit et al. (2017), [A Closer Look at Memorization in Deep Networks](https://arxiv.org/abs/1706.05394)
#   and Zhang et al. (2017), [Understanding Deep Learning Requires Rethinking
#   Generalization](https://arxiv.org/abs/1611.03530): patterns first, memorisation later.
# * Song et al. (2022), [Learning from Noisy Labels with Deep Neural Networks: A
#   Survey](https://arxiv.org/abs/2007.08199).
