"""How answers travel (pure ASGI): tensors in binary for clients that ask, gzip never on the event loop.

A request whose Accept names application/vnd.naturally.tensors (app/tensors.py) gets its JSON answer
with every base64 tensor moved into a binary tail: no base64, no JSON escaping of megabytes, and a
body the browser reads straight into typed arrays. Other clients get the JSON as before.

Compression runs in a worker thread (it lets go of the GIL, so it uses the second core while the
event loop serves others): a whole answer (one body message) of a compressible type, at least
`min_size` bytes, for a client that accepts gzip. It is Intel's ISA-L (the `isal` package), whose
level 1 makes what zlib's level 1 makes, a standard gzip stream of the same size, in a fifth to a
ninth of the time (docs/benchmarks.md, "Tensor transport"). Streams (events, files) pass through
untouched; answers that already have a Content-Encoding (precompressed files) too."""

import anyio
from isal import isal_zlib
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.bodies import JSON_MAX_BYTES, MAX_CONTAINERS, MAX_VALUES
from app.settings import Settings
from app.tensors import BINARY, Tail, binary_answer, frame

_DEFAULTS = Settings.model_construct()  # the defaults, whatever this process's environment says

API_DESCRIPTION = f"""
**Tensors in answers** come in two transports; the numbers are the same in both.

* **JSON** (any client, e.g. `curl` or a notebook): small tensors as nested lists,
  `{{"shape": [2, 2], "data": [[1, 2], [3, 4]]}}`; larger ones as base64 of little-endian numbers,
  `{{"shape": [...], "dtype": "float16", "encoding": "base64", "data": "…"}}`. `uint8` tensors with
  `offset` and `scale` are 8-bit ("q8"): value ≈ offset + scale · byte. A request's `encoding` field
  chooses the form: `auto` (lists up to 4,096 numbers, float16 up to 2²⁰, q8 beyond), `list`, `f16`,
  `f32`, `q8`. `app.tensors.decode_tensor` reads any of them in Python.
* **Binary** (send `Accept: {BINARY}`, as the lesson pages do): the same answer with each base64
  tensor's bytes moved out of the JSON, `"encoding": "binary", "data": {{"start": 0, "length": 307200}}`.
  The body is an 8-byte little-endian length n, n bytes of JSON (the answer), then the tensors'
  bytes, each starting at a multiple of 8 counted from the end of the JSON, so a browser reads each
  into a typed array in place. An answer without such tensors stays JSON (its Content-Type says
  which). In Python: `app.tensors.read_answer(body, content_type)`.

**Compression**: answers over 1 KB are gzipped (off the event loop) for clients that send
`Accept-Encoding: gzip`.

**Repeats**: answers that depend only on the request (the lesson endpoints; not jobs, uploads or
timings) are kept in memory: a repeated request is answered at once (`X-Cache: hit`). Each carries
an `ETag`; sending it back in `If-None-Match` gets `304 Not Modified` for a GET and, as HTTP says
for other methods, `412 Precondition Failed` for a POST, both without a body.

**Limits** (settings of the server, defaults in brackets): a JSON body holds at most
{JSON_MAX_BYTES / 1e6:.1f} MB, {MAX_VALUES:,} values and {MAX_CONTAINERS:,} arrays or objects, an upload
`NATURALLY_UPLOAD_MAX_BYTES` ({_DEFAULTS.upload_max_bytes >> 20} MiB): past them `413`. One answer's
tensors hold at most `NATURALLY_ANSWER_MAX_BYTES` ({_DEFAULTS.answer_max_bytes >> 20} MiB): past it a
`422` naming `encoding` (ask for `q8` or `f16`, or a smaller input). Requests with a body run
`NATURALLY_MAX_RUNNING_REQUESTS` at once ({_DEFAULTS.max_running_requests}), with
`NATURALLY_MAX_WAITING_REQUESTS` more in line ({_DEFAULTS.max_waiting_requests}); one more gets `503` with
`Retry-After`. A job runs at most `NATURALLY_JOB_MAX_SECONDS` ({_DEFAULTS.job_max_seconds}) and ends in
`error` past it; params estimated far over that get a `422` naming `params`. A refusal's `detail`
names the field and quotes only a short excerpt of the input.
"""
COMPRESSIBLE = ("application/json", "text/", "application/javascript", "image/svg+xml", BINARY)
GZIP_LEVEL = 1  # ISA-L's levels go 0–3; 1 shrinks these answers as much as zlib's 1
_COMPRESSORS = anyio.CapacityLimiter(2)  # threads of their own: never queued behind torch work


def accepts(header: str, media_type: str) -> bool:
    """Whether an Accept (or Accept-Encoding) header lists the type with a q-value above 0."""
    for part in header.split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() == media_type:
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def gzip_chunks(chunks: list[bytes]) -> bytes:
    z = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    return b"".join([*(z.compress(c) for c in chunks), z.flush()])


class Transport:
    def __init__(self, app: ASGIApp, min_size: int = 1024) -> None:
        self.app = app
        self.min_size = min_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        gzip = accepts(headers.get("accept-encoding", ""), "gzip")
        api = scope["path"].startswith("/api/")
        if not (api and accepts(headers.get("accept", ""), BINARY)):
            await self.app(scope, receive, Answer(send, None, gzip, api, self.min_size).send)
            return
        with binary_answer() as tail:
            await self.app(scope, receive, Answer(send, tail, gzip, api, self.min_size).send)


class Answer:
    """One response on its way out: held from its start until its body shows whether it is whole."""

    def __init__(self, send: Send, tail: Tail | None, gzip: bool, api: bool, min_size: int) -> None:
        self._send, self.tail, self.gzip, self.api, self.min_size = send, tail, gzip, api, min_size
        self.start: Message | None = None

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if self.tail is not None:
                self.tail.sealed = True
            self.start = message
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self._send(message)
            return
        start, self.start = self.start, None
        if message.get("more_body", False):  # a stream: sent as it comes
            await self._send(start)
            await self._send(message)
            return
        await self.whole(start, message.get("body", b""))

    async def whole(self, start: Message, body: bytes) -> None:
        headers = MutableHeaders(scope=start)
        chunks = [body]
        if (
            self.tail is not None
            and self.tail.size
            and headers.get("content-type", "").startswith("application/json")
        ):
            chunks = frame(body, self.tail)
            headers["content-type"] = BINARY
        if self.api:
            headers.add_vary_header("Accept")
        size = sum(len(c) for c in chunks)
        kind = headers.get("content-type", "")
        if size >= self.min_size and kind.startswith(COMPRESSIBLE) and "content-encoding" not in headers:
            headers.add_vary_header("Accept-Encoding")
            if self.gzip:
                chunks = [await anyio.to_thread.run_sync(gzip_chunks, chunks, limiter=_COMPRESSORS)]
                headers["content-encoding"] = "gzip"
        if len(chunks) > 1 or chunks[0] is not body:
            headers["content-length"] = str(sum(len(c) for c in chunks))
        await self._send(start)
        for i, chunk in enumerate(chunks):
            await self._send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})
