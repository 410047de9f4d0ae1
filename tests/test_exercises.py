"""The exercise checkers, against a catalog of right and wrong answers.

For every exercise: a correct implementation (written here with NumPy, apart
from drawing random numbers from the JAX key) passes; the usual mistakes each
fail with the message that names them; and broken code (raising, stubs, wrong
types and shapes, NaN, endless loops, answers hard-coded to one input) gives
one clear line without an exception escaping.
"""

from __future__ import annotations

import math
import time

import jax
import numpy as np
import pytest

from dlcore import exercises as ex

# --------------------------------------------------------------------------
# Correct implementations
# --------------------------------------------------------------------------


def normalize(X_train, X_test):
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    mu = X_train.mean(axis=1, keepdims=True)
    sigma = np.sqrt(((X_train - mu) ** 2).mean(axis=1, keepdims=True))
    return (X_train - mu) / sigma, (X_test - mu) / sigma


def make_init(c, fan="in", sqrt=True, scale=1.0, keyed=True, const=None):
    def init(key, layer_dims):
        keys = jax.random.split(key, len(layer_dims) - 1)
        rng = np.random.default_rng()
        params = {}
        for l in range(1, len(layer_dims)):
            n_prev, n = layer_dims[l - 1], layer_dims[l]
            fan_n = {"in": n_prev, "out": n, "avg": (n_prev + n) / 2}[fan]
            var = c / fan_n
            std = math.sqrt(var) if sqrt else var
            if keyed:
                z = np.asarray(jax.random.normal(keys[l - 1], (n, n_prev)))
            else:
                z = rng.standard_normal((n, n_prev))
            W = scale * std * z
            if const is not None:
                W = np.full((n, n_prev), const)
            params[f"W{l}"] = W
            params[f"b{l}"] = np.zeros((n, 1))
        return params

    return init


he_init = make_init(2.0)
xavier_init = make_init(1.0)


def make_dropout_forward(divide=True, drop=False, scaled_mask=False, rows=False):
    def dropout_forward(A, keep_prob, key):
        A = np.asarray(A)
        shape = (A.shape[0], 1) if rows else A.shape
        u = np.asarray(jax.random.uniform(key, shape))
        mask = (u < (1 - keep_prob if drop else keep_prob)) * np.ones(A.shape)
        A_drop = A * mask / keep_prob if divide else A * mask
        return A_drop, (mask / keep_prob if scaled_mask else mask)

    return dropout_forward


dropout_forward = make_dropout_forward()


def dropout_backward(dA, mask, keep_prob):
    return np.asarray(dA) * np.asarray(mask) / keep_prob


def l2_cost(cross_entropy_cost, params, lambd, m):
    W2 = sum(np.sum(np.asarray(v) ** 2) for k, v in params.items() if k[0] == "W")
    return cross_entropy_cost + lambd / (2 * m) * W2


def l2_grad_term(W, lambd, m):
    return lambd / m * np.asarray(W)


def make_grad_check(mode="two", denominator=True, divisor="2eps"):
    def grad_check(J, theta, dtheta, eps=1e-7):
        n = theta.size
        approx = np.zeros(n)
        for i in range(n):
            plus, minus = theta.copy(), theta.copy()
            plus[i] += eps
            minus[i] -= eps
            if mode == "one":
                approx[i] = (J(plus) - J(theta)) / eps
                continue
            diff = J(plus) - J(minus)
            approx[i] = (
                diff
                / {
                    "2eps": 2 * eps,
                    "eps": eps,
                    "eps2": eps**2,
                    "4eps": 4 * eps,
                }[divisor]
            )
        num = np.linalg.norm(approx - dtheta)
        if not denominator:
            return num
        return num / (np.linalg.norm(approx) + np.linalg.norm(dtheta))

    return grad_check


grad_check = make_grad_check()


def _bn_scale(var, eps, eps_mode):
    """1/√(var + ε) and the usual ways of getting it wrong."""
    if eps_mode == "inside":
        return 1 / np.sqrt(var + eps)
    if eps_mode == "outside":
        return 1 / (np.sqrt(var) + eps)
    return 1 / np.sqrt(var)


def make_bn_forward(
    ddof=0,
    eps_mode="inside",
    axis=1,
    *,
    swap_momentum=False,
    update="ewa",
    state_ddof=0,
    train_stats="batch",
    eval_stats="running",
    eval_eps_mode="inside",
    update_in_eval=False,
    default_train=True,
):
    """batchnorm_forward with the library's signature, and its usual mistakes."""

    def batchnorm_forward(
        Z, gamma, beta, bn_state, *, train=default_train, eps=1e-5, momentum=0.9
    ):
        Z, gamma, beta = (np.asarray(x, dtype=np.float64) for x in (Z, gamma, beta))
        mean_r, var_r = (np.asarray(x, dtype=np.float64) for x in bn_state)
        mu = Z.mean(axis=axis, keepdims=True)
        var = Z.var(axis=axis, ddof=ddof, keepdims=True)
        old_w, new_w = (
            (1 - momentum, momentum) if swap_momentum else (momentum, 1 - momentum)
        )
        var_avg = Z.var(axis=axis, ddof=state_ddof, keepdims=True)
        new_state = {
            "ewa": (old_w * mean_r + new_w * mu, old_w * var_r + new_w * var_avg),
            "none": (mean_r, var_r),
            "batch": (mu, var),
        }[update]
        if not train:
            m_use, v_use = {
                "running": (mean_r, var_r),
                "batch": (mu, var),
                "updated": new_state,
            }[eval_stats]
            Z_norm = (Z - m_use) * _bn_scale(v_use, eps, eval_eps_mode)
            return (
                gamma * Z_norm + beta,
                None,
                new_state if update_in_eval else bn_state,
            )
        if train_stats == "running":
            mu, var = mean_r, var_r
        inv = _bn_scale(var, eps, eps_mode)
        Z_norm = (Z - mu) * inv
        return gamma * Z_norm + beta, (Z - mu, Z_norm, inv, gamma), new_state

    return batchnorm_forward


batchnorm_forward = make_bn_forward()


