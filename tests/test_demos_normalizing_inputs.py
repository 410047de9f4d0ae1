"""Tests for dlcore.demos.normalizing_inputs: the data, and gradient descent on the
raw and the normalized cost against an independent float64 NumPy loop, with step
counts matching the closed-form rate of a quadratic."""

from __future__ import annotations

import math

import jax
import numpy as np
import pytest

from dlcore.compiles import count_compiles
from dlcore.demos.normalizing_inputs import (
    NUM_STEPS,
    START,
    TOL,
    W_TRUE,
    descend,
    make_data,
)

KEY = jax.random.key(0)


def _alphas(X64, Xn64, rule):
    """α for (raw, normalized) from np.linalg.eigvalsh, float64."""
    lam = [np.linalg.eigvalsh(A @ A.T / A.shape[1]) for A in (X64, Xn64)]
    best = [2.0 / (lo + hi) for lo, hi in lam]
    if rule == "best":
        return best, lam
    if rule == "safe":
        return [1.0 / hi for _, hi in lam], lam
    return [best[1], best[1]], lam


def numpy_gd(X, Y, alpha, num_steps):
    """Plain GD on J(w) = (1/2m) ||wᵀX − Y||², float64, from w* + START.

    Returns w_t − w* (T + 1, 2) and the gap (J(w_t) − J*)/(J(w_0) − J*).
    """
    X, y = np.asarray(X, np.float64), np.asarray(Y, np.float64)[0]
    m = X.shape[1]
    w_star = np.linalg.lstsq(X.T, y, rcond=None)[0]

    def J(w):
        return 0.5 * np.mean((w @ X - y) ** 2)

    w = w_star + np.asarray(START)
    ws = [w]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            w = w - alpha * (X @ (w @ X - y)) / m
            ws.append(w)
        ws = np.array(ws)
        d = ws - w_star
        H = X @ X.T / m
        gap = 0.5 * np.einsum("ti,ij,tj->t", d, H, d)  # = J(w_t) − J*, exactly
    J0 = J(ws[0]) - J(w_star)
    np.testing.assert_allclose(gap[0], J0, rtol=1e-6)  # the identity used above
    return d, gap / gap[0]


def reference(res, rule, num_steps=NUM_STEPS):
    X64 = np.asarray(res.X, np.float64)
    mu = X64.mean(axis=1, keepdims=True)
    Xn64 = (X64 - mu) / X64.std(axis=1, keepdims=True)
    alphas, lam = _alphas(X64, Xn64, rule)
    runs = [
        numpy_gd(A, res.Y, a, num_steps)
        for A, a in zip((X64, Xn64), alphas, strict=True)
    ]
    return Xn64, alphas, lam, runs


def first_below(gap, tol=TOL):
    idx = np.flatnonzero(gap <= tol)
    return int(idx[0]) if idx.size else None


def test_data_same_draws_for_every_ratio_and_centred():
    X1, Y1 = make_data(KEY, 1.0)
    X7, Y7 = make_data(KEY, 7.0)
    np.testing.assert_allclose(X7[0], X1[0])
    np.testing.assert_allclose(X7[1], 7.0 * X1[1], rtol=1e-6)
    np.testing.assert_allclose(Y7, Y1)
    np.testing.assert_allclose(X7.mean(axis=1), 0.0, atol=1e-6)
    assert abs(float(Y7.mean())) < 1e-6
    # least squares on the standardized features recovers W_TRUE (noise 0.3)
    w = np.linalg.lstsq(X1.T.astype(np.float64), Y1[0], rcond=None)[0]
    np.testing.assert_allclose(w, W_TRUE, atol=0.15)
    X_other, _ = make_data(jax.random.key(1), 7.0)
    assert not np.allclose(X_other, X7)


