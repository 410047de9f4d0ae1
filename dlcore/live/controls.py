"""Small controls and helpers for the slider panels.

- :class:`BetaSlider`: a β slider, logarithmic in 1 − β.
- :func:`set_range`: a slider's new [min, max] and value in one step.
- :func:`once_per_key`: random draws made once per PRNG key.
- :class:`Progress`: the one progress bar of the live layer (warm-ups,
  training runs made before a panel is shown).
- :class:`ErrorLog`: caught errors, listed under a panel's figure.
- :func:`discrete_variants`: every combination of a panel's discrete controls,
  and :func:`warm_up`, which compiles each of them once.
- :func:`static_html`: a panel as HTML, for viewers without a kernel.
"""

from __future__ import annotations

import html
import itertools
import time
import traceback
from collections.abc import Callable
from typing import NamedTuple

import ipywidgets as widgets
import jax
import numpy as np
import traitlets

__all__ = [
    "BetaSlider",
    "ErrorLog",
    "PanelError",
    "Progress",
    "discrete_variants",
    "once_per_key",
    "set_range",
    "static_html",
    "warm_up",
]

_TOGGLES = (widgets.ToggleButton, widgets.Checkbox)
_CHOICES = (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons)


def set_range(slider, lo: float, hi: float, value: float) -> None:
    """Give a slider a new [lo, hi] and value without tripping min <= max checks.

    Raises:
        ValueError: ``lo > hi``.
    """
    if lo > hi:
        raise ValueError(f"lo must be <= hi, got lo={lo}, hi={hi}")
    with slider.hold_trait_notifications():
        slider.max = max(slider.max, hi)
        slider.min = min(slider.min, lo)
        slider.value = min(max(value, lo), hi)
        slider.min, slider.max = lo, hi


def once_per_key(make: Callable) -> Callable:
    """``get(key)``: ``make(key)``, computed again only when the key changes.

    A panel's random draws depend on its key alone (the same draws at every
    slider value), so ``compute`` draws them once and reuses them until
    "new seed" gives the panel a new key object.
    """
    memo = {}

    def get(key):
        if memo.get("key") is not key:
            memo["key"], memo["value"] = key, make(key)
        return memo["value"]

    return get


class BetaSlider(widgets.HBox):
    """A β slider that is logarithmic in 1 − β, with a readout of β itself.

    The handle moves over r = −log10(1 − β), so 0.9, 0.99 and 0.999 are
    evenly spaced (windows 1/(1 − β) of 10, 100, 1000). ``value`` is β,
    rounded so that 1 − β has ``digits`` significant digits (β = 0.981, not
    0.98127…); observe ``"value"`` like any widget. ``slider`` is the inner
    ``FloatSlider`` (e.g. for its ``style``).

    Raises:
        ValueError: not ``0 <= min < max < 1``.
    """

    value = traitlets.Float(0.9)

    def __init__(
        self,
        value: float = 0.9,
        min: float = 0.5,
        max: float = 0.999,
        description: str = "β",
        digits: int = 2,
        **kw,
    ):
        if not 0.0 <= min < max < 1.0:
            raise ValueError(f"need 0 <= min < max < 1, got min={min}, max={max}")
        self._digits = digits
        self.slider = widgets.FloatSlider(
            value=self._r(value),
            min=self._r(min),
            max=self._r(max),
            step=0.005,
            readout=False,
            description=description,
            continuous_update=True,
        )
        self._readout = widgets.Label()
        super().__init__([self.slider, self._readout], **kw)
        self.min, self.max = min, max
        self.slider.observe(self._from_slider, "value")
        self.value = self._round(value)
        self._readout.value = self._fmt(self.value)

    @staticmethod
    def _r(beta: float) -> float:
        return -float(np.log10(1.0 - beta))

    def _round(self, beta: float) -> float:
        q = float(f"{1.0 - beta:.{self._digits}g}")
        return float(np.clip(1.0 - q, self.min, self.max))

    @staticmethod
    def _fmt(beta: float) -> str:
        return f"{beta:.4f}".rstrip("0").rstrip(".")

    def _from_slider(self, change):
        self.value = self._round(1.0 - 10.0 ** (-change["new"]))

    @traitlets.observe("value")
    def _to_slider(self, change):
        self._readout.value = self._fmt(change["new"])
        r = self._r(change["new"])
        if abs(self.slider.value - r) > 1e-9:
            with self.slider.hold_trait_notifications():
                self.slider.value = r


