"""The harness shared by every checker: results, the time limit, comparing.

A checker is written as::

    chk = Check("softmax", time_limit)
    with chk:
        chk.function(softmax, "softmax")
        out = chk.call(softmax, Z, name="softmax")   # the student's code
        judge((as_array(out, "A", shape=Z.shape),), (ref,), ("A",), mistakes)
    return chk.result("one short fact")

Findings are raised as :class:`Failure` (or :class:`NotDone`) inside the
block; :meth:`Check.result` turns the outcome into the one printed line. A
usual mistake is a :class:`Mistake`: its message and the result it produces.
"""

from __future__ import annotations

import contextlib
import inspect
import io
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

from dlcore._checks import check_range

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
    "softmax_cross_entropy_backward": "Softmax cross-entropy (backward)",
    # Assembly exercises: checked on the result of a run, not on a function.
    "regularized_training": "Training with your regularization",
    "batchnorm_grad_check": "Your gradient check on your batch norm",
    "optimized_training": "Training with your mini-batches, Adam and decay",
}
ASSEMBLY = ("regularized_training", "batchnorm_grad_check", "optimized_training")


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


_QUIET: list[bool] = []  # non-empty inside quiet_check: record nothing, print nothing


def _emit(result: CheckResult) -> None:
    if _QUIET:
        return
    count = _execution_count()
    _PRINTED[:] = [(c, r) for c, r in _PRINTED if c == count]
    _PRINTED.append((count, result))
    print(result.line, flush=True)


# ==========================================================================
# Running student code
# ==========================================================================


class NotDone(Exception):
    def __init__(self, message: str = "not done yet."):
        super().__init__(message)
        self.message = message


class Failure(Exception):
    """A finding about the student's function; becomes the check's message."""

    def __init__(self, message: str, status: str = "failed"):
        super().__init__(message)
        self.message = message
        self.status = status


class TimeLimitExceeded(BaseException):
    """Raised by the SIGALRM handler inside the student's code.

    Not an ``Exception``: a student's ``except Exception:`` does not catch
    it. The timer also keeps firing (every :data:`REFIRE` seconds) until the
    call returns, so code that catches it anyway (a bare ``except:``) is
    interrupted again at its next step.
    """


REFIRE = 0.05  # seconds between repeated interruptions once the limit is hit


