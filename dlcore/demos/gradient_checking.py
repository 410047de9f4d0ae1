"""Finite differences under the microscope: the ε U-curve, planted bugs, dropout.

Notebook 05 (gradient checking) uses three computations from here:

* :func:`eps_curves`: the relative error of a whole gradient check as a
  function of ε, for the one-sided and the two-sided difference and in
  float32 and float64. For every ε on a grid::

      one-sided:  dθ_approx[i] = (J(θ + ε e_i) − J(θ)) / ε           truncation O(ε)
      two-sided:  dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε) truncation O(ε²)

      error(ε) = ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂)

  with dθ = jax.grad(J) in float64. Large ε: the Taylor terms that the
  difference ignores dominate (truncation). Small ε: J(θ ± ε e_i) agree in
  almost every digit, and the rounding error of J, about u·|J| with u the
  unit round-off (1.1e-16 in float64, 6e-8 in float32), divided by ε wins
  (round-off, growing like 1/ε). In between lies the bottom of a U.
* :func:`mlp_grad`: the lecture's backward pass for the demo MLP, exact or
  with one bug planted on purpose (:data:`BUGS`), so the per-block report of
  :func:`dlcore.gradcheck.grad_check` can point at it.
* :func:`dropout_check`: a gradient check of a net with dropout in which
  every evaluation of J draws a new mask (the false alarm), or all share one.

The demo net is small, so everything here is vectorised NumPy: nothing is
compiled (the first panel of the notebook appears at once), and a float32
curve really perturbs a float32 θ by a float32 ε and evaluates J in float32
(NumPy keeps float32 arithmetic in float32), with no global x64 switch.
The results are tested against :mod:`dlcore.gradcheck` and ``jax.grad``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from dlcore import gradcheck, model
from dlcore._checks import (
    check_array,
    check_bool,
    check_choice,
    check_int,
    check_range,
    check_real,
)

__all__ = [
    "BUG",
    "BUGS",
    "DTYPES",
    "EPS_GRID",
    "GREAT",
    "METHODS",
    "DemoProblem",
    "EpsCurves",
    "best_eps",
    "block_errors",
    "bug_table",
    "demo_problem",
    "dropout_check",
    "dropout_masks",
    "eps_curves",
    "error_at",
    "loglog_slope",
    "mlp_costs",
    "mlp_grad",
    "two_sided",
    "verdict",
]

METHODS = ("one_sided", "two_sided")
DTYPES = ("float32", "float64")
EPS_GRID = np.logspace(-12, -1, 89)  # 8 points per decade, 1e-12 .. 1e-1

# name -> (what is wrong, the blocks it corrupts)
BUGS = {
    "none": ("no bug: the lecture's backward pass", ()),
    "dW2 without 1/m": ("dW2 = dZ2 A1ᵀ, the 1/m is missing", ("W2",)),
    "dW2 transposed": ("dW2 = (1/m) A1 dZ2ᵀ, the transpose of the right term", ("W2",)),
    "db3 sign flipped": ("db3 = −(1/m) Σ dZ3", ("b3",)),
    "g′ at A1, not Z1": (
        "dZ1 = dA1 ⊙ g′(A1) instead of g′(Z1)",
        ("W1", "b1"),
    ),
    "forgot λ/m W": (
        "the L2 term (λ/m) W is missing from every dW",
        ("W1", "W2", "W3"),
    ),
}


class DemoProblem(NamedTuple):
    """A small tanh network with a sigmoid output on 2-D points (float32).

    ``loss_fn(params)`` is J (cross-entropy + L2), computed in the dtype of
    ``params`` (X and Y are cast to it).
    """

    params: dict
    X: np.ndarray  # (2, m)
    Y: np.ndarray  # (1, m)
    config: model.MLPConfig
    loss_fn: object  # params -> J


def _make_loss(X, Y, config):
    def loss_fn(params):
        dtype = params["W1"].dtype
        return model.loss(params, jnp.asarray(X, dtype), jnp.asarray(Y, dtype), config)

    return loss_fn


def _check_problem(problem) -> None:
    if not isinstance(problem, DemoProblem):
        raise TypeError(
            "problem must be a DemoProblem from demo_problem(...), got "
            f"{type(problem).__name__}"
        )


def _check_curve(eps, err) -> None:
    """eps and err: real 1-D arrays of one length >= 1."""
    check_array("eps", eps, ndim=1)
    check_array("err", err, shape=(np.shape(eps)[0],))
    if np.size(eps) == 0:
        raise ValueError("eps must hold at least one value, got an empty array")


def demo_problem(
    seed: int = 0, layer_dims=(2, 4, 4, 1), m: int = 12, lambd: float = 0.1
) -> DemoProblem:
    """A [2, 4, 4, 1] tanh net with random weights AND biases (NumPy draws).

    The middle layer is square (W2 is 4 × 4), so a transposed dW2 has the
    right shape and only the gradient check can catch it. Biases are not
    zero, so every block has a gradient of ordinary size.
    """
    seed = check_int("seed", seed, lo=0)
    if isinstance(layer_dims, (str, bytes)) or not hasattr(layer_dims, "__len__"):
        raise TypeError(
            f"layer_dims must be a list of integers, got {type(layer_dims).__name__}"
        )
    if len(layer_dims) < 2:
        raise ValueError(f"layer_dims must list at least 2 sizes, got {layer_dims}")
    for i, n in enumerate(layer_dims):
        check_int(f"layer_dims[{i}]", n, lo=1)
    m = check_int("m", m, lo=1)
    check_range("lambd", lambd, 0.0, None)
    rng = np.random.default_rng(seed)
    config = model.MLPConfig(tuple(layer_dims), hidden="tanh", lambd=lambd)
    params = {}
    for l in range(1, config.L + 1):
        n, n_prev = config.layer_dims[l], config.layer_dims[l - 1]
        W = rng.standard_normal((n, n_prev)) * np.sqrt(2.0 / n_prev)
        params[f"W{l}"] = jnp.asarray(W, jnp.float32)
        params[f"b{l}"] = jnp.asarray(0.3 * rng.standard_normal((n, 1)), jnp.float32)
    X = rng.standard_normal((config.layer_dims[0], m)).astype(np.float32)
    Y = (rng.random((1, m)) < 0.5).astype(np.float32)
    return DemoProblem(params, X, Y, config, _make_loss(X, Y, config))


# ---------------------------------------------------------------------------
# The ε U-curve (NumPy: no compilation, and float32 really is float32)
# ---------------------------------------------------------------------------


class EpsCurves(NamedTuple):
    """``errors[method][dtype]``: relative error at every ``eps`` (shape (k,))."""

    eps: np.ndarray
    errors: dict
    n: int  # number of entries of θ

    def curve(self, method: str, dtype: str) -> np.ndarray:
        return self.errors[method][dtype]


def _flatten(params: dict, dtype) -> tuple[np.ndarray, list]:
    keys = list(params)
    theta = np.concatenate([np.ravel(np.asarray(params[k], dtype)) for k in keys])
    return theta, [(k, np.shape(params[k])) for k in keys]


def _unflatten_batch(thetas: np.ndarray, layout) -> dict:
    """(B, n) rows -> {"W1": (B, n1, n0), ...}."""
    out, i = {}, 0
    for k, shape in layout:
        size = int(np.prod(shape))
        out[k] = thetas[:, i : i + size].reshape((thetas.shape[0], *shape))
        i += size
    return out


def mlp_costs(thetas, layout, X, Y, lambd, L: int, masks=None, keep_prob=1.0):
    """J for a batch of parameter vectors ``thetas`` (B, n), in their dtype.

    The net of :func:`demo_problem`: tanh hidden layers, a sigmoid output,
    J = (1/m) Σ [log(1 + e^z) − y z] + (λ/2m) Σ_l ‖W{l}‖²_F. ``masks``: one
    (B or 1, n[l], m) dropout mask per hidden layer (inverted dropout).
    """
    check_array("thetas", thetas, ndim=2, floating=True)
    if not isinstance(layout, (list, tuple)):
        raise TypeError(
            "layout must be the list of (name, shape) pairs of the flattened "
            f"params, got {type(layout).__name__}"
        )
    check_array("X", X, ndim=2)
    check_array("Y", Y, shape=(1, np.shape(X)[1]))
    check_range("lambd", lambd, 0.0, None)
    L = check_int("L", L, lo=1)
    check_range("keep_prob", keep_prob, 0.0, 1.0, lo_closed=False)
    dt = thetas.dtype
    p = _unflatten_batch(thetas, layout)
    A = np.broadcast_to(np.asarray(X, dt), (thetas.shape[0], *np.shape(X)))
    m = np.shape(X)[1]
    for l in range(1, L + 1):
        Z = p[f"W{l}"] @ A + p[f"b{l}"]
        if l < L:
            A = np.tanh(Z)
            if masks is not None:
                A = A * masks[l - 1] / dt.type(keep_prob)
    y = np.asarray(Y, dt)
    data = np.mean(np.logaddexp(dt.type(0), Z) - y * Z, axis=(1, 2))
    reg = sum(np.sum(p[f"W{l}"] ** 2, axis=(1, 2)) for l in range(1, L + 1))
    return data + dt.type(lambd / (2 * m)) * reg


def mlp_grad(problem: DemoProblem, masks=None, keep_prob=1.0, *, bug="none") -> dict:
    """dθ of :func:`mlp_costs` at ``problem.params`` in float64, by the
    lecture's backward formulas (with the dropout masks if given).

    From dZ{L} = A{L} − Y, for l = L..1::

        dW{l} = (1/m) dZ{l} A{l-1}ᵀ + (λ/m) W{l}     db{l} = (1/m) Σ_i dZ{l}
        dZ{l-1} = W{l}ᵀ dZ{l} ⊙ g′(Z{l-1})

    ``bug`` plants one mistake from :data:`BUGS` ("none": exact gradient).
    """
    _check_problem(problem)
    check_range("keep_prob", keep_prob, 0.0, 1.0, lo_closed=False)
    if masks is not None and not isinstance(masks, (list, tuple)):
        raise TypeError(
            "masks must be None or a list of one mask per hidden layer, got "
            f"{type(masks).__name__}"
        )
    check_choice("bug", bug, BUGS)
    cfg, L = problem.config, problem.config.L
    p = {k: np.asarray(v, np.float64) for k, v in problem.params.items()}
    X, Y = np.asarray(problem.X, np.float64), np.asarray(problem.Y, np.float64)
    m = X.shape[1]
    As, A = [X], X
    for l in range(1, L + 1):
        Z = p[f"W{l}"] @ A + p[f"b{l}"]
        if l < L:
            A = np.tanh(Z)
            if masks is not None:
                A = A * masks[l - 1][0] / keep_prob
            As.append(A)
    dZ = 1 / (1 + np.exp(-Z)) - Y
    grads = {}
    for l in range(L, 0, -1):
        dW = dZ @ As[l - 1].T
        dW = dW if (l == 2 and bug == "dW2 without 1/m") else dW / m
        if l == 2 and bug == "dW2 transposed":
            dW = dW.T
        if bug != "forgot λ/m W":
            dW = dW + cfg.lambd / m * p[f"W{l}"]
        db = dZ.sum(axis=1, keepdims=True) / m
        if l == 3 and bug == "db3 sign flipped":
            db = -db
        grads[f"W{l}"], grads[f"b{l}"] = dW, db
        if l > 1:
            dA = p[f"W{l}"].T @ dZ
            if masks is not None:
                dA = dA * masks[l - 2][0] / keep_prob
            Z_prev = p[f"W{l - 1}"] @ As[l - 2] + p[f"b{l - 1}"]
            if l == 2 and bug == "g′ at A1, not Z1":
                Z_prev = np.tanh(Z_prev)  # g′ evaluated at A, not at Z
            dZ = dA * (1 - np.tanh(Z_prev) ** 2)
    return {k: grads[k] for k in problem.params}


def _differences(problem, eps, dtype, masks=None, keep_prob=1.0, center_masks=None):
    """(one-sided, two-sided) dθ_approx for each ε: two (k, n) arrays in ``dtype``."""
    dt = np.dtype(dtype)
    theta, layout = _flatten(problem.params, dt)
    n, L = theta.size, problem.config.L
    eps = np.asarray(eps, dt)[:, None, None]  # (k, 1, 1), rounded to dtype
    steps = (eps * np.eye(n, dtype=dt)).reshape(-1, n)  # row (j, i): ε_j e_i
    k = eps.shape[0]

    def J(rows, mk=masks):
        return mlp_costs(
            rows, layout, problem.X, problem.Y, problem.config.lambd, L, mk, keep_prob
        )

    plus = J(theta + steps).reshape(k, n)
    minus = J(theta - steps, center_masks if center_masks is not None else masks)
    minus = minus.reshape(k, n)
    center = J(theta[None], None if masks is None else [mk[:1] for mk in masks])[0]
    eps = eps[:, :, 0]
    return (plus - center) / eps, (plus - minus) / (dt.type(2) * eps)


def eps_curves(problem: DemoProblem, eps=EPS_GRID) -> EpsCurves:
    """The gradient check's relative error for every ε, method and dtype.

    For each dtype, θ, ε and every evaluation of J are in that dtype (NumPy
    keeps float32 arithmetic in float32); dθ is :func:`mlp_grad` in float64.
    The whole grid is a few vectorised NumPy calls: nothing is compiled.
    """
    _check_problem(problem)
    check_array("eps", eps, ndim=1)
    eps = np.asarray(eps, dtype=np.float64)
    check_range("eps", eps, 0, 1, lo_closed=False, hi_closed=False)
    exact = _flatten(mlp_grad(problem), np.float64)[0]
    errors = {m: {} for m in METHODS}
    for dtype in DTYPES:
        both = _differences(problem, eps, dtype)
        for method, approx in zip(METHODS, both, strict=True):
            errors[method][dtype] = _rel_rows(approx.astype(np.float64), exact)
    return EpsCurves(eps, errors, int(exact.size))


def _rel_rows(approx, exact) -> np.ndarray:
    """Relative error of every row of ``approx`` (k, n) against ``exact`` (n,)."""
    num = np.linalg.norm(approx - exact, axis=1)
    den = np.linalg.norm(approx, axis=1) + np.linalg.norm(exact)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, 0.0)


def loglog_slope(eps, err, lo: float, hi: float) -> float:
    """Least-squares slope of log10(err) against log10(ε) for lo ≤ ε ≤ hi.

    The order of the error: about 1 for one-sided and 2 for two-sided
    differences where truncation dominates, about −1 where round-off does.
    """
    _check_curve(eps, err)
    check_range("lo", lo, 0.0, None, lo_closed=False)
    check_range("hi", hi, lo, None)
    eps, err = np.asarray(eps, np.float64), np.asarray(err, np.float64)
    sel = (eps >= lo) & (eps <= hi) & (err > 0) & np.isfinite(err)
    if sel.sum() < 2:
        raise ValueError(f"need at least 2 points with ε in [{lo:g}, {hi:g}]")
    return float(np.polyfit(np.log10(eps[sel]), np.log10(err[sel]), 1)[0])


def best_eps(eps, err) -> tuple[float, float]:
    """(ε, error) at the bottom of a U-curve.

    Raises:
        TypeError / ValueError: ``eps`` and ``err`` not real 1-D arrays of one
        length, or ``err`` with no number at all (only NaN).
    """
    _check_curve(eps, err)
    if np.isnan(np.asarray(err, np.float64)).all():
        raise ValueError("err holds only NaN: the curve has no bottom")
    i = int(np.nanargmin(err))
    return float(eps[i]), float(err[i])


# ---------------------------------------------------------------------------
# Dropout: a random J
# ---------------------------------------------------------------------------


def dropout_masks(problem: DemoProblem, keep_prob, count: int, seed) -> list:
    """``count`` independent inverted-dropout masks per hidden layer:
    a list of (count, n[l], m) float64 arrays with entries U(0, 1) < keep_prob."""
    _check_problem(problem)
    check_range("keep_prob", keep_prob, 0.0, 1.0, lo_closed=False)
    count = check_int("count", count, lo=1)
    seed = check_int("seed", seed, lo=0)
    rng = np.random.default_rng(seed)
    m, dims = problem.X.shape[1], problem.config.layer_dims
    return [
        (rng.random((count, dims[l], m)) < keep_prob).astype(np.float64)
        for l in range(1, problem.config.L)
    ]


def dropout_check(problem: DemoProblem, keep_prob, *, fresh: bool, seed=0, eps=1e-7):
    """Grad-check ``problem``'s net with dropout on every hidden layer (float64).

    ``fresh=True``: each of the 2n evaluations J(θ ± ε e_i) draws new dropout
    masks (what happens if dropout simply stays on during the check).
    ``fresh=False``: all of them use the one mask that backprop used, so J is
    a fixed function again. dθ is the exact gradient for that mask
    (:func:`mlp_grad`). Returns ``(dθ_approx, dθ)``, dicts shaped like params.
    """
    _check_problem(problem)
    check_range("keep_prob", keep_prob, 0.0, 1.0, lo_closed=False)
    check_bool("fresh", fresh)
    check_int("seed", seed, lo=0)
    check_range("eps", eps, 0, 1, lo_closed=False, hi_closed=False)
    n = _flatten(problem.params, np.float64)[0].size
    if fresh:
        masks = dropout_masks(problem, keep_prob, 2 * n + 1, seed)
        used = [mk[:1] for mk in masks]  # backprop's mask
        plus_m, minus_m = [mk[1 : n + 1] for mk in masks], [mk[n + 1 :] for mk in masks]
    else:
        used = dropout_masks(problem, keep_prob, 1, seed)
        plus_m = minus_m = used
    _, two = _differences(problem, [eps], np.float64, plus_m, keep_prob, minus_m)
    layout = _flatten(problem.params, np.float64)[1]
    approx = {k: v[0] for k, v in _unflatten_batch(two, layout).items()}
    return approx, mlp_grad(problem, used, keep_prob)


def two_sided(problem: DemoProblem, eps=1e-7) -> dict:
    """dθ_approx of the grad check (two-sided, float64) as a dict like params."""
    _check_problem(problem)
    check_range("eps", eps, 0, 1, lo_closed=False, hi_closed=False)
    _, two = _differences(problem, [eps], np.float64)
    layout = _flatten(problem.params, np.float64)[1]
    return {k: v[0] for k, v in _unflatten_batch(two, layout).items()}


def block_errors(approx: dict, grads: dict) -> tuple[dict, float]:
    """Per-block and overall relative errors, as in :mod:`dlcore.gradcheck`:
    ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂), blocks in ``approx``'s order.

    Raises TypeError when ``approx`` or ``grads`` is not a dict, ValueError
    when ``grads`` lacks a block of ``approx``."""
    for name, d in (("approx", approx), ("grads", grads)):
        if not isinstance(d, dict):
            raise TypeError(f"{name} must be a dict of arrays, got {type(d).__name__}")
    missing = [k for k in approx if k not in grads]
    if missing:
        raise ValueError(f"grads is missing the block(s) {missing} of approx")
    per = {k: gradcheck.relative_error(approx[k], grads[k]) for k in approx}
    return per, gradcheck.relative_error(approx, {k: grads[k] for k in approx})


# ---------------------------------------------------------------------------
# Reading the result: the notes' bands, errors at any ε, the planted bugs
# ---------------------------------------------------------------------------

GREAT, BUG = 1e-7, 1e-3  # the notes' bands of the relative error


def verdict(err: float) -> str:
    """The notes' reading of a relative error of the gradient check.

    Arguments:
        err: the relative error ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂).

    Returns:
        "great" below GREAT = 1e-7, "check carefully" up to BUG = 1e-3,
        "bug?" above, "not finite" for NaN or inf.

    Raises:
        TypeError: ``err`` is not a real number.
    """
    check_real("err", err)
    if np.ndim(err) != 0:
        raise TypeError(f"err must be one number, got shape {np.shape(err)}")
    if not np.isfinite(err):
        return "not finite"
    if err < GREAT:
        return "great"
    if err <= BUG:
        return "check carefully"
    return "bug?"


def error_at(eps_grid, err, eps, floor: float = 1e-16) -> float:
    """An error curve at any ε, interpolated linearly in log-log.

    log10 err(ε) is interpolated linearly in log10 ε between the grid points
    (held constant beyond the ends); errors below ``floor`` count as
    ``floor`` (an exact 0 has no logarithm).

    Arguments:
        eps_grid: (k,) increasing ε values (e.g. ``EpsCurves.eps``).
        err: (k,) errors at them.
        eps: where to read the curve, > 0.
        floor: the smallest error, > 0.

    Returns:
        The interpolated error, a float.
    """
    check_array("eps_grid", eps_grid, ndim=1)
    check_array("err", err, shape=(np.shape(eps_grid)[0],))
    if np.size(eps_grid) == 0:
        raise ValueError("eps_grid must hold at least one value, got an empty array")
    check_range("eps_grid", eps_grid, 0.0, None, lo_closed=False)
    check_range("eps", eps, 0.0, None, lo_closed=False)
    check_range("floor", floor, 0.0, None, lo_closed=False)
    x = np.log10(eps_grid)
    return float(10 ** np.interp(np.log10(eps), x, np.log10(np.maximum(err, floor))))


def bug_table(problem: DemoProblem, eps=1e-7) -> tuple[dict, dict]:
    """The check against every planted bug of ``BUGS``, at one ε.

    dθ_approx is :func:`two_sided` (float64) once; each bug's dθ is
    :func:`mlp_grad` with that bug.

    Arguments:
        problem: a :class:`DemoProblem`.
        eps: the step ε in (0, 1).

    Returns:
        ``(approx, table)``: dθ_approx as a dict like params, and
        ``{bug: (per_block, overall)}`` from :func:`block_errors`.

    Raises:
        ValueError: ``eps`` outside (0, 1).
    """
    _check_problem(problem)
    approx = two_sided(problem, eps)
    table = {b: block_errors(approx, mlp_grad(problem, bug=b)) for b in BUGS}
    return approx, table
