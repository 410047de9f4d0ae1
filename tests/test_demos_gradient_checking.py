"""Tests for dlcore.demos.gradient_checking: the ε U-curve, planted bugs, dropout.

Oracles: jax.grad in float64, dlcore.gradcheck (its own numerical_grad and
grad_check, a separate implementation in JAX), Taylor-series error orders,
and the exact value of the relative error on synthetic data.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore import gradcheck
from dlcore.demos import gradient_checking as fd

PROBLEM = fd.demo_problem()


@pytest.fixture(scope="module")
def curves():
    return fd.eps_curves(PROBLEM)


def _exact_jax():
    with jax.enable_x64(True):
        p64 = {
            k: jnp.asarray(np.asarray(v, np.float64)) for k, v in PROBLEM.params.items()
        }
        return {k: np.asarray(v) for k, v in jax.grad(PROBLEM.loss_fn)(p64).items()}


def test_hand_gradient_equals_jax_grad_in_float64():
    exact = _exact_jax()
    assert gradcheck.relative_error(fd.mlp_grad(PROBLEM), exact) < 1e-12


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_cost_equals_model_loss(dtype):
    theta, layout = fd._flatten(PROBLEM.params, np.dtype(dtype))
    J = fd.mlp_costs(theta[None], layout, PROBLEM.X, PROBLEM.Y,
                     PROBLEM.config.lambd, PROBLEM.config.L)  # fmt: skip
    assert J.dtype == np.dtype(dtype)
    with jax.enable_x64(True):
        p = {
            k: jnp.asarray(np.asarray(v, np.float64)) for k, v in PROBLEM.params.items()
        }
        ref = float(PROBLEM.loss_fn(p))
    tol = 1e-12 if dtype == "float64" else 1e-6
    assert abs(float(J[0]) - ref) < tol * abs(ref)


@pytest.mark.parametrize(
    "method,dtype,eps",
    [("two_sided", "float64", 1e-3), ("two_sided", "float64", 1e-2),
     ("one_sided", "float64", 1e-4), ("one_sided", "float64", 1e-2),
     ("two_sided", "float32", 1e-1), ("one_sided", "float32", 1e-1)],
)  # fmt: skip
def test_curves_match_dlcore_numerical_grad(curves, method, dtype, eps):
    """Where truncation dominates, rounding differences do not matter: the
    curve must equal dlcore.gradcheck's (JAX) differences at the same ε."""
    i = int(np.argmin(np.abs(np.log10(curves.eps) - np.log10(eps))))
    assert curves.eps[i] == pytest.approx(eps)
    approx = gradcheck.numerical_grad(
        PROBLEM.loss_fn, PROBLEM.params, eps, method=method, dtype=dtype
    )
    ref = gradcheck.relative_error(approx, _exact_jax())
    rtol = 1e-4 if dtype == "float64" else 0.05
    assert curves.curve(method, dtype)[i] == pytest.approx(ref, rel=rtol)


def test_the_error_orders_and_the_bottom_of_the_u(curves):
    eps = curves.eps
    two64, one64 = (
        curves.curve("two_sided", "float64"),
        curves.curve("one_sided", "float64"),
    )
    assert fd.loglog_slope(eps, two64, 1e-4, 1e-2) == pytest.approx(2, abs=0.1)
    assert fd.loglog_slope(eps, one64, 1e-6, 1e-2) == pytest.approx(1, abs=0.1)
    assert fd.loglog_slope(eps, two64, 1e-12, 1e-9) == pytest.approx(-1, abs=0.3)
    best, err = fd.best_eps(eps, two64)
    assert 1e-6 <= best <= 1e-4 and err < 1e-9
    assert err == two64.min()


def test_float32_is_really_float32(curves):
    """In float32, θ + 1e-9 == θ for every entry of θ of ordinary size, so the
    one-sided difference is exactly 0 there: the relative error is 1."""
    theta = fd._flatten(PROBLEM.params, np.float32)[0]
    big = np.abs(theta) > 0.05
    assert np.all(theta[big] + np.float32(1e-9) == theta[big])
    i = int(np.argmin(np.abs(np.log10(curves.eps) + 9)))
    assert curves.curve("one_sided", "float32")[i] > 0.5
    assert curves.curve("one_sided", "float64")[i] < 1e-5
    assert min(curves.curve(m, "float32").min() for m in fd.METHODS) > 1e-5
    assert not jax.config.jax_enable_x64  # never left on globally
    assert jnp.zeros(1).dtype == jnp.float32


def test_loglog_slope_and_best_eps_on_exact_power_laws():
    eps = np.logspace(-6, -1, 21)
    assert fd.loglog_slope(eps, 3 * eps**2, 1e-6, 1e-1) == pytest.approx(2)
    assert fd.loglog_slope(eps, 1e-16 / eps, 1e-6, 1e-3) == pytest.approx(-1)
    u = 1e-16 / eps + eps**2
    assert fd.best_eps(eps, u)[0] == eps[np.argmin(u)]
    with pytest.raises(ValueError, match="at least 2 points"):
        fd.loglog_slope(eps, u, 1e-12, 1e-11)


