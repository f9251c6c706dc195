"""§1.3 in real Chromium: the stage's window walks over a patch and the pooled patch fills in; max/avg
redraws, stepping through cells, the explorer's output size; the guided steps, links and presentation."""

import re
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import torch
import torch.nn.functional as F
from playwright.sync_api import Page, expect
from torch.testing import assert_close

from tests.browser.answers import answer_late
from tests.browser.conftest import plot_points
from tests.browser.stage import presentation_shows_only_the_stage
from tests.browser.test_home import ready

POOLED = "() => document.getElementById('plot-stage').data[1].z.flat()"  # the stage's pooled patch


def _open(page: Page, base_url: str, lang: str = "en", query: str = "") -> None:
    page.goto(f"{base_url}/cnn/pooling?lang={lang}{query}")
    page.wait_for_function("() => document.querySelector('#plot-stage')?.data?.length > 0")
    page.wait_for_function("() => document.querySelector('#map-out-0')?.data?.length > 0")
    page.wait_for_load_state("networkidle")


def test_max_and_avg_redraw(page: Page, base_url: str):
    _open(page, base_url, query="&step=5")  # "the map shrinks": the whole pooled patch is drawn
    assert plot_points(page, "#plot-stage") > 0 and plot_points(page, "#map-out-0") > 0
    before = page.evaluate(POOLED)
    assert None not in before
    assert "largest value" in page.text_content("#cell-readout")
    page.select_option("#kind", "avg")
    page.wait_for_function(f"b => JSON.stringify(({POOLED})()) !== JSON.stringify(b)", arg=before)
    after = page.evaluate(POOLED)
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


# ---- the stage (issue #14): guided steps, the state in the URL, presentation mode, answers in order ----

STAGE = """() => ({ step: document.querySelector('#steps [aria-current=step]').dataset.step,
  text: document.getElementById('step-text').textContent,
  windows: document.getElementById('plot-stage').layout.shapes
    .filter((s) => s.xref === 'x' && s.line.width === 3).length })"""


def _maps(base_url: str, **changes: object) -> torch.Tensor:
    """The maps the page pools by default (the landscape's edge map), as a fresh API call gives them."""
    body = {"image_id": "scene", "kernels": ["edge"], "kind": "max", "kernel_size": 2, "stride": 2}
    res = httpx.post(f"{base_url}/api/cnn/pool", json={**body, "encoding": "list", **changes}).json()
    return torch.tensor(res["input"]["data"])  # (C, H, W)


def _numbers(text: str) -> list[float]:
    return [float(v.replace("−", "-")) for v in re.findall(r"−?-?\d+(?:\.\d+)?", text)]


