"""Tests for dlcore.live.panels.gradcheck (Agg backend): sweeps, and that what is
drawn equals dlcore.gradcheck's own numbers (a separate JAX implementation).

Untimed: they count renders, compilations and figures, never milliseconds.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from panel_sweep import assert_sweep_is_clean, closing

from dlcore import gradcheck
from dlcore.demos import gradient_checking as fd
from dlcore.demos.gradient_checking import BUG, GREAT, verdict
from dlcore.live.panels.gradcheck import bug_panel, dropout_panel, eps_panel


@pytest.fixture(scope="module")
def panels():
    yield from closing(
        {"eps": eps_panel(), "bug": bug_panel(), "dropout": dropout_panel()}
    )


@pytest.mark.parametrize("name", ["eps", "bug", "dropout"])
def test_every_control_swept_without_errors_figures_or_compiles(panels, name):
    assert_sweep_is_clean(panels[name])


def _exact():
    p = fd.demo_problem()
    with jax.enable_x64(True):
        p64 = {k: jnp.asarray(np.asarray(v, np.float64)) for k, v in p.params.items()}
        return p, {k: np.asarray(v) for k, v in jax.grad(p.loss_fn)(p64).items()}


@pytest.mark.parametrize("eps", [1e-3, 1e-2])
def test_eps_marker_sits_on_dlcore_two_sided_error(panels, eps):
    panel = panels["eps"]
    panel.set(eps=eps)
    ax = panel.fig.axes[0]
    dots = ax.lines[-1]  # the current-ε markers
    x, y = dots.get_data()
    assert np.allclose(x, eps)
    problem, exact = _exact()
    approx = gradcheck.numerical_grad(problem.loss_fn, problem.params, eps)
    ref = gradcheck.relative_error(approx, exact)
    # marker order: for each dtype (float32, float64), one-sided then two-sided
    assert y[3] == pytest.approx(ref, rel=1e-3)
    assert f"ε = {eps:.1e}: two-sided" in panel.readout.value


def test_eps_curves_drawn_are_the_four_curves(panels):
    panel = panels["eps"]
    lines = panel.fig.axes[0].lines[:4]
    keys = [(m, d) for d in fd.DTYPES for m in fd.METHODS]
    for line, (m, d) in zip(lines, keys, strict=True):
        np.testing.assert_allclose(line.get_xdata(), panel.curves.eps)
        np.testing.assert_allclose(
            line.get_ydata(), np.maximum(panel.curves.curve(m, d), 1e-16)
        )
    labels = [h.get_label() for h in panel.fig.axes[0].get_legend().legend_handles]
    assert "two-sided, float32" in labels and "1e-7: great below" in labels


@pytest.mark.parametrize("bug", ["dW2 without 1/m", "db3 sign flipped", "none"])
def test_bug_bars_equal_dlcore_grad_check(panels, bug):
    panel = panels["bug"]
    panel.set(bug=bug)
    problem = panel.problem
    report = gradcheck.grad_check(
        problem.loss_fn, problem.params, fd.mlp_grad(problem, bug=bug)
    )
    ax = panel.fig.axes[0]
    heights = {
        t.get_text(): b.get_height() + b.get_y()
        for t, b in zip(ax.get_xticklabels(), ax.patches, strict=False)
    }
    blocks = fd.BUGS[bug][1]
    for k, err in report.per_param.items():
        if k in blocks:
            assert heights[k] == pytest.approx(err, rel=1e-5)
        else:  # round-off level in both implementations
            assert heights[k] < GREAT and err < GREAT
    info = ax.get_title()
    assert verdict(report.rel_error) in info
    if blocks:
        bars = zip(report.per_param, ax.patches[:6], strict=True)
        colors = {k: b.get_facecolor() for k, b in bars}
        assert colors[report.worst] == matplotlib.colors.to_rgba("tab:red")


def test_dropout_bars_fail_with_fresh_masks_and_pass_with_one(panels):
    panel = panels["dropout"]
    ax = panel.fig.axes[0]
    panel.set(keep_prob=0.8, fresh=True)
    assert min(b.get_height() for b in ax.patches[:6]) > BUG
    assert "bug?" in ax.get_title()
    panel.set(fresh=False)
    assert max(b.get_height() + b.get_y() for b in ax.patches[:6]) < GREAT
    assert "great" in ax.get_title()
    panel.set(keep_prob=1.0, fresh=True)
    assert "great" in ax.get_title()


def test_bad_values():
    with pytest.raises(ValueError, match="bug"):
        bug_panel(bug="no such bug")
    with pytest.raises(ValueError, match="eps"):
        eps_panel(eps=1.0)
    with pytest.raises(ValueError, match="keep_prob"):
        dropout_panel(keep_prob=0.2)
