"""The L-layer model: hand-written backward vs jax.grad, semantics, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore as dl
from dlcore.model import MLPConfig

M = dl.model


@jax.jit
def _hand_and_auto(params, X, Y, config, key):
    AL, caches, _ = M._forward(params, X, config, key, True, None)
    hand = M._backward(AL, Y, caches, config, params)
    auto = jax.grad(lambda p: M._cost_and_state(p, X, Y, config, key, True, None)[0])(
        params
    )
    return hand, auto


@st.composite
def networks(draw):
    L = draw(st.integers(1, 4))
    output = draw(st.sampled_from(["sigmoid", "softmax", "linear"]))
    n_out = 1 if output == "sigmoid" else draw(st.integers(1, 4))
    dims = [draw(st.integers(1, 5)) for _ in range(L)] + [n_out]
    hidden = tuple(
        draw(st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid", "linear"]))
        for _ in range(L - 1)
    )
    bn = tuple(draw(st.booleans()) for _ in range(L - 1))
    drop = tuple(draw(st.booleans()) for _ in range(L - 1))
    cfg = MLPConfig(
        tuple(dims),
        hidden=hidden,
        output=output,
        batchnorm=bn,
        dropout=drop,
        keep_prob=draw(st.sampled_from([1.0, 0.8, 0.5])),
        lambd=draw(st.sampled_from([0.0, 0.1, 2.0])),
        reg=draw(st.sampled_from(["l2", "l1"])),
    )
    return cfg, draw(st.integers(2, 9)), draw(st.integers(0, 2**16))


@settings(max_examples=20)
@given(networks())
def test_hand_backward_matches_autodiff(net):
    cfg, m, seed = net
    k = jax.random.split(jax.random.key(seed), 5)
    with jax.enable_x64(True):
        params = M.init_params(k[0], cfg, "xavier", dtype=jnp.float64)
        # make γ, β non-trivial so their gradients are exercised
        for name in params:
            if name.startswith(("gamma", "beta")):
                params[name] = params[name] + 0.3 * jax.random.normal(
                    k[1], params[name].shape, jnp.float64
                )
        X = jax.random.normal(k[2], (cfg.layer_dims[0], m), jnp.float64)
        n_out = cfg.layer_dims[-1]
        if cfg.output == "softmax":
            labels = jax.random.randint(k[3], (m,), 0, n_out)
            Y = jax.nn.one_hot(labels, n_out, dtype=jnp.float64).T
        elif cfg.output == "sigmoid":
            Y = (jax.random.uniform(k[3], (1, m)) > 0.5).astype(jnp.float64)
        else:
            Y = jax.random.normal(k[3], (n_out, m), jnp.float64)
        hand, auto = _hand_and_auto(params, X, Y, cfg, k[4])
        assert set(hand) == set(params)
        for name in params:
            np.testing.assert_allclose(
                hand[name], auto[name], rtol=1e-8, atol=1e-10, err_msg=name
            )


def _toy(cfg, m=16, seed=0):
    k1, k2 = jax.random.split(jax.random.key(seed))
    X = jax.random.normal(k1, (cfg.layer_dims[0], m))
    Y = (jax.random.uniform(k2, (1, m)) > 0.5).astype(jnp.float32)
    return X, Y


def test_forward_matches_numpy_reference():
    cfg = MLPConfig((3, 4, 1), hidden="relu")
    params = M.init_params(jax.random.key(0), cfg)
    X, _ = _toy(cfg)
    AL, caches, state = M.forward(params, X, cfg)
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    x = np.asarray(X, np.float64)
    a1 = np.maximum(p["W1"] @ x + p["b1"], 0)
    ref = 1 / (1 + np.exp(-(p["W2"] @ a1 + p["b2"])))
    np.testing.assert_allclose(AL, ref, rtol=1e-5)
    assert len(caches) == 2 and state == {}


def test_dropout_only_in_training_and_same_key_same_mask():
    cfg = MLPConfig((3, 50, 1), dropout=True, keep_prob=0.5)
    params = M.init_params(jax.random.key(0), cfg)
    X, Y = _toy(cfg)
    a_eval = M.predict(params, X, cfg)
    a_eval2 = M.forward(params, X, cfg, train=False)[0]
    np.testing.assert_array_equal(a_eval, a_eval2)
    a1 = M.forward(params, X, cfg, key=jax.random.key(1))[0]
    a1b = M.forward(params, X, cfg, key=jax.random.key(1))[0]
    a2 = M.forward(params, X, cfg, key=jax.random.key(2))[0]
    np.testing.assert_array_equal(a1, a1b)
    assert not np.allclose(a1, a2)
    assert not np.allclose(a1, a_eval)
    # keep_prob = 1 with dropout on is exactly the eval network
    full = M.forward(params, X, cfg.replace(keep_prob=1.0), key=jax.random.key(1))[0]
    np.testing.assert_allclose(full, a_eval, rtol=1e-6)


def test_batchnorm_state_train_vs_eval():
    cfg = MLPConfig((3, 6, 1), batchnorm=True)
    params = M.init_params(jax.random.key(0), cfg)
    X, _ = _toy(cfg, m=64)
    X = 4.0 + 3.0 * X
    state = M.init_state(cfg)
    _, _, s1 = M.forward(params, X, cfg, state=state)
    Z1 = params["W1"] @ X
    np.testing.assert_allclose(
        s1[1].mean, 0.1 * Z1.mean(axis=1, keepdims=True), rtol=1e-5
    )
    with pytest.raises(ValueError, match="state"):
        M.forward(params, X, cfg, train=False)
    # after many identical batches the running stats converge to the batch stats,
    # so eval mode then reproduces train mode
    s = state
    for _ in range(200):
        _, _, s = M.forward(params, X, cfg, state=s)
    a_train = M.forward(params, X, cfg, state=s)[0]
    a_eval = M.predict(params, X, cfg, state=s)
    np.testing.assert_allclose(a_eval, a_train, rtol=1e-3, atol=1e-4)


def test_bias_gets_no_gradient_before_batchnorm():
    # with BN the bias is absorbed: adding b to Z changes nothing after BN
    cfg = MLPConfig((3, 6, 1), batchnorm=False)
    cfg_bn = MLPConfig((3, 6, 1), batchnorm=True)
    params = M.init_params(jax.random.key(0), cfg_bn)
    X, Y = _toy(cfg)

    def J(b1):
        # BN applied by hand after a biased dense layer
        Z = params["W1"] @ X + b1
        Zt, _, _ = dl.layers.batchnorm_forward(
            Z, params["gamma1"], params["beta1"], dl.layers.bn_init_state(6)
        )
        A1 = dl.activations.relu(Zt)
        Z2 = params["W2"] @ A1 + params["b2"]
        return dl.losses.binary_cross_entropy_from_logits(Z2, Y)

    g = jax.grad(J)(jnp.ones((6, 1)))
    assert float(jnp.abs(g).max()) < 1e-6


def test_layer_stats_vanishing_sigmoid_and_vmap_over_seeds():
    dims = (10,) + (10,) * 12 + (1,)
    cfg = MLPConfig(dims, hidden="sigmoid")
    X, Y = _toy(cfg, m=32)
    params = M.init_params(jax.random.key(0), cfg, "xavier")
    stats = M.layer_stats(params, X, Y, cfg)
    assert stats.grad_norm.shape == (13,)
    # gradients shrink toward the input layer
    assert float(stats.grad_norm[0]) < 1e-2 * float(stats.grad_norm[-1])
    keys = jax.random.split(jax.random.key(1), 3)
    many = jax.vmap(
        lambda k: M.layer_stats(M.init_params(k, cfg, "xavier"), X, Y, cfg)
    )(keys)
    assert many.grad_norm.shape == (3, 13)


def test_overflow_is_reported_not_raised():
    cfg = MLPConfig((5,) + (5,) * 40 + (1,), hidden="linear")
    X, Y = _toy(cfg)
    params = M.init_params(jax.random.key(0), cfg, "normal", scale=30.0)
    stats = M.layer_stats(params, X, Y, cfg)
    assert not bool(jnp.all(jnp.isfinite(stats.act_std)))


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(layer_dims=(3,)), ValueError, "depth L >= 1"),
        (dict(layer_dims=(3, 2, 1), keep_prob=0.0), ValueError, "keep_prob"),
        (dict(layer_dims=(3, 2, 1), keep_prob=1.2), ValueError, "keep_prob"),
        (dict(layer_dims=(3, 2, 1), lambd=-0.1), ValueError, "lambd"),
        (dict(layer_dims=(3, 2, 1), lambd=float("nan")), ValueError, "lambd"),
        (dict(layer_dims=(3, 2, 1), hidden="gelu"), ValueError, "hidden activation"),
        (dict(layer_dims=(3, 2, 2), output="sigmoid"), ValueError, "softmax"),
        (dict(layer_dims=(3, 2, 1), reg="l3"), ValueError, "reg"),
        (dict(layer_dims=(3, 2, 1), bn_momentum=1.0), ValueError, "bn_momentum"),
        (dict(layer_dims=(3, 2, 2, 1), hidden=("relu",)), ValueError, "hidden"),
    ],
)
def test_config_bad_inputs(kwargs, err, match):
    with pytest.raises(err, match=match):
        MLPConfig(**kwargs)


def test_forward_bad_inputs():
    cfg = MLPConfig((3, 4, 1), dropout=True, keep_prob=0.5)
    params = M.init_params(jax.random.key(0), cfg)
    X, Y = _toy(cfg)
    with pytest.raises(ValueError, match="n0 = 3"):
        M.forward(params, jnp.ones((2, 5)), cfg, key=jax.random.key(0))
    with pytest.raises(TypeError, match="floating"):
        M.forward(params, jnp.ones((3, 5), jnp.int32), cfg, key=jax.random.key(0))
    with pytest.raises(ValueError, match="2-D"):
        M.forward(params, jnp.ones(3), cfg, key=jax.random.key(0))
    with pytest.raises(TypeError, match="key"):
        M.forward(params, X, cfg)
    bad = dict(params, W2=jnp.ones((1, 5)))
    with pytest.raises(ValueError, match="W2"):
        M.forward(bad, X, cfg, key=jax.random.key(0))
    with pytest.raises(ValueError, match="missing 'b1'"):
        M.forward(
            {k: v for k, v in params.items() if k != "b1"},
            X,
            cfg,
            key=jax.random.key(0),
        )
    with pytest.raises(ValueError, match="Y must have shape"):
        M.loss(params, X, jnp.ones((2, 16)), cfg, key=jax.random.key(0))
