"""Tests for dlcore.live.widgets.Panel and the two demo panels (Agg backend).

Honest, untimed: they count renders, compilations, figures and bytes of RSS,
never milliseconds.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import re

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent
from panel_sweep import assert_sweep_is_clean, closing

from dlcore.compiles import count_compiles
from dlcore.live import viz
from dlcore.live.panels.ewa import ewa_panel
from dlcore.live.panels.optimizers import optimizer_panel
from dlcore.live.widgets import BetaSlider, Panel, figure, once_per_key, set_range

# --- a cheap toy panel ---------------------------------------------------------


class Toy:
    """A panel whose compute/draw record what they were called with."""

    def __init__(self, fail_above=None, **panel_kw):
        self.computed, self.drawn, self.keys = [], [], []
        self.fail_above = fail_above
        self.slider = W.FloatSlider(0.0, min=0.0, max=1.0, step=0.01)
        self.fig, self.ax = figure()
        (self.line,) = self.ax.plot([0, 1], [0, 0])
        self.panel = Panel(
            {"x": self.slider}, self.compute, self.draw, fig=self.fig, **panel_kw
        )

    def compute(self, *, x, key):
        self.computed.append(x)
        self.keys.append(key)
        if self.fail_above is not None and x > self.fail_above:
            raise ValueError(f"x = {x} is too large")
        return x

    def draw(self, x):
        self.drawn.append(x)
        self.line.set_ydata([x, x])


@pytest.fixture
def toy():
    t = Toy()
    yield t
    t.panel.close()


def test_without_a_loop_every_change_renders_at_once(toy):
    toy.slider.value = 0.3
    toy.slider.value = 0.4
    assert toy.drawn[-2:] == [0.3, 0.4]
    assert toy.panel.renders == 3  # the first render at construction + 2


def test_a_burst_on_the_running_loop_renders_once_with_the_final_value(toy):
    toy.computed.clear()

    async def drag():
        for i in range(100):
            toy.slider.value = i / 100
        assert toy.computed == []  # nothing rendered during the burst
        await asyncio.sleep(0)  # the loop runs the one scheduled render

    asyncio.run(drag())
    assert toy.computed == [0.99]
    assert toy.drawn[-1] == 0.99


def test_a_move_from_the_browser_renders_inside_its_message_handler(toy):
    """``set_state`` is how ipywidgets applies a browser message; no deferral."""
    toy.computed.clear()
    seen = []

    async def browser_moves():
        toy.slider.set_state({"value": 0.25})
        seen.append(list(toy.computed))  # before the loop turns
        toy.slider.value = 0.5  # a kernel-side change: deferred as before
        seen.append(list(toy.computed))
        await asyncio.sleep(0)

    asyncio.run(browser_moves())
    assert seen == [[0.25], [0.25]]
    assert toy.computed == [0.25, 0.5]
    assert toy.drawn[-1] == 0.5


def test_a_browser_move_of_a_beta_slider_renders_at_once():
    beta = BetaSlider(0.9)
    fig, ax = figure()
    (line,) = ax.plot([0, 1], [0, 0])
    drawn = []
    panel = Panel(
        {"beta": beta}, lambda *, beta, key: beta, drawn.append, fig=fig, warmup=None
    )

    async def browser_moves():
        beta._slider.set_state({"value": 2.0})  # r = 2 -> beta = 0.99
        return list(drawn)

    assert asyncio.run(browser_moves())[-1] == pytest.approx(0.99)
    panel.close()


def test_flush_renders_the_pending_values_now_and_only_once(toy):
    toy.computed.clear()

    async def drag():
        for i in range(50):
            toy.panel._on_change()
            toy.slider.value = i / 100
        toy.panel.flush()
        assert toy.computed == [0.49]
        await asyncio.sleep(0.01)  # the scheduled callback finds nothing to do

    asyncio.run(drag())
    assert toy.computed == [0.49]


def test_debounce_coalesces_changes_spread_over_time():
    t = Toy(coalesce_delay=0.02)
    t.computed.clear()

    async def drag():
        for i in range(10):
            t.slider.value = i / 10
            await asyncio.sleep(0.002)  # slower than one loop turn, faster than 20 ms
        await asyncio.sleep(0.1)

    asyncio.run(drag())
    assert t.computed[-1] == 0.9
    assert len(t.computed) <= 2
    t.panel.close()


def test_a_stale_result_is_never_drawn(toy):
    """A change that arrives while compute runs makes that result stale."""
    original = toy.compute

    def compute_and_get_overtaken(*, x, key):
        out = original(x=x, key=key)
        if x == 0.2:
            toy.slider.value = 0.7  # a newer value arrives mid-compute
        return out

    toy.panel.compute = compute_and_get_overtaken
    toy.drawn.clear()
    toy.slider.value = 0.2
    assert toy.drawn == [0.7]
    assert toy.panel.stale == 1


def test_set_moves_several_controls_with_one_render():
    a = W.FloatSlider(0.0)
    b = W.IntSlider(0)
    seen = []
    fig, _ = figure()
    p = Panel(
        {"a": a, "b": b}, lambda **v: seen.append(v) or 0, lambda r: None, fig=fig
    )
    seen.clear()
    p.set(a=0.5, b=3)
    assert len(seen) == 1 and seen[0]["a"] == 0.5 and seen[0]["b"] == 3
    with pytest.raises(KeyError, match="unknown control"):
        p.set(c=1)
    p.close()


def test_errors_are_shown_kept_and_the_panel_keeps_working():
    t = Toy(fail_above=0.5)
    t.panel.set(x=0.8)
    assert len(t.panel.errors) == 1
    err = t.panel.errors[0]
    assert err.type == "ValueError" and "too large" in err.message
    assert err.values["x"] == 0.8 and "Traceback" in err.traceback
    log = t.panel.log.value
    assert "ValueError" in log and "too large" in log and "<details>" in log
    t.panel.set(x=0.2)  # the next value renders normally
    assert t.drawn[-1] == 0.2 and len(t.panel.errors) == 1
    t.panel.close()


def test_errors_in_draw_and_in_hooks_are_reported_too():
    seen = []
    fig, _ = figure()
    s = W.FloatSlider(0.0)

    def draw(x):
        if x > 0.5:
            raise RuntimeError("cannot draw that")
        seen.append(x)

    def hook(new):
        if new == 0.3:
            raise KeyError("hook failed")

    p = Panel({"x": s}, lambda *, x, key: x, draw, fig=fig, on_change={"x": hook})
    p.set(x=0.9)
    p.set(x=0.3)
    assert [e.type for e in p.errors] == ["RuntimeError", "KeyError"]
    assert p.errors[1].where == "on_change['x']"
    assert seen[-1] == 0.3  # the hook failed, the render still happened
    p.close()


def test_same_key_for_every_value_until_new_seed(toy):
    for v in (0.1, 0.5, 0.9):
        toy.slider.value = v
    first = toy.keys[0]
    assert all(jnp.array_equal(jax.random.key_data(k), jax.random.key_data(first))
               for k in toy.keys)  # fmt: skip
    n = toy.panel.renders
    toy.panel.seed_button.click()
    assert toy.panel.renders == n + 1
    assert not jnp.array_equal(
        jax.random.key_data(toy.keys[-1]), jax.random.key_data(first)
    )


def test_warm_up_compiles_every_discrete_variant_then_nothing_recompiles():
    @functools.partial(jax.jit, static_argnames=("flag", "mode"))
    def f(x, key, flag, mode):
        noise = jax.random.normal(key, (8,))
        y = x * noise if flag else x + noise
        return {"a": y, "b": -y, "c": y**2}[mode]

    controls = {
        "x": W.FloatSlider(0.5, min=0.0, max=2.0),
        "flag": W.ToggleButton(False),
        "mode": W.Dropdown(options=["a", "b", "c"], value="a"),
    }
    calls = []

    def compute(*, x, flag, mode, key):
        calls.append((flag, mode))
        return f(x, key, flag=flag, mode=mode)

    fig, _ = figure()
    p = Panel(controls, compute, lambda r: None, fig=fig)
    assert set(calls) == {(fl, m) for fl in (False, True) for m in "abc"}
    with count_compiles() as c:
        for x in np.linspace(0, 2, 7):
            for fl in (False, True):
                for m in "abc":
                    p.set(x=float(x), flag=fl, mode=m)
        p.new_seed()
    assert c.count == 0 and not p.errors
    p.close()


def test_headless_display_bundle_has_a_png_and_a_widget_view(toy):
    bundle = toy.panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # without ipympl the figure lives in an Image widget, refreshed per render
    before = bytes(toy.panel._image.value)
    toy.slider.value = 0.9
    assert bytes(toy.panel._image.value) != before


def test_a_static_copy_names_the_settings_and_carries_the_readout():
    def readout(x):
        return f"x² = <b>{x * x:.4g}</b>"

    t = Toy(readout=readout, title="<b>toy</b> & co")
    try:
        t.slider.value = 0.25
        bundle = t.panel._repr_mimebundle_()
        page = bundle["text/html"]
        assert "<b>toy</b> & co" in page
        assert "x = 0.25" in page and "x² = <b>0.0625</b>" in page
        # the figure in the page is the PNG of the bundle, i.e. of x = 0.25
        assert f'src="data:image/png;base64,{bundle["image/png"]}"' in page
        t.slider.value = 0.5
        page = t.panel._repr_mimebundle_()["text/html"]
        assert "x = 0.5" in page and "x² = <b>0.25</b>" in page
    finally:
        t.panel.close()


def test_a_static_copy_shows_errors_and_skips_button_click_counts():
    t = Toy(fail_above=0.5)
    try:
        t.slider.value = 0.75
        page = t.panel._repr_mimebundle_()["text/html"]
        assert "x = 0.75" in page and "too large" in page
        assert "new seed" not in page
    finally:
        t.panel.close()


def test_lecture_button_scales_the_existing_figure(toy):
    toy.ax.set_title("demo")
    size = toy.ax.title.get_fontsize()
    toy.panel.lecture_button.value = True
    assert toy.ax.title.get_fontsize() == pytest.approx(size * viz.LECTURE_SCALE)
    toy.panel.lecture_button.value = False
    assert toy.ax.title.get_fontsize() == pytest.approx(size)
    assert not toy.panel.errors


# --- small widgets ----------------------------------------------------------------


def test_beta_slider_is_log_in_one_minus_beta_and_reads_out_beta():
    s = BetaSlider(0.9, min=0.5, max=0.999)
    assert s.value == 0.9 and s._readout.value == "0.9"
    s._slider.value = 2.0  # r = −log10(1 − β) = 2  ->  β = 0.99
    assert s.value == pytest.approx(0.99) and s._readout.value == "0.99"
    s._slider.value = 1.7  # 1 − β = 10^−1.7 = 0.01995… -> rounded to 0.02
    assert s.value == pytest.approx(0.98)
    s.value = 0.999
    assert s._slider.value == pytest.approx(3.0) and s._readout.value == "0.999"
    assert s._slider.min == pytest.approx(-np.log10(0.5))


def test_set_range_moves_limits_in_either_direction():
    s = W.FloatSlider(0.0, min=-1.0, max=1.0)
    set_range(s, 2.0, 5.0, 3.0)
    assert (s.min, s.max, s.value) == (2.0, 5.0, 3.0)
    set_range(s, -10.0, -5.0, 0.0)
    assert (s.min, s.max, s.value) == (-10.0, -5.0, -5.0)


# --- the demo panels: sweeps, compiles, figures, non-finite, clicks ---


@pytest.fixture(scope="module")
def panels():
    yield from closing({"ewa": ewa_panel(), "optimizers": optimizer_panel()})


@pytest.mark.parametrize("name", ["ewa", "optimizers"])
def test_every_control_swept_without_errors_figures_or_compiles(panels, name):
    assert_sweep_is_clean(panels[name])


def _gd_overflow_step(alpha, kappa, y0):
    """First t at which float32 GD on ½κy² (y ← y − α·κ·y) is no longer finite."""
    y = np.float32(y0)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, 1000):
            y = np.float32(y - np.float32(alpha) * (np.float32(kappa) * y))
            if not np.isfinite(y):
                return t
    raise AssertionError("no overflow")


def test_optimizer_panel_marks_a_diverging_path(panels):
    panel = panels["optimizers"]
    panel.set(surface="quadratic")
    panel.set(alpha=1.0, schedule="constant")  # gd is stable only for α < 2/κ = 0.2
    assert panel.errors == []
    ax_c, ax_l = panel.fig.axes
    # the figure keeps the explicit markers: a red ✕ on the contour plot, and
    # the loss curve's edge markers; the words are in the readout line
    broken = [ln for ln in ax_c.lines if ln.get_marker() == "X"]
    assert len(broken) == 1 and len(broken[0].get_xdata()) >= 1
    shown_edges = [
        ln for ln in ax_l.lines
        if ln.get_linestyle() == "None" and ln.get_visible() and len(ln.get_xdata())
    ]  # fmt: skip
    assert shown_edges
    assert not [t for t in ax_c.texts + ax_l.texts if t.get_visible() and t.get_text()]
    k = _gd_overflow_step(1.0, 10.0, 1.5)  # x is 0 after one step at α = 1
    assert f"gd: overflow (inf) at step {k}</span>" in panel.readout.value
    assert f'color:{viz.NONFINITE_COLOR}">gd:' in panel.readout.value

    panel.set(alpha=0.05)  # back to normal: every run has a number
    text = panel.readout.value
    assert "overflow" not in text and "left the view" not in text
    # gd on ½(x² + κy²) from θ0: x_t = (1 − α)^t x0, y_t = (1 − ακ)^t y0
    x, y = -2.6 * 0.95**150, 1.5 * 0.5**150
    expected = 0.5 * (x**2 + 10.0 * y**2)
    gd = re.search(r">gd</b> ([0-9.e+-]+)", text)
    assert gd, text
    assert float(gd.group(1)) == pytest.approx(expected, rel=5e-3)
    for name in ("momentum", "rmsprop", "adam"):
        assert f">{name}</b> " in text
    assert text.startswith("J(θ<sub>150</sub>) − J<sub>min</sub>: ")
    panel.fig.canvas.draw()


def test_clicking_the_contour_moves_the_start(panels):
    panel = panels["optimizers"]
    panel.set(surface="quadratic")
    ax_c = panel.fig.axes[0]
    panel.fig.canvas.draw()
    x, y = ax_c.transData.transform((0.5, -0.75))
    MouseEvent("button_press_event", panel.fig.canvas, x, y, button=1)._process()
    assert panel.values["x0"] == pytest.approx(0.5, abs=0.02)
    assert panel.values["y0"] == pytest.approx(-0.75, abs=0.02)
    assert panel.errors == []


def test_surface_change_resets_the_start_range_and_alpha(panels):
    from dlcore.demos.optimizers import SURFACES

    panel = panels["optimizers"]
    panel.set(surface="beale")
    s = SURFACES["beale"]
    x0 = panel.controls["x0"]
    assert (x0.min, x0.max, x0.value) == (s.xlim[0], s.xlim[1], s.start[0])
    assert panel.controls["alpha"].value == pytest.approx(s.alpha)
    assert panel.fig.axes[0].get_xlim() == s.xlim


def test_ewa_panel_annotates_the_window_and_bolds_the_toggled_curve(panels):
    panel = panels["ewa"]
    panel.set(beta=0.98, bias_correction=True)
    ax = panel.fig.axes[0]
    assert "≈ 1/(1 − β) = <b>50 days</b>" in panel.readout.value
    assert panel.readout in panel.widget.children
    window = next(ln for ln in ax.lines if ln.get_marker() == "|")
    x = window.get_xdata()
    assert x[1] - x[0] == pytest.approx(50)
    corrected, uncorrected = ax.lines[1], ax.lines[2]
    assert corrected.get_linewidth() > uncorrected.get_linewidth()
    panel.set(bias_correction=False)
    assert corrected.get_linewidth() < uncorrected.get_linewidth()
    v_unc = uncorrected.get_ydata()
    assert v_unc[0] < 0.1 * corrected.get_ydata()[0]  # the start-up dip


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096  # resident pages


@pytest.mark.slow
def test_thousand_moves_leak_no_figures_and_little_memory():
    panel = ewa_panel()
    figs = len(plt.get_fignums())
    betas = 1 - np.geomspace(0.5, 0.001, 50)
    for i in range(200):  # let caches and allocators settle first
        panel.set(beta=float(betas[i % 50]), bias_correction=bool(i % 2))
    rss = _rss_bytes()
    for i in range(1000):
        panel.set(beta=float(betas[i % 50]), bias_correction=bool(i % 3))
    growth = _rss_bytes() - rss
    assert len(plt.get_fignums()) == figs
    assert panel.renders >= 1200 and not panel.errors
    assert growth < 5 * 2**20, f"RSS grew by {growth / 2**20:.1f} MB"
    panel.close()


@pytest.mark.slow
def test_headless_notebook_with_ipympl_leaves_an_image_or_widget(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%matplotlib widget"),
        nbformat.v4.new_code_cell(
            "from dlcore.live.panels.ewa import ewa_panel\newa_panel()"
        ),
    ]
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = nb.cells[1].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    data = [o.get("data", {}) for o in outputs if o.output_type == "display_data"]
    assert any(
        "image/png" in d or "application/vnd.jupyter.widget-view+json" in d
        for d in data
    )
    assert any("image/png" in d for d in data)  # the static snapshot


def test_decay_rate_is_disabled_while_the_schedule_ignores_it(panels):
    panel = panels["optimizers"]
    rate = panel.controls["decay_rate"]
    panel.set(schedule="exponential")
    assert not rate.disabled
    panel.set(schedule="constant")
    assert rate.disabled


# --- ipympl: the stand-in first frame and the frame encoder ------------------

IPYMPL_SCRIPT = r"""
import io, json
import matplotlib
matplotlib.use("module://ipympl.backend_nbagg")
import ipywidgets as W
import numpy as np
import PIL.Image
from dlcore.live.panels.ewa import ewa_panel

