"""Plot functions for the notebooks: ``ax`` first, and they return their artists.

Every ``plot_*`` function draws on an existing Axes and returns a NamedTuple of
the artists it made; the matching ``update_*`` function changes those artists
in place (``set_data``, ``set_ydata``, ``set_array``, ``set_height``), so a
slider panel never re-creates a figure or an artist on a move::

    fig, ax = plt.subplots()
    s = plot_series(ax, t, v, v_uncorrected, text="β = 0.9")
    update_series(s, y=new_v, y2=new_v_unc, text="β = 0.98")   # same artists

Non-finite values are never a silent blank. A point that is +inf (overflow)
gets a red ▲ on the top edge of the axes, −inf (or 0 on a log axis:
underflow) a red ▼ on the bottom edge, NaN a red ✕ on the top edge, and a red
label names the first one, e.g. "overflow (inf) at layer 7 · NaN from layer 8".
The axis limits are set from the finite values only.

This module uses matplotlib but never ipywidgets (see DESIGN.md, layers).
"""

from __future__ import annotations

import weakref
from typing import NamedTuple

import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text

__all__ = [
    "LABEL_BOX",
    "NONFINITE_COLOR",
    "OPTIMIZER_COLORS",
    "ContourArtists",
    "DecisionArtists",
    "HistArtists",
    "NonFiniteMarks",
    "PathArtists",
    "SeriesArtists",
    "apply_lecture_mode",
    "artists_of",
    "describe_nonfinite",
    "drawable",
    "finite_limits",
    "lecture_mode",
    "mark_nonfinite",
    "path_problem",
    "plot_contour",
    "plot_decision_boundary",
    "plot_hist",
    "plot_layer_norms",
    "plot_paths",
    "plot_series",
    "set_base_linewidth",
    "update_contour",
    "update_decision_boundary",
    "update_hist",
    "update_layer_norms",
    "update_nonfinite",
    "update_paths",
    "update_series",
]

NONFINITE_COLOR = "red"
OPTIMIZER_COLORS = {
    "gd": "tab:blue",
    "momentum": "tab:orange",
    "rmsprop": "tab:green",
    "adam": "tab:purple",
}
# the white box behind the panels' value labels
LABEL_BOX = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5}


# ----------------------------------------------------------------------------
# Non-finite values
# ----------------------------------------------------------------------------


class NonFiniteMarks(NamedTuple):
    """Markers on the axes edges (x in data, y in axes coordinates) + a label.

    top: ▲ at +inf.  bottom: ▼ at −inf, or at 0 when ``log``.  nan: ✕ at NaN.
    label: red text naming the first of each, "" when all values are fine;
    None when the caller shows the words elsewhere (a panel's readout line).
    """

    top: Line2D
    bottom: Line2D
    nan: Line2D
    label: Text | None


def _nonfinite_label(ax, label_xy, *, va: str, zorder: float):
    """The empty text artist that names NaN/inf runs, or None when
    ``label_xy`` is None (the caller shows the words outside the figure)."""
    if label_xy is None:
        return None
    return ax.text(
        *label_xy,
        "",
        transform=ax.transAxes,
        color=NONFINITE_COLOR,
        va=va,
        ha="left",
        fontsize="small",
        bbox=LABEL_BOX,
        zorder=zorder,
    )


def artists_of(*groups, exclude=(Legend,)) -> list:
    """Flatten artist NamedTuples/lists (e.g. for a panel's ``animated``).

    ``artists_of(series, paths)`` lists every Artist inside, skipping
    ``exclude`` types (legends do not move) and non-artists (None, strings).
    """
    out = []
    for g in groups:
        if isinstance(g, Artist):
            if not isinstance(g, exclude):
                out.append(g)
        elif isinstance(g, (tuple, list)):
            out.extend(artists_of(*g, exclude=exclude))
    return out


def _fmt_pos(x) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:g}"


