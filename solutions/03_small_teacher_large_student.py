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
# # Lesson 03: A small teacher and a larger student
#
# Lesson 02 ran the weak-to-strong recipe on a synthetic world. Now we run it the way the paper did:
# on **pretrained transformers**. A small model, frozen, with a linear head trained on ground truth,
# labels data for a larger model, which is finetuned on those labels. You write every piece that
# touches the models (pooling, the classifier head, the training step, the whole training loop, the
# weak labels, the summary) and the package plugs your pieces together, so the experiment that runs is
# *yours*.
#
# **Learning objectives.** By the end you can
#
# 1. pool a padded batch of hidden states into one vector per example, for encoders (mean over real
#    tokens) and for causal language models (the last real token, with left *or* right padding);
# 2. put a classification head on a pretrained backbone, and freeze the backbone for a probe;
# 3. write the training step against **soft** targets, then a whole training loop (minibatches, AdamW,
#    a warmup-then-decay learning rate, evaluation after every epoch), and produce the weak model's
#    soft labels;
# 4. run weak -> strong on real models and compute the weak, strong-on-weak and ceiling accuracy and
#    the PGR;
# 5. check whether the student copies its supervisor's mistakes, by splitting their agreement by
#    whether the supervisor was right.
#
# **Estimated time:** 95 to 115 minutes of reading and exercises (7 exercises), plus about 2 minutes of training on
# a 2-core CPU when lesson 00's default run is already in your cache (add about 5 minutes if it is not).
#
# **Prerequisites:** Lessons 00 and 02 (the roles, the splits, PGR); PyTorch basics (`nn.Module`,
# a forward pass, `loss.backward()`, an optimizer step); what a transformer's hidden states are.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/w2s-edu/w2s-edu/blob/main/lessons/03_small_teacher_large_student.ipynb)

# %%
import sys

if "google.colab" in sys.modules:
    from IPython import get_ipython

    get_ipython().run_line_magic("pip", 'install -q "w2s-edu @ git+https://github.com/w2s-edu/w2s-edu"')

# %% tags=["parameters"]
import os

SMOKE = os.environ.get("W2S_SMOKE") == "1"  # tiny sizes, so CI can run the whole notebook in seconds
# Which pair of models: "offline" ships with the package (MiniLM, 2 layers -> 6 layers; no download).
# "gpt2" (gpt2 -> gpt2-medium, 124M -> 355M) and "pythia" (pythia-70m -> pythia-410m) download from the
# Hugging Face hub (1-1.5 GB) and train 3-4x slower on a CPU; a GPU makes them comfortable.
LADDER = "offline"

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from w2s_edu import W2SConfig, plot_result, run_w2s
from w2s_edu.checks import lesson03 as checks
from w2s_edu.toys.handmade import LADDERS, HandmadeConfig, pooling_kind, run_by_hand
from w2s_edu.experiment.metrics import agreement_by_supervisor

torch.set_num_threads(min(2, torch.get_num_threads()))
WEAK, STRONG = LADDERS[LADDER]
SIZES = dict(n_train_weak=64, n_train_strong=64, n_test=64, weak_epochs=2, strong_epochs=1) if SMOKE else {}
print(f"weak supervisor: {WEAK}    strong student: {STRONG}")

# %% [markdown]
# ## 1. From a padded batch to one vector per example
#
# A transformer turns a batch of token ids of shape `(B, L)` into hidden states of shape `(B, L, H)`:
# one `H`-dimensional vector per token. A classifier needs **one** vector per example. Texts in a
# batch have different lengths, so the batch is *padded* to the longest one, and the
# `attention_mask` (1 = real token, 0 = padding) says which positions are real.
#
# Two poolings, for two kinds of model:
#
# * **Encoders** (BERT, MiniLM) see the whole text at every position: average the hidden states of
#   the **real** tokens. Averaging over padding too would make the same sentence look different in
#   a batch with a longer neighbour.
# * **Causal LMs** (GPT-2, Pythia, Qwen) see only the past: the **last real token** is the only one
#   that has read the whole text. Tokenizers pad on the right *or* on the left (left padding is the
#   norm for generation), so find that token from the mask, never from the sequence length alone.

