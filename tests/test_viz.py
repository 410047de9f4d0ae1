"""Tests for dlcore.live.viz: artists come back, updates are in place, and
non-finite values are drawn explicitly (markers + labels), never dropped."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcore.live import viz


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def _shown(line):
    return len(line.get_xdata()) > 0 and line.get_visible()


# --- non-finite values --------------------------------------------------------


def test_describe_nonfinite_names_the_first_of_each_kind():
    x = np.arange(1, 8)
    y = [1.0, np.inf, 2.0, np.nan, np.nan, -np.inf, 0.0]
    assert viz.describe_nonfinite(x, y, what="layer") == (
        "overflow (inf) at layer 2 · −inf at layer 6 · NaN from layer 4"
    )
    assert "vanished (0) at layer 7" in viz.describe_nonfinite(
        x, y, what="layer", log=True
    )
    assert viz.describe_nonfinite(x, [1.0] * 7) == ""


def test_mark_nonfinite_puts_markers_on_the_edges(ax):
    x = np.arange(10)
    y = np.ones(10)
    marks = viz.mark_nonfinite(ax, x, y)
    assert not marks.label.get_visible() and not _shown(marks.top)
    y[3], y[5:] = np.inf, np.nan
    text = viz.update_nonfinite(marks, x, y, name="gd")
    assert text == "gd: overflow (inf) at step 3 · NaN from step 5"
    assert marks.label.get_visible() and marks.label.get_text() == text
    assert list(marks.top.get_xdata()) == [3]
    assert list(marks.nan.get_xdata()) == [5]  # one ✕ where the NaN run starts
    assert set(marks.top.get_ydata()) == {0.98}  # axes coordinates: the top edge
    assert marks.label.get_color() == viz.NONFINITE_COLOR


def test_each_run_of_bad_values_gets_one_marker(ax):
    x = np.arange(10)
    y = np.array([1, np.nan, 1, np.nan, np.nan, np.inf, np.inf, 1, np.nan, np.nan])
    marks = viz.mark_nonfinite(ax, x, y)
    assert list(marks.nan.get_xdata()) == [1, 3, 8]
    assert list(marks.top.get_xdata()) == [5]
    assert not _shown(marks.bottom)


def test_finite_limits_ignore_bad_values():
    lo, hi = viz.finite_limits([1.0, np.inf, 3.0, np.nan], margin=0.0)
    assert (lo, hi) == (1.0, 3.0)
    lo, hi = viz.finite_limits([0.0, 1e-3, 10.0, -1.0], log=True, margin=0.0)
    assert lo == pytest.approx(1e-3) and hi == pytest.approx(10.0)
    assert viz.finite_limits([np.nan, np.inf]) is None


# --- series -------------------------------------------------------------------


def test_plot_series_returns_artists_and_updates_in_place(ax):
    x = np.arange(5.0)
    s = viz.plot_series(ax, x, x**2, -x, label="v", label2="w", text="β = 0.9")
    line, line2, text = s.line, s.line2, s.text
    assert s.text.get_text() == "β = 0.9"
    n_lines = len(ax.lines)
    changed = viz.update_series(s, y=x + 1, y2=x * 0, text="β = 0.99", rescale=True)
    assert s.line is line and s.line2 is line2 and s.text is text
    assert len(ax.lines) == n_lines  # nothing new was drawn
    np.testing.assert_array_equal(line.get_ydata(), x + 1)
    assert text.get_text() == "β = 0.99"
    assert changed is True and ax.get_ylim()[1] < 16


def test_series_with_inf_and_nan_is_marked_not_blank(ax):
    x = np.arange(6)
    s = viz.plot_series(ax, x, np.ones(6), label="loss")
    viz.update_series(s, y=[1.0, 2.0, np.inf, np.nan, np.nan, np.nan], rescale=True)
    assert (
        s.marks.label.get_text() == "loss: overflow (inf) at step 2 · NaN from step 3"
    )
    assert np.isnan(s.line.get_ydata()[2])  # a gap, with a marker instead
    lo, hi = ax.get_ylim()
    assert np.isfinite(lo) and np.isfinite(hi)
    ax.figure.canvas.draw()  # drawing must not fail either


def test_layer_norms_on_log_axis_mark_zero_inf_nan(ax):
    norms = [1.0, 1e-3, 1e-30, 0.0, 0.0, np.inf, np.nan, 2.0]
    s = viz.plot_layer_norms(ax, norms)
    assert ax.get_yscale() == "log"
    text = s.marks.label.get_text()
    assert "vanished (0) at layer 4" in text
    assert "overflow (inf) at layer 6" in text
    assert "NaN from layer 7" in text
    assert list(s.marks.bottom.get_xdata()) == [4]  # ▼ at the bottom edge
    lo, hi = ax.get_ylim()
    assert 0 < lo <= 1e-30 and hi >= 2.0
    viz.update_layer_norms(s, np.ones(8))
    assert not s.marks.label.get_visible()
    ax.figure.canvas.draw()


# --- contours and paths ---------------------------------------------------------


def _bowl():
    xs = np.linspace(-2, 2, 30)
    ys = np.linspace(-1, 1, 20)
    Z = xs[None, :] ** 2 + 4 * ys[:, None] ** 2
    return xs, ys, Z


def test_contour_drawn_once_and_replaced_on_demand(ax):
    xs, ys, Z = _bowl()
    c = viz.plot_contour(ax, xs, ys, Z, levels=[0.1, 0.5, 1, 2], minimum=(0, 0))
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 1.0)
    c2 = viz.update_contour(c, xs, ys, 2 * Z, levels=[0.2, 1.0], minimum=(1, 0))
    assert c.contour not in ax.get_children() and c2.contour in ax.get_children()
    assert list(c2.minimum.get_xdata()) == [1]


def test_paths_update_in_place_and_mark_divergence(ax):
    xs, ys, Z = _bowl()
    viz.plot_contour(ax, xs, ys, Z, levels=[0.5, 1])
    T = 10
    paths = np.zeros((2, T + 1, 2))
    paths[:, :, 0] = np.linspace(-1.5, 0, T + 1)
    p = viz.plot_paths(ax, paths, ["gd", "adam"])
    lines = list(p.lines)
    assert not p.label.get_visible()
    np.testing.assert_allclose(p.lines[0].get_xdata(), paths[0, :, 0])
    bad = paths.copy()
    bad[1, 4:] = np.inf
    bad[1, 5:] = np.nan
    text = viz.update_paths(p, bad)
    assert p.lines == lines  # same artists
    assert text == "adam: overflow (inf) at step 4"
    assert p.label.get_visible() and p.label.get_text() == text
    bx, by = p.broken.get_data()
    assert len(bx) == 1 and (bx[0], by[0]) == (bad[1, 3, 0], bad[1, 3, 1])
    assert np.isnan(p.lines[1].get_xdata()[4:]).all()
    ax.figure.canvas.draw()


def test_paths_leaving_the_view_are_clamped_and_named(ax):
    xs, ys, Z = _bowl()
    viz.plot_contour(ax, xs, ys, Z, levels=[1])
    path = np.zeros((1, 4, 2))
    path[0, :, 1] = [0.0, 0.5, 1e30, -1e30]  # finite, but absurdly far away
    p = viz.plot_paths(ax, path, ["gd"])
    assert p.label.get_text() == "gd: left the view at step 2"
    shown = p.lines[0].get_ydata()
    assert np.all(np.abs(shown) <= 1 + 10 * 2)  # clipped to 10 view-sizes
    bx, by = p.broken.get_data()
    assert -1 <= by[0] <= 1  # the ✕ stays visible inside the view
    ax.figure.canvas.draw()


# --- histogram and decision boundary ------------------------------------------------


def test_hist_updates_bar_heights_in_place(ax):
    h = viz.plot_hist(ax, np.zeros(10), bins=4, range=(-1, 1))
    bars = list(h.bars)
    assert [b.get_height() for b in bars] == [0, 0, 10, 0]
    viz.update_hist(h, [-0.9, -0.9, 0.9, 5.0, np.nan, np.inf])
    assert list(h.bars) == bars
    assert [b.get_height() for b in bars] == [2, 0, 0, 1]
    assert h.text.get_text() == "1 outside [-1, 1] · 2 non-finite (NaN/inf)"


def test_decision_boundary_updates_image_and_points(ax):
    xs, ys = np.linspace(0, 1, 5), np.linspace(0, 1, 4)
    probs = np.full((4, 5), 0.5)
    X, Y = np.zeros((2, 3)), np.array([[0, 1, 1]])
    d = viz.plot_decision_boundary(ax, xs, ys, probs, X, Y)
    new = probs.copy()
    new[0, 0] = np.nan
    viz.update_decision_boundary(d, new, X=np.ones((2, 3)), Y=np.array([[1, 1, 0]]))
    assert np.ma.is_masked(d.image.get_array()[0, 0]) or np.isnan(
        d.image.get_array()[0, 0]
    )
    assert d.text.get_text().startswith("1 grid cells")
    np.testing.assert_array_equal(d.points.get_offsets(), np.ones((3, 2)))
    np.testing.assert_array_equal(d.points.get_array(), [1, 1, 0])
    ax.figure.canvas.draw()


# --- lecture mode and helpers ---------------------------------------------------------


def test_lecture_mode_sets_and_restores_rcparams():
    before = matplotlib.rcParams["font.size"]
    with viz.lecture_mode():
        assert matplotlib.rcParams["font.size"] == viz.LECTURE_RC["font.size"]
        assert (
            matplotlib.rcParams["lines.linewidth"] == viz.LECTURE_RC["lines.linewidth"]
        )
    assert matplotlib.rcParams["font.size"] == before
    viz.lecture_mode(True)
    viz.lecture_mode(False)
    assert matplotlib.rcParams["font.size"] == matplotlib.rcParamsDefault["font.size"]


def test_apply_lecture_mode_scales_an_existing_figure_and_back(ax):
    ax.set_title("title")
    (line,) = ax.plot([0, 1], [0, 1], lw=2)
    s = viz.plot_series(ax, [0, 1], [1, 2], text="note")
    fig = ax.figure
    size0, lw0 = ax.title.get_fontsize(), line.get_linewidth()
    note0 = s.text.get_fontsize()
    fig.canvas.draw()  # the tick labels exist

    def tick_sizes():
        ticks = ax.xaxis.get_major_ticks() + ax.yaxis.get_major_ticks()
        return {round(t.label1.get_fontsize(), 6) for t in ticks}

    (tick0,) = tick_sizes()
    viz.apply_lecture_mode(fig, True)
    assert ax.title.get_fontsize() == pytest.approx(size0 * viz.LECTURE_SCALE)
    assert s.text.get_fontsize() == pytest.approx(note0 * viz.LECTURE_SCALE)
    assert line.get_linewidth() == pytest.approx(lw0 * viz.LECTURE_SCALE)
    assert tick_sizes() == {round(tick0 * viz.LECTURE_SCALE, 6)}  # once, not twice
    viz.set_base_linewidth(line, 3.0)  # emphasis survives toggling
    assert line.get_linewidth() == pytest.approx(3.0 * viz.LECTURE_SCALE)
    viz.apply_lecture_mode(fig, False)
    assert ax.title.get_fontsize() == pytest.approx(size0)
    assert line.get_linewidth() == pytest.approx(3.0)
    assert tick_sizes() == {tick0}  # exactly back
    viz.apply_lecture_mode(fig, True)  # and again: toggling is exact
    assert tick_sizes() == {round(tick0 * viz.LECTURE_SCALE, 6)}
    viz.apply_lecture_mode(fig, False)
    assert tick_sizes() == {tick0}
    fig.canvas.draw()


def test_artists_of_flattens_and_skips_legends(ax):
    p = viz.plot_paths(ax, np.zeros((2, 3, 2)), ["gd", "adam"])
    arts = viz.artists_of(p)
    assert p.legend not in arts
    assert set(p.lines) <= set(arts) and p.label in arts and p.broken in arts
