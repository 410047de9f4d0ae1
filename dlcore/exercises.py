"""Checkers for the notebook exercises: one function ``check_<exercise>`` each.

A notebook cell defines the student's function, the next cell checks it::

    from dlcore.exercises import check_normalize
    check_normalize(normalize)

and the check prints exactly one line:

* ``✔ <title>: correct.`` (sometimes followed by one short fact);
* ``… <title>: not done yet.`` when the function still raises
  ``NotImplementedError`` (the stub of the student version);
* ``✘ <title>: <what is wrong>`` otherwise, naming the mistake when it is one
  of the usual ones (e.g. "divided by σ² instead of σ").

A check never raises because of the student's code (an exception, a wrong
type or shape, NaN, an endless loop stopped by the time limit), so "Run All"
always reaches the end of the notebook. It returns a :class:`CheckResult` and
stores it in :data:`RESULTS` (exercise title -> last result).

Every checker tests *properties* on several inputs (shapes, seeds, keys and
hyperparameters), so an answer tuned to one input fails, and compares with the
dlcore implementation of the same formula. Messages never show expected
values: at most a shape, a largest difference or a statistic.

Inputs are JAX arrays (float32) unless a docstring says otherwise; results may
be NumPy or JAX arrays (float32 or float64).
"""

from __future__ import annotations

import contextlib
import functools
import math
import signal
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore import activations as _activations
from dlcore import data as _data
from dlcore import ewa as _ewa
from dlcore import layers as _layers
from dlcore import losses as _losses
from dlcore import optim as _optim
from dlcore import schedules as _schedules

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "RESULTS",
    "TITLES",
    "CheckResult",
    "check_adam_update",
    "check_batchnorm_backward",
    "check_batchnorm_forward",
    "check_clip_by_global_norm",
    "check_dropout_backward",
    "check_dropout_forward",
    "check_ewa",
    "check_grad_check",
    "check_he_init",
    "check_l2_cost",
    "check_l2_grad_term",
    "check_lr_decay",
    "check_momentum_update",
    "check_normalize",
    "check_random_mini_batches",
    "check_rmsprop_update",
    "check_sample_beta",
    "check_sample_log_uniform",
    "check_softmax",
    "check_softmax_cross_entropy",
    "check_xavier_init",
]

DEFAULT_TIME_LIMIT = 10.0  # seconds per call of the student's function

# Exercise titles, keyed by the name of the student's function.
TITLES = {
    "normalize": "Normalizing inputs",
    "he_init": "He initialization",
    "xavier_init": "Xavier initialization",
    "dropout_forward": "Inverted dropout (forward)",
    "dropout_backward": "Inverted dropout (backward)",
    "l2_cost": "L2-regularized cost",
    "l2_grad_term": "L2 gradient term",
    "grad_check": "Gradient checking",
    "batchnorm_forward": "Batch norm (forward)",
    "batchnorm_backward": "Batch norm (backward)",
    "random_mini_batches": "Random mini-batches",
    "ewa": "EWA with bias correction",
    "momentum_update": "Momentum",
    "rmsprop_update": "RMSprop",
    "adam_update": "Adam",
    "lr_decay": "Learning-rate decay",
    "clip_by_global_norm": "Gradient clipping by global norm",
    "sample_log_uniform": "Sampling on a log scale",
    "sample_beta": "Sampling β",
    "softmax": "Stable softmax",
    "softmax_cross_entropy": "Softmax cross-entropy",
}


# ==========================================================================
# Results
# ==========================================================================

_MARKS = {"passed": "✔", "failed": "✘", "error": "✘", "not_done": "…"}


class CheckResult(NamedTuple):
    """The outcome of one check.

    ``status`` is "passed", "failed" (the function ran but its result is
    wrong), "error" (it raised or ran out of time) or "not_done" (it raised
    ``NotImplementedError``). ``str(result)`` is the one line the check
    printed, e.g. ``✘ Stable softmax: ...``.

    The checker prints that line itself, so the line appears once whether or
    not the call is the last expression of its cell; in IPython a result does
    not display itself again in the cell that printed it (evaluating it in a
    later cell shows the line).
    """

    exercise: str
    status: str
    message: str

    @property
    def line(self) -> str:
        return f"{_MARKS.get(self.status, '?')} {self.exercise}: {self.message}"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __str__(self) -> str:
        return self.line

    def _ipython_display_(self):
        count = _execution_count()
        if not any(r is self and c == count for c, r in _PRINTED):
            print(self.line)


RESULTS: dict[str, CheckResult] = {}
_PRINTED: list[tuple[int | None, CheckResult]] = []  # printed in the current cell


def _execution_count():
    """IPython's execution count, or None outside IPython (never imports it)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return None if shell is None else shell.execution_count


def _emit(result: CheckResult) -> None:
    count = _execution_count()
    _PRINTED[:] = [(c, r) for c, r in _PRINTED if c == count]
    _PRINTED.append((count, result))
    print(result.line, flush=True)


# ==========================================================================
# Running student code
# ==========================================================================


class _NotDone(Exception):
    def __init__(self, message: str = "not done yet."):
        super().__init__(message)
        self.message = message


class _Failure(Exception):
    """A finding about the student's function; becomes the check's message."""

    def __init__(self, message: str, status: str = "failed"):
        super().__init__(message)
        self.message = message
        self.status = status


class _TimeLimitExceeded(TimeoutError):
    """Raised by the SIGALRM handler inside the student's code."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Interrupt the body after ``seconds`` (main thread on POSIX only).

    Yields True when the limit is enforced. The previous SIGALRM handler and
    any pending ITIMER_REAL timer are restored afterwards.
    """
    if (
        seconds is None
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield False
        return
    armed = [True]

    def handler(signum, frame):
        if armed[0]:
            armed[0] = False
            raise _TimeLimitExceeded

    old_handler = signal.signal(signal.SIGALRM, handler)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    start = time.monotonic()
    try:
        yield True
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(
            signal.SIGALRM, signal.SIG_DFL if old_handler is None else old_handler
        )
        if old_delay > 0:
            left = max(old_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe_exception(exc: BaseException, fn=None) -> str:
    """``ValueError: message (at line 4 of your code)``, on one short line."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    first = first if len(first) <= 160 else first[:159] + "…"
    out = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    code = getattr(fn, "__code__", None)
    if code is not None:
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if f.filename == code.co_filename
        ]
        if frames:
            out += f" (at line {frames[-1].lineno} of your code)"
    return out


class _Check:
    """Collects the outcome of one check; used as ``with chk: ...``.

    Inside the block, findings are raised as ``_Failure``/``_NotDone`` and the
    student's function is called through :meth:`call`.
    """

    def __init__(self, exercise: str, time_limit):
        if time_limit is not None and not (
            isinstance(time_limit, (int, float)) and time_limit > 0
        ):
            raise ValueError(
                f"time_limit must be a positive number of seconds or None, "
                f"got {time_limit!r}"
            )
        self.title = TITLES[exercise]
        self.limit = None if time_limit is None else float(time_limit)
        self.outcome: tuple[str, str] | None = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, _NotDone):
            self.outcome = ("not_done", exc.message)
        elif isinstance(exc, _Failure):
            self.outcome = (exc.status, exc.message)
        elif isinstance(exc, Exception):
            self.outcome = (
                "error",
                "could not check your result: " + _describe_exception(exc),
            )
        else:  # KeyboardInterrupt and friends: the user wants to stop
            return False
        return True

    def function(self, fn, name: str):
        """Reject a non-function (e.g. the result of calling it) up front."""
        if not callable(fn):
            raise _Failure(
                f"expected the function {name} itself, got "
                f"{_describe_value(fn)}; pass it without calling it",
                status="error",
            )

    def call(self, fn, *args, name: str, hints=None):
        """Run the student's ``fn(*args)`` under the time limit (per call).

        ``hints`` maps exception types to a sentence appended to the message.
        """
        start = time.perf_counter()
        enforced = False
        try:
            with _time_limit(self.limit) as enforced, np.errstate(all="ignore"):
                out = fn(*args)
        except _TimeLimitExceeded:
            raise self._timeout(name) from None
        except NotImplementedError:
            raise _NotDone from None
        except (Exception, SystemExit) as exc:
            message = f"your {name} raised " + _describe_exception(exc, fn)
            for typ, hint in (hints or {}).items():
                if isinstance(exc, typ):
                    message += " " + hint
                    break
            raise _Failure(message, status="error") from None
        if enforced and time.perf_counter() - start > self.limit:
            raise self._timeout(name)  # it swallowed the interruption
        return out

    def _timeout(self, name):
        return _Failure(
            f"your {name} did not finish within the time limit of "
            f"{self.limit:g} s (an endless loop, or a Python loop over every "
            "entry where one array operation would do?)",
            status="error",
        )

    def result(self, fact: str = "") -> CheckResult:
        if self.outcome is None:
            status, message = "passed", "correct." + (f" {fact}" if fact else "")
        else:
            status, message = self.outcome
        res = CheckResult(self.title, status, _one_line(message))
        RESULTS[self.title] = res
        _emit(res)
        return res


# ==========================================================================
# Looking at results
# ==========================================================================


def _describe_value(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} items"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"an array of shape {tuple(shape)}"
    return f"a {type(value).__name__}"


