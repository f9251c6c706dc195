"""§5.1–5.2 in real Chromium: both rows of cells draw, the target and the sequence redraw, and the
PyTorch panel prints the page's own loss."""

import contextlib
import io

from playwright.sync_api import Page

from tests.browser.conftest import diagram_on_screen, plot_points, run_panel_code


def _open(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/rnn/bidirectional?lang=en")
    page.wait_for_function("() => document.querySelectorAll('.bi-svg .cell').length === 11")
    page.wait_for_load_state("networkidle")


def test_both_directions_and_the_joined_state_draw(page: Page, base_url: str):
    _open(page, base_url)
    labels = page.eval_on_selector_all(
        ".bi-svg .cell.now text:first-of-type", "els => els.map(e => e.textContent)"
    )
    assert sorted(labels) == ["[h₅ᶠ; h₁ᵇ]", "h₁ᵇ", "h₅ᶠ"]  # the two final states and their join
    assert plot_points(page, "#plot-forward") == 2 * 5 and plot_points(page, "#plot-backward") == 2 * 5
    assert plot_points(page, "#plot-hidden") == 4 and plot_points(page, "#plot-probs") == 3
    assert plot_points(page, "#plot-output") == 5 * 4 and plot_points(page, "#plot-hn") == 2 * 2
    assert "largest difference" in page.text_content("#torch-check")
    assert page.errors == []


def test_changing_the_target_or_the_sequence_redraws(page: Page, base_url: str):
    _open(page, base_url)
    before = page.text_content("#caption-probs")
    page.select_option("#target", "2")
    page.wait_for_function(f"() => document.getElementById('caption-probs').textContent !== {before!r}")
    colors = page.evaluate("() => document.getElementById('plot-probs').data[0].marker.color")
    assert colors[2] != colors[0] and colors[0] == colors[1]  # the true class stands out
    assert "−log p[2]" in page.text_content("#classify-calc")
    page.fill("#sequence", "1 2 3")
    page.wait_for_function("() => document.querySelectorAll('.bi-svg .cell').length === 7")
    assert plot_points(page, "#plot-output") == 3 * 4
    page.fill("#classes", "5")
    page.dispatch_event("#classes", "input")
    page.wait_for_function("() => document.getElementById('plot-probs').data[0].y.length === 5")
    assert page.eval_on_selector_all("#target option", "els => els.length") == 5
    assert page.errors == []


def test_torch_panel_reproduces_the_loss(page: Page, base_url: str):
    _open(page, base_url)
    page.select_option("#source", "word")
    page.wait_for_function("() => document.getElementById('torch-code').textContent.includes('alphabet')")
    with contextlib.redirect_stdout(io.StringIO()):
        scope = run_panel_code(page.text_content("#torch-code") or "")
    shown = page.evaluate("() => document.getElementById('caption-probs').textContent")
    assert f"{scope['loss'].item():.4f}".rstrip("0") in shown
    assert tuple(scope["output"].shape) == (5, 4) and page.errors == []


def test_the_diagram_runs_downwards_on_a_phone(page: Page, base_url: str):
    page.set_viewport_size({"width": 390, "height": 800})
    _open(page, base_url)
    d = diagram_on_screen(page, "#bi-diagram")
    assert d["vertical"] and d["overflow"] <= 1 and d["inside"], d
    # 5 steps, forward and backward cell side by side in each row, then [h^f_T; h^b_1] below them
    assert d["rows"] == 5 + 1 and d["smallest"] >= 40 and d["type"] >= 14, d
    assert page.errors == []
