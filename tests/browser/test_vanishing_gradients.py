"""§2.3 in Chromium: both gradient plots draw plain and residual, a new depth redraws them, the
training plots wait for a job, and nothing is logged as an error."""

import json
import re

import httpx
from playwright.sync_api import Page, Route, expect

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


# every text an element shows, kept in window.recordedTexts (a fast job's lines pass in milliseconds)
RECORD_TEXTS = """sel => { const el = document.querySelector(sel); window.recordedTexts = [];
  new MutationObserver(() => window.recordedTexts.push(el.textContent))
    .observe(el, { childList: true, characterData: true, subtree: true }); }"""


def _smaller_job(route: Route) -> None:
    """The page's depth job, shrunk to seconds: stacks of 3 and 8 layers on 1,024 digits."""
    if route.request.method != "POST":
        route.fallback()
        return
    body = route.request.post_data_json
    body["params"] |= {"shallow": 3, "deep": 8, "train_size": 1024}
    route.continue_(post_data=json.dumps(body))


def test_the_verdict_quotes_the_runs_figures_in_chinese(page: Page, base_url: str):
    page.route("**/api/jobs", _smaller_job)
    page.goto(f"{base_url}{URL}?lang=zh")
    page.wait_for_function("() => document.getElementById('plot-weights').data?.length === 2")
    page.locator("#epochs").fill("2")
    page.evaluate(RECORD_TEXTS, "#job-text")
    page.click("#start")
    expect(page.locator("#verdict")).not_to_be_empty(timeout=120_000)
    progress = page.evaluate("() => window.recordedTexts")
    assert any("（普通 3 层）" in text for text in progress)  # the run's name in Chinese, not "plain-3"
    assert not any("plain" in text for text in progress)
    job_id = page.evaluate("() => localStorage.getItem('naturally.depth.job')")
    runs = httpx.get(f"{base_url}/api/jobs/{job_id}").json()["result"]["runs"]
    verdict = page.text_content("#verdict") or ""
    assert "训练 2 轮后" in verdict
    for r in runs:  # every final training error, as the table prints it (N.fmt, 2 decimals)
        name = ("残差" if r["residual"] else "普通") + f" {r['depth']} 层"
        error = f"{100 * r['train_error']:.2f}".rstrip("0").rstrip(".")
        assert f"{name} {error} %" in verdict
    err = {(r["residual"], r["depth"]): r["train_error"] for r in runs}
    if min(err.values()) < 0.25:  # the plain comparison is stated the way the figures go
        assert ("更深的普通网络最终训练误差比较浅的高" in verdict) == (err[(False, 8)] > err[(False, 3)])
    assert not re.search(r"[A-Za-z]{4,}", verdict)  # no English sentence
    assert page.errors == []
