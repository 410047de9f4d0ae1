"""Batch normalization, live.

:func:`hist_panel`: histograms of Z{l} (before BN) and Z̃{l} (after BN) in every
layer of a deep ReLU net, for an init-scale slider, a batch-size slider and a
BN toggle. The batch size is a mask over a fixed batch of 256 examples and
every control is a traced argument of one jitted call
(:func:`dlcore.demos.batch_normalization.layer_histograms`): no move recompiles.

:func:`lr_panel`: the same data trained with and without BN for a grid of
learning rates, all computed up front
(:func:`dlcore.demos.batch_normalization.lr_sweep`);
the α slider snaps to the grid and only looks results up. Diverged runs are
marked.

:func:`plot_ema_gap`: a static figure for the test-time statistics.
"""

from __future__ import annotations

import ipywidgets as widgets
import jax
import numpy as np

from dlcore._checks import check_array, check_int, check_range
from dlcore.demos import batch_normalization as bd
from dlcore.live import viz
from dlcore.live.controls import Progress
from dlcore.live.panel import Panel, figure

__all__ = ["LR_GRID", "hist_panel", "lr_panel", "plot_ema_gap"]

LR_GRID = np.logspace(-2, 1, 13)  # α from 0.01 to 10, 4 per decade
_PRE, _POST = "0.55", "tab:blue"


def hist_panel(*, depth: int = 4, width: int = 64, seed: int = 0) -> Panel:
    """Pre- and post-BN histograms per layer; init scale, batch size, BN on/off."""
    check_int("depth", depth, 1, 12)
    check_int("width", width, lo=1)
    check_int("seed", seed, lo=0)
    controls = {
        "scale": widgets.FloatLogSlider(
            1.0,
            base=10,
            min=-1,
            max=1,
            step=0.05,
            description="init scale",
            readout_format=".2f",
        ),
        "m": widgets.SelectionSlider(
            options=list(bd.BATCH_SIZES),
            value=bd.BATCH_SIZES[-1],
            description="batch size m",
        ),
        "bn": widgets.ToggleButton(True, description="batch norm"),
    }
    fig, axes = figure(2, depth, figsize=(9.0, 3.9), sharex=True, sharey=True)
    centers = bd.EDGES
    pre, post = [], []
    for l in range(depth):
        pre.append(
            axes[0, l].stairs(
                np.zeros(centers.size - 1), centers, fill=True, color=_PRE
            )
        )
        post.append(
            axes[1, l].stairs(
                np.zeros(centers.size - 1), centers, fill=True, color=_POST
            )
        )
        axes[0, l].set_title(f"layer {l + 1}", fontsize="medium")
        axes[1, l].set_xlabel("value")
    axes[0, 0].set(ylim=(0, 0.25), xlim=(centers[0], centers[-1]))
    axes[0, 0].set_ylabel("Z[l]: before BN", fontsize="small")
    axes[1, 0].set_ylabel("Z̃[l]: after BN", fontsize="small")
    for ax in axes.ravel():
        ax.tick_params(labelsize=7)
    notes = [
        axes[r, 0].text(
            0.02,
            0.94,
            "",
            transform=axes[r, 0].transAxes,
            fontsize="x-small",
            va="top",
            color="tab:red",
        )
        for r in range(2)
    ]
    fig.tight_layout()
    draws = {}

    def params_for(key):
        k = str(np.asarray(jax.random.key_data(key)).tolist())
        if k not in draws:
            draws[k] = bd.hist_params(key, depth, width)
        return draws[k]

    def compute(*, scale, m, bn, key):
        Ws, X = params_for(key)
        h = bd.layer_histograms(Ws, X, scale, int(m), bn=bn)
        return (scale, int(m), bool(bn), *(np.asarray(a) for a in h))

    def draw(result):
        scale, m, bn, h_pre, h_post, sd_pre, sd_post, out = result
        for l in range(depth):
            pre[l].set_data(h_pre[l])
            post[l].set_data(h_post[l])
        worst = int(np.argmax(out))
        notes[0].set_text(
            f"{out[worst]:.0%} of layer {worst + 1} outside [−4, 4]"
            if out[worst] > 0.01
            else ""
        )
        return False

    def readout(result):
        scale, m, bn, _, _, sd_pre, sd_post, _ = result
        sds = ", ".join(f"{s:.2g}" for s in sd_pre)
        sdp = ", ".join(f"{s:.2g}" for s in sd_post)
        return (
            f"scale {scale:.2f}, m = {m}, BN {'on' if bn else 'off'} · std of Z[l]: "
            f"{sds} · of Z̃[l]: {sdp}"
        )

    return Panel(
        controls,
        compute,
        draw,
        fig=fig,
        seed=seed,
        readout=readout,
        animated=[*pre, *post, *notes],
        title="<b>What BN does to each layer</b>: grey, Z = W A before BN; blue, "
        "Z̃ = γ Z<sub>norm</sub> + β after BN (γ = 1, β = 0). Without BN, Z̃ = Z.",
    )