def make_bn_backward(with_mu=True, with_var=True, sums_over_m=False):
    def batchnorm_backward(dZ_tilde, cache):
        zc, Z_norm, inv, gamma = cache
        dout = np.asarray(dZ_tilde, dtype=np.float64)
        m = dout.shape[1]
        dbeta = dout.sum(axis=1, keepdims=True)
        dgamma = (dout * Z_norm).sum(axis=1, keepdims=True)
        if sums_over_m:
            dbeta, dgamma = dbeta / m, dgamma / m
        dxhat = dout * gamma
        dvar = (dxhat * zc).sum(axis=1, keepdims=True) * -0.5 * inv**3
        dmu = (-dxhat * inv).sum(axis=1, keepdims=True)
        dZ = dxhat * inv
        if with_var:
            dZ = dZ + dvar * 2 * zc / m
        if with_mu:
            dZ = dZ + dmu / m
        return dZ, dgamma, dbeta

    return batchnorm_backward


batchnorm_backward = make_bn_backward()


def make_mini_batches(drop_last=False, same_perm=True, shuffle=True, overlap=False):
    def random_mini_batches(X, Y, mini_batch_size, key):
        X, Y = np.asarray(X), np.asarray(Y)
        m = X.shape[1]
        k1, k2 = jax.random.split(key)
        if overlap:
            perm = np.asarray(jax.random.randint(k1, (m,), 0, m))
        else:
            perm = np.asarray(jax.random.permutation(k1, m))
        if not shuffle:
            perm = np.arange(m)
        perm_y = perm if same_perm else np.asarray(jax.random.permutation(k2, m))
        Xs, Ys = X[:, perm], Y[:, perm_y]
        s = mini_batch_size
        stop = (m // s) * s if drop_last else m
        return [(Xs[:, k : k + s], Ys[:, k : k + s]) for k in range(0, stop, s)]

    return random_mini_batches


random_mini_batches = make_mini_batches()


def make_ewa(t0=1, correct=True, swap=False, feedback=False):
    def ewa(theta, beta):
        theta = np.asarray(theta, dtype=np.float64)
        b, w = (1 - beta, beta) if swap else (beta, 1 - beta)
        v, out = 0.0, []
        for t, x in enumerate(theta, start=t0):
            v = b * v + w * x
            c = 1 - beta**t if correct else 1.0
            out.append(v / c)
            if feedback:
                v = v / c
        return np.array(out)

    return ewa


ewa = make_ewa()


def momentum_update(v, g, beta):
    return beta * np.asarray(v) + (1 - beta) * np.asarray(g)


def make_rmsprop(eps_mode="outside", old_s=False):
    def rmsprop_update(s, g, beta, eps):
        s, g = np.asarray(s, dtype=np.float64), np.asarray(g, dtype=np.float64)
        s_new = beta * s + (1 - beta) * g**2
        s_step = s if old_s else s_new
        if eps_mode == "outside":
            step = g / (np.sqrt(s_step) + eps)
        elif eps_mode == "inside":
            step = g / np.sqrt(s_step + eps)
        else:
            step = g / np.sqrt(s_step)
        return s_new, step

    return rmsprop_update


rmsprop_update = make_rmsprop()


def make_adam(t_offset=0, correct=True, eps_inside=False, store_corrected=False):
    def adam_update(v, s, g, t, beta1, beta2, eps):
        v, s, g = (np.asarray(x, dtype=np.float64) for x in (v, s, g))
        v = beta1 * v + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g**2
        tt = t + t_offset
        v_hat = v / (1 - beta1**tt) if correct else v
        s_hat = s / (1 - beta2**tt) if correct else s
        if eps_inside:
            step = v_hat / np.sqrt(s_hat + eps)
        else:
            step = v_hat / (np.sqrt(s_hat) + eps)
        if store_corrected:
            return v_hat, s_hat, step
        return v, s, step

    return adam_update


adam_update = make_adam()


def clip_by_global_norm(grads, max_norm):
    norm = math.sqrt(
        sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values())
    )
    factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: np.asarray(g) * factor for k, g in grads.items()}


def _clip_per_array(grads, max_norm):
    return {
        k: np.asarray(g) * min(1.0, max_norm / max(np.linalg.norm(g), 1e-30))
        for k, g in grads.items()
    }


def _clip_by_value(grads, max_norm):
    return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}


def _clip_always(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values()))
    return {k: np.asarray(g) * max_norm / norm for k, g in grads.items()}


def _clip_no_sqrt(grads, max_norm):
    sq = sum(float(np.sum(np.square(g))) for g in grads.values())
    return {
        k: np.asarray(g) * min(1.0, max_norm / sq) if sq > 0 else np.asarray(g)
        for k, g in grads.items()
    }


def lr_decay(alpha0, decay_rate, epoch):
    return alpha0 / (1 + decay_rate * epoch)


def sample_log_uniform(key, n, low, high):
    r = np.asarray(jax.random.uniform(key, (n,)), dtype=np.float64)
    return 10 ** (math.log10(low) + r * (math.log10(high) - math.log10(low)))


def sample_beta(key, n, low, high):
    a, b = math.log10(1 - high), math.log10(1 - low)
    r = a + (b - a) * np.asarray(jax.random.uniform(key, (n,)), dtype=np.float64)
    return 1 - 10**r


def softmax(Z):
    Z = np.asarray(Z, dtype=np.float64)
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _shifted_logits(Z, shift):
    Z = np.asarray(Z, dtype=np.float64)
    return Z - Z.max(axis=0, keepdims=True) if shift else Z


def make_softmax_ce(sign=1, log_of_softmax=False, shift=True, total=False, per="m"):
    def softmax_cross_entropy(Z, Y):
        Y = np.asarray(Y, dtype=np.float64)
        C, m = Y.shape
        Zs = _shifted_logits(Z, shift)
        if log_of_softmax:
            log_a = np.log(np.exp(Zs) / np.exp(Zs).sum(axis=0, keepdims=True))
        else:
            log_a = Zs - np.log(np.exp(Zs).sum(axis=0, keepdims=True))
        J = -sign * np.sum(Y * log_a)
        return J if total else J / {"m": m, "Cm": C * m}[per]

    return softmax_cross_entropy


