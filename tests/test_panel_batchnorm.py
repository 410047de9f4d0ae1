"""Tests for dlcore.demos.batch_normalization and its panel (Agg backend).

Oracles: NumPy recomputations of the masked BN statistics and histograms,
dlcore.layers.batchnorm_forward (running statistics), dlcore.train.fit for a
single run, and closed forms ((m − 1)/m). Untimed.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from panel_sweep import assert_sweep_is_clean, closing

from dlcore import data, layers, model, train
from dlcore.demos import batch_normalization as bd
from dlcore.live.panels.batchnorm import hist_panel, lr_panel, plot_ema_gap

ALPHAS = (0.01, 0.3, 3.0)
STEPS = 60


@pytest.fixture(scope="module")
def panels():
    yield from closing(
        {
            "hist": hist_panel(),
            "lr": lr_panel(alphas=ALPHAS, num_steps=STEPS, index=1),
        }
    )


@pytest.mark.parametrize("name", ["hist", "lr"])
def test_every_control_swept_without_errors_figures_or_compiles(panels, name):
    assert_sweep_is_clean(panels[name])


def _numpy_layers(Ws, X, scale, m, bn, eps=1e-5):
    """Independent float64 recomputation: (Z, Z_tilde) per layer on X[:, :m]."""
    A = np.asarray(X, np.float64)[:, :m]
    out = []
    for W in Ws:
        Z = scale * np.asarray(W, np.float64) @ A
        Zt = (Z - Z.mean(1, keepdims=True)) / np.sqrt(Z.var(1, keepdims=True) + eps)
        Zt = Zt if bn else Z
        out.append((Z, Zt))
        A = np.maximum(Zt, 0)
    return out


@pytest.mark.parametrize("scale,m,bn", [(1.0, 256, True), (0.3, 8, True),
                                        (3.0, 32, False), (1.0, 2, True)])  # fmt: skip
def test_histograms_match_numpy(scale, m, bn):
    Ws, X = bd.hist_params(jax.random.key(1))
    h = bd.layer_histograms(Ws, X, scale, m, bn=bn)
    for l, (Z, Zt) in enumerate(_numpy_layers(Ws, X, scale, m, bn)):
        for counts, vals in ((h.pre[l], Z), (h.post[l], Zt)):
            ref = np.histogram(vals, bins=bd.EDGES)[0] / vals.size
            np.testing.assert_allclose(counts, ref, atol=2.0 / vals.size)
        np.testing.assert_allclose(h.pre_std[l], Z.std(), rtol=2e-3)
        np.testing.assert_allclose(h.post_std[l], Zt.std(), rtol=2e-3)
        outside = np.mean((Z < -4) | (Z > 4))
        assert abs(float(h.pre_outside[l]) - outside) < 2.0 / Z.size


def test_hist_panel_draws_the_histograms(panels):
    panel = panels["hist"]
    panel.set(scale=2.0, m=16, bn=True)
    values = panel.values
    Ws, X = bd.hist_params(panel.key)
    h = bd.layer_histograms(Ws, X, values["scale"], 16, bn=True)
    axes = panel.fig.axes
    depth = len(axes) // 2
    for l in range(depth):
        np.testing.assert_allclose(axes[l].patches[0].get_data()[0], h.pre[l])
        np.testing.assert_allclose(axes[depth + l].patches[0].get_data()[0], h.post[l])
    assert "m = 16, BN on" in panel.readout.value


def test_bn_keeps_every_layer_at_unit_scale_and_plain_net_does_not():
    Ws, X = bd.hist_params(jax.random.key(0))
    for scale in (0.1, 10.0):
        np.testing.assert_allclose(
            bd.layer_histograms(Ws, X, scale, 256).post_std, 1.0, atol=0.01
        )
    lo = float(bd.layer_histograms(Ws, X, 0.1, 256, bn=False).post_std[-1])
    hi = float(bd.layer_histograms(Ws, X, 10.0, 256, bn=False).post_std[-1])
    assert hi / lo > 1e7


def test_lr_sweep_rows_equal_single_fit_runs(panels):
    sweep = panels["lr"].sweep
    X, Y = data.make_moons(jax.random.key(0), 256, noise=0.2)
    for bn in (False, True):
        cfg = model.MLPConfig((2,) + (32,) * 5 + (1,), batchnorm=bn)
        hist = train.fit(jax.random.key(1), X, Y, cfg, train.Hyper(learning_rate=0.3),
                         optimizer="gd", num_steps=STEPS, eval_every=STEPS)  # fmt: skip
        np.testing.assert_allclose(sweep.loss[int(bn), 1], hist.loss, rtol=2e-4)


def test_lr_panel_shows_the_selected_alpha_and_marks_divergence(panels):
    panel = panels["lr"]
    sweep, ax = panel.sweep, panel.fig.axes[0]
    div = bd.diverged(sweep.loss)
    assert div[0, -1] and not div[1].any()  # α = 3: only the plain net diverges
    for i in range(len(ALPHAS)):
        panel.set(alpha=i)
        plain, with_bn = ax.lines[0].get_ydata(), ax.lines[1].get_ydata()
        np.testing.assert_allclose(with_bn, sweep.loss[1, i], rtol=1e-6)
        finite = np.isfinite(sweep.loss[0, i])
        np.testing.assert_allclose(plain[finite], sweep.loss[0, i][finite], rtol=1e-6)
        text = " ".join([*(t.get_text() for t in ax.texts), panel.readout.value])
        assert ("no BN: diverged" in text) == bool(div[0, i])
        if not np.isfinite(sweep.loss[0, i]).all():
            assert "no BN: " in text and ("NaN" in text or "overflow" in text)


def test_diverged_rule():
    loss = np.array([[1.0, 0.5, 0.2], [1.0, 2.0, 3.0], [1.0, np.nan, np.nan],
                     [1.0, np.inf, 0.1]])  # fmt: skip
    np.testing.assert_array_equal(bd.diverged(loss), [False, True, True, True])


def test_running_stats_equal_dlcore_batchnorm_forward():
    rng = np.random.default_rng(0)
    batches = rng.normal(2.0, 3.0, (3, 7, 5))  # n = 3 units, T = 7 batches, m = 5
    means, vars_ = bd.running_stats(batches, 0.9)
    state = layers.bn_init_state(3, jnp.float32)
    one = jnp.ones((3, 1))
    for t in range(7):
        _, _, state = layers.batchnorm_forward(
            jnp.asarray(batches[:, t], jnp.float32), one, 0 * one, state
        )
        np.testing.assert_allclose(state.mean, means[t], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(state.var, vars_[t], rtol=1e-5)


def test_ema_gap_claims():
    gap = bd.ema_gap()
    m = gap.batch_sizes
    np.testing.assert_allclose(gap.var_ratio, (m - 1) / m, atol=0.05)
    assert np.all(np.diff(gap.output_gap) < 0) and np.all(np.diff(gap.mean_gap) < 0)
    assert gap.output_gap[1] / gap.output_gap[5] > 3
    fig = plot_ema_gap(gap)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), gap.output_gap)
    matplotlib.pyplot.close(fig)


def test_bad_inputs_name_the_argument():
    Ws, X = bd.hist_params(jax.random.key(0))
    with pytest.raises(ValueError, match="m must be"):
        bd.layer_histograms(Ws, X, 1.0, 1)
    with pytest.raises(ValueError, match="scale"):
        bd.layer_histograms(Ws, X, 0.0, 8)
    with pytest.raises(ValueError, match="alphas"):
        bd.lr_sweep([0.1, -1.0])
    with pytest.raises(ValueError, match="batch_sizes"):
        bd.ema_gap((1, 4))
    with pytest.raises(ValueError, match="momentum"):
        bd.running_stats(np.zeros((1, 2, 2)), 1.0)
