"""Input validation shared by every dlcore module.

Each check raises ``ValueError`` or ``TypeError`` with a message that names the
argument and the allowed range, e.g. ``keep_prob must be in (0, 1], got 1.5``.

Checks only look at *concrete* values. Inside ``jax.jit`` a hyperparameter is a
tracer whose value is unknown at trace time; those are passed through
unchecked, which is what lets a slider value be a traced argument.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "check_array",
    "check_bool",
    "check_choice",
    "check_finite",
    "check_flags",
    "check_float_dtype",
    "check_int",
    "check_key",
    "check_keys",
    "check_layer_dims",
    "check_params",
    "check_range",
    "check_real",
    "is_concrete",
]


def is_concrete(x) -> bool:
    """True when ``x`` has a value now (not a tracer inside jit/vmap/grad)."""
    return not isinstance(x, jax.core.Tracer)


def _fmt_interval(lo, hi, lo_closed, hi_closed) -> str:
    left = "[" if lo_closed else "("
    right = "]" if hi_closed else ")"
    lo_s = "-inf" if lo is None else f"{lo:g}"
    hi_s = "inf" if hi is None else f"{hi:g}"
    if lo is None or math.isinf(lo):
        left = "("
    if hi is None or math.isinf(hi):
        right = ")"
    return f"{left}{lo_s}, {hi_s}{right}"


def check_range(
    name: str,
    value,
    lo=None,
    hi=None,
    *,
    lo_closed: bool = True,
    hi_closed: bool = True,
):
    """Check that a scalar lies in an interval; return it unchanged.

    ``lo``/``hi`` of ``None`` mean unbounded. NaN and ±inf are always
    rejected: a hyperparameter must be a finite number. Tracers pass through
    unchecked. Arrays are checked element-wise.
    """
    if not is_concrete(value):
        return value
    if isinstance(value, (bool, str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be a number, got {type(value).__name__} ({value!r})"
        )
    interval = _fmt_interval(lo, hi, lo_closed, hi_closed)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a real number in {interval}, got {type(value).__name__}"
        ) from None
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be a real number in {interval}, got complex")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.isnan(arr).any():
        raise ValueError(f"{name} must be a real number in {interval}, got NaN")
    if np.isinf(arr).any():
        got = arr[np.isinf(arr)].flat[0]
        raise ValueError(f"{name} must be a finite number in {interval}, got {got:g}")
    bad = np.zeros(arr.shape, dtype=bool)
    if lo is not None:
        bad |= (arr < lo) if lo_closed else (arr <= lo)
    if hi is not None:
        bad |= (arr > hi) if hi_closed else (arr >= hi)
    if bad.any():
        got = arr[bad].flat[0]
        raise ValueError(f"{name} must be in {interval}, got {got:g}")
    return value


def check_int(name: str, value, lo: int | None = None, hi: int | None = None) -> int:
    """Check that ``value`` is an integer in ``[lo, hi]``; return it as int."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(
            f"{name} must be an integer, got {type(value).__name__} ({value!r})"
        )
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(
            f"{name} must be an integer in {_fmt_interval(lo, hi, True, True)}, "
            f"got {value}"
        )
    return value


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of ``choices`` (a string option)."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(
            f"unknown {name} {value!r}; choose one of: {', '.join(map(str, choices))}"
        )
    return value


def check_array(
    name: str,
    x,
    *,
    ndim: int | tuple[int, ...] | None = None,
    floating: bool = False,
    shape: tuple | None = None,
):
    """Check rank, dtype kind and (optionally) shape of an array argument.

    ``shape`` may contain ``None`` for "any size on this axis".
    Raises ``TypeError`` for a non-array or a wrong dtype, ``ValueError`` for
    a wrong rank or shape. Returns ``x`` unchanged.
    """
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        if isinstance(x, (list, tuple, Real)) and not isinstance(x, bool):
            try:
                x_arr = np.asarray(x)
            except ValueError:
                raise TypeError(
                    f"{name} must be a rectangular array of numbers"
                ) from None
        else:
            raise TypeError(f"{name} must be an array, got {type(x).__name__}")
    else:
        x_arr = x
    _check_real_dtype(name, x_arr.dtype)
    if floating and not jnp.issubdtype(x_arr.dtype, jnp.floating):
        raise TypeError(f"{name} must have a floating dtype, got {x_arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x_arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must be {want}-D, got shape {tuple(x_arr.shape)}")
    if shape is not None:
        ok = len(shape) == x_arr.ndim and all(
            s is None or s == t for s, t in zip(shape, x_arr.shape, strict=True)
        )
        if not ok:
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {tuple(x_arr.shape)}")
    return x


def _check_real_dtype(name: str, dtype) -> None:
    if _is_key_dtype(dtype):
        kind = "K"
    elif jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.integer):
        kind = "f"  # includes bfloat16, whose NumPy kind is "V"
    else:
        kind = np.dtype(dtype).kind
    if kind not in "biuf":
        what = {"c": "complex", "O": "object", "U": "string", "S": "bytes"}
        raise TypeError(
            f"{name} must hold real numbers (a float or integer array), "
            f"got dtype {what.get(kind, str(dtype))}"
        )


def _is_key_dtype(dtype) -> bool:
    return jnp.issubdtype(dtype, jax.dtypes.prng_key)


