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
the start. Every number (ratio, rule, tol) is a traced argument of ONE jitted
call (:func:`descend`, a single ``lax.scan`` for both paths): moving a
control never recompiles. Contours are drawn as parametric ellipses, so a move
updates lines in place and blits.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.colors import to_hex

from dlcore._checks import check_int, check_key, check_range
from dlcore.data import Normalizer
from dlcore.live import viz
from dlcore.live.widgets import Panel, figure

__all__ = [
    "BOX",
    "NUM_STEPS",
    "RATIO_RANGE",
    "RULES",
    "START",
    "TOL",
    "W_TRUE",
    "Descent",
    "contour_ellipses",
    "descend",
    "hessian_eigs",
    "learning_rates",
    "make_data",
    "normalizing_panel",
]

RATIO_RANGE = (1.0, 1000.0)  # σ₂/σ₁ of the raw features
NUM_STEPS = 1000  # GD steps in the scan
TOL = 1e-6  # converged: J − J* ≤ TOL · (J(w_0) − J*)
START = (-2.5, 1.5)  # w_0 − w*, in each cost's own weights
BOX = ((-3.0, 3.0), (-2.0, 2.0))  # view of w − w*
W_TRUE = (1.0, -0.7)  # y = W_TRUE · z + noise, z = the N(0, 1) draws behind x
LEVELS = np.geomspace(2e-4, 1.0, 7)  # contour levels, as fractions of J(w_0) − J*
ELLIPSE_POINTS = 181
GAP_FLOOR = 1e-12  # the gap is floored here on the log axis (float32)

RULES = {
    "best": "α = 2/(λmin + λmax) of each cost",
    "safe": "α = 1/λmax of each cost",
    "shared": "normalized cost's α for both",
}
_RULE_INDEX = {name: k for k, name in enumerate(RULES)}
KINDS = ("raw", "normalized")
COLORS = {"raw": "tab:red", "normalized": "tab:blue"}


# ---------------------------------------------------------------------------
# Numerics (JAX, no matplotlib; ratio / rule / tol are traced)
# ---------------------------------------------------------------------------


def _check_ratio(ratio):
    check_range("ratio", ratio, *RATIO_RANGE)
    return ratio


def _draws(key, m: int) -> tuple[np.ndarray, np.ndarray]:
    """z (2, m) ~ N(0, 1) centred per row, and ε (m,) ~ N(0, 1), float32.

    Drawn by NumPy from the bits of the JAX key: nothing to compile (a
    jitted ``jax.random.normal`` costs seconds of compilation on a fresh
    kernel, and the first panel must appear at once). Same key, same draws.
    """
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel())
    z = rng.standard_normal((2, m))
    z -= z.mean(axis=1, keepdims=True)  # centred: no bias needed
    return z.astype(np.float32), rng.standard_normal(m).astype(np.float32)


def _data(z, eps, ratio, noise):
    X = jnp.stack([z[0], ratio * z[1]])
    y = jnp.asarray(W_TRUE, jnp.float32) @ z + noise * eps
    return X, (y - jnp.mean(y))[None, :]


def make_data(key, ratio: float = 10.0, m: int = 100, noise: float = 0.3):
    """Raw features X (2, m) and targets Y (1, m), float32, both centred.

    With z ~ N(0, 1) (2, m), centred per row: x₁ = z₁, x₂ = ratio · z₂ (the
    same quantity in ``ratio`` times smaller units), and
    y = W_TRUE · z + noise · ε, ε ~ N(0, 1), minus its mean. The same key gives
    the same z and ε for every ratio.
    """
    key = check_key("key", key)
    _check_ratio(ratio)
    m = check_int("m", m, lo=3)
    check_range("noise", noise, 0, None)
    X, Y = _data(*_draws(key, m), ratio, noise)
    return np.asarray(X), np.asarray(Y)


def hessian_eigs(H):
    """Eigenvalues (λ_min, λ_max) of symmetric 2×2 matrices H (..., 2, 2).

    Closed form for [[a, b], [b, c]]: λ_max = (a + c)/2 + √(((a − c)/2)² + b²),
    and λ_min = (ac − b²)/λ_max (the determinant over λ_max, which keeps its
    precision when κ is huge). Returns an array (..., 2).
    """
    a, b, c = H[..., 0, 0], H[..., 0, 1], H[..., 1, 1]
    lmax = 0.5 * (a + c) + jnp.sqrt((0.5 * (a - c)) ** 2 + b**2)
    return jnp.stack([(a * c - b * b) / lmax, lmax], axis=-1)


