"""Lesson 08 (scaling up): checkers accept the references and reject stubs and common mistakes; the
source has three graded exercises and a valid lesson version."""

from __future__ import annotations

import pytest

from w2s_edu.scale import memory
from w2s_edu.checks import lesson08 as checks
from w2s_edu.models.params import LORA_TARGETS
from w2s_edu.models.classifiers import TransformerClassifier
from w2s_edu.models.backbones import apply_lora

pytest.importorskip("peft")


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here, then delete this line.")


def rejects(check, fn, match: str):
    with pytest.raises(AssertionError, match=match):
        check(fn)


# ------------------------------------------------------------------------------------ training_bytes
def bytes_ref(n_params, n_trainable, frozen_bytes=4, mixed_precision=False):
    return (n_params - n_trainable) * frozen_bytes + n_trainable * (16 + 2 * bool(mixed_precision))


def bytes_no_grads(n, t, fb=4, mixed=False):
    return (n - t) * fb + t * (12 + 2 * mixed)


def bytes_no_adam(n, t, fb=4, mixed=False):
    return (n - t) * fb + t * (8 + 2 * mixed)


def bytes_no_copies(n, t, fb=4, mixed=False):
    return (n - t) * fb + t * 16


def bytes_copies_of_everything(n, t, fb=4, mixed=False):
    return (n - t) * fb + t * 16 + 2 * n * mixed


def bytes_half_master_weights(n, t, fb=4, mixed=False):
    return (n - t) * fb + t * (14 if mixed else 16)


def bytes_frozen_always_fp32(n, t, fb=4, mixed=False):
    return (n - t) * 4 + t * (16 + 2 * mixed)


def bytes_everything_trains(n, t, fb=4, mixed=False):
    return n * (16 + 2 * mixed)


def bytes_in_gb(n, t, fb=4, mixed=False):
    return bytes_ref(n, t, fb, mixed) / 1e9


def bytes_listed_cases_only(n, t, fb=4, mixed=False):  # right on the hand-made cases, mixed ignored elsewhere
    listed = {args for args, _, _ in checks.BYTES_CASES}
    return bytes_ref(n, t, fb, mixed) if (n, t, fb, mixed) in listed or n == 7_070_619_136 else bytes_ref(n, t, fb)


def test_check_training_bytes_accepts_the_reference(capsys):
    checks.check_training_bytes(bytes_ref)
    assert "training_bytes" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (bytes_no_grads, "4 bytes per trainable weight are missing"),
    (bytes_no_adam, "two moments"),
    (bytes_no_copies, "2-byte copy"),
    (bytes_copies_of_everything, "only made of trainable"),
    (bytes_half_master_weights, "master weights"),
    (bytes_frozen_always_fp32, "frozen_bytes"),
    (bytes_everything_trains, "only the trainable"),
    (bytes_in_gb, "expected 16,000"),
    (bytes_listed_cases_only, "autocast also keeps a 2-byte copy"),
])
def test_check_training_bytes_rejects(fn, match):
    rejects(checks.check_training_bytes, fn, match)


# ------------------------------------------------------------------------------------ pick_config
def pick_lora_first(model, gpu_gb, seq_len=512, batch_size=32):
    for mode in ("lora", "finetune", "probe"):
        for ckpt in (False, True):
            micro = memory.largest_micro_batch(model, mode, gpu_gb, batch_size=batch_size, precision="bf16",
                                               seq_len=seq_len, gradient_checkpointing=ckpt)
            if micro:
                return {"mode": mode, "gradient_checkpointing": ckpt, "micro_batch_size": micro}
    return None


def pick_without_checkpointing(model, gpu_gb, seq_len=512, batch_size=32):
    for mode in ("finetune", "lora", "probe"):
        micro = memory.largest_micro_batch(model, mode, gpu_gb, batch_size=batch_size, precision="bf16",
                                           seq_len=seq_len)
        if micro:
            return {"mode": mode, "gradient_checkpointing": False, "micro_batch_size": micro}
    return None


