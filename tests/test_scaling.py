"""Scaling up: named ladders, memory arithmetic, LoRA, gradient checkpointing, bf16/fp16 autocast, and
the pipeline options that use them. Everything runs on CPU with tiny models built from configs."""

from __future__ import annotations

import copy
import sys

import numpy as np
import pytest
import torch

from w2s_edu.models import registry
from w2s_edu.models import params
from w2s_edu.scale import memory
from w2s_edu.config import W2SConfig
from w2s_edu.models.features import _ragged
from w2s_edu.models.params import LORA_TARGETS
from w2s_edu.models.classifiers import TopLayersClassifier, TransformerClassifier
from w2s_edu.models.backbones import apply_lora, enable_gradient_checkpointing, load_backbone, trainable_parameters
from w2s_edu.models.registry import resolve_model
from w2s_edu.train.loop import TrainConfig, predict_proba, resolve_precision, train_classifier

pytest.importorskip("peft")


def tiny_gpt2(dropout: float = 0.0):
    from transformers import GPT2Config, GPT2Model

    torch.manual_seed(0)
    return GPT2Model(GPT2Config(vocab_size=300, n_embd=32, n_layer=2, n_head=4, n_positions=128,
                                resid_pdrop=dropout, embd_pdrop=dropout, attn_pdrop=dropout))


def tiny_bert():
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    return BertModel(BertConfig(vocab_size=300, hidden_size=32, intermediate_size=64, num_attention_heads=4,
                                num_hidden_layers=2, max_position_embeddings=64))


def token_data(n: int = 24, vocab: int = 300, seed: int = 1):
    """Ragged token rows and soft labels that depend on the tokens (learnable)."""
    gen = torch.Generator().manual_seed(seed)
    rows = [torch.randint(1, vocab, (int(k),), generator=gen) for k in torch.randint(3, 10, (n,), generator=gen)]
    y = np.array([int(r[0]) % 2 for r in rows])
    return _ragged(rows, "tokens"), (np.eye(2, dtype=np.float32)[y] * 0.8 + 0.1)


def flat(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def grads(model) -> torch.Tensor:
    """Every parameter's gradient, zeros for unused parameters (BERT's pooler)."""
    return torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).flatten() for p in model.parameters()])


# ------------------------------------------------------------------------------------------ ladders
def test_short_names_resolve_to_hub_ids_and_old_names_still_work():
    assert resolve_model("pythia-410m").path == "EleutherAI/pythia-410m"
    assert resolve_model("Qwen2.5-7B").path == "Qwen/Qwen2.5-7B"  # any case
    spec = resolve_model("gpt2")
    assert (spec.name, spec.path, spec.num_layers, spec.offline) == ("gpt2", "gpt2", None, False)
    assert resolve_model("Qwen/Qwen2.5-0.5B").path == "Qwen/Qwen2.5-0.5B"  # hub ids pass through
    assert resolve_model("someone/some-model").path == "someone/some-model"
    minilm = resolve_model("minilm-l3")
    assert minilm.offline and minilm.num_layers == 3
    assert registry.find_rung("EleutherAI/pythia-1b").name == "pythia-1b"
    assert registry.find_rung("pythia-3b") is None
    with pytest.raises(ValueError, match="pythia-14m"):
        registry.get_rung("pythia-3b")


def test_ladders_hold_the_named_families_in_size_order():
    assert [r.name for r in registry.ladder("gpt2")] == ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"]
    assert len(registry.ladder("pythia")) == 10 and len(registry.ladder("qwen2.5")) == 6
    assert [r.name for r in registry.ladder("minilm")] == [f"minilm-l{k}" for k in range(1, 7)]
    for family, rungs in registry.LADDERS.items():
        sizes = [r.params for r in rungs]
        if family == "chess-compute":  # one encoder at increasing pretraining compute: one size throughout
            assert [r.name for r in rungs] == [registry.chess_checkpoint("chess-c", p)
                                               for p in registry.CHESS_COMPUTE_PERCENTS]
            assert list(registry.CHESS_COMPUTE_PERCENTS) == sorted(set(registry.CHESS_COMPUTE_PERCENTS))
            assert len(set(sizes)) == 1
            continue
        assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    with pytest.raises(ValueError, match="gpt2"):
        registry.ladder("llama")


