"""Checks for lesson 08 (scaling up on a GPU): the bytes of training, choosing a configuration for a GPU,
and a LoRA student."""

from __future__ import annotations

import copy
import math
import random
from typing import Callable

import torch

from ..models import params
from ..models.backbones import quiet_transformers
from ..scale import memory
from . import checked_call, passed, record_checks

__all__ = ["check_training_bytes", "check_pick_config", "check_make_lora_student", "reference_pick_config",
           "HINTS"]

# One nudge per exercise, shown when the learner's code crashes (the lesson's hint has more).
HINTS = {
    "training_bytes": "split the parameters into frozen and trainable ones; a frozen one costs frozen_bytes, a "
                      "trainable one its fp32 weight, its gradient and AdamW's two moments, plus an autocast copy "
                      "under mixed precision.",
    "pick_config": "two nested loops, modes outside and gradient checkpointing inside; for each candidate walk "
                   "the micro-batch down from the largest power of two that divides batch_size, and return the "
                   "first that fits.",
    "make_lora_student": "build the LoraConfig with every setting the exercise names (rank, lora_alpha = 2 * r, "
                         "the architecture's target modules), wrap the backbone (not the classifier) with "
                         "get_peft_model, then put TransformerClassifier around it.",
}


def _run(fn: Callable, *args, exercise: str, what: str):
    return checked_call(fn, *args, exercise=exercise, what=what, hint=HINTS[exercise])


# ------------------------------------------------------------------------------------------ exercise 1
# (n_params, n_trainable, frozen_bytes, mixed_precision) -> bytes, and what the case is about
BYTES_CASES = [
    ((1000, 1000, 4, False), 16_000, "a full finetune in fp32: 4 (weight) + 4 (gradient) + 8 (AdamW) per parameter"),
    ((1000, 1000, 4, True), 18_000, "a full finetune under bf16 autocast: 16 bytes plus a 2-byte copy per weight"),
    ((1000, 0, 4, False), 4_000, "nothing trains: only the fp32 weights"),
    ((1000, 10, 4, True), 990 * 4 + 10 * 18, "990 frozen fp32 weights and 10 trainable ones under autocast"),
    ((1000, 10, 2, False), 990 * 2 + 10 * 16, "990 frozen weights loaded in bf16, 10 trainable ones in fp32"),
    ((1000, 0, 2, True), 2_000, "nothing trains, weights loaded in bf16"),
    ((1000, 10, 2, True), 990 * 2 + 10 * 18, "LoRA: 990 frozen bf16 weights, 10 trainable at 18 bytes"),
    ((1000, 2, 4, False), 998 * 4 + 2 * 16, "a probe in fp32: frozen weights at 4 bytes, the head at 16"),
    ((7_000_000_000, 7_000_000_000, 4, True), 126_000_000_000, "a 7B full finetune: 126 GB before activations"),
]


def _bytes_hint(args, got) -> str:
    n, t, frozen_bytes, mixed = args
    f, m = n - t, int(mixed)
    guesses = [  # the first that matches wins; the fp32 cases come first, so 14 bytes under bf16 is this one
        (f * frozen_bytes + t * 14 if m else None, "trainable weights stay fp32 (4 bytes) under mixed precision: "
                                                   "they are the master weights that the optimizer updates"),
        (f * frozen_bytes + t * (12 + 2 * m), "4 bytes per trainable weight are missing: the gradient, or one of "
                                              "AdamW's two moments (8 bytes together)"),
        (f * frozen_bytes + t * (8 + 2 * m), "AdamW's two moments (8 bytes per trainable weight) are missing"),
        (f * frozen_bytes + t * 16 + 2 * n * m, "the 2-byte autocast copies are only made of trainable weights"),
        (f * frozen_bytes + t * 16, "under mixed precision autocast also keeps a 2-byte copy of each trainable weight"),
        (4 * f + t * (16 + 2 * m), "frozen weights cost `frozen_bytes` each (2 when loaded in bf16), not 4"),
        (n * (16 + 2 * m), "only the trainable weights need gradients and optimizer state"),
    ]
    for value, hint in guesses:
        if value is not None and got == value:
            return f" Hint: {hint}."
    return ""


