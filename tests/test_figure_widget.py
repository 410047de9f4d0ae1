"""The live figure widget, kernel side (no browser).

Oracles: zlib's own inflate and Pillow's PNG decoder for the frames,
``ax.transData.transform`` for the pointer mapping, a full redraw for a blit.
"""

import asyncio
import base64
import io
import zlib

import matplotlib.pyplot as plt
import numpy as np
import pytest
from page_model import apply_change, page_pixels, whole_pixels
from PIL import Image

from dlcore.live import figure as F
from dlcore.live.figure import FigureWidget, figure, png_bytes


class Page:
    """Stands in for the page: records what the widget sends, sends it messages."""

    def __init__(self, widget, monkeypatch):
        self.widget, self.sent = widget, []
        monkeypatch.setattr(widget, "send", self._record)

    def _record(self, content, buffers=None):
        self.sent.append((content, list(buffers or [])))

    def say(self, **content):
        self.widget._on_message(self.widget, content, [])

    def frames(self):
        return [(c, b[0]) for c, b in self.sent if c["type"] == "frame"]

    def last_pixels(self):
        """The canvas after every frame so far, painted as figure.js does."""
        return page_pixels(self.frames())


def buffer(fig) -> np.ndarray:
    return np.asarray(fig.canvas.buffer_rgba()).copy()


@pytest.fixture
def scene():
    fig, (ax1, ax2) = figure(1, 2, figsize=(6.0, 3.0), dpi=50)
    x = np.linspace(0.0, 1.0, 40)
    (line,) = ax1.plot(x, x**2, lw=2)
    ax1.set_xlim(0, 1)
    ax1.set_ylim(-1, 1)
    ax2.plot([0, 10], [5, 7])
    ax2.set_xlim(0, 10)
    ax2.set_ylim(5, 7)
    return fig, ax1, ax2, line, x


def test_no_figure_is_registered_with_pyplot(scene):
    before = plt.get_fignums()
    fig, *_ = scene
    widget = FigureWidget(fig)
    widget.render(full=True)
    fig2, _ = figure()
    FigureWidget(fig2).render()
    assert plt.get_fignums() == before


def test_frames_inflate_to_the_canvas_pixels_with_increasing_seq(scene, monkeypatch):
    fig, _, _, line, x = scene
    widget = FigureWidget(fig, animated=[line])
    page = Page(widget, monkeypatch)
    widget.render(full=True)
    assert page.frames() == []  # no view yet: nothing encoded or sent
    page.say(type="hello", ratio=1, encoding="deflate")
    for k in range(1, 6):
        line.set_ydata(np.sin(k * x))
        widget.render()
        assert np.array_equal(page.last_pixels(), buffer(fig))
    seqs = [c["seq"] for c, _ in page.frames()]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    content, _ = page.frames()[-1]
    h, w = buffer(fig).shape[:2]
    assert (content["width"], content["height"]) == (w, h) == (300, 150)


def test_a_blitted_frame_equals_a_full_redraw(scene, monkeypatch):
    fig, _, _, line, x = scene
    widget = FigureWidget(fig, animated=[line])
    page = Page(widget, monkeypatch)
    page.say(type="hello", ratio=1)
    line.set_ydata(np.cos(3 * x))
    assert widget.render() is True  # a blit
    assert not fig.stale
    blitted = page.last_pixels()
    assert widget.render(full=True) is False
    assert np.array_equal(blitted, page.last_pixels())
    assert np.array_equal(blitted, buffer(fig))


def test_a_change_outside_the_animated_artists_redraws_in_full(scene):
    fig, ax1, _, line, _ = scene
    widget = FigureWidget(fig, animated=[line])
    widget.render(full=True)
    ax1.set_ylim(-2, 2)  # not animated: the cached background is out of date
    assert widget.render() is False
    full = buffer(fig)
    widget.render(full=True)
    assert np.array_equal(full, buffer(fig))


