"""/api/digits: predict from an array, a stored image or an upload; the models; the held-out set."""

import re

import pytest
import torch
import torch.nn.functional as F
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from app.tensors import decode_tensor
from engine.data.mnist import load_digits, mnist_split, standardise
from engine.models.digits import DEFAULT_MODEL, MODELS, load_pretrained
from tests.images import png_bytes


def drawn_one(size: int = 280) -> Image.Image:
    """A thick dark "1" drawn on white, off-centre, like a canvas drawing."""
    img = Image.new("L", (size, size), 255)
    ImageDraw.Draw(img).line((120, 40, 150, 230), fill=0, width=22)
    return img


def test_predict_a_held_out_digit_equals_the_model_itself(client: TestClient):
    split = mnist_split()
    images, _ = load_digits()
    pixels = images[split.held_out_index[0]]  # (28, 28) uint8, already MNIST-style
    res = client.post("/api/digits/predict", json={"pixels": pixels.tolist(), "encoding": "list"})
    assert res.status_code == 200, res.text
    body = res.json()
    net = load_pretrained(DEFAULT_MODEL)
    centred = decode_tensor(body["stages"]["centred"])
    with torch.no_grad():
        logits = net(standardise(centred[None]))[0]
    torch.testing.assert_close(torch.tensor(body["logits"]), logits, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(torch.tensor(body["probabilities"]), F.softmax(logits, 0), atol=1e-5, rtol=0)
    assert body["prediction"] == int(split.y_held_out[0]) == int(logits.argmax())
    assert abs(sum(body["probabilities"]) - 1) < 1e-5


def test_every_layer_is_returned_and_the_fc_layer_adds_up(client: TestClient):
    res = client.post("/api/digits/predict", json={"image_id": "digit", "encoding": "list"}).json()
    names = [layer["name"] for layer in res["layers"]]
    assert names[0] == "conv1" and names[-2:] == ["flatten", "logits"]
    x = decode_tensor(res["layers"][-2]["output"])
    w, b = decode_tensor(res["fc_weight"]), torch.tensor(res["fc_bias"])
    torch.testing.assert_close(w @ x + b, torch.tensor(res["logits"]), atol=1e-4, rtol=1e-4)
    assert res["prediction"] == 7  # the sample is a real MNIST 7


def test_an_uploaded_drawing_is_preprocessed_and_read(client: TestClient):
    res = client.post("/api/digits/predict/upload", files={"file": ("d.png", png_bytes(drawn_one()))})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["stages"]["inverted"] is True
    assert body["stages"]["centred"]["shape"] == [28, 28]
    assert body["prediction"] == 1


@pytest.mark.parametrize("name", list(MODELS))
def test_each_model_can_be_chosen(client: TestClient, name: str):
    res = client.post(
        f"/api/digits/predict/upload?model={name}", files={"file": ("d.png", png_bytes(drawn_one()))}
    )
    assert res.json()["model"] == name


def test_models_lists_the_three_nets(client: TestClient):
    models = {m["name"]: m for m in client.get("/api/digits/models").json()}
    assert set(models) == set(MODELS)
    assert sum(m["default"] for m in models.values()) == 1
    assert dict(models["basic"]["layers"])["flatten"] == [320]
    assert dict(models["inception"]["layers"])["flatten"] == [1408]
    assert dict(models["residual"]["layers"])["flatten"] == [512]
    assert models[DEFAULT_MODEL]["held_out_accuracy"] >= 0.985
    selected = re.findall(r'<option value="(\w+)" selected>', client.get("/cnn/practice").text)
    assert selected == [DEFAULT_MODEL]  # §3's form starts on it (the page no longer switches later)


def test_the_evaluation_of_the_shipped_model(client: TestClient):
    ev = client.get("/api/digits/evaluation").json()
    assert sum(map(sum, ev["confusion"])) == 2000
    correct = sum(ev["confusion"][i][i] for i in range(10))
    assert correct / 2000 == pytest.approx(ev["held_out_accuracy"])
    assert ev["misread_count"] == 2000 - correct
    assert all(m["label"] != m["predicted"] for m in ev["misread"])


def test_a_held_out_digit(client: TestClient):
    d = client.get("/api/digits/held-out/0").json()
    assert d["pixels"]["shape"] == [28, 28] and 0 <= d["label"] <= 9
    assert client.get("/api/digits/held-out/2000").status_code == 422


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"pixels": [[255] * 40] * 40}, "pixels", "blank"),
        ({"pixels": [[0] * 40] * 40}, "pixels", "blank"),
        ({"pixels": [[5]]}, "pixels", "at least"),
        ({"pixels": [[[1, 2]]]}, "pixels", "(H, W)"),
        ({"pixels": [[0] * 600] * 10}, "pixels", "512"),
        ({"image_id": "nope"}, "image_id", "no image"),
        ({"pixels": [[0] * 28] * 28, "model": "vgg"}, "model", "basic"),
        ({}, None, "exactly one"),
    ],
)
def test_bad_input_names_the_field(client: TestClient, body: dict, field: str | None, words: str):
    res = client.post("/api/digits/predict", json=body)
    assert 400 <= res.status_code < 500
    detail = res.json()["detail"][0]
    if field:
        assert detail["loc"][:2] == ["body", field]
    assert words in detail["msg"]


def test_a_1x1_upload_and_a_blank_canvas_get_clear_messages(client: TestClient):
    one_pixel = png_bytes(Image.new("L", (1, 1)))
    tiny = client.post("/api/digits/predict/upload", files={"file": ("a.png", one_pixel)})
    assert tiny.status_code == 422 and "at least" in tiny.json()["detail"][0]["msg"]
    blank = client.post(
        "/api/digits/predict/upload", files={"file": ("b.png", png_bytes(Image.new("L", (280, 280), 255)))}
    )
    assert blank.status_code == 422 and "blank" in blank.json()["detail"][0]["msg"]
