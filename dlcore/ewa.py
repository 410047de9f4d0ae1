"""Exponentially weighted averages (the idea behind momentum, RMSprop and Adam).

For a series θ_1, ..., θ_T the exponentially weighted average is::

    v_0 = 0
    v_t = β v_{t-1} + (1 - β) θ_t                       t = 1, ..., T

and, unrolled, v_t = Σ_{i=1..t} (1 - β) β^(t-i) θ_i. It averages over roughly
the last 1/(1 - β) values. Because v_0 = 0, the first few v_t are too small;
bias correction divides by the total weight, v_t / (1 - β^t).

``beta`` may be a traced value inside ``jax.jit`` (e.g. a notebook slider), so
changing it does not recompile.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from dlcore._checks import check_array, check_finite, check_int, check_range

__all__ = ["effective_window", "ewa", "ewa_weights"]


def _check_beta(beta):
    return check_range("beta", beta, 0, 1, hi_closed=False)


def _check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(
            f"{name} must be a Python bool (static under jit), got {value!r}"
        )
    return value


def ewa(theta, beta, bias_correction: bool = True, v0=0.0) -> jax.Array:
    """Exponentially weighted average of a whole series along axis 0.

    Implements, with one ``jax.lax.scan`` over t = 1..T::

        v_0 = v0
        v_t = β v_{t-1} + (1 - β) θ_t
        v_t_corrected = v_t / (1 - β^t)          (if bias_correction)

    Bias correction assumes v0 = 0 (the course's choice). With v0 ≠ 0 the
    start-up term β^t v0 gets divided too, so the result is no longer a
    weighted average of the θ's.

    Args:
        theta: float array of shape (T,) or (T, ...), the series θ_1..θ_T on
            axis 0 (e.g. daily temperatures, or one gradient per step).
        beta: β in [0, 1). May be traced under ``jit``.
        bias_correction: Python bool; a static argument under ``jit``.
        v0: starting value v_0, a scalar or an array broadcastable to
            ``theta.shape[1:]``.

    Returns:
        v of shape ``theta.shape``: v[t-1] is v_t.
    """
    check_array("theta", theta, floating=True)
    if jnp.ndim(theta) < 1:
        raise ValueError("theta must be at least 1-D (the series runs along axis 0)")
    check_finite("theta", theta)
    _check_beta(beta)
    _check_bool("bias_correction", bias_correction)
    check_range("v0", v0)
    check_finite("v0", v0)
    theta = jnp.asarray(theta)
    try:
        v0_fits = (
            jnp.broadcast_shapes(jnp.shape(v0), theta.shape[1:]) == theta.shape[1:]
        )
    except ValueError:
        v0_fits = False
    if not v0_fits:
        raise ValueError(
            f"v0 must be a scalar or broadcast to theta.shape[1:] = "
            f"{theta.shape[1:]}, got shape {jnp.shape(v0)}"
        )
    beta = jnp.asarray(beta, dtype=theta.dtype)
    v_start = jnp.broadcast_to(jnp.asarray(v0, dtype=theta.dtype), theta.shape[1:])

    def step(v_prev, theta_t):
        v_t = beta * v_prev + (1 - beta) * theta_t
        return v_t, v_t

    _, v = jax.lax.scan(step, v_start, theta)

    if bias_correction:
        t = jnp.arange(1, theta.shape[0] + 1, dtype=theta.dtype)
        correction = 1 - beta**t  # shape (T,)
        v = v / correction.reshape((-1,) + (1,) * (theta.ndim - 1))
    return v


def effective_window(beta):
    """Roughly how many recent values an EWA averages over: 1 / (1 - β).

    β = 0.9 gives ≈ 10 values ("days"), β = 0.98 gives ≈ 50. (After
    1/(1 - β) steps a weight has decayed to β^(1/(1-β)) ≈ 1/e.)
    """
    _check_beta(beta)
    return 1 / (1 - beta)


def ewa_weights(t: int, beta, bias_correction: bool = True) -> jax.Array:
    """The weights that v_t puts on θ_1, ..., θ_t.

    Closed form, for i = 1..t::

        w_i = (1 - β) β^(t-i)                    (sum: 1 - β^t)
        w_i = (1 - β) β^(t-i) / (1 - β^t)        (bias corrected, sum: 1)

    so that v_t = Σ_i w_i θ_i. Returns a float32 array of shape (t,); the last
    entry is the weight on the newest value θ_t.
    """
    t = check_int("t", t, lo=1)
    _check_beta(beta)
    _check_bool("bias_correction", bias_correction)

    beta = jnp.asarray(beta, dtype=jnp.float32)
    i = jnp.arange(1, t + 1, dtype=jnp.float32)
    w = (1 - beta) * beta ** (t - i)
    if bias_correction:
        w = w / (1 - beta**t)
    return w
