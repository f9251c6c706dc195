"""Every endpoint of the OpenAPI schema against hostile input: always a 4xx naming what is wrong,
never a 5xx, and the server keeps serving."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

DEEP = "[" * 3000 + "]" * 3000
NOT_A_REQUEST = ["", "not json", "[]", "null", '"a string"', DEEP]  # 4xx everywhere
BODIES = NOT_A_REQUEST + [
    "{}",
    '{"image_id": 1e999}',
    '{"image_id": "../../etc/passwd"}',
    '{"input": [[NaN, 1], [1, 1]], "kernels": ["edge"]}',
    '{"input": [[1e30, 1], [1, 1]], "weight": [[[[1e30]]]]}',
    '{"input": ' + DEEP + "}",
    '{"sequence": [1, "two", 3], "word": null}',
    '{"name": "' + "x" * 5000 + '", "k": 1000}',
    '{"kind": "digits", "params": {"epochs": -1, "lr": "fast"}}',
]
SCHEMA = create_app().openapi()
POSTS = sorted(p for p, ops in SCHEMA["paths"].items() if "post" in ops)
GETS_WITH_PARAMS = sorted(
    p for p, ops in SCHEMA["paths"].items() if "get" in ops and ops["get"].get("parameters")
)


@pytest.fixture(scope="module")
def hostile_client() -> TestClient:
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("path", POSTS)
def test_post_endpoints_never_fail_on_hostile_bodies(hostile_client: TestClient, path: str):
    """Bodies that are no request at all get a 4xx; the others a 4xx or, where every field has a
    default and the odd ones are ignored, an answer; none a 5xx."""
    for body in BODIES:
        res = hostile_client.post(path, content=body, headers={"content-type": "application/json"})
        assert res.status_code < 500, (path, body[:60], res.status_code, res.text[:200])
        if body in NOT_A_REQUEST:
            assert 400 <= res.status_code < 500, (path, body[:60], res.status_code)
        if res.status_code >= 400:
            assert "detail" in res.json()
    assert hostile_client.get("/healthz").status_code == 200


@pytest.mark.parametrize("path", GETS_WITH_PARAMS)
def test_get_endpoints_never_fail_on_hostile_parameters(hostile_client: TestClient, path: str):
    values = ["../../etc/passwd", "1e999", "-1", "NaN", "x" * 2000, "%00"]
    for value in values:
        url = path
        for param in (p for p in SCHEMA["paths"][path]["get"]["parameters"] if p["in"] == "path"):
            url = url.replace("{" + param["name"] + "}", value)
        query = {p["name"]: value for p in SCHEMA["paths"][path]["get"]["parameters"] if p["in"] == "query"}
        res = hostile_client.get(url, params=query)
        assert res.status_code < 500, (url, value[:20], res.status_code, res.text[:200])


# ---- #16: single requests that stalled, crashed or exhausted the server ----


def test_ten_million_zeros_are_refused_unread_and_never_echoed(hostile_client: TestClient):
    body = b'{"input": [' + b",".join([b"0"] * 5_000_000) + b'], "kernels": ["blur"]}'
    res = hostile_client.post("/api/cnn/conv", content=body, headers={"content-type": "application/json"})
    assert res.status_code == 413
    assert "values" in res.json()["detail"][0]["msg"] and len(res.content) < 500


def test_a_422_echoes_only_a_short_excerpt_of_the_input(hostile_client: TestClient):
    ragged = [[0.5] * 1000, [0.5] * 999] * 300  # 600k numbers, not rectangular
    res = hostile_client.post("/api/cnn/conv", json={"input": ragged, "kernels": ["blur"]})
    assert res.status_code == 422
    assert len(res.content) < 2000
    (error,) = res.json()["detail"]
    assert error["loc"][:2] == ["body", "input"] and "rectangular" in error["msg"]
    assert error["input"].startswith("[[0.5, 0.5") and error["input"].endswith("…")


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "\\ud800", "k": 3}',  # a lone surrogate, escaped
        b'{"name": "\\udc00abc", "k": 3}',
        b'{"name": "\xed\xa0\x80", "k": 3}',  # the same, as (invalid) UTF-8 bytes
        b'{"name": "\xff", "k": 3}',
        b'{"name": "Kim", "k": 3, "extra": "\\ud83d"}',  # in a field the endpoint ignores
    ],
)
def test_invalid_unicode_in_a_body_is_a_4xx(hostile_client: TestClient, body: bytes):
    res = hostile_client.post(
        "/api/names/predict", content=body, headers={"content-type": "application/json"}
    )
    assert res.status_code == 422, res.text
    assert res.json()["detail"][0]["type"] == "json_invalid"
    pair = b'{"name": "Kim \\ud83d\\ude00", "k": 3}'
    emoji = hostile_client.post(
        "/api/names/predict", content=pair, headers={"content-type": "application/json"}
    )
    assert emoji.json()["detail"][0]["loc"] == ["body", "name"]  # a surrogate pair is Unicode: parsed


def test_invalid_unicode_in_a_path_query_or_header_never_fails(hostile_client: TestClient):
    for url in ("/api/jobs/%ED%A0%80", "/api/images/%ED%A0%80", "/cnn/convolution?lang=%ED%A0%80%FF"):
        assert hostile_client.get(url).status_code < 500, url
    headers = {"accept-language": b"zh\xed\xa0\x80", "last-event-id": b"\xff\xfe", "cookie": b"lang=\xed\xa0"}
    assert hostile_client.get("/cnn/convolution", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        ("/api/cnn/conv", "stride", {"image_id": "checker", "kernels": ["blur"], "stride": True}),
        ("/api/cnn/conv", "bias", {"image_id": "checker", "kernels": ["blur"], "bias": [True]}),
        ("/api/cnn/pool", "kernel_size", {"image_id": "checker", "kernel_size": True}),
        ("/api/cnn/activation", "bins", {"image_id": "checker", "bins": True}),
        ("/api/names/predict", "k", {"name": "Kim", "k": True}),
        ("/api/names/predict", "k", {"name": "Kim", "k": "3"}),
        ("/api/jobs", "epochs", {"kind": "digits", "params": {"epochs": True}}),
        ("/api/cnn/conv", "input", {"input": [[True, False], [False, True]], "kernels": ["blur"]}),
    ],
)
def test_booleans_and_strings_are_not_numbers(hostile_client: TestClient, path: str, field: str, body: dict):
    res = hostile_client.post(path, json=body)
    assert res.status_code == 422, res.text
    assert field in res.json()["detail"][0]["loc"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999", "1e7"])
def test_bias_is_finite_like_tensors(hostile_client: TestClient, value: str):
    body = f'{{"image_id": "checker", "kernels": ["blur"], "bias": [{value}]}}'
    res = hostile_client.post("/api/cnn/conv", content=body, headers={"content-type": "application/json"})
    assert res.status_code == 422
    assert res.json()["detail"][0]["loc"] == ["body", "bias", 0]


def test_full_width_letters_in_names_are_read_as_letters(hostile_client: TestClient):
    plain = hostile_client.post("/api/names/predict", json={"name": "Nakamura", "k": 3}).json()
    wide = hostile_client.post("/api/names/predict", json={"name": "Ｎａｋａｍｕｒａ", "k": 3})
    assert wide.status_code == 200
    assert wide.json()["top"] == plain["top"] and wide.json()["name"] == "nakamura"


def test_a_malformed_last_event_id_is_ignored(hostile_client: TestClient):
    job = hostile_client.post("/api/jobs", json={"kind": "batching", "params": {"samples": 16, "epochs": 1}})
    url = job.json()["events_url"]
    with hostile_client.stream("GET", url) as res:  # to its end
        ids = [line for line in res.iter_lines() if line.startswith("id: ")]
    for value in ("²", "9" * 5000, "-1", "1e3", "0x10", "٣"):
        with hostile_client.stream("GET", url, headers={"last-event-id": value.encode()}) as res:
            assert res.status_code == 200
            again = [line for line in res.iter_lines() if line.startswith("id: ")]
        assert again == ids, value  # from the start, as without the header
    with hostile_client.stream("GET", url, headers={"last-event-id": "1"}) as res:
        assert [line for line in res.iter_lines() if line.startswith("id: ")] == ids[2:]
