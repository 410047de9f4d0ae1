"""Build the student and instructor notebooks from one source.

The sources are the instructor notebooks ``course/*.ipynb``. In their code
cells, every solution sits between two marker lines (nbgrader style)::

    def normalize(X_train, X_test):
        ### BEGIN SOLUTION
        mu = ...
        return X_train_n, X_test_n
        ### END SOLUTION

One command writes two versions of every source notebook::

    python tools/build_notebooks.py

* the STUDENT version, ``notebooks/<name>.ipynb`` (committed; Binder opens
  it): each solution block becomes, at the indentation of its BEGIN marker::

      # YOUR CODE HERE
      raise NotImplementedError("...")

  Markdown cells tagged ``answer`` (the instructors' answers to the "Think
  about it" questions) are left out of the student version.

* the INSTRUCTOR version, ``build/instructor/<name>.ipynb`` (``build/`` is not
  committed): the marker lines are removed and the solutions kept.

Both versions have no outputs and no execution counts; notebook metadata keeps
only ``kernelspec``, and cell metadata only ``tags``, ``jupyter``,
``editable`` and ``deletable``. The JSON is written by nbformat (indent 1,
sorted keys) with a trailing newline, so the output is deterministic.

Options::

    --check               exit 1 and list the files if the committed student
                          notebooks differ from what would be generated
                          (writes nothing)
    --src DIR             source notebooks (default: course/)
    --out-student DIR     student versions (default: notebooks/)
    --out-instructor DIR  instructor versions (default: build/instructor/)

Rules for authors: a solution block must be inside a function (indented):
at the top level of a cell the stub would stop "Run All" in the student
version. Put everything the student writes, including the ``return``, inside
the block; code after the END marker still runs in the student version, and
must not use names that only the solution defines.

Exit status: 0 on success, 1 when ``--check`` finds differences, 2 on a
malformed source (unbalanced or misspelled markers, a solution at the top
level of a cell).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB_COMMENT = "# YOUR CODE HERE"
STUB_RAISE = 'raise NotImplementedError("Replace this line with your code.")'

KEEP_CELL_METADATA = ("tags", "jupyter", "editable", "deletable")
KEEP_NOTEBOOK_METADATA = ("kernelspec",)

# A line that looks like a marker but is not exactly one (e.g. "## BEGIN
# SOLUTION" or "### BEGIN SOLUTIONS"): refused, or a solution could leak.
_NEAR_MARKER = re.compile(r"^\s*#+\s*(BEGIN|END)\s+SOLUTION", re.IGNORECASE)


class MarkerError(ValueError):
    """A source notebook's solution markers are malformed."""


# --------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------


