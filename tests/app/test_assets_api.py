"""Third-party front-end files served from installed packages: Plotly's bundle."""

import gzip

import plotly
from fastapi.testclient import TestClient

from app.routers.assets import PLOTLY_JS


def test_plotly_is_served_locally_and_gzipped_once_at_the_highest_level(client: TestClient):
    url = f"/vendor/plotly-{plotly.__version__}.min.js"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.content == PLOTLY_JS.read_bytes()
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as res:
        wire = b"".join(res.iter_raw())
    assert res.headers["content-encoding"] == "gzip" and res.headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(wire) == plain.content
    assert len(wire) < len(gzip.compress(plain.content, compresslevel=1))
