"""Hyperparameter search, live: grid vs random, sampling scales, coarse to fine.

Three panels for notebook 10; the numbers come from
:mod:`dlcore.demos.hyperparameter_search`:

* :func:`grid_vs_random_panel`: a k×k grid and k² random trials on a 2-D
  score where only one axis matters; a slider sets k.
* :func:`sampling_scale_panel`: histograms of α (or β) sampled uniformly on a
  linear scale vs on a log scale; a sample-count slider and a dropdown.
* :func:`coarse_to_fine_panel`: the boxes of :func:`dlcore.search.coarse_to_fine`
  shrinking round by round; a rounds slider.

Every slider here only *selects* among results computed once, up front, from a
fixed key: a move never compiles and the draws never change.
"""

from __future__ import annotations

import ipywidgets as widgets
import jax
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, NullFormatter

from dlcore._checks import check_choice, check_int
from dlcore.demos.hyperparameter_search import (
    SCALE_BINS,
    SCALES,
    c2f_objective,
    coarse_to_fine_run,
    grid_vs_random,
    scale_histograms,
    scale_samples,
    score_2d,
)
from dlcore.live.panel import Panel, figure

__all__ = [
    "coarse_to_fine_panel",
    "grid_vs_random_panel",
    "sampling_scale_panel",
]


# ----------------------------------------------------------------------------
# Grid vs random
# ----------------------------------------------------------------------------


GRID_COLOR = "tab:cyan"


def grid_vs_random_panel(*, k: int = 5, k_max: int = 10, seed: int = 0) -> Panel:
    """A k×k grid and n = k² random trials on :func:`score_2d`; slider: k.

    ``compute`` returns a dict with ``grid`` and ``random`` (n, 2) points, the
    best point/score of each and the number of distinct x values each tried.
    The random trials for k are the first k² of one fixed draw.
    """
    k_max = check_int("k_max", k_max, lo=2)
    check_int("k", k, lo=2, hi=k_max)
    check_int("seed", seed, lo=0)
    results = grid_vs_random(jax.random.key(seed), k_max)

    fig, (ax, ax1) = figure(1, 2, figsize=(9.6, 4.0), width_ratios=[1.1, 1])
    xs = np.linspace(0, 1, 201)
    Z = score_2d(xs[None, :], xs[:, None])
    im = ax.imshow(
        Z,
        origin="lower",
        extent=(0, 1, 0, 1),
        cmap="viridis",
        aspect="auto",
        vmin=0.5,
        vmax=1.0,
    )
    fig.colorbar(im, ax=ax, label="dev accuracy", fraction=0.05, pad=0.02)
    (grid_pts,) = ax.plot(
        [], [], "s", ms=6, mfc="none", mec=GRID_COLOR, mew=1.5, label="grid"
    )
    (rand_pts,) = ax.plot(
        [], [], "o", ms=4.5, color="tab:orange", mec="black", mew=0.5, label="random"
    )
    (grid_best,) = ax.plot([], [], "s", ms=12, mfc="none", mec="red", mew=2)
    (rand_best,) = ax.plot([], [], "o", ms=12, mfc="none", mec="red", mew=2)
    ax.set(
        xlabel="x: a hyperparameter that matters",
        ylabel="y: one that hardly does",
        xlim=(-0.05, 1.05),
        ylim=(-0.05, 1.05),
    )
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=2,
        fontsize="small",
        frameon=False,
    )

    profile = score_2d(xs, 0.5)
    ax1.plot(xs, profile, color="0.4", lw=1.5, label="accuracy at y = 0.5")
    (grid_rug,) = ax1.plot(
        [], [], "|", color=GRID_COLOR, ms=14, mew=2, label="x values of the grid"
    )
    (rand_rug,) = ax1.plot(
        [],
        [],
        "|",
        color="tab:orange",
        ms=14,
        mew=1.5,
        label="x values of the random trials",
    )
    (grid_hit,) = ax1.plot([], [], "s", ms=8, color=GRID_COLOR, mec="black")
    (rand_hit,) = ax1.plot([], [], "o", ms=8, color="tab:orange", mec="black")
    ax1.set(
        xlabel="x (the y axis projected away)",
        ylabel="dev accuracy",
        xlim=(-0.02, 1.02),
        ylim=(0.0, 1.02),
    )
    ax1.legend(
        loc="lower right", bbox_to_anchor=(1.0, 0.2), fontsize="small", framealpha=0.9
    )
    # The labels are static (drawn once, in the background); only the numbers
    # are animated: text is the slowest thing to repaint.
    # Both blocks are right-aligned at the same x, so the monospace columns
    # line up (also in lecture mode, where every font grows alike).
    ax1.text(
        0.46,
        0.6,
        "      distinct x     best\ngrid\nrandom\ntrials each",
        transform=ax1.transAxes,
        fontsize="small",
        va="bottom",
        family="monospace",
        ha="right",
        multialignment="left",
        bbox=dict(boxstyle="round", fc="white", ec="0.7", alpha=0.9),
    )
    text = ax1.text(
        0.46,
        0.6,
        "",
        transform=ax1.transAxes,
        fontsize="small",
        va="bottom",
        family="monospace",
        ha="right",
        multialignment="right",
    )
    fig.tight_layout()

    controls = {
        "k": widgets.IntSlider(k, min=2, max=k_max, step=1, description="k (n = k²)"),
    }

    def compute(*, k, key):
        return results[int(k)]

    def draw(res):
        g, r = res["grid"], res["random"]
        grid_pts.set_data(g[:, 0], g[:, 1])
        rand_pts.set_data(r[:, 0], r[:, 1])
        (gb, gs), (rb, rs) = res["best_grid"], res["best_random"]
        grid_best.set_data([gb[0]], [gb[1]])
        rand_best.set_data([rb[0]], [rb[1]])
        grid_rug.set_data(g[:, 0], np.full(len(g), 0.06))
        rand_rug.set_data(r[:, 0], np.full(len(r), 0.14))
        grid_hit.set_data([gb[0]], [score_2d(gb[0], 0.5)])
        rand_hit.set_data([rb[0]], [score_2d(rb[0], 0.5)])
        gd, rd = res["distinct_grid"], res["distinct_random"]
        sp = " " * 4  # the gap between the columns
        text.set_text(f"\n{gd}{sp}{gs:.3f}\n{rd}{sp}{rs:.3f}\n{len(r)}")
        return False

    animated = [
        grid_pts,
        rand_pts,
        grid_best,
        rand_best,
        grid_rug,
        rand_rug,
        grid_hit,
        rand_hit,
        text,
    ]
    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        seed=seed,
        show_seed=False,
        animated=animated,
        title="<b>Grid vs random search</b>: the same number of trials, k × k",
    )
    panel.results = results
    return panel


