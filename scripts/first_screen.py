"""What counts as a drawn visual on a page, and how much of the first screen drawn visuals cover
(issue #14). One definition, used by tests/browser/test_first_screen.py and benchmarks/first_visual.py.

A visual is a drawn Plotly plot, <canvas>, <svg> or <img> of at least 80×60 CSS pixels:
- a plot (`.js-plotly-plot`) once it holds data; the svg and canvas layers inside it are not counted again;
- an svg with at least one shape or text inside it;
- an img that has loaded;
- a canvas that is not blank (its pixels differ from an empty canvas of the same size).
Only the part of each inside the viewport counts, and overlapping visuals count once (the area of the
union of their rectangles).

    page.evaluate(SHARE)  →  {"share": 0.43, "visuals": [{"tag": "div#plot-x", "area": 123456}, …]}
    page.add_init_script(WATCH) before page.goto(…), then page.evaluate(WATCHED) → {"dcl", "anywhere",
    "in_view"}: performance.now() of DOMContentLoaded and of the first drawn visual anywhere on the page
    and inside the first screen (null until there is one)."""

VISUALS = r"""
const MIN_W = 80;
const MIN_H = 60;
const SHAPES = "path, rect, circle, ellipse, line, polyline, polygon, text, image, use";
const blankCanvas = new Map();
function isBlank(canvas) {
  const key = `${canvas.width}x${canvas.height}`;
  if (!blankCanvas.has(key)) {
    const empty = document.createElement("canvas");
    Object.assign(empty, { width: canvas.width, height: canvas.height });
    blankCanvas.set(key, empty.toDataURL());
  }
  try {
    return canvas.toDataURL() === blankCanvas.get(key);
  } catch {
    return false; // a tainted canvas shows something
  }
}
function drawn(el) {
  if (el.classList.contains("js-plotly-plot")) return Boolean(el.data && el.data.length);
  if (el.closest(".js-plotly-plot")) return false; // the plot counts as one visual
  if (el instanceof HTMLImageElement) return el.complete && el.naturalWidth > 0;
  if (el instanceof HTMLCanvasElement) return el.width > 0 && el.height > 0 && !isBlank(el);
  if (el instanceof SVGSVGElement) {
    return !el.parentElement.closest("svg") && Boolean(el.querySelector(SHAPES));
  }
  return false;
}
function visuals() {
  const out = [];
  for (const el of document.querySelectorAll(".js-plotly-plot, canvas, svg, img")) {
    const r = el.getBoundingClientRect();
    if (r.width < MIN_W || r.height < MIN_H) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    if (drawn(el)) out.push({ el, rect: r });
  }
  return out;
}
function clip(r) {
  const x0 = Math.max(0, r.left);
  const y0 = Math.max(0, r.top);
  const x1 = Math.min(window.innerWidth, r.right);
  const y1 = Math.min(window.innerHeight, r.bottom);
  return x1 > x0 && y1 > y0 ? [x0, y0, x1, y1] : null;
}
function unionArea(rects) {
  const xs = [...new Set(rects.flatMap(([x0, , x1]) => [x0, x1]))].sort((a, b) => a - b);
  let area = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    const spans = rects
      .filter(([x0, , x1]) => x0 <= xs[i] && x1 >= xs[i + 1])
      .map(([, y0, , y1]) => [y0, y1])
      .sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let end = -Infinity;
    for (const [y0, y1] of spans) {
      if (y1 <= end) continue;
      covered += y1 - Math.max(y0, end);
      end = y1;
    }
    area += covered * (xs[i + 1] - xs[i]);
  }
  return area;
}
const describe = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}`;
"""

SHARE = (
    "() => {"
    + VISUALS
    + r"""
  const inView = visuals().map((v) => ({ el: v.el, box: clip(v.rect) })).filter((v) => v.box);
  const screen = window.innerWidth * window.innerHeight;
  return {
    share: unionArea(inView.map((v) => v.box)) / screen,
    visuals: inView.map((v) => ({ tag: describe(v.el), area: Math.round(unionArea([v.box])) })),
  };
}"""
)

WATCH = (
    "(() => {"
    + VISUALS
    + r"""
  const times = { dcl: null, anywhere: null, in_view: null };
  window.__firstScreen = times;
  document.addEventListener("DOMContentLoaded", () => { times.dcl = performance.now(); });
  const look = () => {
    if (document.body) {
      const found = visuals();
      const now = performance.now();
      if (found.length && times.anywhere === null) times.anywhere = now;
      if (times.in_view === null && found.some((v) => clip(v.rect))) times.in_view = now;
    }
    if (times.in_view === null && performance.now() < 60000) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();"""
)

WATCHED = "() => window.__firstScreen"
