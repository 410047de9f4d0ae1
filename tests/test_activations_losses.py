"""Activations and costs against closed forms, NumPy and jax.grad."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import expit, logsumexp

import dlcore as dl

A = dl.activations
Ls = dl.losses


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_derivatives_match_autodiff(name):
    g, g_prime = A.get(name)
    z = jnp.linspace(-4.0, 4.0, 401) + 0.013  # avoid the kink at exactly 0
    auto = jax.vmap(jax.grad(lambda s: g(s)))(z)
    np.testing.assert_allclose(g_prime(z), auto, rtol=1e-6, atol=1e-7)


def test_activation_values_against_numpy():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(A.sigmoid(jnp.asarray(z)), expit(z), rtol=1e-6)
    np.testing.assert_allclose(A.relu(jnp.asarray(z)), np.maximum(z, 0))
    np.testing.assert_allclose(
        A.leaky_relu(jnp.asarray(z)), np.where(z > 0, z, 0.01 * z), rtol=1e-6
    )
    assert float(A.sigmoid_grad(jnp.array(0.0))) == 0.25


def test_softmax_lecture_example():
    a = A.softmax(jnp.array([[5.0], [2.0], [-1.0], [3.0]]))
    np.testing.assert_allclose(a[:, 0], [0.842, 0.042, 0.002, 0.114], atol=5e-4)
    assert float(a.sum()) == pytest.approx(1.0, abs=1e-6)


def test_softmax_is_stable_for_huge_logits():
    Z = jnp.array(
        [[1000.0, -1000.0, 0.0], [999.0, -1000.0, 1000.0], [0.0, 0.0, -1000.0]]
    )
    a = A.softmax(Z)
    assert bool(jnp.all(jnp.isfinite(a)))
    z64 = np.asarray(Z, np.float64)
    ref = np.exp(z64 - logsumexp(z64, axis=0, keepdims=True))
    np.testing.assert_allclose(a, ref, atol=1e-6)
    # shift invariance: softmax(z + c) = softmax(z)
    np.testing.assert_allclose(A.softmax(Z - 500.0), a, atol=1e-6)


def test_softmax_cross_entropy_stable_and_matches_reference():
    Z = jnp.array([[1000.0, -1000.0], [-1000.0, 1000.0], [0.0, 3.0]])
    Y = jnp.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    J = Ls.softmax_cross_entropy(Z, Y)
    z64 = np.asarray(Z, np.float64)
    log_a = z64 - logsumexp(z64, axis=0, keepdims=True)
    ref = -np.mean(np.sum(np.asarray(Y) * log_a, axis=0))
    assert np.isfinite(float(J))
    assert float(J) == pytest.approx(ref, rel=1e-6)


def test_softmax_dZ_is_A_minus_Y():
    k1, k2 = jax.random.split(jax.random.key(3))
    Z = 3 * jax.random.normal(k1, (5, 7))
    Y = jax.nn.one_hot(jax.random.randint(k2, (7,), 0, 5), 5).T
    m = Z.shape[1]
    auto = jax.grad(Ls.softmax_cross_entropy)(Z, Y)
    np.testing.assert_allclose(
        Ls.softmax_cross_entropy_backward(Z, Y) / m, auto, atol=1e-6
    )
    np.testing.assert_allclose(
        Ls.cross_entropy(A.softmax(Z), Y), Ls.softmax_cross_entropy(Z, Y), rtol=1e-5
    )


def test_binary_cross_entropy_forms_agree_and_logits_are_stable():
    k1, k2 = jax.random.split(jax.random.key(4))
    Z = 2 * jax.random.normal(k1, (1, 50))
    Y = (jax.random.uniform(k2, (1, 50)) > 0.5).astype(jnp.float32)
    a = np.asarray(expit(np.asarray(Z, np.float64)))
    y = np.asarray(Y, np.float64)
    ref = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    assert float(Ls.binary_cross_entropy(A.sigmoid(Z), Y)) == pytest.approx(
        ref, rel=1e-5
    )
    assert float(Ls.binary_cross_entropy_from_logits(Z, Y)) == pytest.approx(
        ref, rel=1e-5
    )
    # dZ = (A − Y)/m for the cost
    auto = jax.grad(Ls.binary_cross_entropy_from_logits)(Z, Y)
    np.testing.assert_allclose(auto, (A.sigmoid(Z) - Y) / 50, atol=1e-7)
    # a confidently wrong logit of 1000 costs exactly 1000, not inf/NaN
    J = Ls.binary_cross_entropy_from_logits(jnp.array([[1000.0]]), jnp.array([[0.0]]))
    assert float(J) == pytest.approx(1000.0)


def test_l2_and_l1_penalties_exclude_biases():
    rng = np.random.default_rng(0)
    params = {
        "W1": jnp.asarray(rng.normal(size=(4, 3))),
        "b1": jnp.asarray(rng.normal(size=(4, 1))),
        "W2": jnp.asarray(rng.normal(size=(1, 4))),
        "b2": jnp.asarray(rng.normal(size=(1, 1))),
        "gamma1": jnp.ones((4, 1)),
    }
    lambd, m = 0.7, 13
    w = [np.asarray(params[k], np.float64) for k in ("W1", "W2")]
    ref_l2 = lambd / (2 * m) * sum((x**2).sum() for x in w)
    ref_l1 = lambd / (2 * m) * sum(np.abs(x).sum() for x in w)
    assert float(Ls.l2_penalty(params, lambd, m)) == pytest.approx(ref_l2, rel=1e-5)
    assert float(Ls.l1_penalty(params, lambd, m)) == pytest.approx(ref_l1, rel=1e-5)
    g2 = jax.grad(Ls.l2_penalty)(params, lambd, m)
    g1 = jax.grad(Ls.l1_penalty)(params, lambd, m)
    for k in ("W1", "W2"):
        np.testing.assert_allclose(g2[k], Ls.l2_grad(params[k], lambd, m), rtol=1e-6)
        np.testing.assert_allclose(g1[k], Ls.l1_grad(params[k], lambd, m), rtol=1e-6)
    for k in ("b1", "b2", "gamma1"):
        assert float(jnp.abs(g2[k]).max()) == 0.0


def test_loss_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        Ls.mse(jnp.ones((1, 3)), jnp.ones((1, 4)))
    with pytest.raises(ValueError, match="lambd"):
        Ls.l2_penalty({"W1": jnp.ones((2, 2))}, -1.0, 3)
    with pytest.raises(ValueError, match="activation"):
        A.get("swish")
