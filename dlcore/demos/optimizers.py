"""2-D test surfaces J(θ), θ = (x, y), and optimizer paths across them.

Each :class:`Surface` is a function ``f(θ) -> scalar`` of θ of shape (2,) plus
what a contour plot needs (a view box, a start point, the minimum)::

    s = SURFACES["quadratic"]              # J = ½ (x² + κ y²), κ = 10
    xs, ys, Z = grid(s, n=80)              # Z[i, j] = J(xs[j], ys[i])
    out = optimizer_paths(s, s.start, PathHyper(alpha=0.1), num_steps=100)
    out.theta.shape                        # (4, 101, 2): gd, momentum, rmsprop, adam

``optimizer_paths`` runs the optimizers of :mod:`dlcore.optim` (not a copy of
them) in ONE jitted ``lax.scan``. Every number (α, β, β1, β2, ε, the decay
rate, the start point) is a traced argument, and so are the schedule choice and
the bias-correction switch: moving any slider never recompiles. Only a new
``Surface`` or a new ``num_steps`` compiles (once each).

Nothing here hides divergence: a path that overflows returns inf/NaN from that
step on, and the plotting layer marks it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore import optim
from dlcore._checks import (
    check_array,
    check_choice,
    check_int,
    check_range,
    check_real,
)
from dlcore.schedules import SCHEDULES, make_schedule

__all__ = [
    "OPTIMIZERS",
    "SURFACES",
    "PathHyper",
    "Paths",
    "Surface",
    "beale",
    "contour_grids",
    "contour_levels",
    "elongated_quadratic",
    "grid",
    "optimizer_paths",
    "rosenbrock",
    "saddle",
]

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
_SCHEDULE_NAMES = tuple(SCHEDULES)


@dataclasses.dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface J(θ) on θ = (x, y), with what a plot of it needs.

    Instances compare and hash by identity, so a ``Surface`` can be a static
    argument of ``jax.jit``: the factories below are cached and return the
    same object for the same parameters (one compilation each).

    Attributes:
        name: short name for menus and titles.
        formula: the formula as text, e.g. ``"½(x² + κy²), κ=10"``.
        f: ``θ (2,) -> scalar``, written with ``jax.numpy``.
        xlim, ylim: the view box of the contour plot.
        start: a start point that shows the surface's character.
        minimum: the global minimiser (x*, y*), and f_min = J(x*, y*).
        alpha: a learning rate that makes all four optimizers do something
            sensible from ``start`` (a hint for a panel's α slider).
    """

    name: str
    formula: str
    f: Callable
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    start: tuple[float, float]
    minimum: tuple[float, float]
    f_min: float
    alpha: float

    def __call__(self, theta):
        return self.f(theta)


@functools.cache
def elongated_quadratic(kappa: float = 10.0) -> Surface:
    """``J(θ) = ½ θᵀ A θ = ½ (x² + κ y²)`` with ``A = diag(1, κ)``.

    κ >= 1 is the condition number: the contours are ellipses κ times more
    curved across (y) than along (x), the lecture's picture for why
    gradient descent zig-zags and momentum helps. Gradient descent is stable
    for α < 2/κ, and then θ_t = (I − αA)^t θ_0.
    """
    check_range("kappa", kappa, 1, math.inf, hi_closed=False)
    return _quadratic(float(kappa))


@functools.cache  # one object per κ: a stable jit static arg
def _quadratic(kappa: float) -> Surface:
    return Surface(
        name="quadratic",
        formula=f"½(x² + {kappa:g}·y²)",
        f=lambda th: 0.5 * (th[0] ** 2 + kappa * th[1] ** 2),
        xlim=(-3.0, 3.0),
        ylim=(-2.0, 2.0),
        start=(-2.6, 1.5),
        minimum=(0.0, 0.0),
        f_min=0.0,
        alpha=min(0.1, 1.0 / kappa),
    )


@functools.cache
def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """Rosenbrock's banana: ``J = (a − x)² + b (y − x²)²``, minimum (a, a²).

    A curved, flat-bottomed valley: finding the valley is easy, following it
    to the minimum is slow for plain gradient descent.
    """
    check_range("a", a)
    check_range("b", b, 0, math.inf, lo_closed=False, hi_closed=False)
    return _rosenbrock(float(a), float(b))


