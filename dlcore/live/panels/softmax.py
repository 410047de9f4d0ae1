"""Softmax with a temperature, and a digits classifier with live predictions.

:func:`temperature_panel`: bars of softmax(z/T) for four logits z, next to the
hardmax (outlined) and the uniform distribution 1/C (dashed). T and the
logits are traced arguments of one jitted call, so no move recompiles. Given
the student's ``softmax`` (``yours=``), a "use my function" switch draws its
probabilities once it passes ``check_softmax``.

:func:`digits_panel`: a [64, hidden, 10] softmax network is trained ONCE at
construction (one compiled :func:`dlcore.train.fit` call) on the 8×8 digits;
a slider walks over the dev set and shows the image, its ten softmax
probabilities and the predicted class, next to the dev-set confusion matrix
with the current example's cell outlined. Everything a move shows is
precomputed, so a move is only array indexing and drawing.
"""

from __future__ import annotations

import ipywidgets as widgets
import jax
import numpy as np
from matplotlib.patches import Rectangle

from dlcore._checks import check_array, check_finite, check_int, check_range
from dlcore.demos.softmax import (
    WORKED_Z,
    hardmax,
    tempered_softmax,
    train_digits,
    your_tempered_softmax,
)
from dlcore.exercises import check_softmax
from dlcore.live.controls import set_range
from dlcore.live.panel import Panel, figure
from dlcore.live.yours import YourFunction

__all__ = [
    "digits_panel",
    "temperature_panel",
]


# ---------------------------------------------------------------------------
# Temperature
# ---------------------------------------------------------------------------


def temperature_panel(
    *, z=WORKED_Z, T: float = 1.0, zmax: float = 6.0, yours=None
) -> Panel:
    """Bars of softmax(z/T); sliders for T (log scale) and each logit z_k.

    ``yours``: the student's ``softmax(Z)``. Once it passes ``check_softmax``,
    a "use my function" switch draws its probabilities as the bars (purple);
    until then a one-line note says what to finish.
    """
    check_array("z", z, ndim=1)
    check_finite("z", z)
    if len(z) < 2:
        raise ValueError(f"z must hold at least 2 logits, got {len(z)}")
    check_range("T", T, 0.01, 100.0)
    check_range("zmax", zmax, 0.0, None, lo_closed=False)
    if yours is not None and not callable(yours):
        raise TypeError(
            f"yours must be None or your function, got {type(yours).__name__}"
        )
    mine = YourFunction(
        yours,
        check_softmax,
        exercise="Stable softmax",
        doing="to draw your softmax here",
    )
    z = [float(v) for v in z]
    C = len(z)
    controls = {
        "T": widgets.FloatLogSlider(
            T,
            base=10,
            min=-2,
            max=2,
            step=0.05,
            description="T",
            readout_format=".3g",
        ),
        **{
            f"z{k + 1}": widgets.FloatSlider(
                v, min=-zmax, max=zmax, step=0.1, description=f"z{k + 1}"
            )
            for k, v in enumerate(z)
        },
    }
    fig, ax = figure(figsize=(7.0, 3.4))
    x = np.arange(C)
    bars = ax.bar(x, np.zeros(C), width=0.6, color="tab:blue", label="softmax(z/T)")
    hard = ax.bar(
        x,
        np.zeros(C),
        width=0.75,
        fill=False,
        edgecolor="black",
        lw=1.5,
        ls="--",
        label="hardmax(z)",
    )
    ax.axhline(1.0 / C, color="tab:orange", ls=":", lw=1.5, label=f"uniform 1/{C}")
    labels = [ax.text(k, 0.0, "", ha="center", va="bottom", fontsize=9) for k in x]
    ax.set(ylim=(0, 1.22), xticks=x, ylabel="probability", xlim=(-0.6, C - 0.4))
    ax.set_xticklabels([f"class {k + 1}" for k in x])
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()

    def compute(*, T, key, yours=False, **zs):
        del key  # deterministic: no random draws
        zv = np.array([zs[f"z{k + 1}"] for k in range(C)], np.float32)
        if yours:  # the student's softmax, eagerly, outside jit
            return T, zv, your_tempered_softmax(mine.fn, zv, T), True
        return T, zv, np.asarray(tempered_softmax(zv, T)), False

    def draw(result):
        T, zv, p, yours = result
        for bar in bars:
            bar.set_color("tab:purple" if yours else "tab:blue")
        for k, (bar, box, h, lab) in enumerate(
            zip(bars, hard, hardmax(zv), labels, strict=True)
        ):
            bar.set_height(p[k])
            box.set_height(h)
            lab.set_position((k, p[k] + 0.01))
            lab.set_text(f"{p[k]:.3f}")
        return False  # only the animated artists changed: blit

    def readout(result):
        T, zv, p, yours = result
        zs = ", ".join(f"{v:g}" for v in zv)
        whose = " (<b>your softmax</b>, purple)" if yours else ""
        top = f"the largest probability{whose} is {p.max():.3f}"
        return f"z = [{zs}], T = {T:.3g}: {top}"

    panel = Panel(
        {**controls, **mine.controls},
        compute,
        draw,
        fig=fig,
        show_seed=False,
        readout=readout,
        animated=[*bars, *hard, *labels],
        columns=5,
        title="<b>softmax(z / T)</b>: T → 0 gives the hardmax, T → ∞ the uniform "
        "distribution",
    )
    mine.attach(panel)
    return panel