def describe_nonfinite(x, y, *, what: str = "step", log: bool = False) -> str:
    """Name the first bad value of each kind, e.g. "NaN from step 12".

    Kinds: "overflow (inf) at {what} k", "−inf at {what} k",
    "NaN from {what} k" and, when ``log`` (a log axis cannot show 0 or
    negatives), "vanished (0) at {what} k" / "≤ 0 at {what} k".
    Returns "" when every value can be drawn.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    kinds = [
        (np.isposinf(y), "overflow (inf) at"),
        (np.isneginf(y), "−inf at"),
        (np.isnan(y), "NaN from"),
    ]
    if log:
        kinds += [(y == 0, "vanished (0) at"), (y < 0, "≤ 0 at")]
    parts = [
        f"{words} {what} {_fmt_pos(x[np.argmax(mask)])}"
        for mask, words in kinds
        if mask.any()
    ]
    return " · ".join(parts)


_EDGE_Y = weakref.WeakKeyDictionary()  # edge marker line -> its y in axes coords


def _edge_line(ax, y_axes: float, marker: str) -> Line2D:
    (line,) = ax.plot(
        [],
        [],
        linestyle="none",
        marker=marker,
        color=NONFINITE_COLOR,
        markersize=8,
        clip_on=False,
        transform=ax.get_xaxis_transform(),  # x in data, y in axes coordinates
        zorder=5,
    )
    _EDGE_Y[line] = y_axes
    line.set_in_layout(False)  # an empty unclipped line would stretch tight_layout
    return line


def mark_nonfinite(
    ax,
    x,
    y,
    *,
    what: str = "step",
    log: bool = False,
    name: str = "",
    label_xy: tuple[float, float] | None = (0.02, 0.96),
) -> NonFiniteMarks:
    """Draw explicit markers and a label for the non-finite values of y(x).

    ``what`` names the x axis in the label ("step", "layer"); ``name``
    prefixes it (e.g. the optimizer). ``label_xy=None``: markers only, for a
    caller that shows the words (:func:`update_nonfinite`'s return value)
    outside the figure. Returns the artists; change them with
    :func:`update_nonfinite`.
    """
    label = _nonfinite_label(ax, label_xy, va="top", zorder=6)
    marks = NonFiniteMarks(
        top=_edge_line(ax, 0.98, "^"),
        bottom=_edge_line(ax, 0.02, "v"),
        nan=_edge_line(ax, 0.98, "X"),
        label=label,
    )
    update_nonfinite(marks, x, y, what=what, log=log, name=name)
    return marks


def update_nonfinite(
    marks: NonFiniteMarks, x, y, *, what: str = "step", log: bool = False, name=""
) -> str:
    """Move the markers to the current bad values of y(x); return the label.

    One marker per RUN of bad values, at its first x: a run that is NaN from
    step 4 to the end gets one ✕ at step 4, not a solid band of them.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    low = np.isneginf(y) | ((y <= 0) if log else False)
    for line, mask in (
        (marks.top, np.isposinf(y)),
        (marks.bottom, low),
        (marks.nan, np.isnan(y)),
    ):
        mask = np.asarray(mask, dtype=bool).reshape(-1)
        starts = mask & ~np.concatenate(([False], mask[:-1]))
        line.set_data(x[starts], np.full(int(starts.sum()), _EDGE_Y[line]))
        line.set_visible(bool(starts.any()))  # hidden: a blit skips it
    text = describe_nonfinite(x, y, what=what, log=log)
    text = f"{name}: {text}" if (text and name) else text
    if marks.label is not None:
        marks.label.set_text(text)
        marks.label.set_visible(bool(text))
    return text


def _name(line) -> str:
    label = line.get_label()
    return "" if label.startswith("_") else label


def drawable(y, log: bool = False) -> np.ndarray:
    """y as float64 with what cannot be drawn (inf, NaN; ≤ 0 if log) as NaN."""
    y = np.array(y, dtype=np.float64)
    bad = ~np.isfinite(y) | ((y <= 0) if log else False)
    y[bad] = np.nan
    return y


def finite_limits(*ys, log: bool = False, margin: float = 0.05):
    """(lo, hi) covering the finite (and, if ``log``, positive) values.

    A margin of ``margin`` × the span is added on each side (in log space if
    ``log``). Returns None when there is nothing finite to show.
    """
    vals = np.concatenate([drawable(y, log).ravel() for y in ys])
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return None
    if log:
        lo, hi = np.log10(vals.min()), np.log10(vals.max())
    else:
        lo, hi = float(vals.min()), float(vals.max())
    span = hi - lo if hi > lo else max(1.0, abs(hi)) * (0.5 if not log else 1.0)
    lo, hi = lo - margin * span, hi + margin * span
    return (10.0**lo, 10.0**hi) if log else (lo, hi)


def _set_ylim(ax, limits) -> bool:
    """Set the y limits if they changed; True when they did."""
    if limits is None or np.allclose(ax.get_ylim(), limits, rtol=1e-9, atol=0):
        return False
    ax.set_ylim(*limits)
    return True


# ----------------------------------------------------------------------------
# Line / series plots (EWA, loss curves, per-layer norms)
# ----------------------------------------------------------------------------


class SeriesArtists(NamedTuple):
    """Artists of :func:`plot_series`; ``line2``/``marks2`` are None without y2."""

    line: Line2D
    line2: Line2D | None
    text: Text
    marks: NonFiniteMarks
    marks2: NonFiniteMarks | None
    what: str
    log: bool


def plot_series(
    ax,
    x,
    y,
    y2=None,
    *,
    label: str | None = None,
    label2: str | None = None,
    text: str = "",
    what: str = "step",
    log: bool = False,
    style: dict | None = None,
    style2: dict | None = None,
    rescale: bool = True,
    marks_xy: tuple[float, float] | None = (0.02, 0.96),
) -> SeriesArtists:
    """Plot y(x) and optionally a second series y2(x), plus an annotation text.

    ``log`` puts the y axis on a log scale (0 and negatives are then marked,
    not dropped). ``text`` is drawn top-right and can be changed on every
    update. Non-finite points are gaps in the line with explicit markers; their
    red labels start at ``marks_xy`` (axes coordinates; None: no labels, the
    caller names the bad values elsewhere, e.g. with :func:`describe_nonfinite`).
    """
    if log:
        ax.set_yscale("log")
    (line,) = ax.plot(x, drawable(y, log), label=label, **(style or {}))
    line2 = None
    if y2 is not None:
        (line2,) = ax.plot(x, drawable(y2, log), label=label2, **(style2 or {}))
    note = ax.text(
        0.98, 0.96, text, transform=ax.transAxes, ha="right", va="top", bbox=LABEL_BOX
    )
    marks = mark_nonfinite(
        ax, x, y, what=what, log=log, name=label or "", label_xy=marks_xy
    )
    marks2 = None
    if y2 is not None:
        xy2 = None if marks_xy is None else (marks_xy[0], marks_xy[1] - 0.08)
        marks2 = mark_nonfinite(
            ax, x, y2, what=what, log=log, name=label2 or "", label_xy=xy2
        )
    artists = SeriesArtists(line, line2, note, marks, marks2, what, log)
    if rescale:
        _set_ylim(ax, finite_limits(y, *([] if y2 is None else [y2]), log=log))
    if label or label2:
        ax.legend(loc="lower right")
    return artists


def update_series(
    s: SeriesArtists, *, x=None, y=None, y2=None, text=None, rescale: bool = False
) -> bool:
    """Change the data/text of :func:`plot_series` artists in place.

    With ``rescale`` the y limits follow the finite values. Returns True when
    the axis limits changed (a blitting caller must then redraw everything).
    """
    x = s.line.get_xdata() if x is None else np.asarray(x)
    if y is not None:
        s.line.set_data(x, drawable(y, s.log))
        update_nonfinite(s.marks, x, y, what=s.what, log=s.log, name=_name(s.line))
    if y2 is not None and s.line2 is not None:
        s.line2.set_data(x, drawable(y2, s.log))
        update_nonfinite(s.marks2, x, y2, what=s.what, log=s.log, name=_name(s.line2))
    if text is not None:
        s.text.set_text(text)
    if not rescale:
        return False
    ys = [s.line.get_ydata()] + ([] if s.line2 is None else [s.line2.get_ydata()])
    return _set_ylim(s.line.axes, finite_limits(*ys, log=s.log))


def plot_layer_norms(
    ax, norms, *, label: str = "‖dW[l]‖", what: str = "layer"
) -> SeriesArtists:
    """Per-layer norms (e.g. of the gradients) on a log y axis, l = 1..L.

    0 (underflow) is marked "vanished (0) at layer k", inf "overflow (inf)
    at layer k", NaN "NaN from layer k".
    """
    L = len(np.asarray(norms))
    s = plot_series(
        ax,
        np.arange(1, L + 1),
        norms,
        label=label,
        what=what,
        log=True,
        style={"marker": "o"},
    )
    ax.set_xlabel(what)
    ax.set_xticks(np.arange(1, L + 1))
    return s


def update_layer_norms(s: SeriesArtists, norms, *, text=None) -> bool:
    """New per-layer norms (same number of layers); rescales the log axis."""
    return update_series(s, y=norms, text=text, rescale=True)


# ----------------------------------------------------------------------------
# Contours and optimizer trajectories
# ----------------------------------------------------------------------------


class ContourArtists(NamedTuple):
    """Artists of :func:`plot_contour`: the contour set and the minimum ★."""

    contour: object
    minimum: Line2D


def plot_contour(ax, xs, ys, Z, levels, *, minimum=None) -> ContourArtists:
    """Contour lines of Z (Z[i, j] at (xs[j], ys[i])) and a ★ at the minimum.

    Drawn once per surface (contours are the slow part of a redraw); the
    view is set to the grid's extent.
    """
    cs = ax.contour(
        np.asarray(xs),
        np.asarray(ys),
        np.asarray(Z),
        levels=levels,
        colors="0.55",
        linewidths=0.8,
        zorder=1,
    )
    (star,) = ax.plot([], [], "*", color="black", markersize=12, zorder=2)
    if minimum is not None and np.all(np.isfinite(minimum)):
        star.set_data([minimum[0]], [minimum[1]])
    ax.set_xlim(float(xs[0]), float(xs[-1]))
    ax.set_ylim(float(ys[0]), float(ys[-1]))
    return ContourArtists(cs, star)


def update_contour(
    c: ContourArtists, xs, ys, Z, levels, *, minimum=None
) -> ContourArtists:
    """Replace the contour set (a new surface) and move the ★; returns new artists.

    Contour sets cannot change their data in place, so this removes the old
    one and draws a new one: call it only when the surface changes.
    """
    ax = c.minimum.axes
    c.contour.remove()
    c.minimum.remove()
    return plot_contour(ax, xs, ys, Z, levels, minimum=minimum)


class PathArtists(NamedTuple):
    """Artists of :func:`plot_paths`, one entry per path in ``lines``/``ends``.

    start: ○ at the first point of every path. ends: ● at each last point.
    broken: red ✕ where a path left the view or overflowed (clamped to the
    edge of the view so it is always visible). label: red text naming them
    (None when the caller shows :func:`update_paths`' words elsewhere).
    """

    lines: list
    start: Line2D
    ends: list
    broken: Line2D
    label: Text | None
    legend: object


def plot_paths(ax, paths, labels, *, colors=None, label_xy=(0.02, 0.02)) -> PathArtists:
    """Trajectories θ_0..θ_T of several optimizers, paths of shape (k, T+1, 2).

    Each path is a line with a ● at its last point; a ○ marks θ_0. The red
    label naming broken paths sits at ``label_xy`` (axes coordinates); None
    leaves it out (the ✕ markers stay).
    """
    paths = np.asarray(paths, dtype=np.float64)
    colors = colors or [OPTIMIZER_COLORS.get(n, f"C{i}") for i, n in enumerate(labels)]
    lines, ends = [], []
    for label, color in zip(labels, colors, strict=True):
        (line,) = ax.plot([], [], "-", color=color, lw=1.8, label=label, zorder=3)
        (end,) = ax.plot([], [], "o", color=color, markersize=6, zorder=4)
        lines.append(line)
        ends.append(end)
    (start,) = ax.plot([], [], "o", mfc="white", mec="black", markersize=8, zorder=4)
    (broken,) = ax.plot(
        [], [], "X", color=NONFINITE_COLOR, markersize=11, mec="white", zorder=6
    )
    label = _nonfinite_label(ax, label_xy, va="bottom", zorder=7)
    legend = ax.legend(loc="upper right", fontsize="small")
    artists = PathArtists(lines, start, ends, broken, label, legend)
    update_paths(artists, paths)
    return artists


def _clamp_to_view(points, xlim, ylim, factor: float = 0.0):
    """Clip (n, 2) points into the view box enlarged by ``factor`` × its size."""
    (x0, x1), (y0, y1) = sorted(xlim), sorted(ylim)
    dx, dy = factor * (x1 - x0), factor * (y1 - y0)
    out = np.array(points, dtype=np.float64)
    out[:, 0] = np.clip(out[:, 0], x0 - dx, x1 + dx)
    out[:, 1] = np.clip(out[:, 1], y0 - dy, y1 + dy)
    return out


def path_problem(path, xlim, ylim):
    """(index, words) of the first step where a path (T+1, 2) breaks, or None.

    Non-finite beats leaving the view: "overflow (inf)" / "NaN" at step k,
    otherwise "left the view" at the first step outside the box.
    """
    finite = np.isfinite(path).all(axis=1)
    if not finite.all():
        k = int(np.argmin(finite))
        words = "NaN" if np.isnan(path[k]).any() else "overflow (inf)"
        return k, words
    (x0, x1), (y0, y1) = sorted(xlim), sorted(ylim)
    inside = (
        (path[:, 0] >= x0)
        & (path[:, 0] <= x1)
        & (path[:, 1] >= y0)
        & (path[:, 1] <= y1)
    )
    if not inside.all():
        return int(np.argmin(inside)), "left the view"
    return None


def update_paths(p: PathArtists, paths) -> str:
    """Move every trajectory to new data (k, T+1, 2); returns the red label.

    Non-finite points become gaps; finite points far outside the view are
    clipped to 10 view-sizes around it (Agg cannot draw 1e30 px). Where a
    path breaks, a red ✕ sits at its last good point (clamped to the view)
    and the label says "adam: overflow (inf) at step 12".
    """
    ax = p.start.axes
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    paths = np.asarray(paths, dtype=np.float64)
    notes, broken = [], []
    for line, end, path in zip(p.lines, p.ends, paths, strict=True):
        finite = np.isfinite(path).all(axis=1)
        shown = _clamp_to_view(np.where(finite[:, None], path, 0.0), xlim, ylim, 10.0)
        shown[~finite] = np.nan
        line.set_data(shown[:, 0], shown[:, 1])
        last = np.flatnonzero(finite)
        last_pt = path[last[-1]] if last.size else path[0] * np.nan
        end.set_data([last_pt[0]], [last_pt[1]])
        problem = path_problem(path, xlim, ylim)
        if problem is not None:
            k, words = problem
            notes.append(f"{line.get_label()}: {words} at step {k}")
            good = path[k - 1] if (k > 0 and words != "left the view") else path[k]
            if np.isfinite(good).all():
                broken.append(_clamp_to_view(good[None], xlim, ylim)[0])
    p.start.set_data(paths[:, 0, 0], paths[:, 0, 1])
    pts = np.array(broken).reshape(-1, 2)
    p.broken.set_data(pts[:, 0], pts[:, 1])
    text = "\n".join(notes)
    if p.label is not None:
        p.label.set_text(text)
        p.label.set_visible(bool(text))
    return text


# ----------------------------------------------------------------------------
# Histograms with fixed bins (per-layer activations)
# ----------------------------------------------------------------------------


class HistArtists(NamedTuple):
    """Artists of :func:`plot_hist`: the bars, their fixed edges, a note."""

    bars: object
    edges: np.ndarray
    text: Text


def _hist_counts(data, edges):
    data = np.asarray(data, dtype=np.float64).ravel()
    finite = data[np.isfinite(data)]
    counts, _ = np.histogram(finite, bins=edges)
    outside = int(((finite < edges[0]) | (finite > edges[-1])).sum())
    n_bad = data.size - finite.size
    parts = []
    if outside:
        parts.append(f"{outside} outside [{edges[0]:g}, {edges[-1]:g}]")
    if n_bad:
        parts.append(f"{n_bad} non-finite (NaN/inf)")
    return counts, " · ".join(parts)


def plot_hist(ax, data, bins=30, range=(-1.0, 1.0), *, color=None) -> HistArtists:
    """Histogram of ``data`` with FIXED bins (``bins`` over ``range``).

    Values outside the range and non-finite values are not binned; they are
    counted in a red note ("12 outside [-1, 1] · 3 non-finite").
    """
    edges = np.linspace(*range, bins + 1)
    counts, note = _hist_counts(data, edges)
    bars = ax.bar(
        edges[:-1], counts, width=np.diff(edges), align="edge", color=color, alpha=0.8
    )
    text = ax.text(
        0.02,
        0.96,
        note,
        transform=ax.transAxes,
        color=NONFINITE_COLOR,
        va="top",
        fontsize="small",
        bbox=LABEL_BOX,
    )
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max(1, counts.max()) * 1.1)
    return HistArtists(bars, edges, text)


