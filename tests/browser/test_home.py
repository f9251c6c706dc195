"""The home page in Chromium: both networks drawn at once, following the pen, a held-out digit and a
typed name; a map's detail and its lesson link; half the first screen is the network; bad input."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from app.tensors import decode_tensor
from scripts.first_screen import SHARE
from tests.images import png_bytes

NET_DRAWN = """() => ['cnn-frame', 'rnn-frame'].every(id => {
  const c = document.querySelector(`#${id} canvas.net-base`);
  return c && c.width > 0 && !document.getElementById(id).classList.contains('outdated');
})"""
PIXELS = """id => { const c = document.querySelector(`#${id} canvas.net-base`);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0; for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) >>> 0; return h; }"""


def ready(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(NET_DRAWN, timeout=20_000)
    expect(page.locator("#answer")).to_contain_text(re.compile("held-out digit 0|留出集第 0 个"))


def draw_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    box = page.locator("#pad").bounding_box()
    assert box is not None
    sx, sy = box["width"] / 280, box["height"] / 280
    page.mouse.move(box["x"] + points[0][0] * sx, box["y"] + points[0][1] * sy)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * sx, box["y"] + y * sy, steps=10)
    page.mouse.up()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_both_networks_are_drawn_without_console_errors(page: Page, base_url: str, lang: str):
    page.goto(f"{base_url}/?lang={lang}")
    page.wait_for_function(NET_DRAWN, timeout=20_000)
    expect(page.locator("#answer")).to_contain_text("1")  # held-out digit 0 is a 1
    expect(page.locator("#name-answer")).to_contain_text("日语" if lang == "zh" else "Japanese")
    assert page.locator(".lesson-list li").count() > 10  # the lesson map follows, at #map
    assert page.evaluate("() => typeof Plotly") == "undefined"  # not loaded until a detail opens
    assert page.errors == []


def test_a_stroke_changes_the_maps_and_the_prediction(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    before = page.evaluate(PIXELS, "cnn-frame")
    page.click("#clear")
    expect(page.locator("#answer")).to_contain_text("empty")
    draw_stroke(page, [(60, 50), (220, 50), (160, 150), (120, 250)])  # a 7
    expect(page.locator("#answer")).to_contain_text("your drawing")
    expect(page.locator("#answer")).to_contain_text("It reads 7")
    page.wait_for_function(NET_DRAWN)
    assert page.evaluate(PIXELS, "cnn-frame") != before
    assert page.errors == []


def test_the_maps_follow_the_pen_while_it_draws(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/overview/digits" in r.url else None)
    box = page.locator("#pad").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 80, box["y"] + 30)
    page.mouse.down()
    for k in range(12):  # about a second of drawing before the pen lifts
        page.mouse.move(box["x"] + 80 + 2 * k, box["y"] + 30 + 10 * k, steps=2)
        page.wait_for_timeout(80)
    assert len(asked) >= 2  # redrawn while the pen still moves (at most every 150 ms)
    page.mouse.up()
    expect(page.locator("#answer")).to_contain_text("your drawing")


def test_a_held_out_digit_reads_as_the_predict_endpoint_reads_it(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    page.select_option("#model", "inception")
    page.fill("#held-out", "17")
    page.dispatch_event("#held-out", "change")
    expect(page.locator("#answer")).to_contain_text("held-out digit 17")
    label = int(re.search(r"labelled (\d)", page.text_content("#answer") or "").group(1))
    pixels = httpx.get(f"{base_url}/api/digits/held-out/17").json()["pixels"]["data"]
    want = httpx.post(f"{base_url}/api/digits/predict", json={"pixels": pixels, "model": "inception"}).json()
    assert want["prediction"] == label
    expect(page.locator("#answer")).to_contain_text(f"It reads {want['prediction']}")
    assert page.locator("#cnn-frame canvas.net-base").evaluate("c => c.width") > 0
    assert page.errors == []


def test_typing_a_name_redraws_the_name_network(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    page.wait_for_function(NET_DRAWN)
    before = page.evaluate(PIXELS, "rnn-frame")
    page.fill("#name", "Schmidt")
    expect(page.locator("#name-answer")).to_contain_text("German")
    page.wait_for_function(f"() => ({PIXELS})('rnn-frame') !== {before}")
    want = httpx.post(f"{base_url}/api/names/predict", json={"name": "Schmidt", "k": 1}).json()
    assert want["top"][0]["language"] == "German"
    assert page.errors == []


def test_a_map_opens_its_detail_and_links_to_its_lesson(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    frame = page.locator("#cnn-frame").bounding_box()
    assert frame is not None
    page.mouse.move(frame["x"] + 50, frame["y"] + frame["height"] / 2)  # over the 28×28 input
    expect(page.locator("#cnn-hover")).to_contain_text("input, map 1 of 1, 28×28 · click to open it")
    page.focus("#cnn-frame .net-over")  # the keyboard starts on the input, → moves to conv1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#cnn-detail")).to_be_visible()
    expect(page.locator("#cnn-detail-title")).to_contain_text("conv1: map 2 of 10 (24×24)")
    # Plotly (1.5 MB) is fetched and parsed when the first detail opens: slow on a busy machine
    expect(page.locator("#cnn-detail-link")).to_have_attribute(
        "href", re.compile("convolution"), timeout=30_000
    )
    href = page.get_attribute("#cnn-detail-link", "href") or ""
    url = urlparse(href)
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/cnn/convolution"
    assert (q["trace-source"], q["kernel-source"], q["layer"], q["map"]) == ("typed", "typed", "conv1", "1")
    # the link's kernel is the model's own, and its patch and step give the map's value there
    from engine.models.digits import load_pretrained

    net = load_pretrained("basic")
    kernel = torch.tensor([[float(v) for v in row.split()] for row in q["typed-kernels"].split("\n")])
    torch.testing.assert_close(kernel, net.conv1.weight[1, 0].detach(), atol=1e-6, rtol=0)
    patch = torch.tensor([[float(v) for v in row.split()] for row in q["typed-matrix"].split("\n")])
    out = F.conv2d(patch[None, None], kernel[None, None], torch.tensor([float(q["bias"])]))[0, 0]
    value = out.flatten()[int(q["step-index"])]
    x = httpx.post(f"{base_url}/api/overview/digits", json={"held_out": 0, "model": "basic"}).json()["input"]
    m = httpx.post(
        f"{base_url}/api/overview/digits/map",
        json={"input": x, "model": "basic", "stage": "conv1", "channel": 1},
    ).json()
    want = m["output"]  # float32 base64
    assert value.item() == pytest.approx(decode_tensor(want)[int(q["row"]), int(q["col"])].item(), abs=1e-3)
    # the pointer over the big map shows the numbers behind one value, adding up to it
    plot = page.locator("#plot-detail .nsewdrag").first
    plot.hover()
    expect(page.locator("#detail-pixel")).to_contain_text("plus the bias")
    assert page.errors == []


def test_the_name_detail_links_to_the_gru_lesson(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    page.focus("#rnn-frame .net-over")
    page.keyboard.press("ArrowRight")  # embedding → layer 1 forward
    page.keyboard.press("Enter")
    expect(page.locator("#rnn-detail")).to_be_visible()
    expect(page.locator("#rnn-detail-title")).to_contain_text("layer 1, forward")
    expect(page.locator("#rnn-detail-link")).to_have_attribute("href", re.compile("gru"), timeout=30_000)
    href = page.get_attribute("#rnn-detail-link", "href") or ""
    q = {k: v[0] for k, v in parse_qs(urlparse(href).query).items()}
    assert urlparse(href).path == "/rnn/gru" and (q["name"], q["layer"], q["direction"]) == (
        "Nakamura",
        "0",
        "0",
    )
    assert page.errors == []


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_half_the_first_screen_is_the_drawn_network(browser: Browser, base_url: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        ready(page, f"{base_url}/?lang=en")
        share = page.evaluate(SHARE)["share"]  # scripts/first_screen.py: drawn canvas/svg/img/plots
        assert share >= 0.5, f"{share:.0%} of the first screen is drawn"
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= size[0]  # no page scroll
    finally:
        context.close()


def test_a_finger_draws_on_a_phone(browser: Browser, base_url: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        ready(page, f"{base_url}/?lang=en")
        page.click("#clear")
        box = page.locator("#pad").bounding_box()
        assert box is not None
        cdp = context.new_cdp_session(page)
        x0, y0 = box["x"] + box["width"] / 2, box["y"] + 10
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
        for k in range(1, 12):
            pt = {"x": x0 + k * 0.5, "y": y0 + k * (box["height"] - 20) / 11}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [pt]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        expect(page.locator("#answer")).to_contain_text("your drawing")
        expect(page.locator("#answer")).to_contain_text("It reads 1")
        assert page.evaluate("() => scrollX") == 0
    finally:
        context.close()


def test_bad_input_gets_a_message_in_the_pages_language(page: Page, base_url: str, tmp_path: Path):
    ready(page, f"{base_url}/?lang=zh")
    page.fill("#name", "🙂")
    expect(page.locator("#name-hint")).to_contain_text("🙂")
    assert re.search(r"[\u4e00-\u9fff]", page.text_content("#name-hint") or "")
    expect(page.locator("#rnn-frame")).to_have_class(re.compile("outdated"))
    page.fill("#name", "   ")
    expect(page.locator("#name-hint")).to_contain_text("30")  # empty: type 1–30 letters
    page.fill("#name", "a" * 1000)
    assert len(page.input_value("#name")) == 30  # the box takes no more than the API reads
    page.click("#clear")
    expect(page.locator("#answer")).to_contain_text("手写板是空的")
    blank = tmp_path / "blank.png"
    blank.write_bytes(png_bytes(Image.new("L", (200, 200), 255)))
    page.set_input_files("#digit-file", str(blank))
    expect(page.locator("#cnn-note")).not_to_be_empty()
    expect(page.locator("#cnn-frame")).to_have_class(re.compile("outdated"))
    assert [e for e in page.errors if "status of 422" not in e] == []  # the refusal itself is logged


def test_the_address_chooses_the_net_digit_and_name_and_bad_values_get_a_note(page: Page, base_url: str):
    page.goto(f"{base_url}/?lang=en&model=residual&held-out=17&name=Rossi")
    page.wait_for_function(NET_DRAWN, timeout=20_000)
    expect(page.locator("#answer")).to_contain_text("held-out digit 17")
    assert page.input_value("#model") == "residual" and page.input_value("#name") == "Rossi"
    expect(page.locator("#name-answer")).to_contain_text("Italian")
    expect(page.locator("#url-note")).to_be_hidden()
    page.goto(f"{base_url}/?lang=zh&model=vgg&held-out=99999&name=%F0%9F%99%82")
    page.wait_for_function(NET_DRAWN, timeout=20_000)
    expect(page.locator("#url-note")).to_contain_text("model, held-out, name")
    expect(page.locator("#url-note")).to_contain_text("已忽略")
    assert page.input_value("#model") == "basic" and page.input_value("#held-out") == "0"
    assert page.errors == []


def test_the_pooling_and_input_details_link_to_their_lessons(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    page.focus("#cnn-frame .net-over")
    page.keyboard.press("ArrowRight")  # conv1
    page.keyboard.press("ArrowRight")  # pool1, map 0
    page.keyboard.press("Enter")
    link = page.locator("#cnn-detail-link")
    expect(link).to_have_attribute("href", re.compile("/cnn/pooling"), timeout=30_000)
    q = {k: v[0] for k, v in parse_qs(urlparse(link.get_attribute("href") or "").query).items()}
    assert (q["kind"], q["window"], q["stride"], q["layer"], q["map"]) == ("max", "2", "2", "pool1", "0")
    before = torch.tensor([[float(v) for v in row.split()] for row in q["matrix"].split("\n")])
    x = httpx.post(f"{base_url}/api/overview/digits", json={"held_out": 0, "model": "basic"}).json()["input"]
    asked = {"input": x, "model": "basic", "stage": "conv1", "channel": 0}
    conv1 = decode_tensor(httpx.post(f"{base_url}/api/overview/digits/map", json=asked).json()["output"])
    torch.testing.assert_close(before, conv1, atol=1e-4, rtol=0)  # the map pooled is conv1's map 0
    page.click("#cnn-detail-close")
    page.focus("#cnn-frame .net-over")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    expect(link).to_have_attribute("href", re.compile("/cnn/fully-connected"), timeout=30_000)
    q = {k: v[0] for k, v in parse_qs(urlparse(link.get_attribute("href") or "").query).items()}
    assert (q["model"], q["held-out"]) == ("basic", "0")
    assert page.errors == []
