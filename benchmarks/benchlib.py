"""Shared pieces of the browser benchmarks (bench_ab.py, bench_latency.py).

- :func:`header`: the machine (CPU model, cores), load average, versions and
  date, as lines for the top of a results file.
- :data:`PROBES_JS`: the benchmarks' own page probes, added as a Chromium
  init script next to the browser test's (``tests/browser/harness.py`` is
  used only for ``LabServer`` and ``ChromiumBrowser``). They timestamp, with
  the page's clock ``performance.now()``:

  * key presses: the ``timeStamp`` of each trusted ``keydown``, seen in the
    capture phase;
  * repaints of a dlcore figure (``.dlcore-figure``, one ``<canvas>``):
    ``figure.js`` sets ``canvas.dataset.seq`` right after each
    ``putImageData``, seen by a ``MutationObserver`` on ``data-seq``;
  * repaints of an ipympl figure (``.jupyter-matplotlib-figure``, the shipped
    code of bench_ab's variant A): ``drawImage``/``putImageData`` of a kernel
    image into its first ``<canvas>``;
  * changed text or an added and decoded ``<img>`` in an output area (a label
    of the bare widget round trip, an inline figure);
  * messages on the page's WebSockets (the kernel's channel): when the first
    large one (≥ 4 KiB, the frame) arrived after a press, and when the last
    message of any size arrived, for "the page is quiet".

  A measurement's end is the first ``requestAnimationFrame`` after the
  repaint: the frame that shows it.
- :class:`LabPage`: one JupyterLab page holding one or more notebooks (split
  side by side), each with its own kernel: open, Run All, find the sliders
  and their figures, press keys, measure.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import harness  # noqa: E402  (LabServer, ChromiumBrowser, KERNELSPEC)

# --------------------------------------------------------------------------
# Machine, versions, statistics
# --------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def ver(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def chromium_version() -> str:
    exe = harness.find_chromium()
    try:
        out = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError, TypeError):
        return "chromium ?"
    return out.strip().splitlines()[-1] if out.strip() else "chromium ?"


def header(title: str, packages: tuple[str, ...], browser: bool = True) -> list[str]:
    """Lines describing the run: title, date, machine, versions, load."""
    vers = ", ".join(f"{p} {ver(p)}" for p in packages)
    lines = [
        title,
        f"  date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"  machine: {cpu_model()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        f"  versions: {vers}",
    ]
    if browser:
        lines.append(f"  browser: {chromium_version()}")
    lines.append(f"  load average (1, 5, 15 min) at start: {loadavg()}")
    return lines


def pct(xs, q: float) -> float:
    """The q-quantile of xs, linear between order statistics (nan if empty)."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def fmt(x, spec: str = "6.1f") -> str:
    width = int(spec.split(".")[0] or 0)
    if x is None or x != x:
        return "—".rjust(width)
    return format(x, spec)


