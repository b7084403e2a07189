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
# # Lesson 06: Why weak-to-strong can work, and when it cannot
#
# Lessons 02 to 05 measured weak-to-strong generalization: a student trained on a weaker model's
# labels sometimes ends up better than its supervisor. This lesson asks *why* that can happen at all,
# and what has to be true for it. Two results from 2024 answer it under precise assumptions:
#
# * **Misfit** (Charikar, Pabbaraju and Shiragur): when the student's class of functions is convex
#   and contains the truth, and the student is the squared-loss fit to its supervisor, its gain in
#   squared error is *at least* its squared distance from the supervisor (its misfit).
# * **Pseudolabel correction and coverage expansion** (Lang, Sontag and Vijayaraghavan): a student
#   corrects its supervisor's mistakes, and extends to examples the supervisor did not label, when
#   in the student's representation those examples have many correctly labelled neighbours.
#
# For each one you will build a small world where the assumptions hold, verify the statement, then
# break an assumption and watch the guarantee go. Finally you will take the same measurements on
# the course's real pipeline, where none of the assumptions is guaranteed.
#
# **Learning objectives.** By the end you can
#
# 1. state the misfit inequality, err(student) <= err(weak) - misfit, with its conditions, and say
#    when it is an equality;
# 2. fit a least-squares student to weak predictions and verify the inequality exactly on the points
#    it was fit on, approximately on fresh ones, and see it fail when the target lies outside the
#    student's class;
# 3. explain pseudolabel correction, coverage expansion and the neighbourhood ("expansion")
#    intuition behind them;
# 4. split a supervisor's mistakes into those the student **fixed** and those it **copied**, and
#    show that with 0-1 accuracy the gain can never exceed the disagreement;
# 5. produce the failure: a student flexible enough to fit its weak labels exactly imitates them.
#
# **Estimated time:** 60 to 75 minutes of reading and exercises. The toy worlds run in seconds;
# section 6 trains real models: three supervisors for one student, three seeds each, roughly 6 to 10
# minutes on a 2-core laptop CPU (the three runs share the student's ceiling).
#
# **Prerequisites:** Lesson 00 (the weak-to-strong setup and PGR), Lesson 02 (random noise versus
# systematic errors), Lesson 03 (a head on a backbone; probe versus finetune) and Lesson 05 (reading
# a small gap honestly). Some linear algebra: least squares as a projection, inner products.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/w2s-edu/w2s-edu/blob/main/lessons/06_why_it_works.ipynb)

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

from w2s_edu.checks import lesson06 as checks
from w2s_edu.toys import theory

N = 400 if SMOKE else 2000  # examples in each part of the toy worlds
SEEDS = (0,) if SMOKE else (0, 1, 2)  # repetitions of the toy experiments
KS = (1, 7, 31) if SMOKE else (1, 3, 7, 15, 31, 63, 127, 255)  # the k-NN student's neighbourhood sizes

# %% [markdown]
# ## 1. Predictors as points, training as a projection
#
# Fix a sample of $n$ examples. A predictor is then a list of $n$ numbers, its predictions: a point
# in $\mathbb{R}^n$. Measure the distance between two predictors by the mean squared difference of
# their predictions,
#
# $$d(f, g) = \frac{1}{n} \sum_{i=1}^n \big(f(x_i) - g(x_i)\big)^2 .$$
#
# Three distances matter. With $f^*$ the target, $f_w$ the weak supervisor and $f_s$ the student:
#
# | name | distance | meaning |
# |---|---|---|
# | err(weak) | $d(f_w, f^*)$ | how wrong the supervisor is |
# | err(student) | $d(f_s, f^*)$ | how wrong the student is |
# | **misfit** | $d(f_s, f_w)$ | how far the student ended up from its labels |
#
# The **gain** is err(weak) - err(student): positive when the student is closer to the truth.
#
# Now take the simplest strong student: a linear head on *fixed* strong features $\phi(x)$ (a probe,
# as in lesson 03). Its class $V = \{\phi(\cdot)^\top w\}$ is a linear subspace of $\mathbb{R}^n$:
# every linear combination of the columns of the feature matrix $\Phi$. Training it by least squares
# on the supervisor's predictions, $\min_w \lVert \Phi w - f_w \rVert^2$, picks the point of $V$ closest
# to $f_w$: the student is the **projection** of the supervisor onto $V$.
#
# Suppose the target is in $V$ (the strong features can represent the truth exactly). The residual
# $f_w - f_s$ is orthogonal to $V$, so the triangle $f^*, f_s, f_w$ has a right angle at $f_s$, and
# Pythagoras gives
#
# $$\underbrace{d(f_w, f^*)}_{\text{err(weak)}} = \underbrace{d(f_s, f_w)}_{\text{misfit}} +
# \underbrace{d(f_s, f^*)}_{\text{err(student)}} .$$
#
# If $V$ is any closed **convex** set rather than a subspace (say, heads with nonnegative weights),
# the angle at the projection is right or obtuse, and the equality becomes the inequality of
# Charikar, Pabbaraju and Shiragur (2024):
#
# $$\text{err(student)} \le \text{err(weak)} - \text{misfit}, \qquad\text{i.e.}\qquad \text{gain} \ge \text{misfit}.$$
#
# The conditions matter, and this lesson tests each:
#
# 1. the strong class is **convex** and the student is its exact **squared-loss** fit to the weak
#    predictions (the projection);
# 2. the target lies **in** the class (realisability);
# 3. all three distances are measured on **the same distribution** the student was fit on. The fit
#    on $n$ points is the projection for the *empirical* distribution of those points, so on them
#    the statement is exact; on fresh points it holds up to terms that shrink as $n$ grows (the
#    paper's finite-sample theorem).
#
# It is a lower bound on the gain, not a cap. Read it as: the part of the supervisor that the strong
# class cannot represent is dropped, and when the truth is in the class, everything dropped was
# error. The part of the supervisor's error that *does* lie in the class is copied.

