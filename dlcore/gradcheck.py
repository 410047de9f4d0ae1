"""Gradient checking: compare backprop's dθ with a numerical dθ_approx.

All parameters W1, b1, ..., gamma1, beta1, ... are reshaped and concatenated
into one long vector θ, and J(θ) is the cost as a function of that vector.
For each component i, with e_i the i-th unit vector::

    dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε)          ε = 1e-7

and the check compares the two vectors with a scale-free relative error::

    error = ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂)

Rules of thumb from the notes: error < 1e-7 is great; around 1e-5 look
carefully; > 1e-3 there is almost surely a bug. Then look at which block
(W1, db2, ...) has the largest error to find where the bug is.

Grad check is a debugging tool: run it once, not during training, and with
dropout turned off (keep_prob = 1), because dropout makes J random.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore._checks import (
    check_array,
    check_choice,
    check_finite,
    check_key,
    check_range,
    is_concrete,
)

__all__ = [
    "DropoutWarning",
    "GradCheckReport",
    "check_model",
    "grad_check",
    "numerical_grad",
    "relative_error",
]

_CHUNK = 256  # perturbation directions evaluated together in one vmap
_GREAT, _BUG = 1e-7, 1e-3  # the notes' bands


class DropoutWarning(UserWarning):
    """The loss is random (dropout on), so grad check is meaningless."""


def relative_error(a, b) -> float:
    """‖a − b‖₂ / (‖a‖₂ + ‖b‖₂), computed in float64; 0.0 when both are zero.

    ``a`` and ``b`` are arrays, or dicts of arrays with the same keys and shapes
    (all blocks are then concatenated, as θ is). Raises ``TypeError`` for
    None or non-real entries, ``ValueError`` for different sizes.
    """
    a, b = _flat("a", a), _flat("b", b)
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must have the same number of entries, got {a.size} and {b.size}"
        )
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def _flat(name: str, x) -> np.ndarray:
    if x is None:
        raise TypeError(f"{name} must be an array or a dict of arrays, got None")
    leaves = jax.tree.leaves(x)
    for v in leaves:
        check_array(name, v)
    leaves = [np.ravel(np.asarray(v, dtype=np.float64)) for v in leaves]
    return np.concatenate(leaves) if leaves else np.zeros(0)


def numerical_grad(loss_fn, params, eps=1e-7, *, method="two_sided", dtype=jnp.float64):
    """dθ_approx by finite differences, as a dict shaped like ``params``.

    two_sided: dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε), error O(ε²)
    one_sided: dθ_approx[i] = (J(θ + ε e_i) − J(θ)) / ε,             error O(ε)

    ``loss_fn`` maps a params dict to the scalar cost J. The computation runs
    in ``dtype``: float64 by default (x64 is switched on only inside this call).
    float32 is there to *show* why that matters: with ε = 1e-7 a float32 θ + ε
    is rounded by about as much as ε itself, and dθ_approx is mostly noise.

    The n perturbed copies of θ are evaluated in chunks of 256 with
    ``jax.vmap``, so only a 256 × n slice of the identity ever exists.
    Returns NumPy arrays, so float64 results stay float64 after the call.
    """
    _check_loss_fn(loss_fn)
    check_range("eps", eps, 0, 1, lo_closed=False, hi_closed=False)
    check_choice("method", method, ("two_sided", "one_sided"))
    dtype = np.dtype(dtype)
    check_choice("dtype", dtype.name, ("float64", "float32"))
    _check_params(params)
    eps = float(eps)

    # θ: every block reshaped to a column and stacked, in the dict's order.
    shapes = {k: np.shape(v) for k, v in params.items()}
    θ = np.concatenate([np.ravel(np.asarray(v, dtype)) for v in params.values()])
    n, size = θ.size, min(_CHUNK, θ.size)
    offsets = np.cumsum([0, *(math.prod(s) for s in shapes.values())])

    def unravel(θ):  # θ -> {"W1": ..., "b1": ...}, for NumPy or traced θ
        return {
            k: θ[offsets[i] : offsets[i + 1]].reshape(s)
            for i, (k, s) in enumerate(shapes.items())
        }

    def J(θ):
        return jnp.reshape(loss_fn(unravel(θ)), ())  # the cost must be a scalar

    def chunk(θ, start):  # dθ_approx[start : start + size]
        # Unit vectors e_i as rows; rows past n are all zero and dropped below.
        E = eps * jax.nn.one_hot(start + jnp.arange(size), n, dtype=θ.dtype)
        if method == "one_sided":  # rows θ + ε e_i, then θ itself
            J_rows = jax.vmap(J)(jnp.concatenate([θ + E, θ[None]]))
            return (J_rows[:size] - J_rows[size]) / eps
        J_rows = jax.vmap(J)(jnp.concatenate([θ + E, θ - E]))
        return (J_rows[:size] - J_rows[size:]) / (2 * eps)

    @jax.jit
    def all_chunks(θ):
        return jax.lax.map(lambda s: chunk(θ, s), jnp.arange(0, n, size)).ravel()

    with jax.enable_x64(dtype == np.float64):
        dθ_approx = np.asarray(all_chunks(θ))[:n]
    return unravel(dθ_approx)


class GradCheckReport(NamedTuple):
    """Result of :func:`grad_check`; ``print(report)`` shows a small table."""

    rel_error: float  # over all of θ
    per_param: dict[str, float]  # the same formula on each block alone
    worst: str  # block with the largest relative error
    passed: bool  # rel_error < threshold
    threshold: float
    eps: float
    sizes: dict[str, int]  # entries per block

    def summary(self) -> str:
        lines = [
            f"Gradient check (two-sided, ε = {self.eps:g}, float64)",
            f"  {'block':<10}{'size':>8}  rel. error",
        ]
        for name, err in self.per_param.items():
            mark = "   <- largest" if name == self.worst else ""
            lines.append(f"  {name:<10}{self.sizes[name]:>8}  {err:.1e}{mark}")
        total = sum(self.sizes.values())
        lines.append(f"  {'overall':<10}{total:>8}  {self.rel_error:.1e}")
        if self.rel_error < _GREAT:
            verdict = "great (< 1e-7)"
        elif self.rel_error <= _BUG:
            verdict = "check carefully (between 1e-7 and 1e-3)"
        else:
            verdict = "likely a bug (> 1e-3)"
        outcome = "PASSED" if self.passed else "FAILED"
        lines.append(
            f"Verdict: {verdict}; largest error in {self.worst}: "
            f"{self.per_param[self.worst]:.1e}. "
            f"{outcome} (threshold {self.threshold:g})"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def grad_check(
    loss_fn, params, grads, eps=1e-7, *, config=None, threshold=1e-7
) -> GradCheckReport:
    """Compare backprop's ``grads`` (dθ) with two-sided differences (dθ_approx).

    error = ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂), over all of θ and
    per block. ``passed`` means error < ``threshold`` (1e-7: "great").

    Always computed in float64, whatever the dtype of ``params``. float32 keeps
    about 7 significant digits, so with ε = 1e-7 both θ + ε e_i and the tiny
    difference J(θ + ε e_i) − J(θ − ε e_i) ≈ 2ε·dθ[i] are swamped by round-off:
    a float32 dθ_approx is mostly noise. ``params`` and ``grads`` are cast to
    float64 and ``loss_fn`` is re-run (re-traced, if jitted) on float64 inputs.
    The check can still be no better than the precision in which ``grads``
    itself was computed: float32 backprop alone gives errors of about 5e-8.
    So ``grads`` may also be a *function* ``params -> grads`` (your backward
    pass); it is then evaluated on the float64 params, inside the check.

    Dropout makes J random, so grad check needs keep_prob = 1. A
    :class:`DropoutWarning` is issued if ``config`` (object or dict) has a
    truthy ``dropout`` and ``keep_prob`` < 1, or if two evaluations of J(θ)
    disagree.
    """
    _check_loss_fn(loss_fn)
    check_range("eps", eps, 0, 1, lo_closed=False, hi_closed=False)
    check_range("threshold", threshold, 0, None, lo_closed=False)
    _check_params(params)
    if config is not None:
        _warn_if_dropout(config)

    with jax.enable_x64(True):
        params64 = _cast(params, np.float64)
        if callable(grads):
            grads = {k: np.asarray(v) for k, v in grads(params64).items()}
        J1 = _scalar_loss(loss_fn, params64)
        J2 = _scalar_loss(loss_fn, params64)
    _check_grads(grads, params)
    if not np.isfinite(J1):
        raise ValueError(
            f"loss_fn(params) is {J1}; the loss at θ must be finite to check gradients"
        )
    if J1 != J2:
        warnings.warn(
            f"loss_fn is not deterministic: J(θ) was {J1!r} and then {J2!r}. "
            "If dropout is on, J changes at every evaluation and grad check is "
            "meaningless; run it with keep_prob = 1.",
            DropoutWarning,
            stacklevel=2,
        )

    dθ_approx = numerical_grad(loss_fn, params, eps)
    dθ = {k: np.asarray(grads[k], dtype=np.float64) for k in dθ_approx}
    per_param = {k: relative_error(dθ_approx[k], dθ[k]) for k in dθ_approx}
    rel_error = relative_error(dθ_approx, dθ)
    return GradCheckReport(
        rel_error=rel_error,
        per_param=per_param,
        worst=max(per_param, key=per_param.get),
        passed=bool(rel_error < threshold),
        threshold=float(threshold),
        eps=float(eps),
        sizes={k: int(v.size) for k, v in dθ_approx.items()},
    )


def _cast(params, dtype):
    return {k: jnp.asarray(np.asarray(v, dtype)) for k, v in params.items()}


def _check_params(params):
    if not isinstance(params, Mapping) or not params:
        raise TypeError(
            "params must be a non-empty dict of float arrays such as "
            f"{{'W1': ..., 'b1': ...}}, got {type(params).__name__}"
            + (" (empty)" if isinstance(params, Mapping) else "")
        )
    for k, v in params.items():
        check_array(f"params[{k!r}]", v, floating=True)
        check_finite(f"params[{k!r}]", v)


def _check_loss_fn(loss_fn):
    if not callable(loss_fn):
        raise TypeError(
            "loss_fn must be callable (a function params -> J), got "
            f"{type(loss_fn).__name__}"
        )


def _check_grads(grads, params):
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict like params, got {type(grads).__name__}")
    missing = [k for k in params if k not in grads]
    extra = [k for k in grads if k not in params]
    if missing:
        raise ValueError(f"grads is missing key(s) {missing} that params has")
    if extra:
        raise ValueError(f"grads has extra key(s) {extra} that params does not have")
    for k, v in params.items():
        check_array(f"grads[{k!r}]", grads[k], floating=True, shape=np.shape(v))
        check_finite(f"grads[{k!r}]", grads[k])


def _scalar_loss(loss_fn, params) -> float:
    J = loss_fn(params)
    if np.size(J) != 1:
        raise ValueError(
            f"loss_fn must return a scalar cost J, got shape {tuple(np.shape(J))}"
        )
    return float(np.asarray(J).reshape(()))


def _warn_if_dropout(config):
    def get(name, default):
        if isinstance(config, Mapping):
            return config.get(name, default)
        return getattr(config, name, default)

    dropout, keep_prob = get("dropout", False), get("keep_prob", 1.0)
    if not (is_concrete(dropout) and is_concrete(keep_prob)):
        return
    if isinstance(dropout, (tuple, list)):  # one flag per layer
        dropout = any(dropout)
    keep_prob = np.asarray(keep_prob, dtype=np.float64)
    if dropout and keep_prob.size and keep_prob.min() < 1:
        warnings.warn(
            f"dropout is on (keep_prob = {keep_prob.min():g}): it makes J random "
            "across evaluations, so dθ_approx is meaningless. Grad check must run "
            "with keep_prob = 1: turn dropout off, check, then turn it back on.",
            DropoutWarning,
            stacklevel=3,
        )


def check_model(
    params,
    X,
    Y,
    config,
    *,
    backward=None,
    key=None,
    eps=1e-7,
    threshold=1e-7,
) -> GradCheckReport:
    """Grad-check an MLP's backward pass in one call, entirely in float64.

    J is ``dlcore.model.loss`` and dθ comes from ``backward(AL, Y, caches,
    config, params)``, by default the hand-written ``dlcore.model.backward``.
    Pass your own ``backward`` to check it (a notebook plants a bug this way).
    ``X``, ``Y`` and ``params`` are cast to float64 inside the check.

    With dropout in ``config``, pass ``key``: its one mask is used for every
    evaluation, and a :class:`DropoutWarning` still reminds you to check
    with keep_prob = 1.

    Raises:
        ValueError: dropout in ``config`` and no ``key`` (randomness is never
            drawn from a hidden default key).
    """
    from dlcore import model

    model.check_config(config)
    check_array("X", X, ndim=2, floating=True)
    check_finite("X", X)
    check_array("Y", Y, ndim=2)
    check_finite("Y", Y)
    if backward is not None and not callable(backward):
        raise TypeError(
            "backward must be callable like dlcore.model.backward, got "
            f"{type(backward).__name__}"
        )
    if key is not None:
        check_key("key", key)
    backward = model.backward if backward is None else backward
    if key is None and config.uses_dropout:
        raise ValueError(
            "config uses dropout (keep_prob < 1): pass key=jax.random.key(...), "
            "whose one mask is used for every evaluation of J"
        )

    def data(p):
        dtype = p["W1"].dtype
        return jnp.asarray(X, dtype), jnp.asarray(Y, dtype)

    def loss_fn(p):
        X64, Y64 = data(p)
        return model.loss(p, X64, Y64, config, key=key)

    def grads_fn(p):
        X64, Y64 = data(p)
        AL, caches, _ = model.forward(p, X64, config, key=key)
        return backward(AL, Y64, caches, config, p)

    return grad_check(
        loss_fn, params, grads_fn, eps, config=config, threshold=threshold
    )
