/* §4–4.1 The RNN forward pass: a sequence enters one cell step by step; the unrolled picture has T
 * copies of the cell but one set of weights (W_xh, W_hh, W_hy), the same at every step. */
(() => {
  "use strict";
  const {
    t,
    api,
    tensor,
    matrix,
    heatmap,
    draw,
    code,
    fmt,
    debounce,
    COLORS,
    readSequence,
    typedWeights,
    fillTypedWeights,
    layerChoice,
    pyTensor,
    pyInput,
    showControls,
    fitDiagram,
    svg,
    $,
    sub,
  } = N;
  const P = "rnn.forward.";
  const WEIGHTS = ["W_xh", "W_hh", "b_h", "W_hy", "b_y"];
  const vec = (v, d = 3) => `[${Array.from(v, (x) => fmt(x, d)).join(", ")}]`;
  let res = null; // the last /api/rnn/forward response, tensors decoded
  let pos = 0; // the time step shown, 0-based: the page calls it t = pos + 1
  let lastFrame = null; // the guided walk's frame last shown (it moves the time step when it changes)

  /* ---- the request ---- */
  function body(typed) {
    const seq = readSequence();
    if (!seq) return null;
    const b = {
      hidden_size: Number($("hidden-size").value),
      output_size: Number($("output-size").value),
      num_layers: Number($("num-layers").value),
      outputs: $("outputs").value,
      seed: Number($("seed").value) || 0,
      ...seq.fields,
    };
    const weights = typed ? typedWeights(WEIGHTS) : {};
    return weights && { ...b, ...weights };
  }

  async function update() {
    const typed = $("weights-source").value === "typed";
    const b = body(typed);
    if (!b) return;
    let out;
    try {
      out = await api("POST", "/api/rnn/forward", b, { key: "forward" });
    } catch {
      return;
    }
    const dec = (k) => tensor(out[k]);
    const layer3 = (w) => ({ W_xh: tensor(w.W_xh), W_hh: tensor(w.W_hh), b_h: tensor(w.b_h) });
    res = {
      ...out,
      X: dec("x"),
      H: dec("h"),
      XW: dec("xw"),
      HW: dec("hw"),
      A: dec("a"),
      Y: dec("y"),
      W: Object.fromEntries(WEIGHTS.map((k) => [k, tensor(out.weights[k])])),
      layers: [out.weights, ...out.weights.upper_layers].map(layer3),
    };
    if (!typed) fillTypedWeights(res.W); // the boxes hold the weights in use: "typed" starts from them
    layerChoice(out.num_layers);
    const slider = $("step-index");
    slider.max = out.steps - 1;
    if (N.state.restore("step-index")) pos = Number(slider.value); // a link's time step, once it fits
    lastFrame = guide.step() === STEP.WALK ? guide.frame() : null; // a new answer keeps the time step
    drawAll();
  }

  /* ---- drawing ---- */
  const layerNow = () => Number($("layer").value || 0);
  const at = (view, l, s) => matrix(view, l)[s]; // (L, T, H) → the H numbers of layer l, step s
  const inputLabel = (s) => (res.tokens ? `'${res.tokens[s]}'` : vec(matrix(res.X)[s], 2));

  function drawAll() {
    pos = Math.min(pos, res.steps - 1);
    guide.refresh(); // the stage first, then the plots below it
    drawWeights();
    setStep(pos);
  }

  function drawWeights() {
    const l = layerNow();
    const w = res.layers[l];
    const opts = (x, y) => ({
      scale: "diverging",
      zmid: 0,
      xTitle: x,
      yTitle: y,
      showscale: false,
      hovertemplate: `${y} %{y}, ${x} %{x}: %{z:.4~g}<extra></extra>`,
    });
    const ticks = (n) => ({ tickvals: [...Array(n).keys()] });
    const show = (id, view, x, y, title) => {
      const z = matrix(view);
      heatmap(id, z, {
        ...opts(x, y),
        title,
        text: z.map((r) => r.map((v) => fmt(v, 2))),
        xaxis: ticks(z[0].length),
        yaxis: ticks(z.length),
      });
    };
    const inName = l === 0 ? t(`${P}axis_x`) : t(`${P}axis_below`);
    show(
      "plot-wxh",
      w.W_xh,
      inName,
      t(`${P}axis_h`),
      l === 0 ? "W<sub>xh</sub>" : `W<sub>xh</sub> (${t(`${P}layer`)} ${l + 1})`,
    );
    show("plot-whh", w.W_hh, t(`${P}axis_hprev`), t(`${P}axis_h`), "W<sub>hh</sub>");
    show("plot-why", res.W.W_hy, t(`${P}axis_h`), t(`${P}axis_y`), "W<sub>hy</sub>");
    const count = [res.W.W_hy, res.W.b_y, ...res.layers.flatMap(Object.values)].reduce(
      (n, v) => n + v.data.length,
      0,
    );
    $("shared-hint").textContent = t(`${P}shared_hint`, { n: count, steps: res.steps });
  }

  /** Show time step i: the slider, the formulas, the plots below and the stage. */
  function showStep(i) {
    setStep(i);
    guide.refresh();
  }

  function setStep(i) {
    pos = Math.max(0, Math.min(i, res.steps - 1));
    $("step-index").value = pos;
    $("step-out").textContent = t(`${P}step_of`, { i: pos + 1, n: res.steps });
    drawCalc();
    drawStepBars();
    drawOverTime();
    code(torchCode());
  }

  function drawCalc() {
    const l = layerNow();
    const s = pos + 1;
    const prev = pos === 0 ? matrix(res.H, l)[0].map(() => 0) : at(res.H, l, pos - 1);
    const input =
      l === 0
        ? `x${sub(s)} = ${inputLabel(pos)}${res.tokens ? ` → ${vec(matrix(res.X)[pos], 0)}` : ""}`
        : `h${sub(s)}⁽${l}⁾ = ${vec(at(res.H, l - 1, pos))}`;
    const inName = l === 0 ? `x${sub(s)}` : `h${sub(s)}⁽${l}⁾`;
    const bias = res.layers[l].b_h.data;
    const lines = [
      input,
      `W_xh · ${inName} = ${vec(at(res.XW, l, pos))}`,
      `W_hh · h${sub(s - 1)} = W_hh · ${vec(prev)} = ${vec(at(res.HW, l, pos))}${pos === 0 ? t(`${P}h0_note`) : ""}`,
      `a${sub(s)} = W_xh · ${inName} + W_hh · h${sub(s - 1)} + b_h = ${vec(at(res.A, l, pos))}   (b_h = ${vec(bias)})`,
      `h${sub(s)} = tanh(a${sub(s)}) = ${vec(at(res.H, l, pos))}`,
    ];
    const many = res.outputs === "many_to_many";
    lines.push(
      many || pos === res.steps - 1
        ? `y${sub(s)} = W_hy · h${sub(s)} + b_y = ${vec(matrix(res.Y)[many ? pos : 0])}`
        : t(`${P}no_output`, { t: s }),
    );
    // escape (a typed word reaches these lines), then write W_xh as W<sub>xh</sub>
    const html = (text) =>
      text
        .replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c])
        .replace(/\b([Wby])_(\w+)/g, "$1<sub>$2</sub>");
    $("step-calc").replaceChildren(
      ...lines.map((text) => Object.assign(document.createElement("p"), { innerHTML: html(text) })),
    );
  }

  /** The five bars of each hidden unit at time step s of layer l: the input's share W_xh·x, the memory's
   * share W_hh·h, the bias, their sum a and tanh(a). `focus` (names) keeps those opaque and fades the rest. */
  function cellBars(l, s, focus = null) {
    const units = [...Array(res.hidden_size).keys()].map((k) => `h[${k}]`);
    const bar = (name, key, y, color) => ({
      type: "bar",
      name,
      x: units,
      y: Array.from(y),
      marker: { color, opacity: !focus || focus.includes(key) ? 1 : 0.18 },
      hovertemplate: `${name}, %{x}: %{y:.4~g}<extra></extra>`,
    });
    return [
      bar("W<sub>xh</sub>·x", "xw", at(res.XW, l, s), COLORS.green),
      bar("W<sub>hh</sub>·h", "hw", at(res.HW, l, s), COLORS.accent),
      bar("b<sub>h</sub>", "b", res.layers[l].b_h.data, COLORS.muted),
      bar("a", "a", at(res.A, l, s), COLORS.warn),
      bar("tanh(a)", "h", at(res.H, l, s), COLORS.ink),
    ];
  }

  function drawStepBars() {
    draw("plot-step", cellBars(layerNow(), pos), {
      xTitle: t(`${P}step_plot_title`, { t: pos + 1 }),
      yTitle: t(`${P}axis_value`),
      showlegend: true,
      margin: { t: 56 },
    });
  }

  function drawOverTime() {
    const l = layerNow();
    const ts = [...Array(res.steps).keys()].map((s) => s + 1);
    const dtick = Math.max(1, Math.ceil(res.steps / 10)); // whole time steps
    const now = [
      {
        type: "line",
        x0: pos + 1,
        x1: pos + 1,
        yref: "paper",
        y0: 0,
        y1: 1,
        line: { color: COLORS.window, width: 2 },
      },
    ];
    const hs = matrix(res.H, l);
    draw(
      "plot-h",
      [...Array(res.hidden_size).keys()].map((k) => ({
        type: "scatter",
        mode: "lines+markers",
        name: `h[${k}]`,
        x: ts,
        y: hs.map((r) => r[k]),
      })),
      {
        xTitle: t(`${P}axis_t`),
        yTitle: t(`${P}axis_h_value`),
        yaxis: { range: [-1.05, 1.05] },
        xaxis: { tick0: 1, dtick },
        shapes: now,
        showlegend: res.hidden_size > 1,
      },
    );
    const ys = matrix(res.Y);
    const many = res.outputs === "many_to_many";
    draw(
      "plot-y",
      [...Array(res.output_size).keys()].map((k) => ({
        type: "scatter",
        mode: "lines+markers",
        name: `y[${k}]`,
        x: many ? ts : [res.steps],
        y: ys.map((r) => r[k]),
        marker: { size: 9 },
      })),
      {
        xTitle: t(`${P}axis_t`),
        yTitle: t(`${P}axis_y_value`),
        shapes: now,
        showlegend: res.output_size > 1,
        xaxis: { range: [0.5, res.steps + 0.5], tick0: 1, dtick },
      },
    );
    $("caption-y").innerHTML = t(many ? `${P}caption_y_many_html` : `${P}caption_y_one_html`);
  }

  /* ---- the unrolled diagram (SVG): T copies of one cell ---- */
  const [CW, CH] = [36, 24]; // half a cell's width and height
  const NARROW = 600; // a box narrower than this (a phone) gets the vertical diagram

  /** Where the diagram puts its parts. Wide: time runs left → right, layers upwards, x below and y
   * above. Narrow: time runs downwards, layers to the right, x on the left and y on the right, so a
   * phone shows every step at a readable size instead of a strip to scroll. pos(s, l) is a cell's
   * centre; arrows are {x1, y1, x2, y2, lx, ly} (lx, ly: the weight's name); texts {x, y, anchor}. */
  function layout(T, L, vertical) {
    if (!vertical) {
      const [col, row, left, top] = [124, 96, 64, 64];
      const width = left + T * col + 10;
      const height = top + L * row + 64;
      const pos = (s, l) => [left + s * col + col / 2, top + (L - 1 - l) * row + CH];
      return {
        width,
        height,
        pos,
        h0: (l) => ({ x: 4, y: pos(0, l)[1] + 5, anchor: "start" }),
        xText: (s) => ({ x: pos(s, 0)[0], y: height - 8, anchor: "middle" }),
        yText: (s) => ({ x: pos(s, 0)[0], y: 15, anchor: "middle" }),
        input: (s) => {
          const [x, y] = pos(s, 0);
          return { x1: x, y1: height - 26, x2: x, y2: y + CH + 2, lx: x + 5, ly: height - 36 };
        },
        up: (s, l) => {
          const [x, y0] = pos(s, l - 1);
          return { x1: x, y1: y0 - CH, x2: x, y2: pos(s, l)[1] + CH + 2, lx: x + 5, ly: y0 - CH - 10 };
        },
        recur: (s, l) => {
          const [x, y] = pos(s, l);
          const from = s === 0 ? 28 : pos(s - 1, l)[0] + CW;
          return { x1: from, y1: y, x2: x - CW - 2, y2: y, lx: (from + x - CW) / 2 - 16, ly: y - 7 };
        },
        output: (s) => {
          const [x, y] = pos(s, L - 1);
          return { x1: x, y1: y - CH, x2: x, y2: 22, lx: x + 5, ly: 42 };
        },
      };
    }
    const [col, row, left, top] = [120, 84, 110, 64];
    const width = left + L * col + 50;
    const height = top + T * row + 4;
    const pos = (s, l) => [left + l * col + CW, top + s * row + CH];
    return {
      width,
      height,
      pos,
      h0: (l) => ({ x: pos(0, l)[0], y: 14, anchor: "middle" }),
      xText: (s) => ({ x: 4, y: pos(s, 0)[1] + 5, anchor: "start" }),
      yText: (s) => ({ x: width - 4, y: pos(s, 0)[1] + 5, anchor: "end" }),
      input: (s) => {
        const [x, y] = pos(s, 0);
        return { x1: 56, y1: y, x2: x - CW - 2, y2: y, lx: 58, ly: y - 7 };
      },
      up: (s, l) => {
        const [x0, y] = pos(s, l - 1);
        return { x1: x0 + CW, y1: y, x2: pos(s, l)[0] - CW - 2, y2: y, lx: x0 + CW + 6, ly: y - 7 };
      },
      recur: (s, l) => {
        const [x, y] = pos(s, l);
        const from = s === 0 ? 22 : pos(s - 1, l)[1] + CH;
        return { x1: x, y1: from, x2: x, y2: y - CH - 2, lx: x + 5, ly: (from + y - CH) / 2 + 4 };
      },
      output: (s) => {
        const [x, y] = pos(s, L - 1);
        return { x1: x + CW, y1: y, x2: width - 26, y2: y, lx: x + CW + 6, ly: y - 7 };
      },
    };
  }

  const FOCUS = {
    // what each kind of focus outlines: the inputs, the arrows of one matrix at step t (or at every step),
    // the cell of step t
    inputs: (kind) => kind === "xin" || kind === "input",
    W_xh: (kind, s) => s === pos && (kind === "input" || kind === "up"),
    W_hh: (kind, s) => s === pos && kind === "recur",
    cell: (kind, s) => s === pos && kind === "cell",
    W_hy: (kind) => kind === "output" || kind === "yout",
    all: (kind) => ["input", "up", "recur", "output"].includes(kind),
  };

  /** A cell's state h as small bars (one per unit, −1 … 1 around the middle line), or its value (H = 1). */
  function stateMarks(g, x, y, h) {
    if (h.length === 1) {
      g.append(svg("text", { x, y: y + 15, "text-anchor": "middle", class: "val" }, fmt(h[0], 3)));
      return;
    }
    const w = Math.min(10, (2 * CW - 16) / h.length);
    const mid = y + 10;
    g.append(svg("line", { x1: x - CW + 6, x2: x + CW - 6, y1: mid, y2: mid, class: "mid" }));
    h.forEach((v, k) => {
      const bx = x - (h.length * w) / 2 + k * w;
      const bh = Math.abs(v) * 12;
      const top = v >= 0 ? mid - bh : mid;
      g.append(
        svg("path", { d: `M${bx + 1},${top} h${w - 2} v${bh} h${2 - w} z`, class: v >= 0 ? "up" : "down" }),
      );
    });
  }

  /** The unrolled RNN at time step `pos`: steps before it computed (their states drawn in), steps after
   * it faded; `focus` (a key of FOCUS) outlines the part a guided step talks about. */
  function drawDiagram(focus = null) {
    const T = res.steps;
    const L = res.num_layers;
    const box = $("unrolled");
    const vertical = box.clientWidth < NARROW;
    const geo = layout(T, L, vertical);
    const { width, height } = geo;
    const on = (kind, s) => (focus && FOCUS[focus](kind, s) ? " hl" : "");
    const root = svg("svg", {
      viewBox: `0 0 ${width} ${height}`,
      class: `rnn-svg${vertical ? " vertical" : ""}`,
    });
    const defs = svg("defs", {});
    for (const [name, color] of [
      ["W_xh", COLORS.green],
      ["W_hh", COLORS.accent],
      ["W_hy", COLORS.red],
    ]) {
      const m = svg("marker", {
        id: `arrow-${name}`,
        viewBox: "0 0 10 10",
        refX: 9,
        refY: 5,
        markerWidth: 5,
        markerHeight: 5,
        orient: "auto-start-reverse",
      });
      m.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: color }));
      defs.append(m);
    }
    root.append(defs);
    const arrow = (name, a, cls) => {
      const g = svg("g", { class: `w ${name} ${cls}` });
      g.append(svg("line", { x1: a.x1, y1: a.y1, x2: a.x2, y2: a.y2, "marker-end": `url(#arrow-${name})` }));
      g.append(svg("text", { x: a.lx, y: a.ly, class: "wlabel" }, name));
      root.append(g);
    };
    const text = (p, cls, label) =>
      root.append(svg("text", { x: p.x, y: p.y, class: cls, "text-anchor": p.anchor }, label));
    for (let l = 0; l < L; l++) text(geo.h0(l), "h0", "h₀");
    for (let s = 0; s < T; s++) {
      const cls = s === pos ? "now" : s < pos ? "past" : "future";
      const label = res.tokens ? `x${sub(s + 1)} '${res.tokens[s]}'` : `x${sub(s + 1)}`;
      text(geo.xText(s), `xin ${cls}${on("xin", s)}`, label);
      arrow("W_xh", geo.input(s), cls + on("input", s));
      for (let l = 0; l < L; l++) {
        if (l > 0) arrow("W_xh", geo.up(s, l), cls + on("up", s));
        arrow("W_hh", geo.recur(s, l), cls + on("recur", s));
        const [x, y] = geo.pos(s, l);
        const g = svg("g", { class: `cell ${cls}${on("cell", s)}`, "data-step": s });
        const h = at(res.H, l, s);
        g.append(svg("rect", { x: x - CW, y: y - CH, width: 2 * CW, height: 2 * CH, rx: 8 }));
        const name = L > 1 ? `h${sub(s + 1)}⁽${l + 1}⁾` : `h${sub(s + 1)}`;
        g.append(
          svg("text", { x, y: y + (h.length === 1 || s > pos ? -2 : -7), "text-anchor": "middle" }, name),
        );
        if (s <= pos) stateMarks(g, x, y, h); // the states computed so far
        g.append(svg("title", {}, `h${sub(s + 1)} = ${vec(h)}`));
        root.append(g);
      }
      if (res.outputs === "many_to_many" || s === T - 1) {
        arrow("W_hy", geo.output(s), cls + on("output", s));
        text(geo.yText(s), `yout ${cls}${on("yout", s)}`, `y${sub(s + 1)}`);
      }
    }
    box.replaceChildren(root);
    if (!fitDiagram(root, box, width, height, vertical)) return;
    const scale = root.getBoundingClientRect().width / width; // keep the current step in view
    const [cx, cy] = geo.pos(pos, 0).map((v) => v * scale);
    if (vertical) box.scrollTop = Math.max(0, cy - box.clientHeight / 2);
    else box.scrollLeft = Math.max(0, cx - box.clientWidth / 2);
  }

  /* ---- the PyTorch panel ---- */
  function torchCode() {
    const w = res.weights;
    const x = pyInput(res);
    const layers = [{ W_xh: w.W_xh, W_hh: w.W_hh, b_h: w.b_h }, ...w.upper_layers];
    const copies = layers.flatMap((la, l) => [
      `    rnn.weight_ih_l${l}.copy_(${pyTensor(la.W_xh)}); rnn.weight_hh_l${l}.copy_(${pyTensor(la.W_hh)})   # W_xh, W_hh`,
      `    rnn.bias_ih_l${l}.copy_(${pyTensor(la.b_h)}); rnn.bias_hh_l${l}.zero_()   # b_h = b_ih + b_hh (only their sum counts)`,
    ]);
    const last = matrix(res.H, res.num_layers - 1)[res.steps - 1];
    return [
      "import torch",
      "from torch import nn",
      "",
      ...x,
      `rnn = nn.RNN(input_size=${res.input_size}, hidden_size=${res.hidden_size}, num_layers=${res.num_layers})   # tanh`,
      `W_hy, b_y = ${pyTensor(w.W_hy)}, ${pyTensor(w.b_y)}`,
      "with torch.no_grad():",
      ...copies,
      "    out, h_n = rnn(x)   # out[t - 1] = h_t of the top layer, (T, H)",
      "    y = out @ W_hy.T + b_y   # (T, O)",
      `print(out.shape)   # torch.Size([${res.steps}, ${res.hidden_size}])`,
      `print(out[-1])   # h_${res.steps} = ${vec(last, 4)}`,
      res.outputs === "many_to_many"
        ? "print(y)   # y_1 … y_T (many-to-many)"
        : "print(y[-1])   # y_T only (many-to-one)",
    ].join("\n");
  }

  /* ---- the stage: the unrolled cell stepping through time, beside what happens inside it ---- */
  const STEP = { SEQUENCE: 0, INPUT: 1, MEMORY: 2, CELL: 3, WALK: 4, OUTPUT: 5, SHARED: 6 };
  // per guided step: the part of the diagram outlined and the bars kept opaque (null: all)
  const MOMENT = [
    ["inputs", ["xw"]],
    ["W_xh", ["xw"]],
    ["W_hh", ["hw"]],
    ["cell", ["xw", "hw", "b", "a", "h"]],
    [null, null],
    ["W_hy", ["h"]],
    ["all", null],
  ];

  /** A y range holding every bar of layer l at every time step, so the axis stays still while t moves. */
  function barRange(l) {
    const all = [res.XW, res.HW, res.A, res.H].flatMap((v) => matrix(v, l).flat());
    const vals = [...all, ...res.layers[l].b_h.data, 0];
    const [lo, hi] = [Math.min(...vals), Math.max(...vals)];
    const pad = (hi - lo || 1) * 0.08;
    return [lo - pad, hi + pad];
  }

  function stageAt(step, frame) {
    if (step === STEP.WALK && frame !== lastFrame) setStep(frame); // the walk moves the time step
    lastFrame = step === STEP.WALK ? frame : null;
    const [focus, bars] = MOMENT[step];
    const l = layerNow();
    drawDiagram(focus);
    draw("plot-stage", cellBars(l, pos, bars), {
      xTitle: t(`${P}stage_axis`, { t: pos + 1 }),
      yTitle: t(`${P}axis_value`),
      showlegend: true,
      legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0 },
      margin: { t: 30 },
      yaxis: { range: barRange(l) },
    });
    return stepNumbers(step, l);
  }

  /** The numbers of guided step `step`'s text at time step pos of layer l, all from the answer. */
  function stepNumbers(step, l) {
    const T = res.steps;
    const s = pos + 1;
    const v = (view, k = pos) => vec(at(view, l, k));
    const base = { t: s, T, H: res.hidden_size, prev: s - 1 };
    if (step === STEP.SEQUENCE) {
      const inputs = [...Array(T).keys()].map(inputLabel).join(", ");
      return { ...base, inputs, I: res.input_size };
    }
    if (step === STEP.INPUT) {
      const x = l === 0 ? inputLabel(pos) : vec(at(res.H, l - 1, pos)); // layer l reads the one below
      return { ...base, x, xw: v(res.XW) };
    }
    if (step === STEP.MEMORY) {
      const hp = pos === 0 ? vec(at(res.H, l, 0).map(() => 0)) : v(res.H, pos - 1);
      return { ...base, hp, hw: v(res.HW) };
    }
    if (step === STEP.CELL) return { ...base, a: v(res.A), h: v(res.H), b: vec(res.layers[l].b_h.data) };
    if (step === STEP.WALK) return { ...base, h: v(res.H), hT: v(res.H, T - 1) };
    if (step === STEP.OUTPUT) {
      const ys = matrix(res.Y);
      const many = res.outputs === "many_to_many";
      const y = many ? vec(ys[pos]) : vec(ys[0]);
      return { ...base, y, at: many ? s : T, mode: t(many ? `${P}many_to_many` : `${P}many_to_one`) };
    }
    const count = [res.W.W_hy, res.W.b_y, ...res.layers.flatMap(Object.values)].reduce(
      (n, w) => n + w.data.length,
      0,
    );
    return { ...base, n: count, copies: count * T };
  }

  const guide = N.steps({
    show: (step, frame) => (res ? stageAt(step, frame) : null),
    frames: (step) => (res && step === STEP.WALK ? res.steps : 1),
    interval: (step) => (step === STEP.WALK ? 1000 / Number($("speed").value) : 3000),
  });

  /* ---- wiring ---- */
  const later = debounce(update, 250);
  for (const id of ["input-size", "hidden-size", "output-size", "speed"]) {
    const show = () => {
      $(`${id}-out`).textContent = id === "speed" ? t(`${P}per_second`, { n: $(id).value }) : $(id).value;
    };
    show();
    $(id).addEventListener("input", show);
  }
  for (const id of ["input-size", "hidden-size", "output-size", "num-layers"]) {
    // new sizes need new weights: start again from the seeded ones of the new shape
    $(id).addEventListener("input", () => {
      $("weights-source").value = "seed";
      showControls();
      later();
    });
  }
  for (const id of ["sequence", "word", "alphabet", "seed"]) $(id).addEventListener("input", later);
  for (const name of WEIGHTS) $(`typed-${name}`).addEventListener("input", later);
  for (const id of ["source", "weights-source", "outputs"])
    $(id).addEventListener("change", () => {
      showControls();
      update();
    });
  $("layer").addEventListener("change", () => {
    if (res) drawAll();
  });
  $("unrolled").addEventListener("click", (ev) => {
    const cell = ev.target.closest(".cell");
    if (cell && res) showStep(Number(cell.dataset.step));
  });
  $("step-index").addEventListener("input", () => {
    if (res) showStep(Number($("step-index").value));
  });
  showControls();
  update();
})();