# %% [markdown]
# ### Exercise 1: `mean_pool`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `mean_pool(hidden, mask)`: `hidden` is `(B, L, H)`, `mask` is `(B, L)` of 0/1 (ints or floats);
# return `(B, H)`, the mean of each example's hidden states over its real tokens.
#
# <details><summary>Hint 1: a nudge</summary>
#
# The mask has shape `(B, L)` and the hidden states `(B, L, H)`: give the mask a trailing axis of size
# 1 (and the hidden states' dtype) and broadcasting does the rest. Padding must count for nothing, in
# the sum *and* in the count.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Three steps: multiply the hidden states by the reshaped mask (padding rows become zeros); sum over
# the sequence axis (dimension 1), which leaves `(B, H)`; divide by the number of real tokens per
# example, which is the mask summed over the same axis, shape `(B, 1)`. Guard that count with
# `clamp(min=1)` so that an all-padding row does not divide by zero.
# The worked answer is in [the solution notebook](../solutions/03_small_teacher_large_student.ipynb).
#
# </details>

# %%
def mean_pool(hidden, mask):
    """Mean of hidden (B, L, H) over the positions where mask (B, L) is 1 -> (B, H)."""
    ### BEGIN SOLUTION
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
    ### END SOLUTION

# %%
checks.check_mean_pool(mean_pool)

# %% [markdown]
# ### Exercise 2: `last_token_pool`
#
# Difficulty: 🔴🔴🔴⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# Write `last_token_pool(hidden, mask)`: return `(B, H)`, each example's hidden state at its **last
# position where the mask is 1**. It must work for right padding (`1 1 1 0 0`), left padding
# (`0 0 1 1 1`) and no padding.
#
# <details><summary>Hint 1: a nudge</summary>
#
# "Number of real tokens minus one" is the right position only for right padding. What you want, per
# row, is the *largest position whose mask is 1*.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Make a `(B, L)` tensor of position numbers (`torch.arange` over the sequence length, expanded to the
# mask's shape). With `torch.where`, keep a position where the mask is 1 and put -1 where it is 0;
# the maximum over dimension 1 (its `.values`) is then each row's last real position, whatever the
# padding side. Finally pick one hidden state per row with advanced indexing: a row index
# `torch.arange(B)` paired with those positions.
# The worked answer is in [the solution notebook](../solutions/03_small_teacher_large_student.ipynb).
#
# </details>

# %%
def last_token_pool(hidden, mask):
    """Hidden state (B, H) at each example's last real token (left or right padding)."""
    ### BEGIN SOLUTION
    positions = torch.arange(mask.shape[1]).expand_as(mask)
    last = torch.where(mask.bool(), positions, torch.full_like(positions, -1)).max(dim=1).values
    return hidden[torch.arange(hidden.shape[0]), last]
    ### END SOLUTION

# %%
checks.check_last_token_pool(last_token_pool)

# %% [markdown]
# ## 2. A classification head on a backbone
#
# A Hugging Face backbone (`AutoModel`) returns an object whose `last_hidden_state` is `(B, L, H)`.
# Our classifier pools it and applies one linear layer with two outputs, the logits of "false" and
# "true". The same class serves both roles:
#
# * the **weak supervisor** is a *probe*: the backbone is frozen (`requires_grad_(False)` on its
#   parameters, done for you from outside) and only the head learns;
# * the **student** and the **ceiling** finetune everything.

# %% [markdown]
# ### Exercise 3: `classifier_logits`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# The class below is given: it stores the backbone and the pooling function and creates the head,
# an `nn.Linear` from the backbone's hidden size (`backbone.config.hidden_size`) to 2. Its `forward`
# calls your `classifier_logits(backbone, head, pool, batch)`. `batch` is a dict with `input_ids` and
# `attention_mask` (both `(B, L)`). Run the backbone with both, pool its `last_hidden_state` with
# `pool` and the mask, apply the head, and return the logits `(B, 2)`.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Call the backbone with keyword arguments, and pass it the attention mask as well as the ids: without
# the mask it attends to padding, and the same text gets different logits in different batches.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Three lines: the backbone's output object has a `last_hidden_state` of shape `(B, L, H)`; give it
# and the same mask to `pool`, which returns `(B, H)`; the head turns that into `(B, 2)`. Do not wrap
# the backbone in a no-gradient context: the student finetunes it (the probe freezes its backbone from
# outside, with `requires_grad_(False)`).
# The worked answer is in [the solution notebook](../solutions/03_small_teacher_large_student.ipynb).
#
# </details>

