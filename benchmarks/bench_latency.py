"""Slider → repaint latency in a real browser (JupyterLab + Debian's Chromium).

Not a test: it prints tables and always exits 0. See benchmarks/README.md
("Slider latency in the browser") for what is measured and how to read it.

    python benchmarks/bench_latency.py            # everything, ~12 min
    python benchmarks/bench_latency.py --quick    # 8 presses, no course notebooks
    python benchmarks/bench_latency.py --quick --no-course --device-scale-factor 1 2
        # every slider again on a HiDPI page (devicePixelRatio 2), side by side

Both timestamps of a measurement come from the page's clock
(``performance.now()``): the key press is the ``timeStamp`` of the trusted
``keydown`` event (seen in the capture phase), the repaint is the first
``requestAnimationFrame`` after the new figure content reached the screen
canvas (ipympl: ``drawImage`` of a kernel image into the figure canvas;
inline: the new ``<img>`` decoded; label: its text changed). The harness is
shared with the browser test: tests/browser/harness.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import harness  # noqa: E402
from harness import (  # noqa: E402
    FIXTURES_DIR,
    NOTEBOOKS_DIR,
    ChromiumBrowser,
    HarnessError,
    LabServer,
    NotebookSession,
    target_js_for_figure,
    target_js_for_label,
    target_js_for_output,
)

TARGET_P50, TARGET_P95, TARGET_RATIO = 50.0, 100.0, 4.0
TARGET_SETTLE, TARGET_FIRST_FIGURE = 200.0, 10_000.0

# --------------------------------------------------------------------------
# Generated notebooks
# --------------------------------------------------------------------------


def _nb(*cells: str) -> dict:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{i}",
                "metadata": {},
                "outputs": [],
                "source": src,
            }
            for i, src in enumerate(cells)
        ],
        "metadata": {"kernelspec": dict(harness.KERNELSPEC)},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


FLOOR_NB = _nb(
    "import ipywidgets as widgets",
    """\
n = widgets.IntSlider(0, min=0, max=1000, description="n")
out = widgets.Label("0")
out.add_class("dlh-floor-label")
n.observe(lambda ch: setattr(out, "value", str(ch["new"])), "value")
widgets.HBox([n, out])""",
)

EWA_NB = _nb(
    "%matplotlib widget\nfrom dlcore.live.panels.ewa import ewa_panel",
    "panel = ewa_panel()\npanel",
)

OPT_NB = _nb(
    "%matplotlib widget\nfrom dlcore.live.panels.optimizers import optimizer_panel",
    "panel = optimizer_panel()\npanel",
)

# The panel's own per-render timings (dlcore.live.widgets.Panel.timings), read from
# the kernel after the measurements: how much of a repaint is compute + draw.
PANEL_TIMINGS_CODE = """\
import json as _json
import numpy as _np
try:
    _t = _np.asarray(panel.timings, dtype=float).reshape(-1, 2)
    print(_json.dumps({"renders": int(panel.renders), "stale": int(panel.stale),
                       "blits": int(getattr(panel, "blits", -1)),
                       "compute_p50": float(_np.median(_t[:, 0])),
                       "draw_p50": float(_np.median(_t[:, 1]))}))
except Exception as _e:
    print(_json.dumps({"error": repr(_e)}))
"""

# The naive baselines: %matplotlib inline + @interact, a new figure from scratch
# on every change, the same content and size as the panel, and the SAME jitted
# computation (so the difference is the rendering path, not the numerics).
NAIVE_FIXTURE_NB = _nb(
    """\
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatSlider, IntSlider, interact

x = np.linspace(0.0, 2.0 * np.pi, 400)""",
    """\
@interact(k=IntSlider(1, min=1, max=10, description="k"),
          a=FloatSlider(1.0, min=0.1, max=2.0, step=0.1, description="a"))
def show(k, a):
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(x, a * np.sin(k * x))
    ax.set_ylim(-2.2, 2.2)
    ax.set_title(f"k = {k}, a = {a:.1f}")
    plt.show()""",
)

NAIVE_EWA_NB = _nb(
    """\
%matplotlib inline
import functools
import jax
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatSlider, interact
from dlcore.data import make_temperature
from dlcore.ewa import ewa

DAYS = 365
t = np.arange(1, DAYS + 1)
key = jax.random.key(0)


@functools.partial(jax.jit, static_argnames=("days", "noise"))
def series(key, beta, days, noise):
    theta = make_temperature(key, days, noise)
    return theta, ewa(theta, beta, True), ewa(theta, beta, False)""",
    """\
