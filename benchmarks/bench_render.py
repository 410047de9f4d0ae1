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
pixels), side by side.

A second table steps the panel's first slider ``--moves`` times through
``Panel``'s own path (compute, draw, render, readout; no page, so nothing is
sent), at ratio 1 and 2: the p50 of ``Panel.timings`` (compute; draw =
update + repaint), the share of steps that were blits, and what a page would
get for each step, ``encode("deflate", since=the frame before)``: the share
of pixels that changed, the share the rectangle around them covers, the time
to find, copy and deflate them, and the deflated size.

    python benchmarks/bench_render.py              # every panel, ~3 min
    python benchmarks/bench_render.py ewa optim    # panels whose name matches

Output: benchmarks/results/bench_render.txt (and printed).
"""

from __future__ import annotations

import argparse
import functools
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


def step(w, d: int) -> int:
    """Move slider ``w`` one step in direction ``d`` (turning at the ends,
    like arrow keys); returns the direction taken."""
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
    return d


def moves(panel, n: int) -> dict | None:
    """Step the first slider ``n`` times through ``Panel``'s own path; after
    each step, the change a page would get (``encode`` since the frame
    before) is encoded and measured."""
    w = first_slider(panel)
    if w is None or n <= 0:
        return None
    fw = panel.figure_widget
    start, renders, blits = w.value, panel.renders, panel.blits
    mark, d, sent = len(panel.timings), 1, []
    before = (fw.seq, fw.frame())
    for _ in range(n):
        d = step(w, d)
        ms, (content, data) = _ms(functools.partial(fw.encode, "deflate", since=before))
        area = content["width"] * content["height"]
        box = content["w"] * content["h"] / area
        sent.append((content["pixels"] / area, box, ms, len(data)))
        before = (fw.seq, fw.frame())
    t = np.array(list(panel.timings)[mark:], float)
    done, blitted = panel.renders - renders, panel.blits - blits
    w.value = start
    if not len(t):
        return None
    changed, box, enc, size = np.median(np.array(sent), axis=0)
    return {
        "label": w.description,
        "compute": float(np.median(t[:, 0])),
        "draw": float(np.median(t[:, 1])),
        "blits": blitted / done if done else float("nan"),
        "changed": changed,
        "box": box,
        "encode": enc,
        "kb": size / 1024,
    }


def frame_cells(r: dict) -> str:
    be = None if r["blit"] is None else r["blit"] + r["encode"]
    return (
        f"{r['shape']:>14} {fmt(r['blit'], '5.1f')} {r['full']:5.1f} "
        f"{r['encode']:5.1f} {fmt(be, '5.1f')} "
        f"{r['full'] + r['encode']:5.1f} {r['kb']:4.0f}"
    )


def step_cells(m: dict | None) -> str:
    if m is None:
        return f"{'—':>41}"
    return (
        f"    {m['compute']:5.1f} {m['draw']:5.1f} {m['blits']:5.0%} "
        f"{m['changed']:5.1%} {m['box']:5.0%} {m['encode']:5.1f} {m['kb']:5.1f}"
    )


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
        f"{'enc':>5} {'b+e':>5} {'f+e':>5} {'KB':>4}"
    )
    move_cols = " | ".join(
        f"r={r}: {'comp':>5} {'draw':>5} {'blit':>5} {'chg':>5} {'box':>5} "
        f"{'enc':>5} {'KB':>5}"
        for r in (1, 2)
    )
    lines = [f"{'panel':27} {cols}", "-" * (28 + len(cols))]
    steps = [
        f"{'panel':27} {'slider':>14} {move_cols}",
        "-" * (43 + len(move_cols)),
    ]
    print("\n".join(lines), flush=True)
    for nb, mod, factory in PANELS:
        if args.match and not any(m in factory for m in args.match):
            continue
        module = importlib.import_module(f"dlcore.live.panels.{mod}")
        panel = getattr(module, factory)()
        fw = panel.figure_widget
        res, mv = [], []
        for ratio in (1.0, 2.0):
            fw.set_pixel_ratio(ratio)
            mv.append(moves(panel, args.moves))
            res.append(frames(fw, args.repeats))
        fw.set_pixel_ratio(1.0)
        name = f"{(nb + ' ' + factory)[:27]:27}"
        line = f"{name} " + " | ".join(frame_cells(r) for r in res)
        lines.append(line)
        print(line, flush=True)
        if mv[0]:
            cells = " | ".join(step_cells(m) for m in mv)
            steps.append(f"{name} {mv[0]['label'][:14]:>14} {cells}")
        panel.close()
    first = len(lines)
    lines += [
        "",
        "  size: frame in pixels; blit / full: drawing only; enc: copy + deflate",
        "  of the whole frame; b+e / f+e: a blit frame / a full frame (draw +",
        "  encode); KB: the whole frame deflated; blit — : the panel has no",
        "  animated artists (every frame is full)",
        "",
        f"One step of the first slider through Panel (p50 of {args.moves} steps)",
        "",
        *steps,
        "",
        "  comp / draw: Panel.timings (compute; update + repaint); blit: share",
        "  of the steps that blitted; then what a page would get for the step,",
        "  encode(since=the frame before): chg = changed pixels and box = the",
        "  rectangle around them, as shares of the frame; enc: finding them,",
        "  copying and deflating (ms); KB: deflated. A page gets only the",
        "  changed pixels (dlcore/live/figure.py); box is what sending the",
        "  rectangle would take.",
        "",
        f"  load average at end: {benchlib.loadavg()}",
        f"  wall time: {time.monotonic() - t_start:.0f} s",
    ]
    benchlib.write_results("bench_render.txt", "\n".join(lines[:0] + head + lines))
    print("\n".join(lines[first:]))
    print(
        f"\nwritten to {(benchlib.RESULTS_DIR / 'bench_render.txt').relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
