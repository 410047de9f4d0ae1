"""How long a notebook takes to open and run, with and without the compile cache.

Not a test: it prints one table, writes it with the machine and its load at
the start and the end to ``benchmarks/results/bench_startup.txt`` (another file
with ``--output``) and exits 0. Each student notebook in
``notebooks/`` is run top to bottom (Run All, exercises not done) with nbclient
in a fresh kernel, under three settings of ``DLCORE_COMPILE_CACHE`` (see
``dlcore.compile_cache``), side by side:

    off     no cache: every program is compiled
    cold    an empty cache directory: compiled, and written to the cache
    warm    the same directory again: what a restarted kernel, a second Run
            All or the next lecture on the same machine sees

Two figures per setting, in seconds (medians over ``--repeats`` rounds):

    first   from the start of the kernel to the end of the first cell that
            shows a figure or a widget (a headless run has no browser, so this
            is the kernel's share of "time to first figure")
    all     from the start of the kernel to the end of the last cell

and the ratio off ÷ warm for each. The three settings run one after the other
for each notebook, so a burst of load hits neighbouring columns alike.

    python benchmarks/bench_startup.py                 # all notebooks, ~15 min
    python benchmarks/bench_startup.py 04 09           # names that contain these
    python benchmarks/bench_startup.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import benchlib
from benchlib import ROOT

sys.path.insert(0, str(ROOT / "tools"))

from warm_cache import NOTEBOOKS, notebooks, run_all

SETTINGS = ("off", "cold", "warm")
FIGURE_MIMES = ("application/vnd.jupyter.widget-view+json", "image/png")


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run_notebook(path: Path, cache: str) -> tuple[float, float]:
    """(first, all) in seconds for one Run All in a fresh kernel."""
    os.environ["DLCORE_COMPILE_CACHE"] = cache  # the kernel inherits it
    start = time.time()
    nb = run_all(path)
    end = time.time()
    first = None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shows = any(
            mime in out.get("data", {}) for out in cell.outputs for mime in FIGURE_MIMES
        )
        if shows:
            first = _stamp(cell.metadata.execution["shell.execute_reply"]) - start
            break
    return (float("nan") if first is None else first), end - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="run notebooks whose name contains these")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument(
        "--output",
        type=Path,
        default=benchlib.RESULTS_DIR / "bench_startup.txt",
        help="results file (default: benchmarks/results/bench_startup.txt)",
    )
    args = ap.parse_args()
    paths = notebooks(args.names)
    if not paths:
        sys.exit(f"no notebook in {NOTEBOOKS} matches {args.names}")
    head = benchlib.header(
        "Seconds to open and run a notebook, compile cache off / cold / warm",
        ("jax", "jaxlib", "numpy", "matplotlib", "nbclient"),
        browser=False,
    )
    head.append(f"  repeats: {args.repeats} (medians)")
    start_load = os.getloadavg()[0]
    print("\n".join(head), flush=True)
    rows = measure(paths, args.repeats)
    lines = [*head, "", *table(rows)]
    lines.append(f"  load average (1, 5, 15 min) at end: {benchlib.loadavg()}")
    if max(start_load, os.getloadavg()[0]) > 0.75 * (os.cpu_count() or 1):
        lines.append(
            "  note: the machine was busy (1-min load above 0.75 per core at the "
            "start or the end): the times are slower and noisier than on an idle "
            "machine; compare the columns of one row rather than two runs"
        )
    print("\n".join(lines[len(head) :]))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {args.output}")


def measure(paths: list[Path], repeats: int) -> list:
    """``[(notebook, {setting: (first, all)})]``: medians over the rounds."""
    rows = []
    for path in paths:
        times = {s: [] for s in SETTINGS}
        for _ in range(repeats):
            cold = tempfile.mkdtemp(prefix="dlcore-bench-cache-")
            try:
                times["off"].append(run_notebook(path, "off"))
                times["cold"].append(run_notebook(path, cold))
                times["warm"].append(run_notebook(path, cold))
            finally:
                shutil.rmtree(cold, ignore_errors=True)
        med = {
            s: tuple(statistics.median(t[i] for t in times[s]) for i in (0, 1))
            for s in SETTINGS
        }
        rows.append((path.stem, med))
        print(f"  done {path.stem}", file=sys.stderr, flush=True)
    return rows


def table(rows: list) -> list[str]:
    """The table's lines: one row per notebook, then the totals."""
    head = "".join(f"{s + ' first':>12}{s + ' all':>10}" for s in SETTINGS)
    lines = [
        f"{'notebook':<36}{head}{'first ÷':>9}{'all ÷':>8}",
        f"{'':<36}{'':>{22 * len(SETTINGS)}}{'(off/warm)':>17}",
    ]
    for name, med in rows:
        cells = "".join(f"{med[s][0]:>12.1f}{med[s][1]:>10.1f}" for s in SETTINGS)
        r_first = med["off"][0] / med["warm"][0]
        r_all = med["off"][1] / med["warm"][1]
        lines.append(f"{name:<36}{cells}{r_first:>8.1f}×{r_all:>7.1f}×")
    tot = {s: sum(m[s][1] for _, m in rows) for s in SETTINGS}
    totals = "".join(f"{'':>12}{tot[s]:>10.1f}" for s in SETTINGS)
    ratio = tot["off"] / tot["warm"]
    lines.append(f"{'total (all)':<36}{totals}{'':>9}{ratio:>7.1f}×")
    return lines


if __name__ == "__main__":
    main()
