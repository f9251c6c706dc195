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
