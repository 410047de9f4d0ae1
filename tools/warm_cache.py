"""Run the student notebooks once, headless, to fill dlcore's compile cache.

Binder's ``postBuild`` runs this while the image is built, so that the first
Run All of a session loads the course's compiled programs from
``~/.cache/dlcore/jax/<cpu>`` instead of compiling them (see
``dlcore/compile_cache.py``; ``benchmarks/bench_startup.py`` measures the
difference). When the session runs on another kind of CPU than the build,
its cache directory is a different one and the warm-up is simply unused.

    python tools/warm_cache.py           # every notebook in notebooks/
    python tools/warm_cache.py 04 09     # names that contain these

Cells that raise (the exercises, not done yet) are expected; the exit status
is 1 only when a notebook could not be run at all.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def notebooks(names=()) -> list[Path]:
    """The student notebooks, or those whose file name contains one of ``names``."""
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if any(n in p.name for n in names)]
    return paths


def run_all(path: Path):
    """Run All in a fresh kernel, errors allowed; the executed notebook (each
    cell's ``metadata.execution`` holds its kernel timestamps)."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb,
        timeout=600,
        startup_timeout=120,
        kernel_name="python3",
        allow_errors=True,
        record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return nb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="only notebooks whose name contains these")
    args = ap.parse_args(argv)
    failed = 0
    for path in notebooks(args.names):
        try:
            start = time.perf_counter()
            run_all(path)
            print(
                f"warm-up {path.name}: {time.perf_counter() - start:.0f} s", flush=True
            )
        except Exception as exc:  # report and go on with the next notebook
            failed += 1
            print(f"warm-up {path.name}: not run ({exc})", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
