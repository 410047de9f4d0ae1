"""Every notebook in a real JupyterLab + Chromium: Run All, then move every slider.

For each course notebook (``notebooks/*.ipynb``) and each harness fixture
(``tests/browser/fixtures/*.ipynb``, so the harness itself always runs in CI):

1. open it in JupyterLab, wait for the kernel, Run All, wait until every cell
   has finished and the widgets have painted;
2. no cell has an error output or a traceback on stderr, and the kernel sent
   no error while the notebook ran (widget callbacks included);
3. every visible live figure (``dlcore.live.figure.FigureWidget``: a
   ``.dlcore-figure`` canvas) has been painted and is not blank;
4. for every visible slider: screenshot its figure (the nearest figure after
   it in the same output), press ArrowRight five times (ArrowLeft at the top
   end; End/Home if that changed nothing), wait for the repaint, screenshot
   again, and require the canvas pixels to differ; sliders without a live
   figure must change something else in their output (an inline image, a
   label); and the kernel must still report no error.

The same check runs in Jupyter Notebook 7 on a notebook with panels and on
the bare-widget fixture. There the sliders are dragged with the mouse:
Notebook 7 takes the arrow keys for its command-mode shortcuts before a
focused slider sees them.

Screenshots go to ``artifacts/browser/<notebook>/`` (``BROWSER_ARTIFACTS``
overrides the root; Notebook 7 runs under ``notebook7/``):
``after_run_all.png`` (the whole notebook) and
``sliderNN_<label>_before.png`` / ``_after.png``. ``summary.json`` records the
sliders found, what was pressed and the timings.

A fixture notebook may list modules it needs in its metadata
(``"dlcore_browser": {"requires": [...]}``); it is skipped while one of them
does not exist yet.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from pathlib import Path

import pytest
from harness import (
    FIXTURES_DIR,
    NOTEBOOKS_DIR,
    NotebookSession,
    artifacts_root,
)

RUN_ALL_TIMEOUT = float(os.environ.get("BROWSER_RUN_ALL_TIMEOUT", "600"))

AREA_SIGNATURE_JS = r"""
(i) => {
  const s = document.querySelector(`[data-dlh-slider="${i}"]`);
  const area = s.closest('.jp-OutputArea') || s.closest('.jp-Cell');
  const parts = [];
  const walker = document.createTreeWalker(area, NodeFilter.SHOW_ELEMENT);
  for (let n = walker.currentNode; n; n = walker.nextNode()) {
    if (n.closest('.widget-slider')) continue;
    if (n.tagName === 'IMG') parts.push(n.src.length + ':' + n.src.slice(-64));
    else if (!n.children.length) parts.push(n.textContent);
  }
  return parts.join('|');
}
"""


def _notebooks() -> list:
    params = [
        pytest.param(f"notebooks/{p.name}", id=p.name)
        for p in sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    ]
    params += [
        pytest.param(f"fixtures/{p.name}", id=f"fixtures/{p.name}")
        for p in sorted(FIXTURES_DIR.glob("*.ipynb"))
    ]
    return params


def _source(rel: str) -> Path:
    top, name = rel.split("/", 1)
    return (NOTEBOOKS_DIR if top == "notebooks" else FIXTURES_DIR) / name


def _skip_if_requirements_missing(rel: str) -> None:
    meta = json.loads(_source(rel).read_text()).get("metadata", {})
    for module in meta.get("dlcore_browser", {}).get("requires", []):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            pytest.skip(f"{rel} needs {module}, which does not exist yet")


def _fmt_errors(errors: list[dict]) -> str:
    return "\n\n".join(
        f"cell {e['cell']}:\n{e['text'][:3000]}" if e["cell"] is not None else e["text"]
        for e in errors
    )


def _blank_after_waiting(nb, fig: int, timeout: float = 15.0) -> bool:
    """True if the canvas is still one flat colour after ``timeout`` seconds.

    On a loaded machine the first frame can arrive a little after Run All
    reports the cells done, so the check polls rather than sampling once.
    """
    deadline = time.monotonic() + timeout
    while nb.canvas_hash(fig)["uniform"]:
        if time.monotonic() > deadline:
            return True
        time.sleep(0.5)
    return False


def _artifacts(rel: str, front_end: str = "") -> Path:
    out = artifacts_root() / front_end / re.sub(r"\.ipynb$", "", rel.split("/", 1)[1])
    if rel.startswith("fixtures/"):
        out = out.with_name("fixture_" + out.name)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.mark.parametrize("rel", _notebooks())
def test_run_all_and_every_slider_repaints(rel, lab, chromium):
    _skip_if_requirements_missing(rel)
    run_all_and_move_every_slider(rel, lab, chromium, _artifacts(rel))


NOTEBOOK7_PARAMS = [
    pytest.param("notebooks/07_exponentially_weighted_averages.ipynb", id="07_ewa"),
    pytest.param("fixtures/slider_figure.ipynb", id="fixtures/slider_figure"),
]


@pytest.mark.parametrize("rel", NOTEBOOK7_PARAMS)
def test_run_all_and_every_slider_repaints_in_notebook7(rel, notebook7, chromium):
    _skip_if_requirements_missing(rel)
    out = _artifacts(rel, "notebook7")
    run_all_and_move_every_slider(rel, notebook7, chromium, out, use_mouse=True)


def run_all_and_move_every_slider(rel, server, chromium, out, use_mouse=False):
    """Steps 1-4 of the module docstring for one notebook; asserts."""
    summary: dict = {"notebook": rel, "app": server.app}
    with NotebookSession(chromium, server, rel) as nb:
        try:
            run = nb.run_all(timeout=RUN_ALL_TIMEOUT)
            summary["run_all_s"] = round(run.seconds, 2)
            summary["first_figure_ms"] = run.first_figure_ms
            nb.screenshot_full(out / "after_run_all.png")

            errors = nb.errors()
            assert not errors, f"{rel}: error output after Run All:\n" + _fmt_errors(
                errors
            )
            assert run.ok, f"{rel}: Run All reported a failure"

            found = nb.discover()
            summary["sliders"] = found["sliders"]
            summary["figures"] = found["figures"]
            for fig in found["figures"]:
                if not fig["visible"]:
                    continue
                assert fig["paints"] > 0, f"{rel}: figure {fig['index']} never painted"
                assert not _blank_after_waiting(nb, fig["index"]), (
                    f"{rel}: figure {fig['index']} is blank"
                )

            problems = []
            summary["checks"] = []
            for slider in found["sliders"]:
                if not slider["visible"] or slider["disabled"]:
                    continue
                area_before = None
                if slider["figure"] is None:
                    area_before = nb.page.evaluate(AREA_SIGNATURE_JS, slider["index"])
                check = nb.exercise_slider(slider, out, use_mouse=use_mouse)
                if slider["figure"] is None:
                    after = nb.page.evaluate(AREA_SIGNATURE_JS, slider["index"])
                    check.changed = after != area_before
                summary["checks"].append(
                    {
                        "slider": slider["index"],
                        "label": slider["label"],
                        "figure": slider["figure"],
                        "keys": check.keys,
                        "changed": check.changed,
                    }
                )
                if not check.changed:
                    what = (
                        f"figure {slider['figure']} pixels"
                        if slider["figure"] is not None
                        else "its output"
                    )
                    problems.append(
                        f"slider {slider['index']} ({slider['label']!r}, cell "
                        f"{slider['cell']}): {what} did not change after "
                        f"{check.keys}"
                    )
            errors = nb.errors()
            assert not errors, f"{rel}: error while moving sliders:\n" + _fmt_errors(
                errors
            )
            assert not problems, "\n".join(problems)
        finally:
            summary["console"] = nb.console[-20:]
            (out / "summary.json").write_text(json.dumps(summary, indent=1))
