"""The shared helper static/js/naturally.js, run in Chromium on a lesson page."""

import pytest
from playwright.sync_api import Page

# N.fmt(value, digits) for 0–4 digits: a zero before the point is never dropped (−60.34 is "-60", not
# "-6"), rounding carries (9.9999 → "10"), and a value that rounds to zero prints "0", never "-0".
FMT_CASES = {
    -60.34: ["-60", "-60.3", "-60.34", "-60.34", "-60.34"],
    9.9999: ["10", "10", "10", "10", "9.9999"],
    100: ["100", "100", "100", "100", "100"],
    -0.0004: ["0", "0", "0", "0", "-0.0004"],
    1e-20: ["0", "0", "0", "0", "0"],
    250.5: ["251", "250.5", "250.5", "250.5", "250.5"],
    -10.04: ["-10", "-10", "-10.04", "-10.04", "-10.04"],
}


@pytest.fixture
def helper_page(page: Page, base_url: str) -> Page:
    page.goto(f"{base_url}/cnn/input?lang=en")
    page.wait_for_function("() => window.N !== undefined")
    return page


@pytest.mark.parametrize("value", FMT_CASES, ids=str)
def test_fmt_keeps_significant_zeros(helper_page: Page, value: float):
    got = helper_page.evaluate("v => [0, 1, 2, 3, 4].map((d) => N.fmt(v, d))", value)
    assert got == FMT_CASES[value]


def test_fmt_large_and_whole_numbers(helper_page: Page):
    got = helper_page.evaluate("() => [N.fmt(1200, 0), N.fmt(1.5e30, 2), N.fmt(-0, 2), N.fmt(0.1 + 0.2, 4)]")
    assert got == ["1200", "1.5e+30", "0", "0.3"]
