"""The course notebooks: built from their sources, no solutions leaked, the shape every lesson shares,
and the build's solution-marker logic on small synthetic sources."""

from __future__ import annotations

import ast
import json
import os
import re
import textwrap
from pathlib import Path

import pytest

from w2s_edu.devtools import build_lessons as bl

ROOT = Path(__file__).resolve().parents[1]
SOURCES = bl.sources(ROOT)
LESSON_NOTEBOOKS = [ROOT / bl.LESSONS_DIR / f"{src.stem}.ipynb" for src in SOURCES]
ALL_NOTEBOOKS = LESSON_NOTEBOOKS + [ROOT / bl.SOLUTIONS_DIR / f"{src.stem}.ipynb" for src in SOURCES]
STUB_RE = re.compile(r'raise NotImplementedError\("Exercise ')


def _ids(paths):
    return [f"{p.parent.name}/{p.name}" for p in paths]


def _load(path: Path) -> dict:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} is missing: "
                    f"run `{bl.BUILD_COMMAND}`", pytrace=False)
    return json.loads(path.read_text(encoding="utf-8"))


def _text(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


# ------------------------------------------------------------------------------------ generated files
def test_there_are_lessons():
    assert SOURCES, f"no lesson sources {bl.SOURCE_GLOB} in {ROOT / bl.SOLUTIONS_DIR}"


def test_generated_notebooks_match_their_sources():
    problems = bl.drift(ROOT)
    assert not problems, "\n".join(problems + [f"run: {bl.BUILD_COMMAND}"])


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=_ids(LESSON_NOTEBOOKS))
def test_lessons_are_stored_without_outputs(path):
    nb = _load(path)
    assert nb["metadata"] == bl.NOTEBOOK_METADATA
    for cell in _code_cells(nb):
        assert cell["outputs"] == [] and cell["execution_count"] is None


SOLUTION_NOTEBOOKS = [ROOT / bl.SOLUTIONS_DIR / f"{src.stem}.ipynb" for src in SOURCES]
SHOWS_SOMETHING_RE = re.compile(r"\bprint\(|\bplt\.|\.plot\(|\bplot_\w+\(|\bdisplay\(|\.table\(")


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=_ids(SOLUTION_NOTEBOOKS))
def test_solutions_are_stored_as_built_or_executed_in_full_mode_from_their_source(path):
    """A solution notebook is either the build's (no outputs) or executed in full mode from its source
    as it is now, with provenance, every code cell run, no error, and an output wherever a cell prints
    or plots."""
    nb, src = _load(path), ROOT / bl.SOLUTIONS_DIR / f"{path.stem}.py"
    entry = bl.provenance(nb)
    if entry is None:
        assert nb["metadata"] == bl.NOTEBOOK_METADATA
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in _code_cells(nb))
        return
    fix = f"run `{bl.BUILD_COMMAND}`, then `{bl.EXECUTE_COMMAND} --only {path.stem[:2]}`"
    assert entry["source_sha256"] == bl.source_hash(src), f"{path.name} was executed from an older source: {fix}"
    assert entry["mode"] == bl.EXECUTED_MODE, f"{path.name} was executed in {entry['mode']!r} mode: {fix}"
    for key in ("package_version", "commit", "executed", "machine", "wall_seconds"):
        assert entry.get(key) not in (None, ""), f"{path.name}: its provenance lacks {key!r}: {fix}"
    for i, cell in enumerate(_code_cells(nb)):
        assert cell["execution_count"] is not None, f"{path.name}: code cell {i + 1} never ran: {fix}"
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        assert not errors, f"{path.name}: code cell {i + 1} raised {errors[0].get('ename')}: {fix}"
        if SHOWS_SOMETHING_RE.search(_text(cell)):
            assert cell["outputs"], f"{path.name}: code cell {i + 1} prints or plots but has no output: {fix}"


@pytest.mark.parametrize("src", SOURCES, ids=[s.name for s in SOURCES])
def test_no_solution_line_appears_in_the_lesson(src):
    solution_lines = {line.strip() for block in bl.solution_blocks(src) for line in block.lines if line.strip()}
    lesson = _load(ROOT / bl.LESSONS_DIR / f"{src.stem}.ipynb")
    lesson_lines = {line.strip() for cell in lesson["cells"] for line in _text(cell).split("\n")}
    leaked = sorted(solution_lines & lesson_lines)
    assert not leaked, f"solution lines of {src.name} appear in the learner's notebook: {leaked}"


