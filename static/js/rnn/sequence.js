/* What the RNN pages (§4–5.2: forward, bptt, bidirectional) share: reading the sequence_input
 * macro's fields and the typed weights, which of their fields show, the layer choice, Python literals for
 * the PyTorch panel, SVG.
 * Loaded after naturally.js; adds its helpers to window.N. */
(() => {
  "use strict";
  const { t, status, matrix, fmt, $ } = N;

  // "1, 2; -0.5" → [1, 2, -0.5]; null, with a status message naming the field, if a part is not a number
  function numbers(text, field) {
    const parts = text.split(/[\s,;]+/).filter(Boolean);
    const bad = parts.find((v) => !Number.isFinite(Number(v)));
    if (bad === undefined) return parts.map(Number);
    status(t("common.not_a_number", { value: bad, field }), "error");
    return null;
  }

  // {fields: {word, alphabet} or {sequence: T vectors of input_size}, steps: T}, or null (with a status
  // message) when the numbers do not split into vectors of input_size
  function readSequence() {
    if ($("source").value === "word") {
      const word = $("word").value;
      return {
        fields: { word, alphabet: $("alphabet").value || [...new Set(word)].sort().join("") },
        steps: word.length,
      };
    }
    const nums = numbers($("sequence").value, "sequence");
    if (!nums) return null;
    const size = Number($("input-size").value);
    if (nums.length % size) {
      status(t("common.not_multiple", { n: nums.length, i: size }), "error");
      return null;
    }
    const steps = nums.length / size;
    const sequence =
      size === 1 ? nums : [...Array(steps).keys()].map((i) => nums.slice(i * size, (i + 1) * size));
    return { fields: { sequence }, steps };
  }

  // the typed-<name> text boxes → {name: vector (b_…) or matrix (one row per line)}, or null (with a
  // status message) if a box holds something that is not a number
  function typedWeights(names) {
    const out = {};
    for (const name of names) {
      const lines = document
        .getElementById(`typed-${name}`)
        .value.split("\n")
        .filter((l) => l.trim());
      const rows = lines.map((line) => numbers(line, name));
      if (rows.includes(null)) return null;
      out[name] = name.startsWith("b_") ? rows.flat() : rows;
    }
    return out;
  }

  // the inverse of typedWeights: decoded tensors into their boxes (six decimals, one matrix row a line)
  function fillTypedWeights(tensors) {
    for (const [name, w] of Object.entries(tensors)) {
      const rows = w.shape.length === 2 ? matrix(w) : [Array.from(w.data)];
      document.getElementById(`typed-${name}`).value = rows
        .map((r) => r.map((v) => fmt(v, 6)).join(" "))
        .join("\n");
    }
  }

  // #layer (in #layer-box, hidden when there is one layer) offers layers 1…n; the first time, it takes
  // the layer a link names (urlstate.js)
  function layerChoice(n) {
    const layer = $("layer");
    if (layer.options.length !== n)
      layer.replaceChildren(...[...Array(n).keys()].map((l) => new Option(String(l + 1), l)));
    $("layer-box").hidden = n === 1;
    N.state?.restore("layer");
  }

  // a tensor of an answer ({data: nested lists}) as Python: torch.tensor([[1.0, -0.5]]), floats throughout
  const pyFloat = (v) =>
    Array.isArray(v) ? `[${v.map(pyFloat).join(", ")}]` : Number.isInteger(v) ? `${v}.0` : String(v);
  const pyTensor = (obj) => `torch.tensor(${pyFloat(obj.data)})`;

  // the PyTorch panels' input lines for an RNN answer: the word one-hot over its alphabet, or the numbers
  const pyInput = (res) =>
    res.tokens
      ? [
          `alphabet = ${JSON.stringify(res.alphabet)}`,
          `x = torch.eye(${res.input_size})[[alphabet.index(c) for c in ${JSON.stringify(res.tokens.join(""))}]]   # one-hot, (T, I)`,
        ]
      : [`x = ${pyTensor(res.x)}   # (T, I) = (${res.steps}, ${res.input_size}), time first`];

  // the fields of the chosen input (.src-numbers or .src-word) and, on pages with the rnn_weights macro,
  // of the chosen weights (.w-seed or .w-typed); the others are hidden
  function showControls() {
    const show = (selector, on) => {
      for (const el of document.querySelectorAll(selector)) el.hidden = !on;
    };
    const word = $("source").value === "word";
    show(".src-numbers", !word);
    show(".src-word", word);
    const typed = $("weights-source")?.value === "typed";
    show(".w-typed", typed);
    show(".w-seed", !typed);
  }

  function svg(tag, attrs, text) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /** Fit an unrolled diagram's svg (its natural size: width × height) in its stage box: scaled to the
   * whole box when it still reads well that way (at least `least` of its natural size), else at a
   * readable scale with the box scrolling along the time axis (long sequences; a phone's vertical
   * diagram). Returns whether the box scrolls (the caller then keeps the current step in view). */
  function fitDiagram(root, box, width, height, vertical, least = vertical ? 0.85 : 0.7) {
    const [bw, bh] = [box.clientWidth, box.clientHeight];
    if (Math.min(bw / width, bh / height) >= least) {
      Object.assign(root.style, { width: "100%", height: "100%" });
      return false;
    }
    const k = vertical ? Math.min(1, bw / width) : Math.min(1.15, bh / height);
    Object.assign(root.style, { width: `${width * k}px`, height: `${height * k}px` });
    return true;
  }

  Object.assign(N, {
    fitDiagram,
    numbers,
    readSequence,
    typedWeights,
    fillTypedWeights,
    layerChoice,
    pyTensor,
    pyInput,
    showControls,
    svg,
  });
})();
