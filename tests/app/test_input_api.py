"""§1.1 over HTTP: /api/cnn/channels gives an image's own pixels, and its grayscale by the luma rule."""

import numpy as np
import torch
from fastapi.testclient import TestClient
from PIL import Image
from torch.testing import assert_close

from app.images import SAMPLES_DIR
from app.tensors import decode_tensor


def test_channels_are_the_pngs_pixels_and_gray_is_the_luma_sum(client: TestClient):
    res = client.post("/api/cnn/channels", json={"image_id": "scene", "encoding": "f32"})
    assert res.status_code == 200, res.text
    out = res.json()
    pixels = np.asarray(Image.open(SAMPLES_DIR / "scene.png").convert("RGB"))  # (H, W, 3)
    rgb = decode_tensor(out["channels"])  # (3, H, W) 0–255
    assert out["channels"]["dtype"] == "uint8" and (out["height"], out["width"]) == pixels.shape[:2]
    assert torch.equal(rgb, torch.tensor(pixels).permute(2, 0, 1).float())
    r, g, b = out["luma_weights"]
    assert_close(decode_tensor(out["gray"])[0], r * rgb[0] + g * rgb[1] + b * rgb[2])


def test_an_unknown_image_is_a_404_naming_the_field(client: TestClient):
    res = client.post("/api/cnn/channels", json={"image_id": "no-such-image"})
    assert res.status_code == 404 and res.json()["detail"][0]["loc"] == ["body", "image_id"]
