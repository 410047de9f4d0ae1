"""Dense, dropout and batch-norm layers against statistics, NumPy and jax.grad."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dlcore as dl

Ly = dl.layers


# --------------------------------------------------------------- dropout ---
@pytest.mark.parametrize("keep_prob", [0.1, 0.5, 0.8, 1.0])
def test_dropout_keep_rate_and_mean_preservation(keep_prob):
    a = jnp.ones((200, 500))
    y, mask = Ly.dropout_forward(a, keep_prob, key=jax.random.key(7))
    n = a.size
    sd = math.sqrt(keep_prob * (1 - keep_prob) / n)
    assert abs(float(mask.mean()) - keep_prob) <= 6 * sd + 1e-12
    # inverted dropout: E[y] = a, so the mean stays 1 within the same bound
    assert abs(float(y.mean()) - 1.0) <= 6 * sd / keep_prob + 1e-12
    # kept units are scaled by exactly 1/keep_prob, dropped ones are 0
    vals = np.unique(np.asarray(y))
    expected = {0.0, 1.0 / keep_prob} if keep_prob < 1 else {1.0}
    assert set(np.round(vals, 5)) <= set(np.round(list(expected), 5))


def test_dropout_is_identity_at_test_time():
    a = jax.random.normal(jax.random.key(0), (4, 6))
    y, mask = Ly.dropout_forward(a, 0.5, train=False)
    np.testing.assert_array_equal(y, a)
    np.testing.assert_array_equal(mask, np.ones((4, 6)))


def test_dropout_backward_matches_autodiff_with_fixed_mask():
    key = jax.random.key(1)
    a = jax.random.normal(jax.random.key(2), (5, 8))
    dy = jax.random.normal(jax.random.key(3), (5, 8))
    y, mask = Ly.dropout_forward(a, 0.7, key=key)
    _, vjp = jax.vjp(lambda x: Ly.dropout_forward(x, 0.7, key=key)[0], a)
    np.testing.assert_allclose(
        Ly.dropout_backward(dy, mask, 0.7), vjp(dy)[0], rtol=1e-6
    )


@pytest.mark.parametrize("kp", [0.0, -0.2, 1.5, float("nan")])
def test_dropout_rejects_bad_keep_prob(kp):
    with pytest.raises(ValueError, match=r"keep_prob must be .*\(0, 1\]"):
        Ly.dropout_forward(jnp.ones((2, 2)), kp, key=jax.random.key(0))


def test_dropout_requires_key_in_training():
    with pytest.raises(TypeError, match="key"):
        Ly.dropout_forward(jnp.ones((2, 2)), 0.5)


def test_dropout_takes_the_key_by_position_like_the_exercise():
    """Notebook 04's exercise calls dropout_forward(A, keep_prob, key)."""
    A, key = jnp.arange(12.0).reshape(3, 4), jax.random.key(4)
    y_pos, mask_pos = Ly.dropout_forward(A, 0.7, key)
    y_kw, mask_kw = Ly.dropout_forward(A, 0.7, key=key)
    assert (y_pos == y_kw).all() and (mask_pos == mask_kw).all()


# ------------------------------------------------------------ batch norm ---
def _bn_numpy(z, gamma, beta, mean, var, eps, mom):
    """Independent float64 reference of train-mode BN."""
    mu = z.mean(axis=1, keepdims=True)
    v = ((z - mu) ** 2).mean(axis=1, keepdims=True)
    out = gamma * (z - mu) / np.sqrt(v + eps) + beta
    return out, mom * mean + (1 - mom) * mu, mom * var + (1 - mom) * v


def test_batchnorm_train_and_eval_semantics_against_numpy():
    rng = np.random.default_rng(0)
    z = rng.normal(3.0, 2.0, size=(4, 32))
    gamma, beta = rng.normal(size=(4, 1)), rng.normal(size=(4, 1))
    mean, var = rng.normal(size=(4, 1)), rng.uniform(0.5, 2, size=(4, 1))
    with jax.enable_x64(True):
        st0 = Ly.BNState(jnp.asarray(mean), jnp.asarray(var))
        out, cache, st1 = Ly.batchnorm_forward(
            jnp.asarray(z), jnp.asarray(gamma), jnp.asarray(beta), st0, eps=1e-5
        )
        ref_out, ref_mean, ref_var = _bn_numpy(z, gamma, beta, mean, var, 1e-5, 0.9)
        np.testing.assert_allclose(out, ref_out, rtol=1e-12)
        np.testing.assert_allclose(st1.mean, ref_mean, rtol=1e-12)
        np.testing.assert_allclose(st1.var, ref_var, rtol=1e-12)
        # eval mode: running statistics, state unchanged, no cache
        out_e, cache_e, st2 = Ly.batchnorm_forward(
            jnp.asarray(z), jnp.asarray(gamma), jnp.asarray(beta), st1, train=False
        )
        ref_e = gamma * (z - ref_mean) / np.sqrt(ref_var + 1e-5) + beta
        np.testing.assert_allclose(out_e, ref_e, rtol=1e-12)
        assert cache_e is None and st2 is st1


