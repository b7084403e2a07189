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
# # Lesson 01: The limits of RLHF
#
# Reinforcement learning from human feedback (RLHF) is how today's assistants are aligned: people
# compare pairs of answers, a *reward model* learns to predict their choices, and the model is then
# optimised to score high on that reward model. The whole scheme rests on one assumption: **the
# people judging can tell a better answer from a worse one.**
#
# In this lesson you build a miniature RLHF pipeline in which that assumption fails a little. The
# judge cannot check whether an answer is *correct*, so it leans on how confident and long the answer
# is. You will see that a small blind spot in the judge turns into a large failure once something
# optimises hard against the learned reward, and that the failure grows as the judge gets weaker
# and the policy gets stronger. That is the situation the weak-to-strong setup of Burns et al.
# (2023) is built to study.
#
# **Learning objectives.** By the end you can
#
# 1. write the Bradley-Terry preference loss and explain what a reward model learns from it;
# 2. simulate a judge with a blind spot and fit a reward model to its preferences;
# 3. use best-of-n selection as a dial for optimisation pressure;
# 4. measure reward overoptimisation (Goodhart's law): the learned reward keeps rising while true
#    quality peaks and falls;
# 5. explain why this gets worse as models outgrow their supervisors, and how the weak-to-strong
#    setup turns that future problem into an experiment we can run today.
#
# **Estimated time:** 75 to 90 minutes.
#
# **Prerequisites:** Lesson 00; PyTorch basics (tensors, autograd, an optimiser loop); the logistic
# function `sigmoid(x) = 1 / (1 + exp(-x))`.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/w2s-edu/w2s-edu/blob/main/lessons/01_limits_of_rlhf.ipynb)

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
import torch

from w2s_edu.toys import rlhf
from w2s_edu.toys.rlhf import FEATURES, RewardModel, judge_score, sample_responses, true_quality

N_PAIRS = 300 if SMOKE else 2000  # preference comparisons the judge labels
STEPS = 60 if SMOKE else 300  # reward-model training steps
TRIALS = 60 if SMOKE else 400  # independent best-of-n runs per point of a curve
MAX_N = 32 if SMOKE else 512  # the largest n in best-of-n
SIZES = dict(n_pairs=N_PAIRS, trials=TRIALS, steps=STEPS)
torch.manual_seed(0)
torch.set_num_threads(1)  # our tensors are tiny: one thread is faster than several waiting on each other

# %% [markdown]
# ## 1. A world small enough to see
#
# Real responses are text. Ours are four numbers, in standard units (0 is typical, 1 is one
# standard deviation above typical):
#
# | feature | meaning | counts for true quality? | the judge sees it? |
# |---|---|---|---|
# | `correctness` | is the answer right? | yes | only partly: that is the blind spot |
# | `helpfulness` | does it address what was asked? | yes | yes |
# | `confidence` | how sure it sounds | no | yes, and likes it |
# | `length` | how much it says | no | yes, and likes it |
#
# **True quality** is `correctness + helpfulness`. The policy that writes the responses can also
# *bluff*: a bluffing answer is longer and more assured, and a little less correct (every unit of
# bluff costs `rlhf.BLUFF_COST` units of correctness). Most answers bluff a little; a few bluff a lot
# (the bluff has a long, exponential tail). The parameter `exploit` scales the bluff: it says how much
# room the policy has to game the judge.
#
# Let's look at a few responses.

# %%
demo = sample_responses(8, exploit=1.0, generator=torch.Generator().manual_seed(0))
print(" ".join(f"{name:>12}" for name in FEATURES), "| true quality | judge score (blind spot 0.6)")
for x in demo:
    print(" ".join(f"{v:12.2f}" for v in x.tolist()),
          f"| {true_quality(x).item():12.2f} | {judge_score(x, 0.6).item():8.2f}")

big = sample_responses(20_000, exploit=1.0, generator=torch.Generator().manual_seed(1))
corr = np.corrcoef(big.T.numpy())
print(f"\nYour run: correlation of confidence with correctness = {corr[2, 0]:.2f}, "
      f"of length with correctness = {corr[3, 0]:.2f}")

