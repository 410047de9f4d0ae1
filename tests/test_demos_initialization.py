"""Tests for dlcore.demos.initialization: every scheme's run is plain gradient
descent from dlcore.init (jax.grad as the oracle), and the distinct-rows count."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from dlcore import data, init, model
from dlcore.demos.initialization import distinct_rows, train_all_schemes


def test_training_runs_are_gradient_descent_from_each_scheme():
    res = train_all_schemes(0, dims=(2, 4, 1), num_steps=3, m=40, hidden="tanh")
    X, Y = data.make_moons(jax.random.key(0), 40, noise=0.2)
    cfg = model.MLPConfig((2, 4, 1), hidden="tanh", output="sigmoid")
    for k, scheme in enumerate(res.schemes):
        p = init.initialize(jax.random.key(1), [2, 4, 1], scheme)
        for t in range(3):
            np.testing.assert_allclose(res.W1[k, t], p["W1"], rtol=1e-5, atol=1e-6)
            J, g = jax.value_and_grad(model.loss)(p, X, Y, cfg)
            assert float(res.loss[k, t]) == pytest.approx(float(J), rel=1e-5)
            p = {n: p[n] - 0.05 * g[n] for n in p}


def test_distinct_rows():
    assert distinct_rows(np.ones((4, 2))) == 1
    assert distinct_rows(np.array([[1.0, 2.0], [1.0, 2.0 + 1e-9], [0.0, 1.0]])) == 2
    assert distinct_rows(np.eye(3)) == 3
    assert distinct_rows(np.array([[np.nan, 1.0]])) == -1
