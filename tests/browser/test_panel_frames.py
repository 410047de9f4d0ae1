"""A panel's frames reach the page pixel for pixel, on both frame paths.

``dlcore.live.widgets.canvas_frames`` gives each panel's ipympl canvas a page-side
frame handler (``dlcore/canvas_frames.js``): once the page module says it is
installed, the kernel sends raw zlib RGBA frames instead of PNGs. This test
opens the EWA notebook (one panel) in JupyterLab + Chromium and checks that

1. the page module installed itself (the kernel saw ``installed``) and the
   kernel's frames are raw;
2. after a slider move, the figure's canvas in the page holds exactly the
   kernel's pixels (the same FNV-1a hash over the RGBA words as the harness's
   ``canvasHash``), with the raw frames and, after ``set_fast_frames(False)``,
   with ipympl's own PNG handler; and that switching back works too.

It runs at devicePixelRatio 1 and 2 (a HiDPI screen:
ipympl then asks for frames at twice the resolution).
"""

from __future__ import annotations

import json

import pytest
from harness import ChromiumBrowser, NotebookSession

NOTEBOOK = "notebooks/07_exponentially_weighted_averages.ipynb"

KERNEL_STATE = r"""
import json as _json
import matplotlib.pyplot as _plt
import numpy as _np
import dlcore.live.widgets as _w

def _fnv(fig):
    d = _np.asarray(fig.canvas.get_renderer().buffer_rgba())
    words = d.view("<u4").ravel()
    h = 2166136261
    for v in words.tolist():
        h = ((h ^ v) * 16777619) & 0xFFFFFFFF
    return f"{h:x}@{d.shape[1]}x{d.shape[0]}"

_live = [h for h in _w._FRAMES if h.comm is not None]
_figs = {_plt.figure(n).canvas.model_id: _plt.figure(n) for n in _plt.get_fignums()}
_h = _live[0]
_f = _figs[_h.canvas_id]
_f.canvas._png_is_old = True
_frame = _f.canvas.get_diff_image()
print(_json.dumps({
    "panels": len(_live),
    "installed": [h.installed for h in _live],
    "fast": _h.fast,
    "raw": _frame[:8] == _w.RAW_MAGIC,
    "hash": _fnv(_f),
}))
"""


def _kernel_state(nb) -> dict:
    return json.loads(nb.kernel_eval(KERNEL_STATE).strip().splitlines()[-1])


def _move_and_compare(nb, slider: dict, key: str) -> tuple[str, dict]:
    nb.press_and_settle(slider["index"], key, quiet_ms=500, timeout=120)
    page = nb.canvas_hash(slider["figure"])["hash"]
    return page, _kernel_state(nb)


@pytest.mark.parametrize("ratio", [1, 2])
def test_panel_frames_match_the_kernel_pixels_on_both_paths(ratio, lab, browser_ready):
    # its own Chromium per ratio (Playwright's sync API allows one at a time,
    # so this module does not use the shared ``chromium`` fixture)
    with ChromiumBrowser(device_scale_factor=ratio) as browser:
        _check(browser, lab)


def _check(browser, lab) -> None:
    with NotebookSession(browser, lab, NOTEBOOK) as nb:
        run = nb.run_all(timeout=600)
        assert run.ok and not nb.errors()
        nb.wait_quiet(quiet_ms=800, timeout=60)
        state = _kernel_state(nb)
        assert state["panels"] >= 1
        assert all(state["installed"]), state  # the page module said hello
        assert state["fast"] and state["raw"], state  # so frames are raw

        slider = next(
            s for s in nb.discover()["sliders"]
            if s["visible"] and s["figure"] is not None
        )  # fmt: skip
        page, state = _move_and_compare(nb, slider, "ArrowRight")
        assert state["raw"]
        assert page == state["hash"], "raw frame: the page differs from the kernel"

        nb.kernel_eval("import dlcore.live.widgets as _w; _w.set_fast_frames(False)")
        page, state = _move_and_compare(nb, slider, "ArrowRight")
        assert not state["raw"]  # PNG frames, ipympl's own handler
        assert page == state["hash"], "PNG frame: the page differs from the kernel"

        nb.kernel_eval("import dlcore.live.widgets as _w; _w.set_fast_frames(True)")
        page, state = _move_and_compare(nb, slider, "ArrowLeft")
        assert state["raw"]
        assert page == state["hash"], "raw again: the page differs from the kernel"
        assert not nb.errors()