def learning_rates(lam, rule):
    """α for the (raw, normalized) costs, from their eigenvalues lam (2, 2).

    rule 0 ("best"): α = 2/(λ_min + λ_max), the constant step with the
    fastest guaranteed rate, q = (κ − 1)/(κ + 1).
    rule 1 ("safe"): α = 1/λ_max (no zig-zag; GD is stable for α < 2/λ_max).
    rule 2 ("shared"): the normalized cost's best α, for both costs.
    ``rule`` may be traced.
    """
    best = 2.0 / (lam[:, 0] + lam[:, 1])
    safe = 1.0 / lam[:, 1]
    shared = jnp.full(2, best[1])
    return jnp.select([rule == 0, rule == 1], [best, safe], shared)


def contour_ellipses(H, levels=LEVELS, points: int = ELLIPSE_POINTS) -> np.ndarray:
    """Contour lines {d : ½ dᵀ H d = f · gap0} of a 2×2 Hessian H, float64.

    gap0 = ½ STARTᵀ H START is the cost gap at the start, so f = 1 is the
    contour through the start. With H = λ_max v vᵀ + λ_min u uᵀ, the line is
    d(θ) = √(2 f gap0) (v cos θ / √λ_max + u sin θ / √λ_min). NumPy (not jit):
    it only feeds the plot. Returns (len(levels), points, 2).
    """
    H = np.asarray(H, np.float64)
    a, b, c = H[0, 0], H[0, 1], H[1, 1]
    lmax = 0.5 * (a + c) + np.hypot(0.5 * (a - c), b)
    lmin = (a * c - b * b) / lmax
    phi = 0.5 * np.arctan2(2 * b, a - c)  # direction of λ_max's eigenvector
    v, u = np.array([np.cos(phi), np.sin(phi)]), np.array([-np.sin(phi), np.cos(phi)])
    theta = np.linspace(0.0, 2 * np.pi, points)[:, None]
    unit = v * np.cos(theta) / np.sqrt(lmax) + u * np.sin(theta) / np.sqrt(lmin)
    d0 = np.asarray(START)
    radius = np.sqrt(2.0 * np.asarray(levels) * (0.5 * d0 @ H @ d0))
    return radius[:, None, None] * unit[None]


class Descent(NamedTuple):
    """Gradient descent on the raw and the normalized cost; axis 0 = KINDS.

    X, X_norm: (2, m) raw and normalized features; Y: (1, m).
    H: (2, 2, 2) Hessians X Xᵀ/m. lam: (2, 2) their (λ_min, λ_max).
    w_star: (2, 2) minimisers. alpha: (2,) learning rates.
    path: (2, T + 1, 2) w_t − w* for t = 0..T (w_0 − w* = START).
    gap: (2, T + 1) (J(w_t) − J*) / (J(w_0) − J*), = ½ dᵀHd / ½ d_0ᵀHd_0.
    steps: (2,) int, the first t with gap ≤ tol; T + 1 if none within T.
    rate: (2,) max_i |1 − α λ_i|, the per-step factor of the error (≥ 1:
    diverges). rate_steps: (2,) ⌈ln tol / (2 ln rate)⌉ (inf if rate ≥ 1),
    the count the rate guarantees; equal to ``steps`` for the "best" rule.
    """

    X: jax.Array
    X_norm: jax.Array
    Y: jax.Array
    H: jax.Array
    lam: jax.Array
    w_star: jax.Array
    alpha: jax.Array
    path: jax.Array
    gap: jax.Array
    steps: jax.Array
    rate: jax.Array
    rate_steps: jax.Array


