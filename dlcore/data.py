"""Data: input normalisation, toy datasets, splits and mini-batches.

Course notation throughout: X has shape (n_x, m), one column per example, and
Y has shape (1, m) (labels) or (C, m) (one-hot). Nothing here downloads
anything; ``load_digits`` uses the copy bundled with scikit-learn.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp

from dlcore._checks import (
    check_array,
    check_finite,
    check_int,
    check_key,
    check_range,
    is_concrete,
)

__all__ = [
    "Normalizer",
    "load_digits",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_temperature",
    "num_mini_batches",
    "one_hot",
    "random_mini_batches",
    "train_dev_test_split",
]


# --------------------------------------------------------------------------
# Normalising inputs
# --------------------------------------------------------------------------


class Normalizer(NamedTuple):
    """Per-feature input normalisation, x ↦ (x - μ) / σ.

    ``mu`` and ``sigma`` have shape (n_x, 1) so they broadcast over the m
    columns of X. Being a NamedTuple, a Normalizer is immutable and a JAX
    pytree (it can be passed through ``jit``).

    Fit it on the TRAINING set only, then apply the same μ and σ to the dev
    and test sets (and to any new input at prediction time), so that every
    example goes through exactly the same transformation.

    The lecture slides write X /= σ²; that is a typo. Dividing by σ (the
    standard deviation) is what gives each feature unit variance.
    """

    mu: jax.Array
    sigma: jax.Array

    @classmethod
    def fit(cls, X_train, eps: float = 1e-8) -> Normalizer:
        """Estimate μ and σ from X_train of shape (n_x, m), m >= 2::

            μ = (1/m) Σ_i x^(i)                          (n_x, 1)
            σ = sqrt((1/m) Σ_i (x^(i) - μ)² + eps)       (n_x, 1)

        ``eps`` >= 0 keeps a constant feature (variance 0) from causing a
        division by zero.
        """
        X_train = _check_X("X_train", X_train)
        m = X_train.shape[1]
        if m < 2:
            raise ValueError(f"X_train must have at least 2 examples (m >= 2), got {m}")
        check_range("eps", eps, 0, None)
        check_finite("eps", eps)
        mu = jnp.mean(X_train, axis=1, keepdims=True)
        var = jnp.mean((X_train - mu) ** 2, axis=1, keepdims=True)
        return cls(mu=mu, sigma=jnp.sqrt(var + eps))

    def transform(self, X) -> jax.Array:
        """Return (X - μ) / σ, same shape (n_x, m) as X."""
        X = self._check_input("X", X)
        return (X - self.mu) / self.sigma

    def inverse_transform(self, X_norm) -> jax.Array:
        """Undo ``transform``: return X_norm · σ + μ, shape (n_x, m)."""
        X_norm = self._check_input("X_norm", X_norm)
        return X_norm * self.sigma + self.mu

    def _check_input(self, name: str, X):
        X = _check_X(name, X)
        n_x = self.mu.shape[0]
        if X.shape[0] != n_x:
            raise ValueError(
                f"{name} has {X.shape[0]} features (rows) but the Normalizer "
                f"was fit on n_x = {n_x}"
            )
        return X


def _check_X(name: str, X) -> jax.Array:
    check_array(name, X, ndim=2, floating=True)
    check_finite(name, X)
    return jnp.asarray(X)


# --------------------------------------------------------------------------
# 2-D toy datasets
# --------------------------------------------------------------------------


def _balanced_labels(key, m: int, n_classes: int) -> jax.Array:
    """Labels 0..C-1 in random order, each class getting ⌊m/C⌋ or ⌈m/C⌉."""
    return jax.random.permutation(key, jnp.arange(m, dtype=jnp.int32) % n_classes)


def _as_Y(y, n_classes: int) -> jax.Array:
    """(m,) labels -> Y of shape (1, m): float32 0/1 if binary, else int32."""
    dtype = jnp.float32 if n_classes == 2 else jnp.int32
    return y[None, :].astype(dtype)


def _check_noise(noise):
    check_range("noise", noise, 0, None)
    check_finite("noise", noise)


# Each make_* validates its arguments, then calls a jitted generator: one
# compilation per (m, n_classes), and moving a noise slider never recompiles.


def make_moons(key, m: int = 300, noise: float = 0.1):
    """Two interleaving half circles.

    With angles t ~ U(0, π), class 0 lies on the upper unit half circle and
    class 1 on a lower one shifted right and down::

        class 0:  x = (cos t,      sin t)
        class 1:  x = (1 - cos t,  0.5 - sin t)

    plus N(0, noise²) on each coordinate. Returns X (2, m) float32 and
    Y (1, m) float32 in {0, 1}, classes as balanced as possible.
    """
    key = check_key("key", key)
    m = check_int("m", m, lo=2)
    _check_noise(noise)
    return _moons(key, m=m, noise=noise)


@functools.partial(jax.jit, static_argnames="m")
def _moons(key, m, noise):
    k_y, k_t, k_noise = jax.random.split(key, 3)
    y = _balanced_labels(k_y, m, 2)
    t = jax.random.uniform(k_t, (m,), maxval=jnp.pi)
    upper = jnp.stack([jnp.cos(t), jnp.sin(t)])
    lower = jnp.stack([1 - jnp.cos(t), 0.5 - jnp.sin(t)])
    X = jnp.where(y == 0, upper, lower)
    X = X + noise * jax.random.normal(k_noise, (2, m))
    return X, _as_Y(y, 2)


def make_circles(key, m: int = 300, noise: float = 0.05, factor: float = 0.5):
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor``.

    With angles t ~ U(0, 2π) and r = 1 or factor::

        x = r (cos t, sin t) + N(0, noise² I)

    ``factor`` in (0, 1). Returns X (2, m) float32 and Y (1, m) float32 in
    {0, 1}, classes as balanced as possible.
    """
    key = check_key("key", key)
    m = check_int("m", m, lo=2)
    _check_noise(noise)
    check_range("factor", factor, 0, 1, lo_closed=False, hi_closed=False)
    return _circles(key, m=m, noise=noise, factor=factor)


