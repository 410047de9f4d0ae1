"""Tests for the mini-batch panel (Agg backend): sweeps, compiles, figures, data.

Untimed: they count compilations, figures and errors, and compare the
precomputed runs with an independent JAX computation.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from panel_sweep import moves_are_clean

from dlcore.data import num_mini_batches
from dlcore.live.panels.minibatch import (
    batch_sizes_for,
    cost,
    make_data,
    minibatch_panel,
    shuffles,
    train,
)

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


@pytest.mark.parametrize("b", [1, 7, 128, 256, M])
def test_a_run_matches_an_independent_jax_computation(b):
    """Same shuffles, jax.grad of the mean logistic cost, partial last batch kept."""
    X, Y = make_data(M, 0)
    w0, alpha, epochs = np.array([-2.0, 3.0]), 0.3, 2
    perms = shuffles(jax.random.key(3), M, epochs)
    run = train(X, Y, w0, alpha, b, perms)

    def J(w, Xb, Yb):
        z = w @ Xb
        p = jax.nn.sigmoid(z)
        return -jnp.mean(Yb * jnp.log(p) + (1 - Yb) * jnp.log(1 - p))

    grad = jax.value_and_grad(J)
    w = jnp.asarray(w0, jnp.float32)
    Xj, Yj = jnp.asarray(X, jnp.float32), jnp.asarray(Y[0], jnp.float32)
    costs, sizes = [], []
    for perm in perms:
        for k in range(math.ceil(M / b)):
            idx = perm[k * b : (k + 1) * b]
            sizes.append(len(idx))
            value, g = grad(w, Xj[:, idx], Yj[idx])
            costs.append(float(value))
            w = w - alpha * g
    assert sizes[: math.ceil(M / b)] == [b] * (M // b) + ([M % b] if M % b else [])
    np.testing.assert_allclose(run.batch_cost, costs, rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(run.W[-1], np.asarray(w), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(run.cost[-1], float(J(w, Xj, Yj)), rtol=1e-4)


def test_shuffles_are_permutations_fixed_by_the_key():
    a = shuffles(jax.random.key(0), 50, 3)
    assert a.shape == (3, 50)
    assert all(sorted(row) == list(range(50)) for row in a)
    np.testing.assert_array_equal(a, shuffles(jax.random.key(0), 50, 3))
    assert not np.array_equal(a, shuffles(jax.random.key(1), 50, 3))
    assert not np.array_equal(a[0], a[1])  # a fresh shuffle every epoch


def test_cost_is_stable_and_matches_the_plain_formula():
    X, Y = make_data(40, 1)
    w = np.array([0.7, -1.2])
    p = 1 / (1 + np.exp(-(w @ X)))
    plain = -np.mean(Y[0] * np.log(p) + (1 - Y[0]) * np.log(1 - p))
    assert cost(w, X, Y) == pytest.approx(plain, rel=1e-12)
    assert np.isfinite(cost(np.array([1e4, 1e4]), X, Y))  # no log(0)
    assert cost(np.stack([w, w]), X, Y).shape == (2,)


def test_bad_batch_sizes_are_rejected():
    with pytest.raises(ValueError, match="batch sizes must be in"):
        minibatch_panel(m=20, epochs=1, batch_sizes=[0, 4])
