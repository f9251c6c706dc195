"""What keeps one request from stalling, crashing or exhausting the server (pure ASGI middleware).

Requests with a body (POST, PUT, PATCH: every computation of the API, uploads, job submissions):

- BodyCap, outside everything that reads a body: the body is capped by its kind, JSON at
  app/bodies.JSON_MAX_BYTES (the largest valid request), a multipart upload at upload_max_bytes +
  64 KB; a Content-Length over the cap, or a chunked body that grows past it, gets a 413 at once;
- BodyRequests, inside the answer cache (app/answers.py: a repeat is answered at once, without
  waiting for a turn): at most `max_running` run at once and `max_waiting` wait their turn, first
  come first served; one more gets a 503 with Retry-After;
- each runs on a lane: an event loop in a thread of its own. JSON parsing, validation, the endpoint,
  the answer's serialisation and gzip all happen there, so the server's own loop, which answers
  /healthz, the pages and the event streams, only moves bytes. (Python runs one thread at a time,
  so a lane still delays the loop by as long as one call holds the lock: app/bodies.py and the
  budgets of app/tensors.py keep those calls short.)
- when the last one running ends, the allocator gives its free memory back (app/memory.py).

Every request runs under an answer budget (app/tensors.answer_budget): one answer's tensors may
not exceed `answer_max_bytes`. HEAD is answered as GET without the body (health checks)."""

import asyncio
import json
import threading
from collections import deque
from collections.abc import Coroutine
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.bodies import JSON_MAX_BYTES, too_large_detail
from app.i18n import from_accept_language, translate
from app.memory import give_back_soon
from app.tensors import answer_budget

BODY_METHODS = {"POST", "PUT", "PATCH"}
MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and headers around the file
RETRY_AFTER_SECONDS = 5


class Lane:
    """An event loop running in a thread of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="request-lane", daemon=True).start()

    def run(self, coro: Coroutine[Any, Any, None]) -> asyncio.Future:
        """Run `coro` on this lane; the returned future belongs to the caller's loop."""
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))


_IDLE_LANES: list[Lane] = []  # shared by every app in the process (tests build many)
_LANES_LOCK = threading.Lock()


def _take_lane() -> Lane:
    with _LANES_LOCK:
        if _IDLE_LANES:
            return _IDLE_LANES.pop()
    return Lane()


def _return_lane(lane: Lane) -> None:
    with _LANES_LOCK:
        _IDLE_LANES.append(lane)


class BodyTooLarge(Exception):
    pass


class RequestsBusy(Exception):
    pass


class BodyCap:
    def __init__(self, app: ASGIApp, *, upload_max_bytes: int) -> None:
        self.app = app
        self.upload_cap = upload_max_bytes + MULTIPART_OVERHEAD

    def cap(self, scope: Scope) -> int:
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        return self.upload_cap if content_type.startswith(b"multipart/") else JSON_MAX_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        cap = self.cap(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > cap:
            await too_large(scope, send, cap)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > cap:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await too_large(scope, send, cap)  # read before any answer: nothing was sent yet


class BodyRequests:
    def __init__(self, app: ASGIApp, *, max_running: int, max_waiting: int, answer_max_bytes: int) -> None:
        self.app = app
        self.max_running = max_running
        self.max_waiting = max_waiting
        self.answer_max_bytes = answer_max_bytes
        self.running = 0
        self.waiting: deque[asyncio.Future] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with answer_budget(self.answer_max_bytes):
            if scope["method"] in BODY_METHODS:
                await self._with_body(scope, receive, send)
            else:
                await self.app(scope, receive, send)

    async def _with_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._enter()
        except RequestsBusy:
            await busy(scope, send, self.running, len(self.waiting))
            return
        lane = _take_lane()
        try:
            body = await read_body(receive)  # under BodyCap's cap
            await lane.run(self.app(scope, *on_loop(asyncio.get_running_loop(), body, receive, send)))
        finally:
            _return_lane(lane)
            self._leave()

    async def _enter(self) -> None:
        """Wait for a free place among the running (first come, first served)."""
        if self.running < self.max_running and not self.waiting:
            self.running += 1
            return
        if len(self.waiting) >= self.max_waiting:
            raise RequestsBusy
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await turn  # _leave() hands its place over: running stays counted
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._leave()  # the place came just as this request was cancelled
            else:
                self.waiting.remove(turn)
            raise

    def _leave(self) -> None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.running -= 1
        if self.running == 0:
            give_back_soon()


def on_loop(
    loop: asyncio.AbstractEventLoop, body: bytes, receive: Receive, send: Send
) -> tuple[Receive, Send]:
    """receive and send for an app running on a lane: the body once, then the server's own
    receive and send, called on the server's loop (`loop`)."""
    delivered = False

    def there(coro: Coroutine[Any, Any, Any]) -> asyncio.Future:
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    async def lane_receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await there(receive())

    async def lane_send(message: Message) -> None:
        await there(send(message))

    return lane_receive, lane_send


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _words(scope: Scope, code: str, **values: object) -> str:
    """The message api.<code> in the request's language (Accept-Language, else English)."""
    header = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
    return translate(from_accept_language(header) or "en", f"api.{code}", **values)


async def too_large(scope: Scope, send: Send, cap: int) -> None:
    msg = _words(scope, "body_too_large", most=cap)
    await send_json(send, 413, {"detail": too_large_detail(msg)})


async def busy(scope: Scope, send: Send, running: int, waiting: int) -> None:
    msg = _words(scope, "server_busy", running=running, waiting=waiting, seconds=RETRY_AFTER_SECONDS)
    await send_json(send, 503, {"detail": msg}, ((b"retry-after", str(RETRY_AFTER_SECONDS).encode()),))


async def send_json(
    send: Send, status: int, content: Any, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    body = json.dumps(content).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HeadAsGet:
    """HEAD answered as GET without the body (FastAPI's routes only take the methods they declare)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        ended = False

        async def without_body(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.body":
                if ended:
                    return  # the rest of a stream
                ended, message = True, {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
