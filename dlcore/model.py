"""An L-layer MLP: forward pass, hand-written backward pass, differentiable cost.

Per layer l = 1..L (lecture notation, one column per example)::

    Z{l}  = W{l} A{l-1} + b{l}                      (n[l], m)
    Z̃{l}  = γ{l} ⊙ BN(Z{l}) + β{l}    if BN on l   (then there is no b{l})
    A{l}  = g{l}(Z̃{l})
    A{l}  = A{l} ⊙ mask{l} / keep_prob  if dropout on l (training only)

Hidden layers may use BN and dropout; the output layer L never does. The
output activation decides the cost: sigmoid → binary cross-entropy,
softmax → categorical cross-entropy, linear → mean squared error. For each
pair the gradient at the output is dZ{L} = A{L} − Y (per example).

Two gradients are available, both jit-compiled:

* ``backward``: the lecture's formulas applied to the forward caches;
* ``jax.grad(loss)``: automatic differentiation of the same cost, used as the
  oracle in tests and in ``dlcore.gradcheck``.

``MLPConfig`` is a pytree whose structure (widths, activations, which layers
have BN or dropout) is static, while ``keep_prob`` and ``lambd`` are traced
leaves: moving those sliders never recompiles.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp

from dlcore import activations, layers, losses
from dlcore._checks import (
    check_array,
    check_bool,
    check_choice,
    check_finite,
    check_flags,
    check_float_dtype,
    check_int,
    check_key,
    check_layer_dims,
    check_range,
    is_concrete,
)
from dlcore.init import initialize

__all__ = [
    "LayerCache",
    "LayerStats",
    "MLPConfig",
    "accuracy",
    "backward",
    "check_config",
    "check_inputs",
    "cost_and_state",
    "data_cost",
    "forward",
    "init_params",
    "init_state",
    "layer_stats",
    "loss",
    "penalty",
    "predict",
]

_HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
_OUTPUT_LOSS = {"sigmoid": "bce", "softmax": "ce", "linear": "mse"}


def _check_traced_field(name: str, value, lo, hi, **closed):
    """Check a traced field of MLPConfig when it holds a user's value.

    JAX rebuilds the config with tracers, and with placeholder objects while
    it works out ``vmap`` axes; those pass. None, strings, bools and complex
    numbers are always the user's mistake.
    """
    if value is None or isinstance(value, (str, bytes, bool, complex)):
        raise TypeError(
            f"{name} must be a real number, got {type(value).__name__} ({value!r})"
        )
    if isinstance(value, (int, float)) or (
        hasattr(value, "dtype") and is_concrete(value)
    ):
        check_range(name, value, lo, hi, **closed)


def check_config(config):
    """Check that ``config`` is an :class:`MLPConfig`; return it.

    Raises:
        TypeError: ``config`` is anything else (e.g. a list of layer sizes).
    """
    if not isinstance(config, MLPConfig):
        raise TypeError(
            "config must be an MLPConfig, e.g. MLPConfig(layer_dims=(2, 8, 1)), "
            f"got {type(config).__name__}"
        )
    return config


@dataclasses.dataclass(frozen=True)
class MLPConfig:
    """Structure and regularisation of an L-layer MLP.

    Args:
      layer_dims: ``[n0, n1, ..., nL]``.
      hidden: activation of the hidden layers: one name for all, or one per
        hidden layer (``relu``, ``leaky_relu``, ``tanh``, ``sigmoid``, ``linear``).
      output: ``sigmoid`` (binary), ``softmax`` (C classes) or ``linear``.
      batchnorm: BN on all hidden layers (bool) or one flag per hidden layer.
      dropout: inverted dropout after all hidden activations, or per layer.
      keep_prob: probability of keeping a unit, in (0, 1]. Traced.
      lambd: regularisation strength λ ≥ 0. Traced.
      reg: ``"l2"`` for (λ/2m) Σ‖W‖²_F or ``"l1"`` for (λ/2m) Σ|W|.
      bn_eps, bn_momentum: BN's ε and the β of its running averages.
    """

    layer_dims: tuple[int, ...]
    hidden: str | tuple[str, ...] = "relu"
    output: str = "sigmoid"
    batchnorm: bool | tuple[bool, ...] = False
    dropout: bool | tuple[bool, ...] = False
    keep_prob: float = 1.0
    lambd: float = 0.0
    reg: str = "l2"
    bn_eps: float = 1e-5
    bn_momentum: float = 0.9

    def __post_init__(self):
        dims = check_layer_dims(self.layer_dims)
        L = len(dims) - 1
        hidden = self.hidden
        if isinstance(hidden, str):
            hidden = (hidden,) * (L - 1)
        hidden = tuple(hidden)
        if len(hidden) != L - 1:
            raise ValueError(
                f"hidden must be one activation name or a list of {L - 1} "
                f"(one per hidden layer), got {list(hidden)}"
            )
        for h in hidden:
            check_choice("hidden activation", h, _HIDDEN_ACTIVATIONS)
        check_choice("output activation", self.output, _OUTPUT_LOSS)
        if self.output == "sigmoid" and dims[-1] != 1:
            raise ValueError(
                f"a sigmoid output needs n[L] = 1 unit, got {dims[-1]}; "
                "use output='softmax' for several classes"
            )
        check_choice("reg", self.reg, ("l2", "l1"))
        set_ = object.__setattr__
        set_(self, "layer_dims", dims)
        set_(self, "hidden", hidden)
        set_(self, "batchnorm", check_flags("batchnorm", self.batchnorm, L - 1))
        set_(self, "dropout", check_flags("dropout", self.dropout, L - 1))
        _check_traced_field("keep_prob", self.keep_prob, 0.0, 1.0, lo_closed=False)
        _check_traced_field("lambd", self.lambd, 0.0, None)
        check_range("bn_eps", self.bn_eps, 0.0, None, lo_closed=False)
        check_range("bn_momentum", self.bn_momentum, 0.0, 1.0, hi_closed=False)

    @property
    def L(self) -> int:
        """Number of layers with parameters (the depth)."""
        return len(self.layer_dims) - 1

    @property
    def activations(self) -> tuple[str, ...]:
        """Activation of each layer 1..L."""
        return (*self.hidden, self.output)

    @property
    def loss_name(self) -> str:
        return _OUTPUT_LOSS[self.output]

    @property
    def uses_dropout(self) -> bool:
        return any(self.dropout)

    def replace(self, **changes) -> MLPConfig:
        """A copy with some fields changed (e.g. ``cfg.replace(keep_prob=0.8)``)."""
        return dataclasses.replace(self, **changes)


jax.tree_util.register_dataclass(
    MLPConfig,
    data_fields=["keep_prob", "lambd"],
    meta_fields=[
        "layer_dims",
        "hidden",
        "output",
        "batchnorm",
        "dropout",
        "reg",
        "bn_eps",
        "bn_momentum",
    ],
)


def init_params(
    key, config: MLPConfig, scheme: str = "he", scale: float = 1.0, **kw
) -> dict:
    """``dlcore.init.initialize`` with the widths and BN flags of ``config``."""
    check_config(config)
    return initialize(
        key, config.layer_dims, scheme, scale, batchnorm=config.batchnorm, **kw
    )


def init_state(config: MLPConfig, dtype=jnp.float32) -> dict:
    """Running BN statistics ``{l: BNState}`` for each BN layer (empty without BN)."""
    check_config(config)
    check_float_dtype("dtype", dtype)
    return {
        l: layers.bn_init_state(config.layer_dims[l], dtype)
        for l in range(1, config.L)
        if config.batchnorm[l - 1]
    }


def check_inputs(params, X, config, *, train=True, state=None):
    """Raise the errors :func:`forward` raises for these inputs, run nothing.

    The checks of every public entry point, before anything is compiled:
    ``config`` an MLPConfig, ``params`` the blocks W{l} (n[l], n[l-1]) and
    b{l} (n[l], 1) (γ{l}, β{l} with BN) that it needs, ``X`` a 2-D float array
    (n0, m) without NaN/inf, ``train`` a bool and ``state`` None or a dict.
    Traced arrays are checked by shape and dtype only.

    Raises:
        TypeError / ValueError naming the argument and what is allowed.
    """
    check_config(config)
    _check_params(params, config)
    check_array("X", X, ndim=2, floating=True)
    check_finite("X", X)
    check_bool("train", train)
    if state is not None and not isinstance(state, dict):
        raise TypeError(
            "state must be None or the dict {l: BNState} from init_state or a "
            f"previous call, got {type(state).__name__}"
        )


class LayerCache(NamedTuple):
    """What the backward pass needs from layer l's forward pass."""

    A_prev: jax.Array
    Z: jax.Array  # W A_prev + b
    Zt: jax.Array  # after BN (= Z without BN); the activation's input
    bn: layers.BNCache | None
    mask: jax.Array | None


