"""Ready-made slider panels, one per demo; each returns a live ``Panel``.

    from dlcore.live.panels.ewa import ewa_panel
    ewa_panel()                      # last line of a cell

Submodules are imported on first use (they pull in matplotlib and ipywidgets).
"""

from __future__ import annotations

from dlcore._lazy import lazy_submodules

_SUBMODULES, __getattr__, __dir__ = lazy_submodules(__name__, __path__, globals())
__all__ = list(_SUBMODULES)