@pytest.mark.parametrize("src", SOURCES, ids=[s.name for s in SOURCES])
def test_every_exercise_has_a_stub_in_the_lesson(src):
    names = [block.name for block in bl.solution_blocks(src)]
    lesson = _load(ROOT / bl.LESSONS_DIR / f"{src.stem}.ipynb")
    stubs = [line for cell in _code_cells(lesson) for line in _text(cell).split("\n") if STUB_RE.search(line)]
    assert len(stubs) == len(names)
    for name, stub in zip(names, stubs):
        assert f'"Exercise {name}:' in stub


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=_ids(LESSON_NOTEBOOKS))
def test_every_stub_raises_not_implemented(path):
    """Each exercise function in the learner's notebook raises NotImplementedError naming the exercise."""
    for cell in _code_cells(_load(path)):
        source = _text(cell)
        if not STUB_RE.search(source):
            continue
        tree = ast.parse(source)
        functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                     and STUB_RE.search(ast.get_source_segment(source, node) or "")]
        assert functions, f"a stub outside a function cannot be tested:\n{source}"
        namespace: dict = {}
        exec(compile(source, f"{path.name} cell", "exec"), namespace)  # defines the functions, runs nothing
        for name in functions:
            fn = namespace[name]
            n_args = fn.__code__.co_argcount - len(fn.__defaults__ or ())
            with pytest.raises(NotImplementedError, match="Exercise "):
                fn(*[None] * n_args)


# ------------------------------------------------------------------------------------ lesson shape
@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_lesson_opens_with_title_objectives_time_prerequisites_and_badge(path):
    cells = _load(path)["cells"]
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    intro = "\n".join(_text(c) for c in cells[:first_code])
    assert cells[0]["cell_type"] == "markdown" and _text(cells[0]).startswith("# "), "first line: '# <title>'"
    for needle in ("Learning objectives", "Estimated time", "Prerequisites"):
        assert needle in intro, f"the introduction of {path.name} lacks {needle!r}"
    badge = re.search(r"\[!\[Open In Colab\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]"
                      r"\((https://colab\.research\.google\.com/github/\S+)\)", intro)
    assert badge, "no 'Open In Colab' badge before the first code cell"
    assert badge.group(1).endswith(f"/blob/main/lessons/{path.name}"), "the badge must open the learner's notebook"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_first_code_cells_are_the_colab_install_and_the_parameters(path):
    install, params = _code_cells(_load(path))[:2]
    tree = ast.parse(_text(install))
    guards = [node for node in tree.body if isinstance(node, ast.If)
              and ast.unparse(node.test) == "'google.colab' in sys.modules"]
    assert guards, 'the first code cell must hold `if "google.colab" in sys.modules:`'
    assert "pip" in ast.unparse(guards[0]) and "install" in ast.unparse(guards[0])
    outside = [node for node in tree.body if node not in guards]
    assert not any("pip" in ast.unparse(node) for node in outside), "pip may only run inside the Colab guard"

    assert "parameters" in params["metadata"].get("tags", []), "the second code cell must be tagged 'parameters'"
    assert 'SMOKE = os.environ.get("W2S_SMOKE") == "1"' in _text(params)


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_lesson_ends_with_recap_and_further_reading(path):
    cells = _load(path)["cells"]
    last_code = max(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    tail = "\n".join(_text(c) for c in cells[last_code + 1:])
    recap, reading = tail.find("## Recap"), tail.find("## Further reading")
    assert 0 <= recap < reading, "after the last code cell: a '## Recap' section, then '## Further reading'"
    assert "http" in tail[reading:], "further reading should link somewhere"


def test_notebook_kernels_inherit_the_smoke_flag():
    """nbval's kernels get this process's environment, where the root conftest set W2S_SMOKE."""
    pytest.importorskip("jupyter_client")
    from jupyter_client.manager import start_new_kernel

    assert os.environ.get("W2S_SMOKE") is not None, "the root conftest.py should set W2S_SMOKE"
    seen: list = []
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        reply = kc.execute_interactive("import os; print(repr(os.environ.get('W2S_SMOKE')), end='')",
                                       timeout=60, output_hook=lambda msg: seen.append(msg))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    printed = "".join(m["content"].get("text", "") for m in seen if m["msg_type"] == "stream")
    assert printed == repr(os.environ["W2S_SMOKE"])


# ------------------------------------------------------------------------------------ marker logic
SYNTHETIC = textwrap.dedent('''\
    def outer(xs):
        """Sum the positive numbers."""
        total = 0
        for x in xs:
            if x > 0:
                ### BEGIN SOLUTION
                total += x
                ### END SOLUTION
        return total


    ### BEGIN SOLUTION (exercise: answer)
    ANSWER = 42
    ### END SOLUTION
    ''')


def test_blocks_are_found_with_their_indentation_and_names():
    first, second = bl.find_blocks(SYNTHETIC)
    assert (first.name, first.indent, first.lines) == ("outer", " " * 12, (" " * 12 + "total += x",))
    assert (second.name, second.indent, second.lines) == ("answer", "", ("ANSWER = 42",))


def test_solution_render_only_drops_the_markers():
    out = bl.render(SYNTHETIC, "solution")
    assert "SOLUTION" not in out
    assert out.split("\n") == [line for line in SYNTHETIC.split("\n") if "### " not in line]
    namespace: dict = {}
    exec(out, namespace)
    assert namespace["outer"]([1, -2, 3]) == 4 and namespace["ANSWER"] == 42


def test_lesson_render_stubs_each_block_at_its_indentation():
    out = bl.render(SYNTHETIC, "lesson")
    lines = out.split("\n")
    assert "total += x" not in out and "ANSWER = 42" not in out and "SOLUTION" not in out
    assert " " * 12 + "# YOUR CODE HERE" in lines and "# YOUR CODE HERE" in lines
    assert ' ' * 12 + 'raise NotImplementedError("Exercise outer: write your code here, then delete this line.")' \
        in lines
    assert lines[-2] == 'raise NotImplementedError("Exercise answer: write your code here, then delete this line.")'
    ast.parse(out)
    namespace: dict = {}
    with pytest.raises(NotImplementedError, match="Exercise answer"):
        exec(out, namespace)
    with pytest.raises(NotImplementedError, match="Exercise outer"):
        namespace["outer"]([1])


def test_source_without_markers_is_unchanged():
    src = "x = 1\n# ## not a marker\n"
    assert bl.render(src, "lesson") == src == bl.render(src, "solution")


@pytest.mark.parametrize("source, message", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "line 2: '### BEGIN SOLUTION' is never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without a '### BEGIN SOLUTION'"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n", "do not nest"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n### END SOLUTION\n", "indented differently"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "(exercise: <name>)"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "malformed marker"),
])
def test_bad_markers_raise_clear_errors(source, message):
    with pytest.raises(bl.MarkerError) as err:
        bl.render(source, "lesson", where="toy.py")
    assert message in str(err.value) and "toy.py" in str(err.value)


