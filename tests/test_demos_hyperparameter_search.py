"""Tests for dlcore.demos.hyperparameter_search: the made-up score, and chunked
training equal to one fit_many call."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore.compiles import count_compiles
from dlcore.demos.hyperparameter_search import score_2d, train_in_parallel
from dlcore.model import MLPConfig
from dlcore.train import Hyper, fit_many


def test_score_2d_barely_depends_on_y():
    x = np.linspace(0, 1, 101)
    assert np.ptp(score_2d(0.3, x)) <= 0.03 + 1e-12
    assert np.ptp(score_2d(x, 0.5)) > 0.4
    assert score_2d(0.62, 1.0) == pytest.approx(0.98)


def test_train_in_parallel_matches_one_fit_many_call():
    X = jax.random.normal(jax.random.key(0), (2, 64))
    Y = (X[0:1] * X[1:2] > 0).astype(jnp.float32)
    cfg = MLPConfig((2, 4, 1), hidden="relu", output="sigmoid")
    hps = Hyper(learning_rate=jnp.geomspace(1e-3, 1e-1, 4), beta1=0.9)
    kw = dict(num_steps=20, eval_every=20)
    key = jax.random.key(1)
    chunked = train_in_parallel(key, X, Y, cfg, hps, chunk=2, **kw)
    with count_compiles() as c:
        train_in_parallel(key, X, Y, cfg, hps, chunk=2, **kw)
    assert c.count == 0
    whole = fit_many(jax.random.split(key, 4), X, Y, cfg, hps, **kw)
    np.testing.assert_allclose(chunked.loss, whole.loss, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="multiple of chunk"):
        train_in_parallel(key, X, Y, cfg, hps, chunk=3, **kw)
