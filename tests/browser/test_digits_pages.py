"""§1.5 and §3 in Chromium: draw a digit and see it read; train a tiny job to the end."""

import contextlib
import io
from pathlib import Path

import torch
from PIL import Image
from playwright.sync_api import Page, expect

from engine.models.digits import training_record
from tests.browser.conftest import log_tick_mismatches, plot_points, run_panel_code
from tests.images import png_bytes


def test_drawing_a_digit_shows_a_prediction(page: Page, base_url: str):
    page.goto(f"{base_url}/cnn/fully-connected?lang=en")
    expect(page.locator("#answer")).to_contain_text("held-out digit")  # the first sample is read
    page.click("#clear")
    box = page.locator("#pad").bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    page.mouse.move(x + 140, y + 40)
    page.mouse.down()
    page.mouse.move(x + 145, y + 140, steps=8)
    page.mouse.move(x + 150, y + 240, steps=8)
    page.mouse.up()
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
