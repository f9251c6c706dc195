"""The home page's overview in headless Chromium against a uvicorn started here (issue #13):

- cold navigation (fresh browser context) until every map and bar of the CNN half is drawn, and
  until the RNN half is drawn too;
- bytes transferred cold, and once a detail panel has loaded Plotly: cold, then with Plotly cached;
- one redraw after a stroke: from the pen lifting to the last map updated;
- the RNN half: typing a name until it is redrawn;
- whether the overview gets slower with more maps: the basic net (90 maps), Inception (266) and
  residual (240), the request and the drawing, per map.

    python -m benchmarks.overview [runs]        (default 5 runs of each)

Targets: first screen fully drawn ≤ 1.5 s cold, redraw ≤ 300 ms, ≤ 2 MB cold."""

import statistics
import sys
import tempfile

from playwright.sync_api import Browser, Page, sync_playwright

from scripts.first_screen import SHARE
from scripts.screenshot import CHROMIUM_ARGS
from scripts.server import serve

MODELS = {"basic": 90, "inception": 266, "residual": 240}  # maps drawn
MEASURES = """name => performance.getEntriesByName(name)
                 .map(e => ({start: e.startTime, end: e.startTime + e.duration, duration: e.duration}))"""
BYTES = """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
              .reduce((n, e) => n + (e.transferSize || 0), 0)"""
AFTER_UP = """() => window.__up
                && performance.getEntriesByName('cnn-draw').some(e => e.startTime > window.__up)"""
REQUESTS = """path => performance.getEntriesByType('resource').filter(e => e.name.includes(path))
                 .map(e => e.responseEnd - e.requestStart)"""


def wait_drawn(page: Page, which: str, count: int = 1) -> None:
    page.wait_for_function(
        f"n => performance.getEntriesByName('{which}-draw').length >= n", arg=count, timeout=60_000
    )


def cold(browser: Browser, base: str, model: str) -> dict:
    """A fresh context: navigation start → the last map of each half drawn, and the bytes."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{base}/?lang=en&model={model}")
        wait_drawn(page, "cnn")
        wait_drawn(page, "rnn")
        page.wait_for_load_state("networkidle")
        cnn = page.evaluate(MEASURES, "cnn-draw")[-1]
        rnn = page.evaluate(MEASURES, "rnn-draw")[-1]
        cold_bytes = page.evaluate(BYTES)
        request = page.evaluate(REQUESTS, "/api/overview/digits")[-1]
        # a detail panel loads Plotly: the bytes of a first visit that opens one
        page.focus("#cnn-frame .net-over")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('plot-detail').data", timeout=60_000)
        page.wait_for_load_state("networkidle")
        with_plotly = page.evaluate(BYTES)
        # the same visit again, Plotly (and everything versioned) now in the browser's cache
        page.reload()
        wait_drawn(page, "cnn")
        wait_drawn(page, "rnn")
        page.focus("#cnn-frame .net-over")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('plot-detail').data", timeout=60_000)
        page.wait_for_load_state("networkidle")
        cached = page.evaluate(BYTES)
        return {
            "cnn_ms": cnn["end"],
            "rnn_ms": rnn["end"],
            "draw_ms": cnn["duration"],
            "request_ms": request,
            "cold_bytes": cold_bytes,
            "plotly_bytes": with_plotly,
            "cached_bytes": cached,
        }
    finally:
        context.close()


def stroke(browser: Browser, base: str, model: str) -> dict:
    """Pen up → the last map drawn, for a stroke drawn over about 0.6 s."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{base}/?lang=en&model={model}")
        wait_drawn(page, "cnn")
        page.wait_for_load_state("networkidle")
        page.click("#clear")
        box = page.locator("#pad").bounding_box()
        assert box is not None
        x, y = box["x"], box["y"]
        page.evaluate(
            "() => addEventListener('pointerup', () => { window.__up = performance.now(); }, {once: true})"
        )
        before = len(page.evaluate(MEASURES, "cnn-draw"))
        page.mouse.move(x + 50, y + 30)
        page.mouse.down()
        for k in range(1, 9):
            page.mouse.move(x + 50 + 10 * k, y + 30 + 15 * k, steps=3)
            page.wait_for_timeout(70)
        page.mouse.up()
        page.wait_for_function(AFTER_UP, timeout=60_000)
        while True:  # until no answer is drawn for 0.5 s: the last one was the stroke's end
            n = len(page.evaluate(MEASURES, "cnn-draw"))
            page.wait_for_timeout(500)
            if len(page.evaluate(MEASURES, "cnn-draw")) == n:
                break
        up = page.evaluate("() => window.__up")
        draws = page.evaluate(MEASURES, "cnn-draw")[before:]
        after = [d for d in draws if d["end"] > up]
        return {"redraw_ms": after[-1]["end"] - up, "during": len(draws) - len(after)}
    finally:
        context.close()


