"""The "use my function" switch of the EWA, optimizer and softmax panels.

A student's function that passes its checker gets a ToggleButton; switching
it on draws the student's result, which for a correct function equals an
independent oracle (a NumPy recursion, optax's Adam, the closed-form
softmax). A function with a planted bug, or the stub of the student version,
gets no toggle but a one-line note, and the demo function shows that the
bug's result really differs. Nothing is printed while a panel checks.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import time

import ipywidgets as W
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from panel_sweep import assert_sweep_is_clean, closing, moves_are_clean

from dlcore import exercises as ex
from dlcore.demos.exponentially_weighted_averages import your_average
from dlcore.demos.optimizers import SURFACES, your_adam_path
from dlcore.demos.softmax import your_tempered_softmax
from dlcore.live.panels.ewa import ewa_panel
from dlcore.live.panels.optimizers import optimizer_panel
from dlcore.live.panels.softmax import temperature_panel
from dlcore.live.yours import YourFunction

# --------------------------------------------------------------------------
# The students' functions: correct, with a planted bug, and the stub
# --------------------------------------------------------------------------


def stub(*args):
    raise NotImplementedError


def ewa_loop(theta, beta, correct=True):
    """v_t = β v_{t−1} + (1 − β) θ_t, v_0 = 0, divided by 1 − β^t, in float64."""
    v, out = 0.0, []
    for t, x in enumerate(np.asarray(theta, dtype=np.float64), start=1):
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - beta**t) if correct else v)
    return np.array(out)


def ewa_uncorrected(theta, beta):  # the planted bug: no bias correction
    return ewa_loop(theta, beta, correct=False)


def adam_update(v, s, g, t, beta1, beta2, eps):
    v = beta1 * v + (1 - beta1) * g
    s = beta2 * s + (1 - beta2) * g**2
    v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
    return v, s, v_hat / (np.sqrt(s_hat) + eps)


def adam_uncorrected(v, s, g, t, beta1, beta2, eps):  # the planted bug
    v = beta1 * v + (1 - beta1) * g
    s = beta2 * s + (1 - beta2) * g**2
    return v, s, v / (np.sqrt(s) + eps)


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def softmax_wrong_axis(Z):  # the planted bug: normalized along the examples
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------
# The switch itself
# --------------------------------------------------------------------------


def test_a_passing_function_gets_the_toggle_and_nothing_is_printed(capsys):
    before = dict(ex.RESULTS)
    mine = YourFunction(ewa_loop, ex.check_ewa, exercise="EWA", doing="to draw it")
    assert isinstance(mine.toggle, W.ToggleButton) and mine.toggle.value is False
    assert mine.toggle.description == "use my function"
    assert mine.controls == {"yours": mine.toggle} and mine.note is None
    assert mine.fn is ewa_loop and mine.result.passed
    assert capsys.readouterr().out == ""  # quiet: no checker line
    assert ex.RESULTS == before  # and no record of a check the student did not run


@pytest.mark.parametrize("fn", [stub, ewa_uncorrected], ids=["stub", "bug"])
def test_a_stub_or_a_bug_gets_a_one_line_note_instead(fn, capsys):
    mine = YourFunction(fn, ex.check_ewa, exercise="EWA", doing="to draw it here")
    assert mine.toggle is None and mine.controls == {} and mine.fn is None
    assert mine.note.value == "<i>Finish the exercise “EWA” above to draw it here.</i>"
    assert mine.result.status == ("not_done" if fn is stub else "failed")
    assert capsys.readouterr().out == ""


def test_no_function_means_no_toggle_and_no_note():
    mine = YourFunction(None, ex.check_ewa, exercise="EWA", doing="to draw it")
    assert mine.toggle is None and mine.note is None and mine.result is None


def test_quiet_check_hides_the_students_prints_too(capsys):
    def noisy_ewa(theta, beta):
        print("debugging", beta)
        return ewa_loop(theta, beta)

    result = ex.quiet_check(ex.check_ewa, noisy_ewa)
    assert result.passed and capsys.readouterr().out == ""
    loud = ex.check_ewa(noisy_ewa)  # the ordinary check still prints its line
    assert capsys.readouterr().out.endswith(loud.line + "\n")


def test_stop_after_stops_code_that_catches_exception():
    def stubborn():
        while True:
            try:
                time.sleep(0.01)
            except Exception:
                pass

    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"your loop ran longer than 0\.2 s"):
        with ex.stop_after(0.2, "loop"):
            stubborn()
    assert time.monotonic() - start < 5


# --------------------------------------------------------------------------
# EWA (notebook 07)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ewa_panels():
    yield from closing(
        {
            "good": ewa_panel(yours=ewa_loop),
            "bug": ewa_panel(yours=ewa_uncorrected),
            "stub": ewa_panel(yours=stub),
        }
    )


def _corrected_line(panel):
    return panel.fig.axes[0].get_lines()[1]  # dots, corrected, uncorrected, ...


def test_ewa_switch_draws_the_students_average(ewa_panels):
    panel = ewa_panels["good"]
    line = _corrected_line(panel)
    theta = panel.fig.axes[0].get_lines()[0].get_ydata()
    with moves_are_clean(panel, expect_blits=False):
        panel.set(beta=0.95, yours=False)
        dlcore_v = np.array(line.get_ydata(), dtype=np.float64)
        panel.set(yours=True)
        mine_v = np.array(line.get_ydata(), dtype=np.float64)
    assert line.get_label() == "your ewa(θ, β)"
    oracle = ewa_loop(theta, 0.95)
    np.testing.assert_allclose(mine_v, oracle, rtol=1e-6)
    np.testing.assert_allclose(dlcore_v, oracle, rtol=1e-4, atol=1e-3)
    panel.set(yours=False)
    assert line.get_label().startswith("corrected")


def test_ewa_bug_has_no_toggle_and_its_result_differs(ewa_panels):
    for name in ("bug", "stub"):
        panel = ewa_panels[name]
        assert "yours" not in panel.controls
        notes = [w.value for w in panel.widget.children if isinstance(w, W.HTML)]
        assert any("Finish the exercise" in n for n in notes), name
    theta = ewa_panels["bug"].fig.axes[0].get_lines()[0].get_ydata()
    wrong = your_average(ewa_uncorrected, theta, 0.9)
    gap = np.abs(wrong - ewa_loop(theta, 0.9))
    assert gap[0] > 1.0  # the start-up dip towards v_0 = 0


def test_an_error_in_the_students_code_goes_to_the_log(ewa_panels):
    panel = ewa_panels["good"]
    calls = []

    def fragile(theta, beta):
        calls.append(theta.size)
        if theta.size > 200:  # passes the checker (T <= 100), fails the panel
            raise ZeroDivisionError("boom")
        return ewa_loop(theta, beta)

    mine = YourFunction(fragile, ex.check_ewa, exercise="EWA", doing="to draw it")
    assert mine.toggle is not None
    fragile_panel = ewa_panel(yours=fragile)
    try:
        fragile_panel.set(yours=True)
        assert fragile_panel.errors and "boom" in fragile_panel.errors[-1].message
        renders = fragile_panel.renders
        fragile_panel.set(yours=False, beta=0.8)  # the panel still works
        assert fragile_panel.renders == renders + 1
    finally:
        fragile_panel.close()
    assert panel.errors == []


def test_your_average_is_time_limited_and_checks_its_result():
    def endless(theta, beta):
        while True:
            pass

    with pytest.raises(TimeoutError, match="your ewa"):
        your_average(endless, np.ones(5), 0.9, time_limit=0.2)
    with pytest.raises(ValueError, match=r"shape \(4,\), expected \(5,\)"):
        your_average(lambda th, b: np.ones(4), np.ones(5), 0.9)
    with pytest.raises(ValueError, match="beta"):
        your_average(ewa_loop, np.ones(5), 1.0)


# --------------------------------------------------------------------------
# Adam on the contour plot (notebook 08)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def opt_panels():
    yield from closing(
        {
            "good": optimizer_panel(yours=adam_update),
            "bug": optimizer_panel(yours=adam_uncorrected, grid_n=20),
            "stub": optimizer_panel(yours=stub, grid_n=20),
        }
    )


def optax_adam_path(surface, start, alpha, beta1, beta2, eps, num_steps):
    """The oracle: optax's Adam (bias-corrected, ε outside the root)."""
    opt = optax.adam(alpha, b1=beta1, b2=beta2, eps=eps)
    theta = jnp.asarray(start, jnp.float32)
    state, path = opt.init(theta), [np.asarray(theta)]
    for _ in range(num_steps):
        updates, state = opt.update(jax.grad(surface.f)(theta), state)
        theta = optax.apply_updates(theta, updates)
        path.append(np.asarray(theta))
    return np.array(path, dtype=np.float64)