# ------------------------------------------------------------------------------------ the build, end to end
TOY_SOURCE = textwrap.dedent('''\
    # %% [markdown]
    # # Toy lesson

    # %% tags=["parameters"]
    SMOKE = False

    # %%
    def double(x):
        ### BEGIN SOLUTION
        return 2 * x
        ### END SOLUTION
    ''')


@pytest.fixture
def toy_repo(tmp_path):
    (tmp_path / bl.SOLUTIONS_DIR).mkdir()
    (tmp_path / bl.SOLUTIONS_DIR / "00_toy.py").write_text(TOY_SOURCE)
    return tmp_path


def test_build_writes_both_notebooks_deterministically(toy_repo):
    written = bl.build(toy_repo)
    solution, lesson = toy_repo / "solutions" / "00_toy.ipynb", toy_repo / "lessons" / "00_toy.ipynb"
    assert sorted(written) == sorted([solution, lesson])
    first = solution.read_bytes(), lesson.read_bytes()
    assert bl.build(toy_repo) == [] and (solution.read_bytes(), lesson.read_bytes()) == first
    sol_nb, les_nb = _load(solution), _load(lesson)
    assert sol_nb["metadata"] == bl.NOTEBOOK_METADATA and "jupytext" not in json.dumps(sol_nb)
    assert [c["cell_type"] for c in sol_nb["cells"]] == ["markdown", "code", "code"]
    assert sol_nb["cells"][1]["metadata"] == {"tags": ["parameters"]}
    assert _text(sol_nb["cells"][2]) == "def double(x):\n    return 2 * x"
    assert _text(les_nb["cells"][2]) == ('def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError('
                                         '"Exercise double: write your code here, then delete this line.")')
    assert [c["id"] for c in sol_nb["cells"]] == [c["id"] for c in les_nb["cells"]]


