"""Tests for w2s_edu.losses; expected values are computed by hand in the comments."""

import inspect
import math

import pytest
import torch
import torch.nn.functional as F

from w2s_edu.losses import (
    LOSSES,
    compute_loss,
    get_loss,
    harden_adaptive,
    harden_argmax,
    logconf_coef,
    logconf_loss,
    loss_targets,
    product_loss,
    xent_loss,
)


def logits_for(probs):
    """Logits whose softmax is exactly ``probs`` (log of a distribution)."""
    return torch.log(torch.tensor(probs, dtype=torch.float64))


# A 4-example binary batch used by several logconf tests.
# p[:, 0] = [0.9, 0.2, 0.6, 0.1]
P4 = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.1, 0.9]]
# Soft weak labels; mean of column 1 = (0.3 + 0.6 + 0.5 + 0.6) / 4 = 0.5.
T4 = [[0.7, 0.3], [0.4, 0.6], [0.5, 0.5], [0.4, 0.6]]


# ---------------------------------------------------------------- xent


def test_xent_by_hand():
    # Row 0: logits [0, ln 3] -> softmax [1/4, 3/4]; target [0.5, 0.5]
    #        loss = -(0.5 ln(1/4) + 0.5 ln(3/4))
    # Row 1: logits [ln 2, 0] -> softmax [2/3, 1/3]; target [1, 0]
    #        loss = -ln(2/3)
    logits = torch.tensor([[0.0, math.log(3)], [math.log(2), 0.0]], dtype=torch.float64)
    targets = torch.tensor([[0.5, 0.5], [1.0, 0.0]], dtype=torch.float64)
    row0 = -(0.5 * math.log(0.25) + 0.5 * math.log(0.75))
    row1 = -math.log(2 / 3)
    assert xent_loss(logits, targets).item() == pytest.approx((row0 + row1) / 2, rel=1e-12)


