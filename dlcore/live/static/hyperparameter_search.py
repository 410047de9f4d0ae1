"""Static figures of the hyperparameter-search notebook (ax first; artists returned)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes

from dlcore._checks import check_array, check_int, check_range

__all__ = ["SearchScatter", "plot_search_results"]


class SearchScatter(NamedTuple):
    """The artists of :func:`plot_search_results`."""

    points: object  # PathCollection, one dot per model
    colorbar: object  # Colorbar of β1
    best: object  # Line2D, the star on the best model


def plot_search_results(
    ax, alphas, dev_error, beta1s, best: int, beta1_range=(0.8, 0.999)
) -> SearchScatter:
    """Dev error against α (log axis), one dot per model, colored by β1.

    The color is ``log10(1 − β1)``, so that 0.9, 0.99 and 0.999 are evenly
    spaced, as they are for the sampler.

    Arguments:
        ax: a matplotlib Axes (its figure gets the colorbar).
        alphas: (N,) learning rates, > 0.
        dev_error: (N,) dev errors.
        beta1s: (N,) values of β1 in ``beta1_range``.
        best: index of the model to mark with a red star.
        beta1_range: (low, high) of β1, 0 <= low < high < 1: the color scale.

    Returns:
        A :class:`SearchScatter`.

    Raises:
        ValueError: the arrays differ in length, ``best`` is out of range or
            ``beta1_range`` is not 0 <= low < high < 1.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    check_array("alphas", alphas, ndim=1)
    check_range("alphas", alphas, 0.0, None, lo_closed=False)
    check_array("dev_error", dev_error, ndim=1)
    check_array("beta1s", beta1s, ndim=1)
    check_int("best", best)
    check_array("beta1_range", beta1_range, shape=(2,))
    check_range("beta1_range", beta1_range, 0.0, 1.0, hi_closed=False)
    alphas, dev_error, beta1s = (
        np.asarray(a, float) for a in (alphas, dev_error, beta1s)
    )
    n = alphas.size
    if not (dev_error.size == beta1s.size == n):
        raise ValueError(
            "alphas, dev_error and beta1s must have the same length, got "
            f"{n}, {dev_error.size} and {beta1s.size}"
        )
    if not 0 <= best < n:
        raise ValueError(f"best must be an index in [0, {n - 1}], got {best}")
    low, high = beta1_range
    if not 0 <= low < high < 1:
        raise ValueError(
            f"beta1_range must satisfy 0 <= low < high < 1, got {beta1_range}"
        )
    vmin, vmax = np.log10(1 - high), np.log10(1 - low)
    points = ax.scatter(
        alphas,
        dev_error,
        c=np.log10(1 - beta1s),
        cmap="viridis",
        vmin=vmin,
        vmax=vmax,
        s=28,
        edgecolors="black",
        linewidths=0.4,
    )
    colorbar = ax.figure.colorbar(points, ax=ax, label="β1")
    ticks = [t for t in (-3, -2, -1) if vmin - 1e-9 <= t <= vmax + 1e-9] + [vmax]
    colorbar.set_ticks(ticks)
    colorbar.set_ticklabels([f"{1 - 10**t:g}" for t in ticks])
    (star,) = ax.plot(
        alphas[best],
        dev_error[best],
        "*",
        ms=18,
        mfc="none",
        mec="red",
        mew=1.5,
        label=f"best: α = {alphas[best]:.2g}, β1 = {beta1s[best]:.3g}, "
        f"dev error {dev_error[best]:.1%}",
    )
    ax.set(xscale="log", xlabel="learning rate α", ylabel="dev error")
    ax.legend(loc="upper right", fontsize="small")
    return SearchScatter(points, colorbar, star)
