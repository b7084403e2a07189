"""Models: the offline ladder, hub-style loading from folders, pooling, and the classifiers."""

from __future__ import annotations

import pytest
import torch

from w2s_edu.models.features import frozen_inputs
from w2s_edu.models.registry import OFFLINE_LADDER, resolve_model
from w2s_edu.models.classifiers import TopLayersClassifier, TransformerClassifier, last_token_pool, mean_pool
from w2s_edu.models.backbones import backbone_kind, can_cache_trunk, fresh_backbone, load_backbone, transformer_layers

TEXTS = ["The city of Lyon is in France.", "Paris is in Peru.", "Osaka"]


def test_pooling_by_hand():
    hidden = torch.arange(2 * 4 * 1, dtype=torch.float32).reshape(2, 4, 1)  # rows [0,1,2,3], [4,5,6,7]
    right = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    left = torch.tensor([[0, 1, 1, 1], [0, 0, 1, 1]])
    assert mean_pool(hidden, right).flatten().tolist() == [1.0, 4.5]  # (0+1+2)/3, (4+5)/2
    assert mean_pool(hidden, left).flatten().tolist() == [2.0, 6.5]  # (1+2+3)/3, (6+7)/2
    assert last_token_pool(hidden, right).flatten().tolist() == [2.0, 5.0]
    assert last_token_pool(hidden, left).flatten().tolist() == [3.0, 7.0]  # left padding: last column


def test_last_token_pool_ignores_token_ids():
    # The reference code found padding by token id 0, a real GPT-2 token ("!"). We use only the mask.
    hidden = torch.tensor([[[1.0], [2.0], [3.0]]])
    assert last_token_pool(hidden, torch.tensor([[1, 1, 1]])).item() == 3.0
    with pytest.raises(ValueError, match="no real tokens"):
        last_token_pool(hidden, torch.tensor([[0, 0, 0]]))


def test_offline_ladder_truncates_layers():
    for name, depth in (("minilm-l1", 1), ("minilm-l6", 6)):
        model, _ = load_backbone(name)
        assert len(transformer_layers(model)) == depth
    assert len(OFFLINE_LADDER) == 6
    with pytest.raises(ValueError, match="minilm-l1, minilm-l2"):
        resolve_model("minilm-l9")


def test_unknown_hub_model_says_offline_and_names_the_ladder():
    with pytest.raises(RuntimeError, match="minilm-l1") as info:
        load_backbone("nobody/no-such-model-w2s")
    assert "HF_HUB_OFFLINE" in str(info.value) or "unreachable" in str(info.value)


def test_model_path_that_is_a_file(tmp_path):
    f = tmp_path / "weights.bin"
    f.write_text("x")
    with pytest.raises(ValueError, match="folder"):
        resolve_model(str(f))


@pytest.mark.parametrize("arch,kind", [("bert", "encoder"), ("gpt2", "causal"), ("gpt_neox", "causal"),
                                       ("qwen2", "causal")])
def test_tiny_architectures_load_from_folders(tiny_models, arch, kind):
    model, tok = load_backbone(tiny_models[arch])
    assert backbone_kind(model) == kind
    assert tok.pad_token is not None  # GPT-2 style tokenizers get their eos as pad
    assert can_cache_trunk(model) == (arch == "bert")


@pytest.mark.parametrize("arch", ["gpt2", "gpt_neox", "qwen2"])
def test_causal_classifier_same_logits_left_or_right_padding(tiny_models, arch):
    spec = resolve_model(tiny_models[arch])
    torch.manual_seed(0)
    clf = TransformerClassifier(fresh_backbone(spec)[0]).eval()
    inputs = frozen_inputs(spec, TEXTS, kind="tokens")
    idx = [0, 1, 2]
    with torch.no_grad():
        right = clf(inputs.batch(idx, padding_side="right"))
        left = clf(inputs.batch(idx, padding_side="left"))
        alone = torch.cat([clf(inputs.batch([i])) for i in idx])
    assert torch.allclose(right, left, atol=1e-5)
    assert torch.allclose(right, alone, atol=1e-5)  # padding never changes an example's logits


