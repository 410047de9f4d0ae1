"""Checkers for notebook 09: batch normalization."""

from __future__ import annotations

import functools
import inspect
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
    reference_grad_check,
    unpack,
)

# ==========================================================================
# 9-10. Batch normalization
# ==========================================================================

# (seed, n, m, eps, momentum). Case 0 uses the defaults, eps = 1e-5 and
# momentum = 0.9; the others change each hyperparameter at least once.
_BN_CASES = (
    (0, 4, 10, 1e-5, 0.9),
    (1, 3, 64, 1e-3, 0.7),
    (2, 6, 5, 1e-5, 0.9),
    (3, 5, 16, 1e-5, 0.8),
)
_SIGNATURE = (
    "batchnorm_forward(Z, gamma, beta, bn_state, *, train=True, eps=1e-5, momentum=0.9)"
)


def _bn_inputs(seed: int, n: int, m: int):
    """Z (n, m), γ, β and running statistics (mean, var), each (n, 1), float64."""
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
    run_mean = rng.normal(0, 2, (n, 1))
    run_var = rng.uniform(0.5, 4, (n, 1))
    if seed == 1:  # a running variance ≈ ε: where ε sits matters in eval mode
        run_var[1] = 9e-4
    if seed == 3:  # a unit that was constant all along: running variance 0
        run_mean[0], run_var[0] = 2.0, 0.0
    return Z, gamma, beta, run_mean, run_var


