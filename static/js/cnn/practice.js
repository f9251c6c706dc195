/* §3 CNN practice: train a digit CNN as a job, follow its events live, then read its confusion
 * matrix and misread digits; compare finished runs with the shipped models. The stage opens on the
 * shipped net's recorded training (loss and held-out accuracy per epoch) and its answers on the
 * 2,000 held-out digits, evaluated by torch as the page loads; a run of one's own takes its place. */
(() => {
  "use strict";
  const { t, api, tensor, matrix, mosaic, heatmap, draw, plotTitle, code, fmt, num, COLORS, SCALES, $ } = N;
  const CHANCE = 0.2; // at most twice the 10 % of guessing one of ten digits
  let steps = [];
  let epochs = [];
  let running = null; // the params of the run being followed
  const range = (n) => Array.from({ length: n }, (_, i) => i);
  let warned = false; // one warning a run: the first sign that it cannot learn

  function params() {
    return {
      model: $("model").value,
      epochs: Number($("epochs").value),
      batch_size: Number($("batch_size").value),
      lr: Number($("lr").value),
      optimizer: $("optimizer").value,
      schedule: $("schedule").value,
      train_size: Number($("train_size").value),
      augment: $("augment").checked,
      seed: Number($("seed").value),
    };
  }

  const job = N.jobForm("digits", "cnn.practice.", {
    params,
    reset: (job) => {
      steps = [];
      epochs = [];
      warned = false;
      $("job-warning").hidden = true;
      running = job.params;
      showShipped();
    }, // not a previous run's results
    event: (ev) => {
      (ev.kind === "epoch" ? epochs : steps).push(ev);
      if (!warned) warn(ev);
    },
    draw: () => {
      drawCurves();
      if (epochs.length) showOnStage({ run: true });
    },
    done: (result) => {
      $("job-text").textContent = t("cnn.practice.done_text", {
        acc: (100 * result.held_out_accuracy).toFixed(2),
        seconds: result.seconds,
      });
      drawResult(result, t("cnn.practice.your_model", { model: t(`cnn.practice.net_${result.model}`) }));
      compare();
    },
  });

  /** Say so when a run cannot learn: its loss is no longer a number (NaN or infinite arrive as null),
   * or a whole epoch ends as good as guessing. */
  function warn(ev) {
    const p = running;
    const recipe = N.page.recipes[p.model];
    const vars = {
      model: t(`cnn.practice.net_${p.model}`),
      lr: p.lr,
      recipe_lr: recipe.lr,
      epoch: ev.epoch,
      step: ev.step,
    };
    const cause = t(p.lr > recipe.lr ? "cnn.practice.cause_lr" : "cnn.practice.cause_other", vars);
    let text = null;
    if (ev.loss === null || !Number.isFinite(ev.loss)) {
      text = t("cnn.practice.warn_nan", vars);
    } else if (ev.kind === "epoch" && ev.held_out_accuracy < CHANCE && ev.accuracy < CHANCE) {
      text = t("cnn.practice.warn_chance", {
        ...vars,
        acc: fmt(100 * ev.held_out_accuracy, 1),
        train: fmt(100 * ev.accuracy, 1),
        loss: fmt(ev.loss, 2),
      });
    }
    if (!text) return;
    warned = true;
    $("job-warning").textContent = `${text} ${cause}`;
    $("job-warning").hidden = false;
  }

  /** The settings a link set (the ones it named and the form took; a refused value is not one). */
  function linkedSettings() {
    const linked = [...new URLSearchParams(location.search)].filter(([name, value]) => {
      const el = $(name);
      return el && (el.type === "checkbox" || el.value === value);
    });
    return new Set(linked.map(([name]) => name));
  }

  /** The form holds the recipe of the chosen net: the settings its shipped weights were trained with,
   * except those named in `kept` (a link's own settings). */
  function fillRecipe(kept = new Set()) {
    const recipe = N.page.recipes[$("model").value];
    for (const [name, value] of Object.entries(recipe)) {
      if (kept.has(name)) continue;
      const el = $(name);
      if (el.type === "checkbox") el.checked = value;
      else el.value = String(value);
    }
    code(torchCode());
  }

  function drawCurves() {
    N.trainingCurves("plot-loss", "plot-acc", steps, epochs, (name) => t(`cnn.practice.${name}`));
  }

  function drawResult(result, who) {
    const z = result.confusion;
    shown = { ...result, who };
    guide.refresh();
    heatmap("plot-confusion", z, {
      scale: "heat",
      unit: t("cnn.practice.digits_unit"),
      text: z.map((r) => r.map(String)),
      xTitle: t("cnn.practice.axis_predicted"),
      yTitle: t("cnn.practice.axis_true"),
      xaxis: { dtick: 1 },
      yaxis: { dtick: 1 },
      hovertemplate: `${t("cnn.practice.axis_true")} %{y} → ${t("cnn.practice.axis_predicted")} %{x}: %{z}<extra></extra>`,
    });
    $("result-text").textContent = t("cnn.practice.result_text", {
      who,
      acc: (100 * result.held_out_accuracy).toFixed(2),
      wrong: result.misread_count,
      shown: result.misread.length,
    });
    gallery(result);
  }

  function gallery(result) {
    const box = $("misread");
    box.replaceChildren();
    const pixels = tensor(result.misread_images);
    result.misread.forEach((m, i) => {
      const fig = document.createElement("figure");
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 28;
      const img = canvas.getContext("2d").createImageData(28, 28);
      matrix(pixels, i)
        .flat()
        .forEach((v, j) => {
          img.data.set([v, v, v, 255], 4 * j);
        });
      canvas.getContext("2d").putImageData(img, 0, 0);
      canvas.setAttribute("role", "img");
      canvas.setAttribute(
        "aria-label",
        t("cnn.practice.misread_label", { label: m.label, predicted: m.predicted }),
      );
      const cap = document.createElement("figcaption");
      cap.textContent = `${m.label} → ${m.predicted}`;
      fig.append(canvas, cap);
      box.append(fig);
    });
  }

  async function compare() {
    const [models, jobs] = await Promise.all([
      fetch("/api/digits/models").then((r) => r.json()),
      fetch("/api/jobs").then((r) => r.json()),
    ]);
    const net = (name) => t(`cnn.practice.net_${name}`);
    const rows = models.map((m) => [
      t("cnn.practice.shipped"),
      net(m.name),
      m.parameters,
      m.training?.epochs ?? "",
      m.training?.seconds ?? "",
      m.held_out_accuracy,
    ]);
    const params = Object.fromEntries(models.map((m) => [m.name, m.parameters]));
    for (const j of jobs.filter((j) => j.kind === "digits" && j.state === "done" && j.result)) {
      rows.push([
        t("cnn.practice.your_run"),
        net(j.params.model),
        params[j.params.model] ?? "",
        j.params.epochs,
        j.result.seconds,
        j.result.held_out_accuracy,
      ]);
    }
    $("compare").tBodies[0].replaceChildren(
      ...rows.map((r) => {
        const tr = document.createElement("tr");
        r.forEach((v, i) => {
          const td = document.createElement("td");
          td.textContent =
            v === null || v === undefined || v === ""
              ? ""
              : i === 5
                ? `${(100 * v).toFixed(2)} %`
                : i === 4
                  ? Number(v).toFixed(1)
                  : typeof v === "number"
                    ? N.num(v)
                    : String(v);
          tr.append(td);
        });
        return tr;
      }),
    );
  }

  function torchCode() {
    const p = params();
    const opt = { adam: "Adam", adamw: "AdamW", sgd: "SGD" }[p.optimizer];
    return [
      "import torch, torch.nn.functional as F",
      `from engine.models.digits import build      # the ${p.model} net of this lesson`,
      `from engine.data.mnist import mnist_split${p.augment ? ", random_shift" : ""}   # 8,000 training / 2,000 held-out digits`,
      "",
      `torch.manual_seed(${p.seed})`,
      "data = mnist_split()",
      `x, y = data.x_train[:${p.train_size}], data.y_train[:${p.train_size}]   # (N, 1, 28, 28), (N,)`,
      `model = build("${p.model}")`,
      `opt = torch.optim.${opt}(model.parameters(), lr=${p.lr}${p.optimizer === "sgd" ? ", momentum=0.9" : ""})`,
      p.schedule === "onecycle"
        ? `sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=${p.lr}, total_steps=${p.epochs} * ((len(x) + ${p.batch_size - 1}) // ${p.batch_size}))`
        : "sched = None",
      `for epoch in range(${p.epochs}):`,
      "    order = torch.randperm(len(x))",
      `    for i in range(0, len(x), ${p.batch_size}):`,
      `        idx = order[i:i + ${p.batch_size}]`,
      ...(p.augment
        ? ["        xb = random_shift(x[idx], 1)                 # each digit moved by up to 1 px"]
        : []),
      `        loss = F.cross_entropy(model(${p.augment ? "xb" : "x[idx]"}), y[idx])   # logits (B, 10)`,
      "        opt.zero_grad(); loss.backward(); opt.step()",
      "        if sched: sched.step()",
      "    model.eval()",
      "    with torch.no_grad():",
      "        acc = (model(data.x_held_out).argmax(1) == data.y_held_out).float().mean()",
      "    model.train()",
      "    print(epoch + 1, loss.item(), acc.item())",
    ].join("\n");
  }

  /** Before (or without) a run of one's own: how the shipped weights of the chosen net do. */
  async function showShipped() {
    let shipped;
    try {
      shipped = await api("GET", `/api/digits/evaluation?model=${$("model").value}`, undefined, {
        key: "shipped",
      });
    } catch {
      return; // a later choice of net, or the status line says why
    }
    drawResult(shipped, t("cnn.practice.shipped_model", { model: t(`cnn.practice.net_${shipped.model}`) }));
  }

  /* ---- the stage: the training curves per epoch, the confusion matrix, the misread digits ---- */
  const EPOCHS = 1; // the step that walks the epochs, one a frame
  const MISREAD = 5; // the step that walks the misread digits, one a frame
  const STRIP = 8; // misread digits on the stage
  let records = null; // the shipped nets' recorded training, per epoch: {name: [{epoch, loss, …}]}
  let shown = null; // the confusion matrix and misread digits on screen, and whose they are
  let ownRun = false; // the stage's curves are the followed run's, not the shipped net's record

  function showOnStage({ run }) {
    ownRun = run;
    guide.refresh();
  }

  /** The curves the stage draws: the followed run's epochs, or the chosen net's recorded ones. */
  function history() {
    if (ownRun && epochs.length)
      return epochs.map((e) => ({
        epoch: e.epoch,
        loss: e.loss,
        acc: e.held_out_accuracy,
        seconds: e.elapsed,
      }));
    const model = running && ownRun ? running.model : $("model").value;
    return (records?.[model] || []).map((e) => ({ ...e, acc: e.held_out_accuracy }));
  }

  const MARGIN = { l: 46, r: 8, t: 24, b: 38 };
  /** Paper boxes [[x0, x1], [y0, y1]]: the two curves left, the matrix and the strip right; on a
   * narrow stage the curves side by side on top. */
  function boxes() {
    const el = $("plot-stage");
    return el.clientWidth > 1.2 * el.clientHeight
      ? {
          wide: true,
          loss: [
            [0, 0.42],
            [0.58, 1],
          ],
          acc: [
            [0, 0.42],
            [0, 0.4],
          ],
          confusion: [
            [0.52, 1],
            [0.22, 1],
          ],
          strip: [
            [0.52, 1],
            [0, 0.12],
          ],
        }
      : {
          loss: [
            [0, 0.44],
            [0.62, 1],
          ],
          acc: [
            [0.56, 1],
            [0.62, 1],
          ],
          confusion: [
            [0, 0.58],
            [0, 0.46],
          ],
          strip: [
            [0.64, 1],
            [0, 0.4],
          ],
        };
  }

  /** The largest mistake: the off-diagonal cell of the confusion matrix with the most digits. */
  function worstCell(z) {
    let best = [1, 0];
    z.forEach((row, r) => {
      row.forEach((v, c) => {
        if (r !== c && v > z[best[0]][best[1]]) best = [r, c];
      });
    });
    return { label: best[0], predicted: best[1], n: z[best[0]][best[1]] };
  }

  const cellBox = (axis, r, c, color, width = 3) => ({
    type: "rect",
    xref: `x${axis}`,
    yref: `y${axis}`,
    x0: c - 0.5,
    x1: c + 0.5,
    y0: r - 0.5,
    y1: r + 0.5,
    line: { color, width },
  });

  function stageAt(step, frame) {
    const hist = history();
    if (!shown || !hist.length) return null;
    const box = boxes();
    const z = shown.confusion;
    const last = step === EPOCHS ? Math.min(frame, hist.length - 1) : hist.length - 1;
    const misread = tensor(shown.misread_images);
    const count = Math.min(STRIP, misread.shape[0]);
    const wide = box.strip[0][1] - box.strip[0][0] > 0.4;
    const stripCols = wide ? count : Math.ceil(count / 2);
    const worst = worstCell(z);
    const pick = step === MISREAD ? Math.min(frame, count - 1) : null;
    const dim = (on) => (on ? 1 : 0.3);
    const focus = [
      [true, true, true, true],
      [true, false, false, false],
      [false, true, false, false],
      [false, false, true, false],
      [false, false, true, true],
      [false, false, false, true],
      [true, true, true, true],
    ][step];
    const epochsX = hist.map((e) => e.epoch);
    const upTo = (values) => values.map((v, i) => (i <= last ? v : null));
    /** The curve's markers: the epoch the step talks about larger, in the window colour. */
    const marks = (color, on) => ({
      color: hist.map((_, i) => (on && i === last ? COLORS.window : color)),
      size: hist.map((_, i) => (on && i === last ? 13 : 6)),
    });
    const traces = [
      {
        type: "scatter",
        mode: "lines+markers",
        x: epochsX,
        y: upTo(hist.map((e) => e.loss)),
        line: { color: COLORS.accent },
        marker: marks(COLORS.accent, step === EPOCHS),
        opacity: dim(focus[0]),
        hovertemplate: `${t("cnn.practice.stage_epoch")} %{x}: %{y:.4~g}<extra></extra>`,
      },
      {
        type: "scatter",
        mode: "lines+markers",
        x: epochsX,
        y: upTo(hist.map((e) => 100 * e.acc)),
        xaxis: "x2",
        yaxis: "y2",
        line: { color: COLORS.green },
        marker: marks(COLORS.green, step === 2),
        opacity: dim(focus[1]),
        hovertemplate: `${t("cnn.practice.stage_epoch")} %{x}: %{y:.2f} %<extra></extra>`,
      },
      {
        type: "heatmap",
        z,
        xaxis: "x3",
        yaxis: "y3",
        colorscale: SCALES.heat,
        showscale: false,
        text: z.map((r) => r.map(String)),
        texttemplate: "%{text}",
        textfont: { size: 10 },
        opacity: dim(focus[2]),
        hovertemplate: `${t("cnn.practice.axis_true")} %{y} → ${t("cnn.practice.axis_predicted")} %{x}: %{z}<extra></extra>`,
      },
      {
        type: "heatmap",
        z: mosaic(misread, range(count), stripCols),
        xaxis: "x4",
        yaxis: "y4",
        colorscale: SCALES.gray,
        zmin: 0,
        zmax: 255,
        showscale: false,
        hoverongaps: false,
        opacity: dim(focus[3]),
        hovertemplate: "%{z}<extra></extra>",
      },
    ];
    const shapes = [];
    if (step === 3) for (let d = 0; d < 10; d++) shapes.push(cellBox(3, d, d, COLORS.window, 2));
    if (step === 4) shapes.push(cellBox(3, worst.label, worst.predicted, COLORS.window));
    if (pick !== null) {
      const [r, c] = [Math.floor(pick / stripCols) * 29, (pick % stripCols) * 29];
      shapes.push({ ...cellBox(4, r, c, COLORS.window), x1: c + 27.5, y1: r + 27.5 });
      const m = shown.misread[pick];
      shapes.push(cellBox(3, m.label, m.predicted, COLORS.window));
    }
    const who = ownRun ? t("cnn.practice.stage_your_run") : t("cnn.practice.stage_record");
    const small = { size: 11 };
    draw("plot-stage", traces, {
      margin: MARGIN,
      shapes,
      annotations: [
        plotTitle("x", box.wide ? t("cnn.practice.stage_loss", { who }) : t("cnn.practice.axis_loss"), small),
        plotTitle("x2", t("cnn.practice.stage_acc"), small),
        plotTitle("x3", box.wide ? t("cnn.practice.stage_confusion", { who: shown.who }) : shown.who, small),
        plotTitle(
          "x4",
          t(`cnn.practice.stage_strip${box.wide ? "" : "_short"}`, { n: count, wrong: shown.misread_count }),
          small,
        ),
      ],
      ...stageAxes(box, hist),
    });
    return stepNumbers(step, hist, last, worst, pick);
  }

  /** The stage's axes: {xaxis, yaxis} (the loss: N.draw's log-axis labels) and the others as layout. */
  function stageAxes(box, hist) {
    const xEpochs = {
      range: [0.5, hist.length + 0.5],
      dtick: 1,
      fixedrange: true,
      tickfont: { size: 10 },
      title: { text: box.wide ? t("cnn.practice.stage_epoch") : "" },
    };
    const image = (k, b, extra = {}) => ({
      [`xaxis${k}`]: { domain: b[0], anchor: `y${k}`, constrain: "domain", ...extra },
      [`yaxis${k}`]: {
        domain: b[1],
        anchor: `x${k}`,
        autorange: "reversed",
        scaleanchor: `x${k}`,
        constrain: "domain",
        ...extra,
      },
    });
    const losses = hist.map((e) => e.loss).filter((v) => v > 0);
    return {
      xaxis: { domain: box.loss[0], anchor: "y", ...xEpochs },
      yaxis: {
        domain: box.loss[1],
        anchor: "x",
        type: "log",
        range: [Math.log10(Math.min(...losses) / 1.5), Math.log10(Math.max(...losses) * 1.5)],
        fixedrange: true,
        tickfont: { size: 10 },
        title: { text: t("cnn.practice.axis_loss") },
      },
      layout: {
        xaxis2: {
          domain: box.acc[0],
          anchor: "y2",
          ...xEpochs,
        },
        yaxis2: {
          domain: box.acc[1],
          anchor: "x2",
          range: [Math.min(90, ...hist.map((e) => 100 * e.acc)) - 1, 100],
          fixedrange: true,
          tickfont: { size: 10 },
          title: { text: t("cnn.practice.stage_acc_axis") },
        },
        ...image("3", box.confusion, {
          dtick: 1,
          tickfont: { size: 9 },
          fixedrange: true,
          zeroline: false,
          showgrid: false,
        }),
        ...image("4", box.strip, { visible: false }),
      },
    };
  }

  /** The numbers of guided step `step`'s text: from the record or the run, and the evaluation. */
  function stepNumbers(step, hist, last, worst, pick) {
    const p = running && ownRun ? running : params();
    const e = hist[last];
    const right = shown.confusion.reduce((a, row, d) => a + row[d], 0);
    const base = { model: t(`cnn.practice.net_${p.model}`), who: shown.who, epochs: hist.length };
    if (step === 0) return { ...base, train: num(p.train_size), batch: p.batch_size };
    if (step === EPOCHS) {
      return {
        ...base,
        epoch: e.epoch,
        loss: fmt(e.loss, 4),
        first: fmt(hist[0].loss, 4),
        s: fmt(e.seconds, 1),
      };
    }
    if (step === 2) return { ...base, first: fmt(100 * hist[0].acc, 2), acc: fmt(100 * e.acc, 2) };
    if (step === 3) return { ...base, right: num(right), acc: fmt(100 * shown.held_out_accuracy, 2) };
    if (step === 4) return { ...base, ...worst, wrong: shown.misread_count };
    if (step === MISREAD) {
      const m = shown.misread[pick] || { label: "–", predicted: "–" };
      return { ...base, i: pick + 1, label: m.label, predicted: m.predicted };
    }
    return { ...base, lr: p.lr, batch: p.batch_size, opt: p.optimizer };
  }

  const guide = N.steps({
    show: (step, frame) => stageAt(step, frame),
    frames: (step) =>
      step === EPOCHS
        ? Math.max(1, history().length)
        : step === MISREAD && shown
          ? Math.max(1, Math.min(STRIP, shown.misread.length))
          : 1,
    interval: (step) => (step === EPOCHS || step === MISREAD ? 800 : 3000),
  });

  async function init() {
    $("train-form").addEventListener("input", () => code(torchCode()));
    code(torchCode());
    $("model").addEventListener("change", () => {
      if (job.following()) return; // the form shows the running job's settings
      ownRun = false; // the stage shows the chosen net's record again
      fillRecipe();
      showShipped();
    });
    fillRecipe(linkedSettings());
    compare();
    const [models] = await Promise.all([api("GET", "/api/digits/models"), showShipped()]);
    records = Object.fromEntries(models.map((m) => [m.name, m.training?.history || []]));
    guide.refresh();
    await job.resume();
  }

  init();
})();
