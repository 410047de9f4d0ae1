"""Import a package's submodules on first attribute access (PEP 562).

Used by ``dlcore`` and ``dlcore.live.panels`` so that a notebook pays only for
the submodules it uses (the panels pull in matplotlib and ipywidgets):
``dl.model`` imports ``dlcore.model`` the first time it is used. The
submodules are found on disk, so a new module needs no registration.
"""

from __future__ import annotations

import importlib
import pkgutil


def lazy_submodules(package: str, path, namespace: dict):
    """``(names, __getattr__, __dir__)`` for the package ``package``.

    Args:
        package: the package's ``__name__``.
        path: its ``__path__``.
        namespace: its ``globals()``; an imported submodule is cached there.
    """
    names = tuple(
        sorted(m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_"))
    )

    def __getattr__(name: str):
        if name in names:
            module = importlib.import_module(f"{package}.{name}")
            namespace[name] = module
            return module
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(names))

    return names, __getattr__, __dir__
