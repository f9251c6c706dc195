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
  const SUB = "₀₁₂₃₄₅₆₇₈₉";
  const sub = (n) => String(n).replace(/\d/g, (d) => SUB[d]);
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
  // one clearly different colour per time step (Tableau 10 without its orange and gray, which the sum and
  // autograd bars use); beyond 8 steps the colours repeat
  const PALETTE = ["#4e79a7", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7"];
  const stepColor = (s) => PALETTE[s % PALETTE.length];
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
  }

  /** One stacked bar of T per-step terms per entry (i, j), then its sum and autograd's value. */
  function stacked(id, captionId, name, termsObj, autogradObj, sumsObj) {
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
    const traces = [...Array(T).keys()].map((s) => {
      const y = shown.map(([i, j]) => terms[s][i][j]);
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
        marker: { color: stepColor(s) },
        hovertemplate: `%{x}, ${t(`${P}term_of`, { t: s + 1 })}: %{y:.6~g}<extra></extra>`,
      };
    });
    const side = (label, obj, color) => ({
      type: "bar",
      name: label,
      x,
      y: shown.map(([i, j]) => obj.data[i][j]),
      offsetgroup: label,
      width: 0.26,
      marker: { color },
      hovertemplate: `%{x}, ${label}: %{y:.6~g}<extra></extra>`,
    });
    traces.push(side(t(`${P}sum`), sumsObj, COLORS.ink), side(t(`${P}autograd`), autogradObj, COLORS.warn));
    draw(id, traces, {
      xTitle: t(`${P}axis_entry`),
      yTitle: t(`${P}axis_grad`, { name: subs(name) }),
      showlegend: T <= 16,
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
