"""Security headers, the body cap, and /docs served without any other host."""

import re

from fastapi.testclient import TestClient


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


def test_a_body_over_the_cap_is_refused_before_parsing(client: TestClient):
    res = client.post(
        "/api/cnn/conv",
        content=b"{" + b" " * (11 * 1024 * 1024),
        headers={"content-type": "application/json"},
    )
    assert res.status_code == 413
    assert client.get("/healthz").status_code == 200


def test_static_files_are_versioned_and_long_cached(client: TestClient):
    html = client.get("/cnn/input").text
    url = re.search(r'src="http://testserver(/static/js/naturally\.js\?v=[0-9a-f]{12})"', html)
    assert url, "the page links the versioned script"
    assert "immutable" in client.get(url.group(1)).headers["cache-control"]
    assert client.get("/static/js/naturally.js").headers["cache-control"] == "no-cache"
    plotly_url = re.search(r'src="http://testserver(/vendor/plotly-[0-9.]+\.min\.js)"', html)
    assert plotly_url, "the page links Plotly by its version"
    assert "immutable" in client.get(plotly_url.group(1)).headers["cache-control"]
