"""§2.3 in Chromium: both gradient plots draw plain and residual, a new depth redraws them, the
training plots wait for a job, and nothing is logged as an error."""

import json
import re

import httpx
import torch
from playwright.sync_api import Page, Route, expect
from torch.testing import assert_close

from tests.browser.conftest import plot_points

URL = "/cnn/vanishing-gradients"


def trace_lengths(page: Page, selector: str) -> list[int]:
    return page.evaluate("sel => (document.querySelector(sel).data || []).map(tr => tr.y.length)", selector)


# every text an element shows, kept in window.recordedTexts (a fast job's lines pass in milliseconds)
RECORD_TEXTS = """sel => { const el = document.querySelector(sel); window.recordedTexts = [];
  new MutationObserver(() => window.recordedTexts.push(el.textContent))
    .observe(el, { childList: true, characterData: true, subtree: true }); }"""


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
    page.locator("#epochs").fill("3")  # long enough to be still running after the reload
    page.evaluate(RECORD_TEXTS, "#job-text")
    page.click("#start")
    # events can arrive in a burst on a busy machine: look for the line among every text shown
    seen = "() => window.recordedTexts.some((t) => t.startsWith('Run 1 of 4'))"
    page.wait_for_function(seen, timeout=30_000)
    page.reload()  # the tab remembers its job and follows it again
    expect(page.locator("#job-text")).to_contain_text("of 4", timeout=30_000)
    expect(page.locator("#start")).to_be_disabled()
    page.click("#cancel")
    expect(page.locator("#job-text")).to_have_text("Cancelled.", timeout=10_000)
    expect(page.locator("#start")).to_be_enabled()
    assert page.errors == []


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


# ---- the stage (issue #14): guided steps, the state in the URL, presentation mode ----

STAGE = """() => { const d = document.getElementById('plot-stage').data;
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
           text: document.getElementById('step-text').textContent,
           lit: d.slice(0, 2).map((tr) => tr.y.filter((v) => v !== null).length),
           plain: d[0].y, residual: d[1].y }; }"""


def _stage(page: Page) -> dict:
    """The highlighted step, its text, how many layers each stack shows lit, and their plotted norms."""
    return page.evaluate(STAGE)


def _open_stage(page: Page, base_url: str, query: str = "lang=en") -> None:
    page.goto(f"{base_url}{URL}?{query}")
    page.wait_for_function("() => document.getElementById('plot-stage').data?.length === 4")
    page.wait_for_load_state("networkidle")


def _fresh(base_url: str, **settings: object) -> tuple[dict, dict]:
    """The plain and the residual answer of the API for the page's default controls changed by `settings`."""
    body = {
        "depth": 20,
        "activation": "sigmoid",
        "init": "default",
        "batch_norm": False,
        "batch": 32,
        "seed": 0,
    }
    return tuple(  # type: ignore[return-value]
        httpx.post(f"{base_url}/api/cnn/gradient-norms", json={**body, **settings, "residual": r}).json()
        for r in (False, True)
    )


def _sci(v: float) -> str:
    """N.sci: three significant digits, 1.01 × 10⁻¹⁷ outside 0.001–10,000."""
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{float(f'{v:.3g}'):g}"
    mantissa, exponent = f"{v:.2e}".split("e")
    return (
        f"{float(mantissa):g} × 10{str(int(exponent)).translate(str.maketrans('-0123456789', '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'))}"
    )


def test_the_keyboard_walks_the_gradient_down_the_stacks(page: Page, base_url: str):
    _open_stage(page, base_url)
    plain, residual = _fresh(base_url)
    first = _stage(page)
    assert first["step"] == "0" and first["lit"] == [20, 20]
    assert_close(torch.tensor(first["plain"]), torch.tensor(plain["weight_norms"]))
    assert (
        _sci(plain["weight_norms"][0]) in first["text"] and _sci(residual["weight_norms"][0]) in first["text"]
    )
    page.keyboard.press("ArrowRight")  # step 2: only the layer next to the loss
    page.wait_for_function("() => location.search.includes('step=2')")
    assert _stage(page)["lit"] == [1, 1]
    page.keyboard.press("ArrowRight")  # step 3 walks down the plain stack, a layer a frame
    page.wait_for_function(f"() => ({STAGE})().lit[0] === 20", timeout=15_000)
    third = _stage(page)
    assert third["step"] == "2" and third["lit"] == [20, 1]
    assert _sci(plain["weight_norms"][0]) in third["text"]  # it ends on layer 1
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"() => ({STAGE})().lit[0] === 1")
    page.focus("#batch")
    page.keyboard.press("ArrowRight")  # inside a number box the arrows are the box's
    assert _stage(page)["step"] == "1"
    assert page.errors == []


def test_a_link_restores_the_stacks_and_the_step(page: Page, base_url: str):
    _open_stage(page, base_url, "lang=en&depth=8&activation=tanh&init=xavier&seed=3&step=6")
    values = page.evaluate(
        "() => ['depth', 'activation', 'init', 'seed'].map((id) => document.getElementById(id).value)"
    )
    assert values == ["8", "tanh", "xavier", "3"]
    assert page.text_content("#depth-out") == "8"
    assert page.is_hidden("#state-note")
    stage = _stage(page)
    assert stage["step"] == "5" and stage["lit"] == [8, 8]
    plain, residual = _fresh(base_url, depth=8, activation="tanh", init="xavier", seed=3)
    assert_close(torch.tensor(stage["plain"]), torch.tensor(plain["weight_norms"]))
    assert_close(torch.tensor(stage["residual"]), torch.tensor(residual["weight_norms"]))
    assert _sci(plain["first_over_last"]) in stage["text"]
    page.select_option("#activation", "sigmoid")  # a change goes back into the link
    page.wait_for_function("() => !location.search.includes('activation=')")
    assert "depth=8" in page.url and "step=6" in page.url
    assert page.errors == []


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    _open_stage(page, base_url, "lang=zh&depth=999&activation=swish&init=zeros&batch=0&step=42&bogus=1")
    note = page.text_content("#state-note") or ""
    assert page.is_visible("#state-note") and "默认值" in note
    for part in (
        "(depth) = “999”",
        "(activation) = “swish”",
        "(init) = “zeros”",
        "(batch) = “0”",
        "step = “42”",
    ):
        assert part in note, part
    assert "bogus = “1”" in note
    stage = _stage(page)
    assert stage["step"] == "0" and stage["lit"] == [20, 20]
    plain, _ = _fresh(base_url)
    assert_close(torch.tensor(stage["plain"]), torch.tensor(plain["weight_norms"]))
    assert page.errors == []


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    _open_stage(page, base_url, "lang=en&present=1&step=2")
    for prose in (".explain", ".lead", "#plot-weights", "#train-form", ".panels", ".topbar", "#steps"):
        assert page.is_hidden(prose), prose
    for shown in ("#plot-stage", "#step-text", "#step-play", "#step-next"):
        assert page.is_visible(shown), shown
    size = page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('step-text')).fontSize)")
    assert size >= 22
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('step=3')")
    page.keyboard.press("Escape")
    assert page.is_visible(".explain")
    page.wait_for_function("() => !location.search.includes('present')")
    assert page.errors == []