@interact(beta=FloatSlider(0.9, min=0.5, max=0.999, step=0.001, description="β",
                           readout_format=".3f"))
def show(beta):
    theta, v, v_unc = map(np.asarray, series(key, beta, DAYS, 5.0))
    fig, ax = plt.subplots(figsize=(8.0, 3.4), dpi=80)
    ax.plot(t, theta, ".", ms=2.5, color="0.6", label="θ_t")
    ax.plot(t, v, color="tab:red", lw=2.6, label="corrected v_t / (1−β^t)")
    ax.plot(t, v_unc, "--", color="tab:blue", lw=1.0, alpha=0.6,
            label="uncorrected v_t")
    w = 1.0 / (1.0 - beta)
    ax.plot([max(1.0, DAYS - w), DAYS], [0.84, 0.84], "|-", color="black", lw=1.5,
            ms=10, transform=ax.get_xaxis_transform())
    ax.text(0.98, 0.95, f"β = {beta:.4g}: averages over ≈ 1/(1−β) = {w:.0f} days",
            transform=ax.transAxes, ha="right", va="top", fontsize="small")
    ax.set(xlabel="day t", ylabel="temperature (°F)", xlim=(0, DAYS + 1),
           ylim=(min(0.0, theta.min()) - 3, theta.max() + 3))
    ax.legend(loc="upper left", ncol=3, fontsize="small")
    fig.tight_layout()
    plt.show()""",
)

NAIVE_OPT_NB = _nb(
    """\
%matplotlib inline
import math
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatLogSlider, FloatSlider, interact
from dlcore.demos.optimizers import OPTIMIZERS, SURFACES, PathHyper, grid
from dlcore.demos.optimizers import contour_levels, optimizer_paths

S = SURFACES["quadratic"]
XS, YS, Z = map(np.asarray, grid(S, 80))
LEVELS = contour_levels(Z, S.f_min)
REF = S.f_min if math.isfinite(S.f_min) else float(np.nanmin(Z))
STEPS = 150""",
    """\
@interact(
    alpha=FloatLogSlider(S.alpha, min=-4, max=0, step=0.05, description="α",
                         readout_format=".1e"),
    beta=FloatSlider(0.9, min=0.0, max=0.99, step=0.01, description="β (mom, RMS)"),
    beta1=FloatSlider(0.9, min=0.0, max=0.99, step=0.01, description="β1 (Adam)"),
    x0=FloatSlider(S.start[0], min=S.xlim[0], max=S.xlim[1], step=0.01,
                   description="start x"),
    y0=FloatSlider(S.start[1], min=S.ylim[0], max=S.ylim[1], step=0.01,
                   description="start y"),
)
def show(alpha, beta, beta1, x0, y0):
    out = optimizer_paths(S, (x0, y0), PathHyper(alpha, beta, beta1),
                          num_steps=STEPS)
    theta, loss = np.asarray(out.theta), np.asarray(out.loss)
    fig, (ax_c, ax_l) = plt.subplots(1, 2, figsize=(9.6, 3.9), dpi=80,
                                     width_ratios=[1.15, 1])
    ax_c.contour(XS, YS, Z, levels=LEVELS, colors="0.55", linewidths=0.8)
    ax_c.plot(*S.minimum, "*", color="black", markersize=12)
    for name, path in zip(OPTIMIZERS, theta):
        (line,) = ax_c.plot(path[:, 0], path[:, 1], lw=1.8, label=name)
        ax_c.plot(*path[-1], "o", color=line.get_color(), markersize=6)
    ax_c.plot(x0, y0, "o", mfc="white", mec="black", markersize=8)
    ax_c.set(xlim=S.xlim, ylim=S.ylim, title=f"J = {S.formula}")
    ax_c.legend(loc="upper right", fontsize="small")
    gap = np.where(np.isfinite(loss), np.maximum(loss - REF, 1e-12), loss)
    for name, g in zip(OPTIMIZERS, gap):
        ax_l.semilogy(np.arange(STEPS + 1), g, label=name)
    ax_l.set(xlabel="step t", ylabel="J(θ_t) − J_min", xlim=(0, STEPS))
    ax_l.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    plt.show()""",
)


@dataclass
class Target:
    """A notebook to measure; baselines share the ``group`` of what they mimic."""

    path: str
    group: str
    requires: tuple[str, ...] = ()
    is_naive: bool = False


def _have(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------

SLIDER_API_JS = r"""
(i) => {
  const t = document.querySelector(`[data-dlh-slider="${i}"] .noUi-target`);
  const api = t && t.noUiSlider;
  if (!api) return null;
  const r = api.options.range;
  const v = api.get();
  return {value: parseFloat(Array.isArray(v) ? v[0] : v),
          min: parseFloat(Array.isArray(r.min) ? r.min[0] : r.min),
          max: parseFloat(Array.isArray(r.max) ? r.max[0] : r.max),
          step: api.options.step || null};
}
"""

AREA_IMG_SIG_JS = r"""
(i) => {
  const s = document.querySelector(`[data-dlh-slider="${i}"]`);
  const area = s.closest('.jp-OutputArea');
  const imgs = area ? area.querySelectorAll('img') : [];
  if (!imgs.length) return null;
  const src = imgs[imgs.length - 1].src;
  let h = 2166136261;
  for (let k = 0; k < src.length; k++) h = Math.imul(h ^ src.charCodeAt(k), 16777619);
  return (h >>> 0).toString(16) + ':' + src.length;
}
"""

DRAG_STATE_JS = r"""
() => { const m = window.__dlh.m;
  return m ? {t0: m.t0, lastKey: m.lastKey, n: m.n, last: m.last,
              lastFrame: m.lastFrame, now: performance.now()} : null; }
