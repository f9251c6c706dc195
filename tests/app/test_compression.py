"""gzip: large answers compressed (level 1), small ones left alone."""

import gzip

from fastapi.testclient import TestClient


def wire(client: TestClient, method: str, url: str, accept: str, **kw: object) -> tuple[bytes, dict]:
    """The body as sent (still compressed) and the headers."""
    with client.stream(method, url, headers={"Accept-Encoding": accept}, **kw) as res:
        return b"".join(res.iter_raw()), dict(res.headers)


def test_a_large_answer_is_gzipped_whole_with_its_length(client: TestClient):
    body = {"image_id": "scene", "kernels": ["sobel_x", "blur"], "encoding": "f32"}
    plain, plain_headers = wire(client, "POST", "/api/cnn/conv", "identity", json=body)
    packed, headers = wire(client, "POST", "/api/cnn/conv", "gzip", json=body)
    assert "content-encoding" not in plain_headers and len(plain) > 500_000
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(packed) < len(plain)
    assert gzip.decompress(packed) == plain


def test_small_answers_are_sent_as_they_are(client: TestClient):
    raw, headers = wire(client, "GET", "/healthz", "gzip")
    assert "content-encoding" not in headers and raw == b'{"status":"ok"}'
