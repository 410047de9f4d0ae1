"""Training: one jitted step, and whole runs compiled into a single call.

Every hyperparameter a slider may touch lives in ``Hyper`` and is a *traced*
argument: changing α, λ, keep_prob, β, β1, β2, ε, the clip threshold or the
decay rate re-uses the compiled code. Only structural choices (the network's
shape, which optimizer, the number of steps, the batch size) are static and
compile once each.

``fit`` runs all steps inside one ``jax.lax.scan``, so a 1000-step run is a
single call with no Python loop; ``fit_many`` ``vmap``s it over seeds or a grid
of hyperparameters.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from dlcore import init, model, optim, schedules
from dlcore._checks import (
    check_array,
    check_bool,
    check_choice,
    check_finite,
    check_int,
    check_key,
    check_keys,
    check_range,
    is_concrete,
)

__all__ = [
    "OPTIMIZERS",
    "History",
    "Hyper",
    "fit",
    "fit_many",
    "make_optimizer",
    "make_train_step",
]

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
_CLIP_MODES = (None, "value", "norm")
_GRAD_MODES = ("autodiff", "hand")


class Hyper(NamedTuple):
    """Hyperparameters that may change without recompiling (all traced).

    ``beta`` is the β of momentum and RMSprop; ``beta1``/``beta2`` are Adam's.
    ``clip`` is the threshold used when a clip mode is chosen. ``decay_rate``
    is the single knob of the learning-rate schedule (see
    ``dlcore.schedules.make_schedule``).
    """

    learning_rate: float = 0.01
    lambd: float = 0.0
    keep_prob: float = 1.0
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    clip: float = 1.0
    decay_rate: float = 0.0

    def validate(self) -> Hyper:
        """Check every concrete field; tracers pass through."""
        check_range("learning_rate", self.learning_rate, 0.0, None, lo_closed=False)
        check_range("lambd", self.lambd, 0.0, None)
        check_range("keep_prob", self.keep_prob, 0.0, 1.0, lo_closed=False)
        for name in ("beta", "beta1", "beta2"):
            check_range(name, getattr(self, name), 0.0, 1.0, hi_closed=False)
        check_range("eps", self.eps, 0.0, None)
        check_range("clip", self.clip, 0.0, None, lo_closed=False)
        check_range("decay_rate", self.decay_rate, 0.0, None)
        return self


def _check_hyper(name: str, hp) -> Hyper:
    """Check that ``hp`` is a Hyper with valid concrete fields; return it."""
    if not isinstance(hp, Hyper):
        raise TypeError(
            f"{name} must be a Hyper(learning_rate=..., ...), got {type(hp).__name__}"
        )
    return hp.validate()


def _check_static(opt_kw: dict):
    """Check the static (compile-time) optimizer choices by name."""
    check_choice("optimizer", opt_kw["name"], OPTIMIZERS)
    check_bool("bias_correction", opt_kw["bias_correction"])
    check_choice("clip", opt_kw["clip"], _CLIP_MODES)
    check_choice("schedule", opt_kw["schedule"], schedules.SCHEDULES)
    check_choice("grad", opt_kw.get("grad", "autodiff"), _GRAD_MODES)


def make_optimizer(
    name: str,
    hp: Hyper,
    *,
    bias_correction: bool = True,
    clip: str | None = None,
    schedule: str = "constant",
    steps_per_epoch: int = 1,
) -> optim.GradientTransformation:
    """Build an optimizer from a name and (possibly traced) hyperparameters.

    Arguments: ``name`` one of ``OPTIMIZERS``; ``hp`` a :class:`Hyper` (its
    ``learning_rate``, ``beta``/``beta1``/``beta2``, ``eps``, ``clip`` and
    ``decay_rate`` are used); ``bias_correction`` a bool (Adam);
    ``clip`` None, "value" or "norm"; ``schedule`` a name of
    ``dlcore.schedules.SCHEDULES``, ``decay_rate`` being its rate;
    ``steps_per_epoch`` an integer >= 1. Errors name these arguments and the
    fields of ``hp``.
    """
    check_choice("optimizer", name, OPTIMIZERS)
    hp = _check_hyper("hp", hp)
    check_bool("bias_correction", bias_correction)
    check_choice("clip", clip, _CLIP_MODES)
    check_choice("schedule", schedule, schedules.SCHEDULES)
    schedules.check_rate("decay_rate", schedule, hp.decay_rate)
    check_int("steps_per_epoch", steps_per_epoch, lo=1)
    lr = schedules.make_schedule(
        schedule, hp.learning_rate, hp.decay_rate, steps_per_epoch
    )
    if name == "gd":
        opt = optim.gd(lr)
    elif name == "momentum":
        opt = optim.momentum(lr, beta=hp.beta)
    elif name == "rmsprop":
        opt = optim.rmsprop(lr, beta=hp.beta, eps=hp.eps)
    else:
        opt = optim.adam(
            lr,
            beta1=hp.beta1,
            beta2=hp.beta2,
            eps=hp.eps,
            bias_correction=bias_correction,
        )
    if clip == "value":
        return optim.chain(optim.clip_by_value(hp.clip), opt)
    if clip == "norm":
        return optim.chain(optim.clip_by_global_norm(hp.clip), opt)
    return opt


def _grads_and_cost(params, X, Y, config, key, state, grad: str):
    if grad == "autodiff":

        def cost(p):
            return model.cost_and_state(p, X, Y, config, key=key, state=state)

        (J, new_state), grads = jax.value_and_grad(cost, has_aux=True)(params)
        return grads, J, new_state
    AL, caches, new_state = model.forward(params, X, config, key=key, state=state)
    grads = model.backward(AL, Y, caches, config, params)
    J = model.data_cost(caches[-1].Zt, Y, config) + model.penalty(
        params, config, X.shape[1]
    )
    return grads, J, new_state


def _step(params, opt_state, state, X, Y, key, hp, config, opt_kw, grad):
    cfg = config.replace(keep_prob=hp.keep_prob, lambd=hp.lambd)
    opt = make_optimizer(hp=hp, **opt_kw)
    grads, J, state = _grads_and_cost(params, X, Y, cfg, key, state, grad)
    updates, opt_state = opt.update(grads, opt_state, params)
    return optim.apply_updates(params, updates), opt_state, state, J


def make_train_step(
    config: model.MLPConfig,
    optimizer: str = "adam",
    *,
    bias_correction: bool = True,
    clip: str | None = None,
    schedule: str = "constant",
    steps_per_epoch: int = 1,
    grad: str = "autodiff",
):
    """Return ``(init, step)`` for one optimisation step on a batch.

    ``init(params, hp)`` gives the optimizer state. ``step(params, opt_state,
    state, X, Y, key, hp)`` returns ``(params, opt_state, state, J)``, where
    ``state`` holds the BN running statistics and ``J`` is the cost before the
    update. ``step`` is jitted and all of ``hp`` is traced.
    ``grad="hand"`` uses the hand-written backward instead of ``jax.grad``.
    """
    model.check_config(config)
    check_choice("grad", grad, _GRAD_MODES)
    opt_kw = dict(
        name=optimizer,
        bias_correction=bias_correction,
        clip=clip,
        schedule=schedule,
        steps_per_epoch=check_int("steps_per_epoch", steps_per_epoch, lo=1),
    )
    _check_static(opt_kw)

    def init(params, hp: Hyper = Hyper()):
        return make_optimizer(hp=hp, **opt_kw).init(params)

    jitted = jax.jit(partial(_step, opt_kw=opt_kw, grad=grad))

    def step(params, opt_state, state, X, Y, key, hp: Hyper):
        hp = Hyper(*hp).validate()
        model.check_inputs(params, X, config, state=state)
        _check_Y("Y", Y, X)
        if key is not None:
            check_key("key", key)
        return jitted(params, opt_state, state, X, Y, key, hp, config)

    return init, step


def _check_Y(name: str, Y, X, n_y: int | None = None):
    """Y (n_y, m): real, finite and with the m columns of X."""
    check_array(name, Y, ndim=2)
    check_finite(name, Y)
    if Y.shape[1] != X.shape[1] or (n_y is not None and Y.shape[0] != n_y):
        rows = "n[L]" if n_y is None else str(n_y)
        raise ValueError(
            f"{name} must have shape ({rows}, {X.shape[1]}) to match the "
            f"{X.shape[1]} columns (examples) of X, got {tuple(Y.shape)}"
        )


class History(NamedTuple):
    """What ``fit`` returns. Metric arrays are indexed by ``eval_steps``."""

    params: dict
    state: dict
    loss: jax.Array  # (num_steps,) mini-batch cost before each step
    eval_steps: jax.Array  # (n_evals,) step index (1-based) of each evaluation
    train_acc: jax.Array  # (n_evals,) accuracy on all of X, eval mode
    dev_acc: jax.Array  # (n_evals,) accuracy on X_dev (NaN without dev data)
    dev_cost: jax.Array  # (n_evals,) data cost on X_dev (NaN without dev data)


def _batch(X, Y, t, key, batch_size: int, nb: int):
    """Mini-batch number t % nb of epoch t // nb (a fresh shuffle per epoch).

    To keep shapes fixed inside the compiled loop, the last batch of an epoch
    is the *final* ``batch_size`` columns of the shuffled order: it holds the
    leftover examples plus a few from the previous batch, so every example is
    still seen each epoch.
    """
    m = X.shape[1]
    perm = jax.random.permutation(jax.random.fold_in(key, t // nb), m)
    start = jnp.minimum((t % nb) * batch_size, m - batch_size)
    idx = jax.lax.dynamic_slice(perm, (start,), (batch_size,))
    return X[:, idx], Y[:, idx]


@partial(
    jax.jit,
    static_argnames=(
        "num_steps",
        "batch_size",
        "eval_every",
        "opt_kw",
        "grad",
        "init_scheme",
    ),
)
def _fit(
    key,
    X,
    Y,
    X_dev,
    Y_dev,
    params,
    hp,
    init_scale,
    config,
    *,
    num_steps,
    batch_size,
    eval_every,
    opt_kw,
    grad,
    init_scheme,
):
    k_init, k_shuffle, k_drop = jax.random.split(key, 3)
    if params is None:
        params = model.init_params(k_init, config, init_scheme, init_scale)
    cfg = config.replace(keep_prob=hp.keep_prob, lambd=hp.lambd)
    opt = make_optimizer(hp=hp, **dict(opt_kw))
    m = X.shape[1]
    nb = math.ceil(m / batch_size)
    state0 = model.init_state(config, X.dtype)

    def evaluate(params, state):
        A = model.forward(params, X, cfg, train=False, state=state)[0]
        train_acc = model.accuracy(A, Y)
        if X_dev is None:
            nan = jnp.array(jnp.nan, A.dtype)
            return train_acc, nan, nan
        _, caches, _ = model.forward(params, X_dev, cfg, train=False, state=state)
        ZL = caches[-1].Zt
        A_dev = model.activations.get(cfg.output)[0](ZL)
        return train_acc, model.accuracy(A_dev, Y_dev), model.data_cost(ZL, Y_dev, cfg)

    def body(carry, t):
        params, opt_state, state = carry
        Xb, Yb = (X, Y) if nb == 1 else _batch(X, Y, t, k_shuffle, batch_size, nb)
        grads, J, state = _grads_and_cost(
            params, Xb, Yb, cfg, jax.random.fold_in(k_drop, t), state, grad
        )
        updates, opt_state = opt.update(grads, opt_state, params)
        params = optim.apply_updates(params, updates)
        nan = jnp.full((3,), jnp.nan, J.dtype)
        metrics = jax.lax.cond(
            (t + 1) % eval_every == 0,
            lambda: jnp.stack(evaluate(params, state)).astype(J.dtype),
            lambda: nan,
        )
        return (params, opt_state, state), (J, metrics)

    (params, _, state), (loss, metrics) = jax.lax.scan(
        body, (params, opt.init(params), state0), jnp.arange(num_steps)
    )
    sel = jnp.arange(eval_every - 1, num_steps, eval_every)
    return History(
        params,
        state,
        loss,
        sel + 1,
        metrics[sel, 0],
        metrics[sel, 1],
        metrics[sel, 2],
    )


def fit(
    key,
    X,
    Y,
    config: model.MLPConfig,
    hp: Hyper = Hyper(),
    *,
    optimizer: str = "adam",
    num_steps: int = 1000,
    batch_size: int | None = None,
    params: dict | None = None,
    init_scheme: str = "he",
    init_scale: float = 1.0,
    X_dev=None,
    Y_dev=None,
    eval_every: int | None = None,
    bias_correction: bool = True,
    clip: str | None = None,
    schedule: str = "constant",
    grad: str = "autodiff",
) -> History:
    """Train for ``num_steps`` steps in one compiled call.

    Args:
      key: PRNG key for the initialisation (when ``params`` is None), the
        per-epoch shuffles and the dropout masks.
      X, Y: training data ``(n0, m)`` and ``(n[L], m)``.
      config: network structure; its ``keep_prob``/``lambd`` are replaced by
        ``hp``'s.
      hp: traced hyperparameters (changing them never recompiles).
      batch_size: None for full-batch gradient descent, else mini-batches with
        a fresh shuffle every epoch (``ceil(m / batch_size)`` steps per epoch).
      eval_every: record train/dev metrics every this many steps (default:
        about 100 evaluations per run).
      schedule: learning-rate decay by epoch (``dlcore.schedules``).

    Returns:
      ``History`` with the final params and BN state, the cost at every step
      and the metrics at ``eval_steps``.

    Raises:
      TypeError / ValueError naming the argument: a batch of keys, ``X``,
      ``Y``, ``X_dev``, ``Y_dev`` of the wrong shape or dtype or holding
      NaN/inf, a field of ``hp`` out of range or not finite, non-integer
      sizes, non-bool flags, unknown names.
    """
    check_key("key", key)
    model.check_config(config)
    check_array("X", X, ndim=2, floating=True)
    check_finite("X", X)
    _check_Y("Y", Y, X)
    if (X_dev is None) != (Y_dev is None):
        raise ValueError("pass both X_dev and Y_dev, or neither")
    if X_dev is not None:
        check_array("X_dev", X_dev, shape=(X.shape[0], None), floating=True)
        check_finite("X_dev", X_dev)
        _check_Y("Y_dev", Y_dev, X_dev, n_y=Y.shape[0])
    check_bool("bias_correction", bias_correction)
    check_choice("init_scheme", init_scheme, init.SCHEMES)
    m = X.shape[1]
    num_steps = check_int("num_steps", num_steps, lo=1)
    batch_size = m if batch_size is None else check_int("batch_size", batch_size, 1, m)
    if eval_every is None:
        eval_every = max(1, num_steps // 100)
    eval_every = check_int("eval_every", eval_every, 1, num_steps)
    check_choice("grad", grad, _GRAD_MODES)
    check_range("init_scale", init_scale, 0.0, None)
    hp = Hyper(*hp).validate()
    if any(config.batchnorm) and batch_size < 2:
        raise ValueError("batch_size must be at least 2 when the net uses batch norm")
    opt_kw = dict(
        name=optimizer,
        bias_correction=bias_correction,
        clip=clip,
        schedule=schedule,
        steps_per_epoch=math.ceil(m / batch_size),
    )
    _check_static(opt_kw)
    make_optimizer(hp=hp, **opt_kw)  # checks the schedule's rate for this schedule
    if params is not None and is_concrete(params):
        model.check_inputs(params, X, config)
    hp = Hyper(*(jnp.asarray(v, X.dtype) for v in hp))
    return _fit(
        key,
        X,
        Y,
        X_dev,
        Y_dev,
        params,
        hp,
        jnp.asarray(init_scale, X.dtype),
        config,
        num_steps=num_steps,
        batch_size=batch_size,
        eval_every=eval_every,
        opt_kw=tuple(sorted(opt_kw.items())),
        grad=grad,
        init_scheme=init_scheme,
    )


def fit_many(keys, X, Y, config: model.MLPConfig, hps: Hyper, **kw) -> History:
    """``fit`` vmapped over seeds and/or hyperparameters, in one compiled call.

    ``keys`` is a batch of PRNG keys ``(N,)`` (e.g. ``jax.random.split(key, N)``)
    and each field of ``hps`` is a scalar (shared) or an array of length N.
    Every field of the returned ``History`` gains a leading axis of size N.
    Parameters are initialised inside from each key (``params`` is not
    accepted here).
    """
    if "params" in kw:
        raise TypeError("fit_many initialises params from each key; drop params=")
    n = check_keys("keys", keys)
    model.check_config(config)
    check_array("X", X, ndim=2, floating=True)
    check_finite("X", X)
    hps = _check_hyper("hps", hps)
    hp_arrays = []
    for name, v in zip(Hyper._fields, Hyper(*hps), strict=True):
        v = jnp.asarray(v, X.dtype)
        if v.ndim == 0:
            v = jnp.full((n,), v)
        if v.shape != (n,):
            raise ValueError(
                f"hps.{name} must be a scalar or have shape ({n},) to match keys, "
                f"got {tuple(v.shape)}"
            )
        hp_arrays.append(v)
    Hyper(*hp_arrays).validate()
    return jax.vmap(lambda k, hp: fit(k, X, Y, config, hp, **kw))(
        keys, Hyper(*hp_arrays)
    )
