"""Grid vs random search, sampling scales, coarse to fine, many models: notebook 10.

Serves ``10_hyperparameter_search.ipynb`` and the panels of
:mod:`dlcore.live.panels.search`. Everything here is computed once, up front,
from a fixed key; the panels' sliders only select among the results:

* :func:`score_2d` is a made-up dev accuracy on [0, 1]² where only x
  matters; :func:`grid_vs_random` compares a k×k grid with k² random trials
  on it for every k;
* :func:`scale_samples` draws α and β with the linear and the log-scale
  samplers of :mod:`dlcore.search`, and :func:`scale_histograms` bins them on
  log axes;
* :func:`c2f_objective` is a made-up dev error over (α, λ) and
  :func:`coarse_to_fine_run` runs :func:`dlcore.search.coarse_to_fine` on it;
* :func:`train_in_parallel` trains many models with ``fit_many``, chunk by
  chunk ("caviar").
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from dlcore import search, train
from dlcore._checks import check_array, check_choice, check_int, check_key, check_real

__all__ = [
    "C2F_OPTIMUM",
    "SCALES",
    "SCALE_BINS",
    "best_trial",
    "c2f_objective",
    "coarse_to_fine_run",
    "exponent",
    "grid_vs_random",
    "scale_histograms",
    "scale_samples",
    "score_2d",
    "train_in_parallel",
]


# ----------------------------------------------------------------------------
# Grid vs random
# ----------------------------------------------------------------------------


def score_2d(x, y):
    """A made-up dev accuracy on [0, 1]²: x matters a lot, y hardly at all.

    score(x, y) = 0.5 + 0.45 exp(−((x − 0.62)/0.06)²) + 0.03 y: a narrow
    ridge at x = 0.62 (think: the right learning rate) and a slope of 0.03
    across the whole range of y (think: Adam's ε). Maximum 0.98 at (0.62, 1).

    Arguments:
        x, y: numbers or arrays that broadcast together.

    Returns:
        float64 array of the broadcast shape.
    """
    check_real("x", x)
    check_real("y", y)
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return 0.5 + 0.45 * np.exp(-(((x - 0.62) / 0.06) ** 2)) + 0.03 * y


def best_trial(points) -> tuple[np.ndarray, float]:
    """The trial with the highest :func:`score_2d`.

    Arguments:
        points: (n, 2) trials (x, y), n >= 1.

    Returns:
        ``(point, score)``: the (2,) best point (the first one on ties) and
        its score.
    """
    check_array("points", points, shape=(None, 2))
    if np.shape(points)[0] == 0:
        raise ValueError("points must hold at least one trial, got shape (0, 2)")
    points = np.asarray(points, np.float64)
    s = score_2d(points[:, 0], points[:, 1])
    i = int(np.argmax(s))
    return points[i], float(s[i])


def grid_vs_random(key, k_max: int = 10) -> dict:
    """A k×k grid against k² random trials on [0, 1]², for every k = 2..k_max.

    The random trials for k are the first k² of ONE draw of k_max² points
    (:func:`dlcore.search.random_points`), so they are nested in k.

    Arguments:
        key: JAX PRNG key of the random trials.
        k_max: the largest k, >= 2.

    Returns:
        ``{k: result}``, each result a dict with ``k``, ``grid`` and ``random``
        ((k², 2) float64 points), ``best_grid`` and ``best_random``
        (:func:`best_trial` of each) and ``distinct_grid`` /
        ``distinct_random`` (how many different x values each tried: k and
        k²).

    Raises:
        ValueError: ``k_max`` < 2. TypeError: ``key`` is not a PRNG key.
    """
    key = check_key("key", key)
    k_max = check_int("k_max", k_max, lo=2)
    ranges = [(0.0, 1.0), (0.0, 1.0)]
    pool = np.asarray(search.random_points(key, k_max**2, ranges), np.float64)
    results = {}
    for k in range(2, k_max + 1):
        g = np.asarray(search.grid_points(k, ranges), np.float64)
        r = pool[: k * k]
        results[k] = {
            "k": k,
            "grid": g,
            "random": r,
            "best_grid": best_trial(g),
            "best_random": best_trial(r),
            "distinct_grid": len(np.unique(g[:, 0])),
            "distinct_random": len(np.unique(r[:, 0])),
        }
    return results


# ----------------------------------------------------------------------------
# Sampling on the right scale
# ----------------------------------------------------------------------------

# label -> which sampler (α: log_uniform, β: sample_beta) and the range
SCALES = {
    "learning rate α in [0.0001, 1]": dict(kind="alpha", low=1e-4, high=1.0),
    "momentum β in [0.9, 0.999]": dict(kind="beta", low=0.9, high=0.999),
}
SCALE_BINS = 20  # histogram bins, evenly spaced on the log axis


def exponent(kind: str, x) -> np.ndarray:
    """The log axis of the sampling histograms: log10 α, or r = log10(1 − β).

    Arguments:
        kind: "alpha" or "beta".
        x: samples (any shape).

    Returns:
        float64 array of x's shape (1 − β is floored at 1e-12).
    """
    check_choice("kind", kind, ("alpha", "beta"))
    check_array("x", x)
    x = np.asarray(x, np.float64)
    return np.log10(x) if kind == "alpha" else np.log10(np.maximum(1 - x, 1e-12))


def scale_samples(key, n_max: int = 5000) -> dict:
    """``n_max`` samples of every entry of ``SCALES``, linear and log scale.

    Linear: ``search.uniform(low, high)``; log scale: ``search.log_uniform``
    for α, ``search.sample_beta`` for β (uniform in r = log10(1 − β)). One key
    for all linear draws and one for all log-scale draws (``key`` split in
    two).

    Arguments:
        key: JAX PRNG key.
        n_max: samples per sampler, >= 1.

    Returns:
        ``{label: (kind, linear, log_scale, edges, ticks, decades)}``:
        ``linear`` and ``log_scale`` are (n_max,) float64; ``edges`` the
        SCALE_BINS + 1 bin edges on the :func:`exponent` axis; ``ticks`` the
        whole decades in the range; ``decades`` the (lo, hi) exponents of the
        lowest and the highest decade.

    Raises:
        ValueError: ``n_max`` < 1. TypeError: ``key`` is not a PRNG key.
    """
    key = check_key("key", key)
    n_max = check_int("n_max", n_max, lo=1)
    ka, kb = jax.random.split(key)
    samples = {}
    for name, s in SCALES.items():
        lin = np.asarray(search.uniform(ka, n_max, s["low"], s["high"]), np.float64)
        if s["kind"] == "alpha":
            good = search.log_uniform(kb, n_max, s["low"], s["high"])
        else:
            good = search.sample_beta(kb, n_max, s["low"], s["high"])
        e_lo, e_hi = sorted(exponent(s["kind"], [s["low"], s["high"]]))
        edges = np.linspace(e_lo, e_hi, SCALE_BINS + 1)
        ticks = np.arange(np.ceil(e_lo - 1e-9), np.floor(e_hi + 1e-9) + 1)
        decades = ((e_lo, e_lo + 1), (e_hi - 1, e_hi))  # the two end decades
        samples[name] = (
            s["kind"],
            lin,
            np.asarray(good, np.float64),
            edges,
            ticks,
            decades,
        )
    return samples


def scale_histograms(kind: str, samples, edges, decades):
    """Shares of the samples per bin and per end decade, on the log axis.

    Arguments:
        kind: "alpha" or "beta" (see :func:`exponent`).
        samples: a sequence of 1-D sample arrays (one per sampler).
        edges: bin edges on the exponent axis; samples outside are clipped
            into the end bins.
        decades: (lo, hi) exponent ranges.

    Returns:
        ``(hist, shares)``: per sampler, the (len(edges) − 1,) shares per bin
        (they sum to 1) and the list of shares inside each decade.
    """
    check_choice("kind", kind, ("alpha", "beta"))
    if isinstance(samples, (str, bytes)) or not hasattr(samples, "__iter__"):
        raise TypeError(
            f"samples must be a list of 1-D sample arrays, got {type(samples).__name__}"
        )
    for i, x in enumerate(samples):
        check_array(f"samples[{i}]", x, ndim=1)
        if np.size(x) == 0:
            raise ValueError(f"samples[{i}] must not be empty")
    check_array("edges", edges, ndim=1)
    if np.size(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be at least 2 increasing bin edges")
    check_array("decades", decades, shape=(None, 2))
    hist, shares = [], []
    for x in samples:
        e = exponent(kind, x)
        counts, _ = np.histogram(np.clip(e, edges[0], edges[-1]), bins=edges)
        hist.append(counts / len(x))
        shares.append([float(np.mean((e >= lo) & (e <= hi))) for lo, hi in decades])
    return hist, shares


# ----------------------------------------------------------------------------
# Coarse to fine
# ----------------------------------------------------------------------------

# The optimum of the default objective, in (α, λ).
C2F_OPTIMUM = (10**-2.3, 10**-1.2)


def c2f_objective(points):
    """A made-up dev error over (α, λ) on log axes: a tilted bowl in log10.

    With u = log10 α + 2.3 and v = log10 λ + 1.2:
    error = 0.05 + 0.04 (u² + 0.6 uv + 0.5 v²), smallest (0.05) at
    α = 10^-2.3, λ = 10^-1.2 (``C2F_OPTIMUM``).

    Arguments:
        points: (n, 2) array of (α, λ), both > 0.

    Returns:
        (n,) array of errors.
    """
    check_array("points", points, shape=(None, 2))
    u = jnp.log10(points[:, 0]) + 2.3
    v = jnp.log10(points[:, 1]) + 1.2
    return 0.05 + 0.04 * (u**2 + 0.6 * u * v + 0.5 * v**2)


def coarse_to_fine_run(
    key,
    objective: Callable = c2f_objective,
    ranges=((1e-4, 1.0), (1e-4, 10.0)),
    *,
    n_trials: int = 20,
    n_rounds: int = 4,
    shrink: float = 0.4,
    grid: int = 120,
):
    """Coarse-to-fine search on ``objective`` (minimised), both axes log.

    ``objective`` is compiled once (``jax.jit``: one compile per shape, not
    one per operation) and used both by
    :func:`dlcore.search.coarse_to_fine` and on a ``grid`` × ``grid`` mesh,
    evenly spaced in log10 over ``ranges``, for the contour plot.

    Arguments:
        key: JAX PRNG key of the random trials.
        objective: maps (n, 2) points to (n,) values.
        ranges: ((α_lo, α_hi), (λ_lo, λ_hi)), all > 0.
        n_trials, n_rounds, shrink: as in :func:`dlcore.search.coarse_to_fine`.
        grid: mesh points per axis, >= 2.

    Returns:
        ``(history, gx, gy, Z)``: the rounds that ``coarse_to_fine`` returned,
        the (grid, grid) log10 mesh coordinates gx, gy and the objective's
        values Z on it (NumPy).

    Raises:
        ValueError, TypeError: as :func:`dlcore.search.coarse_to_fine`, or
        ``grid`` < 2.
    """
    check_key("key", key)
    grid = check_int("grid", grid, lo=2)
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {type(objective).__name__}")
    objective = jax.jit(objective)
    history = search.coarse_to_fine(
        objective,
        key,
        list(ranges),
        n_trials=n_trials,
        n_rounds=n_rounds,
        shrink=shrink,
        log_axes=(0, 1),
    )
    (lx0, lx1), (ly0, ly1) = np.log10(ranges[0]), np.log10(ranges[1])
    gx, gy = np.meshgrid(np.linspace(lx0, lx1, grid), np.linspace(ly0, ly1, grid))
    Z = np.asarray(
        objective(jnp.asarray(np.stack([10 ** gx.ravel(), 10 ** gy.ravel()], 1)))
    )
    return history, gx, gy, Z.reshape(gx.shape)


# ----------------------------------------------------------------------------
# Caviar: many models at once
# ----------------------------------------------------------------------------


def train_in_parallel(
    key,
    X,
    Y,
    config,
    hps: train.Hyper,
    *,
    chunk: int = 16,
    progress: Callable[[int], object] | None = None,
    **fit_kw,
) -> train.History:
    """``fit_many`` over N settings, ``chunk`` models per compiled call.

    The fields of ``hps`` are numbers (shared) or arrays of length N (one
    value per model). Every chunk has the same shape, so it compiles once;
    the result equals one ``fit_many`` call over all N models with
    ``jax.random.split(key, N)``.

    Arguments:
        key: JAX PRNG key, split into N keys (one per model).
        X, Y: the training data, as for :func:`dlcore.train.fit_many`.
        config: the :class:`dlcore.model.MLPConfig`.
        hps: a :class:`dlcore.train.Hyper` with at least one length-N field.
        chunk: models per call; N must be a multiple of it.
        progress: if given, called as ``progress(done)`` with the number of
            finished models after every chunk.
        **fit_kw: passed on to ``fit_many`` (num_steps, X_dev, ...).

    Returns:
        The chunks' :class:`dlcore.train.History`, concatenated along the
        first (model) axis.

    Raises:
        ValueError: N is not a multiple of ``chunk``, or no field of ``hps``
            has one value per model.
    """
    check_key("key", key)
    chunk = check_int("chunk", chunk, lo=1)
    if not isinstance(hps, train.Hyper):
        raise TypeError(
            "hps must be a dlcore.train.Hyper with length-N fields, got "
            f"{type(hps).__name__}"
        )
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress must be None or callable, got {type(progress).__name__}"
        )
    hps = train.Hyper(
        *(
            jnp.broadcast_to(jnp.asarray(v), ()) if np.ndim(v) == 0 else jnp.asarray(v)
            for v in hps
        )
    )
    lengths = [int(np.shape(v)[0]) for v in hps if np.ndim(v) == 1]
    if not lengths:
        raise ValueError("hps needs at least one field with one value per model")
    n = max(lengths)
    if n % chunk:
        raise ValueError(f"the number of models ({n}) must be a multiple of chunk")
    keys = jax.random.split(key, n)
    parts = []
    for start in range(0, n, chunk):
        sl = slice(start, start + chunk)
        hp = train.Hyper(*(v[sl] if np.ndim(v) == 1 else v for v in hps))
        parts.append(
            jax.block_until_ready(train.fit_many(keys[sl], X, Y, config, hp, **fit_kw))
        )
        if progress is not None:
            progress(start + chunk)
    return jax.tree.map(lambda *xs: jnp.concatenate(xs), *parts)
