/* §6 RNN practice, part 2: train the name classifier as a job (kind "names"), follow its loss,
 * accuracy and per-language accuracy live, then read its 18×18 confusion matrix. Before any run
 * the shipped model's per-language accuracy and confusion matrix are shown. */
(() => {
  "use strict";
  const { t, api, heatmap, bars, lines, status, fmt, COLORS } = N;
  const $ = (id) => document.getElementById(id);
  const P = "rnn.practice.";
  const JOB_KEY = "naturally.names.job";
  const FIELDS = ["epochs", "batch_size", "lr", "weight_decay", "embedding_dim", "hidden_size", "num_layers", "dropout",
    "class_weight_power", "train_size", "seed"];
  const form = $("train-form");
  let classes = [];
  let source = null;
  let steps = [];
  let epochs = [];
  let drawPending = false;

  const params = () => ({ ...Object.fromEntries(FIELDS.map((f) => [f, Number($(f).value)])),
    optimizer: $("optimizer").value });

  async function start(ev) {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    try {
      follow(await api("POST", "/api/jobs", { kind: "names", params: params() }));
    } catch (e) { /* the status line says why (e.g. too many jobs) */ }
  }

  function follow(job) {
    sessionStorage.setItem(JOB_KEY, job.id);
    source?.close();
    steps = [];
    epochs = [];
    running(true);
    $("job-text").textContent = t(P + "waiting");
    source = N.followJob(job, {
      step: (ev) => { steps.push(ev); progress(ev); },
      epoch: (ev) => {
        epochs.push(ev);
        progress(ev);
        drawPerClass(ev.per_class, t(P + "after_epoch", { epoch: ev.epoch }));
      },
      end: finish,
    });
  }

  function running(on) {
    $("start").disabled = on;
    $("cancel").disabled = !on;
  }

  function progress(ev) {
    status("");
    $("job-bar").max = ev.total_steps || 1;
    $("job-bar").value = ev.step;
    $("job-text").textContent = t(P + "progress_text", {
      epoch: ev.epoch, step: ev.step, total: ev.total_steps ?? "?", loss: fmt(ev.loss, 4),
      elapsed: Math.round(ev.elapsed), eta: ev.eta == null ? "?" : Math.round(ev.eta),
    });
    if (!drawPending) {
      drawPending = true;
      requestAnimationFrame(() => { drawPending = false; drawCurves(); });
    }
  }

  function drawCurves() {
    const x = steps.map((s) => s.step);
    lines("plot-loss", [{ x, y: steps.map((s) => s.loss), name: t(P + "train_loss"), line: { color: COLORS.accent } }], {
      xTitle: t(P + "axis_step"), yTitle: t(P + "axis_loss"), yaxis: { type: "log" },
    });
    lines("plot-acc", [
      { x, y: steps.map((s) => 100 * s.accuracy), name: t(P + "train_acc"), line: { color: COLORS.accent } },
      { x: epochs.map((e) => e.step), y: epochs.map((e) => 100 * e.held_out_accuracy),
        name: t(P + "held_out_acc"), mode: "lines+markers", line: { color: COLORS.red } },
    ], { xTitle: t(P + "axis_step"), yTitle: t(P + "axis_acc"), yaxis: { range: [0, 100] } });
  }

  function finish(end) {
    running(false);
    drawCurves();
    if (end.state === "done") {
      $("job-bar").value = $("job-bar").max;
      $("job-text").textContent = t(P + "done_text", {
        acc: (100 * end.result.held_out_accuracy).toFixed(2), seconds: end.result.seconds });
      drawResult(end.result.per_class, end.result.confusion, end.result, t(P + "your_model"));
    } else {
      $("job-text").textContent = end.state === "cancelled" ? t(P + "cancelled")
        : t(P + "failed", { error: end.error });
    }
  }

  function drawPerClass(perClass, who) {
    bars("plot-per-class", classes, perClass.map((v) => 100 * v), {
      title: who, xTitle: "", yTitle: t(P + "axis_class_acc"), yaxis: { range: [0, 100] },
      xaxis: { tickangle: -45 }, margin: { b: 90 },
    });
  }

  // `res`: held_out_accuracy, unseen_accuracy and unseen_size (the model card and a job's result).
  function drawResult(perClass, z, res, who) {
    drawPerClass(perClass, who);
    const rowPct = z.map((r) => { const n = r.reduce((a, b) => a + b, 0) || 1; return r.map((v) => (100 * v) / n); });
    heatmap("plot-confusion", rowPct, {
      scale: "heat", zmin: 0, zmax: 100, unit: t(P + "row_percent"), text: z.map((r) => r.map((v) => (v ? String(v) : ""))),
      xTitle: t(P + "axis_predicted"), yTitle: t(P + "axis_true"),
      xaxis: { tickvals: classes.map((_, i) => i), ticktext: classes, tickangle: -45 },
      yaxis: { tickvals: classes.map((_, i) => i), ticktext: classes }, margin: { b: 100, l: 90 },
      customdata: z.map((r, i) => r.map((v, j) => [classes[i], classes[j], v])),
      hovertemplate: `${t(P + "axis_true")} %{customdata[0]} → %{customdata[1]}: %{customdata[2]} (%{z:.1f} %)<extra></extra>`,
    });
    $("result-text").textContent = t(P + "result_text", { who, acc: (100 * res.held_out_accuracy).toFixed(2) }) +
      " " + t(P + "unseen_text", { n: res.unseen_size, acc: (100 * res.unseen_accuracy).toFixed(2) });
  }

  async function init() {
    form.addEventListener("submit", start);
    $("cancel").addEventListener("click", async () => {
      const id = sessionStorage.getItem(JOB_KEY);
      if (id) await api("DELETE", `/api/jobs/${id}`).catch(() => {});
    });
    const card = await fetch("/api/names/model").then((r) => r.json());
    classes = card.classes;
    drawResult(card.per_class_accuracy, card.confusion, card, t(P + "shipped_model"));
    $("result-text").textContent += " " + t(P + "baseline_text", { majority: (100 * card.majority_accuracy).toFixed(1) });
    const id = sessionStorage.getItem(JOB_KEY);
    if (id) {
      const job = await fetch(`/api/jobs/${id}`).then((r) => (r.ok ? r.json() : null));
      if (job) follow(job);
    }
  }

  init();
})();
