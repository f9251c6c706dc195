"""§1.2 in real Chromium: the stage slides the kernel's window and fills in the output; the products and the
sum follow the position; the PyTorch panel runs; the guided steps, the link and presentation mode."""

import contextlib
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from playwright.sync_api import Page, Route, expect
from torch.testing import assert_close

from app.tensors import decode_tensor
from engine.cnn.channels import to_channels
from engine.cnn.kernels import weight
from tests.browser.answers import answer_late
from tests.browser.conftest import plot_points, run_panel_code
from tests.browser.stage import presentation_shows_only_the_stage
from tests.browser.test_home import ready

SAMPLES = Path(__file__).resolve().parents[2] / "app" / "samples"


def _window(page: Page) -> list[tuple[float, float]]:
    """The corners of the orange taps the stage draws on the first channel's panel."""
    shapes = page.evaluate("() => document.getElementById('plot-stage').layout.shapes")
    return [(s["x0"], s["y0"]) for s in shapes if s["xref"] == "x" and s["line"].get("color") == "#f59e0b"]


def _output(page: Page) -> list[list[float | None]]:
    """The stage's output map as drawn (its last panel): None where it has not filled in yet."""
    return page.evaluate("() => document.getElementById('plot-stage').data.at(-1).z")


def _position(page: Page, index: int) -> None:
    """Move the window to output position `index` with the position slider, as a learner drags it."""
    page.fill("#step-index", str(index))
    page.dispatch_event("#step-index", "input")


def _open(page: Page, base_url: str, lang: str = "en") -> None:
    """The page on the 16×16 checkerboard sample, fully drawn (the patch in its middle)."""
    page.goto(f"{base_url}/cnn/convolution?lang={lang}")
    page.wait_for_function("() => document.getElementById('trace-sum').textContent.includes('→')")
    page.wait_for_function("() => document.getElementById('plot-stage').data")
    page.select_option("#image-select", "checker")
    page.wait_for_function("() => document.getElementById('formula').textContent.includes('(3, 16, 16)')")
    page.wait_for_load_state("networkidle")
    assert (page.input_value("#patch-top"), page.input_value("#patch-left")) == ("5", "5")


def _wait_step(page: Page, text: str) -> None:
    page.wait_for_function(f"() => document.getElementById('step-out').textContent === '{text}'")


def test_the_position_moves_the_window_and_the_sum(page: Page, base_url: str):
    _open(page, base_url)
    assert page.text_content("#step-out") == "1 of 36"  # 6×6 patch, 3×3 kernel, padding 1
    before_window, before_sum = _window(page), page.text_content("#trace-sum")
    assert len(before_window) == 9
    page.focus("#step-index")  # keyboard: the position slider moves with the arrow keys
    page.keyboard.press("ArrowRight")
    _wait_step(page, "2 of 36")
    after_window, after_sum = _window(page), page.text_content("#trace-sum")
    assert [(x + 1, y) for x, y in before_window] == after_window  # one column to the right
    # the patch starts at row 5, column 5 of the image: its steps are the feature map's own cells
    assert after_sum != before_sum and "feature map 0, row 5, column 6" in (after_sum or "")
    x = to_channels(np.asarray(Image.open(SAMPLES / "checker.png").convert("RGB")))  # (3, 16, 16)
    whole = F.conv2d(x[None], weight(["sobel_x", "sobel_y", "blur"], 3), padding=1)[0]  # (3, 16, 16)
    shown = float(re.search(r"= (-?[\d.]+) → ", after_sum or "").group(1))  # type: ignore[union-attr]
    assert_close(shown, whole[0, 5, 6].item(), atol=0.006, rtol=0)
    assert "rows 5–10, columns 5–10 of feature map 0" in (page.text_content("#trace-covers") or "")
    assert _output(page)[0][0] is not None and _output(page)[0][1] is None  # step 1: not computed yet
    assert plot_points(page, "#plot-map-2") == 16 * 16
    assert plot_points(page, "#plot-partial-sum") == 16 * 16

    page.fill("#speed", "20")
    page.dispatch_event("#speed", "input")
    page.click("#steps [data-step='3']")  # "slide and repeat" walks every position
    _wait_step(page, "36 of 36")
    assert all(v is not None for row in _output(page) for v in row)  # the output has filled in
    page.fill("#stride", "2")
    page.dispatch_event("#stride", "input")
    page.wait_for_function("() => document.getElementById('formula').textContent.includes('(3, 8, 8)')")
    _wait_step(page, "1 of 9")
    assert "nn.Conv2d(3, 3, 3, stride=2, padding=1, dilation=1)" in (page.text_content("#torch-code") or "")
    assert page.errors == []  # type: ignore[attr-defined]


