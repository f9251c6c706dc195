/* §5.1–5.2 A bidirectional RNN classifies a sequence: one cell reads it left to right, another right
 * to left; their last states [h^f_T; h^b_1] feed a linear layer, softmax and cross-entropy. */
(() => {
  "use strict";
  const {
    t,
    api,
    tensor,
    matrix,
    draw,
    code,
    fmt,
    debounce,
    COLORS,
    readSequence,
    pyTensor,
    pyInput,
    showControls,
    fitDiagram,
    svg,
    $,
    sub,
  } = N;
  const P = "rnn.bidirectional.";
  const vec = (v, d = 3) => `[${Array.from(v, (x) => fmt(x, d)).join(", ")}]`;
  const FWD = COLORS.accent;
  const BWD = COLORS.warn;
  let res = null; // the last /api/rnn/bidirectional response, tensors decoded

  /* ---- the request ---- */
  function body() {
    const seq = readSequence();
    if (!seq) return null;
    return {
      hidden_size: Number($("hidden-size").value),
      classes: Number($("classes").value),
      target: Number($("target").value),
      seed: Number($("seed").value) || 0,
      ...seq.fields,
    };
  }

  async function update() {
    const b = body();
    if (!b) return;
    let out;
    try {
      out = await api("POST", "/api/rnn/bidirectional", b, { key: "bidirectional" });
    } catch {
      return;
    }
    res = {
      ...out,
      X: tensor(out.x),
      HF: matrix(tensor(out.h_forward)),
      HB: matrix(tensor(out.h_backward)),
      OUT: matrix(tensor(out.torch.output)),
      HN: matrix(tensor(out.torch.h_n)),
    };
    drawAll();
  }

  function fillTargets() {
    const k = Number($("classes").value);
    const sel = $("target");
    const keep = Math.min(Number(sel.value) || 0, k - 1);
    sel.replaceChildren(...[...Array(k).keys()].map((c) => new Option(t(`${P}class_n`, { c }), c)));
    sel.value = keep;
  }

  /* ---- drawing ---- */

  function drawAll() {
    drawStates();
    drawClassify();
    drawTorch();
    code(torchCode());
    guide.refresh();
  }

  function drawStates() {
    const ts = [...Array(res.steps).keys()].map((s) => s + 1);
    const units = (rows, color, dash) =>
      [...Array(res.hidden_size).keys()].map((k) => ({
        type: "scatter",
        mode: "lines+markers",
        name: `h[${k}]`,
        x: ts,
        y: rows.map((r) => r[k]),
        line: { dash: k % 2 ? "dot" : dash },
        marker: { color },
      }));
    const opts = {
      xTitle: t(`${P}axis_t`),
      yTitle: t(`${P}axis_h`),
      yaxis: { range: [-1.05, 1.05] },
      xaxis: { dtick: 1, range: [0.5, res.steps + 0.5] },
      showlegend: res.hidden_size > 1,
    };
    draw("plot-forward", units(res.HF, FWD, "solid"), { ...opts, title: t(`${P}reads_right`) });
    draw("plot-backward", units(res.HB, BWD, "solid"), { ...opts, title: t(`${P}reads_left`) });
  }

  function drawClassify() {
    const H = res.hidden_size;
    const hidden = [...res.HF[res.steps - 1], ...res.HB[0]];
    const names = [...Array(2 * H).keys()].map((i) => (i < H ? `f[${i}]` : `b[${i - H}]`));
    draw(
      "plot-hidden",
      [
        {
          type: "bar",
          x: names,
          y: hidden,
          marker: { color: names.map((_, i) => (i < H ? FWD : BWD)) },
          hovertemplate: "%{x}: %{y:.4f}<extra></extra>",
        },
      ],
      { xTitle: t(`${P}axis_hidden`), yTitle: t(`${P}axis_value`), yaxis: { range: [-1.05, 1.05] } },
    );
    const classes = [...Array(res.classes).keys()].map((c) => t(`${P}class_n`, { c }));
    const p = res.probabilities;
    draw(
      "plot-probs",
      [
        {
          type: "bar",
          x: classes,
          y: p,
          text: p.map((v) => fmt(v, 3)),
          textposition: "outside",
          marker: { color: classes.map((_, c) => (c === res.target ? COLORS.red : COLORS.muted)) },
          hovertemplate: "%{x}: p = %{y:.4f}<extra></extra>",
        },
      ],
      { xTitle: t(`${P}axis_class`), yTitle: t(`${P}axis_prob`), yaxis: { range: [0, 1.1] } },
    );
    $("caption-probs").textContent = t(`${P}caption_probs`, {
      c: res.target,
      p: fmt(p[res.target], 4),
      loss: fmt(res.loss, 4),
    });
    const T = res.steps;
    const lines = [
      `hidden = [h${sub(T)}ᶠ; h₁ᵇ] = ${vec([...res.HF[T - 1], ...res.HB[0]])}   (2H = ${2 * H})`,
      `logits = W_out · hidden + b_out = ${vec(res.logits)}`,
      `p = softmax(logits) = exp(logits) / Σ exp(logits) = ${vec(p, 4)}   (Σ p = 1)`,
      `loss = −log p[${res.target}] = −log ${fmt(p[res.target], 4)} = ${fmt(res.loss, 4)}`,
      t(`${P}loss_note`, { k: res.classes, uniform: fmt(Math.log(res.classes), 4) }),
    ];
    $("classify-calc").replaceChildren(
      ...lines.map((text) => Object.assign(document.createElement("p"), { textContent: text })),
    );
  }

  function drawTorch() {
    const H = res.hidden_size;
    const cols = [...Array(2 * H).keys()].map((i) => (i < H ? `f${i}` : `b${i - H}`));
    const split = [
      {
        type: "line",
        x0: H - 0.5,
        x1: H - 0.5,
        yref: "paper",
        y0: 0,
        y1: 1,
        line: { color: COLORS.ink, width: 3 },
      },
    ];
    const hm = (z, y) => ({
      type: "heatmap",
      z,
      x: cols.slice(0, z[0].length),
      y,
      colorscale: N.SCALES.diverging,
      zmin: -1,
      zmax: 1,
      text: z.map((r) => r.map((v) => fmt(v, 2))),
      texttemplate: res.steps * H <= 80 ? "%{text}" : undefined,
      colorbar: { thickness: 12 },
      hovertemplate: "%{y}, %{x}: %{z:.4f}<extra></extra>",
    });
    const rows = [...Array(res.steps).keys()].map((s) => `output[${s}]`);
    draw("plot-output", [hm(res.OUT, rows)], {
      xTitle: t(`${P}axis_output_col`),
      yTitle: t(`${P}axis_output_row`),
      yaxis: { autorange: "reversed" },
      shapes: split,
      margin: { l: 100 },
    });
    draw("plot-hn", [hm(res.HN, [`h_n[0] = h${sub(res.steps)}ᶠ`, "h_n[1] = h₁ᵇ"])], {
      xTitle: t(`${P}axis_unit`),
      yaxis: { autorange: "reversed" },
      margin: { l: 110 },
    });
    $("torch-check").textContent = t(`${P}torch_check`, {
      diff: res.max_difference.toExponential(1),
      loss: fmt(res.torch.loss, 6),
    });
  }

  /* ---- the diagram (SVG): forward row on top, inputs between, backward row below ---- */
  const [CW, CH] = [34, 22]; // half a cell's width and height
  const NARROW = 600; // a box narrower than this (a phone) gets the vertical diagram

  /** Where the diagram puts its parts. Wide: time runs left → right, the forward chain above the
   * inputs and the backward chain below. Narrow: time runs downwards, forward chain on the left
   * (reading down), inputs in the middle, backward chain on the right (reading up), [h^f_T; h^b_1]
   * at the bottom. Arrows are [x1, y1, x2, y2]; texts {x, y, anchor}; join: the box's centre. */
  function layout(T, vertical) {
    if (!vertical) {
      const [col, left, yF, yX, yB] = [112, 76, 40, 112, 184];
      const cx = (s) => left + s * col + col / 2;
      const end = left + T * col;
      const join = { x: end + 156, y: (yF + yB) / 2 };
      const bend = join.x - 70;
      return {
        width: end + 230,
        height: 240,
        f: (s) => [cx(s), yF],
        b: (s) => [cx(s), yB],
        xText: (s) => ({ x: cx(s), y: yX + 5, anchor: "middle" }),
        xArrows: (s) => [
          [cx(s), yX - 12, cx(s), yF + CH + 2],
          [cx(s), yX + 12, cx(s), yB - CH - 2],
        ],
        fArrow: (s) => [s === 0 ? 64 : cx(s - 1) + CW, yF, cx(s) - CW - 2, yF],
        bArrow: (s) => [s === T - 1 ? end : cx(s + 1) - CW, yB, cx(s) + CW + 2, yB],
        f0: { x: 4, y: yF + 4, anchor: "start" },
        bEnd: { x: end + 4, y: yB + 4, anchor: "start" },
        join,
        joinPaths: [
          `M${cx(T - 1) + CW},${yF} L${bend},${yF} L${bend},${join.y - 16} L${join.x - 58},${join.y - 16}`,
          `M${cx(0)},${yB + CH} L${cx(0)},232 L${bend},232 L${bend},${join.y + 16} L${join.x - 58},${join.y + 16}`,
        ],
      };
    }
    const [xF, xX, xB, top, row, width] = [60, 175, 290, 50, 76, 360];
    const cy = (s) => top + s * row + CH;
    const bottom = cy(T - 1) + CH + 30; // where h^b_{T+1} = 0 enters
    const join = { x: xX, y: bottom + 64 };
    return {
      width,
      height: join.y + 44,
      f: (s) => [xF, cy(s)],
      b: (s) => [xB, cy(s)],
      xText: (s) => ({ x: xX, y: cy(s) + 5, anchor: "middle" }),
      xArrows: (s) => [
        [xX - 32, cy(s), xF + CW + 2, cy(s)],
        [xX + 32, cy(s), xB - CW - 2, cy(s)],
      ],
      fArrow: (s) => [xF, s === 0 ? 22 : cy(s - 1) + CH, xF, cy(s) - CH - 2],
      bArrow: (s) => [xB, s === T - 1 ? bottom : cy(s + 1) - CH, xB, cy(s) + CH + 2],
      f0: { x: xF, y: 14, anchor: "middle" },
      bEnd: { x: xB, y: bottom + 16, anchor: "middle" },
      join,
      joinPaths: [
        `M${xF},${cy(T - 1) + CH} L${xF},${join.y} L${join.x - 58},${join.y}`,
        `M${xB + CW},${cy(0)} L${width - 6},${cy(0)} L${width - 6},${join.y} L${join.x + 58},${join.y}`,
      ],
    };
  }

  /** The diagram at a moment m: {f, b} (the forward cells 1…f and the backward cells b…T computed, the
   * rest faded), `focus` (a cell "f3", "b1", the two final states "ends", the join "join") outlined. */
  function drawDiagram(m) {
    const T = res.steps;
    const box = $("bi-diagram");
    const vertical = box.clientWidth < NARROW;
    const geo = layout(T, vertical);
    const { width, height } = geo;
    const root = svg("svg", {
      viewBox: `0 0 ${width} ${height}`,
      class: `rnn-svg bi-svg${vertical ? " vertical" : ""}`,
    });
    const defs = svg("defs", {});
    for (const [name, color] of [
      ["f", FWD],
      ["b", BWD],
      ["x", COLORS.green],
      ["j", COLORS.ink],
    ]) {
      const m = svg("marker", {
        id: `bi-arrow-${name}`,
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
    const line = (name, color, [x1, y1, x2, y2]) =>
      root.append(
        svg("line", {
          x1,
          y1,
          x2,
          y2,
          stroke: color,
          "stroke-width": 2,
          "marker-end": `url(#bi-arrow-${name})`,
        }),
      );
    const text = (p, cls, label) =>
      root.append(svg("text", { x: p.x, y: p.y, class: cls, "text-anchor": p.anchor }, label));
    const cell = (s, [x, y], label, h, final, side) => {
      const done = side === "f" ? s + 1 <= m.f : s + 1 >= m.b;
      const on = m.focus === `${side}${s + 1}` || (final && m.focus === "ends");
      const cls = `cell${final ? " now" : ""}${done ? "" : " future"}${on ? " hl" : ""}`;
      const g = svg("g", { class: cls, "data-step": s });
      g.append(svg("rect", { x: x - CW, y: y - CH, width: 2 * CW, height: 2 * CH, rx: 8 }));
      g.append(svg("text", { x, y: y + (h.length === 1 ? -3 : 5), "text-anchor": "middle" }, label));
      if (h.length === 1)
        g.append(svg("text", { x, y: y + 14, "text-anchor": "middle", class: "val" }, fmt(h[0], 3)));
      g.append(svg("title", {}, `${label} = ${vec(h)}`));
      root.append(g);
    };
    text(geo.f0, "h0", "h₀ᶠ = 0");
    text(geo.bEnd, "h0", `h${sub(T + 1)}ᵇ = 0`);
    for (let s = 0; s < T; s++) {
      text(geo.xText(s), "xin", `x${sub(s + 1)}${res.tokens ? ` '${res.tokens[s]}'` : ""}`);
      for (const a of geo.xArrows(s)) line("x", COLORS.green, a);
      line("f", FWD, geo.fArrow(s));
      line("b", BWD, geo.bArrow(s));
      cell(s, geo.f(s), `h${sub(s + 1)}ᶠ`, res.HF[s], s === T - 1, "f");
      cell(s, geo.b(s), `h${sub(s + 1)}ᵇ`, res.HB[s], s === 0, "b");
    }
    const { x: jx, y: jy } = geo.join;
    const g = svg("g", {
      class: `cell now${m.joined ? "" : " future"}${m.focus === "join" ? " hl" : ""}`,
    });
    g.append(svg("rect", { x: jx - 56, y: jy - 34, width: 112, height: 68, rx: 8 }));
    g.append(svg("text", { x: jx, y: jy - 8, "text-anchor": "middle" }, `[h${sub(T)}ᶠ; h₁ᵇ]`));
    g.append(
      svg(
        "text",
        { x: jx, y: jy + 14, "text-anchor": "middle", class: "val" },
        `2H = ${2 * res.hidden_size}`,
      ),
    );
    root.append(g);
    for (const d of geo.joinPaths) {
      root.append(
        svg("path", {
          d,
          fill: "none",
          stroke: COLORS.ink,
          "stroke-width": 1.5,
          "stroke-dasharray": "5 3",
          "marker-end": "url(#bi-arrow-j)",
        }),
      );
    }
    box.replaceChildren(root);
    if (!fitDiagram(root, box, width, height, vertical)) return;
    const scale = root.getBoundingClientRect().width / width; // keep the step in view
    const s = m.focus?.[0] === "b" ? Number(m.focus.slice(1)) - 1 : Math.max(0, m.f - 1);
    const [cx, cy] = geo.f(s).map((v) => v * scale);
    if (vertical) box.scrollTop = Math.max(0, cy - box.clientHeight / 2);
    else box.scrollLeft = Math.max(0, cx - box.clientWidth / 2);
  }

  /* ---- the PyTorch panel ---- */
  function torchCode() {
    const w = res.weights;
    const x = pyInput(res);
    const copies = [
      ["", w.forward, "forward: left to right"],
      ["_reverse", w.backward, "backward: right to left"],
    ].flatMap(([suffix, d, note]) => [
      `    rnn.weight_ih_l0${suffix}.copy_(${pyTensor(d.W_xh)}); rnn.weight_hh_l0${suffix}.copy_(${pyTensor(d.W_hh)})   # ${note}`,
      `    rnn.bias_ih_l0${suffix}.copy_(${pyTensor(d.b_h)}); rnn.bias_hh_l0${suffix}.zero_()`,
    ]);
    const H = res.hidden_size;
    return [
      "import torch",
      "import torch.nn.functional as F",
      "from torch import nn",
      "",
      "torch.set_default_dtype(torch.float64)",
      ...x,
      `rnn = nn.RNN(input_size=${res.input_size}, hidden_size=${H}, bidirectional=True)   # tanh`,
      `W_out, b_out = ${pyTensor(w.W_out)}, ${pyTensor(w.b_out)}   # (K, 2H) = (${res.classes}, ${2 * H})`,
      "with torch.no_grad():",
      ...copies,
      "    output, h_n = rnn(x)   # (T, 2H): output[t] = [h_fwd at t; h_bwd at t];  (2, H)",
      "    hidden = torch.cat([h_n[0], h_n[1]])   # [h^f_T; h^b_1] = cat(output[-1, :H], output[0, H:])",
      "    logits = W_out @ hidden + b_out",
      `    loss = F.cross_entropy(logits[None], torch.tensor([${res.target}]))`,
      `print(output.shape, h_n.shape)   # torch.Size([${res.steps}, ${2 * H}]) torch.Size([2, ${H}])`,
      `print(torch.equal(h_n[0], output[-1, :${H}]), torch.equal(h_n[1], output[0, ${H}:]))   # True True`,
      `print(logits.softmax(0))   # ${vec(res.probabilities, 4)}`,
      `print(loss.item())   # −log p[${res.target}] = ${fmt(res.loss, 6)}`,
    ].join("\n");
  }

  /* ---- the stage: the two chains filling in, then their join classified ---- */
  const STEP = { FORWARD: 0, BACKWARD: 1, ENDS: 2, JOIN: 3, SOFTMAX: 4, LOSS: 5, TORCH: 6 };

  /** What the stage shows at a moment: forward cells 1…f and backward cells b…T computed, the focus. */
  function moment(step, frame) {
    const T = res.steps;
    if (step === STEP.FORWARD) return { f: frame + 1, b: T + 1, focus: `f${frame + 1}` };
    if (step === STEP.BACKWARD) return { f: T, b: T - frame, focus: `b${T - frame}` };
    const focus = step === STEP.ENDS ? "ends" : step === STEP.JOIN ? "join" : null;
    return { f: T, b: 1, focus, joined: step >= STEP.JOIN, probs: step >= STEP.SOFTMAX };
  }

  function stageAt(step, frame) {
    const m = moment(step, frame);
    drawDiagram(m);
    const T = res.steps;
    const ts = [...Array(T).keys()].map((s) => s + 1);
    const states = (rows, color, shown, name) =>
      [...Array(res.hidden_size).keys()].map((k) => ({
        type: "scatter",
        mode: "lines+markers",
        name: `${name}[${k}]`,
        x: ts,
        y: rows.map((r, s) => (shown(s + 1) ? r[k] : null)),
        line: { color, dash: k % 2 ? "dot" : "solid" },
        showlegend: false,
      }));
    const classes = [...Array(res.classes).keys()].map((c) => t(`${P}class_n`, { c }));
    const p = res.probabilities;
    draw(
      "plot-stage",
      [
        ...states(res.HF, FWD, (s) => s <= m.f, "f"),
        ...states(res.HB, BWD, (s) => s >= m.b, "b"),
        {
          type: "bar",
          x: classes,
          y: p.map((v) => (m.probs ? v : null)),
          text: p.map((v) => (m.probs ? fmt(v, 3) : "")),
          textposition: "outside",
          marker: { color: classes.map((_, c) => (c === res.target ? COLORS.red : COLORS.muted)) },
          xaxis: "x2",
          yaxis: "y2",
          showlegend: false,
          hovertemplate: "%{x}: p = %{y:.4f}<extra></extra>",
        },
      ],
      {
        xTitle: t(`${P}axis_t`),
        yTitle: t(`${P}axis_h`),
        margin: { t: 28 },
        xaxis: { domain: [0, 0.56], range: [0.5, T + 0.5], dtick: 1 },
        yaxis: { range: [-1.05, 1.05] },
        layout: {
          xaxis2: { domain: [0.66, 1], anchor: "y2", title: { text: t(`${P}axis_class`) } },
          yaxis2: { anchor: "x2", range: [0, 1.15], title: { text: t(`${P}axis_prob`) } },
          annotations: [
            N.plotTitle("x", t(`${P}stage_states`), { size: 13 }),
            N.plotTitle("x2", t(`${P}stage_probs`), { size: 13 }),
          ],
        },
      },
    );
    return stepNumbers(step, m);
  }

  /** The numbers of guided step `step`'s text, all from the answer. */
  function stepNumbers(step, m) {
    const T = res.steps;
    const H = res.hidden_size;
    const input = (s) => (res.tokens ? `'${res.tokens[s - 1]}'` : vec(matrix(res.X)[s - 1], 2));
    const base = { T, H, two: 2 * H };
    if (step === STEP.FORWARD)
      return { ...base, t: m.f, prev: m.f - 1, x: input(m.f), h: vec(res.HF[m.f - 1]) };
    if (step === STEP.BACKWARD)
      return { ...base, t: m.b, next: m.b + 1, x: input(m.b), h: vec(res.HB[m.b - 1]) };
    if (step === STEP.ENDS) return { ...base, hf: vec(res.HF[T - 1]), hb: vec(res.HB[0]) };
    if (step === STEP.JOIN) return { ...base, hidden: vec([...res.HF[T - 1], ...res.HB[0]]) };
    const p = res.probabilities;
    if (step === STEP.SOFTMAX) return { ...base, logits: vec(res.logits), p: vec(p, 3), k: res.classes };
    if (step === STEP.LOSS) {
      const c = res.target;
      return {
        ...base,
        c,
        p: fmt(p[c], 4),
        loss: fmt(res.loss, 4),
        k: res.classes,
        uniform: fmt(Math.log(res.classes), 4),
      };
    }
    return { ...base, diff: res.max_difference.toExponential(1), loss: fmt(res.torch.loss, 6) };
  }

  const guide = N.steps({
    show: (step, frame) => (res ? stageAt(step, frame) : null),
    frames: (step) => (res && step <= STEP.BACKWARD ? res.steps : 1),
    interval: (step) => (step <= STEP.BACKWARD ? 900 : 3000),
  });

  /* ---- wiring ---- */
  const later = debounce(update, 250);
  for (const id of ["input-size", "hidden-size", "classes"]) {
    const show = () => {
      $(`${id}-out`).textContent = $(id).value;
    };
    show();
    $(id).addEventListener("input", () => {
      show();
      if (id === "classes") fillTargets();
      later();
    });
  }
  for (const id of ["sequence", "word", "alphabet", "seed"]) $(id).addEventListener("input", later);
  $("target").addEventListener("change", update);
  $("source").addEventListener("change", () => {
    showControls();
    update();
  });
  fillTargets();
  N.state.restore("target"); // a link's class, once the options are there
  showControls();
  update();
})();
