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
# # Lesson 08: Scaling up on a GPU
#
# Every experiment so far ran on a laptop CPU with MiniLM, a 22-million-parameter model that ships
# with the package. Burns et al. ran the same experiment with GPT-2 supervising models up to GPT-4.
# This lesson is about the distance between the two: how to run the package's pipeline on Hugging
# Face model ladders (GPT-2, Pythia, Qwen2.5) and the paper's datasets, and how to make a model fit on
# the GPU you have.
#
# The central question of scaling up is **memory**, so most of the lesson is arithmetic you can do on
# paper: how many bytes a training run needs, and what each trick (mixed precision, LoRA adapters,
# gradient checkpointing, several GPUs) buys. The code runs on a CPU with the offline ladder; the cells
# that need a GPU say so and skip themselves when there is none.
#
# **Learning objectives.** By the end you can
#
# 1. run the weak-to-strong pipeline on named model ladders and the paper's datasets, from the
#    command line and from Python;
# 2. compute the memory of a training run: weights, gradients, optimizer state, the copies mixed
#    precision makes, and activations;
# 3. choose between a linear probe, a LoRA student and a full finetune for a given GPU, and use
#    gradient checkpointing and micro-batches to fit;
# 4. build a LoRA student and say exactly which weights train;
# 5. train on several GPUs with `accelerate` (DDP, FSDP), reproduce the shape of the paper's
#    plots, and estimate what a run costs.
#
# **Estimated time:** 60 to 90 minutes of reading and exercises. The CPU experiments take about 4
# minutes on a 2-core CPU (most of it the two runs of section 4); the GPU cells skip themselves
# without a GPU.
#
# **Prerequisites:** Lesson 00 (the pipeline and PGR) and Lesson 02 (the three splits and soft
# labels); PyTorch basics (an `nn.Module`, its parameters and `requires_grad`). A GPU is *not* needed.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/w2s-edu/w2s-edu/blob/main/lessons/08_scaling_up.ipynb)

# %%
import sys

if "google.colab" in sys.modules:
    from IPython import get_ipython

    get_ipython().run_line_magic("pip", 'install -q "w2s-edu[gpu] @ git+https://github.com/w2s-edu/w2s-edu"')

# %% tags=["parameters"]
import os

SMOKE = os.environ.get("W2S_SMOKE") == "1"  # tiny sizes, so CI can run the whole notebook in seconds

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from w2s_edu import models
from w2s_edu.models import params
from w2s_edu.scale import memory
from w2s_edu import W2SConfig, run_w2s

GPU = torch.cuda.is_available()
PRESET = "smoke" if SMOKE else "quick"  # the CPU runs: seconds in SMOKE mode, a few minutes each otherwise
print("GPU:", torch.cuda.get_device_name(0) if GPU else "none (the GPU cells will skip themselves)")

# %% [markdown]
# ## 1. Named ladders
#
# A weak-to-strong experiment needs models of one family in several sizes: same tokenizer, same
# pretraining data, only the size differs. The package knows five such *ladders* by short name (the two shipped ones, MiniLM and chess, and three on the hub):

# %%
print(models.describe())

# %% [markdown]
# * `gpt2` ... `gpt2-xl` (124M to 1.6B parameters): the weak supervisors of Burns et al.;
# * `pythia-14m` ... `pythia-12b`: ten sizes trained on the same data in the same order, the usual
#   ladder of public reproductions;
# * `qwen2.5-0.5b` ... `qwen2.5-32b`: recent base models;
# * `minilm-l1` ... `minilm-l6`: the offline ladder of the earlier lessons.
#
# The parameter counts are those of the backbone the package trains (no language-model head),
# computed from each model's architecture; the tests check them against the published counts. The
# learning rates are *starting points*, with their source: the finetuning rates come from the table of
# the paper's code release (openai/weak-to-strong), tuned loosely at batch size 32; rungs missing from
# that table follow its pattern (5e-5 below 500M parameters, 1e-5 above); LoRA gets ten times the
# finetuning rate, after Schulman et al. (2025). Nothing here was tuned by this course: when you move
# to a new model or task, sweep the learning rate on a validation split (Lesson 05).
#
# Any of these names works wherever a model name does. The paper's NLP datasets come through the
# `paper:` prefix (`paper:sciq`, `paper:boolq`, ...: `w2s-edu tasks` lists them; they download from the
# Hugging Face hub the first time). On a machine with a GPU and internet access:
#
# ```bash
# w2s-edu run --task paper:sciq --weak gpt2 --strong qwen2.5-0.5b \
#     --set train_layers=none --set lr=5e-5 --set precision=auto --set max_length=256
# w2s-edu run --task paper:sciq --weak qwen2.5-0.5b --strong qwen2.5-7b \
#     --set lora_r=8 --set lr=1e-4 --set precision=auto --set gradient_checkpointing=true
# ```
#
# Two settings matter when you leave the offline ladder. `train_layers` defaults to 6 (the top six
# blocks train, the embeddings stay frozen): right for MiniLM, which has six, but only a part of
# Qwen2.5-7B's 28; `none` trains everything, as the paper did. And `max_length` defaults to 32 tokens,
# enough for our one-sentence statements but not for a SciQ question with its support paragraph.
# In Python, a rung gives you its settings:

# %%
rung = models.get_rung("qwen2.5-7b")
print(rung.hub_id, f"{rung.params:,} parameters")
print("finetune:", rung.recommended("finetune"))
print("as W2SConfig fields:", rung.config_overrides("lora"))

# %% [markdown]
# The next cell is the real thing: GPT-2 supervising Qwen2.5-0.5B on SciQ. It needs a GPU and the
# hub, so it skips itself here; on a GPU it takes a while (two finetunes of a 0.5B model per seed).

# %%
from w2s_edu.cli.doctor import hub_reachable

if GPU and hub_reachable():
    sciq = W2SConfig(task="paper:sciq", weak="gpt2", strong="qwen2.5-0.5b", seeds=[0], train_layers=None,
                     lr=5e-5, precision="auto", max_length=256, n_train_weak=2000, n_train_strong=2000, n_test=1000)
    print(run_w2s(sciq).table())
else:
    print("Skipped: this cell needs a GPU and the Hugging Face hub (GPU:", GPU, ")")

# %% [markdown]
# ## 2. Where the memory goes
#
# Training keeps five kinds of things in GPU memory. Counted per parameter:
#
# | what | bytes | why |
# |---|---|---|
# | weights | 4 (fp32), or 2 if frozen and loaded in bf16 | the model itself |
# | gradients | 4 per *trainable* weight | one number per weight that learns |
# | optimizer state | 8 per *trainable* weight | AdamW keeps two running averages (fp32) per weight |
# | autocast copies | 2 per *trainable* weight, under mixed precision | the bf16 copy the matrix multiplications use |
# | activations | depends on batch x sequence length | what the forward pass keeps for the backward pass |
#
# **Mixed precision.** A GPU multiplies bf16 (16-bit) matrices several times faster than fp32 ones.
# `precision="bf16"` (or `"auto"`) runs the forward and backward passes under `torch.autocast`: each
# matrix multiplication uses bf16 copies, while the weights the optimizer updates stay fp32 (the
# *master weights*: a small update added to a bf16 number is often rounded away). So mixed precision
# does not shrink the trainable weights; it shrinks activations, and it lets *frozen* weights live in
# bf16, which the package does for probes and LoRA students on a GPU. (`fp16` works the same way with
# a gradient scaler, for GPUs without bf16.)

# %% [markdown]
# ### Exercise 1: `training_bytes`
#
# Difficulty: 🔴⚪⚪⚪⚪  Importance: 🔵🔵🔵🔵🔵
#
# You should spend up to ~10 minutes on this exercise.
#
# Write `training_bytes(n_params, n_trainable, frozen_bytes=4, mixed_precision=False)`: the bytes of
# everything in the table except activations, for a model of `n_params` parameters of which
# `n_trainable` train:
#
# * each frozen parameter costs `frozen_bytes` (4 in fp32, 2 when loaded in bf16);
# * each trainable parameter costs 4 (its fp32 weight) + 4 (gradient) + 8 (AdamW), plus 2 more
#   (its autocast copy) when `mixed_precision` is true.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Split the parameters into two groups, the frozen ones and the trainable ones, and give each group
# its price per parameter from the table; the total is the sum of the two groups' bills.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# The frozen count is the total minus the trainable count, and each frozen parameter costs
# `frozen_bytes`. A trainable parameter costs 4 + 4 + 8 = 16 bytes, and 2 more when
# `mixed_precision` is true (a bool: use it in an `if` or a conditional expression). Multiply each
# count by its price and add. Sanity check: a full finetune of 7 billion parameters in bf16 comes out
# at 126 GB (126e9 bytes).
# The worked answer is in [the solution notebook](../solutions/08_scaling_up.ipynb).
#
# </details>