def pixels(png):
    return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGB"))

p = ewa_panel()
canvas = p.fig.canvas
out = {"before_display": p._placeholder in p.widget.children,
       "canvas_shown_before": canvas in p.widget.children}
bundle = p._repr_mimebundle_()
out["bundle"] = sorted(bundle)
out["standin_is_the_figure"] = bool(
    np.array_equal(pixels(p._placeholder.value), pixels(p.png())))
p.set(beta=0.99)  # a move before the browser's canvas is live
out["standin_follows_moves"] = bool(
    np.array_equal(pixels(p._placeholder.value), pixels(p.png())))
# the browser's canvas model says hello: the live canvas takes the place
canvas._handle_msg({"content": {"data": {"method": "custom",
                    "content": {"type": "initialized"}}}, "buffers": []})
out["canvas_shown_after"] = canvas in p.widget.children
out["standin_gone"] = p._placeholder is None and not any(
    isinstance(c, W.Image) for c in p.widget.children)
# a frame: lossless, whole, the renderer's pixels
canvas.draw()
canvas._png_is_old = True
frame = canvas.get_diff_image()
rgba = np.asarray(canvas.get_renderer().buffer_rgba())
out["frame_exact"] = bool(np.array_equal(pixels(frame), rgba[..., :3]))
out["mode"] = canvas._image_mode
out["again_is_none"] = canvas.get_diff_image() is None
print(json.dumps(out))
"""


def _run_ipympl_script(script: str) -> dict:
    """Run ``script`` in a fresh Python (ipympl backend); its last line, as JSON."""
    import json
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_ipympl_panel_shows_a_standin_frame_until_the_browser_canvas_is_live():
    out = _run_ipympl_script(IPYMPL_SCRIPT)
    assert out == {
        "before_display": True,
        "canvas_shown_before": False,
        "bundle": sorted(out["bundle"]),
        "standin_is_the_figure": True,
        "standin_follows_moves": True,
        "canvas_shown_after": True,
        "standin_gone": True,
        "frame_exact": True,
        "mode": "full",
        "again_is_none": True,
    }
    assert {"image/png", "application/vnd.jupyter.widget-view+json"} <= set(
        out["bundle"]
    )


@pytest.mark.parametrize("compress", ["default", "zlib"])
@pytest.mark.parametrize("opaque", [True, False])
def test_png_bytes_decodes_to_the_same_pixels_with_pillow(opaque, compress):
    import io
    import zlib

    import PIL.Image

    from dlcore.live.widgets import png_bytes

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    pixels[5:20, 10:40] = (255, 255, 255, 255)  # a flat block, as in a real frame
    if opaque:
        pixels[..., 3] = 255
    fn = None if compress == "default" else zlib.compress
    im = PIL.Image.open(io.BytesIO(png_bytes(pixels, compress=fn)))
    assert im.mode == "RGBA"
    assert im.size == (53, 37)
    np.testing.assert_array_equal(np.asarray(im), pixels)


def test_the_default_deflate_is_isal_when_installed():
    from dlcore.live.widgets import DEFLATE

    isal_zlib = pytest.importorskip("isal.isal_zlib")
    assert DEFLATE is isal_zlib.compress


def test_once_per_key_makes_again_only_for_a_new_key():
    made = []
    get = once_per_key(lambda key: made.append(key) or len(made))
    k1, k2 = jax.random.key(0), jax.random.key(0)  # equal bits, two objects
    assert get(k1) == 1 and get(k1) == 1
    assert made == [k1]
    assert get(k2) == 2  # a new key object (as "new seed" makes): drawn again
    assert get(k2) == 2 and len(made) == 2


class _FakeKernel:
    """Just what widget_busy_status touches: ipykernel's status method."""

    def __init__(self):
        self.sent, self.parent = [], {}

    def get_parent(self, channel=None):
        return self.parent

    def _publish_status(self, status, channel, parent=None):
        msg = parent or self.get_parent(channel)
        self.sent.append((status, msg["header"]["msg_type"]))


