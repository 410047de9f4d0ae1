"""tools/build_notebooks.py: student and instructor versions from one source."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SOURCE = FIXTURES / "exercises_source.ipynb"
TOOL = ROOT / "tools" / "build_notebooks.py"


def _load_tool():
    spec = importlib.util.spec_from_file_location("build_notebooks", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bn = _load_tool()


def _cli(*args):
    """Run the tool as a script (slow: importing nbformat takes seconds)."""
    return subprocess.run(
        [sys.executable, str(TOOL), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _main(capsys, *args):
    """Run the tool's main() in-process; return (exit code, stdout, stderr)."""
    code = bn.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.fixture
def src(tmp_path):
    """A source directory holding a copy of the fixture notebook."""
    d = tmp_path / "course"
    d.mkdir()
    (d / SOURCE.name).write_bytes(SOURCE.read_bytes())
    return d


def _notebook(*sources, markdown=()):
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    cells += [nbformat.v4.new_markdown_cell(s) for s in markdown]
    nb = nbformat.v4.new_notebook(cells=cells)
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


# ----------------------------------------------------------- the fixture ---


def test_fixture_source_has_solutions_and_outputs_to_strip():
    nb = bn.read(SOURCE)
    code = "\n".join(_code(nb))
    assert code.count(bn.BEGIN) == 3 and code.count(bn.END) == 3
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert any(c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    assert "language_info" in nb.metadata


def test_student_version_replaces_each_solution_by_a_stub():
    nb = bn.make_student(bn.read(SOURCE))
    code = "\n".join(_code(nb))
    assert "BEGIN SOLUTION" not in code and "END SOLUTION" not in code
    # the solutions are gone
    assert "alpha0 / (1 + decay_rate * epoch)" not in code
    assert "jnp.exp(Z - jnp.max" not in code
    assert "out.append(v / (1 - beta**t))" not in code
    assert code.count(bn.STUB_COMMENT) == 3
    assert code.count(bn.STUB_RAISE) == 3
    # the stub sits at the indentation of its BEGIN marker
    lr, softmax, ewa = (s for s in _code(nb) if s.startswith("def "))
    assert lr.endswith(f"    {bn.STUB_COMMENT}\n    {bn.STUB_RAISE}")
    assert softmax.endswith(f"    {bn.STUB_COMMENT}\n    {bn.STUB_RAISE}")
    assert f"\n        {bn.STUB_COMMENT}\n        {bn.STUB_RAISE}\n" in ewa
    # code around the blocks is kept verbatim
    assert 'raise ValueError("Z must have shape (C, m)")' in softmax
    assert ewa.endswith("    return jnp.array(out)")
    for source in _code(nb):
        compile(source, "<cell>", "exec")  # still valid Python


def test_instructor_version_keeps_solutions_without_markers():
    source = bn.read(SOURCE)
    nb = bn.make_instructor(source)
    code = "\n".join(_code(nb))
    assert "SOLUTION" not in code
    assert "return alpha0 / (1 + decay_rate * epoch)" in code
    assert "        out.append(v / (1 - beta**t))" in code
    assert "NotImplementedError" not in code
    # only the marker lines went away
    for before, after in zip(_code(source), _code(nb), strict=True):
        kept = [line for line in before.splitlines() if "SOLUTION" not in line]
        assert after.splitlines() == kept


@pytest.mark.parametrize("make", ["make_student", "make_instructor"])
def test_outputs_counts_and_metadata_are_stripped(make):
    nb = getattr(bn, make)(bn.read(SOURCE))
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        assert set(cell.metadata) <= set(bn.KEEP_CELL_METADATA)
    assert set(nb.metadata) == {"kernelspec"}
    tagged = [c for c in nb.cells if c.metadata.get("tags")]
    assert [c.metadata.tags for c in tagged] == [["check"]]
    nbformat.validate(nb)


def test_source_notebook_is_not_modified():
    before = SOURCE.read_bytes()
    bn.make_student(bn.read(SOURCE))
    bn.make_instructor(bn.read(SOURCE))
    assert SOURCE.read_bytes() == before


# ------------------------------------------------------------ the blocks ---


def test_several_blocks_in_one_cell_and_trailing_newlines():
    source = (
        "def f(x):\n"
        "    ### BEGIN SOLUTION\n"
        "    y = x\n"
        "    ### END SOLUTION\n"
        "    z = 1\n"
        "    if z:\n"
        "        ### BEGIN SOLUTION\n"
        "        return y + z\n"
        "        ### END SOLUTION\n"
    )
    student = bn.student_source(source)
    assert student == (
        "def f(x):\n"
        f"    {bn.STUB_COMMENT}\n"
        f"    {bn.STUB_RAISE}\n"
        "    z = 1\n"
        "    if z:\n"
        f"        {bn.STUB_COMMENT}\n"
        f"        {bn.STUB_RAISE}\n"
    )
    assert bn.instructor_source(source) == (
        "def f(x):\n    y = x\n    z = 1\n    if z:\n        return y + z\n"
    )
    no_newline = source.rstrip("\n")
    assert bn.student_source(no_newline).endswith(bn.STUB_RAISE)
    assert bn.instructor_source(no_newline).endswith("return y + z")


def test_cells_without_markers_are_unchanged():
    source = "x = 1\nprint(x)  # BEGIN is just a word here"
    assert bn.student_source(source) == source
    assert bn.instructor_source(source) == source


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "without a"),
        (
            "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n"
            "    ### END SOLUTION\n",
            "cannot nest",
        ),
        ("def f():\n    ## BEGIN SOLUTION\n    return 1\n", "looks like"),
        ("def f():\n    ### BEGIN SOLUTIONS\n    return 1\n", "looks like"),
        ("def f():\n    # end solution\n    return 1\n", "looks like"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "top level"),
    ],
)
def test_malformed_markers_are_errors(source, message):
    with pytest.raises(bn.MarkerError, match=message):
        bn.make_student(_notebook("import math", source))
    with pytest.raises(bn.MarkerError, match=r"cell 2"):
        bn.make_instructor(_notebook("import math", source))


