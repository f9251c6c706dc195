"""§3+ Your own classes in real Chromium: draw three classes with a few strokes each, train, predict
a new drawing; the layer maps, kernels and PyTorch code follow; class names stay text."""

import contextlib
import io
import math
import random
from pathlib import Path

import httpx
import pytest
import torch
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from benchmarks.your_classes import draw_shape
from tests.browser.conftest import plot_points, run_panel_code
from tests.browser.stage import presentation_shows_only_the_stage
from tests.images import png_bytes

Stroke = list[tuple[float, float]]


def shape(kind: int, j: int) -> list[Stroke]:
    """A circle, a triangle or a cross on the 280-px pad, a little different each time (j)."""
    cx, cy, r = 140 + 12 * math.sin(j), 140 + 9 * math.cos(1.3 * j), 70 + 9 * (j % 3)
    if kind == 0:
        return [[(cx + r * math.cos(a * math.pi / 8), cy + r * math.sin(a * math.pi / 8)) for a in range(17)]]
    if kind == 1:
        corners = [(cx, cy - r), (cx + r, cy + 0.8 * r), (cx - r, cy + 0.8 * r)]
        return [[*corners, corners[0]]]
    return [[(cx - r, cy - r), (cx + r, cy + r)], [(cx + r, cy - r), (cx - r, cy + r)]]


def draw(page: Page, selector: str, strokes: list[Stroke]) -> None:
    pad = page.locator(selector)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    scale = box["width"] / 280
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0] * scale, box["y"] + stroke[0][1] * scale)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=3)
        page.mouse.up()


def make_classes_and_train(page: Page, base_url: str, lang: str, per_class: int = 3) -> None:
    page.goto(f"{base_url}/cnn/your-classes?lang={lang}")
    page.wait_for_function("() => document.getElementById('plot-kernels').data")  # the start kernels
    page.click("#suggest")
    expect(page.locator(".yc-class")).to_have_count(3)
    for k in range(3):
        for j in range(per_class):
            draw(page, "#pad", shape(k, j))
            page.locator(".yc-class").nth(k).locator("button.primary").click()
            expect(page.locator(".yc-class").nth(k).locator("img")).to_have_count(j + 1)
    expect(page.locator(".yc-aug-row")).to_have_count(3)  # the augmented copies training sees
    page.fill("#epochs", "3")
    page.click("#start")
    expect(page.locator("#run option")).to_have_count(1, timeout=120_000)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_draw_three_classes_train_and_predict_a_new_drawing(page: Page, base_url: str, lang: str):
    make_classes_and_train(page, base_url, lang)
    assert plot_points(page, "#plot-loss") > 0 and plot_points(page, "#plot-confusion") == 9
    expect(page.locator("#compare tbody tr")).to_have_count(1)

    draw(page, "#ask-pad", shape(2, 7))  # a new cross
    cross = "cross" if lang == "en" else "叉"
    expect(page.locator("#answer")).to_contain_text(cross, timeout=30_000)
    assert plot_points(page, "#plot-probs") == 3
    boxes = page.evaluate("() => document.querySelectorAll('#net-frame canvas').length")
    assert boxes == 2 and page.locator("#net-frame").is_visible()  # the network drawn, with its overlay
    lit = page.evaluate(
        """() => { const c = document.querySelector('#net-frame canvas');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] && d[i] !== d[i + 2]) n++;
                   return n; }"""
    )
    assert lit > 1000  # coloured (blue/red) map pixels: the layers' maps are drawn
    kernels = page.evaluate("() => document.getElementById('plot-kernels').data[0].z")
    assert len(kernels) == 5 and len(kernels[0]) == 10 * 6 - 1  # ten 5×5 kernels in a row
    assert page.errors == []

    if lang == "en":  # the PyTorch panel loads the downloaded weights and reads the downloaded input
        shown = torch.tensor(page.evaluate("() => document.getElementById('plot-probs').data[0].y"))
        torch.testing.assert_close(100 * run_panel_on_downloads(page), shown.float(), atol=0.05, rtol=0)