def test_pytorch_panel_runs_and_bad_kernels_are_explained(
    page: Page, base_url: str, monkeypatch: pytest.MonkeyPatch
):
    _open(page, base_url)
    monkeypatch.chdir(SAMPLES)  # the code opens checker.png
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run_panel_code(page.text_content("#torch-code") or "")
    lines = out.getvalue().splitlines()
    assert lines == ["torch.Size([3, 3, 3, 3])", "torch.Size([3, 16, 16])", "True"]

    page.select_option("#kernel-source", "typed")
    page.fill("#typed-kernels", "1 2\n3")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('rows')")
    page.fill("#typed-kernels", "0 0 0 0 0\n0 0 0 0 0\n0 0 1 0 0\n0 0 0 0 0\n0 0 0 0 0")
    page.wait_for_function("() => document.getElementById('formula').textContent.includes('(1, 3, 5, 5)')")
    assert page.text_content("#status") == ""
    assert page.errors == []  # type: ignore[attr-defined]


def test_patch_steps_equal_the_feature_map_and_the_kernel_is_shown(page: Page, base_url: str):
    """Every stepped value is the whole image's map at that place (the patch keeps its real
    neighbours as padding), and the group's kernel is shown divided by C."""
    _open(page, base_url)
    x = to_channels(np.asarray(Image.open(SAMPLES / "checker.png").convert("RGB")))  # (3, 16, 16)
    whole = F.conv2d(x[None], weight(["sobel_x", "sobel_y", "blur"], 3), padding=1)[0]  # (3, 16, 16)
    _position(page, 35)
    _wait_step(page, "36 of 36")
    page.click("#steps [data-step='2']")  # "add up": the output holds every position up to the window's
    out = torch.tensor(_output(page))
    assert_close(out, whole[0, 5:11, 5:11], atol=1e-3, rtol=1e-5)
    ticks = page.evaluate("() => document.getElementById('plot-stage').layout.xaxis4.ticktext")
    assert ticks[0] == "5"  # the output's axes count the feature map's columns
    tables = page.locator("#trace-kernel table")
    assert tables.count() == 4  # Sobel x as named, then on R, G and B
    assert tables.nth(0).locator("td").all_text_contents() == ["-1", "0", "1", "-2", "0", "2", "-1", "0", "1"]
    assert tables.nth(1).locator("td").all_text_contents()[:4] == ["-0.333", "0", "0.333", "-0.667"]
    assert "on channel B: ÷ 3" in (tables.nth(3).text_content() or "")
    # a typed matrix keeps its ring of zeros
    page.select_option("#trace-source", "typed")
    page.wait_for_function("() => document.getElementById('trace-covers').textContent.includes('zeros')")
    typed = torch.tensor([[0.0, 0, 0, 9, 9, 9]] * 6)[None]  # the page's example matrix (1, 6, 6)
    last = F.conv2d(typed[None], weight(["sobel_x"], 1), padding=1)[0, 0, 5, 5].item()  # zeros around
    assert f"= {last:g} → output at row 5, column 5" in (page.text_content("#trace-sum") or "")
    assert page.errors == []  # type: ignore[attr-defined]


