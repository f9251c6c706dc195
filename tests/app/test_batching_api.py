"""§4.3 over HTTP: the layout of a batch, and the `batching` job from start to its end event."""

import json
import math
import time

import pytest
import torch
from fastapi.testclient import TestClient

from app.tensors import decode_tensor
from engine.rnn.batching import epoch_batches, sine_task

SMALL = {"samples": 24, "seq_len": 8, "batch_size": 8, "epochs": 2, "lr": 0.01, "hidden_size": 4, "seed": 1}


def test_layout_is_time_first_and_counts_updates(client: TestClient):
    res = client.post(
        "/api/rnn/batching/layout",
        json={"samples": 50, "seq_len": 12, "batch_size": 16, "seed": 3, "batch": 3, "encoding": "list"},
    )
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["batches"] == 4 and out["last_batch_size"] == 2
    assert out["updates_per_epoch"] == {"one": 50, "mini": math.ceil(50 / 16)}
    idx = epoch_batches(50, 16, seed=3)[3]
    assert out["indices"] == idx.tolist()
    x = decode_tensor(out["x"])  # (T, b, 1)
    task = sine_task(50, 12, seed=3)
    assert x.shape == (12, 2, 1)
    assert torch.equal(x, task.x[idx].transpose(0, 1))
    assert out["y"] == task.y[idx, 0].tolist()


def test_layout_bad_batch_and_sizes(client: TestClient):
    res = client.post("/api/rnn/batching/layout", json={"samples": 20, "batch_size": 8, "batch": 3})
    assert res.status_code == 422 and res.json()["detail"][0]["loc"] == ["body", "batch"]
    assert "ceil(N / B) = 3" in res.json()["detail"][0]["msg"]
    res = client.post("/api/rnn/batching/layout", json={"batch_size": 0})
    assert res.status_code == 422 and res.json()["detail"][0]["loc"] == ["body", "batch_size"]
    assert "1 to 256" in res.json()["detail"][0]["msg"]


def _sse(client: TestClient, url: str) -> list[tuple[str, dict]]:
    events, name = [], None
    with client.stream("GET", url) as res:
        for line in res.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    return events


def test_the_job_trains_both_modes_to_its_end_event(client: TestClient):
    res = client.post("/api/jobs", json={"kind": "batching", "params": SMALL})
    assert res.status_code == 202, res.text
    events = _sse(client, res.json()["events_url"])
    names = [n for n, _ in events]
    assert names[-1] == "end" and names.count("done") == 2 and names.count("epoch") == 4
    steps = [d for n, d in events if n == "step"]
    assert {d["mode"] for d in steps} == {"one", "mini"}
    overall = [d["overall_step"] for n, d in events if n in ("step", "epoch")]
    assert overall == sorted(overall) and overall[-1] == 2 * 24 + 2 * 3
    end = events[-1][1]
    assert end["state"] == "done", end
    one, mini = end["result"]["modes"]["one"], end["result"]["modes"]["mini"]
    assert (one["updates_per_epoch"], mini["updates_per_epoch"]) == (24, 3)  # N and ceil(N / B)
    assert one["steps"][-1] == 48 and mini["steps"][-1] == 6
    for curve in (one, mini):
        assert len(curve["steps"]) == len(curve["seconds"]) == len(curve["loss"]) > 1
        assert len(curve["epoch_seconds"]) == len(curve["held_out_loss"]) == 2
        assert all(a <= b for a, b in zip(curve["seconds"], curve["seconds"][1:], strict=False))
    assert end["result"]["seconds"] > 0


def _job_error(client: TestClient, params: dict) -> tuple[list, str]:
    res = client.post("/api/jobs", json={"kind": "batching", "params": {**SMALL, **params}})
    assert res.status_code == 422, res.text
    d = res.json()["detail"][0]
    return d["loc"], d["msg"]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"batch_size": 0}, "batch_size", "1 to 256"),
        ({"batch_size": 257}, "batch_size", "1 to 256"),
        ({"seq_len": 0}, "seq_len", "5 to 60"),
        ({"seq_len": 10_000}, "seq_len", "5 to 60"),
        ({"samples": 1024, "epochs": 3}, "epochs", "samples × epochs must be ≤ 2,048"),
        ({"lr": 0}, "lr", "0 < lr ≤ 1"),
        ({"hidden_size": 100_000}, "hidden_size", "1 to 64"),
    ],
)
def test_bad_job_params_name_the_field(client: TestClient, params: dict, field: str, words: str):
    loc, msg = _job_error(client, params)
    assert loc[-1] == field and "params" in loc
    assert words in msg


def test_a_job_can_be_cancelled(client: TestClient):
    job = client.post("/api/jobs", json={"kind": "batching", "params": {"samples": 1024, "epochs": 2}}).json()
    client.delete(f"/api/jobs/{job['id']}")
    deadline = time.monotonic() + 30
    while (state := client.get(f"/api/jobs/{job['id']}").json()["state"]) in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert state == "cancelled"
