"""Where a repaint's time goes in the kernel, for every panel of the course.

Not a test: it prints one table and exits 0. No browser: each panel is built
in this process on ipympl's canvas (as after the browser has connected), and
each slider is stepped like key presses. One row per slider, medians in ms:

    compute   the panel's jitted ``compute``
    update    its ``draw`` (artists updated in place)
    paint     rasterizing: blit the animated artists, or draw everything
    encode    the frame to PNG (``widgets._full_frame_png``)
    total     compute + update + paint + encode (what the kernel adds to the
              widget round trip of ``bench_latency.py``)
    full      the share of moves that redrew the whole figure (not a blit)
    texts     strings laid out and rasterized per move (median); strings
              replayed by ``dlcore.live.text_cache`` are not counted
    KB        PNG size of one frame

A second table times a full redraw of each panel's figure (what a dropdown
change, new axis limits or the first frame costs) with matplotlib's own
text drawing and with ``dlcore.live.text_cache`` (repeated strings replayed),
interleaved, as medians, and checks that both give the same pixels.

A third table encodes each panel's last frame four ways, side by side:
``dlcore.live.widgets.png_bytes`` (what the panels send: ISA-L's deflate when the
``isal`` package is installed), the same with the standard library's zlib,
and Pillow at zlib levels 1 and 6 (6 is what matplotlib's own
``get_diff_image`` uses), as median ms and KB over repeated encodes, with
each one's ratio to ``png_bytes``.

    python benchmarks/bench_render.py              # every panel, ~3 min
    python benchmarks/bench_render.py ewa optim    # panels whose name matches
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "module://ipympl.backend_nbagg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ipywidgets as W  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402

matplotlib.use("module://ipympl.backend_nbagg")

from dlcore import text_cache  # noqa: E402
from dlcore.live.widgets import DEFLATE, BetaSlider  # noqa: E402

# (notebook, module, factory): every panel the course notebooks build
PANELS = [
    ("00/08", "ewa", "ewa_panel"),
    ("01", "normalizing", "normalizing_panel"),
    ("02", "vanishing", "chain_panel"),
    ("02", "vanishing", "deep_net_panel"),
    ("02", "vanishing", "clipping_panel"),
    ("03", "initialization", "init_panel"),
    ("03", "initialization", "training_panel"),
    ("04", "regularization", "diagnosis_panel"),
    ("04", "regularization", "regularization_panel"),
    ("04", "regularization", "early_stopping_panel"),
    ("04", "regularization", "augmentation_panel"),
    ("05", "gradcheck", "eps_panel"),
    ("05", "gradcheck", "bug_panel"),
    ("05", "gradcheck", "dropout_panel"),
    ("06", "batchnorm", "hist_panel"),
    ("06", "batchnorm", "lr_panel"),
    ("07", "minibatch", "minibatch_panel"),
    ("09", "optimizers", "optimizer_panel"),
    ("10", "search", "grid_vs_random_panel"),
    ("10", "search", "sampling_scale_panel"),
    ("10", "search", "coarse_to_fine_panel"),
    ("11", "softmax", "temperature_panel"),
    ("11", "softmax", "digits_panel"),
]


def steps(w, n: int) -> list:
    """``n`` values a keyboard would visit from the current one (arrow keys,
    turning back at the ends); every option of a dropdown or toggle."""
    if isinstance(w, (W.ToggleButton, W.Checkbox)):
        return [not w.value, w.value] * (n // 2)
    if hasattr(w, "options"):
        opts = [o[1] if isinstance(o, tuple) else o for o in w.options]
        return (opts * n)[:n] if len(opts) > 1 else []
    if isinstance(w, BetaSlider):
        w = w._slider  # the handle moves in r = -log10(1 - beta)
    if not hasattr(w, "step") or not hasattr(w, "min"):
        return []
    out, v, d = [], w.value, 1
    for _ in range(n):
        if isinstance(w, W.FloatLogSlider):
            x = np.log(v) / np.log(w.base) + d * w.step
            if not w.min <= x <= w.max:
                d = -d
                x = np.log(v) / np.log(w.base) + d * w.step
            v = float(w.base**x)
        else:
            x = v + d * w.step
            if not w.min - 1e-12 <= x <= w.max + 1e-12:
                d = -d
                x = v + d * w.step
            v = type(w.value)(x)
        out.append(v)
    return out


def _rasterized() -> int:
    return text_cache.STATS["rasterized"]


def full_redraws(fig, repeats: int = 9) -> tuple[float, float, bool]:
    """(median ms without, with dlcore.live.text_cache, same pixels?) for a full
    Agg redraw of ``fig``, the two interleaved; the cache is installed after."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def draw() -> tuple[float, np.ndarray]:
        t = time.perf_counter()
        FigureCanvasAgg.draw(fig.canvas)
        ms = 1e3 * (time.perf_counter() - t)
        return ms, np.asarray(fig.canvas.buffer_rgba()).copy()

    plain, cached, same = [], [], True
    try:
        for _ in range(repeats):
            text_cache.uninstall()
            ms, a = draw()
            plain.append(ms)
            text_cache.install()
            ms, b = draw()
            cached.append(ms)
            same &= a.shape == b.shape and bool(np.array_equal(a, b))
    finally:
        text_cache.install()
    return float(np.median(plain)), float(np.median(cached)), same


