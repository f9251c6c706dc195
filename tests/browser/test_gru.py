"""§5.3 in real Chromium: the stage walks the typed name's gates letter by letter (keyboard, links,
presentation, late answers, the home page's link); the λ slider redraws the gradient plot, a typed
name shows the gate heatmaps, and the PyTorch panel's code reproduces the plotted norms."""

import contextlib
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Page, expect

from engine.models.names import WEIGHTS_PATH, NamesConfig
from tests.browser.answers import answer_late
from tests.browser.conftest import run_panel_code
from tests.browser.stage import presentation_shows_only_the_stage
from tests.browser.test_home import ready

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


# ---- the stage (issue #14): the gates of the typed name, letter by letter ----

needs_model = pytest.mark.skipif(not WEIGHTS_PATH.exists(), reason="the trained name model is not there yet")
STAGE = """() => { const d = document.getElementById('plot-stage').data;
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
    text: document.getElementById('step-text').textContent,
    filled: d.map((tr) => tr.z.flat().filter((v) => v !== null).length),
    z: d.map((tr) => tr.z), units: document.getElementById('plot-stage').layout.yaxis.ticktext }; }"""
GATES = ("r", "n", "z", "h")  # the stage's panels, in this order


def _stage(page: Page) -> dict:
    """The highlighted step, its text, the filled cells of each panel (r, n, z, h), their values and
    the units shown (one row each)."""
    return page.evaluate(STAGE)


def _values(page: Page, *ids: str) -> list[str]:
    return page.evaluate("ids => ids.map((id) => document.getElementById(id).value)", list(ids))


def _stage_link(page: Page, base_url: str, query: str) -> None:
    page.goto(f"{base_url}/rnn/gru?{query}")
    page.wait_for_function("() => document.getElementById('step-text').querySelector('.num')")
    page.wait_for_load_state("networkidle")


def _fresh(base_url: str, name: str, layer: int, direction: int) -> dict[str, list]:
    """Each gate of a fresh API call, (T, H), for that layer and direction."""
    res = httpx.post(f"{base_url}/api/rnn/gru", json={"name": name, "encoding": "list"}).json()
    return {g: res[g]["data"][layer][direction] for g in GATES} | {"res": res}


def _matches_fresh(page: Page, base_url: str, name: str, layer: int, direction: int) -> None:
    """Every filled cell of the stage equals the fresh API answer (the page asks for float16)."""
    fresh = _fresh(base_url, name, layer, direction)
    st = _stage(page)
    units = [int(u) for u in st["units"]]
    for g, drawn in zip(GATES, st["z"], strict=True):
        for row, u in zip(drawn, units, strict=True):
            for pos, v in enumerate(row):
                if v is not None:
                    assert v == pytest.approx(fresh[g][pos][u], abs=2e-3), (g, u, pos)


@needs_model
def test_the_keyboard_walks_the_gates_and_the_visual_follows(page: Page, base_url: str):
    _stage_link(page, base_url, "lang=en")
    first = _stage(page)
    assert first["step"] == "0" and len(first["units"]) == 8
    k = first["filled"][0] // 8  # the letters read before the one the steps stop at
    assert first["filled"] == [8 * k] * 4  # that letter's column is still empty in every gate
    page.keyboard.press("ArrowRight")  # the reset gate: r is computed at the letter
    page.wait_for_function("() => location.search.includes('step=2')")
    assert _stage(page)["filled"] == [8 * (k + 1), 8 * k, 8 * k, 8 * k]
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # the candidate, the update gate, the new state
    page.wait_for_function("() => location.search.includes('step=5')")
    mix = _stage(page)
    assert mix["filled"] == [8 * (k + 1)] * 4
    # the text's unit and its new state, from a fresh call: h = (1 − z)·n + z·h_prev
    u = int(re.search(r"For unit (\d+)", mix["text"]).group(1))  # type: ignore[union-attr]
    fresh = _fresh(base_url, "Schmidt", 1, 0)
    h = float(re.search(r"= (-?[\d.]+)\.\s*Of all", mix["text"]).group(1))  # type: ignore[union-attr]
    assert h == pytest.approx(fresh["h"][k][u], abs=2e-3)
    hs = [row[u] for row in fresh["h"]]  # the letter the steps stop at moves unit u the most
    moves = [abs(b - a) for a, b in zip([0.0, *hs[:-1]], hs, strict=True)]
    assert max(range(len(moves)), key=moves.__getitem__) == k
    _matches_fresh(page, base_url, "Schmidt", 1, 0)
    page.keyboard.press("ArrowRight")  # the whole name, one letter per frame, to its last letter
    page.wait_for_function(
        "() => document.getElementById('plot-stage').data[3].z.flat().every((v) => v !== null)"
    )
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('step=5')")
    page.focus("#name")
    page.keyboard.press("ArrowRight")  # inside the name box the arrows move the caret, not the steps
    assert _stage(page)["step"] == "4"
    assert page.errors == []