def test_check_reports_missing_stale_and_extra_files(toy_repo, capsys):
    assert bl.main(["--check", "--root", str(toy_repo)]) == 1
    assert "missing: lessons/00_toy.ipynb" in capsys.readouterr().err
    assert bl.main(["--root", str(toy_repo)]) == 0
    assert bl.main(["--check", "--root", str(toy_repo)]) == 0
    capsys.readouterr()

    (toy_repo / "lessons" / "00_toy.ipynb").write_text("{}")
    (toy_repo / "solutions" / "01_orphan.ipynb").write_text("{}")
    assert bl.main(["--check", "--root", str(toy_repo)]) == 1
    err = capsys.readouterr().err
    assert "out of date: lessons/00_toy.ipynb" in err and "extra" in err and "01_orphan.ipynb" in err
    assert bl.BUILD_COMMAND in err


def test_an_executed_solution_is_kept_while_its_source_is_unchanged(toy_repo, capsys):
    """Full-mode execution writes outputs and provenance; the build keeps them until the source changes,
    then writes the notebook without outputs and says to re-execute; --check reports it meanwhile."""
    from w2s_edu.devtools import execute_solutions as ex

    src = toy_repo / "solutions" / "00_toy.py"
    src.write_text(TOY_SOURCE + "\n# %%\nprint(double(21))\n")
    assert bl.main(["--root", str(toy_repo)]) == 0
    assert ex.main(["--root", str(toy_repo), "--only", "00"]) == 0
    solution = toy_repo / "solutions" / "00_toy.ipynb"
    nb = _load(solution)
    entry = bl.provenance(nb)
    assert entry["source_sha256"] == bl.source_hash(src) and entry["mode"] == "full"
    assert entry["machine"]["cpu_cores"] == os.cpu_count() and entry["wall_seconds"] > 0
    assert "".join(nb["cells"][-1]["outputs"][0]["text"]) == "42\n"
    executed = solution.read_bytes()
    capsys.readouterr()
    assert bl.main(["--check", "--root", str(toy_repo)]) == 0 and bl.build(toy_repo) == []
    assert solution.read_bytes() == executed

    src.write_text(src.read_text().replace("2 * x", "x + x"))
    assert bl.main(["--check", "--root", str(toy_repo)]) == 1
    assert "executed from an older source: solutions/00_toy.ipynb" in capsys.readouterr().err
    assert bl.main(["--root", str(toy_repo)]) == 0
    assert f"{bl.EXECUTE_COMMAND} --only 00" in capsys.readouterr().err
    rebuilt = _load(solution)
    assert bl.provenance(rebuilt) is None and all(c["outputs"] == [] for c in _code_cells(rebuilt))


def test_build_reports_marker_errors_without_writing(toy_repo, capsys):
    (toy_repo / "solutions" / "00_toy.py").write_text(TOY_SOURCE.replace("    ### END SOLUTION\n", ""))
    assert bl.main(["--root", str(toy_repo)]) == 2
    assert "never closed" in capsys.readouterr().err
    assert not (toy_repo / "lessons").exists()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_learner_cells_carry_no_noqa(path):
    """Lint exceptions for notebook sources live in pyproject.toml (per-file-ignores), not in cells a learner reads."""
    lines = [i for i, line in enumerate(path.read_text().splitlines(), 1) if "# noqa" in line]
    assert not lines, f"{path.name}: '# noqa' on lines {lines}; configure ruff for solutions/*.py instead"


# ------------------------------------------------------------------------------ hints and predictions
HINT_RE = re.compile(r"<details><summary>(Hint[^<]*)</summary>(.*?)</details>", re.S)
GRADED = ("Hint 1: a nudge", "Hint 2: closer")
PREDICT = "**Predict before you run.**"
ANSWER = "<details><summary>Answer: what happens, and why</summary>"
CODE_SPAN_RE = re.compile(r"`([^`\n]+)`")


