/* §4.2 Backpropagation through time: the gradient of a shared weight is one term per time step (the
 * step-t use of the weight); stacked, the terms add up to autograd's gradient. */
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
    numbers,
    readSequence,
    typedWeights,
    fillTypedWeights,
    layerChoice,
    pyTensor,
    showControls,
    $,
    sub,
  } = N;
  const P = "rnn.bptt.";
  const WEIGHTS = ["W_xh", "W_hh", "b_h", "W_hy", "b_y"];
  const MAX_ENTRIES = 24;
  const PRESET = {
    sequence: "1 -1 2",
    W_xh: "0.5",
    W_hh: "0.8",
    b_h: "0",
    W_hy: "1",
    b_y: "0",
    target: "0.5",
  };
  const f = (v) => fmt(v, 5);
  const pf = (v) => (v < 0 ? `(${f(v)})` : f(v)); // a factor: negative numbers in brackets
  let res = null;

  /* ---- the request ---- */
  function body(typed) {
    const seq = readSequence();
    if (!seq) return null;
    const b = {
      hidden_size: Number($("hidden-size").value),
      num_layers: Number($("num-layers").value),
      loss: $("loss").value,
      seed: Number($("seed").value) || 0,
      encoding: "list",
      ...seq.fields,
    };
    const target = numbers($("target").value, "target");
    const weights = typed ? typedWeights(WEIGHTS) : {};
    if (!target || !weights) return null;
    b.target = b.loss === "last" || target.length !== 1 ? target : Array(seq.steps).fill(target[0]);
    return { ...b, ...weights };
  }

  async function update() {
    const typed = $("weights-source").value === "typed";
    const b = body(typed);
    if (!b) return;
    try {
      res = await api("POST", "/api/rnn/bptt", b, { key: "bptt" });
    } catch {
      return;
    }
    if (!typed)
      fillTypedWeights(Object.fromEntries(WEIGHTS.map((name) => [name, tensor(res.weights[name])])));
    layerChoice(res.num_layers);
    drawAll();
  }

  /* ---- drawing ---- */
  const layerNow = () => Math.min(Number($("layer").value || 0), res.num_layers - 1);
  const stepColor = (s) => N.PALETTE[s % N.PALETTE.length]; // one colour per time step
  /** W_hh → W<sub>hh</sub> for Plotly titles and captions (weight names only). */
  const subs = (text) => text.replace(/\b([WbyL])_(\w+)/g, "$1<sub>$2</sub>");
  const grads = (which, l) => (l === 0 ? which : which.upper_layers[l - 1]);

  function drawAll() {
    const l = layerNow();
    const ag = grads(res.autograd, l);
    $("summary").textContent = t(`${P}summary`, {
      loss: f(res.loss),
      diff: res.max_difference.toExponential(1),
    });
    stacked("plot-whh", "caption-whh", "W_hh", res.terms[l].W_hh, ag.W_hh, grads(res.sums, l).W_hh);
    stacked("plot-wxh", "caption-wxh", "W_xh", res.terms[l].W_xh, ag.W_xh, grads(res.sums, l).W_xh);
    drawFlow(l);
    drawPaper();
    code(torchCode());
    guide.refresh();
  }

  /** The bars of one weight, per entry (i, j): its per-step terms stacked (only the steps ≥ `from`; in
   * time order, or from the last step down when `backward`; the term of step `focus` outlined), then the
   * sum of the terms (when `sum`) and autograd's gradient. Entries whose terms are all zero are left out,
   * and at most MAX_ENTRIES shown. Returns {traces, shown: [[i, j]…], total}. */
  function termBars(name, termsObj, autogradObj, sumsObj, opts = {}) {
    const { from = 1, focus = null, sum = true, backward = false } = opts;
    const terms = termsObj.data; // (T, H, K)
    const [T, H, K] = termsObj.shape;
    let entries = [];
    for (let i = 0; i < H; i++) for (let j = 0; j < K; j++) entries.push([i, j]);
    const total = entries.length;
    entries = entries.filter(([i, j]) => terms.some((s) => s[i][j] !== 0) || autogradObj.data[i][j] !== 0);
    const shown = entries.slice(0, MAX_ENTRIES);
    const x = shown.map(([i, j]) => `${subs(name)}[${i},${j}]`);
    const pos = shown.map(() => 0);
    const neg = shown.map(() => 0);
    const order = [...Array(T).keys()];
    if (backward) order.reverse();
    const traces = order.map((s) => {
      const y = shown.map(([i, j]) => (s + 1 >= from ? terms[s][i][j] : null));
      const base = y.map((v, e) => (v >= 0 ? pos[e] : neg[e]));
      y.forEach((v, e) => {
        if (v >= 0) pos[e] += v;
        else neg[e] += v;
      });
      return {
        type: "bar",
        name: `t = ${s + 1}`,
        x,
        y,
        base,
        offsetgroup: "terms",
        width: 0.26,
        marker: { color: stepColor(s), line: { width: s + 1 === focus ? 3 : 0, color: COLORS.ink } },
        hovertemplate: `%{x}, ${t(`${P}term_of`, { t: s + 1 })}: %{y:.6~g}<extra></extra>`,
      };
    });
    const side = (label, obj, color, on) => ({
      type: "bar",
      name: label,
      x,
      y: shown.map(([i, j]) => (on ? obj.data[i][j] : null)),
      offsetgroup: label,
      width: 0.26,
      marker: { color, line: { width: on && focus === "sum" ? 3 : 0, color: COLORS.ink } },
      hovertemplate: `%{x}, ${label}: %{y:.6~g}<extra></extra>`,
    });
    traces.push(
      side(t(`${P}sum`), sumsObj, COLORS.ink, sum),
      side(t(`${P}autograd`), autogradObj, COLORS.warn, true),
    );
    return { traces, shown, total };
  }

  /** One stacked bar of T per-step terms per entry (i, j), then its sum and autograd's value. */
  function stacked(id, captionId, name, termsObj, autogradObj, sumsObj) {
    const { traces, shown, total } = termBars(name, termsObj, autogradObj, sumsObj);
    draw(id, traces, {
      xTitle: t(`${P}axis_entry`),
      yTitle: t(`${P}axis_grad`, { name: subs(name) }),
      showlegend: termsObj.shape[0] <= 16,
      margin: { t: 48 },
      xaxis: { type: "category" },
    });
    $(captionId).innerHTML =
      shown.length === total
        ? t(`${P}caption_terms_all_html`, { name: subs(name), total })
        : t(`${P}caption_terms_html`, { name: subs(name), shown: shown.length, total });
  }

  function drawFlow(l) {
    const ts = [...Array(res.steps).keys()].map((s) => s + 1);
    const xaxis = { tick0: 1, dtick: Math.max(1, Math.ceil(res.steps / 10)) }; // whole time steps
    draw(
      "plot-dh",
      [
        {
          type: "bar",
          x: ts,
          y: res.dh_norm[l],
          marker: { color: COLORS.accent },
          hovertemplate: "t = %{x}: %{y:.6~g}<extra></extra>",
        },
      ],
      { xTitle: t(`${P}axis_t`), yTitle: "‖∂L/∂h<sub>t</sub>‖", xaxis },
    );
    const y = matrix(tensor(res.y)).map((r) => r[0]);
    const target = res.loss_mode === "last" ? [res.target.data[0]] : res.target.data.map((r) => r[0]);
    draw(
      "plot-y",
      [
        {
          type: "scatter",
          mode: "lines+markers",
          name: "y<sub>t</sub>",
          x: ts,
          y,
          line: { color: COLORS.accent },
        },
        {
          type: "scatter",
          mode: "markers",
          name: t(`${P}target`),
          x: res.loss_mode === "last" ? [res.steps] : ts,
          y: target,
          marker: { color: COLORS.red, size: 11, symbol: "x" },
        },
      ],
      { xTitle: t(`${P}axis_t`), yTitle: "y<sub>t</sub>", showlegend: true, xaxis },
    );
    draw(
      "plot-loss",
      [
        {
          type: "bar",
          x: ts,
          y: res.step_losses,
          marker: { color: COLORS.warn },
          hovertemplate: "L<sub>%{x}</sub> = %{y:.6~g}<extra></extra>",
        },
      ],
      { xTitle: t(`${P}axis_t`), yTitle: "L<sub>t</sub>", xaxis },
    );
  }

  /* ---- the stage: the unrolled chain above the terms of W_hh adding up, one guided step at a time ---- */
  const g = (v) => String(Number(Number(v).toPrecision(3))); // three significant digits: 0.000626
  const vec = (row) =>
    row.length === 1 ? g(row[0]) : `(${row.slice(0, 4).map(g).join(", ")}${row.length > 4 ? ", …" : ""})`;
  const BACK = 3; // the step that walks back through t = T − 1 … 2, one frame each

  /** The moment of a guided step: terms of the steps ≥ `from` are stacked; `focus` is what the step
   * talks about (a time step, "forward", "loss" or "sum"). */
  function moment(step, frame) {
    const T = res.steps;
    if (step === BACK) {
      const s = Math.max(1, Math.min(T, T - 1 - frame));
      return { from: s, focus: s };
    }
    return [
      { from: T + 1, focus: "forward" },
      { from: T + 1, focus: "loss" },
      { from: T, focus: T },
      null,
      { from: 1, focus: 1 },
      { from: 1, focus: "sum" },
    ][step];
  }

  /** The stage at guided step `step` (frame `frame`): draws it and returns the numbers of its text. */
  function stageAt(step, frame) {
    const l = res.num_layers - 1; // the top layer: the one the loss reads
    const m = moment(step, frame);
    drawChain(m, l);
    const ag = grads(res.autograd, l).W_hh;
    const { traces, shown } = termBars("W_hh", res.terms[l].W_hh, ag, grads(res.sums, l).W_hh, {
      from: m.from,
      focus: m.focus,
      sum: m.focus === "sum",
      backward: true,
    });
    const [i, j] = shown.reduce((a, b) =>
      Math.abs(ag.data[b[0]][b[1]]) > Math.abs(ag.data[a[0]][a[1]]) ? b : a,
    );
    const k = shown.findIndex(([a, b]) => a === i && b === j);
    draw("plot-stage", traces, {
      xTitle: t(`${P}axis_entry`),
      yTitle: t(`${P}stage_axis`),
      margin: { t: 28 },
      xaxis: { type: "category" },
      yaxis: { range: stageRange(l, shown) },
      shapes: [
        {
          type: "rect",
          xref: "x",
          yref: "paper",
          x0: k - 0.5,
          x1: k + 0.5,
          y0: 0,
          y1: 1,
          fillcolor: "rgba(219, 234, 254, 0.6)", // --accent-soft
          line: { width: 0 },
          layer: "below",
        },
      ],
      annotations: [
        {
          x: k,
          y: 1,
          xref: "x",
          yref: "paper",
          yanchor: "bottom",
          text: t(`${P}followed`),
          showarrow: false,
        },
      ],
    });
    return stepNumbers(step, m, l, i, j);
  }

  /** A y range that holds every stack, sum and autograd bar of the stage, so the axis stays still. */
  function stageRange(l, shown) {
    const terms = res.terms[l].W_hh.data;
    const ag = grads(res.autograd, l).W_hh.data;
    let lo = 0;
    let hi = 0;
    for (const [i, j] of shown) {
      const up = terms.reduce((acc, s) => acc + Math.max(0, s[i][j]), 0);
      const down = terms.reduce((acc, s) => acc + Math.min(0, s[i][j]), 0);
      lo = Math.min(lo, down, ag[i][j]);
      hi = Math.max(hi, up, ag[i][j]);
    }
    const pad = (hi - lo || 1) * 0.08;
    return [lo - pad, hi + pad];
  }

  /** The numbers of guided step `step`'s text, for entry (i, j) of W_hh, all from the answer. */
  function stepNumbers(step, m, l, i, j) {
    const T = res.steps;
    const rows = (obj) => obj.data[l]; // (T, H) of the layer
    const [h, dh, delta] = [rows(res.h), rows(res.dh), rows(res.delta)];
    const terms = res.terms[l].W_hh.data;
    const gf = (v) => (v < 0 ? `(${g(v)})` : g(v)); // a factor: negative numbers in brackets
    const at = (s) => ({
      d: gf(delta[s - 1][i]),
      hp: gf(s === 1 ? res.h0.data[l][j] : h[s - 2][j]),
      term: g(terms[s - 1][i][j]),
    });
    const y = res.y.data.map((r) => r[0]);
    const base = { T, i, j };
    if (step === 0) return { ...base, h: vec(h[T - 1]), y: g(y[T - 1]) };
    if (step === 1) {
      const target = res.target.data.flat(Infinity);
      const formula =
        res.loss_mode === "last"
          ? `½·(${g(y[T - 1])} − ${g(target[0])})² = ${g(res.loss)}`
          : `L₁ + … + L${sub(T)} = ${g(res.loss)}`;
      return { ...base, formula, dy: g(res.dy.data[T - 1][0]) };
    }
    if (step === 2) {
      return { ...base, ...at(T), prev: T - 1, dh: vec(dh[T - 1]), delta: vec(delta[T - 1]) };
    }
    if (step === BACK) {
      const s = m.focus;
      const norms = res.dh_norm[l];
      return {
        ...base,
        ...at(s),
        t: s,
        next: s + 1,
        dh: vec(dh[s - 1]),
        norm: g(norms[s - 1]),
        normT: g(norms[T - 1]),
      };
    }
    if (step === 4)
      return {
        ...base,
        term: g(terms[0][i][j]),
        termx: g(res.terms[l].W_xh.data[0][i][0]),
      };
    return {
      ...base,
      sum: g(grads(res.sums, l).W_hh.data[i][j]),
      auto: g(grads(res.autograd, l).W_hh.data[i][j]),
      diff: res.max_difference.toExponential(1),
    };
  }

  /** The unrolled RNN as an SVG: cells h₁ … h_T (coloured like their terms once stacked), the forward
   * arrows, the gradient's arrows back from the loss down to step m.from, ‖∂L/∂h_t‖ under each cell. */
  function drawChain(m, l) {
    const T = res.steps;
    const svgEl = $("stage-chain");
    const narrow = svgEl.clientWidth < 520; // a phone: closer cells, larger type
    svgEl.classList.toggle("narrow", narrow);
    const gap = narrow ? 64 : 86;
    const x0 = 78;
    const cy = 38;
    const cw = narrow ? 50 : 58;
    const ch = 40;
    const lossX = x0 + T * gap + 12;
    const width = lossX + 56;
    const words = T <= 16; // past that the labels would be too small to read
    svgEl.setAttribute("viewBox", `0 0 ${width} 132`);
    const norms = res.dh_norm[l];
    const cx = (s) => x0 + (s - 1) * gap; // left edge of cell s
    const back = m.from <= T;
    const out = [
      N.svg("defs", {}),
      N.svg("rect", {
        class: `loss${m.focus === "loss" ? " focus" : ""}`,
        x: lossX,
        y: 2,
        width: 40,
        height: 28,
        rx: 8,
      }),
      N.svg("text", { class: "lbl", x: lossX + 20, y: 21, "text-anchor": "middle" }, "L"),
    ];
    const defs = out[0];
    for (const [id, color] of [
      ["arrow-fwd", m.focus === "forward" ? COLORS.accent : COLORS.muted],
      ["arrow-back", COLORS.red],
    ]) {
      const marker = N.svg("marker", {
        id,
        viewBox: "0 0 10 10",
        refX: 9,
        refY: 5,
        markerWidth: 9,
        markerHeight: 9,
        markerUnits: "userSpaceOnUse",
        orient: "auto",
      });
      marker.append(N.svg("path", { d: "M0,0 L10,5 L0,10 z", fill: color }));
      defs.append(marker);
    }
    // the loss reads the last output (or every output): a rail from those cells up to L
    const looked = res.loss_mode === "last" ? [T] : [...Array(T).keys()].map((s) => s + 1);
    const railFrom = cx(looked[0]) + cw / 2;
    out.push(N.svg("path", { class: back ? "back" : "rail", d: `M${railFrom},16 H${lossX}` }));
    for (const s of looked) {
      out.push(
        N.svg("path", { class: back && s >= m.from ? "back" : "rail", d: `M${cx(s) + cw / 2},${cy} V16` }),
      );
    }
    if (words) out.push(N.svg("text", { class: "muted", x: 4, y: cy + ch / 2 + 5 }, "h₀ = 0"));
    if (words) out.push(N.svg("text", { class: "muted", x: 4, y: 102 }, "‖∂L/∂h‖"));
    for (let s = 1; s <= T; s++) {
      const x = cx(s);
      const stacked = s >= m.from;
      const focus = m.focus === s;
      out.push(
        N.svg("path", {
          class: `fwd${m.focus === "forward" ? " on" : ""}`,
          d: `M${s === 1 ? 56 : x - gap + cw},${cy + 12} H${x - 2}`,
          "marker-end": "url(#arrow-fwd)",
        }),
        N.svg("rect", {
          class: `cell${focus ? " focus" : ""}`,
          x,
          y: cy,
          width: cw,
          height: ch,
          rx: 6,
          ...(stacked ? { style: `fill: ${stepColor(s - 1)}; fill-opacity: 0.4` } : {}),
        }),
      );
      if (words) {
        out.push(
          N.svg(
            "text",
            { class: "lbl", x: x + cw / 2, y: cy + ch / 2 + 5, "text-anchor": "middle" },
            `h${sub(s)}`,
          ),
        );
        out.push(
          N.svg("text", { class: "muted", x: x + cw / 2, y: 124, "text-anchor": "middle" }, `x${sub(s)}`),
        );
      }
      if (back && s >= m.from && s < T) {
        out.push(
          N.svg("path", {
            class: "back",
            d: `M${x + gap - 2},${cy + ch - 10} H${x + cw + 2}`,
            "marker-end": "url(#arrow-back)",
          }),
        );
      }
      if (words && back && s >= m.from) {
        out.push(
          N.svg("text", { class: "norm", x: x + cw / 2, y: 102, "text-anchor": "middle" }, g(norms[s - 1])),
        );
      }
    }
    svgEl.replaceChildren(...out);
  }

  /* ---- every number of a scalar RNN, to redo on paper ---- */
  function drawPaper() {
    const box = $("paper");
    const scalar =
      res.input_size === 1 && res.hidden_size === 1 && res.num_layers === 1 && res.output_size === 1;
    if (!scalar) {
      box.replaceChildren(
        Object.assign(document.createElement("p"), { textContent: t(`${P}paper_needs_scalar`) }),
      );
      return;
    }
    const one = (obj) => obj.data.flat(Infinity)[0];
    const w = Object.fromEntries(WEIGHTS.map((k) => [k, one(res.weights[k])]));
    const col = (k) => res[k].data.flat(Infinity);
    const [x, h, y, dy, dh, dl] = [col("x"), col("h"), col("y"), col("dy"), col("dh"), col("delta")];
    const tx = col("target");
    const hPrev = (s) => (s === 0 ? 0 : h[s - 1]);
    const out = [];
    const head = (key) => out.push(["h3", t(`${P}${key}`)]);
    const line = (text) => out.push(["p", text]);
    head("paper_forward");
    x.forEach((xv, s) => {
      const n = sub(s + 1);
      line(
        `a${n} = W_xh·x${n} + W_hh·h${sub(s)} + b_h = ${pf(w.W_xh)}·${pf(xv)} + ${pf(w.W_hh)}·${pf(hPrev(s))} + ${pf(w.b_h)} = ${f(res.a.data.flat(9)[s])}`,
      );
      line(`h${n} = tanh(a${n}) = ${f(h[s])},   y${n} = W_hy·h${n} + b_y = ${f(y[s])}`);
    });
    head("paper_loss");
    if (res.loss_mode === "last")
      line(`L = ½·(y${sub(res.steps)} − target)² = ½·(${f(y.at(-1))} − ${f(tx[0])})² = ${f(res.loss)}`);
    else line(`L = Σₜ ½·(yₜ − targetₜ)² = ${res.step_losses.map(f).join(" + ")} = ${f(res.loss)}`);
    head("paper_backward");
    for (let s = res.steps - 1; s >= 0; s--) {
      const n = sub(s + 1);
      const last = s === res.steps - 1;
      line(`∂L/∂y${n} = ${dy[s] === 0 ? t(`${P}paper_no_loss`) : `y${n} − target = ${f(dy[s])}`}`);
      line(
        `∂L/∂h${n} = W_hy·∂L/∂y${n} + ${last ? t(`${P}paper_no_later`) : `W_hh·δ${sub(s + 2)}`} = ${pf(w.W_hy)}·${pf(dy[s])}` +
          ` + ${last ? "0" : `${pf(w.W_hh)}·${pf(dl[s + 1])}`} = ${f(dh[s])}`,
      );
      line(`δ${n} = ∂L/∂h${n}·(1 − h${n}²) = ${pf(dh[s])}·(1 − ${pf(h[s])}²) = ${f(dl[s])}`);
      line(
        `${t(`${P}paper_terms`, { t: s + 1 })}: W_hh: δ${n}·h${sub(s)} = ${pf(dl[s])}·${pf(hPrev(s))} = ${f(dl[s] * hPrev(s))};` +
          `   W_xh: δ${n}·x${n} = ${pf(dl[s])}·${pf(x[s])} = ${f(dl[s] * x[s])}`,
      );
    }
    head("paper_sum");
    for (const k of ["W_hh", "W_xh"]) {
      const parts = res.terms[0][k].data.map((r) => r[0][0]);
      line(
        `∂L/∂${k} = ${parts.map(pf).join(" + ")} = ${f(one(res.sums[k]))};   autograd: ${f(one(res.autograd[k]))}`,
      );
    }
    out.push(["p", t(`${P}paper_seed_note_html`), true]); // our own markup (h<sub>…</sub>)
    box.replaceChildren(
      ...out.map(([tag, text, html]) =>
        Object.assign(document.createElement(tag), html ? { innerHTML: text } : { textContent: text }),
      ),
    );
  }

  /* ---- the PyTorch panel ---- */
  function torchCode() {
    const w = res.weights;
    const layers = [{ W_xh: w.W_xh, W_hh: w.W_hh, b_h: w.b_h }, ...w.upper_layers];
    const last = res.loss_mode === "last";
    const g = (k) =>
      `[${matrix(tensor(res.autograd[k]))
        .map((r) => `[${r.map((v) => fmt(v, 4)).join(", ")}]`)
        .join(", ")}]`;
    return [
      "import torch",
      "from torch import nn",
      "",
      `x = ${pyTensor(res.x)}   # (T, I)${res.tokens ? ` one-hot letters of "${res.tokens.join("")}", alphabet "${res.alphabet}"` : ""}`,
      `target = ${pyTensor(res.target)}`,
      `rnn = nn.RNN(${res.input_size}, ${res.hidden_size}, num_layers=${res.num_layers})`,
      `W_hy = ${pyTensor(w.W_hy)}.requires_grad_()`,
      `b_y = ${pyTensor(w.b_y)}.requires_grad_()`,
      "with torch.no_grad():",
      ...layers.flatMap((la, l) => [
        `    rnn.weight_ih_l${l}.copy_(${pyTensor(la.W_xh)}); rnn.weight_hh_l${l}.copy_(${pyTensor(la.W_hh)})`,
        `    rnn.bias_ih_l${l}.copy_(${pyTensor(la.b_h)}); rnn.bias_hh_l${l}.zero_()   # b_h = b_ih + b_hh`,
      ]),
      "out, _ = rnn(x)   # (T, H): h_1 … h_T of the top layer",
      "y = out @ W_hy.T + b_y   # (T, 1)",
      last
        ? "loss = 0.5 * ((y[-1] - target) ** 2).sum()   # on the last output only"
        : "loss = 0.5 * ((y - target) ** 2).sum()   # summed over every step",
      "loss.backward()",
      `print(loss.item())   # ${f(res.loss)}`,
      `print(rnn.weight_hh_l0.grad)   # ${g("W_hh")}: the sum of the per-step terms`,
      "",
      ...(res.num_layers > 1
        ? ["# (the per-step terms of a stack of layers: see POST /api/rnn/bptt, field terms)"]
        : [
            "# the per-step terms: give every step its own copy of W_hh; the gradient of copy t is the",
            "# step-t term, and the shared weight's gradient is their sum",
            "W_xh, W_hh, b_h = (p.detach() for p in (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0))",
            "copies = [W_hh.clone().requires_grad_() for _ in x]",
            `h, hs = torch.zeros(${res.hidden_size}), []`,
            "for x_t, W in zip(x, copies):",
            "    h = torch.tanh(W_xh @ x_t + W @ h + b_h)",
            "    hs.append(h)",
            "y = torch.stack(hs) @ W_hy.detach().T + b_y.detach()",
            last ? "loss = 0.5 * ((y[-1] - target) ** 2).sum()" : "loss = 0.5 * ((y - target) ** 2).sum()",
            "loss.backward()",
            "terms = torch.stack([W.grad for W in copies])",
            `print(terms.shape)   # torch.Size([${res.steps}, ${res.hidden_size}, ${res.hidden_size}]): one term per step`,
            "print(terms.sum(0))   # the same as rnn.weight_hh_l0.grad",
          ]),
    ].join("\n");
  }

  /* ---- wiring ---- */
  function preset() {
    Object.assign($("source"), { value: "numbers" });
    for (const [id, v] of [
      ["input-size", 1],
      ["hidden-size", 1],
      ["num-layers", 1],
      ["loss", "last"],
      ["weights-source", "typed"],
      ["sequence", PRESET.sequence],
      ["target", PRESET.target],
    ])
      $(id).value = v;
    for (const name of WEIGHTS) $(`typed-${name}`).value = PRESET[name];
    for (const id of ["input-size", "hidden-size"]) $(`${id}-out`).textContent = $(id).value;
    showControls();
    update();
  }

  const guide = N.steps({
    show: (step, frame) => (res ? stageAt(step, frame) : null),
    frames: (step) => (res && step === BACK ? Math.max(1, res.steps - 2) : 1),
    interval: (step) => (step === BACK ? 1200 : 2800),
  });
  const later = debounce(update, 250);
  for (const id of ["input-size", "hidden-size"]) {
    $(id).addEventListener("input", () => {
      $(`${id}-out`).textContent = $(id).value;
    });
  }
  for (const id of ["input-size", "hidden-size", "num-layers"]) {
    $(id).addEventListener("input", () => {
      $("weights-source").value = "seed";
      showControls();
      later();
    });
  }
  for (const id of ["sequence", "word", "alphabet", "seed", "target"]) $(id).addEventListener("input", later);
  for (const name of WEIGHTS) $(`typed-${name}`).addEventListener("input", later);
  for (const id of ["source", "weights-source", "loss"])
    $(id).addEventListener("change", () => {
      showControls();
      update();
    });
  $("layer").addEventListener("change", () => {
    if (res) drawAll();
  });
  $("preset").addEventListener("click", preset);
  showControls();
  update();
})();
