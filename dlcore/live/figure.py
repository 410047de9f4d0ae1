"""A live matplotlib figure in a notebook: our own widget, public APIs only.

:class:`FigureWidget` shows one matplotlib ``Figure`` drawn by the Agg
renderer (``FigureCanvasAgg``, no pyplot figure manager) on a ``<canvas>`` in
the page. It is an ``anywidget.AnyWidget``; its page module is ``figure.js``
next to this file. It therefore runs wherever anywidget runs: JupyterLab 4 and
Jupyter Notebook 7 (tested here in Chromium), and VS Code, Google Colab and
marimo (anywidget hosts; not tested here).

Kernel side. :meth:`FigureWidget.render` redraws the figure
(``canvas.draw()``) or, when only the ``animated`` artists changed, blits
them: ``restore_region`` of the background cached after the last full draw,
then ``draw_artist`` for each. Every render gives the figure's pixels a new
sequence number ``seq``. The first frame a view gets is whole; after it,
only the pixels that changed (see below), and a view that missed one asks
for a whole frame again.

Frame protocol (custom messages of the widget's comm, both directions):

- page -> kernel ``{"type": "hello", "ratio": r, "encoding": e}``: a view was
  created (new output, page reload, second view) or its devicePixelRatio
  changed. The kernel renders at ``dpi = base_dpi * r`` (so one frame pixel is
  one device pixel) and answers with the current frame. ``e`` is
  ``"deflate"``, or ``"png"`` for a page without ``DecompressionStream``.
- kernel -> page ``{"type": "frame", "seq", "width", "height", "ratio",
  "encoding", "x", "y", "w", "h", "base", "runs", "pixels"}`` with ONE binary
  buffer. The frame is ``width`` x ``height`` pixels. ``base`` is -1 for a
  whole frame: for ``"deflate"`` the buffer holds its RGBA rows, top row
  first, 4 bytes per pixel, in the zlib format (RFC 1950, level 1; ISA-L's
  deflate when the ``isal`` package is installed); for ``"png"`` a PNG file.
  Otherwise (``"deflate"`` only) the buffer holds only the pixels that
  changed since frame ``base`` (:func:`changed_pixels`): inflated, it is
  ``runs`` pairs of little-endian uint32 ``(skip, copy)`` followed by
  ``pixels`` RGBA pixels. Number the frame's pixels row by row from the first
  pixel of row ``y``; each pair skips ``skip`` unchanged pixels, then
  replaces the next ``copy`` pixels by the next ``copy`` of those RGBA
  pixels. ``x, y, w, h`` is the smallest rectangle holding every changed
  pixel (0 x 0 when none did). A slider move changes a few percent of the
  pixels, so this sends, and the page inflates, a small part of the frame.
  The page paints with ``putImageData`` on its canvas, whose CSS size is
  ``width / ratio`` by ``height / ratio``, in the order the frames came, and
  never paints a frame whose ``seq`` is not newer than the one on screen. A
  change whose ``base`` is not the frame on screen is not painted: the page
  asks for a whole frame instead.
- page -> kernel ``{"type": "refresh"}``: a frame failed to decode or did not
  apply; the kernel sends the current frame again, whole.
- page -> kernel ``{"type": "pointer", "kind", "x", "y", "width", "height",
  "id"}``: a press, a move while pressed (drag) or a release of the primary
  button, in pixels of the frame on screen (``width`` x ``height``), origin at
  the BOTTOM-LEFT corner, like matplotlib's display coordinates. The kernel
  maps it to data coordinates of the axes under the press
  (``ax.transData.inverted()``), calls the callbacks registered with
  :meth:`on_click`, :meth:`on_drag` and :meth:`on_release`, then answers
  ``{"type": "ack", "id"}``. The page keeps one drag move in flight: it sends
  the newest position once the previous move is acknowledged.

Synced state (saved with the notebook's widget state): ``png`` holds a PNG of
the latest frame, ``png_seq`` its sequence number and ``png_ratio`` its pixel
ratio. The kernel stores it when the frames stop for ``SNAPSHOT_DELAY``
seconds (never on every move) and whenever the widget is displayed. A view
made from saved state, with no kernel, shows it; a view whose kernel
restarted keeps its last image.

Static views: the display bundle also carries ``image/png`` (the current
frame) and a ``text/html`` ``<img>``, for nbconvert, nbviewer and headless
runs.
"""

