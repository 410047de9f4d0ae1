"""Slider panels: widgets + one live figure + a cached (jitted) computation.

Every demo is a :class:`Panel`::

    fig, ax = figure()                         # created once, under plt.ioff()
    line = viz.plot_series(ax, t, y)
    def compute(*, beta, key): return jitted_fn(beta, key)  # pure, returns arrays
    def draw(result):          viz.update_series(line, y=result)  # in place
    panel = Panel({"beta": widgets.FloatSlider(...)}, compute, draw, fig=fig)
    panel                                                # last line of a cell: shows it

How a move is handled (DESIGN.md, "how a slider must feel"):

- Coalescing. A move made in the browser renders at once, inside the
  kernel's handler for that message (see ``_from_frontend``). Any other
  value change only records that something changed. If a
  render is not already pending, one is scheduled with ``call_soon`` on the
  running asyncio loop (ipykernel's); the render reads the LATEST widget
  values, so every change made before it runs costs nothing extra (a hook
  moving three sliders, a cell moving several controls). With no running
  loop (plain Python, tests) the render happens at once. ``flush()`` runs a
  pending render now. A result computed for values that changed meanwhile is
  thrown away, never drawn.

  What this does NOT do (measured with ipykernel 7.4): a burst of comm
  messages already queued in the kernel is dispatched one message per loop
  turn, and the ``call_soon`` render runs between them, so 100 queued
  updates give 100 renders. In a browser such queues do not form: the
  ipywidgets 8 frontend keeps at most one update per widget in flight and
  replaces the buffered one by the newest value until the kernel reports
  idle. For other sources of bursts, ``coalesce_delay > 0`` turns scheduling
  into a trailing debounce (100 queued updates -> a handful of renders), at
  the cost of that much latency on every move.
- No "busy" flicker. A live panel turns off the kernel's "busy" status for
  widget messages (:func:`widget_busy_status`): on a 2-core machine,
  JupyterLab redrawing its kernel indicators on every move competes with
  the render.
- Same random draws for every slider value: the panel holds ``key`` and
  passes it to ``compute``; the "new seed" button replaces it.
- Errors in ``compute``/``draw``/hooks are caught, appended to
  ``panel.errors`` and shown under the figure (type, message, and the
  traceback in a collapsed block); the next move renders normally.
- No recompilation on a move: at construction the panel calls ``compute``
  once for every combination of its discrete controls (dropdowns, toggles),
  so every jit variant is compiled up front (with a progress bar if it takes
  more than a second).
- Frames in the page. With ipympl, each panel also makes a helper widget
  (:func:`canvas_frames`) whose page module takes over that canvas's frame
  handling: raw zlib RGBA frames (:func:`raw_frame_bytes`) once the module
  reports it is installed, no image decoder and no per-frame ``toDataURL``.
- Headless: the panel's display bundle carries a PNG of the figure next to
  the widget view, so nbclient/nbconvert keep a static image. Without
  ipympl (``%matplotlib inline``) the figure is shown as an ``Image`` widget
  re-rendered after each move.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import html
import io
import itertools
import os
import struct
import time
import traceback
import zlib
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

import ipywidgets as widgets
import jax
import numpy as np
import traitlets

from dlcore.live import viz

try:  # ISA-L's deflate: 5-8× the standard zlib's speed at level 1, same format
    from isal.isal_zlib import compress as DEFLATE
except ImportError:  # pragma: no cover - isal is in requirements.txt
    DEFLATE = zlib.compress

__all__ = [
    "BetaSlider",
    "Panel",
    "PanelError",
    "canvas_frames",
    "figure",
    "is_ipympl",
    "once_per_key",
    "set_fast_frames",
    "set_range",
    "widget_busy_status",
]

_DISCRETE = (
    widgets.Dropdown,
    widgets.ToggleButton,
    widgets.ToggleButtons,
    widgets.Checkbox,
    widgets.RadioButtons,
)


def is_ipympl() -> bool:
    """True when matplotlib's backend is ipympl (``%matplotlib widget``)."""
    import matplotlib

    backend = matplotlib.get_backend().lower()
    return "ipympl" in backend or backend == "widget"


