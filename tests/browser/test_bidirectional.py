"""§5.1–5.2 in real Chromium: both rows of cells draw, the target and the sequence redraw, and the
PyTorch panel prints the page's own loss; the stage (issue #14): both chains filling in, their join
classified, the guided steps, the state in the URL, presentation mode."""

import contextlib
import io

import httpx
import torch
from playwright.sync_api import Page, expect
from torch.testing import assert_close

from tests.browser.conftest import diagram_on_screen, plot_points, run_panel_code
from tests.browser.stage import control_values, presentation_shows_only_the_stage, stage_ready


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


# ---- the stage (issue #14): guided steps, the state in the URL, presentation mode ----

STAGE = """() => {
  const data = document.getElementById('plot-stage').data;
  const shown = (name) => data.filter((tr) => tr.name?.startsWith(name)).map((tr) => tr.y);
  return {
    step: document.querySelector('#steps [aria-current=step]').dataset.step,
    text: document.getElementById('step-text').textContent,
    computed: document.querySelectorAll('.bi-svg .cell:not(.future)').length,
    outlined: [...document.querySelectorAll('.bi-svg .cell.hl text:first-of-type')].map((e) => e.textContent),
    forward: shown('f['),
    backward: shown('b['),
    probs: data.at(-1).y,
  };
}"""


def _stage(page: Page) -> dict:
    """The highlighted step, its text, the diagram's computed and outlined cells, the stage's states
    (one list per unit, null where not computed yet) and probabilities."""
    return page.evaluate(STAGE)


def _fresh(base_url: str, **changes: object) -> dict:
    """A fresh answer with the page's default controls, changed by `changes`."""
    body = {"sequence": [1, 0.5, -1, 2, 0], "input_size": 1, "hidden_size": 2, "classes": 3, "target": 0}
    body = {**body, "seed": 0, "encoding": "list", **changes}
    return httpx.post(f"{base_url}/api/rnn/bidirectional", json=body).json()


def _stage_matches(page: Page, fresh: dict) -> None:
    """The stage's forward and backward states and probabilities equal a fresh answer's."""
    stage = _stage(page)
    for drawn, key in ((stage["forward"], "h_forward"), (stage["backward"], "h_backward")):
        want = torch.tensor(fresh[key]["data"], dtype=torch.float64).T  # (H, T)
        assert_close(torch.tensor(drawn, dtype=torch.float64), want, atol=1e-6, rtol=0)
    want = torch.tensor(fresh["probabilities"], dtype=torch.float64)
    assert_close(torch.tensor(stage["probs"], dtype=torch.float64), want, atol=1e-6, rtol=0)


def test_the_keyboard_walks_the_steps_and_the_visual_follows(page: Page, base_url: str):
    stage_ready(page, f"{base_url}/rnn/bidirectional?lang=en&step=3")
    fresh = _fresh(base_url)
    ends = _stage(page)
    assert ends["step"] == "2" and sorted(ends["outlined"]) == ["h₁ᵇ", "h₅ᶠ"]
    hf = fresh["h_forward"]["data"][-1]
    assert f"{hf[0]:.3f}".rstrip("0").rstrip(".") in ends["text"]  # h^f_5 from torch
    assert ends["probs"] == [None] * 3  # no probabilities before softmax
    page.keyboard.press("ArrowLeft")  # step 2: the backward cell walks from t = 5 down to t = 1
    page.wait_for_function("() => location.search.includes('step=2')")
    page.wait_for_function(f"() => ({STAGE})().outlined[0] === 'h₁ᵇ'", timeout=15_000)
    walked = _stage(page)
    assert walked["computed"] == 10  # every cell but the join: a link's step or its end shows it whole
    page.keyboard.press("ArrowLeft")  # step 1: the forward cell, from t = 1
    page.wait_for_function("() => !location.search.includes('step=')")  # the first step: the default
    page.wait_for_function(f"() => ({STAGE})().outlined[0] === 'h₅ᶠ'", timeout=15_000)
    assert _stage(page)["backward"][0] == [None] * 5  # the backward chain has not run yet
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # on to step 5: softmax
    page.wait_for_function("() => location.search.includes('step=5')")
    _stage_matches(page, fresh)
    page.focus("#sequence")
    page.keyboard.press("ArrowRight")  # inside a text field the arrows move the caret, not the steps
    assert _stage(page)["step"] == "4"
    assert page.errors == []


def test_a_link_restores_the_settings_and_the_step(page: Page, base_url: str):
    query = "sequence=2+-1+0.5&hidden-size=3&classes=4&target=3&seed=9&step=6"
    stage_ready(page, f"{base_url}/rnn/bidirectional?lang=en&{query}")
    page.wait_for_function("() => document.querySelectorAll('.bi-svg .cell').length === 7")
    values = control_values(page, "sequence", "hidden-size", "classes", "target", "seed")
    assert values == ["2 -1 0.5", "3", "4", "3", "9"]
    assert page.text_content("#classes-out") == "4" and page.is_hidden("#state-note")
    stage = _stage(page)
    assert stage["step"] == "5" and "The true class is 3" in stage["text"]
    fresh = _fresh(base_url, sequence=[2, -1, 0.5], hidden_size=3, classes=4, target=3, seed=9)
    _stage_matches(page, fresh)
    assert f"{fresh['loss']:.4f}".rstrip("0") in stage["text"]
    page.select_option("#target", "0")  # a change goes back into the link
    page.wait_for_function("() => !location.search.includes('target=')")
    assert "classes=4" in page.url and "step=6" in page.url
    assert page.errors == []


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    query = "hidden-size=0&classes=99&target=7&source=letters&step=8&bogus=1"
    stage_ready(page, f"{base_url}/rnn/bidirectional?lang=zh&{query}")
    note = page.locator("#state-note")
    expect(note).to_be_visible()
    for part in ("(hidden-size) = “0”", "(classes) = “99”", "target", "source", "step = “8”", "默认值"):
        expect(note).to_contain_text(part)
    assert control_values(page, "hidden-size", "classes", "target", "source") == ["2", "3", "0", "numbers"]
    assert _stage(page)["step"] == "0"
    page.click("#steps [data-step='4']")
    page.wait_for_function("() => location.search.includes('step=5')")
    _stage_matches(page, _fresh(base_url))
    assert page.errors == []


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/rnn/bidirectional?lang=en&present=1&step=2",
        prose=("#plot-forward", "#classify-calc"),
        shown=("#plot-stage", "#bi-diagram"),
    )
    assert page.errors == []
