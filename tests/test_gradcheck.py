"""Tests for dlcore.gradcheck.

Oracles are independent of the code under test: jax.grad, hand-derived
gradients, Taylor-series error orders, and exact values of the error formula.
"""

from __future__ import annotations

import itertools
import math
import warnings
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dlcore as dl
from dlcore.gradcheck import (
    DropoutWarning,
    GradCheckReport,
    grad_check,
    numerical_grad,
    relative_error,
)

# --- a small 2-layer tanh net with sigmoid cross-entropy, all float32 ----------

_rng = np.random.default_rng(0)  # NumPy data: no jax.random compile in tests


def normal(*shape, scale=1.0):
    return jnp.asarray(scale * _rng.standard_normal(shape), dtype=jnp.float32)


X = normal(3, 8)
Y = jnp.asarray(_rng.random((1, 8)) > 0.5, dtype=jnp.float32)
PARAMS = {
    "W1": normal(4, 3, scale=0.5),
    "b1": normal(4, 1, scale=0.1),
    "W2": normal(1, 4, scale=0.5),
    "b2": normal(1, 1, scale=0.1),
}


def mlp_loss(p):
    A1 = jnp.tanh(p["W1"] @ X + p["b1"])
    Z2 = p["W2"] @ A1 + p["b2"]
    # mean of −y log σ(z) − (1 − y) log(1 − σ(z)), written stably
    return jnp.mean(jnp.logaddexp(0.0, Z2) - Y * Z2)


def grads64(loss_fn, params):
    """Reference dθ from jax.grad, computed in float64 (as NumPy arrays)."""
    with jax.enable_x64(True):
        p64 = {k: jnp.asarray(v, jnp.float64) for k, v in params.items()}
        dθ = jax.jit(jax.grad(loss_fn))(p64)  # one compile, not one per op
        return {k: np.asarray(v) for k, v in dθ.items()}


GRADS32 = jax.jit(jax.grad(mlp_loss))(PARAMS)  # what float32 backprop would give
GRADS64 = grads64(mlp_loss, PARAMS)


def assert_x64_off():
    assert not jax.config.jax_enable_x64
    assert jnp.ones(2).dtype == jnp.float32


# --- correct gradients pass --------------------------------------------------


@pytest.mark.parametrize("jit", [False, True], ids=["plain", "jitted"])
def test_float32_params_and_jax_grad_pass(jit):
    assert all(v.dtype == jnp.float32 for v in PARAMS.values())
    loss_fn = jax.jit(mlp_loss) if jit else mlp_loss
    grads = GRADS32  # float32, like the caller's backprop
    report = grad_check(loss_fn, PARAMS, grads)
    # Float32 round-off in `grads` itself is ~6e-8 relative, so this is the
    # floor; a float32 dθ_approx would be far worse (next test).
    assert report.rel_error < 1e-7
    assert report.passed
    assert set(report.per_param) == set(PARAMS)
    assert "great" in str(report)
    assert (report.threshold, report.eps) == (1e-7, 1e-7)
    assert isinstance(report, GradCheckReport)
    assert_x64_off()


def test_float32_numerical_grad_is_swamped_by_round_off():
    dθ = GRADS64
    approx32 = numerical_grad(mlp_loss, PARAMS, 1e-7, dtype=jnp.float32)
    approx64 = numerical_grad(mlp_loss, PARAMS, 1e-7)
    assert all(v.dtype == np.float32 for v in approx32.values())
    assert all(v.dtype == np.float64 for v in approx64.values())
    assert relative_error(approx32, dθ) > 1e-4
    assert relative_error(approx64, dθ) < 1e-7
    assert_x64_off()


def test_closed_form_gradient():
    # J(θ) = Σ a·θ² + sin θ  =>  dJ/dθ = 2a·θ + cos θ
    a = {
        "W": np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]]),
        "b": np.array([[1.0], [-2.0]]),
    }
    params = {
        "W": jnp.array([[0.3, -0.7, 0.1], [0.9, -0.2, 0.5]]),
        "b": jnp.array([[-0.4], [0.6]]),
    }

    def J(p):
        return sum(jnp.sum(a[k] * p[k] ** 2 + jnp.sin(p[k])) for k in p)

    grads = {
        k: 2 * a[k] * np.asarray(v, np.float64) + np.cos(v) for k, v in params.items()
    }
    report = grad_check(J, params, grads)
    assert all(err < 1e-8 for err in report.per_param.values()), report.per_param