from __future__ import annotations

import asyncio
import base64
import math
import pathlib
import struct
import time
import zlib
from collections.abc import Callable

import anywidget
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

try:  # ISA-L's deflate: several times the standard zlib's speed, same format
    from isal.isal_zlib import compress as DEFLATE
except ImportError:  # pragma: no cover - isal is in requirements.txt
    DEFLATE = zlib.compress

__all__ = [
    "DEFLATE",
    "SNAPSHOT_DELAY",
    "FigureWidget",
    "changed_pixels",
    "figure",
    "png_bytes",
]

SNAPSHOT_DELAY = 0.4  # seconds without a new frame before ``png`` is stored
_RATIO_RANGE = (0.5, 4.0)  # accepted devicePixelRatio values


def figure(nrows: int = 1, ncols: int = 1, *, figsize=(8.0, 3.6), dpi=80, **kw):
    """A new ``Figure`` on its own Agg canvas (not registered with pyplot).

    ``kw`` goes to ``Figure.subplots`` (``sharex``, ``width_ratios``,
    ``subplot_kw``, ...). Returns ``(fig, axes)`` like ``plt.subplots``. The
    figure is freed with its last reference: there is no pyplot figure to
    close. ``dpi`` is kept low on purpose: Agg's cost grows with the pixel
    count (the page's devicePixelRatio multiplies it), and a panel repaints
    on every move.
    """
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas
    return fig, fig.subplots(nrows, ncols, **kw)


def png_bytes(pixels: np.ndarray, compress: Callable | None = None) -> bytes:
    """An (h, w, 4) uint8 RGBA image as PNG bytes, encoded for speed.

    Colour type 6 (8-bit RGBA), one IDAT chunk, filter type 0 (None) on every
    row: row r of the raw stream is ``[0, pixels[r].ravel()]`` (PNG spec,
    section 7.2). The stream is compressed by ``compress(raw, 1)``, which
    must write the zlib format (RFC 1950); default :data:`DEFLATE`.

    Raises:
        ValueError: ``pixels`` is not an (h, w, 4) uint8 array.
    """
    pixels = np.asarray(pixels)
    if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8:
        raise ValueError(
            f"pixels must be an (h, w, 4) uint8 array, got {pixels.shape} "
            f"{pixels.dtype}"
        )
    h, w, _ = pixels.shape
    raw = np.zeros((h, 1 + 4 * w), np.uint8)  # column 0: the filter byte
    raw[:, 1:] = pixels.reshape(h, 4 * w)
    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", (compress or DEFLATE)(raw.tobytes(), 1)),
            _png_chunk(b"IEND", b""),
        ]
    )


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    """length, tag, data, CRC-32 of tag + data (PNG spec, section 5.3)."""
    crc = zlib.crc32(data, zlib.crc32(tag))
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def changed_pixels(old: np.ndarray, new: np.ndarray):
    """Where two frames differ: ``(box, runs, pixels)``, or None when their
    shapes differ.

    ``old`` and ``new`` are (h, w, 4) uint8 RGBA frames. ``box`` is
    ``(y0, y1, x0, x1)``, the smallest rectangle holding every pixel that
    differs in any channel ((0, 0, 0, 0) when none does). Number the pixels
    row by row from pixel (y0, 0): ``runs`` is a uint32 array
    ``[skip_0, copy_0, skip_1, copy_1, ...]``, each pair skipping ``skip``
    equal pixels and then covering ``copy`` changed ones, and ``pixels``
    (n, 4) uint8 holds the new values of the changed pixels in that order.
    Writing them into ``old`` this way gives ``new``.
    """
    if old.shape != new.shape:
        return None
    h, w, _ = new.shape
    diff = old.view(np.uint32).reshape(h, w) != new.view(np.uint32).reshape(h, w)
    rows = np.flatnonzero(diff.any(axis=1))
    if rows.size == 0:
        return (0, 0, 0, 0), np.zeros(0, np.uint32), np.zeros((0, 4), np.uint8)
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(diff[y0:y1].any(axis=0))
    changed = diff[y0:y1].ravel()
    # a run starts where `changed` turns True and ends where it turns False
    edges = np.flatnonzero(changed[1:] != changed[:-1]) + 1
    if changed[0]:
        edges = np.concatenate(([0], edges))
    if changed[-1]:
        edges = np.concatenate((edges, [changed.size]))
    starts, ends = edges[0::2], edges[1::2]
    runs = np.empty(2 * starts.size, np.uint32)
    runs[0::2] = starts - np.concatenate(([0], ends[:-1]))  # equal pixels before
    runs[1::2] = ends - starts
    pixels = new[y0:y1].reshape(-1, 4)[changed]
    return (y0, y1, int(cols[0]), int(cols[-1]) + 1), runs, pixels


