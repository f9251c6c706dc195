"""/api/overview: every stage of the shipped models in one answer; the same predictions as
/api/digits/predict and /api/names/predict; how one map was made; bad input → 4xx naming the field."""

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from httpx import Response
from PIL import Image, ImageDraw
from torch.testing import assert_close

from app.settings import Settings
from app.tensors import decode_tensor
from engine.data.mnist import load_digits, mnist_split
from engine.models.digit_stages import find, read
from engine.models.digits import DEFAULT_MODEL, MODELS, load_pretrained
from tests.images import png_bytes


def drawn_seven(size: int = 280) -> Image.Image:
    img = Image.new("L", (size, size), 255)
    ImageDraw.Draw(img).line((60, 50, 220, 50, 120, 240), fill=0, width=22)
    return img


def held_out_pixels(i: int) -> list:
    split = mnist_split()
    images, _ = load_digits()
    return images[split.held_out_index[i]].tolist()


def field(res: Response, name: str) -> None:
    assert 400 <= res.status_code < 500, res.text
    assert any(name in d["loc"] for d in res.json()["detail"]), res.text


@pytest.mark.parametrize("model", list(MODELS))
def test_a_held_out_digit_reads_as_predict_reads_its_pixels(client: TestClient, model: str):
    body = client.post("/api/overview/digits", json={"held_out": 3, "model": model}).json()
    want = client.post("/api/digits/predict", json={"pixels": held_out_pixels(3), "model": model}).json()
    assert body["prediction"] == want["prediction"] == body["label"]
    assert_close(torch.tensor(body["probabilities"]), torch.tensor(want["probabilities"]))
    assert_close(torch.tensor(body["logits"]), torch.tensor(want["logits"]))
    assert body["classes"] == [str(k) for k in range(10)] and body["model"] == model


def test_the_maps_travel_as_8_bits_and_read_back_within_half_a_step(client: TestClient):
    body = client.post("/api/overview/digits", json={"held_out": 0, "model": "inception"}).json()
    x = decode_tensor(body["input"])
    assert body["input"]["shape"] == [28, 28] and body["input"]["encoding"] is None  # exact
    r = read(load_pretrained("inception"), x)
    assert [s["name"] for s in body["stages"]] == [s.name for s in r.stages]
    for s in body["stages"]:
        assert s["maps"]["dtype"] == "uint8" and "scale" in s["maps"]
        want = find(r.stages, s["name"]).output
        assert_close(decode_tensor(s["maps"]), want, atol=s["maps"]["scale"] / 2 + 1e-6, rtol=0)
    assert_close(decode_tensor(body["flatten"]), r.flatten, atol=body["flatten"]["scale"] / 2 + 1e-6, rtol=0)
    conv2 = next(s for s in body["stages"] if s["name"] == "conv2")
    assert conv2["sources"] == ["inception1.1x1", "inception1.5x5", "inception1.3x3", "inception1.pool"]


def test_a_drawing_reads_as_predict_reads_it(client: TestClient):
    png = png_bytes(drawn_seven())
    body = client.post("/api/overview/digits/upload?model=basic", files={"file": ("d.png", png)}).json()
    want = client.post("/api/digits/predict/upload?model=basic", files={"file": ("d.png", png)}).json()
    assert body["prediction"] == want["prediction"] == 7
    assert_close(torch.tensor(body["probabilities"]), torch.tensor(want["probabilities"]))
    pixels = np.asarray(drawn_seven(), dtype=np.float32).tolist()
    same = client.post("/api/overview/digits", json={"pixels": pixels, "model": "basic"}).json()
    assert same["prediction"] == 7
    assert_close(torch.tensor(same["probabilities"]), torch.tensor(want["probabilities"]))


def test_how_a_conv_map_was_made(client: TestClient):
    body = client.post("/api/overview/digits", json={"held_out": 5}).json()
    req = {"input": body["input"], "stage": "conv2", "channel": 4}
    m = client.post("/api/overview/digits/map", json=req).json()
    net = load_pretrained(DEFAULT_MODEL)
    assert m["kind"] == "conv" and m["window"] == 5 and m["padding"] == 0
    kernel, inputs = decode_tensor(m["kernel"]), decode_tensor(m["inputs"])
    assert_close(kernel, net.conv2.weight[4].detach())
    assert m["bias"] == pytest.approx(float(net.conv2.bias[4].detach()))
    conv = torch.nn.functional.conv2d(inputs[None], kernel[None], torch.tensor([m["bias"]]))[0, 0]
    assert_close(conv, decode_tensor(m["output"]), atol=1e-5, rtol=1e-5)
    stage = next(s for s in body["stages"] if s["name"] == "conv2")
    half = stage["maps"]["scale"] / 2 + 1e-6
    assert_close(decode_tensor(stage["maps"])[4], decode_tensor(m["output"]), atol=half, rtol=0)