def test_xent_equals_minus_sum_t_log_softmax():
    torch.manual_seed(0)
    logits = torch.randn(5, 3)
    targets = torch.softmax(torch.randn(5, 3), dim=1)
    expected = -(targets * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
    assert torch.allclose(xent_loss(logits, targets), expected)


def test_xent_matches_cross_entropy_for_one_hot():
    torch.manual_seed(1)
    logits = torch.randn(6, 4)
    labels = torch.tensor([0, 3, 1, 2, 2, 0])
    targets = F.one_hot(labels, 4).float()
    assert torch.allclose(xent_loss(logits, targets), F.cross_entropy(logits, labels))


def test_losses_return_scalars():
    logits, targets = logits_for(P4), torch.tensor(T4, dtype=torch.float64)
    for name in LOSSES:
        assert compute_loss(name, logits, targets, step_frac=1.0).shape == ()


# ---------------------------------------------------------------- logconf schedule


def test_logconf_coef_schedule():
    assert logconf_coef(0.0, aux_coef=0.5, warmup_frac=0.1) == 0.0  # start: no self-labels
    assert logconf_coef(0.05, aux_coef=0.5, warmup_frac=0.1) == pytest.approx(0.25)  # 0.5 * 0.05/0.1
    assert logconf_coef(0.1, aux_coef=0.5, warmup_frac=0.1) == pytest.approx(0.5)  # end of ramp
    assert logconf_coef(0.7, aux_coef=0.5, warmup_frac=0.1) == pytest.approx(0.5)  # capped
    assert logconf_coef(0.0, aux_coef=0.5, warmup_frac=0.0) == 0.5  # no warmup at all


def test_logconf_at_coef_zero_equals_xent():
    logits, targets = logits_for(P4), torch.tensor(T4, dtype=torch.float64)
    assert torch.allclose(logconf_loss(logits, targets, step_frac=0.0), xent_loss(logits, targets))


# ---------------------------------------------------------------- hardening


def test_harden_adaptive_positive_rate_half():
    # sorted p0 = [0.1, 0.2, 0.6, 0.9]; quantile 0.5 at position 0.5 * 3 = 1.5
    # -> t = 0.2 + 0.5 * (0.6 - 0.2) = 0.4; p0 < 0.4 for examples 1 and 3.
    probs = torch.tensor(P4)
    assert harden_adaptive(probs, 0.5).tolist() == [0, 1, 0, 1]


def test_harden_adaptive_differs_from_argmax():
    probs = torch.tensor(P4)
    # argmax labels examples 1 and 3 as class 1.
    assert harden_argmax(probs).tolist() == [0, 1, 0, 1]
    # q = 0.25: position 0.75 -> t = 0.1 + 0.75 * (0.2 - 0.1) = 0.175 -> only example 3.
    assert harden_adaptive(probs, 0.25).tolist() == [0, 0, 0, 1]
    # q = 0.75: position 2.25 -> t = 0.6 + 0.25 * (0.9 - 0.6) = 0.675 -> examples 1, 2, 3.
    assert harden_adaptive(probs, torch.tensor(0.75)).tolist() == [0, 1, 1, 1]


def test_logconf_binary_value_and_gradient_by_hand():
    # Adaptive threshold (positive rate 0.5) hardens to [0, 1, 0, 1] (see above).
    # coef = 0.5 (step_frac past warmup). Mixed target = 0.5 * T4 + 0.5 * one_hot:
    mix = [[0.85, 0.15], [0.2, 0.8], [0.75, 0.25], [0.2, 0.8]]
    logits = logits_for(P4).requires_grad_(True)
    targets = torch.tensor(T4, dtype=torch.float64)
    loss = logconf_loss(logits, targets, step_frac=1.0, aux_coef=0.5, warmup_frac=0.1)
    expected = -(
        0.85 * math.log(0.9) + 0.15 * math.log(0.1)
        + 0.2 * math.log(0.2) + 0.8 * math.log(0.8)
        + 0.75 * math.log(0.6) + 0.25 * math.log(0.4)
        + 0.2 * math.log(0.1) + 0.8 * math.log(0.9)
    ) / 4
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    # Detached target => d loss / d logits = (softmax(logits) - mix) / N.
    # Row 0: [0.9 - 0.85, 0.1 - 0.15] = [0.05, -0.05]; row 1: [0, 0];
    # row 2: [0.6 - 0.75, 0.4 - 0.25] = [-0.15, 0.15]; row 3: [-0.1, 0.1].
    loss.backward()
    hand_grad = torch.tensor(
        [[0.05, -0.05], [0.0, 0.0], [-0.15, 0.15], [-0.1, 0.1]], dtype=torch.float64
    ) / 4
    assert torch.allclose(logits.grad, hand_grad, atol=1e-12)
    # The same, written with the formula itself.
    formula = (torch.tensor(P4, dtype=torch.float64) - torch.tensor(mix, dtype=torch.float64)) / 4
    assert torch.allclose(logits.grad, formula, atol=1e-12)


def test_logconf_half_warmup_mixes_quarter():
    # step_frac = 0.05, warmup 0.1, aux_coef 0.5 -> coef 0.25.
    # Row 0 target = 0.75 * [0.7, 0.3] + 0.25 * [1, 0] = [0.775, 0.225], etc.
    logits = logits_for(P4)
    targets = torch.tensor(T4, dtype=torch.float64)
    mix = 0.75 * targets + 0.25 * torch.tensor([[1.0, 0], [0, 1], [1, 0], [0, 1]], dtype=torch.float64)
    assert mix[0].tolist() == pytest.approx([0.775, 0.225])
    loss = logconf_loss(logits, targets, step_frac=0.05, aux_coef=0.5, warmup_frac=0.1)
    assert torch.allclose(loss, xent_loss(logits, mix))


def test_logconf_three_classes_uses_argmax():
    # argmax of softmax: row 0 -> class 0, row 1 -> class 2. With aux_coef = 1
    # past warmup the target is one_hot(argmax), i.e. plain cross-entropy on it.
    logits = torch.tensor([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0]])
    targets = torch.tensor([[0.2, 0.5, 0.3], [0.4, 0.4, 0.2]])
    loss = logconf_loss(logits, targets, step_frac=1.0, aux_coef=1.0)
    assert torch.allclose(loss, F.cross_entropy(logits, torch.tensor([0, 2])))
    # Hand value, row 0: -ln(e^2 / (e^2 + e + 1)); row 1: -ln(e^3 / (2 + e^3)).
    row0 = -math.log(math.e**2 / (math.e**2 + math.e + 1))
    row1 = -math.log(math.e**3 / (2 + math.e**3))
    assert loss.item() == pytest.approx((row0 + row1) / 2, rel=1e-6)


# ---------------------------------------------------------------- product


def test_product_alpha1_beta0_equals_xent():
    logits, targets = logits_for(P4), torch.tensor(T4, dtype=torch.float64)
    loss = product_loss(logits, targets, alpha=1.0, beta=0.0)
    assert torch.allclose(loss, xent_loss(logits, targets))


def test_product_renormalisation_by_hand_and_detached():
    # p = [0.2, 0.8], weak label [0.6, 0.4], alpha = beta = 1:
    # weights = [0.12, 0.32], sum 0.44 -> target = [3/11, 8/11].
    logits = logits_for([[0.2, 0.8]]).requires_grad_(True)
    targets = torch.tensor([[0.6, 0.4]], dtype=torch.float64)
    loss = product_loss(logits, targets, alpha=1.0, beta=1.0)
    expected = -(3 / 11 * math.log(0.2) + 8 / 11 * math.log(0.8))
    assert loss.item() == pytest.approx(expected, rel=1e-9)
    # Detached target: gradient = p - target = [0.2 - 3/11, 0.8 - 8/11].
    loss.backward()
    assert logits.grad.tolist()[0] == pytest.approx([0.2 - 3 / 11, 0.8 - 8 / 11], abs=1e-9)


