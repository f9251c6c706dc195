"""§4.3 in real Chromium: the batch layout follows the sliders, and a tiny job runs to its end."""

from playwright.sync_api import Page

from tests.browser.conftest import log_tick_mismatches, plot_points


def _open(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/rnn/batching?lang=en")
    page.wait_for_function("() => document.getElementById('batch-out').textContent === '1 of 16'")
    page.wait_for_load_state("networkidle")


def _set(page: Page, selector: str, value: str) -> None:
    page.fill(selector, value)
    page.dispatch_event(selector, "input")


def test_the_layout_follows_the_batch_size(page: Page, base_url: str):
    _open(page, base_url)
    assert "(20, 16, 1)" in page.text_content("#layout-shape")
    assert plot_points(page, "#plot-layout") == 20 * 16
    assert page.evaluate("() => document.getElementById('plot-updates').data[0].y") == [256, 16]
    _set(page, "#batch-size", "100")
    page.wait_for_function("() => document.getElementById('batch-out').textContent === '1 of 3'")
    assert "the last holding 56" in page.text_content("#layout-shape")
    assert page.evaluate("() => document.getElementById('plot-updates').data[0].y") == [256, 3]
    _set(page, "#batch", "2")
    page.wait_for_function("() => document.getElementById('batch-out').textContent === '3 of 3'")
    assert plot_points(page, "#plot-layout") == 20 * 56
    headers = page.eval_on_selector_all("#layout-table thead th", "els => els.length")
    assert headers == 1 + 8 + 1  # step, 8 columns shown, "… more"
    assert page.errors == []


def test_a_tiny_job_runs_to_the_end(page: Page, base_url: str):
    _open(page, base_url)
    page.fill("#samples", "32")
    _set(page, "#seq-len", "8")
    _set(page, "#batch-size", "8")
    page.fill("#epochs", "2")
    page.click("#start")
    page.wait_for_function(
        "() => document.getElementById('job-text').textContent.startsWith('Done')", timeout=60_000
    )
    rows = page.eval_on_selector_all("#result-table tbody tr", "els => els.map(r => r.cells[2].textContent)")
    assert rows == ["32", "4"]  # updates per epoch: N one at a time, ceil(N / B) by batches
    assert plot_points(page, "#plot-loss-updates") > 4 and plot_points(page, "#plot-loss-time") > 4
    assert plot_points(page, "#plot-epoch-seconds") == 4
    # the time axis is logarithmic: the mini-batch curve, over in a fraction of the one-sample run's
    # time, spans decades of its own instead of the first sliver of a linear axis
    assert page.evaluate("() => document.getElementById('plot-loss-time')._fullLayout.xaxis.type") == "log"
    assert log_tick_mismatches(page) == []
    assert page.evaluate("() => document.getElementById('job-bar').value") == 2 * 32 + 2 * 4
    assert not page.is_disabled("#start") and page.errors == []


def test_a_second_tab_follows_the_job_and_can_cancel_it(page: Page, base_url: str):
    _open(page, base_url)
    other = page.context.new_page()  # same browser, so the same job key in localStorage
    _open(other, base_url)
    page.fill("#samples", "1024")
    page.fill("#epochs", "2")  # 2,048 one-sample updates: several seconds
    page.click("#start")
    other.wait_for_function("() => !document.getElementById('cancel').disabled")  # it follows too
    other.wait_for_function("() => document.getElementById('job-bar').value > 0")
    assert other.input_value("#samples") == "1024" and other.input_value("#epochs") == "2"  # the job's
    other.click("#cancel")
    for tab in (page, other):
        tab.wait_for_function("() => document.getElementById('job-text').textContent === 'Cancelled.'")
        assert not tab.is_disabled("#start")
    assert page.errors == []