# ---------------------------------------------------------------------------
# Digits
# ---------------------------------------------------------------------------


def _plot_confusion(ax, cm: np.ndarray):
    C = cm.shape[0]
    ax.imshow(np.log1p(cm), cmap="Blues", vmin=0)
    big = np.log1p(cm.max())
    for i in range(C):
        for j in range(C):
            if cm[i, j]:
                dark = np.log1p(cm[i, j]) > 0.6 * big
                ax.text(
                    j,
                    i,
                    str(cm[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else ("black" if i == j else "tab:red"),
                )
    ax.set(
        xticks=range(C),
        yticks=range(C),
        xlabel="predicted",
        ylabel="true",
        title=f"confusion, {cm.sum()} dev examples",
    )
    ax.tick_params(labelsize=7)
    box = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor="tab:orange", lw=2.2)
    ax.add_patch(box)
    return box


def digits_panel(
    *,
    seed: int = 0,
    hidden: int = 64,
    num_steps: int = 300,
    batch_size: int | None = None,
    learning_rate: float = 0.01,
) -> Panel:
    """Train once, then browse the dev set: image, softmax bars, confusion matrix.

    The returned panel has a ``digits`` attribute (a :class:`DigitsResult`).
    """
    check_int("seed", seed, lo=0)
    res = train_digits(
        jax.random.key(seed),
        hidden=hidden,
        num_steps=num_steps,
        batch_size=batch_size,
        learning_rate=learning_rate,
    )
    m_dev = res.y_dev.size
    mistakes = np.flatnonzero(res.pred != res.y_dev)
    controls = {
        "example": widgets.IntSlider(
            0, min=0, max=m_dev - 1, description="dev example"
        ),
        "mistakes_only": widgets.ToggleButton(
            False,
            description=f"only the {mistakes.size} mistakes",
            disabled=mistakes.size == 0,
        ),
    }
    fig, (ax_img, ax_bar, ax_cm) = figure(
        1, 3, figsize=(10.0, 3.6), width_ratios=[0.8, 1.2, 1.1]
    )
    img = ax_img.imshow(
        np.zeros((8, 8)), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest"
    )
    ax_img.set(xticks=[], yticks=[])
    ax_img.set_title("dev-set image (8×8)", fontsize=9)
    classes = np.arange(10)
    bars = ax_bar.bar(classes, np.zeros(10), width=0.7, color="0.7", edgecolor="none")
    ax_bar.set(
        ylim=(0, 1.05),
        xticks=classes,
        xlabel="class k",
        ylabel="softmax probability a_k",
    )
    p_text = ax_bar.set_title(" ", fontsize=9)
    box = _plot_confusion(ax_cm, res.confusion)
    ax_cm.title.set_fontsize(9)
    fig.tight_layout()

    def compute(*, example, mistakes_only, key):
        del key  # deterministic: everything is precomputed
        order = mistakes if mistakes_only and mistakes.size else np.arange(m_dev)
        i = int(order[min(max(int(example), 0), order.size - 1)])
        return (
            i,
            res.X_dev[:, i].reshape(8, 8),
            res.probs[:, i],
            int(res.y_dev[i]),
            int(res.pred[i]),
        )

    def draw(result):
        i, image, p, true, pred = result
        img.set_data(image)
        ok = true == pred
        for k, bar in enumerate(bars):
            bar.set_height(p[k])
            if k == pred:
                bar.set_color("tab:green" if ok else "tab:red")
            elif k == true:
                bar.set_color("tab:blue")
            else:
                bar.set_color("0.7")
        verdict = "✓" if ok else "✗ wrong"
        p_text.set_text(
            f"dev #{i}, label {true}: ŷ = {pred} (a = {p[pred]:.2f}) {verdict}"
        )
        p_text.set_color("black" if ok else "tab:red")
        box.set_xy((pred - 0.5, true - 0.5))
        return False

    def choose_mode(on):
        n = mistakes.size if on and mistakes.size else m_dev
        set_range(controls["example"], 0, n - 1, 0)

    panel = Panel(
        controls,
        compute,
        draw,
        fig=fig,
        show_seed=False,
        on_change={"mistakes_only": choose_mode},
        animated=[img, *bars, p_text, box],
        columns=2,
        title=f"<b>Digits, [64, {hidden}, 10] softmax network</b>: dev accuracy "
        f"{res.dev_accuracy:.3f} ({mistakes.size} of {m_dev} wrong). Green: "
        "predicted and right; red: predicted and wrong; blue: the true class; "
        "orange box: this example's cell in the confusion matrix.",
    )
    panel.digits = res
    return panel
