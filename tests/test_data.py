"""Tests for dlcore.data: normalisation, toy datasets, splits, mini-batches."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlcore.data import (
    Normalizer,
    load_digits,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    num_mini_batches,
    one_hot,
    random_mini_batches,
    train_dev_test_split,
)

KEY = jax.random.key(0)


# --- Normalizer ---------------------------------------------------------------


@pytest.fixture
def train_test():
    rng = np.random.default_rng(0)
    scale = np.array([[1.0], [10.0], [0.1]])
    shift = np.array([[5.0], [-3.0], [1.0]])
    X_train = rng.normal(size=(3, 500)) * scale + shift
    X_test = rng.normal(size=(3, 200)) * scale + shift + 2.0 * scale  # shifted
    return X_train.astype(np.float32), X_test.astype(np.float32)


def test_normalizer_train_stats(train_test):
    X_train, _ = train_test
    norm = Normalizer.fit(jnp.asarray(X_train))
    assert norm.mu.shape == norm.sigma.shape == (3, 1)
    np.testing.assert_allclose(
        np.asarray(norm.mu)[:, 0], X_train.astype(np.float64).mean(axis=1), rtol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(norm.sigma)[:, 0], X_train.astype(np.float64).std(axis=1), rtol=1e-4
    )
    Z = np.asarray(norm.transform(jnp.asarray(X_train)), dtype=np.float64)
    assert Z.shape == X_train.shape
    np.testing.assert_allclose(Z.mean(axis=1), 0.0, atol=1e-4)
    np.testing.assert_allclose(Z.var(axis=1), 1.0, rtol=1e-4)  # variance 1, not σ²


def test_normalizer_uses_train_stats_on_test(train_test):
    X_train, X_test = train_test
    norm = Normalizer.fit(jnp.asarray(X_train))
    Z_test = np.asarray(norm.transform(jnp.asarray(X_test)), dtype=np.float64)
    expected = (X_test - X_train.mean(axis=1, keepdims=True)) / X_train.std(
        axis=1, keepdims=True
    )
    np.testing.assert_allclose(Z_test, expected, rtol=1e-3, atol=1e-3)
    # the test set was shifted by 2σ, so its normalised mean is ≈ 2, not 0
    np.testing.assert_allclose(Z_test.mean(axis=1), 2.0, atol=0.3)


def test_normalizer_inverse_and_pytree(train_test):
    X_train, X_test = train_test
    norm = Normalizer.fit(jnp.asarray(X_train))
    back = norm.inverse_transform(norm.transform(jnp.asarray(X_test)))
    np.testing.assert_allclose(np.asarray(back), X_test, rtol=1e-4, atol=1e-4)
    jitted = jax.jit(lambda n, X: n.transform(X))(norm, jnp.asarray(X_test))
    np.testing.assert_allclose(
        np.asarray(jitted), np.asarray(norm.transform(X_test)), rtol=1e-6
    )
    assert len(jax.tree_util.tree_leaves(norm)) == 2
    with pytest.raises(AttributeError):
        norm.mu = norm.sigma  # frozen


def test_normalizer_constant_feature_uses_eps():
    X = jnp.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    norm = Normalizer.fit(X, eps=1e-8)
    assert float(norm.sigma[1, 0]) == pytest.approx(1e-4, rel=1e-3)
    assert np.all(np.isfinite(np.asarray(norm.transform(X))))


def test_normalizer_bad_inputs():
    X = jnp.ones((3, 10))
    with pytest.raises(ValueError, match="X_train"):
        Normalizer.fit(jnp.ones((3, 1)))  # m = 1
    with pytest.raises(ValueError, match="X_train"):
        Normalizer.fit(jnp.ones(10))  # not 2-D
    with pytest.raises(TypeError, match="X_train"):
        Normalizer.fit(jnp.ones((3, 10), dtype=jnp.int32))
    with pytest.raises(ValueError, match="X_train"):
        Normalizer.fit(X.at[0, 0].set(jnp.nan))
    with pytest.raises(ValueError, match="eps"):
        Normalizer.fit(X, eps=-1.0)
    norm = Normalizer.fit(jnp.arange(30.0).reshape(3, 10))
    with pytest.raises(ValueError, match="X has 4 features"):
        norm.transform(jnp.ones((4, 10)))
    with pytest.raises(ValueError, match="X_norm"):
        norm.inverse_transform(jnp.ones((2, 10)))


# --- toy datasets --------------------------------------------------------------

BINARY = [make_moons, make_circles, make_spirals]


# Each distinct (m, n_classes) compiles the generator once, so the tests reuse a
# few sizes: M = 301 (odd, so the two binary classes differ by one) and small m.
M = 301


@pytest.mark.parametrize(
    "make, m",
    [
        (make_moons, M),
        (make_circles, M),
        (make_spirals, M),
        (make_blobs, M),
        (make_moons, 3),
        (make_blobs, 4),
    ],
)
def test_dataset_shapes_dtypes_balance(make, m):
    n_classes = 3 if make is make_blobs else 2
    X, Y = make(KEY, m)
    assert X.shape == (2, m) and X.dtype == jnp.float32
    assert Y.shape == (1, m)
    assert Y.dtype == (jnp.int32 if n_classes > 2 else jnp.float32)
    counts = np.bincount(np.asarray(Y[0]).astype(int), minlength=n_classes)
    assert counts.sum() == m and counts.max() - counts.min() <= 1
    assert len(counts) == n_classes
    assert np.all(np.isfinite(np.asarray(X)))


@pytest.mark.parametrize(
    "make, n_classes", [(make_spirals, 5), (make_blobs, 2), (make_blobs, 5)]
)
def test_multiclass_labels(make, n_classes):
    X, Y = make(KEY, M, n_classes=n_classes)
    assert X.shape == (2, M)
    assert Y.dtype == (jnp.float32 if n_classes == 2 else jnp.int32)
    counts = np.bincount(np.asarray(Y[0]).astype(int))
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("make", [*BINARY, make_blobs])
def test_dataset_determinism(make):
    X1, Y1 = make(jax.random.key(7), M)
    X2, Y2 = make(jax.random.key(7), M)
    X3, Y3 = make(jax.random.key(8), M)
    np.testing.assert_array_equal(np.asarray(X1), np.asarray(X2))
    np.testing.assert_array_equal(np.asarray(Y1), np.asarray(Y2))
    assert not np.allclose(np.asarray(X1), np.asarray(X3))
    assert not np.array_equal(np.asarray(Y1), np.asarray(Y3))  # order shuffled too


def test_moons_noise_free_geometry():
    X, Y = make_moons(KEY, M, noise=0.0)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(Y[0])
    up, lo = X[:, y == 0], X[:, y == 1]
    # class 0: upper half of the unit circle centred at (0, 0)
    np.testing.assert_allclose(np.hypot(up[0], up[1]), 1.0, atol=1e-5)
    assert np.all(up[1] >= -1e-6)
    # class 1: lower half of the unit circle centred at (1, 0.5)
    np.testing.assert_allclose(np.hypot(lo[0] - 1, lo[1] - 0.5), 1.0, atol=1e-5)
    assert np.all(lo[1] <= 0.5 + 1e-6)


def test_circles_noise_free_geometry():
    X, Y = make_circles(KEY, M, noise=0.0, factor=0.3)
    r, y = np.hypot(*np.asarray(X, dtype=np.float64)), np.asarray(Y[0])
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-5)
    np.testing.assert_allclose(r[y == 1], 0.3, atol=1e-5)


def test_spirals_noise_free_geometry():
    turns, C = 1.5, 5
    X, Y = make_spirals(KEY, M, noise=0.0, n_classes=C, turns=turns)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(Y[0])
    r = np.hypot(X[0], X[1])
    assert np.all(r <= 1 + 1e-6)
    expected_angle = 2 * np.pi * (turns * r + y / C)
    diff = np.angle(np.exp(1j * (np.arctan2(X[1], X[0]) - expected_angle)))
    np.testing.assert_allclose(diff[r > 1e-3], 0.0, atol=1e-3)


def test_blobs_statistics():
    radius, noise, C = 5.0, 0.5, 4
    X, Y = make_blobs(KEY, 3000, n_classes=C, noise=noise, radius=radius)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(Y[0])
    for k in range(C):
        pts = X[:, y == k]
        centre = radius * np.array(
            [np.cos(2 * np.pi * k / C), np.sin(2 * np.pi * k / C)]
        )
        se = noise / np.sqrt(pts.shape[1])
        np.testing.assert_allclose(pts.mean(axis=1), centre, atol=5 * se)
        np.testing.assert_allclose(pts.std(axis=1), noise, rtol=0.1)


def test_dataset_bad_inputs():
    with pytest.raises(TypeError, match="key"):
        make_moons(None, 10)
    with pytest.raises(TypeError, match="key"):
        make_moons(0, 10)
    with pytest.raises(ValueError, match="m must be"):
        make_moons(KEY, 1)
    with pytest.raises(TypeError, match="m must be"):
        make_circles(KEY, 10.0)
    with pytest.raises(ValueError, match="noise"):
        make_moons(KEY, 10, noise=-0.1)
    with pytest.raises(ValueError, match="factor"):
        make_circles(KEY, 10, factor=1.0)
    with pytest.raises(ValueError, match="n_classes"):
        make_spirals(KEY, 10, n_classes=1)
    with pytest.raises(ValueError, match="m must be"):
        make_blobs(KEY, 2, n_classes=3)
    with pytest.raises(ValueError, match="turns"):
        make_spirals(KEY, 10, turns=0)
    with pytest.raises(ValueError, match="radius"):
        make_blobs(KEY, 10, radius=-1.0)


# --- one_hot ----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 50), (50,)])
def test_one_hot_matches_numpy(shape):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, size=50)
    expected = np.eye(4)[y].T  # (C, m)
    got = one_hot(jnp.asarray(y.reshape(shape)), 4)
    assert got.shape == (4, 50) and got.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(got), expected)


def test_one_hot_float_binary_labels():
    got = one_hot(jnp.array([[0.0, 1.0, 1.0]]), 2)
    np.testing.assert_array_equal(np.asarray(got), [[1, 0, 0], [0, 1, 1]])


def test_one_hot_bad_inputs():
    with pytest.raises(ValueError, match="y must be in"):
        one_hot(jnp.array([0, 3]), 3)
    with pytest.raises(ValueError, match="y must be in"):
        one_hot(jnp.array([-1, 0]), 3)
    with pytest.raises(ValueError, match="y must contain whole"):
        one_hot(jnp.array([0.5, 1.0]), 3)
    with pytest.raises(ValueError, match="y must have shape"):
        one_hot(jnp.zeros((2, 5), dtype=jnp.int32), 3)
    with pytest.raises(ValueError, match="num_classes"):
        one_hot(jnp.array([0]), 0)


# --- load_digits ------------------------------------------------------------------


def test_load_digits():
    X, Y = load_digits()
    assert X.shape == (64, 1797) and X.dtype == jnp.float32
    assert Y.shape == (1, 1797) and Y.dtype == jnp.int32
    assert float(X.min()) == 0.0 and float(X.max()) == 1.0
    assert sorted(np.unique(np.asarray(Y)).tolist()) == list(range(10))
    X2, _ = load_digits()
    assert X2 is X  # cached


# --- train/dev/test split ---------------------------------------------------------


def _indexed(m, n_x=3):
    """X whose first row is the column index, Y equal to the index too."""
    idx = np.arange(m, dtype=np.float32)
    X = np.vstack([idx, np.random.default_rng(0).normal(size=(n_x - 1, m))])
    return jnp.asarray(X, dtype=jnp.float32), jnp.asarray(idx[None, :])


@pytest.mark.parametrize(
    "m, fractions, sizes",
    [
        (100, (0.6, 0.2, 0.2), (60, 20, 20)),
        (100, (0.98, 0.01, 0.01), (98, 1, 1)),
        (10, (0.5, 0.3, 0.2), (5, 3, 2)),
        (3, (1 / 3, 1 / 3, 1 / 3), (1, 1, 1)),
    ],
)
def test_split_sizes_and_permutation(m, fractions, sizes):
    X, Y = _indexed(m)
    splits = train_dev_test_split(KEY, X, Y, fractions)
    assert tuple(s[0].shape[1] for s in splits) == sizes
    for Xs, Ys in splits:
        assert Xs.shape[0] == 3 and Ys.shape[0] == 1
        np.testing.assert_array_equal(np.asarray(Xs[0]), np.asarray(Ys[0]))  # aligned
        # every column is an original column, unchanged
        np.testing.assert_array_equal(
            np.asarray(Xs), np.asarray(X)[:, np.asarray(Xs[0]).astype(int)]
        )
    all_idx = np.concatenate([np.asarray(s[1][0]) for s in splits])
    assert sorted(all_idx.astype(int).tolist()) == list(range(m))


def test_split_shuffles():
    X, Y = _indexed(100)
    (_, Y_train), _, _ = train_dev_test_split(KEY, X, Y)
    assert not np.array_equal(np.asarray(Y_train[0]), np.arange(60))
    (_, Y_other), _, _ = train_dev_test_split(jax.random.key(1), X, Y)
    assert not np.array_equal(np.asarray(Y_train), np.asarray(Y_other))


def test_split_bad_inputs():
    X, Y = _indexed(10)
    with pytest.raises(ValueError, match="fractions must sum to 1"):
        train_dev_test_split(KEY, X, Y, (0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match="fractions"):
        train_dev_test_split(KEY, X, Y, (0.8, 0.2, 0.0))
    with pytest.raises(ValueError, match="fractions"):
        train_dev_test_split(KEY, X, Y, (0.8, 0.2))
    with pytest.raises(ValueError, match="at least 1 example"):
        train_dev_test_split(KEY, X, Y, (0.98, 0.01, 0.01))
    with pytest.raises(ValueError, match="same number of examples"):
        train_dev_test_split(KEY, X, Y[:, :5])
    with pytest.raises(ValueError, match="Y must be 2-D"):
        train_dev_test_split(KEY, X, Y[0])
    with pytest.raises(TypeError, match="key"):
        train_dev_test_split(None, X, Y)


# --- mini-batches -----------------------------------------------------------------


def _check_batches(batches, X, Y, size):
    m = X.shape[1]
    widths = [b[0].shape[1] for b in batches]
    expected = [size] * (m // size) + ([m % size] if m % size else [])
    assert widths == expected
    assert len(batches) == num_mini_batches(m, size)
    Xc = np.concatenate([np.asarray(b[0]) for b in batches], axis=1)
    Yc = np.concatenate([np.asarray(b[1]) for b in batches], axis=1)
    order = Xc[0].astype(int)
    assert sorted(order.tolist()) == list(range(m))  # a permutation of all columns
    np.testing.assert_array_equal(Xc, np.asarray(X)[:, order])
    np.testing.assert_array_equal(Yc[0], Xc[0])  # X and Y still aligned


def test_mini_batches_lecture_sizes():
    X, Y = _indexed(148)
    batches = random_mini_batches(X, Y, 64, KEY)
    assert [b[0].shape[1] for b in batches] == [64, 64, 20]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    _check_batches(batches, X, Y, 64)
    order = np.concatenate([np.asarray(b[1][0]) for b in batches])
    assert not np.array_equal(order, np.arange(148))  # shuffled


@pytest.mark.parametrize("size", [1, 10])
def test_mini_batches_extremes(size):
    X, Y = _indexed(10)
    batches = random_mini_batches(X, Y, size, KEY)
    _check_batches(batches, X, Y, size)


# m comes from a few sizes (a new m compiles a new permutation, ~1 s); the
# batch size, which decides the partition, ranges over all of [1, m].
@given(data=st.data(), m=st.sampled_from([1, 2, 3, 10, 100, 148]))
def test_mini_batches_property(data, m):
    size = data.draw(st.integers(1, m), label="mini_batch_size")
    X, Y = _indexed(m, n_x=2)
    batches = random_mini_batches(X, Y, size, jax.random.key(size))
    _check_batches(batches, X, Y, size)


@pytest.mark.parametrize(
    "m, size, n", [(148, 64, 3), (128, 64, 2), (1, 1, 1), (5, 2, 3)]
)
def test_num_mini_batches(m, size, n):
    assert num_mini_batches(m, size) == n


def test_mini_batches_bad_inputs():
    X, Y = _indexed(10)
    with pytest.raises(ValueError, match="mini_batch_size"):
        random_mini_batches(X, Y, 0, KEY)
    with pytest.raises(ValueError, match="mini_batch_size"):
        random_mini_batches(X, Y, 11, KEY)
    with pytest.raises(TypeError, match="mini_batch_size"):
        random_mini_batches(X, Y, 2.0, KEY)
    with pytest.raises(ValueError, match="same number of examples"):
        random_mini_batches(X, Y[:, :3], 2, KEY)
    with pytest.raises(TypeError, match="key"):
        random_mini_batches(X, Y, 2, None)
    with pytest.raises(ValueError, match="mini_batch_size"):
        num_mini_batches(10, 20)
    with pytest.raises(ValueError, match="m must be"):
        num_mini_batches(0, 1)


@pytest.mark.parametrize(
    "key", [KEY, jax.random.PRNGKey(0)], ids=["typed-key", "raw-key"]
)
def test_mini_batches_key_first_is_rejected(key):
    # The order of older versions, random_mini_batches(key, X, Y, s).
    X, Y = _indexed(10)
    with pytest.raises(TypeError, match="key last"):
        random_mini_batches(key, X, Y, 2)


def test_mini_batches_signature_key_last_without_defaults():
    params = inspect.signature(random_mini_batches).parameters
    assert list(params) == ["X", "Y", "mini_batch_size", "key"]
    assert all(p.default is inspect.Parameter.empty for p in params.values())
    X, Y = _indexed(10)
    by_name = random_mini_batches(X=X, Y=Y, mini_batch_size=4, key=KEY)
    by_position = random_mini_batches(X, Y, 4, KEY)
    for (Xa, Ya), (Xb, Yb) in zip(by_name, by_position, strict=True):
        np.testing.assert_array_equal(np.asarray(Xa), np.asarray(Xb))
        np.testing.assert_array_equal(np.asarray(Ya), np.asarray(Yb))
    with pytest.raises(TypeError):
        random_mini_batches(X, Y, 4)
