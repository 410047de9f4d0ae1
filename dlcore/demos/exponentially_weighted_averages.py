"""Exponentially weighted averages of noisy daily temperatures: notebook 07.

Serves ``07_exponentially_weighted_averages.ipynb`` and its panel
:func:`dlcore.live.panels.ewa.ewa_panel`: the data θ_t and both averages,
v_t = β v_{t−1} + (1 − β) θ_t with v_0 = 0, plain and bias-corrected
v_t / (1 − β^t), computed in one compiled call (β traced).
"""

from __future__ import annotations

import functools

import jax

from dlcore._checks import check_int, check_key, check_range
from dlcore.data import make_temperature
from dlcore.ewa import ewa

__all__ = [
    "temperature_averages",
]


@functools.partial(jax.jit, static_argnames=("days", "noise"))
def _series(key, beta, days, noise):
    theta = make_temperature(key, days, noise)
    return theta, ewa(theta, beta, True), ewa(theta, beta, False)


def temperature_averages(key, beta, *, days: int = 365, noise: float = 5.0):
    """A year of noisy temperatures θ and its EWAs, in one compiled call.

    v_0 = 0, v_t = β v_{t−1} + (1 − β) θ_t for t = 1..days; the corrected
    average is v_t / (1 − β^t).

    Arguments:
        key: JAX PRNG key of the temperature noise.
        beta: β in [0, 1) (traced: a new β never recompiles).
        days: length T of the series (static).
        noise: standard deviation of the daily noise in °F (static).

    Returns:
        ``(theta, v_corrected, v)``, three float32 arrays of shape (days,).

    Raises:
        ValueError: ``beta`` outside [0, 1), ``days`` < 1 or ``noise`` < 0.
        TypeError: ``key`` is not a JAX PRNG key.
    """
    key = check_key("key", key)
    check_range("beta", beta, 0.0, 1.0, hi_closed=False)
    days = check_int("days", days, lo=1)
    check_range("noise", noise, 0.0, None)
    return _series(key, beta, days, float(noise))


def your_average(ewa, theta, beta, *, time_limit: float = 5.0):
    """The student's ``ewa(theta, beta)`` on a series, run eagerly (not jitted).

    The student's function returns the bias-corrected average
    v_t / (1 − β^t), t = 1..T, of θ (T,); it gets a NumPy float32 copy of θ
    and runs at most ``time_limit`` seconds.

    Arguments:
        ewa: the student's function ``ewa(theta, beta) -> (T,)``.
        theta: the series, shape (T,).
        beta: β in [0, 1).
        time_limit: seconds, > 0.

    Returns:
        A float64 NumPy array of shape (T,).

    Raises:
        TypeError: ``ewa`` is not callable.
        ValueError: ``beta`` outside [0, 1), or a result that is not (T,).
        TimeoutError: the student's function ran longer than ``time_limit``.
        Whatever the student's function raises.
    """
    import numpy as np

    from dlcore.exercises import stop_after

    if not callable(ewa):
        raise TypeError(f"ewa must be a function, got {type(ewa).__name__}")
    check_range("beta", beta, 0.0, 1.0, hi_closed=False)
    check_range("time_limit", time_limit, 0.0, None, lo_closed=False)
    theta = np.array(theta, dtype=np.float32)
    with stop_after(time_limit, "ewa"):
        out = ewa(theta.copy(), float(beta))
    out = np.asarray(out, dtype=np.float64)
    if out.shape != theta.shape:
        raise ValueError(f"your ewa returned shape {out.shape}, expected {theta.shape}")
    return out
