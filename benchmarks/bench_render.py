"""What one frame of each panel costs in the kernel: blit vs full redraw.

Not a test: it writes one table and exits 0. No browser: every panel of the
course is built in this process (``dlcore.live.panels``), and its
``FigureWidget`` (``dlcore/live/figure.py``) renders frames without a page
(nothing is sent). Per panel, medians over ``--repeats`` frames, blit and full
interleaved, in ms:

    blit      ``render()`` when only the animated artists changed: restore
              the cached background, draw the animated artists
    full      ``render(full=True)``: the whole figure drawn by Agg
    encode    ``encode("deflate")``: the RGBA pixels copied and deflated
              (ISA-L's deflate when ``isal`` is installed), as sent to the page
    KB        the deflated frame's size (what goes over the WebSocket)

so a blit frame costs blit + encode and a full frame full + encode. The same
again at devicePixelRatio 2 (``set_pixel_ratio(2)``: dpi × 2, four times the
pixels), side by side. ``move`` steps the panel's first slider ``--moves``
times through ``Panel``'s own path (compute, draw, render, readout; no page,
so no send) and gives the p50 of ``Panel.timings`` (compute; draw = update +
repaint + encode) and the share of moves that were blits.

    python benchmarks/bench_render.py              # every panel, ~3 min
    python benchmarks/bench_render.py ewa optim    # panels whose name matches

Output: benchmarks/results/bench_render.txt (and printed).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import ipywidgets as W
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
from benchlib import ROOT, fmt

from dlcore.live.controls import BetaSlider
from dlcore.live.figure import DEFLATE

# (notebook, module, factory): every panel the course notebooks build
PANELS = [
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
    ("06", "minibatch", "minibatch_panel"),
    ("07", "ewa", "ewa_panel"),
    ("08", "optimizers", "optimizer_panel"),
    ("09", "batchnorm", "hist_panel"),
    ("09", "batchnorm", "lr_panel"),
    ("10", "search", "grid_vs_random_panel"),
    ("10", "search", "sampling_scale_panel"),
    ("10", "search", "coarse_to_fine_panel"),
    ("11", "softmax", "temperature_panel"),
    ("11", "softmax", "digits_panel"),
]


def _ms(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return 1e3 * (time.perf_counter() - t), out


def frames(fw, repeats: int) -> dict:
    """Medians of blit, full and encode (ms) and the frame's deflated size."""
    fw.render(full=True)
    blit, full, enc, size, blits = [], [], [], [], 0
    for _ in range(repeats):
        ms, was_blit = _ms(lambda: fw.render(full=False))
        if was_blit:
            blit.append(ms)
            blits += 1
        ms, (_, data) = _ms(lambda: fw.encode("deflate"))
        enc.append(ms)
        size.append(len(data))
        ms, _ = _ms(lambda: fw.render(full=True))
        full.append(ms)
    w, h = fw.fig.canvas.get_width_height()
    return {
        "shape": f"{w}×{h}",
        "blit": float(np.median(blit)) if blit else None,
        "full": float(np.median(full)),
        "encode": float(np.median(enc)),
        "kb": float(np.median(size)) / 1024,
    }


def first_slider(panel):
    """The panel's first slider (a BetaSlider's inner one), or None."""
    for w in panel.controls.values():
        if isinstance(w, BetaSlider):
            return w.slider
        if isinstance(w, (W.FloatSlider, W.IntSlider, W.FloatLogSlider)):
            return w
    return None


