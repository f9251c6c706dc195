/* §5.3 GRU: the stage walks the gates of the typed name letter by letter (the trained name model);
 * (a) how much gradient reaches earlier steps, tanh RNN vs linear RNN vs GRU, against λ^(T−t);
 * (b) the gates z, r, candidate n and state h of the trained name model, step by step. */
(() => {
  "use strict";
  const { t, api, tensor, matrix, draw, heatmap, panels, bars, code, fmt, debounce, COLORS, $ } = N;
  const P = "rnn.gru.";
  const CELLS = [
    ["rnn", COLORS.red, "solid"],
    ["linear", COLORS.muted, "dash"],
    ["gru", COLORS.green, "solid"],
  ];
  const VANISHED = 1e-3;
  const EXPLODED = 1e3;
  const exp = (v) => (v === null ? "—" : Number(v).toExponential(1));
  let flowRes = null;
  let gates = null;
  let linkedUnits = $("units").value !== ""; // restored from a link (urlstate.js) before this script ran

  /* ---- (a) gradient flow ---- */
  function flowBody() {
    return {
      spectral_radius: Number($("radius").value),
      steps: Number($("flow-steps").value),
      hidden_size: Number($("hidden").value),
      input_scale: Number($("input-scale").value),
      update_bias: Number($("update-bias").value),
      seed: Number($("seed").value),
    };
  }

  async function updateFlow() {
    if (!$("seed").checkValidity()) return; // the box says why (naturally.js), and the plots stay
    try {
      flowRes = await api("POST", "/api/rnn/gradient-flow", flowBody(), { key: "flow" });
    } catch {
      return; // the status line says why, or a newer slider position is on its way
    }
    drawFlow();
    drawSweep();
    code(torchCode());
  }

  const positive = (ys) => ys.map((v) => (v > 0 ? v : null)); // log axes cannot show 0
  const cellName = (kind) => t(`${P}cell_${kind}`);

  function logRange(series) {
    const all = series.flat().filter((v) => v > 0);
    const lo = Math.min(...all, VANISHED / 10);
    const hi = Math.max(...all, 10);
    return [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
  }

  /** Horizontal bands below VANISHED and above EXPLODED, on a log axis whose range is [lo, hi] (log10). */
  function bands([lo, hi]) {
    const band = (y0, y1, fill) => ({
      type: "rect",
      xref: "paper",
      x0: 0,
      x1: 1,
      yref: "y",
      y0,
      y1,
      fillcolor: fill,
      line: { width: 0 },
      layer: "below",
    });
    const note = (y, key, color) => ({
      xref: "paper",
      x: 0.01,
      xanchor: "left",
      yref: "y",
      y,
      showarrow: false,
      text: t(`${P}${key}`),
      font: { color, size: 11 },
    });
    const shapes = [band(10 ** lo, VANISHED, "rgba(37,99,235,0.08)")];
    const annotations = [note(Math.log10(VANISHED) - 0.6, "region_vanished", COLORS.blue)];
    if (hi > Math.log10(EXPLODED)) {
      shapes.push(band(EXPLODED, 10 ** hi, "rgba(220,38,38,0.08)"));
      annotations.push(note(Math.log10(EXPLODED) + 0.6, "region_exploded", COLORS.red));
    }
    return { shapes, annotations };
  }

  function drawFlow() {
    const r = flowRes;
    const traces = CELLS.filter(([k]) => r.norms[k]).map(([k, color, dash]) => ({
      name: cellName(k),
      x: r.t,
      y: positive(r.norms[k]),
      line: { color, dash, width: 2.5 },
      hovertemplate: `${cellName(k)}, t = %{x}: %{y:.3~e}<extra></extra>`,
    }));
    traces.push({
      name: t(`${P}reference`, { lam: fmt(r.spectral_radius, 2) }),
      x: r.t,
      y: r.reference,
      line: { color: COLORS.ink, dash: "dot", width: 1.5 },
      hovertemplate: "t = %{x}: %{y:.3~e}<extra></extra>",
    });
    const range = logRange([...Object.values(r.norms), r.reference]);
    draw(
      "plot-flow",
      traces.map((tr) => ({ type: "scatter", mode: "lines", ...tr })),
      {
        xTitle: t(`${P}axis_t`, { T: r.steps }),
        yTitle: t(`${P}axis_norm`),
        showlegend: true,
        yaxis: { type: "log", range, exponentformat: "power" },
        ...bands(range),
      },
    );
    const last = (k) => (r.norms[k] ? r.norms[k][0] : null);
    $("flow-summary").innerHTML = t(`${P}flow_summary_html`, {
      T: r.steps,
      lam: fmt(r.spectral_radius, 2),
      measured: fmt(r.measured_radius, 6),
      rnn: exp(last("rnn")),
      linear: exp(last("linear")),
      gru: exp(last("gru")),
      ref: exp(r.reference[0]),
      z: r.z_mean === null ? "—" : fmt(r.z_mean, 3),
    });
  }

  function drawSweep() {
    const s = flowRes.sweep;
    const traces = CELLS.filter(([k]) => s.norms[k]).map(([k, color, dash]) => ({
      name: cellName(k),
      x: s.radii,
      y: positive(s.norms[k]),
      line: { color, dash, width: 2.5 },
      mode: "lines+markers",
      marker: { size: 5 },
      hovertemplate: `${cellName(k)}, λ = %{x}: %{y:.3~e}<extra></extra>`,
    }));
    traces.push({
      name: t(`${P}reference_T`, { T: flowRes.steps }),
      x: s.radii,
      y: s.reference,
      line: { color: COLORS.ink, dash: "dot", width: 1.5 },
      hovertemplate: "λ = %{x}: %{y:.3~e}<extra></extra>",
    });
    const lam = flowRes.spectral_radius;
    const region = (x0, x1, fill) => ({
      type: "rect",
      xref: "x",
      x0,
      x1,
      yref: "paper",
      y0: 0,
      y1: 1,
      fillcolor: fill,
      line: { width: 0 },
      layer: "below",
    });
    const label = (x, key, color) => ({
      xref: "x",
      x,
      yref: "paper",
      y: 0.98,
      showarrow: false,
      text: t(`${P}${key}`),
      font: { color, size: 11 },
    });
    draw(
      "plot-sweep",
      traces.map((tr) => ({ type: "scatter", mode: "lines", ...tr })),
      {
        xTitle: t(`${P}axis_lambda`),
        yTitle: t(`${P}axis_norm0`),
        showlegend: true,
        xaxis: { range: [0.47, 1.53] },
        yaxis: {
          type: "log",
          range: logRange([...Object.values(s.norms), s.reference]),
          exponentformat: "power",
        },
        shapes: [
          region(0.5, 1, "rgba(37,99,235,0.08)"),
          region(1, 1.5, "rgba(220,38,38,0.08)"),
          {
            type: "line",
            xref: "x",
            x0: lam,
            x1: lam,
            yref: "paper",
            y0: 0,
            y1: 1,
            line: { color: COLORS.warn, width: 2 },
          },
        ],
        annotations: [
          label(0.75, "sweep_vanishing", COLORS.blue),
          label(1.25, "sweep_exploding", COLORS.red),
        ],
      },
    );
  }

  /* ---- (b) the gates of the trained name model ---- */
  const GATE_PLOTS = ["plot-z", "plot-r", "plot-n", "plot-h", "plot-units", "plot-prediction"];
  /** A name that cannot be read: say why under the box, and grey out the previous name's plots, each
   * labelled with the name it still shows. */
  function nameRefused(message) {
    $("prediction").textContent = message;
    $("prediction").classList.add("refused");
    if (!gates) return;
    const label = t(`${P}stale_label`, { name: gates.res.name });
    $("plot-stage").classList.add("stale"); // the note above it names the problem
    for (const id of GATE_PLOTS) {
      $(id).classList.add("stale");
      $(id).parentElement.dataset.stale = label;
    }
  }

  async function updateGates() {
    const problem = N.nameProblem($("name").value, Number($("name").dataset.max));
    if (problem) {
      nameRefused(problem);
      return;
    }
    let res;
    try {
      // f16: ~3 characters a value, not ~20
      res = await api("POST", "/api/rnn/gru", { name: $("name").value, encoding: "f16" }, { key: "gates" });
    } catch (e) {
      if (!(e instanceof N.Superseded)) nameRefused(e.message);
      return;
    }
    $("prediction").classList.remove("refused");
    $("plot-stage").classList.remove("stale");
    for (const id of GATE_PLOTS) {
      $(id).classList.remove("stale");
      delete $(id).parentElement.dataset.stale;
    }
    gates = { res, r: tensor(res.r), z: tensor(res.z), n: tensor(res.n), h: tensor(res.h) };
    if (!linkedUnits) $("units").value = topUnits(4).join(" "); // a link's units stay for its first name
    linkedUnits = false;
    guide.refresh();
    // the stage is on the first screen: let the browser paint it before drawing what lies below
    requestAnimationFrame(() =>
      setTimeout(() => {
        drawGates();
        code(torchCode());
      }),
    );
  }

  const chosen = () => [Number($("layer").value), Number($("direction").value)];
  /** (T, H) rows of a gate for the chosen layer and direction; z in the course's form is 1 − z. */
  function rows(gate) {
    const m = matrix(gates[gate], ...chosen());
    return gate === "z" && $("z-form").value === "seed" ? m.map((r) => r.map((v) => 1 - v)) : m;
  }
  const stepLabels = () => gates.res.tokens.map((c, i) => `${i + 1}: ${c === " " ? "␣" : c}`);

  /** The units whose state h moves most over the name. */
  function topUnits(k) {
    const h = rows("h");
    const spread = h[0].map((_, u) => Math.max(...h.map((r) => r[u])) - Math.min(...h.map((r) => r[u])));
    return [...spread.keys()]
      .sort((a, b) => spread[b] - spread[a])
      .slice(0, k)
      .sort((a, b) => a - b);
  }

  /** The typed unit numbers: those that exist (unique, in order) and the entries that do not. */
  function units() {
    const H = gates.res.hidden_size;
    const typed = $("units")
      .value.split(/[\s,;]+/)
      .filter(Boolean);
    const valid = (s) => /^\d+$/.test(s) && Number(s) < H;
    return {
      picked: [...new Set(typed.filter(valid).map(Number))],
      ignored: typed.filter((s) => !valid(s)),
      H,
    };
  }

  function drawGates() {
    const labels = stepLabels();
    const T = labels.length;
    const seedForm = $("z-form").value === "seed";
    const common = {
      xTitle: t(`${P}axis_unit`),
      yTitle: t(`${P}axis_step`),
      margin: { l: 64, t: 36 },
      xaxis: { constrain: false },
      yaxis: { scaleanchor: false, constrain: false, tickvals: [...Array(T).keys()], ticktext: labels },
    };
    const spec = { z: ["heat", 0, 1], r: ["heat", 0, 1], n: ["diverging", -1, 1], h: ["diverging", -1, 1] };
    for (const [gate, [scale, zmin, zmax]] of Object.entries(spec)) {
      const title = gate === "z" && seedForm ? t(`${P}title_z_seed`) : t(`${P}title_${gate}`);
      heatmap(`plot-${gate}`, rows(gate), {
        ...common,
        scale,
        zmin,
        zmax,
        zmid: scale === "diverging" ? 0 : undefined,
        title,
        hovertemplate: `${t(`${P}axis_unit`)} %{x}, %{y}: %{z:.3f}<extra></extra>`,
        yaxis: { ...common.yaxis, autorange: "reversed" },
      });
      N.onPlotClick(`plot-${gate}`, (point) => toggleUnit(point.x));
    }
    $("caption-z").innerHTML = t(seedForm ? `${P}caption_z_seed_html` : `${P}caption_z_html`);
    drawUnits();
    drawPrediction();
  }

  function toggleUnit(u) {
    const now = units().picked.slice(0, 8);
    $("units").value = (now.includes(u) ? now.filter((v) => v !== u) : [...now, u].slice(-8)).join(" ");
    drawUnits();
  }

  function drawUnits() {
    const gate = $("line-gate").value;
    const m = rows(gate);
    const labels = stepLabels();
    const palette = [
      COLORS.accent,
      COLORS.red,
      COLORS.green,
      COLORS.warn,
      COLORS.blue,
      COLORS.purple,
      COLORS.ink,
      COLORS.muted,
    ];
    const { picked, ignored, H } = units(); // the hint below the box names what is left out
    $("units-hint").textContent = ignored.length
      ? t(`${P}units_ignored`, { bad: ignored.join(" "), max: H - 1 })
      : picked.length > 8
        ? t(`${P}units_too_many`)
        : t(`${P}units_hint`);
    $("units").setAttribute("aria-invalid", String(ignored.length > 0));
    const traces = picked.slice(0, 8).map((u, i) => ({
      type: "scatter",
      mode: "lines+markers",
      name: t(`${P}unit`, { u }),
      x: labels,
      y: m.map((r) => r[u]),
      line: { color: palette[i % palette.length] },
      hovertemplate: `${t(`${P}unit`, { u })}, %{x}: %{y:.3f}<extra></extra>`,
    }));
    const range = gate === "z" || gate === "r" ? [0, 1] : [-1, 1];
    draw("plot-units", traces, {
      xTitle: t(`${P}axis_step`),
      yTitle: gate === "z" && $("z-form").value === "seed" ? "1 − z" : gate,
      showlegend: true,
      xaxis: { type: "category" },
      yaxis: { range: [range[0] - 0.05, range[1] + 0.05] },
    });
  }

  function drawPrediction() {
    const top = gates.res.prediction.slice(0, 6);
    bars(
      "plot-prediction",
      top.map((p) => N.language(p.language)),
      top.map((p) => p.probability),
      { xTitle: t(`${P}axis_language`), yTitle: t(`${P}axis_probability`), yaxis: { range: [0, 1] } },
    );
    const best = top[0];
    $("prediction").textContent = t(`${P}predicted`, {
      name: gates.res.name,
      language: N.language(best.language),
      p: fmt(100 * best.probability, 1),
    });
  }

  /* ---- the stage: the gates of the typed name filling in, letter by letter ---- */
  const STAGE_GATES = ["r", "n", "z", "h"]; // in the order the cell uses them
  const SCALE = { r: ["heat", 0, 1], z: ["heat", 0, 1], n: ["diverging", -1, 1], h: ["diverging", -1, 1] };
  const ROWS = 8; // units shown: those whose state moves most over the name
  const [READ, RESET, CANDIDATE, UPDATE, MIX, WALK, LAST] = [0, 1, 2, 3, 4, 5, 6];
  const FILLED = { [READ]: [], [RESET]: ["r"], [CANDIDATE]: ["r", "n"], [UPDATE]: ["r", "n", "z"] };
  const FOCUS = { [RESET]: "r", [CANDIDATE]: "n", [UPDATE]: "z", [MIX]: "h", [LAST]: "h" };
  const letter = (c) => (c === " " ? "␣" : c);

  /** Positions in the order the chosen direction reads them (the backward one from the last letter). */
  function readingOrder() {
    const order = [...gates.res.tokens.keys()];
    return chosen()[1] ? order.reverse() : order;
  }

  /** The unit the steps follow (its state moves most over the name) and the letter that moves it most. */
  function followed() {
    const h = matrix(gates.h, ...chosen());
    const u = topUnits(1)[0];
    const order = readingOrder();
    const before = (k) => (k ? h[order[k - 1]][u] : 0); // h₀ = 0
    const k = order.reduce(
      (best, pos, i) =>
        Math.abs(h[pos][u] - before(i)) > Math.abs(h[order[best]][u] - before(best)) ? i : best,
      0,
    );
    return { u, k, before: before(k) };
  }

  /** The moment of guided step `step` (frame `frame`): the reading index `k` being computed, the gates
   * already computed at it, the panel in focus. Letters read before k are filled in every gate. */
  function moment(step, frame) {
    const f = followed();
    const T = gates.res.tokens.length;
    if (step === WALK) return { ...f, k: Math.min(frame, T - 1), done: STAGE_GATES, focus: null };
    if (step === LAST) return { ...f, k: T - 1, done: STAGE_GATES, focus: "h" };
    return { ...f, done: FILLED[step] ?? STAGE_GATES, focus: FOCUS[step] ?? null };
  }

  function stageAt(step, frame) {
    const m = moment(step, frame);
    const order = readingOrder();
    const T = order.length;
    const units = topUnits(ROWS);
    const labels = gates.res.tokens.map(letter);
    const pos = order[m.k];
    const shown = (gate, p) => order.indexOf(p) < m.k || (p === pos && m.done.includes(gate));
    const row = units.indexOf(m.u);
    const narrow = $("plot-stage").clientWidth < 520;
    const list = STAGE_GATES.map((gate) => {
      const all = matrix(gates[gate], ...chosen()); // (T, H): torch's z, whatever the form below
      const full = units.map((u) => all.map((r) => r[u])); // (units, T)
      const z = full.map((r) => r.map((v, p) => (shown(gate, p) ? v : null)));
      const [scale, zmin, zmax] = SCALE[gate];
      const box = (x0, x1, y0, y1, color) => ({
        type: "rect",
        x0,
        x1,
        y0,
        y1,
        line: { color, width: 2.5 },
      });
      return {
        z,
        text: z.map((r) => r.map((v) => (v === null ? "" : fmt(v, 2)))),
        textFit: full.map((r) => r.map((v) => fmt(v, 2))),
        scale,
        zmin,
        zmax,
        title: t(`${P}stage_${gate}`),
        dim: m.focus !== null && m.focus !== gate,
        hovertemplate: `${gate}, ${t(`${P}axis_unit`)} %{y}, %{x}: %{z:.3f}<extra></extra>`,
        xaxis: { tickvals: [...Array(T).keys()], ticktext: labels, tickfont: { size: narrow ? 10 : 12 } },
        yaxis: { tickvals: [...units.keys()], ticktext: units.map(String) },
        shapes: [
          box(pos - 0.5, pos + 0.5, -0.5, units.length - 0.5, COLORS.window),
          box(-0.5, T - 0.5, row - 0.5, row + 0.5, COLORS.ink),
        ],
      };
    });
    panels("plot-stage", list, { cols: 2 });
    return stepNumbers(step, m, pos);
  }

  /** The numbers of a step's text, for the followed unit at the letter being read. */
  function stepNumbers(step, m, pos) {
    const at = (gate) => matrix(gates[gate], ...chosen())[pos][m.u];
    const [layer, dir] = chosen();
    const res = gates.res;
    const g = (v) => fmt(v, 3);
    const pf = (v) => (v < 0 ? `(${g(v)})` : g(v));
    const h = matrix(gates.h, layer, dir);
    const order = readingOrder();
    const prev = m.k ? h[order[m.k - 1]][m.u] : 0;
    const [r, n, z, hNow] = STAGE_GATES.map(at);
    const base = {
      u: m.u,
      t: m.k + 1,
      T: order.length,
      letter: letter(res.tokens[pos]),
      position: pos + 1,
      layer: layer + 1,
      direction: t(`${P}${dir ? "backward" : "forward"}`).toLowerCase(),
      H: res.hidden_size,
    };
    if (step === READ)
      return {
        ...base,
        code: res.codes[pos],
        input: layer ? 2 * res.hidden_size : res.input_size,
        hp: g(prev),
      };
    if (step === RESET) return { ...base, r: g(r), hp: g(prev) };
    if (step === CANDIDATE) return { ...base, n: g(n), r: g(r) };
    if (step === UPDATE) return { ...base, z: g(z), keep: fmt(100 * z, 0), fresh: fmt(100 * (1 - z), 0) };
    if (step === MIX)
      return { ...base, formula: `(1 − ${g(z)})·${pf(n)} + ${g(z)}·${pf(prev)} = ${g(hNow)}`, h: g(hNow) };
    const zRow = matrix(gates.z, layer, dir)[pos];
    if (step === WALK) return { ...base, h: g(hNow), z: g(z), kept: zRow.filter((v) => v > 0.9).length };
    const best = res.prediction[0];
    return {
      ...base,
      h: g(hNow),
      name: res.name,
      language: N.language(best.language),
      p: fmt(100 * best.probability, 1),
    };
  }

  /* ---- the PyTorch panel: both computations, runnable ---- */
  function torchCode() {
    const parts = [];
    if (flowRes) {
      const r = flowRes;
      parts.push(
        `# (a) gradient flow: the page's numbers for λ = ${r.spectral_radius}, T = ${r.steps}, H = ${r.hidden_size}, seed ${r.seed}`,
        "import torch",
        "",
        `H, I, T, lam, seed = ${r.hidden_size}, ${r.input_size}, ${r.steps}, ${r.spectral_radius}, ${r.seed}`,
        `input_scale, b_z = ${r.input_scale}, ${r.update_bias}`,
        "g = torch.Generator().manual_seed(seed)",
        "randn = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)",
        "W = randn(H, H) / H ** 0.5",
        "W = W / torch.linalg.eigvals(W).abs().max()    # spectral radius 1",
        "W_hh = lam * W                                 # spectral radius λ",
        "W_xh, W_ir, W_iz = (randn(H, I) * input_scale / I ** 0.5 for _ in range(3))",
        "W_hr, W_hz = (randn(H, H) / H ** 0.5 for _ in range(2))",
        "x = randn(T, I)",
        "u = randn(H); u = u / u.norm()                 # L = uᵀ·h_T, so ‖∂L/∂h_T‖ = 1",
        "",
        "def grad_norms(cell):",
        "    h = torch.zeros(H, dtype=torch.float64, requires_grad=True)",
        "    hs = [h]",
        "    for x_t in x:",
        "        h = cell(x_t, h)",
        "        h.retain_grad()",
        "        hs.append(h)",
        "    (u @ h).backward()",
        "    return [v.grad.norm().item() for v in hs]   # ‖∂L/∂h_t‖, t = 0 … T",
        "",
        "def gru_cell(x_t, h):                          # torch.nn.GRUCell's equations",
        "    r = torch.sigmoid(W_ir @ x_t + W_hr @ h)",
        "    z = torch.sigmoid(W_iz @ x_t + W_hz @ h + b_z)",
        "    n = torch.tanh(W_xh @ x_t + r * (W_hh @ h))",
        "    return (1 - z) * n + z * h",
        "",
        "rnn = grad_norms(lambda x_t, h: torch.tanh(W_hh @ h + W_xh @ x_t))",
        "linear = grad_norms(lambda x_t, h: W_hh @ h + W_xh @ x_t)",
        "gru = grad_norms(gru_cell)",
        `print(rnn[0], linear[0], gru[0])   # ${["rnn", "linear", "gru"].map((k) => exp(r.norms[k]?.[0] ?? null)).join(", ")}`,
        `print(lam ** T)                    # ${exp(r.reference[0])}`,
      );
    }
    if (gates) parts.push("", ...gatesCode(gates.res));
    return parts.join("\n");
  }

  function gatesCode(res) {
    const codes = res.codes;
    const H = res.hidden_size;
    const [layer, dir] = chosen();
    const sfx = `_l${layer}${dir ? "_reverse" : ""}`;
    const below =
      layer === 0
        ? "emb(codes)[0]                    # layer 1 reads the embedded letters"
        : `gru_below(emb(codes))[0][0]     # layer ${layer + 1} reads layer ${layer}'s [forward; backward] outputs`;
    return [
      `# (b) the gates of the name model for "${res.name}", layer ${layer + 1}, ${dir ? "backward" : "forward"} direction`,
      "from torch import nn",
      "",
      'state = torch.load("engine/models/weights/names_bigru.pt", weights_only=True)   # in the Naturally repo',
      'emb = nn.Embedding.from_pretrained(state["embedding.weight"])',
      `gru = nn.GRU(${res.input_size}, ${H}, num_layers=${res.num_layers}, bidirectional=${res.directions === 2 ? "True" : "False"}, batch_first=True)`,
      'gru.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("gru.")})',
      ...(layer === 0
        ? []
        : [
            `gru_below = nn.GRU(${res.input_size}, ${H}, num_layers=${layer}, bidirectional=True, batch_first=True)`,
            "gru_below.load_state_dict({k: v for k, v in gru.state_dict().items() " +
              `if int(k.split("_l")[1][0]) < ${layer}})`,
          ]),
      `codes = torch.tensor([${JSON.stringify(codes)}])   # a = 1 … z = 26, space 27, ' 28, - 29`,
      `W_ir, W_iz, W_in = gru.weight_ih${sfx}.chunk(3); W_hr, W_hz, W_hn = gru.weight_hh${sfx}.chunk(3)`,
      `b_ir, b_iz, b_in = gru.bias_ih${sfx}.chunk(3); b_hr, b_hz, b_hn = gru.bias_hh${sfx}.chunk(3)`,
      `h = torch.zeros(${H})`,
      "with torch.no_grad():",
      `    xs = ${below}`,
      `    _, h_n = gru(emb(codes))        # h_n (${res.num_layers * res.directions}, 1, ${H}): each layer and direction's last state`,
      `    for x_t in ${dir ? "xs.flip(0):      # the backward direction reads the name from its last letter" : "xs:"}`,
      "        r = torch.sigmoid(W_ir @ x_t + b_ir + W_hr @ h + b_hr)",
      "        z = torch.sigmoid(W_iz @ x_t + b_iz + W_hz @ h + b_hz)   # the course's z is 1 − z",
      "        n = torch.tanh(W_in @ x_t + b_in + r * (W_hn @ h + b_hn))  # r after the matrix product",
      "        h = (1 - z) * n + z * h",
      `print(torch.allclose(h, h_n[${res.directions * layer + dir}, 0], atol=1e-6))   # True: this layer and direction's last state`,
    ];
  }

  /* ---- wiring ---- */
  const guide = N.steps({
    show: (step, frame) => (gates ? stageAt(step, frame) : null),
    frames: (step) => (gates && step === WALK ? gates.res.tokens.length : 1),
    interval: (step) => (step === WALK ? 900 : 3200),
  });
  const later = debounce(updateFlow, 150);
  for (const [id, digits] of [
    ["radius", 2],
    ["flow-steps", 0],
    ["input-scale", 2],
    ["update-bias", 1],
  ]) {
    $(id).addEventListener("input", () => {
      $(`${id}-out`).textContent = fmt(Number($(id).value), digits);
      later();
    });
  }
  for (const id of ["hidden", "seed"]) $(id).addEventListener("change", updateFlow);
  $("name").addEventListener("input", debounce(updateGates, 300));
  for (const id of ["layer", "direction"]) {
    $(id).addEventListener("change", () => {
      if (gates) {
        $("units").value = topUnits(4).join(" ");
        drawGates();
        code(torchCode());
        guide.refresh();
      }
    });
  }
  $("z-form").addEventListener("change", () => {
    if (gates) drawGates();
  });
  $("units").addEventListener(
    "input",
    debounce(() => {
      if (gates) drawUnits();
    }, 200),
  );
  $("line-gate").addEventListener("change", () => {
    if (gates) drawUnits();
  });
  updateGates(); // the stage's answer first
  updateFlow();
})();