def test_a_draw_made_elsewhere_is_sent(scene, monkeypatch):
    fig, *_ = scene
    widget = FigureWidget(fig)
    page = Page(widget, monkeypatch)
    page.say(type="hello", ratio=1)
    n = len(page.frames())
    fig.canvas.draw()
    assert len(page.frames()) == n + 1
    assert np.array_equal(page.last_pixels(), buffer(fig))


def test_hello_at_ratio_2_renders_twice_the_pixels_at_the_same_css_size(
    scene, monkeypatch
):
    fig, *_ = scene
    widget = FigureWidget(fig)
    page = Page(widget, monkeypatch)
    page.say(type="hello", ratio=2)
    content, _ = page.frames()[-1]
    assert (content["width"], content["height"], content["ratio"]) == (600, 300, 2)
    assert widget.css_size() == (300, 150)
    assert np.array_equal(page.last_pixels(), buffer(fig))
    assert len(page.frames()) == 1  # one frame, not the same one twice


def test_refresh_and_a_second_view_get_the_current_frame(scene, monkeypatch):
    fig, *_ = scene
    widget = FigureWidget(fig)
    page = Page(widget, monkeypatch)
    page.say(type="hello", ratio=1)
    page.say(type="refresh")
    page.say(type="hello", ratio=1)
    seqs = [c["seq"] for c, _ in page.frames()]
    assert len(seqs) == 3 and len(set(seqs)) == 1  # the same frame, again


def test_png_frames_for_a_page_without_decompression_stream(scene, monkeypatch):
    fig, *_ = scene
    widget = FigureWidget(fig)
    page = Page(widget, monkeypatch)
    page.say(type="hello", ratio=1, encoding="png")
    content, data = page.frames()[-1]
    assert content["encoding"] == "png" and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(whole_pixels(content, data), buffer(fig))


def test_untrusted_ratio_falls_back_to_1_and_is_clamped(scene, monkeypatch):
    fig, *_ = scene
    widget = FigureWidget(fig)
    page = Page(widget, monkeypatch)
    page.say(type="hello", ratio="nan")
    assert widget.pixel_ratio == 1.0
    page.say(type="hello", ratio=50)
    assert widget.pixel_ratio == 4.0
    with pytest.raises(ValueError, match="ratio must be in"):
        widget.set_pixel_ratio(0.1)


def test_pointer_events_map_to_data_coordinates(scene, monkeypatch):
    fig, ax1, ax2, *_ = scene
    widget = FigureWidget(fig)
    page = Page(widget, monkeypatch)
    widget.render(full=True)
    got = {"press": [], "move": [], "release": []}
    widget.on_click(lambda ax, x, y: got["press"].append((ax, x, y)))
    widget.on_drag(lambda ax, x, y: got["move"].append((ax, x, y)))
    widget.on_release(lambda ax, x, y: got["release"].append((ax, x, y)))
    assert widget.interactive
    for ax, (x, y) in ((ax1, (0.25, 0.5)), (ax2, (7.5, 5.5))):
        px, py = ax.transData.transform((x, y))
        page.say(type="pointer", kind="press", x=px, y=py, id=1)
        (hit,) = got["press"][-1:]
        assert hit[0] is ax
        assert hit[1:] == pytest.approx((x, y), abs=1e-9)
    # a drag leaves the axes: still mapped in the axes of the press
    px, py = ax2.transData.transform((12.0, 4.0))
    page.say(type="pointer", kind="move", x=px, y=py, id=2)
    page.say(type="pointer", kind="release", x=px, y=py, id=3)
    assert got["move"][-1][0] is ax2
    assert got["move"][-1][1:] == pytest.approx((12.0, 4.0), abs=1e-9)
    assert got["release"][-1][1:] == pytest.approx((12.0, 4.0), abs=1e-9)
    acks = [c["id"] for c, _ in page.sent if c["type"] == "ack"]
    assert acks == [1, 1, 2, 3]


