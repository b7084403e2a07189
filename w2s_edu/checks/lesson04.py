"""Checks for lesson 04 (confidence losses): hardening with a fixed and an adaptive threshold, the
warmup schedule, the auxiliary confidence loss as a training loss for ``run_w2s``, and the product loss.
The package's reference implementations in :mod:`w2s_edu.losses` give the expected values."""

from __future__ import annotations

import inspect
import random
from typing import Callable

import torch
import torch.nn.functional as F

from .. import losses as ref
from . import checked_call, close, passed, rounded, record_checks

__all__ = ["check_harden_fixed", "check_harden_adaptive", "check_logconf_coef", "check_my_logconf",
           "check_product_loss", "HINTS"]

# One nudge per exercise, shown when the learner's code crashes (the lesson's hints have more).
HINTS = {
    "harden_fixed": "compare the class-1 column of probs with the threshold (strictly above is 1) and turn the "
                    "booleans into a long tensor.",
    "harden_adaptive": "the rows most likely class 1 have the smallest P(class 0); put the threshold at the "
                       "positive_rate quantile of that column.",
    "logconf_coef": "a linear ramp: the fraction of the warmup done, capped at 1, times aux_coef; with no "
                    "warmup (warmup_frac == 0) there is nothing to divide by and the coefficient is aux_coef.",
    "my_logconf": "first the scheduled coefficient from step_frac; then, without gradients, harden the "
                  "student's own probabilities at the weak labels' positive rate and mix them with the weak labels "
                  "by that coefficient; last, the batch-mean cross-entropy of the logits against the mixture.",
    "product_loss": "build the target without gradients: weak**alpha times the student's probabilities**beta, "
                    "renormalised per row (a tiny constant keeps a row of zeros finite); then the batch-mean "
                    "cross-entropy against it.",
}


def _run(fn: Callable, *args, exercise: str, what: str):
    return checked_call(fn, *args, exercise=exercise, what=what, hint=HINTS[exercise])


def _probs(n: int, seed: int, skew: float = 0.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(n, 2, generator=g) * 2 + torch.tensor([skew, 0.0]), dim=-1)


def _labels(out, what: str, n: int) -> torch.Tensor:
    if out is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    out = torch.as_tensor(out)
    if out.shape != (n,):
        raise AssertionError(f"{what} returned shape {tuple(out.shape)}; expected ({n},): one 0/1 label per row.")
    return out.long()


BOUNDARY = (0.25, 0.5, 0.75)  # exact in binary: rows with P(class 1) exactly at a threshold


def check_harden_fixed(fn: Callable) -> None:
    """``harden_fixed(probs, threshold=0.5) -> (N,)`` labels: 1 where P(class 1) > threshold (strictly)."""
    # 50 random rows, then one row exactly at each boundary threshold (above is strict: those rows are 0)
    probs = torch.cat([_probs(50, 0), torch.tensor([[1 - t, t] for t in BOUNDARY])])
    n = len(probs)
    for threshold in (0.5, 0.3, 0.8) + BOUNDARY:
        out = _labels(_run(fn, probs, threshold, exercise="harden_fixed", what=f"harden_fixed(probs, {threshold})"),
                      f"harden_fixed(probs, {threshold})", n)
        want = (probs[:, 1] > threshold).long()
        if not torch.equal(out, want):
            flipped = (probs[:, 0] > threshold).long()
            hint = (" You thresholded column 0; class 1 is column 1." if torch.equal(out, flipped) else
                    " Did you ignore the threshold argument?" if torch.equal(out, probs.argmax(1)) else
                    f" The row with P(class 1) exactly {threshold} must be 0: 1 only where the probability is "
                    "strictly *above* the threshold (>, not >=)." if torch.equal(out, (probs[:, 1] >= threshold).long())
                    else "")
            raise AssertionError(f"harden_fixed(probs, {threshold}): {(out != want).sum()} of {n} labels are "
                                 f"wrong.{hint}")
    passed("harden_fixed", 3 + len(BOUNDARY))


def check_harden_adaptive(fn: Callable) -> None:
    """``harden_adaptive(probs, positive_rate) -> (N,)``: the ~positive_rate share most likely class 1 become 1."""
    probs = _probs(200, 1, skew=2.0)  # the model leans to class 0: a fixed threshold labels few positives
    for rate in (0.5, 0.3, 0.7):
        out = _labels(_run(fn, probs, rate, exercise="harden_adaptive", what=f"harden_adaptive(probs, {rate})"),
                      f"harden_adaptive(probs, {rate})", 200)
        want = ref.harden_adaptive(probs, rate)
        if torch.equal(out, (probs[:, 1] > 0.5).long()):
            raise AssertionError("harden_adaptive gave the same labels as a fixed 0.5 threshold; the threshold must "
                                 f"move so that about {rate:.0%} of the rows are labelled 1.")
        share = out.float().mean().item()
        if abs(share - rate) > 0.02:
            raise AssertionError(f"harden_adaptive(probs, {rate}) labelled {share:.0%} of the rows 1; expected about "
                                 f"{rate:.0%}. Is the quantile taken on the right column and at the right level?")
        if (out != want).sum() > 1:  # one row may sit on the threshold
            raise AssertionError(f"harden_adaptive(probs, {rate}): the right share is 1, but not the right rows: the "
                                 "rows labelled 1 must be those with the largest P(class 1).")
    passed("harden_adaptive", 3)


