"""Checkers for notebook 04: inverted dropout and L2 regularization."""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore import data as _data
from dlcore import init as _init
from dlcore import layers as _layers
from dlcore import losses as _losses
from dlcore._checks import (
    check_array,
    check_finite,
    check_int,
    check_key,
    check_range,
)
from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    Failure,
    NotDone,
    Yours,
    as_array,
    as_scalar,
    describe_value,
    f32,
    f64,
    is_close,
    judge,
    named_mistake,
    readonly,
    unpack,
)

# ==========================================================================
# 4-5. Inverted dropout
# ==========================================================================

_DROPOUT_CASES = (
    (0, (4, 6), 0.8),
    (1, (50, 400), 0.8),
    (2, (30, 500), 0.3),
    (3, (3, 7), 1.0),
    (4, (100, 200), 0.65),
)


@functools.cache
def _dropout_inputs():
    out = []
    for seed, shape, keep_prob in _DROPOUT_CASES:
        rng = np.random.default_rng(100 + seed)
        A = rng.standard_normal(shape)
        A[A == 0] = 0.5  # no exact zeros, so a dropped unit is recognisable
        out.append((f32(A), keep_prob, jax.random.key(1000 + seed)))
    return tuple(out)


def _mask_array(value, shape):
    mask = as_array(
        value, "mask", shape=shape, shape_desc=f"{shape}, the shape of A", kind="any"
    )
    return mask


