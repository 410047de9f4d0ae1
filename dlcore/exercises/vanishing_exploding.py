"""Checkers for notebook 02: gradient clipping by global norm."""

from __future__ import annotations

import functools

import numpy as np

from dlcore import optim as _optim
from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    Failure,
    Mistake,
    as_array,
    describe_value,
    judge,
    readonly,
    require_argument_used,
)

# ==========================================================================
# Gradient clipping by global norm (notebook 02)
# ==========================================================================

_CLIP_SHAPES = {"W1": (4, 3), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}
# (size of the entries, max_norm, the global norm as a multiple of max_norm or
# None to keep the drawn one). 0.9 and 1.1 sit on both sides of the threshold,
# where a wrong comparison (‖g‖² against max_norm, say) clips what it must not.
_CLIP_CASES = (
    (0.1, 5.0, None),
    (3.0, 1.0, None),
    (50.0, 0.5, None),
    (1.0, 2.0, None),
    (1.0, 4.0, 0.9),
    (1.0, 4.0, 1.1),
    (1.0, 0.3, 0.9),
    (0.0, 1.0, None),
)


def _global_norm(grads) -> float:
    return float(
        np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values()))
    )


def _clip_mistakes(grads, c: float, norm: float):
    """The usual mistakes' results, one array per key of ``grads``."""
    mistakes = [
        Mistake(
            "clipped each array by its own norm; the global norm takes "
            "the entries of ALL arrays together",
            [
                g * min(1.0, c / max(float(np.linalg.norm(g)), 1e-30))
                for g in grads.values()
            ],
        ),
    ]
    if norm == 0:
        return mistakes
    mistakes += [
        Mistake(
            "clipped each entry to [−max_norm, max_norm] (clipping by "
            "value); rescale the whole gradient instead",
            [np.clip(g, -c, c) for g in grads.values()],
        ),
        Mistake(
            "rescaled even though ‖g‖ ≤ max_norm: only shrink a gradient "
            "that is too long (min(1, max_norm/‖g‖))",
            [g * (c / norm) for g in grads.values()],
        ),
        Mistake(
            "divided by ‖g‖² instead of ‖g‖ (forgot the square root)",
            [g * min(1.0, c / norm**2) for g in grads.values()],
        ),
    ]
    return mistakes


@functools.cache
def _clip_cases():
    rng = np.random.default_rng(2024)
    cases = []
    for size, c, ratio in _CLIP_CASES:
        g = {
            k: np.asarray(size * rng.standard_normal(s), np.float64)
            for k, s in _CLIP_SHAPES.items()
        }
        if ratio is not None:
            factor = ratio * c / _global_norm(g)
            g = {k: v * factor for k, v in g.items()}
        g = {k: v.astype(np.float32) for k, v in g.items()}
        readonly(*g.values())
        ref = _optim.clip_grads_by_global_norm(g, c)  # before the student runs
        ref = readonly(*(np.asarray(ref[k], np.float64) for k in g))
        norm = _global_norm(g)
        cases.append((g, c, norm, ref, _clip_mistakes(g, c, norm)))
    return tuple(cases)


def _clip_reference(grads, max_norm):
    return _optim.clip_grads_by_global_norm(grads, max_norm)


def check_clip_by_global_norm(
    clip_by_global_norm, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``clip_by_global_norm(grads, max_norm) -> clipped grads``.

    ``grads`` is a dict of arrays (``{"W1": ..., "b1": ...}``, NumPy
    float32); return a dict with the same keys and shapes, and leave
    ``grads`` unchanged::

        ‖g‖ = sqrt(Σ over every entry of every array of g²)
        g ← g · min(1, max_norm / ‖g‖)

    A gradient whose norm is already at most max_norm comes back as it was.
    The reference is :func:`dlcore.optim.clip_grads_by_global_norm`.
    """
    name = "clip_by_global_norm"
    chk = Check(name, time_limit)
    with chk:
        chk.function(clip_by_global_norm, name)
        grads = _clip_cases()[2][0]
        require_argument_used(
            chk,
            clip_by_global_norm,
            name,
            (grads, 0.5),
            1,
            2.0,
            arg="max_norm",
            reference=_clip_reference,
        )
        for grads, c, norm, ref, mistakes in _clip_cases():
            out = chk.call(clip_by_global_norm, grads, c, name=name)
            if out is None:
                raise Failure(
                    "clip_by_global_norm returned None; return the dict of "
                    "clipped gradients"
                )
            if not hasattr(out, "keys") or set(out.keys()) != set(grads):
                raise Failure(
                    "return a dict with the same keys as grads "
                    f"({', '.join(grads)}), got {describe_value(out)}"
                )
            outs = [
                as_array(out[k], f"the clipped {k}", shape=grads[k].shape)
                for k in grads
            ]
            if norm == 0 and not all(np.isfinite(o).all() for o in outs):
                raise Failure(
                    "a zero gradient gave NaN: 0/0; skip the rescaling when "
                    "‖g‖ ≤ max_norm"
                )
            judge(
                outs,
                ref,
                [f"clipped {k}" for k in grads],
                mistakes,
                context=f" (‖g‖ = {norm:.3g}, max_norm = {c:g})",
            )
    return chk.result("The step keeps its direction; only its length is capped.")
