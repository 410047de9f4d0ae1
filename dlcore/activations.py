"""Activation functions g(z) and their derivatives g'(z).

All functions act element-wise on ``Z`` of any shape, except ``softmax``, which
normalises over the class axis 0 of a ``(C, m)`` array (one column per example).

The derivatives are what the hand-written backward pass uses:
``dZ = dA * g'(Z)``. At the kink of relu / leaky relu (z = 0) we use the
derivative from the right-hand side's complement, ``g'(0) = 0`` (resp. ``slope``),
which is also what ``jax.grad`` returns for these definitions.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from dlcore._checks import check_choice

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


def sigmoid(Z):
    """σ(z) = 1 / (1 + e^{-z}), computed without overflow for large |z|."""
    return jax.nn.sigmoid(Z)


def sigmoid_grad(Z):
    """σ'(z) = σ(z)(1 − σ(z)); at most 1/4 (at z = 0)."""
    s = sigmoid(Z)
    return s * (1.0 - s)


def tanh(Z):
    """tanh(z) = (e^z − e^{-z}) / (e^z + e^{-z})."""
    return jnp.tanh(Z)


def tanh_grad(Z):
    """tanh'(z) = 1 − tanh(z)²; at most 1 (at z = 0)."""
    t = jnp.tanh(Z)
    return 1.0 - t * t


def relu(Z):
    """relu(z) = max(0, z)."""
    return jnp.where(Z > 0, Z, jnp.zeros_like(Z))


def relu_grad(Z):
    """relu'(z) = 1 if z > 0 else 0."""
    return (Z > 0).astype(Z.dtype)


def leaky_relu(Z, slope: float = 0.01):
    """leaky_relu(z) = z if z > 0 else slope·z."""
    return jnp.where(Z > 0, Z, slope * Z)


def leaky_relu_grad(Z, slope: float = 0.01):
    """leaky_relu'(z) = 1 if z > 0 else slope."""
    return jnp.where(Z > 0, jnp.ones_like(Z), jnp.full_like(Z, slope))


def linear(Z):
    """linear(z) = z (the identity, e.g. for a regression output)."""
    return Z


def linear_grad(Z):
    """linear'(z) = 1."""
    return jnp.ones_like(Z)


def softmax(Z, axis: int = 0):
    """Softmax over the class axis: a_i = e^{z_i} / Σ_j e^{z_j}.

    ``Z`` has shape ``(C, m)``. Subtracting the column maximum first leaves the
    result unchanged (it cancels between numerator and denominator) but keeps
    every exponent ≤ 0, so logits of ±1000 do not overflow.
    """
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
