"""Tests for dlcore.demos.optimizers (and data.make_temperature): closed forms and a
hand loop over dlcore.optim as oracles."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore import optim
from dlcore.compiles import count_compiles
from dlcore.data import make_temperature
from dlcore.demos.optimizers import (
    OPTIMIZERS,
    SURFACES,
    PathHyper,
    Surface,
    beale,
    contour_levels,
    elongated_quadratic,
    grid,
    optimizer_paths,
    rosenbrock,
    saddle,
)
from dlcore.schedules import SCHEDULES, make_schedule

# --- make_temperature ---------------------------------------------------------


def test_temperature_shape_dtype_and_determinism():
    key = jax.random.key(0)
    theta = make_temperature(key)
    assert theta.shape == (365,) and theta.dtype == jnp.float32
    np.testing.assert_array_equal(theta, make_temperature(key))
    assert not np.array_equal(theta, make_temperature(jax.random.key(1)))
    assert make_temperature(key, days=30).shape == (30,)


def test_temperature_without_noise_is_the_seasonal_formula():
    d = np.arange(1, 366)
    expected = 52 - 13 * np.cos(2 * np.pi * (d - 15) / 365)
    got = make_temperature(jax.random.key(0), noise=0.0)
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert int(np.argmin(got)) + 1 == 15  # coldest mid-January


def test_temperature_noise_has_the_requested_std():
    key = jax.random.key(3)
    theta = np.asarray(make_temperature(key, days=20_000, noise=4.0))
    season = np.asarray(make_temperature(key, days=20_000, noise=0.0))
    resid = theta - season
    assert abs(resid.mean()) < 0.1  # σ/√n ≈ 0.03
    assert resid.std() == pytest.approx(4.0, rel=0.03)


@pytest.mark.parametrize(
    "kwargs, err",
    [
        ({"days": 0}, ValueError),
        ({"noise": -1.0}, ValueError),
        ({"days": 2.5}, TypeError),
    ],
)
def test_temperature_rejects_bad_arguments(kwargs, err):
    with pytest.raises(err):
        make_temperature(jax.random.key(0), **kwargs)
    with pytest.raises(TypeError, match="key"):
        make_temperature(None)


# --- surfaces ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SURFACES))
def test_minimum_is_a_stationary_point_with_value_f_min(name):
    s = SURFACES[name]
    theta = jnp.asarray(s.minimum, dtype=jnp.float32)
    assert float(s(theta)) == pytest.approx(s.f_min, abs=1e-6)
    np.testing.assert_allclose(jax.grad(s.f)(theta), 0.0, atol=1e-5)
    for lim in (s.xlim, s.ylim):
        assert lim[0] < lim[1]
    assert s.xlim[0] <= s.start[0] <= s.xlim[1]
    assert s.ylim[0] <= s.start[1] <= s.ylim[1]


def test_formulas_at_a_point():
    x, y = 0.7, -1.3
    th = jnp.array([x, y])
    assert float(elongated_quadratic(4.0)(th)) == pytest.approx(0.5 * (x**2 + 4 * y**2))
    assert float(rosenbrock()(th)) == pytest.approx(
        (1 - x) ** 2 + 100 * (y - x**2) ** 2
    )
    assert float(saddle()(th)) == pytest.approx(x**2 - y**2 + 0.5 * y**4, rel=1e-6)
    assert float(saddle(bounded=False)(th)) == pytest.approx(x**2 - y**2)
    b = (
        (1.5 - x + x * y) ** 2
        + (2.25 - x + x * y**2) ** 2
        + (2.625 - x + x * y**3) ** 2
    )
    assert float(beale()(th)) == pytest.approx(b, rel=1e-6)


def test_factories_are_cached_so_jit_sees_one_static_surface():
    assert elongated_quadratic(10.0) is elongated_quadratic(10.0)
    assert elongated_quadratic(10.0) is not elongated_quadratic(20.0)
    assert saddle(True) is SURFACES["saddle"]
    with pytest.raises(ValueError, match="kappa"):
        elongated_quadratic(0.5)
    with pytest.raises(TypeError):
        saddle(bounded=1)


def test_grid_layout_matches_contour_convention():
    s = SURFACES["rosenbrock"]
    xs, ys, Z = grid(s, 7)
    assert xs.shape == (7,) and ys.shape == (7,) and Z.shape == (7, 7)
    assert float(xs[0]) == s.xlim[0] and float(ys[-1]) == s.ylim[1]
    i, j = 2, 5
    assert float(Z[i, j]) == pytest.approx(float(s(jnp.array([xs[j], ys[i]]))))


def test_contour_levels_are_sorted_distinct_and_above_the_minimum():
    s = SURFACES["beale"]
    _, _, Z = grid(s, 40)
    levels = contour_levels(Z, s.f_min, num=12)
    assert levels.shape == (12,)
    assert np.all(np.diff(levels) > 0) and levels[0] > s.f_min
    levels_inf = contour_levels(Z, -np.inf, num=5)
    assert np.all(np.diff(levels_inf) > 0)
    with pytest.raises(ValueError):
        contour_levels(np.full((3, 3), np.nan), 0.0)


# --- optimizer paths -------------------------------------------------------------


def hand_paths(surface, start, hp, num_steps, bias_correction, schedule):
    """Oracle: the four dlcore.optim optimizers stepped one by one in Python."""
    lr = make_schedule(schedule, hp.alpha, hp.decay_rate)
    opts = [
        optim.gd(lr),
        optim.momentum(lr, hp.beta),
        optim.rmsprop(lr, hp.beta, hp.eps),
        optim.adam(lr, hp.beta1, hp.beta2, hp.eps, bias_correction=bias_correction),
    ]
    grad = jax.jit(jax.grad(surface.f))
    out = []
    for opt in opts:
        theta = jnp.asarray(start, jnp.float32)
        state, path = opt.init(theta), [theta]
        for _ in range(num_steps):
            updates, state = opt.update(grad(theta), state)
            theta = optim.apply_updates(theta, updates)
            path.append(theta)
        out.append(np.stack(path))
    return np.stack(out)


@pytest.mark.parametrize(
    "name, schedule, bias_correction",
    [
        ("quadratic", "constant", True),
        ("rosenbrock", "inverse_time", False),
        ("saddle", "exponential", True),
        ("beale", "staircase", False),
        ("quadratic", "inverse_sqrt", False),
    ],
)
def test_paths_match_a_hand_loop_over_dlcore_optim(name, schedule, bias_correction):
    s = SURFACES[name]
    hp = PathHyper(alpha=s.alpha, beta=0.8, beta1=0.85, beta2=0.99, eps=1e-6,
                   decay_rate=0.5)  # fmt: skip
    out = optimizer_paths(
        s, s.start, hp, num_steps=30, bias_correction=bias_correction, schedule=schedule
    )
    want = hand_paths(s, s.start, hp, 30, bias_correction, schedule)
    assert out.theta.shape == (4, 31, 2) and out.loss.shape == (4, 31)
    np.testing.assert_allclose(out.theta, want, rtol=2e-4, atol=2e-5)
    loss = jax.vmap(jax.vmap(s.f))(jnp.asarray(want))
    np.testing.assert_allclose(out.loss, loss, rtol=1e-3, atol=1e-5)
    alphas = make_schedule(schedule, hp.alpha, hp.decay_rate)(jnp.arange(30))
    np.testing.assert_allclose(out.alpha, alphas, rtol=1e-6)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.15])
def test_gd_on_the_quadratic_follows_the_closed_form(alpha):
    """θ_t = (I − αA)^t θ_0 with A = diag(1, κ)."""
    kappa, theta0 = 10.0, np.array([-2.6, 1.5])
    A = np.diag([1.0, kappa])
    out = optimizer_paths(
        elongated_quadratic(kappa), theta0, PathHyper(alpha=alpha), num_steps=40
    )
    M = np.eye(2) - alpha * A
    want = np.stack([np.linalg.matrix_power(M, t) @ theta0 for t in range(41)])
    np.testing.assert_allclose(out.theta[0], want, rtol=1e-4, atol=1e-6)
    assert OPTIMIZERS[0] == "gd"


def test_moving_any_knob_never_recompiles():
    s = SURFACES["beale"]
    optimizer_paths(s, s.start, PathHyper(), num_steps=50)  # compile once
    with count_compiles() as c:
        for i, sched in enumerate(SCHEDULES):
            hp = PathHyper(alpha=10.0 ** -(i + 1), beta=0.1 * i, beta1=0.5, beta2=0.9,
                           eps=10.0 ** -i, decay_rate=0.2 * (i + 1))  # fmt: skip
            for start in [(0.5, 0.5 * i), np.array([1.0, -1.0]), jnp.array([2.0, 0.0])]:
                out = optimizer_paths(s, start, hp, num_steps=50, schedule=sched,
                                      bias_correction=bool(i % 2))  # fmt: skip
                np.asarray(out.theta)
    assert c.count == 0


def test_divergence_propagates_as_non_finite():
    s = SURFACES["quadratic"]
    out = optimizer_paths(s, s.start, PathHyper(alpha=5.0), num_steps=200)
    gd = np.asarray(out.theta[0])
    finite = np.isfinite(gd).all(axis=1)
    assert finite[0] and not finite[-1]
    first_bad = int(np.argmin(finite))
    assert not finite[first_bad:].any()  # once broken, it stays broken
    assert not np.isfinite(np.asarray(out.loss[0, -1]))


def test_unbounded_saddle_runs_away():
    s = saddle(bounded=False)
    out = optimizer_paths(s, (0.0, 0.01), PathHyper(alpha=0.1), num_steps=200)
    assert abs(float(out.theta[0, 50, 1])) > 10  # gd escapes along y, forever


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"schedule": "cosine"}, ValueError, "schedule"),
        ({"hp": PathHyper(alpha=0.0)}, ValueError, "alpha"),
        ({"hp": PathHyper(beta1=1.0)}, ValueError, "beta1"),
        ({"hp": {"alpha": 0.1}}, TypeError, "PathHyper"),
        ({"num_steps": 0}, ValueError, "num_steps"),
        ({"bias_correction": 1}, TypeError, "bias_correction"),
        ({"start": (1.0, 2.0, 3.0)}, ValueError, "start"),
    ],
)
def test_bad_arguments_are_named(kwargs, err, match):
    args = {"start": (0.0, 0.0), **kwargs}
    start = args.pop("start")
    with pytest.raises(err, match=match):
        optimizer_paths(SURFACES["quadratic"], start, **args)
    with pytest.raises(TypeError, match="Surface"):
        optimizer_paths("quadratic", (0.0, 0.0))
    assert isinstance(SURFACES["quadratic"], Surface)


def test_a_family_of_surfaces_shares_one_compilation():
    family = (elongated_quadratic(3.0), rosenbrock(0.5), saddle(False), beale())
    for s in family:  # same numbers as the one-surface program
        one = optimizer_paths(s, s.start, PathHyper(alpha=s.alpha), num_steps=20)
        shared = optimizer_paths(
            s, s.start, PathHyper(alpha=s.alpha), num_steps=20, surfaces=family
        )
        np.testing.assert_allclose(shared.theta, one.theta, rtol=1e-5, atol=1e-6)
    with count_compiles() as c:
        for s in family:  # switching surface inside the family: no compile
            out = optimizer_paths(s, (0.3, 0.2), num_steps=20, surfaces=family)
            np.asarray(out.theta)
    assert c.count == 0
    with pytest.raises(ValueError, match="must contain"):
        optimizer_paths(SURFACES["quadratic"], (0.0, 0.0), surfaces=family)
