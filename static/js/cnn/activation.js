/* §1.4 Activation: the stage walks a patch of an edge map through the function, number by number, beside
 * its curve; below, the whole maps before and after and their histograms; the four functions with their
 * slopes; the gradient through n stacked activations (autograd on the server). */
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
    draw,
    lines,
    code,
    debounce,
    fmt,
    short,
    $,
    COLORS,
  } = N;
  const P = "cnn.activation.";
  const NARROW = window.matchMedia("(max-width: 600px)"); // the stylesheet's phone layout
  // the legend inside the plot's empty corner (the helper's default, under the x axis, covers its title)
  const legendAt = (id, x, y) =>
    Plotly.relayout(id, {
      legend: {
        x,
        y,
        xanchor: x < 0.5 ? "left" : "right",
        yanchor: y < 0.5 ? "bottom" : "top",
        orientation: "v",
        bgcolor: COLORS.paper,
      },
    });
  // each function its own colour and dash, so that the thin (not chosen) curves stay apart
  const FN_COLORS = {
    relu: COLORS.accent,
    sigmoid: COLORS.red,
    tanh: COLORS.green,
    leaky_relu: COLORS.purple,
  };
  const FN_DASH = { relu: "solid", sigmoid: "dash", tanh: "dashdot", leaky_relu: "dot" };
  const fnName = (f) => t(`${P}fn.${f}`);
  const pct = (v) => `${(100 * v).toFixed(1)} %`;
  const SENTENCE_GAP = N.page.lang === "zh" ? "" : " "; // Chinese puts no space after "。"
  const expo = (v) => (v === 0 || v === 1 ? String(v) : v.toExponential(2)); // as Python prints it
  const fn = () => $("act-function").value;
  const slope = () => Number($("act-slope").value);
  const kernels = () =>
    [...document.querySelectorAll("input[name=act-kernel]:checked")].map((el) => el.value);

  let imageId = null;
  let act = null; // the last /api/cnn/activation answer, maps decoded
  let chains = null; // the last /api/cnn/activation/depth answer

  /* ---- feature maps before and after ---- */
  async function loadMaps() {
    if (!imageId) return;
    const body = {
      image_id: imageId,
      function: fn(),
      kernels: kernels(),
      bins: Number($("act-bins").value),
      normalize: $("act-normalize").checked,
      x_max: $("act-normalize").checked ? 6 : 100, // the stage's curve: as far as the maps' numbers go
    };
    if (fn() === "leaky_relu") body.negative_slope = slope();
    let res;
    try {
      res = await api("POST", "/api/cnn/activation", body, { key: "maps" });
    } catch {
      return; // a newer request is under way, or the status line says why
    }
    act = { ...res, imageId: body.image_id, before: tensor(res.before), after: tensor(res.after) };
    fillMapSelect();
    aimPatch();
    guide.refresh(); // the stage first: it is the first screen; the whole maps below, a moment later
    setTimeout(() => {
      drawMaps();
      drawHists();
    });
    drawShares();
    writeCode();
  }

  function mapLabel(b) {
    return act.kernels.length ? t(`${P}kernel.${act.kernels[b]}`) : `${t(`${P}no_kernel`)} [${b}]`;
  }

  function fillMapSelect() {
    const select = $("act-map");
    const keep = Number(select.value) || 0;
    const n = act.before.shape[0];
    select.replaceChildren(...[...Array(n).keys()].map((b) => new Option(mapLabel(b), b)));
    select.value = String(Math.min(keep, n - 1));
    N.state.restore("act-map"); // a link's map, once the maps are there
    const [c, h, w] = act.input_shape;
    const [, h2, w2] = act.before.shape;
    $("act-shape").textContent = act.kernels.length
      ? t(`${P}shape`, { c, h, w, b: n, h2, w2, n: act.before.data.length })
      : t(`${P}shape_none`, { c, h, w, n: act.before.data.length });
  }

  function drawMaps() {
    const b = Number($("act-map").value) || 0;
    const z = matrix(act.before, b);
    const zmax = Math.max(1e-6, ...z.map((row) => Math.max(...row.map(Math.abs))));
    const f = act.function;
    const [lo, hi] = f === "sigmoid" ? [0, 1] : f === "tanh" ? [-1, 1] : [-zmax, zmax];
    const value = t(`${P}value`);
    heatmap("plot-before", z, {
      scale: "diverging",
      zmin: -zmax,
      zmax,
      unit: value,
      title: t(`${P}before_title`, { kernel: mapLabel(b) }),
    });
    heatmap("plot-after", matrix(act.after, b), {
      scale: "diverging",
      zmin: lo,
      zmax: hi,
      unit: value,
      title: t(`${P}after_title`, { fn: fnName(f) }),
    });
    for (const id of ["plot-before", "plot-after"]) {
      // a click on a full map puts the stage's patch there
      N.onPlotClick(id, (pt) => {
        aimPatch(pt.y, pt.x);
        guide.refresh();
      });
    }
  }

  function histTrace(h, color) {
    const x = h.counts.map((_, i) => (h.edges[i] + h.edges[i + 1]) / 2);
    return {
      type: "bar",
      x,
      y: h.counts,
      width: h.edges[1] - h.edges[0],
      marker: { color },
      hovertemplate: `%{x:.4~g}: %{y}<extra></extra>`,
    };
  }

  function drawHists() {
    const log = $("act-log").checked;
    const top = Math.max(...act.hist_before.counts, ...act.hist_after.counts);
    const common = {
      xTitle: t(`${P}value`),
      yTitle: t(log ? `${P}count_log` : `${P}count`),
      yaxis: log ? { type: "log", range: [-0.35, Math.log10(top) + 0.2] } : { type: "linear" },
      shapes: [
        {
          type: "line",
          x0: 0,
          x1: 0,
          yref: "paper",
          y0: 0,
          y1: 1,
          line: { color: COLORS.muted, dash: "dot", width: 1 },
        },
      ],
    };
    draw("plot-hist-before", [histTrace(act.hist_before, COLORS.muted)], {
      ...common,
      title: t(`${P}hist_before`),
    });
    draw("plot-hist-after", [histTrace(act.hist_after, FN_COLORS[act.function])], {
      ...common,
      title: t(`${P}hist_after`, { fn: fnName(act.function) }),
    });
    $("act-hist-caption").textContent = t(`${P}caption_hist`, { bins: act.hist_before.counts.length });
  }

  function drawShares() {
    const parts = [
      t(`${P}share_negative`, { neg: pct(act.negative_share), zero0: pct(act.zero_share_before) }),
      t(`${P}share_zero`, { fn: fnName(act.function), zero: pct(act.zero_share) }),
    ];
    if (act.saturated_share !== null) parts.push(t(`${P}share_saturated`, { sat: pct(act.saturated_share) }));
    const u = act.sigmoid_underflow;
    if (u && act.zero_share > 0) {
      // σ(x) > 0 for every real x: its zeros are float32 rounding, shown with torch's own numbers
      parts.push(
        t(`${P}share_underflow`, {
          smallest: expo(u.smallest),
          edge: fmt(u.edge, 2),
          low: fmt(
            act.before.data.reduce((a, b) => Math.min(a, b), 0),
            0,
          ),
          f64: expo(u.edge_in_float64),
          torch_edge: fmt(u.torch_edge, 2),
        }),
      );
    }
    $("act-shares").textContent = parts.join(SENTENCE_GAP);
  }

  /* ---- the four functions, their slopes, and the gradient through depth ---- */
  async function loadDepth() {
    const body = {
      depth: Number($("act-depth").value),
      x0: Number($("act-x0").value),
      negative_slope: slope(),
    };
    let res;
    try {
      res = await api("POST", "/api/cnn/activation/depth", body, { key: "depth" });
    } catch {
      return;
    }
    chains = res;
    guide.refresh();
    drawCurves();
    drawDepth();
    writeCode();
  }

  function style(name) {
    const chosen = name === fn();
    return {
      name: fnName(name),
      line: { color: FN_COLORS[name], width: chosen ? 4 : 2, dash: chosen ? "solid" : FN_DASH[name] },
      opacity: chosen ? 1 : 0.8,
    };
  }

  function drawCurves() {
    if (!chains) return;
    const order = chains.chains
      .filter((c) => c.function !== fn())
      .concat(chains.chains.filter((c) => c.function === fn())); // the chosen one on top
    const xTitle = t(`${P}x_axis`);
    lines(
      "plot-f",
      order.map((c) => ({ x: c.curve.x, y: c.curve.y, ...style(c.function) })),
      { title: t(`${P}curve_f`), xTitle, yTitle: "f(x)", yaxis: { range: [-1.5, 3] } },
    );
    legendAt("plot-f", 0.02, 0.98);
    lines(
      "plot-df",
      order.map((c) => ({ x: c.curve.x, y: c.curve.dydx, ...style(c.function) })),
      { title: t(`${P}curve_df`), xTitle, yTitle: "f′(x)", yaxis: { range: [-0.05, 1.1] } },
    );
    legendAt("plot-df", 0.02, 0.98);
  }

  function drawDepth() {
    if (!chains) return;
    const n = chains.depth;
    const ns = [...Array(n).keys()].map((i) => i + 1);
    const sig = chains.chains.find((c) => c.function === "sigmoid");
    const traces = chains.chains.map((c) => ({
      x: ns,
      y: c.gradient.map((g) => (g > 0 ? g : null)),
      mode: "lines+markers",
      marker: { size: c.function === fn() ? 6 : 3 },
      ...style(c.function),
      hovertemplate: `n = %{x}: %{y:.3e}<extra>${fnName(c.function)}</extra>`,
    }));
    traces.push({
      x: ns,
      y: sig.bound,
      name: t(`${P}bound`),
      line: { color: COLORS.ink, dash: "dash", width: 1.5 },
    });
    const smallest = Math.min(...traces.flatMap((tr) => tr.y.filter((v) => v > 0)));
    lines("plot-depth", traces, {
      xTitle: t(`${P}depth_x`),
      yTitle: t(`${P}depth_y`),
      yaxis: { type: "log", exponentformat: "power", range: [Math.log10(smallest) - 0.5, 0.4] },
      xaxis: { range: [0.5, n + 0.5] },
      // the legend above the plot, clear of the y axis's ticks and title
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
      margin: { t: 64 },
    });
    const chosen = chains.chains.find((c) => c.function === fn());
    let text = t(`${P}depth_summary_html`, { n, g: expo(sig.gradient[n - 1]), b: expo(sig.bound[n - 1]) });
    if (chosen.function !== "sigmoid") {
      text += ` ${t(`${P}depth_chosen`, { n, fn: fnName(chosen.function), g: expo(chosen.gradient[n - 1]) })}`;
    }
    $("act-depth-summary").innerHTML = text;
    const zero = chains.chains.filter((c) => c.gradient.some((g) => g === 0)).map((c) => fnName(c.function));
    $("act-zero-grad").textContent = zero.length ? t(`${P}zero_grad`, { fns: zero.join(", ") }) : "";
  }

  /* ---- the stage: a patch of the map before and after f, and f's curve with the number going through ---- */
  const STEP = { BEFORE: 0, ONE: 1, ALL: 2, NEGATIVE: 3, WHOLE: 4, SLOPE: 5 };
  const SIDE = 8; // the patch: 8×8 cells (less on a smaller map)
  let spot = [0, 0]; // the patch's top-left cell on the map shown
  let pixel = [0, 0]; // the number the walk is at: its row and column in the patch
  let lastFrame = null; // the guided walk's frame last shown (it moves the number when it changes)

  const shown = () => Number($("act-map").value) || 0;
  const side = () => Math.min(SIDE, ...act.before.shape.slice(1));

  /** Put the patch around (row, col) of the map, and the walk on that row. */
  function aimPatch(row, col) {
    const [h, w] = act.before.shape.slice(1);
    const n = side();
    if (row === undefined) [row, col] = signChange(); // a new answer: where f has most to show
    spot = [Math.max(0, Math.min(row - n / 2, h - n)), Math.max(0, Math.min(col - n / 2, w - n))].map(
      Math.round,
    );
    pixel = [row - spot[0], 0];
  }

  /** Where the map changes sign most sharply (a negative and a positive neighbour, both large): there
   * f has both kinds of number to show. The largest value when the map never changes sign; [row, col]. */
  function signChange() {
    const z = matrix(act.before, shown());
    let [best, at] = [0, null];
    let [high, highAt] = [-Infinity, [0, 0]];
    z.forEach((r, i) => {
      r.forEach((v, j) => {
        if (v > high) [high, highAt] = [v, [i, j]];
        for (const u of [r[j + 1], z[i + 1]?.[j]]) {
          const score = u !== undefined && u * v < 0 ? Math.min(Math.abs(u), Math.abs(v)) : 0;
          if (score > best) [best, at] = [score, [i, j]];
        }
      });
    });
    return at || highAt;
  }

  const cutOut = (view) =>
    matrix(view, shown())
      .slice(spot[0], spot[0] + side())
      .map((r) => r.slice(spot[1], spot[1] + side()));

  /** The colour range of the map after f: sigmoid and tanh have their own, the others the map's. */
  const range = (m) => ({ sigmoid: [0, 1], tanh: [-1, 1] })[act.function] || [-m, m];

  function stagePanels(step) {
    const n = side();
    const before = cutOut(act.before);
    const after = cutOut(act.after);
    const m = Math.max(1e-6, ...before.flat().map(Math.abs));
    const k = pixel[0] * n + pixel[1];
    const upto = step === STEP.BEFORE ? -1 : step === STEP.ONE ? k : Infinity;
    const shownAfter = after.map((r, i) => r.map((v, j) => (i * n + j <= upto ? v : null)));
    const at = cellBox(...pixel, ...pixel, { line: { color: COLORS.window, width: 3 } });
    const negatives = [];
    before.forEach((r, i) => {
      r.forEach((v, j) => {
        if (v < 0) negatives.push(cellBox(i, j, i, j, { line: { color: COLORS.blue, width: 2 } }));
      });
    });
    const marks = step === STEP.NEGATIVE ? negatives : step === STEP.BEFORE ? [] : [at];
    const hover = (what) => `${what} %{z:.4~g}<extra></extra>`;
    const [lo, hi] = range(m);
    const fn = fnName(act.function);
    const matrixPanel = (z, title, zmin, zmax) => ({
      z,
      text: z.map((r) => r.map((v) => (v === null ? "" : short(v)))),
      textFit: [["-.00"]],
      scale: "diverging",
      zmin,
      zmax,
      title,
      shapes: marks,
      origin: spot,
      hovertemplate: hover(title),
    });
    const kernel = mapLabel(shown());
    return [
      matrixPanel(before, t(`${P}stage_before`, { kernel, n }), -m, m),
      {
        ...matrixPanel(shownAfter, t(`${P}stage_after`, { fn }), lo, hi),
        dim: step === STEP.BEFORE,
        shapes: [
          cellBox(0, 0, n - 1, n - 1, { fillcolor: COLORS.line, line: { width: 0 }, layer: "below" }),
          ...marks,
        ],
      },
      curvePanel(step, before, after, m),
    ];
  }

  /** f over the patch's range of x, the current number on it (and f′ dashed at the slope step). */
  function curvePanel(step, before, after, m) {
    const { x, y, dydx } = act.curve;
    const reach = Math.max(1, m) * 1.15;
    const keep = [...x.keys()].filter((i) => Math.abs(x[i]) <= reach);
    const pick = (a) => keep.map((i) => a[i]);
    const color = FN_COLORS[act.function];
    const traces = [
      {
        type: "scatter",
        mode: "lines",
        x: pick(x),
        y: pick(y),
        line: { color, width: 3 },
        hoverinfo: "skip",
      },
    ];
    if (step === STEP.SLOPE) {
      traces.push({
        type: "scatter",
        mode: "lines",
        x: pick(x),
        y: pick(dydx),
        line: { color: COLORS.ink, width: 2, dash: "dash" },
        name: t(`${P}stage_slope`),
        hovertemplate: `f′(%{x:.2f}) = %{y:.3f}<extra></extra>`,
      });
    }
    if (step !== STEP.BEFORE) {
      const [i, j] = pixel;
      traces.push({
        type: "scatter",
        mode: "markers",
        x: [before[i][j]],
        y: [after[i][j]],
        marker: { size: 12, color: COLORS.window, line: { color: COLORS.ink, width: 1 } },
        hovertemplate: "f(%{x:.4~g}) = %{y:.4~g}<extra></extra>",
      });
    }
    const ys = [...pick(y), ...(step === STEP.SLOPE ? pick(dydx) : []), 0];
    const pad = 0.08 * (Math.max(...ys) - Math.min(...ys) || 1);
    const n = side();
    return {
      traces,
      cells: [n, n],
      title: t(`${P}stage_curve`, { fn: fnName(act.function) }),
      xaxis: { range: [-reach, reach], zeroline: true, showgrid: true, title: { text: "x", standoff: 2 } },
      yaxis: { range: [Math.min(...ys) - pad, Math.max(...ys) + pad], zeroline: true, showgrid: true },
      dim: step === STEP.BEFORE,
    };
  }

  function stageAt(step, frame) {
    const n = side();
    if (step === STEP.ONE && frame !== lastFrame) pixel = [pixel[0], frame]; // the walk along a row
    lastFrame = step === STEP.ONE ? frame : null;
    panels("plot-stage", stagePanels(step), { cols: NARROW.matches ? 2 : 3 });
    return stepNumbers(step, n);
  }

  /** The numbers of guided step `step`'s text, all from the answers. */
  function stepNumbers(step, n) {
    const [b, h, w] = act.before.shape;
    const before = cutOut(act.before);
    const after = cutOut(act.after);
    const [i, j] = pixel;
    const fn = fnName(act.function);
    const base = { kernel: mapLabel(shown()), fn, n, h, w, b, neg: pct(act.negative_share) };
    if (step === STEP.ONE) {
      return { ...base, x: fmt(before[i][j], 3), y: fmt(after[i][j], 3), row: spot[0] + i, col: spot[1] + j };
    }
    if (step === STEP.NEGATIVE) {
      const cells = before.flatMap((r, ii) => r.map((v, jj) => [v, ii, jj])).filter(([v]) => v < 0);
      if (!cells.length) return { ...base, neg_text: t(`${P}neg_none`) };
      const [v, ii, jj] = cells.reduce((a, c) => (c[0] < a[0] ? c : a)); // the most negative
      const vars = {
        count: cells.length,
        x: fmt(v, 3),
        y: fmt(after[ii][jj], 3),
        slope: fmt(act.negative_slope, 2),
      };
      return { ...base, neg_text: t(`${P}neg_${act.function}`, vars) };
    }
    if (step === STEP.WHOLE) {
      const sat =
        act.saturated_share === null ? "" : t(`${P}share_saturated`, { sat: pct(act.saturated_share) });
      return { ...base, total: N.num(act.before.data.length), zero: pct(act.zero_share), sat };
    }
    if (step === STEP.SLOPE) {
      const chain = chains.chains.find((c) => c.function === act.function);
      const depth = chains.depth;
      return {
        ...base,
        max: fmt(chain.max_slope, 3),
        depth,
        x0: chains.x0,
        g: expo(chain.gradient[depth - 1]),
      };
    }
    return base;
  }

  const guide = N.steps({
    show: (step, frame) => (act && chains ? stageAt(step, frame) : null),
    frames: (step) => (act && step === STEP.ONE ? side() : 1),
    interval: (step) => (step === STEP.ONE ? 700 : 3000),
  });

  /* ---- the PyTorch panel ---- */
  function torchFn(f) {
    return {
      relu: "nn.ReLU()",
      sigmoid: "torch.sigmoid",
      tanh: "torch.tanh",
      leaky_relu: `nn.LeakyReLU(${fmt(slope(), 2)})`,
    }[f];
  }

  function writeCode() {
    if (!act || !chains) return;
    const f = act.function;
    const [c, h, w] = act.input_shape;
    const shape = act.before.shape.join(", ");
    const num = (v) => (Number.isInteger(v) ? `${v}.` : fmt(v, 4));
    const kernelLines = act.weights.map(
      (k, b) => `    [${k.map((row) => `[${row.map(num).join(", ")}]`).join(", ")}],   # ${act.kernels[b]}`,
    );
    const divisor = act.normalize ? `(${c} * 255)` : `${c}`;
    const conv = act.kernels.length
      ? [
          "k = torch.tensor([",
          ...kernelLines,
          `])   # (${act.kernels.length}, 3, 3)`,
          `w = k[:, None].expand(-1, ${c}, -1, -1)        # each kernel on every channel`,
          `z = F.conv2d(x[None], w)[0] / ${divisor}   # (${shape}) before; ÷ after the sum keeps flat areas exactly 0`,
        ]
      : [`z = x${act.normalize ? " / 255" : ""}   # (${shape}) before`];
    const sat =
      act.saturated_share === null
        ? []
        : [
            `print((${f === "sigmoid" ? "(a < 0.01) | (a > 0.99)" : "a.abs() > 0.99"}).float().mean())   # ${fmt(act.saturated_share)} saturated`,
          ];
    const u = act.sigmoid_underflow;
    const zeros = u
      ? [
          `print((a == 0).float().mean())  # exactly 0 after: every z ≤ ${fmt(u.torch_edge, 2)} (this page: ${fmt(act.zero_share)})`,
          "# σ is never 0: those zeros are float32 underflow",
          `print(torch.nextafter(torch.tensor(0.0), torch.tensor(1.0)))   # ${expo(u.smallest)}, the smallest positive float32`,
          `print(torch.sigmoid(torch.tensor([${Math.ceil(u.torch_edge)}.0, ${Math.floor(u.torch_edge)}.0])))   # the second is 0: e⁻ˣ overflows to inf`,
          `print(torch.sigmoid(torch.tensor(${Math.floor(u.torch_edge)}.0, dtype=torch.float64)))   # float64: tiny, not 0`,
        ]
      : [`print((a == 0).float().mean())  # ${fmt(act.zero_share)} exactly 0 after`];
    const chain = chains.chains.find((ch) => ch.function === f);
    const n = chains.depth;
    code(
      [
        "import numpy as np",
        "import torch",
        "import torch.nn as nn",
        "import torch.nn.functional as F",
        "from PIL import Image",
        "",
        `img = Image.open("${act.imageId}.png").convert("RGB")   # GET /api/images/${act.imageId}`,
        `x = torch.from_numpy(np.array(img)).permute(2, 0, 1).float()   # (${c}, ${h}, ${w}), 0–255`,
        ...conv,
        `f = ${torchFn(f)}`,
        "a = f(z)                                   # after, same shape",
        `print((z < 0).float().mean())   # ${fmt(act.negative_share)} negative before`,
        ...zeros,
        ...sat,
        `print(torch.histc(z, bins=${act.hist_before.counts.length}))`,
        "",
        "# f and its slope f'(x), by autograd",
        "t = torch.linspace(-6, 6, 241, requires_grad=True)",
        "f(t).sum().backward()",
        `print(t.grad.max())   # ${fmt(chain.max_slope)}: the largest slope`,
        "",
        `# the gradient through n = ${n} stacked copies, starting at x = ${chains.x0}`,
        `x0 = torch.tensor(${num(chains.x0)}, dtype=torch.float64, requires_grad=True)`,
        "h = x0",
        `for _ in range(${n}):`,
        "    h = f(h)",
        "h.backward()",
        `print(x0.grad)   # ${expo(chain.gradient[n - 1])}  (≤ ${fmt(chain.max_slope)} ** ${n} = ${expo(chain.bound[n - 1])})`,
      ].join("\n"),
    );
  }

  /* ---- controls ---- */
  const mapsLater = debounce(loadMaps, 250);
  const depthLater = debounce(loadDepth, 150);
  const bindOutput = (id) =>
    $(id).addEventListener("input", () => {
      $(`${id}-out`).value = $(id).value;
    });
  ["act-slope", "act-bins", "act-depth", "act-x0"].forEach(bindOutput);

  const showSlope = () => {
    $("act-slope-label").hidden = fn() !== "leaky_relu";
  };
  showSlope(); // a link may open on leaky ReLU
  $("act-function").addEventListener("change", () => {
    showSlope();
    drawCurves();
    drawDepth();
    loadMaps();
  });
  $("act-slope").addEventListener("input", () => {
    mapsLater();
    depthLater();
  });
  $("act-bins").addEventListener("input", mapsLater);
  $("act-normalize").addEventListener("change", loadMaps);
  $("act-log").addEventListener("change", () => act && drawHists());
  $("act-map").addEventListener("change", () => {
    if (!act) return;
    aimPatch();
    drawMaps();
    guide.refresh();
  });
  for (const box of document.querySelectorAll("input[name=act-kernel]"))
    box.addEventListener("change", loadMaps);
  $("act-depth").addEventListener("input", depthLater);
  $("act-x0").addEventListener("input", depthLater);

  loadDepth();
  N.imagePicker((id) => {
    imageId = id;
    loadMaps();
  });
})();
