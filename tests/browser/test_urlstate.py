"""The state of every lesson in its URL (static/js/urlstate.js, issue #14), on pages that were not
converted to the stage: controls go into the link as they change and come back from it, the image
picker and selects whose options arrive later included; what a link cannot set is named, never an
error."""

from playwright.sync_api import Page

from tests.browser.test_pages import wait_for_plots


def _values(page: Page, *ids: str) -> list[str]:
    return page.evaluate("ids => ids.map((id) => document.getElementById(id).value)", list(ids))


def test_changed_controls_go_into_the_link_and_come_back(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/pooling?lang=en")
    wait_for_plots(page)
    page.select_option("#kind", "avg")
    page.select_option("#maps", "gray")
    page.wait_for_function("() => location.search.includes('kind=avg')")
    assert "maps=gray" in page.url and "stride=" not in page.url  # only what differs from the defaults
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#copy-link")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.url
    fresh = page.context.new_page()
    fresh.goto(copied)
    wait_for_plots(fresh)
    assert _values(fresh, "kind", "maps", "image-select") == ["avg", "gray", "scene"]
    assert fresh.is_hidden("#state-note")
    fresh.close()
    assert page.errors == []


def test_the_image_picker_takes_the_linked_image_and_names_a_lost_one(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/input?lang=en&image-select=checker")
    wait_for_plots(page)
    page.wait_for_function("() => document.getElementById('image-select').value === 'checker'")
    assert page.get_attribute("#image-thumb", "src") == "/api/images/checker"
    assert page.is_hidden("#state-note")
    page.goto(f"{base_url}/cnn/input?lang=en&image-select=no-such-image&zoom-row=banana")
    wait_for_plots(page)
    page.wait_for_function("() => !document.getElementById('state-note').hidden")
    note = page.text_content("#state-note") or ""
    assert "(image-select) = “no-such-image”" in note and "zoom-row" in note and "banana" in note
    page.wait_for_function("() => document.getElementById('image-select').value === 'checker'")  # remembered
    wait_for_plots(page)
    fallback = _values(page, "zoom-row", "zoom-col")
    page.goto(f"{base_url}/cnn/input?lang=en&image-select=checker")  # the default: its middle
    wait_for_plots(page)
    page.wait_for_function("() => document.getElementById('image-select').value === 'checker'")
    assert fallback == _values(page, "zoom-row", "zoom-col") != ["0", "0"]
    assert all("404" in e for e in page.errors), page.errors  # only the browser's log of the lost image


def test_a_select_filled_later_takes_the_linked_option(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/bptt?lang=en&num-layers=2&layer=1")
    page.wait_for_function("() => document.getElementById('layer').value === '1'")
    page.wait_for_load_state("networkidle")
    assert page.is_visible("#layer") and page.is_hidden("#state-note")
    assert "layer=1" in page.url and "num-layers=2" in page.url
    page.goto(f"{base_url}/rnn/bptt?lang=en&layer=7")  # one layer: no seventh
    page.wait_for_function("() => !document.getElementById('state-note').hidden")
    assert "(layer) = “7”" in (page.text_content("#state-note") or "")
    page.wait_for_function("() => !location.search.includes('layer=')")  # the link drops it