# %%
def classifier_logits(backbone, head, pool, batch):
    """Logits (B, 2): the head applied to the pooled last hidden state of the backbone."""
    ### BEGIN SOLUTION
    mask = batch["attention_mask"]
    hidden = backbone(input_ids=batch["input_ids"], attention_mask=mask).last_hidden_state
    return head(pool(hidden, mask))
    ### END SOLUTION


# %%
class PooledClassifier(nn.Module):
    """A linear head on a pooled backbone; the forward pass is your `classifier_logits`."""

    def __init__(self, backbone, pool):
        super().__init__()
        self.backbone, self.pool = backbone, pool
        self.head = nn.Linear(backbone.config.hidden_size, 2)

    def forward(self, batch):
        return classifier_logits(self.backbone, self.head, self.pool, batch)


# %%
checks.check_classifier(PooledClassifier)

# %% [markdown]
# ## 3. Training on soft labels
#
# The weak supervisor gives the student **probabilities**, not 0/1 labels: "70% true" carries more
# information than "true", and it tells the student where the supervisor is unsure. The loss is the
# cross-entropy against a soft target `q`: `-sum_c q_c log p_c`, averaged over the batch, where
# `p = softmax(logits)`. With one-hot `q` it is the usual cross-entropy.

# %% [markdown]
# ### Exercise 4: `train_step`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵🔵
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `train_step(model, optimizer, batch, soft_targets)`: one optimisation step of `model` on
# `batch` against `soft_targets` `(B, 2)`. Return the loss as a Python float.
#
# <details><summary>Hint 1: a nudge</summary>
#
# The usual four moves of a PyTorch step, in order: clear old gradients, compute the loss, backpropagate,
# step. For the loss use `torch.log_softmax` (more stable than taking the log of a softmax).
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# The loss is the elementwise product of the soft targets and the log-probabilities `(B, 2)`, summed
# over the classes (the last dimension), averaged over the batch, with a minus sign. Forgetting to
# zero the gradients makes those of earlier steps add up. Return the Python number of the
# loss computed *before* the step (`.item()`).
# The worked answer is in [the solution notebook](../solutions/03_small_teacher_large_student.ipynb).
#
# </details>

# %%
def train_step(model, optimizer, batch, soft_targets):
    """One step of soft-label cross-entropy; returns the loss before the step (a float)."""
    ### BEGIN SOLUTION
    optimizer.zero_grad()
    loss = -(soft_targets * torch.log_softmax(model(batch), dim=-1)).sum(dim=-1).mean()
    loss.backward()
    optimizer.step()
    return loss.item()
    ### END SOLUTION

# %%
checks.check_train_step(train_step)

