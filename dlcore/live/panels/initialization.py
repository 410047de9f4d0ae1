"""Weight initialisation, live: per-layer activations and training per scheme.

:func:`init_panel`: a 12-layer, 100-unit net right after initialisation.
Left, one column per layer: the histogram of A[l] as an image (fraction of
values per bin; values beyond the range are clipped into the end bins and
counted). Right: std(A[l]) per layer on a log axis with the mean-field
theory. The scheme, the scale and the random draws are traced arguments of
one compiled call per activation.

:func:`training_panel`: the same small relu network trained on the moons
from each of the six schemes, all in ONE vmapped compiled call at
construction. Left: the training cost per scheme (the chosen one bold).
Right: the incoming weights (W1[i, 0], W1[i, 1]) of every hidden unit i of
layer 1 at the chosen step, with their paths so far: with zeros or a
constant every row of W1 stays identical (one dot), random schemes spread.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import jax
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import PowerNorm

from dlcore import init
from dlcore._checks import check_choice, check_int, check_range
from dlcore.demos import vanishing_exploding as depth
from dlcore.demos.initialization import TRAIN_NET, distinct_rows, train_all_schemes
from dlcore.live import viz
from dlcore.live.controls import once_per_key
from dlcore.live.panel import Panel, figure
from dlcore.live.panels.vanishing import light_log_axis, log_limits, set_log_ylim

__all__ = [
    "INIT_NET",
    "init_panel",
    "training_panel",
]

INIT_NET = dict(num_layers=12, width=100, m=128, bins=40)
VALUE_RANGE = {"relu": (0.0, 3.0), "tanh": (-1.0, 1.0)}


def init_panel(
    *, scheme: str = "he", scale: float = 1.0, activation: str = "relu"
) -> Panel:
    """Per-layer activation histograms and std(A[l]) right after initialisation."""
    check_choice("scheme", scheme, init.SCHEMES)
    check_range("scale", scale, 0.1, 10.0)
    check_choice("activation", activation, VALUE_RANGE)
    L, n, bins = INIT_NET["num_layers"], INIT_NET["width"], INIT_NET["bins"]
    controls = {
        "scheme": widgets.Dropdown(
            options=list(init.SCHEMES), value=scheme, description="scheme"
        ),
        "scale": widgets.FloatLogSlider(
            scale,
            base=10,
            min=-1,
            max=1,
            step=0.02,
            description="scale ×",
            readout_format=".3g",
        ),
        "activation": widgets.Dropdown(
            options=list(VALUE_RANGE), value=activation, description="g"
        ),
    }
    fig, (ax_h, ax_s) = figure(1, 2, figsize=(9.2, 3.7), width_ratios=[1.3, 1])
    lo, hi = VALUE_RANGE[activation]
    image = ax_h.imshow(
        np.zeros((bins, L)),
        origin="lower",
        aspect="auto",
        cmap="magma",
        norm=PowerNorm(0.5, vmin=0.0, vmax=0.3),
        extent=(0.5, L + 0.5, lo, hi),
        interpolation="nearest",
    )
    fig.colorbar(image, ax=ax_h, fraction=0.05, pad=0.02, label="fraction of A[l]")
    note = ax_h.text(
        0.02,
        0.97,
        "",
        transform=ax_h.transAxes,
        va="top",
        ha="left",
        color="white",
        fontsize="x-small",
    )
    ax_h.set(xlabel="layer l", ylabel="value of A[l]", xticks=range(1, L + 1))
    ax_h.set_title("histogram of A[l], one column per layer", fontsize="medium")
    x = np.arange(1, L + 1)
    std = viz.plot_series(
        ax_s,
        x,
        np.ones(L),
        label="std(A[l])",
        what="layer",
        log=True,
        style={"color": "tab:blue", "marker": "o"},
        rescale=False,
        marks_xy=(0.02, 0.86),
    )
    (theory,) = ax_s.plot(x, np.ones(L), "--", color="black", lw=1.2)
    ax_s.get_legend().remove()
    ax_s.set(
        xlabel="layer l",
        xlim=(0.5, L + 0.5),
        ylim=(1e-3, 1e2),
        xticks=range(1, L + 1, 2),
    )
    ax_s.set_title("std(A[l]) (dashed: theory)", fontsize="medium")
    light_log_axis(ax_s)
    fig.tight_layout()
    shown = {"activation": activation}
    draws = once_per_key(
        lambda key: depth.net_draws(key, num_layers=L, width=n, m=INIT_NET["m"])
    )

    def compute(*, scheme, scale, activation, key):
        out = depth.layer_histograms(
            key,
            scheme,
            scale,
            activation=activation,
            num_layers=L,
            width=n,
            m=INIT_NET["m"],
            bins=bins,
            value_range=VALUE_RANGE[activation],
            draws=draws(key),
        )
        return scheme, float(scale), activation, jax.tree.map(np.asarray, out)

    def draw(result):
        scheme, s, act, h = result
        full = False
        if act != shown["activation"]:
            a, b = VALUE_RANGE[act]
            image.set_extent((0.5, L + 0.5, a, b))
            ax_h.set_ylim(a, b)
            fig.tight_layout()
            shown["activation"] = act
            full = True
        per = np.maximum(h.counts.sum(axis=1, keepdims=True), 1)
        image.set_data((h.counts / per).T)
        total = INIT_NET["m"] * n
        parts = []
        hot = np.flatnonzero(h.above > 0.05 * total)
        if hot.size:
            parts.append(f"> {VALUE_RANGE[act][1]:g} (top row) from layer {hot[0] + 1}")
        bad = np.flatnonzero(h.nonfinite)
        if bad.size:
            parts.append(f"NaN/inf from layer {bad[0] + 1}")
        note.set_text("\n".join(parts))
        viz.update_nonfinite(std.marks, x, h.std, what="layer", log=True, name="std(A)")
        std.line.set_data(x, viz.drawable(h.std, True))
        full |= set_log_ylim(ax_s, log_limits(h.std, ax_s.get_ylim()))
        sd = init.std(scheme, n, n, s)
        if sd > 0 and np.isfinite(h.std[0]) and h.std[0] > 0:
            t = depth.activation_theory(act, math.sqrt(n) * sd, L, h.std[0])
            theory.set_data(x, np.clip(t, *ax_s.get_ylim()))
        else:
            theory.set_data(x, np.full(L, np.nan))
        return full

    def readout(result):
        scheme, s, act, _ = result
        sd = init.std(scheme, n, n, s)
        if sd == 0:
            return f"{scheme}: every W[l] entry is the same number (theory: none)"
        gain = depth.FORWARD_GAIN[act]
        return (
            f"{scheme} × {s:.3g}: n·Var(W) = {n * sd * sd:.3g}; theory (dashed): "
            f"std(A[l]) × {math.sqrt(n * sd * sd * gain):.3g} per layer"
        )

    return Panel(
        controls,
        compute,
        draw,
        fig=fig,
        readout=readout,
        animated=[image, note, theory, *viz.artists_of(std)],
        title=f"<b>A {L}-layer net at initialisation</b>: {n} units per layer, "
        "X ~ N(0, 1), b = 0, W[l] from the scheme × scale",
    )


# ---------------------------------------------------------------------------
# Training from each scheme
# ---------------------------------------------------------------------------


def training_panel(*, seed: int = 0, scheme: str = "constant", **overrides) -> Panel:
    """Loss per scheme (left) and the rows of W1 over training (right)."""
    check_int("seed", seed, lo=0)
    check_choice("scheme", scheme, init.SCHEMES)
    res = train_all_schemes(seed, **overrides)
    T = res.loss.shape[1]
    controls = {
        "scheme": widgets.Dropdown(
            options=list(res.schemes), value=scheme, description="scheme"
        ),
        "step": widgets.IntSlider(T, min=0, max=T, description="step"),
    }
    fig, (ax_l, ax_w) = figure(1, 2, figsize=(9.4, 3.7))
    steps = np.arange(T)
    lines = []
    for k, name in enumerate(res.schemes):
        (ln,) = ax_l.plot(
            steps,
            viz.drawable(res.loss[k], True),
            label=name,
            color=f"C{k}",
            lw=1.0,
            alpha=0.5,
        )
        lines.append(ln)
    bad = [
        f"{name}: NaN from step {int(np.argmax(~np.isfinite(res.loss[k])))}"
        for k, name in enumerate(res.schemes)
        if not np.isfinite(res.loss[k]).all()
    ]
    ax_l.text(
        0.02,
        0.02,
        "\n".join(bad),
        transform=ax_l.transAxes,
        color=viz.NONFINITE_COLOR,
        fontsize="x-small",
        va="bottom",
    )
    now = ax_l.axvline(T, color="0.3", lw=0.8, ls=":")
    ax_l.set(
        yscale="log",
        xlabel="step",
        ylabel="training cost J",
        xlim=(0, T),
        ylim=(1e-2, 10.0),
    )
    ax_l.set_title("cost per init scheme (GD on the moons)", fontsize="medium")
    ax_l.legend(loc="upper right", fontsize="x-small", ncols=2)
    trails = LineCollection([], colors="0.6", lw=0.7)
    ax_w.add_collection(trails)
    (dots,) = ax_w.plot([], [], "o", color="tab:red", ms=5, mec="black", mew=0.5)
    label = ax_w.text(
        0.02,
        0.97,
        "",
        transform=ax_w.transAxes,
        va="top",
        fontsize="small",
        bbox=viz.LABEL_BOX,
    )
    ax_w.set(xlabel="W1[i, 0] (weight from x1)", ylabel="W1[i, 1] (weight from x2)")
    n1 = res.W1.shape[2]
    ax_w.set_title(f"incoming weights of the {n1} units of layer 1", fontsize="medium")
    fig.tight_layout()
    shown = {"scheme": None}

    def view_for(k: int) -> None:
        W = res.W1[k]
        pts = W.reshape(-1, 2)
        pts = pts[np.isfinite(pts).all(axis=1)]
        lo, hi = (pts.min(0), pts.max(0)) if pts.size else (-np.ones(2), np.ones(2))
        pad = np.maximum(0.1 * (hi - lo), 0.1)
        ax_w.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax_w.set_ylim(lo[1] - pad[1], hi[1] + pad[1])

    def compute(*, scheme, step, key):
        del key  # everything was trained at construction
        return res.schemes.index(scheme), int(step)

    def draw(result):
        k, t = result
        full = k != shown["scheme"]
        if full:
            for j, ln in enumerate(lines):
                viz.set_base_linewidth(ln, 2.6 if j == k else 1.0)
                ln.set_alpha(1.0 if j == k else 0.35)
            view_for(k)
            shown["scheme"] = k
        now.set_xdata([t, t])
        W = res.W1[k, : t + 1]  # (t + 1, n1, 2)
        trails.set_segments([W[:, i, :] for i in range(n1)])
        dots.set_data(W[-1, :, 0], W[-1, :, 1])
        d = distinct_rows(W[-1])
        J = res.loss[k, min(t, T - 1)]
        rows = "rows not finite" if d < 0 else f"{d} distinct row(s) of W1"
        label.set_text(f"{res.schemes[k]}, step {t}: {rows};  J = {J:.3g}")
        return full

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        show_seed=False,
        animated=[now, trails, dots, label],
        title="<b>Training from each initialisation</b>: a "
        f"{list(res.config.layer_dims)} relu net on the moons, full-batch GD "
        f"(α = {TRAIN_NET['learning_rate']}); every run precomputed in one call",
    )
    panel.training = res
    return panel
