/* §3+ Your own classes: make 2–10 classes of drawings or photos (a data set on the server), see the
 * augmented copies training shows the net, train it as a `custom` job from scratch or from the digit
 * model, compare the runs, then ask the trained net about a new picture and look at every layer.
 * The stage: a few drawings a class (the bundled example set until the learner's own set has some),
 * the copies training sees, and the first layer's kernels a run starts from. */
(() => {
  "use strict";
  const { t, api, upload, tensor, status, code, el, COLORS, $ } = N;
  const P = "cnn.your_classes.";
  const tx = (key, vars) => t(P + key, vars);
  const SET_KEY = "naturally.your_classes.set";
  const phone = () => window.innerWidth < 600;
  // Plotly reads a little HTML in its labels: a class name is shown as the text it is
  const plain = (s) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

  let set = null; // the data set (GET /api/datasets/{id})
  let steps = [];
  let epochs = [];
  let runs = []; // finished custom jobs on this set, newest first
  let answer = null; // the latest prediction
  let inputUrl = null; // object URL of the answer's input PNG
  let augmentSeed = 0;
  let drawnFor = null; // "<set id>:<kind>" the runs, the answer and the start kernels shown are for
  let example = null; // GET /api/datasets/example: the bundled drawings, until the learner has some
  let own = null; // GET /api/datasets/{id}/augmented: the learner's first examples and their copies
  let start = null; // GET /api/datasets/initial-kernels: where the chosen mode's first layer starts

  const pad = N.drawPad($("pad"));
  const askPad = N.drawPad($("ask-pad"), { change: (final) => final && ask() });
  const netView = N.netView($("net-frame"), {
    height: phone() ? 380 : 460,
    label: tx("net_label"),
    describe: (item) =>
      item.block.kind === "bars"
        ? tx("bar_describe", {
            label: item.block.labels[item.i],
            p: (100 * item.block.values[item.i]).toFixed(1),
          })
        : tx("map_describe", { stage: item.block.id, i: item.i }),
  });

  /* ---- the data set ---- */
  const photos = () => (set ? set.input : $("input-kind").value) === "photo";

  function keep(ds) {
    set = ds;
    if (ds) localStorage.setItem(SET_KEY, ds.id);
    else localStorage.removeItem(SET_KEY);
    N.state.save(); // the link names the set (?set=<id>): whoever has it can use the set
    render();
  }

  async function load(id) {
    const res = await fetch(`/api/datasets/${encodeURIComponent(id)}`);
    keep(res.ok ? await res.json() : null);
  }

  async function addClass(label) {
    if (!set) {
      keep(await api("POST", "/api/datasets", { input: $("input-kind").value, classes: [label] }));
    } else {
      keep(await api("POST", `/api/datasets/${set.id}/classes`, { label }));
    }
  }

  const exampleUrl = (id) => `/api/datasets/${set.id}/examples/${id}`;

  function render() {
    const kind = photos() ? "photo" : "drawing";
    $("input-kind").disabled = Boolean(set);
    if (set) $("input-kind").value = set.input;
    $("photo-why").hidden = kind !== "photo";
    $("draw-box").hidden = kind === "photo";
    $("ask-draw").hidden = kind === "photo";
    $("ask-photo").hidden = kind !== "photo";
    $("delete-set").hidden = !set;
    $("export").hidden = !set?.classes.length;
    $("suggest").hidden = Boolean(set?.classes.length);
    $("input-png").download = "input.png";
    if (set) $("export").href = `/api/datasets/${set.id}/export`;
    const examples = set ? set.classes.reduce((n, c) => n + c.count, 0) : 0;
    $("set-info").textContent = set
      ? tx("set_info", {
          kind: tx(`kind_${set.input}`),
          classes: set.classes.length,
          examples,
          kb: N.fmt(set.bytes / 1024, 1),
          cap: N.num(Math.round(set.limits.max_bytes / 1024)),
        })
      : tx("set_none");
    $("classes").replaceChildren(...(set?.classes ?? []).map(classCard));
    refreshAugmented();
    const now = `${set?.id ?? ""}:${kind}`;
    if (now !== drawnFor) {
      drawnFor = now; // another set (or kind): its own runs, and nothing asked of it yet
      forget();
      listRuns();
      startKernels();
    }
    if (!answer) code(buildCode());
  }

  /** Clear what belonged to the set shown before. */
  function forget() {
    answer = null;
    for (const id of ["plot-probs", "plot-confusion"]) Plotly.purge(id);
    $("answer").textContent = "";
    $("result-text").textContent = "";
    $("misread").replaceChildren();
    $("downloads").hidden = true;
    $("net-frame").hidden = true;
    $("inside-wait").hidden = false;
  }

  /** The panel and the kernels follow the settings until a trained net answers. */
  function settingsChanged() {
    if (answer) return;
    code(buildCode());
    startKernels();
  }

  function classCard(cls) {
    const label = cls.label;
    const add = photos()
      ? el(
          "label",
          { className: "button file" },
          tx("add_photos"),
          el("input", {
            type: "file",
            accept: "image/*",
            multiple: true,
            className: "visually-hidden",
            attrs: { capture: "environment", "aria-label": tx("add_photos_label", { label }) },
            onchange: (ev) => addPhotos(label, [...ev.target.files]).finally(() => (ev.target.value = "")),
          }),
        )
      : el(
          "button",
          { type: "button", className: "primary", onclick: () => addDrawing(label) },
          tx("add_drawing"),
        );
    if (!photos()) add.setAttribute("aria-label", tx("add_drawing_label", { label }));
    const remove = el(
      "button",
      {
        type: "button",
        onclick: () => deleteClass(label),
        attrs: { "aria-label": tx("delete_class_label", { label }) },
      },
      tx("delete_class"),
    );
    const thumbs = cls.examples.map((id, i) =>
      el(
        "li",
        {},
        el("img", {
          src: exampleUrl(id),
          alt: tx("example_alt", { n: i + 1, label }),
          width: 48,
          height: 48,
        }),
        el(
          "button",
          {
            type: "button",
            className: "remove",
            onclick: () => deleteExample(id),
            attrs: { "aria-label": tx("delete_example", { n: i + 1, label }) },
          },
          "×",
        ),
      ),
    );
    return el(
      "section",
      { className: "yc-class" },
      el(
        "h3",
        {},
        el("span", { className: "name" }, label),
        " ",
        el("small", {}, tx("count", { n: cls.count })),
      ),
      el("div", { className: "buttons" }, add, remove),
      el("ul", { className: "thumbs" }, ...thumbs),
    );
  }

  async function addDrawing(label) {
    if (pad.blank()) {
      status(tx("pad_blank"), "error");
      return;
    }
    try {
      const res = await upload(`/api/datasets/${set.id}/examples`, await pad.file(), { label });
      pad.clear();
      keep(res.dataset);
    } catch {
      /* the status line says why (a blank drawing, a full class) */
    }
  }

  async function addPhotos(label, files) {
    for (const [i, file] of files.entries()) {
      status(tx("uploading", { i: i + 1, n: files.length }));
      try {
        keep((await upload(`/api/datasets/${set.id}/examples`, file, { label })).dataset);
      } catch {
        return; // the status line says why
      }
    }
    status("");
  }

  async function deleteExample(id) {
    keep(await api("DELETE", `/api/datasets/${set.id}/examples/${id}`).catch(() => set));
  }

  async function deleteClass(label) {
    const path = `/api/datasets/${set.id}/classes/${encodeURIComponent(label)}`;
    keep(await api("DELETE", path).catch(() => set));
  }

  /* ---- what training sees ---- */
  /** A canvas showing uint8 pixels: (H, W) gray or (H, W, 3) colour, at index `i` of a stack. */
  function picture(view, i, title) {
    const colour = view.shape.at(-1) === 3;
    const [h, w] = colour ? view.shape.slice(-3, -1) : view.shape.slice(-2);
    const canvas = el("canvas", { width: w, height: h });
    const img = new ImageData(w, h);
    const at = i * h * w * (colour ? 3 : 1);
    for (let k = 0; k < h * w; k++) {
      const rgb = colour ? view.data.subarray(at + 3 * k, at + 3 * k + 3) : Array(3).fill(view.data[at + k]);
      img.data.set([...rgb, 255], 4 * k);
    }
    canvas.getContext("2d").putImageData(img, 0, 0);
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", title);
    return canvas;
  }

  const refreshAugmented = N.debounce(async () => {
    const box = $("augmented");
    if (!set?.classes.some((c) => c.count)) {
      box.replaceChildren();
      own = null;
      guide.refresh();
      return;
    }
    const res = await fetch(`/api/datasets/${set.id}/augmented?n=${phone() ? 4 : 6}&seed=${augmentSeed}`);
    if (!res.ok) return;
    const aug = await res.json();
    own = aug.examples.length ? aug : null;
    guide.refresh();
    box.replaceChildren(
      ...aug.examples.map((e) => {
        const copies = tensor(e.augmented);
        const row = tx("augment_row", { label: e.label, n: copies.shape[0] });
        return el(
          "figure",
          { className: "yc-aug-row" },
          el("figcaption", {}, e.label),
          picture(tensor(e.original), 0, row),
          el("span", { className: "arrow", attrs: { "aria-hidden": "true" } }, "→"),
          ...Array.from({ length: copies.shape[0] }, (_, i) => picture(copies, i, row)),
        );
      }),
    );
  }, 300);

  /* ---- the stage: a few drawings a class → the copies training sees → where the first layer starts ---- */
  const COPIES = 4; // copies a row shows
  const [DRAWINGS, COPYING, KERNELS] = [0, 1, 2];
  const GAP = 0.2; // between pictures, in picture sides
  const ARROW = 1; // between a row's drawings and its copies

  /** What the stage shows: one row per class of {name, drawings: (k, S, S[, 3]) view, copies: view}. */
  function stageRows() {
    if (own) {
      return own.examples.map((e) => {
        const first = tensor(e.original); // (S, S[, 3]): a stack of one
        return {
          name: e.label,
          drawings: { ...first, shape: [1, ...first.shape] },
          copies: tensor(e.augmented),
        };
      });
    }
    return example.classes.map((c) => ({
      name: tx(`shape.${c.label}`),
      drawings: tensor(c.examples),
      copies: tensor(c.augmented),
    }));
  }

  /** Pictures side by side, rows of them, as one RGB image: `grid[r][c]` = [view, index] or null. */
  function mosaic(grid, side) {
    const step = Math.round(side * (1 + GAP));
    const cols = Math.max(...grid.map((row) => row.length));
    const paper = [255, 255, 255];
    const z = Array.from({ length: grid.length * step - (step - side) }, () =>
      Array.from({ length: cols * step - (step - side) }, () => paper),
    );
    grid.forEach((row, r) => {
      row.forEach((cell, c) => {
        if (!cell) return;
        const [view, i] = cell;
        const colour = view.shape.at(-1) === 3;
        const at = i * side * side * (colour ? 3 : 1);
        for (let y = 0; y < side; y++) {
          for (let x = 0; x < side; x++) {
            const k = y * side + x;
            const v = colour
              ? [...view.data.subarray(at + 3 * k, at + 3 * k + 3)]
              : Array(3).fill(view.data[at + k]);
            z[r * step + y][c * step + x] = v;
          }
        }
      });
    });
    return { z, step };
  }

  function drawPictures(step, frame) {
    const rows = stageRows();
    const side = rows[0].drawings.shape[1];
    const per = Math.max(...rows.map((r) => r.drawings.shape[0]));
    const shown = step === COPYING ? frame + 1 : COPIES; // step 1 shows them faded: where the drawings go
    // wide: a row per class, its drawings then its copies; a phone: a column per class, copies below
    const tall = $("plot-stage").clientWidth < 520;
    const grid = (count, pick) => {
      const across = rows.map((r) => Array.from({ length: count }, (_, i) => pick(r, i)));
      return tall ? Array.from({ length: count }, (_, i) => across.map((line) => line[i])) : across;
    };
    const first = mosaic(
      grid(per, (r, i) => (i < r.drawings.shape[0] ? [r.drawings, i] : null)),
      side,
    );
    const second = mosaic(
      grid(COPIES, (r, i) => (i < shown ? [r.copies, i] : null)),
      side,
    );
    const step1 = first.step;
    const at = per * step1 + ARROW * side; // where the copies begin, along the rows (or down the columns)
    const along = at + COPIES * step1 - (step1 - side);
    const cross = rows.length * step1 - (step1 - side);
    const [width, height] = tall ? [cross, along] : [along, cross];
    const image = (z, offset, name, faded) => ({
      type: "image",
      z,
      opacity: faded ? 0.3 : 1,
      x0: tall ? 0 : offset,
      y0: tall ? offset : 0,
      name,
      hovertemplate: `${name}<extra></extra>`,
    });
    const centres = rows.map((_, r) => r * step1 + side / 2);
    const names = rows.map((r) => plain(r.name));
    const header = (where, text, on) => ({
      x: tall ? width / 2 : where,
      y: tall ? where : 0,
      yanchor: "bottom",
      yshift: 4,
      showarrow: false,
      text,
      font: { size: 13, color: on ? COLORS.ink : COLORS.muted },
    });
    const firstName = tx(own ? "stage_yours" : "stage_examples");
    const annotations = tall
      ? [header(0, firstName, step === DRAWINGS), header(at - 2, `↓ ${tx("stage_copies")}`, step === COPYING)]
      : [
          header((per * step1 - (step1 - side)) / 2, firstName, step === DRAWINGS),
          header(at + (along - at) / 2, tx("stage_copies"), step === COPYING),
          ...centres.map((c) => ({
            x: at - (ARROW * side) / 2,
            y: c,
            showarrow: false,
            text: "→",
            font: { size: 18, color: shown ? COLORS.accent : COLORS.line },
          })),
        ];
    const frameCopies = tall
      ? { x0: -2, x1: width + 2, y0: at - 2, y1: height + 2 }
      : { x0: at - 2, x1: width + 2, y0: -2, y1: height + 2 };
    const shapes =
      step === COPYING ? [{ type: "rect", ...frameCopies, line: { color: COLORS.window, width: 3 } }] : [];
    const named = { tickvals: centres, ticktext: names, showgrid: false, ticks: "", automargin: true };
    N.draw(
      "plot-stage",
      [image(first.z, 0, firstName), image(second.z, at, tx("stage_copies"), step === DRAWINGS)],
      {
        margin: { l: 8, r: 8, t: 28, b: 8 },
        xaxis: { range: [-1, width + 1], fixedrange: true, ...(tall ? named : { visible: false }) },
        yaxis: {
          range: [height + 1, -1],
          scaleanchor: "x",
          fixedrange: true,
          ...(tall ? { visible: false } : named),
        },
        annotations,
        shapes,
      },
    );
    const j = example.jitter;
    return {
      classes: rows.length,
      names: rows.map((r) => r.name).join(", "),
      per,
      n: shown,
      degrees: N.fmt(j.degrees, 1),
      lo: N.fmt(j.scale[0], 2),
      hi: N.fmt(j.scale[1], 2),
      shift: N.fmt(100 * j.shift, 1),
      source: tx(own ? "stage_source_own" : "stage_source_example"),
      stored: rows[0].drawings.shape.length === 4 ? tx("stored_photo", { side }) : tx("stored_drawing"),
    };
  }

  function stageAt(step, frame) {
    if (step !== KERNELS) return drawPictures(step, frame);
    if (!start) return null;
    const k = tensor(start.kernels); // (C_out, C_in, s, s)
    drawKernels("plot-stage", start.kernels, Math.ceil(k.shape[0] / 2)); // two bands: larger on the stage
    const view = Array.from(k.data);
    return {
      count: k.shape[0],
      size: `${k.shape[2]}×${k.shape[3]}`,
      channels: k.shape[1],
      lo: N.fmt(Math.min(...view), 3),
      hi: N.fmt(Math.max(...view), 3),
      start: tx(start.frozen ? "stage_start_frozen" : "stage_start_random"),
    };
  }

  const guide = N.steps({
    show: (step, frame) => (example ? stageAt(step, frame) : null),
    frames: (step) => (step === COPYING ? COPIES : 1),
    interval: (step) => (step === COPYING ? 900 : 3600),
  });

  async function loadExample() {
    try {
      example = await api("GET", `/api/datasets/example?n=${COPIES}`, undefined, { key: "example" });
    } catch {
      return; // the status line says why
    }
    guide.refresh();
  }

  /* ---- training ---- */
  function params() {
    return {
      dataset: set?.id,
      mode: $("mode").value,
      epochs: Number($("epochs").value),
      lr: Number($("lr").value),
      augment: $("augment").checked,
      seed: Number($("seed").value),
    };
  }

  // Checked before N.jobForm's own submit handler (registered after this one) sends anything.
  $("train-form").addEventListener("submit", (ev) => {
    const small = set?.classes.find((c) => c.count < 2);
    const why =
      !set || set.classes.length < 2
        ? tx("need_classes")
        : small && tx("need_examples", { label: small.label, n: small.count });
    if (!why) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    status(why, "error");
  });

  const job = N.jobForm("custom", P, {
    params,
    reset: () => {
      steps = [];
      epochs = [];
      $("result-text").textContent = "";
    },
    event: (ev) => {
      (ev.kind === "epoch" ? epochs : steps).push(ev);
    },
    draw: () => N.trainingCurves("plot-loss", "plot-acc", steps, epochs, tx),
    done: async (result, finished) => {
      $("job-text").textContent = tx("done_text", {
        acc: (100 * result.held_out_accuracy).toFixed(1),
        seconds: result.seconds,
      });
      showResult(result);
      await listRuns(finished.id);
      const picture = photos() ? $("ask-file").files.length > 0 : !askPad.blank();
      if (picture) ask(); // the picture already there, asked of the new net
    },
  });

  function showResult(r) {
    const names = r.classes.map(plain);
    const k = names.length;
    N.heatmap("plot-confusion", r.confusion, {
      scale: "heat",
      unit: tx("examples_unit"),
      text: r.confusion.map((row) => row.map(String)),
      xTitle: tx("axis_predicted"),
      yTitle: tx("axis_true"),
      xaxis: { tickvals: [...Array(k).keys()], ticktext: names },
      yaxis: { tickvals: [...Array(k).keys()], ticktext: names },
      hovertemplate: "%{z}<extra></extra>",
    });
    $("result-text").textContent = tx(r.method === "leave_one_out" ? "result_loo" : "result_held", {
      n: r.held_out,
      acc: (100 * r.held_out_accuracy).toFixed(1),
      wrong: r.misread_count,
    });
    $("misread").replaceChildren(
      ...(r.misread.length ? [] : [el("p", { className: "hint" }, tx("misread_none"))]),
      ...r.misread.map((m) => {
        const [label, predicted] = [r.classes[m.label], r.classes[m.predicted]];
        const img = el("img", {
          src: `/api/datasets/${r.dataset}/examples/${m.example}`,
          alt: tx("misread_label", { label, predicted }),
          width: 56,
          height: 56,
          onerror: (ev) => ev.target.closest("figure").remove(), // deleted since
        });
        return el("figure", {}, img, el("figcaption", {}, `${label} → ${predicted}`));
      }),
    );
  }

  /** The finished custom jobs on this set: the comparison table and the "trained network" choice. */
  async function listRuns(choose) {
    const all = set ? await fetch("/api/jobs").then((r) => (r.ok ? r.json() : [])) : [];
    runs = all
      .filter((j) => j.kind === "custom" && j.state === "done" && j.params.dataset === set?.id && j.result)
      .reverse();
    const full = await Promise.all(runs.map((j) => fetch(`/api/jobs/${j.id}`).then((r) => r.json())));
    compareTable(full);
    const sel = $("run");
    const keepChoice = choose ?? sel.value;
    sel.replaceChildren(
      ...full.map((j) =>
        el(
          "option",
          { value: j.id },
          tx("run_option", {
            mode: tx(`mode_name_${j.params.mode}`),
            acc: (100 * j.result.held_out_accuracy).toFixed(1),
            time: new Date(j.finished * 1000).toLocaleTimeString(N.page.lang === "zh" ? "zh-CN" : "en"),
          }),
        ),
      ),
    );
    if (full.some((j) => j.id === keepChoice)) sel.value = keepChoice;
    if (!full.length) $("answer").textContent = set ? tx("no_run") : "";
    const shown = full.find((j) => j.id === sel.value);
    if (shown && !job.following()) showResult(shown.result);
  }

  function compareTable(jobs) {
    const rows = jobs.map((j) => {
      const r = j.result;
      return [
        tx(`mode_name_${r.mode}`),
        N.num(r.examples),
        tx(r.method === "leave_one_out" ? "tested_loo" : "tested_held", { n: r.held_out }),
        `${(100 * r.held_out_accuracy).toFixed(1)} %`,
        tx("trained_of", { trained: N.num(r.trained_parameters), total: N.num(r.parameters) }),
        String(j.params.epochs),
        N.fmt(r.seconds, 1),
      ];
    });
    $("compare").tBodies[0].replaceChildren(
      ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c)))),
    );
  }

  /* ---- look inside ---- */
  async function ask() {
    const id = $("run").value;
    if (!set || !id) {
      $("answer").textContent = tx("no_run");
      return;
    }
    let file;
    if (photos()) {
      file = $("ask-file").files[0];
      if (!file) return;
    } else {
      if (askPad.blank()) return;
      file = await askPad.file();
    }
    try {
      answer = await upload(`/api/datasets/${set.id}/predict/upload`, file, { job: id }, { key: "ask" });
    } catch (e) {
      if (!(e instanceof N.Superseded)) $("answer").textContent = ""; // the status line says why
      return;
    }
    showAnswer();
  }

  function columnTitle(col) {
    const fixed = { input: "col_input", gray: "col_gray", flatten: "col_flatten", output: "col_output" };
    return fixed[col] ? tx(fixed[col]) : col;
  }

  const CHANNELS = ["chan_r", "chan_g", "chan_b"];

  function showAnswer() {
    const a = answer;
    $("answer").textContent = tx("answer", {
      label: a.label,
      p: (100 * a.probabilities[a.prediction]).toFixed(1),
    });
    const colors = a.classes.map((_, k) => (k === a.prediction ? COLORS.red : COLORS.accent));
    N.bars(
      "plot-probs",
      a.classes.map(plain),
      a.probabilities.map((p) => 100 * p),
      {
        color: colors,
        xTitle: tx("axis_class"),
        yTitle: tx("axis_prob"),
        xaxis: { type: "category" },
        yaxis: { range: [0, 100] },
      },
    );
    const cols = N.netStages(a, { title: columnTitle });
    if (a.input_kind === "photo") {
      const rgb = tensor(a.input); // (64, 64, 3): drawn as its three channels, as on §1.1
      const [h, w] = rgb.shape;
      const maps = [0, 1, 2].map((c) => ({
        data: Float32Array.from({ length: h * w }, (_, k) => rgb.data[3 * k + c]),
        h,
        w,
      }));
      Object.assign(cols[0], { sub: `3×${h}×${w}` });
      Object.assign(cols[0].blocks[0], { maps, box: 56 });
    }
    $("inside-wait").hidden = true;
    $("net-frame").hidden = false;
    netView.draw(cols);
    showKernels(a.kernels, tx(a.mode === "transfer" ? "kernels_frozen" : "kernels_learned"));
    offerDownloads();
    code(predictCode());
  }

  /** The first convolution's kernels as one heatmap in `target`: a row of kernels (output maps) per input
   * channel, in bands of `perRow` kernels (all in one band by default). */
  function drawKernels(target, kernels, perRow = Number.POSITIVE_INFINITY) {
    const k = tensor(kernels); // (C_out, C_in, s, s)
    const [out, cin, s] = k.shape;
    const across = Math.min(out, perRow);
    const bands = Math.ceil(out / across);
    const z = Array.from({ length: bands * cin * (s + 1) - 1 }, () => Array(across * (s + 1) - 1).fill(null));
    for (let o = 0; o < out; o++) {
      const [band, col] = [Math.floor(o / across), o % across];
      for (let c = 0; c < cin; c++) {
        for (let i = 0; i < s * s; i++) {
          const row = (band * cin + c) * (s + 1) + Math.floor(i / s);
          z[row][col * (s + 1) + (i % s)] = k.data[(o * cin + c) * s * s + i];
        }
      }
    }
    const lim = Math.max(...k.data.map(Math.abs)) || 1;
    const centre = (n) => Array.from({ length: n }, (_, i) => i * (s + 1) + (s - 1) / 2);
    const names = (cin === 3 ? CHANNELS : ["chan_gray"]).map((c) => tx(c));
    return N.heatmap(target, z, {
      scale: "diverging",
      zmin: -lim,
      zmax: lim,
      zmid: 0,
      unit: tx("weight_unit"),
      xTitle: tx("axis_kernel"),
      yTitle: tx("axis_channel"),
      xaxis: {
        tickvals: centre(across),
        // a column holds kernels col, col + across, …
        ticktext: [...Array(across).keys()].map((c) =>
          Array.from({ length: bands }, (_, b) => c + b * across)
            .filter((o) => o < out)
            .join(" / "),
        ),
      },
      yaxis: { tickvals: centre(bands * cin), ticktext: Array.from({ length: bands }, () => names).flat() },
      hovertemplate: `${tx("weight_unit")} %{z:.4~g}<extra></extra>`,
    });
  }

  /** The kernels below the probabilities, with where they come from (`why`). */
  function showKernels(kernels, why) {
    drawKernels("plot-kernels", kernels);
    $("kernels-text").textContent = `${tx("kernels_hint")} ${why}`;
  }

  /** Before any answer: the kernels the chosen mode starts from (the digit model's, or random). */
  async function startKernels() {
    if (answer) return;
    const kind = photos() ? "photo" : "drawing";
    const q = new URLSearchParams({ input: kind, mode: $("mode").value, seed: $("seed").value || "0" });
    try {
      start = await api("GET", `/api/datasets/initial-kernels?${q}`, undefined, { key: "start" });
    } catch {
      return; // the status line says why, or a later setting's kernels are on their way
    }
    guide.refresh();
    if (!answer)
      showKernels(start.kernels, tx(start.frozen ? "kernels_start_frozen" : "kernels_start_random"));
  }

  function offerDownloads() {
    $("downloads").hidden = false;
    $("run-weights").href = `/api/jobs/${answer.job}/weights`;
    const view = tensor(answer.input);
    const canvas = picture(view, 0, "input");
    $("input-png").textContent = tx(
      answer.input_kind === "photo" ? "download_input_photo" : "download_input",
    );
    canvas.toBlob((blob) => {
      if (inputUrl) URL.revokeObjectURL(inputUrl);
      inputUrl = URL.createObjectURL(blob);
      $("input-png").href = inputUrl;
    }, "image/png");
  }

  /** The net of `kind` and `mode` in plain PyTorch (its state_dict keys are the server's). */
  function netCode(kind, mode) {
    if (kind === "drawing") {
      return [
        `class Net(nn.Module):   # §3's basic net with one output per class${mode === "transfer" ? " (conv1, conv2: the digit model's, frozen)" : ""}`,
        "    def __init__(self, k):",
        "        super().__init__()",
        "        self.conv1, self.conv2 = nn.Conv2d(1, 10, 5), nn.Conv2d(10, 20, 5)",
        "        self.pool, self.fc = nn.MaxPool2d(2), nn.Linear(320, k)",
        "",
        "    def forward(self, x):                      # (B, 1, 28, 28)",
        "        x = F.relu(self.pool(self.conv1(x)))   # (B, 10, 12, 12)",
        "        x = F.relu(self.pool(self.conv2(x)))   # (B, 20, 4, 4)",
        "        return self.fc(x.flatten(1))           # (B, K) logits",
      ];
    }
    if (mode === "scratch") {
      return [
        "class Net(nn.Module):   # TinyVGG, CNN Explainer's net",
        "    def __init__(self, k):",
        "        super().__init__()",
        "        self.conv1_1, self.conv1_2 = nn.Conv2d(3, 10, 3), nn.Conv2d(10, 10, 3)",
        "        self.conv2_1, self.conv2_2 = nn.Conv2d(10, 10, 3), nn.Conv2d(10, 10, 3)",
        "        self.pool, self.fc = nn.MaxPool2d(2), nn.Linear(1690, k)",
        "",
        "    def forward(self, x):                                               # (B, 3, 64, 64)",
        "        x = self.pool(F.relu(self.conv1_2(F.relu(self.conv1_1(x)))))   # (B, 10, 30, 30)",
        "        x = self.pool(F.relu(self.conv2_2(F.relu(self.conv2_1(x)))))   # (B, 10, 13, 13)",
        "        return self.fc(x.flatten(1))                                    # (B, K) logits",
      ];
    }
    return [
      "class Net(nn.Module):   # the digit model's conv1, conv2 (frozen) over the photo in gray",
      "    def __init__(self, k):",
      "        super().__init__()",
      "        self.conv1, self.conv2 = nn.Conv2d(1, 10, 5), nn.Conv2d(10, 20, 5)",
      "        self.pool, self.fc = nn.MaxPool2d(2), nn.Linear(3380, k)",
      "",
      "    def forward(self, x):                                    # (B, 3, 64, 64), −1…1",
      "        luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)",
      "        gray = ((x * 0.5 + 0.5) * luma).sum(1, keepdim=True)  # (B, 1, 64, 64), 0–1",
      "        x = (gray - 0.1307) / 0.3081                          # standardised as MNIST",
      "        x = F.relu(self.pool(self.conv1(x)))                  # (B, 10, 30, 30)",
      "        x = F.relu(self.pool(self.conv2(x)))                  # (B, 20, 13, 13)",
      "        return self.fc(x.flatten(1))                          # (B, K) logits",
    ];
  }

  const IMPORTS = "import numpy as np, torch, torch.nn as nn, torch.nn.functional as F";

  /** Before a trained net: the chosen mode's net, what transfer copies and freezes, what is trained. */
  function buildCode() {
    const kind = photos() ? "photo" : "drawing";
    const mode = $("mode").value;
    const k = Math.max(2, set?.classes.length ?? 0);
    const shape = kind === "photo" ? "1, 3, 64, 64" : "1, 1, 28, 28";
    const transfer =
      mode === "transfer"
        ? [
            'digits = torch.load("engine/models/weights/digits_basic.pt", weights_only=True)   # the shipped digit model',
            'model.load_state_dict({n: w for n, w in digits.items() if n.startswith(("conv1.", "conv2."))}, strict=False)',
            "for p in [*model.conv1.parameters(), *model.conv2.parameters()]:",
            "    p.requires_grad_(False)   # frozen: only the new fc layer learns",
          ]
        : [`torch.manual_seed(${Number($("seed").value) || 0})   # every weight starts random`];
    return [
      IMPORTS,
      "",
      ...netCode(kind, mode),
      "",
      "",
      `model = Net(${k})   # one output per class`,
      ...transfer,
      "trained = sum(p.numel() for p in model.parameters() if p.requires_grad)",
      'print(trained, "of", sum(p.numel() for p in model.parameters()), "weights are trained")',
      `print(model(torch.zeros(${shape})).shape)   # torch.Size([1, ${k}])`,
    ].join("\n");
  }

  /** After an answer: rebuild the net, load the downloaded weights, read the downloaded input PNG. */
  function predictCode() {
    const a = answer;
    const read =
      a.input_kind === "drawing"
        ? [
            'pixels = np.asarray(Image.open(PICTURE).convert("L"), dtype=np.float32)   # (28, 28) white ink on black',
            "x = torch.from_numpy((pixels / 255 - 0.1307) / 0.3081)[None, None]       # (1, 1, 28, 28) standardised as MNIST",
          ]
        : [
            'pixels = np.asarray(Image.open(PICTURE).convert("RGB"), dtype=np.float32)   # (64, 64, 3)',
            "x = torch.from_numpy(pixels / 127.5 - 1).permute(2, 0, 1)[None]          # (1, 3, 64, 64), −1…1",
          ];
    return [
      IMPORTS,
      "from PIL import Image",
      "",
      `WEIGHTS = "naturally-custom-${a.job.slice(0, 8)}.pt"   # "Download the weights" above`,
      `PICTURE = "input.png"                              # the ${a.input_kind === "photo" ? "64×64" : "28×28"} input, downloaded above`,
      `classes = [${a.classes.map((c) => JSON.stringify(c)).join(", ")}]`,
      "",
      ...netCode(a.input_kind, a.mode),
      "",
      "",
      "model = Net(len(classes))",
      "model.load_state_dict(torch.load(WEIGHTS, weights_only=True))",
      "model.eval()",
      ...read,
      "with torch.no_grad():",
      "    probs = F.softmax(model(x), dim=1)[0]   # (K,)",
      "for name, p in zip(classes, probs.tolist()):",
      '    print(f"{name}: {p:.3f}")',
    ].join("\n");
  }

  /* ---- wiring ---- */
  $("class-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const label = $("class-name").value.trim();
    if (!label) return;
    try {
      await addClass(label);
      $("class-name").value = "";
    } catch {
      /* the status line says why (a name taken, 10 classes already) */
    }
  });
  $("suggest").addEventListener("click", async () => {
    for (const label of tx("suggested").split("|")) {
      if (set?.classes.some((c) => c.label === label)) continue;
      try {
        await addClass(label);
      } catch {
        return;
      }
    }
  });
  $("input-kind").addEventListener("change", render);
  $("train-form").addEventListener("input", settingsChanged);
  $("clear").addEventListener("click", () => pad.clear());
  $("ask-clear").addEventListener("click", () => askPad.clear());
  $("ask-file").addEventListener("change", ask);
  $("run").addEventListener("change", () => listRuns().then(ask));
  $("reshuffle").addEventListener("click", () => {
    augmentSeed += 1;
    refreshAugmented();
  });
  $("delete-set").addEventListener("click", async () => {
    try {
      await api("DELETE", `/api/datasets/${set.id}`);
    } catch {
      return;
    }
    keep(null);
  });
  $("import-file").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = "";
    if (!file) return;
    try {
      keep(await upload("/api/datasets/import", file));
    } catch {
      /* the status line says why */
    }
  });

  async function init() {
    loadExample();
    const linked = N.state.wanted("set");
    N.state.param("set", {
      get: () => set?.id ?? null,
      set: (id) => load(id).then(() => set?.id === id),
    });
    const id = linked ? null : localStorage.getItem(SET_KEY);
    if (id) await load(id);
    else if (!linked) render();
    await job.resume();
  }

  init();
})();
