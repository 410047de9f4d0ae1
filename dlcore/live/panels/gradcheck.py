"""Gradient checking, live: the ε U-curve, a planted bug, the dropout false alarm.

:func:`eps_panel`: the relative error of a whole gradient check against ε
(log-log), one-sided and two-sided, float32 and float64, with the notes'
bands (< 1e-7 great, > 1e-3 bug). The four curves are computed once at
construction (:func:`dlcore.demos.gradient_checking.eps_curves`, vectorised NumPy, well
under a second); the ε slider only moves the marker and the readout.

:func:`bug_panel`: per-block relative errors (W1, b1, ...) of the check
against a backward pass with one planted bug; the largest block points at it.

:func:`dropout_panel`: the same bars for a net with dropout, when every
evaluation of J draws a new mask (a false alarm) or all share one.
"""

from __future__ import annotations

import ipywidgets as widgets
import jax
import numpy as np

from dlcore._checks import check_bool, check_choice, check_int, check_range
from dlcore.demos import gradient_checking as fd
from dlcore.demos.gradient_checking import BUG, GREAT, error_at, verdict
from dlcore.live.panel import Panel, figure

__all__ = ["bug_panel", "dropout_panel", "eps_panel"]

FLOOR = 1e-16  # errors are drawn at least here on the log axis
_COLORS = {"float64": "tab:blue", "float32": "tab:orange"}
_STYLES = {"two_sided": "-", "one_sided": "--"}


def _bands(ax) -> None:
    ax.axhline(GREAT, color="tab:green", ls=":", lw=1.3, label="1e-7: great below")
    ax.axhline(BUG, color="tab:red", ls=":", lw=1.3, label="1e-3: bug above")


def eps_panel(*, eps: float = 1e-7, seed: int = 0) -> Panel:
    """The ε slider (log scale, 1e-12 .. 1e-1) over the precomputed U-curves."""
    check_range("eps", eps, 1e-12, 1e-1)
    check_int("seed", seed, lo=0)
    problem = fd.demo_problem(seed)
    curves = fd.eps_curves(problem)
    controls = {
        "eps": widgets.FloatLogSlider(
            eps,
            base=10,
            min=-12,
            max=-1,
            step=0.125,
            description="ε",
            readout_format=".1e",
        )
    }
    fig, ax = figure(figsize=(8.6, 3.7))
    keys = [(m, d) for d in fd.DTYPES for m in fd.METHODS]
    for m, d in keys:
        ax.plot(
            curves.eps,
            np.maximum(curves.curve(m, d), FLOOR),
            _STYLES[m],
            color=_COLORS[d],
            lw=1.6,
            label=f"{m.replace('_', '-')}, {d}",
        )
    _bands(ax)
    ax.set(
        xscale="log",
        yscale="log",
        xlim=(1e-12, 1e-1),
        ylim=(1e-12, 3.0),
        xlabel="ε",
        ylabel="relative error of the check",
    )
    ax.legend(loc="lower left", fontsize="x-small", ncol=2)
    vline = ax.axvline(eps, color="0.3", lw=1.0)
    (dots,) = ax.plot([], [], "o", color="black", ms=5, zorder=5)
    ax.set_title(
        f"Grad check of a {list(problem.config.layer_dims)} tanh net "
        f"({curves.n} parameters), dθ from backprop in float64",
        fontsize="medium",
    )
    fig.tight_layout()

    def compute(*, eps, key):
        del key  # deterministic: the curves are fixed
        errs = {k: error_at(curves.eps, curves.curve(*k), eps, FLOOR) for k in keys}
        return float(eps), errs

    def draw(result):
        e, errs = result
        vline.set_xdata([e, e])
        dots.set_data([e] * len(keys), [errs[k] for k in keys])
        return False

    def readout(result):
        e, errs = result
        two64, two32 = errs[("two_sided", "float64")], errs[("two_sided", "float32")]
        return (
            f"ε = {e:.1e}: two-sided difference, float64 {two64:.1e} "
            f"({verdict(two64)}), float32 {two32:.1e}"
        )

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        show_seed=False,
        readout=readout,
        animated=[vline, dots],
        title="<b>Choosing ε</b>: truncation error (large ε) against round-off "
        "(small ε)",
    )
    panel.curves = curves
    panel.problem = problem
    return panel


