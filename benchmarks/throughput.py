"""Throughput of the pipeline against the raw model, on the offline ladder (CPU or GPU).

    python benchmarks/throughput.py [--model minilm-l6] [--n 2000] [--batch-size 64]

(a) Feature extraction: raw = tokenize with padding and run the backbone over fixed batches in
    data order; pipeline = ``frozen_inputs`` (dynamic padding, length-sorted batches, pooling,
    no cache). (b) Finetuning: raw = a hand-written AdamW loop over the same model and batches;
    pipeline = ``train_classifier`` (schedule, clipping, progress bar, history). Prints examples per
    second and the ratio raw time / pipeline time (target: the pipeline costs at most 1.2x raw).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from w2s_edu.models.features import frozen_inputs
from w2s_edu.models.classifiers import TransformerClassifier, mean_pool
from w2s_edu.models.backbones import fresh_backbone, load_backbone
from w2s_edu.models.registry import resolve_model
from w2s_edu.tasks.registry import get_task
from w2s_edu.train.loop import TrainConfig, train_classifier


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="minilm-l6")
    p.add_argument("--task", default="categories")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--train-n", type=int, default=512)
    args = p.parse_args()
    spec = resolve_model(args.model)
    model, tok = load_backbone(spec)
    texts = list(get_task(args.task)["text"][: args.n])
    bs = args.batch_size

    @torch.no_grad()
    def raw_forward():
        for i in range(0, len(texts), bs):
            enc = tok(texts[i:i + bs], padding=True, truncation=True, max_length=32, return_tensors="pt")
            mean_pool(model(**enc).last_hidden_state, enc["attention_mask"])

    raw_forward()  # warm-up
    t_raw = timed(raw_forward)
    t_pipe = timed(lambda: frozen_inputs(spec, texts, kind="features", max_length=32, batch_size=bs, use_cache=False))
    print(f"(a) feature extraction, {len(texts)} texts, {args.model}, batch {bs}, {torch.get_num_threads()} threads")
    print(f"    raw forward      {len(texts) / t_raw:8.0f} examples/s")
    print(f"    pipeline         {len(texts) / t_pipe:8.0f} examples/s   pipeline/raw time = {t_pipe / t_raw:.2f}")

    n = args.train_n
    sub = texts[:n]
    labels = torch.tensor(np.arange(n) % 2)
    tokens = frozen_inputs(spec, sub, kind="tokens", max_length=32)
    batches = [list(range(i, min(i + 32, n))) for i in range(0, n, 32)]

    def raw_train():
        torch.manual_seed(0)
        clf = TransformerClassifier(fresh_backbone(spec)[0]).train()
        opt = torch.optim.AdamW(clf.parameters(), lr=5e-5)
        for idx in batches:
            loss = torch.nn.functional.cross_entropy(clf(tokens.batch(idx)), labels[idx])
            loss.backward()
            opt.step()
            opt.zero_grad()

    def pipe_train():
        torch.manual_seed(0)
        clf = TransformerClassifier(fresh_backbone(spec)[0])
        cfg = TrainConfig(epochs=1, lr=5e-5, batch_size=32, device="cpu")
        train_classifier(clf, tokens, np.eye(2, dtype=np.float32)[labels.numpy()], cfg, show_progress=True)

    t_raw_t = timed(raw_train)
    t_pipe_t = timed(pipe_train)
    print(f"(b) finetuning one epoch of {n} texts, batch 32")
    print(f"    raw loop         {n / t_raw_t:8.0f} examples/s")
    print(f"    pipeline         {n / t_pipe_t:8.0f} examples/s   pipeline/raw time = {t_pipe_t / t_raw_t:.2f}")


if __name__ == "__main__":
    main()
