"""One error shape everywhere: FastAPI's own 4xx body, {"detail": [{"loc", "msg", "type"}]}, each
message in the language the request asks for (`api_language`: Accept-Language, else English).

Every message a client can meet is a catalog entry (app/locales/<lang>/api.json):
- `api.<code>` for a router's `field_error(field, code, **values)`, a request validator's
  `Invalid(code, **values)` and an engine `FieldError` (its English is the engine's own sentence);
- `api.pydantic.<type>` for pydantic's own errors (ge, le, max_length, literal choices…), worded
  from their `ctx`; in English pydantic's own message is kept.
`loc` and `type` never depend on the language."""

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from app.i18n import api_language, catalog, translate
from app.security import security_headers
from engine.errors import FieldError

EXCERPT_CHARS = 200  # of the client's input, sent back in a 422


class Invalid(ValueError):
    """A request validator's refusal, worded by `api.<code>` (English here: pydantic adds it to
    its message as "Value error, …"; `validation_error` words it in the request's language)."""

    def __init__(self, code: str, **values: object) -> None:
        self.code, self.values = code, values
        super().__init__(translate("en", f"api.{code}", **values))


class Refusal(HTTPException):
    """A 4xx worded by `api.<code>` in the request's language: about one request field
    (`field`, a dotted path inside `where`: body, query or path), or about the request as a whole.
    Its `detail` is the English answer (`refused` words the one sent in the request's language)."""

    def __init__(
        self,
        status_code: int,
        code: str,
        field: str | None = None,
        where: str = "body",
        headers: dict[str, str] | None = None,
        **values: object,
    ) -> None:
        self.code, self.field, self.where, self.values = code, field, where, values
        super().__init__(status_code, detail=self.detail_in("en"), headers=headers)

    def detail_in(self, lang: str) -> str | list[dict[str, Any]]:
        msg = _words(lang, self.code, self.values)
        return msg if self.field is None else _detail(self.field, self.where, msg)


def field_error(
    field: str, code: str, status_code: int = 422, where: str = "body", **values: object
) -> Refusal:
    """A 4xx that names the request field and what is allowed (`api.<code>`, filled with values)."""
    return Refusal(status_code, code, field=field, where=where, **values)


@contextmanager
def request_fields(**names: str) -> Iterator[None]:
    """Engine FieldErrors raised inside name the request's field where its name differs from the
    engine argument's: `with request_fields(kernel="kernel_size"): …`."""
    try:
        yield
    except FieldError as e:
        e.field = names.get(e.field, e.field)
        raise


def _detail(field: str, where: str, msg: str) -> list[dict[str, Any]]:
    return [{"loc": [where, *field.split(".")], "msg": msg, "type": "value_error"}]


def _words(lang: str, code: str, values: dict[str, object]) -> str:
    """The message `api.<code>` in `lang`."""
    return translate(lang, f"api.{code}", **values)


async def refused(request: Request, exc: Refusal) -> JSONResponse:
    detail = exc.detail_in(api_language(request))
    return JSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=exc.headers)


async def engine_refused(request: Request, exc: FieldError) -> JSONResponse:
    """An engine FieldError names the argument at fault, which routers pass under the request
    field's own name: a 422 naming that field (a query parameter of a GET)."""
    where = "query" if request.method == "GET" else "body"
    msg = translate(api_language(request), f"api.{exc.code}", **exc.values)
    return JSONResponse(status_code=422, content={"detail": _detail(exc.field, where, msg)})


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


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A 500 that still carries the security headers (Starlette sends it from outside every
    middleware); the traceback goes to the server's log."""
    return JSONResponse(
        status_code=500,
        headers=security_headers(request.url.path),
        content={"detail": "internal server error: the server's log says more"},
    )


def _choices(expected: str, lang: str) -> str:
    """pydantic's "'max' or 'avg'" with the language's own "or"."""
    return expected.replace(" or ", translate(lang, "api.pydantic.or"))


def reworded(error: dict[str, Any], lang: str) -> str:
    """One pydantic error's message in `lang`: ours (api.<code>) for a refusal we raised, the
    catalog's api.pydantic.<type> for pydantic's own; pydantic's English otherwise."""
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, Invalid | FieldError) and lang != "en":
        return translate(lang, f"api.{cause.code}", **cause.values)
    key = f"api.pydantic.{error['type']}"
    if lang == "en":
        return error["msg"]
    if key not in catalog(lang):
        return translate(lang, "api.pydantic.other", type=error["type"])
    ctx = {k: v for k, v in error.get("ctx", {}).items() if k != "error"}
    if "expected" in ctx:
        ctx["expected"] = _choices(str(ctx["expected"]), lang)
    return translate(lang, key, **ctx)


def _as_sent(error: dict[str, Any], lang: str) -> dict[str, Any]:
    """One error as the client gets it: its message in `lang`, at most a short excerpt of the input
    it refers to (a 10 MB body used to come back whole), the exception behind a value_error written
    as {} (as FastAPI does for a plain ValueError)."""
    out = {**error, "msg": reworded(error, lang)}
    if "input" in error:
        out["input"] = excerpt(error["input"])
    if "error" in error.get("ctx", {}):
        out["ctx"] = {**error["ctx"], "error": {}}
    return out


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own 422 body in the request's language, safe to encode whatever the client sent."""
    errors = [_as_sent(e, api_language(request)) for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(errors))})


async def queue_unreachable(request: Request, exc: RedisError) -> JSONResponse:
    """The Redis job backend is down or unreachable: a 503 the client may retry, not a 500."""
    msg = translate(api_language(request), "api.queue_unreachable", error=type(exc).__name__)
    return JSONResponse(status_code=503, headers={"Retry-After": "10"}, content={"detail": msg})


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
