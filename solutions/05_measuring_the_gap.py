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
# # Lesson 05: Measuring the gap
#
# PGR is a ratio of two differences of accuracies, each measured on a finite test set and one
# training run at a time. This lesson is about reading it honestly. You will sweep supervisors and
# students over the model ladder (training each supervisor once), put a confidence interval on PGR
# with a paired bootstrap, see why PGR explodes when the ceiling is barely above the supervisor, and
# then reproduce two findings of the paper about *training time*: the student overfits its weak labels
# as training goes on, and early stopping helps only if you can tell when to stop, which a weak
# supervisor cannot reliably do. You end with the test that decides whether a change of method helps at
# all: a paired bootstrap over seeds and test examples.
#
# **Learning objectives.** By the end you can
#
# 1. run a weak x strong sweep that trains each supervisor once, and read the PGR heatmap and the
#    accuracy-against-size plot;
# 2. compute a paired bootstrap confidence interval for PGR and say why pairing matters;
# 3. bound PGR under small accuracy errors, and recognise results whose gap is too small to report;
# 4. see the student overfit weak labels during training, write early stopping, and compare stopping
#    on a ground-truth validation set with stopping on a weak-label one;
# 5. decide whether one method beats another from per-seed, per-example results: a mean difference, a
#    paired bootstrap interval over seeds and test examples, a count of wins, and a verdict that says
#    "no detectable difference" when the interval contains 0.
#
# **Estimated time:** 90 to 105 minutes of reading and exercises, plus about 7 minutes of training on a
# 2-core laptop CPU from an empty cache.
#
# **Prerequisites:** Lessons 03 and 04; what a confidence interval and a validation set are.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/w2s-edu/w2s-edu/blob/main/lessons/05_measuring_the_gap.ipynb)

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

from w2s_edu import W2SConfig, run_sweep, run_w2s
from w2s_edu.checks import lesson05 as checks
from w2s_edu.experiment.metrics import summarize
from w2s_edu.models.backbones import load_backbone
from w2s_edu.models.registry import resolve_model
from w2s_edu.report.plots import plot_accuracy_vs_size, plot_pgr_heatmap

BASE = W2SConfig.from_preset("smoke" if SMOKE else "quick", seeds=[0] if SMOKE else [0, 1], show_progress=True)
WEAK_MODELS = ["minilm-l1", "minilm-l2", "minilm-l3"]
STRONG_MODELS = ["minilm-l2", "minilm-l4"] if SMOKE else ["minilm-l4", "minilm-l6"]

# %% [markdown]
# ## 1. A sweep over the ladder
#
# The paper's figures come from sweeps: every supervisor size against every student size. The
# expensive part that repeats is the supervisor: the same weak model labels data for every student.
# Train it once.

# %% [markdown]
# ### Exercise 1: `sweep`
#
# Difficulty: 🔴⚪⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# `sweep(weak_models, strong_models, train_weak, train_student)`: `train_weak(name)` trains a
# supervisor and returns its labels (slow); `train_student(strong, labels)` trains a student on them
# and returns a result. Return `{(weak, strong): result}` for every pair, calling `train_weak` exactly
# once per supervisor.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Two nested loops. The labels a supervisor produces do not depend on which student will learn from
# them: which loop should hold the slow call?
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Loop over the supervisors on the outside. Call `train_weak` once per supervisor and keep what it
# returns in a variable; then loop over the students, call `train_student` with the student's name and
# those labels, and store the result in a dict under the key `(weak, strong)`. Return the dict.
#
# The worked answer is in [the solution notebook](../solutions/05_measuring_the_gap.ipynb).
#
# </details>

# %%
def sweep(weak_models, strong_models, train_weak, train_student):
    """{(weak, strong): train_student(strong, labels of weak)}, each supervisor trained once."""
    ### BEGIN SOLUTION
    results = {}
    for weak in weak_models:
        labels = train_weak(weak)
        for strong in strong_models:
            results[(weak, strong)] = train_student(strong, labels)
    return results
    ### END SOLUTION

# %%
checks.check_sweep(sweep)