def figure(nrows: int = 1, ncols: int = 1, *, figsize=(8.0, 3.6), dpi=80, **kw):
    """Create a panel's figure ONCE, under ``plt.ioff()``; returns (fig, axes).

    With ipympl the canvas is set up to sit inside a widget layout (no
    header, no resize handle). ``dpi`` is kept low on purpose: Agg's cost
    grows with the pixel count, and every move repaints. The first call
    installs ``dlcore.live.text_cache`` (unless ``DLCORE_TEXT_CACHE=0``), so a full
    redraw replays the text it drew before.
    """
    import matplotlib.pyplot as plt

    from dlcore.live import text_cache

    if text_cache.enabled_by_env() and not text_cache.installed():
        text_cache.install()  # full redraws replay their text (see the module)
    with plt.ioff():
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, dpi=dpi, **kw)
    canvas = fig.canvas
    if isinstance(canvas, widgets.DOMWidget):  # ipympl
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.resizable = False
        canvas.toolbar_position = "left"
    return fig, axes


def set_range(slider, lo: float, hi: float, value: float) -> None:
    """Give a slider a new [lo, hi] and value without tripping min <= max checks."""
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
    0.98127…); observe ``"value"`` like any widget.
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
        self._digits = digits
        self._slider = widgets.FloatSlider(
            value=self._r(value), min=self._r(min), max=self._r(max), step=0.005,
            readout=False, description=description, continuous_update=True,
        )  # fmt: skip
        self._readout = widgets.Label()
        super().__init__([self._slider, self._readout], **kw)
        self.min, self.max = min, max
        self._slider.observe(self._from_slider, "value")
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
        if abs(self._slider.value - r) > 1e-9:
            with self._slider.hold_trait_notifications():
                self._slider.value = r


class PanelError(NamedTuple):
    """One caught error: where, the values it happened at, and the traceback."""

    where: str
    values: dict
    type: str
    message: str
    traceback: str


_MAX_RETRIES = 10  # stale results dropped in a row before giving up


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def png_bytes(pixels: np.ndarray, compress: Callable | None = None) -> bytes:
    """An (h, w, 4) uint8 RGBA image as PNG bytes, encoded for speed.

    Colour type 6 (8-bit RGBA), one IDAT chunk, filter type 0 (None) on every
    row: row r of the raw stream is ``[0, pixels[r].ravel()]`` (PNG spec,
    section 7.2), one contiguous copy of the frame. The stream is compressed
    by ``compress(raw, 1)``, which must write the zlib format (RFC 1950);
    default :data:`DEFLATE`: ISA-L's deflate (the ``isal`` package) when it is
    installed, else the standard library's zlib, both at level 1.
    ``benchmarks/bench_render.py`` times both against Pillow on every panel's
    frame.
    """
    h, w, _ = pixels.shape
    raw = np.zeros((h, 1 + 4 * w), np.uint8)  # column 0: the filter byte
    raw[:, 1:] = pixels.reshape(h, 4 * w)
    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", (compress or DEFLATE)(raw, 1)),
            _png_chunk(b"IEND", b""),
        ]
    )


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    """length, tag, data, CRC-32 of tag + data (PNG spec, section 5.3)."""
    crc = zlib.crc32(data, zlib.crc32(tag))
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def _full_frame_png(canvas) -> bytes | None:
    """ipympl's frame encoder, replaced: always a whole frame, encoded fast.

    A fast PNG (:func:`png_bytes`), or a raw frame (:func:`raw_frame_bytes`)
    once the canvas's :func:`canvas_frames` helper is on and its page module
    reported it is installed. matplotlib's ``get_diff_image`` encodes with
    Pillow at zlib level 6, 11-33× slower than :func:`png_bytes`
    (``bench_render.py``). The frame is always whole (never a diff against the
    previous one), because a diff frame painted over a lost or overtaken frame
    leaves a wrong picture.
    """
    if not canvas._png_is_old:
        return None
    pixels = np.asarray(canvas.get_renderer().buffer_rgba())
    canvas.set_image_mode("full")
    # ipympl reads these pixels for its data URL until the browser is live
    canvas._last_buff = pixels.view(np.uint32).squeeze(2)
    canvas._force_full = False
    canvas._png_is_old = False
    helper = getattr(canvas, "_dlcore_frames", None)
    if helper is not None and helper.fast and helper.installed:
        return raw_frame_bytes(pixels)
    return png_bytes(pixels)


