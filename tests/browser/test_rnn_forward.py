"""§4.1 in real Chromium: one key, one time step; the PyTorch panel prints the page's h_t; the stage
(issue #14): the unrolled cell stepping, its guided steps, the state in the URL, presentation mode."""

import contextlib
import io

import httpx
import torch
from playwright.sync_api import Page, Response, expect
from torch.testing import assert_close

from tests.browser.answers import answer_late
from tests.browser.conftest import diagram_on_screen, plot_points, run_panel_code
from tests.browser.stage import control_values, presentation_shows_only_the_stage, stage_ready


def _open(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/rnn/forward?lang=en")
    page.wait_for_function("() => document.getElementById('step-out').textContent === 't = 1 of 4'")
    page.wait_for_load_state("networkidle")


def _now(page: Page) -> list[str]:
    """The diagram's highlighted cells (their steps) and the calculation's first line."""
    steps = page.eval_on_selector_all(".cell.now", "els => els.map(e => e.dataset.step)")
    return [*steps, page.text_content("#step-calc p") or ""]


def test_each_key_advances_one_time_step(page: Page, base_url: str):
    _open(page, base_url)
    assert _now(page) == ["0", "x₁ = [1]"]
    page.focus("#step-index")  # keyboard: → and ← on the time step slider
    for i in range(2, 5):
        page.keyboard.press("ArrowRight")
        assert page.text_content("#step-out") == f"t = {i} of 4"
        assert page.input_value("#step-index") == str(i - 1)
        assert _now(page)[0] == str(i - 1)
    assert "x₄ = [2]" in _now(page)[1]
    page.keyboard.press("ArrowRight")  # the last step stays the last
    assert page.text_content("#step-out") == "t = 4 of 4"
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#step-out") == "t = 3 of 4"
    page.click("#unrolled .cell[data-step='1']")  # a click on a cell
    assert page.text_content("#step-out") == "t = 2 of 4"
    marker = page.evaluate("() => document.getElementById('plot-h').layout.shapes[0].x0")
    assert marker == 2
    assert page.errors == []


def test_the_walk_runs_to_the_end(page: Page, base_url: str):
    _open(page, base_url)
    page.fill("#speed", "6")
    page.click("#steps [data-step='4']")  # "the same cell, step after step" walks t = 1 … 4
    page.wait_for_function(
        "() => document.getElementById('step-out').textContent === 't = 4 of 4'", timeout=5000
    )
    assert _now(page)[0] == "3"
    page.click("#step-play")  # play goes on through the last steps, then stops
    page.wait_for_function(
        "() => document.getElementById('step-play').ariaPressed === 'false'", timeout=15_000
    )
    assert page.evaluate("() => document.querySelector('#steps [aria-current=step]').dataset.step") == "6"
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


# ---- the stage (issue #14): guided steps, the state in the URL, presentation mode ----

STAGE = """() => ({
  step: document.querySelector('#steps [aria-current=step]').dataset.step,
  text: document.getElementById('step-text').textContent,
  t: document.getElementById('step-out').textContent,
  outlined: [...document.querySelectorAll('#unrolled .hl')].map((e) => e.getAttribute('class')),
  opaque: document.getElementById('plot-stage').data
    .filter((tr) => tr.marker.opacity === 1).map((tr) => tr.name),
  bars: document.getElementById('plot-stage').data.map((tr) => tr.y),
})"""


def _stage(page: Page) -> dict:
    """The highlighted step, its text, the time step, the diagram's outlined parts and the stage's bars."""
    return page.evaluate(STAGE)


def _body(**changes: object) -> dict:
    """The request the page sends with its default controls, changed by `changes`."""
    body = {"sequence": [1, 0.5, -1, 2], "input_size": 1, "hidden_size": 3, "output_size": 1, "num_layers": 1}
    return {**body, "outputs": "many_to_many", "seed": 0, **changes}


def _fresh(base_url: str, **changes: object) -> dict:
    return httpx.post(f"{base_url}/api/rnn/forward", json={**_body(**changes), "encoding": "list"}).json()


def _bars_match(page: Page, fresh: dict, t: int) -> None:
    """The stage's bars are W_xh·x, W_hh·h, b_h, a and h of time step t (1-based) of a fresh answer."""
    bars = _stage(page)["bars"]
    for drawn, key in zip(bars[:2] + bars[3:], ("xw", "hw", "a", "h"), strict=True):
        want = torch.tensor(fresh[key]["data"][0][t - 1], dtype=torch.float64)
        assert_close(torch.tensor(drawn, dtype=torch.float64), want, atol=1e-6, rtol=0)


def test_the_keyboard_walks_the_steps_and_the_visual_follows(page: Page, base_url: str):
    stage_ready(page, f"{base_url}/rnn/forward?lang=en")
    fresh = _fresh(base_url)
    first = _stage(page)
    assert first["step"] == "0" and "xin now hl" in first["outlined"]  # the inputs outlined
    assert "[1], [0.5], [-1], [2]" in first["text"]
    _bars_match(page, fresh, 1)
    page.keyboard.press("ArrowRight")  # step 2: the input's share, W_xh's arrow at t = 1
    page.wait_for_function("() => location.search.includes('step=2')")
    second = _stage(page)
    assert second["step"] == "1" and second["opaque"] == ["W<sub>xh</sub>·x"]
    assert any("W_xh" in c and "now" in c for c in second["outlined"])
    xw = fresh["xw"]["data"][0][0]
    assert f"{xw[0]:.3f}".rstrip("0").rstrip(".") in second["text"]
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # step 4: a and tanh(a): the new state h₁
    page.wait_for_function("() => location.search.includes('step=4')")
    h1 = fresh["h"]["data"][0][0]
    assert f"{h1[1]:.3f}".rstrip("0").rstrip(".") in _stage(page)["text"]
    page.keyboard.press("ArrowRight")  # step 5 walks the cell along t = 1 … 4
    page.wait_for_function("() => document.getElementById('step-out').textContent === 't = 4 of 4'")
    walked = _stage(page)
    assert walked["step"] == "4"
    _bars_match(page, fresh, 4)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('step=4')")
    page.focus("#sequence")
    page.keyboard.press("ArrowRight")  # inside a text field the arrows move the caret, not the steps
    assert _stage(page)["step"] == "3"
    assert page.errors == []


def test_a_link_restores_the_settings_and_the_time_step(page: Page, base_url: str):
    query = "sequence=2+-1+0.5+1+0&hidden-size=2&outputs=many_to_one&seed=5&step-index=2&step=3"
    stage_ready(page, f"{base_url}/rnn/forward?lang=en&{query}")
    page.wait_for_function("() => document.getElementById('step-out').textContent === 't = 3 of 5'")
    values = control_values(page, "sequence", "hidden-size", "outputs", "seed", "step-index")
    assert values == ["2 -1 0.5 1 0", "2", "many_to_one", "5", "2"]
    assert page.text_content("#hidden-size-out") == "2" and page.is_hidden("#state-note")
    assert _stage(page)["step"] == "2"
    changes = {"sequence": [2, -1, 0.5, 1, 0], "hidden_size": 2, "outputs": "many_to_one", "seed": 5}
    _bars_match(page, _fresh(base_url, **changes), 3)
    page.select_option("#outputs", "many_to_many")  # a change goes back into the link
    page.wait_for_function("() => !location.search.includes('outputs=')")
    assert "hidden-size=2" in page.url and "step=3" in page.url
    assert page.errors == []


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    query = "hidden-size=99&outputs=sideways&num-layers=7&step-index=-3&step=42&bogus=1"
    stage_ready(page, f"{base_url}/rnn/forward?lang=zh&{query}")
    note = page.locator("#state-note")
    expect(note).to_be_visible()
    for part in ("(hidden-size) = “99”", "(outputs) = “sideways”", "num-layers", "step-index", "step = “42”"):
        expect(note).to_contain_text(part)
    expect(note).to_contain_text("默认值")
    values = control_values(page, "hidden-size", "outputs", "num-layers", "step-index")
    assert values == ["3", "many_to_many", "1", "0"]
    assert _stage(page)["step"] == "0"
    _bars_match(page, _fresh(base_url), 1)
    assert page.errors == []


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/rnn/forward?lang=en&present=1&step=2",
        prose=("#plot-wxh", "#step-calc"),
        shown=("#plot-stage", "#unrolled", "#step-index"),
    )
    assert page.errors == []


def test_a_late_answer_never_replaces_a_newer_one(page: Page, base_url: str):
    _open(page, base_url)

    def shown() -> tuple[str, list]:
        return page.text_content("#step-out") or "", _stage(page)["bars"]

    drawn, after_late = answer_late(
        page,
        "**/api/rnn/forward",
        first=lambda: page.fill("#sequence", "1 2 3"),
        second=lambda: page.fill("#sequence", "3 2 1 0 -1"),
        shown=shown,
    )
    assert after_late == drawn  # the answer for "1 2 3", arriving last, was dropped
    assert drawn[0] == "t = 1 of 5"
    _bars_match(page, _fresh(base_url, sequence=[3, 2, 1, 0, -1]), 1)
    assert page.errors == []
