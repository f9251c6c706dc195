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
