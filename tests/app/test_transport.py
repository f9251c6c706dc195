"""How answers travel: tensors in binary when asked (the same numbers as JSON), gzip off the event
loop, static files and the Plotly bundle precompressed."""

import asyncio
import gzip

import pytest
import torch
from fastapi.testclient import TestClient

import app.transport as transport
from app.bodies import JSON_MAX_BYTES
from app.settings import Settings
from app.static import STATIC_DIR, version
from app.tensors import BINARY, decode_tensor, read_answer

CONV8 = {"image_id": "scene", "kernels": ["identity", "edge", "sobel_x", "sobel_y", "blur", "gaussian"]}


def wire(client: TestClient, method: str, url: str, headers: dict, **kw: object) -> tuple[bytes, dict]:
    """The body as sent (still compressed) and the headers."""
    with client.stream(method, url, headers=headers, **kw) as res:
        return b"".join(res.iter_raw()), dict(res.headers)


def tensors(answer: object, path: str = "") -> dict[str, torch.Tensor]:
    """Every tensor of an answer, by its path."""
    if isinstance(answer, dict) and {"shape", "data"} <= answer.keys():
        return {path: decode_tensor(answer)}
    items = (
        answer.items() if isinstance(answer, dict) else enumerate(answer) if isinstance(answer, list) else ()
    )
    return {k: v for key, value in items for k, v in tensors(value, f"{path}.{key}").items()}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/cnn/conv", {**CONV8, "padding": 1, "partials_group": 2}),  # float16 maps
        ("/api/cnn/conv", {**CONV8, "encoding": "q8"}),
        ("/api/cnn/channels", {"image_id": "scene"}),  # uint8 pixels and a float16 gray map
        ("/api/digits/predict", {"image_id": "digit", "encoding": "f32"}),
        ("/api/rnn/gru", {"name": "Nakamura", "encoding": "f16"}),
    ],
)
def test_a_binary_answer_holds_the_same_numbers_as_the_json_one(client: TestClient, path: str, body: dict):
    plain = client.post(path, json=body)
    binary = client.post(path, json=body, headers={"Accept": f"{BINARY}, application/json;q=0.9"})
    assert plain.headers["content-type"] == "application/json"
    assert binary.headers["content-type"] == BINARY and "Accept" in binary.headers["vary"]
    expected, got = tensors(plain.json()), tensors(read_answer(binary.content))
    assert expected.keys() == got.keys() and len(got) >= 2
    for key, t in expected.items():
        assert torch.equal(got[key], t), key
    shown = {k: v for k, v in read_answer(binary.content).items() if not isinstance(v, dict | list)}
    assert shown == {k: v for k, v in plain.json().items() if not isinstance(v, dict | list)}
    assert len(binary.content) < 0.8 * len(plain.content)  # no base64


def test_an_answer_without_large_tensors_stays_json(client: TestClient):
    res = client.post("/api/names/predict", json={"name": "Nakamura"}, headers={"Accept": BINARY})
    assert res.headers["content-type"] == "application/json" and res.json()["top"]


def test_a_client_that_refuses_binary_gets_json(client: TestClient):
    res = client.post("/api/cnn/conv", json=CONV8, headers={"Accept": f"{BINARY};q=0, application/json"})
    assert res.headers["content-type"] == "application/json"
    assert res.json()["output"]["encoding"] == "base64"


@pytest.mark.parametrize("accept", ["application/json", BINARY])
def test_a_large_answer_is_gzipped_whole_with_its_length(client: TestClient, accept: str):
    body = {"image_id": "scene", "kernels": ["sobel_x", "blur"], "encoding": "f32"}
    plain, plain_headers = wire(
        client, "POST", "/api/cnn/conv", {"Accept-Encoding": "identity", "Accept": accept}, json=body
    )
    packed, headers = wire(
        client, "POST", "/api/cnn/conv", {"Accept-Encoding": "gzip", "Accept": accept}, json=body
    )
    assert "content-encoding" not in plain_headers and len(plain) > 500_000
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept, Accept-Encoding"
    assert int(headers["content-length"]) == len(packed) < len(plain)
    assert gzip.decompress(packed) == plain


def test_gzip_runs_off_the_event_loop(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    threads = []

    def spy(chunks: list[bytes]) -> bytes:
        try:
            asyncio.get_running_loop()
            threads.append("event loop")
        except RuntimeError:
            threads.append("worker")
        return gzip_chunks(chunks)

    gzip_chunks = transport.gzip_chunks
    monkeypatch.setattr(transport, "gzip_chunks", spy)
    for accept in ("application/json", BINARY):
        res = client.post("/api/cnn/conv", json=CONV8, headers={"Accept": accept, "Accept-Encoding": "gzip"})
        assert res.headers["content-encoding"] == "gzip"
    assert threads == ["worker", "worker"]


def test_small_answers_are_sent_as_they_are(client: TestClient):
    raw, headers = wire(client, "GET", "/healthz", {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in headers and raw == b'{"status":"ok"}'


def test_event_streams_pass_through_uncompressed(client: TestClient):
    job = client.post("/api/jobs", json={"kind": "digits", "params": {"model": "basic", "epochs": 1}}).json()
    client.delete(f"/api/jobs/{job['id']}")
    with client.stream("GET", f"/api/jobs/{job['id']}/events", headers={"Accept-Encoding": "gzip"}) as res:
        assert res.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in res.headers
        assert b"data:" in b"".join(res.iter_raw())


@pytest.mark.parametrize("name", ["js/naturally.js", "css/naturally.css", "favicon.svg"])
def test_static_text_files_go_precompressed_and_versioned_ones_for_a_year(client: TestClient, name: str):
    url = f"/static/{name}?v={version(name)}"
    packed, headers = wire(client, "GET", url, {"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(packed) == (STATIC_DIR / name).read_bytes()
    assert packed == gzip.compress((STATIC_DIR / name).read_bytes(), compresslevel=9, mtime=0)
    plain, plain_headers = wire(client, "GET", f"/static/{name}", {"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain_headers and plain_headers["cache-control"] == "no-cache"
    assert plain == (STATIC_DIR / name).read_bytes()


def test_the_api_documentation_explains_both_transports_and_the_limits(client: TestClient):
    text = " ".join(client.get("/openapi.json").json()["info"]["description"].split())
    assert f"Accept: {BINARY}" in text and '"encoding": "base64"' in text  # both transports
    defaults = Settings.model_construct()
    for limit in (
        f"NATURALLY_ANSWER_MAX_BYTES` ({defaults.answer_max_bytes >> 20} MiB)",
        f"NATURALLY_MAX_WAITING_REQUESTS` more in line ({defaults.max_waiting_requests})",
        f"NATURALLY_JOB_MAX_SECONDS` ({defaults.job_max_seconds})",
        f"{JSON_MAX_BYTES / 1e6:.1f} MB",
        "one more gets `503` with `Retry-After`",
    ):
        assert limit in text, limit