def test_a_press_outside_every_axes_calls_nothing(scene):
    fig, *_ = scene
    widget = FigureWidget(fig)
    widget.render(full=True)
    calls = []
    widget.on_click(lambda *a: calls.append(a))
    assert widget.pointer("press", 1.0, 1.0) == (None, None, None)
    assert calls == []


def test_pointer_in_an_older_frame_size_is_rescaled(scene, monkeypatch):
    fig, ax1, *_ = scene
    widget = FigureWidget(fig)
    page = Page(widget, monkeypatch)
    widget.render(full=True)
    px, py = ax1.transData.transform((0.5, 0.25))  # in the ratio-1 frame
    page.say(type="hello", ratio=2)
    calls = []
    widget.on_click(lambda ax, x, y: calls.append((x, y)))
    page.say(type="pointer", kind="press", x=px, y=py, width=300, height=150, id=1)
    assert calls == [pytest.approx((0.5, 0.25), abs=1e-9)]


def test_callback_errors_are_reported_not_raised(scene, monkeypatch):
    fig, ax1, *_ = scene
    reported = []
    widget = FigureWidget(fig, on_error=lambda where, exc: reported.append(where))
    page = Page(widget, monkeypatch)
    widget.render(full=True)

    def boom(ax, x, y):
        raise RuntimeError("bad click")

    widget.on_click(boom)
    px, py = ax1.transData.transform((0.5, 0.0))
    page.say(type="pointer", kind="press", x=px, y=py, id=7)
    page.say(type="pointer", kind="sideways", x=px, y=py, id=8)
    assert reported == ["pointer press", "pointer"]
    assert [c["id"] for c, _ in page.sent if c["type"] == "ack"] == [7, 8]


def test_the_mime_bundle_carries_a_png_of_the_current_frame(scene):
    fig, _, _, line, x = scene
    widget = FigureWidget(fig, animated=[line])
    widget.render(full=True)
    line.set_ydata(-x)
    widget.render()
    data, meta = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    png = base64.b64decode(data["image/png"])
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), buffer(fig))
    assert meta["image/png"] == {"width": 300, "height": 150}
    assert 'width="300"' in data["text/html"]
    # the synced snapshot (saved with the notebook) is this frame
    assert widget.png == png and widget.png_seq == widget.seq


def test_png_bytes_decode_with_pillow():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    out = np.asarray(Image.open(io.BytesIO(png_bytes(pixels))).convert("RGBA"))
    assert np.array_equal(out, pixels)
    with pytest.raises(ValueError, match="pixels must be"):
        png_bytes(pixels[..., :3])


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="fig must be"):
        FigureWidget("not a figure")
    fig, _ = figure()
    widget = FigureWidget(fig)
    with pytest.raises(ValueError, match="kind must be"):
        widget.pointer("hover", 0, 0)
    with pytest.raises(TypeError, match="fn must be callable"):
        widget.on_click(3)
    with pytest.raises(ValueError, match="encoding must be"):
        widget.encode("jpeg")


def test_the_snapshot_waits_until_the_frames_stop(scene, monkeypatch):
    fig, _, _, line, x = scene
    widget = FigureWidget(fig, animated=[line])
    page = Page(widget, monkeypatch)
    monkeypatch.setattr(F, "SNAPSHOT_DELAY", 0.05)

    async def moves():
        page.say(type="hello", ratio=1)
        for k in range(10):  # 10 frames, 10 ms apart: no snapshot meanwhile
            line.set_ydata(np.sin(k * x))
            widget.render()
            assert widget.png == b""
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)

    asyncio.run(moves())
    assert widget.png_seq == widget.seq
    png = np.asarray(Image.open(io.BytesIO(widget.png)))
    assert np.array_equal(png, buffer(fig))


