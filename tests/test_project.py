"""Project invariants: pins, the CI command, layering, clean notebooks."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = {"optax", "pytest", "nbval", "hypothesis", "ruff", "playwright"}


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", line)
        assert m, f"{path.name}: not an exact pin: {line!r}"
        pins[m.group(1).lower()] = m.group(2)
    return pins


def test_binder_pins_match_root_requirements():
    root = _pins(ROOT / "requirements.txt")
    binder = _pins(ROOT / "binder" / "requirements.txt")
    for name, version in binder.items():
        assert root.get(name) == version, (
            f"binder pins {name}=={version}, root {root.get(name)}"
        )
    runtime_deps = {n for n in root if n not in TEST_ONLY}
    assert runtime_deps <= set(binder), (
        f"missing in binder: {runtime_deps - set(binder)}"
    )


def test_binder_runtime_and_postbuild():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    post = (ROOT / "binder" / "postBuild").read_text().splitlines()
    assert "set -e" in [line.strip() for line in post]
    # the compile-cache warm-up may not fail the build (set -e)
    warm = [line for line in post if "tools/warm_cache.py" in line]
    assert len(warm) == 1 and "||" in warm[0]


@pytest.mark.slow
def test_the_binder_warm_up_fills_the_compile_cache(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    env.pop("DLCORE_COMPILE_CACHE", None)
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "warm_cache.py"), "00_index"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert re.search(r"^warm-up 00_index\.ipynb: \d+ s$", out.stdout, re.M)
    entries = list((tmp_path / "dlcore" / "jax").glob("*/*"))
    assert entries, "the warm-up wrote nothing to the default cache directory"


def _readme_block_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    after = text.split(marker, 1)[1]
    return re.search(r"```(?:bash|sh)?\n(.*?)```", after, re.S).group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    readme_cmd = _readme_block_after("<!-- test-command -->")
    ci_lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip()
        and not line.startswith("#")
        and not line.startswith(("set ", "cd "))
    ]
    assert ci_lines == [readme_cmd]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


UI_PACKAGES = {"matplotlib", "ipywidgets", "anywidget", "ipympl"}


def test_numerics_never_import_plotting_or_widgets():
    """Only dlcore/live/ draws or shows: core, demos and exercises stay pure."""
    live = ROOT / "dlcore" / "live"
    checked = []
    for path in sorted((ROOT / "dlcore").rglob("*.py")):
        if live in path.parents:
            continue
        checked.append(path.relative_to(ROOT).as_posix())
        used = _imports(path)
        assert not used & UI_PACKAGES, (path, used & UI_PACKAGES)
    assert "dlcore/demos/optimizers.py" in checked
    assert "dlcore/model.py" in checked
    viz = _imports(live / "viz.py")
    assert not viz & {"ipywidgets", "anywidget"}, viz


_JIT = re.compile(r"\bjax\.jit\b|@jit\b|\bjit\(")


def test_panels_never_train_or_jit():
    """A panel lays out and draws; its numbers come from dlcore/demos/."""
    panels = sorted((ROOT / "dlcore" / "live" / "panels").glob("*.py"))
    assert len(panels) > 5
    for path in panels:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "jax":
                assert "jit" not in {a.name for a in node.names}, path.name
        assert not _JIT.search(path.read_text()), path.name


def test_notebooks_are_committed_without_outputs():
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{nb_path.name} has outputs"
                assert cell.get("execution_count") is None, nb_path.name


# A module of dlcore may use another one's underscore names only when the
# other is one of these shared private modules.
SHARED_PRIVATE = {"dlcore._checks", "dlcore._lazy", "dlcore.exercises._harness"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _dotted(node) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _private_uses(path: Path, modules: set[str]) -> list[str]:
    """``module._name`` uses in ``path`` of another dlcore module's privates:
    imported (``from dlcore.x import _y``) or reached through a name bound to
    a dlcore module (``x._y``, ``dl.x._y``)."""
    here = _module_name(path)
    tree = ast.parse(path.read_text("utf-8"))
    bound = {}  # local name -> dlcore module
    hits = []

    def use(module: str, name: str, line: int):
        shared = module in SHARED_PRIVATE or f"{module}.{name}" in SHARED_PRIVATE
        if module != here and not shared and _is_private(name):
            hits.append(f"{here}:{line} uses {module}.{name}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "dlcore":
                    parts = a.name.split(".")
                    for i in range(1, len(parts)):
                        use(".".join(parts[:i]), parts[i], node.lineno)
                    bound[a.asname or "dlcore"] = a.name if a.asname else "dlcore"
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            mod = node.module or ""
            if mod.split(".")[0] != "dlcore":
                continue
            parts = mod.split(".")
            for i in range(1, len(parts)):
                use(".".join(parts[:i]), parts[i], node.lineno)
            for a in node.names:
                full = f"{mod}.{a.name}"
                if full in modules:
                    bound[a.asname or a.name] = full
                use(mod, a.name, node.lineno)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            chain = _dotted(node.value)
            if chain is None or chain.split(".")[0] not in bound:
                continue
            head, *rest = chain.split(".")
            module = ".".join([bound[head], *rest])
            if module in modules:
                use(module, node.attr, node.lineno)
    return hits


def test_no_dlcore_module_uses_another_ones_private_names():
    """Each module reaches the others through their public names only."""
    paths = sorted((ROOT / "dlcore").rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    assert {"dlcore.model", "dlcore.live.viz", "dlcore.demos.regularization"} <= modules
    hits = [hit for path in paths for hit in _private_uses(path, modules)]
    assert not hits, "\n".join(hits)
