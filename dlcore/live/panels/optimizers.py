"""Gradient descent, momentum, RMSprop and Adam racing across a 2-D surface.

Left: contours of J(θ) and the four trajectories (click to move the start).
Right: J(θ_t) − J_min per step on a log axis. Every slider is a traced
argument of one jitted call (:func:`dlcore.demos.optimizers.optimizer_paths`); the
contours are redrawn only when the surface changes. A run that overflows or
leaves the view gets red ✕ markers in the figure and is named in the readout
line above it, which also gives every run's final J − J_min. Given the
student's ``adam_update`` (``yours=``), a "use my function" switch adds a
dotted path, Adam with their update, once it passes ``check_adam_update``.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_hex

from dlcore._checks import check_choice, check_int
from dlcore.demos.optimizers import (
    OPTIMIZERS,
    SURFACES,
    PathHyper,
    Surface,
    contour_grids,
    optimizer_paths,
    your_adam_path,
)
from dlcore.exercises import check_adam_update
from dlcore.live import viz
from dlcore.live.controls import BetaSlider, discrete_variants, set_range
from dlcore.live.panel import Panel, figure
from dlcore.live.yours import YourFunction
from dlcore.schedules import SCHEDULES

__all__ = ["LOSS_FLOOR", "optimizer_panel"]

LOSS_FLOOR = 1e-12  # J − J_min is floored here on the log axis (float32 noise)


def _controls(s, surface: str, surfaces) -> dict:
    log = dict(base=10, readout_format=".1e")
    controls = {
        "surface": widgets.Dropdown(
            options=list(surfaces), value=surface, description="surface"
        ),
        "alpha": widgets.FloatLogSlider(
            s.alpha, min=-4, max=0, step=0.05, description="α", **log
        ),
        "beta": widgets.FloatSlider(
            0.9, min=0.0, max=0.99, step=0.01, description="β (mom, RMS)"
        ),
        "beta1": widgets.FloatSlider(
            0.9, min=0.0, max=0.99, step=0.01, description="β1 (Adam)"
        ),
        "beta2": BetaSlider(0.999, min=0.5, max=0.9999, description="β2 (Adam)"),
        "eps": widgets.FloatLogSlider(
            1e-8, min=-10, max=0, step=0.5, description="ε", **log
        ),
        "bias_correction": widgets.ToggleButton(True, description="Adam bias corr."),
        "schedule": widgets.Dropdown(
            options=list(SCHEDULES), value="constant", description="α decay"
        ),
        "decay_rate": widgets.FloatSlider(
            0.95, min=0.01, max=1.0, step=0.01, description="decay rate"
        ),
        "x0": widgets.FloatSlider(
            s.start[0], min=s.xlim[0], max=s.xlim[1], step=0.01, description="start x"
        ),
        "y0": widgets.FloatSlider(
            s.start[1], min=s.ylim[0], max=s.ylim[1], step=0.01, description="start y"
        ),
    }
    for w in controls.values():  # aligned, untruncated labels
        style = getattr(getattr(w, "slider", w), "style", None)
        if hasattr(style, "description_width"):
            style.description_width = "90px"
    return controls


class _Figure:
    """Contour + trajectories (left), J − J_min per step on a log axis (right)."""

    def __init__(self, surfaces: dict, grids: dict, surface: str, num_steps: int):
        self.surfaces, self.grids = surfaces, grids
        self.fig, (self.ax_c, self.ax_l) = figure(
            1, 2, figsize=(9.6, 3.9), width_ratios=[1.15, 1]
        )
        xs, ys, Z, levels, _ = grids[surface]
        s = surfaces[surface]
        self.contour = viz.plot_contour(self.ax_c, xs, ys, Z, levels, minimum=s.minimum)
        start = np.broadcast_to(s.start, (len(OPTIMIZERS), 1, 2))
        # no red text in the frame (each costs ~10 ms per move): the readout
        # line names the broken runs, the ✕ markers show where
        self.paths = viz.plot_paths(self.ax_c, start, OPTIMIZERS, label_xy=None)
        steps = np.arange(num_steps + 1)
        self.loss = [
            viz.plot_series(
                self.ax_l,
                steps,
                np.ones(num_steps + 1),
                label=name,
                log=True,
                style={"color": viz.OPTIMIZER_COLORS[name]},
                rescale=False,
                marks_xy=None,
            )
            for name in OPTIMIZERS
        ]
        self.ax_l.set(
            xlabel="step t",
            ylabel=f"J(θ_t) − J_min  (≥ {LOSS_FLOOR:g})",
            xlim=(0, num_steps),
        )
        adam = viz.OPTIMIZER_COLORS["adam"]
        (self.yours,) = self.ax_c.plot([], [], ":", color=adam, lw=2.4, zorder=5)
        (self.yours_loss,) = self.ax_l.plot([], [], ":", color=adam, lw=2.4)
        self.ax_l.legend(loc="upper right", fontsize="small")
        self._axes_for(surface)

    def _axes_for(self, name: str) -> None:
        """Title and FIXED loss-axis limits for a surface (fixed: blitting works)."""
        self.shown = name
        _, _, Z, _, ref = self.grids[name]
        self.ax_c.set_title(f"J = {self.surfaces[name].formula}", fontsize="medium")
        self.ax_l.set_ylim(0.3 * LOSS_FLOOR, 10 * max(float(np.nanmax(Z)) - ref, 1.0))

    def draw(self, result) -> bool:
        """Update in place; True (full redraw) only when the surface changed."""
        name, theta, loss, mine = result
        xs, ys, Z, levels, ref = self.grids[name]
        new = name != self.shown
        if new:  # the only time contours are redrawn
            minimum = self.surfaces[name].minimum
            self.contour = viz.update_contour(
                self.contour, xs, ys, Z, levels, minimum=minimum
            )
            self._axes_for(name)
        viz.update_paths(self.paths, theta)
        gap = np.where(np.isfinite(loss), np.maximum(loss - ref, LOSS_FLOOR), loss)
        for series, g in zip(self.loss, gap, strict=True):
            viz.update_series(series, y=g)
        self._draw_yours(mine, ref)
        return new

    def _draw_yours(self, mine, ref) -> None:
        """The student's Adam (dotted), or nothing while the switch is off."""
        if mine is None:
            self.yours.set_data([], [])
            self.yours_loss.set_data([], [])
            return
        theta, loss = mine
        view = 10 * max(np.ptp(self.ax_c.get_xlim()), np.ptp(self.ax_c.get_ylim()))
        self.yours.set_data(*np.clip(theta, -view, view).T)
        gap = np.where(np.isfinite(loss), np.maximum(loss - ref, LOSS_FLOOR), np.nan)
        self.yours_loss.set_data(np.arange(loss.size), gap)

    def animated(self) -> list:
        return [*viz.artists_of(self.paths, self.loss), self.yours, self.yours_loss]

    def readout(self, result) -> str:
        """Each run's final J(θ_T) − J_min, or the step where it broke (red)."""
        name, theta, loss, mine = result
        ref = self.grids[name][4]
        xlim, ylim = self.ax_c.get_xlim(), self.ax_c.get_ylim()
        parts = []
        for opt, path, J in zip(OPTIMIZERS, theta, loss, strict=True):
            problem = viz.path_problem(np.asarray(path, np.float64), xlim, ylim)
            if problem is not None:
                k, words = problem
                parts.append(
                    f'<span style="color:{viz.NONFINITE_COLOR}">'
                    f"{opt}: {words} at step {k}</span>"
                )
                continue
            gap = float(J[-1]) - ref
            shown = f"≤ {LOSS_FLOOR:.0e}" if gap <= LOSS_FLOOR else f"{gap:.2e}"
            color = to_hex(viz.OPTIMIZER_COLORS[opt])
            parts.append(f'<b style="color:{color}">{opt}</b> {shown}')
        if mine is not None:
            gap = float(mine[1][-1]) - ref
            shown = "NaN" if not np.isfinite(gap) else f"{max(gap, LOSS_FLOOR):.2e}"
            parts.append(f"<b>your adam</b> (dotted) {shown}")
        T = loss.shape[1] - 1
        return f"J(θ<sub>{T}</sub>) − J<sub>min</sub>: " + " · ".join(parts)


