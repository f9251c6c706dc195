"""§1.5 and §3 in Chromium: draw a digit and see it read; train a tiny job to the end."""

import base64
import contextlib
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import torch
from PIL import Image
from playwright.sync_api import Page, expect
from torch.testing import assert_close

from engine.models.digits import training_record
from tests.browser.conftest import log_tick_mismatches, plot_points, run_panel_code
from tests.browser.stage import open_stage, presentation_shows_only_the_stage
from tests.browser.test_home import draw_stroke, ready
from tests.images import png_bytes


def test_drawing_a_digit_shows_a_prediction(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/fully-connected?lang=en")
    expect(page.locator("#answer")).to_contain_text("held-out digit")  # the first sample is read
    page.click("#clear")
    draw_stroke(page, [(140, 40), (145, 140), (150, 240)])  # pad pixels (280×280), wherever the pad is
    expect(page.locator("#answer")).to_contain_text("your drawing")
    expect(page.locator("#answer")).to_contain_text("It reads 1")
    assert plot_points(page, "#plot-probs") == 10
    assert page.errors == []


def test_the_fully_connected_lesson_starts_on_the_basic_net(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/fully-connected?lang=en")
    expect(page.locator("#answer")).to_contain_text("held-out digit", timeout=30_000)
    assert page.input_value("#model") == "basic"  # the net §1.1–§1.5 build, not the residual one of §2.3
    expect(page.locator("#torch-code")).to_contain_text('load_pretrained("basic")')
    page.select_option("#model", "residual")  # one choice away, the same digit read again
    expect(page.locator("#torch-code")).to_contain_text('load_pretrained("residual")', timeout=30_000)
    assert page.errors == []


def test_a_blank_picture_gets_a_message_not_a_guess(page: Page, base_url: str, tmp_path: Path):
    blank = tmp_path / "blank.png"
    blank.write_bytes(png_bytes(Image.new("L", (200, 200), 255)))
    page.goto(f"{base_url}/cnn/fully-connected?lang=en")
    expect(page.locator("#answer")).to_contain_text("held-out digit")
    page.set_input_files("#digit-file", str(blank))
    expect(page.locator("#status")).to_contain_text("blank")
    expect(page.locator("#answer")).to_have_text("")


def test_a_tiny_training_job_runs_to_the_end(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/practice?lang=en")
    page.wait_for_function("() => document.getElementById('plot-confusion').data")
    page.fill("#epochs", "1")
    page.fill("#train_size", "300")
    page.select_option("#batch_size", "32")
    panel = page.text_content("#torch-code") or ""
    assert "random_shift(x[idx], 1)" in panel  # augmentation is ticked by default, and the code says so
    with contextlib.redirect_stdout(io.StringIO()):
        scope = run_panel_code(panel)  # the panel's code trains the same net for the same epoch
    assert scope["epoch"] == 0 and 0.3 < float(scope["acc"]) <= 1
    page.click("#start")
    expect(page.locator("#cancel")).to_be_enabled()
    expect(page.locator("#job-text")).to_contain_text("Done", timeout=60_000)
    assert page.evaluate("document.getElementById('job-bar').value") == page.evaluate(
        "document.getElementById('job-bar').max"
    )
    assert plot_points(page, "#plot-loss") > 0
    page.wait_for_function(f"() => ({PRACTICE_STAGE})().loss.length === 1")  # the stage follows the run
    title = page.evaluate("() => document.getElementById('plot-stage').layout.annotations[0].text")
    assert "your run" in title
    expect(page.locator("#compare tbody tr")).to_have_count(4)  # 3 shipped models + this run
    expect(page.locator("#job-weights")).to_be_visible()
    with page.expect_download() as download:
        page.click("#job-weights")
    assert download.value.suggested_filename.startswith("naturally-digits-")
    state = torch.load(download.value.path(), weights_only=True)
    assert sum(t.numel() for t in state.values()) == 41_514  # the residual model (the default)
    assert page.errors == []


def test_each_net_fills_in_its_own_recipe(page: Page, base_url: str):
    """Choosing a net fills in the settings its shipped weights were trained with (its JSON record)."""
    page.goto(f"{base_url}/cnn/practice?lang=zh")
    page.wait_for_function("() => document.getElementById('plot-confusion').data")
    for name in ("residual", "inception", "basic"):
        page.select_option("#model", name)
        h = training_record(name)["hyperparameters"]
        assert page.input_value("#lr") == str(h["lr"]) and page.input_value("#epochs") == str(h["epochs"])
        assert (
            page.input_value("#optimizer") == h["optimizer"]
            and page.input_value("#schedule") == h["schedule"]
        )
        assert page.input_value("#train_size") == "8000" and page.is_checked("#augment") == (
            h["max_shift"] > 0
        )
        assert f"lr={h['lr']}" in (page.text_content("#torch-code") or "")
    # the comparison table names the nets in the page's language
    expect(page.locator("#compare tbody tr").first).to_contain_text("基础")
    assert not page.locator("#compare tbody").filter(has_text="residual").count()
    assert page.errors == []


def _start(page: Page, settings: dict[str, str]) -> None:
    for field, value in settings.items():
        if field in ("model", "optimizer", "schedule", "batch_size"):
            page.select_option(f"#{field}", value)
        else:
            page.fill(f"#{field}", value)
    page.click("#start")


def test_a_run_at_chance_says_so(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/practice?lang=en")
    page.wait_for_function("() => document.getElementById('plot-confusion').data")
    # Adam at lr 1 throws the basic net's weights about: a loss in the thousands, accuracy ≈ 10 %
    _start(page, {"model": "basic", "lr": "1", "schedule": "constant", "epochs": "1", "train_size": "500"})
    warning = page.locator("#job-warning")
    expect(warning).to_contain_text("still at chance", timeout=60_000)
    expect(warning).to_contain_text("its recipe uses 0.01")
    expect(page.locator("#job-text")).to_contain_text("Done", timeout=60_000)
    assert log_tick_mismatches(page) == []  # the loss axis spans 10⁰–10⁴: no bare "5" for 50
    page.click("#start")  # a new run starts without the old warning
    expect(warning).to_be_hidden()
    page.click("#cancel")
    assert page.errors == []


def test_a_loss_that_turns_nan_says_so_in_chinese(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/practice?lang=zh")
    page.wait_for_function("() => document.getElementById('plot-confusion').data")
    _start(
        page,
        {"model": "inception", "lr": "1", "optimizer": "sgd", "schedule": "constant", "epochs": "1"}
        | {"train_size": "1000"},
    )
    expect(page.locator("#job-warning")).to_contain_text("NaN", timeout=60_000)
    expect(page.locator("#job-warning")).to_contain_text("学习率 1 多半太大了")
    expect(page.locator("#job-text")).to_contain_text("完成", timeout=60_000)
    assert page.errors == []


# ---- §1.5's stage (issue #14): guided steps, the digit in the URL, the home page's links ----

FC = "/cnn/fully-connected"
STAGE = """() => { const d = document.getElementById('plot-stage').data;
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
           text: document.getElementById('step-text').textContent,
           laid: d[2].z[0].filter((v) => v !== null).length,
           bars: d[3].y, answer: document.getElementById('answer').textContent }; }"""


def _stage(page: Page) -> dict:
    """The highlighted step and its text, how much of x the strip shows, the bars (% or logits)."""
    return page.evaluate(STAGE)


def _open_fc(page: Page, base_url: str, query: str) -> None:
    page.goto(f"{base_url}{FC}?{query}")
    page.wait_for_function("() => document.getElementById('plot-stage').data?.length === 4", timeout=30_000)
    page.wait_for_load_state("networkidle")


def _read(base_url: str, index: int, model: str = "basic") -> dict:
    """A fresh reading of held-out digit `index` by the API."""
    pixels = httpx.get(f"{base_url}/api/digits/held-out/{index}").json()["pixels"]["data"]
    return httpx.post(f"{base_url}/api/digits/predict", json={"pixels": pixels, "model": model}).json()


def test_the_keyboard_walks_from_the_maps_to_softmax(page: Page, base_url: str):
    _open_fc(page, base_url, "lang=en")
    fresh = _read(base_url, 0)
    first = _stage(page)
    assert first["step"] == "0" and first["laid"] == 320  # the basic net: 20 maps of 4×4
    assert_close(torch.tensor(first["bars"]), 100 * torch.tensor(fresh["probabilities"]))
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('step=2')")
    assert _stage(page)["laid"] == 0  # the maps, not yet flattened
    page.keyboard.press("ArrowRight")  # step 3 lays the maps end to end, two maps a frame
    page.wait_for_function(f"() => ({STAGE})().laid === 320", timeout=15_000)
    assert "288–319" in _stage(page)["text"]  # maps 18–19 end the vector
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # step 5 adds up the ten logits, one a frame
    page.wait_for_function(f"() => ({STAGE})().bars.every((v) => v !== null)", timeout=20_000)
    fifth = _stage(page)
    assert_close(torch.tensor(fifth["bars"]), torch.tensor(fresh["logits"]))
    z9, b9 = fresh["logits"][9], fresh["fc_bias"][9]
    assert f"{z9 - b9:.3f}".rstrip("0") in fifth["text"] and f"{z9:.3f}".rstrip("0") in fifth["text"]
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('step=4')")
    assert page.errors == []


def test_a_link_restores_the_digit_the_net_and_the_step(page: Page, base_url: str):
    _open_fc(page, base_url, "lang=en&held-out=17&model=residual&step=5")
    expect(page.locator("#answer")).to_contain_text("held-out digit #17")
    assert page.input_value("#model") == "residual" and page.is_hidden("#state-note")
    stage = _stage(page)
    assert stage["step"] == "4" and stage["laid"] == 512  # residual2: 32 maps of 4×4
    assert_close(torch.tensor(stage["bars"]), torch.tensor(_read(base_url, 17, "residual")["logits"]))
    page.select_option("#model", "basic")  # the same digit, read again, and the link follows
    page.wait_for_function("() => !location.search.includes('model=')")
    page.wait_for_function(f"() => ({STAGE})().laid === 320")
    assert "held-out=17" in page.url and "step=5" in page.url
    assert page.errors == []


def test_a_drawn_digit_travels_in_the_link(page: Page, base_url: str):
    _open_fc(page, base_url, "lang=en")
    page.click("#clear")
    draw_stroke(page, [(140, 40), (145, 140), (150, 240)])
    expect(page.locator("#answer")).to_contain_text("your drawing")
    page.wait_for_function("() => location.search.includes('digit=')")
    digit = parse_qs(urlparse(page.url).query)["digit"][0]
    assert len(digit) == 1046  # 784 bytes, base64url without padding
    drawn = _stage(page)["bars"]
    _open_fc(page, base_url, f"lang=en&digit={digit}")
    expect(page.locator("#answer")).to_contain_text("the digit in the link")
    pixels = list(base64.urlsafe_b64decode(digit + "=="))
    rows = [pixels[r * 28 : r * 28 + 28] for r in range(28)]
    fresh = httpx.post(f"{base_url}/api/digits/predict", json={"pixels": rows, "model": "basic"}).json()
    assert_close(torch.tensor(_stage(page)["bars"]), 100 * torch.tensor(fresh["probabilities"]))
    assert max(drawn) > 50  # the drawing was read with some confidence, and so is its copy
    assert page.errors == []


def test_a_link_with_nonsense_shows_the_note_and_the_held_out_digit_0(page: Page, base_url: str):
    _open_fc(page, base_url, "lang=zh&held-out=2000&digit=abc&model=vgg&step=9&layer=conv9")
    note = page.text_content("#state-note") or ""
    assert page.is_visible("#state-note") and "默认值" in note
    for part in ("held-out = “2000”", "digit = “abc”", "(model) = “vgg”", "step = “9”", "(layer) = “conv9”"):
        assert part in note, part
    expect(page.locator("#answer")).to_contain_text("留出集第 0 个")
    assert page.input_value("#model") == "basic"
    stage = _stage(page)
    assert stage["step"] == "0"
    assert_close(torch.tensor(stage["bars"]), 100 * torch.tensor(_read(base_url, 0)["probabilities"]))
    assert page.errors == []


def test_the_fc_lesson_in_presentation_mode(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}{FC}?lang=en&present=1&step=2",
        prose=("#plot-probs", "#digit-file", "#plot-maps"),
        shown=("#plot-stage", "#pad", "#sample"),
    )
    assert page.errors == []


@pytest.mark.parametrize("source", ["held-out", "drawing"])
def test_the_overview_panels_link_opens_the_lesson_in_that_state(page: Page, base_url: str, source: str):
    ready(page, f"{base_url}/?lang=en")
    page.select_option("#model", "inception")
    if source == "held-out":
        page.fill("#held-out", "42")
        page.dispatch_event("#held-out", "change")
        expect(page.locator("#answer")).to_contain_text("held-out digit 42")
    else:
        page.click("#clear")
        draw_stroke(page, [(60, 60), (220, 60), (120, 250)])  # a 7
        expect(page.locator("#answer")).to_contain_text("drawing", timeout=20_000)
    page.focus("#cnn-frame .net-over")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")  # the input
    page.keyboard.press("Enter")
    link = page.locator("#cnn-detail-link")
    expect(link).to_have_attribute("href", re.compile(FC), timeout=30_000)
    href = link.get_attribute("href") or ""
    overview = page.evaluate("() => document.getElementById('answer').textContent")
    page.goto(f"{base_url}{href}" if href.startswith("/") else href)
    page.wait_for_function("() => document.getElementById('plot-stage').data?.length === 4", timeout=30_000)
    assert page.input_value("#model") == "inception" and page.is_hidden("#state-note")
    q = parse_qs(urlparse(href).query)
    if source == "held-out":
        expect(page.locator("#answer")).to_contain_text("held-out digit #42")
        fresh = _read(base_url, 42, "inception")
    else:
        expect(page.locator("#answer")).to_contain_text("the digit in the link")
        pixels = list(base64.urlsafe_b64decode(q["digit"][0] + "=="))
        rows = [pixels[r * 28 : r * 28 + 28] for r in range(28)]
        fresh = httpx.post(
            f"{base_url}/api/digits/predict", json={"pixels": rows, "model": "inception"}
        ).json()
    assert_close(torch.tensor(_stage(page)["bars"]), 100 * torch.tensor(fresh["probabilities"]))
    assert f"It reads {fresh['prediction']}" in (page.text_content("#answer") or "")
    assert str(fresh["prediction"]) in overview  # the home page read it the same way
    assert page.errors == []


# ---- §3's stage (issue #14): the shipped net's record, its held-out answers, then your run ----

PRACTICE = "/cnn/practice"
PRACTICE_STAGE = """() => { const d = document.getElementById('plot-stage').data;
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
           text: document.getElementById('step-text').textContent,
           loss: d[0].y, acc: d[1].y, confusion: d[2].z }; }"""


def _practice(page: Page) -> dict:
    """The highlighted step and its text, the loss and accuracy per epoch drawn, the confusion matrix."""
    return page.evaluate(PRACTICE_STAGE)


def _record(base_url: str, model: str) -> list[dict]:
    models = httpx.get(f"{base_url}/api/digits/models").json()
    return next(m for m in models if m["name"] == model)["training"]["history"]


def test_the_keyboard_walks_from_the_record_to_the_confusion_matrix(page: Page, base_url: str):
    open_stage(page, f"{base_url}{PRACTICE}?lang=en")
    record = _record(base_url, "residual")
    first = _practice(page)
    assert first["step"] == "0" and "8,000" in first["text"]
    assert_close(torch.tensor(first["loss"]), torch.tensor([e["loss"] for e in record]))
    page.keyboard.press("ArrowRight")  # the epochs, one a frame, up to the last
    last = f"{record[-1]['loss']:.4f}".rstrip("0")
    page.wait_for_function(f"() => ({PRACTICE_STAGE})().text.includes('{last}')", timeout=20_000)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # the confusion matrix: the diagonal
    page.wait_for_function("() => location.search.includes('step=4')")
    fresh = httpx.get(f"{base_url}/api/digits/evaluation?model=residual").json()
    stage = _practice(page)
    assert stage["confusion"] == fresh["confusion"]
    right = sum(fresh["confusion"][d][d] for d in range(10))
    assert (
        f"{right:,}" in stage["text"]
        and f"{100 * fresh['held_out_accuracy']:.2f}".rstrip("0") in stage["text"]
    )
    assert page.errors == []


def test_a_practice_link_restores_the_net_its_settings_and_the_step(page: Page, base_url: str):
    open_stage(page, f"{base_url}{PRACTICE}?lang=en&model=basic&lr=0.02&epochs=2&step=5")
    assert page.is_hidden("#state-note")
    assert page.input_value("#model") == "basic"
    assert page.input_value("#lr") == "0.02" and page.input_value("#epochs") == "2"  # not the recipe's
    stage = _practice(page)
    assert stage["step"] == "4"
    fresh = httpx.get(f"{base_url}/api/digits/evaluation?model=basic").json()
    assert stage["confusion"] == fresh["confusion"]
    assert_close(torch.tensor(stage["loss"]), torch.tensor([e["loss"] for e in _record(base_url, "basic")]))
    assert page.errors == []


def test_a_practice_link_with_nonsense_shows_the_note_and_the_recipe(page: Page, base_url: str):
    open_stage(page, f"{base_url}{PRACTICE}?lang=zh&model=vgg&lr=abc&epochs=99&step=0&speed=9")
    note = page.text_content("#state-note") or ""
    assert page.is_visible("#state-note") and "默认值" in note
    for part in ("vgg", "abc", "99", "step", "speed"):
        assert part in note, part
    recipe = _record(base_url, "residual")
    assert page.input_value("#model") == "residual" and len(_practice(page)["loss"]) == len(recipe)
    assert page.input_value("#lr") == "0.005"  # the residual net's recipe, not the form's default
    assert page.errors == []


def test_the_practice_stage_in_presentation_mode(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}{PRACTICE}?lang=en&present=1&step=2",
        prose=("#train-form", "#plot-confusion", "#compare"),
        shown=("#plot-stage",),
    )
    assert page.errors == []
