"""A learner's path through a real browser: JupyterLab opens a notebook, runs it, a widget's button
is clicked, and its plot appears.

The headless widget tests (set ``.value``, call ``.click()``) prove the Python side. They cannot see
what breaks only in the browser: a labextension that is missing or mismatched (the widget shows as
"Loading widget..." or as plain text), a kernel that never becomes ready, an Output widget whose
images never reach the page. This test drives the whole chain: a JupyterLab server on 127.0.0.1, the
system's Chromium through Playwright, "Run All Cells" from the Run menu, a click on the widget's
button, and a PNG that must appear in that widget's output area.

The notebook under test is :data:`NOTEBOOK_CELLS` (plus a last cell the test adds to know that every
cell ran). Its widget must be a box holding a button labelled :data:`RUN_BUTTON` and an Output
widget, with no plot in that output until the button is clicked.

Needs ``playwright`` (Python package; it launches the system browser, no browser download) and
Chromium at ``$W2S_CHROMIUM``, ``/usr/bin/chromium`` or on PATH (Debian/Ubuntu: ``apt-get install
chromium``). Without them the test skips, except in CI (``CI=true``), where it fails: CI must not
pass without having run it. Deselect it in a quick local run with ``-m "not browser"``.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

# The notebook the browser runs. Cells run in order under W2S_SMOKE=1 with a fresh W2S_EDU_CACHE.
# The experiment panel of lessons 03-05 draws nothing until its Run button is clicked; the small
# probe setting keeps the click to a few seconds.
NOTEBOOK_CELLS = [
    "import os\n\nSMOKE = os.environ.get('W2S_SMOKE') == '1'",
    "from w2s_edu import experiment_panel\n\n"
    "panel = experiment_panel(preset='smoke', weak='minilm-l1', strong='minilm-l2', mode='probe')\n"
    "panel",
]
RUN_BUTTON = "Run"  # the label of the button that draws the plot

# Flags for a headless system Chromium in a container: no sandbox (root), no GPU, no network chatter.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DONE_TEXT = "all cells ran: w2s-edu browser test"
SERVER_START_S = 60  # JupyterLab's first start builds its page config; a few seconds here, more on a busy CI
KERNEL_READY_S = 60
CELLS_S = 90  # the whole notebook, imports of torch and transformers included
PLOT_S = 60  # one click: training the tiny SMOKE models and drawing


def _require(ok: bool, reason: str) -> None:
    """Skip when a tool is missing, but fail in CI: a green CI must mean the browser test ran."""
    if ok:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}. CI=true, so this fails instead of skipping: install it in .ci/run.")
    pytest.skip(reason)


def _chromium() -> str | None:
    for candidate in (os.environ.get("W2S_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path, cells: list[str]) -> Path:
    """``cells`` as a Python 3 notebook, plus a last cell that prints :data:`DONE_TEXT`."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in [*cells, f"print({DONE_TEXT!r})"]]
    nbformat.write(nb, path)
    return path


