"""Checks for lesson 04 (confidence losses): hardening with a fixed and an adaptive threshold, the
warmup schedule, the auxiliary confidence loss and the product loss. The package's reference
implementations in :mod:`w2s_edu.losses` give the expected values."""

from __future__ import annotations

import random
from typing import Callable

import torch

from .. import losses as ref
from . import checked_call, close, passed, rounded, record_checks

__all__ = ["check_harden_fixed", "check_harden_adaptive", "check_logconf_coef", "check_logconf_loss",
           "check_product_loss", "HINTS"]

# One nudge per exercise, shown when the learner's code crashes (the lesson's hints have more).
HINTS = {
    "harden_fixed": "compare the class-1 column of probs with the threshold (strictly above is 1) and turn the "
                    "booleans into a long tensor.",
    "harden_adaptive": "the rows most likely class 1 have the smallest P(class 0); put the threshold at the "
                       "positive_rate quantile of that column.",
    "logconf_coef": "a linear ramp: the fraction of the warmup done, capped at 1, times aux_coef; with no "
                    "warmup (warmup_frac == 0) there is nothing to divide by and the coefficient is aux_coef.",
    "logconf_loss": "build the target without gradients: harden the student's own probabilities at the weak "
                    "labels' positive rate, mix with the weak labels by coef; then the batch-mean cross-entropy "
                    "of log_softmax(logits) against that target.",
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


def check_logconf_loss(fn: Callable) -> None:
    """``logconf_loss(logits, weak_probs, coef) -> scalar``: CE against (1-coef)*weak + coef*hardened own preds."""
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(64, 2, generator=g) * 2 + torch.tensor([1.5, 0.0])  # a student leaning to class 0
    weak = torch.softmax(torch.randn(64, 2, generator=g), -1)
    for coef in (0.0, 0.3, 0.75):
        x = logits.clone().requires_grad_(True)
        out = _run(fn, x, weak, coef, exercise="logconf_loss", what=f"logconf_loss(logits, weak, {coef})")
        if not isinstance(out, torch.Tensor) or out.dim() != 0:
            raise AssertionError("logconf_loss must return a 0-d tensor (the batch mean), so .backward() works.")
        want = ref.logconf_loss(logits, weak, step_frac=1.0, aux_coef=coef, warmup_frac=0.0)
        if not close(out.item(), want.item(), 1e-5):
            fixed = ref.xent_loss(logits, (1 - coef) * weak + coef * torch.nn.functional.one_hot(
                torch.softmax(logits, -1).argmax(1), 2).float())
            argmax = close(out.item(), fixed.item(), 1e-5)
            hint = (" It matches hardening with argmax (a fixed 0.5 threshold); use the adaptive threshold with the "
                    "positive rate of the weak labels, weak_probs[:, 1].mean()." if argmax else "")
            raise AssertionError(f"logconf_loss(..., coef={coef}) = {out.item():.5f}, "
                                 f"expected {want.item():.5f}.{hint}")
        out.backward()
        grad_ref = logits.clone().requires_grad_(True)
        ref.logconf_loss(grad_ref, weak, step_frac=1.0, aux_coef=coef, warmup_frac=0.0).backward()
        if x.grad is None or not torch.allclose(x.grad, grad_ref.grad, atol=1e-6):
            raise AssertionError("the value is right but the gradient is not: the mixed target must be detached "
                                 "(compute the hardened labels under torch.no_grad()), so gradients flow only "
                                 "through the logits being trained.")
    passed("logconf_loss", 6)


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