# %%
def training_bytes(n_params, n_trainable, frozen_bytes=4, mixed_precision=False):
    """Bytes of weights, gradients, AdamW state and autocast copies (everything but activations)."""
    ### BEGIN SOLUTION
    frozen = n_params - n_trainable
    per_trainable = 4 + 4 + 8 + (2 if mixed_precision else 0)
    return frozen * frozen_bytes + n_trainable * per_trainable
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson08 import check_training_bytes

check_training_bytes(training_bytes)

# %% [markdown]
# So a full finetune of Qwen2.5-7B needs its 7.07 billion parameters times 18 bytes, before a single
# activation: more than one 80 GB GPU holds. `w2s_edu.scale.memory.estimate_memory` does the same sum for
# any ladder name, transformers config or built model, adds the activations, and prints the parts.
#
# **Predict before you run.** Qwen2.5-7B in bf16, micro-batches of 8 sequences of 512 tokens, on an
# 80 GB GPU: which of the three ways to train it (full finetune, LoRA, linear probe) will fit? For
# LoRA, which part will be the largest: the frozen weights, the adapters' training state, or the
# activations?

# %%
for how in ("finetune", "lora", "probe"):
    est = memory.estimate_memory("qwen2.5-7b", how, precision="bf16", micro_batch_size=8, seq_len=512)
    print(est.table(), f"\n  fits on an 80 GB GPU: {est.fits(80)}\n")

# %% [markdown]
# **Activations** grow with the micro-batch (sequences per forward pass) times the sequence length.
# Per layer that gradients flow through, each token keeps a few thousand numbers (the module docstring
# of `w2s_edu.scale.memory` gives the count, after Korthikanti et al. 2022). Two ways to shrink them:
#
# * **micro-batches**: split each batch of 32 into micro-batches of 8 and add up their gradients
#   before the step (`micro_batch_size=8`): the same update, a quarter of the activations. The
#   package keeps the confidence loss exact under micro-batching: its threshold is computed over the
#   whole batch first.
# * **gradient checkpointing** (`gradient_checkpointing=True`): keep only each layer's input and
#   recompute the rest during the backward pass, one layer at a time. Activations drop to about one
#   layer's worth, for roughly one more forward pass of compute.
#
# The plot shows the estimate for Qwen2.5-7B as a LoRA student, against the micro-batch size:

# %%
sizes = [1, 2, 4, 8, 16, 32]
fig, ax = plt.subplots(figsize=(6, 3.5))
for ckpt in (False, True):
    totals = [memory.estimate_memory("qwen2.5-7b", "lora", precision="bf16", micro_batch_size=m, seq_len=512,
                                     gradient_checkpointing=ckpt).gib() for m in sizes]
    ax.plot(sizes, totals, marker="o", label="gradient checkpointing" if ckpt else "store all activations")
for gpu in (24, 40, 80):
    ax.axhline(0.9 * gpu, color="grey", linestyle=":", linewidth=1)
    ax.text(1, 0.9 * gpu + 1, f"{gpu} GB GPU (90%)", fontsize=8, color="grey")
ax.set(xscale="log", xticks=sizes, xticklabels=sizes, xlabel="micro-batch (sequences of 512 tokens)",
       ylabel="estimated GiB", title="Qwen2.5-7B, LoRA r=8, bf16")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# Only the full finetune fails to fit (the first table says `False`; LoRA and the probe say `True`).
# The full finetune pays 18 bytes for each of about 7 billion weights before any activation, more
# than 80 GB on its own. LoRA keeps the same weights frozen in bf16, at 2 bytes each, and pays the
# 18 bytes only for a few million adapter weights, so its training state is tiny; its other large
# part is the activations, which are as big as a full finetune's, because the gradient still flows
# back through every layer to reach the adapters: at this micro-batch they outweigh even the frozen
# weights (compare the two lines of the LoRA table). The probe needs little more than the bf16 weights and
# one forward pass. The plot shows how the activations, unlike the weights, scale with the
# micro-batch, and what checkpointing does to them.
#
# </details>
#
# These are estimates, good to about a third: the allocator's fragmentation, temporary buffers and the
# CUDA context come on top (hence `fits` keeps 10% free). `benchmarks/gpu_benchmark.py` prints each
# estimate next to the peak memory it measures on your GPU.