RAW_MAGIC = b"DLRGBA01"


def raw_frame_bytes(pixels: np.ndarray, compress: Callable | None = None) -> bytes:
    """An (h, w, 4) uint8 RGBA frame for ``canvas_frames.js``, not a PNG.

    ``RAW_MAGIC``, then w and h as big-endian uint32, then the pixel rows
    (no filter bytes) compressed by ``compress(raw, 1)`` in the zlib format
    (default :data:`DEFLATE`). The page inflates it with the browser's
    ``DecompressionStream("deflate")`` and puts the pixels on the canvas:
    no image decoder, no Blob. Only sent to a page whose module said it is
    installed (the helper's ``installed`` trait).
    """
    h, w, _ = pixels.shape
    body = (compress or DEFLATE)(np.ascontiguousarray(pixels).tobytes(), 1)
    return RAW_MAGIC + struct.pack(">II", w, h) + body


_FRAMES: list = []  # every live canvas_frames helper, for set_fast_frames


@functools.cache
def _frames_class():
    """The helper widget's class, made on first use (anywidget loads lazily)."""
    import pathlib

    import anywidget

    class CanvasFrames(anywidget.AnyWidget):
        """Front-end side of one panel's canvas: see ``canvas_frames.js``."""

        _esm = pathlib.Path(__file__).with_name("canvas_frames.js")
        canvas_id = traitlets.Unicode().tag(sync=True)
        fast = traitlets.Bool(True).tag(sync=True)
        installed = traitlets.Bool(False).tag(sync=True)  # set by the page

    return CanvasFrames


def canvas_frames(canvas, fast: bool | None = None):
    """A helper widget that makes the page handle ``canvas``'s frames faster.

    ipympl's page code decodes each PNG frame on the main thread and, before
    drawing it, encodes the previous frame again with ``toDataURL`` (a snapshot
    kept for saved notebooks). The helper's page module
    (``dlcore/canvas_frames.js``, loaded through ``anywidget``) gives this one
    canvas a frame handler and then sets ``installed``. From then on the kernel
    sends raw frames (:func:`raw_frame_bytes`), which the page inflates with
    ``DecompressionStream`` and puts on the canvas without an image decoder; PNG
    frames sent before are decoded with ``createImageBitmap``. The snapshot is
    stored once the frames stop. ``fast=False`` (or ``DLCORE_FAST_FRAMES=0``)
    keeps ipympl's handler; :func:`set_fast_frames` switches every live panel.
    ``benchmarks/bench_ab.py frames`` measures both in one browser session.
    Returns the helper (not displayed: it acts when the page creates its model),
    or None when ``anywidget`` is missing.
    """
    try:
        cls = _frames_class()
    except ImportError:  # pragma: no cover - anywidget is in requirements.txt
        return None
    if fast is None:
        fast = os.environ.get("DLCORE_FAST_FRAMES", "1") != "0"
    helper = cls(canvas_id=canvas.model_id, fast=bool(fast))
    canvas._dlcore_frames = helper  # read by _full_frame_png
    _FRAMES.append(helper)
    return helper


def set_fast_frames(on: bool) -> int:
    """Switch every live panel's page frame handler (see :func:`canvas_frames`).

    Returns how many panels were switched.
    """
    _FRAMES[:] = [h for h in _FRAMES if h.comm is not None]
    for helper in _FRAMES:
        helper.fast = bool(on)
    return len(_FRAMES)