@pytest.mark.parametrize("name", ["gpt2", "gpt2-xl", "pythia-14m", "pythia-1b", "pythia-12b", "qwen2.5-0.5b",
                                  "qwen2.5-7b", "qwen2.5-32b", "minilm-l2"])
def test_parameter_formula_matches_the_built_model_and_the_published_count(name):
    from transformers import AutoModel

    rung = registry.get_rung(name)
    with torch.device("meta"):  # shapes only: no memory, no download
        model = AutoModel.from_config(rung.config())
    assert params.param_count(rung.config()) == sum(p.numel() for p in model.parameters()) == rung.params
    if rung.published_params:
        cfg = rung.config()
        lm_head = 0 if getattr(cfg, "tie_word_embeddings", True) else cfg.vocab_size * params.Shape.of(cfg).hidden
        ratio = (rung.params + lm_head) / rung.published_params
        exact = rung.family in ("gpt2", "pythia")  # Qwen's model cards round to 0.01B
        assert ratio == 1.0 if exact else abs(ratio - 1) < 0.01, ratio


def test_recommended_hyperparameters_say_where_they_come_from():
    large = registry.get_rung("gpt2-large").recommended("finetune")
    assert large["lr"] == 1e-5 and large["batch_size"] == 32 and "openai/weak-to-strong" in large["source"]
    assert registry.get_rung("pythia-410m").recommended()["lr"] == 5e-5  # in the openai table
    rule = registry.get_rung("pythia-2.8b").recommended()
    assert rule["lr"] == 1e-5 and "500M" in rule["source"]
    assert registry.get_rung("qwen2.5-7b").recommended("lora")["lr"] == pytest.approx(1e-4)
    assert registry.get_rung("qwen2.5-7b").recommended("probe")["lr"] == W2SConfig().probe_lr
    with pytest.raises(ValueError, match="probe, lora, finetune"):
        registry.get_rung("gpt2").recommended("qlora")
    cfg = W2SConfig(**registry.get_rung("pythia-160m").config_overrides("lora"))
    assert (cfg.strong, cfg.lora_r, cfg.train_layers, cfg.lr) == ("pythia-160m", 8, None, 5e-4)
    assert "qwen2.5-32b" in registry.describe() and "openai/weak-to-strong" in registry.describe()


def test_models_command_lists_the_ladders(capsys):
    from w2s_edu.cli.main import main

    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("minilm-l6", "gpt2-xl", "pythia-6.9b", "qwen2.5-14b", "EleutherAI/pythia-70m"):
        assert name in out


# ------------------------------------------------------------------------------------------ memory
def test_memory_by_hand_for_a_tiny_gpt2():
    cfg = tiny_gpt2().config
    # wte 300*32 + wpe 128*32 + 2 blocks * (2 LayerNorms 4*32 + c_attn 32*96+96 + c_proj 32*32+32
    # + c_fc 32*128+128 + c_proj 128*32+32) + ln_f 2*32
    n = 9600 + 4096 + 2 * (128 + 3168 + 1056 + 4224 + 4128) + 64
    assert params.param_count(cfg) == n == 39168
    head = 32 * 2 + 2
    full = memory.estimate_memory(cfg, "finetune", precision="fp32", micro_batch_size=2, seq_len=10)
    assert (full.trainable, full.weights, full.weight_copies) == (n + head, 4 * (n + head), 0)
    assert full.grads == 4 * (n + head) and full.optimizer == 8 * (n + head)
    assert full.static == 16 * (n + head)
    # activations: per layer and token 8h + 2i = 8*32 + 2*128 = 512 values of 4 bytes, 2 layers, 20 tokens
    assert full.activations == 512 * 4 * 2 * 20
    ckpt = memory.estimate_memory(cfg, "finetune", precision="fp32", micro_batch_size=2, seq_len=10,
                                  gradient_checkpointing=True)
    assert ckpt.activations == (2 * 32 + 512) * 4 * 20 < full.activations
    mixed = memory.estimate_memory(cfg, "finetune", precision="bf16", micro_batch_size=2, seq_len=10)
    assert mixed.static == 18 * (n + head) and mixed.activations == full.activations // 2
    # LoRA r=4 on c_attn, c_proj (both), c_fc: 4 * ((32+96) + (32+32) + (32+128) + (128+32)) per block
    lora = memory.estimate_memory(cfg, "lora", precision="bf16", lora_r=4, micro_batch_size=2, seq_len=10)
    adapters = 2 * 4 * (128 + 64 + 160 + 160)
    assert params.lora_param_count(cfg, 4) == adapters
    assert lora.trainable == adapters + head
    assert lora.weights == 2 * n + 4 * (adapters + head)  # frozen in bf16, adapters and head in fp32
    probe = memory.estimate_memory(cfg, "probe", precision="bf16", micro_batch_size=2, seq_len=10)
    assert probe.trainable == head and probe.weights == 2 * n + 4 * head and probe.activations == 512 * 2 * 20
    top1 = memory.estimate_memory(cfg, "finetune", precision="fp32", train_layers=1, micro_batch_size=2, seq_len=10)
    assert top1.trainable == 12704 + 64 + head and top1.weights == 4 * (n + head)
    assert top1.activations == full.activations // 2  # gradients flow through one block of two


