"""Weight initialization for an L-layer network.

``layer_dims = [n0, n1, ..., nL]``. Layer l has ``W{l}`` of shape
``(n[l], n[l-1])`` and ``b{l}`` of shape ``(n[l], 1)``; biases start at zero.

Schemes (each standard deviation, or the constant, is multiplied by ``scale``):

===========  ==========================================  =====================
scheme       W{l}                                         use with
===========  ==========================================  =====================
zeros        0                                            (breaks: symmetry)
constant     c                                            (breaks: symmetry)
normal       N(0, 1)                                      (scale it yourself)
xavier       N(0, 1/n[l-1])                               tanh
he           N(0, 2/n[l-1])                               relu
glorot       N(0, 2/(n[l-1] + n[l]))                      tanh / sigmoid
===========  ==========================================  =====================

"xavier" and "glorot" are one scheme (Xavier Glorot and Yoshua Bengio,
2010) in its two variants. "xavier" is the fan-in variant, variance 1/n[l-1],
the one the lecture calls Xavier; frameworks call it LeCun initialization
(Keras ``LecunNormal``, truncated there; PyTorch
``kaiming_normal_(w, nonlinearity="linear")``). "glorot" is the fan-average
variant, variance 2/(n[l-1] + n[l]); Keras calls it ``GlorotNormal`` (truncated
there, untruncated here) and PyTorch ``xavier_normal_``. Their ``...Uniform`` /
``..._uniform_`` versions draw U(-a, a) with a = √(3·variance), the same
variance. "he" is Keras ``HeNormal`` and PyTorch ``kaiming_normal_`` (relu).

With batch norm after layer l, ``b{l}`` is dropped (BN's β takes its role) and
``gamma{l}`` (ones) and ``beta{l}`` (zeros) of shape ``(n[l], 1)`` are added.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp

from dlcore._checks import (
    check_choice,
    check_flags,
    check_float_dtype,
    check_int,
    check_key,
    check_layer_dims,
    check_range,
)

__all__ = ["SCHEMES", "initialize", "std"]

SCHEMES = ("zeros", "constant", "normal", "xavier", "he", "glorot")


def std(scheme: str, n_prev: int, n: int, scale: float = 1.0) -> float:
    """Standard deviation of ``W{l}`` entries for a random scheme (see table).

    Arguments: ``scheme`` one of ``SCHEMES``; ``n_prev`` = n[l-1] and ``n`` =
    n[l], integers >= 1; ``scale`` a finite number >= 0.
    Raises ``ValueError``/``TypeError`` naming the bad argument.
    """
    check_choice("scheme", scheme, SCHEMES)
    n_prev = check_int("n_prev", n_prev, lo=1)
    n = check_int("n", n, lo=1)
    check_range("scale", scale, 0.0, None)
    base = {
        "zeros": 0.0,
        "constant": 0.0,
        "normal": 1.0,
        "xavier": math.sqrt(1.0 / n_prev),
        "he": math.sqrt(2.0 / n_prev),
        "glorot": math.sqrt(2.0 / (n_prev + n)),
    }[scheme]
    return scale * base


def initialize(
    key,
    layer_dims: Sequence[int],
    scheme: str = "he",
    scale: float = 1.0,
    *,
    c: float = 0.5,
    batchnorm: bool | Sequence[bool] = False,
    dtype=jnp.float32,
) -> dict:
    """Initialise ``{"W1", "b1", ..., "WL", "bL"}`` (plus BN's γ, β).

    Args:
      key: a JAX PRNG key (required even for the deterministic schemes, so
        that switching scheme in a notebook never changes the call).
      layer_dims: ``[n0, n1, ..., nL]``.
      scheme: one of ``SCHEMES``.
      scale: multiplies the standard deviation (or the constant ``c``).
      c: the value used by ``scheme="constant"``.
      batchnorm: ``True``/``False`` for all hidden layers 1..L-1, or one flag
        per hidden layer. The output layer never gets BN.
      dtype: floating dtype of the parameters.

    Returns:
      A flat dict of arrays: ``W{l}`` ``(n[l], n[l-1])``, and either
      ``b{l}`` ``(n[l], 1)`` or ``gamma{l}``, ``beta{l}`` ``(n[l], 1)``.

    Raises:
      TypeError / ValueError naming the argument: a missing key or a batch of
      keys, widths that are not integers >= 1, an unknown scheme, a negative
      or non-finite ``scale`` or ``c``, non-bool flags, a non-float dtype.
    """
    check_key("key", key)
    dims = check_layer_dims(layer_dims)
    check_choice("scheme", scheme, SCHEMES)
    check_range("scale", scale, 0.0, None)
    check_range("c", c)
    L = len(dims) - 1
    bn = check_flags("batchnorm", batchnorm, L - 1)
    check_float_dtype("dtype", dtype)

    params = {}
    keys = jax.random.split(key, L)
    for l in range(1, L + 1):
        n_prev, n = dims[l - 1], dims[l]
        shape = (n, n_prev)
        if scheme == "zeros":
            W = jnp.zeros(shape, dtype)
        elif scheme == "constant":
            W = jnp.full(shape, scale * c, dtype)
        else:
            sd = std(scheme, n_prev, n, scale)
            W = sd * jax.random.normal(keys[l - 1], shape, dtype)
        params[f"W{l}"] = W
        if l < L and bn[l - 1]:
            params[f"gamma{l}"] = jnp.ones((n, 1), dtype)
            params[f"beta{l}"] = jnp.zeros((n, 1), dtype)
        else:
            params[f"b{l}"] = jnp.zeros((n, 1), dtype)
    return params