def update_hist(h: HistArtists, data, *, rescale: bool = True) -> bool:
    """Set the bar heights for new data in place; True if the y limits changed."""
    counts, note = _hist_counts(data, h.edges)
    for rect, c in zip(h.bars, counts, strict=True):
        rect.set_height(c)
    h.text.set_text(note)
    if not rescale:
        return False
    return _set_ylim(h.text.axes, (0, max(1, counts.max()) * 1.1))


# ----------------------------------------------------------------------------
# Decision boundaries
# ----------------------------------------------------------------------------


class DecisionArtists(NamedTuple):
    """Artists of :func:`plot_decision_boundary`."""

    image: object
    points: object
    text: Text


def plot_decision_boundary(ax, xs, ys, probs, X, Y, *, cmap="RdBu") -> DecisionArtists:
    """Predicted P(y = 1) on a grid (probs[i, j] at (xs[j], ys[i])) + the data.

    X is (2, m), Y is (1, m) with 0/1 labels (the course layout). NaN
    probabilities are painted magenta and counted in a red note.
    """
    cm = mpl.colormaps[cmap].with_extremes(bad="magenta")
    image = ax.imshow(
        drawable(probs),
        extent=(xs[0], xs[-1], ys[0], ys[-1]),
        origin="lower",
        cmap=cm,
        vmin=0.0,
        vmax=1.0,
        aspect="auto",
        interpolation="bilinear",
        alpha=0.8,
    )
    X, Y = np.asarray(X), np.asarray(Y).ravel()
    points = ax.scatter(
        X[0], X[1], c=Y, cmap=cmap, vmin=0, vmax=1, edgecolors="black", s=18
    )
    text = ax.text(
        0.02,
        0.96,
        "",
        transform=ax.transAxes,
        color=NONFINITE_COLOR,
        va="top",
        fontsize="small",
        bbox=LABEL_BOX,
    )
    d = DecisionArtists(image, points, text)
    update_decision_boundary(d, probs)
    return d


