/* The network at a glance: a model's stages drawn left to right as small multiples on one canvas, with
 * thin lines from each block to the blocks it feeds (CNN Explainer's overview, drawn in a few ms).
 * Adds N.netView, N.netStages and N.largestAbs to window.N (load after naturally.js).
 *
 * A drawing is a list of columns; a column holds one or more blocks side by side (an Inception block's
 * four branches); a block is one of
 *   {kind: "maps", maps: [{data, h, w}], scale: "diverging" | "gray", lim, box}  small heatmaps, stacked
 *       (box: their largest width in px; perSub: maps per sub-column, 24 by default; rows: true draws
 *       one map whose rows line up with text rows)
 *   {kind: "vector", data, lim}                                         one value a row, as a strip
 *   {kind: "bars", labels, values, best}                                probabilities 0–1, best stands out
 *   {kind: "text", rows}                                                one string a row (letters, codes)
 * and every block may carry `id`, `label` (drawn above it) and `feeds: [{from: blockId, mode}]`, mode
 * "skip" (one dashed arc under the columns between, a residual connection), "all" (every item of `from`
 * to every item), "one" (item i to item i), "rows" (row r of a one-map block to row r), {segments: n,
 * first: k} (item i of `from` to part k + i of a vector cut in n equal parts) or {row, part, parts}
 * (one row of a one-map block to one part of a vector). Values map to colours around 0, ±lim (the block's largest
 * |value| by default). */
