"""§4.2 in real Chromium: the stacked BPTT bars redraw with the sequence; the paper example adds up."""

import contextlib
import io
import re

import httpx
import torch
from playwright.sync_api import Page
from torch.testing import assert_close

from tests.browser.answers import answer_late
from tests.browser.conftest import run_panel_code
from tests.browser.stage import presentation_shows_only_the_stage


def _bars(page: Page, plot: str) -> list:
    """Every trace's (name, y) of a stacked-bar plot."""
    return page.evaluate(f"() => document.getElementById('{plot}').data.map(tr => [tr.name, tr.y])")


def _open(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/rnn/bptt?lang=en")
    page.wait_for_function("() => (document.getElementById('plot-whh').data || []).length > 0")
    page.wait_for_load_state("networkidle")


def test_bars_redraw_when_the_sequence_changes(page: Page, base_url: str):
    _open(page, base_url)
    before = _bars(page, "plot-whh")
    assert len(before) == 5 + 2  # one trace per step, then the sum and autograd
    names = [n for n, _ in before]
    assert names[0] == "t = 1" and names[-2:] == ["sum of the terms", "autograd (nn.RNN)"]
    for entry in range(len(before[0][1])):  # the terms add up to the sum, which equals autograd
        total = sum(y[entry] for _, y in before[:-2])
        assert abs(total - before[-2][1][entry]) < 1e-9 and abs(total - before[-1][1][entry]) < 1e-9
    page.fill("#sequence", "2 1 0 -1 -2 0.5 1")
    page.wait_for_function("() => document.getElementById('plot-whh').data.length === 9")
    after = _bars(page, "plot-whh")
    assert after[-1][1] != before[-1][1]  # a new gradient (the step-1 term of W_hh is 0: h₀ = 0)
    assert len(page.evaluate("() => document.getElementById('plot-dh').data[0].y")) == 7
    assert "largest difference" in page.text_content("#summary")
    assert page.errors == []


def test_paper_example_prints_every_number(page: Page, base_url: str):
    _open(page, base_url)
    page.click("#preset")
    page.wait_for_function("() => document.getElementById('paper').textContent.includes('autograd')")
    text = page.text_content("#paper") or ""
    h1 = torch.tanh(torch.tensor(0.5, dtype=torch.float64))
    assert f"h₁ = tanh(a₁) = {h1:.5f}" in text
    lines = [
        p
        for p in page.eval_on_selector_all("#paper p", "els => els.map(e => e.textContent)")
        if p.startswith("∂L/∂W_")
    ]
    assert len(lines) == 2
    for line in lines:  # "∂L/∂W_hh = a + b + c = S;   autograd: G"
        total, ag = re.search(r"= ([-\d.]+);\s+autograd: ([-\d.]+)", line).groups()
        assert total == ag
    assert page.errors == []


def test_torch_panel_terms_match_the_bars(page: Page, base_url: str):
    _open(page, base_url)
    page.select_option("#loss", "every")
    page.wait_for_function("() => document.getElementById('torch-code').textContent.includes('summed over')")
    with contextlib.redirect_stdout(io.StringIO()):
        scope = run_panel_code(page.text_content("#torch-code") or "")
    bars = _bars(page, "plot-whh")
    steps = torch.tensor([y for _, y in bars[:-2]], dtype=torch.float64)  # (T, entries)
    ours = scope["terms"].reshape(len(steps), -1).double()
    assert_close(ours, steps, atol=1e-6, rtol=1e-4)
    assert_close(
        scope["rnn"].weight_hh_l0.grad.double().flatten(),
        torch.tensor(bars[-1][1], dtype=torch.float64),
        atol=1e-6,
        rtol=1e-4,
    )
    assert page.errors == []


def test_a_late_answer_never_replaces_a_newer_one(page: Page, base_url: str):
    _open(page, base_url)

    def shown() -> tuple[list, int]:
        return _bars(page, "plot-whh")[-1][1], len(
            page.evaluate("() => document.getElementById('plot-dh').data[0].y")
        )

    drawn, after_late = answer_late(
        page,
        "**/api/rnn/bptt",
        first=lambda: page.fill("#sequence", "1 2 3"),
        second=lambda: page.fill("#sequence", "3 2 1 0"),
        shown=shown,
    )
    assert after_late == drawn  # the answer for "1 2 3", arriving last, was dropped
    fresh = httpx.post(
        f"{base_url}/api/rnn/bptt",
        json={"sequence": [3, 2, 1, 0], "hidden_size": 2, "loss": "last", "seed": 1, "target": [0.5]},
    ).json()
    assert drawn[1] == 4
    assert_close(torch.tensor(drawn[0]), torch.tensor(fresh["autograd"]["W_hh"]["data"]).flatten())
    assert page.errors == []


# ---- the stage (issue #14): guided steps, the state in the URL, presentation mode ----

STAGE_TERMS = """() => document.getElementById('plot-stage').data
  .filter((tr) => tr.name.startsWith('t = ') && tr.y.some((v) => v !== null)).map((tr) => tr.name)"""


STAGE = (
    "() => ({ step: document.querySelector('#steps [aria-current=step]').dataset.step,"
    " text: document.getElementById('step-text').textContent,"
    f" terms: ({STAGE_TERMS})(),"
    " cells: document.querySelectorAll('#stage-chain .cell[style]').length })"
)


def _stage(page: Page) -> dict:
    """The highlighted step, its text, the terms stacked on the stage and the chain's coloured cells."""
    return page.evaluate(STAGE)


def _values(page: Page, *ids: str) -> list[str]:
    return page.evaluate("ids => ids.map((id) => document.getElementById(id).value)", list(ids))


def _body(**changes: object) -> dict:
    """The request the page sends with its default controls, changed by `changes`."""
    body = {"sequence": [1, -0.5, 0.8, 2, -1], "hidden_size": 2, "num_layers": 1, "loss": "last", "seed": 1}
    return {**body, "target": [0.5], "encoding": "list", **changes}


def _link(page: Page, base_url: str, query: str) -> None:
    """Open §4.2 with `query` and wait until the stage has drawn its answer."""
    page.goto(f"{base_url}/rnn/bptt?{query}")
    page.wait_for_function("() => document.getElementById('plot-stage').data")
    page.wait_for_load_state("networkidle")


def _stage_autograd_matches(page: Page, base_url: str, **changes: object) -> None:
    """The stage's autograd bars equal ∂L/∂W_hh of a fresh API call with the default controls + changes."""
    fresh = httpx.post(f"{base_url}/api/rnn/bptt", json=_body(**changes)).json()
    autograd = page.evaluate("() => document.getElementById('plot-stage').data.at(-1).y")
    assert_close(torch.tensor(autograd), torch.tensor(fresh["autograd"]["W_hh"]["data"]).flatten())


def test_the_keyboard_walks_the_steps_and_the_visual_follows(page: Page, base_url: str):
    _open(page, base_url)
    page.wait_for_function("() => document.getElementById('plot-stage').data")
    first = _stage(page)
    assert first["step"] == "0" and first["terms"] == [] and first["cells"] == 0
    res = httpx.post(f"{base_url}/api/rnn/bptt", json=_body()).json()
    h5 = res["h"]["data"][0][-1]
    assert f"({float(f'{h5[0]:.3g}')}, {float(f'{h5[1]:.3g}')})" in first["text"]  # h₅ from torch
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # step 3: the last step's term
    page.wait_for_function("() => location.search.includes('step=3')")
    third = _stage(page)
    assert third["step"] == "2" and third["terms"] == ["t = 5"] and third["cells"] == 1
    term = res["terms"][0]["W_hh"]["data"][4]
    assert any(f"{v:.3g}" in third["text"] for row in term for v in row)  # the term's own number
    page.keyboard.press("ArrowRight")  # step 4 walks back t = 4, 3, 2, one frame each
    page.wait_for_function(f"() => ({STAGE_TERMS})().length === 4", timeout=10_000)
    assert _stage(page)["cells"] == 4
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"() => ({STAGE_TERMS})().length === 1")
    page.focus("#sequence")
    page.keyboard.press("ArrowRight")  # inside a text field the arrows move the caret, not the steps
    assert _stage(page)["step"] == "2"
    page.goto(f"{base_url}/rnn/bptt?lang=en&step=4")  # a link to a step with frames shows its last one
    page.wait_for_function(f"() => ({STAGE_TERMS})().length === 4")
    assert page.errors == []


