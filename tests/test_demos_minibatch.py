"""Tests for dlcore.demos.minibatch: mini-batch gradient descent against jax.grad
with the same shuffles, the shuffles, and the logistic cost against its plain
formula."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore.demos.minibatch import cost, make_data, shuffles, train

M = 300  # the panel's default number of examples


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
