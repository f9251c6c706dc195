"""§1.1 in real Chromium: the zoomed patch's row and column boxes keep to the image."""

from playwright.sync_api import Page, expect


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
