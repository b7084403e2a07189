"""Root pytest configuration: how the solution notebooks run under nbval.

``python -m pytest`` collects ``tests/`` and ``solutions/*.ipynb`` (pyproject: testpaths, and
``--nbval-lax``: every cell must run without error; outputs are not compared). Notebook kernels are
started by this process and inherit its environment, so the variables set here reach them:

* ``W2S_SMOKE=1``: the lessons' parameters cell turns on SMOKE mode (tiny presets, seconds per run).
  Run the full lessons with ``W2S_SMOKE=0 python -m pytest solutions``.
* ``HF_HUB_OFFLINE=1``: no network, as in the rest of the suite.
* ``W2S_EDU_CACHE``: a fresh temporary cache for this session (unless you set one), so a notebook
  really trains instead of reading results cached by an earlier run.

The learners' notebooks in ``lessons/`` are never collected (``collect_ignore_glob``): their exercises
raise NotImplementedError until the learner writes the code. Naming one explicitly still runs it, which
is a way for a learner to test a finished notebook: ``python -m pytest lessons/00_welcome.ipynb``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

os.environ.setdefault("W2S_SMOKE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# the checkers record nothing during tests (tests/test_progress.py sets its own file)
os.environ["W2S_EDU_PROGRESS"] = "off"

collect_ignore_glob = ["lessons/*"]

_TEMP_CACHE: str | None = None


def pytest_configure(config):
    global _TEMP_CACHE
    if not os.environ.get("W2S_EDU_CACHE"):
        _TEMP_CACHE = tempfile.mkdtemp(prefix="w2s-edu-nbval-cache-")
        os.environ["W2S_EDU_CACHE"] = _TEMP_CACHE


def pytest_unconfigure(config):
    global _TEMP_CACHE
    if _TEMP_CACHE is not None:
        os.environ.pop("W2S_EDU_CACHE", None)
        shutil.rmtree(_TEMP_CACHE, ignore_errors=True)
        _TEMP_CACHE = None