# ----------------------------------------------------------------------------
# Sampling on the right scale
# ----------------------------------------------------------------------------


def sampling_scale_panel(
    *, n: int = 1000, n_max: int = 5000, scale: str | None = None, seed: int = 0
) -> Panel:
    """Linear vs log-scale samples of α or β, as histograms on a log axis.

    Left: ``uniform(low, high)``. Right: ``log_uniform`` (α) or
    ``sample_beta`` (β). Bins are evenly spaced in log10 α or in
    r = log10(1 − β), so a log-scale sampler gives flat bars. The first n of
    one fixed draw of ``n_max`` samples are shown. ``compute`` returns the
    shares of each sampler's samples per bin and per decade.
    """
    n_max = check_int("n_max", n_max, lo=100)
    check_int("n", n, lo=100, hi=n_max)
    if scale is not None:
        check_choice("scale", scale, SCALES)
    check_int("seed", seed, lo=0)
    scale = scale or next(iter(SCALES))
    samples = scale_samples(jax.random.key(seed), n_max)

    fig, axes = figure(1, 2, figsize=(9.6, 3.6), sharey=True)
    bars, notes, bands = [], [], []
    for ax, title, color in zip(
        axes,
        ("uniform on a linear scale", "uniform on a log scale"),
        ("tab:gray", "tab:green"),
        strict=True,
    ):
        # one StepPatch per histogram: a single artist to repaint, not 20 bars
        bars.append(
            ax.stairs(
                np.zeros(SCALE_BINS),
                np.arange(SCALE_BINS + 1.0),
                fill=True,
                color=color,
                alpha=0.85,
            )
        )
        # The lowest and the highest decade: a shaded band each (static), with
        # the share of the samples inside it written on top (animated).
        for band_color in ("tab:blue", "tab:red"):
            band = Rectangle(
                (0, 0),
                1,
                1,
                transform=ax.get_xaxis_transform(),
                color=band_color,
                alpha=0.1,
                lw=0,
                zorder=0,
            )
            ax.add_patch(band)
            bands.append(band)
            notes.append(
                ax.text(
                    0,
                    0.97,
                    "",
                    transform=ax.get_xaxis_transform(),
                    ha="center",
                    va="top",
                    fontsize="small",
                    color=band_color,
                    weight="bold",
                )
            )
        ax.set_title(title, fontsize="medium")
    axes[0].set_ylabel("share of the samples per bin")
    axes[0].set_ylim(0, 0.5)
    state = {"shown": None}

    def axes_for(name):
        kind, _, _, edges, ticks, decades = samples[name]
        for i, (lo, hi) in enumerate(decades * 2):  # both axes
            bands[i].set_x(lo)
            bands[i].set_width(hi - lo)
            notes[i].set_x((lo + hi) / 2)
        for ax, steps in zip(axes, bars, strict=True):
            steps.set_data(edges=edges)
            ax.set_xlim(edges[0], edges[-1])
            ax.set_xticks(ticks)
            if kind == "alpha":
                ax.set_xticklabels([f"{10.0**d:g}" for d in ticks])
                ax.set_xlabel("α (log axis)")
            else:  # r = log10(1 - β): β = 0.999 on the left, 0.9 on the right
                ax.set_xticklabels([f"{1 - 10.0**d:g}" for d in ticks])
                ax.set_xlabel("β (log axis in 1 − β)")
        state["shown"] = name

    controls = {
        "scale": widgets.Dropdown(
            options=list(SCALES),
            value=scale,
            description="sample",
            layout={"width": "340px"},
        ),
        "n": widgets.IntSlider(n, min=100, max=n_max, step=100, description="samples"),
    }

    def compute(*, scale, n, key):
        kind, lin, good, edges, _, decades = samples[scale]
        hist, shares = scale_histograms(kind, (lin[:n], good[:n]), edges, decades)
        return {"scale": scale, "n": int(n), "hist": hist, "decades": shares}

    def draw(res):
        new = res["scale"] != state["shown"]
        if new:
            axes_for(res["scale"])
        for steps, h in zip(bars, res["hist"], strict=True):
            steps.set_data(values=h)
        shares = [s for pair in res["decades"] for s in pair]
        for note, share in zip(notes, shares, strict=True):
            note.set_text(f"{100 * share:.1f}%")
        return new

    def animated():
        return [*bars, *notes]

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        seed=seed,
        show_seed=False,
        animated=animated,
        title="<b>Sampling on the right scale</b>: the same number of samples, "
        "two samplers",
    )
    panel.samples = samples
    fig.tight_layout()
    panel.redraw()
    return panel