def _running_kernel():
    """The ipykernel kernel this code runs in, or None (plain Python, tests)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return getattr(get_ipython(), "kernel", None)


def _publish_status_quietly(kernel, publish, status, channel, parent=None):
    """The kernel's ``_publish_status``, minus "busy" for comm messages."""
    msg = parent or kernel.get_parent(channel) or {}
    if status == "busy" and msg.get("header", {}).get("msg_type") == "comm_msg":
        return None
    return publish(kernel, status, channel, parent)


def widget_busy_status(show: bool, kernel=None) -> bool:
    """Whether the kernel reports "busy" while it handles a widget message.

    A Jupyter kernel publishes ``status: busy`` and then ``status: idle``
    around every message it handles. For a slider move (a ``comm_msg``) the
    busy status makes JupyterLab redraw its kernel indicators (toolbar,
    status bar, tab icon) while the kernel renders the frame, on the same
    two cores. ``benchmarks/bench_ab.py busy`` measured p50 9-26 ms lower
    without it on four of five sliders (README). With ``show=False``:

    - "busy" is not sent for ``comm_msg`` messages only;
    - every "idle" is still sent (the ipywidgets frontend and JupyterLab's
      message futures wait for it), and code cells report both as before.

    A panel calls ``widget_busy_status(False)`` once when it is made live in
    a kernel, unless the environment variable ``DLCORE_WIDGET_BUSY=1`` is
    set. Returns True when the kernel (default: the running one) was found.
    """
    kernel = _running_kernel() if kernel is None else kernel
    publish = getattr(type(kernel), "_publish_status", None)
    if publish is None:
        return False
    kernel.__dict__.pop("_publish_status", None)  # the class's method again
    if not show:
        kernel._publish_status = functools.partial(
            _publish_status_quietly, kernel, publish
        )
    return True


_BUSY_STATUS_SET = False


def _quiet_busy_once() -> None:
    """Called by every live panel; only the first call in a kernel acts."""
    global _BUSY_STATUS_SET
    if not _BUSY_STATUS_SET:
        show = os.environ.get("DLCORE_WIDGET_BUSY") == "1"
        _BUSY_STATUS_SET = widget_busy_status(show)


