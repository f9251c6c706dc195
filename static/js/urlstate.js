/* A lesson's state in its URL (issue #14): every control of the page (an <input>, <select> or <textarea>
 * in <main> with an id, or a name for radio and checkbox groups) is kept in the query string as it
 * changes, only where it differs from the control's default, and restored from it on load, before the
 * lesson's script first reads the controls. Values that do not fit a control (out of range, not one of
 * its options, a parameter no control or page declares) keep the default and are named in #state-note
 * in the page's language. Loaded by templates/lesson.html after naturally.js; adds N.state.
 *
 * A control whose options or range the script fills (a <select> with no options at load, or any control
 * marked data-state="later") is restored when the page calls N.state.restore(id) once they are in;
 * data-state="off" keeps a control out of the URL. Anything else (a position, the guided step,
 * presentation mode) is a parameter the page declares: N.state.param(name, {get, set}); the home page's
 * links also say which map of which net a lesson shows: N.state.origin(box). */
(() => {
  "use strict";
  const { t, $ } = N;
  const SAVE_MS = 300;
  const MAX_TEXT = 20000; // a text box without maxlength takes at most this many characters from a link
  const RESERVED = ["lang"]; // read by the server

  const wanted = new Map(new URLSearchParams(location.search)); // name → value, until used or refused
  const declared = new Map(); // name → {get}: the parameters the page declared
  const refused = []; // [what, value]: what a link asked for and did not get

  /* ---- the controls and their values as strings ---- */
  const FIELDS = "main input, main select, main textarea";
  const SKIP_TYPES = ["file", "button", "submit", "reset", "image", "password", "hidden"];

  /** name → {name, els, group}: one entry per control (by id), or per radio / checkbox group (by name). */
  function controls() {
    const out = new Map();
    for (const el of document.querySelectorAll(FIELDS)) {
      if (SKIP_TYPES.includes(el.type) || el.dataset.state === "off") continue;
      const group = (el.type === "radio" || el.type === "checkbox") && el.name;
      const isGroup = group && document.getElementsByName(el.name).length > 1;
      const name = isGroup || !el.id ? el.name : el.id;
      if (!name) continue;
      if (!out.has(name)) out.set(name, { name, els: [], group: Boolean(isGroup) });
      out.get(name).els.push(el);
    }
    return out;
  }

  function read(c, initial) {
    const [el] = c.els;
    if (c.group) {
      return c.els
        .filter((e) => (initial ? e.defaultChecked : e.checked))
        .map((e) => e.value)
        .join(",");
    }
    if (el.type === "checkbox") return (initial ? el.defaultChecked : el.checked) ? "1" : "0";
    if (el instanceof HTMLSelectElement) {
      if (!initial) return [...el.selectedOptions].map((o) => o.value).join(",");
      const chosen = [...el.options].filter((o) => o.defaultSelected);
      return (chosen.length ? chosen : [...el.options].slice(0, el.multiple ? 0 : 1))
        .map((o) => o.value)
        .join(",");
    }
    return initial ? el.defaultValue : el.value;
  }

  /** Whether `value` fits the control; if so the control now holds it. */
  function write(c, value) {
    const [el] = c.els;
    if (c.group) {
      const values = value ? value.split(",") : [];
      if (!values.every((v) => c.els.some((e) => e.value === v))) return false;
      for (const e of c.els) e.checked = values.includes(e.value);
      return true;
    }
    if (el.type === "checkbox") {
      const on = ["1", "true", "on"].includes(value);
      if (!on && !["0", "false", "off"].includes(value)) return false;
      el.checked = on;
      return true;
    }
    if (el instanceof HTMLSelectElement) {
      const values = el.multiple ? value.split(",").filter(Boolean) : [value];
      if (!values.every((v) => [...el.options].some((o) => o.value === v))) return false;
      for (const o of el.options) o.selected = values.includes(o.value);
      return true;
    }
    if (el.type === "range" || el.type === "number") return writeNumber(el, value);
    if (value.length > (el.maxLength > 0 ? el.maxLength : MAX_TEXT)) return false;
    const before = el.value;
    el.value = value;
    if (el.checkValidity()) return true; // e.g. pattern, required
    el.value = before;
    return false;
  }

  function writeNumber(el, value) {
    const v = Number(value);
    if (value.trim() === "" || !Number.isFinite(v)) return false;
    const min = el.min === "" ? -Infinity : Number(el.min);
    const max = el.max === "" ? Infinity : Number(el.max);
    const step = el.step === "any" ? 0 : Number(el.step || 1);
    const base = Number.isFinite(min) ? min : 0;
    const onStep = !step || Math.abs((v - base) / step - Math.round((v - base) / step)) < 1e-9;
    if (v < min || v > max || !onStep) return false;
    el.value = value;
    // an <output for=…> that showed the default shows the restored value
    for (const out of document.querySelectorAll("output")) {
      if (out.htmlFor.contains(el.id) && out.textContent.trim() === el.defaultValue) out.textContent = value;
    }
    return true;
  }

  /* ---- the note naming what a link asked for and did not get ---- */
  function refuse(name, value) {
    const label = N.fieldLabel([name]);
    refused.push([label ? `${label} (${name})` : name, value.length > 40 ? `${value.slice(0, 40)}…` : value]);
    wanted.delete(name);
    saveSoon(); // the link loses what it could not set
    const note = $("state-note");
    if (!note) return;
    const list = refused.map(([what, v]) => `${what} = “${v}”`).join("; ");
    note.textContent = t("common.state_note", { list });
    note.hidden = false;
  }

  /** Restore a control from the link: at load for most; for a data-state="later" control when the page
   * calls it (its options or range are in place). Returns whether the link's value was applied. */
  function restore(name) {
    if (!wanted.has(name)) return false;
    const c = controls().get(name);
    if (!c) return false;
    const value = wanted.get(name);
    wanted.delete(name);
    if (write(c, value)) return true;
    refuse(name, value);
    return false;
  }

  /** A parameter the page handles itself: set(value) applies the link's value and says whether it fit
   * (true / false, or a promise of either); get() → its value now, or null for the default. Declare it
   * while the page's script first runs (before DOMContentLoaded), or its value is named unknown. */
  function param(name, { get, set }) {
    declared.set(name, { get });
    if (!wanted.has(name)) return;
    const value = wanted.get(name);
    Promise.resolve(set(value)).then((fits) => {
      wanted.delete(name);
      if (!fits) refuse(name, value);
      save();
    });
  }

  /* ---- where a link from the home page comes from (docs/deep-links.md) ---- */
  const whole = (v) => /^\d{1,4}$/.test(v);
  const ORIGIN = {
    model: (v) => ["basic", "inception", "residual"].includes(v),
    layer: (v) => /^[a-z0-9_.]{1,40}$/i.test(v),
    map: whole,
    "input-map": whole,
    row: whole,
    col: whole,
  };

  /** The home page's links name the map a lesson opens on: the net (`model`), `layer`, output `map`,
   * `input-map` and position (`row`, `col`). Declares those parameters; the values that fit are shown in
   * `box` ("From the home page: conv1 of the basic net, output map 1, …") and kept in the link until
   * forget() (call it once the learner changes what the link showed). Returns {value(name), forget()}. */
  function origin(box) {
    const from = {};
    function show() {
      const parts = [];
      if (from.layer) {
        const net = from.model ? t(`common.net.${from.model}`) : null;
        parts.push(net ? t("common.from_layer", { layer: from.layer, net }) : from.layer);
      }
      if (from.map) parts.push(t("common.from_map", { map: from.map }));
      if (from["input-map"]) parts.push(t("common.from_input_map", { map: from["input-map"] }));
      if (from.row && from.col) parts.push(t("common.from_position", { row: from.row, col: from.col }));
      box.hidden = !parts.length;
      box.textContent = parts.length ? t("common.from_home", { what: parts.join(", ") }) : "";
    }
    for (const [name, fits] of Object.entries(ORIGIN)) {
      param(name, {
        get: () => from[name] ?? null,
        set: (value) => {
          if (!fits(value)) return false;
          from[name] = value;
          show();
          return true;
        },
      });
    }
    return {
      value: (name) => from[name],
      forget: () => {
        for (const name of Object.keys(from)) delete from[name];
        show();
        saveSoon();
      },
    };
  }

  /* ---- writing the link ---- */
  /** The query string of the current state: the link's reserved and still-unused values, every control
   * that differs from its default, every declared parameter that is not at its default. */
  function query() {
    const q = new URLSearchParams();
    for (const [name, value] of wanted) q.set(name, value); // not applied yet: keep what the link said
    for (const c of controls().values()) {
      if (wanted.has(c.name) || c.els.every((el) => el.closest("[hidden]"))) continue;
      const now = read(c, false);
      if (now !== read(c, true)) q.set(c.name, now);
    }
    for (const [name, { get }] of declared) {
      const value = wanted.has(name) ? null : get();
      if (value !== null && value !== undefined) q.set(name, value);
    }
    return q;
  }

  function link() {
    const q = query().toString();
    return `${location.origin}${location.pathname}${q ? `?${q}` : ""}${location.hash}`;
  }

  function save() {
    const url = link();
    if (url !== location.href) history.replaceState(history.state, "", url);
  }
  const saveSoon = N.debounce(save, SAVE_MS);
  for (const type of ["input", "change", "click"]) {
    document.addEventListener(type, (ev) => {
      if (ev.target.closest?.("main")) saveSoon();
    });
  }

  $("copy-link")?.addEventListener("click", () => {
    save();
    navigator.clipboard?.writeText(link()).then(
      () => N.status(t("common.link_copied")),
      () => N.status(t("common.copy_failed"), "error"),
    );
  });

  /* ---- at load: the controls now, the rest once the page's script has declared its parameters ---- */
  const everything = controls();
  const later = (name) => {
    const el = everything.get(name)?.els[0];
    return el?.dataset.state === "later" || (el instanceof HTMLSelectElement && !el.options.length);
  };
  for (const name of [...wanted.keys()]) if (everything.has(name) && !later(name)) restore(name);
  document.addEventListener("DOMContentLoaded", () => {
    for (const [name, value] of [...wanted]) {
      if (RESERVED.includes(name)) {
        if (name === "lang" && value !== N.page.lang) refuse(name, value);
        continue;
      }
      if (!declared.has(name) && !everything.has(name)) refuse(name, value);
    }
  });

  N.state = { param, restore, save, link, origin, wanted: (name) => wanted.get(name) };
})();