@functools.cache
def _rosenbrock(a: float, b: float) -> Surface:
    return Surface(
        name="rosenbrock",
        formula=f"({a:g} − x)² + {b:g}(y − x²)²",
        f=lambda th: (a - th[0]) ** 2 + b * (th[1] - th[0] ** 2) ** 2,
        xlim=(-2.0, 2.0),
        ylim=(-1.0, 3.0),
        start=(-1.5, 2.5),
        minimum=(a, a * a),
        f_min=0.0,
        alpha=2e-3,
    )


@functools.cache
def saddle(bounded: bool = True) -> Surface:
    """A saddle point at the origin.

    ``bounded=False``: ``J = x² − y²``, the textbook saddle. It has no
    minimum: a path that leaves the ridge runs off to y = ±∞ (and eventually
    overflows to inf), forever.

    ``bounded=True`` (the default): ``J = x² − y² + ½ y⁴``. Near the origin
    it is the same saddle, but the quartic term turns the escape into two
    minima at (0, ±1) with J = −½, so escaping paths stop somewhere visible.
    Start just off the ridge (y ≈ 0) to see who escapes the plateau fastest.
    """
    if not isinstance(bounded, bool):
        raise TypeError(f"bounded must be a Python bool, got {bounded!r}")
    return _saddle(bounded)


@functools.cache
def _saddle(bounded: bool) -> Surface:
    if bounded:
        f = lambda th: th[0] ** 2 - th[1] ** 2 + 0.5 * th[1] ** 4  # noqa: E731
        formula, minimum, f_min = "x² − y² + ½y⁴", (0.0, 1.0), -0.5
    else:
        f = lambda th: th[0] ** 2 - th[1] ** 2  # noqa: E731
        formula, minimum, f_min = "x² − y²", (0.0, math.inf), -math.inf
    return Surface(
        name="saddle" if bounded else "saddle (unbounded)",
        formula=formula,
        f=f,
        xlim=(-2.0, 2.0),
        ylim=(-2.0, 2.0),
        start=(-1.8, 0.01),
        minimum=minimum,
        f_min=f_min,
        alpha=0.01,
    )


@functools.cache
def beale() -> Surface:
    """Beale's function, minimum J(3, 0.5) = 0::

        J = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²

    Flat plateaus next to very steep walls (terms up to y⁶): a fixed α that is
    safe on the walls is far too small on the plateaus, which is where
    RMSprop and Adam's per-coordinate scaling shines.
    """

    def f(th):
        x, y = th[0], th[1]
        return (
            (1.5 - x + x * y) ** 2
            + (2.25 - x + x * y**2) ** 2
            + (2.625 - x + x * y**3) ** 2
        )

    return Surface(
        name="beale",
        formula="Beale",
        f=f,
        xlim=(-4.5, 4.5),
        ylim=(-4.5, 4.5),
        start=(1.0, 1.5),
        minimum=(3.0, 0.5),
        f_min=0.0,
        alpha=1e-2,
    )


SURFACES: dict[str, Surface] = {
    "quadratic": elongated_quadratic(),
    "rosenbrock": rosenbrock(),
    "saddle": saddle(),
    "beale": beale(),
}


def _check_surface(surface) -> Surface:
    if not isinstance(surface, Surface):
        raise TypeError(
            "surface must be a dlcore.demos.optimizers.Surface"
            f" (e.g. SURFACES['rosenbrock'])"
            f", got {type(surface).__name__}"
        )
    return surface


# ----------------------------------------------------------------------------
# Grids and contour levels
# ----------------------------------------------------------------------------


def grid(surface: Surface, n: int = 100):
    """Evaluate J on an n × n grid over the surface's view box.

    Returns ``xs`` (n,), ``ys`` (n,) and ``Z`` (n, n) float32 with
    ``Z[i, j] = J(xs[j], ys[i])`` (the layout of ``plt.contour(xs, ys, Z)``).
    Compiled once per (surface, n).
    """
    _check_surface(surface)
    n = check_int("n", n, lo=2)
    return _grid(surface, n)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _grid(surface, n):
    xs = jnp.linspace(*surface.xlim, n, dtype=jnp.float32)
    ys = jnp.linspace(*surface.ylim, n, dtype=jnp.float32)
    XX, YY = jnp.meshgrid(xs, ys)
    points = jnp.stack([XX.ravel(), YY.ravel()], axis=1)
    Z = jax.vmap(surface.f)(points).reshape(n, n)
    return xs, ys, Z