# %% [markdown]
# Confident, long answers are, on average, *less* correct (your run printed by how much). A judge who rewards confidence
# and length is not rewarding noise: it is rewarding something mildly anti-correlated with what we
# want. Keep that in mind.

# %% [markdown]
# ## 2. The reward model's loss
#
# The judge compares two responses and picks one. The **Bradley-Terry model** (1952) says the
# probability that response *a* wins depends only on the difference of their scores:
#
# $$P(a \succ b) = \sigma\big(r(a) - r(b)\big), \qquad \sigma(x) = \frac{1}{1 + e^{-x}}.$$
#
# A reward model $r_\theta$ is fitted by maximum likelihood on the judge's choices: for each pair,
# the chosen response $y_i^+$ and the rejected one $y_i^-$, we minimise
#
# $$\mathcal{L} = -\frac{1}{N}\sum_{i=1}^{N} \log \sigma\big(r_\theta(y_i^+) - r_\theta(y_i^-)\big).$$
#
# This is the loss used for the reward models of InstructGPT and its successors. Note that only
# *differences* of rewards matter: adding a constant to every reward changes nothing.

# %% [markdown]
# ### Exercise 1: `bradley_terry_loss`
#
# Difficulty: 🔴⚪⚪⚪⚪  Importance: 🔵🔵🔵🔵🔵
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `bradley_terry_loss(r_chosen, r_rejected)`. Both arguments are 1-D tensors of rewards, one
# entry per pair. Return the loss above as a 0-d tensor: the **mean** over pairs, so the loss does not
# grow with the batch size. It must stay differentiable (the reward model trains through it) and
# finite even when the model is badly wrong (a difference of -200).
#
# <details><summary>Hint 1: a nudge</summary>
#
# Only the *difference* of the two rewards of a pair enters the loss. Taking the log of a sigmoid in
# two separate steps underflows: `sigmoid(-200)` is 0 in float32, and `log(0) = -inf`. The function
# `F.logsigmoid` (from `torch.nn.functional`, imported as `F` below) computes the same thing stably.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Per pair: the chosen reward minus the rejected one (in that order: the loss must be small when the
# chosen response already scores higher), then its stable log-sigmoid, then a minus sign. Over the
# batch: the mean, not the sum. Stay with torch operations on the input tensors from start to end (no
# `.item()`, no numpy, no `math`), so the result is a 0-d tensor that gradients flow through.
# The worked answer is in [the solution notebook](../solutions/01_limits_of_rlhf.ipynb).
#
# </details>

# %%
import torch.nn.functional as F


def bradley_terry_loss(r_chosen, r_rejected):
    """Mean over pairs of -log sigmoid(r_chosen - r_rejected); 1-D tensors in, a 0-d tensor out."""
    ### BEGIN SOLUTION (exercise: bradley_terry_loss)
    return -F.logsigmoid(r_chosen - r_rejected).mean()
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson01 import check_bradley_terry_loss

check_bradley_terry_loss(bradley_terry_loss)

# %% [markdown]
# From here on the lesson uses the package's reference loss, so a bug in your version cannot
# spoil later cells.

# %%
from w2s_edu.toys.rlhf import bradley_terry_loss as bt_loss_ref

# %% [markdown]
# ## 3. A judge with a blind spot
#
# Our judge stands in for a human labeller who cannot verify every answer. It scores a response as
#
# $$s_b(x) = (1 - b)\cdot\text{correctness} + \text{helpfulness} + b\cdot(\text{confidence} + \text{length}),$$
#
# where the **blind spot** $b \in [0, 1]$ says how much the judge has to fall back on appearances.
# At $b = 0$ the judge's score is exactly the true quality; at $b = 1$ it cannot see correctness at
# all. It prefers $a$ over $b$ with the Bradley-Terry probability
# $\sigma\big((s(a) - s(b)) / T\big)$; the temperature $T$ makes it noisier (large $T$) or more
# decisive (small $T$).

