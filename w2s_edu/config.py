"""One config object for an experiment, and the named presets.

Every field is plain data, so a config prints, hashes (the result cache is keyed by it) and
round-trips through JSON. Presets are starting points; override any field with
``W2SConfig.from_preset("default", seeds=5)`` or ``w2s-edu run --preset default --seeds 5``.

CPU notes: on a 2-core laptop keep ``max_length`` short (statements are ~15 tokens), use the
fast path ``train_layers`` for BERT-style students (the frozen lower layers are run once and
cached), and run one experiment at a time (two torch processes on 2 cores slow each other ~5x).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import typing
from dataclasses import asdict, dataclass, field

from .losses import LOSSES, callable_loss_params, loss_name, loss_option

MODES = ("probe", "finetune")
PRECISIONS = ("fp32", "bf16", "fp16", "auto")
VAL_LABELS = ("weak", "ground_truth")
#: The smallest test set an experiment accepts. Below it a test accuracy's standard error is above
#: 0.11 (p = 0.5), so PGR is noise; between it and SMALL_TEST the result carries a note that says so.
MIN_TEST = 20
SMALL_TEST = 200


class ConfigError(ValueError):
    """A config field has a value it cannot take; ``field`` names it, the message says what it accepts."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(f"W2SConfig field {field_name!r}: expected {message}.")


@dataclass
class W2SConfig:
    # --- what to run
    task: str = "categories"
    weak: str = "minilm-l2"
    strong: str = "minilm-l6"
    # registered names (w2s_edu.losses.LOSSES), or in Python also your own functions, called as
    # fn(logits, targets[, step_frac][, aux_coef=..., ...]) -> batch-mean loss; results name them by __name__
    losses: list = field(default_factory=lambda: ["xent"])
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    # --- how the models train: `mode` for the strong student and ceiling, `weak_mode` for the
    # supervisor (None: same as mode). probe = frozen backbone + linear head; finetune = train it.
    mode: str = "finetune"
    weak_mode: str | None = "probe"
    train_layers: int | None = 6  # finetune the top k blocks, embeddings frozen (None: everything)
    # --- data: sizes of the three disjoint parts, and text length in tokens
    n_train_weak: int = 1500
    n_train_strong: int = 1500
    n_test: int = 2000
    max_length: int = 32
    task_seed: int = 0  # which statements the task generator draws (the splits vary with `seeds`)
    text_column: str = "text"  # for hf: datasets whose columns have other names
    label_column: str = "label"
    # --- finetuning
    epochs: float = 2.0
    lr: float = 5e-5
    batch_size: int = 32
    micro_batch_size: int | None = None
    # --- validation for the student (optional): hold out the last `val_size` examples of
    # train_strong, evaluate every `eval_every` steps against weak or ground-truth labels, and with
    # `patience` stop early and keep the best state. Ground truth there is a privilege a real weak
    # supervisor would not have: compare the two (lesson 05).
    val_size: int = 0
    val_labels: str = "weak"  # "weak" or "ground_truth"
    eval_every: int = 25
    patience: int | None = None
    # --- probes (a linear head on cached features trains in seconds)
    probe_epochs: float = 60.0
    probe_lr: float = 3e-2
    probe_batch_size: int = 64
    probe_weight_decay: float = 1e-2
    # --- loss options: one field per option of a registered loss (w2s_edu.losses.LOSSES holds
    # their defaults, ranges and help; `w2s-edu losses` lists them)
    aux_coef: float = loss_option("aux_coef").default  # logconf; the paper used 0.75 at scale
    logconf_warmup_frac: float = loss_option("logconf_warmup_frac").default
    product_alpha: float = loss_option("product_alpha").default
    product_beta: float = loss_option("product_beta").default
    # --- where it runs
    device: str | None = None  # None: cuda, then mps, then cpu
    show_progress: bool = True
    # --- scaling up (lesson 08; w2s_edu.scale.memory estimates what fits). The defaults change nothing.
    # precision: fp32, bf16 or fp16 autocast (fp16 with a GradScaler), or auto: bf16 on GPUs that
    # support it, else fp16 on a GPU, fp32 on CPU. On a GPU under bf16/fp16 the frozen weights of
    # probes and LoRA students load in half precision.
    precision: str = "fp32"
    gradient_checkpointing: bool = False  # recompute activations in the backward pass: less memory
    lora_r: int | None = None  # finetune through LoRA adapters of this rank (needs peft: the gpu extra)
    lora_alpha: float = 16.0
    lora_dropout: float = 0.05
    lora_target_modules: list[str] | None = None  # None: w2s_edu.models.backbones.LORA_TARGETS, else peft's defaults

    def __post_init__(self) -> None:
        # convenient spellings first: "xent,logconf", a seed count, "q_proj,v_proj"
        if isinstance(self.losses, str):
            self.losses = [s.strip() for s in self.losses.split(",") if s.strip()]
        if isinstance(self.seeds, int) and not isinstance(self.seeds, bool):
            if self.seeds < 1:
                raise ConfigError("seeds", f"a positive count or a list of seeds, got {self.seeds}")
            self.seeds = list(range(self.seeds))
        if isinstance(self.lora_target_modules, str):
            self.lora_target_modules = [s.strip() for s in self.lora_target_modules.split(",") if s.strip()]
        validate(self)

    @property
    def loss_kwargs(self) -> dict[str, dict]:
        """Each loss's keyword options, read from this config's fields: every registered loss's, and for a
        loss given as a function the registered options its signature names (by its name)."""
        out = {name: {o.kwarg: getattr(self, o.field) for o in spec.options} for name, spec in LOSSES.items()}
        fields = {o.kwarg: o.field for spec in LOSSES.values() for o in spec.options}
        for fn in (loss for loss in self.losses if not isinstance(loss, str)):
            out[loss_name(fn)] = {k: getattr(self, fields[k]) for k in callable_loss_params(fn)[1]}
        return out

    def to_dict(self) -> dict:
        """The fields as plain data; a loss given as a function appears as its name."""
        return asdict(self) | {"losses": [loss_name(loss) for loss in self.losses]}

    def replace(self, **changes) -> "W2SConfig":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_preset(cls, name: str = "default", **overrides) -> "W2SConfig":
        if name not in PRESETS:
            raise ValueError(f"Unknown preset {name!r}; choose from {', '.join(PRESETS)}.")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ValueError(f"Unknown config field(s) {', '.join(unknown)}; fields are: {', '.join(sorted(fields))}.")
        return cls(**{**PRESETS[name], **overrides})  # None is a value: train_layers=None trains every layer


