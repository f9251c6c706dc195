"""app/bodies.py: JSON bodies parsed under a budget of values and arrays, invalid Unicode refused,
and every router reading its bodies that way."""

import importlib
import json
import pkgutil

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

import app.routers
from app.bodies import MAX_CONTAINERS, MAX_VALUES, BodyRoute, parse_json


def test_a_body_within_the_budget_parses_like_json_loads():
    body = json.dumps({"input": [[0.1, -2, 3e-5], [1e6, 0, 7]], "name": "Dvořák ✓", "k": None}).encode()
    assert parse_json(body) == json.loads(body)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"[" + b"0," * MAX_VALUES + b"0]", "more than 1,310,720 values"),
        (b"[" + b"[]" * (MAX_CONTAINERS + 1) + b"]", "more than 131,072 arrays and objects"),
        (b"[" + b"{}" * (MAX_CONTAINERS + 1) + b"]", "arrays and objects"),
    ],
)
def test_a_body_over_the_budget_is_a_413_before_parsing(body: bytes, words: str):
    with pytest.raises(HTTPException) as e:
        parse_json(body)
    assert e.value.status_code == 413 and words in e.value.detail[0]["msg"]


def test_the_413_of_a_body_over_the_budget_speaks_the_clients_language(client: TestClient):
    body = b'{"input": [' + b"0," * MAX_VALUES + b"0]}"
    headers = {"content-type": "application/json", "accept-language": "zh-CN,zh;q=0.9"}
    res = client.post("/api/cnn/conv", content=body, headers=headers)
    assert res.status_code == 413
    assert res.json()["detail"][0]["msg"] == (
        f"请求体含有超过 {MAX_VALUES:,} 个值（数、字符串……），"
        f"约有 {MAX_VALUES + 1:,} 个：没有哪个请求需要这么多"
    )


@pytest.mark.parametrize(
    "body", [b'"\\ud800"', b'"\\udfff x"', b'"\xed\xa0\x80"', b'"\xc3"', b"[1, 2", b"{'a': 1}", b"[1] 2"]
)
def test_what_is_not_json_or_not_unicode_is_a_decode_error(body: bytes):
    with pytest.raises(json.JSONDecodeError):
        parse_json(body)


def test_every_router_reads_its_body_through_the_budget():
    for info in pkgutil.iter_modules(app.routers.__path__):
        module = importlib.import_module(f"app.routers.{info.name}")
        assert module.router.route_class is BodyRoute, f"app/routers/{info.name}.py: route_class=BodyRoute"