# %% [markdown]
# The package's `run_sweep` does this for real: it runs the whole experiment for each pair, and its
# cache (keyed by everything that determined a model) makes each supervisor, each ceiling and each
# set of encoded features train or encode once. Three supervisors and two students take a few
# minutes on a 2-core laptop.
#
# **Predict before you run.** Will every cell's PGR lie between 0 and 1? For a given supervisor, will the
# deeper student always recover more of the gap than the shallower one? Which cells' PGRs will you be
# least willing to believe, and what in the printed lines tells you so?

# %%
results = run_sweep(BASE, WEAK_MODELS, STRONG_MODELS)
sizes = {name: sum(p.numel() for p in load_backbone(resolve_model(name))[0].parameters())
         for name in WEAK_MODELS + STRONG_MODELS}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.3))
plot_pgr_heatmap(results, ax=axes[0])
plot_accuracy_vs_size(results, sizes, ax=axes[1])
axes[1].set_title("student accuracy against its size")
fig.tight_layout()
for (weak, strong), r in results.items():
    gap = np.mean(r.ceiling_acc) - np.mean(r.weak_acc)
    print(f"{weak} -> {strong}: weak {np.mean(r.weak_acc):.3f}  w2s {np.mean(r.w2s_acc['xent']):.3f}  "
          f"ceiling {np.mean(r.ceiling_acc):.3f}  gap {gap:+.3f}  PGR {r.pgr['xent']['mean']:+.2f}")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# Nothing forces PGR into [0, 1]: a student can end below its supervisor (negative) or above its
# ceiling (above 1), and a cell whose gap is small amplifies every wobble of its three accuracies. Nor is
# a deeper student guaranteed to recover more: the MiniLM "ladder" is one pretrained model cut at
# different depths, not models trained at different scales, so do not expect the paper's smooth trends.
# The column that decides how far to trust a PGR is the gap: PGR divides by it, so the cells with the
# smallest gaps are the least trustworthy, whatever their PGR says. Sections 2 and 3 make that precise.
#
# </details>

# %% [markdown]
# ## 2. A confidence interval for PGR
#
# How much of a PGR is noise? Resample the test examples with replacement, recompute PGR, repeat:
# the spread of the resampled PGRs is a **bootstrap** interval. One subtlety decides whether the
# interval means anything: the supervisor, the student and the ceiling were scored on the *same*
# examples. Easy examples are easy for all three. Resample the example indices once per replicate
# and use them for all three models (a **paired** bootstrap); resampling each model separately throws
# that pairing away and gives an interval several times too wide.

# %% [markdown]
# ### Exercise 2: `bootstrap_pgr_ci`
#
# Difficulty: 🔴🔴🔴⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~20 minutes on this exercise.
#
# `bootstrap_pgr_ci(weak_correct, w2s_correct, ceiling_correct, n_boot=1000, seed=0)`: each argument
# is a 0/1 array (one entry per test example). Return the 2.5th and 97.5th percentiles of PGR over
# `n_boot` paired resamples, as two floats. Skip replicates where the ceiling is not above the weak
# accuracy (PGR undefined).
#
# <details><summary>Hint 1: a nudge</summary>
#
# Pairing means one set of resampled example indices per replicate, used for all three arrays.
# A NumPy generator (`default_rng`, built from `seed`) draws indices with replacement through
# its `integers` method; `np.percentile` turns the replicate PGRs into an interval.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Convert the three inputs to float arrays of length n. For each of the `n_boot` replicates, draw n
# indices in [0, n) with replacement, take the mean of each array at those indices, and keep the
# replicate's PGR only when the ceiling's mean is strictly above the weak mean. At the end return the
# 2.5th and 97.5th percentiles of the kept PGRs as two Python floats.
#
# The worked answer is in [the solution notebook](../solutions/05_measuring_the_gap.ipynb).
#
# </details>