def contour_levels(Z, f_min: float, num: int = 15) -> np.ndarray:
    """Contour levels spaced geometrically in the gap J − f_min.

    Valleys matter more than walls, so levels are ``f_min + g_k`` with g_k
    from ``geomspace(g_lo, g_hi, num)``: g_hi is the median gap over the grid
    (walls above it are left blank), g_lo is g_hi·1e-4 (or, when f_min is
    -inf, evenly spaced levels between the grid's min and median are used).
    Returns a sorted float64 NumPy array of ``num`` distinct levels.
    """
    check_array("Z", Z)
    check_real("f_min", f_min)
    if np.ndim(f_min) != 0 or np.isnan(f_min):
        raise ValueError(f"f_min must be one number or -inf, got {f_min!r}")
    Z = np.asarray(Z, dtype=np.float64)
    num = check_int("num", num, lo=2)
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        raise ValueError("Z has no finite values to draw contours of")
    if not math.isfinite(f_min):
        lo, hi = finite.min(), np.median(finite)
        return np.linspace(lo, hi if hi > lo else lo + 1.0, num)
    hi = float(np.median(finite - f_min))
    hi = hi if hi > 0 else 1.0
    return f_min + np.geomspace(hi * 1e-4, hi, num)


def contour_grids(surfaces: dict, n: int = 80) -> dict:
    """Every surface's contour data, computed once, up front.

    Arguments:
        surfaces: name -> :class:`Surface`.
        n: grid points per axis, >= 2 (see :func:`grid`).

    Returns:
        name -> ``(xs, ys, Z, levels, J_ref)``: the NumPy grid of
        :func:`grid`, the levels of :func:`contour_levels`, and the value
        J − J_min is measured from (the surface's ``f_min``, or the grid's
        smallest value when f_min is −inf).

    Raises:
        TypeError, ValueError: a value is not a Surface, or ``n`` < 2.
    """
    if not isinstance(surfaces, dict) or not surfaces:
        raise TypeError(
            "surfaces must be a non-empty dict name -> Surface, got "
            f"{type(surfaces).__name__}"
        )
    n = check_int("n", n, lo=2)
    for name, s in surfaces.items():
        if not isinstance(s, Surface):
            raise TypeError(
                f"surfaces[{name!r}] must be a Surface, got {type(s).__name__}"
            )
    grids = {}
    for name, s in surfaces.items():
        xs, ys, Z = map(np.asarray, grid(s, n))
        ref = s.f_min if math.isfinite(s.f_min) else float(np.nanmin(Z))
        grids[name] = (xs, ys, Z, contour_levels(Z, s.f_min), ref)
    return grids


# ----------------------------------------------------------------------------
# Optimizer paths
# ----------------------------------------------------------------------------


class PathHyper(NamedTuple):
    """The traced hyperparameters of :func:`optimizer_paths`.

    alpha: α0, the learning rate (step 0 of the schedule), > 0.
    beta: β of momentum and RMSprop, in [0, 1).
    beta1, beta2: Adam's β1 and β2, in [0, 1).
    eps: ε of RMSprop and Adam (outside the root), >= 0.
    decay_rate: the schedule's one knob (see ``schedules.make_schedule``):
        decay_rate of 1/(1 + rate·epoch), base of rate^epoch, k of
        k/√epoch, drop of the staircase; ignored by "constant".
    """

    alpha: float = 0.01
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    decay_rate: float = 0.95


class Paths(NamedTuple):
    """Output of :func:`optimizer_paths`; row k is ``OPTIMIZERS[k]``.

    theta: (4, T+1, 2), θ_0 .. θ_T of each optimizer (θ_0 = start).
    loss: (4, T+1), J(θ_t).
    alpha: (T,), the learning rate used by step t = 1..T (the schedule).
    """

    theta: jax.Array
    loss: jax.Array
    alpha: jax.Array


