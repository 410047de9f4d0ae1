"""Checkers for notebook 01: normalizing inputs."""

from __future__ import annotations

import functools

import numpy as np

from dlcore import data as _data
from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    as_array,
    f32,
    f64,
    judge,
    readonly,
    unpack,
)

# ==========================================================================
# 1. Normalizing inputs
# ==========================================================================

_NORMALIZE_CASES = ((0, 3, 40, 40), (1, 4, 100, 25), (2, 2, 7, 60), (3, 5, 300, 300))


@functools.cache
def _normalize_cases():
    cases = []
    for seed, n_x, m_train, m_test in _NORMALIZE_CASES:
        rng = np.random.default_rng(seed)
        mu = rng.uniform(-5, 5, (n_x, 1))
        sd = 10 ** rng.uniform(-1, 1.3, (n_x, 1))
        X_train = f32(mu + sd * rng.standard_normal((n_x, m_train)))
        # The test set is shifted and wider, so its own μ, σ differ clearly.
        X_test = f32(mu + 0.7 * sd + 1.6 * sd * rng.standard_normal((n_x, m_test)))
        norm = _data.Normalizer.fit(X_train, eps=0.0)
        ref = (f64(norm.transform(X_train)), f64(norm.transform(X_test)))

        A, B = f64(X_train), f64(X_test)

        def stats(X, axis, ddof=0):
            return X.mean(axis=axis, keepdims=True), X.std(
                axis=axis, ddof=ddof, keepdims=True
            )

        mu1, sd1 = stats(A, 1)
        mu1_te, sd1_te = stats(B, 1)
        mu0, sd0 = stats(A, 0)
        mu0_te, sd0_te = stats(B, 0)
        mu_u, sd_u = stats(A, 1, ddof=1)
        mu_all, sd_all = A.mean(), A.std()
        with np.errstate(all="ignore"):
            variants = [
                (
                    "normalized X_test with its own μ and σ: use the μ and σ of "
                    "the TRAINING set for both, so that every example goes "
                    "through the same transformation",
                    (ref[0], (B - mu1_te) / sd1_te),
                ),
                (
                    "divided by σ² instead of σ (the slides' typo): dividing by "
                    "the standard deviation σ gives each feature variance 1",
                    ((A - mu1) / sd1**2, (B - mu1) / sd1**2),
                ),
                (
                    "normalized over the wrong axis: μ and σ were computed per "
                    "example (column); in X of shape (n_x, m) each ROW is a "
                    "feature, so average over the m columns",
                    ((A - mu0) / sd0, (B - mu0) / sd0)
                    if m_train == m_test
                    else ((A - mu0) / sd0, None),
                ),
                (
                    "normalized over the wrong axis: μ and σ were computed per "
                    "example (column), for each set separately; in X of shape "
                    "(n_x, m) each ROW is a feature, and the test set must use "
                    "the training set's statistics",
                    ((A - mu0) / sd0, (B - mu0_te) / sd0_te),
                ),
                (
                    "used one μ and one σ for the whole matrix: each feature "
                    "(row) needs its own, of shape (n_x, 1)",
                    ((A - mu_all) / sd_all, (B - mu_all) / sd_all),
                ),
                (
                    "used the unbiased variance 1/(m−1); the course uses "
                    "σ² = (1/m) Σ (x − μ)²",
                    ((A - mu_u) / sd_u, (B - mu_u) / sd_u),
                ),
                (
                    "only subtracted the mean: also divide by σ",
                    (A - mu1, B - mu1),
                ),
            ]
        cases.append(
            {
                "args": (X_train, X_test),
                "ref": readonly(*ref),
                "variants": variants,
                "shapes": (X_train.shape, X_test.shape),
            }
        )
    return tuple(cases)


def check_normalize(normalize, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``normalize(X_train, X_test) -> (X_train_n, X_test_n)``.

    X_train is (n_x, m_train) and X_test is (n_x, m_test), one column per
    example. With μ and σ estimated on the TRAINING set only, per feature::

        μ  = (1/m_train) Σ_i x^(i)                      shape (n_x, 1)
        σ² = (1/m_train) Σ_i (x^(i) − μ)²    (biased)   shape (n_x, 1)
        X_n = (X − μ) / σ                    for X_train and for X_test

    Both outputs keep the shape of their input.
    """
    chk = Check("normalize", time_limit)
    with chk:
        chk.function(normalize, "normalize")
        hint = {
            ValueError: "(a shape mismatch? μ and σ should have shape (n_x, 1))",
            TypeError: "(a shape mismatch? μ and σ should have shape (n_x, 1))",
        }
        for case in _normalize_cases():
            out = chk.call(normalize, *case["args"], name="normalize", hints=hint)
            tr, te = unpack(out, ("X_train_n", "X_test_n"), "normalize")
            s_tr, s_te = case["shapes"]
            tr = as_array(tr, "X_train_n", shape=s_tr)
            te = as_array(te, "X_test_n", shape=s_te)
            judge(
                (tr, te),
                case["ref"],
                ("X_train_n", "X_test_n"),
                case["variants"],
                context=f" for X_train of shape {s_tr}",
            )
    return chk.result("Each feature of X_train now has mean 0 and variance 1.")