def write_results(name: str, text: str) -> Path:
    """Write ``text`` to benchmarks/results/<name> and return the path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(text.rstrip("\n") + "\n")
    return path


def notebook(*cells: str) -> dict:
    """A notebook (nbformat 4) with one code cell per string."""
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{i}",
                "metadata": {},
                "outputs": [],
                "source": src,
            }
            for i, src in enumerate(cells)
        ],
        "metadata": {"kernelspec": dict(harness.KERNELSPEC)},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def panel_notebook(module: str, factory: str) -> dict:
    """``panel = factory()`` of ``dlcore.live.panels.<module>``, shown, then
    the bare round trip (:data:`BARE_CELL`)."""
    return notebook(
        f"%matplotlib inline\nfrom dlcore.live.panels.{module} import {factory}",
        f"panel = {factory}()\npanel",
        BARE_CELL,
    )


# The panels the A/B and stage benchmarks measure: name -> (module of
# dlcore.live.panels, factory, the notebook it comes from).
PANELS = {
    "ewa": ("ewa", "ewa_panel", "07 EWA"),
    "optimizers": ("optimizers", "optimizer_panel", "08 optimizers"),
}

# Run in a notebook's kernel: renders, then p50 compute and draw ms of
# ``panel.timings`` (the first render left out).
TIMINGS_CODE = """\
import numpy as _np
_t = _np.array(list(panel.timings)[1:], float)
print(len(_t), *(_np.median(_t, axis=0) if len(_t) else [float("nan")] * 2))
"""

# A label whose text follows an IntSlider: slider -> kernel -> label painted.
BARE_CELL = """\
import ipywidgets as widgets
n = widgets.IntSlider(0, min=0, max=1000, description="bare n")
label = widgets.Label("0")
label.add_class("bench-bare-label")
n.observe(lambda ch: setattr(label, "value", str(ch["new"])), "value")
widgets.HBox([n, label])"""

# --------------------------------------------------------------------------
# Page probes
# --------------------------------------------------------------------------

PROBES_JS = r"""
(() => {
  if (window.__bench) return;
  const B = window.__bench = {lastPaint: 0, lastWs: 0, lastKey: null, m: null};
  const now = () => performance.now();
  const nextFrame = () => new Promise(r => requestAnimationFrame(() => r(now())));

  // A repaint of the measured target: the first one after the key press ends
  // the measurement (t1, then t2 = its frame); later ones (a drag) are
  // counted and the frame of the latest is kept (lastFrame).
  function repaint(el, kind) {
    const t = now();
    B.lastPaint = t;
    el.__benchPaints = (el.__benchPaints || 0) + 1;
    const m = B.m;
    if (!m || m.t0 === null || m.kind !== kind) return;
    if (m.target && !(m.target === el || m.target.contains(el))) return;
    m.n += 1; m.last = t;
    const k = m.n;
    nextFrame().then(t2 => { if (m.n === k) m.lastFrame = t2; });
    if (m.t1 === null) {
      m.t1 = t;
      nextFrame().then(t2 => { m.t2 = t2; m.resolve(m); });
    }
  }

  // ipympl (the shipped code): a kernel image drawn into the figure's canvas,
  // directly or through ipympl's off-screen canvas.
  const IPYMPL = '.jupyter-matplotlib-figure';
  for (const name of ['drawImage', 'putImageData']) {
    const orig = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...args) {
      const r = orig.apply(this, args);
      const c = this.canvas, src = args[0];
      const decoded = src instanceof HTMLImageElement ||
        (typeof ImageBitmap !== 'undefined' && src instanceof ImageBitmap);
      if (c && !c.isConnected && (decoded || name === 'putImageData')) {
        c.__benchHasImage = true;
      } else if (c && c.isConnected && c.closest(IPYMPL) &&
                 (name === 'putImageData' || decoded ||
                  (src && src.__benchHasImage))) {
        repaint(c, 'canvas');
      }
      return r;
    };
  }

  // dlcore figures (data-seq), label text and inline images.
  const obs = new MutationObserver((records) => {
    for (const rec of records) {
      const n = rec.target;
      if (rec.type === 'attributes') {
        if (n.tagName === 'CANVAS' && n.closest('.dlcore-figure')) repaint(n, 'canvas');
        continue;
      }
      const el = n.nodeType === 1 ? n : n.parentElement;
      if (!el || el.closest('.widget-slider')) continue;  // the slider's readout
      repaint(el, 'text');
      for (const a of rec.addedNodes) {
        if (a.nodeType !== 1) continue;
        const imgs = a.tagName === 'IMG' ? [a] : a.querySelectorAll('img');
        for (const img of imgs) {
          img.decode().then(() => repaint(img, 'img'), () => repaint(img, 'img'));
        }
      }
    }
  });
  const start = () => obs.observe(document.body, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['data-seq'],
  });
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);

  window.addEventListener('keydown', (e) => {
    B.lastKey = e.timeStamp;
    const m = B.m;
    if (m && m.t0 === null) m.t0 = e.timeStamp;
    if (m) m.lastKey = e.timeStamp;
  }, true);

  // WebSocket messages: quiet detection, and the frame's arrival (tWs).
  const size = d => (typeof d === 'string' ? d.length : (d.byteLength || d.size || 0));
  const onWs = (ev) => {
    B.lastWs = now();
    const m = B.m;
    if (m && m.t0 !== null && m.t1 === null && m.tWs === null &&
        size(ev.data) >= 4096) m.tWs = ev.timeStamp;
  };
  const add = WebSocket.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type, fn, ...rest) {
    if (type === 'message' && !this.__benchWs) {
      this.__benchWs = true;
      add.call(this, 'message', onWs);
    }
    return add.call(this, type, fn, ...rest);
  };
  const onmsg = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    get() { return onmsg.get.call(this); },
    set(fn) {
      if (!this.__benchWs) { this.__benchWs = true; add.call(this, 'message', onWs); }
      onmsg.set.call(this, fn);
    },
  });

  B.arm = (kind, target, timeoutMs) => {
    const m = {kind, target, t0: null, t1: null, t2: null, n: 0, last: null,
               lastFrame: null, lastKey: null, tWs: null, timeout: false};
    m.done = new Promise(res => { m.resolve = res; });
    if (timeoutMs) setTimeout(() => { m.timeout = true; m.resolve(m); }, timeoutMs);
    B.m = m;
    return true;
  };
  B.result = () => {
    const m = B.m;
    return m && {t0: m.t0, t1: m.t1, t2: m.t2, n: m.n, last: m.last,
                 lastFrame: m.lastFrame, lastKey: m.lastKey, tWs: m.tWs,
                 timeout: m.timeout};
  };
})();
"""

# SHA-256 of the current pixels of every live figure in the kernel (found by
# the garbage collector: panels made inside functions are not in the
# namespace), without drawing anything.
KERNEL_DIGESTS_CODE = """\
import gc as _gc, hashlib as _hl
import numpy as _np
from dlcore.live.figure import FigureWidget as _FW
print(*(_hl.sha256(_np.asarray(_w.fig.canvas.buffer_rgba()).tobytes()).hexdigest()
        for _w in _gc.get_objects() if isinstance(_w, _FW)))
