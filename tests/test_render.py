"""``w2s-edu render``: solution notebooks become HTML pages with their plots embedded, widget state,
an index, and clear failures. Small notebooks made here stand in for the lessons (seconds, not minutes)."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest

pytest.importorskip("nbconvert")
import nbformat  # noqa: E402

from w2s_edu.cli.main import main  # noqa: E402
from w2s_edu.devtools import render_solutions as rs  # noqa: E402

PNG_RE = re.compile(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"')


def _notebook(path: Path, title: str, *code: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nSome text."), *map(nbformat.v4.new_code_cell, code)]
    nbformat.write(nb, path)
    return path


PLOT = "import matplotlib.pyplot as plt\nplt.plot([0, 1, 2], [1, 0, 1])\nplt.title('a small plot')\nplt.show()"
SLIDER = "import ipywidgets as w\nw.IntSlider(value=7, description='a slider')"
ENV = "import os\nprint('env', os.environ['W2S_SMOKE'], os.environ['HF_HUB_OFFLINE'], os.getcwd())"


def test_render_command_embeds_the_plot_and_widget_state_and_writes_an_index(tmp_path, monkeypatch):
    src, out = tmp_path / "solutions", tmp_path / "site"
    src.mkdir()
    _notebook(src / "00_plot.ipynb", "Lesson 00: A plot", PLOT, SLIDER, ENV)
    _notebook(src / "01_broken.ipynb", "Lesson 01: never run", "1 / 0")  # --only leaves it out
    monkeypatch.setenv("W2S_SMOKE", "0")

    assert main(["render", "--src", str(src), "--out", str(out), "--smoke", "--only", "00"]) == 0

    page = (out / "00_plot.html").read_text()
    images = PNG_RE.findall(page)
    assert images, "no <img> with PNG data in the page"
    assert base64.b64decode("".join(images[0].split()))[:8] == b"\x89PNG\r\n\x1a\n"
    assert "application/vnd.jupyter.widget-state+json" in page and "a slider" in page
    # The default pages load their JavaScript from a CDN.
    assert "cdnjs.cloudflare.com/ajax/libs/require.js" in page and "unpkg.com" in page
    # The kernel ran in SMOKE mode, offline, in a scratch folder (not next to the notebooks).
    match = re.search(r"env 1 1 (\S+)", page)
    assert match and Path(match.group(1)).resolve() != src.resolve()
    assert os.environ["W2S_SMOKE"] == "0", "render must restore the caller's environment"
    assert not (out / "01_broken.html").exists()

    index = (out / "index.html").read_text()
    assert '<a href="00_plot.html">Lesson 00: A plot</a>' in index
    assert "SMOKE mode" in index and "01_broken" not in index


def test_a_notebook_stored_executed_from_its_source_is_rendered_without_running(tmp_path, capsys):
    """Full-mode outputs committed with provenance matching the source are the page; --execute runs it
    again (here it would fail, which shows that it really ran), and so does a stale source hash."""
    from w2s_edu.devtools import build_lessons as bl

    src, out = tmp_path / "solutions", tmp_path / "site"
    src.mkdir()
    (src / "00_stored.py").write_text("# %%\n1 / 0\n")
    path = _notebook(src / "00_stored.ipynb", "Lesson 00: stored", "1 / 0")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="a stored full-mode output\n")]
    nb.cells[1].execution_count = 1
    nb.metadata[bl.PROVENANCE_KEY] = {"mode": "full", "source_sha256": bl.source_hash(src / "00_stored.py"),
                                      "wall_seconds": 123.0}
    nbformat.write(nb, path)

    assert main(["render", "--src", str(src), "--out", str(out)]) == 0
    assert "a stored full-mode output" in (out / "00_stored.html").read_text()
    index = (out / "index.html").read_text()
    assert "stored full-mode run" in index and "123 s" in index

    assert main(["render", "--src", str(src), "--out", str(out), "--execute"]) == 2
    assert "ZeroDivisionError" in capsys.readouterr().err
    (src / "00_stored.py").write_text("# %%\n1 / 0  # edited\n")
    assert main(["render", "--src", str(src), "--out", str(out)]) == 2


def test_a_failing_cell_stops_the_render_and_names_the_notebook(tmp_path):
    src = tmp_path / "solutions"
    src.mkdir()
    _notebook(src / "01_broken.ipynb", "Lesson 01: broken", "print('before')", "1 / 0")
    with pytest.raises(RuntimeError, match=r"(?s)01_broken\.ipynb.*ZeroDivisionError: division by zero.*--keep-going"):
        rs.render(src, tmp_path / "site", smoke=True, show_progress=False)
    assert not (tmp_path / "site" / "index.html").exists()


def test_keep_going_renders_the_failure_and_the_notebooks_after_it(tmp_path, capsys):
    src, out = tmp_path / "solutions", tmp_path / "site"
    src.mkdir()
    _notebook(src / "01_broken.ipynb", "Lesson 01: broken", "print('before')", "1 / 0")
    _notebook(src / "02_fine.ipynb", "Lesson 02: fine", "print('after the broken one')")

    assert main(["render", "--src", str(src), "--out", str(out), "--smoke", "--keep-going"]) == 1

    broken = (out / "01_broken.html").read_text()
    assert "before" in broken and "ZeroDivisionError" in broken  # outputs up to the error, and its traceback
    assert "after the broken one" in (out / "02_fine.html").read_text()
    index = (out / "index.html").read_text()
    assert "<b>failed</b>" in index and "ZeroDivisionError" in index and index.count("<td>ran</td>") == 1
    assert "FAILED" in capsys.readouterr().out


def test_js_dir_copies_the_renderer_and_the_pages_point_to_the_copies(tmp_path):
    js = tmp_path / "js"  # the layout `npm install requirejs @jupyter-widgets/html-manager` leaves
    dist = js / "node_modules" / "@jupyter-widgets" / "html-manager" / "dist"
    dist.mkdir(parents=True)
    (js / "node_modules" / "requirejs").mkdir()
    (js / "node_modules" / "requirejs" / "require.js").write_text("/* require */")
    (dist / "embed-amd.js").write_text("/* renderer */")
    (dist / "fa-solid.woff2").write_bytes(b"font")
    (dist / "embed.js.map").write_text("{}")

    urls = rs.install_js(js, tmp_path / "site")
    static = tmp_path / "site" / "static"
    assert (static / "require.js").read_text() == "/* require */"
    assert (static / "embed-amd.js").read_text() == "/* renderer */"
    assert (static / "fa-solid.woff2").exists() and not (static / "embed.js.map").exists()

    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0}}
    local, cdn = rs.notebook_html(nb, urls), rs.notebook_html(nb)
    assert 'src="static/require.js"' in local and "'static/embed-amd.js'" in local and "unpkg.com" not in local
    assert "unpkg.com" in cdn and "static/embed-amd.js" not in cdn


def test_js_dir_without_the_renderer_says_how_to_get_it(tmp_path):
    (tmp_path / "require.js").write_text("")
    with pytest.raises(FileNotFoundError, match="embed-amd.js.*npm install"):
        rs.find_js(tmp_path)


def test_find_notebooks_filters_and_explains_what_is_missing(tmp_path):
    for name in ("00_a.ipynb", "02_b.ipynb", "notes.ipynb"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in rs.find_notebooks(tmp_path)] == ["00_a.ipynb", "02_b.ipynb"]
    assert [p.name for p in rs.find_notebooks(tmp_path, ["02"])] == ["02_b.ipynb"]
    with pytest.raises(FileNotFoundError, match="starting with 07"):
        rs.find_notebooks(tmp_path, ["07"])
    with pytest.raises(FileNotFoundError, match="--src"):
        rs.find_notebooks(tmp_path / "missing")


def test_render_command_reports_a_missing_folder(tmp_path, capsys):
    assert main(["render", "--src", str(tmp_path / "nowhere"), "--out", str(tmp_path / "site")]) == 2
    assert "--src" in capsys.readouterr().err


def test_lesson_title_is_the_first_heading():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("# not a heading"), nbformat.v4.new_markdown_cell("## Sub\n# Lesson 09: X")]
    assert rs.lesson_title(nb, "fallback") == "Lesson 09: X"
    assert rs.lesson_title(nbformat.v4.new_notebook(), "fallback") == "fallback"
