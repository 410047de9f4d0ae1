"""Execute both versions of every course notebook, top to bottom.

For every source ``course/<name>.ipynb`` the generator writes the student and
the instructor version into a temporary directory; each is executed with
nbclient in a fresh "python3" kernel, with the working directory set to
``notebooks/`` (where Binder opens the student version), so relative paths
work. Then, from the cell outputs:

* no cell raised, in either version;
* the instructor version prints at least one checker line, and every
  checker line starts with ✔ (the solutions pass their checks);
* the student version prints the same checker lines, each starting with …
  (not done yet): no check passes vacuously on the stubs.

The same harness runs on the fixtures in ``tests/fixtures/`` (so it is tested
even while course/ is empty). That a live panel runs headless and leaves a
static image next to its widget view is tested in ``tests/test_panel.py``.

The executed notebooks are kept in pytest's temporary directory, for reading
when a test fails.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
FIXTURES = ROOT / "tests" / "fixtures"
WORKDIR = ROOT / "notebooks"
CELL_TIMEOUT = 300  # seconds per cell

# One checker line: mark, title, colon (see dlcore.exercises.CheckResult).
CHECK_LINE = re.compile(r"^([✔✘…]) (.+?): (.*)$", re.MULTILINE)


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "build_notebooks", ROOT / "tools" / "build_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bn = _load_tool()


# --------------------------------------------------------------- harness ---


def execute(nb, cwd: Path = WORKDIR):
    """Run ``nb`` in place in a fresh kernel; errors are recorded, not raised."""
    cwd = cwd if cwd.is_dir() else ROOT
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


def _texts(cell) -> list[str]:
    """The text a code cell showed: stdout and text/plain results."""
    out = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stdout":
            out.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            out.append(output.get("data", {}).get("text/plain", ""))
    return out


def checker_lines(nb) -> list[tuple[str, str, str]]:
    """(mark, title, message) of every checker line, in order."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for text in _texts(cell):
                lines.extend(CHECK_LINE.findall(text))
    return lines


