"""§1.2 in real Chromium: the stepper moves the window and the sum; the PyTorch panel runs."""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from playwright.sync_api import Page, Route, expect
from torch.testing import assert_close

from engine.cnn.channels import to_channels
from engine.cnn.kernels import weight
from tests.browser.conftest import plot_points, run_panel_code

SAMPLES = Path(__file__).resolve().parents[2] / "app" / "samples"


def _window(page: Page) -> list[tuple[float, float]]:
    """The corners of the orange taps drawn on the first channel's plot."""
    shapes = page.evaluate("() => document.getElementById('plot-trace-in-0').layout.shapes")
    return [(s["x0"], s["y0"]) for s in shapes if s["line"]["color"] == "#f59e0b"]


def _open(page: Page, base_url: str, lang: str = "en") -> None:
    """The page on the 16×16 checkerboard sample, fully drawn (the patch in its middle)."""
    page.goto(f"{base_url}/cnn/convolution?lang={lang}")
    page.wait_for_function("() => document.getElementById('trace-sum').textContent.includes('→')")
    page.select_option("#image-select", "checker")
    page.wait_for_function("() => document.getElementById('formula').textContent.includes('(3, 16, 16)')")
    page.wait_for_load_state("networkidle")
    assert (page.input_value("#patch-top"), page.input_value("#patch-left")) == ("5", "5")


def _wait_step(page: Page, text: str) -> None:
    page.wait_for_function(f"() => document.getElementById('step-out').textContent === '{text}'")


def test_step_advances_the_window_and_the_sum(page: Page, base_url: str):
    _open(page, base_url)
    assert page.text_content("#step-out") == "1 of 36"  # 6×6 patch, 3×3 kernel, padding 1
    before_window, before_sum = _window(page), page.text_content("#trace-sum")
    assert len(before_window) == 9
    page.click("#step-next")
    assert page.text_content("#step-out") == "2 of 36"
    after_window, after_sum = _window(page), page.text_content("#trace-sum")
    assert [(x + 1, y) for x, y in before_window] == after_window  # one column to the right
    # the patch starts at row 5, column 5 of the image: its steps are the feature map's own cells
    assert after_sum != before_sum and "feature map 0, row 5, column 6" in (after_sum or "")
    x = to_channels(np.asarray(Image.open(SAMPLES / "checker.png").convert("RGB")))  # (3, 16, 16)
    whole = F.conv2d(x[None], weight(["sobel_x", "sobel_y", "blur"], 3), padding=1)[0]  # (3, 16, 16)
    shown = float(re.search(r"= (-?[\d.]+) → ", after_sum or "").group(1))  # type: ignore[union-attr]
    assert_close(shown, whole[0, 5, 6].item(), atol=0.006, rtol=0)
    assert "rows 5–10, columns 5–10 of feature map 0" in (page.text_content("#trace-covers") or "")
    assert page.evaluate("() => document.getElementById('plot-trace-output').data[0].z[0][1]") is not None
    page.focus("#step-index")  # keyboard: the step slider moves with the arrow keys
    page.keyboard.press("ArrowRight")
    assert page.text_content("#step-out") == "3 of 36"
    assert plot_points(page, "#plot-map-2") == 16 * 16
    assert plot_points(page, "#plot-partial-sum") == 16 * 16

    page.fill("#speed", "20")
    page.dispatch_event("#speed", "input")
    page.click("#step-play")
    _wait_step(page, "36 of 36")
    page.wait_for_function("() => document.getElementById('step-play').ariaPressed === 'false'")
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
    page.fill("#step-index", "35")
    page.dispatch_event("#step-index", "input")
    _wait_step(page, "36 of 36")
    out = torch.tensor(page.evaluate("() => document.getElementById('plot-trace-output').data[0].z"))
    assert_close(out, whole[0, 5:11, 5:11], atol=1e-3, rtol=1e-5)
    ticks = page.evaluate("() => document.getElementById('plot-trace-output').layout.xaxis.ticktext")
    assert ticks[0] == "5"  # the axes count the feature map's columns
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
        ("Step", "step-index"),
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


def test_output_map_labels_fit_on_a_phone(page: Page, base_url: str):
    """At 375 px every number printed in the stepper's output map fits inside its cell."""
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{base_url}/cnn/convolution?lang=en")
    page.wait_for_function("() => document.getElementById('trace-sum').textContent.includes('→')")
    page.wait_for_load_state("networkidle")
    page.select_option("#group", "2")  # box blur: values like 176.3
    page.wait_for_function("() => document.getElementById('trace-sum').textContent.includes('feature map 2')")
    page.fill("#step-index", "35")
    page.dispatch_event("#step-index", "input")
    _wait_step(page, "36 of 36")
    cell, widths = page.evaluate("""() => { const d = document.getElementById('plot-trace-output');
        const cell = d._fullLayout.xaxis._length / d.data[0].z[0].length;
        return [cell, [...d.querySelectorAll('.heatmaplayer text')].map((t) => t.getBBox().width)]; }""")
    assert cell >= 30 and len(widths) == 36
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
