"""Training losses for weak-to-strong experiments.

Every loss here compares a batch of strong-student ``logits`` with soft
``targets`` produced by a weak supervisor:

* ``logits``  -- tensor of shape (N, C), raw scores of the student.
* ``targets`` -- tensor of shape (N, C); each row is a probability
  distribution over the C classes (it sums to 1).

Each loss returns the mean over the batch as a scalar tensor.

Three losses are provided (Burns et al., 2023):

``xent``
    Plain cross-entropy against the weak labels: the student imitates its
    supervisor, mistakes included.
``logconf``
    The auxiliary confidence loss. The target is a mix of the weak label and
    the student's own *hardened* (0/1) prediction, so the student is allowed
    to confidently disagree with its supervisor.
``product``
    The target is proportional to ``weak_label**alpha * student_prob**beta``,
    a soft form of "trust what both of you believe".

In ``logconf`` and ``product`` the mixed target is *detached*: no gradient
flows through the target, only through the logits being trained.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

# The defaults of every loss option, once: the functions below, the registry (:data:`LOSSES`) and
# :class:`w2s_edu.config.W2SConfig` all read them from here.
AUX_COEF = 0.25  # logconf: final weight of the student's own hardened predictions (the paper: 0.75 at scale)
WARMUP_FRAC = 0.2  # logconf: fraction of training over which that weight ramps up from 0
PRODUCT_ALPHA = 1.0  # product: exponent of the weak labels
PRODUCT_BETA = 1.0  # product: exponent of the student's own probabilities

__all__ = [
    "one_hot",
    "xent_loss",
    "logconf_coef",
    "harden_adaptive",
    "harden_argmax",
    "logconf_loss",
    "product_loss",
    "LOSSES",
    "describe_losses",
    "xent_targets",
    "LossOption",
    "LossSpec",
    "register_loss",
    "loss_option",
    "get_loss",
    "compute_loss",
    "loss_targets",
    "logconf_targets",
    "product_targets",
    "loss_name",
    "callable_loss_params",
]


def _check_inputs(logits: torch.Tensor, targets: torch.Tensor) -> None:
    """Raise ``ValueError`` unless logits and targets are 2-D, non-empty and the same shape."""
    if logits.dim() != 2 or targets.dim() != 2:
        raise ValueError(
            "logits and targets must be 2-D tensors of shape (N, C); "
            f"got logits {tuple(logits.shape)} and targets {tuple(targets.shape)}"
        )
    if logits.shape != targets.shape:
        raise ValueError(
            "logits and targets must have the same shape; "
            f"got logits {tuple(logits.shape)} and targets {tuple(targets.shape)}"
        )
    if logits.shape[0] == 0:
        raise ValueError("the batch is empty (N = 0); the mean loss is undefined")


def _soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ``-sum_c targets[i, c] * log softmax(logits)[i, c]``."""
    log_probs = torch.log_softmax(logits, dim=1)
    return -(targets * log_probs).sum(dim=1).mean()