# %% [markdown]
# ## 3. Probe, LoRA or full finetune?
#
# The three ways to train a student differ in what they cost and in what they test:
#
# * **Full finetune** (`mode="finetune"`, `train_layers=None`): what the paper did. 18 bytes per
#   parameter plus activations. Gives the student the most freedom, including freedom to imitate its
#   supervisor's mistakes.
# * **LoRA** (`lora_r=8`): freeze the model and train small low-rank matrices added to chosen layers
#   (Hu et al. 2021). Frozen weights in bf16 (2 bytes each), a few million trainable weights, and the
#   same activations as a full finetune (the gradient still flows through every layer).
# * **Linear probe** (`mode="probe"`): freeze everything and train a linear head on features computed
#   once. Needs only the weights and one forward pass per text. But it is a different experiment: in
#   our README's table (row H) probe students trained on weak labels land *below* their supervisor
#   (PGR -0.12): a linear head on frozen features learns the supervisor's rule, mistakes included.

# %% [markdown]
# ### Exercise 2: `pick_config`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵🔵⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# Write `pick_config(model, gpu_gb, seq_len=512, batch_size=32)` that chooses how to train `model`
# (a ladder name) on a GPU of `gpu_gb` GB in bf16. The rule:
#
# 1. try the modes in the order `"finetune"`, `"lora"`, `"probe"` (the most faithful first);
# 2. within a mode, try without gradient checkpointing first, then with it (a probe never needs it);
# 3. for a candidate, take the **largest** micro-batch that fits: a power of two that divides
#    `batch_size` (1, 2, 4, ... up to `batch_size`); a candidate fits when
#    `memory.estimate_memory(model, mode, precision="bf16", micro_batch_size=m, seq_len=seq_len,
#    gradient_checkpointing=ckpt).fits(gpu_gb)`;
# 4. return the first candidate with a micro-batch that fits as
#    `{"mode": ..., "gradient_checkpointing": ..., "micro_batch_size": ...}`, or `None` if nothing fits.
#
# <details><summary>Hint 1: a nudge</summary>
#
# Three loops, nested: modes outside, then checkpointing, then the micro-batch, tried from the
# largest down, so that the first candidate that fits is the one to return. The package's
# `memory.largest_micro_batch` does the innermost walk for you, if you prefer.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# The checkpointing choices are `(False, True)` for finetune and LoRA and only `False` for a probe.
# For the micro-batch, first find the largest power of two that divides `batch_size` (start at 1 and
# keep doubling while the doubled value still divides it: 32 for 32, 8 for 24), then halve it until
# the estimate fits or you pass 1. Build each estimate with `memory.estimate_memory(...)` and the
# arguments the exercise lists (always `precision="bf16"`), and ask it whether it `fits` the GPU.
# Return the dict at the first fit; after all the loops, return `None`.
# The worked answer is in [the solution notebook](../solutions/08_scaling_up.ipynb).
#
# </details>

# %%
def pick_config(model, gpu_gb, seq_len=512, batch_size=32):
    """The first of finetune, lora, probe that fits `gpu_gb` in bf16, with the largest micro-batch."""
    ### BEGIN SOLUTION
    for mode in ("finetune", "lora", "probe"):
        for ckpt in (False,) if mode == "probe" else (False, True):
            micro = 1
            while micro * 2 <= batch_size and batch_size % (micro * 2) == 0:
                micro *= 2
            while micro >= 1:
                est = memory.estimate_memory(model, mode, precision="bf16", micro_batch_size=micro, seq_len=seq_len,
                                             gradient_checkpointing=ckpt)
                if est.fits(gpu_gb):
                    return {"mode": mode, "gradient_checkpointing": ckpt, "micro_batch_size": micro}
                micro //= 2
    return None
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson08 import check_pick_config

check_pick_config(pick_config)

# %% [markdown]
# Here is what the rule says for every ladder, on four common GPU sizes:

# %%
from w2s_edu.checks.lesson08 import reference_pick_config

names = ["gpt2", "gpt2-xl", "pythia-1b", "pythia-2.8b", "pythia-6.9b", "pythia-12b", "qwen2.5-0.5b",
         "qwen2.5-1.5b", "qwen2.5-3b", "qwen2.5-7b", "qwen2.5-14b", "qwen2.5-32b"]
gpus = (16, 24, 40, 80)
print(f"{'model':<14}" + "".join(f"{str(g) + ' GB':>22}" for g in gpus))
for name in names:
    cells = []
    for g in gpus:
        c = reference_pick_config(name, g)
        cells.append("-" if c is None else f"{c['mode']}{'+ckpt' if c['gradient_checkpointing'] else ''} "
                                           f"x{c['micro_batch_size']}")
    print(f"{name:<14}" + "".join(f"{c:>22}" for c in cells))

