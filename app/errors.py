"""One error shape everywhere: FastAPI's own 422 body, {"detail": [{"loc", "msg", "type"}]}."""

import json
import math
from collections.abc import Iterator
from typing import Any

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from app.security import security_headers

EXCERPT_CHARS = 200  # of the client's input, sent back in a 422


def field_error(field: str, msg: str, status_code: int = 422, where: str = "body") -> HTTPException:
    """A 4xx that names the request field (a dotted path inside `where`: body, query or path) and
    what is allowed."""
    loc = [where, *field.split(".")]
    return HTTPException(status_code, detail=[{"loc": loc, "msg": msg, "type": "value_error"}])


def _json_safe(value: Any) -> Any:
    """Non-finite floats (a client may send 1e999 or NaN) as strings, so the error can be written."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> Any:
    """The input itself when its JSON is short, else its first `limit` characters and "…" (read
    no further: a 10 MB input costs no more than a short one)."""
    text = ""
    for piece in _json_pieces(value, limit):
        text += piece
        if len(text) > limit:
            return text[:limit] + "…"
    return value


def _json_pieces(value: Any, limit: int) -> Iterator[str]:
    """`value` as JSON text, a piece at a time (strings cut after `limit` characters)."""
    if isinstance(value, dict):
        yield "{"
        for i, (key, v) in enumerate(value.items()):
            yield f"{', ' if i else ''}{json.dumps(str(key)[:limit])}: "
            yield from _json_pieces(v, limit)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for i, v in enumerate(value):
            yield ", " if i else ""
            yield from _json_pieces(v, limit)
        yield "]"
    else:
        yield json.dumps(value[: limit + 1] if isinstance(value, str) else value, default=str)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own 422 body, safe to encode whatever the client sent, with at most a short
    excerpt of the input it refers to (a 10 MB body used to come back whole)."""
    errors = [{**e, "input": excerpt(e["input"])} if "input" in e else e for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(errors))})


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A 500 that still carries the security headers (Starlette sends it from outside every
    middleware); the traceback goes to the server's log."""
    return JSONResponse(
        status_code=500,
        headers=security_headers(request.url.path),
        content={"detail": "internal server error: the server's log says more"},
    )


async def queue_unreachable(request: Request, exc: RedisError) -> JSONResponse:
    """The Redis job backend is down or unreachable: a 503 the client may retry, not a 500."""
    return JSONResponse(
        status_code=503,
        headers={"Retry-After": "10"},
        content={"detail": f"the job queue is unreachable ({type(exc).__name__}); try again later"},
    )


# Statuses a route may answer besides 200 and 422, for its OpenAPI description.
IMAGE_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no image with that `image_id`; upload one or use a sample (GET /api/samples)"}
}
NOT_AN_IMAGE: dict[int | str, dict[str, Any]] = {
    415: {"description": "the file is not a PNG, JPEG, WebP, BMP or GIF image"}
}
EVERY_ROUTE: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body could not be parsed (JSON that is not UTF-8, a broken multipart form)"},
    413: {"description": "the request body is larger than the upload cap"},
}