class Clock:
    """Wraps a callable and records how long each call took (ms)."""

    def __init__(self, fn):
        self.fn, self.ms = fn, []

    def __call__(self, *a, **k):
        t = time.perf_counter()
        try:
            return self.fn(*a, **k)
        finally:
            self.ms.append(1e3 * (time.perf_counter() - t))


def move(panel, name: str, v) -> None:
    w = panel.controls[name]
    if isinstance(w, BetaSlider):
        w._slider.value = v
        panel.flush()
    else:
        panel.set(**{name: v})


def go_live(panel) -> None:
    """What the browser does when it shows the canvas: say hello, ask for a
    frame (the panel then blits on the background that draw captures)."""
    canvas = panel.fig.canvas
    hello = {"method": "custom", "content": {"type": "initialized"}}
    canvas._handle_msg({"content": {"data": hello}, "buffers": []})
    canvas.draw()


def measure(panel, name: str, values: list) -> dict:
    canvas = panel.fig.canvas
    draw, encode = Clock(panel.draw), Clock(canvas.get_diff_image)
    panel.draw, canvas.get_diff_image = draw, encode
    sizes = []
    send = canvas.send_binary
    canvas.send_binary = lambda data: sizes.append(len(data))
    rows = []
    try:
        for v in values:
            n_enc, blits, t_len = len(encode.ms), panel.blits, len(panel.timings)
            texts = _rasterized()
            move(panel, name, v)
            if len(panel.timings) == t_len:
                continue  # nothing rendered (e.g. rounded to the same value)
            compute, rest = panel.timings[-1]
            enc = sum(encode.ms[n_enc:])
            upd = draw.ms[-1]
            paint = max(0.0, rest - upd - enc)
            full = panel.blits == blits
            rows.append((compute, upd, paint, enc, full, _rasterized() - texts))
    finally:
        panel.draw, canvas.get_diff_image, canvas.send_binary = (
            draw.fn,
            encode.fn,
            send,
        )
    if not rows:
        return {}
    a = np.array(rows, dtype=float)
    med = np.median(a[:, :4], axis=0)
    return {
        "n": len(rows),
        "compute": med[0],
        "update": med[1],
        "paint": med[2],
        "encode": med[3],
        "total": float(np.median(a[:, :4].sum(axis=1))),
        "p95": float(np.percentile(a[:, :4].sum(axis=1), 95)),
        "full": float(a[:, 4].mean()),
        "texts": float(np.median(a[:, 5])),
        "kb": float(np.median(sizes)) / 1024 if sizes else float("nan"),
    }


