"""Losses passed as functions: ``run_w2s(cfg.replace(losses=["xent", my_loss]))``.

A registered loss (:data:`w2s_edu.losses.LOSSES`) is a name; in Python a config may also hold a
function ``my_loss(logits, targets[, step_frac][, aux_coef=..., warmup_frac=..., alpha=..., beta=...])``
that returns the batch-mean loss, a 0-d tensor with a gradient. The training loop calls it on each whole
batch (one process, no micro-batches), with ``step_frac`` (the fraction of training done) if it takes
that parameter and each registered option it names from the config
(:func:`w2s_edu.losses.callable_loss_params`). The results name it by its ``__name__``.

* :func:`call_loss` calls it and turns every way it can fail (it raises, returns something that is not
  a scalar tensor, a tensor without a gradient, or a non-finite value) into one :class:`LossError`
  that names the loss and says what to do.
* :func:`loss_fingerprint` is the cache's view of it: a hash of its source (its bytecode when there is
  no source), its defaults, its closure and, followed recursively, the functions and plain values of
  the learner's own code that it refers to by name (library code, such as torch's, is named, not
  hashed). A run trained with a loss is read back from the cache only under the same fingerprint, so
  a changed function (or a changed helper it calls) trains again. When something it refers to cannot
  be hashed (a tensor, an object, a module of the learner's own) the fingerprint is None and that loss
  is **never cached**: it trains afresh on every run.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import sysconfig
import traceback
import types

import torch

from .. import cache
from ..losses import callable_loss_params, loss_name

__all__ = ["LossError", "call_loss", "loss_fingerprint", "loss_cache_key"]


class LossError(ValueError):
    """A loss given as a function failed or returned something training cannot use; the message names it."""


def _line(err: BaseException, fn) -> str:
    """' (line 4 of my_loss: `return ...`)': the deepest frame of the learner's code in the traceback."""
    code = getattr(fn, "__code__", None)
    frames = [f for f in traceback.extract_tb(err.__traceback__) if code and f.filename == code.co_filename]
    if not frames:
        return ""
    f = frames[-1]
    return f" (line {f.lineno} of {f.name}" + (f": `{f.line.strip()}`)" if f.line else ")")


def call_loss(fn, logits: torch.Tensor, targets: torch.Tensor, step_frac: float, options: dict,
              where: str = "") -> torch.Tensor:
    """``fn(logits, targets, [step_frac=...,] **options)``, checked: a finite 0-d tensor with a gradient."""
    name = loss_name(fn)
    takes_step, _ = callable_loss_params(fn)
    kwargs = {**options, **({"step_frac": step_frac} if takes_step else {})}
    try:
        out = fn(logits, targets, **kwargs)
    except Exception as err:
        raise LossError(f"The loss {name!r} raised {type(err).__name__}: {err}{_line(err, fn)} {where}. It is "
                        f"called as {name}(logits (N, 2), targets (N, 2) soft labels"
                        f"{', step_frac=' if takes_step else ''}{'...' if takes_step else ''}).") from None
    if not isinstance(out, torch.Tensor):
        raise LossError(f"The loss {name!r} returned {type(out).__name__} {where}; return a tensor (the batch mean, "
                        "not .item()), so that training can backpropagate it.")
    if out.numel() != 1:
        raise LossError(f"The loss {name!r} returned a tensor of shape {tuple(out.shape)} {where}; return one number "
                        "per batch: take the mean over the examples.")
    if not out.requires_grad:
        raise LossError(f"The loss {name!r} returned a tensor without a gradient {where}: compute it from the "
                        "logits outside torch.no_grad(), without .detach() (only the target is detached).")
    if not torch.isfinite(out.detach()).all():
        raise LossError(f"The loss {name!r} returned {out.item()} {where}: use log_softmax rather than "
                        "log(softmax(...)), or lower the learning rate.")
    return out.reshape(())


_PLAIN = (bool, int, float, complex, str, bytes, type(None))


@functools.lru_cache(maxsize=1)
def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(k)}
    dirs.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this package
    return tuple(os.path.abspath(d) + os.sep for d in dirs)


def _is_library(module_name: str | None) -> bool:
    if module_name in sys.builtin_module_names:
        return True
    path = getattr(sys.modules.get(module_name or ""), "__file__", None)  # a notebook's __main__ has none
    return path is not None and os.path.abspath(path).startswith(_library_dirs())


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _code(code: types.CodeType) -> list:
    return [code.co_code.hex(), sorted(code.co_names),
            [_code(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]]


def _describe(obj, seen: set):
    """Plain data describing ``obj`` for the fingerprint, or None when it cannot be described."""
    if isinstance(obj, _PLAIN):
        return [type(obj).__name__, repr(obj)]
    if isinstance(obj, (list, tuple)):
        parts = [_describe(x, seen) for x in obj]
        return None if None in parts else [type(obj).__name__, parts]
    if isinstance(obj, dict):
        parts = [[_describe(k, seen), _describe(v, seen)] for k, v in obj.items()]
        return None if any(None in p for p in parts) else ["dict", parts]
    if isinstance(obj, types.ModuleType):
        return ["module", obj.__name__] if _is_library(obj.__name__) else None
    if isinstance(obj, functools.partial):
        parts = [_describe(obj.func, seen), _describe(obj.args, seen), _describe(obj.keywords, seen)]
        return None if None in parts else ["partial", parts]
    module = getattr(obj, "__module__", None)
    if _is_library(module) and (inspect.isroutine(obj) or inspect.isclass(obj)
                                or isinstance(obj, (torch.dtype, torch.device))):
        return ["library", module, getattr(obj, "__qualname__", repr(obj))]
    if inspect.isfunction(obj):
        return _function(obj, seen)
    return None


def _function(fn: types.FunctionType, seen: set):
    if fn in seen:  # recursion, or two helpers calling each other
        return ["seen", fn.__qualname__]
    seen.add(fn)
    try:
        body = inspect.getsource(fn)
    except (OSError, TypeError):
        body = _code(fn.__code__)
    refs = {n: _describe(fn.__globals__[n], seen) for n in sorted(_names(fn.__code__)) if n in fn.__globals__}
    try:
        cells = [c.cell_contents for c in fn.__closure__ or ()]
    except ValueError:  # an empty cell: a name not bound yet
        return None
    parts = [_describe(fn.__defaults__ or (), seen), _describe(fn.__kwdefaults__ or {}, seen),
             _describe(cells, seen)]
    if None in parts or None in refs.values():
        return None
    return ["function", fn.__qualname__, body, refs, parts]


def loss_fingerprint(fn) -> str | None:
    """A hash of the code behind the loss function ``fn`` (see the module's docstring), or None when it
    cannot be hashed: then runs with it are never cached."""
    described = _describe(fn, set())
    return None if described is None else cache.stable_hash(described)


def loss_cache_key(loss) -> str | dict | None:
    """What the run cache keys a loss by: a registered loss's name; for a function its name and
    fingerprint, or None when it has no fingerprint (such a run is not cached)."""
    if isinstance(loss, str):
        return loss
    fingerprint = loss_fingerprint(loss)
    return None if fingerprint is None else {"function": loss_name(loss), "code": fingerprint}