def _none_message(what: str) -> str:
    return f"{what} is None: did you forget the return statement?"


def _as_array(value, what: str, *, shape=None, shape_desc=None, kind="float"):
    """Convert a student's array (NumPy, JAX, list) to float64, checking it.

    ``kind`` is "float" (floating dtype required) or "any" (bool/int/float).
    """
    if value is None:
        raise _Failure(_none_message(what))
    if isinstance(value, (tuple, dict)) or isinstance(value, Mapping):
        raise _Failure(f"{what} should be one array, got {_describe_value(value)}")
    try:
        arr = np.asarray(value)
    except Exception:
        raise _Failure(
            f"{what} should be an array, got {_describe_value(value)}"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise _Failure(
            f"{what} should be an array of real numbers, got "
            f"{_describe_value(value)} of dtype {arr.dtype}"
        )
    if kind == "float" and arr.dtype.kind != "f":
        raise _Failure(
            f"{what} has dtype {arr.dtype}; expected floating-point numbers "
            "(integer division, rounding, or a comparison by mistake?)"
        )
    if shape is not None and arr.shape != tuple(shape):
        expected = shape_desc or str(tuple(shape))
        hint = ""
        if arr.ndim == 2 and arr.shape[::-1] == tuple(shape):
            hint = " (transposed?)"
        elif arr.size == math.prod(shape) and arr.ndim != len(shape):
            hint = f" (the right entries, but {arr.ndim}-D instead of {len(shape)}-D?)"
        raise _Failure(f"{what} has shape {arr.shape}, expected {expected}{hint}")
    return arr.astype(np.float64)


def _as_scalar(value, what: str) -> float:
    if value is None:
        raise _Failure(_none_message(what))
    if isinstance(value, (bool, np.bool_)):
        raise _Failure(f"{what} should be a number, got a bool")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    try:
        arr = np.asarray(value)
    except Exception:
        arr = None
    if arr is None or arr.dtype.kind not in "iuf":
        raise _Failure(f"{what} should be a number, got {_describe_value(value)}")
    if arr.size != 1:
        raise _Failure(
            f"{what} should be a single number, got an array of shape {arr.shape}"
        )
    return float(arr.reshape(()))


def _unpack(value, names: tuple[str, ...], fn_name: str):
    """Check that a function returned a tuple (or list) of len(names) items."""
    want = "(" + ", ".join(names) + ")"
    if value is None:
        raise _Failure(f"{fn_name} returned None; it should return {want}")
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        raise _Failure(
            f"{fn_name} should return a tuple {want}, got {_describe_value(value)}"
        )
    return tuple(value)


def _max_abs(a) -> float:
    a = np.asarray(a, dtype=np.float64)
    finite = a[np.isfinite(a)]
    return float(np.max(np.abs(finite))) if finite.size else 0.0


def _close(out, ref, rtol=1e-4, *, equal_nan=False) -> bool:
    """|out − ref| <= rtol·(|ref| + max|ref|) entry-wise, shapes equal."""
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if out.shape != ref.shape:
        return False
    scale = _max_abs(ref)
    atol = rtol * scale if scale > 0 else 1e-12
    with np.errstate(all="ignore"):
        return bool(np.allclose(out, ref, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _judge(outs, refs, names, variants=(), *, rtol=1e-4, context=""):
    """Pass if every output matches its reference; otherwise name the mistake.

    ``variants`` is a sequence of ``(message, arrays)``, the results the usual
    mistakes produce on this input (NaN where they produce NaN); the first one
    that matches every output gives the message. Otherwise a generic message
    names the first wrong output.
    """
    if all(_close(o, r, rtol) for o, r in zip(outs, refs, strict=True)):
        return
    for message, arrays in variants:
        if all(
            v is None or _close(o, v, rtol, equal_nan=True)
            for o, v in zip(outs, arrays, strict=True)
        ):
            raise _Failure(message)
    for out, ref, name in zip(outs, refs, names, strict=True):
        if _close(out, ref, rtol):
            continue
        out = np.asarray(out, dtype=np.float64)
        if not np.isfinite(out).all():
            n_bad = int((~np.isfinite(out)).sum())
            raise _Failure(f"{name} contains {n_bad} NaN/inf value(s){context}")
        diff = float(np.max(np.abs(out - np.asarray(ref, dtype=np.float64))))
        raise _Failure(
            f"{name} does not have the right values{context} "
            f"(largest difference: {diff:.3g})"
        )


def _f32(x) -> jax.Array:
    return jnp.asarray(np.asarray(x, dtype=np.float32))


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _readonly(*arrays):
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.setflags(write=False)
    return arrays


# ==========================================================================
# 1. Normalizing inputs
# ==========================================================================

_NORMALIZE_CASES = ((0, 3, 40, 40), (1, 4, 100, 25), (2, 2, 7, 60), (3, 5, 300, 300))


@functools.cache
def _normalize_cases():
    cases = []
    for seed, n_x, m_train, m_test in _NORMALIZE_CASES:
        rng = np.random.default_rng(seed)
        mu = rng.uniform(-5, 5, (n_x, 1))
        sd = 10 ** rng.uniform(-1, 1.3, (n_x, 1))
        X_train = _f32(mu + sd * rng.standard_normal((n_x, m_train)))
        # The test set is shifted and wider, so its own μ, σ differ clearly.
        X_test = _f32(mu + 0.7 * sd + 1.6 * sd * rng.standard_normal((n_x, m_test)))
        norm = _data.Normalizer.fit(X_train, eps=0.0)
        ref = (_f64(norm.transform(X_train)), _f64(norm.transform(X_test)))

        A, B = _f64(X_train), _f64(X_test)

        def stats(X, axis, ddof=0):
            return X.mean(axis=axis, keepdims=True), X.std(
                axis=axis, ddof=ddof, keepdims=True
            )

        mu1, sd1 = stats(A, 1)
        mu1_te, sd1_te = stats(B, 1)
        mu0, sd0 = stats(A, 0)
        mu0_te, sd0_te = stats(B, 0)
        mu_u, sd_u = stats(A, 1, ddof=1)
        mu_all, sd_all = A.mean(), A.std()
        with np.errstate(all="ignore"):
            variants = [
                (
                    "normalized X_test with its own μ and σ: use the μ and σ of "
                    "the TRAINING set for both, so that every example goes "
                    "through the same transformation",
                    (ref[0], (B - mu1_te) / sd1_te),
                ),
                (
                    "divided by σ² instead of σ (the slides' typo): dividing by "
                    "the standard deviation σ gives each feature variance 1",
                    ((A - mu1) / sd1**2, (B - mu1) / sd1**2),
                ),
                (
                    "normalized over the wrong axis: μ and σ were computed per "
                    "example (column); in X of shape (n_x, m) each ROW is a "
                    "feature, so average over the m columns",
                    ((A - mu0) / sd0, (B - mu0) / sd0)
                    if m_train == m_test
                    else ((A - mu0) / sd0, None),
                ),
                (
                    "normalized over the wrong axis: μ and σ were computed per "
                    "example (column), for each set separately; in X of shape "
                    "(n_x, m) each ROW is a feature, and the test set must use "
                    "the training set's statistics",
                    ((A - mu0) / sd0, (B - mu0_te) / sd0_te),
                ),
                (
                    "used one μ and one σ for the whole matrix: each feature "
                    "(row) needs its own, of shape (n_x, 1)",
                    ((A - mu_all) / sd_all, (B - mu_all) / sd_all),
                ),
                (
                    "used the unbiased variance 1/(m−1); the course uses "
                    "σ² = (1/m) Σ (x − μ)²",
                    ((A - mu_u) / sd_u, (B - mu_u) / sd_u),
                ),
                (
                    "only subtracted the mean: also divide by σ",
                    (A - mu1, B - mu1),
                ),
            ]
        cases.append(
            {
                "args": (X_train, X_test),
                "ref": _readonly(*ref),
                "variants": variants,
                "shapes": (X_train.shape, X_test.shape),
            }
        )
    return tuple(cases)


def check_normalize(normalize, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``normalize(X_train, X_test) -> (X_train_n, X_test_n)``.

    X_train is (n_x, m_train) and X_test is (n_x, m_test), one column per
    example. With μ and σ estimated on the TRAINING set only, per feature::

        μ  = (1/m_train) Σ_i x^(i)                      shape (n_x, 1)
        σ² = (1/m_train) Σ_i (x^(i) − μ)²    (biased)   shape (n_x, 1)
        X_n = (X − μ) / σ                    for X_train and for X_test

    Both outputs keep the shape of their input.
    """
    chk = _Check("normalize", time_limit)
    with chk:
        chk.function(normalize, "normalize")
        hint = {
            ValueError: "(a shape mismatch? μ and σ should have shape (n_x, 1))",
            TypeError: "(a shape mismatch? μ and σ should have shape (n_x, 1))",
        }
        for case in _normalize_cases():
            out = chk.call(normalize, *case["args"], name="normalize", hints=hint)
            tr, te = _unpack(out, ("X_train_n", "X_test_n"), "normalize")
            s_tr, s_te = case["shapes"]
            tr = _as_array(tr, "X_train_n", shape=s_tr)
            te = _as_array(te, "X_test_n", shape=s_te)
            _judge(
                (tr, te),
                case["ref"],
                ("X_train_n", "X_test_n"),
                case["variants"],
                context=f" for X_train of shape {s_tr}",
            )
    return chk.result("Each feature of X_train now has mean 0 and variance 1.")


# ==========================================================================
# 2-3. He and Xavier initialization
# ==========================================================================

_INIT_SHAPE_CASES = ((0, (3, 5, 2)), (1, (4, 1)), (2, (2, 6, 6, 3, 1)))
# Large layers for the variance test. The widths make every usual mistake
# (fan-out, no square root, Glorot, ...) a clearly different factor.
_INIT_STAT_DIMS = (300, 120, 500)
_INIT_STAT_SEEDS = (11, 12)


def _init_params(value, name: str, dims) -> dict:
    L = len(dims) - 1
    if value is None:
        raise _Failure(f"{name} returned None; it should return the dict of params")
    if not isinstance(value, Mapping):
        raise _Failure(
            f"{name} should return a dict {{'W1': ..., 'b1': ..., ...}}, got "
            f"{_describe_value(value)}"
        )
    expected = [f"{p}{l}" for l in range(1, L + 1) for p in ("W", "b")]
    missing = [k for k in expected if k not in value]
    if missing:
        raise _Failure(
            f"params has no key {missing[0]!r}: for layer_dims = {list(dims)} "
            f"it needs W1..W{L} and b1..b{L}"
        )
    extra = sorted(str(k) for k in value if k not in expected)
    if extra:
        raise _Failure(
            f"params has unexpected key(s) {', '.join(extra)} for layer_dims = "
            f"{list(dims)} (expected W1..W{L} and b1..b{L})"
        )
    out = {}
    for l in range(1, L + 1):
        n_prev, n = dims[l - 1], dims[l]
        out[f"W{l}"] = _as_array(
            value[f"W{l}"],
            f"W{l}",
            shape=(n, n_prev),
            shape_desc=f"(n[{l}], n[{l - 1}]) = {(n, n_prev)}",
        )
        out[f"b{l}"] = _as_array(
            value[f"b{l}"],
            f"b{l}",
            shape=(n, 1),
            shape_desc=f"(n[{l}], 1) = {(n, 1)}",
        )
    return out


def _check_init(chk, fn, name: str, c: float, scheme: str):
    """Shapes, zero biases, symmetry, key use and Var(W{l}) = c/n[l-1]."""
    formula = f"{c:g}/n[l-1]"
    other = "Xavier" if scheme == "He" else "He"
    for seed, dims in _INIT_SHAPE_CASES:
        params = _init_params(
            chk.call(fn, jax.random.key(seed), list(dims), name=name), name, dims
        )
        for l in range(1, len(dims)):
            W, b = params[f"W{l}"], params[f"b{l}"]
            if not np.isfinite(W).all():
                raise _Failure(f"W{l} contains NaN/inf values")
            if np.all(W == W.flat[0]):
                what = "all zeros" if W.flat[0] == 0 else "one constant value"
                raise _Failure(
                    f"W{l} is {what}: then every unit of a layer computes the same "
                    "thing and gets the same gradient, so the symmetry is never "
                    "broken; draw the weights at random"
                )
            if np.any(b != 0):
                raise _Failure(
                    f"b{l} should start at zero (the random W already breaks "
                    "the symmetry)"
                )

    dims = _INIT_SHAPE_CASES[0][1]
    first = _init_params(
        chk.call(fn, jax.random.key(7), list(dims), name=name), name, dims
    )
    again = _init_params(
        chk.call(fn, jax.random.key(7), list(dims), name=name), name, dims
    )
    if not all(np.array_equal(first[k], again[k]) for k in first):
        raise _Failure(
            "two calls with the same key gave different weights: draw them from "
            "the key (jax.random), not from a global random generator"
        )
    dims = _INIT_STAT_DIMS
    results = []
    for seed in _INIT_STAT_SEEDS:
        results.append(
            _init_params(
                chk.call(fn, jax.random.key(seed), list(dims), name=name), name, dims
            )
        )
    if np.array_equal(results[0]["W1"], results[1]["W1"]):
        raise _Failure(
            "different keys gave the same weights: use the key you are given"
        )

    for params in results:
        for l in range(1, len(dims)):
            n_prev, n = dims[l - 1], dims[l]
            W = params[f"W{l}"]
            N = W.size
            var_expected = c / n_prev
            mean = float(W.mean())
            if abs(mean) > 6 * math.sqrt(var_expected / N) + 1e-12:
                raise _Failure(
                    f"the entries of W{l} have mean {mean:.3g}; they should be "
                    "centred at 0"
                )
            ratio = float(W.var()) / var_expected
            tol = 6 * math.sqrt(2 / N) + 0.01
            if abs(ratio - 1) <= tol:
                continue
            candidates = [
                (
                    (1 if scheme == "He" else 2) / c,
                    f"the variance of W{l} is {'1' if scheme == 'He' else '2'}"
                    f"/n[l-1], {other}'s: {scheme} initialization uses "
                    f"Var = {formula}",
                ),
                (
                    n_prev / n,
                    f"used n[l] (here n[{l}] = {n}) instead of n[l-1] "
                    f"(n[{l - 1}] = {n_prev}): the variance is {formula}, with "
                    "n[l-1] the number of inputs of each unit",
                ),
                (
                    c / n_prev,
                    f"forgot the square root: the standard deviation is "
                    f"√({formula}), so that the variance is {formula}",
                ),
                (
                    n_prev / c,
                    "the weights have variance 1: multiply the standard normal "
                    f"draws by √({formula})",
                ),
                (
                    1e-4 * n_prev / c,
                    f"scaled the draws by 0.01 (a small random init); {scheme} "
                    f"initialization scales them by √({formula})",
                ),
                (
                    (2 / (n_prev + n)) / var_expected,
                    f"used 2/(n[l-1] + n[l]) (Glorot's average of fan-in and "
                    f"fan-out); {scheme} initialization uses {formula}",
                ),
            ]
            for factor, message in candidates:
                if abs(ratio / factor - 1) <= tol:
                    raise _Failure(message)
            raise _Failure(
                f"the entries of W{l} have variance {W.var():.3g}, which is "
                f"{ratio:.3g}× the {scheme} variance {formula} = {var_expected:.3g} "
                f"(layer_dims = {list(dims)})"
            )


def check_he_init(he_init, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``he_init(key, layer_dims) -> params``.

    ``layer_dims = [n0, n1, ..., nL]``; ``params`` is a dict with, for
    l = 1..L, ``W{l}`` of shape (n[l], n[l-1]) drawn from N(0, 2/n[l-1]) with
    the given JAX key, and ``b{l}`` of shape (n[l], 1), all zeros. The same
    key must give the same params.
    """
    chk = _Check("he_init", time_limit)
    with chk:
        chk.function(he_init, "he_init")
        _check_init(chk, he_init, "he_init", 2.0, "He")
    return chk.result(
        "Var(W[l]) = 2/n[l-1] keeps the scale of ReLU activations steady."
    )


def check_xavier_init(xavier_init, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``xavier_init(key, layer_dims) -> params``.

    As :func:`check_he_init`, with ``W{l}`` drawn from N(0, 1/n[l-1]) (the
    lecture's Xavier, fan-in only).
    """
    chk = _Check("xavier_init", time_limit)
    with chk:
        chk.function(xavier_init, "xavier_init")
        _check_init(chk, xavier_init, "xavier_init", 1.0, "Xavier")
    return chk.result("Var(W[l]) = 1/n[l-1] suits tanh layers.")


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
        out.append((_f32(A), keep_prob, jax.random.key(1000 + seed)))
    return tuple(out)


def _mask_array(value, shape):
    mask = _as_array(
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
    chk = _Check("dropout_forward", time_limit)
    with chk:
        chk.function(dropout_forward, "dropout_forward")
        masks = []
        for A, keep_prob, key in _dropout_inputs():
            out = chk.call(dropout_forward, A, keep_prob, key, name="dropout_forward")
            A_drop, mask = _unpack(out, ("A_drop", "mask"), "dropout_forward")
            A_drop = _as_array(A_drop, "A_drop", shape=A.shape)
            mask = _mask_array(mask, A.shape)
            ctx = f" (keep_prob = {keep_prob:g})"
            binary = (mask == 0) | (mask == 1)
            if not binary.all():
                kept = mask[mask != 0]
                if kept.size and np.allclose(kept, 1 / keep_prob, rtol=1e-4):
                    raise _Failure(
                        "mask holds 0 and 1/keep_prob: return the 0/1 mask "
                        "(the division by keep_prob belongs to A_drop)"
                    )
                raise _Failure(
                    "mask should contain only 0 (dropped) and 1 (kept)" + ctx
                )
            A64 = _f64(A)
            _judge(
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
                        raise _Failure(
                            "the mask drops whole units (rows) for every example "
                            "at once; draw one independent value per entry of A"
                        )
                    if np.all(mask == mask[:1, :]):
                        raise _Failure(
                            "the mask drops whole examples (columns); draw one "
                            "independent value per entry of A"
                        )
                tol = 6 * math.sqrt(keep_prob * (1 - keep_prob) / mask.size) + 0.005
                if abs(rate - keep_prob) > tol:
                    if abs(rate - (1 - keep_prob)) <= tol:
                        raise _Failure(
                            f"used keep_prob as the DROP probability: {rate:.1%} "
                            f"of the units are kept, but keep_prob = {keep_prob:g} "
                            "is the probability of keeping a unit"
                        )
                    raise _Failure(
                        f"{rate:.1%} of the units are kept; expected about "
                        f"keep_prob = {keep_prob:.0%}"
                    )
            elif keep_prob == 1.0 and rate != 1.0:
                raise _Failure("with keep_prob = 1 every unit must be kept")
            masks.append(mask)
        A, keep_prob, key = _dropout_inputs()[1]
        out = chk.call(dropout_forward, A, keep_prob, key, name="dropout_forward")
        again = _mask_array(
            _unpack(out, ("A_drop", "mask"), "dropout_forward")[1], A.shape
        )
        if not np.array_equal(again, masks[1]):
            raise _Failure(
                "the same key gave a different mask: draw the mask from the key "
                "(jax.random), not from a global random generator"
            )
        other = jax.random.key(4242)
        out = chk.call(dropout_forward, A, keep_prob, other, name="dropout_forward")
        different = _mask_array(
            _unpack(out, ("A_drop", "mask"), "dropout_forward")[1], A.shape
        )
        if np.array_equal(different, masks[1]):
            raise _Failure(
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
        dA32, mask32 = _f32(dA), _f32(mask)
        ref = _f64(_layers.dropout_backward(dA32, mask32, keep_prob))
        d, mk = _f64(dA32), _f64(mask32)
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
                "ref": _readonly(ref),
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
    chk = _Check("dropout_backward", time_limit)
    with chk:
        chk.function(dropout_backward, "dropout_backward")
        for case in _dropout_backward_cases():
            dA, mask, keep_prob = case["args"]
            out = chk.call(dropout_backward, *case["args"], name="dropout_backward")
            out = _as_array(out, "dA_prev", shape=dA.shape)
            if _close(out, case["ref"][0]):
                continue
            for message, (variant,) in case["variants"]:
                if _close(out, variant):
                    raise _Failure(message + f" (keep_prob = {keep_prob:g})")
            if np.isfinite(out).all() and not np.array_equal(
                out != 0, case["mask"] != 0
            ):
                raise _Failure(
                    "dA_prev must be zero exactly where mask is 0: reuse the "
                    "forward mask (don't draw a new one)"
                )
            _judge(
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
)


@functools.cache
def _l2_cases():
    cases = []
    for seed, dims, lambd, m, ce in _L2_CASES:
        rng = np.random.default_rng(300 + seed)
        params = {}
        for l in range(1, len(dims)):
            params[f"W{l}"] = _f32(0.5 * rng.standard_normal((dims[l], dims[l - 1])))
            params[f"b{l}"] = _f32(rng.standard_normal((dims[l], 1)))
        ref = ce + float(_losses.l2_penalty(params, lambd, m))
        Ws = [_f64(params[k]) for k in params if k.startswith("W")]
        bs = [_f64(params[k]) for k in params if k.startswith("b")]
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
    chk = _Check("l2_cost", time_limit)
    with chk:
        chk.function(l2_cost, "l2_cost")
        for case in _l2_cases():
            ce, params, lambd, m = case["args"]
            out = chk.call(l2_cost, ce, dict(params), lambd, m, name="l2_cost")
            J = _as_scalar(out, "J")
            ctx = f" (λ = {lambd:g}, m = {m}, layer_dims = {list(case['dims'])})"
            if not math.isfinite(J):
                raise _Failure("J is not finite" + ctx)
            if math.isclose(J, case["ref"], rel_tol=1e-4, abs_tol=1e-6):
                continue
            for message, value in case["variants"]:
                if math.isclose(J, value, rel_tol=1e-4, abs_tol=1e-6):
                    raise _Failure(message + ctx)
            raise _Failure(f"J is off by {abs(J - case['ref']):.3g}" + ctx)
    return chk.result("Large weights now cost something, which shrinks them.")


_L2_GRAD_CASES = ((0, (3, 4), 0.7, 10), (1, (1, 5), 3.0, 7), (2, (10, 2), 0.05, 256))


@functools.cache
def _l2_grad_cases():
    cases = []
    for seed, shape, lambd, m in _L2_GRAD_CASES:
        rng = np.random.default_rng(400 + seed)
        W = _f32(rng.standard_normal(shape))
        ref = _f64(_losses.l2_grad(W, lambd, m))
        W64, k = _f64(W), lambd / m
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
            {"args": (W, lambd, m), "ref": _readonly(ref), "variants": variants}
        )
    return tuple(cases)


def check_l2_grad_term(l2_grad_term, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``l2_grad_term(W, lambd, m) -> dW_reg``.

    The derivative of the L2 term λ/(2m)·‖W‖_F² with respect to W, the amount
    added to backprop's dW (same shape as W)::

        dW_reg = (λ/m) · W
    """
    chk = _Check("l2_grad_term", time_limit)
    with chk:
        chk.function(l2_grad_term, "l2_grad_term")
        for case in _l2_grad_cases():
            W, lambd, m = case["args"]
            out = chk.call(l2_grad_term, W, lambd, m, name="l2_grad_term")
            out = _as_array(out, "the gradient term", shape=W.shape)
            _judge(
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


def _numerical(f, theta, eps, mode):
    n = theta.size
    out = np.empty(n)
    if mode == "all":
        ones = np.ones(n)
        return np.full(n, (f(theta + eps * ones) - f(theta - eps * ones)) / (2 * eps))
    for i in range(n):
        e = np.zeros(n)
        e[i] = eps
        if mode == "two":
            out[i] = (f(theta + e) - f(theta - e)) / (2 * eps)
        else:
            out[i] = (f(theta + e) - f(theta)) / eps
    return out


def _rel(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


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

    out = []
    for kind, f, theta, dtheta, eps in cases:
        a2 = _numerical(f, theta, eps, "two")
        a1 = _numerical(f, theta, eps, "one")
        all_at_once = _numerical(f, theta, eps, "all")
        norm = np.linalg.norm
        d = dtheta
        variants = [
            (
                "used a one-sided difference (J(θ + ε) − J(θ))/ε; the two-sided "
                "(J(θ + ε) − J(θ − ε))/(2ε) is far more accurate (error O(ε²) "
                "instead of O(ε))",
                _rel(a1, d),
            ),
            (
                "returned ‖dθ_approx − dθ‖ without dividing by "
                "‖dθ_approx‖ + ‖dθ‖ (the relative error is scale-free)",
                float(norm(a2 - d)),
            ),
            ("divided by ε instead of 2ε", _rel(2 * a2, d)),
            (
                "used ε² in the denominator: the difference quotient divides by 2ε",
                _rel(a2 / eps, d),
            ),
            (
                "used ε² in the denominator: the difference quotient divides by 2ε",
                _rel(2 * a2 / eps, d),
            ),
            (
                "perturbed every component of θ at once: perturb one θ_i at a "
                "time (θ + ε·e_i)",
                _rel(all_at_once, d),
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
                "ref": _rel(a2, d),
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
    chk = _Check("grad_check", time_limit)
    with chk:
        chk.function(grad_check, "grad_check")
        for case in _grad_check_cases():
            theta, dtheta, eps = case["theta"], case["dtheta"], case["eps"]
            J = _Cost(case["f"], theta.size)
            theta_arg = theta.copy()
            out = chk.call(
                grad_check, J, theta_arg, dtheta.copy(), eps, name="grad_check"
            )
            err = _as_scalar(out, "rel_error")
            if J.saw_float32:
                raise _Failure(
                    "J was evaluated on a float32 θ: in float32, θ + ε with "
                    "ε = 1e-7 is mostly rounding error; keep θ a float64 NumPy "
                    "array (jnp arrays are float32 here)"
                )
            moved = np.max(np.abs(theta_arg - theta))
            if moved > 1e-9 * (np.max(np.abs(theta)) + eps):
                raise _Failure(
                    "changed the caller's theta in place: work on a copy of θ "
                    "(or restore θ_i after each evaluation)"
                )
            if not math.isfinite(err) or err < 0:
                raise _Failure(
                    f"rel_error should be a non-negative number, got {err:g}"
                )
            ref = case["ref"]
            if case["kind"] == "exact":
                if err < 1e-7:
                    continue
            elif abs(err - ref) <= 1e-3 * ref:
                continue
            for message, value in case["variants"]:
                if abs(err - value) <= 1e-2 * abs(value) + 1e-15:
                    raise _Failure(message)
            if case["kind"] == "exact":
                raise _Failure(
                    f"returned {err:.3g} for a correct gradient; a correct "
                    "check gives less than 1e-7 here"
                )
            raise _Failure(
                f"returned {err:.3g}, but the relative error here is not that "
                f"(off by a factor {err / ref:.3g})"
            )
    return chk.result("Below 1e-7 is great; above 1e-3 there is almost surely a bug.")


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
        if seed == 3:
            Z[0] = 2.5  # a constant unit: σ² = 0, only ε avoids 0/0
            Z[1] = 0.1 + 3e-3 * rng.standard_normal(m)  # σ² ≈ ε: where ε sits matters
        gamma = rng.uniform(0.5, 2, (n, 1)) * rng.choice([-1, 1], (n, 1))
        beta = rng.standard_normal((n, 1))
        Z32, g32, b32 = _f32(Z), _f32(gamma), _f32(beta)
        out, cache, _ = _layers.batchnorm_forward(
            Z32, g32, b32, _layers.bn_init_state(n), eps=eps
        )
        Zd, g, b = _f64(Z32), _f64(g32), _f64(b32)
        mu1 = Zd.mean(axis=1, keepdims=True)
        var1 = Zd.var(axis=1, keepdims=True)
        var_u = Zd.var(axis=1, ddof=1, keepdims=True)
        mu0 = Zd.mean(axis=0, keepdims=True)
        var0 = Zd.var(axis=0, keepdims=True)
        with np.errstate(all="ignore"):
            xhat = (Zd - mu1) / np.sqrt(var1 + eps)
            variants = [
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
                "ref": _readonly(_f64(out)),
                "variants": [(msg, (v,)) for msg, v in variants],
                "dlcore_cache": cache,
                "xhat": xhat,
            }
        )
    return tuple(cases)


def _bn_forward_output(chk, batchnorm_forward, case):
    Z = case["args"][0]
    out = chk.call(batchnorm_forward, *case["args"], name="batchnorm_forward")
    Z_tilde, cache = _unpack(out, ("Z_tilde", "cache"), "batchnorm_forward")
    return _as_array(Z_tilde, "Z_tilde", shape=Z.shape), cache


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
    chk = _Check("batchnorm_forward", time_limit)
    with chk:
        chk.function(batchnorm_forward, "batchnorm_forward")
        for case in _bn_cases():
            Z_tilde, _ = _bn_forward_output(chk, batchnorm_forward, case)
            Z, _, _, eps = case["args"]
            _judge(
                (Z_tilde,),
                case["ref"],
                ("Z_tilde",),
                case["variants"],
                context=f" for Z of shape {Z.shape}, ε = {eps:g}",
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
        dout = _f32(rng.standard_normal(Z.shape))
        dZ, dgamma, dbeta = (
            _f64(x) for x in _layers.batchnorm_backward(dout, case["dlcore_cache"])
        )
        do, g = _f64(dout), _f64(gamma)
        Zd = _f64(Z)
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
                "ref": _readonly(dZ, dgamma, dbeta),
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
    chk = _Check("batchnorm_backward", time_limit)
    with chk:
        chk.function(batchnorm_forward, "batchnorm_forward")
        chk.function(batchnorm_backward, "batchnorm_backward")
        for bcase in _bn_backward_cases():
            case = bcase["case"]
            Z = case["args"][0]
            n, m = Z.shape
            try:
                Z_tilde, cache = _bn_forward_output(chk, batchnorm_forward, case)
            except _NotDone:
                raise _NotDone(
                    "not done yet: finish batchnorm_forward first (the backward "
                    "pass uses its cache)."
                ) from None
            except _Failure as failure:
                raise _Failure(
                    "your batchnorm_forward is not right yet ("
                    + failure.message
                    + "); fix it first, the backward pass uses its cache",
                    status=failure.status,
                ) from None
            if not _close(Z_tilde, case["ref"][0]):
                raise _Failure(
                    "your batchnorm_forward does not pass its check yet; fix it "
                    "first, the backward pass uses its cache"
                )
            out = chk.call(
                batchnorm_backward, bcase["dout"], cache, name="batchnorm_backward"
            )
            dZ, dgamma, dbeta = _unpack(
                out, ("dZ", "dgamma", "dbeta"), "batchnorm_backward"
            )
            dZ = _as_array(dZ, "dZ", shape=(n, m))
            dgamma = _as_array(
                dgamma,
                "dgamma",
                shape=(n, 1),
                shape_desc=f"(n, 1) = {(n, 1)}, like gamma",
            )
            dbeta = _as_array(
                dbeta, "dbeta", shape=(n, 1), shape_desc=f"(n, 1) = {(n, 1)}, like beta"
            )
            ref_dZ, ref_dgamma, ref_dbeta = bcase["ref"]
            ctx = f" for Z of shape {(n, m)}"
            _judge(
                (dbeta,),
                (ref_dbeta,),
                ("dbeta",),
                [(s, (v,)) for s, v in bcase["dbeta_variants"]],
                context=ctx,
            )
            _judge(
                (dgamma,),
                (ref_dgamma,),
                ("dgamma",),
                [(s, (v,)) for s, v in bcase["dgamma_variants"]],
                context=ctx,
            )
            _judge(
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
# 11. Mini-batches
# ==========================================================================

_BATCH_CASES = (
    (0, 3, 100, 32),
    (1, 2, 64, 64),
    (2, 4, 10, 1),
    (3, 5, 37, 10),
    (4, 3, 33, 16),
)


@functools.cache
def _batch_inputs():
    out = []
    for seed, n_x, m, s in _BATCH_CASES:
        rng = np.random.default_rng(800 + seed)
        X = rng.standard_normal((n_x, m))
        X[0] = np.arange(m)  # row 0 identifies the example
        Y = np.arange(m)[None, :] + 0.0  # so does Y
        out.append((_f32(X), _f32(Y), s, jax.random.key(2000 + seed)))
    return tuple(out)


def _batch_ids(value, X, Y, s, fn_name="random_mini_batches"):
    """Return the list of per-batch example ids, after checking the structure."""
    n_x, m = X.shape
    if value is None:
        raise _Failure(_none_message("the list of mini-batches"))
    if not isinstance(value, (list, tuple)):
        raise _Failure(
            f"{fn_name} should return a list of (X_batch, Y_batch) pairs, got "
            f"{_describe_value(value)}"
        )
    if len(value) == 0:
        raise _Failure(f"{fn_name} returned an empty list")
    ids = []
    for k, pair in enumerate(value):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise _Failure(
                f"mini-batch {k} should be a pair (X_batch, Y_batch), got "
                f"{_describe_value(pair)}"
            )
        Xb = _as_array(pair[0], f"X_batch {k}")
        Yb = _as_array(pair[1], f"Y_batch {k}")
        if Xb.ndim != 2 or Xb.shape[0] != n_x:
            raise _Failure(
                f"X_batch {k} has shape {Xb.shape}; expected (n_x, size) = "
                f"({n_x}, size): mini-batches are sets of COLUMNS of X"
            )
        if Yb.ndim != 2 or Yb.shape[0] != Y.shape[0] or Yb.shape[1] != Xb.shape[1]:
            raise _Failure(
                f"Y_batch {k} has shape {Yb.shape}; expected ({Y.shape[0]}, "
                f"{Xb.shape[1]}), the same columns as X_batch {k}"
            )
        x_ids, y_ids = Xb[0], Yb[0]
        if not (
            np.all(x_ids == np.round(x_ids))
            and np.all((x_ids >= 0) & (x_ids < m))
            and all(
                np.array_equal(Xb[:, j], _f64(X)[:, int(x_ids[j])])
                for j in range(Xb.shape[1])
            )
        ):
            raise _Failure(
                f"the columns of X_batch {k} are not columns of X: select whole "
                "columns, X[:, indices]"
            )
        if not np.array_equal(x_ids, y_ids):
            raise _Failure(
                "X and Y were shuffled with different permutations: column j of "
                "X_batch must stay with column j of Y_batch (use one permutation "
                "for both)"
            )
        ids.append(x_ids.astype(int))
    return ids


def check_random_mini_batches(
    random_mini_batches, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``random_mini_batches(X, Y, mini_batch_size, key) -> list``.

    X is (n_x, m) and Y is (n_y, m). Shuffle the m columns with ONE random
    permutation drawn from the JAX key (the same for X and Y), then cut them
    into consecutive mini-batches of ``mini_batch_size`` = s columns; when s
    does not divide m, the last mini-batch holds the m mod s leftover columns.
    Return the list of the ⌈m/s⌉ pairs (X_batch, Y_batch), of shapes (n_x, s)
    and (n_y, s). The same key must give the same mini-batches.
    """
    chk = _Check("random_mini_batches", time_limit)
    with chk:
        chk.function(random_mini_batches, "random_mini_batches")
        orders = []
        for X, Y, s, key in _batch_inputs():
            m = X.shape[1]
            out = chk.call(
                random_mini_batches, X, Y, s, key, name="random_mini_batches"
            )
            if (
                not isinstance(out, (list, tuple))
                and hasattr(out, "__iter__")
                and not hasattr(out, "shape")
            ):
                out = chk.call(list, out, name="random_mini_batches")
            ids = _batch_ids(out, X, Y, s)
            sizes = [len(b) for b in ids]
            expected = [s] * (m // s) + ([m % s] if m % s else [])
            everything = np.concatenate(ids)
            ctx = f" (m = {m}, mini_batch_size = {s})"
            if m % s and sizes == [s] * (m // s):
                raise _Failure(
                    f"dropped the last, partial mini-batch: the m mod s = {m % s} "
                    "leftover examples form a last, smaller mini-batch" + ctx
                )
            counts = np.bincount(everything, minlength=m)
            if np.any(counts > 1):
                raise _Failure(
                    f"mini-batches overlap: {int(np.sum(counts > 1))} example(s) "
                    "appear in more than one mini-batch" + ctx
                )
            if np.any(counts == 0):
                raise _Failure(
                    f"{int(np.sum(counts == 0))} example(s) are missing from the "
                    "mini-batches" + ctx
                )
            if sizes != expected:
                shown = sizes if len(sizes) <= 8 else [*sizes[:6], "…"]
                raise _Failure(
                    f"the mini-batch sizes are {shown}; expected {s} for every "
                    "mini-batch but a last, smaller one" + ctx
                )
            if m > 1 and np.array_equal(everything, np.arange(m)):
                raise _Failure(
                    "not shuffled: the examples are in their original order; "
                    "permute the columns first" + ctx
                )
            if s > 1 and len(ids) > 2 and all(np.all(np.diff(b) == 1) for b in ids):
                raise _Failure(
                    "shuffled the order of the mini-batches but not the examples: "
                    "permute the m columns, then cut" + ctx
                )
            orders.append(everything)
        X, Y, s, key = _batch_inputs()[0]
        again = np.concatenate(
            _batch_ids(
                chk.call(random_mini_batches, X, Y, s, key, name="random_mini_batches"),
                X,
                Y,
                s,
            )
        )
        if not np.array_equal(again, orders[0]):
            raise _Failure(
                "the same key gave different mini-batches: draw the permutation "
                "from the key (jax.random.permutation), not from a global generator"
            )
        other = np.concatenate(
            _batch_ids(
                chk.call(
                    random_mini_batches,
                    X,
                    Y,
                    s,
                    jax.random.key(31337),
                    name="random_mini_batches",
                ),
                X,
                Y,
                s,
            )
        )
        if np.array_equal(other, orders[0]):
            raise _Failure(
                "a different key gave the same shuffle: use the key you are given"
            )
    return chk.result("Each epoch, a new key gives a new shuffle.")


# ==========================================================================
# 12. Exponentially weighted averages
# ==========================================================================

_EWA_CASES = ((0, 30, 0.9), (1, 100, 0.98), (2, 5, 0.5), (3, 1, 0.95), (4, 40, 0.7))


def _ewa_loop(theta, beta, w_new, v0=0.0, correct=None, feedback=False):
    """A NumPy EWA: v_t = β v + w_new θ_t; correction(t) divides the output."""
    v, out = v0, []
    for t, x in enumerate(theta, start=1):
        v = beta * v + w_new * x
        c = correct(t) if correct else 1.0
        out.append(v / c)
        if feedback:
            v = v / c
    return np.array(out)


@functools.cache
def _ewa_cases():
    cases = []
    for seed, T, beta in _EWA_CASES:
        rng = np.random.default_rng(900 + seed)
        t = np.arange(T)
        theta = 15 + 5 * np.sin(t / 7) + 2 * rng.standard_normal(T)
        theta32 = _f32(theta)
        ref = _f64(_ewa.ewa(theta32, beta, bias_correction=True))
        th = _f64(theta32)
        b = beta
        with np.errstate(all="ignore"):
            variants = [
                (
                    "bias correction with t starting at 0: the first value "
                    "divides by 1 − β⁰ = 0; count t from 1, v_t / (1 − β^t)",
                    _ewa_loop(th, b, 1 - b, correct=lambda t, b=b: 1 - b ** (t - 1)),
                ),
                (
                    "bias correction is off by one: v_t (t counted from 1) "
                    "divides by 1 − β^t",
                    _ewa_loop(th, b, 1 - b, correct=lambda t, b=b: 1 - b ** (t + 1)),
                ),
                (
                    "no bias correction: the first values are pulled towards "
                    "v₀ = 0; divide v_t by 1 − β^t",
                    _ewa_loop(th, b, 1 - b),
                ),
                (
                    "swapped β and 1 − β: v_t = β v_{t−1} + (1 − β) θ_t",
                    _ewa_loop(th, 1 - b, b, correct=lambda t, b=b: 1 - b**t),
                ),
                (
                    "swapped β and 1 − β: v_t = β v_{t−1} + (1 − β) θ_t",
                    _ewa_loop(th, 1 - b, b, correct=lambda t, b=b: 1 - (1 - b) ** t),
                ),
                (
                    "swapped β and 1 − β, and no bias correction",
                    _ewa_loop(th, 1 - b, b),
                ),
                (
                    "fed the bias-corrected value back into the average: keep "
                    "v_t uncorrected in the recursion and only divide the output",
                    _ewa_loop(
                        th, b, 1 - b, correct=lambda t, b=b: 1 - b**t, feedback=True
                    ),
                ),
                (
                    "started the average at v₀ = θ₁: start at v₀ = 0 (bias "
                    "correction then fixes the start)",
                    _ewa_loop(th, b, 1 - b, v0=th[0], correct=lambda t, b=b: 1 - b**t),
                ),
            ]
        cases.append(
            {
                "args": (theta32, beta),
                "ref": _readonly(ref),
                "variants": [(msg, (v,)) for msg, v in variants],
            }
        )
    return tuple(cases)


def check_ewa(ewa, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``ewa(theta, beta) -> v_corrected``.

    ``theta`` is a series θ_1..θ_T of shape (T,); return the bias-corrected
    exponentially weighted average, shape (T,), with t counted from 1::

        v_0 = 0
        v_t = β v_{t−1} + (1 − β) θ_t
        v_corrected[t] = v_t / (1 − β^t)         (entry t−1 of the result)
    """
    chk = _Check("ewa", time_limit)
    with chk:
        chk.function(ewa, "ewa")
        for case in _ewa_cases():
            theta, beta = case["args"]
            out = chk.call(ewa, theta, beta, name="ewa")
            out = _as_array(
                out,
                "v_corrected",
                shape=theta.shape,
                shape_desc=f"(T,) = {theta.shape}",
            )
            _judge(
                (out,),
                case["ref"],
                ("v_corrected",),
                case["variants"],
                context=f" (β = {beta:g}, T = {theta.shape[0]})",
            )
    return chk.result("With β = 0.9 it averages over about 1/(1 − β) = 10 values.")


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
        v = _f32(rng.standard_normal(shape))
        g = _f32(3 * rng.standard_normal(shape))
        _, state = _optim.momentum(1.0, beta).update(
            g, _optim.MomentumState(count=jnp.zeros([], jnp.int32), v=v)
        )
        ref = _f64(state.v)
        vd, gd = _f64(v), _f64(g)
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
                "ref": _readonly(ref),
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
    chk = _Check("momentum_update", time_limit)
    with chk:
        chk.function(momentum_update, "momentum_update")
        for case in _momentum_cases():
            v, g, beta = case["args"]
            out = chk.call(momentum_update, v, g, beta, name="momentum_update")
            out = _as_array(out, "v_new", shape=v.shape)
            _judge(
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
        s32, g32 = _f32(s), _f32(g)
        updates, state = _optim.rmsprop(1.0, beta, eps).update(
            g32, _optim.RMSPropState(count=jnp.zeros([], jnp.int32), s=s32)
        )
        ref = (_f64(state.s), -_f64(updates))
        sd, gd = _f64(s32), _f64(g32)
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
                "ref": _readonly(*ref),
                "s_variants": [(msg, (v,)) for msg, v in s_variants],
                "step_variants": [(msg, (v,)) for msg, v in step_variants],
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
    chk = _Check("rmsprop_update", time_limit)
    with chk:
        chk.function(rmsprop_update, "rmsprop_update")
        for case in _rmsprop_cases():
            s, g, beta, eps = case["args"]
            out = chk.call(rmsprop_update, s, g, beta, eps, name="rmsprop_update")
            s_new, step = _unpack(out, ("s_new", "step"), "rmsprop_update")
            s_new = _as_array(s_new, "s_new", shape=s.shape)
            step = _as_array(step, "step", shape=s.shape)
            ctx = f" (β = {beta:g}, ε = {eps:g})"
            ref_s, ref_step = case["ref"]
            _judge((s_new,), (ref_s,), ("s_new",), case["s_variants"], context=ctx)
            _judge((step,), (ref_step,), ("step",), case["step_variants"], context=ctx)
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
        v32, s32, g32 = _f32(v), _f32(s), _f32(g)
        updates, state = _optim.adam(1.0, b1, b2, eps).update(
            g32, _optim.AdamState(count=jnp.asarray(t - 1, jnp.int32), v=v32, s=s32)
        )
        ref = (_f64(state.v), _f64(state.s), -_f64(updates))
        vd, sd, gd = _f64(v32), _f64(s32), _f64(g32)
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
                "ref": _readonly(*ref),
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
    chk = _Check("adam_update", time_limit)
    with chk:
        chk.function(adam_update, "adam_update")
        for case in _adam_cases():
            v, s, g, t, b1, b2, eps = case["args"]
            out = chk.call(adam_update, *case["args"], name="adam_update")
            outs = _unpack(out, ("v_new", "s_new", "step"), "adam_update")
            names = ("v_new", "s_new", "step")
            outs = [
                _as_array(o, n, shape=v.shape) for o, n in zip(outs, names, strict=True)
            ]
            ctx = f" (t = {t}, β1 = {b1:g}, β2 = {b2:g}, ε = {eps:g})"
            for o, r, n, variants in zip(
                outs, case["ref"], names, case["variants"], strict=True
            ):
                _judge(
                    (o,), (r,), (n,), [(msg, (x,)) for msg, x in variants], context=ctx
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
    chk = _Check("lr_decay", time_limit)
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
                    _as_scalar(
                        chk.call(lr_decay, alpha0, rate, e, name="lr_decay"), "alpha"
                    )
                    for e in case["epochs"]
                ]
            )
            ctx = (
                f" (alpha0 = {alpha0:g}, decay_rate = {rate:g}, "
                f"epochs {list(case['epochs'])})"
            )
            _judge(
                (values,),
                (case["ref"],),
                ("alpha",),
                [(msg, (v,)) for msg, v in case["variants"]],
                rtol=1e-5,
                context=ctx,
            )
            at_zero = _as_scalar(
                chk.call(lr_decay, alpha0, rate, 0, name="lr_decay", hints=zero_hint),
                "alpha",
            )
            if not math.isclose(at_zero, alpha0, rel_tol=1e-5):
                if not math.isfinite(at_zero):
                    raise _Failure(
                        "at epoch 0 alpha is not finite: did you drop the 1 + in "
                        "1 + decay_rate·epoch?"
                    )
                raise _Failure("at epoch 0 alpha must be alpha0 (epochs count from 0)")
    return chk.result("α halves once decay_rate·epoch reaches 1.")


# ==========================================================================
# 17-18. Sampling hyperparameters on the right scale
# ==========================================================================

_P_MIN = 1e-5  # KS p-value below which a distribution is rejected


def _ks(samples, lo, hi) -> float:
    from scipy import stats

    return float(stats.kstest(samples, "uniform", args=(lo, hi - lo)).pvalue)


def _samples(chk, fn, name, key, n, low, high):
    out = chk.call(fn, key, n, low, high, name=name)
    x = _as_array(out, "the samples", shape=(n,), shape_desc=f"(n,) = ({n},)")
    if not np.isfinite(x).all():
        raise _Failure("the samples contain NaN/inf values")
    return x


def _check_key_use(chk, fn, name, n, low, high, first):
    again = _samples(chk, fn, name, jax.random.key(3000), n, low, high)
    if not np.array_equal(again, first):
        raise _Failure(
            "the same key gave different samples: draw them from the key "
            "(jax.random), not from a global random generator"
        )
    other = _samples(chk, fn, name, jax.random.key(3001), n, low, high)
    if np.array_equal(other, first):
        raise _Failure(
            "a different key gave the same samples: use the key you are given"
        )


_LOG_CASES = (
    (0, 2000, 1e-4, 1.0),
    (1, 2000, 1e-3, 1e-1),
    (2, 1000, 0.5, 50.0),
    (3, 5, 1e-2, 1.0),
)


def check_sample_log_uniform(
    sample_log_uniform, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``sample_log_uniform(key, n, low, high) -> samples``.

    n samples between low and high (0 < low < high), uniform on a log scale,
    shape (n,)::

        r ~ U(log10 low, log10 high)   (from the JAX key)
        sample = 10^r

    so that each decade gets the same share of samples. The same key must give
    the same samples.
    """
    chk = _Check("sample_log_uniform", time_limit)
    name = "sample_log_uniform"
    with chk:
        chk.function(sample_log_uniform, name)
        for seed, n, low, high in _LOG_CASES:
            key = jax.random.key(3000) if seed == 0 else jax.random.key(3100 + seed)
            x = _samples(chk, sample_log_uniform, name, key, n, low, high)
            if seed == 0:
                first = x
            a, b = math.log10(low), math.log10(high)
            ctx = f" (low = {low:g}, high = {high:g})"
            inside = (x >= low * (1 - 1e-5)) & (x <= high * (1 + 1e-5))
            if not inside.all():
                if np.all((x >= a - 1e-6) & (x <= b + 1e-6)):
                    raise _Failure("returned the exponent r instead of 10^r" + ctx)
                raise _Failure(
                    f"{int((~inside).sum())} sample(s) fall outside [low, high]" + ctx
                )
            if n < 100:
                continue
            if _ks(np.log10(x), a, b) < _P_MIN:
                if _ks(x, low, high) >= _P_MIN:
                    raise _Failure(
                        "sampled uniformly on the linear scale: then almost all "
                        "samples land in the top decade; sample the exponent r "
                        "uniformly and return 10^r" + ctx
                    )
                raise _Failure(
                    "log10 of your samples is not uniform on [log10 low, log10 high] "
                    "(Kolmogorov–Smirnov test)" + ctx
                )
        _check_key_use(chk, sample_log_uniform, name, 2000, 1e-4, 1.0, first)
    return chk.result(
        "Each decade, e.g. [0.001, 0.01] and [0.01, 0.1], gets the same share."
    )


_BETA_CASES = (
    (0, 2000, 0.5, 0.9999),
    (1, 2000, 0.9, 0.999),
    (2, 2000, 0.0, 0.99),
    (3, 5, 0.9, 0.99),
)


def check_sample_beta(sample_beta, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``sample_beta(key, n, low, high) -> betas``.

    n values of an averaging parameter β in [low, high] (0 <= low < high < 1),
    shape (n,), sampled so that 1 − β is uniform on a log scale::

        r ~ U(log10(1 − high), log10(1 − low))   (from the JAX key)
        β = 1 − 10^r

    The same key must give the same samples.
    """
    chk = _Check("sample_beta", time_limit)
    name = "sample_beta"
    with chk:
        chk.function(sample_beta, name)
        for seed, n, low, high in _BETA_CASES:
            key = jax.random.key(3000) if seed == 0 else jax.random.key(3200 + seed)
            x = _samples(chk, sample_beta, name, key, n, low, high)
            if seed == 0:
                first = x
            a, b = math.log10(1 - high), math.log10(1 - low)
            ctx = f" (low = {low:g}, high = {high:g})"
            inside = (x >= low - 1e-6) & (x <= high + 1e-6)
            if not inside.all():
                if np.all((x >= 1 - high - 1e-6) & (x <= 1 - low + 1e-6)):
                    raise _Failure(
                        "returned 1 − β (that is 10^r) instead of β = 1 − 10^r" + ctx
                    )
                if np.all((x >= a - 1e-6) & (x <= b + 1e-6)):
                    raise _Failure(
                        "returned the exponent r instead of β = 1 − 10^r" + ctx
                    )
                raise _Failure(
                    f"{int((~inside).sum())} sample(s) fall outside [low, high]" + ctx
                )
            if n < 100:
                continue
            with np.errstate(all="ignore"):
                if _ks(np.log10(np.maximum(1 - x, 1e-300)), a, b) >= _P_MIN:
                    continue
                if (
                    low > 0
                    and _ks(np.log10(x), math.log10(low), math.log10(high)) >= _P_MIN
                    and (_ks(x, low, high) < _P_MIN)
                ):
                    raise _Failure(
                        "sampled log10(β) uniformly; it is log10(1 − β) that should "
                        "be uniform: β = 1 − 10^r" + ctx
                    )
            if _ks(x, low, high) >= _P_MIN:
                raise _Failure(
                    "sampled β uniformly: then most trials land where 1/(1 − β) "
                    "barely changes; sample r = log10(1 − β) uniformly" + ctx
                )
            raise _Failure(
                "log10(1 − β) of your samples is not uniform on "
                "[log10(1 − high), log10(1 − low)] (Kolmogorov–Smirnov test)" + ctx
            )
        _check_key_use(chk, sample_beta, name, 2000, 0.5, 0.9999, first)
    return chk.result("β in [0.9, 0.99] and in [0.99, 0.999] now get equal shares.")


# ==========================================================================
# 19-20. Softmax and its cross-entropy
# ==========================================================================


@functools.cache
def _softmax_cases():
    cases = []
    specs = (
        (0, 3, 5, 2.0, 0.0),
        (1, 10, 4, 5.0, 0.0),
        (2, 1, 6, 1.0, 0.0),
        (3, 4, 7, 3.0, 1000.0),
        (4, 4, 6, 3.0, None),
    )
    for seed, C, m, scale, offset in specs:
        rng = np.random.default_rng(1300 + seed)
        Z = scale * rng.standard_normal((C, m))
        if offset is None:  # columns around +1000 and around −1000
            Z = Z + np.where(np.arange(m) % 2 == 0, 1000.0, -1000.0)
        else:
            Z = Z + offset
        Z32 = _f32(Z)
        ref = _f64(_activations.softmax(Z32))
        z, z32 = _f64(Z32), np.asarray(Z32)

        def norm(e, axis=0):
            return e / e.sum(axis=axis, keepdims=True)

        with np.errstate(all="ignore"):
            variants = [
                (
                    "no max subtraction: e^z overflows for large logits (z ≈ 1000 "
                    "gives inf/inf = NaN); subtract each column's max first (it "
                    "cancels out)",
                    _f64(norm(np.exp(z32))),
                ),
                (
                    "subtracted one max for the whole matrix: a column whose "
                    "logits are all far below it underflows to 0/0; subtract "
                    "each column's own max",
                    _f64(norm(np.exp(z32 - z32.max()))),
                ),
                (
                    "softmax over the wrong axis: each COLUMN (one example) must "
                    "sum to 1, so normalize over axis 0",
                    norm(np.exp(z - z.max(axis=1, keepdims=True)), axis=1),
                ),
                (
                    "subtracted the max over the wrong axis (per class, not per "
                    "example): it no longer cancels out",
                    norm(np.exp(z - z.max(axis=1, keepdims=True))),
                ),
                (
                    "normalized over the whole matrix: each column (one example) "
                    "must sum to 1",
                    np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
                ),
            ]
        cases.append(
            {
                "Z": Z32,
                "ref": _readonly(ref),
                "variants": [(s, (v,)) for s, v in variants],
                "offset": offset,
            }
        )
    return tuple(cases)


def check_softmax(softmax, *, time_limit=DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``softmax(Z) -> A``.

    Z is (C, m), one column of C logits per example; A has the same shape
    and each column is a probability distribution (axis 0)::

        a_k = e^(z_k − max z) / Σ_j e^(z_j − max z)

    Subtracting the column's max cancels out, but keeps every exponent <= 0,
    so logits of ±1000 do not overflow.
    """
    chk = _Check("softmax", time_limit)
    with chk:
        chk.function(softmax, "softmax")
        for case in _softmax_cases():
            Z = case["Z"]
            out = chk.call(softmax, Z, name="softmax")
            A = _as_array(out, "A", shape=Z.shape)
            if case["offset"] is None:
                ctx = " for logits around +1000 and −1000"
            elif case["offset"]:
                ctx = f" for logits around {case['offset']:g}"
            else:
                ctx = f" for Z of shape {Z.shape}"
            _judge((A,), case["ref"], ("A",), case["variants"], context=ctx)
    return chk.result(
        "Shifting a column of logits by a constant leaves its softmax unchanged."
    )


@functools.cache
def _softmax_ce_cases():
    cases = []
    # (seed, C, m, scale, offset, kind)
    specs = (
        (0, 3, 5, 2.0, 0.0, "plain"),
        (1, 10, 8, 4.0, 0.0, "plain"),
        (2, 4, 6, 5.0, 1000.0, "overflow"),
        (3, 3, 4, 1.0, None, "underflow"),
    )
    for seed, C, m, scale, offset, kind in specs:
        rng = np.random.default_rng(1400 + seed)
        labels = rng.integers(0, C, m)
        Y = np.eye(C)[:, labels]
        Z = scale * rng.standard_normal((C, m))
        if offset is None:  # the true class 2000 below the best one
            Z = Z + np.where(Y == 1, -1000.0, 1000.0)
        else:
            Z = Z + offset
        Z32, Y32 = _f32(Z), _f32(Y)
        J = float(_losses.softmax_cross_entropy(Z32, Y32))
        dZ = _f64(_losses.softmax_cross_entropy_backward(Z32, Y32))
        z, y = _f64(Z32), _f64(Y32)
        A = np.exp(z - z.max(axis=0, keepdims=True))
        A = A / A.sum(axis=0, keepdims=True)
        cases.append(
            {
                "args": (Z32, Y32),
                "ref": (J, dZ),
                "kind": kind,
                "J_variants": [
                    (
                        "J sums over the examples: the cost is the average, (1/m) Σ_i",
                        J * m,
                    ),
                    ("J has the wrong sign: J = −(1/m) Σ_i Σ_k y_k log a_k", -J),
                    (
                        "J is averaged over all C·m entries; average over the "
                        "m examples only",
                        J / C,
                    ),
                ],
                "dZ_variants": [
                    (
                        "dZ is divided by m: in this course dZ = A − Y per example "
                        "(the 1/m comes later, in dW and db)",
                        (A - y) / m,
                    ),
                    ("sign error: dZ = A − Y", y - A),
                    ("forgot to subtract Y: dZ = A − Y", A),
                ],
            }
        )
    return tuple(cases)


def check_softmax_cross_entropy(
    softmax_cross_entropy, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``softmax_cross_entropy(Z, Y) -> (J, dZ)``.

    Z is (C, m) logits, Y is (C, m) one-hot labels. With A = softmax(Z)
    (over axis 0)::

        J  = −(1/m) Σ_i Σ_k y_k^(i) log a_k^(i)      a scalar
        dZ = A − Y                                     (C, m)

    dZ is the per-example gradient, NOT divided by m: in this course the 1/m
    is applied later, in dW = (1/m) dZ A_prevᵀ and db. J must stay finite
    for logits of ±1000, so compute log a_k as
    (z_k − max z) − log Σ_j e^(z_j − max z) rather than log(softmax(z)).
    """
    chk = _Check("softmax_cross_entropy", time_limit)
    name = "softmax_cross_entropy"
    with chk:
        chk.function(softmax_cross_entropy, name)
        for case in _softmax_ce_cases():
            Z, Y = case["args"]
            out = chk.call(softmax_cross_entropy, Z, Y, name=name)
            J, dZ = _unpack(out, ("J", "dZ"), name)
            J = _as_scalar(J, "J")
            dZ = _as_array(dZ, "dZ", shape=Z.shape)
            J_ref, dZ_ref = case["ref"]
            kind = case["kind"]
            dZ_finite = bool(np.isfinite(dZ).all())
            if (kind != "plain" and not dZ_finite) or (
                kind == "overflow" and not math.isfinite(J)
            ):
                raise _Failure(
                    "no max subtraction: for logits around 1000, e^z overflows "
                    "(inf/inf = NaN); subtract each column's max first"
                )
            if kind == "underflow" and not math.isfinite(J):
                raise _Failure(
                    "J is not finite when the true class's logit is far below the "
                    "others: softmax underflows to 0 and log 0 = −inf; compute "
                    "log a_k = (z_k − max z) − log Σ_j e^(z_j − max z) directly"
                )
            ctx = {
                "plain": f" for Z of shape {Z.shape}",
                "overflow": " for logits around 1000",
                "underflow": " for logits of ±1000",
            }[kind]
            _judge(
                (np.array(J),),
                (np.array(J_ref),),
                ("J",),
                [(msg, (np.array(v),)) for msg, v in case["J_variants"]],
                context=ctx,
            )
            _judge(
                (dZ,),
                (dZ_ref,),
                ("dZ",),
                [(msg, (v,)) for msg, v in case["dZ_variants"]],
                context=ctx,
            )
    return chk.result("dZ = A − Y: the same simple form as for the sigmoid output.")


# ==========================================================================
# Gradient clipping by global norm (notebook 02)
# ==========================================================================


def _clip_cases():
    rng = np.random.default_rng(2024)
    shapes = {"W1": (4, 3), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}
    cases = []
    for size, max_norm in ((0.1, 5.0), (3.0, 1.0), (50.0, 0.5), (1.0, 2.0)):
        g = {k: np.asarray(size * rng.standard_normal(s), np.float32)
             for k, s in shapes.items()}  # fmt: skip
        cases.append((g, max_norm))
    cases.append(({k: np.zeros(s, np.float32) for k, s in shapes.items()}, 1.0))
    return cases


def check_clip_by_global_norm(
    clip_by_global_norm, *, time_limit=DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check ``clip_by_global_norm(grads, max_norm) -> clipped grads``.

    ``grads`` is a dict of arrays (``{"W1": ..., "b1": ...}``); return a dict
    with the same keys and shapes::

        ‖g‖ = sqrt(Σ over every entry of every array of g²)
        g ← g · min(1, max_norm / ‖g‖)

    The reference is :func:`dlcore.optim.clip_grads_by_global_norm`.
    """
    from dlcore import optim

    name = "clip_by_global_norm"
    chk = _Check(name, time_limit)
    with chk:
        chk.function(clip_by_global_norm, name)
        for grads, c in _clip_cases():
            out = chk.call(clip_by_global_norm, dict(grads), c, name=name)
            if out is None:
                raise _Failure(
                    "clip_by_global_norm returned None; return the dict of "
                    "clipped gradients"
                )
            if not hasattr(out, "keys") or set(out.keys()) != set(grads):
                raise _Failure(
                    "return a dict with the same keys as grads "
                    f"({', '.join(grads)}), got {_describe_value(out)}"
                )
            ref = optim.clip_grads_by_global_norm(grads, c)
            norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64))
                                     for g in grads.values())))  # fmt: skip
            variants = [
                ("clipped each array by its own norm; the global norm takes "
                 "the entries of ALL arrays together",
                 [g * min(1.0, c / max(float(np.linalg.norm(g)), 1e-30))
                  for g in grads.values()]),
                ("clipped each entry to [−max_norm, max_norm] (clipping by "
                 "value); rescale the whole gradient instead",
                 [np.clip(g, -c, c) for g in grads.values()]),
                ("rescaled even though ‖g‖ ≤ max_norm: only shrink a gradient "
                 "that is too long (min(1, max_norm/‖g‖))",
                 [g * (c / norm) if norm > 0 else None for g in grads.values()]),
                ("divided by ‖g‖² instead of ‖g‖ (forgot the square root)",
                 [g * min(1.0, c / norm**2) if norm > 0 else None
                  for g in grads.values()]),
            ]  # fmt: skip
            outs = [_as_array(out[k], f"the clipped {k}", shape=grads[k].shape)
                    for k in grads]  # fmt: skip
            if norm == 0 and not all(np.isfinite(o).all() for o in outs):
                raise _Failure(
                    "a zero gradient gave NaN: 0/0; skip the rescaling when "
                    "‖g‖ ≤ max_norm"
                )
            _judge(outs, [np.asarray(ref[k]) for k in grads],
                   [f"clipped {k}" for k in grads],
                   [(m, a) for m, a in variants if norm > 0 or "own" in m],
                   context=f" (‖g‖ = {norm:.3g}, max_norm = {c:g})")  # fmt: skip
    return chk.result("The step keeps its direction; only its length is capped.")
