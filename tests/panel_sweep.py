"""Shared by the panel tests: sweep every control of a Panel.

``sweep_values(w)`` gives min, mid and max of a slider (every option of a
dropdown, both states of a toggle); ``random_value(w, rng)`` one random legal
value. ``assert_sweep_is_clean(panel)`` moves every control over those values
and over random combinations, presses "new seed" and the lecture toggle, and
asserts: no callback error, no compilation, no new figure, and that ordinary
moves repaint by blitting (unless ``expect_blits=False``). ``closing(made)``
is the body of the test modules' panel fixtures.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from dlcore.compiles import count_compiles
from dlcore.live.controls import BetaSlider

_TOGGLES = (W.ToggleButton, W.Checkbox)
_CHOICES = (W.Dropdown, W.ToggleButtons, W.RadioButtons, W.SelectionSlider)


def closing(made: dict) -> Iterator[dict]:
    """Yield ``{name: Panel}`` to the tests, then close every panel."""
    yield made
    for p in made.values():
        p.close()


def _options(w):
    return [o[1] if isinstance(o, tuple) else o for o in w.options]


def sweep_values(w) -> list:
    """min, mid and max of a control, as values to set."""
    if isinstance(w, _TOGGLES):
        return [False, True]
    if isinstance(w, _CHOICES):
        return _options(w)
    if isinstance(w, W.FloatLogSlider):
        lo, hi = w.min, w.max
        return [w.base**lo, w.base ** ((lo + hi) / 2), w.base**hi]
    if isinstance(w, W.IntSlider):
        return [w.min, (w.min + w.max) // 2, w.max]
    return [w.min, (w.min + w.max) / 2, w.max]


def random_value(w, rng):
    """One random legal value of a control."""
    if isinstance(w, _TOGGLES):
        return bool(rng.integers(2))
    if isinstance(w, _CHOICES):
        opts = _options(w)
        return opts[rng.integers(len(opts))]
    if isinstance(w, W.FloatLogSlider):
        return float(w.base ** rng.uniform(w.min, w.max))
    if isinstance(w, BetaSlider):
        return float(1 - 10 ** -rng.uniform(-np.log10(1 - w.min), -np.log10(1 - w.max)))
    if isinstance(w, W.IntSlider):
        return int(rng.integers(w.min, w.max + 1))
    return float(rng.uniform(w.min, w.max))


@contextlib.contextmanager
def moves_are_clean(panel, *, expect_blits: bool = True):
    """Around moves made in the block, then the lecture toggle on and off.

    Asserts afterwards: no callback error, no compilation, no new figure,
    and (unless ``expect_blits=False``) that ordinary moves repaint by
    blitting.
    """
    figs = len(plt.get_fignums())
    with count_compiles() as c:
        yield
        panel.lecture_button.value = True
        panel.lecture_button.value = False
    assert panel.errors == [], panel.errors
    assert c.count == 0, f"{c.count} compilation(s) after warm-up"
    assert len(plt.get_fignums()) == figs, "a move created a figure"
    if expect_blits:
        assert panel.blits > 0  # ordinary moves repaint by blitting


def assert_sweep_is_clean(
    panel, *, rounds: int = 20, seed: int = 0, new_seed: bool = True,
    expect_blits: bool = True,
) -> None:  # fmt: skip
    """Sweep every control (min/mid/max, then random combinations).

    Then move each slider once more and check the blitted frame: it leaves
    the figure not stale, and it shows what the figure drawn in its own
    z-order shows.
    """
    rng = np.random.default_rng(seed)
    with moves_are_clean(panel, expect_blits=expect_blits):
        for name, w in panel.controls.items():
            for v in sweep_values(w):
                panel.set(**{name: v})
        for _ in range(rounds):
            panel.set(**{k: random_value(w, rng) for k, w in panel.controls.items()})
        if new_seed:
            panel.new_seed()
    if expect_blits:
        # a blitted frame shows what a full redraw shows (nothing hidden)
        canvas = panel.fig.canvas
        canvas.draw()
        for name, w in panel.controls.items():
            if isinstance(w, _TOGGLES + _CHOICES) or not hasattr(w, "value"):
                continue
            blits = panel.blits
            panel.set(**{name: random_value(w, rng)})
            if panel.blits > blits:
                # Drawing the animated artists must not leave the figure
                # stale: ipympl would redraw it in full, that draw would
                # leave it stale again, and so on (an animated legend or
                # annotation did this: the kernel repainted forever).
                assert not panel.fig.stale, f"moving {name} left the figure stale"
                bad = blit_matches_full_draw(panel)
                assert bad < 0.01, f"moving {name}: {bad:.1%} of pixels differ"


def blit_matches_full_draw(panel) -> float:
    """Fraction of pixels where the last blitted frame differs from the figure.

    The reference is the figure drawn in its own z-order with NOTHING
    animated. A blit paints the animated artists over a cached background,
    so if a static artist should sit on top of an animated one (a legend on
    a heat map) the blit hides it, and this fraction is large.
    """
    canvas = panel.fig.canvas
    blitted = np.asarray(canvas.buffer_rgba()).copy()
    view = panel.figure_widget
    animated, saved = view.animated_artists(), view.animated
    try:
        view.animated = ()  # the draw hook must not paint them a second time
        for artist in animated:
            artist.set_animated(False)
        panel.fig.draw_without_rendering()
        canvas.draw()
        full = np.asarray(canvas.buffer_rgba()).copy()
    finally:
        view.animated = saved
        for artist in animated:
            artist.set_animated(True)
        canvas.draw()  # back to the panel's own background cache
    return float(np.mean(np.any(blitted != full, axis=-1)))
