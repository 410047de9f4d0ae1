// The page side of dlcore.live.figure.FigureWidget (an anywidget ES module).
//
// One view: an element of class "dlcore-figure" holding ONE <canvas>. Frames
// from the kernel ({type: "frame", seq, width, height, ratio, encoding, x, y,
// w, h, base, runs, pixels} plus one binary buffer, see figure.py) are
// decoded (DecompressionStream for "deflate", createImageBitmap for "png")
// and painted with putImageData on that canvas, one after the other in the
// order they came; the canvas is then marked with dataset.seq = the frame's
// sequence number. The view keeps the pixels on screen (`current`): a whole
// frame (base -1) replaces them, a change (base >= 0) writes its runs of
// changed pixels into them and repaints the rectangle x, y, w, h. A frame is
// painted only if its seq is newer than the one on screen; a change only if
// frame `base` is on screen, else the page asks for a whole frame. Pointer
// presses, drags and releases go to the kernel in frame pixels, origin at the
// bottom-left corner.
//
// With no kernel (a notebook's saved widget state) the view shows the "png"
// snapshot; when the kernel goes away the canvas keeps its last image.

const ACK_TIMEOUT_MS = 500; // a drag move not acknowledged by then is let go

function bytesOf(buffer) {
  if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  return new Uint8Array(buffer);
}

// a zlib stream -> its bytes, which must be exactly `length` long
async function inflate(bytes, length) {
  const out = new Uint8ClampedArray(length);
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  let filled = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (filled + value.length > length) throw new Error("frame too long");
    out.set(value, filled);
    filled += value.length;
  }
  if (filled !== length) throw new Error("frame too short");
  return out;
}

// Write a change into `image` (the frame on screen). `payload`: `runs`
// (skip, copy) pairs of uint32, then `pixels` RGBA pixels; pixel numbers
// count row by row from the first pixel of row `row`.
function applyRuns(image, payload, runs, pixels, row) {
  const target = new Uint32Array(image.data.buffer);
  const pairs = new Uint32Array(payload.buffer, 0, 2 * runs);
  const values = new Uint32Array(payload.buffer, 8 * runs, pixels);
  let at = row * image.width;
  let next = 0;
  for (let k = 0; k < 2 * runs; k += 2) {
    at += pairs[k];
    const copy = pairs[k + 1];
    if (at + copy > target.length || next + copy > pixels) {
      throw new Error("a run outside the frame");
    }
    for (let j = 0; j < copy; j++) target[at + j] = values[next + j];
    at += copy;
    next += copy;
  }
  if (next !== pixels) throw new Error("pixels left over");
}

// a PNG file -> ImageData (drawn on a scratch canvas, never the visible one)
async function decodePng(bytes) {
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const scratch = document.createElement("canvas");
  scratch.width = bitmap.width;
  scratch.height = bitmap.height;
  const ctx = scratch.getContext("2d");
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, scratch.width, scratch.height);
}

