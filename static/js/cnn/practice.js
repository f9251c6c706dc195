/* §3 CNN practice: train a digit CNN as a job, follow its events live, then read its confusion
 * matrix and misread digits; compare finished runs with the shipped models. */
(() => {
  "use strict";
  const { t, api, tensor, matrix, heatmap, code, fmt } = N;
  const $ = (id) => document.getElementById(id);
  const CHANCE = 0.2; // at most twice the 10 % of guessing one of ten digits
  let steps = [];
  let epochs = [];
  let running = null; // the params of the run being followed
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
    draw: drawCurves,
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

  /** The form holds the recipe of the chosen net: the settings its shipped weights were trained with. */
  function fillRecipe() {
    const recipe = N.page.recipes[$("model").value];
    for (const [name, value] of Object.entries(recipe)) {
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
    const shipped = await api("GET", `/api/digits/evaluation?model=${$("model").value}`);
    drawResult(shipped, t("cnn.practice.shipped_model", { model: t(`cnn.practice.net_${shipped.model}`) }));
  }

  async function init() {
    $("train-form").addEventListener("input", () => code(torchCode()));
    code(torchCode());
    $("model").addEventListener("change", () => {
      if (job.following()) return; // the form shows the running job's settings
      fillRecipe();
      showShipped();
    });
    fillRecipe();
    compare();
    await showShipped();
    await job.resume();
  }

  init();
})();