def optimizer_panel(
    *,
    surface: str = "quadratic",
    num_steps: int = 150,
    surfaces=None,
    grid_n=80,
    yours=None,
) -> Panel:
    """The optimizer demo on ``surfaces`` (default: the demo module's ``SURFACES``).

    ``yours``: the student's ``adam_update``. Once it passes
    ``check_adam_update``, a "use my function" switch races it (dotted,
    bias-corrected, same α, β1, β2, ε and decay) beside dlcore's Adam; until
    then a one-line note says what to finish.
    """
    if surfaces is not None and (not isinstance(surfaces, dict) or not surfaces):
        raise TypeError(
            "surfaces must be None or a non-empty dict name -> Surface, got "
            f"{type(surfaces).__name__}"
        )
    surfaces = dict(surfaces or SURFACES)
    for name, s in surfaces.items():
        if not isinstance(s, Surface):
            raise TypeError(
                f"surfaces[{name!r}] must be a Surface, got {type(s).__name__}"
            )
    check_choice("surface", surface, surfaces)
    check_int("num_steps", num_steps, lo=1)
    check_int("grid_n", grid_n, lo=2)
    if yours is not None and not callable(yours):
        raise TypeError(
            f"yours must be None or your function, got {type(yours).__name__}"
        )
    family = tuple(surfaces.values())  # one compiled program for all of them
    mine = YourFunction(
        yours, check_adam_update, exercise="Adam", doing="to race your own Adam here"
    )
    controls = _controls(surfaces[surface], surface, surfaces)
    # every jit variant, and the student's Adam once per surface (its gradient)
    warmup = discrete_variants(controls)
    warmup += [{"surface": name, "yours": True} for name in surfaces if mine.fn]
    controls.update(mine.controls)
    rate = controls["decay_rate"]
    rate.disabled = controls["schedule"].value == "constant"  # it ignores the rate
    view = _Figure(surfaces, contour_grids(surfaces, grid_n), surface, num_steps)

    def compute(
        *,
        surface,
        alpha,
        beta,
        beta1,
        beta2,
        eps,
        bias_correction,
        schedule,
        decay_rate,
        x0,
        y0,
        key,
        yours=False,
    ):
        hp = PathHyper(alpha, beta, beta1, beta2, eps, decay_rate)
        out = optimizer_paths(
            surfaces[surface],
            (x0, y0),
            hp,
            num_steps=num_steps,
            bias_correction=bias_correction,
            schedule=schedule,
            surfaces=family,
        )
        run = None
        if yours:  # the student's adam_update, eagerly, outside jit
            run = your_adam_path(
                mine.fn,
                surfaces[surface],
                (x0, y0),
                np.asarray(out.alpha),
                beta1=beta1,
                beta2=beta2,
                eps=eps,
            )
        return surface, np.asarray(out.theta), np.asarray(out.loss), run

    def new_surface(name):  # the start sliders follow the view box
        s = surfaces[name]
        set_range(controls["x0"], *s.xlim, s.start[0])
        set_range(controls["y0"], *s.ylim, s.start[1])
        controls["alpha"].value = s.alpha

    hooks = {
        "surface": new_surface,
        "schedule": lambda name: setattr(rate, "disabled", name == "constant"),
    }
    panel = Panel(
        controls,
        compute,
        view.draw,
        fig=view.fig,
        on_change=hooks,
        warmup=warmup,
        animated=view.animated,
        show_seed=False,
        readout=view.readout,
        title="<b>GD, momentum, RMSprop, Adam</b> (click the contours: new start)",
    )

    def new_start(ax, x, y):  # a click or a drag on the contours
        if ax is view.ax_c:
            panel.set(x0=x, y0=y)

    panel.on_click(new_start)
    panel.on_drag(new_start)
    mine.attach(panel)
    view.fig.tight_layout()
    return panel