def check_dropout_forward(
    dropout_forward, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``dropout_forward(A, keep_prob, key) -> (A_drop, mask)``.

    Inverted dropout, with ``keep_prob`` the probability of KEEPING a unit::

        mask   = (U < keep_prob)      U uniform on [0, 1), one draw per entry
                                      of A, from the JAX key
        A_drop = A ⊙ mask / keep_prob

    ``mask`` holds 1 (kept) and 0 (dropped), with the shape of A (bool or
    numbers). Dividing by keep_prob keeps E[A_drop] = A. The same key must
    give the same mask.
    """
    chk = Check("dropout_forward", time_limit)
    with chk:
        chk.function(dropout_forward, "dropout_forward")
        masks = []
        for A, keep_prob, key in _dropout_inputs():
            out = chk.call(dropout_forward, A, keep_prob, key, name="dropout_forward")
            A_drop, mask = unpack(out, ("A_drop", "mask"), "dropout_forward")
            A_drop = as_array(A_drop, "A_drop", shape=A.shape)
            mask = _mask_array(mask, A.shape)
            ctx = f" (keep_prob = {keep_prob:g})"
            binary = (mask == 0) | (mask == 1)
            if not binary.all():
                kept = mask[mask != 0]
                if kept.size and np.allclose(kept, 1 / keep_prob, rtol=1e-4):
                    raise Failure(
                        "mask holds 0 and 1/keep_prob: return the 0/1 mask "
                        "(the division by keep_prob belongs to A_drop)"
                    )
                raise Failure("mask should contain only 0 (dropped) and 1 (kept)" + ctx)
            A64 = f64(A)
            judge(
                (A_drop,),
                (A64 * mask / keep_prob,),
                ("A_drop",),
                [
                    (
                        "forgot to divide by keep_prob: inverted dropout scales "
                        "the kept units by 1/keep_prob so that the expected "
                        "value of each unit is unchanged" + ctx,
                        (A64 * mask,),
                    ),
                    (
                        "multiplied by keep_prob instead of dividing" + ctx,
                        (A64 * mask * keep_prob,),
                    ),
                    (
                        "A_drop keeps the units where mask is 0: mask = 1 must "
                        "mean KEEP" + ctx,
                        (A64 * (1 - mask) / keep_prob,),
                    ),
                ],
                context=" for the mask you returned (A_drop = A ⊙ mask / keep_prob)"
                + ctx,
            )
            rate = float(mask.mean())
            if mask.size >= 10_000:
                if keep_prob < 1:
                    if np.all(mask == mask[:, :1]):
                        raise Failure(
                            "the mask drops whole units (rows) for every example "
                            "at once; draw one independent value per entry of A"
                        )
                    if np.all(mask == mask[:1, :]):
                        raise Failure(
                            "the mask drops whole examples (columns); draw one "
                            "independent value per entry of A"
                        )
                tol = 6 * math.sqrt(keep_prob * (1 - keep_prob) / mask.size) + 0.005
                if abs(rate - keep_prob) > tol:
                    if abs(rate - (1 - keep_prob)) <= tol:
                        raise Failure(
                            f"used keep_prob as the DROP probability: {rate:.1%} "
                            f"of the units are kept, but keep_prob = {keep_prob:g} "
                            "is the probability of keeping a unit"
                        )
                    raise Failure(
                        f"{rate:.1%} of the units are kept; expected about "
                        f"keep_prob = {keep_prob:.0%}"
                    )
            elif keep_prob == 1.0 and rate != 1.0:
                raise Failure("with keep_prob = 1 every unit must be kept")
            masks.append(mask)
        A, keep_prob, key = _dropout_inputs()[1]
        out = chk.call(dropout_forward, A, keep_prob, key, name="dropout_forward")
        again = _mask_array(
            unpack(out, ("A_drop", "mask"), "dropout_forward")[1], A.shape
        )
        if not np.array_equal(again, masks[1]):
            raise Failure(
                "the same key gave a different mask: draw the mask from the key "
                "(jax.random), not from a global random generator"
            )
        other = jax.random.key(4242)
        out = chk.call(dropout_forward, A, keep_prob, other, name="dropout_forward")
        different = _mask_array(
            unpack(out, ("A_drop", "mask"), "dropout_forward")[1], A.shape
        )
        if np.array_equal(different, masks[1]):
            raise Failure(
                "a different key gave the same mask: use the key you are given"
            )
    return chk.result("E[A_drop] = A, so nothing changes at test time.")


_DROPOUT_BACKWARD_CASES = ((0, (4, 6), 0.8), (1, (7, 3), 0.3), (2, (20, 30), 0.65))


@functools.cache
def _dropout_backward_cases():
    cases = []
    for seed, shape, keep_prob in _DROPOUT_BACKWARD_CASES:
        rng = np.random.default_rng(200 + seed)
        dA = rng.standard_normal(shape)
        dA[dA == 0] = 0.5
        mask = (rng.uniform(size=shape) < keep_prob).astype(np.float32)
        mask.flat[0], mask.flat[1] = 0.0, 1.0  # both kinds, always
        dA32, mask32 = f32(dA), f32(mask)
        ref = f64(_layers.dropout_backward(dA32, mask32, keep_prob))
        d, mk = f64(dA32), f64(mask32)
        variants = [
            (
                "forgot to divide by keep_prob: the forward pass scaled the kept "
                "units by 1/keep_prob, so their gradient gets the same factor",
                (d * mk,),
            ),
            (
                "ignored the mask: a unit dropped in the forward pass gets no "
                "gradient, so multiply by the SAME mask",
                (d / keep_prob,),
            ),
            ("returned dA unchanged: apply the forward mask and 1/keep_prob", (d,)),
            ("multiplied by keep_prob instead of dividing", (d * mk * keep_prob,)),
            (
                "used the dropped units (1 − mask) instead of the kept ones",
                (d * (1 - mk) / keep_prob,),
            ),
        ]
        cases.append(
            {
                "args": (dA32, mask32, keep_prob),
                "ref": readonly(ref),
                "variants": variants,
                "mask": mk,
            }
        )
    return tuple(cases)


def check_dropout_backward(
    dropout_backward, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``dropout_backward(dA, mask, keep_prob) -> dA_prev``.

    Backward of inverted dropout, reusing the forward pass's 0/1 ``mask``
    (float, same shape as dA)::

        dA_prev = dA ⊙ mask / keep_prob
    """
    chk = Check("dropout_backward", time_limit)
    with chk:
        chk.function(dropout_backward, "dropout_backward")
        for case in _dropout_backward_cases():
            dA, mask, keep_prob = case["args"]
            out = chk.call(dropout_backward, *case["args"], name="dropout_backward")
            out = as_array(out, "dA_prev", shape=dA.shape)
            if is_close(out, case["ref"][0]):
                continue
            for message, (variant,) in case["variants"]:
                if is_close(out, variant):
                    raise Failure(message + f" (keep_prob = {keep_prob:g})")
            if np.isfinite(out).all() and not np.array_equal(
                out != 0, case["mask"] != 0
            ):
                raise Failure(
                    "dA_prev must be zero exactly where mask is 0: reuse the "
                    "forward mask (don't draw a new one)"
                )
            judge(
                (out,),
                case["ref"],
                ("dA_prev",),
                context=f" (keep_prob = {keep_prob:g})",
            )
    return chk.result("Only the units kept in the forward pass get a gradient.")


# ==========================================================================
# 6-7. L2 regularization
# ==========================================================================

_L2_CASES = (
    (0, (4, 5, 3, 1), 0.7, 50, 0.693),
    (1, (3, 2), 2.5, 7, 1.2),
    (2, (6, 8, 8, 4, 2), 0.1, 300, 0.35),
    (3, (2, 3, 1), 0.0, 20, 0.5),
    # One input or one unit: W2 of shape (1, 1) looks like a bias.
    (4, (3, 1, 1), 1.3, 9, 0.4),
    (5, (1, 1, 1), 0.9, 12, 0.6),
)


@functools.cache
def _l2_cases():
    cases = []
    for seed, dims, lambd, m, ce in _L2_CASES:
        rng = np.random.default_rng(300 + seed)
        params = {}
        for l in range(1, len(dims)):
            params[f"W{l}"] = f32(0.5 * rng.standard_normal((dims[l], dims[l - 1])))
            params[f"b{l}"] = f32(rng.standard_normal((dims[l], 1)))
        ref = ce + float(_losses.l2_penalty(params, lambd, m))
        Ws = [f64(params[k]) for k in params if k.startswith("W")]
        bs = [f64(params[k]) for k in params if k.startswith("b")]
        w2 = sum(float(np.sum(W**2)) for W in Ws)
        b2 = sum(float(np.sum(b**2)) for b in bs)
        k = lambd / (2 * m)
        variants = [
            ("used λ/m instead of λ/(2m) in the cost", ce + 2 * k * w2),
            (
                "also penalized the biases: the L2 term sums ‖W[l]‖² over the "
                "weight matrices only",
                ce + k * (w2 + b2),
            ),
            (
                "used λ/m instead of λ/(2m), and penalized the biases too",
                ce + 2 * k * (w2 + b2),
            ),
            (
                "returned only the L2 term: add it to cross_entropy_cost",
                k * w2,
            ),
            ("forgot to divide by m: the factor is λ/(2m)", ce + lambd / 2 * w2),
            (
                "returned cross_entropy_cost unchanged: add λ/(2m) Σ ‖W[l]‖²",
                ce,
            ),
            (
                "used ‖W‖_F instead of its square ‖W‖_F² (the sum of the "
                "squared entries)",
                ce + k * sum(float(np.linalg.norm(W)) for W in Ws),
            ),
            (
                "used Σ|W| (that is L1, not L2)",
                ce + k * sum(float(np.abs(W).sum()) for W in Ws),
            ),
            ("subtracted the L2 term instead of adding it", ce - k * w2),
        ]
        for l, W in enumerate(Ws, start=1):
            if len(Ws) > 1:
                variants.append(
                    (
                        f"penalized only W{l}: sum ‖W[l]‖² over all L layers",
                        ce + k * float(np.sum(W**2)),
                    )
                )
        by_shape = [W for W in Ws if W.shape[1] > 1]
        if len(by_shape) < len(Ws):
            variants.append(
                (
                    "left out a W with a single column (a layer with one input, "
                    "shape (n, 1) like a bias): tell weights from biases by "
                    "their name (the keys W1, W2, ...), not by their shape",
                    ce + k * sum(float(np.sum(W**2)) for W in by_shape),
                )
            )
        cases.append(
            {
                "args": (ce, params, lambd, m),
                "ref": ref,
                "variants": variants,
                "dims": dims,
            }
        )
    return tuple(cases)


def check_l2_cost(l2_cost, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``l2_cost(cross_entropy_cost, params, lambd, m) -> J``.

    ``params`` is ``{"W1", "b1", ..., "WL", "bL"}``; ``lambd`` is λ and m the
    number of examples. The regularized cost, a scalar::

        J = cross_entropy_cost + λ/(2m) Σ_l ‖W[l]‖_F²

    where ‖W‖_F² is the sum of the squared entries. Biases are not penalized.
    """
    chk = Check("l2_cost", time_limit)
    with chk:
        chk.function(l2_cost, "l2_cost")
        for case in _l2_cases():
            ce, params, lambd, m = case["args"]
            out = chk.call(l2_cost, ce, params, lambd, m, name="l2_cost")
            J = as_scalar(out, "J")
            ctx = f" (λ = {lambd:g}, m = {m}, layer_dims = {list(case['dims'])})"
            if not math.isfinite(J):
                raise Failure("J is not finite" + ctx)
            if math.isclose(J, case["ref"], rel_tol=1e-4, abs_tol=1e-6):
                continue
            message = named_mistake(J, case["variants"], 1e-4, 1e-6)
            if message is not None:
                raise Failure(message + ctx)
            raise Failure(f"J is off by {abs(J - case['ref']):.3g}" + ctx)
    return chk.result("Large weights now cost something, which shrinks them.")


_L2_GRAD_CASES = ((0, (3, 4), 0.7, 10), (1, (1, 5), 3.0, 7), (2, (10, 2), 0.05, 256))


@functools.cache
def _l2_grad_cases():
    cases = []
    for seed, shape, lambd, m in _L2_GRAD_CASES:
        rng = np.random.default_rng(400 + seed)
        W = f32(rng.standard_normal(shape))
        ref = f64(_losses.l2_grad(W, lambd, m))
        W64, k = f64(W), lambd / m
        variants = [
            (
                "used λ/(2m): the derivative of λ/(2m)·‖W‖² is (λ/m)·W",
                (k / 2 * W64,),
            ),
            ("applied the factor λ/m twice", (k * k * W64,)),
            ("forgot to divide by m: the term is (λ/m)·W", (lambd * W64,)),
            (
                "used 2λ/m: the cost's factor is λ/(2m), and the 2 of the "
                "square cancels its 1/2",
                (2 * k * W64,),
            ),
            ("sign error: the term (λ/m)·W is added to dW", (-k * W64,)),
            ("squared W: the derivative of W² is 2W, not W²", (k * W64**2,)),
            ("that is L1's gradient (λ/m)·sign(W), not L2's", (k * np.sign(W64),)),
        ]
        cases.append(
            {"args": (W, lambd, m), "ref": readonly(ref), "variants": variants}
        )
    return tuple(cases)


def check_l2_grad_term(l2_grad_term, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``l2_grad_term(W, lambd, m) -> dW_reg``.

    The derivative of the L2 term λ/(2m)·‖W‖_F² with respect to W, the amount
    added to backprop's dW (same shape as W)::

        dW_reg = (λ/m) · W
    """
    chk = Check("l2_grad_term", time_limit)
    with chk:
        chk.function(l2_grad_term, "l2_grad_term")
        for case in _l2_grad_cases():
            W, lambd, m = case["args"]
            out = chk.call(l2_grad_term, W, lambd, m, name="l2_grad_term")
            out = as_array(out, "the gradient term", shape=W.shape)
            judge(
                (out,),
                case["ref"],
                ("the gradient term",),
                [
                    (msg + f" (λ = {lambd:g}, m = {m})", v)
                    for msg, v in case["variants"]
                ],
                context=f" (λ = {lambd:g}, m = {m})",
            )
    return chk.result(
        "Each step now also shrinks W by a factor (1 − αλ/m): weight decay."
    )


# ==========================================================================
# Assembly: a network trained with your L2 and dropout
# ==========================================================================

REG_LAYER_DIMS = (2, 64, 64, 1)
REG_DEV_ACCURACY = 0.91  # the dev accuracy a well-regularized run reaches


class RegularizedTraining(NamedTuple):
    """What :func:`train_with_regularization` returns.

    ``costs`` holds J (with the L2 term) every 10 iterations; ``calls`` maps
    each of your functions to the number of times it ran (0 where dlcore's
    reference was used instead, see ``used``); ``not_done`` names the
    functions that were not done yet (dlcore's ran instead).
    """

    params: dict
    costs: np.ndarray
    train_accuracy: float
    dev_accuracy: float
    lambd: float
    keep_prob: float
    calls: dict
    used: dict
    not_done: tuple


def regularization_data(key):
    """The moons of this exercise: a small noisy training set and a dev set.

    Returns ``(X_train, Y_train, X_dev, Y_dev)``: 100 training and 600 dev
    examples of ``dlcore.data.make_moons(key, ...)`` with noise 0.25, X of
    shape (2, m) and Y of shape (1, m). The same key gives the same sets (the
    notebook uses ``jax.random.key(0)``).
    """
    X, Y = _data.make_moons(key, m=700, noise=0.25)
    X, Y = np.asarray(X, np.float32), np.asarray(Y, np.float32)
    return X[:, :100], Y[:, :100], X[:, 100:], Y[:, 100:]


def _reference_l2_cost(cross_entropy_cost, params, lambd, m):
    return cross_entropy_cost + float(_losses.l2_penalty(params, lambd, m))


def _reference_dropout_forward(A, keep_prob, key):
    return _layers.dropout_forward(jnp.asarray(A), keep_prob, key=key)


def _sigmoid(Z):
    return 0.5 * (1 + np.tanh(0.5 * Z))  # never overflows


def _reg_forward(params, X, keep_prob, key, dropout_forward):
    """ReLU hidden layers (dropout after each if keep_prob < 1), sigmoid output."""
    L = len(params) // 2
    keys = jax.random.split(key, L) if keep_prob < 1 else None
    A, caches = X, []
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        mask = None
        if l == L:
            A_next = _sigmoid(Z)
        else:
            A_next = np.maximum(Z, 0)
            if keys is not None:
                A_next, mask = dropout_forward(A_next, keep_prob, keys[l - 1])
                A_next = np.asarray(A_next, np.float32)
                mask = np.asarray(mask, np.float32)
        caches.append((A, Z, mask))
        A = A_next
    return A, caches


def _reg_backward(params, AL, Y, caches, lambd, keep_prob, parts):
    """The lecture's backward pass, with your dropout_backward and L2 term."""
    L, m = len(caches), Y.shape[1]
    grads, dZ = {}, AL - Y
    for l in range(L, 0, -1):
        A_prev, _, _ = caches[l - 1]
        W = params[f"W{l}"]
        dW = dZ @ A_prev.T / m
        grads[f"W{l}"] = dW + np.asarray(parts["l2_grad_term"](W, lambd, m))
        grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            dA = W.T @ dZ
            _, Z_prev, mask = caches[l - 2]
            if mask is not None:
                dA = np.asarray(parts["dropout_backward"](dA, mask, keep_prob))
            dZ = dA * (Z_prev > 0)
    return grads


class _NumpyAdam:
    """Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8) on a dict of NumPy arrays.

    The same update as :func:`dlcore.optim.adam`, without a JAX dispatch per
    step: this loop calls the student's functions, so it runs eagerly.
    """

    def __init__(self, params, learning_rate):
        self.lr, self.t = learning_rate, 0
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.s = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads):
        self.t += 1
        c1, c2 = 1 - 0.9**self.t, 1 - 0.999**self.t
        new = {}
        for k, p in params.items():
            g = np.asarray(grads[k], np.float32)
            self.v[k] = 0.9 * self.v[k] + 0.1 * g
            self.s[k] = 0.999 * self.s[k] + 0.001 * g * g
            step = (self.v[k] / c1) / (np.sqrt(self.s[k] / c2) + 1e-8)
            new[k] = (p - self.lr * step).astype(np.float32)
        return new


def _bce(AL, Y) -> float:
    A = np.clip(AL.astype(np.float64), 1e-7, 1 - 1e-7)
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def _accuracy(params, X, Y) -> float:
    AL, _ = _reg_forward(params, X, 1.0, None, None)
    return float(np.mean((AL > 0.5) == (Y > 0.5)))


def _check_reg_data(X, Y, x_name: str, y_name: str) -> None:
    check_array(x_name, X, ndim=2, floating=True)
    check_finite(x_name, X)
    if np.shape(X)[0] != 2 or np.shape(X)[1] < 1:
        raise ValueError(f"{x_name} must have shape (2, m), got {np.shape(X)}")
    check_array(y_name, Y, shape=(1, np.shape(X)[1]))
    check_finite(y_name, Y)


def _check_layer_dims(layer_dims) -> None:
    if isinstance(layer_dims, (str, bytes)) or not hasattr(layer_dims, "__len__"):
        raise TypeError(
            f"layer_dims must be a list of integers, got {type(layer_dims).__name__}"
        )
    for i, n in enumerate(layer_dims):
        check_int(f"layer_dims[{i}]", n, lo=1)
    if len(layer_dims) < 2 or layer_dims[0] != 2 or layer_dims[-1] != 1:
        raise ValueError(
            "layer_dims must start with 2 (the inputs) and end with 1, got "
            f"{layer_dims}"
        )


def train_with_regularization(
    X_train,
    Y_train,
    X_dev,
    Y_dev,
    *,
    l2_cost=None,
    l2_grad_term=None,
    dropout_forward=None,
    dropout_backward=None,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    key,
    num_iterations: int = 500,
    learning_rate: float = 0.02,
    layer_dims=REG_LAYER_DIMS,
) -> RegularizedTraining:
    """Train a ReLU network on (X_train, Y_train) with YOUR regularization.

    Full-batch Adam on a [2, 64, 64, 1] network (He initialization, sigmoid
    output), where each iteration uses your functions::

        A[l] = relu(W[l] A[l-1] + b[l])
        A[l], mask[l] = dropout_forward(A[l], keep_prob, key_l)
        J  = l2_cost(cross-entropy, params, lambd, m)
        dA[l] = dropout_backward(dA[l], mask[l], keep_prob)
        dW[l] = (1/m) dZ[l] A[l-1]ᵀ + l2_grad_term(W[l], lambd, m)

    Dropout runs only while training (keep_prob < 1); the accuracies use the
    whole network. A function that is None or not done yet (it raises
    NotImplementedError) is replaced by dlcore's, with a one-line note.

    Arguments:
        X_train, Y_train, X_dev, Y_dev: (2, m) inputs and (1, m) labels, as
            from :func:`regularization_data`.
        l2_cost, l2_grad_term, dropout_forward, dropout_backward: your
            functions (the signatures of the notebook's exercises).
        lambd: λ ≥ 0. keep_prob: in (0, 1]. key: a JAX key (the
            initialization and every dropout mask come from it).
        num_iterations, learning_rate: of Adam; layer_dims: the widths.

    Returns:
        a :class:`RegularizedTraining`; pass it to
        :func:`check_regularized_training`.

    Raises:
        TypeError / ValueError naming the argument: data that are not (2, m)
        float inputs with (1, m) labels, or hold NaN/inf; lambd < 0,
        keep_prob outside (0, 1], a learning rate not in (0, inf), a missing
        key or a batch of keys, non-integer sizes, layer_dims that do not
        start with 2 and end with 1, a function that is not callable.
    """
    _check_reg_data(X_train, Y_train, "X_train", "Y_train")
    _check_reg_data(X_dev, Y_dev, "X_dev", "Y_dev")
    check_range("lambd", lambd, 0.0, None)
    check_range("keep_prob", keep_prob, 0.0, 1.0, lo_closed=False)
    check_key("key", key)
    check_int("num_iterations", num_iterations, lo=1)
    check_range("learning_rate", learning_rate, 0.0, None, lo_closed=False)
    _check_layer_dims(layer_dims)
    parts = {
        "l2_cost": Yours(l2_cost, "l2_cost", _reference_l2_cost),
        "l2_grad_term": Yours(l2_grad_term, "l2_grad_term", _losses.l2_grad),
        "dropout_forward": Yours(
            dropout_forward, "dropout_forward", _reference_dropout_forward
        ),
        "dropout_backward": Yours(
            dropout_backward, "dropout_backward", _layers.dropout_backward
        ),
    }
    X, Y = np.asarray(X_train, np.float32), np.asarray(Y_train, np.float32)
    k_init, k_drop = jax.random.split(key)
    params = {
        k: np.asarray(v, np.float32)
        for k, v in _init.initialize(k_init, list(layer_dims), "he").items()
    }
    adam = _NumpyAdam(params, learning_rate)
    costs = []
    for i in range(num_iterations):
        AL, caches = _reg_forward(
            params,
            X,
            keep_prob,
            jax.random.fold_in(k_drop, i),
            parts["dropout_forward"],
        )
        if i % 10 == 0:
            J = parts["l2_cost"](_bce(AL, Y), params, lambd, X.shape[1])
            costs.append(float(J))
        grads = _reg_backward(params, AL, Y, caches, lambd, keep_prob, parts)
        params = adam.step(params, grads)
    return RegularizedTraining(
        params=params,
        costs=np.array(costs),
        train_accuracy=_accuracy(params, X, Y),
        dev_accuracy=_accuracy(params, np.asarray(X_dev), np.asarray(Y_dev)),
        lambd=float(lambd),
        keep_prob=float(keep_prob),
        calls={k: p.calls for k, p in parts.items()},
        used={k: p.used for k, p in parts.items()},
        not_done=tuple(k for k, p in parts.items() if p.fallback),
    )


def check_regularized_training(
    result, *, min_dev_accuracy: float = REG_DEV_ACCURACY
) -> CheckResult:
    """Check a run of :func:`train_with_regularization`.

    Passes when all four of your functions ran in it (so keep_prob < 1 and
    the L2 functions were used) and the dev accuracy reaches
    ``min_dev_accuracy`` (0.91: without regularization this network
    overfits the 100 noisy training points, reaching 100% on them but about
    87–90% on the dev set; λ ≈ 1 with keep_prob ≈ 0.8 reaches about 92%).
    """
    chk = Check("regularized_training", None)
    with chk:
        if not isinstance(result, RegularizedTraining):
            raise Failure(
                "pass the result of train_with_regularization(...), got "
                f"{describe_value(result)}",
                status="error",
            )
        if result.not_done:
            raise NotDone(
                f"not done yet: {', '.join(result.not_done)} still use dlcore's "
                "functions; finish those exercises first."
            )
        if result.keep_prob == 1:
            raise Failure(
                "keep_prob = 1 turns dropout off, so your dropout functions "
                "never ran; pick a keep_prob < 1 on the dev set"
            )
        if result.lambd == 0:
            raise Failure(
                "λ = 0 turns L2 off; pick a λ > 0 on the dev set (try a few "
                "values on a log scale)"
            )
        gap = result.train_accuracy - result.dev_accuracy
        if result.dev_accuracy < min_dev_accuracy:
            raise Failure(
                f"dev accuracy {result.dev_accuracy:.1%} (train "
                f"{result.train_accuracy:.1%}), below {min_dev_accuracy:.0%}: "
                + (
                    "still overfitting; try a larger λ or a smaller keep_prob"
                    if gap > 0.04
                    else "underfitting; try a smaller λ or a larger keep_prob"
                )
            )
    return chk.result(
        f"dev accuracy {getattr(result, 'dev_accuracy', 0):.1%} with λ = "
        f"{getattr(result, 'lambd', 0):g}, keep_prob = "
        f"{getattr(result, 'keep_prob', 0):g}, all four of your functions used."
    )