# %%
def bootstrap_pgr_ci(weak_correct, w2s_correct, ceiling_correct, n_boot=1000, seed=0):
    """(low, high): the 95% paired percentile bootstrap interval of PGR over test examples."""
    ### BEGIN SOLUTION
    weak, w2s, ceiling = (np.asarray(a, dtype=float) for a in (weak_correct, w2s_correct, ceiling_correct))
    rng = np.random.default_rng(seed)
    n, values = len(weak), []
    for _ in range(n_boot):
        i = rng.integers(0, n, n)
        a, b, c = weak[i].mean(), w2s[i].mean(), ceiling[i].mean()
        if c > a:
            values.append((b - a) / (c - a))
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)
    ### END SOLUTION

# %%
checks.check_bootstrap_pgr_ci(bootstrap_pgr_ci)

# %% [markdown]
# Apply it to each cell of the sweep, seed 0 only, and compare with the package's interval, which also
# resamples the seeds (so it includes training noise as well as test-set noise).
#
# **Predict before you run.** Which interval will be wider, yours (one seed's test examples) or the
# package's (both seeds, resampled)? For the cells with the smallest gaps, will the interval exclude 0?

# %%
for (weak, strong), r in results.items():
    low, high = bootstrap_pgr_ci(r.correct["weak"][0], r.correct["xent"][0], r.correct["ceiling"][0])
    pkg = r.pgr["xent"]["ci"]
    print(f"{weak} -> {strong}:  seed 0 PGR {r.pgr['xent']['per_seed'][0]:+.2f}  your CI [{low:+.2f}, {high:+.2f}]"
          f"   package CI over {len(r.seeds)} seed(s) [{pkg[0]:+.2f}, {pkg[1]:+.2f}]")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# Your interval only sees test-set noise: which examples happened to be drawn. The package's adds
# training noise, how much the student's accuracy moves from one seed to the next, and it averages over
# both seeds' test sets, which narrows the test-set part. So it tends to be wider when the two seeds
# disagree, and can be as narrow as yours, or narrower, when they agree. The width of either interval
# grows as the gap shrinks, because every resampled accuracy difference is divided by a resampled gap:
# where the gap is a few points, expect the interval to be wide and to straddle 0. An interval that
# straddles 0 says the data cannot tell this student from its supervisor, not that PGR is 0.
#
# </details>

# %% [markdown]
# ## 3. Why PGR explodes when the gap is small
#
# PGR divides by `ceiling - weak`. If that gap is 2 points and each accuracy is uncertain by 1 point,
# the denominator can be anything from 0 to 4 points, and PGR anything at all. Before reporting a PGR,
# ask how far it can move when each accuracy moves by its own standard error.

# %% [markdown]
# ### Exercise 3: `pgr_sensitivity`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# `pgr_sensitivity(weak, w2s, ceiling, eps)`: the smallest and largest PGR when each of the three
# accuracies may independently move by up to `eps` either way. If the ceiling can fall to or below the
# supervisor within those moves, return `(-math.inf, math.inf)`.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Away from a zero denominator PGR is monotonic in each of the three accuracies, so its extremes sit at
# corners of the box of allowed moves. `itertools.product` enumerates corners; `math.inf` is infinity.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# First the guard: the lowest possible ceiling minus the highest possible weak accuracy is the smallest
# gap; if it is zero or negative, PGR can be anything, so return minus and plus infinity. Otherwise
# evaluate PGR at the 8 combinations of each accuracy moved down or up by `eps`, and return the smallest
# and the largest value (exactly, without rounding).
#
# The worked answer is in [the solution notebook](../solutions/05_measuring_the_gap.ipynb).
#
# </details>

# %%
import itertools


def pgr_sensitivity(weak, w2s, ceiling, eps):
    """(min, max) PGR when each accuracy moves by at most eps; (-inf, inf) if the gap can close."""
    ### BEGIN SOLUTION
    if (ceiling - eps) - (weak + eps) <= 0:
        return -math.inf, math.inf
    corners = itertools.product((weak - eps, weak + eps), (w2s - eps, w2s + eps), (ceiling - eps, ceiling + eps))
    values = [(b - a) / (c - a) for a, b, c in corners]
    return min(values), max(values)
    ### END SOLUTION

# %%
checks.check_pgr_sensitivity(pgr_sensitivity)

