/* The digit drawing pad shared by §1.5 and the home page: dark ink on white paper, drawn with the mouse,
 * a finger or a pen (pointer events; the canvas needs `touch-action: none` in CSS, as .draw canvas and
 * .net-pad have). Adds N.drawPad to window.N (load after naturally.js). */
(() => {
  "use strict";

  /**
   * Make `canvas` a drawing pad. Options:
   * - change(final): called while a stroke is drawn, at most once every `every` ms (if `every` is
   *   given), and once with final = true when the pen lifts;
   * - every: the least time between two calls during a stroke (ms); none = only at the end;
   * - width: the ink's width in canvas pixels (default: a fourteenth of the pad's side).
   * Returns {clear(), paint(rows), file(name), blank()}.
   */
  function drawPad(canvas, opts = {}) {
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const width = opts.width ?? canvas.width / 14;
    let last = null; // the pen's previous point while a stroke is drawn, else null
    let lastCall = 0;
    let inked = false;

    function clear() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      inked = false;
    }

    function point(ev) {
      const r = canvas.getBoundingClientRect();
      return [
        (ev.clientX - r.left) * (canvas.width / r.width),
        (ev.clientY - r.top) * (canvas.height / r.height),
      ];
    }

    function stroke(a, b) {
      ctx.strokeStyle = "#000";
      ctx.lineWidth = width;
      ctx.lineCap = ctx.lineJoin = "round";
      ctx.beginPath();
      ctx.moveTo(...a);
      ctx.lineTo(...b);
      ctx.stroke();
      inked = true;
    }

    function during() {
      if (!opts.every || !opts.change) return;
      const now = performance.now();
      if (now - lastCall < opts.every) return;
      lastCall = now;
      opts.change(false);
    }

    canvas.addEventListener("pointerdown", (ev) => {
      ev.preventDefault();
      canvas.setPointerCapture(ev.pointerId);
      last = point(ev);
      lastCall = performance.now(); // the first update comes `every` ms into the stroke
      stroke(last, last);
    });
    canvas.addEventListener("pointermove", (ev) => {
      if (!last) return;
      // a fast pen sends several points per frame: draw them all, in order
      for (const e of ev.getCoalescedEvents?.() ?? [ev]) {
        const p = point(e);
        stroke(last, p);
        last = p;
      }
      during();
    });
    const lift = () => {
      if (!last) return;
      last = null;
      opts.change?.(true);
    };
    canvas.addEventListener("pointerup", lift);
    canvas.addEventListener("pointercancel", lift);

    /** Draw 28×28 white-on-black pixels (rows of 0–255, MNIST's way) as dark ink on white paper. */
    function paint(rows) {
      const img = new ImageData(28, 28);
      rows.flat().forEach((v, i) => {
        img.data.set([255 - v, 255 - v, 255 - v, 255], 4 * i);
      });
      const small = document.createElement("canvas");
      small.width = small.height = 28;
      small.getContext("2d").putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
      inked = rows.flat().some((v) => v > 0);
    }

    /** The pad as a PNG file, for an upload endpoint. */
    async function file(name = "drawing.png") {
      const blob = await new Promise((ok) => canvas.toBlob(ok, "image/png"));
      return new File([blob], name, { type: "image/png" });
    }

    clear();
    return { clear, paint, file, blank: () => !inked };
  }

  window.N.drawPad = drawPad;
})();
