"""POST /api/images, GET /api/images/{id}, GET /api/samples: formats, caps, eviction, bad files."""

import io
import os
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.images import Held, least_recently_used
from app.settings import Settings
from tests.images import huge_png_header, png_bytes


def upload(client: TestClient, data: bytes, name: str = "x.png") -> object:
    return client.post("/api/images", files={"file": (name, data, "application/octet-stream")})


def stored(client: TestClient, image_id: str) -> Image.Image:
    res = client.get(f"/api/images/{image_id}")
    assert res.status_code == 200
    assert res.headers["content-type"] == "image/png"
    return Image.open(io.BytesIO(res.content)).convert("RGB")


def test_png_round_trip(client: TestClient):
    img = Image.new("RGB", (40, 30), (10, 20, 30))
    res = upload(client, png_bytes(img))
    assert res.status_code == 201
    body = res.json()
    assert (body["width"], body["height"], body["resized"], body["format"]) == (40, 30, False, "PNG")
    assert stored(client, body["id"]).getpixel((5, 5)) == (10, 20, 30)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "BMP", "GIF"])
def test_other_formats_are_accepted(client: TestClient, fmt: str):
    res = upload(client, png_bytes(Image.new("RGB", (16, 12), (200, 0, 0)), fmt))
    assert res.status_code == 201, res.text
    assert res.json()["format"] == fmt


