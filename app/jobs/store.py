"""Job records on disk: data_dir/jobs/<id>/job.json (+ the files a job writes beside it).

Every write is atomic (a temporary file, then os.replace), so a crash or a restart never leaves a
half-written record, and a record written by one process is read whole by another."""

import json
import os
import re
import shutil
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.i18n import translate

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
ACTIVE = ("queued", "running")
FINAL = ("done", "error", "cancelled")


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class JobRecord:
    id: str
    kind: str
    params: dict[str, Any]
    state: str = "queued"  # queued → running → done | error | cancelled
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    error: str | None = None  # why it failed, in English
    error_code: str | None = None  # the same as api.<code> of the catalogs, filled with error_values
    error_values: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)  # progress, in order, each with "seq"
    result: dict[str, Any] | None = None
    owner: str = field(default_factory=this_process)  # "host:pid" of the process running it

    def fail(self, code: str, **values: Any) -> None:
        """End in state `error`, saying why with the message api.<code> (an answer words it in the
        request's language)."""
        self.state, self.finished = "error", time.time()
        self.error, self.error_code, self.error_values = (
            translate("en", f"api.{code}", **values),
            code,
            values,
        )

    def error_in(self, lang: str) -> str | None:
        """Why it failed, in `lang` where the catalogs hold the message (else the English)."""
        if self.error_code is None or lang == "en":
            return self.error
        return translate(lang, f"api.{self.error_code}", **self.error_values)


class JobStore:
    def __init__(self, root: Path, max_kept: int) -> None:
        self.root = root
        self.max_kept = max_kept
        root.mkdir(parents=True, exist_ok=True)

    def dir(self, job_id: str) -> Path:
        if not JOB_ID.match(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.root / job_id

    def save(self, record: JobRecord) -> None:
        d = self.dir(record.id)
        d.mkdir(exist_ok=True)
        write_atomic(d / "job.json", json.dumps(asdict(record)).encode())

    def load(self, job_id: str) -> JobRecord | None:
        if not JOB_ID.match(job_id):
            return None
        try:
            return JobRecord(**json.loads((self.root / job_id / "job.json").read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def all(self) -> list[JobRecord]:
        records = (self.load(p.name) for p in self.root.iterdir() if p.is_dir())
        return sorted((r for r in records if r is not None), key=lambda r: r.created)

    def request_cancel(self, job_id: str) -> None:
        """Leave a cancel flag beside the record: the process running the job (this one or another
        worker) sees it before its next batch."""
        d = self.dir(job_id)
        if d.is_dir():
            (d / "cancel").touch()

    def cancel_requested(self, job_id: str) -> bool:
        return (self.dir(job_id) / "cancel").exists()

    def mark_interrupted(self) -> None:
        """Records left active by a process of this host that no longer runs (a restart) say so.
        Jobs of live processes (other workers on the same data folder) are left alone."""
        for r in self.all():
            if r.state in ACTIVE and not owner_alive(r.owner):
                r.fail("job_restarted")
                self.save(r)

    def prune(self) -> None:
        """Keep the newest `max_kept` finished jobs."""
        finished = [r for r in self.all() if r.state in FINAL]
        for r in finished[: max(0, len(finished) - self.max_kept)]:
            shutil.rmtree(self.dir(r.id), ignore_errors=True)


def owner_alive(owner: str) -> bool:
    """Whether the process that owns a job still runs (only knowable for this host's processes;
    another host's jobs count as alive)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return bool(host)
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return int(pid) != os.getpid()  # a runner starting in this process: its old jobs are gone


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
