"""The training loop: learning, micro-batching, early stopping, NaN handling, determinism; the local executor."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from w2s_edu.models.features import Inputs
from w2s_edu.models.classifiers import LinearProbe
from w2s_edu.train.executor import LocalExecutor
from w2s_edu.train.loop import TrainConfig, pick_device, predict_proba, train_classifier


def blobs(n=256, dim=8, seed=0):
    """Two Gaussian blobs: a linearly separable problem a probe must learn."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randn(n, dim, generator=g) + (2 * y[:, None] - 1) * 1.5
    return Inputs("features", x), y.numpy()


def one_hot(y):
    return np.eye(2, dtype=np.float32)[y]


def test_probe_learns_and_history_is_recorded():
    inputs, y = blobs()
    torch.manual_seed(0)
    model = LinearProbe(8)
    before = (predict_proba(model, inputs).argmax(1) == y).mean()
    hist = train_classifier(model, inputs, one_hot(y), TrainConfig(epochs=5, lr=1e-2, batch_size=32),
                            show_progress=False)
    after = (predict_proba(model, inputs).argmax(1) == y).mean()
    assert after > 0.9 and after > before
    assert hist["steps"] == 40 and len(hist["loss"]) == 40
    assert hist["loss"][-1] < hist["loss"][0]


@pytest.mark.parametrize("loss,kwargs", [("xent", {}), ("logconf", {"aux_coef": 0.5, "warmup_frac": 0.2}),
                                         ("product", {})])
def test_micro_batches_give_the_same_update_as_whole_batches(loss, kwargs):
    # The confidence threshold is a quantile over the whole batch: micro-batching must keep it.
    inputs, y = blobs(n=64)
    soft = np.clip(one_hot(y) * 0.8 + 0.1 + np.random.default_rng(0).normal(0, 0.05, (64, 2)), 0.01, 0.99)
    soft = (soft / soft.sum(1, keepdims=True)).astype(np.float32)
    params = []
    for micro in (None, 8):
        torch.manual_seed(0)
        model = LinearProbe(8)
        cfg = TrainConfig(epochs=2, lr=1e-2, batch_size=32, micro_batch_size=micro, loss=loss, loss_kwargs=kwargs)
        train_classifier(model, inputs, soft, cfg, show_progress=False)
        params.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    assert torch.allclose(params[0], params[1], atol=1e-5)


def test_micro_batch_must_divide_batch():
    inputs, y = blobs(n=32)
    with pytest.raises(ValueError, match="divide"):
        train_classifier(LinearProbe(8), inputs, one_hot(y), TrainConfig(batch_size=32, micro_batch_size=5),
                         show_progress=False)


def test_nan_loss_stops_with_the_step_and_a_lower_learning_rate():
    inputs, y = blobs(n=64)
    inputs.data[40:] = float("nan")
    with pytest.raises(FloatingPointError, match=r"step \d+ of \d+.*lower learning rate"):
        train_classifier(LinearProbe(8), inputs, one_hot(y), TrainConfig(epochs=1, batch_size=64),
                         show_progress=False)


def test_targets_shape_is_checked():
    inputs, y = blobs(n=16)
    with pytest.raises(ValueError, match=r"\(16, 2\)"):
        train_classifier(LinearProbe(8), inputs, one_hot(y)[:10], TrainConfig(), show_progress=False)


def test_early_stopping_restores_the_best_state():
    inputs, y = blobs(n=128)
    val = blobs(n=64, seed=1)
    model = LinearProbe(8)
    cfg = TrainConfig(epochs=30, lr=1e-2, batch_size=16, eval_every=4, patience=3)
    hist = train_classifier(model, inputs, one_hot(y), cfg, val=val, show_progress=False)
    assert hist["stopped_early"] and len(hist["loss"]) < hist["steps"]
    best = max(hist["eval_acc"])
    assert (predict_proba(model, val[0]).argmax(1) == val[1]).mean() == pytest.approx(best)


def test_same_seed_same_model_different_seed_different_model():
    inputs, y = blobs()

    def run(seed):
        torch.manual_seed(seed)
        model = LinearProbe(8)
        train_classifier(model, inputs, one_hot(y), TrainConfig(epochs=1, lr=1e-2, seed=seed), show_progress=False)
        return model.head.weight.detach().clone()

    assert torch.equal(run(0), run(0))
    assert not torch.equal(run(0), run(1))


def test_pick_device_respects_an_override():
    assert pick_device("cpu") == "cpu"
    assert pick_device() in ("cuda", "mps", "cpu")


def test_local_executor_trains_predicts_and_writes_in_one_step(tmp_path):
    inputs, y = blobs(n=64)
    cfg = TrainConfig(epochs=3, lr=1e-2, batch_size=16)
    models = []
    for train in (LocalExecutor().train, train_classifier):
        torch.manual_seed(0)
        models.append(LinearProbe(8))
        hist = train(models[-1], inputs, one_hot(y), cfg, show_progress=False)
        assert len(hist["loss"]) == 12
    assert torch.equal(models[0].head.weight, models[1].head.weight)
    ex = LocalExecutor()
    probs = ex.predict(models[0], inputs, cfg)
    assert np.array_equal(probs, predict_proba(models[1], inputs))
    path = tmp_path / "runs" / "probs.npy"
    assert not ex.cached(path)

    def interrupted(tmp):
        open(tmp, "wb").write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ex.write(path, interrupted)
    assert not ex.cached(path) and not list(path.parent.iterdir())  # nothing half-written is left
    ex.write(path, lambda tmp: np.save(open(tmp, "wb"), probs))
    assert ex.cached(path) and np.array_equal(np.load(path), probs)
