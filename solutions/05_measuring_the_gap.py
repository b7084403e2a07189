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
# supervisor cannot reliably do.
#
# **Learning objectives.** By the end you can
#
# 1. run a weak x strong sweep that trains each supervisor once, and read the PGR heatmap and the
#    accuracy-against-size plot;
# 2. compute a paired bootstrap confidence interval for PGR and say why pairing matters;
# 3. bound PGR under small accuracy errors, and recognise results whose gap is too small to report;
# 4. see the student overfit weak labels during training, write early stopping, and compare stopping
#    on a ground-truth validation set with stopping on a weak-label one.
#
# **Estimated time:** 75 to 90 minutes of reading and exercises, plus about 12 to 20 minutes of training
# on a 2-core laptop CPU (707 s measured, with lesson 04's models already in the cache).
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
# set of encoded features train or encode once. Three supervisors and two students take several
# minutes on a 2-core laptop.

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
# The MiniLM "ladder" is one pretrained model cut at different depths, not models trained at
# different scales, so do not expect the paper's smooth trends. Look instead at which cells you would
# trust: the printed gaps are a few points, on about a thousand test examples, over two seeds.

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
# <details><summary>Hint</summary>
#
# `rng = np.random.default_rng(seed)`; per replicate `i = rng.integers(0, n, n)`, then
# `weak_correct[i].mean()` and so on. `np.percentile(values, [2.5, 97.5])` at the end.
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
# resamples the seeds (so it includes training noise as well as test-set noise):

# %%
for (weak, strong), r in results.items():
    low, high = bootstrap_pgr_ci(r.correct["weak"][0], r.correct["xent"][0], r.correct["ceiling"][0])
    pkg = r.pgr["xent"]["ci"]
    print(f"{weak} -> {strong}:  seed 0 PGR {r.pgr['xent']['per_seed'][0]:+.2f}  your CI [{low:+.2f}, {high:+.2f}]"
          f"   package CI over {len(r.seeds)} seed(s) [{pkg[0]:+.2f}, {pkg[1]:+.2f}]")

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
# <details><summary>Hint</summary>
#
# Away from a zero denominator PGR is monotonic in each accuracy, so its extremes sit at the 8 corners
# of the box: `itertools.product((weak - eps, weak + eps), (w2s - eps, w2s + eps), (ceiling - eps,
# ceiling + eps))`.
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
# the range of PGR (a student halfway between supervisor and ceiling) against the gap:

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
# Rule of thumb: if the gap is not several standard errors wide, do not report the PGR; report the
# three accuracies. The paper's gaps were tens of points on tests of thousands of examples.

# %% [markdown]
# ## 4. The student overfits its weak labels
#
# The paper noticed that, trained long enough, the student slowly learns its supervisor's *mistakes*:
# its agreement with the weak labels keeps rising while its accuracy against the truth rises, peaks,
# and falls. Measure both on a held-out slice of `train_strong`, every few steps, while the student
# trains for five epochs (the pipeline's `val_size` / `eval_every` options). The pipeline stores each
# evaluation as a curve.

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
# If the green curves rise and then sag while the orange ones keep rising, you are watching the
# student trade truth for imitation. With few steps and small models the sag can be small or absent:
# read your own curves and their seed-to-seed spread before deciding.

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
# Now with the pipeline: the same long training, stopped with patience 4 (and the best state
# restored) on a ground-truth validation slice, and on a weak-label one. What your `early_stop`
# would choose on the curves of section 4 is printed beside the test accuracy.

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

# %% [markdown]
# Compare the three rows. Early stopping can only help if there is something to stop: a peak in the
# green curves well above where they end. At this scale there is usually hardly any (the curves peak
# within a point of their last value), and then neither stopping rule changes the test accuracy by more
# than its spread. The paper saw the effect with far longer training and larger models. If your curves sag
# more, ground-truth stopping should help and weak-label stopping less; the gap between the two is the
# price of not having ground truth.

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
#
# ## Further reading
#
# * Burns et al. (2023), [Weak-to-Strong Generalization](https://arxiv.org/abs/2312.09390): section 5.1.1
#   ("Overfitting to weak supervision") and the early-stopping discussion.
# * Efron and Tibshirani (1993), *An Introduction to the Bootstrap*; Dror et al. (2018), [The Hitchhiker's
#   Guide to Testing Statistical Significance in Natural Language Processing](https://aclanthology.org/P18-1128/).
#
# Next, lesson 06: why weak-to-strong generalization can work at all, and when it cannot.