def test_batchnorm_output_statistics_and_identity_parameters():
    z = 5.0 + 3.0 * jax.random.normal(jax.random.key(0), (3, 256))
    gamma = jnp.array([[1.0], [2.0], [0.5]])
    beta = jnp.array([[0.0], [-1.0], [4.0]])
    out, _, _ = Ly.batchnorm_forward(z, gamma, beta, Ly.bn_init_state(3))
    np.testing.assert_allclose(out.mean(axis=1, keepdims=True), beta, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=1, keepdims=True), gamma, rtol=1e-4)
    # γ = √(σ² + ε), β = μ gives back z
    mu = z.mean(axis=1, keepdims=True)
    var = z.var(axis=1, keepdims=True)
    back, _, _ = Ly.batchnorm_forward(z, jnp.sqrt(var + 1e-5), mu, Ly.bn_init_state(3))
    np.testing.assert_allclose(back, z, rtol=1e-4, atol=1e-4)


@jax.jit
def _bn_grads_hand_and_auto(z, gamma, beta, dout, eps):
    st0 = Ly.bn_init_state(z.shape[0], z.dtype)
    _, cache, _ = Ly.batchnorm_forward(z, gamma, beta, st0, eps=eps)
    hand = Ly.batchnorm_backward(dout, cache)
    _, vjp = jax.vjp(
        lambda z, g, b: Ly.batchnorm_forward(z, g, b, st0, eps=eps)[0], z, gamma, beta
    )
    return hand, vjp(dout)


@given(
    n=st.integers(1, 6),
    m=st.integers(2, 12),
    seed=st.integers(0, 2**16),
    eps=st.sampled_from([1e-5, 1e-3, 0.1]),
)
def test_batchnorm_backward_matches_autodiff(n, m, seed, eps):
    rng = np.random.default_rng(seed)
    z = 2.0 * rng.normal(size=(n, m)) + 1.0
    gamma, beta = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
    dout = rng.normal(size=(n, m))
    with jax.enable_x64(True):
        hand, auto = _bn_grads_hand_and_auto(
            *(jnp.asarray(x, jnp.float64) for x in (z, gamma, beta, dout)), eps
        )
        for got, want in zip(hand, auto, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def test_batchnorm_bad_inputs():
    st0 = Ly.bn_init_state(2)
    with pytest.raises(ValueError, match="m >= 2"):
        Ly.batchnorm_forward(jnp.ones((2, 1)), jnp.ones((2, 1)), jnp.zeros((2, 1)), st0)
    with pytest.raises(ValueError, match="gamma"):
        Ly.batchnorm_forward(jnp.ones((2, 4)), jnp.ones((3, 1)), jnp.zeros((2, 1)), st0)
    with pytest.raises(ValueError, match="momentum"):
        Ly.batchnorm_forward(
            jnp.ones((2, 4)), jnp.ones((2, 1)), jnp.zeros((2, 1)), st0, momentum=1.0
        )
    with pytest.raises(ValueError, match="cache"):
        Ly.batchnorm_backward(jnp.ones((2, 4)), None)


# ----------------------------------------------------------------- dense ---
def test_dense_forward_backward():
    rng = np.random.default_rng(1)
    A_prev, W, b = (
        rng.normal(size=(3, 5)),
        rng.normal(size=(4, 3)),
        rng.normal(size=(4, 1)),
    )
    dZ = rng.normal(size=(4, 5))
    with jax.enable_x64(True):
        Z = Ly.dense_forward(jnp.asarray(A_prev), jnp.asarray(W), jnp.asarray(b))
        np.testing.assert_allclose(Z, W @ A_prev + b)
        dA, dW, db = Ly.dense_backward(
            jnp.asarray(dZ), jnp.asarray(A_prev), jnp.asarray(W)
        )
        np.testing.assert_allclose(dW, dZ @ A_prev.T / 5)
        np.testing.assert_allclose(db, dZ.sum(axis=1, keepdims=True) / 5)
        np.testing.assert_allclose(dA, W.T @ dZ)


def test_dense_shapes_must_chain():
    with pytest.raises(ValueError, match="don't chain"):
        Ly.dense_forward(jnp.ones((3, 5)), jnp.ones((4, 2)))
    with pytest.raises(ValueError, match="A_prev must be 2-D"):
        Ly.dense_forward(jnp.ones(3), jnp.ones((4, 3)))