def make_softmax_ce_backward(divide_m=False, sign=1, shift=True, subtract_y=True):
    def softmax_cross_entropy_backward(Z, Y):
        Y = np.asarray(Y, dtype=np.float64)
        e = np.exp(_shifted_logits(Z, shift))
        A = e / e.sum(axis=0, keepdims=True)
        dZ = sign * (A - Y) if subtract_y else A
        return dZ / Y.shape[1] if divide_m else dZ

    return softmax_cross_entropy_backward


softmax_cross_entropy = make_softmax_ce()
softmax_cross_entropy_backward = make_softmax_ce_backward()


# The exercises: checker, correct implementation(s). For batch norm's backward
# the checker takes (forward, backward); the function under test is the last.
EXERCISES = {
    "normalize": (ex.check_normalize, (normalize,)),
    "he_init": (ex.check_he_init, (he_init,)),
    "xavier_init": (ex.check_xavier_init, (xavier_init,)),
    "dropout_forward": (ex.check_dropout_forward, (dropout_forward,)),
    "dropout_backward": (ex.check_dropout_backward, (dropout_backward,)),
    "l2_cost": (ex.check_l2_cost, (l2_cost,)),
    "l2_grad_term": (ex.check_l2_grad_term, (l2_grad_term,)),
    "grad_check": (ex.check_grad_check, (grad_check,)),
    "batchnorm_forward": (ex.check_batchnorm_forward, (batchnorm_forward,)),
    "batchnorm_backward": (
        ex.check_batchnorm_backward,
        (batchnorm_forward, batchnorm_backward),
    ),
    "random_mini_batches": (ex.check_random_mini_batches, (random_mini_batches,)),
    "ewa": (ex.check_ewa, (ewa,)),
    "momentum_update": (ex.check_momentum_update, (momentum_update,)),
    "rmsprop_update": (ex.check_rmsprop_update, (rmsprop_update,)),
    "adam_update": (ex.check_adam_update, (adam_update,)),
    "lr_decay": (ex.check_lr_decay, (lr_decay,)),
    "clip_by_global_norm": (ex.check_clip_by_global_norm, (clip_by_global_norm,)),
    "sample_log_uniform": (ex.check_sample_log_uniform, (sample_log_uniform,)),
    "sample_beta": (ex.check_sample_beta, (sample_beta,)),
    "softmax": (ex.check_softmax, (softmax,)),
    "softmax_cross_entropy": (ex.check_softmax_cross_entropy, (softmax_cross_entropy,)),
    "softmax_cross_entropy_backward": (
        ex.check_softmax_cross_entropy_backward,
        (softmax_cross_entropy_backward,),
    ),
}


def run(name, student, **kwargs):
    """Run the checker of ``name`` with ``student`` as the function under test."""
    checker, fns = EXERCISES[name]
    return checker(*fns[:-1], student, **kwargs)


def test_every_exercise_has_a_title_and_a_catalog_entry():
    assert set(EXERCISES) == set(ex.TITLES) - set(ex.ASSEMBLY)
    checkers = {n[len("check_") :] for n in ex.__all__ if n.startswith("check_")}
    assert checkers == set(ex.TITLES)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_correct_implementation_passes(name, capsys):
    checker, fns = EXERCISES[name]
    result = checker(*fns)
    assert result.status == "passed", result.line
    assert result.exercise == ex.TITLES[name]
    assert result.line.startswith(f"✔ {ex.TITLES[name]}: correct.")
    assert ex.RESULTS[ex.TITLES[name]] is result
    out = capsys.readouterr().out
    assert out == result.line + "\n"  # exactly one line, printed once


def test_a_jax_implementation_passes_too():
    import jax.numpy as jnp

    def jax_softmax(Z):
        e = jnp.exp(Z - jnp.max(Z, axis=0, keepdims=True))
        return e / jnp.sum(e, axis=0, keepdims=True)

    def jax_dropout(A, keep_prob, key):
        mask = jax.random.uniform(key, A.shape) < keep_prob
        return A * mask / keep_prob, mask

    assert ex.check_softmax(jax_softmax).passed
    assert ex.check_dropout_forward(jax_dropout).passed


# --------------------------------------------------------------------------
# Wrong implementations: (exercise, implementation, distinctive substring)
# --------------------------------------------------------------------------


def _own_test_stats(X_train, X_test):
    a, _ = normalize(X_train, X_test)
    b, _ = normalize(X_test, X_test)
    return a, b


def _normalize_by_var(X_train, X_test):
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    mu, var = X_train.mean(1, keepdims=True), X_train.var(1, keepdims=True)
    return (X_train - mu) / var, (X_test - mu) / var


def _normalize_per_example(X_train, X_test):
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    mu, sd = X_train.mean(0, keepdims=True), X_train.std(0, keepdims=True)
    return (X_train - mu) / sd, (X_test - mu) / sd


def _normalize_unbiased(X_train, X_test):
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    mu, sd = X_train.mean(1, keepdims=True), X_train.std(1, ddof=1, keepdims=True)
    return (X_train - mu) / sd, (X_test - mu) / sd


def _small_random_init(key, layer_dims):
    params = xavier_init(key, layer_dims)
    for l in range(1, len(layer_dims)):
        W = params[f"W{l}"]
        params[f"W{l}"] = 0.01 * W / math.sqrt(1 / layer_dims[l - 1])
    return params


def _dropout_backward_fresh_mask(dA, mask, keep_prob):
    rng = np.random.default_rng(0)
    new = rng.uniform(size=np.shape(dA)) < keep_prob
    return np.asarray(dA) * new / keep_prob


def _l2_cost_factor(ce, params, lambd, m):
    W2 = sum(np.sum(np.asarray(v) ** 2) for k, v in params.items() if k[0] == "W")
    return ce + lambd / m * W2


def _l2_cost_biases(ce, params, lambd, m):
    total = sum(np.sum(np.asarray(v) ** 2) for v in params.values())
    return ce + lambd / (2 * m) * total


def _l2_cost_only_penalty(ce, params, lambd, m):
    return l2_cost(0.0, params, lambd, m)


def _grad_check_all_at_once(J, theta, dtheta, eps=1e-7):
    approx = np.full(theta.size, (J(theta + eps) - J(theta - eps)) / (2 * eps))
    num = np.linalg.norm(approx - dtheta)
    return num / (np.linalg.norm(approx) + np.linalg.norm(dtheta))


