"""Costs J and the gradients the hand-written backward pass starts from.

Labels ``Y`` are ``(1, m)`` (binary, or real targets for mse) or one-hot
``(C, m)``. Every cost is an average over the m examples.

The ``*_from_logits`` versions take the pre-activation ``Z`` of the output
layer. They are the numerically stable way to compute the same number and are
what ``dlcore.model.loss`` differentiates.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from dlcore._checks import (
    check_array,
    check_int,
    check_params,
    check_range,
    check_real,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_from_logits",
    "cross_entropy",
    "l1_grad",
    "l1_penalty",
    "l2_grad",
    "l2_penalty",
    "mse",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
    "weight_names",
]


def _check_pair(A, Y, name="AL"):
    check_array(name, A, ndim=2)
    check_array("Y", Y, ndim=2)
    if A.shape != Y.shape:
        raise ValueError(
            f"{name} and Y must have the same shape, got {tuple(A.shape)} "
            f"and {tuple(Y.shape)}"
        )


def binary_cross_entropy(AL, Y, clip: float = 1e-7):
    """J = −(1/m) Σ_i [y log a + (1 − y) log(1 − a)], with a = AL ∈ (0, 1).

    ``a`` is clipped to [clip, 1 − clip] so that a saturated sigmoid gives a
    large finite cost rather than inf. Prefer the ``_from_logits`` version in
    training code. The gradient the lecture uses is dZ = A − Y (per example).
    """
    _check_pair(AL, Y)
    check_range("clip", clip, 0.0, 0.5, lo_closed=False, hi_closed=False)
    a = jnp.clip(AL, clip, 1.0 - clip)
    return -jnp.mean(jnp.sum(Y * jnp.log(a) + (1 - Y) * jnp.log1p(-a), axis=0))


def binary_cross_entropy_from_logits(Z, Y):
    """The same J from Z, where a = σ(z).

    Uses −log σ(z) = softplus(−z) and −log(1 − σ(z)) = softplus(z), which
    never overflow or take log(0).
    """
    _check_pair(Z, Y, "Z")
    per = Y * jax.nn.softplus(-Z) + (1 - Y) * jax.nn.softplus(Z)
    return jnp.mean(jnp.sum(per, axis=0))


def cross_entropy(A, Y, clip: float = 1e-12):
    """J = −(1/m) Σ_i Σ_k y_k log a_k, with A = softmax output ``(C, m)``."""
    _check_pair(A, Y, "A")
    check_range("clip", clip, 0.0, 1.0, lo_closed=False, hi_closed=False)
    return -jnp.mean(jnp.sum(Y * jnp.log(jnp.clip(A, clip, 1.0)), axis=0))


def softmax_cross_entropy(Z, Y):
    """J = −(1/m) Σ_i Σ_k y_k log softmax(z)_k, stable for logits of ±1000.

    log softmax(z)_k = (z_k − max z) − log Σ_j e^{z_j − max z}: the shift keeps
    every exponent ≤ 0, so nothing overflows and the log never sees 0.
    """
    _check_pair(Z, Y, "Z")
    Zs = Z - jax.lax.stop_gradient(jnp.max(Z, axis=0, keepdims=True))
    log_a = Zs - jnp.log(jnp.sum(jnp.exp(Zs), axis=0, keepdims=True))
    return -jnp.mean(jnp.sum(Y * log_a, axis=0))


def softmax_cross_entropy_backward(Z, Y):
    """dZ = A − Y, with A = softmax(Z): the per-example gradient ``(C, m)``.

    The cost's gradient is (A − Y)/m; the hand backward divides by m in dW, db.
    """
    from dlcore.activations import softmax

    _check_pair(Z, Y, "Z")
    return softmax(Z) - Y


def mse(AL, Y):
    """J = (1/2m) Σ_i ‖a(i) − y(i)‖²; with a linear output, dZ = A − Y."""
    _check_pair(AL, Y)
    return 0.5 * jnp.mean(jnp.sum((AL - Y) ** 2, axis=0))


# -------------------------------------------------------- regularisation ---
def weight_names(params: dict) -> list[str]:
    """The keys of the weight matrices W1..WL (biases, γ and β are excluded)."""
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict such as {{'W1': ..., 'b1': ...}}, "
            f"got {type(params).__name__}"
        )
    return sorted(
        (k for k in params if k.startswith("W") and k[1:].isdigit()),
        key=lambda k: int(k[1:]),
    )


def l2_penalty(params: dict, lambd, m: int):
    """(λ / 2m) Σ_l ‖W{l}‖_F². Biases (and BN's γ, β) are not penalised.

    ``lambd`` is a finite λ >= 0 (may be traced), ``m`` an integer >= 1.
    """
    check_params("params", params)
    check_range("lambd", lambd, 0.0, None)
    m = check_int("m", m, lo=1)
    total = sum(jnp.sum(jnp.square(params[k])) for k in weight_names(params))
    return lambd / (2.0 * m) * total


def l2_grad(W, lambd, m: int):
    """∂/∂W of the L2 term: (λ/m) W. It is added to dW once, nowhere else."""
    check_real("W", W)
    check_range("lambd", lambd, 0.0, None)
    m = check_int("m", m, lo=1)
    return (lambd / m) * W


def l1_penalty(params: dict, lambd, m: int):
    """(λ / 2m) Σ_l Σ |W{l}|, the lecture's L1 form (drives weights to 0).

    ``lambd`` is a finite λ >= 0 (may be traced), ``m`` an integer >= 1.
    """
    check_params("params", params)
    check_range("lambd", lambd, 0.0, None)
    m = check_int("m", m, lo=1)
    total = sum(jnp.sum(jnp.abs(params[k])) for k in weight_names(params))
    return lambd / (2.0 * m) * total


def l1_grad(W, lambd, m: int):
    """∂/∂W of the L1 term: (λ/2m) sign(W) (0 at W = 0, like jax.grad)."""
    check_real("W", W)
    check_range("lambd", lambd, 0.0, None)
    m = check_int("m", m, lo=1)
    return (lambd / (2.0 * m)) * jnp.sign(W)
