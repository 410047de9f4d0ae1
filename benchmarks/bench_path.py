"""Where the time of one slider move goes: key press to frame on screen, by stage.

Not a test: it writes one table and exits 0.

One JupyterLab page, one notebook with a panel and the bare round trip
(``benchlib.BARE_CELL``). For every press the page records, with its clock
``performance.now()``:

- ``key``: the ``keydown``; ``send``: the first message the page sends on the
  kernel's WebSocket after it (the slider's new value);
- every message that arrives on that WebSocket until the frame is on screen:
  its type (``status busy``, ``status idle``, ``echo_update``, ``update``,
  ``custom`` = a figure frame or ack, ...), when it arrived (the event's
  ``timeStamp``), when the page's handler started, and when the page was free
  again (the handler and the microtasks it queued done, seen by the next
  ``MessageChannel`` task);
- ``paint``: ``figure.js`` set ``canvas.dataset.seq``; ``screen``: the next
  animation frame.

The kernel's time is ``Panel.timings`` (compute, then draw + encode + send).
From these the table splits the median press into: page before the send, the
way to the kernel and back to the first reply (``send → busy``), the kernel
handling it up to the frame (``busy → frame``), the frame on the page
(``frame → paint → screen``), and how long the page spent handling the
``status`` messages that came in before the frame. Those are the kernel's
busy/idle messages, which every widget message costs (ipykernel publishes
them; dlcore leaves them alone), measured here so their cost is known.

Both server variants (``--servers``: Jupyter Server's default connection,
Nagle on, and ``nodelay_connection.NoDelayKernelConnection`` next to this
file, TCP_NODELAY set) run at the same time, each in its own tab of one
Chromium, and the presses alternate between them in rounds, so a burst of
load falls on both.

    python benchmarks/bench_path.py                 # EWA and optimizers, ~4 min
    python benchmarks/bench_path.py --presses 40 --device-scale-factor 2

Output: benchmarks/results/bench_path.txt (and printed).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
from benchlib import PANELS, ROOT, TIMINGS_CODE, LabPage, fmt, pct
from harness import ChromiumBrowser, LabServer

# Installed before benchlib's probes, so theirs wrap this one.
TRACE_JS = r"""
(() => {
  if (window.__trace) return;
  const T = window.__trace = {on: false, key: null, send: null, msgs: []};
  const now = () => performance.now();
  const text = new TextDecoder();
  function kind(data) {
    try {
      let header, content, channel;
      if (typeof data === 'string') {
        const m = JSON.parse(data);
        header = m.header; content = m.content; channel = m.channel;
      } else {
        const buf = data instanceof ArrayBuffer ? data : data.buffer;
        const dv = new DataView(buf);
        const n = Number(dv.getBigUint64(0, true));  // v1 protocol
        const off = [];
        for (let i = 1; i <= n; i++) off.push(Number(dv.getBigUint64(8 * i, true)));
        channel = text.decode(buf.slice(off[0], off[1]));
        header = JSON.parse(text.decode(buf.slice(off[1], off[2])));
        content = JSON.parse(text.decode(buf.slice(off[4], off[5])));
      }
      const t = header.msg_type;
      if (t === 'status') return 'status ' + content.execution_state;
      if (t === 'comm_msg') {
        const d = content.data || {};
        if (d.method === 'custom') return 'custom ' + ((d.content || {}).type || '');
        return d.method || t;
      }
      return channel + ' ' + t;
    } catch (e) {
      return 'unparsed';
    }
  }
  const size = d => (typeof d === 'string' ? d.length : (d.byteLength || d.size || 0));
  const channel = new MessageChannel();
  const waiting = [];
  channel.port1.onmessage = () => { const r = waiting.shift(); if (r) r.free = now(); };
  const desc = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    get() { return desc.get.call(this); },
    set(fn) {
      desc.set.call(this, function (ev) {
        if (!T.on) return fn.call(this, ev);
        const r = {arrive: ev.timeStamp, start: now(), free: null,
                   kind: kind(ev.data), size: size(ev.data)};
        T.msgs.push(r);
        try { return fn.call(this, ev); }
        finally { waiting.push(r); channel.port2.postMessage(0); }
      });
    },
  });
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (T.on && T.send === null) T.send = now();
    return send.call(this, data);
  };
  window.addEventListener('keydown', (e) => {
    if (T.on && T.key === null) T.key = e.timeStamp;
  }, true);
  T.arm = () => { T.on = true; T.key = null; T.send = null; T.msgs = []; };
  T.take = () => { T.on = false; return {key: T.key, send: T.send, msgs: T.msgs}; };
})();
"""

_CONNECTION = "--ServerApp.kernel_websocket_connection_class="
SERVERS = {  # name: (what it is, server command-line arguments)
    "nodelay": (
        "benchmarks/nodelay_connection.py, TCP_NODELAY",
        (_CONNECTION + "nodelay_connection.NoDelayKernelConnection",),
    ),
    "default": (
        "Jupyter Server's ZMQChannelsWebsocketConnection, Nagle on",
        (
            _CONNECTION + "jupyter_server.services.kernels.connection.channels."
            "ZMQChannelsWebsocketConnection",
        ),
    ),
}


def stages(trace: dict, probe: dict) -> dict | None:
    """One press's timeline -> durations (ms) of its stages."""
    key, send, msgs = trace["key"], trace["send"], trace["msgs"]
    if key is None or send is None or probe["t2"] is None or probe["t1"] is None:
        return None
    paint, screen = probe["t1"], probe["t2"]
    before = [m for m in msgs if m["arrive"] <= paint]
    frames = [m for m in before if m["kind"] == "custom frame"]
    replies = [m for m in before if m["arrive"] >= send]
    if not replies:
        return None
    reply = frames[0] if frames else replies[-1]  # the frame, or the label update
    status = [m for m in before if m["kind"].startswith("status") and m is not reply]
    busy_page = sum(
        (m["free"] or m["start"]) - m["start"]
        for m in status
        if m["arrive"] <= reply["arrive"]
    )
    return {
        "key → send": send - key,
        "send → 1st reply": replies[0]["arrive"] - send,
        "1st reply → frame": reply["arrive"] - replies[0]["arrive"],
        "frame waits": reply["start"] - reply["arrive"],
        "frame → paint": paint - reply["arrive"],
        "paint → screen": screen - paint,
        "total": screen - key,
        "page on status": busy_page,
        "messages": len([m for m in replies if m["arrive"] <= reply["arrive"]]),
        "order": " ".join(m["kind"] for m in replies),
    }


