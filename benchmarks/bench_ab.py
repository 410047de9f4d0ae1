"""A/B in one JupyterLab page: the shipped ipympl panels (A) vs our canvas (B).

Not a test: it writes one table and exits 0.

A is the panel code shipped before the move to our own canvas (git commit
74e13bd: ``dlcore/widgets.py`` on ipympl 0.10.0 with ``text_cache.py`` and
``canvas_frames.js``). It is fetched from git history at run time
(``git archive``) into a temporary directory and made importable as
``dlcore_shipped`` (every ``import dlcore`` / ``from dlcore`` line is
rewritten); nothing of it is kept in the tree. B is ``dlcore.live`` as it is
now (``FigureWidget`` in ``figure.py`` / ``figure.js``). Both show the same
panels with the notebooks' arguments: ``ewa_panel()`` (notebook 07, EWA) and
``optimizer_panel()`` (notebook 08, optimizers).

Why two notebooks side by side in one page, each with its own kernel: the
shipped code changes its kernel when loaded (it stops the kernel's "busy"
status for widget messages and replaces matplotlib's text drawing with
``text_cache``). In one shared kernel those changes would also act on B, so
B would not be measured as it ships. Two kernels keep each variant as it
ships; one page keeps what they share equal: the same Chromium main thread,
the same JupyterLab, the same machine load at the same moment. The two
kernels are separate processes, so neither sees the other's imports (the
run checks this in both kernels and writes what it found). The presses
alternate between A and B in short rounds, so a burst of load from other
processes falls on both.

Per panel: the first visible slider of each side (the same control on both:
EWA's β, the optimizers' α), ``--presses`` key presses each (default 40), in
rounds of ``--round`` presses, A then B then A ...; every press waits until
both kernels are idle and the page is quiet, so presses are independent.
In the same run and the same page, each kernel's bare round trip: an
``IntSlider`` whose observer sets a ``Label`` (slider → kernel → label
painted), the floor any figure is measured against. Timing (page clock):
key press (``keydown`` timeStamp) → the first animation frame after the new
content is on screen (A: ipympl's canvas received the kernel's image;
B: ``figure.js`` set ``canvas.dataset.seq``). See ``benchlib.py``.

    pip install -r benchmarks/requirements.txt     # ipympl 0.10.0 for A
    python benchmarks/bench_ab.py                  # both panels, ~6 min
    python benchmarks/bench_ab.py --presses 20 --panels ewa
    python benchmarks/bench_ab.py --device-scale-factor 2

Output: benchmarks/results/bench_ab.txt (and printed).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
from benchlib import PANELS, ROOT, TIMINGS_CODE, LabPage, fmt, pct
from harness import ChromiumBrowser, LabServer

SHIPPED_COMMIT = "74e13bd"
SHIPPED_NAME = "dlcore_shipped"


_IMPORT = re.compile(r"(?m)^(\s*)(from|import)\s+dlcore\b")


def fetch_shipped(dest: Path) -> Path:
    """``dlcore/`` of SHIPPED_COMMIT, as package ``dlcore_shipped`` in ``dest``."""
    tar = subprocess.run(
        ["git", "-C", str(ROOT), "archive", SHIPPED_COMMIT, "dlcore"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(dest, filter="data")
    pkg = dest / SHIPPED_NAME
    (dest / "dlcore").rename(pkg)
    for path in pkg.rglob("*.py"):
        text = path.read_text()
        new = _IMPORT.sub(rf"\1\2 {SHIPPED_NAME}", text)
        if new != text:
            path.write_text(new)
    return pkg


def notebooks(shipped_dir: Path, module: str, factory: str) -> dict[str, dict]:
    """The A and B notebooks: panel, then the bare round trip, then a check of
    what each kernel has loaded."""
    a = benchlib.notebook(
        "%matplotlib widget\nimport sys\n"
        f"sys.path.insert(0, {str(shipped_dir)!r})\n"
        f"from {SHIPPED_NAME}.panels.{module} import {factory}",
        f"panel = {factory}()\npanel",
        benchlib.BARE_CELL,
    )
    return {"A": a, "B": benchlib.panel_notebook(module, factory)}


# What each kernel has loaded, and whose text drawing matplotlib's Agg
# renderer uses (the shipped code replaces it when it is loaded).
CHECK_CODE = """\
import sys as _s, inspect as _i
from matplotlib.backends.backend_agg import RendererAgg as _R
print("dlcore loaded:", "dlcore" in _s.modules,
      "| dlcore_shipped loaded:", "dlcore_shipped" in _s.modules,
      "| RendererAgg.draw_text from:", _i.getmodule(_R.draw_text).__name__)