def _split(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def _marker(line: str) -> str | None:
    """ "begin", "end" or None; raise on a near-miss spelling."""
    stripped = line.strip()
    if stripped == BEGIN:
        return "begin"
    if stripped == END:
        return "end"
    if _NEAR_MARKER.match(line):
        raise MarkerError(
            f"line {stripped!r} looks like a solution marker but is not exactly "
            f"{BEGIN!r} or {END!r}"
        )
    return None


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(begin, end) line indices of the solution blocks; checks balance."""
    blocks, begin = [], None
    for i, line in enumerate(lines):
        kind = _marker(line)
        if kind == "begin":
            if begin is not None:
                raise MarkerError(
                    f"line {i + 1}: {BEGIN!r} inside the solution block opened "
                    f"at line {begin + 1} (blocks cannot nest)"
                )
            begin = i
        elif kind == "end":
            if begin is None:
                raise MarkerError(
                    f"line {i + 1}: {END!r} without a {BEGIN!r} before it"
                )
            blocks.append((begin, i))
            begin = None
    if begin is not None:
        raise MarkerError(f"line {begin + 1}: {BEGIN!r} is never closed by {END!r}")
    return blocks


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _newline(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _solution_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """The blocks of a code cell; each must be indented (inside a function)."""
    blocks = _blocks(lines)
    for begin, _ in blocks:
        if not _indent(lines[begin]):
            raise MarkerError(
                f"line {begin + 1}: solution block at the top level of the cell; "
                "in the student version its stub would stop 'Run All'. Put the "
                "solution inside a function"
            )
    return blocks


def student_source(source: str) -> str:
    """Replace each solution block (markers included) by the stub."""
    lines = _split(source)
    out, last = [], 0
    for begin, end in _solution_blocks(lines):
        indent = _indent(lines[begin])
        out.extend(lines[last:begin])
        out.append(f"{indent}{STUB_COMMENT}\n")
        out.append(f"{indent}{STUB_RAISE}{_newline(lines[end])}")
        last = end + 1
    out.extend(lines[last:])
    return "".join(out)


def instructor_source(source: str) -> str:
    """Remove the marker lines, keep the solutions."""
    lines = _split(source)
    markers = {i for block in _solution_blocks(lines) for i in block}
    text = "".join(line for i, line in enumerate(lines) if i not in markers)
    # A marker on the last line without a newline: the line before it is now
    # the last one, and must lose its newline too.
    if lines and len(lines) - 1 in markers and not _newline(lines[-1]):
        text = text.rstrip("\r\n")
    return text


# --------------------------------------------------------------------------
# Notebooks
# --------------------------------------------------------------------------


def _clean(nb, transform) -> nbformat.NotebookNode:
    """A copy of ``nb`` with code cells transformed and everything cleaned."""
    nb = nbformat.from_dict(nb)  # a deep copy
    nb.nbformat, nb.nbformat_minor = 4, max(int(nb.get("nbformat_minor", 0)), 5)
    nb.metadata = nbformat.from_dict(
        {k: nb.metadata[k] for k in KEEP_NOTEBOOK_METADATA if k in nb.metadata}
    )
    for index, cell in enumerate(nb.cells):
        where = f"cell {index + 1}"
        if cell.cell_type == "code":
            try:
                cell.source = transform(cell.source)
            except MarkerError as exc:
                raise MarkerError(f"{where}, {exc}") from None
            cell.outputs = []
            cell.execution_count = None
        else:
            try:
                has_markers = bool(_blocks(_split(cell.source)))
            except MarkerError as exc:
                raise MarkerError(f"{where} ({cell.cell_type}), {exc}") from None
            if has_markers:
                raise MarkerError(
                    f"{where} ({cell.cell_type}): solution markers are only "
                    "supported in code cells"
                )
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        cell.metadata = nbformat.from_dict(
            {k: cell.metadata[k] for k in KEEP_CELL_METADATA if k in cell.metadata}
        )
        if not cell.get("id"):
            cell.id = f"cell-{index + 1}"  # deterministic, unlike nbformat's
    return nb


ANSWER_TAG = "answer"


def _is_answer(cell) -> bool:
    """A markdown cell tagged ``answer``: an instructor's answer to a question."""
    return cell.cell_type == "markdown" and ANSWER_TAG in cell.metadata.get("tags", [])


def make_student(nb) -> nbformat.NotebookNode:
    """The student version: solutions stubbed, instructors' answers left out."""
    nb = _clean(nb, student_source)
    nb.cells = [cell for cell in nb.cells if not _is_answer(cell)]
    return nb


def make_instructor(nb) -> nbformat.NotebookNode:
    return _clean(nb, instructor_source)


def dumps(nb) -> str:
    """The notebook's JSON text, as written to disk (trailing newline)."""
    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4, indent=1)
    return text if text.endswith("\n") else text + "\n"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def sources(src: Path) -> list[Path]:
    """The source notebooks: ``src/*.ipynb`` (none if src does not exist)."""
    return sorted(src.glob("*.ipynb")) if src.is_dir() else []


def generate(src: Path) -> dict[str, tuple[str, str]]:
    """name -> (student JSON, instructor JSON) for every source notebook."""
    out = {}
    for path in sources(src):
        try:
            nb = read(path)
            out[path.name] = (dumps(make_student(nb)), dumps(make_instructor(nb)))
        except MarkerError as exc:
            raise MarkerError(f"{path}: {exc}") from None
    return out


def _write(path: Path, text: str) -> bool:
    """Write if the content changed; return whether it did."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return True


def build(src: Path, out_student: Path, out_instructor: Path) -> list[Path]:
    """Write both versions of every source; return the files that changed."""
    changed = []
    for name, (student, instructor) in generate(src).items():
        for path, text in (
            (out_student / name, student),
            (out_instructor / name, instructor),
        ):
            if _write(path, text):
                changed.append(path)
    return changed


def check(src: Path, out_student: Path) -> list[str]:
    """Problems with the committed student notebooks (empty list: up to date)."""
    problems = []
    for name, (student, _) in generate(src).items():
        path = out_student / name
        if not path.exists():
            problems.append(f"{path}: missing (generate it from {src / name})")
        elif path.read_text(encoding="utf-8") != student:
            problems.append(f"{path}: differs from what {src / name} generates")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Build student and instructor notebooks from course/*.ipynb."
    )
    parser.add_argument("--src", type=Path, default=ROOT / "course")
    parser.add_argument("--out-student", type=Path, default=ROOT / "notebooks")
    parser.add_argument(
        "--out-instructor", type=Path, default=ROOT / "build" / "instructor"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the student notebooks are not up to date; write nothing",
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check(args.src, args.out_student)
            for problem in problems:
                print(problem)
            if problems:
                print(
                    f"{len(problems)} student notebook(s) out of date: run "
                    "python tools/build_notebooks.py",
                    file=sys.stderr,
                )
                return 1
            n = len(sources(args.src))
            print(f"student notebooks up to date ({n} source notebook(s))")
            return 0
        changed = build(args.src, args.out_student, args.out_instructor)
    except MarkerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    n = len(sources(args.src))
    print(f"{n} source notebook(s); {len(changed)} file(s) written")
    for path in changed:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
