"""Tests for dlcore.demos.regularization: warps against NumPy/SciPy oracles, noise by
statistics, keys, shapes, bad input, and the tiling trick of
augmentation_effect."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import ndimage

from dlcore import data, model, train
from dlcore.compiles import count_compiles
from dlcore.demos import regularization as augment
from dlcore.demos.regularization import add_noise, augment_dataset, random_augment, warp


@pytest.fixture(scope="module")
def digits():
    X, y = data.load_digits()
    return np.asarray(X[:, :12]), np.asarray(y[:, :12])


def _img(X, k):
    return np.asarray(X)[:, k].reshape(8, 8)


def _shifted(img, dr, dc):
    """Zero-filled integer shift: out[r, c] = img[r - dr, c - dc]."""
    out = np.zeros_like(img)
    for r in range(8):
        for c in range(8):
            if 0 <= r - dr < 8 and 0 <= c - dc < 8:
                out[r, c] = img[r - dr, c - dc]
    return out


def test_whole_pixel_shifts_move_pixels_exactly(digits):
    X, _ = digits
    shifts = np.array([[1, 0, -2, 3, 0, -1], [0, 2, 1, -1, 0, -3]], np.float32)
    m = shifts.shape[1]
    out = warp(X[:, :m], np.zeros(m), shifts)
    for k in range(m):
        want = _shifted(_img(X, k), int(shifts[0, k]), int(shifts[1, k]))
        np.testing.assert_allclose(_img(out, k), want, atol=1e-6)


def test_quarter_turn_is_rot90(digits):
    X, _ = digits
    out = warp(X[:, :4], np.full(4, np.pi / 2), np.zeros((2, 4)))
    for k in range(4):
        np.testing.assert_allclose(_img(out, k), np.rot90(_img(X, k)), atol=1e-5)
    back = warp(out, np.full(4, -np.pi / 2), np.zeros((2, 4)))
    np.testing.assert_allclose(back, X[:, :4], atol=1e-5)


@pytest.mark.parametrize("angle_deg, dr, dc", [(12.0, 0.0, 0.0), (-20.0, 0.4, -0.7)])
def test_small_rotations_match_scipy_affine_transform(digits, angle_deg, dr, dc):
    X, _ = digits
    a = np.deg2rad(angle_deg)
    co, si = np.cos(a), np.sin(a)
    # output (r, c) -> input (r', c') = M (r, c) + offset, from the warp formula;
    # "grid-constant": bilinear with zeros beyond the edge, as map_coordinates does
    M = np.array([[co, si], [-si, co]])
    offset = np.array([
        3.5 - si * (dc + 3.5) - co * (3.5 + dr),
        3.5 - co * (dc + 3.5) + si * (3.5 + dr),
    ])  # fmt: skip
    out = warp(X[:, :5], np.full(5, a), np.tile([[dr], [dc]], (1, 5)))
    for k in range(5):
        want = ndimage.affine_transform(
            _img(X, k).astype(np.float64), M, offset=offset, order=1,
            mode="grid-constant", cval=0.0,
        )  # fmt: skip
        np.testing.assert_allclose(_img(out, k), want, atol=1e-5)


def test_noise_statistics_clipping_and_keys():
    X = jnp.full((64, 500), 0.5)
    Z = np.asarray(add_noise(jax.random.key(0), X, 0.1))
    assert abs(Z.mean() - 0.5) < 4 * 0.1 / np.sqrt(Z.size)
    assert abs(Z.std() - 0.1) < 0.003
    np.testing.assert_array_equal(Z, add_noise(jax.random.key(0), X, 0.1))
    assert not np.array_equal(Z, add_noise(jax.random.key(1), X, 0.1))
    big = np.asarray(add_noise(jax.random.key(2), X, 5.0))
    assert big.min() == 0.0 and big.max() == 1.0  # clipped to [0, 1]
    with pytest.raises(ValueError, match="sigma"):
        add_noise(jax.random.key(0), X, -0.1)


def test_random_augment_identity_keys_and_ranges(digits):
    X, _ = digits
    same = random_augment(jax.random.key(0), X, max_shift=0, max_angle=0, noise=0)
    np.testing.assert_allclose(same, X, atol=1e-6)
    a = random_augment(jax.random.key(1), X)
    np.testing.assert_array_equal(a, random_augment(jax.random.key(1), X))
    assert not np.allclose(a, random_augment(jax.random.key(2), X))
    assert a.shape == X.shape and float(a.min()) >= 0 and float(a.max()) <= 1
    # a shift-only augmentation keeps the total ink of a centred digit, roughly
    s = random_augment(jax.random.key(3), X, max_shift=0.5, max_angle=0, noise=0)
    ratio = np.asarray(s).sum(axis=0) / X.sum(axis=0)
    assert np.all((ratio > 0.75) & (ratio < 1.01))


def test_random_augment_amounts_are_traced(digits):
    X, _ = digits
    random_augment(jax.random.key(0), X, max_shift=1.0, max_angle=10.0, noise=0.1)
    with count_compiles() as c:
        for v in (0.0, 0.3, 2.0):
            random_augment(jax.random.key(5), X, max_shift=v, max_angle=30 * v,
                           noise=v / 10)  # fmt: skip
    assert c.count == 0


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(max_angle=120.0), "max_angle"),
        (dict(max_shift=-1.0), "max_shift"),
        (dict(noise=2.0), "noise"),
    ],
)
def test_random_augment_bad_amounts(digits, kw, match):
    with pytest.raises(ValueError, match=match):
        random_augment(jax.random.key(0), digits[0], **kw)


def test_bad_images_and_shifts():
    with pytest.raises(ValueError, match="64 rows"):
        random_augment(jax.random.key(0), jnp.zeros((63, 4)))
    with pytest.raises(ValueError, match="shift"):
        warp(jnp.zeros((64, 4)), jnp.zeros(4), jnp.zeros((2, 3)))


def test_augment_dataset_layout(digits):
    X, y = digits
    Y = data.one_hot(y, 10)
    Xb, Yb = augment_dataset(jax.random.key(0), X, Y, 3)
    assert Xb.shape == (64, 48) and Yb.shape == (10, 48)
    np.testing.assert_array_equal(Xb[:, :12], X)  # originals first
    for c in range(4):
        np.testing.assert_array_equal(Yb[:, 12 * c : 12 * (c + 1)], Y)
    X0, Y0 = augment_dataset(jax.random.key(0), X, Y, 0)
    np.testing.assert_array_equal(X0, X)
    with pytest.raises(ValueError, match="columns"):
        augment_dataset(jax.random.key(0), X, Y[:, :5], 1)


def test_tiling_the_training_set_does_not_change_full_batch_training(digits):
    # the claim augmentation_effect relies on for its single compilation
    X, y = digits
    Y = data.one_hot(y, 10)
    cfg = model.MLPConfig((64, 8, 10), hidden="relu", output="softmax")
    hp = train.Hyper(learning_rate=0.01)
    a = train.fit(jax.random.key(0), jnp.asarray(X), Y, cfg, hp, num_steps=30)
    b = train.fit(jax.random.key(0), jnp.tile(X, (1, 4)), jnp.tile(Y, (1, 4)), cfg,
                  hp, num_steps=30)  # fmt: skip
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], atol=2e-5)


def test_augmentation_effect_shapes():
    eff = augment.augmentation_effect(
        jax.random.key(0), m_train=20, copies=1, splits=(0, 1), seeds=2, hidden=8,
        num_steps=5,
    )  # fmt: skip
    assert eff.plain.shape == (2, 2) and eff.augmented.shape == (2, 2)
    assert eff.m_dev == 1797 - 20
    assert np.all((eff.plain >= 0) & (eff.plain <= 1))
    with pytest.raises(ValueError, match="splits"):
        augment.augmentation_effect(jax.random.key(0), splits=())
