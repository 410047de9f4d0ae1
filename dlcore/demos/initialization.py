"""Training a small relu net from each initialisation scheme: notebook 03.

Serves ``03_initialization.ipynb`` and the panels of
:mod:`dlcore.live.panels.initialization`. The per-layer activation statistics
right after initialisation live in :mod:`dlcore.demos.vanishing_exploding`
(:func:`~dlcore.demos.vanishing_exploding.layer_histograms`); this module
trains the same network from every scheme of ``dlcore.init.SCHEMES`` in one
vmapped compiled call and counts the distinct rows of W1 (the symmetry
problem: with zeros or a constant every hidden unit of a layer stays the same).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from dlcore import data, init, model
from dlcore._checks import check_array, check_int, check_range
from dlcore.demos import vanishing_exploding as depth

__all__ = [
    "TRAIN_NET",
    "TrainingResult",
    "distinct_rows",
    "train_all_schemes",
]

TRAIN_NET = dict(
    dims=(2, 32, 32, 32, 32, 32, 1),
    hidden="relu",
    learning_rate=0.05,
    num_steps=600,
    m=200,
    noise=0.2,
)


class TrainingResult(NamedTuple):
    """Six training runs (one per ``init.SCHEMES``) and what the panel draws."""

    schemes: tuple
    loss: np.ndarray  # (6, num_steps): J before each step
    W1: np.ndarray  # (6, num_steps + 1, n1, 2)
    X: np.ndarray
    Y: np.ndarray
    config: model.MLPConfig


def train_all_schemes(seed: int = 0, **overrides) -> TrainingResult:
    """Train ``TRAIN_NET`` on the moons from every scheme, in one vmapped call.

    Full-batch gradient descent W ← W − α dW (α = TRAIN_NET's learning_rate)
    from ``dlcore.init.initialize(key(seed + 1), dims, scheme)`` for every
    scheme of ``dlcore.init.SCHEMES``, on ``make_moons(key(seed), m, noise)``.

    Arguments:
        seed: seed of the data (seed) and of the initialisation (seed + 1).
        **overrides: replace entries of ``TRAIN_NET`` (dims, hidden,
            learning_rate, num_steps, m, noise).

    Returns:
        A :class:`TrainingResult`: loss (6, num_steps), W1
        (6, num_steps + 1, n1, 2), the data and the config.
    """
    check_int("seed", seed, lo=0)
    unknown = sorted(set(overrides) - set(TRAIN_NET))
    if unknown:
        raise TypeError(
            f"unknown override(s) {unknown}; choose from {sorted(TRAIN_NET)}"
        )
    cfg = {**TRAIN_NET, **overrides}
    X, Y = data.make_moons(jax.random.key(seed), cfg["m"], noise=cfg["noise"])
    config = model.MLPConfig(cfg["dims"], hidden=cfg["hidden"], output="sigmoid")
    run = depth.train_schemes(
        jax.random.key(seed + 1),
        X,
        Y,
        config,
        learning_rate=cfg["learning_rate"],
        num_steps=cfg["num_steps"],
    )
    return TrainingResult(
        tuple(init.SCHEMES),
        np.asarray(run.loss),
        np.asarray(run.W1),
        np.asarray(X),
        np.asarray(Y),
        config,
    )


def distinct_rows(W, tol: float = 1e-6) -> int:
    """How many different rows W has (rows closer than tol·max|W| count as one).

    Arguments:
        W: (n, k) matrix, e.g. W1 (one row per hidden unit).
        tol: relative tolerance of max_j |w_ij − w_i'j|.

    Returns:
        The number of distinct rows, or -1 if W has a NaN or an inf.
    """
    check_array("W", W, ndim=2)
    check_range("tol", tol, 0.0, None)
    W = np.asarray(W, np.float64)
    if not np.isfinite(W).all():
        return -1
    scale = max(float(np.abs(W).max()), 1e-30)
    reps: list[np.ndarray] = []
    for row in W:
        if not any(np.abs(row - r).max() <= tol * scale for r in reps):
            reps.append(row)
    return len(reps)