def test_widget_busy_status_drops_only_busy_for_comm_messages():
    from dlcore.live.widgets import widget_busy_status

    k = _FakeKernel()

    def handle(msg_type):  # what ipykernel's dispatch_shell publishes
        k.parent = {"header": {"msg_type": msg_type}}
        k._publish_status("busy", "shell")
        k._publish_status("idle", "shell", None)

    assert widget_busy_status(False, kernel=k)
    handle("comm_msg")
    handle("execute_request")
    k._publish_status("busy", "shell", {"header": {"msg_type": "comm_msg"}})
    assert k.sent == [
        ("idle", "comm_msg"),
        ("busy", "execute_request"),
        ("idle", "execute_request"),
    ]
    k.sent.clear()
    assert widget_busy_status(True, kernel=k)  # back to the standard protocol
    handle("comm_msg")
    assert k.sent == [("busy", "comm_msg"), ("idle", "comm_msg")]
    assert "_publish_status" not in vars(k)


def test_widget_busy_status_without_a_kernel_does_nothing():
    from dlcore.live.widgets import widget_busy_status

    assert widget_busy_status(False) is False  # plain Python: no kernel
    assert widget_busy_status(False, kernel=object()) is False


# --- the page-side frame handler (canvas_frames) -------------------------------

FRAMES_SCRIPT = r"""
import json, os, zlib
import matplotlib
matplotlib.use("module://ipympl.backend_nbagg")
import numpy as np
import dlcore.live.widgets as W
from dlcore.live.panels.ewa import ewa_panel

p = ewa_panel()
canvas, h = p.fig.canvas, p.frames
out = {"canvas_id": h.canvas_id == canvas.model_id, "fast": h.fast,
       "installed_at_start": h.installed}

def frame():
    canvas.draw()
    canvas._png_is_old = True
    return canvas.get_diff_image()

rgba = lambda: np.asarray(canvas.get_renderer().buffer_rgba())
f = frame()  # the page module has not said "installed": PNG, ipympl can show it
out["png_before_install"] = f[:8] == b"\x89PNG\r\n\x1a\n"
h.installed = True  # what the page module does once it has taken over
f = frame()
w, hh = np.frombuffer(f[8:16], ">u4")
out["raw_after_install"] = f[:8] == W.RAW_MAGIC
out["raw_size"] = [int(w), int(hh)] == [rgba().shape[1], rgba().shape[0]]
out["raw_exact"] = zlib.decompress(f[16:]) == rgba().tobytes()
out["switched"] = W.set_fast_frames(False)
out["png_when_off"] = frame()[:8] == b"\x89PNG\r\n\x1a\n"
W.set_fast_frames(True)
out["raw_when_on"] = frame()[:8] == W.RAW_MAGIC
p.close()
out["closed_dropped"] = W.set_fast_frames(True) == 0 and h.comm is None
os.environ["DLCORE_FAST_FRAMES"] = "0"
out["env_off"] = ewa_panel().frames.fast
print(json.dumps(out))
"""


