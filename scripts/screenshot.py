"""Screenshots of pages in headless Chromium: python scripts/screenshot.py URL OUT.png [WIDTH [HEIGHT]]

The whole page, or with a HEIGHT only the first screen of WIDTH×HEIGHT (e.g. 1280 800, 390 844), and
then the share of it drawn visuals cover (scripts/first_screen.py). Prints the browser console's errors,
if any, so a page can be checked by eye and by log at once."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.first_screen import SHARE  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main(url: str, out: str, width: int = 1280, height: int | None = None) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height or 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        page.screenshot(path=out, full_page=height is None)
        if height:
            share = page.evaluate(SHARE)["share"]
            sys.stdout.write(f"first screen {width}×{height}: {share:.0%} drawn visuals\n")
        browser.close()
        sys.stderr.write("".join(f"console error: {e}\n" for e in errors))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:5]))