@functools.partial(jax.jit, static_argnames="m")
def _circles(key, m, noise, factor):
    k_y, k_t, k_noise = jax.random.split(key, 3)
    y = _balanced_labels(k_y, m, 2)
    t = jax.random.uniform(k_t, (m,), maxval=2 * jnp.pi)
    r = jnp.where(y == 0, 1.0, factor)
    X = r * jnp.stack([jnp.cos(t), jnp.sin(t)])
    X = X + noise * jax.random.normal(k_noise, (2, m))
    return X, _as_Y(y, 2)


def make_spirals(
    key,
    m: int = 300,
    noise: float = 0.2,
    n_classes: int = 2,
    turns: float = 1.0,
):
    """``n_classes`` interleaved spiral arms starting at the origin.

    Each example has a radius r ~ U(0, 1); arm k (class k) winds ``turns``
    times around the origin::

        φ = 2π (turns · r + k / C) + N(0, noise²)
        x = r (cos φ, sin φ)

    Here ``noise`` jitters the angle φ (in radians), so points near the centre
    move less than points on the rim. Returns X (2, m) float32 and Y (1, m):
    float32 0/1 when n_classes == 2, else int32 labels 0..C-1.
    """
    key = check_key("key", key)
    n_classes = check_int("n_classes", n_classes, lo=2)
    m = check_int("m", m, lo=n_classes)
    _check_noise(noise)
    check_range("turns", turns, 0, None, lo_closed=False)
    check_finite("turns", turns)
    return _spirals(key, m=m, noise=noise, n_classes=n_classes, turns=turns)


@functools.partial(jax.jit, static_argnames=("m", "n_classes"))
def _spirals(key, m, noise, n_classes, turns):
    k_y, k_r, k_noise = jax.random.split(key, 3)
    y = _balanced_labels(k_y, m, n_classes)
    r = jax.random.uniform(k_r, (m,))
    phi = 2 * jnp.pi * (turns * r + y / n_classes)
    phi = phi + noise * jax.random.normal(k_noise, (m,))
    X = r * jnp.stack([jnp.cos(phi), jnp.sin(phi)])
    return X, _as_Y(y, n_classes)


def make_blobs(
    key,
    m: int = 300,
    n_classes: int = 3,
    noise: float = 1.0,
    radius: float = 4.0,
):
    """Gaussian blobs with centres evenly spaced on a circle.

    Class k has centre c_k = radius · (cos 2πk/C, sin 2πk/C) and::

        x = c_k + N(0, noise² I)

    Returns X (2, m) float32 and Y (1, m): float32 0/1 when n_classes == 2,
    else int32 labels 0..C-1.
    """
    key = check_key("key", key)
    n_classes = check_int("n_classes", n_classes, lo=2)
    m = check_int("m", m, lo=n_classes)
    _check_noise(noise)
    check_range("radius", radius, 0, None, lo_closed=False)
    check_finite("radius", radius)
    return _blobs(key, m=m, n_classes=n_classes, noise=noise, radius=radius)