def test_answer_cells_are_kept_for_instructors_and_dropped_for_students():
    question = "**Think about it.** Why is the sky blue?"
    answer = "**Answer (instructors).** Rayleigh scattering."
    nb = _notebook("x = 1", markdown=[question, answer, "## Next"])
    nb.cells[2].metadata["tags"] = ["answer"]
    nb.cells[3].metadata["tags"] = ["check"]  # another tag: kept in both
    student, instructor = bn.make_student(nb), bn.make_instructor(nb)
    s_md = [c.source for c in student.cells if c.cell_type == "markdown"]
    i_md = [c.source for c in instructor.cells if c.cell_type == "markdown"]
    assert s_md == [question, "## Next"]
    assert i_md == [question, answer, "## Next"]
    assert instructor.cells[2].metadata.tags == ["answer"]
    # a CODE cell tagged "answer" is not an instructors' answer: it stays
    code = _notebook("y = 2")
    code.cells[0].metadata["tags"] = ["answer"]
    assert [c.source for c in bn.make_student(code).cells] == ["y = 2"]


def test_markers_in_markdown_are_errors():
    nb = _notebook("x = 1", markdown=["### BEGIN SOLUTION\nsecret\n### END SOLUTION"])
    with pytest.raises(bn.MarkerError, match="only supported in code cells"):
        bn.make_student(nb)


def test_cli_reports_unbalanced_markers_with_file_and_cell(tmp_path, capsys):
    src = tmp_path / "course"
    src.mkdir()
    nbformat.write(
        _notebook("def f():\n    ### BEGIN SOLUTION\n    return 1"), src / "bad.ipynb"
    )
    result = _cli(
        "--src",
        src,
        "--out-student",
        tmp_path / "s",
        "--out-instructor",
        tmp_path / "i",
    )
    assert result.returncode == 2
    assert "bad.ipynb" in result.stderr and "cell 1" in result.stderr
    assert "never closed" in result.stderr
    assert not (tmp_path / "s").exists()  # nothing half-written


# ------------------------------------------------------------ the files ---


def test_build_writes_both_versions_deterministically(src, tmp_path, capsys):
    out_s, out_i = tmp_path / "notebooks", tmp_path / "instructor"
    code, out, err = _main(
        capsys, "--src", src, "--out-student", out_s, "--out-instructor", out_i
    )
    assert code == 0, err
    assert "2 file(s) written" in out
    student, instructor = out_s / SOURCE.name, out_i / SOURCE.name
    first = (student.read_bytes(), instructor.read_bytes())
    for raw in first:
        text = raw.decode()
        assert text.endswith("}\n") and not text.endswith("\n\n")
        assert text.startswith('{\n "cells": [\n  {\n   "cell_type"')  # indent 1
        json.loads(text)
    assert bn.dumps(bn.make_student(bn.read(SOURCE))).encode() == first[0]
    # a second run writes nothing and changes nothing
    assert bn.build(src, out_s, out_i) == []
    assert (student.read_bytes(), instructor.read_bytes()) == first


def test_sources_without_cell_ids_get_deterministic_ids(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"def f():\n    {bn.BEGIN}\n    {bn.END}")]
    )
    nb.nbformat_minor = 4
    del nb.cells[0]["id"]
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(nb))
    texts = {bn.dumps(bn.make_student(bn.read(path))) for _ in range(3)}
    assert len(texts) == 1
    assert '"id": "cell-1"' in texts.pop()


def test_check_passes_when_up_to_date_and_lists_stale_files(src, tmp_path, capsys):
    out_s, out_i = tmp_path / "notebooks", tmp_path / "instructor"
    bn.build(src, out_s, out_i)
    code, out, _ = _main(capsys, "--check", "--src", src, "--out-student", out_s)
    assert code == 0, out
    assert "up to date" in out

    stale = out_s / SOURCE.name
    nb = bn.read(stale)
    nb.cells[0].source += " (edited by hand)"
    nbformat.write(nb, stale)
    code, out, err = _main(capsys, "--check", "--src", src, "--out-student", out_s)
    assert code == 1
    assert str(stale) in out and "differs" in out and "out of date" in err

    stale.unlink()
    code, out, _ = _main(capsys, "--check", "--src", src, "--out-student", out_s)
    assert code == 1 and "missing" in out
    assert not stale.exists()  # --check writes nothing


def test_check_passes_trivially_without_sources(tmp_path, capsys):
    code, out, _ = _main(
        capsys, "--check", "--src", tmp_path / "absent", "--out-student", tmp_path
    )
    assert code == 0
    assert "0 source notebook(s)" in out


def test_committed_student_notebooks_are_up_to_date():
    """THE real check: notebooks/ is exactly what course/ generates."""
    result = _cli("--check")
    assert result.returncode == 0, (
        result.stdout + result.stderr + "\nrun: python tools/build_notebooks.py"
    )
