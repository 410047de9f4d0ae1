"""Checkers for notebook 11: softmax and its cross-entropy."""

from __future__ import annotations

import functools
import math

import numpy as np

from dlcore import activations as _activations
from dlcore import losses as _losses
from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    Failure,
    as_array,
    as_scalar,
    f32,
    f64,
    judge,
    readonly,
)

# ==========================================================================
# 19-20. Softmax and its cross-entropy
# ==========================================================================


WIDE = 1500.0  # logits from −WIDE to +WIDE within one column


def _wide_columns(rng, C: int, m: int) -> np.ndarray:
    """Columns whose logits spread from −1500 to +1500, in a shuffled order.

    The spread is far beyond the range of e^z (float32 overflows past
    z ≈ 88, float64 past 709), so only subtracting the column's max keeps
    every exponent finite; the column's mean or min does not.
    """
    return np.stack([rng.permutation(np.linspace(-WIDE, WIDE, C)) for _ in range(m)], 1)


def _shift_message(ctx: str) -> str:
    return (
        f"e^z overflowed{ctx} (inf/inf = NaN): subtract each column's max "
        "before the exponential; no shift, or a shift by the column's mean or "
        "min, still leaves exponents far above 0 (e^z overflows past z ≈ 88 "
        "in float32, 709 in float64)"
    )


@functools.cache
def _softmax_cases():
    cases = []
    specs = (
        (0, 3, 5, 2.0, 0.0),
        (1, 10, 4, 5.0, 0.0),
        (2, 1, 6, 1.0, 0.0),
        (3, 4, 7, 3.0, 1000.0),
        (4, 4, 6, 3.0, None),
        (5, 5, 6, 1.0, "wide"),
    )
    for seed, C, m, scale, offset in specs:
        rng = np.random.default_rng(1300 + seed)
        Z = scale * rng.standard_normal((C, m))
        if offset == "wide":
            Z = Z + _wide_columns(rng, C, m)
        elif offset is None:  # columns around +1000 and around −1000
            Z = Z + np.where(np.arange(m) % 2 == 0, 1000.0, -1000.0)
        else:
            Z = Z + offset
        Z32 = f32(Z)
        ref = f64(_activations.softmax(Z32))
        z, z32 = f64(Z32), np.asarray(Z32)

        def norm(e, axis=0):
            return e / e.sum(axis=axis, keepdims=True)

        with np.errstate(all="ignore"):
            variants = [
                (
                    "no max subtraction: e^z overflows for large logits (z ≈ 1000 "
                    "gives inf/inf = NaN); subtract each column's max first (it "
                    "cancels out)",
                    f64(norm(np.exp(z32))),
                ),
                (
                    "subtracted one max for the whole matrix: a column whose "
                    "logits are all far below it underflows to 0/0; subtract "
                    "each column's own max",
                    f64(norm(np.exp(z32 - z32.max()))),
                ),
                (
                    "softmax over the wrong axis: each COLUMN (one example) must "
                    "sum to 1, so normalize over axis 0",
                    norm(np.exp(z - z.max(axis=1, keepdims=True)), axis=1),
                ),
                (
                    "subtracted the max over the wrong axis (per class, not per "
                    "example): it no longer cancels out",
                    norm(np.exp(z - z.max(axis=1, keepdims=True))),
                ),
                (
                    "normalized over the whole matrix: each column (one example) "
                    "must sum to 1",
                    np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
                ),
            ]
        cases.append(
            {
                "Z": Z32,
                "ref": readonly(ref),
                "variants": [(s, (v,)) for s, v in variants],
                "offset": offset,
            }
        )
    return tuple(cases)