def test_after_the_first_frame_only_the_changed_pixels_are_sent(scene, monkeypatch):
    fig, _, _, line, x = scene
    widget = FigureWidget(fig, animated=[line])
    page = Page(widget, monkeypatch)
    page.say(type="hello", ratio=1)
    first, _ = page.frames()[-1]
    assert first["base"] == -1 and (first["w"], first["h"]) == (300, 150)
    before = buffer(fig)
    line.set_ydata(0.5 * x)
    widget.render()
    content, _ = page.frames()[-1]
    after = buffer(fig)
    changed = np.argwhere((before != after).any(axis=2))  # (row, col) pairs
    (y0, x0), (y1, x1) = changed.min(axis=0), changed.max(axis=0) + 1
    assert content["base"] == first["seq"]
    assert (content["x"], content["y"], content["w"], content["h"]) == (
        x0,
        y0,
        x1 - x0,
        y1 - y0,
    )
    assert content["pixels"] == len(changed)  # only those, not the rectangle
    assert content["pixels"] < content["w"] * content["h"]
    assert np.array_equal(page.last_pixels(), after)


def test_a_render_that_changes_nothing_sends_an_empty_change(scene, monkeypatch):
    fig, _, _, line, _ = scene
    widget = FigureWidget(fig, animated=[line])
    page = Page(widget, monkeypatch)
    page.say(type="hello", ratio=1)
    widget.render()
    content, data = page.frames()[-1]
    assert (content["w"], content["h"], content["runs"], content["pixels"]) == (
        0,
        0,
        0,
        0,
    )
    assert content["base"] >= 0 and np.array_equal(page.last_pixels(), buffer(fig))


def test_hello_refresh_and_a_new_ratio_send_whole_frames(scene, monkeypatch):
    fig, _, _, line, x = scene
    widget = FigureWidget(fig, animated=[line])
    page = Page(widget, monkeypatch)
    page.say(type="hello", ratio=1)
    line.set_ydata(0.3 * x)
    widget.render()
    assert page.frames()[-1][0]["base"] >= 0
    for message in ({"type": "refresh"}, {"type": "hello", "ratio": 1}):
        page.say(**message)
        assert page.frames()[-1][0]["base"] == -1
    page.say(type="hello", ratio=2)
    content, _ = page.frames()[-1]
    assert content["base"] == -1 and content["width"] == 600
    line.set_ydata(0.1 * x)
    widget.render()
    assert page.frames()[-1][0]["base"] == content["seq"]
    assert np.array_equal(page.last_pixels(), buffer(fig))


def test_changed_pixels_rebuild_the_new_frame_from_the_old():
    rng = np.random.default_rng(0)
    for _ in range(200):
        h, w = rng.integers(1, 9, size=2)
        old = rng.integers(0, 3, size=(h, w, 4)).astype(np.uint8)
        new = old.copy()
        mask = rng.random((h, w)) < rng.random()  # from none to all pixels
        new[mask, rng.integers(0, 4)] += 1  # one channel of each is enough
        (y0, y1, x0, x1), runs, pixels = F.changed_pixels(old, new)
        assert runs.dtype == np.uint32 and len(pixels) == mask.sum()
        content = {"y": y0, "width": w, "runs": runs.size // 2, "pixels": len(pixels)}
        payload = zlib.compress(runs.astype("<u4").tobytes() + pixels.tobytes())
        assert np.array_equal(apply_change(old, content, payload), new)
        if mask.any():
            rows, cols = np.nonzero(mask)
            assert (y0, y1) == (rows.min(), rows.max() + 1)
            assert (x0, x1) == (cols.min(), cols.max() + 1)
        else:
            assert (y0, y1, x0, x1) == (0, 0, 0, 0) and runs.size == 0


def test_changed_pixels_of_other_shapes_is_none():
    a = np.zeros((4, 5, 4), np.uint8)
    assert F.changed_pixels(a, np.zeros((5, 4, 4), np.uint8)) is None
