"""Checks for lesson 01 (the limits of RLHF): the Bradley-Terry loss, the judge, the reward model,
best-of-n selection and the overoptimisation curve."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from . import checked_call, passed, record_checks

__all__ = ["check_bradley_terry_loss", "check_judge_preference_prob", "check_reward_model_step",
           "check_best_of_n", "check_overoptimisation_curve", "HINTS"]

# One nudge per exercise, shown when the learner's code crashes (the lesson's hints have more).
HINTS = {
    "bradley_terry_loss": "the loss is the batch mean of -log sigmoid(r_chosen - r_rejected); compute it with torch "
                          "operations on the input tensors, and use the stable log-sigmoid that torch provides.",
    "judge_preference_prob": "score each response as (1 - b) * correctness + helpfulness + b * (confidence + "
                             "length), picking the columns with [..., i]; the probability is the sigmoid of the "
                             "score difference divided by the temperature.",
    "reward_model_step": "compute both rewards with the model, the loss with bt_loss_ref, then zero the gradients, "
                         "backpropagate and step; return the loss as a Python float.",
    "best_of_n": "keep only the first n candidates of every trial, score them with reward_fn, and take one row "
                 "per trial at its own argmax.",
    "overoptimisation_curve": "compute the pool's mean and standard deviation of both scores once, over all "
                              "candidates; then for each n standardise the scores of the best-of-n pick and "
                              "average them over the trials.",
}


def _run(fn: Callable, *args, exercise: str, what: str):
    """``fn(*args)`` on one torch thread; a stub or a crash becomes an AssertionError that says which call
    failed, how, and the exercise's hint."""
    from ..ui.widgets import single_thread

    with single_thread():
        return checked_call(fn, *args, exercise=exercise, what=what, hint=HINTS[exercise])


def _number(x, what: str) -> float:
    if x is None:
        raise AssertionError(f"{what} returned None: did you forget `return`?")
    if isinstance(x, torch.Tensor) and x.numel() != 1:
        raise AssertionError(f"{what} returned a tensor of shape {tuple(x.shape)}; expected one number (a 0-d "
                             "tensor). Average over the batch with .mean().")
    return float(x.detach()) if isinstance(x, torch.Tensor) else float(x)


