/* §4.3 Update modes: the layout of one mini-batch (which sample's step t sits where in the
 * (T, B, 1) tensor), then a job that trains the same RNN one sample per update and one batch per
 * update, drawing both loss curves against updates and against seconds. */
(() => {
  "use strict";
  const { t, api, tensor, draw, lines, code, fmt, debounce, COLORS, $, sub } = N;
  const P = "rnn.batching.";
  const MAX_ONE_SAMPLE_UPDATES = 2048;
  const SHOWN_COLUMNS = 8;
  const MODES = { one: { color: COLORS.warn }, mini: { color: COLORS.accent } };
  let layout = null; // the last /api/rnn/batching/layout response, x decoded
  let curves = {};

  const modeName = (mode, b) => t(`${P}mode_${mode}`, { b });

  function params() {
    return {
      samples: Number($("samples").value),
      seq_len: Number($("seq-len").value),
      batch_size: Number($("batch-size").value),
      epochs: Number($("epochs").value),
      lr: Number($("lr").value),
      hidden_size: Number($("hidden-size").value),
      seed: Number($("seed").value) || 0,
    };
  }

  /* ---- one batch: the (T, B, 1) tensor ---- */
  async function loadLayout() {
    const p = params();
    const body = {
      samples: p.samples,
      seq_len: p.seq_len,
      batch_size: p.batch_size,
      seed: p.seed,
      batch: Math.min(Number($("batch").value), Math.ceil(p.samples / p.batch_size) - 1),
    };
    try {
      layout = await api("POST", "/api/rnn/batching/layout", body, { key: "layout" });
    } catch {
      return;
    }
    layout.X = tensor(layout.x);
    $("batch").max = layout.batches - 1;
    if (N.state.restore("batch") && Number($("batch").value) !== layout.batch) {
      await loadLayout(); // a link's batch, once the batches are known
      return;
    }
    $("batch").value = layout.batch;
    $("batch-out").textContent = t(`${P}batch_of`, { i: layout.batch + 1, n: layout.batches });
    drawLayout();
  }

  const valueAt = (step, col) => layout.X.data[step * layout.X.shape[1] + col]; // x[t, b, 0]

  function drawLayout() {
    const { seq_len: T, samples: n, batch_size: b, batches } = layout;
    const cols = layout.X.shape[1];
    $("layout-shape").replaceChildren(
      ...[
        t(`${P}shape_mini`, { T, b: cols, n: batches, last: layout.last_batch_size }),
        t(`${P}shape_one`, { T, n }),
        t(`${P}updates_line`, {
          n,
          b,
          one: layout.updates_per_epoch.one,
          mini: layout.updates_per_epoch.mini,
        }),
      ].map((text) => Object.assign(document.createElement("p"), { textContent: text })),
    );
    table(T, cols);
    const shown = Math.min(cols, SHOWN_COLUMNS);
    const traces = [...Array(shown).keys()].flatMap((j) => waveTraces(j));
    lines("plot-task", traces, { xTitle: t(`${P}axis_t`), yTitle: t(`${P}axis_value`), showlegend: true });
    draw("plot-layout", [batchHeatmap(cols)], {
      xTitle: t(`${P}axis_column`),
      yTitle: t(`${P}axis_step`),
      yaxis: { autorange: "reversed" },
    });
    N.bars(
      "plot-updates",
      [modeName("one", 1), modeName("mini", b)],
      [layout.updates_per_epoch.one, layout.updates_per_epoch.mini],
      { yTitle: t(`${P}axis_updates`), color: [MODES.one.color, MODES.mini.color] },
    );
    budget();
    code(torchCode());
    guide.refresh();
  }

  const columnColor = (j, n) => `hsl(${(j * 360) / n}, 60%, 45%)`;

  /** Column j's wave over time (a line) and its target at step T + 1 (a star). */
  function waveTraces(j, extra = {}) {
    const T = layout.seq_len;
    const ts = [...Array(T).keys()].map((s) => s + 1);
    const color = columnColor(j, Math.min(layout.X.shape[1], SHOWN_COLUMNS));
    const name = t(`${P}sample`, { i: layout.indices[j] });
    return [
      {
        x: ts,
        y: ts.map((s) => valueAt(s - 1, j)),
        name,
        line: { color, width: 1.5 },
        legendgroup: String(j),
      },
      {
        x: [T + 1],
        y: [layout.y[j]],
        mode: "markers",
        name,
        showlegend: false,
        legendgroup: String(j),
        marker: { color, symbol: "star", size: 11 },
        hovertemplate: `${t(`${P}target`)}: %{y:.3f}<extra></extra>`,
      },
    ].map((tr) => ({ type: "scatter", mode: "lines", ...tr, ...extra }));
  }

  /** The batch tensor x[t, b, 0] as a heatmap (rows: time steps, columns: samples), its first `filled`
   * columns drawn (the rest empty), on a colour scale fixed by the whole batch. */
  function batchHeatmap(filled, extra = {}) {
    const T = layout.seq_len;
    const cols = layout.X.shape[1];
    const z = [...Array(T).keys()].map((s) =>
      [...Array(cols).keys()].map((j) => (j < filled ? valueAt(s, j) : null)),
    );
    const m = Math.max(...layout.X.data.map(Math.abs)) || 1;
    return {
      type: "heatmap",
      z,
      x: [...Array(cols).keys()],
      y: [...Array(T).keys()].map((s) => s + 1),
      colorscale: N.SCALES.diverging,
      zmin: -m,
      zmax: m,
      colorbar: { thickness: 12 },
      customdata: z.map(() => layout.indices),
      hovertemplate: `t = %{y}, ${t(`${P}column`)} %{x} (${t(`${P}sample_short`)} %{customdata}): %{z:.3f}<extra></extra>`,
      ...extra,
    };
  }

  function table(T, cols) {
    const shown = Math.min(cols, SHOWN_COLUMNS);
    const rows = T <= 8 ? [...Array(T).keys()] : [0, 1, 2, 3, 4, null, T - 1];
    const cell = (tag, text, cls) =>
      Object.assign(document.createElement(tag), { textContent: text, className: cls || "" });
    const head = document.createElement("tr");
    head.append(cell("th", t(`${P}col_step`)));
    for (let j = 0; j < shown; j++) head.append(cell("th", t(`${P}col_sample`, { j, i: layout.indices[j] })));
    if (cols > shown) head.append(cell("th", t(`${P}more_columns`, { n: cols - shown })));
    const body = rows.map((s) => {
      const tr = document.createElement("tr");
      if (s === null) {
        tr.append(cell("th", "⋮"), ...[...Array(shown + (cols > shown))].map(() => cell("td", "⋮")));
        return tr;
      }
      tr.append(cell("th", `t = ${s + 1}`));
      for (let j = 0; j < shown; j++) {
        const td = cell("td", "");
        // "x₁₇₂,₁ = −0.67": subscripts (sample, step) as in the header, a real minus sign
        td.append(
          cell("span", `x${sub(layout.indices[j])},${sub(s + 1)} =`, "lbl"),
          cell("span", ` ${fmt(valueAt(s, j), 2).replace("-", "−")}`),
        );
        tr.append(td);
      }
      if (cols > shown) tr.append(cell("td", "…"));
      return tr;
    });
    const el = $("layout-table");
    el.tHead.replaceChildren(head);
    el.tBodies[0].replaceChildren(...body);
    $("layout-caption").innerHTML = t(`${P}table_caption_html`, { T, b: cols });
  }

  function budget() {
    const p = params();
    const over = p.samples * p.epochs > MAX_ONE_SAMPLE_UPDATES;
    $("budget").textContent = t(over ? `${P}over_budget` : `${P}budget`, {
      one: p.samples * p.epochs,
      mini: Math.ceil(p.samples / p.batch_size) * p.epochs,
      max: MAX_ONE_SAMPLE_UPDATES,
    });
    $("budget").classList.toggle("error", over);
  }

  /* ---- the job: both modes, live ---- */
  const job = N.jobForm("batching", P, {
    params,
    reset: () => {
      curves = {};
    },
    event: (ev) => {
      curves[ev.mode] ??= { b: ev.batch_size, steps: [], secs: [], loss: [], epochs: [] };
      const c = curves[ev.mode];
      if (ev.kind === "step") {
        c.steps.push(ev.step);
        c.secs.push(ev.elapsed);
        c.loss.push(ev.loss);
      } else c.epochs.push(ev);
      return {
        value: ev.overall_step,
        max: ev.overall_total,
        text: t(`${P}progress_text`, {
          mode: modeName(ev.mode, ev.batch_size),
          epoch: ev.epoch,
          step: ev.step,
          total: ev.total_steps,
          loss: fmt(ev.loss, 4),
          elapsed: fmt(ev.elapsed, 1),
        }),
      };
    },
    draw: () => {
      if (Object.keys(curves).length) drawCurves();
    },
    done: (result) => {
      $("job-text").textContent = t(`${P}done_text`, { seconds: result.seconds });
      results(result);
    },
  });

  function drawCurves() {
    const trace = (mode, x) => ({
      x: curves[mode][x],
      y: curves[mode].loss,
      name: modeName(mode, curves[mode].b),
      line: { color: MODES[mode].color },
    });
    const modes = Object.keys(curves);
    // powers of ten, not SI prefixes ("100µ" reads as a unit)
    const opts = {
      yTitle: t(`${P}axis_loss`),
      yaxis: { type: "log", exponentformat: "power" },
      showlegend: true,
    };
    lines(
      "plot-loss-updates",
      modes.map((m) => trace(m, "steps")),
      {
        ...opts,
        xTitle: t(`${P}axis_updates_done`),
        xaxis: { type: "log", exponentformat: "power", dtick: 1 },
      },
    );
    lines(
      "plot-loss-time",
      modes.map((m) => trace(m, "secs")),
      // a log time axis: the mini-batch run ends in a fraction of a second and would sit in the first
      // sliver of a linear axis scaled to the one-sample run
      { ...opts, xTitle: t(`${P}axis_seconds_log`), xaxis: { type: "log", dtick: 1 } },
    );
    const perEpoch = (c) => c.epochs.map((e, i) => e.elapsed - (i ? c.epochs[i - 1].elapsed : 0));
    draw(
      "plot-epoch-seconds",
      modes.map((m) => ({
        type: "bar",
        name: modeName(m, curves[m].b),
        x: curves[m].epochs.map((e) => e.epoch),
        y: perEpoch(curves[m]),
        marker: { color: MODES[m].color },
        hovertemplate: `${t(`${P}epoch`)} %{x}: %{y:.2f} s<extra></extra>`,
      })),
      { xTitle: t(`${P}epoch`), yTitle: t(`${P}axis_epoch_seconds`), showlegend: true, xaxis: { dtick: 1 } },
    );
  }

  function results(r) {
    const { one, mini } = r.modes;
    const epochs = one.epoch_seconds.length;
    const row = (m) => {
      const tr = document.createElement("tr");
      const mean = m.epoch_seconds.reduce((a, v) => a + v, 0) / epochs;
      const cells = [
        modeName(m.mode, m.batch_size),
        m.batch_size,
        m.updates_per_epoch,
        fmt(mean, 2),
        fmt((m.updates_per_epoch * epochs) / m.total_seconds, 0),
        fmt((r.samples * epochs) / m.total_seconds, 0),
        fmt(m.held_out_loss.at(-1), 4),
      ];
      tr.append(...cells.map((v) => Object.assign(document.createElement("td"), { textContent: String(v) })));
      return tr;
    };
    $("result-table").tBodies[0].replaceChildren(row(one), row(mini));
    const secs = (m) => m.epoch_seconds.reduce((a, v) => a + v, 0) / epochs;
    $("result-text").textContent = t(`${P}result_text`, {
      ratio: fmt(secs(one) / secs(mini), 1),
      epochs,
      one: fmt(one.held_out_loss.at(-1), 4),
      mini: fmt(mini.held_out_loss.at(-1), 4),
      b: mini.batch_size,
    });
  }

  /* ---- the PyTorch panel: the task, the model and both loops, self-contained ---- */
  function torchCode() {
    const p = params();
    return [
      "import math, time, torch",
      "import torch.nn.functional as F",
      "from torch import nn",
      "",
      `N, T, B, H, seed = ${p.samples}, ${p.seq_len}, ${p.batch_size}, ${p.hidden_size}, ${p.seed}`,
      "g = torch.Generator().manual_seed(seed)   # the page's waves: random period, amplitude, phase",
      "period, amp = 6 + 10 * torch.rand(N, 1, generator=g), 0.5 + torch.rand(N, 1, generator=g)",
      "phase = 2 * math.pi * torch.rand(N, 1, generator=g)",
      "clean = amp * torch.sin(2 * math.pi * torch.arange(T + 1.0) / period + phase)   # (N, T + 1)",
      "x = (clean[:, :T] + 0.1 * torch.randn(N, T, generator=g))[:, :, None]   # (N, T, 1) noisy waves",
      "y = clean[:, T:]   # (N, 1) the next value, noise-free",
      "",
      "class NextValue(nn.Module):",
      "    def __init__(self):",
      "        super().__init__()",
      "        self.rnn, self.fc = nn.RNN(1, H), nn.Linear(H, 1)   # batch_first=False",
      "    def forward(self, xb):                       # xb: (b, T, 1) rows of samples",
      "        _, h_n = self.rnn(xb.transpose(0, 1))    # (T, b, 1): [t, j] = step t of sample j",
      "        return self.fc(h_n[0])                   # (b, 1)",
      "",
      "for batch_size in (1, B):                       # one-sample mode, then mini-batches",
      "    torch.manual_seed(seed)",
      "    model = NextValue()",
      `    opt = torch.optim.Adam(model.parameters(), lr=${p.lr})`,
      "    order_gen = torch.Generator().manual_seed(seed)",
      `    for epoch in range(${p.epochs}):`,
      "        start, updates = time.perf_counter(), 0",
      "        for idx in torch.randperm(N, generator=order_gen).split(batch_size):",
      "            loss = F.mse_loss(model(x[idx]), y[idx])",
      "            opt.zero_grad(); loss.backward(); opt.step()   # one update per batch",
      "            updates += 1",
      "        print(batch_size, epoch + 1, updates, f'{time.perf_counter() - start:.2f} s', loss.item())",
      `# updates per epoch: ${p.samples} with batch_size 1, math.ceil(N / B) = ${Math.ceil(p.samples / p.batch_size)} with B = ${p.batch_size}`,
    ].join("\n");
  }

  /* ---- the stage: one sequence, then B of them stacked into the batch tensor nn.RNN reads ---- */
  const STEP = { ONE: 0, ONE_UPDATE: 1, STACK: 2, ROWS: 3, MINI_UPDATE: 4, COMPARE: 5 };
  const MAX_STACK_FRAMES = 16;
  // where the waves (x, y) and the tensor (x2, y2) sit: side by side, or one above the other on a phone
  const DOMAINS = {
    wide: {
      x: [
        [0, 0.42],
        [0.54, 1],
      ],
      y: [
        [0, 1],
        [0, 1],
      ],
    },
    narrow: {
      x: [
        [0, 1],
        [0, 1],
      ],
      y: [
        [0.64, 1],
        [0, 0.4],
      ],
    },
  };
  const stackFrames = () => Math.min(layout.X.shape[1], MAX_STACK_FRAMES);

  /** What the stage shows at a moment: how many columns are filled and what is outlined. */
  function moment(step, frame) {
    const cols = layout.X.shape[1];
    if (step <= STEP.ONE_UPDATE) return { filled: 1, column: 0 };
    if (step === STEP.STACK) {
      const filled = Math.ceil(((frame + 1) * cols) / stackFrames());
      return { filled, column: filled - 1 };
    }
    if (step === STEP.ROWS) return { filled: cols, row: frame };
    return { filled: cols, whole: step === STEP.MINI_UPDATE };
  }

  const outline = (x0, x1, y0, y1, xref, yref) => ({
    type: "rect",
    xref,
    yref,
    x0,
    x1,
    y0,
    y1,
    line: { color: COLORS.window, width: 3 },
  });

  function stageAt(step, frame) {
    const T = layout.seq_len;
    const cols = layout.X.shape[1];
    const m = moment(step, frame);
    const narrow = $("plot-stage").clientWidth < 600;
    const waves = [...Array(Math.min(m.filled, SHOWN_COLUMNS)).keys()].flatMap((j) =>
      waveTraces(j, { xaxis: "x", yaxis: "y", showlegend: false }),
    );
    const heat = batchHeatmap(m.filled, {
      xaxis: "x2",
      yaxis: "y2",
      colorbar: { thickness: 10, len: narrow ? 0.4 : 1, y: 0, yanchor: "bottom" },
    });
    const shapes = [];
    if (m.column !== undefined)
      shapes.push(outline(m.column - 0.5, m.column + 0.5, 0.5, T + 0.5, "x2", "y2"));
    if (m.row !== undefined) {
      shapes.push(outline(-0.5, cols - 0.5, m.row + 0.5, m.row + 1.5, "x2", "y2"));
      shapes.push({
        type: "line",
        xref: "x",
        yref: "paper",
        x0: m.row + 1,
        x1: m.row + 1,
        y0: narrow ? 0.64 : 0,
        y1: 1,
        line: { color: COLORS.window, width: 2 },
      });
    }
    if (m.whole) shapes.push(outline(-0.5, cols - 0.5, 0.5, T + 0.5, "x2", "y2"));
    const lim = Math.max(...layout.X.data.map(Math.abs), ...layout.y.map(Math.abs)) * 1.1 || 1;
    const {
      x: [a, b],
      y: [ya, yb],
    } = DOMAINS[narrow ? "narrow" : "wide"];
    draw("plot-stage", [...waves, heat], {
      xTitle: t(`${P}axis_t`),
      yTitle: t(`${P}axis_value`),
      margin: { t: 28, r: 8 },
      xaxis: { domain: a, range: [0.5, T + 1.5], anchor: "y" },
      yaxis: { domain: ya, range: [-lim, lim], anchor: "x" },
      shapes,
      layout: {
        xaxis2: { domain: b, anchor: "y2", title: { text: t(`${P}axis_column`) }, range: [-0.5, cols - 0.5] },
        yaxis2: { domain: yb, anchor: "x2", title: { text: t(`${P}axis_step`) }, range: [T + 0.5, 0.5] },
        annotations: [
          N.plotTitle("x", t(`${P}stage_waves`, { k: Math.min(m.filled, SHOWN_COLUMNS) }), { size: 13 }),
          N.plotTitle("x2", t(`${P}stage_tensor`, { T, b: m.filled }), { size: 13 }),
        ],
      },
    });
    return stepNumbers(step, m);
  }

  /** The numbers of guided step `step`'s text, all from the layout answer. */
  function stepNumbers(step, m) {
    const T = layout.seq_len;
    const cols = layout.X.shape[1];
    const p = params();
    const first = (vals) =>
      `${vals
        .slice(0, 3)
        .map((v) => fmt(v, 2))
        .join(", ")}, …`;
    if (step === STEP.ONE) {
      const wave = [...Array(T).keys()].map((s) => valueAt(s, 0));
      return { i: layout.indices[0], T, first: first(wave), target: fmt(layout.y[0], 3) };
    }
    if (step === STEP.ONE_UPDATE) return { n: layout.samples, T };
    if (step === STEP.STACK) return { k: m.filled, b: cols, T, i: layout.indices[m.filled - 1] };
    if (step === STEP.ROWS) {
      const row = [...Array(cols).keys()].map((j) => valueAt(m.row, j));
      return { t: m.row + 1, b: cols, row: first(row), H: p.hidden_size };
    }
    if (step === STEP.MINI_UPDATE) {
      const { samples: n, batch_size: b, batches, last_batch_size: last } = layout;
      return { n, b, mini: batches, last, batch: layout.batch + 1 };
    }
    return { one: layout.samples * p.epochs, mini: layout.batches * p.epochs, epochs: p.epochs };
  }

  const guide = N.steps({
    show: (step, frame) => (layout ? stageAt(step, frame) : null),
    frames: (step) => {
      if (!layout) return 1;
      if (step === STEP.STACK) return stackFrames();
      return step === STEP.ROWS ? layout.seq_len : 1;
    },
    interval: (step) => (step === STEP.STACK || step === STEP.ROWS ? 450 : 3000),
  });

  /* ---- wiring ---- */
  const later = debounce(loadLayout, 250);
  for (const id of ["seq-len", "batch-size", "hidden-size"]) {
    const show = () => {
      $(`${id}-out`).textContent = $(id).value;
    };
    show();
    $(id).addEventListener("input", show);
  }
  for (const id of ["samples", "seq-len", "batch-size", "seed"]) {
    $(id).addEventListener("input", () => {
      $("batch").value = 0;
      later();
    });
  }
  $("batch").addEventListener("input", later);
  for (const id of ["epochs", "lr", "hidden-size"])
    $(id).addEventListener("input", () => {
      budget();
      code(torchCode());
    });

  async function init() {
    await loadLayout();
    await job.resume();
  }
  init();
})();