@pytest.mark.parametrize("surface", ["quadratic", "beale"])
def test_your_adam_races_on_the_contours_beside_dlcores(opt_panels, surface):
    panel = opt_panels["good"]
    yours = panel.fig.axes[0].get_lines()
    dotted = [line for line in yours if line.get_linestyle() == ":"]
    assert len(dotted) == 1
    with moves_are_clean(panel, expect_blits=False):
        panel.set(surface=surface, yours=False)
        assert dotted[0].get_xydata().size == 0  # off: nothing drawn
        panel.set(yours=True, beta1=0.8, beta2=0.99)
    mine = np.asarray(dotted[0].get_xydata(), dtype=np.float64)
    v = panel.values
    oracle = optax_adam_path(
        SURFACES[surface], (v["x0"], v["y0"]), v["alpha"], 0.8, 0.99, v["eps"], 150
    )
    np.testing.assert_allclose(mine, oracle, atol=2e-3)
    assert "your adam" in panel.readout.value
    panel.set(yours=False, beta1=0.9, beta2=0.999)
    assert "your adam" not in panel.readout.value


def test_a_buggy_or_unfinished_adam_gets_no_toggle_and_races_differently(opt_panels):
    for name in ("bug", "stub"):
        panel = opt_panels[name]
        assert "yours" not in panel.controls
        notes = [w.value for w in panel.widget.children if isinstance(w, W.HTML)]
        assert any("to race your own Adam here" in n for n in notes), name
    s = SURFACES["quadratic"]
    alpha = np.full(50, 0.1, np.float32)
    good, _ = your_adam_path(adam_update, s, s.start, alpha)
    wrong, _ = your_adam_path(adam_uncorrected, s, s.start, alpha)
    oracle = optax_adam_path(s, s.start, 0.1, 0.9, 0.999, 1e-8, 50)
    np.testing.assert_allclose(good, oracle, atol=1e-4)
    assert np.abs(wrong - oracle).max() > 0.1  # the first steps are ~3× too long


