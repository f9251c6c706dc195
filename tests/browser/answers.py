"""Answers out of order (issue #12): the browser test helper that makes an earlier request's answer
arrive after a later one's, so a test can check that the later answer stays on screen.

    early, late = answer_late(page, "**/api/rnn/bptt", first=lambda: …, second=lambda: …,
                              shown=lambda: page.evaluate(…))
    assert early == late  # the late (older) answer was dropped, not drawn

Used on every page whose requests can overtake each other (a slider dragged, a box typed into)."""

from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import Page, Request, Route

T = TypeVar("T")

SETTLE = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def settle(page: Page) -> None:
    """Let the page run what an answer set off (promise callbacks, Plotly's drawing), two frames and
    a little more."""
    page.evaluate(SETTLE)
    page.wait_for_timeout(150)


def answer_late(
    page: Page,
    url: str,
    first: Callable[[], None],
    second: Callable[[], None],
    shown: Callable[[], T],
    timeout_ms: float = 15_000,
) -> tuple[T, T]:
    """Hold the answer to the request `first()` sends to `url` (a Playwright URL glob) until the
    request `second()` sends has been answered and drawn; then let the first one through.

    Returns what `shown()` reads from the page once the second answer is drawn, and again after the
    first (older) answer has arrived: on a page where the latest answer wins, the two are equal."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)  # the first request waits here, unanswered

    page.route(url, hold)
    try:
        first()
        waited = 0.0  # debounced inputs send a little later
        while not held:
            if waited > timeout_ms:
                raise AssertionError(f"first() sent no request to {url}")
            page.wait_for_timeout(25)
            waited += 25
        early: Request = held[0].request
        with page.expect_request_finished(
            lambda r: r is not early and r.url == early.url, timeout=timeout_ms
        ):
            second()
        settle(page)
        on_second = shown()
        with page.expect_request_finished(lambda r: r is early, timeout=timeout_ms):
            held[0].continue_()
        settle(page)
        return on_second, shown()
    finally:
        page.unroute(url, hold)
