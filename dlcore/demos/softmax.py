"""Softmax with a temperature, and a softmax classifier of the digits: notebook 11.

Serves ``11_softmax.ipynb`` and the panels of :mod:`dlcore.live.panels.softmax`:

* :func:`tempered_softmax` is softmax(z/T) (T traced, one compile) and
  :func:`hardmax` its limit T → 0;
* :func:`train_digits` trains a [64, hidden, 10] softmax network on the 8×8
  digits once and precomputes every dev-set prediction and the confusion
  matrix (:func:`confusion_matrix`), so a slider move is only indexing.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dlcore import data, model, train
from dlcore._checks import (
    check_array,
    check_finite,
    check_int,
    check_key,
    check_range,
    check_real,
)
from dlcore.activations import softmax

__all__ = [
    "WORKED_Z",
    "DigitsResult",
    "confusion_matrix",
    "hardmax",
    "tempered_softmax",
    "train_digits",
]


WORKED_Z = (5.0, 2.0, -1.0, 3.0)  # the lecture's example logits


def tempered_softmax(z, T):
    """softmax(z / T) over axis 0: a_k = exp(z_k/T) / Σ_j exp(z_j/T).

    T is traced: any value, one compile per shape.

    Arguments:
        z: logits (C,) or (C, m), one column per example.
        T: temperature, > 0.

    Returns:
        float32 array of z's shape; every column sums to 1.

    Raises:
        TypeError / ValueError: ``z`` not a real (C,) or (C, m) array, ``T``
        not a number in (0, inf).
    """
    check_array("z", z, ndim=(1, 2))
    check_real("T", T)
    check_range("T", T, 0.0, None, lo_closed=False)
    return _tempered_softmax(z, T)


@jax.jit
def _tempered_softmax(z, T):
    return softmax(jnp.asarray(z, jnp.float32) / T, axis=0)


def hardmax(z) -> np.ndarray:
    """The limit T → 0 of softmax(z/T): 1 at the (first) largest logit, 0 elsewhere.

    Arguments:
        z: logits (C,) or (C, m), classes along axis 0.

    Returns:
        float32 NumPy array of z's shape.

    Raises:
        TypeError / ValueError: ``z`` not a finite real (C,) or (C, m) array.
    """
    check_array("z", z, ndim=(1, 2))
    check_finite("z", z)
    z = np.asarray(z)
    out = np.zeros(z.shape, np.float32)
    np.put_along_axis(out, np.argmax(z, axis=0)[None], 1.0, axis=0)
    return out


class DigitsResult(NamedTuple):
    """A trained digits classifier and everything the panel shows."""

    params: dict
    config: model.MLPConfig
    X_dev: np.ndarray  # (64, m_dev) pixels in [0, 1]
    y_dev: np.ndarray  # (m_dev,) labels 0..9
    probs: np.ndarray  # (10, m_dev) softmax outputs
    pred: np.ndarray  # (m_dev,) argmax of probs
    confusion: np.ndarray  # (10, 10) counts, row = true class, column = predicted
    dev_accuracy: float
    loss: np.ndarray  # (num_steps,) mini-batch training cost


def confusion_matrix(y_true, y_pred, num_classes: int = 10) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Arguments:
        y_true, y_pred: integer labels in 0..num_classes−1, the same length.
        num_classes: C.

    Returns:
        int64 array (C, C): entry [i, j] = number of examples of class i
        predicted as j.

    Raises:
        ValueError: the two label arrays differ in length, or hold a label
        outside 0..num_classes−1. TypeError: labels that are not integers.
    """
    num_classes = check_int("num_classes", num_classes, lo=1)
    y_true = _check_labels("y_true", y_true, num_classes)
    y_pred = _check_labels("y_pred", y_pred, num_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred need the same length, got {y_true.size} and "
            f"{y_pred.size}"
        )
    out = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(out, (y_true, y_pred), 1)
    return out


def _check_labels(name: str, y, num_classes: int) -> np.ndarray:
    check_array(name, y)
    y = np.asarray(y).ravel()
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name} must hold integer labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"{name} must hold labels in [0, {num_classes - 1}], got values in "
            f"[{y.min()}, {y.max()}]"
        )
    return y


def _check_fractions(fractions) -> None:
    check_array("fractions", fractions, shape=(3,))
    check_range("fractions", fractions, 0.0, 1.0)
    if min(fractions[0], fractions[1]) <= 0 or sum(fractions) > 1 + 1e-9:
        raise ValueError(
            "fractions (train, dev, test) must be in [0, 1] with train and dev "
            f"> 0 and a sum <= 1, got {tuple(fractions)}"
        )


