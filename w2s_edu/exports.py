"""Lazy public names for a package (PEP 562): ``from w2s_edu.experiment import run_w2s`` imports the
module that defines ``run_w2s`` on first use, so importing a light module of the package (its
metrics, say) does not pull in the rest (models, transformers, datasets)."""

from __future__ import annotations

import importlib


def lazy_exports(package: str, names: dict[str, str]):
    """``(__getattr__, __dir__, __all__)`` for ``package``, whose public ``names`` map each name to the
    submodule (relative to ``package``) that defines it."""
    module = importlib.import_module(package)

    def __getattr__(name: str):
        if name in names:
            value = getattr(importlib.import_module(f".{names[name]}", package), name)
            setattr(module, name, value)  # the next access is a plain attribute
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(module)) | set(names))

    return __getattr__, __dir__, sorted(names)
