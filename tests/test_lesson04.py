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


def _logconf(logits, weak, coef, harden=losses.harden_adaptive, detach=True):
    ctx = torch.no_grad() if detach else torch.enable_grad()
    with ctx:
        probs = torch.softmax(logits, -1)
        hard = harden(probs, weak[:, 1].mean()) if harden is losses.harden_adaptive else probs.argmax(1)
        target = (1 - coef) * weak + coef * F.one_hot(hard, 2).float()
        if not detach:
            target = (1 - coef) * weak + coef * (F.one_hot(hard, 2).float() + probs - probs.detach())
    return -(target * torch.log_softmax(logits, -1)).sum(-1).mean()


def test_logconf_loss():
    checks.check_logconf_loss(_logconf)
    rejects(checks.check_logconf_loss, stub, "NotImplementedError")
    rejects(checks.check_logconf_loss, lambda x, w, c: _logconf(x, w, c, harden=None), "argmax")
    rejects(checks.check_logconf_loss, lambda x, w, c: _logconf(x, w, c, detach=False), "detached")
    rejects(checks.check_logconf_loss, lambda x, w, c: losses.xent_loss(x, w), "expected")
    rejects(checks.check_logconf_loss, lambda x, w, c: _logconf(x, w, c).item(), "0-d tensor")
    rejects(checks.check_logconf_loss, lambda x, w, c: _logconf(x, w, 0.75), r"coef=0.0\)")  # coef ignored


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