def _server_env(root: Path) -> dict:
    """The server's (and so the kernel's) environment: SMOKE sizes, no hub, and every Jupyter
    settings, workspace and runtime folder inside ``root`` so the learner's own setup is untouched."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel must use its inline backend, not the test process's Agg
    for var, sub in (("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_CONFIG_DIR", "config"),
                     ("IPYTHONDIR", "ipython"), ("W2S_EDU_CACHE", "cache")):
        env[var] = str(root / sub)
        (root / sub).mkdir(parents=True, exist_ok=True)
    env.update(W2S_SMOKE="1", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    # Otherwise JupyterLab asks in a toast whether it may fetch Jupyter news (a network request).
    notification = root / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    return env


@contextmanager
def jupyterlab(notebook_dir: Path, state_dir: Path):
    """A JupyterLab server on 127.0.0.1 serving ``notebook_dir``; yields its base URL with the token.

    One server per test: a kernel outlives the browser page, so a shared server would carry state
    from one test to the next. The server runs in its own process group, which is ended afterwards
    (kernels included)."""
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={notebook_dir}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = state_dir / "jupyterlab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=_server_env(state_dir), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {proc.returncode} before it served; its log:\n"
                            f"{log_path.read_text()[-3000:]}")
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                             headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(req, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer on port {port} within {SERVER_START_S} s; its log:\n"
                            f"{log_path.read_text()[-3000:]}")
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}", token, log_path
    finally:
        proc.send_signal(signal.SIGTERM)  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything of this server's group still alive
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait(timeout=5)


def png_size(data_uri: str) -> tuple[int, int]:
    """Width and height of a ``data:image/png;base64,...`` image, read from its IHDR header."""
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "the image is not a PNG"
    return struct.unpack(">II", raw[16:24])


def _page_errors(page) -> str:
    """Text of every stderr/error output on the page (tracebacks), for failure messages."""
    texts = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
    return "\n---\n".join(t[-1500:] for t in texts) or "(no error output on the page)"


@pytest.mark.browser
def test_widget_button_draws_a_plot_in_jupyterlab(tmp_path):
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _require(False, "playwright is not installed (pip install playwright; it uses the system Chromium)")
    _require(importlib.util.find_spec("jupyterlab") is not None, "jupyterlab is not installed (pip install jupyterlab)")
    chromium = _chromium()
    _require(chromium is not None, "Chromium not found at $W2S_CHROMIUM, /usr/bin/chromium or on PATH "
                                   "(Debian/Ubuntu: apt-get install chromium)")

    notebooks, state = tmp_path / "notebooks", tmp_path / "state"
    notebooks.mkdir()
    state.mkdir()
    write_notebook(notebooks / "browser_test.ipynb", NOTEBOOK_CELLS)
    screenshot = tmp_path / "failure.png"

    with jupyterlab(notebooks, state) as (base, token, log_path), sync_playwright() as pw:
        try:
            # launch() gives the browser a fresh temporary profile (user-data-dir) of its own.
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        except PlaywrightError as err:
            pytest.fail(f"Playwright could not start Chromium at {chromium}: {err}")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        step, timings, t0 = "open the notebook", [], time.monotonic()

        def done(what: str) -> None:
            timings.append(f"{what} {time.monotonic() - t0:.1f} s")

        try:
            page.goto(f"{base}/lab/tree/browser_test.ipynb?token={token}")
            # The notebook's own indicator says idle before the kernel is ready; the status bar does not.
            step = "wait for the kernel (status bar: Python 3 (ipykernel) | Idle)"
            expect(page.locator(".jp-StatusBar-Widget", has_text="Python 3 (ipykernel) | Idle").first
                   ).to_be_visible(timeout=KERNEL_READY_S * 1000)
            done("kernel ready")

            step = "Run > Run All Cells"
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.locator('[data-command="runmenu:run-all"]').click()  # two entries match "Run All"
            step = "wait for every cell to run (Run All stops at the first error)"
            expect(page.locator(".jp-OutputArea-output", has_text=DONE_TEXT)).to_be_visible(timeout=CELLS_S * 1000)
            done("cells ran")

            step = f"find the widget with a {RUN_BUTTON!r} button and an output area"
            # By its text, not its accessible name: an icon's CSS glyph is part of the accessible name.
            button = page.locator("button.jupyter-button", has_text=re.compile(rf"^\s*{re.escape(RUN_BUTTON)}\s*$"))
            expect(button).to_have_count(1, timeout=10_000)
            # The innermost widget that holds both the button and an Output widget: the panel.
            panel = page.locator(".jupyter-widgets", has=button).filter(has=page.locator(".widget-output")).last
            plots = panel.locator(".widget-output img[src^='data:image/png']")
            expect(plots).to_have_count(0, timeout=10_000)  # no plot before the click

            step = f"click {RUN_BUTTON!r} and wait for a PNG in the widget's output"
            button.click()
            expect(plots.first).to_be_visible(timeout=PLOT_S * 1000)
            width, height = png_size(plots.first.get_attribute("src"))
            assert width > 100 and height > 100, f"the plot is a {width}x{height} PNG, expected a real figure"
            done("plot shown")
            print("browser test, seconds since the page opened:", ", ".join(timings))
        except (AssertionError, PlaywrightError) as err:
            page.screenshot(path=str(screenshot), full_page=True)
            pytest.fail(f"step '{step}' failed ({', '.join(timings)}): {err}\n\n"
                        f"error outputs on the page:\n{_page_errors(page)}\n\n"
                        f"screenshot: {screenshot}\nserver log (tail):\n{log_path.read_text()[-2000:]}")
        finally:
            browser.close()


def test_write_notebook_appends_the_done_cell(tmp_path):
    """The sentinel cell is what tells the browser test that Run All reached the end."""
    import nbformat

    nb = nbformat.read(write_notebook(tmp_path / "n.ipynb", ["x = 1", "x + 1"]), as_version=4)
    assert [c.source for c in nb.cells] == ["x = 1", "x + 1", f"print({DONE_TEXT!r})"]
    assert nb.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(nb)


def test_png_size_reads_the_header_and_rejects_other_images():
    import io

    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 1), dpi=100)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    assert png_size(uri) == (200, 100)
    with pytest.raises(AssertionError, match="not a PNG"):
        png_size("data:image/png;base64," + base64.b64encode(b"GIF89a" + bytes(30)).decode())


@pytest.mark.parametrize("ci,outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_browser_skips_locally_but_fails_in_ci(tmp_path, monkeypatch, ci, outcome):
    monkeypatch.setattr(sys.modules[__name__], "_chromium", lambda: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome):
        test_widget_button_draws_a_plot_in_jupyterlab(tmp_path)
