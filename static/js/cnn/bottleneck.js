/* §2.2 1×1 convolutions: one k×k layer with and without a 1×1 reduction in front, counted by
 * formula and by torch's FLOP counter, and timed on the server. Numbers from POST /api/cnn/cost. */
(() => {
  "use strict";
  const { t, api, draw, code, debounce, el, fmt, num, COLORS } = N;
  const $ = (id) => document.getElementById(id);
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
      res = await api("POST", "/api/cnn/cost", body());
    } catch {
      return; // the status line names the field and its range
    }
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
    load();
  });
  load();
})();
