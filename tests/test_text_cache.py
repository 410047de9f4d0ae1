"""dlcore.live.text_cache: replayed text gives the same pixels as matplotlib's own.

The oracle is matplotlib's ``RendererAgg.draw_text`` itself: every figure is
drawn with the cache off, then twice with it on (the second draw replays),
and the RGBA buffers must be equal byte for byte.
"""

from __future__ import annotations

import importlib

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

import dlcore.live.text_cache as tc


@pytest.fixture
def cache_state():
    was = tc.installed()
    yield
    (tc.install if was else tc.uninstall)()


def _pixels(fig) -> np.ndarray:
    FigureCanvasAgg.draw(fig.canvas)
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def _plain_then_cached(fig):
    tc.uninstall()
    plain = _pixels(fig)
    tc.install()
    before = dict(tc.STATS)
    first = _pixels(fig)
    mid = dict(tc.STATS)
    second = _pixels(fig)
    after = dict(tc.STATS)
    return plain, first, second, before, mid, after


def _text_figure():
    import matplotlib.pyplot as plt

    with plt.ioff():
        fig, (a, b) = plt.subplots(1, 2, figsize=(6, 2.5), dpi=80)
    a.semilogy([1, 2, 3], [1e-3, 1e2, 1e5])  # mathtext tick labels 10^k
    a.set_title("‖dW[l]‖ per layer", color="tab:red")
    a.set_xlabel(r"$\alpha$ (log), $\sqrt{1-\beta_2^t}$")
    b.plot([0, 1], [0, 1], label="Adam")
    b.legend()
    b.text(0.2, 0.5, "rotated", rotation=33, alpha=0.6, fontsize=13)
    b.text(0.5, 0.2, "clipped", clip_on=True, fontweight="bold")
    b.set_ylabel("J(θ)", fontstyle="italic")
    fig.tight_layout()
    return fig


def test_replay_gives_identical_pixels(cache_state):
    fig = _text_figure()
    plain, first, second, before, mid, after = _plain_then_cached(fig)
    assert np.array_equal(plain, first)
    assert np.array_equal(plain, second)
    # the first cached draw rasterizes, the second only replays
    assert mid["rasterized"] > before["rasterized"]
    assert after["rasterized"] == mid["rasterized"]
    assert after["replayed"] - mid["replayed"] >= 20


def test_colour_alpha_and_rcparams_changes_are_drawn(cache_state):
    fig = _text_figure()
    tc.install()
    _pixels(fig)  # fill the cache
    ax = fig.axes[1]
    label = ax.texts[0]
    label.set_color("tab:green")
    label.set_alpha(0.3)
    fig.axes[0].title.set_color("tab:purple")
    fig.axes[0].xaxis.label.set_color("tab:orange")  # mathtext with a rule box
    cached = _pixels(fig)
    tc.uninstall()
    assert np.array_equal(_pixels(fig), cached)
    tc.install()
    with matplotlib.rc_context({"mathtext.fontset": "stix", "text.hinting": "none"}):
        cached = _pixels(fig)
        tc.uninstall()
        plain = _pixels(fig)
    assert np.array_equal(plain, cached)


@pytest.mark.parametrize(
    "module, factory",
    [
        ("vanishing", "deep_net_panel"),
        ("gradcheck", "eps_panel"),
        ("optimizers", "optimizer_panel"),
    ],
)
def test_panel_full_redraw_identical(cache_state, module, factory):
    panel = getattr(importlib.import_module(f"dlcore.live.panels.{module}"), factory)()
    try:
        plain, first, second, *_ = _plain_then_cached(panel.fig)
        assert np.array_equal(plain, first)
        assert np.array_equal(plain, second)
    finally:
        panel.close()


def test_cache_is_bounded(cache_state, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(tc, "MAX_ENTRIES", 50)
    tc.install()
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(3, 2), dpi=60)
    t = ax.text(0.1, 0.5, "")
    FigureCanvasAgg.draw(fig.canvas)
    renderer = fig.canvas.get_renderer()
    for i in range(400):
        t.set_text(f"step {i}")
        t.draw(renderer)
    cache = renderer.__dict__["_dlcore_text_cache"]
    assert 0 < len(cache) <= 50
    plt.close(fig)


def test_install_uninstall_and_env(cache_state, monkeypatch):
    tc.install()
    assert tc.installed() and RendererAgg.draw_text is tc._draw_text
    tc.uninstall()
    assert not tc.installed() and RendererAgg.draw_text is tc._agg_draw_text
    monkeypatch.setenv("DLCORE_TEXT_CACHE", "0")
    assert not tc.enabled_by_env()
    from dlcore.live.widgets import figure

    fig, _ = figure()
    assert not tc.installed()  # the opt-out is respected
    monkeypatch.setenv("DLCORE_TEXT_CACHE", "1")
    fig2, _ = figure()
    assert tc.installed()
    import matplotlib.pyplot as plt

    plt.close(fig)
    plt.close(fig2)