class _BlockBars:
    """Bars of per-block relative errors on a log axis, with the notes' bands."""

    def __init__(self, ax, blocks):
        self.ax, self.blocks = ax, list(blocks)
        x = np.arange(len(self.blocks))
        self.bars = ax.bar(x, np.ones(len(x)), bottom=FLOOR, width=0.6)
        _bands(ax)
        ax.set(
            yscale="log",
            ylim=(1e-12, 30.0),
            xticks=x,
            xlim=(-0.6, len(x) - 0.4),
            ylabel="relative error (ε = 1e-7)",
        )
        ax.set_xticklabels(self.blocks)
        edge = ax.get_yaxis_transform()  # x in axes, y in data coordinates
        for y, word, color in ((GREAT, "great", "tab:green"), (BUG, "bug", "tab:red")):
            ax.text(
                1.01,
                y,
                word,
                transform=edge,
                va="center",
                color=color,
                fontsize="small",
            )
        self.worst = ax.text(0, 1, "", ha="center", va="bottom", fontsize="small")
        self.info = ax.set_title(" ", fontsize="medium")  # the readout

    def update(self, per: dict, overall: float, note: str = "") -> None:
        for bar, k in zip(self.bars, self.blocks, strict=True):
            err = per[k]
            shown = max(err, FLOOR) if np.isfinite(err) else 10.0
            bar.set_height(shown - FLOOR)
            color = (
                "tab:green"
                if err < GREAT
                else "tab:orange"
                if err <= BUG
                else "tab:red"
            )
            bar.set_color(color)
        worst = max(per, key=per.get)
        i = self.blocks.index(worst)
        self.worst.set_position((i, max(per[worst], FLOOR) * 1.5))
        self.worst.set_text("largest ↓" if per[worst] > GREAT else "")
        text = f"overall {overall:.1e}: {verdict(overall)}"
        self.info.set_text(f"{note} · {text}" if note else text)

    def artists(self) -> list:
        return [*self.bars, self.worst, self.info]


def bug_panel(*, bug: str = "dW2 without 1/m", seed: int = 0) -> Panel:
    """Pick a planted bug; the bars show where the check finds it.

    dθ_approx (two-sided, ε = 1e-7, float64) does not depend on the bug: it
    is computed once; each bug's dθ comes from
    :func:`dlcore.demos.gradient_checking.mlp_grad`.
    """
    check_choice("bug", bug, fd.BUGS)
    check_int("seed", seed, lo=0)
    problem = fd.demo_problem(seed)
    approx, table = fd.bug_table(problem, 1e-7)
    controls = {
        "bug": widgets.Dropdown(options=list(fd.BUGS), value=bug, description="bug")
    }
    fig, ax = figure(figsize=(8.0, 3.5))
    bars = _BlockBars(ax, list(approx))
    fig.tight_layout()

    def compute(*, bug, key):
        del key
        return bug, *table[bug]

    def draw(result):
        b, per, overall = result
        bars.update(per, overall, fd.BUGS[b][0])
        return False

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        show_seed=False,
        animated=bars.artists(),
        title="<b>Find the bug</b>: per-block relative error of the check "
        "(two-sided, ε = 1e-7, float64). Which block disagrees with "
        "dθ<sub>approx</sub>?",
    )
    panel.table, panel.problem = table, problem
    return panel


def dropout_panel(*, keep_prob: float = 0.8, fresh: bool = True, seed: int = 0):
    """keep_prob slider and a "new mask per evaluation" toggle; bars per block."""
    check_range("keep_prob", keep_prob, 0.5, 1.0)
    check_bool("fresh", fresh)
    check_int("seed", seed, lo=0)
    problem = fd.demo_problem(seed)
    blocks = list(problem.params)
    controls = {
        "keep_prob": widgets.FloatSlider(
            keep_prob, min=0.5, max=1.0, step=0.05, description="keep_prob"
        ),
        "fresh": widgets.ToggleButton(
            fresh, description="new mask per evaluation of J"
        ),
    }
    controls["fresh"].layout.width = "230px"
    fig, ax = figure(figsize=(8.0, 3.5))
    bars = _BlockBars(ax, blocks)
    fig.tight_layout()

    def compute(*, keep_prob, fresh, key):
        s = int(np.asarray(jax.random.key_data(key), np.uint64).sum())
        approx, grads = fd.dropout_check(problem, keep_prob, fresh=fresh, seed=s)
        per, overall = fd.block_errors(approx, grads)
        return keep_prob, fresh, per, overall

    def draw(result):
        kp, fresh, per, overall = result
        how = "new mask per J" if fresh else "one fixed mask"
        bars.update(per, overall, f"keep_prob = {kp:.2f}, {how}")
        return False

    return Panel(
        controls,
        compute,
        draw,
        fig=fig,
        animated=bars.artists(),
        columns=2,
        title="<b>Dropout makes J random</b>: per-block relative error of the "
        "check (two-sided, ε = 1e-7). It fails although backprop is right.",
    )