class Progress:
    """A progress bar that appears only if the work takes more than ``after`` s.

    ``progress.update(done)`` (or ``progress(done)``) after each step,
    ``progress.close()`` at the end; or ``with Progress(n) as progress:``.
    Outside IPython nothing is shown. ``description`` may change with each
    update (e.g. "12/64 models").

    Raises:
        ValueError: ``total`` < 1.
    """

    def __init__(self, total: int, description: str = "compiling", after=1.0):
        if int(total) < 1:
            raise ValueError(f"total must be >= 1, got {total}")
        self.total, self.description, self.after = int(total), description, after
        self.t0 = time.perf_counter()
        self.done = 0
        self.bar = self.handle = None

    def update(self, done: int, description: str | None = None) -> None:
        """Record ``done`` finished steps (shows the bar once it is worth it)."""
        self.done = int(done)
        if description is not None:
            self.description = description
        late = time.perf_counter() - self.t0 > self.after
        if self.bar is None and self.done < self.total and late:
            self._show()
        if self.bar is not None:
            self.bar.value = self.done
            self.bar.description = self.description

    __call__ = update

    def _show(self) -> None:
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:
            return
        self.bar = widgets.IntProgress(
            value=self.done, max=self.total, description=self.description
        )
        self.handle = display(self.bar, display_id=True)

    def close(self) -> None:
        """Remove the bar (its output is replaced by nothing)."""
        if self.bar is not None:
            self.bar.close()
            if self.handle is not None:
                self.handle.update({"text/plain": ""}, raw=True)
            self.bar = self.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _option_values(w) -> list:
    """The values of a selection widget, from its public ``options``."""
    opts = list(w.options.items() if hasattr(w.options, "items") else w.options)
    pairs = all(isinstance(o, (tuple, list)) and len(o) == 2 for o in opts)
    return [o[1] for o in opts] if pairs else opts


def warm_up(compute: Callable, key, values: dict, variants: list, report) -> None:
    """``compute(key=key, **values, **overrides)`` for each ``overrides`` of
    ``variants``, under one progress bar; errors go to
    ``report(where, values, exc)``."""
    with Progress(max(len(variants), 1)) as progress:
        for i, overrides in enumerate(variants):
            run = {**values, **overrides}
            try:
                jax.block_until_ready(compute(key=key, **run))
            except Exception as exc:
                report("warm-up", run, exc)
            progress.update(i + 1)


def static_html(title: str, values: dict, readout: str, img: str, log: str) -> str:
    """A panel as static HTML: title, the controls' values, the readout, the
    figure's ``<img>`` and the error log (empty parts left out)."""
    text = " · ".join(
        f"{n} = {v:.4g}" if isinstance(v, float) else f"{n} = {v}"
        for n, v in values.items()
    )
    parts = [title] if title else []
    parts.append(f"<code>{html.escape(text)}</code>")
    parts += [p for p in (readout, img, log) if p]
    return "\n".join(f"<div>{p}</div>" for p in parts)


def discrete_variants(controls: dict) -> list[dict]:
    """Every combination of the discrete controls' values, as ``{name: value}``.

    Toggles and checkboxes give False and True; dropdowns, toggle buttons and
    radio buttons every option. Sliders are left out (their values are traced
    arguments, not separate compilations).
    """
    choices = {
        name: [False, True] if isinstance(w, _TOGGLES) else _option_values(w)
        for name, w in controls.items()
        if isinstance(w, _TOGGLES + _CHOICES)
    }
    combos = itertools.product(*choices.values())
    return [dict(zip(choices, c, strict=True)) for c in combos]


class PanelError(NamedTuple):
    """One caught error: where, the values it happened at, and the traceback."""

    where: str
    values: dict
    type: str
    message: str
    traceback: str


class ErrorLog:
    """Caught errors (``errors``) and an HTML widget listing them (``widget``).

    The newest ``show`` errors are listed first, each with its type, message,
    the values it happened at and its traceback in a collapsed block.
    """

    def __init__(self, show: int = 3):
        self.errors: list[PanelError] = []
        self.widget = widgets.HTML()
        self.show = show

    def report(self, where: str, values: dict, exc: BaseException) -> PanelError:
        """Record ``exc`` (raised in ``where`` at ``values``) and list it."""
        err = PanelError(
            where,
            dict(values),
            type(exc).__name__,
            str(exc),
            "".join(traceback.format_exception(exc)),
        )
        self.errors.append(err)
        self.widget.value = self.html()
        return err

    def html(self) -> str:
        """The list as HTML (empty when there is no error)."""
        if not self.errors:
            return ""
        items = []
        for err in reversed(self.errors[-self.show :]):
            vals = ", ".join(f"{k}={v!r}" for k, v in err.values.items())
            items.append(
                f"<div><b>{html.escape(err.type)}</b> in {html.escape(err.where)}: "
                f"{html.escape(err.message)}<br><small>at {html.escape(vals)}"
                "</small><details><summary>traceback</summary>"
                f"<pre style='font-size:11px'>{html.escape(err.traceback)}</pre>"
                "</details></div>"
            )
        n = len(self.errors)
        head = f"<b>{n} error(s)</b> (newest first; the panel keeps running)"
        style = "color:#b00020;border-left:3px solid #b00020;padding-left:6px"
        return f"<div style='{style}'>{head}{''.join(items)}</div>"