# %% [markdown]
# ### Exercise 5: `train_on_soft_labels`
#
# Difficulty: 🔴🔴🔴🔴⚪  Importance: 🔵🔵🔵🔵🔵
#
# You should spend up to ~30 minutes on this exercise.
#
# One step is not training. Write the whole loop that the experiment below will run for the weak
# supervisor, the ceiling and the student:
#
# `train_on_soft_labels(model, train, targets, evaluate_on, epochs, batch_size, lr, warmup_frac=0.1, seed=0)`
#
# * `train` holds the training examples: `len(train)` is their number `N`, and `train.batch(idx)` gives
#   the model's input dict for the rows `idx` (a 1-D tensor of indices). `targets` is a float tensor
#   `(N, 2)` of soft labels, row `i` for example `i`;
# * `evaluate_on = (examples, labels)`: other examples (same kind of object) and their 0/1 labels;
# * optimise with `torch.optim.AdamW` over the parameters that require gradients, at learning rate `lr`;
# * the learning rate follows a **linear warmup, then a linear decay** to 0 over all
#   `epochs * ceil(N / batch_size)` steps, with `int(warmup_frac * total_steps)` warmup steps:
#   `transformers.get_linear_schedule_with_warmup` builds it; step it once after every optimizer step;
# * each epoch, draw a new order of the rows with `torch.randperm(N, generator=g)`, where
#   `g = torch.Generator().manual_seed(seed)` is made once, and train on consecutive batches of
#   `batch_size` rows of that order, with the soft-label cross-entropy of exercise 4;
# * after each epoch, the accuracy on `evaluate_on` (in eval mode, without gradients, in batches of
#   `batch_size`); switch back to train mode for the next epoch.
#
# Return the history: `{"loss": [...], "lr": [...], "eval_acc": [...]}`: the loss of every step, the
# learning rate that step used (read it from the optimizer before the scheduler steps), and one
# accuracy per epoch.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Build everything once before the epochs (generator, optimizer, scheduler, history), then two nested
# loops: epochs outside, batches inside. Your `train_step` already does the inside of a batch, except
# recording the learning rate and stepping the scheduler. Why a warmup at all: AdamW's first steps are
# large and noisy while its moment estimates are empty, and a pretrained model is easily knocked off
# what it knows.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# The total number of steps is the number of epochs times the batches per epoch (round up). The
# scheduler takes the optimizer, the warmup steps and the total. Per batch: record the optimizer's
# current learning rate (its first parameter group's `"lr"`), clear the gradients, the loss of the
# batch's logits against the batch's rows of the targets, backward, optimizer step, scheduler step,
# record the loss. Per epoch, after the batches: eval mode, then without gradients the logits of the
# evaluation examples, batch by batch (split a range of their indices into pieces of `batch_size`),
# the argmax compared with the labels, the mean as a float. The last batch of an epoch may be
# shorter: that is fine.
# The worked answer is in [the solution notebook](../solutions/03_small_teacher_large_student.ipynb).
#
# </details>

# %%
import math

from transformers import get_linear_schedule_with_warmup


def train_on_soft_labels(model, train, targets, evaluate_on, epochs, batch_size, lr, warmup_frac=0.1, seed=0):
    """Train `model` on soft `targets` with AdamW and a linear warmup-then-decay schedule, shuffled
    minibatches, and an accuracy on `evaluate_on` after every epoch; returns the history."""
    ### BEGIN SOLUTION
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    total_steps = epochs * math.ceil(len(train) / batch_size)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(warmup_frac * total_steps), total_steps)
    history = {"loss": [], "lr": [], "eval_acc": []}
    examples, labels = evaluate_on
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(train), generator=generator).split(batch_size):
            history["lr"].append(optimizer.param_groups[0]["lr"])
            optimizer.zero_grad()
            log_probs = torch.log_softmax(model(train.batch(idx)), dim=-1)
            loss = -(targets[idx] * log_probs).sum(dim=-1).mean()
            loss.backward()
            optimizer.step()
            scheduler.step()
            history["loss"].append(loss.item())
        model.eval()
        with torch.no_grad():
            chunks = torch.arange(len(examples)).split(batch_size)
            predicted = torch.cat([model(examples.batch(c)).argmax(dim=-1) for c in chunks])
        history["eval_acc"].append(float((predicted == torch.as_tensor(labels)).float().mean()))
    return history
    ### END SOLUTION

# %%
checks.check_train_on_soft_labels(train_on_soft_labels)

# %% [markdown]
# Watch it learn on a small problem the checker also uses: 24 two-dimensional points whose soft labels
# say "90% class 1" on one side of a line, and other points to evaluate on.

# %%
class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(2, 2)

    def forward(self, batch):
        return self.head(batch["features"])


g = torch.Generator().manual_seed(0)
points, evaluation_points = torch.randn(24, 2, generator=g), torch.randn(64, 2, generator=g)
side = torch.where(points.sum(1) > 0, 0.9, 0.1)
torch.manual_seed(0)
toy_history = train_on_soft_labels(Toy(), checks.Examples(points), torch.stack([1 - side, side], 1),
                                   (checks.Examples(evaluation_points), (evaluation_points.sum(1) > 0).long()),
                                   epochs=8, batch_size=6, lr=0.05)
