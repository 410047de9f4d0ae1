"""The live layer: the only part of dlcore that imports matplotlib or widgets.

Submodules are imported on first use (``dl.live.viz``, ``dl.live.panels``).
"""

from __future__ import annotations

from dlcore._lazy import lazy_submodules

_SUBMODULES, __getattr__, __dir__ = lazy_submodules(__name__, __path__, globals())
__all__ = list(_SUBMODULES)
