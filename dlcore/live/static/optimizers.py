"""Static figures of the optimizers notebook (ax first; each returns its artists).

Plain matplotlib, no widgets: the notebook calls ``plt.subplots`` and one of
these functions, and the figure is shown inline.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from dlcore import ewa
from dlcore._checks import check_array, check_int, check_range

__all__ = ["plot_distance_to_minimum", "plot_smoothed_costs"]


def _check_runs(ax, name: str, runs) -> None:
    """``ax`` an Axes; ``runs`` a non-empty dict label -> 1-D real array."""
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    if not isinstance(runs, dict):
        raise TypeError(
            f"{name} must be a dict label -> 1-D array, got {type(runs).__name__}"
        )
    if not runs:
        raise ValueError(f"{name} must hold at least one run, got an empty dict")
    for label, values in runs.items():
        check_array(f"{name}[{label!r}]", values, ndim=1)


def plot_smoothed_costs(ax, losses: dict, beta: float = 0.98) -> list:
    """One curve per run: the EWA (bias-corrected) of its per-step cost.

    Arguments:
        ax: a matplotlib Axes.
        losses: label -> 1-D array of mini-batch costs, one per step.
        beta: the EWA's β in [0, 1).

    Returns:
        The list of Line2D artists, in the order of ``losses``.

    Raises:
        ValueError: ``losses`` is empty, or β is outside [0, 1).
    """
    _check_runs(ax, "losses", losses)
    check_range("beta", beta, 0.0, 1.0, hi_closed=False)
    lines = []
    for label, loss in losses.items():
        smooth = np.asarray(ewa.ewa(np.asarray(loss), beta))
        lines.extend(ax.plot(smooth, label=label))
    ax.set(yscale="log", xlabel="step", ylabel=f"cost J (EWA, β = {beta:g})")
    ax.legend(fontsize="small")
    return lines


def plot_distance_to_minimum(ax, distances: dict, steps_per_epoch: int) -> list:
    """‖w_t − w*‖ against the epoch (log scale), one curve per run.

    Arguments:
        ax: a matplotlib Axes.
        distances: label -> 1-D array of distances, w_0 first, one per step.
        steps_per_epoch: T, the number of steps per epoch (x axis in epochs).

    Returns:
        The list of Line2D artists, in the order of ``distances``.

    Raises:
        ValueError: ``distances`` is empty or ``steps_per_epoch`` < 1.
    """
    _check_runs(ax, "distances", distances)
    check_int("steps_per_epoch", steps_per_epoch, lo=1)
    lines = []
    for label, d in distances.items():
        d = np.asarray(d)
        epochs = np.arange(d.size) / steps_per_epoch
        lines.extend(ax.plot(epochs, d, lw=1, label=label))
    ax.set(yscale="log", xlabel="epoch", ylabel="distance to the minimum ‖w − w*‖")
    ax.legend(fontsize="small")
    return lines
