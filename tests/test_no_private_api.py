"""dlcore uses other packages through their public APIs only.

Two checks over every file under ``dlcore/``:

- none names a private name known to have been patched or read before
  (ipywidgets' ``_property_lock``, ipykernel's ``_publish_status``,
  matplotlib's ``RendererAgg.draw_text``, ipympl's frame state, ...), nor
  ipympl at all;
- an AST scan of the Python files: no attribute with a leading underscore
  (``x._name``, ``getattr(x, "_name")``) on anything but ``self``/``cls`` or a
  name imported from dlcore itself, and no import of a private module of
  another package (``from jax._src import ...``). Dunder names and the
  namedtuple API (``_replace``, ``_fields``, ``_asdict``, ``_make``) and the
  IPython display protocol (``_repr_*_``, ``_ipython_*_``) are public.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for p in (ROOT / "dlcore").rglob("*") if p.suffix in {".py", ".js"})
PYTHON = [p for p in SOURCES if p.suffix == ".py"]

FORBIDDEN = [
    "_property_lock",
    "_options_labels",
    "_options_values",
    "_publish_status",
    "get_diff_image",
    "_png_is_old",
    "_last_buff",
    "_force_full",
    "RendererAgg.draw_text",
    "_dlcore_",
    "ipympl",
]
PUBLIC_UNDERSCORE = {"_replace", "_fields", "_asdict", "_make", "_field_defaults"}
ACCESSORS = {"getattr", "setattr", "hasattr", "delattr"}


def _private(name: str) -> bool:
    if not name.startswith("_") or name in PUBLIC_UNDERSCORE:
        return False
    if name.startswith("__") and name.endswith("__"):
        return False
    return not name.startswith(("_repr_", "_ipython_"))


def _own_names(tree: ast.AST) -> set[str]:
    """``self``, ``cls`` and every name this module imports from dlcore."""
    own = {"self", "cls"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "dlcore"
        ):
            own |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            own |= {
                a.asname or a.name.split(".")[0]
                for a in node.names
                if a.name.split(".")[0] == "dlcore"
            }
    return own


def private_uses(source: str) -> list[str]:
    """Every private access to another package's objects in ``source``."""
    tree = ast.parse(source)
    own, found = _own_names(tree), []
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}: "
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            if not (isinstance(base, ast.Name) and base.id in own):
                found.append(where + ast.unparse(node))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ACCESSORS
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
            and not (isinstance(node.args[0], ast.Name) and node.args[0].id in own)
        ):
            found.append(where + ast.unparse(node))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for m in modules:
                parts = m.split(".")
                if parts[0] != "dlcore" and any(_private(p) for p in parts):
                    found.append(where + f"import of {m}")
    return found


def test_the_scan_finds_what_it_must_and_nothing_else():
    bad = """
import ipywidgets as w
from jax._src import core
from dlcore import _checks
s = w.IntSlider()
s._property_lock
getattr(s, "_options_labels", ())
setattr(s, "_dlcore_x", 1)
"""
    good = """
from dlcore import _checks
from dlcore._lazy import lazy_submodules
class A:
    def f(self, p):
        self._x = p._replace(a=1)._asdict()
        return _checks.check_choice, self.__class__, p._repr_mimebundle_()
"""
    assert len(private_uses(bad)) == 4
    assert private_uses(good) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_known_private_name_is_named(path):
    text = path.read_text()
    named = [name for name in FORBIDDEN if name in text]
    assert not named, f"{path.name} names {named}"


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_attribute_of_another_package_is_used(path):
    uses = private_uses(path.read_text())
    assert not uses, f"{path.name}: " + "; ".join(uses)