# %% [markdown]
# ### Exercise 2: `judge_preference_prob`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `judge_preference_prob(resp_a, resp_b, blind_spot, temperature=1.0)`. `resp_a` and
# `resp_b` have shape `(N, 4)` (columns in the order of `FEATURES`); return the `N` probabilities
# that the judge prefers each `a` over its `b`, shape `(N,)`.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Compute the judge's score $s_b$ of each response first, then compare the two scores with the
# Bradley-Terry formula. Indexing with `x[..., i]` picks feature `i` of every row, in the order of
# `FEATURES` (correctness, helpfulness, confidence, length).
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# A small inner function that scores one `(N, 4)` tensor keeps it readable: correctness weighted by
# one minus the blind spot, helpfulness with weight 1, confidence and length each weighted by the
# blind spot. Score both inputs, subtract b's score from a's, divide the difference by the temperature,
# and pass it through `torch.sigmoid`: shape `(N,)`. Check your signs: `P(a over b) + P(b over a)` must
# be 1, and a response compared with itself wins half the time.
# The worked answer is in [the solution notebook](../solutions/01_limits_of_rlhf.ipynb).
#
# </details>

# %%
def judge_preference_prob(resp_a, resp_b, blind_spot, temperature=1.0):
    """P(the judge prefers resp_a over resp_b), one probability per row of the (N, 4) inputs."""
    ### BEGIN SOLUTION (exercise: judge_preference_prob)
    def score(x):
        return (1 - blind_spot) * x[..., 0] + x[..., 1] + blind_spot * (x[..., 2] + x[..., 3])

    return torch.sigmoid((score(resp_a) - score(resp_b)) / temperature)
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson01 import check_judge_preference_prob

check_judge_preference_prob(judge_preference_prob)

# %% [markdown]
# `rlhf.make_preferences` uses the reference judge to label random pairs of responses. How often
# does the judge's choice agree with the truth (the response with the higher true quality)? The
# judge is noisy even without a blind spot, because it samples its choice from a probability.

# %%
print("blind spot | judge picks the truly better response")
for b in [0.0, 0.3, 0.6, 0.9, 1.0]:
    chosen, rejected = rlhf.make_preferences(N_PAIRS, blind_spot=b, seed=0)
    agree = (true_quality(chosen) > true_quality(rejected)).float().mean().item()
    print(f"{b:10.1f} | {agree:6.1%}")

# %% [markdown]
# Your run shows how the agreement falls as the blind spot grows. Even the judge with no blind spot
# is far from perfect, because its choices are noisy. Does your blindest judge still beat a coin
# flip? If so, that is helpfulness at work: the judge sees it at every blind spot. Judged on
# average agreement, a reward model trained on these labels looks unremarkable. The trouble comes
# later.

# %% [markdown]
# ## 4. Training the reward model
#
# Our reward model is linear: one weight per feature (`RewardModel`, an `nn.Linear(4, 1)`), so you
# can read off what it learned. Training is plain full-batch gradient descent on the Bradley-Terry
# loss: every step looks at all the judge's comparisons at once.

# %% [markdown]
# ### Exercise 3: `reward_model_step`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write one training step: `reward_model_step(model, optimizer, chosen, rejected)`. `chosen` and
# `rejected` have shape `(N, 4)`, row i of each being the two sides of comparison i. Compute the
# rewards of both, the loss with `bt_loss_ref`, then zero the gradients, backpropagate and let the
# optimiser step. Return the loss (the value before the step) as a Python float.
#
# <details><summary>Hint 1: a nudge</summary>
#
# This is the standard PyTorch training step, with the Bradley-Terry loss of this lesson. Calling the
# model on a batch, `model(x)`, gives one reward per row of `x`.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Four steps, in this order: the loss of the two batches of rewards (chosen first); clear the
# optimiser's old gradients (`zero_grad`); backpropagate the loss (`backward`); update the weights
# (`step`). Return the loss you computed in the first step, turned into a Python float with `.item()`.
# If the checker says the second step is wrong but the first is right, the gradients of the first
# step were still in `.grad` when the second step ran: PyTorch adds new gradients to old ones until
# you clear them.
# The worked answer is in [the solution notebook](../solutions/01_limits_of_rlhf.ipynb).
#
# </details>

# %%
def reward_model_step(model, optimizer, chosen, rejected):
    """One optimiser step on the Bradley-Terry loss of (chosen, rejected); returns the loss as a float."""
    ### BEGIN SOLUTION (exercise: reward_model_step)
    loss = bt_loss_ref(model(chosen), model(rejected))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson01 import check_reward_model_step

