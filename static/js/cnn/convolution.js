/* §1.2 Convolution: one kernel group stepped over a patch, the C partial maps that add up to one
 * map, and the B maps of the layer. Every number comes from /api/cnn/conv and /api/cnn/conv/trace. */
(() => {
  "use strict";
  const { t, api, tensor, matrix, heatmap, code, fmt, debounce, status } = N;
  const $ = (id) => document.getElementById(id);
  const DEFAULT_KERNELS = ["sobel_x", "sobel_y", "blur"];
  const WINDOW = "#f59e0b";
  const NARROW = window.matchMedia("(max-width: 600px)"); // the stylesheet's phone layout
  let library = {}; // name → 3×3 rows
  let imageId = null;
  let spec = null; // the layer as sent: { names, mats, a, c, body }
  let tr = null; // the last trace response
  let step = 0;
  let timer = null;
  let centre = false; // move the patch to the middle of a newly chosen image
  let wanted = null; // { row, col } of a clicked feature-map cell: the step to show once traced

  /** A new element with properties (and attributes via `attrs`) and children. */
  function el(tag, props = {}, ...children) {
    const { attrs = {}, ...rest } = props;
    const node = Object.assign(document.createElement(tag), rest);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    node.append(...children);
    return node;
  }

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
      throw new Error(t("cnn.convolution.err_rows", { what }));
    }
    return rows;
  }

  function kernels() {
    if ($("kernel-source").value === "library") {
      const names = [...document.querySelectorAll("#library-kernels input:checked")].map((el) => el.value);
      if (!names.length) throw new Error(t("cnn.convolution.err_none"));
      return { names, mats: names.map((n) => library[n]) };
    }
    const mats = $("typed-kernels")
      .value.trim()
      .split(/\n\s*\n/)
      .map((b, i) => parseRows(b, t("cnn.convolution.kernel_n", { n: i })));
    const a = mats[0].length;
    if (mats.some((m) => m.length !== a || m[0].length !== a) || a > 11 || mats.length > 64) {
      throw new Error(t("cnn.convolution.err_square"));
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
      throw new Error(t("cnn.convolution.err_bias", { b: nb }));
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
    let res;
    try {
      res = await api("POST", "/api/cnn/conv", {
        image_id: imageId,
        color: $("color").value,
        ...spec.body,
        partials_group: g,
      });
    } catch {
      return;
    } // the status line already says why
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
    return k.names ? t(`cnn.convolution.kernel.${k.names[b]}`) : t("cnn.convolution.kernel_n", { n: b });
  }

  function fillGroups(k) {
    const sel = $("group");
    const keep = Math.min(Number(sel.value) || 0, k.mats.length - 1);
    sel.replaceChildren(...k.mats.map((_, b) => new Option(`${b}: ${groupName(b, k)}`, b)));
    sel.value = keep;
  }

  function drawFormula(res) {
    const [b, c, a] = res.weight_shape;
    const [, h, w] = res.input_shape;
    const [, h2, w2] = res.output_shape;
    const { stride: s, padding: p, dilation: d } = res;
    const line = (key, vars) => el("p", { textContent: t(`cnn.convolution.${key}`, vars) });
    $("formula").replaceChildren(
      line("formula_layer", { b, c }),
      line("formula_shapes", { b, c, a, h, w, h2, w2 }),
      line("formula_size", { h, p, s, d, a, h2 }),
      line("formula_mults", { n: N.num(res.multiplications), b, h2, w2, c, a }),
    );
    $("channels-hint").textContent = t("cnn.convolution.channels_hint", { c, g: $("group").value });
    $("groups-hint").textContent = t("cnn.convolution.groups_hint", { b, c, a });
  }

  /** Signed maps get the diverging scale centred on 0, non-negative ones gray. */
  function mapOpts(rows, title) {
    const [lo, hi] = extent(rows);
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return lo < 0
      ? { title, scale: "diverging", zmin: -m, zmax: m }
      : { title, scale: "gray", zmin: 0, zmax: hi || 1 };
  }

  /** A figure with an empty plot div and a caption, added to parent (before `before`). */
  function figure(parent, id, caption, before = null) {
    const div = el("div", { id, className: "plot" });
    parent.insertBefore(el("figure", {}, div, el("figcaption", { textContent: caption })), before);
    return div;
  }

  const op = (parent, text) =>
    parent.append(el("span", { className: "op", textContent: text, attrs: { "aria-hidden": "true" } }));

  function channelNames(c) {
    return c === 3 ? ["R", "G", "B"] : [t("cnn.convolution.gray")];
  }

  function drawPartials(res, g) {
    const box = $("partials");
    box.replaceChildren();
    const parts = tensor(res.partials);
    const todo = channelNames(res.input_shape[0]).map((name, ch) => {
      if (ch > 0) op(box, "+");
      const div = figure(box, `plot-partial-${ch}`, t("cnn.convolution.partial_caption", { name }));
      return [div, matrix(parts, ch), t("cnn.convolution.partial_title", { name })];
    });
    op(box, `+ ${fmt(res.bias[g])} =`);
    todo.push([
      figure(box, "plot-partial-sum", t("cnn.convolution.sum_caption", { g })),
      matrix(tensor(res.output), g),
      t("cnn.convolution.sum_title", { g }),
    ]);
    // draw once every figure is in place, so each plot gets its final width
    for (const [div, rows, title] of todo) heatmap(div, rows, mapOpts(rows, title));
  }

  /** Clicking output (r, c) of any map moves the stepper's patch so that its steps include
   * (r, c) near their middle, and shows that step (the server keeps the patch inside the image). */
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
      figure($("maps"), `plot-map-${b}`, t("cnn.convolution.map_caption", { b, name: groupName(b) })),
    );
    divs.forEach((div, b) => {
      const rows = matrix(out, b);
      heatmap(div, rows, mapOpts(rows, t("cnn.convolution.map_title", { b, name: groupName(b) }))).then(() =>
        pickable(div, res),
      );
    });
  }

  /* ---- the stepper ---- */
  /** A dilated kernel can span more than the stepped patch: take the smallest patch it fits in. */
  function fitPatch(a, { padding: p, dilation: d }) {
    const span = d * (a - 1) + 1;
    const sizes = [...$("patch-size").options].map((o) => Number(o.value));
    if (Number($("patch-size").value) + 2 * p >= span) return null;
    $("patch-size").value = String(sizes.find((n) => n + 2 * p >= span) ?? sizes.at(-1));
    return t("cnn.convolution.patch_grown", { n: $("patch-size").value, span });
  }

  async function loadTrace() {
    if (!spec) return;
    const typed = $("trace-source").value === "typed";
    let body;
    let grown = null;
    try {
      if (typed) {
        body = {
          input: parseRows($("typed-matrix").value, t("cnn.convolution.matrix_label")),
          ...layerBody(spec, 1),
        };
      } else {
        grown = fitPatch(spec.a, spec.body);
        body = {
          image_id: imageId,
          color: $("color").value,
          top: Number($("patch-top").value) || 0,
          left: Number($("patch-left").value) || 0,
          size: Number($("patch-size").value),
          ...spec.body,
        };
      }
    } catch (e) {
      status(e.message, "error");
      return;
    }
    body.group = Number($("group").value);
    try {
      tr = await api("POST", "/api/cnn/conv/trace", body);
    } catch {
      return;
    } finally {
      loaded(); // once: ▶ plays the trace, or stays disabled when there is none
    }
    if (grown) status(grown); // after the call, which clears the status line
    if (tr.top !== null) {
      $("patch-top").value = tr.top;
      $("patch-left").value = tr.left;
    }
    tr.typed = typed;
    const slider = $("step-index");
    if (Number(slider.max) !== tr.steps.length - 1) step = 0; // a new shape starts over
    slider.max = tr.steps.length - 1;
    if (wanted && !typed) {
      const [h2, w2] = tr.output.shape;
      const r = wanted.row - tr.first_row;
      const c = wanted.col - tr.first_col;
      if (r >= 0 && r < h2 && c >= 0 && c < w2) step = r * w2 + c;
    }
    wanted = null;
    drawCovers();
    drawKernel();
    drawTraceInputs();
    showStep(step);
  }

  /** Which output positions the stepper covers, and where its padding ring comes from. */
  function drawCovers() {
    const [h2, w2] = tr.output.shape;
    const [, h, w] = tr.input_shape;
    const g = tr.group;
    $("trace-covers").textContent = tr.typed
      ? t("cnn.convolution.covers_typed", { p: tr.padding, n: tr.steps.length, h2, w2 })
      : t("cnn.convolution.covers_patch", {
          top: tr.top,
          bottom: tr.top + h - 1,
          left: tr.left,
          right: tr.left + w - 1,
          r0: tr.first_row,
          r1: tr.first_row + h2 - 1,
          c0: tr.first_col,
          c1: tr.first_col + w2 - 1,
          g,
          name: groupName(g),
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
    const names = channelNames(c);
    const box = $("trace-kernel");
    box.replaceChildren(grid(spec.mats[g], t("cnn.convolution.kernel_as_given", { name: groupName(g) })));
    op(box, `÷ ${c} =`);
    const label = (ch) =>
      tr.typed
        ? t("cnn.convolution.kernel_on_matrix", { c })
        : t("cnn.convolution.kernel_on_channel", { name: names[ch], c });
    box.append(...tr.kernel.data.map((k, ch) => grid(k, label(ch))));
  }

  /** Square cells that fit the plot's width (at most 56 px) and the numbers printed in them: with
   * `digits` decimals, else whole, else none where even that would not fit (hover still reads them). */
  function fitCells(div, data, showscale, digits) {
    const h = data.length;
    const w = data[0].length;
    const cell = Math.max(6, Math.min(56, (div.clientWidth - 72 - (showscale ? 80 : 0)) / w));
    const widest = (d) => Math.max(...data.map((row) => Math.max(...row.map((v) => fmt(v, d).length))));
    const d = [digits, 0].find((k) => widest(k) * 7.5 + 6 <= cell);
    const label = (v) => (v === null || d === undefined ? "" : fmt(v, d));
    return { layout: { height: Math.round(cell * h) + 84 }, label };
  }

  function drawTraceInputs() {
    const box = $("trace-plots");
    for (const f of box.querySelectorAll(".trace-in")) f.remove();
    const padded = tensor(tr.padded);
    const names = tr.typed ? [t("cnn.convolution.your_matrix")] : channelNames(tr.input_shape[0]);
    const caption = tr.typed ? "cnn.convolution.trace_input_caption" : "cnn.convolution.trace_patch_caption";
    const divs = names.map((name, ch) =>
      figure(box, `plot-trace-in-${ch}`, t(caption, { name, p: tr.padding }), $("trace-output-figure")),
    );
    names.forEach((name, ch) => {
      divs[ch].parentElement.classList.add("trace-in");
      const rows = matrix(padded, ch);
      const [lo, hi] = tr.typed ? extent(rows) : [0, 255];
      const cells = fitCells(divs[ch], rows, false, 1);
      heatmap(divs[ch], rows, {
        title: name,
        scale: "gray",
        zmin: lo,
        zmax: hi,
        showscale: false,
        text: rows.map((r) => r.map(cells.label)),
        shapes: windowShapes(0),
        layout: cells.layout,
      });
    });
  }

  function windowShapes(i) {
    const st = tr.steps[i];
    const a = tr.kernel.shape[1];
    const d = tr.dilation;
    const p = tr.padding;
    const [, h, w] = tr.input_shape;
    const rect = (r0, c0, r1, c1, extra) => ({
      type: "rect",
      x0: c0 - 0.5,
      x1: c1 + 0.5,
      y0: r0 - 0.5,
      y1: r1 + 0.5,
      ...extra,
    });
    const shapes = [rect(p, p, p + h - 1, p + w - 1, { line: { color: "#60a5fa", width: 1, dash: "dot" } })];
    for (let r = 0; r < a; r++) {
      for (let c = 0; c < a; c++) {
        const y = st.top + r * d;
        const x = st.left + c * d;
        shapes.push(rect(y, x, y, x, { line: { color: WINDOW, width: 3 } }));
      }
    }
    return shapes;
  }

  function showStep(i) {
    step = i;
    const st = tr.steps[i];
    $("step-index").value = i;
    $("step-out").textContent = t("cnn.convolution.step_of", { i: i + 1, n: tr.steps.length });
    for (const div of document.querySelectorAll(".trace-in .plot")) {
      Plotly.relayout(div, { shapes: windowShapes(i) });
    }
    const [h2, w2] = tr.output.shape;
    const done = (r, c) => r * w2 + c <= i;
    const z = tr.output.data.map((row, r) => row.map((v, c) => (done(r, c) ? v : null)));
    const m = Math.max(...extent(tr.output.data).map(Math.abs)) || 1;
    const div = $("plot-trace-output");
    const showscale = !NARROW.matches; // on a phone the cells need the colour bar's room
    const cells = fitCells(div, tr.output.data, showscale, 1);
    // the axes count the whole feature map's rows and columns, where this patch's steps land
    const ticks = (first, n) => {
      const every = Math.ceil(n / 6);
      const vals = [...Array(n).keys()].filter((k) => k % every === 0);
      return { tickmode: "array", tickvals: vals, ticktext: vals.map((k) => String(first + k)) };
    };
    const axis = (key) => t(key, { g: tr.group });
    heatmap(div, z, {
      title: t("cnn.convolution.trace_output_title", { h2, w2 }),
      scale: "diverging",
      zmin: -m,
      zmax: m,
      showscale,
      layout: cells.layout,
      text: z.map((row) => row.map(cells.label)),
      xTitle: tr.typed ? undefined : axis("cnn.convolution.map_col"),
      yTitle: tr.typed ? undefined : axis("cnn.convolution.map_row"),
      xaxis: ticks(tr.first_col, w2),
      yaxis: ticks(tr.first_row, h2),
      hovertemplate: tr.typed ? undefined : `${t("cnn.convolution.hover_value")} %{z:.4~g}<extra></extra>`,
      shapes: [
        {
          type: "rect",
          x0: st.col - 0.5,
          x1: st.col + 0.5,
          y0: st.row - 0.5,
          y1: st.row + 0.5,
          line: { color: WINDOW, width: 3 },
        },
      ],
    });
    drawCalc(st);
  }

  function drawCalc(st) {
    const names = tr.typed ? [t("cnn.convolution.your_matrix")] : channelNames(tr.input_shape[0]);
    const kernel = tr.kernel.data;
    $("trace-calc").replaceChildren(
      ...st.products.map((prod, ch) =>
        el(
          "table",
          { className: "grid" },
          el("caption", {
            textContent: t("cnn.convolution.calc_caption", {
              name: names[ch],
              s: fmt(st.channel_sums[ch], 2),
            }),
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
    const parts = st.channel_sums.map((s, ch) => `${names[ch]} ${fmt(s, 2)}`).join(" + ");
    $("trace-sum").textContent = t(tr.typed ? "cnn.convolution.sum_line" : "cnn.convolution.sum_line_patch", {
      parts,
      sum: fmt(st.sum, 2),
      bias: fmt(st.bias, 2),
      value: fmt(st.value, 2),
      g: tr.group,
      row: tr.first_row + st.row,
      col: tr.first_col + st.col,
    });
  }

  /* ---- play / pause ---- */
  /** ▶ says "loading" (disabled, aria-busy) until the first trace arrives, then plays it. */
  function loaded() {
    const btn = $("step-play");
    if (!btn.hasAttribute("aria-busy")) return;
    btn.removeAttribute("aria-busy");
    btn.textContent = t("cnn.convolution.play");
    btn.disabled = !tr;
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    $("step-play").textContent = t("cnn.convolution.play");
    $("step-play").setAttribute("aria-pressed", "false");
  }

  function play() {
    if (timer) {
      stop();
      return;
    }
    if (step >= tr.steps.length - 1) showStep(0);
    $("step-play").textContent = t("cnn.convolution.pause");
    $("step-play").setAttribute("aria-pressed", "true");
    timer = setInterval(
      () => (step < tr.steps.length - 1 ? showStep(step + 1) : stop()),
      1000 / Number($("speed").value),
    );
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
      `# ${spec.names ? spec.names.join(", ") : t("cnn.convolution.source_typed")}: one ${a}×${a} kernel per group`,
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
  async function init() {
    library = (await api("GET", "/api/cnn/kernels")).kernels;
    const box = $("library-kernels");
    box.append(
      ...Object.keys(library).map((name) =>
        el(
          "label",
          { title: library[name].map((r) => r.map((v) => fmt(v, 3)).join("  ")).join("\n") },
          el("input", { type: "checkbox", value: name, checked: DEFAULT_KERNELS.includes(name) }),
          ` ${t(`cnn.convolution.kernel.${name}`)}`,
        ),
      ),
    );
    const later = debounce(update, 250);
    for (const id of ["stride", "padding", "dilation", "speed"]) {
      const show = () => {
        $(`${id}-out`).textContent =
          id === "speed" ? t("cnn.convolution.per_second", { n: $(id).value }) : $(id).value;
      };
      show();
      $(id).addEventListener("input", show);
      if (id !== "speed") $(id).addEventListener("input", later);
    }
    $("kernel-source").addEventListener("change", () => {
      const typed = $("kernel-source").value === "typed";
      $("library-box").hidden = typed;
      $("typed-box").hidden = !typed;
      update();
    });
    $("trace-source").addEventListener("change", () => {
      const typed = $("trace-source").value === "typed";
      document.querySelectorAll(".patch-field").forEach((el) => {
        el.hidden = typed;
      });
      $("matrix-box").hidden = !typed;
      loadTrace();
    });
    box.addEventListener("change", update);
    for (const id of ["color", "group"]) $(id).addEventListener("change", update);
    for (const id of ["typed-kernels", "bias"]) $(id).addEventListener("input", later);
    for (const id of ["patch-top", "patch-left", "patch-size"]) $(id).addEventListener("change", loadTrace);
    $("typed-matrix").addEventListener("input", debounce(loadTrace, 300));
    $("step-next").addEventListener("click", () => {
      stop();
      if (tr) showStep(Math.min(step + 1, tr.steps.length - 1));
    });
    $("step-prev").addEventListener("click", () => {
      stop();
      if (tr) showStep(Math.max(step - 1, 0));
    });
    $("step-index").addEventListener("input", () => {
      stop();
      showStep(Number($("step-index").value));
    });
    $("step-play").addEventListener("click", () => {
      if (tr) play();
    });
    $("speed").addEventListener("change", () => {
      if (timer) {
        stop();
        play();
      }
    });
    N.imagePicker((id) => {
      imageId = id;
      step = 0;
      centre = true;
      update();
    });
  }

  init();
})();
