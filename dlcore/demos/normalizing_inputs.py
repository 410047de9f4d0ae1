"""Gradient descent on raw and on normalized inputs: the numerics of notebook 01.

Serves ``01_normalizing_inputs.ipynb`` and its panel
:func:`dlcore.live.panels.normalizing.normalizing_panel`.

A two-feature linear regression without bias,
J(w) = (1/2m) Σ_i (wᵀx^(i) − y^(i))², on the SAME data twice: the raw features
X (2, m), where feature 2 is measured in units that make its spread ``ratio``
times that of feature 1, and the normalized features (x − μ)/σ
(:class:`dlcore.data.Normalizer`, fit on that data). The raw features are
centred by construction, so normalizing only changes their scale.

J is quadratic with Hessian H = X Xᵀ/m (2×2), so everything has a closed form:
the eigenvalues λ_min ≤ λ_max of H, the condition number κ = λ_max/λ_min, and
gradient descent w ← w − α ∇J = w − α H (w − w*), which multiplies the error's
component along eigenvector i by (1 − α λ_i) at every step. With the default
α = 2/(λ_min + λ_max) the cost gap shrinks by exactly q² per step,
q = (κ − 1)/(κ + 1). ratio, rule and tol are traced arguments of ONE jitted
call (:func:`descend`, a single ``lax.scan`` for both costs): new values never
recompile.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore._checks import (
    check_array,
    check_finite,
    check_int,
    check_key,
    check_range,
    is_concrete,
)
from dlcore.data import Normalizer

__all__ = [
    "ELLIPSE_POINTS",
    "KINDS",
    "LEVELS",
    "NUM_STEPS",
    "RATIO_RANGE",
    "RULES",
    "START",
    "TOL",
    "W_TRUE",
    "Descent",
    "contour_ellipses",
    "descend",
    "hessian_eigs",
    "learning_rates",
    "make_data",
]

RATIO_RANGE = (1.0, 1000.0)  # σ₂/σ₁ of the raw features
NUM_STEPS = 1000  # GD steps in the scan
TOL = 1e-6  # converged: J − J* ≤ TOL · (J(w_0) − J*)
START = (-2.5, 1.5)  # w_0 − w*, in each cost's own weights
W_TRUE = (1.0, -0.7)  # y = W_TRUE · z + noise, z = the N(0, 1) draws behind x
LEVELS = np.geomspace(2e-4, 1.0, 7)  # contour levels, as fractions of J(w_0) − J*
ELLIPSE_POINTS = 181

RULES = {
    "best": "α = 2/(λmin + λmax) of each cost",
    "safe": "α = 1/λmax of each cost",
    "shared": "normalized cost's α for both",
}
_RULE_INDEX = {name: k for k, name in enumerate(RULES)}
KINDS = ("raw", "normalized")


def _check_ratio(ratio):
    check_range("ratio", ratio, *RATIO_RANGE)
    return ratio


def _draws(key, m: int) -> tuple[np.ndarray, np.ndarray]:
    """z (2, m) ~ N(0, 1) centred per row, and ε (m,) ~ N(0, 1), float32.

    Drawn by NumPy from the bits of the JAX key: nothing to compile (a
    jitted ``jax.random.normal`` costs seconds of compilation on a fresh
    kernel, and the first panel must appear at once). Same key, same draws.
    """
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel())
    z = rng.standard_normal((2, m))
    z -= z.mean(axis=1, keepdims=True)  # centred: no bias needed
    return z.astype(np.float32), rng.standard_normal(m).astype(np.float32)


def _data(z, eps, ratio, noise):
    X = jnp.stack([z[0], ratio * z[1]])
    y = jnp.asarray(W_TRUE, jnp.float32) @ z + noise * eps
    return X, (y - jnp.mean(y))[None, :]


def make_data(key, ratio: float = 10.0, m: int = 100, noise: float = 0.3):
    """Raw features X (2, m) and targets Y (1, m), float32, both centred.

    With z ~ N(0, 1) (2, m), centred per row: x₁ = z₁, x₂ = ratio · z₂ (the
    same quantity in ``ratio`` times smaller units), and
    y = W_TRUE · z + noise · ε, ε ~ N(0, 1), minus its mean. The same key gives
    the same z and ε for every ratio.

    Arguments:
        key: JAX PRNG key (its bits seed NumPy: nothing is compiled).
        ratio: σ₂/σ₁ in [1, 1000].
        m: number of examples, >= 3.
        noise: standard deviation of the target noise, >= 0.

    Returns:
        ``(X, Y)``: NumPy float32 arrays (2, m) and (1, m).

    Raises:
        TypeError: ``key`` is not a PRNG key or ``m`` not an integer.
        ValueError: ``ratio``, ``m`` or ``noise`` out of range.
    """
    key = check_key("key", key)
    _check_ratio(ratio)
    m = check_int("m", m, lo=3)
    check_range("noise", noise, 0, None)
    X, Y = _data(*_draws(key, m), ratio, noise)
    return np.asarray(X), np.asarray(Y)


def hessian_eigs(H):
    """Eigenvalues (λ_min, λ_max) of symmetric 2×2 matrices H (..., 2, 2).

    Closed form for [[a, b], [b, c]]: λ_max = (a + c)/2 + √(((a − c)/2)² + b²),
    and λ_min = (ac − b²)/λ_max (the determinant over λ_max, which keeps its
    precision when κ is huge).

    Arguments:
        H: array (..., 2, 2), symmetric positive definite.

    Returns:
        Array (..., 2): (λ_min, λ_max) of each matrix.
    """
    check_array("H", H, ndim=tuple(range(2, 8)))
    if tuple(np.shape(H)[-2:]) != (2, 2):
        raise ValueError(f"H must have shape (..., 2, 2), got {tuple(np.shape(H))}")
    a, b, c = H[..., 0, 0], H[..., 0, 1], H[..., 1, 1]
    lmax = 0.5 * (a + c) + jnp.sqrt((0.5 * (a - c)) ** 2 + b**2)
    return jnp.stack([(a * c - b * b) / lmax, lmax], axis=-1)


def learning_rates(lam, rule):
    """α for the (raw, normalized) costs, from their eigenvalues lam (2, 2).

    rule 0 ("best"): α = 2/(λ_min + λ_max), the constant step with the
    fastest guaranteed rate, q = (κ − 1)/(κ + 1).
    rule 1 ("safe"): α = 1/λ_max (no zig-zag; GD is stable for α < 2/λ_max).
    rule 2 ("shared"): the normalized cost's best α, for both costs.

    Arguments:
        lam: (2, 2) eigenvalues (λ_min, λ_max) of the raw and the normalized
            Hessian (:func:`hessian_eigs`).
        rule: 0, 1 or 2 (may be traced).

    Returns:
        Array (2,): α for the raw and for the normalized cost.
    """
    check_array("lam", lam, shape=(2, 2))
    if is_concrete(rule) and not hasattr(rule, "dtype"):  # a Python rule number
        check_int("rule", rule, lo=0, hi=2)
    best = 2.0 / (lam[:, 0] + lam[:, 1])
    safe = 1.0 / lam[:, 1]
    shared = jnp.full(2, best[1])
    return jnp.select([rule == 0, rule == 1], [best, safe], shared)


def contour_ellipses(H, levels=LEVELS, points: int = ELLIPSE_POINTS) -> np.ndarray:
    """Contour lines {d : ½ dᵀ H d = f · gap0} of a 2×2 Hessian H, float64.

    gap0 = ½ STARTᵀ H START is the cost gap at the start, so f = 1 is the
    contour through the start. With H = λ_max v vᵀ + λ_min u uᵀ, the line is
    d(θ) = √(2 f gap0) (v cos θ / √λ_max + u sin θ / √λ_min). NumPy (not jit):
    it only feeds the plot.

    Arguments:
        H: (2, 2) symmetric positive definite Hessian.
        levels: fractions f > 0 of the starting gap.
        points: points per ellipse.

    Returns:
        float64 array (len(levels), points, 2) of d = w − w* on each contour.
    """
    check_array("H", H, shape=(2, 2))
    check_finite("H", H)
    check_array("levels", levels, ndim=1)
    check_range("levels", levels, 0.0, None, lo_closed=False)
    points = check_int("points", points, lo=2)
    H = np.asarray(H, np.float64)
    a, b, c = H[0, 0], H[0, 1], H[1, 1]
    lmax = 0.5 * (a + c) + np.hypot(0.5 * (a - c), b)
    lmin = (a * c - b * b) / lmax
    phi = 0.5 * np.arctan2(2 * b, a - c)  # direction of λ_max's eigenvector
    v, u = np.array([np.cos(phi), np.sin(phi)]), np.array([-np.sin(phi), np.cos(phi)])
    theta = np.linspace(0.0, 2 * np.pi, points)[:, None]
    unit = v * np.cos(theta) / np.sqrt(lmax) + u * np.sin(theta) / np.sqrt(lmin)
    d0 = np.asarray(START)
    radius = np.sqrt(2.0 * np.asarray(levels) * (0.5 * d0 @ H @ d0))
    return radius[:, None, None] * unit[None]


class Descent(NamedTuple):
    """Gradient descent on the raw and the normalized cost; axis 0 = KINDS.

    X, X_norm: (2, m) raw and normalized features; Y: (1, m).
    H: (2, 2, 2) Hessians X Xᵀ/m. lam: (2, 2) their (λ_min, λ_max).
    w_star: (2, 2) minimisers. alpha: (2,) learning rates.
    path: (2, T + 1, 2) w_t − w* for t = 0..T (w_0 − w* = START).
    gap: (2, T + 1) (J(w_t) − J*) / (J(w_0) − J*), = ½ dᵀHd / ½ d_0ᵀHd_0.
    steps: (2,) int, the first t with gap ≤ tol; T + 1 if none within T.
    rate: (2,) max_i |1 − α λ_i|, the per-step factor of the error (≥ 1:
    diverges). rate_steps: (2,) ⌈ln tol / (2 ln rate)⌉ (inf if rate ≥ 1),
    the count the rate guarantees; equal to ``steps`` for the "best" rule.
    """

    X: jax.Array
    X_norm: jax.Array
    Y: jax.Array
    H: jax.Array
    lam: jax.Array
    w_star: jax.Array
    alpha: jax.Array
    path: jax.Array
    gap: jax.Array
    steps: jax.Array
    rate: jax.Array
    rate_steps: jax.Array


@functools.partial(jax.jit, static_argnames="num_steps")
def _descend(z, eps, ratio, rule, tol, noise, num_steps):
    X, Y = _data(z, eps, ratio, noise)
    m = X.shape[1]
    X_norm = Normalizer.fit(X).transform(X)
    Xs = jnp.stack([X, X_norm])  # (2, 2, m)
    H = jnp.einsum("kim,kjm->kij", Xs, Xs) / m
    g = jnp.einsum("kim,m->ki", Xs, Y[0]) / m  # X Yᵀ/m
    det = H[:, 0, 0] * H[:, 1, 1] - H[:, 0, 1] ** 2
    w_star = (
        jnp.stack(  # H⁻¹ g, 2×2 inverse
            [
                H[:, 1, 1] * g[:, 0] - H[:, 0, 1] * g[:, 1],
                H[:, 0, 0] * g[:, 1] - H[:, 0, 1] * g[:, 0],
            ],
            -1,
        )
        / det[:, None]
    )
    lam = hessian_eigs(H)
    alpha = learning_rates(lam, rule)

    def gap_of(d):
        return 0.5 * jnp.einsum("ki,kij,kj->k", d, H, d)

    def step(d, _):  # ∇J(w) = H (w − w*): exactly GD on J, in w − w*
        d = d - alpha[:, None] * jnp.einsum("kij,kj->ki", H, d)
        return d, (d, gap_of(d))

    d0 = jnp.broadcast_to(jnp.asarray(START, jnp.float32), (2, 2))
    gap0 = gap_of(d0)
    _, (ds, gaps) = jax.lax.scan(step, d0, None, length=num_steps)
    path = jnp.concatenate([d0[:, None], jnp.swapaxes(ds, 0, 1)], axis=1)
    gap = jnp.concatenate(
        [jnp.ones((2, 1)), jnp.swapaxes(gaps, 0, 1) / gap0[:, None]], 1
    )
    done = gap <= tol
    steps = jnp.where(done.any(axis=1), jnp.argmax(done, axis=1), num_steps + 1)
    # ln of the rate max_i |1 − α λ_i|: (κ − 1)/(κ + 1) for the best α and
    # 1 − 1/κ for α = 1/λ_max, written with log1p of 2/(κ + 1) and 1/κ
    # because 1 − α λ_i loses every digit in float32 once κ nears 10⁶. The
    # shared α is the normalized cost's best one.
    kappa = lam[:, 1] / lam[:, 0]
    direct = jnp.log(jnp.max(jnp.abs(1.0 - alpha[:, None] * lam), axis=1))
    used = jnp.stack([rule, jnp.where(rule == 2, 0, rule)])  # rule per cost
    log_rate = jnp.select(
        [used == 0, used == 1],
        [jnp.log1p(-2.0 / (kappa + 1.0)), jnp.log1p(-1.0 / kappa)],
        direct,
    )
    rate = jnp.exp(log_rate)
    rate_steps = jnp.where(
        log_rate < 0, jnp.ceil(jnp.log(tol) / (2 * log_rate)), jnp.inf
    )
    return Descent(
        X, X_norm, Y, H, lam, w_star, alpha, path, gap, steps, rate, rate_steps
    )


def descend(
    key,
    ratio: float,
    rule: str | int = "best",
    *,
    tol: float = TOL,
    noise: float = 0.3,
    m: int = 100,
    num_steps: int = NUM_STEPS,
) -> Descent:
    """GD on the raw and the normalized cost of :func:`make_data`, one jitted call.

    Both start at w* + START in their own weights and run ``num_steps`` steps
    of w ← w − α ∇J(w) with α from ``rule`` (a name of RULES or its index;
    see :func:`learning_rates`). ``ratio`` in [1, 1000], ``tol`` in (0, 1),
    ``rule`` and ``noise`` are traced: new values never recompile (only a new
    ``m`` or ``num_steps`` does).

    Arguments:
        key: JAX PRNG key of the data (see :func:`make_data`).
        ratio: σ₂/σ₁ in [1, 1000].
        rule: a name of ``RULES`` or its index.
        tol: converged when (J − J*)/(J(w_0) − J*) <= tol, in (0, 1).
        noise: target noise, >= 0.
        m: number of examples, >= 3.
        num_steps: gradient-descent steps T, >= 1.

    Returns:
        A :class:`Descent` of JAX arrays (axis 0: raw, normalized).

    Raises:
        TypeError: ``key`` is not a PRNG key, or ``m``/``num_steps``/``rule``
            not an integer.
        ValueError: an argument out of range or an unknown rule name.
    """
    key = check_key("key", key)
    _check_ratio(ratio)
    if isinstance(rule, str):
        if rule not in RULES:
            raise ValueError(
                f"unknown rule {rule!r}; choose one of: {', '.join(RULES)}"
            )
        rule = _RULE_INDEX[rule]
    rule = check_int("rule", rule, lo=0, hi=len(RULES) - 1)
    check_range("tol", tol, 0, 1, lo_closed=False, hi_closed=False)
    check_range("noise", noise, 0, None)
    m = check_int("m", m, lo=3)
    num_steps = check_int("num_steps", num_steps, lo=1)
    ratio, tol, noise = float(ratio), float(tol), float(noise)  # as the panel does
    return _descend(*_draws(key, m), ratio, rule, tol, noise, num_steps)
