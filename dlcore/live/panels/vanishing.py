"""Vanishing and exploding signals in deep networks, live.

:func:`chain_panel`: the deep linear net ŷ = w^L x. Every depth 1..200 is
computed at once (one scan, ``w`` traced) in the chosen float dtype, so the
curves against depth are real float32 / float16 / bfloat16 arithmetic: an
overflow is an inf, an underflow a 0, both marked on the plot.

:func:`deep_net_panel`: a deep square MLP (sigmoid, tanh or relu) built at
50 layers, with the layers beyond the ``depth`` slider masked to the identity
(one compiled program per activation). Per-layer ‖dW[l]‖ and std(A[l]),
each over several seeds (``vmap``) as a min–max band around the geometric
mean, next to the mean-field theory of :mod:`dlcore.demos.vanishing_exploding`, plus the
histogram of the last layer's activations.

:func:`clipping_panel`: gradient descent on a 10-layer scalar chain that
explodes, with and without gradient clipping (``dlcore.optim``); the whole
run is one jitted call per move.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import jax.numpy as jnp
import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from dlcore._checks import check_bool, check_choice, check_int, check_range, check_real
from dlcore.demos import vanishing_exploding as deep
from dlcore.demos import vanishing_exploding as depth
from dlcore.demos.vanishing_exploding import (
    CLIP_STEPS,
    clip_start,
    deep_stats_summary,
)
from dlcore.live import viz
from dlcore.live.controls import once_per_key
from dlcore.live.panel import Panel, figure

__all__ = [
    "CHAIN_START",
    "chain_panel",
    "clipping_panel",
    "deep_net_panel",
    "log_limits",
]

MAX_CHAIN = 200
Y_RANGE = (1e-48, 1e41)  # the chain plot: fixed, covers float32's range


def log_limits(values, current=None, *, pad: int = 1, room: int = 4):
    """Decade-aligned (lo, hi) for a log axis showing the positive finite values.

    ``current`` is kept while it still shows every value with ``pad`` decades
    to spare and is not more than 2·``room`` + 2 decades wider than needed;
    otherwise new limits get ``pad + room`` decades on each side, so the next
    few moves fit again (they blit instead of re-laying-out the axes). None
    when nothing can be drawn and there is no current view.
    """
    check_real("values", values)
    if current is not None:
        check_range("current", current, 0.0, None, lo_closed=False)
        if np.shape(current) != (2,):
            raise ValueError(f"current must be None or (low, high), got {current!r}")
    check_int("pad", pad, lo=0)
    check_int("room", room, lo=0)
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return current
    lo = math.floor(math.log10(v.min()))
    hi = max(math.ceil(math.log10(v.max())), lo + 1)
    if current is not None:
        clo, chi = (math.log10(c) for c in current)
        fits = clo <= lo - pad and chi >= hi + pad
        if fits and (chi - clo) <= (hi - lo) + 2 * (pad + room) + 2:
            return current
    return (10.0 ** (lo - pad - room), 10.0 ** (hi + pad + room))


def light_log_axis(ax, numticks: int = 6) -> None:
    """At most ``numticks`` decade ticks and no minor ticks: a cheap full redraw."""
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=numticks))
    ax.yaxis.set_minor_locator(NullLocator())


def set_log_ylim(ax, limits) -> bool:
    """Set ``ax``'s y limits to ``limits`` (low, high) unless they are the
    same already or None; True when they changed (the move needs a full
    redraw, not a blit)."""
    if limits is None or np.allclose(ax.get_ylim(), limits, rtol=1e-9, atol=0):
        return False
    ax.set_ylim(*limits)
    return True


def _band_verts(x, lo, hi, ylim):
    """Polygon vertices of a band between lo(x) and hi(x), clipped into ylim."""
    a, b = ylim
    lo = np.clip(np.nan_to_num(lo, nan=a, posinf=b, neginf=a), a, b)
    hi = np.clip(np.nan_to_num(hi, nan=a, posinf=b, neginf=a), a, b)
    xs = np.concatenate([x, x[::-1]])
    ys = np.concatenate([lo, hi[::-1]])
    return [np.column_stack([xs, ys])] if len(x) else [np.zeros((0, 2))]


def _fmt(v) -> str:
    v = float(v)
    if not math.isfinite(v):
        return "inf" if v > 0 else ("-inf" if v < 0 else "NaN")
    return f"{v:.3g}"


# ---------------------------------------------------------------------------
# (a) the deep linear chain
# ---------------------------------------------------------------------------

CHAIN_START = {"w": 1.2, "L": 60, "dtype": "float32"}


def chain_panel(*, w: float = 1.2, L: int = 60, dtype: str = "float32") -> Panel:
    """ŷ = w^L x (x = 1), ∂ŷ/∂W[1] = w^{L-1} x and dŷ/dw = L w^{L-1} x vs depth."""
    check_range("w", w, 0.5, 1.5)
    check_int("L", L, lo=1, hi=MAX_CHAIN)
    check_choice("dtype", dtype, depth.CHAIN_DTYPES)
    controls = {
        "w": widgets.FloatSlider(w, min=0.5, max=1.5, step=0.01, description="w"),
        "L": widgets.IntSlider(L, min=1, max=MAX_CHAIN, description="depth L"),
        "dtype": widgets.Dropdown(
            options=list(depth.CHAIN_DTYPES), value=dtype, description="dtype"
        ),
    }
    fig, ax = figure(figsize=(8.6, 3.7))
    Ls = np.arange(1, MAX_CHAIN + 1)
    ones = np.ones(MAX_CHAIN)
    styles = [
        ("|ŷ| = w^L x", {"color": "tab:blue", "lw": 2}),
        ("|∂ŷ/∂W[1]| = w^(L−1) x", {"color": "tab:orange", "ls": "--"}),
        ("|dŷ/dw| = L w^(L−1) x (tied w)", {"color": "tab:green", "ls": ":"}),
    ]
    series = [
        viz.plot_series(
            ax,
            Ls,
            ones,
            label=lab,
            what="depth",
            log=True,
            style=st,
            rescale=False,
            marks_xy=(0.02, 0.30 - 0.08 * k),
        )
        for k, (lab, st) in enumerate(styles)
    ]
    (dots,) = ax.plot([], [], "o", color="black", ms=6, zorder=6)
    big = ax.axhline(1.0, color="tab:red", lw=0.9, alpha=0.7)
    tiny = ax.axhline(1.0, color="tab:purple", lw=0.9, alpha=0.7)
    big_txt = ax.text(3, 1.0, "", color="tab:red", fontsize=8, va="bottom")
    tiny_txt = ax.text(3, 1.0, "", color="tab:purple", fontsize=8, va="top")
    ax.set(
        xlim=(0, MAX_CHAIN + 1),
        ylim=Y_RANGE,
        xlabel="depth L",
        ylabel="magnitude (log scale)",
    )
    ax.set_yticks([1e-45, 1e-30, 1e-15, 1.0, 1e15, 1e30])
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()

    def compute(*, w, L, dtype, key):
        del key  # deterministic
        ch = depth.linear_chain(w, 1.0, max_depth=MAX_CHAIN, dtype=dtype)
        arrs = [np.abs(np.asarray(a, np.float64)) for a in ch[1:]]
        return w, L, dtype, arrs

    shown = {"dtype": None}

    def draw(result):
        w, L, dtype, arrs = result
        for s, y in zip(series, arrs, strict=True):
            viz.update_series(s, y=y)
        here = [a[L - 1] for a in arrs]
        dots.set_data(
            [L] * 3, np.where(np.isfinite(here) & (np.asarray(here) > 0), here, np.nan)
        )
        if dtype == shown["dtype"]:
            return False  # fixed axes, same limits lines: blit
        shown["dtype"] = dtype  # the float limits move: redraw everything
        fi = jnp.finfo(jnp.dtype(dtype))
        mx, tn = float(fi.max), float(fi.smallest_normal)
        big.set_ydata([mx, mx])
        tiny.set_ydata([tn, tn])
        big_txt.set_position((3, mx))
        big_txt.set_text(f"largest {dtype} {mx:.3g}")
        tiny_txt.set_position((3, tn))
        tiny_txt.set_text(f"smallest normal {dtype} {tn:.3g}")
        return True

    def readout(result):
        w, L, dtype, arrs = result
        k = depth.overflow_depth(w, 1.0, dtype)
        where = "never (|w| ≤ 1)" if math.isinf(k) else f"at L = {k}"
        return (
            f"w = {w:.2f}, L = {L} ({dtype}): ŷ = {_fmt(arrs[0][L - 1])}, "
            f"∂ŷ/∂W[1] = {_fmt(arrs[1][L - 1])}, dŷ/dw = {_fmt(arrs[2][L - 1])}; "
            f"w<sup>L</sup> overflows {dtype} {where}"
        )

    animated = [*viz.artists_of(series), dots]
    return Panel(
        controls,
        compute,
        draw,
        fig=fig,
        animated=animated,
        show_seed=False,
        readout=readout,
        title="<b>Deep linear net</b> ŷ = w<sup>L</sup> x (every layer multiplies "
        "by w; x = 1)",
    )


# ---------------------------------------------------------------------------
# (b) a deep nonlinear MLP, depth masked
# ---------------------------------------------------------------------------

DEEP = dict(width=32, m=32, max_depth=50, num_seeds=6, bins=30)


def deep_net_panel(
    *, activation: str = "sigmoid", depth_: int = 20, scale: float = 1.0, **sizes
) -> Panel:
    """Per-layer ‖dW[l]‖ and std(A[l]) of a deep MLP, with the theory overlaid.

    ``sizes`` override ``DEEP`` (width, m, max_depth, num_seeds, bins).
    """
    check_choice("activation", activation, depth.DEEP_ACTIVATIONS)
    unknown = set(sizes) - set(DEEP)
    if unknown:
        raise ValueError(f"unknown size(s) {sorted(unknown)}; choose from {list(DEEP)}")
    cfg = {**DEEP, **sizes}
    for name, v in sizes.items():
        check_int(name, v, lo=2 if name == "m" else 1)
    Lmax = cfg["max_depth"]
    check_int("depth_", depth_, lo=1, hi=Lmax)
    check_range("scale", scale, 0.1, 10.0)
    controls = {
        "activation": widgets.Dropdown(
            options=list(depth.DEEP_ACTIVATIONS), value=activation, description="g"
        ),
        "depth": widgets.IntSlider(depth_, min=1, max=Lmax, description="depth L"),
        "scale": widgets.FloatLogSlider(
            scale,
            base=10,
            min=-1,
            max=1,
            step=0.02,
            description="scale s",
            readout_format=".3g",
        ),
    }
    fig, (ax_g, ax_a, ax_h) = figure(
        1, 3, figsize=(10.0, 3.7), width_ratios=[1.2, 1.2, 0.8]
    )
    x = np.arange(1, Lmax + 1)
    one = np.ones(Lmax)
    band_g = ax_g.fill_between(x, one, one, color="tab:blue", alpha=0.25, lw=0)
    grad = viz.plot_series(
        ax_g,
        x,
        one,
        label="‖dW[l]‖",
        what="layer",
        log=True,
        style={"color": "tab:blue", "marker": ".", "ms": 4},
        rescale=False,
        marks_xy=(0.02, 0.86),
    )
    (theory_g,) = ax_g.plot(x, one, "--", color="black", lw=1.2, label="theory")
    band_a = ax_a.fill_between(x, one, one, color="tab:orange", alpha=0.25, lw=0)
    act = viz.plot_series(
        ax_a,
        x,
        one,
        label="std(A[l])",
        what="layer",
        log=True,
        style={"color": "tab:orange", "marker": ".", "ms": 4},
        rescale=False,
        marks_xy=(0.02, 0.86),
    )
    (theory_a,) = ax_a.plot(x, one, "--", color="black", lw=1.2, label="theory")
    for ax, ttl in (
        (ax_g, "‖dW[l]‖ (dashed: theory)"),
        (ax_a, "std(A[l]) (dashed: theory)"),
    ):
        ax.set(xlim=(0.5, Lmax + 0.5), xlabel="layer l", ylim=(1e-3, 1e1))
        ax.set_xticks([1, *range(10, Lmax + 1, 10)])
        light_log_axis(ax)
        ax.set_title(ttl, fontsize="medium")
        ax.get_legend().remove()
    nb = cfg["bins"]
    bars = ax_h.stairs(
        np.zeros(nb), np.arange(nb + 1), fill=True, color="tab:orange", alpha=0.8
    )  # one artist, not nb bars
    h_note = ax_h.text(
        0.03,
        0.96,
        "",
        transform=ax_h.transAxes,
        va="top",
        fontsize="x-small",
        color=viz.NONFINITE_COLOR,
    )
    ax_h.set(ylim=(0, 1.05), yticks=[], xlim=(0, nb))
    state = {"activation": None}

    def hist_axes(act_name: str, L: int):
        lo, hi = depth.HIST_RANGE[act_name]
        ticks = np.linspace(0, nb, 5)
        ax_h.set_xticks(ticks)
        ax_h.set_xticklabels([f"{v:g}" for v in np.linspace(lo, hi, 5)])
        what = "A[L] / rms" if act_name == "relu" else "A[L]"
        ax_h.set_xlabel(f"{what} (last layer)")
        ax_h.set_title("distribution of the last A", fontsize="medium")

    fig.tight_layout()

    draws = once_per_key(
        lambda key: deep.deep_draws(
            key,
            width=cfg["width"],
            m=cfg["m"],
            max_depth=Lmax,
            num_seeds=cfg["num_seeds"],
        )
    )

    def compute(*, activation, depth, scale, key):
        st = deep.deep_mlp_stats(
            key, scale, depth, activation=activation, bins=nb, draws=draws(key)
        )
        return activation, int(depth), float(scale), st

    def draw(result):
        act_name, L, s, st = result
        full = False
        if act_name != state["activation"]:
            hist_axes(act_name, L)
            state["activation"] = act_name
            full = True
        gm, glo, ghi, sm, slo, shi = deep_stats_summary(st, L)
        xs = x[:L]
        grad.line.set_data(xs, viz.drawable(gm, True))
        viz.update_nonfinite(grad.marks, xs, gm, what="layer", log=True, name="‖dW‖")
        act.line.set_data(xs, viz.drawable(sm, True))
        viz.update_nonfinite(act.marks, xs, sm, what="layer", log=True, name="std(A)")
        tg = None
        if np.isfinite(gm[-1]) and gm[-1] > 0:
            tg = depth.gradient_theory(act_name, s, L, gm[-1], mean_field=True)
        ta = None
        if np.isfinite(sm[0]) and sm[0] > 0:
            ta = depth.activation_theory(act_name, s, L, sm[0])
        lim_g = log_limits(np.concatenate([glo, ghi, gm]), ax_g.get_ylim())
        lim_a = log_limits(np.concatenate([slo, shi, sm]), ax_a.get_ylim())
        full |= set_log_ylim(ax_g, lim_g) | set_log_ylim(ax_a, lim_a)
        theory_g.set_data(
            xs, np.full(L, np.nan) if tg is None else np.clip(tg, *ax_g.get_ylim())
        )
        theory_a.set_data(
            xs, np.full(L, np.nan) if ta is None else np.clip(ta, *ax_a.get_ylim())
        )
        band_g.set_verts(_band_verts(xs, glo, ghi, ax_g.get_ylim()))
        band_a.set_verts(_band_verts(xs, slo, shi, ax_a.get_ylim()))
        bad = depth.first_nonfinite(sm)
        grad.text.set_text(
            f"forward pass overflowed\nat layer {bad}: no gradient" if bad else ""
        )
        counts = np.asarray(st.hist, np.float64)
        top = counts.max() if counts.max() > 0 else 1.0
        bars.set_data(counts / top)
        total = cfg["num_seeds"] * cfg["width"] * cfg["m"]
        missing = total - int(counts.sum())
        h_note.set_text(f"{missing} values outside / non-finite" if missing else "")
        return full

    def readout(result):
        act_name, L, s, st = result
        ratio = depth.backward_factor(act_name, s) / depth.forward_factor(act_name, s)
        fg = depth.FORWARD_GAIN[act_name]
        if fg is None:
            ratio = depth.sigmoid_mean_field(s)[1]
            note = (
                "sigmoid: mean ½, no power law; for ‖dW‖ the dashed line is the "
                f"mean-field gain (the notes' s/4 = {s / 4:.3g} is only a bound)"
            )
        else:
            note = f"× (s²·{fg:g})<sup>½</sup> = {math.sqrt(s * s * fg):.3g} per layer"
            if act_name == "tanh" and s > 1:
                note += " (only while |Z| ≪ 1: tanh saturates)"
        return (
            f"theory (dashed): ‖dW[l]‖ × {ratio:.3g} per layer back; std(A[l]) {note}"
        )

    animated = [
        band_g,
        band_a,
        theory_g,
        theory_a,
        *viz.artists_of(grad, act),
        bars,
        h_note,
    ]
    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        animated=animated,
        readout=readout,
        title="<b>Deep MLP</b>: W[l] ~ s·N(0, 1/n), n = "
        f"{cfg['width']}, b = 0; {cfg['num_seeds']} seeds (band: min–max, line: "
        "geometric mean); layers beyond L are switched off (masked)",
    )
    return panel


# ---------------------------------------------------------------------------
# (c) gradient clipping
# ---------------------------------------------------------------------------


def clipping_panel(
    *, clip: bool = True, threshold: float = 1.0, learning_rate: float = 0.01
) -> Panel:
    """GD on J = ½(w_10 ⋯ w_1 − 1)² from w_l ≈ 1.4: unclipped it blows up."""
    check_bool("clip", clip)
    check_range("threshold", threshold, 0.01, 100.0)
    check_range("learning_rate", learning_rate, 1e-4, 0.1)
    controls = {
        "clip": widgets.ToggleButton(clip, description="gradient clipping"),
        "mode": widgets.Dropdown(
            options=[("by global norm", "norm"), ("by value", "value")],
            value="norm",
            description="clip",
        ),
        "threshold": widgets.FloatLogSlider(
            threshold,
            base=10,
            min=-2,
            max=2,
            step=0.05,
            description="threshold",
            readout_format=".3g",
        ),
        "learning_rate": widgets.FloatLogSlider(
            learning_rate,
            base=10,
            min=-4,
            max=-1,
            step=0.05,
            description="α",
            readout_format=".3g",
        ),
    }
    w0 = clip_start()
    steps = np.arange(CLIP_STEPS)
    fig, (ax_l, ax_g) = figure(1, 2, figsize=(9.4, 3.6))
    ones = np.ones(CLIP_STEPS)
    loss = viz.plot_series(
        ax_l,
        steps,
        ones,
        ones,
        label="this run",
        label2="the other run",
        what="step",
        log=True,
        style={"color": "tab:blue", "lw": 2},
        style2={"color": "0.5", "lw": 1, "ls": "--"},
        rescale=False,
        marks_xy=(0.02, 0.62),  # clear of the curves and the legend
    )
    gnorm = viz.plot_series(
        ax_g,
        steps,
        ones,
        label="‖dw‖ (before clipping)",
        what="step",
        log=True,
        style={"color": "tab:purple"},
        rescale=False,
        marks_xy=(0.02, 0.62),
    )
    thr = ax_g.axhline(threshold, color="tab:red", ls="--", lw=1, label="threshold")
    ax_l.set(xlabel="step", ylabel="cost J", ylim=(1e-12, 1e40), xlim=(0, CLIP_STEPS))
    ax_g.set(
        xlabel="step", ylabel="gradient norm", ylim=(1e-8, 1e40), xlim=(0, CLIP_STEPS)
    )
    ax_g.legend(loc="lower right", fontsize="small")
    for ax in (ax_l, ax_g):
        ax.set_yticks(
            [1e-10, 1e0, 1e10, 1e20, 1e30, 1e40]
            if ax is ax_l
            else [1e-5, 1e5, 1e15, 1e25, 1e35]
        )
    fig.tight_layout()

    def compute(*, clip, mode, threshold, learning_rate, key):
        del key
        on = depth.train_scalar_chain(
            w0, learning_rate, threshold, True, num_steps=CLIP_STEPS, mode=mode
        )
        off = depth.train_scalar_chain(
            w0, learning_rate, threshold, False, num_steps=CLIP_STEPS, mode=mode
        )
        runs = (on, off) if clip else (off, on)
        return clip, mode, threshold, [np.asarray(r.loss) for r in runs], runs[0]

    def draw(result):
        clip, mode, threshold, (J, J_other), run = result
        J, J_other = np.asarray(J, np.float64), np.asarray(J_other, np.float64)
        viz.update_series(loss, y=J, y2=J_other)
        viz.update_series(gnorm, y=np.asarray(run.grad_norm, np.float64))
        thr.set_ydata([threshold, threshold])
        thr.set_visible(bool(clip))
        return False

    def readout(result):
        clip, mode, _, (J, _), _ = result
        what = "no clipping"
        if clip:
            what = "clipped " + ("‖g‖" if mode == "norm" else "|g<sub>i</sub>|")
        return f"{what}: J after {CLIP_STEPS} steps = {_fmt(np.asarray(J)[-1])}"

    animated = [*viz.artists_of(loss, gnorm), thr]
    return Panel(
        controls,
        compute,
        draw,
        fig=fig,
        animated=animated,
        show_seed=False,
        readout=readout,
        title="<b>Gradient clipping</b>: gradient descent on J = ½(w<sub>10</sub>⋯"
        "w<sub>1</sub>·1 − 1)², starting from w<sub>l</sub> ≈ 1.4",
    )
