"""dlcore: the small JAX library behind the "Improving Deep Neural Networks" notebooks.

Submodules follow the course, one concept each::

    import dlcore as dl
    params = dl.init.initialize(key, [2, 16, 1], scheme="he")
    opt = dl.optim.adam(1e-3)

Submodules are imported on first use. Importing the package imports JAX
(which every submodule needs anyway) to switch on its on-disk cache of
compiled programs (see ``dlcore._compile_cache``): a reopened notebook loads
what an earlier run compiled. ``DLCORE_COMPILE_CACHE=off`` opts out.
"""

from __future__ import annotations

from dlcore import _compile_cache
from dlcore._lazy import lazy_submodules

__version__ = "0.1.0"

_SUBMODULES, __getattr__, __dir__ = lazy_submodules(__name__, __path__, globals())
__all__ = list(_SUBMODULES)

compile_cache_dir = _compile_cache.enable()  # None when the cache is off