fig, axes = plt.subplots(1, 3, figsize=(11, 3))
axes[0].plot(toy_history["loss"])
axes[0].set(title="loss per step", xlabel="step")
axes[1].plot(toy_history["lr"])
axes[1].set(title="learning rate per step", xlabel="step")
axes[2].plot(range(1, 9), toy_history["eval_acc"], marker="o")
axes[2].set(title="accuracy on the evaluation points", xlabel="epoch", ylim=(0, 1.05))
fig.tight_layout()

# %% [markdown]
# The loss cannot reach 0: against a 90% target the best the model can do is to predict 90%, and the
# cross-entropy of that is the entropy of the target, about 0.33 nats. That floor is what "learning
# the soft labels" means: a model trained to match them is *as unsure as its teacher*.

# %% [markdown]
# ### Exercise 6: `weak_labels`
#
# Difficulty: 🔴⚪⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `weak_labels(model, batches)`: the model's class probabilities for every example of a list of
# batches, as one numpy array `(N, 2)` in order. Labels must be deterministic (no dropout) and must not
# build a computation graph.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Two switches make labels deterministic and cheap: the model's eval mode (dropout off) and the
# no-gradient context of torch (no graph). Labels are probabilities, not logits.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Switch to eval mode, then, without gradients, run every batch through the model, turn each `(b, 2)`
# of logits into probabilities with a softmax over the last dimension, join the pieces in order with
# `torch.cat`, and convert the result to numpy.
# The worked answer is in [the solution notebook](../solutions/03_small_teacher_large_student.ipynb).
#
# </details>

# %%
def weak_labels(model, batches):
    """Soft labels (N, 2): the model's probabilities on every example of `batches`, in eval mode."""
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return torch.cat([torch.softmax(model(b), dim=-1) for b in batches]).numpy()
    ### END SOLUTION

# %%
checks.check_weak_labels(weak_labels)

# %% [markdown]
# ### Exercise 7: `w2s_summary`
#
# Difficulty: 🔴⚪⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~5 minutes on this exercise.
#
# Write `w2s_summary(labels, weak_probs, student_probs, ceiling_probs)`: a dict with the three test
# accuracies `weak_acc`, `w2s_acc`, `ceiling_acc` (the predicted class is the column with the larger
# probability) and `pgr`, using the package's `w2s_edu.experiment.metrics.pgr` (it returns `nan` when the ceiling
# is not above the supervisor).
#
# <details><summary>Hint 1: a nudge</summary>
#
# An accuracy is the mean of a boolean array: predicted class (the column with the larger probability,
# `argmax` over axis 1) equal to the label. Do not round anything you return.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Compute the three accuracies the same way (a small dict comprehension over the three names and
# probability arrays reads well), convert each to a Python float, and add `"pgr"` from the package's
# `pgr(weak, student, ceiling)`, which already returns `nan` when the gap is not positive.
# The worked answer is in [the solution notebook](../solutions/03_small_teacher_large_student.ipynb).
#
# </details>

# %%
from w2s_edu.experiment.metrics import pgr


def w2s_summary(labels, weak_probs, student_probs, ceiling_probs):
    """{"weak_acc", "w2s_acc", "ceiling_acc", "pgr"} from test labels and three models' probabilities."""
    ### BEGIN SOLUTION
    acc = {name: float((np.asarray(p).argmax(axis=1) == np.asarray(labels)).mean())
           for name, p in (("weak_acc", weak_probs), ("w2s_acc", student_probs), ("ceiling_acc", ceiling_probs))}
    return acc | {"pgr": pgr(acc["weak_acc"], acc["w2s_acc"], acc["ceiling_acc"])}
    ### END SOLUTION

# %%
checks.check_w2s_summary(w2s_summary)

