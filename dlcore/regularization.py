"""Regularisation numerics: bias/variance diagnosis, early stopping, weight stats.

Notebook 04 uses these next to ``dlcore.train`` (which already trains with L2,
L1 and inverted dropout, λ and keep_prob as traced hyperparameters):

* :func:`diagnose` turns a train error, a dev error and an estimate of the
  base (Bayes) error into "high bias", "high variance", "both" or "neither";
* :func:`bayes_error_moons` is that base error for ``dlcore.data.make_moons``,
  computed from the generator's own density (no model involved);
* :func:`bias_variance_table` trains networks of growing size and diagnoses
  each one;
* :func:`early_stopping` finds the stopping point of a dev-cost curve with a
  patience rule;
* :func:`weight_vector`, :func:`near_zero_fraction`, :func:`weight_norm`
  summarise the weights W1..WL (biases excluded), also for a leading batch
  axis as returned by ``dlcore.train.fit_many``.

No matplotlib here (see DESIGN.md, layers).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore import model, train
from dlcore._checks import check_array, check_int, check_key, check_range
from dlcore.losses import weight_names

__all__ = [
    "DIAGNOSES",
    "SizeResult",
    "bayes_error_moons",
    "bias_variance_table",
    "diagnose",
    "diagnosis_code",
    "early_stopping",
    "near_zero_fraction",
    "weight_norm",
    "weight_vector",
]

# The four answers of :func:`diagnose`, in the order of :func:`diagnosis_code`.
DIAGNOSES = ("neither", "high bias", "high variance", "both")


# ---------------------------------------------------------------------------
# Bias and variance
# ---------------------------------------------------------------------------


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
    if not sizes:
        raise ValueError("sizes must list at least one layer_dims")
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
