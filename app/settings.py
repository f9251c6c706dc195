"""Settings read from the environment (prefix NATURALLY_), behind one cached getter."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NATURALLY_")

    data_dir: Path = Field(PROJECT_ROOT / "var", description="embedded state: uploads, jobs, weights")
    default_lang: str = Field("en", pattern="^(en|zh)$")
    upload_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="largest upload accepted")
    upload_max_pixels: int = Field(40_000_000, ge=64, description="largest decoded width × height")
    image_max_side: int = Field(512, ge=16, le=2048, description="uploads are resized to fit this")
    image_store_max_count: int = Field(5000, ge=1, description="stored uploads at most (files)")
    image_store_max_bytes: int = Field(
        512 * 1024 * 1024,
        ge=1024,
        description="stored uploads at most (bytes); past it the least recently used go first (a 512×512 "
        "photo is ≤ 0.8 MB as PNG: 40 students × 10 uploads fit)",
    )
    max_running_requests: int = Field(
        2, ge=1, le=64, description="requests with a body (POST: computations, uploads) run at once"
    )
    max_waiting_requests: int = Field(
        32, ge=0, le=1024, description="more wait their turn, up to this many; one more gets 503"
    )
    answer_max_bytes: int = Field(
        32 * 1024 * 1024, ge=1024 * 1024, description="the tensors of one answer at most (bytes)"
    )
    dataset_max_bytes: int = Field(
        8 * 1024 * 1024,
        ge=64 * 1024,
        description="the most one data set of learner examples holds (keep it under "
        "upload_max_bytes, so its export can be imported back)",
    )
    datasets_max_total_bytes: int = Field(
        512 * 1024 * 1024,
        ge=1024 * 1024,
        description="every data set together; past it (or past datasets_max_count) the least recently "
        "used sets are removed when a set is made",
    )
    datasets_max_count: int = Field(500, ge=1, description="data sets kept (least recently used removed)")
    max_running_jobs: int = Field(
        2,
        ge=1,
        le=64,
        description="training jobs at once (redis backend: queued "
        "and running, across all replicas); one more gets 429",
    )
    job_backend: Literal["thread", "redis"] = Field(
        "thread",
        description="thread: jobs run in the app's own process; redis: on an RQ queue "
        "that `python -m app.jobs.worker` processes run (on any machine)",
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="the Redis of the redis backend")
    redis_prefix: str = Field(
        "naturally", pattern=r"^[A-Za-z0-9_.-]{1,40}$", description="queue name and key prefix in Redis"
    )
    job_alive_seconds: int = Field(
        30,
        ge=2,
        le=3600,
        description="redis backend: a running job whose "
        "worker gave no sign of life for this long ends in error",
    )
    job_max_seconds: int = Field(
        600, ge=1, description="a job running longer stops, in state error, with its metrics so far"
    )
    jobs_max_kept: int = Field(50, ge=1, description="finished jobs kept (oldest removed)")
    torch_threads: int = Field(
        1,
        ge=1,
        le=64,
        description="torch's threads for each computation (requests, jobs). Requests already run side "
        "by side on max_running_requests lanes, and on small tensors a second thread costs more CPU "
        "than it saves: 1 thread took 6.7 ms of server CPU per answer for 100 students against 8.1 ms "
        "with 2 (docs/benchmarks.md)",
    )
    timing_max_threads: int = Field(
        2, ge=1, le=64, description="§2.2's timing may run torch on 1 to this many threads"
    )
    answer_cache_max_bytes: int = Field(
        128 * 1024 * 1024, ge=0, description="answers kept in memory for repeats (app/answers.py): bytes"
    )
    answer_cache_max_entries: int = Field(
        4096, ge=0, description="answers kept in memory: how many (0: none)"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
