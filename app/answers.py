"""Answers that repeat, from memory (pure ASGI): a class opens the same defaults.

Most lesson answers are pure functions of the request: the same body gives the same bytes. Those
routes are listed in DETERMINISTIC, and their 200 answers are kept in memory, keyed by the method,
path, query, body and everything else the bytes depend on (tensors in binary or JSON, gzip or not,
the language). A repeat is answered from memory (`X-Cache: hit`); identical requests that arrive
while the first is being computed wait for it instead of computing it again.

What makes a route deterministic: the answer reads nothing that changes. Image ids name fixed
content (a sample's name, or an upload's random 128-bit id, never reused); the digit and name
models are the shipped ones; random weights come from the request's seed. Not here: anything that
reads a job (its state and trained weights change), uploads, timings (/api/cnn/cost times real
forward passes), the image store. tests/app/test_answers.py keeps every API route in one list or the
other, so a new route has to be placed.

Every kept answer carries a strong ETag (a hash of its bytes). A request whose If-None-Match names it
gets 304 Not Modified (GET) or, as HTTP says for other methods, 412 Precondition Failed (POST: the
client already holds this answer), with no body.

The memory is bounded by `max_bytes` and `max_entries` (settings: NATURALLY_ANSWER_CACHE_MAX_BYTES,
NATURALLY_ANSWER_CACHE_MAX_ENTRIES; 0 entries turns it off); the least recently used answers go
first, and one answer larger than an eighth of `max_bytes` is not kept."""

import asyncio
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass

import anyio
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import from_accept_language
from app.tensors import BINARY
from app.transport import accepts

DETERMINISTIC = {
    ("GET", "/api/samples"),
    ("GET", "/api/cnn/kernels"),
    ("GET", "/api/cnn/output-size"),
    ("POST", "/api/cnn/channels"),
    ("POST", "/api/cnn/conv"),
    ("POST", "/api/cnn/conv/trace"),
    ("POST", "/api/cnn/pool"),
    ("POST", "/api/cnn/activation"),
    ("POST", "/api/cnn/activation/depth"),
    ("POST", "/api/cnn/inception"),
    ("POST", "/api/cnn/gradient-norms"),
    ("GET", "/api/digits/models"),
    ("GET", "/api/digits/evaluation"),
    ("GET", "/api/digits/held-out/{index}"),
    ("POST", "/api/digits/predict"),
    ("POST", "/api/rnn/forward"),
    ("POST", "/api/rnn/bptt"),
    ("POST", "/api/rnn/batching/layout"),
    ("POST", "/api/rnn/bidirectional"),
    ("POST", "/api/rnn/gradient-flow"),
    ("POST", "/api/rnn/gru"),
    ("POST", "/api/rnn/pack"),
    ("GET", "/api/names/model"),
    ("POST", "/api/names/predict"),
    ("POST", "/api/names/batch"),
    ("POST", "/api/overview/digits"),
    ("POST", "/api/overview/digits/map"),
    ("POST", "/api/overview/names"),
    ("GET", "/api/datasets/initial-kernels"),  # the shipped digit model's, or seeded ones
    ("GET", "/api/datasets/example"),  # the bundled drawings, seeded copies
}
MAX_KEYED_BODY = 256 * 1024  # a request body larger than this is answered, not kept
HASH_OFF_LOOP = 64 * 1024  # bodies from this size are hashed in a worker thread


@dataclass
class Kept:
    headers: list[tuple[bytes, bytes]]  # of the 200 answer, ETag included
    body: bytes
    etag: bytes


class Answers:
    """Kept answers by key, least recently used first out; bounded in bytes and in entries."""

    def __init__(self, max_bytes: int, max_entries: int) -> None:
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._kept: OrderedDict[bytes, Kept] = OrderedDict()
        self.size = 0  # bytes of the kept bodies

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: bytes) -> Kept | None:
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
        return kept

    def put(self, key: bytes, kept: Kept) -> bool:
        """Keep it (False when it is larger than an eighth of the byte bound)."""
        if len(kept.body) > self.max_bytes // 8 or self.max_entries < 1:
            return False
        old = self._kept.pop(key, None)
        self.size += len(kept.body) - (len(old.body) if old else 0)
        self._kept[key] = kept
        while self.size > self.max_bytes or len(self._kept) > self.max_entries:
            _, gone = self._kept.popitem(last=False)
            self.size -= len(gone.body)
        return True


