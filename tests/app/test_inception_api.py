"""§2.1 the Inception block over HTTP: POST /api/cnn/inception, good and bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from fastapi.testclient import TestClient
from PIL import Image
from torch.testing import assert_close

from app.routers import inception as inception_router
from app.tensors import decode_tensor
from engine.cnn.channels import grayscale, to_channels
from engine.cnn.inception import InceptionBlock
from engine.data.mnist import standardise
from engine.models.digits import build, load_pretrained, weights_path

TRAINED_DIGIT = {"image_id": "digit", "weights": "trained", "encoding": "f32"}
X = torch.arange(3 * 9 * 11, dtype=torch.float32).reshape(3, 9, 11) % 17  # (C, H, W)


def _post(client: TestClient, **body: object) -> dict:
    res = client.post("/api/cnn/inception", json={"input": X.tolist(), "encoding": "f32", **body})
    assert res.status_code == 200, res.text
    return res.json()


def test_branches_and_their_concatenation_match_torch(client: TestClient):
    out = _post(client, seed=5)
    torch.manual_seed(5)
    block = InceptionBlock(3)
    with torch.no_grad():
        parts = block.branches(X[None]).as_tuple()
        y = block(X[None])[0]
    assert out["seed"] == 5 and out["weights"] == "seed" and out["padding"] is True
    assert out["output_shape"] == [88, 9, 11] and out["cat_error"] is None
    assert_close(decode_tensor(out["output"]), y, atol=1e-4, rtol=1e-4)
    for branch, part, (a, b), name in zip(
        out["branches"],
        parts,
        [(0, 16), (16, 40), (40, 64), (64, 88)],
        ["1x1", "5x5", "3x3", "pool"],
        strict=True,
    ):
        assert branch["name"] == name and branch["channels"] == [a, b]
        assert_close(decode_tensor(branch["output"]), part[0], atol=1e-4, rtol=1e-4)
    assert_close(
        torch.cat([decode_tensor(b["output"]) for b in out["branches"]]), decode_tensor(out["output"])
    )
    layers = out["branches"][1]["layers"]
    assert [(ly["name"], ly["padding"], ly["output_shape"]) for ly in layers] == [
        ("1×1 conv", 0, [16, 9, 11]),
        ("5×5 conv", 2, [24, 9, 11]),
    ]
    assert layers[1]["multiplications"] == 9 * 11 * 24 * 16 * 25
    assert out["parameters"] == sum(p.numel() for p in block.parameters())


def test_widths_change_the_channels(client: TestClient):
    widths = {
        "width_1x1": 2,
        "reduce_5x5": 3,
        "width_5x5": 4,
        "reduce_3x3": 5,
        "width_3x3": 6,
        "width_pool": 7,
    }
    out = _post(client, widths=widths)
    assert out["output_shape"] == [2 + 4 + 6 + 7, 9, 11]
    assert [b["channels"] for b in out["branches"]] == [[0, 2], [2, 6], [6, 12], [12, 19]]


def test_without_padding_the_shapes_differ_and_cat_fails(client: TestClient):
    out = _post(client, padding=False)
    assert [b["output_shape"] for b in out["branches"]] == [[16, 9, 11], [24, 5, 7], [24, 5, 7], [24, 7, 9]]
    assert out["output"] is None and out["output_shape"] is None
    assert "Sizes of tensors must match" in out["cat_error"]
    assert all(b["channels"] is None for b in out["branches"])


def test_a_large_picture_is_scaled_down(client: TestClient):
    res = client.post("/api/cnn/inception", json={"image_id": "scene", "color": "gray", "max_side": 32})
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["original_shape"] == [1, 240, 320] and out["input_shape"] == [1, 24, 32]
    assert out["output_shape"] == [88, 24, 32]
    assert out["output"]["encoding"] == "base64"  # 67,584 numbers travel as float16
    gray = grayscale(to_channels(np.asarray(Image.open("app/samples/scene.png").convert("RGB"))))
    expected = F.interpolate(gray[None], size=(24, 32), mode="area")[0]  # (1, 24, 32)
    assert_close(decode_tensor(out["input"]), expected, atol=0.1, rtol=1e-3)


def test_the_trained_path_runs_the_models_own_layers(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    """The pipeline with a stand-in model (the shipped weights may not exist yet): the picture is
    read as a digit, conv1 → pool → ReLU feed the model's inception1."""
    torch.manual_seed(0)
    net = build("inception").eval()
    monkeypatch.setattr(inception_router, "shipped_model", lambda name: net)
    res = client.post("/api/cnn/inception", json=TRAINED_DIGIT)
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["model"] == "inception" and out["seed"] is None and out["input_shape"] == [10, 12, 12]
    assert out["digit"]["shape"] == [28, 28] and out["output_shape"] == [88, 12, 12]
    with torch.no_grad():
        x = F.relu(net.pool(net.conv1(standardise(decode_tensor(out["digit"])[None]))))
        y = net.inception1(x)[0]
    assert_close(decode_tensor(out["input"]), x[0], atol=1e-4, rtol=1e-4)
    assert_close(decode_tensor(out["output"]), y, atol=1e-4, rtol=1e-4)


