"""Lesson pages in headless Chromium: time to first paint, time until every plot is drawn, and the
bytes transferred, on a fresh browser context (cold cache) against a uvicorn started here.

    python -m benchmarks.pages
"""

import time

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.lessons import LESSONS
from scripts.server import serve

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PLOTS_DRAWN = """() => [...document.querySelectorAll('.plot:not([data-waits])')]
                        .every(el => el.data && el.data.length)"""
TIMINGS = """() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const bytes = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
    .reduce((n, e) => n + (e.transferSize || 0), 0);
  return {paint: paint ? paint.startTime : null, bytes};
}"""


def measure(page: Page, url: str) -> tuple[float | None, float, int]:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(PLOTS_DRAWN, timeout=60_000)
    drawn = (time.perf_counter() - start) * 1000
    page.wait_for_load_state("networkidle")
    t = page.evaluate(TIMINGS)
    return t["paint"], drawn, t["bytes"]


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        proc, base = serve(tmp)
        try:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            print(f"{'page':28} {'first paint ms':>15} {'plots drawn ms':>15} {'KB transferred':>15}")
            for lesson in (ls for ls in LESSONS if ls.built):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                try:
                    paint, drawn, size = measure(context.new_page(), f"{base}{lesson.path}?lang=en")
                except PlaywrightTimeout:
                    print(f"{lesson.path:28} {'plots not drawn within 60 s':>47}")
                    continue
                finally:
                    context.close()
                paint_text = f"{paint:.0f}" if paint is not None else "-"
                print(f"{lesson.path:28} {paint_text:>15} {drawn:15.0f} {size / 1024:15.0f}")
            browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
