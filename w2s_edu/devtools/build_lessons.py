"""Build the course notebooks from their one authored source.

Each lesson is written once, as a jupytext percent-format file ``solutions/NN_slug.py``. Code the
learner must write sits between two marker lines::

    def pgr(weak_acc, w2s_acc, ceiling_acc):
        ### BEGIN SOLUTION (exercise: pgr)
        ...the reference answer...
        ### END SOLUTION

The build writes two notebooks per source:

* ``solutions/NN_slug.ipynb``: the complete notebook, marker lines removed;
* ``lessons/NN_slug.ipynb``: each marked block replaced by ``# YOUR CODE HERE`` and a
  ``raise NotImplementedError("Exercise <name>: ...")`` at the indentation of the BEGIN line. The
  exercise name comes from ``(exercise: name)`` on the BEGIN line, else from the enclosing ``def``.

Both have empty outputs, no execution counts, fixed cell ids and fixed metadata, so building twice
gives byte-identical files and a diff shows only what an author changed. The one exception: a solution
notebook executed in full mode (``python -m w2s_edu.devtools.execute_solutions``) is kept, outputs and
provenance included, for as long as the source hash in its provenance matches the source; once the
source changes, the build writes it without outputs again and says to re-execute it.

    python -m w2s_edu.devtools.build_lessons           # (re)write the notebooks
    python -m w2s_edu.devtools.build_lessons --check   # exit 1 if any notebook is stale or missing
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

SOURCE_GLOB = "[0-9][0-9]_*.py"
SOLUTIONS_DIR = "solutions"
LESSONS_DIR = "lessons"
BUILD_COMMAND = "python -m w2s_edu.devtools.build_lessons"
EXECUTE_COMMAND = "python -m w2s_edu.devtools.execute_solutions"
PROVENANCE_KEY = "w2s_edu"  # the notebook-metadata entry an executed solution carries
EXECUTED_MODE = "full"

BEGIN_RE = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?:\s*\(exercise:\s*(?P<name>[^)]*?)\s*\))?\s*$")
END_RE = re.compile(r"^(?P<indent>[ \t]*)### END SOLUTION\s*$")
DEF_RE = re.compile(r"^(?P<indent>[ \t]*)(?:async\s+)?def\s+(?P<name>[A-Za-z_]\w*)\s*\(")
# Anything that looks like a marker but does not match the two patterns above is a typo.
MARKER_LIKE_RE = re.compile(r"^\s*#+\s*(BEGIN|END)\s+SOLUTION", re.IGNORECASE)

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
NOTEBOOK_METADATA = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
# Cell metadata kept from the source (e.g. ``# %% tags=["parameters"]``); jupytext's own is dropped.
KEPT_CELL_METADATA = ("tags", "jupyter", "collapsed")


class MarkerError(ValueError):
    """A solution marker is malformed, unterminated, nested or unnamed."""


@dataclass(frozen=True)
class SolutionBlock:
    """One marked block: where it is in a cell's source, its indentation and exercise name."""

    begin: int  # line index of ``### BEGIN SOLUTION``
    end: int  # line index of ``### END SOLUTION``
    indent: str
    name: str
    lines: tuple[str, ...]  # the solution lines between the markers


def find_blocks(source: str, where: str = "<source>") -> list[SolutionBlock]:
    """All solution blocks in one cell's source, in order; raises :class:`MarkerError` on bad markers."""
    lines = source.split("\n")
    blocks: list[SolutionBlock] = []
    open_at: int | None = None
    open_match = None
    for i, line in enumerate(lines):
        begin, end = BEGIN_RE.match(line), END_RE.match(line)
        if begin:
            if open_at is not None:
                raise MarkerError(f"{where}, line {i + 1}: '### BEGIN SOLUTION' inside the block opened on line "
                                  f"{open_at + 1}; close it with '### END SOLUTION' first (blocks do not nest).")
            open_at, open_match = i, begin
        elif end:
            if open_at is None:
                raise MarkerError(f"{where}, line {i + 1}: '### END SOLUTION' without a '### BEGIN SOLUTION' above it.")
            indent = open_match.group("indent")
            if end.group("indent") != indent:
                raise MarkerError(f"{where}, line {i + 1}: '### END SOLUTION' is indented differently from its "
                                  f"'### BEGIN SOLUTION' on line {open_at + 1}.")
            name = (open_match.group("name") or "").strip() or _enclosing_function(lines, open_at, indent)
            if not name:
                raise MarkerError(f"{where}, line {open_at + 1}: cannot name this exercise: it is not inside a "
                                  "function. Write '### BEGIN SOLUTION (exercise: <name>)'.")
            blocks.append(SolutionBlock(open_at, i, indent, name, tuple(lines[open_at + 1:i])))
            open_at = open_match = None
        elif MARKER_LIKE_RE.match(line):
            raise MarkerError(f"{where}, line {i + 1}: malformed marker {line.strip()!r}; write exactly "
                              "'### BEGIN SOLUTION', '### BEGIN SOLUTION (exercise: <name>)' or '### END SOLUTION'.")
    if open_at is not None:
        raise MarkerError(f"{where}, line {open_at + 1}: '### BEGIN SOLUTION' is never closed; add a "
                          "'### END SOLUTION' line at the same indentation after the solution code.")
    return blocks


