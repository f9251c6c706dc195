"""Every page in real Chromium, in both languages: it loads, draws its plots, logs no error."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.lessons import LESSONS
from tests.browser.conftest import heatmap_label_mismatches, log_tick_mismatches, plot_points
from tests.images import png_bytes

BUILT = [lesson for lesson in LESSONS if lesson.built]


def wait_for_plots(page: Page) -> list[str]:
    """Wait until every .plot element on the page has drawn data; return their ids. Plots marked
    data-waits (e.g. "job": curves of a training the learner starts) are drawn later, on demand."""
    ids = page.eval_on_selector_all(".plot:not([data-waits])", "els => els.map(e => e.id)")
    for plot_id in ids:
        page.wait_for_function(
            "id => { const el = document.getElementById(id); return el && el.data && el.data.length; }",
            arg=plot_id,
            timeout=15_000,
        )
    return ids


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_home_page(page: Page, base_url: str, lang: str):
    page.goto(f"{base_url}/?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
    assert page.locator(".lesson-list li").count() == len(LESSONS)
    assert page.locator(".lesson-list li.built a").count() == len(BUILT)
    assert page.errors == []


@pytest.mark.parametrize("lesson", BUILT, ids=lambda ls: ls.path)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lesson_draws_its_plots(page: Page, base_url: str, lesson, lang: str):  # noqa: ANN001
    page.goto(f"{base_url}{lesson.path}?lang={lang}")
    ids = wait_for_plots(page)
    assert ids, "a lesson page has plots"
    for plot_id in ids:
        assert plot_points(page, f"#{plot_id}") > 0, plot_id
    assert page.locator("#torch-code").inner_text().strip(), "the PyTorch panel is filled"
    assert log_tick_mismatches(page) == []  # a log axis never labels 50 as "5"
    assert page.errors == []


UNNAMED_CONTROLS = """() => [...document.querySelectorAll(
    "main input:not([type=hidden]), main select, main textarea")]
  .filter((el) => !el.labels?.length && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map((el) => el.id || el.outerHTML)"""
MODEBAR_BUTTONS = """() => Math.max(0, ...[...document.querySelectorAll(".modebar")]
  .map((m) => m.querySelectorAll(".modebar-btn").length))"""


@pytest.mark.parametrize("lesson", BUILT, ids=lambda ls: ls.path)
def test_lesson_controls_have_names_and_plots_few_buttons(page: Page, base_url: str, lesson):  # noqa: ANN001
    page.goto(f"{base_url}{lesson.path}?lang=en")
    wait_for_plots(page)
    assert page.evaluate(UNNAMED_CONTROLS) == []  # a screen reader can name every control
    assert page.evaluate(MODEBAR_BUTTONS) <= 2  # download and reset: Tab does not wade through 8 a plot


@pytest.mark.parametrize("lesson", BUILT, ids=lambda ls: ls.path)
def test_lesson_fits_a_narrow_screen(page: Page, base_url: str, lesson):  # noqa: ANN001
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{base_url}{lesson.path}")
    wait_for_plots(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"
    assert heatmap_label_mismatches(page) == []  # small cells print fewer digits, still their value


def test_an_uploaded_image_reaches_the_plots(page: Page, base_url: str, tmp_path: Path):
    from PIL import Image

    img = Image.new("RGB", (24, 18), (250, 10, 10))
    path = tmp_path / "red.png"
    path.write_bytes(png_bytes(img))
    page.goto(f"{base_url}/cnn/input?lang=en")
    wait_for_plots(page)
    page.set_input_files("#image-file", str(path))
    expect(page.locator("#image-size")).to_contain_text("(3, 18, 24)")
    red = page.evaluate("document.getElementById('plot-r').data[0].z")
    assert len(red) == 18 and len(red[0]) == 24 and red[0][0] == 250
    assert page.errors == []


@pytest.mark.parametrize("lesson", BUILT, ids=lambda ls: ls.path)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_heatmap_labels_are_their_cells_values(page: Page, base_url: str, lesson, lang: str):  # noqa: ANN001
    """A number printed in a heatmap's cell is that cell's value, to the digits it prints."""
    page.goto(f"{base_url}{lesson.path}?lang={lang}")
    wait_for_plots(page)
    assert heatmap_label_mismatches(page) == []
