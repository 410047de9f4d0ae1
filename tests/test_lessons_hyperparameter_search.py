"""The hyperparameter-search notebook's static figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcore.live.static.hyperparameter_search import plot_search_results


def test_scatter_colors_by_log_one_minus_beta1_and_marks_the_best():
    alphas = np.array([1e-3, 1e-2, 1e-1])
    errors = np.array([0.3, 0.1, 0.2])
    beta1s = np.array([0.9, 0.99, 0.999])
    fig, ax = plt.subplots()
    out = plot_search_results(ax, alphas, errors, beta1s, best=1)
    np.testing.assert_allclose(out.points.get_array(), [-1.0, -2.0, -3.0], atol=1e-9)
    np.testing.assert_allclose(out.best.get_xdata(), [1e-2])
    np.testing.assert_allclose(out.best.get_ydata(), [0.1])
    labels = [t.get_text() for t in out.colorbar.ax.get_yticklabels()]
    assert labels == ["0.999", "0.99", "0.9", "0.8"]
    assert ax.get_xscale() == "log"
    plt.close(fig)


def test_bad_inputs_raise_clear_errors():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="same length"):
        plot_search_results(ax, [1e-3, 1e-2], [0.1], [0.9, 0.9], best=0)
    with pytest.raises(ValueError, match="best"):
        plot_search_results(ax, [1e-3], [0.1], [0.9], best=1)
    with pytest.raises(ValueError, match="beta1_range"):
        plot_search_results(ax, [1e-3], [0.1], [0.9], best=0, beta1_range=(0.9, 0.8))
    plt.close(fig)