class Panel:
    """Controls + one figure + ``compute`` + ``draw``, with the rules above.

    Args:
        controls: ``{name: widget}``. Every widget with a ``value`` passes it
            to ``compute`` under its name; a ``Button`` passes its click count.
        compute: ``compute(*, key, **values) -> result``; pure (usually a
            jitted function), hyperparameters as traced arguments.
        draw: ``draw(result)``: updates the existing artists in place. It
            returns True when something outside ``animated`` changed (axis
            limits, a new contour, ...) and a full redraw is needed; a falsy
            return lets the panel blit only the ``animated`` artists.
        animated: the artists that move on an ordinary move (lines, markers,
            labels), or a function returning them. They are drawn on top of a
            cached background (blitting), which skips re-laying-out every tick
            label and legend. None: always redraw the whole figure.
        fig: the figure (made once, e.g. with :func:`figure`).
        readout: ``readout(result) -> str`` (HTML): one line shown right above
            the figure, updated after every render (``panel.readout``). Words
            and numbers that change on every move belong here rather than in
            a text artist: every text drawn into a frame costs the kernel
            ~1-5 ms per move (its glyphs are rasterized again), the HTML
            line next to nothing.
        seed: the starting PRNG seed; ``key = jax.random.key(seed)``.
        warmup: ``"auto"`` (every combination of the discrete controls), a
            list of ``{name: value}`` overrides, or None (no warm-up).
        on_change: ``{name: fn(new_value)}`` hooks run when that control moves,
            before the render (e.g. a new surface resets the start sliders).
            Changes they make are coalesced into the same render.
        title: optional HTML shown above the controls.
        columns: the controls are laid out in this many columns.
        show_seed: show the "new seed" button (hide it for deterministic demos).
        coalesce_delay: seconds. 0 (default): a render is scheduled with
            ``call_soon`` (lowest latency). > 0: a trailing debounce, the
            render waits until no change came in for that long (at most
            ``coalesce_max_wait`` = 0.1 s), see the module notes.
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
        coalesce_delay: float = 0.0,
        readout: Callable | None = None,
    ):
        self.controls = dict(controls)
        self.compute, self.draw, self.fig = compute, draw, fig
        self.seed = int(seed)
        self.key = jax.random.key(self.seed)
        self.errors: list[PanelError] = []
        self.timings: deque = deque(maxlen=1000)  # (compute_ms, draw_ms) per render
        self.renders = 0  # completed renders
        self.stale = 0  # results thrown away because newer values came in
        self._hooks = dict(on_change or {})
        self.coalesce_delay = coalesce_delay
        self.coalesce_max_wait = 0.1
        self._version = 0
        self._pending = False
        self._rendering = False
        self._holding = 0
        self._dirty = False
        self._displayed = False
        self._clicks = {}
        self._animated = animated
        self._readout = readout
        self._background = None
        self.blits = 0  # renders repainted by blitting (the rest: full draws)
        if animated is not None:
            for artist in self._animated_artists():
                artist.set_animated(True)
            fig.canvas.mpl_connect("draw_event", self._on_draw_event)
        self._build_widgets(title, columns, show_seed)
        for name, w in self.controls.items():
            if isinstance(w, widgets.Button):
                self._clicks[name] = 0
                w.on_click(lambda _b, name=name: self._click(name))
            else:
                w.observe(lambda ch, name=name: self._moved(name, ch["new"]), "value")
        if warmup:
            self.warm_up(warmup)
        self._render(full=True)

    # -- widgets --------------------------------------------------------------

    def _build_widgets(self, title: str, columns: int, show_seed: bool) -> None:
        self.seed_button = widgets.Button(description="new seed", icon="refresh")
        self.seed_button.on_click(lambda _b: self.guard("new seed", self.new_seed))
        self.lecture_button = widgets.ToggleButton(
            value=False, description="lecture mode", icon="eye"
        )
        self.lecture_button.observe(
            lambda ch: self.guard("lecture mode", self.set_lecture_mode, ch["new"]),
            "value",
        )
        self.log = widgets.HTML(value="")
        self.readout = widgets.HTML(value="")
        grid = widgets.GridBox(
            list(self.controls.values()),
            layout=widgets.Layout(grid_template_columns=f"repeat({columns}, auto)"),
        )
        self._placeholder = None
        self.frames = None
        if isinstance(self.fig.canvas, widgets.DOMWidget):  # ipympl: live canvas
            _quiet_busy_once()
            self._image = None
            canvas = self.fig.canvas
            # every frame whole, encoded fast (see _full_frame_png)
            canvas.get_diff_image = functools.partial(_full_frame_png, canvas)
            # Until the browser's canvas model talks to the kernel (which waits
            # until the kernel is idle, e.g. after every cell of a Run All), it
            # cannot show a frame; a stand-in image carries the first frame in
            # its own state, so it shows as soon as the cell's output does.
            w, h = (round(float(v)) for v in self.fig.bbox.size)
            self._placeholder = widgets.Image(
                format="png", layout=widgets.Layout(width=f"{w}px", height=f"{h}px")
            )
            canvas.on_msg(self._on_canvas_msg)
            self.frames = canvas_frames(canvas)
            view = self._placeholder
        else:  # inline / Agg: a PNG in an Image widget, refreshed after renders
            self._image = widgets.Image(format="png")
            view = self._image
        self._title = title
        header = [widgets.HTML(title)] if title else []
        buttons = widgets.HBox(
            [self.seed_button, self.lecture_button]
            if show_seed
            else [self.lecture_button]
        )
        readout = [self.readout] if self._readout is not None else []
        self.widget = widgets.VBox([*header, grid, buttons, *readout, view, self.log])

    def _on_canvas_msg(self, _canvas, content, _buffers) -> None:
        """The browser's canvas is live: put it where the stand-in image was."""
        if self._placeholder is None or not isinstance(content, dict):
            return
        if content.get("type") not in ("initialized", "refresh", "send_image_mode"):
            return
        placeholder, self._placeholder = self._placeholder, None
        self.widget.children = tuple(
            self.fig.canvas if c is placeholder else c for c in self.widget.children
        )
        placeholder.close()

    def _ipython_display_(self):
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The widget view, plus a PNG of the figure for headless viewers."""
        self._displayed = True
        png = self.png()
        for image in (self._placeholder, self._image):
            if image is not None:
                image.value = png
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle = dict(bundle or {"text/plain": repr(self)})
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
        bundle["text/html"] = self._static_html(bundle["image/png"])
        return bundle

    def _static_html(self, png_b64: str) -> str:
        """The panel as a viewer without widgets shows it (nbconvert, nbviewer).

        Title, the controls' values, the readout line, the figure and any
        errors, so that a static copy says which settings the figure shows.
        JupyterLab prefers the widget view and never shows this.
        """
        values = " · ".join(
            f"{name} = {_static_value(w.value)}"
            for name, w in self.controls.items()
            if name not in self._clicks
        )
        parts = [self._title] if self._title else []
        parts.append(f"<code>{html.escape(values)}</code>")
        if self._readout is not None and self.readout.value:
            parts.append(self.readout.value)
        parts.append(f'<img src="data:image/png;base64,{png_b64}" alt="figure">')
        if self.log.value:
            parts.append(self.log.value)
        return "\n".join(f"<div>{p}</div>" for p in parts)

    def png(self) -> bytes:
        """The figure as it is now, as PNG bytes."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=self.fig.dpi)
        return buf.getvalue()

    # -- values ---------------------------------------------------------------

    @property
    def values(self) -> dict:
        """The current value of every control (click counts for buttons)."""
        return {
            name: self._clicks[name] if name in self._clicks else w.value
            for name, w in self.controls.items()
        }

    @contextlib.contextmanager
    def hold(self):
        """Inside ``with panel.hold():`` changes only mark the panel dirty;
        one render is requested on exit."""
        self._holding += 1
        try:
            yield self
        finally:
            self._holding -= 1
            if self._holding == 0 and self._dirty:
                self._dirty = False
                self._on_change()

    def set(self, **values) -> None:
        """Move controls programmatically, then render once, now."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise KeyError(
                f"unknown control(s) {sorted(unknown)}; controls: {list(self.controls)}"
            )
        with self.hold():
            for name, v in values.items():
                self.controls[name].value = v
        self.flush()

    def _moved(self, name, new):
        with self.hold():
            if name in self._hooks:
                self.guard(f"on_change[{name!r}]", self._hooks[name], new)
            self._on_change()

    def _click(self, name):
        self._clicks[name] += 1
        self._on_change()

    # -- coalescing -----------------------------------------------------------

    def _on_change(self, _change=None) -> None:
        """Record a change; schedule ONE render for any burst of changes."""
        self._version += 1
        if self._rendering:  # noticed by the running render (stale check)
            return
        if self._holding:
            self._dirty = True
            return
        if self._pending:
            return
        loop = _running_loop()
        if loop is None or (self.coalesce_delay <= 0 and self._from_frontend()):
            self._render()
            return
        self._pending = True
        if self.coalesce_delay > 0:
            self._debounce(loop, self._version, time.perf_counter())
        else:
            loop.call_soon(self._render_if_pending)

    def _from_frontend(self) -> bool:
        """True while a control is being set by a message from the browser.

        ipywidgets marks the traits it sets from a frontend message in the
        widget's ``_property_lock`` until the message is handled. Such a
        change is rendered at once, inside the message handler: the frontend
        already keeps at most one update in flight, so there is nothing to
        coalesce, and deferring to ``call_soon`` would only add the kernel's
        end-of-message work (stream flushes, the idle status) to the latency.
        """
        stack = list(self.controls.values())
        while stack:
            w = stack.pop()
            if getattr(w, "_property_lock", None):
                return True
            stack.extend(getattr(w, "children", ()))
        return False

    def _debounce(self, loop, version: int, t_first: float) -> None:
        """Render once no change came in for ``coalesce_delay`` seconds
        (but at the latest ``coalesce_max_wait`` after the first change)."""

        def fire():
            waited = time.perf_counter() - t_first
            if self._version != version and waited < self.coalesce_max_wait:
                self._debounce(loop, self._version, t_first)  # still moving: wait
            else:
                self._render_if_pending()

        loop.call_later(self.coalesce_delay, fire)

    def _render_if_pending(self) -> None:
        if self._pending:
            self._render()

    def flush(self) -> None:
        """Run a scheduled render now (no-op when nothing is pending)."""
        self._render_if_pending()

    def _render(self, full: bool = False) -> None:
        """compute(latest values) -> draw -> repaint; errors go to the log.

        If the values change while ``compute`` runs (a re-entrant change),
        that result is stale: it is dropped and the newest values computed.
        """
        if self._rendering:  # re-entrant change: the running render redoes it
            return
        self._rendering = True
        try:
            for _ in range(_MAX_RETRIES):
                self._pending = False
                version, values = self._version, self.values
                if self._render_once(version, values, full):
                    break
                self.stale += 1
        finally:
            self._rendering = False
        if self._version != version:  # changed during draw: render that too
            self._on_change()

    def _render_once(self, version: int, values: dict, full: bool) -> bool:
        """One compute + draw; False when the result is stale (not drawn)."""
        try:
            t0 = time.perf_counter()
            result = jax.block_until_ready(self.compute(key=self.key, **values))
            t1 = time.perf_counter()
            if self._version != version:
                return False
            full = bool(self.draw(result)) or full
            self._repaint(full)
            if self._readout is not None:  # no message when the text is the same
                self.readout.value = self._readout(result)
            t2 = time.perf_counter()
        except Exception as exc:  # shown, never swallowed
            self._report("render", values, exc)
            return True
        self.timings.append((1e3 * (t1 - t0), 1e3 * (t2 - t1)))
        self.renders += 1
        return True

    # -- repainting -------------------------------------------------------------

    def _animated_artists(self) -> list:
        a = self._animated
        return list(a() if callable(a) else a or ())

    def _on_draw_event(self, event) -> None:
        """After every full draw: cache the background, paint the animated artists.

        Runs inside ``canvas.draw()`` before ipympl sends the frame, so the
        frame includes them. Skipped while saving (savefig draws them itself).
        """
        canvas = self.fig.canvas
        if canvas.is_saving() or event is None:
            return
        self._background = canvas.copy_from_bbox(self.fig.bbox)
        for artist in self._animated_artists():
            self.fig.draw_artist(artist)

    def _repaint(self, full: bool = False) -> None:
        """Blit the animated artists, or redraw everything when ``full``."""
        canvas = self.fig.canvas
        if self._image is not None and self._displayed:  # inline: re-send a PNG
            self._image.value = self.png()
            return
        if self._placeholder is not None and self._displayed:
            # the browser has not shown the canvas yet (busy kernel): keep the
            # stand-in image current instead
            self._placeholder.value = self.png()
        if not full and self._background is not None:
            canvas.restore_region(self._background)
            for artist in self._animated_artists():
                self.fig.draw_artist(artist)
            canvas.blit(self.fig.bbox)  # ipympl: sends the changed pixels now
            self.blits += 1
        elif self._image is None and not self._canvas_is_live():
            # ipympl before the browser's canvas has said hello: it asks for a
            # frame itself once it is live (a frame sent now could not be
            # shown); until that draw re-captures the background, do not blit
            self._background = None
            canvas.draw_idle()
        else:
            # render now and (ipympl) send the frame: letting the browser
            # request it (draw_idle) would add a round trip to every full
            # redraw. The draw event re-captures the background.
            canvas.draw()

    def _canvas_is_live(self) -> bool:
        """ipympl: the browser's canvas is on screen and takes PNG frames."""
        canvas = self.fig.canvas
        return self._placeholder is None and not getattr(
            canvas, "syncing_data_url", False
        )

    # -- buttons --------------------------------------------------------------

    def new_seed(self) -> None:
        """Replace the key (new random draws) and re-render."""
        self.seed += 1
        self.key = jax.random.key(self.seed)
        self._on_change()

    def set_lecture_mode(self, on: bool = True) -> None:
        """Big fonts / thick lines on the existing figure (see viz.lecture_mode)."""
        viz.apply_lecture_mode(self.fig, on)
        with contextlib.suppress(Exception):  # a layout hint, not essential
            self.fig.tight_layout()
        self._repaint(full=True)

    # -- warm-up --------------------------------------------------------------

    def _variants(self) -> list[dict]:
        choices = {}
        for name, w in self.controls.items():
            if isinstance(w, (widgets.ToggleButton, widgets.Checkbox)):
                choices[name] = [False, True]
            elif isinstance(w, _DISCRETE):
                choices[name] = [v for _, v in _option_pairs(w)]
        names = list(choices)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(
            *choices.values()
        )]  # fmt: skip

    def warm_up(self, variants="auto") -> None:
        """Call ``compute`` once per variant so every jit variant is compiled."""
        variants = self._variants() if variants == "auto" else list(variants)
        progress = _Progress(len(variants))
        for i, overrides in enumerate(variants):
            values = {**self.values, **overrides}
            try:
                jax.block_until_ready(self.compute(key=self.key, **values))
            except Exception as exc:
                self._report("warm-up", values, exc)
            progress.update(i + 1)
        progress.close()

    # -- errors ---------------------------------------------------------------

    def guard(self, where: str, fn: Callable, *args):
        """Call ``fn(*args)``; an exception is reported in the log, not raised."""
        try:
            return fn(*args)
        except Exception as exc:
            self._report(where, self.values, exc)
            return None

    def _report(self, where: str, values: dict, exc: BaseException) -> None:
        err = PanelError(
            where=where,
            values=dict(values),
            type=type(exc).__name__,
            message=str(exc),
            traceback="".join(traceback.format_exception(exc)),
        )
        self.errors.append(err)
        self.log.value = _errors_html(self.errors)

    def close(self) -> None:
        """Close the figure and the widgets (frees the figure number)."""
        import matplotlib.pyplot as plt

        plt.close(self.fig)
        if self.frames is not None:
            self.frames.close()
        self.widget.close()

    def __repr__(self) -> str:
        return f"Panel(controls={list(self.controls)}, renders={self.renders})"