def pick_checkpointing_first(model, gpu_gb, seq_len=512, batch_size=32):
    for mode in ("finetune", "lora", "probe"):
        for ckpt in (True, False):
            micro = memory.largest_micro_batch(model, mode, gpu_gb, batch_size=batch_size, precision="bf16",
                                               seq_len=seq_len, gradient_checkpointing=ckpt)
            if micro:
                return {"mode": mode, "gradient_checkpointing": ckpt, "micro_batch_size": micro}
    return None


def pick_smallest_micro_batch(model, gpu_gb, seq_len=512, batch_size=32):
    out = checks.reference_pick_config(model, gpu_gb, seq_len, batch_size)
    return out and {**out, "micro_batch_size": 1}


def pick_ignores_seq_len(model, gpu_gb, seq_len=512, batch_size=32):
    return checks.reference_pick_config(model, gpu_gb, 512, batch_size)


def pick_fp32(model, gpu_gb, seq_len=512, batch_size=32):
    for mode in ("finetune", "lora", "probe"):
        for ckpt in (False, True):
            micro = memory.largest_micro_batch(model, mode, gpu_gb, batch_size=batch_size, precision="fp32",
                                               seq_len=seq_len, gradient_checkpointing=ckpt)
            if micro:
                return {"mode": mode, "gradient_checkpointing": ckpt, "micro_batch_size": micro}
    return None


def pick_micro_not_dividing(model, gpu_gb, seq_len=512, batch_size=32):
    out = checks.reference_pick_config(model, gpu_gb, seq_len, batch_size)
    if out and batch_size == 24 and out["micro_batch_size"] == 8:
        return {**out, "micro_batch_size": 16}  # a power of two, but it does not divide 24
    return out


def pick_never_none(model, gpu_gb, seq_len=512, batch_size=32):
    return checks.reference_pick_config(model, gpu_gb, seq_len, batch_size) or {
        "mode": "probe", "gradient_checkpointing": False, "micro_batch_size": 1}


def pick_only_the_mode(model, gpu_gb, seq_len=512, batch_size=32):
    out = checks.reference_pick_config(model, gpu_gb, seq_len, batch_size)
    return out and out["mode"]


def test_pick_cases_cover_every_outcome():
    outcomes = {None if c is None else (c["mode"], c["gradient_checkpointing"])
                for c in (checks.reference_pick_config(*args) for args in checks.PICK_CASES)}
    assert outcomes == {("finetune", False), ("lora", False), ("lora", True), ("probe", False), None}


def test_check_pick_config_accepts_the_reference(capsys):
    checks.check_pick_config(checks.reference_pick_config)
    assert "pick_config" in capsys.readouterr().out


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (pick_lora_first, "prefer finetune, then lora"),
    (pick_without_checkpointing, "Did you try gradient checkpointing"),
    (pick_checkpointing_first, "use it only when"),
    (pick_smallest_micro_batch, "larger micro-batch"),
    (pick_ignores_seq_len, "seq_len"),
    (pick_fp32, "expected"),
    (pick_micro_not_dividing, "divide the batch size"),
    (pick_never_none, "return None"),
    (pick_only_the_mode, "expected None or a dict"),
])
def test_check_pick_config_rejects(fn, match):
    rejects(checks.check_pick_config, fn, match)


# ------------------------------------------------------------------------------------ make_lora_student
def lora_ref(backbone, r):
    from peft import LoraConfig, get_peft_model

    model_type = backbone.config.model_type
    config = LoraConfig(r=r, lora_alpha=2 * r, target_modules=list(LORA_TARGETS[model_type]),
                        fan_in_fan_out=model_type == "gpt2")
    return TransformerClassifier(get_peft_model(backbone, config))


def lora_package(backbone, r):  # the package's version, with the exercise's lora_alpha = 2 * r
    return TransformerClassifier(apply_lora(backbone, r, alpha=2 * r))


def lora_none(backbone, r):
    return TransformerClassifier(backbone)


def lora_peft_defaults(backbone, r):
    from peft import LoraConfig, get_peft_model

    return TransformerClassifier(get_peft_model(backbone, LoraConfig(r=r)))


def lora_fixed_rank(backbone, r):
    return lora_ref(backbone, 8)


