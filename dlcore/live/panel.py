"""Slider panels: controls -> compute -> draw, shown in one live figure.

Every demo is a :class:`Panel`::

    fig, ax = figure()                                  # Agg, not pyplot
    line = viz.plot_series(ax, t, y)
    def compute(*, beta, key): return jitted_fn(beta, key)  # pure, arrays out
    def draw(result):          viz.update_series(line, y=result)  # in place
    panel = Panel({"beta": widgets.FloatSlider(...)}, compute, draw, fig=fig)
    panel                                               # last line of a cell

A move renders at once, inside the traitlets observer of the control. The
ipywidgets frontend keeps at most one update per widget in flight and
replaces the waiting one by the newest value, so values the kernel could not
keep up with are dropped before they reach it. Changes made together
(``panel.set(a=.., b=..)``, an ``on_change`` hook moving other controls) give
one render. A result whose values changed while it was computed is stale: it
is dropped and the newest values computed. Errors in compute, draw or hooks
go to ``panel.errors`` and the log under the figure; the next move renders
normally. The figure is a :class:`~dlcore.live.figure.FigureWidget`.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable

import ipywidgets as widgets
import jax

from dlcore.live import viz
from dlcore.live.controls import (
    ErrorLog,
    PanelError,
    discrete_variants,
    static_html,
    warm_up,
)
from dlcore.live.figure import FigureWidget, figure

__all__ = ["Panel", "PanelError", "figure"]

_MAX_RETRIES = 10  # stale results dropped in a row before giving up


class Panel:
    """Controls + one figure + ``compute`` + ``draw``.

    Args:
        controls: ``{name: widget}``; a widget's ``value`` goes to ``compute``
            under its name, a ``Button`` passes its click count.
        compute: ``compute(*, key, **values) -> result``, pure.
        draw: ``draw(result)`` updates the artists in place; a truthy return
            asks for a full redraw (new limits, a new contour, ...).
        fig: the figure, made once with :func:`figure`.
        animated: artists (or a function returning them) that an ordinary
            move changes; they are blitted over a cached background.
        readout: ``readout(result) -> str`` (HTML) shown above the figure.
        seed: first PRNG seed, ``key = jax.random.key(seed)``.
        warmup: ``"auto"`` (every combination of the discrete controls), a
            list of ``{name: value}`` overrides, or None.
        on_change: ``{name: fn(new_value)}`` run before the render when that
            control moves; changes they make join the same render.
        title: HTML above the controls; columns: the controls' grid width;
            show_seed: show the "new seed" button.
    """

    def __init__(
        self,
        controls: dict,
        compute: Callable,
        draw: Callable,
        *,
        fig,
        seed: int = 0,
        warmup="auto",
        on_change: dict | None = None,
        title: str = "",
        columns: int = 3,
        show_seed: bool = True,
        animated=None,
        readout: Callable | None = None,
    ):
        self.controls = dict(controls)
        self.compute, self.draw, self.fig = compute, draw, fig
        self.seed, self.key = int(seed), jax.random.key(int(seed))
        self._log = ErrorLog()
        self.errors: list[PanelError] = self._log.errors
        self.timings: deque = deque(maxlen=1000)  # (compute_ms, draw_ms)
        self.renders = self.blits = self.stale = 0
        self._hooks, self._readout, self._title = dict(on_change or {}), readout, title
        self._version, self._rendering, self._holding, self._dirty = 0, False, 0, False
        self._clicks = {
            n: 0 for n, w in self.controls.items() if isinstance(w, widgets.Button)
        }
        self.figure_widget = FigureWidget(
            fig,
            animated=animated,
            on_error=lambda w, e: self._report(w, self.values, e),
        )
        self._build_widgets(columns, show_seed)
        for name, w in self.controls.items():
            if name in self._clicks:
                w.on_click(lambda _b, name=name: self._click(name))
            else:
                w.observe(lambda ch, name=name: self._moved(name, ch["new"]), "value")
        if warmup:
            self.warm_up(warmup)
        self._render(full=True)

    def _build_widgets(self, columns: int, show_seed: bool) -> None:
        self.seed_button = widgets.Button(description="new seed", icon="refresh")
        self.seed_button.on_click(lambda _b: self.guard("new seed", self.new_seed))
        self.lecture_button = widgets.ToggleButton(
            description="lecture mode", icon="eye"
        )
        self.lecture_button.observe(
            lambda ch: self.guard("lecture mode", self.set_lecture_mode, ch["new"]),
            "value",
        )
        self.log, self.readout = self._log.widget, widgets.HTML()
        grid = widgets.GridBox(
            list(self.controls.values()),
            layout=widgets.Layout(grid_template_columns=f"repeat({columns}, auto)"),
        )
        buttons = [self.seed_button] if show_seed else []
        self.widget = widgets.VBox(
            [
                *([widgets.HTML(self._title)] if self._title else []),
                grid,
                widgets.HBox([*buttons, self.lecture_button]),
                *([self.readout] if self._readout is not None else []),
                self.figure_widget,
                self.log,
            ]
        )

    def show_above_figure(self, widget) -> None:
        """Put ``widget`` in the panel's column, right above the figure."""
        kids = list(self.widget.children)
        kids.insert(kids.index(self.figure_widget), widget)
        self.widget.children = tuple(kids)

    def on_click(self, fn: Callable) -> Callable:
        """``fn(ax, xdata, ydata)`` on a press in an axes; errors go to the log."""
        return self.figure_widget.on_click(fn)

    def on_drag(self, fn: Callable) -> Callable:
        """``fn(ax, xdata, ydata)`` on each move while pressed."""
        return self.figure_widget.on_drag(fn)

    # -- values and renders -----------------------------------------------------

    @property
    def values(self) -> dict:
        """The current value of every control (click counts for buttons)."""
        return {
            n: self._clicks[n] if n in self._clicks else w.value
            for n, w in self.controls.items()
        }

    @contextlib.contextmanager
    def hold(self):
        """Inside ``with panel.hold():`` changes wait; one render on exit."""
        self._holding += 1
        try:
            yield self
        finally:
            self._holding -= 1
            if self._holding == 0 and self._dirty:
                self._dirty = False
                self._on_change()

    def set(self, **values) -> None:
        """Move controls programmatically; one render, now.

        Raises:
            ValueError: a name that is not one of the panel's controls.
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"unknown control(s) {unknown}; use {list(self.controls)}")
        with self.hold():
            for name, v in values.items():
                self.controls[name].value = v

    def _moved(self, name, new) -> None:
        with self.hold():
            if name in self._hooks:
                self.guard(f"on_change[{name!r}]", self._hooks[name], new)
            self._on_change()

    def _click(self, name) -> None:
        self._clicks[name] += 1
        self._on_change()

    def _on_change(self) -> None:
        self._version += 1
        if self._holding:
            self._dirty = True
        elif not self._rendering:  # a running render notices the new version
            self._render()

    def _render(self, full: bool = False) -> None:
        """compute(latest values) -> draw -> frame, until no value changed."""
        self._rendering = True
        try:
            for _ in range(_MAX_RETRIES):
                version = self._version
                if not self._render_once(version, self.values, full):
                    self.stale += 1
                if self._version == version:
                    break
        finally:
            self._rendering = False

    def _render_once(self, version: int, values: dict, full: bool) -> bool:
        """One compute + draw; False when the result is stale (not drawn)."""
        try:
            t0 = time.perf_counter()
            result = jax.block_until_ready(self.compute(key=self.key, **values))
            t1 = time.perf_counter()
            if self._version != version:
                return False
            full = bool(self.draw(result)) or full
            self.blits += self.figure_widget.render(full=full)
            if self._readout is not None:
                self.readout.value = self._readout(result)
        except Exception as exc:  # shown, never swallowed
            self._report("render", values, exc)
            return True
        self.timings.append((1e3 * (t1 - t0), 1e3 * (time.perf_counter() - t1)))
        self.renders += 1
        return True

    def redraw(self) -> None:
        """Redraw the whole figure (after a layout change) and send it."""
        self.figure_widget.render(full=True)

    def new_seed(self) -> None:
        """Replace the key (new random draws) and re-render."""
        self.seed += 1
        self.key = jax.random.key(self.seed)
        self._on_change()

    def set_lecture_mode(self, on: bool = True) -> None:
        """Big fonts / thick lines on the existing figure (viz.apply_lecture_mode)."""
        viz.apply_lecture_mode(self.fig, on)
        with contextlib.suppress(Exception):  # a layout hint, not essential
            self.fig.tight_layout()
        self.redraw()

    def warm_up(self, variants="auto") -> None:
        """Call ``compute`` once per variant so every jit variant is compiled
        (``"auto"``: every combination of the discrete controls)."""
        auto = variants == "auto"
        variants = discrete_variants(self.controls) if auto else list(variants)
        warm_up(self.compute, self.key, self.values, variants, self._report)

    # -- errors, display, closing -------------------------------------------------

    def guard(self, where: str, fn: Callable, *args):
        """Call ``fn(*args)``; an exception is reported in the log, not raised."""
        try:
            return fn(*args)
        except Exception as exc:
            self._report(where, self.values, exc)
            return None

    def _report(self, where: str, values: dict, exc: BaseException) -> None:
        self._log.report(where, values, exc)

    def png(self) -> bytes:
        """The figure as it is now (the current frame), as PNG bytes."""
        return self.figure_widget.png_frame()

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The widget view, plus a static copy (PNG, HTML) for other viewers."""
        data = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = dict(data or {"text/plain": repr(self)})
        fig_data, meta = self.figure_widget._repr_mimebundle_()
        data["image/png"] = fig_data["image/png"]
        data["text/html"] = self._static_html(fig_data["text/html"])
        return data, meta

    def _static_html(self, img: str) -> str:
        """Title, the controls' values, readout, figure and errors, as HTML."""
        shown = {n: v for n, v in self.values.items() if n not in self._clicks}
        readout = self.readout.value if self._readout is not None else ""
        return static_html(self._title, shown, readout, img, self.log.value)

    def close(self) -> None:
        """Close the widgets (the figure goes with its last reference)."""
        self.figure_widget.close()
        self.widget.close()

    def __repr__(self) -> str:
        return f"Panel(controls={list(self.controls)}, renders={self.renders})"