def errors(nb) -> list[str]:
    """One line per cell that raised: 'cell 7: NameError: ...'."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.output_type == "error":
                found.append(f"cell {index + 1}: {output.ename}: {output.evalue}")
    return found


@pytest.fixture(scope="session")
def run_versions(tmp_path_factory):
    """source path -> {"student": executed nb, "instructor": executed nb}."""

    @functools.cache
    def run(source: Path):
        out = tmp_path_factory.mktemp(source.stem)
        bn.build(source.parent, out / "student", out / "instructor")
        executed = {}
        for version in ("student", "instructor"):
            nb = bn.read(out / version / source.name)
            execute(nb)
            nbformat.write(nb, out / version / f"executed-{source.name}")
            executed[version] = nb
        return executed

    def run_one(source: Path):
        # build() converts every notebook of the directory: use a private copy
        private = tmp_path_factory.mktemp("src") / source.name
        private.write_bytes(source.read_bytes())
        return run(private)

    return functools.cache(run_one)


def assert_instructor_passes(nb, name):
    problems = errors(nb)
    assert not problems, f"{name} (instructor version) raised:\n" + "\n".join(problems)
    lines = checker_lines(nb)
    assert lines, f"{name} (instructor version) printed no checker line"
    failing = [f"{m} {t}: {msg}" for m, t, msg in lines if m != "✔"]
    assert not failing, f"{name}: solutions that fail their check:\n" + "\n".join(
        failing
    )


def assert_student_not_done(nb, name, instructor_nb):
    problems = errors(nb)
    assert not problems, f"{name} (student version) raised:\n" + "\n".join(problems)
    lines = checker_lines(nb)
    assert lines, f"{name} (student version) printed no checker line"
    vacuous = [f"{m} {t}: {msg}" for m, t, msg in lines if m != "…"]
    assert not vacuous, (
        f"{name}: checks on the student stubs must say 'not done yet':\n"
        + "\n".join(vacuous)
    )
    titles = [t for _, t, _ in lines]
    expected = [t for _, t, _ in checker_lines(instructor_nb)]
    assert titles == expected, (
        f"{name}: the student version runs other checks than the instructor "
        f"version: {titles} vs {expected}"
    )


# ------------------------------------------------------ course notebooks ---

COURSE_NOTEBOOKS = sorted(COURSE.glob("*.ipynb")) if COURSE.is_dir() else []
_NO_COURSE = pytest.mark.skip(reason="course/ has no source notebooks yet")
COURSE_PARAMS = [pytest.param(p, id=p.stem) for p in COURSE_NOTEBOOKS] or [
    pytest.param(None, id="no-course-notebooks", marks=_NO_COURSE)
]


@pytest.mark.parametrize("source", COURSE_PARAMS)
def test_instructor_version_runs_and_passes_every_check(source, run_versions):
    versions = run_versions(source)
    assert_instructor_passes(versions["instructor"], source.name)


@pytest.mark.parametrize("source", COURSE_PARAMS)
def test_student_version_runs_and_every_check_is_not_done(source, run_versions):
    versions = run_versions(source)
    assert_student_not_done(versions["student"], source.name, versions["instructor"])


# ----------------------------------------------- the harness on fixtures ---


def test_harness_on_the_fixture_instructor_version(run_versions):
    versions = run_versions(FIXTURES / "exercises_source.ipynb")
    assert_instructor_passes(versions["instructor"], "fixture")
    titles = [t for _, t, _ in checker_lines(versions["instructor"])]
    assert titles == [
        "Learning-rate decay",
        "Stable softmax",
        "EWA with bias correction",
    ]


def test_harness_on_the_fixture_student_version(run_versions):
    versions = run_versions(FIXTURES / "exercises_source.ipynb")
    assert_student_not_done(versions["student"], "fixture", versions["instructor"])
    # each checker line appears exactly once per check cell
    for cell in versions["student"].cells:
        if cell.cell_type == "code" and cell.source.startswith("check_"):
            assert len(CHECK_LINE.findall("".join(_texts(cell)))) == 1


def test_a_check_shows_its_line_once_per_cell_in_a_real_kernel():
    """Printed by the checker; the returned result does not display again."""
    cells = [
        "from dlcore.exercises import check_lr_decay\n\n\n"
        "def lr_decay(alpha0, decay_rate, epoch):\n"
        "    return alpha0 / (1 + decay_rate * epoch)",
        "check_lr_decay(lr_decay)",  # the last expression of the cell
        "result = check_lr_decay(lr_decay)\nresult",
        "result",  # a later cell: shown again, once
        "check_lr_decay(lr_decay)\ncheck_lr_decay(lr_decay)",
        "check_lr_decay(lr_decay);",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(nb)
    assert not errors(nb), errors(nb)
    counts = [len(CHECK_LINE.findall("".join(_texts(c)))) for c in nb.cells]
    assert counts == [0, 1, 1, 1, 2, 1], [c.outputs for c in nb.cells]


def test_harness_detects_errors_and_wrong_marks():
    """The assertions themselves, on executed-looking notebooks (no kernel)."""
    stream = nbformat.v4.new_output

    def nb_with(*outputs):
        cell = nbformat.v4.new_code_cell("check_x(x)")
        cell.outputs = list(outputs)
        return nbformat.v4.new_notebook(cells=[cell])

    ok = nb_with(stream("stream", name="stdout", text="✔ Softmax: correct.\n"))
    not_done = nb_with(
        stream("stream", name="stdout", text="… Softmax: not done yet.\n")
    )
    failed = nb_with(stream("stream", name="stdout", text="✘ Softmax: wrong axis\n"))
    raised = nb_with(stream("error", ename="NameError", evalue="x", traceback=[]))
    silent = nb_with()

    assert_instructor_passes(ok, "ok")
    assert_student_not_done(not_done, "nd", ok)
    with pytest.raises(AssertionError, match="fail their check"):
        assert_instructor_passes(failed, "f")
    with pytest.raises(AssertionError, match="raised"):
        assert_instructor_passes(raised, "r")
    with pytest.raises(AssertionError, match="no checker line"):
        assert_instructor_passes(silent, "s")
    with pytest.raises(AssertionError, match="not done yet"):
        assert_student_not_done(ok, "vacuous", ok)
    with pytest.raises(AssertionError, match="other checks"):
        assert_student_not_done(not_done, "nd", nb_with())
