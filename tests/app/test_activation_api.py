"""§1.4 activation over HTTP: the numbers match torch, bad input gets a 4xx naming the field."""

import pytest
import torch
import torch.nn.functional as F
from fastapi.testclient import TestClient
from PIL import Image
from torch.testing import assert_close

from app.schemas.activation import Function
from app.tensors import decode_tensor
from engine.cnn.activation import FUNCTIONS
from engine.cnn.kernels import weight
from tests.images import png_bytes

URL = "/api/cnn/activation"
X = [[[-2.0, -1.0, 0.0, 1.0], [3.0, -4.0, 0.5, 2.0], [-0.5, 6.0, -7.0, 0.0]]]  # (1, 3, 4)


def test_functions_literal_matches_the_engine():
    assert Function.__args__ == FUNCTIONS


def test_relu_on_edge_maps_of_a_sample(client: TestClient):
    r = client.post(URL, json={"image_id": "shapes", "encoding": "f32", "bins": 40})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["function"] == "relu" and body["kernels"] == ["edge_vertical", "edge_horizontal"]
    before, after = decode_tensor(body["before"]), decode_tensor(body["after"])
    c, h, w = body["input_shape"]
    assert (c, h, w) == (3, 256, 256) and before.shape == (2, h - 2, w - 2)
    assert_close(after, torch.relu(before))
    assert before.min() < 0 < before.max()  # edge kernels give real negative values
    assert body["zero_share"] == pytest.approx((after == 0).float().mean().item())
    assert body["negative_share"] == pytest.approx((before < 0).float().mean().item())
    assert body["zero_share_before"] == pytest.approx((before == 0).float().mean().item())
    assert body["zero_share_before"] > 0.9  # the flat areas of the drawing give exactly 0
    assert body["saturated_share"] is None
    hist = body["hist_before"]
    assert len(hist["edges"]) == 41 and sum(hist["counts"]) == before.numel()
    assert hist["counts"] == torch.histc(before, bins=40).long().tolist()
    assert body["hist_after"]["counts"] == torch.histc(after, bins=40).long().tolist()
    curve = body["curve"]
    assert len(curve["x"]) == 241 and curve["dydx"] == [float(v > 0) for v in curve["x"]]