@pytest.mark.parametrize("bug", ["dW2 without 1/m", "g′ at A1, not Z1", "forgot λ/m W"])
def test_dlcore_grad_check_points_at_each_planted_bug(bug):
    report = gradcheck.grad_check(
        PROBLEM.loss_fn, PROBLEM.params, fd.mlp_grad(PROBLEM, bug=bug)
    )
    blocks = fd.BUGS[bug][1]
    assert not report.passed and report.worst in blocks
    assert all(report.per_param[k] < 1e-7 for k in report.per_param if k not in blocks)
    # the NumPy differences used by the panel give the same numbers
    per, overall = fd.block_errors(fd.two_sided(PROBLEM), fd.mlp_grad(PROBLEM, bug=bug))
    assert overall == pytest.approx(report.rel_error, rel=1e-5)
    for k in blocks:
        assert per[k] == pytest.approx(report.per_param[k], rel=1e-5)


def test_no_bug_passes_and_every_bug_is_found():
    approx = fd.two_sided(PROBLEM)
    for bug, (_, blocks) in fd.BUGS.items():
        per, overall = fd.block_errors(approx, fd.mlp_grad(PROBLEM, bug=bug))
        if not blocks:
            assert overall < 1e-7
        else:
            assert overall > 1e-3 and max(per, key=per.get) in blocks


def test_dropout_fresh_masks_fail_and_a_fixed_mask_passes():
    for kp in (0.5, 0.8):
        fresh = fd.block_errors(*fd.dropout_check(PROBLEM, kp, fresh=True))[1]
        fixed = fd.block_errors(*fd.dropout_check(PROBLEM, kp, fresh=False))[1]
        assert fresh > 0.5 and fixed < 1e-7
    ones = fd.block_errors(*fd.dropout_check(PROBLEM, 1.0, fresh=True))[1]
    assert ones < 1e-7


def test_dropout_gradient_equals_jax_grad_with_the_same_mask():
    masks = fd.dropout_masks(PROBLEM, 0.7, 1, seed=3)
    assert abs(np.mean(np.concatenate([m.ravel() for m in masks])) - 0.7) < 0.2
    X, Y = np.asarray(PROBLEM.X, np.float64), np.asarray(PROBLEM.Y, np.float64)

    def J(p):
        A = X
        for l in (1, 2):
            A = jnp.tanh(p[f"W{l}"] @ A + p[f"b{l}"]) * masks[l - 1][0] / 0.7
        Z = p["W3"] @ A + p["b3"]
        data = jnp.mean(jnp.logaddexp(0.0, Z) - Y * Z)
        reg = sum(jnp.sum(p[f"W{l}"] ** 2) for l in (1, 2, 3))
        return data + PROBLEM.config.lambd / (2 * X.shape[1]) * reg

    with jax.enable_x64(True):
        p64 = {
            k: jnp.asarray(np.asarray(v, np.float64)) for k, v in PROBLEM.params.items()
        }
        ref = {k: np.asarray(v) for k, v in jax.grad(J)(p64).items()}
    assert gradcheck.relative_error(fd.mlp_grad(PROBLEM, masks, 0.7), ref) < 1e-12


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="bug"):
        fd.mlp_grad(PROBLEM, bug="typo")
    with pytest.raises(ValueError, match="keep_prob"):
        fd.dropout_check(PROBLEM, 0.0, fresh=True)
    with pytest.raises(ValueError, match="eps"):
        fd.eps_curves(PROBLEM, [1e-3, 2.0])
    with pytest.raises(ValueError, match="eps"):
        fd.two_sided(PROBLEM, 0.0)


# --- reading the result ------------------------------------------------------------


def test_verdict_bands():
    assert fd.verdict(1e-9) == "great"
    assert fd.verdict(fd.GREAT) == "check carefully"
    assert fd.verdict(1e-5) == "check carefully"
    assert fd.verdict(fd.BUG) == "check carefully"
    assert fd.verdict(0.5) == "bug?"
    assert fd.verdict(float("nan")) == "not finite"
    assert fd.verdict(float("inf")) == "not finite"


def test_error_at_is_exact_on_a_power_law_and_floors_zeros():
    eps = np.logspace(-10, -2, 9)
    err = 3.0 * eps**2  # a straight line in log-log
    for e in (1e-9, 3.3e-6, 1e-2):
        assert fd.error_at(eps, err, e) == pytest.approx(3.0 * e**2, rel=1e-9)
    assert fd.error_at(eps, np.zeros(9), 1e-5, floor=1e-16) == pytest.approx(1e-16)


def test_bug_table_is_the_check_against_each_planted_bug():
    problem = fd.demo_problem(0)
    approx, table = fd.bug_table(problem)
    assert set(table) == set(fd.BUGS)
    exact = jax.tree.map(np.asarray, fd.mlp_grad(problem))
    per, overall = table["none"]
    assert overall < fd.GREAT
    for bug in fd.BUGS:
        want = gradcheck.relative_error(approx, fd.mlp_grad(problem, bug=bug))
        assert table[bug][1] == pytest.approx(float(want), rel=1e-9)
    assert set(per) == set(exact)
