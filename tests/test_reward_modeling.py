"""Pairwise (Bradley-Terry) reward modeling: the math, the A/B order, HH parsing, and real runs."""

from __future__ import annotations

import math

import datasets
import numpy as np
import pytest
import torch

from w2s_edu.experiment import pipeline, steps
from w2s_edu.experiment import reward as rm
from w2s_edu.models import pairs as pm
from w2s_edu.tasks import pairs as tp
from w2s_edu.config import W2SConfig
from w2s_edu.models.features import Inputs
from w2s_edu.losses import compute_loss
from w2s_edu.models.classifiers import LinearProbe
from w2s_edu.train.loop import predict_proba

TEA = ("\n\nHuman: How do I make a cup of tea?\n\nAssistant: Boil water, pour it over a tea bag and let it "
       "steep for three to five minutes.")
TEA_BAD = "\n\nHuman: How do I make a cup of tea?\n\nAssistant: I don't know."
ITALY = ("\n\nHuman: What is the capital of France?\n\nAssistant: Paris.\n\nHuman: And of Italy?"
         "\n\nAssistant: Rome is the capital of Italy.")
ITALY_BAD = ("\n\nHuman: What is the capital of France?\n\nAssistant: Paris.\n\nHuman: And of Italy?"
             "\n\nAssistant: Paris again.")


def _probe_pairs(n_texts: int = 6, seed: int = 0):
    """A linear scorer r(x) = w.x + b on random features, and pairs over those texts."""
    g = torch.Generator().manual_seed(seed)
    base = Inputs("features", torch.randn(n_texts, 4, generator=g))
    scorer = LinearProbe(4, num_classes=1)
    with torch.no_grad():
        scorer.head.weight.copy_(torch.tensor([[1.0, -2.0, 0.5, 3.0]]))
        scorer.head.bias.fill_(0.7)
    a, b = torch.tensor([0, 1, 2, 3, 4]), torch.tensor([5, 4, 3, 2, 1])
    return base, pm.BradleyTerryModel(scorer), pm.PairInputs(base, a, b)


# --------------------------------------------------------------------------- the math

def test_bradley_terry_logits_give_sigmoid_of_the_reward_difference():
    base, model, pairs = _probe_pairs()
    r = base.data @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.7
    logits = model(pairs.batch(torch.arange(len(pairs))))
    assert logits.shape == (5, 2) and torch.all(logits[:, 0] == 0)
    expected = torch.sigmoid(r[pairs.a] - r[pairs.b])
    assert torch.allclose(torch.softmax(logits, 1)[:, 1], expected, atol=1e-6)
    assert torch.allclose(pm.bradley_terry_prob(r[pairs.a], r[pairs.b]), expected)
    assert pm.bradley_terry_prob(0.0, 0.0) == 0.5 and math.isclose(float(pm.bradley_terry_prob(2.0, 0.0)),
                                                                    1 / (1 + math.exp(-2)), rel_tol=1e-6)


def test_swapping_a_and_b_flips_the_probability_exactly():
    _, model, pairs = _probe_pairs()
    p = predict_proba(model, pairs, device="cpu")[:, 1]
    p_swapped = predict_proba(model, pairs.swapped(), device="cpu")[:, 1]
    np.testing.assert_allclose(p + p_swapped, 1.0, atol=1e-6)
    assert not np.allclose(p, 0.5)  # the scorer is not trivial, so the test can fail


def test_the_bias_of_the_score_cancels_and_a_scorer_with_two_outputs_is_refused():
    base, model, pairs = _probe_pairs()
    before = model(pairs.batch([0, 1]))
    with torch.no_grad():
        model.scorer.head.bias.fill_(-100.0)
    assert torch.allclose(model(pairs.batch([0, 1])), before, atol=1e-4)
    with pytest.raises(ValueError, match="num_classes=1"):
        pm.BradleyTerryModel(LinearProbe(4, num_classes=2))(pairs.batch([0]))


def test_the_existing_losses_train_the_pairwise_model():
    _, model, pairs = _probe_pairs()
    targets = torch.tensor([[0.0, 1.0]] * 5)
    for loss in ("xent", "logconf", "product"):
        value = compute_loss(loss, model(pairs.batch(torch.arange(5))), targets, 0.5)
        value.backward()
        assert torch.isfinite(value) and model.scorer.head.weight.grad is not None
        model.zero_grad()


def test_pair_inputs_share_one_encoding_and_keep_the_inputs_interface():
    base = Inputs("tokens", torch.arange(10), torch.tensor([0, 2, 5, 10]))  # three texts of 2, 3, 5 tokens
    pairs = pm.PairInputs(base, [0, 2, 1], [1, 0, 2])
    assert len(pairs) == 3 and pairs.kind == "tokens"
    assert pairs.lengths().tolist() == [3, 5, 5]
    batch = pairs.batch([1])
    assert set(batch) == {"a/input_ids", "a/attention_mask", "b/input_ids", "b/attention_mask"}
    assert batch["a/input_ids"].tolist() == [[5, 6, 7, 8, 9]] and batch["b/input_ids"].tolist() == [[0, 1]]
    sub = pairs.subset([2, 0])
    assert sub.a.tolist() == [1, 0] and sub.b.tolist() == [2, 1] and sub.base is base
    with pytest.raises(ValueError, match="same length"):
        pm.PairInputs(base, [0, 1], [1])