def _random_coef_cases(n: int = 30, seed: int = 0) -> list[tuple[float, float, float]]:
    """Seeded random (step_frac, aux_coef, warmup_frac), a few without warmup: values that are not round."""
    rng = random.Random(seed)
    return [(rng.random(), rng.uniform(0.05, 1.0), 0.0 if i % 10 == 9 else rng.uniform(0.05, 0.6)) for i in range(n)]


def check_logconf_coef(fn: Callable) -> None:
    """``logconf_coef(step_frac, aux_coef, warmup_frac)``: linear ramp from 0 to aux_coef, then flat."""
    cases = [(0.0, 0.75, 0.2), (0.1, 0.75, 0.2), (0.2, 0.75, 0.2), (0.6, 0.75, 0.2), (1.0, 0.25, 0.5),
             (0.3, 0.5, 0.0), (0.0, 0.5, 0.0), (0.07, 0.3, 0.2)] + _random_coef_cases()
    for args in cases:
        got = _run(fn, *args, exercise="logconf_coef", what=f"logconf_coef{args}")
        want = ref.logconf_coef(*args)
        if not close(got, want, 1e-9):
            digits = rounded(got, want)
            hint = (f" That is the right value rounded to {digits} decimal(s): return it exactly."
                    if digits is not None else
                    " With warmup_frac = 0 there is no ramp: return aux_coef (and do not divide by zero)."
                    if args[2] == 0 else " After the warmup the coefficient stays at aux_coef." if args[0] > args[2]
                    else "")
            raise AssertionError(f"logconf_coef(step_frac={args[0]}, aux_coef={args[1]}, warmup_frac={args[2]}) "
                                 f"returned {got}, expected {want}.{hint}")
    passed("logconf_coef", len(cases))


def _logconf_case(seed: int, n: int = 64):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, 2, generator=g) * 2 + torch.tensor([1.5, 0.0])  # a student leaning to class 0
    weak = torch.softmax(torch.randn(n, 2, generator=g) + torch.tensor([0.0, 0.4]), -1)
    return logits, weak


def _jump_coef(step_frac, aux_coef, warmup_frac):  # the reference code release's schedule (see the lesson)
    return aux_coef * (1.0 if step_frac > warmup_frac else step_frac)


def _mixed(logits, weak, coef, hardened):
    return ref.xent_loss(logits, (1 - coef) * weak + coef * F.one_hot(hardened, 2).float())


