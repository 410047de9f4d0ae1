"""Tests for dlcore.live.panels.regularization (Agg backend): sweeps (no errors, no
compiles, no new figures, blitting), and that what is drawn equals an
independent computation (a float64 NumPy forward pass, np.histogram, the
diagnosis rule written out, a re-run of the training).

Untimed: they count renders, compilations and figures, never milliseconds.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from panel_sweep import assert_sweep_is_clean, closing

from dlcore.demos import regularization
from dlcore.demos.regularization import (
    HIST_EDGES,
    WORKED_EXAMPLES,
)
from dlcore.live.panels.regularization import (
    augmentation_panel,
    diagnosis_panel,
    early_stopping_panel,
    regularization_panel,
)

GRID = dict(lambds=(0.0, 0.1, 1.0), keep_probs=(0.5, 1.0), num_steps=120, mesh=20,
            progress=False)  # fmt: skip
ES = dict(m_train=60, num_steps=400, eval_every=10, learning_rate=0.003)


@pytest.fixture(scope="module")
def panels():
    yield from closing(
        {
            "diagnosis": diagnosis_panel(),
            "dashboard": regularization_panel(**GRID),
            "early": early_stopping_panel(**ES),
            "augment": augmentation_panel(n_digits=5, copies=2),
        }
    )


@pytest.mark.parametrize("name", ["diagnosis", "dashboard", "early", "augment"])
def test_sweep_is_clean(panels, name):
    assert_sweep_is_clean(panels[name])


# --- diagnosis ---------------------------------------------------------------


def test_diagnosis_plane_is_the_rule_written_out(panels):
    panel = panels["diagnosis"]
    TR, DV = panel.grid
    for base, tr, dv in [(0.0, 15.0, 16.0), (10.0, 12.0, 30.0), (3.0, 1.0, 2.0)]:
        panel.set(base=base, train_error=tr, dev_error=dv)
        img = np.asarray(panel.fig.axes[0].images[0].get_array())
        b = base / 100
        want = (TR - b > 0.05).astype(int) + 2 * (DV - TR > 0.05).astype(int)
        np.testing.assert_array_equal(img, want)
        ax_bars = panel.fig.axes[1]
        heights = [r.get_height() for r in ax_bars.patches]
        np.testing.assert_allclose(heights, [base, tr, dv])
        name = ["neither", "high bias", "high variance", "both"][
            int(tr / 100 - b > 0.05) + 2 * int(dv / 100 - tr / 100 > 0.05)
        ]
        assert f"diagnosis: <b>{name}</b>" in panel.readout.value
        assert f"(train − base) {tr - base:+.1f} points" in panel.readout.value
        assert f"(dev − train) {dv - tr:+.1f} points" in panel.readout.value
    assert panel.errors == []


def test_diagnosis_moves_blit_even_when_the_regions_change(panels):
    """The regions image is animated: a new base error needs no full redraw."""
    panel = panels["diagnosis"]
    panel.fig.canvas.draw()
    before = np.asarray(panel.fig.axes[0].images[0].get_array()).copy()
    blits = panel.blits
    for name, value in [("base", 12.0), ("train_error", 20.0), ("dev_error", 3.0)]:
        panel.set(**{name: value})
    assert panel.blits == blits + 3
    after = np.asarray(panel.fig.axes[0].images[0].get_array())
    assert (after != before).any()  # the regions did move


def test_worked_examples_are_plotted(panels):
    ax = panels["diagnosis"].fig.axes[0]
    grey = [
        ln for ln in ax.lines if ln.get_marker() == "o" and ln.get_color() == "0.45"
    ]
    dots = np.concatenate([ln.get_xydata() for ln in grey])
    np.testing.assert_allclose(dots, 100 * np.asarray(WORKED_EXAMPLES))
    numbers = sorted(
        ln.get_marker() for ln in ax.lines if str(ln.get_marker())[0] == "$"
    )
    assert numbers == ["$1$", "$2$", "$3$", "$4$"]


# --- dashboard ---------------------------------------------------------------


def _forward64(p, X):
    """The network's eval-mode output, in float64 NumPy (relu hidden, sigmoid out)."""
    A = np.asarray(X, np.float64)
    L = len([k for k in p if k.startswith("W")])
    for l in range(1, L + 1):
        Z = np.asarray(p[f"W{l}"], np.float64) @ A + np.asarray(p[f"b{l}"], np.float64)
        A = np.maximum(Z, 0) if l < L else 1 / (1 + np.exp(-Z))
    return A


