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
    svg,
  } = N;
  const $ = (id) => document.getElementById(id);
  const P = "rnn.forward.";
  const WEIGHTS = ["W_xh", "W_hh", "b_h", "W_hy", "b_y"];
  const SUB = "₀₁₂₃₄₅₆₇₈₉";
  const sub = (n) => String(n).replace(/\d/g, (d) => SUB[d]);
  const vec = (v, d = 3) => `[${Array.from(v, (x) => fmt(x, d)).join(", ")}]`;
  let res = null; // the last /api/rnn/forward response, tensors decoded
  let step = 0; // 0-based: the page calls it t = step + 1
  let timer = null;

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
      out = await api("POST", "/api/rnn/forward", b);
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
    $("step-index").max = out.steps - 1;
    drawAll();
  }

  /* ---- drawing ---- */
  const layerNow = () => Number($("layer").value || 0);
  const at = (view, l, s) => matrix(view, l)[s]; // (L, T, H) → the H numbers of layer l, step s
  const inputLabel = (s) => (res.tokens ? `'${res.tokens[s]}'` : vec(matrix(res.X)[s], 2));

  function drawAll() {
    step = Math.min(step, res.steps - 1);
    drawWeights();
    showStep(step);
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

  function showStep(i) {
    step = i;
    $("step-index").value = i;
    $("step-out").textContent = t(`${P}step_of`, { i: i + 1, n: res.steps });
    drawDiagram();
    drawCalc();
    drawStepBars();
    drawOverTime();
    code(torchCode());
  }

  function drawCalc() {
    const l = layerNow();
    const s = step + 1;
    const prev = step === 0 ? matrix(res.H, l)[0].map(() => 0) : at(res.H, l, step - 1);
    const input =
      l === 0
        ? `x${sub(s)} = ${inputLabel(step)}${res.tokens ? ` → ${vec(matrix(res.X)[step], 0)}` : ""}`
        : `h${sub(s)}⁽${l}⁾ = ${vec(at(res.H, l - 1, step))}`;
    const inName = l === 0 ? `x${sub(s)}` : `h${sub(s)}⁽${l}⁾`;
    const bias = res.layers[l].b_h.data;
    const lines = [
      input,
      `W_xh · ${inName} = ${vec(at(res.XW, l, step))}`,
      `W_hh · h${sub(s - 1)} = W_hh · ${vec(prev)} = ${vec(at(res.HW, l, step))}${step === 0 ? t(`${P}h0_note`) : ""}`,
      `a${sub(s)} = W_xh · ${inName} + W_hh · h${sub(s - 1)} + b_h = ${vec(at(res.A, l, step))}   (b_h = ${vec(bias)})`,
      `h${sub(s)} = tanh(a${sub(s)}) = ${vec(at(res.H, l, step))}`,
    ];
    const many = res.outputs === "many_to_many";
    lines.push(
      many || step === res.steps - 1
        ? `y${sub(s)} = W_hy · h${sub(s)} + b_y = ${vec(matrix(res.Y)[many ? step : 0])}`
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

  function drawStepBars() {
    const l = layerNow();
    const units = [...Array(res.hidden_size).keys()].map((k) => `h[${k}]`);
    const bias = res.layers[l].b_h.data;
    const bar = (name, y, color) => ({
      type: "bar",
      name,
      x: units,
      y: Array.from(y),
      marker: { color },
      hovertemplate: `${name}, %{x}: %{y:.4~g}<extra></extra>`,
    });
    draw(
      "plot-step",
      [
        bar("W<sub>xh</sub>·x", at(res.XW, l, step), COLORS.green),
        bar("W<sub>hh</sub>·h", at(res.HW, l, step), COLORS.accent),
        bar("b<sub>h</sub>", bias, COLORS.muted),
        bar("a", at(res.A, l, step), COLORS.warn),
        bar("tanh(a)", at(res.H, l, step), COLORS.ink),
      ],
      {
        xTitle: t(`${P}step_plot_title`, { t: step + 1 }),
        yTitle: t(`${P}axis_value`),
        showlegend: true,
        margin: { t: 56 },
      },
    );
  }

  function drawOverTime() {
    const l = layerNow();
    const ts = [...Array(res.steps).keys()].map((s) => s + 1);
    const dtick = Math.max(1, Math.ceil(res.steps / 10)); // whole time steps
    const now = [
      {
        type: "line",
        x0: step + 1,
        x1: step + 1,
        yref: "paper",
        y0: 0,
        y1: 1,
        line: { color: "#f59e0b", width: 2 },
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

  function drawDiagram() {
    const T = res.steps;
    const L = res.num_layers;
    const box = $("unrolled");
    const vertical = box.clientWidth < NARROW;
    const geo = layout(T, L, vertical);
    const { width, height } = geo;
    const root = svg("svg", {
      width,
      height,
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
      const cls = s === step ? "now" : s < step ? "past" : "future";
      text(geo.xText(s), `xin ${cls}`, res.tokens ? `x${sub(s + 1)} '${res.tokens[s]}'` : `x${sub(s + 1)}`);
      arrow("W_xh", geo.input(s), cls);
      for (let l = 0; l < L; l++) {
        if (l > 0) arrow("W_xh", geo.up(s, l), cls);
        arrow("W_hh", geo.recur(s, l), cls);
        const [x, y] = geo.pos(s, l);
        const g = svg("g", { class: `cell ${cls}`, "data-step": s });
        const h = at(res.H, l, s);
        g.append(svg("rect", { x: x - CW, y: y - CH, width: 2 * CW, height: 2 * CH, rx: 8 }));
        g.append(
          svg(
            "text",
            { x, y: y + (h.length === 1 ? -2 : 5), "text-anchor": "middle" },
            L > 1 ? `h${sub(s + 1)}⁽${l + 1}⁾` : `h${sub(s + 1)}`,
          ),
        );
        if (h.length === 1)
          g.append(svg("text", { x, y: y + 15, "text-anchor": "middle", class: "val" }, fmt(h[0], 3)));
        g.append(svg("title", {}, `h${sub(s + 1)} = ${vec(h)}`));
        root.append(g);
      }
      if (res.outputs === "many_to_many" || s === T - 1) {
        arrow("W_hy", geo.output(s), cls);
        text(geo.yText(s), `yout ${cls}`, `y${sub(s + 1)}`);
      }
    }
    box.replaceChildren(root);
    const x = geo.pos(step, 0)[0];
    if (!vertical && (x < box.scrollLeft + 124 || x > box.scrollLeft + box.clientWidth - 124)) {
      box.scrollLeft = Math.max(0, x - box.clientWidth / 2);
    }
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

  /* ---- the player ---- */
  function stop() {
    clearInterval(timer);
    timer = null;
    $("step-play").textContent = t(`${P}play`);
    $("step-play").setAttribute("aria-pressed", "false");
  }

  function play() {
    if (timer) {
      stop();
      return;
    }
    if (step >= res.steps - 1) showStep(0);
    $("step-play").textContent = t(`${P}pause`);
    $("step-play").setAttribute("aria-pressed", "true");
    timer = setInterval(
      () => (step < res.steps - 1 ? showStep(step + 1) : stop()),
      1000 / Number($("speed").value),
    );
  }

  /* ---- wiring ---- */
  function showControls() {
    const word = $("source").value === "word";
    const typed = $("weights-source").value === "typed";
    document.querySelectorAll(".src-numbers").forEach((el) => {
      el.hidden = word;
    });
    document.querySelectorAll(".src-word").forEach((el) => {
      el.hidden = !word;
    });
    document.querySelectorAll(".w-typed").forEach((el) => {
      el.hidden = !typed;
    });
    document.querySelectorAll(".w-seed").forEach((el) => {
      el.hidden = typed;
    });
  }

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
  window.addEventListener(
    "resize",
    debounce(() => res && drawDiagram(), 200),
  ); // a phone turned sideways: wide or narrow diagram
  $("unrolled").addEventListener("click", (ev) => {
    const cell = ev.target.closest(".cell");
    if (cell && res) {
      stop();
      showStep(Number(cell.dataset.step));
    }
  });
  $("step-next").addEventListener("click", () => {
    stop();
    if (res) showStep(Math.min(step + 1, res.steps - 1));
  });
  $("step-prev").addEventListener("click", () => {
    stop();
    if (res) showStep(Math.max(step - 1, 0));
  });
  $("step-index").addEventListener("input", () => {
    stop();
    if (res) showStep(Number($("step-index").value));
  });
  $("step-play").addEventListener("click", () => {
    if (res) play();
  });
  $("speed").addEventListener("change", () => {
    if (timer) {
      stop();
      play();
    }
  });
  showControls();
  update();
})();