check_reward_model_step(reward_model_step)

# %% [markdown]
# A whole training run is this step in a loop. Let's watch the loss of a freshly initialised
# reward model fall, on preferences from a judge with blind spot 0.6 (the reference step from here on).

# %%
from w2s_edu.toys.rlhf import reward_model_step as step_ref

BLIND = 0.6
chosen, rejected = rlhf.make_preferences(N_PAIRS, blind_spot=BLIND, seed=0)
torch.manual_seed(0)
rm = RewardModel()
opt = torch.optim.Adam(rm.parameters(), lr=0.05)
losses = [step_ref(rm, opt, chosen, rejected) for _ in range(STEPS)]
print(f"Your run: loss {losses[0]:.3f} at the first step, {losses[-1]:.3f} after {STEPS} steps "
      f"(a reward model that knew nothing would stay at log 2 = {np.log(2):.3f}).")

# %% [markdown]
# What did it learn? Compare its weights with what the judge used and with what we actually want.
# Bradley-Terry rewards are only defined up to scale, so each row is divided by its helpfulness weight.
# (`rlhf.train_reward_model(chosen, rejected, steps)` packages the loop above, and
# `rlhf.run_overoptimisation` further down calls it.)

# %%
learned = torch.tensor(list(rm.weights().values()))
rows = {"true quality": rlhf.TRUE_WEIGHTS, f"judge (b={BLIND})": rlhf.judge_weights(BLIND),
        "learned reward model": learned}
print(f"{'':>22}" + "".join(f"{name:>13}" for name in FEATURES))
for name, w in rows.items():
    print(f"{name:>22}" + "".join(f"{v:13.2f}" for v in (w / w[1]).tolist()))

test = sample_responses((2, 5000), exploit=1.0, generator=torch.Generator().manual_seed(7))
rm_says = rm(test[0]) > rm(test[1])  # a comparison carries no gradient
agree_judge = (rm_says == (judge_score(test[0], BLIND) > judge_score(test[1], BLIND))).float().mean()
agree_truth = (rm_says == (true_quality(test[0]) > true_quality(test[1]))).float().mean()
print(f"\nYour run: on fresh pairs the reward model agrees with the judge's score {agree_judge:.1%} of the time "
      f"and with the truth {agree_truth:.1%} of the time.")

# %% [markdown]
# Compare the rows in your run. The reward model is a faithful student of its teacher: its weights
# land close to the *judge's*, blind spot included, not to the true ones. Nothing in its training
# data could tell it otherwise. More data would only make it a more precise copy of the judge.

# %% [markdown]
# ## 5. Optimisation pressure: best-of-n
#
# RLHF then optimises a policy against the reward model. The simplest optimiser is **best-of-n**
# (rejection sampling): draw n responses from the policy and keep the one with the highest learned
# reward. n is a clean dial for optimisation pressure. Its distance from the base policy is known
# exactly: the KL divergence of best-of-n from the base policy is $\log n - (n-1)/n$ nats, so
# n = 1 is no optimisation at all and each doubling of n adds at most $\log 2$ nats. RL
# fine-tuning with a KL penalty lives on the same axis (Gao et al., 2022, compare the two).

# %% [markdown]
# ### Exercise 4: `best_of_n`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# `candidates` has shape `(trials, m, d)`: `trials` independent prompts, each with `m` sampled
# responses. For every trial, return the response with the highest `reward_fn` among its **first n**
# candidates. `reward_fn` maps a tensor of shape `(..., d)` to rewards of shape `(...)`. Return
# shape `(trials, d)`.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Three steps: keep only the first `n` candidates of every trial (a slice along dimension 1), score
# them, and pick, per trial, the candidate with the highest score (`argmax` along the candidate
# dimension). A reward model's output carries gradients you do not need: score inside the
# `no_grad` context manager of torch.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Follow the shapes: the kept pool is `(trials, n, d)`, its rewards `(trials, n)`, the argmax over
# dimension 1 one index per trial, `(trials,)`. To take row `idx[i]` of trial `i` for every `i` at
# once, index the pool with two integer tensors of length `trials`: the trial numbers
# (`torch.arange`) and the chosen indices. The result is `(trials, d)`: whole responses, not their
# rewards or indices.
# The worked answer is in [the solution notebook](../solutions/01_limits_of_rlhf.ipynb).
#
# </details>

