"""Exponentially weighted averages of a year of daily temperatures, live.

A β slider (logarithmic in 1 − β, readout β), the window 1/(1 − β) drawn as a
bracket and written in the readout line above the figure, and both EWAs at
once: bias-corrected v_t / (1 − β^t) and the plain v_t with its start-up dip
(v_0 = 0). The toggle picks which one is bold. Given the student's ``ewa``
(``yours=``), a "use my function" switch draws it as the corrected line once
it passes ``check_ewa`` (see :mod:`dlcore.live.yours`).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlcore._checks import check_int, check_range
from dlcore.demos.exponentially_weighted_averages import (
    temperature_averages,
    your_average,
)
from dlcore.exercises import check_ewa
from dlcore.live import viz
from dlcore.live.controls import BetaSlider
from dlcore.live.panel import Panel, figure
from dlcore.live.yours import YourFunction

__all__ = ["ewa_panel"]


def ewa_panel(
    *,
    beta: float = 0.9,
    days: int = 365,
    noise: float = 5.0,
    seed: int = 0,
    yours=None,
) -> Panel:
    """The EWA demo: ``v_t = β v_{t-1} + (1 − β) θ_t`` on noisy temperatures.

    ``yours``: the student's ``ewa(theta, beta)``. Once it passes
    ``check_ewa``, a "use my function" switch draws its result as the
    corrected line; until then a one-line note says what to finish.
    """
    check_range("beta", beta, 0.5, 0.999)
    check_int("days", days, lo=1)
    check_range("noise", noise, 0.0, None)
    check_int("seed", seed, lo=0)
    if yours is not None and not callable(yours):
        raise TypeError(
            f"yours must be None or your function, got {type(yours).__name__}"
        )
    mine = YourFunction(
        yours,
        check_ewa,
        exercise="EWA with bias correction",
        doing="to draw your ewa on these temperatures",
    )
    controls = {
        "beta": BetaSlider(beta, min=0.5, max=0.999, description="β"),
        "bias_correction": widgets.ToggleButton(True, description="bias correction"),
        **mine.controls,
    }
    t = np.arange(1, days + 1)
    fig, ax = figure(figsize=(8.0, 3.4))
    (dots,) = ax.plot(t, np.zeros(days), ".", ms=2.5, color="0.6", label="θ_t")
    series = viz.plot_series(
        ax,
        t,
        np.zeros(days),
        np.zeros(days),
        label="corrected v_t / (1−β^t)",
        label2="uncorrected v_t",
        style={"color": "tab:red"},
        style2={"color": "tab:blue", "ls": "--"},
        rescale=False,
    )
    (window,) = ax.plot(
        [], [], "|-", color="black", lw=1.5, ms=10, transform=ax.get_xaxis_transform()
    )
    ax.set(xlabel="day t", ylabel="temperature (°F)", xlim=(0, days + 1))
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()

    labels = ("corrected v_t / (1−β^t)", "your ewa(θ, β)")

    def compute(*, beta, bias_correction, key, yours=False):
        theta, v, v_unc = temperature_averages(key, beta, days=days, noise=noise)
        theta = np.asarray(theta)
        v = your_average(mine.fn, theta, beta) if yours else np.asarray(v)
        return beta, bias_correction, theta, v, np.asarray(v_unc), yours

    def draw(result):
        beta, corrected, theta, v, v_unc, yours = result
        relabel = series.line.get_label() != labels[yours]
        if relabel:  # the legend names whose corrected line is drawn
            series.line.set_label(labels[yours])
            ax.legend(loc="upper left", fontsize="small")
        dots.set_ydata(theta)
        w = 1.0 / (1.0 - beta)
        window.set_data([max(1.0, days - w), days], [0.04, 0.04])
        viz.update_series(series, y=v, y2=v_unc)
        bold, thin = (series.line, series.line2)[:: 1 if corrected else -1]
        viz.set_base_linewidth(bold, 2.6)
        viz.set_base_linewidth(thin, 1.0)
        bold.set_alpha(1.0)
        thin.set_alpha(0.6)
        ylim = (min(0.0, theta.min()) - 3, theta.max() + 3)
        if np.allclose(ax.get_ylim(), ylim) and not relabel:
            return False  # only the animated artists changed: blit
        ax.set_ylim(ylim)
        return True  # a new seed moved the y axis: redraw everything

    def readout(result):
        beta = result[0]
        return (
            f"β = {beta:.4g}: v<sub>t</sub> averages over ≈ 1/(1 − β) = "
            f"<b>{1.0 / (1.0 - beta):.0f} days</b> (the bracket, bottom right)"
        )

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        seed=seed,
        readout=readout,
        animated=[dots, window, *viz.artists_of(series)],
        title="<b>Exponentially weighted average</b> v<sub>t</sub> = β v<sub>t−1</sub>"
        " + (1 − β) θ<sub>t</sub>",
    )
    mine.attach(panel)
    return panel
