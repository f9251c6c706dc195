/* §2.1 The Inception block: a diagram with this input's shapes, each branch's maps, and their
 * concatenation along the channels (or torch.cat's error without padding). Every number comes
 * from POST /api/cnn/inception; the PyTorch panel rebuilds the same block from the same seed. */
(() => {
  "use strict";
  const { t, api, tensor, mosaic, heatmap, draw, code, debounce, num, COLORS } = N;
  const $ = (id) => document.getElementById(id);
  const BRANCH_COLORS = [COLORS.blue, COLORS.green, COLORS.warn, "#9333ea"];
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

  function el(tag, cls, ...children) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    node.append(...children);
    return node;
  }
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
      res = await api("POST", "/api/cnn/inception", b);
    } catch {
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
    const outs = res.branches.map((b) => tensor(b.output));
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
      const col = el("div", `inc-col b${k + 1}`, el("div", "inc-head", t(`cnn.inception.branch_${k + 1}`)));
      for (const ly of b.layers) {
        const mults = ly.multiplications
          ? t("cnn.inception.mults", { n: num(ly.multiplications) })
          : t("cnn.inception.adds_only");
        const pad = t("cnn.inception.pad", { p: ly.padding });
        col.append(
          el(
            "div",
            "inc-box",
            el("strong", "", `${ly.name} → ${ly.out_channels}`),
            el("span", "mono", shape(ly.output_shape)),
            el("small", "", `${pad} · ${mults}`),
          ),
        );
      }
      const [, bh, bw] = b.output_shape;
      col.append(el("div", `inc-shape${bh !== h || bw !== w ? " bad" : ""}`, shape(b.output_shape)));
      return col;
    });
    const sum = res.branches.map((b) => b.output_shape[0]).join(" + ");
    const cat = res.output_shape
      ? el(
          "div",
          "inc-cat",
          `torch.cat(dim=1) → ${shape(res.output_shape)}: ${sum} = ${res.output_shape[0]} ` +
            t("cnn.inception.channels_word"),
        )
      : el("div", "inc-cat bad", t("cnn.inception.cat_fails"));
    box.replaceChildren(
      el("div", "inc-in", `${t("cnn.inception.block_input")} ${shape([c, h, w])}`),
      el("div", "inc-cols", ...cols),
      cat,
      el(
        "p",
        "hint",
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

  /* ---- controls ---- */
  async function pickDigit() {
    const index = Math.max(0, Math.min(1999, Number($("digit-index").value) || 0));
    const d = await api("GET", `/api/digits/held-out/${index}`);
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
  N.imagePicker((id) => {
    imageId = id;
    load();
  });
})();
