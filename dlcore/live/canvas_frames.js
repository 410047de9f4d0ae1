// How the page shows a dlcore panel's frames (loaded by dlcore.widgets).
//
// ipympl's canvas model handles every PNG frame from the kernel on the page's
// main thread: it points an <img> at the frame, encodes the PREVIOUS frame
// with canvas.toDataURL() (its snapshot for a saved notebook), and decodes the
// new one inside drawImage when the image loads. This module gives the
// panel's canvas model (and only that one) a handler that
//
//   * takes the kernel's raw frames (dlcore.widgets.raw_frame_bytes: zlib
//     RGBA rows, which the kernel sends once this module said "installed"),
//     inflates them with DecompressionStream and puts the pixels on the
//     off-screen canvas: no image decoder, no Blob;
//   * decodes a PNG frame (sent before that) with createImageBitmap and draws
//     it like ipympl does: clear the off-screen canvas when the image mode is
//     "full", draw the frame at (0, 0);
//   * copies the off-screen canvas to every view, as ipympl does;
//   * drops a frame that finishes decoding after a newer one was drawn;
//   * stores the snapshot (_data_url) once the frames stop, when the page is
//     idle, instead of on every frame.
//
// The kernel switches it on and off with the "fast" trait; off restores
// ipympl's own handler. A PNG that fails to decode goes to ipympl's handler;
// a raw frame that fails sets "installed" back to false (PNG frames again)
// and asks for the frame once more.

const STATE = Symbol.for("dlcore.canvasFrames");
const SNAPSHOT_DELAY_MS = 300;

function viewOf(buffer) {
  if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  return new Uint8Array(buffer);
}

function snapshotLater(canvas, st) {
  clearTimeout(st.timer);
  st.timer = setTimeout(() => {
    const store = () => {
      if (canvas[STATE] === st && st.on) {
        canvas.set("_data_url", canvas.offscreen_canvas.toDataURL());
      }
    };
    if (window.requestIdleCallback) {
      window.requestIdleCallback(store, { timeout: 2000 });
    } else {
      store();
    }
  }, SNAPSHOT_DELAY_MS);
}

// "DLRGBA01", then width and height (big-endian uint32), then the RGBA rows
// in the zlib format (dlcore.widgets.raw_frame_bytes)
const MAGIC = [0x44, 0x4c, 0x52, 0x47, 0x42, 0x41, 0x30, 0x31];

function isRaw(bytes) {
  return bytes.length > 16 && MAGIC.every((b, i) => bytes[i] === b);
}

async function inflateRaw(bytes) {
  const head = new DataView(bytes.buffer, bytes.byteOffset + 8, 8);
  const width = head.getUint32(0);
  const height = head.getUint32(4);
  const pixels = new Uint8ClampedArray(width * height * 4);
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  writer.write(bytes.subarray(16)).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  let filled = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (filled + value.length > pixels.length) throw new Error("frame too long");
    pixels.set(value, filled);
    filled += value.length;
  }
  if (filled !== pixels.length) throw new Error("frame too short");
  return new ImageData(pixels, width, height);
}

function decode(bytes) {
  if (isRaw(bytes)) return inflateRaw(bytes);
  return createImageBitmap(new Blob([bytes], { type: "image/png" }));
}

function handleFrame(canvas, st, msg, buffers) {
  const seq = ++st.received;
  canvas.waiting_for_image = false;
  decode(viewOf(buffers[0])).then(
    (bitmap) => {
      if (seq < st.drawn) {
        bitmap.close?.(); // a newer frame is already on screen
        return;
      }
      st.drawn = seq;
      const target = canvas.offscreen_canvas;
      const ctx = canvas.offscreen_context;
      if (bitmap instanceof ImageData) {
        ctx.putImageData(bitmap, 0, 0); // a whole frame: replaces every pixel
      } else {
        if (canvas.get("_image_mode") === "full") {
          ctx.clearRect(0, 0, target.width, target.height);
        }
        ctx.drawImage(bitmap, 0, 0);
        bitmap.close();
      }
      canvas._for_each_view((view) => view.update_canvas());
      snapshotLater(canvas, st);
    },
    (err) => {
      if (isRaw(viewOf(buffers[0]))) {
        // ask the kernel for PNG frames again, and for this frame once more
        console.warn("dlcore: raw frame not shown, back to PNG frames", err);
        try {
          st.model.set("installed", false);
          st.model.save_changes();
          canvas.send_message("refresh");
        } catch (err2) {
          console.warn("dlcore: could not tell the kernel", err2);
        }
      } else {
        console.warn("dlcore: frame not decoded, using ipympl's handler", err);
        st.original.call(canvas, msg, buffers);
      }
    },
  );
}

function install(canvas, model, on) {
  let st = canvas[STATE];
  if (!st) {
    st = canvas[STATE] = {
      model,
      on: false,
      received: 0,
      drawn: 0,
      timer: null,
      original: canvas.handle_binary,
    };
  }
  st.on = on;
  if (on) {
    canvas.handle_binary = (msg, buffers) => handleFrame(canvas, st, msg, buffers);
  } else {
    delete canvas.handle_binary; // ipympl's method (from the prototype) again
    clearTimeout(st.timer);
  }
}

async function initialize({ model }) {
  let canvas;
  try {
    canvas = await model.widget_manager.get_model(model.get("canvas_id"));
  } catch (err) {
    console.warn("dlcore: panel canvas not found, frames stay with ipympl", err);
    return;
  }
  if (!canvas || typeof canvas.handle_binary !== "function" ||
      typeof createImageBitmap !== "function") {
    return; // not an ipympl canvas, or an old browser: ipympl's own path
  }
  const apply = () => install(canvas, model, model.get("fast"));
  apply();
  model.on("change:fast", apply);
  if (typeof DecompressionStream !== "function") {
    return; // PNG frames only: the kernel sends raw ones after "installed"
  }
  // Already true: an earlier page installed it (this page was reloaded), so
  // the kernel may have sent raw frames before now; ask for a new frame.
  const stale = model.get("installed");
  try {
    model.set("installed", true);
    model.save_changes();
    if (stale) canvas.send_message("refresh");
  } catch (err) {
    // no kernel (a notebook's saved widget state): there are no frames to show
    console.warn("dlcore: could not tell the kernel", err);
  }
}

export default { initialize };