def test_panel_frames_are_raw_only_once_the_page_module_is_installed():
    out = _run_ipympl_script(FRAMES_SCRIPT)
    assert out == {
        "canvas_id": True,
        "fast": True,
        "installed_at_start": False,
        "png_before_install": True,
        "raw_after_install": True,
        "raw_size": True,
        "raw_exact": True,
        "switched": 1,
        "png_when_off": True,
        "raw_when_on": True,
        "closed_dropped": True,
        "env_off": False,
    }


@pytest.mark.parametrize("compress", ["default", "zlib"])
def test_raw_frame_bytes_layout(compress):
    import struct
    import zlib

    from dlcore.live.widgets import RAW_MAGIC, raw_frame_bytes

    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, size=(23, 41, 4), dtype=np.uint8)
    fn = None if compress == "default" else zlib.compress
    data = raw_frame_bytes(pixels, compress=fn)
    assert data[:8] == RAW_MAGIC
    assert struct.unpack(">II", data[8:16]) == (41, 23)  # width, height
    got = np.frombuffer(zlib.decompress(data[16:]), np.uint8).reshape(23, 41, 4)
    np.testing.assert_array_equal(got, pixels)
    # a non-contiguous view (e.g. a crop) is laid out row by row all the same
    crop = pixels[2:10, 3:30]
    data = raw_frame_bytes(crop, compress=fn)
    got = np.frombuffer(zlib.decompress(data[16:]), np.uint8).reshape(crop.shape)
    np.testing.assert_array_equal(got, crop)
