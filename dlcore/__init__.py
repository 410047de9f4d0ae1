"""dlcore: the small JAX library behind the "Improving Deep Neural Networks" notebooks.

Submodules follow the course, one concept each::

    import dlcore as dl
    params = dl.init.initialize(key, [2, 16, 1], scheme="he")
    opt = dl.optim.adam(1e-3)

Submodules are imported on first use. Importing the package changes no JAX
option and writes no file; a notebook's first cell switches on the on-disk
cache of compiled programs with ``dl.compile_cache.enable()``.
"""

from __future__ import annotations

from dlcore._lazy import lazy_submodules

__version__ = "0.1.0"

_SUBMODULES, __getattr__, __dir__ = lazy_submodules(__name__, __path__, globals())
__all__ = list(_SUBMODULES)