def test_your_adam_path_stops_calling_after_an_overflow():
    calls = []

    def exploding(v, s, g, t, beta1, beta2, eps):
        calls.append(t)
        return v, s, np.full(2, -np.inf if t == 3 else 0.1, np.float32)

    s = SURFACES["quadratic"]
    theta, loss = your_adam_path(exploding, s, s.start, np.full(10, 0.1))
    assert calls == [1, 2, 3]
    assert np.isfinite(theta[:3]).all() and not np.isfinite(theta[3]).all()
    assert np.isnan(theta[4:]).all() and np.isnan(loss[4:]).all()
    with pytest.raises(ValueError, match=r"step of shape \(3,\)"):
        your_adam_path(lambda *a: (0, 0, np.ones(3)), s, s.start, np.ones(2))


# --------------------------------------------------------------------------
# Softmax with a temperature (notebook 11)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def softmax_panels():
    yield from closing(
        {
            "good": temperature_panel(yours=softmax),
            "bug": temperature_panel(yours=softmax_wrong_axis),
            "stub": temperature_panel(yours=stub),
        }
    )


def test_your_softmax_draws_the_bars(softmax_panels):
    panel = softmax_panels["good"]
    bars = panel.fig.axes[0].containers[0]
    with moves_are_clean(panel, expect_blits=False):
        panel.set(T=2.0, z1=3.0, z2=-1.0, z3=0.5, z4=0.0, yours=True)
    heights = np.array([b.get_height() for b in bars])
    z = np.array([3.0, -1.0, 0.5, 0.0]) / 2.0
    oracle = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(heights, oracle, rtol=1e-5)
    assert "your softmax" in panel.readout.value
    panel.set(yours=False)
    assert "your softmax" not in panel.readout.value
    np.testing.assert_allclose([b.get_height() for b in bars], oracle, rtol=1e-5)


def test_a_softmax_along_the_wrong_axis_gets_no_toggle_and_differs(softmax_panels):
    for name in ("bug", "stub"):
        panel = softmax_panels[name]
        assert "yours" not in panel.controls
        notes = [w.value for w in panel.widget.children if isinstance(w, W.HTML)]
        assert any("Stable softmax" in n for n in notes), name
    wrong = your_tempered_softmax(softmax_wrong_axis, [1.0, 2.0, 3.0], 1.0)
    np.testing.assert_array_equal(wrong, [1.0, 1.0, 1.0])  # not a distribution


# --------------------------------------------------------------------------
# Every control of the three panels, the switch included
# --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["ewa", "optimizers", "softmax"])
def test_sweeps_with_the_switch_are_clean(
    which, ewa_panels, opt_panels, softmax_panels
):
    """No error, no compile, no figure; blitted frames match full redraws."""
    panels = {"ewa": ewa_panels, "optimizers": opt_panels, "softmax": softmax_panels}
    panel = panels[which]["good"]
    assert "yours" in panel.controls
    assert_sweep_is_clean(panel, rounds=6, new_seed=which == "ewa")
