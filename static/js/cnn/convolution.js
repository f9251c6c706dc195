/* §1.2 Convolution: the stage slides one kernel group over a patch (or a typed matrix) and fills in its
 * output, position by position; below, the products and sum of the current position, the C partial maps
 * that add up to one map, and the B maps of the layer. Every number comes from /api/cnn/conv and
 * /api/cnn/conv/trace. */
(() => {
  "use strict";
  const {
    t,
    api,
    tensor,
    matrix,
    heatmap,
    panels,
    cellBox,
    code,
    fmt,
    short,
    debounce,
    status,
    el,
    $,
    COLORS,
  } = N;
  const P = "cnn.convolution.";
  const DEFAULT_KERNELS = ["sobel_x", "sobel_y", "blur"];
  const NARROW = window.matchMedia("(max-width: 600px)"); // the stylesheet's phone layout
  const libraryReady = api("GET", "/api/cnn/kernels").then((r) => r.kernels); // name → 3×3 rows
  let library = {};
  let imageId = null;
  let spec = null; // the layer as sent: { names, mats, a, c, body }
  let res = null; // the last layer answer (/api/cnn/conv)
  let tr = null; // the last trace answer, its padded input decoded
  let pos = 0; // the window's position: the traced output cell, row by row
  let lastFrame = null; // the guided walk's frame last shown (it moves the position when it changes)
  let centre = false; // move the patch to the middle of a newly chosen image
  // a link that places the patch keeps it there on the first image (urlstate.js restored it already)
  let linkedPatch = ["patch-top", "patch-left"].some((id) => $(id).value !== $(id).defaultValue);
  let wanted = null; // { row, col } of a clicked feature-map cell: the position to show once traced

  /** [min, max] of a matrix, without spreading a quarter of a million arguments. */
  function extent(rows) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of rows)
      for (const v of row) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    return [lo, hi];
  }

  // a link from the home page names the net, layer, maps and position it shows: a caption, nothing else
  const origin = N.state.origin($("from-home"));

  /* ---- the library's kernels: which ones are ticked is kept in the link (?kernels=sobel_x,blur) ---- */
  let linkKernels = null;
  const known = (names, lib) => names.length > 0 && names.every((n) => n in lib);
  N.state.param("kernels", {
    get: () => {
      const names = tickedKernels();
      return names.join(",") === DEFAULT_KERNELS.join(",") ? null : names.join(",");
    },
    set: (value) => {
      linkKernels = value.split(",");
      return libraryReady.then((lib) => known(linkKernels, lib)).catch(() => false);
    },
  });
  const tickedKernels = () =>
    [...document.querySelectorAll("#library-kernels input:checked")].map((box) => box.value);

  /* ---- reading the controls ---- */
  function parseRows(text, what) {
    const rows = text
      .trim()
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => l.split(/[\s,;]+/).map(Number));
    const w = rows[0]?.length;
    if (!w || rows.some((r) => r.length !== w || r.some((v) => !Number.isFinite(v)))) {
      throw new Error(t(`${P}err_rows`, { what }));
    }
    return rows;
  }

  function kernels() {
    if ($("kernel-source").value === "library") {
      const names = tickedKernels();
      if (!names.length) throw new Error(t(`${P}err_none`));
      return { names, mats: names.map((n) => library[n]) };
    }
    const mats = $("typed-kernels")
      .value.trim()
      .split(/\n\s*\n/)
      .map((b, i) => parseRows(b, t(`${P}kernel_n`, { n: i })));
    const a = mats[0].length;
    if (mats.some((m) => m.length !== a || m[0].length !== a) || a > 11 || mats.length > 64) {
      throw new Error(t(`${P}err_square`));
    }
    return { names: null, mats };
  }

  /** The layer part of a request for an input of c channels: named kernels, or the typed
   * kernels on every channel divided by c (as the library does). */
  function layerBody(k, c) {
    const b = $("bias")
      .value.split(/[\s,;]+/)
      .filter(Boolean)
      .map(Number);
    const nb = k.mats.length;
    if (!(b.length === 1 || b.length === nb) || b.some((v) => !Number.isFinite(v))) {
      throw new Error(t(`${P}err_bias`, { b: nb }));
    }
    const body = {
      bias: b.length === 1 ? Array(nb).fill(b[0]) : b,
      stride: Number($("stride").value),
      padding: Number($("padding").value),
      dilation: Number($("dilation").value),
    };
    if (k.names) body.kernels = k.names;
    else body.weight = k.mats.map((m) => Array.from({ length: c }, () => m.map((r) => r.map((v) => v / c))));
    return body;
  }

  /* ---- the whole layer: formula, partial maps, B maps ---- */
  async function update() {
    if (!imageId) return;
    const c = $("color").value === "rgb" ? 3 : 1;
    try {
      const k = kernels();
      fillGroups(k);
      spec = { ...k, a: k.mats[0].length, c, body: layerBody(k, c) };
    } catch (e) {
      status(e.message, "error");
      return;
    }
    const g = Number($("group").value);
    const body = { image_id: imageId, color: $("color").value, ...spec.body, partials_group: g };
    try {
      res = await api("POST", "/api/cnn/conv", body, { key: "conv" });
    } catch {
      return; // a newer request is under way, or the status line says why
    }
    if (centre) {
      const half = Number($("patch-size").value) / 2;
      $("patch-top").value = Math.max(0, Math.floor(res.input_shape[1] / 2 - half));
      $("patch-left").value = Math.max(0, Math.floor(res.input_shape[2] / 2 - half));
      centre = false;
    }
    drawFormula(res);
    drawPartials(res, g);
    drawMaps(res);
    code(torchCode(res, g));
    await loadTrace();
  }

  function groupName(b, k = spec) {
    return k.names ? t(`${P}kernel.${k.names[b]}`) : t(`${P}kernel_n`, { n: b });
  }

  function fillGroups(k) {
    const sel = $("group");
    const keep = Math.min(Number(sel.value) || 0, k.mats.length - 1);
    sel.replaceChildren(...k.mats.map((_, b) => new Option(`${b}: ${groupName(b, k)}`, b)));
    sel.value = keep;
    N.state.restore("group"); // a link's group, once the groups are there
  }

  function drawFormula(res) {
    const [b, c, a] = res.weight_shape;
    const [, h, w] = res.input_shape;
    const [, h2, w2] = res.output_shape;
    const { stride: s, padding: p, dilation: d } = res;
    const line = (key, vars) => el("p", { textContent: t(`${P}${key}`, vars) });
    $("formula").replaceChildren(
      line("formula_layer", { b, c }),
      line("formula_shapes", { b, c, a, h, w, h2, w2 }),
      line("formula_size", { h, p, s, d, a, h2 }),
      line("formula_mults", { n: N.num(res.multiplications), b, h2, w2, c, a }),
    );
    $("channels-hint").textContent = t(`${P}channels_hint`, { c, g: $("group").value });
    $("groups-hint").textContent = t(`${P}groups_hint`, { b, c, a });
  }

  /** Signed maps get the diverging scale centred on 0, non-negative ones gray. */
  function mapOpts(rows, title) {
    const [lo, hi] = extent(rows);
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return lo < 0
      ? { title, scale: "diverging", zmin: -m, zmax: m }
      : { title, scale: "gray", zmin: 0, zmax: hi || 1 };
  }

  /** A figure with an empty plot div and a caption, added to parent. */
  function figure(parent, id, caption) {
    const div = el("div", { id, className: "plot" });
    parent.append(el("figure", {}, div, el("figcaption", { textContent: caption })));
    return div;
  }

  const op = (parent, text) =>
    parent.append(el("span", { className: "op", textContent: text, attrs: { "aria-hidden": "true" } }));

  function channelNames(c) {
    return c === 3 ? ["R", "G", "B"] : [t(`${P}gray`)];
  }

  function drawPartials(res, g) {
    const box = $("partials");
    box.replaceChildren();
    const parts = tensor(res.partials);
    const todo = channelNames(res.input_shape[0]).map((name, ch) => {
      if (ch > 0) op(box, "+");
      const div = figure(box, `plot-partial-${ch}`, t(`${P}partial_caption`, { name }));
      return [div, matrix(parts, ch), t(`${P}partial_title`, { name })];
    });
    op(box, `+ ${fmt(res.bias[g])} =`);
    todo.push([
      figure(box, "plot-partial-sum", t(`${P}sum_caption`, { g })),
      matrix(tensor(res.output), g),
      t(`${P}sum_title`, { g }),
    ]);
    // draw once every figure is in place, so each plot gets its final width
    for (const [div, rows, title] of todo) heatmap(div, rows, mapOpts(rows, title));
  }

  /** Clicking output (r, c) of any map moves the stepped patch so that its positions include (r, c) near
   * their middle, and shows that position (the server keeps the patch inside the image). */
  function pickable(div, res) {
    div.on("plotly_click", (ev) => {
      const { stride: s, padding: p, dilation: d } = res;
      const span = d * (res.weight_shape[2] - 1) + 1;
      const steps = Math.max(1, Math.floor((Number($("patch-size").value) + 2 * p - span) / s) + 1);
      const back = Math.floor((steps - 1) / 2); // output positions before (r, c) in the patch
      const { y: row, x: col } = ev.points[0];
      $("patch-top").value = Math.max(0, (row - back) * s);
      $("patch-left").value = Math.max(0, (col - back) * s);
      wanted = { row, col };
      $("trace-source").value = "patch";
      $("trace-source").dispatchEvent(new Event("change"));
    });
  }

  function drawMaps(res) {
    $("maps").replaceChildren();
    const out = tensor(res.output);
    const divs = [...Array(res.output_shape[0]).keys()].map((b) =>
      figure($("maps"), `plot-map-${b}`, t(`${P}map_caption`, { b, name: groupName(b) })),
    );
    divs.forEach((div, b) => {
      const rows = matrix(out, b);
      heatmap(div, rows, mapOpts(rows, t(`${P}map_title`, { b, name: groupName(b) }))).then(() =>
        pickable(div, res),
      );
    });
  }

  /* ---- the traced group: one position after another ---- */
  /** A dilated kernel can span more than the stepped patch: take the smallest patch it fits in. */
  function fitPatch(a, { padding: p, dilation: d }) {
    const span = d * (a - 1) + 1;
    const sizes = [...$("patch-size").options].map((o) => Number(o.value));
    if (Number($("patch-size").value) + 2 * p >= span) return null;
    $("patch-size").value = String(sizes.find((n) => n + 2 * p >= span) ?? sizes.at(-1));
    return t(`${P}patch_grown`, { n: $("patch-size").value, span });
  }

  function traceBody() {
    if ($("trace-source").value === "typed") {
      return { input: parseRows($("typed-matrix").value, t(`${P}matrix_label`)), ...layerBody(spec, 1) };
    }
    return {
      image_id: imageId,
      color: $("color").value,
      top: Number($("patch-top").value) || 0,
      left: Number($("patch-left").value) || 0,
      size: Number($("patch-size").value),
      ...spec.body,
    };
  }

  async function loadTrace() {
    if (!spec) return;
    const typed = $("trace-source").value === "typed";
    let body;
    let grown = null;
    try {
      if (!typed) grown = fitPatch(spec.a, spec.body);
      body = { ...traceBody(), group: Number($("group").value) };
    } catch (e) {
      status(e.message, "error");
      return;
    }
    let answer;
    try {
      answer = await api("POST", "/api/cnn/conv/trace", body, { key: "trace" });
    } catch {
      return;
    }
    if (grown) status(grown); // after the call, which clears the status line
    if (answer.top !== null) {
      $("patch-top").value = answer.top;
      $("patch-left").value = answer.left;
    }
    const shapeChanged = !tr || answer.steps.length !== tr.steps.length;
    tr = { ...answer, typed, padded: tensor(answer.padded), spec };
    const slider = $("step-index");
    slider.max = tr.steps.length - 1;
    if (N.state.restore("step-index"))
      pos = Number(slider.value); // a link's position, once it fits
    else if (shapeChanged) pos = 0; // a new shape starts over
    if (wanted && !typed) {
      const [h2, w2] = tr.output.shape;
      const r = wanted.row - tr.first_row;
      const c = wanted.col - tr.first_col;
      if (r >= 0 && r < h2 && c >= 0 && c < w2) pos = r * w2 + c;
    }
    wanted = null;
    lastFrame = guide.step() === STEP.SLIDE ? guide.frame() : null; // a new trace keeps the position
    drawCovers();
    drawKernel();
    showPosition(pos);
  }

  /** Which output positions the trace covers, and where its padding ring comes from. */
  function drawCovers() {
    const [h2, w2] = tr.output.shape;
    const [, h, w] = tr.input_shape;
    const g = tr.group;
    $("trace-covers").textContent = tr.typed
      ? t(`${P}covers_typed`, { p: tr.padding, n: tr.steps.length, h2, w2 })
      : t(`${P}covers_patch`, {
          top: tr.top,
          bottom: tr.top + h - 1,
          left: tr.left,
          right: tr.left + w - 1,
          r0: tr.first_row,
          r1: tr.first_row + h2 - 1,
          c0: tr.first_col,
          c1: tr.first_col + w2 - 1,
          g,
          name: groupName(g, tr.spec),
        });
  }

  /** A number table with a caption. */
  function grid(rows, caption, digits = 3) {
    return el(
      "table",
      { className: "grid" },
      el("caption", { textContent: caption }),
      ...rows.map((row) => el("tr", {}, ...row.map((v) => el("td", { textContent: fmt(v, digits) })))),
    );
  }

  /** The traced group's kernel as named or typed, then divided by C: the a×a weights on each channel. */
  function drawKernel() {
    const g = tr.group;
    const c = tr.kernel.shape[0];
    const names = inputNames();
    const box = $("trace-kernel");
    box.replaceChildren(grid(tr.spec.mats[g], t(`${P}kernel_as_given`, { name: groupName(g, tr.spec) })));
    op(box, `÷ ${c} =`);
    const label = (ch) =>
      tr.typed ? t(`${P}kernel_on_matrix`, { c }) : t(`${P}kernel_on_channel`, { name: names[ch], c });
    box.append(...tr.kernel.data.map((k, ch) => grid(k, label(ch))));
  }

  const inputNames = () => (tr.typed ? [t(`${P}your_matrix`)] : channelNames(tr.input_shape[0]));

  /** Show output position i: the slider, the products and the sum below, the stage. */
  function showPosition(i) {
    setPosition(i);
    guide.refresh();
  }

  function setPosition(i) {
    pos = Math.max(0, Math.min(i, tr.steps.length - 1));
    $("step-index").value = pos;
    $("step-out").textContent = t(`${P}step_of`, { i: pos + 1, n: tr.steps.length });
    drawCalc(tr.steps[pos]);
  }

  function drawCalc(st) {
    const names = inputNames();
    const kernel = tr.kernel.data;
    $("trace-calc").replaceChildren(
      ...st.products.map((prod, ch) =>
        el(
          "table",
          { className: "grid" },
          el("caption", {
            textContent: t(`${P}calc_caption`, { name: names[ch], s: fmt(st.channel_sums[ch], 2) }),
          }),
          ...prod.map((row, r) =>
            el(
              "tr",
              {},
              ...row.map((v, c) =>
                el("td", {
                  textContent: `${fmt(st.window[ch][r][c], 1)}×${fmt(kernel[ch][r][c], 3)} = ${fmt(v, 2)}`,
                }),
              ),
            ),
          ),
        ),
      ),
    );
    $("trace-sum").textContent = t(tr.typed ? `${P}sum_line` : `${P}sum_line_patch`, {
      ...sumParts(st),
      g: tr.group,
      ...outputCell(st),
    });
  }

  /** The channel sums, their total, the bias and the output value of position st, as printed. */
  function sumParts(st) {
    const names = inputNames();
    return {
      parts: st.channel_sums.map((s, ch) => `${names[ch]} ${fmt(s, 2)}`).join(" + "),
      sum: fmt(st.sum, 2),
      bias: fmt(st.bias, 2),
      value: fmt(st.value, 2),
    };
  }

  /** Where position st lands in the whole feature map (the typed matrix's own output when typed). */
  const outputCell = (st) => ({ row: tr.first_row + st.row, col: tr.first_col + st.col });

  /* ---- the stage: the input with the kernel's taps, and the output filling in ---- */
  const STEP = { KERNEL: 0, MULTIPLY: 1, ADD: 2, SLIDE: 3, PADDING: 4, CHANNELS: 5, MAPS: 6 };

  /** The taps of the kernel at position st: [padded row, padded column, i, j]. */
  function taps(st) {
    const a = tr.kernel.shape[1];
    const out = [];
    for (let i = 0; i < a; i++)
      for (let j = 0; j < a; j++) out.push([st.top + i * tr.dilation, st.left + j * tr.dilation, i, j]);
    return out;
  }

  const FOUR = [["-000"]]; // the input panels' font fits four characters, whatever a step writes

  /** One panel per input channel: the padded input, the taps outlined (at `step`, their kernel weights or
   * products on cards over the pixels), the padding ring shaded at the padding step. */
  function inputPanels(step, st) {
    const p = tr.padding;
    const [, h, w] = tr.input_shape;
    return inputNames().map((name, ch) => {
      const z = matrix(tr.padded, ch);
      const [lo, hi] = tr.typed ? extent(z) : [0, 255];
      const text = z.map((row) => row.map(short));
      const marks =
        step === STEP.KERNEL || step === STEP.MULTIPLY
          ? taps(st).map(([r, c, i, j]) => [
              r,
              c,
              short(step === STEP.KERNEL ? tr.kernel.data[ch][i][j] : st.products[ch][i][j]),
            ])
          : [];
      const shapes = [
        cellBox(p, p, p + h - 1, p + w - 1, { line: { color: COLORS.blue, width: 1, dash: "dot" } }),
      ];
      if (step === STEP.PADDING && p > 0) shapes.push(N.paddingRing(h, w, p));
      for (const [r, c] of taps(st))
        shapes.push(cellBox(r, c, r, c, { line: { color: COLORS.window, width: 3 } }));
      const sum = step === STEP.KERNEL ? "" : ` · Σ ${fmt(st.channel_sums[ch], 1)}`;
      return {
        z,
        text,
        marks,
        textFit: FOUR,
        scale: "gray",
        zmin: lo,
        zmax: hi === lo ? lo + 1 : hi,
        title: `${name}${sum}`,
        shapes,
        dim: step === STEP.MAPS,
        origin: tr.typed ? [-p, -p] : [tr.top - p, tr.left - p],
        hovertemplate: `${name} %{z:.4~g}<extra></extra>`,
      };
    });
  }

  /** The output map: filled in up to the current position (the whole map from the padding step on). */
  function outputPanel(step, st) {
    const [h2, w2] = tr.output.shape;
    const upto = step >= STEP.PADDING ? Infinity : step <= STEP.MULTIPLY ? pos - 1 : pos;
    const z = tr.output.data.map((row, r) => row.map((v, c) => (r * w2 + c <= upto ? v : null)));
    const m = Math.max(...extent(tr.output.data).map(Math.abs)) || 1;
    const line = { color: COLORS.window, width: step === STEP.KERNEL || step === STEP.MULTIPLY ? 1.5 : 3 };
    return {
      z,
      text: z.map((row) => row.map((v) => (v === null ? "" : short(v)))),
      textFit: FOUR,
      scale: "diverging",
      zmin: -m,
      zmax: m,
      title: t(`${P}stage_output`, { h2, w2, g: tr.group }),
      shapes: [
        cellBox(0, 0, h2 - 1, w2 - 1, { fillcolor: COLORS.line, line: { width: 0 }, layer: "below" }), // cells to fill
        cellBox(st.row, st.col, st.row, st.col, { line }),
      ],
      dim: step === STEP.KERNEL || step === STEP.MULTIPLY,
      origin: [tr.first_row, tr.first_col],
      hovertemplate: `${t(`${P}hover_value`)} %{z:.4~g}<extra></extra>`,
    };
  }

  function stageAt(step, frame) {
    if (step === STEP.SLIDE && frame !== lastFrame) setPosition(frame); // the walk moves the window
    lastFrame = step === STEP.SLIDE ? frame : null;
    const st = tr.steps[pos];
    const list = [...inputPanels(step, st), outputPanel(step, st)];
    const cols = list.length === 2 && NARROW.matches ? 1 : 2;
    panels("plot-stage", list, { cols }).then(() => N.onPlotClick("plot-stage", stageClick));
    return stepNumbers(step, st);
  }

  /** The numbers of guided step `step`'s text, at position st, all from the answers. */
  function stepNumbers(step, st) {
    const names = inputNames();
    const c = tr.kernel.shape[0];
    const a = tr.kernel.shape[1];
    const [h2, w2] = tr.output.shape;
    const [, h, w] = tr.input_shape;
    const name = groupName(tr.group, tr.spec);
    const cell = outputCell(st);
    const base = { name, a, c, ch: names[0], ...cell };
    if (step === STEP.KERNEL) {
      const taps0 = tr.kernel.data[0].map((row) => row.map((v) => fmt(v, 3)).join(" ")).join(" / ");
      const [top, left] = tr.typed ? [0, 0] : [tr.top, tr.left];
      return { ...base, taps: taps0, top: top + st.top - tr.padding, left: left + st.left - tr.padding };
    }
    if (step === STEP.MULTIPLY) {
      const products = st.products[0].flat().map((v) => fmt(v, 1));
      const sums = st.channel_sums.map((s, k) => `${names[k]} ${fmt(s, 2)}`).join(", ");
      return { ...base, products: products.join(", "), sums };
    }
    if (step === STEP.ADD || step === STEP.CHANNELS) return { ...base, ...sumParts(st), g: tr.group };
    if (step === STEP.SLIDE) {
      return { ...base, k: pos + 1, n: tr.steps.length, s: tr.stride, value: fmt(st.value, 2), h2, w2 };
    }
    if (step === STEP.PADDING) {
      const p = tr.padding;
      const ring = t(p === 0 ? `${P}ring_none` : tr.typed ? `${P}ring_zeros` : `${P}ring_neighbours`, { p });
      const span = tr.dilation * (a - 1) + 1;
      return { ...base, p, hp: h + 2 * p, wp: w + 2 * p, span, s: tr.stride, h2, w2, ring };
    }
    const [b, , , ka] = res.weight_shape;
    const [, H2, W2] = res.output_shape;
    return { b, c: res.weight_shape[1], a: ka, h2: H2, w2: W2, mults: N.num(res.multiplications) };
  }

  const guide = N.steps({
    show: (step, frame) => (tr ? stageAt(step, frame) : null),
    frames: (step) => (tr && step === STEP.SLIDE ? tr.steps.length : 1),
    interval: (step) => (step === STEP.SLIDE ? 1000 / Number($("speed").value) : 3000),
  });

  /** A click on a cell of the stage's output map moves the window there. */
  function stageClick(p) {
    if (!tr || p.curveNumber !== inputNames().length) return;
    showPosition(p.y * tr.output.shape[1] + p.x);
    N.state.save();
  }

  /* ---- the PyTorch panel ---- */
  function torchCode(res, g) {
    const [b, c, a] = res.weight_shape;
    const { stride: s, padding: p, dilation: d } = res;
    const mats = spec.mats.map(
      (m) => `[${m.map((r) => `[${r.map((v) => fmt(v, 6)).join(", ")}]`).join(", ")}]`,
    );
    const gray = c === 1;
    return [
      "import numpy as np, torch",
      "from PIL import Image",
      "from torch import nn",
      "",
      `img = Image.open("${imageId}.png").convert("RGB")   # GET /api/images/${imageId}`,
      "x = torch.from_numpy(np.array(img)).permute(2, 0, 1).float()   # (3, H, W), 0–255",
      ...(gray ? ["x = (0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2])[None]   # (1, H, W)"] : []),
      `# ${spec.names ? spec.names.join(", ") : t(`${P}source_typed`)}: one ${a}×${a} kernel per group`,
      `kernels = torch.tensor([${mats.join(",\n                        ")}])   # (B, a, a)`,
      `conv = nn.Conv2d(${c}, ${b}, ${a}, stride=${s}, padding=${p}, dilation=${d})`,
      "with torch.no_grad():",
      `    conv.weight.copy_(kernels[:, None].expand(-1, ${c}, -1, -1) / ${c})   # (B, C, a, a)`,
      `    conv.bias.copy_(torch.tensor([${res.bias.map((v) => fmt(v, 6)).join(", ")}]))`,
      "    y = conv(x[None])[0]",
      `print(conv.weight.shape)   # torch.Size([${res.weight_shape.join(", ")}])`,
      `print(y.shape)   # torch.Size([${res.output_shape.join(", ")}])`,
      `# group ${g}: ${c} single-channel convolutions, added up, plus the bias`,
      `parts = [nn.functional.conv2d(x[None, i:i + 1], conv.weight[${g}:${g + 1}, i:i + 1], stride=${s},`,
      `                              padding=${p}, dilation=${d})[0, 0] for i in range(${c})]`,
      `print(torch.allclose(sum(parts) + conv.bias[${g}], y[${g}], atol=1e-3))   # True`,
    ].join("\n");
  }

  /* ---- wiring ---- */
  /** Show the fields of the chosen kernel source and stepped input (also for a link's choice). */
  function showSources() {
    const typedKernels = $("kernel-source").value === "typed";
    $("library-box").hidden = typedKernels;
    $("typed-box").hidden = !typedKernels;
    const typedInput = $("trace-source").value === "typed";
    for (const field of document.querySelectorAll(".patch-field")) field.hidden = typedInput;
    $("matrix-box").hidden = !typedInput;
  }

  function speedText() {
    $("speed-out").textContent = t(`${P}per_second`, { n: $("speed").value });
  }

  async function init() {
    showSources();
    speedText();
    library = await libraryReady;
    const chosen = linkKernels && known(linkKernels, library) ? linkKernels : DEFAULT_KERNELS;
    $("library-kernels").append(
      ...Object.keys(library).map((name) =>
        el(
          "label",
          { title: library[name].map((r) => r.map((v) => fmt(v, 3)).join("  ")).join("\n") },
          el("input", { type: "checkbox", name: "kernel", value: name, checked: chosen.includes(name) }),
          ` ${t(`${P}kernel.${name}`)}`,
        ),
      ),
    );
    const later = debounce(update, 250);
    for (const id of ["stride", "padding", "dilation"]) {
      $(id).addEventListener("input", () => {
        $(`${id}-out`).textContent = $(id).value;
        later();
      });
    }
    $("speed").addEventListener("input", speedText);
    $("kernel-source").addEventListener("change", () => {
      showSources();
      origin.forget();
      update();
    });
    $("trace-source").addEventListener("change", () => {
      showSources();
      origin.forget();
      loadTrace();
    });
    $("library-kernels").addEventListener("change", update);
    for (const id of ["color", "group"]) $(id).addEventListener("change", update);
    for (const id of ["typed-kernels", "bias"]) $(id).addEventListener("input", later);
    $("typed-kernels").addEventListener("input", origin.forget);
    for (const id of ["patch-top", "patch-left", "patch-size"]) $(id).addEventListener("change", loadTrace);
    $("typed-matrix").addEventListener("input", origin.forget);
    $("typed-matrix").addEventListener("input", debounce(loadTrace, 300));
    $("step-index").addEventListener("input", () => {
      if (tr) showPosition(Number($("step-index").value));
    });
    N.imagePicker((id) => {
      imageId = id;
      centre = !linkedPatch;
      linkedPatch = false;
      update();
    });
  }

  init();
})();
