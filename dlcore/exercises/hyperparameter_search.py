"""Checkers for notebook 10: sampling hyperparameters on the right scale."""

from __future__ import annotations

import math

import jax
import numpy as np

from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    Failure,
    as_array,
)

# ==========================================================================
# 17-18. Sampling hyperparameters on the right scale
# ==========================================================================

_P_MIN = 1e-5  # KS p-value below which a distribution is rejected


def _ks(samples, lo, hi) -> float:
    from scipy import stats

    return float(stats.kstest(samples, "uniform", args=(lo, hi - lo)).pvalue)


def _samples(chk, fn, name, key, n, low, high):
    out = chk.call(fn, key, n, low, high, name=name)
    x = as_array(out, "the samples", shape=(n,), shape_desc=f"(n,) = ({n},)")
    if not np.isfinite(x).all():
        raise Failure("the samples contain NaN/inf values")
    return x


def _check_key_use(chk, fn, name, n, low, high, first):
    again = _samples(chk, fn, name, jax.random.key(3000), n, low, high)
    if not np.array_equal(again, first):
        raise Failure(
            "the same key gave different samples: draw them from the key "
            "(jax.random), not from a global random generator"
        )
    other = _samples(chk, fn, name, jax.random.key(3001), n, low, high)
    if np.array_equal(other, first):
        raise Failure(
            "a different key gave the same samples: use the key you are given"
        )


_LOG_CASES = (
    (0, 2000, 1e-4, 1.0),
    (1, 2000, 1e-3, 1e-1),
    (2, 1000, 0.5, 50.0),
    (3, 5, 1e-2, 1.0),
)


def check_sample_log_uniform(
    sample_log_uniform, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``sample_log_uniform(key, n, low, high) -> samples``.

    n samples between low and high (0 < low < high), uniform on a log scale,
    shape (n,)::

        r ~ U(log10 low, log10 high)   (from the JAX key)
        sample = 10^r

    so that each decade gets the same share of samples. The same key must give
    the same samples.
    """
    chk = Check("sample_log_uniform", time_limit)
    name = "sample_log_uniform"
    with chk:
        chk.function(sample_log_uniform, name)
        for seed, n, low, high in _LOG_CASES:
            key = jax.random.key(3000) if seed == 0 else jax.random.key(3100 + seed)
            x = _samples(chk, sample_log_uniform, name, key, n, low, high)
            if seed == 0:
                first = x
            a, b = math.log10(low), math.log10(high)
            ctx = f" (low = {low:g}, high = {high:g})"
            inside = (x >= low * (1 - 1e-5)) & (x <= high * (1 + 1e-5))
            if not inside.all():
                if np.all((x >= a - 1e-6) & (x <= b + 1e-6)):
                    raise Failure("returned the exponent r instead of 10^r" + ctx)
                raise Failure(
                    f"{int((~inside).sum())} sample(s) fall outside [low, high]" + ctx
                )
            if n < 100:
                continue
            if _ks(np.log10(x), a, b) < _P_MIN:
                if _ks(x, low, high) >= _P_MIN:
                    raise Failure(
                        "sampled uniformly on the linear scale: then almost all "
                        "samples land in the top decade; sample the exponent r "
                        "uniformly and return 10^r" + ctx
                    )
                raise Failure(
                    "log10 of your samples is not uniform on [log10 low, log10 high] "
                    "(Kolmogorov–Smirnov test)" + ctx
                )
        _check_key_use(chk, sample_log_uniform, name, 2000, 1e-4, 1.0, first)
    return chk.result(
        "Each decade, e.g. [0.001, 0.01] and [0.01, 0.1], gets the same share."
    )


_BETA_CASES = (
    (0, 2000, 0.5, 0.9999),
    (1, 2000, 0.9, 0.999),
    (2, 2000, 0.0, 0.99),
    (3, 5, 0.9, 0.99),
)


def check_sample_beta(sample_beta, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``sample_beta(key, n, low, high) -> betas``.

    n values of an averaging parameter β in [low, high] (0 <= low < high < 1),
    shape (n,), sampled so that 1 − β is uniform on a log scale::

        r ~ U(log10(1 − high), log10(1 − low))   (from the JAX key)
        β = 1 − 10^r

    The same key must give the same samples.
    """
    chk = Check("sample_beta", time_limit)
    name = "sample_beta"
    with chk:
        chk.function(sample_beta, name)
        for seed, n, low, high in _BETA_CASES:
            key = jax.random.key(3000) if seed == 0 else jax.random.key(3200 + seed)
            x = _samples(chk, sample_beta, name, key, n, low, high)
            if seed == 0:
                first = x
            a, b = math.log10(1 - high), math.log10(1 - low)
            ctx = f" (low = {low:g}, high = {high:g})"
            inside = (x >= low - 1e-6) & (x <= high + 1e-6)
            if not inside.all():
                if np.all((x >= 1 - high - 1e-6) & (x <= 1 - low + 1e-6)):
                    raise Failure(
                        "returned 1 − β (that is 10^r) instead of β = 1 − 10^r" + ctx
                    )
                if np.all((x >= a - 1e-6) & (x <= b + 1e-6)):
                    raise Failure(
                        "returned the exponent r instead of β = 1 − 10^r" + ctx
                    )
                raise Failure(
                    f"{int((~inside).sum())} sample(s) fall outside [low, high]" + ctx
                )
            if n < 100:
                continue
            with np.errstate(all="ignore"):
                if _ks(np.log10(np.maximum(1 - x, 1e-300)), a, b) >= _P_MIN:
                    continue
                if (
                    low > 0
                    and _ks(np.log10(x), math.log10(low), math.log10(high)) >= _P_MIN
                    and (_ks(x, low, high) < _P_MIN)
                ):
                    raise Failure(
                        "sampled log10(β) uniformly; it is log10(1 − β) that should "
                        "be uniform: β = 1 − 10^r" + ctx
                    )
            if _ks(x, low, high) >= _P_MIN:
                raise Failure(
                    "sampled β uniformly: then most trials land where 1/(1 − β) "
                    "barely changes; sample r = log10(1 − β) uniformly" + ctx
                )
            raise Failure(
                "log10(1 − β) of your samples is not uniform on "
                "[log10(1 − high), log10(1 − low)] (Kolmogorov–Smirnov test)" + ctx
            )
        _check_key_use(chk, sample_beta, name, 2000, 0.5, 0.9999, first)
    return chk.result("β in [0.9, 0.99] and in [0.99, 0.999] now get equal shares.")
