"""§2.2 in real Chromium: the course's numbers, the table and plots; the reduction redraws; the stage."""

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import plot_points
from tests.browser.stage import presentation_shows_only_the_stage


def _open(page: Page, base_url: str, lang: str = "en") -> None:
    page.goto(f"{base_url}/cnn/bottleneck?lang={lang}")
    page.wait_for_function("() => document.querySelector('#plot-time')?.data?.length > 0")


def test_the_course_example_is_shown(page: Page, base_url: str):
    _open(page, base_url)
    assert plot_points(page, "#plot-mults") > 0 and plot_points(page, "#plot-time") > 0
    table = page.text_content("#cost-table")
    assert "120,422,400" in table and "12,443,648" in table and "240,844,800" in table
    assert "9.68×" in table
    expect(page.locator("#formula")).to_contain_text("28·28·16·192·1·1 + 28·28·32·16·5·5 = 12,443,648")
    assert 'nn.Conv2d(16, 32, 5, padding="same")' in page.text_content("#torch-code")
    assert page.errors == []  # type: ignore[attr-defined]


def test_changing_the_reduction_redraws(page: Page, base_url: str):
    _open(page, base_url, "zh")
    page.fill("#reduce-to", "64")
    expect(page.locator("#formula")).to_contain_text("28·28·64·192·1·1")
    mults = page.evaluate("document.querySelector('#plot-mults').data[1].y")
    assert mults == [120_422_400, 28 * 28 * 32 * 64 * 25]
    page.uncheck("#use-reduce")
    expect(page.locator("#cost-table thead th")).to_have_count(2)  # no reduced column, no ratio
    page.fill("#in-channels", "100000")
    expect(page.locator("#status")).to_contain_text("in_channels")
    assert page.errors == [] or all("422" in e for e in page.errors)  # type: ignore[attr-defined]


def test_the_cost_table_is_a_column_of_cards_on_a_phone(page: Page, base_url: str):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{base_url}/cnn/bottleneck?lang=en")
    page.wait_for_function("() => document.querySelectorAll('#cost-table td.ratio').length === 7")
    scroll = page.locator("#cost-table").evaluate(
        "t => t.parentElement.scrollWidth - t.parentElement.clientWidth"
    )
    assert scroll <= 1  # no box to scroll sideways: the saving is on screen
    saving = page.locator("#cost-table tr", has_text="multiplications (formula)").locator("td.ratio")
    expect(saving).to_be_visible()
    assert (
        page.evaluate("el => getComputedStyle(el, '::before').content", saving.element_handle()) == '"saving"'
    )
    size = page.evaluate("el => parseFloat(getComputedStyle(el).fontSize)", saving.element_handle())
    assert size >= 14  # larger type than the desktop table's 0.8 rem
    assert page.errors == []


# ---- the stage (issue #14): guided steps, the state in the URL, presentation mode ----

STAGE = """() => { const d = document.getElementById('plot-stage').data;
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
           text: document.getElementById('step-text').textContent,
           channels: d.filter((tr) => tr.orientation !== 'h').map((tr) => tr.y[0]),
           counts: d.filter((tr) => tr.orientation === 'h').map((tr) => tr.x[0]) }; }"""


def _stage(page: Page) -> dict:
    """The highlighted step, its text, the channel stack's bars and the multiplications counted so far
    (direct, then the 1×1 and the k×k of the squeezed way)."""
    return page.evaluate(STAGE)


def _open_stage(page: Page, base_url: str, query: str = "lang=en") -> None:
    page.goto(f"{base_url}/cnn/bottleneck?{query}")
    page.wait_for_function("() => document.getElementById('step-text').querySelector('.num')")


def _fresh(base_url: str, **settings: object) -> dict:
    """The API's answer for the page's default controls changed by `settings`."""
    body = {"in_channels": 192, "height": 28, "width": 28, "out_channels": 32, "kernel": 5, "reduce_to": 16}
    return httpx.post(f"{base_url}/api/cnn/cost", json={**body, **settings, "repeats": 1}).json()


def test_the_keyboard_counts_the_multiplications_up(page: Page, base_url: str):
    _open_stage(page, base_url)
    first = _stage(page)
    assert first["step"] == "0" and first["channels"] == [192, 16, 32, 32]  # input, squeezed, outputs
    assert first["counts"] == [120_422_400, 2_408_448, 10_035_200]
    page.keyboard.press("ArrowRight")  # step 2 counts the direct layer, rows at a time, from zero
    page.wait_for_function("() => location.search.includes('step=2')")
    page.wait_for_function(f"() => ({STAGE})().counts[0] === 120422400", timeout=15_000)
    second = _stage(page)
    assert second["step"] == "1" and second["counts"][1:] == [0, 0]
    assert "28·28·32·192·5·5" in second["text"] and "120,422,400" in second["text"]
    page.keyboard.press("ArrowRight")  # step 3: the 1×1's count grows while the k×k's waits
    page.wait_for_function(f"() => ({STAGE})().counts[1] === 2408448", timeout=15_000)
    assert _stage(page)["counts"][2] == 0 and "2,408,448" in _stage(page)["text"]
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('step=2')")
    page.focus("#kernel")
    page.keyboard.press("ArrowRight")  # inside a number box the arrows are the box's
    assert _stage(page)["step"] == "1"
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_restores_the_layer_and_the_step(page: Page, base_url: str):
    _open_stage(page, base_url, "lang=en&in-channels=256&kernel=3&reduce-to=64&step=5")
    values = page.evaluate("() => ['in-channels', 'kernel', 'reduce-to'].map((id) => N.$(id).value)")
    assert values == ["256", "3", "64"] and page.is_hidden("#state-note")
    page.wait_for_function(f"() => ({STAGE})().channels[0] === 256")
    stage = _stage(page)
    fresh = _fresh(base_url, in_channels=256, kernel=3, reduce_to=64)
    assert stage["step"] == "4" and stage["channels"] == [256, 64, 32, 32]
    assert stage["counts"] == [fresh["direct"]["multiplications"]] + [
        ly["multiplications"] for ly in fresh["reduced"]["layers"]
    ]
    assert f"{fresh['reduced']['multiplications']:,}" in stage["text"]
    saving = round(fresh["ratios"]["multiplications"], 2)
    assert f"{saving:g}×" in stage["text"]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    _open_stage(page, base_url, "lang=zh&kernel=99&in-channels=abc&step=42&bogus=1")
    note = page.text_content("#state-note") or ""
    assert page.is_visible("#state-note") and "默认值" in note
    for part in ("(kernel) = “99”", "= “abc”", "step = “42”", "bogus = “1”"):
        assert part in note, part
    stage = _stage(page)
    assert stage["step"] == "0" and stage["channels"] == [192, 16, 32, 32]
    assert stage["counts"] == [120_422_400, 2_408_448, 10_035_200]
    assert page.errors == []  # type: ignore[attr-defined]


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/cnn/bottleneck?lang=en&present=1&step=2",
        ("#cost-table", "#plot-mults"),
        ("#plot-stage",),
    )
    assert page.errors == []  # type: ignore[attr-defined]
