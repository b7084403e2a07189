"""w2s-edu: weak-to-strong generalization experiments for a course, from a laptop CPU to GPUs.

    from . import W2SConfig, run_w2s
    result = run_w2s(W2SConfig.from_preset("quick"))
    print(result.table())
"""

__version__ = "0.1.0"

_LAZY = {
    "W2SConfig": "config", "PRESETS": "config", "run_w2s": "experiment.pipeline", "run_sweep": "experiment.pipeline",
    "W2SResult": "experiment.results", "get_task": "tasks.registry", "list_tasks": "tasks.registry",
    "split_task": "tasks.splits", "pgr": "experiment.metrics", "list_models": "models.backbones",
}


def __getattr__(name):  # imported on first use, so `import w2s_edu` stays fast
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'w2s_edu' has no attribute {name!r}")


__all__ = sorted(_LAZY)