def test_cached_lower_layers_equal_the_full_model():
    spec = resolve_model("minilm-l6")
    model, _ = load_backbone(spec)
    torch.manual_seed(0)
    top = TopLayersClassifier(model, 2).eval()
    torch.manual_seed(0)
    full = TransformerClassifier(fresh_backbone(spec)[0]).eval()
    hidden = frozen_inputs(spec, TEXTS, kind="hidden", train_layers=2)
    tokens = frozen_inputs(spec, TEXTS, kind="tokens")
    with torch.no_grad():
        assert torch.allclose(top(hidden.batch([0, 1, 2])), full(tokens.batch([0, 1, 2])), atol=1e-5)


def test_top_layers_copy_does_not_touch_the_pretrained_model():
    model, _ = load_backbone("minilm-l2")
    before = transformer_layers(model)[-1].output.dense.weight.clone()
    top = TopLayersClassifier(model, 1)
    with torch.no_grad():
        top.layers[0].output.dense.weight.add_(1.0)
    assert torch.equal(transformer_layers(model)[-1].output.dense.weight, before)


def test_train_layers_freezes_lower_blocks(tiny_models):
    clf = TransformerClassifier(fresh_backbone(tiny_models["gpt2"])[0], train_layers=1)
    layers = transformer_layers(clf.backbone)
    assert not any(p.requires_grad for p in layers[0].parameters())
    assert all(p.requires_grad for p in layers[1].parameters())
    assert all(p.requires_grad for p in clf.head.parameters())


def test_weights_key_follows_the_weights_of_a_local_folder(tmp_path):
    """A folder rebuilt in place must not bring back cached results of its old weights."""
    from transformers import BertConfig, BertModel

    from w2s_edu.models.registry import resolve_model, weights_key

    cfg = BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=1, intermediate_size=16)
    torch.manual_seed(0)
    BertModel(cfg).save_pretrained(tmp_path)
    spec = resolve_model(str(tmp_path))
    first = weights_key(spec)
    assert first.startswith(str(tmp_path)) and first == weights_key(spec)
    torch.manual_seed(1)
    BertModel(cfg).save_pretrained(tmp_path)
    assert weights_key(spec) != first
    assert weights_key(resolve_model("minilm-l2")) == resolve_model("minilm-l2").path  # offline keys unchanged


def test_a_whole_model_finetune_holds_one_copy_of_the_weights(tiny_models):
    """The structure comes from a weightless skeleton; a trainable backbone is read from disk when the
    pretrained one is not in memory, and copied from it when it is; the shared copy is never trained."""
    from w2s_edu.config import W2SConfig
    from w2s_edu.experiment.roles import ModelRole
    from w2s_edu.models import backbones

    name = tiny_models["bert"]
    spec = resolve_model(name)
    backbones._PRETRAINED.pop(spec, None)
    skeleton = backbones.backbone_skeleton(spec)
    assert all(p.is_meta for p in skeleton.parameters())
    role = ModelRole(name, "finetune", W2SConfig(strong=name, train_layers=None))
    assert role.kind == "tokens" and spec not in backbones._PRETRAINED
    role.inputs(["a short text", "another one"])
    clf = role.new_classifier(seed=0)
    assert spec not in backbones._PRETRAINED, "a whole-model finetune kept a second, pretrained copy in memory"
    pretrained, _ = load_backbone(spec)
    trained = dict(clf.backbone.named_parameters())
    for key, value in pretrained.named_parameters():  # the same pretrained weights, in separate memory
        assert torch.equal(trained[key], value) and trained[key].data_ptr() != value.data_ptr()
    copied, _ = fresh_backbone(spec)  # the pretrained model is in memory now: copied, not shared
    assert all(a.data_ptr() != b.data_ptr() for a, b in zip(copied.parameters(), pretrained.parameters()))
    assert len(transformer_layers(skeleton)) == len(transformer_layers(pretrained))
