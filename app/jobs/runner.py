"""The job runner: one interface, and the in-process backend (threads; nothing else to start).
The other backend, a Redis queue whose workers may run on other machines, is app/jobs/redis_runner.py.

A kind of job is a function `run(params, ctx) -> result` (see app/jobs/kinds.py). It reports
progress through `ctx.report(event)` and checks `ctx.should_stop()` often; the runner keeps the
events in order, saves the record at most once a second (and at every epoch and at the end), and
turns an exception into the job's error state. A job that runs longer than its runner's
`max_seconds` (NATURALLY_JOB_MAX_SECONDS) is stopped like a cancelled one and ends in `error`, saying
so, with the events (the metrics) it reported so far; its slot is free again."""

import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

from app.jobs.store import ACTIVE, JobRecord, JobStore
from app.memory import give_back

SAVE_EVERY_SECONDS = 1.0


class JobsBusy(Exception):
    """As many jobs are running as the settings allow."""

    def __init__(self, running: int, retry_after: int) -> None:
        super().__init__(f"{running} jobs are running, the most allowed at once; try again later")
        self.retry_after = retry_after


WEIGHTS_FILE = "weights.pt"  # a finished job's trained state_dict, in its workdir


@dataclass
class JobContext:
    workdir: Path  # where the job writes its files (weights, …)
    report: Callable[[Any], None]
    should_stop: Callable[[], bool]

    def keep_weights(self, model: nn.Module) -> None:
        """Save the trained state_dict for GET /api/jobs/{id}/weights (atomically: never half a file)."""
        tmp = self.workdir / f".{WEIGHTS_FILE}.tmp"
        torch.save(model.state_dict(), tmp)
        os.replace(tmp, self.workdir / WEIGHTS_FILE)


RunFn = Callable[[Any, JobContext], dict[str, Any] | None]


class JobRunner(Protocol):
    def submit(self, kind: str, params: Any, run: RunFn) -> JobRecord: ...
    def get(self, job_id: str) -> JobRecord | None: ...
    def list(self) -> list[JobRecord]: ...
    def cancel(self, job_id: str) -> JobRecord | None: ...
    def workdir(self, job_id: str) -> Path: ...  # the folder of the files a job wrote, on this machine
    def shutdown(self, timeout: float = 5.0) -> None: ...


class InProcessRunner:
    def __init__(self, store: JobStore, max_running: int, max_seconds: float = 600) -> None:
        self.store = store
        self.max_running = max_running
        self.max_seconds = max_seconds
        self._active: dict[str, JobRecord] = {}
        self._stops: dict[str, threading.Event] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        store.mark_interrupted()

    def submit(self, kind: str, params: Any, run: RunFn) -> JobRecord:
        with self._lock:
            running = sum(map(is_active, self._active.values()))  # a job whose state is final is done
            if running >= self.max_running:
                raise JobsBusy(running, retry_after=5)
            record = JobRecord(id=secrets.token_hex(16), kind=kind, params=params.model_dump())
            self._active[record.id] = record
            self._stops[record.id] = threading.Event()
        self.store.save(record)
        thread = threading.Thread(
            target=self._run, args=(record, params, run), daemon=True, name=f"job-{kind}-{record.id[:8]}"
        )
        self._threads[record.id] = thread
        thread.start()
        return record

    def get(self, job_id: str) -> JobRecord | None:
        return self._active.get(job_id) or self.store.load(job_id)

    def list(self) -> list[JobRecord]:
        on_disk = {r.id: r for r in self.store.all()}
        return sorted({**on_disk, **self._active}.values(), key=lambda r: r.created)

    def cancel(self, job_id: str) -> JobRecord | None:
        record = self.get(job_id)
        if record is not None and is_active(record):
            self.store.request_cancel(job_id)
            stop = self._stops.get(job_id)
            if stop is not None:
                stop.set()
        return record

    def workdir(self, job_id: str) -> Path:
        return self.store.dir(job_id)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel every running job and wait for its thread (the server is stopping)."""
        for stop in list(self._stops.values()):
            stop.set()
        for thread in list(self._threads.values()):
            thread.join(timeout)

    def _run(self, record: JobRecord, params: Any, run: RunFn) -> None:
        stop = self._stops[record.id]
        last_save = time.monotonic()

        def added(event: dict[str, Any]) -> None:
            nonlocal last_save
            if event.get("kind") != "step" or time.monotonic() - last_save > SAVE_EVERY_SECONDS:
                self.store.save(record)
                last_save = time.monotonic()

        def should_stop() -> bool:
            if not stop.is_set() and self.store.cancel_requested(record.id):
                stop.set()  # asked through another worker process
            return stop.is_set()

        try:
            workdir = self.store.dir(record.id)
            execute(record, params, run, workdir, self.store.save, added, should_stop, self.max_seconds)
        finally:
            with self._lock:
                self._active.pop(record.id, None)
                self._stops.pop(record.id, None)
                self._threads.pop(record.id, None)
            self.store.prune()
            give_back()  # a training's tensors are gone: return their memory to the system


def execute(
    record: JobRecord,
    params: Any,
    run: RunFn,
    workdir: Path,
    save: Callable[[JobRecord], None],
    added: Callable[[dict[str, Any]], None],
    should_stop: Callable[[], bool],
    max_seconds: float,
) -> None:
    """Run one job to its end, whatever the backend: running → done | cancelled | error (failed, or
    stopped after `max_seconds`). `save` writes the record (at every change of state), `added` is
    told of each new event."""

    def report(event: Any) -> None:
        data = {"seq": len(record.events), **(asdict(event) if is_dataclass(event) else dict(event))}
        record.events.append(data)
        added(data)

    deadline = time.monotonic() + max_seconds
    timed_out = False

    def stop() -> bool:
        nonlocal timed_out
        timed_out = timed_out or time.monotonic() > deadline
        return timed_out or should_stop()

    record.state, record.started = "running", time.time()
    save(record)
    try:
        record.result = run(params, JobContext(workdir=workdir, report=report, should_stop=stop))
        if timed_out:
            record.fail("job_over_time", seconds=max_seconds, events=len(record.events))
        else:
            record.state = "cancelled" if should_stop() else "done"
    except Exception as e:  # noqa: BLE001 - any failure of a job becomes its error state
        record.state, record.error = "error", f"{type(e).__name__}: {e}"
        code, values = getattr(e, "code", None), getattr(e, "values", None)
        if isinstance(code, str) and isinstance(values, dict):  # a refusal with its message code
            record.error_code, record.error_values = code, json.loads(json.dumps(values, default=str))
    finally:
        record.finished = time.time()
        save(record)


def is_active(record: JobRecord) -> bool:
    return record.state in ACTIVE