def _route(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$")


class AnswerCache:
    def __init__(self, app: ASGIApp, max_bytes: int, max_entries: int) -> None:
        self.app = app
        self.answers = Answers(max_bytes, max_entries)
        self._routes = [(method, _route(path)) for method, path in DETERMINISTIC]
        self._computing: dict[bytes, asyncio.Event] = {}

    def _deterministic(self, scope: Scope) -> bool:
        return any(m == scope["method"] and p.match(scope["path"]) for m, p in self._routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.answers.max_entries or not self._deterministic(scope):
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        replay = _replay(messages, receive)
        if body is None:  # too large to key: answered, not kept
            await self.app(scope, replay, send)
            return
        key = _key(scope, body)
        if key in self._computing:  # the same request is being answered: wait for that answer
            await self._computing[key].wait()
        kept = self.answers.get(key)
        if kept is not None:
            await _send_kept(kept, scope, send, b"hit")
            return
        first = key not in self._computing
        if first:
            self._computing[key] = asyncio.Event()
        try:
            await self._answer(scope, replay, send, key)
        finally:
            if first:
                self._computing.pop(key).set()

    async def _answer(self, scope: Scope, receive: Receive, send: Send, key: bytes) -> None:
        """Computes the answer; keeps it if it is a whole 200; sends it."""
        start: Message = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        if start["status"] != 200 or any(k.lower() == b"set-cookie" for k, _ in headers):
            await send(start | {"headers": [*headers, (b"x-cache", b"miss")]})
            await send({"type": "http.response.body", "body": body})
            return
        etag = await _etag(body)
        kept = Kept([*headers, (b"etag", etag)], body, etag)
        self.answers.put(key, kept)
        await _send_kept(kept, scope, send, b"miss")


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The request's messages as read, and its whole body (None past MAX_KEYED_BODY or a disconnect)."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        size += len(message.get("body", b""))
        if size > MAX_KEYED_BODY:
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _key(scope: Scope, body: bytes) -> bytes:
    """What the answer's bytes depend on: the request, the form asked for, the language, the origin."""
    h = Headers(scope=scope)
    binary = accepts(h.get("accept", ""), BINARY)
    gzip = accepts(h.get("accept-encoding", ""), "gzip")
    lang = (
        cookie_parser(h.get("cookie", "")).get("lang", ""),
        from_accept_language(h.get("accept-language", "")),
    )
    where = scope["scheme"], h.get("host", ""), scope.get("root_path", "")  # /api/samples' URLs hold them
    parts = (
        scope["method"],
        scope["path"],
        scope["query_string"].decode("latin-1"),
        binary,
        gzip,
        lang,
        where,
    )
    return hashlib.sha256(repr(parts).encode() + b"\0" + body).digest()


async def _etag(body: bytes) -> bytes:
    def digest() -> bytes:
        return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'

    return await anyio.to_thread.run_sync(digest) if len(body) >= HASH_OFF_LOOP else digest()


async def _send_kept(kept: Kept, scope: Scope, send: Send, cache: bytes) -> None:
    """The kept answer; or, when the request's If-None-Match names its ETag, that it has not changed."""
    asked = Headers(scope=scope).get("if-none-match", "")
    if asked.strip() == "*" or kept.etag.decode() in (t.strip().removeprefix("W/") for t in asked.split(",")):
        status = 304 if scope["method"] == "GET" else 412
        headers = [(k, v) for k, v in kept.headers if k.lower() in (b"etag", b"vary", b"cache-control")]
        await send(
            {"type": "http.response.start", "status": status, "headers": [*headers, (b"x-cache", cache)]}
        )
        await send({"type": "http.response.body", "body": b""})
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [*kept.headers, (b"x-cache", cache)]}
    )
    await send({"type": "http.response.body", "body": kept.body})
