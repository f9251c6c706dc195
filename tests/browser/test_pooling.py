"""§1.3 in real Chromium: max/avg redraws, stepping through cells, the explorer's output size."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import plot_points

Z = "sel => document.querySelector(sel).data[0].z.flat()"


def _open(page: Page, base_url: str, lang: str = "en") -> None:
    page.goto(f"{base_url}/cnn/pooling?lang={lang}")
    page.wait_for_function("() => document.querySelector('#plot-pooled')?.data?.length > 0")
    page.wait_for_function("() => document.querySelector('#map-out-0')?.data?.length > 0")


def test_max_and_avg_redraw(page: Page, base_url: str):
    _open(page, base_url)
    assert plot_points(page, "#plot-pooled") > 0 and plot_points(page, "#map-out-0") > 0
    before = page.evaluate(Z, "#plot-pooled")
    assert "largest value" in page.text_content("#cell-readout")
    page.select_option("#kind", "avg")
    page.wait_for_function(f"b => JSON.stringify(({Z})('#plot-pooled')) !== JSON.stringify(b)", arg=before)
    after = page.evaluate(Z, "#plot-pooled")
    assert all(a <= b for a, b in zip(after, before, strict=True))  # a mean never exceeds the max
    page.wait_for_function("() => document.querySelector('#cell-readout').textContent.includes('divided')")
    assert "AvgPool2d" in page.text_content("#torch-code")
    assert page.errors == []  # type: ignore[attr-defined]


def test_channels_stay_and_cells_step(page: Page, base_url: str):
    _open(page, base_url)
    page.select_option("#maps", "edge_horizontal,edge_vertical")
    page.wait_for_function(
        "() => document.querySelector('#shapes').textContent.startsWith('C in = 2, C out = 2')"
    )
    page.wait_for_function("() => document.querySelector('#map-out-1')?.data?.length > 0")
    assert page.locator("#maps-plots .plot").count() == 4
    first = page.text_content("#cell-out")
    page.click("#cell-next")
    assert page.text_content("#cell-out") != first and "column 1" in page.text_content("#cell-out")
    assert page.errors == []  # type: ignore[attr-defined]


def test_explorer_stride_changes_output_size(page: Page, base_url: str):
    _open(page, base_url, "zh")
    page.wait_for_function("() => document.querySelector('#ex-output').textContent.includes('4 × 4')")
    assert plot_points(page, "#plot-grid") == 81  # (7 + 2·1)² padded cells
    page.fill("#ex-stride", "1")
    page.wait_for_function("() => document.querySelector('#ex-output').textContent.includes('7 × 7')")
    assert "A − 2·(a//2)" in page.text_content("#ex-seed")
    page.fill("#ex-padding", "0")
    page.wait_for_function("() => document.querySelector('#ex-output').textContent.includes('5 × 5')")
    assert "torch.Size([1, 1, 5, 5])" in page.text_content("#torch-code")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_refused_value_names_its_box_and_fades_the_plots(page: Page, base_url: str):
    _open(page, base_url)
    page.wait_for_function("() => document.querySelector('#ex-output').textContent.includes('4 × 4')")
    page.fill("#ex-size", "0")
    page.dispatch_event("#ex-size", "change")
    expect(page.locator("#status")).to_contain_text(
        "Input side A (size): Input should be greater than or equal to 1"
    )  # the label, not only the field
    expect(page.locator("#plot-grid")).to_have_class(re.compile("outdated"))  # it still shows side 7
    page.fill("#ex-size", "9")
    page.dispatch_event("#ex-size", "change")
    expect(page.locator("#plot-grid")).not_to_have_class(re.compile("outdated"))


def test_map_names_are_in_the_pages_language(page: Page, base_url: str):
    _open(page, base_url, "zh")
    for maps, names in (("edge", ["边缘图"]), ("sobel_x,sobel_y", ["Sobel x 图", "Sobel y 图"])):
        page.select_option("#maps", maps)
        page.wait_for_function(
            "n => document.querySelectorAll('#patch-map option').length === n", arg=len(names)
        )
        page.wait_for_function("() => document.querySelector('#map-out-0')?.data?.length > 0")
        assert page.eval_on_selector_all("#patch-map option", "els => els.map(e => e.textContent)") == names
        captions = page.eval_on_selector_all("#maps-plots figcaption", "els => els.map(e => e.textContent)")
        assert all(c.startswith(names[i // 2]) for i, c in enumerate(captions)), captions
        expect(page.locator("#patch-caption")).to_contain_text(f"取自{names[0]}")
    assert not re.search(r"\b(edge|sobel_x|gray)\b", page.text_content("#maps-plots") or "")
    assert page.errors == []  # type: ignore[attr-defined]