# %% [markdown]
# With `n` test examples, an accuracy near 0.65 has a standard error of `sqrt(0.65 * 0.35 / n)`. Plot
# the range of PGR (a student halfway between supervisor and ceiling) against the gap.
#
# **Predict before you run.** Below what gap, in standard errors, is the range infinite? Beyond it, as the
# gap doubles, does the band shrink by about half, by much more, or hardly at all? Will your sweep's gaps
# (the red lines) sit where the band is narrow?

# %%
n_test = BASE.n_test
se = math.sqrt(0.65 * 0.35 / n_test)
gaps = np.linspace(0.01, 0.25, 60)
ranges = [pgr_sensitivity(0.60, 0.60 + g / 2, 0.60 + g, se) for g in gaps]
fig, ax = plt.subplots(figsize=(6, 3.8))
ax.fill_between(gaps, [max(lo, -2) for lo, _ in ranges], [min(hi, 3) for _, hi in ranges], alpha=0.3,
                label=f"PGR range, accuracies +-1 SE (n={n_test})")
ax.axhline(0.5, color="k", lw=1, label="true PGR 0.5")
for (weak, strong), r in results.items():
    ax.axvline(np.mean(r.ceiling_acc) - np.mean(r.weak_acc), color="tab:red", lw=0.8, alpha=0.6)
ax.set_ylim(-2, 3)
ax.set_xlabel("gap: ceiling - weak accuracy (red lines: your sweep's gaps)")
ax.set_ylabel("PGR")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# The range is infinite as long as the gap is at most two standard errors: then the ceiling can fall by
# one and the supervisor rise by one until they meet, and PGR divides by zero. Just above that the band
# is huge, because the denominator can be tiny; further out it narrows roughly in proportion to one over
# the gap, since the errors in numerator and denominator stay of the order of one standard error while
# the gap they are divided by grows. Where your red lines fall is what the plot is for: a gap only a few
# standard errors wide sits where the band still spans a large part of the plot.
#
# Rule of thumb: if the gap is not several standard errors wide, do not report the PGR; report the
# three accuracies. The paper's gaps were tens of points on tests of thousands of examples.
#
# </details>

# %% [markdown]
# ## 4. The student overfits its weak labels
#
# The paper noticed that, trained long enough, the student slowly learns its supervisor's *mistakes*:
# its agreement with the weak labels keeps rising while its accuracy against the truth rises, peaks,
# and falls. Measure both on a held-out slice of `train_strong`, every few steps, while the student
# trains for five epochs (the pipeline's `val_size` / `eval_every` options). The pipeline stores each
# evaluation as a curve.
#
# **Predict before you run.** Over five epochs, will the green curve (accuracy against the truth) keep
# rising, flatten, or peak and fall? Will the orange curve (agreement with the weak labels) keep rising to
# the end? Will the two seeds tell the same story?

# %%
LONG = BASE.replace(epochs=1.0 if SMOKE else 5.0, val_size=16 if SMOKE else 200, eval_every=2 if SMOKE else 10)
curves = {}
for val_labels in ("ground_truth", "weak"):
    r = run_w2s(LONG.replace(val_labels=val_labels))
    curves[val_labels] = [s["val_curves"]["xent"] for s in r.per_seed]
fig, ax = plt.subplots(figsize=(6.5, 4))
for val_labels, label, color in (("ground_truth", "accuracy against the truth", "tab:green"),
                                 ("weak", "agreement with the weak labels", "tab:orange")):
    for i, c in enumerate(curves[val_labels]):
        ax.plot(c["step"], c["acc"], color=color, alpha=0.8, label=label if i == 0 else None)
ax.set_xlabel("training step")
ax.set_ylabel("on the held-out slice of train_strong")
ax.set_title("minilm-l2 supervises minilm-l6, 5 epochs (one line per seed)")
ax.legend()
fig.tight_layout()
for c_true, c_weak in zip(curves["ground_truth"], curves["weak"]):
    peak = int(np.argmax(c_true["acc"]))
    print(f"accuracy peaks at step {c_true['step'][peak]} ({c_true['acc'][peak]:.3f}) and ends at "
          f"{c_true['acc'][-1]:.3f}; agreement with the weak labels ends at {c_weak['acc'][-1]:.3f}")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# Training minimises the loss against the weak labels, so the orange curve, agreement with those labels
