"""§2.1 in real Chromium: the diagram, the branch maps and the concatenation; widths and padding
redraw."""

from collections.abc import Callable

import httpx
import torch
from playwright.sync_api import Page, expect
from torch.testing import assert_close

from app.tensors import decode_tensor
from tests.browser.answers import answer_late
from tests.browser.conftest import plot_points
from tests.browser.stage import open_stage, presentation_shows_only_the_stage

COURSE = {
    "width_1x1": 16,
    "reduce_5x5": 16,
    "width_5x5": 24,
    "reduce_3x3": 16,
    "width_3x3": 24,
    "width_pool": 24,
}
PLOTS = ["#plot-input", *(f"#plot-branch-{k}" for k in range(4)), "#plot-concat", "#plot-channels"]


def _open(page: Page, base_url: str, lang: str = "en") -> None:
    page.goto(f"{base_url}/cnn/inception?lang={lang}")
    page.wait_for_function("() => document.querySelector('#plot-channels')?.data?.length > 0")


def test_the_block_draws_every_part(page: Page, base_url: str):
    _open(page, base_url)
    for sel in PLOTS:
        assert plot_points(page, sel) > 0, sel
    assert plot_points(page, "#plot-channels") == 88  # one bar per channel of the concatenation
    expect(page.locator("#diagram .inc-col")).to_have_count(4)
    expect(page.locator("#diagram .inc-cat")).to_contain_text("16 + 24 + 24 + 24 = 88")
    assert "torch.manual_seed(0)" in page.text_content("#torch-code")
    assert "torch.Size([1, 88," in page.text_content("#torch-code")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_branch_width_redraws(page: Page, base_url: str):
    _open(page, base_url)
    page.fill("#w-width_5x5", "8")
    page.wait_for_function("() => document.querySelector('#plot-channels').data[0].y.length === 72")
    expect(page.locator("#diagram .inc-cat")).to_contain_text("16 + 8 + 24 + 24 = 72")
    assert "nn.Conv2d(16, 8, kernel_size=5, padding=2)" in page.text_content("#torch-code")
    page.click("#reset-widths")
    page.wait_for_function("() => document.querySelector('#plot-channels').data[0].y.length === 88")
    assert page.errors == []  # type: ignore[attr-defined]


def test_without_padding_torch_cat_fails(page: Page, base_url: str):
    _open(page, base_url, "zh")
    page.uncheck("#padding")
    expect(page.locator("#cat-error")).to_be_visible()
    expect(page.locator("#cat-error")).to_contain_text("Sizes of tensors must match")
    expect(page.locator("#diagram .inc-shape.bad")).to_have_count(3)
    expect(page.locator("#concat-plots")).to_be_hidden()
    assert "RuntimeError" in page.text_content("#torch-code")
    page.check("#padding")
    expect(page.locator("#cat-error")).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_held_out_digit_goes_through(page: Page, base_url: str):
    _open(page, base_url)
    page.select_option("#source", "digit")
    expect(page.locator("#diagram .inc-in")).to_contain_text("(1, 28, 28)")
    assert "held-out/0" in page.text_content("#torch-code")
    assert plot_points(page, "#plot-input") == 28 * 28
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_trained_choice_reads_a_digit_or_says_why_not(page: Page, base_url: str):
    from engine.models.digits import weights_path

    _open(page, base_url)
    page.select_option("#weights", "trained")
    expect(page.locator("#source")).to_have_value("digit")  # the trained model reads digits
    if weights_path("inception").exists():
        expect(page.locator("#weights-note")).to_contain_text("trained")
        expect(page.locator("#diagram .inc-in")).to_contain_text("(10, 12, 12)")
        assert page.errors == []  # type: ignore[attr-defined]
    else:  # no shipped weights yet: the status line names the field, the page goes back to the seed
        expect(page.locator("#status")).to_contain_text("weights")
        expect(page.locator("#weights")).to_have_value("seed")


# ---- §2.1's stage (issue #14): the four branches filling the concatenated block ----

STAGE = """() => { const d = document.getElementById('plot-stage').data;
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
           text: document.getElementById('step-text').textContent,
           block: d[2].z, filled: d[2].z.flat().filter((v) => v !== null).length }; }"""


def _stage(page: Page) -> dict:
    """The highlighted step, its text, the block's mosaic as drawn and how many of its cells are in."""
    return page.evaluate(STAGE)