def lr_panel(
    *, alphas=LR_GRID, seed: int = 0, num_steps: int = 150, index: int = 8
) -> Panel:
    """Train with and without BN for every α up front; the slider picks α."""
    check_array("alphas", alphas, ndim=1)
    check_range("alphas", alphas, 0.0, None, lo_closed=False)
    check_int("seed", seed, lo=0)
    check_int("num_steps", num_steps, lo=1)
    check_int("index", index, lo=0)  # past the end: the last α
    alphas = np.asarray(alphas, np.float64)
    progress = Progress(2)
    sweep = bd.lr_sweep(alphas, seed=seed, num_steps=num_steps)
    progress.update(2)
    progress.close()
    div = bd.diverged(sweep.loss)  # (2, k)
    final = sweep.loss[:, :, -1]
    controls = {
        "alpha": widgets.SelectionSlider(
            options=[(f"{a:.3g}", i) for i, a in enumerate(alphas)],
            value=min(index, alphas.size - 1),
            description="α",
        )
    }
    fig, (ax_l, ax_f) = figure(1, 2, figsize=(9.2, 3.6), width_ratios=[1.2, 1])
    steps = np.arange(1, num_steps + 1)
    series = viz.plot_series(
        ax_l,
        steps,
        sweep.loss[0, 0],
        sweep.loss[1, 0],
        label="no BN",
        label2="BN",
        log=True,
        rescale=False,
        style={"color": "0.35"},
        style2={"color": _POST},
        marks_xy=(0.02, 0.2),
    )
    ax_l.set(
        xlabel="step", ylabel="training cost J", ylim=(0.02, 3.0), xlim=(0, num_steps)
    )
    for row, name, color in ((0, "no BN", "0.35"), (1, "BN", _POST)):
        f = np.where(div[row], np.nan, final[row])
        ax_f.plot(alphas, f, "o-", color=color, ms=4, label=name)
        (x_marks,) = ax_f.plot(
            alphas[div[row]],
            np.full(div[row].sum(), 2.0),
            "X",
            ms=9,
            color="red",
            clip_on=False,
        )
        x_marks.set_in_layout(False)  # (an empty unclipped line would stretch it)
    ax_f.text(
        0.02,
        0.96,
        "× diverged",
        color="red",
        transform=ax_f.transAxes,
        va="top",
        fontsize="small",
    )
    ax_f.set(
        xscale="log",
        yscale="log",
        ylim=(0.02, 3.0),
        xlabel="learning rate α",
        ylabel=f"J after {num_steps} steps",
    )
    ax_f.legend(loc="lower left", fontsize="small")
    vline = ax_f.axvline(alphas[0], color="0.3", lw=1.0)
    fig.tight_layout()

    def compute(*, alpha, key):
        del key  # everything is precomputed
        i = int(alpha)
        return i, sweep.loss[0, i], sweep.loss[1, i]

    def draw(result):
        i, plain, with_bn = result
        viz.update_series(series, y=plain, y2=with_bn)
        vline.set_xdata([alphas[i], alphas[i]])
        return False

    def readout(result):
        i = result[0]
        words = []
        for name, row in (("no BN", 0), ("BN", 1)):
            if div[row, i]:
                words.append(f"{name}: diverged")
            else:
                words.append(f"{name}: J = {final[row, i]:.3f}")
        return f"α = {alphas[i]:.3g} · " + " · ".join(words)

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        show_seed=False,
        readout=readout,
        animated=[*viz.artists_of(series), vline],
        title=f"<b>Gradient descent with and without BN</b>: a [2, 32×5, 1] ReLU "
        f"net on the moons, {alphas.size} learning rates × 2 nets trained up front",
    )
    panel.sweep = sweep
    return panel


def plot_ema_gap(gap: bd.EmaGap):
    """Two axes: the train/test output gap and running var / true var, against m."""
    if not isinstance(gap, bd.EmaGap):
        raise TypeError(
            f"gap must be an EmaGap from ema_gap(), got {type(gap).__name__}"
        )
    fig, (ax_g, ax_v) = figure(1, 2, figsize=(9.0, 3.4))
    m = gap.batch_sizes
    ax_g.plot(m, gap.output_gap, "o-", label="RMS(train-mode − eval-mode output)")
    ax_g.plot(m, gap.mean_gap, "s--", label="RMS(μ_batch − running mean) / σ")
    ax_g.plot(
        m, gap.output_gap[0] * np.sqrt(m[0] / m), ":", color="0.5", label="∝ 1/√m"
    )
    ax_g.set(
        xscale="log",
        yscale="log",
        xlabel="batch size m",
        title="batch statistics vs running (EWA) statistics",
    )
    ax_g.legend(fontsize="x-small")
    ax_v.plot(m, gap.var_ratio, "o-", label="running var / population var")
    ax_v.plot(m, (m - 1) / m, ":", color="0.3", label="(m − 1)/m")
    ax_v.set(
        xscale="log",
        xlabel="batch size m",
        ylim=(0, 1.1),
        title="the biased σ² of small batches",
    )
    ax_v.legend(fontsize="x-small", loc="lower right")
    for ax in (ax_g, ax_v):
        ax.set_xticks(m, [str(v) for v in m])
        ax.title.set_fontsize("medium")
    fig.tight_layout()
    return fig