# ----------------------------------------------------------------------------- validation


@functools.lru_cache(maxsize=1)
def _hints() -> dict:
    return typing.get_type_hints(W2SConfig)


def _check_type(name: str, value, hint) -> object:
    """``value`` checked against the field's type (``X | None``, int, float, bool, str, list[...]);
    returns it normalised (an int where a float belongs becomes a float, a tuple a list)."""
    args = typing.get_args(hint)
    if type(None) in args:
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, (list, tuple)):
            raise ConfigError(name, f"a list of {item.__name__} values, got {value!r}")
        return [_check_type(f"{name}[{i}]", v, item) for i, v in enumerate(value)]
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(name, f"true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ConfigError(name, f"an integer, got {value!r}")
        return int(value)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ConfigError(name, f"a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(name, f"a non-empty string, got {value!r}")
        return value
    return value


def _positive(cfg, *names, allow_zero: bool = False) -> None:
    for name in names:
        value = getattr(cfg, name)
        if value is None:
            continue
        ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
        if not ok:
            raise ConfigError(name, f"a finite number {'>= 0' if allow_zero else '> 0'}, got {value!r}")


def _one_of(cfg, name: str, choices) -> None:
    if getattr(cfg, name) not in choices:
        raise ConfigError(name, f"one of {', '.join(map(str, choices))}, got {getattr(cfg, name)!r}")


def validate(cfg: W2SConfig) -> None:
    """Check every field of ``cfg`` at construction, before anything trains; raises :class:`ConfigError`
    naming the field. Types first (a string where an int belongs is an error, not a crash later), then
    ranges and the rules between fields."""
    for f in dataclasses.fields(cfg):
        if f.name != "losses":
            setattr(cfg, f.name, _check_type(f.name, getattr(cfg, f.name), _hints()[f.name]))
    _check_losses(cfg)
    if not cfg.seeds:
        raise ConfigError("seeds", "at least one seed")
    if len(set(cfg.seeds)) != len(cfg.seeds) or min(cfg.seeds) < 0:
        raise ConfigError("seeds", f"distinct seeds >= 0 (a repeated seed repeats a run and shrinks the spread), "
                                   f"got {cfg.seeds}")
    _one_of(cfg, "mode", MODES)
    if cfg.weak_mode is not None:
        _one_of(cfg, "weak_mode", MODES)
    _one_of(cfg, "precision", PRECISIONS)
    _one_of(cfg, "val_labels", VAL_LABELS)
    _positive(cfg, "epochs", "lr", "probe_epochs", "probe_lr", "lora_alpha")
    _positive(cfg, "probe_weight_decay", allow_zero=True)
    for name in ("n_train_weak", "n_train_strong", "max_length", "batch_size", "probe_batch_size", "train_layers",
                 "micro_batch_size", "lora_r", "patience", "task_seed"):
        value = getattr(cfg, name)
        low = 0 if name == "task_seed" else 1
        if value is not None and value < low:
            optional = type(None) in typing.get_args(_hints()[name])
            raise ConfigError(name, f"an integer >= {low}" + (" or None" if optional else "") + f", got {value}")
    for name in ("n_train_weak", "n_train_strong"):
        if getattr(cfg, name) < 2:
            raise ConfigError(name, f"at least 2 examples (one of each class), got {getattr(cfg, name)}")
    if cfg.n_test < MIN_TEST:
        raise ConfigError("n_test", f"at least {MIN_TEST} test examples (with {cfg.n_test} an accuracy is too "
                                    "coarse to compare anything; 1,000 or more for numbers to report)")
    if cfg.micro_batch_size is not None and cfg.batch_size % cfg.micro_batch_size:
        raise ConfigError("micro_batch_size", f"a divisor of batch_size ({cfg.batch_size}), "
                                              f"got {cfg.micro_batch_size}")
    if not 0 <= cfg.val_size < cfg.n_train_strong - 1:
        raise ConfigError("val_size", f"between 0 and n_train_strong - 2 ({cfg.n_train_strong - 2}), "
                                      f"got {cfg.val_size}")
    if cfg.val_size and cfg.eval_every < 1:
        raise ConfigError("eval_every", f"at least 1 step when val_size is set, got {cfg.eval_every}")
    if cfg.patience is not None and not cfg.val_size:
        raise ConfigError("patience", "None unless val_size > 0 (early stopping needs a validation slice: "
                                      "set val_size, e.g. val_size=200)")
    if not 0 <= cfg.lora_dropout < 1:
        raise ConfigError("lora_dropout", f"a number in [0, 1), got {cfg.lora_dropout}")
    if cfg.lora_target_modules is not None and not cfg.lora_target_modules:
        raise ConfigError("lora_target_modules", "None (the defaults) or at least one module name")
    for spec in LOSSES.values():
        for option in spec.options:
            value = getattr(cfg, option.field)
            if not (math.isfinite(value) and option.low <= value <= option.high):
                raise ConfigError(option.field, f"a number in [{option.low:g}, {option.high:g}] ({option.help}), "
                                                f"got {value!r}")
    if cfg.device is not None:
        _check_device(cfg.device)


def _check_losses(cfg: W2SConfig) -> None:
    """Registered names, or functions (from Python only: a CLI or YAML config gives names), each once."""
    if not isinstance(cfg.losses, (list, tuple)) or not cfg.losses:
        raise ConfigError("losses", f"a list of at least one loss ({', '.join(LOSSES)}), got {cfg.losses!r}")
    cfg.losses = list(cfg.losses)
    unknown = [loss for loss in cfg.losses if isinstance(loss, str) and loss not in LOSSES]
    if unknown:
        raise ConfigError("losses", f"losses from {', '.join(LOSSES)} (or your own functions), got "
                                    f"{', '.join(map(repr, unknown))}")
    for loss in cfg.losses:
        if not isinstance(loss, str):
            try:
                callable_loss_params(loss)
            except ValueError as err:
                raise ConfigError("losses", f"registered names or loss functions, but {err}") from None
            if cfg.micro_batch_size not in (None, cfg.batch_size):
                raise ConfigError("micro_batch_size", f"None with a loss given as a function ({loss_name(loss)}): "
                                                      "it sees the whole batch at once")
    names = [loss_name(loss) for loss in cfg.losses]
    if len(set(names)) != len(names):
        raise ConfigError("losses", f"each loss once, got {names}")


def _check_device(device: str) -> None:
    import torch

    kind = device.split(":")[0]
    if kind not in ("cpu", "cuda", "mps"):
        raise ConfigError("device", f"cpu, cuda (or cuda:N), mps or None (the best available), got {device!r}")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device", f"a device this machine has: {device!r} was asked for but torch sees no CUDA "
                                    "GPU (leave device unset to use the best available)")
    mps = getattr(torch.backends, "mps", None)
    if kind == "mps" and not (mps is not None and mps.is_available()):
        raise ConfigError("device", "a device this machine has: mps (Apple GPU) is not available here")


PRESETS: dict[str, dict] = {
    # The embedded default: chosen by measurement (README, "Choosing the default").
    "default": {},
    # A first look in under a minute on 2 cores, and the base of lessons 04, 05 and 09: the default's task and
    # models with one seed, 1,000 examples per split, and only the student's top 2 blocks trained (the
    # lower 4 run once and are cached) at lr 2e-4. Chosen on development seeds 0-2 as the fastest
    # lighter recipe whose ceiling and student stay within 0.015 of the full one's (README, "Choosing
    # the quick preset"; benchmarks/choose_default.py rows Q0-Q5).
    "quick": {"seeds": [0], "n_train_weak": 1000, "n_train_strong": 1000, "n_test": 1000, "train_layers": 2,
              "lr": 2e-4},
    # Where weak-to-strong clearly works (README, "Choosing the default", row R5; chosen on seeds 0-2,
    # reported on 10-14 in w2s_edu.data.measured("showcase")): the pairwise reward-model task, a probe on
    # one layer of MiniLM supervising the top three blocks of MiniLM-L6 (run_w2s runs a reward: task on
    # pairwise reward models).
    "showcase": {"task": "reward:categories", "weak": "minilm-l1", "n_train_weak": 1000, "n_train_strong": 1000,
                 "n_test": 1000, "train_layers": 3, "lr": 1e-4},
    # Tiny sizes for tests and notebooks' SMOKE mode.
    "smoke": {"seeds": [0], "n_train_weak": 64, "n_train_strong": 64, "n_test": 64, "epochs": 1.0,
              "probe_epochs": 5.0, "train_layers": 1},
}
