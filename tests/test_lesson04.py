"""Lesson 04 (confidence losses): each checker accepts the reference and rejects stubs and common mistakes."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from w2s_edu import losses
from w2s_edu.checks import lesson04 as checks


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here, then delete this line.")


def rejects(check, fn, match: str):
    with pytest.raises(AssertionError, match=match):
        check(fn)


def test_harden_fixed():
    checks.check_harden_fixed(lambda p, t=0.5: (p[:, 1] > t).long())
    rejects(checks.check_harden_fixed, stub, "NotImplementedError")
    rejects(checks.check_harden_fixed, lambda p, t=0.5: (p[:, 0] > t).long(), "column 0")
    rejects(checks.check_harden_fixed, lambda p, t=0.5: p.argmax(1), "threshold argument")
    rejects(checks.check_harden_fixed, lambda p, t=0.5: None, "None")
    # >= instead of >: a row exactly at the threshold (0.25, 0.5, 0.75 are exact in binary) becomes 1
    rejects(checks.check_harden_fixed, lambda p, t=0.5: (p[:, 1] >= t).long(), r"strictly \*above\*")


def test_harden_adaptive():
    checks.check_harden_adaptive(losses.harden_adaptive)
    rejects(checks.check_harden_adaptive, stub, "NotImplementedError")
    rejects(checks.check_harden_adaptive, lambda p, r: (p[:, 1] > 0.5).long(), "fixed 0.5")
    # quantile on the wrong level: labels 1 - rate of the rows
    rejects(checks.check_harden_adaptive, lambda p, r: (p[:, 0] < torch.quantile(p[:, 0], 1 - r)).long(),
            "expected about")
    # right share, wrong rows: the least likely class-1 rows
    rejects(checks.check_harden_adaptive, lambda p, r: (p[:, 0] > torch.quantile(p[:, 0], 1 - r)).long(),
            "not the right rows")


def test_logconf_coef():
    checks.check_logconf_coef(losses.logconf_coef)
    rejects(checks.check_logconf_coef, stub, "NotImplementedError")
    rejects(checks.check_logconf_coef, lambda s, a, w: a * s / w if w else a, "stays at aux_coef")
    rejects(checks.check_logconf_coef, lambda s, a, w: a * min(1, s / w), "divide by zero|raised")
    rejects(checks.check_logconf_coef, lambda s, a, w: a, "expected")
    rejects(checks.check_logconf_coef, lambda s, a, w: round(losses.logconf_coef(s, a, w), 2), "rounded to 2")
    rejects(checks.check_logconf_coef, lambda s, a, w: round(losses.logconf_coef(s, a, w), 4), "rounded to 4")


def _logconf(logits, weak, step_frac, aux_coef=0.25, warmup_frac=0.2, *, harden="adaptive", detach=True,
             coef="ramp", reduce="mean"):
    """The confidence loss written by a learner, with the mistakes the checker must catch as switches."""
    c = {"ramp": losses.logconf_coef(step_frac, aux_coef, warmup_frac), "none": aux_coef, "fixed": 0.5,
         "jump": aux_coef * (1.0 if step_frac > warmup_frac else step_frac)}[coef]
    ctx = torch.no_grad() if detach else torch.enable_grad()
    with ctx:
        probs = torch.softmax(logits, -1)
        rate = {"adaptive": weak[:, 1].mean(), "own": probs[:, 1].mean()}.get(harden)
        hard = probs.argmax(1) if rate is None else losses.harden_adaptive(probs.detach(), rate)
        onehot = F.one_hot(hard, 2).float()
        if not detach:
            onehot = onehot + probs - probs.detach()  # the same value, but the gradient flows through the target
        target = (1 - c) * weak + c * onehot
    per_row = -(target * torch.log_softmax(logits, -1)).sum(-1)
    return per_row.mean() if reduce == "mean" else per_row.sum() if reduce == "sum" else per_row


def test_my_logconf():
    import functools

    checks.check_my_logconf(_logconf)

    def reference(logits, targets, step_frac, aux_coef=0.25, warmup_frac=0.2):
        return losses.logconf_loss(logits, targets, step_frac, aux_coef=aux_coef, warmup_frac=warmup_frac)

    checks.check_my_logconf(reference)

    def stub_loss(logits, targets, step_frac, aux_coef=0.25, warmup_frac=0.2):
        raise NotImplementedError("Exercise: write your code here, then delete this line.")

    rejects(checks.check_my_logconf, stub_loss, "NotImplementedError")
    mutants = {
        "target not detached": ({"detach": False}, "gradient is not"),
        "coefficient not warmed up": ({"coef": "none"}, "not warmed up"),
        "the code release's jump": ({"coef": "jump"}, "code release's schedule"),
        "a fixed coefficient": ({"coef": "fixed"}, "expected"),
        "fixed 0.5 hardening": ({"harden": "argmax"}, "argmax"),
        "rate of the student's own predictions": ({"harden": "own"}, "from the weak labels"),
        "sum over the batch": ({"reduce": "sum"}, "sum over the batch"),
        "per-row losses": ({"reduce": "none"}, r"returned \(64,\)"),
    }
    for name, (flaw, match) in mutants.items():
        def mutant(logits, targets, step_frac, aux_coef=0.25, warmup_frac=0.2, _flaw=flaw):
            return _logconf(logits, targets, step_frac, aux_coef, warmup_frac, **_flaw)
        rejects(checks.check_my_logconf, mutant, match)

    def plain_xent(logits, targets, step_frac, aux_coef=0.25, warmup_frac=0.2):
        return losses.xent_loss(logits, targets)

    def item(logits, targets, step_frac, aux_coef=0.25, warmup_frac=0.2):
        return _logconf(logits, targets, step_frac, aux_coef, warmup_frac).item()

    def all_under_no_grad(logits, targets, step_frac, aux_coef=0.25, warmup_frac=0.2):
        with torch.no_grad():
            return _logconf(logits, targets, step_frac, aux_coef, warmup_frac)

    def ignores_aux_coef(logits, targets, step_frac, aux_coef=0.25, warmup_frac=0.2):
        return _logconf(logits, targets, step_frac, 0.25, warmup_frac)

    def no_options(logits, targets, step_frac):
        return _logconf(logits, targets, step_frac)

    rejects(checks.check_my_logconf, plain_xent, "plain cross-entropy")
    rejects(checks.check_my_logconf, item, "0-d tensor")
    rejects(checks.check_my_logconf, all_under_no_grad, "without a gradient")
    rejects(checks.check_my_logconf, ignores_aux_coef, "aux_coef=0.75")
    rejects(checks.check_my_logconf, no_options, "must take")
    rejects(checks.check_my_logconf, lambda logits, targets, step_frac, aux_coef, warmup_frac: 0, "name of its own")
    rejects(checks.check_my_logconf, functools.partial(_logconf, coef="none"), "not warmed up|name of its own")


def test_product_loss():
    checks.check_product_loss(losses.product_loss)
    rejects(checks.check_product_loss, stub, "NotImplementedError")

    def unnormalised(x, w, a=1.0, b=1.0):
        with torch.no_grad():
            t = w.pow(a) * torch.softmax(x, -1).pow(b)
        return -(t * torch.log_softmax(x, -1)).sum(-1).mean()

    def attached(x, w, a=1.0, b=1.0):
        t = w.pow(a) * torch.softmax(x, -1).pow(b) + 1e-12
        t = t / t.sum(-1, keepdim=True)
        return -(t * torch.log_softmax(x, -1)).sum(-1).mean()

    def ignores_alpha(x, w, a=1.0, b=1.0):
        return losses.product_loss(x, w, alpha=1.0, beta=b)

    def ignores_beta(x, w, a=1.0, b=1.0):
        return losses.product_loss(x, w, alpha=a, beta=1.0)

    rejects(checks.check_product_loss, unnormalised, "Renormalise")
    rejects(checks.check_product_loss, attached, "detach")
    rejects(checks.check_product_loss, ignores_alpha, r"alpha=0.5, beta=2.0")
    rejects(checks.check_product_loss, ignores_beta, r"alpha=1.0, beta=0.0")