def xent_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the student's logits against soft targets.

    For one row: ``-sum_c targets[c] * log(softmax(logits)[c])``. With one-hot
    targets this is the usual ``F.cross_entropy``. Returns the batch mean.
    """
    _check_inputs(logits, targets)
    return _soft_cross_entropy(logits, targets)


def logconf_coef(step_frac: float, aux_coef: float = AUX_COEF, warmup_frac: float = WARMUP_FRAC) -> float:
    """Weight of the student's own hardened predictions in the logconf target.

    The weight ramps linearly from 0 to ``aux_coef`` during the first
    ``warmup_frac`` of training, then stays at ``aux_coef``::

        coef = aux_coef * min(1, step_frac / warmup_frac)

    With ``warmup_frac == 0`` there is no ramp: the weight is ``aux_coef`` at once.

    The reference implementation (openai/weak-to-strong, ``logconf_loss_fn``) instead uses
    ``aux_coef * (1.0 if step_frac > warmup_frac else step_frac)``: during the warmup it reaches only
    ``warmup_frac * aux_coef`` and then jumps to ``aux_coef`` (its pull request #33 describes the
    jump). This ramp is continuous and ends at ``aux_coef`` when the warmup ends.

    Args:
        step_frac: fraction of training done so far, in [0, 1].
        aux_coef: final weight of the hardened predictions.
        warmup_frac: fraction of training spent ramping up.
    """
    if step_frac < 0 or warmup_frac < 0:
        raise ValueError(
            f"step_frac and warmup_frac must be >= 0; got step_frac={step_frac}, "
            f"warmup_frac={warmup_frac}"
        )
    if warmup_frac == 0:
        return float(aux_coef)
    return float(aux_coef) * min(1.0, step_frac / warmup_frac)


def harden_adaptive(probs: torch.Tensor, positive_rate) -> torch.Tensor:
    """Turn binary probabilities into 0/1 labels with an adaptive threshold.

    Instead of cutting at 0.5, the threshold is chosen so that roughly a
    fraction ``positive_rate`` of the batch is labelled class 1: the examples
    with the smallest probability of class 0 become class 1::

        t = quantile(probs[:, 0], q=positive_rate)   # linear interpolation
        label = 1 where probs[:, 0] < t, else 0

    This keeps the student from collapsing onto a single class.

    Args:
        probs: tensor (N, 2) of class probabilities.
        positive_rate: target fraction of class 1 (a float or 0-d tensor in [0, 1]),
            e.g. the mean of the weak labels' class-1 column.

    Returns:
        Long tensor (N,) of labels 0 or 1.
    """
    if probs.dim() != 2 or probs.shape[1] != 2:
        raise ValueError(f"harden_adaptive needs probs of shape (N, 2); got {tuple(probs.shape)}")
    p0 = probs[:, 0]
    q = torch.as_tensor(positive_rate, dtype=p0.dtype, device=p0.device).clamp(0.0, 1.0)
    threshold = torch.quantile(p0, q)
    return (p0 < threshold).long()


def harden_argmax(probs: torch.Tensor) -> torch.Tensor:
    """Turn class probabilities (N, C) into labels (N,) by taking the most likely class."""
    return probs.argmax(dim=1)


def logconf_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    step_frac: float,
    aux_coef: float = AUX_COEF,
    warmup_frac: float = WARMUP_FRAC,
) -> torch.Tensor:
    """Auxiliary confidence loss: cross-entropy against a weak/self mixture.

    Steps:

    1. ``coef = logconf_coef(step_frac, aux_coef, warmup_frac)``.
    2. ``p = softmax(logits)`` and harden it to labels: with 2 classes by the
       adaptive threshold (positive rate = mean of ``targets[:, 1]``), with
       more classes by argmax.
    3. ``target = (1 - coef) * targets + coef * one_hot(hardened)``, detached.
    4. Return the cross-entropy of ``logits`` against that target.

    At ``coef == 0`` this is exactly :func:`xent_loss`.
    """
    _check_inputs(logits, targets)
    return _soft_cross_entropy(logits, logconf_targets(logits, targets, step_frac, aux_coef, warmup_frac))


def logconf_targets(logits, targets, step_frac, aux_coef=AUX_COEF, warmup_frac=WARMUP_FRAC) -> torch.Tensor:
    """The detached target of :func:`logconf_loss`: ``(1 - coef) * targets + coef * hardened``."""
    coef = logconf_coef(step_frac, aux_coef, warmup_frac)
    num_classes = logits.shape[1]
    with torch.no_grad():
        probs = torch.softmax(logits, dim=1)
        if num_classes == 2:
            hardened = harden_adaptive(probs, targets[:, 1].mean())
        else:
            hardened = harden_argmax(probs)
        one_hot = F.one_hot(hardened, num_classes).to(targets.dtype)
        return ((1.0 - coef) * targets + coef * one_hot).detach()


def product_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    alpha: float = PRODUCT_ALPHA,
    beta: float = PRODUCT_BETA,
) -> torch.Tensor:
    """Cross-entropy against the product of weak labels and student beliefs.

    The target for each row is ``targets**alpha * p**beta`` (with
    ``p = softmax(logits)``), renormalised to sum to 1 and detached.
    ``alpha=1, beta=0`` gives back :func:`xent_loss`. A tiny epsilon is added
    before renormalising so that a row which is zero everywhere becomes
    uniform instead of producing ``nan``.
    """
    _check_inputs(logits, targets)
    return _soft_cross_entropy(logits, product_targets(logits, targets, alpha, beta))


def product_targets(logits, targets, alpha=PRODUCT_ALPHA, beta=PRODUCT_BETA) -> torch.Tensor:
    """The detached target of :func:`product_loss`: ``targets**alpha * p**beta``, renormalised."""
    with torch.no_grad():
        probs = torch.softmax(logits, dim=1)
        weights = targets.pow(alpha) * probs.pow(beta) + 1e-12
        return (weights / weights.sum(dim=1, keepdim=True)).detach()


def xent_targets(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The target of :func:`xent_loss`: the weak labels themselves."""
    return targets