@functools.partial(jax.jit, static_argnames="num_steps")
def _descend(z, eps, ratio, rule, tol, noise, num_steps):
    X, Y = _data(z, eps, ratio, noise)
    m = X.shape[1]
    X_norm = Normalizer.fit(X).transform(X)
    Xs = jnp.stack([X, X_norm])  # (2, 2, m)
    H = jnp.einsum("kim,kjm->kij", Xs, Xs) / m
    g = jnp.einsum("kim,m->ki", Xs, Y[0]) / m  # X Yᵀ/m
    det = H[:, 0, 0] * H[:, 1, 1] - H[:, 0, 1] ** 2
    w_star = jnp.stack(  # H⁻¹ g, 2×2 inverse
        [H[:, 1, 1] * g[:, 0] - H[:, 0, 1] * g[:, 1],
         H[:, 0, 0] * g[:, 1] - H[:, 0, 1] * g[:, 0]], -1
    ) / det[:, None]  # fmt: skip
    lam = hessian_eigs(H)
    alpha = learning_rates(lam, rule)

    def gap_of(d):
        return 0.5 * jnp.einsum("ki,kij,kj->k", d, H, d)

    def step(d, _):  # ∇J(w) = H (w − w*): exactly GD on J, in w − w*
        d = d - alpha[:, None] * jnp.einsum("kij,kj->ki", H, d)
        return d, (d, gap_of(d))

    d0 = jnp.broadcast_to(jnp.asarray(START, jnp.float32), (2, 2))
    gap0 = gap_of(d0)
    _, (ds, gaps) = jax.lax.scan(step, d0, None, length=num_steps)
    path = jnp.concatenate([d0[:, None], jnp.swapaxes(ds, 0, 1)], axis=1)
    gap = jnp.concatenate(
        [jnp.ones((2, 1)), jnp.swapaxes(gaps, 0, 1) / gap0[:, None]], 1
    )
    done = gap <= tol
    steps = jnp.where(done.any(axis=1), jnp.argmax(done, axis=1), num_steps + 1)
    # ln of the rate max_i |1 − α λ_i|: (κ − 1)/(κ + 1) for the best α and
    # 1 − 1/κ for α = 1/λ_max, written with log1p of 2/(κ + 1) and 1/κ
    # because 1 − α λ_i loses every digit in float32 once κ nears 10⁶. The
    # shared α is the normalized cost's best one.
    kappa = lam[:, 1] / lam[:, 0]
    direct = jnp.log(jnp.max(jnp.abs(1.0 - alpha[:, None] * lam), axis=1))
    used = jnp.stack([rule, jnp.where(rule == 2, 0, rule)])  # rule per cost
    log_rate = jnp.select(
        [used == 0, used == 1],
        [jnp.log1p(-2.0 / (kappa + 1.0)), jnp.log1p(-1.0 / kappa)],
        direct,
    )
    rate = jnp.exp(log_rate)
    rate_steps = jnp.where(
        log_rate < 0, jnp.ceil(jnp.log(tol) / (2 * log_rate)), jnp.inf
    )
    return Descent(X, X_norm, Y, H, lam, w_star, alpha, path, gap, steps, rate,
                   rate_steps)  # fmt: skip


