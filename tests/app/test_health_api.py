"""Liveness."""

from fastapi.testclient import TestClient


def test_healthz(client: TestClient):
    assert client.get("/healthz").json() == {"status": "ok"}
