/* §1.3 Pooling, padding and stride: the stage walks the pooling window over a patch of one map and fills
 * in the pooled output; below, the image's maps before and after pooling (channels unchanged) and an
 * output-size explorer for convolution and pooling. Every number comes from /api/cnn/pool and
 * /api/cnn/output-size. */
(() => {
  "use strict";
  const { t, api, tensor, matrix, heatmap, panels, cellBox, draw, code, debounce, fmt, short, $, COLORS } = N;
  const P = "cnn.pooling.";
  const num = (id) => Number($(id).value);
  const NARROW = window.matchMedia("(max-width: 600px)"); // the stylesheet's phone layout
  const LINK_SIDE = [2, 24]; // a map a link brings: 2×2 to 24×24 (pool1's input is 24×24)
  let imageId = null;
  let maps = null; // { s, names, input, output, res, linked }
  let patch = null; // { n, r0, c0, c, z, res, out }
  let cell = [0, 0]; // the window shown: its cell of the pooled patch
  let lastFrame = null; // the guided walk's frame last shown (it moves the window when it changes)
  let lastExplore = null; // the explorer's last answer
  let centrePatch = false; // put the patch in the middle of a newly chosen image
  // a link that places the patch keeps it there on the first image (urlstate.js restored it already)
  let linkedPatch = ["patch-row", "patch-col"].some((id) => $(id).value !== $(id).defaultValue);

  /* ---- a link from the home page: a map to pool in place of the image's, and which one it is ---- */
  const origin = N.state.origin($("from-home"));
  let linked = null; // { rows, text }: the link's map, pooled until the learner picks other maps
  N.state.param("matrix", {
    get: () => (linked ? linked.text : null),
    set: (value) => {
      const rows = readMatrix(value);
      if (rows) linked = { rows, text: value };
      return Boolean(rows);
    },
  });

  /** Rows of numbers, a row per line, 2×2 to 24×24; null for anything else. */
  function readMatrix(text) {
    const rows = text
      .trim()
      .split("\n")
      .map((line) =>
        line
          .trim()
          .split(/[\s,]+/)
          .map(Number),
      );
    const [lo, hi] = LINK_SIDE;
    const w = rows[0].length;
    const side = (n) => n >= lo && n <= hi;
    const ok = side(rows.length) && side(w) && rows.every((r) => r.length === w && r.every(Number.isFinite));
    return ok ? rows : null;
  }

  /** The learner chose other maps: the link's map and its caption go. */
  function forgetLink() {
    if (!linked) return;
    linked = null;
    origin.forget();
  }

  /* ---- settings ---- */
  function settings() {
    const m = $("maps").value;
    const kernels = linked || m === "rgb" || m === "gray" ? [] : m.split(",");
    return {
      color: m === "gray" && !linked ? "gray" : "rgb",
      kernels,
      kind: $("kind").value,
      kernel_size: num("window"),
      stride: num("stride"),
      padding: num("padding"),
    };
  }

  // the maps' names in the page's language ("edge" → 边缘图)
  const mapNames = (s) =>
    (s.kernels.length ? s.kernels : s.color === "gray" ? ["gray"] : ["R", "G", "B"]).map((name) =>
      t(`${P}map.${name}`),
    );

  /** Colours of map c: signed maps one symmetric range (the same before and after), images 0–255. */
  function mapStyle(c) {
    const [h, w] = maps.input.shape.slice(1);
    const values = maps.input.data.subarray(c * h * w, (c + 1) * h * w);
    const signed = maps.linked
      ? values.some((v) => v < 0)
      : maps.s.kernels[c] && maps.s.kernels[c] !== "blur";
    if (signed) {
      const sorted = Float32Array.from(values, Math.abs).sort();
      const top = sorted[Math.floor(0.995 * (sorted.length - 1))] || 1;
      return { scale: "diverging", zmin: -top, zmax: top, unit: t(`${P}response`) };
    }
    if (maps.linked) return { scale: "gray", zmin: 0, zmax: Math.max(...values) || 1, unit: t(`${P}value`) };
    const scale = maps.s.color === "gray" || maps.s.kernels.length ? "gray" : ["red", "green", "blue"][c];
    return { scale, zmin: 0, zmax: 255, unit: "0–255" };
  }

  /* ---- the whole maps ---- */
  async function loadMaps() {
    if (!imageId && !linked) return;
    const s = settings();
    const { kind, kernel_size, stride, padding } = s;
    const [h, w] = linked ? [linked.rows.length, linked.rows[0].length] : [];
    const body = linked
      ? { input: { shape: [1, h, w], data: [linked.rows] }, kind, kernel_size, stride, padding }
      : { image_id: imageId, ...s };
    let res;
    try {
      res = await api("POST", "/api/cnn/pool", body, { key: "maps" });
    } catch {
      return; // a newer request is under way, or the status line says why
    }
    maps = {
      s,
      linked: Boolean(linked),
      names: linked ? [t(`${P}map.link`)] : mapNames(s),
      input: tensor(res.input),
      output: tensor(res.output),
      res,
    };
    const [c, H, W] = res.input_shape;
    const [, h2, w2] = res.output_shape;
    $("shapes").textContent = t(`${P}shapes`, { c, h: H, w: W, h2, w2 });
    fillMapSelect();
    const [row, col] = ["row", "col"].map((name) => origin.value(name));
    if (centrePatch && row && col) aimAtOutput(Number(row), Number(col));
    else if (centrePatch) aimPatch(Math.floor(H / 2), Math.floor(W / 2));
    centrePatch = false;
    drawMaps();
    await loadPatch();
  }

  /** Put the patch around (row, col) of the map, its corner on a multiple of the stride, so that its
   * windows are the whole map's own (without padding). */
  function aimPatch(row, col) {
    const half = Math.floor(num("patch-size") / 2);
    const s = num("stride");
    $("patch-row").value = Math.floor(Math.max(0, row - half) / s) * s;
    $("patch-col").value = Math.floor(Math.max(0, col - half) / s) * s;
  }

  /** Put the patch around the window of the whole pooled map's cell (row, col), and show that window. */
  function aimAtOutput(row, col) {
    const { kernel_size: a, stride: s } = maps.res;
    const [h, w] = maps.input.shape.slice(1);
    const n = Math.min(num("patch-size"), h, w);
    const per = Math.floor((n - a) / s) + 1; // windows along the patch
    const back = Math.floor((per - 1) / 2);
    const corner = (out, side) => Math.floor(Math.max(0, Math.min(side - n, s * (out - back))) / s) * s;
    $("patch-row").value = corner(row, h);
    $("patch-col").value = corner(col, w);
    cell = [row - num("patch-row") / s, col - num("patch-col") / s];
  }

  function fillMapSelect() {
    const sel = $("patch-map");
    const keep = Math.min(Number(sel.value) || 0, maps.names.length - 1);
    sel.replaceChildren(...maps.names.map((name, c) => new Option(name, c)));
    sel.value = keep;
    N.state.restore("patch-map"); // a link's map, once the maps are there
  }

  function patchRect(c) {
    // the patch's outline on map c (none on the other maps)
    const { r0, c0, n } = patchBox();
    return c !== num("patch-map")
      ? []
      : [cellBox(r0, c0, r0 + n - 1, c0 + n - 1, { line: { color: COLORS.window, width: 2 } })];
  }

  function drawMaps() {
    const box = $("maps-plots");
    const kindName = t(`${P}kind.${maps.s.kind}`);
    const [h, w] = maps.input.shape.slice(1);
    const [h2, w2] = maps.output.shape.slice(1);
    if (box.children.length !== 2 * maps.names.length) {
      box.replaceChildren(
        ...maps.names.flatMap((_, c) =>
          ["in", "out"].map((side) =>
            N.el(
              "figure",
              {},
              N.el("div", { id: `map-${side}-${c}`, className: "plot" }),
              N.el("figcaption"),
            ),
          ),
        ),
      );
    }
    maps.names.forEach((name, c) => {
      const style = mapStyle(c);
      heatmap(`map-in-${c}`, matrix(maps.input, c), { ...style, shapes: patchRect(c) });
      heatmap(`map-out-${c}`, matrix(maps.output, c), style);
      $(`map-in-${c}`).nextElementSibling.textContent = t(`${P}map_in`, { map: name, h, w });
      $(`map-out-${c}`).nextElementSibling.textContent = t(`${P}map_out`, {
        map: name,
        kind: kindName,
        h: h2,
        w: w2,
      });
      N.onPlotClick(`map-in-${c}`, (pt) => {
        $("patch-map").value = c;
        aimPatch(pt.y, pt.x);
        movePatch();
      });
    });
  }

  /* ---- one patch, window by window ---- */
  function patchBox() {
    const [h, w] = maps.input.shape.slice(1);
    const n = Math.min(num("patch-size"), h, w);
    const r0 = Math.max(0, Math.min(num("patch-row") || 0, h - n));
    const c0 = Math.max(0, Math.min(num("patch-col") || 0, w - n));
    return { n, r0, c0, c: num("patch-map") };
  }

  async function loadPatch() {
    const box = patchBox();
    const { n, r0, c0 } = box;
    const rows = matrix(maps.input, box.c)
      .slice(r0, r0 + n)
      .map((r) => r.slice(c0, c0 + n));
    const { kind, kernel_size, stride, padding } = maps.s;
    const body = { input: { shape: [1, n, n], data: [rows] }, kind, kernel_size, stride, padding };
    let res;
    try {
      res = await api("POST", "/api/cnn/pool", { ...body, encoding: "list" }, { key: "patch" });
    } catch {
      return;
    }
    patch = { ...box, z: rows, res, out: res.output.data[0] };
    const within = (v, n) => Math.max(0, Math.min(v, n - 1));
    cell = [within(cell[0], patch.out.length), within(cell[1], patch.out[0].length)];
    lastFrame = guide.step() === STEP.SLIDE ? guide.frame() : null; // a new patch keeps the window
    $("patch-caption").textContent = t(`${P}patch_caption${res.kind === "max" ? "" : "_avg"}`, {
      map: maps.names[patch.c],
      r0,
      r1: r0 + n - 1,
      c0,
      c1: c0 + n - 1,
    });
    showCell();
    code(torchCode());
  }

  function movePatch() {
    if (!maps) return;
    maps.names.forEach((_, c) => {
      Plotly.relayout(`map-in-${c}`, { shapes: patchRect(c) });
    });
    loadPatch();
  }

  const outShape = () => [patch.out.length, patch.out[0].length];

  function step(delta) {
    if (!patch) return;
    const [h, w] = outShape();
    const k = (cell[0] * w + cell[1] + delta + h * w) % (h * w);
    cell = [Math.floor(k / w), k % w];
    showCell();
  }

  /** The window of the chosen cell: where it reads, and what it keeps (all from the patch's answer). */
  function windowOf([i, j]) {
    const { res, n } = patch;
    const k = res.kernel_size;
    const top = res.trace.rows[i];
    const left = res.trace.cols[j];
    const values = [];
    for (let r = top; r < top + k; r++)
      for (let c = left; c < left + k; c++) {
        const inside = r >= 0 && r < n && c >= 0 && c < n;
        values.push(inside ? fmt(patch.z[r][c], 2) : res.kind === "max" ? "−∞" : "0");
      }
    const at = res.kind === "max" ? res.trace.argmax.data[0][i][j] : null; // where the maximum sits
    const [r, c] = at === null ? [null, null] : [Math.floor(at / n), at % n];
    return { top, left, k, values, v: patch.out[i][j], r, c };
  }

  function showCellText() {
    const [i, j] = cell;
    const [h, w] = outShape();
    const win = windowOf(cell);
    const minus = (v) => String(v).replace("-", "−");
    $("cell-out").textContent = t(`${P}cell`, { i, j, h, w });
    $("cell-readout").textContent = t(`${P}readout_${patch.res.kind}`, {
      i,
      j,
      r0: minus(win.top),
      r1: win.top + win.k - 1,
      c0: minus(win.left),
      c1: win.left + win.k - 1,
      v: fmt(win.v, 2),
      n: win.k * win.k,
      r: win.r,
      c: win.c,
    });
  }

  function showCell() {
    showCellText();
    guide.refresh();
  }

  /* ---- the stage: the patch with the window, and the pooled patch filling in ---- */
  const STEP = { MAP: 0, WINDOW: 1, KEEP: 2, SLIDE: 3, SHRINK: 4, PADDING: 5, CHANNELS: 6 };
  const FOUR = [["-000"]]; // the font fits four characters

  /** The stage's colours: the map's own, but spread over the patch's values (a patch of a signed map is
   * mostly pale on the whole map's range), the pooled patch on the same range. */
  function stageStyle() {
    const style = mapStyle(patch.c);
    if (style.zmax === 255) return style; // an image's channel: 0–255
    const top = Math.max(...patch.z.flat().map(Math.abs)) || 1;
    return style.scale === "diverging" ? { ...style, zmin: -top, zmax: top } : { ...style, zmax: top };
  }

  function patchPanel(step) {
    const { n, res, r0, c0 } = patch;
    const p = res.padding;
    const size = n + 2 * p;
    const inside = (i) => i >= p && i < p + n;
    const z = [...Array(size).keys()].map((i) =>
      [...Array(size).keys()].map((j) => (inside(i) && inside(j) ? patch.z[i - p][j - p] : null)),
    );
    const pad = res.kind === "max" ? "−∞" : "0";
    const win = windowOf(cell);
    const shapes = [];
    if (step === STEP.PADDING && p > 0) shapes.push(N.paddingRing(n, n, p));
    if (step !== STEP.MAP) {
      const [t0, l0] = [win.top + p, win.left + p];
      shapes.push(
        cellBox(t0, l0, t0 + win.k - 1, l0 + win.k - 1, { line: { color: COLORS.window, width: 3 } }),
      );
      if (win.r !== null && step !== STEP.WINDOW) {
        const [r, c] = [win.r + p, win.c + p];
        shapes.push(
          cellBox(r, c, r, c, {
            line: { color: COLORS.window, width: 1 },
            fillcolor: "rgba(245, 158, 11, 0.45)",
          }),
        );
      }
    }
    const style = stageStyle();
    return {
      z,
      text: z.map((row) => row.map((v) => (v === null ? pad : short(v)))),
      textFit: FOUR,
      scale: style.scale,
      zmin: style.zmin,
      zmax: style.zmax,
      title: t(`${P}stage_patch`, { map: maps.names[patch.c], n, p }),
      shapes,
      origin: [r0 - p, c0 - p],
      hovertemplate: `${t("common.row")} %{y}, ${t("common.col")} %{x}: %{z:.4~g}<extra></extra>`,
    };
  }

  /** Where the pooled patch lies in the whole pooled map: without padding, a patch whose corner is on
   * the stride grid pools into the map's own cells; otherwise it is numbered on its own from 0. */
  function pooledOrigin() {
    const { stride: s, padding: p } = patch.res;
    const whole = p === 0 && patch.r0 % s === 0 && patch.c0 % s === 0;
    return whole ? [patch.r0 / s, patch.c0 / s] : [0, 0];
  }

  function pooledPanel(step) {
    const [h, w] = outShape();
    const k = cell[0] * w + cell[1];
    const upto = step <= STEP.WINDOW ? k - 1 : step <= STEP.SLIDE ? k : Infinity;
    const z = patch.out.map((row, i) => row.map((v, j) => (i * w + j <= upto ? v : null)));
    const style = stageStyle();
    const line = { color: COLORS.window, width: step <= STEP.WINDOW ? 1.5 : 3 };
    return {
      z,
      text: z.map((row) => row.map((v) => (v === null ? "" : short(v)))),
      textFit: FOUR,
      scale: style.scale,
      zmin: style.zmin,
      zmax: style.zmax,
      title: t(`${P}stage_pooled`, { h, w }),
      shapes: [
        cellBox(0, 0, h - 1, w - 1, { fillcolor: COLORS.line, line: { width: 0 }, layer: "below" }),
        cellBox(cell[0], cell[1], cell[0], cell[1], { line }),
      ],
      dim: step === STEP.MAP,
      origin: pooledOrigin(),
    };
  }

  function stageAt(step, frame) {
    const [, w] = outShape();
    if (step === STEP.SLIDE && frame !== lastFrame) {
      cell = [Math.floor(frame / w), frame % w]; // the walk moves the window
      showCellText();
    }
    lastFrame = step === STEP.SLIDE ? frame : null;
    panels("plot-stage", [patchPanel(step), pooledPanel(step)], { cols: NARROW.matches ? 1 : 2 }).then(() =>
      N.onPlotClick("plot-stage", stageClick),
    );
    return stepNumbers(step);
  }

  /** The numbers of guided step `step`'s text, all from the answers. */
  function stepNumbers(step) {
    const [h, w] = outShape();
    const win = windowOf(cell);
    const { res } = patch;
    const [i0, j0] = pooledOrigin(); // the cell as the pooled panel's ticks number it
    const [i, j] = [cell[0] + i0, cell[1] + j0];
    const [c, H, W] = maps.res.input_shape;
    const [, H2, W2] = maps.res.output_shape;
    const base = { map: maps.names[patch.c], i, j, a: res.kernel_size, s: res.stride, p: res.padding };
    if (step === STEP.MAP) {
      const { n, r0, c0 } = patch;
      return { ...base, h: H, w: W, n, r0, r1: r0 + n - 1, c0, c1: c0 + n - 1 };
    }
    if (step === STEP.WINDOW) return { ...base, values: win.values.join(", ") };
    if (step === STEP.KEEP) {
      const rule =
        res.kind === "max"
          ? t(`${P}rule_max`, { v: fmt(win.v, 2), r: patch.r0 + win.r, c: patch.c0 + win.c })
          : t(`${P}rule_avg`, { n: win.k * win.k, v: fmt(win.v, 2) });
      return { ...base, rule };
    }
    if (step === STEP.SLIDE) return { ...base, k: cell[0] * w + cell[1] + 1, count: h * w, v: fmt(win.v, 2) };
    if (step === STEP.SHRINK) {
      const a = res.kernel_size;
      const layout = t(`${P}${res.stride < a ? "overlap" : res.stride === a ? "tiles" : "gaps"}`, {
        s: res.stride,
        a,
      });
      const kept = fmt((100 * H2 * W2) / (H * W), 1);
      return { ...base, h: H, w: W, h2: H2, w2: W2, kept, layout };
    }
    if (step === STEP.PADDING) {
      const pad = res.padding === 0 ? t(`${P}pad_none`) : t(`${P}pad_${res.kind}`, { p: res.padding });
      return { ...base, pad };
    }
    return { ...base, c, h: H, w: W, h2: H2, w2: W2 };
  }

  const guide = N.steps({
    show: (step, frame) => (patch ? stageAt(step, frame) : null),
    frames: (step) => (patch && step === STEP.SLIDE ? patch.out.length * patch.out[0].length : 1),
    interval: (step) => (step === STEP.SLIDE ? 500 : 3000),
  });

  /** A click on a cell of the stage's pooled patch shows its window. */
  function stageClick(pt) {
    if (!patch || pt.curveNumber !== 1) return;
    cell = [pt.y, pt.x];
    showCell();
  }

  /* ---- padding and stride explorer ---- */
  async function explore() {
    const q = {
      op: $("ex-op").value,
      size: num("ex-size"),
      kernel: num("ex-kernel"),
      padding: num("ex-padding"),
      stride: num("ex-stride"),
      dilation: num("ex-dilation"),
    };
    let res;
    try {
      res = await api("GET", `/api/cnn/output-size?${new URLSearchParams(q)}`, undefined, { key: "explore" });
    } catch (e) {
      if (e instanceof N.Superseded) return;
      // the message names the field and its range; repeat it beside the controls
      for (const id of ["ex-output", "ex-seed", "ex-windows"]) $(id).textContent = "";
      $("ex-formula").textContent = e.message;
      return;
    }
    const x = res.output_size;
    $("ex-output").textContent = t(`${P}output_size`, { x });
    $("ex-formula").textContent = `X = ${res.formula}`;
    const seedKey = res.seed_rule_holds
      ? "seed_holds"
      : res.seed_rule_agrees
        ? "seed_coincidence"
        : "seed_differs";
    $("ex-seed").textContent = t(`${P}${seedKey}`, { seed: res.seed_rule, x });
    $("ex-seed").classList.toggle("differs", !res.seed_rule_agrees);
    const { stride: s, effective_kernel: a } = res;
    const notes = [];
    const overlap = s < a ? "overlap" : s === a ? "tiles" : "gaps";
    if (x > 1) notes.push(t(`${P}${overlap}`, { s, a }));
    if (res.unused > 0) notes.push(t(`${P}unused`, { n: res.unused }));
    $("ex-windows").textContent = notes.join(" ");
    drawGrid(res);
    lastExplore = res;
    code(torchCode());
  }

  function drawGrid(res) {
    const side = res.padded_size;
    const el = $("plot-grid");
    if (side > 40) {
      Plotly.purge(el);
      el.textContent = t(`${P}grid_too_big`);
      return;
    }
    if (!el.data) el.textContent = "";
    const p = res.padding;
    const idx = [...Array(side).keys()].map((i) => i - p);
    const ticks = { tickmode: "linear", tick0: -p, dtick: side <= 16 ? 1 : side <= 30 ? 2 : 5 };
    const z = res.coverage.map((ri) => res.coverage.map((cj) => ri * cj));
    const span = res.effective_kernel;
    const win = (start, dash, color) => ({
      type: "rect",
      x0: start - p - 0.5,
      x1: start - p + span - 0.5,
      y0: res.starts[0] - p - 0.5,
      y1: res.starts[0] - p + span - 0.5,
      line: { color, width: 3, dash },
    });
    const shapes = [
      cellBox(0, 0, res.size - 1, res.size - 1, { line: { color: COLORS.ink, width: 2 } }),
      win(res.starts[0], "solid", COLORS.window),
    ];
    if (res.starts.length > 1) shapes.push(win(res.starts[1], "dash", COLORS.red));
    const last = res.starts[res.starts.length - 1] - p;
    if (res.starts.length > 2) {
      shapes.push({ ...win(last + p, "dot", COLORS.green), y0: last - 0.5, y1: last + span - 0.5 });
    }
    draw(
      el,
      [
        {
          type: "heatmap",
          x: idx,
          y: idx,
          z,
          colorscale: N.SCALES.paper,
          zmin: 0,
          showscale: false,
          text: z.map((r) => r.map(String)),
          texttemplate: side <= 24 ? "%{text}" : undefined,
          xgap: 1,
          ygap: 1,
          hovertemplate:
            `${t("common.row")} %{y}, ${t("common.col")} %{x}: ${t(`${P}reads`, { z: "%{z}" })}` +
            "<extra></extra>",
        },
      ],
      {
        title: t(`${P}grid_title`),
        xTitle: t(`${P}grid_col`),
        yTitle: t(`${P}grid_row`),
        // rows and columns carry the same ticks, padding included (−1, −2, … left of and above the input)
        shapes,
        xaxis: { constrain: "domain", showgrid: false, ...ticks },
        yaxis: { autorange: "reversed", scaleanchor: "x", constrain: "domain", showgrid: false, ...ticks },
      },
    );
  }

  /* ---- the PyTorch panel ---- */
  function torchCode() {
    const lines = ["import numpy as np, torch, torch.nn as nn", "from PIL import Image", ""];
    if (maps?.linked) {
      const rows = linked ? linked.rows : matrix(maps.input, 0);
      const [h, w] = maps.res.input_shape.slice(1);
      lines.push(
        `x = torch.tensor([${rows.map((r) => `[${r.map((v) => fmt(v, 4)).join(", ")}]`).join(",\n                  ")}])[None, None]`,
        `print(x.shape)   # torch.Size([1, 1, ${h}, ${w}]): the map from the home page's link`,
      );
      poolLines(lines);
    } else if (maps && imageId) {
      const s = maps.s;
      const [c, h, w] = maps.res.input_shape;
      const cIn = s.color === "gray" ? 1 : 3;
      lines.push(
        `img = Image.open("${imageId}.png").convert("RGB")   # GET /api/images/${imageId}`,
        "x = torch.from_numpy(np.asarray(img)).permute(2, 0, 1).float()[None]   # (1, 3, H, W), 0–255",
      );
      if (s.color === "gray") {
        lines.push("x = (torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1) * x).sum(1, keepdim=True)");
      }
      lines.push(`print(x.shape)   # torch.Size([1, ${cIn}, ${h}, ${w}])`);
      if (s.kernels.length) {
        const k = maps.res.weight.data.map((kb) =>
          kb[0].map((r) => r.map((v) => Number((v * cIn).toFixed(4)))),
        );
        lines.push(
          `k = torch.tensor(${JSON.stringify(k)})   # ${s.kernels.join(", ")}`,
          `conv = nn.Conv2d(${cIn}, ${c}, 3, padding=1, bias=False)`,
          `conv.weight.data = k[:, None].expand(-1, ${cIn}, -1, -1) / ${cIn}   # (${c}, ${cIn}, 3, 3)`,
          `x = conv(x)   # (1, ${c}, ${h}, ${w}): ${c} feature map(s)`,
        );
      }
      poolLines(lines);
    }
    if (lastExplore) {
      const { size: A, kernel: a, padding: p, stride: s, dilation: d } = lastExplore;
      const layer =
        lastExplore.op === "conv"
          ? `nn.Conv2d(1, 1, ${a}, stride=${s}, padding=${p}, dilation=${d})`
          : `nn.MaxPool2d(${a}, stride=${s}, padding=${p}, dilation=${d})`;
      const x = lastExplore.output_size;
      lines.push(
        "# the explorer",
        `layer = ${layer}`,
        `print(layer(torch.zeros(1, 1, ${A}, ${A})).shape)   # torch.Size([1, 1, ${x}, ${x}])`,
      );
    }
    return lines.join("\n");
  }

  /** The pooling layer of the maps and its output shape. */
  function poolLines(lines) {
    const s = maps.s;
    const [c] = maps.res.input_shape;
    const [, h2, w2] = maps.res.output_shape;
    const layer = s.kind === "max" ? "MaxPool2d" : "AvgPool2d";
    lines.push(
      `pool = nn.${layer}(${s.kernel_size}, stride=${s.stride}, padding=${s.padding})`,
      `print(pool(x).shape)   # torch.Size([1, ${c}, ${h2}, ${w2}]): C = ${c} in, ${c} out`,
      "",
    );
  }

  /* ---- wiring ---- */
  const reload = debounce(loadMaps, 150);
  /** Padding is at most half the window (torch's rule for pooling). */
  function limitPadding() {
    const half = Math.floor(num("window") / 2);
    $("padding").max = half;
    $("padding").value = Math.min(num("padding"), half);
    $("padding-out").value = $("padding").value;
  }
  limitPadding();
  if (N.state.restore("padding")) $("padding-out").value = $("padding").value; // a link's, once it fits
  $("window").addEventListener("change", () => {
    $("stride").value = num("window");
    $("stride-out").value = $("stride").value;
    limitPadding();
    reload();
  });
  for (const id of ["stride", "padding"]) {
    $(id).addEventListener("input", () => {
      $(`${id}-out`).value = $(id).value;
      reload();
    });
  }
  $("kind").addEventListener("change", reload);
  $("maps").addEventListener("change", () => {
    forgetLink();
    reload();
  });
  $("image-select").addEventListener("change", forgetLink);
  $("image-file").addEventListener("change", forgetLink);
  for (const id of ["patch-map", "patch-row", "patch-col", "patch-size"])
    $(id).addEventListener("change", movePatch);
  $("cell-prev").addEventListener("click", () => step(-1));
  $("cell-next").addEventListener("click", () => step(1));

  const reexplore = debounce(explore, 120);
  const syncPoolPadding = () => {
    const pool = $("ex-op").value === "pool";
    $("ex-padding").max = pool ? Math.floor(num("ex-kernel") / 2) : 10;
    $("ex-padding-out").value = $("ex-padding").value;
  };
  for (const id of ["ex-kernel", "ex-padding", "ex-stride", "ex-dilation"]) {
    $(id).addEventListener("input", () => {
      $(`${id}-out`).value = $(id).value;
      syncPoolPadding();
      reexplore();
    });
  }
  for (const id of ["ex-op", "ex-size"])
    $(id).addEventListener("change", () => {
      syncPoolPadding();
      reexplore();
    });

  explore();
  N.imagePicker((id) => {
    imageId = id;
    centrePatch = !linkedPatch;
    linkedPatch = false;
    loadMaps();
  });
})();
