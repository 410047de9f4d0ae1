"""Mini-batch size, from SGD (b = 1) to batch gradient descent (b = m), live.

A 2-weight logistic regression (no bias) on m two-class points, so the
weights w = (w1, w2) can be drawn on the contours of the training cost J(w).
Every slider position is trained ONCE, up front, for the same number of
epochs from the same start w0 and with the same shuffles (one permutation per
epoch, drawn from the panel's key). A slider move only looks the result up and
redraws it: nothing is computed and nothing is compiled on a move.

Left: the contours of J and the path of w. Middle: the cost against epochs
(grey dots: the mini-batch cost J{t} of the batch each step used; orange: the
cost on all m examples). Right: J − J_min against wall-clock time, log-log;
every batch size is drawn there (thin) and the current one in orange.

Wall-clock time is measured, not modelled: the training loop is a plain
NumPy loop with one Python step per mini-batch (vectorized over the examples
of a batch), every epoch is timed, the epochs of all sizes are interleaved
(a burst of load slows them all alike), and the time axis uses the median
epoch time of each batch size (the machine is shared, single epochs are
noisy). A new seed retrains, and re-times, every size.
"""

from __future__ import annotations

import ipywidgets as widgets
import jax
import matplotlib
import numpy as np

from dlcore._checks import check_array, check_finite, check_int, check_range
from dlcore.demos.minibatch import (
    MinibatchRun,
    batch_sizes_for,
    cost,
    make_data,
    minimizer,
    shuffles,
    train_many,
)
from dlcore.live import viz
from dlcore.live.controls import Progress
from dlcore.live.panel import Panel, figure

__all__ = ["minibatch_panel"]

COLOR = "tab:orange"
GAP_FLOOR = 1e-5  # J − J_min is floored here on the log axis


def _label(b: int, m: int) -> str:
    return f"{b} (SGD)" if b == 1 else f"{b} (batch GD)" if b == m else str(b)


class _View:
    """Contours + path (left), cost vs epochs (middle), cost vs time (right)."""

    def __init__(self, X, Y, w0, w_min, runs: dict, epochs: int):
        self.fig, (self.ax_c, self.ax_e, self.ax_t) = figure(
            1, 3, figsize=(11.5, 3.9), width_ratios=[1.0, 1.15, 1.15]
        )
        self.sizes = list(runs)
        lo = np.minimum(w0, w_min) - 1.5
        hi = np.maximum(w0, w_min) + 1.5
        xs, ys = np.linspace(lo[0], hi[0], 90), np.linspace(lo[1], hi[1], 90)
        G = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        Z = cost(G, X, Y).reshape(len(ys), len(xs))
        J_min = float(cost(w_min, X, Y))
        levels = J_min + (float(Z.max()) - J_min) * np.geomspace(1e-3, 1, 12)
        viz.plot_contour(self.ax_c, xs, ys, Z, levels, minimum=w_min)
        self.path = viz.plot_paths(
            self.ax_c, np.zeros((1, 2, 2)), ["w during training"], colors=[COLOR]
        )
        self.path.lines[0].set_linewidth(0.9)
        self.ax_c.set(xlabel="$w_1$", ylabel="$w_2$", title="path of w on J(w)")

        ax = self.ax_e
        self.batch = viz.plot_series(
            ax,
            [0, 1],
            [1, 1],
            label="mini-batch cost $J^{\\{t\\}}$",
            what="epoch",
            style={
                "color": "0.45",
                "ls": "none",
                "marker": ".",
                "ms": 2.0,
                "alpha": 0.35,
                "mew": 0,
            },
            rescale=False,
            marks_xy=(0.02, 0.2),
        )
        self.curve = viz.plot_series(
            ax,
            [0, 1],
            [1, 1],
            label="cost on all m",
            what="epoch",
            style={"color": COLOR, "lw": 2.2, "zorder": 3},
            rescale=False,
            marks_xy=(0.02, 0.12),
        )
        ax.legend(loc="upper right", fontsize="small", markerscale=4)
        self.curve.text.set(x=0.98, y=0.74, fontsize="small")
        self.batch.text.set_visible(False)
        self.J0 = float(cost(w0, X, Y))
        ax.set(xlabel="epoch", ylabel="cost J", xlim=(0, epochs))
        ax.set_ylim(0, 1.25 * self.J0)

        ax = self.ax_t
        self.J_min = J_min
        cmap = matplotlib.colormaps["viridis"]
        self.others = {}
        for i, b in enumerate(self.sizes):
            color = cmap(0.85 * i / max(1, len(self.sizes) - 1))
            (self.others[b],) = ax.plot(
                [1, 2], [1, 1], color=color, lw=0.9, alpha=0.7, label=f"{b}"
            )
        ax.legend(
            loc="lower left",
            fontsize="x-small",
            ncol=2,
            title="batch size",
            title_fontsize="x-small",
            handlelength=1.2,
            columnspacing=0.8,
        )
        self.timed = viz.plot_series(
            ax,
            [1, 2],
            [1, 1],
            style={"color": COLOR, "lw": 2.0},
            rescale=False,
            what="step",
            log=True,
            marks_xy=(0.3, 0.2),
        )
        self.timed.text.set_visible(False)  # one text for both (texts are slow)
        ax.set_xscale("log")
        ax.set(
            xlabel="wall-clock time (s)",
            ylabel=f"J − J_min on all m  (≥ {GAP_FLOOR:g})",
        )
        ax.set_ylim(0.5 * GAP_FLOOR, 3 * (self.J0 - J_min))
        self.shown_runs = None

    def gap(self, run: MinibatchRun) -> np.ndarray:
        """J(w_t) − J_min, floored at GAP_FLOOR for the log axis (t ≥ 1)."""
        g = run.cost[1:] - self.J_min
        return np.where(np.isfinite(g), np.maximum(g, GAP_FLOOR), g)

    def _time_axis(self, runs: dict) -> None:
        """The curves of every batch size and the time limits (full redraw)."""
        self.shown_runs = runs
        lo, hi = np.inf, 0.0
        for b, run in runs.items():
            t = run.seconds[1:]
            self.others[b].set_data(t, self.gap(run))
            lo, hi = min(lo, t[0]), max(hi, t[-1])
        self.ax_t.set_xlim(lo / 1.5, hi * 1.5)

    def draw(self, result) -> bool:
        runs, b = result
        full = runs is not self.shown_runs
        if full:  # a new seed: new curves of every size on the time axis
            self._time_axis(runs)
        run = runs[b]
        viz.update_paths(self.path, run.W[None])
        viz.update_series(self.batch, x=run.epochs[:-1], y=run.batch_cost)
        viz.update_series(self.curve, x=run.epochs, y=run.cost)
        viz.update_series(self.timed, x=run.seconds[1:], y=self.gap(run))
        return full

    def animated(self) -> list:
        return viz.artists_of(self.path, self.batch, self.curve, self.timed)


