"""The course notebooks' structure: short cells, answers, numbering, links.

Checked on the sources ``course/*.ipynb`` (the instructor versions):

* the first code cell switches the compile cache on;
* every code cell has at most 15 lines;
* every "Think about it" markdown cell is followed by a markdown cell tagged
  ``answer`` before the next section heading (or the next "Think about it");
* each notebook's title heading ``# NN · ...`` carries its file's number NN;
* the index links every notebook, with the right number in each link's label,
  and every link (in the index and in README.md) points to an existing file.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
NOTEBOOKS = sorted(COURSE.glob("[0-9][0-9]_*.ipynb"))
MAX_LINES = 15
THINK = "Think about it"
HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)
LINK = re.compile(r"\[(\d{2}) · [^\]]*\]\(((?:notebooks/)?(\d{2})_\w+\.ipynb)\)")


def _cells(path: Path):
    return nbformat.read(path, as_version=4).cells


def _is_answer(cell) -> bool:
    return cell.cell_type == "markdown" and "answer" in cell.metadata.get("tags", [])


def _ids(paths):
    return [p.stem for p in paths]


def test_the_course_has_its_twelve_notebooks():
    assert [int(p.name[:2]) for p in NOTEBOOKS] == list(range(12))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_the_first_code_cell_enables_the_compile_cache(path):
    """Before anything compiles, so every program of the notebook is cached."""
    code = [c.source for c in _cells(path) if c.cell_type == "code"]
    assert code and "dl.compile_cache.enable()" in code[0], path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_code_cells_are_short(path):
    long = [
        (i + 1, len(c.source.splitlines()))
        for i, c in enumerate(_cells(path))
        if c.cell_type == "code" and len(c.source.splitlines()) > MAX_LINES
    ]
    assert not long, f"{path.name}: (cell, lines) longer than {MAX_LINES}: {long}"


def _unanswered(cells) -> list[int]:
    """Indices (1-based) of "Think about it" cells with no answer after them."""
    missing = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown" or _is_answer(cell) or THINK not in cell.source:
            continue
        answered = False
        for nxt in cells[i + 1 :]:
            if _is_answer(nxt):
                answered = True
                break
            if nxt.cell_type == "markdown" and (
                HEADING.search(nxt.source) or THINK in nxt.source
            ):
                break
        if not answered:
            missing.append(i + 1)
    return missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_think_about_it_has_an_instructor_answer(path):
    cells = _cells(path)
    missing = _unanswered(cells)
    assert not missing, f"{path.name}: no answer-tagged cell after cells {missing}"
    for cell in filter(_is_answer, cells):
        assert cell.source.startswith("**Answer (instructors).**"), cell.source[:60]


def test_the_answer_rule_itself():
    md, new = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    answer = md("**Answer (instructors).** yes")
    answer.metadata["tags"] = ["answer"]
    think = md("**Think about it.** Why?")
    assert _unanswered([think, new("x = 1"), answer]) == []
    assert _unanswered([think, md("## Next section"), answer]) == [1]
    assert _unanswered([think, md("**Think about it.** Again?"), answer]) == [1]
    assert _unanswered([think]) == [1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_title_carries_the_file_number(path):
    first = next(c for c in _cells(path) if c.cell_type == "markdown")
    title = first.source.splitlines()[0]
    assert re.match(r"^# \d{2} · ", title), f"{path.name}: title {title!r}"
    assert title[2:4] == path.name[:2], f"{path.name}: title {title!r}"


def _links(text: str) -> list[tuple[str, str, str]]:
    return LINK.findall(text)


def test_index_links_every_notebook_with_its_number():
    text = "\n".join(c.source for c in _cells(COURSE / "00_index.ipynb"))
    links = _links(text)
    assert sorted({target for _, target, _ in links}) == [p.name for p in NOTEBOOKS]
    for label, target, number in links:
        assert label == number, f"link labelled {label} points to {target}"
        assert (COURSE / target).is_file(), target


def test_readme_links_point_to_existing_notebooks():
    links = _links((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len({target for _, target, _ in links}) == len(NOTEBOOKS)
    for label, target, number in links:
        assert label == number, f"README: link labelled {label} points to {target}"
        assert (ROOT / target).is_file(), target
