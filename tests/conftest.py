"""Shared fixtures: an isolated cache, no hub access, and tiny real-architecture models on disk."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never touch the network
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

TINY = {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 4}


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own cache folder, so no test reads another machine's results."""
    monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path_factory.getbasetemp() / "w2s-cache"))


@pytest.fixture(autouse=True)
def one_process(monkeypatch):
    """Experiments train one model at a time in the test's own process, so that tests can count and patch
    what trains; tests/test_parallel.py runs the worker processes (and the notebooks use the default)."""
    monkeypatch.setenv("W2S_EDU_WORKERS", "1")


def _bpe_tokenizer():
    """A GPT-2-style byte-level BPE tokenizer trained offline on a few sentences (no pad token)."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast

    corpus = [f"The city of {c} is in {k}." for c in ("Lyon", "Paris", "Osaka", "Lima", "Accra")
              for k in ("France", "Japan", "Peru", "Ghana")] * 5
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus, vocab_size=300, min_frequency=1, special_tokens=["<|endoftext|>"])
    return GPT2TokenizerFast(tokenizer_object=bpe, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                             unk_token="<|endoftext|>")


def _build(arch: str, folder):
    import torch
    from transformers import (AutoTokenizer, BertConfig, BertModel, GPT2Config, GPT2Model, GPTNeoXConfig,
                              GPTNeoXModel, Qwen2Config, Qwen2Model)

    from w2s_edu.models.registry import offline_model_path

    torch.manual_seed(0)
    if arch == "bert":
        tok = AutoTokenizer.from_pretrained(offline_model_path())
        model = BertModel(BertConfig(vocab_size=tok.vocab_size, num_hidden_layers=3, **TINY))
    else:
        tok = _bpe_tokenizer()
        v = len(tok)
        if arch == "gpt2":
            model = GPT2Model(GPT2Config(vocab_size=v, n_embd=32, n_layer=2, n_head=4, n_positions=128))
        elif arch == "gpt_neox":
            model = GPTNeoXModel(GPTNeoXConfig(vocab_size=v, num_hidden_layers=2, max_position_embeddings=128, **TINY))
        else:
            model = Qwen2Model(Qwen2Config(vocab_size=v, num_hidden_layers=2, num_key_value_heads=2,
                                           max_position_embeddings=128, **TINY))
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Tiny BERT, GPT-2, GPT-NeoX (Pythia) and Qwen2 models with tokenizers, saved to disk."""
    root = tmp_path_factory.mktemp("tiny-models")
    return {arch: _build(arch, root / arch) for arch in ("bert", "gpt2", "gpt_neox", "qwen2")}