def check_training_bytes(fn: Callable) -> None:
    """Check ``training_bytes(n_params, n_trainable, frozen_bytes=4, mixed_precision=False)``."""
    ex = "training_bytes"
    for args, expected, why in BYTES_CASES:
        what = f"training_bytes{args}"
        got = _run(fn, *args, exercise=ex, what=what)
        if got is None:
            raise AssertionError(f"{what} returned None: did you forget `return`?")
        if not isinstance(got, (int, float)) or isinstance(got, bool) or not math.isfinite(got):
            raise AssertionError(f"{what} returned {got!r}; expected a number of bytes.")
        if got != expected:
            raise AssertionError(f"{what} returned {got:,}, expected {expected:,} ({why})." + _bytes_hint(args, got))
    rng = random.Random(0)
    for _ in range(40):  # random sizes: no case where a wrong formula happens to agree
        n = rng.randrange(1, 10**10)
        args = (n, rng.choice([0, n, rng.randrange(0, n + 1)]), rng.choice([2, 4]), rng.random() < 0.5)
        expected = (args[0] - args[1]) * args[2] + args[1] * (16 + 2 * args[3])
        got = _run(fn, *args, exercise=ex, what=f"training_bytes{args}")
        if got != expected:
            raise AssertionError(f"training_bytes{args} returned {got!r}, expected {expected:,} (frozen parameters "
                                 "at frozen_bytes, trainable ones at 16 bytes, 18 under mixed precision)."
                                 + (_bytes_hint(args, got) if isinstance(got, (int, float)) else ""))
    n = 7_070_619_136  # Qwen2.5-7B's backbone
    big = _run(fn, n, n, 4, True, exercise=ex, what="training_bytes(<Qwen2.5-7B>, all trainable, bf16)")
    package = memory.estimate_memory("qwen2.5-7b", "finetune", precision="bf16", micro_batch_size=1, seq_len=1)
    if big != 18 * n or package.static != 18 * package.trainable:
        raise AssertionError(f"for Qwen2.5-7B's {n:,} parameters, all trainable under bf16 autocast, you return "
                             f"{big:,}; expected 18 bytes each, {18 * n:,} (w2s_edu.scale.memory agrees).")
    passed(ex, len(BYTES_CASES) + 41)


# ------------------------------------------------------------------------------------------ exercise 2
def reference_pick_config(model, gpu_gb: float, seq_len: int = 512, batch_size: int = 32) -> dict | None:
    """The rule of the exercise: the first of finetune, lora, probe that fits, without gradient
    checkpointing if possible, with the largest power-of-two micro-batch that divides ``batch_size``."""
    for mode in ("finetune", "lora", "probe"):
        for ckpt in (False,) if mode == "probe" else (False, True):
            micro = memory.largest_micro_batch(model, mode, gpu_gb, batch_size=batch_size, precision="bf16",
                                               seq_len=seq_len, gradient_checkpointing=ckpt)
            if micro is not None:
                return {"mode": mode, "gradient_checkpointing": ckpt, "micro_batch_size": micro}
    return None


# (model, gpu_gb, seq_len, batch_size): finetune, lora with and without checkpointing, probe, nothing
PICK_CASES = [
    ("gpt2", 16, 512, 32), ("gpt2-xl", 24, 512, 32), ("gpt2-xl", 40, 1024, 32), ("pythia-1b", 24, 512, 32),
    ("qwen2.5-7b", 80, 512, 32), ("qwen2.5-7b", 16, 512, 32), ("qwen2.5-7b", 15, 512, 32),
    ("qwen2.5-7b", 12, 512, 32), ("qwen2.5-7b", 16, 128, 32), ("qwen2.5-0.5b", 16, 2048, 32),
    ("qwen2.5-0.5b", 16, 512, 24), ("qwen2.5-32b", 80, 512, 32), ("qwen2.5-32b", 40, 512, 32),
]


