/* §2.2 1×1 convolutions: one k×k layer with and without a 1×1 reduction in front, counted by
 * formula and by torch's FLOP counter, and timed on the server. Numbers from POST /api/cnn/cost.
 * The stage: the channel stack squeezed by the 1×1 and widened by the k×k, and the multiplications of
 * both ways counted up, output row by output row. */
(() => {
  "use strict";
  const { t, api, draw, code, debounce, el, fmt, num, COLORS, $ } = N;
  const K = "cnn.bottleneck.";
  const COURSE = {
    "in-channels": 192,
    height: 28,
    width: 28,
    "out-channels": 32,
    kernel: 5,
    "reduce-to": 16,
  };
  const LAYER_COLORS = [COLORS.green, COLORS.blue];
  let res = null;

  const ratio = (v) => (v === null || v === undefined ? "—" : `${fmt(v, 2)}×`);
  const ms = (v) => (v === null ? "—" : `${fmt(v, 3)} ms`);

  function body() {
    const n = (id) => Number($(id).value);
    return {
      in_channels: n("in-channels"),
      height: n("height"),
      width: n("width"),
      out_channels: n("out-channels"),
      kernel: n("kernel"),
      reduce_to: $("use-reduce").checked ? n("reduce-to") : null,
      repeats: n("repeats"),
      threads: n("threads"),
    };
  }

  async function load() {
    $("reduce-to").max = $("in-channels").value;
    $("reduce-to").closest("label").hidden = !$("use-reduce").checked;
    try {
      res = await api("POST", "/api/cnn/cost", body(), { key: "cost" });
    } catch {
      return; // the status line names the field and its range, or a later setting's answer is coming
    }
    guide.refresh(); // the stage first: it is the first screen
    render();
  }
  const reload = debounce(load, 350);

  function render() {
    const { direct: d, reduced: r } = res;
    formula(d, r);
    table(d, r);
    drawMults(d, r);
    drawTime(d, r);
    code(torchCode());
  }

  function formula(d, r) {
    const line = (v) => `${v.layers.map((ly) => ly.formula).join(" + ")} = ${num(v.multiplications)}`;
    const rows = [el("p", {}, `${t("cnn.bottleneck.direct")}: ${line(d)}`)];
    if (r) rows.push(el("p", {}, `${t("cnn.bottleneck.reduced")}: ${line(r)}`));
    $("formula").replaceChildren(...rows);
    const c = res.input_shape[0];
    $("why").textContent = r
      ? t("cnn.bottleneck.why", {
          k: d.layers[0].kernel,
          c,
          r: r.layers[0].out_channels,
          save: fmt(c / r.layers[0].out_channels, 2),
          extra: num(r.layers[0].multiplications),
          total: ratio(res.ratios.multiplications),
        })
      : t("cnn.bottleneck.why_none");
  }

  function table(d, r) {
    const variants = r ? [d, r] : [d];
    const head = el(
      "tr",
      {},
      el("th", {}, ""),
      ...variants.map((_v, i) =>
        el("th", { scope: "col" }, t(i ? "cnn.bottleneck.reduced" : "cnn.bottleneck.direct")),
      ),
      ...(r ? [el("th", { scope: "col" }, t("cnn.bottleneck.ratio"))] : []),
    );
    // each cell names its column in data-label: a phone shows every row as a card of labelled lines
    const names = variants.map((_v, i) => t(i ? "cnn.bottleneck.reduced" : "cnn.bottleneck.direct"));
    const row = (key, cells, rat, text = false) =>
      el(
        "tr",
        {},
        el("th", { scope: "row" }, t(`cnn.bottleneck.row_${key}`)),
        ...cells.map((c, i) =>
          el("td", { className: text ? "text mono" : "", attrs: { "data-label": names[i] } }, c),
        ),
        ...(r
          ? [
              el(
                "td",
                {
                  className: rat ? "ratio" : "ratio none",
                  attrs: { "data-label": t("cnn.bottleneck.ratio") },
                },
                rat || "—",
              ),
            ]
          : []),
      ); // "—": no ratio for this row
    const ratios = res.ratios || {};
    $("cost-table").replaceChildren(
      el("thead", {}, head),
      el(
        "tbody",
        {},
        row(
          "layers",
          variants.map((v) => v.torch),
          "",
          true,
        ),
        row(
          "shapes",
          variants.map((v) => v.layers.map((ly) => `(${ly.output_shape.join(", ")})`).join(" → ")),
          "",
          true,
        ),
        row(
          "mults",
          variants.map((v) => num(v.multiplications)),
          ratio(ratios.multiplications),
        ),
        row(
          "flops",
          variants.map((v) => num(v.torch_flops)),
          ratio(ratios.torch_flops),
        ),
        row(
          "flops_half",
          variants.map((v) => num(v.torch_flops / 2)),
          ratio(ratios.torch_flops),
        ),
        row(
          "params",
          variants.map((v) => num(v.parameters)),
          ratio(ratios.parameters),
        ),
        row(
          "time",
          variants.map((v) => ms(v.ms)),
          ratio(ratios.time),
        ),
      ),
    );
    $("time-note").textContent = res.timed
      ? t(res.threads === 1 ? "cnn.bottleneck.time_note_one" : "cnn.bottleneck.time_note", {
          repeats: res.repeats,
          threads: res.threads,
        }) + (res.note ? ` ${res.note}` : "")
      : t("cnn.bottleneck.not_timed", { note: res.note });
  }

  function variantNames(r) {
    return r ? [t("cnn.bottleneck.direct"), t("cnn.bottleneck.reduced")] : [t("cnn.bottleneck.direct")];
  }

  function drawMults(d, r) {
    const x = variantNames(r);
    const k = d.layers[0].kernel;
    const traces = [
      {
        name: t("cnn.bottleneck.layer_1x1"),
        x,
        y: [0, r?.layers[0].multiplications ?? 0].slice(0, x.length),
      },
      {
        name: t("cnn.bottleneck.layer_kxk", { k }),
        x,
        y: [d.multiplications, r?.layers[1].multiplications].slice(0, x.length),
      },
    ].map((tr, i) => ({
      ...tr,
      type: "bar",
      marker: { color: LAYER_COLORS[i] },
      hovertemplate: "%{x}: %{y:,} <extra>%{fullData.name}</extra>",
    }));
    draw("plot-mults", traces, {
      showlegend: true,
      yTitle: t("cnn.bottleneck.mults_axis"),
      xTitle: t("cnn.bottleneck.variant_axis"),
    }).then(() => Plotly.relayout("plot-mults", { barmode: "stack" }));
  }

  function drawTime(d, r) {
    const variants = r ? [d, r] : [d];
    const x = variantNames(r);
    const runs = variants.flatMap((v, i) => v.runs_ms.map(() => x[i]));
    draw(
      "plot-time",
      [
        {
          type: "bar",
          name: t("cnn.bottleneck.median"),
          x,
          y: variants.map((v) => v.ms ?? 0),
          marker: { color: COLORS.accent },
          hovertemplate: "%{x}: %{y:.3f} ms<extra></extra>",
        },
        {
          type: "scatter",
          mode: "markers",
          name: t("cnn.bottleneck.runs"),
          x: runs,
          y: variants.flatMap((v) => v.runs_ms),
          marker: { color: COLORS.ink, size: 6 },
          hovertemplate: "%{y:.3f} ms<extra></extra>",
        },
      ],
      { showlegend: true, yTitle: t("cnn.bottleneck.time_axis"), xTitle: t("cnn.bottleneck.variant_axis") },
    );
    $("time-caption").textContent = res.timed
      ? t(res.threads === 1 ? "cnn.bottleneck.caption_time_one" : "cnn.bottleneck.caption_time", {
          repeats: res.repeats,
          threads: res.threads,
        })
      : t("cnn.bottleneck.not_timed", { note: res.note });
  }

  /* ---- the stage: squeeze, widen, and count ---- */
  const DIRECT = 1; // the guided steps that count a layer up, one frame per group of output rows
  const SQUEEZE = 2;
  const WIDEN = 3;
  const SAVING = 4;
  const COUNTING = [DIRECT, SQUEEZE, WIDEN];
  const MAX_FRAMES = 14;
  const countFrames = () => Math.min(MAX_FRAMES, res.output_shape[1]);

  /** Output rows counted at `frame` of a counting step (all of them on its last frame). */
  function rowsAt(frame) {
    const h = res.output_shape[1];
    return Math.round(((frame + 1) * h) / countFrames());
  }

  /** A layer's multiplications after `rows` of its H output rows: each row costs the same, 1/H of all. */
  const counted = (layer, rows) => Math.round((layer.multiplications * rows) / layer.output_shape[1]);

  /** How far each count has come at guided step `step`: multiplications of the direct layer, of the 1×1
   * and of the k×k after it, and which of them the step is about. */
  function moment(step, frame) {
    const { direct: d, reduced: r } = res;
    const rows = COUNTING.includes(step) ? rowsAt(frame) : 0;
    const full = {
      direct: d.multiplications,
      one: r ? r.layers[0].multiplications : 0,
      two: r ? r.layers[1].multiplications : 0,
      focus: null,
      rows,
    };
    if (step === DIRECT)
      return { ...full, direct: counted(d.layers[0], rows), one: 0, two: 0, focus: "direct" };
    if (step === SQUEEZE && r) return { ...full, one: counted(r.layers[0], rows), two: 0, focus: "one" };
    if (step === WIDEN && r) return { ...full, two: counted(r.layers[1], rows), focus: "two" };
    return full;
  }

  /** Which bars a step lights up: the tensors (input, squeezed, outputs) and the layers counted. */
  const LIT = {
    [DIRECT]: ["input", "direct"],
    [SQUEEZE]: ["input", "one"],
    [WIDEN]: ["one", "two"],
  };

  function stageAt(step, frame) {
    const { direct: d, reduced: r } = res;
    const [cin, h, w] = res.input_shape;
    const cout = res.output_shape[0];
    const k = d.layers[0].kernel;
    const m = moment(step, frame);
    const lit = LIT[step];
    const on = (part) => !lit || lit.includes(part);
    const look = (part, color) => ({
      color,
      opacity: on(part) ? 1 : 0.28,
      line: { color: COLORS.window, width: lit?.includes(part) ? 3 : 0 },
    });
    const bar = (name, x, y, text, color, part) => ({
      type: "bar",
      name,
      x: [x],
      y: [y],
      width: 0.34,
      text: [text],
      textposition: "outside",
      constraintext: "none",
      textfont: { size: 12 },
      cliponaxis: false,
      marker: look(part, color),
      hovertemplate: `${name}: ${text}<extra></extra>`,
      showlegend: false,
    });
    const narrow = $("plot-stage").clientWidth < 520; // a phone: shorter labels, fewer ticks
    const shape = (c) => (narrow ? num(c) : `${num(c)} × ${h}×${w}`);
    // top: the channel stack (one bar per tensor, as tall as its channels)
    const traces = [bar(t(`${K}stage_input`), 0, cin, shape(cin), COLORS.muted, "input")];
    if (r) {
      const rc = r.layers[0].out_channels;
      traces.push(bar(t(`${K}stage_squeezed`), 1, rc, shape(rc), COLORS.green, "one"));
      traces.push(bar(t(`${K}reduced`), 2.19, cout, shape(cout), COLORS.blue, "two"));
    }
    traces.push(bar(t(`${K}direct`), r ? 1.81 : 2, cout, shape(cout), COLORS.red, "direct"));
    // bottom: the multiplications counted so far, direct (red) against 1×1 (green) + k×k (blue)
    const rowY = [t(`${K}reduced`), t(`${K}direct`)];
    const count = (name, y, x, base, color, part) => ({
      type: "bar",
      orientation: "h",
      name,
      x: [x],
      y: [y],
      base: [base],
      xaxis: "x2",
      yaxis: "y2",
      width: 0.6,
      marker: look(part, color),
      hovertemplate: `${name}: %{x:,}<extra></extra>`,
      showlegend: false,
    });
    traces.push(count(t(`${K}layer_kxk`, { k }), rowY[1], m.direct, 0, COLORS.red, "direct"));
    if (r) {
      traces.push(count(t(`${K}layer_1x1`), rowY[0], m.one, 0, COLORS.green, "one"));
      traces.push(count(t(`${K}layer_kxk`, { k }), rowY[0], m.two, m.one, COLORS.blue, "two"));
    }
    const most = Math.max(d.multiplications, r ? r.multiplications : 0);
    const total = (y, v) => ({
      xref: "x2",
      yref: "y2",
      x: v,
      y,
      xanchor: "left",
      xshift: 6,
      showarrow: false,
      text: num(v),
      font: { size: 13, color: COLORS.ink },
    });
    const annotations = [total(rowY[1], m.direct)];
    if (r) {
      const sum = m.one + m.two;
      const done = step === SAVING && res.ratios;
      annotations.push({
        ...total(rowY[0], sum),
        text: done
          ? t(`${K}stage_fewer`, { n: num(sum), ratio: fmt(res.ratios.multiplications, 2) })
          : num(sum),
      });
    } else
      annotations.push({
        xref: "paper",
        yref: "paper",
        x: 0.5,
        y: 0.75,
        showarrow: false,
        text: t(`${K}stage_no_reduce`),
        font: { size: 14, color: COLORS.muted },
      });
    annotations.push(...arrows(cin, r ? r.layers[0].out_channels : null, cout, k, on));
    draw("plot-stage", traces, {
      yTitle: t(`${K}stage_channels`),
      // fixed margins, room for the row names: automargin would lay the figure out several times a frame
      margin: { t: 24, r: 12, l: narrow ? 100 : 118, b: 44 },
      xaxis: {
        range: [-0.5, 2.6],
        tickvals: r ? [0, 1, 2] : [0, 2],
        ticktext: [
          t(`${K}stage_input`),
          ...(r ? [t(`${K}stage_after_1x1`, { r: r.layers[0].out_channels })] : []),
          t(`${K}stage_output`),
        ],
        fixedrange: true,
        showgrid: false,
        automargin: false,
      },
      yaxis: { domain: [0.58, 1], range: [0, cin * 1.18], fixedrange: true, automargin: false },
      annotations,
      layout: {
        barmode: "overlay",
        xaxis2: {
          anchor: "y2",
          range: [0, most * (narrow ? 1.55 : 1.3)],
          title: { text: t(`${K}mults_axis`) },
          gridcolor: COLORS.line,
          fixedrange: true,
          automargin: false,
          nticks: narrow ? 4 : 8,
        },
        yaxis2: { domain: [0, 0.36], anchor: "x2", fixedrange: true, automargin: false },
      },
    });
    return stepNumbers(step, m);
  }

  /** The layers as arrows between the tensors of the channel stack: 1×1 and k×k, and k×k directly. */
  function arrows(cin, rc, cout, k, on) {
    const arrow = (x, y, ax, ay, text, color, part) => ({
      x,
      y,
      ax,
      ay,
      xref: "x",
      yref: "y",
      axref: "x",
      ayref: "y",
      text,
      showarrow: true,
      arrowhead: 2,
      arrowwidth: 2,
      arrowcolor: color,
      opacity: on(part) ? 1 : 0.35,
      font: { size: 13, color },
      bgcolor: "rgba(255, 255, 255, 0.85)",
    });
    const top = cin * 1.1;
    const out = [
      arrow(1.75, cout + cin * 0.18, 0.62, top * 0.8, t(`${K}layer_kxk`, { k }), COLORS.red, "direct"),
    ];
    if (rc !== null) {
      out.push(arrow(0.85, rc + cin * 0.2, 0.5, cin * 0.45, t(`${K}layer_1x1`), COLORS.green, "one"));
      out.push(
        arrow(2.08, cout + cin * 0.12, 1.2, rc + cin * 0.3, t(`${K}layer_kxk`, { k }), COLORS.blue, "two"),
      );
    }
    return out;
  }

  /** The numbers of guided step `step`'s text, all from the answer. */
  function stepNumbers(step, m) {
    const { direct: d, reduced: r, ratios } = res;
    const [cin, h, w] = res.input_shape;
    const none = "—";
    const base = {
      cin,
      h,
      w,
      cout: res.output_shape[0],
      k: d.layers[0].kernel,
      r: r ? r.layers[0].out_channels : none,
      rows: m.rows,
    };
    if (step === DIRECT)
      return { ...base, formula: d.layers[0].formula, total: num(d.multiplications), count: num(m.direct) };
    if (step === SQUEEZE || step === WIDEN) {
      const layer = r?.layers[step === SQUEEZE ? 0 : 1];
      return {
        ...base,
        formula: layer ? layer.formula : none,
        total: layer ? num(layer.multiplications) : none,
        count: r ? num(step === SQUEEZE ? m.one : m.one + m.two) : none,
      };
    }
    return {
      ...base,
      direct: num(d.multiplications),
      reduced: r ? num(r.multiplications) : none,
      one: r ? num(r.layers[0].multiplications) : none,
      two: r ? num(r.layers[1].multiplications) : none,
      ratio: ratios ? fmt(ratios.multiplications, 2) : none,
      params: ratios ? fmt(ratios.parameters, 2) : none,
      flopsD: num(d.torch_flops),
      flopsR: r ? num(r.torch_flops) : none,
      msD: ms(d.ms),
      msR: r ? ms(r.ms) : none,
      time: ratios?.time ? fmt(ratios.time, 2) : none,
    };
  }

  const guide = N.steps({
    show: (step, frame) => (res ? stageAt(step, frame) : null),
    frames: (step) => (res && COUNTING.includes(step) ? countFrames() : 1),
    interval: (step) => (COUNTING.includes(step) ? 260 : 3200),
  });

  function torchCode() {
    const b = body();
    const lines = [
      "import statistics, time",
      "import torch",
      "from torch import nn",
      "from torch.utils.flop_counter import FlopCounterMode",
      "",
      `torch.set_num_threads(${b.threads})`,
      `x = torch.randn(1, ${b.in_channels}, ${b.height}, ${b.width})`,
      `direct = ${res.direct.torch}`,
    ];
    if (res.reduced) lines.push(`reduced = ${res.reduced.torch}`);
    lines.push(
      "",
      "def measure(layer):",
      "    with torch.no_grad(), FlopCounterMode(display=False) as counter:",
      "        y = layer(x)",
      "    runs = []",
      "    with torch.no_grad():",
      "        layer(x)   # warm-up",
      `        for _ in range(${res.repeats || b.repeats}):`,
      "            t0 = time.perf_counter()",
      "            layer(x)",
      "            runs.append((time.perf_counter() - t0) * 1000)",
      "    return y.shape, counter.get_total_flops() // 2, statistics.median(runs)",
      "",
      `print(measure(direct))    # (torch.Size([1, ${res.output_shape.join(", ")}]), ${res.direct.multiplications}, ms)`,
    );
    if (res.reduced)
      lines.push(
        `print(measure(reduced))   # (torch.Size([1, ${res.output_shape.join(", ")}]), ${res.reduced.multiplications}, ms)`,
      );
    return lines.join("\n");
  }

  for (const id of ["in-channels", "height", "width", "out-channels", "kernel", "reduce-to"]) {
    $(id).addEventListener("input", reload);
  }
  $("use-reduce").addEventListener("change", load);
  $("threads").addEventListener("change", load);
  $("repeats").addEventListener("input", () => {
    $("repeats-out").value = $("repeats").value;
    reload();
  });
  $("course").addEventListener("click", () => {
    for (const [id, v] of Object.entries(COURSE)) $(id).value = v;
    $("use-reduce").checked = true;
    N.state.save();
    load();
  });
  load();
})();