def test_many_parameters_across_chunks():
    # 31·20 + 31 + 31 + 1 = 683 entries: three chunks of 256, the last padded.
    Xb = normal(20, 16)
    params = {
        "W1": normal(31, 20, scale=0.3),
        "b1": jnp.zeros((31, 1)),
        "W2": normal(1, 31, scale=0.3),
        "b2": jnp.zeros((1, 1)),
    }

    def J(p):
        A1 = jnp.tanh(p["W1"] @ Xb + p["b1"])
        return jnp.mean((p["W2"] @ A1 + p["b2"]) ** 2)

    dθ = grads64(J, params)
    approx = numerical_grad(J, params)
    assert {k: v.shape for k, v in approx.items()} == {
        k: v.shape for k, v in params.items()
    }
    assert relative_error(approx, dθ) < 1e-7


# --- truncation error order -----------------------------------------------------


def test_truncation_error_orders():
    x = np.array([0.3, -0.5, 1.0])
    params = {"x": x}  # NumPy float64: not rounded to float32 on the way in

    def J(p):
        return jnp.sum(jnp.exp(p["x"]))

    def error(eps, method):
        approx = numerical_grad(J, params, eps, method=method)["x"]
        return np.max(np.abs(approx - np.exp(x)))  # d/dx exp(x) = exp(x)

    one = [error(eps, "one_sided") for eps in (1e-2, 1e-3, 1e-4)]
    two = [error(eps, "two_sided") for eps in (1e-2, 1e-3, 1e-4)]
    for i in range(2):  # ε → ε/10
        assert 8 < one[i] / one[i + 1] < 12  # O(ε): error 10× smaller
        assert 80 < two[i] / two[i + 1] < 120  # O(ε²): error 100× smaller
    # Taylor, at the largest x = 1: one-sided error ≈ ε/2 · exp''(1) = ε e/2,
    # two-sided error ≈ ε²/6 · exp'''(1) = ε² e/6.
    assert one[1] == pytest.approx(1e-3 / 2 * math.e, rel=0.01)
    assert two[1] == pytest.approx(1e-6 / 6 * math.e, rel=0.01)


# --- planted bugs are caught and located ------------------------------------------


def _scale_W2(g):
    return {**g, "W2": g["W2"] * 1.1}


def _flip_b1(g):
    return {**g, "b1": g["b1"].at[2, 0].multiply(-1.0)}


@pytest.mark.parametrize(("plant", "block"), [(_scale_W2, "W2"), (_flip_b1, "b1")])
def test_planted_bug_is_located(plant, block):
    grads = plant(GRADS32)
    report = grad_check(mlp_loss, PARAMS, grads)
    assert report.rel_error > 1e-3
    assert not report.passed
    assert report.worst == block
    assert report.per_param[block] == max(report.per_param.values())
    text = str(report)
    assert text == report.summary()
    assert "likely a bug" in text
    assert f"largest error in {block}" in text
    assert all(name in text for name in PARAMS)


def test_small_error_falls_in_check_carefully_band():
    # dθ·(1 + δ) against dθ: ‖δ dθ‖ / ((2 + δ)‖dθ‖) = δ / (2 + δ)
    δ = 1e-5
    grads = {k: v * (1 + δ) for k, v in GRADS64.items()}
    report = grad_check(mlp_loss, PARAMS, grads)
    assert report.rel_error == pytest.approx(δ / (2 + δ), rel=0.02)
    assert not report.passed
    assert grad_check(mlp_loss, PARAMS, grads, threshold=1e-4).passed
    assert "check carefully" in str(report)


# --- dropout -------------------------------------------------------------------


def _check_quietly(config):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DropoutWarning)
        return grad_check(mlp_loss, PARAMS, GRADS32, config=config)


@pytest.mark.parametrize(
    "config",
    [
        SimpleNamespace(dropout=True, keep_prob=0.8),
        {"dropout": True, "keep_prob": 0.5},
    ],
    ids=["object", "dict"],
)
def test_dropout_config_warns(config):
    with pytest.warns(DropoutWarning, match="keep_prob = 1"):
        grad_check(mlp_loss, PARAMS, GRADS32, config=config)


