"""Mini-batch gradient descent on a 2-weight logistic regression: notebook 06.

Serves ``06_minibatch.ipynb`` and its panel
:func:`dlcore.live.panels.minibatch.minibatch_panel`.

The model has no bias, so the weights w = (w1, w2) can be drawn on the
contours of the training cost J(w) = (1/m) Σ_i log(1 + exp(−s_i wᵀx^(i))),
s_i = 2y_i − 1. Every batch size is trained for the same number of epochs from
the same start w0 with the same shuffles (one permutation per epoch).

Wall-clock time is measured, not modelled: the training loop is a plain NumPy
loop with one Python step per mini-batch (vectorized over the examples of a
batch), and every epoch is timed; :func:`train_many` interleaves the epochs of
all sizes so that a burst of load slows them all alike. NumPy only: nothing
here is compiled.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import jax
import numpy as np

from dlcore._checks import (
    check_array,
    check_finite,
    check_int,
    check_key,
    check_range,
)

__all__ = [
    "MinibatchRun",
    "batch_sizes_for",
    "cost",
    "make_data",
    "minimizer",
    "shuffles",
    "train",
    "train_many",
]


class MinibatchRun(NamedTuple):
    """One training run with mini-batches of ``batch_size``.

    W: (S + 1, 2) the weights before step 1 .. after step S, S = E·⌈m/b⌉.
    batch_cost: (S,) the cost of the mini-batch used by step t, at W[t - 1].
    cost: (S + 1,) the cost on all m examples at every W[t].
    epoch_seconds: (E,) measured wall-clock time of every epoch.
    """

    batch_size: int
    steps_per_epoch: int
    W: np.ndarray
    batch_cost: np.ndarray
    cost: np.ndarray
    epoch_seconds: np.ndarray

    @property
    def epoch_time(self) -> float:
        """Median seconds per epoch."""
        return float(np.median(self.epoch_seconds))

    @property
    def epochs(self) -> np.ndarray:
        """(S + 1,) the epoch count at every W[t]: t / ⌈m/b⌉."""
        return np.arange(len(self.W)) / self.steps_per_epoch

    @property
    def seconds(self) -> np.ndarray:
        """(S + 1,) the wall-clock time at every W[t] (median epoch time)."""
        return self.epochs * self.epoch_time


def _check_xy(X, Y) -> int:
    """Check X (2, m) and Y (1, m), real and finite; return m."""
    check_array("X", X, ndim=2)
    check_finite("X", X)
    if np.shape(X)[0] != 2 or np.shape(X)[1] < 1:
        raise ValueError(f"X must have shape (2, m) with m >= 1, got {np.shape(X)}")
    m = np.shape(X)[1]
    check_array("Y", Y, shape=(1, m))
    check_finite("Y", Y)
    return m


def _check_run(w0, learning_rate, perms, m: int) -> None:
    """The arguments shared by :func:`train` and :func:`train_many`."""
    check_array("w0", w0, shape=(2,))
    check_finite("w0", w0)
    check_range("learning_rate", learning_rate, 0.0, None, lo_closed=False)
    check_array("perms", perms, ndim=2)
    if np.shape(perms)[1] != m or not np.issubdtype(
        np.asarray(perms).dtype, np.integer
    ):
        raise ValueError(
            f"perms must be an integer array (epochs, m = {m}) of permutations, "
            f"got dtype {np.asarray(perms).dtype} and shape {np.shape(perms)}"
        )


def make_data(m: int = 300, seed: int = 0):
    """Two overlapping Gaussian classes in 2-D: X (2, m) float64, Y (1, m) in {0, 1}.

    Class 1 is centred at (1, 0.25), class 0 at (−1, −0.25); the second
    feature has a smaller spread, so the cost's contours are elongated.
    Examples alternate between the classes.

    Arguments:
        m: number of examples.
        seed: NumPy seed of the draws.

    Returns:
        ``(X, Y)``: float64 arrays (2, m) and (1, m).
    """
    m = check_int("m", m, lo=2)
    seed = check_int("seed", seed, lo=0)
    rng = np.random.default_rng(seed)
    y = (np.arange(m) % 2).astype(np.float64)
    s = 2.0 * y - 1.0
    X = np.stack([s * 1.0 + rng.normal(0, 1.0, m), s * 0.25 + rng.normal(0, 0.35, m)])
    return X, y[None, :]


def cost(W, X, Y) -> np.ndarray:
    """Logistic cost J(w) = mean log(1 + exp(−s·wᵀx)), s = ±1, for w in the rows of W.

    Stable for any w (``logaddexp``: no log(0)).

    Arguments:
        W: weights (2,) or (k, 2).
        X: (2, m) inputs. Y: (1, m) labels in {0, 1}.

    Returns:
        The cost, a float64 scalar or (k,).
    """
    _check_xy(X, Y)
    check_array("W", W, ndim=(1, 2))
    if np.shape(W)[-1] != 2:
        raise ValueError(f"W must have shape (2,) or (k, 2), got {np.shape(W)}")
    W = np.asarray(W, dtype=np.float64)
    s = 2.0 * np.asarray(Y, dtype=np.float64)[0] - 1.0
    return np.mean(np.logaddexp(0.0, -s * (W @ X)), axis=-1)


def shuffles(key, m: int, epochs: int) -> np.ndarray:
    """(epochs, m): one random permutation of the m examples per epoch.

    Drawn by NumPy from the bits of the JAX key (nothing to compile), so the
    same key always gives the same shuffles.

    Arguments:
        key: JAX PRNG key. m: number of examples. epochs: number of rows.

    Returns:
        int array (epochs, m), each row a permutation of 0..m−1.
    """
    check_key("key", key)
    m = check_int("m", m, lo=1)
    epochs = check_int("epochs", epochs, lo=1)
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel())
    return np.stack([rng.permutation(m) for _ in range(epochs)])


def batch_sizes_for(m: int) -> list[int]:
    """The batch sizes of the panel: 1, 2, 4, ... (powers of two below m), then m.

    Arguments:
        m: number of examples, >= 1.

    Returns:
        list of ints, increasing, ending with m.
    """
    m = check_int("m", m, lo=1)
    sizes, b = [], 1
    while b < m:
        sizes.append(b)
        b *= 2
    return [*sizes, m]


class _Trainer:
    """Mini-batch gradient descent for one batch size, one epoch at a time."""

    def __init__(self, X, Y, w0, learning_rate: float, batch_size: int):
        self.X, self.Y, self.alpha, self.b = X, Y, float(learning_rate), int(batch_size)
        self.nb = math.ceil(X.shape[1] / self.b)
        self.s = 2.0 * Y[0] - 1.0  # labels as ±1
        self.W = [np.array(w0, dtype=np.float64)]
        self.batch_cost, self.epoch_seconds = [], []

    def epoch(self, perm) -> None:
        """One pass over the examples in the order ``perm``, timed."""
        X, s, b, w = self.X, self.s, self.b, self.W[-1]
        t0 = time.perf_counter()
        for k in range(self.nb):
            idx = perm[k * b : (k + 1) * b]  # the last slice keeps the leftovers
            Xb, sb = X[:, idx], s[idx]
            z = sb * (w @ Xb)
            self.batch_cost.append(np.mean(np.logaddexp(0.0, -z)))
            dw = Xb @ (-sb / (1.0 + np.exp(z))) / len(idx)  # d/dw of the mean cost
            w = w - self.alpha * dw
            self.W.append(w)
        self.epoch_seconds.append(time.perf_counter() - t0)

    def result(self) -> MinibatchRun:
        W = np.array(self.W)
        return MinibatchRun(
            self.b,
            self.nb,
            W,
            np.array(self.batch_cost),
            cost(W, self.X, self.Y),
            np.array(self.epoch_seconds),
        )


def train(X, Y, w0, learning_rate: float, batch_size: int, perms) -> MinibatchRun:
    """Mini-batch gradient descent on the logistic cost, one epoch per row of perms.

    Epoch e visits the examples in the order ``perms[e]`` and cuts it into
    ⌈m/b⌉ mini-batches; the last one keeps the m mod b leftovers. Each step
    is ``w -= α · dw`` with dw the mean gradient over its mini-batch. Every
    epoch is timed (the cost on all m is computed afterwards, untimed).

    Arguments:
        X: (2, m) inputs. Y: (1, m) labels in {0, 1}.
        w0: (2,) starting weights.
        learning_rate: α.
        batch_size: b, 1 <= b <= m.
        perms: (epochs, m) shuffles (:func:`shuffles`).

    Returns:
        A :class:`MinibatchRun`.
    """
    return train_many(X, Y, w0, learning_rate, [batch_size], perms)[batch_size]


def train_many(X, Y, w0, learning_rate, batch_sizes, perms, progress=None) -> dict:
    """:func:`train` for several batch sizes, ``{b: MinibatchRun}``.

    The epochs are interleaved (epoch 1 of every size, then epoch 2, ...), so
    a burst of load on the shared machine slows all sizes alike instead of
    skewing the timing of one of them. ``progress``, if given, is called as
    ``progress(e)`` after epoch e of every size (e = 1..E).
    """
    m = _check_xy(X, Y)
    _check_run(w0, learning_rate, perms, m)
    if isinstance(batch_sizes, (str, bytes)) or not hasattr(batch_sizes, "__iter__"):
        raise TypeError(
            f"batch_sizes must be a list of integers, got {type(batch_sizes).__name__}"
        )
    batch_sizes = [check_int("batch_size", b, lo=1, hi=m) for b in batch_sizes]
    if not batch_sizes:
        raise ValueError("batch_sizes must hold at least one batch size")
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress must be None or callable, got {type(progress).__name__}"
        )
    trainers = [_Trainer(X, Y, w0, learning_rate, b) for b in batch_sizes]
    for e, perm in enumerate(np.asarray(perms)):
        for t in trainers:
            t.epoch(perm)
        if progress is not None:
            progress(e + 1)
    return {t.b: t.result() for t in trainers}


def minimizer(X, Y, iters: int = 50) -> np.ndarray:
    """The minimiser of the (convex) cost :func:`cost`, by Newton's method.

    w ← w − H⁻¹ ∇J(w) from w = 0, with ∇J = −(1/m) Σ_i s_i σ(−s_i wᵀx_i) x_i
    and H = (1/m) Σ_i σ(z_i)(1 − σ(z_i)) x_i x_iᵀ.

    Arguments:
        X: (2, m) inputs. Y: (1, m) labels in {0, 1} (not separable).
        iters: Newton steps.

    Returns:
        float64 array (2,): w_min.
    """
    _check_xy(X, Y)
    iters = check_int("iters", iters, lo=1)
    w = np.zeros(2)
    s = 2.0 * Y[0] - 1.0
    for _ in range(iters):
        z = s * (w @ X)
        p = 1.0 / (1.0 + np.exp(z))  # σ(−z)
        g = X @ (-s * p) / X.shape[1]
        H = (X * (p * (1 - p))) @ X.T / X.shape[1]
        w = w - np.linalg.solve(H, g)
    return w