def train_digits(
    key,
    *,
    hidden: int = 64,
    num_steps: int = 300,
    batch_size: int | None = None,
    learning_rate: float = 0.01,
    fractions=(0.6, 0.2, 0.2),
) -> DigitsResult:
    """Split the digits train/dev (60/20, the last 20% is left for a test set)
    and train a [64, hidden, 10] softmax net with Adam, in one ``fit`` call.

    ``key`` is split in two: one key for the shuffle, one for the training.
    The shuffle is one permutation, applied with NumPy (the same cut as
    :func:`dlcore.data.train_dev_test_split`, without its per-op compiles).
    Full-batch by default: the fewest compiled variants, a few seconds.

    Arguments:
        key: JAX PRNG key.
        hidden: units of the hidden relu layer.
        num_steps, batch_size, learning_rate: as in :func:`dlcore.train.fit`.
        fractions: (train, dev, test) shares of the digits.

    Returns:
        A :class:`DigitsResult` with every dev prediction precomputed.

    Raises:
        TypeError / ValueError naming the argument: a missing key or a batch
        of keys, sizes that are not integers >= 1, a learning rate not in
        (0, inf), fractions that are not three shares in [0, 1].
    """
    check_key("key", key)
    check_int("hidden", hidden, lo=1)
    check_int("num_steps", num_steps, lo=1)
    if batch_size is not None:
        check_int("batch_size", batch_size, lo=1)
    check_range("learning_rate", learning_rate, 0.0, None, lo_closed=False)
    _check_fractions(fractions)
    k_split, k_fit = jax.random.split(key)
    X, y = data.load_digits()
    X, y = np.asarray(X), np.asarray(y).ravel()
    m = y.size
    b1 = round(fractions[0] * m)
    b2 = round((fractions[0] + fractions[1]) * m)
    perm = np.asarray(jax.random.permutation(k_split, m))
    train_idx, dev_idx = perm[:b1], perm[b1:b2]
    config = model.MLPConfig((64, hidden, 10), hidden="relu", output="softmax")
    hist = train.fit(
        k_fit,
        X[:, train_idx],
        data.one_hot(y[train_idx], 10),
        config,
        train.Hyper(learning_rate=learning_rate),
        optimizer="adam",
        num_steps=num_steps,
        batch_size=batch_size,
    )
    X_dev, y_dev = X[:, dev_idx], y[dev_idx]
    probs = np.asarray(model.predict(hist.params, X_dev, config))
    pred = probs.argmax(axis=0)
    return DigitsResult(
        params=hist.params,
        config=config,
        X_dev=X_dev,
        y_dev=y_dev,
        probs=probs,
        pred=pred,
        confusion=confusion_matrix(y_dev, pred, 10),
        dev_accuracy=float(np.mean(pred == y_dev)),
        loss=np.asarray(hist.loss),
    )


def your_tempered_softmax(softmax, z, T: float, *, time_limit: float = 5.0):
    """The student's ``softmax`` of z/T, one column of C logits, run eagerly.

    ``softmax`` gets Z = (z / T) as a NumPy float32 column of shape (C, 1)
    and returns A (C, 1), a_k = e^{z_k/T} / Σ_j e^{z_j/T}; here it is called
    outside jit, at most ``time_limit`` seconds.

    Arguments:
        softmax: the student's function (the exercise of notebook 11).
        z: the logits, shape (C,).
        T: the temperature, > 0.
        time_limit: seconds, > 0.

    Returns:
        The probabilities, a float64 NumPy array of shape (C,).

    Raises:
        TypeError: ``softmax`` is not callable.
        ValueError: ``T`` <= 0, or a result that is not (C, 1) or (C,).
        TimeoutError: the student's function ran longer than ``time_limit``.
        Whatever the student's function raises.
    """
    from dlcore._checks import check_range  # appended section: header as is
    from dlcore.exercises import stop_after

    if not callable(softmax):
        raise TypeError(f"softmax must be a function, got {type(softmax).__name__}")
    check_range("T", T, 0, None, lo_closed=False)
    check_range("time_limit", time_limit, 0, None, lo_closed=False)
    z = np.asarray(z, dtype=np.float32).reshape(-1)
    Z = (z / np.float32(T))[:, None]
    with stop_after(time_limit, "softmax"):
        out = softmax(Z.copy())
    out = np.asarray(out, dtype=np.float64)
    if out.shape not in (Z.shape, z.shape):
        raise ValueError(f"your softmax returned shape {out.shape}, expected {Z.shape}")
    return out.reshape(-1)
