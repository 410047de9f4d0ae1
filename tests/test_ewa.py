"""Tests for dlcore.ewa against closed forms and an independent NumPy loop."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore.ewa import effective_window, ewa, ewa_weights


def numpy_ewa(theta, beta, bias_correction=True, v0=0.0):
    """Reference: the recurrence written as a plain float64 loop."""
    theta = np.asarray(theta, dtype=np.float64)
    v = np.full(theta.shape[1:], v0, dtype=np.float64)
    out = np.empty_like(theta)
    for t in range(1, theta.shape[0] + 1):
        v = beta * v + (1 - beta) * theta[t - 1]
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out


# --- the lecture's worked example, beta = 0.98 ------------------------------


@pytest.mark.parametrize(
    "bias_correction, c1, c2",
    [
        (False, 0.98 * 0.02, 0.02),  # v_2 = 0.0196 θ1 + 0.02 θ2
        (True, 0.0196 / 0.0396, 0.02 / 0.0396),  # ≈ 0.495 θ1 + 0.505 θ2
    ],
)
def test_lecture_example_v2_coefficients(bias_correction, c1, c2):
    with jax.enable_x64(True):
        e1 = jnp.array([1.0, 0.0], dtype=jnp.float64)
        e2 = jnp.array([0.0, 1.0], dtype=jnp.float64)
        got_c1 = float(ewa(e1, 0.98, bias_correction)[1])
        got_c2 = float(ewa(e2, 0.98, bias_correction)[1])
    assert got_c1 == pytest.approx(c1, abs=1e-12)
    assert got_c2 == pytest.approx(c2, abs=1e-12)


def test_lecture_example_rounded_numbers():
    with jax.enable_x64(True):
        theta = jnp.eye(2, dtype=jnp.float64)  # column j is the unit series e_j
        v2 = ewa(theta, 0.98, bias_correction=True)[1]
    np.testing.assert_allclose(np.asarray(v2), [0.495, 0.505], atol=1e-3)


def test_float32_lecture_example():
    v2 = ewa(jnp.eye(2), 0.98, bias_correction=False)[1]
    assert v2.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(v2), [0.0196, 0.02], atol=1e-6)


# --- against an independent implementation ----------------------------------


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.5, 0.9, 0.95, 0.98, 0.99, 0.999])
@pytest.mark.parametrize("bias_correction", [False, True])
def test_matches_numpy_loop(beta, bias_correction):
    rng = np.random.default_rng(0)
    theta = rng.normal(10.0, 3.0, size=60)
    expected = numpy_ewa(theta, beta, bias_correction)
    with jax.enable_x64(True):
        got = ewa(jnp.asarray(theta), beta, bias_correction)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-10, atol=1e-10)
    got32 = ewa(jnp.asarray(theta, dtype=jnp.float32), beta, bias_correction)
    np.testing.assert_allclose(np.asarray(got32), expected, rtol=1e-4)


def test_matches_numpy_loop_multidimensional_and_v0():
    rng = np.random.default_rng(1)
    theta = rng.normal(size=(30, 3, 2))
    expected = numpy_ewa(theta, 0.8, bias_correction=False, v0=1.5)
    with jax.enable_x64(True):
        got = ewa(jnp.asarray(theta), 0.8, bias_correction=False, v0=1.5)
    assert got.shape == theta.shape
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-10)


def test_beta_zero_is_identity():
    theta = jnp.array([3.0, -1.0, 7.0])
    np.testing.assert_array_equal(np.asarray(ewa(theta, 0.0, False)), [3, -1, 7])


# --- constant series: the start-up bias ---------------------------------------


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
def test_constant_series_bias(beta):
    c, T = 4.0, 50
    theta = jnp.full((T,), c)
    t = np.arange(1, T + 1)
    corrected = np.asarray(ewa(theta, beta, True))
    raw = np.asarray(ewa(theta, beta, False))
    np.testing.assert_allclose(corrected, np.full(T, c), rtol=1e-5)
    np.testing.assert_allclose(raw, (1 - beta**t) * c, rtol=1e-5)


# --- weights --------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.98])
@pytest.mark.parametrize("t", [1, 2, 10, 100])
def test_weights_sums(beta, t):
    w_corr = np.asarray(ewa_weights(t, beta, True), dtype=np.float64)
    w_raw = np.asarray(ewa_weights(t, beta, False), dtype=np.float64)
    assert w_corr.shape == w_raw.shape == (t,)
    assert ewa_weights(t, beta).dtype == jnp.float32
    assert w_corr.sum() == pytest.approx(1.0, rel=1e-5)
    assert w_raw.sum() == pytest.approx(1 - beta**t, rel=1e-5, abs=1e-7)


def test_weights_closed_form_and_decay():
    beta, t = 0.9, 20
    i = np.arange(1, t + 1)
    expected = (1 - beta) * beta ** (t - i)
    w = np.asarray(ewa_weights(t, beta, bias_correction=False))
    np.testing.assert_allclose(w, expected, rtol=1e-5)
    assert np.all(np.diff(w) > 0)  # older values get smaller weights


def test_weights_reproduce_ewa():
    rng = np.random.default_rng(2)
    theta = rng.normal(size=15)
    for bc in (False, True):
        w = np.asarray(ewa_weights(15, 0.7, bc), dtype=np.float64)
        v_last = numpy_ewa(theta, 0.7, bc)[-1]
        assert w @ theta == pytest.approx(v_last, rel=1e-5)


@pytest.mark.parametrize("beta, window", [(0.0, 1.0), (0.9, 10.0), (0.98, 50.0)])
def test_effective_window(beta, window):
    assert effective_window(beta) == pytest.approx(window)


# --- jit with a traced beta ---------------------------------------------------


def test_jit_traced_beta_does_not_recompile():
    compiles = []

    def listener(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            compiles.append(event)

    f = jax.jit(functools.partial(ewa, bias_correction=True))
    g = jax.jit(ewa_weights, static_argnums=(0, 2))
    theta = jnp.linspace(0.0, 1.0, 40)
    f(theta, 0.9).block_until_ready()  # warm up: compiles once
    g(10, 0.9, True).block_until_ready()
    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        outs = [f(theta, b) for b in (0.5, 0.8, 0.95, 0.99)]
        for b in (0.5, 0.8, 0.95):
            g(10, b, True).block_until_ready()
        for o in outs:
            o.block_until_ready()
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
    assert compiles == []
    expected = numpy_ewa(np.asarray(theta), 0.8, True)
    np.testing.assert_allclose(np.asarray(outs[1]), expected, rtol=1e-5, atol=1e-6)


def test_effective_window_traced():
    assert float(jax.jit(effective_window)(0.9)) == pytest.approx(10.0, rel=1e-5)


# --- bad inputs -------------------------------------------------------------


@pytest.mark.parametrize("beta", [1, 1.0, -0.1, 2.0, float("nan")])
def test_bad_beta(beta):
    theta = jnp.ones(3)
    with pytest.raises(ValueError, match="beta"):
        ewa(theta, beta)
    with pytest.raises(ValueError, match="beta"):
        ewa_weights(3, beta)
    with pytest.raises(ValueError, match="beta"):
        effective_window(beta)


def test_bad_beta_message_names_range():
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1"):
        ewa(jnp.ones(3), 1)


def test_bad_theta():
    with pytest.raises(ValueError, match="theta contains 1 NaN"):
        ewa(jnp.array([1.0, jnp.nan, 2.0]), 0.9)
    with pytest.raises(ValueError, match="theta"):
        ewa(jnp.array([1.0, jnp.inf]), 0.9)
    with pytest.raises(TypeError, match="theta"):
        ewa(jnp.array([1, 2, 3]), 0.9)  # integer series
    with pytest.raises(ValueError, match="theta"):
        ewa(jnp.float32(1.0), 0.9)  # a scalar is not a series
    with pytest.raises(TypeError, match="theta"):
        ewa("abc", 0.9)


def test_bad_other_arguments():
    with pytest.raises(TypeError, match="bias_correction must be a Python bool"):
        ewa(jnp.ones(3), 0.9, bias_correction=1)
    with pytest.raises(ValueError, match="v0"):
        ewa(jnp.ones(3), 0.9, v0=float("nan"))
    with pytest.raises(ValueError, match="v0 must be a scalar or broadcast"):
        ewa(jnp.ones((3, 2)), 0.9, v0=jnp.ones(3))
    with pytest.raises(ValueError, match="v0 must be a scalar or broadcast"):
        ewa(jnp.ones((3, 2)), 0.9, v0=jnp.ones((4, 2)))
    with pytest.raises(ValueError, match="t must be"):
        ewa_weights(0, 0.9)
    with pytest.raises(TypeError, match="t must be"):
        ewa_weights(2.5, 0.9)
    with pytest.raises(TypeError, match="bias_correction must be a Python bool"):
        ewa_weights(3, 0.9, bias_correction="yes")
