"""Answers that repeat: kept in memory only for deterministic routes, equal to fresh ones, bounded in
bytes and entries, with an ETag that answers 304; identical requests computed once."""

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from app.answers import DETERMINISTIC, AnswerCache, Answers, Kept
from app.main import create_app
from app.settings import get_settings
from app.tensors import BINARY
from tests import loop

# Every other API route, and why its answer may change for the same request.
NOT_DETERMINISTIC = {
    ("POST", "/api/images"): "stores an upload under a new id",
    ("GET", "/api/images/{image_id}"): "a file, with its own validators",
    ("POST", "/api/cnn/cost"): "times real forward passes",
    ("POST", "/api/digits/predict/upload"): "multipart: a new boundary each time, never the same body",
    ("POST", "/api/overview/digits/upload"): "multipart, as above",
    ("POST", "/api/jobs"): "starts a job",
    ("GET", "/api/jobs"): "jobs change",
    ("GET", "/api/jobs/{job_id}"): "a job changes",
    ("DELETE", "/api/jobs/{job_id}"): "cancels a job",
    ("GET", "/api/jobs/{job_id}/events"): "a stream of a job's events",
    ("GET", "/api/jobs/{job_id}/weights"): "a job's trained weights",
    ("POST", "/api/datasets"): "creates a class set",
    ("GET", "/api/datasets/{set_id}"): "a class set changes",
    ("DELETE", "/api/datasets/{set_id}"): "deletes a class set",
    ("POST", "/api/datasets/{set_id}/classes"): "adds a class",
    ("DELETE", "/api/datasets/{set_id}/classes/{label}"): "deletes a class",
    ("POST", "/api/datasets/{set_id}/examples"): "adds an example",
    ("DELETE", "/api/datasets/{set_id}/examples/{example_id}"): "deletes an example",
    ("GET", "/api/datasets/{set_id}/examples/{example_id}"): "an example's file",
    ("GET", "/api/datasets/{set_id}/export"): "a class set, as it is now",
    ("POST", "/api/datasets/import"): "creates a class set",
    ("GET", "/api/datasets/{set_id}/augmented"): "reads a class set, which changes",
    ("POST", "/api/datasets/{set_id}/predict"): "reads a job's trained model",
    ("POST", "/api/datasets/{set_id}/predict/upload"): "reads a job's trained model",
}
CONV = {"image_id": "scene", "kernels": ["sobel_x", "blur"], "padding": 1}


def test_every_api_route_is_placed_in_one_list_or_the_other():
    paths = create_app().openapi()["paths"]
    routes = {
        (method.upper(), path) for path, ops in paths.items() if path.startswith("/api/") for method in ops
    }
    assert not DETERMINISTIC & NOT_DETERMINISTIC.keys()
    assert routes == DETERMINISTIC | NOT_DETERMINISTIC.keys()


@pytest.fixture
def app_keeping(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[[int], FastAPI]]:
    """Apps whose cache keeps at most n answers (the cache reads its bounds when the app is made)."""
    monkeypatch.setenv("NATURALLY_DATA_DIR", str(tmp_path))

    def make(n: int) -> FastAPI:
        monkeypatch.setenv("NATURALLY_ANSWER_CACHE_MAX_ENTRIES", str(n))
        get_settings.cache_clear()
        return create_app()

    yield make
    get_settings.cache_clear()


@pytest.mark.parametrize("accept", ["application/json", BINARY])
def test_a_kept_answer_equals_a_fresh_one(app_keeping: Callable[[int], FastAPI], accept: str):
    def twice(app: FastAPI) -> list[httpx.Response]:
        with TestClient(app) as c:
            return [c.post("/api/cnn/conv", json=CONV, headers={"Accept": accept}) for _ in range(2)]

    fresh = twice(app_keeping(0))
    first, again = twice(app_keeping(4096))
    assert [r.headers.get("x-cache") for r in (*fresh, first, again)] == [None, None, "miss", "hit"]
    assert again.content == first.content == fresh[0].content == fresh[1].content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-type"] == first.headers["content-type"]


