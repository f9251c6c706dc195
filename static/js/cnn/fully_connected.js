/* §1.5 The fully connected layer: a drawn (or uploaded, or held-out) digit is preprocessed as MNIST
 * was made, read by a trained CNN layer by layer, flattened into one vector, weighted by the FC
 * layer into 10 logits and turned into probabilities by softmax. The stage walks through the last
 * three: flatten, one weighted sum per class, softmax. */
(() => {
  "use strict";
  const { t, api, upload, tensor, matrix, mosaic, bars, draw, code, fmt, sci, COLORS, SCALES, $ } = N;
  const P = "cnn.fully_connected.";
  const STAGES = ["gray", "ink", "cropped", "fitted", "centred"];
  const FIRST_DIGIT = 0;
  const HELD_OUT = 2000;
  const KEY = "read"; // every request that reads a digit: the latest one's answer is shown
  let res = null;
  let shown = null; // what the answer shows: {kind: "held-out", index} | {kind: "digit"} | {kind: "file"}
  let again = null; // re-asks the current picture (after the model changes)

  /* ---- the drawing pad (static/js/drawpad.js): read when the pen lifts ---- */
  const drawing = N.drawPad($("pad"), { change: readPad });

  /* ---- asking the server ---- */
  async function readPad() {
    const file = await drawing.file();
    show(
      () => upload(`/api/digits/predict/upload?model=${$("model").value}`, file, {}, { key: KEY }),
      t(`${P}source_drawing`),
      { kind: "digit" },
    );
  }

  async function show(request, source, what) {
    again = () => show(request, source, what);
    try {
      res = await request();
    } catch (e) {
      if (!(e instanceof N.Superseded)) $("answer").textContent = ""; // the status line says why
      return;
    }
    res.source = source;
    shown = what;
    render();
    N.state.save();
  }

  /** A held-out digit: `index`, or a random one (every visitor first sees the same one). */
  async function sample(index = Math.floor(Math.random() * HELD_OUT)) {
    let digit;
    try {
      digit = await api("GET", `/api/digits/held-out/${index}`, undefined, { key: KEY });
    } catch {
      return;
    }
    drawing.paint(digit.pixels.data);
    show(
      () =>
        api(
          "POST",
          "/api/digits/predict",
          { pixels: digit.pixels.data, model: $("model").value },
          { key: KEY },
        ),
      t(`${P}source_held_out`, { index, label: digit.label }),
      { kind: "held-out", index },
    );
  }

  /** A digit from a link: 28×28 bytes (0 black … 255 white ink), read as a drawing is. */
  function readPixels(rows) {
    drawing.paint(rows);
    show(
      () => api("POST", "/api/digits/predict", { pixels: rows, model: $("model").value }, { key: KEY }),
      t(`${P}source_link`),
      { kind: "digit" },
    );
  }

  /* ---- the digit in the link: ?held-out=17, or ?digit= the model's input as base64url bytes ---- */
  const BYTES = 28 * 28;
  function toBase64url(rows) {
    const bytes = Uint8Array.from(rows.flat(), (v) => Math.max(0, Math.min(255, Math.round(v))));
    return btoa(String.fromCharCode(...bytes))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replace(/=+$/, "");
  }

  /** 28 rows of 28 bytes from base64url text, or null when it is not exactly 784 bytes. */
  function fromBase64url(text) {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
    let bin;
    try {
      bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    } catch {
      return null;
    }
    if (bin.length !== BYTES) return null;
    return Array.from({ length: 28 }, (_, r) =>
      Array.from({ length: 28 }, (_, q) => bin.charCodeAt(r * 28 + q)),
    );
  }

  let start = () => sample(FIRST_DIGIT); // on the basic net, the one §1.1–§1.5 build
  N.state.param("held-out", {
    get: () => (shown?.kind === "held-out" && shown.index !== FIRST_DIGIT ? String(shown.index) : null),
    set: (value) => {
      const index = Number(value);
      if (!/^\d+$/.test(value) || index >= HELD_OUT) return false;
      start = () => sample(index);
      return true;
    },
  });
  N.state.param("digit", {
    get: () => (shown?.kind === "digit" && res ? toBase64url(matrix(tensor(res.stages.centred))) : null),
    set: (value) => {
      const rows = fromBase64url(value);
      if (!rows) return false;
      start = () => readPixels(rows);
      return true;
    },
  });

  /* ---- drawing the answer ---- */
  function render() {
    $("answer").textContent = t("cnn.fully_connected.answer", {
      digit: res.prediction,
      p: (100 * res.probabilities[res.prediction]).toFixed(1),
      source: res.source,
    });
    drawStages();
    fillLayerSelect();
    drawMaps();
    drawFlatten();
    fillClassSelect();
    drawFc();
    drawOutputs();
    code(torchCode());
    look = lookAt();
    guide.refresh();
  }

  /** One figure holding several heatmaps side by side (or in rows of `cols`). */
  function grid(el, mats, titles, opts = {}) {
    const cols = Math.min(opts.cols || mats.length, mats.length);
    const rows = Math.ceil(mats.length / cols);
    const ax = (i) => (i === 0 ? "" : String(i + 1)); // Plotly names the first axes x, y; then x2, y2, …
    const traces = mats.map((z, i) => ({
      type: "heatmap",
      z,
      xaxis: `x${ax(i)}`,
      yaxis: `y${ax(i)}`,
      colorscale: opts.scale || SCALES.gray,
      zmin: opts.zmin,
      zmax: opts.zmax,
      zmid: opts.zmid,
      showscale: i === 0 && opts.showscale !== false,
      colorbar: { thickness: 10, title: { text: opts.unit || "" } },
      hovertemplate: `${titles[i]}<br>${t("common.row")} %{y}, ${t("common.col")} %{x}: %{z:.3~g}<extra></extra>`,
    }));
    const axes = {};
    mats.forEach((_, i) => {
      axes[`xaxis${ax(i)}`] = {
        showticklabels: false,
        ticks: "",
        showgrid: false,
        zeroline: false,
        constrain: "domain",
      };
      axes[`yaxis${ax(i)}`] = {
        showticklabels: false,
        ticks: "",
        showgrid: false,
        zeroline: false,
        autorange: "reversed",
        scaleanchor: `x${ax(i)}`,
        constrain: "domain",
      };
    });
    const annotations = titles.map((text, i) => ({
      text,
      showarrow: false,
      xref: `x${ax(i)} domain`,
      yref: `y${ax(i)} domain`,
      x: 0.5,
      y: 1.12,
      font: { size: 11 },
    }));
    const el2 = $(el);
    el2.style.height = `${Math.max(200, rows * (opts.cell || 130) + 40)}px`;
    return draw(el, traces, {
      annotations,
      margin: { t: 28, l: 16 },
      layout: { grid: { rows, columns: cols, pattern: "independent" }, ...axes },
    });
  }

  function drawStages() {
    const mats = STAGES.map((k) => matrix(tensor(res.stages[k])));
    const titles = STAGES.map(
      (k) =>
        `${t(`cnn.fully_connected.stage_${k}`)} ${mats[STAGES.indexOf(k)].length}×${mats[STAGES.indexOf(k)][0].length}`,
    );
    grid("plot-stages", mats, titles, {
      zmin: 0,
      zmax: 255,
      unit: "0–255",
      cols: window.innerWidth < 600 ? 3 : 5,
    });
  }

  const mapLayers = () => res.layers.filter((l) => l.output.shape.length === 3);

  function fillLayerSelect() {
    const sel = $("layer");
    const keep = sel.value;
    sel.replaceChildren(
      ...mapLayers().map((l) => new Option(`${l.name} (${l.output.shape.join("×")})`, l.name)),
    );
    if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
    N.state.restore("layer"); // a link's layer, once the options are in (the first answer)
  }

  function drawMaps() {
    const layer = mapLayers().find((l) => l.name === $("layer").value) || mapLayers()[0];
    const view = tensor(layer.output);
    const n = Math.min(view.shape[0], 32);
    const mats = Array.from({ length: n }, (_, c) => matrix(view, c));
    const lim = Math.max(...view.data.map(Math.abs)) || 1;
    grid(
      "plot-maps",
      mats,
      mats.map((_, c) => `${layer.name}[${c}]`),
      {
        scale: SCALES.diverging,
        zmid: 0,
        zmin: -lim,
        zmax: lim,
        cols: window.innerWidth < 600 ? 4 : 8,
        cell: 110,
      },
    );
  }

  function lastMaps() {
    return mapLayers().at(-1);
  }

  function drawFlatten() {
    const maps = lastMaps();
    const vec = tensor(res.layers.find((l) => l.name === "flatten").output);
    const [c, h, w] = maps.output.shape;
    const lim = Math.max(...vec.data.map(Math.abs)) || 1;
    const boundaries = Array.from({ length: c - 1 }, (_, i) => ({
      type: "line",
      x0: (i + 1) * h * w - 0.5,
      x1: (i + 1) * h * w - 0.5,
      y0: -0.5,
      y1: 0.5,
      line: { color: COLORS.ink, width: 1 },
    }));
    draw(
      "plot-flatten",
      [
        {
          type: "heatmap",
          z: [Array.from(vec.data)],
          colorscale: SCALES.diverging,
          zmid: 0,
          zmin: -lim,
          zmax: lim,
          colorbar: { thickness: 10 },
          hovertemplate: `${t("cnn.fully_connected.element")} %{x}: %{z:.3~g}<extra></extra>`,
        },
      ],
      {
        xTitle: t("cnn.fully_connected.axis_element", { n: vec.shape[0] - 1 }),
        shapes: boundaries,
        yaxis: { showticklabels: false, ticks: "" },
      },
    );
    $("flatten-text").textContent = t("cnn.fully_connected.flatten_text", {
      layer: maps.name,
      c,
      h,
      w,
      n: vec.shape[0],
    });
  }

  function fillClassSelect() {
    const sel = $("fc-class");
    // the prediction is the default: a link names the class only when another one was chosen
    const best = res.prediction;
    sel.replaceChildren(
      ...res.probabilities.map((_, k) => new Option(String(k), String(k), k === best, k === best)),
    );
    N.state.restore("fc-class"); // a link's class, once (later answers show their own prediction)
  }

  function drawFc() {
    const k = Number($("fc-class").value);
    const x = Array.from(tensor(res.layers.find((l) => l.name === "flatten").output).data);
    const w = matrix(tensor(res.fc_weight))[k];
    const prod = x.map((v, i) => v * w[i]);
    const labels = [
      t("cnn.fully_connected.row_x"),
      t("cnn.fully_connected.row_w", { k }),
      t("cnn.fully_connected.row_prod"),
    ];
    const norm = (row) => {
      const m = Math.max(...row.map(Math.abs)) || 1;
      return row.map((v) => v / m);
    };
    draw(
      "plot-fc",
      [
        {
          type: "heatmap",
          z: [x, w, prod].map(norm),
          y: labels,
          customdata: [x, w, prod],
          colorscale: SCALES.diverging,
          zmid: 0,
          zmin: -1,
          zmax: 1,
          showscale: false,
          hovertemplate: `%{y}, ${t("cnn.fully_connected.element")} %{x}: %{customdata:.4~g}<extra></extra>`,
        },
      ],
      {
        xTitle: t("cnn.fully_connected.axis_element", { n: x.length - 1 }),
        yaxis: { autorange: "reversed" },
        margin: { l: 120 },
      },
    );
    const sum = prod.reduce((a, b) => a + b, 0);
    $("fc-text").textContent = t("cnn.fully_connected.fc_text", {
      k,
      sum: fmt(sum, 3),
      b: fmt(res.fc_bias[k], 3),
      logit: fmt(res.logits[k], 3),
      n: x.length,
    });
  }

  function drawOutputs() {
    const digits = res.logits.map((_, k) => String(k));
    const colors = digits.map((_, k) => (k === res.prediction ? COLORS.red : COLORS.accent));
    bars("plot-logits", digits, res.logits, {
      color: colors,
      xTitle: t("cnn.fully_connected.axis_class"),
      yTitle: t("cnn.fully_connected.axis_logit"),
      xaxis: { type: "category" },
    });
    bars(
      "plot-probs",
      digits,
      res.probabilities.map((p) => 100 * p),
      {
        color: colors,
        xTitle: t("cnn.fully_connected.axis_class"),
        yTitle: t("cnn.fully_connected.axis_prob"),
        xaxis: { type: "category" },
        yaxis: { range: [0, 100] },
      },
    );
  }

  function torchCode() {
    const shapes = res.layers.map((l) => `#   ${l.name.padEnd(11)} (1, ${l.output.shape.join(", ")})`);
    const f = res.layers.find((l) => l.name === "flatten").output.shape[0];
    return [
      "import torch, torch.nn.functional as F",
      "from engine.models.digits import load_pretrained   # this project's shipped weights",
      "from engine.data.mnist import normalise",
      "",
      `model = load_pretrained("${res.model}")`,
      "x = normalise(digit_28x28[None])        # (1, 1, 28, 28): white ink on black, 0–255 → standardised",
      "stages = model.forward_trace(x)         # every layer's output:",
      ...shapes,
      `v = stages["flatten"]                   # (1, ${f}): the maps as one vector`,
      `logits = v @ model.fc.weight.T + model.fc.bias   # nn.Linear(${f}, 10)`,
      "probs = F.softmax(logits, dim=1)        # (1, 10), sums to 1",
      "print(probs.argmax(1).item(), probs.max().item())",
    ].join("\n");
  }

  /* ---- the stage: the last maps flattened into x, one weighted sum per class, softmax ---- */
  const FLATTEN = 2; // the step that lays the maps end to end, a group of maps a frame
  const LOGITS = 4; // the step that adds up the ten logits, one class a frame
  const MAX_GROUPS = 10;
  let look = null; // what the stage draws from the answer, computed once per answer

  /** The answer as the stage reads it: the input, the last maps and their mosaic, x, the weights. */
  function lookAt() {
    const maps = tensor(lastMaps().output);
    const [c, h, w] = maps.shape;
    const x = Array.from(tensor(res.layers.find((l) => l.name === "flatten").output).data);
    const W = matrix(tensor(res.fc_weight)); // (10, n)
    const cols = Math.ceil(Math.sqrt(c * 1.7));
    const lim = Math.max(...maps.data.map(Math.abs)) || 1;
    return { name: lastMaps().name, maps, c, h, w, n: x.length, x, W, cols, lim };
  }

  /** The maps of flatten frame `frame`: [first, end) of the c maps, in at most MAX_GROUPS frames. */
  function group(frame) {
    const groups = Math.min(MAX_GROUPS, look.c);
    const size = Math.ceil(look.c / groups);
    return [frame * size, Math.min(look.c, (frame + 1) * size)];
  }
  const groups = () => Math.ceil(look.c / Math.ceil(look.c / Math.min(MAX_GROUPS, look.c)));

  const MARGIN = { t: 22, l: 44, r: 8, b: 36 };
  /** The panels' places in the figure (paper coordinates), the input panel square. On a desktop the
   * pad sits over the figure's top left corner and the top row starts right of it. */
  function panels() {
    const el = $("plot-stage");
    const pad = $("pad").closest(".fc-pad");
    const over = getComputedStyle(pad).position === "absolute";
    const width = el.clientWidth - MARGIN.l - MARGIN.r;
    const height = el.clientHeight - MARGIN.t - MARGIN.b;
    const short = el.clientHeight < 420; // a phone: no numbers under the strip, where the bars' title goes
    const top = [0.55, 1];
    const left = over ? (pad.offsetWidth + 16 - MARGIN.l) / width : 0;
    const side = Math.min(0.3, ((top[1] - top[0]) * height) / width);
    return {
      input: { x: [left, left + side], y: top },
      maps: { x: [left + side + 0.04, 1], y: top },
      strip: { x: [0, 1], y: [0.3, 0.43] },
      bars: { x: [0, 1], y: [0, 0.2] },
      short,
    };
  }

  /** What step `step` (at `frame`) shows: how much of x is laid out, which rows of the strip, the bars. */
  function moment(step, frame) {
    const all = [0, look.c];
    return [
      { focus: ["input", "bars"], laid: all, rows: 3, bars: "probs" },
      { focus: ["maps"], laid: [0, 0], rows: 0, bars: "faded" },
      { focus: ["maps", "strip"], laid: [0, group(frame)[1]], now: group(frame), rows: 1, bars: "faded" },
      { focus: ["strip"], laid: all, rows: 3, bars: "faded" },
      { focus: ["strip", "bars"], laid: all, rows: 3, bars: "logits", upto: frame },
      { focus: ["bars"], laid: all, rows: 3, bars: "probs" },
    ][step];
  }

  /** The product x_i·w_ki with the largest size, for class k: {i, c, r, q, x, w, prod}. */
  function largestProduct(k) {
    let i = 0;
    look.x.forEach((v, j) => {
      if (Math.abs(v * look.W[k][j]) > Math.abs(look.x[i] * look.W[k][i])) i = j;
    });
    const hw = look.h * look.w;
    const at = i % hw;
    return {
      i,
      c: Math.floor(i / hw),
      r: Math.floor(at / look.w),
      q: at % look.w,
      x: look.x[i],
      w: look.W[k][i],
    };
  }

  function stageAt(step, frame) {
    const m = moment(step, frame);
    const place = panels();
    const k = step === LOGITS ? m.upto : res.prediction; // the class whose weights the strip shows
    const { c, h, w, n, x, W } = look;
    const hw = h * w;
    const norm = (row) => {
      const most = Math.max(...row.map(Math.abs)) || 1;
      return row.map((v) => v / most);
    };
    const laidEnd = m.laid[1] * hw;
    const prod = x.map((v, i) => v * W[k][i]);
    const rows = [x, W[k], prod].map((row, r) => (r < m.rows ? row : row.map(() => null)));
    rows[0] = rows[0].map((v, i) => (i < laidEnd ? v : null));
    const traces = [
      {
        type: "heatmap",
        z: matrix(tensor(res.stages.centred)),
        colorscale: SCALES.gray,
        zmin: 0,
        zmax: 255,
        showscale: false,
        hovertemplate: `${t("common.row")} %{y}, ${t("common.col")} %{x}: %{z:.0f}<extra></extra>`,
      },
      {
        type: "heatmap",
        xaxis: "x2",
        yaxis: "y2",
        z: mosaic(look.maps, [...Array(c).keys()], look.cols),
        colorscale: SCALES.diverging,
        zmid: 0,
        zmin: -look.lim,
        zmax: look.lim,
        showscale: false,
        hovertemplate: `${look.name}: %{z:.3~g}<extra></extra>`,
      },
      {
        type: "heatmap",
        xaxis: "x3",
        yaxis: "y3",
        y: [0, 1, 2],
        z: rows.map((row) => norm(row.map((v) => v ?? 0)).map((v, i) => (row[i] === null ? null : v))),
        customdata: rows,
        colorscale: SCALES.diverging,
        zmid: 0,
        zmin: -1,
        zmax: 1,
        showscale: false,
        hovertemplate: `${t(`${P}element`)} %{x}: %{customdata:.4~g}<extra></extra>`,
      },
      barsTrace(m, k),
    ];
    const shapes = [...m.focus.map((p) => frameOf(place[p])), ...momentMarks(step, m, k)];
    draw("plot-stage", traces, {
      margin: MARGIN,
      xaxis: { domain: place.input.x, visible: false, constrain: "domain" },
      yaxis: {
        domain: place.input.y,
        visible: false,
        autorange: "reversed",
        scaleanchor: "x",
        constrain: "domain",
      },
      shapes,
      annotations: [
        title(place.input, t(`${P}stage_input`)),
        title(place.maps, t(`${P}stage_maps`, { layer: look.name, c, h, w })),
        title(place.strip, t(`${P}stage_strip`, { n, k })),
        title(place.bars, t(`${P}stage_${m.bars === "logits" ? "logits" : "probs"}`)),
      ],
      layout: {
        xaxis2: { domain: place.maps.x, anchor: "y2", visible: false, constrain: "domain" },
        yaxis2: {
          domain: place.maps.y,
          anchor: "x2",
          visible: false,
          autorange: "reversed",
          scaleanchor: "x2",
          constrain: "domain",
        },
        xaxis3: {
          showticklabels: !place.short,
          domain: place.strip.x,
          anchor: "y3",
          range: [-0.5, n - 0.5],
          showgrid: false,
          zeroline: false,
          tickfont: { size: 10 },
        },
        yaxis3: {
          domain: place.strip.y,
          anchor: "x3",
          range: [2.5, -0.5],
          tickvals: [0, 1, 2],
          ticktext: ["x", `w<sub>${k}</sub>`, "x·w"],
          tickfont: { size: 10 },
          showgrid: false,
          zeroline: false,
          fixedrange: true,
        },
        xaxis4: {
          domain: place.bars.x,
          anchor: "y4",
          type: "category",
          showgrid: false,
          tickfont: { size: 11 },
        },
        yaxis4: {
          domain: place.bars.y,
          anchor: "x4",
          range: barRange(m),
          gridcolor: COLORS.line,
          fixedrange: true,
          tickfont: { size: 10 },
        },
      },
    });
    return stepNumbers(step, m, res.prediction);
  }

  /** The bars of the ten classes: probabilities in %, the logits added up so far, or faded. */
  function barsTrace(m, k) {
    const digits = res.logits.map((_, j) => String(j));
    const logits = m.bars === "logits";
    const y = logits
      ? res.logits.map((z, j) => (j <= m.upto ? z : null))
      : res.probabilities.map((p) => 100 * p);
    return {
      type: "bar",
      xaxis: "x4",
      yaxis: "y4",
      x: digits,
      y,
      opacity: m.bars === "faded" ? 0.25 : 1,
      marker: { color: digits.map((_, j) => (j === k ? COLORS.red : COLORS.accent)) },
      hovertemplate: `%{x}: %{y:.4~g}${logits ? "" : " %"}<extra></extra>`,
    };
  }

  function barRange(m) {
    if (m.bars !== "logits") return [0, 100];
    const lo = Math.min(0, ...res.logits);
    const hi = Math.max(0, ...res.logits);
    const pad = (hi - lo || 1) * 0.08;
    return [lo - pad, hi + pad];
  }

  /** A panel's outline (paper coordinates), around what the step talks about. */
  const frameOf = (p) => ({
    type: "rect",
    xref: "paper",
    yref: "paper",
    x0: p.x[0] - 0.01,
    x1: p.x[1] + 0.005,
    y0: p.y[0] - 0.015,
    y1: p.y[1] + 0.015,
    line: { color: COLORS.window, width: 2 },
  });

  const title = (p, text) => ({
    xref: "paper",
    yref: "paper",
    x: p.x[0],
    y: p.y[1] + 0.01,
    xanchor: "left",
    yanchor: "bottom",
    showarrow: false,
    text,
    font: { size: 11 },
  });

  /** Marks inside the panels: the maps being laid out and their place in x; the largest product and
   * the map cell it comes from; the class being added up. */
  function momentMarks(step, m, k) {
    const { h, w, cols } = look;
    const hw = h * w;
    const box = (axis, x0, x1, y0, y1) => ({
      type: "rect",
      xref: `x${axis}`,
      yref: `y${axis}`,
      x0,
      x1,
      y0,
      y1,
      line: { color: COLORS.ink, width: 2 },
    });
    const cell = (c, r, q) => {
      const top = Math.floor(c / cols) * (h + 1) + r;
      const left = (c % cols) * (w + 1) + q;
      return [left - 0.5, left + 0.5, top - 0.5, top + 0.5];
    };
    if (step === FLATTEN) {
      const [a, b] = m.now;
      const out = [box(3, a * hw - 0.5, b * hw - 0.5, -0.5, 0.5)];
      for (let c = a; c < b; c++) {
        const [x0, , y0] = cell(c, 0, 0);
        out.push(box(2, x0, x0 + w, y0, y0 + h));
      }
      return out;
    }
    if (step === 3) {
      const p = largestProduct(k);
      const [x0, x1, y0, y1] = cell(p.c, p.r, p.q);
      return [box(3, p.i - 0.5, p.i + 0.5, -0.5, 2.5), box(2, x0, x1, y0, y1)];
    }
    const j = step === LOGITS ? m.upto : k;
    return step >= LOGITS || step === 0 ? [box(4, j - 0.45, j + 0.45, ...barRange(m))] : [];
  }

  /** The numbers of guided step `step`'s text, all from the answer. */
  function stepNumbers(step, m, k) {
    const { c, h, w, n } = look;
    const pct = (p) => `${fmt(100 * p, 1)} %`;
    const base = { k, n, c, h, w, layer: look.name, model: t(`${P}net_${res.model}`) };
    if (step === 0) return { ...base, source: res.source, p: pct(res.probabilities[k]) };
    if (step === 1) {
      const tops = Array.from({ length: c }, (_, i) =>
        Math.max(...look.maps.data.slice(i * h * w, (i + 1) * h * w)),
      );
      const best = tops.indexOf(Math.max(...tops));
      return { ...base, best, top: fmt(tops[best], 3) };
    }
    if (step === FLATTEN) {
      const [a, b] = m.now;
      return { ...base, maps: b - a > 1 ? `${a}–${b - 1}` : a, start: a * h * w, end: b * h * w - 1 };
    }
    if (step === 3) {
      const p = largestProduct(k);
      return {
        ...base,
        i: p.i,
        map: p.c,
        r: p.r,
        q: p.q,
        x: fmt(p.x, 3),
        w: fmt(p.w, 3),
        prod: fmt(p.x * p.w, 3),
      };
    }
    if (step === LOGITS) {
      const j = m.upto;
      const z = res.logits[j];
      return { ...base, j, sum: fmt(z - res.fc_bias[j], 3), b: fmt(res.fc_bias[j], 3), z: fmt(z, 3) };
    }
    const total = res.logits.reduce((s, z) => s + Math.exp(z), 0);
    return {
      ...base,
      z: fmt(res.logits[k], 3),
      exp: sci(Math.exp(res.logits[k])),
      total: sci(total),
      p: pct(res.probabilities[k]),
    };
  }

  const guide = N.steps({
    show: (step, frame) => (res && look ? stageAt(step, frame) : null),
    frames: (step) => (!look ? 1 : step === FLATTEN ? groups() : step === LOGITS ? res.logits.length : 1),
    interval: (step) => (step === FLATTEN || step === LOGITS ? 700 : 3000),
  });

  $("clear").addEventListener("click", () => {
    drawing.clear();
    $("answer").textContent = "";
  });
  $("sample").addEventListener("click", () => sample());
  $("digit-file").addEventListener("change", () => {
    const file = $("digit-file").files[0];
    if (file) {
      const ask = () =>
        upload(`/api/digits/predict/upload?model=${$("model").value}`, file, {}, { key: KEY });
      show(ask, file.name, { kind: "digit" });
    }
    $("digit-file").value = "";
  });
  $("model").addEventListener("change", () => again?.());
  $("layer").addEventListener("change", drawMaps);
  $("fc-class").addEventListener("change", drawFc);
  start();
})();