def test_dashboard_draws_what_the_trained_networks_compute(panels):
    panel = panels["dashboard"]
    g = panel.grid
    ax_b, ax_a, ax_h = panel.fig.axes[:3]
    nk = len(g.keep_probs)
    mesh = np.stack(np.meshgrid(g.xs, g.ys)).reshape(2, -1)
    for reg in ("l2", "l1"):
        for i, lam in enumerate(g.lambds):
            for j, kp in enumerate(g.keep_probs):
                panel.set(reg=reg, lambd=float(lam), keep_prob=float(kp))
                p = {k: np.asarray(v[i * nk + j]) for k, v in g.params[reg].items()}
                probs = _forward64(p, mesh)[0].reshape(len(g.ys), len(g.xs))
                img = np.asarray(ax_b.images[0].get_array())
                np.testing.assert_allclose(img, probs, atol=2e-5)
                tr = np.mean((_forward64(p, g.X_train) > 0.5) == (g.Y_train > 0.5))
                dv = np.mean((_forward64(p, g.X_dev) > 0.5) == (g.Y_dev > 0.5))
                assert abs(tr - g.train_acc[g.regs.index(reg), i, j]) < 1e-6
                assert abs(dv - g.dev_acc[g.regs.index(reg), i, j]) < 2.5e-3
                w = np.concatenate([p[f"W{l}"].ravel() for l in (1, 2, 3)])
                counts, _ = np.histogram(np.clip(w, HIST_EDGES[0], HIST_EDGES[-1]),
                                         HIST_EDGES)  # fmt: skip
                drawn = ax_h.patches[0].get_data().values
                np.testing.assert_array_equal(drawn, np.maximum(counts, 0.5))
                near = f"{np.mean(np.abs(w) < 0.01):.0%} of the weights with |w|"
                assert near in panel.readout.value
                np.testing.assert_allclose(
                    ax_a.lines[1].get_ydata(), g.dev_acc[g.regs.index(reg), :, j]
                )
    assert panel.errors == []


def test_the_penalty_really_switches(panels):
    g = panels["dashboard"].grid
    W_l2, W_l1 = g.weights[0], g.weights[1]
    # λ = 0: no penalty, same key -> the very same run
    np.testing.assert_allclose(W_l2[0], W_l1[0], atol=1e-6)
    # λ > 0: different runs; L1 leaves more weights near 0
    assert not np.allclose(W_l2[1:], W_l1[1:])
    assert np.all(g.near_zero[1, 1:] > g.near_zero[0, 1:])
    # the L2 weight norm shrinks as λ grows, at every keep_prob
    assert np.all(np.diff(g.norm[0], axis=0) < 0)


# --- early stopping -------------------------------------------------------------


def test_early_stopping_marks_the_rule(panels):
    panel = panels["early"]
    run = panel.run
    ax = panel.fig.axes[0]
    for patience in (1, 5, 20):
        panel.set(patience=patience)
        best, stop = regularization.early_stopping(run.dev_cost, patience)
        star = next(ln for ln in ax.lines if ln.get_marker() == "*")
        np.testing.assert_allclose(star.get_xydata()[0],
                                   [run.steps[best], run.dev_cost[best]])  # fmt: skip
        vline = next(ln for ln in ax.lines if ln.get_linestyle() == "--")
        assert vline.get_xdata()[0] == run.steps[stop]


# --- augmentation ----------------------------------------------------------------


def test_augmentation_mosaic_shows_the_images(panels):
    panel = panels["augment"]
    panel.set(max_shift=0.0, max_angle=0.0, noise=0.0)
    mosaic = np.asarray(panel.fig.axes[0].images[0].get_array())
    X = panel.originals
    for row in range(3):  # nothing to augment: every row shows the originals
        for k in range(5):
            tile = mosaic[9 * row : 9 * row + 8, 9 * k : 9 * k + 8]
            np.testing.assert_allclose(tile, X[:, k].reshape(8, 8), atol=1e-6)
    panel.set(max_shift=1.0, max_angle=20.0, noise=0.1)
    images = np.asarray(panel.compute(key=panel.key, **panel.values))
    mosaic = np.asarray(panel.fig.axes[0].images[0].get_array())
    np.testing.assert_allclose(mosaic[9:17, 9:17], images[:, 6].reshape(8, 8))
    assert not np.allclose(images[:, 5:10], X)
