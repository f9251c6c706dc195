/* §2.3 Vanishing gradients and ResNet: per-layer gradient norms of a plain and a residual stack
 * (one backward pass each), then the depth experiment as a job whose curves fill live. */
(() => {
  "use strict";
  const { t, api, lines, code, debounce, COLORS } = N;
  const $ = (id) => document.getElementById(id);
  const K = "cnn.vanishing_gradients.";
  const STACKS = [
    [false, "plain", COLORS.red],
    [true, "residual", COLORS.blue],
  ];
  let curves = {}; // run name → { steps: [], epochs: [], index }

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

  const sci = (v) => (v == null ? "—" : Number(v).toExponential(2));

  async function update() {
    const s = settings();
    $("depth-out").value = s.depth;
    code(torchCode(s));
    if (!$("norms-form").checkValidity()) return;
    let res;
    try {
      res = await Promise.all(
        STACKS.map(([residual]) => api("POST", "/api/cnn/gradient-norms", { ...s, residual })),
      );
    } catch {
      return; /* the status line says why */
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
  }

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
          run: d.run,
          index: d.run_index + 1,
          runs: d.runs,
          step: d.step,
          total,
          elapsed: Math.round(d.elapsed),
        }),
      };
    },
    draw: drawCurves,
    done: (result) => {
      $("job-text").textContent = t(`${K}done_text`, { seconds: result.seconds });
      const pct = (v) => `${(100 * v).toFixed(2)} %`;
      $("runs").tBodies[0].replaceChildren(
        ...result.runs.map((r) => {
          const tr = document.createElement("tr");
          for (const v of [
            t(`${K}run_${r.residual ? "residual" : "plain"}`, { depth: r.depth }),
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
      const learned = Math.min(...result.runs.map((r) => r.train_error)) < EARLY_ERROR;
      $("verdict").textContent = t(
        K + (!learned ? "verdict_early" : result.figure1_shape ? "verdict_yes" : "verdict_no"),
      );
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
    const label = (n) => t(`${K}run_${n.split("-")[0]}`, { depth: n.split("-")[1] });
    lines(
      "plot-train",
      names.map((n) => ({
        x: curves[n].steps.map((s) => s.step),
        y: curves[n].steps.map((s) => 100 * (1 - s.accuracy)),
        name: label(n),
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
        name: label(n),
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
