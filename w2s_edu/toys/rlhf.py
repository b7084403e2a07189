"""A toy RLHF pipeline with a judge who has a blind spot (lesson 01, "The limits of RLHF").

A *response* is a vector of four features (see ``FEATURES``), in standard units:

* ``correctness`` and ``helpfulness`` are what makes a response good: its **true quality** is their sum;
* ``confidence`` and ``length`` are how good it *looks*.

The policy that writes responses can *bluff*: a bluff makes an answer longer and more confident, and
a little less correct. Bluffs come from a heavy-tailed (exponential) distribution whose scale
``exploit`` says how far the policy can push them, so a policy searched hard enough finds extreme bluffs.

The **judge** (a stand-in for a human labeller) cannot check correctness. With ``blind_spot`` b in
[0, 1] its score is ``(1 - b) * correctness + helpfulness + b * (confidence + length)``, and it prefers
response a over response b with the Bradley-Terry probability ``sigmoid((score_a - score_b) / T)``.

The pipeline: sample pairs, ask the judge, fit a linear reward model with the Bradley-Terry loss,
then optimise against it with best-of-n selection and watch true quality and learned reward part ways
(:func:`run_overoptimisation`, :func:`plot_overoptimisation`, :func:`overoptimisation_widget`).
Everything is seeded and runs in well under a second on a CPU.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..ui.widgets import plot_panel, single_thread

__all__ = [
    "FEATURES", "TRUE_WEIGHTS", "BLUFF_COST", "sample_responses", "true_quality", "judge_weights", "judge_score",
    "judge_preference_prob", "make_preferences", "bradley_terry_loss", "RewardModel", "reward_model_step",
    "train_reward_model", "best_of_n", "overoptimisation_curve", "powers_of_two", "OveroptResult",
    "run_overoptimisation", "plot_overoptimisation", "overoptimisation_widget", "single_thread"]

FEATURES = ("correctness", "helpfulness", "confidence", "length")
TRUE_WEIGHTS = torch.tensor([1.0, 1.0, 0.0, 0.0])  # true quality = correctness + helpfulness
BLUFF_COST = 0.5  # correctness lost per unit of bluff


def _in_single_thread(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with single_thread():
            return fn(*args, **kwargs)
    return wrapper


# ------------------------------------------------------------------------------------------- the world
def sample_responses(shape, exploit: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Responses of the base policy, a tensor of shape ``(*shape, 4)`` (columns: ``FEATURES``).

    ``exploit`` scales the bluff (centred exponential): 0 means the policy never bluffs."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    z = torch.randn(*shape, 4, generator=generator)
    bluff = exploit * (torch.empty(shape).exponential_(generator=generator) - 1.0)
    return torch.stack([z[..., 0] - BLUFF_COST * bluff, z[..., 1],
                        bluff + 0.5 * z[..., 2], bluff + 0.5 * z[..., 3]], dim=-1)


def true_quality(responses: torch.Tensor) -> torch.Tensor:
    """What we actually want: correctness + helpfulness, shape ``responses.shape[:-1]``."""
    return responses @ TRUE_WEIGHTS.to(responses.dtype)


def judge_weights(blind_spot: float) -> torch.Tensor:
    """The judge's weights on ``FEATURES``: correctness fades and appearance grows with the blind spot."""
    b = float(blind_spot)
    return torch.tensor([1.0 - b, 1.0, b, b])


def judge_score(responses: torch.Tensor, blind_spot: float) -> torch.Tensor:
    """How good each response looks to the judge, shape ``responses.shape[:-1]``."""
    return responses @ judge_weights(blind_spot).to(responses.dtype)


def judge_preference_prob(resp_a, resp_b, blind_spot: float, temperature: float = 1.0) -> torch.Tensor:
    """P(judge prefers a over b) = sigmoid((score_a - score_b) / temperature), one per pair."""
    return torch.sigmoid((judge_score(resp_a, blind_spot) - judge_score(resp_b, blind_spot)) / temperature)