def moves(panel, n: int) -> dict | None:
    """Step the first slider ``n`` times (turning at the ends), like arrow keys."""
    w = first_slider(panel)
    if w is None or n <= 0:
        return None
    start, renders, blits = w.value, panel.renders, panel.blits
    mark = len(panel.timings)
    d = 1
    for _ in range(n):
        if isinstance(w, W.FloatLogSlider):
            x = np.log(w.value) / np.log(w.base) + d * w.step
            if not w.min <= x <= w.max:
                d = -d
                x += 2 * d * w.step
            w.value = float(w.base**x)
        else:
            v = w.value + d * w.step
            if not w.min - 1e-12 <= v <= w.max + 1e-12:
                d = -d
                v = w.value + d * w.step
            w.value = type(w.value)(v)
    t = np.array(list(panel.timings)[mark:], float)
    done, blitted = panel.renders - renders, panel.blits - blits
    w.value = start
    if not len(t):
        return None
    return {
        "label": w.description,
        "compute": float(np.median(t[:, 0])),
        "draw": float(np.median(t[:, 1])),
        "blits": blitted / done if done else float("nan"),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("match", nargs="*", help="only panels whose name contains one")
    ap.add_argument("--repeats", type=int, default=9, help="frames of each kind")
    ap.add_argument("--moves", type=int, default=10, help="slider steps per panel")
    args = ap.parse_args(argv)
    head = benchlib.header(
        "Kernel-side cost of one frame per panel (ms; medians)",
        ("matplotlib", "numpy", "isal", "jax", "anywidget"),
        browser=False,
    )
    head.append(f"  frames: deflate by {DEFLATE.__module__}; {args.repeats} of each")
    print("\n".join(head), flush=True)
    t_start = time.monotonic()
    cols = (
        f"{'r=1: size':>14} {'blit':>5} {'full':>5} {'enc':>5} {'b+e':>5} "
        f"{'f+e':>5} {'KB':>4} | {'r=2: size':>14} {'blit':>5} {'full':>5} "
        f"{'enc':>5} {'b+e':>5} {'f+e':>5} {'KB':>4} | {'move: slider':>14} "
        f"{'comp':>5} {'draw':>5} {'blit%':>5}"
    )
    lines = [f"{'panel':27} {cols}", "-" * (28 + len(cols))]
    print("\n".join(lines), flush=True)
    for nb, mod, factory in PANELS:
        if args.match and not any(m in factory for m in args.match):
            continue
        module = importlib.import_module(f"dlcore.live.panels.{mod}")
        panel = getattr(module, factory)()
        fw = panel.figure_widget
        mv = moves(panel, args.moves)
        res = [frames(fw, args.repeats)]
        fw.set_pixel_ratio(2.0)
        res.append(frames(fw, args.repeats))
        fw.set_pixel_ratio(1.0)
        parts = []
        for r in res:
            be = None if r["blit"] is None else r["blit"] + r["encode"]
            parts.append(
                f"{r['shape']:>14} {fmt(r['blit'], '5.1f')} {r['full']:5.1f} "
                f"{r['encode']:5.1f} {fmt(be, '5.1f')} "
                f"{r['full'] + r['encode']:5.1f} {r['kb']:4.0f}"
            )
        if mv:
            parts.append(
                f"{mv['label'][:14]:>14} {mv['compute']:5.1f} {mv['draw']:5.1f} "
                f"{mv['blits']:5.0%}"
            )
        else:
            parts.append(f"{'no slider':>14}")
        line = f"{(nb + ' ' + factory)[:27]:27} " + " | ".join(parts)
        lines.append(line)
        print(line, flush=True)
        panel.close()
    lines += [
        "",
        "  size: frame in pixels; blit / full: drawing only; enc: copy + deflate;",
        "  b+e / f+e: a blit frame / a full frame (draw + encode); KB: deflated;",
        "  blit — : the panel has no animated artists (every frame is full);",
        "  move: p50 of Panel.timings over the first slider's steps (comp:",
        "  compute; draw: update + repaint + encode), blit%: moves that blitted",
        "",
        f"  load average at end: {benchlib.loadavg()}",
        f"  wall time: {time.monotonic() - t_start:.0f} s",
    ]
    benchlib.write_results("bench_render.txt", "\n".join(lines[:0] + head + lines))
    print("\n".join(lines[-3:]))
    print(
        f"\nwritten to {(benchlib.RESULTS_DIR / 'bench_render.txt').relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