def _t(*values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


# ------------------------------------------------------------------------------------------ exercise 1
def _bt(d: float) -> float:
    """-log sigmoid(d), computed stably in float64."""
    return math.log1p(math.exp(-d)) if d > -30 else -d + math.log1p(math.exp(d))


def check_bradley_terry_loss(fn: Callable) -> None:
    """Check ``bradley_terry_loss(r_chosen, r_rejected)``: mean of -log sigmoid(r_chosen - r_rejected)."""
    ex = "bradley_terry_loss"

    def loss(c, r, what):
        out = _run(fn, _t(*c), _t(*r), exercise=ex, what=f"bradley_terry_loss({list(c)}, {list(r)})")
        return out, _number(out, what)

    out, got = loss([0.0], [0.0], "bradley_terry_loss on one tied pair")
    if not isinstance(out, torch.Tensor) or out.dim() != 0:
        raise AssertionError(f"expected a 0-d torch tensor (a scalar loss to call .backward() on), got {out!r}.")
    if not math.isclose(got, math.log(2), abs_tol=1e-5):
        raise AssertionError(f"a tie (both rewards 0) should cost log 2 = {math.log(2):.4f}, got {got:.4f}. "
                             "The loss is -log(sigmoid(r_chosen - r_rejected)), and sigmoid(0) = 0.5.")

    c, r = [2.0, 0.0, -1.0], [0.0, 1.0, 0.5]
    expected = sum(_bt(a - b) for a, b in zip(c, r)) / 3
    _, got = loss(c, r, "bradley_terry_loss on three pairs")
    if not math.isclose(got, expected, abs_tol=1e-4):
        hint = ""
        if math.isclose(got, 3 * expected, abs_tol=1e-3):
            hint = " It is 3x too big: average over the batch (.mean()), don't sum."
        elif math.isclose(got, sum(_bt(b - a) for a, b in zip(c, r)) / 3, abs_tol=1e-3):
            hint = " chosen and rejected look swapped: the loss is small when r_chosen > r_rejected."
        elif math.isclose(got, -sum(1 / (1 + math.exp(b - a)) for a, b in zip(c, r)) / 3, abs_tol=1e-3):
            hint = " It looks like -sigmoid(...): take the log of the sigmoid."
        raise AssertionError(f"bradley_terry_loss({c}, {r}) returned {got:.4f}, expected {expected:.4f} "
                             f"(mean of -log sigmoid(r_chosen - r_rejected)).{hint}")

    _, one = loss([1.0], [0.0], "one pair")
    _, many = loss([1.0] * 8, [0.0] * 8, "eight equal pairs")
    if not math.isclose(one, many, rel_tol=1e-5):
        raise AssertionError(f"eight copies of a pair cost {many:.4f} but one copy costs {one:.4f}: the loss should "
                             "be a mean over the batch, so it does not grow with the batch size.")

    _, good = loss([3.0], [0.0], "a pair the model ranks right")
    _, bad = loss([0.0], [3.0], "a pair the model ranks wrong")
    if not good < 0.1 < 3.0 < bad:
        raise AssertionError(f"ranking the chosen response 3 above the rejected one should cost little "
                             f"({_bt(3):.3f}) and ranking it 3 below should cost a lot ({_bt(-3):.3f}); got {good:.3f} "
                             f"and {bad:.3f}. Is the difference r_chosen - r_rejected (not the reverse)?")

    _, far = loss([-200.0], [0.0], "a pair ranked wrong by 200")
    if not math.isclose(far, 200.0, rel_tol=1e-4):
        raise AssertionError(f"with r_chosen - r_rejected = -200 the loss should be 200, got {far}. "
                             "torch.log(torch.sigmoid(x)) underflows to log(0) = -inf for very negative x: use "
                             "torch.nn.functional.logsigmoid, which is computed stably.")

    g = torch.Generator().manual_seed(11)
    c_rand, r_rand = (torch.randn(37, generator=g) * 3).tolist(), (torch.randn(37, generator=g) * 3).tolist()
    expected = sum(_bt(a - b) for a, b in zip(_t(*c_rand).tolist(), _t(*r_rand).tolist())) / 37
    _, got = loss(c_rand, r_rand, "bradley_terry_loss on 37 random pairs")
    if not math.isclose(got, expected, abs_tol=1e-5):
        raise AssertionError(f"on 37 random pairs (rewards of size about 3) the loss is {got:.6f}, expected "
                             f"{expected:.6f} (the mean of -log sigmoid(r_chosen - r_rejected)).")

    rc, rr = _t(1.0, -1.0).requires_grad_(), _t(0.0, 0.0).requires_grad_()
    out = _run(fn, rc, rr, exercise=ex, what="bradley_terry_loss on tensors that require grad")
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        raise AssertionError("the loss does not carry gradients back to the rewards: compute it with torch "
                             "operations on the input tensors (no .item(), .detach(), numpy or math).")
    out.backward()
    want = -(1 - torch.sigmoid(rc.detach() - rr.detach())) / 2
    if rc.grad is None or not torch.allclose(rc.grad, want, atol=1e-5) or not torch.allclose(rr.grad, -want, atol=1e-5):
        raise AssertionError(f"gradients look wrong: d loss / d r_chosen = {rc.grad}, expected {want} (pushing the "
                             "chosen reward up lowers the loss; the rejected reward gets the opposite gradient).")
    passed(ex, 8)


# ------------------------------------------------------------------------------------------ exercise 2
def check_judge_preference_prob(fn: Callable) -> None:
    """Check ``judge_preference_prob(resp_a, resp_b, blind_spot, temperature=1.0)``."""
    ex = "judge_preference_prob"
    zero = torch.zeros(1, 4)

    def p(a, b, blind, temp=1.0):
        what = f"judge_preference_prob({a.tolist()}, {b.tolist()}, blind_spot={blind}, temperature={temp})"
        out = _run(fn, a, b, blind, temp, exercise=ex, what=what)
        if out is None:
            raise AssertionError(f"{what} returned None: did you forget `return`?")
        return torch.as_tensor(out, dtype=torch.float32), what

    def one_hot(i, v=1.0):
        x = torch.zeros(1, 4)
        x[0, i] = v
        return x

    s = 1 / (1 + math.exp(-1))
    cases = [  # (a, blind_spot, temperature, expected P(a over zero response), why)
        (one_hot(0), 0.0, 1.0, s, "a fully sighted judge sees correctness: score difference 1"),
        (one_hot(0), 1.0, 1.0, 0.5, "a fully blind judge cannot see correctness at all"),
        (one_hot(0), 0.75, 1.0, 1 / (1 + math.exp(-0.25)), "correctness weighs (1 - blind_spot)"),
        (one_hot(1), 0.9, 1.0, s, "helpfulness is always visible, whatever the blind spot"),
        (one_hot(2) + one_hot(3), 0.5, 1.0, s, "confidence and length each weigh blind_spot: 0.5 + 0.5"),
        (one_hot(2) + one_hot(3), 0.0, 1.0, 0.5, "with no blind spot, appearance does not matter"),
        (one_hot(0), 0.0, 2.0, 1 / (1 + math.exp(-0.5)), "the score difference is divided by the temperature"),
        (one_hot(1, 3.0), 0.0, 0.5, 1 / (1 + math.exp(-6.0)), "a low temperature makes the judge more decisive"),
    ]
    for a, blind, temp, expected, why in cases:
        got, what = p(a, zero, blind, temp)
        if got.numel() != 1 or not math.isclose(float(got.reshape(-1)[0]), expected, abs_tol=1e-4):
            hint = ""
            if got.numel() == 1 and math.isclose(float(got.reshape(-1)[0]), 1 - expected, abs_tol=1e-4):
                hint = " That is P(b over a): subtract b's score from a's, not the reverse."
            raise AssertionError(f"{what} gave {got.tolist()}, expected {expected:.4f} ({why}). The judge's score is "
                                 "(1 - b)*correctness + helpfulness + b*(confidence + length), and P = sigmoid("
                                 f"(score_a - score_b) / temperature).{hint}")

    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(50, 4, generator=g), torch.randn(50, 4, generator=g)
    pab, what = p(a, b, 0.3)
    if pab.shape != (50,):
        raise AssertionError(f"for 50 pairs (inputs of shape (50, 4)) expected 50 probabilities, shape (50,), got "
                             f"shape {tuple(pab.shape)}. Combine the features with [..., i] indexing or a matmul.")
    if not ((pab >= 0) & (pab <= 1)).all():
        raise AssertionError("probabilities must lie in [0, 1]: pass the score difference through a sigmoid.")
    pba, _ = p(b, a, 0.3)
    if not torch.allclose(pab + pba, torch.ones(50), atol=1e-5):
        raise AssertionError("P(a over b) + P(b over a) should be 1 for every pair: the judge picks one of the two.")
    paa, _ = p(a, a, 0.3)
    if not torch.allclose(paa, torch.full((50,), 0.5), atol=1e-6):
        raise AssertionError("a response compared with itself should win with probability 0.5.")
    for blind, temp in ((0.3, 1.0), (0.62, 0.7), (0.15, 2.5)):
        got, what = p(a, b, blind, temp)
        w = torch.tensor([1 - blind, 1.0, blind, blind])
        want = torch.sigmoid(((a - b) @ w) / temp)
        if got.shape != (50,):
            raise AssertionError(f"{what} on 50 random pairs returned shape {tuple(got.shape)}; expected (50,).")
        if not torch.allclose(got, want, atol=1e-5):
            raise AssertionError(f"{what} on 50 random pairs differs from sigmoid((score_a - score_b) / temperature) "
                                 f"by up to {float((got - want).abs().max()):.4f}: check the weights "
                                 "(1 - b, 1, b, b) and that you divide by the temperature.")
    passed(ex, len(cases) + 7)


# ------------------------------------------------------------------------------------------ exercise 3
def _linear_model(weights=(0.5, -0.5, 0.2, 0.0), bias=0.3):
    from ..toys.rlhf import RewardModel

    model = RewardModel(4)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([weights]))
        model.linear.bias.fill_(bias)
    return model