# %% [markdown]
# Read the table as a map, not a verdict. On an 80 GB GPU a full finetune is possible up to about
# 3 billion parameters; from Pythia-6.9B and Qwen2.5-7B on, one GPU holds a LoRA student but not a full
# finetune, and Qwen2.5-32B barely fits as LoRA with one sequence per pass. To finetune those fully,
# shard the model over several GPUs (section 6).

# %% [markdown]
# ## 4. A LoRA student
#
# LoRA replaces a weight update $\Delta W$ (out x in) by a product $B A$ of two thin matrices, $B$
# (out x r) and $A$ (r x in), with a small rank r. Only $A$ and $B$ train: $r \times (\text{in} +
# \text{out})$ numbers per layer instead of $\text{in} \times \text{out}$. $B$ starts at zero, so the
# student starts exactly as the pretrained model. The `peft` library does the wrapping; which layers
# get adapters is a choice per architecture, kept in `w2s_edu.models.backbones.LORA_TARGETS` (the lists of the
# public reproductions):

# %%
from w2s_edu.models.params import LORA_TARGETS
from w2s_edu.models.classifiers import TransformerClassifier
from w2s_edu.models.backbones import trainable_parameters

for arch, targets in LORA_TARGETS.items():
    print(f"{arch:<9} {', '.join(targets)}")

# %% [markdown]
# ### Exercise 3: `make_lora_student`
#
# Difficulty: 🔴🔴⚪⚪⚪  Importance: 🔵🔵🔵⚪⚪
#
# You should spend up to ~15 minutes on this exercise.
#
# Write `make_lora_student(backbone, r)` that returns a classifier whose backbone carries LoRA adapters
# of rank `r`:
#
# 1. build `peft.LoraConfig(r=r, lora_alpha=2 * r, target_modules=...)` with the targets of
#    `LORA_TARGETS[backbone.config.model_type]` (pass `fan_in_fan_out=True` for GPT-2, whose linear
#    layers store their weights transposed);
# 2. wrap the backbone with `peft.get_peft_model(backbone, config)`: this freezes every original
#    weight and adds the adapters;
# 3. put the package's two-class head on top: `TransformerClassifier(wrapped_backbone)`.
#
# Only the adapters and the head may train.
#
# <details><summary>Hint 1: a nudge</summary>
#
# The order matters. `get_peft_model` freezes *everything* it wraps: wrap the whole classifier and
# the new head freezes too (a random head that cannot learn). Wrap the backbone, then build the
# classifier around it.
#
# </details>
#
# <details><summary>Hint 2: closer</summary>
#
# Import `LoraConfig` and `get_peft_model` from `peft`. Read the architecture's name from the
# backbone's config (its `model_type` attribute) and look up its target modules in `LORA_TARGETS` (pass
# them as a list). Build the config with the rank, `lora_alpha` of twice the rank, those targets, and
# `fan_in_fan_out` true only when the architecture is `"gpt2"`. Wrap the backbone, then return a
# `TransformerClassifier` built on the wrapped backbone. `w2s_edu.models.backbones.apply_lora` is the
# package's version, if you want to compare (it defaults to `lora_alpha=16`, so call it with
# `alpha=2 * r` to match this exercise).
# The worked answer is in [the solution notebook](../solutions/08_scaling_up.ipynb).
#
# </details>

# %%
def make_lora_student(backbone, r):
    """A TransformerClassifier whose backbone is wrapped with LoRA adapters of rank `r`."""
    ### BEGIN SOLUTION
    from peft import LoraConfig, get_peft_model

    model_type = backbone.config.model_type
    config = LoraConfig(r=r, lora_alpha=2 * r, target_modules=list(LORA_TARGETS[model_type]),
                        fan_in_fan_out=model_type == "gpt2")
    return TransformerClassifier(get_peft_model(backbone, config))
    ### END SOLUTION


# %%
from w2s_edu.checks.lesson08 import check_make_lora_student

check_make_lora_student(make_lora_student)

# %% [markdown]
# On MiniLM-L6, the student of the earlier lessons:

# %%
from w2s_edu.models.backbones import fresh_backbone

student = make_lora_student(fresh_backbone("minilm-l6")[0], r=8)
n_train, n_total = trainable_parameters(student)
print(f"LoRA r=8 on MiniLM-L6: {n_train:,} of {n_total:,} parameters train ({n_train / n_total:.1%})")
print(f"the memory module's count: {memory.estimate_memory('minilm-l6', 'lora', lora_r=8).trainable:,}")

