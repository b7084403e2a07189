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
from dataclasses import asdict, dataclass, field

from .losses import LOSSES, loss_option

MODES = ("probe", "finetune")
PRECISIONS = ("fp32", "bf16", "fp16", "auto")


@dataclass
class W2SConfig:
    # --- what to run
    task: str = "categories"
    weak: str = "minilm-l2"
    strong: str = "minilm-l6"
    losses: list[str] = field(default_factory=lambda: ["xent"])
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
    # --- scaling up (lesson 07; w2s_edu.scale.memory estimates what fits). The defaults change nothing.
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
        if isinstance(self.losses, str):
            self.losses = [s.strip() for s in self.losses.split(",") if s.strip()]
        if isinstance(self.seeds, int):
            if self.seeds < 1:
                raise ValueError(f"seeds must be a positive count or a list of seeds, got {self.seeds}.")
            self.seeds = list(range(self.seeds))
        self.seeds = [int(s) for s in self.seeds]
        self.losses = list(self.losses)
        for name, value in (("mode", self.mode), ("weak_mode", self.weak_mode or self.mode)):
            if value not in MODES:
                raise ValueError(f"{name} must be one of {', '.join(MODES)}; got {value!r}.")
        bad = [name for name in self.losses if name not in LOSSES]
        if bad or not self.losses:
            raise ValueError(f"Unknown loss {', '.join(bad) or '(none given)'}; choose from {', '.join(LOSSES)}.")
        if self.val_labels not in ("weak", "ground_truth"):
            raise ValueError(f"val_labels must be 'weak' or 'ground_truth', got {self.val_labels!r}.")
        if not 0 <= int(self.val_size) < int(self.n_train_strong):
            raise ValueError(f"val_size must be between 0 and n_train_strong - 1 ({int(self.n_train_strong) - 1}), "
                             f"got {self.val_size}.")
        for name in ("n_train_weak", "n_train_strong", "n_test", "max_length", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {self.precision!r}.")
        if self.lora_r is not None and int(self.lora_r) < 1:
            raise ValueError(f"lora_r must be a positive rank (8 or 16 are common) or None (no LoRA), "
                             f"got {self.lora_r}.")
        if isinstance(self.lora_target_modules, str):
            self.lora_target_modules = [s.strip() for s in self.lora_target_modules.split(",") if s.strip()]

    @property
    def loss_kwargs(self) -> dict[str, dict]:
        """Each registered loss's keyword options, read from this config's fields."""
        return {name: {o.kwarg: getattr(self, o.field) for o in spec.options} for name, spec in LOSSES.items()}

    def to_dict(self) -> dict:
        return asdict(self)

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
        return cls(**{**PRESETS[name], **{k: v for k, v in overrides.items() if v is not None}})


PRESETS: dict[str, dict] = {
    # The embedded default: chosen by measurement (README, "Choosing the default").
    "default": {},
    # A first look in well under a minute: probes only, one seed.
    "quick": {"seeds": [0], "n_train_weak": 1000, "n_train_strong": 1000, "n_test": 1000},
    # Tiny sizes for tests and notebooks' SMOKE mode.
    "smoke": {"seeds": [0], "n_train_weak": 64, "n_train_strong": 64, "n_test": 64, "epochs": 1.0,
              "probe_epochs": 5.0, "train_layers": 1},
}