def _grad_check_float32(J, theta, dtheta, eps=1e-7):
    import jax.numpy as jnp

    t = jnp.asarray(theta)  # float32: x64 is off
    approx = np.array(
        [
            (J(t.at[i].add(eps)) - J(t.at[i].add(-eps))) / (2 * eps)
            for i in range(t.size)
        ]
    )
    num = np.linalg.norm(approx - dtheta)
    return num / (np.linalg.norm(approx) + np.linalg.norm(dtheta))


def _grad_check_in_place(J, theta, dtheta, eps=1e-7):
    approx = np.zeros(theta.size)
    for i in range(theta.size):
        theta[i] += eps
        plus = J(theta)
        theta[i] -= 2 * eps
        minus = J(theta)  # and θ_i is never restored
        approx[i] = (plus - minus) / (2 * eps)
    num = np.linalg.norm(approx - dtheta)
    return num / (np.linalg.norm(approx) + np.linalg.norm(dtheta))


def _ewa_plain_numpy(theta, beta):
    return make_ewa(correct=False)(theta, beta)


def _momentum_optax_form(v, g, beta):
    return beta * np.asarray(v) + np.asarray(g)


def _momentum_swapped(v, g, beta):
    return (1 - beta) * np.asarray(v) + beta * np.asarray(g)


def _lr_multiplied(alpha0, decay_rate, epoch):
    return alpha0 * (1 + decay_rate * epoch)


def _lr_without_one(alpha0, decay_rate, epoch):
    return alpha0 / (decay_rate * epoch)  # ZeroDivisionError at epoch 0


def _lr_precedence(alpha0, decay_rate, epoch):
    return alpha0 / 1 + decay_rate * epoch


def _linear_uniform(key, n, low, high):
    return np.asarray(jax.random.uniform(key, (n,), minval=low, maxval=high))


def _exponent_only(key, n, low, high):
    a, b = math.log10(low), math.log10(high)
    return np.asarray(jax.random.uniform(key, (n,), minval=a, maxval=b))


def _beta_uniform(key, n, low, high):
    return np.asarray(jax.random.uniform(key, (n,), minval=low, maxval=high))


def _beta_log_of_beta(key, n, low, high):
    a, b = math.log10(low), math.log10(high)
    r = a + (b - a) * np.asarray(jax.random.uniform(key, (n,)), dtype=np.float64)
    return 10**r


def _beta_returns_one_minus(key, n, low, high):
    return 1 - sample_beta(key, n, low, high)


def _softmax_naive(Z):
    e = np.exp(np.asarray(Z))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_wrong_axis(Z):
    Z = np.asarray(Z, dtype=np.float64)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_global_max(Z):
    Z = np.asarray(Z)
    e = np.exp(Z - Z.max())
    return e / e.sum(axis=0, keepdims=True)


# The classes of false passes: each would pass a check that looks only at
# one property (each layer's variance, one value of ε, logits near 1000, ...).


def _he_init_one_key(key, layer_dims):
    """The same key for every layer: W1 and W2 share their random numbers."""
    params = {}
    for l in range(1, len(layer_dims)):
        n_prev, n = layer_dims[l - 1], layer_dims[l]
        z = np.asarray(jax.random.normal(key, (n, n_prev)))
        params[f"W{l}"] = z * math.sqrt(2 / n_prev)
        params[f"b{l}"] = np.zeros((n, 1))
    return params


def _he_init_one_subkey(key, layer_dims):
    """Splits the key, then draws every layer from the same subkey."""
    _, sub = jax.random.split(key)
    return _he_init_one_key(sub, layer_dims)


def _grad_check_fixed_eps(J, theta, dtheta, eps=1e-7):
    return grad_check(J, theta, dtheta, 1e-7)  # the eps argument is ignored


def _bn_forward_fixed_eps(
    Z, gamma, beta, bn_state, *, train=True, eps=1e-5, momentum=0.9
):
    return batchnorm_forward(Z, gamma, beta, bn_state, train=train, momentum=momentum)


def _bn_forward_fixed_momentum(
    Z, gamma, beta, bn_state, *, train=True, eps=1e-5, momentum=0.9
):
    return batchnorm_forward(Z, gamma, beta, bn_state, train=train, eps=eps)


def _bn_forward_torch_momentum(
    Z, gamma, beta, bn_state, *, train=True, eps=1e-5, momentum=0.1
):
    """PyTorch's default momentum=0.1, used as the weight of the old average."""
    return batchnorm_forward(
        Z, gamma, beta, bn_state, train=train, eps=eps, momentum=momentum
    )


def _bn_forward_old_signature(Z, gamma, beta, eps=1e-5):
    """The former exercise: no bn_state, returns (Z_tilde, cache)."""
    Z_tilde, cache, _ = batchnorm_forward(Z, gamma, beta, (0.0, 1.0), eps=eps)
    return Z_tilde, cache


def _bn_forward_positional_only_keywords(Z, gamma, beta, bn_state):
    """No train/eps/momentum arguments at all."""
    return batchnorm_forward(Z, gamma, beta, bn_state)


def _clip_fixed_max_norm(grads, max_norm):
    return clip_by_global_norm(grads, 1.0)


def _clip_in_place(grads, max_norm):
    clipped = clip_by_global_norm(grads, max_norm)
    for k, g in grads.items():
        g[...] = clipped[k]  # writes into the caller's arrays
    return grads


def _clip_squared_comparison(grads, max_norm):
    """Compares ‖g‖² with max_norm: rescales some gradients below the threshold."""
    sq = sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values())
    factor = max_norm / math.sqrt(sq) if sq > max_norm else 1.0
    return {k: np.asarray(g) * factor for k, g in grads.items()}