def test_memory_counts_match_built_lora_and_frozen_models():
    for backbone in (tiny_gpt2(), tiny_bert()):
        cfg = backbone.config
        lora = TransformerClassifier(apply_lora(copy.deepcopy(backbone), r=4))
        assert trainable_parameters(lora)[0] == memory.estimate_memory(cfg, "lora", lora_r=4).trainable
        top = TransformerClassifier(copy.deepcopy(backbone), train_layers=1)
        assert trainable_parameters(top)[0] == memory.estimate_memory(cfg, "finetune", train_layers=1).trainable
        full = TransformerClassifier(copy.deepcopy(backbone))
        assert trainable_parameters(full) == (memory.estimate_memory(cfg, "finetune").trainable,) * 2


def test_what_fits_on_an_80gb_gpu():
    full = memory.estimate_memory("qwen2.5-7b", "finetune", precision="bf16", micro_batch_size=1, seq_len=512)
    assert full.static == 18 * full.trainable and full.gib("static") > 110  # weights, grads, AdamW: no
    assert not full.fits(80)
    lora = memory.estimate_memory("qwen2.5-7b", "lora", precision="bf16", micro_batch_size=4, seq_len=512)
    assert lora.fits(80) and 13 < lora.gib("weights") < 15  # 7.07e9 bf16 weights
    assert memory.estimate_memory("qwen2.5-32b", "probe", precision="bf16").fits(80)
    assert not memory.estimate_memory("qwen2.5-32b", "probe", precision="fp32").fits(80)
    assert memory.largest_micro_batch("qwen2.5-7b", "finetune", 80, precision="bf16") is None
    mb = memory.largest_micro_batch("qwen2.5-0.5b", "finetune", 24, precision="bf16", seq_len=512)
    assert mb in (1, 2, 4, 8, 16, 32)
    assert memory.estimate_memory("qwen2.5-0.5b", "finetune", precision="bf16", micro_batch_size=mb).fits(24)
    if mb < 32:
        assert not memory.estimate_memory("qwen2.5-0.5b", "finetune", precision="bf16",
                                          micro_batch_size=2 * mb).fits(24)
    assert memory.estimate_memory("gpt2", "finetune").fits(80, headroom=0.9)
    with pytest.raises(ValueError, match="resolve 'auto'"):
        memory.estimate_memory("gpt2", precision="auto")
    with pytest.raises(ValueError, match="probe, lora, finetune"):
        memory.estimate_memory("gpt2", "full")
    assert "total" in full.table() and full.to_dict()["total"] == full.total


# ------------------------------------------------------------------------------------------ LoRA
@pytest.mark.parametrize("make", [tiny_gpt2, tiny_bert])
def test_lora_trains_only_adapters_and_head_and_changes_the_loss(make):
    backbone = make()
    model = TransformerClassifier(apply_lora(copy.deepcopy(backbone), r=4, dropout=0.0))
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n or n.startswith("head.") for n in names)
    targets = LORA_TARGETS[backbone.config.model_type]
    assert all(any(f".{t}." in n for t in targets) for n in names if "lora_" in n)
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    inputs, soft = token_data()
    hist = train_classifier(model, inputs, soft, TrainConfig(epochs=6, lr=1e-2, batch_size=8), show_progress=False)
    assert hist["loss"][-1] < hist["loss"][0] - 0.05, hist["loss"]
    for n, p in model.named_parameters():
        if n in frozen:
            assert torch.equal(p, frozen[n]), f"frozen weight {n} changed"
    lora_b = [p for n, p in model.named_parameters() if "lora_B" in n]
    assert all(p.abs().sum() > 0 for p in lora_b)  # lora_B starts at zero: it trained