# ----------------------------------------------------------------------------
# Coarse to fine
# ----------------------------------------------------------------------------


def coarse_to_fine_panel(
    *,
    objective=c2f_objective,
    ranges=((1e-4, 1.0), (1e-4, 10.0)),
    n_trials: int = 20,
    n_rounds: int = 4,
    shrink: float = 0.4,
    seed: int = 0,
) -> Panel:
    """The boxes of coarse-to-fine search on ``objective`` (minimised), both
    axes log; slider: how many rounds to show. ``panel.history`` is the list
    that :func:`dlcore.search.coarse_to_fine` returned (computed once)."""
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {type(objective).__name__}")
    check_int("n_trials", n_trials, lo=1)
    check_int("n_rounds", n_rounds, lo=1)
    check_int("seed", seed, lo=0)
    history, gx, gy, Z = coarse_to_fine_run(
        jax.random.key(seed),
        objective,
        ranges,
        n_trials=n_trials,
        n_rounds=n_rounds,
        shrink=shrink,
    )
    fig, ax = figure(figsize=(6.4, 4.4))
    cs = ax.contourf(
        10**gx,
        10**gy,
        Z,
        levels=np.quantile(Z, np.linspace(0, 1, 12)),
        cmap="Greys_r",
        alpha=0.55,
    )
    fig.colorbar(cs, ax=ax, label="dev error", format="%.2f")
    ax.set(xscale="log", yscale="log", xlabel="learning rate α", ylabel="L2 strength λ")
    for axis in (ax.xaxis, ax.yaxis):  # plain numbers: no slow mathtext labels
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    colors = [f"C{i}" for i in range(n_rounds)]
    boxes = []
    for h, c in zip(history, colors, strict=True):
        (x0, x1), (y0, y1) = h["box"]
        rect = Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=c, lw=2)
        ax.add_patch(rect)
        boxes.append(rect)
    (old,) = ax.plot([], [], ".", color="0.3", ms=4, label="earlier trials")
    (now,) = ax.plot(
        [],
        [],
        "o",
        ms=5,
        color="white",
        mec="black",
        mew=0.5,
        label="this round (box colour)",
    )
    (best,) = ax.plot([], [], "*", color="red", mec="black", ms=16, label="best so far")
    pad = 10**0.15  # a margin, so that the first box (the full range) shows
    ax.set_xlim(ranges[0][0] / pad, ranges[0][1] * pad)
    ax.set_ylim(ranges[1][0] / pad, ranges[1][1] * pad)
    ax.legend(loc="upper right", fontsize="small", framealpha=0.9)
    text = ax.text(
        0.02,
        0.02,
        "",
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize="small",
        bbox=dict(boxstyle="round", fc="white", ec="0.7", alpha=0.9),
    )
    fig.tight_layout()

    controls = {
        "round": widgets.IntSlider(1, min=1, max=n_rounds, step=1, description="round"),
    }

    def compute(*, round, key):
        return int(round)

    def draw(k):
        for i, rect in enumerate(boxes):
            rect.set_visible(i < k)
        h = history[k - 1]
        pts = np.concatenate(
            [g["points"] for g in history[: k - 1]] or [np.zeros((0, 2))]
        )
        old.set_data(pts[:, 0], pts[:, 1])
        now.set_data(h["points"][:, 0], h["points"][:, 1])
        now.set_color(colors[k - 1])
        now.set_markeredgecolor("black")
        best.set_data([h["best"][0]], [h["best"][1]])
        a, lam = h["best"]
        text.set_text(
            f"round {k}: best α = {a:.2g}, λ = {lam:.2g}, error {h['best_value']:.4f}"
        )
        return False

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        seed=seed,
        show_seed=False,
        animated=[*boxes, old, now, best, text],
        title=f"<b>Coarse to fine</b>: {n_trials} random trials per round, "
        f"each box {shrink:g}× the last (in log10)",
    )
    panel.history = history
    return panel
