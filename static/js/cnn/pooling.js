/* §1.3 Pooling, padding and stride: a patch pooled window by window, the image's maps before and after
 * pooling (channels unchanged), and an output-size explorer for convolution and pooling. */
(() => {
  "use strict";
  const { t, api, tensor, matrix, heatmap, draw, code, debounce, fmt, COLORS } = N;
  const $ = (id) => document.getElementById(id);
  const num = (id) => Number($(id).value);
  const WINDOW = "#f59e0b";
  const BLUES = [
    [0, "#ffffff"],
    [1, COLORS.accent],
  ];
  let imageId = null;
  let maps = null; // { names, input, output, res }
  let patch = null; // { n, r0, c0, c, z, res, out }
  let cell = [0, 0];
  let latest = 0;
  let hooked = false;
  let lastExplore = null; // the explorer's last answer
  let centrePatch = true; // put the patch in the middle of a newly chosen image

  /* ---- settings ---- */
  function settings() {
    const m = $("maps").value;
    const kernels = m === "rgb" || m === "gray" ? [] : m.split(",");
    return {
      color: m === "gray" ? "gray" : "rgb",
      kernels,
      kind: $("kind").value,
      kernel_size: num("window"),
      stride: num("stride"),
      padding: num("padding"),
    };
  }

  // the maps' names in the page's language ("edge" → 边缘图)
  const mapNames = (s) =>
    (s.kernels.length ? s.kernels : s.color === "gray" ? ["gray"] : ["R", "G", "B"]).map((name) =>
      t(`cnn.pooling.map.${name}`),
    );

  function mapStyle(s, c) {
    if (s.kernels.length && s.kernels[c] !== "blur") {
      // signed: one symmetric range, before and after
      const [h, w] = maps.input.shape.slice(1);
      const sorted = Float32Array.from(maps.input.data.subarray(c * h * w, (c + 1) * h * w), Math.abs).sort();
      const top = sorted[Math.floor(0.995 * (sorted.length - 1))] || 1;
      return { scale: "diverging", zmin: -top, zmax: top, unit: t("cnn.pooling.response") };
    }
    const scale = s.color === "gray" || s.kernels.length ? "gray" : ["red", "green", "blue"][c];
    return { scale, zmin: 0, zmax: 255, unit: "0–255" };
  }

  /* ---- the whole maps ---- */
  async function loadMaps() {
    if (!imageId) return;
    const s = settings();
    const ticket = ++latest;
    const res = await api("POST", "/api/cnn/pool", { image_id: imageId, ...s });
    if (ticket !== latest) return;
    maps = { s, names: mapNames(s), input: tensor(res.input), output: tensor(res.output), res };
    const [c, h, w] = res.input_shape;
    const [, h2, w2] = res.output_shape;
    $("shapes").textContent = t("cnn.pooling.shapes", { c, h, w, h2, w2 });
    fillMapSelect();
    if (centrePatch) aimPatch(Math.floor(h / 2), Math.floor(w / 2));
    centrePatch = false;
    drawMaps();
    await loadPatch();
  }

  function aimPatch(row, col) {
    // centre the patch on (row, col)
    const half = Math.floor(num("patch-size") / 2);
    $("patch-row").value = Math.max(0, row - half);
    $("patch-col").value = Math.max(0, col - half);
  }

  function fillMapSelect() {
    const sel = $("patch-map");
    const keep = Math.min(Number(sel.value) || 0, maps.names.length - 1);
    sel.replaceChildren(...maps.names.map((name, c) => new Option(name, c)));
    sel.value = keep;
  }

  function patchRect(c) {
    // the patch's outline on map c (none on the other maps)
    const { r0, c0, n } = patchBox();
    return c !== num("patch-map")
      ? []
      : [
          {
            type: "rect",
            x0: c0 - 0.5,
            x1: c0 + n - 0.5,
            y0: r0 - 0.5,
            y1: r0 + n - 0.5,
            line: { color: WINDOW, width: 2 },
          },
        ];
  }

  function drawMaps() {
    const box = $("maps-plots");
    const kindName = t(`cnn.pooling.kind.${maps.s.kind}`);
    const [h, w] = maps.input.shape.slice(1);
    const [h2, w2] = maps.output.shape.slice(1);
    if (box.children.length !== 2 * maps.names.length) {
      box.innerHTML = maps.names
        .map((_, c) =>
          ["in", "out"]
            .map(
              (
                side, // ids only, no user data
              ) => `<figure><div id="map-${side}-${c}" class="plot"></div><figcaption></figcaption></figure>`,
            )
            .join(""),
        )
        .join("");
    }
    maps.names.forEach((name, c) => {
      const style = mapStyle(maps.s, c);
      heatmap(`map-in-${c}`, matrix(maps.input, c), { ...style, shapes: patchRect(c) });
      heatmap(`map-out-${c}`, matrix(maps.output, c), style);
      $(`map-in-${c}`).nextElementSibling.textContent = t("cnn.pooling.map_in", { map: name, h, w });
      $(`map-out-${c}`).nextElementSibling.textContent = t("cnn.pooling.map_out", {
        map: name,
        kind: kindName,
        h: h2,
        w: w2,
      });
      const el = $(`map-in-${c}`);
      el.removeAllListeners?.("plotly_click");
      el.on("plotly_click", (ev) => {
        $("patch-map").value = c;
        aimPatch(ev.points[0].y, ev.points[0].x);
        movePatch();
      });
    });
  }

  /* ---- one patch, window by window ---- */
  function patchBox() {
    const [h, w] = maps.input.shape.slice(1);
    const n = Math.min(num("patch-size"), h, w);
    const r0 = Math.max(0, Math.min(num("patch-row") || 0, h - n));
    const c0 = Math.max(0, Math.min(num("patch-col") || 0, w - n));
    return { n, r0, c0, c: num("patch-map") };
  }

  async function loadPatch() {
    const box = patchBox();
    const { n, r0, c0 } = box;
    const rows = matrix(maps.input, box.c)
      .slice(r0, r0 + n)
      .map((r) => r.slice(c0, c0 + n));
    const { kind, kernel_size, stride, padding } = maps.s;
    const ticket = latest;
    const res = await api("POST", "/api/cnn/pool", {
      input: { shape: [1, n, n], data: [rows] },
      kind,
      kernel_size,
      stride,
      padding,
      encoding: "list",
    });
    if (ticket !== latest) return;
    patch = { ...box, z: rows, res, out: res.output.data[0] };
    cell = [Math.min(cell[0], patch.out.length - 1), Math.min(cell[1], patch.out[0].length - 1)];
    drawPatch();
    code(torchCode());
  }

  function movePatch() {
    if (!maps) return;
    maps.names.forEach((_, c) => {
      Plotly.relayout(`map-in-${c}`, { shapes: patchRect(c) });
    });
    loadPatch().catch(() => {});
  }

  function drawPatch() {
    const { n, res, r0, c0 } = patch;
    const p = res.padding;
    const idx = [...Array(n + 2 * p).keys()].map((i) => i - p);
    const inside = (i) => i >= 0 && i < n;
    const z = idx.map((i) => idx.map((j) => (inside(i) && inside(j) ? patch.z[i][j] : null)));
    const padText = res.kind === "max" ? "−∞" : "0";
    // small cells (a narrow screen, signed edge responses) get whole numbers in a smaller font,
    // so that neighbouring numbers stay apart
    const box = $("plot-patch");
    const cellPx = Math.min(box.clientWidth - 72, (box.clientHeight || 320) - 84) / (n + 2 * p);
    const narrow = cellPx < 46;
    const text = idx.map((i) =>
      idx.map((j) => (inside(i) && inside(j) ? fmt(patch.z[i][j], narrow ? 0 : 1) : padText)),
    );
    const style = mapStyle(maps.s, patch.c);
    draw(
      "plot-patch",
      [
        {
          type: "heatmap",
          x: idx,
          y: idx,
          z,
          text,
          texttemplate: "%{text}",
          textfont: { size: cellPx < 30 ? 8 : cellPx < 38 ? 10 : 12 },
          colorscale: N.SCALES[style.scale],
          zmin: style.zmin,
          zmax: style.zmax,
          showscale: false,
          hovertemplate: `${t("common.row")} %{y}, ${t("common.col")} %{x}: %{text}<extra></extra>`,
        },
      ],
      {
        title: t("cnn.pooling.patch_title", { n, p }),
        xTitle: t("common.col"),
        yTitle: t("common.row"),
        xaxis: { constrain: "domain", showgrid: false, dtick: 1 },
        yaxis: { autorange: "reversed", scaleanchor: "x", constrain: "domain", showgrid: false, dtick: 1 },
      },
    );
    const [h, w] = [patch.out.length, patch.out[0].length];
    const text2 = patch.out.map((r) => r.map((v) => fmt(v, narrow ? 0 : 1)));
    heatmap("plot-pooled", patch.out, {
      ...style,
      showscale: false,
      text: text2,
      title: t("cnn.pooling.pooled_title", { h, w }),
      xaxis: { dtick: 1 },
      yaxis: { dtick: 1 },
    });
    $("patch-caption").textContent = t(`cnn.pooling.patch_caption${res.kind === "max" ? "" : "_avg"}`, {
      map: maps.names[patch.c],
      r0,
      r1: r0 + n - 1,
      c0,
      c1: c0 + n - 1,
    });
    if (!hooked) {
      const pick = (e) => {
        cell = [e.points[0].y, e.points[0].x];
        showCell();
      };
      for (const ev of ["plotly_hover", "plotly_click"]) $("plot-pooled").on(ev, pick);
      hooked = true;
    }
    showCell();
  }

  function step(delta) {
    if (!patch) return;
    const [h, w] = [patch.out.length, patch.out[0].length];
    const k = (cell[0] * w + cell[1] + delta + h * w) % (h * w);
    cell = [Math.floor(k / w), k % w];
    showCell();
  }

  function showCell() {
    const { res, n } = patch;
    const [i, j] = cell;
    const [h, w] = [patch.out.length, patch.out[0].length];
    const k = res.kernel_size;
    const top = res.trace.rows[i];
    const left = res.trace.cols[j];
    const rect = (x, y, size, line, fill) => ({
      type: "rect",
      x0: x - 0.5,
      x1: x + size - 0.5,
      y0: y - 0.5,
      y1: y + size - 0.5,
      line,
      fillcolor: fill,
    });
    const shapes = [rect(left, top, k, { color: WINDOW, width: 3 })];
    const minus = (v) => String(v).replace("-", "−");
    const vars = {
      i,
      j,
      r0: minus(top),
      r1: top + k - 1,
      c0: minus(left),
      c1: left + k - 1,
      v: fmt(patch.out[i][j], 2),
      n: k * k,
    };
    if (res.kind === "max") {
      const at = res.trace.argmax.data[0][i][j];
      vars.r = Math.floor(at / n);
      vars.c = at % n;
      shapes.push(rect(vars.c, vars.r, 1, { color: WINDOW, width: 1 }, "rgba(245, 158, 11, 0.45)"));
    }
    Plotly.relayout("plot-patch", { shapes });
    Plotly.relayout("plot-pooled", { shapes: [rect(j, i, 1, { color: WINDOW, width: 3 })] });
    $("cell-out").textContent = t("cnn.pooling.cell", { i, j, h, w });
    $("cell-readout").textContent = t(`cnn.pooling.readout_${res.kind}`, vars);
  }

  /* ---- padding and stride explorer ---- */
  async function explore() {
    const q = {
      op: $("ex-op").value,
      size: num("ex-size"),
      kernel: num("ex-kernel"),
      padding: num("ex-padding"),
      stride: num("ex-stride"),
      dilation: num("ex-dilation"),
    };
    let res;
    try {
      res = await api("GET", `/api/cnn/output-size?${new URLSearchParams(q)}`);
    } catch (e) {
      // the message names the field and its range; repeat it beside the controls
      for (const id of ["ex-output", "ex-seed", "ex-windows"]) $(id).textContent = "";
      $("ex-formula").textContent = e.message;
      return;
    }
    const x = res.output_size;
    $("ex-output").textContent = t("cnn.pooling.output_size", { x });
    $("ex-formula").textContent = `X = ${res.formula}`;
    const seedKey = res.seed_rule_holds
      ? "seed_holds"
      : res.seed_rule_agrees
        ? "seed_coincidence"
        : "seed_differs";
    $("ex-seed").textContent = t(`cnn.pooling.${seedKey}`, { seed: res.seed_rule, x });
    $("ex-seed").classList.toggle("differs", !res.seed_rule_agrees);
    const { stride: s, effective_kernel: a } = res;
    const notes = [];
    const overlap = s < a ? "overlap" : s === a ? "tiles" : "gaps";
    if (x > 1) notes.push(t(`cnn.pooling.${overlap}`, { s, a }));
    if (res.unused > 0) notes.push(t("cnn.pooling.unused", { n: res.unused }));
    $("ex-windows").textContent = notes.join(" ");
    drawGrid(res);
    code(torchCode(res));
    lastExplore = res;
  }

  function drawGrid(res) {
    const P = res.padded_size;
    const el = $("plot-grid");
    if (P > 40) {
      Plotly.purge(el);
      el.textContent = t("cnn.pooling.grid_too_big");
      return;
    }
    if (!el.data) el.textContent = "";
    const p = res.padding;
    const idx = [...Array(P).keys()].map((i) => i - p);
    const ticks = { tickmode: "linear", tick0: -p, dtick: P <= 16 ? 1 : P <= 30 ? 2 : 5 };
    const z = res.coverage.map((ri) => res.coverage.map((cj) => ri * cj));
    const span = res.effective_kernel;
    const win = (start, dash, color) => ({
      type: "rect",
      x0: start - p - 0.5,
      x1: start - p + span - 0.5,
      y0: res.starts[0] - p - 0.5,
      y1: res.starts[0] - p + span - 0.5,
      line: { color, width: 3, dash },
    });
    const shapes = [
      {
        type: "rect",
        x0: -0.5,
        x1: res.size - 0.5,
        y0: -0.5,
        y1: res.size - 0.5,
        line: { color: COLORS.ink, width: 2 },
      },
      win(res.starts[0], "solid", WINDOW),
    ];
    if (res.starts.length > 1) shapes.push(win(res.starts[1], "dash", COLORS.red));
    const last = res.starts[res.starts.length - 1] - p;
    if (res.starts.length > 2) {
      shapes.push({ ...win(last + p, "dot", COLORS.green), y0: last - 0.5, y1: last + span - 0.5 });
    }
    draw(
      el,
      [
        {
          type: "heatmap",
          x: idx,
          y: idx,
          z,
          colorscale: BLUES,
          zmin: 0,
          showscale: false,
          text: z.map((r) => r.map(String)),
          texttemplate: P <= 24 ? "%{text}" : undefined,
          xgap: 1,
          ygap: 1,
          hovertemplate:
            `${t("common.row")} %{y}, ${t("common.col")} %{x}: ${t("cnn.pooling.reads", { z: "%{z}" })}` +
            "<extra></extra>",
        },
      ],
      {
        title: t("cnn.pooling.grid_title"),
        xTitle: t("cnn.pooling.grid_col"),
        yTitle: t("cnn.pooling.grid_row"),
        // rows and columns carry the same ticks, padding included (−1, −2, … left of and above the input)
        shapes,
        xaxis: { constrain: "domain", showgrid: false, ...ticks },
        yaxis: { autorange: "reversed", scaleanchor: "x", constrain: "domain", showgrid: false, ...ticks },
      },
    );
  }

  /* ---- the PyTorch panel ---- */
  function torchCode(ex = lastExplore) {
    const lines = ["import numpy as np, torch, torch.nn as nn", "from PIL import Image", ""];
    if (maps && imageId) {
      const s = maps.s;
      const [c, h, w] = maps.res.input_shape;
      const [, h2, w2] = maps.res.output_shape;
      const cIn = s.color === "gray" ? 1 : 3;
      lines.push(
        `img = Image.open("${imageId}.png").convert("RGB")   # GET /api/images/${imageId}`,
        "x = torch.from_numpy(np.asarray(img)).permute(2, 0, 1).float()[None]   # (1, 3, H, W), 0–255",
      );
      if (s.color === "gray") {
        lines.push("x = (torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1) * x).sum(1, keepdim=True)");
      }
      lines.push(`print(x.shape)   # torch.Size([1, ${cIn}, ${h}, ${w}])`);
      if (s.kernels.length) {
        const k = maps.res.weight.data.map((kb) =>
          kb[0].map((r) => r.map((v) => Number((v * cIn).toFixed(4)))),
        );
        lines.push(
          `k = torch.tensor(${JSON.stringify(k)})   # ${s.kernels.join(", ")}`,
          `conv = nn.Conv2d(${cIn}, ${c}, 3, padding=1, bias=False)`,
          `conv.weight.data = k[:, None].expand(-1, ${cIn}, -1, -1) / ${cIn}   # (${c}, ${cIn}, 3, 3)`,
          `x = conv(x)   # (1, ${c}, ${h}, ${w}): ${c} feature map(s)`,
        );
      }
      const layer = s.kind === "max" ? "MaxPool2d" : "AvgPool2d";
      lines.push(
        `pool = nn.${layer}(${s.kernel_size}, stride=${s.stride}, padding=${s.padding})`,
        `print(pool(x).shape)   # torch.Size([1, ${c}, ${h2}, ${w2}]): C = ${c} in, ${c} out`,
        "",
      );
    }
    if (ex) {
      const { size: A, kernel: a, padding: p, stride: s, dilation: d } = ex;
      const layer =
        ex.op === "conv"
          ? `nn.Conv2d(1, 1, ${a}, stride=${s}, padding=${p}, dilation=${d})`
          : `nn.MaxPool2d(${a}, stride=${s}, padding=${p}, dilation=${d})`;
      const x = ex.output_size;
      lines.push(
        "# the explorer",
        `layer = ${layer}`,
        `print(layer(torch.zeros(1, 1, ${A}, ${A})).shape)   # torch.Size([1, 1, ${x}, ${x}])`,
      );
    }
    return lines.join("\n");
  }

  /* ---- wiring ---- */
  const reload = debounce(() => loadMaps().catch(() => {}), 150);
  $("window").addEventListener("change", () => {
    const a = num("window");
    $("stride").value = a;
    $("padding").max = Math.floor(a / 2);
    $("padding").value = Math.min(num("padding"), Math.floor(a / 2));
    for (const id of ["stride", "padding"]) $(`${id}-out`).value = $(id).value;
    reload();
  });
  for (const id of ["stride", "padding"]) {
    $(id).addEventListener("input", () => {
      $(`${id}-out`).value = $(id).value;
      reload();
    });
  }
  for (const id of ["maps", "kind"]) $(id).addEventListener("change", reload);
  for (const id of ["patch-map", "patch-row", "patch-col", "patch-size"])
    $(id).addEventListener("change", movePatch);
  $("cell-prev").addEventListener("click", () => step(-1));
  $("cell-next").addEventListener("click", () => step(1));

  const reexplore = debounce(() => explore(), 120);
  const syncPoolPadding = () => {
    const pool = $("ex-op").value === "pool";
    $("ex-padding").max = pool ? Math.floor(num("ex-kernel") / 2) : 10;
    $("ex-padding-out").value = $("ex-padding").value;
  };
  for (const id of ["ex-kernel", "ex-padding", "ex-stride", "ex-dilation"]) {
    $(id).addEventListener("input", () => {
      $(`${id}-out`).value = $(id).value;
      syncPoolPadding();
      reexplore();
    });
  }
  for (const id of ["ex-op", "ex-size"])
    $(id).addEventListener("change", () => {
      syncPoolPadding();
      reexplore();
    });

  explore();
  N.imagePicker((id) => {
    imageId = id;
    centrePatch = true;
    loadMaps().catch(() => {});
  });
})();