(() => {
  "use strict";

  const HEAD = 34; // px above the blocks: the column's title and shape
  const FOOT = 20; // px below the blocks: where a skip connection runs
  const LABEL = 11; // px more above the blocks when some have a label
  const GAP = 3; // px between two maps of a block
  const LINK = 30; // px between two columns, where the lines run
  const MAX_PER_SUB = 24; // a block of more maps is drawn in several sub-columns
  const ROW = 22; // px: the tallest row of a text block, and of a map whose rows line up with it
  const MIN_BOX = 6; // px: the narrowest map
  const MIN_FIT = 0.55; // maps shrink at most to this share of their size to fit the frame's width

  /* ---- colour tables: 256 RGBA entries, index 0 = −lim (or 0 for gray), 255 = +lim ---- */
  const hex = (h) => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16));
  function table(stops) {
    const lut = new Uint32Array(256);
    const rgb = stops.map(([at, c]) => [
      at,
      hex(c.length === 4 ? `#${[...c.slice(1)].map((d) => d + d).join("")}` : c),
    ]);
    for (let i = 0; i < 256; i++) {
      const t = i / 255;
      let k = 0;
      while (k < rgb.length - 2 && t > rgb[k + 1][0]) k++;
      const [a, ca] = rgb[k];
      const [b, cb] = rgb[k + 1];
      const f = Math.min(1, Math.max(0, (t - a) / (b - a || 1)));
      const [r, g, bl] = ca.map((v, j) => Math.round(v + f * (cb[j] - v)));
      lut[i] = (255 << 24) | (bl << 16) | (g << 8) | r; // little-endian RGBA
    }
    return lut;
  }
  let LUTS = null;
  const luts = () => {
    LUTS ??= { diverging: table(N.SCALES.diverging), gray: table(N.SCALES.gray) };
    return LUTS;
  };

  function largest(data) {
    let m = 0;
    for (const v of data) m = Math.max(m, Math.abs(v));
    return m || 1;
  }

  /** Colour index 0–255 of value v: around 0 for "diverging", 0…lim for "gray". */
  const shade = (v, lim, gray) =>
    Math.max(0, Math.min(255, Math.round(gray ? (255 * v) / lim : 127.5 + (127.5 * v) / lim)));

  /* ---- layout: where every item sits, in CSS pixels ---- */
  /** The height of one row of a block whose rows line up across columns (`rows: true`). */
  const rowHeight = (n, room) => Math.min(ROW, room / n);

  function blockSize(b, room, shrink = 1) {
    if (b.kind === "bars") return { w: b.width ?? 150, items: b.values.length };
    if (b.kind === "vector") return { w: b.width ?? 16, items: 1 };
    if (b.kind === "text") return { w: b.width ?? 26, items: 1 };
    const n = b.maps.length;
    const subs = Math.ceil(n / (b.perSub ?? MAX_PER_SUB));
    const per = Math.ceil(n / subs);
    const { h, w } = b.maps[0];
    if (b.rows) {
      const box = b.box ?? 128; // a fixed width; each row of the map as tall as a text row
      return { w: box, items: 1, box, subs: 1, per: 1, aspect: (h * rowHeight(h, room)) / box };
    }
    const aspect = h / w;
    const fit = (room / per - GAP) / aspect; // the widest box that fits the height
    const box = Math.max(MIN_BOX, Math.min((b.box ?? 56) * shrink, fit));
    return { w: subs * box + (subs - 1) * GAP, items: n, box, subs, per, aspect };
  }

  function layout(columns, width, height) {
    const head = HEAD + (columns.some((c) => c.blocks.some((b) => b.label)) ? LABEL : 0);
    const room = height - head - FOOT;
    const size = (shrink) => {
      const sized = columns.map((col) => col.blocks.map((b) => ({ b, ...blockSize(b, room, shrink) })));
      const widths = sized.map((bs) => bs.reduce((s, x) => s + x.w, 0) + (bs.length - 1) * 8);
      return { sized, widths, need: widths.reduce((s, w) => s + w, 0) + LINK * (columns.length - 1) + 16 };
    };
    // narrower maps rather than a sideways scroll when MIN_FIT of their size fits (a phone scrolls)
    let fitted = size(1);
    if (fitted.need > width && size(MIN_FIT).need <= width) {
      for (let shrink = 0.95; fitted.need > width; shrink -= 0.05) fitted = size(shrink);
    }
    const { sized, widths, need } = fitted;
    const spare = Math.max(0, width - need);
    const link = LINK + spare / Math.max(1, columns.length - 1); // spread the columns over the width
    const boxes = []; // every item: {x, y, w, h, block, i}
    const blocks = new Map(); // block id → {b, x, y, w, h, items}
    let x = 8;
    sized.forEach((bs, c) => {
      const col = columns[c];
      col.x = x;
      col.w = widths[c];
      let bx = x;
      for (const s of bs) {
        const items = place(s, bx, room, head);
        const ys = items.map((it) => it.y);
        const info = { b: s.b, x: bx, w: s.w, items, top: Math.min(...ys), col };
        info.bottom = Math.max(...items.map((it) => it.y + it.h));
        if (s.b.id) blocks.set(s.b.id, info);
        items.forEach((it, i) => {
          Object.assign(it, { block: s.b, i, info });
          boxes.push(it);
        });
        bx += s.w + 8;
      }
      x += widths[c] + link;
    });
    return { boxes, blocks, link, width: Math.max(width, need), height };
  }

  /** The items of one block, centred in the room below the titles. */
  function place(s, x, room, head) {
    const b = s.b;
    const mid = head + room / 2;
    if (b.kind === "maps") {
      const bh = s.box * s.aspect;
      const out = [];
      for (let i = 0; i < s.items; i++) {
        const sub = Math.floor(i / s.per);
        const row = i % s.per;
        const inSub = Math.min(s.per, s.items - sub * s.per);
        const top = mid - (inSub * (bh + GAP) - GAP) / 2;
        out.push({ x: x + sub * (s.box + GAP), y: top + row * (bh + GAP), w: s.box, h: bh });
      }
      return out;
    }
    if (b.kind === "bars") {
      const rowH = Math.min(26, room / s.items);
      const top = mid - (rowH * s.items) / 2;
      return b.values.map((_, i) => ({ x, y: top + i * rowH, w: s.w, h: rowH }));
    }
    const h = b.kind === "text" ? b.rows.length * rowHeight(b.rows.length, room) : room;
    return [{ x, y: mid - h / 2, w: s.w, h }];
  }

  /* ---- painting ---- */
  const scratch = document.createElement("canvas");

  function paintMap(ctx, it, m, lut, lim, gray) {
    if (scratch.width !== m.w || scratch.height !== m.h) Object.assign(scratch, { width: m.w, height: m.h });
    const sctx = scratch.getContext("2d");
    const img = sctx.createImageData(m.w, m.h);
    const px = new Uint32Array(img.data.buffer);
    for (let k = 0; k < px.length; k++) px[k] = lut[shade(m.data[k], lim, gray)];
    sctx.putImageData(img, 0, 0);
    ctx.drawImage(scratch, it.x, it.y, it.w, it.h);
  }

  function paintBlock(ctx, info, style) {
    const b = info.b;
    if (b.label) {
      ctx.fillStyle = style.muted;
      ctx.font = `10px ${style.font}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "alphabetic";
      ctx.fillText(b.label, info.x + info.w / 2, info.top - 3, info.w + 6);
    }
    if (b.kind === "maps") {
      const gray = b.scale === "gray";
      const lut = luts()[gray ? "gray" : "diverging"];
      const lim = b.lim ?? (gray ? 255 : Math.max(...b.maps.map((m) => largest(m.data))));
      info.items.forEach((it, i) => {
        paintMap(ctx, it, b.maps[i], lut, lim, gray);
        ctx.strokeStyle = style.line;
        ctx.lineWidth = 1;
        ctx.strokeRect(it.x - 0.5, it.y - 0.5, it.w + 1, it.h + 1);
      });
    } else if (b.kind === "vector") {
      const it = info.items[0];
      const lim = b.lim ?? largest(b.data);
      paintMap(ctx, it, { data: b.data, h: b.data.length, w: 1 }, luts().diverging, lim, false);
      ctx.strokeStyle = style.line;
      ctx.strokeRect(it.x - 0.5, it.y - 0.5, it.w + 1, it.h + 1);
    } else if (b.kind === "text") {
      const it = info.items[0];
      const rowH = it.h / b.rows.length;
      ctx.fillStyle = style.ink;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.font = `${Math.min(15, rowH * 0.8)}px ${style.font}`;
      b.rows.forEach((text, r) => {
        ctx.fillText(text, it.x + it.w / 2, it.y + (r + 0.5) * rowH);
      });
    } else {
      paintBars(ctx, info, style);
    }
  }

  function paintBars(ctx, info, style) {
    const b = info.b;
    const labelW = b.labelWidth ?? 24;
    ctx.textBaseline = "middle";
    info.items.forEach((it, i) => {
      const best = i === b.best;
      const room = it.w - labelW - 44;
      const bh = Math.max(2, Math.min(14, it.h - 5));
      ctx.font = `${best ? "700 " : ""}${Math.min(13, it.h - 2)}px ${style.font}`;
      ctx.fillStyle = best ? style.red : style.ink;
      ctx.textAlign = "right";
      ctx.fillText(b.labels[i], it.x + labelW - 4, it.y + it.h / 2);
      ctx.fillStyle = style.line;
      ctx.fillRect(it.x + labelW, it.y + (it.h - bh) / 2, room, bh);
      ctx.fillStyle = best ? style.red : style.accent;
      ctx.fillRect(it.x + labelW, it.y + (it.h - bh) / 2, Math.max(1, room * b.values[i]), bh);
      ctx.fillStyle = best ? style.red : style.muted;
      ctx.textAlign = "left";
      ctx.fillText(
        `${(100 * b.values[i]).toFixed(b.values[i] < 0.1 ? 1 : 0)}%`,
        it.x + labelW + room + 4,
        it.y + it.h / 2,
      );
    });
  }

  /** The line ends between two blocks for one feed: [[x0, y0, x1, y1], …]. */
  function links(from, to, mode) {
    const right = (it) => it.x + it.w;
    const cy = (it) => it.y + it.h / 2;
    const out = [];
    if (mode === "all") {
      for (const a of from.items) for (const b of to.items) out.push([right(a), cy(a), b.x, cy(b), a, b]);
    } else if (mode === "one") {
      from.items.forEach((a, i) => {
        const b = to.items[i];
        if (b) out.push([right(a), cy(a), b.x, cy(b), a, b]);
      });
    } else if (mode === "rows") {
      const [a, b] = [from.items[0], to.items[0]];
      const n = rowsOf(from.b);
      for (let r = 0; r < n; r++) {
        out.push([right(a), a.y + ((r + 0.5) * a.h) / n, b.x, b.y + ((r + 0.5) * b.h) / rowsOf(to.b), a, b]);
      }
    } else if (mode.segments) {
      const b = to.items[0];
      from.items.forEach((a, i) => {
        out.push([right(a), cy(a), b.x, b.y + ((mode.first + i + 0.5) * b.h) / mode.segments, a, b]);
      });
    } else {
      const [a, b] = [from.items[0], to.items[0]];
      const ya = a.y + ((mode.row + 0.5) * a.h) / rowsOf(from.b);
      out.push([right(a), ya, b.x, b.y + ((mode.part + 0.5) * b.h) / mode.parts, a, b]);
    }
    return out;
  }

  const rowsOf = (b) => (b.kind === "maps" ? b.maps[0].h : b.kind === "text" ? b.rows.length : 1);

  function curve(ctx, [x0, y0, x1, y1]) {
    const mx = (x0 + x1) / 2;
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(mx, y0, mx, y1, x1, y1);
  }

  /**
   * Draw columns on a canvas inside `frame` (a scrolling container). Options: height (CSS px),
   * select(item) when a map or bar is clicked or chosen with Enter ({block, i} with the block's own
   * fields), hover(item or null) when the pointer moves onto an item or off it, describe(item) → the
   * text read out when the keyboard moves onto an item, label (the canvas's accessible name). Returns {draw(columns), select(blockId, i), boxes()}.
   */
  function netView(frame, opts = {}) {
    const base = document.createElement("canvas");
    const over = document.createElement("canvas");
    base.className = "net-base";
    over.className = "net-over";
    over.tabIndex = 0;
    over.setAttribute("role", "application");
    if (opts.label) over.setAttribute("aria-label", opts.label);
    const live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    const stack = document.createElement("div");
    stack.className = "net-stack";
    stack.append(base, over);
    frame.append(stack, live);
    const css = getComputedStyle(document.documentElement);
    const style = {
      ink: N.COLORS.ink,
      muted: N.COLORS.muted,
      line: N.COLORS.line,
      accent: N.COLORS.accent,
      red: N.COLORS.red,
      font: css.fontFamily,
    };
    let columns = [];
    let plan = null;
    let hover = null;
    let chosen = null; // {id, i}: the item the keyboard or a click chose
    let lines = []; // [{from, to, ends}] of the current plan

    function size(canvas, w, h) {
      const dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
      const ctx = canvas.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.imageSmoothingEnabled = false;
      return ctx;
    }

    function draw(cols) {
      columns = cols;
      const height = opts.height ?? 520;
      plan = layout(columns, frame.clientWidth, height);
      const ctx = size(base, plan.width, height);
      size(over, plan.width, height);
      stack.style.width = `${plan.width}px`;
      stack.style.height = `${height}px`;
      lines = [];
      const skips = [];
      for (const info of plan.blocks.values()) {
        for (const f of info.b.feeds ?? []) {
          const from = plan.blocks.get(f.from);
          if (from && f.mode === "skip") skips.push([from, info]);
          else if (from) lines.push({ from, to: info, ends: links(from, info, f.mode) });
        }
      }
      for (const [from, to] of skips) skip(ctx, from, to);
      ctx.strokeStyle = "rgba(100, 116, 139, 0.16)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const l of lines) for (const e of l.ends) curve(ctx, e);
      ctx.stroke();
      titles(ctx);
      for (const info of new Set(plan.boxes.map((it) => it.info))) paintBlock(ctx, info, style);
      if (chosen && !find(chosen.id, chosen.i)) chosen = null;
      highlight();
    }

    /** A skip connection: one dashed arc under the columns it jumps over, labelled "+ x". */
    function skip(ctx, from, to) {
      const [x0, x1] = [from.x + from.w / 2, to.x + to.w / 2];
      const low = plan.height - 5;
      ctx.save();
      ctx.strokeStyle = style.accent;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 3]);
      ctx.beginPath();
      ctx.moveTo(x0, from.bottom + 2);
      ctx.bezierCurveTo(x0, low, x1, low, x1, to.bottom + 2);
      ctx.stroke();
      ctx.fillStyle = style.accent;
      ctx.font = `600 11px ${style.font}`;
      ctx.textAlign = "center";
      ctx.fillText("+ x", (x0 + x1) / 2, low - 3);
      ctx.restore();
    }

    function titles(ctx) {
      ctx.textAlign = "center";
      ctx.textBaseline = "alphabetic";
      const text = (s, y) => {
        // centred over the column, squeezed into the room it has, kept inside the canvas
        const w = Math.min(ctx.measureText(s).width, room);
        const x = Math.max(w / 2 + 2, Math.min(plan.width - w / 2 - 2, cx));
        ctx.fillText(s, x, y, room);
      };
      let cx;
      let room;
      for (const col of columns) {
        cx = col.x + col.w / 2;
        room = col.w + plan.link - 6;
        ctx.fillStyle = style.ink;
        ctx.font = `600 12px ${style.font}`;
        text(col.title, 13);
        ctx.fillStyle = style.muted;
        ctx.font = `11px ${style.font}`;
        if (col.sub) text(col.sub, 27);
      }
    }

    const find = (id, i) => plan?.boxes.find((it) => it.block.id === id && it.i === i);
    const at = (x, y) =>
      plan?.boxes.find(
        (it) =>
          it.block.kind !== "text" &&
          it.block.kind !== "vector" &&
          x >= it.x &&
          x <= it.x + it.w &&
          y >= it.y &&
          y <= it.y + it.h,
      );

    /** The overlay: the hovered and chosen items outlined, with the lines that feed them. */
    function highlight() {
      const ctx = over.getContext("2d");
      ctx.clearRect(0, 0, plan.width, plan.height);
      const marks = [hover, chosen && find(chosen.id, chosen.i)].filter(Boolean);
      for (const it of marks) {
        ctx.strokeStyle = "rgba(29, 78, 216, 0.55)";
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (const l of lines) for (const e of l.ends) if (e[5] === it) curve(ctx, e);
        ctx.stroke();
        ctx.strokeStyle = N.COLORS.warn;
        ctx.lineWidth = 2.5;
        ctx.strokeRect(it.x - 2, it.y - 2, it.w + 4, it.h + 4);
      }
    }

    function point(ev) {
      const r = over.getBoundingClientRect();
      return [ev.clientX - r.left, ev.clientY - r.top];
    }
    over.addEventListener("pointermove", (ev) => {
      const it = at(...point(ev));
      over.style.cursor = it ? "pointer" : "default";
      if (it === hover) return;
      hover = it;
      opts.hover?.(it ?? null);
      requestAnimationFrame(highlight);
    });
    over.addEventListener("pointerleave", () => {
      hover = null;
      opts.hover?.(null);
      highlight();
    });
    over.addEventListener("click", (ev) => {
      const it = at(...point(ev));
      if (!it) return;
      chosen = { id: it.block.id, i: it.i };
      highlight();
      opts.select?.(it);
    });

    /* keyboard: arrows move between items (up/down in a block, left/right to the next block), Enter opens */
    const pickable = () => plan.boxes.filter((it) => it.block.kind === "maps" || it.block.kind === "bars");
    function move(key) {
      const items = pickable();
      const cur = (chosen && find(chosen.id, chosen.i)) || items[0];
      let next = cur;
      if (key === "ArrowDown" || key === "ArrowUp") {
        const same = items.filter((it) => it.block === cur.block);
        next = same[Math.max(0, Math.min(same.length - 1, cur.i + (key === "ArrowDown" ? 1 : -1)))];
      } else if (key === "ArrowRight" || key === "ArrowLeft") {
        const order = [...new Set(items.map((it) => it.block))];
        const k = order.indexOf(cur.block) + (key === "ArrowRight" ? 1 : -1);
        const block = order[Math.max(0, Math.min(order.length - 1, k))];
        const same = items.filter((it) => it.block === block);
        next =
          same[
            Math.min(
              same.length - 1,
              Math.round((cur.i / Math.max(1, cur.info.items.length - 1)) * (same.length - 1)),
            )
          ];
      }
      chosen = { id: next.block.id, i: next.i };
      highlight();
      if (next.x < frame.scrollLeft || next.x + next.w > frame.scrollLeft + frame.clientWidth) {
        frame.scrollLeft = Math.max(0, next.x - frame.clientWidth / 2);
      }
      live.textContent = opts.describe?.(next) ?? "";
    }
    over.addEventListener("keydown", (ev) => {
      if (!plan) return;
      if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(ev.key)) {
        ev.preventDefault();
        move(ev.key);
      } else if ((ev.key === "Enter" || ev.key === " ") && chosen) {
        ev.preventDefault();
        opts.select?.(find(chosen.id, chosen.i));
      }
    });
    over.addEventListener("focus", () => {
      if (plan && !chosen) move("");
    });

    let width = frame.clientWidth;
    new ResizeObserver(() => {
      if (frame.clientWidth !== width && columns.length) {
        width = frame.clientWidth;
        draw(columns);
      }
    }).observe(frame);

    return {
      draw,
      select(id, i) {
        chosen = id == null ? null : { id, i };
        if (plan) highlight();
      },
      boxes: () => plan?.boxes ?? [],
    };
  }

  /**
   * The columns of a stage-outputs answer (POST /api/overview/digits and others of its shape): the
   * input, each column of stages, the flattened vector and the class bars. title(column) and
   * sub(stage shapes) name the columns; labels(classes) the bars.
   */
  function netStages(res, text = {}) {
    const title = text.title ?? ((c) => c);
    const input = N.tensor(res.input);
    const cols = [
      {
        id: "input",
        title: title("input"),
        sub: input.shape.join("×"),
        blocks: [
          {
            id: "input",
            kind: "maps",
            scale: "gray",
            lim: 255,
            box: 84,
            maps: [{ data: input.data, h: input.shape[0], w: input.shape[1] }],
          },
        ],
      },
    ];
    for (const s of res.stages) {
      const t = N.tensor(s.maps);
      const [c, h, w] = t.shape;
      const maps = Array.from({ length: c }, (_, k) => ({
        data: t.data.subarray(k * h * w, (k + 1) * h * w),
        h,
        w,
      }));
      const one = s.kind !== "conv";
      const block = {
        id: s.name,
        kind: "maps",
        stage: s,
        maps,
        box: w >= 20 ? 56 : 40,
        label: s.name.includes(".") && s.column === s.name.split(".")[0] ? s.name.split(".")[1] : undefined,
        feeds: s.sources.map((from, k) => ({
          from,
          mode: s.kind === "add" && k === 0 ? "skip" : one ? "one" : "all",
        })),
      };
      let col = cols.at(-1);
      if (col.id !== s.column) {
        col = { id: s.column, title: title(s.column), blocks: [] };
        cols.push(col);
      }
      col.blocks.push(block);
      const channels = col.blocks.reduce((n, b) => n + b.maps.length, 0);
      col.sub = `${channels}×${h}×${w}`;
    }
    const flat = N.tensor(res.flatten);
    const last = cols.at(-1).blocks;
    const segments = last.reduce((n, b) => n + b.maps.length, 0); // one per map of the last column
    let first = 0;
    const feeds = last.map((b) => {
      const feed = { from: b.id, mode: { segments, first } };
      first += b.maps.length;
      return feed;
    });
    cols.push({
      id: "flatten",
      title: title("flatten"),
      sub: String(flat.shape[0]),
      blocks: [{ id: "flatten", kind: "vector", data: flat.data, feeds }],
    });
    cols.push({
      id: "output",
      title: title("output"),
      sub: String(res.probabilities.length),
      blocks: [
        {
          id: "output",
          kind: "bars",
          labels: text.labels?.(res.classes) ?? res.classes,
          values: res.probabilities,
          best: res.prediction,
          feeds: [{ from: "flatten", mode: "all" }],
        },
      ],
    });
    return cols;
  }

  window.N.netView = netView;
  window.N.largestAbs = largest; // the default ±lim of a block: its largest |value| (1 if all are 0)
  window.N.netStages = netStages;
})();