def update_decision_boundary(d: DecisionArtists, probs=None, X=None, Y=None) -> None:
    """New probabilities (same grid) and/or new points, in place."""
    if probs is not None:
        p = np.asarray(probs, dtype=np.float64)
        d.image.set_data(drawable(p))
        n_bad = int((~np.isfinite(p)).sum())
        d.text.set_text(f"{n_bad} grid cells are NaN/inf (magenta)" if n_bad else "")
    if X is not None:
        d.points.set_offsets(np.asarray(X).T)
    if Y is not None:
        d.points.set_array(np.asarray(Y).ravel())


# ----------------------------------------------------------------------------
# Lecture mode: big fonts and thick lines for a projector
# ----------------------------------------------------------------------------

LECTURE_RC = {
    "font.size": 16,
    "axes.titlesize": 18,
    "axes.labelsize": 16,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 14,
    "lines.linewidth": 3.0,
    "lines.markersize": 9,
    "axes.linewidth": 1.5,
}
LECTURE_SCALE = 1.6
_BASE = weakref.WeakKeyDictionary()  # artist -> its size outside lecture mode
_LECTURE = weakref.WeakKeyDictionary()  # figure -> lecture mode on


class lecture_mode:
    """Big fonts and thick lines for figures created from now on (rcParams).

    ``lecture_mode()`` switches it on, ``lecture_mode(False)`` back to
    matplotlib's defaults; ``with lecture_mode(): ...`` restores the previous
    values on exit. For a figure that already exists, use
    :func:`apply_lecture_mode`.
    """

    def __init__(self, on: bool = True):
        self._saved = {k: mpl.rcParams[k] for k in LECTURE_RC}
        new = LECTURE_RC if on else {k: mpl.rcParamsDefault[k] for k in LECTURE_RC}
        mpl.rcParams.update(new)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        mpl.rcParams.update(self._saved)
        return False