def _fresh(base_url: str, index: int, seed: int = 0, **widths: int) -> dict:
    """A fresh answer for held-out digit `index` through the seeded block."""
    pixels = httpx.get(f"{base_url}/api/digits/held-out/{index}").json()["pixels"]["data"]
    body = {"input": pixels, "weights": "seed", "seed": seed, "padding": True, "max_side": 48}
    if widths:
        body["widths"] = {**COURSE, **widths}
    return httpx.post(f"{base_url}/api/cnn/inception", json=body).json()


def _tiles(block: list[list[float | None]], channels: int, h: int, w: int) -> torch.Tensor:
    """The drawn block's maps back as (channels, h, w), from its mosaic (one empty cell between maps)."""
    cols = (len(block[0]) + 1) // (w + 1)
    maps = [
        [row[(c % cols) * (w + 1) : (c % cols) * (w + 1) + w] for row in block[(c // cols) * (h + 1) :][:h]]
        for c in range(channels)
    ]
    return torch.tensor(maps, dtype=torch.float32)


def test_the_keyboard_fills_the_block_branch_by_branch(page: Page, base_url: str):
    open_stage(page, f"{base_url}/cnn/inception?lang=en")
    first = _stage(page)
    assert first["step"] == "0" and first["filled"] == 0 and "(3, 36, 48)" in first["text"]
    page.keyboard.press("ArrowRight")  # branch 1: its 16 maps of 36×48 enter, a few a frame
    page.wait_for_function(f"() => ({STAGE})().filled === 16 * 36 * 48", timeout=15_000)
    assert "0–15" in _stage(page)["text"]
    page.keyboard.press("ArrowRight")  # branch 2: channels 16–39
    page.wait_for_function(f"() => ({STAGE})().filled === 40 * 36 * 48", timeout=15_000)
    assert "16–39" in _stage(page)["text"]
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('step=2')")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_restores_the_block_and_its_numbers(page: Page, base_url: str):
    open_stage(
        page, f"{base_url}/cnn/inception?lang=en&source=digit&digit-index=7&seed=3&w-width_5x5=8&step=7"
    )
    assert page.is_hidden("#state-note")
    assert page.input_value("#seed") == "3" and page.input_value("#w-width_5x5") == "8"
    page.keyboard.press("ArrowLeft")  # step 6: every channel in
    page.wait_for_function("() => location.search.includes('step=6')")
    fresh = _fresh(base_url, 7, seed=3, width_5x5=8)
    out = decode_tensor(fresh["output"])
    assert out.shape == (72, 28, 28)  # 16 + 8 + 24 + 24: branch 2 made 8 maps wide
    stage = _stage(page)
    assert_close(_tiles(stage["block"], 72, 28, 28), out, rtol=1e-4, atol=1e-4)
    assert "(72, 28, 28)" in stage["text"]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    open_stage(
        page, f"{base_url}/cnn/inception?lang=zh&seed=-4&w-width_pool=999&max-side=50&step=42&colour=red"
    )
    note = page.text_content("#state-note") or ""
    assert page.is_visible("#state-note") and "默认值" in note
    for name in ("-4", "999", "50", "42", "colour"):
        assert name in note, name
    assert page.input_value("#seed") == "0" and page.input_value("#w-width_pool") == "24"
    assert _stage(page)["step"] == "0"
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_inception_stage_in_presentation_mode(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/cnn/inception?lang=en&present=1&step=2",
        prose=("#diagram", "#plot-concat", "#seed"),
        shown=("#plot-stage",),
    )
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_late_answer_for_an_older_seed_is_dropped(page: Page, base_url: str):
    open_stage(page, f"{base_url}/cnn/inception?lang=en&source=digit&step=6")

    def seed(value: str) -> Callable[[], None]:
        return lambda: page.fill("#seed", value)

    early, late = answer_late(
        page,
        "**/api/cnn/inception",
        first=seed("1"),
        second=seed("2"),
        shown=lambda: _stage(page)["block"],
    )
    assert early == late
    out = decode_tensor(_fresh(base_url, 0, seed=2)["output"])
    assert_close(_tiles(late, 88, 28, 28), out, rtol=1e-4, atol=1e-4)
    assert page.errors == []  # type: ignore[attr-defined]
