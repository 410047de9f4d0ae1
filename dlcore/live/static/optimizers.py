"""Static figures of the optimizers notebook (ax first; each returns its artists).

Plain matplotlib, no widgets: the notebook calls ``plt.subplots`` and one of
these functions, and the figure is shown inline.
"""

from __future__ import annotations

import numpy as np

from dlcore import ewa

__all__ = ["plot_distance_to_minimum", "plot_smoothed_costs"]


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
    if not losses:
        raise ValueError("losses must hold at least one run, got an empty dict")
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
    if not distances:
        raise ValueError("distances must hold at least one run, got an empty dict")
    if steps_per_epoch < 1:
        raise ValueError(f"steps_per_epoch must be >= 1, got {steps_per_epoch}")
    lines = []
    for label, d in distances.items():
        d = np.asarray(d)
        epochs = np.arange(d.size) / steps_per_epoch
        lines.extend(ax.plot(epochs, d, lw=1, label=label))
    ax.set(yscale="log", xlabel="epoch", ylabel="distance to the minimum ‖w − w*‖")
    ax.legend(fontsize="small")
    return lines
