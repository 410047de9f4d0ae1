"""Checkers for notebook 08: momentum, RMSprop, Adam and learning-rate decay."""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore import data as _data
from dlcore import init as _init
from dlcore import losses as _losses
from dlcore import optim as _optim
from dlcore import schedules as _schedules
from dlcore._checks import check_int, check_key, check_range
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
    judge,
    readonly,
    unpack,
)

# ==========================================================================
# 13-15. Momentum, RMSprop, Adam
# ==========================================================================


_MOMENTUM_CASES = (
    (0, (3, 4), 0.9),
    (1, (5, 1), 0.5),
    (2, (6,), 0.99),
    (3, (2, 2), 0.0),
)


@functools.cache
def _momentum_cases():
    cases = []
    for seed, shape, beta in _MOMENTUM_CASES:
        rng = np.random.default_rng(1000 + seed)
        v = f32(rng.standard_normal(shape))
        g = f32(3 * rng.standard_normal(shape))
        _, state = _optim.momentum(1.0, beta).update(
            g, _optim.MomentumState(count=jnp.zeros([], jnp.int32), v=v)
        )
        ref = f64(state.v)
        vd, gd = f64(v), f64(g)
        variants = [
            (
                "v = βv + g is the optax/PyTorch form; the lecture's momentum is "
                "an average, v = βv + (1 − β)g",
                beta * vd + gd,
            ),
            ("swapped β and 1 − β: v = βv + (1 − β)g", (1 - beta) * vd + beta * gd),
            ("sign error: v = βv + (1 − β)g", beta * vd - (1 - beta) * gd),
            ("forgot the βv term: v = βv + (1 − β)g", (1 - beta) * gd),
        ]
        cases.append(
            {
                "args": (v, g, beta),
                "ref": readonly(ref),
                "variants": [(s, (x,)) for s, x in variants],
            }
        )
    return tuple(cases)


