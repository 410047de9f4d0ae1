"""Checkers for notebook 03: He and Xavier initialization."""

from __future__ import annotations

import math
from collections.abc import Mapping

import jax
import numpy as np

from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    Failure,
    as_array,
    describe_value,
)

# ==========================================================================
# 2-3. He and Xavier initialization
# ==========================================================================

# Layers with one input or one unit ([1, 1, 1], [3, 1, 1]) catch code that
# tells shapes apart by guessing, and make a reused key obvious (W1 = W2).
_INIT_SHAPE_CASES = (
    (0, (3, 5, 2)),
    (1, (4, 1)),
    (2, (2, 6, 6, 3, 1)),
    (3, (1, 1, 1)),
    (4, (3, 1, 1)),
    (5, (4, 4, 4, 4)),
)
# Large layers for the variance test. The widths make every usual mistake
# (fan-out, no square root, Glorot, ...) a clearly different factor.
_INIT_STAT_DIMS = (300, 120, 500)
_INIT_STAT_SEEDS = (11, 12)


def _init_params(value, name: str, dims) -> dict:
    L = len(dims) - 1
    if value is None:
        raise Failure(f"{name} returned None; it should return the dict of params")
    if not isinstance(value, Mapping):
        raise Failure(
            f"{name} should return a dict {{'W1': ..., 'b1': ..., ...}}, got "
            f"{describe_value(value)}"
        )
    expected = [f"{p}{l}" for l in range(1, L + 1) for p in ("W", "b")]
    missing = [k for k in expected if k not in value]
    if missing:
        raise Failure(
            f"params has no key {missing[0]!r}: for layer_dims = {list(dims)} "
            f"it needs W1..W{L} and b1..b{L}"
        )
    extra = sorted(str(k) for k in value if k not in expected)
    if extra:
        raise Failure(
            f"params has unexpected key(s) {', '.join(extra)} for layer_dims = "
            f"{list(dims)} (expected W1..W{L} and b1..b{L})"
        )
    out = {}
    for l in range(1, L + 1):
        n_prev, n = dims[l - 1], dims[l]
        out[f"W{l}"] = as_array(
            value[f"W{l}"],
            f"W{l}",
            shape=(n, n_prev),
            shape_desc=f"(n[{l}], n[{l - 1}]) = {(n, n_prev)}",
        )
        out[f"b{l}"] = as_array(
            value[f"b{l}"],
            f"b{l}",
            shape=(n, 1),
            shape_desc=f"(n[{l}], 1) = {(n, 1)}",
        )
    return out


def _check_independent_layers(params: dict, dims, c: float) -> None:
    """Fail when two layers' weights come from the same random draws.

    Each W{l} is standardized by its own √(c/n[l-1]); with one key reused,
    two layers share their first draws (JAX gives the same numbers for the
    same key whatever the shape), so the standardized entries coincide. For
    large layers a clear correlation of those entries fails too.
    """
    L = len(dims) - 1
    z = {
        l: params[f"W{l}"].ravel() / math.sqrt(c / dims[l - 1]) for l in range(1, L + 1)
    }
    for l in range(1, L + 1):
        for k in range(l + 1, L + 1):
            n = min(z[l].size, z[k].size)
            a, b = z[l][:n], z[k][:n]
            same = np.allclose(a, b, rtol=1e-5, atol=0)
            corr = 0.0
            if not same and n >= 100:
                corr = abs(float(np.corrcoef(a, b)[0, 1]))
            if same or corr > 0.3:
                raise Failure(
                    f"W{l} and W{k} are drawn from the same random numbers "
                    f"(layer_dims = {list(dims)}): one key (or subkey) was used "
                    "for several layers, so the layers are not independent; "
                    "split the key, one subkey per layer "
                    "(jax.random.split(key, L))"
                )