"""

# the rest of an async function body: SHA-256 (hex) of canvas c's RGBA rows
DIGEST_JS = (
    " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);"
    " const h = new Uint8Array(await crypto.subtle.digest('SHA-256', d.data));"
    " return Array.from(h, b => b.toString(16).padStart(2, '0')).join(''); }"
)

PANEL_BY_PATH_JS = r"""
(path) => {
  for (const w of window.jupyterapp.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.sessionContext) return w;
  }
  return null;
}
"""

KERNELS_JS = (
    "() => { const out = [];"
    " for (const w of window.jupyterapp.shell.widgets('main')) {"
    "  if (!w.sessionContext) continue;"
    "  const k = w.sessionContext.session && w.sessionContext.session.kernel;"
    "  const busy = Array.from(w.node.querySelectorAll('.jp-InputPrompt'))"
    "    .filter(e => e.textContent.includes('*')).length;"
    "  out.push({ready: w.sessionContext.isReady, status: k ? k.status : null,"
    "            busy}); }"
    " const B = window.__bench;"
    " return {kernels: out, lastPaint: B.lastPaint, lastWs: B.lastWs,"
    "         now: performance.now()}; }"
)

# Tags the sliders and figures of one notebook with data-bench-* ids (unique
# in the page) and pairs each slider with its figure: the nearest figure after
# it in the same output area, else the nearest before it, else none.
DISCOVER_JS = r"""
([path, first]) => {
  const find = new Function('path', 'return (' + %PANEL% + ')(path)');
  const p = find(path);
  const visible = el => !!(el.offsetParent || el.getClientRects().length);
  const figs = Array.from(p.node.querySelectorAll(
    '.dlcore-figure > canvas, .jupyter-matplotlib-canvas-div > canvas:first-of-type'));
  figs.forEach((c, j) => c.setAttribute('data-bench-fig', path + '#' + j));
  const sliders = Array.from(p.node.querySelectorAll('.widget-slider'))
    .filter(s => s.querySelector('.noUi-handle'));
  return sliders.map((s, i) => {
    const id = first + i;
    s.setAttribute('data-bench-slider', String(id));
    const h = s.querySelector('.noUi-handle');
    const label = ((s.querySelector('.widget-label') || {}).textContent || '').trim();
    const area = s.closest('.jp-OutputArea') || s.closest('.jp-Cell');
    const inArea = figs.filter(c => area && area.contains(c));
    const after = inArea.filter(c =>
      s.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING);
    const before = inArea.filter(c =>
      s.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_PRECEDING);
    const fig = after.length ? after[0] : (before.length ? before.at(-1) : null);
    const bare = area ? area.querySelector('.bench-bare-label') : null;
    const disabled = h.getAttribute('aria-disabled') === 'true' ||
      s.querySelector('[disabled]') !== null;
    return {id, label, visible: visible(h), disabled,
            figure: fig ? fig.getAttribute('data-bench-fig') : null,
            kind: fig ? 'canvas' : (bare ? 'text' : 'img'),
            dlcore: !!(fig && fig.closest('.dlcore-figure')),
            bare: !!bare};
  });
}
""".replace("%PANEL%", json.dumps(PANEL_BY_PATH_JS))

SLIDER_API_JS = r"""
(id) => {
  const t = document.querySelector(`[data-bench-slider="${id}"] .noUi-target`);
  const api = t && t.noUiSlider;
  if (!api) return null;
  const num = v => parseFloat(Array.isArray(v) ? v[0] : v);
  const r = api.options.range;
  return {value: num(api.get()), min: num(r.min), max: num(r.max),
          step: api.options.step || null};
}
"""


def target_js(slider: dict) -> str:
    """A JS expression for the element whose repaint a press of ``slider`` waits
    for: its figure's canvas, the bare label, or its output area (images)."""
    if slider["figure"] is not None:
        sel = json.dumps(f'[data-bench-fig="{slider["figure"]}"]')
        return f"document.querySelector({sel})"
    area = (
        f"document.querySelector('[data-bench-slider=\"{slider['id']}\"]')"
        ".closest('.jp-OutputArea')"
    )
    if slider["bare"]:
        return f"{area}.querySelector('.bench-bare-label')"
    return area