def _finite(x, default: float = 1.0) -> float:
    """``x`` as a finite float, else ``default`` (a page's message is untrusted)."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return default
    return x if math.isfinite(x) else default


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class FigureWidget(anywidget.AnyWidget):
    """One live figure: Agg frames sent to a canvas in the page.

    Args:
        fig: the ``Figure``. If its canvas is not an Agg canvas, a
            ``FigureCanvasAgg`` is attached (use :func:`figure`).
        animated: the artists that move on an ordinary render, or a function
            returning them; they are blitted over the background cached after
            the last full draw. None: every render redraws the figure.
        on_error: ``on_error(where, exc)`` for an exception raised by a
            pointer callback; default: appended to ``self.errors``.

    Attributes:
        seq: sequence number of the figure's current pixels.
        pixel_ratio: the devicePixelRatio the figure is rendered at.
        base_dpi: the figure's dpi at ratio 1.
    """

    _esm = pathlib.Path(__file__).with_name("figure.js")
    png = traitlets.Bytes(b"").tag(sync=True)
    png_seq = traitlets.Int(-1).tag(sync=True)
    png_ratio = traitlets.Float(1.0).tag(sync=True)
    interactive = traitlets.Bool(False).tag(sync=True)  # pointer callbacks exist

    def __init__(self, fig: Figure, *, animated=None, on_error=None, **kw):
        if not isinstance(fig, Figure):
            raise TypeError(f"fig must be a matplotlib Figure, got {type(fig)!r}")
        super().__init__(**kw)
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        self.fig, self.animated = fig, animated
        self.base_dpi, self.pixel_ratio = float(fig.dpi), 1.0
        self.seq, self.sent, self.errors = 0, 0, []
        self._on_page = None  # (seq, pixels) of the last frame sent
        self.encoding = "deflate"
        self._on_error = on_error
        self._callbacks = {"press": [], "move": [], "release": []}
        self._press_ax = None
        self._background = None
        self._in_render = False
        self._views = False  # a page view said hello: frames are worth sending
        self._snapshot_due, self._snapshot_timer = 0.0, None
        for artist in self.animated_artists():
            artist.set_animated(True)
        fig.canvas.mpl_connect("draw_event", self._on_draw_event)
        self.on_msg(self._on_message)

    # -- drawing ----------------------------------------------------------------

    def animated_artists(self) -> list:
        """The artists blitted on an ordinary render (see ``animated``)."""
        a = self.animated
        return list(a() if callable(a) else a or ())

    def _on_draw_event(self, _event) -> None:
        """After every full draw: cache the background, paint the animated
        artists on it; a draw made outside :meth:`render` is sent as a frame."""
        canvas = self.fig.canvas
        if canvas.is_saving():
            return
        if self.animated is not None:
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            for artist in self.animated_artists():
                self.fig.draw_artist(artist)
        if not self._in_render:
            self.seq += 1
            self.send_frame()

    def render(self, full: bool = False) -> bool:
        """Repaint and send the frame; returns True when it was a blit.

        A blit restores the cached background and draws the animated
        artists. ``full``, no background yet, or a stale figure (a change
        outside the animated artists, e.g. new limits or a new layout) redraw
        the whole figure.
        """
        blit = self._draw(full)
        self.send_frame()
        return blit

    def _draw(self, full: bool) -> bool:
        canvas = self.fig.canvas
        blit = not full and self._background is not None and not self.fig.stale
        self._in_render = True
        try:
            if blit:
                canvas.restore_region(self._background)
                for artist in self.animated_artists():
                    self.fig.draw_artist(artist)
            else:
                canvas.draw()
        finally:
            self._in_render = False
        self.seq += 1
        return blit

    def _ensure_drawn(self) -> None:
        """Draw the figure if it never was, or changed since (it is stale)."""
        if self.seq == 0 or self.fig.stale:
            self._draw(full=True)

    def frame(self) -> np.ndarray:
        """The figure's current pixels: an (h, w, 4) uint8 RGBA copy."""
        self._ensure_drawn()
        return np.array(self.fig.canvas.buffer_rgba())

    def encode(
        self, encoding: str = "deflate", since: tuple | None = None
    ) -> tuple[dict, bytes]:
        """The current frame as (message content, buffer), see the module.

        ``since``: ``(seq, pixels)`` of a frame the page shows; the message
        then carries only the pixels that changed since (deflate only).

        Raises:
            ValueError: ``encoding`` is not "deflate" or "png".
        """
        if encoding not in ("deflate", "png"):
            raise ValueError(f"encoding must be 'deflate' or 'png', got {encoding!r}")
        pixels = self.frame()
        return self._message(pixels, encoding, since)

    def _message(self, pixels, encoding, since) -> tuple[dict, bytes]:
        h, w, _ = pixels.shape
        delta = None
        if encoding == "deflate" and since is not None:
            delta = changed_pixels(since[1], pixels)
        content = {
            "type": "frame",
            "seq": self.seq,
            "width": w,
            "height": h,
            "ratio": self.pixel_ratio,
            "encoding": encoding,
        }
        if delta is None:  # the whole frame
            content.update(x=0, y=0, w=w, h=h, base=-1, runs=0, pixels=w * h)
            if encoding == "png":
                return content, png_bytes(pixels)
            return content, DEFLATE(pixels.tobytes(), 1)
        (y0, y1, x0, x1), runs, changed = delta
        content.update(
            x=x0,
            y=y0,
            w=x1 - x0,
            h=y1 - y0,
            base=int(since[0]),
            runs=runs.size // 2,
            pixels=len(changed),
        )
        payload = runs.astype("<u4").tobytes() + changed.tobytes()
        return content, DEFLATE(payload, 1)

    def send_frame(self, force: bool = False, whole: bool = False) -> None:
        """Send the current frame to the page (once a view exists, or
        ``force``): the pixels that changed since the last frame sent, or
        the ``whole`` frame."""
        if not (self._views or force) or self.comm is None:
            return
        pixels = self.frame()
        since = None if whole else self._on_page
        content, data = self._message(pixels, self.encoding, since)
        self.send(content, buffers=[data])
        self._on_page = (self.seq, pixels)
        self.sent += 1
        self._schedule_snapshot()

    # -- saved state --------------------------------------------------------------

    def png_frame(self) -> bytes:
        """The current frame as PNG bytes."""
        return png_bytes(self.frame())

    def store_snapshot(self) -> bytes:
        """Put a PNG of the current frame in the synced ``png`` trait."""
        png = self.png_frame()
        with self.hold_sync():
            self.png, self.png_seq, self.png_ratio = png, self.seq, self.pixel_ratio
        return png

    def _schedule_snapshot(self) -> None:
        """Store the snapshot once no frame came for ``SNAPSHOT_DELAY`` s."""
        self._snapshot_due = time.monotonic() + SNAPSHOT_DELAY
        loop = _running_loop()
        if self._snapshot_timer is None and loop is not None:
            self._snapshot_timer = loop.call_later(SNAPSHOT_DELAY, self._snapshot_tick)

    def _snapshot_tick(self) -> None:
        wait = self._snapshot_due - time.monotonic()
        if wait > 0:  # frames still coming: wait for them to stop
            self._snapshot_timer = _running_loop().call_later(wait, self._snapshot_tick)
            return
        self._snapshot_timer = None
        if self.png_seq != self.seq and self.comm is not None:
            self.store_snapshot()

    def css_size(self) -> tuple[float, float]:
        """The figure's size on the page, in CSS pixels."""
        w, h = self.fig.canvas.get_width_height()
        return w / self.pixel_ratio, h / self.pixel_ratio

    def _repr_mimebundle_(self, **kwargs):
        """The widget view, plus ``image/png`` and ``text/html`` static copies."""
        png = self.store_snapshot()
        data = super()._repr_mimebundle_(**kwargs)
        data, meta = data if isinstance(data, tuple) else (data, {})
        data, meta = dict(data or {}), dict(meta or {})
        w, h = self.css_size()
        b64 = base64.b64encode(png).decode("ascii")
        data["image/png"] = b64
        data["text/html"] = (
            f'<img src="data:image/png;base64,{b64}" width="{round(w)}" '
            f'height="{round(h)}" alt="figure">'
        )
        meta["image/png"] = {"width": round(w), "height": round(h)}
        return data, meta

    # -- page messages --------------------------------------------------------------

    def set_pixel_ratio(self, ratio: float) -> bool:
        """Render at ``base_dpi * ratio`` from now on (a full redraw if it changed).

        Returns True when the ratio changed (the new frame was sent).

        Raises:
            ValueError: ``ratio`` is not a finite number in [0.5, 4].
        """
        ratio = float(ratio)
        lo, hi = _RATIO_RANGE
        if not lo <= ratio <= hi:
            raise ValueError(f"ratio must be in [{lo}, {hi}], got {ratio}")
        if ratio == self.pixel_ratio:
            return False
        self.pixel_ratio = ratio
        self.fig.set_dpi(self.base_dpi * ratio)
        self._background = None
        self.render(full=True)
        return True

    def _on_message(self, _widget, content, _buffers) -> None:
        """Handle one message from the page (see the module docstring)."""
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "hello":  # a new view has nothing yet: whole frames
            self._views, self._on_page = True, None
            self.encoding = "png" if content.get("encoding") == "png" else "deflate"
            ratio, (lo, hi) = _finite(content.get("ratio")), _RATIO_RANGE
            if not self.set_pixel_ratio(min(max(ratio, lo), hi)):
                self.send_frame(whole=True)
        elif kind == "refresh":
            self.send_frame(force=True, whole=True)
        elif kind == "pointer":
            try:
                self.pointer(
                    content.get("kind"),
                    content.get("x"),
                    content.get("y"),
                    width=content.get("width"),
                    height=content.get("height"),
                )
            except Exception as exc:  # a malformed message: reported, not raised
                self._report("pointer", exc)
            finally:
                self.send({"type": "ack", "id": content.get("id")})

    # -- pointer events -------------------------------------------------------------

    def on_click(self, fn: Callable) -> Callable:
        """Call ``fn(ax, xdata, ydata)`` when the primary button is pressed
        inside an axes (data coordinates of that axes). Returns ``fn``."""
        return self._register("press", fn)

    def on_drag(self, fn: Callable) -> Callable:
        """Call ``fn(ax, xdata, ydata)`` for every pointer move while pressed
        (``ax``: the axes under the press; the point may be outside it)."""
        return self._register("move", fn)

    def on_release(self, fn: Callable) -> Callable:
        """Call ``fn(ax, xdata, ydata)`` when the button is released."""
        return self._register("release", fn)

    def _register(self, kind: str, fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn)!r}")
        self._callbacks[kind].append(fn)
        self.interactive = True
        return fn

    def axes_at(self, x: float, y: float):
        """The topmost navigable axes containing display point (x, y), or None."""
        for ax in reversed(self.fig.axes):
            if ax.get_navigate() and ax.contains_point((x, y)):
                return ax
        return None

    def pointer(self, kind: str, x: float, y: float, width=None, height=None):
        """Dispatch a pointer event given in frame pixels (origin bottom-left).

        ``width``/``height``: the size of the frame the page showed; the point
        is rescaled if the figure was rendered at another size since.
        Returns ``(ax, xdata, ydata)``, ``ax`` None when not over an axes.

        Raises:
            ValueError: ``kind`` is not "press", "move" or "release".
        """
        if kind not in self._callbacks:
            raise ValueError(f"kind must be press, move or release, got {kind!r}")
        w, h = self.fig.canvas.get_width_height()
        x = float(x) * (w / float(width) if width else 1.0)
        y = float(y) * (h / float(height) if height else 1.0)
        if kind == "press":
            self._press_ax = self.axes_at(x, y)
        ax = self._press_ax
        if kind == "release":
            self._press_ax = None
        if ax is None:
            return None, None, None
        xdata, ydata = ax.transData.inverted().transform((x, y))
        for fn in list(self._callbacks[kind]):
            try:
                fn(ax, float(xdata), float(ydata))
            except Exception as exc:  # reported, never raised into the kernel
                self._report(f"pointer {kind}", exc)
        return ax, float(xdata), float(ydata)

    def _report(self, where: str, exc: BaseException) -> None:
        if self._on_error is None:
            self.errors.append((where, exc))
        else:
            self._on_error(where, exc)
