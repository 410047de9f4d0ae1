"""Tests for dlcore.live.panels.softmax (Agg backend): sweeps, compiles, figures,
and that what is drawn is what softmax, the network and the counts say.

Untimed: they count renders, compilations and figures, never milliseconds.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W
import jax.numpy as jnp
import numpy as np
import pytest
from panel_sweep import closing, moves_are_clean, random_value, sweep_values

from dlcore import model
from dlcore.activations import softmax
from dlcore.demos.softmax import hardmax
from dlcore.live.panels.softmax import digits_panel, temperature_panel


@pytest.fixture(scope="module")
def panels():
    yield from closing(
        {"temperature": temperature_panel(), "digits": digits_panel(seed=0)}
    )


@pytest.mark.parametrize("name", ["temperature", "digits"])
def test_every_control_swept_without_errors_figures_or_compiles(panels, name):
    panel = panels[name]
    rng = np.random.default_rng(0)
    with moves_are_clean(panel):
        for control, w in panel.controls.items():
            for v in sweep_values(w):
                panel.set(**{control: v})
        for _ in range(20):
            # the digits toggle changes the slider's range: set it first
            values = {k: random_value(w, rng) for k, w in panel.controls.items()}
            for k, v in values.items():
                if isinstance(panel.controls[k], W.ToggleButton):
                    panel.set(**{k: v})
            panel.set(**{k: random_value(w, rng) for k, w in panel.controls.items()
                         if not isinstance(w, W.ToggleButton)})  # fmt: skip


# --- temperature ---------------------------------------------------------------


def test_bars_are_softmax_of_z_over_T_and_boxes_the_hardmax(panels):
    panel = panels["temperature"]
    ax = panel.fig.axes[0]
    bars, hard = ax.containers[0], ax.containers[1]
    rng = np.random.default_rng(1)
    for _ in range(5):
        z = rng.uniform(-6, 6, 4).round(1)
        T = float(10 ** rng.uniform(-2, 2))
        panel.set(T=T, **{f"z{k + 1}": float(v) for k, v in enumerate(z)})
        z = np.array([panel.values[f"z{k + 1}"] for k in range(4)], np.float32)
        T = panel.values["T"]
        want = np.asarray(softmax(jnp.asarray(z) / T))
        np.testing.assert_allclose([b.get_height() for b in bars], want, atol=1e-6)
        np.testing.assert_allclose([b.get_height() for b in hard], hardmax(z))
        labels = [t.get_text() for t in ax.texts[:4]]
        assert labels == [f"{p:.3f}" for p in want]
    assert panel.errors == []


# --- digits --------------------------------------------------------------------


def test_digits_classifier_results_are_consistent(panels):
    res = panels["digits"].digits
    m_dev = res.y_dev.size
    assert m_dev == round(0.8 * 1797) - round(0.6 * 1797)
    assert res.X_dev.shape == (64, m_dev) and res.probs.shape == (10, m_dev)
    assert res.dev_accuracy > 0.9
    # the probabilities are the network's, recomputed independently
    A = np.asarray(model.predict(res.params, jnp.asarray(res.X_dev), res.config))
    np.testing.assert_allclose(res.probs, A, atol=1e-6)
    np.testing.assert_allclose(res.probs.sum(axis=0), 1.0, atol=1e-5)
    np.testing.assert_array_equal(res.pred, A.argmax(axis=0))
    cm = res.confusion
    assert cm.sum() == m_dev
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(res.y_dev, minlength=10))
    np.testing.assert_array_equal(cm.sum(axis=0), np.bincount(res.pred, minlength=10))
    assert np.trace(cm) == np.sum(res.pred == res.y_dev)
    assert np.trace(cm) / m_dev == pytest.approx(res.dev_accuracy)


def test_digits_panel_shows_the_selected_example(panels):
    panel = panels["digits"]
    res = panel.digits
    ax_img, ax_bar, ax_cm = panel.fig.axes
    box = ax_cm.patches[-1]
    panel.set(mistakes_only=False)
    for i in (0, 7, res.y_dev.size - 1):
        panel.set(example=i)
        np.testing.assert_allclose(
            ax_img.images[0].get_array(), res.X_dev[:, i].reshape(8, 8)
        )
        heights = [b.get_height() for b in ax_bar.patches]
        np.testing.assert_allclose(heights, res.probs[:, i], atol=1e-7)
        assert box.get_xy() == (res.pred[i] - 0.5, res.y_dev[i] - 0.5)
        title = ax_bar.get_title()
        assert f"dev #{i}, label {res.y_dev[i]}: ŷ = {res.pred[i]}" in title
        assert ("✓" in title) == (res.pred[i] == res.y_dev[i])
    # the confusion matrix image shows the counts (log-scaled colours)
    np.testing.assert_allclose(ax_cm.images[0].get_array(), np.log1p(res.confusion))


def test_mistakes_toggle_walks_over_the_wrong_predictions_only(panels):
    panel = panels["digits"]
    res = panel.digits
    wrong = np.flatnonzero(res.pred != res.y_dev)
    assert wrong.size > 0  # seed 0 makes a few mistakes
    panel.set(mistakes_only=True)
    slider = panel.controls["example"]
    assert (slider.min, slider.max, slider.value) == (0, wrong.size - 1, 0)
    ax_bar = panel.fig.axes[1]
    for k in range(wrong.size):
        panel.set(example=k)
        assert "✗ wrong" in ax_bar.get_title()
        assert f"dev #{wrong[k]}," in ax_bar.get_title()
    panel.set(mistakes_only=False)
    assert slider.max == res.y_dev.size - 1
    assert panel.errors == []
