"""§1.4 in real Chromium: switching the function redraws maps and curves; the PyTorch panel runs; the
stage walks a patch of an edge map through the function; links, presentation mode, the overview's link."""

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import torch
from playwright.sync_api import Page, expect

from engine.cnn.kernels import KERNEL_NAMES
from tests.browser.conftest import plot_points
from tests.browser.stage import presentation_shows_only_the_stage
from tests.browser.test_home import ready

SAMPLES = Path(__file__).resolve().parents[2] / "app" / "samples"
CHOSEN = """() => { const el = document.getElementById('plot-f');
  return el.data.filter(tr => tr.line.width === 4).map(tr => tr.name); }"""


def _open(page: Page, base_url: str, image: str = "shapes") -> None:
    page.goto(f"{base_url}/cnn/activation?lang=en")
    page.wait_for_function("() => document.getElementById('act-shares').textContent !== ''")
    page.select_option("#image-select", image)
    page.wait_for_function(
        f"() => document.getElementById('act-shape').textContent.includes('"
        f"{'254×254' if image == 'shapes' else '26×26'}')"
    )
    page.wait_for_load_state("networkidle")


def _after(page: Page) -> list[float]:
    return page.evaluate("() => document.getElementById('plot-after').data[0].z.flat()")


def test_switching_the_function_redraws_the_curves_and_the_maps(page: Page, base_url: str):
    _open(page, base_url)
    assert page.evaluate(CHOSEN) == ["ReLU"]
    assert plot_points(page, "#plot-before") == 254 * 254
    relu = _after(page)
    assert min(relu) == 0 and max(relu) > 0
    shares = page.text_content("#act-shares")
    assert "After ReLU: 97.8 % are exactly 0" in shares
    assert page.is_hidden("#act-slope")
    page.select_option("#act-function", "sigmoid")
    page.wait_for_function("() => document.getElementById('act-shares').textContent.includes('Sigmoid')")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(CHOSEN) == ["Sigmoid"]
    sig = _after(page)
    assert min(sig) > 0 and max(sig) < 1 and sig != relu
    assert "saturated" in page.text_content("#act-shares")
    assert "torch.sigmoid" in page.text_content("#torch-code")
    page.select_option("#act-function", "leaky_relu")
    page.wait_for_function("() => document.getElementById('act-shares').textContent.includes('Leaky')")
    assert page.is_visible("#act-slope")
    assert "nn.LeakyReLU(0.1)" in page.text_content("#torch-code")
    assert page.errors == []  # type: ignore[attr-defined]


def test_kernels_and_depth_controls(page: Page, base_url: str):
    _open(page, base_url, "digit")
    values = page.eval_on_selector_all("input[name=act-kernel]", "els => els.map(e => e.value)")
    assert sorted(values) == sorted(KERNEL_NAMES)
    page.check("input[name=act-kernel][value=sobel_x]")
    page.wait_for_function("() => document.getElementById('act-map').options.length === 3")
    assert "3 feature map(s) of 26×26" in page.text_content("#act-shape")
    assert plot_points(page, "#plot-depth") == 4 * 30 + 30  # four chains and the 0.25ⁿ bound
    page.focus("#act-depth")
    page.keyboard.press("ArrowRight")  # keyboard: one more layer
    page.wait_for_function("() => document.getElementById('plot-depth').data[0].x.length === 31")
    assert page.text_content("#act-depth-out") == "31"
    assert "After 31 sigmoids" in page.text_content("#act-depth-summary")
    page.fill("#act-x0", "-1")
    page.dispatch_event("#act-x0", "input")
    page.wait_for_function("() => document.getElementById('act-zero-grad').textContent.includes('ReLU')")
    assert page.errors == []  # type: ignore[attr-defined]