@pytest.mark.parametrize(
    "config",
    [
        SimpleNamespace(dropout=True, keep_prob=1.0),
        {"dropout": False, "keep_prob": 0.5},
        SimpleNamespace(lambd=0.1),
        {},
    ],
)
def test_no_dropout_no_warning(config):
    assert _check_quietly(config).passed


def test_random_loss_warns():
    calls = itertools.count()

    def noisy_loss(p):  # a new dropout mask at every evaluation
        D1 = np.random.default_rng(next(calls)).random((4, 8)) < 0.8
        A1 = jnp.tanh(p["W1"] @ X + p["b1"]) * D1 / 0.8
        Z2 = p["W2"] @ A1 + p["b2"]
        return jnp.mean(jnp.logaddexp(0.0, Z2) - Y * Z2)

    with pytest.warns(DropoutWarning, match="not deterministic"):
        grad_check(noisy_loss, PARAMS, GRADS32)


# --- relative_error -------------------------------------------------------------


def test_relative_error_exact_values():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([3.0, 4.0]), np.zeros(2)) == 1.0
    assert relative_error(np.array([1.0, 2.0]), np.array([-1.0, -2.0])) == 1.0
    got = relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert got == pytest.approx(math.sqrt(2) / 2)
    with pytest.raises(ValueError, match="same number"):
        relative_error(np.ones(2), np.ones(3))


@given(
    arrays(np.float64, 5, elements=st.floats(-1e3, 1e3)),
    arrays(np.float64, 5, elements=st.floats(-1e3, 1e3)),
)
def test_relative_error_is_symmetric_and_bounded(a, b):
    e = relative_error(a, b)
    assert e == relative_error(b, a)
    assert 0.0 <= e <= 1.0 + 1e-12
    assert relative_error(a, a) == 0.0


# --- bad inputs -----------------------------------------------------------------


@pytest.mark.parametrize("eps", [0.0, -1.0, float("nan"), 1.0])
def test_bad_eps(eps):
    grads = GRADS32
    with pytest.raises(ValueError, match="eps"):
        grad_check(mlp_loss, PARAMS, grads, eps)
    with pytest.raises(ValueError, match="eps"):
        numerical_grad(mlp_loss, PARAMS, eps)


def test_grads_must_match_params():
    grads = GRADS32
    missing = {k: v for k, v in grads.items() if k != "b2"}
    with pytest.raises(ValueError, match=r"grads is missing.*'b2'"):
        grad_check(mlp_loss, PARAMS, missing)
    with pytest.raises(ValueError, match=r"grads has extra.*'W3'"):
        grad_check(mlp_loss, PARAMS, {**grads, "W3": jnp.zeros((1, 1))})
    with pytest.raises(ValueError, match=r"grads\['W1'\] must have shape \(4, 3\)"):
        grad_check(mlp_loss, PARAMS, {**grads, "W1": grads["W1"].T})
    with pytest.raises(ValueError, match=r"grads\['b1'\]"):
        grad_check(mlp_loss, PARAMS, {**grads, "b1": grads["b1"] * jnp.nan})


def test_nan_loss_is_rejected_and_x64_restored():
    grads = GRADS32
    with pytest.raises(ValueError, match=r"loss_fn.*finite"):
        grad_check(lambda p: mlp_loss(p) * jnp.nan, PARAMS, grads)
    assert_x64_off()


def test_bad_params_and_options():
    with pytest.raises(TypeError, match="params"):
        grad_check(mlp_loss, {}, {})
    with pytest.raises(TypeError, match=r"params\['W1'\].*floating"):
        numerical_grad(mlp_loss, {**PARAMS, "W1": jnp.ones((4, 3), jnp.int32)})
    with pytest.raises(ValueError, match="method"):
        numerical_grad(mlp_loss, PARAMS, method="central")
    with pytest.raises(ValueError, match="dtype"):
        numerical_grad(mlp_loss, PARAMS, dtype=jnp.float16)
    with pytest.raises(ValueError, match="threshold"):
        grad_check(mlp_loss, PARAMS, GRADS32, threshold=0)
    with pytest.raises(ValueError, match="scalar"):
        grad_check(lambda p: p["W1"], PARAMS, GRADS32)


