"""Drive the course notebooks in a real JupyterLab (or Notebook 7) + Chromium.

Shared by ``tests/browser/test_notebooks_in_browser.py`` (Run All, move every
slider, check that the figure's pixels change), ``tests/browser/
test_figure_frames.py`` (the page's pixels against the kernel's frame) and
``benchmarks/bench_latency.py`` (slider key press → repaint, measured inside
the page).

Pieces, each a context manager that cleans up after itself even on failure:

``LabServer``
    JupyterLab (``app="lab"``) or Jupyter Notebook 7 (``app="notebook"``) on
    127.0.0.1, a free port and a random token, serving a temporary copy of
    the notebooks (saved state never touches the repo), with temporary
    config, data, runtime, settings and workspace directories. User settings
    turn notebook windowing off (every cell stays in the DOM), and autosave,
    news and update checks off. ``expose_app_in_browser`` makes
    ``window.jupyterapp`` available to run commands (both front ends have it).
``ChromiumBrowser``
    Debian's ``chromium`` (``shutil.which("chromium")``) launched by
    Playwright for Python with a fresh ``--user-data-dir`` and a chosen
    ``device_scale_factor`` (the page's devicePixelRatio). Playwright's own
    browser download is not used. An init script (``PAGE_PROBES_JS``) hooks
    ``CanvasRenderingContext2D.putImageData`` and listens to ``keydown`` in
    the capture phase, so key presses and repaints are timestamped with the
    same clock, ``performance.now()``.
``NotebookSession``
    One notebook in one page: open, wait for the kernel, Run All, collect
    errors, find sliders and their figures, move sliders, click on figures,
    hash canvases (and the kernel's frames), take screenshots, measure
    latencies.

How a repaint is detected. A live figure is ``dlcore.live.figure.
FigureWidget``: its view is an element of class ``dlcore-figure`` holding
one ``<canvas>``; each frame from the kernel is decoded and painted with
``putImageData`` on that visible canvas, which then carries the frame's
sequence number in ``canvas.dataset.seq``. The probe counts a *paint* when a
connected canvas inside ``.dlcore-figure`` receives ``putImageData``;
"repainted" is the first ``requestAnimationFrame`` after that, i.e. the frame
that shows it. Inline images (``%matplotlib inline``) are caught by a
``MutationObserver`` on added ``<img>`` elements, then ``img.decode()`` and
the next frame. Label text changes are caught the same way (the bare widget
round trip).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = ROOT / "notebooks"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]

KERNELSPEC = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}

# JupyterLab user settings written into the temporary settings dir.
LAB_SETTINGS = {
    # Windowing keeps only visible cells in the DOM; we need all of them.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {
        "autosave": False,
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _lab_args(workspaces: Path, settings: Path) -> list[str]:
    return [
        f"--LabApp.workspaces_dir={workspaces}",
        f"--LabApp.user_settings_dir={settings}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]


def _notebook_args(workspaces: Path, settings: Path) -> list[str]:
    return [
        f"--JupyterNotebookApp.workspaces_dir={workspaces}",
        f"--JupyterNotebookApp.user_settings_dir={settings}",
        "--JupyterNotebookApp.expose_app_in_browser=True",
    ]


# The two front ends: the module started with ``python -m`` and its options.
APPS = {
    "lab": {"module": "jupyterlab", "args": _lab_args, "log": "jupyterlab.log"},
    "notebook": {
        "module": "notebook",
        "args": _notebook_args,
        "log": "notebook7.log",
    },
}


class HarnessError(RuntimeError):
    """The harness could not do its job (server, browser or page problem)."""


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def playwright_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def artifacts_root() -> Path:
    return Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "artifacts" / "browser"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_pids(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


def prepare_notebook_copy(src: Path, dest: Path) -> None:
    """Copy a notebook, adding a kernelspec if missing (else Lab asks for one)."""
    nb = json.loads(src.read_text())
    nb.setdefault("metadata", {}).setdefault("kernelspec", dict(KERNELSPEC))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(nb, indent=1))


# --------------------------------------------------------------------------
# JupyterLab server
# --------------------------------------------------------------------------


class LabServer:
    """A throw-away JupyterLab (or Notebook 7) serving copies of ``sources``.

    ``sources`` maps a folder name in the server root to a source folder
    (every ``*.ipynb`` and any other file in it is copied); ``extra`` maps a
    path in the root to notebook JSON (a dict) to write there. ``app`` is
    ``"lab"`` (JupyterLab, ``/lab/tree/<path>``) or ``"notebook"`` (Jupyter
    Notebook 7, one notebook per page at ``/notebooks/<path>``).
    ``server_args`` are added to the server's command line.

    Raises:
        ValueError: ``app`` is neither "lab" nor "notebook".
    """

    def __init__(
        self,
        sources: dict[str, Path] | None = None,
        extra: dict[str, dict] | None = None,
        *,
        log_path: Path | None = None,
        startup_timeout: float = 120.0,
        app: str = "lab",
        server_args: tuple[str, ...] = (),
    ):
        if app not in APPS:
            raise ValueError(f"app must be one of {sorted(APPS)}, got {app!r}")
        self.app = app
        self.server_args = tuple(server_args)
        self.sources = sources or {}
        self.extra = extra or {}
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(24)
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.root: Path | None = None
        self._log = None

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self) -> LabServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(
            prefix="dlcore-lab-", ignore_cleanup_errors=True
        )
        tmp = Path(self._tmp.name)
        self.root = tmp / "root"
        self.root.mkdir()
        for name, src in self.sources.items():
            dest = self.root / name
            if src.is_dir():
                shutil.copytree(
                    src,
                    dest,
                    ignore=shutil.ignore_patterns(
                        ".ipynb_checkpoints", "__pycache__", "*.pyc"
                    ),
                )
                for nb in dest.rglob("*.ipynb"):
                    prepare_notebook_copy(nb, nb)
        for rel, nb in self.extra.items():
            _write_json(self.root / rel, nb)
        settings = tmp / "settings"
        for rel, data in LAB_SETTINGS.items():
            _write_json(settings / rel, data)
        dirs = {
            name: tmp / name
            for name in ("config", "data", "runtime", "workspaces", "ipython")
        }
        for d in dirs.values():
            d.mkdir()
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            IPYTHONDIR=str(dirs["ipython"]),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
        )
        env.pop("JUPYTER_TOKEN", None)
        log_path = self.log_path or tmp / APPS[self.app]["log"]
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "w")  # closed in stop()
        self.log_file = log_path
        last_error = None
        for _attempt in range(3):
            self.port = _free_port()
            cmd = [
                sys.executable,
                "-m",
                APPS[self.app]["module"],
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                "--KernelManager.shutdown_wait_time=3",
                *APPS[self.app]["args"](dirs["workspaces"], settings),
                *self.server_args,
            ]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.append("--allow-root")
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.root,
                env=env,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                self._wait_ready()
                return
            except HarnessError as e:
                last_error = e
                self._terminate()
                if "already in use" not in str(e):
                    break
        raise HarnessError(f"{self.app} server did not start: {last_error}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(
                    f"jupyter {self.app} exited with {self.proc.returncode}; "
                    f"log: {self.log_file}\n{self.log_tail()}"
                )
            try:
                self.api("GET", "/api/status", timeout=2)
                # The lab page itself must be served too.
                self.api("GET", "/lab/api/settings", timeout=5)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        raise HarnessError(
            f"jupyter {self.app} not ready after {self.startup_timeout:.0f} s\n"
            f"{self.log_tail()}"
        )

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text().splitlines()[-n:])
        except OSError:
            return ""

    def api(self, method: str, path: str, timeout: float = 10):
        req = urllib.request.Request(
            self.base_url + path,
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def lab_url(self, path: str) -> str:
        """The page that opens the notebook ``path`` in this server's app."""
        if self.app == "notebook":
            return f"{self.base_url}/notebooks/{path}?token={self.token}"
        return f"{self.base_url}/lab/tree/{path}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
            for s in self.api("GET", "/api/sessions") or []:
                with contextlib.suppress(OSError, urllib.error.URLError):
                    self.api("DELETE", f"/api/sessions/{s['id']}", timeout=15)
            for k in self.api("GET", "/api/kernels") or []:
                with contextlib.suppress(OSError, urllib.error.URLError):
                    self.api("DELETE", f"/api/kernels/{k['id']}", timeout=15)

    def _terminate(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        # The server shuts its kernels down on SIGTERM; the process group
        # catches anything left over (kernels run in their own sessions, so
        # they were shut down through the API first).
        children = _child_pids(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        # Kernels that outlived the server (they run in their own sessions).
        for pid in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.shutdown_kernels()
        self._terminate()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._tmp is not None:
            if self.log_path is None and self.log_file.exists():
                # Keep the server log next to the artifacts for debugging.
                dest = artifacts_root() / APPS[self.app]["log"]
                with contextlib.suppress(OSError):
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(self.log_file, dest)
            self._tmp.cleanup()
            self._tmp = None


# --------------------------------------------------------------------------
# In-page probes
# --------------------------------------------------------------------------

PAGE_PROBES_JS = r"""
(() => {
  if (window.__dlh) return;
  const H = window.__dlh = {
    paints: 0, lastPaint: 0, firstPaint: null, imgs: 0, lastImg: 0, lastIopub: 0,
    firstImg: null, keys: 0, lastKey: null, m: null, iopub: [],
    attached: false,
  };
  const FIG = '.dlcore-figure';
  const now = () => performance.now();
  const frame = () => new Promise(r => requestAnimationFrame(() => r(now())));

  // Every repaint of a measurement's target after its first key press:
  // count it, and time the frame that shows the latest one.
  function seen(m, t) {
    m.n += 1; m.last = t;
    const k = m.n;
    frame().then(t2 => { if (m.n === k) m.lastFrame = t2; });
  }

  function finish(m, kind, t1) {
    if (!m || m.t1 !== null || m.t0 === null || m.kind !== kind) return false;
    m.t1 = t1;
    frame().then(t2 => { m.t2 = t2; m.resolve(m); });
    return true;
  }

  function onPaint(canvas) {
    const t = now();
    H.paints += 1; H.lastPaint = t;
    if (H.firstPaint === null) H.firstPaint = t;
    canvas.__dlhPaints = (canvas.__dlhPaints || 0) + 1;
    canvas.__dlhLast = t;
    const m = H.m;
    if (m && m.kind === 'canvas' && (!m.target || m.target === canvas)) {
      if (m.t0 !== null && m.t1 === null) finish(m, 'canvas', t);
      if (m.t0 !== null) seen(m, t);
    }
  }

  // A frame painted on a figure's visible canvas (figure.js paints every
  // frame with putImageData; a PNG is decoded on a scratch canvas that is
  // not in the document, which is not counted).
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (...args) {
    const r = put.apply(this, args);
    const c = this.canvas;
    if (c && c.isConnected && c.closest(FIG)) onPaint(c);
    return r;
  };

  // The kernel's WebSocket, below JupyterLab: when a measured press's first
  // message leaves the page (tSend), and when the first large message (the
  // figure image) after it reached the socket (tWs, the event's own
  // timeStamp: before it waited for the page's main thread).
  const BIG = 4096;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const m = H.m;
    if (m && m.t0 !== null && m.t1 === null && m.tSend === null) m.tSend = now();
    return send.call(this, data);
  };
  const size = d => (typeof d === 'string' ? d.length : (d.byteLength || d.size || 0));
  const onWsMessage = (ev) => {
    const m = H.m;
    if (m && m.tSend !== null && m.t1 === null && m.tWs === null &&
        size(ev.data) >= BIG) m.tWs = ev.timeStamp;
  };
  const add = WebSocket.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type, fn, ...rest) {
    if (type === 'message' && !this.__dlhProbe) {
      this.__dlhProbe = true;
      add.call(this, 'message', onWsMessage);
    }
    return add.call(this, type, fn, ...rest);
  };
  const onmsg = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    get() { return onmsg.get.call(this); },
    set(fn) {
      if (!this.__dlhProbe) {
        this.__dlhProbe = true;
        add.call(this, 'message', onWsMessage);
      }
      onmsg.set.call(this, fn);
    },
  });

  window.addEventListener('keydown', (e) => {
    H.keys += 1; H.lastKey = e.timeStamp;
    const m = H.m;
    if (m && m.t0 === null) m.t0 = e.timeStamp;
    if (m) m.lastKey = e.timeStamp;
  }, true);

  function onImg(img) {
    const t = now();
    H.imgs += 1; H.lastImg = t;
    if (H.firstImg === null) H.firstImg = t;
    const m = H.m;
    if (m && m.kind === 'img' && m.t0 !== null &&
        (!m.target || m.target.contains(img))) {
      seen(m, t);
      if (m.t1 === null) finish(m, 'img', t);
    }
  }

  function onText(node) {
    const m = H.m;
    if (m && m.kind === 'text' && m.t0 !== null && m.target &&
        m.target.contains(node)) {
      seen(m, now());
      if (m.t1 === null) finish(m, 'text', m.last);
    }
  }

  const obs = new MutationObserver((records) => {
    for (const rec of records) {
      if (rec.type === 'characterData') { onText(rec.target); continue; }
      onText(rec.target);
      for (const n of rec.addedNodes) {
        if (n.nodeType !== 1) continue;
        const imgs = n.tagName === 'IMG' ? [n] : n.querySelectorAll('img');
        for (const img of imgs) {
          if (!img.closest('.jp-OutputArea-output')) continue;
          img.decode().then(() => onImg(img), () => onImg(img));
        }
      }
    }
  });
  const start = () => obs.observe(document.body,
    {childList: true, subtree: true, characterData: true});
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);

  // Arm a measurement: resolves with {t0 (keydown), t1 (content ready),
  // t2 (next frame)} or {timeout: true}.
  H.arm = (kind, target, timeoutMs) => {
    const m = {kind, target, t0: null, t1: null, t2: null, n: 0, last: null,
               lastFrame: null, lastKey: null, tBusy: null, tBuf: null,
               tSend: null, tWs: null, tKernelSent: null};
    m.done = new Promise(res => { m.resolve = res; });
    setTimeout(() => { m.timeout = true; m.resolve(m); }, timeoutMs);
    H.m = m;
    return m;
  };
  H.canvasHash = (c) => {
    const ctx = c.getContext('2d');
    if (!c.width || !c.height) return {hash: 'empty', uniform: true};
    const d = new Uint32Array(ctx.getImageData(0, 0, c.width, c.height).data.buffer);
    let h = 2166136261, uniform = true;
    const first = d[0];
    for (let i = 0; i < d.length; i++) {
      h = Math.imul(h ^ d[i], 16777619);
      if (d[i] !== first) uniform = false;
    }
    return {hash: (h >>> 0).toString(16) + '@' + c.width + 'x' + c.height, uniform,
            seq: c.dataset.seq === undefined ? null : Number(c.dataset.seq)};
  };
  // SHA-256 of the canvas's RGBA rows (top row first), the frame's seq and
  // size: the same digest the kernel computes from ``buffer_rgba()``.
  H.canvasDigest = async (c) => {
    const seq = c.dataset.seq === undefined ? null : Number(c.dataset.seq);
    if (!c.width || !c.height) return {sha256: null, width: 0, height: 0, seq};
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    const hex = Array.from(d, b => b.toString(16).padStart(2, '0')).join('');
    return {sha256: hex, width: c.width, height: c.height, seq,
            cssWidth: c.getBoundingClientRect().width,
            ratio: window.devicePixelRatio};
  };
})();
"""

# Finds the notebook panel by path and keeps helpers on window.__dlh.
PANEL_JS = r"""
(path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.sessionContext) {
      window.__dlh.panel = w;
      return true;
    }
  }
  return null;
}
"""

STATE_JS = r"""
() => {
  const H = window.__dlh, p = H.panel;
  const sc = p && p.sessionContext;
  const kernel = sc && sc.session && sc.session.kernel;
  const prompts = p ? Array.from(p.node.querySelectorAll('.jp-InputPrompt'))
    .map(e => e.textContent) : [];
  return {
    ready: !!(p && p.context.isReady && sc && sc.isReady),
    kernel: kernel ? kernel.status : null,
    connection: kernel ? kernel.connectionStatus : null,
    busyPrompts: prompts.filter(t => t.includes('*')).length,
    paints: H.paints, lastPaint: H.lastPaint, imgs: H.imgs, lastImg: H.lastImg,
    lastIopub: H.lastIopub, lastKey: H.lastKey,
    now: performance.now(),
  };
}
"""

ATTACH_IOPUB_JS = r"""
() => {
  const H = window.__dlh;
  if (H.attached) return;
  H.attached = true;
  H.panel.sessionContext.iopubMessage.connect((_, msg) => {
    const t = msg.header.msg_type, c = msg.content || {};
    H.lastIopub = performance.now();
    // Where a measured press spends its time: the kernel's first "busy"
    // (the widget message arrived) and the first binary comm message (the
    // figure's frame) after the key press.
    const m = H.m;
    if (m && m.t0 !== null && m.t1 === null) {
      if (t === 'status' && c.execution_state === 'busy' && m.tBusy === null) {
        m.tBusy = H.lastIopub;
      } else if (t === 'comm_msg' && msg.buffers && msg.buffers.length &&
                 m.tBuf === null) {
        m.tBuf = H.lastIopub;
        // The kernel's clock when it sent the image, on the page's clock.
        m.tKernelSent = Date.parse(msg.header.date) - performance.timeOrigin;
      }
    }
    if (t === 'error') {
      H.iopub.push({type: 'error', text: c.ename + ': ' + c.evalue + '\n' +
        (c.traceback || []).join('\n').replace(/\x1b\[[0-9;]*m/g, '')});
    } else if (t === 'stream' && c.name === 'stderr' &&
               /Traceback|Error\b/.test(c.text || '')) {
      H.iopub.push({type: 'stderr', text: c.text});
    }
  });
}
"""

ERRORS_JS = r"""
() => {
  const p = window.__dlh.panel, found = [];
  p.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error') {
        found.push({cell: i, text: out.ename + ': ' + out.evalue + '\n' +
          (out.traceback || []).join('\n').replace(/\x1b\[[0-9;]*m/g, '')});
      } else if (out.output_type === 'stream' && out.name === 'stderr' &&
                 /Traceback \(most recent call last\)/.test(out.text)) {
        found.push({cell: i, text: out.text});
      }
    }
  });
  // Rendered error text that did not come through a cell's model (e.g. an
  // Output widget): a stderr block with a Python traceback.
  p.node.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
  ).forEach(el => {
    if (/Traceback \(most recent call last\)|^\w+(Error|Exception): /m
        .test(el.textContent)) {
      const cell = el.closest('.jp-Cell');
      const idx = Array.from(p.content.node.querySelectorAll('.jp-Cell'))
        .indexOf(cell);
      const text = el.textContent.slice(0, 2000);
      if (!found.some(f => f.cell === idx)) found.push({cell: idx, text});
    }
  });
  for (const m of window.__dlh.iopub) found.push({cell: null, text: m.text});
  return found;
}
"""

# Tags every slider and figure canvas of the panel with data-dlh-* ids and
# pairs each slider with its figure: the nearest figure after it in the same
# cell output (a panel's figure usually sits below its sliders), else the
# nearest before it in that output, else none.
DISCOVER_JS = r"""
() => {
  const p = window.__dlh.panel;
  const visible = el => !!(el.offsetParent || el.getClientRects().length);
  const canvases = Array.from(p.node.querySelectorAll('.dlcore-figure canvas'));
  canvases.forEach((c, j) => c.setAttribute('data-dlh-fig', String(j)));
  const figs = canvases.map((c, j) => ({
    index: j, visible: visible(c), width: c.width, height: c.height,
    paints: c.__dlhPaints || 0,
    seq: c.dataset.seq === undefined ? null : Number(c.dataset.seq),
    cell: Array.from(p.content.node.querySelectorAll('.jp-Cell'))
      .indexOf(c.closest('.jp-Cell')),
  }));
  const sliders = Array.from(p.node.querySelectorAll('.widget-slider'))
    .filter(s => s.querySelector('.noUi-handle'));
  const out = sliders.map((s, i) => {
    s.setAttribute('data-dlh-slider', String(i));
    const handles = s.querySelectorAll('.noUi-handle');
    const h = handles[0];
    const label = (s.querySelector('.widget-label') || {}).textContent || '';
    const readout = s.querySelector('.widget-readout');
    const area = s.closest('.jp-OutputArea') || s.closest('.jp-Cell');
    const inArea = canvases.filter(c => area && area.contains(c));
    const after = inArea.filter(c => s.compareDocumentPosition(c) &
      Node.DOCUMENT_POSITION_FOLLOWING);
    const before = inArea.filter(c => s.compareDocumentPosition(c) &
      Node.DOCUMENT_POSITION_PRECEDING);
    const fig = after.length ? after[0] : (before.length ? before.at(-1) : null);
    const disabled = s.querySelector('[disabled]') !== null ||
      s.classList.contains('disabled') || h.getAttribute('aria-disabled') === 'true';
    // noUiSlider's API has the exact numbers (aria-value* are rounded).
    const api = (s.querySelector('.noUi-target') || {}).noUiSlider;
    const num = v => parseFloat(Array.isArray(v) ? v[0] : v);
    const range = api ? api.options.range : null;
    return {
      index: i, label: label.trim(), handles: handles.length,
      value: readout ? readout.textContent.trim() : h.getAttribute('aria-valuetext'),
      now: api ? num(api.get()) : parseFloat(h.getAttribute('aria-valuenow')),
      min: range ? num(range.min) : parseFloat(h.getAttribute('aria-valuemin')),
      max: range ? num(range.max) : parseFloat(h.getAttribute('aria-valuemax')),
      step: api ? (api.options.step || null) : null,
      vertical: s.classList.contains('widget-vslider'),
      visible: visible(h), disabled,
      figure: fig ? Number(fig.getAttribute('data-dlh-fig')) : null,
      cell: Array.from(p.content.node.querySelectorAll('.jp-Cell'))
        .indexOf(s.closest('.jp-Cell')),
      imgArea: area && area.querySelector('img') ? true : false,
    };
  });
  return {sliders: out, figures: figs};
}
"""


# Prints, as JSON, the current frame of every live figure the expression
# {objects} names (FigureWidgets, or panels with a ``figure_widget``): its
# seq, size and the SHA-256 of ``fig.canvas.buffer_rgba()``, the pixels of the
# last draw or blit (read as they are: no redraw). Without an expression:
# every live figure in IPython's output history ``Out`` (cell order), then in
# the notebook's variables. Public attributes only.
KERNEL_FRAMES_CODE = """\
def _dlh_kernel_frames():
    import hashlib, json
    import numpy as np
    from IPython import get_ipython
    from dlcore.live.figure import FigureWidget
    ns = get_ipython().user_ns
    objects = {objects}
    if objects is None:
        out = ns.get("Out", {{}})
        objects = [out[k] for k in sorted(out)] + list(ns.values())
    found, seen = [], set()
    for obj in objects:
        w = getattr(obj, "figure_widget", obj)
        if isinstance(w, FigureWidget) and id(w) not in seen:
            seen.add(id(w))
            found.append(w)
    frames = []
    for w in found:
        pixels = np.asarray(w.fig.canvas.buffer_rgba())
        frames.append({{
            "sha256": hashlib.sha256(pixels.tobytes()).hexdigest(),
            "width": int(pixels.shape[1]), "height": int(pixels.shape[0]),
            "seq": int(w.seq), "ratio": float(w.pixel_ratio),
        }})
    print(json.dumps(frames))
_dlh_kernel_frames()
del _dlh_kernel_frames
"""

# Frame pixels (origin bottom-left, like matplotlib's display coordinates)
# of the point ({x}, {y}) in data coordinates of axes {axes} of the live figure
# {figure}, as JSON [px, py, frame width, frame height].
DATA_TO_FRAME_CODE = """\
def _dlh_to_frame():
    import json
    fig = ({figure}).fig
    ax = fig.axes[{axes}]
    px, py = ax.transData.transform(({x}, {y}))
    w, h = fig.canvas.get_width_height()
    print(json.dumps([float(px), float(py), int(w), int(h)]))
_dlh_to_frame()
del _dlh_to_frame
"""


@dataclass
class RunResult:
    seconds: float
    ok: bool | None
    first_figure_ms: float | None  # from Run All to the first figure painted


@dataclass
class SliderCheck:
    slider: dict
    figure: int | None
    before: str | None
    after: str | None
    changed: bool
    keys: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)
    note: str = ""


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_")[:60] or "x"


class ChromiumBrowser:
    """Playwright + Debian's Chromium with a fresh profile; closes on exit."""

    def __init__(
        self,
        *,
        headless: bool = True,
        viewport: tuple[int, int] = (1280, 1000),
        executable: str | None = None,
        device_scale_factor: float = 1.0,
    ):
        self.headless = headless
        self.viewport = viewport
        self.device_scale_factor = device_scale_factor
        self.executable = executable or find_chromium()
        self._pw = None
        self.context = None
        self._tmp = None

    def __enter__(self) -> ChromiumBrowser:
        if self.executable is None:
            raise HarnessError("chromium not found on PATH")
        from playwright.sync_api import sync_playwright

        self._tmp = tempfile.TemporaryDirectory(
            prefix="dlcore-chromium-", ignore_cleanup_errors=True
        )
        tmp = Path(self._tmp.name)
        # Crash reports and caches go to the temp dir too, not ~/.config.
        env = dict(
            os.environ,
            XDG_CONFIG_HOME=str(tmp / "config"),
            XDG_CACHE_HOME=str(tmp / "cache"),
        )
        try:
            self._pw = sync_playwright().start()
            self.context = self._pw.chromium.launch_persistent_context(
                str(tmp / "profile"),
                executable_path=self.executable,
                env=env,
                headless=self.headless,
                args=CHROMIUM_ARGS,
                viewport={"width": self.viewport[0], "height": self.viewport[1]},
                device_scale_factor=self.device_scale_factor,
            )
            self.context.add_init_script(PAGE_PROBES_JS)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            if self.context is not None:
                self.context.close()
        with contextlib.suppress(Exception):
            if self._pw is not None:
                self._pw.stop()
        self.context = self._pw = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def new_page(self):
        page = self.context.new_page()
        page.set_default_timeout(60_000)
        return page


class NotebookSession:
    """One notebook open in one page of a running ``LabServer``."""

    def __init__(self, browser: ChromiumBrowser, lab: LabServer, path: str):
        self.browser = browser
        self.lab = lab
        self.path = path
        self.page = None
        self.console: list[str] = []

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self) -> NotebookSession:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self, timeout: float = 120.0) -> None:
        self.page = self.browser.new_page()
        self.page.on(
            "console",
            lambda m: (
                self.console.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning") and "willReadFrequently" not in m.text
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.goto(self.lab.lab_url(self.path), wait_until="domcontentloaded")
        self.page.wait_for_function(
            PANEL_JS, arg=self.path, timeout=timeout * 1000, polling=250
        )
        self.wait_kernel_idle(timeout)
        self.page.evaluate(ATTACH_IOPUB_JS)
        # More room for the notebook in screenshots.
        self.page.evaluate(
            "() => { const s = window.jupyterapp.shell;"
            " if (typeof s.collapseLeft === 'function') s.collapseLeft(); }"
        )

    def close(self) -> None:
        if self.page is not None:
            with contextlib.suppress(Exception):
                self.page.evaluate(
                    "() => window.__dlh && window.__dlh.panel && "
                    "window.__dlh.panel.sessionContext.shutdown()"
                )
            with contextlib.suppress(Exception):
                self.page.close()
            self.page = None
        self.lab.shutdown_kernels()

    # -- state -------------------------------------------------------------
    def state(self) -> dict:
        return self.page.evaluate(STATE_JS)

    def wait_kernel_idle(self, timeout: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout
        st = {}
        while time.monotonic() < deadline:
            st = self.state()
            if st["ready"] and st["kernel"] == "idle":
                return st
            if st["kernel"] == "dead":
                raise HarnessError(f"kernel died: {st}")
            time.sleep(0.1)
        raise HarnessError(f"kernel not idle after {timeout:.0f} s: {st}")

    def wait_quiet(
        self,
        quiet_ms: float = 400,
        timeout: float = 30.0,
        since: float | None = None,
        grace: float = 3.0,
    ) -> dict:
        """Wait for an idle kernel and no paint, image or kernel message for
        ``quiet_ms``.

        ``since`` (page time, e.g. a key press): first wait until something
        happened after it (a kernel message or a paint), or ``grace`` seconds
        passed; otherwise a press whose message has not left the page yet
        would look quiet.
        """
        t_start = time.monotonic()
        deadline = t_start + timeout
        st = {}
        while time.monotonic() < deadline:
            st = self.state()
            last = max(st["lastPaint"], st["lastImg"], st["lastIopub"])
            started = (
                since is None or last > since or time.monotonic() - t_start > grace
            )
            if (
                started
                and st["kernel"] == "idle"
                and st["busyPrompts"] == 0
                and st["now"] - last >= quiet_ms
            ):
                return st
            time.sleep(0.05)
        raise HarnessError(f"page not quiet after {timeout:.0f} s: {st}")

    # -- running -----------------------------------------------------------
    def run_all(self, timeout: float = 600.0) -> RunResult:
        page = self.page
        page.evaluate(
            """() => {
              const H = window.__dlh;
              H.firstPaint = null; H.firstImg = null; H.runStart = performance.now();
              H.runAll = {done: false, ok: null};
              window.jupyterapp.commands.execute('notebook:run-all-cells')
                .then(ok => { H.runAll = {done: true, ok: ok !== false}; },
                      err => { H.runAll = {done: true, ok: false, err: String(err)}; });
            }"""
        )
        t0 = time.monotonic()
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            st = page.evaluate(
                "() => Object.assign({}, window.__dlh.runAll, "
                f"({STATE_JS.strip()})())"
            )
            if st["kernel"] == "dead":
                raise HarnessError("kernel died during Run All")
            if st["done"] and st["kernel"] == "idle" and st["busyPrompts"] == 0:
                break
            time.sleep(0.2)
        else:
            raise HarnessError(f"Run All did not finish in {timeout:.0f} s")
        seconds = time.monotonic() - t0
        # Widgets render after their cell finished: let figures paint.
        with contextlib.suppress(HarnessError):
            self.wait_quiet(quiet_ms=700, timeout=60)
        first = page.evaluate(
            """() => { const H = window.__dlh;
               const f = [H.firstPaint, H.firstImg].filter(x => x !== null);
               return f.length ? Math.min(...f) - H.runStart : null; }"""
        )
        return RunResult(seconds=seconds, ok=st.get("ok"), first_figure_ms=first)

    def restart_and_run_all(self, timeout: float = 600.0) -> dict:
        """Restart the kernel, Run All; times from the restart request."""
        page = self.page
        page.evaluate(
            """async () => {
              const H = window.__dlh;
              H.firstPaint = null; H.firstImg = null;
              H.restartAt = performance.now();
              await H.panel.sessionContext.restartKernel();
            }"""
        )
        self.wait_kernel_idle(120)
        kernel_ready = page.evaluate("() => performance.now() - window.__dlh.restartAt")
        run = self.run_all(timeout)
        first = page.evaluate(
            """() => { const H = window.__dlh;
               const f = [H.firstPaint, H.firstImg].filter(x => x !== null);
               return f.length ? Math.min(...f) - H.restartAt : null; }"""
        )
        return {
            "kernel_ready_ms": kernel_ready,
            "first_figure_ms": first,
            "run_all_s": run.seconds,
        }

    def kernel_eval(self, code: str, timeout: float = 60.0) -> str:
        """Run ``code`` in the notebook's kernel (not in a cell); its stdout."""
        return self.page.evaluate(
            """async ([code, ms]) => {
              const k = window.__dlh.panel.sessionContext.session.kernel;
              const fut = k.requestExecute({code, silent: false,
                                            store_history: false});
              let out = '';
              fut.onIOPub = (msg) => {
                if (msg.header.msg_type === 'stream') out += msg.content.text;
              };
              await Promise.race([fut.done,
                                  new Promise(r => setTimeout(r, ms))]);
              return out;
            }""",
            [code, timeout * 1000],
        )

    def restart_kernel(self, timeout: float = 120.0) -> None:
        """Restart the kernel (no cell is run again) and wait until it is idle."""
        self.page.evaluate(
            "async () => { await window.__dlh.panel.sessionContext.restartKernel(); }"
        )
        self.wait_kernel_idle(timeout)

    def kernel_frames(self, objects: str | None = None) -> list[dict]:
        """The kernel's current frame of each live figure, without redrawing.

        ``objects``: a Python expression, in the notebook's namespace, for a
        list of ``FigureWidget``s or panels; None: every live figure in
        ``Out`` (cell order), then in the notebook's variables. Each item:
        ``{sha256, width, height, seq, ratio}``; ``sha256`` is the digest of
        ``fig.canvas.buffer_rgba()``, comparable to :meth:`page_frames`.
        """
        code = KERNEL_FRAMES_CODE.format(objects=objects or "None")
        out = self.kernel_eval(code).strip()
        try:
            return json.loads(out.splitlines()[-1])
        except (ValueError, IndexError) as e:
            raise HarnessError(f"no frames from the kernel: {out[-2000:]!r}") from e

    def page_frames(self) -> list[dict]:
        """Each live figure's canvas in the page, in document order:
        ``{sha256, width, height, seq, cssWidth, ratio}`` (see
        :meth:`kernel_frames`)."""
        return self.page.evaluate(
            """async () => {
              const p = window.__dlh.panel;
              const cs = Array.from(p.node.querySelectorAll('.dlcore-figure canvas'));
              const out = [];
              for (const c of cs) out.push(await window.__dlh.canvasDigest(c));
              return out;
            }"""
        )

    def frame_point(self, figure: str, axes: int, x: float, y: float) -> list:
        """``[px, py, width, height]``: where data point (x, y) of
        ``figure.fig.axes[axes]`` is in the frame (origin bottom-left);
        ``figure`` is a Python expression for a panel or ``FigureWidget``."""
        code = DATA_TO_FRAME_CODE.format(figure=figure, axes=int(axes), x=x, y=y)
        out = self.kernel_eval(code).strip()
        try:
            return json.loads(out.splitlines()[-1])
        except (ValueError, IndexError) as e:
            raise HarnessError(f"no point from the kernel: {out[-2000:]!r}") from e

    def click_figure(self, fig: int, px: float, py: float) -> float:
        """Click figure ``fig``'s canvas at frame pixel (px, py), origin at
        the bottom-left corner (see :meth:`frame_point`); returns the page
        time of the click."""
        canvas = self.page.locator(f'[data-dlh-fig="{fig}"]')
        canvas.scroll_into_view_if_needed()
        x, y, hit = self.page.evaluate(
            """([j, px, py]) => {
              const c = document.querySelector(`[data-dlh-fig="${j}"]`);
              const r = c.getBoundingClientRect();
              const x = r.left + px * r.width / c.width;
              const y = r.top + (c.height - py) * r.height / c.height;
              const e = document.elementFromPoint(x, y);
              const what = e ? e.outerHTML.slice(0, 200) : 'nothing';
              return [x, y, e === c ? null : what];
            }""",
            [fig, px, py],
        )
        if hit is not None:
            raise HarnessError(f"figure {fig} is covered at ({x}, {y}) by {hit}")
        t = self.page.evaluate("() => performance.now()")
        self.page.mouse.click(x, y)
        return t

    def errors(self) -> list[dict]:
        return self.page.evaluate(ERRORS_JS)

    def discover(self) -> dict:
        return self.page.evaluate(DISCOVER_JS)

    # -- figures and sliders -----------------------------------------------
    def canvas_hash(self, fig: int) -> dict:
        return self.page.evaluate(
            "(j) => window.__dlh.canvasHash("
            'document.querySelector(`[data-dlh-fig="${j}"]`))',
            fig,
        )

    def figure_locator(self, fig: int):
        return self.page.locator(f'[data-dlh-fig="{fig}"]').locator(
            "xpath=ancestor::*[contains(@class,'dlcore-figure')][1]"
        )

    def handle_locator(self, slider: int, handle: int = 0):
        return (
            self.page.locator(f'[data-dlh-slider="{slider}"]')
            .locator(".noUi-handle")
            .nth(handle)
        )

    def slider_value(self, slider: int) -> dict:
        return self.page.evaluate(
            """(i) => { const s = document.querySelector(`[data-dlh-slider="${i}"]`);
              const h = s.querySelector('.noUi-handle');
              const r = s.querySelector('.widget-readout');
              return {now: parseFloat(h.getAttribute('aria-valuenow')),
                      text: r ? r.textContent.trim() : null}; }""",
            slider,
        )

    def press(
        self, slider: int, key: str, times: int = 1, delay_ms: float = 0
    ) -> float:
        """Focus the slider's handle and press ``key``; returns the page time
        of the first keydown (for ``wait_quiet(since=...)``)."""
        handle = self.handle_locator(slider)
        handle.scroll_into_view_if_needed()
        handle.focus()
        first = None
        for _ in range(times):
            self.page.keyboard.press(key)
            if first is None:
                first = self.page.evaluate("() => window.__dlh.lastKey")
            if delay_ms:
                time.sleep(delay_ms / 1000)
        return first

    def press_and_settle(self, slider: int, key: str, times: int = 1, **kw) -> dict:
        since = self.press(slider, key, times)
        return self.wait_quiet(since=since, **kw)

    def screenshot_full(self, dest: Path) -> Path:
        """The whole notebook, by growing the viewport to its height."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        page = self.page
        size = page.viewport_size
        height = page.evaluate(
            """() => { const p = window.__dlh.panel, n = p.content.node;
               const inner = n.querySelector('.jp-WindowedPanel-outer') || n;
               return Math.max(n.scrollHeight, inner.scrollHeight)
                 + p.node.getBoundingClientRect().top + 120; }"""
        )
        try:
            page.set_viewport_size(
                {"width": size["width"], "height": min(max(height, 600), 16000)}
            )
            page.wait_for_timeout(300)
            page.screenshot(path=str(dest), full_page=True)
        finally:
            page.set_viewport_size(size)
        return dest

    def drag_slider(self, slider: int, fraction: float) -> float:
        """Drag the slider's handle to ``fraction`` (0: min end, 1: max end)
        of its track with the mouse; returns the page time of the press.

        For front ends whose shortcuts take the arrow keys before a focused
        slider sees them (Jupyter Notebook 7 handles keydown in the capture
        phase: ArrowRight is a command-mode shortcut there).
        """
        s = self.page.locator(f'[data-dlh-slider="{slider}"]')
        s.scroll_into_view_if_needed()
        box = self.handle_locator(slider).bounding_box()
        track = s.locator(".noUi-base").bounding_box()
        x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        if track["height"] > track["width"]:  # vertical: max at the top
            x1, y1 = x0, track["y"] + (1 - fraction) * track["height"]
        else:
            x1, y1 = track["x"] + fraction * track["width"], y0
        mouse = self.page.mouse
        mouse.move(x0, y0)
        t = self.page.evaluate("() => performance.now()")
        mouse.down()
        mouse.move(x1, y1, steps=4)
        mouse.up()
        return t

    def exercise_slider(
        self,
        slider: dict,
        out_dir: Path,
        *,
        settle_timeout: float = 60.0,
        use_mouse: bool = False,
    ) -> SliderCheck:
        """Move one slider and check that its figure's pixels changed.

        Keys (ArrowRight x5, End, Home; mirrored at the top end), or with
        ``use_mouse`` drags of the handle (to 80 %, the max end, the min end
        of the track; mirrored at the top end), until the pixels change.
        """
        i = slider["index"]
        fig = slider["figure"]
        name = f"slider{i:02d}_{_slug(slider['label'])}"
        check = SliderCheck(slider, fig, None, None, False)
        out_dir.mkdir(parents=True, exist_ok=True)
        if fig is not None:
            shot = out_dir / f"{name}_before.png"
            self.figure_locator(fig).screenshot(path=str(shot))
            check.screenshots.append(shot)
            check.before = self.canvas_hash(fig)["hash"]
        # Several steps so the change is visible; back down at the top end.
        attempts = (["ArrowRight"] * 5, ["End"], ["Home"])
        half_step = (slider.get("step") or 0) / 2
        at_top = slider["now"] >= slider["max"] - half_step
        if at_top:
            attempts = (["ArrowLeft"] * 5, ["Home"], ["End"])
        if use_mouse:
            attempts = ([0.2], [0.0], [1.0]) if at_top else ([0.8], [1.0], [0.0])
        for keys in attempts:
            paints0 = self.state()["paints"]
            since = None
            for key in keys:
                if use_mouse:
                    t = self.drag_slider(i, key)
                else:
                    t = self.press(i, key)
                since = t if since is None else since
            check.keys += [f"drag to {k:.0%}" for k in keys] if use_mouse else keys
            self.wait_quiet(quiet_ms=500, timeout=settle_timeout, since=since)
            if fig is None:
                check.changed = self.state()["paints"] > paints0
                break
            # A slow repaint may still be on its way: give it a moment.
            for _ in range(20):
                check.after = self.canvas_hash(fig)["hash"]
                if check.after != check.before:
                    break
                time.sleep(0.1)
            if check.after != check.before:
                check.changed = True
                self.wait_quiet(quiet_ms=500, timeout=settle_timeout)
                check.after = self.canvas_hash(fig)["hash"]
                break
        if fig is not None:
            shot = out_dir / f"{name}_after.png"
            self.figure_locator(fig).screenshot(path=str(shot))
            check.screenshots.append(shot)
        return check

    # -- latency -----------------------------------------------------------
    def measure_press(
        self,
        slider: int,
        key: str,
        kind: str,
        target_js: str,
        timeout_ms: float = 10_000,
    ) -> dict:
        """One key press → first repaint of ``target_js`` (a JS expression)."""
        page = self.page
        handle = self.handle_locator(slider)
        handle.focus()
        page.evaluate(
            f"() => {{ window.__dlh.arm({json.dumps(kind)}, {target_js}, "
            f"{timeout_ms}); }}"
        )
        page.keyboard.press(key)
        m = page.evaluate(
            "async () => { const m = await window.__dlh.m.done; "
            "return {t0: m.t0, t1: m.t1, t2: m.t2, tBusy: m.tBusy, tBuf: m.tBuf, "
            "tSend: m.tSend, tWs: m.tWs, "
            "tKernelSent: m.tKernelSent, "
            "timeout: !!m.timeout}; }"
        )
        page.evaluate("() => { window.__dlh.m = null; }")
        return m


def target_js_for_figure(fig: int) -> str:
    return f"document.querySelector('[data-dlh-fig=\"{fig}\"]')"


def target_js_for_output(slider: int) -> str:
    """The output area around a slider: where @interact puts its image."""
    sel = json.dumps(f'[data-dlh-slider="{slider}"]')
    return f"document.querySelector({sel}).closest('.jp-OutputArea')"


def target_js_for_label(slider: int, label_selector: str) -> str:
    """An element matching ``label_selector`` in the slider's output area."""
    return f"{target_js_for_output(slider)}.querySelector({json.dumps(label_selector)})"
