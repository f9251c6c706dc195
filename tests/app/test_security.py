"""Security headers (on a 500 too), the body caps, /docs served without any other host, links that
never come from the Host header, HEAD."""

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.bodies import JSON_MAX_BYTES
from app.deps import get_image_store
from app.settings import PROJECT_ROOT


def test_pages_and_api_carry_security_headers(client: TestClient):
    for path in ("/", "/cnn/input", "/api/samples", "/healthz"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_docs_use_a_local_swagger_ui(client: TestClient):
    html = client.get("/docs").text
    assert not re.search(r"(src|href)=['\"](https?:)?//(?!testserver)", html)
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/vendor/swagger/{name}").status_code == 200
    assert client.get("/vendor/swagger/..%2Fsettings.py").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "Naturally"


def test_a_500_carries_the_security_headers(app: FastAPI):
    def broken() -> None:
        raise RuntimeError("a bug")

    app.dependency_overrides[get_image_store] = broken
    with TestClient(app, raise_server_exceptions=False) as client:
        res = client.get("/api/samples")
    assert res.status_code == 500
    assert "a bug" not in res.text
    assert "default-src 'self'" in res.headers["content-security-policy"]
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("content_type", "size"),
    [("application/json", JSON_MAX_BYTES + 1), ("multipart/form-data; boundary=x", 10 * 1024 * 1024 + 65537)],
)
def test_a_body_over_the_cap_is_refused_before_parsing(client: TestClient, content_type: str, size: int):
    for chunked in (False, True):
        body = b"{" + b" " * size
        # an iterator of chunks is sent without Content-Length (Transfer-Encoding: chunked)
        content = iter([body[i : i + (1 << 20)] for i in range(0, len(body), 1 << 20)]) if chunked else body
        res = client.post("/api/images", content=content, headers={"content-type": content_type})
        assert res.status_code == 413, (content_type, chunked)
        assert res.json()["detail"][0]["loc"] == ["body"]
    assert client.get("/healthz").status_code == 200


def test_links_never_come_from_the_host_header(client: TestClient):
    forged = {"host": "evil.example"}
    upload = client.post("/api/jobs", json={"kind": "batching", "params": {"samples": 16}}, headers=forged)
    assert upload.headers["location"].startswith("/api/jobs/")
    assert upload.json()["events_url"].startswith("/api/jobs/")
    client.delete(upload.headers["location"])
    for path in ("/", "/cnn/convolution", "/docs", "/api/samples"):
        text = client.get(path, headers=forged).text
        assert "evil.example" not in text, path


def test_no_code_builds_links_from_the_host_header():
    for path in (PROJECT_ROOT / "app").rglob("*.py"):
        assert ".url_for(" not in path.read_text(), f"{path}: use app.urls.path_for"


def test_head_is_answered_like_get_without_a_body(client: TestClient):
    for path in ("/healthz", "/", "/api/samples", "/static/js/naturally.js"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["content-security-policy"]
    assert client.head("/api/cnn/conv").status_code == 405  # POST only


def test_static_files_are_versioned_and_long_cached(client: TestClient):
    html = client.get("/cnn/input").text
    url = re.search(r'src="(/static/js/naturally\.js\?v=[0-9a-f]{12})"', html)
    assert url, "the page links the versioned script"
    assert "immutable" in client.get(url.group(1)).headers["cache-control"]
    assert client.get("/static/js/naturally.js").headers["cache-control"] == "no-cache"
    plotly_url = re.search(r'src="(/vendor/plotly-[0-9.]+\.min\.js)"', html)
    assert plotly_url, "the page links Plotly by its version"
    assert "immutable" in client.get(plotly_url.group(1)).headers["cache-control"]
