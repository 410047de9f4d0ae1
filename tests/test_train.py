"""Training: optax + an independent MLP as the oracle, no recompiles, vmap."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dlcore as dl
from dlcore.compiles import count_compiles
from dlcore.model import MLPConfig
from dlcore.train import Hyper


def _xor_data(m=64, seed=0):
    X = jax.random.uniform(jax.random.key(seed), (2, m), minval=-1, maxval=1)
    Y = ((X[0] * X[1]) > 0).astype(jnp.float32)[None, :]
    return X, Y


def _independent_cost(params, X, Y, lambd):
    """A separate tanh/sigmoid MLP cost written directly with jax.numpy."""
    A1 = jnp.tanh(params["W1"] @ X + params["b1"])
    Z2 = params["W2"] @ A1 + params["b2"]
    a = jax.nn.sigmoid(Z2)
    m = X.shape[1]
    bce = -jnp.mean(Y * jnp.log(a) + (1 - Y) * jnp.log(1 - a))
    return bce + lambd / (2 * m) * (
        jnp.sum(params["W1"] ** 2) + jnp.sum(params["W2"] ** 2)
    )


@pytest.mark.parametrize(
    "name, hp, tx",
    [
        ("gd", Hyper(learning_rate=0.5), lambda: optax.sgd(0.5)),
        (
            "momentum",
            Hyper(learning_rate=0.5, beta=0.8),
            lambda: optax.sgd(0.5 * (1 - 0.8), momentum=0.8),
        ),
        (
            "rmsprop",
            Hyper(learning_rate=0.003, beta=0.9, eps=1e-6),
            lambda: optax.rmsprop(0.003, decay=0.9, eps=1e-6, eps_in_sqrt=False),
        ),
        (
            "adam",
            Hyper(learning_rate=0.01, beta1=0.85, beta2=0.99, eps=1e-7, lambd=0.3),
            lambda: optax.adam(0.01, b1=0.85, b2=0.99, eps=1e-7),
        ),
    ],
)
def test_fit_matches_optax_on_an_independent_model(name, hp, tx):
    cfg = MLPConfig((2, 8, 1), hidden="tanh")
    with jax.enable_x64(True):
        X, Y = _xor_data()
        X = X.astype(jnp.float64)
        Y = Y.astype(jnp.float64)
        params0 = dl.model.init_params(
            jax.random.key(1), cfg, "xavier", dtype=jnp.float64
        )
        hist = dl.train.fit(
            jax.random.key(2),
            X,
            Y,
            cfg,
            hp,
            optimizer=name,
            num_steps=150,
            params=params0,
        )
        opt = tx()
        p, s = params0, opt.init(params0)
        losses = []
        for _ in range(150):
            J, g = jax.value_and_grad(_independent_cost)(p, X, Y, hp.lambd)
            losses.append(J)
            u, s = opt.update(g, s, p)
            p = optax.apply_updates(p, u)
        np.testing.assert_allclose(hist.loss, np.array(losses), rtol=1e-9, atol=1e-12)
        for k in p:
            np.testing.assert_allclose(hist.params[k], p[k], rtol=1e-8, atol=1e-10)


def test_hand_and_autodiff_training_agree_with_bn_and_dropout():
    cfg = MLPConfig((2, 8, 8, 1), batchnorm=(True, False), dropout=True)
    X, Y = _xor_data()
    hp = Hyper(learning_rate=0.02, keep_prob=0.8, lambd=0.1)
    with jax.enable_x64(True):
        X, Y = X.astype(jnp.float64), Y.astype(jnp.float64)
        p0 = dl.model.init_params(jax.random.key(0), cfg, dtype=jnp.float64)
        kw = dict(num_steps=50, params=p0, batch_size=16)
        a = dl.train.fit(jax.random.key(3), X, Y, cfg, hp, grad="autodiff", **kw)
        h = dl.train.fit(jax.random.key(3), X, Y, cfg, hp, grad="hand", **kw)
        np.testing.assert_allclose(a.loss, h.loss, rtol=1e-9)
        np.testing.assert_allclose(a.state[1].mean, h.state[1].mean, rtol=1e-9)


def test_fit_learns_and_records_metrics():
    cfg = MLPConfig((2, 16, 16, 1))
    X, Y = _xor_data(m=200)
    Xd, Yd = _xor_data(m=100, seed=1)
    hist = dl.train.fit(
        jax.random.key(0),
        X,
        Y,
        cfg,
        Hyper(learning_rate=0.02),
        num_steps=400,
        X_dev=Xd,
        Y_dev=Yd,
        eval_every=50,
    )
    assert hist.loss.shape == (400,)
    np.testing.assert_array_equal(hist.eval_steps, np.arange(50, 401, 50))
    assert float(hist.loss[-1]) < 0.5 * float(hist.loss[0])
    assert float(hist.train_acc[-1]) > 0.9 and float(hist.dev_acc[-1]) > 0.85
    # the recorded train accuracy is the eval-mode accuracy of the final params
    acc = dl.model.accuracy(dl.model.predict(hist.params, X, cfg), Y)
    assert float(hist.train_acc[-1]) == pytest.approx(float(acc))
    assert np.all(
        np.isnan(
            np.asarray(
                dl.train.fit(
                    jax.random.key(0), X, Y, cfg, num_steps=10, eval_every=5
                ).dev_acc
            )
        )
    )


def test_fit_equals_stepping_one_call_at_a_time():
    cfg = MLPConfig((2, 8, 1))
    X, Y = _xor_data()
    hp = Hyper(learning_rate=0.05)
    p0 = dl.model.init_params(jax.random.key(0), cfg)
    hist = dl.train.fit(jax.random.key(1), X, Y, cfg, hp, params=p0, num_steps=30)
    init, step = dl.train.make_train_step(cfg, "adam")
    p, s, st = p0, init(p0, hp), dl.model.init_state(cfg)
    losses = []
    for _ in range(30):
        p, s, st, J = step(p, s, st, X, Y, None, hp)
        losses.append(J)
    np.testing.assert_allclose(hist.loss, np.array(losses), rtol=2e-5)


def test_minibatches_cover_each_epoch():
    # m = 10, batch 4 -> 3 steps per epoch; with gd on a linear model and
    # lr -> tiny, check each epoch's batches together contain every example
    X = jnp.arange(10.0)[None, :]
    m, bs = 10, 4
    nb = 3
    key = jax.random.key(0)
    seen = []
    for t in range(2 * nb):
        Xb, _ = dl.train._batch(X, X, jnp.int32(t), key, bs, nb)
        seen.append(set(np.asarray(Xb[0]).astype(int)))
    for e in range(2):
        assert set().union(*seen[e * nb : (e + 1) * nb]) == set(range(m))
    assert all(len(s) == bs for s in seen)


def test_no_recompile_when_hyperparameters_change():
    cfg = MLPConfig((2, 8, 1), dropout=True)
    X, Y = _xor_data()
    init, step = dl.train.make_train_step(
        cfg, "adam", clip="norm", schedule="exponential"
    )
    p = dl.model.init_params(jax.random.key(0), cfg)
    hp0 = Hyper(keep_prob=0.9, decay_rate=0.95)
    s, st = init(p, hp0), dl.model.init_state(cfg)
    step(p, s, st, X, Y, jax.random.key(1), hp0)  # warm-up
    fit_kw = dict(num_steps=20, optimizer="momentum", schedule="inverse_time")
    dl.train.fit(jax.random.key(0), X, Y, cfg, Hyper(), **fit_kw)  # warm-up
    with count_compiles() as c:
        for i, lr in enumerate([0.001, 0.1, 0.5]):
            hp = Hyper(
                learning_rate=lr,
                lambd=0.1 * i,
                keep_prob=0.5 + 0.2 * i,
                beta1=0.8 + 0.05 * i,
                beta2=0.99,
                eps=10.0 ** -(i + 6),
                clip=0.5 + i,
                decay_rate=0.9 + 0.01 * i,
            )
            step(p, s, st, X, Y, jax.random.key(i), hp)
            dl.train.fit(
                jax.random.key(i),
                X,
                Y,
                cfg,
                hp._replace(beta=0.5 + 0.1 * i, decay_rate=0.1 * i),
                **fit_kw,
            )
    assert c.count == 0


def test_fit_many_over_seeds_and_learning_rates():
    cfg = MLPConfig((2, 8, 1))
    X, Y = _xor_data()
    keys = jax.random.split(jax.random.key(0), 3)
    lrs = jnp.array([0.001, 0.01, 0.1])
    many = dl.train.fit_many(keys, X, Y, cfg, Hyper(learning_rate=lrs), num_steps=40)
    assert many.loss.shape == (3, 40)
    for i in range(3):
        one = dl.train.fit(
            keys[i], X, Y, cfg, Hyper(learning_rate=float(lrs[i])), num_steps=40
        )
        np.testing.assert_allclose(many.loss[i], one.loss, rtol=1e-5)
    with pytest.raises(ValueError, match="learning_rate"):
        dl.train.fit_many(keys, X, Y, cfg, Hyper(learning_rate=jnp.ones(2)))


@pytest.mark.parametrize(
    "kw, err, match",
    [
        (dict(num_steps=0), ValueError, "num_steps"),
        (dict(batch_size=65), ValueError, "batch_size"),
        (dict(optimizer="adagrad"), ValueError, "optimizer"),
        (dict(clip="both"), ValueError, "clip"),
        (dict(schedule="cosine"), ValueError, "schedule"),
        (dict(hp=Hyper(learning_rate=-1.0)), ValueError, "learning_rate"),
        (dict(hp=Hyper(keep_prob=0.0)), ValueError, "keep_prob"),
        (dict(hp=Hyper(beta1=1.0)), ValueError, "beta1"),
        (dict(hp=Hyper(learning_rate=float("nan"))), ValueError, "learning_rate"),
        (dict(schedule="exponential", hp=Hyper(decay_rate=0.0)), ValueError, "base"),
        (dict(eval_every=0), ValueError, "eval_every"),
    ],
)
def test_fit_bad_inputs(kw, err, match):
    cfg = MLPConfig((2, 4, 1))
    X, Y = _xor_data()
    hp = kw.pop("hp", Hyper())
    with pytest.raises(err, match=match):
        dl.train.fit(
            jax.random.key(0), X, Y, cfg, hp, num_steps=kw.pop("num_steps", 5), **kw
        )
