"""The mini-batch noise of batch norm (its slight regularizing effect)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore.demos.batch_normalization import minibatch_spread


def _pool(n=2, M=20_000, seed=1):
    return 3.0 + 2.0 * jax.random.normal(jax.random.key(seed), (n, M))


def test_spread_matches_the_large_batch_closed_form():
    # z at u standard deviations: out ≈ u − ξ/√s − u·η/√(2s), so for Gaussian
    # data the spread is about √((1 + u²/2)/s), times √(1 − s/M) without replacement
    others = _pool()
    u = np.array([0.0, 1.5])
    z = 3.0 + 2.0 * jnp.asarray(u, jnp.float32)
    sizes = (64, 256)
    spread = np.asarray(minibatch_spread(jax.random.key(0), z, others, sizes, 2000))
    for row, s in zip(spread, sizes, strict=True):
        expected = np.sqrt((1 + u**2 / 2) / s * (1 - s / others.shape[1]))
        np.testing.assert_allclose(row, expected, rtol=0.12)


def test_spread_shrinks_like_one_over_root_batch_size():
    others = _pool(n=1)
    spread = np.asarray(
        minibatch_spread(
            jax.random.key(2), jnp.array([4.0]), others, (16, 64, 256), 1000
        )
    )[:, 0]
    assert np.all(np.diff(spread) < 0)
    np.testing.assert_allclose(spread[:-1] / spread[1:], 2.0, rtol=0.2)


def test_the_whole_pool_leaves_no_choice_and_no_spread():
    others = _pool(n=3, M=15)
    z = jnp.array([1.0, 2.0, 3.0])
    spread = minibatch_spread(jax.random.key(0), z, others, (16,), 5)
    np.testing.assert_allclose(spread, 0.0, atol=1e-6)


def test_identical_companions_give_no_spread():
    # every draw makes the same mini-batch, so the example's output never changes
    more = jnp.array([[1.0, 1.0, 1.0], [-3.0, -3.0, -3.0]])
    spread = minibatch_spread(jax.random.key(1), jnp.array([3.0, 5.0]), more, (2, 3), 8)
    np.testing.assert_allclose(spread, 0.0, atol=1e-6)


def test_bad_inputs_raise_clear_errors():
    others, z = _pool(n=2, M=10), jnp.zeros(2)
    with pytest.raises(ValueError, match="batch size"):
        minibatch_spread(jax.random.key(0), z, others, (12,))
    with pytest.raises(ValueError, match="batch size"):
        minibatch_spread(jax.random.key(0), z, others, (1,))
    with pytest.raises(ValueError, match="num_draws"):
        minibatch_spread(jax.random.key(0), z, others, (4,), num_draws=1)
    with pytest.raises(ValueError, match="z"):
        minibatch_spread(jax.random.key(0), jnp.zeros(3), others, (4,))
    with pytest.raises(ValueError, match="eps"):
        minibatch_spread(jax.random.key(0), z, others, (4,), eps=0.0)
    with pytest.raises(TypeError, match="key"):
        minibatch_spread(0, z, others, (4,))