# --------------------------------------------------------------------------- order and data

def _pairs(n: int) -> datasets.Dataset:
    return datasets.Dataset.from_dict({"prompt": [f"Human: q{i}?" for i in range(n)],
                                       "chosen": [f"good {i}" for i in range(n)],
                                       "rejected": [f"bad {i}" for i in range(n)]})


def test_the_a_b_order_is_random_balanced_and_seeded():
    ds = tp.order_pairs(_pairs(101), seed=0)
    labels = np.asarray(ds["label"])
    assert labels.sum() == 51  # exactly half, rounded up
    for a, b, c, r, y in zip(ds["a"], ds["b"], ds["chosen"], ds["rejected"], labels):
        assert (a, b) == ((c, r) if y else (r, c))
    assert 0 < labels[:50].sum() < 50  # shuffled, not the first half
    assert tp.order_pairs(_pairs(101), seed=0)["label"] == ds["label"]
    assert tp.order_pairs(_pairs(101), seed=1)["label"] != ds["label"]
    assert ds["text"][0].startswith("Human: q0?\n\nResponse A: ")


def test_offline_category_pairs_differ_only_in_the_category():
    pairs = tp.categories_pairs(seed=0)
    assert len(pairs) > 9000 and len(set(pairs["group"])) == len(pairs)
    row = pairs[0]
    assert row["prompt"].startswith("Human: What kind of thing is ")
    chosen, rejected = row["chosen"].split(" is a kind of "), row["rejected"].split(" is a kind of ")
    assert chosen[0] == rejected[0] and chosen[1] != rejected[1]
    # Wrong categories are drawn as often as each category is right: no category prior to exploit.
    right = np.unique([c.split(" is a kind of ")[1] for c in pairs["chosen"]], return_counts=True)
    wrong = dict(zip(*np.unique([c.split(" is a kind of ")[1] for c in pairs["rejected"]], return_counts=True)))
    for category, count in zip(*right):
        assert abs(wrong.get(category, 0) - count) < 6 * math.sqrt(count) + 10, category


def test_hh_transcripts_parse_into_turns_prompt_and_replies():
    assert tp.parse_hh_transcript(ITALY) == [("Human", "What is the capital of France?"), ("Assistant", "Paris."),
                                             ("Human", "And of Italy?"), ("Assistant", "Rome is the capital of Italy.")]
    assert tp.parse_hh_transcript(ITALY.lstrip()) == tp.parse_hh_transcript(ITALY)
    prompt, chosen, rejected = tp.split_hh_pair(ITALY, ITALY_BAD)
    assert prompt == "Human: What is the capital of France?\n\nAssistant: Paris.\n\nHuman: And of Italy?"
    assert (chosen, rejected) == ("Rome is the capital of Italy.", "Paris again.")
    assert tp.reward_text(prompt, chosen) == "Human: And of Italy?\n\nAssistant: Rome is the capital of Italy."
    assert tp.format_turns(tp.parse_hh_transcript(ITALY)) == ITALY.lstrip()


def test_malformed_hh_rows_are_refused_or_skipped_with_a_warning():
    with pytest.raises(ValueError, match="not an HH transcript"):
        tp.parse_hh_transcript("just some text")
    with pytest.raises(ValueError, match="differ before"):
        tp.split_hh_pair(TEA, ITALY_BAD)
    with pytest.raises(ValueError, match="Assistant reply"):
        tp.split_hh_pair(TEA + "\n\nHuman: thanks", TEA_BAD + "\n\nHuman: thanks")
    rows = [{"chosen": TEA, "rejected": TEA_BAD}, {"chosen": TEA, "rejected": ITALY_BAD},
            {"chosen": TEA, "rejected": TEA}]
    with pytest.warns(UserWarning, match="skipped 2"):
        pairs = tp.hh_pairs(rows)
    assert pairs["chosen"] == ["Boil water, pour it over a tea bag and let it steep for three to five minutes."]
    assert tp.load_reward_pairs("anthropic_hh", rows=[{"chosen": ITALY, "rejected": ITALY_BAD}])["rejected"] == [
        "Paris again."]
    with pytest.raises(ValueError, match="unknown reward task"):
        tp.load_reward_pairs("cities")


# --------------------------------------------------------------------------- runs

TINY = dict(weak="minilm-l1", strong="minilm-l2", mode="probe", weak_mode="probe", seeds=[0], n_train_weak=32,
            n_train_strong=32, n_test=32, show_progress=False)


def test_smoke_run_end_to_end_gives_finite_pairwise_accuracies():
    result = rm.run_reward_w2s(W2SConfig(**TINY, losses=["xent", "logconf"]))
    assert result.config["task"] == "reward:categories"
    accs = [result.weak_acc[0], result.ceiling_acc[0], *(v[0] for v in result.w2s_acc.values())]
    assert all(math.isfinite(a) and 0.0 <= a <= 1.0 for a in accs)
    assert set(result.pgr) == {"xent", "logconf"} and "strong ceiling" in result.table()