# %% [markdown]
# ## 2. A world where the theorem applies
#
# `theory.regression_world` draws examples with six hidden factors $x_0, \dots, x_5$ (standard normal):
#
# * the **strong features** $\phi(x)$ are a constant and 30 fixed random $\tanh$ features of all six
#   factors: the strong model's representation, which it does not learn here;
# * the **target** is linear in them, $f^*(x) = \phi(x)^\top w^*$ with $w^* \ge 0$: it is in the strong
#   class (and in the convex cone of nonnegative heads);
# * the **supervisor** is a quadratic regression on the first three factors, each seen through
#   Gaussian noise (0.5 by default), trained on 300 separate examples with the true targets. It is
#   not in the strong class: it uses noise the student never sees, and squares that the student's
#   features only approximate.

# %%
world = theory.regression_world(n_train=N, n_test=N, seed=0)
train, test = world["train"], world["test"]
print(f"strong features: {train['features'].shape[1]} columns; {len(train['target'])} training and "
      f"{len(test['target'])} test examples")
print(f"the supervisor explains {world['weak_r2']:.0%} of the target's variance on the test part")

# %% [markdown]
# ### Exercise 1: `least_squares_student`
#
# Difficulty: 🔴🔴🔴⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# Write `least_squares_student(features, weak)`: return the coefficient vector `w` (one per column
# of `features`) that minimises $\lVert \text{features} \cdot w - \text{weak} \rVert^2$. The student's
# predictions on any examples are then `their_features @ w`.
#
# * The features already hold a constant column: add no intercept of your own.
# * Columns may repeat. Then many `w` fit equally well; any of them will do (their predictions are
#   the same), but the normal equations $\Phi^\top \Phi w = \Phi^\top y$ have no unique solution and
#   inverting $\Phi^\top \Phi$ fails.
# * No penalty: a ridge term would move the student off the projection.
#
# <details><summary>Hint 1: a nudge</summary>
#
# A least-squares fit is a projection, and NumPy's `np.linalg` module has a solver for it that copes
# with repeated columns (inverting the normal equations does not). Add no intercept and no penalty: the
# features already hold a constant column.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Convert both inputs to float arrays and flatten the weak predictions, then call the least-squares
# solver on the features and the weak predictions. It returns a tuple: the coefficients come first,
# followed by the residuals, the rank and the singular values. Pass `rcond=None` to silence a warning.
# Return the coefficients, one per column, not the predictions.
#
# The worked answer is in [the solution notebook](../solutions/06_why_it_works.ipynb).
#
# </details>

# %%
def least_squares_student(features, weak):
    """Coefficients w of the least-squares fit features @ w ~ weak."""
    ### BEGIN SOLUTION
    features = np.asarray(features, dtype=float)
    weak = np.asarray(weak, dtype=float).ravel()
    return np.linalg.lstsq(features, weak, rcond=None)[0]
    ### END SOLUTION


# %%
checks.check_least_squares_student(least_squares_student)

# %% [markdown]
# ### Exercise 2: `misfit_and_gain`
#
# Difficulty: 🔴🔴🔴⚪⚪  Importance: 🔵🔵🔵🔵🔵
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `misfit_and_gain(student, weak, target)` for three arrays of predictions on the same examples.
# Return the dict
#
# ```python
# {"err_weak": d(weak, target), "err_student": d(student, target), "misfit": d(student, weak),
#  "gain": err_weak - err_student, "slack": gain - misfit}
# ```
#
# with $d$ the *mean squared* difference. The theorem says `slack >= 0`. Accept lists as well as arrays,
# and arrays of shape `(n, 1)` as well as `(n,)`.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Flatten every input first: a `(n, 1)` column minus a `(n,)` array broadcasts to an `(n, n)` matrix
# without any error. The distance d is a mean, not a sum, and stays squared (no square root).
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# After converting the three inputs to flat float arrays, compute the three mean squared differences
# (weak against target, student against target, student against weak). The gain is the first minus the
# second; the slack is the gain minus the misfit. Return the five values as Python floats under the
# keys shown above.
#
# The worked answer is in [the solution notebook](../solutions/06_why_it_works.ipynb).
#
# </details>

