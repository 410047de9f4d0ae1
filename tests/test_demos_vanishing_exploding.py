"""Tests for dlcore.demos.vanishing_exploding against independent computations.

Oracles: float64 NumPy closed forms, ``jax.grad`` of explicitly unrolled
(unmasked) networks, Monte Carlo expectations, and dlcore.optim's clipping.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore import activations, init, model, optim
from dlcore.compiles import count_compiles
from dlcore.demos import vanishing_exploding as depth

# --- robust statistics ----------------------------------------------------------


def test_safe_norm_and_std_match_float64_and_survive_huge_values():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 50)).astype(np.float32)
    np.testing.assert_allclose(
        depth.safe_norm(jnp.asarray(x), axis=1),
        np.linalg.norm(x.astype(np.float64), axis=1),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        depth.safe_std(jnp.asarray(x), axis=1), x.astype(np.float64).std(axis=1),
        rtol=1e-5,
    )  # fmt: skip
    big = (x * 1e30).astype(np.float32)  # x² would overflow float32
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.sum(big.astype(np.float32) ** 2))
    np.testing.assert_allclose(
        depth.safe_norm(jnp.asarray(big), axis=1),
        np.linalg.norm(big.astype(np.float64), axis=1),
        rtol=1e-5,
    )
    near_max = jnp.asarray([[2e38, -1e38, 1e37]])  # 1/2e38 is subnormal in float32
    np.testing.assert_allclose(
        depth.safe_std(near_max, axis=1), np.std([2e38, -1e38, 1e37]), rtol=1e-5
    )
    np.testing.assert_allclose(
        depth.safe_norm(near_max, axis=1), np.linalg.norm([2e38, -1e38, 1e37]),
        rtol=1e-5,
    )  # fmt: skip
    bad = jnp.asarray([[1.0, jnp.inf], [1.0, jnp.nan], [0.0, 0.0]])
    out = np.asarray(depth.safe_norm(bad, axis=1))
    assert np.isposinf(out[0]) and np.isnan(out[1]) and out[2] == 0
    out = np.asarray(depth.safe_std(bad, axis=1))
    assert np.isposinf(out[0]) and np.isnan(out[1]) and out[2] == 0


def test_first_nonfinite():
    assert depth.first_nonfinite([1.0, 2.0]) is None
    assert depth.first_nonfinite([1.0, np.inf, np.nan]) == 2
    assert depth.first_nonfinite([np.nan]) == 1


# --- the linear chain ---------------------------------------------------------


@pytest.mark.parametrize("w", [0.5, 0.93, 1.0, 1.07, 1.5])
def test_linear_chain_matches_the_closed_form(w):
    ch = depth.linear_chain(w, 0.7, max_depth=200)
    L = np.arange(1, 201, dtype=np.float64)
    w32 = float(np.float32(w))
    want = {
        "y_hat": w32**L * 0.7,
        "grad_W1": w32 ** (L - 1) * 0.7,
        "grad_w": L * w32 ** (L - 1) * 0.7,
    }
    for name, ref in want.items():
        got = np.asarray(getattr(ch, name), np.float64)
        ok = w32 ** (L - 1) * 0.7 > 1e-36  # away from float32's subnormal range
        np.testing.assert_allclose(got[ok], ref[ok], rtol=2e-4, err_msg=name)
    np.testing.assert_array_equal(ch.depth, np.arange(1, 201))


@pytest.mark.parametrize("L", [1, 2, 7, 30])
def test_chain_gradients_are_what_jax_grad_says(L):
    w, x = 1.1, 0.9

    def y_of_layers(ws):  # one weight per layer: y = w_L ... w_1 x
        return jnp.prod(ws) * x

    ws = jnp.full((L,), w)
    ch = depth.linear_chain(w, x, max_depth=30)
    dW = jax.grad(y_of_layers)(ws)
    np.testing.assert_allclose(ch.grad_W1[L - 1], dW[0], rtol=1e-5)
    tied = jax.grad(lambda v: y_of_layers(jnp.full((L,), v)))(jnp.float32(w))
    np.testing.assert_allclose(ch.grad_w[L - 1], tied, rtol=1e-5)
    np.testing.assert_allclose(ch.y_hat[L - 1], y_of_layers(ws), rtol=1e-5)


@pytest.mark.parametrize(
    ("w", "dtype", "first"),
    [(1.5, "float32", 219), (1.2, "float16", 61), (1.5, "float16", 28),
     (1.2, "float32", 487)],
)  # fmt: skip
def test_overflow_depth_is_where_the_computed_chain_overflows(w, dtype, first):
    assert depth.overflow_depth(w, 1.0, dtype) == first
    ch = depth.linear_chain(w, max_depth=500, dtype=dtype)
    assert depth.first_nonfinite(ch.y_hat) == first
    # 1.2 in float32 stays finite over the panel's whole range
    assert np.isfinite(np.asarray(ch.y_hat[:200], np.float64)).all() == (first > 200)


def test_overflow_depth_never_for_small_w_and_bfloat16_has_float32_range():
    assert math.isinf(depth.overflow_depth(0.9))
    assert math.isinf(depth.overflow_depth(1.0))
    assert depth.overflow_depth(1.5, dtype="bfloat16") in (218, 219)
    ch = depth.linear_chain(1.5, max_depth=200, dtype="bfloat16")
    assert np.isfinite(np.asarray(ch.y_hat, np.float64)).all()


def test_vanishing_chain_reaches_exact_zero():
    y = np.asarray(depth.linear_chain(0.5, max_depth=200).y_hat, np.float64)
    first_zero = int(np.argmax(y == 0)) + 1
    assert 127 <= first_zero <= 150  # 127 with flush-to-zero, 150 with subnormals
    assert np.all(y[first_zero - 1 :] == 0) and y[first_zero - 2] > 0
    y16 = np.asarray(depth.linear_chain(0.5, max_depth=40, dtype="float16").y_hat)
    assert int(np.argmax(y16 == 0)) + 1 == 25  # 2^-25 rounds to 0 in float16


def test_w_is_traced_no_recompile():
    depth.linear_chain(1.1)
    with count_compiles() as c:
        for w in np.linspace(0.5, 1.5, 7):
            depth.linear_chain(float(w))
    assert c.count == 0


def test_chain_bad_inputs():
    with pytest.raises(ValueError, match="dtype"):
        depth.linear_chain(1.1, dtype="float64x")
    with pytest.raises(ValueError, match="max_depth"):
        depth.linear_chain(1.1, max_depth=0)
    with pytest.raises(ValueError, match="w"):
        depth.linear_chain(float("nan"))


# --- the deep MLP ---------------------------------------------------------------


def _explicit(draws, seed, scale, L, activation):
    """The same network WITHOUT masking: L layers, jax.grad, float32."""
    g, _ = activations.get(activation)
    X, R = draws.X[seed], draws.R[seed]
    n, m = X.shape
    Ws = [scale / math.sqrt(n) * draws.W_unit[seed, l] for l in range(L)]

    def J(Ws):
        A = X
        for W in Ws:
            A = g(W @ A)
        return jnp.sum(R * A) / m

    grads = jax.grad(J)(Ws)
    acts, A = [], X
    for W in Ws:
        A = g(W @ A)
        acts.append(np.asarray(A, np.float64))
    return [float(np.linalg.norm(np.asarray(d, np.float64))) for d in grads], acts


@pytest.mark.parametrize(
    ("activation", "scale", "L"),
    [("sigmoid", 1.0, 7), ("tanh", 0.8, 12), ("relu", 1.5, 5), ("relu", 1.0, 1)],
)
def test_masked_deep_net_equals_the_explicit_network(activation, scale, L):
    key = jax.random.key(3)
    draws = depth.deep_draws(key, width=16, m=20, max_depth=15, num_seeds=3)
    st = depth.deep_mlp_stats(key, scale, L, activation=activation, draws=draws)
    for seed in range(3):
        gn, acts = _explicit(draws, seed, scale, L, activation)
        np.testing.assert_allclose(st.grad_norm[seed, :L], gn, rtol=2e-4)
        np.testing.assert_allclose(
            st.act_std[seed, :L], [a.std() for a in acts], rtol=2e-4
        )
        np.testing.assert_allclose(
            st.act_rms[seed, :L], [np.sqrt(np.mean(a**2)) for a in acts], rtol=2e-4
        )
        # layers beyond the depth are the identity: no gradient, same activations
        np.testing.assert_array_equal(st.grad_norm[seed, L:], 0.0)
        np.testing.assert_allclose(st.act_std[seed, L:], acts[-1].std(), rtol=2e-4)


def test_histogram_counts_the_last_layer():
    key = jax.random.key(5)
    draws = depth.deep_draws(key, width=16, m=20, max_depth=10, num_seeds=2)
    st = depth.deep_mlp_stats(key, 1.0, 4, activation="tanh", draws=draws, bins=10)
    A = np.concatenate(
        [_explicit(draws, s, 1.0, 4, "tanh")[1][-1].ravel() for s in range(2)]
    )
    want, _ = np.histogram(A, bins=10, range=(-1, 1))
    # float32 vs float64 values may fall on the other side of a bin edge
    assert np.abs(np.asarray(st.hist) - want).sum() <= 2
    assert int(np.asarray(st.hist).sum()) == A.size
    np.testing.assert_allclose(st.hist_edges, np.linspace(-1, 1, 11), atol=1e-6)


def test_same_key_same_draws_and_the_key_is_used():
    a = depth.deep_draws(jax.random.key(0), width=4, m=3, max_depth=2, num_seeds=2)
    b = depth.deep_draws(jax.random.key(0), width=4, m=3, max_depth=2, num_seeds=2)
    c = depth.deep_draws(jax.random.key(1), width=4, m=3, max_depth=2, num_seeds=2)
    np.testing.assert_array_equal(a.W_unit, b.W_unit)
    assert not np.array_equal(a.W_unit, c.W_unit)
    assert not np.array_equal(a.W_unit[0], a.W_unit[1])  # seeds differ


def test_overflow_is_flagged_not_hidden():
    key = jax.random.key(0)
    st = depth.deep_mlp_stats(key, 10.0, 50, activation="relu")
    sd = np.asarray(st.act_std, np.float64)
    for row in sd:
        k = depth.first_nonfinite(row)
        assert k is not None and k < 50
        assert np.isposinf(row[k - 1]) and np.isnan(row[k:]).all()
        assert np.isfinite(row[: k - 1]).all() and (row[: k - 1] > 0).all()
    assert np.isnan(np.asarray(st.grad_norm)).all()
    # a healthy setting has no flags
    ok = depth.deep_mlp_stats(key, 2**0.5, 50, activation="relu")
    assert np.isfinite(np.asarray(ok.act_std)).all()


def test_scale_depth_and_activation_are_traced():
    key = jax.random.key(0)
    draws = depth.deep_draws(key)
    depth.deep_mlp_stats(key, 1.0, 10, activation="tanh", draws=draws)
    with count_compiles() as c:
        for act in depth.DEEP_ACTIVATIONS:
            for L, s in [(1, 0.1), (25, 1.0), (50, 10.0)]:
                depth.deep_mlp_stats(key, s, L, activation=act, draws=draws)
    assert c.count == 0


def test_deep_bad_inputs():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="activation"):
        depth.deep_mlp_stats(key, 1.0, 3, activation="softmax", max_depth=5)
    with pytest.raises(ValueError, match="depth"):
        depth.deep_mlp_stats(key, 1.0, 6, max_depth=5)
    with pytest.raises(ValueError, match="scale"):
        depth.deep_mlp_stats(key, -1.0, 3, max_depth=5)
    with pytest.raises(TypeError, match="key"):
        depth.deep_draws(None)


# --- the theory -------------------------------------------------------------------


def test_gains_are_the_expectations_they_claim():
    z = np.asarray(jax.random.normal(jax.random.key(0), (400_000,)), np.float64)
    relu = np.maximum(z, 0)
    assert np.mean(relu**2) / np.mean(z**2) == pytest.approx(0.5, rel=0.01)
    assert np.mean((z > 0) ** 2) == pytest.approx(0.5, rel=0.01)
    small = 0.01 * z  # tanh near 0: gain 1
    assert np.mean(np.tanh(small) ** 2) / np.mean(small**2) == pytest.approx(
        1, rel=1e-3
    )
    assert np.mean((1 - np.tanh(small) ** 2) ** 2) == pytest.approx(1, rel=1e-3)
    grid = jnp.linspace(-20, 20, 100_001)
    assert float(activations.sigmoid_grad(grid).max()) == pytest.approx(0.25)
    assert depth.SLOPE_GAIN["sigmoid"] == 0.25**2


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0, 10.0])
def test_the_mean_field_sigmoid_line_follows_the_measured_gradients(scale):
    """The line the panel draws (mean_field=True) against jax.grad's ‖dW[l]‖:
    within 6% per layer back at every scale, where the bound s/4 is far off
    at large s (it predicts growth at s = 10)."""
    L = 12
    st = depth.deep_mlp_stats(jax.random.key(3), scale, L, activation="sigmoid")
    norms = np.asarray(st.grad_norm, np.float64)[:, :L]  # (seeds, L)
    measured = np.exp(np.log(norms).mean(axis=0))
    line = depth.gradient_theory("sigmoid", scale, L, measured[-1], mean_field=True)
    per_layer = (line[0] / measured[0]) ** (1 / (L - 1))
    assert abs(per_layer - 1) < 0.06
    bound = depth.gradient_theory("sigmoid", scale, L, measured[-1])
    if scale == 10.0:  # s/4 = 2.5: the bound has ‖dW[1]‖ grow ~2.5^11 times
        assert bound[0] > 1e3 * measured[0]
    relu = depth.gradient_theory("relu", scale, 4, 2.0, mean_field=True)
    np.testing.assert_allclose(relu, depth.gradient_theory("relu", scale, 4, 2.0))


def test_factors_and_theory_curves():
    assert depth.forward_factor("relu", 2**0.5) == pytest.approx(1.0)
    assert depth.forward_factor("tanh", 0.5) == pytest.approx(0.5)
    assert depth.forward_factor("sigmoid", 3.0) == 1.0
    assert depth.backward_factor("sigmoid", 1.0) == pytest.approx(0.25)
    t = depth.gradient_theory("sigmoid", 1.0, 4, 2.0)
    np.testing.assert_allclose(t, 2.0 * 0.25 ** np.array([3, 2, 1, 0]))
    np.testing.assert_allclose(depth.gradient_theory("relu", 7.0, 5, 3.0), 3.0)
    a = depth.activation_theory("relu", 1.0, 3, 2.0)
    np.testing.assert_allclose(a, 2.0 * np.sqrt(0.5) ** np.arange(3))
    assert depth.activation_theory("sigmoid", 1.0, 3, 2.0) is None


@pytest.mark.parametrize(("activation", "scale"), [("relu", 1.0), ("tanh", 0.5)])
def test_simulation_follows_the_forward_theory(activation, scale):
    st = depth.deep_mlp_stats(jax.random.key(0), scale, 20, activation=activation)
    sd = np.asarray(st.act_std, np.float64)
    per_layer = np.exp(np.mean(np.log(sd[:, 19] / sd[:, 0])) / 19)
    assert per_layer == pytest.approx(depth.forward_factor(activation, scale), rel=0.06)


def test_sigmoid_gradient_shrinks_by_about_a_quarter_per_layer():
    st = depth.deep_mlp_stats(jax.random.key(1), 1.0, 20, activation="sigmoid")
    g = np.asarray(st.grad_norm, np.float64)
    back = np.exp(np.mean(np.log(g[:, 0] / g[:, 19])) / 19)
    assert 0.9 * 0.25 <= back <= 0.25
    assert float(np.asarray(st.slope_rms)[:, :20].max()) <= 0.25


# --- gradient clipping on the scalar chain --------------------------------------


def _numpy_chain(w0, lr, c, clip, steps, mode="norm"):
    w = np.asarray(w0, np.float64).copy()
    losses = []
    for _ in range(steps):
        y = np.prod(w)
        losses.append(0.5 * (y - 1) ** 2)
        g = (y - 1) * np.array([np.prod(np.delete(w, i)) for i in range(len(w))])
        if clip and mode == "norm":
            g = g * min(1.0, c / np.linalg.norm(g))
        elif clip:
            g = np.clip(g, -c, c)
        w = w - lr * g
    return np.array(losses), w


@pytest.mark.parametrize("mode", ["norm", "value"])
def test_clipped_chain_matches_a_float64_loop(mode):
    w0 = depth.clip_start()
    run = depth.train_scalar_chain(w0, 0.01, 1.0, True, num_steps=60, mode=mode)
    want, w_end = _numpy_chain(w0, 0.01, 1.0, True, 60, mode)
    np.testing.assert_allclose(run.loss, want, rtol=2e-3)
    np.testing.assert_allclose(run.w[-1], w_end, rtol=1e-4)
    np.testing.assert_allclose(run.w[0], w0)


def test_unclipped_chain_explodes_and_clipping_bounds_each_step():
    w0 = depth.clip_start()
    wild = depth.train_scalar_chain(w0, 0.01, 1.0, False, num_steps=50)
    assert depth.first_nonfinite(wild.loss) is not None
    for c in (0.05, 1.0, 20.0):
        tame = depth.train_scalar_chain(w0, 0.01, c, True, num_steps=50)
        steps = np.linalg.norm(np.diff(np.asarray(tame.w, np.float64), axis=0), axis=1)
        assert steps.max() <= 0.01 * c * (1 + 1e-4)  # float32 rounding
    g = jax.grad(depth.chain_loss)(jnp.asarray(w0))
    assert float(wild.grad_norm[0]) == pytest.approx(float(optim.global_norm(g)))
    with pytest.raises(ValueError, match="threshold"):
        depth.train_scalar_chain(w0, 0.01, 0.0, True)
    with pytest.raises(ValueError, match="mode"):
        depth.train_scalar_chain(w0, 0.01, 1.0, True, mode="both")


# --- initialisation helpers --------------------------------------------------------


def test_init_weights_follow_dlcore_init():
    key = jax.random.key(0)
    n = 200
    for scheme in ("normal", "xavier", "he", "glorot"):
        W = np.asarray(depth.init_weights(key, scheme, 1.5, 3, n))
        assert W.std() == pytest.approx(init.std(scheme, n, n, 1.5), rel=0.02)
    np.testing.assert_array_equal(depth.init_weights(key, "zeros", 2.0, 2, 5), 0.0)
    np.testing.assert_allclose(depth.init_weights(key, "constant", 2.0, 2, 5), 1.0)


def test_layer_histograms_match_numpy():
    key = jax.random.key(4)
    h = depth.layer_histograms(
        key, "he", 1.3, activation="relu", num_layers=5, width=20, m=30, bins=8,
        value_range=(0.0, 2.0),
    )  # fmt: skip
    sd = init.std("he", 20, 20, 1.0)
    draws = depth.net_draws(key, num_layers=5, width=20, m=30)
    Ws = 1.3 * sd * np.asarray(draws.N, np.float64)
    A = np.asarray(draws.X, np.float64)
    for l in range(5):
        A = np.maximum(Ws[l] @ A, 0.0)
        want, _ = np.histogram(np.clip(A, 0, 2), bins=8, range=(0, 2))
        assert np.abs(np.asarray(h.counts[l]) - want).sum() <= 2
        assert float(h.std[l]) == pytest.approx(A.std(), rel=1e-4)
        assert int(h.above[l]) == int((A > 2).sum())
    assert np.asarray(h.nonfinite).sum() == 0
    again = depth.layer_histograms(
        key, "he", 1.3, activation="relu", num_layers=5, width=20, m=30, bins=8,
        value_range=(0.0, 2.0), draws=draws,
    )  # fmt: skip
    for a, b in zip(h, again, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="draws must have N of shape"):
        depth.layer_histograms(key, "he", num_layers=4, draws=draws)
    with pytest.raises(ValueError, match="value_range"):
        depth.layer_histograms(key, "he", value_range=(1.0, 1.0))
    with pytest.raises(ValueError, match="scheme"):
        depth.layer_histograms(key, "lecun")


def test_layer_variances_he_is_steady_on_average():
    keys = jax.random.split(jax.random.key(0), 16)
    v = np.asarray(depth.layer_variances(keys, "he", width=50, num_layers=10, m=50))
    assert v.shape == (16, 11)
    assert 0.4 < v[:, 10].mean() / v[:, 1].mean() < 2.5
    vn = np.asarray(depth.layer_variances(keys, "normal", width=50, num_layers=10,
                                          m=50))  # fmt: skip
    assert ((vn[:, 10] / vn[:, 1]) ** (1 / 9)).min() > 15  # ≈ n/2 = 25 per layer


def test_train_record_is_gradient_descent_and_keeps_symmetry():
    X = jax.random.normal(jax.random.key(0), (2, 30))
    Y = (X[:1] > 0).astype(jnp.float32)
    cfg = model.MLPConfig((2, 5, 1), hidden="tanh", output="sigmoid")
    params = init.initialize(jax.random.key(1), [2, 5, 1], "he")
    run = depth.train_record(params, X, Y, cfg, learning_rate=0.3, num_steps=3)
    p = params
    for t in range(3):
        np.testing.assert_allclose(run.W1[t], p["W1"], rtol=1e-5, atol=1e-7)
        g = jax.grad(model.loss)(p, X, Y, cfg)
        p = {k: p[k] - 0.3 * g[k] for k in p}
    np.testing.assert_allclose(run.W1[3], p["W1"], rtol=1e-5, atol=1e-7)
    const = init.initialize(jax.random.key(1), [2, 5, 1], "constant")
    W1 = np.asarray(
        depth.train_record(const, X, Y, cfg, num_steps=50).W1[-1], np.float64
    )
    assert np.abs(W1 - W1[0]).max() == 0.0
    assert np.abs(W1 - 0.5).max() > 1e-3  # it moved, all rows together


def test_deep_stats_summary_is_the_seed_geometric_mean_min_and_max():
    g = np.array([[1.0, 4.0, 0.0], [4.0, 1.0, 2.0]])
    s = np.array([[2.0, np.inf, 1.0], [8.0, 1.0, np.nan]])
    stats = depth.DeepStats(g, s, s, s, np.zeros(3), np.zeros(4))
    g_mid, g_lo, g_hi, s_mid, s_lo, s_hi = depth.deep_stats_summary(stats, 3)
    np.testing.assert_allclose(g_mid, [2.0, 2.0, 0.0])  # √(1·4); a 0 stays 0
    np.testing.assert_allclose(g_lo, [1.0, 1.0, 0.0])
    np.testing.assert_allclose(g_hi, [4.0, 4.0, 2.0])
    assert s_mid[0] == pytest.approx(4.0) and s_mid[1] == np.inf
    assert np.isnan(s_mid[2])  # NaN is never averaged away
    assert depth.deep_stats_summary(stats, 2)[0].shape == (2,)
    with pytest.raises(ValueError, match="depth"):
        depth.deep_stats_summary(stats, 4)


def test_clip_start_is_near_1_4_and_fixed_by_the_seed():
    w0 = depth.clip_start()
    assert w0.shape == (depth.CLIP_LAYERS,) and w0.dtype == np.float32
    np.testing.assert_allclose(w0, 1.4, rtol=0.2)
    np.testing.assert_array_equal(w0, depth.clip_start(0))
    assert not np.array_equal(w0, depth.clip_start(1))