def _softmax_shift_by(stat):
    def softmax_shifted(Z):
        Z = np.asarray(Z, dtype=np.float64)
        e = np.exp(Z - stat(Z, axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    return softmax_shifted


def _softmax_ce_shift_by(stat):
    def softmax_cross_entropy_shifted(Z, Y):
        Z, Y = np.asarray(Z, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        Zs = Z - stat(Z, axis=0, keepdims=True)
        log_a = Zs - np.log(np.exp(Zs).sum(axis=0, keepdims=True))
        return -np.sum(Y * log_a) / Z.shape[1]

    return softmax_cross_entropy_shifted


def _softmax_ce_backward_shift_by(stat):
    def softmax_cross_entropy_backward_shifted(Z, Y):
        Z = np.asarray(Z, dtype=np.float64)
        e = np.exp(Z - stat(Z, axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True) - np.asarray(Y)

    return softmax_cross_entropy_backward_shifted


def _softmax_ce_old_pair(Z, Y):
    """The former exercise's result (J, dZ); the library returns J alone."""
    return softmax_cross_entropy(Z, Y), softmax_cross_entropy_backward(Z, Y)


def _l2_cost_w_by_shape(ce, params, lambd, m):
    """Takes every array with more than one column for a weight matrix."""
    W2 = sum(np.sum(np.asarray(v) ** 2) for v in params.values() if v.shape[1] > 1)
    return ce + lambd / (2 * m) * W2


def _l2_cost_drops_biases(ce, params, lambd, m):
    for k in [k for k in params if k.startswith("b")]:
        del params[k]  # changes the caller's dict
    return l2_cost(ce, params, lambd, m)


# (exercise, wrong solution, words the message must contain): one per class.
FALSE_PASSES = [
    ("he_init", _he_init_one_key, "same random numbers"),
    ("xavier_init", _he_init_one_subkey, "one key (or subkey)"),
    ("grad_check", _grad_check_fixed_eps, "ignored the eps argument"),
    ("batchnorm_forward", _bn_forward_fixed_eps, "ignored the eps argument"),
    ("batchnorm_forward", _bn_forward_fixed_momentum, "ignored the momentum argument"),
    ("clip_by_global_norm", _clip_fixed_max_norm, "ignores its argument max_norm"),
    ("softmax", _softmax_shift_by(np.mean), "mean or min"),
    ("softmax", _softmax_shift_by(np.min), "mean or min"),
    ("softmax_cross_entropy", _softmax_ce_shift_by(np.mean), "mean or min"),
    ("softmax_cross_entropy", _softmax_ce_shift_by(np.min), "mean or min"),
    (
        "softmax_cross_entropy_backward",
        _softmax_ce_backward_shift_by(np.mean),
        "mean or min",
    ),
    (
        "softmax_cross_entropy_backward",
        _softmax_ce_backward_shift_by(np.min),
        "mean or min",
    ),
    ("softmax_cross_entropy", _softmax_ce_old_pair, "only the cost J"),
    ("l2_cost", _l2_cost_w_by_shape, "by their name"),
    ("clip_by_global_norm", _clip_in_place, "changed W1 in place"),
    ("l2_cost", _l2_cost_drops_biases, "changed params"),
    ("clip_by_global_norm", _clip_squared_comparison, "even though ‖g‖ ≤ max_norm"),
]


WRONG = [
    ("normalize", _own_test_stats, "its own μ and σ"),
    ("normalize", _normalize_by_var, "divided by σ² instead of σ"),
    ("normalize", _normalize_per_example, "wrong axis"),
    ("normalize", _normalize_unbiased, "unbiased variance"),
    ("he_init", make_init(1.0), "Xavier's"),
    ("he_init", make_init(2.0, fan="out"), "instead of n[l-1]"),
    ("he_init", make_init(2.0, sqrt=False), "forgot the square root"),
    ("he_init", make_init(2.0, const=0.0), "all zeros"),
    ("he_init", make_init(2.0, const=0.3), "one constant value"),
    ("he_init", make_init(2.0, keyed=False), "same key gave different weights"),
    ("he_init", _small_random_init, "0.01"),
    ("xavier_init", make_init(2.0), "He's"),
    ("xavier_init", make_init(1.0, fan="avg"), "Glorot"),
    ("xavier_init", make_init(1.0, fan="out"), "instead of n[l-1]"),
    ("dropout_forward", make_dropout_forward(divide=False), "forgot to divide"),
    ("dropout_forward", make_dropout_forward(drop=True), "DROP probability"),
    ("dropout_forward", make_dropout_forward(scaled_mask=True), "0 and 1/keep_prob"),
    ("dropout_forward", make_dropout_forward(rows=True), "whole units"),
    ("dropout_backward", lambda dA, mask, kp: np.asarray(dA) / kp, "ignored the mask"),
    (
        "dropout_backward",
        lambda dA, mask, kp: np.asarray(dA) * np.asarray(mask),
        "forgot to divide by keep_prob",
    ),
    ("dropout_backward", _dropout_backward_fresh_mask, "reuse the forward mask"),
    ("l2_cost", _l2_cost_factor, "λ/m instead of λ/(2m)"),
    ("l2_cost", _l2_cost_biases, "biases"),
    ("l2_cost", _l2_cost_only_penalty, "only the L2 term"),
    ("l2_cost", lambda ce, params, lambd, m: ce, "unchanged"),
    ("l2_grad_term", lambda W, lambd, m: lambd / (2 * m) * np.asarray(W), "λ/(2m)"),
    ("l2_grad_term", lambda W, lambd, m: (lambd / m) ** 2 * np.asarray(W), "twice"),
    ("l2_grad_term", lambda W, lambd, m: -lambd / m * np.asarray(W), "sign"),
    ("grad_check", make_grad_check(mode="one"), "one-sided"),
    ("grad_check", make_grad_check(denominator=False), "without dividing"),
    ("grad_check", make_grad_check(divisor="eps"), "instead of 2ε"),
    ("grad_check", make_grad_check(divisor="eps2"), "ε²"),
    ("grad_check", _grad_check_all_at_once, "every component of θ at once"),
    ("grad_check", _grad_check_float32, "float32"),
    ("grad_check", _grad_check_in_place, "in place"),
    ("batchnorm_forward", make_bn_forward(ddof=1), "unbiased variance"),
    ("batchnorm_forward", make_bn_forward(eps_mode="none"), "forgot ε"),
    ("batchnorm_forward", make_bn_forward(eps_mode="outside"), "ε outside"),
    ("batchnorm_forward", make_bn_forward(axis=0), "wrong axis"),
    (
        "batchnorm_forward",
        make_bn_forward(swap_momentum=True),
        "swapped the weights",
    ),
    ("batchnorm_forward", make_bn_forward(update="none"), "bn_state unchanged"),
    ("batchnorm_forward", make_bn_forward(update="batch"), "only this batch's μ"),
    ("batchnorm_forward", make_bn_forward(state_ddof=1), "PyTorch stores"),
    ("batchnorm_forward", make_bn_forward(train_stats="running"), "train mode"),
    ("batchnorm_forward", make_bn_forward(eval_stats="batch"), "batch's μ and σ²"),
    ("batchnorm_forward", make_bn_forward(eval_stats="updated"), "first updated"),
    ("batchnorm_forward", make_bn_forward(eval_eps_mode="none"), "eval mode forgot ε"),
    (
        "batchnorm_forward",
        make_bn_forward(eval_eps_mode="outside"),
        "eval mode put ε outside",
    ),
    (
        "batchnorm_forward",
        make_bn_forward(update_in_eval=True),
        "eval mode (train=False) updated the running averages",
    ),
    (
        "batchnorm_forward",
        make_bn_forward(default_train=False),
        "default must be train=True",
    ),
    ("batchnorm_forward", _bn_forward_torch_momentum, "default momentum must be 0.9"),
    ("batchnorm_forward", _bn_forward_old_signature, "signature"),
    ("batchnorm_forward", _bn_forward_positional_only_keywords, "signature"),
    ("batchnorm_backward", make_bn_backward(with_mu=False), "dμ term"),
    ("batchnorm_backward", make_bn_backward(with_var=False), "dσ² term"),
    ("batchnorm_backward", make_bn_backward(False, False), "as constants"),
    ("batchnorm_backward", make_bn_backward(sums_over_m=True), "divided by m"),
    ("random_mini_batches", make_mini_batches(drop_last=True), "partial mini-batch"),
    ("random_mini_batches", make_mini_batches(same_perm=False), "different perm"),
    ("random_mini_batches", make_mini_batches(shuffle=False), "not shuffled"),
    ("random_mini_batches", make_mini_batches(overlap=True), "overlap"),
    ("ewa", make_ewa(t0=0), "t starting at 0"),
    ("ewa", _ewa_plain_numpy, "no bias correction"),
    ("ewa", make_ewa(swap=True), "swapped β and 1 − β"),
    ("ewa", make_ewa(feedback=True), "fed the bias-corrected value back"),
    ("momentum_update", _momentum_optax_form, "v = βv + g"),
    ("momentum_update", _momentum_swapped, "swapped β and 1 − β"),
    ("rmsprop_update", make_rmsprop(eps_mode="inside"), "ε inside"),
    ("rmsprop_update", make_rmsprop(eps_mode="none"), "no ε"),
    ("rmsprop_update", make_rmsprop(old_s=True), "old s"),
    ("adam_update", make_adam(t_offset=-1), "t starting at 0"),
    ("adam_update", make_adam(correct=False), "no bias correction"),
    ("adam_update", make_adam(eps_inside=True), "ε inside"),
    ("adam_update", make_adam(store_corrected=True), "bias-corrected v̂ as the new v"),
    ("lr_decay", _lr_multiplied, "multiplied"),
    ("clip_by_global_norm", _clip_per_array, "its own norm"),
    ("clip_by_global_norm", _clip_by_value, "clipping by value"),
    ("clip_by_global_norm", _clip_always, "even though"),
    ("clip_by_global_norm", _clip_no_sqrt, "square root"),
    ("lr_decay", _lr_without_one, "without the 1 +"),
    ("lr_decay", _lr_precedence, "precedence"),
    ("sample_log_uniform", _linear_uniform, "linear scale"),
    ("sample_log_uniform", _exponent_only, "exponent r instead of 10^r"),
    ("sample_beta", _beta_uniform, "sampled β uniformly"),
    ("sample_beta", _beta_log_of_beta, "log10(β)"),
    ("sample_beta", _beta_returns_one_minus, "returned 1 − β"),
    ("softmax", _softmax_naive, "no max subtraction"),
    ("softmax", _softmax_wrong_axis, "wrong axis"),
    ("softmax", _softmax_global_max, "one max for the whole matrix"),
    ("softmax_cross_entropy", make_softmax_ce(log_of_softmax=True), "log 0"),
    ("softmax_cross_entropy", make_softmax_ce(shift=False), "no max subtraction"),
    ("softmax_cross_entropy", make_softmax_ce(total=True), "sums over the examples"),
    ("softmax_cross_entropy", make_softmax_ce(sign=-1), "wrong sign"),
    ("softmax_cross_entropy", make_softmax_ce(per="Cm"), "all C·m entries"),
    (
        "softmax_cross_entropy_backward",
        make_softmax_ce_backward(divide_m=True),
        "divided by m",
    ),
    ("softmax_cross_entropy_backward", make_softmax_ce_backward(sign=-1), "sign error"),
    (
        "softmax_cross_entropy_backward",
        make_softmax_ce_backward(subtract_y=False),
        "forgot to subtract Y",
    ),
    (
        "softmax_cross_entropy_backward",
        make_softmax_ce_backward(shift=False),
        "no max subtraction",
    ),
]


@pytest.mark.parametrize(
    ("name", "student", "expected"),
    WRONG,
    ids=[f"{n}-{e}" for n, _, e in WRONG],
)
def test_named_mistake_is_recognised(name, student, expected, capsys):
    result = run(name, student)
    assert result.status == "failed", result.line
    assert expected in result.message, result.line
    assert result.line.startswith(f"✘ {ex.TITLES[name]}: ")
    assert capsys.readouterr().out == result.line + "\n"


@pytest.mark.parametrize(
    ("name", "student", "expected"),
    FALSE_PASSES,
    ids=[f"{n}-{s.__name__}" for n, s, _ in FALSE_PASSES],
)
def test_a_former_false_pass_is_rejected_and_named(name, student, expected):
    result = run(name, student)
    assert result.status == "failed", result.line
    assert expected in result.message, result.line


def _ignoring(fn, index, value):
    """``fn`` with its argument number ``index`` replaced by a fixed value."""

    def ignores(*args):
        args = list(args)
        args[index] = value
        return fn(*args)

    return ignores


# (exercise, argument index, a fixed value): every hyperparameter changes the
# expected result in at least one case, so code that ignores it fails.
IGNORED_ARGUMENTS = [
    ("dropout_forward", 1, 0.8),
    ("dropout_backward", 2, 0.8),
    ("l2_cost", 2, 0.7),
    ("l2_cost", 3, 50),
    ("l2_grad_term", 1, 0.7),
    ("l2_grad_term", 2, 10),
    ("grad_check", 3, 1e-7),
    ("random_mini_batches", 2, 32),
    ("ewa", 1, 0.9),
    ("momentum_update", 2, 0.9),
    ("rmsprop_update", 2, 0.9),
    ("rmsprop_update", 3, 1e-8),
    ("adam_update", 3, 2),
    ("adam_update", 4, 0.9),
    ("adam_update", 5, 0.999),
    ("adam_update", 6, 1e-8),
    ("lr_decay", 0, 0.2),
    ("lr_decay", 1, 1.0),
    ("lr_decay", 2, 1),
    ("clip_by_global_norm", 1, 1.0),
    ("sample_log_uniform", 2, 1e-4),
    ("sample_log_uniform", 3, 1.0),
    ("sample_beta", 2, 0.5),
    ("sample_beta", 3, 0.9999),
]


@pytest.mark.parametrize(
    ("name", "index", "value"),
    IGNORED_ARGUMENTS,
    ids=[f"{n}-{i}" for n, i, _ in IGNORED_ARGUMENTS],
)
def test_a_fixed_hyperparameter_fails(name, index, value):
    _, fns = EXERCISES[name]
    result = run(name, _ignoring(fns[-1], index, value))
    assert result.status in ("failed", "error"), result.line


def _ignoring_keyword(fn, keyword, value):
    """``fn`` with its keyword argument ``keyword`` replaced by a fixed value."""

    def ignores(*args, **kwargs):
        return fn(*args, **{**kwargs, keyword: value})

    return ignores


# Keyword-only hyperparameters (batch norm's, as in dl.layers.batchnorm_forward).
IGNORED_KEYWORDS = [
    ("batchnorm_forward", "eps", 1e-5),
    ("batchnorm_forward", "eps", 1e-3),
    ("batchnorm_forward", "momentum", 0.9),
    ("batchnorm_forward", "momentum", 0.7),
    ("batchnorm_forward", "train", True),
    ("batchnorm_forward", "train", False),
]


@pytest.mark.parametrize(
    ("name", "keyword", "value"),
    IGNORED_KEYWORDS,
    ids=[f"{n}-{k}-{v}" for n, k, v in IGNORED_KEYWORDS],
)
def test_a_fixed_keyword_hyperparameter_fails(name, keyword, value):
    _, fns = EXERCISES[name]
    result = run(name, _ignoring_keyword(fns[-1], keyword, value))
    assert result.status == "failed", result.line


def test_a_forward_that_ignores_bn_state_fails():
    def fresh_state(Z, gamma, beta, bn_state, **kwargs):
        n = np.shape(Z)[0]
        return batchnorm_forward(
            Z, gamma, beta, (np.zeros((n, 1)), np.ones((n, 1))), **kwargs
        )

    result = run("batchnorm_forward", fresh_state)
    assert result.status == "failed", result.line


def test_a_forward_with_the_library_names_but_a_state_tuple_passes():
    """Any (mean, var) pair is a valid new_state, e.g. a plain tuple or list."""

    def as_list(*args, **kwargs):
        Z_tilde, cache, (mean, var) = batchnorm_forward(*args, **kwargs)
        return Z_tilde, cache, [mean, var]

    assert run("batchnorm_forward", as_list).passed


def test_dlcore_batchnorm_forward_passes_its_own_exercise():
    """The exercise has the library's signature: dlcore's function passes."""
    from dlcore import layers

    assert run("batchnorm_forward", layers.batchnorm_forward).passed


def test_dlcore_losses_pass_the_softmax_exercises():
    from dlcore import losses

    assert run("softmax_cross_entropy", losses.softmax_cross_entropy).passed
    assert run(
        "softmax_cross_entropy_backward", losses.softmax_cross_entropy_backward
    ).passed


def test_dlcore_random_mini_batches_passes_its_exercise():
    from dlcore import data

    assert run("random_mini_batches", data.random_mini_batches).passed


def test_half_and_double_the_difference_quotient_are_both_named():
    """rel(2g, g) = rel(g/2, g) = 1/3: the message may not pick one of them."""
    for divisor in ("eps", "4eps"):
        result = run("grad_check", make_grad_check(divisor=divisor))
        assert result.status == "failed", result.line
        assert "double" in result.message and "half" in result.message


def test_mistakes_with_the_same_result_are_both_named():
    """On layer_dims [3, 1, 1], skipping the one-column W2 is also "only W1"."""
    result = run("l2_cost", _l2_cost_w_by_shape)
    assert "two mistakes give this same result here" in result.message
    assert "penalized only W1" in result.message
    assert "by their name" in result.message


def test_every_exercise_has_at_least_two_named_mistakes():
    counts = {name: 0 for name in EXERCISES}
    for name, _, _ in WRONG:
        counts[name] += 1
    assert min(counts.values()) >= 2, counts


# --------------------------------------------------------------------------
# Robustness: broken student code never breaks the notebook
# --------------------------------------------------------------------------


def _raises(*args, **kwargs):
    raise ValueError("something broke")


def _stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError("replace this line with your code")


def _returns_none(*args, **kwargs):
    return None


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_stub_is_not_done(name, capsys):
    result = run(name, _stub)
    assert result.status == "not_done"
    assert result.line.startswith(f"… {ex.TITLES[name]}: not done yet")
    assert capsys.readouterr().out == result.line + "\n"


@pytest.mark.parametrize("name", list(EXERCISES))
def test_an_exception_is_reported_with_its_type_and_line(name):
    result = run(name, _raises)
    assert result.status == "error"
    assert "raised ValueError: something broke" in result.message
    assert "(at line" in result.message
    assert "\n" not in result.line


@pytest.mark.parametrize("name", list(EXERCISES))
def test_returning_none_suggests_the_missing_return(name):
    result = run(name, _returns_none)
    assert result.status == "failed"
    assert "None" in result.message


@pytest.mark.parametrize("name", list(EXERCISES))
def test_an_answer_hard_coded_to_the_first_input_fails(name):
    """Memorise the correct answer for the first call and always return it."""
    _, fns = EXERCISES[name]
    correct, memo = fns[-1], []

    def hard_coded(*args, **kwargs):
        if not memo:
            memo.append(correct(*args, **kwargs))
        return memo[0]

    result = run(name, hard_coded)
    assert result.status == "failed", result.line


@pytest.mark.parametrize(
    ("name", "student", "expected"),
    [
        ("normalize", lambda a, b: (np.full(a.shape, np.nan), b), "NaN"),
        ("softmax", lambda Z: np.asarray(Z)[:, :1], "shape"),
        ("softmax", lambda Z: np.asarray(Z).T, "transposed"),
        ("l2_grad_term", lambda W, lambd, m: np.zeros(np.shape(W), int), "dtype"),
        ("ewa", lambda theta, beta: [1.0, 2.0], "shape"),
        ("lr_decay", lambda a, d, e: np.array([a, a]), "single number"),
        ("lr_decay", lambda a, d, e: "0.1", "number"),
        ("normalize", lambda a, b: a, "tuple"),
        ("he_init", lambda key, dims: [1, 2], "dict"),
        ("random_mini_batches", lambda X, Y, s, key: X, "list"),
        ("dropout_forward", lambda A, kp, key: (A, A), "only 0 (dropped) and 1"),
        ("batchnorm_forward", lambda Z, g, b, s, **kw: (Z,), "tuple"),
        ("batchnorm_forward", lambda Z, g, b, s, **kw: (Z, None), "new_state)"),
        (
            "batchnorm_forward",
            lambda *a, **kw: (batchnorm_forward(*a, **kw)[0], None, None),
            "pair",
        ),
        (
            "batchnorm_forward",
            lambda *a, **kw: (
                batchnorm_forward(*a, **kw)[0],
                None,
                (a[3][0], a[3][1].T),
            ),
            "like bn_state's",
        ),
    ],
)
def test_wrong_types_shapes_and_nan_fail_clearly(name, student, expected):
    result = run(name, student)
    assert result.status == "failed"
    assert expected in result.message, result.line


@pytest.mark.parametrize("name", ["normalize", "grad_check", "random_mini_batches"])
def test_slow_code_hits_the_time_limit(name):
    def slow(*args):
        time.sleep(30)

    start = time.monotonic()
    result = run(name, slow, time_limit=0.3)
    assert time.monotonic() - start < 5
    assert result.status == "error"
    assert "time limit of 0.3 s" in result.message


def test_an_endless_loop_is_interrupted():
    def spin(Z):
        while True:
            pass

    result = ex.check_softmax(spin, time_limit=0.3)
    assert result.status == "error" and "time limit" in result.message


def test_an_endless_loop_that_catches_exception_is_stopped():
    def stubborn(Z):
        while True:
            try:
                time.sleep(0.01)
            except Exception:
                pass

    start = time.monotonic()
    result = ex.check_softmax(stubborn, time_limit=0.3)
    assert time.monotonic() - start < 10
    assert result.status == "error" and "time limit" in result.message
    assert ex.check_softmax(softmax).passed  # the process carries on as usual


def test_the_stop_is_no_exception_and_fires_again_when_caught():
    from dlcore.exercises._harness import TimeLimitExceeded

    assert not issubclass(TimeLimitExceeded, Exception)
    caught = []

    def catches_everything(Z):
        while len(caught) < 3:
            try:
                while True:
                    pass
            except BaseException as exc:  # what a student might write
                caught.append(type(exc))
        return softmax(Z)  # correct, but only after the limit

    result = ex.check_softmax(catches_everything, time_limit=0.2)
    assert caught == [TimeLimitExceeded] * 3
    assert result.status == "error" and "time limit" in result.message


def test_the_time_limit_restores_the_previous_alarm_handler():
    import signal

    def mine(signum, frame):
        pass

    old = signal.signal(signal.SIGALRM, mine)
    try:
        ex.check_lr_decay(lr_decay, time_limit=1.0)
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, old)


def test_without_the_main_thread_the_check_runs_without_a_limit():
    import threading

    box = {}
    thread = threading.Thread(
        target=lambda: box.update(r=ex.check_lr_decay(lr_decay, time_limit=0.01))
    )
    thread.start()
    thread.join()
    assert box["r"].passed


def test_batchnorm_backward_waits_for_the_forward():
    result = ex.check_batchnorm_backward(_stub, batchnorm_backward)
    assert result.status == "not_done"
    assert "finish batchnorm_forward first" in result.message
    result = ex.check_batchnorm_backward(make_bn_forward(ddof=1), batchnorm_backward)
    assert result.status == "failed"
    assert "batchnorm_forward" in result.message


def test_passing_a_value_instead_of_the_function():
    result = ex.check_softmax(softmax(np.zeros((2, 3))))
    assert result.status == "error"
    assert "without calling it" in result.message


def test_messages_never_show_the_reference_values():
    result = ex.check_softmax(lambda Z: np.asarray(softmax(Z)) + 0.01)
    assert result.status == "failed"
    assert "largest difference" in result.message
    assert "[" not in result.message  # no array dump


def test_a_crash_inside_the_checker_is_reported_not_raised(monkeypatch):
    def broken():
        raise RuntimeError("internal problem")

    from dlcore.exercises import softmax as softmax_module

    monkeypatch.setattr(softmax_module, "_softmax_cases", broken)
    result = ex.check_softmax(softmax)
    assert result.status == "error"
    assert "could not check your result: RuntimeError: internal problem" in (
        result.message
    )


def test_keyboard_interrupt_is_not_swallowed():
    def interrupted(Z):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ex.check_softmax(interrupted)


def test_bad_time_limit_is_a_usage_error():
    with pytest.raises(ValueError, match="time_limit"):
        ex.check_softmax(softmax, time_limit=-1)


def test_check_result_displays_once_per_cell():
    """In IPython the printed line is not displayed a second time."""
    result = ex.CheckResult("Stable softmax", "passed", "correct.")
    assert str(result) == "✔ Stable softmax: correct."
    assert result.passed
    assert ex.CheckResult("x", "not_done", "not done yet.").line == "… x: not done yet."
    assert ex.CheckResult("x", "error", "boom").line == "✘ x: boom"