def _check_params(params: dict, config: MLPConfig):
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict, got {type(params).__name__}")
    for k, v in params.items():
        check_array(f"params[{k!r}]", v)
    for l in range(1, config.L + 1):
        n, n_prev = config.layer_dims[l], config.layer_dims[l - 1]
        bn = l < config.L and config.batchnorm[l - 1]
        needed = {f"W{l}": (n, n_prev)}
        needed.update(
            {f"gamma{l}": (n, 1), f"beta{l}": (n, 1)} if bn else {f"b{l}": (n, 1)}
        )
        for k, shape in needed.items():
            if k not in params:
                raise ValueError(
                    f"params is missing {k!r} for layer_dims "
                    f"{list(config.layer_dims)} (batchnorm={config.batchnorm})"
                )
            if tuple(params[k].shape) != shape:
                raise ValueError(
                    f"params[{k!r}] must have shape {shape} to chain "
                    f"layer_dims {list(config.layer_dims)}, got "
                    f"{tuple(params[k].shape)}"
                )


def _forward(params, X, config: MLPConfig, key, train: bool, state):
    _check_params(params, config)
    check_array("X", X, ndim=2, floating=True)
    if X.shape[0] != config.layer_dims[0]:
        raise ValueError(
            f"X must have n0 = {config.layer_dims[0]} rows (features), "
            f"got shape {tuple(X.shape)}"
        )
    if state is None:
        if not train and any(config.batchnorm):
            raise ValueError(
                "state (the BN running statistics) is required in eval mode"
            )
        state = init_state(config, X.dtype)
    if train and config.uses_dropout:
        check_key("key", key)
        keys = jax.random.split(key, config.L)

    new_state = dict(state)
    caches = []
    A = X
    for l in range(1, config.L + 1):
        hidden = l < config.L
        bn = hidden and config.batchnorm[l - 1]
        Z = layers.dense_forward(A, params[f"W{l}"], None if bn else params[f"b{l}"])
        bn_cache = None
        Zt = Z
        if bn:
            Zt, bn_cache, new_state[l] = layers.batchnorm_forward(
                Z,
                params[f"gamma{l}"],
                params[f"beta{l}"],
                state[l],
                train=train,
                eps=config.bn_eps,
                momentum=config.bn_momentum,
            )
        g, _ = activations.get(config.activations[l - 1])
        A_next = g(Zt)
        mask = None
        if hidden and train and config.dropout[l - 1]:
            A_next, mask = layers.dropout_forward(
                A_next, config.keep_prob, key=keys[l - 1]
            )
        caches.append(LayerCache(A, Z, Zt, bn_cache, mask))
        A = A_next
    return A, tuple(caches), new_state


