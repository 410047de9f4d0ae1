"""dlcore: the small JAX library behind the "Improving Deep Neural Networks" notebooks.

Submodules follow the course, one concept each::

    import dlcore as dl
    params = dl.init.initialize(key, [2, 16, 1], scheme="he")
    opt = dl.optim.adam(1e-3)

Submodules are imported on first use, so ``import dlcore`` stays fast in a
freshly started kernel.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "activations",
    "compiles",
    "data",
    "ewa",
    "exercises",
    "gradcheck",
    "init",
    "layers",
    "losses",
    "model",
    "optim",
    "panels",
    "schedules",
    "search",
    "surfaces",
    "train",
    "viz",
    "widgets",
)

__all__ = list(_SUBMODULES)


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'dlcore' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
