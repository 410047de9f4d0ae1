"""The page shows the kernel's frames: pixels, clicks and restarts, in Chromium.

The live figures are ``dlcore.live.figure.FigureWidget``s. In a real
JupyterLab page, at devicePixelRatio 1 and 2:

- after a burst of slider key presses on both panels of
  ``tests/browser/fixtures/dlcore_panels.ipynb`` (sent without waiting for
  the repaints, so frames overlap on the way), each figure's canvas holds
  exactly the kernel's current frame: the same sequence number, the same
  size (the base size times the ratio, shown at the base CSS size) and the
  same SHA-256 of the RGBA rows as ``fig.canvas.buffer_rgba()`` in the
  kernel (computed in the page from ``getImageData``, in the kernel through
  ``kernel_eval``; the panels are found through the notebook's variables);
- a click on the optimizer's contour plot in ``notebooks/08_optimizers.ipynb``
  moves the optimizers' start: the x0/y0 controls, in the kernel and on the
  page's sliders, become the clicked data point (the point is converted to
  frame pixels by the axes' ``transData`` in the kernel; the page clicks
  there);
- after a kernel restart the figure keeps its last image, not a blank box.
"""

from __future__ import annotations

import contextlib
import json
import time

import pytest
from harness import ChromiumBrowser, NotebookSession

PANELS = "fixtures/dlcore_panels.ipynb"
OPTIMIZERS = "notebooks/08_optimizers.ipynb"
PANEL_NAMES = "[ewa, optimizer]"  # the fixture's variables, in page order
# The first panel that notebook 08 shows (a later cell shows another one,
# racing the student's Adam): the first value in ``Out`` with a figure.
PANEL_08 = "[Out[k] for k in sorted(Out) if hasattr(Out[k], 'figure_widget')][0]"
RATIOS = [pytest.param(1.0, id="ratio1"), pytest.param(2.0, id="ratio2")]


@pytest.fixture(params=RATIOS)
def browser(request, browser_ready):
    with ChromiumBrowser(device_scale_factor=request.param) as b:
        yield b


@contextlib.contextmanager
def open_and_run(browser, lab, rel):
    """A session on ``rel`` after Run All without errors; closed on exit."""
    with NotebookSession(browser, lab, rel) as nb:
        run = nb.run_all(timeout=600)
        assert run.ok, f"{rel}: Run All reported a failure"
        assert not nb.errors(), f"{rel}: errors after Run All: {nb.errors()}"
        yield nb


def wait_for_frames_to_settle(nb, objects: str, timeout: float = 30.0) -> tuple:
    """(page frames, kernel frames) once the page shows every seq the kernel
    has, or at ``timeout`` (the last pair read)."""
    deadline = time.monotonic() + timeout
    while True:
        nb.wait_quiet(quiet_ms=600, timeout=60)
        page, kernel = nb.page_frames(), nb.kernel_frames(objects)
        seqs_equal = [p["seq"] for p in page] == [k["seq"] for k in kernel]
        if seqs_equal or time.monotonic() > deadline:
            return page, kernel
        time.sleep(0.3)


def test_the_page_shows_the_kernels_frame_after_a_burst_of_moves(browser, lab):
    ratio = browser.device_scale_factor
    with open_and_run(browser, lab, PANELS) as nb:
        found = nb.discover()
        before = nb.kernel_frames(PANEL_NAMES)
        assert len(before) == 2 and len(found["figures"]) == 2
        assert [k["ratio"] for k in before] == [ratio, ratio]
        sliders = [
            s
            for s in found["sliders"]
            if s["visible"] and not s["disabled"] and s["figure"] is not None
        ]
        assert {s["figure"] for s in sliders} == {0, 1}, found["sliders"]
        for s in sliders:  # no wait between presses: frames overlap
            top = s["now"] >= s["max"] - (s.get("step") or 0) / 2
            nb.press(s["index"], "ArrowLeft" if top else "ArrowRight", times=3)
        page, kernel = wait_for_frames_to_settle(nb, PANEL_NAMES)
        assert not nb.errors(), nb.errors()
        for i, (p, k) in enumerate(zip(page, kernel, strict=True)):
            assert k["seq"] > before[i]["seq"], f"figure {i} was never redrawn"
            assert (p["seq"], p["width"], p["height"]) == (
                k["seq"],
                k["width"],
                k["height"],
            ), (p, k)
            assert p["sha256"] == k["sha256"], f"figure {i}: page != kernel"
            assert p["ratio"] == ratio == k["ratio"]
            # device pixels: the canvas holds `ratio` frame pixels per CSS px
            assert p["cssWidth"] * ratio == pytest.approx(p["width"], abs=1)


def test_a_click_on_the_contours_moves_the_optimizers_start(browser, lab):
    with open_and_run(browser, lab, OPTIMIZERS) as nb:
        found = nb.discover()
        start = {}  # the first panel's start sliders: the first in the page
        for s in found["sliders"]:
            if s["label"] in ("start x", "start y"):
                start.setdefault(s["label"], s)
        assert set(start) == {"start x", "start y"}, found["sliders"]
        assert start["start x"]["cell"] == start["start y"]["cell"]
        fig = start["start x"]["figure"]
        xlim = (start["start x"]["min"], start["start x"]["max"])
        ylim = (start["start y"]["min"], start["start y"]["max"])
        # off-centre, so a flipped axis or a wrong pixel ratio lands elsewhere
        x = xlim[0] + 0.7 * (xlim[1] - xlim[0])
        y = ylim[0] + 0.3 * (ylim[1] - ylim[0])
        px, py, w, h = nb.frame_point(PANEL_08, 0, x, y)
        shown = nb.page_frames()[fig]
        assert (shown["width"], shown["height"]) == (w, h)
        since = nb.click_figure(fig, px, py)
        nb.wait_quiet(quiet_ms=600, timeout=60, since=since)
        values = json.loads(
            nb.kernel_eval(
                f"import json; print(json.dumps({PANEL_08}.values, default=str))"
            ).strip()
        )
        values["clicked (frame px)"] = [px, py, w, h]
        # one device pixel is < 0.5 % of either axis; a step is 0.01
        tol_x, tol_y = 0.01 * (xlim[1] - xlim[0]), 0.01 * (ylim[1] - ylim[0])
        assert values["x0"] == pytest.approx(x, abs=tol_x), values
        assert values["y0"] == pytest.approx(y, abs=tol_y), values
        on_page_x = nb.slider_value(start["start x"]["index"])["now"]
        on_page_y = nb.slider_value(start["start y"]["index"])["now"]
        assert on_page_x == pytest.approx(values["x0"], abs=0.011)
        assert on_page_y == pytest.approx(values["y0"], abs=0.011)
        page, kernel = wait_for_frames_to_settle(nb, f"[{PANEL_08}]")
        assert page[fig]["sha256"] == kernel[0]["sha256"]
        assert not nb.errors(), nb.errors()


def test_after_a_kernel_restart_the_figure_keeps_its_last_image(chromium, lab):
    with open_and_run(chromium, lab, PANELS) as nb:
        found = nb.discover()
        slider = next(s for s in found["sliders"] if s["figure"] is not None)
        nb.press_and_settle(slider["index"], "ArrowRight", times=2)
        fig = slider["figure"]
        last = nb.canvas_hash(fig)
        assert not last["uniform"]
        nb.restart_kernel()
        time.sleep(2.0)  # anything the restart does to the views has happened
        after = nb.canvas_hash(fig)
        assert not after["uniform"], "the figure is blank after the restart"
        assert after["hash"] == last["hash"], "the figure changed on restart"
