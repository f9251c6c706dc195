"""NATURALLY_JOB_MAX_SECONDS: a job past it stops by itself, in state error with what it reported so
far, and frees its slot (thread and Redis backends); params estimated far over it are refused."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from redis import Redis

from app.jobs import kinds
from app.jobs.kinds import _REQUESTS, ESTIMATES, too_long
from app.jobs.redis_runner import KILL_AFTER_SECONDS, RedisRunner
from app.jobs.runner import InProcessRunner, JobContext
from app.jobs.store import JobStore
from app.routers import jobs as jobs_router
from app.settings import Settings
from tests.app.test_jobs_api import wait_for
from tests.app.test_redis_jobs import redis_url  # noqa: F401 - the session's redis-server


class Params(BaseModel):
    epochs: int = 1


def endless(params: Params, ctx: JobContext) -> None:
    """A job that reports an epoch every 50 ms until it is told to stop."""
    epoch = 0
    while not ctx.should_stop():
        epoch += 1
        ctx.report({"kind": "epoch", "epoch": epoch, "loss": 1 / epoch})
        time.sleep(0.05)


def wait_final(get: object, job_id: str, timeout: float = 20) -> object:
    deadline = time.monotonic() + timeout
    while (record := get(job_id)).state not in ("done", "error", "cancelled"):
        assert time.monotonic() < deadline, record.state
        time.sleep(0.05)
    return record


def test_a_thread_job_past_its_time_stops_with_its_history_and_frees_its_slot(tmp_path: Path):
    runner = InProcessRunner(JobStore(tmp_path, max_kept=10), max_running=1, max_seconds=0.5)
    started = time.monotonic()
    record = wait_final(runner.get, runner.submit("endless", Params(), endless).id)
    assert 0.5 <= time.monotonic() - started < 5
    assert record.state == "error" and "time limit" in record.error and "0.5 s" in record.error
    assert len(record.events) >= 3 and record.events[-1]["kind"] == "epoch"  # the metrics so far
    assert runner.store.load(record.id).state == "error"  # saved
    again = runner.submit("endless", Params(), endless)  # the only slot is free again
    runner.cancel(again.id)
    assert wait_final(runner.get, again.id).state == "cancelled"


def test_a_redis_job_past_its_time_stops_with_its_history_and_frees_its_slot(
    tmp_path: Path,
    redis_url: str,  # noqa: F811
):
    redis = Redis.from_url(redis_url)
    runner = RedisRunner(redis, "t-time-limit", 1, 10, tmp_path, alive_seconds=30, max_seconds=0.5)
    record = runner.submit("endless", Params(), endless)
    assert runner.queue.fetch_job(record.id).timeout == KILL_AFTER_SECONDS  # RQ's own limit: a backstop
    worker = threading.Thread(
        target=runner.perform, args=(runner.get(record.id), endless, Params(), "test:1")
    )
    worker.start()  # what app/jobs/worker.py does in its work horse
    worker.join(10)
    final = runner.get(record.id)
    assert final.state == "error" and "time limit" in final.error
    assert len(final.events) >= 3
    assert redis.scard("t-time-limit:active") == 0
    runner.submit("endless", Params(), endless)  # the slot is free again
    redis.delete(*redis.keys("t-time-limit*"))


@pytest.fixture
def limited_client(app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    settings.job_max_seconds, settings.max_running_jobs = 1, 1
    monkeypatch.setitem(jobs_router.KINDS, "batching", endless)
    with TestClient(app) as c:
        yield c


def test_over_the_api_a_job_past_its_time_ends_in_error_and_another_can_start(limited_client: TestClient):
    job = limited_client.post("/api/jobs", json={"kind": "batching", "params": {"samples": 16}}).json()
    final = wait_for(limited_client, job["id"], ("done", "error", "cancelled"), timeout=20)
    assert final["state"] == "error" and "NATURALLY_JOB_MAX_SECONDS" in final["error"]
    in_zh = limited_client.get(f"/api/jobs/{job['id']}", headers={"Accept-Language": "zh"}).json()
    assert in_zh["error"].startswith("已在时间上限处停止：一个任务最多运行 1 秒")
    assert final["history"] and final["progress"]["kind"] == "epoch"
    again = limited_client.post("/api/jobs", json={"kind": "batching", "params": {"samples": 16}})
    assert again.status_code == 202
    limited_client.delete(again.headers["location"])


def test_params_estimated_far_over_the_limit_are_refused_saying_why(client: TestClient):
    biggest = {"epochs": 40, "hidden_size": 256, "num_layers": 3, "embedding_dim": 128, "batch_size": 8}
    res = client.post("/api/jobs", json={"kind": "names", "params": biggest})
    assert res.status_code == 422
    (error,) = res.json()["detail"]
    assert error["loc"] == ["body", "params"]
    assert "min on this server" in error["msg"] and "NATURALLY_JOB_MAX_SECONDS" in error["msg"]


@pytest.mark.parametrize("kind", sorted(_REQUESTS))
def test_every_kind_estimates_its_defaults_within_the_default_limit(kind: str):
    params = _REQUESTS[kind](kind=kind).params
    assert 0 < ESTIMATES[kind](params) < Settings().job_max_seconds
    assert too_long(kind, params, Settings().job_max_seconds) is None


def test_estimates_grow_with_the_work():
    for kind, more in [
        ("digits", {"epochs": 6}),
        ("names", {"hidden_size": 256}),
        ("depth", {"deep": 100}),
        ("custom", {"epochs": 30}),
    ]:
        small, big = _REQUESTS[kind](kind=kind).params, _REQUESTS[kind](kind=kind, params=more).params
        assert kinds.ESTIMATES[kind](big) > 1.5 * kinds.ESTIMATES[kind](small), kind


def test_a_custom_job_of_the_most_epochs_is_accepted_within_the_default_limit():
    """Its estimate is the worst case (the largest data set or leave-one-out's copies of TinyVGG):
    still within twice the default limit, so the page's epochs never meet a refusal."""
    params = _REQUESTS["custom"](kind="custom", params={"epochs": 50}).params
    assert too_long("custom", params, Settings().job_max_seconds) is None
