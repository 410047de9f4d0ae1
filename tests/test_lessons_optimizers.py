"""Mini-batch descent on the mean-distance cost; the optimizers notebook's figures."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcore import schedules
from dlcore.demos.optimizers import minibatch_descent
from dlcore.live.static import optimizers as static


def _data(m=64, n=2, seed=0):
    return jax.random.normal(jax.random.key(seed), (n, m))


def _numpy_loop(key, X, w0, alphas, mini_batch_size, num_epochs):
    """The same algorithm written out in NumPy float64, one step at a time."""
    X = np.asarray(X, np.float64)
    n, m = X.shape
    w = np.asarray(w0, np.float64)
    path, step = [w.copy()], 0
    for epoch in range(num_epochs):
        perm = np.asarray(jax.random.permutation(jax.random.fold_in(key, epoch), m))
        for start in range(0, m, mini_batch_size):
            batch = X[:, perm[start : start + mini_batch_size]]
            w = w - alphas(step) * (w - batch.mean(axis=1))
            path.append(w.copy())
            step += 1
    return np.array(path)


@pytest.mark.parametrize("mini_batch_size", [1, 8, 64])
def test_matches_a_numpy_loop_with_a_schedule(mini_batch_size):
    X, key, w0 = _data(), jax.random.key(3), jnp.array([1.5, -2.0])
    T = 64 // mini_batch_size
    sched = schedules.inverse_time_decay(0.3, decay_rate=0.5, steps_per_epoch=T)
    W = minibatch_descent(
        key, X, w0, sched, mini_batch_size=mini_batch_size, num_epochs=3
    )
    expected = _numpy_loop(
        key, X, w0, lambda t: 0.3 / (1 + 0.5 * (t // T)), mini_batch_size, 3
    )
    assert W.shape == (3 * T + 1, 2)
    np.testing.assert_allclose(W, expected, rtol=1e-5, atol=1e-5)


def test_full_batch_is_the_closed_form_contraction():
    # mini_batch_size = m: every step is w − x̄ ← (1 − α)(w − x̄), exactly
    X, w0 = _data(m=32), jnp.array([3.0, -1.0])
    W = minibatch_descent(
        jax.random.key(0), X, w0, 0.25, mini_batch_size=32, num_epochs=10
    )
    x_bar = np.asarray(X, np.float64).mean(axis=1)
    t = np.arange(11)[:, None]
    expected = x_bar + (1 - 0.25) ** t * (np.asarray(w0) - x_bar)
    np.testing.assert_allclose(W, expected, rtol=1e-5, atol=1e-6)


def test_decay_ends_closer_than_a_fixed_step():
    X = _data(m=256, seed=1)
    x_bar = np.asarray(X).mean(axis=1)
    w0 = jnp.array([-2.0, 1.5])
    decayed = schedules.inverse_time_decay(0.1, decay_rate=1.0, steps_per_epoch=32)
    dist = {}
    for name, lr in {"fixed": 0.1, "decayed": decayed}.items():
        W = minibatch_descent(
            jax.random.key(4), X, w0, lr, mini_batch_size=8, num_epochs=20
        )
        dist[name] = np.linalg.norm(np.asarray(W) - x_bar, axis=1)
    rms = {k: np.sqrt(np.mean(d[-320:] ** 2)) for k, d in dist.items()}
    assert rms["decayed"] < 0.2 * rms["fixed"]
    # a fixed α leaves a cloud of about √(α·tr Σ_batch/(2 − α)) around x̄
    var_batch = np.var(np.asarray(X, np.float64), axis=1).sum() / 8
    assert 0.4 < rms["fixed"] / np.sqrt(0.1 * var_batch / 1.9) < 1.5


def test_bad_inputs_raise_clear_errors():
    X, w0 = _data(), jnp.zeros(2)
    with pytest.raises(ValueError, match="mini_batch_size must divide m = 64"):
        minibatch_descent(
            jax.random.key(0), X, w0, 0.1, mini_batch_size=10, num_epochs=1
        )
    with pytest.raises(ValueError, match="mini_batch_size"):
        minibatch_descent(
            jax.random.key(0), X, w0, 0.1, mini_batch_size=0, num_epochs=1
        )
    with pytest.raises(ValueError, match="num_epochs"):
        minibatch_descent(
            jax.random.key(0), X, w0, 0.1, mini_batch_size=8, num_epochs=0
        )
    with pytest.raises(ValueError, match="w0"):
        minibatch_descent(
            jax.random.key(0), X, jnp.zeros(3), 0.1, mini_batch_size=8, num_epochs=1
        )
    with pytest.raises(TypeError, match="X"):
        minibatch_descent(
            jax.random.key(0),
            jnp.ones((2, 64), int),
            w0,
            0.1,
            mini_batch_size=8,
            num_epochs=1,
        )
    with pytest.raises(ValueError, match=r"learning_rate|α"):
        minibatch_descent(
            jax.random.key(0), X, w0, -0.1, mini_batch_size=8, num_epochs=1
        )


def test_figures_return_their_artists_and_reject_empty_input():
    fig, ax = plt.subplots()
    lines = static.plot_smoothed_costs(
        ax, {"a": np.linspace(2, 1, 50), "b": np.ones(50)}
    )
    assert len(lines) == 2 and ax.get_yscale() == "log"
    np.testing.assert_allclose(
        lines[1].get_ydata(), 1.0, rtol=1e-6
    )  # EWA of a constant
    fig2, ax2 = plt.subplots()
    (line,) = static.plot_distance_to_minimum(
        ax2, {"run": np.ones(11)}, steps_per_epoch=5
    )
    np.testing.assert_allclose(line.get_xdata(), np.arange(11) / 5)
    with pytest.raises(ValueError, match="losses"):
        static.plot_smoothed_costs(ax, {})
    with pytest.raises(ValueError, match="steps_per_epoch"):
        static.plot_distance_to_minimum(ax2, {"run": np.ones(3)}, steps_per_epoch=0)
    plt.close(fig)
    plt.close(fig2)
