"""Checkers for notebook 09: batch normalization."""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import numpy as np

from dlcore import layers as _layers
from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    Failure,
    NotDone,
    Yours,
    as_array,
    describe_value,
    f32,
    f64,
    is_close,
    judge,
    readonly,
    require_argument_used,
    unpack,
)

# ==========================================================================
# 9-10. Batch normalization
# ==========================================================================

_BN_CASES = ((0, 4, 10, 1e-5), (1, 3, 64, 1e-3), (2, 6, 5, 1e-5), (3, 5, 16, 1e-5))


@functools.cache
def _bn_cases():
    cases = []
    for seed, n, m, eps in _BN_CASES:
        rng = np.random.default_rng(600 + seed)
        mu = rng.normal(0, 3, (n, 1))
        sd = 10 ** rng.uniform(-0.5, 1, (n, 1))
        Z = mu + sd * rng.standard_normal((n, m))
        if seed == 1:  # σ² ≈ ε = 1e-3: an ε fixed in the code shows
            Z[1] = -0.4 + 0.03 * rng.standard_normal(m)
        if seed == 3:
            Z[0] = 2.5  # a constant unit: σ² = 0, only ε avoids 0/0
            Z[1] = 0.1 + 3e-3 * rng.standard_normal(m)  # σ² ≈ ε: where ε sits matters
        gamma = rng.uniform(0.5, 2, (n, 1)) * rng.choice([-1, 1], (n, 1))
        beta = rng.standard_normal((n, 1))
        Z32, g32, b32 = f32(Z), f32(gamma), f32(beta)
        out, cache, _ = _layers.batchnorm_forward(
            Z32, g32, b32, _layers.bn_init_state(n), eps=eps
        )
        Zd, g, b = f64(Z32), f64(g32), f64(b32)
        mu1 = Zd.mean(axis=1, keepdims=True)
        var1 = Zd.var(axis=1, keepdims=True)
        var_u = Zd.var(axis=1, ddof=1, keepdims=True)
        mu0 = Zd.mean(axis=0, keepdims=True)
        var0 = Zd.var(axis=0, keepdims=True)
        with np.errstate(all="ignore"):
            xhat = (Zd - mu1) / np.sqrt(var1 + eps)
            variants = [
                (
                    f"ignored the eps argument: with ε = {eps:g} your Z_tilde is "
                    "the one for ε = 1e-5; use the eps you are given",
                    g * (Zd - mu1) / np.sqrt(var1 + 1e-5) + b
                    if eps != 1e-5
                    else np.full(Zd.shape, np.inf),
                ),
                (
                    "used the unbiased variance 1/(m−1); batch norm uses "
                    "σ² = (1/m) Σ (z − μ)²",
                    g * (Zd - mu1) / np.sqrt(var_u + eps) + b,
                ),
                (
                    "forgot ε: a unit with zero variance over the batch gives "
                    "0/0 = NaN; divide by √(σ² + ε)",
                    g * (Zd - mu1) / np.sqrt(var1) + b,
                ),
                (
                    "put ε outside the square root: divide by √(σ² + ε)",
                    g * (Zd - mu1) / (np.sqrt(var1) + eps) + b,
                ),
                (
                    "divided by σ² + ε instead of √(σ² + ε)",
                    g * (Zd - mu1) / (var1 + eps) + b,
                ),
                (
                    "normalized over the wrong axis: batch norm averages each "
                    "unit (row) over the m examples of the batch (the columns)",
                    g * (Zd - mu0) / np.sqrt(var0 + eps) + b,
                ),
                ("forgot γ and β: return γ ⊙ Z_norm + β", xhat),
                ("swapped γ and β: Z_tilde = γ ⊙ Z_norm + β", b * xhat + g),
                ("forgot β: Z_tilde = γ ⊙ Z_norm + β", g * xhat),
            ]
        cases.append(
            {
                "args": (Z32, g32, b32, eps),
                "ref": readonly(f64(out)),
                "variants": [(msg, (v,)) for msg, v in variants],
                "dlcore_cache": cache,
                "xhat": xhat,
            }
        )
    return tuple(cases)


