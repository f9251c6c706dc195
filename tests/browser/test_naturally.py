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


def test_panels_share_one_square_cell_size_and_fit_their_numbers(helper_page: Page):
    """N.panels: an 8×8 and a 6×6 matrix side by side get square cells of one size, and the numbers
    they print fit their cells (sized by `textFit`, so a step writing other labels keeps the font)."""
    got = helper_page.evaluate("""async () => {
        const div = N.el("div", { style: "width: 600px; height: 400px" });
        document.body.append(div);
        const grid = (n, v) => Array.from({ length: n }, () => Array(n).fill(v));
        await N.panels(div, [
          { z: grid(8, 1), text: grid(8, "-123"), textFit: [["-000"]] },
          { z: grid(6, 2), text: grid(6, "7"), textFit: [["-000"]] },
        ], { cols: 2 });
        const L = div._fullLayout;
        const sizes = [...div.querySelectorAll('.heatmaplayer .hm')].map((g) =>
          [...g.querySelectorAll('text')].map((t) => t.getBBox().width));
        const cells = [L.xaxis._length / 8, L.yaxis._length / 8, L.xaxis2._length / 6, L.yaxis2._length / 6];
        return { cells, widest: Math.max(...sizes.flat()), fonts: div.data.map((tr) => tr.textfont.size) };
    }""")
    assert max(got["cells"]) - min(got["cells"]) < 0.5  # one square cell size everywhere
    assert 0 < got["widest"] <= got["cells"][0] - 2
    assert got["fonts"][0] == got["fonts"][1] > 0  # the same font for four-character labels
