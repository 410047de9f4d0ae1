"""The numerics behind each notebook's demos: pure JAX, one module per notebook.

Nothing here imports matplotlib or ipywidgets; the panels in
``dlcore.live.panels`` call these functions and only lay out and draw.
"""

from __future__ import annotations

from dlcore._lazy import lazy_submodules

_SUBMODULES, __getattr__, __dir__ = lazy_submodules(__name__, __path__, globals())
__all__ = list(_SUBMODULES)