@pytest.mark.parametrize("rule", ["best", "safe"])
@pytest.mark.parametrize("ratio", [1.0, 4.0, 31.6, 1000.0])
def test_paths_equal_an_independent_float64_gradient_descent(rule, ratio):
    res = jax.tree.map(np.asarray, descend(KEY, ratio, rule))
    Xn64, alphas, lam, runs = reference(res, rule)
    np.testing.assert_allclose(res.X_norm, Xn64, atol=1e-5)
    np.testing.assert_allclose(res.alpha, alphas, rtol=1e-4)
    np.testing.assert_allclose(res.lam, lam, rtol=1e-4)
    for k, (d, gap) in enumerate(runs):
        assert np.all(np.isfinite(d))
        np.testing.assert_allclose(res.path[k], d, atol=2e-3, rtol=0)
        shown = gap > 1e-5  # float32 resolves the gap down to about here
        np.testing.assert_allclose(res.gap[k][shown], gap[shown], rtol=2e-2)


def _closed_form_steps(lam, tol=TOL):
    """With α = 2/(λmin + λmax) the gap is q^(2t), q = (κ − 1)/(κ + 1)."""
    lo, hi = lam
    q = (hi / lo - 1) / (hi / lo + 1)
    return math.ceil(math.log(tol) / (2 * math.log(q)))


@pytest.mark.parametrize("ratio", [1.0, 2.0, 5.0, 10.0, 15.0, 100.0, 1000.0])
def test_step_counts_match_the_closed_form_rate(ratio):
    res = jax.tree.map(np.asarray, descend(KEY, ratio, "best"))
    _, _, lam, runs = reference(res, "best")
    for k in range(2):
        want = _closed_form_steps(lam[k])
        # the rate the panel shows, for any count
        assert abs(res.rate_steps[k] - want) <= max(1, 1e-4 * want)
        np.testing.assert_allclose(
            res.rate[k], (lam[k][1] / lam[k][0] - 1) / (lam[k][1] / lam[k][0] + 1),
            rtol=1e-5,
        )  # fmt: skip
        if want <= NUM_STEPS:  # counted in the scan: equal to the float64 GD
            assert abs(int(res.steps[k]) - want) <= 1
            assert abs(int(res.steps[k]) - first_below(runs[k][1])) <= 1
        else:
            assert res.steps[k] == NUM_STEPS + 1
    # normalized: independent of the ratio (the same 3 or so steps)
    assert res.steps[1] == descend(KEY, 1.0).steps[1]


def test_raw_steps_grow_like_ratio_squared_and_normalized_stay_flat():
    res = {r: descend(KEY, r) for r in (10.0, 100.0, 1000.0)}
    kappa = {r: float(v.lam[0, 1] / v.lam[0, 0]) for r, v in res.items()}
    for r in (100.0, 1000.0):
        assert kappa[r] / kappa[r / 10] == pytest.approx(100, rel=0.02)
        ratio = float(res[r].rate_steps[0] / res[r / 10].rate_steps[0])
        assert ratio == pytest.approx(100, rel=0.02)
    assert len({int(v.steps[1]) for v in res.values()}) == 1
    assert int(res[10.0].steps[1]) <= 5 < 300 < int(res[10.0].steps[0])


def test_safe_rule_counts_match_float64_and_the_rate_is_a_bound():
    for ratio in (1.0, 3.0, 8.0):
        res = jax.tree.map(np.asarray, descend(KEY, ratio, "safe"))
        _, _, lam, runs = reference(res, "safe")
        for k in range(2):
            counted = first_below(runs[k][1])
            assert abs(int(res.steps[k]) - counted) <= 1
            assert res.rate_steps[k] >= counted - 1  # an upper bound
            np.testing.assert_allclose(
                res.rate[k], 1 - lam[k][0] / lam[k][1], rtol=1e-5
            )


def test_tol_is_traced_and_changes_the_count():
    descend(KEY, 5.0, tol=1e-6)
    with count_compiles() as c:
        loose = descend(KEY, 5.0, tol=1e-2)
        tight = descend(KEY, 5.0, tol=1e-8)
        descend(KEY, 50.0, "shared", tol=1e-3)
    assert c.count == 0
    assert loose.steps[0] < tight.steps[0]
    assert loose.rate_steps[0] == pytest.approx(
        math.ceil(math.log(1e-2) / (2 * math.log(float(loose.rate[0])))), abs=1
    )