def test_large_image_is_resized_and_says_from_what(client: TestClient, settings: Settings):
    res = upload(client, png_bytes(Image.new("RGB", (1600, 800), (0, 90, 0))))
    body = res.json()
    assert body["resized"] is True
    assert (body["original_width"], body["original_height"]) == (1600, 800)
    assert (body["width"], body["height"]) == (settings.image_max_side, settings.image_max_side // 2)


def test_exif_orientation_is_applied(client: TestClient):
    img = Image.new("RGB", (60, 20), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    res = upload(client, png_bytes(img, "JPEG", exif=exif.tobytes()))
    assert (res.json()["width"], res.json()["height"]) == (20, 60)


@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_a_large_jpeg_reports_its_real_size_rotated_or_not(client: TestClient, orientation: int):
    exif = Image.Exif()
    exif[0x0112] = orientation
    res = upload(client, png_bytes(Image.new("RGB", (3000, 2000), (0, 0, 255)), "JPEG", exif=exif.tobytes()))
    body = res.json()  # decoded at 1/4 scale (JPEG draft mode), but reported as it was
    size = (2000, 3000) if orientation in (6, 8) else (3000, 2000)
    assert (body["original_width"], body["original_height"]) == size
    assert max(body["width"], body["height"]) == 512 and body["resized"] is True
    assert (body["width"] > body["height"]) == (size[0] > size[1])


def test_a_16_bit_grayscale_png_is_scaled_not_clipped(client: TestClient):
    levels = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (8, 1))  # a ramp over 16 bits
    img = Image.fromarray(levels)
    assert img.mode == "I;16"
    res = upload(client, png_bytes(img))
    assert res.status_code == 201
    out = np.asarray(stored(client, res.json()["id"]))[0, :, 0].astype(int)
    np.testing.assert_allclose(out, np.round(levels[0] / 257), atol=1)  # 0–255, not 99.6 % white
    assert (out == 255).sum() == 1


def test_transparency_is_composited_on_white(client: TestClient):
    img = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    img.putpixel((0, 0), (255, 0, 0, 255))
    body = upload(client, png_bytes(img)).json()
    out = stored(client, body["id"])
    assert out.getpixel((4, 4)) == (255, 255, 255)
    assert out.getpixel((0, 0)) == (255, 0, 0)


def test_gif_first_frame(client: TestClient):
    frames = [Image.new("RGB", (10, 10), c) for c in ((0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    body = upload(client, buf.getvalue()).json()
    assert stored(client, body["id"]).getpixel((5, 5)) == (0, 255, 0)


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"", 422, "empty"),
        (b"this is not an image at all", 415, "not an image"),
        (png_bytes(Image.new("RGB", (64, 64), (1, 2, 3)))[:80], 422, "truncated"),
        (huge_png_header(20000, 20000), 413, "pixels"),
        (b"GIF89a" + b"\0" * 8, 415, "not an image"),
    ],
)
def test_bad_files_get_a_4xx_naming_the_field(client: TestClient, data: bytes, status: int, words: str):
    res = upload(client, data)
    assert res.status_code == status, res.text
    detail = res.json()["detail"][0]
    assert detail["loc"] == ["body", "file"]
    assert words in detail["msg"]
    assert client.get("/healthz").status_code == 200


def test_a_30_mb_file_is_refused_before_it_is_read(client: TestClient):
    res = upload(client, b"\0" * (30 * 1024 * 1024))
    assert res.status_code == 413
    assert "bytes" in res.json()["detail"][0]["msg"]
    assert client.get("/healthz").status_code == 200


def test_missing_file_field_is_a_422(client: TestClient):
    res = client.post("/api/images", files={"other": ("x.png", b"123")})
    assert res.status_code == 422
    assert res.json()["detail"][0]["loc"] == ["body", "file"]


def test_the_store_evicts_the_oldest(app, settings: Settings):  # noqa: ANN001
    settings.image_store_max_count = 2
    with TestClient(app) as client:
        ids = [upload(client, png_bytes(Image.new("RGB", (4, 4), (i, 0, 0)))).json()["id"] for i in range(3)]
        assert client.get(f"/api/images/{ids[0]}").status_code == 404
        assert all(client.get(f"/api/images/{i}").status_code == 200 for i in ids[1:])


def test_an_image_in_use_stays_and_the_least_recently_used_goes(app, settings: Settings):  # noqa: ANN001
    noise = [
        Image.fromarray(np.random.default_rng(i).integers(0, 256, (32, 32, 3), dtype=np.uint8))
        for i in range(4)
    ]
    size = len(png_bytes(noise[0]))
    settings.image_store_max_bytes = 3 * size + size // 2  # room for three
    with TestClient(app) as client:
        ids = [upload(client, png_bytes(img)).json()["id"] for img in noise[:3]]
        for age, image_id in enumerate(ids):  # uploaded 30, 20 and 10 minutes ago
            past = time.time() - 1800 + 600 * age
            os.utime(settings.data_dir / "images" / f"{image_id}.json", (past, past))
        conv = client.post("/api/cnn/conv", json={"image_id": ids[0], "kernels": ["blur"]})
        assert conv.status_code == 200  # the oldest upload, used just now
        ids.append(upload(client, png_bytes(noise[3])).json()["id"])
        kept = [client.get(f"/api/images/{i}").status_code for i in ids]
    assert kept == [200, 404, 200, 200]  # the one unused for longest went


def test_least_recently_used_keeps_what_fits():
    held = [Held(path=Path(f"{i}"), size=10, used=used) for i, used in enumerate([5.0, 1.0, 3.0, 4.0])]
    assert [h.path.name for h in least_recently_used(held, max_bytes=25, max_count=9)] == ["1", "2"]
    assert [h.path.name for h in least_recently_used(held, max_bytes=99, max_count=3)] == ["1"]
    assert least_recently_used(held, max_bytes=40, max_count=4) == []


def test_a_class_of_40_students_with_10_uploads_each_loses_none(tmp_path):  # noqa: ANN001
    """By default the store keeps 400 of the largest images an upload can become: 512×512 noise,
    the worst case for PNG."""
    noise = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    worst = len(png_bytes(Image.fromarray(noise)))
    defaults = Settings(data_dir=tmp_path)
    held = [Held(path=Path(f"{i}.png"), size=worst, used=float(i)) for i in range(40 * 10)]
    assert least_recently_used(held, defaults.image_store_max_bytes, defaults.image_store_max_count) == []