def press_traced(page: LabPage, slider: dict, key: str) -> dict | None:
    page.page.evaluate("() => window.__trace.arm()")
    probe = page.press(slider, key)
    page.page.wait_for_timeout(60)  # the page frees itself after the frame
    trace = page.page.evaluate("() => window.__trace.take()")
    return stages(trace, probe)


def measure(page: LabPage, slider: dict, presses: int) -> list[dict]:
    rows, key = [], "ArrowRight"
    for _ in range(presses):
        key = page.direction(slider, key)
        row = press_traced(page, slider, key)
        if row is not None:
            rows.append(row)
        page.wait_quiet(150, timeout=60)
    return rows


STAGES = (
    "key → send",
    "send → 1st reply",
    "1st reply → frame",
    "frame waits",
    "frame → paint",
    "paint → screen",
    "total",
    "page on status",
)


def table(label: str, rows: list[dict]) -> list[str]:
    if not rows:
        return [f"{label}: no complete press"]
    out = [f"{label}  ({len(rows)} presses; p50 / p95 ms)"]
    for name in STAGES:
        xs = [r[name] for r in rows]
        out.append(
            f"  {name:20} {fmt(pct(xs, 0.5), '7.1f')} {fmt(pct(xs, 0.95), '7.1f')}"
        )
    orders = statistics.multimode(r["order"] for r in rows)
    out.append(f"  most common message order: {orders[0]}")
    return out


def open_panel(page: LabPage, key: str) -> tuple[str, dict]:
    """Run the panel's notebook; its figure's slider and the bare slider."""
    path = f"path/{key}.ipynb"
    page.open(path)
    page.run_all(path)
    found = [s for s in page.sliders(path) if s["visible"] and not s["disabled"]]
    fig = [s for s in found if s["figure"] is not None]
    bare = [s for s in found if s["bare"]]
    sliders = {}
    if fig:
        sliders[f"{PANELS[key][2]}: {fig[0]['label']}"] = fig[0]
    if bare:
        sliders[f"{PANELS[key][2]}: bare round trip"] = bare[0]
    return path, sliders