def _enclosing_function(lines: list[str], begin: int, indent: str) -> str | None:
    """The name of the nearest ``def`` above line ``begin`` that is indented less than ``indent``."""
    width = len(indent.expandtabs())
    for line in reversed(lines[:begin]):
        match = DEF_RE.match(line)
        if match and len(match.group("indent").expandtabs()) < width:
            return match.group("name")
    return None


def stub_lines(block: SolutionBlock) -> list[str]:
    """What replaces a block in the learner's notebook."""
    message = f"Exercise {block.name}: write your code here, then delete this line."
    literal = '"' + message.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return [f"{block.indent}# YOUR CODE HERE", f"{block.indent}raise NotImplementedError({literal})"]


def render(source: str, kind: str, where: str = "<source>") -> str:
    """One cell's source for ``kind`` "solution" (markers removed) or "lesson" (blocks stubbed)."""
    if kind not in ("solution", "lesson"):
        raise ValueError(f"kind must be 'solution' or 'lesson', got {kind!r}")
    blocks = find_blocks(source, where)
    if not blocks:
        return source
    lines = source.split("\n")
    out: list[str] = []
    pos = 0
    for block in blocks:
        out.extend(lines[pos:block.begin])
        out.extend(block.lines if kind == "solution" else stub_lines(block))
        pos = block.end + 1
    out.extend(lines[pos:])
    return "\n".join(out)


# --------------------------------------------------------------------------------------------- notebooks
def read_source(path: Path):
    """The percent-format source as an nbformat notebook (jupytext's reading, nothing else)."""
    import jupytext

    return jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")


def solution_blocks(path: Path) -> list[SolutionBlock]:
    """Every solution block of a lesson source, across its code cells."""
    nb = read_source(path)
    return [b for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for b in find_blocks(cell.source, f"{path.name}, cell {i + 1}")]


def build_notebook(path: Path, kind: str) -> str:
    """The notebook JSON text the build writes for one source and ``kind`` ("solution" or "lesson")."""
    import nbformat

    source_nb = read_source(path)
    cells = []
    for i, cell in enumerate(source_nb.cells):
        metadata = {k: cell.metadata[k] for k in KEPT_CELL_METADATA if k in cell.metadata}
        cell_id = f"{path.stem[:40]}-{i:03d}"
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(render(cell.source, kind, f"{path.name}, cell {i + 1}"),
                                            metadata=metadata, id=cell_id)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(cell.source, metadata=metadata, id=cell_id)
        else:
            new = nbformat.v4.new_raw_cell(cell.source, metadata=metadata, id=cell_id)
        cells.append(new)
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(NOTEBOOK_METADATA))
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nbformat.writes(nb, version=4) + "\n"


def sources(root: Path) -> list[Path]:
    return sorted((root / SOLUTIONS_DIR).glob(SOURCE_GLOB))


def source_hash(src: Path) -> str:
    """The sha256 of a lesson's authored source, as an executed notebook's provenance records it."""
    return hashlib.sha256(Path(src).read_bytes()).hexdigest()


def provenance(nb: dict) -> dict | None:
    """The provenance entry of an executed solution notebook (None: it was never executed)."""
    entry = nb.get("metadata", {}).get(PROVENANCE_KEY)
    return dict(entry) if entry else None


def _cell_sources(nb: dict) -> list[tuple[str, str]]:
    return [(c["cell_type"], c["source"] if isinstance(c["source"], str) else "".join(c["source"]))
            for c in nb["cells"]]


