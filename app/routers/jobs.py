"""Training jobs: start, follow (Server-Sent Events), inspect, cancel, list."""

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic_core import to_json

from app.bodies import BodyRoute
from app.deps import JobRunnerDep, SettingsDep
from app.errors import Refusal, field_error
from app.i18n import LANGS, api_language
from app.jobs.kinds import EXAMPLES, KINDS, JobRequest, too_long
from app.jobs.runner import WEIGHTS_FILE, JobsBusy
from app.jobs.store import FINAL, JobRecord
from app.schemas.jobs import JobResponse, JobSummary
from app.urls import path_for

JobId = Annotated[str, Path(description="the id POST /api/jobs answered")]
Lang = Literal[LANGS]  # type: ignore[valid-type]
JOB_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no job with that id"}}
router = APIRouter(prefix="/api/jobs", tags=["jobs"], route_class=BodyRoute)

HEADLINE = ("model", "parameters", "seconds", "held_out_accuracy")
POLL_SECONDS = 0.2
LAST_EVENT_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits: "²".isdigit() is True too


def _response(record: JobRecord, request: Request) -> JobResponse:
    """The record as the API answers it, its error in the request's language."""
    return JobResponse(
        id=record.id,
        kind=record.kind,
        state=record.state,
        params=record.params,
        created=record.created,
        started=record.started,
        finished=record.finished,
        error=record.error_in(api_language(request)),
        progress=record.events[-1] if record.events else None,
        history=[e for e in record.events if e.get("kind") == "epoch"],
        result=record.result,
        events_url=path_for(request, "job_events", job_id=record.id),
    )


def _json(data: dict) -> str:
    """JSON a browser can parse: NaN and ±inf (a diverged run's loss) become null, as in the JSON
    answers (json.dumps writes NaN, which JSON.parse refuses)."""
    return to_json(data, inf_nan_mode="null").decode()


def _sse(event: dict) -> str:
    return f"id: {event['seq']}\nevent: {event['kind']}\ndata: {_json(event)}\n\n"


def _found(record: JobRecord | None, job_id: str) -> JobRecord:
    if record is None:
        raise Refusal(404, "job_not_found", job_id=job_id)
    return record


@router.post(
    "",
    status_code=202,
    response_model=JobResponse,
    responses={
        429: {
            "description": "as many jobs are running as allowed; see Retry-After",
            "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
        },
        503: {"description": "the Redis job queue is unreachable (redis backend)"},
    },
)
def start_job(
    job: Annotated[JobRequest, Body(openapi_examples=EXAMPLES)],
    request: Request,
    response: Response,
    runner: JobRunnerDep,
    settings: SettingsDep,
) -> JobResponse:
    """Start a training job; follow it at `events_url` (Server-Sent Events). A job runs at most
    `job_max_seconds` (600 s by default): params whose estimated time is more than twice that get a
    422 saying so, and a job still running at the limit stops, in state `error`, with its history."""
    if (seconds := too_long(job.kind, job.params, settings.job_max_seconds)) is not None:
        minutes, most = round(seconds / 60), settings.job_max_seconds / 60
        raise field_error("params", "job_too_long", kind=job.kind, minutes=minutes, most=most)
    try:
        record = runner.submit(job.kind, job.params, KINDS[job.kind])
    except JobsBusy as e:
        raise Refusal(
            429, "jobs_busy", headers={"Retry-After": str(e.retry_after)}, seconds=e.retry_after
        ) from None
    response.headers["Location"] = path_for(request, "get_job", job_id=record.id)
    return _response(record, request)


@router.get("", response_model=list[JobSummary])
def list_jobs(runner: JobRunnerDep) -> list[JobSummary]:
    """Every job this server knows, oldest first (finished ones survive a restart)."""
    return [
        JobSummary(
            id=r.id,
            kind=r.kind,
            state=r.state,
            params=r.params,
            created=r.created,
            finished=r.finished,
            result={k: r.result[k] for k in HEADLINE if k in r.result} if r.result else None,
        )
        for r in runner.list()
    ]


@router.get("/{job_id}", name="get_job", response_model=JobResponse, responses=JOB_NOT_FOUND)
def get_job(job_id: JobId, request: Request, runner: JobRunnerDep) -> JobResponse:
    """State, params, progress so far, per-epoch history and (when done) the result."""
    return _response(_found(runner.get(job_id), job_id), request)


@router.delete("/{job_id}", response_model=JobResponse, responses=JOB_NOT_FOUND)
def cancel_job(job_id: JobId, request: Request, runner: JobRunnerDep) -> JobResponse:
    """Ask a running job to stop; it ends in state `cancelled` within a second."""
    return _response(_found(runner.cancel(job_id), job_id), request)


@router.get(
    "/{job_id}/weights",
    response_class=FileResponse,
    responses={
        200: {
            "content": {"application/octet-stream": {}},
            "description": "the trained state_dict, for torch.load(..., weights_only=True)",
        },
        404: {
            "description": "no job with that id, or no weights kept (its kind keeps none, "
            "or a worker without this server's data folder ran it)"
        },
        409: {"description": "the job has not finished (or was cancelled or failed)"},
    },
)
def job_weights(job_id: JobId, runner: JobRunnerDep) -> FileResponse:
    """The weights a finished `digits` or `names` job trained (a PyTorch state_dict). The model's
    sizes are the job's params; engine.models builds it."""
    record = _found(runner.get(job_id), job_id)
    path = runner.workdir(record.id) / WEIGHTS_FILE
    if record.state != "done":
        raise Refusal(409, "job_unfinished", job_id=job_id, state=record.state)
    if not path.is_file():
        raise Refusal(404, "job_no_weights", job_id=job_id, kind=record.kind)
    return FileResponse(
        path, media_type="application/octet-stream", filename=f"naturally-{record.kind}-{record.id[:8]}.pt"
    )


@router.get(
    "/{job_id}/events",
    name="job_events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **JOB_NOT_FOUND},
)
async def job_events(
    job_id: JobId,
    request: Request,
    runner: JobRunnerDep,
    lang: Annotated[
        Lang | None,
        Query(
            description="the language of the end event's error (a page's EventSource cannot set "
            "Accept-Language); else Accept-Language's"
        ),
    ] = None,
) -> StreamingResponse:
    """Progress as Server-Sent Events, in order (`step`, `epoch`, `done` from the training loop),
    then one last `end` event with the final state and result. Resumes after `Last-Event-ID`."""
    language = lang or api_language(request)
    _found(runner.get(job_id), job_id)
    last = request.headers.get("last-event-id", "")
    start = int(last) + 1 if LAST_EVENT_ID.fullmatch(last) else 0  # a malformed one is ignored

    async def stream() -> AsyncIterator[str]:
        sent = start
        while True:
            record = await asyncio.to_thread(runner.get, job_id)  # a file or a Redis read
            if record is None:
                return
            backlog = record.events[sent:]
            if backlog:  # one write per poll: a client gone mid-backlog costs one failed send, not one each
                yield "".join(map(_sse, backlog))
                sent += len(backlog)
            if record.state in FINAL and sent >= len(record.events):
                end = {"state": record.state, "error": record.error_in(language), "result": record.result}
                yield f"event: end\ndata: {_json(end)}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