# ----------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class LossOption:
    """One option of a loss: the keyword its functions take (``kwarg``), the
    :class:`w2s_edu.config.W2SConfig` field that sets it (``field``, also ``--set FIELD=VALUE``),
    its default, the range it must lie in (inclusive) and a line of help."""

    kwarg: str
    field: str
    default: float
    low: float
    high: float
    help: str


@dataclass(frozen=True)
class LossSpec:
    """A registered loss: ``fn(logits, targets, [step_frac,] **options)`` returns the batch mean, and
    ``targets(logits, targets, [step_frac,] **options)`` the detached target it trains towards (every
    loss here is the cross-entropy against its target: micro-batching relies on it)."""

    name: str
    fn: Callable[..., torch.Tensor]
    targets: Callable[..., torch.Tensor]
    summary: str
    options: tuple[LossOption, ...] = ()


LOSSES: dict[str, LossSpec] = {}


def register_loss(spec: LossSpec) -> LossSpec:
    """Add a loss to :data:`LOSSES`; the config, the CLI, the panel and the docs list it from there.

    A new option also needs its :class:`w2s_edu.config.W2SConfig` field (``tests/test_losses.py``
    checks that every registered option has one, with the same default)."""
    if spec.name in LOSSES:
        raise ValueError(f"loss {spec.name!r} is already registered")
    for option in spec.options:
        if not option.low <= option.default <= option.high:
            raise ValueError(f"loss {spec.name!r}: the default of {option.field} ({option.default}) is outside "
                             f"[{option.low}, {option.high}]")
    LOSSES[spec.name] = spec
    return spec


def loss_option(field: str) -> LossOption:
    """The registered option set by config field ``field`` (e.g. ``"aux_coef"``)."""
    for spec in LOSSES.values():
        for option in spec.options:
            if option.field == field:
                return option
    raise KeyError(f"no loss has an option set by the config field {field!r}")


register_loss(LossSpec("xent", xent_loss, xent_targets, "cross-entropy against the weak labels: imitate them"))
register_loss(LossSpec(
    "logconf", logconf_loss, logconf_targets,
    "auxiliary confidence loss: mix the weak labels with the student's own hardened predictions",
    (LossOption("aux_coef", "aux_coef", AUX_COEF, 0.0, 1.0, "final weight of the student's hardened predictions"),
     LossOption("warmup_frac", "logconf_warmup_frac", WARMUP_FRAC, 0.0, 1.0,
                "fraction of training over which that weight ramps up linearly from 0"))))
register_loss(LossSpec(
    "product", product_loss, product_targets,
    "target proportional to weak_label**alpha * student_prob**beta: trust what both believe",
    (LossOption("alpha", "product_alpha", PRODUCT_ALPHA, 0.0, 10.0, "exponent of the weak labels"),
     LossOption("beta", "product_beta", PRODUCT_BETA, 0.0, 10.0, "exponent of the student's probabilities"))))


def describe_losses() -> str:
    """One line per loss with its options and defaults (the CLI's help and ``w2s-edu losses``)."""
    lines = []
    for spec in LOSSES.values():
        opts = ", ".join(f"{o.field}={o.default:g}" for o in spec.options)
        lines.append(f"{spec.name:<8} {spec.summary}" + (f" [{opts}]" if opts else ""))
    return "\n".join(lines)