def test_lora_without_peft_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "peft", None)
    with pytest.raises(RuntimeError, match=r"pip install 'w2s-edu\[gpu\]'"):
        apply_lora(tiny_gpt2(), r=4)


def test_lora_bad_rank_and_unknown_targets_say_what_to_do():
    with pytest.raises(ValueError, match="positive rank"):
        apply_lora(tiny_gpt2(), r=0)
    with pytest.raises(ValueError, match="lora_target_modules"):
        apply_lora(tiny_gpt2(), r=4, target_modules=["no_such_layer"])
    with pytest.raises(ValueError, match="lora_r"):
        W2SConfig(lora_r=0)


# ------------------------------------------------------------------------------------------ checkpointing
@pytest.mark.parametrize("make", [tiny_gpt2, tiny_bert])
def test_gradient_checkpointing_gives_the_same_gradients(make):
    inputs, soft = token_data(n=6)
    batch = inputs.batch(torch.arange(6))
    out = []
    for ckpt in (False, True):
        model = TransformerClassifier(copy.deepcopy(make()))
        if ckpt:
            enable_gradient_checkpointing(model.backbone)
        model.train()
        torch.manual_seed(5)  # BERT has dropout: the recomputation must replay the same masks
        loss = torch.nn.functional.cross_entropy(model(batch), torch.as_tensor(soft.argmax(1)))
        loss.backward()
        out.append(grads(model))
    assert out[0].abs().sum() > 0
    assert torch.allclose(out[0], out[1], atol=1e-6, rtol=1e-5)


def test_gradient_checkpointing_with_dropout_replays_the_same_masks():
    inputs, soft = token_data(n=6)
    batch = inputs.batch(torch.arange(6))
    out = []
    for ckpt in (False, True):
        model = TransformerClassifier(copy.deepcopy(tiny_gpt2(dropout=0.1)))
        if ckpt:
            enable_gradient_checkpointing(model.backbone)
        model.train()
        torch.manual_seed(5)
        model(batch).sum().backward()
        out.append(grads(model))
    assert torch.allclose(out[0], out[1], atol=1e-6)


def test_fast_path_checkpointing_gives_the_same_gradients():
    backbone = tiny_bert()
    hidden = torch.randn(4, 7, 32)
    mask = torch.ones(4, 7, dtype=torch.long)
    mask[0, 5:] = 0
    out = []
    for ckpt in (False, True):
        torch.manual_seed(0)
        model = TopLayersClassifier(backbone, 2, gradient_checkpointing=ckpt).train()
        torch.manual_seed(5)
        model({"hidden": hidden, "attention_mask": mask}).sum().backward()
        out.append(grads(model))
    assert out[0].abs().sum() > 0 and torch.allclose(out[0], out[1], atol=1e-6)


# ------------------------------------------------------------------------------------------ precision
def test_resolve_precision(monkeypatch):
    assert resolve_precision("auto", "cpu") == "fp32" and resolve_precision("auto", "mps") == "fp32"
    assert resolve_precision("bf16", "cpu") == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert resolve_precision("auto", "cuda") == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert resolve_precision("auto", "cuda:1") == "fp16"
    with pytest.raises(ValueError, match="fp32, bf16, fp16, auto"):
        resolve_precision("fp8", "cuda")
    with pytest.raises(ValueError, match="precision"):
        W2SConfig(precision="half")


def test_bf16_autocast_on_cpu_gives_close_probabilities_and_trains():
    model = TransformerClassifier(tiny_gpt2()).eval()
    inputs, soft = token_data()
    p32 = predict_proba(model, inputs, device="cpu")
    p16 = predict_proba(model, inputs, device="cpu", precision="bf16")
    assert np.abs(p32 - p16).max() < 0.02 and not np.array_equal(p32, p16)  # bf16 ran, and is close
    for precision in ("bf16", "fp16"):  # fp16 goes through a GradScaler
        m = TransformerClassifier(tiny_gpt2())
        before = flat(m)
        hist = train_classifier(m, inputs, soft, TrainConfig(epochs=3, lr=1e-3, batch_size=8, precision=precision),
                                show_progress=False)
        assert all(np.isfinite(hist["loss"])) and not torch.equal(before, flat(m))
        assert all(p.dtype == torch.float32 for p in m.parameters())  # weights stay fp32 (master weights)