def test_how_a_pooled_and_an_added_map_were_made(client: TestClient):
    x = client.post("/api/overview/digits", json={"held_out": 5, "model": "residual"}).json()["input"]
    pool = client.post(
        "/api/overview/digits/map", json={"input": x, "model": "residual", "stage": "pool1", "channel": 2}
    )
    p = pool.json()
    assert p["kind"] == "pool" and p["window"] == 2 and p["stride"] == 2 and p["kernel"] is None
    assert_close(torch.nn.functional.max_pool2d(decode_tensor(p["inputs"]), 2)[0], decode_tensor(p["output"]))
    add = client.post(
        "/api/overview/digits/map",
        json={"input": x, "model": "residual", "stage": "residual1.add", "channel": 0},
    ).json()
    pair = decode_tensor(add["inputs"])
    assert add["kind"] == "add" and pair.shape == (2, 12, 12)
    assert_close(torch.relu(pair[0] + pair[1]), decode_tensor(add["output"]))


@pytest.mark.parametrize("name", ["Nakamura", "Dvořák", "O'Brien", "x"])
def test_a_name_reads_as_predict_reads_it(client: TestClient, name: str):
    body = client.post("/api/overview/names", json={"name": name}).json()
    want = client.post("/api/names/predict", json={"name": name, "k": 18}).json()
    assert body["name"] == want["name"] and body["codes"] == want["codes"]
    probs = dict(zip(body["classes"], body["probabilities"], strict=True))
    for guess in want["top"]:
        assert probs[guess["language"]] == pytest.approx(guess["probability"], abs=1e-6)
    assert body["classes"][body["prediction"]] == want["top"][0]["language"]
    T = len(body["codes"])
    assert body["states"]["shape"] == [2, 2, T, 128] and body["embedded"]["shape"] == [T, 32]
    assert body["hidden"]["shape"] == [256] and body["states"]["dtype"] == "uint8"


def test_bad_digits_get_a_4xx_naming_the_field(client: TestClient):
    blank = [[255.0] * 40 for _ in range(40)]
    field(client.post("/api/overview/digits", json={"pixels": blank}), "pixels")  # an empty canvas
    field(client.post("/api/overview/digits", json={"pixels": [[0.0] * 600] * 10}), "pixels")
    field(client.post("/api/overview/digits", json={"held_out": 2000}), "held_out")
    field(client.post("/api/overview/digits", json={"held_out": 1, "model": "vgg"}), "model")
    assert client.post("/api/overview/digits", json={}).status_code == 422
    assert client.post("/api/overview/digits", json={"held_out": 1, "pixels": blank}).status_code == 422


def test_bad_uploads_get_a_4xx_naming_the_file(client: TestClient, settings: Settings):
    white = png_bytes(Image.new("L", (200, 200), 255))
    field(client.post("/api/overview/digits/upload", files={"file": ("w.png", white)}), "file")
    field(client.post("/api/overview/digits/upload", files={"file": ("e.png", b"")}), "file")
    field(client.post("/api/overview/digits/upload", files={"file": ("t.png", b"not an image")}), "file")
    huge = b"\0" * (settings.upload_max_bytes + 10)
    res = client.post("/api/overview/digits/upload", files={"file": ("h.png", huge)})
    assert res.status_code == 413, res.text


def test_bad_map_requests_get_a_4xx_naming_the_field(client: TestClient):
    x = client.post("/api/overview/digits", json={"held_out": 5}).json()["input"]

    def ask(**kw: object) -> Response:
        return client.post("/api/overview/digits/map", json={"input": x, "stage": "conv1", "channel": 0} | kw)

    field(ask(stage="conv9"), "stage")
    field(ask(stage="../etc"), "stage")
    field(ask(channel=99), "channel")
    field(ask(channel=-1), "channel")
    field(ask(input=[[0.0] * 20] * 20), "input")
    field(ask(input=[[300.0] * 28] * 28), "input")


@pytest.mark.parametrize("name", ["", "   ", "🙂🙂", "a" * 1000, "名字"])
def test_bad_names_get_a_4xx_naming_the_name(client: TestClient, name: str):
    field(client.post("/api/overview/names", json={"name": name}), "name")
