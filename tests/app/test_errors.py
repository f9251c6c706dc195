"""Every message the API can send exists in both catalogs, and a request in Chinese gets Chinese
messages with the same `loc` and `type` as in English."""

import ast
import re
from pathlib import Path

import pydantic_core
import pytest
from fastapi.testclient import TestClient

from app.i18n import catalog

ROOT = Path(__file__).resolve().parents[2]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
# A run of three or more English words is a sentence left untranslated (field names, identifiers
# such as kernel_size and code such as `(B, C, a, a)` are not).
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}\b")


def _calls(where: str, names: set[str]) -> list[tuple[Path, ast.Call]]:
    out = []
    for path in sorted((ROOT / where).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in names:
                    out.append((path, node))
    return out


def _literal(node: ast.expr) -> str:
    assert isinstance(node, ast.Constant) and isinstance(node.value, str), ast.dump(node)
    return node.value


def test_every_code_the_app_raises_is_in_both_catalogs():
    """field_error(field, code), Refusal(status, code), DatasetError(field, code), Invalid(code),
    ImageError(code) and NotTrained(code), each with a literal code (or passing on the code of the
    error it reports, `e.code`)."""
    codes = set()
    raisers = {"field_error", "Refusal", "DatasetError", "Invalid", "ImageError", "NotTrained"}
    for path, call in _calls("app", raisers):
        if path == ROOT / "app" / "errors.py":
            continue  # the definitions' own calls
        name = call.func.id if isinstance(call.func, ast.Name) else call.func.attr  # type: ignore[union-attr]
        code = call.args[0] if name in ("Invalid", "ImageError", "NotTrained") else call.args[1]
        if isinstance(code, ast.Attribute) and code.attr == "code":
            continue
        codes.add(_literal(code))
    assert len(codes) > 40
    for lang in ("en", "zh"):
        assert sorted(c for c in codes if f"api.{c}" not in catalog(lang)) == [], lang


def test_every_engine_field_error_is_in_both_catalogs_in_its_own_english():
    """FieldError(field, code, message): the English catalog holds the engine's message itself."""
    found = _calls("engine", {"FieldError", "BadName"})
    assert len(found) > 20
    for path, call in found:
        args = call.args[1:] if call.func.id == "FieldError" else call.args  # type: ignore[union-attr]
        if not args or not isinstance(args[0], ast.Constant):
            continue  # a subclass passing its own arguments on
        code, message = _literal(args[0]), _literal(args[1])
        assert catalog("en").get(f"api.{code}") == message, (path.name, code)
        assert f"api.{code}" in catalog("zh"), code


def test_the_english_of_pydantics_errors_is_pydantics_own():
    """The zh catalog translates these; the en one holds the text it translates, pinned to pydantic's."""
    for key, text in catalog("en").items():
        kind = key.removeprefix("api.pydantic.")
        if key.startswith("api.pydantic.") and kind not in ("or", "other", "value_error"):
            assert pydantic_core.PydanticKnownError(kind, _ANY_CTX).message_template == text, kind


_ANY_CTX = dict.fromkeys(
    ("ge", "le", "gt", "lt", "max_length", "min_length", "actual_length"), 0
) | dict.fromkeys(
    ("expected", "pattern", "error", "field_type", "discriminator", "tag", "expected_tags", "class_name"), ""
)


def test_no_chinese_message_is_english():
    for key, text in catalog("zh").items():
        if key.startswith("api."):
            assert not ENGLISH.search(re.sub(r"\{[^}]*\}", "", text)), (key, text)


BAD = [
    ("POST", "/api/cnn/pool", {"input": [[1, 2], [3, 4]], "kernel_size": 3, "padding": 2}),  # engine
    ("POST", "/api/cnn/pool", {"input": [[1, 2], [3, 4]], "kind": "min"}),  # pydantic literal
    ("POST", "/api/cnn/bottleneck", {}),  # no such route: a plain 404 is left alone
    ("POST", "/api/cnn/cost", {"height": 5000}),  # bounded_int's own message
    ("POST", "/api/cnn/conv", {"input": [[1, 2], [3]], "kernels": ["edge"]}),  # ragged
    ("POST", "/api/cnn/conv", {"input": [[1, 2], [3, 4]], "kernels": ["edge"]}),  # the kernel's span
    ("POST", "/api/names/predict", {"name": "x" * 31}),  # max_length
    ("POST", "/api/names/predict", {"name": "Ж"}),  # engine BadName
    ("POST", "/api/rnn/forward", {"sequence": [1], "W_hh": [[1, 2], [3, 4]]}),  # router field_error
    ("POST", "/api/cnn/channels", {"image_id": "no-such-image"}),  # 404 with a field
    ("GET", "/api/cnn/output-size?size=5&kernel=9", None),  # query, engine
    ("GET", "/api/jobs/nope", None),  # 404 about no field
    ("POST", "/api/cnn/inception", {"image_id": "scene", "weights": "trained", "widths": {"width_1x1": 3}}),
    ("POST", "/api/overview/digits/map", {"input": [[0] * 28] * 28, "stage": "conv9", "channel": 0}),
    ("POST", "/api/overview/digits/map", {"input": [[0] * 28] * 28, "stage": "conv1", "channel": 99}),
    ("POST", "/api/overview/digits", {"pixels": [[0] * 20] * 20}),  # blank: no ink
    ("GET", "/api/datasets/" + "0" * 32, None),  # a data set that is gone: 404 naming set_id
    ("POST", "/api/datasets", {"name": "x", "input": "drawing", "classes": ["a", "a"]}),  # 409
]


@pytest.mark.parametrize(("method", "path", "body"), BAD, ids=[f"{m} {p}" for m, p, _ in BAD])
def test_a_refusal_in_chinese_has_the_englishs_loc_and_type(
    client: TestClient, method: str, path: str, body: dict | None
):
    en = client.request(method, path, json=body)
    zh = client.request(method, path, json=body, headers=ZH)
    assert en.status_code == zh.status_code and 400 <= en.status_code < 500, en.text
    if path == "/api/cnn/bottleneck":
        return
    d_en, d_zh = en.json()["detail"], zh.json()["detail"]
    if isinstance(d_en, str):
        assert re.search("[\u4e00-\u9fff]", d_zh) and not ENGLISH.search(d_zh), d_zh
        return
    assert [(d["loc"], d["type"]) for d in d_en] == [(d["loc"], d["type"]) for d in d_zh]
    for d in d_zh:
        assert re.search("[\u4e00-\u9fff]", d["msg"]) and not ENGLISH.search(d["msg"]), d["msg"]
    assert all(re.search("[A-Za-z]{4}", d["msg"]) for d in d_en), d_en  # English without the header


def test_no_accept_language_means_english_as_before(client: TestClient):
    res = client.post("/api/cnn/pool", json={"input": [[1, 2], [3, 4]], "kernel_size": 0})
    assert res.json()["detail"][0]["msg"] == "Input should be greater than or equal to 1"
    res = client.post("/api/cnn/cost", json={"height": 5000})
    assert res.json()["detail"][0]["msg"] == "Value error, must be an integer from 1 to 224, got 5,000"
    res = client.post("/api/cnn/cost", json={"height": 5000}, headers={"Accept-Language": "fr, de"})
    assert "integer from 1 to 224" in res.json()["detail"][0]["msg"]


def test_pydantic_choices_are_joined_in_chinese(client: TestClient):
    res = client.post("/api/cnn/pool", json={"input": [[1, 2], [3, 4]], "kind": "min"}, headers=ZH)
    assert res.json()["detail"][0]["msg"] == "必须是 'max'、'avg' 之一"
