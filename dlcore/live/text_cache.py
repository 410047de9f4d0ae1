"""Replay text that Agg drew before, instead of laying it out and rasterizing again.

A full redraw of a panel (a dropdown change, new y-limits, the first frame)
draws every tick label, title and legend entry again. Matplotlib's Agg
renderer lays each string out with FreeType and rasterizes it glyph by
glyph every time, although the same string lands on the same pixels as in
the previous redraw. ``benchmarks/bench_render.py``'s "full redraw" table
times a full redraw of every panel with and without the replay.

``install()`` wraps ``RendererAgg.draw_text``. The first time a string is
drawn, the glyph bitmaps (and, for mathtext, the rule boxes) that Agg
composites are recorded on the renderer. When the SAME string is drawn
again with the same font, size, angle, anti-aliasing and position (to the
exact float), and the text settings in ``rcParams`` are unchanged, the
recorded bitmaps are composited again with the current graphics context
(colour, alpha, clipping), skipping layout and rasterization. The pixels are
identical to an uncached draw (tests/test_text_cache.py compares every
panel's full redraw with and without it).

Each renderer (one per figure size) keeps at most ``MAX_ENTRIES`` strings;
the cache is emptied when it is full. TeX text (``usetex``) is never cached.
``DLCORE_TEXT_CACHE=0`` in the environment keeps panels from installing it.
"""

from __future__ import annotations

import os

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import RendererAgg

__all__ = [
    "MAX_ENTRIES",
    "STATS",
    "enabled_by_env",
    "install",
    "installed",
    "uninstall",
]

MAX_ENTRIES = 1024

# rcParams that change how a given string is laid out or rasterized without
# changing its FontProperties (the font lists behind a family name, hinting,
# the mathtext fonts).
_RC_KEYS = tuple(
    k
    for k in sorted(mpl.rcParams)
    if k.startswith(("font.", "mathtext."))
    or k in ("text.hinting", "text.hinting_factor")
)

_agg_draw_text = RendererAgg.draw_text

# strings drawn since import: replayed from the cache / laid out and rasterized
STATS = {"replayed": 0, "rasterized": 0}


class _Recorder:
    """Stands in for the renderer's C++ ``_renderer`` during one draw_text and
    records what Agg composites: glyph bitmaps and (mathtext) rule boxes."""

    def __init__(self, real):
        self.real = real
        self.calls = []

    def draw_text_image(self, image, x, y, angle, gc):
        self.calls.append((np.array(image, copy=True), x, y, angle))
        self.real.draw_text_image(image, x, y, angle, gc)

    def draw_path(self, gc, path, transform, rgbFace=None):
        self.calls.append((None, gc, path, transform, rgbFace))
        self.real.draw_path(gc, path, transform, rgbFace)

    def __getattr__(self, name):
        return getattr(self.real, name)


def _font_key(prop) -> tuple:
    # what FontProperties hashes, as a tuple (its __eq__ compares hashes only)
    return (
        tuple(prop.get_family()),
        prop.get_style(),
        prop.get_variant(),
        prop.get_weight(),
        prop.get_stretch(),
        prop.get_size_in_points(),
        prop.get_file(),
        prop.get_math_fontfamily(),
    )


def _draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
    """``RendererAgg.draw_text`` with the replay cache (see the module notes)."""
    if ismath == "TeX":
        return _agg_draw_text(self, gc, x, y, s, prop, angle, ismath, mtext)
    rc = mpl.rcParams
    key = (
        s,
        _font_key(prop),
        angle,
        x,
        y,
        bool(gc.get_antialiased()),
        self.width,
        self.height,
        self.dpi,
        bool(ismath),
        None if mtext is None else (mtext.get_fontfeatures(), mtext.get_language()),
        tuple(str(rc[k]) for k in _RC_KEYS),
        # mathtext's rule boxes take the colour when they are recorded
        (tuple(gc.get_rgb()), gc.get_alpha(), gc.get_forced_alpha(), gc.get_snap())
        if ismath
        else None,
    )
    cache = self.__dict__.setdefault("_dlcore_text_cache", {})
    calls = cache.get(key)
    real = self._renderer
    if calls is not None:
        STATS["replayed"] += 1
        for image, *rest in calls:
            if image is None:
                real.draw_path(*rest)
            else:
                real.draw_text_image(image, *rest, gc)
        return None
    STATS["rasterized"] += 1
    recorder = self._renderer = _Recorder(real)
    try:
        _agg_draw_text(self, gc, x, y, s, prop, angle, ismath, mtext)
    finally:
        self._renderer = real
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = recorder.calls
    return None


def install() -> None:
    """Make every Agg renderer in this process replay repeated text."""
    RendererAgg.draw_text = _draw_text


def uninstall() -> None:
    """Back to matplotlib's own ``RendererAgg.draw_text``."""
    RendererAgg.draw_text = _agg_draw_text


def installed() -> bool:
    return RendererAgg.draw_text is _draw_text


def enabled_by_env() -> bool:
    """False when ``DLCORE_TEXT_CACHE=0`` (panels then leave Agg alone)."""
    return os.environ.get("DLCORE_TEXT_CACHE", "1") != "0"
