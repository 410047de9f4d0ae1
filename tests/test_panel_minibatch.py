"""Tests for the mini-batch panel (Agg backend): sweeps, compiles, figures, data.

Untimed: they count compilations, figures and errors, and compare the
precomputed runs with an independent JAX computation.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from panel_sweep import moves_are_clean

from dlcore.data import num_mini_batches
from dlcore.demos.minibatch import batch_sizes_for
from dlcore.live.panels.minibatch import minibatch_panel

M, EPOCHS = 300, 10  # the defaults


@pytest.fixture(scope="module")
def panel():
    p = minibatch_panel()
    yield p
    p.close()


def test_every_position_min_mid_max_and_random_without_errors_figures_or_compiles(
    panel,
):
    options = [v for _, v in panel.controls["batch_size"].options]
    assert options == batch_sizes_for(M) == [1, 2, 4, 8, 16, 32, 64, 128, 256, M]
    rng = np.random.default_rng(0)
    with moves_are_clean(panel):
        for b in options:  # every slider position
            panel.set(batch_size=b)
        for b in (options[0], options[len(options) // 2], options[-1]):
            panel.set(batch_size=b)
        for _ in range(15):
            panel.set(batch_size=options[rng.integers(len(options))])
        before = panel.runs
        panel.new_seed()  # retrains every size: still nothing to compile
        assert panel.runs is not before
        assert not np.array_equal(panel.runs[1].W, before[1].W)  # new shuffles
        np.testing.assert_allclose(panel.runs[M].W, before[M].W, rtol=1e-12)  # b = m
        panel.set(batch_size=1)
    panel.fig.canvas.draw()


def test_the_figure_follows_the_slider(panel):
    panel.set(batch_size=32)
    ax_c, ax_e, ax_t = panel.fig.axes
    run = panel.compute(key=panel.key, batch_size=32)[0][32]
    assert "b = 32: ⌈m/b⌉ = 10 steps per epoch" in panel.readout.value
    path = ax_c.lines  # the path line holds every w_t
    assert any(len(ln.get_xdata()) == len(run.W) for ln in path)
    (curve,) = [ln for ln in ax_e.lines if ln.get_label() == "cost on all m"]
    np.testing.assert_allclose(curve.get_ydata(), run.cost)
    np.testing.assert_allclose(curve.get_xdata(), np.arange(len(run.W)) / 10)


def test_non_finite_values_are_marked_not_hidden(panel):
    run = panel.runs[8]
    W, c, bc = run.W.copy(), run.cost.copy(), run.batch_cost.copy()
    W[50:], c[50:], bc[49:] = np.nan, np.nan, np.inf
    bad = run._replace(W=W, cost=c, batch_cost=bc)
    panel.draw(({**panel.runs, 8: bad}, 8))
    ax_c, ax_e, _ = panel.fig.axes
    shown = [t.get_text() for ax in (ax_c, ax_e) for t in ax.texts if t.get_visible()]
    assert any("NaN" in t for t in shown), shown
    assert any("overflow (inf)" in t for t in shown), shown
    panel.set(batch_size=16)  # back to real data: the labels go away
    panel.set(batch_size=8)
    shown = [t.get_text() for ax in (ax_c, ax_e) for t in ax.texts if t.get_visible()]
    assert not any("NaN" in t or "inf" in t for t in shown)
    assert panel.errors == []


def test_runs_have_ceil_m_over_b_steps_per_epoch(panel):
    for b, run in panel.runs.items():
        nb = math.ceil(M / b)
        assert run.steps_per_epoch == nb == num_mini_batches(M, b)
        assert run.batch_cost.shape == (EPOCHS * nb,)
        assert run.W.shape == (EPOCHS * nb + 1, 2)
        assert run.cost.shape == (EPOCHS * nb + 1,)
        assert run.epoch_seconds.shape == (EPOCHS,) and run.epoch_time > 0
        assert np.all(np.isfinite(run.W))
    # batch GD: the mini-batch cost IS the full cost
    full = panel.runs[M]
    np.testing.assert_allclose(full.batch_cost, full.cost[:-1], rtol=1e-12)


def test_bad_batch_sizes_are_rejected():
    with pytest.raises(ValueError, match=r"batch_sizes .* in \[1, 20\]"):
        minibatch_panel(m=20, epochs=1, batch_sizes=[0, 4])