def _pick_hint(got: dict | None, expected: dict | None, args) -> str:
    if expected is None:
        return " Nothing fits, not even a probe: return None."
    if got is None:
        return " Something does fit: try every mode (and gradient checkpointing) before giving up."
    if got.get("mode") != expected["mode"]:
        order = ["finetune", "lora", "probe"]
        if got.get("mode") in order and order.index(got["mode"]) > order.index(expected["mode"]):
            return (f" {expected['mode']} fits, and it comes first: prefer finetune, then lora, then probe. Did "
                    "you try gradient checkpointing before moving on to the next mode?")
        return f" {got.get('mode')} does not fit {args[1]} GiB: check each candidate with estimate.fits(gpu_gb)."
    if got.get("gradient_checkpointing") != expected["gradient_checkpointing"]:
        return (" Gradient checkpointing costs extra compute: use it only when the mode does not fit without it."
                if got.get("gradient_checkpointing") else
                " Without gradient checkpointing nothing fits in this mode; with it, something does.")
    micro = got.get("micro_batch_size")
    if isinstance(micro, int) and micro > 0 and args[3] % micro:
        return (f" The micro-batch must divide the batch size ({args[3]}): gradient accumulation adds whole "
                "micro-batches.")
    if isinstance(micro, int) and micro < expected["micro_batch_size"]:
        return " A larger micro-batch fits: take the largest (fewer, fuller passes are faster)."
    return " Did you pass seq_len and precision='bf16' to the estimate?"


def check_pick_config(fn: Callable) -> None:
    """Check ``pick_config(model, gpu_gb, seq_len=512, batch_size=32)`` against the rule, on 13 cases."""
    ex = "pick_config"
    for args in PICK_CASES:
        what = f"pick_config{args}"
        got = _run(fn, *args, exercise=ex, what=what)
        expected = reference_pick_config(*args)
        if got is not None and not (isinstance(got, dict) and {"mode", "gradient_checkpointing",
                                                                "micro_batch_size"} <= set(got)):
            raise AssertionError(f"{what} returned {got!r}; expected None or a dict with the keys 'mode', "
                                 "'gradient_checkpointing' and 'micro_batch_size'.")
        if got is not None:
            got = {k: got[k] for k in ("mode", "gradient_checkpointing", "micro_batch_size")}
        if got != expected:
            raise AssertionError(f"{what} returned {got}, expected {expected}." + _pick_hint(got, expected, args))
    passed(ex, len(PICK_CASES))


# ------------------------------------------------------------------------------------------ exercise 3
def _tiny_backbones():
    from transformers import BertConfig, BertModel, GPT2Config, GPT2Model

    torch.manual_seed(0)
    with quiet_transformers():  # building from a config prints nothing worth a learner's attention
        gpt2 = GPT2Model(GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=4, n_positions=64))
        bert = BertModel(BertConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_attention_heads=4,
                                    num_hidden_layers=2, max_position_embeddings=64))
    return {"gpt2": gpt2, "bert": bert}


def check_make_lora_student(fn: Callable) -> None:
    """Check ``make_lora_student(backbone, r)``: LoRA on the listed modules, a trainable head, nothing else."""
    ex = "make_lora_student"
    n_checks = 0
    for arch, backbone in _tiny_backbones().items():
        for r in (2, 4):
            what = f"make_lora_student(<tiny {arch}>, r={r})"
            given = copy.deepcopy(backbone)
            model = _run(fn, given, r, exercise=ex, what=what)
            if model is None:
                raise AssertionError(f"{what} returned None: did you forget `return`?")
            if not isinstance(model, torch.nn.Module):
                raise AssertionError(f"{what} returned {type(model).__name__}; return the classifier (an nn.Module).")
            ids = torch.randint(0, 100, (3, 6), generator=torch.Generator().manual_seed(r))
            batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
            try:
                out = model(batch)
            except Exception as err:
                raise AssertionError(f"the model from {what} fails on a batch dict {{'input_ids', 'attention_mask'}} "
                                     f"({type(err).__name__}: {err}). Wrap the LoRA backbone in "
                                     "TransformerClassifier.") from err
            if getattr(out, "shape", None) != (3, 2):
                raise AssertionError(f"the model from {what} returned shape {getattr(out, 'shape', None)} for 3 "
                                     "texts; expected (3, 2) logits: put the two-class head on top.")
            trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
            stray = [n for n in trainable if "lora_" not in n and "head" not in n.split(".")[0]]
            if stray:
                raise AssertionError(f"{what}: {len(stray)} backbone weights still train (e.g. {stray[0]}). "
                                     "get_peft_model freezes the backbone: apply it before putting the head on "
                                     "top, and do not call requires_grad_(True) afterwards.")
            head = [n for n in trainable if "lora_" not in n]
            if not head:
                raise AssertionError(f"{what}: the classification head does not train. A new head starts random: "
                                     "it must learn (leave its requires_grad as it is).")
            adapters = sum(p.numel() for n, p in trainable.items() if "lora_" in n)
            expected = params.lora_param_count(backbone.config, r)
            if adapters != expected:
                names = sorted({n.split(".lora_")[0].split(".")[-1] for n in trainable if "lora_" in n})
                raise AssertionError(f"{what} has {adapters:,} adapter weights on {names}; LoRA of rank {r} on the "
                                     f"modules {list(params.lora_targets(backbone.config))} has {expected:,}. Pass "
                                     "target_modules=LORA_TARGETS[model_type] and r=r to LoraConfig.")
            _check_lora_layers(model, backbone, r, what)
            before = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
            opt = torch.optim.SGD(list(trainable.values()), lr=0.1)
            torch.nn.functional.cross_entropy(model(batch), torch.tensor([0, 1, 0])).backward()
            opt.step()
            changed = [n for n, p in model.named_parameters() if n in before and not torch.equal(p, before[n])]
            if changed:
                raise AssertionError(f"{what}: a training step changed frozen weights ({changed[0]}).")
            n_checks += 8
    passed(ex, n_checks)


