"""A loss passed as a function (``run_w2s(cfg.replace(losses=["xent", my_loss]))``): it trains like the
registered loss it reimplements, it is named by ``__name__``, a bad one fails with one clear error naming
it, and the run cache never reuses a result computed with different code."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from w2s_edu import losses
from w2s_edu.config import ConfigError, W2SConfig
from w2s_edu.experiment.pipeline import run_w2s
from w2s_edu.models.classifiers import LinearProbe
from w2s_edu.models.features import Inputs
from w2s_edu.train import executor
from w2s_edu.train.callable_loss import LossError, call_loss, loss_cache_key, loss_fingerprint
from w2s_edu.train.loop import TrainConfig, train_classifier

SMALL = dict(seeds=[0], n_train_weak=48, n_train_strong=48, n_test=48, show_progress=False,
             weak="minilm-l1", strong="minilm-l2", mode="probe")


def my_xent(logits, targets):
    return -(targets * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()


def my_logconf(logits, targets, step_frac, aux_coef, warmup_frac):  # options come from the config
    return losses.logconf_loss(logits, targets, step_frac, aux_coef=aux_coef, warmup_frac=warmup_frac)


def test_a_function_equal_to_a_registered_loss_gives_its_numbers(monkeypatch):
    calls = []
    real = executor.train_classifier
    monkeypatch.setattr(executor, "train_classifier", lambda *a, **k: calls.append(k["desc"]) or real(*a, **k))
    cfg = W2SConfig(**SMALL, losses=["xent", "logconf", my_xent, my_logconf], aux_coef=0.6)
    r = run_w2s(cfg)
    assert list(r.w2s_acc) == ["xent", "logconf", "my_xent", "my_logconf"]
    assert r.correct["my_xent"] == r.correct["xent"] and r.w2s_acc["my_xent"] == r.w2s_acc["xent"]
    assert r.correct["my_logconf"] == r.correct["logconf"]  # step_frac, aux_coef and warmup_frac were passed
    assert np.allclose(r.per_seed[0]["loss_curves"]["my_logconf"], r.per_seed[0]["loss_curves"]["logconf"])
    assert "strong on weak labels (my_logconf)" in r.table()
    assert r.to_dict()["config"]["losses"] == ["xent", "logconf", "my_xent", "my_logconf"]  # JSON: names
    assert cfg.loss_kwargs["my_logconf"] == {"aux_coef": 0.6, "warmup_frac": cfg.logconf_warmup_frac}
    trained = len(calls)
    run_w2s(cfg)  # the same code: every model comes from the cache
    assert len(calls) == trained

    changed = _compile("def my_xent(logits, targets):\n"  # the same name, other code: trains again
                       "    return -(targets * torch.log_softmax(logits * 2, 1)).sum(1).mean()", "my_xent")
    run_w2s(cfg.replace(losses=["xent", changed]))
    assert calls[trained:] == ["seed 0 w2s my_xent"]


def test_a_function_that_cannot_be_hashed_is_never_cached(monkeypatch):
    scale = torch.tensor(1.0)  # a tensor: its value is not part of any fingerprint

    def scaled(logits, targets):
        return my_xent(logits * scale, targets)

    assert loss_fingerprint(scaled) is None and loss_cache_key(scaled) is None
    calls = []
    real = executor.train_classifier
    monkeypatch.setattr(executor, "train_classifier", lambda *a, **k: calls.append(k["desc"]) or real(*a, **k))
    cfg = W2SConfig(**SMALL, losses=[scaled])
    run_w2s(cfg)
    run_w2s(cfg)
    assert calls.count("seed 0 w2s scaled") == 2 and len(calls) == len(set(calls)) + 1  # the rest: cached


# ------------------------------------------------------------------------------------------ fingerprints
def _compile(source: str, name: str, namespace: dict | None = None):
    namespace = {"torch": torch, **(namespace or {})}
    exec(source, namespace)  # no source file: the fingerprint falls back on the bytecode
    return namespace[name]


def test_the_cache_key_follows_the_code():
    a = _compile("def f(logits, targets):\n    return -(targets * torch.log_softmax(logits, 1)).sum(1).mean()", "f")
    same = _compile("def f(logits, targets):\n    return -(targets * torch.log_softmax(logits, 1)).sum(1).mean()",
                    "f")
    other = _compile("def f(logits, targets):\n    return -(targets * torch.log_softmax(logits, 1)).sum(1).sum()",
                     "f")
    assert loss_fingerprint(a) == loss_fingerprint(same) != loss_fingerprint(other)
    assert loss_cache_key(my_xent) != loss_cache_key(a) and loss_cache_key("xent") == "xent"

    def defaults(coef):
        return _compile(f"def g(logits, targets, c={coef}):\n    return c * logits.sum()", "g")

    assert loss_fingerprint(defaults(0.5)) != loss_fingerprint(defaults(0.25))
    # a helper of the learner's own, called by name: changing the helper changes the loss's key
    body = "def loss(logits, targets):\n    return helper(logits).mean()"
    h1 = _compile("def helper(x):\n    return x.sum(1)", "helper")
    h2 = _compile("def helper(x):\n    return x.max(1).values", "helper")
    assert loss_fingerprint(_compile(body, "loss", {"helper": h1})) != loss_fingerprint(
        _compile(body, "loss", {"helper": h2}))
    # a plain value it reads, and a closure
    assert loss_fingerprint(_compile(body.replace("helper(logits)", "logits * K"), "loss", {"K": 1})) != \
        loss_fingerprint(_compile(body.replace("helper(logits)", "logits * K"), "loss", {"K": 2}))

    def closing(k):
        def c(logits, targets):
            return (logits * k).mean()
        return c

    assert loss_fingerprint(closing(1)) != loss_fingerprint(closing(2))
    assert loss_fingerprint(functools.partial(my_logconf, warmup_frac=0.1)) is not None


# ------------------------------------------------------------------------------------------ bad losses
def no_default(logits, targets, temperature):
    return my_xent(logits / temperature, targets)


def one_argument(logits):
    return logits.mean()


@pytest.mark.parametrize("loss, match", [
    (3, "neither a registered loss"),
    (lambda logits, targets: logits.mean(), "name of its own"),
    (no_default, "'temperature' without a default"),
    (one_argument, r"must take \(logits, targets\)"),
    ("xent2", "losses from xent"),
])
def test_a_bad_loss_is_a_config_error_naming_it(loss, match):
    with pytest.raises(ConfigError, match=match):
        W2SConfig(**SMALL, losses=["xent", loss])


def test_two_losses_of_one_name_and_micro_batches_are_refused():
    def xent(logits, targets):
        return my_xent(logits, targets)

    with pytest.raises(ConfigError, match="name of its own"):
        W2SConfig(**SMALL, losses=[xent])
    with pytest.raises(ConfigError, match="each loss once"):
        W2SConfig(**SMALL, losses=[my_xent, my_xent])
    with pytest.raises(ConfigError, match="micro_batch_size"):
        W2SConfig(**SMALL, losses=[my_xent], batch_size=32, micro_batch_size=16)


def returns_a_float(logits, targets):
    return my_xent(logits, targets).item()


def per_example(logits, targets):
    return -(targets * torch.log_softmax(logits, dim=1)).sum(dim=1)


def no_gradient(logits, targets):
    with torch.no_grad():
        return my_xent(logits, targets)


def not_finite(logits, targets):
    return torch.log(torch.softmax(logits, 1) * 0).sum(1).mean() * targets.sum() / targets.sum()


def crashes(logits, targets):
    return my_xent(logits, targets[:, 1])


@pytest.mark.parametrize("loss, match", [
    (returns_a_float, "returned float.*not .item"),
    (per_example, r"shape \(8,\).*mean over the examples"),
    (no_gradient, "without a gradient"),
    (not_finite, "returned -?inf|returned nan"),
    (crashes, r"raised RuntimeError.*\(line \d+ of"),
])
def test_a_bad_return_is_one_clear_error_naming_the_loss(loss, match):
    logits = torch.randn(8, 2, requires_grad=True)
    targets = torch.softmax(torch.randn(8, 2), 1)
    with pytest.raises(LossError, match=f"'{loss.__name__}'.*" + match) as info:
        call_loss(loss, logits, targets, 0.5, {}, "at step 1 of 2")
    err = info.value  # no chained traceback through the loop
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)


def test_the_training_loop_reports_a_bad_loss_with_its_step():
    inputs = Inputs("features", torch.randn(16, 4))
    targets = np.full((16, 2), 0.5, dtype=np.float32)
    with pytest.raises(LossError, match=r"'no_gradient' returned a tensor without a gradient at step 1 of 2"):
        train_classifier(LinearProbe(4), inputs, targets, TrainConfig(epochs=1, batch_size=8, loss=no_gradient),
                         show_progress=False)
    with pytest.raises(ValueError, match="one process on whole batches"):
        train_classifier(LinearProbe(4), inputs, targets,
                         TrainConfig(epochs=1, batch_size=8, micro_batch_size=4, loss=my_xent), show_progress=False)
    history = train_classifier(LinearProbe(4), inputs, targets, TrainConfig(epochs=2, batch_size=8, loss=my_xent),
                               show_progress=False)
    assert len(history["loss"]) == 4 and all(np.isfinite(history["loss"]))


def test_the_command_line_takes_only_names(capsys):
    from w2s_edu.cli.main import main

    assert main(["run", "--preset", "smoke", "--loss", "xent,my_xent"]) == 2
    assert "'my_xent'" in capsys.readouterr().err
