"""Tests for dlcore.live.panels.vanishing (Agg backend): sweeps, and that what is
drawn equals float64 closed forms and explicitly unrolled networks.

Untimed: they count renders, compilations and figures, never milliseconds.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from panel_sweep import assert_sweep_is_clean, closing

from dlcore.demos import vanishing_exploding as depth
from dlcore.demos.vanishing_exploding import CLIP_STEPS, clip_start
from dlcore.live.panels.vanishing import (
    MAX_CHAIN,
    chain_panel,
    clipping_panel,
    deep_net_panel,
    log_limits,
)


@pytest.fixture(scope="module")
def panels():
    yield from closing(
        {
            "chain": chain_panel(),
            "deep": deep_net_panel(),
            "clip": clipping_panel(),
        }
    )


@pytest.mark.parametrize("name", ["chain", "deep", "clip"])
def test_every_control_swept_without_errors_figures_or_compiles(panels, name):
    assert_sweep_is_clean(panels[name])


# --- the chain -------------------------------------------------------------------


def test_chain_curves_are_the_closed_form(panels):
    panel = panels["chain"]
    ax = panel.fig.axes[0]
    y_line, g1_line, gw_line = [ln for ln in ax.lines if ln.get_label()[:1] == "|"]
    (dots,) = [ln for ln in ax.lines if ln.get_marker() == "o"]
    for w, L in [(1.2, 60), (0.8, 150), (1.5, 200), (1.0, 1)]:
        panel.set(w=w, L=L, dtype="float32")
        w32 = float(np.float32(panel.values["w"]))
        Ls = np.arange(1, MAX_CHAIN + 1, dtype=np.float64)
        for line, ref in [(y_line, w32**Ls), (g1_line, w32 ** (Ls - 1)),
                          (gw_line, Ls * w32 ** (Ls - 1))]:  # fmt: skip
            got = np.asarray(line.get_ydata(), np.float64)
            ok = (w32 ** (Ls - 1) > 1e-36) & np.isfinite(got)
            np.testing.assert_allclose(got[ok], ref[ok], rtol=2e-4)
        xs, ys = dots.get_data()
        assert list(xs) == [L] * 3
        np.testing.assert_allclose(ys[0], w32**L, rtol=2e-4)
    assert panel.errors == []


def shown_text(panel) -> str:
    """Every text in the figure, and the readout line above it."""
    texts = [t.get_text() for ax in panel.fig.axes for t in ax.texts]
    return " | ".join([*texts, panel.readout.value])


def test_chain_marks_float16_overflow_and_float32_underflow(panels):
    panel = panels["chain"]
    panel.set(w=1.2, L=100, dtype="float16")
    texts = shown_text(panel)
    assert "overflow (inf) at depth 61" in texts  # ŷ = 1.2^L
    assert "overflow (inf) at depth 42" in texts  # L·1.2^(L−1)
    assert "overflows float16 at L = 61" in texts
    panel.set(w=0.5, dtype="float32")
    texts = shown_text(panel)
    first_zero = int(np.argmax(np.asarray(depth.linear_chain(0.5).y_hat) == 0)) + 1
    assert f"vanished (0) at depth {first_zero}" in texts
    assert "never (|w| ≤ 1)" in texts
    panel.set(w=1.5, dtype="float32")
    texts = shown_text(panel)
    assert "overflow (inf)" not in texts and "overflows float32 at L = 219" in texts


# --- the deep net -------------------------------------------------------------------


def _explicit_grad_norms(draws, scale, L, activation):
    """‖dW[l]‖ per seed from an unmasked L-layer network and jax.grad."""
    from dlcore import activations

    g, _ = activations.get(activation)
    out = []
    for s in range(draws.X.shape[0]):
        X, R = draws.X[s], draws.R[s]
        n, m = X.shape
        Ws = [scale / math.sqrt(n) * draws.W_unit[s, l] for l in range(L)]

        def J(Ws, X=X, R=R, m=m):
            A = X
            for W in Ws:
                A = g(W @ A)
            return jnp.sum(R * A) / m

        out.append([float(np.linalg.norm(np.asarray(d, np.float64)))
                    for d in jax.grad(J)(Ws)])  # fmt: skip
    return np.array(out)


@pytest.mark.parametrize(
    ("activation", "scale", "L"), [("sigmoid", 1.0, 12), ("relu", 1.4, 20),
                                   ("tanh", 0.6, 7)],
)  # fmt: skip
def test_deep_panel_draws_the_geometric_mean_of_jax_grad(panels, activation, scale, L):
    panel = panels["deep"]
    panel.set(activation=activation, scale=scale, depth=L)
    s = panel.values["scale"]
    draws = depth.deep_draws(panel.key)
    want = _explicit_grad_norms(draws, s, L, activation)
    geo = np.exp(np.log(want).mean(axis=0))
    ax_g, ax_a = panel.fig.axes[:2]
    xs, ys = ax_g.lines[0].get_data()
    np.testing.assert_array_equal(xs, np.arange(1, L + 1))
    np.testing.assert_allclose(ys, geo, rtol=5e-4)
    # the band spans the seeds' min..max (clipped into the view)
    verts = ax_g.collections[0].get_paths()[0].vertices
    lo, hi = ax_g.get_ylim()
    np.testing.assert_allclose(verts[:L, 1], np.clip(want.min(0), lo, hi), rtol=5e-4)
    # the dashed theory line is anchored at the last layer
    theory = ax_g.lines[4].get_ydata()
    ratio = depth.backward_factor(activation, s) / depth.forward_factor(activation, s)
    if activation == "sigmoid":  # the actual gain, not the bound s/4
        ratio = depth.sigmoid_mean_field(s)[1]
    np.testing.assert_allclose(
        theory, np.clip(geo[-1] * ratio ** np.arange(L - 1, -1, -1.0), lo, hi),
        rtol=5e-4,
    )  # fmt: skip
    assert panel.errors == []


def test_deep_panel_names_the_overflowing_layer(panels):
    panel = panels["deep"]
    panel.set(activation="relu", scale=10.0, depth=50)
    texts = shown_text(panel)
    st = depth.deep_mlp_stats(panel.key, panel.values["scale"], 50, activation="relu")
    first = min(depth.first_nonfinite(r) for r in np.asarray(st.act_std))
    assert f"overflow (inf) at layer {first}" in texts
    assert f"forward pass overflowed\nat layer {first}: no gradient" in texts
    panel.set(activation="sigmoid", scale=1.0, depth=20)
    texts = shown_text(panel)
    assert "overflow" not in texts
    gain = depth.sigmoid_mean_field(1.0)[1]  # about 0.236, below the bound 1/4
    assert f"× {gain:.3g} per layer back" in texts and "s/4 = 0.25" in texts


# --- clipping ---------------------------------------------------------------------


def _numpy_run(lr, c, clip, steps):
    w = clip_start().astype(np.float64)
    out = []
    for _ in range(steps):
        y = np.prod(w)
        out.append(0.5 * (y - 1) ** 2)
        g = (y - 1) * np.array([np.prod(np.delete(w, i)) for i in range(w.size)])
        if clip:
            g = g * min(1.0, c / np.linalg.norm(g))
        with np.errstate(all="ignore"):
            w = w - lr * g
    return np.array(out)


def test_clip_panel_draws_both_runs(panels):
    panel = panels["clip"]
    panel.set(clip=True, mode="norm", threshold=1.0, learning_rate=0.01)
    ax_l = panel.fig.axes[0]
    this, other = ax_l.lines[0].get_ydata(), ax_l.lines[1].get_ydata()
    lr = panel.values["learning_rate"]
    want = _numpy_run(lr, panel.values["threshold"], True, CLIP_STEPS)
    np.testing.assert_allclose(this[:100], want[:100], rtol=5e-3)
    with np.errstate(all="ignore"):
        wild = _numpy_run(lr, 1.0, False, 5)
    np.testing.assert_allclose(other[:2], wild[:2], rtol=1e-3)
    texts = " | ".join(t.get_text() for t in ax_l.texts)
    assert "overflow (inf) at step" in texts  # the unclipped run, named
    panel.set(clip=False)
    assert np.isnan(ax_l.lines[0].get_ydata()).any()  # now the bold one explodes
    assert panel.readout.value.startswith("no clipping: J after")
    assert panel.errors == []


# --- helpers --------------------------------------------------------------------------


def test_log_limits_keeps_a_view_that_still_fits():
    assert log_limits([1e-3, 1e2]) == (1e-8, 1e7)
    assert log_limits([1e-3, 1e2], (1e-8, 1e7)) == (1e-8, 1e7)
    assert log_limits([1e-30, 1.0], (1e-8, 1e7)) == (1e-35, 1e5)  # out: new view
    assert log_limits([1.0, 2.0], (1e-30, 1e30)) == (1e-5, 1e6)  # far too wide
    assert log_limits([0.0, np.inf, np.nan], (1e-2, 1e2)) == (1e-2, 1e2)
    assert log_limits([0.0]) is None


def test_bad_inputs():
    with pytest.raises(ValueError, match="dtype"):
        chain_panel(dtype="float8")
    with pytest.raises(ValueError, match="activation"):
        deep_net_panel(activation="softmax")
    with pytest.raises(ValueError, match="unknown size"):
        deep_net_panel(widht=3)