# %%
def misfit_and_gain(student, weak, target):
    """Mean squared distances between student, weak and target; gain and slack."""
    ### BEGIN SOLUTION
    s, w, t = (np.asarray(a, dtype=float).ravel() for a in (student, weak, target))
    err_weak = float(np.mean((w - t) ** 2))
    err_student = float(np.mean((s - t) ** 2))
    misfit = float(np.mean((s - w) ** 2))
    gain = err_weak - err_student
    return {"err_weak": err_weak, "err_student": err_student, "misfit": misfit, "gain": gain,
            "slack": gain - misfit}
    ### END SOLUTION


# %%
checks.check_misfit_and_gain(misfit_and_gain)

# %% [markdown]
# ### The theorem, checked
#
# **Predict before you run.** The student is fit on `train`. On those same examples, will
# `slack = gain - misfit` be clearly positive, zero, or negative? And on the fresh `test` examples?
# Will the student end up close to the target?

# %%
def report(name, m):
    print(f"{name:<26} err(weak) {m['err_weak']:.4f}  err(student) {m['err_student']:.4f}  "
          f"misfit {m['misfit']:.4f}  gain {m['gain']:+.4f}  slack {m['slack']:+.2e}")


coef = least_squares_student(train["features"], train["weak"])
for part in ("train", "test"):
    report(f"least squares, {part}", misfit_and_gain(world[part]["features"] @ coef, world[part]["weak"],
                                                     world[part]["target"]))

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# On the training examples the slack is zero, up to floating-point rounding: that is Pythagoras,
# exactly. On the test examples it is small, of either sign: the student was the
# projection for the *training* sample, and a fresh sample's geometry differs a little.
#
# Note also what the theorem does *not* promise: the student is still far from the target. Its
# error is err(weak) minus the misfit, and most of the supervisor's error lies inside the strong
# class, where the projection cannot tell it from the truth. The student copies that part.
#
# </details>

# %% [markdown]
# **Predict before you run.** Now restrict the student to heads with **nonnegative** weights, found by
# nonnegative least squares (`theory.nonnegative_student`). That class is a convex cone, not a
# subspace, and it still contains the target (since $w^* \ge 0$). On the training examples, will the
# slack be zero, positive or negative?

# %%
coef_nn = theory.nonnegative_student(train["features"], train["weak"])
for part in ("train", "test"):
    report(f"nonnegative heads, {part}", misfit_and_gain(world[part]["features"] @ coef_nn, world[part]["weak"],
                                                         world[part]["target"]))

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# The slack is now strictly positive: the projection onto a convex set that is not a subspace sits
# at an obtuse angle, and the student gains *more* than its misfit. Compare the two students'
# errors too: a smaller class that still contains the truth leaves less room for the supervisor's
# errors to be copied.
#
# </details>

# %% [markdown]
# ### Misfit across many supervisors
#
# Charikar et al. plot, for many supervisors of one student, the gain against the misfit. Let us do
# the same with 18 supervisors: each sees 1 to 6 of the factors, through noise 0, 0.5 or 1.
#
# **Predict before you run.** Where will the 18 points (misfit, gain) lie on the training examples?
# On the test examples? Which supervisors will have the largest misfit: the ones that see more
# factors, or the noisier ones?

# %%
runs = []
for view in range(1, 7):
    for noise in (0.0, 0.5, 1.0):
        w = theory.regression_world(n_train=N, n_test=N, weak_view=view, weak_noise=noise, seed=0)
        runs.append({"view": view, "noise": noise, **theory.misfit_run(w, least_squares_student, misfit_and_gain)})

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
for ax, part in zip(axes, ("train", "test")):
    for noise, color in zip((0.0, 0.5, 1.0), ("#4c72b0", "#dd8452", "#55a868")):
        pts = [(r[part]["misfit"], r[part]["gain"]) for r in runs if r["noise"] == noise]
        ax.scatter(*zip(*pts), color=color, label=f"weak view noise {noise}")
    top = max(max(r[p]["misfit"] for r in runs) for p in ("train", "test")) * 1.1
    ax.plot([0, top], [0, top], "k--", lw=1, label="gain = misfit")
    ax.set(title=f"evaluated on the {part} examples", xlabel="misfit  d(student, weak)")
axes[0].set_ylabel("gain  err(weak) - err(student)")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# On the training examples every point sits on the line: misfit *is* the gain. On the test examples
# the points scatter slightly around it. The noisier supervisors have the larger misfits: noise in
# the supervisor's view is something the student cannot represent, so the projection removes it,
# and all of it was error. (Their students still end up worse than those of the noise-free
# supervisors with the same view: a larger gain from a worse starting point.) This is the paper's practical suggestion too: misfit,
# which needs no ground truth, tells you how much a given supervisor's student gained.
#
# </details>

# %% [markdown]
# ### When the truth is outside the student's class
#
# Break condition 2. `realisable=False` adds to the target the term $0.8 \cdot \mathrm{sign}(x_0 x_1)$,
# which the 30 strong features represent poorly. Two supervisors: one as before, and one whose inputs
# include that term (`weak_knows_private=True`): it knows something the student cannot represent.
#
# **Predict before you run.** For each supervisor, does the inequality still hold on the training
# examples? Could the student end up *worse* than its supervisor?

