"""Tests for dlcore.demos.exponentially_weighted_averages: both averages against a
float64 NumPy loop over the same temperatures, β traced, and bad input."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from dlcore.compiles import count_compiles
from dlcore.data import make_temperature
from dlcore.demos.exponentially_weighted_averages import temperature_averages

KEY = jax.random.key(0)


def _numpy_ewa(theta, beta):
    v, plain, corrected = 0.0, [], []
    for t, x in enumerate(np.asarray(theta, np.float64), start=1):
        v = beta * v + (1 - beta) * x
        plain.append(v)
        corrected.append(v / (1 - beta**t))
    return np.array(corrected), np.array(plain)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
def test_both_averages_equal_a_float64_loop(beta):
    theta, v_corr, v = temperature_averages(KEY, beta, days=200, noise=5.0)
    np.testing.assert_allclose(theta, make_temperature(KEY, 200, 5.0), rtol=1e-6)
    want_corr, want = _numpy_ewa(theta, beta)
    np.testing.assert_allclose(v, want, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(v_corr, want_corr, rtol=1e-5, atol=1e-4)
    # the start-up dip: v_1 = (1 − β) θ_1, the corrected v_1 = θ_1
    assert float(v[0]) == pytest.approx((1 - beta) * float(theta[0]), rel=1e-6)
    assert float(v_corr[0]) == pytest.approx(float(theta[0]), rel=1e-6)


def test_beta_is_traced():
    temperature_averages(KEY, 0.9)
    with count_compiles() as c:
        for beta in (0.5, 0.95, 0.999):
            temperature_averages(KEY, beta)
    assert c.count == 0


def test_bad_input():
    with pytest.raises(ValueError, match="beta"):
        temperature_averages(KEY, 1.0)
    with pytest.raises(ValueError, match="days"):
        temperature_averages(KEY, 0.9, days=0)
    with pytest.raises(ValueError, match="noise"):
        temperature_averages(KEY, 0.9, noise=-1.0)
    with pytest.raises(TypeError, match="key"):
        temperature_averages(None, 0.9)
