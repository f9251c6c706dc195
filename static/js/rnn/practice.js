/* §6 RNN practice, part 1: the stage packs the typed batch (pack_padded_sequence) step by step; then
 * the batch through every stage of the pipeline (codes, padding, sorting, PackedSequence, embedding,
 * bidirectional GRU, linear layer), the seed's parameter table, and predicting one name. Training
 * lives in practice_train.js. */
(() => {
  "use strict";
  const { t, api, tensor, matrix, heatmap, panels, bars, draw, code, debounce, fmt, COLORS, $ } = N;
  const P = "rnn.practice.";
  const MAX_NAMES = 16;
  const NARROW = 600; // a plot narrower than this (a phone) gets the folded PackedSequence
  const SMALL_SHARE = 0.01; // a language with under 1 % of the names is a small class
  const SENTENCE_GAP = N.page.lang === "zh" ? "" : " "; // Chinese puts no space after "。"
  const LIST_GAP = N.page.lang === "zh" ? "、" : ", ";
  // code 0 (padding) light gray; letters from pale yellow to pale blue: dark text stays readable
  const CODE_SCALE = [
    [0, "#e5e7eb"],
    [0.0344, "#e5e7eb"],
    [0.0345, "#fde68a"],
    [1, "#93c5fd"],
  ];
  const STEP_SCALE = [
    [0, "#fde68a"],
    [0.5, "#fde68a"],
    [0.5, "#bfdbfe"],
    [1, "#bfdbfe"],
  ];
  let card = null; // GET /api/names/model
  let batch = null; // { pack, stages }

  const parseNames = (text) =>
    text
      .split(/[,;\n]/)
      .map((s) => s.trim())
      .filter(Boolean);
  const chars = (codes, alphabet) => codes.map((c) => (c === 0 ? "·" : alphabet[c - 1]));
  const rowAxis = (labels) => ({ tickvals: labels.map((_, i) => i), ticktext: labels, automargin: true });

  function codeGrid(el, rows, labels, alphabet, opts = {}) {
    const width = Math.max(...rows.map((r) => r.length));
    const z = rows.map((r) => [...r, ...Array(width - r.length).fill(null)]);
    heatmap(el, z, {
      scale: CODE_SCALE,
      zmin: 0,
      zmax: 29,
      showscale: false,
      text: z.map((r) => r.map((c) => (c === null ? "" : `${chars([c], alphabet)[0]}<br>${c}`))),
      xTitle: t(`${P}axis_t`),
      yTitle: "",
      xaxis: { dtick: 1 },
      yaxis: rowAxis(labels),
      hovertemplate: `%{y}, t = %{x}: ${t(`${P}code`)} %{z}<extra></extra>`,
      ...opts,
    });
  }

  function drawStages() {
    const p = batch.pack;
    const typed = p.names;
    codeGrid("plot-codes", p.codes, typed, p.alphabet);
    const withLen = typed.map((n, i) => `${n} (${p.lengths[i]})`);
    codeGrid("plot-padded", p.padded, withLen, p.alphabet);
    $("caption-padded").textContent = t(`${P}caption_padded`, { b: p.names.length, t: p.padded[0].length });
    codeGrid(
      "plot-sorted",
      p.order.map((i) => p.padded[i]),
      p.order.map((i) => withLen[i]),
      p.alphabet,
    );
    $("caption-sorted").textContent = t(`${P}caption_sorted`, { order: p.order.join(", ") });
    drawPacked(p);
    const emb = tensor(batch.stages.embedded_data); // (ΣT, E)
    const cols = matrix(emb); // rows = packed elements
    const e = emb.shape[1];
    heatmap(
      "plot-embedded",
      [...Array(e).keys()].map((j) => cols.map((r) => r[j])),
      {
        scale: "diverging",
        zmid: 0,
        unit: "",
        xTitle: t(`${P}axis_packed`),
        yTitle: t(`${P}axis_embedding`),
        xaxis: { tickvals: p.data.map((_, i) => i), ticktext: chars(p.data, p.alphabet), tickangle: 0 },
        yaxis: { scaleanchor: false },
        hovertemplate: `data[%{x}], ${t(`${P}axis_embedding`)} %{y}: %{z:.3f}<extra></extra>`,
      },
    );
    $("caption-embedded").textContent = t(`${P}caption_embedded`, { n: p.data.length, e });
    const select = $("shown-name");
    const keep = select.value;
    select.replaceChildren(...typed.map((n, i) => new Option(n, String(i))));
    select.value = keep !== "" && Number(keep) < typed.length ? keep : "0";
    drawGru();
    drawProbs();
    if (card) code(torchCode());
  }

  function drawPacked(p) {
    if ($("plot-packed").clientWidth < NARROW) drawPackedByStep(p);
    else drawPackedStrip(p);
    $("caption-packed").textContent = t(`${P}caption_packed`, {
      n: p.data.length,
      padded: p.padded.length * p.padded[0].length,
      sizes: p.batch_sizes.join(", "),
    });
    bars(
      "plot-batch-sizes",
      p.batch_sizes.map((_, s) => s),
      p.batch_sizes,
      {
        xTitle: t(`${P}axis_t`),
        yTitle: t(`${P}axis_batch_size`),
        xaxis: { dtick: 1 },
        yaxis: { dtick: 1 },
      },
    );
  }

  /** A phone: PackedSequence.data folded at each time step, one row per step (batch_sizes[t] cells),
   * each cell its letter and its position in data, instead of one strip too long to read. */
  function drawPackedByStep(p) {
    const width = Math.max(...p.batch_sizes);
    const starts = p.batch_sizes.map((_, s) => p.batch_sizes.slice(0, s).reduce((a, b) => a + b, 0));
    const rows = (f, none = null) =>
      p.batch_sizes.map((n, s) => [...Array(width).keys()].map((j) => (j < n ? f(starts[s] + j, s) : none)));
    heatmap(
      "plot-packed",
      rows((_, s) => s % 2),
      {
        scale: STEP_SCALE,
        zmin: 0,
        zmax: 1,
        showscale: false,
        text: rows((i) => `${chars([p.data[i]], p.alphabet)[0]}<br>${i}`, ""),
        textfont: { size: width > 10 ? 10 : 13 },
        xTitle: t(`${P}axis_in_step`),
        yTitle: "",
        xaxis: { dtick: 1, showticklabels: false },
        yaxis: rowAxis(p.batch_sizes.map((n, s) => `t=${s}: ${n}`)),
        customdata: rows(
          (i) => `data[${i}] = ${p.data[i]}: ${p.names[p.source[i][0]]}, t = ${p.source[i][1]}`,
          "",
        ),
        hovertemplate: "%{customdata}<extra></extra>",
        layout: { height: 34 * p.batch_sizes.length + 90 },
      },
    );
  }

  function drawPackedStrip(p) {
    const steps = p.source.map(([, s]) => s);
    draw(
      "plot-packed",
      [
        {
          type: "heatmap",
          z: [steps.map((s) => s % 2)],
          colorscale: STEP_SCALE,
          zmin: 0,
          zmax: 1,
          showscale: false,
          text: [chars(p.data, p.alphabet)],
          texttemplate: "%{text}",
          customdata: [p.source.map(([row, s], i) => `data[${i}] = ${p.data[i]}: ${p.names[row]}, t = ${s}`)],
          hovertemplate: "%{customdata}<extra></extra>",
        },
      ],
      {
        xTitle: t(`${P}axis_packed`),
        margin: { t: 48, l: 16 },
        xaxis: {
          tickvals: p.data.map((_, i) => i),
          ticktext: p.data.map(String),
          tickangle: 0,
          showgrid: false,
        },
        yaxis: { visible: false },
        annotations: p.batch_sizes.map((n, s) => {
          const start = p.batch_sizes.slice(0, s).reduce((a, b) => a + b, 0);
          return {
            x: start + (n - 1) / 2,
            y: 0.5,
            yref: "y",
            yanchor: "bottom",
            showarrow: false,
            text: `t=${s}: ${n}`,
            font: { size: 11, color: COLORS.muted },
          };
        }),
      },
    );
  }

  function drawGru() {
    const s = batch.stages;
    const i = Number($("shown-name").value || 0);
    const hn = tensor(s.h_n); // (L·D, B, H)
    const [ld, b, h] = hn.shape;
    const rows = [...Array(ld).keys()].map((k) =>
      Array.from(hn.data.subarray((k * b + i) * h, (k * b + i + 1) * h)),
    );
    const labels = rows.map((_, k) =>
      t(P + (k % 2 ? "layer_backward" : "layer_forward"), { layer: (k >> 1) + 1 }),
    );
    heatmap("plot-hn", rows, {
      scale: "diverging",
      zmin: -1,
      zmax: 1,
      unit: "h",
      xTitle: t(`${P}axis_unit`),
      yTitle: "",
      yaxis: { ...rowAxis(labels), scaleanchor: false },
      hovertemplate: "%{y}, unit %{x}: %{z:.3f}<extra></extra>",
    });
    $("caption-hn").textContent = t(`${P}caption_hn`, { name: s.names[i], h, ld });
    const hidden = matrix(tensor(s.hidden)); // (B, 2H)
    heatmap("plot-hidden", hidden, {
      scale: "diverging",
      zmin: -1,
      zmax: 1,
      unit: "h",
      xTitle: t(`${P}axis_hidden`, { last: h - 1 }),
      yTitle: "",
      yaxis: { ...rowAxis(s.names), scaleanchor: false },
      shapes: [
        {
          type: "line",
          x0: h - 0.5,
          x1: h - 0.5,
          y0: -0.5,
          y1: s.names.length - 0.5,
          line: { color: COLORS.ink, width: 3 },
        },
      ],
      hovertemplate: "%{y}, %{x}: %{z:.3f}<extra></extra>",
    });
    $("caption-hidden").innerHTML = t(`${P}caption_hidden_html`, { last: h - 1, h2: 2 * h });
  }

  function drawProbs() {
    const s = batch.stages;
    const byName = matrix(tensor(s.probabilities)).map((r) => r.map((v) => 100 * v)); // (names, 18)
    // languages down the y axis (18 horizontal labels never collide), one column per name
    const z = s.classes.map((_, c) => byName.map((r) => r[c]));
    const languages = s.classes.map(N.language);
    heatmap("plot-probs", z, {
      scale: "heat",
      zmin: 0,
      zmax: 100,
      unit: "%",
      xTitle: "",
      yTitle: "",
      text: z.map((r) => r.map((v) => (v >= 10 ? String(Math.round(v)) : ""))),
      xaxis: { tickvals: s.names.map((_, i) => i), ticktext: s.names, automargin: true },
      yaxis: { ...rowAxis(languages), scaleanchor: false },
      layout: { height: 18 * 22 + 110 },
      hovertemplate: "%{customdata[0]} → %{customdata[1]}: %{z:.1f} %<extra></extra>",
      customdata: languages.map((lang) => s.names.map((name) => [name, lang])),
    });
  }

  /* ---- the stage: pack_padded_sequence, one step at a time ---- */
  const [CODES, PAD, SORT, PACK, PACKED] = [0, 1, 2, 3, 4]; // then 5: the GRU reads the packed batch
  const starts = (sizes) => sizes.map((_, s) => sizes.slice(0, s).reduce((a, b) => a + b, 0));

  /** The stage at guided step `step` (frame: the time step being packed): the batch (typed order, then
   * padded, then sorted) beside PackedSequence.data folded per time step; returns the step's numbers. */
  function stageAt(step, frame) {
    const p = batch.pack;
    const B = p.names.length;
    const T = p.padded[0].length;
    const sorted = step >= SORT;
    const rowsOf = sorted ? p.order : [...Array(B).keys()]; // batch row → padded row
    const upto = step < PACK ? -1 : step === PACK ? frame : T - 1; // time steps packed so far
    const left = rowsOf.map((i) =>
      p.padded[i].map((c, s) => (step === CODES && s >= p.lengths[i] ? null : c)),
    );
    const letter = (c) => (c === null ? "" : c === 0 ? "·" : chars([c], p.alphabet)[0]);
    const width = Math.max(...p.batch_sizes);
    const at = starts(p.batch_sizes);
    const right = p.batch_sizes.map((n, s) =>
      [...Array(width).keys()].map((j) => (j < n && s <= upto ? p.data[at[s] + j] : null)),
    );
    const box = (x0, x1, y0, y1) => ({
      type: "rect",
      x0,
      x1,
      y0,
      y1,
      line: { color: COLORS.window, width: 3 },
    });
    const now = Math.max(0, upto);
    const wide = $("plot-stage").clientWidth >= NARROW;
    const name = (i) => `${p.names[i]} (${p.lengths[i]})`;
    panels(
      "plot-stage",
      [
        {
          z: left,
          text: left.map((r) => r.map(letter)),
          scale: CODE_SCALE,
          zmin: 0,
          zmax: 29,
          title: t(`${P}pack_batch_${step === CODES ? "codes" : sorted ? "sorted" : "padded"}`),
          dim: step >= PACKED,
          hovertemplate: `t = %{x}: %{text}, ${t(`${P}code`)} %{z}<extra></extra>`,
          xaxis: {
            tickvals: [...Array(T).keys()],
            ticktext: [...Array(T).keys()].map((s) => (wide ? `t=${s}` : s)),
          },
          yaxis: { tickvals: [...Array(B).keys()], ticktext: rowsOf.map(name) },
          shapes: step === PACK ? [box(now - 0.5, now + 0.5, -0.5, p.batch_sizes[now] - 0.5)] : [],
        },
        {
          z: right.map((r, s) => r.map((c) => (c === null ? null : s % 2))),
          text: right.map((r) => r.map(letter)),
          scale: STEP_SCALE,
          zmin: 0,
          zmax: 1,
          title: t(`${P}pack_data`),
          dim: step < PACK,
          hovertemplate: "t = %{y}: %{text}<extra></extra>",
          xaxis: { showticklabels: false },
          yaxis: { tickvals: [...Array(T).keys()], ticktext: p.batch_sizes.map((_, s) => `t=${s}`) },
          shapes: step === PACK ? [box(-0.5, p.batch_sizes[now] - 0.5, now - 0.5, now + 0.5)] : [],
        },
      ],
      {
        cols: wide ? 2 : 1,
        margin: { l: Math.min(140, 16 + 7 * Math.max(...rowsOf.map((i) => name(i).length))) },
      },
    );
    return stageNumbers(step, now);
  }

  function stageNumbers(step, s) {
    const p = batch.pack;
    const B = p.names.length;
    const T = p.padded[0].length;
    const total = p.data.length;
    const first = { name: p.names[0], codes: p.codes[0].join(" "), B };
    if (step === CODES) return { ...first, lengths: p.lengths.join(", ") };
    if (step === PAD) return { B, T, cells: B * T, pads: B * T - total };
    if (step === SORT) return { order: p.order.join(", "), lengths: p.sorted_lengths.join(", ") };
    const at = starts(p.batch_sizes);
    if (step === PACK) {
      const taken = p.data.slice(at[s], at[s] + p.batch_sizes[s]);
      return {
        t: s,
        n: p.batch_sizes[s],
        letters: chars(taken, p.alphabet).join(" "),
        from: at[s],
        to: at[s] + p.batch_sizes[s] - 1,
      };
    }
    if (step === PACKED) return { total, cells: B * T, sizes: p.batch_sizes.join(", "), pads: B * T - total };
    const st = batch.stages;
    const probs = matrix(tensor(st.probabilities))[0];
    const best = probs.indexOf(Math.max(...probs));
    return {
      total,
      cells: B * T,
      name: st.names[0],
      last: st.lengths[0] - 1,
      language: N.language(st.classes[best]),
      p: fmt(100 * probs[best], 1),
    };
  }

  async function runPipeline() {
    const names = parseNames($("names").value);
    const max = Number($("names").dataset.max);
    const problem = !names.length
      ? t(`${P}no_names`)
      : names.length > MAX_NAMES
        ? t(`${P}too_many`, { max: MAX_NAMES })
        : names
            .map((n) => [n, N.nameProblem(n, max)])
            .filter(([, why]) => why)
            .map(([n, why]) => `${n}: ${why}`)[0];
    $("names-hint").textContent = problem ?? ""; // beside the box, in the page's language
    $("names-hint").classList.toggle("refused", Boolean(problem));
    if (problem) return;
    try {
      const [stages, pack] = await Promise.all([
        api("POST", "/api/names/batch", { names }, { key: "batch" }),
        api("POST", "/api/rnn/pack", { names }, { key: "pack" }),
      ]);
      batch = { pack, stages };
      guide.refresh();
      // the stage is on the first screen: let the browser paint it before drawing what lies below
      requestAnimationFrame(() =>
        setTimeout(() => {
          drawStages();
          if (card) fillTable();
        }),
      );
    } catch {
      /* the status line names the bad name, or newer names are on their way */
    }
  }

  function fillTable() {
    const v = { ...card.table };
    if (batch) {
      v.seq_len = t(`${P}seq_len_value`, { t: batch.pack.padded[0].length, range: card.table.seq_len });
      v.batch_size = t(`${P}batch_size_value`, { train: card.table.batch_size, b: batch.pack.names.length });
    }
    $("param-table").tBodies[0].replaceChildren(
      ...Object.keys(card.table).map((key) => {
        const tr = document.createElement("tr");
        const cells = [key, t(`${P}param_${key}`), String(v[key])];
        cells.forEach((text, i) => {
          const td = document.createElement(i === 0 ? "th" : "td");
          if (i === 0) td.scope = "row";
          td.textContent = text;
          tr.append(td);
        });
        return tr;
      }),
    );
  }

  async function predict() {
    const name = $("predict-name").value.trim();
    const k = Number($("k").value);
    $("k-out").value = k;
    let res = null;
    const problem = name && N.nameProblem(name, Number($("predict-name").dataset.max));
    if (problem)
      $("predict-text").textContent = problem; // beside the box, in the page's language
    else if (name) {
      try {
        res = await api("POST", "/api/names/predict", { name, k }, { key: "predict" });
      } catch (e) {
        if (e instanceof N.Superseded) return; // a later name or k is on its way
        $("predict-text").textContent = e.message; // beside the box, not only in the status line above
      }
    } else $("predict-text").textContent = t(`${P}no_name`);
    $("predict-text").classList.toggle("refused", !res && Boolean(name));
    if (!res) {
      Plotly.purge("plot-predict");
      return;
    } // no stale answer for another name
    bars(
      "plot-predict",
      res.top.map((g) => N.language(g.language)),
      res.top.map((g) => 100 * g.probability),
      {
        xTitle: t(`${P}axis_language`),
        yTitle: t(`${P}axis_probability`),
        yaxis: { range: [0, 100] },
      },
    );
    $("predict-text").textContent = [
      t(`${P}predict_text`, {
        name: res.name,
        codes: res.codes.join(" "),
        top: N.language(res.top[0].language),
        p: fmt(100 * res.top[0].probability, 1),
      }),
      ...predictNotes(res),
    ].join(SENTENCE_GAP);
  }

  /** What the answer means, from the data's own counts: where the data holds the name, how small its
   * class or the answered one is, and when no language wins half of the probability. */
  function predictNotes(res) {
    if (!card) return []; // a name typed before the model card arrived
    const idx = (lang) => card.classes.indexOf(lang);
    const size = (k) => card.train_counts[k] + card.held_out_counts[k];
    const all = card.classes.reduce((n, _, k) => n + size(k), 0);
    const small = (lang) => size(idx(lang)) < SMALL_SHARE * all;
    const facts = (lang) => {
      const k = idx(lang);
      const column = card.confusion.reduce((n, row) => n + row[k], 0); // held-out names answered k
      return {
        lang: N.language(lang),
        n: N.num(size(k)),
        all: N.num(all),
        train: N.num(card.train_counts[k]),
        recall: fmt(100 * card.per_class_accuracy[k], 0),
        precision: column ? fmt((100 * card.confusion[k][k]) / column, 0) : "0",
      };
    };
    const top = res.top[0].language;
    const langs = [...new Set(res.in_data.map((p) => p.language))];
    const partOf = (lang) => {
      const parts = new Set(res.in_data.filter((p) => p.language === lang).map((p) => p.part));
      return t(`${P}part_${parts.size > 1 ? "both" : [...parts][0]}`);
    };
    const where = {
      places: langs
        .map((lang) => t(`${P}place`, { lang: N.language(lang), part: partOf(lang) }))
        .join(LIST_GAP),
    };
    const notes = [];
    if (langs.length && !langs.includes(top)) {
      notes.push(t(`${P}note_other_class`, { name: res.name, ...where, top: N.language(top) }));
      for (const lang of langs.filter(small)) notes.push(t(`${P}note_small_true`, facts(lang)));
    } else if (langs.length) {
      notes.push(t(`${P}note_same_class`, { name: res.name, ...where }));
    }
    if (small(top)) notes.push(t(`${P}note_small_answer`, facts(top)));
    if (!langs.length && res.top[0].probability < 0.5) notes.push(t(`${P}note_unsure`));
    return notes;
  }

  function torchCode() {
    const p = batch.pack;
    const c = card.table;
    const sizes = `tensor([${p.batch_sizes.join(", ")}])`;
    return [
      "import torch",
      "from torch import nn",
      "from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence",
      "",
      `alphabet = "${p.alphabet}"          # code = position + 1; 0 = padding`,
      `names = ${JSON.stringify(p.names)}`,
      "codes = [torch.tensor([alphabet.index(ch) + 1 for ch in n]) for n in names]",
      "lengths = torch.tensor([len(c) for c in codes])",
      `padded = pad_sequence(codes, batch_first=True)     # (B, T_max) = (${p.names.length}, ${p.padded[0].length})`,
      "packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)",
      `print(packed.batch_sizes)    # ${sizes}`,
      "",
      `embedding = nn.Embedding(30, ${c.input_size}, padding_idx=0)`,
      `gru = nn.GRU(${c.input_size}, ${c.hidden_size}, num_layers=${c.num_layers}, bidirectional=True, batch_first=True, dropout=${c.dropout})`,
      `fc = nn.Linear(2 * ${c.hidden_size}, 18)`,
      "# the shipped weights: from engine.models.names import load_pretrained; m = load_pretrained()",
      "# then embedding, gru, fc = m.embedding, m.gru, m.fc (and m.eval())",
      "x = pack_padded_sequence(embedding(padded), lengths, batch_first=True, enforce_sorted=False)",
      `_, h_n = gru(x)                                  # (${2 * c.num_layers}, B, ${c.hidden_size})`,
      `hidden = torch.cat([h_n[-2], h_n[-1]], dim=1)    # (B, ${2 * c.hidden_size}): [h_N^f; h_N^b]`,
      "probs = fc(hidden).softmax(dim=1)               # (B, 18)",
      `print(probs.shape)                              # torch.Size([${p.names.length}, 18])`,
    ].join("\n");
  }

  const guide = N.steps({
    show: (step, frame) => (batch ? stageAt(step, frame) : null),
    frames: (step) => (batch && step === PACK ? batch.pack.padded[0].length : 1),
    interval: (step) => (step === PACK ? 1300 : 3000),
  });

  async function init() {
    $("names").addEventListener("input", debounce(runPipeline, 300));
    $("shown-name").addEventListener("change", drawGru);
    const again = debounce(predict, 250);
    $("predict-name").addEventListener("input", again);
    $("k").addEventListener("input", again);
    $("predict-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      predict();
    });
    const model = fetch("/api/names/model").then((r) => r.json()); // sizes and counts: table, code, notes
    await runPipeline(); // the stage does not wait for the model card
    card = await model;
    if (batch) {
      fillTable();
      code(torchCode());
    }
    await predict();
  }

  init();
})();
