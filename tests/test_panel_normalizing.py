"""Tests for dlcore.live.panels.normalizing (Agg backend): the sweep, and that what
is drawn is gradient descent as an independent float64 NumPy loop computes it
(the loop and the numeric tests: tests/test_demos_normalizing_inputs.py).

Untimed: they count renders, compilations and figures, never milliseconds.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")


import jax
import numpy as np
import pytest
from panel_sweep import assert_sweep_is_clean
from test_demos_normalizing_inputs import reference

from dlcore.demos.normalizing_inputs import (
    LEVELS,
    NUM_STEPS,
    START,
    descend,
    make_data,
)
from dlcore.live.panels.normalizing import normalizing_panel

KEY = jax.random.key(0)


@pytest.fixture(scope="module")
def panel():
    p = normalizing_panel()
    yield p
    p.close()


# --- the sweep ------------------------------------------------------------------


def test_every_control_swept_without_errors_figures_or_compiles(panel):
    assert_sweep_is_clean(panel)


def test_a_ratio_move_blits_and_a_rule_change_redraws(panel):
    panel.set(rule="best", ratio=5.0)
    blits = panel.blits
    panel.set(ratio=50.0)
    assert panel.blits == blits + 1
    panel.set(rule="safe")
    assert panel.blits == blits + 1  # the normalized artists changed: full draw
    panel.set(rule="best")


# --- the drawn paths are plain float64 gradient descent --------------------------


def test_shared_alpha_diverges_on_raw_features_and_is_marked(panel):
    res = jax.tree.map(np.asarray, descend(KEY, 3.0, "shared"))
    _, alphas, lam, runs = reference(res, "shared")
    raw_factor = abs(1 - alphas[0] * lam[0][1])
    assert raw_factor > 1  # |1 − α λ_max| > 1: the steep error grows
    d64 = runs[0][0]
    early = np.all(np.isfinite(d64), axis=1) & (np.abs(d64).max(axis=1) < 1e6)
    np.testing.assert_allclose(res.path[0][early], d64[early], rtol=1e-3, atol=1e-3)
    assert not np.isfinite(res.path[0][-1]).all()  # float32 overflowed
    assert res.steps[0] == NUM_STEPS + 1
    # the normalized run is unaffected and converges
    np.testing.assert_allclose(res.path[1], runs[1][0], atol=1e-4)
    assert res.steps[1] <= 10
    # drawn: a red ✕, a label naming the overflow, and "diverges" in the text
    panel.set(ratio=3.0, rule="shared")
    view = panel.view
    assert "raw x: overflow (inf) at step" in view.paths["raw"].label.get_text()
    assert "overflow (inf) at step" in view.gap["raw"].marks.label.get_text()
    assert "diverges" in view.steps_text["raw"].get_text()
    assert len(view.paths["raw"].broken.get_xdata()) == 1
    panel.set(rule="best")
    assert panel.errors == []


# --- what is drawn -----------------------------------------------------------------


def test_drawn_artists_are_the_computed_ones(panel):
    for ratio in (1.0, 12.0, 400.0):
        panel.set(ratio=ratio, rule="best")
        res = panel.view.result
        view = panel.view
        x, y = view.paths["raw"].lines[0].get_data()
        np.testing.assert_allclose(np.c_[x, y], res.path[0], atol=1e-6)
        x, y = view.paths["normalized"].lines[0].get_data()
        np.testing.assert_allclose(np.c_[x, y], res.path[1], atol=1e-6)
        # every contour point lies on ½ dᵀHd = level · (J(w_0) − J*), float64
        H = np.asarray(res.H[0], np.float64)
        d0 = np.asarray(START)
        x, y = view.levels["raw"].get_data()
        pts = np.c_[x, y]
        pts = pts[np.isfinite(pts).all(axis=1) & (np.abs(pts) < 59).all(axis=1)]
        level = 0.5 * np.einsum("ti,ij,tj->t", pts, H, pts) / (0.5 * d0 @ H @ d0)
        near = np.min(np.abs(np.log(level[:, None] / LEVELS[None])), axis=1)
        assert near.max() < 1e-3
        # the gap curve and the step counts
        gx, gy = view.gap["raw"].line.get_data()
        np.testing.assert_allclose(gx, np.arange(1, NUM_STEPS + 1))
        np.testing.assert_allclose(gy, np.maximum(res.gap[0, 1:], 1e-12), rtol=1e-6)
        text = view.steps_text["raw"].get_text()
        if res.steps[0] <= NUM_STEPS:
            assert text == f"raw: {int(res.steps[0])} steps"
        else:
            want = f"{res.rate_steps[0]:.2g}".replace("e+0", "e")
            assert text == f"raw: > {NUM_STEPS} (rate: {want})"
        assert view.readout in panel.widget.children
        for k in range(2):  # κ and α of both costs in the HTML line
            kappa = res.lam[k, 1] / res.lam[k, 0]
            assert f"κ = {kappa:.3g}, α = {res.alpha[k]:.3g}," in view.readout.value
    assert panel.errors == []


def test_new_seed_draws_new_data(panel):
    panel.set(ratio=10.0, rule="best")
    before = panel.view.result.X.copy()
    panel.new_seed()
    after = panel.view.result
    assert not np.allclose(before, after.X)
    np.testing.assert_allclose(after.X, make_data(panel.key, 10.0)[0], rtol=1e-6)


# --- bad input --------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0.0, 0.5, -3.0, 1000.5, 1e6, float("nan")])
def test_bad_ratio_is_rejected(bad):
    with pytest.raises(ValueError, match="ratio"):
        descend(KEY, bad)
    with pytest.raises(ValueError, match="ratio"):
        normalizing_panel(ratio=bad)
    with pytest.raises(ValueError, match="ratio"):
        make_data(KEY, bad)


def test_other_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="rule"):
        descend(KEY, 2.0, "adam")
    with pytest.raises(ValueError, match="rule"):
        normalizing_panel(rule="adam")
    with pytest.raises(ValueError, match="rule"):
        descend(KEY, 2.0, 3)
    with pytest.raises(ValueError, match="tol"):
        descend(KEY, 2.0, tol=0.0)
    with pytest.raises(ValueError, match="tol"):
        descend(KEY, 2.0, tol=1.5)
    with pytest.raises(TypeError, match="key"):
        descend(None, 2.0)
    with pytest.raises(ValueError, match="m must"):
        descend(KEY, 2.0, m=2)