# %%
def best_of_n(candidates, reward_fn, n):
    """Per trial, the highest-reward response among the first n candidates; shape (trials, d)."""
    ### BEGIN SOLUTION (exercise: best_of_n)
    pool = candidates[:, :n]
    with torch.no_grad():
        idx = reward_fn(pool).argmax(dim=1)
    return pool[torch.arange(pool.shape[0]), idx]
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson01 import check_best_of_n

check_best_of_n(best_of_n)

# %% [markdown]
# What does a heavily optimised answer look like? Compare the average features of the best-of-n
# pick when we select by the learned reward and when we select by the true quality (which we could
# never do in real life: that is the point).

# %%
from w2s_edu.toys.rlhf import best_of_n as best_of_n_ref

pool = sample_responses((TRIALS, MAX_N), exploit=1.0, generator=torch.Generator().manual_seed(1))
picks = {f"best of {MAX_N} by learned reward": best_of_n_ref(pool, rm, MAX_N),
         f"best of {MAX_N} by true quality": best_of_n_ref(pool, true_quality, MAX_N),
         "a random response (n = 1)": pool[:, 0]}
print(f"{'':>32}" + "".join(f"{name:>13}" for name in FEATURES) + "  true quality")
for name, x in picks.items():
    print(f"{name:>32}" + "".join(f"{v:13.2f}" for v in x.mean(0).tolist()) + f"{true_quality(x).mean():14.2f}")

# %% [markdown]
# Your run shows what the learned reward found when pushed hard: look at the confidence, length and
# correctness of its pick, compared with the pick that true quality would make.

# %% [markdown]
# ## 6. The overoptimisation curve
#
# To see the whole story, track the pick as n grows: its learned reward (what we optimise) and its
# true quality (what we wanted). The two live on different scales, so we put both in **standard
# units** of the base policy: subtract the mean over *all* candidates and divide by their standard
# deviation. A value of 1 means "one standard deviation better than a typical response".

# %% [markdown]
# ### Exercise 5: `overoptimisation_curve`
#
# Difficulty: 🔴🔴🔴⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# Return two NumPy arrays `(true_curve, proxy_curve)`, one entry per n in `ns`:
#
# * `proxy_curve[i]`: the mean over trials of the standardised `reward_fn` of the best-of-`ns[i]` pick;
# * `true_curve[i]`: the mean over trials of the standardised `true_quality` of the **same** pick.
#
# Standardise with the mean and standard deviation of each score over **all** candidates (every
# trial, every one of the m responses), not over the picks. Use `best_of_n_ref` for the selection.
#
# <details><summary>Hint 1: a nudge</summary>
#
# The standardisation uses the statistics of the whole pool, which do not depend on n: compute them
# once, before the loop over `ns`. Inside the loop there is one pick per trial, scored twice, by
# `true_quality` and by `reward_fn`.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Before the loop (and inside the `no_grad` context of torch): score every candidate, all
# `trials x m` of them, with both functions, and keep each score's mean and standard deviation. For
# each `n`: take the best-of-n picks with `best_of_n_ref`; score them with each function; subtract
# that score's pool mean, divide by its pool standard deviation, average over the trials and turn the
# result into a float. Collect one number per `n` in each of two lists and return them as two NumPy
# arrays, the true curve first.
# The worked answer is in [the solution notebook](../solutions/01_limits_of_rlhf.ipynb).
#
# </details>

# %%
def overoptimisation_curve(candidates, reward_fn, ns):
    """Mean standardised (true quality, learned reward) of the best-of-n pick, for each n in ns."""
    ### BEGIN SOLUTION (exercise: overoptimisation_curve)
    with torch.no_grad():
        t_all, r_all = true_quality(candidates), reward_fn(candidates)
        true_curve, proxy_curve = [], []
        for n in ns:
            pick = best_of_n_ref(candidates, reward_fn, n)
            true_curve.append(((true_quality(pick) - t_all.mean()) / t_all.std()).mean().item())
            proxy_curve.append(((reward_fn(pick) - r_all.mean()) / r_all.std()).mean().item())
    return np.array(true_curve), np.array(proxy_curve)
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson01 import check_overoptimisation_curve