# on held-out examples, tends to rise all the way: the student keeps learning its supervisor's function,
# mistakes included. The green curve rises while most of what the student picks up is right, and can
# sag once the remaining thing to learn is the supervisor's mistakes. If your green curves rise and then
# sag while the orange ones keep rising, you are watching the student trade truth for imitation. With
# few steps and small models the sag can be small or absent, and the two seeds can disagree about
# where the peak is: read your own curves and their seed-to-seed spread before deciding.
#
# </details>

# %% [markdown]
# ## 5. Early stopping, and on what
#
# The fix is to stop at the peak, but the peak is measured against *ground truth*, which the weak
# supervisor does not have. Stopping on weak labels stops where agreement with the *supervisor* is
# best, which is later.

# %% [markdown]
# ### Exercise 4: `early_stop`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# `early_stop(eval_steps, eval_acc, patience)`: walk through the evaluations in order. An accuracy
# strictly above the best so far is an improvement (remember its step, reset the counter); otherwise
# count one evaluation without improvement, and when the count reaches `patience`, stop there.
# Return `(best_step, stop_step)`; with `patience=None` never stop early (`stop_step` is the last
# evaluation's step).
#
# <details><summary>Hint 1: a nudge</summary>
#
# Walk once through the evaluations, keeping three things: the best accuracy so far, the step where it
# happened, and how many evaluations in a row have not beaten it. Only a strictly higher accuracy is an
# improvement: a tie keeps the earlier best.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Start the best accuracy at minus infinity (`math.inf`). Walk through steps and accuracies together
# (`zip`). On an improvement, update the best accuracy and its step and reset the counter to 0; otherwise
# add one to the counter and, unless `patience` is None, return the best step and the current step as
# soon as the counter equals `patience`. If the walk ends without stopping, the stop step is the last
# evaluation's step.
#
# The worked answer is in [the solution notebook](../solutions/05_measuring_the_gap.ipynb).
#
# </details>

# %%
def early_stop(eval_steps, eval_acc, patience):
    """(step of the best evaluation, step at which training stops)."""
    ### BEGIN SOLUTION
    best, best_step, waited = -math.inf, None, 0
    for step, acc in zip(eval_steps, eval_acc):
        if acc > best:
            best, best_step, waited = acc, step, 0
        else:
            waited += 1
            if patience is not None and waited >= patience:
                return best_step, step
    return best_step, eval_steps[-1]
    ### END SOLUTION

# %%
checks.check_early_stop(early_stop)

# %% [markdown]
# ### Did it help? A paired test
#
# Stopping early may change the student's test accuracy a little, and so does a change of seed. To say
# that one method *helps*, the difference must be larger than what the noise alone would produce.
# The runs you will compare share everything except the method: the same supervisor and weak labels,
# the same ceiling, the same seeds, and the same test examples. So compare them *paired*, as in
# section 2, but over both sources of noise at once:
#
# * **seeds** (training noise): a method that wins on one seed can lose on the next;
# * **test examples** (measurement noise): easy examples are easy for both students, so resample the
#   same examples for both, and the part of their accuracy that they share cancels.
#
# One bootstrap replicate draws seeds with replacement *and* test examples with replacement, and applies
# the same draws to both students. The verdict then reads the interval, never the mean alone: a mean
# difference of a point, with an interval from -1 to +3 points, is "no detectable difference".

