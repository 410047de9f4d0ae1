"""Tests for dlcore.schedules: closed forms written here with NumPy, optax."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlcore import schedules

STEPS = np.arange(600)

# The notes' formulas, with 0-based epochs e = step // steps_per_epoch.
# "rate" is the knob of make_schedule; every value in (0, 1] is valid for all.
CLOSED_FORMS = {
    "constant": lambda a0, rate, e: np.full(e.shape, a0),
    "inverse_time": lambda a0, rate, e: a0 / (1 + rate * e),
    "exponential": lambda a0, rate, e: rate**e * a0,
    # the notes: k / √epoch · α0 with epochs counted from 1
    "inverse_sqrt": lambda a0, rate, e: rate / np.sqrt(e + 1.0) * a0,
    "staircase": lambda a0, rate, e: a0 * rate ** np.floor(e / 10),
}

# The same schedules built by calling the factories with keywords.
FACTORIES = {
    "constant": lambda a0, rate, spe: schedules.constant(a0),
    "inverse_time": lambda a0, rate, spe: schedules.inverse_time_decay(
        a0, decay_rate=rate, steps_per_epoch=spe
    ),
    "exponential": lambda a0, rate, spe: schedules.exponential_decay(
        a0, base=rate, steps_per_epoch=spe
    ),
    "inverse_sqrt": lambda a0, rate, spe: schedules.inverse_sqrt_decay(
        a0, k=rate, steps_per_epoch=spe
    ),
    "staircase": lambda a0, rate, spe: schedules.staircase_decay(
        a0, drop=rate, epochs_per_drop=10, steps_per_epoch=spe
    ),
}

NAMES = sorted(CLOSED_FORMS)


def test_the_registry_lists_every_schedule():
    assert sorted(schedules.SCHEDULES) == NAMES


@pytest.mark.parametrize("name", NAMES)
@given(
    alpha0=st.floats(1e-4, 10.0),
    rate=st.floats(0.01, 1.0),
    steps_per_epoch=st.integers(1, 20),
)
def test_schedules_match_closed_forms(name, alpha0, rate, steps_per_epoch):
    epochs = STEPS // steps_per_epoch
    expected = CLOSED_FORMS[name](alpha0, rate, epochs)
    with jax.enable_x64(True):
        built = [
            FACTORIES[name](alpha0, rate, steps_per_epoch),
            schedules.make_schedule(name, alpha0, rate, steps_per_epoch),
        ]
        for schedule in built:
            # atol: XLA on CPU flushes subnormals (rate**600 ~ 1e-309) to 0
            np.testing.assert_allclose(
                schedule(jnp.asarray(STEPS)), expected, rtol=1e-14, atol=1e-300
            )
            for step in (0, 1, 37, 599):  # plain Python ints
                assert float(schedule(step)) == pytest.approx(expected[step], rel=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_float32_values(name):
    schedule = schedules.make_schedule(name, 0.3, 0.9, steps_per_epoch=3)
    values = schedule(jnp.arange(100))
    assert values.dtype == jnp.float32
    expected = CLOSED_FORMS[name](0.3, 0.9, np.arange(100) // 3)
    np.testing.assert_allclose(values, expected, rtol=1e-5)


def test_staircase_boundaries():
    schedule = schedules.staircase_decay(0.75, drop=0.5, epochs_per_drop=10)
    values = {step: float(schedule(step)) for step in (0, 9, 10, 19, 20, 29)}
    assert values == {0: 0.75, 9: 0.75, 10: 0.375, 19: 0.375, 20: 0.1875, 29: 0.1875}

    schedule = schedules.staircase_decay(
        0.75, drop=0.5, epochs_per_drop=2, steps_per_epoch=3
    )
    # epochs 0-1 are steps 0-5, epochs 2-3 are steps 6-11
    values = [float(schedule(step)) for step in range(13)]
    assert values == [0.75] * 6 + [0.375] * 6 + [0.1875]


def test_steps_per_epoch_decays_once_per_epoch_from_alpha0():
    schedule = schedules.exponential_decay(1.0, base=0.5, steps_per_epoch=4)
    values = [float(schedule(step)) for step in range(9)]
    assert values == [1.0] * 4 + [0.5] * 4 + [0.25]

    schedule = schedules.inverse_time_decay(1.0, decay_rate=1.0, steps_per_epoch=2)
    values = [float(schedule(step)) for step in range(6)]
    assert values == pytest.approx([1.0, 1.0, 0.5, 0.5, 1 / 3, 1 / 3])


def test_inverse_sqrt_matches_the_notes_one_based_epochs():
    # notes: α = k / √epoch · α0 for epoch = 1, 2, 3, ...
    schedule = schedules.inverse_sqrt_decay(0.2, k=0.5)
    for epoch_from_1 in range(1, 50):
        expected = 0.5 / math.sqrt(epoch_from_1) * 0.2
        assert float(schedule(epoch_from_1 - 1)) == pytest.approx(expected, rel=1e-6)


@given(
    alpha0=st.floats(1e-4, 10.0),
    base=st.floats(0.01, 1.0),
    steps_per_epoch=st.integers(1, 20),
)
def test_exponential_matches_optax_staircase_exponential_decay(
    alpha0, base, steps_per_epoch
):
    with jax.enable_x64(True):
        ours = schedules.exponential_decay(alpha0, base, steps_per_epoch)
        ref = optax.exponential_decay(
            alpha0, transition_steps=steps_per_epoch, decay_rate=base, staircase=True
        )
        steps = jnp.asarray(STEPS)
        np.testing.assert_allclose(ours(steps), ref(steps), rtol=1e-12)


@pytest.mark.parametrize(
    "schedule",
    [
        schedules.inverse_time_decay(0.1, decay_rate=0.0),
        schedules.exponential_decay(0.1, base=1.0),
        schedules.staircase_decay(0.1, drop=1.0),
        schedules.make_schedule("constant", 0.1, rate=-5.0),  # rate is ignored
    ],
)
def test_no_decay_settings_give_a_constant(schedule):
    np.testing.assert_allclose(schedule(jnp.arange(100)), 0.1, rtol=1e-6)


def test_scalar_and_array_steps():
    for name in NAMES:
        schedule = schedules.make_schedule(name, 0.1, 0.5)
        assert jnp.shape(schedule(3)) == ()
        assert jnp.shape(schedule(jnp.arange(7).reshape(7, 1))) == (7, 1)


COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


@pytest.mark.parametrize("name", NAMES)
def test_traced_step_and_hyperparameters_under_jit(name):
    @jax.jit
    def learning_rate(step, alpha0, rate):
        return schedules.make_schedule(name, alpha0, rate, steps_per_epoch=3)(step)

    compiles = []

    def listener(event, duration_secs, **kwargs):
        if event == COMPILE_EVENT:
            compiles.append(event)

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        got = [float(learning_rate(0, 0.5, 0.9))]
        n_first = len(compiles)
        cases = [(7, 0.5, 0.9), (40, 0.2, 0.5), (299, 1.0, 0.99)]
        got += [float(learning_rate(*case)) for case in cases]
        assert len(compiles) == n_first
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)

    for (step, alpha0, rate), value in zip([(0, 0.5, 0.9), *cases], got, strict=True):
        expected = CLOSED_FORMS[name](alpha0, rate, np.array(step // 3))
        assert value == pytest.approx(float(expected), rel=1e-6)


def test_schedule_of_traced_step_inside_a_scan():
    schedule = schedules.staircase_decay(1.0, drop=0.5, epochs_per_drop=2)

    def body(total, step):
        return total + schedule(step), None

    total, _ = jax.lax.scan(body, 0.0, jnp.arange(6))
    assert float(total) == pytest.approx(1 + 1 + 0.5 + 0.5 + 0.25 + 0.25)


# -- bad inputs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: schedules.constant(0.0), ValueError, "alpha0"),
        (lambda: schedules.constant(float("nan")), ValueError, "alpha0"),
        (lambda: schedules.inverse_time_decay(-0.1, 1.0), ValueError, "alpha0"),
        (lambda: schedules.inverse_time_decay(0.1, -1.0), ValueError, "decay_rate"),
        (lambda: schedules.exponential_decay(0.1, base=0.0), ValueError, "base"),
        (lambda: schedules.exponential_decay(0.1, base=1.5), ValueError, "base"),
        (lambda: schedules.inverse_sqrt_decay(0.1, k=0.0), ValueError, "k"),
        (lambda: schedules.staircase_decay(0.1, drop=0.0), ValueError, "drop"),
        (lambda: schedules.staircase_decay(0.1, drop=1.1), ValueError, "drop"),
        (
            lambda: schedules.staircase_decay(0.1, epochs_per_drop=0),
            ValueError,
            "epochs_per_drop",
        ),
        (
            lambda: schedules.exponential_decay(0.1, steps_per_epoch=0),
            ValueError,
            "steps_per_epoch",
        ),
        (
            lambda: schedules.inverse_time_decay(0.1, 1.0, steps_per_epoch=2.5),
            TypeError,
            "steps_per_epoch",
        ),
        (
            lambda: schedules.make_schedule("constant", 0.1, 1.0, steps_per_epoch=0),
            ValueError,
            "steps_per_epoch",
        ),
        (lambda: schedules.make_schedule("exponential", 0.1, 1.2), ValueError, "base"),
        (lambda: schedules.make_schedule("staircase", 0.1, 0.0), ValueError, "drop"),
        (lambda: schedules.make_schedule("inverse_sqrt", 0.1, -1.0), ValueError, "k"),
        (lambda: schedules.constant(0.1)(-1), ValueError, "step"),
        (lambda: schedules.exponential_decay(0.1)(-3), ValueError, "step"),
    ],
)
def test_bad_inputs_raise_naming_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_unknown_schedule_name_lists_the_choices():
    with pytest.raises(ValueError, match="name") as info:
        schedules.make_schedule("cosine", 0.1, 0.5)
    for name in NAMES:
        assert name in str(info.value)