_forward_jit = jax.jit(_forward, static_argnames=("train",))


def forward(params, X, config: MLPConfig, *, key=None, train=True, state=None):
    """Run the network on ``X`` ``(n0, m)``.

    Args:
      key: PRNG key for the dropout masks (required when training with dropout).
      train: batch statistics and dropout (True) or running statistics and
        no dropout (False).
      state: BN running statistics from ``init_state``/a previous call
        (required in eval mode when the net has BN).

    Returns:
      ``(AL, caches, new_state)``: the output ``(n[L], m)``, one ``LayerCache``
      per layer, and the updated BN statistics.

    Raises:
      TypeError / ValueError naming the argument: ``config`` not an
      MLPConfig, ``params`` missing a block or of the wrong shape, ``X`` not a
      2-D float array with n0 rows or holding NaN/inf, a non-bool ``train``,
      a missing key or a batch of keys when dropout is on. Traced ``X`` and
      ``params`` (inside jit, grad or vmap) are checked by shape and dtype only.
    """
    check_inputs(params, X, config, train=train, state=state)
    return _forward_jit(params, X, config, key, train, state)


def _backward(AL, Y, caches, config: MLPConfig, params):
    m = AL.shape[1]
    grads = {}
    dZ = AL - Y  # dZ{L}: the same for sigmoid+BCE, softmax+CE and linear+MSE
    for l in range(config.L, 0, -1):
        c = caches[l - 1]
        W = params[f"W{l}"]
        bn = l < config.L and config.batchnorm[l - 1]
        if bn:
            # BN's backward is linear in its input gradient, so it can take the
            # per-example dZ̃ directly; dγ and dβ are then sums, hence / m.
            dZ, dgamma, dbeta = layers.batchnorm_backward(dZ, c.bn)
            grads[f"gamma{l}"] = dgamma / m
            grads[f"beta{l}"] = dbeta / m
        dA_prev, dW, db = layers.dense_backward(dZ, c.A_prev, W)
        if config.reg == "l2":
            dW = dW + losses.l2_grad(W, config.lambd, m)
        else:
            dW = dW + losses.l1_grad(W, config.lambd, m)
        grads[f"W{l}"] = dW
        if not bn:
            grads[f"b{l}"] = db
        if l > 1:
            prev = caches[l - 2]
            if prev.mask is not None:
                dA_prev = layers.dropout_backward(dA_prev, prev.mask, config.keep_prob)
            _, g_prime = activations.get(config.activations[l - 2])
            dZ = dA_prev * g_prime(prev.Zt)
    return grads


