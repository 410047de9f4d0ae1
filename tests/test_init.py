"""Initialisation: sample variances against the schemes' formulas."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dlcore as dl

KEY = jax.random.key(0)


def _var_bound(n_samples: int, sigmas: float = 6.0) -> float:
    # The sample variance of N normal draws has relative std sqrt(2/N).
    return sigmas * math.sqrt(2.0 / n_samples)


@pytest.mark.parametrize(
    "scheme, theory",
    [
        ("normal", lambda n_prev, n: 1.0),
        ("xavier", lambda n_prev, n: 1.0 / n_prev),
        ("he", lambda n_prev, n: 2.0 / n_prev),
        ("glorot", lambda n_prev, n: 2.0 / (n_prev + n)),
    ],
)
@pytest.mark.parametrize("scale", [1.0, 0.1, 3.0])
def test_random_schemes_match_theoretical_variance(scheme, theory, scale):
    dims = [300, 400, 200]
    params = dl.init.initialize(KEY, dims, scheme, scale)
    for l in (1, 2):
        W = np.asarray(params[f"W{l}"], np.float64)
        var_theory = scale**2 * theory(dims[l - 1], dims[l])
        rel = W.var() / var_theory - 1.0
        assert abs(rel) < _var_bound(W.size), (scheme, l, rel)
        assert abs(W.mean()) < 6 * math.sqrt(var_theory / W.size)
        np.testing.assert_array_equal(params[f"b{l}"], np.zeros((dims[l], 1)))


def test_zeros_and_constant():
    p0 = dl.init.initialize(KEY, [3, 4, 1], "zeros")
    assert all(float(jnp.abs(v).max()) == 0.0 for v in p0.values())
    pc = dl.init.initialize(KEY, [3, 4, 1], "constant", scale=2.0, c=0.25)
    np.testing.assert_allclose(pc["W1"], np.full((4, 3), 0.5))


def test_shapes_dtype_and_keys():
    with jax.enable_x64(True):
        p = dl.init.initialize(KEY, [5, 4, 3, 2], "he", dtype=jnp.float64)
        assert p["W1"].dtype == jnp.float64
    assert {k: v.shape for k, v in p.items()} == {
        "W1": (4, 5),
        "b1": (4, 1),
        "W2": (3, 4),
        "b2": (3, 1),
        "W3": (2, 3),
        "b3": (2, 1),
    }
    q = dl.init.initialize(KEY, [5, 4, 3, 2], "he")
    assert q["W1"].dtype == jnp.float32
    same = dl.init.initialize(jax.random.key(0), [5, 4, 3, 2], "he")
    other = dl.init.initialize(jax.random.key(1), [5, 4, 3, 2], "he")
    np.testing.assert_array_equal(q["W2"], same["W2"])
    assert not np.allclose(q["W2"], other["W2"])


def test_batchnorm_layers_have_gamma_beta_and_no_bias():
    p = dl.init.initialize(KEY, [3, 4, 5, 1], batchnorm=(True, False))
    assert set(p) == {"W1", "gamma1", "beta1", "W2", "b2", "W3", "b3"}
    np.testing.assert_array_equal(p["gamma1"], np.ones((4, 1)))


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(layer_dims=[3]), ValueError, "layer_dims"),
        (dict(layer_dims=[3, 0, 1]), ValueError, r"layer_dims\[1\]"),
        (dict(layer_dims=[3, 2.5]), TypeError, r"layer_dims\[1\]"),
        (dict(layer_dims=[3, 2], scheme="kaiming"), ValueError, "scheme"),
        (dict(layer_dims=[3, 2], scale=-1.0), ValueError, "scale"),
        (dict(layer_dims=[3, 2], scale=float("nan")), ValueError, "scale"),
        (dict(layer_dims=[3, 4, 2], batchnorm=[True, True]), ValueError, "batchnorm"),
    ],
)
def test_bad_inputs(kwargs, err, match):
    with pytest.raises(err, match=match):
        dl.init.initialize(KEY, **kwargs)


def test_key_is_required():
    with pytest.raises(TypeError, match="key"):
        dl.init.initialize(None, [2, 2])
    with pytest.raises(TypeError, match="key"):
        dl.init.initialize(np.zeros(3), [2, 2])
