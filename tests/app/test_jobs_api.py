"""Training jobs over HTTP: a short digits job from start to final event, cancel, the cap, restart."""

import json
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from app import deps
from app.jobs.kinds import JobRequest
from app.jobs.store import JobRecord, JobStore
from app.settings import Settings

SHORT = {"kind": "digits", "params": {"train_size": 512, "epochs": 2, "batch_size": 32, "lr": 0.01}}
LONG = {"kind": "digits", "params": {"epochs": 30}}


def _not_json(token: str) -> None:
    raise ValueError(f"{token} is not JSON")


def sse(client: TestClient, url: str) -> list[tuple[str, dict]]:
    """(event name, data) of every event of a job's stream, until the stream ends."""
    events, name = [], None
    with client.stream("GET", url) as res:
        assert res.headers["content-type"].startswith("text/event-stream")
        for line in res.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):  # as strict as a browser's JSON.parse: no NaN, no Infinity
                events.append((name, json.loads(line[6:], parse_constant=_not_json)))
    return events


def wait_for(client: TestClient, job_id: str, states: tuple[str, ...], timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach {states}")


@pytest.fixture
def jobs_client(app: FastAPI) -> Iterator[TestClient]:
    """A client that cancels every job it started when the test ends."""
    with TestClient(app) as c:
        yield c
        for job in c.get("/api/jobs").json():
            if job["state"] in ("queued", "running"):
                c.delete(f"/api/jobs/{job['id']}")
                wait_for(c, job["id"], ("cancelled", "done", "error"))


def test_a_short_job_from_start_to_final_event(jobs_client: TestClient):
    res = jobs_client.post("/api/jobs", json=SHORT)
    assert res.status_code == 202
    job = res.json()
    assert res.headers["location"].endswith(f"/api/jobs/{job['id']}")
    events = sse(jobs_client, job["events_url"])
    names = [name for name, _ in events]
    assert names[-2:] == ["done", "end"]
    assert names.count("epoch") == 2
    seqs = [data["seq"] for name, data in events if name != "end"]
    assert seqs == list(range(len(seqs)))
    steps = [data for name, data in events if name == "step"]
    assert steps[0]["loss"] > steps[-1]["loss"], "the loss falls"
    assert all(a["elapsed"] <= b["elapsed"] for a, b in zip(steps, steps[1:], strict=False))
    end = events[-1][1]
    assert end["state"] == "done"
    result = end["result"]
    assert 0.5 < result["held_out_accuracy"] <= 1
    assert sum(map(sum, result["confusion"])) == 2000
    assert result["misread_count"] == round((1 - result["held_out_accuracy"]) * 2000)
    assert result["misread_images"]["shape"][1:] == [28, 28]
    listed = {j["id"]: j for j in jobs_client.get("/api/jobs").json()}
    assert listed[job["id"]]["result"]["held_out_accuracy"] == result["held_out_accuracy"]
    # a finished job's stream is its backlog in one write, then `end` (a client that leaves early
    # makes the server fail one send, not one per event)
    with jobs_client.stream("GET", job["events_url"]) as res:
        chunks = list(res.iter_raw())
    assert len(chunks) == 2 and chunks[1].startswith(b"event: end")
    assert chunks[0].count(b"\nevent: ") == len(seqs)  # each event: "id: n\nevent: kind\ndata: …"


def test_cancel_stops_a_job_within_a_second(jobs_client: TestClient):
    job = jobs_client.post("/api/jobs", json=LONG).json()
    wait_for(jobs_client, job["id"], ("running",))
    asked = time.monotonic()
    assert jobs_client.delete(f"/api/jobs/{job['id']}").status_code == 200
    done = wait_for(jobs_client, job["id"], ("cancelled", "done", "error"), timeout=5)
    assert done["state"] == "cancelled"
    assert time.monotonic() - asked < 1.5
    assert sse(jobs_client, job["events_url"])[-1] == (
        "end",
        {"state": "cancelled", "error": None, "result": None},
    )


def test_the_cap_answers_429_with_retry_after(app: FastAPI, settings: Settings):
    settings.max_running_jobs = 1
    with TestClient(app) as client:
        first = client.post("/api/jobs", json=LONG).json()
        res = client.post("/api/jobs", json=SHORT)
        assert res.status_code == 429
        assert int(res.headers["retry-after"]) > 0
        client.delete(f"/api/jobs/{first['id']}")
        wait_for(client, first["id"], ("cancelled",))
        assert client.post("/api/jobs", json=SHORT).status_code == 202


def test_a_result_survives_a_restart(app: FastAPI, settings: Settings):
    with TestClient(app) as client:
        job = client.post("/api/jobs", json=SHORT).json()
        accuracy = wait_for(client, job["id"], ("done",))["result"]["held_out_accuracy"]
    deps.shutdown_runners()  # as a new process: nothing in memory, only the data folder
    with TestClient(app) as client:
        assert client.get(f"/api/jobs/{job['id']}").json()["result"]["held_out_accuracy"] == accuracy
        assert job["id"] in [j["id"] for j in client.get("/api/jobs").json()]
    assert (settings.data_dir / "jobs" / job["id"] / "weights.pt").is_file()


def test_a_job_running_at_a_restart_ends_in_error(client: TestClient, settings: Settings):
    store = JobStore(settings.data_dir / "jobs", max_kept=10)
    store.save(JobRecord(id="ab" * 16, kind="digits", params={}, state="running"))
    deps.shutdown_runners()
    job = client.get(f"/api/jobs/{'ab' * 16}").json()
    assert job["state"] == "error" and job["error"] == "the server restarted during this job"
    in_zh = client.get(f"/api/jobs/{'ab' * 16}", headers={"Accept-Language": "zh"}).json()
    assert in_zh["error"] == "这个任务运行期间服务器重启了"
    events = client.get(f"/api/jobs/{'ab' * 16}/events?lang=zh").text  # a page's EventSource
    assert events.startswith("event: end") and "这个任务运行期间服务器重启了" in events


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "digits", "params": {"epochs": 10**6}}, "epochs"),
        ({"kind": "digits", "params": {"lr": -0.1}}, "lr"),
        ({"kind": "digits", "params": {"model": "vgg"}}, "model"),
        ({"kind": "digits", "params": {"batch_size": 0}}, "batch_size"),
    ],
)
def test_bad_params_get_a_422_naming_the_field(client: TestClient, body: dict, field: str):
    res = client.post("/api/jobs", json=body)
    assert res.status_code == 422
    assert res.json()["detail"][0]["loc"] == ["body", "digits", "params", field]


