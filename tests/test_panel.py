"""Tests for dlcore.live.panel.Panel, the controls, and the EWA and optimizer
panels built on them (Agg figures, no browser).

Honest, untimed: they count renders, compilations, figures and bytes of RSS,
never milliseconds. Frames are checked against the canvas's own pixels.
"""

from __future__ import annotations

import base64
import functools
import io
import re

import ipywidgets as W
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest
from page_model import page_pixels
from panel_sweep import assert_sweep_is_clean, closing
from PIL import Image

from dlcore.compiles import count_compiles
from dlcore.live import viz
from dlcore.live.controls import BetaSlider, Progress, once_per_key, set_range
from dlcore.live.panel import Panel, figure
from dlcore.live.panels.ewa import ewa_panel
from dlcore.live.panels.optimizers import optimizer_panel

# --- a cheap toy panel ---------------------------------------------------------


class Toy:
    """A panel whose compute/draw record what they were called with."""

    def __init__(self, fail_above=None, **panel_kw):
        self.computed, self.drawn, self.keys = [], [], []
        self.fail_above = fail_above
        self.slider = W.FloatSlider(0.0, min=0.0, max=1.0, step=0.01)
        self.fig, self.ax = figure()
        (self.line,) = self.ax.plot([0, 1], [0, 0])
        panel_kw.setdefault("animated", [self.line])
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


def attach_page(panel, monkeypatch) -> list:
    """A page view on the panel's figure: returns the list of frames it gets."""
    frames = []
    view = panel.figure_widget

    def send(content, buffers=None):
        if content["type"] == "frame":
            frames.append((content, buffers[0]))

    monkeypatch.setattr(view, "send", send)
    view._on_message(view, {"type": "hello", "ratio": 1}, [])
    return frames


# --- renders -------------------------------------------------------------------


def test_every_change_renders_at_once_and_blits(toy):
    toy.slider.value = 0.3
    toy.slider.value = 0.4
    assert toy.drawn[-2:] == [0.3, 0.4]
    assert toy.panel.renders == 3  # the first render at construction + 2
    assert toy.panel.blits == 2


def test_each_move_sends_the_frame_it_drew(toy, monkeypatch):
    frames = attach_page(toy.panel, monkeypatch)
    for v in (0.1, 0.6, 0.9):
        toy.slider.value = v
        frame = toy.panel.figure_widget.frame()
        assert np.array_equal(page_pixels(frames), frame)
    seqs = [c["seq"] for c, _ in frames]
    assert seqs == sorted(set(seqs))


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
    a, b = W.FloatSlider(0.0), W.IntSlider(0)
    seen = []
    fig, _ = figure()
    p = Panel(
        {"a": a, "b": b}, lambda **v: seen.append(v) or 0, lambda r: None, fig=fig
    )
    seen.clear()
    p.set(a=0.5, b=3)
    assert len(seen) == 1 and seen[0]["a"] == 0.5 and seen[0]["b"] == 3
    with pytest.raises(ValueError, match=r"unknown control\(s\) \['c'\]"):
        p.set(c=1)
    p.close()


def test_a_hook_moving_other_controls_joins_the_same_render():
    a, b = W.FloatSlider(0.0), W.FloatSlider(0.0)
    seen = []
    fig, _ = figure()
    p = Panel(
        {"a": a, "b": b}, lambda **v: seen.append((v["a"], v["b"])), lambda r: None,
        fig=fig, on_change={"a": lambda new: setattr(b, "value", new / 2)},
    )  # fmt: skip
    seen.clear()
    a.value = 0.8
    assert seen == [(0.8, 0.4)]
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


def test_errors_in_draw_hooks_and_clicks_are_reported_too():
    seen = []
    fig, ax = figure()
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
    p.on_click(lambda ax, x, y: 1 / 0)
    px, py = ax.transData.transform((0.5, 0.5))
    p.figure_widget.pointer("press", px, py)
    assert [e.type for e in p.errors] == [
        "RuntimeError",
        "KeyError",
        "ZeroDivisionError",
    ]
    assert p.errors[1].where == "on_change['x']"
    assert p.errors[2].where == "pointer press"
    assert seen[-1] == 0.3  # the hook failed, the render still happened
    p.close()


def test_same_key_for_every_value_until_new_seed(toy):
    for v in (0.1, 0.5, 0.9):
        toy.slider.value = v
    first = toy.keys[0]
    assert all(
        jnp.array_equal(jax.random.key_data(k), jax.random.key_data(first))
        for k in toy.keys
    )
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
        "mode": W.Dropdown(options=[("A", "a"), ("B", "b"), ("C", "c")], value="a"),
    }
    calls = []

    def compute(*, x, flag, mode, key):
        calls.append((flag, mode))
        return f(x, key, flag=flag, mode=mode)

    fig, _ = figure()
    p = Panel(controls, compute, lambda r: None, fig=fig)
    assert set(calls) == {(fl, m) for fl in (False, True) for m in "abc"}
    assert len(calls) == 6 + 1  # one per variant, then the first render
    with count_compiles() as c:
        for x in np.linspace(0, 2, 7):
            for fl in (False, True):
                for m in "abc":
                    p.set(x=float(x), flag=fl, mode=m)
        p.new_seed()
    assert c.count == 0 and not p.errors
    p.close()


