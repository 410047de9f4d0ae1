"""Layers as pure functions: dense, inverted dropout, batch normalisation.

Shapes follow the lecture: activations are ``(n, m)`` with one column per
example. Each ``*_forward`` returns what its ``*_backward`` needs (a mask or a
cache), and layers with running state take it in and give the new one back.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from dlcore._checks import (
    check_array,
    check_bool,
    check_float_dtype,
    check_int,
    check_key,
    check_range,
    check_real,
)

__all__ = [
    "BNCache",
    "BNState",
    "batchnorm_backward",
    "batchnorm_forward",
    "bn_init_state",
    "dense_backward",
    "dense_forward",
    "dropout_backward",
    "dropout_forward",
]


# ---------------------------------------------------------------- dense ----
def dense_forward(A_prev, W, b=None):
    """Z = W A_prev + b.

    A_prev: ``(n[l-1], m)``, W: ``(n[l], n[l-1])``, b: ``(n[l], 1)`` or None.
    Returns Z: ``(n[l], m)``.
    """
    check_array("A_prev", A_prev, ndim=2)
    check_array("W", W, ndim=2)
    if W.shape[1] != A_prev.shape[0]:
        raise ValueError(
            f"layer shapes don't chain: W has shape {tuple(W.shape)} so it "
            f"expects A_prev with {W.shape[1]} rows, got {tuple(A_prev.shape)}"
        )
    Z = W @ A_prev
    if b is not None:
        check_array("b", b, shape=(W.shape[0], 1))
        Z = Z + b
    return Z


def dense_backward(dZ, A_prev, W):
    """Backward of Z = W A_prev + b, the lecture's formulas.

    ``dZ`` is the per-example gradient (its columns are ∂L(i)/∂Z(i), so the
    cost gradient is dZ/m):

      dW = (1/m) dZ A_prevᵀ          (n[l], n[l-1])
      db = (1/m) Σ_i dZ(:, i)        (n[l], 1)
      dA_prev = Wᵀ dZ                (n[l-1], m)

    Raises ``TypeError`` for a non-real array and ``ValueError`` when the
    shapes do not match the ones above.
    """
    check_array("dZ", dZ, ndim=2)
    check_array("A_prev", A_prev, ndim=2)
    check_array("W", W, ndim=2)
    if dZ.shape[1] != A_prev.shape[1] or W.shape != (dZ.shape[0], A_prev.shape[0]):
        raise ValueError(
            "dZ (n[l], m), A_prev (n[l-1], m) and W (n[l], n[l-1]) do not match: "
            f"got dZ {tuple(dZ.shape)}, A_prev {tuple(A_prev.shape)}, "
            f"W {tuple(W.shape)}"
        )
    m = A_prev.shape[1]
    dW = (dZ @ A_prev.T) / m
    db = jnp.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


# -------------------------------------------------------------- dropout ----
def dropout_forward(a, keep_prob, key=None, *, train: bool = True):
    """Inverted dropout.

    In training: ``mask = U(0, 1) < keep_prob`` (same shape as ``a``), then
    ``y = a * mask / keep_prob``. Each unit is kept with probability
    ``keep_prob``, and dividing by ``keep_prob`` keeps E[y] = a, so nothing
    needs rescaling at test time. With ``train=False`` it is the identity and
    the mask is all ones.

    ``keep_prob`` in (0, 1] may be a traced value (a slider). ``key``, the
    PRNG key of the mask, is required in training, by position (as notebook
    04's exercise ``dropout_forward(A, keep_prob, key)``) or by name.
    Returns ``(y, mask)``; ``mask`` has the dtype of ``a``.
    """
    a = jnp.asarray(check_real("a", a))
    check_range("keep_prob", keep_prob, 0.0, 1.0, lo_closed=False)
    if not check_bool("train", train):
        return a, jnp.ones_like(a)
    check_key("key", key)
    mask = (jax.random.uniform(key, a.shape) < keep_prob).astype(a.dtype)
    return a * mask / keep_prob, mask


def dropout_backward(dy, mask, keep_prob):
    """da = dy * mask / keep_prob: gradients flow only through kept units.

    ``dy`` and ``mask`` are real arrays of one shape; keep_prob in (0, 1].
    """
    check_array("dy", dy)
    check_array("mask", mask)
    if jnp.shape(dy) != jnp.shape(mask):
        raise ValueError(
            f"mask must have the shape of dy, got mask {jnp.shape(mask)} and "
            f"dy {jnp.shape(dy)}"
        )
    check_range("keep_prob", keep_prob, 0.0, 1.0, lo_closed=False)
    return dy * mask / keep_prob


# ----------------------------------------------------------- batch norm ----
class BNState(NamedTuple):
    """Running statistics of one BN layer, each ``(n, 1)``."""

    mean: jax.Array
    var: jax.Array


class BNCache(NamedTuple):
    """What ``batchnorm_backward`` needs from the forward pass."""

    z_centered: jax.Array  # z − μ, (n, m)
    z_norm: jax.Array  # (z − μ)/√(σ² + ε), (n, m)
    inv_std: jax.Array  # 1/√(σ² + ε), (n, 1)
    gamma: jax.Array  # (n, 1)


def _check_bn_state(bn_state, n: int) -> BNState:
    if not (isinstance(bn_state, tuple) and len(bn_state) == 2):
        raise TypeError(
            "bn_state must be a BNState(mean, var) such as bn_init_state(n), "
            f"got {type(bn_state).__name__}"
        )
    mean, var = bn_state
    check_array("bn_state.mean", mean, shape=(n, 1))
    check_array("bn_state.var", var, shape=(n, 1))
    return bn_state if isinstance(bn_state, BNState) else BNState(mean, var)


def bn_init_state(n: int, dtype=jnp.float32) -> BNState:
    """Running mean 0 and running variance 1 for a layer of width n >= 1."""
    n = check_int("n", n, lo=1)
    check_float_dtype("dtype", dtype)
    return BNState(jnp.zeros((n, 1), dtype), jnp.ones((n, 1), dtype))


def batchnorm_forward(
    z,
    gamma,
    beta,
    bn_state: BNState,
    *,
    train: bool = True,
    eps: float = 1e-5,
    momentum: float = 0.9,
):
    """Batch normalisation of ``z`` ``(n, m)`` over the m examples.

    Train mode (batch statistics)::

        μ  = (1/m) Σ_i z(i)              σ² = (1/m) Σ_i (z(i) − μ)²   (biased)
        z_norm = (z − μ) / √(σ² + ε)     out = γ ⊙ z_norm + β

    and the running statistics are an exponentially weighted average with
    β_bn = ``momentum`` = 0.9::

        mean ← β_bn·mean + (1 − β_bn)·μ,   var ← β_bn·var + (1 − β_bn)·σ²

    Eval mode uses ``mean`` and ``var`` in place of μ and σ² and leaves the
    state unchanged.

    Conventions elsewhere: PyTorch's ``momentum=0.1`` is our 0.9 (it weights
    the new batch); PyTorch also stores the *unbiased* batch variance
    (× m/(m−1)) in its running variance, where we keep the biased σ² used in
    the forward pass.

    Returns ``(out, cache, new_state)``; ``cache`` is None in eval mode.
    """
    check_array("z", z, ndim=2)
    n = z.shape[0]
    check_array("gamma", gamma, shape=(n, 1))
    check_array("beta", beta, shape=(n, 1))
    check_range("eps", eps, 0.0, None, lo_closed=False)
    check_range("momentum", momentum, 0.0, 1.0, hi_closed=False)
    train = check_bool("train", train)
    bn_state = _check_bn_state(bn_state, n)
    if not train:
        inv_std = jax.lax.rsqrt(bn_state.var + eps)
        return gamma * (z - bn_state.mean) * inv_std + beta, None, bn_state
    if z.shape[1] < 2:
        raise ValueError(
            "batch norm in train mode needs a batch of m >= 2 examples "
            f"(got m = {z.shape[1]}); σ² of one example is 0"
        )
    mu = jnp.mean(z, axis=1, keepdims=True)
    zc = z - mu
    var = jnp.mean(zc * zc, axis=1, keepdims=True)
    inv_std = jax.lax.rsqrt(var + eps)
    z_norm = zc * inv_std
    out = gamma * z_norm + beta
    new_state = BNState(
        momentum * bn_state.mean + (1.0 - momentum) * mu,
        momentum * bn_state.var + (1.0 - momentum) * var,
    )
    return out, BNCache(zc, z_norm, inv_std, gamma), new_state


def batchnorm_backward(dout, cache: BNCache):
    """Hand-derived backward of train-mode batch norm.

    ``dout`` is ∂J/∂out ``(n, m)``. With x̂ = z_norm and σ̃ = √(σ² + ε)::

        dβ  = Σ_i dout(i)                       dγ = Σ_i dout(i) ⊙ x̂(i)
        dx̂  = dout ⊙ γ
        dσ² = Σ_i dx̂(i) ⊙ (z(i) − μ) ⊙ (−½) σ̃⁻³
        dμ  = Σ_i dx̂(i) ⊙ (−1/σ̃) + dσ² ⊙ (1/m) Σ_i −2 (z(i) − μ)
        dz  = dx̂ / σ̃ + dσ² ⊙ 2 (z − μ)/m + dμ/m

    (The second term of dμ is zero because Σ_i (z(i) − μ) = 0; it is kept so
    the code reads like the derivation.) Returns ``(dz, dgamma, dbeta)``.
    The map is linear in ``dout``, so it also works on per-example gradients.
    """
    if cache is None:
        raise ValueError(
            "batchnorm_backward needs the cache of a train-mode forward pass "
            "(eval mode uses fixed running statistics and returns no cache)"
        )
    if not isinstance(cache, BNCache):
        raise TypeError(
            "cache must be the BNCache returned by batchnorm_forward, got "
            f"{type(cache).__name__}"
        )
    zc, z_norm, inv_std, gamma = cache
    check_array("dout", dout, shape=tuple(zc.shape))
    m = zc.shape[1]
    dbeta = jnp.sum(dout, axis=1, keepdims=True)
    dgamma = jnp.sum(dout * z_norm, axis=1, keepdims=True)
    dz_norm = dout * gamma
    dvar = jnp.sum(dz_norm * zc, axis=1, keepdims=True) * -0.5 * inv_std**3
    dmu = jnp.sum(-dz_norm * inv_std, axis=1, keepdims=True) + dvar * jnp.mean(
        -2.0 * zc, axis=1, keepdims=True
    )
    dz = dz_norm * inv_std + dvar * 2.0 * zc / m + dmu / m
    return dz, dgamma, dbeta
