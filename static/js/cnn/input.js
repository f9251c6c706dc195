/* §1.1 The input layer: the stage zooms into a patch of the picture and takes it apart into its R, G and B
 * matrices and the grayscale one; below, the whole picture channel by channel. Every number comes from
 * /api/cnn/channels. */
(() => {
  "use strict";
  const { t, api, tensor, matrix, heatmap, panels, cellBox, code, fmt, short, $, COLORS } = N;
  const P = "cnn.input.";
  const NARROW = window.matchMedia("(max-width: 600px)"); // the stylesheet's phone layout
  const CHANNELS = [
    ["r", "red", "R"],
    ["g", "green", "G"],
    ["b", "blue", "B"],
  ];
  let state = null; // { id, rgb, gray, h, w, luma, picture }
  let pixel = null; // the outlined pixel: [row, col] inside the patch
  let lastFrame = null; // the guided walk's frame last shown (it moves the pixel when it changes)
  // a new picture opens zoomed into its middle, unless a link placed the patch (urlstate.js restored it)
  let linkedPatch = ["zoom-row", "zoom-col"].some((id) => $(id).value !== $(id).defaultValue);

  async function load(id) {
    let res;
    try {
      res = await api("POST", "/api/cnn/channels", { image_id: id }, { key: "channels" });
    } catch {
      return; // a newer request is under way, or the status line says why
    }
    const rgb = tensor(res.channels);
    const [r, g, b] = [0, 1, 2].map((c) => matrix(rgb, c));
    state = {
      id,
      rgb,
      gray: tensor(res.gray),
      h: res.height,
      w: res.width,
      luma: res.luma_weights,
      picture: r.map((row, i) => row.map((v, j) => [v, g[i][j], b[i][j]])), // rows of [r, g, b]
    };
    $("image-size").textContent = t(`${P}size`, { h: res.height, w: res.width });
    $("zoom-row").max = res.height - 1;
    $("zoom-col").max = res.width - 1;
    if (!linkedPatch) {
      const half = Math.floor(Number($("zoom-size").value) / 2);
      $("zoom-row").value = Math.max(0, Math.floor(res.height / 2) - half);
      $("zoom-col").value = Math.max(0, Math.floor(res.width / 2) - half);
    }
    linkedPatch = false;
    drawZoom(); // the stage first: it is the first screen; the whole channels below, a moment later
    setTimeout(drawChannels);
  }

  function zoomBox() {
    const size = Math.min(Number($("zoom-size").value), state.h, state.w);
    const row = Math.max(0, Math.min(Number($("zoom-row").value) || 0, state.h - size));
    const col = Math.max(0, Math.min(Number($("zoom-col").value) || 0, state.w - size));
    return { row, col, size };
  }

  const boxShape = () => {
    const { row, col, size } = zoomBox();
    return cellBox(row, col, row + size - 1, col + size - 1, { line: { color: COLORS.window, width: 2 } });
  };

  /** What each channel's caption says about this image: its mean, and in how many pixels it is the
   * strongest of the three (or that R = G = B everywhere, a gray image). */
  function describeChannels() {
    const [r, g, b] = [0, 1, 2].map((c) =>
      state.rgb.data.subarray(c * state.h * state.w, (c + 1) * state.h * state.w),
    );
    const n = r.length;
    const gray = r.every((v, i) => v === g[i] && v === b[i]);
    const channels = [r, g, b];
    CHANNELS.forEach(([key], c) => {
      const mine = channels[c];
      const others = channels.filter((_, k) => k !== c);
      const strongest = mine.reduce((k, v, i) => k + (others.every((o) => v > o[i]) ? 1 : 0), 0);
      const mean = mine.reduce((a, v) => a + v, 0) / n;
      const fact = gray
        ? t(`${P}fact_gray`)
        : t(`${P}fact`, { mean: fmt(mean, 0), share: fmt((100 * strongest) / n, 1) });
      $(`caption-${key}`).textContent = `${t(`${P}caption_${key}`)} ${fact}`;
    });
  }

  /** A click on a spot of the picture puts the patch around it. */
  function aimAt(y, x) {
    const half = Math.floor(Number($("zoom-size").value) / 2);
    $("zoom-row").value = Math.max(0, y - half);
    $("zoom-col").value = Math.max(0, x - half);
    redrawZoom();
  }

  function drawChannels() {
    const opts = { zmin: 0, zmax: 255, unit: "0–255", shapes: [boxShape()] };
    CHANNELS.forEach(([key, scale, name], c) => {
      heatmap(`plot-${key}`, matrix(state.rgb, c), { ...opts, scale, title: t(`${P}channel`, { name }) });
    });
    heatmap("plot-gray", matrix(state.gray, 0), { ...opts, scale: "gray", title: t(`${P}gray`) });
    describeChannels();
    for (const key of ["r", "g", "b", "gray"]) N.onPlotClick(`plot-${key}`, (pt) => aimAt(pt.y, pt.x));
  }

  function drawZoom() {
    const { row, col, size } = zoomBox();
    $("zoom-row").value = row; // the boxes show the patch drawn, not a value out of the image
    $("zoom-col").value = col;
    const mid = Math.floor(size / 2);
    if (!pixel || pixel[0] >= size || pixel[1] >= size) pixel = [mid, mid];
    $("zoom-caption").textContent = t(`${P}zoom_caption`, { row, col, size });
    code(torchCode(row, col, size));
    guide.refresh();
  }

  function redrawZoom() {
    if (!state) return;
    const shapes = [boxShape()];
    for (const key of ["r", "g", "b", "gray"]) Plotly.relayout(`plot-${key}`, { shapes });
    drawZoom();
  }

  /* ---- the stage: the picture, the patch's pixels, their R, G and B matrices and the grayscale ---- */
  const STEP = { PICTURE: 0, ZOOM: 1, PIXEL: 2, MATRICES: 3, TENSOR: 4, GRAY: 5 };
  const FOUR = [["255"]]; // the matrices' font fits three digits, whatever they hold

  /** The patch of channel c (a matrix of `tensor`) the stage zooms into. */
  function cut(view, c) {
    const { row, col, size } = zoomBox();
    return matrix(view, c)
      .slice(row, row + size)
      .map((r) => r.slice(col, col + size));
  }

  /** Which panels a step talks about (the others fade). */
  const FOCUS = {
    [STEP.PICTURE]: ["picture"],
    [STEP.ZOOM]: ["picture", "patch"],
    [STEP.PIXEL]: ["patch", "r", "g", "b"],
    [STEP.MATRICES]: ["r", "g", "b"],
    [STEP.TENSOR]: ["r", "g", "b"],
    [STEP.GRAY]: ["patch", "gray"],
  };

  function stagePanels(step) {
    const { row, col, size } = zoomBox();
    const on = FOCUS[step];
    const mark =
      step === STEP.PICTURE
        ? []
        : [cellBox(...pixel, ...pixel, { line: { color: COLORS.window, width: 3 } })];
    const matrixPanel = (key, z, scale, title) => ({
      key,
      z,
      text: z.map((r) => r.map(short)),
      textFit: FOUR,
      scale,
      zmin: 0,
      zmax: 255,
      title,
      shapes: mark,
      origin: [row, col],
      dim: !on.includes(key),
      hovertemplate: `${title} %{z:.4~g}<extra></extra>`,
    });
    const [h, w] = [state.h, state.w];
    const picture = {
      key: "picture",
      traces: [
        {
          type: "image",
          z: state.picture,
          hovertemplate: `${t("common.row")} %{y}, ${t("common.col")} %{x}: %{z}<extra></extra>`,
        },
      ],
      cells: [size, (size * w) / h],
      xaxis: { range: [-0.5, w - 0.5], showgrid: false },
      yaxis: { range: [h - 0.5, -0.5], showgrid: false },
      title: t(`${P}stage_picture`, { h, w }),
      shapes: [boxShape()],
      dim: !on.includes("picture"),
    };
    const [r, g, b] = CHANNELS.map(([, scale, name], c) =>
      matrixPanel(CHANNELS[c][0], cut(state.rgb, c), scale, t(`${P}channel`, { name })),
    );
    const patch = {
      key: "patch",
      image: r.z.map((rowR, i) => rowR.map((v, j) => [v, g.z[i][j], b.z[i][j]])),
      title: t(`${P}stage_patch`, { size }),
      shapes: mark,
      origin: [row, col],
      dim: !on.includes("patch"),
      hovertemplate: `${t("common.row")} %{y}, ${t("common.col")} %{x}: %{z}<extra></extra>`,
    };
    const gray = matrixPanel("gray", cut(state.gray, 0), "gray", t(`${P}gray`));
    // reading order: picture → patch → R, G, B → gray; on a wide screen gray sits beside the patch
    return NARROW.matches ? [picture, patch, r, g, b, gray] : [picture, patch, gray, r, g, b];
  }

  let order = []; // the stage's panels' keys, in the order drawn (a click names its panel by it)

  function stageAt(step, frame) {
    const { size } = zoomBox();
    if (step === STEP.PIXEL && frame !== lastFrame) pixel = [pixel[0], frame]; // the walk along a row
    lastFrame = step === STEP.PIXEL ? frame : null;
    const list = stagePanels(step);
    order = list.map((p) => p.key);
    panels("plot-stage", list, { cols: NARROW.matches ? 2 : 3 }).then(() =>
      N.onPlotClick("plot-stage", stageClick),
    );
    return stepNumbers(step, size);
  }

  /** The numbers of guided step `step`'s text, all from the answer. */
  function stepNumbers(step, size) {
    const { row, col } = zoomBox();
    const [i, j] = pixel;
    const [y, x] = [row + i, col + j];
    const [r, g, b] = [0, 1, 2].map((c) => matrix(state.rgb, c)[y][x]);
    const { h, w } = state;
    const base = { h, w, size, row: y, col: x, r, g, b };
    if (step === STEP.PICTURE) return { ...base, n: N.num(h * w) };
    if (step === STEP.ZOOM) return { ...base, r0: row, r1: row + size - 1, c0: col, c1: col + size - 1 };
    if (step === STEP.TENSOR) return { ...base, count: N.num(3 * h * w) };
    if (step === STEP.GRAY) {
      const [wr, wg, wb] = state.luma.map(String);
      return { ...base, wr, wg, wb, gray: fmt(matrix(state.gray, 0)[y][x], 2) };
    }
    return base;
  }

  const guide = N.steps({
    show: (step, frame) => (state ? stageAt(step, frame) : null),
    frames: (step) => (state && step === STEP.PIXEL ? zoomBox().size : 1),
    interval: (step) => (step === STEP.PIXEL ? 700 : 3000),
  });

  /** A click on the stage: on the picture it moves the patch there, on a patch's cell it outlines that
   * pixel. */
  function stageClick(pt) {
    if (!state) return;
    if (order[pt.curveNumber] === "picture") {
      aimAt(pt.y, pt.x);
      return;
    }
    pixel = [pt.y, pt.x]; // a patch's own row and column (its ticks count from where it lies)
    guide.refresh();
  }

  function torchCode(row, col, size) {
    return [
      "import numpy as np, torch",
      "from PIL import Image",
      "",
      `img = Image.open("${state.id}.png").convert("RGB")   # GET /api/images/${state.id}`,
      "x = torch.from_numpy(np.asarray(img)).permute(2, 0, 1).float()",
      `print(x.shape)   # torch.Size([3, ${state.h}, ${state.w}]): (C, H, W), values 0–255`,
      "r, g, b = x      # three matrices",
      `gray = ${state.luma[0]} * r + ${state.luma[1]} * g + ${state.luma[2]} * b`,
      `print(x[:, ${row}:${row + size}, ${col}:${col + size}])   # the zoomed patch`,
    ].join("\n");
  }

  for (const id of ["zoom-row", "zoom-col", "zoom-size"]) {
    $(id).addEventListener("change", redrawZoom);
  }
  N.imagePicker(load);
})();
