"""§2.2 the cost of a convolution over HTTP: POST /api/cnn/cost, good and bad input."""

import pytest
import torch
from fastapi.testclient import TestClient
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def test_the_course_example(client: TestClient):
    res = client.post("/api/cnn/cost", json={"repeats": 3})
    assert res.status_code == 200, res.text
    out = res.json()
    d, r = out["direct"], out["reduced"]
    assert out["input_shape"] == [192, 28, 28] and out["output_shape"] == [32, 28, 28]
    assert d["multiplications"] == 120_422_400 and d["torch_flops"] == 2 * 120_422_400
    assert r["multiplications"] == 12_443_648 and r["torch_flops"] == 2 * 12_443_648
    assert [ly["multiplications"] for ly in r["layers"]] == [2_408_448, 10_035_200]
    assert r["layers"][0]["formula"] == "28·28·16·192·1·1"
    assert d["parameters"] == 32 * 192 * 25 + 32 and r["parameters"] == (16 * 192 + 16) + (32 * 16 * 25 + 32)
    assert out["ratios"]["multiplications"] == pytest.approx(120_422_400 / 12_443_648)
    assert out["timed"] and out["repeats"] == 3 and out["threads"] == 1
    assert out["flops_per_multiplication"] == 2
    for v in (d, r):
        assert len(v["runs_ms"]) == 3 and v["ms"] > 0 and min(v["runs_ms"]) <= v["ms"] <= max(v["runs_ms"])
    assert out["ratios"]["time"] == pytest.approx(d["ms"] / r["ms"])


@pytest.mark.parametrize(
    ("c", "h", "w", "c_out", "k", "r"),
    [(3, 10, 7, 4, 3, None), (3, 10, 7, 4, 3, 1), (64, 14, 14, 8, 4, 8), (1, 1, 1, 1, 11, 1)],
)
def test_counts_agree_with_torch(
    client: TestClient, c: int, h: int, w: int, c_out: int, k: int, r: int | None
):
    body = {
        "in_channels": c,
        "height": h,
        "width": w,
        "out_channels": c_out,
        "kernel": k,
        "reduce_to": r,
        "repeats": 1,
    }
    out = client.post("/api/cnn/cost", json=body).json()
    layers = (
        [nn.Conv2d(c, c_out, k, padding="same")]
        if r is None
        else [nn.Conv2d(c, r, 1), nn.Conv2d(r, c_out, k, padding="same")]
    )
    with FlopCounterMode(display=False) as counter:
        nn.Sequential(*layers)(torch.randn(1, c, h, w))
    assert out["direct" if r is None else "reduced"]["torch_flops"] == counter.get_total_flops()
    variant = out["direct" if r is None else "reduced"]
    assert variant["multiplications"] * 2 == variant["torch_flops"]
    assert (out["reduced"] is None) == (r is None) and (out["ratios"] is None) == (r is None)


def test_huge_layers_are_counted_but_not_timed(client: TestClient):
    body = {
        "in_channels": 1024,
        "height": 224,
        "width": 224,
        "out_channels": 1024,
        "kernel": 11,
        "reduce_to": 16,
    }
    out = client.post("/api/cnn/cost", json=body).json()
    assert out["direct"]["multiplications"] == 224 * 224 * 1024 * 1024 * 121
    assert out["timed"] is False and out["direct"]["ms"] is None and "not timed" in out["note"]
    assert out["ratios"]["time"] is None


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"kernel": 0}, "kernel", "from 1 to 11, got 0"),
        ({"in_channels": 100_000}, "in_channels", "from 1 to 1024, got 100,000"),
        ({"out_channels": 100_000}, "out_channels", "from 1 to 1024"),
        ({"reduce_to": 300}, "reduce_to", "must be 1–192 (in_channels)"),
        ({"height": 225}, "height", "from 1 to 224"),
        ({"repeats": 21}, "repeats", "from 1 to 20"),
        ({"threads": 99}, "threads", "from 1 to 64"),
        ({"threads": 3}, "threads", "must be 1–2 on this server"),
    ],
)
def test_bad_input_names_the_field(client: TestClient, body: dict, field: str, words: str):
    res = client.post("/api/cnn/cost", json=body)
    assert res.status_code == 422, res.text
    detail = res.json()["detail"][0]
    assert detail["loc"] == ["body", field] and words in detail["msg"]