"""


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


@dataclass
class SliderResult:
    notebook: str
    group: str
    label: str
    kind: str
    naive: bool
    samples: list[float] = field(default_factory=list)
    phases: list[dict] = field(default_factory=list)
    presses: int = 0
    missed: int = 0  # presses with no repaint (value unchanged after rounding)
    drag: dict | None = None

    @property
    def p50(self) -> float:
        return pct(self.samples, 0.5)

    @property
    def p95(self) -> float:
        return pct(self.samples, 0.95)


def _kind_and_target(nb: NotebookSession, slider: dict) -> tuple[str, str] | None:
    i = slider["index"]
    if slider["figure"] is not None:
        return "canvas", target_js_for_figure(slider["figure"])
    has_label = nb.page.evaluate(
        '(i) => !!document.querySelector(`[data-dlh-slider="${i}"]`)'
        ".closest('.jp-OutputArea').querySelector('.dlh-floor-label')",
        i,
    )
    if has_label:
        return "text", target_js_for_label(i, ".dlh-floor-label")
    if nb.page.evaluate(AREA_IMG_SIG_JS, i) is not None:
        return "img", target_js_for_output(i)
    return None


def _direction(nb: NotebookSession, i: int, current: str) -> str:
    st = nb.page.evaluate(SLIDER_API_JS, i)
    if st is None:
        return current
    span = st["max"] - st["min"]
    step = st["step"] or span / 100
    if current == "ArrowRight" and st["value"] + step > st["max"] + 1e-9 * span:
        return "ArrowLeft"
    if current == "ArrowLeft" and st["value"] - step < st["min"] - 1e-9 * span:
        return "ArrowRight"
    return current


# The phases of one press, in ms after the key press (toDURL: ms spent), named
# as the "Where the time goes" columns; see report() for what each one is.
PHASES = ("sent", "toDURL", "kernel", "ksent", "socket", "image", "drawn", "frame")


def phase_medians(phases: list[dict]) -> dict[str, float | None]:
    """p50 of each of PHASES over the presses that recorded it (None: none)."""
    out = {}
    for key in PHASES:
        vals = [p[key] for p in phases if p[key] is not None]
        out[key] = pct(vals, 0.5) if vals else None
    return out


def _since(m: dict, key: str) -> float | None:
    """ms from a press's key press to its m[key] (None: not recorded)."""
    return None if m[key] is None else m[key] - m["t0"]


def measure_presses(
    nb: NotebookSession, slider: dict, kind: str, target: str, n: int
) -> tuple[list[float], list[dict], int]:
    samples, phases, missed = [], [], 0
    key = "ArrowRight"
    timeout_ms = 3000
    for _ in range(n):
        key = _direction(nb, slider["index"], key)
        m = nb.measure_press(slider["index"], key, kind, target, timeout_ms)
        if m["timeout"] or m["t2"] is None or m["t0"] is None:
            missed += 1
        else:
            samples.append(m["t2"] - m["t0"])
            phases.append(
                {
                    "sent": _since(m, "tSend"),
                    "toDURL": m["tDataUrl"],
                    "kernel": _since(m, "tBusy"),
                    "ksent": _since(m, "tKernelSent"),
                    "socket": _since(m, "tWs"),
                    "image": _since(m, "tBuf"),
                    "drawn": _since(m, "t1"),
                    "frame": _since(m, "t2"),
                }
            )
        nb.wait_quiet(quiet_ms=150, timeout=60, since=m["t0"])
        time.sleep(0.05)
    return samples, phases, missed