def test_missing_trained_weights_say_so(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    def missing(name: str) -> None:
        raise ValueError("no shipped weights for model 'inception'")

    monkeypatch.setattr(inception_router, "shipped_model", missing)
    res = client.post("/api/cnn/inception", json={"image_id": "digit", "weights": "trained"})
    assert res.status_code == 503
    assert res.json()["detail"][0]["loc"] == ["body", "weights"]
    assert "not available" in res.json()["detail"][0]["msg"]


@pytest.mark.skipif(not weights_path("inception").exists(), reason="no trained Inception weights shipped yet")
def test_the_shipped_trained_block_on_a_digit(client: TestClient):
    res = client.post("/api/cnn/inception", json=TRAINED_DIGIT)
    assert res.status_code == 200, res.text
    out = res.json()
    net = load_pretrained("inception")
    with torch.no_grad():
        y = net.forward_trace(standardise(decode_tensor(out["digit"])[None]))["inception1"][0]
    assert_close(decode_tensor(out["output"]), y, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"widths": {"width_1x1": 0}}, ["widths", "width_1x1"], "from 1 to 256, got 0"),
        ({"widths": {"reduce_3x3": 300}}, ["widths", "reduce_3x3"], "from 1 to 256"),
        ({"seed": -1}, ["seed"], "from 0 to"),
        ({"max_side": 1000}, ["max_side"], "from 8 to 128"),
        ({"input": [[1, 2], [3, 4]], "padding": False}, ["padding"], "H, W ≥ 5"),
        ({"weights": "trained", "widths": {"width_1x1": 8}}, ["widths"], "course's widths"),
        (
            {
                "widths": {
                    k: 256
                    for k in ("width_1x1", "reduce_5x5", "width_5x5", "reduce_3x3", "width_3x3", "width_pool")
                },
                "max_side": 128,
                "image_id": "scene",
                "input": None,
            },
            ["widths"],
            "multiplications",
        ),
    ],
)
def test_bad_input_names_the_field(client: TestClient, body: dict, field: list[str], words: str):
    res = client.post("/api/cnn/inception", json={"input": X.tolist(), **body})
    assert res.status_code == 422, res.text
    detail = res.json()["detail"][0]
    assert detail["loc"][1:] == field and words in detail["msg"]


def test_no_source_or_two_sources(client: TestClient):
    assert client.post("/api/cnn/inception", json={}).status_code == 422
    res = client.post("/api/cnn/inception", json={"image_id": "nope-not-here"})
    assert res.status_code == 404 and res.json()["detail"][0]["loc"] == ["body", "image_id"]