def check_real(name: str, x):
    """Check that ``x`` is a real number or an array of them; return it.

    Rejects None, strings, bools and complex, object or string arrays with a
    ``TypeError``. Only the dtype is looked at, so tracers pass (no value is
    read and nothing recompiles).
    """
    if x is None or isinstance(x, (str, bytes, bool)):
        raise TypeError(
            f"{name} must be a real number or a float array, got "
            f"{type(x).__name__} ({x!r})"
        )
    if hasattr(x, "dtype"):
        _check_real_dtype(name, x.dtype)
        return x
    if isinstance(x, Real):
        return x
    return check_array(name, x)


def check_bool(name: str, value) -> bool:
    """Check that a flag is a Python bool (``True``/``False``); return it."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_params(name: str, params):
    """Check a dict of real-valued arrays such as ``{"W1": ..., "b1": ...}``."""
    if not isinstance(params, dict):
        raise TypeError(
            f"{name} must be a dict of arrays such as {{'W1': ..., 'b1': ...}}, "
            f"got {type(params).__name__}"
        )
    for k, v in params.items():
        check_array(f"{name}[{k!r}]", v)
    return params


def check_finite(name: str, x):
    """Reject NaN/inf in a concrete array (tracers pass through)."""
    if not is_concrete(x):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        n_nan = int(np.isnan(arr).sum())
        n_inf = int(np.isinf(arr).sum())
        raise ValueError(
            f"{name} contains {n_nan} NaN and {n_inf} inf value(s); "
            "all entries must be finite"
        )
    return x


def check_key(name: str, key):
    """Check that ``key`` is a JAX PRNG key (new-style or raw uint32[2])."""
    if key is None:
        raise TypeError(
            f"{name} is required: pass an explicit jax.random.key(...) "
            "(dlcore never draws randomness from a hidden default)"
        )
    if not hasattr(key, "dtype"):
        raise TypeError(f"{name} must be a JAX PRNG key, got {type(key).__name__}")
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        batch = tuple(key.shape)
    elif key.dtype == jnp.uint32 and key.shape[-1:] == (2,):
        batch = tuple(key.shape[:-1])
    else:
        raise TypeError(
            f"{name} must be a JAX PRNG key from jax.random.key or "
            f"jax.random.PRNGKey, got an array of dtype {key.dtype} and shape "
            f"{tuple(key.shape)}"
        )
    if batch:
        raise ValueError(
            f"{name} must be one PRNG key, got a batch of keys of shape {batch}; "
            f"pick one (e.g. keys[0]) or use the function's batched version"
        )
    return key


def check_keys(name: str, keys) -> int:
    """Check a 1-D batch of PRNG keys (from ``jax.random.split``); return N."""
    if keys is None or not hasattr(keys, "dtype"):
        raise TypeError(
            f"{name} must be a batch of PRNG keys from jax.random.split(key, N), "
            f"got {type(keys).__name__}"
        )
    if jnp.issubdtype(keys.dtype, jax.dtypes.prng_key):
        batch = tuple(keys.shape)
    elif keys.dtype == jnp.uint32 and keys.shape[-1:] == (2,):
        batch = tuple(keys.shape[:-1])
    else:
        raise TypeError(
            f"{name} must be a batch of PRNG keys from jax.random.split(key, N), "
            f"got an array of dtype {keys.dtype} and shape {tuple(keys.shape)}"
        )
    if len(batch) != 1 or batch[0] < 1:
        raise ValueError(
            f"{name} must be a 1-D batch of N >= 1 PRNG keys "
            f"(jax.random.split(key, N)), got batch shape {batch}"
        )
    return batch[0]


def check_layer_dims(layer_dims: Sequence[int]) -> tuple[int, ...]:
    """Validate ``[n0, ..., nL]``: at least one layer, every width ≥ 1."""
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, Sequence):
        raise TypeError(
            "layer_dims must be a list of layer widths [n0, n1, ..., nL], "
            f"got {type(layer_dims).__name__}"
        )
    if len(layer_dims) < 2:
        raise ValueError(
            "layer_dims must list the input width and at least one layer "
            f"(depth L >= 1), got {list(layer_dims)}"
        )
    return tuple(
        check_int(f"layer_dims[{i}]", n, lo=1) for i, n in enumerate(layer_dims)
    )


def check_flags(name: str, flags, n: int) -> tuple[bool, ...]:
    """Turn a bool or a per-layer sequence of bools into a tuple of length n."""
    if isinstance(flags, bool):
        return (flags,) * n
    if not isinstance(flags, (list, tuple)) or not all(
        isinstance(f, bool) for f in flags
    ):
        raise TypeError(
            f"{name} must be True/False or a list of {n} bools (one per hidden "
            f"layer), got {flags!r}"
        )
    flags = tuple(flags)
    if len(flags) != n:
        raise ValueError(
            f"{name} must be a bool or a list of {n} bools (one per hidden "
            f"layer), got {len(flags)}: {flags!r}"
        )
    return flags


def check_float_dtype(name: str, dtype):
    """Check that ``dtype`` names a floating dtype (float16/32/64)."""
    try:
        ok = jnp.issubdtype(jnp.dtype(dtype), jnp.floating)
    except TypeError:
        ok = False
    if not ok:
        raise TypeError(
            f"{name} must be a floating dtype such as float32, got {dtype!r}"
        )
    return dtype


def isfinite_float(x) -> bool:
    """``math.isfinite`` for Python/NumPy scalars; True for tracers."""
    if not is_concrete(x):
        return True
    return math.isfinite(float(x))