# ------------------------------------------- with the model's backward pass ---
def _model_problem(cfg, seed=0, m=12):
    from dlcore.model import MLPConfig  # noqa: F401  (cfg is an MLPConfig)

    k = jax.random.split(jax.random.key(seed), 3)
    params = dl.model.init_params(k[0], cfg, "xavier")
    X = jax.random.normal(k[1], (cfg.layer_dims[0], m))
    Y = (jax.random.uniform(k[2], (1, m)) > 0.5).astype(jnp.float32)
    return params, X, Y


def _hand_grads(X, Y, cfg, key=None):
    def grads(p):
        X64, Y64 = X.astype(p["W1"].dtype), Y.astype(p["W1"].dtype)
        AL, caches, _ = dl.model.forward(p, X64, cfg, key=key)
        return dl.model.backward(AL, Y64, caches, cfg, p)

    return grads


def _model_loss(X, Y, cfg, key=None):
    def J(p):
        return dl.model.loss(
            p, X.astype(p["W1"].dtype), Y.astype(p["W1"].dtype), cfg, key=key
        )

    return J


def test_model_hand_backward_passes_grad_check_in_float64():
    from dlcore.model import MLPConfig

    cfg = MLPConfig((3, 5, 4, 1), hidden="tanh", batchnorm=(True, False), lambd=0.5)
    params, X, Y = _model_problem(cfg)
    report = grad_check(_model_loss(X, Y, cfg), params, _hand_grads(X, Y, cfg))
    assert report.passed, report.summary()
    assert report.rel_error < 1e-7
    assert set(report.per_param) == set(params)


def test_model_planted_bug_points_at_the_broken_layer():
    from dlcore.model import MLPConfig

    cfg = MLPConfig((3, 5, 4, 1), hidden="tanh")
    params, X, Y = _model_problem(cfg, seed=1)
    good = _hand_grads(X, Y, cfg)

    def buggy(p):  # forgot the 1/m in layer 2's dW
        g = good(p)
        return dict(g, W2=g["W2"] * X.shape[1])

    report = grad_check(_model_loss(X, Y, cfg), params, buggy)
    assert not report.passed and report.rel_error > 1e-3
    assert report.worst == "W2"
    assert "W2" in report.summary()


def test_model_dropout_config_warns():
    from dlcore.model import MLPConfig

    cfg = MLPConfig((3, 5, 1), dropout=True, keep_prob=0.8)
    params, X, Y = _model_problem(cfg)
    key = jax.random.key(5)
    with pytest.warns(DropoutWarning, match="keep_prob"):
        grad_check(
            _model_loss(X, Y, cfg, key), params, _hand_grads(X, Y, cfg, key), config=cfg
        )
    # per-layer flags that are all False do not warn
    quiet = MLPConfig((3, 5, 4, 1), dropout=(False, False), keep_prob=0.5)
    params, X, Y = _model_problem(quiet)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DropoutWarning)
        grad_check(
            _model_loss(X, Y, quiet), params, _hand_grads(X, Y, quiet), config=quiet
        )


def test_check_model_one_call():
    from dlcore.model import MLPConfig

    cfg = MLPConfig((3, 5, 4, 1), hidden="relu", batchnorm=(False, True), lambd=0.2)
    params, X, Y = _model_problem(cfg, seed=3)
    assert dl.gradcheck.check_model(params, X, Y, cfg).passed

    def no_penalty(AL, Y, caches, config, p):  # forgot the (λ/m)·W term
        return dl.model.backward(AL, Y, caches, config.replace(lambd=0.0), p)

    bad = dl.gradcheck.check_model(params, X, Y, cfg, backward=no_penalty)
    assert not bad.passed and bad.worst.startswith("W")


def test_check_model_with_dropout_needs_an_explicit_key():
    from dlcore.model import MLPConfig

    cfg = MLPConfig((3, 5, 1), dropout=True, keep_prob=0.8)
    params, X, Y = _model_problem(cfg)
    with pytest.raises(ValueError, match="key"):
        dl.gradcheck.check_model(params, X, Y, cfg)
    with pytest.warns(DropoutWarning):
        report = dl.gradcheck.check_model(params, X, Y, cfg, key=jax.random.key(2))
    assert report.passed  # one fixed mask: J is a smooth function of θ