def test_no_pyplot_figure_is_made_or_leaked():
    before = plt.get_fignums()
    t = Toy()
    t.panel.set(x=0.5)
    t.panel._repr_mimebundle_()
    t.panel.close()
    assert plt.get_fignums() == before


# --- display ---------------------------------------------------------------------


def test_the_display_bundle_has_a_png_of_the_current_frame(toy):
    toy.slider.value = 0.9
    data, meta = toy.panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    png = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert np.array_equal(np.asarray(png), toy.panel.figure_widget.frame())
    assert meta["image/png"]["width"] == 640
    assert toy.panel.figure_widget.png == base64.b64decode(data["image/png"])


def test_a_static_copy_names_the_settings_and_carries_the_readout():
    def readout(x):
        return f"x² = <b>{x * x:.4g}</b>"

    t = Toy(readout=readout, title="<b>toy</b> & co")
    try:
        t.slider.value = 0.25
        data, _ = t.panel._repr_mimebundle_()
        page = data["text/html"]
        assert "<b>toy</b> & co" in page
        assert "x = 0.25" in page and "x² = <b>0.0625</b>" in page
        assert f'src="data:image/png;base64,{data["image/png"]}"' in page
        t.slider.value = 0.5
        page = t.panel._repr_mimebundle_()[0]["text/html"]
        assert "x = 0.5" in page and "x² = <b>0.25</b>" in page
    finally:
        t.panel.close()


def test_a_static_copy_shows_errors_and_skips_button_click_counts():
    t = Toy(fail_above=0.5)
    try:
        t.slider.value = 0.75
        page = t.panel._repr_mimebundle_()[0]["text/html"]
        assert "x = 0.75" in page and "too large" in page
        assert "new seed" not in page
    finally:
        t.panel.close()


def test_show_above_figure_puts_a_widget_right_above_it(toy):
    extra = W.HTML("note")
    toy.panel.show_above_figure(extra)
    kids = list(toy.panel.widget.children)
    assert kids.index(extra) + 1 == kids.index(toy.panel.figure_widget)


def test_lecture_button_scales_the_existing_figure(toy):
    toy.ax.set_title("demo")
    size = toy.ax.title.get_fontsize()
    toy.panel.lecture_button.value = True
    assert toy.ax.title.get_fontsize() == pytest.approx(size * viz.LECTURE_SCALE)
    toy.panel.lecture_button.value = False
    assert toy.ax.title.get_fontsize() == pytest.approx(size)
    assert not toy.panel.errors


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096  # resident pages


@pytest.mark.skipif(not hasattr(__import__("os"), "sched_getaffinity"), reason="Linux")
def test_300_moves_with_a_page_attached_grow_rss_by_less_than_20_mb(monkeypatch):
    panel = ewa_panel()
    frames = attach_page(panel, monkeypatch)
    figs = plt.get_fignums()
    betas = 1 - np.geomspace(0.5, 0.001, 50)
    for i in range(50):  # let caches and allocators settle first
        panel.set(beta=float(betas[i % 50]), bias_correction=bool(i % 2))
    rss = _rss_bytes()
    for i in range(300):
        panel.set(beta=float(betas[i % 50]), bias_correction=bool(i % 3))
    growth = _rss_bytes() - rss
    assert plt.get_fignums() == figs
    assert panel.renders >= 350 and not panel.errors and len(frames) >= 350
    assert growth < 20 * 2**20, f"RSS grew by {growth / 2**20:.1f} MB"
    panel.close()


# --- the EWA and optimizer panels ------------------------------------------------


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
    broken = [ln for ln in ax_c.lines if ln.get_marker() == "X"]
    assert len(broken) == 1 and len(broken[0].get_xdata()) >= 1
    shown_edges = [
        ln
        for ln in ax_l.lines
        if ln.get_linestyle() == "None" and ln.get_visible() and len(ln.get_xdata())
    ]
    assert shown_edges
    assert not [t for t in ax_c.texts + ax_l.texts if t.get_visible() and t.get_text()]
    k = _gd_overflow_step(1.0, 10.0, 1.5)  # x is 0 after one step at α = 1
    assert f"gd: overflow (inf) at step {k}</span>" in panel.readout.value
    panel.set(alpha=0.05)  # back to normal: every run has a number
    text = panel.readout.value
    assert "overflow" not in text and "left the view" not in text
    # gd on ½(x² + κy²) from θ0: x_t = (1 − α)^t x0, y_t = (1 − ακ)^t y0
    x, y = -2.6 * 0.95**150, 1.5 * 0.5**150
    gd = re.search(r">gd</b> ([0-9.e+-]+)", text)
    assert gd, text
    assert float(gd.group(1)) == pytest.approx(0.5 * (x**2 + 10 * y**2), rel=5e-3)