def _params(model) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()


def _reference_steps(chosen, rejected, k: int, lr: float = 0.1, scale: float = 1.0):
    """Parameters after ``k`` correct SGD steps (``scale`` multiplies the loss, to recognise mistakes)."""
    from ..toys.rlhf import bradley_terry_loss

    model = _linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(k):
        opt.zero_grad()
        (scale * bradley_terry_loss(model(chosen), model(rejected))).backward()
        opt.step()
    return _params(model)


def check_reward_model_step(fn: Callable) -> None:
    """Check ``reward_model_step(model, optimizer, chosen, rejected)``: one optimiser step, returns the loss."""
    from ..toys.rlhf import RewardModel, bradley_terry_loss

    ex = "reward_model_step"
    g = torch.Generator().manual_seed(0)
    chosen, rejected = torch.randn(16, 4, generator=g), torch.randn(16, 4, generator=g)

    model = _linear_model()
    before = _params(model)
    with torch.no_grad():
        want_loss = float(bradley_terry_loss(model(chosen), model(rejected)))
        swapped_loss = float(bradley_terry_loss(model(rejected), model(chosen)))
    what = "reward_model_step(model, SGD(lr=0.1), chosen, rejected)"
    out = _run(fn, model, torch.optim.SGD(model.parameters(), lr=0.1), chosen, rejected, exercise=ex, what=what)
    got_loss = _number(out, what)
    if not math.isclose(got_loss, want_loss, abs_tol=1e-5):
        hint = ""
        if math.isclose(got_loss, swapped_loss, abs_tol=1e-5):
            hint = " That is the loss with chosen and rejected swapped: the chosen response's reward comes first."
        elif math.isclose(got_loss, 16 * want_loss, rel_tol=1e-5):
            hint = " That is the sum over the 16 pairs: use the mean."
        raise AssertionError(f"{what} returned {got_loss:.5f}; expected the Bradley-Terry loss before the step, "
                             f"{want_loss:.5f} (return loss.item()).{hint}")
    after = _params(model)
    if torch.allclose(after, before):
        raise AssertionError("the model's parameters did not change: call optimizer.step() after loss.backward(), "
                             "and zero the gradients before backward, not between backward and step.")
    one = _reference_steps(chosen, rejected, 1)
    if not torch.allclose(after, one, atol=1e-5):
        hint = ""
        if torch.allclose(after, _reference_steps(chosen, rejected, 1, scale=-1.0), atol=1e-5):
            hint = " The step went uphill: chosen and rejected look swapped, or the loss has the wrong sign."
        elif torch.allclose(after, _reference_steps(chosen, rejected, 1, scale=16.0), atol=1e-5):
            hint = " The step is 16x too big for 16 pairs: use the mean loss, not the sum."
        raise AssertionError(f"after one SGD step the parameters are {after.tolist()}, expected {one.tolist()}."
                             + hint)

    model = _linear_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for k in range(2):
        _run(fn, model, opt, chosen, rejected, exercise=ex, what=f"call {k + 1} of {ex}")
    if not torch.allclose(_params(model), _reference_steps(chosen, rejected, 2), atol=1e-5):
        raise AssertionError("the first step is right but the second is not: gradients from the first step were "
                             "still there. Call optimizer.zero_grad() before loss.backward() in every step.")

    w_true = _t(1.0, -2.0, 0.5, 0.0)
    x_a, x_b = torch.randn(800, 4, generator=g), torch.randn(800, 4, generator=g)
    a_wins = torch.rand(800, generator=g) < torch.sigmoid(2.0 * (x_a - x_b) @ w_true)
    c, r = torch.where(a_wins[:, None], x_a, x_b), torch.where(a_wins[:, None], x_b, x_a)
    torch.manual_seed(0)
    model = RewardModel(4)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = [_number(_run(fn, model, opt, c, r, exercise=ex, what=f"{ex} in a training loop"), ex)
              for _ in range(200)]
    test_a, test_b = torch.randn(500, 4, generator=g), torch.randn(500, 4, generator=g)
    with torch.no_grad():
        acc = float(((model(test_a) > model(test_b)) == ((test_a - test_b) @ w_true > 0)).float().mean())
    if not (losses[-1] < losses[0] - 0.1 and acc > 0.9):
        raise AssertionError(f"200 Adam steps took the loss from {losses[0]:.3f} to {losses[-1]:.3f} and the model "
                             f"ranks {acc:.0%} of held-out pairs right (a correct step reaches > 90%).")
    passed(ex, 5)


