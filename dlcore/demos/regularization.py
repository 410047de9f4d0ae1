"""Data augmentation for the 8×8 digits: shifts, small rotations and noise.

Every function is pure JAX with an explicit key. Images are columns of
X (64, m), pixel intensities in [0, 1], each column an 8×8 image stored row
by row (``X[:, i].reshape(8, 8)``, as ``dlcore.data.load_digits`` returns
them). Row r grows DOWNWARDS and column c to the RIGHT; the rotation centre
is the middle of the image, (r, c) = (3.5, 3.5).

:func:`warp` moves every image by its own angle and shift (bilinear
interpolation, black = 0 outside the image); :func:`random_augment` draws those
per image; :func:`augment_dataset` stacks the originals and augmented copies;
:func:`augmentation_effect` trains the same network with and without
augmentation and returns the dev accuracies.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.ndimage import map_coordinates

from dlcore import data, model, train
from dlcore._checks import check_array, check_int, check_key, check_range

__all__ = [
    "SIDE",
    "AugmentationEffect",
    "add_noise",
    "augment_dataset",
    "augmentation_effect",
    "random_augment",
    "warp",
]

SIDE = 8  # the digits are SIDE × SIDE
_CENTER = (SIDE - 1) / 2.0


def _check_images(X):
    check_array("X", X, ndim=2, floating=True)
    if X.shape[0] != SIDE * SIDE:
        raise ValueError(
            f"X must have {SIDE * SIDE} rows (8×8 images as columns), got shape "
            f"{tuple(X.shape)}"
        )
    return jnp.asarray(X)


def _warp_one(img, angle, d_row, d_col):
    """One (64,) image -> (64,): rotate by ``angle`` (radians, counter-
    clockwise as displayed), then shift by (d_row, d_col) pixels."""
    r, c = jnp.meshgrid(jnp.arange(SIDE), jnp.arange(SIDE), indexing="ij")
    # output pixel -> where it comes from: undo the shift, then the rotation.
    # In (x right, y up) coordinates: x = c - 3.5, y = 3.5 - r.
    x = c - d_col - _CENTER
    y = _CENTER - (r - d_row)
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    xs = cos * x + sin * y  # R(-angle) @ (x, y)
    ys = -sin * x + cos * y
    src_r, src_c = _CENTER - ys, xs + _CENTER
    out = map_coordinates(
        img.reshape(SIDE, SIDE), [src_r, src_c], order=1, mode="constant", cval=0.0
    )
    return out.reshape(SIDE * SIDE)


@jax.jit
def _warp(X, angle, shift):
    return jax.vmap(_warp_one, in_axes=(1, 0, 0, 0), out_axes=1)(
        X, angle, shift[0], shift[1]
    )


def warp(X, angle, shift):
    """Rotate, then shift, every image: X (64, m) -> (64, m).

    ``angle`` (m,) in radians, counter-clockwise as the image is displayed
    (row 0 on top), about the image centre. ``shift`` (2, m): rows down and
    columns right, in pixels (need not be whole). Output pixel (r, c) takes
    the value of the input at::

        (x, y) = (c − d_col − 3.5,  3.5 − r + d_row)        (y up)
        (x', y') = R(−angle) (x, y)
        source (r', c') = (3.5 − y',  x' + 3.5)

    by bilinear interpolation; sources outside the image read 0 (black).
    Whole-pixel shifts with angle 0 move pixels exactly; angle π/2 is
    ``np.rot90`` of each 8×8 image.
    """
    X = _check_images(X)
    m = X.shape[1]
    angle = jnp.broadcast_to(jnp.asarray(angle, X.dtype), (m,))
    shift = jnp.asarray(shift, X.dtype)
    if shift.shape != (2, m):
        raise ValueError(f"shift must have shape (2, m) = (2, {m}), got {shift.shape}")
    return _warp(X, angle, shift)


def add_noise(key, X, sigma):
    """X + σ·N(0, 1) per pixel, clipped back to [0, 1]; X (64, m) or any shape."""
    check_key("key", key)
    check_range("sigma", sigma, 0.0, None)
    X = jnp.asarray(X)
    return jnp.clip(X + sigma * jax.random.normal(key, X.shape, X.dtype), 0.0, 1.0)


@jax.jit
def _random_augment(key, X, max_shift, max_angle, noise):
    m = X.shape[1]
    k_a, k_s, k_n = jax.random.split(key, 3)
    angle = jnp.deg2rad(max_angle) * jax.random.uniform(k_a, (m,), minval=-1, maxval=1)
    shift = max_shift * jax.random.uniform(k_s, (2, m), X.dtype, -1.0, 1.0)
    out = jax.vmap(_warp_one, in_axes=(1, 0, 0, 0), out_axes=1)(
        X, angle, shift[0], shift[1]
    )
    return jnp.clip(out + noise * jax.random.normal(k_n, X.shape, X.dtype), 0.0, 1.0)


def random_augment(key, X, *, max_shift=1, max_angle=15.0, noise=0.05):
    """One random variant of every image of X (64, m), drawn from ``key``.

    Per image: an angle uniform in [−max_angle, max_angle] DEGREES, a whole-
    pixel shift (d_row, d_col), each uniform in {−max_shift, ..., max_shift},
    both applied with :func:`warp`; then pixel noise N(0, noise²), clipped to
    [0, 1]. All three amounts are traced (a slider never recompiles).
    """
    check_key("key", key)
    X = _check_images(X)
    check_range("max_shift", max_shift, 0, 3)
    check_range("max_angle", max_angle, 0.0, 90.0)
    check_range("noise", noise, 0.0, 1.0)
    return _random_augment(key, X, max_shift, max_angle, noise)


def augment_dataset(key, X, Y, copies: int, **kw):
    """The originals followed by ``copies`` augmented versions of each image.

    Returns (X_big (64, m·(copies + 1)), Y_big (n_y, m·(copies + 1))), the
    labels repeated alongside. ``kw`` goes to :func:`random_augment`.
    """
    check_key("key", key)
    X = _check_images(X)
    copies = check_int("copies", copies, lo=0)
    check_array("Y", Y, ndim=2)
    if Y.shape[1] != X.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of columns m, got {X.shape[1]} "
            f"and {Y.shape[1]}"
        )
    parts = [X]
    for k in jax.random.split(key, copies) if copies else []:
        parts.append(random_augment(k, X, **kw))
    return jnp.concatenate(parts, axis=1), jnp.tile(jnp.asarray(Y), (1, copies + 1))


class AugmentationEffect(NamedTuple):
    """Dev accuracies, shape (splits, seeds), without and with augmentation."""

    plain: np.ndarray
    augmented: np.ndarray
    m_train: int
    m_dev: int
    copies: int


@functools.lru_cache(maxsize=8)
def _digits_split(seed: int, m_train: int):
    X, y = data.load_digits()
    perm = np.asarray(jax.random.permutation(jax.random.key(seed), X.shape[1]))
    X, y = np.asarray(X)[:, perm], np.asarray(y).ravel()[perm]
    return X[:, :m_train], y[:m_train], X[:, m_train:], y[m_train:]


def augmentation_effect(
    key,
    *,
    m_train: int = 50,
    copies: int = 9,
    splits=(0, 1, 2),
    seeds: int = 3,
    hidden: int = 64,
    num_steps: int = 600,
    learning_rate: float = 0.01,
    max_shift=0.5,
    max_angle=15.0,
    noise=0.05,
) -> AugmentationEffect:
    """Train a [64, hidden, 10] softmax net on ``m_train`` digits, with and
    without ``copies`` augmented versions of each (:func:`random_augment`),
    and score both on all the other digits (the dev set).

    For every split seed in ``splits`` the digits are shuffled and cut into
    the first ``m_train`` (training) and the rest (dev). For each of
    ``seeds`` initialisations (from ``key``) both runs start from the same
    weights and use full-batch Adam for ``num_steps`` steps.

    The plain run trains on the ``m_train`` digits tiled ``copies + 1`` times.
    With full-batch gradient descent that is the same run as on the digits
    alone (the cost is a mean over the columns, and every column appears
    equally often), and it gives both runs the same shapes: one compilation
    for everything.
    """
    check_key("key", key)
    m_train = check_int("m_train", m_train, lo=10, hi=1500)
    seeds = check_int("seeds", seeds, lo=1)
    if len(splits) == 0:
        raise ValueError("splits must list at least one split seed")
    cfg = model.MLPConfig((64, hidden, 10), hidden="relu", output="softmax")
    hp = train.Hyper(learning_rate=learning_rate)
    k_aug, k_fit = jax.random.split(key)
    keys = jax.random.split(k_fit, seeds)
    plain, augmented = [], []
    for i, split in enumerate(splits):
        X_tr, y_tr, X_dev, y_dev = _digits_split(int(split), m_train)
        Y_tr, Y_dev = data.one_hot(y_tr, 10), data.one_hot(y_dev, 10)
        X_big, Y_big = augment_dataset(
            jax.random.fold_in(k_aug, i), X_tr, Y_tr, copies,
            max_shift=max_shift, max_angle=max_angle, noise=noise,
        )  # fmt: skip
        X_rep = jnp.tile(jnp.asarray(X_tr), (1, copies + 1))
        Y_rep = jnp.tile(Y_tr, (1, copies + 1))
        for X, Y, out in ((X_rep, Y_rep, plain), (X_big, Y_big, augmented)):
            hist = train.fit_many(
                keys, X, Y, cfg, hp, num_steps=num_steps, eval_every=num_steps
            )
            out.append(np.asarray(_dev_accuracy(hist.params, X_dev, Y_dev, cfg)))
    return AugmentationEffect(
        np.stack(plain), np.stack(augmented), m_train, int(y_dev.size), copies
    )


@functools.partial(jax.jit, static_argnames="cfg")
def _dev_accuracy(params, X_dev, Y_dev, cfg):
    A = jax.vmap(lambda p: model._forward(p, X_dev, cfg, None, False, None)[0])(params)
    return jax.vmap(lambda a: model.accuracy(a, Y_dev))(A)