def minibatch_panel(
    *,
    m: int = 300,
    epochs: int = 10,
    learning_rate: float = 0.3,
    batch_sizes=None,
    w0=(-2.0, 3.0),
    seed: int = 0,
    data_seed: int = 0,
) -> Panel:
    """The mini-batch demo: one slider over ``batch_sizes`` (default 1, 2, 4, ..., m).

    Every batch size is trained up front (``epochs`` epochs, step size
    ``learning_rate``, from ``w0``, shuffles from ``seed``); ``panel.runs``
    maps a batch size to its :class:`MinibatchRun` and ``panel.data`` is
    (X, Y). The "new seed" button draws new shuffles and retrains them all
    (no compilation; ``panel.runs`` then holds the new runs).
    """
    check_int("m", m, lo=2)
    check_int("epochs", epochs, lo=1)
    check_range("learning_rate", learning_rate, 0.0, None, lo_closed=False)
    if batch_sizes is not None:
        if isinstance(batch_sizes, (str, bytes)) or not hasattr(
            batch_sizes, "__iter__"
        ):
            raise TypeError(
                "batch_sizes must be None or a list of integers, got "
                f"{type(batch_sizes).__name__}"
            )
        for b in batch_sizes:
            check_int("batch_sizes", b, lo=1, hi=m)
    check_array("w0", w0, shape=(2,))
    check_finite("w0", w0)
    check_int("seed", seed, lo=0)
    check_int("data_seed", data_seed, lo=0)
    X, Y = make_data(m, data_seed)
    sizes = list(batch_sizes or batch_sizes_for(m))
    w0 = np.asarray(w0, dtype=np.float64)
    cache = {}

    def train_all(key) -> dict:
        data = np.asarray(jax.random.key_data(key))
        if cache.get("key") is not None and np.array_equal(cache["key"], data):
            return cache["runs"]
        progress = Progress(epochs)
        runs = train_many(
            X, Y, w0, learning_rate, sizes, shuffles(key, m, epochs), progress.update
        )
        progress.close()
        cache.update(key=data, runs=runs)
        if "panel" in cache:
            cache["panel"].runs = runs  # always the runs on show
        return runs

    runs = train_all(jax.random.key(seed))
    view = _View(X, Y, w0, minimizer(X, Y), runs, epochs)
    slider = widgets.SelectionSlider(
        options=[(_label(b, m), b) for b in sizes],
        value=sizes[len(sizes) // 2],
        description="batch size",
        continuous_update=True,
        style={"description_width": "90px"},
        layout=widgets.Layout(width="480px"),
    )

    view.fig.tight_layout()

    def compute(*, batch_size, key):
        return train_all(key), batch_size

    def readout(result):
        runs, b = result
        run = runs[b]
        steps = run.steps_per_epoch
        return (
            f"b = {b}: ⌈m/b⌉ = {steps} step{'s' if steps > 1 else ''} per epoch, "
            f"{1e3 * run.epoch_time:.2f} ms per epoch (median)"
        )

    panel = Panel(
        {"batch_size": slider},
        compute,
        view.draw,
        fig=view.fig,
        seed=seed,
        animated=view.animated,
        columns=1,
        warmup=None,
        readout=readout,
        title=f"<b>Mini-batch gradient descent</b>: logistic regression, m = {m}, "
        f"{epochs} epochs, α = {learning_rate:g} (every b trained once, up front)",
    )
    panel.runs = runs  # replaced when a new seed retrains
    panel.data = (X, Y)
    cache["panel"] = panel
    return panel