def test_an_etag_round_trip_answers_304(client: TestClient):
    first = client.get("/api/digits/held-out/7")
    etag = first.headers["etag"]
    again = client.get("/api/digits/held-out/7", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = client.get("/api/digits/held-out/7", headers={"If-None-Match": '"something else"'})
    assert other.status_code == 200 and other.content == first.content


def test_a_post_whose_answer_the_client_holds_gets_412(client: TestClient):
    etag = client.post("/api/cnn/conv", json=CONV).headers["etag"]
    res = client.post("/api/cnn/conv", json=CONV, headers={"If-None-Match": etag})
    assert res.status_code == 412 and res.content == b"" and res.headers["etag"] == etag


def test_each_form_of_an_answer_is_kept_apart(client: TestClient):
    forms = [
        {"Accept": "application/json", "Accept-Encoding": "identity"},
        {"Accept": "application/json", "Accept-Encoding": "gzip"},
        {"Accept": BINARY, "Accept-Encoding": "identity"},
        {"Accept": BINARY, "Accept-Encoding": "gzip"},
    ]
    firsts = [client.post("/api/cnn/conv", json=CONV, headers=h) for h in forms]
    assert [r.headers["x-cache"] for r in firsts] == ["miss"] * 4
    assert len({r.headers["etag"] for r in firsts}) == 4
    for h, first in zip(forms, firsts, strict=True):
        again = client.post("/api/cnn/conv", json=CONV, headers=h)
        assert again.headers["x-cache"] == "hit" and again.content == first.content


def test_refusals_and_other_routes_are_not_kept(client: TestClient):
    for _ in range(2):
        res = client.post("/api/cnn/conv", json={**CONV, "image_id": "nothing"})
        assert res.status_code == 404 and res.headers["x-cache"] == "miss"
    assert "x-cache" not in client.get("/healthz").headers


def test_the_store_is_bounded_in_bytes_and_in_entries():
    store = Answers(max_bytes=8_000, max_entries=3)

    def kept(n: int) -> Kept:
        return Kept([], bytes(n), b'"x"')

    for i in range(5):
        assert store.put(b"%d" % i, kept(100))
    assert len(store) == 3 and store.get(b"0") is None and store.get(b"4") is not None
    assert store.put(b"big", kept(1_000)) and store.put(b"big2", kept(1_000))
    assert len(store) == 3 and store.size == 2_100  # "4" was used most recently, so it stayed
    assert not store.put(b"huge", kept(1_001))  # more than an eighth of the bytes: not kept
    for i in range(7):
        store.put(b"k%d" % i, kept(999))
    assert store.size <= 8_000 and len(store) <= 3 and store.size == 3 * 999


def test_the_app_keeps_as_many_answers_as_its_settings_allow(app_keeping: Callable[[int], FastAPI]):
    with TestClient(app_keeping(2)) as c:
        for k in ("sobel_x", "sobel_y", "blur"):
            c.post("/api/cnn/conv", json={**CONV, "kernels": [k]})
        again = [
            c.post("/api/cnn/conv", json={**CONV, "kernels": [k]}) for k in ("sobel_y", "blur", "sobel_x")
        ]
    assert [r.headers["x-cache"] for r in again] == ["hit", "hit", "miss"]


async def counting_app(scope: Scope, receive: Receive, send: Send) -> None:
    """A deterministic route that takes a while, counting how often it really answers."""
    counting_app.calls += 1  # type: ignore[attr-defined]
    await receive()
    await asyncio.sleep(0.05)
    body = b'{"n": 1}'
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


def test_identical_requests_at_once_are_answered_by_one_computation():
    counting_app.calls = 0  # type: ignore[attr-defined]
    cache = AnswerCache(counting_app, max_bytes=1 << 20, max_entries=10)

    async def class_opens_the_page() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=cache)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await asyncio.gather(*(c.post("/api/cnn/conv", json=CONV) for _ in range(30)))

    answers = loop.run(class_opens_the_page())
    assert counting_app.calls == 1  # type: ignore[attr-defined]
    assert {r.content for r in answers} == {b'{"n": 1}'}
    assert sorted(r.headers["x-cache"] for r in answers) == ["hit"] * 29 + ["miss"]


def test_a_cache_of_no_entries_changes_nothing():
    counting_app.calls = 0  # type: ignore[attr-defined]
    cache = AnswerCache(counting_app, max_bytes=1 << 20, max_entries=0)

    async def twice() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cache), base_url="http://t") as c:
            return [await c.post("/api/cnn/conv", json=CONV) for _ in range(2)]

    answers = loop.run(twice())
    assert counting_app.calls == 2  # type: ignore[attr-defined]
    assert all("x-cache" not in r.headers for r in answers)


def test_answers_name_no_host_whatever_host_was_asked(client: TestClient):
    for host in ("a.example", "b.example", "a.example"):
        res = client.get("/api/samples", headers={"Host": host})
        assert '"url":"/api/images/' in res.text and host not in res.text  # links are paths (#16)