def _static_value(v) -> str:
    """A control's value as the static copy prints it."""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _option_pairs(w):
    """(label, value) pairs of a selection widget."""
    labels = getattr(w, "_options_labels", ())
    values = getattr(w, "_options_values", ())
    return list(zip(labels, values, strict=True))


def _errors_html(errors: list[PanelError], show: int = 3) -> str:
    """The log under the figure: newest errors first, tracebacks collapsed."""
    items = []
    for err in reversed(errors[-show:]):
        vals = ", ".join(f"{k}={v!r}" for k, v in err.values.items())
        items.append(
            f"<div><b>{html.escape(err.type)}</b> in {html.escape(err.where)}: "
            f"{html.escape(err.message)}<br><small>at {html.escape(vals)}</small>"
            f"<details><summary>traceback</summary>"
            f"<pre style='font-size:11px'>{html.escape(err.traceback)}</pre>"
            f"</details></div>"
        )
    head = f"<b>{len(errors)} error(s)</b> (newest first; the panel keeps running)"
    return (
        "<div style='color:#b00020;border-left:3px solid #b00020;padding-left:6px'>"
        f"{head}{''.join(items)}</div>"
    )


class _Progress:
    """A progress bar that appears only if the work takes more than 1 s."""

    def __init__(self, total: int):
        self.total, self.t0, self.bar, self.handle = (
            total,
            time.perf_counter(),
            None,
            None,
        )

    def update(self, done: int) -> None:
        if self.bar is None and done < self.total and time.perf_counter() - self.t0 > 1:
            try:
                from IPython import get_ipython
                from IPython.display import display
            except ImportError:
                return
            if get_ipython() is None:
                return
            self.bar = widgets.IntProgress(
                value=done, max=self.total, description="compiling"
            )
            self.handle = display(self.bar, display_id=True)
        if self.bar is not None:
            self.bar.value = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            if self.handle is not None:
                self.handle.update({"text/plain": ""}, raw=True)
