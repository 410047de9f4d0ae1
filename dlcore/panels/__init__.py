"""Ready-made slider panels, one per demo; each returns a :class:`dlcore.widgets.Panel`.

    from dlcore.panels.ewa import ewa_panel
    ewa_panel()                      # last line of a cell

Submodules are imported on first use (they pull in matplotlib and ipywidgets).
"""

from __future__ import annotations

import importlib

_SUBMODULES = ("ewa", "minibatch", "optimizers", "search", "softmax")

__all__ = list(_SUBMODULES)


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'dlcore.panels' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
