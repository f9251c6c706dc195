"""JSON request bodies, parsed under a budget and fast enough to never hold the server for long.

The largest valid request is a conv on a typed 2²⁰-number input with a 64×16×11×11 weight: about
1.17 M numbers in some 30 k arrays. A body may hold at most MAX_VALUES values (numbers, strings,
…) in at most MAX_CONTAINERS arrays and objects, counted on the raw bytes (its commas and opening
brackets: a scan at C speed, ≈ 10 ms for 30 MB) before anything is parsed; past them the answer is
a 413 at once. Ten million zeros used to take 10 s of validation on the server's event loop.

What is left is parsed by pydantic-core's parser (`from_json`): 5–10× faster than `json.loads`, which
matters because a parser holds Python's lock (the GIL) for its whole call, and the event loop waits
for it even when the parse runs in another thread (app/middleware.py runs it in one). It also refuses
strings that are not valid Unicode (a lone surrogate such as "\\ud800"), which `json.loads` lets
through into strings that fail later, when they are encoded.

Every router uses BodyRoute (`APIRouter(..., route_class=BodyRoute)`), so FastAPI's body handling
reads the JSON through parse_json (FastAPI's documented way to customise how a body is read)."""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from pydantic_core import from_json

from app.i18n import api_language, translate

MAX_VALUES = 5 << 18  # 1,310,720 = 1.25 · 2²⁰: a 2²⁰-number tensor, its weight and the rest
MAX_CONTAINERS = 1 << 17  # 131,072 arrays and objects: a 16×1024×1024 tensor written as lists has 16,400
MAX_NUMBER_CHARS = 24  # "-1.2345678901234567e-05," a float32 in the shortest form that reads back exactly
JSON_MAX_BYTES = MAX_VALUES * MAX_NUMBER_CHARS  # 31.5 MB: the largest valid body, written in full precision


def parse_json(body: bytes, lang: str = "en") -> Any:
    """The body's JSON value, or a 413 (its message in `lang`) when it holds more values or arrays than
    any request needs, or a json.JSONDecodeError (FastAPI answers 422 `json_invalid`) when it is not
    JSON."""
    values = body.count(b",") + 1
    if values > MAX_VALUES:
        raise too_complex(translate(lang, "api.body_too_many_values", most=MAX_VALUES, has=values))
    containers = body.count(b"[") + body.count(b"{")
    if containers > MAX_CONTAINERS:
        raise too_complex(translate(lang, "api.body_too_many_arrays", most=MAX_CONTAINERS, has=containers))
    try:
        return from_json(body)
    except ValueError as e:
        raise json.JSONDecodeError(str(e), "", 0) from None


def too_large_detail(msg: str) -> list[dict[str, Any]]:
    """The detail of a 413 for a body too large or too complex, shaped as FastAPI's 422 details."""
    return [{"loc": ["body"], "type": "too_large", "msg": msg}]


def too_complex(msg: str) -> HTTPException:
    return HTTPException(413, detail=too_large_detail(msg))


class BudgetedJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body(), api_language(self))
        return self._json


class BodyRoute(APIRoute):
    """A route whose JSON body is read by parse_json (the route class of every router)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_budgeted_json(request: Request) -> Response:
            return await handler(BudgetedJSONRequest(request.scope, request.receive))

        return with_budgeted_json