"""


def measure_pair(page: LabPage, a: dict, b: dict, presses: int, rnd: int) -> dict:
    """Interleaved presses of slider ``a`` (in A) and ``b`` (in B)."""
    got = {"A": ([], [], 0), "B": ([], [], 0)}
    done = 0
    while done < presses:
        k = min(rnd, presses - done)
        for side, slider in (("A", a), ("B", b)):
            s, w, miss = page.measure_presses(slider, k)
            old = got[side]
            got[side] = (old[0] + s, old[1] + w, old[2] + miss)
        done += k
    return got


def run_panel(page, key, presses, rnd, results, checks, timings) -> None:
    pa, pb = f"ab/{key}_A.ipynb", f"ab/{key}_B.ipynb"
    page.open(pa)
    page.open(pb, split=True)
    for p in (pa, pb):
        page.run_all(p)
    for side, p in (("A", pa), ("B", pb)):
        checks.append(f"{side} ({p}): " + page.kernel_eval(p, CHECK_CODE).strip())
    sa = [s for s in page.sliders(pa) if s["visible"] and not s["disabled"]]
    sb = [s for s in page.sliders(pb) if s["visible"] and not s["disabled"]]
    fig_a = [s for s in sa if s["figure"] is not None]
    fig_b = [s for s in sb if s["figure"] is not None]
    bare_a = [s for s in sa if s["bare"]]
    bare_b = [s for s in sb if s["bare"]]
    for side, found in (("A", sa), ("B", sb)):
        labels = ", ".join(f"{s['label']} ({s['kind']})" for s in found)
        checks.append(f"{side} sliders found: {labels or 'none'}")
    name = PANELS[key][2]
    if fig_a and fig_b:
        got = measure_pair(page, fig_a[0], fig_b[0], presses, rnd)
        results.append((f"{name}: {fig_b[0]['label']}", got))
    if bare_a and bare_b:
        got = measure_pair(page, bare_a[0], bare_b[0], presses, rnd)
        results.append((f"{name}: bare round trip", got))
    for side, p in (("A", pa), ("B", pb)):
        out = page.kernel_eval(p, TIMINGS_CODE).split()
        try:
            timings.append((name, side, int(out[0]), float(out[1]), float(out[2])))
        except (IndexError, ValueError):
            timings.append((name, side, 0, float("nan"), float("nan")))
    for p in (pb, pa):
        page.close_notebook(p)


def report(lines, results, checks, timings, args) -> list[str]:
    lines = list(lines)
    lines += [
        f"  presses per side and row: {args.presses}, in rounds of {args.round} "
        f"(A then B), devicePixelRatio {args.device_scale_factor:g}",
        "  A = shipped ipympl panels (git 74e13bd, imported as dlcore_shipped, "
        "ipympl " + benchlib.ver("ipympl") + ")",
        "  B = dlcore.live (anywidget canvas, FigureWidget)",
        "  A and B: two notebooks side by side in one JupyterLab page, one kernel "
        "each (the shipped code patches its kernel: kept out of B's)",
        "",
        "What each kernel had loaded (checked after Run All):",
        *[f"  {c}" for c in checks],
        "",
        "Key press → frame on screen (ms; medians and p95 over the presses):",
        f"{'row':44} {'A p50':>7} {'A p95':>7} {'n':>6}  {'B p50':>7} "
        f"{'B p95':>7} {'n':>6}  {'B/A p50':>7}  {'sock A':>6} {'sock B':>6}",
    ]
    for label, got in results:
        (sa, wa, ma), (sb, wb, mb) = got["A"], got["B"]
        a50, b50 = pct(sa, 0.5), pct(sb, 0.5)
        lines.append(
            f"{label[:44]:44} {fmt(a50, '7.1f')} {fmt(pct(sa, 0.95), '7.1f')} "
            f"{len(sa):>3}/{len(sa) + ma:<2}  {fmt(b50, '7.1f')} "
            f"{fmt(pct(sb, 0.95), '7.1f')} {len(sb):>3}/{len(sb) + mb:<2}  "
            f"{fmt(b50 / a50 if a50 else None, '6.2f')}×  "
            + ("" if "bare" in label else f"{fmt(pct(wa, 0.5), '6.1f')} ")
            + ("" if "bare" in label else f"{fmt(pct(wb, 0.5), '6.1f')}")
        )
    bare = {lab.split(":")[0]: got for lab, got in results if "bare" in lab}
    lines += [
        "",
        "Each panel row as a ratio to the bare round trip of the same kernel:",
    ]
    for label, got in results:
        nb = label.split(":")[0]
        if "bare" in label or nb not in bare:
            continue
        ra = pct(got["A"][0], 0.5) / pct(bare[nb]["A"][0], 0.5)
        rb = pct(got["B"][0], 0.5) / pct(bare[nb]["B"][0], 0.5)
        lines.append(f"  {label[:44]:44} A {ra:5.2f}×   B {rb:5.2f}×")
    lines += [
        "",
        "  n: presses that produced a repaint / presses (a press can leave the",
        "     value unchanged: BetaSlider rounds 1 − β to 2 significant digits)",
        "  sock: p50 ms from the key press to the frame's message (≥ 4 KiB) on",
        "     the page's WebSocket",
        "",
        "In the kernel (Panel.timings, p50 ms per render, first render left out;",
        "  compute: the jitted numerics; draw: update + repaint + frame encoded",
        "  and sent + readout, in both A and B):",
    ]
    for name, side, n, comp, draw in timings:
        lines.append(
            f"  {name[:36]:36} {side}  renders {n:4d}  compute {fmt(comp, '6.1f')}  "
            f"draw {fmt(draw, '6.1f')}"
        )
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presses", type=int, default=40, help="per side and row")
    ap.add_argument("--round", type=int, default=5, help="presses per turn")
    ap.add_argument("--panels", nargs="*", default=list(PANELS), choices=list(PANELS))
    ap.add_argument("--device-scale-factor", type=float, default=1.0)
    args = ap.parse_args(argv)
    os.environ.setdefault("DLCORE_COMPILE_CACHE", "off")  # the kernels inherit it

    head = benchlib.header(
        "A/B: shipped ipympl panels (A) vs dlcore.live canvas (B), one page",
        (
            "jupyterlab",
            "ipywidgets",
            "anywidget",
            "ipympl",
            "matplotlib",
            "jax",
            "isal",
            "playwright",
        ),
    )
    print("\n".join(head), flush=True)
    t_start = time.monotonic()
    results, checks, timings = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
        shipped = Path(tmp) / "shipped"
        shipped.mkdir()
        fetch_shipped(shipped)
        extra = {}
        for key in args.panels:
            module, factory, _nb = PANELS[key]
            for side, nb in notebooks(shipped, module, factory).items():
                extra[f"ab/{key}_{side}.ipynb"] = nb
        with (
            LabServer(extra=extra) as lab,
            ChromiumBrowser(
                device_scale_factor=args.device_scale_factor, viewport=(2600, 1100)
            ) as browser,
        ):
            page = LabPage(browser, lab)
            for key in args.panels:
                run_panel(page, key, args.presses, args.round, results, checks, timings)
            errors = [c for c in page.console if "error" in c.lower()]
    lines = report(head, results, checks, timings, args)
    lines += [
        "",
        f"  load average at end: {benchlib.loadavg()}",
        f"  wall time: {time.monotonic() - t_start:.0f} s",
    ]
    if errors:
        lines += ["  page errors:", *[f"    {e[:200]}" for e in errors[:10]]]
    text = "\n".join(lines)
    path = benchlib.write_results("bench_ab.txt", text)
    print("\n".join(lines[len(head) :]))
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
