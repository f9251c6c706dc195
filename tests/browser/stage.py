"""What every lesson's stage (issue #14) is checked for in the browser, shared by the lessons' tests."""

from playwright.sync_api import Page


def open_stage(page: Page, url: str) -> None:
    """Open a lesson at `url` and wait until its stage shows a step with real numbers and the page is
    quiet (no request pending)."""
    page.goto(url)
    page.wait_for_function("() => document.getElementById('step-text').querySelector('.num')", timeout=30_000)
    page.wait_for_load_state("networkidle")


def presentation_shows_only_the_stage(page: Page, url: str, prose: tuple[str, ...], shown: tuple[str, ...]):
    """Open `url` (with ?present=1&step=2): the `prose` selectors are hidden, the `shown` ones and the step
    text (in large type) visible; → steps on, Esc leaves presentation mode and its link parameter."""
    page.goto(url)
    page.wait_for_function("() => document.getElementById('step-text').querySelector('.num')")
    for selector in (".explain", ".lead", ".panels", ".topbar", "#steps", *prose):
        assert page.is_hidden(selector), selector
    for selector in ("#step-text", "#step-play", "#step-next", *shown):
        assert page.is_visible(selector), selector
    size = page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('step-text')).fontSize)")
    assert size >= 22  # large type for a projector
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('step=3')")
    page.keyboard.press("Escape")
    assert page.is_visible(".explain")
    page.wait_for_function("() => !location.search.includes('present')")


def stage_ready(page: Page, url: str) -> None:
    """Open `url` and wait until the stage's step text shows its first real numbers and the page is idle."""
    page.goto(url)
    page.wait_for_function("() => document.getElementById('step-text').querySelector('.num')")
    page.wait_for_load_state("networkidle")


def control_values(page: Page, *ids: str) -> list[str]:
    """The values of the controls with these ids (what a link restored)."""
    return page.evaluate("ids => ids.map((id) => document.getElementById(id).value)", list(ids))