def optimizer_paths(
    surface: Surface,
    start,
    hp: PathHyper | None = None,
    *,
    num_steps: int = 100,
    bias_correction: bool = True,
    schedule: str = "constant",
    surfaces: tuple[Surface, ...] | None = None,
) -> Paths:
    """Run gd, momentum, RMSprop and Adam from ``start`` on ``surface``.

    Each optimizer comes from :mod:`dlcore.optim` with the learning rate
    ``schedules.make_schedule(schedule, α0, decay_rate)`` (one step = one
    epoch) and does, for t = 1..T::

        g = ∇J(θ_{t-1})
        updates, state = opt.update(g, state)
        θ_t = θ_{t-1} + updates

    ``hp`` defaults to ``PathHyper()``. All four run in one jitted
    ``lax.scan``. ``start`` (2,) and every field of
    ``hp`` are traced; so are ``schedule`` and ``bias_correction`` (the scan
    runs Adam with and without bias correction and keeps the one asked for,
    and picks the schedule with ``lax.switch``), so changing them does not
    recompile either. ``surface`` and ``num_steps`` are static.

    ``surfaces`` (optional): a tuple of Surfaces that contains ``surface``.
    All of them then share ONE compiled program, and ``surface`` is picked
    at run time with ``lax.switch``, so a surface dropdown compiles once
    (measured: one such compile costs about half of four separate ones).

    Non-finite values propagate: once a path overflows, its θ and J are
    inf/NaN from that step on.
    """
    _check_surface(surface)
    num_steps = check_int("num_steps", num_steps, lo=1)
    if not isinstance(bias_correction, bool):
        raise TypeError(
            f"bias_correction must be a Python bool, got {bias_correction!r}"
        )
    check_choice("schedule", schedule, _SCHEDULE_NAMES)
    check_array("start", start, shape=(2,))
    hp = PathHyper() if hp is None else hp
    if not isinstance(hp, PathHyper):
        raise TypeError(f"hp must be a PathHyper, got {type(hp).__name__}")
    check_range("alpha", hp.alpha, 0, math.inf, lo_closed=False, hi_closed=False)
    for name in ("beta", "beta1", "beta2"):
        check_range(name, getattr(hp, name), 0, 1, hi_closed=False)
    check_range("eps", hp.eps, 0, math.inf, hi_closed=False)
    check_range("decay_rate", hp.decay_rate, 0, math.inf, hi_closed=False)
    hp = PathHyper(*(_float32(v) for v in hp))
    family = (surface,) if surfaces is None else tuple(surfaces)
    for s in family:
        _check_surface(s)
    if surface not in family:
        raise ValueError(f"surfaces must contain surface {surface.name!r}")
    return _paths(
        family,
        np.int32(family.index(surface)),
        num_steps,
        _float32(start),
        hp,
        np.int32(_SCHEDULE_NAMES.index(schedule)),
        np.bool_(bias_correction),
    )


def _float32(x):
    """``x`` as float32 for the jitted scan: a JAX array (or tracer) stays on
    the device; anything else becomes a NumPy value, which jit takes without
    a separate dispatch per argument (about 0.1 ms each on a slider move)."""
    if isinstance(x, jax.Array):
        return x.astype(jnp.float32)
    return np.asarray(x, dtype=np.float32)


def _learning_rate(hp: PathHyper, schedule_index):
    """The schedule ``count -> α`` chosen at run time by ``lax.switch``."""
    branches = [
        functools.partial(
            lambda count, name: jnp.asarray(
                make_schedule(name, hp.alpha, hp.decay_rate)(count), jnp.float32
            ),
            name=name,
        )
        for name in _SCHEDULE_NAMES
    ]
    return lambda count: jax.lax.switch(schedule_index, branches, count)


def _switch_f(family, index):
    """J of ``family[index]`` with the index a run-time value."""
    if len(family) == 1:
        return family[0].f
    return lambda th: jax.lax.switch(index, [s.f for s in family], th)