_backward_jit = jax.jit(_backward)


def backward(AL, Y, caches, config: MLPConfig, params: dict) -> dict:
    """Gradients of the cost by the lecture's backward formulas.

    Starting from dZ{L} = A{L} − Y, for l = L..1::

        (BN on l)  dZ{l}, dγ{l}, dβ{l} = batchnorm_backward(dZ̃{l})
        dW{l} = (1/m) dZ{l} A{l-1}ᵀ + (λ/m) W{l}        (L2; L1: (λ/2m) sign W)
        db{l} = (1/m) Σ_i dZ{l}                          (only without BN)
        dA{l-1} = W{l}ᵀ dZ{l}
        (dropout)  dA{l-1} = dA{l-1} ⊙ mask{l-1} / keep_prob
        dZ̃{l-1} = dA{l-1} ⊙ g'(Z̃{l-1})

    ``params`` supplies W{l} (needed for dA and the penalty). Returns a dict
    with the same keys as ``params``.
    """
    check_array("AL", AL, ndim=2)
    check_array("Y", Y, shape=tuple(AL.shape))
    check_config(config)
    _check_params(params, config)
    if not (
        isinstance(caches, (tuple, list))
        and len(caches) == config.L
        and all(isinstance(c, LayerCache) for c in caches)
    ):
        raise TypeError(
            f"caches must be the {config.L} LayerCache(s) returned by forward, "
            f"got {type(caches).__name__}"
        )
    return _backward_jit(AL, Y, tuple(caches), config, params)


def data_cost(ZL, Y, config: MLPConfig):
    """The data cost of the output logits Z{L} (n[L], m) against Y (n[L], m).

    Binary cross-entropy for a sigmoid output, softmax cross-entropy for a
    softmax output, mean squared error for a linear one, all from the logits
    (stable for any magnitude). No regularisation: see :func:`penalty`.

    Raises:
        TypeError / ValueError: ``config`` not an MLPConfig, ``ZL`` not a 2-D
        real array, ``Y`` of another shape.
    """
    check_config(config)
    check_array("ZL", ZL, ndim=2)
    check_array("Y", Y, shape=tuple(ZL.shape))
    name = config.loss_name
    if name == "bce":
        return losses.binary_cross_entropy_from_logits(ZL, Y)
    if name == "ce":
        return losses.softmax_cross_entropy(ZL, Y)
    return losses.mse(ZL, Y)


def penalty(params, config: MLPConfig, m: int):
    """The regularisation term of J for ``m`` examples.

    L2: (λ/2m) Σ_l ‖W{l}‖²_F; L1: (λ/2m) Σ_l |W{l}|, λ = ``config.lambd``.

    Raises:
        TypeError / ValueError: ``config`` not an MLPConfig, ``params`` not the
        blocks it needs, ``m`` not an integer >= 1.
    """
    check_config(config)
    _check_params(params, config)
    check_int("m", m, lo=1)
    if config.reg == "l2":
        return losses.l2_penalty(params, config.lambd, m)
    return losses.l1_penalty(params, config.lambd, m)


def _cost_and_state(params, X, Y, config, key, train, state):
    check_array("Y", Y, ndim=2)
    _, caches, new_state = _forward(params, X, config, key, train, state)
    ZL = caches[-1].Zt
    if Y.shape != ZL.shape:
        raise ValueError(
            f"Y must have shape {tuple(ZL.shape)} (n[L], m), got {tuple(Y.shape)}"
        )
    J = data_cost(ZL, Y, config) + penalty(params, config, X.shape[1])
    return J, new_state