# ------------------------------------------------------------------------------------------ exercise 4
def _first_feature(x: torch.Tensor) -> torch.Tensor:
    return x[..., 0]


def check_best_of_n(fn: Callable) -> None:
    """Check ``best_of_n(candidates, reward_fn, n)``: per row, the best of the first n candidates."""
    ex = "best_of_n"
    # two trials of five candidates with two features; the reward is the first feature
    cand = _t(3.0, 1.0, 5.0, 2.0, 9.0, 0.0, 1.0, 2.0, 3.0, 4.0,
              7.0, 0.0, 2.0, 1.0, 8.0, 3.0, 1.0, 4.0, 6.0, 5.0).reshape(2, 5, 2)

    def pick(n, candidates=cand):
        what = f"best_of_n(candidates, reward_fn, n={n})"
        out = _run(fn, candidates.clone(), _first_feature, n, exercise=ex, what=what)
        if out is None:
            raise AssertionError(f"{what} returned None: did you forget `return`?")
        return torch.as_tensor(out, dtype=torch.float32), what

    expected = {1: [[3, 1], [7, 0]], 2: [[5, 2], [7, 0]], 3: [[9, 0], [8, 3]], 4: [[9, 0], [8, 3]],
                5: [[9, 0], [8, 3]]}
    for n, want in expected.items():
        got, what = pick(n)
        want = _t(*sum(want, [])).reshape(2, 2)
        if got.shape != (2, 2):
            raise AssertionError(f"{what} returned shape {tuple(got.shape)}; expected (trials, features) = (2, 2): "
                                 "one whole response per trial (not its reward, not its index).")
        if not torch.equal(got, want):
            lowest = torch.stack([cand[i, :n][cand[i, :n, 0].argmin()] for i in range(2)])
            hint = ""
            if torch.equal(got, lowest):
                hint = " These are the lowest-reward candidates: use argmax, not argmin."
            elif n < 5 and torch.equal(got, torch.stack([cand[i, :n + 1][cand[i, :n + 1, 0].argmax()]
                                                         for i in range(2)])):
                hint = f" You looked at {n + 1} candidates: the first n are candidates[:, :n]."
            elif torch.equal(got, torch.stack([cand[i][cand[i, :, 0].argmax()] for i in range(2)])):
                hint = " You searched all candidates: only the first n count."
            raise AssertionError(f"{what} returned {got.tolist()}, expected {want.tolist()} (the highest-reward "
                                 f"response among the first {n} of each row).{hint}")

    g = torch.Generator().manual_seed(0)
    big = torch.randn(64, 32, 3, generator=g)
    got, what = pick(32, big)
    if not torch.equal(got, big[torch.arange(64), big[..., 0].argmax(1)]):
        raise AssertionError(f"{what} on 64 trials of 32 random candidates picked wrong rows: each trial (row) "
                             "chooses independently among its own candidates.")
    passed(ex, len(expected) + 1)


