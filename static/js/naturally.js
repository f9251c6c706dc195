/* Naturally's one shared helper: page data and messages, the JSON API, tensors, and Plotly plots
 * with one set of colours and layout defaults. Every lesson script builds on window.N. */
(() => {
  "use strict";

  const page = JSON.parse(document.getElementById("page-data").textContent);
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(`--${name}`).trim();

  const COLORS = {
    ink: color("ink"),
    paper: color("paper"),
    muted: color("muted"),
    line: color("line"),
    accent: color("accent"),
    red: color("red"),
    green: color("green"),
    blue: color("blue"),
    warn: color("warn"),
    purple: color("purple"),
    window: color("window"), // a window, kernel or patch outlined on a plot (also the focus ring)
  };
  // one clearly different colour per series (Tableau 10 without its orange and gray, which sums and
  // autograd's bars use); a series past the eighth takes the first colour again
  const PALETTE = ["#4e79a7", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7"];
  const SCALES = {
    red: [
      [0, "#000000"],
      [1, "#ff2a2a"],
    ],
    green: [
      [0, "#000000"],
      [1, "#2aff2a"],
    ],
    blue: [
      [0, "#000000"],
      [1, "#3a7bff"],
    ],
    gray: [
      [0, "#000000"],
      [1, "#ffffff"],
    ],
    diverging: [
      [0, "#2166ac"],
      [0.5, "#f7f7f7"],
      [1, "#b2182b"],
    ],
    heat: "Viridis",
    paper: [
      [0, "#ffffff"],
      [1, COLORS.accent],
    ], // values on white paper, as a printed table shades them
  };

  /* ---- messages ---- */
  function t(key, vars) {
    const text = page.messages[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
  }

  /* ---- status line and progress bar ---- */
  const statusEl = document.getElementById("status");
  function status(text, kind) {
    if (!statusEl) return;
    statusEl.textContent = text || "";
    statusEl.classList.toggle("error", kind === "error");
  }
  const progressEl = document.getElementById("progress");
  let inflight = 0;
  let progressTimer = null;
  function busy(on) {
    inflight += on ? 1 : -1;
    if (inflight > 0 && !progressTimer) {
      progressTimer = setTimeout(() => {
        progressEl.hidden = false;
      }, 150);
    } else if (inflight === 0) {
      clearTimeout(progressTimer);
      progressTimer = null;
      progressEl.hidden = true;
    }
  }

  /* ---- the JSON API (every call is shown in the page's API panel) ---- */
  class ApiError extends Error {}

  /** The on-screen label of the control a field path names ("size" → "Input side A"), if any. */
  function fieldLabel(path) {
    const name = [...path].reverse().find((p) => typeof p === "string");
    const el =
      name &&
      (document.getElementById(name) ||
        document.getElementsByName(name)[0] ||
        document.getElementById(name.replaceAll("_", "-")));
    const label = el?.labels?.[0]?.cloneNode(true);
    for (const n of label?.querySelectorAll("input, select, textarea, output, .hint") ?? []) n.remove();
    return label?.textContent.trim() || null;
  }

  function errorText(status, body) {
    const detail = body?.detail;
    if (Array.isArray(detail)) {
      return detail
        .map((d) => {
          const path = (d.loc || []).filter((p) => !["body", "query", "path"].includes(p));
          const label = fieldLabel(path);
          const field = label ? `${label} (${path.join(".")})` : path.join(".");
          return `${field}: ${String(d.msg).replace(/^Value error, /, "")}`;
        })
        .join("; ");
    }
    return typeof detail === "string" ? detail : `HTTP ${status}`;
  }

  // Answers that refuse the input: the plots then show an earlier input, and fade until one succeeds.
  const REFUSED = [400, 404, 413, 415, 422];
  const outdated = (on) => {
    for (const el of document.querySelectorAll("main .plot")) el.classList.toggle("outdated", on);
  };

  function showCall(method, path, body, curlData) {
    const el = document.getElementById("api-call");
    if (!el) return;
    const url = location.origin + path;
    const json = body === undefined ? "" : JSON.stringify(body, null, 2);
    const curl =
      curlData ?? (json ? ` -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'` : "");
    el.textContent = `${method} ${path}\n${json}\n\ncurl -s -X ${method} ${url}${curl}`;
  }

  /* ---- latest answer wins: of the requests sharing a key, only the latest one's answer is used ---- */
  /** Thrown (the promise rejects) for an answer that a later request with the same key has made
   * obsolete: it is dropped before it reaches the status line, the faded plots or the caller. */
  class Superseded extends Error {}
  const latestTicket = new Map(); // key → ticket of its latest request
  let tickets = 0;

  /** Registers a new request under `key` and returns stale(): true once a later request with the same
   * key has started (always false without a key). */
  function ticketFor(key) {
    if (key === undefined) return () => false;
    const ticket = ++tickets;
    latestTicket.set(key, ticket);
    return () => latestTicket.get(key) !== ticket;
  }

  async function request(method, path, init, shown, key) {
    const stale = ticketFor(key);
    showCall(method, path, shown.body, shown.curl);
    busy(true);
    try {
      const headers = { "Accept-Language": page.lang, ...init.headers }; // messages in the page's language
      const res = await fetch(path, { method, ...init, headers }).catch((e) => {
        throw stale() ? new Superseded(key) : e;
      });
      const body = await answer(res).catch(() => null);
      if (stale()) throw new Superseded(key);
      if (!res.ok) {
        if (REFUSED.includes(res.status)) outdated(true);
        throw new ApiError(errorText(res.status, body));
      }
      outdated(false);
      status("");
      return body;
    } catch (e) {
      if (!(e instanceof Superseded))
        status(e instanceof ApiError ? e.message : t("common.network_error"), "error");
      throw e;
    } finally {
      busy(false);
    }
  }

  /* ---- answers: JSON, or JSON with its tensors in a binary tail (app/tensors.py) ---- */
  // Asked for on every call: the server answers the same JSON, its large tensors' numbers moved to a
  // binary tail (no base64, no gzip); clients that do not ask (curl, notebooks) get JSON.
  const BINARY = "application/vnd.naturally.tensors";
  const ACCEPT = `${BINARY}, application/json;q=0.9`;

  /** The answer's JSON; a binary tensor's `data` becomes a view of its bytes, for N.tensor. */
  async function answer(res) {
    if (!res.headers.get("Content-Type")?.startsWith(BINARY)) return res.json();
    const buf = await res.arrayBuffer();
    const n = Number(new DataView(buf).getBigUint64(0, true)); // the JSON header's length in bytes
    const tail = 8 + n; // where the tensors' bytes start (each at a multiple of 8 from here)
    const attach = (v) => {
      if (Array.isArray(v)) v.forEach(attach);
      else if (v?.encoding === "binary") v.data = new Uint8Array(buf, tail + v.data.start, v.data.length);
      else if (v && typeof v === "object") Object.values(v).forEach(attach);
    };
    const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, n)));
    attach(head);
    return head;
  }

  /** The JSON answer of `method path` (with a JSON body, if given). With opts.key, latest answer wins:
   * while a later call with the same key is under way or done, this one rejects with N.Superseded
   * (draw nothing: a slider dragged fast never leaves an older setting on screen). */
  function api(method, path, body, opts = {}) {
    const init =
      body === undefined
        ? { headers: { Accept: ACCEPT } }
        : {
            headers: { Accept: ACCEPT, "Content-Type": "application/json" },
            body: JSON.stringify(body),
          };
    return request(method, path, init, { body }, opts.key);
  }

  /** POST `file` as multipart field "file", with any other form `fields` ({label: "cat"}); opts.key as api(). */
  function upload(path, file, fields = {}, opts = {}) {
    const form = new FormData();
    const quote = (v) => `'${String(v).replaceAll("'", "'\\''")}'`; // for the shown curl command
    let curl = "";
    for (const [name, value] of Object.entries(fields)) {
      form.append(name, value);
      curl += ` -F ${quote(`${name}=${value}`)}`;
    }
    form.append("file", file);
    const init = { headers: { Accept: ACCEPT }, body: form };
    return request("POST", path, init, { curl: `${curl} -F 'file=@${file.name}'` }, opts.key);
  }

  /* ---- tensors: {shape, data} nested lists; float16/float32/uint8/q8 numbers as base64 or binary ---- */
  const F16 = (() => {
    const table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const s = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const f = h & 0x3ff;
      table[h] =
        e === 0
          ? s * 2 ** -14 * (f / 1024)
          : e === 31
            ? f
              ? NaN
              : s * Infinity
            : s * 2 ** (e - 15) * (1 + f / 1024);
    }
    return table;
  })();

  /** A tensor of an answer, in any form app/tensors.py writes → {shape, data: typed array}. */
  function tensor(obj) {
    const n = obj.shape.reduce((a, b) => a * b, 1);
    if (obj.encoding !== "base64" && obj.encoding !== "binary") {
      return {
        shape: obj.shape,
        data: Float32Array.from(obj.shape.length ? obj.data.flat(Infinity) : [obj.data]),
      };
    }
    let bytes = obj.data; // "binary": N.api made it a view of the answer's bytes
    if (obj.encoding === "base64") {
      const bin = atob(obj.data);
      bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    }
    let data;
    if (obj.dtype === "uint8" && obj.scale !== undefined) {
      data = Float32Array.from(bytes, (q) => obj.offset + obj.scale * q); // "q8": ≈ within scale / 2
    } else if (obj.dtype === "uint8") data = bytes;
    else if (obj.dtype === "float32") data = new Float32Array(bytes.buffer, bytes.byteOffset, n);
    else {
      const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = F16[halves[i]];
    }
    return { shape: obj.shape, data };
  }

  /** The 2-D matrix (rows of numbers) of a tensor view at the given leading indices. */
  function matrix(view, ...lead) {
    const [h, w] = view.shape.slice(-2);
    const offset = lead.reduce((acc, idx, i) => acc * view.shape[i] + idx, 0) * h * w;
    const rows = [];
    for (let r = 0; r < h; r++) {
      rows.push(Array.from(view.data.subarray(offset + r * w, offset + (r + 1) * w)));
    }
    return rows;
  }

  /** Channels `channels` of a (C, H, W) tensor view as one matrix for a heatmap: the maps tiled `cols`
   * to a row, one empty (null) row and column between two maps. Map i's cell (r, q) lands at row
   * floor(i / cols)·(H + 1) + r, column (i % cols)·(W + 1) + q. */
  function mosaic(view, channels, cols) {
    const [, h, w] = view.shape;
    const rows = Math.ceil(channels.length / cols);
    const z = Array.from({ length: rows * (h + 1) - 1 }, () => new Array(cols * (w + 1) - 1).fill(null));
    channels.forEach((c, i) => {
      const top = Math.floor(i / cols) * (h + 1);
      const left = (i % cols) * (w + 1);
      const base = c * h * w;
      for (let r = 0; r < h; r++)
        for (let q = 0; q < w; q++) z[top + r][left + q] = view.data[base + r * w + q];
    });
    return z;
  }

  /* ---- plots ---- */
  // Two buttons a plot (PNG download, reset axes): dragging still zooms, and Tab does not pass 8 each.
  const CONFIG = { responsive: true, displaylogo: false, modeBarButtons: [["toImage", "resetScale2d"]] };

  // Log axes: powers of ten as 10ⁿ, and the minor ticks Plotly labels (2, 5) in full ("5×10", never a
  // bare "5" beside 10 that reads as five), on every page; an axis's own options still win.
  const LOG_AXIS = { exponentformat: "power", minorloglabels: "complete" };
  const logDefaults = (axis) => (axis?.type === "log" ? LOG_AXIS : {});

  function layout(opts) {
    return {
      margin: { l: 56, r: 16, t: (opts.title ? 36 : 12) + (opts.showlegend ? 24 : 0), b: 48, ...opts.margin },
      font: { family: css.fontFamily, size: 12, color: COLORS.ink },
      title: opts.title ? { text: opts.title, font: { size: 14 }, x: 0.02 } : undefined,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      // automargin: long tick labels (10⁻⁸⁰, language names) push the margin instead of the axis title
      xaxis: {
        title: { text: opts.xTitle || "" },
        gridcolor: COLORS.line,
        zeroline: false,
        automargin: true,
        ...logDefaults(opts.xaxis),
        ...opts.xaxis,
      },
      yaxis: {
        title: { text: opts.yTitle || "" },
        gridcolor: COLORS.line,
        zeroline: false,
        automargin: true,
        ...logDefaults(opts.yaxis),
        ...opts.yaxis,
      },
      showlegend: opts.showlegend ?? false,
      legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom", ...opts.legend },
      shapes: opts.shapes || [],
      annotations: opts.annotations || [],
      ...opts.layout, // any other Plotly layout key (barmode, grid, …)
    };
  }

  function draw(el, traces, opts) {
    const target = typeof el === "string" ? document.getElementById(el) : el;
    return Plotly.react(target, traces, layout(opts || {}), CONFIG);
  }

  /** An image-like heatmap: row 0 at the top, square cells, value on hover. */
  function heatmap(el, z, opts = {}) {
    const trace = {
      type: "heatmap",
      z,
      colorscale: SCALES[opts.scale || "gray"] || opts.scale,
      zmin: opts.zmin,
      zmax: opts.zmax,
      zmid: opts.zmid,
      showscale: opts.showscale ?? true,
      hovertemplate:
        opts.hovertemplate || `${t("common.col")} %{x}, ${t("common.row")} %{y}: %{z:.4~g}<extra></extra>`,
      text: opts.text,
      texttemplate: opts.text ? "%{text}" : undefined,
      textfont: opts.textfont,
      colorbar: { thickness: 12, title: { text: opts.unit || "" } },
    };
    return draw(el, [trace], {
      ...opts,
      xTitle: opts.xTitle ?? t("common.col"),
      yTitle: opts.yTitle ?? t("common.row"),
      // square cells leave spare width: the matrix moves to the right, beside its colour bar
      xaxis: {
        constrain: "domain",
        constraintoward: trace.showscale ? "right" : "center",
        showgrid: false,
        ...opts.xaxis,
      },
      yaxis: { autorange: "reversed", scaleanchor: "x", constrain: "domain", showgrid: false, ...opts.yaxis },
    });
  }

  /** A title over the top left corner of the plot on axes `x` ("x", "x2", …) and the matching y:
   * a Plotly annotation (font `size` 12 unless given, `color`). */
  function plotTitle(x, text, { size = 12, color = COLORS.ink } = {}) {
    return {
      text,
      xref: `${x} domain`,
      yref: `${x.replace("x", "y")} domain`,
      x: 0,
      y: 1,
      xanchor: "left",
      yanchor: "bottom",
      showarrow: false,
      font: { size, color },
    };
  }

  /* ---- panels: several small plots in one figure, one Plotly draw (a lesson's stage) ---- */
  const PANEL_GAP = { x: 40, y: 44 }; // px between panels: room for the next one's ticks and title
  const PANEL_MARGIN = { l: 34, r: 6, t: 22, b: 22 };

  /** The largest font (px, at most 13) at which every label fits a cell `cell` px wide, or 0 below 7 px. */
  function cellFont(labels, cell) {
    const longest = Math.max(1, ...labels.flat().map((s) => String(s ?? "").length));
    const size = Math.min(13, cell * 0.55, (cell - 3) / (0.62 * longest));
    return size >= 7 ? Math.floor(size) : 0;
  }

  /** A matrix panel's `marks` ([[row, col, label], …]: numbers that are not the cells' values, such as
   * a kernel's taps or their products) written on light cards over those cells, at the cells' font. */
  function markTrace(marks, size, cell, on) {
    return {
      type: "scatter",
      mode: "markers+text",
      x: marks.map((m) => m[1]),
      y: marks.map((m) => m[0]),
      text: marks.map((m) => m[2]),
      textfont: { size, color: COLORS.ink },
      marker: { symbol: "square", size: cell * 0.8, color: COLORS.paper, opacity: 0.85, line: { width: 0 } },
      hoverinfo: "skip",
      showlegend: false,
      ...on,
    };
  }

  /** One panel's traces: a matrix (`z`, its numbers as `text`, other numbers as `marks`), an RGB picture
   * (`image`: rows of [r, g, b]) or any `traces`; placed on axes `xr` / `yr`, `cell` px per matrix cell. */
  function panelTraces(p, xr, yr, cell) {
    const on = { xaxis: xr, yaxis: yr, opacity: p.dim ? 0.3 : 1 };
    if (p.traces) return p.traces.map((tr) => ({ ...tr, ...on }));
    if (p.image) return [{ type: "image", z: p.image, hovertemplate: p.hovertemplate, ...on }];
    const marks = p.marks || [];
    const size = p.text || marks.length ? cellFont(p.textFit || p.text || [marks.map((m) => m[2])], cell) : 0;
    let text = p.text;
    if (text && marks.length) {
      text = text.map((row) => [...row]);
      for (const [r, c] of marks) text[r][c] = ""; // the card covers the cell: its own number would show through
    }
    const traces = [
      {
        type: "heatmap",
        z: p.z,
        colorscale: SCALES[p.scale || "gray"] || p.scale,
        zmin: p.zmin,
        zmax: p.zmax,
        showscale: false,
        hoverongaps: false,
        text,
        texttemplate: size && text ? "%{text}" : undefined,
        textfont: { size },
        hovertemplate:
          p.hovertemplate || `${t("common.row")} %{y}, ${t("common.col")} %{x}: %{z:.4~g}<extra></extra>`,
        ...on,
      },
    ];
    if (marks.length && size) traces.push(markTrace(marks, size, cell, on));
    return traces;
  }

  const sum = (values) => values.reduce((a, b) => a + b, 0);

  /** About six ticks along n cells, labelled from `first` (the cells' place in a larger matrix). */
  function counted(first, n) {
    const every = Math.ceil(n / 6);
    const vals = [...Array(n).keys()].filter((k) => k % every === 0);
    return { tickmode: "array", tickvals: vals, ticktext: vals.map((k) => String(first + k)) };
  }

  /** A rectangle around the cells of rows r0…r1 and columns c0…c1 of a matrix (a Plotly shape). */
  const cellBox = (r0, c0, r1, c1, extra = {}) => ({
    type: "rect",
    x0: c0 - 0.5,
    x1: c1 + 0.5,
    y0: r0 - 0.5,
    y1: r1 + 0.5,
    ...extra,
  });

  /** The shaded padding ring of a matrix padded by p cells on every side (h×w inside), a Plotly path. */
  function paddingRing(h, w, p) {
    const [o, e, f] = [-0.5, h + 2 * p - 0.5, w + 2 * p - 0.5];
    const [io, ie, jf] = [p - 0.5, p + h - 0.5, p + w - 0.5];
    return {
      type: "path",
      path: `M${o},${o} H${f} V${e} H${o} Z M${io},${io} H${jf} V${ie} H${io} Z`,
      fillrule: "evenodd",
      fillcolor: COLORS.blue,
      opacity: 0.3,
      line: { width: 0 },
    };
  }

  /** Calls `fn(point)` when a data point of the Plotly plot `el` (an element or its id, drawn) is clicked,
   * in place of the handler set before: a plot drawn again and again keeps one handler. */
  function onPlotClick(el, fn) {
    const target = typeof el === "string" ? document.getElementById(el) : el;
    target.removeAllListeners?.("plotly_click");
    target.on("plotly_click", (ev) => fn(ev.points[0]));
  }

  /** Panels in a grid of `opts.cols` columns (default: all in one row), drawn in one Plotly call with
   * fixed axes, so that a stage's picture moves and its axes stay. Every matrix cell has the same size,
   * the largest the element holds, and the grid is centred in it. A panel is
   *   {z, text, textFit, marks, scale, zmin, zmax, hovertemplate}  a matrix, row 0 on top, each number
   *       of `text` at the largest font its cell holds (sized by the labels `textFit`, when given, so that
   *       the font stays put while the labels change); `text` is the cells' values, and any other number
   *       written on a cell (a kernel's tap, a product) is a mark [row, col, label] on a card over it;
   *   {image}              an RGB picture (rows of [r, g, b]);
   *   {traces, cells}      anything else (e.g. a curve) in the room of a `cells` = [h, w] matrix;
   * with a `title`, `shapes` in the panel's own coordinates (a matrix's column x and row y; N.cellBox
   * outlines cells), `origin: [row, col]` to number a matrix's ticks from where it lies in a larger one,
   * `xaxis` / `yaxis` additions (ticks, ranges), and `dim: true` to fade it, so that the panel a step
   * talks about stands out. `opts.shapes` and `opts.annotations` may name a panel's axes ("x2", …);
   * `opts.margin` widens the figure's margins (e.g. `{l: 90}` for row labels longer than a number). */
  function panels(el, list, opts = {}) {
    const target = typeof el === "string" ? document.getElementById(el) : el;
    const margin = { ...PANEL_MARGIN, ...opts.margin };
    const cols = Math.min(opts.cols || list.length, list.length);
    const rows = Math.ceil(list.length / cols);
    const width = Math.max(1, target.clientWidth - margin.l - margin.r);
    const height = Math.max(1, target.clientHeight - margin.t - margin.b);
    const sizeOf = (p) => {
      const m = p.z || p.image;
      return m ? [m.length, m[0].length] : p.cells || [8, 8];
    };
    const colW = Array(cols).fill(0);
    const rowH = Array(rows).fill(0);
    list.forEach((p, i) => {
      const [h, w] = sizeOf(p);
      colW[i % cols] = Math.max(colW[i % cols], w);
      rowH[Math.floor(i / cols)] = Math.max(rowH[Math.floor(i / cols)], h);
    });
    const cell = Math.max(
      1,
      Math.min(
        (width - PANEL_GAP.x * (cols - 1)) / sum(colW),
        (height - PANEL_GAP.y * (rows - 1)) / sum(rowH),
      ),
    );
    const left = (width - cell * sum(colW) - PANEL_GAP.x * (cols - 1)) / 2; // the grid, centred
    const top = (height - cell * sum(rowH) - PANEL_GAP.y * (rows - 1)) / 2;
    const traces = [];
    const axes = {};
    const shapes = [...(opts.shapes || [])];
    const annotations = [...(opts.annotations || [])];
    list.forEach((p, i) => {
      const [c, r] = [i % cols, Math.floor(i / cols)];
      const k = i ? String(i + 1) : "";
      const [xr, yr] = [`x${k}`, `y${k}`];
      const [h, w] = sizeOf(p);
      const x0 = left + cell * (sum(colW.slice(0, c)) + (colW[c] - w) / 2) + PANEL_GAP.x * c;
      const y0 = top + cell * (sum(rowH.slice(0, r)) + (rowH[r] - h) / 2) + PANEL_GAP.y * r;
      const matrix = Boolean(p.z || p.image);
      traces.push(...panelTraces(p, xr, yr, cell));
      const tick = {
        tickfont: { size: 10 },
        nticks: 6,
        automargin: false,
        fixedrange: true,
        zeroline: false,
      };
      const grid = matrix ? { showgrid: false } : {};
      const [row0, col0] = p.origin || [0, 0];
      axes[`xaxis${k}`] = {
        domain: [x0 / width, (x0 + cell * w) / width],
        anchor: yr,
        ...(matrix ? { range: [-0.5, w - 0.5], ...counted(col0, w) } : {}),
        ...tick,
        ...grid,
        ...p.xaxis,
      };
      axes[`yaxis${k}`] = {
        domain: [1 - (y0 + cell * h) / height, 1 - y0 / height],
        anchor: xr,
        ...(matrix ? { range: [h - 0.5, -0.5], ...counted(row0, h) } : {}),
        ...tick,
        ...grid,
        ...p.yaxis,
      };
      for (const s of p.shapes || []) shapes.push({ xref: xr, yref: yr, ...s });
      if (p.title) {
        annotations.push(plotTitle(xr, p.title, { color: p.dim ? COLORS.muted : COLORS.ink }));
      }
    });
    return draw(target, traces, {
      margin,
      shapes,
      annotations,
      layout: { ...axes, hovermode: "closest" },
    });
  }

  function bars(el, x, y, opts = {}) {
    return draw(
      el,
      [
        {
          type: "bar",
          x,
          y,
          marker: { color: opts.color || COLORS.accent },
          hovertemplate: "%{x}: %{y:.4~g}<extra></extra>",
        },
      ],
      opts,
    );
  }

  function lines(el, traces, opts = {}) {
    return draw(
      el,
      traces.map((tr) => ({ type: "scatter", mode: "lines", ...tr })),
      { showlegend: traces.length > 1, ...opts },
    );
  }

  /** A training job's live curves: the loss of each step event (log scale) in `lossEl`; the training
   * accuracy of each step and the held-out accuracy of each epoch in `accEl`. `text(name)` gives the
   * words: train_loss, train_acc, held_out_acc, axis_step, axis_loss, axis_acc. */
  function trainingCurves(lossEl, accEl, steps, epochs, text) {
    const x = steps.map((s) => s.step);
    lines(
      lossEl,
      [{ x, y: steps.map((s) => s.loss), name: text("train_loss"), line: { color: COLORS.accent } }],
      {
        xTitle: text("axis_step"),
        yTitle: text("axis_loss"),
        yaxis: { type: "log" },
      },
    );
    lines(
      accEl,
      [
        {
          x,
          y: steps.map((s) => 100 * s.accuracy),
          name: text("train_acc"),
          line: { color: COLORS.accent },
        },
        {
          x: epochs.map((e) => e.step),
          y: epochs.map((e) => 100 * e.held_out_accuracy),
          name: text("held_out_acc"),
          mode: "lines+markers",
          line: { color: COLORS.red },
        },
      ],
      { xTitle: text("axis_step"), yTitle: text("axis_acc"), yaxis: { range: [0, 100] } },
    );
  }

  /* ---- the shared image picker (templates/_macros.html): samples, uploads, remembered ---- */
  const IMAGE_KEY = "naturally.image";

  /** Fill the picker; choose the remembered image, else `prefer` (a sample's id). */
  async function imagePicker(onChange, prefer = "scene") {
    const select = document.getElementById("image-select");
    const file = document.getElementById("image-file");
    const thumb = document.getElementById("image-thumb");
    const info = document.getElementById("image-info");
    const addOption = (id, label) => {
      const opt = new Option(label, id);
      select.add(opt);
      return opt;
    };
    const choose = (id) => {
      select.value = id;
      thumb.src = `/api/images/${encodeURIComponent(id)}`;
      localStorage.setItem(IMAGE_KEY, JSON.stringify({ id, label: select.selectedOptions[0].text }));
      onChange(id);
    };
    const samples = await (await fetch("/api/samples")).json();
    for (const s of samples) addOption(s.id, `${t(`common.sample.${s.id}`)} (${s.width}×${s.height})`);
    const remembered = JSON.parse(localStorage.getItem(IMAGE_KEY) || "null");
    if (remembered && !samples.some((s) => s.id === remembered.id)) {
      const ok = await fetch(`/api/images/${encodeURIComponent(remembered.id)}`);
      if (ok.ok) addOption(remembered.id, remembered.label);
    }
    select.addEventListener("change", () => choose(select.value));
    file.addEventListener("change", async () => {
      if (!file.files.length) return;
      try {
        const img = await upload("/api/images", file.files[0]);
        const label = `${t("common.uploaded")}: ${file.files[0].name} (${img.width}×${img.height})`;
        addOption(img.id, label);
        info.textContent = img.resized
          ? t("common.resized_from", {
              w: img.original_width,
              h: img.original_height,
              w2: img.width,
              h2: img.height,
            })
          : "";
        choose(img.id);
      } catch {
        /* the status line already says why */
      }
      file.value = "";
    });
    const has = (id) => [...select.options].some((o) => o.value === id);
    const first = [await linkedImage(has, addOption), remembered?.id, prefer, select.options[0]?.value];
    const id = first.find((v) => v && has(v));
    if (id) choose(id);
  }

  /** The image a lesson's link names (?image-select=…, urlstate.js), once the picker's options are in:
   * an upload the server still has joins them. Its id, or null (a link naming no image or a lost one). */
  async function linkedImage(has, addOption) {
    const id = N.state?.wanted("image-select");
    if (id && !has(id) && (await fetch(`/api/images/${encodeURIComponent(id)}`)).ok) {
      addOption(id, `${t("common.uploaded")}: ${id}`);
    }
    return N.state?.restore("image-select") ? id : null;
  }

  /* ---- training jobs (app/routers/jobs.py): follow one's Server-Sent Events ---- */
  /** Calls on.step / on.epoch with each event's data, in order, then on.end(final) once.
   * Returns the EventSource: close() it to stop following. */
  function followJob(job, on) {
    const source = new EventSource(`${job.events_url}?lang=${page.lang}`); // its error in the page's language
    for (const kind of ["step", "epoch"]) source.addEventListener(kind, (e) => on[kind](JSON.parse(e.data)));
    source.addEventListener("end", (e) => {
      source.close();
      on.end(JSON.parse(e.data));
    });
    source.onerror = () => status(t("common.reconnecting"), "error");
    return source;
  }

  /** A training job's form: #train-form (its #start submits {kind, params: opts.params()}), #cancel,
   * #job-bar and #job-text. The browser keeps the job's id, so a reload, or the same page in another
   * tab, follows it while it runs (call resume() once the page can draw).
   * - opts.reset(job) clears the page's data before a job is followed;
   * - opts.event(ev) takes each step and epoch event and may return {value, max, text} for the bar
   *   (by default: step of total_steps, and `${prefix}progress_text` with epoch, step, total, loss,
   *   elapsed and eta);
   * - opts.draw() redraws, at most once a frame;
   * - opts.done(result, job) shows a finished job, opts.stopped(final) (optional) one that was
   *   cancelled or failed; an <a id="job-weights"> on the page becomes the link to a finished job's
   *   trained weights.
   * following() says whether a job is being followed now. Waiting, cancelled and failed say
   * `${prefix}waiting`, `${prefix}cancelled`, `${prefix}failed`. */
  function jobForm(kind, prefix, opts) {
    const key = `naturally.${kind}.job`;
    let source = null;
    let drawPending = false;
    let lastStepText = null;
    const running = (on) => {
      $("start").disabled = on;
      $("cancel").disabled = !on;
    };

    function progress(ev) {
      status("");
      const { value, max, text } = opts.event(ev) ?? {
        value: ev.step,
        max: ev.total_steps || 1,
        text: t(`${prefix}progress_text`, {
          epoch: ev.epoch,
          step: ev.step,
          total: ev.total_steps ?? "?",
          loss: fmt(ev.loss, 4),
          elapsed: Math.round(ev.elapsed),
          eta: ev.eta == null ? "?" : Math.round(ev.eta),
        }),
      };
      Object.assign($("job-bar"), { max, value });
      // an epoch's last step is followed by a pause (the held-out pass); its epoch event keeps the
      // step's line (the epoch's mean loss beside the same step number read as a change of loss)
      $("job-text").textContent =
        ev.kind === "epoch"
          ? (lastStepText ?? text)
          : ev.epoch_end
            ? `${text} ${t("common.testing_held_out")}`
            : text;
      if (ev.kind === "step") lastStepText = text;
      if (drawPending) return;
      drawPending = true;
      requestAnimationFrame(() => {
        drawPending = false;
        opts.draw();
      });
    }

    function end(job, final) {
      running(false);
      opts.draw();
      if (final.state === "done") {
        $("job-bar").value = $("job-bar").max;
        const link = $("job-weights"); // pages whose jobs keep weights offer them for download
        if (link) Object.assign(link, { href: `/api/jobs/${job.id}/weights`, hidden: false });
        opts.done(final.result, job);
      } else {
        $("job-text").textContent =
          final.state === "cancelled"
            ? t(`${prefix}cancelled`)
            : t(`${prefix}failed`, { error: final.error });
        opts.stopped?.(final); // e.g. put back what the page showed before the run
      }
    }

    /** The form shows the followed job's params (a job started in another tab had its own). */
    function fill(params) {
      for (const [name, value] of Object.entries(params)) {
        const el = $("train-form").elements.namedItem(name); // by name, or else by id
        if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement)) continue;
        const checkbox = el.type === "checkbox";
        if (checkbox ? el.checked === Boolean(value) : el.value === String(value)) continue;
        if (checkbox) el.checked = Boolean(value);
        else el.value = String(value);
        el.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }

    function follow(job) {
      localStorage.setItem(key, job.id);
      fill(job.params);
      source?.close();
      if ($("job-weights")) $("job-weights").hidden = true;
      opts.reset(job);
      running(true);
      $("job-text").textContent = t(`${prefix}waiting`);
      source = followJob(job, { step: progress, epoch: progress, end: (final) => end(job, final) });
    }

    $("train-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (!ev.target.reportValidity()) return;
      try {
        follow(await api("POST", "/api/jobs", { kind, params: opts.params() }));
      } catch {
        /* the status line says why (e.g. too many jobs) */
      }
    });
    $("cancel").addEventListener("click", async () => {
      const id = localStorage.getItem(key);
      if (id) await api("DELETE", `/api/jobs/${id}`).catch(() => {});
    });
    const following = () => source !== null && source.readyState !== EventSource.CLOSED;
    async function resume() {
      const id = localStorage.getItem(key);
      const job = id && (await fetch(`/api/jobs/${id}`).then((r) => (r.ok ? r.json() : null)));
      if (job?.kind === kind && ["queued", "running"].includes(job.state)) follow(job); // not a finished one
    }
    let resumed = false;
    window.addEventListener("storage", (ev) => {
      // a job started in another tab of this page
      if (resumed && ev.key === key && ev.newValue && !following()) resume();
    });
    return {
      following,
      resume: () => {
        resumed = true;
        return resume();
      },
    };
  }

  /* ---- panels and small utilities ---- */
  const $ = (id) => document.getElementById(id);

  /** A new element: `props` are DOM properties (className, textContent, hidden, title, …) and, under
   * `props.attrs`, attributes (aria-*, data-*, for); then its children (nodes or strings). */
  function el(tag, props = {}, ...children) {
    const { attrs = {}, ...rest } = props;
    const node = Object.assign(document.createElement(tag), rest);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  function code(text) {
    const el = document.getElementById("torch-code");
    if (el) el.textContent = text;
  }

  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button[data-copy]");
    if (!btn) return;
    const text = document.getElementById(btn.dataset.copy).textContent;
    navigator.clipboard?.writeText(text).then(
      () => status(t("common.copied")),
      () => status(t("common.copy_failed"), "error"),
    );
  });

  // A number box left out of range says so beside itself (the browser's own bubble), on every page.
  document.addEventListener("change", (ev) => {
    if (ev.target.matches?.("input[type=number]") && !ev.target.checkValidity()) ev.target.reportValidity();
  });

  /** Why the browser refuses a control's value, in the page's language (its own words are in the
   * browser's): from the control's constraints (required, min, max, step, maxlength). */
  function refusal(el) {
    const v = el.validity;
    const { min, max, step } = el;
    if (v.valueMissing) return t("common.invalid_missing");
    if (v.badInput) return t("common.invalid_number");
    if (v.rangeUnderflow || v.rangeOverflow) {
      if (min !== "" && max !== "") return t("common.invalid_range", { min, max });
      return v.rangeUnderflow ? t("common.invalid_min", { min }) : t("common.invalid_max", { max });
    }
    if (v.stepMismatch) {
      return Number(step) === 1
        ? t("common.invalid_whole")
        : t("common.invalid_step", { step, min: min || 0 });
    }
    if (v.tooLong) return t("common.invalid_length", { max: el.maxLength });
    return t("common.invalid_format");
  }
  // Every control's validity message follows its value (capture: before the page's own handlers).
  for (const type of ["input", "change", "invalid"]) {
    document.addEventListener(
      type,
      (ev) => {
        const el = ev.target;
        if (!el.willValidate) return;
        el.setCustomValidity("");
        if (!el.validity.valid) el.setCustomValidity(refusal(el));
      },
      true,
    );
  }

  function debounce(fn, ms = 200) {
    let timer;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  /** What is wrong with a typed name (at most `max` characters), in the page's language, or null:
   * the server reads Latin letters (accents are dropped), space, ' and -. */
  function nameProblem(text, max) {
    const name = text.trim();
    if (!name) return t("common.name_empty", { max });
    if ([...name].length > max) return t("common.name_too_long", { max, n: [...name].length });
    const bad = [...new Set(name.match(/[^\p{Script=Latin}\p{M}\s'’‘\-‐–]/gu) ?? [])];
    return bad.length ? t("common.name_bad_chars", { bad: bad.join(" ") }) : null;
  }

  // one of the name model's 18 classes ("Czech") in the page's language
  const language = (name) => t(`common.lang.${name}`);

  // a whole number with the page language's digit grouping: 8,490
  const num = (v) => v.toLocaleString(page.lang === "zh" ? "zh-CN" : "en");

  /** A number with at most `digits` decimals, trailing zeros after the point dropped: −60.34 → "-60"
   * at 0 digits (never "-6"), 9.9999 → "10" at 2, and a value that rounds to zero is "0", not "-0". */
  const fmt = (v, digits = 4) => {
    if (Number.isInteger(v)) return String(v);
    const text = Number(v)
      .toFixed(digits)
      .replace(/(\.\d*?)0+$/, "$1")
      .replace(/\.$/, "");
    return text === "-0" ? "0" : text;
  };

  /** A number in about four characters, for a small cell of a matrix: 137, -46, 9.5, -.33 (whole from
   * 10 on, one decimal from 1, two below 1 without the leading zero). */
  function short(v) {
    const a = Math.abs(v);
    if (a >= 10 || Number.isInteger(v)) return fmt(v, 0);
    return a >= 1 ? fmt(v, 1) : fmt(v, 2).replace(/^(-?)0\./, "$1.");
  }

  /** A whole number's digits as subscripts, for a time step or an index: sub(12) = "₁₂". */
  const sub = (n) => String(n).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);

  /** A number of any size in 3 significant digits: 0.0123 and 456 as they are, 1.01 × 10⁻¹⁷ beyond
   * (null → "—"). */
  const SUPER = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  function sci(v) {
    if (v === null || v === undefined || !Number.isFinite(v)) return "—";
    if (v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4)) return String(Number(v.toPrecision(3)));
    const [mantissa, exponent] = v.toExponential(2).split("e");
    const power = String(Number(exponent)).replace(/[-\d]/g, (c) => SUPER[c]);
    return `${Number(mantissa)} × 10${power}`;
  }

  window.N = {
    page,
    t,
    status,
    api,
    Superseded,
    fieldLabel,
    $,
    el,
    upload,
    imagePicker,
    jobForm,
    tensor,
    matrix,
    mosaic,
    heatmap,
    panels,
    plotTitle,
    cellBox,
    paddingRing,
    onPlotClick,
    bars,
    lines,
    trainingCurves,
    draw,
    code,
    debounce,
    fmt,
    short,
    sub,
    sci,
    num,
    language,
    nameProblem,
    COLORS,
    SCALES,
    PALETTE,
  };
})();
