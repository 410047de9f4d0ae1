"""Tests for dlcore.optim.

The oracles are optax (configured to the notes' conventions) and, where optax
has no equivalent, a float64 NumPy loop written here. Comparisons run in
float64 over 100 steps on random pytrees with random gradients.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlcore import optim, schedules

N_STEPS = 100
RTOL = 1e-12

# Every distinct pytree costs a compilation (~1 s on a busy machine), so the
# main tree mixes nesting (dict, list) and ranks 0, 2, 3; Adam and RMSprop
# also run on a second, flat tree with ranks 1 and 2.
SHAPE_SETS = (
    {"layer1": {"W": (3, 4), "b": (3, 1)}, "extra": [(2, 3, 2), ()]},
    {"W": (1, 5), "b": (1,)},
)

lrs = st.floats(1e-4, 1.0)
betas = st.floats(0.0, 0.999)
epss = st.sampled_from([1e-8, 1e-4, 0.1])
shape_sets = st.integers(0, len(SHAPE_SETS) - 1)
seeds = st.integers(0, 2**32 - 1)


def _is_shape(x):
    return isinstance(x, tuple)


def _random_problem(shape_set, seed, n_steps=N_STEPS):
    """float64 params and a sequence of gradients (leading axis = step).

    The gradients change scale from step to step (1e-3 .. 1e2) and contain
    some exact zeros, so that ε, clipping and both branches of min() matter.
    """
    rng = np.random.default_rng(seed)
    shapes = SHAPE_SETS[shape_set]
    params = jax.tree.map(lambda s: rng.standard_normal(s), shapes, is_leaf=_is_shape)

    def grad_seq(shape):
        g = rng.standard_normal((n_steps, *shape))
        g *= 10.0 ** rng.uniform(-3, 2, size=(n_steps,) + (1,) * len(shape))
        g[rng.random(g.shape) < 0.1] = 0.0
        return g

    grads = jax.tree.map(grad_seq, shapes, is_leaf=_is_shape)
    return params, grads


@functools.partial(jax.jit, static_argnums=0)
def _run_both(make_pair, hparams, params, grad_seq):
    """Run (ours, reference) = make_pair(*hparams) on the same gradients.

    The hyperparameters are traced, as they are when a notebook slider drives
    them. Returns the final params and the stacked updates of both.
    """
    ours, ref = make_pair(*hparams)

    def step(carry, grads):
        p_ours, s_ours, p_ref, s_ref = carry
        u_ours, s_ours = ours.update(grads, s_ours, p_ours)
        u_ref, s_ref = ref.update(grads, s_ref, p_ref)
        p_ours = optim.apply_updates(p_ours, u_ours)
        p_ref = optax.apply_updates(p_ref, u_ref)
        return (p_ours, s_ours, p_ref, s_ref), (u_ours, u_ref)

    carry = (params, ours.init(params), params, ref.init(params))
    (p_ours, _, p_ref, _), (u_ours, u_ref) = jax.lax.scan(step, carry, grad_seq)
    return p_ours, p_ref, u_ours, u_ref


def _assert_close(actual, expected, rtol=RTOL, step_axis=False):
    """|actual − expected| <= rtol·(|expected| + size of the leaf).

    The size of a leaf is its largest |entry| (at each step if ``step_axis``):
    an entry that cancels to ~0 can't be compared with a purely relative
    tolerance.
    """
    assert jax.tree.structure(actual) == jax.tree.structure(expected)
    for a, e in zip(jax.tree.leaves(actual), jax.tree.leaves(expected), strict=True):
        a, e = np.asarray(a), np.asarray(e)
        assert a.shape == e.shape
        axes = tuple(range(1, e.ndim)) if step_axis else None
        scale = np.max(np.abs(e), axis=axes, keepdims=True)
        assert np.all(np.abs(a - e) <= rtol * (np.abs(e) + scale)), np.max(
            np.abs(a - e) / (np.abs(e) + scale)
        )


def _check_against_reference(make_pair, hparams, shape_set, seed):
    with jax.enable_x64(True):
        params, grads = _random_problem(shape_set, seed)
        hparams = tuple(jnp.float64(h) for h in hparams)
        p_ours, p_ref, u_ours, u_ref = _run_both(make_pair, hparams, params, grads)
        assert all(x.dtype == jnp.float64 for x in jax.tree.leaves(p_ours))
        _assert_close(u_ours, u_ref, step_axis=True)
        _assert_close(p_ours, p_ref)


# -- optimizers vs optax ----------------------------------------------------


def _gd_vs_sgd(lr):
    return optim.gd(lr), optax.sgd(lr)


def _momentum_vs_ema(lr, beta):
    ref = optax.chain(optax.ema(beta, debias=False), optax.scale(-lr))
    return optim.momentum(lr, beta), ref


def _momentum_vs_heavy_ball(lr, beta):
    return optim.momentum(lr, beta), optax.sgd(lr * (1 - beta), momentum=beta)


def _rmsprop_vs_optax(lr, beta, eps):
    ref = optax.rmsprop(lr, decay=beta, eps=eps, eps_in_sqrt=False)
    return optim.rmsprop(lr, beta, eps), ref


def _adam_vs_optax(lr, beta1, beta2, eps):
    ref = optax.adam(lr, b1=beta1, b2=beta2, eps=eps)
    return optim.adam(lr, beta1, beta2, eps), ref


def _clip_by_value_vs_optax(c):
    return optim.clip_by_value(c), optax.clip(c)


def _clip_by_global_norm_vs_optax(max_norm):
    return optim.clip_by_global_norm(max_norm), optax.clip_by_global_norm(max_norm)


def _chain_vs_optax(max_norm, c, lr):
    ours = optim.chain(
        optim.clip_by_value(c), optim.clip_by_global_norm(max_norm), optim.adam(lr)
    )
    ref = optax.chain(
        optax.clip(c), optax.clip_by_global_norm(max_norm), optax.adam(lr)
    )
    return ours, ref


@given(lrs, seeds)
def test_gd_matches_optax_sgd(lr, seed):
    _check_against_reference(_gd_vs_sgd, (lr,), 0, seed)


def test_sgd_is_gd():
    grads = {"W": jnp.array([[1.0, -2.0]]), "b": jnp.array([0.5])}
    for opt in (optim.gd(0.1), optim.sgd(0.1)):
        updates, state = opt.update(grads, opt.init(grads))
        np.testing.assert_allclose(updates["W"], [[-0.1, 0.2]], rtol=1e-6)
        np.testing.assert_allclose(updates["b"], [-0.05], rtol=1e-6)
        assert int(state.count) == 1


@given(lrs, betas, seeds)
def test_momentum_matches_optax_ema(lr, beta, seed):
    _check_against_reference(_momentum_vs_ema, (lr, beta), 0, seed)


@given(lrs, betas, seeds)
def test_momentum_matches_optax_sgd_with_rescaled_learning_rate(lr, beta, seed):
    # v_optax = β v_optax + g equals v / (1 − β), hence the learning rate α(1 − β)
    _check_against_reference(_momentum_vs_heavy_ball, (lr, beta), 0, seed)


@given(lrs, betas, epss, shape_sets, seeds)
def test_rmsprop_matches_optax_with_eps_outside_sqrt(lr, beta, eps, shape_set, seed):
    _check_against_reference(_rmsprop_vs_optax, (lr, beta, eps), shape_set, seed)


@given(lrs, betas, st.floats(0.0, 0.9999), epss, shape_sets, seeds)
def test_adam_matches_optax(lr, beta1, beta2, eps, shape_set, seed):
    hparams = (lr, beta1, beta2, eps)
    _check_against_reference(_adam_vs_optax, hparams, shape_set, seed)


@given(st.floats(1e-3, 10.0), seeds)
def test_clip_by_value_matches_optax(c, seed):
    _check_against_reference(_clip_by_value_vs_optax, (c,), 0, seed)


@given(st.floats(1e-2, 100.0), seeds)
def test_clip_by_global_norm_matches_optax(max_norm, seed):
    _check_against_reference(_clip_by_global_norm_vs_optax, (max_norm,), 0, seed)


@given(st.floats(1e-2, 100.0), st.floats(1e-2, 10.0), lrs, seeds)
def test_chain_matches_optax_chain(max_norm, c, lr, seed):
    _check_against_reference(_chain_vs_optax, (max_norm, c, lr), 0, seed)


# -- schedules as learning rates --------------------------------------------


def _momentum_exponential(alpha0, rate):
    schedule = schedules.make_schedule("exponential", alpha0, rate, steps_per_epoch=7)
    ref = optax.chain(
        optax.ema(0.9, debias=False), optax.scale_by_learning_rate(schedule)
    )
    return optim.momentum(schedule, 0.9), ref


def _adam_inverse_time(alpha0, rate):
    schedule = schedules.make_schedule("inverse_time", alpha0, rate, steps_per_epoch=4)
    return optim.adam(schedule), optax.adam(schedule)


@pytest.mark.parametrize("make_pair", [_momentum_exponential, _adam_inverse_time])
@given(alpha0=lrs, rate=st.floats(0.5, 1.0), seed=seeds)
def test_schedule_driven_optimizers_match_optax(make_pair, alpha0, rate, seed):
    _check_against_reference(make_pair, (alpha0, rate), 0, seed)


def test_schedule_is_called_with_the_count_before_the_update():
    seen = []

    def schedule(count):
        seen.append(int(count))
        return 0.1

    opt = optim.momentum(schedule)
    params = {"w": jnp.ones(2)}
    state = opt.init(params)
    for _ in range(3):
        _, state = opt.update(params, state)
    assert seen == [0, 1, 2]
    assert int(state.count) == 3


# -- Adam without bias correction vs NumPy -----------------------------------


def _numpy_adam_without_bias_correction(params, grads, lr, beta1, beta2, eps):
    """Independent float64 loop over the leaves: v, s EWAs, no correction."""
    params = [np.array(p, dtype=np.float64) for p in jax.tree.leaves(params)]
    grads = [np.asarray(g, dtype=np.float64) for g in jax.tree.leaves(grads)]
    v = [np.zeros_like(p) for p in params]
    s = [np.zeros_like(p) for p in params]
    for t in range(grads[0].shape[0]):
        for i, p in enumerate(params):
            g = grads[i][t]
            v[i] = beta1 * v[i] + (1 - beta1) * g
            s[i] = beta2 * s[i] + (1 - beta2) * g * g
            p -= lr * v[i] / (np.sqrt(s[i]) + eps)
    return params


@jax.jit
def _run_adam_without_bias_correction(hparams, params, grads):
    opt = optim.adam(*hparams, bias_correction=False)

    def step(carry, g):
        p, state = carry
        updates, state = opt.update(g, state, p)
        return (optim.apply_updates(p, updates), state), None

    (params, state), _ = jax.lax.scan(step, (params, opt.init(params)), grads)
    return params, state.count


@given(lrs, betas, st.floats(0.0, 0.9999), epss, seeds)
def test_adam_without_bias_correction_matches_numpy(lr, beta1, beta2, eps, seed):
    with jax.enable_x64(True):
        params, grads = _random_problem(0, seed)
        expected = _numpy_adam_without_bias_correction(
            params, grads, lr, beta1, beta2, eps
        )
        hparams = tuple(jnp.float64(h) for h in (lr, beta1, beta2, eps))
        actual, count = _run_adam_without_bias_correction(hparams, params, grads)
        assert int(count) == N_STEPS
        _assert_close(jax.tree.leaves(actual), expected)


# -- Adam's first step --------------------------------------------------------


@pytest.mark.parametrize(("beta1", "beta2"), [(0.9, 0.999), (0.5, 0.9), (0.0, 0.0)])
@pytest.mark.parametrize("eps", [1e-8, 1e-3])
def test_adam_first_step_closed_form(beta1, beta2, eps):
    with jax.enable_x64(True):
        g = np.array([[0.5, -2.0, 1e-9], [-3e-8, 0.0, 7.0]])
        params = {"w": jnp.zeros_like(g)}
        lr = 0.01

        opt = optim.adam(lr, beta1, beta2, eps)
        updates, state = opt.update({"w": g}, opt.init(params))
        # v̂ = g and ŝ = g² at t = 1
        np.testing.assert_allclose(
            updates["w"], -lr * g / (np.abs(g) + eps), rtol=1e-14, atol=0
        )
        assert int(state.count) == 1

        opt = optim.adam(lr, beta1, beta2, eps, bias_correction=False)
        updates, _ = opt.update({"w": g}, opt.init(params))
        # v = (1 − β1) g and s = (1 − β2) g²
        expected = -lr * (1 - beta1) * g / (np.sqrt(1 - beta2) * np.abs(g) + eps)
        np.testing.assert_allclose(updates["w"], expected, rtol=1e-14, atol=0)


def test_adam_first_step_is_smaller_without_bias_correction():
    g = {"w": jnp.array([1.0, -2.0])}
    with_bc = optim.adam(0.1)
    without = optim.adam(0.1, bias_correction=False)
    u_with, _ = with_bc.update(g, with_bc.init(g))
    u_without, _ = without.update(g, without.init(g))
    ratio = np.asarray(u_without["w"]) / np.asarray(u_with["w"])
    np.testing.assert_allclose(ratio, (1 - 0.9) / math.sqrt(1 - 0.999), rtol=1e-5)


def test_zero_eps_with_zero_gradient_gives_nan_as_documented():
    g = {"w": jnp.array([0.0, 1.0])}
    for opt in (optim.rmsprop(0.1, eps=0.0), optim.adam(0.1, eps=0.0)):
        updates, _ = opt.update(g, opt.init(g))
        assert np.isnan(updates["w"][0])
        assert np.isfinite(updates["w"][1])


# -- clipping -----------------------------------------------------------------


def test_global_norm_is_the_norm_of_all_entries():
    tree = {"a": jnp.array([[3.0, 0.0]]), "b": [jnp.array(4.0), jnp.zeros((2, 2))]}
    assert float(optim.global_norm(tree)) == pytest.approx(5.0)


def test_clip_by_global_norm_keeps_direction_and_handles_zero():
    grads = {"a": jnp.array([3.0, 0.0]), "b": jnp.array([[4.0]])}
    clipped = optim.clip_grads_by_global_norm(grads, 1.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(clipped["b"], [[0.8]], rtol=1e-6)
    small = optim.clip_grads_by_global_norm(grads, 10.0)
    np.testing.assert_array_equal(small["a"], grads["a"])  # untouched, bit for bit

    zeros = jax.tree.map(jnp.zeros_like, grads)
    clipped, _ = optim.clip_by_global_norm(1.0).update(zeros, optim.EmptyState())
    for leaf in jax.tree.leaves(clipped):
        np.testing.assert_array_equal(leaf, 0.0)


def test_clip_by_value():
    grads = {"a": jnp.array([-3.0, 0.5, 2.0])}
    np.testing.assert_array_equal(
        optim.clip_grads_by_value(grads, 1.0)["a"], [-1.0, 0.5, 1.0]
    )


# -- jit: no recompilation, dtypes --------------------------------------------

BUILDERS = {
    "momentum": lambda lr, beta: optim.momentum(lr, beta),
    "rmsprop": lambda lr, beta: optim.rmsprop(lr, beta),
    "adam": lambda lr, beta: optim.adam(lr, beta1=beta, beta2=beta),
    "adam_schedule_no_bc": lambda lr, beta: optim.adam(
        schedules.exponential_decay(lr, beta, steps_per_epoch=3),
        bias_correction=False,
    ),
    "clipped_gd": lambda lr, beta: optim.chain(
        optim.clip_by_value(beta + 0.05),
        optim.clip_by_global_norm(beta + 0.1),
        optim.gd(lr),
    ),
}

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


def _opt_states(state):
    """The optimizer states inside a (possibly chained) state."""
    if isinstance(state, optim.EmptyState):
        return []
    if isinstance(state, tuple) and not hasattr(state, "_fields"):
        return [s for sub in state for s in _opt_states(sub)]
    return [state]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_changing_hyperparameters_does_not_recompile(name):
    """A jitted step builds the optimizer from traced lr/beta (slider values).

    Params are float32 while the hyperparameters are float64 scalars: the
    state must keep its dtypes, or feeding it back in would recompile too.
    """
    build = BUILDERS[name]

    @jax.jit
    def step(params, state, grads, lr, beta):
        updates, state = build(lr, beta).update(grads, state, params)
        return optim.apply_updates(params, updates), state, updates

    compiles = []

    def listener(event, duration_secs, **kwargs):
        if event == COMPILE_EVENT:
            compiles.append(event)

    with jax.enable_x64(True):
        params = {"W1": jnp.ones((3, 4), jnp.float32), "b1": jnp.zeros(3, jnp.float32)}
        grads = {"W1": jnp.full((3, 4), 0.3, jnp.float32), "b1": jnp.full(3, -0.2)}
        grads = jax.tree.map(lambda g: g.astype(jnp.float32), grads)
        state = build(0.1, 0.9).init(params)
        values = [(0.2, 0.5), (0.05, 0.0), (1.0, 0.99), (0.3, 0.9)]
        values = [(np.float64(lr), np.float64(beta)) for lr, beta in values]

        jax.monitoring.register_event_duration_secs_listener(listener)
        try:
            params, state, _ = step(
                params, state, grads, np.float64(0.1), np.float64(0.9)
            )
            assert compiles, "the listener saw no compilation at all"
            n_first = len(compiles)
            for lr, beta in values:
                params, state, updates = step(params, state, grads, lr, beta)
            assert len(compiles) == n_first
        finally:
            jax.monitoring.unregister_event_duration_listener(listener)

        # the traced learning rate is really used: the step is proportional to α
        _, _, u1 = step(params, state, grads, np.float64(0.1), np.float64(0.8))
        _, _, u2 = step(params, state, grads, np.float64(0.2), np.float64(0.8))

    for a, b in zip(jax.tree.leaves(u1), jax.tree.leaves(u2), strict=True):
        np.testing.assert_allclose(2 * np.asarray(a), b, rtol=1e-6)
    for leaf in jax.tree.leaves((params, updates)):
        assert leaf.dtype == jnp.float32
    for opt_state in _opt_states(state):
        assert opt_state.count.dtype == jnp.int32
        assert int(opt_state.count) == 5
        for leaf in jax.tree.leaves(opt_state[1:]):
            assert leaf.dtype == jnp.float32


def test_states_start_at_zero():
    params = {"W": jnp.ones((2, 3)), "b": jnp.ones((2, 1))}
    state = optim.adam(0.1).init(params)
    assert isinstance(state, optim.AdamState)
    assert state.count.dtype == jnp.int32 and int(state.count) == 0
    for leaf in jax.tree.leaves((state.v, state.s)):
        np.testing.assert_array_equal(leaf, 0.0)
    assert isinstance(optim.gd(0.1).init(params), optim.ScaleState)
    assert isinstance(optim.momentum(0.1).init(params), optim.MomentumState)
    assert isinstance(optim.rmsprop(0.1).init(params), optim.RMSPropState)


def test_apply_updates_keeps_param_dtype():
    params = {"w": jnp.ones(3, jnp.bfloat16)}
    updates = {"w": jnp.full(3, 0.5, jnp.float32)}
    assert optim.apply_updates(params, updates)["w"].dtype == jnp.bfloat16


# -- bad inputs ---------------------------------------------------------------

GRADS = {"w": jnp.ones(2)}


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: optim.momentum(0.1, beta=1.0), ValueError, "beta"),
        (lambda: optim.momentum(0.1, beta=-0.1), ValueError, "beta"),
        (lambda: optim.rmsprop(0.1, beta=1.0), ValueError, "beta"),
        (lambda: optim.adam(0.1, beta1=1.0), ValueError, "beta1"),
        (lambda: optim.adam(0.1, beta2=1.2), ValueError, "beta2"),
        (lambda: optim.gd(float("nan")), ValueError, "learning_rate"),
        (lambda: optim.sgd(-0.1), ValueError, "learning_rate"),
        (lambda: optim.gd(0.0), ValueError, "learning_rate"),
        (lambda: optim.adam(math.inf), ValueError, "learning_rate"),
        (lambda: optim.momentum({"lr": 0.1}), TypeError, "learning_rate"),
        (lambda: optim.rmsprop(0.1, eps=-1e-8), ValueError, "eps"),
        (lambda: optim.adam(0.1, eps=-1.0), ValueError, "eps"),
        (lambda: optim.adam(0.1, bias_correction=1), TypeError, "bias_correction"),
        (lambda: optim.clip_by_value(0.0), ValueError, "clip_value"),
        (lambda: optim.clip_by_global_norm(0), ValueError, "max_norm"),
        (lambda: optim.clip_by_global_norm(-1.0), ValueError, "max_norm"),
        (lambda: optim.clip_grads_by_value(GRADS, -1.0), ValueError, "clip_value"),
        (lambda: optim.clip_grads_by_global_norm(GRADS, 0.0), ValueError, "max_norm"),
        (lambda: optim.chain(optim.gd(0.1), "adam"), TypeError, "transforms"),
    ],
)
def test_bad_inputs_raise_naming_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_error_message_gives_the_allowed_range():
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1\.2"):
        optim.momentum(0.1, beta=1.2)
