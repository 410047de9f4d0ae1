"""Regularisation, live: the bias/variance rule, L2/L1/dropout, early stopping,
data augmentation (notebook 04).

* :func:`diagnosis_panel`: the (train error, dev error) plane coloured by
  :func:`dlcore.demos.regularization.diagnose`; sliders for the base error and a
  model's two errors. Pure NumPy, cheap to build (the notebook's first panel).
* :func:`regularization_panel`: a big network on a few noisy moons, trained
  for EVERY (L2/L1, λ, keep_prob) of a grid at construction, by one
  ``fit_many`` call per penalty (λ and keep_prob are traced), with a progress
  bar. The decision-boundary probabilities on a 60×60 mesh and the weight
  histograms are precomputed too, so a move is a lookup plus ``set_data``.
* :func:`early_stopping_panel`: train and dev cost of one long run; a
  patience slider moves the stopping point of
  :func:`dlcore.demos.regularization.early_stopping`.
* :func:`augmentation_panel`: digits and random augmented copies
  (:func:`dlcore.demos.regularization.random_augment`, amounts traced).
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import jax
import numpy as np
from matplotlib.colors import ListedColormap

from dlcore import data
from dlcore._checks import check_bool, check_choice, check_int, check_range
from dlcore.demos import regularization
from dlcore.demos.regularization import (
    HIST_EDGES,
    NEAR_ZERO,
    REGS,
    WORKED_EXAMPLES,
    EarlyStoppingRun,
    RegGrid,
    augmented_copies,
    snap,
    train_early_stopping,
    train_grid,
)
from dlcore.live import viz
from dlcore.live.controls import Progress
from dlcore.live.panel import Panel, figure

__all__ = [
    "augmentation_panel",
    "diagnosis_panel",
    "early_stopping_panel",
    "regularization_panel",
]

_REGION_COLORS = ("#d9f0d3", "#fddbc7", "#d1e5f0", "#e7d4e8")  # by diagnosis code


# ---------------------------------------------------------------------------
# The bias/variance rule
# ---------------------------------------------------------------------------


def diagnosis_panel(
    *,
    base: float = 0.0,
    train_error: float = 0.15,
    dev_error: float = 0.16,
    bias_tol: float = 0.05,
    variance_tol: float = 0.05,
    emax: float = 0.4,
) -> Panel:
    """Errors in percent: sliders for the base error and a model's train and
    dev error; the plane is coloured by
    :func:`~dlcore.demos.regularization.diagnosis_code`.

    Left: x = train error, y = dev error, four coloured regions (recomputed
    when the base error moves, from the same function), the notes' four
    worked examples (grey, numbered) and the model (black). Right: bars base /
    train / dev. The verdict and the two gaps are in the readout line.

    Every move blits: the regions image is animated, drawn first, and the
    examples and the axes frame are drawn over it, so moving the base error
    repaints the plane without a full redraw.
    """
    check_range("emax", emax, 0.0, 1.0, lo_closed=False)
    for name, v in (
        ("base", base),
        ("train_error", train_error),
        ("dev_error", dev_error),
    ):
        check_range(name, v, 0.0, emax)
    check_range("bias_tol", bias_tol, 0.0, 1.0)
    check_range("variance_tol", variance_tol, 0.0, 1.0)
    n = 161
    g = np.linspace(0.0, emax, n)
    TR, DV = np.meshgrid(g, g)  # image row i = dev error g[i]
    fig, (ax, axb) = figure(1, 2, figsize=(8.6, 3.6), width_ratios=[1.25, 1])
    cmap = ListedColormap(_REGION_COLORS)
    image = ax.imshow(
        np.zeros((n, n)),
        origin="lower",
        extent=(0, 100 * emax, 0, 100 * emax),
        cmap=cmap,
        vmin=-0.5,
        vmax=3.5,
        interpolation="nearest",
        aspect="auto",
    )
    ex = 100 * np.asarray(WORKED_EXAMPLES)
    (examples,) = ax.plot(ex[:, 0], ex[:, 1], "o", color="0.45", ms=5)
    # the numbers as path markers (no text to rasterize on every move)
    numbers = [
        ax.plot(tr + 1.3, dv + 1.3, marker=f"${k + 1}$", color="0.3", ms=6)[0]
        for k, (tr, dv) in enumerate(ex)
    ]
    for code, name in enumerate(regularization.DIAGNOSES):
        ax.plot([], [], "s", color=_REGION_COLORS[code], ms=9, label=name)
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=4,
        fontsize="x-small",
        frameon=False,
        handletextpad=0.2,
        columnspacing=0.8,
        borderaxespad=0.0,
    )
    (point,) = ax.plot([], [], "o", color="black", ms=9, mfc="gold")
    ax.set(
        xlabel="train error (%)",
        ylabel="dev error (%)",
        xlim=(0, 100 * emax),
        ylim=(0, 100 * emax),
    )
    names = ("base", "train", "dev")
    bars = axb.bar(range(3), [0, 0, 0], color=["0.6", "tab:blue", "tab:orange"])
    axb.set(
        xticks=range(3), xticklabels=names, ylabel="error (%)", ylim=(0, 100 * emax)
    )
    fig.tight_layout()

    pct = dict(min=0.0, max=100 * emax, step=0.5, readout_format=".1f")
    controls = {
        "base": widgets.FloatSlider(100 * base, description="base %", **pct),
        "train_error": widgets.FloatSlider(
            100 * train_error, description="train %", **pct
        ),
        "dev_error": widgets.FloatSlider(100 * dev_error, description="dev %", **pct),
    }

    @functools.lru_cache(maxsize=1)  # moves of train/dev reuse the regions
    def regions(b):
        return regularization.diagnosis_code(
            TR, DV, b, bias_tol=bias_tol, variance_tol=variance_tol
        )

    def compute(*, base, train_error, dev_error, key):
        del key
        b, tr, dv = base / 100, train_error / 100, dev_error / 100
        name = regularization.diagnose(
            tr, dv, b, bias_tol=bias_tol, variance_tol=variance_tol
        )
        return b, tr, dv, regions(b), name

    def draw(result):
        b, tr, dv, codes, _ = result
        image.set_data(codes)
        point.set_data([100 * tr], [100 * dv])
        for bar, v in zip(bars, (b, tr, dv), strict=True):
            bar.set_height(100 * v)
        return False

    def readout(result):
        b, tr, dv, _, name = result
        return (
            f"diagnosis: <b>{name}</b> · bias gap (train − base) "
            f"{100 * (tr - b):+.1f} points · variance gap (dev − train) "
            f"{100 * (dv - tr):+.1f} points"
        )

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        show_seed=False,
        readout=readout,
        animated=[image, *ax.spines.values(), examples, *numbers, point, *bars],
        title="<b>Bias or variance?</b> high bias: train − base > "
        f"{100 * bias_tol:g} points; high variance: dev − train > "
        f"{100 * variance_tol:g} points",
    )
    panel.grid = (TR, DV)
    return panel


# ---------------------------------------------------------------------------
# L2 / L1 / dropout dashboard
# ---------------------------------------------------------------------------


def regularization_panel(
    *,
    seed: int = 0,
    reg: str = "l2",
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    grid: RegGrid | None = None,
    progress: bool = True,
    **grid_kw,
) -> Panel:
    """The L2/L1/dropout dashboard. ``panel.grid`` is the :class:`RegGrid`.

    Controls: the penalty (L2/L1), λ (a log-spaced slider snapped to the grid,
    0 = no penalty) and keep_prob (snapped to the grid). Left: the decision
    boundary (P(y = 1) on the mesh) with the training points; middle: train
    and dev accuracy across all λ for the current penalty and keep_prob, the
    current λ ringed; right: the histogram of every weight (log counts), with
    the share of |w| < 0.01.
    """
    check_int("seed", seed, lo=0)
    check_choice("reg", reg, REGS)
    check_range("lambd", lambd, 0.0, None)
    check_range("keep_prob", keep_prob, 0.0, 1.0, lo_closed=False)
    if grid is not None and not isinstance(grid, RegGrid):
        raise TypeError(
            f"grid must be None or a RegGrid from train_grid, got {type(grid).__name__}"
        )
    check_bool("progress", progress)
    if grid is None:
        bar = Progress(len(REGS) + 1, "training") if progress else None
        grid = train_grid(jax.random.key(seed), **grid_kw, progress=bar)
        if bar is not None:
            bar.close()
    g = grid
    nl = len(g.lambds)
    fig, (ax, axa, axh) = figure(1, 3, figsize=(9.6, 3.6), width_ratios=[1.1, 1, 1])
    d = viz.plot_decision_boundary(
        ax, g.xs, g.ys, g.probs[0, 0, -1], g.X_train, g.Y_train
    )
    d.points.set_sizes([30])
    ax.set(xticks=[], yticks=[])
    ax.set_title(f"{g.X_train.shape[1]} training points", fontsize=9)
    x = np.arange(nl)
    (l_train,) = axa.plot(x, np.zeros(nl), "o-", color="tab:blue", ms=3, label="train")
    (l_dev,) = axa.plot(x, np.zeros(nl), "s-", color="tab:orange", ms=3, label="dev")
    (ring,) = axa.plot([], [], "o", ms=11, mfc="none", mec="black", mew=1.5)
    axa.set(xticks=x, ylim=(0.45, 1.02), xlabel="λ", ylabel="accuracy")
    axa.set_xticklabels([f"{v:g}" for v in g.lambds], fontsize=7)
    axa.legend(loc="lower left", fontsize="x-small")
    axa.set_title("accuracy vs λ (ring: this λ)", fontsize=9)
    steps = axh.stairs(
        np.ones(HIST_EDGES.size - 1),
        HIST_EDGES,
        fill=True,
        color="tab:purple",
        alpha=0.8,
        baseline=0.5,
    )
    n_w = g.weights.shape[-1]
    axh.set(
        yscale="log",
        ylim=(0.5, 2 * n_w),
        xlim=(HIST_EDGES[0], HIST_EDGES[-1]),
        xlabel="weight value w (all W[l])",
        ylabel="count",
    )
    axh.set_title("every weight of the network", fontsize=9)
    fig.tight_layout()

    controls = {
        "reg": widgets.ToggleButtons(
            options=[("L2", "l2"), ("L1", "l1")],
            value=reg,
            description="penalty",
            style={"button_width": "50px"},
        ),
        "lambd": widgets.SelectionSlider(
            options=[(f"{v:g}", float(v)) for v in g.lambds],
            value=float(g.lambds[snap(lambd, g.lambds)]),
            description="λ",
        ),
        "keep_prob": widgets.SelectionSlider(
            options=[(f"{v:g}", float(v)) for v in g.keep_probs],
            value=float(g.keep_probs[snap(keep_prob, g.keep_probs)]),
            description="keep_prob",
        ),
    }

    def compute(*, reg, lambd, keep_prob, key):
        del key  # everything was trained up front from the panel's seed
        r = REGS.index(reg)
        i, j = snap(lambd, g.lambds), snap(keep_prob, g.keep_probs)
        return r, i, j

    def draw(idx):
        r, i, j = idx
        viz.update_decision_boundary(d, g.probs[r, i, j])
        tr, dv = g.train_acc[r, i, j], g.dev_acc[r, i, j]
        l_train.set_ydata(g.train_acc[r, :, j])
        l_dev.set_ydata(g.dev_acc[r, :, j])
        ring.set_data([i, i], [tr, dv])
        steps.set_data(values=np.maximum(g.hist[r, i, j], 0.5))
        return False

    def readout(idx):
        r, i, j = idx
        return (
            f"{REGS[r].upper()}, λ = {g.lambds[i]:g}, keep_prob = "
            f"{g.keep_probs[j]:g}: train {g.train_acc[r, i, j]:.1%} · dev "
            f"{g.dev_acc[r, i, j]:.1%} · {g.near_zero[r, i, j]:.0%} of the weights "
            f"with |w| &lt; {NEAR_ZERO:g} · ‖W‖ = {g.norm[r, i, j]:.1f}"
        )

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        seed=seed,
        show_seed=False,
        readout=readout,
        animated=[d.image, d.text, l_train, l_dev, ring, steps],
        title=f"<b>L2, L1 and dropout</b> on a {list(g.configs['l2'].layer_dims)} "
        f"network, {len(REGS) * g.train_acc[0].size} trainings done up front",
    )
    panel.grid = g
    return panel


# ---------------------------------------------------------------------------
# Early stopping
# ---------------------------------------------------------------------------


def early_stopping_panel(
    *, seed: int = 0, patience: int = 10, run: EarlyStoppingRun | None = None, **kw
) -> Panel:
    """Train/dev cost curves with the stopping point of a patience rule.

    ``patience`` counts evaluations. The dashed line is where training stops,
    the star the weights it keeps (the lowest dev cost before stopping), the
    grey ring the lowest dev cost of the whole run. ``panel.run`` is the
    :class:`EarlyStoppingRun`.
    """
    check_int("seed", seed, lo=0)
    check_int("patience", patience, lo=1, hi=60)
    if run is not None and not isinstance(run, EarlyStoppingRun):
        raise TypeError(
            "run must be None or an EarlyStoppingRun from train_early_stopping, "
            f"got {type(run).__name__}"
        )
    run = run if run is not None else train_early_stopping(jax.random.key(seed), **kw)
    n = run.steps.size
    fig, ax = figure(figsize=(8.4, 3.4))
    ax.plot(run.steps, run.train_cost, color="tab:blue", label="train cost")
    ax.plot(run.steps, run.dev_cost, color="tab:orange", label="dev cost")
    g = int(np.nanargmin(run.dev_cost))
    ax.plot(
        run.steps[g],
        run.dev_cost[g],
        "o",
        ms=12,
        mfc="none",
        mec="0.5",
        mew=1.5,
        label="lowest dev cost",
    )
    (best,) = ax.plot(
        [], [], "*", ms=15, color="gold", mec="black", label="kept weights"
    )
    stop = ax.axvline(0, color="black", ls="--", lw=1.2, label="stop")
    ax.set(yscale="log", xlabel="steps", ylabel="cross-entropy cost")
    ax.legend(loc="lower left", fontsize="small", ncol=3)
    info = ax.set_title(" ", fontsize=9)
    fig.tight_layout()
    controls = {
        "patience": widgets.IntSlider(
            patience, min=1, max=min(60, n - 1), description="patience"
        ),
    }

    def compute(*, patience, key):
        del key
        return regularization.early_stopping(run.dev_cost, int(patience))

    def draw(result):
        b, s = result
        best.set_data([run.steps[b]], [run.dev_cost[b]])
        stop.set_xdata([run.steps[s], run.steps[s]])
        info.set_text(
            f"stops after {run.steps[s]} steps, keeps step {run.steps[b]}: dev cost "
            f"{run.dev_cost[b]:.3f} (end of run: {run.dev_cost[-1]:.3f})"
        )
        return False

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        seed=seed,
        show_seed=False,
        animated=[best, stop, info],
        title="<b>Early stopping</b>: stop when the dev cost has not improved "
        "for <i>patience</i> evaluations (one every "
        f"{int(run.steps[1] - run.steps[0])} steps)",
    )
    panel.run = run
    return panel


# ---------------------------------------------------------------------------
# Data augmentation
# ---------------------------------------------------------------------------


def augmentation_panel(*, seed: int = 0, n_digits: int = 8, copies: int = 2) -> Panel:
    """``n_digits`` digits (top row) and ``copies`` random augmented versions
    of each (rows below), in one mosaic image. Sliders: the largest shift
    (pixels), the largest angle (degrees) and the noise σ; "new seed" draws
    new transformations. ``compute`` returns the (64, n_digits·(copies+1))
    images; ``panel.originals`` the digits.
    """
    check_int("seed", seed, lo=0)
    check_int("n_digits", n_digits, lo=1)
    check_int("copies", copies, lo=0)
    X, y = data.load_digits()
    originals = np.asarray(X)[:, :n_digits]
    rows = copies + 1
    fig, ax = figure(figsize=(8.0, 3.2))
    mosaic = ax.imshow(
        np.zeros((9 * rows - 1, 9 * n_digits - 1)),
        cmap="gray_r",
        vmin=0,
        vmax=1,
        interpolation="nearest",
    )
    ax.set(xticks=[], yticks=[9 * k + 3.5 for k in range(rows)])
    ax.set_yticklabels(["original"] + [f"copy {k}" for k in range(1, rows)])
    fig.tight_layout()

    controls = {
        "max_shift": widgets.FloatSlider(
            0.5, min=0.0, max=2.0, step=0.25, description="shift (px)"
        ),
        "max_angle": widgets.FloatSlider(
            15.0, min=0.0, max=45.0, step=1.0, description="angle (°)"
        ),
        "noise": widgets.FloatSlider(
            0.05, min=0.0, max=0.3, step=0.01, description="noise σ"
        ),
    }

    def compute(*, max_shift, max_angle, noise, key):
        return np.asarray(
            augmented_copies(
                key,
                originals,
                copies,
                max_shift=max_shift,
                max_angle=max_angle,
                noise=noise,
            )
        )

    def draw(images):
        images = np.asarray(images)
        canvas = np.full((9 * rows - 1, 9 * n_digits - 1), np.nan)
        for k in range(rows * n_digits):
            r, c = divmod(k, n_digits)
            canvas[9 * r : 9 * r + 8, 9 * c : 9 * c + 8] = images[:, k].reshape(8, 8)
        mosaic.set_data(canvas)
        return False

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        seed=seed,
        animated=[mosaic],
        columns=3,
        title="<b>Augmented digits</b>: each copy gets its own random shift, "
        "rotation and noise",
    )
    panel.originals = np.asarray(originals)
    return panel