# %%
for knows in (False, True):
    w = theory.regression_world(n_train=N, n_test=N, realisable=False, weak_knows_private=knows, seed=0)
    m = theory.misfit_run(w, least_squares_student, misfit_and_gain)
    report(f"supervisor knows it: {knows}", m["train"])

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# With the first supervisor the slack stays small: nothing guarantees its sign any more, but what
# this supervisor gets wrong outside the strong class has little to do with what the target has
# there. With the second the slack is large and negative, and so is the gain itself: the student is
# *worse* than its supervisor. The
# projection drops whatever the student's class cannot represent, and here that includes something
# the supervisor had right.
#
# </details>
#
# <details><summary>Why: the slack, computed exactly</summary>
#
# Let $P$ be the projection onto $V$ (on the training sample) and write $r = f^* - P f^*$, the part of
# the target outside $V$. With $f_s = P f_w$, expanding the three squared distances gives
#
# $$\text{slack} = \text{gain} - \text{misfit} = -2\,\big\langle f_w - P f_w,\; r \big\rangle ,$$
#
# with $\langle a, b\rangle$ the mean of $a_i b_i$. When the target is in $V$, $r = 0$ and the slack
# vanishes. Otherwise it is negative exactly when the part of the supervisor the student cannot
# represent points the same way as the part of the target it cannot represent: when the supervisor
# knew something the student cannot learn. The next cell checks the formula.
#
# </details>

# %%
w = theory.regression_world(n_train=N, n_test=N, realisable=False, weak_knows_private=True, seed=0)
F, weak, target = w["train"]["features"], w["train"]["weak"], w["train"]["target"]


def outside(values):
    """The part of `values` that the strong class cannot represent (the residual of the projection)."""
    return values - F @ least_squares_student(F, values)


measured = misfit_and_gain(F @ least_squares_student(F, weak), weak, target)["slack"]
print(f"slack measured {measured:+.6f}   predicted -2 <outside(weak), outside(target)> "
      f"{-2 * np.mean(outside(weak) * outside(target)):+.6f}")

# %% [markdown]
# This is the theory's version of the hope Burns et al. state in words: that weak supervision
# *elicits* what the strong model already represents. The strong features must contain the task;
# the supervisor's job is only to point at it.

# %% [markdown]
# ## 3. Correction and coverage: a classification world
#
# Lang, Sontag and Vijayaraghavan (2024) ask a different question, for classification: the supervisor
# labels only part of the data (where it is confident, or where a labelling rule applies: its
# **coverage**) and makes mistakes there. They name two effects seen in practice:
#
# * **pseudolabel correction**: on the kind of examples the supervisor labelled, the student is
#   right where the supervisor was wrong;
# * **coverage expansion**: the student is also right on examples the supervisor did not label at all.
#
# Their explanation is **expansion** of the student's representation: the student labels
# neighbouring examples alike, and a set of bad examples (mistakes, or unlabelled points) has many
# neighbours that are labelled correctly. Then the student cannot fit the mistakes without getting
# many correct neighbours wrong, so the best fit to the weak labels corrects them, and unlabelled
# points inherit the labels of their neighbours.
#
# `theory.coverage_world` makes this concrete. Each point is two strong features, drawn around one of
# eight cluster centres on a circle; every cluster is one class (the classes alternate). The
# supervisor labels a random 60% of the points and abstains (label -1) on the rest, and a quarter of
# its labels are wrong, in one of two ways at the same rate:
#
# * `"random"`: a random quarter of the covered points;
# * `"clustered"`: every covered point of two whole clusters (a misconception about two kinds of input).

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
for ax, errors in zip(axes, theory.ERROR_KINDS):
    d = theory.coverage_world(N, errors=errors, seed=0)
    wrong = d["covered"] & (d["weak"] != d["y"])
    right = d["covered"] & ~wrong
    ax.scatter(*d["x"][~d["covered"]].T, s=5, c="lightgrey", label="no label (abstains)")
    ax.scatter(*d["x"][right].T, s=6, c=np.where(d["y"][right] == 1, "#4c72b0", "#dd8452"),
               label="labelled right (colour = class)")
    ax.scatter(*d["x"][wrong].T, s=14, marker="x", c="#c44e52", label="labelled wrong")
    ax.set(title=f'{errors} errors: {wrong.sum() / d["covered"].sum():.0%} of the labels wrong', aspect="equal")
axes[0].legend(fontsize=7, loc="center")
fig.tight_layout()
plt.show()

# %% [markdown]
# The student is a **k-nearest-neighbour** vote in the strong representation, trained on the
# labelled points only: each query takes the majority label of its `k` nearest labelled points. `k`
# is the knob that makes it "label neighbours alike": with large `k` a single wrong label is
# outvoted, with `k = 1` every training label is reproduced exactly.