def test_sliders_are_named_and_chinese_says_kongdong(page: Page, base_url: str):
    _open(page, base_url)
    for name, slider in [
        ("Stride", "stride"),
        ("Padding", "padding"),
        ("Dilation", "dilation"),
        ("Position", "step-index"),
        ("Speed", "speed"),
    ]:
        assert page.get_by_role("slider", name=name, exact=True).get_attribute("id") == slider
    assert "§1.3" in (page.text_content("#settings-hint") or "")
    assert page.get_attribute("#settings-hint a", "href").endswith("/cnn/pooling")  # type: ignore[union-attr]
    explain = page.text_content(".explain") or ""
    assert "The course (自然搞懂深度学习, chapter III)" in explain
    assert "a // 2 (a divided by 2, rounded down)" in explain
    _open(page, base_url, "zh")
    for name in ("步幅", "填充", "空洞"):
        assert page.get_by_role("slider", name=name, exact=True).count() == 1
    assert "膨胀" not in (page.text_content("body") or "")
    assert "填充 p = 1，空洞 d = 1，步幅 s = 1" in (page.text_content("#formula") or "")
    assert "课程（《自然搞懂深度学习》第Ⅲ章）" in (page.text_content(".explain") or "")
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [375, 1280])
def test_the_stage_numbers_fit_their_cells(page: Page, base_url: str, width: int):
    """Every number the stage prints in its output map fits inside its cell (at 375 px, where the cells
    are small, the map prints none rather than numbers that overlap: hover and the step text read them)."""
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{base_url}/cnn/convolution?lang=en&group=2&step-index=35&step=3")  # box blur: 176.3
    page.wait_for_function("() => document.getElementById('trace-sum').textContent.includes('feature map 2')")
    page.wait_for_load_state("networkidle")
    _wait_step(page, "36 of 36")
    cell, widths = page.evaluate("""() => { const d = document.getElementById('plot-stage');
        const cell = d._fullLayout.xaxis4._length / d.data.at(-1).z[0].length;
        const texts = [...d.querySelectorAll('.heatmaplayer .hm')].at(-1).querySelectorAll('text');
        return [cell, [...texts].map((t) => t.getBBox().width)]; }""")
    if width == 1280:
        assert cell >= 24 and len(widths) == 36
    assert all(0 < w <= cell - 2 for w in widths), (cell, widths)
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_dilated_kernel_grows_the_stepped_patch(page: Page, base_url: str):
    _open(page, base_url)
    page.fill("#dilation", "4")  # a 3×3 kernel at dilation 4 spans 9 pixels; the 6×6 patch + 1 ring holds 8
    page.dispatch_event("#dilation", "input")
    expect(page.locator("#status")).to_have_text(
        "The stepped patch grew to 8×8: the dilated kernel spans 9 pixels."
    )
    assert page.input_value("#patch-size") == "8"
    page.wait_for_function("() => document.getElementById('step-out').textContent.endsWith('of 4')")  # 2 × 2
    assert page.errors == []  # type: ignore[attr-defined]


def test_play_says_it_is_loading_until_its_trace_arrives(page: Page, base_url: str):
    answer_trace: list[Route] = []  # the first trace request, held (no answer yet); later ones pass

    def hold_first(route: Route) -> None:
        if answer_trace:
            route.continue_()
        else:
            answer_trace.append(route)

    page.route("**/api/cnn/conv/trace", hold_first)
    page.goto(f"{base_url}/cnn/convolution?lang=zh")
    page.wait_for_function("() => document.getElementById('formula').textContent.includes('(3,')")
    play = page.locator("#step-play")
    for _ in range(100):  # the page has asked for its trace, which the route holds
        if answer_trace:
            break
        page.wait_for_timeout(100)
    expect(play).to_be_disabled()
    expect(play).to_have_text("正在载入步骤…")
    expect(play).to_have_attribute("aria-busy", "true")
    answer_trace[0].continue_()
    expect(play).to_be_enabled()
    expect(play).to_have_text("▶ 播放")
    play.click()
    expect(play).to_have_attribute("aria-pressed", "true")
    assert page.errors == []


# ---- the stage (issue #14): guided steps, the state in the URL, presentation mode, answers in order ----

STAGE = """() => ({ step: document.querySelector('#steps [aria-current=step]').dataset.step,
  text: document.getElementById('step-text').textContent,
  taps: document.getElementById('plot-stage').data.find((tr) => tr.type === 'scatter')?.text ?? [] })"""
DEFAULT_BODY = {
    "image_id": "scene",
    "color": "rgb",
    "kernels": ["sobel_x", "sobel_y", "blur"],
    "bias": [0, 0, 0],
    "stride": 1,
    "padding": 1,
    "dilation": 1,
}


def _trace(base_url: str, **changes: object) -> dict:
    """A fresh trace of the page's default layer (the landscape's middle patch, group 0), changed."""
    body = {**DEFAULT_BODY, "top": 117, "left": 157, "size": 6, "group": 0, "encoding": "list", **changes}
    return httpx.post(f"{base_url}/api/cnn/conv/trace", json=body).json()