def check_softmax(softmax, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``softmax(Z) -> A``.

    Z is (C, m), one column of C logits per example; A has the same shape
    and each column is a probability distribution (axis 0)::

        a_k = e^(z_k − max z) / Σ_j e^(z_j − max z)

    Subtracting the column's max cancels out, but keeps every exponent <= 0,
    so logits of ±1000 do not overflow.
    """
    chk = Check("softmax", time_limit)
    with chk:
        chk.function(softmax, "softmax")
        for case in _softmax_cases():
            Z = case["Z"]
            out = chk.call(softmax, Z, name="softmax")
            A = as_array(out, "A", shape=Z.shape)
            if case["offset"] == "wide":
                ctx = f" for a column whose logits spread from −{WIDE:g} to +{WIDE:g}"
                if not np.isfinite(A).all():
                    raise Failure(_shift_message(ctx))
            elif case["offset"] is None:
                ctx = " for logits around +1000 and −1000"
            elif case["offset"]:
                ctx = f" for logits around {case['offset']:g}"
            else:
                ctx = f" for Z of shape {Z.shape}"
            judge((A,), case["ref"], ("A",), case["variants"], context=ctx)
    return chk.result(
        "Shifting a column of logits by a constant leaves its softmax unchanged."
    )


@functools.cache
def _softmax_ce_cases():
    cases = []
    # (seed, C, m, scale, offset, kind)
    specs = (
        (0, 3, 5, 2.0, 0.0, "plain"),
        (1, 10, 8, 4.0, 0.0, "plain"),
        (2, 4, 6, 5.0, 1000.0, "overflow"),
        (3, 3, 4, 1.0, None, "underflow"),
        (4, 5, 6, 1.0, None, "wide"),
    )
    for seed, C, m, scale, offset, kind in specs:
        rng = np.random.default_rng(1400 + seed)
        labels = rng.integers(0, C, m)
        Y = np.eye(C)[:, labels]
        Z = scale * rng.standard_normal((C, m))
        if kind == "wide":
            Z = Z + _wide_columns(rng, C, m)
        elif offset is None:  # the true class 2000 below the best one
            Z = Z + np.where(Y == 1, -1000.0, 1000.0)
        else:
            Z = Z + offset
        Z32, Y32 = f32(Z), f32(Y)
        J = float(_losses.softmax_cross_entropy(Z32, Y32))
        dZ = f64(_losses.softmax_cross_entropy_backward(Z32, Y32))
        z, y = f64(Z32), f64(Y32)
        A = np.exp(z - z.max(axis=0, keepdims=True))
        A = A / A.sum(axis=0, keepdims=True)
        cases.append(
            {
                "args": (Z32, Y32),
                "ref": (J, dZ),
                "kind": kind,
                "J_variants": [
                    (
                        "J sums over the examples: the cost is the average, (1/m) Σ_i",
                        J * m,
                    ),
                    ("J has the wrong sign: J = −(1/m) Σ_i Σ_k y_k log a_k", -J),
                    (
                        "J is averaged over all C·m entries; average over the "
                        "m examples only",
                        J / C,
                    ),
                ],
                "dZ_variants": [
                    (
                        "dZ is divided by m: in this course dZ = A − Y per example "
                        "(the 1/m comes later, in dW and db)",
                        (A - y) / m,
                    ),
                    ("sign error: dZ = A − Y", y - A),
                    ("forgot to subtract Y: dZ = A − Y", A),
                ],
            }
        )
    return tuple(cases)


def _ce_context(case) -> str:
    Z = case["args"][0]
    return {
        "plain": f" for Z of shape {Z.shape}",
        "overflow": " for logits around 1000",
        "underflow": " for logits of ±1000",
        "wide": f" for columns whose logits spread from −{WIDE:g} to +{WIDE:g}",
    }[case["kind"]]


def _not_finite_message(kind: str, ctx: str) -> str:
    """Why a result is NaN/inf on a case of the given kind (shift or log 0)."""
    if kind == "overflow":
        return "no max subtraction: " + _shift_message(ctx)
    return _shift_message(ctx)


def _cost_only(out, name: str):
    """Refuse the old two-result form (J, dZ): J alone is returned."""
    if isinstance(out, (tuple, list)) and len(out) == 2:
        raise Failure(
            f"{name} should return only the cost J (a number), like "
            "dl.losses.softmax_cross_entropy; got a pair: dZ is the job of "
            "softmax_cross_entropy_backward"
        )
    return out


def check_softmax_cross_entropy(
    softmax_cross_entropy, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``softmax_cross_entropy(Z, Y) -> J``.

    The signature and result of ``dl.losses.softmax_cross_entropy``.
    Z is (C, m) logits, Y is (C, m) one-hot labels. With A = softmax(Z)
    (over axis 0)::

        J = −(1/m) Σ_i Σ_k y_k^(i) log a_k^(i)      a scalar

    J must stay finite for logits of ±1000, so compute log a_k as
    (z_k − max z) − log Σ_j e^(z_j − max z) rather than log(softmax(z)).

    Arguments:
        softmax_cross_entropy: the student's function.
        time_limit: seconds per call (None: no limit).

    Returns:
        The :class:`CheckResult` (also printed as one line).
    """
    chk = Check("softmax_cross_entropy", time_limit)
    name = "softmax_cross_entropy"
    with chk:
        chk.function(softmax_cross_entropy, name)
        for case in _softmax_ce_cases():
            Z, Y = case["args"]
            out = chk.call(softmax_cross_entropy, Z, Y, name=name)
            J = as_scalar(_cost_only(out, name), "J")
            kind, ctx = case["kind"], _ce_context(case)
            if kind in ("overflow", "wide") and not math.isfinite(J):
                raise Failure(_not_finite_message(kind, ctx))
            if kind == "underflow" and not math.isfinite(J):
                raise Failure(
                    "J is not finite when the true class's logit is far below "
                    "the others: either softmax underflowed to 0 and log 0 = −inf "
                    "(compute log a_k = (z_k − max z) − log Σ_j e^(z_j − max z) "
                    "directly), or e^z overflowed (shift by the column's max, "
                    "not by its mean or min)"
                )
            judge(
                (np.array(J),),
                (np.array(case["ref"][0]),),
                ("J",),
                [(msg, (np.array(v),)) for msg, v in case["J_variants"]],
                context=ctx,
            )
    return chk.result(
        "J stays finite for logits of ±1000: log a_k is never taken of a "
        "probability that underflowed."
    )


def check_softmax_cross_entropy_backward(
    softmax_cross_entropy_backward, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``softmax_cross_entropy_backward(Z, Y) -> dZ``.

    The signature and result of ``dl.losses.softmax_cross_entropy_backward``.
    Z is (C, m) logits, Y is (C, m) one-hot labels. With A = softmax(Z)
    (over axis 0)::

        dZ = A − Y                                     (C, m)

    dZ is the per-example gradient, NOT divided by m: in this course the 1/m
    is applied later, in dW = (1/m) dZ A_prevᵀ and db. It must stay finite
    for logits of ±1000 (subtract each column's max before e^z).

    Arguments:
        softmax_cross_entropy_backward: the student's function.
        time_limit: seconds per call (None: no limit).

    Returns:
        The :class:`CheckResult` (also printed as one line).
    """
    chk = Check("softmax_cross_entropy_backward", time_limit)
    name = "softmax_cross_entropy_backward"
    with chk:
        chk.function(softmax_cross_entropy_backward, name)
        for case in _softmax_ce_cases():
            Z, Y = case["args"]
            out = chk.call(softmax_cross_entropy_backward, Z, Y, name=name)
            dZ = as_array(out, "dZ", shape=Z.shape)
            kind, ctx = case["kind"], _ce_context(case)
            if kind != "plain" and not np.isfinite(dZ).all():
                raise Failure(_not_finite_message(kind, ctx))
            judge(
                (dZ,),
                (case["ref"][1],),
                ("dZ",),
                [(msg, (v,)) for msg, v in case["dZ_variants"]],
                context=ctx,
            )
    return chk.result("dZ = A − Y: the same simple form as for the sigmoid output.")