# %% [markdown]
# In the pipeline, `lora_r` does all of this (the package's `apply_lora` uses `lora_alpha=16` and
# dropout 0.05 by default; both are settings). Let us compare a LoRA student with the default full
# finetune on the offline ladder, at the `quick` preset's sizes (one seed, 1,000 examples per split). The
# LoRA learning rate is the ladder's recommendation for MiniLM-L6 (ten times 5e-5).
#
# **Predict before you run.** (1) Will the LoRA ceiling (MiniLM-L6 with adapters, trained on ground
# truth) reach the ceiling of the finetune that trains the top six blocks? (2) Which row will have
# the larger gap between supervisor and ceiling, and what does that do to how far you can trust its
# PGR? (3) Does LoRA buy anything for a 22-million-parameter model on a CPU?

# %%
runs = {}
FINETUNE = {"train_layers": 6, "lr": 5e-5}  # the default's finetune (quick trains only the top 2 blocks)
for name, extra in (("finetune (top 6 blocks)", FINETUNE), ("LoRA r=8", {"lora_r": 8, "lr": 5e-4})):
    start = time.time()
    result = run_w2s(W2SConfig.from_preset(PRESET, show_progress=False, **extra))
    runs[name] = result
    print(f"{name:<24} weak {np.mean(result.weak_acc):.3f}  w2s {np.mean(result.w2s_acc['xent']):.3f}  "
          f"ceiling {np.mean(result.ceiling_acc):.3f}  PGR {result.pgr['xent']['mean']:.2f}  "
          f"({time.time() - start:.0f} s)")

# %% [markdown]
# <details><summary>Answer: what happens, and why</summary>
#
# (Read this against your own two rows; the `quick` preset is one seed, so it is a first look, and
# SMOKE numbers mean nothing.) The supervisor is the same in both rows: the weak probe is cached and
# shared. In a full run the LoRA ceiling stays well below the finetune's ceiling, only a little above
# the supervisor. With the same number of steps at the recommended rate, rank-8 adapters move the
# model less than six fully trained blocks do, so the student trained on ground truth learns less.
# That leaves LoRA's row with a gap of only a few points, and a PGR that divides by a gap that small
# swings wildly (it can land far below 0 or above 1) without meaning much: compare the accuracies,
# not the PGRs. And LoRA buys nothing here: its point is memory, and MiniLM never needed the memory.
# (The two runs' times are not comparable either: the finetune run also encoded the features and
# trained the weak probe that both runs share, and it reads its frozen embeddings from a cache, while
# the LoRA run embeds every batch again.)
#
# LoRA earns its place on a 7B model that does not fit otherwise; measure its ceiling against a full
# finetune on a smaller rung before you trust it there.
#
# </details>

# %% [markdown]
# ## 5. Precision on a CPU and on a GPU
#
# bf16 autocast also runs on a CPU, which is how this notebook can test that code path. The
# probabilities barely change:

# %%
from w2s_edu.models.features import frozen_inputs
from w2s_edu.models.registry import resolve_model
from w2s_edu.tasks.registry import get_task
from w2s_edu.train.loop import predict_proba

texts = list(get_task("categories")["text"][: 64 if SMOKE else 512])
clf = TransformerClassifier(fresh_backbone("minilm-l6")[0]).eval()
tokens = frozen_inputs(resolve_model("minilm-l6"), texts, kind="tokens", max_length=32)
predict_proba(clf, tokens.subset(range(8)), device="cpu", precision="bf16")  # warm up both paths once
predict_proba(clf, tokens.subset(range(8)), device="cpu")
timings = {}
for precision in ("fp32", "bf16"):
    start = time.time()
    probs = predict_proba(clf, tokens, device="cpu", precision=precision)
    timings[precision] = (time.time() - start, probs)
diff = np.abs(timings["fp32"][1] - timings["bf16"][1]).max()
print(f"largest difference in a probability: {diff:.4f}")
print(", ".join(f"{p}: {t:.2f} s" for p, (t, _) in timings.items()), f"for {len(texts)} texts on this CPU")

# %% [markdown]
# Whether bf16 is also *faster* on a CPU depends on the CPU: it needs bf16 matrix instructions, which
# many laptops lack (then bf16 is slower than fp32): your timings above say which kind of CPU you
# have. The package's `"auto"` picks fp32 on every CPU, exact and never slow, and bf16 on a GPU that supports it (fp16 with a
# gradient scaler on older GPUs); ask for `precision="bf16"` to use it on a CPU. On a GPU, the
# benchmark measures what mixed precision buys; this cell runs it for Qwen2.5-0.5B with random weights
# (no download) when there is a GPU:

