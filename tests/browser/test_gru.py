"""§5.3 in real Chromium: the λ slider redraws the gradient plot, a typed name shows the gate
heatmaps, and the PyTorch panel's code reproduces the plotted norms."""

import contextlib
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engine.models.names import WEIGHTS_PATH, NamesConfig
from tests.browser.conftest import run_panel_code

ROOT = Path(__file__).resolve().parents[2]


def _open(page: Page, base_url: str, lang: str = "en") -> None:
    page.goto(f"{base_url}/rnn/gru?lang={lang}")
    page.wait_for_function("() => (document.getElementById('plot-flow').data || []).length === 4")


def _trace(page: Page, plot: str, i: int) -> list:
    return page.evaluate(f"() => document.getElementById('{plot}').data[{i}].y")


def test_moving_the_slider_redraws_the_gradient_plot(page: Page, base_url: str):
    _open(page, base_url)
    names = page.evaluate("() => document.getElementById('plot-flow').data.map(tr => tr.name)")
    assert names == ["tanh RNN", "linear RNN (no tanh)", "GRU", "λ<sup>T−t</sup>, λ = 0.9"]
    before = _trace(page, "plot-flow", 0)
    assert len(before) == 101 and before[-1] == pytest.approx(1.0)
    slider = page.locator("#radius")
    slider.focus()
    for _ in range(20):  # keyboard: 0.9 → 1.1
        page.keyboard.press("ArrowRight")
    expect(page.locator("#radius-out")).to_have_text("1.1")
    page.wait_for_function("() => document.getElementById('plot-flow').data[3].name.endsWith('1.1')")
    after = _trace(page, "plot-flow", 0)
    assert after[0] > 10 * before[0]  # less vanishing with a larger spectral radius
    linear = _trace(page, "plot-flow", 1)
    assert linear[0] > 1  # the linear RNN's gradient grows when λ > 1
    expect(page.locator("#flow-summary")).to_contain_text("measured: 1.1")
    shapes = page.evaluate("() => document.getElementById('plot-sweep').layout.shapes.at(-1).x0")
    assert shapes == pytest.approx(1.1)
    assert page.errors == []


@pytest.mark.skipif(not WEIGHTS_PATH.exists(), reason="the trained name model is not there yet")
def test_typing_a_name_shows_the_gate_heatmaps(page: Page, base_url: str, monkeypatch: pytest.MonkeyPatch):
    _open(page, base_url)
    page.wait_for_function("() => (document.getElementById('plot-z').data || []).length > 0")
    page.fill("#name", "Nakamura")
    page.wait_for_function("() => document.getElementById('plot-z').data[0].z.length === 8")
    for gate in "zrnh":
        z = page.evaluate(f"() => document.getElementById('plot-{gate}').data[0].z")
        assert len(z) == 8 and len(z[0]) == NamesConfig().hidden_size  # letters × hidden units
    z = page.evaluate("() => document.getElementById('plot-z').data[0].z")
    assert all(0 <= v <= 1 for row in z for v in row)
    expect(page.locator("#prediction")).to_contain_text("nakamura")
    page.fill("#name", "Naka😀")  # refused beside the box; the plots of "nakamura" fade, not vanish
    expect(page.locator("#prediction")).to_have_text(
        "Only Latin letters (accents are fine), space, ' and - can be read, not: 😀"
    )
    expect(page.locator("#plot-z")).to_have_class(re.compile("stale"))
    for plot in ("#plot-z", "#plot-h", "#plot-units", "#plot-prediction"):  # each says what it still shows
        label = page.evaluate(
            "sel => getComputedStyle(document.querySelector(sel).parentElement, '::before').content", plot
        )
        assert "nakamura" in label and "Faded" in label, (plot, label)
    page.fill("#name", "Nakamura")
    expect(page.locator("#plot-z")).not_to_have_class(re.compile("stale"))
    assert (
        page.evaluate(
            "() => getComputedStyle(document.getElementById('plot-z').parentElement, '::before').content"
        )
        == "none"
    )
    page.select_option("#z-form", "seed")  # the course's z = 1 − torch's z
    flipped = page.evaluate("() => document.getElementById('plot-z').data[0].z")
    assert flipped[0][0] == pytest.approx(1 - z[0][0])
    page.select_option("#layer", "0")
    page.select_option("#direction", "1")
    assert page.evaluate("() => document.getElementById('plot-h').data[0].z")[0] != z[0]
    assert len(page.evaluate("() => document.getElementById('plot-units').data")) == 4
    page.fill("#units", "3 x 500 7")  # two entries that are not units: drawn without them, and named
    page.wait_for_function("() => document.getElementById('plot-units').data.length === 2")
    expect(page.locator("#units-hint")).to_contain_text("Left out: x 500")
    expect(page.locator("#units")).to_have_attribute("aria-invalid", "true")
    monkeypatch.chdir(ROOT)  # the panel loads engine/models/weights/names_bigru.pt
    for layer, direction in ((0, 1), (1, 0), (1, 1)):  # the panel follows the choice
        page.select_option("#layer", index=layer)  # (by index: "1" would match the label "1" of layer 0)
        page.select_option("#direction", index=direction)
        expect(page.locator("#torch-code")).to_contain_text(
            f"layer {layer + 1}, {'backward' if direction else 'forward'} direction"
        )
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            run_panel_code(page.text_content("#torch-code") or "")
        assert out.getvalue().strip().endswith("True")  # the hand-written GRU step equals nn.GRU
    assert page.errors == []


def test_torch_panel_reproduces_the_plotted_norms(page: Page, base_url: str):
    _open(page, base_url)
    page.select_option("#hidden", "16")
    page.wait_for_function("() => document.getElementById('torch-code').textContent.includes('H = 16')")
    text = page.text_content("#torch-code") or ""
    flow_code = text.split("# (b)")[0]
    with contextlib.redirect_stdout(io.StringIO()):
        scope = run_panel_code(flow_code)
    for i, key in enumerate(("rnn", "linear", "gru")):
        assert scope[key] == pytest.approx(_trace(page, "plot-flow", i), rel=1e-9)
    assert page.errors == []


def test_chinese_page_and_narrow_screen(page: Page, base_url: str):
    page.set_viewport_size({"width": 375, "height": 800})
    _open(page, base_url, "zh")
    expect(page.locator("#flow-summary")).to_contain_text("谱半径")
    if WEIGHTS_PATH.exists():
        page.wait_for_function("() => (document.getElementById('plot-prediction').data || []).length > 0")
        expect(page.locator("#prediction")).to_contain_text(re.compile("语|苏格兰"))  # a translated language
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    assert page.errors == []


def test_a_seed_out_of_range_is_refused_beside_its_box(page: Page, base_url: str):
    _open(page, base_url)
    before = _trace(page, "plot-flow", 0)
    for bad in ("-5", "1.5", "99999999999", ""):
        page.fill("#seed", bad)
        page.dispatch_event("#seed", "change")
        assert page.evaluate("() => document.getElementById('seed').validationMessage"), bad
    assert _trace(page, "plot-flow", 0) == before  # nothing was sent: no 422, the plot stays
    page.fill("#seed", "7")
    page.dispatch_event("#seed", "change")
    page.wait_for_function("() => document.getElementById('torch-code').textContent.includes('seed 7')")
    assert page.errors == []