def encoders(pixels: np.ndarray, repeats: int = 15) -> list[tuple[float, int]]:
    """(median ms, bytes) for png_bytes (its default deflate, then the standard
    zlib), Pillow level 1 and Pillow level 6."""
    import io
    import zlib

    import PIL.Image

    from dlcore.live.widgets import png_bytes

    opaque = bool((pixels[..., 3] == 255).all())
    data = np.ascontiguousarray(pixels[..., :3]) if opaque else pixels

    def pillow(level):
        with io.BytesIO() as out:
            PIL.Image.fromarray(data).save(out, format="png", compress_level=level)
            return out.getvalue()

    out = []
    for fn in (
        lambda: png_bytes(pixels),
        lambda: png_bytes(pixels, compress=zlib.compress),
        lambda: pillow(1),
        lambda: pillow(6),
    ):
        clock = Clock(fn)
        png = [clock() for _ in range(repeats)][-1]
        out.append((float(np.median(clock.ms)), len(png)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("match", nargs="*", help="only panels whose name contains one")
    ap.add_argument("--moves", type=int, default=20, help="moves per slider")
    args = ap.parse_args(argv)
    import matplotlib.pyplot as plt

    text_cache.install()  # as a panel's figure() does
    frames = {}  # factory -> its last frame's pixels
    redraws = {}  # factory -> full_redraws(...)
    print(
        f"{'panel: slider':44} {'n':>3} {'compute':>8} {'update':>7} {'paint':>6} "
        f"{'encode':>7} {'total':>6} {'p95':>6} {'full':>5} {'texts':>5} {'KB':>5}"
    )
    for nb, mod, factory in PANELS:
        if args.match and not any(m in factory for m in args.match):
            continue
        module = importlib.import_module(f"dlcore.live.panels.{mod}")
        with plt.ioff():
            panel = getattr(module, factory)()
        go_live(panel)
        for name, w in panel.controls.items():
            if isinstance(w, W.Button):
                continue
            start = w.value
            r = measure(panel, name, steps(w, args.moves))
            panel.set(**{name: start})
            if not r:
                continue
            label = f"{nb} {factory}: {getattr(w, 'description', '') or name}"
            print(
                f"{label[:44]:44} {r['n']:3d} {r['compute']:8.1f} {r['update']:7.1f} "
                f"{r['paint']:6.1f} {r['encode']:7.1f} {r['total']:6.1f} "
                f"{r['p95']:6.1f} {r['full']:5.0%} {r['texts']:5.0f} {r['kb']:5.0f}",
                flush=True,
            )
        frames[factory] = np.array(panel.fig.canvas.buffer_rgba())
        redraws[factory] = full_redraws(panel.fig)
        panel.close()
    print(
        f"\n{'full redraw (ms)':30} {'shape':>9} {'matplotlib':>10} "
        f"{'text cache':>10} {'ratio':>6}  same pixels"
    )
    for factory, (plain, cached, same) in redraws.items():
        pixels = frames[factory]
        shape = f"{pixels.shape[1]}×{pixels.shape[0]}"
        print(
            f"{factory:30} {shape:>9} {plain:10.1f} {cached:10.1f} "
            f"{plain / cached:5.1f}×  {'yes' if same else 'NO'}",
            flush=True,
        )
    print(
        f"\n{'frame encoding (ms, KB)':30} {'shape':>9} {'png_bytes':>11} "
        f"{'… zlib':>11} {'Pillow 1':>11} {'Pillow 6':>11} "
        f"{'÷ zlib':>7} {'÷ Pil 1':>7} {'÷ Pil 6':>7}"
    )
    print(f"{'(png_bytes: ' + DEFLATE.__module__ + ')':30}")
    for factory, pixels in frames.items():
        (t0, b0), (tz, bz), (t1, b1), (t6, b6) = encoders(pixels)
        shape = f"{pixels.shape[1]}×{pixels.shape[0]}"
        print(
            f"{factory:30} {shape:>9} {t0:5.1f} {b0 / 1024:5.0f} "
            f"{tz:5.1f} {bz / 1024:5.0f} {t1:5.1f} {b1 / 1024:5.0f} "
            f"{t6:5.1f} {b6 / 1024:5.0f} {tz / t0:6.1f}× {t1 / t0:6.1f}× "
            f"{t6 / t0:6.1f}×",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