def _check_init(chk, fn, name: str, c: float, scheme: str):
    """Shapes, zero biases, symmetry, key use and Var(W{l}) = c/n[l-1]."""
    formula = f"{c:g}/n[l-1]"
    other = "Xavier" if scheme == "He" else "He"
    for seed, dims in _INIT_SHAPE_CASES:
        params = _init_params(
            chk.call(fn, jax.random.key(seed), list(dims), name=name), name, dims
        )
        for l in range(1, len(dims)):
            W, b = params[f"W{l}"], params[f"b{l}"]
            if not np.isfinite(W).all():
                raise Failure(f"W{l} contains NaN/inf values")
            if W.size > 1 and np.all(W == W.flat[0]):
                what = "all zeros" if W.flat[0] == 0 else "one constant value"
                raise Failure(
                    f"W{l} is {what}: then every unit of a layer computes the same "
                    "thing and gets the same gradient, so the symmetry is never "
                    "broken; draw the weights at random"
                )
            if np.any(b != 0):
                raise Failure(
                    f"b{l} should start at zero (the random W already breaks "
                    "the symmetry)"
                )

        _check_independent_layers(params, dims, c)

    dims = _INIT_SHAPE_CASES[0][1]
    first = _init_params(
        chk.call(fn, jax.random.key(7), list(dims), name=name), name, dims
    )
    again = _init_params(
        chk.call(fn, jax.random.key(7), list(dims), name=name), name, dims
    )
    if not all(np.array_equal(first[k], again[k]) for k in first):
        raise Failure(
            "two calls with the same key gave different weights: draw them from "
            "the key (jax.random), not from a global random generator"
        )
    dims = _INIT_STAT_DIMS
    results = []
    for seed in _INIT_STAT_SEEDS:
        results.append(
            _init_params(
                chk.call(fn, jax.random.key(seed), list(dims), name=name), name, dims
            )
        )
    if np.array_equal(results[0]["W1"], results[1]["W1"]):
        raise Failure("different keys gave the same weights: use the key you are given")

    for params in results:
        _check_independent_layers(params, dims, c)
        for l in range(1, len(dims)):
            n_prev, n = dims[l - 1], dims[l]
            W = params[f"W{l}"]
            N = W.size
            var_expected = c / n_prev
            mean = float(W.mean())
            if abs(mean) > 6 * math.sqrt(var_expected / N) + 1e-12:
                raise Failure(
                    f"the entries of W{l} have mean {mean:.3g}; they should be "
                    "centred at 0"
                )
            ratio = float(W.var()) / var_expected
            tol = 6 * math.sqrt(2 / N) + 0.01
            if abs(ratio - 1) <= tol:
                continue
            candidates = [
                (
                    (1 if scheme == "He" else 2) / c,
                    f"the variance of W{l} is {'1' if scheme == 'He' else '2'}"
                    f"/n[l-1], {other}'s: {scheme} initialization uses "
                    f"Var = {formula}",
                ),
                (
                    n_prev / n,
                    f"used n[l] (here n[{l}] = {n}) instead of n[l-1] "
                    f"(n[{l - 1}] = {n_prev}): the variance is {formula}, with "
                    "n[l-1] the number of inputs of each unit",
                ),
                (
                    c / n_prev,
                    f"forgot the square root: the standard deviation is "
                    f"√({formula}), so that the variance is {formula}",
                ),
                (
                    n_prev / c,
                    "the weights have variance 1: multiply the standard normal "
                    f"draws by √({formula})",
                ),
                (
                    1e-4 * n_prev / c,
                    f"scaled the draws by 0.01 (a small random init); {scheme} "
                    f"initialization scales them by √({formula})",
                ),
                (
                    (2 / (n_prev + n)) / var_expected,
                    f"used 2/(n[l-1] + n[l]) (Glorot's average of fan-in and "
                    f"fan-out); {scheme} initialization uses {formula}",
                ),
            ]
            for factor, message in candidates:
                if abs(ratio / factor - 1) <= tol:
                    raise Failure(message)
            raise Failure(
                f"the entries of W{l} have variance {W.var():.3g}, which is "
                f"{ratio:.3g}× the {scheme} variance {formula} = {var_expected:.3g} "
                f"(layer_dims = {list(dims)})"
            )


def check_he_init(he_init, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``he_init(key, layer_dims) -> params``.

    ``layer_dims = [n0, n1, ..., nL]``; ``params`` is a dict with, for
    l = 1..L, ``W{l}`` of shape (n[l], n[l-1]) drawn from N(0, 2/n[l-1]) with
    the given JAX key, and ``b{l}`` of shape (n[l], 1), all zeros. The same
    key must give the same params.
    """
    chk = Check("he_init", time_limit)
    with chk:
        chk.function(he_init, "he_init")
        _check_init(chk, he_init, "he_init", 2.0, "He")
    return chk.result(
        "Var(W[l]) = 2/n[l-1] keeps the scale of ReLU activations steady."
    )


def check_xavier_init(xavier_init, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``xavier_init(key, layer_dims) -> params``.

    As :func:`check_he_init`, with ``W{l}`` drawn from N(0, 1/n[l-1]) (the
    lecture's Xavier, fan-in only).
    """
    chk = Check("xavier_init", time_limit)
    with chk:
        chk.function(xavier_init, "xavier_init")
        _check_init(chk, xavier_init, "xavier_init", 1.0, "Xavier")
    return chk.result("Var(W[l]) = 1/n[l-1] suits tanh layers.")