def test_an_unknown_kind_is_a_422_naming_the_kinds(client: TestClient):
    res = client.post("/api/jobs", json={"kind": "mining"})
    assert res.status_code == 422
    assert "'digits'" in res.json()["detail"][0]["msg"]


def test_unknown_jobs_are_404(client: TestClient):
    for method, path in (("GET", ""), ("DELETE", ""), ("GET", "/events")):
        assert client.request(method, f"/api/jobs/{'0' * 32}{path}").status_code == 404
    assert client.get("/api/jobs/not-an-id").status_code == 404


def test_a_cancel_asked_through_another_worker_stops_the_job(jobs_client: TestClient, settings: Settings):
    job = jobs_client.post("/api/jobs", json=LONG).json()
    wait_for(jobs_client, job["id"], ("running",))
    JobStore(settings.data_dir / "jobs", max_kept=10).request_cancel(job["id"])  # as another process would
    assert wait_for(jobs_client, job["id"], ("cancelled", "done", "error"), timeout=5)["state"] == "cancelled"


def test_the_docs_offer_one_valid_example_body_per_kind(client: TestClient):
    body = client.get("/openapi.json").json()["paths"]["/api/jobs"]["post"]["requestBody"]
    examples = body["content"]["application/json"]["examples"]
    assert sorted(examples) == ["batching", "custom", "depth", "digits", "names"]
    for kind, example in examples.items():
        parsed = TypeAdapter(JobRequest).validate_python(example["value"])
        assert parsed.kind == kind and parsed.params.model_dump(mode="json") == example["value"]["params"]


def test_weights_only_of_a_finished_job_that_keeps_them(jobs_client: TestClient):
    running = jobs_client.post("/api/jobs", json=LONG).json()
    res = jobs_client.get(f"/api/jobs/{running['id']}/weights")
    assert res.status_code == 409 and "only a finished job has weights" in res.json()["detail"]
    jobs_client.delete(f"/api/jobs/{running['id']}")
    tiny = {"kind": "batching", "params": {"samples": 16, "epochs": 1, "seq_len": 5}}
    job = jobs_client.post("/api/jobs", json=tiny).json()
    wait_for(jobs_client, job["id"], ("done",))
    res = jobs_client.get(f"/api/jobs/{job['id']}/weights")
    assert res.status_code == 404 and "a batching job keeps none" in res.json()["detail"]
    assert jobs_client.get(f"/api/jobs/{'0' * 32}/weights").status_code == 404
    assert jobs_client.get("/api/jobs/..%2F..%2Fetc/weights").status_code == 404


def test_a_diverged_loss_reaches_the_stream_as_null(jobs_client: TestClient):
    """SGD at lr 1 overflows the Inception net's weights within a few steps; the stream still parses."""
    params = {"model": "inception", "train_size": 1000, "epochs": 1, "lr": 1, "optimizer": "sgd"}
    job = jobs_client.post("/api/jobs", json={"kind": "digits", "params": {**params, "schedule": "constant"}})
    events = sse(jobs_client, job.json()["events_url"])
    losses = [data["loss"] for name, data in events if name == "step"]
    assert None in losses and all(v is None or v > 0 for v in losses)
    assert events[-1][0] == "end"
