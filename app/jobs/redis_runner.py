"""The Redis backend of the job runner: jobs go on an RQ queue, and `python -m app.jobs.worker`
processes (on this machine or others, pointed at the same Redis) run them.

Everything about a job lives in Redis under one prefix, so every app replica and every worker sees
the same jobs:

    <prefix>:job:<id>          the record as JSON, without its events (written at each change of state)
    <prefix>:job:<id>:events   a list of the events, one JSON each, pushed as they happen
    <prefix>:job:<id>:cancel   set when a cancel is asked; the worker sees it before its next batch
    <prefix>:job:<id>:alive    renewed by the worker while the job runs; it expires `alive_seconds`
                               (NATURALLY_JOB_ALIVE_SECONDS) after the worker stops
    <prefix>:jobs              every job id, scored by creation time (listing and pruning)
    <prefix>:active            the ids of queued and running jobs: the cap counts them, across replicas

Files a job writes (the weights of a digits or names job) stay in the data folder of the worker that
ran it: GET /api/jobs/{id}/weights finds them when app and workers share that folder."""

import json
import secrets
import shutil
import time
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import WatchError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from app.jobs.runner import JobsBusy, RunFn, execute, is_active
from app.jobs.store import FINAL, JOB_ID, JobRecord
from app.settings import Settings

KILL_AFTER_SECONDS = 120  # past its time limit, RQ kills a work horse whose job did not stop by itself
CANCEL_CHECK_SECONDS = 0.2
# Reserve a slot atomically: every replica checks and adds in one step.
RESERVE = """
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[2])
return 1
"""
LOST = (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)