def lora_around_the_classifier(backbone, r):
    from peft import LoraConfig, get_peft_model

    targets = list(LORA_TARGETS[backbone.config.model_type])
    return get_peft_model(TransformerClassifier(backbone), LoraConfig(r=r, target_modules=targets))


def lora_unfrozen_afterwards(backbone, r):
    model = lora_ref(backbone, r)
    model.requires_grad_(True)
    return model


def lora_backbone_only(backbone, r):
    return lora_ref(backbone, r).backbone


def _lora(backbone, r, **settings):
    from peft import LoraConfig, get_peft_model

    model_type = backbone.config.model_type
    config = LoraConfig(r=r, target_modules=list(LORA_TARGETS[model_type]), fan_in_fan_out=model_type == "gpt2",
                        **settings)
    return TransformerClassifier(get_peft_model(backbone, config))


def lora_alpha_never_set(backbone, r):  # peft's default lora_alpha is 8
    return _lora(backbone, r)


def lora_alpha_equals_r(backbone, r):
    return _lora(backbone, r, lora_alpha=r)


def lora_package_defaults(backbone, r):  # apply_lora's own default alpha (16), not the exercise's 2 * r
    return TransformerClassifier(apply_lora(backbone, r))


def lora_rslora(backbone, r):  # alpha right, but rank-stabilised scaling: alpha / sqrt(r)
    return _lora(backbone, r, lora_alpha=2 * r, use_rslora=True)


def lora_pooler_instead_of_key(backbone, r):  # BERT: "key" replaced by the pooler, GPT-2: the right targets
    from peft import LoraConfig, get_peft_model

    targets = list(LORA_TARGETS[backbone.config.model_type])
    if backbone.config.model_type == "bert":
        targets = ["query", "value", "pooler.dense", "output.dense", "intermediate.dense"]
    config = LoraConfig(r=r, lora_alpha=2 * r, target_modules=targets,
                        fan_in_fan_out=backbone.config.model_type == "gpt2")
    return TransformerClassifier(get_peft_model(backbone, config))


def test_check_make_lora_student_accepts_the_reference_and_the_package(capsys):
    checks.check_make_lora_student(lora_ref)
    checks.check_make_lora_student(lora_package)
    assert capsys.readouterr().out.count("make_lora_student") == 2


@pytest.mark.parametrize("fn, match", [
    (stub, "NotImplementedError"),
    (lora_none, "backbone weights still train"),
    (lora_peft_defaults, "adapter weights"),
    (lora_fixed_rank, "rank 2"),
    (lora_around_the_classifier, "head does not train"),
    (lora_unfrozen_afterwards, "backbone weights still train"),
    (lora_backbone_only, "fails on a batch dict"),
    (lora_alpha_never_set, r"lora_alpha = 8 \(8 is peft's default: lora_alpha was not set\).*lora_alpha = 2 \* r = 4"),
    (lora_alpha_equals_r, r"lora_alpha = 2 \(lora_alpha = r\)"),
    (lora_package_defaults, r"lora_alpha = 16 \(16 is apply_lora's default\)"),
    (lora_rslora, "use_rslora"),
    (lora_pooler_instead_of_key, "adapter weights"),
])
def test_check_make_lora_student_rejects(fn, match):
    rejects(checks.check_make_lora_student, fn, match)


# ------------------------------------------------------------------------------------ source
def test_source_has_three_graded_exercises_and_a_valid_lesson_version():
    from pathlib import Path

    from w2s_edu.devtools.build_lessons import find_blocks, render

    source = Path(__file__).resolve().parents[1] / "solutions" / "08_scaling_up.py"
    text = source.read_text(encoding="utf-8")
    names = ["training_bytes", "pick_config", "make_lora_student"]
    assert [b.name for b in find_blocks(text)] == names
    for name in names:
        assert f"check_{name}({name})" in text
    compile(render(text, "lesson"), str(source), "exec")
    assert 'tags=["parameters"]' in text and 'SMOKE = os.environ.get("W2S_SMOKE") == "1"' in text
    assert "lessons/08_scaling_up.ipynb" in text and "torch.cuda.is_available()" in text
    assert "PLACEHOLDER" not in text