# %% [markdown]
# ### Exercise 3: `knn_student`
#
# Difficulty: 🔴🔴🔴⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# Write `knn_student(train_x, train_labels, query_x, k)`. `train_labels` holds 0, 1 or -1 (the
# supervisor abstained). For each row of `query_x`, return the majority label among the `k` training
# points **with a label** (not -1) nearest to it in Euclidean distance: 1 when more than half of
# those `k` labels are 1, else 0. Return an integer array of shape `(len(query_x),)`. You may assume
# `k` is odd and at most the number of labelled points. Do not modify the inputs.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Drop the abstentions first, with one boolean mask applied to both the training points and their
# labels. The rest is distances: broadcasting gives every query-to-training distance at once, and a sort
# along each row finds the nearest.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# With only the labelled points kept, broadcast `query_x[:, None, :]` against the training points and
# sum the squared differences over the last axis: an `(n_query, n_train)` matrix. `np.argsort` along
# axis 1 (or the faster `np.argpartition`) orders each row's neighbours; take the first `k` columns, index
# the labels with them, and call a query 1 when more than half of its `k` labels are 1. Return an integer
# array, and leave the inputs untouched (mask, do not delete in place).
#
# The worked answer is in [the solution notebook](../solutions/06_why_it_works.ipynb).
#
# </details>

# %%
def knn_student(train_x, train_labels, query_x, k):
    """0/1 majority label of the k nearest labelled (not -1) training points, for each query."""
    ### BEGIN SOLUTION
    train_x, labels, query_x = np.asarray(train_x, float), np.asarray(train_labels), np.asarray(query_x, float)
    keep = labels >= 0
    train_x, labels = train_x[keep], labels[keep]
    d = ((query_x[:, None, :] - train_x[None, :, :]) ** 2).sum(axis=-1)
    nearest = np.argpartition(d, k - 1, axis=1)[:, :k]
    return (2 * labels[nearest].sum(axis=1) > k).astype(int)
    ### END SOLUTION


# %%
checks.check_knn_student(knn_student)

# %% [markdown]
# ### Exercise 4: `fixed_and_copied`
#
# Difficulty: 🔴🔴🔴🔴⚪  Importance: 🔵🔵🔵🔵🔵
#
# You should spend up to ~20 minutes on this exercise.
#
# To see what a student did with its supervisor's answers, compare who was right on each test
# example. Write `fixed_and_copied(weak_correct, student_correct)` for two 0/1 (or boolean) arrays of
# the same shape (1-D for one run, or 2-D with one row per seed: then every fraction is over all
# entries). Return
#
# ```python
# {"n": int,                  # number of entries
#  "weak_acc": float, "student_acc": float,
#  "gain": float,             # student_acc - weak_acc
#  "disagreement": float,     # fraction where exactly one of the two is right
#  "fixed": float,            # fraction of all entries: supervisor wrong, student right
#  "copied": float,           # fraction of all entries: both wrong
#  "broken": float,           # fraction of all entries: supervisor right, student wrong
#  "fixed_share": float}      # fixed / (fixed + copied): of the supervisor's mistakes, the share fixed
# ```
#
# `fixed_share` is `float("nan")` when the supervisor made no mistake. With two classes, student and
# supervisor disagree exactly when one is right and the other wrong, so `disagreement` is the 0-1
# version of the misfit.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Convert both arrays to booleans first. Then fixed, copied and broken are each the mean of one
# combination of the two arrays and their negations (`~`), joined with `&`.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Work over all entries, whatever the shape (a mean over the whole array, and its size for `n`): fixed
# is supervisor wrong and student right, copied is both wrong, broken is supervisor right and student
# wrong, and disagreement is where the two arrays differ. `fixed_share` divides fixed by fixed plus
# copied, and is a float nan when that sum is 0. Then check on paper what fixed minus broken and fixed
# plus broken are.
#
# The worked answer is in [the solution notebook](../solutions/06_why_it_works.ipynb).
#
# </details>

# %%
def fixed_and_copied(weak_correct, student_correct):
    """What the student did with its supervisor's right and wrong answers."""
    ### BEGIN SOLUTION
    w = np.asarray(weak_correct).astype(bool)
    s = np.asarray(student_correct).astype(bool)
    fixed = float(np.mean(~w & s))
    copied = float(np.mean(~w & ~s))
    broken = float(np.mean(w & ~s))
    return {"n": int(w.size), "weak_acc": float(w.mean()), "student_acc": float(s.mean()),
            "gain": float(s.mean() - w.mean()), "disagreement": float(np.mean(w != s)),
            "fixed": fixed, "copied": copied, "broken": broken,
            "fixed_share": fixed / (fixed + copied) if fixed + copied > 0 else float("nan")}
    ### END SOLUTION


# %%
checks.check_fixed_and_copied(fixed_and_copied)

# %% [markdown]
# ### Correction and expansion, measured
#
# `theory.coverage_experiment` trains your `knn_student` on a world's labelled points and tests it on
# a fresh world of the same kind: your `fixed_and_copied` on the test points the supervisor covers,
# and plain accuracy on the points it does not (there the supervisor has no answer; a guess would be
# right half the time). It also reports the **neighbour support** of the training labels: over the
# wrong labels, the share of their 15 nearest labelled neighbours whose label is right. Above one
# half, a neighbourhood vote outnumbers the mistake.
#
# **Predict before you run.** With `k = 31`: of the supervisor's mistakes on covered points, what share
# will the student fix, for random errors and for clustered errors? What accuracy on the uncovered
# points? What neighbour support do you expect for each kind?

