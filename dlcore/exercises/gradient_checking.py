"""Checkers for notebook 05: gradient checking."""

from __future__ import annotations

import functools
import math

import numpy as np

from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    Failure,
    as_scalar,
    named_mistake,
    numerical_gradient,
    reference_grad_check,
    relative_gap,
    require_argument_used,
)

# ==========================================================================
# 8. Gradient checking
# ==========================================================================


class _Cost:
    """J(θ) for the grad-check exercise: checks θ and notes float32 inputs."""

    def __init__(self, f, n: int):
        self.f, self.n = f, n
        self.saw_float32 = False

    def __call__(self, theta):
        arr = np.asarray(theta)
        if arr.dtype != np.float64:
            self.saw_float32 = self.saw_float32 or arr.dtype == np.float32
            arr = arr.astype(np.float64)
        if arr.shape != (self.n,):
            raise ValueError(
                f"J expects θ as a 1-D array of shape ({self.n},), "
                f"got shape {arr.shape}"
            )
        return float(self.f(arr))


_LARGE_EPS = 0.05


@functools.cache
def _grad_check_cases():
    cases = []

    # A, B: a smooth cost; exact gradient, then one with a planted 1e-3 error.
    rng = np.random.default_rng(500)
    n = 7
    a = rng.standard_normal(n)

    def smooth(t, a=a):
        return np.sum(np.sin(t)) + 0.5 * (a @ t) ** 2 + np.sum(t**3) / 3

    def smooth_grad(t, a=a):
        return np.cos(t) + (a @ t) * a + t**2

    theta = rng.standard_normal(n)
    cases.append(("exact", smooth, theta, smooth_grad(theta), 1e-7))
    theta = rng.standard_normal(n)
    g = smooth_grad(theta)
    cases.append(
        (
            "value",
            smooth,
            theta,
            g + 1e-3 * np.abs(g).mean() * rng.standard_normal(n),
            1e-7,
        )
    )

    # C: a quadratic at tiny θ. Two-sided differences are exact for a
    # quadratic; one-sided ones are off by ε·k/2, large next to k·θ ≈ 1e-6·k.
    k = rng.uniform(1, 3, 6)

    def quad(t, k=k):
        return 0.5 * np.sum(k * t**2)

    theta = 1e-6 * rng.standard_normal(6)
    cases.append(("exact", quad, theta, k * theta, 1e-7))

    # D: large gradients (norm ≈ 1000), 1% error, another ε.
    c = rng.standard_normal(9)

    def big(t, c=c):
        return 50 * np.sum(t**2) + 100 * np.sum(c * t) + np.sum(t[:-1] * t[1:])

    def big_grad(t, c=c):
        g = 100 * t + 100 * c
        g[:-1] += t[1:]
        g[1:] += t[:-1]
        return g

    theta = rng.standard_normal(9)
    g = big_grad(theta)
    cases.append(("value", big, theta, g * (1 + 1e-2 * rng.standard_normal(9)), 1e-6))

    # E: a dθ unrelated to the gradient.
    theta = rng.standard_normal(n)
    cases.append(("value", smooth, theta, 3 * rng.standard_normal(n), 1e-7))

    # F: the exact gradient with a large ε = 0.05: the two-sided difference is
    # then off by about ε²/6 of the curvature terms, so rel_error depends on ε
    # (an ε fixed in the code gives a far smaller value).
    theta = rng.standard_normal(n)
    cases.append(("value", smooth, theta, smooth_grad(theta), _LARGE_EPS))

    out = []
    for kind, f, theta, dtheta, eps in cases:
        a2 = numerical_gradient(f, theta, eps, "two")
        fixed_eps = relative_gap(numerical_gradient(f, theta, 1e-7, "two"), dtheta)
        ref = relative_gap(a2, dtheta)
        a1 = numerical_gradient(f, theta, eps, "one")
        all_at_once = numerical_gradient(f, theta, eps, "all")
        norm = np.linalg.norm
        d = dtheta
        variants = [
            (
                f"ignored the eps argument: with ε = {eps:g} your result is the "
                "one for ε = 1e-7; use the eps you are given",
                fixed_eps if abs(fixed_eps - ref) > 0.1 * ref else math.nan,
            ),
            (
                "used a one-sided difference (J(θ + ε) − J(θ))/ε; the two-sided "
                "(J(θ + ε) − J(θ − ε))/(2ε) is far more accurate (error O(ε²) "
                "instead of O(ε))",
                relative_gap(a1, d),
            ),
            (
                "returned ‖dθ_approx − dθ‖ without dividing by "
                "‖dθ_approx‖ + ‖dθ‖ (the relative error is scale-free)",
                float(norm(a2 - d)),
            ),
            (
                "dθ_approx is double the difference quotient (divided by ε "
                "instead of 2ε)",
                relative_gap(2 * a2, d),
            ),
            (
                "dθ_approx is half the difference quotient (divided by 4ε, or "
                "by 2ε twice)",
                relative_gap(a2 / 2, d),
            ),
            (
                "used ε² in the denominator: the difference quotient divides by 2ε",
                relative_gap(a2 / eps, d),
            ),
            (
                "used ε² in the denominator: the difference quotient divides by 2ε",
                relative_gap(2 * a2 / eps, d),
            ),
            (
                "perturbed every component of θ at once: perturb one θ_i at a "
                "time (θ + ε·e_i)",
                relative_gap(all_at_once, d),
            ),
            (
                "the denominator is ‖dθ_approx‖ + ‖dθ‖, not ‖dθ_approx + dθ‖",
                float(norm(a2 - d) / norm(a2 + d)),
            ),
            (
                "the denominator is ‖dθ_approx‖ + ‖dθ‖ (both norms)",
                float(norm(a2 - d) / norm(a2)),
            ),
            (
                "the denominator is ‖dθ_approx‖ + ‖dθ‖ (both norms)",
                float(norm(a2 - d) / norm(d)),
            ),
            (
                "used squared norms: the relative error is "
                "‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂), without squares",
                float(norm(a2 - d) ** 2 / (norm(a2) ** 2 + norm(d) ** 2)),
            ),
        ]
        theta.setflags(write=False)
        d.setflags(write=False)
        out.append(
            {
                "kind": kind,
                "f": f,
                "theta": theta,
                "dtheta": d,
                "eps": eps,
                "ref": relative_gap(a2, d),
                "variants": variants,
            }
        )
    return tuple(out)