def test_the_panel_before_training_builds_the_chosen_net(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/your-classes?lang=en")
    page.wait_for_function("() => document.getElementById('plot-kernels').data")
    for mode, trained in (("transfer", 321 * 2), ("scratch", 5280 + 321 * 2)):
        page.select_option("#mode", mode)
        expect(page.locator("#torch-code")).to_contain_text("Net(2)")
        with contextlib.redirect_stdout(io.StringIO()):
            scope = run_panel_code(page.text_content("#torch-code") or "")
        assert scope["trained"] == trained
    assert page.errors == []


def test_class_names_are_shown_as_text(page: Page, base_url: str):
    names = ["<script>alert(1)</script>", "<b>bold</b> & <i>"]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ds = httpx.post(f"{base_url}/api/datasets", json={"input": "drawing", "classes": names}).json()
    rng = random.Random(0)
    for name, kind in zip(names, ("circle", "cross"), strict=True):
        for _ in range(2):
            png = png_bytes(draw_shape(kind, rng))
            httpx.post(
                f"{base_url}/api/datasets/{ds['id']}/examples", data={"label": name}, files={"file": png}
            )
    job = httpx.post(
        f"{base_url}/api/jobs", json={"kind": "custom", "params": {"dataset": ds["id"], "epochs": 1}}
    ).json()
    page.goto(f"{base_url}/cnn/your-classes?lang=en&set={ds['id']}")
    expect(page.locator(".yc-class h3 .name")).to_have_text(names)
    assert f"set={ds['id']}" in page.url and page.is_hidden("#state-note")  # the link keeps the set
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.inner_html("#classes")
    expect(page.locator("#run option")).to_have_count(1, timeout=60_000)  # the job done, its result shown
    ticks = page.eval_on_selector_all("#plot-confusion .xtick text", "els => els.map(e => e.textContent)")
    assert ticks == names  # Plotly shows them as written, not as its own markup
    assert dialogs == [] and page.errors == []
    assert job["state"] in ("queued", "running", "done")


def test_the_page_fits_a_phone(page: Page, base_url: str):
    page.set_viewport_size({"width": 390, "height": 844})
    make_classes_and_train(page, base_url, "en", per_class=2)
    draw(page, "#ask-pad", shape(0, 5))
    expect(page.locator("#answer")).to_contain_text("%", timeout=30_000)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"
    assert page.errors == []


def test_a_link_to_a_set_that_is_gone_says_so(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/your-classes?lang=zh&set={'f' * 32}")
    page.wait_for_function("() => !document.getElementById('state-note').hidden")
    assert "f" * 32 in (page.text_content("#state-note") or "")
    expect(page.locator("#set-info")).to_contain_text("还没有数据集")
    assert [e for e in page.errors if "404" not in e] == []  # the browser logs the set's 404 itself


def photo_png(colour: str, rng: random.Random) -> bytes:
    img = Image.new("RGB", (160, 120), tuple(rng.randrange(120, 256) for _ in range(3)))
    cx, cy, r = rng.randrange(50, 110), rng.randrange(40, 80), rng.randrange(20, 35)
    ImageDraw.Draw(img).ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    return png_bytes(img)


def run_panel_on_downloads(page: Page) -> torch.Tensor:
    """The PyTorch panel's probabilities, run on the weights and input the page offers for download."""
    files = {}
    for link in ("#run-weights", "#input-png"):
        with page.expect_download() as download:
            page.click(link)
        files[link] = download.value.path()
    panel = (page.text_content("#torch-code") or "").replace(
        'WEIGHTS = "naturally-custom-', f'WEIGHTS = "{files["#run-weights"]}"  # "'
    )
    panel = panel.replace('PICTURE = "input.png"', f'PICTURE = "{files["#input-png"]}"')
    with contextlib.redirect_stdout(io.StringIO()):
        return run_panel_code(panel)["probs"]


def test_photos_in_both_modes_and_the_code_that_reads_them(page: Page, base_url: str, tmp_path: Path):
    ds = httpx.post(f"{base_url}/api/datasets", json={"input": "photo", "classes": ["red", "blue"]}).json()
    rng = random.Random(1)
    for colour in ("red", "blue"):
        for _ in range(10):  # 10 a class: a held-out fifth, not 21 copies of TinyVGG
            url = f"{base_url}/api/datasets/{ds['id']}/examples"
            httpx.post(url, data={"label": colour}, files={"file": photo_png(colour, rng)})
    page.goto(f"{base_url}/cnn/your-classes?lang=en&set={ds['id']}")
    expect(page.locator("#ask-photo")).to_be_visible()
    assert page.is_hidden("#draw-box")
    expect(page.locator("#step-text")).to_contain_text("colour picture: 64×64 pixels")  # not 28×28 gray
    (tmp_path / "new.png").write_bytes(photo_png("red", rng))
    for runs, mode in enumerate(("scratch", "transfer"), start=1):
        page.select_option("#mode", mode)
        page.fill("#epochs", "1")
        page.click("#start")
        expect(page.locator("#run option")).to_have_count(runs, timeout=180_000)  # this run finished
        page.set_input_files("#ask-file", str(tmp_path / "new.png"))
        page.wait_for_function(  # the answer drawn (the panel names TinyVGG before any answer too)
            "m => document.querySelector('#torch-code').textContent.includes(m)"
            " && document.getElementById('plot-probs').data?.length > 0",
            arg="TinyVGG" if mode == "scratch" else "in gray",
        )
        shown = torch.tensor(page.evaluate("() => document.getElementById('plot-probs').data[0].y"))
        torch.testing.assert_close(100 * run_panel_on_downloads(page), shown.float(), atol=0.05, rtol=0)
        kernels = page.evaluate("() => document.getElementById('plot-kernels').data[0].z")
        assert len(kernels) == (3 * 4 - 1 if mode == "scratch" else 5)  # R, G, B rows of 3×3, or one gray row
    assert page.errors == []


# ---- the stage (issue #14): the example set before any data, the state in the URL, presentation mode ----

STAGE = """() => { const d = document.getElementById('plot-stage').data;
  return { step: document.querySelector('#steps [aria-current=step]').dataset.step,
           text: document.getElementById('step-text').textContent,
           types: d.map((tr) => tr.type),
           images: d.filter((tr) => tr.type === 'image').map((tr) => ({ z: tr.z, opacity: tr.opacity })),
           weights: d.filter((tr) => tr.type === 'heatmap').flatMap((tr) => tr.z.flat())
                     .filter((v) => v !== null) }; }"""


def _stage(page: Page) -> dict:
    """The highlighted step, its text and what the stage plots: its pictures (RGB images) or kernels."""
    return page.evaluate(STAGE)


def _open_stage(page: Page, base_url: str, query: str = "lang=en") -> None:
    page.goto(f"{base_url}/cnn/your-classes?{query}")
    page.wait_for_function("() => document.getElementById('step-text').querySelector('.num')")


def _picture(image: dict, row: int, col: int, side: int = 28, gap: float = 0.2) -> list[list[int]]:
    """The gray values of one picture of a stage mosaic (rows of [r, g, b])."""
    step = round(side * (1 + gap))
    return [
        [px[0] for px in line[col * step : col * step + side]] for line in image["z"][row * step :][:side]
    ]


def test_the_stage_shows_the_example_set_and_its_copies_before_any_data(page: Page, base_url: str):
    _open_stage(page, base_url)
    example = httpx.get(f"{base_url}/api/datasets/example", params={"n": 4}).json()
    first = _stage(page)
    assert first["step"] == "0" and first["types"] == ["image", "image"]
    assert "circle, triangle, cross" in first["text"] and "28×28 gray" in first["text"]
    drawings = torch.tensor(example["classes"][1]["examples"]["data"], dtype=torch.float32)  # (3, 28, 28)
    for j in range(3):  # the triangles' row: the bundled drawings themselves
        torch.testing.assert_close(
            torch.tensor(_picture(first["images"][0], 1, j), dtype=torch.float32), drawings[j]
        )
    assert first["images"][1]["opacity"] < 1  # the copies, faded until step 2
    page.keyboard.press(
        "ArrowRight"
    )  # step 2: the copies appear one by one (each for 450 ms: not waited for)
    page.wait_for_function(f"() => ({STAGE})().text.includes('4 such copies')", timeout=15_000)
    copies = _stage(page)["images"][1]
    assert copies["opacity"] == 1
    crosses = torch.tensor(example["classes"][2]["augmented"]["data"], dtype=torch.float32)  # (4, 28, 28)
    for j in range(4):
        torch.testing.assert_close(torch.tensor(_picture(copies, 2, j), dtype=torch.float32), crosses[j])
    page.keyboard.press("ArrowRight")  # step 3: the first layer's kernels, the digit model's (transfer)
    page.wait_for_function(f"() => ({STAGE})().types[0] === 'heatmap'")
    kernels = httpx.get(
        f"{base_url}/api/datasets/initial-kernels", params={"input": "drawing", "mode": "transfer"}
    ).json()
    weights = torch.tensor(kernels["kernels"]["data"]).flatten()
    torch.testing.assert_close(torch.tensor(sorted(_stage(page)["weights"])), weights.sort().values)
    assert "frozen" in _stage(page)["text"]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_restores_the_start_and_the_step(page: Page, base_url: str):
    _open_stage(page, base_url, "lang=en&mode=scratch&seed=3&step=3")
    assert page.evaluate("() => [N.$('mode').value, N.$('seed').value]") == ["scratch", "3"]
    assert page.is_hidden("#state-note")
    page.wait_for_function(f"() => ({STAGE})().text.includes('random')")
    stage = _stage(page)
    kernels = httpx.get(
        f"{base_url}/api/datasets/initial-kernels", params={"input": "drawing", "mode": "scratch", "seed": 3}
    ).json()
    weights = torch.tensor(kernels["kernels"]["data"]).flatten()
    assert stage["step"] == "2"
    torch.testing.assert_close(torch.tensor(sorted(stage["weights"])), weights.sort().values)
    assert f"{weights.min().item():.3f}".rstrip("0") in stage["text"]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_link_with_nonsense_shows_the_note_and_the_defaults(page: Page, base_url: str):
    _open_stage(page, base_url, "lang=zh&mode=bogus&epochs=999&step=42&bogus=1")
    note = page.text_content("#state-note") or ""
    assert page.is_visible("#state-note") and "默认值" in note
    for part in ("= “bogus”", "(epochs) = “999”", "step = “42”", "bogus = “1”"):
        assert part in note, part
    assert page.evaluate("() => [N.$('mode').value, N.$('epochs').value]") == ["transfer", "8"]
    assert _stage(page)["step"] == "0" and "圆" in _stage(page)["text"]
    assert page.errors == []  # type: ignore[attr-defined]


def test_presentation_mode_shows_only_the_stage(page: Page, base_url: str):
    presentation_shows_only_the_stage(
        page,
        f"{base_url}/cnn/your-classes?lang=en&present=1&step=2",
        ("#train-form", "#classes"),
        ("#plot-stage",),
    )
    assert page.errors == []  # type: ignore[attr-defined]