# %%
coverage = {errors: [theory.coverage_experiment(errors, k=31, n=N, seed=s, student=knn_student,
                                                breakdown=fixed_and_copied) for s in SEEDS]
            for errors in theory.ERROR_KINDS}
print(f"{'errors':<10}{'weak acc':>10}{'student acc':>13}{'fixed share':>13}{'uncovered acc':>15}{'support':>9}")
for errors, rs in coverage.items():
    mean = {key: np.mean([r["covered"][key] for r in rs]) for key in ("weak_acc", "student_acc", "fixed_share")}
    print(f"{errors:<10}{mean['weak_acc']:>10.3f}{mean['student_acc']:>13.3f}{mean['fixed_share']:>13.3f}"
          f"{np.mean([r['uncovered_acc'] for r in rs]):>15.3f}{np.mean([r['support'] for r in rs]):>9.2f}")

fig, ax = plt.subplots(figsize=(6, 3.6))
parts = (("fixed", "#55a868"), ("copied", "#c44e52"), ("broken", "#8172b3"))
for i, errors in enumerate(theory.ERROR_KINDS):
    bottom = 0.0
    for key, color in parts:
        value = np.mean([r["covered"][key] for r in coverage[errors]])
        ax.bar(i, value, bottom=bottom, color=color, width=0.5, label=key if i == 0 else None)
        bottom += value
ax.set_xticks([0, 1], [f"{e} errors" for e in theory.ERROR_KINDS])
ax.set_ylabel("fraction of covered test points")
ax.set_title("what the k = 31 student did")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# With random errors the student fixes almost all of its supervisor's mistakes (pseudolabel
# correction) and is about as accurate on the points the supervisor never labelled (coverage
# expansion): an unlabelled point's nearest labelled neighbours are in its own cluster, and mostly
# right. The neighbour support is close to three quarters, the share of right labels around a
# typical mistake.
#
# With clustered errors, at the same error rate, it copies them: every neighbour of a mistake is
# another mistake (support near zero), so there is no correct majority to side with. This is lesson
# 02's random-versus-systematic result seen through the theory: what decides is not how many labels
# are wrong but whether, *in the student's representation*, the mistakes are surrounded by correct
# labels.
#
# </details>

# %% [markdown]
# ## 4. When it cannot: a student that fits its labels exactly
#
# Both theories get their gain from something the student *cannot* fit: the part of the supervisor
# outside its class (misfit), or isolated mistakes it cannot reproduce without disturbing their
# neighbours (expansion). Give the student enough capacity to fit every weak label and both
# arguments are gone. For the k-NN student, capacity grows as `k` shrinks: with `k = 1` it reproduces
# every training label.
#
# **Predict before you run.** As `k` goes from its largest value down to 1, with random errors: what
# happens to the student's agreement with its own training labels, and to its gain over the
# supervisor on covered test points? Does any `k` rescue the clustered errors?

# %%
sweep = {errors: {k: [theory.coverage_experiment(errors, k=k, n=N, seed=s, student=knn_student,
                                                 breakdown=fixed_and_copied) for s in SEEDS] for k in KS}
         for errors in theory.ERROR_KINDS}

fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
for errors, style in zip(theory.ERROR_KINDS, ("-", "--")):
    rows = sweep[errors]
    covered = [np.mean([r["covered"]["student_acc"] for r in rows[k]]) for k in KS]
    uncovered = [np.mean([r["uncovered_acc"] for r in rows[k]]) for k in KS]
    agree = [np.mean([r["train_agreement"] for r in rows[k]]) for k in KS]
    axes[0].plot(KS, covered, style, marker="o", color="#55a868", label=f"covered points ({errors} errors)")
    axes[0].plot(KS, uncovered, style, marker="s", color="#4c72b0", label=f"uncovered points ({errors} errors)")
    axes[1].plot(KS, agree, style, marker="o", color="#c44e52", label=f"{errors} errors")
weak_acc = np.mean([r["covered"]["weak_acc"] for rows in sweep.values() for k in KS for r in rows[k]])
axes[0].axhline(weak_acc, color="k", ls=":", lw=1, label="supervisor, on covered points")
axes[0].set(xscale="log", xlabel="k (neighbours that vote)", ylabel="student's test accuracy",
            title="what the student gets right")
axes[1].set(xscale="log", xlabel="k (neighbours that vote)", ylabel="agreement with its training labels",
            title="how exactly it fits its supervisor")
for ax in axes:
    ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.16))
fig.tight_layout()
plt.show()
for k in KS:
    r = sweep["random"][k]
    print(f"random errors, k = {k:3d}: gain {np.mean([x['covered']['gain'] for x in r]):+.3f}  "
          f"agreement with training labels {np.mean([x['train_agreement'] for x in r]):.3f}")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# With random errors and a large `k`, the student agrees with about three quarters of its training
