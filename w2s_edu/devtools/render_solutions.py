"""Render the solved lessons as a static site: one HTML page per notebook plus an index.

    w2s-edu render                     # full lessons (what a learner sees), into ./site
    w2s-edu render --smoke --out /tmp/site --only 00,02
    w2s-edu render --js-dir ./js       # pages that work offline (see below)

A solution notebook committed executed in full mode (``python -m w2s_edu.devtools.execute_solutions``,
with provenance matching its source) is rendered as it is, without running it again; ``--execute``
runs it anyway. Any other notebook (and every notebook with ``--smoke``) is executed from a clean
state (nbconvert's ExecutePreprocessor, this Python's ``python3`` kernel, ``HF_HUB_OFFLINE=1``,
``W2S_SMOKE=1`` with ``--smoke``) in a fresh temporary folder, so whatever a lesson writes never
lands in the repository. The executed notebook is then converted with nbconvert's HTML exporter:
every plot is embedded in the page as PNG data, and widget state is stored in the page so that
widgets render as they were after the run.

Two things a reader should know about the pages:

* **Widgets need JavaScript.** The page loads require.js and the widget renderer
  (``@jupyter-widgets/html-manager``'s ``embed-amd.js``) from a CDN, which a reader online has.
  For pages that work offline, pass ``--js-dir`` a folder holding ``require.js`` (or
  ``require.min.js``) and ``embed-amd.js`` -- for example one where ``npm install requirejs@2
  @jupyter-widgets/html-manager@1`` was run; its ``node_modules`` are searched too. They are copied
  into ``<out>/static/`` and the pages point there. (Formulas still use MathJax from its CDN.)
* **Plots that appear only after a click are not in the pages.** A rendered page shows a widget as
  it was when the notebook finished, and nothing runs its callbacks. That is why every lesson also
  draws its widget's plot with a plain call in the next cell.

With ``--smoke`` the numbers are those of tiny runs and mean nothing; the index page says which mode
built it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import html
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .build_lessons import SOLUTIONS_DIR, default_root, executed_from

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
DEFAULT_TIMEOUT_S = 3600  # per cell: a full lesson's longest cell is a few minutes on a laptop CPU
# Where --js-dir may hold each file: flat, or as `npm install` lays the packages out.
REQUIRE_JS = ("require.min.js", "require.js", "node_modules/requirejs/require.js")
WIDGET_RENDERER = ("embed-amd.js", "node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js")
FONT_SUFFIXES = (".woff", ".woff2", ".ttf", ".eot", ".svg")  # the renderer's icon fonts sit beside it


@dataclass
class RenderedLesson:
    """One notebook's outcome: its page (written even when a cell failed, with ``keep_going``)."""

    name: str
    title: str
    page: Path
    seconds: float
    error: str | None = None
    stored: bool = False  # rendered from a stored full-mode execution, not run here


def find_notebooks(src: Path, only: list[str] | None = None) -> list[Path]:
    """The solution notebooks in ``src`` (``NN_slug.ipynb``), optionally only those whose name starts
    with one of ``only`` (``["00", "02_weak"]``); errors say what was looked for."""
    src = Path(src)
    if not src.is_dir():
        raise FileNotFoundError(f"no folder {src}: run from the repository root or pass --src <folder with "
                                f"the solution notebooks>")
    found = sorted(src.glob(NOTEBOOK_GLOB))
    if only:
        found = [p for p in found if any(p.name.startswith(prefix) for prefix in only)]
    if not found:
        which = f" starting with {', '.join(only)}" if only else ""
        raise FileNotFoundError(f"no notebooks {NOTEBOOK_GLOB}{which} in {src}")
    return found