def make_preferences(n_pairs: int, blind_spot: float, exploit: float = 1.0, temperature: float = 1.0,
                     seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n_pairs`` comparisons labelled by the judge: ``(chosen, rejected)``, each of shape ``(n_pairs, 4)``."""
    g = torch.Generator().manual_seed(seed)
    a, b = sample_responses(n_pairs, exploit, g), sample_responses(n_pairs, exploit, g)
    a_wins = torch.rand(n_pairs, generator=g) < judge_preference_prob(a, b, blind_spot, temperature)
    return torch.where(a_wins[:, None], a, b), torch.where(a_wins[:, None], b, a)


# ------------------------------------------------------------------------------------- the reward model
def bradley_terry_loss(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> torch.Tensor:
    """Mean of ``-log sigmoid(r_chosen - r_rejected)`` over the batch (``logsigmoid`` is stable)."""
    return -F.logsigmoid(r_chosen - r_rejected).mean()


class RewardModel(torch.nn.Module):
    """A linear reward model: one learned weight per feature, and a bias."""

    def __init__(self, n_features: int = len(FEATURES)):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, 1)

    def forward(self, responses: torch.Tensor) -> torch.Tensor:
        return self.linear(responses).squeeze(-1)

    def weights(self) -> dict[str, float]:
        """The learned weight of each feature, by name."""
        w = self.linear.weight.detach()[0].tolist()
        names = FEATURES if len(w) == len(FEATURES) else [f"x{i}" for i in range(len(w))]
        return dict(zip(names, w))


def reward_model_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, chosen: torch.Tensor,
                      rejected: torch.Tensor) -> float:
    """One full-batch optimiser step on the Bradley-Terry loss; returns the loss before the step."""
    loss = bradley_terry_loss(model(chosen), model(rejected))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


@_in_single_thread
def train_reward_model(chosen: torch.Tensor, rejected: torch.Tensor, steps: int = 300, lr: float = 0.05,
                       seed: int = 0) -> RewardModel:
    """Fit a :class:`RewardModel` to preference pairs with full-batch Adam on the Bradley-Terry loss."""
    torch.manual_seed(seed)
    model = RewardModel(chosen.shape[-1])
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        reward_model_step(model, opt, chosen, rejected)
    return model


# ------------------------------------------------------------------------------ optimisation pressure
def best_of_n(candidates: torch.Tensor, reward_fn, n: int) -> torch.Tensor:
    """For each row of ``candidates`` (shape ``(trials, m, d)``), the highest-reward of its first ``n``
    responses; returns shape ``(trials, d)``."""
    if not 1 <= n <= candidates.shape[1]:
        raise ValueError(f"n must be between 1 and {candidates.shape[1]}, got {n}")
    pool = candidates[:, :n]
    with torch.no_grad():
        best = reward_fn(pool).argmax(dim=1)
    return pool[torch.arange(pool.shape[0]), best]


@_in_single_thread
def overoptimisation_curve(candidates: torch.Tensor, reward_fn, ns) -> tuple[np.ndarray, np.ndarray]:
    """Mean true quality and mean reward of the best-of-n response, for each n in ``ns``.

    Both are in standard units of the whole candidate pool (0: a typical response, 1: one standard
    deviation better), so curves of different scales can share one axis. Returns ``(true, proxy)``."""
    with torch.no_grad():
        t_all, r_all = true_quality(candidates), reward_fn(candidates)
        true_curve, proxy_curve = [], []
        for n in ns:
            chosen = best_of_n(candidates, reward_fn, int(n))
            true_curve.append(((true_quality(chosen) - t_all.mean()) / t_all.std()).mean().item())
            proxy_curve.append(((reward_fn(chosen) - r_all.mean()) / r_all.std()).mean().item())
    return np.array(true_curve), np.array(proxy_curve)


def powers_of_two(max_n: int) -> list[int]:
    """1, 2, 4, ... up to ``max_n`` (and ``max_n`` itself if it is not a power of two)."""
    ns = [2 ** k for k in range(int(np.log2(max(1, max_n))) + 1)]
    return ns if ns[-1] == max_n else ns + [int(max_n)]


@dataclass
class OveroptResult:
    """One overoptimisation run: curves against ``ns`` in standard units, and the reward model's weights."""

    blind_spot: float
    exploit: float
    ns: list[int]
    true: np.ndarray  # true quality of the response picked by the learned reward
    proxy: np.ndarray  # learned reward of that response
    oracle: np.ndarray  # true quality when picking by true quality (the best any selection can do)
    weights: dict[str, float]

    @property
    def peak_n(self) -> int:
        return self.ns[int(np.argmax(self.true))]

    @property
    def gap(self) -> np.ndarray:
        """Learned reward minus true quality of the picked response, per n (standard units)."""
        return self.proxy - self.true


@_in_single_thread
def run_overoptimisation(blind_spot: float = 0.6, exploit: float = 1.0, max_n: int = 256, n_pairs: int = 2000,
                         trials: int = 400, temperature: float = 1.0, steps: int = 300,
                         seed: int = 0) -> OveroptResult:
    """The whole pipeline: judge-labelled pairs, a reward model, then best-of-n for n = 1, 2, 4, ..., max_n."""
    chosen, rejected = make_preferences(n_pairs, blind_spot, exploit, temperature, seed)
    model = train_reward_model(chosen, rejected, steps=steps, seed=seed)
    candidates = sample_responses((trials, max_n), exploit, torch.Generator().manual_seed(seed + 1))
    ns = powers_of_two(max_n)
    true, proxy = overoptimisation_curve(candidates, model, ns)
    oracle, _ = overoptimisation_curve(candidates, true_quality, ns)
    return OveroptResult(float(blind_spot), float(exploit), ns, true, proxy, oracle, model.weights())


# ---------------------------------------------------------------------------------------------- views
def plot_overoptimisation(blind_spot: float = 0.6, exploit: float = 1.0, max_n: int = 256, result=None, ax=None,
                          **kwargs):
    """Plot learned reward and true quality of the best-of-n response against n; returns the figure.

    Runs :func:`run_overoptimisation` (``kwargs`` go to it) unless a ``result`` is given."""
    import matplotlib.pyplot as plt

    r = result if result is not None else run_overoptimisation(blind_spot, exploit, max_n, **kwargs)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4))
    else:
        fig = ax.figure
    ax.plot(r.ns, r.proxy, "o-", color="#e07b39", label="learned reward (what we optimise)")
    ax.plot(r.ns, r.true, "o-", color="#1f4e79", label="true quality (what we wanted)")
    ax.plot(r.ns, r.oracle, ":", color="#3a9d5d", label="true quality, picking by true quality")
    ax.axvline(r.peak_n, color="#1f4e79", alpha=0.3, linestyle="--")
    ax.set_xscale("log", base=2)
    ax.set_xticks(r.ns, [str(n) for n in r.ns], fontsize=8)
    ax.minorticks_off()
    ax.set_xlabel("n in best-of-n (optimisation pressure)")
    ax.set_ylabel("mean of the picked response\n(standard units of the base policy)")
    ax.set_title(f"blind spot {r.blind_spot:.2f}, exploit {r.exploit:.2f}: true quality peaks at n = {r.peak_n}",
                 fontsize=10)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def overoptimisation_widget(max_ns=(8, 16, 32, 64, 128, 256, 512, 1024), **kwargs):
    """Sliders for the judge's blind spot, the policy's room to exploit and the largest n; each change makes
    one call to :func:`plot_overoptimisation` and redraws. Returns the widget box; ``box.controls`` holds
    the sliders and ``box.output`` the Output widget. Errors are shown in the widget, with the traceback."""
    import ipywidgets as widgets

    style, layout = {"description_width": "110px"}, widgets.Layout(width="420px")
    controls = {
        "blind_spot": widgets.FloatSlider(value=0.6, min=0.0, max=1.0, step=0.05, description="judge blind spot",
                                          continuous_update=False, style=style, layout=layout),
        "exploit": widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1, description="policy can exploit",
                                       continuous_update=False, style=style, layout=layout),
        "max_n": widgets.SelectionSlider(options=list(max_ns), value=256 if 256 in max_ns else max_ns[-1],
                                         description="largest n", continuous_update=False, style=style,
                                         layout=layout),
    }
    return plot_panel(controls, lambda values: (plot_overoptimisation(**values, **kwargs), "<overoptimisation plot>"))