def test_run_w2s_sweeps_and_the_panel_run_a_reward_task_on_reward_models():
    cfg = W2SConfig(**TINY, task="reward:categories")
    direct = rm.run_reward_w2s(cfg)
    seen = []
    through = pipeline.run_w2s(cfg, progress=lambda done, total, what: seen.append(what))
    assert through.weak_acc == direct.weak_acc and through.w2s_acc == direct.w2s_acc
    assert any(" RM " in what for what in seen)  # the reward models' progress reaches the caller
    sweep = pipeline.run_sweep(cfg, ["minilm-l1"], ["minilm-l2"])
    assert sweep[("minilm-l1", "minilm-l2")].ceiling_acc == direct.ceiling_acc
    pytest.importorskip("ipywidgets")
    from w2s_edu.ui import experiment_panel

    panel = experiment_panel(preset="showcase", **{k: v for k, v in TINY.items() if k != "show_progress"})
    assert "reward:categories" in panel.controls["task"].options and panel.controls["task"].value == "reward:categories"
    panel.controls["n_train"].value = 32
    panel.button.click()
    assert "Failed" not in panel.status.value, panel.status.value
    assert panel.history[0]["result"].ceiling_acc == direct.ceiling_acc


def test_hh_pairs_and_the_finetune_paths_run():
    from w2s_edu.tasks.leaks import synthetic_rows

    pairs = tp.hh_pairs(synthetic_rows("anthropic_hh", 60, seed=0))
    small = {**TINY, "n_train_weak": 16, "n_train_strong": 16, "n_test": 20, "epochs": 1.0, "batch_size": 8}
    for mode, layers in (("finetune", 1), ("finetune", None)):  # cached lower layers, then whole backbone
        result = rm.run_reward_w2s(W2SConfig(**{**small, "mode": mode, "train_layers": layers}), pairs=pairs)
        assert math.isfinite(result.w2s_acc["xent"][0])


def test_the_cache_key_depends_on_the_pairs(monkeypatch):
    """Two pair sets of the same size share row positions; their cached models must not."""
    keys = []

    def capture(role, *args, **kwargs):
        keys.append(role.key())
        raise KeyboardInterrupt  # stop after the first model

    monkeypatch.setattr(steps, "train_and_predict", capture)  # the steps reward models share
    swapped = _pairs(100).rename_columns({"chosen": "rejected", "rejected": "chosen"})
    for pairs in (_pairs(100), swapped):
        with pytest.raises(KeyboardInterrupt):
            rm.run_reward_w2s(W2SConfig(**{**TINY, "n_test": 20, "n_train_weak": 20, "n_train_strong": 20}),
                              pairs=pairs)
    assert keys[0]["data"] != keys[1]["data"] and keys[0]["objective"] == "bradley-terry"


# Measured with exactly this config (minilm-l6 probe reward model, 400 training pairs, 400 test pairs,
# 1 CPU thread): ceiling 0.730 for seed 0 (0.763 and 0.793 for seeds 1 and 2); the minilm-l1 supervisor
# scored 0.643. We allow 0.05 below the measurement for numerical differences between machines. Chance
# is 0.5 with standard deviation 0.025 on 400 pairs, so 0.6 is 4 standard deviations above it.
MEASURED_CEILING = 0.730


@pytest.mark.slow
def test_a_trained_strong_reward_model_beats_chance_on_the_offline_pairs():
    result = rm.run_reward_w2s(W2SConfig(**{**TINY, "strong": "minilm-l6", "n_train_weak": 400,
                                            "n_train_strong": 32, "n_test": 400}))
    acc = result.ceiling_acc[0]
    assert acc > MEASURED_CEILING - 0.05 and acc > 0.5 + 4 * 0.5 / math.sqrt(400), acc


def test_reward_models_honour_lora_and_gradient_checkpointing(tiny_models):
    """Reward models are built by the pipeline's one classifier builder, so LoRA and gradient
    checkpointing apply to them too (a copy of the builder once dropped both, while the cache key said LoRA)."""
    gpt2 = tiny_models["gpt2"]
    cfg = W2SConfig(weak=gpt2, strong=gpt2, mode="finetune", lora_r=4, gradient_checkpointing=True,
                    train_layers=None, show_progress=False)
    role = rm.RewardRole(gpt2, "finetune", cfg, data_key="pairs")
    model = role.new_classifier(seed=0)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or ".head." in n for n in trainable), trainable
    assert any("lora_" in n for n in trainable) and role.key()["lora"][0] == 4
    assert model.scorer.head.out_features == 1  # one score per reply
    backbone = model.scorer.backbone.get_base_model()
    checkpointing = getattr(backbone, "is_activation_checkpointing", None)  # transformers >= 5 renamed it
    assert (backbone.is_gradient_checkpointing if checkpointing is None else checkpointing) is True