class RedisRunner:
    def __init__(
        self,
        redis: Redis,
        prefix: str,
        max_running: int,
        max_kept: int,
        workdir_root: Path,
        alive_seconds: int = 30,
        max_seconds: float = 600,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.max_running = max_running
        self.max_kept = max_kept
        self.workdir_root = workdir_root
        self.alive_seconds = alive_seconds
        self.max_seconds = max_seconds
        self.kill_after = int(max_seconds) + KILL_AFTER_SECONDS
        self.queue = Queue(prefix, connection=redis)
        self._reserve = redis.register_script(RESERVE)

    def _key(self, job_id: str, part: str = "") -> str:
        return f"{self.prefix}:job:{job_id}{part}"

    def submit(self, kind: str, params: Any, run: RunFn) -> JobRecord:
        record = JobRecord(id=secrets.token_hex(16), kind=kind, params=params.model_dump(), owner="queue")
        self._forget_lost()
        if not self._reserve(keys=[f"{self.prefix}:active"], args=[self.max_running, record.id]):
            raise JobsBusy(self.max_running, retry_after=5)
        with self.redis.pipeline() as pipe:  # one transaction: no one sees a record without its RQ job
            self.queue.enqueue(
                "app.jobs.worker.perform",
                self.prefix,
                record.id,
                job_id=record.id,
                job_timeout=self.kill_after,
                result_ttl=0,
                failure_ttl=24 * 3600,
                pipeline=pipe,
            )
            pipe.set(self._key(record.id), self._head(record))
            pipe.zadd(f"{self.prefix}:jobs", {record.id: record.created})
            pipe.execute()
        return record

    def workdir(self, job_id: str) -> Path:
        if not JOB_ID.match(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.workdir_root / job_id

    def get(self, job_id: str) -> JobRecord | None:
        if not JOB_ID.match(job_id):
            return None
        pipe = self.redis.pipeline()
        pipe.get(self._key(job_id))
        pipe.lrange(self._key(job_id, ":events"), 0, -1)
        raw, events = pipe.execute()
        if raw is None:
            return None
        record = JobRecord(**json.loads(raw), events=[json.loads(e) for e in events])
        if is_active(record):
            self._check_alive(record)
        return record

    def list(self) -> list[JobRecord]:
        ids = [i.decode() for i in self.redis.zrange(f"{self.prefix}:jobs", 0, -1)]
        return [r for r in map(self.get, ids) if r is not None]

    def cancel(self, job_id: str) -> JobRecord | None:
        record = self.get(job_id)
        if record is not None and is_active(record):
            self.redis.set(self._key(job_id, ":cancel"), 1, ex=self.kill_after)
            if record.state == "queued" and self._cancel_queued(job_id):
                record.state, record.finished = "cancelled", time.time()
                self.finish(record)
        return record

    def shutdown(self, timeout: float = 5.0) -> None:
        """Nothing runs in this process: jobs go on in the workers."""
        self.redis.close()

    # The worker's side (app/jobs/worker.py) and the bookkeeping both sides share.

    def save(self, record: JobRecord) -> None:
        self.redis.set(self._key(record.id), self._head(record))

    @staticmethod
    def _head(record: JobRecord) -> str:
        return json.dumps({k: v for k, v in asdict(record).items() if k != "events"})

    def add_event(self, job_id: str, event: dict[str, Any]) -> None:
        self.redis.rpush(self._key(job_id, ":events"), json.dumps(event))

    def finish(self, record: JobRecord) -> None:
        """A job ended: save it and free its slot in one step (whoever sees it ended can start
        another), then keep only the newest `max_kept` finished jobs."""
        with self.redis.pipeline() as pipe:
            self._queue_finish(pipe, record)
            pipe.execute()
        self._prune()

    def _queue_finish(self, pipe: Pipeline, record: JobRecord) -> None:
        pipe.set(self._key(record.id), self._head(record))
        pipe.srem(f"{self.prefix}:active", record.id)
        pipe.delete(self._key(record.id, ":cancel"), self._key(record.id, ":alive"))

    def _save_or_finish(self, record: JobRecord) -> None:
        (self.finish if record.state in FINAL else self.save)(record)

    def perform(self, record: JobRecord, run: RunFn, params: Any, owner: str) -> None:
        """Run a queued job in this (worker) process until it ends."""
        job_id, record.owner = record.id, owner
        last_check, stop = 0.0, False

        def should_stop() -> bool:
            nonlocal last_check, stop
            if not stop and time.monotonic() - last_check > CANCEL_CHECK_SECONDS:
                stop, last_check = self._beat(job_id), time.monotonic()
            return stop

        workdir = self.workdir(job_id)
        workdir.mkdir(parents=True, exist_ok=True)
        self._beat(job_id)
        try:
            added = partial(self.add_event, job_id)
            execute(record, params, run, workdir, self._save_or_finish, added, should_stop, self.max_seconds)
        finally:
            if record.state not in FINAL:  # execute() did not get to its end
                self.finish(record)

    def _beat(self, job_id: str) -> bool:
        """Say this job is alive; whether a cancel was asked."""
        with self.redis.pipeline() as pipe:
            pipe.set(self._key(job_id, ":alive"), 1, ex=self.alive_seconds)
            pipe.exists(self._key(job_id, ":cancel"))
            return bool(pipe.execute()[1])

    def _cancel_queued(self, job_id: str) -> bool:
        """Take a job off the queue before a worker starts it (False: a worker already has it)."""
        return bool(self.redis.lrem(self.queue.key, 0, job_id))

    def _check_alive(self, record: JobRecord) -> None:
        """A job whose worker is gone (killed, stopped, its machine down) or whose queue entry vanished
        ends in `error` and frees its slot, instead of staying active for ever.

        A job that ends normally also leaves RQ (its result is not kept), so it can look lost to a
        reader that fetched its record a moment before the worker saved the end: the error is written
        only if the stored record is still active when written (WATCH), never over a real end."""
        why = self._lost(record)
        if why is None:
            return
        key = self._key(record.id)
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(key)
                raw = pipe.get(key)
                if raw is None or json.loads(raw)["state"] in FINAL:
                    return  # it ended by itself meanwhile: the next read shows how
                code, status = why
                record.fail(code, status=status)
                pipe.multi()
                self._queue_finish(pipe, record)
                pipe.execute()
            except WatchError:
                return  # the worker wrote the record meanwhile
        self._prune()

    def _lost(self, record: JobRecord) -> tuple[str, str] | None:
        """Why the job's worker is gone: a message code and RQ's status, or None."""
        try:
            status = Job.fetch(record.id, connection=self.redis).get_status()
        except NoSuchJobError:
            return "job_queue_gone", ""
        if status in LOST:
            return "job_worker_status", status.value
        if record.state == "running" and not self.redis.exists(self._key(record.id, ":alive")):
            return "job_no_life", ""
        return None

    def _forget_lost(self) -> None:
        for job_id in self.redis.smembers(f"{self.prefix}:active"):
            if self.get(job_id.decode()) is None:
                self.redis.srem(f"{self.prefix}:active", job_id)

    def _prune(self) -> None:
        ids = [i.decode() for i in self.redis.zrange(f"{self.prefix}:jobs", 0, -1)]
        finished = [
            i for i in ids if (r := self.redis.get(self._key(i))) is None or json.loads(r)["state"] in FINAL
        ]
        for job_id in finished[: max(0, len(finished) - self.max_kept)]:
            self.redis.delete(self._key(job_id), self._key(job_id, ":events"))
            self.redis.zrem(f"{self.prefix}:jobs", job_id)
            shutil.rmtree(self.workdir(job_id), ignore_errors=True)  # this machine's copy, if any


def runner_for(redis: Redis, prefix: str, settings: Settings) -> RedisRunner:
    """The runner of the queue `prefix` on `redis`, with the settings' caps: the app's and a worker's."""
    return RedisRunner(
        redis,
        prefix,
        max_running=settings.max_running_jobs,
        max_kept=settings.jobs_max_kept,
        workdir_root=settings.data_dir / "jobs",
        alive_seconds=settings.job_alive_seconds,
        max_seconds=settings.job_max_seconds,
    )