def test_space_plays_to_the_end_where_the_sum_is_autograd(page: Page, base_url: str):
    _link(page, base_url, "lang=en&step=4")  # from the walk back through time (the steps before: 11 s)
    assert _stage(page)["step"] == "3"
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("End")  # not a step key: nothing happens
    page.keyboard.press(" ")
    assert page.get_attribute("#step-play", "aria-pressed") == "true"
    page.wait_for_function(
        "() => document.querySelector('#steps [aria-current=step]').dataset.step === '5'", timeout=30_000
    )
    sums = page.evaluate("() => document.getElementById('plot-stage').data.slice(-2).map((tr) => tr.y)")
    assert_close(torch.tensor(sums[0]), torch.tensor(sums[1]))  # Σ terms = autograd, entry by entry
    page.wait_for_function(
        "() => document.getElementById('step-play').getAttribute('aria-pressed') === 'false'"
    )
    assert page.errors == []


def test_a_link_restores_the_settings_and_the_step(page: Page, base_url: str):
    _link(page, base_url, "lang=en&sequence=2+1+-1&hidden-size=3&loss=every&seed=7&target=0.25&step=6")
    restored = _values(page, "sequence", "hidden-size", "loss", "seed", "target")
    assert restored == ["2 1 -1", "3", "every", "7", "0.25"]
    assert page.text_content("#hidden-size-out") == "3"
    assert page.is_hidden("#state-note")
    assert _stage(page)["step"] == "5"
    settings = {"sequence": [2, 1, -1], "hidden_size": 3, "loss": "every", "seed": 7, "target": [0.25] * 3}
    _stage_autograd_matches(page, base_url, **settings)
    fresh = httpx.post(f"{base_url}/api/rnn/bptt", json=_body(**settings)).json()
    below = _bars(page, "plot-whh")[-1][1]
    assert_close(torch.tensor(below), torch.tensor(fresh["autograd"]["W_hh"]["data"]).flatten())
    page.select_option("#loss", "last")  # a change goes back into the link
    page.wait_for_function("() => !location.search.includes('loss=')")
    assert "hidden-size=3" in page.url and "step=6" in page.url
    assert page.errors == []


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    _link(
        page,
        base_url,
        "lang=zh&hidden-size=99&loss=sideways&seed=-4&num-layers=2.5&step=42&present=maybe&bogus=1",
    )
    note = page.text_content("#state-note") or ""
    assert page.is_visible("#state-note") and "默认值" in note  # in the page's language
    for part in ("(hidden-size) = “99”", "(loss) = “sideways”", "(seed) = “-4”", "num-layers", "step = “42”"):
        assert part in note, part
    assert "present = “maybe”" in note and "bogus = “1”" in note
    assert _values(page, "hidden-size", "loss", "seed", "num-layers") == ["2", "last", "1", "1"]
    assert _stage(page)["step"] == "0"
    _stage_autograd_matches(page, base_url)
    assert page.errors == []


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/rnn/bptt?lang=en&present=1&step=2",
        prose=("#plot-whh",),
        shown=("#plot-stage", "#stage-chain"),
    )
    page.click("#present")
    assert page.is_hidden(".explain")
    assert page.errors == []