def lesson_title(nb, fallback: str) -> str:
    """The first level-1 markdown heading of ``nb`` ("Lesson 02: Weak supervision"), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def find_js(js_dir: Path) -> dict[str, Path]:
    """``{"require": path, "renderer": path}`` in ``js_dir``; a clear error when one is missing."""
    js_dir = Path(js_dir)
    found = {}
    for key, names in (("require", REQUIRE_JS), ("renderer", WIDGET_RENDERER)):
        hits = [js_dir / n for n in names if (js_dir / n).is_file()]
        if not hits:
            raise FileNotFoundError(f"--js-dir {js_dir} has none of {', '.join(names)}; fill it with "
                                    f"`npm install requirejs@2 @jupyter-widgets/html-manager@1` run inside it")
        found[key] = hits[0]
    return found


def install_js(js_dir: Path, out: Path) -> dict[str, str]:
    """Copy require.js, the widget renderer and its fonts into ``out/static``; returns the pages'
    relative URLs for the HTML exporter (``require_js_url``, ``widget_renderer_url``)."""
    files = find_js(js_dir)
    static = out / "static"
    static.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(files["require"], static / "require.js")
    shutil.copyfile(files["renderer"], static / "embed-amd.js")
    for font in files["renderer"].parent.iterdir():
        if font.suffix in FONT_SUFFIXES:
            shutil.copyfile(font, static / font.name)
    return {"require_js_url": "static/require.js", "widget_renderer_url": "static/embed-amd.js"}


@contextlib.contextmanager
def lesson_environment(smoke: bool):
    """The variables the kernels inherit while rendering (restored afterwards): no hub access, and
    SMOKE mode on or explicitly off, so a ``W2S_SMOKE=1`` left in the shell cannot shrink a full render."""
    wanted = {"HF_HUB_OFFLINE": "1", "W2S_SMOKE": "1" if smoke else "0", "TOKENIZERS_PARALLELISM": "false"}
    before = {k: os.environ.get(k) for k in (*wanted, "MPLBACKEND")}
    os.environ.update(wanted)
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend must capture the plots
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def this_python_kernel():
    """A kernel manager for an IPython kernel of *this* Python (``sys.executable``), whatever kernelspec
    named "python3" the learner's Jupyter folders hold (``ipykernel install --user`` from another
    environment would otherwise win), so the lessons run against the package installed here."""
    import ipykernel.kernelspec
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict())

    return KernelManager(kernel_name="python3", kernel_spec_manager=ThisPython())


def execute_notebook(nb, workdir: Path, timeout: int, progress=None):
    """Run every cell of ``nb`` in place in a fresh kernel (:func:`this_python_kernel`) started in
    ``workdir``; widget state is kept in the notebook's metadata. ``progress`` (a tqdm bar) advances once
    per cell. Raises nbclient's CellExecutionError when a cell fails; the outputs up to it, traceback
    included, stay in ``nb``."""
    from nbconvert.preprocessors import ExecutePreprocessor

    class _Counted(ExecutePreprocessor):
        def preprocess_cell(self, cell, resources, index):
            result = super().preprocess_cell(cell, resources, index)
            if progress is not None:
                progress.update(1)
            return result

    client, km = _Counted(timeout=timeout, store_widget_state=True), this_python_kernel()
    try:
        client.preprocess(nb, {"metadata": {"path": str(workdir)}}, km=km)
    finally:  # nbclient shuts down only the kernels it created itself
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    return nb


def notebook_html(nb, js_urls: dict[str, str] | None = None) -> str:
    """The HTML page of an executed notebook (nbconvert's lab template): images as data URIs, widget
    state embedded, its JavaScript from the CDN unless ``js_urls`` names local copies."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    for trait, value in (js_urls or {}).items():
        setattr(exporter, trait, value)
    body, _ = exporter.from_notebook_node(nb)
    return body


def index_html(lessons: list[RenderedLesson], smoke: bool) -> str:
    """The site's front page: one line per lesson with its link, status and run time."""
    mode = ("SMOKE mode (tiny runs: the numbers in these pages mean nothing)" if smoke
            else "full mode (the numbers are those of a real run)")
    rows = []
    for lesson in lessons:
        status = "ran" if lesson.error is None else f"<b>failed</b>: {html.escape(lesson.error.splitlines()[0])}"
        if lesson.stored:
            status = "stored full-mode run"
        rows.append(f'<tr><td><a href="{html.escape(lesson.page.name)}">{html.escape(lesson.title)}</a></td>'
                    f"<td>{status}</td><td>{lesson.seconds:.0f} s</td></tr>")
    built = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>w2s-edu: the solved lessons</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 0.4rem 0.6rem; text-align: left; }}
