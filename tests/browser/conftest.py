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