@functools.partial(jax.jit, static_argnums=(0, 2))
def _paths(family, index, num_steps, start, hp, schedule_index, bias_correction):
    f = _switch_f(family, index)
    # α for every step, computed once; the optimizers read it as a schedule
    alpha = jax.vmap(_learning_rate(hp, schedule_index))(
        jnp.arange(num_steps, dtype=jnp.int32)
    )
    lr = lambda count: alpha[count]  # noqa: E731
    opts = (
        optim.gd(lr),
        optim.momentum(lr, hp.beta),
        optim.rmsprop(lr, hp.beta, hp.eps),
        optim.adam(lr, hp.beta1, hp.beta2, hp.eps, bias_correction=True),
        optim.adam(lr, hp.beta1, hp.beta2, hp.eps, bias_correction=False),
    )
    thetas = jnp.tile(start, (len(opts), 1))  # (5, 2)
    states = tuple(opt.init(th) for opt, th in zip(opts, thetas, strict=True))
    grad_f = jax.vmap(jax.grad(f))
    loss_f = jax.vmap(f)

    def step(carry, _):
        thetas, states = carry
        grads = grad_f(thetas)
        new_thetas, new_states = [], []
        for k, opt in enumerate(opts):
            updates, state = opt.update(grads[k], states[k])
            new_thetas.append(optim.apply_updates(thetas[k], updates))
            new_states.append(state)
        thetas = jnp.stack(new_thetas)
        return (thetas, tuple(new_states)), (thetas, loss_f(thetas))

    _, (theta_seq, loss_seq) = jax.lax.scan(
        step, (thetas, states), None, length=num_steps
    )
    theta = jnp.concatenate([thetas[None], theta_seq])  # (T+1, 5, 2)
    loss = jnp.concatenate([loss_f(thetas)[None], loss_seq])  # (T+1, 5)
    adam = jnp.where(bias_correction, theta[:, 3], theta[:, 4])
    adam_loss = jnp.where(bias_correction, loss[:, 3], loss[:, 4])
    theta = jnp.concatenate([theta[:, :3], adam[:, None]], axis=1)
    loss = jnp.concatenate([loss[:, :3], adam_loss[:, None]], axis=1)
    return Paths(theta=jnp.swapaxes(theta, 0, 1), loss=loss.T, alpha=alpha)


# ----------------------------------------------------------------------------
# Mini-batch noise near the minimum (the case for learning-rate decay)
# ----------------------------------------------------------------------------


def minibatch_descent(
    key, X, w0, learning_rate, *, mini_batch_size: int, num_epochs: int
) -> jax.Array:
    """Mini-batch gradient descent on the mean squared distance to the data.

    The cost and its gradient, for X of shape (n, m) and w of shape (n,)::

        J(w) = 1/(2m) · Σ_i ‖w − x^(i)‖²,      ∇J(w) = w − x̄,   x̄ = X.mean(axis=1)

    so the minimum is w* = x̄. Mini-batch t only sees its own columns and
    steps along ``w − mean(X^{t})``: the right direction on average, but a
    noisy one, and the noise does not shrink as w approaches w*. Every epoch
    reshuffles the columns with ``jax.random.fold_in(key, epoch)`` and cuts
    them into T = m / mini_batch_size mini-batches. The step is
    ``dlcore.optim.gd(learning_rate)``.

    Arguments:
        key: a JAX PRNG key (the shuffles).
        X: (n, m) floating array, one example per column.
        w0: (n,) start point.
        learning_rate: α > 0, or a schedule ``count -> α`` from
            :mod:`dlcore.schedules` (count = updates done so far; build it
            with ``steps_per_epoch=T`` to decay once per epoch).
        mini_batch_size: an int that divides m.
        num_epochs: int >= 1.

    Returns:
        W of shape (num_epochs · T + 1, n): w_0, then w after every step.

    Raises:
        TypeError: key is not a PRNG key, X or w0 is not a floating array, or
            mini_batch_size / num_epochs is not an int.
        ValueError: wrong shapes, mini_batch_size outside [1, m] or not a
            divisor of m, num_epochs < 1.
    """
    from dlcore._checks import check_key  # appended section: keep the header as is

    check_key("key", key)
    X = jnp.asarray(check_array("X", X, ndim=2, floating=True))
    n, m = X.shape
    w0 = jnp.asarray(check_array("w0", w0, shape=(n,), floating=True), X.dtype)
    mini_batch_size = check_int("mini_batch_size", mini_batch_size, lo=1, hi=m)
    if m % mini_batch_size:
        raise ValueError(f"mini_batch_size must divide m = {m}, got {mini_batch_size}")
    num_epochs = check_int("num_epochs", num_epochs, lo=1)
    T = m // mini_batch_size
    opt = optim.gd(learning_rate)

    def epoch_means(epoch):  # (T, n): the mean of every mini-batch of this epoch
        perm = jax.random.permutation(jax.random.fold_in(key, epoch), m)
        return X[:, perm].reshape(n, T, mini_batch_size).mean(axis=2).T

    means = jnp.concatenate([epoch_means(e) for e in range(num_epochs)])

    def step(carry, batch_mean):
        w, state = carry
        updates, state = opt.update(w - batch_mean, state)
        w = optim.apply_updates(w, updates)
        return (w, state), w

    _, W = jax.lax.scan(step, (w0, opt.init(w0)), means)
    return jnp.concatenate([w0[None], W])


