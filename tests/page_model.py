"""Shared by the figure tests: what a page shows after the kernel's frames.

A stand-in for ``dlcore/live/figure.js``, written from the frame protocol in
``dlcore/live/figure.py``'s docstring with independent decoders (zlib's
inflate, Pillow's PNG reader) and a plain loop over the runs, so that the
kernel's encoder is checked against the protocol, not against itself.
"""

from __future__ import annotations

import io
import zlib

import numpy as np
from PIL import Image


def whole_pixels(content: dict, data: bytes) -> np.ndarray:
    """A whole frame's (height, width, 4) RGBA pixels."""
    if content["encoding"] == "png":
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))
    raw = zlib.decompress(data)
    return np.frombuffer(raw, np.uint8).reshape(content["height"], content["width"], 4)


def apply_change(canvas: np.ndarray, content: dict, data: bytes) -> np.ndarray:
    """``canvas`` with a change frame's runs written in (a new array)."""
    raw = zlib.decompress(data)
    runs, count = content["runs"], content["pixels"]
    assert len(raw) == 8 * runs + 4 * count, "payload length"
    pairs = np.frombuffer(raw[: 8 * runs], "<u4").reshape(runs, 2)
    values = np.frombuffer(raw[8 * runs :], np.uint8).reshape(count, 4)
    out = canvas.copy()
    flat = out.reshape(-1, 4)
    at, used = content["y"] * content["width"], 0
    for skip, copy in pairs.tolist():
        at += skip
        flat[at : at + copy] = values[used : used + copy]
        at, used = at + copy, used + copy
    assert used == count, "every changed pixel is placed"
    return out


def page_pixels(frames) -> np.ndarray:
    """The canvas after ``frames`` (``(content, data)`` pairs, in order)."""
    canvas, seq = None, -1
    for content, data in frames:
        if content["base"] == -1:
            canvas = whole_pixels(content, data).copy()
        else:
            assert content["base"] == seq, "a change to a frame not shown"
            canvas = apply_change(canvas, content, data)
        seq = content["seq"]
    return canvas