def _content_sig(nb: NotebookSession, slider: dict, kind: str) -> str | None:
    if kind == "canvas":
        return nb.canvas_hash(slider["figure"])["hash"]
    if kind == "img":
        return nb.page.evaluate(AREA_IMG_SIG_JS, slider["index"])
    return nb.page.evaluate(
        '(i) => document.querySelector(`[data-dlh-slider="${i}"]`)'
        ".closest('.jp-OutputArea').querySelector('.dlh-floor-label').textContent",
        slider["index"],
    )


def measure_drag(
    nb: NotebookSession,
    slider: dict,
    kind: str,
    target: str,
    seconds: float,
    interval_ms: float = 16.0,
) -> dict:
    """Key presses every ~16 ms for ``seconds`` (from the low end), release, and
    time from the last keydown until the final frame. Then check the final frame:

    - intact (ipympl only): the page shows the kernel's pixels, i.e. the canvas
      does not change when the kernel re-sends the figure as one full image;
    - current: it is the frame of the final value, i.e. the same pixels as
      reaching that value again with one step back and one step forward.
    """
    i = slider["index"]
    page = nb.page
    nb.press_and_settle(i, "Home", quiet_ms=400, timeout=120)
    st = page.evaluate(SLIDER_API_JS, i)
    span = st["max"] - st["min"]
    steps = round(span / st["step"]) if st and st["step"] else 1000
    presses = max(2, min(steps, int(seconds * 1000 / interval_ms)))
    interval = max(interval_ms, seconds * 1000 / presses) / 1000
    handle = nb.handle_locator(i)
    handle.focus()
    page.evaluate(f"() => {{ window.__dlh.arm({json.dumps(kind)}, {target}, 1e9); }}")
    t_start = time.perf_counter()
    for k in range(presses):
        page.keyboard.press("ArrowRight")
        delay = t_start + (k + 1) * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    # Quiet = no new frame and no kernel message for 1 s, and an idle kernel.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        s = page.evaluate(DRAG_STATE_JS)
        st = nb.state()
        last = max(s["last"] or 0, s["lastKey"], st["lastIopub"])
        if st["kernel"] == "idle" and s["now"] - last > 1000:
            break
        time.sleep(0.1)
    s = page.evaluate(DRAG_STATE_JS)
    frames = s["n"]
    settle = None
    if s["lastFrame"] is not None:
        # the frame showing the last repaint; 0 if it came before the release
        settle = max(0.0, s["lastFrame"] - s["lastKey"])
    page.evaluate("() => { window.__dlh.m = null; }")
    final_sig = _content_sig(nb, slider, kind)
    final_value = page.evaluate(SLIDER_API_JS, i)
    intact = None
    kernel_sig = final_sig
    if kind == "canvas" and nb.resend_figures_in_full():
        kernel_sig = _content_sig(nb, slider, kind)
        intact = kernel_sig == final_sig
    nb.press_and_settle(i, "ArrowLeft", quiet_ms=400, timeout=120)
    nb.press_and_settle(i, "ArrowRight", quiet_ms=400, timeout=120)
    if intact is not None:
        nb.resend_figures_in_full()
    ref_sig = _content_sig(nb, slider, kind)
    current = ref_sig == kernel_sig
    verdict = "correct"
    if not current or intact is False:
        verdict = "+".join(
            w
            for w, bad in (("STALE", not current), ("CORRUPT", intact is False))
            if bad
        )
    return {
        "verdict": verdict,
        "intact": intact,
        "current": current,
        "presses": presses,
        "interval_ms": interval * 1000,
        "frames": frames,
        "settle_ms": settle,
        "final_ok": verdict == "correct",
        "final_sig": final_sig,
        "ref_sig": ref_sig,
        "final_value": final_value["value"] if final_value else None,
        "drag_s": presses * interval,
    }


