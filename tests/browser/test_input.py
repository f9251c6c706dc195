"""§1.1 in real Chromium: the zoomed patch's row and column boxes keep to the image; the stage takes the
patch apart into R, G, B and grayscale, step by step; a link restores the patch."""

import re

import httpx
import pytest
import torch
from playwright.sync_api import Page, expect

from app.tensors import decode_tensor
from tests.browser.stage import presentation_shows_only_the_stage

# the stage's matrices by title: {title: rows}, and the current step and its text
STAGE = """() => { const d = document.getElementById('plot-stage');
  const titles = d.layout.annotations.map((a) => a.text);
  const mats = {};
  d.data.filter((tr) => tr.type === 'heatmap').forEach((tr) => {
    const k = tr.xaxis === 'x' ? '' : tr.xaxis.slice(1);
    mats[titles[(Number(k) || 1) - 1]] = tr.z; });
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
    text: document.getElementById('step-text').textContent, mats }; }"""


def _channels(base_url: str, image: str = "scene") -> tuple[torch.Tensor, torch.Tensor]:
    res = httpx.post(f"{base_url}/api/cnn/channels", json={"image_id": image, "encoding": "list"}).json()
    return decode_tensor(res["channels"]), decode_tensor(res["gray"])  # (3, H, W), (1, H, W)


def _ready(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => document.getElementById('plot-stage').data")
    page.wait_for_load_state("networkidle")


def test_zoom_boxes_show_the_patch_drawn(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/input?lang=en")
    page.wait_for_function("() => (document.getElementById('zoom-caption').textContent || '').length > 0")
    height = int(page.get_attribute("#zoom-row", "max") or 0) + 1
    for box, typed, shown in (("#zoom-row", "-5", "0"), ("#zoom-row", "99999", str(height - 8))):
        page.fill(box, typed)
        page.dispatch_event(box, "change")
        expect(page.locator(box)).to_have_value(shown)  # not the value typed outside the image
    expect(page.locator("#zoom-caption")).to_contain_text(f"row {height - 8}, column")
    assert page.errors == []


def test_captions_describe_the_chosen_image(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/input?lang=en")
    for image in ("scene", "digit"):
        page.select_option("#image-select", image)
        res = httpx.post(f"{base_url}/api/cnn/channels", json={"image_id": image, "encoding": "list"}).json()
        x = decode_tensor(res["channels"])  # (3, H, W)
        caption = page.locator("#caption-g")
        if torch.equal(x[0], x[1]) and torch.equal(x[1], x[2]):
            expect(caption).to_contain_text("R = G = B at every pixel")
        else:
            strongest = ((x[1] > x[0]) & (x[1] > x[2])).float().mean().item()
            mean = x[1].mean().item()
            expect(caption).to_contain_text(
                f"mean {mean:.0f} of 255; the strongest of the three in {100 * strongest:.1f}".rstrip(
                    "0"
                ).rstrip(".")
            )
        assert "grass" not in (caption.text_content() or "")
    assert len(page.evaluate(STAGE)["mats"]["Channel B"]) == 8  # the stage's R, G and B patches
    assert page.errors == []


def test_the_keyboard_walks_the_steps_and_the_visual_follows(page: Page, base_url: str):
    _ready(page, f"{base_url}/cnn/input?lang=en")
    first = page.evaluate(STAGE)
    assert first["step"] == "0" and "240×320" in first["text"]
    x, gray = _channels(base_url)
    row, col = int(page.input_value("#zoom-row")), int(page.input_value("#zoom-col"))
    assert (row, col) == (116, 156)  # a new picture opens zoomed into its middle
    patch = x[:, row : row + 8, col : col + 8]
    for c, name in enumerate("RGB"):
        assert torch.tensor(first["mats"][f"Channel {name}"]).equal(patch[c])
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # each pixel is three numbers: the walk along the pixel's row
    page.wait_for_function("() => location.search.includes('step=3')")
    page.wait_for_function("() => document.getElementById('step-text').textContent.includes('column 163')")
    r, g, b = (int(v) for v in patch[:, 4, 7])
    assert f"red {r}, green {g} and blue {b}" in page.text_content("#step-text")
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # grayscale: the weighted sum, as the server computed it
    page.wait_for_function("() => document.getElementById('step-text').textContent.includes('weighted')")
    shown_gray = float(re.search(r"= (\d+(?:\.\d+)?)\.", page.text_content("#step-text") or "")[1])
    assert shown_gray == pytest.approx(gray[0, row + 4, col + 7].item(), abs=0.07)  # a 16-bit answer
    shown = page.evaluate(STAGE)["mats"]["Grayscale"]
    torch.testing.assert_close(torch.tensor(shown), gray[0, row : row + 8, col : col + 8], atol=0.07, rtol=0)
    assert page.errors == []


def test_a_link_restores_the_patch_and_nonsense_gets_the_note(page: Page, base_url: str):
    _ready(
        page, f"{base_url}/cnn/input?lang=en&image-select=digit&zoom-row=10&zoom-col=12&zoom-size=4&step=4"
    )
    page.wait_for_function("() => document.getElementById('image-size').textContent.includes('28')")
    x, _ = _channels(base_url, "digit")
    stage = page.evaluate(STAGE)
    assert stage["step"] == "3" and page.is_hidden("#state-note")
    assert torch.tensor(stage["mats"]["Channel G"]).equal(x[1, 10:14, 12:16])
    _ready(page, f"{base_url}/cnn/input?lang=zh&zoom-size=5&step=9&bogus=1")
    note = page.locator("#state-note")
    for part in ("(zoom-size) = “5”", "step = “9”", "bogus = “1”", "默认值"):
        expect(note).to_contain_text(part)
    assert page.input_value("#zoom-size") == "8" and page.evaluate(STAGE)["step"] == "0"
    assert page.errors == []


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/cnn/input?lang=en&present=1&step=2",
        prose=("#plot-r", "#zoom-caption"),
        shown=("#plot-stage",),
    )
    assert page.errors == []
