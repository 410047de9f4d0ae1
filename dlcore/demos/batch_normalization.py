"""Numerics behind the batch-norm demos of notebook 06.

* :func:`layer_histograms`: a deep ReLU net with BN after every hidden
  layer, run on the first ``m`` columns of a fixed batch of ``M_MAX``
  examples (the batch size is a mask, not a shape: no recompiling). For every
  layer l it returns the histograms of Z{l} = W{l} A{l-1} (before BN) and of
  Z̃{l} = γ ⊙ Z_norm + β (after BN), with the masked batch statistics::

      μ = (1/m) Σ_{i<m} z(i)      σ² = (1/m) Σ_{i<m} (z(i) − μ)²
      Z_norm = (Z − μ)/√(σ² + ε)

* :func:`lr_sweep`: the same data trained with and without BN for a grid of
  learning rates α, each with :func:`dlcore.train.fit_many` (one compiled,
  vmapped call per network).
* :func:`ema_gap`: test-time statistics. Training with mini-batches of size
  m keeps EWAs (β = 0.9) of the batch means and (biased) variances; at test
  time those replace the batch statistics. The smaller m, the noisier each
  batch's μ, σ², and the larger the gap between what the network saw in
  training (batch statistics) and at test time (running statistics).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore import data, model, train
from dlcore._checks import check_array, check_bool, check_int, check_key, check_range

__all__ = [
    "BATCH_SIZES",
    "EDGES",
    "M_MAX",
    "EmaGap",
    "Histograms",
    "LRSweep",
    "diverged",
    "ema_gap",
    "hist_params",
    "layer_histograms",
    "lr_sweep",
    "running_stats",
]

M_MAX = 256  # the fixed batch; smaller batch sizes mask its columns
BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256)
EDGES = np.linspace(-4.0, 4.0, 41)  # fixed histogram bins


class Histograms(NamedTuple):
    """Per layer (axis 0, layer 1..L): fractions of values per bin of EDGES."""

    pre: jax.Array  # (L, bins) histogram of Z{l} (before BN)
    post: jax.Array  # (L, bins) histogram of Z̃{l} (after BN; = Z without BN)
    pre_std: jax.Array  # (L,) standard deviation of Z{l} over the batch
    post_std: jax.Array  # (L,)
    pre_outside: jax.Array  # (L,) fraction of Z{l} outside [−4, 4]


def hist_params(key, depth: int = 4, width: int = 64, n_x: int = 2):
    """W{l} ~ N(0, 2/n[l-1]) (He), unit scale, plus the fixed input batch.

    Drawn with NumPy from a generator seeded by ``key`` (nothing to compile).
    Returns ``(Ws, X)``: a list of ``depth`` weight matrices and X of shape
    (n_x, M_MAX) with one example per column. The init-scale slider multiplies
    every W{l}, so the draws are the same for every scale.
    """
    check_key("key", key)
    depth = check_int("depth", depth, 1, 12)
    width = check_int("width", width, lo=1)
    n_x = check_int("n_x", n_x, lo=1)
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key), np.uint32))
    dims = [n_x] + [width] * depth
    Ws = [
        jnp.asarray(
            rng.standard_normal((dims[l + 1], dims[l])) * np.sqrt(2 / dims[l]),
            jnp.float32,
        )
        for l in range(depth)
    ]
    return Ws, jnp.asarray(rng.standard_normal((n_x, M_MAX)), jnp.float32)


def _hist(values, weights):
    """Fraction of the weighted values in each bin of EDGES (outside: dropped)."""
    lo, width, bins = EDGES[0], EDGES[1] - EDGES[0], EDGES.size - 1
    idx = jnp.floor((values - lo) / width).astype(jnp.int32)
    idx = jnp.where(values == EDGES[-1], bins - 1, idx)  # the last edge is inside
    inside = (idx >= 0) & (idx < bins)
    counts = (
        jnp.zeros(bins)
        .at[jnp.where(inside, idx, 0)]
        .add(jnp.where(inside, weights, 0.0))
    )
    return counts / jnp.sum(weights)


def _masked_std(Z, w, m):
    mu = jnp.sum(Z * w) / (m * Z.shape[0])
    return jnp.sqrt(jnp.sum(w * (Z - mu) ** 2) / (m * Z.shape[0]))


@jax.jit
def _histograms(Ws, X, scale, m, bn, eps):
    mask = (jnp.arange(X.shape[1]) < m).astype(X.dtype)[None, :]  # (1, M_MAX)
    A = X
    pre, post, pre_sd, post_sd, outside = [], [], [], [], []
    for W in Ws:
        Z = (scale * W) @ A
        w = jnp.broadcast_to(mask, Z.shape)
        mu = jnp.sum(Z * mask, axis=1, keepdims=True) / m
        var = jnp.sum(mask * (Z - mu) ** 2, axis=1, keepdims=True) / m
        Zt = jnp.where(bn, (Z - mu) * jax.lax.rsqrt(var + eps), Z)  # γ = 1, β = 0
        pre.append(_hist(Z, w))
        post.append(_hist(Zt, w))
        pre_sd.append(_masked_std(Z, w, m))
        post_sd.append(_masked_std(Zt, w, m))
        inside = (Z >= EDGES[0]) & (Z <= EDGES[-1])
        outside.append(1.0 - jnp.sum(w * inside) / jnp.sum(w))
        A = jax.nn.relu(Zt)
    stack = jnp.stack
    return Histograms(
        stack(pre), stack(post), stack(pre_sd), stack(post_sd), stack(outside)
    )


def layer_histograms(Ws, X, scale, m, *, bn=True, eps=1e-5) -> Histograms:
    """Histograms of Z{l} and Z̃{l} for the first ``m`` examples of ``X``.

    ``scale`` multiplies every W{l} (the init scale); ``scale``, ``m`` and
    ``bn`` are traced, so no slider move recompiles. With ``bn=False``,
    Z̃{l} = Z{l} and the net is a plain ReLU net. BN uses γ = 1, β = 0.
    """
    if isinstance(Ws, (str, bytes)) or not isinstance(Ws, (list, tuple)) or not Ws:
        raise TypeError(
            f"Ws must be a non-empty list of weight matrices, got {type(Ws).__name__}"
        )
    for l, W in enumerate(Ws):
        check_array(f"Ws[{l}]", W, ndim=2, floating=True)
    check_array("X", X, ndim=2, floating=True)
    check_range("scale", scale, 0.0, None, lo_closed=False)
    check_bool("bn", bn)
    check_range("eps", eps, 0.0, None, lo_closed=False)
    if isinstance(m, (int, np.integer)):
        check_int("m", int(m), 2, X.shape[1])
    return _histograms(
        list(Ws), X, jnp.float32(scale), jnp.float32(m), jnp.bool_(bn), jnp.float32(eps)
    )


# ---------------------------------------------------------------------------
# Learning-rate sweep
# ---------------------------------------------------------------------------


class LRSweep(NamedTuple):
    """Loss curves for every α, without (index 0) and with (index 1) BN."""

    alphas: np.ndarray  # (k,)
    loss: np.ndarray  # (2, k, num_steps) training cost before each step
    train_acc: np.ndarray  # (2, k) final training accuracy (eval mode)


def diverged(loss) -> np.ndarray:
    """A run diverged if its cost became NaN/inf or ended above where it began.

    Arguments:
        loss: (..., num_steps) costs, the steps along the last axis.

    Returns:
        bool array (...): True for a run that diverged.

    Raises:
        TypeError / ValueError: ``loss`` not a real array with a step axis.
    """
    check_array("loss", loss, ndim=tuple(range(1, 8)))
    if np.shape(loss)[-1] < 1:
        raise ValueError(f"loss must hold at least one step, got {np.shape(loss)}")
    loss = np.asarray(loss, np.float64)
    bad = ~np.isfinite(loss).all(axis=-1)
    with np.errstate(invalid="ignore"):
        return bad | ~(loss[..., -1] <= loss[..., 0])


@functools.cache
def _sweep_data(seed: int, m: int):
    return data.make_moons(jax.random.key(seed), m, noise=0.2)


def lr_sweep(
    alphas,
    *,
    seed: int = 0,
    num_steps: int = 200,
    depth: int = 5,
    width: int = 32,
    m: int = 256,
) -> LRSweep:
    """Train a [2, width × depth, 1] ReLU net on the moons with plain gradient
    descent for every α, once without and once with BN on every hidden layer.

    Every run starts from the same key (the same W draws; the BN net has γ =
    1, β = 0 where the plain net has b = 0) and sees the same full batch.
    """
    check_array("alphas", alphas, ndim=1)
    check_range("alphas", alphas, 0.0, None, lo_closed=False)
    alphas = np.asarray(alphas, np.float32)
    seed = check_int("seed", seed, lo=0)
    num_steps = check_int("num_steps", num_steps, lo=1)
    depth = check_int("depth", depth, lo=1)
    width = check_int("width", width, lo=1)
    m = check_int("m", m, lo=2)
    X, Y = _sweep_data(seed, m)
    keys = jnp.stack([jax.random.key(seed + 1)] * alphas.size)
    hps = train.Hyper(learning_rate=jnp.asarray(alphas))
    losses, accs = [], []
    for bn in (False, True):
        cfg = model.MLPConfig((2,) + (width,) * depth + (1,), batchnorm=bn)
        hist = train.fit_many(
            keys,
            X,
            Y,
            cfg,
            hps,
            optimizer="gd",
            num_steps=num_steps,
            eval_every=num_steps,
        )
        losses.append(np.asarray(hist.loss))
        accs.append(np.asarray(hist.train_acc)[:, -1])
    return LRSweep(alphas, np.stack(losses), np.stack(accs))


# ---------------------------------------------------------------------------
# Test-time statistics
# ---------------------------------------------------------------------------


class EmaGap(NamedTuple):
    """For every batch size m (axis 0): running statistics after training."""

    batch_sizes: np.ndarray  # (k,)
    var_ratio: np.ndarray  # (k,) running var / population var (mean, last half)
    mean_gap: np.ndarray  # (k,) RMS of (batch μ − running mean)/σ_pop
    output_gap: np.ndarray  # (k,) RMS of train-mode − eval-mode BN output


def running_stats(batches, momentum: float = 0.9):
    """BN's running statistics after each of T batches, ``batches`` (n, T, m)::

        mean_t = β·mean_{t-1} + (1 − β)·μ_t      var_t = β·var_{t-1} + (1 − β)·σ²_t

    starting from mean 0, var 1 (as ``dlcore.layers.bn_init_state``), σ²_t
    biased (1/m). Returns ``(means, vars)``, each (T, n, 1).
    """
    check_range("momentum", momentum, 0.0, 1.0, hi_closed=False)
    check_array("batches", batches, ndim=3)
    if min(np.shape(batches)) < 1:
        raise ValueError(f"batches must not be empty, got shape {np.shape(batches)}")
    batches = np.asarray(batches, np.float64)
    mu_t, var_t = batches.mean(axis=2), batches.var(axis=2)  # (n, T)
    mean, var = np.zeros(mu_t.shape[0]), np.ones(mu_t.shape[0])
    means, vars_ = [], []
    for t in range(mu_t.shape[1]):
        mean = momentum * mean + (1 - momentum) * mu_t[:, t]
        var = momentum * var + (1 - momentum) * var_t[:, t]
        means.append(mean[:, None])
        vars_.append(var[:, None])
    return np.stack(means), np.stack(vars_)


def ema_gap(
    batch_sizes=BATCH_SIZES,
    *,
    n: int = 8,
    population: int = 4096,
    num_steps: int = 500,
    momentum: float = 0.9,
    eps: float = 1e-5,
    seed: int = 0,
) -> EmaGap:
    """Run BN's running statistics over ``num_steps`` random batches of each
    size m drawn from a fixed population of Z (n units with their own means
    and scales), exactly as ``dlcore.layers.batchnorm_forward`` updates them::

        mean ← β·mean + (1 − β)·μ_batch      var ← β·var + (1 − β)·σ²_batch

    (σ²_batch is the biased 1/m variance). Then, on fresh batches, compare the
    train-mode output (batch statistics) with the eval-mode output (running
    statistics). ``var_ratio`` averages running var / population var over the
    units and over the second half of the steps (one EWA is noisy). NumPy,
    float64.
    """
    check_range("momentum", momentum, 0.0, 1.0, hi_closed=False)
    num_steps = check_int("num_steps", num_steps, lo=1)
    n = check_int("n", n, lo=1)
    population = check_int("population", population, lo=2)
    check_range("eps", eps, 0.0, None, lo_closed=False)
    seed = check_int("seed", seed, lo=0)
    check_array("batch_sizes", batch_sizes, ndim=1)
    batch_sizes = [check_int("batch_sizes", m, 2, population) for m in batch_sizes]
    if not batch_sizes:
        raise ValueError("batch_sizes must hold at least one batch size")
    rng = np.random.default_rng(seed)
    mu_pop = rng.normal(0, 3, (n, 1))
    sd_pop = 10 ** rng.uniform(-0.5, 0.5, (n, 1))
    Z = mu_pop + sd_pop * rng.standard_normal((n, population))
    true_var = Z.var(axis=1, keepdims=True)
    var_ratio, mean_gap, out_gap = [], [], []
    for m in batch_sizes:
        batches = Z[:, rng.integers(0, population, (num_steps, m))]  # (n, T, m)
        mus, vars_ = running_stats(batches, momentum)
        ratios = np.mean(vars_ / true_var[None], axis=(1, 2))
        run_mu, run_var = mus[-1], vars_[-1]
        tests = Z[:, rng.integers(0, population, (200, m))]  # (n, 200, m)
        mu_b = tests.mean(axis=2, keepdims=True)
        train_out = (tests - mu_b) / np.sqrt(tests.var(axis=2, keepdims=True) + eps)
        eval_out = (tests - run_mu[:, :, None]) / np.sqrt(run_var[:, :, None] + eps)
        var_ratio.append(float(np.mean(ratios[num_steps // 2 :])))
        mean_gap.append(
            float(
                np.sqrt(
                    np.mean(
                        ((mu_b - run_mu[:, :, None]) / np.sqrt(true_var[:, :, None]))
                        ** 2
                    )
                )
            )
        )
        out_gap.append(float(np.sqrt(np.mean((train_out - eval_out) ** 2))))
    return EmaGap(
        np.asarray(batch_sizes),
        np.asarray(var_ratio),
        np.asarray(mean_gap),
        np.asarray(out_gap),
    )


# ----------------------------------------------------------------------------
# Mini-batch noise: BN's slight regularizing effect
# ----------------------------------------------------------------------------


def minibatch_spread(key, z, others, batch_sizes, num_draws: int = 200, eps=1e-5):
    """How much one example's BN output depends on the rest of its mini-batch.

    For every size s in ``batch_sizes``, draw ``num_draws`` mini-batches: the
    example ``z`` plus s − 1 columns of ``others`` chosen without replacement.
    Each mini-batch is normalized with its own statistics (train mode,
    γ = 1, β = 0)::

        μ = (1/s) Σ_i z(i),   σ² = (1/s) Σ_i (z(i) − μ)²,   out = (z − μ)/√(σ² + ε)

    and the output of ``z`` is kept. Its standard deviation over the draws is
    the noise that the mini-batch adds to this example (about 1/√s).

    Arguments:
        key: a JAX PRNG key (the draws).
        z: (n,) the example we follow, one value per unit.
        others: (n, M) the examples it can share a mini-batch with.
        batch_sizes: sizes s, each an int in [2, M + 1].
        num_draws: int >= 2, mini-batches per size.
        eps: ε > 0 of batch norm.

    Returns:
        spread: (len(batch_sizes), n) float array, the standard deviation of
        the example's BN output over the draws, per size and unit.

    Raises:
        TypeError: key is not a PRNG key, or a size is not an int.
        ValueError: wrong shapes, a size outside [2, M + 1], num_draws < 2,
            eps <= 0.
    """
    from dlcore import layers
    from dlcore._checks import check_array, check_key

    check_key("key", key)
    others = jnp.asarray(check_array("others", others, ndim=2, floating=True))
    n, M = others.shape
    z = jnp.asarray(check_array("z", z, shape=(n,), floating=True), others.dtype)
    num_draws = check_int("num_draws", num_draws, lo=2)
    check_range("eps", eps, 0.0, None, lo_closed=False)
    sizes = [check_int("batch size", s, 2, M + 1) for s in batch_sizes]
    ones, zeros = jnp.ones((n, 1), z.dtype), jnp.zeros((n, 1), z.dtype)
    state = layers.bn_init_state(n, z.dtype)

    def output_of_z(k, s):
        # the s − 1 largest of M uniform draws: a uniform subset, without replacement
        idx = jax.lax.top_k(jax.random.uniform(k, (M,)), s - 1)[1]
        batch = jnp.concatenate([z[:, None], others[:, idx]], axis=1)
        out, _, _ = layers.batchnorm_forward(batch, ones, zeros, state, eps=eps)
        return out[:, 0]

    spread = []
    for s in sizes:
        keys = jax.random.split(jax.random.fold_in(key, s), num_draws)
        outs = jax.vmap(functools.partial(output_of_z, s=s))(keys)  # (draws, n)
        spread.append(jnp.std(outs, axis=0))
    return jnp.stack(spread)