# %% [markdown]
# ## 4. Your experiment, on real transformers
#
# `run_by_hand` plugs your pieces together: it loads the task (true/false statements such as "A
# rutabaga is a kind of food."), makes the three splits, tokenizes, and then
#
# 1. freezes the small backbone and trains your `PooledClassifier`'s head on `train_weak` with your
#    `train_on_soft_labels` (the weak supervisor; its targets are one-hot ground truth);
# 2. labels `train_strong` with your `weak_labels`;
# 3. finetunes the large model on ground truth (the ceiling) and on the weak labels (the student),
#    both from the same pretrained weights, with your `train_on_soft_labels`.
#
# Your loop evaluates each model on the first 256 test statements after every epoch. The pooling is
# picked by the kind of backbone: mean for encoders, last token for causal LMs. With the offline
# ladder this takes about 2 minutes on a 2-core CPU.
#
# **Predict before you run.** The supervisor is a frozen two-layer MiniLM with a trained head; the
# student is the six-layer MiniLM, finetuned on its soft labels. Where will the student land: at the
# supervisor's accuracy, at the ceiling's, or in between? Will its PGR be closer to 0 or to 1? Write
# your guess down.

# %%
pool = last_token_pool if pooling_kind(STRONG) == "last_token" else mean_pool
mine = run_by_hand(pool, PooledClassifier, train_step, weak_labels,
                   HandmadeConfig(weak=WEAK, strong=STRONG, **SIZES), train_loop=train_on_soft_labels)
summary = w2s_summary(mine["labels"], mine["weak"], mine["student"], mine["ceiling"])
print(f"{'weak supervisor':<22}{summary['weak_acc']:.3f}\n{'student on weak labels':<22}{summary['w2s_acc']:.3f}\n"
      f"{'strong ceiling':<22}{summary['ceiling_acc']:.3f}\nPGR {summary['pgr']:.2f}   "
      f"({mine['seconds']:.0f} s, one seed, {len(mine['labels'])} test statements)")
for role, curve in mine["eval_curves"].items():
    print(f"{role:<8} accuracy after each epoch (first 256 test statements): {np.round(curve, 3).tolist()}")

# %% [markdown]
# One seed is one draw. Before reading anything into the PGR, look at its spread: the package's
# pipeline runs the same recipe (with its reference pieces, a faster training path and a tuned probe)
# over three seeds. It caches every trained model, so if you ran lesson 00 on this machine the
# default run below is read from disk in seconds.

# %%
cfg = W2SConfig.from_preset("smoke" if SMOKE else "default", weak=WEAK, strong=STRONG)
reference = run_w2s(cfg)
print(reference.table())
_ = plot_result(reference)

# %% [markdown]
# Compare the two, and do not expect them to match. The recipes differ in ways that matter:
#
# * your probe trains its head for 10 epochs; the pipeline's probe trains 60 epochs on cached
#   features with a larger learning rate. A less trained probe is a *weaker* supervisor, and its soft
#   labels sit closer to 0.5;
# * your student finetunes every weight, embeddings included; the pipeline's freezes the embeddings
#   and trains the six blocks above them;
# * one seed against three.
#
# <details><summary>Answer: what happens, and why</summary>
#
# The student lands between its supervisor and the ceiling, and usually much closer to the
# supervisor: PGR is small, and on one seed it can even come out at or below 0 (the pipeline's three
# seeds above show how much a single seed moves). Read your own numbers and the pipeline's table; the
# pattern is the same in both, though the sizes differ.
#
# Why near the supervisor: the student is trained to *reproduce* the soft labels. Cross-entropy
# against a target is lowest when the prediction equals the target, so a student that fits its
# labels well inherits its supervisor's mistakes, and its confidence too. What it gets right *against*
# its labels comes from what pretraining already gave it: features in which the true rule is simpler
# than the supervisor's errors, so that a model fitted with few steps finds the rule before it can
# memorise the exceptions. A six-layer MiniLM knows little more about these statements than a
# two-layer one, so there is little to elicit; the paper's large gains came from students whose
# pretraining already covered the task.
#
# Why the two recipes differ: PGR depends on the details, not only on the two models: how confident
# the labels are (a less trained probe gives softer labels, and the student fits them softly) and what
# the student may change (finetuning every weight, embeddings included, lets it imitate more freely).
# Section 5 looks at *how* the student got where it is.
#
# </details>