@functools.partial(jax.jit, static_argnames=("m", "n_classes"))
def _blobs(key, m, n_classes, noise, radius):
    k_y, k_noise = jax.random.split(key)
    y = _balanced_labels(k_y, m, n_classes)
    angle = 2 * jnp.pi * y / n_classes
    centres = radius * jnp.stack([jnp.cos(angle), jnp.sin(angle)])
    X = centres + noise * jax.random.normal(k_noise, (2, m))
    return X, _as_Y(y, n_classes)


def one_hot(y, num_classes: int) -> jax.Array:
    """Labels of shape (1, m) or (m,) -> one-hot Y of shape (C, m), float32.

    Y[k, i] = 1 if y^(i) = k else 0. Labels must be whole numbers in
    [0, C - 1] (float 0/1 labels are accepted too).
    """
    num_classes = check_int("num_classes", num_classes, lo=1)
    check_array("y", y, ndim=(1, 2))
    if jnp.ndim(y) == 2 and jnp.shape(y)[0] != 1:
        raise ValueError(f"y must have shape (1, m) or (m,), got {jnp.shape(y)}")
    check_range("y", y, 0, num_classes - 1)
    y = jnp.ravel(jnp.asarray(y))
    if not jnp.issubdtype(y.dtype, jnp.integer):
        if is_concrete(y) and not bool(jnp.all(y == jnp.round(y))):
            raise ValueError("y must contain whole-number class labels")
        y = y.astype(jnp.int32)
    return jax.nn.one_hot(y, num_classes, axis=0, dtype=jnp.float32)


# --------------------------------------------------------------------------
# A real (small) dataset
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def load_digits():
    """The 8×8 handwritten digits bundled with scikit-learn (no download).

    Returns X of shape (64, 1797), float32 pixel intensities scaled to [0, 1]
    (pixel / 16), and Y of shape (1, 1797), int32 labels 0..9. The result is
    cached; the arrays are immutable, so sharing them is safe.
    """
    from sklearn.datasets import load_digits as _sklearn_load_digits

    digits = _sklearn_load_digits()
    X = jnp.asarray(digits.data.T / 16.0, dtype=jnp.float32)
    Y = jnp.asarray(digits.target[None, :], dtype=jnp.int32)
    return X, Y


# --------------------------------------------------------------------------
# Splits and mini-batches
# --------------------------------------------------------------------------


def _check_XY(X, Y):
    """Check X (n_x, m) and Y (n_y, m), real and finite; return them and m."""
    check_array("X", X, ndim=2)
    check_array("Y", Y, ndim=2)
    check_finite("X", X)
    check_finite("Y", Y)
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    m = X.shape[1]
    if Y.shape[1] != m:
        raise ValueError(
            f"X and Y must have the same number of examples (columns), "
            f"got X {tuple(X.shape)} and Y {tuple(Y.shape)}"
        )
    return X, Y, m


def train_dev_test_split(key, X, Y, fractions=(0.6, 0.2, 0.2)):
    """Shuffle the m columns of (X, Y) and split them into train/dev/test.

    With fractions (f_train, f_dev, f_test) the split sizes are
    round(f_train·m), round((f_train + f_dev)·m) - round(f_train·m) and the
    rest, so they always add up to m. Each split must get at least one
    example. Big-data practice is more like (0.98, 0.01, 0.01).

    Returns ((X_train, Y_train), (X_dev, Y_dev), (X_test, Y_test)), each X of
    shape (n_x, m_split) and each Y of shape (n_y, m_split).
    """
    key = check_key("key", key)
    X, Y, m = _check_XY(X, Y)
    if not isinstance(fractions, (tuple, list)) or len(fractions) != 3:
        raise ValueError(
            f"fractions must be 3 numbers (train, dev, test), got {fractions!r}"
        )
    for f in fractions:
        check_range("fractions", f, 0, 1, lo_closed=False)
    total = math.fsum(fractions)
    if abs(total - 1) > 1e-6:
        raise ValueError(f"fractions must sum to 1, got {total:g}")
    b1 = round(fractions[0] * m)
    b2 = round((fractions[0] + fractions[1]) * m)
    sizes = (b1, b2 - b1, m - b2)
    if min(sizes) < 1:
        raise ValueError(
            f"fractions {tuple(fractions)} with m = {m} give split sizes "
            f"{sizes}; every split needs at least 1 example"
        )
    return tuple(_shuffle_and_cut(key, X, Y, sizes))