def test_the_keyboard_walks_the_steps_and_the_visual_follows(page: Page, base_url: str):
    _open(page, base_url)
    first = page.evaluate(STAGE)
    assert first["step"] == "0" and first["windows"] == 0  # the map and its patch, no window yet
    assert "rows 116–123, columns 156–163" in first["text"]
    page.keyboard.press("ArrowRight")  # one window, its four values
    page.wait_for_function("() => location.search.includes('step=2')")
    second = page.evaluate(STAGE)
    assert second["step"] == "1" and second["windows"] == 1
    window = _maps(base_url)[0, 116:118, 156:158].flatten().tolist()  # the first window of the patch
    shown = _numbers(second["text"].split("reads")[1])[:4]
    assert shown == pytest.approx(window, abs=0.05)  # the page reads 16-bit numbers
    page.keyboard.press("ArrowRight")  # the largest of them is kept
    page.wait_for_function("() => document.getElementById('step-text').textContent.includes('largest')")
    assert _numbers(page.evaluate(STAGE)["text"])[0] == pytest.approx(max(window), abs=0.05)
    assert page.evaluate(POOLED)[0] == pytest.approx(max(window), abs=0.05)
    assert page.evaluate(POOLED)[1] is None  # the rest fills in as the window walks
    page.keyboard.press("ArrowRight")  # the walk: every window of the patch
    page.wait_for_function(f"() => !({POOLED})().includes(null)", timeout=15_000)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('#steps [aria-current=step]').dataset.step === '2'")
    page.focus("#patch-row")
    page.keyboard.press("ArrowRight")  # inside a number box the arrows stay there
    assert page.evaluate(STAGE)["step"] == "2"
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_restores_the_settings_and_the_window(page: Page, base_url: str):
    query = "&maps=sobel_x,sobel_y&kind=avg&window=3&stride=3&padding=1&patch-map=1&patch-row=40"
    _open(page, base_url, query=f"{query}&patch-col=60&patch-size=6&step=5")
    page.wait_for_function("() => document.getElementById('plot-stage').data[0].z.length === 8")
    ids = ["maps", "kind", "window", "stride", "padding", "patch-map", "patch-row", "patch-col", "patch-size"]
    values = page.evaluate("ids => ids.map((id) => document.getElementById(id).value)", ids)
    assert values == ["sobel_x,sobel_y", "avg", "3", "3", "1", "1", "40", "60", "6"]
    assert page.text_content("#padding-out") == "1"
    assert page.is_hidden("#state-note")
    assert page.evaluate(STAGE)["step"] == "4"
    maps = _maps(base_url, kernels=["sobel_x", "sobel_y"], kind="avg", kernel_size=3, stride=3, padding=1)
    patch = maps[1, 40:46, 60:66]  # the Sobel y map's patch, pooled as an input of its own
    want = F.avg_pool2d(patch[None, None], 3, stride=3, padding=1)[0, 0]
    assert_close(torch.tensor(page.evaluate(POOLED)).reshape(want.shape), want, atol=0.05, rtol=0)
    page.select_option("#kind", "max")  # a change goes back into the link
    page.wait_for_function("() => !location.search.includes('kind=')")
    assert "patch-row=40" in page.url and "step=5" in page.url
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    query = "&kind=mean&window=7&padding=5&matrix=1+2%0A3&patch-size=5&step=0&layer=%21%21&bogus=1"
    _open(page, base_url, "zh", query)
    note = page.locator("#state-note")
    expect(note).to_be_visible()
    for part in (
        "(kind) = “mean”",
        "(window) = “7”",
        "(padding) = “5”",
        "matrix = “1 2",
        "(patch-size) = “5”",
    ):
        expect(note).to_contain_text(part)
    for part in ("step = “0”", "layer = “!!”", "bogus = “1”", "默认值"):
        expect(note).to_contain_text(part)
    ids = ["kind", "window", "padding", "patch-size"]
    assert page.evaluate("ids => ids.map((id) => document.getElementById(id).value)", ids) == [
        "max",
        "2",
        "0",
        "8",
    ]
    assert page.evaluate(STAGE)["step"] == "0" and page.is_hidden("#from-home")
    assert "边缘图" in page.text_content("#patch-caption")  # the image's edge map, not a link's matrix
    assert page.errors == []  # type: ignore[attr-defined]


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/cnn/pooling?lang=en&present=1&step=2",
        prose=("#map-in-0", "#plot-grid", "#cell-readout"),
        shown=("#plot-stage",),
    )
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_late_answer_never_replaces_a_newer_one(page: Page, base_url: str):
    _open(page, base_url)

    def shown() -> tuple[list, list, str]:
        whole = page.evaluate("() => document.getElementById('map-out-0').data[0].z.flat().slice(0, 400)")
        return whole, page.evaluate(POOLED), page.text_content("#torch-code") or ""

    drawn, after_late = answer_late(
        page,
        "**/api/cnn/pool",
        first=lambda: page.select_option("#kind", "avg"),
        second=lambda: page.select_option("#kind", "max"),
        shown=shown,
    )
    assert after_late == drawn  # the average pooling's answer, arriving last, was dropped
    assert "MaxPool2d" in drawn[2]
    maps = _maps(base_url)
    want = F.max_pool2d(maps[None], 2)[0, 0].flatten()[:400]
    assert_close(torch.tensor(drawn[0]), want, atol=0.05, rtol=2e-3)  # 16-bit numbers
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_overview_panels_link_opens_the_lesson_in_that_state(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    page.focus("#cnn-frame .net-over")
    for key in ("ArrowRight", "ArrowRight", "Enter"):  # conv1, then pool1's map 0
        page.keyboard.press(key)
    link = page.locator("#cnn-detail-link")
    expect(link).to_have_attribute("href", re.compile("/cnn/pooling"), timeout=30_000)
    q = {k: v[0] for k, v in parse_qs(urlparse(link.get_attribute("href") or "").query).items()}
    link.click()
    page.wait_for_url(re.compile("/cnn/pooling"))
    page.wait_for_function("() => document.getElementById('plot-stage').data")
    page.wait_for_load_state("networkidle")
    assert page.is_hidden("#state-note")
    expect(page.locator("#from-home")).to_have_text(
        "From the home page: pool1 of the basic net, output map 0."
    )
    assert page.evaluate("() => document.getElementById('map-in-0').data[0].z.length") == 24
    before = torch.tensor([[float(v) for v in row.split()] for row in q["matrix"].split("\n")])
    page.click("#steps [data-step='4']")  # "the map shrinks": the whole pooled patch
    r0, c0 = int(page.input_value("#patch-row")), int(page.input_value("#patch-col"))
    want = F.max_pool2d(before[None, None], 2)[0, 0, r0 // 2 : r0 // 2 + 4, c0 // 2 : c0 // 2 + 4]
    assert_close(torch.tensor(page.evaluate(POOLED)).reshape(4, 4), want, atol=1e-3, rtol=0)
    page.select_option("#maps", "gray")  # other maps: the link's matrix and caption go
    page.wait_for_function("() => document.getElementById('from-home').hidden")
    page.wait_for_function("() => !location.search.includes('matrix=')")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_click_on_the_pooled_patch_outlines_that_cells_window(page: Page, base_url: str):
    _open(page, base_url, query="&step=5")
    x, y = page.evaluate("""() => { const d = document.getElementById('plot-stage');
        const [xa, ya] = [d._fullLayout.xaxis2, d._fullLayout.yaxis2]; const r = d.getBoundingClientRect();
        return [r.left + xa._offset + xa.l2p(1), r.top + ya._offset + ya.l2p(2)]; }""")
    page.mouse.click(x, y)  # the pooled patch's row 2, column 1
    expect(page.locator("#cell-out")).to_have_text("Output cell (row 2, column 1) of 4×4")
    window = page.evaluate(  # the window drawn on the patch: rows 4–5, columns 2–3 (stride 2)
        """() => document.getElementById('plot-stage').layout.shapes
        .find((s) => s.xref === 'x' && s.line.width === 3)"""
    )
    assert (window["y0"], window["x0"]) == (3.5, 1.5)
    assert page.errors == []  # type: ignore[attr-defined]