def _train_variants(Zd, g, b, mean_r, var_r, eps):
    """Z_tilde of the usual mistakes in train mode (float64, NaN where 0/0)."""
    mu1 = Zd.mean(axis=1, keepdims=True)
    var1 = Zd.var(axis=1, keepdims=True)
    var_u = Zd.var(axis=1, ddof=1, keepdims=True)
    mu0 = Zd.mean(axis=0, keepdims=True)
    var0 = Zd.var(axis=0, keepdims=True)
    xhat = (Zd - mu1) / np.sqrt(var1 + eps)
    return [
        (
            f"ignored the eps argument: with ε = {eps:g} your Z_tilde is "
            "the one for ε = 1e-5; use the eps you are given",
            g * (Zd - mu1) / np.sqrt(var1 + 1e-5) + b
            if eps != 1e-5
            else np.full(Zd.shape, np.inf),
        ),
        (
            "used the unbiased variance 1/(m−1); batch norm uses σ² = (1/m) Σ (z − μ)²",
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
        (
            "train mode (train=True) normalized with the running averages "
            "of bn_state; those are for eval mode: train mode uses the "
            "batch's own μ and σ²",
            g * (Zd - mean_r) / np.sqrt(var_r + eps) + b,
        ),
    ]


def _state_variants(Zd, mean_r, var_r, momentum):
    """(mean, var) of the usual mistakes in the running averages (train mode)."""
    mu1 = Zd.mean(axis=1, keepdims=True)
    var1 = Zd.var(axis=1, keepdims=True)
    var_u = Zd.var(axis=1, ddof=1, keepdims=True)
    b = momentum
    mean_new = b * mean_r + (1 - b) * mu1
    variants = [
        (
            f"running averages: swapped the weights; with momentum = {b:g} "
            "(β of notebook 07's EWA) the new value is momentum·old + "
            "(1 − momentum)·(this batch's μ or σ²)",
            ((1 - b) * mean_r + b * mu1, (1 - b) * var_r + b * var1),
        ),
        (
            "new_state is bn_state unchanged: train mode updates the running "
            "averages, mean ← momentum·mean + (1 − momentum)·μ, and the same "
            "for var with σ²",
            (mean_r, var_r),
        ),
        (
            "new_state holds only this batch's μ and σ²; the running averages "
            "are EWAs: momentum·old + (1 − momentum)·new",
            (mu1, var1),
        ),
        (
            "the running variance averages the unbiased variance 1/(m−1) "
            "(PyTorch stores that one); here it averages the biased σ² that "
            "normalizes the batch",
            (mean_new, b * var_r + (1 - b) * var_u),
        ),
        (
            "the running variance averages σ instead of σ²",
            (mean_new, b * var_r + (1 - b) * np.sqrt(var1)),
        ),
    ]
    if b != 0.9:
        variants.append(
            (
                f"ignored the momentum argument: with momentum = {b:g} your "
                "running averages are the ones for 0.9; use the momentum you "
                "are given",
                (0.9 * mean_r + 0.1 * mu1, 0.9 * var_r + 0.1 * var1),
            )
        )
    return variants


def _eval_variants(Zd, g, b, mean_r, var_r, eps, train_out, new_state):
    """Z_tilde of the usual mistakes in eval mode (train=False)."""
    centred = Zd - mean_r
    return [
        (
            "eval mode (train=False) used the batch's μ and σ²: it must use "
            "the running averages of bn_state, so that an example's output "
            "does not depend on its mini-batch",
            train_out,
        ),
        (
            "eval mode first updated the running averages with this batch; "
            "with train=False use bn_state as it is",
            g * (Zd - new_state[0]) / np.sqrt(new_state[1] + eps) + b,
        ),
        (
            "eval mode forgot ε: divide by √(var + ε), var the running variance",
            g * centred / np.sqrt(var_r) + b,
        ),
        (
            "eval mode put ε outside the square root: divide by √(var + ε)",
            g * centred / (np.sqrt(var_r) + eps) + b,
        ),
        (
            "eval mode divided by var + ε instead of √(var + ε)",
            g * centred / (var_r + eps) + b,
        ),
        (
            "eval mode forgot γ and β: return γ ⊙ Z_norm + β",
            centred / np.sqrt(var_r + eps),
        ),
    ]


@functools.cache
def _bn_cases():
    """Inputs, float64 NumPy references and mistakes of the forward's cases."""
    cases = []
    for seed, n, m, eps, momentum in _BN_CASES:
        inputs = [f32(x) for x in _bn_inputs(seed, n, m)]
        Z32, g32, b32, mean32, var32 = inputs
        Zd, g, b, mean_r, var_r = (f64(x) for x in inputs)
        _, cache, _ = _layers.batchnorm_forward(
            Z32, g32, b32, _layers.bn_init_state(n), eps=eps
        )
        mu1 = Zd.mean(axis=1, keepdims=True)
        var1 = Zd.var(axis=1, keepdims=True)
        with np.errstate(all="ignore"):
            out = g * (Zd - mu1) / np.sqrt(var1 + eps) + b
            state = (
                momentum * mean_r + (1 - momentum) * mu1,
                momentum * var_r + (1 - momentum) * var1,
            )
            out_eval = g * (Zd - mean_r) / np.sqrt(var_r + eps) + b
            train_variants = _train_variants(Zd, g, b, mean_r, var_r, eps)
            eval_variants = _eval_variants(Zd, g, b, mean_r, var_r, eps, out, state)
            state_variants = _state_variants(Zd, mean_r, var_r, momentum)
        cases.append(
            {
                "args": (Z32, g32, b32, _layers.BNState(mean32, var32)),
                "eps": eps,
                "momentum": momentum,
                "ref": readonly(out, *state),
                "ref_eval": readonly(out_eval, mean_r, var_r),
                "variants": [(msg, (v,)) for msg, v in train_variants],
                "state_variants": state_variants,
                "eval_variants": [(msg, (v,)) for msg, v in eval_variants],
                "dlcore_cache": cache,
            }
        )
    return tuple(cases)


def _bn_call(chk, batchnorm_forward, case, **kwargs):
    """Run the student's forward on a case; return (Z_tilde, cache, new_state)."""
    Z = case["args"][0]
    out = chk.call(
        batchnorm_forward,
        *case["args"],
        name="batchnorm_forward",
        kwargs=kwargs,
        hints={TypeError: f"(The signature to write is {_SIGNATURE}.)"},
    )
    Z_tilde, cache, new_state = unpack(
        out, ("Z_tilde", "cache", "new_state"), "batchnorm_forward"
    )
    return as_array(Z_tilde, "Z_tilde", shape=Z.shape), cache, new_state


def _state_arrays(new_state, n: int):
    """The student's new_state as two float64 arrays (mean, var) of shape (n, 1)."""
    if not (isinstance(new_state, (tuple, list)) and len(new_state) == 2):
        raise Failure(
            "new_state should be the pair of running averages (mean, var), "
            f"like bn_state, got {describe_value(new_state)}"
        )
    shape_desc = f"(n, 1) = {(n, 1)}, like bn_state's"
    return tuple(
        as_array(x, f"new_state's {what}", shape=(n, 1), shape_desc=shape_desc)
        for x, what in zip(new_state, ("mean", "var"), strict=True)
    )


def _require_signature(batchnorm_forward):
    """Fail when the student's def line cannot take the library's arguments."""
    try:
        sig = inspect.signature(batchnorm_forward)
    except (TypeError, ValueError):
        return  # no signature to read: the calls will tell
    try:
        sig.bind(*range(4), train=True, eps=1e-5, momentum=0.9)
        sig.bind(*range(4))
    except TypeError:
        raise Failure(
            f"your batchnorm_forward{sig} does not take the arguments of "
            f"dl.layers.batchnorm_forward; its signature is {_SIGNATURE} "
            "(bn_state is required, the three keywords have these defaults)"
        ) from None


def _bn_forward_output(chk, batchnorm_forward, case):
    """Z_tilde and cache of the student's forward in train mode."""
    Z_tilde, cache, _ = _bn_call(
        chk,
        batchnorm_forward,
        case,
        train=True,
        eps=case["eps"],
        momentum=case["momentum"],
    )
    return Z_tilde, cache


def _bn_context(case, train=True) -> str:
    Z = case["args"][0]
    mode = "train" if train else "eval"
    return (
        f" in {mode} mode for Z of shape {Z.shape}, ε = {case['eps']:g}, "
        f"momentum = {case['momentum']:g}"
    )


def _check_bn_train(chk, batchnorm_forward, case):
    kw = {"train": True, "eps": case["eps"], "momentum": case["momentum"]}
    Z_tilde, _, new_state = _bn_call(chk, batchnorm_forward, case, **kw)
    ctx = _bn_context(case)
    judge((Z_tilde,), case["ref"][:1], ("Z_tilde",), case["variants"], context=ctx)
    mean, var = _state_arrays(new_state, Z_tilde.shape[0])
    judge(
        (mean, var),
        case["ref"][1:],
        ("the running mean of new_state", "the running var of new_state"),
        case["state_variants"],
        context=ctx,
    )


def _check_bn_eval(chk, batchnorm_forward, case):
    kw = {"train": False, "eps": case["eps"], "momentum": case["momentum"]}
    Z_tilde, _, new_state = _bn_call(chk, batchnorm_forward, case, **kw)
    ctx = _bn_context(case, train=False)
    ref, mean_r, var_r = case["ref_eval"]
    judge((Z_tilde,), (ref,), ("Z_tilde",), case["eval_variants"], context=ctx)
    mean, var = _state_arrays(new_state, Z_tilde.shape[0])
    if not (is_close(mean, mean_r) and is_close(var, var_r)):
        updated = is_close(mean, case["ref"][1]) and is_close(var, case["ref"][2])
        raise Failure(
            "eval mode (train=False) "
            + ("updated the running averages" if updated else "changed bn_state")
            + ": it must return bn_state unchanged as new_state"
        )


def _check_bn_defaults(chk, batchnorm_forward):
    """Case 0 called without keywords: train=True, eps=1e-5, momentum=0.9."""
    case = _bn_cases()[0]
    Z_tilde, _, new_state = _bn_call(chk, batchnorm_forward, case)
    mean, var = _state_arrays(new_state, Z_tilde.shape[0])
    Zd = f64(case["args"][0])
    mu1 = Zd.mean(axis=1, keepdims=True)
    var1 = Zd.var(axis=1, keepdims=True)
    out_eval, mean_r, var_r = case["ref_eval"]
    torch = (0.1 * mean_r + 0.9 * mu1, 0.1 * var_r + 0.9 * var1)
    judge(
        (Z_tilde, mean, var),
        case["ref"],
        ("Z_tilde", "the running mean of new_state", "the running var of new_state"),
        [
            (
                "called without train, your batchnorm_forward ran in eval mode: "
                "the default must be train=True, as in dl.layers.batchnorm_forward",
                (out_eval, mean_r, var_r),
            ),
            (
                "the default momentum must be 0.9, the weight of the OLD running "
                "average (PyTorch's momentum=0.1 weights the new batch)",
                (None, *torch),
            ),
        ],
        context=f" with the default arguments of {_SIGNATURE}",
    )


def _require_keyword_used(chk, batchnorm_forward, case, arg, other):
    """Fail if changing the keyword ``arg`` to ``other`` changes nothing.

    Compares Z_tilde for ``eps`` and the running mean for ``momentum``
    exactly: a value fixed in the code that happens to equal the case's
    passes the comparison with the reference, but not this one.
    """
    kw = {"train": True, "eps": case["eps"], "momentum": case["momentum"]}
    outs = []
    for k in (kw, {**kw, arg: other}):
        Z_tilde, _, new_state = _bn_call(chk, batchnorm_forward, case, **k)
        if arg == "eps":
            outs.append(Z_tilde)
        else:
            outs.append(_state_arrays(new_state, Z_tilde.shape[0])[0])
    if np.isfinite(outs[0]).all() and np.array_equal(*outs):
        raise Failure(
            f"your batchnorm_forward ignores its argument {arg}: {arg} = "
            f"{kw[arg]:g} and {arg} = {other:g} gave exactly the same result, "
            f"but they should not; use the {arg} you are given (not a value "
            "fixed in your code)"
        )


def check_batchnorm_forward(
    batchnorm_forward, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``batchnorm_forward(...) -> (Z_tilde, cache, new_state)``.

    The signature and results of ``dl.layers.batchnorm_forward``::

        batchnorm_forward(Z, gamma, beta, bn_state, *, train=True, eps=1e-5,
                          momentum=0.9)

    Z is (n, m): n units, m examples of the mini-batch; gamma, beta and the
    two running averages of ``bn_state = (mean, var)`` are (n, 1). Train mode
    normalizes each unit over the m examples and updates the running
    averages (EWAs with β = momentum)::

        μ  = (1/m) Σ_i z^(i)             σ² = (1/m) Σ_i (z^(i) − μ)²  (biased)
        Z_tilde = γ ⊙ (Z − μ) / √(σ² + ε) + β                          (n, m)
        mean ← momentum·mean + (1 − momentum)·μ                        (n, 1)
        var  ← momentum·var  + (1 − momentum)·σ²                       (n, 1)

    Eval mode (``train=False``) uses mean and var in place of μ and σ² and
    returns ``bn_state`` unchanged. ``cache`` is anything your
    ``batchnorm_backward`` needs; this check does not look at it. Any pair
    (mean, var) is accepted as ``new_state``, e.g. ``dl.layers.BNState``.
    The check compares with a float64 NumPy computation of these formulas.

    Arguments:
        batchnorm_forward: the student's function.
        time_limit: seconds per call (None: no limit).

    Returns:
        The :class:`CheckResult` (also printed as one line).
    """
    chk = Check("batchnorm_forward", time_limit)
    with chk:
        chk.function(batchnorm_forward, "batchnorm_forward")
        _require_signature(batchnorm_forward)
        for case in _bn_cases():
            _check_bn_train(chk, batchnorm_forward, case)
        for case in _bn_cases():
            _check_bn_eval(chk, batchnorm_forward, case)
        _check_bn_defaults(chk, batchnorm_forward)
        case = _bn_cases()[1]
        _require_keyword_used(chk, batchnorm_forward, case, "eps", 0.1)
        _require_keyword_used(chk, batchnorm_forward, case, "momentum", 0.2)
    return chk.result(
        "Each unit now has mean β and standard deviation |γ| over the batch, "
        "and the running averages follow the batches' statistics."
    )


_BN_BACKWARD_SEEDS = (0, 1, 3)  # cases of _bn_cases() used for the backward


@functools.cache
def _bn_backward_cases():
    all_cases = _bn_cases()
    cases = []
    for i in _BN_BACKWARD_SEEDS:
        case = all_cases[i]
        Z, gamma, _, _ = case["args"]
        eps = case["eps"]
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
    return reference_grad_check(J, theta, dtheta, eps)


def _reference_bn_forward(Z, gamma, beta, bn_state):
    state = _layers.BNState(*(f32(x) for x in bn_state))
    return _layers.batchnorm_forward(f32(Z), f32(gamma), f32(beta), state)


def _bn_dtheta(forward, backward, X, theta, C):
    """dθ = (dW, dγ, dβ) from a batch-norm forward/backward pair.

    The forward runs in train mode with its default ε = 1e-5 (the one the
    cost J uses); the running averages it returns are not needed here.
    """
    W, gamma, beta = _bn_unpack(theta)
    Z = W @ X
    bn_state = _layers.BNState(np.zeros((3, 1)), np.ones((3, 1)))
    Z_tilde, cache, _ = forward(Z, gamma, beta, bn_state)
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
    ``batchnorm_forward`` (its cache, in train mode from the state
    BNState(0, 1), with the default ε) and ``batchnorm_backward``, with
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
    X, theta, C = _bn_net(key)
    J = _bn_cost(X, C, eps=1e-5)  # the forward's default ε
    check = Yours(grad_check, "grad_check", _reference_grad_check)
    forward = Yours(batchnorm_forward, "batchnorm_forward", _reference_bn_forward)
    backward = Yours(
        batchnorm_backward, "batchnorm_backward", _layers.batchnorm_backward
    )
    dW, dgamma, dbeta = _bn_dtheta(forward, backward, X, theta, C)
    if forward.fallback != backward.fallback:
        which = "batchnorm_forward" if forward.fallback else "batchnorm_backward"
        print(
            f"… {which} is not done yet, and the backward reads the forward's "
            "cache, so this run uses dlcore's forward and backward together."
        )
        forward.fallback = backward.fallback = True
        dW, dgamma, dbeta = _bn_dtheta(forward, backward, X, theta, C)
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
