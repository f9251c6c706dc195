"""Tensors in binary, in real Chromium: the pages get binary answers through N.api, and N.tensor reads
from them exactly the numbers it reads from the JSON of the same request (§1.2's maps, §5.3's gates)."""

import pytest
from playwright.sync_api import Page

from app.tensors import BINARY

# Both answers to one request, every tensor of each read by N.tensor: [path, form, form, numbers, equal].
COMPARE = """async ([path, body]) => {
  const binary = await N.api("POST", path, body);
  const plain = await (await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                           body: JSON.stringify(body) })).json();
  const rows = [];
  const walk = (a, b, at) => {
    if (b && typeof b === "object" && "shape" in b && "data" in b) {
      const x = N.tensor(a).data;
      const y = N.tensor(b).data;
      rows.push([at, a.encoding ?? "list", b.encoding ?? "list", y.length,
                 x.length === y.length && x.every((v, i) => Object.is(v, y[i]))]);
    } else if (b && typeof b === "object") {
      for (const k of Object.keys(b)) walk(a[k], b[k], `${at}.${k}`);
    }
  };
  walk(binary, plain, "");
  return rows;
}"""


@pytest.mark.parametrize(
    ("lesson", "path", "plot"),
    [("/cnn/convolution", "/api/cnn/conv", "plot-map-0"), ("/rnn/gru", "/api/rnn/gru", "plot-z")],
)
def test_binary_answers_read_as_the_json_ones(page: Page, base_url: str, lesson: str, path: str, plot: str):
    with page.expect_response(lambda r: r.url.endswith(path) and r.request.method == "POST") as answer:
        page.goto(f"{base_url}{lesson}?lang=en")
    res = answer.value
    assert res.headers["content-type"] == BINARY  # what the page drew from
    body = res.request.post_data_json
    page.wait_for_function(f"() => (document.getElementById('{plot}')?.data || []).length > 0")
    rows = page.evaluate(COMPARE, [path, body])
    binary = [r for r in rows if r[1] == "binary"]
    assert binary and all(r[2] == "base64" for r in binary)  # the same tensor, two transports
    assert sum(r[3] for r in binary) > 10_000  # §1.2: 460,800 numbers, §5.3: 16,352
    assert [r[0] for r in rows if not r[4]] == []
    assert page.errors == []
