/* §2.1 The Inception block: the stage shows the four branches' maps filling the concatenated block,
 * branch by branch; below, a diagram with this input's shapes, each branch's maps, and their
 * concatenation along the channels (or torch.cat's error without padding). Every number comes
 * from POST /api/cnn/inception; the PyTorch panel rebuilds the same block from the same seed. */
(() => {
  "use strict";
  const { t, api, tensor, mosaic, heatmap, draw, plotTitle, code, debounce, num, fmt, el, COLORS, $ } = N;
  const BRANCH_COLORS = [COLORS.blue, COLORS.green, COLORS.warn, COLORS.purple];
  const COURSE = {
    width_1x1: 16,
    reduce_5x5: 16,
    width_5x5: 24,
    reduce_3x3: 16,
    width_3x3: 24,
    width_pool: 24,
  };
  const SHOWN = 8; // maps drawn per branch
  const widthInputs = [...document.querySelectorAll("[data-width]")];
  let imageId = null;
  let digit = null; // { index, label, pixels }
  let res = null;

  const shape = (s) => `(${s.join(", ")})`;

  const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);
  const tileAxes = {
    xaxis: { showticklabels: false },
    yaxis: { showticklabels: false },
    xTitle: "",
    yTitle: "",
  };

  /* ---- the request ---- */
  function widths() {
    return Object.fromEntries(widthInputs.map((i) => [i.dataset.width, Number(i.value)]));
  }

  function body() {
    const b = {
      padding: $("padding").checked,
      weights: $("weights").value,
      max_side: Number($("max-side").value),
    };
    if (b.weights === "seed") Object.assign(b, { seed: Number($("seed").value), widths: widths() });
    if ($("source").value === "digit") b.input = digit.pixels;
    else Object.assign(b, { image_id: imageId, color: $("color").value });
    return b;
  }

  async function load() {
    if ($("source").value === "picture" ? !imageId : !digit) return;
    const b = body();
    try {
      res = await api("POST", "/api/cnn/inception", b, { key: "block" });
    } catch (e) {
      if (e instanceof N.Superseded) return;
      if (b.weights === "trained") {
        // e.g. no shipped weights: back to the seeded block shown
        $("weights").value = "seed";
        sync();
      }
      return; // the status line says why
    }
    render();
  }
  const reload = debounce(load, 300);

  /* ---- drawing ---- */
  function render() {
    look = lookAt(res.branches.map((b) => tensor(b.output)));
    guide.refresh();
    // the stage is on the first screen: let the browser paint it before drawing what lies below
    requestAnimationFrame(() => setTimeout(drawBelow));
  }

  /** Below the stage: the diagram, the branches' maps, the concatenation, the PyTorch panel. */
  function drawBelow() {
    const outs = look.outs;
    drawDiagram();
    drawInput();
    res.branches.forEach((b, k) => {
      const n = Math.min(SHOWN, b.output_shape[0]);
      heatmap(`plot-branch-${k}`, mosaic(outs[k], range(0, n), Math.min(4, n)), {
        ...tileAxes,
        scale: "diverging",
        zmid: 0,
        title: `${t(`cnn.inception.branch_${k + 1}`)} ${shape(b.output_shape)}`,
      });
      $(`branch-caption-${k}`).textContent = t("cnn.inception.branch_caption", {
        n,
        total: b.output_shape[0],
      });
    });
    const ok = res.output !== null;
    $("concat-plots").hidden = !ok;
    $("cat-error").hidden = ok;
    if (ok) drawConcat(tensor(res.output));
    else $("cat-error").textContent = t("cnn.inception.cat_error", { error: res.cat_error });
    $("weights-note").textContent =
      res.weights === "seed"
        ? t("cnn.inception.note_seed", { seed: res.seed })
        : t("cnn.inception.note_trained");
    code(torchCode());
  }

  function drawDiagram() {
    const box = $("diagram");
    const [c, h, w] = res.input_shape;
    const cols = res.branches.map((b, k) => {
      const col = el(
        "div",
        { className: `inc-col b${k + 1}` },
        el("div", { className: "inc-head" }, t(`cnn.inception.branch_${k + 1}`)),
      );
      for (const ly of b.layers) {
        const mults = ly.multiplications
          ? t("cnn.inception.mults", { n: num(ly.multiplications) })
          : t("cnn.inception.adds_only");
        const pad = t("cnn.inception.pad", { p: ly.padding });
        col.append(
          el(
            "div",
            { className: "inc-box" },
            el("strong", {}, `${ly.name} → ${ly.out_channels}`),
            el("span", { className: "mono" }, shape(ly.output_shape)),
            el("small", {}, `${pad} · ${mults}`),
          ),
        );
      }
      const [, bh, bw] = b.output_shape;
      col.append(
        el("div", { className: `inc-shape${bh !== h || bw !== w ? " bad" : ""}` }, shape(b.output_shape)),
      );
      return col;
    });
    const sum = res.branches.map((b) => b.output_shape[0]).join(" + ");
    const cat = res.output_shape
      ? el(
          "div",
          { className: "inc-cat" },
          `torch.cat(dim=1) → ${shape(res.output_shape)}: ${sum} = ${res.output_shape[0]} ` +
            t("cnn.inception.channels_word"),
        )
      : el("div", { className: "inc-cat bad" }, t("cnn.inception.cat_fails"));
    box.replaceChildren(
      el("div", { className: "inc-in" }, `${t("cnn.inception.block_input")} ${shape([c, h, w])}`),
      el("div", { className: "inc-cols" }, ...cols),
      cat,
      el(
        "p",
        { className: "hint" },
        t("cnn.inception.totals", { mults: num(res.multiplications), params: num(res.parameters) }),
      ),
    );
  }

  function drawInput() {
    const view = tensor(res.input);
    const c = view.shape[0];
    const trained = res.weights === "trained";
    heatmap("plot-input", mosaic(view, range(0, c), Math.min(c, trained ? 5 : 3)), {
      ...tileAxes,
      scale: trained ? "heat" : "gray",
      zmin: trained ? undefined : 0,
      zmax: trained ? undefined : 255,
      title: `${t("cnn.inception.block_input")} ${shape(res.input_shape)}`,
    });
    const canvas = $("digit-canvas");
    canvas.hidden = !trained;
    if (trained) paintDigit(canvas, tensor(res.digit).data);
    const from =
      res.original_shape.join("×") === res.input_shape.join("×") ? "input_caption" : "input_caption_scaled";
    $("input-caption").textContent = trained
      ? t("cnn.inception.input_caption_trained")
      : t(`cnn.inception.${from}`, { from: shape(res.original_shape), to: shape(res.input_shape) });
  }

  function paintDigit(canvas, px) {
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(28, 28);
    px.forEach((v, i) => {
      img.data.set([v, v, v, 255], i * 4);
    });
    ctx.putImageData(img, 0, 0);
  }

  function drawConcat(view) {
    const [n, h, w] = view.shape;
    const cols = Math.min(n, Math.max(4, Math.ceil(Math.sqrt(((n * h) / w) * 1.6))));
    const shapes = [];
    res.branches.forEach((b, k) => {
      for (let ch = b.channels[0]; ch < b.channels[1]; ch++) {
        const x0 = (ch % cols) * (w + 1) - 0.5;
        const y0 = Math.floor(ch / cols) * (h + 1) - 0.5;
        shapes.push({
          type: "rect",
          x0,
          x1: x0 + w,
          y0,
          y1: y0 + h,
          line: { color: BRANCH_COLORS[k], width: 2 },
        });
      }
    });
    heatmap("plot-concat", mosaic(view, range(0, n), cols), {
      ...tileAxes,
      scale: "diverging",
      zmid: 0,
      shapes,
    });
    $("concat-caption").textContent = t("cnn.inception.concat_caption", {
      n,
      parts: res.branches
        .map((b, k) => t(`cnn.inception.part_${k + 1}`, { a: b.channels[0], b: b.channels[1] - 1 }))
        .join("; "),
    });
    const means = range(0, n).map((ch) => {
      let s = 0;
      for (let i = ch * h * w; i < (ch + 1) * h * w; i++) s += view.data[i];
      return s / (h * w);
    });
    const color = range(0, n).map((ch) => BRANCH_COLORS[res.branches.findIndex((b) => ch < b.channels[1])]);
    draw(
      "plot-channels",
      [
        {
          type: "bar",
          x: range(0, n),
          y: means,
          marker: { color },
          hovertemplate: `${t("cnn.inception.channel")} %{x}: %{y:.4~g}<extra></extra>`,
        },
      ],
      { xTitle: t("cnn.inception.channel_axis"), yTitle: t("cnn.inception.mean_axis") },
    );
  }

  /* ---- the PyTorch panel ---- */
  function torchCode() {
    const wd = res.widths;
    const [c, h, w] = res.input_shape;
    const p = (n) => (res.padding ? n : 0);
    const lines = ["import torch", "import torch.nn.functional as F", "from torch import nn", ""];
    if (res.weights === "trained") {
      lines.push(
        "from engine.models.digits import load_pretrained   # in this project's folder",
        "from engine.data.mnist import normalise",
        "",
        'net = load_pretrained("inception")',
        'digit = ...   # (28, 28) pixels 0–255: the "digit" of the response',
        "x = F.relu(net.pool(net.conv1(normalise(digit[None]))))   # (1, 10, 12, 12)",
        "block = net.inception1",
      );
      if (!res.padding)
        lines.push("for m in block.modules():", '    if hasattr(m, "padding"): m.padding = 0');
    } else {
      lines.push(
        "class Inception(nn.Module):",
        "    def __init__(self, c):",
        "        super().__init__()",
        `        self.branch1x1 = nn.Conv2d(c, ${wd.width_1x1}, kernel_size=1)`,
        `        self.branch5x5_1 = nn.Conv2d(c, ${wd.reduce_5x5}, kernel_size=1)`,
        `        self.branch5x5_2 = nn.Conv2d(${wd.reduce_5x5}, ${wd.width_5x5}, kernel_size=5, padding=${p(2)})`,
        `        self.branch3x3_1 = nn.Conv2d(c, ${wd.reduce_3x3}, kernel_size=1)`,
        `        self.branch3x3_2 = nn.Conv2d(${wd.reduce_3x3}, ${wd.width_3x3}, kernel_size=3, padding=${p(1)})`,
        `        self.branch3x3_3 = nn.Conv2d(${wd.width_3x3}, ${wd.width_3x3}, kernel_size=3, padding=${p(1)})`,
        `        self.branch_pool = nn.AvgPool2d(kernel_size=3, stride=1, padding=${p(1)})`,
        `        self.branch_pool_proj = nn.Conv2d(c, ${wd.width_pool}, kernel_size=1)`,
        "",
        "    def forward(self, x):",
        "        b1 = self.branch1x1(x)",
        "        b2 = self.branch5x5_2(self.branch5x5_1(x))",
        "        b3 = self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x)))",
        "        b4 = self.branch_pool_proj(self.branch_pool(x))",
        "        return b1, b2, b3, b4",
        "",
        `torch.manual_seed(${res.seed})   # the page's weights: random, not trained`,
        `block = Inception(${c})`,
      );
      if ($("source").value === "digit") {
        lines.push(
          `x = torch.tensor(pixels).float()[None, None]   # GET /api/digits/held-out/${digit.index} → "pixels"`,
        );
      } else {
        lines.push(
          "import numpy as np",
          "from PIL import Image",
          `img = Image.open("${imageId}.png").convert("${c === 1 ? "L" : "RGB"}")   # GET /api/images/${imageId}`,
          `x = torch.from_numpy(np.array(img)).float()${c === 1 ? "[None, None]" : ".permute(2, 0, 1)[None]"}`,
        );
        if (res.original_shape.join() !== res.input_shape.join()) {
          lines.push(
            `x = F.interpolate(x, size=(${h}, ${w}), mode="area")   # longer side ${Math.max(h, w)}`,
          );
        }
      }
    }
    lines.push(
      "with torch.no_grad():",
      `    b1, b2, b3, b4 = ${res.weights === "trained" ? "block.branches(x).as_tuple()" : "block(x)"}`,
    );
    lines.push(
      ...res.branches.map(
        (b, k) => `print(b${k + 1}.shape)   # torch.Size([1, ${b.output_shape.join(", ")}])`,
      ),
    );
    lines.push("y = torch.cat([b1, b2, b3, b4], dim=1)   # join along the channels");
    lines.push(
      res.output_shape
        ? `print(y.shape)   # torch.Size([1, ${res.output_shape.join(", ")}])`
        : `# RuntimeError: ${res.cat_error}`,
    );
    return lines.join("\n");
  }

  /* ---- the stage: one input, four branches, their maps filling the concatenated block ---- */
  const CAT = 5; // steps 1–4 (0-based) are the branches; then torch.cat, then the cost
  const FILL = 4; // a branch's maps enter the block in at most this many frames
  const SHOWN_ON_STAGE = 4; // maps per branch in the branches' panel
  let look = null; // what the stage draws, computed once per answer

  /** The colour limit of the maps: the 99th percentile of |value| over all branches, so that a few
   * extreme pixels do not wash every map out (those few show at full colour). */
  function typicalLargest(outs) {
    const all = Float32Array.from(outs.flatMap((o) => Array.from(o.data, Math.abs))).sort();
    return all[Math.floor(0.99 * (all.length - 1))] || 1;
  }

  /** The answer as the stage draws it: the branches' maps in rows (a gap above each for its label),
   * the block's mosaic, the colour limit and the block's columns for this element's shape. */
  function lookAt(outs) {
    const rows = outs.map((o) => mosaic(o, range(0, Math.min(SHOWN_ON_STAGE, o.shape[0])), SHOWN_ON_STAGE));
    const width = Math.max(...rows.map((r) => r[0].length));
    const gap = Math.max(4, Math.round(0.4 * outs[0].shape[1])); // rows of room for a branch's label
    const branchZ = [];
    const tops = [];
    for (const r of rows) {
      for (let i = 0; i < gap; i++) branchZ.push(new Array(width).fill(null));
      tops.push(branchZ.length);
      for (const line of r) branchZ.push([...line, ...new Array(width - line.length).fill(null)]);
    }
    const block = res.output ? tensor(res.output) : null;
    const lim = typicalLargest(outs);
    return {
      outs,
      branchZ,
      tops,
      gap,
      block,
      lim,
      n: res.branches.reduce((a, b) => a + b.output_shape[0], 0),
    };
  }

  const MARGIN = { l: 6, r: 6, t: 22, b: 6 };
  /** Where the three panels go (paper coordinates): the input over the branches, the block beside
   * them; on a narrow stage the input beside the branches and the block below. Each panel keeps its
   * cells square inside its box. */
  function boxes() {
    const el = $("plot-stage");
    const wide = el.clientWidth > 1.2 * el.clientHeight;
    return wide
      ? {
          input: [
            [0, 0.22],
            [0.7, 0.95],
          ],
          branches: [
            [0, 0.4],
            [0, 0.64],
          ],
          block: [
            [0.44, 1],
            [0, 0.95],
          ],
        }
      : {
          input: [
            [0, 0.3],
            [0.72, 0.95],
          ],
          branches: [
            [0.34, 1],
            [0.52, 0.95],
          ],
          block: [
            [0, 1],
            [0, 0.45],
          ],
        };
  }

  /** The block's columns that best fill its box (maps of h×w, a gap of one cell between two). */
  function blockCols(box) {
    const el = $("plot-stage");
    const [h, w] = res.branches[0].output_shape.slice(1);
    const aspect =
      ((box[0][1] - box[0][0]) * (el.clientWidth - MARGIN.l - MARGIN.r)) /
      ((box[1][1] - box[1][0]) * (el.clientHeight - MARGIN.t - MARGIN.b));
    let best = 1;
    let bestGap = Infinity;
    for (let cols = 1; cols <= look.n; cols++) {
      const gap = Math.abs(Math.log((cols * (w + 1)) / (Math.ceil(look.n / cols) * (h + 1)) / aspect));
      if (gap < bestGap) [best, bestGap] = [cols, gap];
    }
    return best;
  }

  /** Step `step` at `frame`: which channels of the block are in, which branch is adding its own. */
  function moment(step, frame) {
    const starts = res.branches.map((_, k) =>
      res.branches.slice(0, k).reduce((a, o) => a + o.output_shape[0], 0),
    );
    if (step === 0) return { filled: 0, branch: null, starts };
    if (step > 4) return { filled: look.n, branch: null, starts };
    const k = step - 1;
    const c = res.branches[k].output_shape[0];
    const frames = Math.min(FILL, c);
    return { filled: starts[k] + Math.ceil(((frame + 1) * c) / frames), branch: k, starts };
  }

  const branchOf = (ch, starts) => starts.findLastIndex((a) => ch >= a);

  /** The block's input: an RGB picture, one gray channel, or the trained model's maps tiled. */
  function inputTrace() {
    const view = tensor(res.input);
    const [c, h, w] = view.shape;
    if (c === 3) {
      const z = Array.from({ length: h }, (_, r) =>
        Array.from({ length: w }, (_, q) => [0, 1, 2].map((k) => view.data[k * h * w + r * w + q])),
      );
      return { type: "image", z, hovertemplate: `%{z}<extra></extra>` };
    }
    const z = c === 1 ? N.matrix(view, 0) : mosaic(view, range(0, c), 5);
    const scale = c === 1 ? { zmin: 0, zmax: 255, colorscale: N.SCALES.gray } : { colorscale: N.SCALES.heat };
    return { type: "heatmap", z, ...scale, showscale: false, hovertemplate: `%{z:.4~g}<extra></extra>` };
  }

  /** A panel's axes: square cells, no ticks, inside its box. */
  function panelAxes(k, box) {
    const n = k ? String(k + 1) : "";
    return {
      [`xaxis${n}`]: { domain: box[0], anchor: `y${n}`, visible: false, constrain: "domain" },
      [`yaxis${n}`]: {
        domain: box[1],
        anchor: `x${n}`,
        visible: false,
        autorange: "reversed",
        scaleanchor: `x${n}`,
        constrain: "domain",
      },
    };
  }

  function stageAt(step, frame) {
    const m = moment(step, frame);
    const box = boxes();
    const diverging = {
      type: "heatmap",
      colorscale: N.SCALES.diverging,
      zmin: -look.lim,
      zmax: look.lim,
      showscale: false,
      hoverongaps: false,
      hovertemplate: `%{z:.4~g}<extra></extra>`,
    };
    const dim = { input: step > 0 && step < 6, branches: step === 0 || step === CAT, block: step === 0 };
    const cols = blockCols(box.block);
    const block = blockPanel(m, cols);
    const traces = [
      { ...inputTrace(), opacity: dim.input ? 0.35 : 1 },
      { ...diverging, z: look.branchZ, xaxis: "x2", yaxis: "y2", opacity: dim.branches ? 0.35 : 1 },
      { ...diverging, z: block.z, xaxis: "x3", yaxis: "y3", opacity: dim.block ? 0.35 : 1 },
    ];
    const shapes = [
      ...branchShapes(m).map((sh) => ({ ...sh, xref: "x2", yref: "y2" })),
      ...block.shapes.map((sh) => ({ ...sh, xref: "x3", yref: "y3" })),
    ];
    draw("plot-stage", traces, {
      margin: MARGIN,
      shapes,
      annotations: [
        plotTitle("x", `${t("cnn.inception.block_input")} ${shape(res.input_shape)}`, {
          color: dim.input ? COLORS.muted : COLORS.ink,
        }),
        plotTitle("x2", t("cnn.inception.stage_branches", { n: SHOWN_ON_STAGE }), {
          color: dim.branches ? COLORS.muted : COLORS.ink,
        }),
        plotTitle("x3", block.title, { color: dim.block ? COLORS.muted : COLORS.ink }),
        ...branchLabels(m),
      ],
      layout: {
        ...panelAxes(0, box.input),
        ...panelAxes(1, box.branches),
        ...panelAxes(2, box.block),
        hovermode: "closest",
      },
    });
    return stepNumbers(step, m);
  }

  /** Each branch's row framed in its colour (thick for the branch the step adds). */
  function branchShapes(m) {
    return res.branches.map((b, k) => {
      const w = b.output_shape[2];
      const n = Math.min(SHOWN_ON_STAGE, b.output_shape[0]);
      return {
        type: "rect",
        x0: -0.5,
        x1: n * (w + 1) - 1.5,
        y0: look.tops[k] - 0.5,
        y1: look.tops[k] + b.output_shape[1] - 0.5,
        line: { color: BRANCH_COLORS[k], width: m.branch === k ? 4 : 1.5 },
      };
    });
  }

  /** The path of branch k: its layers' windows and the maps it returns ("1×1 → 5×5 → 24"). */
  function path(k) {
    const b = res.branches[k];
    const windows = b.layers.map((ly) =>
      t(`cnn.inception.${ly.multiplications ? "conv_k" : "pool_k"}`, { k: ly.kernel }),
    );
    return [...windows, b.output_shape[0]].join(" → ");
  }

  function branchLabels(m) {
    return res.branches.map((_, k) => ({
      text: `${k + 1}: ${path(k)}`,
      xref: "x2",
      yref: "y2",
      x: -0.5,
      y: look.tops[k] - 0.5,
      xanchor: "left",
      yanchor: "bottom",
      showarrow: false,
      font: { size: 11, color: m.branch === null || m.branch === k ? BRANCH_COLORS[k] : COLORS.muted },
    }));
  }

  /** The block: the channels in so far, each framed in its branch's colour; the rest outlined, empty. */
  function blockPanel(m, cols) {
    const [h, w] = res.branches[0].output_shape.slice(1);
    const rows = Math.ceil(look.n / cols);
    const z = Array.from({ length: rows * (h + 1) - 1 }, () => new Array(cols * (w + 1) - 1).fill(null));
    if (look.block) {
      for (let ch = 0; ch < m.filled; ch++) {
        const top = Math.floor(ch / cols) * (h + 1);
        const left = (ch % cols) * (w + 1);
        for (let r = 0; r < h; r++)
          for (let q = 0; q < w; q++) z[top + r][left + q] = look.block.data[(ch * h + r) * w + q];
      }
    }
    const shapes = range(0, look.n).map((ch) => {
      const k = branchOf(ch, m.starts);
      const x0 = (ch % cols) * (w + 1) - 0.5;
      const y0 = Math.floor(ch / cols) * (h + 1) - 0.5;
      const on = ch < m.filled;
      const color = !look.block ? COLORS.red : on ? BRANCH_COLORS[k] : COLORS.line;
      return {
        type: "rect",
        x0,
        x1: x0 + w,
        y0,
        y1: y0 + h,
        line: { color, width: on && k === m.branch ? 2.5 : 1, dash: look.block ? "solid" : "dot" },
      };
    });
    const title = look.block
      ? t("cnn.inception.stage_block", { shape: shape(res.output_shape), n: m.filled })
      : t("cnn.inception.stage_no_block");
    return { z, shapes, title };
  }

  /** The numbers of step `step`'s text, all from the answer. */
  function stepNumbers(step, m) {
    const [c, h, w] = res.input_shape;
    const base = { n: look.n, c, h, w, input: shape(res.input_shape) };
    if (step === 0) {
      const from = res.weights === "trained" ? "stage_from_trained" : "stage_from_picture";
      return { ...base, from: t(`cnn.inception.${from}`) };
    }
    if (m.branch !== null) {
      const k = m.branch;
      const b = res.branches[k];
      const o = look.outs[k];
      const mults = b.layers.reduce((a, ly) => a + ly.multiplications, 0);
      return {
        ...base,
        path: path(k),
        ck: b.output_shape[0],
        shape: shape(b.output_shape),
        a: m.starts[k],
        b: m.filled - 1,
        mults: num(mults),
        pad: Math.max(...b.layers.map((ly) => ly.padding)),
        lo: fmt(Math.min(...o.data), 3),
        hi: fmt(Math.max(...o.data), 3),
      };
    }
    if (step === CAT) {
      const sizes = res.branches.map((b) => b.output_shape[0]).join(" + ");
      if (!look.block) {
        const shapes = res.branches.map((b) => shape(b.output_shape)).join(", ");
        return { ...base, sizes, shape: "–", check: t("cnn.inception.stage_check_fails", { shapes }) };
      }
      const k = 1; // branch 2's first map: channel 16 of the course's block
      const ch = m.starts[k];
      const v = look.block.data[ch * h * w];
      return {
        ...base,
        sizes,
        shape: shape(res.output_shape),
        check: t("cnn.inception.stage_check", { ch, v: fmt(v, 4), w: fmt(look.outs[k].data[0], 4) }),
      };
    }
    const per = res.branches.map((b) => num(b.layers.reduce((a, ly) => a + ly.multiplications, 0)));
    return {
      ...base,
      m1: per[0],
      m2: per[1],
      m3: per[2],
      m4: per[3],
      mults: num(res.multiplications),
      params: num(res.parameters),
    };
  }

  const guide = N.steps({
    show: (step, frame) => (res && look ? stageAt(step, frame) : null),
    frames: (step) =>
      look && step >= 1 && step <= 4 ? Math.min(FILL, res.branches[step - 1].output_shape[0]) : 1,
    interval: (step) => (step >= 1 && step <= 4 ? 700 : 3000),
  });

  /* ---- controls ---- */
  async function pickDigit() {
    const index = Math.max(0, Math.min(1999, Number($("digit-index").value) || 0));
    let d;
    try {
      d = await api("GET", `/api/digits/held-out/${index}`, undefined, { key: "digit" });
    } catch {
      return; // superseded by a later choice, or the status line says why
    }
    digit = { index, label: d.label, pixels: d.pixels.data };
    load();
  }

  function sync() {
    const isDigit = $("source").value === "digit";
    const trained = $("weights").value === "trained";
    $("picture-box").hidden = isDigit;
    $("digit-box").hidden = !isDigit;
    $("digit-next").hidden = !isDigit;
    $("color").disabled = isDigit || trained;
    $("max-side").disabled = trained;
    $("seed-box").hidden = trained;
    for (const i of widthInputs) i.disabled = trained;
    if (trained) for (const i of widthInputs) i.value = COURSE[i.dataset.width];
  }

  $("source").addEventListener("change", () => {
    sync();
    if ($("source").value === "digit" && !digit) pickDigit();
    else load();
  });
  $("weights").addEventListener("change", () => {
    const toDigit =
      $("weights").value === "trained" && $("source").value === "picture" && imageId !== "digit";
    if (toDigit) $("source").value = "digit"; // the trained model reads digits: give it one
    sync();
    if (toDigit && !digit) pickDigit();
    else load();
  });
  $("digit-index").addEventListener("change", pickDigit);
  $("digit-next").addEventListener("click", () => {
    $("digit-index").value = Math.floor(Math.random() * 2000);
    pickDigit();
  });
  for (const id of ["color", "max-side", "padding"]) $(id).addEventListener("change", load);
  $("seed").addEventListener("input", reload);
  for (const i of widthInputs) i.addEventListener("input", reload);
  $("reset-widths").addEventListener("click", () => {
    for (const i of widthInputs) i.value = COURSE[i.dataset.width];
    load();
  });
  sync();
  if ($("source").value === "digit") pickDigit(); // a link's digit: the picture is not needed
  N.imagePicker((id) => {
    imageId = id;
    load();
  });
})();