_cost_and_state_jit = jax.jit(_cost_and_state, static_argnames=("train",))


def cost_and_state(params, X, Y, config, *, key=None, train=True, state=None):
    """``(J, new_state)``: the cost and the BN statistics after this batch.

    Arguments as for :func:`forward`, plus ``Y`` ``(n[L], m)``, real and
    finite. Raises ``TypeError``/``ValueError`` naming the bad argument.
    """
    check_inputs(params, X, config, train=train, state=state)
    check_array("Y", Y, ndim=2)
    check_finite("Y", Y)
    return _cost_and_state_jit(params, X, Y, config, key, train, state)


def loss(params, X, Y, config: MLPConfig, *, key=None, train=True, state=None):
    """The cost J = data cost + regularisation, as a differentiable scalar.

    The data cost is computed from the output logits Z{L} (stable for any
    magnitude); the penalty is (λ/2m) Σ‖W‖²_F (or the L1 form). With the same
    ``key``, ``jax.grad(loss)`` sees the same dropout masks as ``forward``.
    """
    return cost_and_state(params, X, Y, config, key=key, train=train, state=state)[0]


def predict(params, X, config: MLPConfig, *, state=None):
    """Eval-mode output A{L} (no dropout; BN uses running statistics)."""
    return forward(params, X, config, train=False, state=state)[0]


def accuracy(AL, Y):
    """Fraction of correct predictions: threshold 0.5 for (1, m), argmax for (C, m).

    ``AL`` and ``Y`` are real arrays of one shape ``(n[L], m)``. NaN never
    vanishes: if ``AL`` holds a NaN (a net that has blown up) the accuracy
    is NaN, not the fraction of the other columns.
    """
    check_array("AL", AL, ndim=2)
    check_array("Y", Y, ndim=2)
    if jnp.shape(AL) != jnp.shape(Y):
        raise ValueError(
            f"AL and Y must have the same shape (n[L], m), got {jnp.shape(AL)} "
            f"and {jnp.shape(Y)}"
        )
    AL, Y = jnp.asarray(AL), jnp.asarray(Y)
    if AL.shape[0] == 1:
        acc = jnp.mean((AL > 0.5) == (Y > 0.5))
    else:
        acc = jnp.mean(jnp.argmax(AL, axis=0) == jnp.argmax(Y, axis=0))
    return jnp.where(jnp.any(jnp.isnan(AL)), jnp.nan, acc)


class LayerStats(NamedTuple):
    """Per-layer diagnostics, each of shape ``(L,)`` (index 0 is layer 1)."""

    grad_norm: jax.Array  # ‖dW{l}‖_F
    act_mean: jax.Array  # mean of A{l}
    act_std: jax.Array  # standard deviation of A{l}
    z_std: jax.Array  # standard deviation of Z{l}


def _layer_stats(params, X, Y, config, key):
    (J, _), grads = jax.value_and_grad(_cost_and_state, has_aux=True)(
        params, X, Y, config, key, True, None
    )
    _, caches, _ = _forward(params, X, config, key, True, None)
    acts = [c.A_prev for c in caches[1:]]
    acts.append(activations.get(config.output)[0](caches[-1].Zt))
    return LayerStats(
        grad_norm=jnp.stack(
            [jnp.linalg.norm(grads[f"W{l}"]) for l in range(1, config.L + 1)]
        ),
        act_mean=jnp.stack([jnp.mean(a) for a in acts]),
        act_std=jnp.stack([jnp.std(a) for a in acts]),
        z_std=jnp.stack([jnp.std(c.Z) for c in caches]),
    )


_layer_stats_jit = jax.jit(_layer_stats)


def layer_stats(params, X, Y, config: MLPConfig, *, key=None) -> LayerStats:
    """Gradient norms and activation statistics for every layer, in one call.

    Used to see vanishing / exploding gradients and the effect of the
    initialisation. Values can be 0, inf or NaN when the net has vanished or
    overflowed: plotting code must show those, not hide them. Works under
    ``jax.vmap`` over parameter sets (e.g. several seeds).
    """
    check_inputs(params, X, config)
    check_array("Y", Y, ndim=2)
    check_finite("Y", Y)
    return _layer_stats_jit(params, X, Y, config, key)
