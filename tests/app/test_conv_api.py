"""§1.2 convolution over HTTP: /api/cnn/conv and /api/cnn/conv/trace, good and bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from fastapi.testclient import TestClient
from PIL import Image
from torch.testing import assert_close

from app.tensors import decode_tensor
from engine.cnn.channels import to_channels
from engine.cnn.kernels import weight

X = torch.arange(30.0).reshape(1, 5, 6)  # (C, H, W)


def _sample(name: str) -> torch.Tensor:
    return to_channels(np.asarray(Image.open(f"app/samples/{name}.png").convert("RGB")))


def test_named_kernels_on_a_sample_image(client: TestClient):
    body = {
        "image_id": "shapes",
        "kernels": ["sobel_x", "blur", "identity"],
        "bias": [1, 2, 3],
        "stride": 2,
        "padding": 1,
        "partials_group": 1,
    }
    res = client.post("/api/cnn/conv", json=body)
    assert res.status_code == 200, res.text
    out = res.json()
    x = _sample("shapes")  # (3, 256, 256)
    w = weight(["sobel_x", "blur", "identity"], 3)
    expected = F.conv2d(x[None], w, torch.tensor([1.0, 2, 3]), stride=2, padding=1)[0]
    assert out["input_shape"] == [3, 256, 256]
    assert out["weight_shape"] == [3, 3, 3, 3]
    assert out["output_shape"] == [3, 128, 128]
    assert out["output"]["encoding"] == "base64"  # large maps travel as float16
    assert_close(decode_tensor(out["output"]), expected, atol=0.5, rtol=1e-3)
    assert_close(decode_tensor(out["weight"]), w)
    parts = decode_tensor(out["partials"])  # (C, H', W') of group 1
    assert parts.shape == (3, 128, 128)
    assert_close(parts.sum(0) + 2, expected[1], atol=0.5, rtol=1e-3)
    assert out["multiplications"] == 3 * 128 * 128 * 3 * 9


def test_explicit_weight_and_list_encoding(client: TestClient):
    w = torch.tensor([[[[1.0, -1.0], [0.5, 2.0]]], [[[0.0, 1.0], [1.0, 0.0]]]])  # (2, 1, 2, 2)
    body = {
        "input": X.tolist(),
        "weight": {"shape": [2, 1, 2, 2], "data": w.tolist()},
        "dilation": 2,
        "encoding": "list",
        "partials_group": 0,
    }
    out = client.post("/api/cnn/conv", json=body).json()
    expected = F.conv2d(X[None], w, dilation=2)[0]
    assert out["output_shape"] == list(expected.shape) == [2, 3, 4]
    assert_close(torch.tensor(out["output"]["data"]), expected)
    assert out["bias"] == [0.0, 0.0]
    assert_close(torch.tensor(out["partials"]["data"])[0], expected[0])


def test_gray_image_has_one_channel(client: TestClient):
    out = client.post(
        "/api/cnn/conv", json={"image_id": "digit", "color": "gray", "kernels": ["edge"]}
    ).json()
    assert out["input_shape"] == [1, 28, 28] and out["output_shape"] == [1, 26, 26]


def test_trace_matches_conv2d_at_every_step(client: TestClient):
    x = torch.randint(0, 256, (2, 6, 7)).float()
    w = torch.randn(3, 2, 3, 3)
    body = {
        "input": x.tolist(),
        "weight": w.tolist(),
        "bias": [0.5, -1, 2],
        "group": 2,
        "stride": 2,
        "padding": 1,
    }
    res = client.post("/api/cnn/conv/trace", json=body)
    assert res.status_code == 200, res.text
    out = res.json()
    expected = F.conv2d(x[None], w, torch.tensor([0.5, -1, 2]), stride=2, padding=1)[0, 2]  # (3, 4)
    assert len(out["steps"]) == 12
    assert out["padded"]["shape"] == [2, 8, 9]
    assert_close(torch.tensor(out["kernel"]["data"]), w[2])
    for st in out["steps"]:
        win = torch.tensor(st["window"])
        assert_close(torch.tensor(st["products"]), win * w[2])
        assert_close(st["sum"] + st["bias"], expected[st["row"], st["col"]].item(), atol=1e-3, rtol=1e-5)
        assert st["value"] == st["sum"] + st["bias"]
    assert_close(torch.tensor(out["output"]["data"]), expected, atol=1e-3, rtol=1e-5)


def test_trace_of_an_image_patch(client: TestClient):
    body = {"image_id": "scene", "kernels": ["sharpen"], "top": 235, "left": 40, "size": 6}
    out = client.post("/api/cnn/conv/trace", json=body).json()
    assert (out["top"], out["left"], out["input_shape"]) == (234, 40, [3, 6, 6])  # moved inside
    assert (out["first_row"], out["first_col"]) == (234, 40)
    x = _sample("scene")[:, 234:240, 40:46]
    expected = F.conv2d(x[None], weight(["sharpen"], 3))[0, 0]
    assert_close(torch.tensor(out["output"]["data"]), expected, atol=1e-3, rtol=1e-5)
    assert len(out["steps"]) == 16


@pytest.mark.parametrize(
    ("top", "left", "stride", "padding", "dilation", "corner"),
    [
        (117, 157, 1, 1, 1, (117, 157)),  # the page's default patch on the scene
        (0, 0, 1, 2, 1, (0, 0)),  # at the image's corner the ring is zeros, as in F.conv2d
        (239, 319, 1, 1, 2, (234, 314)),  # moved inside at the bottom-right
        (101, 57, 2, 1, 1, (100, 56)),  # rounded down to a multiple of the stride
        (50, 99, 3, 3, 2, (48, 99)),
    ],
)
def test_patch_steps_are_the_whole_images_output(
    client: TestClient, top: int, left: int, stride: int, padding: int, dilation: int, corner: tuple
):
    """A patch's padding ring is the image's own pixels: each step equals F.conv2d on the whole image."""
    body = {
        "image_id": "scene",
        "kernels": ["sobel_x", "blur"],
        "bias": [3, -1],
        "group": 0,
        "top": top,
        "left": left,
        "size": 6,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
    }
    res = client.post("/api/cnn/conv/trace", json=body)
    assert res.status_code == 200, res.text
    out = res.json()
    assert (out["top"], out["left"]) == corner
    x = _sample("scene")  # (3, 240, 320)
    whole = F.conv2d(
        x[None],
        weight(["sobel_x", "blur"], 3),
        torch.tensor([3.0, -1]),
        stride=stride,
        padding=padding,
        dilation=dilation,
    )[0, 0]
    r0, c0 = out["first_row"], out["first_col"]
    assert (r0, c0) == (corner[0] // stride, corner[1] // stride)
    got = torch.tensor(out["output"]["data"])
    assert_close(got, whole[r0 : r0 + got.shape[0], c0 : c0 + got.shape[1]], atol=1e-3, rtol=1e-5)
    for st in out["steps"]:
        assert_close(st["value"], whole[r0 + st["row"], c0 + st["col"]].item(), atol=1e-3, rtol=1e-5)
    padded = torch.tensor(out["padded"]["data"])  # the patch and its real neighbours
    p = padding
    ring = F.pad(x, (p, p, p, p))[:, corner[0] : corner[0] + 6 + 2 * p, corner[1] : corner[1] + 6 + 2 * p]
    assert_close(padded, ring)


def test_typed_matrix_is_padded_with_zeros(client: TestClient):
    body = {"input": X.tolist(), "kernels": ["blur"], "padding": 2}
    out = client.post("/api/cnn/conv/trace", json=body).json()
    assert out["top"] is None and (out["first_row"], out["first_col"]) == (0, 0)
    assert_close(torch.tensor(out["padded"]["data"]), F.pad(X, (2, 2, 2, 2)))
    expected = F.conv2d(X[None], weight(["blur"], 1), padding=2)[0, 0]
    assert_close(torch.tensor(out["output"]["data"]), expected, atol=1e-4, rtol=1e-5)


def test_kernel_library(client: TestClient):
    out = client.get("/api/cnn/kernels").json()
    assert "sobel_x" in out["names"] and len(out["names"]) == len(out["kernels"])
    assert out["kernels"]["sobel_x"] == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]


def _bad(res: object, field: str, status: int = 422) -> str:
    assert res.status_code == status, res.text[:500]  # type: ignore[attr-defined]
    detail = res.json()["detail"]  # type: ignore[attr-defined]
    loc = [str(p) for p in detail[0]["loc"]]
    assert (loc[1:2] or loc) == [field], loc
    return detail[0]["msg"]


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        ("conv", {"input": [[1, 2], [3, 4]], "kernels": ["edge"]}, "kernels", "padded input's A + 2p = 2"),
        (
            "conv",
            {"input": X.tolist(), "weight": torch.ones(1, 1, 7, 7).tolist(), "padding": 0},
            "weight",
            "more than the padded input's A + 2p",
        ),
        ("conv", {"image_id": "shapes", "kernels": ["edge"], "stride": 0}, "stride", "1 to 8"),
        ("conv", {"image_id": "shapes", "kernels": ["edge"], "padding": -1}, "padding", "0 to 10"),
        ("conv", {"image_id": "shapes", "kernels": ["edge"], "dilation": 5}, "dilation", "1 to 4"),
        ("conv", {"input": X.tolist(), "weight": torch.ones(1000, 1, 1, 1).tolist()}, "weight", "B ≤ 64"),
        (
            "conv",
            {"input": X.tolist(), "weight": torch.ones(1, 1, 12, 12).tolist(), "padding": 10},
            "weight",
            "a ≤ 11",
        ),
        ("conv", {"input": X.tolist(), "kernels": ["edge"] * 65}, "kernels", "64"),
        ("conv", {"input": X.tolist(), "weight": [[[[1, 2], [3]]]]}, "weight", "rectangular"),
        ("conv", {"input": X.tolist(), "weight": torch.ones(2, 3, 3, 3).tolist()}, "weight", "(B, 1, a, a)"),
        ("conv", {"input": X.tolist(), "weight": torch.ones(2, 1, 3, 2).tolist()}, "weight", "square"),
        ("conv", {"input": X.tolist(), "kernels": ["edge", "nope"]}, "kernels", "sobel_x"),
        ("conv", {"input": X.tolist(), "kernels": ["edge"], "bias": [1, 2]}, "bias", "B = 1"),
        ("conv", {"input": X.tolist(), "kernels": ["edge"], "partials_group": 1}, "partials_group", "0–0"),
        ("conv", {"input": X.tolist()}, "body", "exactly one of weight and kernels"),
        (
            "conv",
            {"input": X.tolist(), "kernels": ["edge"], "weight": torch.ones(1, 1, 1, 1).tolist()},
            "body",
            "exactly one",
        ),
        ("conv/trace", {"input": torch.zeros(5, 4, 4).tolist(), "kernels": ["edge"]}, "input", "C ≤ 4"),
        ("conv/trace", {"input": torch.zeros(1, 17, 4).tolist(), "kernels": ["edge"]}, "input", "H, W ≤ 16"),
        (
            "conv/trace",
            {
                "input": torch.zeros(4, 16, 16).tolist(),
                "weight": torch.ones(1, 4, 11, 11).tolist(),
                "padding": 10,
            },
            "input",
            "at most 20,000",
        ),
        ("conv/trace", {"input": X.tolist(), "kernels": ["edge"], "group": 1}, "group", "0–0"),
        ("conv/trace", {"image_id": "shapes", "kernels": ["edge"], "size": 17}, "size", "1 to 16"),
        ("conv/trace", {"input": X.tolist(), "weight": torch.ones(1, 2, 3, 3).tolist()}, "weight", "C = 2"),
    ],
)
def test_bad_input_names_the_field(client: TestClient, path: str, body: dict, field: str, words: str):
    msg = _bad(client.post(f"/api/cnn/{path}", json=body), field)
    assert words in msg


@pytest.mark.parametrize("path", ["conv", "conv/trace"])
def test_unknown_image_is_404(client: TestClient, path: str):
    msg = _bad(
        client.post(f"/api/cnn/{path}", json={"image_id": "nope", "kernels": ["edge"]}), "image_id", 404
    )
    assert "nope" in msg


def test_too_much_work_is_refused(client: TestClient):
    w = torch.zeros(64, 3, 11, 11)  # 64 × 240 × 320 × 3 × 121 ≈ 1.8·10⁹ multiplications
    body = {"image_id": "scene", "weight": {"shape": list(w.shape), "data": w.tolist()}, "padding": 5}
    msg = _bad(client.post("/api/cnn/conv", json=body), "weight")
    assert "multiplications" in msg
    assert client.get("/healthz").status_code == 200  # still serving