def check_grad_check(grad_check, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``grad_check(J, theta, dtheta, eps=1e-7) -> rel_error``.

    ``J`` maps a 1-D float64 NumPy θ of shape (n,) to the scalar cost;
    ``theta`` and ``dtheta`` (backprop's gradient) are 1-D float64 NumPy
    arrays of shape (n,). For i = 1..n, with e_i the i-th unit vector::

        dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε)

        rel_error = ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂)

    Return rel_error as a number. Keep θ in float64 (in float32, θ + 1e-7 is
    rounded away) and leave the caller's θ unchanged.
    """
    chk = Check("grad_check", time_limit)
    with chk:
        chk.function(grad_check, "grad_check")
        for case in _grad_check_cases():
            theta, dtheta, eps = case["theta"], case["dtheta"], case["eps"]
            J = _Cost(case["f"], theta.size)
            out = chk.call(grad_check, J, theta, dtheta, eps, name="grad_check")
            err = as_scalar(out, "rel_error")
            if J.saw_float32:
                raise Failure(
                    "J was evaluated on a float32 θ: in float32, θ + ε with "
                    "ε = 1e-7 is mostly rounding error; keep θ a float64 NumPy "
                    "array (jnp arrays are float32 here)"
                )
            if not math.isfinite(err) or err < 0:
                raise Failure(f"rel_error should be a non-negative number, got {err:g}")
            ref = case["ref"]
            if case["kind"] == "exact":
                if err < 1e-7:
                    continue
            elif abs(err - ref) <= 1e-3 * ref:
                continue
            message = named_mistake(err, case["variants"], 1e-2, 1e-15)
            if message is not None:
                raise Failure(message)
            if case["kind"] == "exact":
                raise Failure(
                    f"returned {err:.3g} for a correct gradient; a correct "
                    "check gives less than 1e-7 here"
                )
            raise Failure(
                f"returned {err:.3g}, but the relative error here is not that "
                f"(off by a factor {err / ref:.3g})"
            )
        large = _grad_check_cases()[-1]
        require_argument_used(
            chk,
            grad_check,
            "grad_check",
            (
                _Cost(large["f"], large["theta"].size),
                large["theta"],
                large["dtheta"],
                large["eps"],
            ),
            3,
            1e-3,
            arg="eps",
            reference=reference_grad_check,
        )
    return chk.result("Below 1e-7 is great; above 1e-3 there is almost surely a bug.")