# labels (the right ones) and gains about as much as there was to gain. As `k` shrinks, its
# agreement with its own labels climbs to 100% and its gain over the supervisor falls toward zero;
# at `k = 1` the student's misfit on its training data is zero, and for a student with zero misfit
# the misfit bound promises nothing (gain >= 0). Here it gets close to nothing: it reproduces the
# supervisor's mistakes instead of outvoting them. On the uncovered points the `k = 1` student still
# beats a guess: it extends its supervisor's labels to them, mistakes and all, and is right there
# about as often as the supervisor is on covered points. Expansion without correction.
# With clustered errors no `k` in the sweep
# helps: the mistakes fill whole clusters, and the student copies them at every size. (At the
# largest `k` the vote starts to reach into the neighbouring clusters, which hold the other class,
# and the gain drops again: too *little* capacity fails too, in the ordinary way.)
#
# Neural networks show the same trade in time rather than in `k`: trained long enough, they fit
# their weak labels ever more exactly (lesson 05's overfitting curves, lesson 02's 100-epoch run).
# Short training, regularisation and early stopping are ways of keeping the student unable to fit
# its supervisor's mistakes.
#
# </details>

# %% [markdown]
# ## 5. Three ways to fail, one summary
#
# | what breaks | where you saw it | what the student does |
# |---|---|---|
# | the truth is outside the student's class, and the supervisor knew the missing part | section 2 | discards correct knowledge: the gain can be negative |
# | the mistakes are clustered in the student's representation (no expansion) | section 3 | copies them, whatever its capacity |
# | the student can represent the supervisor's mistakes exactly (too flexible, trained too long) | section 4 | imitates: misfit and gain go to zero together |

# %% [markdown]
# ## 6. Back to the pipeline: misfit and gain with finetuned students
#
# The course's real experiment breaks the theorem's conditions: the student is *finetuned* (its
# features change, so its class is not a fixed convex set), it trains with cross-entropy on soft
# labels, and it is judged by 0-1 accuracy. What survives? Run three supervisors (MiniLM cut to 1, 2
# and 3 layers, linear probes) for one finetuned student, and on each seed's test set compute your
# `fixed_and_copied`: its `disagreement` is the 0-1 misfit, its `gain` the accuracy gain.
#
# **Predict before you run.** For squared loss in the convex world the points (misfit, gain) lay on
# or above the line gain = misfit. Where will the real runs' points lie: above the line, on it, or
# below it? (Look at the identities your checker tested before you answer.)

# %%
from w2s_edu.config import W2SConfig
from w2s_edu.experiment.pipeline import run_w2s

WEAK_MODELS = ["minilm-l1", "minilm-l2"] if SMOKE else ["minilm-l1", "minilm-l2", "minilm-l3"]
STRONG = "minilm-l3" if SMOKE else "minilm-l6"
BASE = W2SConfig.from_preset("smoke" if SMOKE else "default", strong=STRONG, show_progress=not SMOKE)

results = {weak: run_w2s(BASE.replace(weak=weak)) for weak in WEAK_MODELS}
breakdowns = {weak: [fixed_and_copied(w, s) for w, s in zip(r.correct["weak"], r.correct["xent"])]
              for weak, r in results.items()}

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
colors = dict(zip(WEAK_MODELS, ("#4c72b0", "#dd8452", "#55a868")))
for weak, rows in breakdowns.items():
    axes[0].scatter([b["disagreement"] for b in rows], [b["gain"] for b in rows], color=colors[weak],
                    label=f"{weak} -> {STRONG} (one point per seed)")
top = max(b["disagreement"] for rows in breakdowns.values() for b in rows) * 1.1
axes[0].plot([0, top], [0, top], "k--", lw=1, label="gain = disagreement")
axes[0].axhline(0, color="grey", lw=0.8)
axes[0].set(xlabel="disagreement with the supervisor on test (0-1 misfit)", ylabel="accuracy gain over the supervisor",
            title="gain against misfit, in 0-1 accuracy")
axes[0].legend(fontsize=8)
for i, (weak, rows) in enumerate(breakdowns.items()):
    pooled = fixed_and_copied(np.concatenate(results[weak].correct["weak"]),
                              np.concatenate(results[weak].correct["xent"]))
    bottom = 0.0
    for key, color in parts:
        axes[1].bar(i, pooled[key], bottom=bottom, color=color, width=0.5, label=key if i == 0 else None)
        bottom += pooled[key]
    print(f"{weak} -> {STRONG}: weak {pooled['weak_acc']:.3f}  student {pooled['student_acc']:.3f}  "
          f"disagreement {pooled['disagreement']:.3f} = fixed {pooled['fixed']:.3f} + broken {pooled['broken']:.3f};"
          f"  gain {pooled['gain']:+.3f};  fixed share of the supervisor's mistakes {pooled['fixed_share']:.2f}")