def _check_lora_layers(model, backbone, r: int, what: str) -> None:
    """Every hyperparameter the exercise names, read off the adapter layers peft built: the rank, the scale
    lora_alpha / r (alpha = 2 * r gives 2), the exact layers (the targets), and fan_in_fan_out."""
    layers = {name: m for name, m in model.named_modules() if hasattr(m, "lora_A") and hasattr(m, "scaling")
              and len(getattr(m, "lora_A", ())) > 0}
    targets = params.lora_targets(backbone.config)
    wanted = [name for name, m in backbone.named_modules()
              if any(name == t or name.endswith("." + t) for t in targets) and not list(m.children())]
    missing = [w for w in wanted if not any(name == w or name.endswith("." + w) for name in layers)]
    extra = [name for name in layers if not any(name == w or name.endswith("." + w) for w in wanted)]
    if missing or extra:
        raise AssertionError(f"{what}: adapters sit on the wrong layers ({len(missing)} of the {len(wanted)} target "
                             f"layers have none, e.g. {missing[:2]}; {len(extra)} others have one, e.g. {extra[:2]}). "
                             f"Pass target_modules={targets} (LORA_TARGETS[model_type]).")
    for name, layer in layers.items():
        ranks = set(getattr(layer, "r", {}).values())
        if ranks != {r}:
            raise AssertionError(f"{what}: the adapter on {name} has rank {sorted(ranks)}, expected r={r}.")
        for scale in layer.scaling.values():
            if not math.isclose(float(scale), 2.0, rel_tol=1e-6):
                alpha = float(scale) * r
                known = {16.0: " (16 is apply_lora's default)", 8.0: " (8 is peft's default: lora_alpha was not "
                         "set)", float(r): " (lora_alpha = r)"}.get(round(alpha, 6), "")
                rs = (" It looks like use_rslora=True, which scales by lora_alpha / sqrt(r): leave it off."
                      if math.isclose(float(scale), 2.0 * r / math.sqrt(r), rel_tol=1e-6) else "")
                raise AssertionError(f"{what}: the adapters scale their update by {float(scale):g} = lora_alpha / r, "
                                     f"so lora_alpha = {alpha:g}{known}; the exercise asks for lora_alpha = 2 * r = "
                                     f"{2 * r}, a scale of 2. Pass lora_alpha=2 * r to LoraConfig.{rs}")
        transposed = backbone.config.model_type == "gpt2"
        if bool(getattr(layer, "fan_in_fan_out", transposed)) != transposed:
            raise AssertionError(f"{what}: the adapter on {name} has fan_in_fan_out={not transposed}; GPT-2 stores "
                                 "its linear layers transposed (fan_in_fan_out=True), other models do not.")


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
