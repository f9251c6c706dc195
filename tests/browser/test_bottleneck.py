"""§2.2 in real Chromium: the course's numbers, the table and plots; the reduction redraws."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import plot_points


def _open(page: Page, base_url: str, lang: str = "en") -> None:
    page.goto(f"{base_url}/cnn/bottleneck?lang={lang}")
    page.wait_for_function("() => document.querySelector('#plot-time')?.data?.length > 0")


def test_the_course_example_is_shown(page: Page, base_url: str):
    _open(page, base_url)
    assert plot_points(page, "#plot-mults") > 0 and plot_points(page, "#plot-time") > 0
    table = page.text_content("#cost-table")
    assert "120,422,400" in table and "12,443,648" in table and "240,844,800" in table
    assert "9.68×" in table
    expect(page.locator("#formula")).to_contain_text("28·28·16·192·1·1 + 28·28·32·16·5·5 = 12,443,648")
    assert 'nn.Conv2d(16, 32, 5, padding="same")' in page.text_content("#torch-code")
    assert page.errors == []  # type: ignore[attr-defined]


def test_changing_the_reduction_redraws(page: Page, base_url: str):
    _open(page, base_url, "zh")
    page.fill("#reduce-to", "64")
    expect(page.locator("#formula")).to_contain_text("28·28·64·192·1·1")
    mults = page.evaluate("document.querySelector('#plot-mults').data[1].y")
    assert mults == [120_422_400, 28 * 28 * 32 * 64 * 25]
    page.uncheck("#use-reduce")
    expect(page.locator("#cost-table thead th")).to_have_count(2)  # no reduced column, no ratio
    page.fill("#in-channels", "100000")
    expect(page.locator("#status")).to_contain_text("in_channels")
    assert page.errors == [] or all("422" in e for e in page.errors)  # type: ignore[attr-defined]


def test_the_cost_table_is_a_column_of_cards_on_a_phone(page: Page, base_url: str):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{base_url}/cnn/bottleneck?lang=en")
    page.wait_for_function("() => document.querySelectorAll('#cost-table td.ratio').length === 7")
    scroll = page.locator("#cost-table").evaluate(
        "t => t.parentElement.scrollWidth - t.parentElement.clientWidth"
    )
    assert scroll <= 1  # no box to scroll sideways: the saving is on screen
    saving = page.locator("#cost-table tr", has_text="multiplications (formula)").locator("td.ratio")
    expect(saving).to_be_visible()
    assert (
        page.evaluate("el => getComputedStyle(el, '::before').content", saving.element_handle()) == '"saving"'
    )
    size = page.evaluate("el => parseFloat(getComputedStyle(el).fontSize)", saving.element_handle())
    assert size >= 14  # larger type than the desktop table's 0.8 rem
    assert page.errors == []
