"""Why normalizing the inputs speeds up gradient descent, live.

A two-feature linear regression without bias, J(w) = (1/2m) Σ_i (wᵀx^(i) − y^(i))²,
on the SAME data twice: the raw features, where feature 2 is measured in units
that make its spread ``ratio`` times that of feature 1, and the normalized
features (x − μ)/σ (:class:`dlcore.data.Normalizer`, fit on that data). The
raw features are centred by construction, so normalizing only changes their
scale and the two models can fit exactly the same predictions.

J is quadratic with Hessian H = X Xᵀ/m (2×2), so everything has a closed form:
the eigenvalues λ_min ≤ λ_max of H, the condition number κ = λ_max/λ_min, and
gradient descent w ← w − α ∇J = w − α H (w − w*), which multiplies the error's
component along eigenvector i by (1 − α λ_i) at every step.

Left: contours of the raw cost (elongated: κ grows like ratio²) with the GD
path. Middle: the same for the normalized features (round). Right: the
relative cost gap (J(w_t) − J*)/(J(w_0) − J*) per step and the number of steps
until it is ≤ ``tol``. Both paths start at the same spot of their own picture
(``START`` from the minimum ★). The learning-rate rule is one of ``RULES``;
the default α = 2/(λ_min + λ_max) is the best constant step for each cost, and
with it the gap shrinks by exactly q² per step, q = (κ − 1)/(κ + 1), whatever
the start. The numbers come from
:func:`dlcore.demos.normalizing_inputs.descend` (ratio, rule and tol are traced
arguments of one jitted call): moving a control never recompiles. Contours are
drawn as parametric ellipses, so a move updates lines in place and blits.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import jax
import numpy as np
from matplotlib.colors import to_hex

from dlcore._checks import check_int, check_range
from dlcore.demos.normalizing_inputs import (
    KINDS,
    NUM_STEPS,
    RATIO_RANGE,
    RULES,
    TOL,
    Descent,
    contour_ellipses,
    descend,
)
from dlcore.live import viz
from dlcore.live.panel import Panel, figure

__all__ = ["normalizing_panel"]

BOX = ((-3.0, 3.0), (-2.0, 2.0))  # view of w − w*
GAP_FLOOR = 1e-12  # the gap is floored here on the log axis (float32)
COLORS = {"raw": "tab:red", "normalized": "tab:blue"}


# ---------------------------------------------------------------------------
# Panel
# ---------------------------------------------------------------------------


def _fmt_steps(steps: int, rate: float, rate_steps: float, num_steps: int) -> str:
    if steps <= num_steps:
        return f"{steps} step{'s' if steps != 1 else ''}"
    if not rate < 1:
        return f"diverges: |1 − αλ| = {rate:.3g} > 1"
    return f"> {num_steps} (rate: {rate_steps:.2g})".replace("e+0", "e")


def _readout(ratio: float, out) -> str:
    """κ, α and the rate of both costs, as one HTML line."""
    parts = []
    for k, kind in enumerate(KINDS):
        kappa = out.lam[k, 1] / out.lam[k, 0]
        parts.append(
            f"<b style='color:{to_hex(COLORS[kind])}'>{kind}</b>: κ = {kappa:.3g}, "
            f"α = {out.alpha[k]:.3g}, error × {out.rate[k]:.3g} per step"
        )
    return f"σ₂/σ₁ = {ratio:.3g} &nbsp;·&nbsp; " + " &nbsp;·&nbsp; ".join(parts)


def _shown_gap(gap) -> tuple[np.ndarray, np.ndarray]:
    """(t, gap_t) for t = 1..T on a log axis: floored at GAP_FLOOR, and cut
    after the first non-finite value (an overflow stays infinite: one marker
    and one label name it, instead of a marker on every later step)."""
    gap = np.asarray(gap, dtype=np.float64)
    t = np.arange(1, gap.size + 1)
    bad = np.flatnonzero(~np.isfinite(gap))
    if bad.size:
        t, gap = t[: bad[0] + 1], gap[: bad[0] + 1]
    return t, np.where(np.isfinite(gap), np.maximum(gap, GAP_FLOOR), gap)


def _ellipse_xy(H) -> tuple[np.ndarray, np.ndarray]:
    """All contour lines of one cost as ONE line, NaN-separated -> x, y."""
    pts = np.clip(contour_ellipses(H), -60.0, 60.0)  # Agg-friendly numbers
    pts = np.concatenate([pts, np.full((pts.shape[0], 1, 2), np.nan)], axis=1)
    return pts[..., 0].ravel(), pts[..., 1].ravel()


class _View:
    """Raw contours + path, normalized contours + path, gap per step.

    The normalized cost does not depend on σ₂/σ₁ (normalizing removes the
    units), so its artists are static: redrawn in full only when the rule or
    the seed changes. A ratio move blits the raw artists only.
    """

    def __init__(self, num_steps: int):
        self.num_steps = num_steps
        self.shown = None  # (rule, key bits) behind the static artists
        self.result = None
        self.fig, axes = figure(1, 3, figsize=(9.6, 3.7), width_ratios=[1, 1, 1.15])
        self.ax_raw, self.ax_norm, self.ax_gap = axes
        self.levels, self.paths = {}, {}
        # κ, α and the rate go to an HTML line above the figure (the browser
        # draws it): Agg text costs ~4 ms per string per move
        self.readout = widgets.HTML()
        for kind, ax in zip(KINDS, (self.ax_raw, self.ax_norm), strict=True):
            (self.levels[kind],) = ax.plot([], [], color="0.6", lw=0.8, zorder=1)
            ax.plot([0], [0], "*", color="black", markersize=11, zorder=2)
            self.paths[kind] = viz.plot_paths(
                ax, np.zeros((1, 1, 2)), [f"{kind} x"], colors=[COLORS[kind]]
            )
            self.paths[kind].lines[0].set_linewidth(1.2)
            self.paths[kind].legend.remove()
            ax.set(
                xlim=BOX[0],
                ylim=BOX[1],
                xlabel="w₁ − w₁*",
                xticks=[-2, 0, 2],
                yticks=[-2, 0, 2],
            )
            ax.set_aspect("equal", adjustable="box")
        self.ax_raw.set_ylabel("w₂ − w₂*")
        self.ax_raw.set_title("raw x", fontsize="medium")
        self.ax_norm.set_title("normalized x", fontsize="medium")

        ax = self.ax_gap
        t = np.arange(1, num_steps + 1)
        self.gap = {}
        for k, kind in enumerate(KINDS):
            self.gap[kind] = viz.plot_series(
                ax,
                t,
                np.ones(num_steps),
                label=f"{kind} x",
                log=True,
                rescale=False,
                marks_xy=(0.03, 0.13 - 0.08 * k),
                style={"color": COLORS[kind], "lw": 1.8},
            )
        self.gap["normalized"].text.set_visible(False)
        self.gap["raw"].text.set_visible(False)
        self.steps_text = {}
        for k, kind in enumerate(("header", *KINDS)):
            self.steps_text[kind] = ax.text(
                0.97,
                0.97 - 0.085 * k,
                f"steps to gap ≤ {TOL:.0e}" if k == 0 else "",
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize="small",
                color=COLORS.get(kind, "black"),
            )
        ax.legend(loc="center right", fontsize="small")
        ax.set_xscale("log")
        ax.axhline(TOL, color="0.3", ls=":", lw=1.0)
        self.done = {
            kind: ax.plot([], [], "o", color=COLORS[kind], mec="black", ms=5, zorder=4)[
                0
            ]
            for kind in KINDS
        }
        ax.set(
            xlim=(1, num_steps),
            ylim=(1e-10, 1e4),
            xlabel="step t",
            ylabel="(J − J*) / (J₀ − J*)",
            yticks=[1e-9, 1e-6, 1e-3, 1.0],
            xticks=[1, 10, 100, 1000],
        )
        self.layout(lecture=False)

    def layout(self, lecture: bool) -> None:
        """Fixed margins (tight_layout costs ~0.5 s of text layout at start-up,
        and squeezes the equal-aspect axes in lecture mode)."""
        if lecture:
            self.fig.subplots_adjust(
                left=0.1, right=0.98, bottom=0.22, top=0.87, wspace=0.6
            )
        else:
            self.fig.subplots_adjust(
                left=0.07, right=0.985, bottom=0.14, top=0.92, wspace=0.32
            )

    def _draw_kind(self, k: int, kind: str, out) -> None:
        self.levels[kind].set_data(*_ellipse_xy(out.H[k]))
        viz.update_paths(self.paths[kind], out.path[k][None])
        t, gap = _shown_gap(out.gap[k, 1:])
        viz.update_series(self.gap[kind], x=t, y=gap)
        ok = out.steps[k] <= self.num_steps
        self.done[kind].set_data(
            [max(int(out.steps[k]), 1)] if ok else [], [TOL] if ok else []
        )
        self.steps_text[kind].set_text(
            f"{kind}: "
            + _fmt_steps(
                int(out.steps[k]),
                float(out.rate[k]),
                float(out.rate_steps[k]),
                self.num_steps,
            )
        )

    def draw(self, result) -> bool:
        ratio, rule, key_bits, out = result
        self.result = out
        full = self.shown != (rule, key_bits)
        self.shown = (rule, key_bits)
        kinds = enumerate(KINDS) if full else [(0, "raw")]
        for k, kind in kinds:
            self._draw_kind(k, kind, out)
        self.readout.value = _readout(ratio, out)
        return full  # a ratio move only changes the animated (raw) artists

    def animated(self) -> list:
        return [
            self.levels["raw"],
            *viz.artists_of(self.paths["raw"], self.gap["raw"]),
            self.done["raw"],
            self.steps_text["raw"],
        ]


def normalizing_panel(
    *,
    ratio: float = 5.0,
    rule: str = "best",
    m: int = 100,
    num_steps: int = NUM_STEPS,
    seed: int = 0,
) -> Panel:
    """The normalizing demo: a log slider for σ₂/σ₁ (1 to 1000) and the α rule.

    ``panel.view.result`` is the :class:`Descent` on show (NumPy arrays).
    """
    check_range("ratio", ratio, *RATIO_RANGE)
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of: {', '.join(RULES)}")
    m = check_int("m", m, lo=3)
    num_steps = check_int("num_steps", num_steps, lo=1)
    check_int("seed", seed, lo=0)
    lo, hi = (math.log10(v) for v in RATIO_RANGE)
    controls = {
        "ratio": widgets.FloatLogSlider(
            ratio,
            base=10,
            min=lo,
            max=hi,
            step=0.02,
            description="σ₂/σ₁",
            readout_format=".3g",
            continuous_update=True,
        ),
        "rule": widgets.Dropdown(
            options=[(label, name) for name, label in RULES.items()],
            value=rule,
            description="step size",
            style={"description_width": "70px"},
            layout=widgets.Layout(width="320px"),
        ),
    }
    view = _View(num_steps)

    def compute(*, ratio, rule, key):
        bits = np.asarray(jax.random.key_data(key)).tobytes()
        out = descend(key, float(ratio), rule, tol=TOL, m=m, num_steps=num_steps)
        return ratio, rule, bits, Descent(*(np.asarray(a) for a in out))

    panel = Panel(
        controls,
        compute,
        view.draw,
        fig=view.fig,
        seed=seed,
        animated=view.animated,
        columns=2,
        title="<b>Normalizing inputs</b>: gradient descent on J(w₁, w₂) of a linear "
        "regression, raw features vs normalized ones (★ = minimum)",
    )

    def lecture_layout(on: bool) -> None:  # runs after the panel's own handler
        view.layout(lecture=on)
        view.fig.canvas.draw_idle()

    panel.lecture_button.observe(
        lambda ch: panel.guard("lecture layout", lecture_layout, ch["new"]), "value"
    )
    panel.show_above_figure(view.readout)
    panel.view = view  # panel.view.result: the Descent on show
    return panel