# --------------------------------------------------------------------------
# One JupyterLab page
# --------------------------------------------------------------------------


class LabPage:
    """A JupyterLab page of ``lab`` in ``browser``, with PROBES_JS installed.

    :meth:`open` loads JupyterLab afresh with one notebook, or with
    ``split=True`` opens another beside it. Every notebook has its own kernel.
    """

    def __init__(self, browser, lab):
        self.lab = lab
        browser.context.add_init_script(PROBES_JS)
        self.page = browser.new_page()
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.console.append(f"{m.type}: {m.text}")
                if m.type == "error"
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self._sliders = 0
        self.paths: list[str] = []

    def figure_ratio(self, slider: dict) -> float | None:
        """Device pixels per CSS pixel of the slider's figure canvas."""
        if slider["figure"] is None:
            return None
        return self.page.evaluate(
            f"() => {{ const c = {target_js(slider)};"
            " const w = c.getBoundingClientRect().width;"
            " return w ? c.width / w : null; }"
        )

    def _panel(self, path: str) -> str:
        return f"({PANEL_BY_PATH_JS})({json.dumps(path)})"

    def open(self, path: str, split: bool = False, timeout: float = 120) -> None:
        page = self.page
        if not split:  # a fresh JupyterLab app showing this notebook only
            page.goto(self.lab.lab_url(path), wait_until="domcontentloaded")
            self.paths = []
        else:
            page.evaluate(
                "([path, mode]) => window.jupyterapp.commands.execute("
                "'docmanager:open', {path, options: mode ? {mode} : {}})",
                [path, "split-right" if split else None],
            )
        page.wait_for_function(
            f"() => {{ try {{ const p = {self._panel(path)};"
            " return p && p.context.isReady && p.sessionContext.isReady &&"
            " p.sessionContext.session && p.sessionContext.session.kernel &&"
            " p.sessionContext.session.kernel.status === 'idle'; }"
            " catch (e) { return false; } }",
            timeout=timeout * 1000,
            polling=250,
        )
        self.paths.append(path)
        if not split:
            page.evaluate("() => window.jupyterapp.shell.collapseLeft()")

    def close_notebook(self, path: str) -> None:
        """Shut the notebook's kernel down and close its tab."""
        self.page.evaluate(
            f"async () => {{ const p = {self._panel(path)}; if (!p) return;"
            " await p.sessionContext.shutdown(); p.close(); }"
        )
        self.paths.remove(path)

    def run_all(self, path: str, timeout: float = 900) -> float:
        """Run All in ``path``'s notebook; seconds until its cells finished."""
        t0 = time.monotonic()
        self.page.evaluate(
            f"() => {{ const p = {self._panel(path)};"
            " window.jupyterapp.shell.activateById(p.id); p.content.node.focus(); }"
        )
        self.page.wait_for_function(
            f"() => window.jupyterapp.shell.currentWidget === {self._panel(path)}",
            timeout=30_000,
        )
        self.page.evaluate(
            "() => { window.__bench.runDone = false;"
            " window.jupyterapp.commands.execute('notebook:run-all-cells')"
            "  .finally(() => { window.__bench.runDone = true; }); }"
        )
        self.page.wait_for_function(
            "() => window.__bench.runDone", timeout=timeout * 1000, polling=200
        )
        self.wait_quiet(700, timeout=120)
        return time.monotonic() - t0

    def kernel_eval(self, path: str, code: str, timeout: float = 60) -> str:
        """Run ``code`` in ``path``'s kernel (not in a cell); its stdout."""
        return self.page.evaluate(
            f"""async ([code, ms]) => {{
              const k = {self._panel(path)}.sessionContext.session.kernel;
              const fut = k.requestExecute({{code, silent: false,
                                             store_history: false}});
              let out = '';
              fut.onIOPub = (msg) => {{
                const t = msg.header.msg_type;
                if (t === 'stream') out += msg.content.text;
                if (t === 'error') out += msg.content.ename + ': ' + msg.content.evalue;
              }};
              await Promise.race([fut.done, new Promise(r => setTimeout(r, ms))]);
              return out;
            }}""",
            [code, timeout * 1000],
        )

    def wait_quiet(
        self, quiet_ms: float = 300, timeout: float = 60, since: float | None = None
    ) -> None:
        """Every kernel idle, no running cell, and no repaint and no WebSocket
        message for ``quiet_ms`` (and, with ``since``, something after it or
        3 s passed)."""
        t_start = time.monotonic()
        deadline = t_start + timeout
        while time.monotonic() < deadline:
            st = self.page.evaluate(KERNELS_JS)
            last = max(st["lastPaint"], st["lastWs"])
            started = since is None or last > since or time.monotonic() - t_start > 3
            idle = all(k["status"] == "idle" and not k["busy"] for k in st["kernels"])
            if started and idle and st["now"] - last >= quiet_ms:
                return
            time.sleep(0.03)

    def sliders(self, path: str) -> list[dict]:
        found = self.page.evaluate(DISCOVER_JS, [path, self._sliders])
        self._sliders += len(found)
        for s in found:
            s["path"] = path
        return found

    def slider_state(self, slider: dict) -> dict | None:
        return self.page.evaluate(SLIDER_API_JS, slider["id"])

    def handle(self, slider: dict):
        return self.page.locator(f'[data-bench-slider="{slider["id"]}"] .noUi-handle')

    def focus(self, slider: dict) -> None:
        h = self.handle(slider).first
        h.scroll_into_view_if_needed()
        h.focus()

    def direction(self, slider: dict, key: str) -> str:
        """``key``, turned around at the slider's ends."""
        st = self.slider_state(slider)
        if st is None:
            return key
        span = st["max"] - st["min"]
        step = st["step"] or span / 100
        if key == "ArrowRight" and st["value"] + step > st["max"] + 1e-9 * span:
            return "ArrowLeft"
        if key == "ArrowLeft" and st["value"] - step < st["min"] - 1e-9 * span:
            return "ArrowRight"
        return key

    def press(self, slider: dict, key: str, timeout_ms: float = 3000) -> dict:
        """One key press -> the frame showing the repaint of its target.

        Returns the probe's record: t0 (keydown), t1 (repaint), t2 (its frame),
        tWs (first large WebSocket message), timeout.
        """
        self.focus(slider)
        self.page.evaluate(
            f"() => window.__bench.arm({json.dumps(slider['kind'])}, "
            f"{target_js(slider)}, {timeout_ms})"
        )
        self.page.keyboard.press(key)
        self.page.evaluate("async () => { await window.__bench.m.done; }")
        m = self.page.evaluate("() => window.__bench.result()")
        self.page.evaluate("() => { window.__bench.m = null; }")
        return m

    def measure_presses(self, slider: dict, n: int) -> tuple[list[float], list, int]:
        """``n`` presses, each once the page is quiet: (ms key -> frame,
        ms key -> frame message on the socket, presses without a repaint)."""
        samples, sockets, missed = [], [], 0
        key = "ArrowRight"
        for _ in range(n):
            key = self.direction(slider, key)
            m = self.press(slider, key)
            if m["timeout"] or m["t2"] is None or m["t0"] is None:
                missed += 1
            else:
                samples.append(m["t2"] - m["t0"])
                if m["tWs"] is not None:
                    sockets.append(m["tWs"] - m["t0"])
            self.wait_quiet(150, timeout=60, since=m["t0"])
        return samples, sockets, missed

    def final_frame(self, slider: dict, timeout: float = 10.0) -> str:
        """ "correct" once the slider's canvas shows a frame the kernel holds
        now (the page may still be painting), "STALE" if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            page = self.page.evaluate(
                f"async () => {{ const c = {target_js(slider)};" + DIGEST_JS
            )
            kernel = self.kernel_eval(slider["path"], KERNEL_DIGESTS_CODE).split()
            if page in kernel:
                return "correct"
            if time.monotonic() > deadline:
                return "STALE"
            time.sleep(0.3)

    def drag(self, slider: dict, seconds: float = 2.0, interval_ms: float = 16) -> dict:
        """From the low end (Home), ArrowRight every ~16 ms for ``seconds`` (a
        slider with fewer steps than fit gets them spread over the time), then
        release. ``settle``: last keydown -> the frame of the last repaint,
        once nothing happened for 1 s. ``final``: "correct" if the canvas
        then shows, pixel for pixel, the kernel's current frame of one of
        its figures (SHA-256 of the RGBA rows on both sides), else "STALE";
        None for a slider without a figure of ours."""
        page = self.page
        st = self.slider_state(slider)
        self.focus(slider)
        page.keyboard.press("Home")
        since = page.evaluate("() => window.__bench.lastKey")
        self.wait_quiet(400, timeout=60, since=since)
        fit = max(1, int(seconds * 1000 / interval_ms))
        steps = fit
        if st and st["step"]:
            steps = min(fit, max(1, round((st["max"] - st["min"]) / st["step"])))
        gap = seconds / steps
        page.evaluate(
            f"() => window.__bench.arm({json.dumps(slider['kind'])}, "
            f"{target_js(slider)}, 0)"
        )
        t = time.monotonic()
        for _ in range(steps):
            page.keyboard.press("ArrowRight")
            t += gap
            time.sleep(max(0.0, t - time.monotonic()))
        self.wait_quiet(1000, timeout=120)
        m = page.evaluate("() => window.__bench.result()")
        page.evaluate("() => { window.__bench.m = null; }")
        settle, unchanged = None, False
        if m["lastFrame"] is not None and m["lastKey"] is not None:
            settle = m["lastFrame"] - m["lastKey"]
            unchanged = m["last"] < m["lastKey"]
            if unchanged:  # the last keys left the value as it was on screen
                settle = 0.0
        final = self.final_frame(slider) if slider["figure"] is not None else None
        return {
            "presses": steps,
            "frames": m["n"],
            "settle": settle,
            "unchanged": unchanged,
            "final": final,
        }
