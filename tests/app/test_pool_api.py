"""POST /api/cnn/pool and GET /api/cnn/output-size over HTTP, good and bad input."""

import pytest
import torch
import torch.nn.functional as F
from fastapi.testclient import TestClient
from torch.testing import assert_close

from app.tensors import decode_tensor

PATCH = [[1, 5, 2, 0, 3], [5, 3, 2, 2, 7], [0, 0, 9, 1, 4], [0, 0, 1, 9, 6], [8, 1, 1, 2, 0]]


def test_pool_small_input_with_trace(client: TestClient):
    r = client.post("/api/cnn/pool", json={"input": PATCH, "kind": "max", "kernel_size": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    x = torch.tensor(PATCH, dtype=torch.float32)[None, None]
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    assert_close(decode_tensor(body["output"]), y[0])
    assert_close(decode_tensor(body["input"]), x[0])
    assert (body["stride"], body["padding"], body["input_shape"], body["output_shape"]) == (
        2,
        0,
        [1, 5, 5],
        [1, 2, 2],
    )
    tr = body["trace"]
    assert (tr["rows"], tr["cols"], tr["divisor"]) == ([0, 2], [0, 2], 1)
    assert decode_tensor(tr["argmax"]).long().tolist() == idx[0].tolist()


def test_pool_avg_with_padding_and_stride(client: TestClient):
    body = client.post(
        "/api/cnn/pool", json={"input": PATCH, "kind": "avg", "kernel_size": 3, "stride": 2, "padding": 1}
    ).json()
    x = torch.tensor(PATCH, dtype=torch.float32)[None, None]
    assert_close(decode_tensor(body["output"]), F.avg_pool2d(x, 3, 2, 1)[0])
    assert body["trace"]["rows"] == [-1, 1, 3] and body["trace"]["argmax"] is None
    assert body["trace"]["divisor"] == 9


def test_pool_image_keeps_channels(client: TestClient):
    body = client.post("/api/cnn/pool", json={"image_id": "scene", "kind": "max", "kernel_size": 2}).json()
    assert body["input_shape"] == [3, 240, 320] and body["output_shape"] == [3, 120, 160]
    assert body["output"]["encoding"] == "base64" and body["trace"] is None
    y = decode_tensor(body["output"])
    x = decode_tensor(body["input"])
    assert_close(y, F.max_pool2d(x[None], 2)[0])  # pixels 0–255 are exact in float16


def test_pool_feature_maps_of_named_kernels(client: TestClient):
    body = client.post(
        "/api/cnn/pool",
        json={
            "image_id": "digit",
            "kernels": ["edge", "blur"],
            "kind": "avg",
            "kernel_size": 2,
            "encoding": "f32",
        },
    ).json()
    assert body["input_shape"] == [2, 28, 28] and body["output_shape"] == [2, 14, 14]
    assert body["kernels"] == ["edge", "blur"]
    w = decode_tensor(body["weight"])  # (2, 3, 3, 3)
    x = decode_tensor(client.post("/api/cnn/channels", json={"image_id": "digit"}).json()["channels"])
    maps = decode_tensor(body["input"])
    assert_close(maps, F.conv2d(x[None], w, padding=1)[0])
    assert_close(decode_tensor(body["output"]), F.avg_pool2d(maps[None], 2)[0])


def test_pool_gray_image(client: TestClient):
    body = client.post(
        "/api/cnn/pool", json={"image_id": "checker", "color": "gray", "kernel_size": 4, "stride": 4}
    ).json()
    assert body["input_shape"] == [1, 16, 16] and body["output_shape"] == [1, 4, 4]
    assert body["color"] == "gray"
    assert len(body["trace"]["rows"]) == 4


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"input": PATCH, "stride": 0}, "stride", "greater than or equal to 1"),
        ({"input": PATCH, "stride": 9}, "stride", "less than or equal to 8"),
        ({"input": PATCH, "padding": -1}, "padding", "greater than or equal to 0"),
        ({"input": PATCH, "kernel_size": 3, "padding": 2}, "padding", "3 // 2 = 1"),
        ({"input": PATCH, "kernel_size": 8}, "kernel_size", "padded input's A + 2p = 5"),
        ({"input": PATCH, "kernel_size": 12}, "kernel_size", "less than or equal to 11"),
        ({"input": PATCH, "kind": "min"}, "kind", "'max' or 'avg'"),
        ({"input": PATCH, "kernels": ["wobble"]}, "kernels", "edge"),
        ({"input": [[1, 2], [3]]}, "input", "rectangular"),
        ({"kind": "max"}, "", "exactly one of image_id and input"),
    ],
)
def test_pool_bad_input_names_the_field(client: TestClient, body: dict, field: str, text: str):
    r = client.post("/api/cnn/pool", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert any(field in map(str, d["loc"]) and text in d["msg"] for d in detail) or (
        not field and text in detail[0]["msg"]
    ), detail


def test_pool_unknown_image_is_404(client: TestClient):
    r = client.post("/api/cnn/pool", json={"image_id": "nope"})
    assert r.status_code == 404
    assert r.json()["detail"][0]["loc"] == ["body", "image_id"]


def test_output_size_matches_torch(client: TestClient):
    for q, shape in [
        ("size=7&kernel=3&padding=1&stride=2", (4, 4)),
        ("size=5&kernel=3", (3, 3)),
        ("size=8&kernel=2&stride=2&op=pool", (4, 4)),
        ("size=9&kernel=3&dilation=2", (5, 5)),
    ]:
        body = client.get(f"/api/cnn/output-size?{q}").json()
        x = torch.zeros(1, 1, body["size"], body["size"])
        args = (body["kernel"], body["stride"], body["padding"], body["dilation"])
        y = (
            F.max_pool2d(x, *args)
            if body["op"] == "pool"
            else F.conv2d(x, torch.zeros(1, 1, body["kernel"], body["kernel"]), None, *args[1:])
        )
        assert y.shape[-2:] == shape == (body["output_size"],) * 2
        assert body["formula"].endswith(f"= {body['output_size']}")


def test_output_size_seed_rule(client: TestClient):
    body = client.get("/api/cnn/output-size?size=5&kernel=3").json()
    assert (body["seed_rule"], body["seed_rule_agrees"], body["seed_rule_holds"]) == (3, True, True)
    body = client.get("/api/cnn/output-size?size=5&kernel=3&padding=1").json()
    assert (body["output_size"], body["seed_rule"], body["seed_rule_agrees"]) == (5, 3, False)
    body = client.get("/api/cnn/output-size?size=7&kernel=2&stride=2&op=pool").json()
    assert (body["output_size"], body["seed_rule"], body["unused"]) == (3, 5, 1)
    assert body["coverage"] == [1, 1, 1, 1, 1, 1, 0] and body["starts"] == [0, 2, 4]


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ("size=5&kernel=3&stride=0", "stride", "greater than or equal to 1"),
        ("size=5&kernel=3&padding=-1", "padding", "greater than or equal to 0"),
        ("size=5&kernel=9", "kernel", "padded input's A + 2p = 5"),
        ("size=5&kernel=3&dilation=3", "kernel", "spans d·(a − 1) + 1 = 7"),
        ("size=5&kernel=3&padding=2&op=pool", "padding", "3 // 2 = 1"),
        ("size=2000&kernel=3", "size", "less than or equal to 1024"),
        ("size=5&kernel=3&op=dense", "op", "'conv' or 'pool'"),
        ("kernel=3", "size", "Field required"),
    ],
)
def test_output_size_bad_query_names_the_field(client: TestClient, query: str, field: str, text: str):
    r = client.get(f"/api/cnn/output-size?{query}")
    assert r.status_code == 422, r.text
    d = r.json()["detail"][0]
    assert d["loc"] == ["query", field] and text in d["msg"], d
