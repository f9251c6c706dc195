"""app/middleware.py on a small ASGI app of its own: requests with a body run off the server's
event loop, at most max_running at once and max_waiting in line (first come, first served, then
503), under body caps (a declared or a chunked body: BodyCap), and the memory goes back after the
last."""

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from app import middleware
from app.bodies import JSON_MAX_BYTES
from app.middleware import BodyCap, BodyRequests, HeadAsGet
from app.tensors import _BUDGET
from tests import loop


class Recorder:
    """An ASGI app that answers each request with where it ran, after waiting for `release`."""

    def __init__(self) -> None:
        self.release: asyncio.Event | None = None
        self.started: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.started.append(body.decode())
        if self.release is not None:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.release.wait(), self.loop))
        budget = _BUDGET.get()
        text = f"{threading.current_thread().name} {len(body)} {budget.max_bytes if budget else None}"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"%d" % len(text))],
            }
        )
        await send({"type": "http.response.body", "body": text.encode()})


def serve(app: Recorder) -> BodyCap:
    return BodyCap(
        BodyRequests(app, max_running=2, max_waiting=1, answer_max_bytes=5 << 20), upload_max_bytes=1000
    )


def client(asgi: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://test")


@pytest.fixture
def trims(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    calls: list[int] = []
    monkeypatch.setattr(middleware, "give_back_soon", lambda: calls.append(1))
    yield calls


def test_a_body_request_runs_on_a_lane_and_a_get_on_the_loop(trims: list[int]):
    async def go() -> tuple[str, str, str]:
        async with client(serve(Recorder())) as c:
            post = await c.post("/x", content=b"{}")
            get = await c.get("/x")
        return post.text, get.text, threading.current_thread().name

    post, get, on_the_loop = loop.run(go())
    assert post.startswith("request-lane 2 5242880")  # the body, and the answer budget of the settings
    assert get.startswith(f"{on_the_loop} 0 5242880")
    assert trims == [1]  # once the last request with a body ended


def test_two_run_one_waits_and_the_next_gets_a_503_with_retry_after(trims: list[int]):
    app = Recorder()

    async def go() -> list[httpx.Response]:
        app.loop, app.release = asyncio.get_running_loop(), asyncio.Event()
        asgi = serve(app)
        async with client(asgi) as c:
            sent = [asyncio.create_task(c.post("/x", content=str(i).encode())) for i in range(3)]
            while len(app.started) < 2 or not asgi.app.waiting:
                await asyncio.sleep(0.01)
            busy = await c.post("/x", content=b"3")  # two run, one waits: no room
            assert sorted(app.started) == ["0", "1"]  # the third waits, unread (two lanes: either first)
            app.release.set()
            return [busy, *await asyncio.gather(*sent)]

    busy, *answers = loop.run(go())
    assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
    assert "2 requests are running and 1 waiting" in busy.json()["detail"]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert sorted(app.started[:2]) == ["0", "1"] and app.started[2] == "2"  # the one that waited, last
    assert trims == [1]


@pytest.mark.parametrize(
    ("content_type", "cap"),
    [("application/json", JSON_MAX_BYTES), ("multipart/form-data; boundary=b", 1000 + 65536)],
)
def test_bodies_over_their_cap_get_a_413_declared_or_chunked(trims: list[int], content_type: str, cap: int):
    app = Recorder()

    async def chunks(n: int) -> object:
        for _ in range(n):
            yield b"x" * 65536

    async def go() -> list[httpx.Response]:
        headers = {"content-type": content_type}
        async with client(serve(app)) as c:
            declared = await c.post("/x", content=b"x" * (cap + 1), headers=headers)
            chunked = await c.post("/x", content=chunks(cap // 65536 + 2), headers=headers)
            fits = await c.post("/x", content=b"x" * min(cap, 70000), headers=headers)
            in_zh = await c.post("/x", content=b"x" * (cap + 1), headers={**headers, "accept-language": "zh"})
        return [declared, chunked, fits, in_zh]

    declared, chunked, fits, in_zh = loop.run(go())
    assert declared.status_code == chunked.status_code == in_zh.status_code == 413
    assert chunked.json()["detail"][0]["msg"] == f"the request body is larger than {cap:,} bytes"
    assert in_zh.json()["detail"][0]["msg"] == f"请求体超过了 {cap:,} 字节"
    assert fits.status_code == 200
    assert app.started == ["x" * min(cap, 70000)]  # the app never saw the others


def test_head_is_get_without_the_body():
    async def go() -> httpx.Response:
        async with client(HeadAsGet(Recorder())) as c:
            return await c.head("/x")

    res = loop.run(go())
    assert res.status_code == 200 and res.content == b""
    assert int(res.headers["content-length"]) > 0  # GET's headers