# %% [markdown]
# ### Exercise 5: `does_it_help`
#
# Difficulty: 🔴🔴🔴🔴⚪  Importance: 🔵🔵🔵🔵🔵
#
# You should spend up to ~25 minutes on this exercise.
#
# `does_it_help(a_correct, b_correct, n_boot=2000, seed=0)`: `a_correct` and `b_correct` are 0/1 arrays
# of shape `(n_seeds, n_test)` (lists of lists are fine, as a result's `correct["xent"]` gives them):
# entry `[s, i]` says whether student a (b) got test example `i` right in seed `s`. Return the dict
#
# ```python
# {"diff": float,           # mean accuracy of b minus mean accuracy of a, over all seeds and examples
#  "ci": (low, high),       # 2.5th and 97.5th percentiles of that difference over n_boot paired replicates
#  "wins": int,             # seeds where b's accuracy is strictly above a's (a tie is not a win)
#  "verdict": str}          # "helps" if low > 0, "hurts" if high < 0, else "no detectable difference"
# ```
#
# Each replicate draws `n_seeds` seed indices and `n_test` example indices with replacement, from one
# generator built from `seed`, and uses the same ones for a and b. Do not modify the inputs.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Pairing, now over two axes: a replicate's seed and example indices must be the same for a and for b.
# That is the same as resampling a single array, the per-example difference between the two students.
# Start from your `bootstrap_pgr_ci` of section 2 and add a second axis, the seeds.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Convert both inputs to float arrays of shape (n_seeds, n_test) and take their difference. For each of
# the `n_boot` replicates, draw n_seeds seed indices and n_test example indices with replacement; select
# those rows, then those columns, of the difference, and keep its mean. The interval is the 2.5th and
# 97.5th percentiles of the kept means (`np.percentile` takes percents). `diff` is the mean of the whole
# difference; `wins` counts the rows whose mean is above 0; the verdict compares the interval's two ends
# with 0. Return Python floats and an int.
#
# The worked answer is in [the solution notebook](../solutions/05_measuring_the_gap.ipynb).
#
# </details>

# %%
def does_it_help(a_correct, b_correct, n_boot=2000, seed=0):
    """Does student b beat student a? A paired bootstrap over seeds and test examples."""
    ### BEGIN SOLUTION
    a = np.atleast_2d(np.asarray(a_correct, dtype=float))
    b = np.atleast_2d(np.asarray(b_correct, dtype=float))
    d = b - a
    n_seeds, n_test = d.shape
    rng = np.random.default_rng(seed)
    means = []
    for _ in range(n_boot):
        seeds = rng.integers(0, n_seeds, n_seeds)
        examples = rng.integers(0, n_test, n_test)
        means.append(d[seeds][:, examples].mean())
    low, high = np.percentile(means, [2.5, 97.5])
    per_seed = d.mean(axis=1)
    verdict = "helps" if low > 0 else "hurts" if high < 0 else "no detectable difference"
    return {"diff": float(d.mean()), "ci": (float(low), float(high)), "wins": int((per_seed > 0).sum()),
            "verdict": verdict}
    ### END SOLUTION

# %%
checks.check_does_it_help(does_it_help)

# %% [markdown]
# Now with the pipeline: the same long training, stopped with patience 4 (and the best state
# restored) on a ground-truth validation slice, and on a weak-label one. What your `early_stop`
# would choose on the curves of section 4 is printed beside the test accuracy, and your
# `does_it_help` compares each stopping rule with no early stopping, and the two rules with each other.
#
# **Predict before you run.** Will stopping on ground-truth labels *help*, by your test's verdict? Will
# stopping on weak labels? Between the two rules, will the interval exclude 0? Base your guess on how
# much your green curves of section 4 sagged.

# %%
stopped = {v: run_w2s(LONG.replace(val_labels=v, patience=4)) for v in ("ground_truth", "weak")}
no_stop = run_w2s(LONG.replace(val_labels="ground_truth"))
print(f"{'':<36}{'student test accuracy':>24}{'PGR':>8}")
for name, r in (("no early stopping", no_stop), ("stopped on ground-truth labels", stopped["ground_truth"]),
                ("stopped on weak labels", stopped["weak"])):
    s = summarize(r.w2s_acc["xent"])
    print(f"{name:<36}{s['mean']:>16.3f} +- {s['std']:.3f}{r.pgr['xent']['mean']:>8.2f}")
for v in ("ground_truth", "weak"):
    picks = [early_stop(c["step"], c["acc"], 4) for c in curves[v]]
    print(f"your early_stop on the {v} curves picks steps {[p[0] for p in picks]}")