def test_clicking_and_dragging_on_the_contours_move_the_start(panels, monkeypatch):
    panel = panels["optimizers"]
    panel.set(surface="quadratic")
    frames = attach_page(panel, monkeypatch)
    view, ax_c = panel.figure_widget, panel.fig.axes[0]
    view.frame()
    for kind, (x, y) in (("press", (0.5, -0.75)), ("move", (1.0, 0.5))):
        px, py = ax_c.transData.transform((x, y))
        view._on_message(view, {"type": "pointer", "kind": kind, "x": px, "y": py}, [])
        assert panel.values["x0"] == pytest.approx(x, abs=0.01)
        assert panel.values["y0"] == pytest.approx(y, abs=0.01)
        assert np.array_equal(page_pixels(frames), view.frame())
    # a click on the loss plot does not move the start
    px, py = panel.fig.axes[1].transData.transform((10, 1e-3))
    view.pointer("press", px, py)
    assert panel.values["x0"] == pytest.approx(1.0, abs=0.01)
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


def test_decay_rate_is_disabled_while_the_schedule_ignores_it(panels):
    panel = panels["optimizers"]
    rate = panel.controls["decay_rate"]
    panel.set(schedule="exponential")
    assert not rate.disabled
    panel.set(schedule="constant")
    assert rate.disabled


def test_ewa_panel_annotates_the_window_and_bolds_the_toggled_curve(panels):
    panel = panels["ewa"]
    panel.set(beta=0.98, bias_correction=True)
    ax = panel.fig.axes[0]
    assert "≈ 1/(1 − β) = <b>50 days</b>" in panel.readout.value
    window = next(ln for ln in ax.lines if ln.get_marker() == "|")
    assert np.diff(window.get_xdata()[:2])[0] == pytest.approx(50)
    corrected, uncorrected = ax.lines[1], ax.lines[2]
    assert corrected.get_linewidth() > uncorrected.get_linewidth()
    panel.set(bias_correction=False)
    assert corrected.get_linewidth() < uncorrected.get_linewidth()


@pytest.mark.slow
def test_headless_notebook_keeps_a_static_image(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from dlcore.live.panels.ewa import ewa_panel\newa_panel()"
        )
    ]
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    shown = ("display_data", "execute_result")
    data = [o.get("data", {}) for o in outputs if o.output_type in shown]
    assert any("image/png" in d for d in data)
    assert any("application/vnd.jupyter.widget-view+json" in d for d in data)


# --- small controls ----------------------------------------------------------------


def test_beta_slider_is_log_in_one_minus_beta_and_reads_out_beta():
    s = BetaSlider(0.9, min=0.5, max=0.999)
    assert s.value == 0.9
    s.slider.value = 2.0  # r = −log10(1 − β) = 2  ->  β = 0.99
    assert s.value == pytest.approx(0.99)
    s.slider.value = 1.7  # 1 − β = 10^−1.7 = 0.01995… -> rounded to 0.02
    assert s.value == pytest.approx(0.98)
    s.value = 0.999
    assert s.slider.value == pytest.approx(3.0)
    assert s.slider.min == pytest.approx(-np.log10(0.5))
    with pytest.raises(ValueError, match="min < max"):
        BetaSlider(0.9, min=0.9, max=0.5)


def test_set_range_moves_limits_in_either_direction():
    s = W.FloatSlider(0.0, min=-1.0, max=1.0)
    set_range(s, 2.0, 5.0, 3.0)
    assert (s.min, s.max, s.value) == (2.0, 5.0, 3.0)
    set_range(s, -10.0, -5.0, 0.0)
    assert (s.min, s.max, s.value) == (-10.0, -5.0, -5.0)
    with pytest.raises(ValueError, match="lo must be <= hi"):
        set_range(s, 1.0, 0.0, 0.5)


def test_once_per_key_makes_again_only_for_a_new_key():
    made = []
    get = once_per_key(lambda key: made.append(key) or len(made))
    k1, k2 = jax.random.key(0), jax.random.key(1)
    assert (get(k1), get(k1), get(k2), get(k2)) == (1, 1, 2, 2)


def test_progress_outside_ipython_shows_nothing_and_checks_total():
    with Progress(3, after=0.0) as progress:
        for i in range(3):
            progress(i + 1, description=f"{i + 1}/3")
    assert progress.bar is None and progress.done == 3
    with pytest.raises(ValueError, match="total must be >= 1"):
        Progress(0)
