"""Checkers for notebook 07: exponentially weighted averages."""

from __future__ import annotations

import functools

import numpy as np

from dlcore import ewa as _ewa
from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    as_array,
    f32,
    f64,
    judge,
    readonly,
)

# ==========================================================================
# 12. Exponentially weighted averages
# ==========================================================================

_EWA_CASES = ((0, 30, 0.9), (1, 100, 0.98), (2, 5, 0.5), (3, 1, 0.95), (4, 40, 0.7))


def _ewa_loop(theta, beta, w_new, v0=0.0, correct=None, feedback=False):
    """A NumPy EWA: v_t = β v + w_new θ_t; correction(t) divides the output."""
    v, out = v0, []
    for t, x in enumerate(theta, start=1):
        v = beta * v + w_new * x
        c = correct(t) if correct else 1.0
        out.append(v / c)
        if feedback:
            v = v / c
    return np.array(out)


@functools.cache
def _ewa_cases():
    cases = []
    for seed, T, beta in _EWA_CASES:
        rng = np.random.default_rng(900 + seed)
        t = np.arange(T)
        theta = 15 + 5 * np.sin(t / 7) + 2 * rng.standard_normal(T)
        theta32 = f32(theta)
        ref = f64(_ewa.ewa(theta32, beta, bias_correction=True))
        th = f64(theta32)
        b = beta
        with np.errstate(all="ignore"):
            variants = [
                (
                    "bias correction with t starting at 0: the first value "
                    "divides by 1 − β⁰ = 0; count t from 1, v_t / (1 − β^t)",
                    _ewa_loop(th, b, 1 - b, correct=lambda t, b=b: 1 - b ** (t - 1)),
                ),
                (
                    "bias correction is off by one: v_t (t counted from 1) "
                    "divides by 1 − β^t",
                    _ewa_loop(th, b, 1 - b, correct=lambda t, b=b: 1 - b ** (t + 1)),
                ),
                (
                    "no bias correction: the first values are pulled towards "
                    "v₀ = 0; divide v_t by 1 − β^t",
                    _ewa_loop(th, b, 1 - b),
                ),
                (
                    "swapped β and 1 − β: v_t = β v_{t−1} + (1 − β) θ_t",
                    _ewa_loop(th, 1 - b, b, correct=lambda t, b=b: 1 - b**t),
                ),
                (
                    "swapped β and 1 − β: v_t = β v_{t−1} + (1 − β) θ_t",
                    _ewa_loop(th, 1 - b, b, correct=lambda t, b=b: 1 - (1 - b) ** t),
                ),
                (
                    "swapped β and 1 − β, and no bias correction",
                    _ewa_loop(th, 1 - b, b),
                ),
                (
                    "fed the bias-corrected value back into the average: keep "
                    "v_t uncorrected in the recursion and only divide the output",
                    _ewa_loop(
                        th, b, 1 - b, correct=lambda t, b=b: 1 - b**t, feedback=True
                    ),
                ),
                (
                    "started the average at v₀ = θ₁: start at v₀ = 0 (bias "
                    "correction then fixes the start)",
                    _ewa_loop(th, b, 1 - b, v0=th[0], correct=lambda t, b=b: 1 - b**t),
                ),
            ]
        cases.append(
            {
                "args": (theta32, beta),
                "ref": readonly(ref),
                "variants": [(msg, (v,)) for msg, v in variants],
            }
        )
    return tuple(cases)


def check_ewa(ewa, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``ewa(theta, beta) -> v_corrected``.

    ``theta`` is a series θ_1..θ_T of shape (T,); return the bias-corrected
    exponentially weighted average, shape (T,), with t counted from 1::

        v_0 = 0
        v_t = β v_{t−1} + (1 − β) θ_t
        v_corrected[t] = v_t / (1 − β^t)         (entry t−1 of the result)
    """
    chk = Check("ewa", time_limit)
    with chk:
        chk.function(ewa, "ewa")
        for case in _ewa_cases():
            theta, beta = case["args"]
            out = chk.call(ewa, theta, beta, name="ewa")
            out = as_array(
                out,
                "v_corrected",
                shape=theta.shape,
                shape_desc=f"(T,) = {theta.shape}",
            )
            judge(
                (out,),
                case["ref"],
                ("v_corrected",),
                case["variants"],
                context=f" (β = {beta:g}, T = {theta.shape[0]})",
            )
    return chk.result("With β = 0.9 it averages over about 1/(1 − β) = 10 values.")