def run_notebook(
    browser: ChromiumBrowser,
    lab: LabServer,
    target: Target,
    presses: int,
    drag_seconds: float | None,
    drag_all: bool,
    log,
) -> tuple[list[SliderResult], dict]:
    results: list[SliderResult] = []
    info: dict = {"notebook": target.path, "group": target.group, "load1": _load1()}
    with NotebookSession(browser, lab, target.path) as nb:
        timing = nb.restart_and_run_all(timeout=900)
        info.update(timing)
        errors = nb.errors()
        if errors:
            info["errors"] = [e["text"][:500] for e in errors]
            log(f"  ! errors in {target.path}: {errors[0]['text'][:300]}")
        found = nb.discover()
        sliders = [s for s in found["sliders"] if s["visible"] and not s["disabled"]]
        log(
            f"  {target.path}: kernel→first figure "
            f"{(timing['first_figure_ms'] or float('nan')) / 1000:.2f} s, "
            f"{len(sliders)} sliders"
        )
        dragged_figures = set()
        for slider in sliders:
            kt = _kind_and_target(nb, slider)
            if kt is None:
                log(f"    - {slider['label']!r}: nothing to watch, skipped")
                continue
            kind, tjs = kt
            r = SliderResult(
                target.path, target.group, slider["label"], kind, target.is_naive
            )
            r.samples, r.phases, r.missed = measure_presses(
                nb, slider, kind, tjs, presses
            )
            r.presses = presses
            fig_key = slider["figure"] if kind == "canvas" else ("area", slider["cell"])
            if drag_seconds and (drag_all or fig_key not in dragged_figures):
                dragged_figures.add(fig_key)
                try:
                    r.drag = measure_drag(nb, slider, kind, tjs, drag_seconds)
                except HarnessError as e:
                    r.drag = {"error": str(e)}
            log(
                f"    - {slider['label']!r:24} {kind:6} p50 {r.p50:7.1f}  "
                f"p95 {r.p95:7.1f}  ({len(r.samples)}/{presses})"
                + (
                    f"  drag settle {r.drag.get('settle_ms') or float('nan'):.0f} ms"
                    if r.drag
                    else ""
                )
            )
            results.append(r)
        if target.path in ("bench/ewa_panel.ipynb", "bench/optimizer_panel.ipynb"):
            try:
                out = nb.kernel_eval(PANEL_TIMINGS_CODE)
                info["panel_timings"] = json.loads(out.strip().splitlines()[-1])
            except (ValueError, IndexError, HarnessError) as e:
                info["panel_timings"] = {"error": repr(e)}
        info["errors_after"] = len(nb.errors())
    return results, info


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


# The harness's own figure (plain ipympl, full redraws), measured next to the
# panels for scale: the targets are for the panels, so it gets no PASS/MISS.
REFERENCE_GROUPS = frozenset({"fixture"})


def _not_judged(naive: bool, group: str) -> str | None:
    """The tag of a row the targets do not apply to, or None."""
    if naive:
        return "(baseline)"
    return "(reference)" if group in REFERENCE_GROUPS else None


def _ok(flag: bool) -> str:
    return "PASS" if flag else "MISS"


def _f(x: float | None, fmt: str = "7.1f") -> str:
    if x is None or x != x:
        return "—".rjust(len(format(0.0, fmt)))
    return format(x, fmt)


def _load1() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _chromium_version() -> str:
    exe = harness.find_chromium()
    try:
        out = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError, TypeError):
        return "chromium ?"
    return out.strip().splitlines()[-1] if out.strip() else "chromium ?"


