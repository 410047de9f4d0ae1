"""The mean-field gain of a deep sigmoid net (notebook 02's corrected theory)."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from dlcore.demos import vanishing_exploding as depth


def _monte_carlo(scale, q, key, n=2_000_000):
    """s²·E[σ(z)²] and s·E[σ'(z)²]^½ for z ~ N(0, q), by sampling, in float64."""
    z = np.sqrt(q) * np.asarray(jax.random.normal(key, (n,)), np.float64)
    sig = 1.0 / (1.0 + np.exp(-z))
    return scale**2 * np.mean(sig**2), scale * np.sqrt(np.mean((sig * (1 - sig)) ** 2))


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0, 10.0])
def test_fixed_point_and_gain_match_monte_carlo(scale):
    q, gain = depth.sigmoid_mean_field(scale)
    q_next, gain_mc = _monte_carlo(scale, q, jax.random.key(7))
    assert q_next == pytest.approx(q, rel=2e-3)  # q* is a fixed point
    assert gain == pytest.approx(gain_mc, rel=2e-3)
    assert gain < scale / 4  # σ' < 1/4 away from 0: the bound is strict


def test_small_scale_reaches_the_bound_and_large_scale_saturates():
    q, gain = depth.sigmoid_mean_field(1e-3)
    assert q == pytest.approx(1e-6 / 4, rel=1e-3)  # σ(0)² = 1/4
    assert gain == pytest.approx(1e-3 / 4, rel=1e-3)
    # at s = 10 the bound predicts ×2.5 per layer; the actual gain is about 1
    assert depth.sigmoid_mean_field(10.0)[1] == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("scale", [1.0, 10.0])
def test_gain_matches_the_measured_gradient_ratio(scale):
    st = depth.deep_mlp_stats(jax.random.key(0), scale, 20, activation="sigmoid")
    g = np.asarray(st.grad_norm, np.float64)
    measured = np.exp(np.mean(np.log(g[:, 0] / g[:, 19])) / 19)
    assert measured == pytest.approx(depth.sigmoid_mean_field(scale)[1], rel=0.06)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), 1e4])
def test_bad_scale_is_refused(bad):
    with pytest.raises(ValueError, match="scale"):
        depth.sigmoid_mean_field(bad)
