"""§2.3 in Chromium: both gradient plots draw plain and residual, a new depth redraws them, the
training plots wait for a job, and nothing is logged as an error."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import plot_points

URL = "/cnn/vanishing-gradients"


def trace_lengths(page: Page, selector: str) -> list[int]:
    return page.evaluate("sel => (document.querySelector(sel).data || []).map(tr => tr.y.length)", selector)


def test_depth_redraws_the_gradient_plots(page: Page, base_url: str):
    page.goto(f"{base_url}{URL}?lang=en")
    page.wait_for_function("() => document.getElementById('plot-weights').data?.length === 2")
    assert trace_lengths(page, "#plot-weights") == [20, 20]
    assert plot_points(page, "#plot-outputs") == 40
    expect(page.locator("#ratio")).to_contain_text("Depth 20")
    page.locator("#depth").fill("56")
    page.wait_for_function("() => document.getElementById('plot-weights').data[0].y.length === 56")
    assert trace_lengths(page, "#plot-outputs") == [56, 56]
    expect(page.locator("#depth-out")).to_have_text("56")
    expect(page.locator("#torch-code")).to_contain_text("range(56)")
    plain_first = page.evaluate("document.getElementById('plot-weights').data[0].y[0]")
    residual_first = page.evaluate("document.getElementById('plot-weights').data[1].y[0]")
    assert plain_first * 1000 < residual_first, "sigmoid: the plain stack's first layer vanishes"
    assert page.locator("#plot-train[data-waits='job']").count() == 1
    assert page.errors == []


def test_bad_batch_shows_the_fields_message(page: Page, base_url: str):
    page.goto(f"{base_url}{URL}?lang=zh")
    page.wait_for_function("() => document.getElementById('plot-weights').data?.length === 2")
    page.locator("#batch_norm").check()
    page.locator("#batch").fill("1")
    expect(page.locator("#status")).to_contain_text("batch")
    page.locator("#batch").fill("16")
    expect(page.locator("#status")).to_have_text("")
    assert page.errors == [] or all("422" in e for e in page.errors)


def test_a_running_job_is_followed_again_after_a_reload_and_cancelled(page: Page, base_url: str):
    page.goto(f"{base_url}{URL}?lang=en")
    page.wait_for_function("() => document.getElementById('plot-weights').data?.length === 2")
    page.locator("#epochs").fill("1")
    page.click("#start")
    expect(page.locator("#job-text")).to_contain_text("Run 1 of 4", timeout=30_000)
    page.reload()  # the tab remembers its job and follows it again
    expect(page.locator("#job-text")).to_contain_text("of 4", timeout=30_000)
    expect(page.locator("#start")).to_be_disabled()
    page.click("#cancel")
    expect(page.locator("#job-text")).to_have_text("Cancelled.", timeout=10_000)
    expect(page.locator("#start")).to_be_enabled()
    assert page.errors == []
