"""§1.1 in real Chromium: the zoomed patch's row and column boxes keep to the image."""

import httpx
import torch
from playwright.sync_api import Page, expect

from app.tensors import decode_tensor


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
    assert page.locator("#plot-zoom-b").evaluate("el => el.data[0].z.length") == 8  # R, G and B patches
    assert page.errors == []