def _ver(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def report(results: list[SliderResult], infos: list[dict], header: dict) -> str:
    lines = []
    w = lines.append
    w("Slider → repaint latency in Chromium (ms, key press to the frame showing it)")
    for k, v in header.items():
        w(f"  {k}: {v}")
    w("")
    ours = [r for r in results if not r.naive]
    naive = {}
    for r in results:
        if r.naive:
            naive.setdefault(r.group, {})[r.label] = r
    name_w = max([len(f"{r.group}: {r.label}") for r in ours] + [20])
    w(
        f"{'slider'.ljust(name_w)}  {'p50 ms':>7}  {'p95 ms':>7}  {'naive p50':>9}  "
        f"{'naive p95':>9}  {'ratio':>6}  {'n':>5}  targets (p50≤50, p95≤100, ≥4×)"
    )
    w("-" * (name_w + 90))
    for r in ours:
        group_naive = naive.get(r.group, {})
        nv = group_naive.get(r.label)
        if nv is None and group_naive:  # the group's median over its sliders
            all_s = [x for v in group_naive.values() for x in v.samples]
            nv_p50, nv_p95 = pct(all_s, 0.5), pct(all_s, 0.95)
            star = "*"
        elif nv is not None:
            nv_p50, nv_p95, star = nv.p50, nv.p95, ""
        else:
            nv_p50 = nv_p95 = float("nan")
            star = ""
        ratio = nv_p50 / r.p50 if r.samples and nv_p50 == nv_p50 else float("nan")
        marks = [_ok(r.p50 <= TARGET_P50), _ok(r.p95 <= TARGET_P95)]
        marks.append(_ok(ratio >= TARGET_RATIO) if ratio == ratio else "  — ")
        if r.kind == "text":
            marks = ["(floor)"]
        elif r.group in REFERENCE_GROUPS:
            marks = ["(reference: plain ipympl, not a panel)"]
        n = f"{len(r.samples)}/{r.presses}"
        w(
            f"{(r.group + ': ' + r.label).ljust(name_w)}  {_f(r.p50)}  {_f(r.p95)}  "
            f"{_f(nv_p50, '9.1f')}  {_f(nv_p95, '9.1f')}{star or ' '} "
            f"{_f(ratio, '5.1f')}×  {n:>5}  {' '.join(marks)}"
        )
    w("  * naive: no slider with this name in the baseline; its median over all")
    w("    its sliders is shown instead.")
    w("  n: presses that produced a repaint / presses (a press can leave the")
    w("    value unchanged, e.g. BetaSlider rounds β to 2 significant digits of 1−β)")
    w("")
    w("Naive @interact baselines (%matplotlib inline, a new figure per change):")
    for group, sl in naive.items():
        for label, r in sl.items():
            w(
                f"  {(group + ': ' + label).ljust(name_w)}  p50 {_f(r.p50)}  "
                f"p95 {_f(r.p95)}  n {len(r.samples)}/{r.presses}"
            )
    w("")
    w("Where the time goes (p50 ms after the key press; ipympl figures):")
    w("  sent    the page hands the widget message to the kernel's WebSocket")
    w("  toDURL  ms the page spent in canvas.toDataURL (ipympl stores the previous")
    w("          frame as a data URL on every image) before the frame was drawn")
    w("  kernel  the kernel's first 'busy' arrives (— : panels send none for")
    w("          widget messages, see dlcore.live.widgets.widget_busy_status)")
    w("  ksent   the kernel stamps the image message (its header date)")
    w("  socket  the image reaches the page's WebSocket (the event's timeStamp)")
    w("  image   JupyterLab hands it to the widget; drawn: on the canvas;")
    w("  frame   the frame that shows it")
    w(f"{'slider'.ljust(name_w)}  " + "  ".join(f"{c:>7}" for c in PHASES))
    for r in results:
        if r.kind != "canvas" or not r.phases:
            continue
        cols = [_f(m) for m in phase_medians(r.phases).values()]
        w(f"{(r.group + ': ' + r.label).ljust(name_w)}  {'  '.join(cols)}")
    for info in infos:
        pt = info.get("panel_timings")
        if not pt:
            continue
        if "error" in pt:
            w(f"  {info['group']}: panel timings unavailable ({pt['error'][:60]})")
            continue
        w(
            f"  {info['group']} in the kernel (Panel.timings, p50 over "
            f"{pt['renders']} renders): compute {pt['compute_p50']:.1f} ms, "
            f"draw {pt['draw_p50']:.1f} ms; {pt['blits']} blits, "
            f"{pt['stale']} stale results dropped"
        )
    w("")
    drags = [r for r in results if r.drag]
    if drags:
        w(
            "Continuous drag: ArrowRight every ~16 ms from the low end, then release; "
            "settle = last keydown → frame of the final value (target ≤ 200 ms)"
        )
        w(
            f"{'slider'.ljust(name_w + 8)}  {'presses':>7}  {'frames':>6}  "
            f"{'settle ms':>9}  {'final frame':>13}  target"
        )
        for r in drags:
            d = r.drag
            name = ("naive " if r.naive else "") + f"{r.group}: {r.label}"
            if "error" in d:
                w(f"{name.ljust(name_w + 8)}  error: {d['error'][:80]}")
                continue
            ok = d["settle_ms"] is not None and d["settle_ms"] <= TARGET_SETTLE
            w(
                f"{name.ljust(name_w + 8)}  {d['presses']:>7}  {d['frames']:>6}  "
                f"{_f(d['settle_ms'], '9.0f')}  "
                f"{d['verdict']:>13}  "
                + (_not_judged(r.naive, r.group) or _ok(ok and d["final_ok"]))
            )
        w("  final frame: correct; STALE = not the frame of the final value (the")
        w("  plot trails or dropped the last value); CORRUPT = the canvas differs")
        w("  from the kernel's pixels re-sent as one full image (e.g. an ipympl")
        w("  diff image that never reached the screen)")
        w("")
    w("Kernel start → first figure visible (restart kernel + Run All; target ≤ 10 s)")
    nb_w = max([len(i["notebook"]) for i in infos] + [20])
    for info in infos:
        first = info.get("first_figure_ms")
        tag = _not_judged(info.get("naive", False), info.get("group"))
        if tag is None:
            tag = "(no figure)" if first is None else _ok(first <= TARGET_FIRST_FIGURE)
        w(
            f"  {info['notebook'].ljust(nb_w)}  kernel ready "
            f"{_f(info['kernel_ready_ms'] / 1000, '5.2f')} s"
            f"  first figure {_f((first or float('nan')) / 1000, '6.2f')} s"
            f"  Run All {info['run_all_s']:6.2f} s  load {_f(info['load1'], '4.1f')}"
            f"  {tag}"
            + (f"  ERRORS: {len(info['errors'])}" if info.get("errors") else "")
        )
    return "\n".join(lines)


def ratio_report(by_ratio: dict[float, list[SliderResult]]) -> str:
    """p50/p95 of every slider at each devicePixelRatio, side by side, with
    the ratio of the p50s to the first one's. A canvas has ratio² times the
    pixels: the kernel renders and encodes them, the browser decodes them."""
    ratios = list(by_ratio)
    rows: dict[tuple[str, str], dict[float, SliderResult]] = {}
    for ratio, rs in by_ratio.items():
        for r in rs:
            if not r.naive:
                rows.setdefault((r.group, r.label), {})[ratio] = r
    name_w = max([len(f"{g}: {lab}") for g, lab in rows] + [20])
    head = "".join(f"  {f'p50 @{q:g}':>8}  {f'p95 @{q:g}':>8}" for q in ratios)
    head += "".join(f"  {f'p50 ×{q:g}':>8}" for q in ratios[1:])
    lines = [
        "By device pixel ratio (ms, key press to frame; the page's "
        "devicePixelRatio, e.g. 2 on a HiDPI laptop screen):",
        f"{'slider'.ljust(name_w)}{head}",
    ]
    for (group, label), per in rows.items():
        cols = []
        for q in ratios:
            r = per.get(q)
            cols += [_f(r.p50 if r else None, "8.1f"), _f(r.p95 if r else None, "8.1f")]
        base = per.get(ratios[0])
        for q in ratios[1:]:
            r = per.get(q)
            ok = r and base and r.samples and base.samples
            cols.append(f"{r.p50 / base.p50:7.2f}×" if ok else f"{'—':>8}")
        lines.append(f"{(group + ': ' + label).ljust(name_w)}  {'  '.join(cols)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="short run (CI smoke)")
    ap.add_argument("--presses", type=int, help="presses per slider (default 30)")
    ap.add_argument("--drag-seconds", type=float, help="drag duration (default 2)")
    ap.add_argument(
        "--drag-all", action="store_true", help="drag every slider, not one per figure"
    )
    ap.add_argument("--no-course", action="store_true", help="skip notebooks/*.ipynb")
    ap.add_argument("--json", type=Path, help="also write raw results here")
    ap.add_argument(
        "--only", nargs="+", metavar="TEXT", help="only notebooks whose path has one"
    )
    ap.add_argument(
        "--compile-cache",
        default="off",
        metavar="off|DIR",
        help="DLCORE_COMPILE_CACHE for the kernels (default off: every first "
        "figure waits for its compiles, as on a first open without a cache)",
    )
    ap.add_argument(
        "--device-scale-factor",
        type=float,
        nargs="+",
        default=[1.0],
        metavar="R",
        help="the page's devicePixelRatio (default 1; 2 is a HiDPI laptop "
        "screen). With several, the first gets the full report and every "
        "slider is measured again (no drags, no naive baselines) at the others, "
        "for a side-by-side table",
    )
    args = ap.parse_args(argv)
    os.environ["DLCORE_COMPILE_CACHE"] = args.compile_cache  # Lab's kernels inherit it
    presses = args.presses or (8 if args.quick else 30)
    drag_seconds = args.drag_seconds or (1.0 if args.quick else 2.0)

    if harness.find_chromium() is None or not harness.playwright_available():
        print(
            "bench_latency: needs Debian's chromium (.ci/install-system-deps) and "
            "playwright (requirements.txt); nothing measured."
        )
        return 0

    targets = [
        Target("bench/floor.ipynb", "widget round trip"),
        Target("bench/fixture.ipynb", "fixture"),
        Target("bench/naive_fixture.ipynb", "fixture", is_naive=True),
        Target(
            "bench/ewa_panel.ipynb", "ewa_panel", requires=("dlcore.live.panels.ewa",)
        ),
        Target("bench/naive_ewa.ipynb", "ewa_panel", is_naive=True),
        Target(
            "bench/optimizer_panel.ipynb",
            "optimizer_panel",
            requires=("dlcore.live.panels.optimizers",),
        ),
        Target("bench/naive_optimizers.ipynb", "optimizer_panel", is_naive=True),
    ]
    if not args.quick and not args.no_course:
        targets += [
            Target(f"notebooks/{p.name}", p.stem)
            for p in sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
        ]
    if args.only:
        targets = [t for t in targets if any(o in t.path for o in args.only)]
    skipped = [t for t in targets if not all(_have(m) for m in t.requires)]
    targets = [t for t in targets if t not in skipped]
    extra = {
        "bench/floor.ipynb": FLOOR_NB,
        "bench/ewa_panel.ipynb": EWA_NB,
        "bench/optimizer_panel.ipynb": OPT_NB,
        "bench/naive_fixture.ipynb": NAIVE_FIXTURE_NB,
        "bench/naive_ewa.ipynb": NAIVE_EWA_NB,
        "bench/naive_optimizers.ipynb": NAIVE_OPT_NB,
        "bench/fixture.ipynb": json.loads(
            (FIXTURES_DIR / "slider_figure.ipynb").read_text()
        ),
    }
    header = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.python_version()}",
        "versions": f"jupyterlab {_ver('jupyterlab')}, ipympl {_ver('ipympl')}, "
        f"ipywidgets {_ver('ipywidgets')}, matplotlib {_ver('matplotlib')}, "
        f"playwright {_ver('playwright')}, {_chromium_version()}",
        "load average at start": _loadavg(),
        "presses per slider": presses,
        "compile cache (DLCORE_COMPILE_CACHE)": args.compile_cache,
        "device pixel ratio": " and ".join(f"{r:g}" for r in args.device_scale_factor),
    }

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    results: list[SliderResult] = []
    infos: list[dict] = []
    by_ratio: dict[float, list[SliderResult]] = {}
    t0 = time.monotonic()
    with LabServer({"notebooks": NOTEBOOKS_DIR}, extra=extra) as lab:
        for i, ratio in enumerate(args.device_scale_factor):
            first = i == 0
            with ChromiumBrowser(device_scale_factor=ratio) as browser:
                for target in targets:
                    if target.is_naive and not first:
                        continue
                    log(f"measuring {target.path} at devicePixelRatio {ratio:g} ...")
                    try:
                        res, info = run_notebook(
                            browser,
                            lab,
                            target,
                            presses,
                            drag_seconds if first else None,
                            args.drag_all,
                            log,
                        )
                    except (HarnessError, Exception) as e:  # a miss, never a crash
                        log(f"  ! {target.path}: {type(e).__name__}: {e}")
                        continue
                    by_ratio.setdefault(ratio, []).extend(res)
                    if first:
                        info["naive"] = target.is_naive
                        results += res
                        infos.append(info)
    header["load average at end"] = _loadavg()
    header["wall time"] = f"{time.monotonic() - t0:.0f} s"
    if skipped:
        header["skipped (module missing)"] = ", ".join(t.path for t in skipped)
    print(report(results, infos, header))
    if len(by_ratio) > 1:
        print("\n" + ratio_report(by_ratio))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "header": header,
                    "infos": infos,
                    "results": [
                        r.__dict__ | {"p50": r.p50, "p95": r.p95} for r in results
                    ],
                    "by_device_pixel_ratio": {
                        str(ratio): [
                            r.__dict__ | {"p50": r.p50, "p95": r.p95} for r in rs
                        ]
                        for ratio, rs in by_ratio.items()
                    },
                },
                indent=1,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
