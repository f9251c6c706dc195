/* The stage of a lesson (issue #14; templates/lesson.html's {% block stage %}): the guided steps beside
 * the central visual, their keyboard (← → step, space plays and pauses, anywhere outside a text field),
 * and presentation mode (?present=1 or the Present button: only the visual, the step text and the step
 * controls; Esc leaves). Loaded by lesson.html after urlstate.js; adds N.steps. */
(() => {
  "use strict";
  const { t, $ } = N;
  const stage = $("stage");
  const calm = matchMedia("(prefers-reduced-motion: reduce)");
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const escapeHtml = (v) => String(v).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  const typing = (el) => el.closest?.("input, select, textarea, [contenteditable]");

  /** The guided steps. The lesson gives
   * - show(step, frame) → draws the visual at that moment (0-based step; frame 0 … frames(step) − 1) and
   *   highlights what the step talks about; returns the numbers for the step's text ({name} placeholders
   *   of `<lesson>.step.<n>.text_html`), or null while there is nothing to show yet;
   * - frames(step) → how many moments the step walks through (default 1: one still picture);
   * - interval(step) → ms per frame while playing (default 1600; a step chosen by hand plays its frames
   *   twice as fast, once).
   * Returns {go(step), refresh(), play(), pause(), step(), frame()}: call refresh() whenever new data
   * arrives. The step is kept in the URL (?step=3, 1-based). */
  function steps({ show, frames = () => 1, interval = () => 1600 }) {
    const buttons = [...document.querySelectorAll("#steps [data-step]")];
    const count = buttons.length;
    let current = 0;
    let frame = 0;
    let running = null; // "play": on through the steps; "step": the frames of one chosen step
    let timer = null;

    N.state.param("step", {
      get: () => (current ? String(current + 1) : null),
      set: (value) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > count) return false;
        current = n - 1;
        frame = Infinity; // the chosen step's whole moment, once its frames are known
        return true;
      },
    });

    function render() {
      // a step chosen by link or by hand keeps frame = Infinity: its last frame, however many it has
      const vars = show(current, Math.max(0, Math.min(frame, frames(current) - 1)));
      buttons.forEach((b, i) => {
        if (i === current) b.setAttribute("aria-current", "step");
        else b.removeAttribute("aria-current");
      });
      $("step-count").textContent = t("common.step_of", { n: current + 1, count });
      $("step-title").textContent = buttons[current].textContent;
      const text = $("step-text");
      if (vars) {
        const safe = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, escapeHtml(v)]));
        text.innerHTML = t(buttons[current].dataset.text, safe); // our own markup, escaped numbers
      } else text.textContent = t("common.loading");
      $("step-prev").disabled = current === 0;
      $("step-next").disabled = current === count - 1;
      // ▶ waits for the first answer: disabled and busy, saying so, until the visual has something to show
      const play = $("step-play");
      play.disabled = !vars;
      if (vars) play.removeAttribute("aria-busy");
      else play.setAttribute("aria-busy", "true");
      play.setAttribute("aria-pressed", String(running === "play"));
      play.textContent = t(
        !vars ? "common.loading_steps" : running === "play" ? "common.pause" : "common.play",
      );
    }

    function stop() {
      clearTimeout(timer);
      timer = null;
      running = null;
    }

    function tick() {
      if (frame < frames(current) - 1) frame = Math.max(0, frame + 1);
      else if (running === "play" && current < count - 1) {
        current++;
        frame = 0;
        N.state.save();
      } else stop();
      render();
      if (running) timer = setTimeout(tick, interval(current) / (running === "play" ? 1 : 2));
    }

    function run(mode) {
      stop();
      running = mode;
      timer = setTimeout(tick, interval(current) / (mode === "play" ? 1 : 2));
    }

    /** Show step i (clamped): a still step at once, a step with frames walked through once. */
    function go(i) {
      stop();
      current = Math.max(0, Math.min(count - 1, i));
      const many = frames(current) > 1 && !calm.matches;
      frame = many ? 0 : Infinity;
      if (many) run("step");
      render();
      N.state.save();
    }

    function play() {
      if (current === count - 1 && frame >= frames(current) - 1) {
        current = 0; // from the start again
        frame = 0;
      }
      run("play");
      render();
    }

    function pause() {
      stop();
      render();
    }

    const toggle = () => (running === "play" ? pause() : play());
    $("step-prev").addEventListener("click", () => go(current - 1));
    $("step-next").addEventListener("click", () => go(current + 1));
    $("step-play").addEventListener("click", toggle);
    buttons.forEach((b, i) => {
      b.addEventListener("click", () => go(i));
    });
    document.addEventListener("keydown", (ev) => {
      if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target)) return;
      if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
        ev.preventDefault();
        go(current + (ev.key === "ArrowRight" ? 1 : -1));
      } else if (ev.key === " " && !ev.target.closest?.("button, a, summary")) {
        ev.preventDefault(); // a focused button keeps its own space
        toggle();
      }
    });
    render();
    // the visual is drawn for its size (panels, type): draw it again once the window has a new one
    window.addEventListener("resize", N.debounce(render, 200));
    // a stage plot's box also changes with a line of text appearing beside it in the stage, which
    // Plotly does not see (it follows the window): the same as a window resize for every plot then
    const sizes = new WeakMap();
    const watch = new ResizeObserver((entries) => {
      const changed = entries.filter(({ target, contentRect: r }) => {
        const was = sizes.get(target);
        sizes.set(target, [r.width, r.height]);
        return was && (was[0] !== r.width || was[1] !== r.height);
      });
      if (changed.length) window.dispatchEvent(new Event("resize"));
    });
    for (const plot of document.querySelectorAll(".stage-visual .plot")) watch.observe(plot);
    return {
      go,
      refresh: render,
      play,
      pause,
      step: () => current,
      frame: () => Math.max(0, Math.min(frame, frames(current) - 1)),
    };
  }

  /* ---- presentation mode: only the stage, large; ?present=1 or the Present button; Esc leaves ---- */
  function presentation() {
    const button = $("present");
    const on = () => document.body.classList.contains("presenting");
    function present(yes) {
      document.body.classList.toggle("presenting", yes);
      button.setAttribute("aria-pressed", String(yes));
      button.textContent = t(yes ? "common.present_leave" : "common.present");
      window.scrollTo(0, 0);
      requestAnimationFrame(() => window.dispatchEvent(new Event("resize"))); // plots take the new size
      N.state.save();
    }
    N.state.param("present", {
      get: () => (on() ? "1" : null),
      set: (value) => {
        if (value !== "1" && value !== "0") return false;
        present(value === "1");
        return true;
      },
    });
    button.addEventListener("click", () => present(!on()));
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && on() && !typing(ev.target)) present(false);
    });
  }

  if (stage) presentation();
  N.steps = steps;
})();
