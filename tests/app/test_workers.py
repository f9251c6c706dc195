"""Scale-out on one machine: `uvicorn --workers 2` on one data folder behaves as one app."""

import io
import time
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from scripts.server import serve


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, base = serve(tmp_path_factory.mktemp("var"), "--workers", "2")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def fresh() -> httpx.Client:
    """A new connection per request, so requests spread over both workers."""
    return httpx.Client(timeout=30, headers={"Connection": "close"})


def test_an_upload_is_usable_through_every_worker(two_workers: str):
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), (9, 99, 199)).save(buf, format="PNG")
    with fresh() as http:
        upload = http.post(f"{two_workers}/api/images", files={"file": ("a.png", buf.getvalue())})
    image_id = upload.json()["id"]
    for _ in range(12):
        with fresh() as http:
            body = {"image_id": image_id, "encoding": "list"}
            res = http.post(f"{two_workers}/api/cnn/channels", json=body)
        assert res.status_code == 200
        assert res.json()["channels"]["data"][2][0][0] == 199


def test_a_job_is_seen_and_cancelled_through_every_worker(two_workers: str):
    with fresh() as http:
        job = http.post(f"{two_workers}/api/jobs", json={"kind": "digits", "params": {"epochs": 30}}).json()
    deadline = time.monotonic() + 30
    states = set()
    while time.monotonic() < deadline and "running" not in states:
        with fresh() as http:
            states.add(http.get(f"{two_workers}/api/jobs/{job['id']}").json()["state"])
    for _ in range(8):  # every worker lists it as running: none marks the other's job interrupted
        with fresh() as http:
            listed = {j["id"]: j["state"] for j in http.get(f"{two_workers}/api/jobs").json()}
        assert listed[job["id"]] == "running"
    with fresh() as http:
        http.delete(f"{two_workers}/api/jobs/{job['id']}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with fresh() as http:
            state = http.get(f"{two_workers}/api/jobs/{job['id']}").json()["state"]
        if state != "running":
            break
        time.sleep(0.2)
    assert state == "cancelled"