@contextlib.contextmanager
def limited_time(seconds):
    """Interrupt the body after ``seconds``, again and again until it ends.

    Signals reach only the main thread (and need POSIX's ``setitimer``);
    elsewhere the body runs without a limit and this yields False. Yields True
    when the limit is enforced. The previous SIGALRM handler and any pending
    ITIMER_REAL timer are restored afterwards.
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
            raise TimeLimitExceeded

    old_handler = signal.signal(signal.SIGALRM, handler)
    old_delay, old_interval = signal.setitimer(
        signal.ITIMER_REAL, max(seconds, 1e-3), REFIRE
    )
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


def one_line(text: str, limit: int = 400) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_exception(exc: BaseException, fn=None) -> str:
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


class Check:
    """Collects the outcome of one check; used as ``with chk: ...``.

    Inside the block, findings are raised as ``Failure``/``NotDone`` and the
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
        if isinstance(exc, NotDone):
            self.outcome = ("not_done", exc.message)
        elif isinstance(exc, Failure):
            self.outcome = (exc.status, exc.message)
        elif isinstance(exc, Exception):
            self.outcome = (
                "error",
                "could not check your result: " + describe_exception(exc),
            )
        else:  # KeyboardInterrupt and friends: the user wants to stop
            return False
        return True

    def function(self, fn, name: str):
        """Reject a non-function (e.g. the result of calling it) up front."""
        if not callable(fn):
            raise Failure(
                f"expected the function {name} itself, got "
                f"{describe_value(fn)}; pass it without calling it",
                status="error",
            )

    def call(self, fn, *args, name: str, hints=None, kwargs=None):
        """Run the student's ``fn(*args, **kwargs)`` under the time limit.

        The time limit is per call. The student gets copies of NumPy arrays
        and dicts (the checker's own inputs and references stay intact); a
        positional input that the call changed is reported as a mistake
        ("changed W1 in place"). ``kwargs`` are keyword arguments such as
        ``train=False`` (scalars, passed as they are). ``hints`` maps
        exception types to a sentence appended to the message.
        """
        given = tuple(fresh_copy(a) for a in args)
        start = time.perf_counter()
        enforced = False
        try:
            with limited_time(self.limit) as enforced, np.errstate(all="ignore"):
                out = fn(*given, **(kwargs or {}))
        except TimeLimitExceeded:
            raise self._timeout(name) from None
        except NotImplementedError:
            raise NotDone from None
        except (Exception, SystemExit) as exc:
            if enforced and time.perf_counter() - start > self.limit:
                raise self._timeout(name) from None  # it wrapped the interruption
            message = f"your {name} raised " + describe_exception(exc, fn)
            for typ, hint in (hints or {}).items():
                if isinstance(exc, typ):
                    message += " " + hint
                    break
            raise Failure(message, status="error") from None
        if enforced and time.perf_counter() - start > self.limit:
            raise self._timeout(name)  # it swallowed the interruption
        names = _parameter_names(fn, len(args))
        for arg_name, before, after in zip(names, args, given, strict=True):
            changed = changed_part(before, after, arg_name)
            if changed is not None:
                raise Failure(
                    f"your {name} changed {changed} in place: the caller's "
                    "inputs must stay as they were; work on a copy (for "
                    "example x = x.copy(), or a new dict) instead"
                )
        return out

    def _timeout(self, name):
        return Failure(
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
        res = CheckResult(self.title, status, one_line(message))
        if not _QUIET:
            RESULTS[self.title] = res
        _emit(res)
        return res


def _parameter_names(fn, n: int) -> list[str]:
    """The names of the student's first ``n`` parameters ("argument k" if unknown)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    names += [f"argument {k + 1}" for k in range(len(names), n)]
    return names[:n]


def fresh_copy(value):
    """A copy the student may change: NumPy arrays, dicts, lists and tuples.

    JAX arrays, numbers, keys and functions are immutable and passed as they
    are. Copied arrays are writeable even when the original is read-only.
    """
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    if isinstance(value, Mapping):
        return {k: fresh_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(fresh_copy(v) for v in value)
    return value


def changed_part(before, after, name: str) -> str | None:
    """Name the part of ``after`` (a copy of ``before``) that was changed.

    Returns e.g. "W1" (an array in a dict), "W1 (in params)" (a JAX array
    in a dict replaced by another), "theta" or "params (keys added or
    removed)", or None when nothing changed. Array entries may move by
    rounding (1e-9 relative), as when θ_i += ε is undone by θ_i −= ε.
    """
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or after.shape != before.shape:
            return name
        a, b = after.astype(np.float64), before.astype(np.float64)
        with np.errstate(all="ignore"):
            same_nan = np.array_equal(np.isnan(a), np.isnan(b))
            diff = np.where(np.isnan(b), 0.0, np.abs(a - b))
        if not same_nan or np.any(diff > 1e-9 * (max_abs(b) + 1e-6)):
            return name
        return None
    if isinstance(before, Mapping):
        if not isinstance(after, Mapping) or set(after) != set(before):
            return f"{name} (keys added or removed)"
        for key in before:
            found = changed_part(before[key], after[key], str(key))
            if found is None and after[key] is not before[key]:
                if not isinstance(before[key], (np.ndarray, Mapping, list, tuple)):
                    found = f"{key} (in {name})"
            if found is not None:
                return found
        return None
    if isinstance(before, list):
        if not isinstance(after, list) or len(after) != len(before):
            return f"{name} (items added or removed)"
        for k, (b, a) in enumerate(zip(before, after, strict=True)):
            found = changed_part(b, a, f"{name}[{k}]")
            if found is not None:
                return found
    return None


def quiet_check(checker, fn, **kwargs) -> CheckResult:
    """``checker(fn, **kwargs)`` without a printed line or an entry in RESULTS.

    For code that only needs to know whether the student's function passes
    (a panel deciding whether to offer "use my function"). What the
    student's own code prints during the check is not shown either.

    Returns:
        The :class:`CheckResult` (``result.passed``, ``result.line``).

    Raises:
        TypeError: ``checker`` is not callable (a ``check_*`` function).
    """
    if not callable(checker):
        raise TypeError(
            "checker must be one of the check_* functions, got "
            f"{describe_value(checker)}"
        )
    _QUIET.append(True)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return checker(fn, **kwargs)
    finally:
        _QUIET.pop()


@contextlib.contextmanager
def stop_after(seconds, name: str):
    """Run the student's code in the body for at most ``seconds`` (main thread).

    Outside a checker (e.g. a panel calling the student's function): the
    interruption of :func:`limited_time`, turned into a ``TimeoutError``
    naming the function once the body has stopped.

    Raises:
        TimeoutError: the body ran longer than ``seconds``.
        TypeError / ValueError: ``seconds`` is not a number in (0, inf) or
        ``name`` is not a string.
    """
    check_range("seconds", seconds, 0.0, None, lo_closed=False)
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {describe_value(name)}")
    try:
        with limited_time(seconds):
            yield
    except TimeLimitExceeded:
        raise TimeoutError(
            f"your {name} ran longer than {seconds:g} s and was stopped"
        ) from None


# ==========================================================================
# Assembly exercises: the student's functions inside a bigger computation
# ==========================================================================


class Yours:
    """The student's function, or dlcore's where it is not done yet.

    Calls ``fn`` and counts the calls. When ``fn`` is None or raises
    ``NotImplementedError`` (the stub of the student version), it prints
    one line saying so and uses ``reference`` from then on, so that an
    assembly cell still runs. Other exceptions propagate: the student sees
    the error of their own code.
    """

    def __init__(self, fn, name: str, reference):
        if fn is not None and not callable(fn):
            raise TypeError(
                f"{name} must be your function {name} (or None), got "
                f"{describe_value(fn)}"
            )
        self.fn, self.name, self.reference = fn, name, reference
        self.calls = 0  # calls of the student's function that returned
        self.fallback = fn is None
        if self.fallback:
            self._say()

    def _say(self):
        print(f"… {self.name} is not done yet, so this run uses dlcore's instead.")

    @property
    def used(self) -> bool:
        """True if the student's function ran (and never fell back)."""
        return not self.fallback and self.calls > 0

    def __call__(self, *args):
        if not self.fallback:
            try:
                out = self.fn(*args)
            except NotImplementedError:
                self.fallback = True
                self._say()
            else:
                self.calls += 1
                return out
        return self.reference(*args)


def chosen(choose, default):
    """``choose()``, or ``default`` (with a one-line note) while it is not done.

    For an assembly cell whose hyperparameters the student picks in a
    function, e.g. ``lambd, keep_prob = chosen(my_regularization, (0.0, 1.0))``:
    the student version's stub raises NotImplementedError, and the cell
    still runs with the default.

    Raises:
        TypeError: ``choose`` is not callable.
    """
    if not callable(choose):
        raise TypeError(
            f"choose must be your function itself, got {describe_value(choose)}; "
            "pass it without calling it"
        )
    try:
        return choose()
    except NotImplementedError:
        name = getattr(choose, "__name__", "your choice")
        print(f"… {name} is not done yet, so this run uses {default!r}.")
        return default


# ==========================================================================
# Looking at results
# ==========================================================================


def describe_value(value) -> str:
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


def none_message(what: str) -> str:
    return f"{what} is None: did you forget the return statement?"


def as_array(value, what: str, *, shape=None, shape_desc=None, kind="float"):
    """Convert a student's array (NumPy, JAX, list) to float64, checking it.

    ``kind`` is "float" (floating dtype required) or "any" (bool/int/float).
    """
    if value is None:
        raise Failure(none_message(what))
    if isinstance(value, (tuple, dict)) or isinstance(value, Mapping):
        raise Failure(f"{what} should be one array, got {describe_value(value)}")
    try:
        arr = np.asarray(value)
    except Exception:
        raise Failure(
            f"{what} should be an array, got {describe_value(value)}"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise Failure(
            f"{what} should be an array of real numbers, got "
            f"{describe_value(value)} of dtype {arr.dtype}"
        )
    if kind == "float" and arr.dtype.kind != "f":
        raise Failure(
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
        raise Failure(f"{what} has shape {arr.shape}, expected {expected}{hint}")
    return arr.astype(np.float64)


def as_scalar(value, what: str) -> float:
    if value is None:
        raise Failure(none_message(what))
    if isinstance(value, (bool, np.bool_)):
        raise Failure(f"{what} should be a number, got a bool")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    try:
        arr = np.asarray(value)
    except Exception:
        arr = None
    if arr is None or arr.dtype.kind not in "iuf":
        raise Failure(f"{what} should be a number, got {describe_value(value)}")
    if arr.size != 1:
        raise Failure(
            f"{what} should be a single number, got an array of shape {arr.shape}"
        )
    return float(arr.reshape(()))


def unpack(value, names: tuple[str, ...], fn_name: str):
    """Check that a function returned a tuple (or list) of len(names) items."""
    want = "(" + ", ".join(names) + ")"
    if value is None:
        raise Failure(f"{fn_name} returned None; it should return {want}")
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        raise Failure(
            f"{fn_name} should return a tuple {want}, got {describe_value(value)}"
        )
    return tuple(value)


def numerical_gradient(f, theta, eps: float, mode: str) -> np.ndarray:
    """Finite differences of ``f`` at a flat θ (n,): ``"two"``-sided
    (f(θ + ε e_i) − f(θ − ε e_i)) / 2ε, ``"one"``-sided (f(θ + ε e_i) − f(θ)) / ε,
    or ``"all"``: one two-sided difference along (1, ..., 1), repeated n times."""
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


def relative_gap(a, b) -> float:
    """‖a − b‖₂ / (‖a‖₂ + ‖b‖₂), the gradient check's relative error."""
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def reference_grad_check(J, theta, dtheta, eps: float) -> float:
    """The checkers' oracle for a gradient check, in float64: the relative
    gap between two-sided differences of ``J`` (which takes a flat float64
    θ (n,) and returns a float) and ``dtheta`` (n,)."""
    approx = numerical_gradient(J, np.asarray(theta, np.float64), eps, "two")
    return relative_gap(approx, dtheta)


def max_abs(a) -> float:
    a = np.asarray(a, dtype=np.float64)
    finite = a[np.isfinite(a)]
    return float(np.max(np.abs(finite))) if finite.size else 0.0


def is_close(out, ref, rtol=1e-4, *, equal_nan=False) -> bool:
    """|out − ref| <= rtol·(|ref| + max|ref|) entry-wise, shapes equal."""
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if out.shape != ref.shape:
        return False
    scale = max_abs(ref)
    atol = rtol * scale if scale > 0 else 1e-12
    with np.errstate(all="ignore"):
        return bool(np.allclose(out, ref, rtol=rtol, atol=atol, equal_nan=equal_nan))


class Mistake(NamedTuple):
    """A usual mistake: what to tell the student, and the result it gives.

    ``result`` is a tuple of arrays (one per output; None where the mistake
    does not change that output) for :func:`judge`, or a number for scalar
    checks (see :func:`named_mistake`).
    """

    message: str
    result: object


def mistake_message(messages) -> str | None:
    """One message for the mistakes that all match; None if none matches.

    Where several different mistakes give the same result on an input, the
    message names each of them rather than guessing one.
    """
    distinct = list(dict.fromkeys(messages))
    if not distinct:
        return None
    if len(distinct) == 1:
        return distinct[0]
    if len(distinct) == 2:
        return (
            f"two mistakes give this same result here: {distinct[0]}; or {distinct[1]}"
        )
    return "several mistakes give this same result here: " + "; or ".join(distinct)


def named_mistake(value: float, mistakes, rel_tol: float, abs_tol: float = 0.0):
    """The message for the scalar ``mistakes`` whose result is close to ``value``."""
    return mistake_message(
        m.message
        for m in map(_as_mistake, mistakes)
        if math.isclose(value, m.result, rel_tol=rel_tol, abs_tol=abs_tol)
    )


def _as_mistake(variant) -> Mistake:
    return variant if isinstance(variant, Mistake) else Mistake(*variant)


def judge(outs, refs, names, variants=(), *, rtol=1e-4, context=""):
    """Pass if every output matches its reference; otherwise name the mistake.

    ``variants`` is a sequence of :class:`Mistake` (or ``(message, arrays)``
    pairs), the results the usual mistakes produce on this input (NaN where
    they produce NaN). Every one that matches every output is named (see
    :func:`mistake_message`). Otherwise a generic message names the first
    wrong output.
    """
    if all(is_close(o, r, rtol) for o, r in zip(outs, refs, strict=True)):
        return
    matched = [
        m.message
        for m in map(_as_mistake, variants)
        if all(
            v is None or is_close(o, v, rtol, equal_nan=True)
            for o, v in zip(outs, m.result, strict=True)
        )
    ]
    message = mistake_message(matched)
    if message is not None:
        raise Failure(message)
    for out, ref, name in zip(outs, refs, names, strict=True):
        if is_close(out, ref, rtol):
            continue
        out = np.asarray(out, dtype=np.float64)
        if not np.isfinite(out).all():
            n_bad = int((~np.isfinite(out)).sum())
            raise Failure(f"{name} contains {n_bad} NaN/inf value(s){context}")
        diff = float(np.max(np.abs(out - np.asarray(ref, dtype=np.float64))))
        raise Failure(
            f"{name} does not have the right values{context} "
            f"(largest difference: {diff:.3g})"
        )


def _leaves(value) -> list[np.ndarray] | None:
    """The arrays of a result (an array, a number, or a tuple/list/dict of them)."""
    if isinstance(value, Mapping):
        parts = [_leaves(value[k]) for k in sorted(value, key=str)]
    elif isinstance(value, (tuple, list)):
        parts = [_leaves(v) for v in value]
    else:
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return [arr]
    if any(p is None for p in parts):
        return None
    return [a for p in parts for a in p]


def _same(a, b) -> bool:
    if a is None or b is None or len(a) != len(b):
        return False
    return all(
        x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True)
    )


def require_argument_used(
    chk, fn, name, args, index, other, *, arg, reference, select=None
):
    """Fail if ``fn`` ignores its argument number ``index`` (called ``arg``).

    Calls the student's ``fn`` with ``args`` and with ``args[index]`` set to
    ``other``. When the two references (``reference(*args)``) differ but
    the student's two finite results are identical, the argument was
    ignored (e.g. a fixed ε written into the code). ``select`` picks the
    part of a result to compare (e.g. the first item of a tuple).
    """

    def part(out):
        if select is None:
            return _leaves(out)
        try:
            return _leaves(select(out))
        except (TypeError, IndexError, KeyError, ValueError):
            return None

    changed = list(args)
    changed[index] = other
    refs = [part(reference(*a)) for a in (args, changed)]
    if refs[0] is None or _same(*refs):
        return  # the argument does not matter for this input
    outs = [part(chk.call(fn, *a, name=name)) for a in (args, changed)]
    if outs[0] is None or not all(np.isfinite(x).all() for x in outs[0]):
        return
    if _same(*outs):
        raise Failure(
            f"your {name} ignores its argument {arg}: {arg} = {args[index]:g} "
            f"and {arg} = {other:g} gave exactly the same result, but they "
            f"should not; use the {arg} you are given (not a value fixed in "
            "your code)"
        )


def f32(x) -> jax.Array:
    return jnp.asarray(np.asarray(x, dtype=np.float32))


def f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def readonly(*arrays):
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.setflags(write=False)
    return arrays