def get_loss(name: str):
    """Return the loss function registered under ``name`` in :data:`LOSSES`."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; allowed losses: {sorted(LOSSES)}")
    return LOSSES[name].fn


def compute_loss(
    name: str,
    logits: torch.Tensor,
    targets: torch.Tensor,
    step_frac: float,
    **kwargs,
) -> torch.Tensor:
    """Call any registered loss with one uniform signature.

    ``step_frac`` is passed only to losses that take it (``logconf``), and each
    keyword option only to the loss that accepts it (``aux_coef`` and
    ``warmup_frac`` for ``logconf``; ``alpha`` and ``beta`` for ``product``).
    An option the chosen loss does not accept raises ``TypeError``, so a typo
    is not silently ignored.
    """
    loss_fn = get_loss(name)
    return loss_fn(logits, targets, **_loss_options(loss_fn, name, step_frac, kwargs))


def _loss_options(loss_fn, name: str, step_frac: float, kwargs: dict) -> dict:
    params = list(inspect.signature(loss_fn).parameters)
    options = [p for p in params if p not in ("logits", "targets", "step_frac")]
    unknown = sorted(set(kwargs) - set(options))
    if unknown:
        accepts = f"it accepts {options}" if options else "it accepts no options"
        raise TypeError(f"loss {name!r} got unexpected option(s) {unknown}; {accepts}")
    if "step_frac" in params:
        return {**kwargs, "step_frac": step_frac}
    return dict(kwargs)


def loss_targets(name: str, logits: torch.Tensor, targets: torch.Tensor, step_frac: float,
                 **kwargs) -> torch.Tensor:
    """The detached soft target that loss ``name`` trains ``logits`` towards.

    Every loss here equals ``xent_loss(logits, loss_targets(name, logits, targets, ...))``. Training
    uses this to keep a whole-batch target (the confidence threshold is a batch quantile) while
    running the batch in smaller micro-batches.
    """
    _check_inputs(logits, targets)
    options = _loss_options(get_loss(name), name, step_frac, kwargs)
    return LOSSES[name].targets(logits.detach(), targets, **options)


def loss_name(loss) -> str:
    """The name a loss goes by in results: a registered name itself, a function's ``__name__``."""
    return loss if isinstance(loss, str) else str(getattr(loss, "__name__", type(loss).__name__))


def callable_loss_params(fn) -> tuple[bool, tuple[str, ...]]:
    """``(takes_step_frac, options)`` of a loss passed as a function: like a registered loss it gets
    ``step_frac`` if it has that parameter (or ``**kwargs``), and each registered option it names
    (``aux_coef``, ``warmup_frac``, ``alpha``, ``beta``) from the config. ``ValueError`` (naming it) otherwise."""
    name = loss_name(fn)
    if not callable(fn):
        raise ValueError(f"{fn!r} is neither a registered loss ({', '.join(LOSSES)}) nor a function")
    if not name.isidentifier() or name in LOSSES:
        raise ValueError(f"the loss {fn!r} needs a name of its own for the result table (not a lambda, not a "
                         f"registered loss's name): define it with `def` and another name")
    params, kind = list(inspect.signature(fn).parameters.values()), inspect.Parameter
    positional = [p for p in params if p.kind in (kind.POSITIONAL_ONLY, kind.POSITIONAL_OR_KEYWORD)]
    if len(positional) < 2 and not any(p.kind == kind.VAR_POSITIONAL for p in params):
        raise ValueError(f"the loss {name!r} must take (logits, targets) first: it is called as "
                         f"{name}(logits, targets[, step_frac=...]) and returns the batch mean")
    known = {o.kwarg for spec in LOSSES.values() for o in spec.options}
    rest = [p for p in params[len(positional[:2]):] if p.kind in (kind.POSITIONAL_OR_KEYWORD, kind.KEYWORD_ONLY)]
    for p in rest:
        if p.name != "step_frac" and p.name not in known and p.default is kind.empty:
            raise ValueError(f"the loss {name!r} has a parameter {p.name!r} without a default; the training "
                             f"loop passes only step_frac and the options {', '.join(sorted(known))}")
    takes_step = any(p.name == "step_frac" for p in rest) or any(p.kind == kind.VAR_KEYWORD for p in params)
    return takes_step, tuple(p.name for p in rest if p.name in known)


def one_hot(labels, num_classes: int = 2):
    """Ground-truth labels (N,) as soft targets (N, C) in float32 numpy: what a model trained on
    ground truth is trained towards (the weak model, the ceiling)."""
    import numpy as np

    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels, dtype=np.int64)]