def executed_from(nb: dict, src: Path) -> dict | None:
    """The provenance of ``nb`` when it was executed in full mode from ``src`` as it is now (the source
    hash matches); None otherwise."""
    entry = provenance(nb)
    if not entry or entry.get("mode") != EXECUTED_MODE or entry.get("source_sha256") != source_hash(src):
        return None
    return entry


def executed_text(path: Path, src: Path, built: str) -> str | None:
    """The text of ``path`` when it is ``src``'s solution notebook executed in full mode from the source
    as it is now (same hash, same cells as the build): the build keeps it. None otherwise."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    try:
        nb = json.loads(text)
    except ValueError:
        return None
    if executed_from(nb, src) is None:
        return None
    return text if _cell_sources(nb) == _cell_sources(json.loads(built)) else None


def stale_executions(expected: dict[Path, str]) -> list[Path]:
    """Solution notebooks that carry full-mode outputs from an older version of their source: stored
    executed, yet not what the build expects (``expected``: :func:`expected_files`)."""
    stale = []
    for path, text in expected.items():
        if path.parent.name == SOLUTIONS_DIR and path.exists():
            stored = path.read_text(encoding="utf-8")
            if stored != text and provenance(json.loads(stored)):
                stale.append(path)
    return stale


def expected_files(root: Path) -> dict[Path, str]:
    """Every generated file (path -> text) the build writes for the sources under ``root``; an executed
    solution notebook that is current (:func:`executed_text`) is expected as it is."""
    out: dict[Path, str] = {}
    for src in sources(root):
        solution = root / SOLUTIONS_DIR / f"{src.stem}.ipynb"
        built = build_notebook(src, "solution")
        out[solution] = executed_text(solution, src, built) or built
        out[root / LESSONS_DIR / f"{src.stem}.ipynb"] = build_notebook(src, "lesson")
    return out


def existing_files(root: Path) -> list[Path]:
    """Generated-looking notebooks on disk (``NN_*.ipynb`` in solutions/ and lessons/)."""
    return sorted(p for d in (SOLUTIONS_DIR, LESSONS_DIR) for p in (root / d).glob("[0-9][0-9]_*.ipynb"))


def drift(root: Path) -> list[str]:
    """Problems that ``--check`` reports: stale, missing and extra generated files (empty: all good)."""
    expected = expected_files(root)
    stale = set(stale_executions(expected))
    problems = []
    for path, text in expected.items():
        rel = path.relative_to(root)
        if not path.exists():
            problems.append(f"missing: {rel}")
        elif path in stale:
            problems.append(f"executed from an older source: {rel} (build, then `{EXECUTE_COMMAND} --only "
                            f"{path.stem[:2]}`)")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"out of date: {rel}")
    for path in existing_files(root):
        if path not in expected:
            problems.append(f"extra (no source {SOLUTIONS_DIR}/{path.stem}.py): {path.relative_to(root)}")
    return problems


def build(root: Path) -> list[Path]:
    """Write every generated notebook whose text changed; returns the paths written. A solution notebook
    executed from an older source is rewritten without outputs, with a note to execute it again."""
    written, expected = [], expected_files(root)
    for path in stale_executions(expected):
        print(f"{path.relative_to(root)}: its source changed since it was executed in full mode; writing it "
              f"without outputs. Execute it again: {EXECUTE_COMMAND} --only {path.stem[:2]}", file=sys.stderr)
    for path, text in expected.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            written.append(path)
    return written


def default_root() -> Path:
    """The repository this module sits in (an editable install), else the current folder."""
    repo = Path(__file__).resolve().parents[2]
    return repo if (repo / SOLUTIONS_DIR).is_dir() else Path.cwd()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=BUILD_COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any generated notebook differs from its source")
    parser.add_argument("--root", type=Path, default=None, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root = (args.root or default_root()).resolve()
    if not sources(root):
        print(f"no lesson sources found ({root / SOLUTIONS_DIR / SOURCE_GLOB})", file=sys.stderr)
        return 1
    try:
        if args.check:
            problems = drift(root)
            if problems:
                print("Generated notebooks are out of sync with their sources:", file=sys.stderr)
                for line in problems:
                    print(f"  {line}", file=sys.stderr)
                print(f"Fix: run `{BUILD_COMMAND}` and commit the result "
                      f"(delete any extra notebook, or add its source).", file=sys.stderr)
                return 1
            print(f"{len(sources(root))} lesson(s): generated notebooks are up to date.")
            return 0
        written = build(root)
    except MarkerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    print(f"{len(sources(root))} lesson(s) built, {len(written)} file(s) changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