check_overoptimisation_curve(overoptimisation_curve)

# %% [markdown]
# `rlhf.run_overoptimisation` chains everything you built: judge-labelled pairs, a reward model,
# then the curve for n = 1, 2, 4, ..., `max_n`. It also records an *oracle* curve, selecting by true
# quality, as the best any selection could do.
#
# **Predict before you run.** The judge has blind spot 0.6 and the policy can bluff (`exploit` 1).
# As n doubles from 1 to the largest n: (1) does the learned reward of the pick keep rising, level
# off, or fall? (2) Does its true quality follow it all the way? If not, will the true quality at the
# largest n be above or below its best value along the curve, and could it end below the
# true quality of a random response (0 in standard units)? (3) Where does the oracle curve go?

# %%
result = rlhf.run_overoptimisation(blind_spot=0.6, exploit=1.0, max_n=MAX_N, **SIZES)
print("     n  learned reward  true quality  oracle")
for n, p, t, o in zip(result.ns, result.proxy, result.true, result.oracle):
    print(f"{n:6d}  {p:14.2f}  {t:12.2f}  {o:6.2f}")
print(f"\nYour run: true quality peaks at n = {result.peak_n} ({result.true.max():.2f}) and ends at "
      f"{result.true[-1]:.2f} for n = {result.ns[-1]}, while the learned reward reaches {result.proxy[-1]:.2f}.")
fig = rlhf.plot_overoptimisation(result=result)
plt.show()

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# The learned reward of the pick rises with every doubling of n: the best of 2n candidates includes
# the best of n, so selecting on a score can only push that score up. The true quality rises with it
# at first, then stalls and (in most settings) falls: your run printed where it peaked and where it
# ended. The oracle, which selects on true quality itself, keeps rising.
#
# This is **reward overoptimisation**, an instance of Goodhart's law ("when a measure becomes a
# target, it ceases to be a good measure"). At small n the learned reward is a fine guide: the picks
# really are better, mostly because they are more helpful, which the judge sees. As n grows, the
# search reaches the rare responses where reward and true quality disagree most, here the extreme
# bluffs from the long tail: they buy a lot of confidence and length, which the reward model pays
# for, with correctness it cannot see. The harder we select, the more the pick is chosen *for* that
# disagreement. Gao et al. (2022) measured curves of exactly this shape for real language-model
# reward models.
#
# </details>

# %% [markdown]
# ## 7. Explore: the judge's blind spot and the policy's room to exploit
#
# Move the sliders. Each change reruns the whole pipeline (a fraction of a second) and redraws.
# Things to try:
#
# * blind spot 0: does the learned reward ever mislead?
# * a small blind spot (0.2) with a large `max_n`: is small safe?
# * `exploit` 0 (the policy cannot bluff): does the blind spot still hurt?

# %%
from w2s_edu.toys.rlhf import overoptimisation_widget, plot_overoptimisation

try:
    widget = overoptimisation_widget(**SIZES)
except ImportError as err:  # no ipywidgets here: the plain call below draws the same plot
    widget = None
    print(err)
widget

# %% [markdown]
# No widgets (a static viewer, or a PDF)? Call the plot directly and change the arguments:

# %%
fig = plot_overoptimisation(blind_spot=0.3, exploit=1.0, max_n=MAX_N, **SIZES)
plt.show()

# %% [markdown]
# ## 8. Weaker judges, stronger policies
#
# Now the trend that matters for the future. Make the judge weaker (a larger blind spot) and the
# policy stronger (more room to exploit), and measure two things at the largest n: the **gap**
# between learned reward and true quality (in standard units), and the true quality that is
# actually delivered.
#
# **Predict before you run.** Which corner of the left heatmap will hold the largest gap? In the top
# row (a judge with no blind spot), will the gap grow as the policy gets more room to bluff? And in
# the right heatmap, will the strongest policy deliver the best or the worst true quality under a
# blind judge?

