/* The home page: both trained models at a glance. The digit CNN's every stage for a drawn, held-out or
 * uploaded digit (one POST /api/overview/digits per redraw, at most every 150 ms while the pen moves);
 * the name GRU's every stage for a typed surname (POST /api/overview/names). Clicking a map opens its
 * detail (POST /api/overview/digits/map), with Plotly loaded then, and a link into the lesson. */
(() => {
  "use strict";
  const { t, api, upload, tensor, fmt, largestAbs: largest, $ } = N;
  const PEN_EVERY = 150; // ms between two redraws while a stroke is drawn
  const phone = () => window.innerWidth < 700;

  /* ---- Plotly, for the detail panels only: loaded when one first opens ---- */
  let plotly = null;
  function loadPlotly() {
    plotly ??= new Promise((ok, fail) => {
      const s = document.createElement("script");
      s.src = N.page.plotly;
      s.onload = ok;
      s.onerror = fail;
      document.head.append(s);
    });
    return plotly;
  }

  /* ---- one request at a time per half; a newer one waits and only the latest waiting one runs ---- */
  function queue(run) {
    let busy = false;
    let next = null;
    return async function ask(job) {
      if (busy) {
        next = job;
        return;
      }
      busy = true;
      try {
        await run(job);
      } finally {
        busy = false;
        const waiting = next;
        next = null;
        if (waiting) ask(waiting);
      }
    };
  }

  /* =================================== the digit CNN =================================== */
  const cnnFrame = $("cnn-frame");
  const cnnView = N.netView(cnnFrame, {
    height: phone() ? 480 : 540,
    label: t("home.net_label"),
    select: openCnnDetail,
    describe: describeCnn,
    hover: (it) => pointing("cnn-hover", it && describeCnn(it)),
  });

  /** What the pointer is on, under a network: "conv1, map 3 of 10, 24×24 · click to open it". */
  function pointing(id, text) {
    $(id).textContent = text ? `${text} · ${t("home.click_to_open")}` : "";
  }
  let digits = null; // the latest answer, with .source: {kind: "drawing" | "held_out" | "file", index, file}

  const COLUMN_KEYS = {
    input: "input",
    flatten: "flatten",
    output: "output",
    conv1: "conv1",
    conv2: "conv2",
  };
  function columnTitle(col) {
    if (COLUMN_KEYS[col]) return t(`home.col.${COLUMN_KEYS[col]}`);
    if (col.startsWith("pool")) return t("home.col.pool");
    if (col.startsWith("relu")) return t("home.col.relu");
    if (col.startsWith("inception")) return t("home.col.inception");
    return t(col.endsWith(".add") ? "home.col.residual_add" : "home.col.residual_f");
  }

  const drawing = N.drawPad($("pad"), {
    every: PEN_EVERY,
    change: () => {
      askDigits({
        source: { kind: "drawing" },
        run: async () => upload(`/api/overview/digits/upload?model=${model()}`, await drawing.file()),
      });
    },
  });
  const model = () => $("model").value;

  const askDigits = queue(async (job) => {
    let res;
    try {
      res = await job.run();
    } catch (e) {
      cnnFrame.classList.add("outdated");
      $("answer").textContent = "";
      $("cnn-note").textContent = e.message; // why, beside this half (each half has its own)
      return;
    }
    $("cnn-note").textContent = "";
    cnnFrame.classList.remove("outdated");
    digits = res;
    digits.source = job.source;
    showDigits();
  });

  function showDigits() {
    const src = digits.source;
    const from =
      src.kind === "held_out"
        ? t("home.answer_source_held_out", { index: src.index, label: digits.label })
        : src.kind === "file"
          ? t("home.answer_source_file", { file: src.file.name })
          : t("home.answer_source_drawing");
    const p = (100 * digits.probabilities[digits.prediction]).toFixed(1);
    $("answer").textContent = `${t("home.answer", { digit: digits.prediction, p })} · ${from}`;
    const start = performance.now();
    cnnView.draw(N.netStages(digits, { title: columnTitle }));
    performance.measure("cnn-draw", { start }); // read by benchmarks/overview.py
    if (openDetail) openCnnDetail(openDetail.item, true);
  }

  function heldOut(index) {
    const i = Math.max(0, Math.min(1999, Math.round(Number(index)) || 0));
    $("held-out").value = i;
    const src = { kind: "held_out", index: i };
    askDigits({
      source: src,
      run: async () => {
        const res = await api("POST", "/api/overview/digits", { held_out: i, model: model() });
        drawing.paint(N.matrix(tensor(res.input)).map((row) => row.map((v) => Math.round(v))));
        return res;
      },
    });
  }

  $("held-out").addEventListener("change", () => {
    if ($("held-out").checkValidity()) heldOut($("held-out").value);
  });
  $("another").addEventListener("click", () => heldOut(Math.floor(Math.random() * 2000)));
  $("clear").addEventListener("click", () => {
    drawing.clear();
    cnnFrame.classList.add("outdated");
    $("answer").textContent = t("home.blank");
  });
  $("digit-file").addEventListener("change", () => {
    const file = $("digit-file").files[0];
    if (!file) return;
    askDigits({
      source: { kind: "file", file },
      run: () => upload(`/api/overview/digits/upload?model=${model()}`, file),
    });
    $("digit-file").value = "";
  });
  $("model").addEventListener("change", () => {
    if (!digits) return;
    const src = digits.source;
    if (src.kind === "held_out") return heldOut(src.index);
    const file = async () => (src.kind === "file" ? src.file : drawing.file());
    askDigits({
      source: src,
      run: async () => upload(`/api/overview/digits/upload?model=${model()}`, await file()),
    });
  });

  /** The detail panel's title for an item: "conv2: map 4 of 20 (8×8)", "7: 98.1 %". */
  function titleOf(it) {
    if (it.block.kind === "bars")
      return `${it.block.labels[it.i]}: ${(100 * it.block.values[it.i]).toFixed(1)} %`;
    if (it.block.id === "input") return `${t("home.col.input")} 28×28`;
    const { h, w } = it.block.maps[it.i];
    return t("home.detail_title", { stage: it.block.id, i: it.i + 1, n: it.block.maps.length, h, w });
  }

  function describeCnn(it) {
    if (it.block.kind === "bars") {
      return t("home.bar_described", {
        label: it.block.labels[it.i],
        p: (100 * it.block.values[it.i]).toFixed(1),
      });
    }
    const m = it.block.maps[it.i];
    return t("home.map_described", {
      stage: it.block.id,
      i: it.i + 1,
      n: it.block.maps.length,
      h: m.h,
      w: m.w,
    });
  }

  /* ---- the detail panel: one map large, what made it, the numbers under the pointer, a lesson link ---- */
  let openDetail = null; // {item}
  let detailView = null;
  function closeCnnDetail() {
    $("cnn-detail").hidden = true;
    openDetail = null;
    cnnView.select(null);
  }
  $("cnn-detail-close").addEventListener("click", closeCnnDetail);

  async function openCnnDetail(item, again = false) {
    const block = item.block;
    const panel = $("cnn-detail");
    openDetail = { item: { block: { id: block.id, kind: block.kind }, i: item.i } };
    if (!again) cnnView.select(block.id, item.i);
    const fresh = cnnView.boxes().find((b) => b.block.id === block.id && b.i === item.i);
    if (!fresh) return closeCnnDetail(); // that map is not in the net now shown (another model)
    if (!again) {
      head(titleOf(fresh), t("common.loading")); // at once; Plotly and the numbers follow
      panel.hidden = false;
      panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    await loadPlotly();
    if (fresh.block.kind === "bars") return showBar(fresh);
    if (fresh.block.id === "input") return showInput();
    const req = {
      input: N.matrix(tensor(digits.input)),
      model: digits.model,
      stage: block.id,
      channel: item.i,
    };
    let m;
    try {
      m = await api("POST", "/api/overview/digits/map", req, { key: "cnn-detail" });
    } catch (e) {
      if (!(e instanceof N.Superseded)) $("cnn-detail-what").textContent = e.message; // else a newer one
      return;
    }
    showMap(fresh, m);
  }

  const heat = (z, extra = {}) => ({
    type: "heatmap",
    z,
    colorscale: N.SCALES.diverging,
    zmid: 0,
    colorbar: { thickness: 10, title: { text: t("home.value") } },
    hovertemplate: `${t("home.axis_row")} %{y}, ${t("home.axis_col")} %{x}: %{z:.4~g}<extra></extra>`,
    ...extra,
  });

  function mapPlot(z, extra, onPoint) {
    const el = $("plot-detail");
    N.draw(el, [heat(z, extra)], {
      xTitle: t("home.axis_col"),
      yTitle: t("home.axis_row"),
      xaxis: { constrain: "domain", showgrid: false },
      yaxis: { autorange: "reversed", scaleanchor: "x", constrain: "domain", showgrid: false },
      margin: { t: 12 },
    });
    el.removeAllListeners?.("plotly_hover");
    el.removeAllListeners?.("plotly_click");
    const pick = (ev) => {
      const p = ev.points?.[0];
      if (!p) return;
      onPoint(p.y, p.x);
      const box = { type: "rect", x0: p.x - 0.5, x1: p.x + 0.5, y0: p.y - 0.5, y1: p.y + 0.5 };
      Plotly.relayout(el, { shapes: [{ ...box, line: { color: N.COLORS.warn, width: 3 } }] });
    };
    el.on("plotly_hover", pick);
    el.on("plotly_click", pick);
  }

  function head(title, what) {
    $("cnn-detail-title").textContent = title;
    $("cnn-detail-what").textContent = what;
  }

  function showInput() {
    const z = N.matrix(tensor(digits.input));
    head(titleOf({ block: { id: "input" } }), t("home.detail_input"));
    mapPlot(z, { colorscale: N.SCALES.gray, zmid: undefined, zmin: 0, zmax: 255 }, (r, c) => {
      $("detail-pixel").textContent = t("home.pixel_input", { r, c, value: fmt(z[r][c], 1) });
    });
    detail([]);
    $("detail-pixel").textContent = t("home.pixel_hint");
    link(t("home.open_fc"), fcLink());
  }

  function showBar(it) {
    const k = it.i;
    head(titleOf(it), t("home.detail_bar", { label: digits.classes[k], n: tensor(digits.flatten).shape[0] }));
    const colors = digits.classes.map((_, i) => (i === k ? N.COLORS.red : N.COLORS.accent));
    N.bars(
      "plot-detail",
      digits.classes,
      digits.probabilities.map((v) => 100 * v),
      {
        color: colors,
        xTitle: t("home.col.output"),
        yTitle: "%",
        xaxis: { type: "category" },
        yaxis: { range: [0, 100] },
      },
    );
    detail([]);
    $("detail-pixel").textContent = "";
    link(t("home.open_fc"), fcLink());
  }

  function showMap(it, m) {
    const block = it.block;
    const out = tensor(m.output);
    const [h, w] = out.shape;
    const z = N.matrix(out);
    const inputs = tensor(m.inputs);
    const kernel = m.kernel && tensor(m.kernel);
    head(titleOf(it), whatMade(m, inputs));
    const maps = (v) => Array.from({ length: v.shape[0] }, (_, c) => mapOf(v, c));
    const col = (id, title, sub, block) => ({ id, title, sub, blocks: [{ id, kind: "maps", ...block }] });
    const mine = (from, extra) =>
      col("out", t("home.col_map"), `${h}×${w}`, {
        maps: [{ data: out.data, h, w }],
        box: 96,
        feeds: [{ from, mode: "all" }],
        ...extra,
      });
    let cols;
    const perSub = Math.max(6, Math.ceil(inputs.shape[0] / 4)); // at most 4 sub-columns of input maps
    if (m.kind === "conv") {
      cols = [
        col("in", m.via ? t(`home.via_short.${m.via}`) : t("home.col_inputs"), inputs.shape.join("×"), {
          maps: maps(inputs),
          box: 48,
          perSub,
        }),
        col("k", t("home.col_kernels"), kernel.shape.join("×"), {
          maps: maps(kernel),
          box: 40,
          perSub,
          feeds: [{ from: "in", mode: "one" }],
        }),
        mine("k"),
      ];
    } else {
      const title = m.kind === "add" ? `${t("home.col_x")}, ${t("home.col_fx")}` : t("home.col_before");
      const lim = Math.max(largest(inputs.data), largest(out.data)); // one scale: before and after compare
      cols = [
        col("in", title, inputs.shape.slice(1).join("×"), { maps: maps(inputs), box: 96, lim }),
        mine("in", { lim }),
      ];
    }
    detail(cols, m.kind === "conv" ? 300 : 230);
    $("detail-pixel").textContent = t("home.pixel_hint");
    const point = (r, c) => {
      pixel(m, inputs, kernel, z, r, c);
      link(...lessonLink(block, it.i, m, inputs, kernel, r, c));
    };
    mapPlot(z, {}, point);
    link(...lessonLink(block, it.i, m, inputs, kernel, ...strongest(z)));
  }

  const mapOf = (v, c) => {
    const [h, w] = v.shape.slice(-2);
    return { data: v.data.subarray(c * h * w, (c + 1) * h * w), h, w };
  };

  function whatMade(m, inputs) {
    if (m.kind === "conv") {
      const vars = { c: inputs.shape[0], k: m.window, bias: fmt(m.bias, 4) };
      return m.via
        ? t("home.detail_conv_via", { ...vars, via: t(`home.via.${m.via}`) })
        : t("home.detail_conv", vars);
    }
    return t(`home.detail_${m.kind}`);
  }

  function detail(cols, height = 230) {
    const frame = $("detail-frame");
    frame.hidden = !cols.length;
    if (!cols.length) return;
    detailView ??= N.netView(frame, { height, label: t("home.made_from") });
    detailView.draw(cols);
  }

  function link(text, href) {
    Object.assign($("cnn-detail-link"), { textContent: text, href });
  }

  /** The numbers behind value (r, c): the conv's windows and kernels, the pooling window, … */
  function pixel(m, inputs, kernel, z, r, c) {
    const el = $("detail-pixel");
    const value = fmt(z[r][c], 4);
    if (m.kind === "conv") {
      const shares = convShares(m, inputs, kernel, r, c);
      const sum = shares.reduce((a, s) => a + s.share, 0);
      const top = [...shares].sort((a, b) => Math.abs(b.share) - Math.abs(a.share));
      const lines = [
        t("home.pixel_conv", { r, c, n: shares.length, sum: fmt(sum, 4), bias: fmt(m.bias, 4), value }),
      ];
      el.replaceChildren(
        para(lines[0]),
        para(t("home.shares_caption"), "hint"),
        para(
          top
            .slice(0, 6)
            .map((s) => `${s.ch}: ${fmt(s.share, 4)}`)
            .join(" · "),
          "mono",
        ),
        para(t("home.window_caption", { ch: top[0].ch }), "hint"),
        windowTables(top[0]),
      );
    } else if (m.kind === "pool") {
      const win = [];
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) win.push(fmt(at(inputs, 0, 2 * r + i, 2 * c + j), 4));
      el.replaceChildren(para(t("home.pixel_pool", { r, c, window: win.join(", "), value })));
    } else if (m.kind === "relu") {
      el.replaceChildren(para(t("home.pixel_relu", { r, c, x: fmt(at(inputs, 0, r, c), 4), value })));
    } else {
      el.replaceChildren(
        para(
          t("home.pixel_add", {
            r,
            c,
            x: fmt(at(inputs, 0, r, c), 4),
            f: fmt(at(inputs, 1, r, c), 4),
            value,
          }),
        ),
      );
    }
  }

  const at = (v, ch, r, c) => {
    const [, h, w] = v.shape;
    return r < 0 || c < 0 || r >= h || c >= w ? 0 : v.data[(ch * h + r) * w + c];
  };

  /** Each input map's Σ window × kernel at output (r, c): the padded input's taps under the kernel. */
  function convShares(m, inputs, kernel, r, c) {
    const k = m.window;
    const out = [];
    for (let ch = 0; ch < inputs.shape[0]; ch++) {
      let share = 0;
      const win = [];
      const ker = [];
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const x = at(inputs, ch, r - m.padding + i, c - m.padding + j);
          const w = kernel.data[(ch * k + i) * k + j];
          share += x * w;
          win.push(x);
          ker.push(w);
        }
      }
      out.push({ ch, share, win, ker, k });
    }
    return out;
  }

  function para(text, cls) {
    const p = document.createElement("p");
    p.textContent = text;
    if (cls) p.className = cls;
    return p;
  }

  function windowTables(s) {
    const box = document.createElement("div");
    box.className = "detail-windows";
    for (const values of [s.win, s.ker]) {
      const table = document.createElement("table");
      table.className = "grid";
      for (let i = 0; i < s.k; i++) {
        const tr = table.insertRow();
        for (let j = 0; j < s.k; j++) tr.insertCell().textContent = fmt(values[i * s.k + j], 2);
      }
      box.append(table);
    }
    return box;
  }

  /* ---- deep links into the lessons (docs/deep-links.md lists every parameter) ---- */
  const rows = (z, places = 4) => z.map((row) => row.map((v) => fmt(v, places)).join(" ")).join("\n");
  const query = (path, params) => `${path}?${new URLSearchParams({ lang: N.page.lang, ...params })}`;

  /** The model's input as 784 bytes in base64url (URL-safe, no padding). */
  function digitParam() {
    const bytes = Uint8Array.from(tensor(digits.input).data, (v) =>
      Math.max(0, Math.min(255, Math.round(v))),
    );
    return btoa(String.fromCharCode(...bytes))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replace(/=+$/, "");
  }

  function fcLink() {
    const src =
      digits.source.kind === "held_out" ? { "held-out": digits.source.index } : { digit: digitParam() };
    return query("/cnn/fully-connected", { model: digits.model, ...src });
  }

  /** The strongest value of a map: where a link points before the pointer picks a position. */
  function strongest(z) {
    let best = [0, 0];
    z.forEach((row, r) => {
      row.forEach((v, c) => {
        if (Math.abs(v) > Math.abs(z[best[0]][best[1]])) best = [r, c];
      });
    });
    return best;
  }

  /** [text, href] of the lesson showing value (r, c) of map `channel` of `block`. */
  function lessonLink(block, channel, m, inputs, kernel, r, c) {
    const where = { model: digits.model, layer: block.id, map: channel };
    if (m.kind === "conv") {
      // the input map with the largest share at (r, c), on a patch of at most 16×16
      const shares = convShares(m, inputs, kernel, r, c);
      const ch = shares.reduce((a, s) => (Math.abs(s.share) > Math.abs(a.share) ? s : a)).ch;
      const [, hi, wi] = inputs.shape;
      const k = m.window;
      const size = Math.min(16, hi + 2 * m.padding);
      const top = m.padding ? 0 : Math.max(0, Math.min(hi - size, r - Math.floor((size - k) / 2)));
      const left = m.padding ? 0 : Math.max(0, Math.min(wi - size, c - Math.floor((size - k) / 2)));
      const patch = N.matrix(inputs, ch)
        .slice(top, top + (m.padding ? hi : size))
        .map((row) => row.slice(left, left + (m.padding ? wi : size)));
      const outW = patch[0].length + 2 * m.padding - k + 1;
      const kern = N.matrix(kernel, ch);
      return [
        t("home.open_conv"),
        query("/cnn/convolution", {
          "trace-source": "typed",
          "typed-matrix": rows(patch),
          "kernel-source": "typed",
          "typed-kernels": rows(kern, 6),
          bias: inputs.shape[0] === 1 ? fmt(m.bias, 6) : "0",
          stride: 1,
          padding: m.padding,
          dilation: 1,
          "step-index": (r - top) * outW + (c - left),
          ...where,
          "input-map": ch,
          row: r,
          col: c,
        }),
      ];
    }
    if (m.kind === "pool") {
      const before = N.matrix(inputs, 0);
      return [
        t("home.open_pool"),
        query("/cnn/pooling", {
          matrix: rows(before),
          kind: "max",
          window: 2,
          stride: 2,
          padding: 0,
          ...where,
        }),
      ];
    }
    if (m.kind === "relu") return [t("home.open_relu"), query("/cnn/activation", { "act-function": "relu" })];
    if (block.id.startsWith("inception")) return [t("home.open_inception"), query("/cnn/inception", {})];
    return [t("home.open_residual"), query("/cnn/vanishing-gradients", {})];
  }

  /* ===================================== the name GRU ===================================== */
  const rnnFrame = $("rnn-frame");
  const rnnView = N.netView(rnnFrame, {
    height: phone() ? 380 : 420,
    label: t("home.rnn_label"),
    select: openRnnDetail,
    hover: (it) => pointing("rnn-hover", it && describeRnn(it)),
    describe: describeRnn,
  });
  let names = null;

  function describeRnn(it) {
    const b = it.block;
    return b.kind === "bars" ? `${b.labels[it.i]}: ${(100 * b.values[it.i]).toFixed(1)} %` : b.title;
  }

  const askName = queue(async (text) => {
    try {
      names = await api("POST", "/api/overview/names", { name: text });
    } catch (e) {
      $("name-hint").textContent = e.message;
      rnnFrame.classList.add("outdated");
      return;
    }
    rnnFrame.classList.remove("outdated");
    $("name-hint").textContent = "";
    showName();
  });

  function readName() {
    const text = $("name").value;
    const problem = N.nameProblem(text, Number($("name").dataset.max));
    $("name-hint").textContent = problem ?? "";
    $("name-hint").classList.toggle("refused", Boolean(problem));
    if (problem) {
      rnnFrame.classList.add("outdated");
      return;
    }
    askName(text.trim());
  }
  $("name").addEventListener("input", N.debounce(readName, 120));

  const DIRS = ["forward", "backward"];

  function rnnColumns(res) {
    const letters = [...res.name];
    const T = letters.length;
    const emb = tensor(res.embedded);
    const states = tensor(res.states); // (L, D, T, H)
    const [L, D, , H] = states.shape;
    const lim = largest(states.data);
    const cell = { h: T, w: H };
    const cols = [
      {
        id: "letters",
        title: t("home.rcol.letters"),
        sub: String(T),
        blocks: [{ id: "letters", kind: "text", rows: letters, width: 22 }],
      },
      {
        id: "codes",
        title: t("home.rcol.codes"),
        sub: "1–29",
        blocks: [
          {
            id: "codes",
            kind: "text",
            rows: res.codes.map(String),
            width: 24,
            feeds: [{ from: "letters", mode: "rows" }],
          },
        ],
      },
      {
        id: "embedding",
        title: t("home.rcol.embedding"),
        sub: emb.shape.join("×"),
        blocks: [
          {
            id: "embedding",
            kind: "maps",
            rows: true,
            title: t("home.rdetail_title_embedding"),
            maps: [{ data: emb.data, h: T, w: emb.shape[1] }],
            box: 64,
            feeds: [{ from: "codes", mode: "rows" }],
          },
        ],
      },
    ];
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < D; d++) {
        const id = `state-${l}-${d}`;
        const feeds =
          l === 0
            ? [{ from: "embedding", mode: "rows" }]
            : [0, 1].slice(0, D).map((dd) => ({ from: `state-${l - 1}-${dd}`, mode: "rows" }));
        const dir = t(`home.rcol.${DIRS[d]}`);
        cols.push({
          id,
          title: t("home.rcol.state", { layer: l + 1, dir }),
          sub: `${T}×${H}`,
          blocks: [
            {
              id,
              kind: "maps",
              rows: true,
              layer: l,
              direction: d,
              title: t("home.rdetail_title_state", { layer: l + 1, dir: t(`home.dir_${DIRS[d]}`) }),
              maps: [{ ...cell, data: states.data.subarray((l * D + d) * T * H, ((l * D + d) * T + T) * H) }],
              box: phone() ? 96 : 128,
              lim,
              feeds,
            },
          ],
        });
      }
    }
    const top = L - 1;
    cols.push({
      id: "hidden",
      title: t("home.rcol.hidden"),
      sub: String(tensor(res.hidden).shape[0]),
      blocks: [
        {
          id: "hidden",
          kind: "vector",
          width: 28,
          data: tensor(res.hidden).data,
          feeds: [
            { from: `state-${top}-0`, mode: { row: T - 1, part: 0, parts: D } },
            ...(D > 1 ? [{ from: `state-${top}-1`, mode: { row: 0, part: 1, parts: D } }] : []),
          ],
        },
      ],
    });
    cols.push({
      id: "output",
      title: t("home.rcol.output"),
      sub: String(res.classes.length),
      blocks: [
        {
          id: "output",
          kind: "bars",
          labels: res.classes.map(N.language),
          values: res.probabilities,
          best: res.prediction,
          width: phone() ? 170 : 190,
          labelWidth: phone() ? 74 : 86,
          feeds: [{ from: "hidden", mode: "all" }],
        },
      ],
    });
    return cols;
  }

  function showName() {
    const k = names.prediction;
    $("name-answer").textContent = t("home.name_answer", {
      language: N.language(names.classes[k]),
      p: (100 * names.probabilities[k]).toFixed(1),
    });
    const start = performance.now();
    rnnView.draw(rnnColumns(names));
    performance.measure("rnn-draw", { start }); // read by benchmarks/overview.py
    if (openRnn) openRnnDetail(openRnn, true);
  }

  /* ---- the name detail: the heatmap large with hover values, a link to §5.3 or §6 ---- */
  let openRnn = null;
  $("rnn-detail-close").addEventListener("click", () => {
    $("rnn-detail").hidden = true;
    openRnn = null;
    rnnView.select(null);
  });

  async function openRnnDetail(item, again = false) {
    const fresh = rnnView.boxes().find((b) => b.block.id === item.block.id && b.i === item.i);
    if (!fresh) return;
    openRnn = { block: { id: fresh.block.id }, i: fresh.i };
    if (!again) {
      rnnView.select(fresh.block.id, fresh.i);
      $("rnn-detail-title").textContent = fresh.block.title ?? fresh.block.labels?.[fresh.i] ?? "";
      $("rnn-detail-what").textContent = t("common.loading");
      $("rnn-detail").hidden = false;
      $("rnn-detail").scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    await loadPlotly();
    const b = fresh.block;
    const letters = [...names.name].map((ch, i) => `${i} ${ch}`);
    if (b.kind === "bars") {
      const lang = b.labels[fresh.i];
      $("rnn-detail-title").textContent = t("home.rdetail_title_bar", {
        language: lang,
        p: (100 * b.values[fresh.i]).toFixed(1),
      });
      $("rnn-detail-what").textContent = t("home.rdetail_bar", { language: lang });
      const colors = b.labels.map((_, i) => (i === fresh.i ? N.COLORS.red : N.COLORS.accent));
      N.bars(
        "plot-rnn-detail",
        b.labels,
        b.values.map((v) => 100 * v),
        { color: colors, yTitle: "%", yaxis: { range: [0, 100] }, margin: { b: 90 } },
      );
      rnnLink(t("home.open_practice"), query("/rnn/practice", { names: $("name").value.trim() }));
      return;
    }
    const m = b.maps[0];
    const z = N.matrix({ shape: [m.h, m.w], data: m.data });
    const xTitle = b.id === "embedding" ? t("home.axis_dim") : t("home.axis_unit");
    $("rnn-detail-title").textContent = b.title;
    $("rnn-detail-what").textContent =
      b.id === "embedding"
        ? t("home.rdetail_embedding")
        : t("home.rdetail_state", {
            layer: b.layer + 1,
            dir: t(`home.dir_${DIRS[b.direction]}`),
            dir_hint: t(`home.rdetail_${DIRS[b.direction]}_hint`),
          });
    N.draw(
      "plot-rnn-detail",
      [heat(z, { y: letters, hovertemplate: `%{y}, ${xTitle} %{x}: %{z:.4~g}<extra></extra>` })],
      {
        xTitle,
        yTitle: t("home.axis_letter"),
        yaxis: { autorange: "reversed", type: "category" },
        margin: { t: 12 },
      },
    );
    if (b.id === "embedding")
      rnnLink(t("home.open_practice"), query("/rnn/practice", { names: $("name").value.trim() }));
    else
      rnnLink(
        t("home.open_gru"),
        query("/rnn/gru", { name: $("name").value.trim(), layer: b.layer, direction: b.direction }),
      );
  }

  function rnnLink(text, href) {
    Object.assign($("rnn-detail-link"), { textContent: text, href });
  }

  /* ---- start: ?model=, ?held-out= and ?name= if given and valid, else the defaults ---- */
  const params = new URLSearchParams(location.search);
  const ignored = [];
  const given = (key, ok) => {
    if (!params.has(key)) return false;
    if (ok(params.get(key))) return true;
    ignored.push(key);
    return false;
  };
  if (given("model", (v) => [...$("model").options].some((o) => o.value === v)))
    $("model").value = params.get("model");
  const index = given("held-out", (v) => /^\d{1,4}$/.test(v) && Number(v) < 2000)
    ? Number(params.get("held-out"))
    : 0;
  if (given("name", (v) => !N.nameProblem(v, Number($("name").dataset.max))))
    $("name").value = params.get("name");
  if (ignored.length)
    Object.assign($("url-note"), {
      textContent: t("home.ignored", { names: ignored.join(", ") }),
      hidden: false,
    });
  heldOut(index);
  readName();
})();
