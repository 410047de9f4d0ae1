"""Interleaved A/B of two kernel-side variants, in one browser session.

Not a test: it prints one table and exits 0. Runs of ``bench_latency.py``
minutes apart differ by 10-30 ms on a shared 2-core machine, more than most
changes are worth. This script measures both variants in the same JupyterLab
page instead: it runs a notebook, then for each of its first sliders it
alternates A and B for ``--rounds`` rounds (``--presses`` key presses each),
switching by running a few lines in the notebook's kernel. Timing is
``bench_latency.py``'s (key press → the frame showing the new figure, in the
page's clock).

    python benchmarks/bench_ab.py encoder notebooks/08_optimizers.ipynb
    python benchmarks/bench_ab.py encoder notebooks/08_optimizers.ipynb \\
        --device-scale-factor 2
    EWA=notebooks/07_exponentially_weighted_averages.ipynb
    python benchmarks/bench_ab.py rows $EWA --sliders 1
    python benchmarks/bench_ab.py busy $EWA --sliders 1

Variants (A first; B is what the project ships):

    encoder  PNG rows deflated by the standard zlib / by png_bytes' default
             (ISA-L when the isal package is installed)
    rows     RGB rows (the encoder's first layout) / RGBA rows, both deflated
             by the default
    busy     the kernel reports "busy" for every widget message / it does not
             (dlcore.live.widgets.widget_busy_status; JupyterLab's indicator then
             stays "idle" during a move)
    text     Agg lays out and rasterizes every string / repeated strings are
             replayed (dlcore.live.text_cache); matters for moves that redraw the
             whole figure
    frames   the page handles a panel's PNG frames with ipympl's own code /
             with dlcore/canvas_frames.js (raw zlib RGBA frames inflated and
             put on the canvas, no image decoder; the snapshot for saved
             notebooks stored once the frames stop)
    switch   the kernel's GIL switch interval 5 ms (Python's default, which
             the project keeps) / 0.5 ms: an experiment, not shipped

The table gives p50 and p95 of key press → frame, and the p50 of
bench_latency.py's phases: sent, ksent (the kernel stamps the image),
socket (it reaches the page's WebSocket), image and drawn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_latency import _f, measure_presses, pct, phase_medians  # noqa: E402
from harness import (  # noqa: E402
    NOTEBOOKS_DIR,
    ChromiumBrowser,
    LabServer,
    NotebookSession,
    target_js_for_figure,
)

# Kernel code that installs each variant. Every snippet first restores what
# the project ships, so the order of the rounds does not matter.
_RESET = """
import dlcore.live.widgets as _w
_w._shipped_png = getattr(_w, "_shipped_png", _w.png_bytes)
_w.png_bytes = _w._shipped_png
_w.widget_busy_status(False)
import dlcore.live.text_cache as _tc
_tc.install()
import sys as _sys
_sys.setswitchinterval(0.005)  # Python's default
_w.set_fast_frames(True)
"""

_ZLIB = """
import zlib as _zlib
_w.png_bytes = lambda pixels, compress=None: _w._shipped_png(pixels, _zlib.compress)
"""

_RGB_ROWS = """
import struct as _struct
import numpy as _np

def _rgb_png(pixels, compress=None):
    h, w, _ = pixels.shape
    raw = _np.zeros((h, 1 + 3 * w), _np.uint8)
    raw[:, 1:].reshape(h, w, 3)[...] = pixels[..., :3]
    header = _struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunks = [(b"IHDR", header), (b"IDAT", _w.DEFLATE(raw, 1)), (b"IEND", b"")]
    return b"\\x89PNG\\r\\n\\x1a\\n" + b"".join(_w._png_chunk(*c) for c in chunks)

_w.png_bytes = _rgb_png
"""

_BUSY = """
_w.widget_busy_status(True)
"""

_NO_TEXT_CACHE = """
_tc.uninstall()
"""

_IPYMPL_FRAMES = """
_w.set_fast_frames(False)
"""

_SWITCH_05MS = """
_sys.setswitchinterval(0.0005)
"""

_COLS = ("sent", "toDURL", "ksent", "socket", "image", "drawn")  # bench_latency

VARIANTS = {
    "encoder": (("zlib", _RESET + _ZLIB), ("default", _RESET)),
    "rows": (("RGB rows", _RESET + _RGB_ROWS), ("RGBA rows", _RESET)),
    "busy": (("busy shown", _RESET + _BUSY), ("no busy", _RESET)),
    "text": (("Agg text", _RESET + _NO_TEXT_CACHE), ("text cache", _RESET)),
    "frames": (("ipympl", _RESET + _IPYMPL_FRAMES), ("fast frames", _RESET)),
    "switch": (
        ("GIL 5 ms", _RESET),
        ("GIL 0.5 ms", _RESET + _SWITCH_05MS),
    ),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("variant", choices=sorted(VARIANTS))
    ap.add_argument("notebook", help="path under the project, e.g. notebooks/08_...")
    ap.add_argument("--sliders", type=int, default=2, help="the first N sliders")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--presses", type=int, default=10, help="per round and variant")
    ap.add_argument("--device-scale-factor", type=float, default=1.0)
    args = ap.parse_args(argv)

    path = Path(args.notebook)
    rel = path.relative_to("notebooks") if path.parts[0] == "notebooks" else path
    variants = VARIANTS[args.variant]
    rows = []
    with (
        LabServer({"notebooks": NOTEBOOKS_DIR}) as lab,
        ChromiumBrowser(device_scale_factor=args.device_scale_factor) as browser,
        NotebookSession(browser, lab, f"notebooks/{rel}") as nb,
    ):
        nb.restart_and_run_all(timeout=600)
        sliders = [s for s in nb.discover()["sliders"] if s["visible"]]
        for slider in sliders[: args.sliders]:
            target = target_js_for_figure(slider["figure"])
            got = {name: ([], []) for name, _ in variants}
            for _ in range(args.rounds):
                for name, code in variants:
                    nb.kernel_eval(code)
                    samples, phases, _ = measure_presses(
                        nb, slider, "canvas", target, args.presses
                    )
                    got[name][0].extend(samples)
                    got[name][1].extend(phases)
            for name, _ in variants:
                samples, phases = got[name]
                rows.append((slider["label"], name, samples, phase_medians(phases)))
        nb.kernel_eval(_RESET)

    print(
        f"A/B '{args.variant}' on {rel}, devicePixelRatio "
        f"{args.device_scale_factor:g}, {args.rounds} rounds × {args.presses} "
        "presses per variant, interleaved (ms after the key press)"
    )
    print(
        f"{'slider':22} {'variant':12} {'p50':>6} {'p95':>6} {'n':>4}   "
        + " ".join(f"{c:>6}" for c in _COLS)
    )
    for label, name, samples, mid in rows:
        print(
            f"{label[:22]:22} {name:12} {pct(samples, 0.5):6.1f} "
            f"{pct(samples, 0.95):6.1f} {len(samples):4d}   "
            + " ".join(_f(mid[c], "6.1f") for c in _COLS)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