def typing(browser: Browser, base: str) -> dict:
    """A name typed (one input event) → the RNN half redrawn; the page waits 120 ms for more keys."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{base}/?lang=en")
        wait_drawn(page, "rnn")
        page.wait_for_load_state("networkidle")
        page.evaluate(
            "() => document.getElementById('name').addEventListener('input', "
            "() => { window.__typed = performance.now(); }, {once: true})"
        )
        page.fill("#name", "Schmidt")
        wait_drawn(page, "rnn", 2)
        typed = page.evaluate("() => window.__typed")
        last = page.evaluate(MEASURES, "rnn-draw")[-1]
        return {"name_ms": last["end"] - typed, "rnn_draw_ms": last["duration"]}
    finally:
        context.close()


def share(browser: Browser, base: str, width: int, height: int) -> float:
    """The share of the first screen that drawn canvas/svg/img/plots cover (scripts/first_screen.py)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{base}/?lang=en")
        wait_drawn(page, "cnn")
        return page.evaluate(SHARE)["share"]
    finally:
        context.close()


def median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        proc, base = serve(tmp)
        try:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for model in MODELS:  # warm the server's caches (models, held-out digits) once
                cold(browser, base, model)
            colds = {m: [cold(browser, base, m) for _ in range(runs)] for m in MODELS}
            strokes = {m: [stroke(browser, base, m) for _ in range(runs)] for m in MODELS}
            names = [typing(browser, base) for _ in range(runs)]
            shares = {size: share(browser, base, *size) for size in ((1280, 800), (390, 844))}
            browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"medians of {runs} runs, 1280×800, headless Chromium, uvicorn on loopback")
    print()
    print(
        "| net | maps | CNN half drawn, cold ms | both halves drawn ms | request ms | draw ms | draw µs/map "
        "| redraw after a stroke ms | KB cold | KB + Plotly | KB + Plotly cached |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for m, n in MODELS.items():
        c, s = colds[m], strokes[m]
        print(
            f"| {m} | {n} | {median(c, 'cnn_ms'):.0f} | {max(median(c, 'cnn_ms'), median(c, 'rnn_ms')):.0f} "
            f"| {median(c, 'request_ms'):.0f} | {median(c, 'draw_ms'):.1f} "
            f"| {1000 * median(c, 'draw_ms') / n:.0f} | {median(s, 'redraw_ms'):.0f} "
            f"| {median(c, 'cold_bytes') / 1024:.0f} | {median(c, 'plotly_bytes') / 1024:.0f} "
            f"| {median(c, 'cached_bytes') / 1024:.0f} |"
        )
    during = statistics.median(r["during"] for rows in strokes.values() for r in rows)
    print()
    print(f"redraws while the pen moved (a stroke of about 0.7 s, one at most per 150 ms): {during:.0f}")
    print(
        f"RNN half: a typed name → redrawn in {median(names, 'name_ms'):.0f} ms "
        f"(120 ms of it the page waiting for more keys; drawing {median(names, 'rnn_draw_ms'):.1f} ms)"
    )
    print(", ".join(f"first screen drawn at {w}×{h}: {v:.0%}" for (w, h), v in shares.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
