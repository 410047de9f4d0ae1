"""Tests for the notebook-10 panels (dlcore.live.panels.search), Agg backend.

Untimed: they count renders, compilations and figures, and check that what
the panels show is right (distinct values, shares per decade, boxes).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from panel_sweep import assert_sweep_is_clean, closing

from dlcore import search
from dlcore.demos.hyperparameter_search import (
    C2F_OPTIMUM,
    SCALES,
)
from dlcore.live.panels.search import (
    coarse_to_fine_panel,
    grid_vs_random_panel,
    sampling_scale_panel,
)


@pytest.fixture(scope="module")
def panels():
    yield from closing(
        {
            "grid": grid_vs_random_panel(),
            "scale": sampling_scale_panel(),
            "c2f": coarse_to_fine_panel(),
        }
    )


@pytest.mark.parametrize("name", ["grid", "scale", "c2f"])
def test_every_control_swept_without_errors_figures_or_compiles(panels, name):
    assert_sweep_is_clean(panels[name], new_seed=False)


def test_grid_tries_k_distinct_values_per_axis_random_tries_k_squared(panels):
    panel = panels["grid"]
    for k in range(2, 11):
        res = panel.results[k]
        assert res["distinct_grid"] == k and res["distinct_random"] == k * k
        assert len(np.unique(res["grid"][:, 1])) == k
        assert len(res["grid"]) == len(res["random"]) == k * k
    # what is drawn: the rugs hold the x values of the current k
    panel.set(k=6)
    ax1 = panel.fig.axes[1]
    xs = [
        np.asarray(line.get_xdata()) for line in ax1.lines if line.get_marker() == "|"
    ]
    assert sorted(len(np.unique(x)) for x in xs) == [6, 36]
    assert ax1.texts[1].get_text().split() == ["6", "0.933", "36", "0.960", "36"]


def test_grid_panel_random_draws_are_nested_and_fixed(panels):
    res = panels["grid"].results
    np.testing.assert_array_equal(res[3]["random"], res[5]["random"][:9])
    again = grid_vs_random_panel()
    np.testing.assert_array_equal(again.results[7]["random"], res[7]["random"])
    again.close()


def test_sampling_panel_shares_per_decade(panels):
    panel = panels["scale"]
    alpha, beta = list(SCALES)
    panel.set(scale=alpha, n=5000)
    (lin_lo, lin_hi), (log_lo, log_hi) = panel.compute(key=None, **panel.values)[
        "decades"
    ]
    assert lin_lo < 0.005 and 0.85 < lin_hi < 0.95
    assert 0.2 < log_lo < 0.3 and 0.2 < log_hi < 0.3
    panel.set(scale=beta, n=5000)
    out = panel.compute(key=None, **panel.values)
    (lin_99, lin_9), (log_99, log_9) = out["decades"]  # [0.99, 0.999], [0.9, 0.99]
    assert 0.86 < lin_9 < 0.95 and 0.45 < log_9 < 0.55 and 0.45 < log_99 < 0.55
    for h in out["hist"]:
        assert h.sum() == pytest.approx(1.0)
    # the bars drawn are the shares computed
    steps = panel.fig.axes[1].patches[0]
    shown = [t.get_text() for t in panel.fig.axes[1].texts]
    assert shown == [f"{100 * v:.1f}%" for v in out["decades"][1]]
    np.testing.assert_allclose(steps.get_data().values, out["hist"][1])
    np.testing.assert_allclose(steps.get_data().edges[[0, -1]], [-3, -1])  # 1 − β


def test_sampling_panel_uses_the_dlcore_samplers(panels):
    kind, lin, good, *_ = panels["scale"].samples[next(iter(SCALES))]
    assert kind == "alpha" and lin.min() >= 1e-4 and good.max() <= 1.0
    ref = search.log_uniform(
        jax.random.split(jax.random.key(0))[1], len(good), 1e-4, 1.0
    )
    np.testing.assert_allclose(good, np.asarray(ref), rtol=1e-6)


def test_coarse_to_fine_boxes_shrink_and_contain_the_bowls_optimum(panels):
    history = panels["c2f"].history
    assert len(history) == 4
    sides = []
    for h in history:
        box = np.asarray(h["box"])
        assert (box[:, 0] <= C2F_OPTIMUM).all() and (C2F_OPTIMUM <= box[:, 1]).all()
        sides.append(np.log10(box[:, 1] / box[:, 0]))
    sides = np.asarray(sides)
    assert (np.diff(sides, axis=0) < 0).all()  # every side shrinks every round
    best = [h["best_value"] for h in history]
    assert all(b1 <= b0 for b0, b1 in itertools.pairwise(best))


def test_coarse_to_fine_boxes_on_another_bowl():
    opt = np.array([0.3, 0.02])

    def bowl(p):
        return jnp.sum((jnp.log10(p) - jnp.log10(opt)) ** 2, axis=1)

    panel = coarse_to_fine_panel(objective=bowl, ranges=((1e-3, 10.0), (1e-4, 1.0)),
                                 n_trials=30, seed=3)  # fmt: skip
    for h in panel.history:
        box = np.asarray(h["box"])
        assert (box[:, 0] <= opt).all() and (opt <= box[:, 1]).all()
    panel.set(round=3)
    visible = [p.get_visible() for p in panel.fig.axes[0].patches]
    assert visible == [True, True, True, False]
    assert panel.errors == []
    panel.close()