def _stage_ready(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => document.getElementById('plot-stage').data")
    page.wait_for_load_state("networkidle")


def test_the_keyboard_walks_the_steps_and_the_visual_follows(page: Page, base_url: str):
    _stage_ready(page, f"{base_url}/cnn/convolution?lang=en")
    first = page.evaluate(STAGE)
    assert first["step"] == "0"
    fresh = _trace(base_url)
    kernel = fresh["kernel"]["data"][0]  # Sobel x on R, divided by C = 3
    assert len(first["taps"]) == 9 and "-.33" in first["taps"] and ".67" in first["taps"]  # on the window
    assert f"{kernel[1][0]:.3f}" in first["text"]
    page.keyboard.press("ArrowRight")  # step 2: each tap times its pixel
    page.wait_for_function("() => location.search.includes('step=2')")
    second = page.evaluate(STAGE)
    assert second["step"] == "1" and second["taps"] != first["taps"]
    products = fresh["steps"][0]["products"][0]
    assert all(f"{v:.1f}".rstrip("0").rstrip(".") in second["text"] for row in products for v in row)
    page.keyboard.press("ArrowRight")  # step 3: the sum lands in the output
    page.wait_for_function("() => document.getElementById('step-text').textContent.includes('=')")
    third = page.evaluate(STAGE)
    value = fresh["steps"][0]["value"]
    assert f"{value:.2f}".rstrip("0").rstrip(".") in third["text"]
    assert _output(page)[0][0] == pytest.approx(fresh["output"]["data"][0][0], abs=1e-3)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('#steps [aria-current=step]').dataset.step === '1'")
    page.focus("#bias")
    page.keyboard.press("ArrowRight")  # inside a text field the arrows move the caret, not the steps
    assert page.evaluate(STAGE)["step"] == "1"
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_restores_the_settings_and_the_position(page: Page, base_url: str):
    query = "color=gray&kernels=edge,blur&group=1&stride=2&padding=0&patch-size=8&step-index=5&step=3"
    _stage_ready(page, f"{base_url}/cnn/convolution?lang=en&{query}")
    page.wait_for_function("() => document.getElementById('step-out').textContent === '6 of 9'")
    values = page.evaluate(
        "ids => ids.map((id) => document.getElementById(id).value)",
        ["color", "group", "stride", "padding", "patch-size", "step-index"],
    )
    assert values == ["gray", "1", "2", "0", "8", "5"]
    ticked = page.eval_on_selector_all("#library-kernels input:checked", "els => els.map((e) => e.value)")
    assert ticked == ["edge", "blur"]
    assert page.text_content("#stride-out") == "2"
    assert page.is_hidden("#state-note")
    assert page.evaluate(STAGE)["step"] == "2"
    top, left = int(page.input_value("#patch-top")), int(page.input_value("#patch-left"))
    changes = {"color": "gray", "kernels": ["edge", "blur"], "bias": [0, 0], "stride": 2, "padding": 0}
    fresh = _trace(base_url, **changes, top=top, left=left, size=8, group=1)
    drawn = _output(page)  # "add up": filled in up to position 5 of the 3×3 output
    flat = [v for row in fresh["output"]["data"] for v in row]
    assert [v for row in drawn for v in row][:6] == pytest.approx(flat[:6], abs=1e-3)
    assert [v for row in drawn for v in row][6:] == [None] * 3
    page.select_option("#color", "rgb")  # a change goes back into the link
    page.wait_for_function("() => !location.search.includes('color=')")
    assert "kernels=edge%2Cblur" in page.url and "step=3" in page.url
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    query = "stride=99&color=purple&kernels=sobel_x,nope&step-index=-3&step=42&model=alien&row=x&bogus=1"
    _stage_ready(page, f"{base_url}/cnn/convolution?lang=zh&{query}")
    note = page.locator("#state-note")
    expect(note).to_be_visible()
    for part in ("(stride) = “99”", "(color) = “purple”", "kernels = “sobel_x,nope”", "step = “42”"):
        expect(note).to_contain_text(part)
    for part in ("step-index", "model = “alien”", "row = “x”", "bogus = “1”", "默认值"):
        expect(note).to_contain_text(part)
    values = page.evaluate("ids => ids.map((id) => document.getElementById(id).value)", ["stride", "color"])
    assert values == ["1", "rgb"]
    ticked = page.eval_on_selector_all("#library-kernels input:checked", "els => els.map((e) => e.value)")
    assert ticked == ["sobel_x", "sobel_y", "blur"]
    assert page.evaluate(STAGE)["step"] == "0" and page.is_hidden("#from-home")
    fresh = _trace(base_url)
    assert _output(page)[0][0] is None and page.text_content("#step-out") == "第 1 个，共 36 个"
    assert fresh["steps"][0]["value"] == pytest.approx(
        float(re.search(r"= (-?[\d.]+) →", page.text_content("#trace-sum") or "").group(1)),  # type: ignore[union-attr]
        abs=0.006,
    )
    assert page.errors == []  # type: ignore[attr-defined]


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/cnn/convolution?lang=en&present=1&step=2",
        prose=("#plot-map-0", "#trace-calc", "#formula"),
        shown=("#plot-stage", "#step-index"),
    )
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_late_answer_never_replaces_a_newer_one(page: Page, base_url: str):
    _open(page, base_url)

    def stride(value: str) -> None:
        page.fill("#stride", value)
        page.dispatch_event("#stride", "input")

    def layer() -> tuple[str, str]:
        return page.text_content("#formula") or "", page.text_content("#step-out") or ""

    drawn, after_late = answer_late(
        page, "**/api/cnn/conv", first=lambda: stride("2"), second=lambda: stride("3"), shown=layer
    )
    assert after_late == drawn  # the answer for stride 2, arriving last, was dropped
    assert "(3, 6, 6)" in drawn[0] and drawn[1] == "1 of 4"  # ⌊(16 + 2 − 3) / 3⌋ + 1 = 6; 6×6 patch: 2×2

    def patch(top: str) -> None:
        page.fill("#patch-top", top)
        page.dispatch_event("#patch-top", "change")

    def covers() -> tuple[str, list]:
        return page.text_content("#trace-covers") or "", _output(page)

    drawn, after_late = answer_late(
        page, "**/api/cnn/conv/trace", first=lambda: patch("0"), second=lambda: patch("9"), shown=covers
    )
    assert after_late == drawn
    fresh = _trace(base_url, image_id="checker", stride=3, top=9, left=int(page.input_value("#patch-left")))
    assert f"rows {fresh['top']}–" in drawn[0]
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_overview_panels_link_opens_the_lesson_in_that_state(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    page.focus("#cnn-frame .net-over")  # conv1, map 2
    for key in ("ArrowRight", "ArrowDown", "Enter"):
        page.keyboard.press(key)
    link = page.locator("#cnn-detail-link")
    expect(link).to_have_attribute("href", re.compile("convolution"), timeout=30_000)
    q = {k: v[0] for k, v in parse_qs(urlparse(link.get_attribute("href") or "").query).items()}
    link.click()
    page.wait_for_url(re.compile("/cnn/convolution"))
    page.wait_for_function("() => document.getElementById('plot-stage').data")
    page.wait_for_load_state("networkidle")
    assert page.is_hidden("#state-note")
    assert page.input_value("#trace-source") == "typed" and page.input_value("#kernel-source") == "typed"
    assert page.input_value("#typed-matrix") == q["typed-matrix"]
    assert page.input_value("#step-index") == q["step-index"]
    expect(page.locator("#from-home")).to_have_text(
        f"From the home page: conv1 of the basic net, output map 1, input map {q['input-map']}, "
        f"row {q['row']}, column {q['col']}."
    )
    page.click("#steps [data-step='2']")  # "add up": the value at the link's position
    st = int(q["step-index"])
    w2 = len(_output(page)[0])
    x = httpx.post(f"{base_url}/api/overview/digits", json={"held_out": 0, "model": "basic"}).json()["input"]
    asked = {"input": x, "model": "basic", "stage": "conv1", "channel": 1}
    whole = decode_tensor(httpx.post(f"{base_url}/api/overview/digits/map", json=asked).json()["output"])
    value = whole[int(q["row"]), int(q["col"])].item()
    assert _output(page)[st // w2][st % w2] == pytest.approx(value, abs=1e-3)
    assert page.errors == []  # type: ignore[attr-defined]