@functools.cache
def _value_and_grad(surface: Surface):
    return jax.jit(jax.value_and_grad(surface.f))


def your_adam_path(
    adam_update,
    surface: Surface,
    start,
    alpha,
    *,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    time_limit: float = 5.0,
):
    """Adam across ``surface`` with the student's ``adam_update``, run eagerly.

    For t = 1..T, with v_0 = s_0 = 0 (float32, shape (2,)) and α_t = alpha[t−1]::

        g = ∇J(θ_{t−1})                                    (jax.grad, jitted)
        v_t, s_t, step = adam_update(v_{t−1}, s_{t−1}, g, t, β1, β2, ε)
        θ_t = θ_{t−1} − α_t · step

    The student's function is called outside jit on NumPy float32 arrays
    (copies), at most ``time_limit`` seconds in all. Once θ_t is not
    finite, the rest of the path is NaN (the student's code is not called
    again). With a correct ``adam_update`` the path is the one of
    ``optimizer_paths`` (bias correction on) up to float32 rounding.

    Arguments:
        adam_update: the student's function (the exercise of notebook 08).
        surface: a :class:`Surface`.
        start: θ_0, shape (2,).
        alpha: the learning rate of each step, shape (T,), e.g. ``Paths.alpha``.
        beta1, beta2: in [0, 1). eps: >= 0. time_limit: seconds, > 0.

    Returns:
        ``(theta, loss)``: float64 NumPy arrays (T+1, 2) and (T+1,).

    Raises:
        TypeError: ``adam_update`` is not callable or ``surface`` not a Surface.
        ValueError: a bad shape or hyperparameter, or a step that is not (2,).
        TimeoutError: the student's code ran longer than ``time_limit``.
        Whatever the student's function raises.
    """
    from dlcore.exercises import stop_after  # appended section: header as is

    if not callable(adam_update):
        raise TypeError(
            f"adam_update must be a function, got {type(adam_update).__name__}"
        )
    _check_surface(surface)
    theta = np.array(check_array("start", start, shape=(2,)), dtype=np.float32)
    alpha = np.asarray(check_array("alpha", alpha, ndim=1), dtype=np.float32)
    for name, b in (("beta1", beta1), ("beta2", beta2)):
        check_range(name, b, 0, 1, hi_closed=False)
    check_range("eps", eps, 0, math.inf, hi_closed=False)
    check_range("time_limit", time_limit, 0, math.inf, lo_closed=False)
    value_and_grad = _value_and_grad(surface)
    T = alpha.shape[0]
    thetas, losses = np.full((T + 1, 2), np.nan), np.full(T + 1, np.nan)
    v = s = np.zeros(2, np.float32)
    value_and_grad(theta)  # compiled before the student's clock starts
    with stop_after(time_limit, "adam_update"):
        for t in range(T + 1):
            J, g = value_and_grad(theta)
            thetas[t], losses[t] = theta, float(J)
            if t == T or not np.isfinite(theta).all():
                break
            g = np.asarray(g, dtype=np.float32)
            v, s, step = adam_update(v.copy(), s.copy(), g, t + 1, beta1, beta2, eps)
            v, s, step = (np.asarray(a, np.float32) for a in (v, s, step))
            if step.shape != (2,):
                raise ValueError(
                    f"your adam_update returned a step of shape {step.shape}, "
                    "expected (2,) (the shape of g)"
                )
            theta = theta - alpha[t] * step
    return thetas, losses
