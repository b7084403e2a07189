"""Training through accelerate (``train_classifier(..., accelerator=acc)``): one process gives exactly the
updates of the one-process path; two CPU processes (torchrun, gloo) give identical weights in both
processes and the same updates as one process; the pipeline runs through the same path
(:mod:`w2s_edu.cli.distributed`, :class:`AccelerateExecutor`); the FSDP config file is one accelerate reads."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from w2s_edu.cli import distributed as cli_distributed
from w2s_edu.train import distributed
from w2s_edu.models.features import Inputs, _ragged
from w2s_edu.models.classifiers import LinearProbe, TransformerClassifier
from w2s_edu.train.loop import TrainConfig, train_classifier

ROOT = Path(__file__).resolve().parents[1]
# The tiny problem both processes and this test build (37 rows: the last batch of 8 is short).
PROBLEM = textwrap.dedent('''
    import numpy as np, torch
    from transformers import GPT2Config, GPT2Model

    def problem():
        torch.manual_seed(0)
        backbone = GPT2Model(GPT2Config(vocab_size=50, n_embd=16, n_layer=2, n_head=2, n_positions=64,
                                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))
        gen = torch.Generator().manual_seed(1)
        rows = [torch.randint(0, 50, (int(k),), generator=gen) for k in torch.randint(3, 9, (37,), generator=gen)]
        y = np.array([int(r.sum()) % 2 for r in rows])
        return backbone, rows, np.eye(2, dtype=np.float32)[y] * 0.8 + 0.1

    CASES = {"xent": (None, {}), "logconf": (2, {"aux_coef": 0.5, "warmup_frac": 0.2})}
''')
namespace: dict = {}
exec(PROBLEM, namespace)
problem, CASES = namespace["problem"], namespace["CASES"]


def config(loss: str) -> TrainConfig:
    micro, kwargs = CASES[loss]
    return TrainConfig(epochs=2, lr=1e-3, batch_size=8, micro_batch_size=micro, loss=loss, loss_kwargs=kwargs)


def reference(loss: str):
    """Weights and losses of train_classifier in this process."""
    backbone, rows, soft = problem()
    torch.manual_seed(0)
    model = TransformerClassifier(copy.deepcopy(backbone))
    hist = train_classifier(model, _ragged(rows, "tokens"), soft, config(loss), show_progress=False)
    return torch.cat([p.detach().flatten() for p in model.parameters()]), np.array(hist["loss"]), backbone


@pytest.fixture(scope="module")
def accelerator():
    return distributed.make_accelerator(cpu=True)


@pytest.mark.parametrize("loss", ["xent", "logconf"])
def test_one_process_gives_train_classifiers_updates(accelerator, loss):
    weights, losses, backbone = reference(loss)
    _, rows, soft = problem()
    torch.manual_seed(0)
    model = TransformerClassifier(copy.deepcopy(backbone))
    start = torch.cat([p.detach().flatten() for p in model.parameters()])
    hist = train_classifier(model, _ragged(rows, "tokens"), soft, config(loss), accelerator=accelerator,
                            show_progress=False)
    got = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert accelerator.num_processes == 1 and hist["steps"] == 10 and len(hist["loss"]) == 10
    assert (weights - start).abs().max() > 1e-3  # training moved the weights ...
    assert torch.allclose(got, weights, atol=1e-6)  # ... exactly as train_classifier did
    assert np.allclose(hist["loss"], losses, atol=1e-6)


def test_bad_batch_settings_say_what_is_wrong(accelerator):
    _, rows, soft = problem()
    model = TransformerClassifier(problem()[0])
    with pytest.raises(ValueError, match="divide"):
        train_classifier(model, _ragged(rows, "tokens"), soft, TrainConfig(batch_size=8, micro_batch_size=3),
                         accelerator=accelerator, show_progress=False)
    with pytest.raises(ValueError, match=r"\(37, 2\)"):
        train_classifier(model, _ragged(rows, "tokens"), soft[:5], TrainConfig(), accelerator=accelerator)


def test_validation_and_early_stopping_through_accelerate(accelerator):
    g = torch.Generator().manual_seed(0)
    y = torch.arange(200) % 2
    x = torch.randn(200, 8, generator=g) + (2 * y[:, None] - 1) * 0.5
    train, val = Inputs("features", x[:120]), (Inputs("features", x[120:]), y[120:].numpy())
    soft = np.eye(2, dtype=np.float32)[y[:120].numpy()] * 0.8 + 0.1
    cfg = TrainConfig(epochs=20, lr=3e-2, batch_size=16, micro_batch_size=4, loss="logconf", eval_every=3,
                      patience=2)
    runs = []
    for acc in (None, accelerator):
        torch.manual_seed(0)
        model = LinearProbe(8)
        hist = train_classifier(model, train, soft, cfg, val=val, accelerator=acc, show_progress=False)
        runs.append((hist, model.head.weight.detach().clone()))
    (plain, w_plain), (through, w_through) = runs
    assert plain["stopped_early"] and len(plain["loss"]) < plain["steps"]  # the best weights were restored
    for key in ("step", "eval_step", "eval_acc", "stopped_early", "best_step", "steps"):
        assert plain[key] == through[key], key
    assert np.allclose(plain["loss"], through["loss"], atol=1e-6) and torch.allclose(w_plain, w_through, atol=1e-6)


def test_accelerate_executor_trains_through_the_accelerator_and_writes_the_cache(accelerator, tmp_path):
    _, rows, soft = problem()
    inputs = _ragged(rows, "tokens")
    ex = distributed.AccelerateExecutor(accelerator)
    path = tmp_path / "runs" / "x.npy"
    assert not ex.cached(path)
    torch.manual_seed(0)
    model = TransformerClassifier(problem()[0])
    hist = ex.train(model, inputs, soft, config("xent"), show_progress=False)
    probs = ex.predict(model, inputs, config("xent"))
    ex.write(path, lambda tmp: np.save(open(tmp, "wb"), probs))
    assert len(hist["loss"]) == 10 and probs.shape == (37, 2) and ex.cached(path)
    assert np.array_equal(np.load(path), probs) and not list(path.parent.glob(".*.tmp"))


def _tiny_task(folder: Path) -> str:
    from datasets import Dataset

    rng = np.random.default_rng(0)  # the colour says the label 70% of the time: accuracies below 1
    labels = rng.integers(0, 2, 120)
    colour = np.where(rng.random(120) < 0.7, labels, 1 - labels)
    rows = [{"text": f"item {i} is {('blue', 'red')[c]}", "label": int(y)}
            for i, (y, c) in enumerate(zip(labels, colour))]
    Dataset.from_list(rows).save_to_disk(str(folder))
    return str(folder)


def _run_args(task: str, tiny_models: dict, out: Path) -> list[str]:
    return ["--task", f"hf:{task}", "--weak", tiny_models["bert"], "--strong", tiny_models["gpt2"], "--loss",
            "xent,logconf", "--seeds", "1", "--mode", "finetune", "--out", str(out),
            *[x for kv in ("n_train_weak=24", "n_train_strong=24", "n_test=24", "epochs=1", "batch_size=8",
                           "train_layers=none", "show_progress=false") for x in ("--set", kv)]]


def test_the_pipeline_through_accelerate_in_one_process_matches_a_plain_run(tiny_models, tmp_path, monkeypatch,
                                                                            accelerator):
    from w2s_edu.cli.main import main as cli_main

    task = _tiny_task(tmp_path / "task")
    results = []
    for name, run in (("plain", cli_main), ("accelerate", cli_distributed.main)):
        monkeypatch.setenv("W2S_EDU_CACHE", str(tmp_path / f"cache-{name}"))  # each trains from scratch
        extra = ["--cpu"] if name == "accelerate" else []
        assert run(["run", *_run_args(task, tiny_models, tmp_path / name), *extra]) == 0
        results.append(json.loads((tmp_path / name / "results.json").read_text()))
        results[-1]["runs"] = {p.name: dict(np.load(p)) for p in (tmp_path / f"cache-{name}" / "runs").glob("*.npz")}
    plain, acc = results
    assert sorted(plain["runs"]) == sorted(acc["runs"]) and len(plain["runs"]) == 4  # the same cache keys
    for key, saved in plain["runs"].items():  # same batches, same dropout draws: the same predictions
        assert np.allclose(saved["test"], acc["runs"][key]["test"], atol=1e-5)
        assert np.allclose(saved["loss_curve"], acc["runs"][key]["loss_curve"], atol=1e-5)
    for key in ("weak_acc", "ceiling_acc", "w2s_acc"):
        assert plain[key] == acc[key]
    assert 0 < plain["ceiling_acc"][0] < 1 or 0 < plain["weak_acc"][0] < 1


def test_fsdp_config_is_what_accelerate_launch_reads(tmp_path, capsys):
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.utils import DistributedType

    path = tmp_path / "fsdp.yaml"
    assert cli_distributed.main(["fsdp-config", "--num-processes", "4", "--out", str(path)]) == 0
    assert "accelerate launch --config_file" in capsys.readouterr().out
    cfg = load_config_from_file(str(path))
    assert cfg.distributed_type == DistributedType.FSDP and cfg.num_processes == 4 and cfg.mixed_precision == "bf16"
    assert cfg.fsdp_config["fsdp_version"] == 2 and cfg.fsdp_config["fsdp_auto_wrap_policy"] == "TRANSFORMER_BASED_WRAP"
    with pytest.raises(ValueError, match="precision"):
        distributed.fsdp_config(precision="fp8")
    model = TransformerClassifier(problem()[0])
    assert model._no_split_modules == {"GPT2Block"}  # FSDP wraps block by block
    # the module runs as python -m w2s_edu.cli.distributed (as accelerate launch -m and torchrun -m start it)
    proc = subprocess.run([sys.executable, "-m", "w2s_edu.cli.distributed", "fsdp-config", "--num-processes", "2"],
                          cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "num_processes: 2" in proc.stdout, proc.stderr[-2000:]


# ------------------------------------------------------------------------------------------ two processes
TWO_PROCESSES = PROBLEM + textwrap.dedent('''
    import copy, sys
    from w2s_edu.cli.distributed import main
    from w2s_edu.train.distributed import make_accelerator
    from w2s_edu.models.features import _ragged
    from w2s_edu.models.classifiers import TransformerClassifier
    from w2s_edu.train.loop import TrainConfig, train_classifier

    torch.set_num_threads(1)
    out = sys.argv[1]
    acc = make_accelerator(cpu=True)
    assert acc.num_processes == 2, f"expected 2 processes, got {acc.num_processes}"
    backbone, rows, soft = problem()
    result = {}
    for loss, (micro, kwargs) in CASES.items():
        cfg = TrainConfig(epochs=2, lr=1e-3, batch_size=8, micro_batch_size=micro, loss=loss, loss_kwargs=kwargs)
        torch.manual_seed(0)
        model = TransformerClassifier(copy.deepcopy(backbone))
        hist = train_classifier(model, _ragged(rows, "tokens"), soft, cfg, accelerator=acc, show_progress=False)
        result[loss] = {"weights": torch.cat([p.detach().flatten() for p in model.parameters()]),
                        "loss": hist["loss"]}
    torch.save(result, f"{out}/rank{acc.process_index}.pt")
    # the whole pipeline, every model trained by both processes (arguments after the output folder)
    assert main(sys.argv[2:]) == 0
''')


def test_two_cpu_processes_train_like_one(tiny_models, tmp_path):
    """torchrun starts two processes (gloo); DDP weights are identical in both and equal one process's."""
    script = tmp_path / "two_processes.py"
    script.write_text(TWO_PROCESSES)
    task = _tiny_task(tmp_path / "task")
    env = dict(os.environ, W2S_EDU_CACHE=str(tmp_path / "cache"), OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(script), str(tmp_path), "run", *_run_args(task, tiny_models, tmp_path / "out")]
    start = time.time()
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    print(f"two processes: {time.time() - start:.1f} s")
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1)]
    for loss in CASES:
        weights, losses, _ = reference(loss)
        assert torch.equal(ranks[0][loss]["weights"], ranks[1][loss]["weights"])  # DDP kept them in sync
        assert torch.allclose(ranks[0][loss]["weights"], weights, atol=1e-5)  # and equal to one process
        assert np.allclose(ranks[0][loss]["loss"], losses, atol=1e-5)
    result = json.loads((tmp_path / "out" / "results.json").read_text())
    assert set(result["w2s_acc"]) == {"xent", "logconf"} and "on 2 process(es)" in proc.stdout
    assert len(list((tmp_path / "cache" / "runs").glob("*.npz"))) == 4  # written once, by the main process
