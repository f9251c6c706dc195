"""The Redis job backend: two app replicas share one queue, a separate worker process runs the
jobs, cancel and the cap work across replicas, a lost job ends in error, a dead Redis gives 503.

A real redis-server (Debian's, installed by `make test`) runs on a free loopback port for the
session; each test uses its own key prefix, so tests never see each other's jobs."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.job import Job

from app.jobs.redis_runner import runner_for
from app.jobs.store import JobRecord
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings, get_settings
from scripts.server import free_port
from tests.app.test_jobs_api import LONG, SHORT, sse, wait_for


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed; `make test` installs it (Debian package redis-server)")
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path_factory.mktemp("redis")),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(200):
        try:
            Redis.from_url(url).ping()
            break
        except RedisConnectionError:
            time.sleep(0.05)
    else:
        raise RuntimeError(f"redis-server did not start on port {port}")
    yield url
    server.terminate()
    server.wait(10)


@pytest.fixture
def prefix(request: pytest.FixtureRequest) -> str:
    return f"t-{request.node.name[:30]}-{os.getpid()}"


def replica(tmp_path: Path, name: str, redis_url: str, prefix: str, max_running: int = 2) -> TestClient:
    settings = Settings(
        data_dir=tmp_path / name,
        job_backend="redis",
        redis_url=redis_url,
        redis_prefix=prefix,
        max_running_jobs=max_running,
    )
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    return TestClient(app)


@pytest.fixture
def replicas(tmp_path: Path, redis_url: str, prefix: str) -> Iterator[tuple[TestClient, TestClient]]:
    """Two app replicas on one queue, each with its own data folder (as on two machines)."""
    with replica(tmp_path, "a", redis_url, prefix) as a, replica(tmp_path, "b", redis_url, prefix) as b:
        yield a, b


def start_worker(tmp_path: Path, redis_url: str, prefix: str, burst: bool = False) -> subprocess.Popen:
    env = {
        **os.environ,
        "NATURALLY_REDIS_URL": redis_url,
        "NATURALLY_REDIS_PREFIX": prefix,
        "NATURALLY_DATA_DIR": str(tmp_path / "worker"),
        "NATURALLY_JOB_ALIVE_SECONDS": "3",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.jobs.worker", *(["--burst"] if burst else [])],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def worker(tmp_path: Path, redis_url: str, prefix: str) -> Iterator[subprocess.Popen]:
    proc = start_worker(tmp_path, redis_url, prefix)
    yield proc
    proc.send_signal(signal.SIGINT)  # RQ's warm shutdown: the running job (if any) finishes first
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for_progress(client: TestClient, job_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not client.get(f"/api/jobs/{job_id}").json()["progress"]:
        assert time.monotonic() < deadline, "the worker never started the job"
        time.sleep(0.1)


def test_a_job_queued_on_one_replica_runs_on_a_worker_and_streams_from_the_other(
    replicas: tuple[TestClient, TestClient], tmp_path: Path, redis_url: str, prefix: str
):
    a, b = replicas
    job = a.post("/api/jobs", json=SHORT).json()
    assert job["state"] == "queued"  # no worker yet: it waits on the queue
    assert b.get(f"/api/jobs/{job['id']}").json()["state"] == "queued"

    done = start_worker(tmp_path, redis_url, prefix, burst=True)
    assert done.wait(120) == 0, done.stderr.read()
    events = sse(b, job["events_url"].replace(str(a.base_url), str(b.base_url)))
    names = [name for name, _ in events]
    assert names[-2:] == ["done", "end"] and "epoch" in names
    seqs = [data["seq"] for name, data in events if name != "end"]
    assert seqs == list(range(len(seqs)))
    end = events[-1][1]
    assert end["state"] == "done" and end["result"]["held_out_accuracy"] > 0.5
    assert [j["id"] for j in a.get("/api/jobs").json()] == [job["id"]]
    assert (tmp_path / "worker" / "jobs" / job["id"] / "weights.pt").exists()  # the worker's folder
    res = b.get(f"/api/jobs/{job['id']}/weights")  # b has a data folder of its own
    assert res.status_code == 404 and "does not share this server's data folder" in res.json()["detail"]
    with replica(tmp_path, "worker", redis_url, prefix) as shared:  # an app on the worker's folder
        res = shared.get(f"/api/jobs/{job['id']}/weights")
        assert res.content[:2] == b"PK", res.text  # torch.save writes a zip


def test_cancel_on_another_replica_stops_the_running_job(
    replicas: tuple[TestClient, TestClient], worker: subprocess.Popen
):
    a, b = replicas
    job = a.post("/api/jobs", json=LONG).json()
    wait_for_progress(a, job["id"])
    asked = time.monotonic()
    assert b.delete(f"/api/jobs/{job['id']}").status_code == 200
    final = wait_for(a, job["id"], ("cancelled", "done", "error"), timeout=10)
    assert final["state"] == "cancelled"
    assert time.monotonic() - asked < 5


def test_a_queued_job_is_cancelled_at_once_and_frees_its_slot(tmp_path: Path, redis_url: str, prefix: str):
    with (
        replica(tmp_path, "a", redis_url, prefix, max_running=1) as a,
        replica(tmp_path, "b", redis_url, prefix, max_running=1) as b,
    ):
        first = a.post("/api/jobs", json=SHORT).json()
        busy = b.post("/api/jobs", json=SHORT)  # the cap counts the other replica's job
        assert busy.status_code == 429 and busy.headers["retry-after"] == "5"
        assert b.delete(f"/api/jobs/{first['id']}").json()["state"] == "cancelled"
        assert Redis.from_url(redis_url).llen(f"rq:queue:{prefix}") == 0
        assert b.post("/api/jobs", json=SHORT).status_code == 202


def children(pid: int) -> list[int]:
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and f"PPid:\t{pid}\n" in (p / "status").read_text(errors="replace")
    ]


def test_a_job_whose_worker_dies_ends_in_error_and_frees_its_slot(
    replicas: tuple[TestClient, TestClient], worker: subprocess.Popen
):
    a, _ = replicas
    job = a.post("/api/jobs", json=LONG).json()
    wait_for_progress(a, job["id"])
    (horse,) = children(worker.pid)  # RQ runs each job in a forked "work horse"
    os.kill(horse, signal.SIGKILL)
    final = wait_for(a, job["id"], ("cancelled", "done", "error"), timeout=20)
    assert final["error"] == "the worker running this job stopped (failed)"
    again = a.post("/api/jobs", json=SHORT).json()  # the slot is free, and the worker goes on
    assert wait_for(a, again["id"], ("done", "error"), timeout=60)["state"] == "done"


def test_a_job_whose_worker_is_stopped_cold_ends_in_error(
    replicas: tuple[TestClient, TestClient], tmp_path: Path, redis_url: str, prefix: str
):
    a, _ = replicas
    proc = start_worker(tmp_path, redis_url, prefix)
    job = a.post("/api/jobs", json=LONG).json()
    wait_for_progress(a, job["id"])
    proc.send_signal(signal.SIGTERM)  # the first asks for a warm shut-down (after the job) …
    time.sleep(1.5)  # (RQ ignores a second signal within a second)
    proc.send_signal(signal.SIGTERM)  # … the second stops the worker now
    proc.wait(30)
    final = wait_for(a, job["id"], ("cancelled", "done", "error"), timeout=20)  # its sign of life expires
    assert final["error"] == "the worker running this job stopped (no sign of life from its worker)"
    assert a.post("/api/jobs", json=SHORT).status_code == 202  # its slot is free


def test_a_job_whose_queue_entry_vanished_ends_in_error(
    replicas: tuple[TestClient, TestClient], redis_url: str
):
    a, _ = replicas
    job = a.post("/api/jobs", json=SHORT).json()
    Job.fetch(job["id"], connection=Redis.from_url(redis_url)).delete()  # as if Redis lost it
    lost = a.get(f"/api/jobs/{job['id']}").json()
    assert lost["state"] == "error"
    assert lost["error"] == "the worker running this job stopped (its queue entry is gone)"


def test_an_unreachable_redis_is_a_503_not_a_500(tmp_path: Path, prefix: str):
    with replica(tmp_path, "a", f"redis://127.0.0.1:{free_port()}/0", prefix) as a:
        for res in (a.post("/api/jobs", json=SHORT), a.get("/api/jobs")):
            assert res.status_code == 503
            assert "job queue is unreachable" in res.json()["detail"]
            assert res.headers["retry-after"] == "10"


def test_a_job_that_ends_while_being_read_keeps_its_end(tmp_path: Path, redis_url: str, prefix: str):
    """A reader fetched the record while the job ran; the worker then saved its end and RQ dropped
    the finished job (no result kept). The reader sees the queue entry gone, but must not write
    `error` over the real end (CI once saw a cancelled job end in error this way)."""
    settings = Settings(data_dir=tmp_path, job_backend="redis", redis_url=redis_url, redis_prefix=prefix)
    runner = runner_for(Redis.from_url(redis_url), prefix, settings)
    stale = JobRecord(id="ab" * 16, kind="digits", params={}, owner="queue", state="running")
    runner.redis.sadd(f"{prefix}:active", stale.id)
    ended = JobRecord(**{**asdict(stale), "state": "cancelled", "finished": time.time()})
    runner.finish(ended)  # the worker's save; no RQ job exists for this id
    runner._check_alive(stale)
    assert runner.get(stale.id).state == "cancelled"
    assert stale.id.encode() not in runner.redis.smembers(f"{prefix}:active")
