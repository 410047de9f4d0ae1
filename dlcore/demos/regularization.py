"""Regularization demos: bias and variance, L2/L1/dropout, early stopping, augmentation.

Serves ``04_regularization.ipynb`` and the panels of
:mod:`dlcore.live.panels.regularization`. ``dlcore.train`` already trains with
L2, L1 and inverted dropout (λ and keep_prob as traced hyperparameters); this
module holds what the notebook builds on top of it:

* bias and variance: :func:`diagnose` turns a train error, a dev error and an
  estimate of the base (Bayes) error into "high bias", "high variance",
  "both" or "neither" (:func:`diagnosis_code` is the same rule on arrays);
  :func:`bayes_error_moons` is that base error for ``dlcore.data.make_moons``;
  :func:`bias_variance_table` trains networks of growing size and diagnoses
  each one;
* the L2/L1/dropout dashboard: :func:`train_grid` trains one network for
  every (penalty, λ, keep_prob) of a grid; :func:`weight_vector`,
  :func:`near_zero_fraction` and :func:`weight_norm` summarise the weights
  W1..WL (biases excluded);
* early stopping: :func:`early_stopping` finds the stopping point of a
  dev-cost curve with a patience rule, :func:`train_early_stopping` records
  one long run;
* data augmentation for the 8×8 digits: shifts, small rotations and noise
  (:func:`warp`, :func:`random_augment`, :func:`augment_dataset`,
  :func:`augmented_copies`) and :func:`augmentation_effect`, which trains the
  same network with and without augmentation.

Images are columns of X (64, m), pixel intensities in [0, 1], each column an
8×8 image stored row by row (``X[:, i].reshape(8, 8)``, as
``dlcore.data.load_digits`` returns them). Row r grows DOWNWARDS and column c
to the RIGHT; the rotation centre is the middle of the image,
(r, c) = (3.5, 3.5). Every random draw takes an explicit key.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.ndimage import map_coordinates

from dlcore import data, model, train
from dlcore._checks import (
    check_array,
    check_finite,
    check_int,
    check_key,
    check_params,
    check_range,
    check_real,
)
from dlcore.losses import weight_names

__all__ = [
    "DIAGNOSES",
    "HIST_EDGES",
    "KEEP_PROBS",
    "LAMBDAS",
    "NEAR_ZERO",
    "REGS",
    "SIDE",
    "WORKED_EXAMPLES",
    "AugmentationEffect",
    "EarlyStoppingRun",
    "RegGrid",
    "SizeResult",
    "add_noise",
    "augment_dataset",
    "augmentation_effect",
    "augmented_copies",
    "bayes_error_moons",
    "bias_variance_table",
    "diagnose",
    "diagnosis_code",
    "early_stopping",
    "near_zero_fraction",
    "random_augment",
    "snap",
    "train_early_stopping",
    "train_grid",
    "warp",
    "weight_norm",
    "weight_vector",
]

# ---------------------------------------------------------------------------
# Bias and variance
# ---------------------------------------------------------------------------

# The four answers of :func:`diagnose`, in the order of :func:`diagnosis_code`.
DIAGNOSES = ("neither", "high bias", "high variance", "both")
# The notes' cat classifier: (train error, dev error) with human error ≈ 0.
WORKED_EXAMPLES = ((0.01, 0.11), (0.15, 0.16), (0.15, 0.30), (0.005, 0.01))


def _check_dims(name: str, dims) -> None:
    """A list of at least two layer sizes, each an integer >= 1."""
    if isinstance(dims, (str, bytes)) or not hasattr(dims, "__len__"):
        raise TypeError(
            f"{name} must be a list of layer sizes, got {type(dims).__name__}"
        )
    if len(dims) < 2:
        raise ValueError(f"{name} must list at least 2 layer sizes, got {dims}")
    for i, n in enumerate(dims):
        check_int(f"{name}[{i}]", n, lo=1)


def _check_moons(m_train, m_dev, noise, layer_dims, num_steps, learning_rate):
    """The arguments shared by :func:`train_grid` and :func:`train_early_stopping`."""
    check_int("m_train", m_train, lo=2)
    check_int("m_dev", m_dev, lo=1)
    check_range("noise", noise, 0.0, None)
    _check_dims("layer_dims", layer_dims)
    if layer_dims[0] != 2 or layer_dims[-1] != 1:
        raise ValueError(
            f"layer_dims must start with 2 (the moons) and end with 1, got {layer_dims}"
        )
    check_int("num_steps", num_steps, lo=1)
    check_range("learning_rate", learning_rate, 0.0, None, lo_closed=False)


def _check_error(name, value):
    check_range(name, value, 0.0, 1.0)
    return np.asarray(value, np.float64)


def diagnosis_code(
    train_error, dev_error, base_error=0.0, *, bias_tol=0.05, variance_tol=0.05
):
    """The rule of :func:`diagnose` as integer codes, element-wise on arrays.

    ``code = 1·[train − base > bias_tol] + 2·[dev − train > variance_tol]``,
    so 0, 1, 2, 3 index :data:`DIAGNOSES` ("neither", "high bias",
    "high variance", "both"). Errors are fractions in [0, 1]; any shapes
    that broadcast together.
    """
    train_error = _check_error("train_error", train_error)
    dev_error = _check_error("dev_error", dev_error)
    base_error = _check_error("base_error", base_error)
    check_range("bias_tol", bias_tol, 0.0, 1.0)
    check_range("variance_tol", variance_tol, 0.0, 1.0)
    high_bias = (train_error - base_error) > bias_tol
    high_variance = (dev_error - train_error) > variance_tol
    return high_bias.astype(np.int64) + 2 * high_variance.astype(np.int64)


def diagnose(
    train_error: float,
    dev_error: float,
    base_error: float = 0.0,
    *,
    bias_tol: float = 0.05,
    variance_tol: float = 0.05,
) -> str:
    """Name the problem of a model from its errors (fractions in [0, 1]).

    Two gaps, both measured in error (1 − accuracy)::

        avoidable bias = train_error − base_error
        variance       = dev_error − train_error

    ``base_error`` is the best error any classifier could reach on this
    data (the Bayes error; human-level error is a common stand-in for it).
    The model has HIGH BIAS when the avoidable bias exceeds ``bias_tol``
    (it does not even fit the training set as well as it could), and HIGH
    VARIANCE when the variance exceeds ``variance_tol`` (it does much
    better on the data it was trained on than on new data). Returns
    "high bias", "high variance", "both" or "neither".

    With base_error = 0 and both tolerances 5 percentage points, the notes'
    cat-classifier examples come out as: (train 1%, dev 11%) high variance;
    (15%, 16%) high bias; (15%, 30%) both; (0.5%, 1%) neither.
    """
    for name, v in (
        ("train_error", train_error),
        ("dev_error", dev_error),
        ("base_error", base_error),
    ):
        if np.ndim(v) != 0:
            raise ValueError(f"{name} must be a single number; use diagnosis_code")
    code = diagnosis_code(
        train_error,
        dev_error,
        base_error,
        bias_tol=bias_tol,
        variance_tol=variance_tol,
    )
    return DIAGNOSES[int(code)]


def _moons_means(t):
    """Noise-free points of both moons at angles t: two arrays (2, K)."""
    upper = np.stack([np.cos(t), np.sin(t)])
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    return upper, lower


def bayes_error_moons(
    noise: float, *, n_angles: int = 256, grid: int = 241, chunk: int = 32
) -> float:
    """The Bayes error of ``dlcore.data.make_moons(key, m, noise)``, in [0, 0.5].

    The generator is known, so so is each class density: with t ~ U(0, π)
    and isotropic Gaussian noise σ = ``noise``,

        p_c(x) = (1/π) ∫_0^π N(x; μ_c(t), σ² I) dt
        μ_0(t) = (cos t, sin t),   μ_1(t) = (1 − cos t, 0.5 − sin t)

    and the two classes are equally likely. The best possible classifier
    picks the class with the larger density, so its error is

        E* = ∫ ½ min(p_0(x), p_1(x)) dx.

    The t integral uses ``n_angles`` midpoints, the x integral a
    ``grid`` × ``grid`` midpoint rule on the box that holds the curves plus
    6σ (float64 NumPy, deterministic). ``noise`` must be > 0.
    """
    check_range("noise", noise, 0.0, None, lo_closed=False)
    n_angles = check_int("n_angles", n_angles, lo=8)
    grid = check_int("grid", grid, lo=16)
    chunk = check_int("chunk", chunk, lo=1)
    s = float(noise)
    t = (np.arange(n_angles) + 0.5) * (np.pi / n_angles)
    mu0, mu1 = _moons_means(t)
    pad = 6.0 * s
    x0 = np.linspace(-1.0 - pad, 2.0 + pad, grid + 1)
    x1 = np.linspace(-0.5 - pad, 1.0 + pad, grid + 1)
    cx, cy = (x0[:-1] + x0[1:]) / 2, (x1[:-1] + x1[1:]) / 2
    cell = (x0[1] - x0[0]) * (x1[1] - x1[0])
    P = np.stack(np.meshgrid(cx, cy, indexing="ij")).reshape(2, -1)  # (2, G)
    p = np.zeros((2, P.shape[1]))
    norm = 1.0 / (2.0 * np.pi * s * s * n_angles)
    for start in range(0, n_angles, chunk):
        for c, mu in enumerate((mu0, mu1)):
            m = mu[:, start : start + chunk]  # (2, k)
            d2 = ((P[:, :, None] - m[:, None, :]) ** 2).sum(axis=0)  # (G, k)
            p[c] += norm * np.exp(-d2 / (2.0 * s * s)).sum(axis=1)
    return float(0.5 * np.minimum(p[0], p[1]).sum() * cell)


class SizeResult(NamedTuple):
    """One row of :func:`bias_variance_table`."""

    layer_dims: tuple
    n_params: int
    train_error: float
    dev_error: float
    diagnosis: str


def bias_variance_table(
    key,
    X_train,
    Y_train,
    X_dev,
    Y_dev,
    sizes,
    base_error: float,
    *,
    num_steps: int = 2000,
    learning_rate: float = 0.01,
    bias_tol: float = 0.05,
    variance_tol: float = 0.05,
) -> list[SizeResult]:
    """Train one sigmoid-output network per entry of ``sizes`` and diagnose it.

    ``sizes`` is a list of ``layer_dims`` (``[2, 1]`` is logistic regression,
    ``[2, 256, 256, 1]`` a big network). Each is trained full-batch with Adam
    (``learning_rate``) for ``num_steps`` steps from the same ``key``, with
    no regularisation, by one compiled :func:`dlcore.train.fit` call (one
    compilation per size). Errors are 1 − accuracy of the final weights on
    X_train (n_x, m_train) and X_dev (n_x, m_dev); the diagnosis is
    :func:`diagnose` with ``base_error`` and the tolerances.
    """
    check_key("key", key)
    check_array("X_train", X_train, ndim=2, floating=True)
    check_array("X_dev", X_dev, ndim=2, floating=True)
    check_array("Y_train", Y_train, shape=(1, np.shape(X_train)[1]))
    check_array("Y_dev", Y_dev, shape=(1, np.shape(X_dev)[1]))
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(
            f"sizes must be a list of layer_dims, got {type(sizes).__name__}"
        )
    if not sizes:
        raise ValueError("sizes must list at least one layer_dims")
    for i, dims in enumerate(sizes):
        _check_dims(f"sizes[{i}]", dims)
    _check_error("base_error", base_error)
    check_int("num_steps", num_steps, lo=1)
    check_range("learning_rate", learning_rate, 0.0, None, lo_closed=False)
    check_range("bias_tol", bias_tol, 0.0, 1.0)
    check_range("variance_tol", variance_tol, 0.0, 1.0)
    rows = []
    for dims in sizes:
        cfg = model.MLPConfig(tuple(dims), hidden="relu", output="sigmoid")
        hist = train.fit(
            key,
            X_train,
            Y_train,
            cfg,
            train.Hyper(learning_rate=learning_rate),
            num_steps=num_steps,
            eval_every=num_steps,
        )
        A_train = model.predict(hist.params, X_train, cfg)
        A_dev = model.predict(hist.params, X_dev, cfg)
        tr = 1.0 - float(model.accuracy(A_train, Y_train))
        dv = 1.0 - float(model.accuracy(A_dev, Y_dev))
        n_params = sum(int(np.size(v)) for v in hist.params.values())
        rows.append(
            SizeResult(
                tuple(cfg.layer_dims),
                n_params,
                tr,
                dv,
                diagnose(
                    tr,
                    dv,
                    base_error,
                    bias_tol=bias_tol,
                    variance_tol=variance_tol,
                ),
            )
        )
    return rows


# ---------------------------------------------------------------------------
# Early stopping
# ---------------------------------------------------------------------------


def early_stopping(dev_cost, patience: int) -> tuple[int, int]:
    """Where a patience rule stops training, and which weights it keeps.

    ``dev_cost`` holds the dev cost at successive evaluations (shape (n,)).
    Walking through it, ``best`` is the index of the lowest cost seen so
    far; training STOPS at the first index ``stop`` with
    ``stop − best = patience`` (no new minimum for ``patience``
    evaluations), or at the last index if that never happens. The weights
    kept are those of ``best``. Returns ``(best, stop)``, 0-based; NaN
    costs never count as an improvement. ``patience`` >= 1.
    """
    patience = check_int("patience", patience, lo=1)
    check_array("dev_cost", dev_cost, ndim=1)
    cost = np.asarray(dev_cost, np.float64)
    if cost.size == 0:
        raise ValueError("dev_cost must not be empty")
    best, best_cost = 0, cost[0]
    for i in range(1, cost.size):
        if cost[i] < best_cost or (np.isnan(best_cost) and not np.isnan(cost[i])):
            best, best_cost = i, cost[i]
        elif i - best >= patience:
            return best, i
    return best, cost.size - 1


# ---------------------------------------------------------------------------
# Weight statistics (biases excluded)
# ---------------------------------------------------------------------------


def weight_vector(params: dict) -> jax.Array:
    """All entries of W1..WL in one vector (m_W,), biases/γ/β excluded.

    With a leading batch axis (params from ``fit_many``: W{l} of shape
    (N, n[l], n[l-1])) the result has shape (N, m_W).
    """
    check_params("params", params)
    names = weight_names(params)
    if not names:
        raise ValueError("params has no weight matrices W1..WL")
    Ws = [jnp.asarray(params[k]) for k in names]
    if Ws[0].ndim == 3:
        return jnp.concatenate([W.reshape(W.shape[0], -1) for W in Ws], axis=1)
    return jnp.concatenate([W.ravel() for W in Ws])


def near_zero_fraction(params: dict, tol: float = 1e-2) -> jax.Array:
    """Share of the weights with |w| < ``tol`` (per model with a batch axis)."""
    check_range("tol", tol, 0.0, None, lo_closed=False)
    return jnp.mean(jnp.abs(weight_vector(params)) < tol, axis=-1)


def weight_norm(params: dict) -> jax.Array:
    """sqrt(Σ_l ‖W{l}‖_F²) (per model with a batch axis)."""
    return jnp.sqrt(jnp.sum(jnp.square(weight_vector(params)), axis=-1))


# ---------------------------------------------------------------------------
# Data augmentation
# ---------------------------------------------------------------------------

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
    check_real("angle", angle)
    if np.ndim(angle) > 1 or np.size(angle) not in (1, m):
        raise ValueError(
            f"angle must be one number or shape (m,) = ({m},), got {np.shape(angle)}"
        )
    check_array("shift", shift)
    angle = jnp.broadcast_to(jnp.asarray(angle, X.dtype), (m,))
    shift = jnp.asarray(shift, X.dtype)
    if shift.shape != (2, m):
        raise ValueError(f"shift must have shape (2, m) = (2, {m}), got {shift.shape}")
    return _warp(X, angle, shift)


def add_noise(key, X, sigma):
    """X + σ·N(0, 1) per pixel, clipped back to [0, 1]; X (64, m) or any shape."""
    check_key("key", key)
    check_array("X", X, floating=True)
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


def augmented_copies(key, X, copies: int, *, max_shift=1, max_angle=15.0, noise=0.05):
    """The images followed by ``copies`` randomly augmented versions of them.

    [X, aug_1(X), ..., aug_copies(X)] with aug_k = :func:`random_augment` under
    the k-th key of ``jax.random.split(key, copies)``: every copy of every
    image gets its own shift, rotation and noise.

    Arguments:
        key: JAX PRNG key.
        X: (64, m) images as columns.
        copies: how many augmented versions, >= 0.
        max_shift, max_angle, noise: as in :func:`random_augment`.

    Returns:
        (64, m·(copies + 1)) array: the originals first, then copy 1, ...

    Raises:
        ValueError: ``copies`` < 0, or bad X / amounts (see
            :func:`random_augment`). TypeError: ``key`` is not a PRNG key.
    """
    check_key("key", key)
    X = _check_images(X)
    copies = check_int("copies", copies, lo=0)
    out = [jnp.asarray(X)]
    for k in jax.random.split(key, copies):
        out.append(
            random_augment(k, X, max_shift=max_shift, max_angle=max_angle, noise=noise)
        )
    return jnp.concatenate(out, axis=1)


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
            jax.random.fold_in(k_aug, i),
            X_tr,
            Y_tr,
            copies,
            max_shift=max_shift,
            max_angle=max_angle,
            noise=noise,
        )
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
    A = jax.vmap(lambda p: model.predict(p, X_dev, cfg))(params)
    return jax.vmap(lambda a: model.accuracy(a, Y_dev))(A)


# ---------------------------------------------------------------------------
# The L2 / L1 / dropout dashboard
# ---------------------------------------------------------------------------

LAMBDAS = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
KEEP_PROBS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
REGS = ("l2", "l1")
HIST_EDGES = np.linspace(-1.5, 1.5, 62)  # 61 bins, the middle one centred on 0
NEAR_ZERO = 1e-2  # |w| below this counts as "≈ 0"


class RegGrid(NamedTuple):
    """Everything the dashboard shows, for every grid point.

    Arrays are indexed [reg, i_lambda, j_keep_prob, ...] with ``regs``,
    ``lambds`` and ``keep_probs`` the grid's axes.
    """

    regs: tuple
    lambds: np.ndarray
    keep_probs: np.ndarray
    train_acc: np.ndarray  # (2, nl, nk) eval mode (no dropout)
    dev_acc: np.ndarray  # (2, nl, nk)
    probs: np.ndarray  # (2, nl, nk, mesh, mesh) P(y = 1) on the mesh
    weights: np.ndarray  # (2, nl, nk, n_w) all entries of W1..WL
    hist: np.ndarray  # (2, nl, nk, bins) counts over HIST_EDGES (clipped)
    near_zero: np.ndarray  # (2, nl, nk) share of |w| < NEAR_ZERO
    norm: np.ndarray  # (2, nl, nk) sqrt(Σ‖W‖²)
    params: dict  # reg -> params with a leading axis nl·nk (row-major)
    configs: dict  # reg -> MLPConfig
    xs: np.ndarray  # (mesh,) mesh x coordinates
    ys: np.ndarray  # (mesh,)
    X_train: np.ndarray
    Y_train: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray


def snap(value: float, grid) -> int:
    """Index of the grid value nearest to ``value``.

    On a grid that starts at 0 (λ), distances between positive values are
    measured in log space and anything below about half a step above 0
    snaps to 0; otherwise plain distance.

    Arguments:
        value: a number.
        grid: increasing grid values.

    Returns:
        int index into ``grid``.
    """
    check_range("value", value)
    check_array("grid", grid, ndim=1)
    if np.size(grid) == 0 or np.any(np.diff(grid) <= 0):
        raise ValueError("grid must hold at least one value, increasing")
    check_finite("grid", grid)
    grid = np.asarray(grid, np.float64)
    v = float(value)
    if grid[0] == 0.0 and grid.size > 1:
        pos = grid[1:]
        if v <= 0.0 or v < np.sqrt(pos[0] * pos[0] / 10):  # below ~ half a step
            return 0
        return 1 + int(np.argmin(np.abs(np.log(pos) - np.log(v))))
    return int(np.argmin(np.abs(grid - v)))


def _same_keys(key, n):
    return jax.random.wrap_key_data(
        jnp.broadcast_to(jax.random.key_data(key), (n, *jax.random.key_data(key).shape))
    )


def train_grid(
    key,
    *,
    m_train: int = 30,
    m_dev: int = 500,
    noise: float = 0.3,
    layer_dims=(2, 64, 64, 1),
    lambds=LAMBDAS,
    keep_probs=KEEP_PROBS,
    num_steps: int = 500,
    learning_rate: float = 0.01,
    mesh: int = 60,
    progress: Callable[[int], object] | None = None,
) -> RegGrid:
    """Train the dashboard's network for every (reg, λ, keep_prob).

    Moons with ``noise``: the first ``m_train`` points train, the next
    ``m_dev`` are the dev set. Every grid point starts from the same
    initialisation and draws the same dropout uniforms (one key for all), so
    only λ, keep_prob and the penalty differ. Dropout is on after both hidden
    layers (keep_prob = 1 keeps everything). One ``fit_many`` call per
    penalty, full-batch Adam. ``progress``, if given, is called as
    ``progress(done)`` with done = 1..len(REGS) + 1 (one per penalty trained,
    then once when the histograms are ready).

    Returns:
        A :class:`RegGrid` (NumPy arrays; params as returned by fit_many).

    Raises:
        ValueError: λ < 0, keep_prob outside (0, 1], ``mesh`` outside
            [8, 200], or bad moons arguments.
    """
    check_key("key", key)
    _check_moons(m_train, m_dev, noise, layer_dims, num_steps, learning_rate)
    check_int("mesh", mesh, lo=8, hi=200)
    for name, v in (("lambds", lambds), ("keep_probs", keep_probs)):
        check_array(name, v, ndim=1)
        if np.size(v) == 0:
            raise ValueError(f"{name} must hold at least one value")
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress must be None or callable, got {type(progress).__name__}"
        )
    lambds = np.asarray(lambds, np.float64)
    keep_probs = np.asarray(keep_probs, np.float64)
    check_range("lambds", lambds, 0.0, None)
    check_range("keep_probs", keep_probs, 0.0, 1.0, lo_closed=False)
    k_data, k_fit = jax.random.split(key)
    X, Y = data.make_moons(k_data, m_train + m_dev, noise=noise)
    X_tr, Y_tr = X[:, :m_train], Y[:, :m_train]
    X_dev, Y_dev = X[:, m_train:], Y[:, m_train:]
    L, K = np.meshgrid(lambds, keep_probs, indexing="ij")
    N = L.size
    keys = _same_keys(k_fit, N)
    xs = np.linspace(-1.7, 2.7, mesh)
    ys = np.linspace(-1.3, 1.8, mesh)
    M = jnp.asarray(np.stack(np.meshgrid(xs, ys)).reshape(2, -1), jnp.float32)
    out = {k: [] for k in ("train", "dev", "probs", "W")}
    params, configs = {}, {}
    for r, reg in enumerate(REGS):
        cfg = model.MLPConfig(
            tuple(layer_dims), hidden="relu", output="sigmoid", dropout=True, reg=reg
        )
        hist = train.fit_many(
            keys,
            X_tr,
            Y_tr,
            cfg,
            train.Hyper(
                learning_rate=learning_rate, lambd=L.ravel(), keep_prob=K.ravel()
            ),
            num_steps=num_steps,
            eval_every=num_steps,
        )
        # the forward pass does not depend on the penalty: one compile for both
        tr, dv, pr = _evaluate(
            hist.params, X_tr, Y_tr, X_dev, Y_dev, M, cfg.replace(reg=REGS[0])
        )
        params[reg], configs[reg] = hist.params, cfg
        out["train"].append(np.asarray(tr).reshape(L.shape))
        out["dev"].append(np.asarray(dv).reshape(L.shape))
        out["probs"].append(np.asarray(pr).reshape(*L.shape, mesh, mesh))
        out["W"].append(np.asarray(weight_vector(hist.params)).reshape(*L.shape, -1))
        if progress is not None:
            progress(r + 1)
    W = np.stack(out["W"])
    clipped = np.clip(W, HIST_EDGES[0], HIST_EDGES[-1])
    idx = np.clip(
        np.searchsorted(HIST_EDGES, clipped, side="right") - 1, 0, HIST_EDGES.size - 2
    )
    hist_counts = np.zeros((*W.shape[:3], HIST_EDGES.size - 1), np.int64)
    for b in range(HIST_EDGES.size - 1):
        hist_counts[..., b] = (idx == b).sum(axis=-1)
    if progress is not None:
        progress(len(REGS) + 1)
    return RegGrid(
        regs=REGS,
        lambds=lambds,
        keep_probs=keep_probs,
        train_acc=np.stack(out["train"]),
        dev_acc=np.stack(out["dev"]),
        probs=np.stack(out["probs"]).astype(np.float32),
        weights=W,
        hist=hist_counts,
        near_zero=(np.abs(W) < NEAR_ZERO).mean(axis=-1),
        norm=np.sqrt((W.astype(np.float64) ** 2).sum(axis=-1)),
        params=params,
        configs=configs,
        xs=xs,
        ys=ys,
        X_train=np.asarray(X_tr),
        Y_train=np.asarray(Y_tr),
        X_dev=np.asarray(X_dev),
        Y_dev=np.asarray(Y_dev),
    )


@jax.jit
def _evaluate(params, X_tr, Y_tr, X_dev, Y_dev, M, cfg):
    """Eval-mode train/dev accuracy and mesh probabilities for every model
    (params with a leading batch axis); one compilation per config."""

    def one(p):
        def run(X):
            return model.predict(p, X, cfg)

        return (
            model.accuracy(run(X_tr), Y_tr),
            model.accuracy(run(X_dev), Y_dev),
            run(M)[0],
        )

    return jax.vmap(one)(params)


# ---------------------------------------------------------------------------
# Early stopping: one long run
# ---------------------------------------------------------------------------


class EarlyStoppingRun(NamedTuple):
    """Train and dev cost of one run, at the evaluation steps."""

    steps: np.ndarray  # (n,) number of steps taken
    train_cost: np.ndarray  # (n,) cost on the training set after that many steps
    dev_cost: np.ndarray  # (n,)
    dev_acc: np.ndarray  # (n,)


def train_early_stopping(
    key,
    *,
    m_train: int = 100,
    m_dev: int = 500,
    noise: float = 0.3,
    layer_dims=(2, 64, 64, 1),
    num_steps: int = 2000,
    eval_every: int = 20,
    learning_rate: float = 0.001,
) -> EarlyStoppingRun:
    """One long full-batch Adam run of a big network on a few noisy moons.

    ``History.loss[s]`` is the training cost after s steps (before step s+1),
    and the dev metrics at eval step s are taken after s steps too, so the
    pairs are exact; the evaluation at the very last step is dropped (no
    training cost is recorded after it).

    Arguments:
        key: JAX PRNG key, split into the data key and the training key.
        m_train, m_dev, noise: the moons (the first m_train train).
        layer_dims: the relu network with a sigmoid output.
        num_steps, eval_every, learning_rate: as in :func:`dlcore.train.fit`.

    Returns:
        An :class:`EarlyStoppingRun` (NumPy arrays of the evaluation steps).
    """
    check_key("key", key)
    _check_moons(m_train, m_dev, noise, layer_dims, num_steps, learning_rate)
    check_int("eval_every", eval_every, lo=1, hi=num_steps)
    k_data, k_fit = jax.random.split(key)
    X, Y = data.make_moons(k_data, m_train + m_dev, noise=noise)
    cfg = model.MLPConfig(tuple(layer_dims), hidden="relu", output="sigmoid")
    hist = train.fit(
        k_fit,
        X[:, :m_train],
        Y[:, :m_train],
        cfg,
        train.Hyper(learning_rate=learning_rate),
        num_steps=num_steps,
        X_dev=X[:, m_train:],
        Y_dev=Y[:, m_train:],
        eval_every=eval_every,
    )
    s = np.asarray(hist.eval_steps)
    keep = s < num_steps
    return EarlyStoppingRun(
        steps=s[keep],
        train_cost=np.asarray(hist.loss)[s[keep]],
        dev_cost=np.asarray(hist.dev_cost)[keep],
        dev_acc=np.asarray(hist.dev_acc)[keep],
    )
