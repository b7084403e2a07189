"""Execute the solution notebooks in full mode and store them with their outputs and provenance.

    python -m w2s_edu.devtools.execute_solutions              # every lesson (hours on a laptop CPU)
    python -m w2s_edu.devtools.execute_solutions --only 00,02 # some of them

Each ``solutions/NN_slug.ipynb`` is rebuilt from its source ``solutions/NN_slug.py`` (as the build
writes it), executed from a clean state in a fresh temporary folder with SMOKE mode off (the kernel,
environment and execution are those of ``w2s-edu render``), and written back with its outputs and a
``w2s_edu`` entry in the notebook metadata:

* ``source_sha256``: the hash of the authored source it was executed from. The build keeps an executed
  notebook only while this matches; after an edit of the source it writes the notebook without
  outputs again and says to re-execute (``tests/test_lessons.py`` checks both).
* ``package_version`` and ``commit`` (when the run started; ``+changes`` when tracked files differed from
  it), ``executed`` (UTC date and time when it finished), ``machine`` (cores, device,
  platform, Python and torch versions) and ``wall_seconds``.

Each run's wall time goes into the "full run" column of ``lessons/README.md``. ``lessons/*.ipynb`` never
carry outputs. The test suite still runs every solution in SMOKE mode (nbval),
so a stored full-mode output is never compared against a fresh run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .build_lessons import (BUILD_COMMAND, EXECUTE_COMMAND, EXECUTED_MODE, PROVENANCE_KEY, SOLUTIONS_DIR,
                            build_notebook, default_root, provenance, source_hash, sources)


def _commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode:
        return None
    return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def machine() -> dict:
    """Where a notebook ran: cores, device, platform, and the versions that shape its numbers."""
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return {"cpu_cores": os.cpu_count(), "torch_threads": torch.get_num_threads(), "device": device,
            "platform": platform.platform(), "python": platform.python_version(), "torch": torch.__version__}


def execute(src: Path, root: Path, timeout: int, show_progress: bool = True) -> tuple[Path, float]:
    """Execute one lesson's solution notebook in full mode and write it with outputs and provenance."""
    import nbformat
    from tqdm.auto import tqdm

    from .. import __version__
    from .render_solutions import execute_notebook, lesson_environment

    nb = nbformat.reads(build_notebook(src, "solution"), as_version=4)
    commit = _commit(root)  # the code that runs: taken before, since the tree may change during a long run
    start = time.time()
    with lesson_environment(smoke=False), tempfile.TemporaryDirectory(prefix=f"w2s-exec-{src.stem}-") as workdir, \
            tqdm(total=len(nb.cells), desc=src.stem, unit="cell", disable=not show_progress) as bar:
        execute_notebook(nb, Path(workdir), timeout, progress=bar)
    seconds = time.time() - start
    nb.metadata[PROVENANCE_KEY] = {
        "mode": EXECUTED_MODE, "source": f"{SOLUTIONS_DIR}/{src.name}", "source_sha256": source_hash(src),
        "package_version": __version__, "commit": commit,
        "executed": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "wall_seconds": round(seconds, 1),
    }
    out = root / SOLUTIONS_DIR / f"{src.stem}.ipynb"
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(nbformat.writes(nb, version=4) + "\n")
    return out, seconds


LESSON_LIST = "lessons/README.md"
FULL_RUN_HEADER = "full run (2 cores)"


def full_run(path: Path) -> str:
    """The "full run" entry of a lesson in the lesson list: its stored execution's wall time, else "-"."""
    import json

    entry = provenance(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else None
    return "-" if entry is None else f"{entry['wall_seconds'] / 60:.1f} min"


def update_lesson_list(root: Path) -> bool:
    """Write each lesson's measured full-run time into the fourth column of lessons/README.md's table
    (the column headed ``full run (2 cores)``); returns whether the file changed."""
    path = root / LESSON_LIST
    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    lines = []
    for line in text.split("\n"):
        cells = line.split("|")
        if line.startswith("| [") and len(cells) > 5 and ".ipynb)" in cells[1]:
            stem = cells[1].split("](")[1].split(".ipynb")[0]
            cells[4] = f" {full_run(root / SOLUTIONS_DIR / f'{stem}.ipynb')} "
            line = "|".join(cells)
        lines.append(line)
    new = "\n".join(lines)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=EXECUTE_COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=None, help="comma-separated lesson prefixes, e.g. 00,02")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell (default 3600)")
    parser.add_argument("--root", type=Path, default=None, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root = (args.root or default_root()).resolve()
    chosen = sources(root)
    if args.only:
        prefixes = [s.strip() for s in args.only.split(",") if s.strip()]
        chosen = [s for s in chosen if any(s.name.startswith(p) for p in prefixes)]
    if not chosen:
        print(f"no lesson sources match --only {args.only!r} in {root / SOLUTIONS_DIR}", file=sys.stderr)
        return 2
    from nbclient.exceptions import CellExecutionError

    for src in chosen:
        try:
            path, seconds = execute(src, root, args.timeout)
        except CellExecutionError as err:
            print(f"error: a cell of {src.stem}.ipynb failed in full mode: {err.ename}: {err.evalue}\n"
                  f"Fix solutions/{src.name}, run `{BUILD_COMMAND}`, then execute it again.", file=sys.stderr)
            return 1
        print(f"{path.relative_to(root)}: executed in {seconds:.0f} s", flush=True)
        if update_lesson_list(root):
            print(f"{LESSON_LIST}: its full run now reads {full_run(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
