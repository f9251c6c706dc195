"""§4.3 in real Chromium: the batch layout follows the sliders, and a tiny job runs to its end; the stage
(issue #14): the batch being built and read row by row, its guided steps, the URL, presentation mode."""

import httpx
import torch
from playwright.sync_api import Page, expect
from torch.testing import assert_close

from tests.browser.conftest import log_tick_mismatches, plot_points
from tests.browser.stage import control_values, presentation_shows_only_the_stage, stage_ready


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


# ---- the stage (issue #14): guided steps, the state in the URL, presentation mode ----

STAGE = """() => {
  const plot = document.getElementById('plot-stage');
  const heat = plot.data.find((tr) => tr.type === 'heatmap');
  return {
    step: document.querySelector('#steps [aria-current=step]').dataset.step,
    text: document.getElementById('step-text').textContent,
    filled: heat.z[0].filter((v) => v !== null).length,
    z: heat.z,
    waves: plot.data.filter((tr) => tr.type === 'scatter' && tr.mode === 'lines').length,
    outlines: plot.layout.shapes.filter((s) => s.type === 'rect').map((s) => [s.x0, s.x1, s.y0, s.y1]),
  };
}"""


def _stage(page: Page) -> dict:
    """The highlighted step, its text, the stage's batch tensor (filled columns, values), its waves and
    the outlined rectangles."""
    return page.evaluate(STAGE)


def _layout(base_url: str, **changes: object) -> dict:
    """A fresh batch layout with the page's default controls, changed by `changes`."""
    body = {"samples": 256, "seq_len": 20, "batch_size": 16, "seed": 0, "batch": 0, "encoding": "list"}
    return httpx.post(f"{base_url}/api/rnn/batching/layout", json={**body, **changes}).json()


def _tensor_matches(page: Page, fresh: dict) -> None:
    """The stage's batch tensor (its filled columns) equals x[t, b, 0] of a fresh layout answer."""
    z = _stage(page)["z"]
    x = torch.tensor(fresh["x"]["data"], dtype=torch.float64)[:, :, 0]  # (T, b)
    filled = sum(v is not None for v in z[0])
    drawn = torch.tensor([row[:filled] for row in z], dtype=torch.float64)
    assert_close(drawn, x[:, :filled], atol=1e-6, rtol=0)


def test_the_keyboard_walks_the_steps_and_the_visual_follows(page: Page, base_url: str):
    stage_ready(page, f"{base_url}/rnn/batching?lang=en")
    fresh = _layout(base_url)
    first = _stage(page)
    assert first["step"] == "0" and first["filled"] == 1 and first["waves"] == 1  # one sequence, one column
    assert first["outlines"] == [[-0.5, 0.5, 0.5, 20.5]]
    assert f"{fresh['y'][0]:.3f}".rstrip("0").rstrip(".") in first["text"]  # the target it must predict
    _tensor_matches(page, fresh)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # step 3: the columns fill in, one frame at a time
    page.wait_for_function("() => location.search.includes('step=3')")
    page.wait_for_function(f"() => ({STAGE})().filled === 16", timeout=15_000)
    stacked = _stage(page)
    assert stacked["waves"] == 8 and "16 of B = 16" in stacked["text"]
    _tensor_matches(page, fresh)
    page.keyboard.press("ArrowRight")  # step 4: row t of every sample, walked down to t = 20
    page.wait_for_function(f"() => ({STAGE})().outlines[0]?.[2] === 19.5", timeout=20_000)
    assert "At t = 20" in _stage(page)["text"]
    page.keyboard.press("ArrowRight")  # step 5: ⌈256 / 16⌉ = 16 updates
    page.wait_for_function("() => location.search.includes('step=5')")
    assert "= 16 updates per epoch instead of 256" in _stage(page)["text"]
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('step=4')")
    page.focus("#samples")
    page.keyboard.press("ArrowRight")  # inside a text field the arrows move the caret, not the steps
    assert _stage(page)["step"] == "3"
    assert page.errors == []


def test_a_link_restores_the_settings_and_the_batch(page: Page, base_url: str):
    query = "samples=128&seq-len=10&batch-size=32&seed=3&batch=2&step=5"
    stage_ready(page, f"{base_url}/rnn/batching?lang=en&{query}")
    page.wait_for_function("() => document.getElementById('batch-out').textContent === '3 of 4'")
    values = control_values(page, "samples", "seq-len", "batch-size", "seed", "batch")
    assert values == ["128", "10", "32", "3", "2"]
    assert page.text_content("#batch-size-out") == "32" and page.is_hidden("#state-note")
    stage = _stage(page)
    assert stage["step"] == "4" and "This is batch 3" in stage["text"]
    _tensor_matches(page, _layout(base_url, samples=128, seq_len=10, batch_size=32, seed=3, batch=2))
    page.fill("#seed", "0")  # a change goes back into the link
    page.dispatch_event("#seed", "input")
    page.wait_for_function("() => !location.search.includes('seed=')")
    assert "batch-size=32" in page.url and "step=5" in page.url
    assert page.errors == []


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    stage_ready(page, f"{base_url}/rnn/batching?lang=zh&batch-size=999&seq-len=abc&batch=77&step=0&bogus=1")
    note = page.locator("#state-note")
    expect(note).to_be_visible()
    for part in ("(batch-size) = “999”", "seq-len", "batch", "step = “0”", "bogus = “1”", "默认值"):
        expect(note).to_contain_text(part)
    values = control_values(page, "batch-size", "batch")
    assert values == ["16", "0"] and _stage(page)["step"] == "0"
    _tensor_matches(page, _layout(base_url))
    assert page.errors == []


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/rnn/batching?lang=en&present=1&step=2",
        prose=("#plot-layout", "#train-form"),
        shown=("#plot-stage",),
    )
    assert page.errors == []