def _bn_reference(Z, gamma, beta, eps):
    n = Z.shape[0]
    return _layers.batchnorm_forward(Z, gamma, beta, _layers.bn_init_state(n), eps=eps)


def _bn_forward_output(chk, batchnorm_forward, case):
    Z = case["args"][0]
    out = chk.call(batchnorm_forward, *case["args"], name="batchnorm_forward")
    Z_tilde, cache = unpack(out, ("Z_tilde", "cache"), "batchnorm_forward")
    return as_array(Z_tilde, "Z_tilde", shape=Z.shape), cache


def check_batchnorm_forward(
    batchnorm_forward, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``batchnorm_forward(Z, gamma, beta, eps=1e-5) -> (Z_tilde, cache)``.

    Z is (n, m): n units, m examples of the mini-batch; gamma and beta are
    (n, 1). Each unit is normalized over the m examples::

        μ  = (1/m) Σ_i z^(i)             σ² = (1/m) Σ_i (z^(i) − μ)²  (biased)
        Z_norm  = (Z − μ) / √(σ² + ε)
        Z_tilde = γ ⊙ Z_norm + β

    ``cache`` is anything your ``batchnorm_backward`` needs; this check only
    looks at Z_tilde. The check passes ``eps`` as the 4th positional argument.
    """
    chk = Check("batchnorm_forward", time_limit)
    with chk:
        chk.function(batchnorm_forward, "batchnorm_forward")
        for case in _bn_cases():
            Z_tilde, _ = _bn_forward_output(chk, batchnorm_forward, case)
            Z, _, _, eps = case["args"]
            judge(
                (Z_tilde,),
                case["ref"],
                ("Z_tilde",),
                case["variants"],
                context=f" for Z of shape {Z.shape}, ε = {eps:g}",
            )
        require_argument_used(
            chk,
            batchnorm_forward,
            "batchnorm_forward",
            _bn_cases()[1]["args"],
            3,
            0.1,
            arg="eps",
            reference=_bn_reference,
            select=lambda out: out[0],
        )
    return chk.result(
        "Each unit now has mean β and standard deviation |γ| over the batch."
    )


_BN_BACKWARD_SEEDS = (0, 1, 3)  # cases of _bn_cases() used for the backward


@functools.cache
def _bn_backward_cases():
    all_cases = _bn_cases()
    cases = []
    for i in _BN_BACKWARD_SEEDS:
        case = all_cases[i]
        Z, gamma, beta, eps = case["args"]
        rng = np.random.default_rng(700 + i)
        dout = f32(rng.standard_normal(Z.shape))
        dZ, dgamma, dbeta = (
            f64(x) for x in _layers.batchnorm_backward(dout, case["dlcore_cache"])
        )
        do, g = f64(dout), f64(gamma)
        Zd = f64(Z)
        m = Zd.shape[1]
        zc = Zd - Zd.mean(axis=1, keepdims=True)
        inv = 1 / np.sqrt(zc.var(axis=1, keepdims=True) + eps)

        def dz_from(dxhat, with_mu=True, with_var=True, zc=zc, inv=inv, m=m):
            dvar = np.sum(dxhat * zc, axis=1, keepdims=True) * -0.5 * inv**3
            dmu = np.sum(-dxhat * inv, axis=1, keepdims=True)
            dz = dxhat * inv
            if with_var:
                dz = dz + dvar * 2 * zc / m
            if with_mu:
                dz = dz + dmu / m
            return dz

        dxhat = do * g
        dz_variants = [
            (
                "dZ: forgot the dμ term (μ depends on every z^(i) of the batch)",
                dz_from(dxhat, with_mu=False),
            ),
            (
                "dZ: forgot the dσ² term (σ² depends on every z^(i) of the batch)",
                dz_from(dxhat, with_var=False),
            ),
            (
                "dZ: treated μ and σ² as constants; they depend on Z, so dZ also "
                "gets the dμ and dσ² terms",
                dz_from(dxhat, with_mu=False, with_var=False),
            ),
            ("dZ: forgot to multiply by γ (dZ_norm = dZ_tilde ⊙ γ)", dz_from(do)),
        ]
        cases.append(
            {
                "case": case,
                "dout": dout,
                "ref": readonly(dZ, dgamma, dbeta),
                "dbeta_variants": [
                    (
                        "dβ: divided by m; dβ is the sum of dZ_tilde over the examples",
                        dbeta / m,
                    ),
                    ("swapped dγ and dβ", dgamma),
                ],
                "dgamma_variants": [
                    ("dγ: divided by m; dγ is a sum over the examples", dgamma / m),
                    (
                        "dγ is Σ dZ_tilde ⊙ Z_norm (the normalized Z), "
                        "not Σ dZ_tilde ⊙ Z",
                        np.sum(do * Zd, axis=1, keepdims=True),
                    ),
                ],
                "dz_variants": dz_variants,
            }
        )
    return tuple(cases)


def check_batchnorm_backward(
    batchnorm_forward, batchnorm_backward, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``batchnorm_backward(dZ_tilde, cache) -> (dZ, dgamma, dbeta)``.

    Takes both of your functions: the check runs your ``batchnorm_forward``
    and passes its ``cache`` to your backward. ``dZ_tilde`` = ∂J/∂Z_tilde is
    (n, m), and with Z_norm, σ² as in the forward pass::

        dβ = Σ_i dZ_tilde^(i)                  (n, 1), a sum over the batch
        dγ = Σ_i dZ_tilde^(i) ⊙ Z_norm^(i)     (n, 1)
        dZ_norm = dZ_tilde ⊙ γ
        dσ² = Σ_i dZ_norm^(i) ⊙ (z^(i) − μ) ⊙ (−½)(σ² + ε)^(−3/2)
        dμ  = Σ_i −dZ_norm^(i) / √(σ² + ε)   (+ a term that sums to zero)
        dZ  = dZ_norm / √(σ² + ε) + dσ² ⊙ 2(Z − μ)/m + dμ/m         (n, m)
    """
    chk = Check("batchnorm_backward", time_limit)
    with chk:
        chk.function(batchnorm_forward, "batchnorm_forward")
        chk.function(batchnorm_backward, "batchnorm_backward")
        for bcase in _bn_backward_cases():
            case = bcase["case"]
            Z = case["args"][0]
            n, m = Z.shape
            try:
                Z_tilde, cache = _bn_forward_output(chk, batchnorm_forward, case)
            except NotDone:
                raise NotDone(
                    "not done yet: finish batchnorm_forward first (the backward "
                    "pass uses its cache)."
                ) from None
            except Failure as failure:
                raise Failure(
                    "your batchnorm_forward is not right yet ("
                    + failure.message
                    + "); fix it first, the backward pass uses its cache",
                    status=failure.status,
                ) from None
            if not is_close(Z_tilde, case["ref"][0]):
                raise Failure(
                    "your batchnorm_forward does not pass its check yet; fix it "
                    "first, the backward pass uses its cache"
                )
            out = chk.call(
                batchnorm_backward, bcase["dout"], cache, name="batchnorm_backward"
            )
            dZ, dgamma, dbeta = unpack(
                out, ("dZ", "dgamma", "dbeta"), "batchnorm_backward"
            )
            dZ = as_array(dZ, "dZ", shape=(n, m))
            dgamma = as_array(
                dgamma,
                "dgamma",
                shape=(n, 1),
                shape_desc=f"(n, 1) = {(n, 1)}, like gamma",
            )
            dbeta = as_array(
                dbeta, "dbeta", shape=(n, 1), shape_desc=f"(n, 1) = {(n, 1)}, like beta"
            )
            ref_dZ, ref_dgamma, ref_dbeta = bcase["ref"]
            ctx = f" for Z of shape {(n, m)}"
            judge(
                (dbeta,),
                (ref_dbeta,),
                ("dbeta",),
                [(s, (v,)) for s, v in bcase["dbeta_variants"]],
                context=ctx,
            )
            judge(
                (dgamma,),
                (ref_dgamma,),
                ("dgamma",),
                [(s, (v,)) for s, v in bcase["dgamma_variants"]],
                context=ctx,
            )
            judge(
                (dZ,),
                (ref_dZ,),
                ("dZ",),
                [(s, (v,)) for s, v in bcase["dz_variants"]],
                rtol=2e-4,
                context=ctx,
            )
    return chk.result(
        "Note that Σ_i dZ^(i) = 0: shifting a whole batch changes nothing after BN."
    )


# ==========================================================================
# Assembly: your gradient check on your batch norm
# ==========================================================================

BN_GOOD = 1e-5  # a correct float32 backward checks below this
BN_BUG = 1e-3  # the notes' "almost surely a bug"
PLANTED_BUG = "dβ halved"


class BatchNormGradCheck(NamedTuple):
    """What :func:`grad_check_batchnorm` returns.

    ``rel_error`` is your grad_check's verdict on your batchnorm_backward;
    ``rel_error_planted`` its verdict on a copy whose result has
    :data:`PLANTED_BUG`. ``used`` tells, per function, whether yours ran.
    """

    rel_error: float
    rel_error_planted: float
    planted_bug: str
    used: dict


def _bn_net(key):
    """A one-layer net around batch norm: X (4, 10), θ = (W, γ, β), C."""
    rng = np.random.default_rng(int(jax.random.randint(key, (), 0, 2**31 - 1)))
    X = rng.standard_normal((4, 10))
    W = rng.standard_normal((3, 4))
    gamma = rng.uniform(0.5, 2.0, (3, 1))
    beta = rng.standard_normal((3, 1))
    C = rng.standard_normal((3, 10))
    return X, np.concatenate([W.ravel(), gamma.ravel(), beta.ravel()]), C


def _bn_unpack(theta):
    return (
        theta[:12].reshape(3, 4),
        theta[12:15].reshape(3, 1),
        theta[15:].reshape(3, 1),
    )


def _bn_cost(X, C, eps):
    """J(θ) = (1/m) Σ C ⊙ tanh(BN(W X; γ, β)), in float64 (the oracle)."""

    def J(theta):
        W, gamma, beta = _bn_unpack(np.asarray(theta, np.float64))
        Z = W @ X
        Z_norm = (Z - Z.mean(1, keepdims=True)) / np.sqrt(Z.var(1, keepdims=True) + eps)
        return float(np.sum(C * np.tanh(gamma * Z_norm + beta)) / X.shape[1])

    return J


def _reference_grad_check(J, theta, dtheta, eps=1e-7):
    from dlcore.exercises.gradient_checking import _reference

    return _reference(J, theta, dtheta, eps)


def _reference_bn_forward(Z, gamma, beta, eps=1e-5):
    out, cache, _ = _layers.batchnorm_forward(
        f32(Z), f32(gamma), f32(beta), _layers.bn_init_state(Z.shape[0]), eps=eps
    )
    return out, cache


def _bn_dtheta(forward, backward, X, theta, C, eps):
    """dθ = (dW, dγ, dβ) from a batch-norm forward/backward pair."""
    W, gamma, beta = _bn_unpack(theta)
    Z = W @ X
    Z_tilde, cache = forward(Z, gamma, beta, eps)
    t = np.tanh(np.asarray(Z_tilde, np.float64))
    dZ_tilde = C * (1 - t**2) / X.shape[1]
    dZ, dgamma, dbeta = (np.asarray(d, np.float64) for d in backward(dZ_tilde, cache))
    return dZ @ X.T, dgamma, dbeta


def grad_check_batchnorm(
    grad_check=None, batchnorm_forward=None, batchnorm_backward=None, *, key
) -> BatchNormGradCheck:
    """Run YOUR grad_check on YOUR batchnorm_backward, then on a planted bug.

    The net: Z = W X (X of shape (4, 10)), Z̃ = BN(Z; γ, β) with ε = 1e-5,
    J = (1/m) Σ C ⊙ tanh(Z̃), with θ = (W, γ, β) flattened (18 numbers).
    J(θ) is computed in float64 by the formula; dθ comes from your
    ``batchnorm_forward`` (its cache) and ``batchnorm_backward``, with
    dW = dZ Xᵀ. Your ``grad_check(J, θ, dθ)`` then compares them, once
    as they are and once with dβ halved (a planted bug it must find).

    A function that is None or not done yet (NotImplementedError) is
    replaced by dlcore's, with a one-line note; the forward and backward
    are replaced together (the backward reads the forward's cache).

    Arguments:
        grad_check: your ``grad_check(J, theta, dtheta, eps=1e-7)``.
        batchnorm_forward, batchnorm_backward: yours, as in this notebook.
        key: a JAX key; it draws X, θ and C.

    Returns:
        a :class:`BatchNormGradCheck`; pass it to
        :func:`check_batchnorm_grad_check`.
    """
    eps = 1e-5
    X, theta, C = _bn_net(key)
    J = _bn_cost(X, C, eps)
    check = Yours(grad_check, "grad_check", _reference_grad_check)
    forward = Yours(batchnorm_forward, "batchnorm_forward", _reference_bn_forward)
    backward = Yours(
        batchnorm_backward, "batchnorm_backward", _layers.batchnorm_backward
    )
    dW, dgamma, dbeta = _bn_dtheta(forward, backward, X, theta, C, eps)
    if forward.fallback != backward.fallback:
        which = "batchnorm_forward" if forward.fallback else "batchnorm_backward"
        print(
            f"… {which} is not done yet, and the backward reads the forward's "
            "cache, so this run uses dlcore's forward and backward together."
        )
        forward.fallback = backward.fallback = True
        dW, dgamma, dbeta = _bn_dtheta(forward, backward, X, theta, C, eps)
    dtheta = np.concatenate([dW.ravel(), dgamma.ravel(), dbeta.ravel()])
    planted = np.concatenate([dW.ravel(), dgamma.ravel(), 0.5 * dbeta.ravel()])
    errors = [float(check(J, theta.copy(), d.copy())) for d in (dtheta, planted)]
    return BatchNormGradCheck(
        rel_error=errors[0],
        rel_error_planted=errors[1],
        planted_bug=PLANTED_BUG,
        used={p.name: p.used for p in (check, forward, backward)},
    )


def check_batchnorm_grad_check(result) -> CheckResult:
    """Check a run of :func:`grad_check_batchnorm`.

    Passes when all three functions were yours, your check finds your
    backward correct (relative error below 1e-5: float32 rounding) and finds
    the planted bug (above 1e-3).
    """
    chk = Check("batchnorm_grad_check", None)
    with chk:
        if not isinstance(result, BatchNormGradCheck):
            raise Failure(
                "pass the result of grad_check_batchnorm(...), got "
                f"{describe_value(result)}",
                status="error",
            )
        not_yours = [k for k, used in result.used.items() if not used]
        if not_yours:
            raise NotDone(
                f"not done yet: {', '.join(not_yours)} still use dlcore's "
                "functions; finish those exercises first."
            )
        err, planted = result.rel_error, result.rel_error_planted
        if not err < BN_GOOD:
            raise Failure(
                f"your grad_check reports {err:.2g} for your batchnorm_backward: "
                "either your batchnorm_backward has a bug (run "
                "check_batchnorm_backward) or your grad_check does (run "
                "check_grad_check in notebook 05)"
            )
        if not planted > BN_BUG:
            raise Failure(
                f"your grad_check reports only {planted:.2g} for a backward with "
                f"{result.planted_bug}; a bug this size should give far more "
                "than 1e-3 (is dθ compared with dθ_approx, entry by entry?)"
            )
    return chk.result(
        f"{getattr(result, 'rel_error', 0):.1e} on your backward, "
        f"{getattr(result, 'rel_error_planted', 0):.1e} with "
        f"{getattr(result, 'planted_bug', '')}: bug found."
    )
