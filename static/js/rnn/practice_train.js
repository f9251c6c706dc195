/* §6 RNN practice, part 2: train the name classifier as a job (kind "names"), follow its loss,
 * accuracy, per-language accuracy and 18×18 confusion matrix live (after every epoch). Before any
 * run, and after a cancelled one, the shipped model's are shown. */
(() => {
  "use strict";
  const { t, heatmap, bars, lines, fmt, COLORS, $ } = N;
  const P = "rnn.practice.";
  const FIELDS = [
    "epochs",
    "batch_size",
    "lr",
    "weight_decay",
    "embedding_dim",
    "hidden_size",
    "num_layers",
    "dropout",
    "class_weight_power",
    "train_size",
    "seed",
  ];
  let classes = [];
  let majority = 0; // held-out accuracy of always answering the largest language
  let card = null; // GET /api/names/model: the shipped model's results
  let steps = [];
  let epochs = [];

  const params = () => ({
    ...Object.fromEntries(FIELDS.map((f) => [f, Number($(f).value)])),
    optimizer: $("optimizer").value,
  });

  const job = N.jobForm("names", P, {
    params,
    reset: () => {
      steps = [];
      epochs = [];
      showShipped();
    }, // not a previous run's results
    event: (ev) => {
      if (ev.kind === "epoch") {
        epochs.push(ev);
        // bars, matrix and sentence switch together: never the shipped model's beside this run's
        drawResult(ev.per_class, ev.confusion, ev, t(`${P}after_epoch`, { epoch: ev.epoch }));
      } else steps.push(ev);
    },
    draw: drawCurves,
    stopped: () => showShipped(), // a cancelled run's last epoch would sit beside the shipped results
    done: (result) => {
      $("job-text").textContent = t(`${P}done_text`, {
        acc: (100 * result.held_out_accuracy).toFixed(2),
        seconds: result.seconds,
      });
      drawResult(result.per_class, result.confusion, result, t(`${P}your_model`));
    },
  });

  function drawCurves() {
    const x = steps.map((s) => s.step);
    lines(
      "plot-loss",
      [{ x, y: steps.map((s) => s.loss), name: t(`${P}train_loss`), line: { color: COLORS.accent } }],
      {
        xTitle: t(`${P}axis_step`),
        yTitle: t(`${P}axis_loss`),
        yaxis: { type: "log" },
      },
    );
    lines(
      "plot-acc",
      [
        {
          x,
          y: steps.map((s) => 100 * s.accuracy),
          name: t(`${P}train_acc`),
          line: { color: COLORS.accent },
        },
        {
          x: epochs.map((e) => e.step),
          y: epochs.map((e) => 100 * e.held_out_accuracy),
          name: t(`${P}held_out_acc`),
          mode: "lines+markers",
          line: { color: COLORS.red },
        },
      ],
      { xTitle: t(`${P}axis_step`), yTitle: t(`${P}axis_acc`), yaxis: { range: [0, 100] } },
    );
  }

  function drawPerClass(perClass, who) {
    bars(
      "plot-per-class",
      classes,
      perClass.map((v) => 100 * v),
      {
        title: who,
        xTitle: "",
        yTitle: t(`${P}axis_class_acc`),
        yaxis: { range: [0, 100] },
        xaxis: { tickangle: -45 },
        margin: { b: 90 },
      },
    );
  }

  // `res`: held_out_accuracy, and unseen_accuracy and unseen_size when known (the model card and a
  // job's result; an epoch event has only the first).
  function drawResult(perClass, z, res, who) {
    drawPerClass(perClass, who);
    const rowPct = z.map((r) => {
      const n = r.reduce((a, b) => a + b, 0) || 1;
      return r.map((v) => (100 * v) / n);
    });
    heatmap("plot-confusion", rowPct, {
      title: who,
      scale: "heat",
      zmin: 0,
      zmax: 100,
      unit: t(`${P}row_percent`),
      // each cell prints its own value, the row's percentage (whole, blank below 0.5 %); counts on hover
      text: rowPct.map((r) => r.map((v) => (v >= 0.5 ? fmt(v, 0) : ""))),
      textfont: { size: 10 },
      xTitle: t(`${P}axis_predicted`),
      yTitle: t(`${P}axis_true`),
      xaxis: { tickvals: classes.map((_, i) => i), ticktext: classes, tickangle: -45 },
      yaxis: { tickvals: classes.map((_, i) => i), ticktext: classes },
      margin: { b: 100, l: 90 },
      customdata: z.map((r, i) => r.map((v, j) => [classes[i], classes[j], v])),
      hovertemplate: `${t(`${P}axis_true`)} %{customdata[0]} → %{customdata[1]}: %{customdata[2]} (%{z:.1f} %)<extra></extra>`,
    });
    confusionList(z, who);
    $("result-text").textContent = [
      t(`${P}result_text`, { who, acc: (100 * res.held_out_accuracy).toFixed(2) }),
      t(`${P}baseline_text`, { majority: (100 * majority).toFixed(1) }),
      ...(res.unseen_size == null
        ? []
        : [t(`${P}unseen_text`, { n: N.num(res.unseen_size), acc: (100 * res.unseen_accuracy).toFixed(2) })]),
    ].join(N.page.lang === "zh" ? "" : " ");
  }

  /** A phone: the matrix as one line per true language, with its share right and the answer it is
   * most often mistaken for (18×18 cells do not fit 390 px). */
  function confusionList(z, who) {
    $("confusion-list-title").textContent = who;
    $("confusion-list").tBodies[0].replaceChildren(
      ...z.map((row, i) => {
        const n = row.reduce((a, b) => a + b, 0) || 1;
        const others = row.map((v, k) => (k === i ? -1 : v));
        const j = others.indexOf(Math.max(...others)); // the most frequent wrong answer
        const pct = (v) => `${fmt((100 * v) / n, 0)} %`;
        const cells = [
          t(`${P}true_count`, { lang: classes[i], n: N.num(n) }),
          pct(row[i]),
          row[j] ? `${classes[j]} ${pct(row[j])}` : "—",
        ];
        const tr = document.createElement("tr");
        cells.forEach((text, k) => {
          const td = document.createElement(k ? "td" : "th");
          if (!k) td.scope = "row";
          td.textContent = text;
          tr.append(td);
        });
        return tr;
      }),
    );
  }

  const showShipped = () =>
    card && drawResult(card.per_class_accuracy, card.confusion, card, t(`${P}shipped_model`));

  async function init() {
    card = await fetch("/api/names/model").then((r) => r.json());
    classes = card.classes.map(N.language);
    majority = card.majority_accuracy;
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done))); // the stage paints first
    showShipped();
    await job.resume();
  }

  init();
})();
