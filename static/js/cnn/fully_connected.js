/* §1.5 The fully connected layer: a drawn (or uploaded, or held-out) digit is preprocessed as MNIST
 * was made, read by a trained CNN layer by layer, flattened into one vector, weighted by the FC
 * layer into 10 logits and turned into probabilities by softmax. */
(() => {
  "use strict";
  const { t, api, upload, tensor, matrix, bars, draw, code, fmt, COLORS, SCALES } = N;
  const $ = (id) => document.getElementById(id);
  const STAGES = ["gray", "ink", "cropped", "fitted", "centred"];
  const FIRST_DIGIT = 0;
  let res = null;
  let again = null; // re-asks the current picture (after the model changes)

  /* ---- the drawing pad (static/js/drawpad.js): read when the pen lifts ---- */
  const drawing = N.drawPad($("pad"), { change: readPad });

  /* ---- asking the server ---- */
  async function readPad() {
    const file = await drawing.file();
    show(
      () => upload(`/api/digits/predict/upload?model=${$("model").value}`, file),
      t("cnn.fully_connected.source_drawing"),
    );
  }

  async function show(request, source) {
    again = () => show(request, source);
    try {
      res = await request();
    } catch {
      $("answer").textContent = "";
      return; // the status line says why (e.g. a blank drawing)
    }
    res.source = source;
    render();
  }

  /** A held-out digit: `index`, or a random one (every visitor first sees the same one). */
  async function sample(index = Math.floor(Math.random() * 2000)) {
    const digit = await api("GET", `/api/digits/held-out/${index}`);
    drawing.paint(digit.pixels.data);
    show(
      () => api("POST", "/api/digits/predict", { pixels: digit.pixels.data, model: $("model").value }),
      t("cnn.fully_connected.source_held_out", { index, label: digit.label }),
    );
  }

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
    sel.replaceChildren(...res.probabilities.map((_, k) => new Option(String(k), String(k))));
    sel.value = String(res.prediction);
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

  $("clear").addEventListener("click", () => {
    drawing.clear();
    $("answer").textContent = "";
  });
  $("sample").addEventListener("click", () => sample());
  $("digit-file").addEventListener("change", () => {
    const file = $("digit-file").files[0];
    if (file) show(() => upload(`/api/digits/predict/upload?model=${$("model").value}`, file), file.name);
    $("digit-file").value = "";
  });
  $("model").addEventListener("change", () => again?.());
  $("layer").addEventListener("change", drawMaps);
  $("fc-class").addEventListener("change", drawFc);
  sample(FIRST_DIGIT); // on the basic net, the one §1.1–§1.5 build; the others are one choice away
})();
