"""Checkers for notebook 06: mini-batches."""

from __future__ import annotations

import functools

import jax
import numpy as np

from dlcore.exercises._harness import (
    DEFAULT_TIME_LIMIT,
    Check,
    CheckResult,
    Failure,
    as_array,
    describe_value,
    f32,
    f64,
    none_message,
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
        out.append((f32(X), f32(Y), s, jax.random.key(2000 + seed)))
    return tuple(out)


def _batch_ids(value, X, Y, s, fn_name="random_mini_batches"):
    """Return the list of per-batch example ids, after checking the structure."""
    n_x, m = X.shape
    if value is None:
        raise Failure(none_message("the list of mini-batches"))
    if not isinstance(value, (list, tuple)):
        raise Failure(
            f"{fn_name} should return a list of (X_batch, Y_batch) pairs, got "
            f"{describe_value(value)}"
        )
    if len(value) == 0:
        raise Failure(f"{fn_name} returned an empty list")
    ids = []
    for k, pair in enumerate(value):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise Failure(
                f"mini-batch {k} should be a pair (X_batch, Y_batch), got "
                f"{describe_value(pair)}"
            )
        Xb = as_array(pair[0], f"X_batch {k}")
        Yb = as_array(pair[1], f"Y_batch {k}")
        if Xb.ndim != 2 or Xb.shape[0] != n_x:
            raise Failure(
                f"X_batch {k} has shape {Xb.shape}; expected (n_x, size) = "
                f"({n_x}, size): mini-batches are sets of COLUMNS of X"
            )
        if Yb.ndim != 2 or Yb.shape[0] != Y.shape[0] or Yb.shape[1] != Xb.shape[1]:
            raise Failure(
                f"Y_batch {k} has shape {Yb.shape}; expected ({Y.shape[0]}, "
                f"{Xb.shape[1]}), the same columns as X_batch {k}"
            )
        x_ids, y_ids = Xb[0], Yb[0]
        if not (
            np.all(x_ids == np.round(x_ids))
            and np.all((x_ids >= 0) & (x_ids < m))
            and all(
                np.array_equal(Xb[:, j], f64(X)[:, int(x_ids[j])])
                for j in range(Xb.shape[1])
            )
        ):
            raise Failure(
                f"the columns of X_batch {k} are not columns of X: select whole "
                "columns, X[:, indices]"
            )
        if not np.array_equal(x_ids, y_ids):
            raise Failure(
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

    The signature and results of ``dl.data.random_mini_batches`` (the key
    comes last). X is (n_x, m) and Y is (n_y, m). Shuffle the m columns with
    ONE random permutation drawn from the JAX key (the same for X and Y), then
    cut them into consecutive mini-batches of ``mini_batch_size`` = s columns;
    when s does not divide m, the last mini-batch holds the m mod s leftover
    columns.
    Return the list of the ⌈m/s⌉ pairs (X_batch, Y_batch), of shapes (n_x, s)
    and (n_y, s). The same key must give the same mini-batches.
    """
    chk = Check("random_mini_batches", time_limit)
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
                raise Failure(
                    f"dropped the last, partial mini-batch: the m mod s = {m % s} "
                    "leftover examples form a last, smaller mini-batch" + ctx
                )
            counts = np.bincount(everything, minlength=m)
            if np.any(counts > 1):
                raise Failure(
                    f"mini-batches overlap: {int(np.sum(counts > 1))} example(s) "
                    "appear in more than one mini-batch" + ctx
                )
            if np.any(counts == 0):
                raise Failure(
                    f"{int(np.sum(counts == 0))} example(s) are missing from the "
                    "mini-batches" + ctx
                )
            if sizes != expected:
                shown = sizes if len(sizes) <= 8 else [*sizes[:6], "…"]
                raise Failure(
                    f"the mini-batch sizes are {shown}; expected {s} for every "
                    "mini-batch but a last, smaller one" + ctx
                )
            if m > 1 and np.array_equal(everything, np.arange(m)):
                raise Failure(
                    "not shuffled: the examples are in their original order; "
                    "permute the columns first" + ctx
                )
            if s > 1 and len(ids) > 2 and all(np.all(np.diff(b) == 1) for b in ids):
                raise Failure(
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
            raise Failure(
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
            raise Failure(
                "a different key gave the same shuffle: use the key you are given"
            )
    return chk.result("Each epoch, a new key gives a new shuffle.")