# ------------------------------------------------------------------------------------------ exercise 5
def check_overoptimisation_curve(fn: Callable) -> None:
    """Check ``overoptimisation_curve(candidates, reward_fn, ns)`` -> (true, proxy) in standard units."""
    from ..toys.rlhf import overoptimisation_curve as reference, sample_responses, true_quality

    ex = "overoptimisation_curve"
    cand = sample_responses((300, 32), 1.0, torch.Generator().manual_seed(3))
    ns = [1, 2, 4, 8, 16, 32]

    def curves(reward_fn, name):
        what = f"overoptimisation_curve(candidates, {name}, ns={ns})"
        out = _run(fn, cand.clone(), reward_fn, list(ns), exercise=ex, what=what)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise AssertionError(f"{what} should return two curves (true, proxy), got {type(out).__name__}.")
        t, p = (np.asarray(torch.as_tensor(c).detach(), dtype=float).reshape(-1) for c in out)
        if t.shape != (len(ns),) or p.shape != (len(ns),):
            raise AssertionError(f"{what}: each curve needs one number per n ({len(ns)}), got shapes {t.shape} and "
                                 f"{p.shape}. Average over the trials.")
        return t, p, what

    def judge(x):
        return x @ _t(0.2, 1.0, 0.8, 0.8)

    t, p, what = curves(judge, "reward_fn")
    rt, rp = reference(cand, judge, ns)
    if not np.allclose(p, rp, atol=2e-3):
        hint = ""
        raw = judge(cand)
        if np.allclose(p[0], float(raw[:, 0].mean()), atol=2e-3):
            hint = " The values look raw: standardise with the mean and std of reward_fn over ALL candidates."
        raise AssertionError(f"{what}: proxy curve {np.round(p, 3)}, expected {np.round(rp, 3)}: the mean over trials "
                             f"of (reward of the best-of-n pick - pool mean) / pool std.{hint}")
    if not np.allclose(t, rt, atol=2e-3):
        hint = " It equals the proxy curve: score the picks with true_quality, not reward_fn." if np.allclose(
            t, rp, atol=2e-3) else ""
        raise AssertionError(f"{what}: true curve {np.round(t, 3)}, expected {np.round(rt, 3)}: the true quality of "
                             f"the response the reward picked, standardised over the pool.{hint}")
    if np.any(np.diff(p) < -1e-6):
        raise AssertionError("the proxy curve should never go down as n grows: the first n candidates are among "
                             "the first 2n.")

    t2, p2, what = curves(lambda x: 10.0 * judge(x) + 3.0, "10 * reward_fn + 3")
    if not (np.allclose(p2, p, atol=2e-3) and np.allclose(t2, t, atol=2e-3)):
        raise AssertionError(f"{what} changed the curves; rescaling a reward picks the same responses, and standard "
                             "units (subtract the pool mean, divide by the pool std) should cancel the scale.")

    t3, p3, _ = curves(true_quality, "true_quality")
    if not np.allclose(t3, p3, atol=1e-4):
        raise AssertionError("with reward_fn = true_quality the two curves should be identical.")
    passed(ex, 5)


record_checks(globals())  # every check_* above records its result for `w2s-edu progress`