.note {{ color: #555; }}
</style></head>
<body>
<h1>w2s-edu: the solved lessons</h1>
<p>Each page is a solution notebook of the course, executed from a clean state: code, outputs and plots.
Built {built} in {mode}.</p>
<table><tr><th>lesson</th><th>status</th><th>run time</th></tr>
{chr(10).join(rows)}
</table>
<p class="note">Widgets show the state they had when the notebook finished; their buttons do nothing here.
Plots that appear only after a click are not in these pages, so each lesson also draws them with a plain
call. To run and change anything, open the notebooks in Jupyter: <code>jupyter lab lessons/</code>.</p>
</body>
</html>
"""


def already_executed(nb, path: Path) -> dict | None:
    """The provenance of ``nb`` when it holds full-mode outputs from its source ``path.with_suffix('.py')``
    as it is now (so rendering need not run it again); None otherwise."""
    src = path.with_suffix(".py")
    return executed_from(nb, src) if src.exists() else None


def render(src: Path, out: Path, smoke: bool = False, only: list[str] | None = None, js_dir: Path | None = None,
           timeout: int = DEFAULT_TIMEOUT_S, keep_going: bool = False, show_progress: bool = True,
           execute: bool = False) -> list[RenderedLesson]:
    """Write ``out/<name>.html`` for each solution notebook in ``src``, and ``out/index.html``.

    A notebook already executed in full mode from its current source is rendered as stored (its run time
    in the index is the stored wall time); the others, all of them with ``smoke`` or ``execute``, are
    executed first.

    A failing cell stops the render with a RuntimeError naming the notebook and the error, unless
    ``keep_going``: then that page shows the outputs up to the failing cell and its traceback, the
    index marks it failed, and the remaining notebooks still run."""
    try:
        import nbformat
        from nbclient.exceptions import CellExecutionError
        from tqdm.auto import tqdm
    except ImportError as err:
        raise RuntimeError(f"rendering needs nbconvert ({err}): pip install nbconvert, or the `lab` extra") from err
    notebooks = find_notebooks(src, only)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    js_urls = install_js(js_dir, out) if js_dir else None
    done: list[RenderedLesson] = []
    with lesson_environment(smoke):
        for path in notebooks:
            nb = nbformat.read(path, as_version=4)
            title = lesson_title(nb, path.stem)
            start, error = time.time(), None
            stored = None if smoke or execute else already_executed(nb, path)
            if stored is not None:
                page = out / f"{path.stem}.html"
                page.write_text(notebook_html(nb, js_urls), encoding="utf-8")
                done.append(RenderedLesson(path.stem, title, page, float(stored.get("wall_seconds", 0.0)),
                                           stored=True))
                continue
            with tempfile.TemporaryDirectory(prefix=f"w2s-render-{path.stem}-") as workdir, \
                    tqdm(total=len(nb.cells), desc=path.stem, unit="cell", disable=not show_progress) as bar:
                try:
                    execute_notebook(nb, Path(workdir), timeout, progress=bar)
                except CellExecutionError as err:
                    error = f"a cell of {path.name} failed: {err.ename}: {err.evalue}"
                    if not keep_going:
                        raise RuntimeError(f"{error}\nRun the notebook in Jupyter to see it, fix the lesson "
                                           f"(solutions/*.py, then build_lessons), or pass --keep-going.") from err
            page = out / f"{path.stem}.html"
            page.write_text(notebook_html(nb, js_urls), encoding="utf-8")
            done.append(RenderedLesson(path.stem, title, page, time.time() - start, error))
    (out / "index.html").write_text(index_html(done, smoke), encoding="utf-8")
    return done


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: ./site)")
    parser.add_argument("--smoke", action="store_true", help="W2S_SMOKE=1: tiny runs, seconds per lesson")
    parser.add_argument("--src", type=Path, default=None,
                        help="folder of the solution notebooks (default: solutions/ of this checkout)")
    parser.add_argument("--only", default=None, help="comma-separated name prefixes, e.g. 00,02")
    parser.add_argument("--js-dir", type=Path, default=None,
                        help="local require.js and embed-amd.js (npm packages requirejs, @jupyter-widgets/"
                             "html-manager) for pages that work offline; default: load them from a CDN")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_S, help="seconds per cell")
    parser.add_argument("--execute", action="store_true",
                        help="run every notebook again, even those stored executed in full mode")
    parser.add_argument("--keep-going", action="store_true",
                        help="render the remaining notebooks when one fails (exit 1 at the end)")


def run_from_args(args) -> int:
    src = args.src or default_root() / SOLUTIONS_DIR
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    lessons = render(src, args.out, smoke=args.smoke, only=only, js_dir=args.js_dir, timeout=args.timeout,
                     keep_going=args.keep_going, execute=args.execute)
    for lesson in lessons:
        state = "ok" if lesson.error is None else f"FAILED ({lesson.error})"
        print(f"{lesson.page}  {lesson.seconds:6.1f} s  {state}")
    print(f"\nwrote {args.out / 'index.html'}")
    return 1 if any(lesson.error for lesson in lessons) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="w2s-edu render", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    try:
        return run_from_args(parser.parse_args(argv))
    except (RuntimeError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