def check_my_logconf(fn: Callable) -> None:
    """``my_logconf(logits, targets, step_frac, aux_coef=0.25, warmup_frac=0.2) -> scalar``: the auxiliary
    confidence loss as a training loss (the coefficient warmed up, hardening at the weak labels' positive
    rate, the mixed target detached, the batch mean), usable as ``run_w2s(cfg.replace(losses=[fn]))``."""
    try:
        takes_step, options = ref.callable_loss_params(fn)
    except ValueError as err:
        raise AssertionError(f"my_logconf cannot be given to run_w2s: {err}.") from None
    flexible = any(p.kind == p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values())  # **kwargs
    if not takes_step or (set(options) != {"aux_coef", "warmup_frac"} and not flexible):
        raise AssertionError("my_logconf must take (logits, targets, step_frac, aux_coef, warmup_frac): the training "
                             "loop passes step_frac, and aux_coef and warmup_frac from the config.")
    cases = [(0.0, 0.25, 0.2), (0.05, 0.75, 0.2), (0.1, 0.5, 0.2), (0.19, 0.75, 0.2), (0.5, 0.75, 0.2),
             (1.0, 0.3, 0.5), (0.3, 0.6, 0.0)]
    for i, (step_frac, aux_coef, warmup_frac) in enumerate(cases):
        logits, weak = _logconf_case(i)
        x = logits.clone().requires_grad_(True)
        what = f"my_logconf(logits, targets, step_frac={step_frac}, aux_coef={aux_coef}, warmup_frac={warmup_frac})"
        out = _run(lambda a, b: fn(a, b, step_frac=step_frac, aux_coef=aux_coef, warmup_frac=warmup_frac),
                   x, weak.clone(), exercise="my_logconf", what=what)
        if not isinstance(out, torch.Tensor) or out.dim() != 0:
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise AssertionError(f"{what} returned {shape}; return a 0-d tensor (the batch mean, not .item()), so "
                                 "that training can call .backward() on it.")
        if not out.requires_grad:
            raise AssertionError(f"{what} returned a tensor without a gradient: only the *target* is built without "
                                 "gradients; the cross-entropy itself must be computed from the logits outside "
                                 "torch.no_grad().")
        want = ref.logconf_loss(logits, weak, step_frac, aux_coef=aux_coef, warmup_frac=warmup_frac)
        if not close(out.item(), want.item(), 1e-5):
            coef = ref.logconf_coef(step_frac, aux_coef, warmup_frac)
            adaptive = ref.harden_adaptive(torch.softmax(logits, -1), weak[:, 1].mean())
            argmax = torch.softmax(logits, -1).argmax(1)
            own_rate = ref.harden_adaptive(torch.softmax(logits, -1), torch.softmax(logits, -1)[:, 1].mean())
            candidates = [
                (_mixed(logits, weak, aux_coef, adaptive), " The coefficient is not warmed up: during the first "
                 "warmup_frac of training it must ramp from 0 to aux_coef (your logconf_coef)."),
                (_mixed(logits, weak, _jump_coef(step_frac, aux_coef, warmup_frac), adaptive), " That is the code "
                 "release's schedule, aux_coef * step_frac during the warmup: ramp to aux_coef by the end of the "
                 "warmup instead (step_frac / warmup_frac)."),
                (_mixed(logits, weak, coef, argmax), " It matches hardening with argmax (a fixed 0.5 threshold); "
                 "harden adaptively at the positive rate of the weak labels (the mean of their class-1 column)."),
                (_mixed(logits, weak, coef, own_rate), " The positive rate must come from the weak labels "
                 "(targets), not from the student's own probabilities."),
                (_mixed(logits, weak, coef, adaptive) * len(logits), " That is the sum over the batch: return the "
                 "mean, so that the loss does not grow with the batch size."),
                (ref.xent_loss(logits, weak), " That is plain cross-entropy against the weak labels: mix in the "
                 "student's hardened predictions with weight coef."),
            ]
            hint = next((h for value, h in candidates if close(out.item(), value.item(), 1e-5)), "")
            raise AssertionError(f"{what} = {out.item():.5f}, expected {want.item():.5f}.{hint}")
        out.backward()
        grad_ref = logits.clone().requires_grad_(True)
        ref.logconf_loss(grad_ref, weak, step_frac, aux_coef=aux_coef, warmup_frac=warmup_frac).backward()
        if x.grad is None or not torch.allclose(x.grad, grad_ref.grad, atol=1e-6):
            raise AssertionError(f"{what}: the value is right but the gradient is not: build the mixed target "
                                 "without gradients (torch.no_grad(), or .detach() it), so that only the logits "
                                 "being trained move, not the target.")
    passed("my_logconf", len(cases) + 1)


def check_product_loss(fn: Callable) -> None:
    """``product_loss(logits, weak_probs, alpha, beta)``: CE against normalised weak**alpha * p**beta, detached."""
    g = torch.Generator().manual_seed(4)
    logits = torch.randn(32, 2, generator=g) * 2
    weak = torch.softmax(torch.randn(32, 2, generator=g), -1)
    for alpha, beta in ((1.0, 1.0), (1.0, 0.0), (0.5, 2.0)):
        x = logits.clone().requires_grad_(True)
        out = _run(fn, x, weak, alpha, beta, exercise="product_loss", what=f"product_loss(..., {alpha}, {beta})")
        if not isinstance(out, torch.Tensor) or out.dim() != 0:
            raise AssertionError("product_loss must return a 0-d tensor (the batch mean).")
        want = ref.product_loss(logits, weak, alpha=alpha, beta=beta)
        if not close(out.item(), want.item(), 1e-5):
            hint = (" Renormalise each row of the product so it sums to 1 before using it as a target."
                    if beta > 0 else "")
            raise AssertionError(f"product_loss(alpha={alpha}, beta={beta}) = {out.item():.5f}, expected "
                                 f"{want.item():.5f}.{hint}")
        out.backward()
        grad_ref = logits.clone().requires_grad_(True)
        ref.product_loss(grad_ref, weak, alpha=alpha, beta=beta).backward()
        if not torch.allclose(x.grad, grad_ref.grad, atol=1e-6):
            raise AssertionError("the value is right but the gradient is not: detach the product target.")
    passed("product_loss", 6)


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