def _markdown(text: str) -> str:
    """The markdown of a jupytext percent source: its comment lines with the '# ' taken off."""
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in text.split("\n")
                     if line.startswith("#"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _solution_lines(src: Path) -> list[str]:
    out = []
    for block in bl.solution_blocks(src):
        for line in block.lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            core = _squash(re.sub(r"^return\b", "", line))
            if len(core) >= 12:
                out.append(core)
    return out


def _hint_texts(src: Path) -> list[tuple[str, str]]:
    """(where, text) for every hint a learner of this lesson can read: the notebook's hint dropdowns and
    the nudges its checker shows on a crash."""
    import importlib

    hints = [(f"{src.name}: {summary}", body) for summary, body in HINT_RE.findall(_markdown(src.read_text()))]
    module = importlib.import_module(f"w2s_edu.checks.lesson{src.stem[:2]}")
    hints += [(f"checks/lesson{src.stem[:2]}.py HINTS[{name!r}]", text)
              for name, text in getattr(module, "HINTS", {}).items()]
    return hints


@pytest.mark.parametrize("src", SOURCES, ids=[s.name for s in SOURCES])
def test_hints_hold_no_line_of_the_solution(src):
    """A hint nudges: it may name a function, but it never contains a solution line, nor a code span that
    is most of one."""
    solution = _solution_lines(src)
    leaks = []
    for where, text in _hint_texts(src):
        flat = _squash(text)
        leaks += [f"{where} contains the solution line {line!r}" for line in solution if line in flat]
        for span in map(_squash, CODE_SPAN_RE.findall(text)):
            if len(span) >= 12:
                leaks += [f"{where} spells out most of the solution line {line!r} as `{span}`"
                          for line in solution if span in line and len(span) >= 0.6 * len(line)]
    assert not leaks, "\n".join(sorted(set(leaks)))


@pytest.mark.parametrize("src", SOURCES, ids=[s.name for s in SOURCES])
def test_every_exercise_has_two_graded_hints(src):
    """Before each exercise cell: a nudge, then a closer hint (several exercises in one code cell share them)."""
    problems, markdown = [], ""
    for i, cell in enumerate(bl.read_source(src).cells):
        if cell.cell_type == "markdown":
            markdown += cell.source + "\n"
            continue
        blocks = bl.find_blocks(cell.source)
        if not blocks:
            continue
        summaries = [summary.strip() for summary, _ in HINT_RE.findall(markdown)]
        if summaries[-2:] != list(GRADED):
            names = ", ".join(repr(b.name) for b in blocks)
            problems.append(f"exercise {names} (cell {i + 1}): hints {summaries} in the markdown before it, "
                            f"expected the two dropdowns {list(GRADED)} in that order")
        markdown = ""
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("src", SOURCES, ids=[s.name for s in SOURCES])
def test_every_lesson_asks_for_a_prediction_and_answers_it_after_the_run(src):
    text = src.read_text()
    asks = [m.start() for m in re.finditer(re.escape(PREDICT), text)]
    assert asks, f"{src.name} has no '{PREDICT}' question before its main experiment"
    for i, at in enumerate(asks):
        end = asks[i + 1] if i + 1 < len(asks) else len(text)
        answer = text.find(ANSWER, at, end)
        assert answer > 0, f"{src.name}: the prediction at line {text.count(chr(10), 0, at) + 1} has no " \
                           f"'{ANSWER}' dropdown after it"
        assert "\n# %%\n" in text[at:answer] or "\n# %% " in text[at:answer].replace("# %% [markdown]", ""), \
            f"{src.name}: the answer to the prediction at line {text.count(chr(10), 0, at) + 1} comes before any run"


def test_the_middle_lessons_each_have_an_exercise_of_difficulty_four():
    for src in SOURCES:
        if src.stem[:2] in {"03", "04", "05", "06"}:
            levels = [len(m) for m in re.findall(r"^# Difficulty: ((?:🔴)+)", src.read_text(), re.M)]
            assert max(levels, default=0) >= 4, f"{src.name}: difficulties {levels}, none at 4 or 5"


def test_the_lesson_list_gives_each_stored_run_its_measured_time():
    """lessons/README.md's "full run" column is the wall time of each solution notebook's stored full-mode
    execution (its provenance), in minutes; "-" where the notebook is not stored executed."""
    rows = {}
    for line in (ROOT / bl.LESSONS_DIR / "README.md").read_text().splitlines():
        match = re.match(r"\| \[(\d\d) [^]]*\]\((\d\d_[^)]*)\.ipynb\) \|.*", line)
        if match:
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[match.group(2)] = cells[3]
    assert set(rows) == {src.stem for src in SOURCES}, "lessons/README.md should list every lesson once"
    for src in SOURCES:
        entry = bl.provenance(_load(ROOT / bl.SOLUTIONS_DIR / f"{src.stem}.ipynb"))
        want = "-" if entry is None else f"{entry['wall_seconds'] / 60:.1f} min"
        assert rows[src.stem] == want, f"lessons/README.md: {src.stem}'s full run should read {want!r}, " \
                                       f"got {rows[src.stem]!r}"
