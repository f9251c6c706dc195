"""§4.1 in real Chromium: one click, one time step; the PyTorch panel prints the page's h_t."""

import contextlib
import io

import torch
from playwright.sync_api import Page, Response, expect
from torch.testing import assert_close

from tests.browser.conftest import diagram_on_screen, plot_points, run_panel_code


def _open(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/rnn/forward?lang=en")
    page.wait_for_function("() => document.getElementById('step-out').textContent === 't = 1 of 4'")
    page.wait_for_load_state("networkidle")


def _now(page: Page) -> list[str]:
    """The diagram's highlighted cells (their steps) and the calculation's first line."""
    steps = page.eval_on_selector_all(".cell.now", "els => els.map(e => e.dataset.step)")
    return [*steps, page.text_content("#step-calc p") or ""]


def test_each_click_advances_one_time_step(page: Page, base_url: str):
    _open(page, base_url)
    assert _now(page) == ["0", "x₁ = [1]"]
    for i in range(2, 5):
        page.click("#step-next")
        assert page.text_content("#step-out") == f"t = {i} of 4"
        assert page.input_value("#step-index") == str(i - 1)
        assert _now(page)[0] == str(i - 1)
    assert "x₄ = [2]" in _now(page)[1]
    page.click("#step-next")  # the last step stays the last
    assert page.text_content("#step-out") == "t = 4 of 4"
    page.click("#step-prev")
    assert page.text_content("#step-out") == "t = 3 of 4"
    page.focus("#step-index")  # keyboard: ← on the slider
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#step-out") == "t = 2 of 4"
    marker = page.evaluate("() => document.getElementById('plot-h').layout.shapes[0].x0")
    assert marker == 2
    assert page.errors == []


def test_play_runs_to_the_end(page: Page, base_url: str):
    _open(page, base_url)
    page.fill("#speed", "6")
    page.click("#step-play")
    page.wait_for_function(
        "() => document.getElementById('step-out').textContent === 't = 4 of 4'", timeout=5000
    )
    page.wait_for_function("() => document.getElementById('step-play').ariaPressed === 'false'")
    assert page.errors == []


def test_word_many_to_one_and_shared_weights(page: Page, base_url: str):
    _open(page, base_url)
    page.select_option("#source", "word")
    page.wait_for_function("() => document.getElementById('step-out').textContent === 't = 1 of 5'")
    assert page.eval_on_selector_all(".rnn-svg .xin", "els => els.map(e => e.textContent)")[1] == "x₂ 'e'"
    assert plot_points(page, "#plot-wxh") == 3 * 4  # H × I with the alphabet "ehlo"
    page.select_option("#outputs", "many_to_one")
    page.wait_for_function("() => document.getElementById('plot-y').data[0].x.length === 1")
    assert page.locator(".rnn-svg .W_hy").count() == 1  # W_hy only at the last step
    assert page.locator(".rnn-svg .W_hh").count() == 5 and page.locator(".rnn-svg .W_xh").count() == 5
    assert "no output at step 1" in page.text_content("#step-calc")
    assert page.errors == []


def test_torch_panel_reproduces_the_page(page: Page, base_url: str):
    _open(page, base_url)
    page.select_option("#num-layers", "2")
    page.wait_for_function("() => document.getElementById('torch-code').textContent.includes('num_layers=2')")
    with contextlib.redirect_stdout(io.StringIO()):
        scope = run_panel_code(page.text_content("#torch-code") or "")
    page.select_option("#layer", index=1)
    page.wait_for_function("() => document.getElementById('plot-wxh').layout.title.text.includes('Layer 2')")
    top = page.evaluate("() => document.getElementById('plot-h').data.map(tr => tr.y)")  # (H, T) of layer 2
    assert_close(scope["out"].detach().double(), torch.tensor(top, dtype=torch.float64).T, atol=1e-5, rtol=0)
    assert len(top) == 3 and page.errors == []


def test_typed_weights_reach_the_api_and_a_bad_split_is_named(page: Page, base_url: str):
    _open(page, base_url)
    page.select_option("#weights-source", "typed")  # the boxes start from the seeded weights
    page.wait_for_load_state("networkidle")
    zeros = [[0, 0, 0]] * 3

    def typed_zeros(res: Response) -> bool:
        sent = res.request.post_data_json or {}
        return (
            res.url.endswith("/api/rnn/forward") and sent.get("W_hh") == zeros and sent.get("b_h") == [0] * 3
        )

    with page.expect_response(typed_zeros) as answer:
        page.fill("#typed-b_h", "0 0 0")
        page.fill("#typed-W_hh", "0 0 0\n0 0 0\n0 0 0")  # no recurrence: h_t = tanh(W_xh x_t)
    sent, out = answer.value.request.post_data_json, answer.value.json()
    w_xh = torch.tensor(sent["W_xh"])  # (H, I) = (3, 1), as the boxes showed it
    h = torch.tensor(out["h"]["data"])[0]  # (L, T, H) → layer 0: (T, H)
    assert_close(h, torch.tanh(torch.tensor([[1.0], [0.5], [-1.0], [2.0]]) @ w_xh.T), atol=1e-6, rtol=0)

    page.fill("#typed-W_hy", "1 2 x")
    expect(page.locator("#status")).to_have_text("“x” in W_hy is not a number.")
    page.fill("#typed-W_hy", "1 2 3")
    page.evaluate(
        "() => { const s = document.getElementById('input-size'); s.value = 3;"
        " s.dispatchEvent(new Event('input')); }"
    )
    page.wait_for_function("() => document.getElementById('status').textContent.includes('multiple')")
    assert "holds 4 numbers, which is not a multiple of input_size 3" in page.text_content("#status")
    assert page.errors == []


def test_the_unrolled_diagram_runs_downwards_on_a_phone(page: Page, base_url: str):
    page.set_viewport_size({"width": 390, "height": 800})
    _open(page, base_url)
    d = diagram_on_screen(page, "#unrolled")
    assert d["vertical"] and d["overflow"] <= 1 and d["inside"], d  # all 4 steps, no strip to scroll
    assert d["rows"] == 4 and d["smallest"] >= 40 and d["type"] >= 14, d  # one step a row, readable
    page.click("#unrolled .cell[data-step='2']")  # a finger on step 3
    expect(page.locator("#step-out")).to_have_text("t = 3 of 4")
    page.set_viewport_size({"width": 1280, "height": 800})  # wide again: time runs left to right
    page.wait_for_function("() => !document.querySelector('#unrolled svg').classList.contains('vertical')")
    assert diagram_on_screen(page, "#unrolled")["rows"] == 1
    assert page.errors == []