def run_panel(pages: dict, key: str, args) -> dict:
    """One panel in every server at once, presses alternating between the
    servers in rounds of ``args.round``; ``{server: lines}``."""
    opened = {name: open_panel(page, key) for name, page in pages.items()}
    rows = {name: {label: [] for label in sl} for name, (_, sl) in opened.items()}
    labels = list(next(iter(opened.values()))[1])
    for label in labels:
        done = 0
        while done < args.presses:
            k = min(args.round, args.presses - done)
            for name, page in pages.items():
                slider = opened[name][1].get(label)
                if slider is not None:
                    page.page.bring_to_front()  # the tab in front paints
                    rows[name][label] += measure(page, slider, k)
            done += k
    out = {}
    for name, page in pages.items():
        path = opened[name][0]
        lines = []
        for label, got in rows[name].items():
            lines += [*table(label, got), ""]
        t = page.kernel_eval(path, TIMINGS_CODE).split()
        if len(t) == 3:
            lines += [
                f"  kernel (Panel.timings p50): compute {float(t[1]):.1f} ms, "
                f"draw + encode + send {float(t[2]):.1f} ms",
                "",
            ]
        page.close_notebook(path)
        out[name] = lines
    return out


def run(args) -> dict:
    """Every server variant of ``args.servers`` started together, each shown
    in its own tab of one Chromium; ``{server: lines}``."""
    extra = {
        f"path/{k}.ipynb": benchlib.panel_notebook(*PANELS[k][:2]) for k in args.panels
    }
    out = {name: [] for name in args.servers}
    with contextlib.ExitStack() as stack:
        browser = stack.enter_context(
            ChromiumBrowser(
                device_scale_factor=args.device_scale_factor, viewport=(1400, 1100)
            )
        )
        browser.context.add_init_script(TRACE_JS)
        pages = {}
        for name in args.servers:
            lab = stack.enter_context(
                LabServer(extra=extra, server_args=SERVERS[name][1])
            )
            pages[name] = LabPage(browser, lab)
        for key in args.panels:
            for name, lines in run_panel(pages, key, args).items():
                out[name] += lines
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presses", type=int, default=30)
    ap.add_argument("--round", type=int, default=5, help="presses per turn")
    ap.add_argument("--panels", nargs="*", default=list(PANELS), choices=list(PANELS))
    ap.add_argument("--device-scale-factor", type=float, default=1.0)
    ap.add_argument("--output", default="bench_path.txt")
    ap.add_argument(
        "--servers",
        nargs="*",
        default=list(SERVERS),
        choices=list(SERVERS),
        help="kernel WebSocket variants to run, one server each",
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("DLCORE_COMPILE_CACHE", "off")
    here = str(Path(__file__).resolve().parent)  # nodelay_connection for the server
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [here, *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    head = benchlib.header(
        "One slider move, stage by stage (JupyterLab + Chromium)",
        ("jupyterlab", "ipywidgets", "ipykernel", "jupyter_server", "anywidget"),
    )
    print("\n".join(head), flush=True)
    t_start = time.monotonic()
    lines = [
        *list(head),
        f"  presses per row: {args.presses}, devicePixelRatio "
        f"{args.device_scale_factor:g}; the servers run side by side (one",
        f"  tab each) and take turns of {args.round} presses",
        "",
    ]
    for server, got in run(args).items():
        lines += [f"== kernel WebSocket: {server} ({SERVERS[server][0]})", ""]
        lines += got
    lines += [
        "  key → send: the page turns the key into the widget message;",
        "  send → 1st reply: to the kernel and back (the first message after",
        "  the send, normally 'status busy'); 1st reply → frame: the kernel",
        "  handles the move (echo_update, compute, draw, encode) until the frame",
        "  (bare: the label update) arrives; frame waits: arrival → the page's",
        "  handler starts; frame → paint: decode and putImageData; page on",
        "  status: page time spent handling status messages before the frame.",
        "",
        f"  load average at end: {benchlib.loadavg()}",
        f"  wall time: {time.monotonic() - t_start:.0f} s",
    ]
    text = "\n".join(lines)
    path = benchlib.write_results(args.output, text)
    print("\n".join(lines[len(head) :]))
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