def num_mini_batches(m: int, mini_batch_size: int) -> int:
    """Number of mini-batches per epoch, ⌈m / mini_batch_size⌉."""
    m = check_int("m", m, lo=1)
    mini_batch_size = check_int("mini_batch_size", mini_batch_size, lo=1, hi=m)
    return -(-m // mini_batch_size)


def random_mini_batches(X, Y, mini_batch_size, key):
    """Shuffle the columns of (X, Y) together and cut them into mini-batches.

    With s = mini_batch_size and a random permutation π of the m columns,
    batch k holds the columns π(k·s) .. π((k+1)·s - 1)::

        X_batch_k = X[:, π[k·s : (k+1)·s]]     (n_x, s)
        Y_batch_k = Y[:, π[k·s : (k+1)·s]]     (n_y, s)

    The last batch keeps the m mod s leftover columns when s does not divide
    m. s = m is batch gradient descent, s = 1 is stochastic gradient descent.
    The key comes last, as in ``dl.layers.dropout_forward`` and
    ``dl.model.forward`` (and in the exercise of notebook 06).

    Arguments:
        X: inputs of shape (n_x, m), real and finite.
        Y: labels of shape (n_y, m), real and finite.
        mini_batch_size: s, an integer in [1, m].
        key: a JAX PRNG key (``jax.random.key(...)``); no default.

    Returns:
        A list of ⌈m/s⌉ pairs (X_batch, Y_batch) of shapes (n_x, s) and
        (n_y, s), the last possibly narrower.

    Raises:
        TypeError: X is a PRNG key (the argument order of older versions,
            ``random_mini_batches(key, X, Y, s)``), mini_batch_size is not
            an integer, or key is not one PRNG key.
        ValueError: shapes disagree, X or Y is not finite, or
            mini_batch_size is outside [1, m].
    """
    _reject_key_first("X", X)
    key = check_key("key", key)
    X, Y, m = _check_XY(X, Y)
    s = check_int("mini_batch_size", mini_batch_size, lo=1, hi=m)
    sizes = [s] * (m // s) + ([m % s] if m % s else [])
    return _shuffle_and_cut(key, X, Y, sizes)


def _reject_key_first(name, x):
    """TypeError when a PRNG key arrives where data belongs (key-first order)."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return
    typed = jnp.issubdtype(dtype, jax.dtypes.prng_key)
    raw = dtype == jnp.uint32 and tuple(getattr(x, "shape", ())) == (2,)
    if typed or raw:
        raise TypeError(
            f"{name} is a PRNG key; random_mini_batches takes the key last: "
            "random_mini_batches(X, Y, mini_batch_size, key)"
        )


def _shuffle_and_cut(key, X, Y, sizes):
    """Permute the columns of X and Y together, then cut them into ``sizes``.

    Runs eagerly: the permutation is compiled once per m, and the cuts use
    ``dynamic_slice`` (the start is a runtime value), compiled once per size.
    """
    perm = jax.random.permutation(key, X.shape[1])
    X, Y = X[:, perm], Y[:, perm]
    parts, start = [], 0
    for size in sizes:
        parts.append(
            (
                jax.lax.dynamic_slice_in_dim(X, start, size, axis=1),
                jax.lax.dynamic_slice_in_dim(Y, start, size, axis=1),
            )
        )
        start += size
    return parts


# --------------------------------------------------------------------------
# A 1-D series for exponentially weighted averages
# --------------------------------------------------------------------------


def make_temperature(key, days: int = 365, noise: float = 5.0) -> jax.Array:
    """A noisy daily-temperature series in °F, like the notes' London example.

    Day d = 1..days (day 1 = 1 January) follows a seasonal curve plus
    independent daily weather::

        θ_d = 52 − 13 cos(2π (d − 15) / 365) + noise · ε_d,   ε_d ~ N(0, 1)

    so the coldest day is mid-January (≈ 39 °F) and the warmest mid-July
    (≈ 65 °F). ``noise`` >= 0 is the standard deviation of the weather in °F.
    Returns a float32 array of shape (days,); θ[d - 1] is θ_d.
    """
    key = check_key("key", key)
    days = check_int("days", days, lo=1)
    _check_noise(noise)
    return _temperature(key, days=days, noise=noise)


@functools.partial(jax.jit, static_argnames="days")
def _temperature(key, days, noise):
    d = jnp.arange(1, days + 1, dtype=jnp.float32)
    season = 52.0 - 13.0 * jnp.cos(2 * jnp.pi * (d - 15.0) / 365.0)
    return season + noise * jax.random.normal(key, (days,), dtype=jnp.float32)
