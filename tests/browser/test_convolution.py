"""§1.2 in real Chromium: the stepper moves the window and the sum; the PyTorch panel runs."""

import contextlib
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import plot_points

SAMPLES = Path(__file__).resolve().parents[2] / "app" / "samples"


def _window(page: Page) -> list[tuple[float, float]]:
    """The corners of the orange taps drawn on the first channel's plot."""
    shapes = page.evaluate("() => document.getElementById('plot-trace-in-0').layout.shapes")
    return [(s["x0"], s["y0"]) for s in shapes if s["line"]["color"] == "#f59e0b"]


def _open(page: Page, base_url: str) -> None:
    """The page on the 16×16 checkerboard sample, fully drawn (the patch in its middle)."""
    page.goto(f"{base_url}/cnn/convolution?lang=en")
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
    assert after_sum != before_sum and "row 0, column 1" in (after_sum or "")
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


def test_pytorch_panel_runs_and_bad_kernels_are_explained(page: Page, base_url: str,
                                                          monkeypatch: pytest.MonkeyPatch):
    _open(page, base_url)
    monkeypatch.chdir(SAMPLES)  # the code opens checker.png
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(page.text_content("#torch-code") or "", {})  # noqa: S102
    lines = out.getvalue().splitlines()
    assert lines == ["torch.Size([3, 3, 3, 3])", "torch.Size([3, 16, 16])", "True"]

    page.select_option("#kernel-source", "typed")
    page.fill("#typed-kernels", "1 2\n3")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('rows')")
    page.fill("#typed-kernels", "0 0 0 0 0\n0 0 0 0 0\n0 0 1 0 0\n0 0 0 0 0\n0 0 0 0 0")
    page.wait_for_function("() => document.getElementById('formula').textContent.includes('(1, 3, 5, 5)')")
    assert page.text_content("#status") == ""
    assert page.errors == []  # type: ignore[attr-defined]
