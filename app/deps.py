"""Annotated dependencies shared by the routers."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from redis import Redis

from app.datasets import DatasetStore
from app.i18n import api_language, pick_language
from app.images import ImageStore
from app.jobs.redis_runner import runner_for
from app.jobs.runner import InProcessRunner, JobRunner
from app.jobs.store import JobStore
from app.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]


@lru_cache
def _store(root: str, max_count: int, max_bytes: int) -> ImageStore:
    return ImageStore(Path(root), max_count=max_count, max_bytes=max_bytes)


def get_image_store(settings: SettingsDep) -> ImageStore:
    return _store(
        str(settings.data_dir / "images"), settings.image_store_max_count, settings.image_store_max_bytes
    )


def get_lang(request: Request, settings: SettingsDep) -> str:
    return pick_language(request, settings.default_lang)


def get_dataset_store(settings: SettingsDep) -> DatasetStore:
    return DatasetStore(
        settings.data_dir / "datasets",
        max_bytes=settings.dataset_max_bytes,
        max_total_bytes=settings.datasets_max_total_bytes,
        max_count=settings.datasets_max_count,
    )


ImageStoreDep = Annotated[ImageStore, Depends(get_image_store)]
DatasetStoreDep = Annotated[DatasetStore, Depends(get_dataset_store)]
LangDep = Annotated[str, Depends(get_lang)]  # a page's language
ApiLangDep = Annotated[str, Depends(api_language)]  # the language of what an API answer says


_RUNNERS: dict[tuple[str, ...], JobRunner] = {}  # one per data folder or Redis queue in this process


def get_job_runner(settings: SettingsDep) -> JobRunner:
    if settings.job_backend == "redis":
        key = ("redis", settings.redis_url, settings.redis_prefix, str(settings.data_dir))  # + its files
        if key not in _RUNNERS:
            _RUNNERS[key] = runner_for(Redis.from_url(settings.redis_url), settings.redis_prefix, settings)
        return _RUNNERS[key]
    root = settings.data_dir / "jobs"
    key = ("thread", str(root))
    if key not in _RUNNERS:
        _RUNNERS[key] = InProcessRunner(
            JobStore(root, max_kept=settings.jobs_max_kept),
            max_running=settings.max_running_jobs,
            max_seconds=settings.job_max_seconds,
        )
    return _RUNNERS[key]


def shutdown_runners() -> None:
    """Stop every job this process runs (at server shutdown) and forget the runners."""
    for runner in _RUNNERS.values():
        runner.shutdown()
    _RUNNERS.clear()


JobRunnerDep = Annotated[JobRunner, Depends(get_job_runner)]