def check_momentum_update(
    momentum_update, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``momentum_update(v, g, beta) -> v_new``.

    One step of the velocity of gradient descent with momentum (v and the
    gradient g have the shape of the parameter)::

        v_new = β v + (1 − β) g

    The parameter step is then W = W − α v_new.
    """
    chk = Check("momentum_update", time_limit)
    with chk:
        chk.function(momentum_update, "momentum_update")
        for case in _momentum_cases():
            v, g, beta = case["args"]
            out = chk.call(momentum_update, v, g, beta, name="momentum_update")
            out = as_array(out, "v_new", shape=v.shape)
            judge(
                (out,),
                case["ref"],
                ("v_new",),
                case["variants"],
                context=f" (β = {beta:g})",
            )
    return chk.result(
        "v averages the last ≈ 1/(1 − β) gradients, which damps oscillations."
    )


_RMSPROP_CASES = (
    (0, (3, 4), 0.9, 1e-8, 1.0),
    (1, (5, 2), 0.999, 1e-2, 0.1),
    (2, (6,), 0.5, 1e-8, 1e-5),
)


@functools.cache
def _rmsprop_cases():
    cases = []
    for seed, shape, beta, eps, scale in _RMSPROP_CASES:
        rng = np.random.default_rng(1100 + seed)
        s = scale**2 * rng.uniform(0.2, 2.0, shape)
        g = scale * rng.standard_normal(shape)
        s.flat[0], g.flat[0] = 0.0, 0.0  # a coordinate never moved so far
        s32, g32 = f32(s), f32(g)
        updates, state = _optim.rmsprop(1.0, beta, eps).update(
            g32, _optim.RMSPropState(count=jnp.zeros([], jnp.int32), s=s32)
        )
        ref = (f64(state.s), -f64(updates))
        sd, gd = f64(s32), f64(g32)
        s_new = beta * sd + (1 - beta) * gd**2
        with np.errstate(all="ignore"):
            s_variants = [
                (
                    "s must average the SQUARED gradient: s = βs + (1 − β)g²",
                    beta * sd + (1 - beta) * gd,
                ),
                (
                    "swapped β and 1 − β: s = βs + (1 − β)g²",
                    (1 - beta) * sd + beta * gd**2,
                ),
                ("dropped the (1 − β): s = βs + (1 − β)g²", beta * sd + gd**2),
            ]
            step_variants = [
                (
                    "no ε: a coordinate whose gradient has been 0 so far gives "
                    "0/0 = NaN; step = g/(√s + ε)",
                    gd / np.sqrt(s_new),
                ),
                (
                    f"ignored the eps argument: with ε = {eps:g} your step is "
                    "the one for ε = 1e-8; use the eps you are given",
                    gd / (np.sqrt(s_new) + 1e-8) if eps != 1e-8 else None,
                ),
                (
                    "put ε inside the square root: the course uses "
                    "g/(√s + ε), with ε outside",
                    gd / np.sqrt(s_new + eps),
                ),
                (
                    "used the old s in the step: update s first",
                    gd / (np.sqrt(sd) + eps),
                ),
                ("forgot the square root: step = g/(√s + ε)", gd / (s_new + eps)),
                (
                    "sign error: step = +g/(√s + ε) (the update subtracts α·step)",
                    -gd / (np.sqrt(s_new) + eps),
                ),
            ]
        cases.append(
            {
                "args": (s32, g32, beta, eps),
                "ref": readonly(*ref),
                "s_variants": [(msg, (v,)) for msg, v in s_variants],
                "step_variants": [
                    (msg, (v,)) for msg, v in step_variants if v is not None
                ],
            }
        )
    return tuple(cases)


def check_rmsprop_update(
    rmsprop_update, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``rmsprop_update(s, g, beta, eps) -> (s_new, step)``.

    One RMSprop step, element-wise (ε OUTSIDE the square root)::

        s_new = β s + (1 − β) g²
        step  = g / (√s_new + ε)

    The parameter update is then W = W − α·step.
    """
    chk = Check("rmsprop_update", time_limit)
    with chk:
        chk.function(rmsprop_update, "rmsprop_update")
        for case in _rmsprop_cases():
            s, g, beta, eps = case["args"]
            out = chk.call(rmsprop_update, s, g, beta, eps, name="rmsprop_update")
            s_new, step = unpack(out, ("s_new", "step"), "rmsprop_update")
            s_new = as_array(s_new, "s_new", shape=s.shape)
            step = as_array(step, "step", shape=s.shape)
            ctx = f" (β = {beta:g}, ε = {eps:g})"
            ref_s, ref_step = case["ref"]
            judge((s_new,), (ref_s,), ("s_new",), case["s_variants"], context=ctx)
            judge((step,), (ref_step,), ("step",), case["step_variants"], context=ctx)
    return chk.result("Coordinates with large gradients now take smaller steps.")


_ADAM_CASES = (  # t = 2 first: at t = 1 with v = 0 some mistakes coincide
    (1, (5, 3), 2, 0.9, 0.999, 1e-8, 1.0),
    (0, (3, 4), 1, 0.9, 0.999, 1e-8, 1.0),
    (2, (4,), 10, 0.8, 0.99, 1e-8, 1e-5),
    (3, (2, 3), 1000, 0.9, 0.999, 1e-8, 1.0),
    (4, (3, 3), 3, 0.95, 0.9, 1e-3, 0.01),
)


@functools.cache
def _adam_cases():
    cases = []
    for seed, shape, t, b1, b2, eps, scale in _ADAM_CASES:
        rng = np.random.default_rng(1200 + seed)
        v = (1 - b1 ** (t - 1)) * scale * rng.standard_normal(shape)
        s = (1 - b2 ** (t - 1)) * scale**2 * rng.uniform(0.2, 2.0, shape)
        g = scale * rng.standard_normal(shape)
        v.flat[0], s.flat[0], g.flat[0] = 0.0, 0.0, 0.0  # never moved so far
        v32, s32, g32 = f32(v), f32(s), f32(g)
        updates, state = _optim.adam(1.0, b1, b2, eps).update(
            g32, _optim.AdamState(count=jnp.asarray(t - 1, jnp.int32), v=v32, s=s32)
        )
        ref = (f64(state.v), f64(state.s), -f64(updates))
        vd, sd, gd = f64(v32), f64(s32), f64(g32)
        v_new = b1 * vd + (1 - b1) * gd
        s_new = b2 * sd + (1 - b2) * gd**2
        c1, c2 = 1 - b1**t, 1 - b2**t
        v_hat, s_hat = v_new / c1, s_new / c2
        with np.errstate(all="ignore"):
            v_variants = [
                ("v: swapped β1 and 1 − β1", (1 - b1) * vd + b1 * gd),
                ("v = β1 v + (1 − β1) g (you dropped the 1 − β1)", b1 * vd + gd),
                (
                    "returned the bias-corrected v̂ as the new v: keep v "
                    "uncorrected (the correction is only for the step)",
                    v_hat,
                ),
                ("v uses β1, not β2", b2 * vd + (1 - b2) * gd),
            ]
            s_variants = [
                (
                    "s must average the SQUARED gradient: s = β2 s + (1 − β2) g²",
                    b2 * sd + (1 - b2) * gd,
                ),
                ("s: swapped β2 and 1 − β2", (1 - b2) * sd + b2 * gd**2),
                (
                    "returned the bias-corrected ŝ as the new s: keep s "
                    "uncorrected (the correction is only for the step)",
                    s_hat,
                ),
                ("s uses β2, not β1", b1 * sd + (1 - b1) * gd**2),
            ]
            step_variants = [
                (
                    f"ignored the eps argument: with ε = {eps:g} your step is "
                    "the one for ε = 1e-8; use the eps you are given",
                    v_hat / (np.sqrt(s_hat) + 1e-8) if eps != 1e-8 else None,
                ),
                (
                    "bias correction with t starting at 0: the first step divides "
                    "by 1 − β⁰ = 0; t counts from 1",
                    (v_new / (1 - b1 ** (t - 1)))
                    / (np.sqrt(s_new / (1 - b2 ** (t - 1))) + eps),
                ),
                (
                    "bias correction off by one: step t (counted from 1) divides "
                    "by 1 − β^t",
                    (v_new / (1 - b1 ** (t + 1)))
                    / (np.sqrt(s_new / (1 - b2 ** (t + 1))) + eps),
                ),
                (
                    "no bias correction: the first steps are then far too small; "
                    "v̂ = v/(1 − β1^t), ŝ = s/(1 − β2^t)",
                    v_new / (np.sqrt(s_new) + eps),
                ),
                (
                    "bias-corrected only v: also ŝ = s/(1 − β2^t)",
                    v_hat / (np.sqrt(s_new) + eps),
                ),
                (
                    "bias-corrected only s: also v̂ = v/(1 − β1^t)",
                    v_new / (np.sqrt(s_hat) + eps),
                ),
                (
                    "put ε inside the square root: step = v̂/(√ŝ + ε)",
                    v_hat / np.sqrt(s_hat + eps),
                ),
                (
                    "no ε: a coordinate whose gradient has been 0 so far gives "
                    "0/0 = NaN; step = v̂/(√ŝ + ε)",
                    v_hat / np.sqrt(s_hat),
                ),
                (
                    "used the old v and s in the step: update them first",
                    (vd / c1) / (np.sqrt(sd / c2) + eps),
                ),
                ("sign error: step = +v̂/(√ŝ + ε)", -v_hat / (np.sqrt(s_hat) + eps)),
            ]
        cases.append(
            {
                "args": (v32, s32, g32, t, b1, b2, eps),
                "ref": readonly(*ref),
                "variants": (v_variants, s_variants, step_variants),
            }
        )
    return tuple(cases)


def check_adam_update(adam_update, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``adam_update(v, s, g, t, beta1, beta2, eps) -> (v_new, s_new, step)``.

    Step number t counts from 1 (t = 1 for the first update, when v = s = 0)::

        v_new = β1 v + (1 − β1) g            v̂ = v_new / (1 − β1^t)
        s_new = β2 s + (1 − β2) g²           ŝ = s_new / (1 − β2^t)
        step  = v̂ / (√ŝ + ε)                 (ε outside the square root)

    Return the UNcorrected v_new, s_new (the state for the next step) and the
    step; the parameter update is W = W − α·step. The course's defaults are
    β1 = 0.9, β2 = 0.999, ε = 1e-8.
    """
    chk = Check("adam_update", time_limit)
    with chk:
        chk.function(adam_update, "adam_update")
        for case in _adam_cases():
            v, s, g, t, b1, b2, eps = case["args"]
            out = chk.call(adam_update, *case["args"], name="adam_update")
            outs = unpack(out, ("v_new", "s_new", "step"), "adam_update")
            names = ("v_new", "s_new", "step")
            outs = [
                as_array(o, n, shape=v.shape) for o, n in zip(outs, names, strict=True)
            ]
            ctx = f" (t = {t}, β1 = {b1:g}, β2 = {b2:g}, ε = {eps:g})"
            for o, r, n, variants in zip(
                outs, case["ref"], names, case["variants"], strict=True
            ):
                judge(
                    (o,),
                    (r,),
                    (n,),
                    [(msg, (x,)) for msg, x in variants if x is not None],
                    context=ctx,
                )
    return chk.result("Bias correction makes even the first steps the right size.")


# ==========================================================================
# 16. Learning-rate decay
# ==========================================================================

_DECAY_CASES = ((0.2, 1.0, (1, 2, 5, 10)), (0.05, 0.3, (3, 7, 100)), (1.0, 0.0, (1, 4)))


@functools.cache
def _decay_cases():
    cases = []
    for alpha0, rate, epochs in _DECAY_CASES:
        sched = _schedules.inverse_time_decay(alpha0, rate)
        e = np.array(epochs, dtype=np.float64)
        ref = np.array([float(sched(k)) for k in epochs])
        with np.errstate(all="ignore"):
            variants = [
                (
                    "multiplied by (1 + decay_rate·epoch) instead of dividing by it",
                    alpha0 * (1 + rate * e),
                ),
                (
                    "used decay_rate·epoch without the 1 +: "
                    "α = α0/(1 + decay_rate·epoch) "
                    "(at epoch 0 yours divides by zero)",
                    alpha0 / (rate * e),
                ),
                (
                    "operator precedence: α0/1 + decay_rate·epoch; put "
                    "1 + decay_rate·epoch in parentheses",
                    alpha0 + rate * e,
                ),
                (
                    "that is α0/(1 + decay_rate)^epoch (exponential decay); "
                    "this exercise is α0/(1 + decay_rate·epoch)",
                    alpha0 / (1 + rate) ** e,
                ),
                (
                    "off by one: epoch 0 must use α0, α = α0/(1 + decay_rate·epoch)",
                    alpha0 / (1 + rate * (e + 1)),
                ),
                (
                    "that is decay_rate^epoch·α0, not α0/(1 + decay_rate·epoch)",
                    rate**e * alpha0,
                ),
            ]
        cases.append(
            {
                "alpha0": alpha0,
                "rate": rate,
                "epochs": epochs,
                "ref": ref,
                "variants": variants,
            }
        )
    return tuple(cases)


def check_lr_decay(lr_decay, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``lr_decay(alpha0, decay_rate, epoch) -> alpha``.

    Inverse-time decay, with epochs counted from 0 (epoch 0 uses α0)::

        α = α0 / (1 + decay_rate · epoch)

    ``epoch`` is a Python int; return a number.
    """
    chk = Check("lr_decay", time_limit)
    with chk:
        chk.function(lr_decay, "lr_decay")
        zero_hint = {
            ZeroDivisionError: "(at epoch 0: did you drop the 1 + in "
            "1 + decay_rate·epoch?)"
        }
        for case in _decay_cases():
            alpha0, rate = case["alpha0"], case["rate"]
            values = np.array(
                [
                    as_scalar(
                        chk.call(lr_decay, alpha0, rate, e, name="lr_decay"), "alpha"
                    )
                    for e in case["epochs"]
                ]
            )
            ctx = (
                f" (alpha0 = {alpha0:g}, decay_rate = {rate:g}, "
                f"epochs {list(case['epochs'])})"
            )
            judge(
                (values,),
                (case["ref"],),
                ("alpha",),
                [(msg, (v,)) for msg, v in case["variants"]],
                rtol=1e-5,
                context=ctx,
            )
            at_zero = as_scalar(
                chk.call(lr_decay, alpha0, rate, 0, name="lr_decay", hints=zero_hint),
                "alpha",
            )
            if not math.isclose(at_zero, alpha0, rel_tol=1e-5):
                if not math.isfinite(at_zero):
                    raise Failure(
                        "at epoch 0 alpha is not finite: did you drop the 1 + in "
                        "1 + decay_rate·epoch?"
                    )
                raise Failure("at epoch 0 alpha must be alpha0 (epochs count from 0)")
    return chk.result("α halves once decay_rate·epoch reaches 1.")


# ==========================================================================
# Assembly: the digits classifier trained with your mini-batches, Adam, decay
# ==========================================================================

DIGITS_LAYER_DIMS = (64, 32, 10)


class OptimizedTraining(NamedTuple):
    """What :func:`train_digits` returns.

    ``costs`` is the mean mini-batch cost of each epoch with your functions,
    ``reference_costs`` the same run with dlcore's (same key, same data);
    ``learning_rates`` the α of each epoch; ``used`` tells, per function,
    whether yours ran.
    """

    costs: np.ndarray
    reference_costs: np.ndarray
    test_accuracy: float
    reference_test_accuracy: float
    learning_rates: np.ndarray
    used: dict


def digits_data(key=None):
    """The 8×8 digits, shuffled and split into 1437 training and 360 test images.

    Returns ``(X_train, Y_train, X_test, Y_test)``: X of shape (64, m) with
    pixels in [0, 1], Y one-hot of shape (10, m), float32 NumPy arrays. The
    same key (default ``jax.random.key(0)``) gives the same split.
    """
    key = jax.random.key(0) if key is None else key
    X, y = _data.load_digits()
    perm = np.asarray(jax.random.permutation(key, X.shape[1]))
    X = np.asarray(X, np.float32)[:, perm]
    Y = np.asarray(_data.one_hot(y[0], 10), np.float32).reshape(10, -1)[:, perm]
    return X[:, :1437], Y[:, :1437], X[:, 1437:], Y[:, 1437:]


def _digits_cost(params, X, Y):
    A1 = jnp.maximum(params["W1"] @ X + params["b1"], 0)
    Z2 = params["W2"] @ A1 + params["b2"]
    return _losses.softmax_cross_entropy(Z2, Y)


_digits_cost_and_grads = jax.jit(jax.value_and_grad(_digits_cost))


def _digits_accuracy(params, X, Y) -> float:
    A1 = np.maximum(params["W1"] @ X + params["b1"], 0)
    Z2 = params["W2"] @ A1 + params["b2"]
    return float(np.mean(np.argmax(Z2, 0) == np.argmax(Y, 0)))


def _reference_mini_batches(X, Y, mini_batch_size, key):
    return _data.random_mini_batches(X, Y, mini_batch_size, key)


def _reference_adam_update(v, s, g, t, beta1, beta2, eps):
    v = beta1 * np.asarray(v) + (1 - beta1) * g
    s = beta2 * np.asarray(s) + (1 - beta2) * g * g
    step = (v / (1 - beta1**t)) / (np.sqrt(s / (1 - beta2**t)) + eps)
    return v, s, step


def _reference_lr_decay(alpha0, decay_rate, epoch):
    return float(_schedules.inverse_time_decay(alpha0, decay_rate)(epoch))


def _digits_run(parts, data, key, num_epochs, mini_batch_size, alpha0, decay_rate):
    """Mini-batch Adam with decay; returns (costs, learning rates, accuracy)."""
    X, Y, X_test, Y_test = data
    k_init, k_batches = jax.random.split(key)
    params = {
        k: np.asarray(v, np.float32)
        for k, v in _init.initialize(k_init, list(DIGITS_LAYER_DIMS), "he").items()
    }
    v = {k: np.zeros_like(p) for k, p in params.items()}
    s = {k: np.zeros_like(p) for k, p in params.items()}
    costs, rates, t = [], [], 0
    for epoch in range(num_epochs):
        alpha = float(parts["lr_decay"](alpha0, decay_rate, epoch))
        batches = parts["random_mini_batches"](
            X, Y, mini_batch_size, jax.random.fold_in(k_batches, epoch)
        )
        epoch_costs = []
        for X_batch, Y_batch in batches:
            t += 1
            J, grads = _digits_cost_and_grads(params, X_batch, Y_batch)
            epoch_costs.append(float(J))
            for k in params:
                v[k], s[k], step = parts["adam_update"](
                    v[k], s[k], np.asarray(grads[k]), t, 0.9, 0.999, 1e-8
                )
                params[k] = (params[k] - alpha * np.asarray(step)).astype(np.float32)
        costs.append(float(np.mean(epoch_costs)))
        rates.append(alpha)
    return np.array(costs), np.array(rates), _digits_accuracy(params, X_test, Y_test)


def train_digits(
    random_mini_batches=None,
    adam_update=None,
    lr_decay=None,
    *,
    key,
    num_epochs: int = 12,
    mini_batch_size: int = 64,
    learning_rate: float = 0.01,
    decay_rate: float = 0.3,
) -> OptimizedTraining:
    """Train the digits classifier with YOUR mini-batches, Adam and decay.

    A [64, 32, 10] network (ReLU, softmax output) on :func:`digits_data`.
    Each epoch::

        α = lr_decay(learning_rate, decay_rate, epoch)
        for (X_b, Y_b) in random_mini_batches(X, Y, mini_batch_size, key_epoch):
            t += 1;  g = ∂J/∂W (by jax.grad)
            v, s, step = adam_update(v, s, g, t, 0.9, 0.999, 1e-8)
            W = W − α · step                      (for every W and b)

    The same run with dlcore's functions gives ``reference_costs``: with
    correct functions the two curves lie on top of each other. A function
    that is None or not done yet (NotImplementedError) is replaced by
    dlcore's, with a one-line note.

    Arguments:
        random_mini_batches, adam_update, lr_decay: yours, with the
            signatures of the exercises of notebooks 06 and 08.
        key: a JAX key (initialization and shuffles).
        num_epochs, mini_batch_size, learning_rate (α0), decay_rate.

    Returns:
        an :class:`OptimizedTraining`; pass it to
        :func:`check_optimized_training`.

    Raises:
        TypeError / ValueError naming the argument: a missing key or a batch
        of keys, sizes that are not integers >= 1, a learning rate not in
        (0, inf), a decay rate < 0, a function that is not callable.
    """
    check_key("key", key)
    check_int("num_epochs", num_epochs, lo=1)
    check_int("mini_batch_size", mini_batch_size, lo=1)
    check_range("learning_rate", learning_rate, 0.0, None, lo_closed=False)
    check_range("decay_rate", decay_rate, 0.0, None)
    data = digits_data()
    hyper = (num_epochs, mini_batch_size, learning_rate, decay_rate)
    parts = {
        "random_mini_batches": Yours(
            random_mini_batches, "random_mini_batches", _reference_mini_batches
        ),
        "adam_update": Yours(adam_update, "adam_update", _reference_adam_update),
        "lr_decay": Yours(lr_decay, "lr_decay", _reference_lr_decay),
    }
    reference = {
        "random_mini_batches": _reference_mini_batches,
        "adam_update": _reference_adam_update,
        "lr_decay": _reference_lr_decay,
    }
    costs, rates, accuracy = _digits_run(parts, data, key, *hyper)
    ref_costs, _, ref_accuracy = _digits_run(reference, data, key, *hyper)
    return OptimizedTraining(
        costs=costs,
        reference_costs=ref_costs,
        test_accuracy=accuracy,
        reference_test_accuracy=ref_accuracy,
        learning_rates=rates,
        used={k: p.used for k, p in parts.items()},
    )


def check_optimized_training(result) -> CheckResult:
    """Check a run of :func:`train_digits`.

    Passes when your three functions ran, the cost stayed finite, the last
    epoch's cost is within 25% (+0.02) of dlcore's run, and the test
    accuracy reaches 90%.
    """
    chk = Check("optimized_training", None)
    with chk:
        if not isinstance(result, OptimizedTraining):
            raise Failure(
                f"pass the result of train_digits(...), got {describe_value(result)}",
                status="error",
            )
        not_yours = [k for k, used in result.used.items() if not used]
        if not_yours:
            raise NotDone(
                f"not done yet: {', '.join(not_yours)} still use dlcore's "
                "functions; finish those exercises first."
            )
        costs, ref = result.costs, result.reference_costs
        bad = np.flatnonzero(~np.isfinite(costs))
        if bad.size:
            raise Failure(
                f"the cost became NaN/inf in epoch {int(bad[0])}: a step too "
                "large (ε, the square root, or α from lr_decay?)"
            )
        if costs[-1] > 1.25 * ref[-1] + 0.02:
            raise Failure(
                f"your run ends at cost {costs[-1]:.3f}, dlcore's at {ref[-1]:.3f}: "
                "one of random_mini_batches, adam_update and lr_decay does "
                "something else (their own checks say which)"
            )
        if result.test_accuracy < 0.9:
            raise Failure(f"test accuracy {result.test_accuracy:.1%}, below 90%")
    return chk.result(
        f"last epoch's cost {getattr(result, 'costs', [0])[-1]:.3f} (dlcore's: "
        f"{getattr(result, 'reference_costs', [0])[-1]:.3f}), test accuracy "
        f"{getattr(result, 'test_accuracy', 0):.1%}."
    )