function render({ model, el }) {
  el.classList.add("dlcore-figure");
  const canvas = document.createElement("canvas");
  canvas.style.display = "block";
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  const canInflate = typeof DecompressionStream === "function";
  let shown = -1; // seq of the frame on screen
  let failures = 0;
  let refreshing = false;

  function send(msg) {
    try {
      model.send(msg);
    } catch (err) {
      // no kernel (saved widget state, or the kernel went away): nothing to ask
    }
  }

  let current = null; // ImageData of the frame on screen

  // a whole frame, or (with a rectangle) the part of `current` that changed
  function paint(image, seq, ratio, rect = null) {
    if (seq <= shown) return; // a newer frame is already on screen
    if (canvas.width !== image.width) canvas.width = image.width;
    if (canvas.height !== image.height) canvas.height = image.height;
    const r = ratio > 0 ? ratio : 1;
    canvas.style.width = `${image.width / r}px`;
    canvas.style.height = `${image.height / r}px`;
    if (rect === null) ctx.putImageData(image, 0, 0);
    else if (rect.w > 0 && rect.h > 0) {
      ctx.putImageData(image, 0, 0, rect.x, rect.y, rect.w, rect.h);
    }
    current = image;
    shown = seq;
    canvas.dataset.seq = String(seq);
    failures = 0;
    refreshing = false;
  }

  function hello() {
    send({
      type: "hello",
      ratio: window.devicePixelRatio || 1,
      encoding: canInflate ? "deflate" : "png",
    });
  }

  function askWhole() {
    if (!refreshing) {
      refreshing = true;
      send({ type: "refresh" });
    }
  }

  function failed(err) {
    console.warn("dlcore: a figure frame could not be shown", err);
    failures += 1;
    if (failures >= 3 && canInflate) {
      send({ type: "hello", ratio: window.devicePixelRatio || 1, encoding: "png" });
    } else {
      askWhole();
    }
  }

  // -- frames ---------------------------------------------------------------
  let inFlight = null; // id of the drag move the kernel has not acknowledged
  let ackTimer = null;
  let pendingMove = null;
  let nextId = 0;

  function onMessage(msg, buffers) {
    if (!msg) return;
    if (msg.type === "ack") {
      if (msg.id === inFlight) {
        clearTimeout(ackTimer);
        inFlight = null;
        pump();
      }
      return;
    }
    if (msg.type !== "frame" || msg.seq <= shown || !buffers || !buffers.length) {
      return;
    }
    queue.push({ msg, bytes: bytesOf(buffers[0]) });
    drain();
  }

  // Frames are shown in the order they came (a change needs the frame
  // before it); a whole frame further on makes the ones before it moot.
  let queue = [];
  let draining = false;
  const isWhole = (msg) => !(msg.base >= 0);

  async function drain() {
    if (draining) return;
    draining = true;
    try {
      while (queue.length) {
        let k = 0;
        for (let i = queue.length - 1; i > 0; i--) {
          if (isWhole(queue[i].msg)) {
            k = i;
            break;
          }
        }
        const { msg, bytes } = queue[k];
        queue = queue.slice(k + 1);
        await show(msg, bytes);
      }
    } finally {
      draining = false;
    }
  }

  async function show(msg, bytes) {
    if (msg.seq <= shown) return;
    if (isWhole(msg)) await showWhole(msg, bytes);
    else await showChange(msg, bytes);
  }

  async function showWhole(msg, bytes) {
    let image;
    try {
      if (msg.encoding === "png") image = await decodePng(bytes);
      else {
        const data = await inflate(bytes, 4 * msg.width * msg.height);
        image = new ImageData(data, msg.width, msg.height);
      }
    } catch (err) {
      failed(err);
      return;
    }
    paint(image, msg.seq, msg.ratio);
  }

  async function showChange(msg, bytes) {
    const fits = current?.width === msg.width && current?.height === msg.height;
    if (msg.base !== shown || !fits) {
      askWhole(); // the frame it changes is not on screen
      return;
    }
    const image = current;
    try {
      const payload = await inflate(bytes, 8 * msg.runs + 4 * msg.pixels);
      if (image !== current || msg.base !== shown) {
        askWhole(); // another frame was painted meanwhile
        return;
      }
      applyRuns(image, payload, msg.runs, msg.pixels, msg.y);
    } catch (err) {
      current = null; // half written: only a whole frame may follow
      failed(err);
      return;
    }
    paint(image, msg.seq, msg.ratio, msg);
  }

  function showSnapshot() {
    const png = model.get("png");
    if (!png || png.byteLength === 0) return;
    const seq = model.get("png_seq");
    if (seq <= shown) return;
    decodePng(bytesOf(png)).then(
      (image) => paint(image, seq, model.get("png_ratio")),
      (err) => console.warn("dlcore: the saved figure could not be shown", err),
    );
  }

  // -- pointer events -----------------------------------------------------------
  let pressed = false;

  function point(kind, event) {
    const rect = canvas.getBoundingClientRect();
    const sx = rect.width > 0 ? canvas.width / rect.width : 1;
    const sy = rect.height > 0 ? canvas.height / rect.height : 1;
    return {
      type: "pointer",
      kind,
      x: (event.clientX - rect.left) * sx,
      y: canvas.height - (event.clientY - rect.top) * sy,
      width: canvas.width,
      height: canvas.height,
      id: ++nextId,
    };
  }

  function pump() {
    if (inFlight !== null || pendingMove === null) return;
    const move = pendingMove;
    pendingMove = null;
    inFlight = move.id;
    send(move);
    ackTimer = setTimeout(() => {
      inFlight = null;
      pump();
    }, ACK_TIMEOUT_MS);
  }

  function onDown(event) {
    if (event.button !== 0 || !model.get("interactive")) return;
    pressed = true;
    canvas.setPointerCapture?.(event.pointerId);
    send(point("press", event));
    event.preventDefault();
  }

  function onMove(event) {
    if (!pressed) return;
    pendingMove = point("move", event);
    pump();
  }

  function onUp(event) {
    if (!pressed) return;
    pressed = false;
    if (pendingMove !== null) {
      send(pendingMove); // the last position is never dropped
      pendingMove = null;
    }
    send(point("release", event));
  }

  function styleCursor() {
    const on = model.get("interactive");
    canvas.style.cursor = on ? "crosshair" : "";
    canvas.style.touchAction = on ? "none" : "";
  }

  // -- devicePixelRatio changes (browser zoom, another screen) ---------------------
  let media = null;
  function watchRatio() {
    media?.removeEventListener("change", onRatio);
    if (typeof window.matchMedia !== "function") return;
    media = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    media.addEventListener("change", onRatio);
  }
  function onRatio() {
    watchRatio();
    hello();
  }

  model.on("msg:custom", onMessage);
  model.on("change:png", showSnapshot);
  model.on("change:interactive", styleCursor);
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointercancel", onUp);
  styleCursor();
  showSnapshot();
  watchRatio();
  hello(); // a new view asks for the current frame

  return () => {
    model.off("msg:custom", onMessage);
    model.off("change:png", showSnapshot);
    model.off("change:interactive", styleCursor);
    media?.removeEventListener("change", onRatio);
    clearTimeout(ackTimer);
  };
}

export default { render };
