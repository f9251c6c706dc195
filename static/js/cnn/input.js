/* §1.1 The input layer: an image as R, G, B matrices and a grayscale one; a zoom prints the numbers. */
(() => {
  "use strict";
  const { t, api, tensor, matrix, heatmap, code, fmt } = N;
  const $ = (id) => document.getElementById(id);
  const CHANNELS = [
    ["r", "red", "R"],
    ["g", "green", "G"],
    ["b", "blue", "B"],
  ];
  let state = null; // { id, rgb, gray, h, w }

  async function load(id) {
    const res = await api("POST", "/api/cnn/channels", { image_id: id });
    state = { id, rgb: tensor(res.channels), gray: tensor(res.gray), h: res.height, w: res.width };
    $("image-size").textContent = t("cnn.input.size", { h: res.height, w: res.width });
    $("zoom-row").max = res.height - 1;
    $("zoom-col").max = res.width - 1;
    drawChannels();
    drawZoom();
  }

  function zoomBox() {
    const size = Number($("zoom-size").value);
    const row = Math.max(0, Math.min(Number($("zoom-row").value) || 0, state.h - size));
    const col = Math.max(0, Math.min(Number($("zoom-col").value) || 0, state.w - size));
    return { row, col, size: Math.min(size, state.h, state.w) };
  }

  function boxShape() {
    const { row, col, size } = zoomBox();
    return [
      {
        type: "rect",
        x0: col - 0.5,
        x1: col + size - 0.5,
        y0: row - 0.5,
        y1: row + size - 0.5,
        line: { color: "#f59e0b", width: 2 },
      },
    ];
  }

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
        ? t("cnn.input.fact_gray")
        : t("cnn.input.fact", { mean: fmt(mean, 0), share: fmt((100 * strongest) / n, 1) });
      $(`caption-${key}`).textContent = `${t(`cnn.input.caption_${key}`)} ${fact}`;
    });
  }

  function drawChannels() {
    const opts = { zmin: 0, zmax: 255, unit: "0–255", shapes: boxShape() };
    CHANNELS.forEach(([key, scale, name], c) => {
      heatmap(`plot-${key}`, matrix(state.rgb, c), {
        ...opts,
        scale,
        title: t("cnn.input.channel", { name }),
      });
    });
    heatmap("plot-gray", matrix(state.gray, 0), { ...opts, scale: "gray", title: t("cnn.input.gray") });
    describeChannels();
    for (const key of ["r", "g", "b", "gray"]) {
      const el = $(`plot-${key}`);
      el.removeAllListeners?.("plotly_click");
      el.on("plotly_click", (ev) => {
        const p = ev.points[0];
        const half = Math.floor(Number($("zoom-size").value) / 2);
        $("zoom-row").value = Math.max(0, p.y - half);
        $("zoom-col").value = Math.max(0, p.x - half);
        redrawZoom();
      });
    }
  }

  function drawZoom() {
    const { row, col, size } = zoomBox();
    $("zoom-row").value = row; // the boxes show the patch drawn, not a value out of the image
    $("zoom-col").value = col;
    // the same patch in R, G and B side by side: each pixel is these three numbers
    const ticks = [...Array(size).keys()];
    CHANNELS.forEach(([key, scale, name], c) => {
      const z = matrix(state.rgb, c)
        .slice(row, row + size)
        .map((r) => r.slice(col, col + size));
      heatmap(`plot-zoom-${key}`, z, {
        title: t("cnn.input.channel", { name }),
        zmin: 0,
        zmax: 255,
        scale,
        showscale: false,
        text: z.map((r) => r.map((v) => fmt(v, 1))),
        textfont: { size: size > 8 ? 9 : 12 },
        xaxis: { tickvals: ticks, ticktext: ticks.map((i) => col + i) },
        yaxis: { tickvals: ticks, ticktext: ticks.map((i) => row + i) },
        hovertemplate: `${name} %{z:.1f}<extra></extra>`,
      });
    });
    $("zoom-caption").textContent = t("cnn.input.zoom_caption", { row, col, size });
    code(torchCode(row, col, size));
  }

  function redrawZoom() {
    if (!state) return;
    const shapes = boxShape();
    for (const key of ["r", "g", "b", "gray"]) Plotly.relayout(`plot-${key}`, { shapes });
    drawZoom();
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
      "gray = 0.299 * r + 0.587 * g + 0.114 * b",
      `print(x[:, ${row}:${row + size}, ${col}:${col + size}])   # the zoomed patch`,
    ].join("\n");
  }

  for (const id of ["zoom-row", "zoom-col", "zoom-size"]) {
    $(id).addEventListener("change", redrawZoom);
  }
  N.imagePicker(load);
})();
