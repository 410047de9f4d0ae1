"""Activation functions g(z) and their derivatives g'(z).

All functions act element-wise on ``Z`` of any shape, except ``softmax``, which
normalises over the class axis 0 of a ``(C, m)`` array (one column per example).

The derivatives are what the hand-written backward pass uses:
``dZ = dA * g'(Z)``. At the kink of relu / leaky relu (z = 0) we use the
derivative from the right-hand side's complement, ``g'(0) = 0`` (resp. ``slope``),
which is also what ``jax.grad`` returns for these definitions.

NaN never vanishes: every g and g' maps a NaN entry to NaN (a network that has
blown up shows NaN, not a normal-looking number). Each function checks that
``Z`` holds real numbers (``TypeError`` otherwise); only the dtype is read, so
the checks cost nothing under ``jax.jit``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from dlcore._checks import check_choice, check_int, check_range, check_real

__all__ = [
    "ACTIVATIONS",
    "get",
    "leaky_relu",
    "leaky_relu_grad",
    "linear",
    "linear_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "tanh",
    "tanh_grad",
]


def _float_array(Z):
    Z = jnp.asarray(check_real("Z", Z))
    return Z if jnp.issubdtype(Z.dtype, jnp.floating) else Z.astype(jnp.float32)


def _keep_nan(Z, g_prime):
    """``g_prime`` with NaN wherever ``Z`` is NaN."""
    return jnp.where(jnp.isnan(Z), Z, g_prime)


def sigmoid(Z):
    """σ(z) = 1 / (1 + e^{-z}), computed without overflow for large |z|."""
    return jax.nn.sigmoid(check_real("Z", Z))


def sigmoid_grad(Z):
    """σ'(z) = σ(z)(1 − σ(z)); at most 1/4 (at z = 0)."""
    s = sigmoid(Z)
    return s * (1.0 - s)


def tanh(Z):
    """tanh(z) = (e^z − e^{-z}) / (e^z + e^{-z})."""
    return jnp.tanh(check_real("Z", Z))


def tanh_grad(Z):
    """tanh'(z) = 1 − tanh(z)²; at most 1 (at z = 0)."""
    t = jnp.tanh(check_real("Z", Z))
    return 1.0 - t * t


def relu(Z):
    """relu(z) = max(0, z); relu(NaN) = NaN."""
    Z = jnp.asarray(check_real("Z", Z))
    # "z <= 0" is False for NaN, so NaN passes through (and g'(0) = 0).
    return jnp.where(Z <= 0, jnp.zeros_like(Z), Z)


def relu_grad(Z):
    """relu'(z) = 1 if z > 0 else 0; NaN stays NaN."""
    Z = _float_array(Z)
    return _keep_nan(Z, (Z > 0).astype(Z.dtype))


def leaky_relu(Z, slope: float = 0.01):
    """leaky_relu(z) = z if z > 0 else slope·z (slope a finite number)."""
    Z = jnp.asarray(check_real("Z", Z))
    check_range("slope", slope)
    return jnp.where(Z > 0, Z, slope * Z)


def leaky_relu_grad(Z, slope: float = 0.01):
    """leaky_relu'(z) = 1 if z > 0 else slope; NaN stays NaN."""
    Z = _float_array(Z)
    check_range("slope", slope)
    return _keep_nan(Z, jnp.where(Z > 0, jnp.ones_like(Z), jnp.full_like(Z, slope)))


def linear(Z):
    """linear(z) = z (the identity, e.g. for a regression output)."""
    return check_real("Z", Z)


def linear_grad(Z):
    """linear'(z) = 1; NaN stays NaN."""
    Z = _float_array(Z)
    return _keep_nan(Z, jnp.ones_like(Z))


def softmax(Z, axis: int = 0):
    """Softmax over the class axis: a_i = e^{z_i} / Σ_j e^{z_j}.

    ``Z`` has shape ``(C, m)``. Subtracting the column maximum first leaves the
    result unchanged (it cancels between numerator and denominator) but keeps
    every exponent ≤ 0, so logits of ±1000 do not overflow. ``axis`` is an
    integer axis of ``Z``.
    """
    Z = jnp.asarray(check_real("Z", Z))
    axis = check_int("axis", axis, lo=-max(Z.ndim, 1), hi=max(Z.ndim, 1) - 1)
    Z_shift = Z - jax.lax.stop_gradient(jnp.max(Z, axis=axis, keepdims=True))
    e = jnp.exp(Z_shift)
    return e / jnp.sum(e, axis=axis, keepdims=True)


# name -> (g, g'). softmax has no element-wise derivative: it is only used as
# an output layer, where the loss gives dZ = A − Y directly.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "linear": (linear, linear_grad),
    "softmax": (softmax, None),
}


def get(name: str):
    """Return ``(g, g_prime)`` for an activation name."""
    check_choice("activation", name, ACTIVATIONS)
    return ACTIVATIONS[name]
