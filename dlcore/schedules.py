"""Learning-rate decay: schedules are functions ``step -> α``.

A schedule can be passed as the ``learning_rate`` of any optimizer in
:mod:`dlcore.optim` (it is then called with the number of updates done so far,
0 for the first one, as in optax) or evaluated on an array of steps for a plot::

    schedule = inverse_time_decay(alpha0=0.2, decay_rate=1.0, steps_per_epoch=50)
    schedule(0)                 # 0.2
    schedule(jnp.arange(500))   # α for every step, e.g. for a plot

The notes decay α once per epoch. With ``steps_per_epoch`` mini-batches per
epoch, ``epoch = step // steps_per_epoch``, counted from 0: the first epoch
uses α0. ``steps_per_epoch`` is a static Python int; the other
hyperparameters (and the step) may be traced JAX scalars, so a slider can move
them inside ``jax.jit`` without recompiling.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax.numpy as jnp

from dlcore._checks import check_choice, check_int, check_range

__all__ = [
    "SCHEDULES",
    "check_rate",
    "constant",
    "exponential_decay",
    "inverse_sqrt_decay",
    "inverse_time_decay",
    "make_schedule",
    "staircase_decay",
]


def _check_positive(name: str, value):
    return check_range(name, value, 0, math.inf, lo_closed=False, hi_closed=False)


def _epoch_fn(steps_per_epoch) -> Callable:
    """Check ``steps_per_epoch``; return ``step -> step // steps_per_epoch``."""
    steps_per_epoch = check_int("steps_per_epoch", steps_per_epoch, lo=1)

    def epoch(step):
        check_range("step", step, 0)
        return jnp.asarray(step) // steps_per_epoch

    return epoch


def constant(alpha0) -> Callable:
    """``α = α0`` at every step (α0 > 0)."""
    _check_positive("alpha0", alpha0)

    def schedule(step):
        check_range("step", step, 0)
        return jnp.full(jnp.shape(step), alpha0)

    return schedule


def inverse_time_decay(alpha0, decay_rate, steps_per_epoch=1) -> Callable:
    """``α = α0 / (1 + decay_rate · epoch)`` (α0 > 0, decay_rate >= 0).

    optax has no such schedule; Keras calls it ``InverseTimeDecay(α0,
    decay_steps=steps_per_epoch, decay_rate=decay_rate, staircase=True)``.
    """
    _check_positive("alpha0", alpha0)
    check_range("decay_rate", decay_rate, 0, math.inf, hi_closed=False)
    epoch = _epoch_fn(steps_per_epoch)

    def schedule(step):
        return alpha0 / (1 + decay_rate * epoch(step))

    return schedule


def exponential_decay(alpha0, base=0.95, steps_per_epoch=1) -> Callable:
    """``α = base^epoch · α0`` (α0 > 0, base in (0, 1]).

    optax: ``optax.exponential_decay(α0, transition_steps=steps_per_epoch,
    decay_rate=base, staircase=True)``.
    """
    _check_positive("alpha0", alpha0)
    check_range("base", base, 0, 1, lo_closed=False)
    epoch = _epoch_fn(steps_per_epoch)

    def schedule(step):
        return base ** epoch(step) * alpha0

    return schedule


def inverse_sqrt_decay(alpha0, k=1.0, steps_per_epoch=1) -> Callable:
    """``α = k / √(epoch + 1) · α0`` (α0 > 0, k > 0).

    The notes write ``k / √epoch · α0`` with epochs counted from 1; here epochs
    count from 0, hence ``epoch + 1``: the values are the same. Note that the
    first epoch uses ``k · α0``, not α0 (unless k = 1).
    """
    _check_positive("alpha0", alpha0)
    _check_positive("k", k)
    epoch = _epoch_fn(steps_per_epoch)

    def schedule(step):
        return k / jnp.sqrt(epoch(step) + 1) * alpha0

    return schedule


def staircase_decay(
    alpha0, drop=0.5, epochs_per_drop: int = 10, steps_per_epoch=1
) -> Callable:
    """``α = α0 · drop^⌊epoch / epochs_per_drop⌋`` ("discrete staircase").

    α0 > 0, drop in (0, 1], ``epochs_per_drop`` a static int >= 1. With
    ``epochs_per_drop = 1`` this is :func:`exponential_decay` with base = drop.
    """
    _check_positive("alpha0", alpha0)
    check_range("drop", drop, 0, 1, lo_closed=False)
    epochs_per_drop = check_int("epochs_per_drop", epochs_per_drop, lo=1)
    epoch = _epoch_fn(steps_per_epoch)

    def schedule(step):
        return alpha0 * drop ** (epoch(step) // epochs_per_drop)

    return schedule


SCHEDULES: dict[str, Callable] = {
    "constant": constant,
    "inverse_time": inverse_time_decay,
    "exponential": exponential_decay,
    "inverse_sqrt": inverse_sqrt_decay,
    "staircase": staircase_decay,
}

# Which keyword of each factory the single "rate" knob of make_schedule sets.
_RATE_KNOB = {
    "constant": None,
    "inverse_time": "decay_rate",
    "exponential": "base",
    "inverse_sqrt": "k",
    "staircase": "drop",
}

# The allowed interval of that knob: (lo, hi, lo_closed, hi_closed).
_RATE_RANGE = {
    "constant": (None, None, False, False),
    "inverse_time": (0, None, True, False),
    "exponential": (0, 1, False, True),
    "inverse_sqrt": (0, None, False, False),
    "staircase": (0, 1, False, True),
}


def check_rate(name: str, schedule: str, rate):
    """Check the one rate knob of ``schedule`` (see :func:`make_schedule`).

    Arguments:
        name: how the caller's user writes the rate (e.g. ``"decay_rate"``).
        schedule: a name of :data:`SCHEDULES`.
        rate: the rate, a finite number in the schedule's range.

    Returns:
        ``rate`` unchanged (a tracer passes unchecked).

    Raises:
        ValueError / TypeError: an unknown schedule, or a rate out of range,
        not finite or not a number; the message names ``name`` and the knob.
    """
    check_choice("schedule", schedule, SCHEDULES)
    lo, hi, lo_closed, hi_closed = _RATE_RANGE[schedule]
    knob = _RATE_KNOB[schedule]
    if knob is not None:
        name = f"{name} (the {knob} of the {schedule!r} schedule)"
    return check_range(name, rate, lo, hi, lo_closed=lo_closed, hi_closed=hi_closed)


def make_schedule(name: str, alpha0, rate, steps_per_epoch=1) -> Callable:
    """Build a schedule from its name and one "rate" knob (dropdown + slider).

    ``rate`` is the decay_rate of "inverse_time", the base of "exponential",
    the k of "inverse_sqrt" and the drop of "staircase" (with its default
    ``epochs_per_drop``); "constant" ignores it (it must still be a finite
    number). Allowed: inverse_time rate >= 0, exponential and staircase rate in
    (0, 1], inverse_sqrt rate > 0; ``alpha0`` > 0; ``steps_per_epoch`` an
    integer >= 1. Raises ``ValueError``/``TypeError`` naming the argument.
    """
    check_choice("schedule name", name, SCHEDULES)
    check_rate("rate", name, rate)
    knob = _RATE_KNOB[name]
    if knob is None:
        # validate steps_per_epoch anyway so that the dropdown never hides an error
        check_int("steps_per_epoch", steps_per_epoch, lo=1)
        return constant(alpha0)
    return SCHEDULES[name](alpha0, steps_per_epoch=steps_per_epoch, **{knob: rate})