def test_explicit_input_without_kernels(client: TestClient):
    r = client.post(
        URL, json={"input": X, "function": "sigmoid", "kernels": [], "bins": 5, "x_max": 3, "points": 7}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    x = torch.tensor(X)
    assert_close(decode_tensor(body["before"]), x)
    assert_close(decode_tensor(body["after"]), torch.sigmoid(x))
    s = torch.sigmoid(x)
    assert body["saturated_share"] == pytest.approx(((s < 0.01) | (s > 0.99)).float().mean().item())
    assert body["zero_share"] == 0
    xs = torch.tensor(body["curve"]["x"])
    assert_close(xs, torch.linspace(-3, 3, 7))
    sg = torch.sigmoid(xs)
    assert_close(torch.tensor(body["curve"]["dydx"]), sg * (1 - sg))


@pytest.mark.parametrize("name", ["tanh", "leaky_relu"])
def test_other_functions_on_a_gray_image(client: TestClient, name: str):
    r = client.post(
        URL,
        json={
            "image_id": "digit",
            "color": "gray",
            "function": name,
            "negative_slope": 0.2,
            "kernels": ["sobel_x"],
            "encoding": "list",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    before, after = decode_tensor(body["before"]), decode_tensor(body["after"])
    assert before.shape == (1, 26, 26)
    torch_f = torch.tanh if name == "tanh" else (lambda t: F.leaky_relu(t, 0.2))
    assert_close(after, torch_f(before))
    if name == "tanh":
        assert body["saturated_share"] == pytest.approx((after.abs() > 0.99).float().mean().item())


def test_unnormalized_image_matches_conv2d(client: TestClient):
    r = client.post(
        URL, json={"image_id": "checker", "normalize": False, "kernels": ["edge"], "encoding": "list"}
    )
    body = r.json()
    rgb = client.post("/api/cnn/channels", json={"image_id": "checker", "encoding": "list"}).json()
    x = decode_tensor(rgb["channels"])
    # pixels up to 255 times taps summing to 0: float32 cancellation leaves ~1e-4 where torch's own
    # kernels (which depend on the thread count) give an exact 0, so the tolerance is absolute
    assert_close(
        decode_tensor(body["before"]), F.conv2d(x[None], weight(["edge"], 3))[0], atol=1e-3, rtol=1e-5
    )


def test_depth_is_autograd_through_a_real_chain(client: TestClient):
    r = client.post(URL + "/depth", json={"depth": 50, "x0": 0.5})
    assert r.status_code == 200, r.text
    chains = {c["function"]: c for c in r.json()["chains"]}
    assert list(chains) == list(FUNCTIONS)
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    h = x
    for _ in range(50):
        h = torch.sigmoid(h)
    h.backward()
    sig = chains["sigmoid"]
    assert sig["max_slope"] == 0.25
    assert sig["gradient"][-1] == pytest.approx(x.grad.item(), rel=1e-12)
    assert all(g <= b for g, b in zip(sig["gradient"], sig["bound"], strict=True))
    assert sig["bound"][-1] == pytest.approx(0.25**50)
    assert chains["relu"]["gradient"] == [1.0] * 50
    assert chains["tanh"]["max_slope"] == 1.0
    assert len(sig["curve"]["x"]) == 241


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"image_id": "shapes", "function": "softplus"}, ["function"], "relu"),
        ({"image_id": "shapes", "kernels": ["edge", "blurry"]}, ["kernels", 1], "'sobel_x'"),
        ({"image_id": "shapes", "kernels": ["edge"] * 17}, ["kernels"], "16"),
        ({"image_id": "shapes", "bins": 0}, ["bins"], "1"),
        ({"image_id": "shapes", "bins": 10_000}, ["bins"], "200"),
        ({"image_id": "shapes", "points": 5000}, ["points"], "1001"),
        ({"image_id": "shapes", "negative_slope": 2}, ["negative_slope"], "1"),
        ({"input": [[1.0, 2.0], [3.0, 4.0]]}, ["input"], "≥ 3"),
        ({"input": [[1.0, 2.0], [3.0]]}, ["input"], "rectangular"),
    ],
)
def test_bad_input_names_the_field(client: TestClient, body: dict, field: list, words: str):
    r = client.post(URL, json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"][1 : len(field) + 1] == field
    assert words in detail["msg"]


def test_unknown_image_is_404(client: TestClient):
    r = client.post(URL, json={"image_id": "no-such-image"})
    assert r.status_code == 404
    assert r.json()["detail"][0]["loc"] == ["body", "image_id"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"depth": 0}, ["depth"], "1"),
        ({"depth": 51}, ["depth"], "50"),
        ({"x0": 100}, ["x0"], "10"),
        ({"functions": []}, ["functions"], "1"),
        ({"functions": ["relu", "gelu"]}, ["functions", 1], "sigmoid"),
    ],
)
def test_bad_depth_input_names_the_field(client: TestClient, body: dict, field: list, words: str):
    r = client.post(URL + "/depth", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"][1 : len(field) + 1] == field
    assert words in detail["msg"]


def test_an_image_too_small_for_a_kernel_names_image_id(client: TestClient):
    up = client.post(
        "/api/images", files={"file": ("tiny.png", png_bytes(Image.new("RGB", (2, 5))), "image/png")}
    )
    assert up.status_code in (200, 201), up.text
    r = client.post(URL, json={"image_id": up.json()["id"]})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["body", "image_id"] and "H and W ≥ 3" in detail["msg"]
    assert client.post(URL, json={"image_id": up.json()["id"], "kernels": []}).status_code == 200


def test_sigmoid_zeros_come_with_their_float32_underflow(client: TestClient):
    body = {"image_id": "scene", "normalize": False, "function": "sigmoid", "encoding": "f32"}
    res = client.post(URL, json=body).json()
    u = res["sigmoid_underflow"]
    assert u["smallest"] == torch.finfo(torch.float32).smallest_normal * 2.0**-23  # 2⁻¹⁴⁹
    before, after = decode_tensor(res["before"]), decode_tensor(res["after"])
    assert res["zero_share"] > 0  # raw 0–255 edges reach far below −104
    assert torch.equal(after == 0, before <= u["edge"])  # exactly the inputs past the edge are 0
    assert torch.sigmoid(before[after == 0].double()).max() < u["smallest"] / 2  # float64 keeps them
    assert client.post(URL, json={**body, "function": "tanh"}).json()["sigmoid_underflow"] is None