def test_pytorch_panel_runs_and_prints_the_page_numbers(page: Page, base_url: str):
    fn = "tanh"
    _open(page, base_url)
    page.select_option("#act-function", fn)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => document.getElementById('torch-code').textContent.includes('torch.tanh')")
    code = page.text_content("#torch-code") or ""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=SAMPLES,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    api = httpx.post(f"{base_url}/api/cnn/activation", json={"image_id": "shapes", "function": fn}).json()
    depth = httpx.post(f"{base_url}/api/cnn/activation/depth", json={}).json()
    chain = next(c for c in depth["chains"] if c["function"] == fn)
    printed = [float(v) for v in re.findall(r"tensor\(([-0-9.e]+)", out)]
    assert printed[0] == pytest.approx(api["negative_share"], abs=1e-4)
    assert printed[1] == pytest.approx(api["zero_share"], abs=1e-4)
    assert printed[-2] == pytest.approx(chain["max_slope"], abs=1e-4)
    assert printed[2] == pytest.approx(api["saturated_share"], abs=1e-4)
    assert printed[-1] == pytest.approx(chain["gradient"][-1], rel=1e-2)  # torch prints 4 digits


def test_sigmoid_zeros_are_explained_as_float32_underflow(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/activation?lang=zh")
    page.wait_for_function("() => document.getElementById('act-shares').textContent !== ''")
    page.select_option("#image-select", "shapes")
    page.select_option("#act-function", "sigmoid")
    page.uncheck("#act-normalize")  # raw 0–255 pixels: edge responses far below −104
    page.wait_for_function("() => document.getElementById('act-shares').textContent.includes('float32')")
    page.wait_for_load_state("networkidle")
    api = httpx.post(
        f"{base_url}/api/cnn/activation",
        json={"image_id": "shapes", "function": "sigmoid", "normalize": False},
    ).json()
    u = api["sigmoid_underflow"]
    shares = page.text_content("#act-shares") or ""
    assert "下溢" in shares and f"{u['edge']:.2f}" in shares and f"{u['torch_edge']:.2f}" in shares
    assert f"{u['smallest']:.2e}" in shares and f"{u['edge_in_float64']:.2e}" in shares
    code = page.text_content("#torch-code") or ""
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=SAMPLES,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "tensor(1.4013e-45)" in out  # the smallest positive float32, printed by torch
    pair = re.search(r"tensor\(\[([-0-9.e+]+), ([-0-9.e+]+)\]\)", out)
    assert pair, out
    near, past = float(pair.group(1)), float(pair.group(2))
    assert near > 0 and past == 0  # torch.sigmoid just above and just below its edge: 0 only below
    assert float(re.search(r"tensor\(([-0-9.e+]+), dtype=torch.float64\)", out).group(1)) > 0
    assert page.errors == []  # type: ignore[attr-defined]


# ---- the stage (issue #14): guided steps, the state in the URL, presentation mode, answers in order ----

STAGE = """() => { const d = document.getElementById('plot-stage');
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
    text: document.getElementById('step-text').textContent,
    before: d.data[0].z, after: d.data[1].z, origin: [d.layout.yaxis.ticktext[0], d.layout.xaxis.ticktext[0]],
    dot: d.data.filter((tr) => tr.mode === 'markers').map((tr) => [tr.x[0], tr.y[0]]) }; }"""


def _maps(base_url: str, **changes: object) -> tuple[torch.Tensor, torch.Tensor]:
    """The page's default maps (the landscape's vertical and horizontal edges, ReLU), a fresh API call."""
    body = {"image_id": "scene", "function": "relu", "kernels": ["edge_vertical", "edge_horizontal"]}
    res = httpx.post(f"{base_url}/api/cnn/activation", json={**body, "encoding": "list", **changes}).json()
    return torch.tensor(res["before"]["data"]), torch.tensor(res["after"]["data"])  # (B, H, W) each


def _stage(page: Page, url: str) -> dict:
    page.goto(url)
    page.wait_for_function("() => document.getElementById('plot-stage').data")
    page.wait_for_load_state("networkidle")
    return page.evaluate(STAGE)


def _patch(maps: torch.Tensor, stage: dict, b: int = 0) -> torch.Tensor:
    r0, c0 = (int(v) for v in stage["origin"])
    return maps[b, r0 : r0 + 8, c0 : c0 + 8]


def test_the_keyboard_walks_the_steps_and_the_visual_follows(page: Page, base_url: str):
    first = _stage(page, f"{base_url}/cnn/activation?lang=en")
    before, after = _maps(base_url)
    assert first["step"] == "0" and "vertical edges" in first["text"]
    torch.testing.assert_close(torch.tensor(first["before"]), _patch(before, first), atol=1e-3, rtol=0)
    assert (torch.tensor(first["before"]) < 0).any() and (torch.tensor(first["before"]) > 0).any()
    assert all(v is None for row in first["after"] for v in row)  # nothing through f yet
    page.keyboard.press("ArrowRight")  # one number through f: the walk along a row fills the map after
    page.wait_for_function("() => location.search.includes('step=2')")
    page.wait_for_function(f"() => ({STAGE})().after.flat().filter((v) => v !== null).length > 8")
    page.keyboard.press("ArrowRight")  # every number: the whole patch after ReLU
    page.wait_for_function(f"() => !({STAGE})().after.flat().includes(null)")
    third = page.evaluate(STAGE)
    torch.testing.assert_close(torch.tensor(third["after"]), _patch(after, third), atol=1e-3, rtol=0)
    assert torch.equal(torch.tensor(third["after"]), torch.relu(torch.tensor(third["before"])))
    page.keyboard.press("ArrowRight")  # what happens to negatives: counted in the patch
    page.wait_for_function(
        "() => document.getElementById('step-text').textContent.includes('negative cells')"
    )
    count = int((torch.tensor(third["before"]) < 0).sum())
    assert f"the patch's {count} negative cells" in page.text_content("#step-text")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_restores_the_settings_and_nonsense_gets_the_note(page: Page, base_url: str):
    query = "act-function=leaky_relu&act-slope=0.2&act-map=1&act-normalize=0&step=4"
    shown = _stage(page, f"{base_url}/cnn/activation?lang=en&{query}")
    page.wait_for_function(
        "() => document.getElementById('plot-stage').data[1].z.flat().every((v) => v !== null)"
    )
    shown = page.evaluate(STAGE)
    values = page.evaluate(
        "() => ['act-function', 'act-slope', 'act-map'].map((id) => document.getElementById(id).value)"
    )
    assert values == ["leaky_relu", "0.2", "1"] and not page.is_checked("#act-normalize")
    assert page.is_visible("#act-slope-label") and page.is_hidden("#state-note") and shown["step"] == "3"
    before, after = _maps(base_url, function="leaky_relu", negative_slope=0.2, normalize=False)
    torch.testing.assert_close(torch.tensor(shown["after"]), _patch(after, shown, 1), atol=0.05, rtol=1e-3)
    assert "multiplies negative numbers by 0.2" in shown["text"]
    _stage(page, f"{base_url}/cnn/activation?lang=zh&act-function=swish&act-bins=7&step=12&bogus=1")
    note = page.locator("#state-note")
    for part in ("(act-function) = “swish”", "(act-bins) = “7”", "step = “12”", "bogus = “1”", "默认值"):
        expect(note).to_contain_text(part)
    assert page.input_value("#act-function") == "relu" and page.evaluate(STAGE)["step"] == "0"
    assert page.errors == []  # type: ignore[attr-defined]


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/cnn/activation?lang=en&present=1&step=2",
        prose=("#plot-before", "#plot-depth", "#act-shares"),
        shown=("#plot-stage",),
    )
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_overview_panels_link_opens_the_lesson_in_that_state(page: Page, base_url: str):
    ready(page, f"{base_url}/?lang=en")
    page.focus("#cnn-frame .net-over")
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "Enter"):  # conv1, pool1, then relu1's map 0
        page.keyboard.press(key)
    link = page.locator("#cnn-detail-link")
    expect(link).to_have_attribute("href", re.compile("/cnn/activation"), timeout=30_000)
    link.click()
    page.wait_for_url(re.compile("/cnn/activation"))
    page.wait_for_function("() => document.getElementById('plot-stage').data")
    assert page.is_hidden("#state-note") and page.input_value("#act-function") == "relu"
    assert "After ReLU" in page.evaluate(
        "() => document.getElementById('plot-stage').layout.annotations[1].text"
    )
    assert page.errors == []  # type: ignore[attr-defined]