def _scale(fig) -> float:
    on = fig is not None and _LECTURE.get(fig, False)
    return LECTURE_SCALE if on else 1.0


def set_base_linewidth(line: Line2D, lw: float) -> None:
    """Set a line's width as it is outside lecture mode (scaled when it is on).

    Use this, not ``set_linewidth``, for emphasis that must survive toggling
    :func:`apply_lecture_mode`.
    """
    base = _BASE.setdefault(line, {})
    base["lw"] = lw
    line.set_linewidth(lw * _scale(line.figure))


def apply_lecture_mode(fig, on: bool = True, scale: float | None = None) -> None:
    """Switch an EXISTING figure to (or back from) lecture mode, in place.

    Every text (titles, labels, legends, annotations, tick labels) gets
    ``scale`` × its normal font size, every line ``scale`` × its width and
    marker size. The normal sizes are remembered, so toggling back and forth
    is exact. Redraw the canvas afterwards.
    """
    global LECTURE_SCALE
    if scale is not None:
        LECTURE_SCALE = float(scale)
    _LECTURE[fig] = bool(on)
    k = _scale(fig)
    for ax in fig.axes:  # the tick size as it is now, before any text is scaled
        base = _BASE.setdefault(ax, {})
        if "tick" not in base:
            tick = ax.xaxis.get_major_ticks()[0] if ax.xaxis.get_major_ticks() else None
            size = tick.label1.get_fontsize() if tick else mpl.rcParams["font.size"]
            base["tick"] = size
    for artist in fig.findobj(lambda a: isinstance(a, (Text, Line2D))):
        base = _BASE.setdefault(artist, {})
        if isinstance(artist, Text):
            base.setdefault("size", artist.get_fontsize())
            artist.set_fontsize(base["size"] * k)
        else:
            base.setdefault("lw", artist.get_linewidth())
            base.setdefault("ms", artist.get_markersize())
            artist.set_linewidth(base["lw"] * k)
            artist.set_markersize(base["ms"] * k)
    for ax in fig.axes:
        base = _BASE[ax]
        ax.tick_params(labelsize=base["tick"] * k, width=0.8 * k, length=3.5 * k)