# %%
blinds = [0.0, 0.2, 0.4, 0.6, 0.8]
exploits = [0.25, 0.5, 1.0, 1.5]
gap = np.zeros((len(blinds), len(exploits)))
final_true = np.zeros_like(gap)
for i, b in enumerate(blinds):
    for j, e in enumerate(exploits):
        r = rlhf.run_overoptimisation(blind_spot=b, exploit=e, max_n=MAX_N, **SIZES)
        gap[i, j], final_true[i, j] = r.gap[-1], r.true[-1]

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for ax, values, title in [(axes[0], gap, f"learned reward - true quality at n = {MAX_N}"),
                          (axes[1], final_true, f"true quality delivered at n = {MAX_N}")]:
    im = ax.imshow(values, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(exploits)), [str(e) for e in exploits])
    ax.set_yticks(range(len(blinds)), [str(b) for b in blinds])
    ax.set_xlabel("policy can exploit (bluff scale)")
    ax.set_ylabel("judge blind spot")
    ax.set_title(title, fontsize=10)
    for (row, col), v in np.ndenumerate(values):
        ax.text(col, row, f"{v:.1f}", ha="center", va="center", color="white" if v < values.mean() else "black")
    fig.colorbar(im, ax=ax)
fig.tight_layout()
plt.show()
print(f"Your run: the gap goes from {gap[0, 0]:.2f} (sharp judge, weak policy) to {gap[-1, -1]:.2f} "
      f"(blind judge, strong policy).")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# Along each row (a fixed judge) and down each column (a fixed policy) the gap grows: the weaker the
# judge and the stronger the policy, the more the learned reward overstates what we get, so the
# largest gap sits in the bottom-right corner (blind judge, strong policy). In the top row (a judge
# with no blind spot) the gap stays near zero however strong the policy is: a judge that sees
# correctness gives a reward model that pays for correctness, and bluffing cannot fool it. Under a
# blind judge the strongest policy has the most room to trade correctness for appearances, which
# the search then finds. A capable policy is not the problem by itself; a capable policy optimising
# against a judge that cannot check it is. Compare your heatmaps with this.
#
# </details>
#
# One more experiment: can we fix the problem with more feedback? Train on 10 times as many
# comparisons from the same judge.
#
# **Predict before you run.** With ten times as many comparisons from the same judge, will the gap at
# the largest n shrink a lot, a little, or not at all? Will the true quality delivered go up?

