"""§2.1 in real Chromium: the diagram, the branch maps and the concatenation; widths and padding
redraw."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import plot_points

PLOTS = ["#plot-input", *(f"#plot-branch-{k}" for k in range(4)), "#plot-concat", "#plot-channels"]


def _open(page: Page, base_url: str, lang: str = "en") -> None:
    page.goto(f"{base_url}/cnn/inception?lang={lang}")
    page.wait_for_function("() => document.querySelector('#plot-channels')?.data?.length > 0")


def test_the_block_draws_every_part(page: Page, base_url: str):
    _open(page, base_url)
    for sel in PLOTS:
        assert plot_points(page, sel) > 0, sel
    assert plot_points(page, "#plot-channels") == 88  # one bar per channel of the concatenation
    expect(page.locator("#diagram .inc-col")).to_have_count(4)
    expect(page.locator("#diagram .inc-cat")).to_contain_text("16 + 24 + 24 + 24 = 88")
    assert "torch.manual_seed(0)" in page.text_content("#torch-code")
    assert "torch.Size([1, 88," in page.text_content("#torch-code")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_branch_width_redraws(page: Page, base_url: str):
    _open(page, base_url)
    page.fill("#w-width_5x5", "8")
    page.wait_for_function("() => document.querySelector('#plot-channels').data[0].y.length === 72")
    expect(page.locator("#diagram .inc-cat")).to_contain_text("16 + 8 + 24 + 24 = 72")
    assert "nn.Conv2d(16, 8, kernel_size=5, padding=2)" in page.text_content("#torch-code")
    page.click("#reset-widths")
    page.wait_for_function("() => document.querySelector('#plot-channels').data[0].y.length === 88")
    assert page.errors == []  # type: ignore[attr-defined]


def test_without_padding_torch_cat_fails(page: Page, base_url: str):
    _open(page, base_url, "zh")
    page.uncheck("#padding")
    expect(page.locator("#cat-error")).to_be_visible()
    expect(page.locator("#cat-error")).to_contain_text("Sizes of tensors must match")
    expect(page.locator("#diagram .inc-shape.bad")).to_have_count(3)
    expect(page.locator("#concat-plots")).to_be_hidden()
    assert "RuntimeError" in page.text_content("#torch-code")
    page.check("#padding")
    expect(page.locator("#cat-error")).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_held_out_digit_goes_through(page: Page, base_url: str):
    _open(page, base_url)
    page.select_option("#source", "digit")
    expect(page.locator("#diagram .inc-in")).to_contain_text("(1, 28, 28)")
    assert "held-out/0" in page.text_content("#torch-code")
    assert plot_points(page, "#plot-input") == 28 * 28
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_trained_choice_reads_a_digit_or_says_why_not(page: Page, base_url: str):
    from engine.models.digits import weights_path

    _open(page, base_url)
    page.select_option("#weights", "trained")
    expect(page.locator("#source")).to_have_value("digit")  # the trained model reads digits
    if weights_path("inception").exists():
        expect(page.locator("#weights-note")).to_contain_text("trained")
        expect(page.locator("#diagram .inc-in")).to_contain_text("(10, 12, 12)")
        assert page.errors == []  # type: ignore[attr-defined]
    else:  # no shipped weights yet: the status line names the field, the page goes back to the seed
        expect(page.locator("#status")).to_contain_text("weights")
        expect(page.locator("#weights")).to_have_value("seed")
