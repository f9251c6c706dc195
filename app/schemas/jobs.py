"""Training jobs: what a job looks like. What each kind trains is in its topic's schema module."""

from typing import Any, Literal

from pydantic import BaseModel, Field

JobState = Literal["queued", "running", "done", "error", "cancelled"]


class JobResponse(BaseModel):
    id: str
    kind: str
    state: JobState
    params: dict[str, Any]
    created: float = Field(description="Unix time")
    started: float | None
    finished: float | None
    error: str | None
    progress: dict[str, Any] | None = Field(description="the latest progress event")
    history: list[dict[str, Any]] = Field(description="one event per finished epoch")
    result: dict[str, Any] | None
    events_url: str


class JobSummary(BaseModel):
    id: str
    kind: str
    state: JobState
    params: dict[str, Any]
    created: float
    finished: float | None
    result: dict[str, Any] | None = Field(description="headline numbers (accuracy, seconds, …)")