# %%
from pathlib import Path

BENCHMARK = Path("../benchmarks/gpu_benchmark.py" if Path("../benchmarks").is_dir() else "benchmarks/gpu_benchmark.py")
if GPU and BENCHMARK.exists():
    import subprocess

    subprocess.run([sys.executable, str(BENCHMARK), "--model", "qwen2.5-0.5b", "--steps", "5",
                    "--json", "gpu_benchmark.json"], check=False)
else:
    print("Skipped: this cell needs a GPU and a clone of the repository (benchmarks/gpu_benchmark.py). "
          "On a GPU machine: python benchmarks/gpu_benchmark.py --model qwen2.5-0.5b")

# %% [markdown]
# ## 6. Several GPUs
#
# Two ways to use several GPUs, both through Hugging Face `accelerate`:
#
# * **DDP** (data parallel): every GPU holds the whole model and takes an equal share of each batch;
#   their gradients are averaged before the step. Faster, not bigger: each GPU must still fit the model.
# * **FSDP** (fully sharded): each GPU holds 1/n of the weights, gradients and optimizer state and
#   gathers one block's weights at a time. A full finetune needs about 18 bytes per parameter divided by
#   the number of GPUs, plus activations: Qwen2.5-32B's 536 GiB of weights, gradients and AdamW state
#   become 67 GiB per GPU on eight GPUs.
#
# The entry point takes the same options as `w2s-edu run`:
#
# ```bash
# accelerate launch --multi_gpu --num_processes 8 -m w2s_edu.cli.distributed run \
#     --weak qwen2.5-0.5b --strong qwen2.5-7b --task paper:sciq --set train_layers=none --set precision=bf16
# python -m w2s_edu.cli.distributed fsdp-config --num-processes 8 --out fsdp.yaml
# accelerate launch --config_file fsdp.yaml -m w2s_edu.cli.distributed run --strong qwen2.5-32b ...
# ```
#
# Each process takes a contiguous share of every batch, and the confidence loss builds its targets
# from the logits of the whole batch, gathered from all processes; so the updates are those of one
# process up to rounding (the tests check it with two CPU processes). Dropout draws differ, since each
# process draws masks for its own share. Here is the FSDP config file:

# %%
from w2s_edu.train.distributed import fsdp_config

print(fsdp_config(num_processes=8))

# %% [markdown]
# ## 7. The shape of the paper's plots
#
# Burns et al. plot, for each task, the student's test accuracy against the strong model's size
# (pretraining compute), one line per weak supervisor, with the ceiling above (their Figure 3), and
# PGR for every weak x strong pair. Their NLP result: PGR is positive almost everywhere and tends to
# grow with the size of the student, so larger students recover more of the gap; the confidence loss
# helps most when the gap between supervisor and student is large.
#
# The package draws both plots from a sweep (`w2s-edu sweep` writes `pgr_heatmap.png` and
# `accuracy_vs_size.png`). On GPUs, a Pythia sweep on SciQ is the closest small-scale version of the
# paper's figure:
#
# ```bash
# w2s-edu sweep --task paper:sciq --weak pythia-70m,pythia-160m,pythia-410m \
#     --strong pythia-410m,pythia-1b,pythia-2.8b --set train_layers=none --set lr=1e-5 \
#     --set precision=auto --set max_length=256 --loss xent,logconf --seeds 3
# ```
#
# Here, the same code on the offline ladder with probes on both sides (seconds; probes copy their
# supervisor, so expect PGR near zero or below, as in the README's row H: the plot's *shape* is the
# point):

# %%
from w2s_edu import run_sweep
from w2s_edu.report.plots import plot_accuracy_vs_size, plot_pgr_heatmap

weak_models, strong_models = ["minilm-l1", "minilm-l2"], ["minilm-l3", "minilm-l4", "minilm-l6"]
sweep = run_sweep(W2SConfig.from_preset(PRESET, mode="probe", show_progress=False), weak_models, strong_models)
sizes = {name: models.get_rung(name).params for name in weak_models + strong_models}
plot_accuracy_vs_size(sweep, sizes, "xent")
plot_pgr_heatmap(sweep, "xent")
plt.show()

