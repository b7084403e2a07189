"""Does torch.compile pay for the student's finetune on this CPU? One training step, eager against compiled.

    python benchmarks/compile_step.py [--threads 1] [--train-layers 6] [--steps 60]

Trains the top ``--train-layers`` blocks of MiniLM-L6 (the fast path's ``TopLayersClassifier``) on
random hidden states, batch 32, at the padded lengths a statement batch has (12-24 tokens), first
eagerly, then through ``torch.compile(dynamic=True)`` (inductor). Prints the seconds the first steps
took (the compiled run's include compiling) and the time per step after them. One thread is what each
worker of the ParallelExecutor uses. A benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time

import torch

from w2s_edu.models.backbones import load_backbone
from w2s_edu.models.classifiers import TopLayersClassifier
from w2s_edu.models.registry import resolve_model

LENGTHS = (12, 14, 16, 18, 20, 24)


def train(model, batches) -> tuple[float, float]:
    """Seconds for the first len(LENGTHS) steps (every shape once), and per step after them."""
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-5)
    model.train()
    t0 = time.perf_counter()
    for i, batch in enumerate(batches):
        if i == len(LENGTHS):
            first, t1 = time.perf_counter() - t0, time.perf_counter()
        torch.nn.functional.cross_entropy(model(batch), batch["y"]).backward()
        opt.step()
        opt.zero_grad()
    return first, (time.perf_counter() - t1) / (len(batches) - len(LENGTHS))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--train-layers", type=int, default=6)
    p.add_argument("--steps", type=int, default=60)
    args = p.parse_args()
    if args.steps <= len(LENGTHS):
        p.error(f"--steps must be more than {len(LENGTHS)}: the first {len(LENGTHS)} steps see every padded length "
                "once (compiling), the time per step is measured on the rest")
    torch.set_num_threads(args.threads)
    backbone, _ = load_backbone(resolve_model("minilm-l6"))
    g = torch.Generator().manual_seed(0)
    batches = []
    for i in range(args.steps):
        n = LENGTHS[i % len(LENGTHS)]
        batches.append({"hidden": torch.randn(32, n, 384, generator=g),
                        "attention_mask": torch.ones(32, n, dtype=torch.long),
                        "y": torch.randint(0, 2, (32,), generator=g)})
    rows = {}
    for name in ("eager", "compiled"):
        torch.manual_seed(0)
        model = TopLayersClassifier(backbone, args.train_layers)
        rows[name] = train(model if name == "eager" else torch.compile(model, dynamic=True), batches)
        first, step = rows[name]
        print(f"{name:9s} first {len(LENGTHS)} steps {first:6.1f} s, then {step * 1000:5.0f} ms per step", flush=True)
    saved = rows["eager"][1] - rows["compiled"][1]
    extra = rows["compiled"][0] - rows["eager"][0]
    print(f"compiling costs {extra:.0f} s and saves {saved * 1000:.0f} ms per step: it pays after "
          f"{extra / saved:.0f} steps" if saved > 0 else "compiled steps are not faster")


if __name__ == "__main__":
    main()
