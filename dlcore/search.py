"""Hyperparameter search: sampling on the right scale, grids and coarse-to-fine.

The lecture's advice, as code:

* sample at random rather than on a grid (each trial then tries a new value
  of every hyperparameter);
* sample on the appropriate scale: a learning rate in [1e-4, 1] uniformly in
  log10 (``log_uniform``), a momentum β in [0.9, 0.999] uniformly in
  log10(1 - β) (``sample_beta``);
* zoom in on the best region and sample more densely (``coarse_to_fine``).

Every sampler takes an explicit PRNG key. Points are rows: an array of shape
(n, d) holds n settings of d hyperparameters, and ``ranges`` is a list of d
pairs (lo, hi).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from dlcore._checks import check_finite, check_int, check_key, check_range, is_concrete

__all__ = [
    "coarse_to_fine",
    "grid_points",
    "log_uniform",
    "random_points",
    "sample_beta",
    "uniform",
]


def _check_low_high(low, high, *, lo_bound=None, hi_bound=None):
    """Check lo_bound <= low < high <= hi_bound for concrete low/high."""
    for name, value in (("low", low), ("high", high)):
        check_range(name, value, lo_bound, hi_bound)
        check_finite(name, value)
    if is_concrete(low) and is_concrete(high) and not float(low) < float(high):
        raise ValueError(
            f"low must be < high, got low={float(low):g}, high={float(high):g}"
        )


def uniform(key, n: int, low, high) -> jax.Array:
    """n samples r ~ U(low, high), shape (n,), float32."""
    key = check_key("key", key)
    n = check_int("n", n, lo=1)
    _check_low_high(low, high)
    return jax.random.uniform(key, (n,), minval=low, maxval=high)


def log_uniform(key, n: int, low, high) -> jax.Array:
    """n samples uniform on a log scale between low and high, shape (n,).

    r ~ U(log10 low, log10 high), return 10^r; needs 0 < low < high. E.g. a
    learning rate in [1e-4, 1]: each decade gets the same share of samples.
    """
    key = check_key("key", key)
    n = check_int("n", n, lo=1)
    _check_low_high(low, high)
    check_range("low", low, 0, None, lo_closed=False)
    r = jax.random.uniform(key, (n,), minval=jnp.log10(low), maxval=jnp.log10(high))
    return jnp.clip(10.0**r, low, high)  # clip float32 round-off at the ends


def sample_beta(key, n: int, low=0.9, high=0.999) -> jax.Array:
    """n samples of an averaging parameter β in [low, high], shape (n,).

    Sample 1 - β on a log scale::

        r ~ U(log10(1 - high), log10(1 - low)),    β = 1 - 10^r

    needs 0 <= low < high < 1. Sampling β itself uniformly in [0.9, 0.999]
    would put 90% of the trials in [0.9, 0.99], yet the average is far more
    sensitive near 1: the window 1/(1 - β) goes from 10 to 10.05 between
    0.9 and 0.9005, but from 1000 to 2000 between 0.999 and 0.9995.
    """
    key = check_key("key", key)
    n = check_int("n", n, lo=1)
    _check_low_high(low, high, lo_bound=0)
    check_range("high", high, None, 1, hi_closed=False)
    r = jax.random.uniform(
        key, (n,), minval=jnp.log10(1 - high), maxval=jnp.log10(1 - low)
    )
    return jnp.clip(1 - 10.0**r, low, high)


# --------------------------------------------------------------------------
# Points in a box of d hyperparameters
# --------------------------------------------------------------------------


def _check_ranges(ranges, log_axes) -> tuple[np.ndarray, np.ndarray]:
    """Validate ranges and log_axes; return (lo_hi (d, 2) float64, is_log (d,))."""
    if ranges is None or isinstance(ranges, (str, bytes)):
        raise TypeError(f"ranges must be a list of (lo, hi) pairs, got {ranges!r}")
    try:
        lo_hi = np.asarray(ranges, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"ranges must be a list of (lo, hi) pairs, got {ranges!r}"
        ) from None
    if lo_hi.ndim != 2 or lo_hi.shape[1] != 2 or lo_hi.shape[0] < 1:
        raise ValueError(
            f"ranges must be a non-empty list of (lo, hi) pairs, got {ranges!r}"
        )
    if not np.isfinite(lo_hi).all():
        raise ValueError(f"ranges must be finite, got {ranges!r}")
    d = lo_hi.shape[0]
    if isinstance(log_axes, (str, bytes)) or not isinstance(
        log_axes, (Sequence, np.ndarray)
    ):
        raise TypeError(
            f"log_axes must be a sequence of axis indices, got {log_axes!r}"
        )
    is_log = np.zeros(d, dtype=bool)
    for a in log_axes:
        is_log[check_int("log_axes", a, lo=0, hi=d - 1)] = True
    for j, (lo, hi) in enumerate(lo_hi):
        if not lo < hi:
            raise ValueError(f"ranges[{j}] must have lo < hi, got ({lo:g}, {hi:g})")
        if is_log[j] and lo <= 0:
            raise ValueError(
                f"ranges[{j}] is on a log axis (log_axes), so lo must be > 0, "
                f"got ({lo:g}, {hi:g})"
            )
    return lo_hi, is_log


def _to_scale(x, is_log):
    """Values -> the space we sample in (log10 on log axes)."""
    return np.where(is_log, np.log10(np.where(is_log, x, 1.0)), x)


def grid_points(n_per_axis: int, ranges, log_axes: Sequence[int] = ()) -> jax.Array:
    """A full grid: n_per_axis values on each of the d axes, ends included.

    Values are evenly spaced from lo to hi, in log10 on the axes listed in
    ``log_axes``. Returns shape (n_per_axis**d, d), float32; the last axis
    varies fastest (``itertools.product`` order).
    """
    n = check_int("n_per_axis", n_per_axis, lo=2)
    lo_hi, is_log = _check_ranges(ranges, log_axes)
    axes = [
        np.logspace(np.log10(lo), np.log10(hi), n) if log else np.linspace(lo, hi, n)
        for (lo, hi), log in zip(lo_hi, is_log, strict=True)
    ]
    mesh = np.meshgrid(*axes, indexing="ij")
    return jnp.asarray(np.stack([g.ravel() for g in mesh], axis=1), dtype=jnp.float32)


def random_points(key, n: int, ranges, log_axes: Sequence[int] = ()) -> jax.Array:
    """n random points in the box ``ranges``, shape (n, d), float32.

    Coordinate j is U(lo_j, hi_j), or log-uniform (uniform in log10) when
    j is in ``log_axes``.
    """
    key = check_key("key", key)
    n = check_int("n", n, lo=1)
    lo_hi, is_log = _check_ranges(ranges, log_axes)
    a, b = _to_scale(lo_hi[:, 0], is_log), _to_scale(lo_hi[:, 1], is_log)
    u = jax.random.uniform(key, (n, lo_hi.shape[0]))
    s = a + u * (b - a)
    x = jnp.where(is_log, 10.0**s, s)
    return jnp.clip(x, lo_hi[:, 0], lo_hi[:, 1]).astype(jnp.float32)


# --------------------------------------------------------------------------
# Coarse to fine
# --------------------------------------------------------------------------


def coarse_to_fine(
    objective: Callable[[jax.Array], jax.Array],
    key,
    ranges,
    n_trials: int = 25,
    n_rounds: int = 3,
    shrink: float = 0.5,
    log_axes: Sequence[int] = (),
    minimize: bool = True,
) -> list[dict]:
    """Random search that zooms in on the best point, round after round.

    Round k (k = 1..n_rounds):

    1. sample ``n_trials`` random points in the current box (log-uniform on
       ``log_axes``) and evaluate ``objective(points)``, which takes the
       (n_trials, d) array and returns the (n_trials,) values;
    2. update the best point so far (NaN values count as worst, e.g. a
       learning rate that made training diverge);
    3. the next box is centred on the best point so far with every side
       ``shrink`` times as long (measured in log10 on log axes), clipped to
       the original ``ranges``. So after round k every side is shrink**k
       times the original side (less where the clipping cuts it).

    Returns a list with one dict per round (NumPy arrays, floats):

    * ``"box"``: (d, 2), the [lo, hi] per axis this round sampled from;
    * ``"points"``: (n_trials, d), the points tried;
    * ``"values"``: (n_trials,), their objective values;
    * ``"best"``: (d,), the best point found so far (this round included),
      or None while every value has been NaN;
    * ``"best_value"``: float, its objective value (NaN while there is none).
    """
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {type(objective).__name__}")
    key = check_key("key", key)
    full, is_log = _check_ranges(ranges, log_axes)
    n_trials = check_int("n_trials", n_trials, lo=1)
    n_rounds = check_int("n_rounds", n_rounds, lo=1)
    check_range("shrink", shrink, 0, 1, lo_closed=False, hi_closed=False)
    if not isinstance(minimize, bool):
        raise TypeError(f"minimize must be True or False, got {minimize!r}")
    log_axes = tuple(int(a) for a in log_axes)
    sign = 1.0 if minimize else -1.0  # minimise sign * value

    full_s = np.stack([_to_scale(full[:, 0], is_log), _to_scale(full[:, 1], is_log)], 1)
    box = full.copy()
    best, best_value = None, math.nan
    history = []
    for k in range(1, n_rounds + 1):
        key, sub = jax.random.split(key)
        points = np.asarray(random_points(sub, n_trials, box, log_axes))
        values = np.asarray(objective(jnp.asarray(points)), dtype=np.float64)
        if values.shape != (n_trials,):
            raise ValueError(
                f"objective must return shape (n_trials,) = ({n_trials},), "
                f"got {values.shape}"
            )
        scores = np.where(np.isnan(values), np.inf, sign * values)
        i = int(np.argmin(scores))
        if not np.isnan(values[i]) and (best is None or scores[i] < sign * best_value):
            best, best_value = points[i], float(values[i])
        history.append(
            {
                "box": box,
                "points": points,
                "values": values,
                "best": best,
                "best_value": best_value,
            }
        )
        if best is None:  # every value so far was NaN: keep the same box
            continue
        # Next box: centred on the best point, sides shrink**k of the original.
        centre = _to_scale(best.astype(np.float64), is_log)
        half = shrink**k * (full_s[:, 1] - full_s[:, 0]) / 2
        box = np.stack([centre - half, centre + half], axis=1)
        box[is_log] = 10.0 ** box[is_log]
        box = np.clip(box, full[:, :1], full[:, 1:])
    return history