def test_product_alpha2_beta0_by_hand():
    # weights = [0.36, 0.16], sum 0.52 -> target = [9/13, 4/13].
    logits = logits_for([[0.2, 0.8]])
    targets = torch.tensor([[0.6, 0.4]], dtype=torch.float64)
    loss = product_loss(logits, targets, alpha=2.0, beta=0.0)
    expected = -(9 / 13 * math.log(0.2) + 4 / 13 * math.log(0.8))
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_product_all_zero_row_is_not_nan():
    # All-zero weights become uniform: target [0.5, 0.5] -> loss = -ln(0.5) for p = [0.5, 0.5].
    logits = torch.zeros(1, 2)
    targets = torch.zeros(1, 2)
    loss = product_loss(logits, targets)
    assert loss.item() == pytest.approx(math.log(2), rel=1e-6)


# ---------------------------------------------------------------- validation and registry


@pytest.mark.parametrize("loss_fn", [xent_loss, product_loss])
def test_bad_shapes_raise(loss_fn):
    with pytest.raises(ValueError, match="same shape"):
        loss_fn(torch.zeros(4, 2), torch.zeros(4, 3))
    with pytest.raises(ValueError, match="2-D"):
        loss_fn(torch.zeros(4), torch.zeros(4))


def test_logconf_bad_shapes_raise():
    with pytest.raises(ValueError, match="same shape"):
        logconf_loss(torch.zeros(3, 2), torch.zeros(2, 2), step_frac=0.5)


def test_unknown_loss_names_allowed():
    with pytest.raises(ValueError, match="nope") as info:
        get_loss("nope")
    for name in ("xent", "logconf", "product"):
        assert name in str(info.value)
    with pytest.raises(ValueError, match="logconf"):
        compute_loss("nope", torch.zeros(1, 2), torch.zeros(1, 2), step_frac=0.0)


def test_registry_contents():
    assert {name: spec.fn for name, spec in LOSSES.items()} == {
        "xent": xent_loss, "logconf": logconf_loss, "product": product_loss}
    assert get_loss("product") is product_loss


def test_every_registered_option_is_a_config_field_with_the_registry_default():
    # A loss is registered once (w2s_edu.losses.LOSSES); the config reads its options from there.
    import dataclasses

    from w2s_edu.config import W2SConfig

    defaults = {f.name: f.default for f in dataclasses.fields(W2SConfig)}
    for spec in LOSSES.values():
        for option in spec.options:
            assert defaults[option.field] == option.default, (spec.name, option.field)
            assert W2SConfig().loss_kwargs[spec.name][option.kwarg] == option.default
        # the functions' own keyword defaults are the registry's
        params = inspect.signature(spec.fn).parameters
        for option in spec.options:
            assert params[option.kwarg].default == option.default, (spec.name, option.kwarg)


def test_compute_loss_routes_step_frac_and_options():
    logits, targets = logits_for(P4), torch.tensor(T4, dtype=torch.float64)
    # xent ignores step_frac.
    assert torch.allclose(compute_loss("xent", logits, targets, 0.3), xent_loss(logits, targets))
    # logconf receives step_frac and its options.
    got = compute_loss("logconf", logits, targets, 0.05, aux_coef=0.5, warmup_frac=0.1)
    assert torch.allclose(got, logconf_loss(logits, targets, step_frac=0.05, aux_coef=0.5, warmup_frac=0.1))
    # product receives alpha/beta but not step_frac.
    got = compute_loss("product", logits, targets, 0.9, alpha=1.0, beta=0.0)
    assert torch.allclose(got, xent_loss(logits, targets))


def test_compute_loss_rejects_foreign_options():
    logits, targets = torch.zeros(2, 2), torch.full((2, 2), 0.5)
    with pytest.raises(TypeError, match="aux_coef"):
        compute_loss("xent", logits, targets, 0.0, aux_coef=0.5)
    with pytest.raises(TypeError, match="alpha"):
        compute_loss("logconf", logits, targets, 0.0, alpha=1.0)
    with pytest.raises(TypeError, match="beta"):
        compute_loss("product", logits, targets, 0.0, bta=1.0)


# ---------------------------------------------------------------- loss_targets (micro-batching)


@pytest.mark.parametrize("name,kwargs", [("xent", {}), ("logconf", {"aux_coef": 0.5, "warmup_frac": 0.0}),
                                         ("product", {"alpha": 1.0, "beta": 1.0})])
def test_every_loss_is_xent_against_its_target(name, kwargs):
    # The training loop relies on this identity to keep whole-batch targets under micro-batching.
    torch.manual_seed(0)
    logits = torch.randn(8, 2)
    targets = torch.softmax(torch.randn(8, 2), dim=1)
    expected = compute_loss(name, logits, targets, 0.5, **kwargs)
    got = xent_loss(logits, loss_targets(name, logits, targets, 0.5, **kwargs))
    assert torch.allclose(got, expected)


def test_loss_targets_are_detached_and_rows_sum_to_one():
    logits = torch.randn(6, 2, requires_grad=True)
    targets = torch.softmax(torch.randn(6, 2), dim=1)
    out = loss_targets("logconf", logits, targets, 1.0, aux_coef=0.5)
    assert not out.requires_grad
    assert torch.allclose(out.sum(dim=1), torch.ones(6))