# %% [markdown]
# ## 8. What a run costs
#
# Training compute is about `6 N` floating-point operations per token for a full finetune (N
# parameters without embeddings; forward 2N, backward 4N), `4 N` for LoRA (no weight gradients for
# the frozen weights) and `2 N` for a forward pass. A GPU delivers a fraction of its peak: the *model
# FLOPs utilisation* (MFU), which `benchmarks/gpu_benchmark.py` measures on yours. GPU hours are then
# tokens x FLOPs per token / (MFU x peak FLOPS). We have not measured MFU on a GPU for this course, so
# the table shows a range; replace it with your benchmark's number.

# %%
def gpu_hours(model, mode, tokens, mfu, peak_tflops=989.0):
    """Hours of one GPU (peak 989 TFLOPS: an H100 SXM in bf16) for `tokens` training tokens."""
    n = params.param_count(models.get_rung(model).config(), include_embeddings=False)
    per_token = {"finetune": 6, "lora": 4, "probe": 2}[mode] * n
    return tokens * per_token / (mfu * peak_tflops * 1e12) / 3600


# SciQ-sized: 10,000 training examples of about 200 tokens, 2 epochs, for the ceiling and one student
tokens = 2 * 10_000 * 200 * 2
print(f"{'model':<14} {'mode':<9}" + "".join(f"  MFU {m:.0%}" for m in (0.1, 0.3, 0.5)))
for model, mode in (("qwen2.5-0.5b", "finetune"), ("qwen2.5-7b", "lora"), ("qwen2.5-7b", "finetune")):
    print(f"{model:<14} {mode:<9}" + "".join(f"  {gpu_hours(model, mode, tokens, m):6.2f} h" for m in (0.1, 0.3, 0.5)))

# %% [markdown]
# These are GPU hours per seed for two trainings; multiply by seeds, losses and the pairs of a sweep,
# and remember that the weak supervisors and evaluation add a little more. The lesson is that for
# these dataset sizes compute is cheap and memory is the constraint.

# %% [markdown]
# ## Recap
#
# * Named ladders (`gpt2`..., `pythia-...`, `qwen2.5-...`) work wherever a model name does; their
#   learning rates are starting points with a stated source, not tuned values.
# * Training memory = weights + gradients + AdamW state (+ autocast copies) + activations:
#   **16 bytes per trainable parameter in fp32, 18 under bf16 autocast**, 2 or 4 per frozen one.
# * **Mixed precision** speeds up the matrix multiplications and halves activations and frozen
#   weights; the trainable weights stay fp32.
# * **Micro-batches** and **gradient checkpointing** shrink activations without changing the update
#   (checkpointing costs extra compute).
# * **LoRA** trains a few million adapter weights on a frozen bf16 model: a 7B student fits one
#   80 GB GPU. A **probe** is cheapest but tends to copy its supervisor.
# * **FSDP** shards a full finetune over GPUs; `python -m w2s_edu.cli.distributed` gives the same updates
#   as one process.
#
# ## Further reading
#
# * Burns et al. (2023), [Weak-to-Strong Generalization](https://arxiv.org/abs/2312.09390), section 4
#   and appendix A (models, training details), and the code release
#   [openai/weak-to-strong](https://github.com/openai/weak-to-strong).
# * Hu et al. (2021), [LoRA: Low-Rank Adaptation of Large Language Models](https://arxiv.org/abs/2106.09685);
#   Schulman et al. (2025), [LoRA Without Regret](https://thinkingmachines.ai/blog/lora/).
# * Micikevicius et al. (2018), [Mixed Precision Training](https://arxiv.org/abs/1710.03740).
# * Rajbhandari et al. (2020), [ZeRO: Memory Optimizations Toward Training Trillion Parameter
#   Models](https://arxiv.org/abs/1910.02054): the bytes-per-parameter accounting and sharding.
# * Chen et al. (2016), [Training Deep Nets with Sublinear Memory Cost](https://arxiv.org/abs/1604.06174)
#   (gradient checkpointing); Korthikanti et al. (2022), [Reducing Activation Recomputation in Large
#   Transformer Models](https://arxiv.org/abs/2205.05198) (activation memory).
# * Chowdhery et al. (2022), [PaLM](https://arxiv.org/abs/2204.02311), appendix B (model FLOPs utilisation).
# * Biderman et al. (2023), [Pythia](https://arxiv.org/abs/2304.01373): the ladder trained for studies
#   across scale.
# * The Hugging Face [accelerate](https://huggingface.co/docs/accelerate) and
#   [peft](https://huggingface.co/docs/peft) documentation.