# %%
for n_pairs in [N_PAIRS // 4, N_PAIRS, N_PAIRS * 10]:
    r = rlhf.run_overoptimisation(blind_spot=0.6, exploit=1.0, max_n=MAX_N, n_pairs=n_pairs, trials=TRIALS,
                                  steps=STEPS)
    print(f"{n_pairs:6d} comparisons: true quality at n = {MAX_N} is {r.true[-1]:5.2f}, "
          f"gap {r.gap[-1]:.2f}, peak at n = {r.peak_n}")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# More comparisons barely move the gap or the delivered quality (your three rows should look alike,
# up to noise). More data makes the reward model a more precise copy of the *judge*, and the judge's
# blind spot does not shrink with more data: every extra comparison carries the same bias. Statistical
# error falls with more data; a systematic error does not. Only a better judge, or a reward model
# that brings knowledge of correctness of its own, changes the picture.
#
# </details>

# %% [markdown]
# ## 9. The superalignment question
#
# Our toy judge has a blind spot by construction. Real human judges get one as soon as the model
# can do things they cannot check: a thousand-line pull request, a proof sketch, a claim about a
# chemical synthesis, an answer that sounds right to a non-expert. As models grow more capable,
# the judge does not get stronger, so we move down and to the right in the heatmaps above: weaker
# judge, stronger policy, larger gap. RLHF does not fail loudly there. The learned reward keeps
# going up.
#
# This is the **superalignment question**: how can a weaker supervisor (us) reliably steer, and
# trust, a model that is much stronger than itself?
#
# We cannot run that experiment yet, since we have no superhuman model. Burns et al. (2023)
# proposed an analogue we *can* run: let a **weak model** supervise a **strong model** on a task with
# known answers. Fine-tune the strong model (the student) on the weak model's labels, and measure
# how much of the gap between the weak supervisor and the strong model trained on ground truth it
# recovers (PGR, from Lesson 00).
#
# Compare it with this lesson. Our reward model had **no knowledge of its own**: a fresh linear
# model can only copy its judge, blind spot and all. A large pretrained model is different: it may
# already represent concepts like "this answer is correct" internally. If so, weak labels do not
# have to *define* correctness, only *point at* it, and the strong student might generalise past
# its supervisor's mistakes instead of copying them. Whether and when that happens is the question
# the rest of this course measures.
#
# **Think about it** (answers below, open them after you have an answer of your own):
#
# 1. In our simulation, which single change would make the reward model's blind spot disappear:
#    more data, a bigger reward model, or something else?
# 2. Why is best-of-n with the learned reward still useful at small n, even with a blind judge?
# 3. Name one way the weak-to-strong analogue might be *easier* than the real superalignment
#    problem, and one way it might be harder.
#
# <details><summary>Answers</summary>
#
# 1. Only a better judge (a smaller blind spot), or a reward model that brings knowledge of
#    correctness the judge lacks. More data and more capacity only copy the judge more faithfully.
# 2. For small n the picks are mostly responses that are genuinely more helpful, which the judge
#    does see; the rare extreme bluffs only win once the search is wide enough to find them.
# 3. Easier: a weak model's mistakes may be harder for a strong model to imitate than human mistakes
#    will be for a future model (human errors fill its pretraining data), and today's tasks are ones
#    the strong model has seen people do, so the right concept is easy to find; Burns et al. call
#    these *imitation saliency* and *pretraining leakage*. Harder: the weak supervisor here only
#    gives labels, while real overseers can also ask follow-up questions, use tools, set models to
#    critique each other or inspect their internals.
# </details>

# %% [markdown]
# ## Recap
#
# * A reward model learns from pairwise preferences with the **Bradley-Terry loss**,
#   $-\log\sigma(r_\text{chosen} - r_\text{rejected})$, averaged over pairs; compute it with
#   `logsigmoid` so it stays finite.
# * A reward model reproduces its **judge**, not the truth: a judge with a blind spot yields a
#   reward model with the same blind spot, and more data does not remove it.
# * **Best-of-n** is a clean dial for optimisation pressure. As n grows, the learned reward keeps
#   rising while true quality peaks and falls: **reward overoptimisation**, Goodhart's law.
# * The gap grows as the judge gets **weaker** and the policy **stronger**: the direction we are
#   heading as models outgrow their human supervisors.
# * The **weak-to-strong** setup (a weak model supervising a strong one) is a stand-in for that future
#   problem that we can study now. The next lessons run it.
#
# ## Further reading
#
# * Burns et al. (2023), [Weak-to-Strong Generalization: Eliciting Strong Capabilities With Weak
#   Supervision](https://arxiv.org/abs/2312.09390).
# * Gao, Schulman and Hilton (2022), [Scaling Laws for Reward Model
#   Overoptimization](https://arxiv.org/abs/2210.10760): overoptimisation curves for best-of-n and RL.
# * Christiano et al. (2017), [Deep Reinforcement Learning from Human
#   Preferences](https://arxiv.org/abs/1706.03741); Stiennon et al. (2020), [Learning to Summarize from
#   Human Feedback](https://arxiv.org/abs/2009.01325); Ouyang et al. (2022), [Training Language Models to
#   Follow Instructions with Human Feedback](https://arxiv.org/abs/2203.02155).
# * Casper et al. (2023), [Open Problems and Fundamental Limitations of Reinforcement Learning from Human
#   Feedback](https://arxiv.org/abs/2307.15217).
# * Manheim and Garrabrant (2018), [Categorizing Variants of Goodhart's
#   Law](https://arxiv.org/abs/1803.04585).
# * Leike et al. (2018), [Scalable Agent Alignment via Reward Modeling: a Research
#   Direction](https://arxiv.org/abs/1811.07871).
# * Bradley and Terry (1952), "Rank Analysis of Incomplete Block Designs: I. The Method of Paired
#   Comparisons", *Biometrika* 39(3/4).