# %% [markdown]
# ## 5. Does the student copy its supervisor's mistakes?
#
# PGR says how far the student got, not *how*. Split the test examples by whether the supervisor was
# right, and ask how often the student agrees with it in each group:
#
# * where the supervisor is **right**, agreeing is good: the student is right too;
# * where it is **wrong**, agreeing means copying the mistake. A student that only imitated would
#   agree ~100% of the time there too; a student that generalizes agrees less.

# %%
mine_agree = agreement_by_supervisor(mine["student"].argmax(1), mine["weak"].argmax(1), mine["labels"])
rows = {"your run (1 seed)": mine_agree} | {f"pipeline seed {s['seed']}": s["agreement"]["xent"]
                                             for s in reference.per_seed}
for name, a in rows.items():
    right, wrong = a["supervisor_right"], a["supervisor_wrong"]
    print(f"{name:<20} agrees where the supervisor is right: {right['agreement']:.2f} (n={right['n']})   "
          f"where it is wrong: {wrong['agreement']:.2f} (n={wrong['n']})")

fig, ax = plt.subplots(figsize=(6, 3.5))
names = list(rows)
x = np.arange(len(names))
ax.bar(x - 0.2, [rows[n]["supervisor_right"]["agreement"] for n in names], 0.4, label="supervisor right")
ax.bar(x + 0.2, [rows[n]["supervisor_wrong"]["agreement"] for n in names], 0.4, label="supervisor wrong")
ax.set_xticks(x, names, rotation=15)
ax.set_ylabel("student agrees with supervisor")
ax.set_ylim(0, 1)
ax.legend()
fig.tight_layout()

# %% [markdown]
# Read the two bars of each run. If the student copied everything, both bars would be near 1. Every
# point by which the "supervisor wrong" bar falls below 1 is an example the student got *right*
# although it was taught the wrong answer: that is where PGR comes from. It is also why the
# confidence loss of lesson 04 exists: it lets the student disagree more where it is confident.
#
# **Your turn.** Open the experiment panel below and try: a weaker supervisor (`minilm-l1`), a
# stronger one (`minilm-l4`), a smaller student, the `probe` mode for the student (a frozen student
# mostly copies its teacher: lesson 02 showed why). Each run prints a row in the table; a setting you
# already ran comes back instantly.

# %%
from w2s_edu import experiment_panel

panel = experiment_panel(preset="smoke" if SMOKE else "quick", weak=WEAK, strong=STRONG)
panel

# %% [markdown]
# ## Recap
#
# * Pooling turns `(B, L, H)` into `(B, H)`: the mean over real tokens for encoders, the last real token
#   for causal LMs, found from the attention mask so that left and right padding agree.
# * The weak supervisor is a frozen small backbone with a trained head; the student and the ceiling
#   finetune the large model from the same pretrained weights.
# * The student learns from soft labels with cross-entropy against probabilities.
# * A training loop is a handful of decisions: the optimizer, a warmup-then-decay learning rate stepped
#   per batch, a fresh shuffle per epoch, zeroed gradients, and evaluation in eval mode on data it did not
#   train on.
# * Agreement split by the supervisor's correctness shows how much of the supervisor's error the
#   student copied: PGR is the part it did not.
#
# ## Further reading
#
# * Burns et al. (2023), [Weak-to-Strong Generalization: Eliciting Strong Capabilities With Weak
#   Supervision](https://arxiv.org/abs/2312.09390): sections 3 and 4 (the setup and the NLP results).
# * The Hugging Face course, [Fine-tuning a pretrained model](https://huggingface.co/learn/nlp-course/chapter3/1),
#   on padding, attention masks and classification heads.
# * Reimers and Gurevych (2019), [Sentence-BERT](https://arxiv.org/abs/1908.10084): mean pooling of an
#   encoder's hidden states, the pooling MiniLM's sentence embeddings use.
#
# Next, lesson 04: a loss that lets the student disagree with its teacher.
