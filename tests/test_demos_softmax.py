"""Tests for dlcore.demos.softmax: softmax(z/T) against the lecture's worked example
and its two limits, the confusion matrix against a plain count, and a reproducible
digits classifier."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore.compiles import count_compiles
from dlcore.demos.softmax import (
    WORKED_Z,
    confusion_matrix,
    hardmax,
    tempered_softmax,
    train_digits,
)


def test_worked_example_and_the_two_temperature_limits():
    z = jnp.asarray(WORKED_Z)
    np.testing.assert_allclose(
        tempered_softmax(z, 1.0), [0.842, 0.042, 0.002, 0.114], atol=5e-4
    )
    np.testing.assert_allclose(tempered_softmax(z, 0.01), hardmax(z), atol=1e-6)
    np.testing.assert_allclose(tempered_softmax(z, 1000.0), 0.25, atol=2e-3)
    # stable for huge logits / tiny T, and over the columns of a (C, m) batch
    Z = jnp.array([[1000.0, 1.0], [0.0, 2.0], [-1000.0, 3.0]])
    A = tempered_softmax(Z, 0.01)
    assert bool(jnp.isfinite(A).all())
    np.testing.assert_allclose(A.sum(axis=0), 1.0, atol=1e-6)
    np.testing.assert_array_equal(hardmax(Z), [[1, 0], [0, 0], [0, 1]])


def test_T_is_traced_so_new_temperatures_never_compile():
    z = jnp.asarray(WORKED_Z)
    tempered_softmax(z, 1.0)
    with count_compiles() as c:
        for T in np.geomspace(0.01, 100, 9):
            tempered_softmax(z, float(T))
    assert c.count == 0


def test_confusion_matrix_matches_an_independent_count():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 500)
    y_pred = np.where(rng.random(500) < 0.8, y_true, rng.integers(0, 10, 500))
    cm = confusion_matrix(y_true, y_pred, 10)
    loop = np.zeros((10, 10), int)
    for t, p in zip(y_true, y_pred, strict=True):
        loop[t, p] += 1
    np.testing.assert_array_equal(cm, loop)
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix([1, 2], [1], 10)


def test_training_is_reproducible_from_the_seed():
    a = train_digits(jax.random.key(3), num_steps=20)
    b = train_digits(jax.random.key(3), num_steps=20)
    np.testing.assert_array_equal(a.probs, b.probs)
    np.testing.assert_array_equal(a.y_dev, b.y_dev)
