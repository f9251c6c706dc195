"""§6 in Chromium: the packing views follow the typed names; a typed name gets its top-5 bars."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import plot_points


def packed_count(page: Page) -> int:
    return page.evaluate(
        "() => { const el = document.getElementById('plot-packed');"
        " return el && el.data ? el.data[0].z[0].length : 0; }"
    )


def test_typing_names_updates_the_packing_views(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/practice?lang=en")
    page.wait_for_function("() => document.getElementById('plot-packed').data")
    assert packed_count(page) == len("nguyenschmidtrossio'brientanakadvorak")
    page.fill("#names", "Li, Chan, Dvořák")
    page.wait_for_function("() => document.getElementById('plot-packed').data[0].z[0].length === 12")
    expect(page.locator("#caption-packed")).to_contain_text("batch_sizes = [3, 3, 2, 2, 1, 1]")
    assert plot_points(page, "#plot-batch-sizes") == 6
    assert plot_points(page, "#plot-probs") == 3 * 18
    assert page.locator("#shown-name option").count() == 3
    assert page.errors == []
    page.fill("#names", "Li, Иванов")  # Cyrillic: the hint beside the box says why, in the page's language
    expect(page.locator("#names-hint")).to_contain_text("Иванов: Only Latin letters")
    assert page.errors == []  # checked on the page: no request the server must refuse


def test_typing_a_name_shows_top_five_bars(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/practice?lang=zh")
    page.wait_for_function("() => document.getElementById('plot-predict').data")
    page.fill("#predict-name", "Nakamura")
    expect(page.locator("#predict-text")).to_contain_text("nakamura")
    expect(page.locator("#predict-text")).to_contain_text("日语")  # the language in the page's language
    assert plot_points(page, "#plot-predict") == 5
    bars = page.evaluate("() => document.getElementById('plot-predict').data[0].x")
    assert bars[0] == "日语"
    expect(page.locator("#param-table tbody tr")).to_have_count(8)
    assert page.errors == []


def test_a_name_the_model_cannot_read_clears_the_old_answer(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/practice?lang=en")
    page.wait_for_function("() => document.getElementById('plot-predict').data")
    page.fill("#predict-name", "李")
    expect(page.locator("#predict-text")).to_contain_text("can be read, not: 李")  # beside the box
    assert page.evaluate("() => document.getElementById('plot-predict').data") is None
    page.fill("#predict-name", "Kowalski")
    page.wait_for_function("() => document.getElementById('plot-predict').data")
    page.fill("#predict-name", "a" * 31)  # the page says so, instead of cutting the name
    expect(page.locator("#predict-text")).to_have_text("A name has at most 30 characters; this one has 31.")
    page.fill("#names", "Li, R2D2")
    expect(page.locator("#names-hint")).to_contain_text("R2D2: Only Latin letters")
    page.fill("#predict-name", "")
    expect(page.locator("#predict-text")).to_have_text("Type a surname to see the model's guess.")
    assert page.errors == []  # checked on the page: no request the server must refuse


def test_a_cancelled_run_gives_the_page_back_to_the_shipped_model(page: Page, base_url: str):
    page.goto(f"{base_url}/rnn/practice?lang=en")
    title = "() => document.getElementById('plot-per-class').layout?.title?.text"
    page.wait_for_function(f"{title} === 'shipped model'")
    tiny = {"epochs": "40", "train_size": "300", "hidden_size": "8", "embedding_dim": "4"}
    for field, value in tiny.items():
        page.fill(f"#{field}", value)
    page.click("#start")
    page.wait_for_function(f"{title}?.startsWith('your model after epoch')", timeout=60_000)
    page.click("#cancel")
    expect(page.locator("#job-text")).to_have_text("Cancelled.")
    page.wait_for_function(f"{title} === 'shipped model'")  # not a cancelled run's epoch beside it
    expect(page.locator("#job-weights")).to_be_hidden()
    assert page.errors == []
