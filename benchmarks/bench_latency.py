"""Slider → frame latency of every notebook in JupyterLab + Chromium.

Not a test: it writes one table and exits 0. See benchmarks/README.md
("Slider latency in the browser").

For every visible slider of every notebook in ``notebooks/`` (Run All first,
exercises not done), at each page devicePixelRatio of ``--ratios`` (default
1 and 2; a fresh Chromium launched at that ratio for each, all notebooks run
again; the figures render at dpi × ratio, and the run notes any figure whose
canvas is not at the page's ratio):

- key press → frame: ``--presses`` arrow-key presses (default 30), each once
  the kernel is idle and the page quiet, so presses are independent; p50 and
  p95 of the time from the ``keydown`` to the first animation frame after the
  slider's figure repainted (``figure.js`` sets ``canvas.dataset.seq`` after
  each ``putImageData``; see ``benchlib.py``). A slider with no figure of ours
  in its output is timed to its output's next change (an inline image, text);
- drag: from the low end, ``ArrowRight`` every ~16 ms for ``--drag-seconds``
  (a slider with fewer steps gets them spread over the time); ``drag`` is the
  time from the last ``keydown`` to the frame showing the last repaint, once
  the page was quiet for 1 s; ``final`` is "ok" when the canvas then shows,
  pixel for pixel, the kernel's current frame (SHA-256 on both sides), else
  "STALE";
- ``× bare``: the row's p50 over the bare widget round trip (an ``IntSlider``
  whose observer sets a ``Label``) measured in the same page at the start and
  at the end of the same ratio's run.

Targets: p50 ≤ 50 ms, p95 ≤ 100 ms, drag ≤ 200 ms, × bare ≤ 1.5.

    python benchmarks/bench_latency.py                      # ~1 h on 2 cores
    python benchmarks/bench_latency.py --presses 10         # ~40 min
    python benchmarks/bench_latency.py --ratios 1 --only 07 08 --no-drag

Output: benchmarks/results/bench_latency.txt (and printed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
from benchlib import ROOT, LabPage, fmt, pct
from harness import NOTEBOOKS_DIR, ChromiumBrowser, LabServer

TARGET_P50, TARGET_P95, TARGET_DRAG, TARGET_BARE = 50.0, 100.0, 200.0, 1.5
BARE_PATH = "bench/bare_round_trip.ipynb"


def measure_slider(page: LabPage, slider: dict, presses: int, drag: float) -> dict:
    samples, _sockets, missed = page.measure_presses(slider, presses)
    row = {
        "notebook": Path(slider["path"]).stem,
        "label": slider["label"],
        "kind": "dlcore" if slider["dlcore"] else slider["kind"],
        "samples": samples,
        "missed": missed,
        "figure_ratio": page.figure_ratio(slider),
        "drag": None,
    }
    if drag > 0:
        row["drag"] = page.drag(slider, drag)
    return row


def bare_samples(page: LabPage, presses: int) -> list[float]:
    page.open(BARE_PATH)
    page.run_all(BARE_PATH)
    slider = page.sliders(BARE_PATH)[0]
    samples, _, _ = page.measure_presses(slider, presses)
    page.close_notebook(BARE_PATH)
    return samples


def run_notebook(page: LabPage, path: str, ratio: float, args, run: dict, log):
    """Run All, then every visible slider: presses, drag."""
    t = time.monotonic()
    try:
        page.open(path)
        page.run_all(path, timeout=args.run_timeout)
    except Exception as exc:  # noted in the results, the run goes on
        run["notes"].append(f"{path}: not run ({type(exc).__name__}: {exc})")
        log(f"  {path}: not run ({type(exc).__name__})")
        return
    sliders = [s for s in page.sliders(path) if s["visible"]]
    skipped = [s["label"] for s in sliders if s["disabled"]]
    if skipped:
        run["notes"].append(f"{path}: disabled sliders skipped: {skipped}")
    for s in sliders:
        if s["disabled"]:
            continue
        row = measure_slider(page, s, args.presses, args.drag_seconds)
        run["rows"].append(row)
        fr = row["figure_ratio"]
        if fr is not None and abs(fr - ratio) > 0.05:
            run["notes"].append(
                f"{path}: {s['label']}: figure at {fr:.2f} device px per CSS px"
            )
        log(
            f"  r={ratio:g} {row['notebook'][:20]}: {row['label']} p50 "
            f"{pct(row['samples'], 0.5):.1f} ms, drag {row['drag']}"
        )
    run["load"].append((Path(path).stem, benchlib.loadavg().split()[0]))
    log(f"  {path}: {len(sliders)} sliders, {time.monotonic() - t:.0f} s")
    page.close_notebook(path)


def run_ratio(lab, ratio: float, paths: list[str], args, log, save) -> dict:
    """Every notebook in a fresh Chromium whose page has devicePixelRatio
    ``ratio``; the bare round trip at the start and at the end."""
    run = {"ratio": ratio, "rows": [], "bare": [], "notes": [], "load": []}
    with ChromiumBrowser(device_scale_factor=ratio, viewport=(1400, 1000)) as browser:
        page = LabPage(browser, lab)
        run["bare"] += bare_samples(page, args.presses)
        log(f"ratio {ratio:g}: bare p50 {pct(run['bare'], 0.5):.1f} ms")
        for path in paths:
            run_notebook(page, path, ratio, args, run, log)
            save(run)  # a partial table, in case the run is cut short
        run["bare"] += bare_samples(page, args.presses)
        errors = [c for c in page.console if "error" in c.lower()]
    run["notes"] += [f"page: {e[:240]}" for e in errors[:20]]
    return run


def _meets(row: dict, bare50: float) -> dict:
    s = row["samples"]
    p50, p95 = pct(s, 0.5), pct(s, 0.95)
    d = row["drag"]
    return {
        "p50": p50 <= TARGET_P50,
        "p95": p95 <= TARGET_P95,
        "drag": None
        if d is None or d["settle"] is None
        else d["settle"] <= TARGET_DRAG,
        "bare": p50 / bare50 <= TARGET_BARE if bare50 else False,
    }


def _ok(flag) -> str:
    return "—" if flag is None else ("ok" if flag else "MISS")


def report(runs: list[dict]) -> list[str]:
    """One row per slider, the ratios side by side, then counts of targets met."""
    lines = []
    keys: list[tuple] = []
    by_ratio = []
    for run in runs:
        table, seen = {}, {}
        for row in run["rows"]:
            k = seen.get((row["notebook"], row["label"]), 0)
            seen[(row["notebook"], row["label"])] = k + 1
            key = (row["notebook"], row["label"], k)
            table[key] = row
            if key not in keys:
                keys.append(key)
        by_ratio.append(table)
    bares = [pct(r["bare"], 0.5) for r in runs]
    lines.append("Bare widget round trip (IntSlider → kernel → Label painted):")
    for run, b in zip(runs, bares, strict=True):
        lines.append(
            f"  devicePixelRatio {run['ratio']:g}: p50 {b:.1f} ms, "
            f"p95 {pct(run['bare'], 0.95):.1f} ms, n {len(run['bare'])}"
        )
    lines.append("")
    cols = " ".join(
        f"| r={r['ratio']:g}: {'p50':>5} {'p95':>5} {'n':>5} {'×bare':>5} "
        f"{'drag':>5} {'final':>5} {'targets':>15}"
        for r in runs
    )
    lines.append(f"{'notebook: slider':40} {'figure':6} {cols}")
    lines.append("-" * len(lines[-1]))
    met = [
        {"all": 0, "rows": 0, "p50": 0, "p95": 0, "drag": 0, "bare": 0} for _ in runs
    ]
    for key in keys:
        nb, label, k = key
        kind = next(t[key]["kind"] for t in by_ratio if key in t)
        parts = []
        for i, (table, bare50) in enumerate(zip(by_ratio, bares, strict=True)):
            row = table.get(key)
            if row is None or not row["samples"]:
                parts.append(f"| {'not measured':>52}")
                continue
            s, d = row["samples"], row["drag"] or {}
            m = _meets(row, bare50)
            met[i]["rows"] += 1
            for name in ("p50", "p95", "drag", "bare"):
                met[i][name] += m[name] is not False
            met[i]["all"] += all(v is not False for v in m.values())
            flags = " ".join(_ok(m[n]) for n in ("p50", "p95", "drag", "bare"))
            n = f"{len(s)}/{len(s) + row['missed']}"
            parts.append(
                f"| {'':5} {fmt(pct(s, 0.5), '5.0f')} {fmt(pct(s, 0.95), '5.0f')} "
                f"{n:>5} {fmt(pct(s, 0.5) / bare50, '5.2f')} "
                f"{fmt(d.get('settle'), '4.0f')}{'*' if d.get('unchanged') else ' '}"
                f"{'ok' if d.get('final') == 'correct' else d.get('final', '—'):>5} "
                f"{flags:>15}"
            )
        name = f"{nb[:2]}: {label}" + (f" (#{k + 1})" if k else "")
        lines.append(f"{name[:40]:40} {kind:6} {' '.join(parts)}")
    lines += [
        "",
        "  figure: dlcore = our canvas (FigureWidget); img/text = no figure of ours",
        "    in the slider's output (timed to the output's next image or text)",
        "  n: presses that produced a repaint / presses; ×bare: p50 / bare p50",
        "  drag: ms from the last key of a 2 s drag to the frame of the last repaint;",
        "    0* = the last keys left the value unchanged (e.g. BetaSlider rounding)",
        "  final: ok = the page shows the kernel's current frame; STALE = it does not",
        "  targets: p50 ≤ 50, p95 ≤ 100, drag ≤ 200 ms, ×bare ≤ 1.5 (— = not measured)",
        "",
        "Rows meeting each target (of the rows measured):",
    ]
    for run, m in zip(runs, met, strict=True):
        lines.append(
            f"  devicePixelRatio {run['ratio']:g}: all four {m['all']}/{m['rows']}; "
            f"p50 {m['p50']}, p95 {m['p95']}, drag {m['drag']}, ×bare {m['bare']}"
        )
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presses", type=int, default=30, help="presses per slider")
    ap.add_argument("--ratios", type=float, nargs="+", default=[1.0, 2.0])
    ap.add_argument("--drag-seconds", type=float, default=2.0)
    ap.add_argument("--no-drag", action="store_true")
    ap.add_argument("--only", nargs="*", help="notebooks whose name contains one")
    ap.add_argument("--run-timeout", type=float, default=900, help="Run All, s")
    ap.add_argument("--json", type=Path, help="also write the raw samples here")
    ap.add_argument(
        "--output", default="bench_latency.txt", help="file name in benchmarks/results"
    )
    args = ap.parse_args(argv)
    if args.no_drag:
        args.drag_seconds = 0.0
    os.environ.setdefault("DLCORE_COMPILE_CACHE", "off")  # the kernels inherit it

    head = benchlib.header(
        "Slider key press → frame on screen, every notebook (ms)",
        ("jupyterlab", "ipywidgets", "anywidget", "matplotlib", "jax", "playwright"),
    )
    head.append(
        f"  presses per slider: {args.presses}; drag: "
        + (f"{args.drag_seconds:g} s" if args.drag_seconds else "not measured")
        + f"; devicePixelRatio: {', '.join(f'{r:g}' for r in args.ratios)}"
    )
    print("\n".join(head), flush=True)
    paths = [
        f"notebooks/{p.name}"
        for p in sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
        if not args.only or any(o in p.name for o in args.only)
    ]
    t_start = time.monotonic()

    def log(msg: str) -> None:
        print(f"[{time.monotonic() - t_start:5.0f} s] {msg}", flush=True)

    runs: list[dict] = []

    def save(current: dict) -> None:
        partial = [*runs, current]
        text = "\n".join([*head, "  (partial: the run was still going)", ""])
        benchlib.write_results(args.output, text + "\n".join(report(partial)))

    extra = {BARE_PATH: benchlib.notebook(benchlib.BARE_CELL)}
    with LabServer({"notebooks": NOTEBOOKS_DIR}, extra=extra) as lab:
        for r in args.ratios:
            runs.append(run_ratio(lab, r, paths, args, log, save))
    lines = [*head, "", *report(runs)]
    lines.append("")
    for run in runs:
        loads = ", ".join(f"{nb[:2]} {load}" for nb, load in run["load"])
        lines.append(f"  load (1 min) after each notebook, r={run['ratio']:g}: {loads}")
        lines += [f"  note (r={run['ratio']:g}): {n}" for n in run["notes"]]
    lines += [
        f"  load average at end: {benchlib.loadavg()}",
        f"  wall time: {time.monotonic() - t_start:.0f} s",
    ]
    text = "\n".join(lines)
    path = benchlib.write_results(args.output, text)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    print("\n".join(lines[len(head) :]))
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