print()
for label, a, b in (("ground-truth stopping vs none", no_stop, stopped["ground_truth"]),
                    ("weak-label stopping vs none", no_stop, stopped["weak"]),
                    ("ground-truth vs weak-label stopping", stopped["weak"], stopped["ground_truth"])):
    t = does_it_help(a.correct["xent"], b.correct["xent"])
    print(f"{label:<38} {t['diff']:+.3f}  95% CI [{t['ci'][0]:+.3f}, {t['ci'][1]:+.3f}]  "
          f"wins {t['wins']}/{len(b.seeds)} seeds: {t['verdict']}")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# Early stopping can only help if there is something to stop: a peak in the green curves well above
# where they end. At this scale there is usually hardly any beyond the slice's own noise (on 200
# held-out examples one standard error is about 3.5 points), and then your test should say "no
# detectable difference" for both rules: the intervals straddle 0, whatever the sign of the mean
# difference. That is the honest reading of a small difference measured on a few seeds, not a proof
# that the method never works. The paper saw the effect with far longer training and larger models.
# If your curves sag more, ground-truth stopping should come out ahead and weak-label stopping less so,
# because the weak labels reward agreement with the supervisor, which keeps rising after the truth has
# peaked; the gap between the two rules is the price of not having ground truth.
#
# `wins` is the per-seed view, and with a couple of seeds it is weak evidence on its own: two methods
# that do not differ at all still split their wins by chance, and "b won every seed" happens often when
# there are few seeds. That is why the verdict comes from the interval. More seeds narrow its training
# part; more test examples narrow only its measurement part.
#
# </details>

# %% [markdown]
# ## 6. What can be measured when the supervisor is weak?
#
# Everything in this lesson that decided *how good the student is* used ground truth: the test
# accuracies, PGR, the green curves, the ground-truth stopping rule. In the setting the paper is
# about, a human supervising a superhuman model, that ground truth does not exist. What remains
# measurable:
#
# * **agreement** with the supervisor (the orange curves): high agreement is not the goal, since a
#   perfect imitator agrees 100%;
# * the student's **confidence** and its consistency (does it give the same answer to paraphrases?);
# * accuracy on the **subset that can be checked** reliably (easy examples): a proxy whose relation to
#   the hard examples is itself an open question;
# * the structure of disagreements: where the student confidently overrules its supervisor.
#
# None of these is accuracy. Weak-to-strong research today leans on ground-truth analogues (like
# ours) to learn which of these proxies can be trusted.
#
# **Try it in the panel.** Pick a pair from the sweep whose gap was small and rerun it with more seeds:
# how much does the PGR move?

# %%
from w2s_edu import experiment_panel

experiment_panel(preset="smoke" if SMOKE else "quick", weak="minilm-l3", strong=STRONG_MODELS[-1])

# %% [markdown]
# ## Recap
#
# * Sweeps train each supervisor once; the package's cache does it for you.
# * A PGR comes with a paired bootstrap interval; an unpaired one is several times too wide.
# * When the gap is within a few standard errors, PGR is meaningless: report the accuracies.
# * Trained long on weak labels, a student can drift towards its supervisor's mistakes, and early
#   stopping on ground truth is the remedy the paper found; it needs ground truth a weak supervisor
#   does not have. At this lesson's scale the curves barely sag, so neither stopping rule changes the
#   test accuracy by more than its spread: read your three rows above before believing either way.
# * Whether a method helps is a paired comparison: resample seeds and test examples with the same
#   indices for both students, and say "helps" only when the interval excludes 0.
#
# ## Further reading
#
# * Burns et al. (2023), [Weak-to-Strong Generalization](https://arxiv.org/abs/2312.09390): section 5.1.1
#   ("Overfitting to weak supervision") and the early-stopping discussion.
# * Efron and Tibshirani (1993), *An Introduction to the Bootstrap*; Dror et al. (2018), [The Hitchhiker's
#   Guide to Testing Statistical Significance in Natural Language Processing](https://aclanthology.org/P18-1128/).
#
# Next, lesson 06: why weak-to-strong generalization can work at all, and when it cannot.