def descend(
    key,
    ratio: float,
    rule: str | int = "best",
    *,
    tol: float = TOL,
    noise: float = 0.3,
    m: int = 100,
    num_steps: int = NUM_STEPS,
) -> Descent:
    """GD on the raw and the normalized cost of :func:`make_data`, one jitted call.

    Both start at w* + START in their own weights and run ``num_steps`` steps
    of w ← w − α ∇J(w) with α from ``rule`` (a name of RULES or its index;
    see :func:`learning_rates`). ``ratio`` in [1, 1000], ``tol`` in (0, 1),
    ``rule`` and ``noise`` are traced: new values never recompile (only a new
    ``m`` or ``num_steps`` does).
    """
    key = check_key("key", key)
    _check_ratio(ratio)
    if isinstance(rule, str):
        if rule not in RULES:
            raise ValueError(
                f"unknown rule {rule!r}; choose one of: {', '.join(RULES)}"
            )
        rule = _RULE_INDEX[rule]
    rule = check_int("rule", rule, lo=0, hi=len(RULES) - 1)
    check_range("tol", tol, 0, 1, lo_closed=False, hi_closed=False)
    check_range("noise", noise, 0, None)
    m = check_int("m", m, lo=3)
    num_steps = check_int("num_steps", num_steps, lo=1)
    ratio, tol, noise = float(ratio), float(tol), float(noise)  # as the panel does
    return _descend(*_draws(key, m), ratio, rule, tol, noise, num_steps)


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
            ax.set(xlim=BOX[0], ylim=BOX[1], xlabel="w₁ − w₁*", xticks=[-2, 0, 2],
                   yticks=[-2, 0, 2])  # fmt: skip
            ax.set_aspect("equal", adjustable="box")
        self.ax_raw.set_ylabel("w₂ − w₂*")
        self.ax_raw.set_title("raw x", fontsize="medium")
        self.ax_norm.set_title("normalized x", fontsize="medium")

        ax = self.ax_gap
        t = np.arange(1, num_steps + 1)
        self.gap = {}
        for k, kind in enumerate(KINDS):
            self.gap[kind] = viz.plot_series(
                ax, t, np.ones(num_steps), label=f"{kind} x", log=True,
                rescale=False, marks_xy=(0.03, 0.13 - 0.08 * k),
                style={"color": COLORS[kind], "lw": 1.8},
            )  # fmt: skip
        self.gap["normalized"].text.set_visible(False)
        self.gap["raw"].text.set_visible(False)
        self.steps_text = {}
        for k, kind in enumerate(("header", *KINDS)):
            self.steps_text[kind] = ax.text(
                0.97, 0.97 - 0.085 * k, f"steps to gap ≤ {TOL:.0e}" if k == 0
                else "", transform=ax.transAxes, ha="right", va="top",
                fontsize="small", color=COLORS.get(kind, "black"),
            )  # fmt: skip
        ax.legend(loc="center right", fontsize="small")
        ax.set_xscale("log")
        ax.axhline(TOL, color="0.3", ls=":", lw=1.0)
        self.done = {
            kind: ax.plot([], [], "o", color=COLORS[kind], mec="black", ms=5,
                          zorder=4)[0]
            for kind in KINDS
        }  # fmt: skip
        ax.set(xlim=(1, num_steps), ylim=(1e-10, 1e4), xlabel="step t",
               ylabel="(J − J*) / (J₀ − J*)", yticks=[1e-9, 1e-6, 1e-3, 1.0],
               xticks=[1, 10, 100, 1000])  # fmt: skip
        self.layout(lecture=False)

    def layout(self, lecture: bool) -> None:
        """Fixed margins (tight_layout costs ~0.5 s of text layout at start-up,
        and squeezes the equal-aspect axes in lecture mode)."""
        if lecture:
            self.fig.subplots_adjust(left=0.1, right=0.98, bottom=0.22, top=0.87,
                                     wspace=0.6)  # fmt: skip
        else:
            self.fig.subplots_adjust(left=0.07, right=0.985, bottom=0.14, top=0.92,
                                     wspace=0.32)  # fmt: skip

    def _draw_kind(self, k: int, kind: str, out) -> None:
        self.levels[kind].set_data(*_ellipse_xy(out.H[k]))
        viz.update_paths(self.paths[kind], out.path[k][None])
        t, gap = _shown_gap(out.gap[k, 1:])
        viz.update_series(self.gap[kind], x=t, y=gap)
        ok = out.steps[k] <= self.num_steps
        self.done[kind].set_data([max(int(out.steps[k]), 1)] if ok else [],
                                 [TOL] if ok else [])  # fmt: skip
        self.steps_text[kind].set_text(
            f"{kind}: " + _fmt_steps(int(out.steps[k]), float(out.rate[k]),
                                     float(out.rate_steps[k]), self.num_steps)
        )  # fmt: skip

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
    _check_ratio(ratio)
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of: {', '.join(RULES)}")
    m = check_int("m", m, lo=3)
    num_steps = check_int("num_steps", num_steps, lo=1)
    lo, hi = (math.log10(v) for v in RATIO_RANGE)
    controls = {
        "ratio": widgets.FloatLogSlider(
            ratio, base=10, min=lo, max=hi, step=0.02, description="σ₂/σ₁",
            readout_format=".3g", continuous_update=True,
        ),
        "rule": widgets.Dropdown(
            options=[(label, name) for name, label in RULES.items()], value=rule,
            description="step size", style={"description_width": "70px"},
            layout=widgets.Layout(width="320px"),
        ),
    }  # fmt: skip
    view = _View(num_steps)
    draws = {}

    def compute(*, ratio, rule, key):
        bits = np.asarray(jax.random.key_data(key)).tobytes()
        if draws.get("bits") != bits:  # new seed: new data (NumPy, no compile)
            draws.update(bits=bits, zy=_draws(key, m))
        out = _descend(*draws["zy"], float(ratio), _RULE_INDEX[rule], TOL, 0.3,
                       num_steps)  # fmt: skip
        return ratio, rule, bits, Descent(*(np.asarray(a) for a in out))

    panel = Panel(
        controls, compute, view.draw, fig=view.fig, seed=seed, animated=view.animated,
        columns=2,
        title="<b>Normalizing inputs</b>: gradient descent on J(w₁, w₂) of a linear "
        "regression, raw features vs normalized ones (★ = minimum)",
    )  # fmt: skip

    def lecture_layout(on: bool) -> None:  # runs after the panel's own handler
        view.layout(lecture=on)
        view.fig.canvas.draw_idle()

    panel.lecture_button.observe(
        lambda ch: panel.guard("lecture layout", lecture_layout, ch["new"]), "value"
    )
    kids = list(panel.widget.children)  # the readout goes right above the figure
    panel.widget.children = (*kids[:-2], view.readout, *kids[-2:])
    panel.view = view  # panel.view.result: the Descent on show
    return panel
