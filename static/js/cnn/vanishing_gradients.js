/* §2.3 Vanishing gradients and ResNet: per-layer gradient norms of a plain and a residual stack
 * (one backward pass each), walked back from the loss layer by layer on the stage; then the depth
 * experiment as a job whose curves fill live. */
(() => {
  "use strict";
  const { t, api, lines, draw, code, debounce, fmt, sci, COLORS, $ } = N;
  const K = "cnn.vanishing_gradients.";
  const STACKS = [
    [false, "plain", COLORS.red],
    [true, "residual", COLORS.blue],
  ];
  let curves = {}; // run name → { steps: [], epochs: [], index }
  let res = null; // [plain, residual] answers of POST /api/cnn/gradient-norms

  /* ---- one backward pass: plain vs residual ---- */
  function settings() {
    return {
      depth: Number($("depth").value),
      activation: $("activation").value,
      init: $("init").value,
      batch_norm: $("batch_norm").checked,
      batch: Number($("batch").value),
      seed: Number($("seed").value),
    };
  }

  async function update() {
    const s = settings();
    $("depth-out").value = s.depth;
    code(torchCode(s));
    if (!$("norms-form").checkValidity()) return;
    try {
      res = await Promise.all(
        STACKS.map(([residual, name]) =>
          api("POST", "/api/cnn/gradient-norms", { ...s, residual }, { key: `norms-${name}` }),
        ),
      );
    } catch {
      return; /* the status line says why, or a later setting's answer is on its way */
    }
    const traces = (key) =>
      res.map((r, i) => ({
        x: r.layers,
        y: r[key],
        name: t(K + STACKS[i][1]),
        mode: "lines+markers",
        line: { color: STACKS[i][2] },
        marker: { size: 4 },
        hovertemplate: `${t(`${K}axis_layer`)} %{x}: %{y:.3e}<extra>${t(K + STACKS[i][1])}</extra>`,
      }));
    const opts = {
      xTitle: t(`${K}axis_layer`),
      yaxis: { type: "log", exponentformat: "power" },
      xaxis: { range: [0.5, s.depth + 0.5] },
      margin: { l: 72 },
    };
    lines("plot-weights", traces("weight_norms"), { ...opts, yTitle: t(`${K}axis_weight`) });
    lines("plot-outputs", traces("output_norms"), { ...opts, yTitle: t(`${K}axis_output`) });
    $("ratio").textContent = t(`${K}ratio`, {
      depth: s.depth,
      plain: sci(res[0].first_over_last),
      residual: sci(res[1].first_over_last),
      loss: res[0].loss == null ? "—" : res[0].loss.toFixed(3),
    });
    guide.refresh();
  }

  /* ---- the stage: the backward pass walks from the loss down to layer 1, plain against residual ---- */
  const PLAIN_WALK = 2; // the step that walks back through the plain stack, one frame per layer (or group)
  const RESIDUAL_WALK = 4;
  const MAX_FRAMES = 20;
  const log10 = (v) => (v > 0 ? Math.log10(v) : null);

  /** How many layers the walk has reached at `frame` of a walking step: frame 0 → the last layer only. */
  function reached(frame) {
    const depth = res[0].layers.length;
    const frames = walkFrames();
    return frame >= frames - 1 ? depth : 1 + Math.round((frame * (depth - 1)) / Math.max(1, frames - 1));
  }
  const walkFrames = () => Math.min(MAX_FRAMES, res[0].layers.length);

  /** What each stack shows at guided step `step`: the number of layers lit from the top (0: none). */
  function moment(step, frame) {
    const depth = res[0].layers.length;
    return [
      { plain: depth, residual: depth, focus: null },
      { plain: 1, residual: 1, focus: depth },
      { plain: reached(frame), residual: 1, focus: depth + 1 - reached(frame), stack: 0 },
      { plain: depth, residual: 1, focus: 1, stack: 0 },
      { plain: depth, residual: reached(frame), focus: depth + 1 - reached(frame), stack: 1 },
      { plain: depth, residual: depth, focus: 1 },
    ][step];
  }

  /** A y range (log10) that holds every finite norm of both stacks, so the axes stay still. */
  function stageRange() {
    const all = res.flatMap((r) => r.weight_norms.map(log10)).filter((v) => v !== null);
    const [lo, hi] = [Math.min(...all), Math.max(...all)];
    const pad = Math.max(0.3, (hi - lo) * 0.06);
    return [lo - pad, hi + pad];
  }

  function stageAt(step, frame) {
    const m = moment(step, frame);
    const depth = res[0].layers.length;
    const lit = [m.plain, m.residual];
    const shown = (r, i) => r.weight_norms.map((v, l) => (l >= depth - lit[i] ? v : null));
    const range = stageRange();
    const traces = res.map((r, i) => ({
      type: "scatter",
      mode: "lines+markers",
      x: r.layers,
      y: shown(r, i),
      name: t(K + STACKS[i][1]),
      line: { color: STACKS[i][2], width: m.stack === i ? 3.5 : 2 },
      marker: { size: depth > 40 ? 4 : 7 },
      hovertemplate: `${t(`${K}axis_layer`)} %{x}: %{y:.3e}<extra>${t(K + STACKS[i][1])}</extra>`,
    }));
    // the strips below: one row a stack, each layer's cell as dark as its gradient is large (log scale)
    for (const [i, r] of res.entries()) {
      traces.push({
        type: "heatmap",
        xaxis: "x",
        yaxis: "y2",
        x: r.layers,
        y: [i], // numbers, not names: Plotly fails on two one-row heatmaps sharing a category axis
        z: [shown(r, i).map(log10)],
        customdata: [shown(r, i)],
        zmin: range[0],
        zmax: range[1],
        colorscale: [
          [0, "rgba(255, 255, 255, 0)"],
          [1, STACKS[i][2]],
        ],
        showscale: false,
        xgap: 2,
        ygap: 4,
        hovertemplate: `${t(`${K}axis_layer`)} %{x}: %{customdata:.3e}<extra>${t(K + STACKS[i][1])}</extra>`,
      });
    }
    const shapes = [];
    if (m.focus !== null && m.focus <= depth) {
      shapes.push({
        type: "rect",
        xref: "x",
        yref: "paper",
        x0: m.focus - 0.5,
        x1: m.focus + 0.5,
        y0: 0,
        y1: 1,
        fillcolor: COLORS.window,
        opacity: 0.14,
        line: { width: 0 },
        layer: "below",
      });
    }
    const narrow = $("plot-stage").clientWidth < 520; // a phone: fewer ticks, no room beside the legend
    const every = narrow ? 20 : 40;
    const backward = {
      xref: "paper",
      yref: "paper",
      x: 1,
      y: 1,
      xanchor: "right",
      yanchor: "bottom",
      showarrow: false,
      text: t(`${K}stage_backward`),
      font: { color: COLORS.muted },
    };
    draw("plot-stage", traces, {
      xTitle: t(`${K}axis_layer`),
      yTitle: t(`${K}axis_weight`),
      showlegend: true,
      margin: { t: 34 },
      xaxis: {
        range: [0.5, depth + 0.5],
        anchor: "y2",
        dtick: depth > 2 * every ? 10 : depth > every / 2 ? 5 : 1,
      },
      yaxis: { type: "log", range, domain: [0.3, 1] },
      shapes,
      annotations: narrow ? [] : [backward],
      layout: {
        yaxis2: {
          domain: [0, 0.2],
          anchor: "x",
          automargin: true,
          fixedrange: true,
          range: [1.5, -0.5], // plain on top
          tickvals: [0, 1],
          ticktext: STACKS.map(([, name]) => t(K + name)),
          showgrid: false,
          zeroline: false,
        },
      },
    });
    return stepNumbers(step, m);
  }

  /** The numbers of guided step `step`'s text, all from the two answers. */
  function stepNumbers(step, m) {
    const [plain, residual] = res;
    const depth = plain.layers.length;
    const first = (r) => sci(r.weight_norms[0]);
    const last = (r) => sci(r.weight_norms[depth - 1]);
    const base = { depth, act: plain.settings.activation, batch: plain.settings.batch };
    const at = (r) => {
      const v = r.weight_norms[m.focus - 1];
      const top = r.weight_norms[depth - 1];
      return { layer: m.focus, norm: sci(v), ratio: v == null || !top ? "—" : sci(v / top) };
    };
    if (step === 0)
      return {
        ...base,
        loss: plain.loss == null ? "—" : fmt(plain.loss, 3),
        plain1: first(plain),
        res1: first(residual),
      };
    if (step === 1) return { ...base, plainLast: last(plain), resLast: last(residual) };
    if (step === PLAIN_WALK) return { ...base, ...at(plain) };
    if (step === 3) {
      const ratio = plain.first_over_last;
      const factor = ratio == null ? null : ratio ** (1 / (depth - 1));
      return {
        ...base,
        slope: t(`${K}slope_${plain.settings.activation}`),
        factor: factor == null ? "—" : fmt(factor, 3),
        steps: depth - 1,
        ratio: sci(ratio),
      };
    }
    if (step === RESIDUAL_WALK) return { ...base, ...at(residual) };
    return { ...base, plainRatio: sci(plain.first_over_last), resRatio: sci(residual.first_over_last) };
  }

  const guide = N.steps({
    show: (step, frame) => (res ? stageAt(step, frame) : null),
    frames: (step) => (res && (step === PLAIN_WALK || step === RESIDUAL_WALK) ? walkFrames() : 1),
    interval: (step) => (step === PLAIN_WALK || step === RESIDUAL_WALK ? 350 : 3200),
  });

  function torchCode(s) {
    const act = { sigmoid: "torch.sigmoid", tanh: "torch.tanh", relu: "torch.relu" }[s.activation];
    const init = {
      default: [
        "    nn.init.kaiming_uniform_(lin.weight, a=5 ** 0.5, generator=g)   # PyTorch's default",
        "    nn.init.uniform_(lin.bias, -1 / n_in ** 0.5, 1 / n_in ** 0.5, generator=g)",
      ],
      xavier: ["    nn.init.xavier_normal_(lin.weight, generator=g)", "    nn.init.zeros_(lin.bias)"],
      he: [
        '    nn.init.kaiming_normal_(lin.weight, nonlinearity="relu", generator=g)',
        "    nn.init.zeros_(lin.bias)",
      ],
    }[s.init];
    return [
      "import torch, torch.nn as nn, torch.nn.functional as F",
      "from engine.cnn.depth import digit_batch   # the same digits as the page",
      "",
      "def linear(n_in, n_out, g):",
      "    lin = nn.Linear(n_in, n_out)",
      ...init,
      "    return lin.double()   # float64: tiny norms stay visible",
      "",
      `x, y = digit_batch(${s.batch}, seed=${s.seed})   # (${s.batch}, 1, 28, 28), (${s.batch},)`,
      "for residual in (False, True):",
      `    g = torch.Generator().manual_seed(${s.seed})   # same weights for both stacks`,
      "    stem = linear(784, 64, g)",
      `    layers = [linear(64, 64, g) for _ in range(${s.depth})]`,
      "    head = linear(64, 10, g)",
      `    norms = [${s.batch_norm ? "nn.BatchNorm1d(64).double()" : "nn.Identity()"} for _ in range(${s.depth})]`,
      "    h = stem(x.double().flatten(1))   # (B, 64)",
      "    for lin, norm in zip(layers, norms):",
      `        f = norm(lin(${act}(h)))   # F(h), (B, 64)`,
      "        h = h + f if residual else f",
      `    loss = F.cross_entropy(head(${act}(h)), y)`,
      "    loss.backward()",
      "    w = [lin.weight.grad.norm().item() for lin in layers]",
      '    print("residual" if residual else "plain", f"layer 1: {w[0]:.3e}, last: {w[-1]:.3e}")',
    ].join("\n");
  }

  /* ---- the depth experiment: four trainings as one job ---- */
  const EARLY_ERROR = 0.25; // above this for every stack, too few epochs to read Figure 1's order
  const SETTLED_ERROR = 0.1; // a shallow plain stack still above this has not finished learning
  const CHANCE_ERROR = 0.85; // about the 90 % a guess among ten digits gets wrong
  const SENTENCE_GAP = N.page.lang === "zh" ? "" : " "; // Chinese puts no space after "。"
  const runLabel = (name) => t(`${K}run_${name.split("-")[0]}`, { depth: name.split("-")[1] });
  const pct = (v) => `${fmt(100 * v, 2)} %`;

  /** What this run's final training errors show, compared with Figure 1, in sentences. */
  function verdict(runs, epochs) {
    const figures = runs
      .map((r) => t(`${K}verdict_figure`, { run: runLabel(r.name), error: pct(r.train_error) }))
      .join(t(`${K}verdict_list_sep`));
    const parts = [t(`${K}verdict_figures`, { epochs, figures })];
    if (Math.min(...runs.map((r) => r.train_error)) >= EARLY_ERROR) {
      return [...parts, t(`${K}verdict_early`)].join(SENTENCE_GAP);
    }
    const depths = runs.map((r) => r.depth);
    const [shallow, deep] = [Math.min(...depths), Math.max(...depths)];
    const err = (residual, depth) =>
      runs.find((r) => r.residual === residual && r.depth === depth).train_error;
    const points = (a, b) => fmt(100 * (a - b), 1);
    const [p0, p1, r0, r1] = [err(false, shallow), err(false, deep), err(true, shallow), err(true, deep)];
    const vars = { shallow, deep, p0: pct(p0), p1: pct(p1), r0: pct(r0), r1: pct(r1) };
    const plainWorse = p1 > p0;
    const residualFine = r1 <= r0;
    const short = p0 > SETTLED_ERROR;
    parts.push(
      plainWorse
        ? t(`${K}verdict_plain_worse`, { ...vars, points: points(p1, p0) })
        : t(`${K}verdict_plain_not_worse`, vars),
    );
    if (p1 >= CHANCE_ERROR) parts.push(t(`${K}verdict_plain_chance`, vars));
    parts.push(
      residualFine
        ? t(`${K}verdict_residual_fine`, vars)
        : t(`${K}verdict_residual_worse`, { ...vars, points: points(r1, r0) }),
    );
    if (short) parts.push(t(`${K}verdict_short`, vars));
    else if (plainWorse && residualFine) parts.push(t(`${K}verdict_yes`));
    else parts.push(t(`${K}verdict_no`));
    return parts.join(SENTENCE_GAP);
  }
  const emptyRow = document.querySelector("#runs tbody tr").cloneNode(true);
  const job = N.jobForm("depth", K, {
    params: () => ({ epochs: Number($("epochs").value), seed: Number($("train-seed").value) }),
    reset: () => {
      // not the previous run's table and verdict beside this run's curves
      curves = {};
      $("runs").tBodies[0].replaceChildren(emptyRow);
      $("verdict").textContent = "";
    },
    event: (d) => {
      curves[d.run] ??= { steps: [], epochs: [], index: d.run_index };
      const c = curves[d.run];
      c[d.kind === "epoch" ? "epochs" : "steps"].push(d);
      const total = d.total_steps || 1;
      return {
        value: d.run_index + d.step / total,
        max: d.runs,
        text: t(`${K}progress_text`, {
          run: runLabel(d.run),
          index: d.run_index + 1,
          runs: d.runs,
          step: d.step,
          total,
          elapsed: Math.round(d.elapsed),
        }),
      };
    },
    draw: drawCurves,
    done: (result, run) => {
      $("job-text").textContent = t(`${K}done_text`, { seconds: result.seconds });
      $("runs").tBodies[0].replaceChildren(
        ...result.runs.map((r) => {
          const tr = document.createElement("tr");
          for (const v of [
            runLabel(r.name),
            N.num(r.parameters),
            r.seconds.toFixed(1),
            pct(r.train_error),
            pct(r.held_out_error),
          ]) {
            const td = document.createElement("td");
            td.textContent = String(v);
            tr.append(td);
          }
          return tr;
        }),
      );
      $("verdict").textContent = verdict(result.runs, run.params.epochs);
    },
  });

  function style(name) {
    const [kind, depth] = name.split("-");
    const deeper = Object.keys(curves)
      .filter((n) => n.startsWith(kind))
      .every((n) => Number(n.split("-")[1]) <= Number(depth));
    return { color: kind === "plain" ? COLORS.red : COLORS.blue, dash: deeper ? "solid" : "dot", width: 2 };
  }

  function drawCurves() {
    const names = Object.keys(curves).sort((a, b) => curves[a].index - curves[b].index);
    if (!names.length) {
      // nothing trained yet: empty the plots, so that CSS shows their data-empty hint instead of bare axes
      for (const id of ["plot-train", "plot-held"]) Plotly.purge(id);
      return;
    }
    const annotations = [];
    lines(
      "plot-train",
      names.map((n) => ({
        x: curves[n].steps.map((s) => s.step),
        y: curves[n].steps.map((s) => 100 * (1 - s.accuracy)),
        name: runLabel(n),
        line: style(n),
      })),
      {
        xTitle: t(`${K}axis_step`),
        yTitle: t(`${K}axis_train_error`),
        yaxis: { range: [0, 100] },
        showlegend: true,
        annotations,
      },
    );
    lines(
      "plot-held",
      names.map((n) => ({
        x: curves[n].epochs.map((e) => e.epoch),
        y: curves[n].epochs.map((e) => 100 * (1 - e.held_out_accuracy)),
        name: runLabel(n),
        mode: "lines+markers",
        line: style(n),
      })),
      {
        xTitle: t(`${K}axis_epoch`),
        yTitle: t(`${K}axis_held_error`),
        yaxis: { range: [0, 100] },
        xaxis: { dtick: 1 },
        showlegend: true,
        annotations,
      },
    );
  }

  async function init() {
    $("norms-form").addEventListener("input", debounce(update, 150));
    $("norms-form").addEventListener("submit", (ev) => ev.preventDefault());
    drawCurves();
    await update();
    await job.resume();
  }

  init();
})();