@needs_model
def test_a_link_restores_the_name_layer_direction_and_step(page: Page, base_url: str):
    _stage_link(
        page, base_url, "lang=en&name=Nakamura&layer=0&direction=1&z-form=seed&flow-steps=50&units=3+7&step=7"
    )
    values = _values(page, "name", "layer", "direction", "z-form", "flow-steps", "units")
    assert values == ["Nakamura", "0", "1", "seed", "50", "3 7"]  # the link's units, not the top 4
    assert len(page.evaluate("() => document.getElementById('plot-units').data")) == 2
    assert page.text_content("#flow-steps-out") == "50" and page.is_hidden("#state-note")
    st = _stage(page)
    assert st["step"] == "6" and st["filled"] == [8 * 8] * 4  # the last state: every letter read
    _matches_fresh(page, base_url, "Nakamura", 0, 1)
    fresh = _fresh(base_url, "Nakamura", 0, 1)["res"]
    assert "Japanese" in st["text"] and fresh["prediction"][0]["language"] == "Japanese"
    assert "“n” (position 1)" in st["text"]  # the backward direction reads the first letter last
    page.wait_for_function("() => (document.getElementById('plot-flow').data || []).length === 4")
    assert len(_trace(page, "plot-flow", 0)) == 51
    assert page.errors == []


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    _stage_link(page, base_url, "lang=zh&layer=7&direction=sideways&flow-steps=3&radius=9&step=42&bogus=1")
    note = page.text_content("#state-note") or ""
    assert page.is_visible("#state-note") and "默认值" in note
    for part in ("(layer) = “7”", "(direction) = “sideways”", "flow-steps", "radius", "step = “42”", "bogus"):
        assert part in note, part
    values = _values(page, "layer", "direction", "flow-steps", "radius")
    assert values == ["1", "0", "100", "0.9"]
    assert _stage(page)["step"] == "0"
    assert page.errors == []


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/rnn/gru?lang=en&present=1&step=2",
        prose=("#plot-flow", "#plot-z"),
        shown=("#plot-stage", "#name"),
    )
    assert page.errors == []


@needs_model
def test_a_late_answer_for_an_earlier_name_is_dropped(page: Page, base_url: str):
    _stage_link(page, base_url, "lang=en")

    def name(text: str) -> None:
        page.fill("#name", text)

    def shown() -> tuple[str, list]:
        return page.text_content("#prediction") or "", page.evaluate(
            "() => document.getElementById('plot-stage').layout.xaxis.ticktext"
        )

    drawn, after_late = answer_late(
        page, "**/api/rnn/gru", first=lambda: name("Rossi"), second=lambda: name("Nakamura"), shown=shown
    )
    assert after_late == drawn  # the answer for "Rossi", arriving last, was dropped
    assert "nakamura" in drawn[0] and drawn[1] == list("nakamura")
    fresh = _fresh(base_url, "Nakamura", 1, 0)["res"]
    assert fresh["prediction"][0]["language"] == "Japanese" and "Japanese" in drawn[0]
    assert page.errors == []


@needs_model
def test_the_overview_panels_link_opens_the_lesson_in_that_state(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    page.focus("#rnn-frame .net-over")
    for key in ("ArrowRight", "ArrowRight", "Enter"):  # embedding → layer 1 forward → layer 1 backward
        page.keyboard.press(key)
    link = page.locator("#rnn-detail-link")
    expect(link).to_have_attribute("href", re.compile("gru"), timeout=30_000)
    q = {k: v[0] for k, v in parse_qs(urlparse(link.get_attribute("href") or "").query).items()}
    link.click()
    page.wait_for_url(re.compile("/rnn/gru"))
    page.wait_for_function("() => document.getElementById('step-text').querySelector('.num')")
    page.wait_for_load_state("networkidle")
    assert page.is_hidden("#state-note")
    values = _values(page, "name", "layer", "direction")
    assert values == [q["name"], q["layer"], q["direction"]]
    _matches_fresh(page, base_url, q["name"], int(q["layer"]), int(q["direction"]))
    assert page.errors == []