def test_default_precision_trains_exactly_as_before():
    inputs, soft = token_data()
    out = []
    for cfg in (TrainConfig(epochs=1, batch_size=8), TrainConfig(epochs=1, batch_size=8, precision="auto")):
        m = TransformerClassifier(tiny_gpt2())
        train_classifier(m, inputs, soft, cfg, show_progress=False)
        out.append(flat(m))
    assert torch.equal(out[0], out[1])  # auto is fp32 on CPU


def test_half_precision_loading_of_frozen_weights(tiny_models):
    spec = resolve_model(tiny_models["gpt2"])
    half = load_backbone(spec.__class__(spec.name, spec.path, dtype="bfloat16"))[0]
    assert {p.dtype for p in half.parameters()} == {torch.bfloat16}
    assert {p.dtype for p in load_backbone(spec)[0].parameters()} == {torch.float32}


# ------------------------------------------------------------------------------------------ pipeline
def test_roles_load_frozen_weights_in_half_precision_only_on_a_gpu(tiny_models, monkeypatch):
    from w2s_edu.experiment import roles

    gpt2 = tiny_models["gpt2"]
    base = dict(weak=gpt2, strong=gpt2, precision="bf16", show_progress=False)
    cpu = roles.ModelRole(gpt2, "probe", W2SConfig(**base))
    assert cpu.spec.dtype is None and cpu.precision == "bf16" and "dtype" not in cpu.key()
    monkeypatch.setattr(roles, "pick_device", lambda pref=None: "cuda")  # decisions only: nothing runs
    probe = roles.ModelRole(gpt2, "probe", W2SConfig(**base))
    lora = roles.ModelRole(gpt2, "finetune", W2SConfig(**base, lora_r=4))
    full = roles.ModelRole(gpt2, "finetune", W2SConfig(**base))
    assert probe.spec.dtype == lora.spec.dtype == "bfloat16" and full.spec.dtype is None
    assert lora.kind == "tokens" and lora.train_layers is None and lora.key()["lora"][0] == 4
    assert probe.key()["dtype"] == "bfloat16" and "lora" not in full.key()
    fp32 = roles.ModelRole(gpt2, "probe", W2SConfig(**{**base, "precision": "fp32"}))
    assert fp32.spec.dtype is None and set(fp32.key()) == {"model", "layers", "mode", "train_layers", "max_length"}


def test_pipeline_runs_a_lora_student_with_checkpointing_and_bf16(tiny_models, tmp_path):
    from datasets import Dataset

    from w2s_edu.experiment.pipeline import run_w2s

    rows = [{"text": f"item {i} is {'red' if i % 2 else 'blue'}", "label": i % 2} for i in range(120)]
    Dataset.from_list(rows).save_to_disk(str(tmp_path / "ds"))
    cfg = W2SConfig(task=f"hf:{tmp_path / 'ds'}", weak="minilm-l1", strong=tiny_models["gpt2"], seeds=[0],
                    n_train_weak=24, n_train_strong=24, n_test=24, epochs=1.0, batch_size=8, show_progress=False,
                    losses=["xent", "logconf"], lora_r=4, gradient_checkpointing=True, precision="bf16")
    result = run_w2s(cfg)
    assert set(result.w2s_acc) == {"xent", "logconf"} and 0.0 <= result.ceiling_acc[0] <= 1.0
    assert result.config["lora_r"] == 4 and result.config["precision"] == "bf16"


def test_the_new_fields_parse_from_the_command_line():
    from w2s_edu.cli.args import parse_set

    parsed = parse_set(["precision=bf16", "gradient_checkpointing=true", "lora_r=16", "lora_alpha=32",
                         "lora_dropout=0", "lora_target_modules=q_proj,v_proj", "train_layers=none"])
    assert parsed == {"precision": "bf16", "gradient_checkpointing": True, "lora_r": 16, "lora_alpha": 32.0,
                      "lora_dropout": 0.0, "lora_target_modules": ["q_proj", "v_proj"], "train_layers": None}
    cfg = W2SConfig(**parsed)
    assert cfg.lora_target_modules == ["q_proj", "v_proj"]
    defaults = W2SConfig()
    assert (defaults.precision, defaults.gradient_checkpointing, defaults.lora_r) == ("fp32", False, None)
