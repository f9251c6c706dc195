"""A real uvicorn server on a free loopback port and Debian's Chromium driven by Playwright."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from scripts.server import serve

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = serve(tmp_path_factory.mktemp("var"))
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page that records console errors and uncaught exceptions in `page.errors`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    pg.on("console", on_console)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def plot_points(page: Page, selector: str) -> int:
    """How many numbers the Plotly graph at `selector` holds (0 when it has not drawn)."""
    return page.evaluate(
        """sel => { const el = document.querySelector(sel);
             if (!el || !el.data) return 0;
             return el.data.reduce((n, tr) => n + (tr.z ? tr.z.flat().length
                                                      : (tr.y ? tr.y.length : 0)), 0); }""",
        selector,
    )


def run_panel_code(code: str) -> dict:
    """Run the page's PyTorch panel code here, as a learner would in a notebook, and return its
    variables. torch's process-wide state (default dtype, threads, random generator) is restored
    afterwards so one page's code cannot change the tests that follow."""
    import torch

    dtype, threads, rng = torch.get_default_dtype(), torch.get_num_threads(), torch.get_rng_state()
    scope: dict = {}
    try:
        exec(code, scope)  # noqa: S102 - the page's own code
    finally:
        torch.set_default_dtype(dtype)
        torch.set_num_threads(threads)
        torch.set_rng_state(rng)
    return scope


# Every heatmap cell printed with a number ("−60", "3.5") whose number differs from the cell's value by
# more than its printed digits allow: [plot id, trace, row, col, label, value] for each.
LABEL_MISMATCHES = """() => {
  const bad = [];
  for (const el of document.querySelectorAll(".js-plotly-plot")) {
    (el.data || []).forEach((tr, k) => {
      if (tr.type !== "heatmap" || !tr.text || !String(tr.texttemplate || "").includes("%{text}")) return;
      tr.text.forEach((row, i) => (Array.isArray(row) ? row : [row]).forEach((label, j) => {
        const m = /^[-−]?\\d+(?:\\.(\\d+))?$/.exec(String(label).trim());
        if (!m) return; // a letter, a symbol (−∞ for padding), or nothing
        const value = tr.z[i]?.[j];
        const half = 0.5 * 10 ** -(m[1]?.length ?? 0);
        const printed = Number(String(label).trim().replace("−", "-"));
        const ok = value != null && Math.abs(printed - value) <= half * (1 + 1e-9) + 1e-9;
        if (!ok) bad.push([el.id, k, i, j, label, value]);
      }));
    });
  }
  return bad;
}"""


def heatmap_label_mismatches(page: Page) -> list:
    """The heatmap cells on the page whose printed number is not their value (see LABEL_MISMATCHES)."""
    return page.evaluate(LABEL_MISMATCHES)


# Every tick label of a log axis whose number is not the tick's value: [plot id, axis, label, value].
# Plotly's default labels minor ticks with a bare digit ("5" for 50) and writes 10¹⁰ as "10B".
LOG_TICK_MISMATCHES = """() => {
  const number = (label) => {
    const s = label.replace(/\\u2212/g, "-").replace(/<sup>(.*?)<\\/sup>/, "^$1");
    const m = /^(?:(\\d+(?:\\.\\d+)?)[x×])?10(?:\\^(-?\\d+))?$/.exec(s);
    return m ? (m[1] ? Number(m[1]) : 1) * 10 ** (m[2] ? Number(m[2]) : 1) : Number(s.replace(/,/g, ""));
  };
  const bad = [];
  for (const el of document.querySelectorAll(".js-plotly-plot")) {
    for (const [name, ax] of Object.entries(el._fullLayout || {})) {
      if (!/^[xy]axis\\d*$/.test(name) || ax.type !== "log" || !ax.showticklabels) continue;
      for (const tick of ax._vals || []) {
        const value = 10 ** tick.x;
        if (!(Math.abs(number(tick.text) - value) <= 1e-6 * value)) bad.push([el.id, name, tick.text, value]);
      }
    }
  }
  return bad;
}"""


def log_tick_mismatches(page: Page) -> list:
    """The log-axis tick labels on the page that do not read as their value (see LOG_TICK_MISMATCHES)."""
    return page.evaluate(LOG_TICK_MISMATCHES)


# An unrolled diagram (SVG in the box `sel`) as a phone shows it: drawn vertically, nothing to scroll
# sideways, every cell inside the box, and how tall the smallest cell and its type are on screen.
DIAGRAM_ON_SCREEN = """sel => {
  const box = document.querySelector(sel);
  const svg = box.querySelector("svg");
  const cells = [...svg.querySelectorAll(".cell rect")].map((r) => r.getBoundingClientRect());
  const b = box.getBoundingClientRect();
  const label = svg.querySelector(".cell text");
  return {
    vertical: svg.classList.contains("vertical"),
    overflow: box.scrollWidth - box.clientWidth,
    inside: cells.every((c) => c.left >= b.left - 1 && c.right <= b.right + 1),
    smallest: Math.min(...cells.map((c) => c.height)),
    type: label.getBoundingClientRect().height,
    rows: new Set(cells.map((c) => Math.round(c.top))).size,
  };
}"""


def diagram_on_screen(page: Page, selector: str) -> dict:
    """See DIAGRAM_ON_SCREEN."""
    return page.evaluate(DIAGRAM_ON_SCREEN, selector)