axes[1].set_xticks(range(len(WEAK_MODELS)), WEAK_MODELS)
axes[1].set(ylabel="fraction of test examples (all seeds)", title="fixed, copied and broken")
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# Every point is on or below the line. That is not an experimental finding but arithmetic: with two
# classes `gain = fixed - broken` and `disagreement = fixed + broken`, so
#
# $$\text{gain} = \text{disagreement} - 2 \cdot \text{broken} \le \text{disagreement}.$$
#
# For 0-1 accuracy the misfit is an **upper** bound on the gain, the opposite of the squared-loss
# theorem: every point of accuracy gained needs a disagreement, and each right answer the student
# breaks costs two points of it. The squared-loss lower bound relied on convexity and realisability,
# which a finetuned classifier scored by accuracy does not offer. (Mulgund and Pabbaraju, 2025, carry
# the lower bound to cross-entropy, with the misfit measured as a KL divergence, for convex classes.)
#
# So read the real runs through the breakdown. How far below the line your points lie is twice the
# share of answers the student broke. The bars say how the disagreement splits: a student whose
# disagreement is mostly `fixed` is correcting its supervisor; one with `fixed` and `broken` of
# similar size is mostly moving noise around, and its gain is small whatever its misfit. Compare the
# fixed share with the toy world's: there the student's representation made the supervisor's
# mistakes easy to outvote, and here you can see how far a finetuned MiniLM gets. (SMOKE runs use 64
# test examples: read nothing into their numbers.)
#
# </details>

# %% [markdown]
# ## 7. Think about it
#
# Answers below; open them after you have an answer of your own.
#
# 1. The misfit theorem says gain >= misfit. Why is "train the student to disagree with its
#    supervisor as much as possible" not a good recipe?
# 2. Which quantities in this lesson can be measured without any ground truth, as in the real
#    problem of supervising a model smarter than us?
# 3. What do the two theories agree on about where a student's gain comes from?
#
# <details><summary>Answers</summary>
#
# 1. The bound holds only for the *projection*: the best squared-loss fit to the supervisor within a
#    convex class that contains the truth. A student pushed away from its labels is no longer that
#    fit, and nothing guarantees its disagreements are corrections; in 0-1 terms they can just as
#    well be broken answers (gain = disagreement - 2 * broken).
# 2. The misfit (or disagreement) with the supervisor and the student's agreement with its own
#    training labels need no ground truth; so does the geometry of the representation (neighbours).
#    Fixed, copied, broken, neighbour support and every accuracy need the true labels. Lang et al.
#    show that expansion can be estimated from finite data, which is one way in; Charikar et al.
#    propose choosing among supervisors by misfit.
# 3. Both say the gain comes from what the student *cannot* fit: the part of the supervisor outside
#    the student's class, or isolated mistakes it cannot reproduce without mislabelling their
#    correct neighbours. Both fail when the student can represent the supervisor's errors, and both
#    need the student's representation to already contain the truth.
#
# </details>

# %% [markdown]
# ## Recap
#
# * A student fit by **least squares** on weak predictions, in a **convex** class that **contains the
#   target**, satisfies err(student) <= err(weak) - misfit: its gain is at least its misfit. For a
#   linear head on fixed features (a subspace) it is Pythagoras, an equality, exact on the examples
#   the student was fit on and approximate on fresh ones.
# * When the target lies **outside** the student's class, the projection discards what it cannot
#   represent, including what the supervisor knew: the gain can be negative.
# * **Pseudolabel correction** and **coverage expansion** happen when, in the student's
#   representation, mistakes and unlabelled points have mostly correctly labelled neighbours; errors
#   **clustered** in that representation are copied.
# * A student that can **fit its weak labels exactly** (1-nearest-neighbour, or a network trained
#   too long) imitates them: misfit and gain vanish together.
# * With 0-1 accuracy, **gain = fixed - broken <= disagreement = fixed + broken**: on the real
#   pipeline the misfit is a budget for the gain, and the fixed/copied/broken breakdown says how it
#   was spent.
#
# ## Further reading
#
# * Charikar, Pabbaraju and Shiragur (2024), [Quantifying the Gain in Weak-to-Strong
#   Generalization](https://arxiv.org/abs/2405.15116) (NeurIPS 2024): the misfit inequality, its
#   non-realisable and finite-sample versions, and experiments plotting gain against misfit.
# * Lang, Sontag and Vijayaraghavan (2024), [Theoretical Analysis of Weak-to-Strong
#   Generalization](https://arxiv.org/abs/2405.16043) (NeurIPS 2024): pseudolabel correction,
#   coverage expansion and expansion-based error bounds, with a breakdown of real students' accuracy
#   over covered and uncovered examples.
# * Mulgund and Pabbaraju (2025), [Relating Misfit to Gain in Weak-to-Strong Generalization Beyond the
#   Squared Loss](https://arxiv.org/abs/2501.19105): the misfit-gain relation for Bregman divergences,
#   including cross-entropy.
# * Wei, Shen, Chen and Ma (2021), [Theoretical Analysis of Self-Training with Deep Networks on
#   Unlabeled Data](https://arxiv.org/abs/2010.03622): the expansion assumption these bounds build on.
# * Burns et al. (2023), [Weak-to-Strong Generalization: Eliciting Strong Capabilities With Weak
#   Supervision](https://arxiv.org/abs/2312.09390): the experiments these theories explain.
#
# Next, lesson 07: a harder task (chess puzzles) and supervising through a ladder of models.
