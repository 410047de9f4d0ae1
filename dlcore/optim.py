"""Optimizers as pure functions: gradient descent, momentum, RMSprop, Adam, clipping.

Every optimizer is a :class:`GradientTransformation`, a pair of pure functions
with the same shape as in optax::

    opt = adam(learning_rate=1e-3)
    state = opt.init(params)                      # explicit optimizer state
    updates, state = opt.update(grads, state)     # updates = the step, e.g. -α·g
    params = apply_updates(params, updates)       # params + updates

``params``, ``grads`` and ``updates`` are pytrees with the same structure, e.g.
``{"W1": (n1, n0), "b1": (n1, 1), ...}``. ``updates`` is what gets *added* to
the parameters, so it already carries the minus sign.

Hyperparameters may be Python floats or traced JAX scalars: an optimizer can be
built inside ``jax.jit`` from slider values without recompiling when they move.
``learning_rate`` may also be a schedule, a function ``count -> α`` (see
:mod:`dlcore.schedules`), called with the number of updates done so far
(0 for the first update), as in optax.

The state of every optimizer carries ``count``, the number of updates done so
far (an int32 scalar). The update that performs step ``t`` sees ``count = t - 1``
and returns ``count = t``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from dlcore._checks import check_array, check_bool, check_range

__all__ = [
    "AdamState",
    "EmptyState",
    "GradientTransformation",
    "MomentumState",
    "RMSPropState",
    "ScaleState",
    "adam",
    "apply_updates",
    "chain",
    "clip_by_global_norm",
    "clip_by_value",
    "clip_grads_by_global_norm",
    "clip_grads_by_value",
    "gd",
    "global_norm",
    "momentum",
    "rmsprop",
    "sgd",
]


class GradientTransformation(NamedTuple):
    """An optimizer: ``init(params) -> state`` and
    ``update(grads, state, params=None) -> (updates, new_state)``."""

    init: Callable
    update: Callable


class EmptyState(NamedTuple):
    """State of a stateless transformation (the clipping transforms)."""


class ScaleState(NamedTuple):
    """State of :func:`gd`: only the update count."""

    count: jax.Array


class MomentumState(NamedTuple):
    """State of :func:`momentum`: ``v`` has the structure of the params."""

    count: jax.Array
    v: Any


class RMSPropState(NamedTuple):
    """State of :func:`rmsprop`: ``s`` has the structure of the params."""

    count: jax.Array
    s: Any


class AdamState(NamedTuple):
    """State of :func:`adam`: first moment ``v`` and second moment ``s``."""

    count: jax.Array
    v: Any
    s: Any


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------


def _check_tree(name: str, tree):
    """Check a pytree of real arrays (params, grads, updates); return it.

    Only dtypes are read, so traced trees pass and nothing recompiles.
    NaN entries are allowed: they show up in the result (a diverging run
    must be visible, not hidden).
    """
    if tree is None:
        raise TypeError(
            f"{name} must be a pytree of arrays such as {{'W1': ..., 'b1': ...}}, "
            "got None"
        )
    for leaf in jax.tree.leaves(tree):
        check_array(name, leaf)
    return tree


def _check_positive(name: str, value):
    return check_range(name, value, 0, math.inf, lo_closed=False, hi_closed=False)


def _check_learning_rate(learning_rate):
    """A schedule (callable) is accepted as is; a number must be in (0, inf)."""
    if not callable(learning_rate):
        _check_positive("learning_rate", learning_rate)
    return learning_rate


def _check_beta(name: str, beta):
    return check_range(name, beta, 0, 1, hi_closed=False)


def _check_eps(eps):
    return check_range("eps", eps, 0, math.inf, hi_closed=False)


def _lr_at(learning_rate, count):
    """The learning rate for the update that sees ``count``."""
    return learning_rate(count) if callable(learning_rate) else learning_rate


def _zero_count():
    return jnp.zeros([], dtype=jnp.int32)


def _zeros_like(params):
    return jax.tree.map(jnp.zeros_like, params)


def _ewa(average, new, beta):
    """``average ← β·average + (1 − β)·new`` on every leaf, keeping its dtype."""
    return jax.tree.map(
        lambda a, x: (beta * a + (1 - beta) * x).astype(a.dtype), average, new
    )


def _descent(lr, direction, grads):
    """``updates = −α·direction``, with the dtype of each gradient leaf."""
    return jax.tree.map(lambda d, g: (-lr * d).astype(g.dtype), direction, grads)


def apply_updates(params, updates):
    """Return ``params + updates`` leaf by leaf; each param keeps its dtype.

    ``params`` and ``updates`` are pytrees of real arrays with the same
    structure (``TypeError``/``ValueError`` otherwise).
    """
    _check_tree("params", params)
    _check_tree("updates", updates)
    if jax.tree.structure(params) != jax.tree.structure(updates):
        raise ValueError(
            "params and updates must have the same structure, got "
            f"{jax.tree.structure(params)} and {jax.tree.structure(updates)}"
        )
    return jax.tree.map(lambda p, u: (p + u).astype(p.dtype), params, updates)


# ----------------------------------------------------------------------------
# Optimizers
# ----------------------------------------------------------------------------


def gd(learning_rate) -> GradientTransformation:
    """Gradient descent: ``W ← W − α·dW``, i.e. ``updates = −α·g``.

    ``learning_rate`` (α > 0) is a number or a schedule ``count -> α``.
    optax: ``optax.sgd(α)``. PyTorch: ``torch.optim.SGD(lr=α)``.
    """
    _check_learning_rate(learning_rate)

    def init(params):
        _check_tree("params", params)
        return ScaleState(count=_zero_count())

    def update(grads, state, params=None):
        del params
        _check_tree("grads", grads)
        lr = _lr_at(learning_rate, state.count)
        return _descent(lr, grads, grads), ScaleState(count=state.count + 1)

    return GradientTransformation(init, update)


def sgd(learning_rate) -> GradientTransformation:
    """Stochastic gradient descent: the same rule as :func:`gd`, ``updates = −α·g``.

    The "stochastic" part is the caller's business: pass the gradient of a
    mini-batch (size 1 for the notes' SGD, size m for batch gradient descent).
    The optimizer itself never sees the data.
    """
    return gd(learning_rate)


def momentum(learning_rate, beta=0.9) -> GradientTransformation:
    """Gradient descent with momentum, in the notes' convention.

    On every leaf (``v`` has the shape of its parameter, starts at zeros)::

        v = β·v + (1 − β)·g
        updates = −α·v

    Other libraries drop the ``(1 − β)``: ``optax.sgd(lr, momentum=β)`` and
    ``torch.optim.SGD(lr=lr, momentum=β)`` keep ``v' = β·v' + g``, which equals
    ``v / (1 − β)``. So this optimizer equals ``optax.sgd(α·(1 − β), momentum=β)``
    and ``optax.chain(optax.ema(β, debias=False), optax.scale(-α))``.

    ``beta`` must be in [0, 1); ``beta = 0`` is plain gradient descent.
    """
    _check_learning_rate(learning_rate)
    _check_beta("beta", beta)

    def init(params):
        _check_tree("params", params)
        return MomentumState(count=_zero_count(), v=_zeros_like(params))

    def update(grads, state, params=None):
        del params
        _check_tree("grads", grads)
        v = _ewa(state.v, grads, beta)
        lr = _lr_at(learning_rate, state.count)
        return _descent(lr, v, grads), MomentumState(count=state.count + 1, v=v)

    return GradientTransformation(init, update)


def rmsprop(learning_rate, beta=0.9, eps=1e-8) -> GradientTransformation:
    """RMSprop, in the notes' convention (ε outside the square root).

    On every leaf (``s`` has the shape of its parameter, starts at zeros;
    squares, roots and divisions are element-wise)::

        s = β·s + (1 − β)·g²
        updates = −α·g / (√s + ε)

    optax: ``optax.rmsprop(α, decay=β, eps=ε, eps_in_sqrt=False)``; optax's
    default ``eps_in_sqrt=True`` computes ``g / √(s + ε)`` instead.
    PyTorch: ``torch.optim.RMSprop(lr=α, alpha=β, eps=ε)`` (ε outside too).

    ``beta`` must be in [0, 1) and ``eps`` >= 0. With ``eps = 0`` a gradient
    coordinate that has been exactly 0 so far gives ``0 / 0 = NaN``.
    """
    _check_learning_rate(learning_rate)
    _check_beta("beta", beta)
    _check_eps(eps)

    def init(params):
        _check_tree("params", params)
        return RMSPropState(count=_zero_count(), s=_zeros_like(params))

    def update(grads, state, params=None):
        del params
        _check_tree("grads", grads)
        s = _ewa(state.s, jax.tree.map(jnp.square, grads), beta)
        direction = jax.tree.map(lambda g, s: g / (jnp.sqrt(s) + eps), grads, s)
        lr = _lr_at(learning_rate, state.count)
        updates = _descent(lr, direction, grads)
        return updates, RMSPropState(count=state.count + 1, s=s)

    return GradientTransformation(init, update)


def adam(
    learning_rate,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    bias_correction: bool = True,
) -> GradientTransformation:
    """Adam: momentum and RMSprop together, with bias correction.

    On every leaf (``v`` and ``s`` start at zeros, operations are element-wise),
    with ``t = count + 1`` the number of this step::

        v = β1·v + (1 − β1)·g
        s = β2·s + (1 − β2)·g²
        v̂ = v / (1 − β1^t)
        ŝ = s / (1 − β2^t)
        updates = −α·v̂ / (√ŝ + ε)

    ``bias_correction=False`` (a Python bool) uses ``v̂ = v`` and ``ŝ = s``, to
    show why the correction is needed: the first steps are then too small
    (the first one by the factor ≈ (1 − β1)/√(1 − β2)).

    optax: ``optax.adam(α, b1=β1, b2=β2, eps=ε)`` (optax calls v, s ``mu``,
    ``nu``). PyTorch: ``torch.optim.Adam(lr=α, betas=(β1, β2), eps=ε)``.

    ``beta1`` and ``beta2`` must be in [0, 1) and ``eps`` >= 0. With ``eps = 0``
    a gradient coordinate that has been exactly 0 so far gives ``0 / 0 = NaN``.
    """
    _check_learning_rate(learning_rate)
    _check_beta("beta1", beta1)
    _check_beta("beta2", beta2)
    _check_eps(eps)
    bias_correction = check_bool("bias_correction", bias_correction)

    def init(params):
        _check_tree("params", params)
        return AdamState(
            count=_zero_count(), v=_zeros_like(params), s=_zeros_like(params)
        )

    def update(grads, state, params=None):
        del params
        _check_tree("grads", grads)
        t = state.count + 1
        v = _ewa(state.v, grads, beta1)
        s = _ewa(state.s, jax.tree.map(jnp.square, grads), beta2)
        if bias_correction:  # a Python bool: decided once, at trace time
            correction1, correction2 = 1 - beta1**t, 1 - beta2**t
            v_hat = jax.tree.map(lambda v: v / correction1, v)
            s_hat = jax.tree.map(lambda s: s / correction2, s)
        else:
            v_hat, s_hat = v, s
        direction = jax.tree.map(lambda v, s: v / (jnp.sqrt(s) + eps), v_hat, s_hat)
        lr = _lr_at(learning_rate, state.count)
        updates = _descent(lr, direction, grads)
        return updates, AdamState(count=t, v=v, s=s)

    return GradientTransformation(init, update)


# ----------------------------------------------------------------------------
# Gradient clipping
# ----------------------------------------------------------------------------


def global_norm(tree) -> jax.Array:
    """The L2 norm of all leaves together: ``√(Σ over leaves Σ x²)``."""
    _check_tree("tree", tree)
    leaves = jax.tree.leaves(tree)
    return jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in leaves))


def clip_grads_by_value(grads, clip_value):
    """Clip every gradient entry to ``[−c, c]``: ``g ← clip(g, −c, c)``.

    optax: ``optax.clip(c)``. ``clip_value`` (c) must be in (0, inf).
    """
    _check_positive("clip_value", clip_value)
    _check_tree("grads", grads)
    return jax.tree.map(
        lambda g: jnp.clip(g, -clip_value, clip_value).astype(g.dtype), grads
    )


def clip_grads_by_global_norm(grads, max_norm):
    """Rescale all gradients together so that their global norm is <= max_norm.

    ``g ← g · min(1, max_norm / ‖g‖)`` with ``‖g‖ = global_norm(grads)``,
    computed as ``max_norm / max(‖g‖, max_norm)`` so that a zero gradient
    never divides by zero. The direction of the step is unchanged.

    optax: ``optax.clip_by_global_norm(max_norm)``. PyTorch:
    ``torch.nn.utils.clip_grad_norm_`` (which adds 1e-6 to the norm).
    ``max_norm`` must be in (0, inf).
    """
    _check_positive("max_norm", max_norm)
    _check_tree("grads", grads)
    norm = global_norm(grads)
    scale = max_norm / jnp.maximum(norm, max_norm)
    return jax.tree.map(lambda g: (g * scale).astype(g.dtype), grads)


def _stateless(transform_grads) -> GradientTransformation:
    def init(params):
        del params
        return EmptyState()

    def update(grads, state, params=None):
        del params
        return transform_grads(grads), state

    return GradientTransformation(init, update)


def clip_by_value(clip_value) -> GradientTransformation:
    """:func:`clip_grads_by_value` as a transformation, to put in :func:`chain`."""
    _check_positive("clip_value", clip_value)
    return _stateless(lambda grads: clip_grads_by_value(grads, clip_value))


def clip_by_global_norm(max_norm) -> GradientTransformation:
    """:func:`clip_grads_by_global_norm` as a transformation, for :func:`chain`."""
    _check_positive("max_norm", max_norm)
    return _stateless(lambda grads: clip_grads_by_global_norm(grads, max_norm))


def chain(*transforms) -> GradientTransformation:
    """Apply transformations one after the other, like ``optax.chain``.

    ``chain(clip_by_global_norm(1.0), adam(1e-3))`` clips the gradients, then
    feeds them to Adam. The state is the tuple of the transforms' states.
    """
    for i, tr in enumerate(transforms):
        if not (
            callable(getattr(tr, "init", None))
            and callable(getattr(tr, "update", None))
        ):
            raise TypeError(
                f"transforms[{i}] must be a GradientTransformation "
                f"(with init and update), got {type(tr).__name__}"
            )

    def init(params):
        return tuple(tr.init(params) for tr in transforms)

    def update(grads, state, params=None):
        new_state = []
        for tr, tr_state in zip(transforms, state, strict=True):
            grads, tr_state = tr.update(grads, tr_state, params)
            new_state.append(tr_state)
        return grads, tuple(new_state)

    return GradientTransformation(init, update)
