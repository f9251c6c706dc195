"""POST /api/images, GET /api/images/{id}, GET /api/samples: formats, caps, eviction, bad files."""

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

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


def test_unknown_and_malformed_ids(client: TestClient):
    assert client.get("/api/images/" + "0" * 32).status_code == 404
    assert client.get("/api/images/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_samples_ship_with_the_app(client: TestClient):
    samples = {s["id"]: s for s in client.get("/api/samples").json()}
    assert {"shapes", "gradient", "digit", "scene", "checker"} <= samples.keys()
    assert (samples["digit"]["width"], samples["digit"]["height"]) == (28, 28)
    assert stored(client, "scene").size == (320, 240)
