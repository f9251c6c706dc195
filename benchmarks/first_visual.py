"""The first visual of every lesson (issue #14): time from the page's DOMContentLoaded to the first drawn
visual (a plot, canvas, svg or img of at least 80×60 px; scripts/first_screen.py), anywhere on the page
and inside the first screen, in headless Chromium on a fresh context each load (cold cache) against a
uvicorn started here; then the share of the first screen drawn visuals cover once the page has settled,
at 1280×800 and at 390×844.

    python -m benchmarks.first_visual [--runs 3]   (target: the first visual within 1 s of DOMContentLoaded)
"""

import argparse
import statistics
import tempfile

from playwright.sync_api import Browser, sync_playwright

from app.lessons import LESSONS
from scripts.first_screen import SHARE, WATCH, WATCHED
from scripts.screenshot import CHROMIUM_ARGS
from scripts.server import serve

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SETTLED = """() => [...document.querySelectorAll('.plot:not([data-waits])')]
                     .every(el => el.data && el.data.length)"""


def first_visual(browser: Browser, url: str) -> tuple[float | None, float | None]:
    """(ms from DOMContentLoaded to the first drawn visual anywhere, … inside the first screen)."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.add_init_script(WATCH)
        page.goto(url)
        page.wait_for_function(SETTLED, timeout=60_000)
        page.wait_for_timeout(300)
        t = page.evaluate(WATCHED)
    finally:
        context.close()
    return tuple(None if t[key] is None else t[key] - t["dcl"] for key in ("anywhere", "in_view"))


def share(browser: Browser, url: str, viewport: dict) -> float:
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(SETTLED, timeout=60_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        return page.evaluate(SHARE)["share"]
    finally:
        context.close()


def median(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "none"
    text = f"{statistics.median(known):.0f}"
    return text if len(known) == len(values) else f"{text} ({len(values) - len(known)} none)"


def main(runs: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        proc, base = serve(tmp)
        try:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            print(f"medians of {runs} cold loads at 1280×800; ms after DOMContentLoaded; share once drawn\n")
            print(
                "| lesson | first visual, anywhere ms | first visual, first screen ms "
                "| share 1280×800 | share 390×844 |"
            )
            print("|---|---:|---:|---:|---:|")
            for lesson in (ls for ls in LESSONS if ls.built):
                url = f"{base}{lesson.path}?lang=en"
                times = [first_visual(browser, url) for _ in range(runs)]
                desktop, phone = share(browser, url, DESKTOP), share(browser, url, PHONE)
                print(
                    f"| {lesson.path} | {median([a for a, _ in times])} | {median([v for _, v in times])} "
                    f"| {desktop:.0%} | {phone:.0%} |"
                )
            browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    main(parser.parse_args().runs)
