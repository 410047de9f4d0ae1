"""Numerics of deep networks: vanishing/exploding signals, masked depth, theory.

Three kinds of computation, each one compiled call whose hyperparameters are
traced arguments (a slider move never recompiles):

* :func:`linear_chain`: the lecture's deep linear net ŷ = w_L ⋯ w_2 w_1 x
  with every w_l = w, for ALL depths L = 1..max_depth at once, in a chosen
  float dtype (so float32 / float16 overflow and underflow are real, not
  simulated).
* :func:`deep_mlp_stats`: a deep square MLP with a random readout, built at
  ``max_depth`` layers; layers beyond the traced ``depth`` are the identity
  (masked), so every depth shares one program. Returns per-layer gradient
  norms ‖dW[l]‖ and activation statistics, ``vmap``-ed over several seeds.
* :func:`train_scalar_chain` (gradient clipping on a deep scalar chain) and
  :func:`train_record` (a small MLP trained with plain gradient descent,
  recording the first layer's weights W1 at every step: the symmetry problem).

Theory used by the notebooks (c = s² = σ_w²·n, with W[l] ~ N(0, s²/n), b = 0):

* forward: q_l = E[Z[l]²] = σ_w² n E[A[l-1]²], so the activation scale changes
  by (c·γ)^{1/2} per layer, γ = E[g(Z)²]/E[Z²]: γ = 1/2 for relu (exactly:
  relu keeps half of a symmetric Z's second moment), γ ≈ 1 for tanh and
  linear while Z is small (tanh z ≈ z). Sigmoid has no such power law: its
  mean 1/2 feeds every next layer a constant input of size σ_w² n/4.
* backward: dZ[l] = g'(Z[l]) ⊙ W[l+1]ᵀ dZ[l+1], so E[dZ[l]²] changes by
  (c·χ)^{1/2} per layer, χ = E[g'(Z)²]: χ = 1/2 for relu, χ ≈ 1 for tanh
  near 0, and χ ≤ 1/16 for sigmoid (σ' ≤ 1/4, equality at z = 0): the
  product of L sigmoid slopes is at most (1/4)^L.
* ‖dW[l]‖ = ‖(1/m) dZ[l] A[l-1]ᵀ‖ combines both: for relu and small-signal
  tanh the two factors cancel (every layer gets about the same ‖dW[l]‖; the
  whole profile rises or falls with depth as (c·γ)^{(L-1)/2}), while for
  sigmoid, whose forward scale stays put, ‖dW[l]‖ shrinks by (c/16)^{1/2} per
  layer towards the input: by 1/4 per layer at s = 1.

This module never imports matplotlib or ipywidgets.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore import activations, init, model, optim
from dlcore._checks import (
    check_array,
    check_bool,
    check_choice,
    check_int,
    check_key,
    check_keys,
    check_params,
    check_range,
    check_real,
)

__all__ = [
    "CHAIN_DTYPES",
    "CLIP_LAYERS",
    "CLIP_STEPS",
    "DEEP_ACTIVATIONS",
    "FORWARD_GAIN",
    "SLOPE_GAIN",
    "ChainRun",
    "DeepDraws",
    "DeepStats",
    "LayerHist",
    "LinearChain",
    "NetDraws",
    "RecordedRun",
    "activation_theory",
    "backward_factor",
    "clip_start",
    "deep_draws",
    "deep_mlp_stats",
    "deep_stats_summary",
    "fast_key",
    "first_nonfinite",
    "forward_factor",
    "gradient_theory",
    "init_weights",
    "layer_histograms",
    "layer_variances",
    "linear_chain",
    "net_draws",
    "overflow_depth",
    "safe_norm",
    "safe_std",
    "sigmoid_mean_field",
    "train_record",
    "train_scalar_chain",
    "train_schemes",
]

CHAIN_DTYPES = ("float32", "float16", "bfloat16")
DEEP_ACTIVATIONS = ("sigmoid", "tanh", "relu")
# γ: E[g(Z)²] / E[Z²] for small symmetric Z (relu: exact for any symmetric Z).
FORWARD_GAIN = {"linear": 1.0, "tanh": 1.0, "relu": 0.5, "sigmoid": None}
# χ: E[g'(Z)²] at Z ≈ 0 (relu: exact; sigmoid: the upper bound (1/4)²).
SLOPE_GAIN = {"linear": 1.0, "tanh": 1.0, "relu": 0.5, "sigmoid": 1.0 / 16.0}


# ----------------------------------------------------------------------------
# Robust statistics (no overflow in the squares of finite values)
# ----------------------------------------------------------------------------


def _scaled(x, axis):
    """(x / big, big) with big = max |x| over ``axis`` (kept dims).

    Divides in two stages: XLA may turn x / big into x · (1/big), and 1/big
    is subnormal (flushed to 0 on CPU) once big > 2^126; pre-scaling huge
    values by 2^-64 keeps the reciprocal a normal number.
    """
    big = jnp.max(jnp.abs(x), axis=axis, keepdims=True)
    safe = jnp.where((big > 0) & jnp.isfinite(big), big, 1.0)
    pre = jnp.where(safe > 2.0**64, 2.0**-64, 1.0).astype(x.dtype)
    return (x * pre) / (safe * pre), big, safe


def _flags(out, x, big, axis):
    out = jnp.where(jnp.isinf(jnp.squeeze(big, axis)), jnp.inf, out)
    return jnp.where(jnp.any(jnp.isnan(x), axis=axis), jnp.nan, out)


def _check_axis(x, axis) -> None:
    check_real("x", x)
    n = max(np.ndim(x), 1)
    for a in axis if isinstance(axis, tuple) else () if axis is None else (axis,):
        check_int("axis", a, lo=-n, hi=n - 1)


def _check_net(X, Y, config) -> None:
    """X (n0, m) floating, Y (n[L], m) and an MLPConfig whose n0 matches."""
    if not isinstance(config, model.MLPConfig):
        raise TypeError(f"config must be an MLPConfig, got {type(config).__name__}")
    check_array("X", X, ndim=2, floating=True)
    check_array("Y", Y, ndim=2)
    if np.shape(X)[0] != config.layer_dims[0] or np.shape(Y)[1] != np.shape(X)[1]:
        raise ValueError(
            f"X must be (n0 = {config.layer_dims[0]}, m) and Y (n[L], m), got "
            f"{tuple(np.shape(X))} and {tuple(np.shape(Y))}"
        )


def safe_norm(x, axis=None):
    """‖x‖₂ over ``axis`` without overflow in x² (scaled by max |x|).

    +inf when x holds an inf, NaN when it holds a NaN, 0 for all zeros.
    Raises TypeError / ValueError for a non-real ``x`` or a bad ``axis``.
    """
    _check_axis(x, axis)
    y, big, safe = _scaled(x, axis)
    out = jnp.squeeze(safe, axis) * jnp.sqrt(jnp.sum(y * y, axis=axis))
    return _flags(out, x, big, axis)


def safe_std(x, axis=None):
    """Standard deviation over ``axis`` (1/N), +inf if x overflowed, NaN if NaN.

    Raises TypeError / ValueError for a non-real ``x`` or a bad ``axis``.
    """
    _check_axis(x, axis)
    y, big, safe = _scaled(x, axis)
    out = jnp.squeeze(safe, axis) * jnp.std(y, axis=axis)
    return _flags(out, x, big, axis)


def fast_key(key):
    """An "rbg" PRNG key made from ``key``'s bits (the same key, the same draws).

    XLA compiles the rbg generator about 3× faster than the default threefry
    one (≈0.6 s instead of ≈1.7 s on a 2-core CPU for a few normal draws),
    which matters for a panel that must appear within seconds of Run All.
    Use inside jit: ``k = fast_key(key); jax.random.normal(k, shape)``.
    """
    check_key("key", key)
    bits = jax.random.key_data(key).reshape(-1)[:2]
    return jax.random.wrap_key_data(jnp.concatenate([bits, bits]), impl="rbg")


def first_nonfinite(values) -> int | None:
    """1-based index of the first non-finite entry of a 1-D array, or None."""
    check_array("values", values, ndim=1)
    bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
    return int(np.argmax(bad)) + 1 if bad.any() else None


# ----------------------------------------------------------------------------
# (a) The deep linear chain ŷ = w^L x
# ----------------------------------------------------------------------------


class LinearChain(NamedTuple):
    """ŷ and its gradients for every depth L = 1..max_depth (arrays (max_depth,)).

    y_hat[L-1] = w^L x (computed as L successive products in the dtype);
    grad_W1[L-1] = ∂ŷ/∂w_1 = w_L ⋯ w_2 x = w^{L-1} x (one layer's weight);
    grad_w[L-1] = dŷ/dw = L w^{L-1} x (all layers tied to one w).
    """

    depth: jax.Array
    y_hat: jax.Array
    grad_W1: jax.Array
    grad_w: jax.Array


@functools.partial(jax.jit, static_argnames=("max_depth", "dtype"))
def _chain(w, x, max_depth: int, dtype: str):
    dt = jnp.dtype(dtype)
    w, x = jnp.asarray(w, dt), jnp.asarray(x, dt)

    def layer(a_prev, L):
        a = w * a_prev  # A[L] = w A[L-1], in the dtype: overflow is real
        return a, (a, a_prev, L.astype(dt) * a_prev)

    _, (y, g1, gw) = jax.lax.scan(layer, x, jnp.arange(1, max_depth + 1))
    return LinearChain(jnp.arange(1, max_depth + 1), y, g1, gw)


def linear_chain(
    w, x=1.0, *, max_depth: int = 200, dtype: str = "float32"
) -> LinearChain:
    """The deep linear net of the lecture, for all depths 1..max_depth at once.

    Each layer multiplies by the same scalar ``w`` (W[l] = w·I acts the same
    way on every coordinate), so ŷ = w^L x. ``w`` and ``x`` are traced; one
    compile per (max_depth, dtype). ``dtype``: one of ``CHAIN_DTYPES``.
    """
    check_range("w", w)
    check_range("x", x)
    max_depth = check_int("max_depth", max_depth, lo=1, hi=100_000)
    check_choice("dtype", dtype, CHAIN_DTYPES)
    return _chain(w, x, max_depth, dtype)


def overflow_depth(w: float, x: float = 1.0, dtype: str = "float32") -> float:
    """Smallest L with |w^L x| > the dtype's largest finite value (closed form).

    ``math.inf`` when |w| ≤ 1 (the chain never grows). Rounding of the
    repeated products can move the real first overflow by one layer; the
    tests compare with the computed chain.
    """
    check_range("w", w)
    check_range("x", x)
    check_choice("dtype", dtype, CHAIN_DTYPES)
    big = float(jnp.finfo(jnp.dtype(dtype)).max)
    if abs(w) <= 1 or x == 0:
        return math.inf
    return math.floor(math.log(big / abs(x)) / math.log(abs(w))) + 1


# ----------------------------------------------------------------------------
# (b) A deep nonlinear MLP with masked depth, over several seeds
# ----------------------------------------------------------------------------


class DeepStats(NamedTuple):
    """Per-layer statistics, arrays (num_seeds, max_depth); index l-1 is layer l.

    grad_norm: ‖dW[l]‖_F of J = (1/m) Σ_i r_iᵀ A[L]_i (r ~ N(0, 1), fixed).
    act_std: standard deviation of A[l] over units and examples.
    act_rms: √mean(A[l]²).
    slope_rms: √mean(g'(Z[l])²), the per-layer factor χ^{1/2} of the backward pass.
    hist: (bins,) counts of A[depth] over all seeds (relu: A / rms(A)).
    hist_edges: (bins + 1,) the fixed bin edges of ``hist``.
    Layers beyond ``depth`` are the identity: their grad_norm is 0.
    """

    grad_norm: jax.Array
    act_std: jax.Array
    act_rms: jax.Array
    slope_rms: jax.Array
    hist: jax.Array
    hist_edges: jax.Array


HIST_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 4.0)}


def _g_switch(index, Z):
    """g(Z) for DEEP_ACTIVATIONS[index] with a traced index (one program)."""
    return jax.lax.switch(index, [activations.get(a)[0] for a in DEEP_ACTIVATIONS], Z)


def _g_prime_switch(index, Z):
    return jax.lax.switch(index, [activations.get(a)[1] for a in DEEP_ACTIVATIONS], Z)


def _one_seed(X, W_unit, R, scale, depth, index):
    width, m = X.shape
    max_depth = W_unit.shape[0]
    Ws = scale / math.sqrt(width) * W_unit
    on = jnp.arange(1, max_depth + 1) <= depth

    def forward(Ws):
        def layer(A_prev, inp):
            W, keep = inp
            Z = W @ A_prev
            A = jnp.where(keep, _g_switch(index, Z), A_prev)  # beyond L: identity
            return A, (A, Z)

        AL, (As, Zs) = jax.lax.scan(layer, X, (Ws, on))
        return jnp.sum(R * AL) / m, (As, Zs)

    grads, (As, Zs) = jax.grad(forward, has_aux=True)(Ws)
    flat = As.reshape(max_depth, -1)
    n_vals = flat.shape[1]
    # Overflow: relu(NaN) is 0 and tanh/sigmoid(inf) finite, so look at Z:
    # the first layer whose Z is not finite overflowed; everything after it
    # (and every gradient, which flows through it) is meaningless.
    bad = on & jnp.any(~jnp.isfinite(Zs.reshape(max_depth, -1)), axis=1)
    after = jnp.cumsum(bad) > 0
    first = after & ~jnp.concatenate([jnp.zeros(1, bool), after[:-1]])
    nan_from = after & ~first

    def flag(x):
        return jnp.where(first, jnp.inf, jnp.where(nan_from, jnp.nan, x))

    grad_norm = safe_norm(grads.reshape(max_depth, -1), axis=1)
    grad_norm = jnp.where(jnp.any(after), jnp.nan, grad_norm)
    A_last = As[jnp.clip(depth, 1, max_depth) - 1]
    return (
        grad_norm,
        flag(safe_std(flat, axis=1)),
        flag(safe_norm(flat, axis=1) / math.sqrt(n_vals)),
        safe_norm(_g_prime_switch(index, Zs).reshape(max_depth, -1), axis=1)
        / math.sqrt(n_vals),
        A_last,
    )


class DeepDraws(NamedTuple):
    """The random draws of :func:`deep_mlp_stats`, one row per seed.

    X: (S, width, m) ~ N(0, 1); W_unit: (S, max_depth, width, width) ~ N(0, 1)
    (W[l] = scale/√width · W_unit[l]); R: (S, width, m) ~ N(0, 1), the readout.
    """

    X: jax.Array
    W_unit: jax.Array
    R: jax.Array


@functools.partial(jax.jit, static_argnames=("width", "m", "max_depth", "num_seeds"))
def _deep_draws(key, width, m, max_depth, num_seeds):
    k_x, k_w, k_r = jax.random.split(key, 3)
    return DeepDraws(
        jax.random.normal(k_x, (num_seeds, width, m)),
        jax.random.normal(k_w, (num_seeds, max_depth, width, width)),
        jax.random.normal(k_r, (num_seeds, width, m)),
    )


def deep_draws(key, *, width=32, m=32, max_depth=50, num_seeds=6) -> DeepDraws:
    """Draw everything random in :func:`deep_mlp_stats` once (cache it per key)."""
    check_key("key", key)
    return _deep_draws(
        key,
        check_int("width", width, lo=1),
        check_int("m", m, lo=2),
        check_int("max_depth", max_depth, lo=1, hi=1000),
        check_int("num_seeds", num_seeds, lo=1),
    )


@functools.partial(jax.jit, static_argnames=("bins",))
def _deep_stats(draws, scale, depth, index, bins):
    gn, sd, rms, slope, A_last = jax.vmap(
        _one_seed, in_axes=(0, 0, 0, None, None, None)
    )(draws.X, draws.W_unit, draws.R, scale, depth, index)
    ranges = jnp.asarray([HIST_RANGE[a] for a in DEEP_ACTIVATIONS])
    lo, hi = ranges[index, 0], ranges[index, 1]
    vals = A_last.ravel()
    # relu: the shape is the same at every layer, only the scale moves
    r = jnp.sqrt(jnp.mean(jnp.where(jnp.isfinite(vals), vals, 0.0) ** 2))
    relu = index == DEEP_ACTIVATIONS.index("relu")
    vals = jnp.where(relu, vals / jnp.where(r > 0, r, 1.0), vals)
    pos = (vals - lo) / (hi - lo) * bins
    inside = jnp.isfinite(pos) & (pos >= 0) & (pos <= bins)
    idx = jnp.clip(jnp.floor(jnp.where(inside, pos, 0)).astype(jnp.int32), 0, bins - 1)
    counts = jnp.zeros(bins, jnp.int32).at[idx].add(inside.astype(jnp.int32))
    return DeepStats(gn, sd, rms, slope, counts, jnp.linspace(lo, hi, bins + 1))


def deep_mlp_stats(
    key,
    scale,
    depth,
    *,
    activation: str = "tanh",
    width: int = 32,
    m: int = 32,
    max_depth: int = 50,
    num_seeds: int = 6,
    bins: int = 30,
    draws: DeepDraws | None = None,
) -> DeepStats:
    """Gradient and activation statistics of a deep MLP, over ``num_seeds`` seeds.

    Per seed: X (width, m) ~ N(0, 1); W[l] (width, width) ~ N(0, scale²/width)
    for l = 1..max_depth, b = 0; A[l] = g(W[l] A[l-1]) for l ≤ depth and
    A[l] = A[l-1] beyond (masked, so ``depth`` is traced); the cost
    J = (1/m) Σ_i r_iᵀ A[max_depth]_i with a fixed random r (a random readout).
    ``scale`` (s), ``depth`` and the activation are all traced (the
    activation through ``lax.switch``): one compile per set of sizes.
    ``draws`` (from :func:`deep_draws` with the same key and sizes) skips
    drawing them again.

    Overflow: from the first layer whose Z[l] is not finite, act_std/act_rms
    are +inf (that layer) and NaN (after it), and every grad_norm is NaN.
    """
    check_range("scale", scale, 0.0, None)
    check_choice("activation", activation, DEEP_ACTIVATIONS)
    if draws is None:
        draws = deep_draws(
            key, width=width, m=m, max_depth=max_depth, num_seeds=num_seeds
        )
    max_depth = draws.W_unit.shape[1]
    if isinstance(depth, int):
        check_int("depth", depth, lo=1, hi=max_depth)
    return _deep_stats(
        draws,
        jnp.asarray(scale, jnp.float32),
        jnp.asarray(depth, jnp.int32),
        jnp.asarray(DEEP_ACTIVATIONS.index(activation), jnp.int32),
        check_int("bins", bins, lo=1),
    )


def _geo_mean(a):
    """Geometric mean over axis 0 (seeds), float64 NumPy.

    exp(mean_k ln a_k); 0 where any a_k is 0, +inf where any is +inf, NaN
    where any is NaN.
    """
    a = np.asarray(a, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.exp(np.mean(np.log(a), axis=0))
    out[np.any(a == 0, axis=0)] = 0.0
    out[np.any(np.isposinf(a), axis=0)] = np.inf
    out[np.any(np.isnan(a), axis=0)] = np.nan
    return out


def deep_stats_summary(stats: DeepStats, depth: int):
    """Seed summaries of :func:`deep_mlp_stats` for layers 1..depth (NumPy).

    Arguments:
        stats: a :class:`DeepStats`; ``grad_norm`` and ``act_std`` have shape
            (num_seeds, max_depth).
        depth: how many layers to keep, 1 <= depth <= max_depth.

    Returns:
        ``(grad_mid, grad_lo, grad_hi, std_mid, std_lo, std_hi)``, each
        (depth,) float64: the geometric mean over seeds (0 if a seed gives 0,
        inf/NaN propagate), the minimum and the maximum, of ‖dW[l]‖ and of
        std(A[l]).

    Raises:
        ValueError: ``depth`` is not an integer in [1, max_depth].
    """
    if not isinstance(stats, DeepStats):
        raise TypeError(
            f"stats must be a DeepStats from deep_mlp_stats, got {type(stats).__name__}"
        )
    g = np.asarray(stats.grad_norm, np.float64)
    depth = check_int("depth", depth, lo=1, hi=g.shape[1])
    g = g[:, :depth]
    s = np.asarray(stats.act_std, np.float64)[:, :depth]
    with np.errstate(invalid="ignore"):
        return (_geo_mean(g), g.min(0), g.max(0), _geo_mean(s), s.min(0), s.max(0))


def activation_theory(activation: str, scale: float, num_layers: int, anchor: float):
    """Predicted activation scale F^(l-1)·anchor for l = 1..num_layers.

    F = (c·γ)^½ with c = scale² (:func:`forward_factor`); ``anchor`` is the
    scale at layer 1. None for sigmoid (its mean ½ breaks the power law).
    """
    import numpy as np

    check_choice("activation", activation, FORWARD_GAIN)
    num_layers = check_int("num_layers", num_layers, lo=1)
    check_range("anchor", anchor)
    if FORWARD_GAIN[activation] is None:
        return None
    per_layer = forward_factor(activation, scale)
    return anchor * per_layer ** np.arange(num_layers, dtype=np.float64)


def forward_factor(activation: str, scale: float) -> float:
    """Per-layer factor F of the activation scale: √(c·γ), and 1 for sigmoid.

    Sigmoid's mean ½ feeds every layer an input of fixed size, so its
    activation scale settles instead of following a power law (F = 1).
    """
    check_choice("activation", activation, SLOPE_GAIN)
    check_range("scale", scale, 0.0, None)
    gamma = FORWARD_GAIN[activation]
    return 1.0 if gamma is None else math.sqrt(scale**2 * gamma)


def backward_factor(activation: str, scale: float) -> float:
    """Per-layer factor B of E[dZ[l]²]^½ going back one layer: √(c·χ)."""
    check_choice("activation", activation, SLOPE_GAIN)
    check_range("scale", scale, 0.0, None)
    return math.sqrt(scale**2 * SLOPE_GAIN[activation])


def gradient_theory(
    activation: str,
    scale: float,
    num_layers: int,
    anchor: float,
    *,
    mean_field: bool = False,
):
    """Predicted ‖dW[l]‖ for l = 1..L, anchored at ``anchor`` = ‖dW[L]‖.

    ‖dW[l]‖ ≈ ‖dZ[l]‖·‖A[l-1]‖/m, so one layer back multiplies it by B/F
    (:func:`backward_factor` / :func:`forward_factor`): 1 for relu and
    small-signal tanh (the scale s cancels), s/4 for sigmoid, i.e. the
    (1/4)^(L-l) of the lecture at s = 1. For sigmoid s/4 is an upper bound
    (σ' ≤ 1/4); with ``mean_field=True`` the sigmoid line uses the actual
    gain of :func:`sigmoid_mean_field` instead (other activations are
    unchanged).

    Raises:
        ValueError, TypeError: a bad activation, scale, num_layers or anchor,
            or a ``mean_field`` that is not a bool.
    """
    num_layers = check_int("num_layers", num_layers, lo=1)
    check_range("anchor", anchor)
    mean_field = check_bool("mean_field", mean_field)
    ratio = backward_factor(activation, scale) / forward_factor(activation, scale)
    if mean_field and activation == "sigmoid" and scale > 0:
        ratio = sigmoid_mean_field(scale)[1]
    return anchor * ratio ** np.arange(num_layers - 1, -1, -1, dtype=np.float64)


# ----------------------------------------------------------------------------
# (c) Gradient clipping on a deep scalar chain
# ----------------------------------------------------------------------------


CLIP_LAYERS = 10  # the chain of the clipping demo
CLIP_STEPS = 200  # its gradient-descent steps


def clip_start(seed: int = 0) -> np.ndarray:
    """The clipping demo's starting weights w_l = 1.4 (1 + 0.05 ε_l), ε_l ~ N(0, 1).

    Arguments:
        seed: NumPy seed of the draws ε (the same seed, the same start).

    Returns:
        float32 array (CLIP_LAYERS,), every entry near 1.4, so that the
        product w_10 ⋯ w_1 ≈ 29 and gradient descent on :func:`chain_loss`
        explodes without clipping.
    """
    seed = check_int("seed", seed, lo=0)
    rng = np.random.default_rng(seed)
    return (1.4 * (1 + 0.05 * rng.standard_normal(CLIP_LAYERS))).astype(np.float32)


class ChainRun(NamedTuple):
    """A training run of the scalar chain: arrays over steps 0..num_steps-1.

    loss: J(w_t) before step t. grad_norm: ‖dJ/dw‖ (before clipping).
    w: (num_steps + 1, L) the weights, w[0] the start.
    """

    loss: jax.Array
    grad_norm: jax.Array
    w: jax.Array


def chain_loss(w, x=1.0, y=1.0):
    """J(w) = ½ (w_L ⋯ w_1 x − y)² for a vector w of L scalar layers."""
    return 0.5 * (jnp.prod(w) * x - y) ** 2


@functools.partial(jax.jit, static_argnames=("num_steps", "mode"))
def _train_chain(w0, learning_rate, threshold, clip_on, num_steps, mode):
    def step(w, _):
        J, g = jax.value_and_grad(chain_loss)(w)
        if mode == "norm":
            clipped = optim.clip_grads_by_global_norm(g, threshold)
        else:
            clipped = optim.clip_grads_by_value(g, threshold)
        g_used = jnp.where(clip_on, clipped, g)
        w_new = w - learning_rate * g_used
        return w_new, (J, safe_norm(g), w_new)

    _, (loss, gn, ws) = jax.lax.scan(step, w0, None, length=num_steps)
    return ChainRun(loss, gn, jnp.concatenate([w0[None], ws]))


def train_scalar_chain(
    w0,
    learning_rate,
    threshold,
    clip_on,
    *,
    num_steps: int = 200,
    mode: str = "norm",
) -> ChainRun:
    """Gradient descent on J(w) = ½(Π_l w_l · 1 − 1)², optionally clipped.

    ``mode``: "norm" (g ← g·min(1, threshold/‖g‖), dlcore.optim's global-norm
    clipping) or "value" (each entry to [−threshold, threshold]).
    ``learning_rate``, ``threshold`` and ``clip_on`` are traced.
    """
    check_array("w0", w0, ndim=1)
    check_range("learning_rate", learning_rate, 0.0, None, lo_closed=False)
    check_range("threshold", threshold, 0.0, None, lo_closed=False)
    if not hasattr(clip_on, "dtype"):
        check_bool("clip_on", clip_on)
    elif clip_on.dtype != bool:
        raise TypeError(f"clip_on must be True or False, got dtype {clip_on.dtype}")
    check_choice("mode", mode, ("norm", "value"))
    num_steps = check_int("num_steps", num_steps, lo=1)
    return _train_chain(
        jnp.asarray(w0, jnp.float32),
        jnp.asarray(learning_rate, jnp.float32),
        jnp.asarray(threshold, jnp.float32),
        jnp.asarray(clip_on, bool),
        num_steps,
        mode,
    )


# ----------------------------------------------------------------------------
# The symmetry problem: record W1 while training a small MLP
# ----------------------------------------------------------------------------


class RecordedRun(NamedTuple):
    """loss (num_steps,), J before each step; W1 (num_steps + 1, n1, n0)."""

    loss: jax.Array
    W1: jax.Array
    params: dict


@functools.partial(jax.jit, static_argnames=("config", "num_steps"))
def _record(params, X, Y, learning_rate, config, num_steps):
    grad_fn = jax.value_and_grad(model.loss)

    def step(p, _):
        J, g = grad_fn(p, X, Y, config)
        p = jax.tree.map(lambda a, b: a - learning_rate * b, p, g)
        return p, (J, p["W1"])

    params_T, (loss, W1s) = jax.lax.scan(step, params, None, length=num_steps)
    return RecordedRun(loss, jnp.concatenate([params["W1"][None], W1s]), params_T)


def train_record(
    params, X, Y, config, *, learning_rate=0.5, num_steps: int = 300
) -> RecordedRun:
    """Full-batch gradient descent from ``params``, recording W1 at every step.

    W ← W − α dW for every parameter. Works under ``jax.vmap`` over a stack
    of parameter dicts (e.g. one per init scheme).
    """
    _check_net(X, Y, config)
    check_params("params", params)
    check_range("learning_rate", learning_rate, 0.0, None, lo_closed=False)
    num_steps = check_int("num_steps", num_steps, lo=1)
    return _record(params, X, Y, learning_rate, config, num_steps)


def init_weights(key, scheme: str, scale, num_layers: int, width: int, c=0.5):
    """Stacked square weights (num_layers, width, width) as ``dlcore.init`` draws them.

    W = std·N(0, 1) + const with (std, const) = (init.std(scheme, n, n, scale), 0)
    for the random schemes, (0, 0) for "zeros" and (0, scale·c) for "constant".
    """
    check_key("key", key)
    check_choice("scheme", scheme, init.SCHEMES)
    check_range("scale", scale, 0.0, None)
    num_layers = check_int("num_layers", num_layers, lo=1)
    width = check_int("width", width, lo=1)
    check_range("c", c)
    sd = init.std(scheme, width, width, 1.0)
    const = c if scheme == "constant" else 0.0
    return _init_weights(
        key, jnp.float32(sd), jnp.float32(const), scale, num_layers, width
    )


@functools.partial(jax.jit, static_argnames=("num_layers", "width"))
def _init_weights(key, sd, const, scale, num_layers, width):
    N = jax.random.normal(key, (num_layers, width, width))
    return _weights(N, sd, const, scale)


def _weights(N, sd, const, scale):
    """W = scale·(sd·N + const) from unit normal draws N (any shape)."""
    return scale * (sd * N + const)


def _propagate(Ws, X, activation: str):
    """A[l] = g(W[l] A[l-1]) for every layer (b = 0); returns (L, n, m)."""
    g, _ = activations.get(activation)

    def layer(A, W):
        A = g(W @ A)
        return A, A

    return jax.lax.scan(layer, X, Ws)[1]


@functools.partial(jax.jit, static_argnames=("activation", "m"))
def _variances(keys, sd, const, scale, Ws_shape_probe, activation, m):
    num_layers, width = Ws_shape_probe.shape[0], Ws_shape_probe.shape[1]

    def one(key):
        k_x, k_w = jax.random.split(key)
        Ws = _init_weights(k_w, sd, const, scale, num_layers, width)
        X = jax.random.normal(k_x, (width, m))
        As = _propagate(Ws, X, activation)
        return jnp.concatenate([safe_std(X)[None], safe_std(As, axis=(1, 2))]) ** 2

    return jax.vmap(one)(keys)


def layer_variances(
    keys,
    scheme: str,
    scale=1.0,
    *,
    activation="relu",
    width=100,
    num_layers=20,
    m=100,
    c=0.5,
):
    """Var(A[l]) for l = 0..num_layers, one row per key: (len(keys), L + 1).

    X (width, m) ~ N(0, 1) is A[0]; W[l] as :func:`init_weights`; b = 0;
    A[l] = g(W[l] A[l-1]). The variance is over units and examples. One
    compile per (activation, width, num_layers, m): the scheme and the scale
    are traced, so every scheme reuses it.
    """
    check_choice("scheme", scheme, init.SCHEMES)
    check_choice("activation", activation, ("relu", "tanh", "sigmoid", "linear"))
    check_range("scale", scale, 0.0, None)
    check_keys("keys", keys)
    check_int("width", width, lo=1)
    check_int("m", m, lo=2)
    check_range("c", c)
    sd = init.std(scheme, width, width, 1.0)
    const = c if scheme == "constant" else 0.0
    probe = jnp.zeros(
        (check_int("num_layers", num_layers, lo=1), check_int("width", width, lo=1), 0)
    )
    return _variances(
        keys,
        jnp.float32(sd),
        jnp.float32(const),
        jnp.float32(scale),
        probe,
        activation,
        check_int("m", m, lo=2),
    )


class NetDraws(NamedTuple):
    """The random draws of :func:`layer_histograms`, both ~ N(0, 1).

    N: (num_layers, width, width), W[l] = scale·(sd·N[l] + const);
    X: (width, m), the input batch.
    """

    N: jax.Array
    X: jax.Array


@functools.partial(jax.jit, static_argnames=("num_layers", "width", "m"))
def _net_draws(key, num_layers, width, m):
    k_x, k_w = jax.random.split(fast_key(key))
    return NetDraws(
        jax.random.normal(k_w, (num_layers, width, width)),
        jax.random.normal(k_x, (width, m)),
    )


def net_draws(key, *, num_layers=12, width=100, m=128) -> NetDraws:
    """Draw everything random in :func:`layer_histograms` once (cache it per key)."""
    check_key("key", key)
    return _net_draws(
        key,
        check_int("num_layers", num_layers, lo=1),
        check_int("width", width, lo=1),
        check_int("m", m, lo=1),
    )


HIST_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


@functools.partial(jax.jit, static_argnames=("bins",))
def _layer_hist(draws, sd, const, scale, lo, hi, index, bins):
    def layer(A, N):
        Z = _weights(N, sd, const, scale) @ A
        A = jax.lax.switch(index, [activations.get(a)[0] for a in HIST_ACTIVATIONS], Z)
        return A, A

    As = jax.lax.scan(layer, draws.X, draws.N)[1].reshape(draws.N.shape[0], -1)
    finite = jnp.isfinite(As)
    pos = (jnp.clip(As, lo, hi) - lo) / (hi - lo) * bins
    idx = jnp.clip(jnp.floor(jnp.where(finite, pos, 0)), 0, bins - 1).astype(jnp.int32)
    # one bincount over (layer, bin) pairs: ~3× faster on CPU than a vmapped one
    L = As.shape[0]
    flat = (idx + bins * jnp.arange(L, dtype=jnp.int32)[:, None]).ravel()
    weights = finite.ravel().astype(jnp.int32)
    counts = jnp.bincount(flat, weights, length=L * bins).reshape(L, bins)
    above = jnp.sum(finite & (As > hi), axis=1)
    return counts, safe_std(As, axis=1), above, jnp.sum(~finite, axis=1)


class LayerHist(NamedTuple):
    """Per-layer histograms of A[l], l = 1..L, of a net initialised by a scheme.

    counts: (L, bins) over [lo, hi]; values outside are CLIPPED into the end
    bins (so nothing disappears). std: (L,) std(A[l]). above: (L,) how many
    values were > hi. nonfinite: (L,) how many were NaN/inf (not binned).
    """

    counts: jax.Array
    std: jax.Array
    above: jax.Array
    nonfinite: jax.Array


def layer_histograms(
    key,
    scheme: str,
    scale=1.0,
    *,
    activation="relu",
    num_layers=12,
    width=100,
    m=128,
    bins=40,
    value_range=(0.0, 3.0),
    c=0.5,
    draws: NetDraws | None = None,
) -> LayerHist:
    """Activations of every layer of a deep net right after initialisation.

    X (width, m) ~ N(0, 1); W[l] as :func:`init_weights`; b = 0;
    A[l] = g(W[l] A[l-1]). The scheme, the scale and the activation (through
    ``lax.switch``) are traced: one compile per set of sizes. ``draws``:
    :func:`net_draws` of the same ``key`` and sizes, drawn once and reused
    by a panel (drawing them costs more than the rest of the call).
    """
    check_key("key", key)
    check_choice("scheme", scheme, init.SCHEMES)
    check_choice("activation", activation, HIST_ACTIVATIONS)
    check_range("scale", scale, 0.0, None)
    lo, hi = (float(v) for v in value_range)
    if not hi > lo:
        raise ValueError(
            f"value_range must be (lo, hi) with lo < hi, got {value_range}"
        )
    if draws is None:
        draws = net_draws(key, num_layers=num_layers, width=width, m=m)
    shapes = ((num_layers, width, width), (width, m))
    if (tuple(draws.N.shape), tuple(draws.X.shape)) != shapes:
        raise ValueError(
            f"draws must have N of shape {shapes[0]} and X of shape {shapes[1]} "
            f"(net_draws with the same sizes), got {draws.N.shape} and {draws.X.shape}"
        )
    sd = init.std(scheme, width, width, 1.0)
    const = c if scheme == "constant" else 0.0
    index = jnp.int32(HIST_ACTIVATIONS.index(activation))
    return LayerHist(
        *_layer_hist(
            draws,
            jnp.float32(sd),
            jnp.float32(const),
            jnp.float32(scale),
            jnp.float32(lo),
            jnp.float32(hi),
            index,
            check_int("bins", bins, lo=1),
        )
    )


def train_schemes(
    key,
    X,
    Y,
    config,
    *,
    schemes=init.SCHEMES,
    scale=1.0,
    learning_rate=0.05,
    num_steps: int = 600,
) -> RecordedRun:
    """:func:`train_record` from each init scheme, in ONE vmapped compiled call.

    Every scheme starts from the same key (the random schemes share the same
    normal draws, only their standard deviation differs). Every field of
    the result gains a leading axis, one entry per scheme.
    """
    check_key("key", key)
    _check_net(X, Y, config)
    if isinstance(schemes, str) or not hasattr(schemes, "__iter__") or not schemes:
        raise TypeError(
            f"schemes must be a non-empty list of scheme names, got {schemes!r}"
        )
    for s in schemes:
        check_choice("schemes", s, init.SCHEMES)
    stacked = jax.tree.map(
        lambda *a: jnp.stack(a),
        *[init.initialize(key, config.layer_dims, s, scale) for s in schemes],
    )
    return jax.vmap(
        lambda p: train_record(
            p, X, Y, config, learning_rate=learning_rate, num_steps=num_steps
        )
    )(stacked)


# ----------------------------------------------------------------------------
# Mean-field gain of a deep sigmoid net (the s/4 of the lecture is a bound)
# ----------------------------------------------------------------------------


def sigmoid_mean_field(scale: float, *, nodes: int = 4001, iterations: int = 400):
    """Fixed point q* of a deep sigmoid net and its per-layer gradient gain.

    With W[l] ~ N(0, s²/n) and b = 0, E[Z[l]²] = s²·E[σ(Z[l-1])²], so the
    pre-activations settle at the q* with q* = s²·E[σ(z)²], z ~ N(0, q*).
    Going back one layer then multiplies E[dZ²]^½, and ‖dW[l]‖ (whose
    A[l-1] factor no longer changes), by s·E[σ'(z)²]^½. Since σ' ≤ 1/4 this
    is at most s/4, and much less when q* is large (σ' saturates).
    Expectations are sums over ``nodes`` equally spaced points x in [-12, 12]
    weighted by the normal density (z = √q·x): σ' is much narrower than z's
    spread at large s, which a few Gauss–Hermite nodes would miss.

    Arguments:
        scale: s > 0, the multiplier of the N(0, 1/n) weights.
        nodes, iterations: grid points (>= 3) and the most fixed-point
            iterations (it stops once q* changes by < 1e-13 relative).

    Returns:
        (q_star, gain): floats, E[Z²] at the fixed point and the factor by
        which ‖dW[l]‖ shrinks (< 1) or grows (> 1) per layer back.

    Raises:
        ValueError: scale not in (0, 1000], nodes < 3 or iterations < 1.
    """
    import numpy as np

    s = float(check_range("scale", scale, 0.0, 1000.0, lo_closed=False))
    x = np.linspace(-12.0, 12.0, check_int("nodes", nodes, lo=3))
    w = np.exp(-0.5 * x * x)
    w /= w.sum()  # E[f(z)] = Σ w f(√q·x) for z ~ N(0, q)

    def sig(z):
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow in exp

    q = s * s * 0.25  # E[σ(0)²] = 1/4: the first guess
    for _ in range(check_int("iterations", iterations, lo=1)):
        q, q_old = s * s * float(w @ sig(np.sqrt(q) * x) ** 2), q
        if abs(q - q_old) <= 1e-13 * q:
            break
    slope = sig(np.sqrt(q) * x) * (1.0 - sig(np.sqrt(q) * x))
    return q, s * math.sqrt(float(w @ slope**2))
